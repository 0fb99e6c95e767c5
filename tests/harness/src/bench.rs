//! Cost of the C original and the Rust port, side by side (`make bench`,
//! docs/bench.md).
//!
//! A [`Workload`] is one path of one entry point (or the vkernel-like mix):
//! uncounted preparation steps, then the measured call(s).  Run under
//! callgrind ([`Mode::Count`]), collection is on only around the measured
//! calls and each workload's counts are dumped under its own name
//! ([`callgrind`]); scripts/bench-report.py then keeps the self cost of each
//! implementation's own functions.  Run natively ([`Mode::Time`]), the
//! measured calls are timed.  Every measured and preparation step checks its
//! result, so a workload measures the path it names, for both
//! implementations.

use crate::ffi::{self, trapframe};
use crate::{Hook, Impl, Step, World, EJUSTRETURN};
use std::time::{Duration, Instant};

/// Valgrind client requests (valgrind.h, callgrind.h), without linking
/// anything: the magic instruction sequence does nothing on a real cpu.
pub mod callgrind {
    /// VG_USERREQ__RUNNING_ON_VALGRIND.
    const RUNNING_ON_VALGRIND: usize = 0x1001;
    /// VG_USERREQ_TOOL_BASE('C','T'): callgrind's requests follow it.
    const BASE: usize = 0x4354_0000;
    const TOGGLE_COLLECT: usize = BASE + 2;
    const DUMP_STATS_AT: usize = BASE + 3;

    /// VALGRIND_DO_CLIENT_REQUEST_EXPR for amd64: `default` when not under
    /// valgrind.
    fn request(default: usize, req: usize, arg1: usize) -> usize {
        let args: [usize; 6] = [req, arg1, 0, 0, 0, 0];
        let result;
        // SAFETY: on a real cpu the rotations of %rdi add up to 128 bits and
        // `xchg %rbx,%rbx` swaps a register with itself: nothing changes but
        // the flags.  Valgrind recognises the sequence and reads the six
        // words at %rax (live for the asm), answering in %rdx.
        unsafe {
            core::arch::asm!(
                "rol rdi, 3", "rol rdi, 13", "rol rdi, 61", "rol rdi, 51",
                "xchg rbx, rbx",
                inout("rdx") default => result,
                in("rax") args.as_ptr(),
                options(nostack),
            );
        }
        result
    }

    pub fn running_on_valgrind() -> bool {
        request(0, RUNNING_ON_VALGRIND, 0) != 0
    }

    /// CALLGRIND_TOGGLE_COLLECT.
    pub fn toggle_collect() {
        request(0, TOGGLE_COLLECT, 0);
    }

    /// CALLGRIND_DUMP_STATS_AT(what): writes the counts collected since the
    /// last dump to a new file whose `desc:` line ends with `what`, and
    /// zeroes them.
    pub fn dump_stats_at(what: &str) {
        let s = std::ffi::CString::new(what).unwrap();
        request(0, DUMP_STATS_AT, s.as_ptr() as usize);
    }
}

/// Counting (under callgrind) or timing (natively).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    Count,
    Time,
}

/// A workload running on one world with one implementation.
pub struct Bench<'w> {
    pub w: &'w mut World,
    pub imp: Impl,
    mode: Mode,
    /// Time of the measured calls of the current repetition.
    elapsed: Duration,
    /// Measured calls made so far.
    calls: u32,
    /// The kernel-call trace of each measured call, when kept (the unit
    /// tests' check of the lookup paths, tracing on).
    traces: Option<Vec<Vec<String>>>,
}

/// What a step must return: a system call's errno (EJUSTRETURN included), a
/// kernel path's guard (1: the hook was called), or nothing (a hook).
#[derive(Clone, Copy, Debug)]
pub enum Want {
    Ret(i64),
    Called,
    Void,
}

impl Bench<'_> {
    fn check(&self, step: &Step, o: &crate::StepOutcome, want: Want) {
        let ok = o.fault.is_none()
            && match want {
                Want::Ret(r) => o.ret == Some(r),
                Want::Called => o.called && o.ret == Some(1),
                Want::Void => o.called && o.ret.is_none(),
            };
        assert!(ok, "{}: {step:?} gave {:?} (fault {:?}), want {want:?}", self.imp.name(), o.ret, o.fault);
    }

    /// A preparation step: not counted, not timed.
    pub fn run(&mut self, step: Step, want: Want) {
        let o = self.w.run_step(self.imp, &step);
        self.check(&step, &o, want);
    }

    /// A fresh world made by `setup`, not counted, not timed: for a
    /// repetition that cannot leave the world as it found it with both
    /// implementations (22b7a3dbf6's EBUSY destroy, below).
    pub fn renew(&mut self, setup: fn(&mut Bench)) {
        self.w.reset(1);
        self.w.set_tracing(false);
        self.w.set_snapshots(false);
        setup(self);
    }

    /// A measured step.
    pub fn measure(&mut self, step: Step, want: Want) {
        let o = match self.mode {
            Mode::Count => {
                callgrind::toggle_collect();
                let o = self.w.run_step(self.imp, &step);
                callgrind::toggle_collect();
                o
            }
            Mode::Time => {
                let t = Instant::now();
                let o = self.w.run_step(self.imp, &step);
                self.elapsed += t.elapsed();
                o
            }
        };
        self.calls += 1;
        if let Some(t) = &mut self.traces {
            t.push(o.trace.clone());
        }
        self.check(&step, &o, want);
    }
}

/// One path of an entry point, or a mix of calls.
pub struct Workload {
    /// The entry point measured, or "mix".
    pub entry: &'static str,
    /// The path ("new VMSPACE", "ENOENT", ...).
    pub case: &'static str,
    /// A success path: its Rust/C instruction ratio has the <= 1.00 target.
    pub success: bool,
    /// Run once on a fresh world.
    pub setup: fn(&mut Bench),
    /// One repetition: preparation and measured calls; leaves the world as
    /// it found it, so that every repetition measures the same thing.
    pub rep: fn(&mut Bench),
}

// ---------------------------------------------------------------------------
// The world of the workloads: a vkernel process (pid 1) with two vcpu LWPs,
// the user memory its vmspace_ctl() calls read, and NBG VMSPACEs.

const VK: i32 = 1;
const RW: i32 = (ffi::PROT_READ | ffi::PROT_WRITE) as i32;
const RUN: i32 = ffi::VMSPACE_CTL_RUN as i32;
/// A VMSPACE per emulated process: the lookups walk a tree of this many.
const NBG: u64 = 8;
/// vkernel64's mapping of a whole VMSPACE (0..VM_MAX_USER_ADDRESS).
fn user_len() -> u64 {
    crate::vm_max_user_address()
}
/// MAP_SHARED|MAP_FIXED|MAP_VPAGETABLE as vkernel64 maps its memory image,
/// anonymous here (the model has no files).
const VPT: i32 = (ffi::MAP_SHARED | ffi::MAP_FIXED | ffi::MAP_VPAGETABLE | ffi::MAP_ANON) as i32;
const T_FAST_SYSCALL: i64 = 0x81;

fn e(errno: u32) -> Want {
    Want::Ret(errno as i64)
}

fn ua() -> u64 {
    World::user_window().0
}
/// The guest's trapframe and vextframe in the vkernel's memory.
fn tframe() -> u64 {
    ua() + 0x1000
}
fn vframe() -> u64 {
    ua() + 0x2000
}
/// Background VMSPACE i (ids in the user window, as vkernel64's are user
/// addresses); `fresh()` sorts among them and is never created by setup.
fn bg(i: u64) -> u64 {
    ua() + 0x10_0000 + (2 * i + 1) * 0x1000
}
fn fresh() -> u64 {
    bg(NBG / 2) - 0x1000
}
/// The VMSPACE the lookups find: mid-tree.
fn hot() -> u64 {
    bg(NBG / 2)
}
/// A VMM guest's page table root (a CR3 value).
const CR3: u64 = 0x1234_5000;

fn bytes<T: Copy>(v: &T) -> Vec<u8> {
    // SAFETY: T is a plain C structure; its bytes are copied.
    unsafe { std::slice::from_raw_parts(v as *const T as *const u8, std::mem::size_of::<T>()) }.to_vec()
}

/// Process `pid` with LWPs 1 and 2 and the vkernel's user memory.
fn new_vkernel_proc(b: &mut Bench, pid: i32) {
    let w = &mut *b.w;
    w.new_proc(pid);
    w.new_lwp(pid, 1);
    w.new_lwp(pid, 2);
    w.user_map(pid, ua(), 0x4000, RW).unwrap();
    let guest = trapframe { tf_rip: 0x4000_1000, tf_rsp: 0x7fff_0000, tf_rflags: 0x202, ..Default::default() };
    w.user_write(pid, tframe(), &bytes(&guest)).unwrap();
    let mut vx = ffi::vextframe::default();
    vx.vx_tls.info[0].base = 0x1111 as *mut _;
    w.user_write(pid, vframe(), &bytes(&vx)).unwrap();
    for tid in [1, 2] {
        let k = trapframe { tf_rip: 0xaaaa, tf_rflags: 0x202, ..Default::default() };
        w.set_frame(pid, tid, &k);
    }
}

/// The usual world: the vkernel process with its NBG VMSPACEs.
fn vkernel(b: &mut Bench) {
    new_vkernel_proc(b, VK);
    for i in 0..NBG {
        b.run(create(1, bg(i)), Want::Ret(0));
    }
}

/// The vkernel and pid 2, a process that never made a VMSPACE call.
fn vkernel_and_plain(b: &mut Bench) {
    vkernel(b);
    new_vkernel_proc(b, 2);
}

/// As vkernel(), LWP 2 running in the mid-tree VMSPACE.
fn vkernel_busy(b: &mut Bench) {
    vkernel(b);
    b.run(ctl(2, hot(), RUN), Want::Ret(EJUSTRETURN));
}

/// As vkernel(), each vcpu LWP having run once (its vkernel_lwp exists;
/// at 22b7a3dbf6 each caches the mid-tree VMSPACE).
fn vkernel_warm(b: &mut Bench) {
    vkernel(b);
    for tid in [1, 2] {
        b.run(ctl(tid, hot(), RUN), Want::Ret(EJUSTRETURN));
        b.run(trap(tid), Want::Called);
    }
}

/// As vkernel_warm(), LWP 2 being a VMM guest thread.
fn vkernel_vmm(b: &mut Bench) {
    vkernel_warm(b);
    b.w.set_td_vmm(VK, 2, true);
}

fn create(tid: i32, id: u64) -> Step {
    Step::Create { pid: VK, tid, id, ty: 0, data: 0 }
}
fn destroy(pid: i32, id: u64) -> Step {
    Step::Destroy { pid, tid: 1, id }
}
fn ctl(tid: i32, id: u64, cmd: i32) -> Step {
    Step::Ctl { pid: VK, tid, id, cmd, tframe: tframe(), vframe: vframe() }
}
fn ctl_by(pid: i32, id: u64) -> Step {
    Step::Ctl { pid, tid: 1, id, cmd: RUN, tframe: tframe(), vframe: vframe() }
}
/// The guest makes a system call: its frame goes back to the vkernel.
fn trap(tid: i32) -> Step {
    let frame = trapframe { tf_rip: 0x4000_2000, tf_trapno: T_FAST_SYSCALL, tf_rflags: 0x202, ..Default::default() };
    Step::Trap { pid: VK, tid, frame: Some(frame) }
}
fn mmap(pid: i32, id: u64, addr: u64, len: u64, flags: i32) -> Step {
    Step::Mmap { pid, tid: 1, id, addr, len, prot: RW, flags, fd: -1, offset: 0 }
}
fn munmap(pid: i32, id: u64, addr: u64, len: u64) -> Step {
    Step::Munmap { pid, tid: 1, id, addr, len }
}
fn mcontrol(pid: i32, id: u64, addr: u64, len: u64, behav: u32, value: i64) -> Step {
    Step::Mcontrol { pid, tid: 1, id, addr, len, behav: behav as i32, value }
}
fn pread(pid: i32, id: u64) -> Step {
    Step::Pread { pid, tid: 1, id, buf: ua(), nbyte: 4096, flags: 0, offset: 0 }
}
fn pwrite(pid: i32, id: u64) -> Step {
    Step::Pwrite { pid, tid: 1, id, buf: ua(), nbyte: 4096, flags: 0, offset: 0 }
}
fn hook(hook: Hook) -> Step {
    Step::Hook { pid: VK, tid: 1, hook }
}

/// vkernel64's cpu_vmspace_alloc(): create, map the memory image, NOSYNC,
/// SETMAP to the page table root.
fn alloc_vmspace(b: &mut Bench, id: u64, measured: bool) {
    let steps = [
        (create(1, id), Want::Ret(0)),
        (mmap(VK, id, 0, user_len(), VPT), Want::Ret(0)),
        (mcontrol(VK, id, 0, user_len(), ffi::MADV_NOSYNC, 0), Want::Ret(0)),
        (mcontrol(VK, id, 0, user_len(), ffi::MADV_SETMAP, 0x5000 | 7), Want::Ret(0)),
    ];
    for (s, want) in steps {
        if measured {
            b.measure(s, want);
        } else {
            b.run(s, want);
        }
    }
}

fn nothing(_: &mut Bench) {}

/// 22b7a3dbf6: LWP 1 runs VMSPACE `fresh()` (so caches it), which is then
/// destroyed: the cache keeps a stale entry, marked deleted, whose memory
/// its cache reference keeps.  With `recreate`, a new VMSPACE takes the id.
#[cfg(rev_2017)]
fn stale_fresh(b: &mut Bench, recreate: bool) {
    b.run(create(1, fresh()), Want::Ret(0));
    b.run(ctl(1, fresh(), RUN), Want::Ret(EJUSTRETURN));
    b.run(trap(1), Want::Called);
    b.run(destroy(VK, fresh()), Want::Ret(0));
    if recreate {
        b.run(create(1, fresh()), Want::Ret(0));
    }
}

/// 22b7a3dbf6: LWP `tid` caches hot() again, as after vkernel_warm().
#[cfg(rev_2017)]
fn recache_hot(b: &mut Bench, tid: i32) {
    b.run(ctl(tid, hot(), RUN), Want::Ret(EJUSTRETURN));
    b.run(trap(tid), Want::Called);
}

/// The workloads, each optionally under `#[cfg(...)]`: those of one
/// revision only (`rev_2017`: the lookup cache of 22b7a3dbf6) sit beside
/// the common ones of their entry point.
macro_rules! workloads {
    ($( $(#[$attr:meta])* $entry:literal, $case:literal, $success:literal, $setup:expr, |$b:ident| $rep:block; )*) => {
        /// Every workload, grouped by entry point, success paths first.
        pub fn workloads() -> Vec<Workload> {
            let mut v = Vec::new();
            $( $(#[$attr])* v.push(Workload {
                entry: $entry,
                case: $case,
                success: $success,
                setup: $setup,
                rep: |$b: &mut Bench| $rep,
            }); )*
            v
        }
    };
}

workloads! {
    "sys_vmspace_create", "new VMSPACE", true, vkernel, |b| {
        b.measure(create(1, fresh()), Want::Ret(0));
        b.run(destroy(VK, fresh()), Want::Ret(0));
    };
    "sys_vmspace_create", "first call (allocates the vkernel_proc)", true, |b| new_vkernel_proc(b, VK), |b| {
        b.measure(create(1, fresh()), Want::Ret(0));
        b.run(hook(Hook::Exit { pid: VK }), Want::Void);
    };
    "sys_vmspace_create", "VMM thread (nothing to create)", true, vkernel_vmm, |b| {
        b.measure(create(2, fresh()), Want::Ret(0));
    };
    "sys_vmspace_create", "EEXIST", false, vkernel, |b| {
        b.measure(create(1, hot()), e(ffi::EEXIST));
    };
    "sys_vmspace_create", "EOPNOTSUPP (vkernel_enable=0)", false, vkernel, |b| {
        b.w.set_vkernel_enable(false);
        b.measure(create(1, fresh()), e(ffi::EOPNOTSUPP));
        b.w.set_vkernel_enable(true);
    };

    "sys_vmspace_destroy", "destroy a VMSPACE", true, vkernel, |b| {
        b.run(create(1, fresh()), Want::Ret(0));
        b.measure(destroy(VK, fresh()), Want::Ret(0));
    };
    #[cfg(rev_2017)]
    "sys_vmspace_destroy", "destroy a VMSPACE both LWPs cache (cache references outstanding)", true, vkernel_warm, |b| {
        b.run(create(1, fresh()), Want::Ret(0));
        for tid in [1, 2] {
            b.run(ctl(tid, fresh(), RUN), Want::Ret(EJUSTRETURN));
            b.run(trap(tid), Want::Called);
        }
        b.measure(destroy(VK, fresh()), Want::Ret(0));
        // The LWPs' next lookups drop their cache references: the last frees it.
        recache_hot(b, 1);
        recache_hot(b, 2);
    };
    "sys_vmspace_destroy", "ENOENT", false, vkernel, |b| {
        b.measure(destroy(VK, fresh()), e(ffi::ENOENT));
    };
    "sys_vmspace_destroy", "EBUSY (an LWP runs in it)", false, vkernel_busy, |b| {
        b.measure(destroy(VK, hot()), e(ffi::EBUSY));
        // 22b7a3dbf6's C keeps the lookup's active reference on EBUSY (a
        // known upstream bug the port fixes, an allowed divergence): its
        // ve->refs is one higher after each call than the port's, so the
        // world cannot be left as found; each repetition gets a fresh one.
        if cfg!(rev_2017) {
            b.renew(vkernel_busy);
        }
    };
    "sys_vmspace_destroy", "EINVAL (no vkernel_proc)", false, vkernel_and_plain, |b| {
        b.measure(destroy(2, hot()), e(ffi::EINVAL));
    };

    "sys_vmspace_ctl", "RUN", true, vkernel_warm, |b| {
        b.measure(ctl(1, hot(), RUN), Want::Ret(EJUSTRETURN));
        b.run(trap(1), Want::Called);
    };
    "sys_vmspace_ctl", "first RUN of an LWP (allocates the vkernel_lwp)", true, vkernel, |b| {
        b.measure(ctl(1, hot(), RUN), Want::Ret(EJUSTRETURN));
        b.run(trap(1), Want::Called);
        b.run(hook(Hook::LwpExit { pid: VK, tid: 1 }), Want::Void);
    };
    "sys_vmspace_ctl", "RUN, VMM guest thread", true, vkernel_vmm, |b| {
        b.measure(ctl(2, CR3, RUN), Want::Ret(EJUSTRETURN));
        b.run(trap(2), Want::Called);
    };
    #[cfg(rev_2017)]
    "sys_vmspace_ctl", "RUN of another VMSPACE than the cached one (lookup under the shared token, cache switched)", true, vkernel_warm, |b| {
        b.measure(ctl(1, bg(1), RUN), Want::Ret(EJUSTRETURN));
        b.run(trap(1), Want::Called);
        recache_hot(b, 1);
    };
    #[cfg(rev_2017)]
    "sys_vmspace_ctl", "RUN, stale cache entry (VMSPACE destroyed and re-created under its id)", true, vkernel_warm, |b| {
        stale_fresh(b, true);
        b.measure(ctl(1, fresh(), RUN), Want::Ret(EJUSTRETURN));
        b.run(trap(1), Want::Called);
        recache_hot(b, 1);
        b.run(destroy(VK, fresh()), Want::Ret(0));
    };
    "sys_vmspace_ctl", "ENOENT", false, vkernel_warm, |b| {
        b.measure(ctl(1, fresh(), RUN), e(ffi::ENOENT));
    };
    "sys_vmspace_ctl", "EOPNOTSUPP (unknown command)", false, vkernel_warm, |b| {
        b.measure(ctl(1, hot(), 99), e(ffi::EOPNOTSUPP));
    };
    "sys_vmspace_ctl", "EFAULT (restores the caller's context)", false, vkernel_warm, |b| {
        b.w.user_fault(VK, vframe(), 1, true);
        b.measure(ctl(1, hot(), RUN), e(ffi::EFAULT));
        b.w.user_fault(VK, vframe(), 1, false);
    };
    "sys_vmspace_ctl", "EINVAL (no vkernel_proc)", false, vkernel_and_plain, |b| {
        b.measure(ctl_by(2, hot()), e(ffi::EINVAL));
    };

    "sys_vmspace_mmap", "map a page table", true, |b| {
        vkernel(b);
        b.run(mmap(VK, hot(), 0x10000, 0x4000, VPT), Want::Ret(0));
    }, |b| {
        b.measure(mmap(VK, hot(), 0x10000, 0x4000, VPT), Want::Ret(0));
    };
    #[cfg(rev_2017)]
    "sys_vmspace_mmap", "map a page table, VMSPACE cached by the LWP (cache hit)", true, |b| {
        vkernel_warm(b);
        b.run(mmap(VK, hot(), 0x10000, 0x4000, VPT), Want::Ret(0));
    }, |b| {
        b.measure(mmap(VK, hot(), 0x10000, 0x4000, VPT), Want::Ret(0));
    };
    #[cfg(rev_2017)]
    "sys_vmspace_mmap", "map a page table, stale cache entry (VMSPACE destroyed and re-created under its id)", true, vkernel_warm, |b| {
        stale_fresh(b, true);
        b.measure(mmap(VK, fresh(), 0x10000, 0x4000, VPT), Want::Ret(0));
        b.run(destroy(VK, fresh()), Want::Ret(0));
        recache_hot(b, 1);
    };
    "sys_vmspace_mmap", "ENOENT", false, vkernel, |b| {
        b.measure(mmap(VK, fresh(), 0x10000, 0x4000, VPT), e(ffi::ENOENT));
    };
    "sys_vmspace_mmap", "EINVAL (from kern_mmap: length 0)", false, vkernel, |b| {
        b.measure(mmap(VK, hot(), 0x10000, 0, VPT), e(ffi::EINVAL));
    };
    "sys_vmspace_mmap", "EINVAL (no vkernel_proc)", false, vkernel_and_plain, |b| {
        b.measure(mmap(2, hot(), 0x10000, 0x4000, VPT), e(ffi::EINVAL));
    };

    "sys_vmspace_munmap", "unmap", true, vkernel, |b| {
        b.run(mmap(VK, hot(), 0x10000, 0x4000, VPT), Want::Ret(0));
        b.measure(munmap(VK, hot(), 0x10000, 0x4000), Want::Ret(0));
    };
    "sys_vmspace_munmap", "length 0", true, vkernel, |b| {
        b.measure(munmap(VK, hot(), 0x10000, 0), Want::Ret(0));
    };
    #[cfg(rev_2017)]
    "sys_vmspace_munmap", "unmap, VMSPACE cached by the LWP (cache hit)", true, vkernel_warm, |b| {
        b.run(mmap(VK, hot(), 0x10000, 0x4000, VPT), Want::Ret(0));
        b.measure(munmap(VK, hot(), 0x10000, 0x4000), Want::Ret(0));
    };
    "sys_vmspace_munmap", "ENOENT", false, vkernel, |b| {
        b.measure(munmap(VK, fresh(), 0x10000, 0x4000), e(ffi::ENOENT));
    };
    "sys_vmspace_munmap", "EINVAL (not mapped)", false, vkernel, |b| {
        b.measure(munmap(VK, hot(), 0x10000, 0x4000), e(ffi::EINVAL));
    };
    "sys_vmspace_munmap", "EINVAL (wraps)", false, vkernel, |b| {
        b.measure(munmap(VK, hot(), 0x10000, u64::MAX - 0x100), e(ffi::EINVAL));
    };

    "sys_vmspace_mcontrol", "MADV_INVAL of a page", true, |b| {
        vkernel(b);
        b.run(mmap(VK, hot(), 0, user_len(), VPT), Want::Ret(0));
    }, |b| {
        b.measure(mcontrol(VK, hot(), 0x40_0000, 0x1000, ffi::MADV_INVAL, 0), Want::Ret(0));
    };
    "sys_vmspace_mcontrol", "MADV_SETMAP", true, |b| {
        vkernel(b);
        b.run(mmap(VK, hot(), 0, user_len(), VPT), Want::Ret(0));
    }, |b| {
        b.measure(mcontrol(VK, hot(), 0, user_len(), ffi::MADV_SETMAP, 0x5007), Want::Ret(0));
    };
    #[cfg(rev_2017)]
    "sys_vmspace_mcontrol", "MADV_INVAL of a page, VMSPACE cached by the LWP (cache hit)", true, |b| {
        vkernel_warm(b);
        b.run(mmap(VK, hot(), 0, user_len(), VPT), Want::Ret(0));
    }, |b| {
        b.measure(mcontrol(VK, hot(), 0x40_0000, 0x1000, ffi::MADV_INVAL, 0), Want::Ret(0));
    };
    "sys_vmspace_mcontrol", "ENOENT", false, vkernel, |b| {
        b.measure(mcontrol(VK, fresh(), 0, 0x1000, ffi::MADV_INVAL, 0), e(ffi::ENOENT));
    };
    "sys_vmspace_mcontrol", "EINVAL (unknown behaviour)", false, vkernel, |b| {
        b.measure(mcontrol(VK, hot(), 0, 0x1000, 12, 0), e(ffi::EINVAL));
    };
    "sys_vmspace_mcontrol", "EINVAL (range past the user space)", false, vkernel, |b| {
        b.measure(mcontrol(VK, hot(), user_len() - 0x1000, 0x2000, ffi::MADV_INVAL, 0), e(ffi::EINVAL));
    };

    "sys_vmspace_pread", "existing VMSPACE (not implemented: EINVAL)", true, vkernel, |b| {
        b.measure(pread(VK, hot()), e(ffi::EINVAL));
    };
    #[cfg(rev_2017)]
    "sys_vmspace_pread", "existing VMSPACE cached by the LWP (cache hit; EINVAL)", true, vkernel_warm, |b| {
        b.measure(pread(VK, hot()), e(ffi::EINVAL));
    };
    "sys_vmspace_pread", "ENOENT", false, vkernel, |b| {
        b.measure(pread(VK, fresh()), e(ffi::ENOENT));
    };
    #[cfg(rev_2017)]
    "sys_vmspace_pread", "ENOENT, stale cache entry (VMSPACE destroyed: its memory freed)", false, vkernel_warm, |b| {
        stale_fresh(b, false);
        b.measure(pread(VK, fresh()), e(ffi::ENOENT));
        recache_hot(b, 1);
    };
    "sys_vmspace_pwrite", "existing VMSPACE (not implemented: EINVAL)", true, vkernel, |b| {
        b.measure(pwrite(VK, hot()), e(ffi::EINVAL));
    };
    #[cfg(rev_2017)]
    "sys_vmspace_pwrite", "existing VMSPACE cached by the LWP (cache hit; EINVAL)", true, vkernel_warm, |b| {
        b.measure(pwrite(VK, hot()), e(ffi::EINVAL));
    };
    "sys_vmspace_pwrite", "ENOENT", false, vkernel, |b| {
        b.measure(pwrite(VK, fresh()), e(ffi::ENOENT));
    };

    "vkernel_inherit", "fork of a vkernel process", true, vkernel, |b| {
        b.measure(Step::Fork { pid: VK, tid: 1, child: 2, child_tid: 1 }, Want::Called);
        b.run(Step::Exit { pid: 2, tid: 1 }, Want::Called);
    };

    "vkernel_exit", "last process: destroys its VMSPACEs", true, nothing, |b| {
        vkernel_warm(b);
        b.measure(hook(Hook::Exit { pid: VK }), Want::Void);
        b.run(Step::Exit { pid: VK, tid: 1 }, Want::Ret(0));
    };
    "vkernel_exit", "a forked child (shared vkernel_proc)", true, vkernel, |b| {
        b.run(Step::Fork { pid: VK, tid: 1, child: 2, child_tid: 1 }, Want::Called);
        b.measure(Step::Hook { pid: 2, tid: 1, hook: Hook::Exit { pid: 2 } }, Want::Void);
        b.run(Step::Exit { pid: 2, tid: 1 }, Want::Ret(0));
    };

    "vkernel_lwp_exit", "LWP with a vkernel_lwp", true, vkernel, |b| {
        b.run(ctl(2, hot(), RUN), Want::Ret(EJUSTRETURN));
        b.run(trap(2), Want::Called);
        b.measure(hook(Hook::LwpExit { pid: VK, tid: 2 }), Want::Void);
    };
    #[cfg(rev_2017)]
    "vkernel_lwp_exit", "LWP caching a destroyed VMSPACE (its last reference: frees it)", true, vkernel, |b| {
        b.run(create(1, fresh()), Want::Ret(0));
        b.run(ctl(2, fresh(), RUN), Want::Ret(EJUSTRETURN));
        b.run(trap(2), Want::Called);
        b.run(destroy(VK, fresh()), Want::Ret(0));
        b.measure(hook(Hook::LwpExit { pid: VK, tid: 2 }), Want::Void);
    };
    "vkernel_lwp_exit", "killed with an active VMSPACE", false, vkernel, |b| {
        b.run(ctl(2, hot(), RUN), Want::Ret(EJUSTRETURN));
        b.measure(hook(Hook::LwpExit { pid: VK, tid: 2 }), Want::Void);
    };

    "vkernel_trap", "back to the vkernel", true, vkernel_warm, |b| {
        b.run(ctl(1, hot(), RUN), Want::Ret(EJUSTRETURN));
        b.measure(trap(1), Want::Called);
    };
    "vkernel_trap", "back to the vkernel, VMM guest thread", true, vkernel_vmm, |b| {
        b.run(ctl(2, CR3, RUN), Want::Ret(EJUSTRETURN));
        b.measure(trap(2), Want::Called);
    };
    "vkernel_trap", "copyout fails", false, vkernel_warm, |b| {
        b.run(ctl(1, hot(), RUN), Want::Ret(EJUSTRETURN));
        b.w.user_fault(VK, tframe(), 1, true);
        b.measure(trap(1), Want::Called);
        b.w.user_fault(VK, tframe(), 1, false);
    };

    "mix", "vkernel session: create, mmap, mcontrol, 32 x (ctl RUN + trap), 8 x MADV_INVAL, munmap, destroy, exit", true, nothing, |b| {
        vkernel_session(b);
    };
}

/// The vkernel-like mix, as vkernel64 drives the API
/// (/work/notes/vkernel64-usage.md): boot makes VMSPACE V1 (init), a
/// process V2 runs on both vcpus, with syscalls and page faults coming back
/// through vkernel_trap and invalidations in between; it is unmapped and
/// destroyed; the vkernel exits with V1 left.
fn vkernel_session(b: &mut Bench) {
    new_vkernel_proc(b, VK);
    let (v1, v2) = (bg(0), bg(1));
    alloc_vmspace(b, v1, true);
    alloc_vmspace(b, v2, true);
    for i in 0..32u64 {
        let tid = 1 + (i % 2) as i32;
        b.measure(ctl(tid, v2, RUN), Want::Ret(EJUSTRETURN));
        b.measure(trap(tid), Want::Called);
        if i % 4 == 3 {
            b.measure(mcontrol(VK, v2, 0x40_0000 + i * 0x1000, 0x1000, ffi::MADV_INVAL, 0), Want::Ret(0));
        }
    }
    b.measure(munmap(VK, v2, 0, user_len()), Want::Ret(0));
    b.measure(destroy(VK, v2), Want::Ret(0));
    b.measure(Step::LwpExit { pid: VK, tid: 2 }, Want::Called);
    b.measure(Step::Exit { pid: VK, tid: 1 }, Want::Called);
}

/// Runs workload `wl` with `imp`: a fresh world, its setup, `reps`
/// repetitions.  Counting: the counts go to a callgrind dump named
/// "bench <impl> <index> <reps> <calls>" (calls: all measured calls).
/// Returns the measured calls per repetition and, timing, each
/// repetition's time.
pub fn run(w: &mut World, imp: Impl, index: usize, wl: &Workload, mode: Mode, reps: u32) -> (u32, Vec<Duration>) {
    w.reset(1);
    w.set_tracing(false);
    w.set_snapshots(false);
    let mut b = Bench { w, imp, mode, elapsed: Duration::ZERO, calls: 0, traces: None };
    (wl.setup)(&mut b);
    let mut times = Vec::with_capacity(reps as usize);
    for _ in 0..reps {
        b.elapsed = Duration::ZERO;
        (wl.rep)(&mut b);
        times.push(b.elapsed);
    }
    let per_rep = b.calls / reps.max(1);
    if mode == Mode::Count {
        callgrind::dump_stats_at(&format!("bench {} {index} {reps} {}", imp.name(), b.calls));
    }
    (per_rep, times)
}

/// The harness's own cost per step, natively: the median time of a step
/// that runs an empty kernel function on a model thread (what every
/// measured step pays besides the implementation and the model functions
/// it calls).
pub fn floor(w: &mut World, reps: u32) -> f64 {
    unsafe extern "C" fn empty(_: *mut core::ffi::c_void) -> core::ffi::c_int {
        0
    }
    w.reset(1);
    w.set_tracing(false);
    w.set_snapshots(false);
    w.new_proc_lwp(VK);
    let mut b = Bench { w, imp: Impl::C, mode: Mode::Time, elapsed: Duration::ZERO, calls: 0, traces: None };
    let mut times = Vec::with_capacity(reps as usize);
    for _ in 0..reps {
        b.elapsed = Duration::ZERO;
        b.measure(Step::Kernel { pid: VK, tid: 1, f: empty, arg: 0 }, Want::Ret(0));
        times.push(b.elapsed);
    }
    times.sort();
    times[times.len() / 2].as_nanos() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every workload reaches the path it names with both implementations
    /// (each step checks its result), repetition after repetition: what
    /// `make bench` measures is what its table says.
    #[test]
    fn every_workload_takes_its_path_in_both_implementations() {
        let mut w = World::new(1);
        for (i, wl) in workloads().iter().enumerate() {
            for imp in Impl::all() {
                let (calls, times) = run(&mut w, *imp, i, wl, Mode::Time, 3);
                assert!(calls > 0, "{}: {}: nothing measured", wl.entry, wl.case);
                assert_eq!(times.len(), 3);
                assert!(w.fault().is_none(), "{}: {}: {:?}", wl.entry, wl.case, w.fault());
            }
        }
    }

    /// The kernel-call traces of the measured calls of one repetition,
    /// tracing on.
    #[cfg(rev_2017)]
    fn measured_traces(w: &mut World, imp: Impl, wl: &Workload) -> Vec<Vec<String>> {
        w.reset(1);
        w.set_snapshots(false);
        let mut b = Bench { w, imp, mode: Mode::Time, elapsed: Duration::ZERO, calls: 0, traces: None };
        (wl.setup)(&mut b);
        b.w.set_tracing(true);
        b.traces = Some(Vec::new());
        (wl.rep)(&mut b);
        b.traces.take().unwrap()
    }

    /// 22b7a3dbf6: the workloads named for a lookup path take it, with both
    /// implementations: a cache hit takes no token, a lookup in the tree
    /// (no entry cached, another one cached) takes vkp->token shared, a
    /// stale cache entry is freed by the lookup that finds it deleted; a
    /// destroy with cache references outstanding frees nothing, the last
    /// cache reference frees the entry.
    #[cfg(rev_2017)]
    #[test]
    fn lookup_paths_of_22b7a3dbf6() {
        const SHARED: &str = "lwkt_gettoken_shared(";
        const FREE: &str = "kfree(ve#";
        // (words of the path, trace lines that must be there, must not)
        let expect: &[(&str, &[&str], &[&str])] = &[
            ("(cache hit", &[], &[SHARED, FREE]),
            ("cache hit;", &[], &[SHARED, FREE]),
            ("another VMSPACE than the cached one", &[SHARED], &[FREE]),
            ("stale cache entry", &[FREE], &[]),
            ("cache references outstanding", &[], &[FREE]),
            ("its last reference: frees it", &[FREE], &[SHARED]),
            ("first RUN of an LWP", &[SHARED], &[]),
        ];
        let mut w = World::new(1);
        let mut checked = 0;
        for wl in workloads() {
            for (words, have, not) in expect {
                if !wl.case.contains(words) {
                    continue;
                }
                for imp in Impl::all() {
                    for trace in measured_traces(&mut w, *imp, &wl) {
                        for line in *have {
                            assert!(
                                trace.iter().any(|l| l.contains(line)),
                                "{}: {}: no {line} in {trace:?}",
                                wl.entry,
                                wl.case
                            );
                        }
                        for line in *not {
                            assert!(
                                !trace.iter().any(|l| l.contains(line)),
                                "{}: {}: {line} in {trace:?}",
                                wl.entry,
                                wl.case
                            );
                        }
                    }
                }
                checked += 1;
            }
        }
        assert!(checked >= 10, "{checked} workloads checked");
    }
}
