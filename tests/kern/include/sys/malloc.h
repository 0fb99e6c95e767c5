/*
 * vmspace-rs userland model of DragonFly's <sys/malloc.h>.  The model's
 * kmalloc() accounts per malloc_type object (see tests/kern/README.md).
 */
#ifndef _SYS_MALLOC_H_
#define _SYS_MALLOC_H_

#include <sys/types.h>
#include <machine/param.h>	/* SMP_MAXCPU */

#define M_RNOWAIT	0x0001	/* do not block */
#define M_WAITOK	0x0002	/* wait for resources / alloc from cache */
#define M_ZERO		0x0100	/* bzero() the allocation */
#define M_USE_RESERVE	0x0200	/* can eat into free list reserve */
#define M_NULLOK	0x0400	/* ok to return NULL */
#define M_PASSIVE_ZERO	0x0800	/* (internal to the slab code only) */
#define M_USE_INTERRUPT_RESERVE 0x1000	/* can exhaust free list entirely */
#define M_POWEROF2	0x2000	/* roundup size to the nearest power of 2 */

#define M_INTNOWAIT	(M_RNOWAIT | M_NULLOK | M_USE_RESERVE | \
			 M_USE_INTERRUPT_RESERVE)
#define M_SYSNOWAIT	(M_RNOWAIT | M_NULLOK | M_USE_RESERVE)
#define M_INTWAIT	(M_WAITOK | M_USE_RESERVE | M_USE_INTERRUPT_RESERVE)
#define M_SYSWAIT	(M_WAITOK | M_USE_RESERVE)
#define M_NOWAIT	(M_RNOWAIT | M_NULLOK | M_USE_RESERVE)
#define M_SYSALLOC	M_SYSWAIT

#define M_MAGIC		877983977	/* time when first defined :-) */

struct malloc_type {
	struct malloc_type *ks_next;	/* next in list */
	size_t		ks_memuse[SMP_MAXCPU];	/* memory held in bytes */
	size_t		ks_loosememuse;	/* (inaccurate) aggregate memuse */
	size_t		ks_limit;	/* most that are allowed to exist */
	long		ks_size;	/* sizes of this thing allocated */
	size_t		ks_inuse[SMP_MAXCPU];	/* allocations in use */
	__int64_t	ks_calls;	/* total allocations ever */
	long		ks_maxused;	/* maximum number ever used */
	__uint32_t	ks_magic;	/* if it's not magic, don't touch it */
	const char	*ks_shortdesc;	/* short description */
	__uint16_t	ks_limblocks;	/* times blocked for hitting limit */
	__uint16_t	ks_mapblocks;	/* times blocked for kernel map */
	long		ks_reserved[4];	/* future use */
};

typedef struct malloc_type *malloc_type_t;

#ifdef _KERNEL

#include <sys/kernel.h>

#define MALLOC_DEFINE(type, shortdesc, longdesc)			\
	struct malloc_type type[1] = {					\
	    { NULL, { 0 }, 0, 0, 0, { 0 }, 0, 0, M_MAGIC, shortdesc,	\
		0, 0, { 0 } }						\
	};								\
	SYSINIT(type##_init, SI_BOOT1_KMALLOC, SI_ORDER_ANY,		\
	    malloc_init, type);						\
	SYSUNINIT(type##_uninit, SI_BOOT1_KMALLOC, SI_ORDER_ANY,	\
	    malloc_uninit, type)

#define MALLOC_DECLARE(type)	extern struct malloc_type type[1]

MALLOC_DECLARE(M_TEMP);		/* "temp": misc temporary data buffers */

void	malloc_init(void *);
void	malloc_uninit(void *);
void	*kmalloc(unsigned long size, struct malloc_type *type, int flags)
	    __malloclike __heedresult __alloc_size(1);
void	kfree(void *addr, struct malloc_type *type);

#endif /* _KERNEL */

#endif /* !_SYS_MALLOC_H_ */
