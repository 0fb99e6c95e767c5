/*
 * vmspace-rs userland model of DragonFly's <sys/vkernel.h>: the per-process
 * and per-LWP virtual kernel state and the VMSPACE entries.
 */
#ifndef _SYS_VKERNEL_H_
#define _SYS_VKERNEL_H_

#if defined(_KERNEL) || defined(_KERNEL_STRUCTURES)

#include <sys/param.h>
#include <sys/tree.h>
#include <sys/spinlock.h>
#include <sys/thread.h>
#include <machine/frame.h>
#include <machine/vframe.h>
#include <machine/limits.h>
#ifdef _MODEL_RB_CHECKS
#include <sys/systm.h>
#include <sys/globaldata.h>
#endif

struct proc;
struct lwp;
struct vmspace;
struct vmspace_rb_tree;
struct vmspace_entry;
RB_PROTOTYPE(vmspace_rb_tree, vmspace_entry, rb_entry, rb_vmspace_compare);

/* Per-LWP state while it runs a VMSPACE (vmspace_ctl ... vkernel_trap). */
struct vkernel_lwp {
	struct trapframe save_trapframe;	/* swapped context */
	struct vextframe save_vextframe;
	struct trapframe *user_trapframe;	/* copyback to vkernel */
	struct vextframe *user_vextframe;
	struct vmspace_entry *ve;
#ifdef MODEL_REV_2017
	struct vmspace_entry *ve_cache;		/* LWP's last entry (cache_refs) */
#endif
};

/* Per-process state, shared by processes forked from a vkernel. */
struct vkernel_proc {
	RB_HEAD(vmspace_rb_tree, vmspace_entry) root;
	struct lwkt_token token;
	int		refs;
	register_t	vkernel_cr3;
};

#if defined(MODEL_REV_d95d5e03dc)
struct vmspace_entry {
	void		*id;
	struct vmspace	*vmspace;
	struct lwkt_token token;
	int		flags;
	int		refs;			/* active + cache + on-tree refs */
	int		cache_refs;		/* LWP caches */
	RB_ENTRY(vmspace_entry) rb_entry;
};

#define VKE_DELETED	0x0001
#elif defined(MODEL_REV_22b7a3dbf6)
struct vmspace_entry {
	void		*id;
	struct vmspace	*vmspace;
	int		flags;
	uint32_t	refs;			/* active refs | VKE_REF_DELETED */
	uint32_t	cache_refs;		/* on-tree + LWP caches */
	RB_ENTRY(vmspace_entry) rb_entry;
};

#define VKE_REF_DELETED	0x80000000U
#else
struct vmspace_entry {
	void		*id;
	struct vmspace	*vmspace;
	int		flags;
	int		refs;			/* current LWP assignments */
	RB_ENTRY(vmspace_entry) rb_entry;
};

#define VKE_DELETED	0x0001
#endif

#ifdef _MODEL_RB_CHECKS
/*
 * Model instrumentation (see sys/tree.h): "The caller must hold vkp->token"
 * for every operation on a vkernel_proc's tree, held by this very thread.
 */
static __inline void
vmspace_rb_tree_RB_MODEL_CHECK(struct vmspace_rb_tree *head, const char *op)
{
	struct vkernel_proc *vkp = (struct vkernel_proc *)(void *)
	    ((char *)head - __builtin_offsetof(struct vkernel_proc, root));
	struct lwkt_tokref *ref = vkp->token.t_ref;
	struct thread *td = curthread;

	if (ref != NULL && ref->tr_owner == td)
		return;
#ifdef MODEL_REV_2017
	/*
	 * Lookups may run under a shared vkp->token (lwkt_gettoken_shared);
	 * changes (RB_INSERT, RB_REMOVE, RB_SCAN) need it exclusive.
	 */
	if (op[3] == 'F' || op[4] == 'I') {	/* RB_FIND, RB_MINMAX */
		for (ref = &td->td_toks_base; ref < td->td_toks_stop; ++ref) {
			if (ref->tr_tok == &vkp->token)
				return;
		}
	}
	panic("model lock check: vmspace_rb_tree %s without vkp->token "
	    "held %sby the caller", op,
	    op[3] == 'F' || op[4] == 'I' ? "" : "exclusively ");
#else
	panic("model lock check: vmspace_rb_tree %s without vkp->token "
	    "held by the caller", op);
#endif
}
#endif

#ifdef _KERNEL

void	vkernel_inherit(struct proc *p1, struct proc *p2);
void	vkernel_exit(struct proc *p);
void	vkernel_lwp_exit(struct lwp *lp);
void	vkernel_trap(struct lwp *lp, struct trapframe *frame);

#endif /* _KERNEL */

#endif /* _KERNEL || _KERNEL_STRUCTURES */

#endif /* !_SYS_VKERNEL_H_ */
