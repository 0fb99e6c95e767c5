/*
 * vmspace-rs userland model of DragonFly's <machine/psl.h> (x86_64): rflags
 * bits.  PSL_USERCHANGE is what a user program may change.
 */
#ifndef _MACHINE_PSL_H_
#define _MACHINE_PSL_H_

#define PSL_C		0x00000001	/* carry */
#define PSL_PF		0x00000004	/* parity */
#define PSL_AF		0x00000010	/* bcd carry */
#define PSL_Z		0x00000040	/* zero */
#define PSL_N		0x00000080	/* negative */
#define PSL_T		0x00000100	/* trace enable */
#define PSL_I		0x00000200	/* interrupt enable */
#define PSL_D		0x00000400	/* string direction */
#define PSL_V		0x00000800	/* overflow */
#define PSL_IOPL	0x00003000	/* i/o privilege level */
#define PSL_NT		0x00004000	/* nested task */
#define PSL_RF		0x00010000	/* resume flag */
#define PSL_VM_UNSUPP	0x00020000	/* virtual 8086 mode (unsupported) */
#define PSL_AC		0x00040000	/* alignment checking */
#define PSL_ID		0x00200000	/* cpuid identification */

#define PSL_RESERVED_DEFAULT	0x00000002

#define PSL_KERNEL	PSL_RESERVED_DEFAULT
#define PSL_USER	(PSL_RESERVED_DEFAULT | PSL_I)

#define PSL_USERCHANGE	(PSL_C | PSL_PF | PSL_AF | PSL_Z | PSL_N | PSL_T | \
			 PSL_D | PSL_V | PSL_NT | PSL_AC | PSL_ID)

#endif /* !_MACHINE_PSL_H_ */
