/*
 * rt.c: the runtime declared in rt.h.
 */
#include "rt.h"

static struct shared local_counts;
struct shared *sh = &local_counts;
const char *cur_sc = "init";
const char *cur_prefix = "vmtest";

/* ---- memory and strings ---- */

void *memset(void *d, int c, ulong n)
{
	volatile unsigned char *p = d;	/* volatile: never turned into a call to memset */

	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, ulong n)
{
	volatile unsigned char *p = d;
	const unsigned char *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, ulong n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

ulong slen(const char *s)
{
	ulong n = 0;

	while (s[n])
		n++;
	return n;
}

int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int count_str(const char *buf, ulong n, const char *needle)
{
	ulong k = slen(needle), i;
	int c = 0;

	for (i = 0; k && i + k <= n; i++)
		if (memcmp(buf + i, needle, k) == 0)
			c++;
	return c;
}

/* ---- output ---- */

static int put_num(char *buf, int cap, int n, ulong v, int base, int neg,
    int width, char pad)
{
	char t[24];
	int i = 0;

	do {
		t[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		t[i++] = '-';
	while (i < width && i < (int)sizeof(t))
		t[i++] = pad;
	while (i > 0 && n < cap)
		buf[n++] = t[--i];
	return n;
}

int vfmt(char *buf, int cap, const char *f, va_list ap)
{
	int n = 0;

	cap--;			/* room for the NUL */
	for (; *f && n < cap; f++) {
		int lng = 0, width = 0;
		char pad = ' ';
		long sv;
		const char *s;

		if (*f != '%') {
			buf[n++] = *f;
			continue;
		}
		f++;
		if (*f == '0')
			pad = '0', f++;
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (*f++ - '0');
		if (*f == 'l')
			lng = 1, f++;
		switch (*f) {
		case 's':
			s = va_arg(ap, const char *);
			if (s == 0)
				s = "(null)";
			while (*s && n < cap)
				buf[n++] = *s++;
			break;
		case 'c':
			buf[n++] = (char)va_arg(ap, int);
			break;
		case 'd':
			sv = lng ? va_arg(ap, long) : va_arg(ap, int);
			n = put_num(buf, cap, n, sv < 0 ? -(ulong)sv : (ulong)sv,
			    10, sv < 0, width, pad);
			break;
		case 'u':
			n = put_num(buf, cap, n, lng ? va_arg(ap, ulong) :
			    va_arg(ap, unsigned int), 10, 0, width, pad);
			break;
		case 'x':
			n = put_num(buf, cap, n, lng ? va_arg(ap, ulong) :
			    va_arg(ap, unsigned int), 16, 0, width, pad);
			break;
		case '%':
			buf[n++] = '%';
			break;
		default:
			buf[n++] = '?';
			break;
		}
	}
	buf[n] = 0;
	return n;
}

int fmt(char *buf, int cap, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vfmt(buf, cap, f, ap);
	va_end(ap);
	return n;
}

void out(const char *f, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, f);
	n = vfmt(buf, sizeof(buf), f, ap);
	va_end(ap);
	SC3(SYS_write, 1, buf, n);
}

const char *errname(int e)
{
	switch (e) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EBADF: return "EBADF";
	case ECHILD: return "ECHILD";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ETIMEDOUT: return "ETIMEDOUT";
	default: return "E?";
	}
}

/* ---- counters and expectations ---- */

/*
 * The counters live in a file mapped MAP_SHARED, so that every process of
 * the run shares them, also one that exec'ed /sbin/init again (an anonymous
 * shared mapping does not survive execve).  Until then, and if the file
 * cannot be made, they are this process's own.
 */
void shared_init(int create)
{
	long fd, r;

	fd = SC3(SYS_open, COUNTERS_PATH, O_RDWR | (create ? O_CREAT | O_TRUNC : 0),
	    0600);
	r = fd;
	if (!IS_ERR(fd) && create)
		r = SC3(SYS_ftruncate, fd, 0, PAGE_SIZE);
	if (!IS_ERR(r))
		r = SC7(SYS_mmap, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0, 0);
	if (IS_ERR(r)) {
		fail("counters file %s: errno=%d", COUNTERS_PATH, ERRNO(r));
		return;
	}
	if (create)
		*(struct shared *)r = *sh;
	sh = (struct shared *)r;
}

void count_call(void)
{
	atomic_inc(&sh->calls);
}

void fail(const char *f, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, f);
	vfmt(buf, sizeof(buf), f, ap);
	va_end(ap);
	atomic_inc(&sh->fails);
	out("%s: FAIL %s %s\n", cur_prefix, cur_sc, buf);
}

int expect_errno(const char *what, long r, int want)
{
	int e = ERRNO(r);

	if (e == want)
		return 1;
	fail("%s: errno=%d(%s), expected %d(%s)", what, e, errname(e), want,
	    errname(want));
	return 0;
}

/* ---- time ---- */

long now_ms(void)
{
	struct timespec ts = { 0, 0 };

	SC2(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	SC2(SYS_nanosleep, &ts, 0);
}

int wait_flag(volatile int *p, long timeout_ms)
{
	long end = now_ms() + timeout_ms;

	struct timespec pause = { 0, 200000 };

	/*
	 * Give the cpu to the thread we wait for, also on one cpu.  Not
	 * sched_yield(2): QEMUMIN has no P1003_1B, and it logs "tried to use
	 * non-present sched_yield".  A 200 us nanosleep is a real sleep on a
	 * one-shot systimer (nanosleep1 above nanosleep_hard_us).
	 */
	while (*p == 0) {
		if (now_ms() > end)
			return 0;
		SC2(SYS_nanosleep, &pause, 0);
	}
	return 1;
}

/* ---- threads ---- */

#define STACK_SIZE	(32 * 1024)
static unsigned char stacks[MAX_THREADS][STACK_SIZE] __attribute__((aligned(16)));

int thread_start(void (*fn)(void *), void *arg, int slot)
{
	struct lwp_params lp;
	int tid = 0;
	long r;

	if (slot < 0 || slot >= MAX_THREADS)
		return -EINVAL;
	lp.lwp_func = fn;
	lp.lwp_arg = arg;
	lp.lwp_stack = stacks[slot] + STACK_SIZE;	/* 16-aligned top */
	lp.lwp_tid1 = &tid;
	lp.lwp_tid2 = 0;
	r = SC1(SYS_lwp_create, &lp);
	return IS_ERR(r) ? (int)r : tid;
}

void thread_exit(int *done)
{
	for (;;)
		SC3(SYS_extexit, EXTEXIT_LWP | EXTEXIT_SETINT, 1, done);
}

/* ---- processes ---- */

long xfork(void)
{
	return SC0(SYS_fork);
}

void xexit(int status)
{
	for (;;)
		SC1(SYS_exit, status);
}

int wait_child(long pid, long timeout_ms)
{
	long end = now_ms() + timeout_ms;
	int st = 0;
	long r;

	for (;;) {
		r = SC4(SYS_wait4, pid, &st, WNOHANG, 0);
		if (r == pid)
			return st;
		if (IS_ERR(r)) {
			fail("wait4(child): errno=%d", ERRNO(r));
			return -1;
		}
		if (now_ms() > end)
			break;
		sleep_ms(20);
	}
	fail("child did not finish within %ld ms: SIGKILL", timeout_ms);
	SC2(SYS_kill, pid, SIGKILL);
	end = now_ms() + 20000;
	while (now_ms() < end) {
		r = SC4(SYS_wait4, pid, &st, WNOHANG, 0);
		if (r == pid || IS_ERR(r))
			break;
		sleep_ms(20);
	}
	return -1;
}

/* ---- sysctl ---- */

static long name2oid(const char *name, int *oid, ulong *len)
{
	int q[2] = { 0, 3 };	/* sysctl.name2oid */

	*len = 12 * sizeof(int);
	return SC6(SYS___sysctl, q, 2, oid, len, name, slen(name));
}

long sysctl_int(const char *name, int *oldval, const int *newval)
{
	int oid[12];
	ulong len, olen = sizeof(int);
	long r;

	r = name2oid(name, oid, &len);
	if (IS_ERR(r))
		return r;
	r = SC6(SYS___sysctl, oid, len / sizeof(int), oldval, oldval ? &olen : 0,
	    newval, newval ? sizeof(int) : 0);
	return IS_ERR(r) ? r : 0;
}

int ncpu(void)
{
	int mib[2] = { CTL_HW, HW_NCPU }, n = 0;
	ulong len = sizeof(n);
	long r = SC6(SYS___sysctl, mib, 2, &n, &len, 0, 0);

	return IS_ERR(r) ? 1 : n;
}

long read_msgbuf(char *buf, ulong cap)
{
	int oid[12];
	ulong len, olen = cap - 1;
	long r;

	r = name2oid("kern.msgbuf", oid, &len);
	if (IS_ERR(r))
		return r;
	r = SC6(SYS___sysctl, oid, len / sizeof(int), buf, &olen, 0, 0);
	if (IS_ERR(r))
		return r;
	if (olen > cap - 1)
		olen = cap - 1;
	buf[olen] = 0;
	return (long)olen;
}

/* ---- malloc accounting ---- */

static long kmem_read(int fd, ulong kaddr, void *buf, ulong n)
{
	return SC5(SYS_extpread, fd, buf, n, 0, (long)kaddr);
}

int vkernel_malloc(struct kmstat *st)
{
	static ulong type_addr;		/* found once, then read directly */
	static int fd = -1;
	static struct malloc_type mt;
	int i;

	if (fd < 0) {
		long r = SC3(SYS_open, "/dev/kmem", O_RDONLY, 0);

		if (IS_ERR(r))
			return (int)r;
		fd = (int)r;
	}
	if (type_addr == 0) {
		struct kld_sym_lookup ks;
		ulong p;
		long r;

		ks.version = sizeof(ks);
		ks.symname = "kmemstatistics";
		ks.symvalue = 0;
		ks.symsize = 0;
		r = SC3(SYS_kldsym, 0, KLDSYM_LOOKUP, &ks);
		if (IS_ERR(r))
			return (int)r;
		if (kmem_read(fd, ks.symvalue, &p, sizeof(p)) != sizeof(p))
			return -EFAULT;
		for (i = 0; p != 0 && i < 4096; i++) {
			char desc[16];

			if (kmem_read(fd, p, &mt, sizeof(mt)) != sizeof(mt))
				return -EFAULT;
			if (mt.ks_shortdesc != 0 &&
			    kmem_read(fd, mt.ks_shortdesc, desc, 8) == 8 &&
			    memcmp(desc, "vkernel", 8) == 0) {
				type_addr = p;
				break;
			}
			p = mt.ks_next;
		}
		if (type_addr == 0)
			return -ENOENT;
	}
	if (kmem_read(fd, type_addr, &mt, sizeof(mt)) != sizeof(mt))
		return -EFAULT;
	st->memuse = st->inuse = 0;
#ifndef VMT_REV_22B7A3DBF6
	for (i = 0; i < SMP_MAXCPU; i++) {
		st->memuse += (long)mt.ks_memuse[i];
		st->inuse += (long)mt.ks_inuse[i];
	}
	st->calls = mt.ks_calls;
#else
	st->calls = 0;
	for (i = 0; i < SMP_MAXCPU; i++) {
		st->memuse += (long)mt.ks_use[i].memuse;
		st->inuse += (long)mt.ks_use[i].inuse;
		st->calls += mt.ks_use[i].calls;
	}
#endif
	return 0;
}
