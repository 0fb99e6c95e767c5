/*
 * dfly.h: the DragonFly BSD x86_64 ABI this program needs, at c2e7bb204e;
 * with VMT_REV_22B7A3DBF6 (tests/qemu/build.sh OUT 22b7a3dbf6), at
 * 22b7a3dbf6 (DragonFly 5.0): VM_MAX_USER_ADDRESS 2 MB lower and
 * struct malloc_type's per-cpu counters in cache-aligned struct malloc_use.
 * The system call numbers, errno values and the other layouts used here are
 * the same at both revisions (checked against syscalls.master and the
 * headers of both).
 *
 * Written for this program from DragonFly's sys/kern/syscalls.master and
 * the layouts of its headers (no DragonFly header is included: the program
 * is built on Linux with the host gcc and no libc).  Only what is used.
 */
#ifndef VMT_DFLY_H
#define VMT_DFLY_H

/* System call numbers (sys/kern/syscalls.master). */
#define SYS_exit		1
#define SYS_fork		2
#define SYS_write		4
#define SYS_open		5
#define SYS_wait4		7
#define SYS_mount		21
#define SYS_kill		37
#define SYS_reboot		55
#define SYS_execve		59
#define SYS_munmap		73
#define SYS_mprotect		74
#define SYS_setitimer		83
#define SYS_extpread		173
#define SYS_mmap		197	/* addr len prot flags fd pad pos: 7 args */
#define SYS_ftruncate		201	/* fd pad length */
#define SYS___sysctl		202
#define SYS_clock_gettime	232
#define SYS_nanosleep		240
#define SYS_kldsym		337
#define SYS_sigaction		342
#define SYS_vmspace_create	486
#define SYS_vmspace_destroy	487
#define SYS_vmspace_ctl		488
#define SYS_vmspace_mmap	489	/* id addr len prot flags fd offset: 7 args */
#define SYS_vmspace_munmap	490
#define SYS_vmspace_mcontrol	491
#define SYS_vmspace_pread	492
#define SYS_vmspace_pwrite	493
#define SYS_extexit		494
#define SYS_lwp_create		495

/* errno values (sys/errno.h) */
#define EPERM		1
#define ENOENT		2
#define ESRCH		3
#define EINTR		4
#define EBADF		9
#define ECHILD		10
#define ENOMEM		12
#define EFAULT		14
#define EBUSY		16
#define EEXIST		17
#define EINVAL		22
#define EOPNOTSUPP	45
#define ETIMEDOUT	60

/* open(2), mount(2), wait4(2), reboot(2) */
#define O_RDONLY	0x0000
#define O_RDWR		0x0002
#define O_CREAT		0x0200
#define O_TRUNC		0x0400
#define MNT_UPDATE	0x00010000
#define WNOHANG		1
#define RB_HALT		0x0008
#define RB_POWEROFF	0x4000

/* mmap(2) and madvise/mcontrol (sys/mman.h) */
#define PROT_READ	0x01
#define PROT_WRITE	0x02
#define PROT_EXEC	0x04
#define MAP_SHARED	0x0001
#define MAP_PRIVATE	0x0002
#define MAP_FIXED	0x0010
#define MAP_FILE	0x0000
#define MAP_ANON	0x1000
#define MAP_VPAGETABLE	0x2000
#define MADV_NOSYNC	6
#define MADV_INVAL	10
#define MADV_SETMAP	11	/* MADV_CONTROL_END */

/* vmspace_ctl commands (sys/vmspace.h) */
#define VMSPACE_CTL_RUN	1

/* user address space (platform/pc64/include/vmparam.h) */
#define VM_MIN_USER_ADDRESS	0x0UL
#ifndef VMT_REV_22B7A3DBF6
#define VM_MAX_USER_ADDRESS	0x800000000000UL
#else
/* UVADDR(NUPDP_USER - 1, NPDPEPG - 1, NPDEPG - 1, 0): the top 2 MB left out
   (the AMD prefetch erratum, DragonFly 4.7 on) */
#define VM_MAX_USER_ADDRESS	0x7fffffe00000UL
#endif
#define PAGE_SIZE		4096UL

/* virtual page table entries (sys/vkernel.h) */
#define VPTE_V		0x001UL
#define VPTE_RW		0x002UL
#define VPTE_U		0x004UL
#define VPTE_A		0x020UL
#define VPTE_M		0x040UL

/* trap numbers (cpu/x86_64/include/trap.h) and page fault codes */
#define T_BPTFLT	3
#define T_PROTFLT	9
#define T_PAGEFLT	12
#define T_FAST_SYSCALL	0x81
#define PGEX_P		0x01
#define PGEX_W		0x02
#define PGEX_U		0x04

/* signals (sys/signal.h), itimers (sys/time.h), clocks */
#define SIGKILL		9
#define SIGALRM		14
#define ITIMER_REAL	0
#define CLOCK_MONOTONIC	4

/* extexit(2) (sys/unistd.h) */
#define EXTEXIT_SETINT	1
#define EXTEXIT_LWP	(1 << 16)

/* sysctl(3) */
#define CTL_HW		6
#define HW_NCPU		3
#define KLDSYM_LOOKUP	1

/* struct trapframe (cpu/x86_64/include/frame.h): 25 registers, 200 bytes */
struct trapframe {
	long tf_rdi, tf_rsi, tf_rdx, tf_rcx, tf_r8, tf_r9, tf_rax, tf_rbx;
	long tf_rbp, tf_r10, tf_r11, tf_r12, tf_r13, tf_r14, tf_r15;
	long tf_xflags, tf_trapno, tf_addr, tf_flags;
	long tf_err, tf_rip, tf_cs, tf_rflags, tf_rsp, tf_ss;
};

/* struct vextframe (cpu/x86_64/include/vframe.h): a struct savetls */
struct tls_info {
	void *base;
	long size;
};
struct vextframe {
	struct tls_info vx_tls[2];
};

/* struct lwp_params (sys/unistd.h) */
struct lwp_params {
	void (*lwp_func)(void *);
	void *lwp_arg;
	void *lwp_stack;
	int *lwp_tid1;
	int *lwp_tid2;
};

/* struct sigaction (sys/signal.h): handler, flags, 128-bit mask */
struct sigaction {
	void (*sa_handler)(int);
	int sa_flags;
	unsigned int sa_mask[4];
};

struct timespec {
	long tv_sec;
	long tv_nsec;
};
struct timeval {
	long tv_sec;
	long tv_usec;
};
struct itimerval {
	struct timeval it_interval;
	struct timeval it_value;
};

/* struct kld_sym_lookup (sys/linker.h) */
struct kld_sym_lookup {
	int version;		/* sizeof(struct kld_sym_lookup) */
	const char *symname;
	unsigned long symvalue;
	unsigned long symsize;
};

#ifndef VMT_REV_22B7A3DBF6
/*
 * struct malloc_type (sys/malloc.h) with SMP_MAXCPU 256: the kernel's
 * accounting of one malloc type, read through /dev/kmem.  4200 bytes.
 */
#define SMP_MAXCPU	256
struct malloc_type {
	unsigned long ks_next;			/* kernel pointer */
	unsigned long ks_memuse[SMP_MAXCPU];	/* bytes, per cpu */
	unsigned long ks_loosememuse;
	unsigned long ks_limit;
	long ks_size;
	unsigned long ks_inuse[SMP_MAXCPU];	/* allocations, per cpu */
	long ks_calls;
	long ks_maxused;
	unsigned int ks_magic;
	unsigned long ks_shortdesc;		/* kernel pointer */
	unsigned short ks_limblocks;
	unsigned short ks_mapblocks;
	long ks_reserved[4];
};
#else
/*
 * struct malloc_type at 22b7a3dbf6 (sys/malloc.h): the per-cpu counters
 * are one cache-aligned struct malloc_use per cpu (SMP_MAXCPU 256).
 * 16512 bytes.
 */
#define SMP_MAXCPU	256
struct malloc_use {
	unsigned long memuse;			/* bytes */
	unsigned long inuse;			/* allocations */
	long calls;
	unsigned long loosememuse;
} __attribute__((aligned(64)));
struct malloc_type {
	unsigned long ks_next;			/* kernel pointer */
	unsigned long ks_loosememuse;
	unsigned long ks_limit;
	struct malloc_use ks_use[SMP_MAXCPU];	/* per cpu */
	unsigned int ks_magic;
	unsigned long ks_shortdesc;		/* kernel pointer */
	long ks_reserved[4];
};
#endif

/* the layouts above, as DragonFly has them */
_Static_assert(sizeof(struct trapframe) == 200, "struct trapframe");
_Static_assert(__builtin_offsetof(struct trapframe, tf_trapno) == 128, "tf_trapno");
_Static_assert(__builtin_offsetof(struct trapframe, tf_rip) == 160, "tf_rip");
_Static_assert(sizeof(struct vextframe) == 32, "struct vextframe");
_Static_assert(sizeof(struct lwp_params) == 40, "struct lwp_params");
_Static_assert(sizeof(struct sigaction) == 32, "struct sigaction");
_Static_assert(sizeof(struct kld_sym_lookup) == 32, "struct kld_sym_lookup");
#ifndef VMT_REV_22B7A3DBF6
_Static_assert(sizeof(struct malloc_type) == 4200, "struct malloc_type");
_Static_assert(__builtin_offsetof(struct malloc_type, ks_inuse) == 2080, "ks_inuse");
_Static_assert(__builtin_offsetof(struct malloc_type, ks_shortdesc) == 4152, "ks_shortdesc");
#else
_Static_assert(sizeof(struct malloc_use) == 64, "struct malloc_use");
_Static_assert(sizeof(struct malloc_type) == 16512, "struct malloc_type");
_Static_assert(__builtin_offsetof(struct malloc_type, ks_use) == 64, "ks_use");
_Static_assert(__builtin_offsetof(struct malloc_type, ks_shortdesc) == 16456, "ks_shortdesc");
#endif

#endif
