/*
 * vmspace-rs userland model of DragonFly's <sys/systm.h>: assertions, panic,
 * console output, copying, and the machine-dependent helpers vkernel uses.
 */
#ifndef _SYS_SYSTM_H_
#define _SYS_SYSTM_H_

#include <sys/types.h>
#include <machine/atomic.h>

struct trapframe;
struct savetls;

#ifdef _KERNEL

extern int ncpus;

#ifdef INVARIANTS
#define KASSERT(exp, msg)	do { if (__predict_false(!(exp)))	\
					panic msg; } while (0)
#define KKASSERT(exp)		do { if (__predict_false(!(exp)))	\
					panic("assertion \"%s\" failed "	\
					"in %s at %s:%u", #exp, __func__, \
					__FILE__, __LINE__); } while (0)
#define __debugvar
#else
#define KASSERT(exp, msg)
#define KKASSERT(exp)
#define __debugvar		__attribute__((__unused__))
#endif

void	panic(const char *, ...) __dead2 __printflike(1, 2);
int	kprintf(const char *, ...) __printflike(1, 2);

void	bcopy(volatile const void *from, volatile void *to, size_t len)
	    __nonnull(1) __nonnull(2);
void	bzero(volatile void *buf, size_t len) __nonnull(1);

int	copyin(const void *udaddr, void *kaddr, size_t len)
	    __nonnull(1) __nonnull(2);
int	copyout(const void *kaddr, void *udaddr, size_t len)
	    __nonnull(1) __nonnull(2);

int	cpu_sanitize_frame(struct trapframe *);
int	cpu_sanitize_tls(struct savetls *);
void	cpu_vkernel_trap(struct trapframe *, int);
void	set_user_TLS(void);
void	set_vkernel_fp(struct trapframe *);

#endif /* _KERNEL */

#endif /* !_SYS_SYSTM_H_ */
