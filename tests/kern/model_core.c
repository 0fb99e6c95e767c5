/*
 * vmspace-rs model: the world (cpus, processes, LWPs, threads), panics and
 * faults, stable names for kernel pointers, the call trace, kprintf, and the
 * state dump.
 */
#include "model_impl.h"

struct model_world model_w;

/* The running cpu's globaldata (DragonFly reads it through %gs). */
struct globaldata *globaldata;
struct lwkt_token vmspace_token;
int vkernel_enable;
int ncpus;

/* Linker sets filled by SYSINIT/SYSUNINIT (MALLOC_DEFINE). */
extern struct sysinit *__start_set_sysinit_set[] __attribute__((__weak__));
extern struct sysinit *__stop_set_sysinit_set[] __attribute__((__weak__));
extern struct sysinit *__start_set_sysuninit_set[] __attribute__((__weak__));
extern struct sysinit *__stop_set_sysuninit_set[] __attribute__((__weak__));

static void model_page_fault(unsigned long addr);
static void model_free_objects(void);

/* ---------------------------------------------------------------------- */
/* Small helpers                                                          */

static size_t
model_strlen(const char *s)
{
	return (__builtin_strlen(s));
}

void
model_buf_printf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = host_vsnprintf(*buf ? *buf + *len : NULL,
		    *buf ? *cap - *len : 0, fmt, ap);
		va_end(ap);
		if (*buf != NULL && (size_t)n < *cap - *len)
			break;
		*cap = (*cap + (size_t)n + 1) * 2;
		*buf = host_realloc(*buf, *cap);
		if (*len == 0)
			(*buf)[0] = 0;
	}
	*len += (size_t)n;
}

const char *
model_errname(int error)
{
	switch (error) {
	case 0:			return "0";
	case EPERM:		return "EPERM";
	case ENOENT:		return "ENOENT";
	case ESRCH:		return "ESRCH";
	case EBADF:		return "EBADF";
	case ENOMEM:		return "ENOMEM";
	case EACCES:		return "EACCES";
	case EFAULT:		return "EFAULT";
	case EBUSY:		return "EBUSY";
	case EEXIST:		return "EEXIST";
	case EINVAL:		return "EINVAL";
	case EOPNOTSUPP:	return "EOPNOTSUPP";
	case EJUSTRETURN:	return "EJUSTRETURN";
	default:		return "E?";
	}
}

/* ---------------------------------------------------------------------- */
/* World                                                                  */

static void
model_thread_init(struct model_thread *mt, const char *name, int cpu)
{
	host_snprintf(mt->name, sizeof(mt->name), "%s", name);
	mt->td.td_toks_have = &mt->td.td_toks_base;
	mt->td.td_toks_stop = &mt->td.td_toks_base;
	mt->td.td_gd = &model_w.cpus[cpu];
	mt->state = MODEL_TS_IDLE;
}

void
model_world_init(int ncpu)
{
	struct sysinit **sipp;
	int i;

	if (model_w.booted)
		model_world_fini();
	if (ncpu < 1)
		ncpu = 1;
	if (ncpu > MODEL_MAXCPU)
		ncpu = MODEL_MAXCPU;
	__builtin_memset(&model_w, 0, sizeof(model_w));
	model_w.booted = 1;
	model_w.ncpu = ncpu;
	model_w.trace_on = 1;
	ncpus = ncpu;
	for (i = 0; i < ncpu; ++i) {
		char name[16];

		host_snprintf(name, sizeof(name), "idle#%d", i);
		model_thread_init(&model_w.idle[i], name, i);
		model_w.cpus[i].gd_cpuid = (__uint32_t)i;
		model_w.cpus[i].gd_curthread = &model_w.idle[i].td;
	}
	globaldata = &model_w.cpus[0];
	lwkt_token_init(&vmspace_token, "vmspace_token");
	vkernel_enable = 1;
	model_sched_reset();
	model_kmem_reset();
	model_vm_reset();
	host_fault_setup(model_page_fault);

	/* Boot: SI_BOOT1_KMALLOC is the only subsystem the model links. */
	if (__start_set_sysinit_set != NULL) {
		for (sipp = __start_set_sysinit_set;
		     sipp < __stop_set_sysinit_set; ++sipp)
			(*sipp)->func((*sipp)->udata);
	}
	model_trace_clear();
}

void
model_world_fini(void)
{
	struct sysinit **sipp;

	if (!model_w.booted)
		return;
	model_free_objects();
	if (__start_set_sysuninit_set != NULL) {
		for (sipp = __start_set_sysuninit_set;
		     sipp < __stop_set_sysuninit_set; ++sipp)
			(*sipp)->func((*sipp)->udata);
	}
	model_kmem_reset();
	model_vm_reset();
	model_trace_clear();
	host_free(model_w.trace);
	host_free(model_w.kprintf_buf);
	model_w.trace = NULL;
	model_w.kprintf_buf = NULL;
	model_w.booted = 0;
}

int
model_world_dead(void)
{
	return (model_w.dead);
}

const char *
model_world_fault(void)
{
	return (model_w.fault_kind ? model_w.fault : NULL);
}

int
model_world_fault_kind(void)
{
	return (model_w.fault_kind);
}

void
model_set_step(long step)
{
	model_w.step = step;
}

long
model_get_step(void)
{
	return (model_w.step);
}

/* ---------------------------------------------------------------------- */
/* Faults: panic, model misuse, kernel page faults                        */

static void
model_fault_record(int kind, const char *fmt, va_list ap)
{
	char msg[1536];
	struct model_thread *mt = model_w.running;

	host_vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!model_w.dead) {
		model_w.dead = 1;
		model_w.fault_kind = kind;
		host_snprintf(model_w.fault, sizeof(model_w.fault),
		    "step %ld: %s%s%s%s: %s", model_w.step,
		    kind == MODEL_FAULT_MISUSE ? "model misuse" :
		    kind == MODEL_FAULT_DEADLOCK ? "deadlock" : "panic",
		    mt && mt->call && mt->call->name ? " in " : "",
		    mt && mt->call && mt->call->name ? mt->call->name : "",
		    mt ? "" : "", msg);
	}
	if (model_w.trace_on)
		model_trace("%s: %s", kind == MODEL_FAULT_MISUSE ? "misuse" :
		    kind == MODEL_FAULT_DEADLOCK ? "deadlock" : "panic", msg);
}

void
model_fault(int kind, const char *fmt, ...)
{
	struct model_thread *mt = model_w.running;
	va_list ap;

	va_start(ap, fmt);
	model_fault_record(kind, fmt, ap);
	va_end(ap);
	if (mt == NULL) {
		/* Kernel code called outside a model thread: nowhere to go. */
		host_abort(model_w.fault);
	}
	/* This coroutine never runs again; the driver goes on. */
	mt->state = MODEL_TS_DEAD;
	host_fault_arm(0);
	host_ctx_jump(host_ctx_self());
}

void
model_fault_note(int kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	model_fault_record(kind, fmt, ap);
	va_end(ap);
}

void
panic(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	host_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	model_fault(MODEL_FAULT_PANIC, "%s", msg);
}

static void
model_page_fault(unsigned long addr)
{
	unsigned long base = model_user_window_base();
	int user = base != 0 && addr >= base &&
	    addr < base + model_user_window_size();

	model_fault(MODEL_FAULT_PANIC,
	    "fatal trap 12: page fault while in kernel mode: "
	    "fault virtual address = 0x%lx%s", addr,
	    user ? " (user address dereferenced directly)" : "");
}

/* ---------------------------------------------------------------------- */
/* Processes, LWPs, threads                                               */

int
rb_lwp_compare(struct lwp *a, struct lwp *b);

int
rb_lwp_compare(struct lwp *a, struct lwp *b)
{
	if (a->lwp_tid < b->lwp_tid)
		return (-1);
	if (a->lwp_tid > b->lwp_tid)
		return (1);
	return (0);
}

/* The model's own lwp tree (DragonFly generates it in kern_proc.c). */
RB_GENERATE2(lwp_rb_tree, lwp, u.lwp_rbnode, rb_lwp_compare, lwpid_t, lwp_tid)

/*
 * lwp_rb_tree_RB_MINMAX and _RB_NEXT are kernel imports of vm_vmspace.c
 * (RB_FOREACH over p_lwp_tree): the generated ones above are the model's
 * implementation.  They are not traced (pure tree walks).
 */

struct model_thread *
model_mt(struct thread *td)
{
	return ((struct model_thread *)td);
}

struct model_thread *
model_curmt(void)
{
	return (model_mt(curthread));
}

struct proc *
model_proc_find(pid_t pid)
{
	struct model_proc *mp;

	for (mp = model_w.procs; mp != NULL; mp = mp->next) {
		if (mp->proc.p_pid == pid)
			return (&mp->proc);
	}
	return (NULL);
}

struct proc *
model_proc_create(pid_t pid)
{
	struct model_proc *mp, **mpp;

	if (pid <= 0 || model_proc_find(pid) != NULL)
		return (NULL);
	mp = host_zalloc(sizeof(*mp));
	mp->proc.p_pid = pid;
	host_snprintf(mp->name, sizeof(mp->name), "proc#%d", pid);
	RB_INIT(&mp->proc.p_lwp_tree);
	lwkt_token_init(&mp->proc.p_token, "proc");
	mp->proc.p_vmspace = model_vmspace_new();
	/* Keep the list in pid order: the dump walks it. */
	for (mpp = &model_w.procs; *mpp && (*mpp)->proc.p_pid < pid;
	     mpp = &(*mpp)->next)
		;
	mp->next = *mpp;
	*mpp = mp;
	return (&mp->proc);
}

struct lwp *
model_lwp_find(struct proc *p, lwpid_t tid)
{
	return (lwp_rb_tree_RB_LOOKUP(&p->p_lwp_tree, tid));
}

struct lwp *
model_lwp_create(struct proc *p, lwpid_t tid)
{
	struct model_lwp *ml;
	struct model_thread *mt;
	char name[32];

	if (model_lwp_find(p, tid) != NULL)
		return (NULL);
	ml = host_zalloc(sizeof(*ml));
	mt = host_zalloc(sizeof(*mt));
	host_snprintf(name, sizeof(name), "td#%d.%d", p->p_pid, tid);
	model_thread_init(mt, name, 0);
	host_snprintf(ml->name, sizeof(ml->name), "lwp#%d.%d", p->p_pid, tid);
	host_snprintf(ml->fname, sizeof(ml->fname), "frame#%d.%d",
	    p->p_pid, tid);
	ml->mt = mt;
	mt->ml = ml;
	mt->td.td_lwp = &ml->lwp;
	mt->td.td_proc = p;
	ml->lwp.lwp_proc = p;
	ml->lwp.lwp_tid = tid;
	ml->lwp.lwp_thread = &mt->td;
	ml->lwp.lwp_vmspace = p->p_vmspace;
	lwp_rb_tree_RB_INSERT(&p->p_lwp_tree, &ml->lwp);
	p->p_nthreads++;
	mt->next = model_w.threads;
	model_w.threads = mt;
	return (&ml->lwp);
}

static void
model_thread_unlink(struct model_thread *mt)
{
	struct model_thread **mtp;
	int i;

	for (mtp = &model_w.threads; *mtp != NULL; mtp = &(*mtp)->next) {
		if (*mtp == mt) {
			*mtp = mt->next;
			break;
		}
	}
	for (i = 0; i < model_w.ncpu; ++i) {
		if (model_w.cpus[i].gd_curthread == &mt->td)
			model_w.cpus[i].gd_curthread = &model_w.idle[i].td;
	}
}

static void
model_lwp_free(struct model_lwp *ml)
{
	struct model_thread *mt = ml->mt;

	model_thread_unlink(mt);
	host_ctx_delete(mt->ctx);
	/* Poison so a stale pointer reads nonsense rather than old state. */
	__builtin_memset(mt, 0x5a, sizeof(*mt));
	__builtin_memset(ml, 0x5a, sizeof(*ml));
	host_free(mt);
	host_free(ml);
}

void
model_lwp_destroy(struct lwp *lp)
{
	struct model_lwp *ml = (struct model_lwp *)lp;
	struct proc *p = lp->lwp_proc;

	/* A suspended call would resume on freed memory (fini frees all). */
	if (!model_w.tearing_down && ml->mt->state != MODEL_TS_IDLE &&
	    ml->mt->state != MODEL_TS_DONE && ml->mt->state != MODEL_TS_DEAD)
		host_abort("model_lwp_destroy: the LWP's thread is in a call");
	lwp_rb_tree_RB_REMOVE(&p->p_lwp_tree, lp);
	p->p_nthreads--;
	model_lwp_free(ml);
}

void
model_proc_destroy(struct proc *p)
{
	struct model_proc *mp = (struct model_proc *)p, **mpp;
	struct lwp *lp;

	while ((lp = RB_ROOT(&p->p_lwp_tree)) != NULL)
		model_lwp_destroy(lp);
	if (p->p_vmspace != NULL) {
		struct model_thread *saved = model_w.running;

		/* The reference the process held; not kernel code under test. */
		model_w.running = NULL;
		vmspace_rel(p->p_vmspace);
		model_w.running = saved;
	}
	for (mpp = &model_w.procs; *mpp != NULL; mpp = &(*mpp)->next) {
		if (*mpp == mp) {
			*mpp = mp->next;
			break;
		}
	}
	__builtin_memset(mp, 0x5a, sizeof(*mp));
	host_free(mp);
}

struct proc *
model_proc_fork(struct proc *p1, pid_t pid2, lwpid_t tid2)
{
	struct proc *p2 = model_proc_create(pid2);

	if (p2 == NULL)
		return (NULL);
	model_vmspace_copy(p2->p_vmspace, p1->p_vmspace);
	if (model_lwp_create(p2, tid2) == NULL) {
		model_proc_destroy(p2);
		return (NULL);
	}
	return (p2);
}

struct trapframe *
model_lwp_frame(struct lwp *lp)
{
	return (&((struct model_lwp *)lp)->md_regs);
}

void
model_set_curthread(struct thread *td)
{
	struct globaldata *gd = td->td_gd;

	globaldata = gd;
	gd->gd_curthread = td;
}

void
model_thread_set_vmm(struct thread *td, int on)
{
	td->td_vmm = on ? (void *)&model_mt(td)->vmm_ctx : NULL;
}

void
model_thread_set_cpu(struct thread *td, int cpu)
{
	if (cpu < 0 || cpu >= model_w.ncpu)
		host_abort("model_thread_set_cpu: no such cpu");
	td->td_gd = &model_w.cpus[cpu];
}

static void
model_free_objects(void)
{
	model_w.tearing_down = 1;
	while (model_w.procs != NULL)
		model_proc_destroy(&model_w.procs->proc);
	model_w.running = NULL;
}

/* ---------------------------------------------------------------------- */
/* Names                                                                  */

struct model_field {
	unsigned long	off;
	const char	*name;
};

#define F(type, field)	{ __builtin_offsetof(type, field), #field }

static const struct model_field proc_fields[] = {
	F(struct proc, p_pid), F(struct proc, p_vmspace),
	F(struct proc, p_lwp_tree), F(struct proc, p_nthreads),
	F(struct proc, p_vkernel), F(struct proc, p_token), { 0, NULL }
};
static const struct model_field lwp_fields[] = {
	F(struct lwp, u.lwp_rbnode), F(struct lwp, lwp_proc),
	F(struct lwp, lwp_vmspace), F(struct lwp, lwp_vkernel),
	F(struct lwp, lwp_tid), F(struct lwp, lwp_thread), { 0, NULL }
};
static const struct model_field thread_fields[] = {
	F(struct thread, td_lwp), F(struct thread, td_proc),
	F(struct thread, td_vmm), F(struct thread, td_toks_array),
	{ __builtin_offsetof(struct thread, td_mach.mtd_savetls), "td_tls" },
	{ 0, NULL }
};
static const struct model_field vkp_fields[] = {
	{ __builtin_offsetof(struct vkernel_proc, root.rbh_inprog),
	  "root.rbh_inprog" },
	{ __builtin_offsetof(struct vkernel_proc, root.rbh_spin),
	  "root.rbh_spin" },
	F(struct vkernel_proc, token), F(struct vkernel_proc, refs),
	F(struct vkernel_proc, vkernel_cr3), { 0, NULL }
};
static const struct model_field ve_fields[] = {
	F(struct vmspace_entry, vmspace), F(struct vmspace_entry, flags),
	F(struct vmspace_entry, refs), F(struct vmspace_entry, rb_entry),
#ifdef MODEL_REV_2017
	F(struct vmspace_entry, cache_refs),
#endif
#ifdef MODEL_REV_d95d5e03dc
	F(struct vmspace_entry, token),
#endif
	{ 0, NULL }
};
static const struct model_field vklp_fields[] = {
	F(struct vkernel_lwp, save_vextframe),
	F(struct vkernel_lwp, user_trapframe),
	F(struct vkernel_lwp, user_vextframe), F(struct vkernel_lwp, ve),
#ifdef MODEL_REV_2017
	F(struct vkernel_lwp, ve_cache),
#endif
	{ 0, NULL }
};
static const struct model_field vmspace_fields[] = {
	F(struct vmspace, vm_pmap), F(struct vmspace, vm_flags),
	F(struct vmspace, vm_holdcnt), F(struct vmspace, vm_refcnt),
	{ __builtin_offsetof(struct vmspace, vm_map.lock), "vm_map.lock" },
	{ __builtin_offsetof(struct vmspace, vm_map.token), "vm_map.token" },
	{ __builtin_offsetof(struct vmspace, vm_pmap.pm_token),
	  "vm_pmap.pm_token" },
	{ 0, NULL }
};

#undef F

struct model_extname {
	const void	*p;
	unsigned long	size;
	char		name[32];
	struct model_extname *next;
};
static struct model_extname *model_extnames;

void
model_name_register(const void *p, unsigned long size, const char *name)
{
	struct model_extname *en = host_zalloc(sizeof(*en));

	en->p = p;
	en->size = size;
	host_snprintf(en->name, sizeof(en->name), "%s", name);
	en->next = model_extnames;
	model_extnames = en;
}

void
model_name_unregister(const void *p)
{
	struct model_extname **enp, *en;

	for (enp = &model_extnames; (en = *enp) != NULL; enp = &en->next) {
		if (en->p == p) {
			*enp = en->next;
			host_free(en);
			return;
		}
	}
}

static int
model_in(const void *p, const void *base, unsigned long size,
	 unsigned long *off)
{
	unsigned long a = (unsigned long)p, b = (unsigned long)base;

	if (a >= b && a < b + size) {
		*off = a - b;
		return (1);
	}
	return (0);
}

static void
model_name_at(char *buf, size_t size, const char *obj, unsigned long off,
	      const struct model_field *fields)
{
	const struct model_field *f;

	if (off == 0) {
		host_snprintf(buf, size, "%s", obj);
		return;
	}
	for (f = fields; f != NULL && f->name != NULL; ++f) {
		if (f->off == off) {
			host_snprintf(buf, size, "%s.%s", obj, f->name);
			return;
		}
	}
	host_snprintf(buf, size, "%s+%lu", obj, off);
}

const char *
model_nm(const void *p)
{
	static char ring[16][96];
	static unsigned int next;
	char *buf = ring[next++ % 16];
	const size_t size = sizeof(ring[0]);
	struct model_proc *mp;
	struct model_thread *mt;
	struct model_vmspace *mv;
	struct model_extname *en;
	unsigned long off, base, bsize;
	const char *kname;
	int i;

	if (p == NULL)
		return ("NULL");
	if (p == &vmspace_token)
		return ("vmspace_token");
	for (i = 0; i < model_w.ncpu; ++i) {
		if (model_in(p, &model_w.cpus[i], sizeof(model_w.cpus[i]),
		    &off)) {
			host_snprintf(buf, size, "gd#%d+%lu", i, off);
			if (off == 0)
				host_snprintf(buf, size, "gd#%d", i);
			return (buf);
		}
		if (model_in(p, &model_w.idle[i].td, sizeof(struct thread),
		    &off)) {
			model_name_at(buf, size, model_w.idle[i].name, off,
			    thread_fields);
			return (buf);
		}
	}
	for (mp = model_w.procs; mp != NULL; mp = mp->next) {
		if (model_in(p, &mp->proc, sizeof(mp->proc), &off)) {
			model_name_at(buf, size, mp->name, off, proc_fields);
			return (buf);
		}
	}
	for (mt = model_w.threads; mt != NULL; mt = mt->next) {
		struct model_lwp *ml = mt->ml;

		if (model_in(p, &mt->td, sizeof(mt->td), &off)) {
			model_name_at(buf, size, mt->name, off, thread_fields);
			return (buf);
		}
		if (model_in(p, &mt->vmm_ctx, sizeof(mt->vmm_ctx), &off)) {
			host_snprintf(buf, size, "vmm#%s", mt->name + 3);
			return (buf);
		}
		if (ml == NULL)
			continue;
		if (model_in(p, &ml->lwp, sizeof(ml->lwp), &off)) {
			model_name_at(buf, size, ml->name, off, lwp_fields);
			return (buf);
		}
		if (model_in(p, &ml->md_regs, sizeof(ml->md_regs), &off)) {
			model_name_at(buf, size, ml->fname, off, NULL);
			return (buf);
		}
	}
	for (mv = model_w.vmspaces; mv != NULL; mv = mv->next) {
		if (model_in(p, &mv->vm, sizeof(mv->vm), &off)) {
			model_name_at(buf, size, mv->name, off,
			    vmspace_fields);
			return (buf);
		}
	}
	if (model_kmem_find(p, &base, &bsize, &kname) != NULL) {
		const struct model_field *fields = NULL;

		off = (unsigned long)p - base;
		if (kname[0] == 'v' && kname[1] == 'k' && kname[2] == 'p')
			fields = vkp_fields;
		else if (kname[0] == 'v' && kname[1] == 'e')
			fields = ve_fields;
		else if (kname[0] == 'v' && kname[1] == 'k' && kname[2] == 'l')
			fields = vklp_fields;
		model_name_at(buf, size, kname, off, fields);
		return (buf);
	}
	if ((kname = model_kmem_freed_name(p, &off)) != NULL) {
		model_name_at(buf, size, kname, off, NULL);
		return (buf);
	}
	for (en = model_extnames; en != NULL; en = en->next) {
		if (model_in(p, en->p, en->size, &off)) {
			model_name_at(buf, size, en->name, off, NULL);
			return (buf);
		}
	}
	/* Not a model object: the name must still be deterministic. */
	return ("?");
}

const char *
model_freed_name(const void *p)
{
	static char buf[96];
	struct model_vmspace *mv;
	unsigned long off;
	const char *kname;

	for (mv = model_w.vmspaces; mv != NULL; mv = mv->next) {
		if (mv->freed && model_in(p, &mv->vm, sizeof(mv->vm), &off)) {
			model_name_at(buf, sizeof(buf), mv->name, off,
			    vmspace_fields);
			host_snprintf(buf + __builtin_strlen(buf),
			    sizeof(buf) - __builtin_strlen(buf), "(freed)");
			return (buf);
		}
	}
	if ((kname = model_kmem_freed_name(p, &off)) != NULL) {
		model_name_at(buf, sizeof(buf), kname, off, NULL);
		return (buf);
	}
	return (NULL);
}

const char *
model_name(const void *p)
{
	return (model_nm(p));
}

/* ---------------------------------------------------------------------- */
/* Trace                                                                  */

void
model_trace_enable(int on)
{
	model_w.trace_on = on;
}

int
model_tracing(void)
{
	struct model_thread *mt;

	/* Only kernel code under test (on a model thread) is traced. */
	if (!model_w.trace_on || model_w.running == NULL)
		return (0);
	mt = model_w.running;
	return (mt->depth <= 1);
}

void
model_trace(const char *fmt, ...)
{
	char line[1024];
	struct model_thread *mt = model_w.running ? model_w.running :
	    model_curmt();
	size_t n;
	va_list ap;

	n = (size_t)host_snprintf(line, sizeof(line), "%s ", mt->name);
	va_start(ap, fmt);
	host_vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (model_w.ntrace == model_w.trace_cap) {
		model_w.trace_cap = model_w.trace_cap ? model_w.trace_cap * 2 :
		    256;
		model_w.trace = host_realloc(model_w.trace,
		    model_w.trace_cap * sizeof(char *));
	}
	n = model_strlen(line) + 1;
	model_w.trace[model_w.ntrace] = host_zalloc(n);
	__builtin_memcpy(model_w.trace[model_w.ntrace], line, n);
	model_w.ntrace++;
}

unsigned long
model_trace_count(void)
{
	return (model_w.ntrace);
}

const char *
model_trace_line(unsigned long i)
{
	return (i < model_w.ntrace ? model_w.trace[i] : NULL);
}

void
model_trace_clear(void)
{
	unsigned long i;

	for (i = 0; i < model_w.ntrace; ++i)
		host_free(model_w.trace[i]);
	model_w.ntrace = 0;
}

/*
 * Every kernel function of the model brackets its work with
 * model_enter/model_leave.  Only calls made by the code under test (depth
 * 1) are traced, and their entry is a preemption point: with interleaving
 * on, another thread may run there while this one keeps its tokens.
 */
void
model_enter(const char *fn)
{
	struct model_thread *mt = model_w.running ? model_w.running :
	    model_curmt();

	if (++mt->depth == 1 && model_w.running != NULL && model_w.interleave)
		model_switch_point(MODEL_TS_PREEMPTED, fn);
}

void
model_leave(void)
{
	struct model_thread *mt = model_w.running ? model_w.running :
	    model_curmt();

	--mt->depth;
}

/* ---------------------------------------------------------------------- */
/* kprintf                                                                */

int
kprintf(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;
	size_t need;

	MODEL_ENTER("kprintf");
	va_start(ap, fmt);
	n = host_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	need = model_w.kprintf_len + (size_t)n + 1;
	if (need > model_w.kprintf_cap) {
		model_w.kprintf_cap = need * 2;
		model_w.kprintf_buf = host_realloc(model_w.kprintf_buf,
		    model_w.kprintf_cap);
	}
	__builtin_memcpy(model_w.kprintf_buf + model_w.kprintf_len, line,
	    (size_t)n + 1);
	model_w.kprintf_len += (size_t)n;
	if (model_tracing()) {
		size_t i;

		/* One line per record: escape the newlines. */
		for (i = 0; line[i] != 0; ++i) {
			if (line[i] == '\n')
				line[i] = '|';
		}
		model_trace("kprintf(\"%s\") = %d", line, n);
	}
	MODEL_LEAVE();
	return (n);
}

const char *
model_kprintf_output(void)
{
	return (model_w.kprintf_buf ? model_w.kprintf_buf : "");
}

/* ---------------------------------------------------------------------- */
/* State dump                                                             */

#define P(...)	model_buf_printf(&buf, &len, &cap, __VA_ARGS__)

static void
model_dump_frame(char **bufp, size_t *lenp, size_t *capp, const char *indent,
		 const char *what, const struct trapframe *tf)
{
	char *buf = *bufp;
	size_t len = *lenp, cap = *capp;

	P("%s%s: rdi=0x%lx rsi=0x%lx rdx=0x%lx rcx=0x%lx r8=0x%lx r9=0x%lx "
	  "rax=0x%lx rbx=0x%lx rbp=0x%lx r10=0x%lx r11=0x%lx r12=0x%lx r13=0x%lx "
	  "r14=0x%lx r15=0x%lx xflags=0x%lx trapno=0x%lx addr=0x%lx flags=0x%lx "
	  "err=0x%lx rip=0x%lx cs=0x%lx rflags=0x%lx rsp=0x%lx ss=0x%lx\n",
	  indent, what, tf->tf_rdi, tf->tf_rsi, tf->tf_rdx, tf->tf_rcx,
	  tf->tf_r8, tf->tf_r9, tf->tf_rax, tf->tf_rbx, tf->tf_rbp,
	  tf->tf_r10, tf->tf_r11, tf->tf_r12, tf->tf_r13, tf->tf_r14,
	  tf->tf_r15, tf->tf_xflags, tf->tf_trapno, tf->tf_addr,
	  tf->tf_flags, tf->tf_err, tf->tf_rip, tf->tf_cs, tf->tf_rflags,
	  tf->tf_rsp, tf->tf_ss);
	*bufp = buf;
	*lenp = len;
	*capp = cap;
}

static void
model_dump_tls(char **bufp, size_t *lenp, size_t *capp, const char *indent,
	       const char *what, const struct savetls *tls)
{
	char *buf = *bufp;
	size_t len = *lenp, cap = *capp;

	P("%s%s: fs={base=0x%lx size=%ld} gs={base=0x%lx size=%ld}\n", indent,
	  what, (unsigned long)tls->info[0].base, tls->info[0].size,
	  (unsigned long)tls->info[1].base, tls->info[1].size);
	*bufp = buf;
	*lenp = len;
	*capp = cap;
}

static void
model_dump_ve_tree(char **bufp, size_t *lenp, size_t *capp,
		   struct vmspace_entry *ve)
{
	char *buf;
	size_t len, cap;

	if (ve == NULL)
		return;
	model_dump_ve_tree(bufp, lenp, capp, ve->rb_entry.rbe_left);
	buf = *bufp;
	len = *lenp;
	cap = *capp;
#ifdef MODEL_REV_2017
	P("    %s id=0x%lx refs=0x%x cache_refs=%d flags=0x%x vmspace=%s\n",
	  model_nm(ve), (unsigned long)ve->id, (unsigned)ve->refs,
	  (int)ve->cache_refs, ve->flags, model_nm(ve->vmspace));
#else
	P("    %s id=0x%lx refs=%d flags=0x%x vmspace=%s\n", model_nm(ve),
	  (unsigned long)ve->id, ve->refs, ve->flags, model_nm(ve->vmspace));
#endif
	*bufp = buf;
	*lenp = len;
	*capp = cap;
	model_dump_ve_tree(bufp, lenp, capp, ve->rb_entry.rbe_right);
}

static void
model_dump_tokens(char **bufp, size_t *lenp, size_t *capp,
		  struct model_thread *mt)
{
	char *buf = *bufp;
	size_t len = *lenp, cap = *capp;
	struct lwkt_tokref *ref;

	P("[");
	for (ref = &mt->td.td_toks_base; ref < mt->td.td_toks_stop; ++ref) {
		const char *freed = model_freed_name(ref->tr_tok);

		if (freed != NULL) {
			/* Left by a use after free: not read. */
			P("%s%s", ref == &mt->td.td_toks_base ? "" : " ", freed);
			continue;
		}
		P("%s%s%s", ref == &mt->td.td_toks_base ? "" : " ",
		  model_nm(ref->tr_tok),
		  ref->tr_tok->t_ref != NULL &&
		  ref->tr_tok->t_ref->tr_owner == &mt->td ? "" :
		  model_token_held(mt, ref->tr_tok) == 1 ? "(shared)" :
		  "(released)");
	}
	P("]");
	*bufp = buf;
	*lenp = len;
	*capp = cap;
}

static const char *
model_state_name(int state)
{
	static const char *names[] = { "idle", "ready", "preempted",
	    "blocked", "tokwait", "lockwait", "done", "dead", "running" };

	return (state >= 0 && state <= 8 ? names[state] : "?");
}

static void
model_dump_thread(char **bufp, size_t *lenp, size_t *capp,
		  struct model_thread *mt)
{
	char *buf = *bufp;
	size_t len = *lenp, cap = *capp;

	P("    %s cpu=%d state=%s td_vmm=%s toks=", mt->name,
	  (int)mt->td.td_gd->gd_cpuid, model_state_name(mt->state),
	  model_nm(mt->td.td_vmm));
	model_dump_tokens(&buf, &len, &cap, mt);
	P(" spinlocks=%d pcb_fsbase=0x%lx pcb_gsbase=0x%lx tls_loads=%ld "
	  "fp_virtfp=%d guest_cr3=", mt->spinlocks, mt->pcb_fsbase,
	  mt->pcb_gsbase, mt->tls_loads, (mt->pcb_flags & FP_VIRTFP) != 0);
	if (mt->guest_cr3_set)
		P("0x%lx", mt->guest_cr3);
	else
		P("unset");
	P(" vmm_tls_loads=%ld\n", mt->vmm_tls_loads);
	model_dump_tls(&buf, &len, &cap, "      ", "td_tls", &mt->td.td_tls);
	*bufp = buf;
	*lenp = len;
	*capp = cap;
}

char *
model_dump(void)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct model_proc *mp;
	struct lwp *lp;
	int i;

	P("world: %s\n", model_w.dead ? model_w.fault : "alive");
#ifdef MODEL_REV_2017
	P("vkernel_enable=%d\n", vkernel_enable);
#else
	P("vkernel_enable=%d vmspace_token=%s\n", vkernel_enable,
	  model_token_holder(&vmspace_token));
#endif
	for (i = 0; i < model_w.ncpu; ++i)
		P("cpu%d: curthread=%s\n", i,
		  model_nm(model_w.cpus[i].gd_curthread));
	for (mp = model_w.procs; mp != NULL; mp = mp->next) {
		struct proc *p = &mp->proc;
		struct vkernel_proc *vkp = p->p_vkernel;

		P("%s pid=%d p_vmspace=%s p_vkernel=%s p_token=%s "
		  "nthreads=%d\n", mp->name, p->p_pid, model_nm(p->p_vmspace),
		  model_nm(vkp), model_token_holder(&p->p_token),
		  p->p_nthreads);
		if (vkp != NULL && model_kmem_find(vkp, NULL, NULL, NULL)) {
			P("  %s refs=%d vkernel_cr3=0x%lx token=%s "
			  "inprog=%s\n", model_nm(vkp), vkp->refs,
			  (unsigned long)vkp->vkernel_cr3,
			  model_token_holder(&vkp->token),
			  vkp->root.rbh_inprog ? "yes" : "none");
			model_dump_ve_tree(&buf, &len, &cap,
			    vkp->root.rbh_root);
		} else if (vkp != NULL) {
			P("  p_vkernel is not a live kmalloc block\n");
		}
		RB_FOREACH(lp, lwp_rb_tree, &p->p_lwp_tree) {
			struct model_lwp *ml = (struct model_lwp *)lp;
			struct vkernel_lwp *vklp = lp->lwp_vkernel;

			P("  %s lwp_vmspace=%s lwp_vkernel=%s\n", ml->name,
			  model_nm(lp->lwp_vmspace), model_nm(vklp));
			model_dump_thread(&buf, &len, &cap, ml->mt);
			model_dump_frame(&buf, &len, &cap, "    ", "frame",
			    &ml->md_regs);
			if (vklp != NULL &&
			    model_kmem_find(vklp, NULL, NULL, NULL)) {
				P("    %s ve=%s user_trapframe=0x%lx "
				  "user_vextframe=0x%lx\n", model_nm(vklp),
				  model_nm(vklp->ve),
				  (unsigned long)vklp->user_trapframe,
				  (unsigned long)vklp->user_vextframe);
#ifdef MODEL_REV_2017
				P("    %s ve_cache=%s\n", model_nm(vklp),
				  model_nm(vklp->ve_cache));
#endif
				model_dump_frame(&buf, &len, &cap, "      ",
				    "save_trapframe", &vklp->save_trapframe);
				model_dump_tls(&buf, &len, &cap, "      ",
				    "save_vextframe.vx_tls",
				    &vklp->save_vextframe.vx_tls);
			}
		}
	}
	model_vm_dump(&buf, &len, &cap);
	model_kmem_dump(&buf, &len, &cap);
	P("kprintf: \"");
	for (i = 0; model_w.kprintf_buf && model_w.kprintf_buf[i]; ++i) {
		char c = model_w.kprintf_buf[i];

		if (c == '\n')
			P("\\n");
		else
			P("%c", c);
	}
	P("\"\n");
	return (buf);
}

#undef P

void
model_free(void *p)
{
	host_free(p);
}

/* ---------------------------------------------------------------------- */
/* The kernel's call sites of the vkernel hooks                           */

int
model_path_run(void *arg)
{
	struct model_path *path = arg;
	const struct model_hooks *h = path->hooks;
	struct proc *p;
	struct lwp *lp;

	switch (path->which) {
	case MODEL_PATH_FORK:
		p = path->a0;
		if (p->p_vkernel == NULL)
			return (0);
		h->inherit(p, path->a1);
		return (1);
	case MODEL_PATH_EXIT:
		lp = path->a0;
		p = lp->lwp_proc;
		if (p->p_vkernel == NULL)
			return (0);
		h->lwp_exit(lp);
		h->exit(p);
		return (1);
	case MODEL_PATH_EXEC:
		p = path->a0;
		if (p->p_vkernel == NULL)
			return (0);
		h->exit(p);
		return (1);
	case MODEL_PATH_LWP_EXIT:
		lp = path->a0;
		if (lp->lwp_vkernel == NULL)
			return (0);
		h->lwp_exit(lp);
		return (1);
	case MODEL_PATH_TRAP:
		lp = path->a0;
		if (lp->lwp_vkernel == NULL || lp->lwp_vkernel->ve == NULL)
			return (0);
		h->trap(lp, path->a1);
		return (1);
	default:
		model_fault(MODEL_FAULT_MISUSE, "model_path_run: bad path %d",
		    path->which);
	}
}

/*
 * The lock check of the tree's operations (RB_MODEL_CHECK, <sys/vkernel.h>)
 * for the port's RB_FIND, which the port writes in Rust (as the C file's
 * compiler inlines RB_FIND into its lookups) and so cannot expand the
 * macro: "The caller must hold vkp->token", shared for a find.
 */
void model_rb_check(struct vmspace_rb_tree *head, const char *op);

void
model_rb_check(struct vmspace_rb_tree *head, const char *op)
{
#ifdef _MODEL_RB_CHECKS
	vmspace_rb_tree_RB_MODEL_CHECK(head, op);
#else
	(void)head;
	(void)op;
#endif
}
