/*
 * vmspace-rs userland model of DragonFly's <sys/proc.h>: struct lwp and
 * struct proc with the fields the vmspace code touches, at DragonFly's
 * x86_64 offsets (lwp_proc 48, lwp_vkernel 64, lwp_thread 424; p_pid 92,
 * p_vmspace 288, p_lwp_tree 984, p_vkernel 1064, p_token 1104; p_vkernel
 * 1056, p_token 1088 at the 2017 revisions), padding in between.
 */
#ifndef _SYS_PROC_H_
#define _SYS_PROC_H_

#include <sys/types.h>
#include <sys/tree.h>
#include <sys/thread.h>
#include <sys/globaldata.h>

struct proc;
struct lwp;
struct vmspace;
struct vkernel_proc;
struct vkernel_lwp;

struct lwp_rb_tree;
RB_HEAD(lwp_rb_tree, lwp);
RB_PROTOTYPE2(lwp_rb_tree, lwp, u.lwp_rbnode, rb_lwp_compare, lwpid_t);
#ifdef _MODEL_RB_CHECKS
/* Model instrumentation (see sys/tree.h): nothing checked for LWP trees. */
#define lwp_rb_tree_RB_MODEL_CHECK(head, op)	((void)0)
#endif

struct lwp {
	struct {
		struct lwp	*tqe_next;
		struct lwp	**tqe_prev;
	} lwp_procq;			/* run/sleep queue */
	union {
		RB_ENTRY(lwp)	lwp_rbnode;	/* RB tree node - lwp in proc */
		struct {
			struct lwp	*le_next;
			struct lwp	**le_prev;
		} lwp_reap_entry;		/* reaper list */
	} u;
	struct proc	*lwp_proc;	/* link to our proc */
	struct vmspace	*lwp_vmspace;	/* inherited from p_vmspace */
	struct vkernel_lwp *lwp_vkernel; /* vkernel support, lwp part */
	lwpid_t		lwp_tid;	/* our thread id */
	u_int		lwp_flags;
	u_int		lwp_mpflags;
	char		lwp_model_pad0[424 - 84];
	struct thread	*lwp_thread;	/* backpointer to proc's thread */
};

struct proc {
	char		p_model_pad0[92];
	pid_t		p_pid;		/* process identifier */
	char		p_model_pad1[288 - 96];
	struct vmspace	*p_vmspace;	/* address space */
	char		p_model_pad2[984 - 296];
	struct lwp_rb_tree p_lwp_tree;	/* RB tree of LWPs */
	int		p_nthreads;	/* number of threads */
#ifdef MODEL_REV_2017
	char		p_model_pad3[1056 - 1012];	/* RB_HEAD is 24 */
	struct vkernel_proc *p_vkernel;	/* VKernel support, proc part */
	char		p_model_pad4[1088 - 1064];
#else
	char		p_model_pad3[1064 - 1020];
	struct vkernel_proc *p_vkernel;	/* VKernel support, proc part */
	char		p_model_pad4[1104 - 1072];
#endif
	struct lwkt_token p_token;	/* token for process structure */
};

#define FIRST_LWP_IN_PROC(p)	RB_FIRST(lwp_rb_tree, &(p)->p_lwp_tree)
#define FOREACH_LWP_IN_PROC(lp, p) \
	RB_FOREACH(lp, lwp_rb_tree, &(p)->p_lwp_tree)

#endif /* !_SYS_PROC_H_ */
