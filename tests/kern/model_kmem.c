/*
 * vmspace-rs model: kmalloc/kfree and malloc types.
 *
 * Every block is recorded (address, size, type, name); kfree checks that the
 * block is live and of the same type, so double frees, frees of unknown
 * pointers and type mismatches are model misuse.  Freed blocks are poisoned
 * and kept in a quarantine (the last MODEL_QUARANTINE of them) so that a
 * stale pointer neither aliases a new block nor goes unnoticed.  Accounting
 * is per malloc_type object (the C original's static M_VKERNEL and the
 * port's are two objects both named "vkernel"); the dump sums by shortdesc.
 */
#include "model_impl.h"

#define MODEL_BUCKETS		4096
#define MODEL_QUARANTINE	4096
#define MODEL_MAXTYPES		32

struct kmem_blk {
	void		*p;
	unsigned long	size;
	struct malloc_type *type;
	char		name[24];	/* "ve#3" */
	long		serial;		/* allocation order */
	long		freed_step;
	struct kmem_blk	*next;		/* bucket chain / quarantine FIFO */
};

struct kmem_type {
	struct malloc_type *type;
	long		inuse;
	long		bytes;
	long		calls;
	long		frees;
};

/* A kernel-wide type (DragonFly's kern_malloc.c defines it too). */
MALLOC_DEFINE(M_TEMP, "temp", "misc temporary data buffers");

static struct kmem_blk *live[MODEL_BUCKETS];
static long nlive;
static struct kmem_blk *qhead, *qtail;
static long nquar;
static long serial;
static struct kmem_type types[MODEL_MAXTYPES];
static int ntypes;
/* Names by size: the vkernel structures have fixed ABI sizes. */
static int n_vkp, n_ve, n_vklp, n_kmem;

static unsigned long
bucket(const void *p)
{
	unsigned long a = (unsigned long)p;

	return ((a >> 4) ^ (a >> 16)) % MODEL_BUCKETS;
}

static struct kmem_type *
kmem_type(struct malloc_type *type)
{
	int i;

	for (i = 0; i < ntypes; ++i) {
		if (types[i].type == type)
			return (&types[i]);
	}
	return (NULL);
}

void
malloc_init(void *data)
{
	struct malloc_type *type = data;

	MODEL_ENTER("malloc_init");
	if (type->ks_magic != M_MAGIC)
		panic("malloc type lacks magic");
	if (kmem_type(type) == NULL) {
		if (ntypes == MODEL_MAXTYPES)
			host_abort("model: too many malloc types");
		__builtin_memset(&types[ntypes], 0, sizeof(types[ntypes]));
		types[ntypes++].type = type;
	}
	type->ks_limit = (size_t)1 << 40;
	MODEL_LEAVE();
}

void
malloc_uninit(void *data)
{
	struct malloc_type *type = data;
	struct kmem_type *kt;
	int i;

	MODEL_ENTER("malloc_uninit");
	kt = kmem_type(type);
	if (kt != NULL) {
		if (kt->bytes != 0)
			kprintf("malloc_uninit: %ld bytes of '%s' still "
			    "allocated on cpu 0\n", kt->bytes,
			    type->ks_shortdesc);
		i = (int)(kt - types);
		types[i] = types[--ntypes];
	}
	MODEL_LEAVE();
}

static const char *
kmem_flags(int flags)
{
	static char buf[96];
	size_t n = 0;

	buf[0] = 0;
	if (flags & M_RNOWAIT)
		n += (size_t)host_snprintf(buf + n, sizeof(buf) - n, "|M_RNOWAIT");
	if (flags & M_WAITOK)
		n += (size_t)host_snprintf(buf + n, sizeof(buf) - n, "|M_WAITOK");
	if (flags & M_ZERO)
		n += (size_t)host_snprintf(buf + n, sizeof(buf) - n, "|M_ZERO");
	if (flags & M_USE_RESERVE)
		n += (size_t)host_snprintf(buf + n, sizeof(buf) - n,
		    "|M_USE_RESERVE");
	if (flags & M_NULLOK)
		n += (size_t)host_snprintf(buf + n, sizeof(buf) - n, "|M_NULLOK");
	if (flags & ~(M_RNOWAIT | M_WAITOK | M_ZERO | M_USE_RESERVE | M_NULLOK))
		host_snprintf(buf + n, sizeof(buf) - n, "|0x%x", flags &
		    ~(M_RNOWAIT | M_WAITOK | M_ZERO | M_USE_RESERVE | M_NULLOK));
	return (buf[0] ? buf + 1 : "0");
}

void *
kmalloc(unsigned long size, struct malloc_type *type, int flags)
{
	struct kmem_blk *b;
	struct kmem_type *kt;
	unsigned long h;

	MODEL_ENTER("kmalloc");
	if (type->ks_magic != M_MAGIC)
		panic("malloc type lacks magic");
	kt = kmem_type(type);
	if (kt == NULL)
		model_fault(MODEL_FAULT_MISUSE, "kmalloc(%lu, %s): malloc type "
		    "was never initialised by malloc_init (its SYSINIT is "
		    "missing from the link)", size, type->ks_shortdesc);
	if (flags & M_WAITOK)
		model_may_block("kmalloc");
	b = host_zalloc(sizeof(*b));
	b->p = host_zalloc(size);
	/* Without M_ZERO the contents are garbage: make it visible. */
	if ((flags & M_ZERO) == 0)
		__builtin_memset(b->p, 0xa5, size);
	b->size = size;
	b->type = type;
	b->serial = serial++;
	if (size == sizeof(struct vkernel_proc))
		host_snprintf(b->name, sizeof(b->name), "vkp#%d", n_vkp++);
	else if (size == sizeof(struct vmspace_entry))
		host_snprintf(b->name, sizeof(b->name), "ve#%d", n_ve++);
	else if (size == sizeof(struct vkernel_lwp))
		host_snprintf(b->name, sizeof(b->name), "vklp#%d", n_vklp++);
	else
		host_snprintf(b->name, sizeof(b->name), "kmem#%d", n_kmem++);
	h = bucket(b->p);
	b->next = live[h];
	live[h] = b;
	nlive++;
	kt->inuse++;
	kt->bytes += (long)size;
	kt->calls++;
	type->ks_memuse[0] += size;
	type->ks_inuse[0]++;
	type->ks_calls++;
	if (model_tracing())
		model_trace("kmalloc(%lu, %s, %s) = %s", size,
		    type->ks_shortdesc, kmem_flags(flags), b->name);
	MODEL_LEAVE();
	return (b->p);
}

static struct kmem_blk *
quarantine_find(const void *p, int interior)
{
	struct kmem_blk *b;

	for (b = qhead; b != NULL; b = b->next) {
		unsigned long a = (unsigned long)p, base = (unsigned long)b->p;

		if (a == base || (interior && a > base && a < base + b->size))
			return (b);
	}
	return (NULL);
}

void
kfree(void *p, struct malloc_type *type)
{
	struct kmem_blk **bp, *b;
	struct kmem_type *kt;
	unsigned long i;

	MODEL_ENTER("kfree");
	for (bp = &live[bucket(p)]; (b = *bp) != NULL; bp = &b->next) {
		if (b->p == p)
			break;
	}
	if (b == NULL) {
		struct kmem_blk *q = quarantine_find(p, 0);

		if (q != NULL)
			model_fault(MODEL_FAULT_MISUSE, "kfree(%s, %s): double "
			    "free (freed in step %ld)", q->name,
			    type->ks_shortdesc, q->freed_step);
		model_fault(MODEL_FAULT_MISUSE, "kfree(%s, %s): not a "
		    "kmalloc block", model_nm(p), type->ks_shortdesc);
	}
	if (b->type != type)
		model_fault(MODEL_FAULT_MISUSE, "kfree(%s, %s): allocated with "
		    "type object %s (a different malloc_type)", b->name,
		    type->ks_shortdesc, b->type->ks_shortdesc);
	if (model_tracing())
		model_trace("kfree(%s, %s)", b->name, type->ks_shortdesc);
	*bp = b->next;
	nlive--;
	kt = kmem_type(type);
	if (kt != NULL) {
		kt->inuse--;
		kt->bytes -= (long)b->size;
		kt->frees++;
	}
	type->ks_memuse[0] -= b->size;
	type->ks_inuse[0]--;
	/* Poison as DragonFly's INVARIANTS kfree does, then quarantine. */
	for (i = 0; i + 4 <= b->size; i += 4)
		*(__uint32_t *)((char *)p + i) = 0xdeadc0de;
	/* ASan builds: any access to the freed block is reported. */
	host_asan_poison(p, b->size);
	b->freed_step = model_w.step;
	b->next = NULL;
	if (qtail != NULL)
		qtail->next = b;
	else
		qhead = b;
	qtail = b;
	if (++nquar > MODEL_QUARANTINE) {
		struct kmem_blk *old = qhead;

		qhead = old->next;
		nquar--;
		host_asan_unpoison(old->p, old->size);
		host_free(old->p);
		host_free(old);
	}
	MODEL_LEAVE();
}

void *
model_kmem_find(const void *p, unsigned long *basep, unsigned long *sizep,
		const char **namep)
{
	unsigned long a = (unsigned long)p;
	struct kmem_blk *b;
	int i;

	/* Exact hit first (cheap), then interior pointers. */
	for (b = live[bucket(p)]; b != NULL; b = b->next) {
		if (b->p == p)
			goto found;
	}
	for (i = 0; i < MODEL_BUCKETS; ++i) {
		for (b = live[i]; b != NULL; b = b->next) {
			unsigned long base = (unsigned long)b->p;

			if (a >= base && a < base + b->size)
				goto found;
		}
	}
	return (NULL);
found:
	if (basep)
		*basep = (unsigned long)b->p;
	if (sizep)
		*sizep = b->size;
	if (namep)
		*namep = b->name;
	return (b->p);
}

const char *
model_kmem_freed_name(const void *p, unsigned long *offp)
{
	static char freed[40];
	struct kmem_blk *b = quarantine_find(p, 1);

	if (b == NULL)
		return (NULL);
	*offp = (unsigned long)p - (unsigned long)b->p;
	host_snprintf(freed, sizeof(freed), "%s(freed)", b->name);
	return (freed);
}

long
model_kmem_poison_check(char *msg, unsigned long msglen)
{
	struct kmem_blk *b;
	unsigned long i;
	long bad = 0;

	if (msglen > 0)
		msg[0] = 0;
	for (b = qhead; b != NULL; b = b->next) {
		host_asan_unpoison(b->p, b->size);
		for (i = 0; i + 4 <= b->size; i += 4) {
			__uint32_t v = *(__uint32_t *)((char *)b->p + i);

			if (v == 0xdeadc0de)
				continue;
			if (bad == 0 && msglen > 0)
				host_snprintf(msg, msglen, "%s (freed in step %ld) "
				    "was written after kfree: +0x%lx = 0x%x",
				    b->name, b->freed_step, i, v);
			bad++;
			break;
		}
		host_asan_poison(b->p, b->size);
	}
	return (bad);
}

long
model_kmem_live(void)
{
	return (nlive);
}

long
model_kmem_live_type(struct malloc_type *type)
{
	struct kmem_type *kt = kmem_type(type);

	return (kt ? kt->inuse : 0);
}

void
model_kmem_reset(void)
{
	struct kmem_blk *b, *next;
	int i;

	for (i = 0; i < MODEL_BUCKETS; ++i) {
		for (b = live[i]; b != NULL; b = next) {
			next = b->next;
			b->type->ks_memuse[0] -= b->size;
			b->type->ks_inuse[0]--;
			host_free(b->p);
			host_free(b);
		}
		live[i] = NULL;
	}
	for (b = qhead; b != NULL; b = next) {
		next = b->next;
		host_asan_unpoison(b->p, b->size);
		host_free(b->p);
		host_free(b);
	}
	qhead = qtail = NULL;
	nquar = nlive = serial = 0;
	for (i = 0; i < ntypes; ++i) {
		struct malloc_type *type = types[i].type;

		__builtin_memset(&types[i], 0, sizeof(types[i]));
		types[i].type = type;
	}
	n_vkp = n_ve = n_vklp = n_kmem = 0;
}

void
model_kmem_dump(char **buf, size_t *len, size_t *cap)
{
	const char *done[MODEL_MAXTYPES];
	int ndone = 0, i, j;
	struct kmem_blk *b;
	long s;

	/* One line per shortdesc in alphabetical order, summing types. */
	for (;;) {
		const char *next = NULL;
		long inuse = 0, bytes = 0, calls = 0, frees = 0;

		for (i = 0; i < ntypes; ++i) {
			const char *d = types[i].type->ks_shortdesc;
			int seen = 0;

			if (types[i].calls == 0)
				continue;
			for (j = 0; j < ndone; ++j)
				seen |= __builtin_strcmp(done[j], d) == 0;
			if (!seen && (next == NULL ||
			    __builtin_strcmp(d, next) < 0))
				next = d;
		}
		if (next == NULL)
			break;
		done[ndone++] = next;
		for (i = 0; i < ntypes; ++i) {
			if (__builtin_strcmp(types[i].type->ks_shortdesc,
			    next) != 0)
				continue;
			inuse += types[i].inuse;
			bytes += types[i].bytes;
			calls += types[i].calls;
			frees += types[i].frees;
		}
		model_buf_printf(buf, len, cap, "kmalloc %s: inuse=%ld "
		    "bytes=%ld calls=%ld frees=%ld\n", next, inuse, bytes,
		    calls, frees);
	}
	/* Live blocks in allocation order. */
	{
		struct kmem_blk **v = host_zalloc((size_t)(nlive + 1) *
		    sizeof(*v));
		long n = 0, k, gap;

		for (i = 0; i < MODEL_BUCKETS; ++i) {
			for (b = live[i]; b != NULL; b = b->next)
				v[n++] = b;
		}
		for (gap = n / 2; gap > 0; gap /= 2) {
			for (k = gap; k < n; ++k) {
				struct kmem_blk *t = v[k];

				for (s = k; s >= gap && v[s - gap]->serial >
				    t->serial; s -= gap)
					v[s] = v[s - gap];
				v[s] = t;
			}
		}
		model_buf_printf(buf, len, cap, "kmem live:");
		for (k = 0; k < n; ++k)
			model_buf_printf(buf, len, cap, " %s(%lu,%s)",
			    v[k]->name, v[k]->size, v[k]->type->ks_shortdesc);
		host_free(v);
	}
	model_buf_printf(buf, len, cap, "\n");
}
