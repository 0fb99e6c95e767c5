/*
 * The C shim's one declaration (module/vm_vmspace_shim.c defines it):
 * M_VKERNEL, for bindgen and for the shim itself.  See the shim for why it
 * is C.
 */
#ifndef _VMSPACE_RS_HELPERS_H_
#define _VMSPACE_RS_HELPERS_H_

MALLOC_DECLARE(M_VKERNEL);

#endif /* !_VMSPACE_RS_HELPERS_H_ */
