//! The concurrent scenarios `make sched` explores.
//!
//! Each is something a vkernel (or a user process driving the VMSPACE
//! calls with its own threads) can do on DragonFly: threads of one process
//! racing each other, processes sharing a vkernel_proc after fork racing
//! each other, and the kernel paths (trap, LWP exit, fork, exit, exec) that
//! run concurrently with the system calls.  What DragonFly itself rules out
//! is not done: exit1() and execve() first wait for the process's other
//! LWPs to be gone, so they never overlap a call of their own process; an
//! LWP running in a VMSPACE enters the kernel through vkernel_trap(), so it
//! never makes a VMSPACE call before trapping.  Every scenario ends with
//! every process exiting, so that leaks show.

use super::{Phase, Scenario};
use crate::diff::gen::{frame_from, Layout};
use crate::ffi::{self, trapframe, vextframe};
use crate::step::*;

const RUN: i32 = ffi::VMSPACE_CTL_RUN as i32;
const RW: i32 = (ffi::PROT_READ | ffi::PROT_WRITE) as i32;
const RWX: i32 = (ffi::PROT_READ | ffi::PROT_WRITE | ffi::PROT_EXEC) as i32;
/// Where the scenarios map memory inside a VMSPACE.
const VA: u64 = 0x4000_0000;
const LEN: u64 = 0x20_0000;

fn bytes<T: Copy>(v: &T) -> Vec<u8> {
    // SAFETY: T is a plain C structure of integers and pointers.
    unsafe { std::slice::from_raw_parts(v as *const T as *const u8, std::mem::size_of::<T>()) }.to_vec()
}

/// A guest context (user selectors, interrupts on), distinct per slot.
fn guest_frame(k: u64) -> trapframe {
    let mut regs = [0i64; 25];
    for (i, r) in regs.iter_mut().enumerate() {
        *r = (k as i64 + 1) * 0x100 + i as i64;
    }
    trapframe { tf_cs: 43, tf_ss: 35, tf_rflags: 0x202, tf_xflags: 0, ..frame_from(regs) }
}

/// The vkernel's own context in its system call.
fn vkernel_frame(pid: Pid, tid: Tid) -> trapframe {
    trapframe {
        tf_rip: 0x40_0000 + pid as i64 * 0x100 + tid as i64,
        tf_rdx: 0x77,
        tf_rflags: 0x202,
        ..Default::default()
    }
}

/// Builds a scenario.
struct B {
    l: Layout,
    phases: Vec<Phase>,
}

impl B {
    fn new() -> B {
        B { l: Layout::new(), phases: Vec::new() }
    }

    /// Process `pid` with LWPs `tids`, user memory holding a guest frame
    /// and TLS for every LWP, each LWP in a system call.
    fn proc(mut self, pid: Pid, tids: &[Tid]) -> B {
        let l = self.l;
        self.phases.push(Phase::Seq(Step::NewProc { pid }));
        self.phases.push(Phase::Seq(Step::UserMap { pid, addr: l.base, len: Layout::RW_LEN, prot: RW }));
        for k in 0..4 {
            self.phases.push(Phase::Seq(Step::UserWrite { pid, addr: l.tframe(k), bytes: bytes(&guest_frame(k)) }));
            let mut vx = vextframe::default();
            vx.vx_tls.info[0].base = (0x1111 * (k + 1)) as usize as *mut _;
            vx.vx_tls.info[1].base = (0x2222 * (k + 1)) as usize as *mut _;
            self.phases.push(Phase::Seq(Step::UserWrite { pid, addr: l.vframe(k), bytes: bytes(&vx) }));
        }
        for &tid in tids {
            self = self.lwp(pid, tid);
        }
        self
    }

    fn lwp(mut self, pid: Pid, tid: Tid) -> B {
        self.phases.push(Phase::Seq(Step::NewLwp { pid, tid }));
        self.phases.push(Phase::Seq(Step::SetFrame { pid, tid, frame: vkernel_frame(pid, tid) }));
        self
    }

    fn seq(mut self, s: Step) -> B {
        self.phases.push(Phase::Seq(s));
        self
    }

    fn conc(mut self, v: Vec<Step>) -> B {
        self.phases.push(Phase::Conc(v));
        self
    }

    fn done(self, name: &'static str, about: &'static str, ncpu: usize, bound: usize) -> Scenario {
        Scenario { name, about, ncpu, phases: self.phases, bound }
    }
}

/// VMSPACE ids: in the user window, never dereferenced by correct code.
fn id(k: u64) -> u64 {
    Layout::new().base + 0x100 + 8 * k
}

fn create(pid: Pid, tid: Tid, k: u64) -> Step {
    Step::Create { pid, tid, id: id(k), ty: 0, data: 0 }
}
fn destroy(pid: Pid, tid: Tid, k: u64) -> Step {
    Step::Destroy { pid, tid, id: id(k) }
}
/// VMSPACE_CTL_RUN with the LWP's own guest frame slot.
fn ctl(pid: Pid, tid: Tid, k: u64) -> Step {
    let (l, s) = (Layout::new(), tid as u64 % 4);
    Step::Ctl { pid, tid, id: id(k), cmd: RUN, tframe: l.tframe(s), vframe: l.vframe(s) }
}
/// A MAP_VPAGETABLE mapping at VA, as a vkernel maps its memory.
fn mmap(pid: Pid, tid: Tid, k: u64, off: u64) -> Step {
    let flags = (ffi::MAP_ANON | ffi::MAP_SHARED | ffi::MAP_VPAGETABLE | ffi::MAP_FIXED) as i32;
    Step::Mmap { pid, tid, id: id(k), addr: VA + off, len: LEN, prot: RWX, flags, fd: -1, offset: 0 }
}
fn munmap(pid: Pid, tid: Tid, k: u64) -> Step {
    Step::Munmap { pid, tid, id: id(k), addr: VA, len: LEN }
}
fn mcontrol(pid: Pid, tid: Tid, k: u64) -> Step {
    Step::Mcontrol { pid, tid, id: id(k), addr: VA, len: LEN, behav: ffi::MADV_SETMAP as i32, value: 0x1234_5000 }
}
fn trap(pid: Pid, tid: Tid) -> Step {
    Step::Trap { pid, tid, frame: None }
}
fn exit(pid: Pid, tid: Tid) -> Step {
    Step::Exit { pid, tid }
}
fn fork(pid: Pid, tid: Tid, child: Pid) -> Step {
    Step::Fork { pid, tid, child, child_tid: 1 }
}

/// Every scenario, in the order `make sched` runs them.
pub fn scenarios() -> Vec<Scenario> {
    let (a, b, c, guest) = (0, 1, 2, 7);
    let p1 = || B::new().proc(1, &[1, 2]);
    let vmm = Step::SetTdVmm { pid: 1, tid: 2, on: true };
    vec![
        p1().conc(vec![create(1, 1, a), create(1, 2, b)]).seq(exit(1, 1)).done(
            "create-race",
            "two threads create the first VMSPACEs of a process: both see no vkernel_proc, \
             the loser of p_token frees its copy (the \"SMP race\" path)",
            2,
            4,
        ),
        p1().conc(vec![create(1, 1, a), create(1, 2, a)]).seq(exit(1, 1)).done(
            "create-same-id",
            "two threads create the same id on a fresh process: one gets EEXIST and frees its entry",
            2,
            4,
        ),
        p1().seq(create(1, 1, a)).conc(vec![destroy(1, 1, a), create(1, 2, a)]).seq(exit(1, 1)).done(
            "create-vs-destroy",
            "one thread destroys an id while another creates it again",
            2,
            4,
        ),
        p1().seq(create(1, 1, a)).conc(vec![destroy(1, 1, a), destroy(1, 2, a)]).seq(exit(1, 1)).done(
            "destroy-vs-destroy",
            "two threads destroy the same VMSPACE; the first blocks in the teardown with the entry already \
             out of the tree",
            2,
            4,
        ),
        p1().seq(create(1, 1, a))
            .conc(vec![destroy(1, 1, a), ctl(1, 2, a)])
            .seq(trap(1, 2))
            .seq(destroy(1, 1, a))
            .seq(exit(1, 1))
            .done(
                "destroy-vs-ctl",
                "destroy races VMSPACE_CTL_RUN, which holds a reference across its blocking kmalloc and copyins",
                2,
                4,
            ),
        p1().seq(create(1, 1, a))
            .seq(Step::UserFault { pid: 1, addr: Layout::new().vframe(2), len: 1, on: true })
            .conc(vec![destroy(1, 1, a), ctl(1, 2, a)])
            .seq(exit(1, 1))
            .done(
                "ctl-fault-vs-destroy",
                "destroy races a VMSPACE_CTL_RUN whose vextframe copyin faults: the restore path drops its \
                 reference",
                2,
                4,
            ),
        p1().seq(create(1, 1, a)).conc(vec![mmap(1, 1, a, 0), destroy(1, 2, a)]).seq(exit(1, 1)).done(
            "mmap-vs-destroy",
            "destroy races vmspace_mmap, which holds vmspace_token and a reference across kern_mmap",
            2,
            4,
        ),
        p1().seq(create(1, 1, a))
            .seq(mmap(1, 1, a, 0))
            .conc(vec![munmap(1, 1, a), destroy(1, 2, a)])
            .seq(exit(1, 1))
            .done(
                "munmap-vs-destroy",
                "destroy races vmspace_munmap, which holds a reference across vm_map_check_protection and \
                 vm_map_remove",
                2,
                4,
            ),
        p1().seq(create(1, 1, a))
            .seq(mmap(1, 1, a, 0))
            .conc(vec![mcontrol(1, 1, a), destroy(1, 2, a)])
            .seq(exit(1, 1))
            .done(
                "mcontrol-vs-destroy",
                "destroy races vmspace_mcontrol(MADV_SETMAP), which holds a reference across vm_map_madvise",
                2,
                4,
            ),
        p1().proc(2, &[1])
            .seq(create(1, 1, a))
            .seq(create(2, 1, a))
            .seq(mmap(1, 1, a, 0))
            .conc(vec![mmap(1, 1, a, LEN), munmap(1, 2, a), mmap(2, 1, a, 0)])
            .seq(exit(1, 1))
            .seq(exit(2, 1))
            .done(
                "map-ops-two-procs",
                "mmap and munmap on one VMSPACE while another process maps into its own: vmspace_token is global",
                3,
                2,
            ),
        p1().seq(create(1, 1, a))
            .seq(ctl(1, 2, a))
            .conc(vec![destroy(1, 1, a), trap(1, 2)])
            .seq(destroy(1, 1, a))
            .seq(exit(1, 1))
            .done(
                "trap-vs-destroy",
                "an LWP running in a VMSPACE traps (dropping its reference without vkp->token) while another \
                 destroys it",
                2,
                4,
            ),
        p1().seq(create(1, 1, a))
            .seq(ctl(1, 2, a))
            .conc(vec![destroy(1, 1, a), Step::LwpExit { pid: 1, tid: 2 }])
            .seq(destroy(1, 1, a))
            .seq(exit(1, 1))
            .done(
                "lwp-exit-vs-destroy",
                "an LWP killed while running in a VMSPACE exits (\"killed with active VC\") while another \
                 destroys it",
                2,
                4,
            ),
        B::new()
            .proc(1, &[1, 2, 3])
            .seq(create(1, 1, a))
            .conc(vec![ctl(1, 2, a), ctl(1, 3, a), destroy(1, 1, a)])
            .conc(vec![trap(1, 2), trap(1, 3), destroy(1, 1, a)])
            .seq(exit(1, 1))
            .done(
                "ctl-ctl-destroy",
                "two LWPs enter one VMSPACE while a third destroys it, then both trap out while it destroys it \
                 again",
                3,
                1,
            ),
        p1().conc(vec![fork(1, 1, 2), create(1, 2, a)]).seq(exit(2, 1)).seq(exit(1, 1)).done(
            "fork-vs-create",
            "fork while another thread creates the process's vkernel_proc: the child shares it or not",
            2,
            4,
        ),
        p1().seq(create(1, 1, a))
            .seq(ctl(1, 2, a))
            .conc(vec![fork(1, 1, 2), trap(1, 2)])
            .seq(exit(2, 1))
            .seq(exit(1, 1))
            .done("fork-vs-trap", "fork (vkernel_inherit) while another LWP traps out of a VMSPACE", 2, 4),
        p1().seq(create(1, 1, a))
            .seq(create(1, 1, b))
            .seq(fork(1, 1, 2))
            .conc(vec![ctl(2, 1, a), destroy(1, 1, a), create(1, 2, c)])
            .seq(trap(2, 1))
            .seq(exit(1, 1))
            .seq(exit(2, 1))
            .done(
                "shared-after-fork",
                "parent and child share a vkernel_proc: the child runs an entry the parent destroys while \
                 creating another",
                3,
                2,
            ),
        p1().seq(create(1, 1, a))
            .seq(create(1, 1, b))
            .seq(ctl(1, 2, a))
            .seq(fork(1, 1, 2))
            .lwp(2, 2)
            .conc(vec![exit(1, 1), destroy(2, 1, a), ctl(2, 2, b)])
            .seq(trap(2, 2))
            .seq(exit(2, 1))
            .done(
                "exit-vs-sibling",
                "a vkernel exits with an LWP still in a VMSPACE while the process sharing its vkernel_proc \
                 destroys that VMSPACE and enters another",
                3,
                2,
            ),
        p1().seq(create(1, 1, a))
            .seq(create(1, 1, b))
            .seq(ctl(1, 2, a))
            .seq(fork(1, 1, 2))
            .seq(ctl(2, 1, b))
            .conc(vec![exit(1, 1), exit(2, 1)])
            .done(
                "exit-vs-exit",
                "two processes sharing a vkernel_proc exit together, each with an LWP in a VMSPACE: the last \
                 reference destroys every entry",
                2,
                4,
            ),
        B::new()
            .proc(1, &[1])
            .seq(create(1, 1, a))
            .seq(fork(1, 1, 2))
            .conc(vec![Step::Exec { pid: 1, tid: 1 }, destroy(2, 1, a)])
            .seq(exit(1, 1))
            .seq(exit(2, 1))
            .done(
                "exec-vs-sibling",
                "a vkernel execs (vkernel_exit) while the process sharing its vkernel_proc destroys an entry",
                2,
                4,
            ),
        p1().seq(vmm.clone())
            .seq(create(1, 1, a))
            .conc(vec![ctl(1, 2, guest), destroy(1, 1, a)])
            .seq(trap(1, 2))
            .seq(exit(1, 1))
            .done(
                "vmm-guest-vs-destroy",
                "a VMM guest thread enters its guest (no vkp->token, no entry) while another thread destroys a \
                 VMSPACE",
                2,
                4,
            ),
        p1().seq(vmm.clone()).seq(create(1, 1, a)).conc(vec![ctl(1, 2, guest), create(1, 1, b)]).seq(exit(1, 1)).done(
            "vmm-exit-in-guest",
            "a vkernel exits while its VMM guest thread is in the guest: the C original takes the guest's \
                 id for a vmspace_entry (the allowed td_vmm divergence)",
            2,
            4,
        ),
        p1().seq(vmm).conc(vec![create(1, 1, a), create(1, 2, b)]).seq(exit(1, 1)).done(
            "vmm-create-race",
            "a VMM guest thread (which only creates the vkernel_proc) races a thread creating a VMSPACE",
            2,
            4,
        ),
        B::new()
            .proc(1, &[1, 2, 3, 4])
            .seq(create(1, 1, a))
            .seq(create(1, 1, b))
            .seq(mmap(1, 1, a, 0))
            .conc(vec![ctl(1, 1, a), ctl(1, 2, b), mcontrol(1, 3, a), destroy(1, 4, b)])
            .conc(vec![trap(1, 1), trap(1, 2), munmap(1, 3, a), destroy(1, 4, a)])
            .seq(exit(1, 1))
            .done(
                "vkernel-smp",
                "a 4-cpu vkernel: two LWPs enter VMSPACEs, one edits a page table mapping, one destroys, \
                 then traps, munmap and destroy race (random and PCT schedules)",
                4,
                0,
            ),
        B::new()
            .proc(1, &[1, 2, 3])
            .seq(create(1, 1, a))
            .conc(vec![
                Step::Pread { pid: 1, tid: 1, id: id(a), buf: Layout::new().base, nbyte: 16, flags: 0, offset: 0 },
                Step::Pwrite { pid: 1, tid: 2, id: id(a), buf: Layout::new().base, nbyte: 16, flags: 0, offset: 0 },
                destroy(1, 3, a),
            ])
            .seq(exit(1, 1))
            .done(
                "pread-pwrite-vs-destroy",
                "the unimplemented pread/pwrite look the entry up while it is destroyed",
                3,
                2,
            ),
        // The per-LWP entry cache of the 2017 revisions (vklp->ve_cache,
        // looked up without any token): an LWP that ran in an entry and
        // trapped out keeps it cached; its next call on that id takes the
        // cache path.  At c2e7bb204e the same calls take the tree path.
        p1().seq(create(1, 1, a))
            .seq(ctl(1, 2, a))
            .seq(trap(1, 2))
            .conc(vec![mmap(1, 2, a, 0), destroy(1, 1, a)])
            .seq(destroy(1, 1, a))
            .seq(exit(1, 1))
            .done(
                "cached-mmap-vs-destroy",
                "an LWP maps into the VMSPACE it has cached (the token-free cache path) while another \
                 thread destroys it",
                2,
                4,
            ),
        p1().seq(create(1, 1, a))
            .seq(ctl(1, 2, a))
            .seq(trap(1, 2))
            .conc(vec![ctl(1, 2, a), destroy(1, 1, a)])
            .seq(trap(1, 2))
            .seq(destroy(1, 1, a))
            .seq(exit(1, 1))
            .done(
                "cached-ctl-vs-destroy",
                "an LWP enters the VMSPACE it has cached again while another thread destroys it",
                2,
                4,
            ),
        p1().seq(create(1, 1, a))
            .seq(create(1, 1, b))
            .seq(ctl(1, 2, a))
            .seq(trap(1, 2))
            .conc(vec![ctl(1, 2, b), destroy(1, 1, a)])
            .seq(trap(1, 2))
            .seq(exit(1, 1))
            .done(
                "cache-switch-vs-destroy",
                "an LWP enters another VMSPACE (dropping its cached entry) while the cached one is destroyed",
                2,
                4,
            ),
        p1().seq(create(1, 1, a))
            .seq(ctl(1, 2, a))
            .seq(trap(1, 2))
            .conc(vec![Step::LwpExit { pid: 1, tid: 2 }, destroy(1, 1, a)])
            .seq(exit(1, 1))
            .done(
                "lwp-exit-cached-vs-destroy",
                "an LWP exits (vkernel_lwp_exit drops its cached entry) while the entry is destroyed",
                2,
                4,
            ),
        p1().seq(create(1, 1, a))
            .seq(ctl(1, 1, a))
            .seq(trap(1, 1))
            .seq(ctl(1, 2, a))
            .seq(trap(1, 2))
            .conc(vec![destroy(1, 1, a), destroy(1, 2, a)])
            .seq(exit(1, 1))
            .done(
                "cached-destroy-vs-destroy",
                "two LWPs that both have the VMSPACE cached destroy it at once (the lookup of a destroy \
                 takes the cache path too)",
                2,
                4,
            ),
        B::new()
            .proc(1, &[1, 2, 3])
            .seq(create(1, 1, a))
            .seq(ctl(1, 2, a))
            .seq(trap(1, 2))
            .seq(ctl(1, 3, a))
            .seq(trap(1, 3))
            .conc(vec![destroy(1, 1, a), mmap(1, 2, a, 0), ctl(1, 3, a)])
            .conc(vec![create(1, 1, a), munmap(1, 2, a), trap(1, 3)])
            .seq(exit(1, 1))
            .done(
                "cached-destroy-recreate",
                "two LWPs with the entry cached use it while it is destroyed, then it is created again \
                 under the same id while they go on",
                3,
                1,
            ),
    ]
}

/// The scenario called `name`.
pub fn find(name: &str) -> Option<Scenario> {
    scenarios().into_iter().find(|s| s.name == name)
}
