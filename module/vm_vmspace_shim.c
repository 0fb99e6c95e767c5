/*
 * The part of sys/vm/vm_vmspace.c that stays C.
 *
 * All the logic of vm_vmspace.c is Rust (sys/vm/vm_vmspace.rs).  What is
 * here exists only as C preprocessor output of the kernel's own headers,
 * which Rust cannot expand:
 *
 *  - M_VKERNEL: MALLOC_DEFINE() emits the malloc type together with the
 *    SYSINIT/SYSUNINIT linker-set records that register it; their layout
 *    belongs to the headers of the kernel being built.
 *  - vmspace_rb_tree_RB_*: RB_GENERATE() emits the kernel's red-black tree
 *    code (sys/tree.h: the SCAN bookkeeping, the rbh_spin protocol) for
 *    struct vmspace_entry, with rb_vmspace_compare() inlined into it as in
 *    the C original.  These are global symbols of vm_vmspace.o, as before.
 *
 * curthread is not here: the kernel build reads %gs:globaldata from Rust
 * inline assembly, one instruction like the C macro, rather than paying a
 * call per use (see docs/kernel.md).
 */

#include <sys/param.h>
#include <sys/kernel.h>
#include <sys/systm.h>
#include <sys/malloc.h>
#include <sys/vkernel.h>

#include "helpers.h"

MALLOC_DEFINE(M_VKERNEL, "vkernel", "VKernel structures");

/*
 * Red black tree functions
 */
static int rb_vmspace_compare(struct vmspace_entry *, struct vmspace_entry *);
RB_GENERATE(vmspace_rb_tree, vmspace_entry, rb_entry, rb_vmspace_compare);

/*
 * Entries are ordered by their user-supplied id, compared as addresses.
 *
 * The caller must hold vkp->token.
 */
static int
rb_vmspace_compare(struct vmspace_entry *a, struct vmspace_entry *b)
{
	uintptr_t ida = (uintptr_t)a->id;
	uintptr_t idb = (uintptr_t)b->id;

	if (ida < idb)
		return (-1);
	if (ida > idb)
		return (1);
	return (0);
}
