/*
 * vmspace-rs userland model of DragonFly's <vm/vm_map.h>: address maps and
 * vmspaces.  As in DragonFly a map is a list of entries in address order
 * around a header entry whose start/end are the map's bounds; entries carry
 * protections, the map type (normal or virtual page table), flags, and an
 * anonymous object reference.  The map is protected by a lockmgr lock and
 * a token.
 */
#ifndef _VM_VM_MAP_H_
#define _VM_VM_MAP_H_

#include <sys/types.h>
#include <sys/lock.h>
#include <sys/thread.h>
#include <vm/vm.h>
#include <machine/pmap.h>
#include <sys/tree.h>

typedef u_int		vm_eflags_t;
typedef u_long		vpte_t;

union vm_map_object {
	struct vm_object	*vm_object;	/* object object */
	struct vm_map		*sub_map;	/* belongs to another map */
	void			*map_object;	/* generic */
};

union vm_map_aux {
	vm_offset_t	avail_ssize;	/* amt can grow if this is a stack */
	vpte_t		master_pde;	/* virtual page table root */
	void		*map_aux;
};

struct vm_map_entry {
	struct vm_map_entry	*prev;		/* previous entry */
	struct vm_map_entry	*next;		/* next entry */
	RB_ENTRY(vm_map_entry)	rb_entry;	/* unused by the model; DragonFly's layout */
	vm_offset_t		start;		/* start address */
	vm_offset_t		end;		/* end address */
	union vm_map_aux	aux;		/* auxillary data */
	union vm_map_object	object;		/* object I point to */
	vm_ooffset_t		offset;		/* offset into object */
	vm_eflags_t		eflags;		/* map entry flags */
	vm_maptype_t		maptype;	/* type of VM mapping */
	vm_prot_t		protection;	/* protection code */
	vm_prot_t		max_protection;	/* maximum protection */
	vm_inherit_t		inheritance;	/* inheritance */
	int			wired_count;	/* can be paged if = 0 */
};

#define MAP_ENTRY_NOSYNC		0x0001
#define MAP_ENTRY_STACK			0x0002
#define MAP_ENTRY_COW			0x0004
#define MAP_ENTRY_NEEDS_COPY		0x0008
#define MAP_ENTRY_NOFAULT		0x0010
#define MAP_ENTRY_USER_WIRED		0x0020
#define MAP_ENTRY_BEHAV_NORMAL		0x0000
#define MAP_ENTRY_BEHAV_SEQUENTIAL	0x0040
#define MAP_ENTRY_BEHAV_RANDOM		0x0080
#define MAP_ENTRY_BEHAV_RESERVED	0x00C0
#define MAP_ENTRY_BEHAV_MASK		0x00C0
#define MAP_ENTRY_IN_TRANSITION		0x0100
#define MAP_ENTRY_NEEDS_WAKEUP		0x0200
#define MAP_ENTRY_NOCOREDUMP		0x0400
#define MAP_ENTRY_KSTACK		0x0800

struct vm_map {
	struct vm_map_entry	header;		/* list of entries */
	RB_HEAD(vm_map_rb_tree, vm_map_entry) rb_root;	/* unused by the model */
	struct lock		lock;		/* lock for map data */
	int			nentries;	/* number of entries */
	vm_size_t		size;		/* virtual size */
	u_char			system_map;	/* am I a system map? */
	vm_map_entry_t		hint;		/* hint for quick lookups */
	unsigned int		timestamp;	/* version number */
	vm_map_entry_t		first_free;	/* first free space hint */
	u_int			flags;		/* flags for this vm_map */
	struct pmap		*pmap;		/* physical map */
	u_int			president_cache;	/* unused by the model */
	u_int			president_ticks;	/* unused by the model */
	struct lwkt_token	token;		/* soft serializer */
#if defined(MODEL_REV_22b7a3dbf6)
	/*
	 * struct vm_map grew to 384 bytes by 22b7a3dbf6 (vm_pmap at 384);
	 * the 24-byte RB_HEAD of 2017 leaves it at 264 here.
	 */
	char			vm_model_pad_2017[384 - 264];
#elif defined(MODEL_REV_d95d5e03dc)
	/* 272 bytes as at c2e7bb204e, despite the 24-byte RB_HEAD. */
	char			vm_model_pad_2017[272 - 264];
#endif
};

#define min_offset	header.start
#define max_offset	header.end

#define MAP_WIREFUTURE		0x0001	/* wire all future pages */

struct vmspace {
	struct vm_map	vm_map;		/* VM address map */
	struct pmap	vm_pmap;	/* private physical map */
	int		vm_flags;
	caddr_t		vm_shm;		/* SYS5 shared memory private data */
	segsz_t		vm_rssize;	/* current resident set size in pages */
	segsz_t		vm_swrss;	/* resident set size before last swap */
	segsz_t		vm_tsize;	/* text size (pages) */
	segsz_t		vm_dsize;	/* data size (pages) */
	segsz_t		vm_ssize;	/* stack size (pages) */
	caddr_t		vm_taddr;	/* user virtual address of text */
	caddr_t		vm_daddr;	/* user virtual address of data */
	caddr_t		vm_maxsaddr;	/* user VA at max stack growth */
	caddr_t		vm_minsaddr;	/* user VA at max stack growth */
	int		vm_unused01;
	int		vm_unused02;
	int		vm_pagesupply;
	u_int		vm_holdcnt;	/* temporary hold count */
	u_int		vm_refcnt;	/* normal ref count */
};

#define VMSPACE_EXIT1		0x0001	/* partial exit */
#define VMSPACE_EXIT2		0x0002	/* full exit */

#ifdef _KERNEL

static __inline struct pmap *
vmspace_pmap(struct vmspace *vmspace)
{
	return &vmspace->vm_pmap;
}

boolean_t vm_map_check_protection(vm_map_t, vm_offset_t, vm_offset_t,
				  vm_prot_t, boolean_t);
int	vm_map_remove(vm_map_t, vm_offset_t, vm_offset_t);
int	vm_map_madvise(vm_map_t, vm_offset_t, vm_offset_t, int, off_t);

#endif /* _KERNEL */

#endif /* !_VM_VM_MAP_H_ */
