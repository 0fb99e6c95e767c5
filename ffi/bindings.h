/*
 * The kernel headers sys/vm/vm_vmspace.c includes, read by bindgen (build.rs)
 * to produce the Rust declarations of everything the port touches.  Against a
 * DragonFly tree (SYSDIR) they are the tree's own headers; otherwise the
 * project's model headers (tests/kern/include) stand in for them.
 */
/*
 * The syscall argument structures have a member "type" next to its padding
 * "type_"; Rust's keyword rule would turn both into "type_".  Renaming the
 * identifier for bindgen's parse alone changes no layout.
 */
#define type	rs_type

#include <sys/param.h>
#include <sys/kernel.h>
#include <sys/systm.h>
#include <sys/sysproto.h>
#include <sys/kern_syscall.h>
#include <sys/mman.h>
#include <sys/thread.h>
#include <sys/proc.h>
#include <sys/malloc.h>
#include <sys/sysctl.h>
#include <sys/vkernel.h>
#include <sys/vmspace.h>

#include <vm/vm_extern.h>
#include <vm/pmap.h>
#include <vm/vm_map.h>

#include <machine/vmparam.h>
#include <machine/vmm.h>

#include <sys/sysref2.h>

#include "helpers.h"

#undef type

/*
 * Values the headers give only through casts, function-like macros or
 * field-name macros, which bindgen cannot evaluate.  Each becomes a Rust
 * constant of the same name without the prefix (sys/kern.rs).
 */
static const vm_offset_t rs_VM_MIN_USER_ADDRESS = VM_MIN_USER_ADDRESS;
static const vm_offset_t rs_VM_MAX_USER_ADDRESS = VM_MAX_USER_ADDRESS;
static const vm_prot_t rs_VM_PROT_NONE = VM_PROT_NONE;
static const vm_offset_t rs_PAGE_MASK = PAGE_MASK;
static const int rs_MADV_CONTROL_END = MADV_CONTROL_END;
/* td_tls is a macro naming a machine-dependent member of struct thread. */
static const unsigned long rs_TD_TLS_OFFSET =
    __builtin_offsetof(struct thread, td_tls);
