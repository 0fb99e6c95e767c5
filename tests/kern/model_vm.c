/*
 * vmspace-rs model: vmspaces, address maps, kern_mmap, madvise, and the
 * pmap calls vkernel makes.
 *
 * Follows DragonFly's vm/vm_map.c and vm/vm_mmap.c at the reference
 * revision for everything that decides results: map entries in address
 * order around a header, lookup, clipping (which gives an entry an anonymous
 * object), simplification (merging equal neighbours), first-fit placement
 * with alignment, coalescing of anonymous mappings, and the error returns.
 * There are no pages: objects are only identities with a size and a
 * reference count, and the pmap records what it was asked.  README.md lists
 * what is simplified.
 */
#include "model_impl.h"

#define MODEL_MAXDSIZ		(32768UL * 1024 * 1024)	/* pc64 MAXDSIZ */
#define MODEL_SEG_SIZE		(1UL << 21)		/* pc64 SEG_SIZE */
#define MODEL_SEG_MASK		(MODEL_SEG_SIZE - 1)
/* max_proc_mmap is KvaSize / sizeof(struct vm_map_entry) in DragonFly. */
#define MODEL_MAX_PROC_MMAP	(1L << 24)

/* vm_mmap() "cow" flags */
#define MAP_COPY_ON_WRITE	0x0004
#define MAP_DISABLE_SYNCER	0x0020
#define MAP_DISABLE_COREDUMP	0x0040

#define VM_MAP_RANGE_CHECK(map, start, end) do {			\
	if ((start) < (map)->min_offset)				\
		(start) = (map)->min_offset;				\
	if ((end) > (map)->max_offset)					\
		(end) = (map)->max_offset;				\
	if ((start) > (end))						\
		(start) = (end);					\
} while (0)

/* ---------------------------------------------------------------------- */
/* Objects                                                                */

static struct vm_object *
model_object_alloc(vm_pindex_t size)
{
	struct vm_object *obj = host_zalloc(sizeof(*obj));

	obj->id = model_w.nobject++;
	obj->ref_count = 1;
	obj->size = size;
	return (obj);
}

static void
model_object_deallocate(struct vm_object *obj)
{
	if (obj != NULL && --obj->ref_count == 0)
		host_free(obj);
}

/* vm_object_coalesce() for anonymous objects without backing objects. */
static int
model_object_coalesce(struct vm_object *obj, vm_pindex_t prev_pindex,
		      vm_size_t prev_size, vm_size_t next_size)
{
	vm_pindex_t next_pindex;

	if (obj == NULL)
		return (1);
	prev_size >>= PAGE_SHIFT;
	next_size >>= PAGE_SHIFT;
	next_pindex = prev_pindex + prev_size;
	if (obj->ref_count > 1 && obj->size != next_pindex)
		return (0);
	if (next_pindex + next_size > obj->size)
		obj->size = next_pindex + next_size;
	return (1);
}

/* ---------------------------------------------------------------------- */
/* Map entries                                                            */

static void
model_map_init(struct vm_map *map, vm_offset_t min, vm_offset_t max,
	       pmap_t pmap)
{
	map->header.next = map->header.prev = &map->header;
	map->nentries = 0;
	map->size = 0;
	map->system_map = 0;
	map->min_offset = min;
	map->max_offset = max;
	map->pmap = pmap;
	map->first_free = &map->header;
	map->hint = &map->header;
	map->timestamp = 0;
	map->flags = 0;
	lwkt_token_init(&map->token, "vm_map");
	model_lock_init(&map->lock, "vm_maplk");
}

static int
model_map_lookup(struct vm_map *map, vm_offset_t addr, vm_map_entry_t *out)
{
	vm_map_entry_t e;

	for (e = map->header.next; e != &map->header; e = e->next) {
		if (addr < e->start)
			break;
		if (addr < e->end) {
			*out = e;
			return (1);
		}
	}
	*out = e->prev;
	return (0);
}

static void
model_entry_link(struct vm_map *map, vm_map_entry_t after, vm_map_entry_t e)
{
	map->nentries++;
	e->prev = after;
	e->next = after->next;
	after->next->prev = e;
	after->next = e;
}

static void
model_entry_unlink(struct vm_map *map, vm_map_entry_t e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	map->nentries--;
	if (map->hint == e)
		map->hint = &map->header;
	if (map->first_free == e)
		map->first_free = &map->header;
}

static void
model_entry_dispose(vm_map_entry_t e)
{
	__builtin_memset(e, 0x5a, sizeof(*e));
	host_free(e);
}

static void
model_entry_allocate_object(vm_map_entry_t e)
{
	if (e->maptype == VM_MAPTYPE_VPAGETABLE)
		e->object.vm_object = model_object_alloc(0x7FFFFFFF);
	else
		e->object.vm_object = model_object_alloc(atop(e->end - e->start));
	e->offset = 0;
}

static int
model_entries_mergeable(vm_map_entry_t a, vm_map_entry_t b)
{
	vm_size_t asize = a->end - a->start;

	return (a->end == b->start && a->maptype == b->maptype &&
	    a->object.vm_object == b->object.vm_object &&
	    (a->object.vm_object == NULL || a->offset + asize == b->offset) &&
	    a->eflags == b->eflags && a->protection == b->protection &&
	    a->max_protection == b->max_protection &&
	    a->inheritance == b->inheritance &&
	    a->wired_count == b->wired_count);
}

/* vm_map_simplify_entry(): merge with equal neighbours. */
static void
model_simplify_entry(struct vm_map *map, vm_map_entry_t e)
{
	vm_map_entry_t prev, next;

	if (e->eflags & MAP_ENTRY_IN_TRANSITION)
		return;
	if (e->maptype == VM_MAPTYPE_SUBMAP || e->maptype == VM_MAPTYPE_UKSMAP)
		return;
	prev = e->prev;
	if (prev != &map->header && model_entries_mergeable(prev, e)) {
		model_entry_unlink(map, prev);
		e->start = prev->start;
		e->offset = prev->offset;
		model_object_deallocate(prev->object.vm_object);
		model_entry_dispose(prev);
	}
	next = e->next;
	if (next != &map->header && model_entries_mergeable(e, next)) {
		model_entry_unlink(map, next);
		e->end = next->end;
		model_object_deallocate(next->object.vm_object);
		model_entry_dispose(next);
	}
}

static void
model_clip_start(struct vm_map *map, vm_map_entry_t e, vm_offset_t start)
{
	vm_map_entry_t n;

	if (start <= e->start)
		return;
	model_simplify_entry(map, e);
	if (e->object.vm_object == NULL && !map->system_map)
		model_entry_allocate_object(e);
	n = host_zalloc(sizeof(*n));
	*n = *e;
	n->end = start;
	e->offset += start - e->start;
	e->start = start;
	model_entry_link(map, e->prev, n);
	if (n->object.vm_object != NULL)
		n->object.vm_object->ref_count++;
}

static void
model_clip_end(struct vm_map *map, vm_map_entry_t e, vm_offset_t end)
{
	vm_map_entry_t n;

	if (end >= e->end)
		return;
	if (e->object.vm_object == NULL && !map->system_map)
		model_entry_allocate_object(e);
	n = host_zalloc(sizeof(*n));
	*n = *e;
	n->start = e->end = end;
	n->offset += end - e->start;
	model_entry_link(map, e, n);
	if (n->object.vm_object != NULL)
		n->object.vm_object->ref_count++;
}

/* vm_map_delete(); the map is exclusively locked. */
static void
model_map_delete(struct vm_map *map, vm_offset_t start, vm_offset_t end)
{
	vm_map_entry_t e, next;

	lwkt_gettoken(&map->token);
	if (model_map_lookup(map, start, &e))
		model_clip_start(map, e, start);
	else
		e = e->next;
	while (e != &map->header && e->start < end) {
		model_clip_end(map, e, end);
		next = e->next;
		pmap_remove(map->pmap, e->start, e->end);
		model_entry_unlink(map, e);
		map->size -= e->end - e->start;
		model_object_deallocate(e->object.vm_object);
		model_entry_dispose(e);
		e = next;
	}
	lwkt_reltoken(&map->token);
}

static int
model_map_findspace(struct vm_map *map, vm_offset_t start, vm_size_t length,
		    vm_size_t align, int flags, vm_offset_t *addr)
{
	vm_map_entry_t entry, next;
	vm_offset_t end, align_mask;

	if (start < map->min_offset)
		start = map->min_offset;
	if (start > map->max_offset)
		return (1);
	if ((align | (align - 1)) + 1 != (align << 1))
		align_mask = (vm_offset_t)-1;
	else
		align_mask = align - 1;
	/*
	 * DragonFly starts from its first_free hint; the first fit from the
	 * beginning of the map is the same address.
	 */
	if (start == map->min_offset) {
		entry = &map->header;
	} else {
		vm_map_entry_t tmp;

		if (model_map_lookup(map, start, &tmp))
			start = tmp->end;
		entry = tmp;
	}
	for (;; start = (entry = next)->end) {
		if (align_mask == (vm_offset_t)-1)
			end = ((start + align - 1) / align) * align;
		else
			end = (start + align_mask) & ~align_mask;
		if (end < start)
			return (1);
		start = end;
		end = start + length;
		if (end > map->max_offset || end < start)
			return (1);
		next = entry->next;
		if (next == &map->header)
			break;
		if (next->start >= end) {
			if ((next->eflags & MAP_ENTRY_STACK) == 0)
				break;
			if (flags & MAP_STACK)
				break;
			if (next->start - next->aux.avail_ssize >= end)
				break;
		}
	}
	map->hint = entry;
	*addr = start;
	return (0);
}

/* vm_map_insert() of anonymous memory (no object yet). */
static int
model_map_insert(struct vm_map *map, vm_ooffset_t offset, vm_offset_t start,
		 vm_offset_t end, vm_maptype_t maptype, vm_prot_t prot,
		 vm_prot_t max, int cow, vm_eflags_t extra_eflags)
{
	vm_map_entry_t prev, e;
	vm_eflags_t protoeflags = extra_eflags;
	struct vm_object *object = NULL;

	if (start < map->min_offset || end > map->max_offset || start >= end)
		return (KERN_INVALID_ADDRESS);
	if (model_map_lookup(map, start, &prev))
		return (KERN_NO_SPACE);
	if (prev->next != &map->header && prev->next->start < end)
		return (KERN_NO_SPACE);
	if (cow & MAP_COPY_ON_WRITE)
		protoeflags |= MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY;
	if (cow & MAP_DISABLE_SYNCER)
		protoeflags |= MAP_ENTRY_NOSYNC;
	if (cow & MAP_DISABLE_COREDUMP)
		protoeflags |= MAP_ENTRY_NOCOREDUMP;
	lwkt_gettoken(&map->token);
	if (prev != &map->header && prev->eflags == protoeflags &&
	    prev->end == start && prev->wired_count == 0 &&
	    prev->maptype == maptype && maptype == VM_MAPTYPE_NORMAL &&
	    model_object_coalesce(prev->object.vm_object, atop(prev->offset),
	    prev->end - prev->start, end - prev->end)) {
		if (prev->inheritance == VM_INHERIT_DEFAULT &&
		    prev->protection == prot && prev->max_protection == max) {
			map->size += end - prev->end;
			prev->end = end;
			model_simplify_entry(map, prev);
			lwkt_reltoken(&map->token);
			return (KERN_SUCCESS);
		}
		object = prev->object.vm_object;
		offset = prev->offset + (prev->end - prev->start);
		if (object != NULL)
			object->ref_count++;
	}
	e = host_zalloc(sizeof(*e));
	e->start = start;
	e->end = end;
	e->maptype = maptype;
	e->eflags = protoeflags;
	e->object.vm_object = object;
	e->aux.master_pde = 0;
	e->offset = offset;
	e->inheritance = VM_INHERIT_DEFAULT;
	e->protection = prot;
	e->max_protection = max;
	e->wired_count = 0;
	model_entry_link(map, prev, e);
	map->size += end - start;
	lwkt_reltoken(&map->token);
	return (KERN_SUCCESS);
}

static int
model_map_find(struct vm_map *map, vm_ooffset_t offset, vm_offset_t *addr,
	       vm_size_t length, vm_size_t align, int fitit,
	       vm_maptype_t maptype, vm_prot_t prot, vm_prot_t max, int cow)
{
	vm_offset_t start = *addr;
	int result;

	model_lock(&map->lock, 1);
	if (fitit) {
		if (model_map_findspace(map, start, length, align, 0, addr)) {
			model_unlock(&map->lock);
			return (KERN_NO_SPACE);
		}
		start = *addr;
	}
	result = model_map_insert(map, offset, start, start + length, maptype,
	    prot, max, cow, 0);
	model_unlock(&map->lock);
	return (result);
}

/*
 * vm_map_stack(), simplified: the stack is mapped whole at *addr and marked
 * MAP_ENTRY_STACK (no grow-down reservation).
 */
static int
model_map_stack(struct vm_map *map, vm_offset_t addrbos, vm_size_t max_ssize,
		vm_prot_t prot, vm_prot_t max, int cow)
{
	int result;

	if (addrbos < map->min_offset || addrbos + max_ssize > map->max_offset ||
	    addrbos + max_ssize <= addrbos)
		return (KERN_NO_SPACE);
	model_lock(&map->lock, 1);
	result = model_map_insert(map, 0, addrbos, addrbos + max_ssize,
	    VM_MAPTYPE_NORMAL, prot, max, cow, MAP_ENTRY_STACK);
	model_unlock(&map->lock);
	return (result);
}

static int
model_map_inherit(struct vm_map *map, vm_offset_t start, vm_offset_t end,
		  vm_inherit_t inh)
{
	vm_map_entry_t e;

	model_lock(&map->lock, 1);
	VM_MAP_RANGE_CHECK(map, start, end);
	if (model_map_lookup(map, start, &e))
		model_clip_start(map, e, start);
	else
		e = e->next;
	while (e != &map->header && e->start < end) {
		model_clip_end(map, e, end);
		e->inheritance = inh;
		model_simplify_entry(map, e);
		e = e->next;
	}
	model_unlock(&map->lock);
	return (KERN_SUCCESS);
}

/* ---------------------------------------------------------------------- */
/* vmspaces                                                               */

struct model_vmspace *
model_mv(struct vmspace *vm)
{
	return ((struct model_vmspace *)vm);
}

static int
model_vmspace_known(struct vmspace *vm)
{
	struct model_vmspace *mv;

	for (mv = model_w.vmspaces; mv != NULL; mv = mv->next) {
		if (&mv->vm == vm)
			return (1);
	}
	return (0);
}

void
pmap_pinit(pmap_t pmap)
{
	__builtin_memset(&pmap->pm_active, 0, sizeof(pmap->pm_active));
	__builtin_memset(&pmap->pm_stats, 0, sizeof(pmap->pm_stats));
	lwkt_token_init(&pmap->pm_token, "pmap_tok");
	pmap->pm_model_pinit = 1;
	pmap->pm_model_pinit2 = 0;
	pmap->pm_model_removes = 0;
}

void
pmap_release(pmap_t pmap)
{
	pmap->pm_model_pinit = 0;
}

/* The construction shared by vmspace_alloc() and process creation. */
static struct vmspace *
model_vmspace_create(vm_offset_t min, vm_offset_t max)
{
	struct model_vmspace *mv = host_zalloc(sizeof(*mv)), **mvp;
	struct vmspace *vm = &mv->vm;

	mv->id = model_w.nvmspace++;
	host_snprintf(mv->name, sizeof(mv->name), "vmspace#%d", mv->id);
	for (mvp = &model_w.vmspaces; *mvp != NULL; mvp = &(*mvp)->next)
		;
	*mvp = mv;
	model_map_init(&vm->vm_map, min, max, NULL);
	/* refs=1, hold=1: each ref also holds (vmspace_initrefs). */
	vm->vm_refcnt = 1;
	vm->vm_holdcnt = 1;
	vm->vm_holdcnt++;			/* vmspace_hold() */
	lwkt_gettoken(&vm->vm_map.token);
	pmap_pinit(vmspace_pmap(vm));
	vm->vm_map.pmap = vmspace_pmap(vm);
	vm->vm_shm = NULL;
	vm->vm_flags = 0;
	lwkt_reltoken(&vm->vm_map.token);	/* vmspace_drop() */
	vm->vm_holdcnt--;
	return (vm);
}

struct vmspace *
model_vmspace_new(void)
{
	return (model_vmspace_create(VM_MIN_USER_ADDRESS, VM_MAX_USER_ADDRESS));
}

struct vmspace *
vmspace_alloc(vm_offset_t min, vm_offset_t max)
{
	struct vmspace *vm;

	MODEL_ENTER("vmspace_alloc");
	model_may_block("vmspace_alloc");	/* objcache_get(M_WAITOK) */
	vm = model_vmspace_create(min, max);
	if (model_tracing())
		model_trace("vmspace_alloc(0x%lx, 0x%lx) = %s", min, max,
		    model_nm(vm));
	MODEL_LEAVE();
	return (vm);
}

void
vmspace_ref(struct vmspace *vm)
{
	MODEL_ENTER("vmspace_ref");
	KKASSERT((int)vm->vm_refcnt >= 0);
	vm->vm_holdcnt++;
	vm->vm_refcnt++;
	MODEL_LEAVE();
}

/*
 * Frees a vmspace's user memory and its fault ranges (host memory only).
 */
static void
model_free_user_ranges(struct model_vmspace *mv)
{
	struct model_range *r, *next;

	for (r = mv->user; r != NULL; r = next) {
		next = r->next;
		host_free(r->mem);
		host_free(r);
	}
	for (r = mv->faults; r != NULL; r = next) {
		next = r->next;
		host_free(r);
	}
	mv->user = mv->faults = NULL;
}

static void
model_vmspace_terminate(struct vmspace *vm, int final)
{
	struct model_vmspace *mv = model_mv(vm);

	lwkt_gettoken(&vm->vm_map.token);
	if (final == 0) {
		KKASSERT((vm->vm_flags & VMSPACE_EXIT1) == 0);
		vm->vm_flags |= VMSPACE_EXIT1;
		if (vmspace_pmap(vm)->pm_stats.wired_count) {
			vm_map_remove(&vm->vm_map, VM_MIN_USER_ADDRESS,
			    VM_MAX_USER_ADDRESS);
			pmap_remove_pages(vmspace_pmap(vm), VM_MIN_USER_ADDRESS,
			    VM_MAX_USER_ADDRESS);
		} else {
			pmap_remove_pages(vmspace_pmap(vm), VM_MIN_USER_ADDRESS,
			    VM_MAX_USER_ADDRESS);
			vm_map_remove(&vm->vm_map, VM_MIN_USER_ADDRESS,
			    VM_MAX_USER_ADDRESS);
		}
		lwkt_reltoken(&vm->vm_map.token);
	} else {
		KKASSERT((vm->vm_flags & VMSPACE_EXIT1) != 0);
		KKASSERT((vm->vm_flags & VMSPACE_EXIT2) == 0);
		vm->vm_flags |= VMSPACE_EXIT2;
		model_lock(&vm->vm_map.lock, 1);
		model_map_delete(&vm->vm_map, vm->vm_map.min_offset,
		    vm->vm_map.max_offset);
		model_unlock(&vm->vm_map.lock);
		lwkt_gettoken(&vmspace_pmap(vm)->pm_token);
		pmap_release(vmspace_pmap(vm));
		lwkt_reltoken(&vmspace_pmap(vm)->pm_token);
		lwkt_reltoken(&vm->vm_map.token);
		/* objcache_put(): gone; stale users read poison. */
		model_free_user_ranges(mv);
		__builtin_memset(vm, 0x5a, sizeof(*vm));
		mv->freed = 1;
	}
}

void
vmspace_rel(struct vmspace *vm)
{
	struct model_vmspace *mv = model_mv(vm);
	char name[40];

	MODEL_ENTER("vmspace_rel");
	if (!model_vmspace_known(vm))
		model_fault(MODEL_FAULT_MISUSE, "vmspace_rel(%s): not a vmspace",
		    model_nm(vm));
	if (mv->freed)
		model_fault(MODEL_FAULT_MISUSE, "vmspace_rel(%s): vmspace was "
		    "already freed", mv->name);
	host_snprintf(name, sizeof(name), "%s", mv->name);
	if (__atomic_fetch_sub(&vm->vm_refcnt, 1, __ATOMIC_SEQ_CST) == 1) {
		/* The last reference: termination can block. */
		model_may_block("vmspace_rel");
		vm->vm_refcnt = (u_int)-1;
		model_vmspace_terminate(vm, 0);
	}
	if (__atomic_fetch_sub(&vm->vm_holdcnt, 1, __ATOMIC_SEQ_CST) == 1) {
		if (vm->vm_refcnt == (u_int)-1)
			model_vmspace_terminate(vm, 1);
	}
	if (model_tracing())
		model_trace("vmspace_rel(%s)", name);
	MODEL_LEAVE();
}

/* fork: the child's vmspace gets a copy of the map and the user memory. */
void
model_vmspace_copy(struct vmspace *dst, struct vmspace *src)
{
	struct model_vmspace *md = model_mv(dst), *ms = model_mv(src);
	struct vm_map *map = &dst->vm_map;
	vm_map_entry_t e, n;
	struct model_range *r, **rp;

	for (e = src->vm_map.header.next; e != &src->vm_map.header;
	     e = e->next) {
		if (e->inheritance == VM_INHERIT_NONE)
			continue;
		n = host_zalloc(sizeof(*n));
		*n = *e;
		if (n->object.vm_object != NULL)
			n->object.vm_object->ref_count++;
		model_entry_link(map, map->header.prev, n);
		map->size += n->end - n->start;
	}
	dst->vm_taddr = src->vm_taddr;
	dst->vm_daddr = src->vm_daddr;
	rp = &md->user;
	for (r = ms->user; r != NULL; r = r->next) {
		struct model_range *c = host_zalloc(sizeof(*c));

		*c = *r;
		c->mem = host_zalloc(r->end - r->start);
		__builtin_memcpy(c->mem, r->mem, r->end - r->start);
		c->next = NULL;
		*rp = c;
		rp = &c->next;
	}
}

void
model_vm_reset(void)
{
	struct model_vmspace *mv, *next;

	for (mv = model_w.vmspaces; mv != NULL; mv = next) {
		vm_map_entry_t e, en;

		next = mv->next;
		if (!mv->freed) {
			for (e = mv->vm.vm_map.header.next;
			     e != &mv->vm.vm_map.header; e = en) {
				en = e->next;
				model_object_deallocate(e->object.vm_object);
				host_free(e);
			}
			model_free_user_ranges(mv);
		}
		host_free(mv);
	}
	model_w.vmspaces = NULL;
	model_w.nvmspace = 0;
	model_w.nobject = 0;
}

long
model_vmspace_live(void)
{
	struct model_vmspace *mv;
	long n = 0;

	for (mv = model_w.vmspaces; mv != NULL; mv = mv->next)
		n += !mv->freed;
	return (n);
}

/* ---------------------------------------------------------------------- */
/* The map calls vkernel makes                                            */

int
vm_map_remove(vm_map_t map, vm_offset_t start, vm_offset_t end)
{
	vm_offset_t s = start, e = end;

	MODEL_ENTER("vm_map_remove");
	model_may_block("vm_map_remove");	/* entry reserve, map lock */
	model_lock(&map->lock, 1);
	VM_MAP_RANGE_CHECK(map, s, e);
	model_map_delete(map, s, e);
	model_unlock(&map->lock);
	if (model_tracing())
		model_trace("vm_map_remove(%s, 0x%lx, 0x%lx) = 0", model_nm(map),
		    start, end);
	MODEL_LEAVE();
	return (KERN_SUCCESS);
}

boolean_t
vm_map_check_protection(vm_map_t map, vm_offset_t start, vm_offset_t end,
			vm_prot_t protection, boolean_t have_lock)
{
	vm_map_entry_t entry;
	vm_offset_t s = start;
	boolean_t result;

	MODEL_ENTER("vm_map_check_protection");
	if (have_lock == FALSE) {
		model_may_block("vm_map_check_protection");
		model_lock(&map->lock, 0);
	}
	if (!model_map_lookup(map, s, &entry)) {
		result = FALSE;
	} else {
		result = TRUE;
		while (s < end) {
			if (entry == &map->header || s < entry->start ||
			    (entry->protection & protection) != protection) {
				result = FALSE;
				break;
			}
			s = entry->end;
			entry = entry->next;
		}
	}
	if (have_lock == FALSE)
		model_unlock(&map->lock);
	if (model_tracing())
		model_trace("vm_map_check_protection(%s, 0x%lx, 0x%lx, 0x%x, %d) "
		    "= %d", model_nm(map), start, end, protection, have_lock,
		    result);
	MODEL_LEAVE();
	return (result);
}

int
vm_map_madvise(vm_map_t map, vm_offset_t start, vm_offset_t end, int behav,
	       off_t value)
{
	vm_map_entry_t current, entry;
	vm_offset_t s = start, e = end;
	int modify_map = 0;
	int error = 0;

	MODEL_ENTER("vm_map_madvise");
	model_may_block("vm_map_madvise");	/* vm_map_entry_reserve() */
	switch (behav) {
	case MADV_NORMAL:
	case MADV_SEQUENTIAL:
	case MADV_RANDOM:
	case MADV_NOSYNC:
	case MADV_AUTOSYNC:
	case MADV_NOCORE:
	case MADV_CORE:
	case MADV_SETMAP:
	case MADV_INVAL:
		modify_map = 1;
		model_lock(&map->lock, 1);
		break;
	case MADV_WILLNEED:
	case MADV_DONTNEED:
	case MADV_FREE:
		model_lock(&map->lock, 0);
		break;
	default:
		error = EINVAL;
		goto out;
	}
	VM_MAP_RANGE_CHECK(map, s, e);
	if (model_map_lookup(map, s, &entry)) {
		if (modify_map)
			model_clip_start(map, entry, s);
	} else {
		entry = entry->next;
	}
	if (modify_map) {
		for (current = entry;
		     current != &map->header && current->start < e;
		     current = current->next) {
			if (current->maptype == VM_MAPTYPE_SUBMAP)
				continue;
			model_clip_end(map, current, e);
			switch (behav) {
			case MADV_NORMAL:
			case MADV_SEQUENTIAL:
			case MADV_RANDOM:
				current->eflags &= ~MAP_ENTRY_BEHAV_MASK;
				current->eflags |= behav == MADV_NORMAL ?
				    MAP_ENTRY_BEHAV_NORMAL :
				    behav == MADV_SEQUENTIAL ?
				    MAP_ENTRY_BEHAV_SEQUENTIAL :
				    MAP_ENTRY_BEHAV_RANDOM;
				break;
			case MADV_NOSYNC:
				current->eflags |= MAP_ENTRY_NOSYNC;
				break;
			case MADV_AUTOSYNC:
				current->eflags &= ~MAP_ENTRY_NOSYNC;
				break;
			case MADV_NOCORE:
				current->eflags |= MAP_ENTRY_NOCOREDUMP;
				break;
			case MADV_CORE:
				current->eflags &= ~MAP_ENTRY_NOCOREDUMP;
				break;
			case MADV_INVAL:
				/* Flush the real pmap under a virtual one. */
				pmap_remove(map->pmap, current->start,
				    current->end);
				break;
			case MADV_SETMAP:
				if (current->maptype != VM_MAPTYPE_VPAGETABLE) {
					error = EINVAL;
					break;
				}
				current->aux.master_pde = (vpte_t)value;
				pmap_remove(map->pmap, current->start,
				    current->end);
				break;
			}
			model_simplify_entry(map, current);
		}
	}
	/* Object advice (WILLNEED, DONTNEED, FREE): there are no pages. */
	model_unlock(&map->lock);
out:
	if (model_tracing())
		model_trace("vm_map_madvise(%s, 0x%lx, 0x%lx, %d, 0x%lx) = %s",
		    model_nm(map), start, end, behav, (unsigned long)value,
		    model_errname(error));
	MODEL_LEAVE();
	return (error);
}

/* vm_map_hint() with randomize_mmap off (the default). */
static vm_offset_t
model_map_hint(struct proc *p, vm_offset_t addr)
{
	struct vmspace *vms = p->p_vmspace;

	if (addr == 0 ||
	    (addr >= round_page((vm_offset_t)vms->vm_taddr) &&
	     addr < round_page((vm_offset_t)vms->vm_daddr + MODEL_MAXDSIZ)))
		addr = round_page((vm_offset_t)vms->vm_daddr + MODEL_MAXDSIZ);
	return (addr);
}

/* vm_mmap() for anonymous memory. */
static int
model_vm_mmap(struct vm_map *map, vm_offset_t *addr, vm_size_t size,
	      vm_prot_t prot, vm_prot_t maxprot, int flags, vm_ooffset_t foff)
{
	vm_size_t objsize, align;
	vm_offset_t eaddr;
	int fitit, docow, rv;

	if (size == 0)
		return (0);
	objsize = round_page(size);
	if (objsize < size)
		return (EINVAL);
	size = objsize;
	lwkt_gettoken(&map->token);
	/* RLIMIT_VMEM applies to the process's own map only (infinite). */
	if (foff & PAGE_MASK) {
		lwkt_reltoken(&map->token);
		return (EINVAL);
	}
	if (flags & MAP_SIZEALIGN) {
		align = size;
		if ((align ^ (align - 1)) != (align << 1) - 1) {
			lwkt_reltoken(&map->token);
			return (EINVAL);
		}
	} else if ((flags & MAP_FIXED) == 0 &&
	    ((size & MODEL_SEG_MASK) == 0 || size > MODEL_SEG_SIZE * 16)) {
		align = MODEL_SEG_SIZE;
	} else {
		align = PAGE_SIZE;
	}
	if ((flags & (MAP_FIXED | MAP_TRYFIXED)) == 0) {
		fitit = 1;
	} else {
		if (*addr != trunc_page(*addr)) {
			lwkt_reltoken(&map->token);
			return (EINVAL);
		}
		eaddr = *addr + size;
		if (eaddr < *addr) {
			lwkt_reltoken(&map->token);
			return (EINVAL);
		}
		fitit = 0;
		if ((flags & MAP_TRYFIXED) == 0)
			vm_map_remove(map, *addr, *addr + size);
	}
	docow = 0;
	if ((flags & (MAP_ANON | MAP_SHARED)) == 0)
		docow |= MAP_COPY_ON_WRITE;
	if (flags & MAP_NOSYNC)
		docow |= MAP_DISABLE_SYNCER;
	if (flags & MAP_NOCORE)
		docow |= MAP_DISABLE_COREDUMP;
	if (flags & MAP_STACK)
		rv = model_map_stack(map, *addr, size, prot, maxprot, docow);
	else
		rv = model_map_find(map, foff, addr, size, align, fitit,
		    (flags & MAP_VPAGETABLE) ? VM_MAPTYPE_VPAGETABLE :
		    VM_MAPTYPE_NORMAL, prot, maxprot, docow);
	if (rv == KERN_SUCCESS && (flags & (MAP_SHARED | MAP_INHERIT)))
		rv = model_map_inherit(map, *addr, *addr + size,
		    VM_INHERIT_SHARE);
	lwkt_reltoken(&map->token);
	switch (rv) {
	case KERN_SUCCESS:
		return (0);
	case KERN_INVALID_ADDRESS:
	case KERN_NO_SPACE:
		return (ENOMEM);
	case KERN_PROTECTION_FAILURE:
		return (EACCES);
	default:
		return (EINVAL);
	}
}

static int
model_kern_mmap(struct vmspace *vms, caddr_t uaddr, size_t ulen, int uprot,
		int uflags, int fd, off_t upos, void **res)
{
	struct proc *p = curthread->td_proc;
	vm_offset_t addr, tmpaddr;
	vm_size_t size, pageoff;
	vm_prot_t prot, maxprot;
	int flags, error;
	off_t pos;

	KKASSERT(p);
	addr = (vm_offset_t)uaddr;
	size = ulen;
	prot = uprot & VM_PROT_ALL;
	flags = uflags;
	pos = upos;

	if ((flags & MAP_ANON) && (fd != -1 || pos != 0))
		return (EINVAL);
	if (size == 0)
		return (EINVAL);
	if (flags & MAP_STACK) {
		if (fd != -1 ||
		    (prot & (PROT_READ | PROT_WRITE)) != (PROT_READ | PROT_WRITE))
			return (EINVAL);
		flags |= MAP_ANON;
		pos = 0;
	}
	if (flags & MAP_VPAGETABLE) {
		if (vkernel_enable == 0)
			return (EOPNOTSUPP);
		if (flags & MAP_STACK)
			return (EINVAL);
		if ((prot & (PROT_READ | PROT_WRITE)) != (PROT_READ | PROT_WRITE))
			return (EINVAL);
	}
	pageoff = (pos & PAGE_MASK);
	pos -= pageoff;
	size += pageoff;
	size = (vm_size_t)round_page(size);
	if (size < ulen)
		return (EINVAL);
	if (flags & (MAP_FIXED | MAP_TRYFIXED)) {
		addr -= pageoff;
		if (addr & PAGE_MASK)
			return (EINVAL);
		tmpaddr = addr + size;
		if (tmpaddr < addr)
			return (EINVAL);
		if (VM_MAX_USER_ADDRESS > 0 && tmpaddr > VM_MAX_USER_ADDRESS)
			return (EINVAL);
	} else {
		addr = model_map_hint(p, addr);
	}
	if ((flags & MAP_ANON) == 0) {
		/* holdfp(): the model's processes have no open files. */
		return (EBADF);
	}
	maxprot = VM_PROT_ALL;
	lwkt_gettoken(&vms->vm_map.token);
	if (vms->vm_map.nentries >=
	    MODEL_MAX_PROC_MMAP * (long)(int)vms->vm_refcnt) {
		lwkt_reltoken(&vms->vm_map.token);
		return (ENOMEM);
	}
	error = model_vm_mmap(&vms->vm_map, &addr, size, prot, maxprot, flags,
	    pos);
	if (error == 0)
		*res = (void *)(addr + pageoff);
	lwkt_reltoken(&vms->vm_map.token);
	return (error);
}

int
kern_mmap(struct vmspace *vms, caddr_t uaddr, size_t ulen, int uprot,
	  int uflags, int fd, off_t upos, void **res)
{
	int error;

	MODEL_ENTER("kern_mmap");
	model_may_block("kern_mmap");
	error = model_kern_mmap(vms, uaddr, ulen, uprot, uflags, fd, upos, res);
	if (model_tracing()) {
		if (error == 0)
			model_trace("kern_mmap(%s, 0x%lx, 0x%lx, 0x%x, 0x%x, %d, "
			    "0x%lx, %s) = 0 *res=0x%lx", model_nm(vms),
			    (unsigned long)uaddr, (unsigned long)ulen, uprot,
			    uflags, fd, (unsigned long)upos, model_nm(res),
			    (unsigned long)*res);
		else
			model_trace("kern_mmap(%s, 0x%lx, 0x%lx, 0x%x, 0x%x, %d, "
			    "0x%lx, %s) = %s", model_nm(vms),
			    (unsigned long)uaddr, (unsigned long)ulen, uprot,
			    uflags, fd, (unsigned long)upos, model_nm(res),
			    model_errname(error));
	}
	MODEL_LEAVE();
	return (error);
}

/* ---------------------------------------------------------------------- */
/* pmap                                                                   */

void
pmap_pinit2(pmap_t pmap)
{
	MODEL_ENTER("pmap_pinit2");
	pmap->pm_model_pinit2 = 1;	/* on pmap_list */
	if (model_tracing())
		model_trace("pmap_pinit2(%s)", model_nm(pmap));
	MODEL_LEAVE();
}

void
pmap_remove(pmap_t pmap, vm_offset_t sva, vm_offset_t eva)
{
	(void)sva;
	(void)eva;
	pmap->pm_model_removes++;
}

void
pmap_remove_pages(pmap_t pmap, vm_offset_t sva, vm_offset_t eva)
{
	MODEL_ENTER("pmap_remove_pages");
	model_may_block("pmap_remove_pages");	/* pv entry locks */
	pmap->pm_model_removes++;
	if (model_tracing())
		model_trace("pmap_remove_pages(%s, 0x%lx, 0x%lx)", model_nm(pmap),
		    sva, eva);
	MODEL_LEAVE();
}

static void
model_cpumask_set(cpumask_t *m, int cpu, int on)
{
	if (on)
		m->ary[cpu >> 6] |= 1UL << (cpu & 63);
	else
		m->ary[cpu >> 6] &= ~(1UL << (cpu & 63));
}

void
pmap_setlwpvm(struct lwp *lp, struct vmspace *newvm)
{
	struct vmspace *oldvm;

	MODEL_ENTER("pmap_setlwpvm");
	oldvm = lp->lwp_vmspace;
	if (oldvm != newvm) {
		lp->lwp_vmspace = newvm;
		if (curthread->td_lwp == lp) {
			/* Switch this cpu's MMU to newvm (load_cr3). */
			model_cpumask_set(&vmspace_pmap(newvm)->pm_active,
			    (int)mycpu->gd_cpuid, 1);
			model_cpumask_set(&vmspace_pmap(oldvm)->pm_active,
			    (int)mycpu->gd_cpuid, 0);
		}
	}
	if (model_tracing())
		model_trace("pmap_setlwpvm(%s, %s)", model_nm(lp),
		    model_nm(newvm));
	MODEL_LEAVE();
}

/* ---------------------------------------------------------------------- */
/* Dump                                                                   */

static const char *
model_prot(vm_prot_t p, char *buf)
{
	buf[0] = (p & VM_PROT_READ) ? 'r' : '-';
	buf[1] = (p & VM_PROT_WRITE) ? 'w' : '-';
	buf[2] = (p & VM_PROT_EXECUTE) ? 'x' : '-';
	buf[3] = 0;
	return (buf);
}

void
model_vm_dump(char **buf, size_t *len, size_t *cap)
{
	struct model_vmspace *mv;

	for (mv = model_w.vmspaces; mv != NULL; mv = mv->next) {
		struct vmspace *vm = &mv->vm;
		struct vm_map *map = &vm->vm_map;
		struct pmap *pm = &vm->vm_pmap;
		vm_map_entry_t e;
		struct model_range *r;
		char p1[4], p2[4];

		if (mv->freed)
			continue;
		model_buf_printf(buf, len, cap, "%s refcnt=%d holdcnt=%u "
		    "flags=0x%x map_token=%s pmap{pinit2=%d active=0x%lx "
		    "removes=%ld} map{nentries=%d size=0x%lx lock=%s}\n",
		    mv->name, (int)vm->vm_refcnt, vm->vm_holdcnt, vm->vm_flags,
		    model_token_holder(&map->token), pm->pm_model_pinit2,
		    pm->pm_active.ary[0], pm->pm_model_removes, map->nentries,
		    map->size, map->lock.lk_exclusivecount ? "excl" :
		    map->lock.lk_sharecount ? "shared" : "free");
		for (e = map->header.next; e != &map->header; e = e->next) {
			model_buf_printf(buf, len, cap, "  [0x%lx,0x%lx) %s "
			    "prot=%s/%s inh=%d eflags=0x%x", e->start, e->end,
			    e->maptype == VM_MAPTYPE_VPAGETABLE ? "vpagetable" :
			    e->maptype == VM_MAPTYPE_NORMAL ? "normal" : "other",
			    model_prot(e->protection, p1),
			    model_prot(e->max_protection, p2), e->inheritance,
			    e->eflags);
			if (e->object.vm_object != NULL)
				model_buf_printf(buf, len, cap, " obj#%d+0x%lx",
				    e->object.vm_object->id,
				    (unsigned long)e->offset);
			else
				model_buf_printf(buf, len, cap, " obj=none");
			if (e->maptype == VM_MAPTYPE_VPAGETABLE)
				model_buf_printf(buf, len, cap, " master_pde=0x%lx",
				    (unsigned long)e->aux.master_pde);
			model_buf_printf(buf, len, cap, "\n");
		}
		for (r = mv->user; r != NULL; r = r->next)
			model_buf_printf(buf, len, cap, "  user [0x%lx,0x%lx) %s\n",
			    r->start, r->end, model_prot((vm_prot_t)r->prot, p1));
		for (r = mv->faults; r != NULL; r = r->next)
			model_buf_printf(buf, len, cap, "  fault [0x%lx,0x%lx)\n",
			    r->start, r->end);
	}
}
