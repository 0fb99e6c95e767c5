/*
 * vmspace-rs userland model of DragonFly's <machine/atomic.h> (x86_64): the
 * integer atomics, as compiler builtins (locked instructions on x86_64).
 *
 * Model instrumentation, not in DragonFly: in the host builds linked with
 * the model (INVARIANTS, not the kernel code model, as sys/tree.h's checks)
 * every atomic operation first calls model_atomic_point(), a preemption
 * point of the schedule explorer (tests/kern/README.md): another cpu's
 * thread may run between any two atomic operations, so races between
 * atomics, or between an atomic and a token section, can show.  It is not
 * traced.  Kernel-flag builds keep the bare locked instructions, and so do
 * builds with MODEL_NO_ATOMIC_POINTS (make bench: the cost of a call per
 * atomic is the explorer's, not the code's).
 */
#ifndef _MACHINE_ATOMIC_H_
#define _MACHINE_ATOMIC_H_

#include <sys/types.h>

#if defined(_KERNEL) && defined(INVARIANTS) && !defined(__code_model_kernel__) && \
    !defined(MODEL_NO_ATOMIC_POINTS)
#define _MODEL_ATOMIC_POINTS	1
void	model_atomic_point(const char *op, const volatile void *p);
#define MODEL_ATOMIC_POINT(op, p)	model_atomic_point(op, p)
#else
#define MODEL_ATOMIC_POINT(op, p)	((void)0)
#endif

static __inline void
atomic_add_int(volatile u_int *p, u_int v)
{
	MODEL_ATOMIC_POINT("atomic_add_int", p);
	__atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}

static __inline void
atomic_subtract_int(volatile u_int *p, u_int v)
{
	MODEL_ATOMIC_POINT("atomic_subtract_int", p);
	__atomic_fetch_sub(p, v, __ATOMIC_SEQ_CST);
}

static __inline void
atomic_set_int(volatile u_int *p, u_int v)
{
	MODEL_ATOMIC_POINT("atomic_set_int", p);
	__atomic_fetch_or(p, v, __ATOMIC_SEQ_CST);
}

static __inline void
atomic_clear_int(volatile u_int *p, u_int v)
{
	MODEL_ATOMIC_POINT("atomic_clear_int", p);
	__atomic_fetch_and(p, ~v, __ATOMIC_SEQ_CST);
}

/* Returns the previous value. */
static __inline u_int
atomic_fetchadd_int(volatile u_int *p, u_int v)
{
	MODEL_ATOMIC_POINT("atomic_fetchadd_int", p);
	return (__atomic_fetch_add(p, v, __ATOMIC_SEQ_CST));
}

static __inline void
atomic_add_long(volatile u_long *p, u_long v)
{
	MODEL_ATOMIC_POINT("atomic_add_long", p);
	__atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}

static __inline void
atomic_subtract_long(volatile u_long *p, u_long v)
{
	MODEL_ATOMIC_POINT("atomic_subtract_long", p);
	__atomic_fetch_sub(p, v, __ATOMIC_SEQ_CST);
}

static __inline int
atomic_cmpset_int(volatile u_int *p, u_int cmpval, u_int newval)
{
	MODEL_ATOMIC_POINT("atomic_cmpset_int", p);
	return (__atomic_compare_exchange_n(p, &cmpval, newval, 0,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
}

#define cpu_ccfence()	__asm__ __volatile__("" : : : "memory")

#endif /* !_MACHINE_ATOMIC_H_ */
