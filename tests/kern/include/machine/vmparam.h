/*
 * vmspace-rs userland model of DragonFly's <machine/vmparam.h> (pc64).
 */
#ifndef _MACHINE_VMPARAM_H_
#define _MACHINE_VMPARAM_H_

#include <sys/cdefs.h>
#include <machine/types.h>

/* Four-level paging: the user half is 256 PML4 slots of 512GB each. */
#define NBPML4			(1UL << 39)
#define NUPDP_USER		256
#define VM_MIN_USER_ADDRESS	((vm_offset_t)0)
#ifdef MODEL_REV_22b7a3dbf6
/* Lowered by 2MB (DragonFly 11ba7f73d6), as measured at 22b7a3dbf6. */
#define VM_MAX_USER_ADDRESS	((vm_offset_t)NUPDP_USER * NBPML4 - 0x200000UL)
#else
#define VM_MAX_USER_ADDRESS	((vm_offset_t)NUPDP_USER * NBPML4)
#endif
#define USRSTACK		VM_MAX_USER_ADDRESS

#endif /* !_MACHINE_VMPARAM_H_ */
