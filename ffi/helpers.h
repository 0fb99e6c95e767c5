/*
 * The C shim's functions and data (module/vm_vmspace_shim.c), declared for
 * bindgen and for the shim itself.  See the shim for why each is C.
 */
#ifndef _VMSPACE_RS_HELPERS_H_
#define _VMSPACE_RS_HELPERS_H_

MALLOC_DECLARE(M_VKERNEL);

#endif /* !_VMSPACE_RS_HELPERS_H_ */
