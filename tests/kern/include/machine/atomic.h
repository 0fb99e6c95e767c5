/*
 * vmspace-rs userland model of DragonFly's <machine/atomic.h> (x86_64): the
 * integer atomics, as compiler builtins (locked instructions on x86_64).
 */
#ifndef _MACHINE_ATOMIC_H_
#define _MACHINE_ATOMIC_H_

#include <sys/types.h>

static __inline void
atomic_add_int(volatile u_int *p, u_int v)
{
	__atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}

static __inline void
atomic_subtract_int(volatile u_int *p, u_int v)
{
	__atomic_fetch_sub(p, v, __ATOMIC_SEQ_CST);
}

static __inline void
atomic_set_int(volatile u_int *p, u_int v)
{
	__atomic_fetch_or(p, v, __ATOMIC_SEQ_CST);
}

static __inline void
atomic_clear_int(volatile u_int *p, u_int v)
{
	__atomic_fetch_and(p, ~v, __ATOMIC_SEQ_CST);
}

/* Returns the previous value. */
static __inline u_int
atomic_fetchadd_int(volatile u_int *p, u_int v)
{
	return (__atomic_fetch_add(p, v, __ATOMIC_SEQ_CST));
}

static __inline void
atomic_add_long(volatile u_long *p, u_long v)
{
	__atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}

static __inline void
atomic_subtract_long(volatile u_long *p, u_long v)
{
	__atomic_fetch_sub(p, v, __ATOMIC_SEQ_CST);
}

static __inline int
atomic_cmpset_int(volatile u_int *p, u_int cmpval, u_int newval)
{
	return (__atomic_compare_exchange_n(p, &cmpval, newval, 0,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
}

#define cpu_ccfence()	__asm__ __volatile__("" : : : "memory")

#endif /* !_MACHINE_ATOMIC_H_ */
