/*
 * vmspace-rs userland model of DragonFly's <vm/pmap.h>.
 */
#ifndef _VM_PMAP_H_
#define _VM_PMAP_H_

#include <sys/types.h>
#include <machine/pmap.h>
#include <vm/vm.h>

struct lwp;
struct vmspace;

#ifdef _KERNEL

void	pmap_pinit(pmap_t);
void	pmap_pinit2(pmap_t);
void	pmap_release(pmap_t);
void	pmap_remove(pmap_t, vm_offset_t, vm_offset_t);
void	pmap_remove_pages(pmap_t, vm_offset_t, vm_offset_t);
void	pmap_setlwpvm(struct lwp *, struct vmspace *);

#endif /* _KERNEL */

#endif /* !_VM_PMAP_H_ */
