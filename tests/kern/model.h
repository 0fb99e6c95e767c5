/*
 * vmspace-rs: the userland model of the DragonFly kernel, its control API.
 *
 * The kernel-facing side of the model is the DragonFly interface declared in
 * include/ (kmalloc, lwkt_gettoken, kern_mmap, copyin, ...).  This header is
 * the other side: what a test driver (tests/harness) uses to build a world,
 * run kernel code on model threads, and observe the result.  It includes only
 * model headers, so bindgen can read it.  See README.md for the semantics.
 *
 * Kernel code always runs on a model thread: a coroutine with its own stack
 * whose struct thread is curthread while it runs.  A panic (or failed
 * KKASSERT, kernel page fault, or detected model misuse) ends that coroutine
 * for good and marks the world dead; the driver keeps running.
 */
#ifndef _MODEL_H_
#define _MODEL_H_

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/proc.h>
#include <sys/malloc.h>
#include <sys/sysproto.h>
#include <sys/vkernel.h>
#include <sys/vmspace.h>
#include <sys/mman.h>
#include <sys/lock.h>
#include <sys/kern_syscall.h>
#include <vm/vm_extern.h>
#include <vm/pmap.h>
#include <machine/frame.h>
#include <machine/vframe.h>
#include <machine/psl.h>
#include <machine/vmparam.h>
#include <machine/vmm.h>

/* ---- World ---------------------------------------------------------- */

/*
 * Boots a fresh world: every model object is freed, vmspace_token and the
 * cpus are reset, vkernel_enable is 1, and the sysinit linker set is run
 * (malloc_init for every MALLOC_DEFINE linked in).  The previous world, if
 * any, is shut down first (model_world_fini).
 */
void	model_world_init(int ncpu);
/* Runs the sysuninit set and frees every model object. */
void	model_world_fini(void);

/* Non-zero once a panic, model misuse or deadlock ended the world. */
int	model_world_dead(void);
/* The message that ended the world, or NULL. */
const char *model_world_fault(void);
/* MODEL_FAULT_* of the fault that ended the world, or 0. */
int	model_world_fault_kind(void);

#define MODEL_FAULT_PANIC	1	/* panic(), KKASSERT, kernel page fault */
#define MODEL_FAULT_MISUSE	2	/* API misuse detected by the model */
#define MODEL_FAULT_DEADLOCK	3	/* no thread can run, some unfinished */

/* Step number used in messages ("step 3"); the driver sets it. */
void	model_set_step(long step);
long	model_get_step(void);

/* ---- Processes, LWPs, threads ---------------------------------------- */

/*
 * A process gets its own vmspace (p_vmspace, vmspace_alloc over the user
 * range), an initialised p_token, and no LWP.  pids must be unique and > 0.
 * Returns NULL (and records nothing) if the pid is taken.
 */
struct proc *model_proc_create(pid_t pid);
/* Adds an LWP (and its thread) to p; lwp_vmspace = p->p_vmspace. */
struct lwp *model_lwp_create(struct proc *p, lwpid_t tid);
struct proc *model_proc_find(pid_t pid);
struct lwp *model_lwp_find(struct proc *p, lwpid_t tid);
/* Removes an exited LWP from its process and frees it. */
void	model_lwp_destroy(struct lwp *lp);
/* Removes an exited process: its LWPs, and its reference on p_vmspace. */
void	model_proc_destroy(struct proc *p);
/*
 * fork(): a new process pid2 with one LWP tid2, whose vmspace is a copy of
 * p1's (map entries and user memory).  Does not call vkernel_inherit().
 */
struct proc *model_proc_fork(struct proc *p1, pid_t pid2, lwpid_t tid2);

/* The trapframe of the LWP's current system call or trap (lwp_md.md_regs). */
struct trapframe *model_lwp_frame(struct lwp *lp);

/* curthread for code run outside model_run (e.g. direct calls). */
void	model_set_curthread(struct thread *td);
/* td_vmm: on -> a model VMM context object, off -> NULL. */
void	model_thread_set_vmm(struct thread *td, int on);
/* The cpu (globaldata) the thread runs on; 0 <= cpu < ncpu. */
void	model_thread_set_cpu(struct thread *td, int cpu);

/* ---- User memory ------------------------------------------------------ */

/*
 * User addresses are numbers, mapped per vmspace to host memory owned by
 * the model.  copyin/copyout go through the current LWP's lwp_vmspace.
 * Kernel code that dereferences a user address directly takes a kernel page
 * fault (a panic outcome) when the address lies in the reserved window
 * [model_user_window_base(), +model_user_window_size()), which the host
 * never maps; place user memory there.
 */
unsigned long model_user_window_base(void);
unsigned long model_user_window_size(void);
/* Maps [addr, addr+len) with PROT_* prot, zero-filled.  0 or an errno. */
int	model_user_map(struct vmspace *vm, unsigned long addr,
		       unsigned long len, int prot);
int	model_user_unmap(struct vmspace *vm, unsigned long addr,
			 unsigned long len);
/* Debugger access (no protection or fault checks): 0 or EFAULT. */
int	model_user_write(struct vmspace *vm, unsigned long addr,
			 const void *buf, unsigned long len);
int	model_user_read(struct vmspace *vm, unsigned long addr, void *buf,
			unsigned long len);
/* Bytes in [addr, addr+len) fault (EFAULT) while on != 0. */
void	model_user_fault(struct vmspace *vm, unsigned long addr,
			 unsigned long len, int on);

/* ---- Failure injection (NOT x86_64 behaviour) ------------------------- */

/*
 * On x86_64 cpu_sanitize_frame() and cpu_sanitize_tls() always return 0.
 * A non-zero error here makes every following call return it until reset
 * to 0, so that the restore-on-error path of vmspace_ctl can be reached.
 */
void	model_inject_sanitize_frame(int error);
void	model_inject_sanitize_tls(int error);

/* ---- Running kernel code ---------------------------------------------- */

#define MODEL_CALL_INT_P	1	/* int fn(void *a0) */
#define MODEL_CALL_VOID_P	2	/* void fn(void *a0) */
#define MODEL_CALL_VOID_PP	3	/* void fn(void *a0, void *a1) */

struct model_call {
	int	kind;		/* MODEL_CALL_* */
	void	*fn;
	void	*a0;
	void	*a1;
	long	ret;		/* result of an INT call */
	const char *name;	/* for messages, e.g. "sys_vmspace_create" */
};

/* Thread states, also what model_resume() returns. */
#define MODEL_TS_IDLE		0	/* no call attached */
#define MODEL_TS_READY		1	/* spawned, not started */
#define MODEL_TS_PREEMPTED	2	/* at a preemption point, holds tokens */
#define MODEL_TS_BLOCKED	3	/* at a blocking point, tokens released */
#define MODEL_TS_TOKWAIT	4	/* waiting for a contended token */
#define MODEL_TS_LOCKWAIT	5	/* waiting for a contended lock */
#define MODEL_TS_DONE		6	/* call returned */
#define MODEL_TS_DEAD		7	/* ended by a fault */
#define MODEL_TS_RUNNING	8	/* on the cpu now */

/*
 * Runs call on td's coroutine to completion (switch points continue the
 * same thread).  Returns MODEL_TS_DONE or MODEL_TS_DEAD (a fault, or a
 * wait nothing can end: a deadlock).  Then call model_collect(td).
 */
int	model_run(struct thread *td, struct model_call *call);

/*
 * Several threads: attach a call to each with model_spawn (thread becomes
 * READY), then repeatedly pick a runnable thread and model_resume it until
 * every spawned thread is DONE or DEAD.  While interleaving is on (the
 * default after model_spawn), a thread stops at every switch point:
 *  - preemption points (entry of every traced kernel call): it keeps its
 *    tokens, as a thread that goes on running on its cpu;
 *  - blocking points (model_may_block): it gives up its tokens;
 *  - contended tokens and locks: it waits.
 * model_resume returns the state the thread stopped in.  No runnable thread
 * while some are unfinished is a deadlock: call model_report_deadlock().
 */
int	model_spawn(struct thread *td, struct model_call *call);
int	model_resume(struct thread *td);
int	model_runnable(struct thread *td);
int	model_thread_state(struct thread *td);
/* What the thread stopped at ("kmalloc", "token vkp#0.token", ...). */
const char *model_thread_where(struct thread *td);
/* Ends the world with a deadlock fault listing the waiting threads. */
void	model_report_deadlock(void);
/*
 * Detaches the finished call from td (after model_run or a multi-thread
 * run).  A call that returned holding tokens or spinlocks is model misuse:
 * the world ends.
 */
void	model_collect(struct thread *td);
/* Interleave at switch points (1) or continue inline (0). */
void	model_set_interleave(int on);
/*
 * Switch points before atomic operations (machine/atomic.h, the port's
 * atomics): on by default; off gives the explorer of before issue 12
 * (to measure how the state space grew).  Kept across world resets.
 */
void	model_set_atomic_points(int on);
/*
 * Token contention counting (docs/contention.md), off by default: with it
 * on, every time a thread wants a token another thread holds in a
 * conflicting mode (exclusive vs. anything) counts one wait for that
 * token's name (t_desc: "vkernel" for vkp->token, "vmspace_token", ...):
 * a contended lwkt_gettoken/lwkt_gettoken_shared, or a thread that blocked
 * and cannot get its tokens back yet (once per wait).  Turning it on
 * resets the counts.  model_contention_get() returns the i-th name seen
 * with its waits and its lwkt_gettoken_shared and lwkt_gettoken calls, or
 * 0 past the last.  Nothing else changes.
 */
void	model_contention_count(int on);
int	model_contention_get(int i, const char **desc, long *waits,
	    long *shared, long *excl);

/*
 * The kernel's call sites of the vkernel hooks, with DragonFly's guards, to
 * run as a model call (fn = model_path_run, a0 = a struct model_path *).
 * model_path_run returns 1 if the guard let the hook be called.
 *  FORK	kern_fork.c:	if (p1->p_vkernel) vkernel_inherit(p1, p2)
 *  EXIT	kern_exit.c:	if (p->p_vkernel) { vkernel_lwp_exit(lp);
 *					vkernel_exit(p); }	(a0 = lp)
 *  EXEC	kern_exec.c:	if (p->p_vkernel) vkernel_exit(p)
 *  LWP_EXIT	kern_exit.c:	if (lp->lwp_vkernel) vkernel_lwp_exit(lp)
 *  TRAP	trap.c:		if (lp->lwp_vkernel && lp->lwp_vkernel->ve)
 *					vkernel_trap(lp, frame)
 */
struct model_hooks {
	void	(*inherit)(struct proc *, struct proc *);
	void	(*exit)(struct proc *);
	void	(*lwp_exit)(struct lwp *);
	void	(*trap)(struct lwp *, struct trapframe *);
};

#define MODEL_PATH_FORK		1	/* p1 = a0, p2 = a1 */
#define MODEL_PATH_EXIT		2	/* lp = a0 */
#define MODEL_PATH_EXEC		3	/* p = a0 */
#define MODEL_PATH_LWP_EXIT	4	/* lp = a0 */
#define MODEL_PATH_TRAP		5	/* lp = a0, frame = a1 */

struct model_path {
	int	which;			/* MODEL_PATH_* */
	const struct model_hooks *hooks;
	void	*a0;
	void	*a1;
};

int	model_path_run(void *path);

/*
 * The single blocking point: every model function that can block in
 * DragonFly calls it.  It releases the running thread's tokens, lets the
 * scheduler run other threads, and reacquires the tokens before returning.
 */
void	model_may_block(const char *what);

/* ---- Observation ------------------------------------------------------- */

/* Trace of kernel calls made by the code under test (on by default). */
void	model_trace_enable(int on);
unsigned long model_trace_count(void);
const char *model_trace_line(unsigned long i);
void	model_trace_clear(void);

/* The stable name of a kernel pointer ("vkp#0", "proc#1.p_token", ...). */
const char *model_name(const void *p);
/* Names a driver-owned kernel object (e.g. "uap") until unregistered. */
void	model_name_register(const void *p, unsigned long size, const char *name);
void	model_name_unregister(const void *p);

/* The state dump, a NUL-terminated string to free with model_free(). */
char	*model_dump(void);
void	model_free(void *p);

/* kprintf output since the world began. */
const char *model_kprintf_output(void);

/* Live kmalloc blocks (all types) and per type object. */
long	model_kmem_live(void);
long	model_kmem_live_type(struct malloc_type *type);
/* Live vmspaces (including processes' own). */
long	model_vmspace_live(void);
/*
 * Write-after-free check: the number of quarantined (freed) kmalloc blocks
 * whose kfree poison was overwritten since; the first is described in msg.
 */
long	model_kmem_poison_check(char *msg, unsigned long msglen);

/* ---- Layout facts (for the layout test) -------------------------------- */

/* 0 and the value if known, -1 if the model has no such entry. */
int	model_layout_size(const char *strct, long *size, long *align);
int	model_layout_offset(const char *strct, const char *field, long *off);
int	model_layout_const(const char *name, long long *value);

#endif /* !_MODEL_H_ */
