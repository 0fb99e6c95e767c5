/*
 * vmspace-rs model: declarations shared by the model's .c files (private).
 */
#ifndef _MODEL_IMPL_H_
#define _MODEL_IMPL_H_

#include "model.h"
#include "model_host.h"
#include <sys/lock.h>
#include <sys/kernel.h>

#define MODEL_MAXCPU	8
#define MODEL_STACK	(256 * 1024)

/* A vm_object of the model: anonymous memory, no pages. */
struct vm_object {
	int		id;
	int		ref_count;
	vm_pindex_t	size;		/* pages */
};

struct model_lwp;

struct model_thread {
	struct thread	td;		/* first: a struct thread * is one */
	char		name[32];	/* "td#1.2" */
	struct host_ctx	*ctx;		/* coroutine, created on first use */
	int		state;		/* MODEL_TS_* */
	char		where[128];	/* what it stopped at */
	struct model_call *call;
	int		depth;		/* nesting of traced model calls */
	struct lock	*wait_lock;	/* LOCKWAIT: the lock and mode */
	int		wait_excl;
	int		spinlocks;	/* spinlocks held */
	int		tokwait_counted; /* this wait counted (contention) */
	/* machine state the vkernel code changes */
	register_t	pcb_fsbase;	/* set_user_TLS */
	register_t	pcb_gsbase;
	int		pcb_flags;	/* FP_VIRTFP from set_vkernel_fp */
	long		tls_loads;	/* set_user_TLS calls */
	long		vmm_tls_loads;	/* vmm_vm_set_tls_area calls */
	int		guest_cr3_set;	/* vmm_vm_set_guest_cr3 called */
	register_t	guest_cr3;
	register_t	vmm_ctx;	/* what td_vmm points to when set */
	struct model_lwp *ml;		/* NULL for a cpu's idle thread */
	struct model_thread *next;	/* all threads */
};

#define FP_VIRTFP	0x04		/* pcb_flags: vkernel wants FP faults */

struct model_lwp {
	struct lwp	lwp;		/* first */
	struct trapframe md_regs;	/* current syscall/trap frame */
	struct model_thread *mt;
	char		name[32];	/* "lwp#1.2" */
	char		fname[32];	/* "frame#1.2" */
};

struct model_proc {
	struct proc	proc;		/* first */
	char		name[32];	/* "proc#1" */
	struct model_proc *next;
};

struct model_range {
	unsigned long	start, end;
	int		prot;		/* PROT_* (user regions) */
	unsigned char	*mem;		/* backing (user regions) */
	struct model_range *next;
};

struct model_vmspace {
	struct vmspace	vm;		/* first */
	int		id;
	char		name[32];	/* "vmspace#3" */
	int		freed;
	struct model_range *user;	/* user memory, address order */
	struct model_range *faults;	/* injected faulting ranges */
	struct model_vmspace *next;
};

/* ---- model_core.c ---- */
struct model_world {
	int		booted;
	int		tearing_down;	/* model_world_fini: free regardless */
	int		dead;
	int		fault_kind;
	char		fault[2048];
	long		step;
	int		ncpu;
	struct globaldata cpus[MODEL_MAXCPU];
	struct model_thread idle[MODEL_MAXCPU];
	struct model_proc *procs;
	struct model_thread *threads;
	struct model_vmspace *vmspaces;
	int		nvmspace;	/* names handed out */
	int		nobject;
	int		interleave;
	struct model_thread *running;	/* coroutine now running, or NULL */
	int		inject_frame;
	int		inject_tls;
	int		trace_on;
	char		**trace;
	unsigned long	ntrace, trace_cap;
	char		*kprintf_buf;
	size_t		kprintf_len, kprintf_cap;
};

extern struct model_world model_w;

struct model_thread *model_curmt(void);
struct model_thread *model_mt(struct thread *td);
void	model_fault(int kind, const char *fmt, ...)
	    __attribute__((__noreturn__, __format__(__printf__, 2, 3)));
/* Records a fault found by the driver (no model thread to end). */
void	model_fault_note(int kind, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 2, 3)));
/* p's name if it points into a freed vmspace or kmalloc block, else NULL. */
const char *model_freed_name(const void *p);
void	model_trace(const char *fmt, ...)
	    __attribute__((__format__(__printf__, 1, 2)));
int	model_tracing(void);
/* Entry/exit of a kernel function called by the code under test. */
void	model_enter(const char *fn);
void	model_leave(void);
const char *model_errname(int error);

/* Names: a small ring of buffers so several can appear in one message. */
const char *model_nm(const void *p);

struct model_vmspace *model_mv(struct vmspace *vm);

/* ---- model_sched.c ---- */
void	model_sched_reset(void);
void	model_tokens_release_all(struct model_thread *mt);
int	model_tokens_acquirable(struct model_thread *mt);
void	model_tokens_reacquire(struct model_thread *mt);
void	model_switch_point(int state, const char *what);
void	model_lock_init(struct lock *lk, const char *wmesg);
void	model_lock(struct lock *lk, int excl);
void	model_unlock(struct lock *lk);
const char *model_token_holder(lwkt_token_t tok);
int model_token_held(struct model_thread *mt, lwkt_token_t tok);

/* ---- model_kmem.c ---- */
void	model_kmem_reset(void);
void	model_kmem_dump(char **buf, size_t *len, size_t *cap);
/* The live block containing p (NULL if none) and its base, size, name. */
void	*model_kmem_find(const void *p, unsigned long *base, unsigned long *size,
			 const char **name);
/* "ve#3(freed)" if p points into a quarantined freed block. */
const char *model_kmem_freed_name(const void *p, unsigned long *off);

/* ---- model_vm.c ---- */
struct vmspace *model_vmspace_new(void);
void	model_vmspace_copy(struct vmspace *dst, struct vmspace *src);
void	model_vm_reset(void);
void	model_vm_dump(char **buf, size_t *len, size_t *cap);
void	model_map_lock_init(struct vm_map *map);

/* ---- dump helpers (model_core.c) ---- */
void	model_buf_printf(char **buf, size_t *len, size_t *cap,
			 const char *fmt, ...)
	    __attribute__((__format__(__printf__, 4, 5)));

#define MODEL_ENTER(fn)	model_enter(fn)
#define MODEL_LEAVE()	model_leave()

#endif /* !_MODEL_IMPL_H_ */
