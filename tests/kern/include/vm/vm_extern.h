/*
 * vmspace-rs userland model of DragonFly's <vm/vm_extern.h>.
 */
#ifndef _VM_VM_EXTERN_H_
#define _VM_VM_EXTERN_H_

#include <sys/types.h>
#include <vm/vm_map.h>

#ifdef _KERNEL

extern int vkernel_enable;

struct vmspace *vmspace_alloc(vm_offset_t, vm_offset_t);
void	vmspace_ref(struct vmspace *);
void	vmspace_rel(struct vmspace *);

#endif /* _KERNEL */

#endif /* !_VM_VM_EXTERN_H_ */
