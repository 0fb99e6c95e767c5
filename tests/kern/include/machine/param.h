/*
 * vmspace-rs userland model of DragonFly's <machine/param.h> (pc64).
 */
#ifndef _MACHINE_PARAM_H_
#define _MACHINE_PARAM_H_

#define MACHINE		"x86_64"
#define MACHINE_ARCH	"x86_64"

#define MAXCPU		256
#define SMP_MAXCPU	256

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1 << PAGE_SHIFT)
#define PAGE_MASK	(PAGE_SIZE - 1)

#define trunc_page(x)	((unsigned long)(x) & ~(PAGE_MASK))
#define round_page(x)	((((unsigned long)(x)) + PAGE_MASK) & ~(PAGE_MASK))
#define atop(x)		((vm_pindex_t)((x) >> PAGE_SHIFT))
#define ptoa(x)		((vm_paddr_t)(x) << PAGE_SHIFT)

#endif /* !_MACHINE_PARAM_H_ */
