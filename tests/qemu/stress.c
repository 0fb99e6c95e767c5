/*
 * stress.c: threads of one vkernel process on several cpus at once
 * (run when hw.ncpu > 1).  Bounded in iterations and in time.
 *
 *   runner0..2   VMSPACE_CTL_RUN/trap round trips, alternately in the shared
 *                VMSPACE id0 (each storing into its own data page, checked
 *                by the host) and in its own VMSPACE id1..id3
 *   mapper       MADV_INVAL on id0 and id1..id3 while the runners are in
 *                them; vmspace_mmap + vmspace_munmap of a range of id0;
 *                every 8th turn MADV_SETMAP of id0 again
 *   churner      create / map / MADV_SETMAP of id8..id11 in turn, and
 *                destroy of the one set up two turns before
 *   churnrunner  RUN into id8..id11 while they come and go
 *
 * Every result is classified; the expected ones are success, and the
 * race outcomes each call can have here: EBUSY (destroy of a VMSPACE a
 * thread is in), ENOENT (RUN into one just destroyed), EEXIST (create of
 * one whose destroy was refused), and a page-fault trap for a RUN into a
 * VMSPACE that is not mapped or not SETMAP'ed yet.  Anything else counts as
 * unexpected.  At the end three threads park inside VMSPACEs and the
 * process exits: vkernel_lwp_exit on several cpus, then vkernel_exit.
 */
#include "vm.h"
#include "scen.h"

#define ITERS		2000		/* per thread */
#define TIME_CAP_MS	20000
#define NRUNNERS	3
#define NTHREADS	(NRUNNERS + 3)
#define NPARK		3
#define CHURN_ID(k)	ID(8 + (k) % 4)
#define MAPPER_RANGE	0x100000000UL

enum { OK, EBUSY_, ENOENT_, EEXIST_, FAULT, NOUTCOMES };
static const char *outcome_name[NOUTCOMES] = { "ok", "ebusy", "enoent", "eexist", "fault" };

struct worker {
	const char *name;
	void (*fn)(struct worker *);
	int slot;			/* guest data/stack page and thread stack */
	int vs;				/* park: the VMSPACE it parks in */
	int iters;
	int capped;
	int outcomes[NOUTCOMES];
	int unexpected;
	int done;
	struct trapframe tf;
	struct vextframe vf;
};

static struct worker workers[NTHREADS];
static long deadline;

#ifdef VMT_REV_22B7A3DBF6
/*
 * At 22b7a3dbf6 no destroy may be refused here: the C original's EBUSY
 * keeps an active reference (destroy-ebusy-leak, scen.h), after which the
 * stock kernel panics at the process's exit.  So the churner never
 * destroys a VMSPACE the churnrunner is in: each announces the churn slot
 * it is about to destroy or enter, then reads the other's (sequentially
 * consistent: at least one of two that meet sees the other) and skips its
 * call if they are the same.  The EBUSY path itself runs in `busy`.
 */
static int churn_destroying = -1, churn_entering = -1;

static int churn_claim(int *mine, int *theirs, int k)
{
	__atomic_store_n(mine, k, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(theirs, __ATOMIC_SEQ_CST) == k) {
		__atomic_store_n(mine, -1, __ATOMIC_SEQ_CST);
		return 0;
	}
	return 1;
}
#endif

static void unexpected(struct worker *w, const char *what, long r, const struct trapframe *tf)
{
	static int printed;

	w->unexpected++;
	atomic_inc(&sh->stress_unexpected);
	if (__atomic_fetch_add(&printed, 1, __ATOMIC_SEQ_CST) < 20)
		out("vmstress: UNEXPECTED %s iteration %d: %s = %ld errno=%d(%s) tf_trapno=%ld\n",
		    w->name, w->iters, what, IS_ERR(r) ? -1 : r, ERRNO(r),
		    errname(ERRNO(r)), tf ? tf->tf_trapno : -1L);
}

/* classify r: allowed is a mask of outcomes besides OK */
static void classify(struct worker *w, const char *what, long r, int allowed)
{
	int o;

	switch (ERRNO(r)) {
	case 0: o = OK; break;
	case EBUSY: o = EBUSY_; break;
	case ENOENT: o = ENOENT_; break;
	case EEXIST: o = EEXIST_; break;
	default: unexpected(w, what, r, 0); return;
	}
	if (o != OK && !(allowed & (1 << o))) {
		unexpected(w, what, r, 0);
		return;
	}
	w->outcomes[o]++;
}

static long run(struct worker *w, void *id, const char *entry)
{
	tf_init(&w->tf, entry, w->slot);
	return SC4(SYS_vmspace_ctl, id, VMSPACE_CTL_RUN, &w->tf, &w->vf);
}

static void runner(struct worker *w)
{
	long r, v;

	for (w->iters = 0; w->iters < ITERS; w->iters++) {
		if (now_ms() > deadline) {
			w->capped = 1;
			break;
		}
		v = ((long)w->slot << 32) | w->iters;
		tf_init(&w->tf, g_store, w->slot);
		w->tf.tf_rsi = (long)GVA_DATA(w->slot) + 8;
		w->tf.tf_rdi = v;
		r = SC4(SYS_vmspace_ctl, ID(0), VMSPACE_CTL_RUN, &w->tf, &w->vf);
		if (r != 0 || w->tf.tf_trapno != T_FAST_SYSCALL ||
		    w->tf.tf_rdi != v || slot(w->slot)->value != v)
			unexpected(w, "RUN id0 g_store", r, &w->tf);
		else
			w->outcomes[OK]++;
		r = run(w, ID(1 + w->slot), g_syscall);
		if (r != 0 || w->tf.tf_trapno != T_FAST_SYSCALL ||
		    w->tf.tf_rip != (long)gva_of(g_syscall_ret))
			unexpected(w, "RUN own g_syscall", r, &w->tf);
		else
			w->outcomes[OK]++;
	}
}

static void mapper(struct worker *w)
{
	long r;

	for (w->iters = 0; w->iters < ITERS; w->iters++) {
		if (now_ms() > deadline) {
			w->capped = 1;
			break;
		}
		classify(w, "MADV_INVAL id0", SC5(SYS_vmspace_mcontrol, ID(0),
		    GVA_CODE, 0x200000, MADV_INVAL, 0), 0);
		classify(w, "MADV_INVAL own", SC5(SYS_vmspace_mcontrol,
		    ID(1 + w->iters % NRUNNERS), GVA_CODE, 0x200000, MADV_INVAL, 0), 0);
		r = SC7(SYS_vmspace_mmap, ID(0), MAPPER_RANGE, 0x10000,
		    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_VPAGETABLE | MAP_FIXED,
		    img_fd, 0);
		if (r != (long)MAPPER_RANGE)
			unexpected(w, "vmspace_mmap id0", r, 0);
		else
			w->outcomes[OK]++;
		classify(w, "vmspace_munmap id0", SC3(SYS_vmspace_munmap, ID(0),
		    MAPPER_RANGE, 0x10000), 0);
		if ((w->iters & 7) == 7)
			classify(w, "MADV_SETMAP id0", SC5(SYS_vmspace_mcontrol,
			    ID(0), 0, USER_SIZE, MADV_SETMAP, MASTER_PDE), 0);
	}
}

static void churner(struct worker *w)
{
	long r;

	for (w->iters = 0; w->iters < ITERS; w->iters++) {
		void *id = CHURN_ID(w->iters);

		if (now_ms() > deadline) {
			w->capped = 1;
			break;
		}
		classify(w, "create", SC3(SYS_vmspace_create, id, 0, 0), 1 << EEXIST_);
		r = SC7(SYS_vmspace_mmap, id, 0, USER_SIZE, PROT_VM,
		    MAP_SHARED | MAP_VPAGETABLE | MAP_FIXED, img_fd, 0);
		if (r != 0)
			unexpected(w, "vmspace_mmap churn", r, 0);
		else
			w->outcomes[OK]++;
		classify(w, "MADV_SETMAP", SC5(SYS_vmspace_mcontrol, id, 0,
		    USER_SIZE, MADV_SETMAP, MASTER_PDE), 0);
#ifdef VMT_REV_22B7A3DBF6
		if (!churn_claim(&churn_destroying, &churn_entering, (w->iters + 2) % 4))
			continue;
#endif
		classify(w, "destroy", SC1(SYS_vmspace_destroy,
		    CHURN_ID(w->iters + 2)), (1 << EBUSY_) | (1 << ENOENT_));
#ifdef VMT_REV_22B7A3DBF6
		__atomic_store_n(&churn_destroying, -1, __ATOMIC_SEQ_CST);
#endif
	}
}

static void churnrunner(struct worker *w)
{
	long r;

	for (w->iters = 0; w->iters < ITERS; w->iters++) {
		if (now_ms() > deadline) {
			w->capped = 1;
			break;
		}
#ifdef VMT_REV_22B7A3DBF6
		if (!churn_claim(&churn_entering, &churn_destroying, w->iters % 4))
			continue;
#endif
		r = run(w, CHURN_ID(w->iters), g_syscall);
#ifdef VMT_REV_22B7A3DBF6
		__atomic_store_n(&churn_entering, -1, __ATOMIC_SEQ_CST);
#endif
		if (r == 0 && w->tf.tf_trapno == T_PAGEFLT)
			w->outcomes[FAULT]++;
		else if (r == 0 && w->tf.tf_trapno != T_FAST_SYSCALL)
			unexpected(w, "RUN churn", r, &w->tf);
		else
			classify(w, "RUN churn", r, 1 << ENOENT_);
	}
}

static void worker_main(void *arg)
{
	struct worker *w = arg;

	w->fn(w);
	thread_exit(&w->done);
}

static void park(void *arg)
{
	struct worker *w = arg;

	tf_init(&w->tf, g_park, w->slot);
	w->tf.tf_rsi = (long)GVA_DATA(w->slot);
	SC4(SYS_vmspace_ctl, ID(w->vs), VMSPACE_CTL_RUN, &w->tf, &w->vf);
	thread_exit(&w->done);		/* not reached: killed inside */
}

/* create + map + SETMAP without lines */
static int quiet_setup(void *id)
{
	long r = SC3(SYS_vmspace_create, id, 0, 0);

	if (r == 0)
		r = SC7(SYS_vmspace_mmap, id, 0, USER_SIZE, PROT_VM,
		    MAP_SHARED | MAP_VPAGETABLE | MAP_FIXED, img_fd, 0);
	if (r == 0)
		r = SC5(SYS_vmspace_mcontrol, id, 0, USER_SIZE, MADV_SETMAP, MASTER_PDE);
	if (r != 0)
		out("vmstress: FAIL setup of %s: errno=%d\n", idname(id), ERRNO(r));
	return r != 0;
}

void stress_run(void)
{
	static struct worker park_w[NPARK];
	int i, o, tid, bad = 0;
	long t0;

	cur_sc = "stress";
	img_reset();
	for (i = 0; i <= NRUNNERS; i++)
		bad |= quiet_setup(ID(i));
	sh->stress_threads = NTHREADS;
	sh->stress_iters = ITERS;
	if (bad) {
		atomic_inc(&sh->stress_unexpected);
		return;
	}
	for (i = 0; i < NTHREADS; i++) {
		struct worker *w = &workers[i];

		w->slot = i;
		if (i < NRUNNERS) {
			w->fn = runner;
			w->name = i == 0 ? "runner0" : i == 1 ? "runner1" : "runner2";
		} else if (i == NRUNNERS) {
			w->fn = mapper;
			w->name = "mapper";
		} else if (i == NRUNNERS + 1) {
			w->fn = churner;
			w->name = "churner";
		} else {
			w->fn = churnrunner;
			w->name = "churnrunner";
		}
	}
	out("vmstress: start: %d threads x %d iterations, at most %d s, hw.ncpu=%d\n",
	    NTHREADS, ITERS, TIME_CAP_MS / 1000, ncpu());
	t0 = now_ms();
	deadline = t0 + TIME_CAP_MS;
	for (i = 0; i < NTHREADS; i++) {
		tid = thread_start(worker_main, &workers[i], i);
		if (tid <= 0) {
			out("vmstress: FAIL lwp_create %s: errno=%d\n", workers[i].name, -tid);
			atomic_inc(&sh->stress_unexpected);
			workers[i].done = 1;
		}
	}
	for (i = 0; i < NTHREADS; i++)
		if (!wait_flag(&workers[i].done, TIME_CAP_MS + 30000)) {
			out("vmstress: FAIL %s did not finish\n", workers[i].name);
			atomic_inc(&sh->stress_unexpected);
		}
	out("vmstress: threads done in %ld ms\n", now_ms() - t0);
	for (i = 0; i < NTHREADS; i++) {
		struct worker *w = &workers[i];
		char line[200];
		int n = 0;

		for (o = 0; o < NOUTCOMES; o++)
			n += fmt(line + n, sizeof(line) - n, " %s=%d",
			    outcome_name[o], w->outcomes[o]);
		out("vmstress: %s: %d iterations%s,%s unexpected=%d\n", w->name,
		    w->iters, w->capped ? " (time cap)" : "", line, w->unexpected);
		if (w->capped)
			atomic_inc(&sh->stress_capped);
		if (w->iters < sh->stress_iters)
			sh->stress_iters = w->iters;	/* the summary's I: the fewest */
	}

	/* park threads inside id0, id1, id2, then exit with them there */
	for (i = 0; i < NPARK; i++) {
		park_w[i].slot = NTHREADS + i;
		park_w[i].vs = i;
		tid = thread_start(park, &park_w[i], NTHREADS + i);
		if (tid <= 0) {
			out("vmstress: FAIL lwp_create park: errno=%d\n", -tid);
			atomic_inc(&sh->stress_unexpected);
		}
	}
	for (i = 0; i < NPARK; i++)
		if (wait_flag(&slot(NTHREADS + i)->entered, 20000)) {
			atomic_inc(&sh->stress_parked);
		} else {
			out("vmstress: FAIL park thread %d did not enter\n", i);
			atomic_inc(&sh->stress_unexpected);
		}
	out("vmstress: exit with %d threads inside VMSPACEs\n", NPARK);
}
