/*
 * vm.h: the guest side set up the way vkernel64 sets it up (classic mode):
 * a memory-image file is the "physical memory"; the host maps it MAP_SHARED
 * to write page tables and code into it, and each VMSPACE maps it
 * MAP_VPAGETABLE over the whole user range, with vmspace_mcontrol
 * (MADV_SETMAP) naming the top page-table page (platform/vkernel64
 * cpu_vmspace_alloc).  Also: VMSPACE ids, and the vmspace_* calls as
 * printed, counted and checked lines.
 */
#ifndef VMT_VM_H
#define VMT_VM_H

#include "rt.h"

/*
 * Memory image: 64 pages.  Physical page numbers (file offset / 4096):
 */
#define IMG_PATH	"/memimg"
#define IMG_PAGES	64
#define IMG_SIZE	(IMG_PAGES * PAGE_SIZE)
#define PG_PML4		0	/* level 4: MADV_SETMAP's value points here */
#define PG_PDP		1
#define PG_PD		2
#define PG_PT		3	/* level 1, for guest addresses 0x400000-0x5fffff */
#define PG_CODE		4	/* guest.S, mapped read-only */
#define PG_VALA		5	/* two pages the MADV_INVAL scenario swaps */
#define PG_VALB		6
#define NSLOTS		16	/* one data and one stack page per guest thread */
#define PG_DATA(i)	(8 + (i))
#define PG_STACK(i)	(24 + (i))

/* Guest virtual addresses */
#define GVA_CODE	0x400000UL
#define GVA_WIN		0x404000UL	/* -> PG_VALA or PG_VALB */
#define GVA_DATA(i)	(0x410000UL + (ulong)(i) * PAGE_SIZE)
#define GVA_STACK(i)	(0x430000UL + (ulong)(i) * PAGE_SIZE)
#define GVA_STACK_TOP(i) (GVA_STACK(i) + PAGE_SIZE)
#define GVA_HOLE	0x500000UL	/* invalid page-table entry */
#define USER_SIZE	(VM_MAX_USER_ADDRESS - VM_MIN_USER_ADDRESS)

/* The protection of the VMSPACE's MAP_VPAGETABLE mapping of the image, as
   vkernel64's cpu_vmspace_alloc() has it: read/write at c2e7bb204e; at
   22b7a3dbf6 also PROT_EXEC (5.0's pmap and vm_fault honour execute
   permission: without it every guest instruction fetch faults). */
#ifndef VMT_REV_22B7A3DBF6
#define PROT_VM		(PROT_READ | PROT_WRITE)
#else
#define PROT_VM		(PROT_READ | PROT_WRITE | PROT_EXEC)
#endif

#define VALUE_A		0xaaaa0000aaaa0001UL
#define VALUE_B		0xbbbb0000bbbb0002UL
#define GUEST_SYSNO	0x5a5aL		/* %rax the guest "calls": never dispatched */

/* A guest thread's data page (PG_DATA(i)), seen by host and guest */
struct slot_data {
	int entered;	/* set by g_wait/g_park on entry */
	int release;	/* set by the host to let g_wait go on */
	long value;	/* g_store/g_load target */
};

extern int img_fd;
extern unsigned char *img;	/* the host's MAP_SHARED view of the image */

/* init: create the image file, size it, map it (inherited by children) */
int img_create(void);
/* write the page tables, the guest code, and clear the data pages */
void img_reset(void);
static inline ulong *img_page(int pg) { return (ulong *)(img + (ulong)pg * PAGE_SIZE); }
static inline struct slot_data *slot(int i) { return (struct slot_data *)img_page(PG_DATA(i)); }
/* the level-1 entry for a guest address in GVA_CODE .. GVA_HOLE+ */
static inline ulong *pte(ulong gva) { return &img_page(PG_PT)[(gva >> 12) & 511]; }
/* MADV_SETMAP's value: the level-4 page, valid, writable, user */
#define MASTER_PDE	((ulong)PG_PML4 * PAGE_SIZE | VPTE_V | VPTE_RW | VPTE_U)

/* Guest code entries (guest.S) */
extern char guest_start[], guest_end[];
extern char g_syscall[], g_load[], g_store[], g_stack[], g_spin[], g_int3[];
extern char g_hlt[], g_wait[], g_park[];
extern char g_syscall_ret[], g_load_ret[], g_store_ret[], g_stack_ret[];
extern char g_wait_ret[];
static inline ulong gva_of(const char *entry) { return GVA_CODE + (ulong)(entry - guest_start); }
/* "g_syscall+2" for a guest address in the code page */
const char *gva_name(ulong gva, char *buf, int cap);

/*
 * VMSPACE ids: like vkernel64 (&vm->vm_pmap), addresses in the host.  ID(n)
 * is n's id, ID_NULL the NULL id, ID_NOSUCH one never created.  Printed as
 * id<n>, NULL, nosuch.
 */
#define NIDS		16
#define ID_NULL		(-1)
#define ID_NOSUCH	(-2)
void *ID(int n);
const char *idname(const void *id);
/* a name for a host pointer passed to the kernel (tf, vf, ...) */
void name_ptr(const void *p, const char *name);
const char *ptrname(const void *p, char *buf, int cap);

/* Guest frames: all registers set to known values, rip at an entry */
void tf_init(struct trapframe *tf, const char *entry, int slot);

/*
 * The vmspace_* calls: each prints one line
 *   "<prefix>: <scenario> vmspace_x(args) = ret errno=N(NAME)",
 * counts a call and checks the errno against want (0: success).  The return
 * value is sysc's: the result or -errno.
 */
long v_create(void *id, long type, void *data, int want);
long v_destroy(void *id, int want);
long v_mmap(void *id, ulong addr, ulong len, int prot, int flags, int fd,
    long off, int want);
long v_munmap(void *id, ulong addr, ulong len, int want);
long v_mcontrol(void *id, ulong addr, ulong len, int behav, long value, int want);
long v_pread(void *id, void *buf, ulong n, int flags, long off, int want);
long v_pwrite(void *id, const void *buf, ulong n, int flags, long off, int want);
/* print "<prefix>: <scenario> <call> = <ret> errno=..", count it, check want */
void v_result(const char *call, long r, int want, int hex);
/* vmspace_ctl without entering (errors, unknown commands); context checked */
long v_ctl(void *id, long cmd, struct trapframe *tf, struct vextframe *vf, int want);

/*
 * vmspace_ctl(VMSPACE_CTL_RUN) into the guest and back through
 * vkernel_trap; prints the call, the check of the host's context, and the
 * copied-out frame.  Expected: return 0, tf_trapno and tf_err as given
 * (err -1: not checked), tf_rip at want_rip (0: not checked).  Fields that
 * are not deterministic (a signal's err, rip, rflags, %r8) are left out of
 * the line with RUN_ASYNC.
 */
#define RUN_ASYNC	0x1
long v_run(void *id, struct trapframe *tf, struct vextframe *vf, long trapno,
    long err, ulong want_rip, int flags);
void print_frame(const struct trapframe *tf, int flags);
/* compare one copied-out field, print FAIL on a difference */
void check_field(const char *name, long got, long want);

/*
 * The vkernel64 way to make a VMSPACE usable: create, map the image
 * MAP_VPAGETABLE over the user range, MADV_NOSYNC, MADV_SETMAP.  0 if all
 * succeeded.
 */
int vs_setup(void *id);

#endif
