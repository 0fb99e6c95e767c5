/*
 * vmspace-rs userland model of DragonFly's <machine/vmm.h> (pc64): the
 * hardware-virtualisation hooks vkernel uses for guest threads.
 */
#ifndef _MACHINE_VMM_H_
#define _MACHINE_VMM_H_

#include <sys/types.h>

void	vmm_vm_set_guest_cr3(register_t guest_cr3);
int	vmm_vm_set_tls_area(void);

#endif /* !_MACHINE_VMM_H_ */
