/*
 * rt.h: the program's runtime: system calls, output, time, threads, the
 * counters shared by all its processes, and the kernel's malloc accounting.
 */
#ifndef VMT_RT_H
#define VMT_RT_H

#include <stdarg.h>
#include "dfly.h"

typedef unsigned long ulong;

/* sys.S: a system call, returning the value or -errno */
long sysc(long nr, long a1, long a2, long a3, long a4, long a5, long a6,
    long a7);
#define SC0(n)			sysc((n), 0, 0, 0, 0, 0, 0, 0)
#define SC1(n, a)		sysc((n), (long)(a), 0, 0, 0, 0, 0, 0)
#define SC2(n, a, b)		sysc((n), (long)(a), (long)(b), 0, 0, 0, 0, 0)
#define SC3(n, a, b, c)		sysc((n), (long)(a), (long)(b), (long)(c), \
				    0, 0, 0, 0)
#define SC4(n, a, b, c, d)	sysc((n), (long)(a), (long)(b), (long)(c), \
				    (long)(d), 0, 0, 0)
#define SC5(n, a, b, c, d, e)	sysc((n), (long)(a), (long)(b), (long)(c), \
				    (long)(d), (long)(e), 0, 0)
#define SC6(n, a, b, c, d, e, f) sysc((n), (long)(a), (long)(b), (long)(c), \
				    (long)(d), (long)(e), (long)(f), 0)
#define SC7(n, a, b, c, d, e, f, g) sysc((n), (long)(a), (long)(b), \
				    (long)(c), (long)(d), (long)(e), (long)(f), \
				    (long)(g))
/* a result is an error when it is -1 .. -4095 (addresses never are) */
#define IS_ERR(r)	((ulong)(r) >= (ulong)-4095L)
#define ERRNO(r)	(IS_ERR(r) ? (int)-(r) : 0)

/* sys.S: vmspace_ctl with a record of the context the kernel hands back */
struct ctl_probe {
	long id, cmd, tf, vf;			/* in */
	long ret, rdi, rsi, rbx, rbp, r12, r13, r14, r15;	/* out */
	long rsp_before, rsp_after;
};
long ctl_probe(struct ctl_probe *p);
_Static_assert(__builtin_offsetof(struct ctl_probe, ret) == 32 &&
    __builtin_offsetof(struct ctl_probe, rsp_before) == 104 &&
    __builtin_offsetof(struct ctl_probe, rsp_after) == 112, "sys.S's offsets");
#define PROBE_RBX	0x0b0b0b0b0b0b0b0bL
#define PROBE_RBP	0x0d0d0d0d0d0d0d0dL
#define PROBE_R12	0x1c1c1c1c1c1c1c1cL
#define PROBE_R13	0x1d1d1d1d1d1d1d1dL
#define PROBE_R14	0x1e1e1e1e1e1e1e1eL
#define PROBE_R15	0x1f1f1f1f1f1f1f1fL

/* memory and strings (gcc may emit calls to the first three) */
void *memset(void *d, int c, ulong n);
void *memcpy(void *d, const void *s, ulong n);
int memcmp(const void *a, const void *b, ulong n);
ulong slen(const char *s);
int streq(const char *a, const char *b);
/* occurrences of needle in buf[0..n) */
int count_str(const char *buf, ulong n, const char *needle);

/*
 * Output.  Every line is formatted into one buffer and written with one
 * write(2) to fd 1 (the console), so lines of concurrent writers do not mix.
 * Formats: %s %c %d %u %x %ld %lu %lx %%; %016lx-style zero padding.
 */
int vfmt(char *buf, int cap, const char *f, va_list ap);
int fmt(char *buf, int cap, const char *f, ...)
    __attribute__((format(printf, 3, 4)));
void out(const char *f, ...) __attribute__((format(printf, 1, 2)));
const char *errname(int e);

/*
 * The counters of the run, in a page every process of the run shares:
 * scenarios, calls, failed expectations, and the stress part's results.
 * Updated atomically.
 */
struct shared {
	int scenarios;
	int calls;
	int fails;
	int stress_threads;
	int stress_iters;		/* iterations the slowest thread completed */
	int stress_unexpected;
	int stress_capped;		/* threads stopped by the time cap */
	int stress_parked;		/* threads inside VMSPACEs at the exit */
};
extern struct shared *sh;
#define COUNTERS_PATH	"/vmtest.counters"
/* map the counters file (create: init, after / is read-write) */
void shared_init(int create);
static inline void atomic_inc(int *p) { __atomic_fetch_add(p, 1, __ATOMIC_SEQ_CST); }

/* the current scenario's name and the line prefix ("vmtest", ...) */
extern const char *cur_sc;
extern const char *cur_prefix;
void count_call(void);
/* "<prefix>: FAIL <scenario> ..." and one more failed expectation */
void fail(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* check that a call's result is the expected errno (0: success) */
int expect_errno(const char *what, long r, int want);

/* time */
long now_ms(void);
void sleep_ms(long ms);
static inline ulong rdtsc(void)
{
	unsigned int lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((ulong)hi << 32) | lo;
}
/* poll *p until it is nonzero, sleeping; 1 when it was seen, 0 on time out */
int wait_flag(volatile int *p, long timeout_ms);

/*
 * Threads: lwp_create(2) on a stack from a static pool.  A thread ends with
 * thread_exit(done): extexit(2) stores 1 into *done as its last act in user
 * mode and ends the LWP.
 */
#define MAX_THREADS	16
int thread_start(void (*fn)(void *), void *arg, int slot);
void thread_exit(int *done) __attribute__((noreturn));

/* processes */
long xfork(void);
/* wait4 for pid, bounded; on time out SIGKILL it.  Returns the status or -1 */
int wait_child(long pid, long timeout_ms);
void xexit(int status) __attribute__((noreturn));

/* sysctl by name (name2oid, then get/set an int); -errno on error */
long sysctl_int(const char *name, int *oldval, const int *newval);
int ncpu(void);
/* kern.msgbuf into buf, NUL-terminated; the length or -errno */
long read_msgbuf(char *buf, ulong cap);

/*
 * The kernel's accounting of the `vkernel` malloc type (M_VKERNEL), summed
 * over all cpus.  No sysctl exports malloc statistics at this revision, so
 * it is read the way vmstat -m reads them: kldsym(2) finds kmemstatistics,
 * /dev/kmem walks the list to the type whose short description is
 * "vkernel".  0 on success.
 */
struct kmstat {
	long memuse;	/* bytes held */
	long inuse;	/* allocations held */
	long calls;	/* allocations ever made */
};
int vkernel_malloc(struct kmstat *st);

#endif
