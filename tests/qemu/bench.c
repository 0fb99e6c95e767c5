/*
 * bench.c: the cost of the main calls in the real kernel (run when
 * hw.ncpu == 1): rdtsc around a loop of each operation, after a warm-up.
 * Under TCG the absolute figures mean little; the ratio between two
 * kernels run the same way is the result.  Each loop stops at its
 * iteration count or, between batches, after BENCH_CAP_MS.
 *
 *   run_trap        vmspace_ctl(RUN) into g_syscall and back by vkernel_trap
 *   ctl_enoent      vmspace_ctl on an unknown id (entry and lookup only)
 *   mcontrol_inval  vmspace_mcontrol(MADV_INVAL) of one page, as
 *                   vkernel64's pmap_inval does
 *   mmap_munmap     vmspace_mmap(MAP_VPAGETABLE, 64 KB) + vmspace_munmap
 *   create_destroy  vmspace_create + vmspace_destroy
 */
#include "vm.h"
#include "scen.h"

#define BENCH_CAP_MS	3000
#define WARMUP		50

static struct trapframe tf, tf0;
static struct vextframe vf;

static void op_run_trap(void)
{
	tf = tf0;
	SC4(SYS_vmspace_ctl, ID(0), VMSPACE_CTL_RUN, &tf, &vf);
}

static void op_ctl_enoent(void)
{
	SC4(SYS_vmspace_ctl, ID(ID_NOSUCH), VMSPACE_CTL_RUN, &tf, &vf);
}

static void op_inval(void)
{
	SC5(SYS_vmspace_mcontrol, ID(0), GVA_CODE, PAGE_SIZE, MADV_INVAL, 0);
}

static void op_mmap_munmap(void)
{
	SC7(SYS_vmspace_mmap, ID(1), 0x10000000, 0x10000, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_VPAGETABLE | MAP_FIXED, img_fd, 0);
	SC3(SYS_vmspace_munmap, ID(1), 0x10000000, 0x10000);
}

static void op_create_destroy(void)
{
	SC3(SYS_vmspace_create, ID(2), 0, 0);
	SC1(SYS_vmspace_destroy, ID(2));
}

/*
 * Ten batches; the figure is the cheapest batch's cycles per operation:
 * under TCG the TSC follows the host's clock, so time the host gives to
 * other processes inflates a batch, never deflates it.
 */
#define BATCHES	10

static void bench(const char *name, void (*op)(void), long iters)
{
	ulong t0, per, best = ~0UL;
	long i, b, n = 0, end;

	for (i = 0; i < WARMUP; i++)
		op();
	end = now_ms() + BENCH_CAP_MS;
	for (b = 0; b < BATCHES && now_ms() <= end; b++) {
		t0 = rdtsc();
		for (i = 0; i < iters / BATCHES; i++)
			op();
		per = (rdtsc() - t0) / (ulong)(iters / BATCHES);
		if (per < best)
			best = per;
		n += iters / BATCHES;
	}
	out("vmbench: %s %lu %ld\n", name, best, n);
}

void bench_run(void)
{
	long r;

	cur_sc = "bench";
	img_reset();
	r = SC3(SYS_vmspace_create, ID(0), 0, 0);
	if (r == 0)
		r = SC7(SYS_vmspace_mmap, ID(0), 0, USER_SIZE, PROT_VM,
		    MAP_SHARED | MAP_VPAGETABLE | MAP_FIXED, img_fd, 0);
	if (r == 0)
		r = SC5(SYS_vmspace_mcontrol, ID(0), 0, USER_SIZE, MADV_SETMAP,
		    MASTER_PDE);
	if (r == 0)
		r = SC3(SYS_vmspace_create, ID(1), 0, 0);
	if (r != 0) {
		out("vmbench: FAIL setup errno=%d\n", ERRNO(r));
		return;
	}
	tf_init(&tf0, g_syscall, 0);
	/* one checked round trip before timing any */
	op_run_trap();
	if (tf.tf_trapno != T_FAST_SYSCALL) {
		out("vmbench: FAIL round trip: tf_trapno=0x%lx\n", tf.tf_trapno);
		return;
	}
	bench("run_trap", op_run_trap, 20000);
	bench("ctl_enoent", op_ctl_enoent, 20000);
	bench("mcontrol_inval", op_inval, 20000);
	bench("mmap_munmap", op_mmap_munmap, 10000);
	bench("create_destroy", op_create_destroy, 10000);
}
