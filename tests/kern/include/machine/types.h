/*
 * vmspace-rs userland model of DragonFly's <machine/types.h> (x86_64).
 */
#ifndef _MACHINE_TYPES_H_
#define _MACHINE_TYPES_H_

#include <machine/stdint.h>

typedef __int64_t	register_t;
typedef __uint64_t	u_register_t;
typedef __uint64_t	vm_offset_t;
typedef __uint64_t	vm_size_t;
typedef __int64_t	vm_ooffset_t;
typedef __uint64_t	vm_paddr_t;
typedef __uint64_t	vm_pindex_t;
typedef __int64_t	segsz_t;
typedef __uint64_t	pml4_entry_t;
typedef __uint64_t	pdp_entry_t;
typedef __uint64_t	pd_entry_t;
typedef __uint64_t	pt_entry_t;

#endif /* !_MACHINE_TYPES_H_ */
