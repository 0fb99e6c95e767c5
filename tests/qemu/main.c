/*
 * main.c: /sbin/init of the QEMU guest.  Sets the machine up (console,
 * read-write root, memory image, vm.vkernel_enable), runs every functional
 * scenario in a process of its own with the malloc accounting checked after
 * each, then the SMP stress (hw.ncpu > 1) or the bench (hw.ncpu == 1), and
 * powers off.  Output: lines starting "vmtest: ", "vmstress: ", "vmbench: ".
 */
#include "vm.h"
#include "scen.h"

#define SCENARIO_TIMEOUT_MS	120000

static struct kmstat base;
static int have_kmstat;
static char msgbuf[256 * 1024];

static const char *status_s(int st, char *buf, int cap)
{
	if (st < 0)
		return "timeout";
	if ((st & 0x7f) == 0)
		fmt(buf, cap, "exit %d", (st >> 8) & 0xff);
	else
		fmt(buf, cap, "signal %d", st & 0x7f);
	return buf;
}

/*
 * The kernel's console lines "Warning, pid N killed with active VC!" since
 * vc_warnings_reset(), from kern.msgbuf.  The buffer is a ring that also
 * logs what processes write to the console (kern.log_console_output), so
 * it is cleared before and read after, rather than counted twice.
 */
static void vc_warnings_reset(void)
{
	int one = 1;
	long r = sysctl_int("kern.msgbuf_clear", 0, &one);

	if (IS_ERR(r))
		fail("sysctl kern.msgbuf_clear=1: errno=%d", ERRNO(r));
}

static int vc_warnings(long *last_pid)
{
	const char *key = "killed with active VC!";
	long n = read_msgbuf(msgbuf, sizeof(msgbuf));
	long i;
	int c;

	if (n < 0)
		return -1;
	c = count_str(msgbuf, (ulong)n, key);
	*last_pid = -1;
	for (i = n - 13; i >= 0; i--)
		if (memcmp(msgbuf + i, "Warning, pid ", 13) == 0) {
			long v = 0;
			const char *p = msgbuf + i + 13;

			while (*p >= '0' && *p <= '9')
				v = v * 10 + (*p++ - '0');
			*last_pid = v;
			break;
		}
	return c;
}

/* read the accounting and compare it with the start */
static void check_malloc(const char *when)
{
	struct kmstat k;
	int r;

	if (!have_kmstat)
		return;
	r = vkernel_malloc(&k);
	if (r != 0) {
		fail("vkernel malloc accounting unreadable: errno=%d", -r);
		return;
	}
	out("vmtest: %s vkernel malloc %s: memuse=%ld inuse=%ld (start %ld/%ld)\n",
	    cur_sc, when, k.memuse, k.inuse, base.memuse, base.inuse);
	if (k.memuse != base.memuse || k.inuse != base.inuse)
		fail("vkernel malloc not back to the start: memuse delta %ld, inuse delta %ld",
		    k.memuse - base.memuse, k.inuse - base.inuse);
}

/* run one scenario in a child process, wait, check exit and accounting */
static void run_scenario(const struct scenario *s)
{
	char sb[32];
	long pid, wpid;
	int st, w;

	atomic_inc(&sh->scenarios);
	cur_sc = s->name;
	out("vmtest: scenario %s\n", s->name);
	if (s->warnings)
		vc_warnings_reset();
	pid = xfork();
	if (pid == 0) {
		s->run();
		xexit(0);
	}
	if (IS_ERR(pid)) {
		fail("fork: errno=%d", ERRNO(pid));
		return;
	}
	st = wait_child(pid, SCENARIO_TIMEOUT_MS);
	cur_sc = s->name;
	out("vmtest: %s process: %s\n", s->name, status_s(st, sb, sizeof(sb)));
	if (st != 0)
		fail("scenario process: %s", status_s(st, sb, sizeof(sb)));
	if (s->warnings) {
		w = vc_warnings(&wpid);
		out("vmtest: %s console: \"Warning, pid <scenario process> killed with active VC!\" x%d%s\n",
		    s->name, w, w > 0 && wpid != pid ? " (other pid)" : "");
		if (w != s->warnings || wpid != pid)
			fail("expected %d warning(s) for the scenario's pid, saw %d",
			    s->warnings, w);
	}
	check_malloc("after exit");
}

static void setup(void)
{
	static long ufs_args[32];	/* fspec NULL: update the mounted root */
	int v = -1, r;
	long rr;

	rr = SC4(SYS_mount, "ufs", "/", MNT_UPDATE, ufs_args);
	out("vmtest: init mount(ufs, /, MNT_UPDATE) = %ld errno=%d\n",
	    IS_ERR(rr) ? -1 : rr, ERRNO(rr));
	if (IS_ERR(rr))
		fail("remount / read-write: errno=%d", ERRNO(rr));
	shared_init(1);
	r = img_create();
	out("vmtest: init memory image %s, %lu pages: %s\n", IMG_PATH,
	    (ulong)IMG_PAGES, r ? errname(-r) : "ok");
	if (r) {
		/*
		 * Go on with anonymous memory: VMSPACEs cannot map it (every
		 * scenario will fail), but init must not crash (pid 1).
		 */
		fail("memory image: errno=%d", -r);
		img = (unsigned char *)SC7(SYS_mmap, 0, IMG_SIZE,
		    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANON, -1, 0, 0);
		if (IS_ERR((long)img)) {
			out("vmtest: FAIL init: no memory for the image\n");
			SC1(SYS_reboot, RB_HALT | RB_POWEROFF);
		}
	}
	img_reset();
	out("vmtest: init guest code %lu bytes, page tables at page %d, MADV_SETMAP value 0x%lx\n",
	    (ulong)(guest_end - guest_start), PG_PML4, MASTER_PDE);

	rr = sysctl_int("vm.vkernel_enable", &v, 0);
	out("vmtest: init sysctl vm.vkernel_enable = %d errno=%d\n", v, ERRNO(rr));

	r = vkernel_malloc(&base);
	have_kmstat = r == 0;
	if (r)
		fail("vkernel malloc accounting (kldsym kmemstatistics, /dev/kmem): errno=%d", -r);
	else
		out("vmtest: init vkernel malloc at start: memuse=%ld inuse=%ld\n",
		    base.memuse, base.inuse);
}

static void enable_vkernel(void)
{
	int one = 1, v = -1;
	long r;

	cur_sc = "init";
	r = sysctl_int("vm.vkernel_enable", 0, &one);
	sysctl_int("vm.vkernel_enable", &v, 0);
	out("vmtest: init sysctl vm.vkernel_enable=1 errno=%d, now %d\n", ERRNO(r), v);
	if (v != 1)
		fail("vm.vkernel_enable not set");
}

static void functional(void)
{
	struct kmstat k;
	int i;

	for (i = 0; i < nscenarios; i++) {
		run_scenario(&scenarios[i]);
		if (i == 0)
			enable_vkernel();	/* "disabled" ran with it off */
	}
	cur_sc = "init";
	if (have_kmstat && vkernel_malloc(&k) == 0) {
		out("vmtest: malloc vkernel: before memuse=%ld inuse=%ld, after memuse=%ld inuse=%ld\n",
		    base.memuse, base.inuse, k.memuse, k.inuse);
		if (k.memuse != base.memuse || k.inuse != base.inuse)
			fail("vkernel malloc accounting: leak");
	}
	out("vmtest: done: %d scenarios, %d calls, %d failed-expectations\n",
	    sh->scenarios, sh->calls, sh->fails);
}

/* a part in a child process; its status (0: exited 0) */
static int run_part(const char *prefix, void (*fn)(void))
{
	long pid = xfork();
	int st;
	char sb[32];

	if (pid == 0) {
		cur_prefix = prefix;
		fn();
		xexit(0);
	}
	if (IS_ERR(pid)) {
		fail("fork: errno=%d", ERRNO(pid));
		return -1;
	}
	st = wait_child(pid, SCENARIO_TIMEOUT_MS);
	if (st != 0)
		out("%s: FAIL process: %s\n", prefix, status_s(st, sb, sizeof(sb)));
	return st;
}

static void stress(void)
{
	struct kmstat k;
	long leak = 0, wpid;
	int e, w;

	cur_sc = "stress";
	sh->stress_unexpected = 0;
	vc_warnings_reset();
	if (run_part("vmstress", stress_run) != 0)
		atomic_inc(&sh->stress_unexpected);
	/* the parked threads: one console warning each */
	w = vc_warnings(&wpid);
	out("vmstress: console: \"Warning, pid <stress process> killed with active VC!\" x%d\n",
	    w);
	if (w != sh->stress_parked)
		atomic_inc(&sh->stress_unexpected);
	if (have_kmstat && vkernel_malloc(&k) == 0) {
		leak = k.memuse - base.memuse;
		out("vmstress: vkernel malloc: before memuse=%ld inuse=%ld, after memuse=%ld inuse=%ld\n",
		    base.memuse, base.inuse, k.memuse, k.inuse);
		if (k.inuse != base.inuse && leak == 0)
			leak = 1;	/* count mismatch with equal bytes: still a leak */
	} else {
		leak = -1;
	}
	e = sh->stress_unexpected;
	out("vmstress: %d threads x %d iterations, %d unexpected results, leak %ld\n",
	    sh->stress_threads, sh->stress_iters, e, leak);
}

static void bench(void)
{
	cur_sc = "bench";
	run_part("vmbench", bench_run);
	check_malloc("after bench");
}

/*
 * Entry: exec_setregs() passes the initial stack in %rdi: argc, then argv.
 * init starts without descriptors; an exec'ed scenario process keeps its own.
 */
void _start(long *sp) __attribute__((noreturn, used));
void _start(long *sp)
{
	char **argv = (char **)(sp + 1);
	int n;

	if (sp[0] >= 2 && streq(argv[1], EXEC_CHILD_ARG)) {
		shared_init(0);
		exec_child();
	}
	SC3(SYS_open, "/dev/console", O_RDWR, 0);
	SC3(SYS_open, "/dev/console", O_RDWR, 0);
	SC3(SYS_open, "/dev/console", O_RDWR, 0);
	n = ncpu();
	out("vmtest: start: vmspace test program as /sbin/init, hw.ncpu=%d\n", n);
	setup();
	functional();
	if (n > 1)
		stress();
	else
		bench();
#ifdef VMT_REV_22B7A3DBF6
	out(KNOWN_DIVERGENCE_MARKER);
	run_scenario(&scenario_busy);
#endif
	out("vmtest: end\n");
	SC1(SYS_reboot, RB_HALT | RB_POWEROFF);
	for (;;)
		SC1(SYS_exit, 0);
}

/*
 * The "DragonFly" ABI note (type 1, desc __DragonFly_version) that
 * kern/imgact_elf.c checks to brand the binary.
 */
struct note {
	unsigned int namesz, descsz, type;
	char name[12];
	int desc;
};
__attribute__((section(".note.tag"), aligned(4), used))
static const struct note abitag = { 10, 4, 1, "DragonFly", 400600 };
