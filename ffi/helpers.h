/*
 * The C shim's functions and data (module/vm_vmspace_shim.c), declared for
 * bindgen and for the shim itself.  See the shim for why each is C.
 */
#ifndef _VMSPACE_RS_HELPERS_H_
#define _VMSPACE_RS_HELPERS_H_

struct vmspace_rb_tree;

MALLOC_DECLARE(M_VKERNEL);

void vmspace_shim_rb_init(struct vmspace_rb_tree *root);

#endif /* !_VMSPACE_RS_HELPERS_H_ */
