/*
 * vmspace-rs userland model of DragonFly's <machine/thread.h> (pc64).
 *
 * DragonFly reads the current cpu's globaldata through %gs; the model keeps
 * a plain global pointer instead, named after the per-cpu symbol the kernel
 * uses (`globaldata`), which the model's scheduler sets.  curthread and
 * curproc are then spelled exactly as in DragonFly.
 */
#ifndef _MACHINE_THREAD_H_
#define _MACHINE_THREAD_H_

#include <machine/segments.h>

union savefpu;

struct md_thread {
	unsigned int	mtd_cpl;
	union savefpu	*mtd_savefpu;
	struct savetls	mtd_savetls;
};

#ifdef _KERNEL

#define td_cpl		td_mach.mtd_cpl
#define td_tls		td_mach.mtd_savetls
#define td_savefpu	td_mach.mtd_savefpu

struct globaldata;
extern struct globaldata *globaldata;	/* the running cpu's globaldata */

#define mycpu		globaldata
#define mycpuid		(mycpu->gd_cpuid)
#define curthread	mycpu->gd_curthread
#define curproc		curthread->td_proc

#endif /* _KERNEL */

#endif /* !_MACHINE_THREAD_H_ */
