//! The directed set: scenarios that take every path of the C original, each
//! step with the outcome `vm_vmspace.c` must have, derived from reading the
//! C source (return values, the kernel calls in order with their
//! arguments, what the state holds after).  One definition serves three
//! uses: `tests/directed.rs` checks the expectations for `Impl::C` and
//! `Impl::Rust`, `make coverage` runs them with gcov on the C original, and
//! `diff` runs them on both sides as its first scenarios.
//!
//! The expectations are about vm_vmspace.c; where a value comes from the
//! model (a vmspace name, a sanitised frame) the model's documented
//! behaviour (tests/kern/README.md) is used.

use super::scenario::Scenario;
use crate::ffi::{self, savetls, tls_info, trapframe, vextframe};
use crate::impls::Impl;
use crate::step::*;
use crate::world::World;
use crate::EJUSTRETURN;
use std::fmt::Write as _;

pub mod rev2017;

/// What must hold after a step.
#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    /// The step's return value (errno, EJUSTRETURN, or a path's guard).
    Ret(i64),
    /// sysmsg's result (what the system call returns to the user).
    Sysmsg(i64),
    /// Whether the hook was called (kernel paths).
    Called(bool),
    /// Exactly these trace records, in order.
    Trace(Vec<String>),
    /// Some trace record equals this.
    TraceHas(String),
    /// No trace record contains this.
    TraceLacks(String),
    /// The state dump contains this text.
    DumpHas(String),
    /// The state dump does not contain this text.
    DumpLacks(String),
    /// The whole kprintf output so far.
    Kprintf(String),
    /// The world died of a panic whose message contains this.
    Panic(String),
    /// The world is alive.
    NoFault,
    /// The LWP's frame.
    Frame { pid: Pid, tid: Tid, frame: trapframe },
    /// The thread's TLS (td_tls) bases.
    TlsBases { pid: Pid, tid: Tid, fs: u64, gs: u64 },
    /// User memory of the process.
    User { pid: Pid, addr: u64, bytes: Vec<u8> },
    /// Live kmalloc blocks (all types).
    KmemLive(i64),
    /// Live vmspaces (processes' included).
    VmspaceLive(i64),
    /// Only for the C original (an allowed divergence).
    COnly(Box<Check>),
    /// Only for the port (an allowed divergence).
    PortOnly(Box<Check>),
}

impl Check {
    /// Whether the check holds after `out` in `w` for implementation
    /// `imp`; Err says what was found instead.
    pub fn eval(&self, imp: Impl, w: &World, out: &StepOutcome) -> Result<(), String> {
        let eq = |what: &str, want: String, got: String| {
            if want == got {
                Ok(())
            } else {
                Err(format!("{what}: want {want}, got {got}"))
            }
        };
        let dump = || out.dump.clone().unwrap_or_else(|| w.dump());
        match self {
            Check::Ret(r) => eq("ret", super::show_ret(Some(*r)), super::show_ret(out.ret)),
            Check::Sysmsg(r) => eq("sysmsg", format!("{:?}", Some(*r)), format!("{:?}", out.sysmsg_result)),
            Check::Called(c) => eq("called", c.to_string(), out.called.to_string()),
            Check::Trace(t) => {
                if &out.trace == t {
                    Ok(())
                } else {
                    Err(format!("trace (C = expected, R = got):\n{}", super::line_diff(t, &out.trace)))
                }
            }
            Check::TraceHas(l) => {
                if out.trace.iter().any(|x| x == l) {
                    Ok(())
                } else {
                    Err(format!("no trace record {l:?} in {:#?}", out.trace))
                }
            }
            Check::TraceLacks(l) => match out.trace.iter().find(|x| x.contains(l.as_str())) {
                None => Ok(()),
                Some(x) => Err(format!("trace record {x:?} contains {l:?}")),
            },
            Check::DumpHas(s) => {
                let d = dump();
                if d.contains(s.as_str()) {
                    Ok(())
                } else {
                    Err(format!("dump lacks {s:?}:\n{d}"))
                }
            }
            Check::DumpLacks(s) => {
                let d = dump();
                if d.contains(s.as_str()) {
                    Err(format!("dump has {s:?}:\n{d}"))
                } else {
                    Ok(())
                }
            }
            Check::Kprintf(s) => eq("kprintf output", format!("{s:?}"), format!("{:?}", w.kprintf_output())),
            Check::Panic(s) => match out.panic() {
                Some(m) if m.contains(s.as_str()) => Ok(()),
                _ => Err(format!("want a panic containing {s:?}, got {:?}", out.fault)),
            },
            Check::NoFault => match &out.fault {
                None => Ok(()),
                Some(f) => Err(format!("want no fault, got {f:?}")),
            },
            Check::Frame { pid, tid, frame } => {
                eq(&format!("frame of {pid}.{tid}"), format!("{frame:?}"), format!("{:?}", w.frame(*pid, *tid)))
            }
            Check::TlsBases { pid, tid, fs, gs } => {
                let t = w.tls(*pid, *tid);
                eq(
                    &format!("td_tls of {pid}.{tid}"),
                    format!("fs {fs:#x} gs {gs:#x}"),
                    format!("fs {:#x} gs {:#x}", t.info[0].base as u64, t.info[1].base as u64),
                )
            }
            Check::User { pid, addr, bytes } => eq(
                &format!("user memory {addr:#x} of {pid}"),
                format!("{:?}", Ok::<_, i32>(bytes)),
                format!("{:?}", w.user_read(*pid, *addr, bytes.len())),
            ),
            Check::KmemLive(n) => eq("live kmalloc blocks", n.to_string(), w.kmem_live().to_string()),
            Check::VmspaceLive(n) => eq("live vmspaces", n.to_string(), w.vmspace_live().to_string()),
            Check::COnly(c) => {
                if imp == Impl::C {
                    c.eval(imp, w, out)
                } else {
                    Ok(())
                }
            }
            Check::PortOnly(c) => {
                if imp != Impl::C {
                    c.eval(imp, w, out)
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// A step and what must hold after it.
#[derive(Clone, Debug)]
pub struct DStep {
    pub step: Step,
    pub checks: Vec<Check>,
}

impl DStep {
    pub fn ret(&mut self, r: impl Into<i64>) -> &mut Self {
        self.checks.push(Check::Ret(r.into()));
        self
    }
    pub fn sysmsg(&mut self, r: i64) -> &mut Self {
        self.checks.push(Check::Sysmsg(r));
        self
    }
    pub fn called(&mut self, c: bool) -> &mut Self {
        self.checks.push(Check::Called(c));
        self
    }
    /// Exactly these records, each prefixed with the thread of the step.
    pub fn trace(&mut self, lines: &[&str]) -> &mut Self {
        let td = self.td();
        self.checks.push(Check::Trace(lines.iter().map(|l| format!("{td} {l}")).collect()));
        self
    }
    pub fn trace_has(&mut self, line: &str) -> &mut Self {
        let td = self.td();
        self.checks.push(Check::TraceHas(format!("{td} {line}")));
        self
    }
    pub fn trace_lacks(&mut self, text: &str) -> &mut Self {
        self.checks.push(Check::TraceLacks(text.into()));
        self
    }
    pub fn dump_has(&mut self, s: impl Into<String>) -> &mut Self {
        self.checks.push(Check::DumpHas(s.into()));
        self
    }
    pub fn dump_lacks(&mut self, s: impl Into<String>) -> &mut Self {
        self.checks.push(Check::DumpLacks(s.into()));
        self
    }
    pub fn check(&mut self, c: Check) -> &mut Self {
        self.checks.push(c);
        self
    }
    fn td(&self) -> String {
        let (p, t) = self.step.thread().expect("a trace check on a step that runs on a thread");
        format!("td#{p}.{t}")
    }
}

/// A directed scenario.
#[derive(Clone, Debug)]
pub struct Directed {
    pub name: &'static str,
    pub ncpu: usize,
    pub steps: Vec<DStep>,
    /// The revision of vm_vmspace.c whose source the expectations were
    /// derived from (`Directed::new`: c2e7bb204e; `Directed::new_rev`:
    /// another).  Under another `harness::REV` the steps still run (diff,
    /// coverage) but the checks are not made (`expectations_apply`).
    pub rev: &'static str,
}

/// The user memory every directed process has.
pub mod mem {
    use crate::world::World;
    /// The user window's base: everything below is relative to it.
    pub fn base() -> u64 {
        World::user_window().0
    }
    /// The guest trapframe.
    pub fn tf() -> u64 {
        base() + 0x1000
    }
    /// The guest vextframe.
    pub fn vf() -> u64 {
        base() + 0x2000
    }
    /// A read-only page (copyout faults).
    pub fn ro() -> u64 {
        base() + 0x10000
    }
    /// VMSPACE ids (never dereferenced by a correct kernel).
    pub fn id(n: u64) -> u64 {
        base() + 0x100 + 8 * n
    }
}

/// The vkernel's own frame of every directed LWP (what its system call
/// saved): user selectors, interrupts on.
pub fn kernel_frame() -> trapframe {
    trapframe {
        tf_rip: 0xaaaa,
        tf_rsp: 0x7000_0000,
        tf_rdx: 0x77,
        tf_cs: 43,
        tf_ss: 35,
        tf_rflags: 0x202,
        ..Default::default()
    }
}

/// The guest frame at mem::tf(): already what pc64's cpu_sanitize_frame()
/// makes of it (so it is installed unchanged), FP fault flagged.
pub fn guest_frame() -> trapframe {
    trapframe {
        tf_rip: 0x4000_1000,
        tf_rsp: 0x7fff_0000,
        tf_rax: 5,
        tf_rdi: 0x1234,
        tf_cs: 43,
        tf_ss: 35,
        tf_rflags: 0x202,
        tf_xflags: ffi::PGEX_FPFAULT as i64,
        ..Default::default()
    }
}

/// The guest TLS at mem::vf().
pub fn guest_tls() -> savetls {
    savetls {
        info: [tls_info { base: 0x1111 as *mut _, size: 0x100 }, tls_info { base: 0x2222 as *mut _, size: 0x200 }],
    }
}

pub fn bytes<T: Copy>(v: &T) -> Vec<u8> {
    // SAFETY: T is a plain C structure; we copy its bytes.
    unsafe { std::slice::from_raw_parts(v as *const T as *const u8, std::mem::size_of::<T>()) }.to_vec()
}

const EINVAL: i64 = ffi::EINVAL as i64;
const ENOENT: i64 = ffi::ENOENT as i64;
const EEXIST: i64 = ffi::EEXIST as i64;
const EBUSY: i64 = ffi::EBUSY as i64;
const EFAULT: i64 = ffi::EFAULT as i64;
const EOPNOTSUPP: i64 = ffi::EOPNOTSUPP as i64;
const EBADF: i64 = ffi::EBADF as i64;
const RUN: i32 = ffi::VMSPACE_CTL_RUN as i32;
const RW: i32 = (ffi::PROT_READ | ffi::PROT_WRITE) as i32;

impl Directed {
    pub fn new(name: &'static str, ncpu: usize) -> Directed {
        Directed::new_rev(name, ncpu, crate::REF_REV)
    }

    /// A scenario whose expectations are those of revision `rev`.
    pub fn new_rev(name: &'static str, ncpu: usize, rev: &'static str) -> Directed {
        Directed { name, ncpu, steps: Vec::new(), rev }
    }

    /// Whether the expectations hold for the revision this harness was
    /// built for (`harness::REV`).
    pub fn expectations_apply(&self) -> bool {
        self.rev == crate::REV
    }

    pub fn step(&mut self, step: Step) -> &mut DStep {
        self.steps.push(DStep { step, checks: Vec::new() });
        self.steps.last_mut().unwrap()
    }

    /// Process `pid` with LWPs 1..=nlwp, user memory (read-write
    /// [base, base+0x10000) with the guest frames, a read-only page after
    /// it) and the vkernel's frame in every LWP.
    pub fn proc(&mut self, pid: Pid, nlwp: Tid) -> &mut Self {
        self.step(Step::NewProc { pid });
        self.step(Step::UserMap { pid, addr: mem::base(), len: 0x10000, prot: RW });
        self.step(Step::UserMap { pid, addr: mem::ro(), len: 0x1000, prot: ffi::PROT_READ as i32 });
        self.step(Step::UserWrite { pid, addr: mem::tf(), bytes: bytes(&guest_frame()) });
        self.step(Step::UserWrite { pid, addr: mem::vf(), bytes: bytes(&vextframe { vx_tls: guest_tls() }) });
        for tid in 1..=nlwp {
            self.step(Step::NewLwp { pid, tid });
            self.step(Step::SetFrame { pid, tid, frame: kernel_frame() });
        }
        self
    }

    /// The steps, for the diff.
    pub fn scenario(&self) -> Scenario {
        Scenario::new(
            format!("directed: {}", self.name),
            self.ncpu,
            self.steps.iter().map(|s| s.step.clone()).collect(),
        )
    }

    /// Runs the scenario with `imp` and checks every expectation; Err lists
    /// every failed check with its step.  When the expectations are another
    /// revision's (`expectations_apply`), the steps run unchecked.
    pub fn run(&self, w: &mut World, imp: Impl) -> Result<(), String> {
        w.reset(self.ncpu);
        w.set_snapshots(true);
        let apply = self.expectations_apply();
        let mut errors = String::new();
        for (i, s) in self.steps.iter().enumerate() {
            let out = super::normalise_outcome(&w.run_step(imp, &s.step));
            for c in s.checks.iter().filter(|_| apply) {
                if let Err(e) = c.eval(imp, w, &out) {
                    errors.push_str(&format!("  step {i} {:?}:\n    {e}\n", s.step));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!("{} ({}):\n{errors}", self.name, imp.name()))
        }
    }
}

fn create(pid: Pid, tid: Tid, id: u64) -> Step {
    Step::Create { pid, tid, id, ty: 0, data: 0 }
}
fn ctl(pid: Pid, tid: Tid, id: u64, cmd: i32) -> Step {
    Step::Ctl { pid, tid, id, cmd, tframe: mem::tf(), vframe: mem::vf() }
}
fn mmap(id: u64, addr: u64, len: u64, flags: u32, fd: i32) -> Step {
    Step::Mmap { pid: 1, tid: 1, id, addr, len, prot: RW, flags: flags as i32, fd, offset: 0 }
}
fn munmap(id: u64, addr: u64, len: u64) -> Step {
    Step::Munmap { pid: 1, tid: 1, id, addr, len }
}
fn mcontrol(id: u64, addr: u64, len: u64, behav: i32, value: i64) -> Step {
    Step::Mcontrol { pid: 1, tid: 1, id, addr, len, behav, value }
}
fn hex(v: u64) -> String {
    format!("{v:#x}")
}
/// VM_MAX_USER_ADDRESS of the model headers (the revision's).
fn vm_max() -> u64 {
    crate::vm_max_user_address()
}

/// The kernel frame after syscall2() returned `errno` (rax, carry set).
fn frame_after_error(errno: i64) -> trapframe {
    let k = kernel_frame();
    trapframe { tf_rax: errno, tf_rflags: k.tf_rflags | ffi::PSL_C as i64, ..k }
}

// The trace of a first vmspace_create in process `pid` (vkp#vkp) with a new
// entry ve#ve on vmspace#vm.
fn create_trace(pid: Pid, vkp: u32, ve: u32, vm: u32) -> Vec<String> {
    vec![
        format!("kmalloc(80, vkernel, M_WAITOK|M_ZERO) = vkp#{vkp}"),
        format!("lwkt_gettoken(proc#{pid}.p_token)"),
        format!("lwkt_token_init(vkp#{vkp}.token, \"vkernel\")"),
        format!("lwkt_reltoken(proc#{pid}.p_token)"),
        format!("kmalloc(56, vkernel, M_WAITOK|M_ZERO) = ve#{ve}"),
        format!("vmspace_alloc(0x0, {}) = vmspace#{vm}", hex(vm_max())),
        format!("pmap_pinit2(vmspace#{vm}.vm_pmap)"),
        format!("lwkt_gettoken(vkp#{vkp}.token)"),
        format!("lwkt_reltoken(vkp#{vkp}.token)"),
    ]
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The trace of vmspace_entry_delete(ve#ve on vmspace#vm).
fn delete_trace(ve: u32, vm: u32) -> Vec<String> {
    vec![
        format!("pmap_remove_pages(vmspace#{vm}.vm_pmap, 0x0, {})", hex(vm_max())),
        format!("vm_map_remove(vmspace#{vm}, 0x0, {}) = 0", hex(vm_max())),
        format!("vmspace_rel(vmspace#{vm})"),
        format!("kfree(ve#{ve}, vkernel)"),
    ]
}

/// The trace of a successful VMSPACE_CTL_RUN of LWP pid.tid into ve#ve on
/// vmspace#vm, allocating vklp#n if `alloc`.
fn run_trace(pid: Pid, tid: Tid, vklp: u32, alloc: bool, tok: Option<&str>, tail: &[String]) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(t) = tok {
        v.push(format!("lwkt_gettoken({t})"));
    }
    if alloc {
        v.push(format!("kmalloc(256, vkernel, M_WAITOK|M_ZERO) = vklp#{vklp}"));
    }
    v.push(format!("bcopy(frame#{pid}.{tid}, vklp#{vklp}, 200)"));
    v.push(format!("bcopy(td#{pid}.{tid}.td_tls, vklp#{vklp}.save_vextframe, 32)"));
    v.extend_from_slice(tail);
    if let Some(t) = tok {
        v.push(format!("lwkt_reltoken({t})"));
    }
    v
}

fn load_ok(pid: Pid, tid: Tid) -> Vec<String> {
    vec![
        format!("copyin({}, frame#{pid}.{tid}, 200) = 0", hex(mem::tf())),
        format!("copyin({}, td#{pid}.{tid}.td_tls, 32) = 0", hex(mem::vf())),
        format!("cpu_sanitize_frame(frame#{pid}.{tid}) = 0"),
        format!("cpu_sanitize_tls(td#{pid}.{tid}.td_tls) = 0"),
    ]
}

/// Every directed scenario of this build's revision: c2e7bb204e's set
/// (its expectations checked at c2e7bb204e only), and at the 2017
/// revisions the 2017 set too ([`rev2017`], expectations of 22b7a3dbf6).
pub fn all() -> Vec<Directed> {
    let mut v = reference_set();
    if cfg!(rev_2017) {
        v.extend(rev2017::all());
    }
    v
}

/// The directed set of c2e7bb204e (the reference).
fn reference_set() -> Vec<Directed> {
    vec![
        create_destroy(),
        create_disabled(),
        create_duplicate_and_null_id(),
        create_guest_thread(),
        no_vkernel_proc(),
        unknown_id(),
        pread_pwrite(),
        ctl_run_and_trap(),
        ctl_restore_on_copyin_fault(),
        ctl_restore_on_sanitize_failure(),
        ctl_unknown_command(),
        ctl_guest_thread(),
        mmap_calls(),
        munmap_checks(),
        mcontrol_checks(),
        fork_inherits(),
        exit_destroys_everything(),
        exit_with_active_vc(),
        lwp_exit(),
        exec_releases(),
        exec_then_ctl(),
        guest_vkernel_cr3(),
        trap_copyout_fault(),
        kkassert_trap_without_vklp(),
        kkassert_trap_outside_vmspace(),
        ctl_while_running(),
        guest_lwp_exit(),
    ]
}

fn create_destroy() -> Directed {
    let mut d = Directed::new("create and destroy", 1);
    d.proc(1, 1);
    let (a, b) = (mem::id(0), mem::id(1));
    // vmspace#0 is the process's own.
    d.step(create(1, 1, a))
        .ret(0)
        .sysmsg(0)
        .trace(&strs(&create_trace(1, 0, 0, 1)))
        .dump_has("vkp#0 refs=1 vkernel_cr3=0x0 token=free")
        .dump_has(format!("ve#0 id={} refs=0 flags=0x0 vmspace=vmspace#1", hex(a)))
        .check(Check::KmemLive(2));
    // The vkernel_proc exists: only the entry is made.
    d.step(create(1, 1, b)).ret(0).trace(&[
        "kmalloc(56, vkernel, M_WAITOK|M_ZERO) = ve#1",
        &format!("vmspace_alloc(0x0, {}) = vmspace#2", hex(vm_max())),
        "pmap_pinit2(vmspace#2.vm_pmap)",
        "lwkt_gettoken(vkp#0.token)",
        "lwkt_reltoken(vkp#0.token)",
    ]);
    let mut t = vec!["lwkt_gettoken(vkp#0.token)".to_string()];
    t.extend(delete_trace(0, 1));
    t.push("lwkt_reltoken(vkp#0.token)".into());
    d.step(Step::Destroy { pid: 1, tid: 1, id: a })
        .ret(0)
        .trace(&strs(&t))
        .dump_lacks("ve#0 ")
        .dump_has(format!("ve#1 id={} refs=0", hex(b)))
        .check(Check::KmemLive(2))
        .check(Check::VmspaceLive(2));
    d.step(Step::Destroy { pid: 1, tid: 1, id: a })
        .ret(ENOENT)
        .trace(&["lwkt_gettoken(vkp#0.token)", "lwkt_reltoken(vkp#0.token)"]);
    d
}

fn create_disabled() -> Directed {
    let mut d = Directed::new("create: EOPNOTSUPP while vkernel_enable is 0", 1);
    d.proc(1, 1);
    d.step(Step::SetVkernelEnable(false));
    d.step(create(1, 1, mem::id(0))).ret(EOPNOTSUPP).trace(&[]).check(Check::KmemLive(0));
    d.step(Step::SetVkernelEnable(true));
    d.step(create(1, 1, mem::id(0))).ret(0);
    // Checked before anything else, an existing vkernel_proc included.
    d.step(Step::SetVkernelEnable(false));
    d.step(create(1, 1, mem::id(1))).ret(EOPNOTSUPP).trace(&[]).check(Check::KmemLive(2));
    d
}

fn create_duplicate_and_null_id() -> Directed {
    let mut d = Directed::new("create: EEXIST on a duplicate id; NULL is an id", 1);
    d.proc(1, 1);
    let a = mem::id(0);
    d.step(create(1, 1, a)).ret(0);
    d.step(create(1, 1, a))
        .ret(EEXIST)
        .trace(&[
            "kmalloc(56, vkernel, M_WAITOK|M_ZERO) = ve#1",
            &format!("vmspace_alloc(0x0, {}) = vmspace#2", hex(vm_max())),
            "pmap_pinit2(vmspace#2.vm_pmap)",
            "lwkt_gettoken(vkp#0.token)",
            "vmspace_rel(vmspace#2)",
            "kfree(ve#1, vkernel)",
            "lwkt_reltoken(vkp#0.token)",
        ])
        .check(Check::KmemLive(2))
        .check(Check::VmspaceLive(2));
    // The comment says NULL cannot be used; the code does not check it.
    d.step(create(1, 1, 0)).ret(0).dump_has("id=0x0 refs=0");
    d.step(create(1, 1, 0)).ret(EEXIST);
    d.step(Step::Destroy { pid: 1, tid: 1, id: 0 }).ret(0).dump_lacks("id=0x0 ");
    // The type and data arguments are ignored.
    d.step(Step::Create { pid: 1, tid: 1, id: mem::id(2), ty: 7, data: 0xdead }).ret(0);
    d
}

fn create_guest_thread() -> Directed {
    let mut d = Directed::new("create by a VMM guest thread: the vkernel_proc only", 1);
    d.proc(1, 1);
    d.step(Step::SetTdVmm { pid: 1, tid: 1, on: true });
    d.step(create(1, 1, mem::id(0)))
        .ret(0)
        .trace(&[
            "kmalloc(80, vkernel, M_WAITOK|M_ZERO) = vkp#0",
            "lwkt_gettoken(proc#1.p_token)",
            "lwkt_token_init(vkp#0.token, \"vkernel\")",
            "lwkt_reltoken(proc#1.p_token)",
        ])
        .dump_lacks("ve#")
        .check(Check::KmemLive(1));
    d.step(create(1, 1, mem::id(0))).ret(0).trace(&[]);
    d
}

fn no_vkernel_proc() -> Directed {
    let mut d = Directed::new("no vkernel_proc: EINVAL", 1);
    d.proc(1, 1);
    let a = mem::id(0);
    d.step(Step::Destroy { pid: 1, tid: 1, id: a }).ret(EINVAL).trace(&[]);
    d.step(ctl(1, 1, a, RUN)).ret(EINVAL).trace(&[]).check(Check::Frame {
        pid: 1,
        tid: 1,
        frame: frame_after_error(EINVAL),
    });
    d.step(Step::SetFrame { pid: 1, tid: 1, frame: kernel_frame() });
    d.step(mmap(a, 0, 0x1000, ffi::MAP_ANON, -1))
        .ret(EINVAL)
        .trace(&["lwkt_gettoken(vmspace_token)", "lwkt_reltoken(vmspace_token)"]);
    d.step(munmap(a, 0, 0x1000)).ret(EINVAL).trace(&[]);
    d.step(mcontrol(a, 0, 0x1000, 0, 0)).ret(EINVAL).trace(&[]);
    d.step(Step::Pread { pid: 1, tid: 1, id: a, buf: 0, nbyte: 0, flags: 0, offset: 0 }).ret(EINVAL).trace(&[]);
    d.step(Step::Pwrite { pid: 1, tid: 1, id: a, buf: 0, nbyte: 0, flags: 0, offset: 0 }).ret(EINVAL).trace(&[]);
    // A guest thread too: ctl needs the vkernel_proc first.
    d.step(Step::SetTdVmm { pid: 1, tid: 1, on: true });
    d.step(ctl(1, 1, a, RUN)).ret(EINVAL).trace(&[]);
    d
}

fn unknown_id() -> Directed {
    let mut d = Directed::new("unknown id: ENOENT", 1);
    d.proc(1, 1);
    let (a, b) = (mem::id(0), mem::id(1));
    d.step(create(1, 1, a)).ret(0);
    let tok = ["lwkt_gettoken(vkp#0.token)", "lwkt_reltoken(vkp#0.token)"];
    d.step(Step::Destroy { pid: 1, tid: 1, id: b }).ret(ENOENT).trace(&tok);
    d.step(ctl(1, 1, b, RUN)).ret(ENOENT).trace(&tok).check(Check::Frame {
        pid: 1,
        tid: 1,
        frame: frame_after_error(ENOENT),
    });
    d.step(mmap(b, 0, 0x1000, ffi::MAP_ANON, -1)).ret(ENOENT).trace(&[
        "lwkt_gettoken(vmspace_token)",
        "lwkt_gettoken(vkp#0.token)",
        "lwkt_reltoken(vkp#0.token)",
        "lwkt_reltoken(vmspace_token)",
    ]);
    d.step(munmap(b, 0, 0x1000)).ret(ENOENT).trace(&tok);
    d.step(mcontrol(b, 0, 0x1000, 0, 0)).ret(ENOENT).trace(&tok);
    d.step(Step::Pread { pid: 1, tid: 1, id: b, buf: 0, nbyte: 0, flags: 0, offset: 0 }).ret(ENOENT).trace(&tok);
    d.step(Step::Pwrite { pid: 1, tid: 1, id: b, buf: 0, nbyte: 0, flags: 0, offset: 0 }).ret(ENOENT).trace(&tok);
    // Another process's ids are not found: each process has its own tree.
    d.proc(2, 1);
    d.step(create(2, 1, b)).ret(0);
    d.step(Step::Destroy { pid: 2, tid: 1, id: a })
        .ret(ENOENT)
        .trace(&["lwkt_gettoken(vkp#1.token)", "lwkt_reltoken(vkp#1.token)"]);
    d
}

fn pread_pwrite() -> Directed {
    let mut d = Directed::new("pread/pwrite: not implemented (EINVAL)", 1);
    d.proc(1, 1);
    let a = mem::id(0);
    d.step(create(1, 1, a)).ret(0);
    let tok = ["lwkt_gettoken(vkp#0.token)", "lwkt_reltoken(vkp#0.token)"];
    d.step(Step::Pread { pid: 1, tid: 1, id: a, buf: mem::base(), nbyte: 16, flags: 0, offset: 0 })
        .ret(EINVAL)
        .trace(&tok);
    d.step(Step::Pwrite { pid: 1, tid: 1, id: a, buf: mem::base(), nbyte: 16, flags: 0, offset: 0 })
        .ret(EINVAL)
        .trace(&tok);
    d
}

fn ctl_run_and_trap() -> Directed {
    let mut d = Directed::new("ctl RUN, then a trap: the guest context in and out", 1);
    d.proc(1, 1);
    let a = mem::id(0);
    d.step(create(1, 1, a)).ret(0);
    let mut tail = load_ok(1, 1);
    tail.extend([
        "pmap_setlwpvm(lwp#1.1, vmspace#1)".to_string(),
        "set_user_TLS() fsbase=0x1111 gsbase=0x2222".into(),
        "set_vkernel_fp(frame#1.1) virtfp=1".into(),
    ]);
    d.step(ctl(1, 1, a, RUN))
        .ret(EJUSTRETURN)
        .trace(&strs(&run_trace(1, 1, 0, true, Some("vkp#0.token"), &tail)))
        // EJUSTRETURN: the guest frame stays as installed.
        .check(Check::Frame { pid: 1, tid: 1, frame: guest_frame() })
        .check(Check::TlsBases { pid: 1, tid: 1, fs: 0x1111, gs: 0x2222 })
        .dump_has(format!("ve#0 id={} refs=1", hex(a)))
        .dump_has("lwp#1.1 lwp_vmspace=vmspace#1 lwp_vkernel=vklp#0")
        .dump_has(format!("vklp#0 ve=ve#0 user_trapframe={} user_vextframe={}", hex(mem::tf()), hex(mem::vf())))
        .dump_has("save_trapframe: rdi=0x0 rsi=0x0 rdx=0x77");
    // The guest traps with this frame; it goes to the vkernel's tframe.
    let t = trapframe { tf_rip: 0x5555, tf_trapno: 14, tf_addr: 0xdead000, ..guest_frame() };
    d.step(Step::Trap { pid: 1, tid: 1, frame: Some(t) })
        .called(true)
        .trace(&[
            "pmap_setlwpvm(lwp#1.1, vmspace#0)",
            &format!("copyout(frame#1.1, {}, 200) = 0", hex(mem::tf())),
            "bcopy(vklp#0, frame#1.1, 200)",
            "bcopy(vklp#0.save_vextframe, td#1.1.td_tls, 32)",
            "set_user_TLS() fsbase=0x0 gsbase=0x0",
            "cpu_vkernel_trap(frame#1.1, 0)",
        ])
        .check(Check::User { pid: 1, addr: mem::tf(), bytes: bytes(&t) })
        // The vkernel's frame back, cpu_vkernel_trap(frame, 0): rax 0, no carry.
        .check(Check::Frame { pid: 1, tid: 1, frame: trapframe { tf_rax: 0, ..kernel_frame() } })
        .check(Check::TlsBases { pid: 1, tid: 1, fs: 0, gs: 0 })
        .dump_has(format!("ve#0 id={} refs=0", hex(a)))
        .dump_has("lwp#1.1 lwp_vmspace=vmspace#0 lwp_vkernel=vklp#0")
        .dump_has("vklp#0 ve=NULL");
    // Not in a VMSPACE: the trap code does not call the hook.
    d.step(Step::Trap { pid: 1, tid: 1, frame: None }).called(false).trace(&[]);
    // Again: the vkernel_lwp is reused.
    d.step(Step::UserWrite { pid: 1, addr: mem::tf(), bytes: bytes(&guest_frame()) });
    d.step(ctl(1, 1, a, RUN)).ret(EJUSTRETURN).trace_lacks("kmalloc").dump_has("refs=1");
    // The entry is in use: destroy refuses.
    d.step(Step::Destroy { pid: 1, tid: 1, id: a }).ret(EBUSY);
    d.step(Step::Trap { pid: 1, tid: 1, frame: None }).called(true);
    d.step(Step::Destroy { pid: 1, tid: 1, id: a }).ret(0);
    d
}

fn ctl_restore_on_copyin_fault() -> Directed {
    let mut d = Directed::new("ctl RUN: a copyin fault restores the caller's context", 1);
    d.proc(1, 1);
    let a = mem::id(0);
    d.step(Step::SetTls {
        pid: 1,
        tid: 1,
        tls: savetls { info: [tls_info { base: 0x77 as *mut _, size: 1 }, Default::default()] },
    });
    d.step(create(1, 1, a)).ret(0);
    // The trapframe faults half-way: the first 100 bytes were copied.
    d.step(Step::UserFault { pid: 1, addr: mem::tf() + 100, len: 1, on: true });
    let restore = [
        "bcopy(vklp#0, frame#1.1, 200)".to_string(),
        "bcopy(vklp#0.save_vextframe, td#1.1.td_tls, 32)".into(),
        "set_user_TLS() fsbase=0x77 gsbase=0x0".into(),
    ];
    let mut tail = vec![format!("copyin({}, frame#1.1, 200) = EFAULT", hex(mem::tf()))];
    tail.extend(restore.iter().cloned());
    d.step(ctl(1, 1, a, RUN))
        .ret(EFAULT)
        .trace(&strs(&run_trace(1, 1, 0, true, Some("vkp#0.token"), &tail)))
        .check(Check::Frame { pid: 1, tid: 1, frame: frame_after_error(EFAULT) })
        .check(Check::TlsBases { pid: 1, tid: 1, fs: 0x77, gs: 0 })
        .dump_has(format!("ve#0 id={} refs=0", hex(a)))
        .dump_has("lwp#1.1 lwp_vmspace=vmspace#0 lwp_vkernel=vklp#0")
        .dump_has(format!("vklp#0 ve=NULL user_trapframe={}", hex(mem::tf())));
    d.step(Step::UserFault { pid: 1, addr: mem::tf() + 100, len: 1, on: false });
    // The vextframe faults after the trapframe was copied in.
    d.step(Step::SetFrame { pid: 1, tid: 1, frame: kernel_frame() });
    d.step(Step::UserFault { pid: 1, addr: mem::vf() + 8, len: 1, on: true });
    let mut tail = vec![
        format!("copyin({}, frame#1.1, 200) = 0", hex(mem::tf())),
        format!("copyin({}, td#1.1.td_tls, 32) = EFAULT", hex(mem::vf())),
    ];
    tail.extend(restore.iter().cloned());
    d.step(ctl(1, 1, a, RUN))
        .ret(EFAULT)
        .trace(&strs(&run_trace(1, 1, 0, false, Some("vkp#0.token"), &tail)))
        .check(Check::Frame { pid: 1, tid: 1, frame: frame_after_error(EFAULT) })
        .check(Check::TlsBases { pid: 1, tid: 1, fs: 0x77, gs: 0 })
        .dump_has(format!("ve#0 id={} refs=0", hex(a)));
    // A tframe outside user memory: EFAULT too.
    d.step(Step::SetFrame { pid: 1, tid: 1, frame: kernel_frame() });
    d.step(Step::Ctl { pid: 1, tid: 1, id: a, cmd: RUN, tframe: 0, vframe: mem::vf() })
        .ret(EFAULT)
        .trace_has("copyin(0x0, frame#1.1, 200) = EFAULT");
    d
}

fn ctl_restore_on_sanitize_failure() -> Directed {
    let mut d = Directed::new("ctl RUN: a sanitize failure restores the caller's context (injected)", 1);
    d.proc(1, 1);
    let a = mem::id(0);
    d.step(create(1, 1, a)).ret(0);
    for (frame_err, tls_err) in [(EINVAL as i32, 0), (0, EINVAL as i32)] {
        d.step(Step::SetFrame { pid: 1, tid: 1, frame: kernel_frame() });
        d.step(Step::InjectSanitize { frame: frame_err, tls: tls_err });
        let mut tail = vec![
            format!("copyin({}, frame#1.1, 200) = 0", hex(mem::tf())),
            format!("copyin({}, td#1.1.td_tls, 32) = 0", hex(mem::vf())),
        ];
        if frame_err != 0 {
            tail.push("cpu_sanitize_frame(frame#1.1) = EINVAL (injected, not x86_64 behaviour)".into());
        } else {
            tail.push("cpu_sanitize_frame(frame#1.1) = 0".into());
            tail.push("cpu_sanitize_tls(td#1.1.td_tls) = EINVAL (injected, not x86_64 behaviour)".into());
        }
        tail.extend([
            "bcopy(vklp#0, frame#1.1, 200)".to_string(),
            "bcopy(vklp#0.save_vextframe, td#1.1.td_tls, 32)".into(),
            "set_user_TLS() fsbase=0x0 gsbase=0x0".into(),
        ]);
        let alloc = frame_err != 0;
        d.step(ctl(1, 1, a, RUN))
            .ret(EINVAL)
            .trace(&strs(&run_trace(1, 1, 0, alloc, Some("vkp#0.token"), &tail)))
            .check(Check::Frame { pid: 1, tid: 1, frame: frame_after_error(EINVAL) })
            .check(Check::TlsBases { pid: 1, tid: 1, fs: 0, gs: 0 })
            .dump_has(format!("ve#0 id={} refs=0", hex(a)));
    }
    d.step(Step::InjectSanitize { frame: 0, tls: 0 });
    d
}

fn ctl_unknown_command() -> Directed {
    let mut d = Directed::new("ctl: unknown command (EOPNOTSUPP)", 1);
    d.proc(1, 1);
    let a = mem::id(0);
    d.step(create(1, 1, a)).ret(0);
    for cmd in [0, 2, -1] {
        d.step(ctl(1, 1, a, cmd))
            .ret(EOPNOTSUPP)
            .trace(&["lwkt_gettoken(vkp#0.token)", "lwkt_reltoken(vkp#0.token)"])
            .dump_lacks("vklp#");
    }
    // The lookup comes first: an unknown id is ENOENT whatever the command.
    d.step(ctl(1, 1, mem::id(1), 2)).ret(ENOENT);
    d
}

fn ctl_guest_thread() -> Directed {
    let mut d = Directed::new("ctl by a VMM guest thread: CR3 only, no entry, no token", 1);
    d.proc(1, 1);
    let a = mem::id(0);
    d.step(Step::SetTdVmm { pid: 1, tid: 1, on: true });
    d.step(create(1, 1, a)).ret(0);
    let mut tail = load_ok(1, 1);
    tail.extend([
        format!("vmm_vm_set_guest_cr3({})", hex(a)),
        "set_user_TLS() fsbase=0x1111 gsbase=0x2222".into(),
        "set_vkernel_fp(frame#1.1) virtfp=1".into(),
    ]);
    d.step(ctl(1, 1, a, RUN))
        .ret(EJUSTRETURN)
        .trace(&strs(&run_trace(1, 1, 0, true, None, &tail)))
        .check(Check::Frame { pid: 1, tid: 1, frame: guest_frame() })
        .dump_has("lwp#1.1 lwp_vmspace=vmspace#0 lwp_vkernel=vklp#0");
    // The trap restores the vkernel's CR3 (vkernel_cr3, 0 here).
    d.step(Step::Trap { pid: 1, tid: 1, frame: None })
        .called(true)
        .trace(&[
            "vmm_vm_set_guest_cr3(0x0)",
            &format!("copyout(frame#1.1, {}, 200) = 0", hex(mem::tf())),
            "bcopy(vklp#0, frame#1.1, 200)",
            "bcopy(vklp#0.save_vextframe, td#1.1.td_tls, 32)",
            "set_user_TLS() fsbase=0x0 gsbase=0x0",
            "cpu_vkernel_trap(frame#1.1, 0)",
        ])
        .check(Check::Frame { pid: 1, tid: 1, frame: trapframe { tf_rax: 0, ..kernel_frame() } })
        .dump_has("vklp#0 ve=NULL");
    // Any id goes (there is no lookup); unknown commands skip the token.
    d.step(ctl(1, 1, mem::id(5), 2)).ret(EOPNOTSUPP).trace(&[]);
    // The restore path: nothing to unreference.
    d.step(Step::SetFrame { pid: 1, tid: 1, frame: kernel_frame() });
    d.step(Step::UserFault { pid: 1, addr: mem::tf(), len: 1, on: true });
    d.step(ctl(1, 1, mem::id(5), RUN))
        .ret(EFAULT)
        .trace(&strs(&run_trace(
            1,
            1,
            0,
            false,
            None,
            &[
                format!("copyin({}, frame#1.1, 200) = EFAULT", hex(mem::tf())),
                "bcopy(vklp#0, frame#1.1, 200)".into(),
                "bcopy(vklp#0.save_vextframe, td#1.1.td_tls, 32)".into(),
                "set_user_TLS() fsbase=0x0 gsbase=0x0".into(),
            ],
        )))
        .check(Check::Frame { pid: 1, tid: 1, frame: frame_after_error(EFAULT) });
    d
}

fn mmap_calls() -> Directed {
    let mut d = Directed::new("mmap: kern_mmap on the VMSPACE, its result and errors", 1);
    d.proc(1, 1);
    let a = mem::id(0);
    d.step(create(1, 1, a)).ret(0);
    let flags = ffi::MAP_ANON | ffi::MAP_VPAGETABLE | ffi::MAP_FIXED;
    d.step(mmap(a, 0x10000, 0x4000, flags, -1))
        .ret(0)
        .sysmsg(0x10000)
        .trace(&[
            "lwkt_gettoken(vmspace_token)",
            "lwkt_gettoken(vkp#0.token)",
            "kern_mmap(vmspace#1, 0x10000, 0x4000, 0x3, 0x3010, -1, 0x0, uap#1.1) = 0 *res=0x10000",
            "lwkt_reltoken(vkp#0.token)",
            "lwkt_reltoken(vmspace_token)",
        ])
        .check(Check::Frame { pid: 1, tid: 1, frame: trapframe { tf_rax: 0x10000, tf_rdx: 0x77, ..kernel_frame() } })
        .dump_has("[0x10000,0x14000) vpagetable prot=rw-/rwx")
        .dump_has(format!("ve#0 id={} refs=0", hex(a)));
    // kern_mmap's errors are returned as they are.
    d.step(Step::SetFrame { pid: 1, tid: 1, frame: kernel_frame() });
    d.step(mmap(a, 0, 0x1000, 0, 3))
        .ret(EBADF)
        .trace_has("kern_mmap(vmspace#1, 0x0, 0x1000, 0x3, 0x0, 3, 0x0, uap#1.1) = EBADF")
        .check(Check::Frame { pid: 1, tid: 1, frame: frame_after_error(EBADF) });
    d.step(mmap(a, 0x10001, 0x1000, ffi::MAP_ANON | ffi::MAP_FIXED, -1)).ret(EINVAL);
    d.step(mmap(a, 0, 0, ffi::MAP_ANON, -1)).ret(EINVAL);
    d
}

fn munmap_checks() -> Directed {
    let mut d = Directed::new("munmap: every check of sys_munmap", 1);
    d.proc(1, 1);
    let a = mem::id(0);
    d.step(create(1, 1, a)).ret(0);
    d.step(mmap(a, 0x10000, 0x4000, ffi::MAP_ANON | ffi::MAP_FIXED, -1)).ret(0);
    d.step(mmap(a, vm_max() - 0x2000, 0x2000, ffi::MAP_ANON | ffi::MAP_FIXED, -1)).ret(0);
    let tok = ["lwkt_gettoken(vkp#0.token)", "lwkt_reltoken(vkp#0.token)"];
    // size < len after rounding: wraps.
    d.step(munmap(a, 0x1234, u64::MAX)).ret(EINVAL).trace(&tok);
    d.step(munmap(a, 0x1000, u64::MAX - 0xffe)).ret(EINVAL).trace(&tok);
    // addr + size wraps.
    d.step(munmap(a, 0xffff_ffff_ffff_f000, 0x2000)).ret(EINVAL).trace(&tok);
    // Nothing to unmap.
    d.step(munmap(a, 0x10000, 0)).ret(0).trace(&tok).dump_has("[0x10000,0x14000)");
    d.step(munmap(a, 0x10000, 0)).sysmsg(0);
    // Past VM_MAX_USER_ADDRESS; up to it is in range.
    d.step(munmap(a, vm_max() - 0x1000, 0x1001)).ret(EINVAL).trace(&tok);
    d.step(munmap(a, vm_max(), 1)).ret(EINVAL).trace(&tok);
    d.step(munmap(a, vm_max() - 0x1000, 0x1000)).ret(0).trace(&[
        "lwkt_gettoken(vkp#0.token)",
        &format!("vm_map_check_protection(vmspace#1, {}, {}, 0x0, 0) = 1", hex(vm_max() - 0x1000), hex(vm_max())),
        &format!("vm_map_remove(vmspace#1, {}, {}) = 0", hex(vm_max() - 0x1000), hex(vm_max())),
        "lwkt_reltoken(vkp#0.token)",
    ]);
    // A hole in the range.
    d.step(munmap(a, 0x13000, 0x2000)).ret(EINVAL).trace(&[
        "lwkt_gettoken(vkp#0.token)",
        "vm_map_check_protection(vmspace#1, 0x13000, 0x15000, 0x0, 0) = 0",
        "lwkt_reltoken(vkp#0.token)",
    ]);
    // Unaligned: the page offset widens the range to whole pages.
    d.step(munmap(a, 0x10800, 0x1000))
        .ret(0)
        .trace(&[
            "lwkt_gettoken(vkp#0.token)",
            "vm_map_check_protection(vmspace#1, 0x10000, 0x12000, 0x0, 0) = 1",
            "vm_map_remove(vmspace#1, 0x10000, 0x12000) = 0",
            "lwkt_reltoken(vkp#0.token)",
        ])
        .dump_has("[0x12000,0x14000)")
        .dump_lacks("[0x10000,")
        .dump_has(format!("ve#0 id={} refs=0", hex(a)));
    d
}

fn mcontrol_checks() -> Directed {
    let mut d = Directed::new("mcontrol: every check of sys_mcontrol, then vm_map_madvise", 1);
    d.proc(1, 1);
    let a = mem::id(0);
    d.step(create(1, 1, a)).ret(0);
    d.step(mmap(a, 0x10000, 0x4000, ffi::MAP_ANON | ffi::MAP_VPAGETABLE | ffi::MAP_FIXED, -1)).ret(0);
    d.step(mmap(a, 0x20000, 0x1000, ffi::MAP_ANON | ffi::MAP_FIXED, -1)).ret(0);
    let tok = ["lwkt_gettoken(vkp#0.token)", "lwkt_reltoken(vkp#0.token)"];
    let end = ffi::MADV_CONTROL_END as i32;
    for behav in [-1, end + 1, i32::MIN, i32::MAX] {
        d.step(mcontrol(a, 0x10000, 0x1000, behav, 0)).ret(EINVAL).trace(&tok);
    }
    // addr + len wraps.
    d.step(mcontrol(a, 0x1000, u64::MAX, 0, 0)).ret(EINVAL).trace(&tok);
    // Past VM_MAX_USER_ADDRESS; up to it is in range.
    d.step(mcontrol(a, vm_max() - 0x1000, 0x1001, 0, 0)).ret(EINVAL).trace(&tok);
    d.step(mcontrol(a, vm_max() - 0x1000, 0x1000, 0, 0)).ret(0).trace(&[
        "lwkt_gettoken(vkp#0.token)",
        &format!("vm_map_madvise(vmspace#1, {}, {}, 0, 0x0) = 0", hex(vm_max() - 0x1000), hex(vm_max())),
        "lwkt_reltoken(vkp#0.token)",
    ]);
    // MADV_CONTROL_END itself (MADV_SETMAP) is valid; the range is widened
    // to whole pages.
    d.step(mcontrol(a, 0x10001, 0x3ffe, end, 0xabc))
        .ret(0)
        .trace(&[
            "lwkt_gettoken(vkp#0.token)",
            "vm_map_madvise(vmspace#1, 0x10000, 0x14000, 11, 0xabc) = 0",
            "lwkt_reltoken(vkp#0.token)",
        ])
        .dump_has("[0x10000,0x14000) vpagetable prot=rw-/rwx inh=1 eflags=0x0 obj=none master_pde=0xabc")
        .dump_has(format!("ve#0 id={} refs=0", hex(a)));
    // vm_map_madvise's errors are returned as they are.
    d.step(mcontrol(a, 0x20000, 0x1000, end, 1))
        .ret(EINVAL)
        .trace_has("vm_map_madvise(vmspace#1, 0x20000, 0x21000, 11, 0x1) = EINVAL");
    d.step(mcontrol(a, 0x11000, 0x1000, ffi::MADV_INVAL as i32, 0))
        .ret(0)
        .trace_has("vm_map_madvise(vmspace#1, 0x11000, 0x12000, 10, 0x0) = 0");
    // A zero length is no wrap (tmpaddr == addr): the range is the page
    // holding addr, trunc_page(addr) to round_page(addr).
    d.step(mcontrol(a, 0x11800, 0, ffi::MADV_INVAL as i32, 0)).ret(0).trace(&[
        "lwkt_gettoken(vkp#0.token)",
        "vm_map_madvise(vmspace#1, 0x11000, 0x12000, 10, 0x0) = 0",
        "lwkt_reltoken(vkp#0.token)",
    ]);
    d
}

fn fork_inherits() -> Directed {
    let mut d = Directed::new("fork: the child shares the vkernel_proc; the last exit frees it", 1);
    d.proc(1, 1);
    let (a, b) = (mem::id(0), mem::id(1));
    // A process that is not a vkernel: the kernel does not call the hook.
    d.step(Step::Fork { pid: 1, tid: 1, child: 3, child_tid: 1 }).called(false).trace(&[]);
    d.step(create(1, 1, a)).ret(0);
    d.step(Step::Fork { pid: 1, tid: 1, child: 2, child_tid: 1 })
        .called(true)
        .trace(&[])
        .dump_has("vkp#0 refs=2")
        .dump_has("p_vkernel=vkp#0 p_token=free nthreads=1\n  vkp#0 refs=2");
    d.step(Step::SetFrame { pid: 2, tid: 1, frame: kernel_frame() });
    // The child's calls use the same tree.
    d.step(create(2, 1, b)).ret(0).trace_lacks("kmalloc(80");
    d.step(Step::Destroy { pid: 2, tid: 1, id: a }).ret(0);
    d.step(create(1, 1, b)).ret(EEXIST);
    // The parent leaves: one reference left, nothing freed.
    d.step(Step::Exit { pid: 1, tid: 1 }).called(true).trace(&[]).dump_has("vkp#0 refs=1").check(Check::KmemLive(2));
    // The child leaves: every entry goes, then the vkernel_proc.
    let mut t = vec![
        "lwkt_gettoken(vkp#0.token)".to_string(),
        "rb_spin_lock(vkp#0.root.rbh_spin)".into(),
        "rb_spin_unlock(vkp#0.root.rbh_spin)".into(),
    ];
    // vmspace#1 is process 3's, #2 ve#0's, #3 process 2's.
    t.extend(delete_trace(1, 4));
    t.extend([
        "rb_spin_lock(vkp#0.root.rbh_spin)".to_string(),
        "rb_spin_unlock(vkp#0.root.rbh_spin)".into(),
        "lwkt_reltoken(vkp#0.token)".into(),
        "kfree(vkp#0, vkernel)".into(),
    ]);
    d.step(Step::Exit { pid: 2, tid: 1 }).called(true).trace(&strs(&t)).check(Check::KmemLive(0));
    d
}

fn exit_destroys_everything() -> Directed {
    let mut d = Directed::new("exit: the last process destroys every VMSPACE left", 1);
    d.proc(1, 1);
    // Created out of id order; destroyed in tree (id) order.
    for n in [2, 0, 1] {
        d.step(create(1, 1, mem::id(n))).ret(0);
    }
    d.step(mmap(mem::id(0), 0x10000, 0x1000, ffi::MAP_ANON | ffi::MAP_FIXED, -1)).ret(0);
    let o = d.step(Step::Exit { pid: 1, tid: 1 }).called(true).check(Check::KmemLive(0)).check(Check::VmspaceLive(0));
    for (ve, vm) in [(1, 2), (2, 3), (0, 1)] {
        for l in delete_trace(ve, vm) {
            o.trace_has(&l);
        }
    }
    o.trace_has("kfree(vkp#0, vkernel)");
    d
}

fn exit_with_active_vc() -> Directed {
    let mut d = Directed::new("exit while LWPs run in a VMSPACE: warnings, references dropped", 1);
    d.proc(1, 2);
    let a = mem::id(0);
    d.step(create(1, 1, a)).ret(0);
    d.step(create(1, 1, mem::id(1))).ret(0);
    d.step(ctl(1, 1, a, RUN)).ret(EJUSTRETURN);
    d.step(ctl(1, 2, a, RUN)).ret(EJUSTRETURN).dump_has(format!("ve#0 id={} refs=2", hex(a)));
    d.step(Step::Destroy { pid: 1, tid: 1, id: a })
        .ret(EBUSY)
        .trace(&["lwkt_gettoken(vkp#0.token)", "lwkt_reltoken(vkp#0.token)"]);
    // exit1(): vkernel_lwp_exit(lp) for the exiting LWP, then vkernel_exit()
    // for all (1.1 has no vkernel_lwp by then).
    d.step(Step::Exit { pid: 1, tid: 1 })
        .called(true)
        .check(Check::NoFault)
        .trace_has("kprintf(\"Warning, pid 1 killed with active VC!|\") = 38")
        .trace_has("pmap_setlwpvm(lwp#1.1, vmspace#0)")
        .trace_has("pmap_setlwpvm(lwp#1.2, vmspace#0)")
        .trace_has("kfree(vklp#0, vkernel)")
        .trace_has("kfree(vklp#1, vkernel)")
        .check(Check::Kprintf("Warning, pid 1 killed with active VC!\n".repeat(2)))
        .check(Check::KmemLive(0))
        .check(Check::VmspaceLive(0));
    d
}

fn lwp_exit() -> Directed {
    let mut d = Directed::new("LWP exit: with and without a VMSPACE running", 1);
    d.proc(1, 3);
    let a = mem::id(0);
    d.step(create(1, 1, a)).ret(0);
    // No vkernel_lwp: the kernel does not call the hook.
    d.step(Step::LwpExit { pid: 1, tid: 3 }).called(false).trace(&[]);
    d.step(ctl(1, 2, a, RUN)).ret(EJUSTRETURN);
    d.step(ctl(1, 1, a, RUN)).ret(EJUSTRETURN).dump_has("refs=2");
    d.step(Step::LwpExit { pid: 1, tid: 2 })
        .called(true)
        .trace(&[
            "kprintf(\"Warning, pid 1 killed with active VC!|\") = 38",
            "pmap_setlwpvm(lwp#1.2, vmspace#0)",
            "kfree(vklp#0, vkernel)",
        ])
        .check(Check::Kprintf("Warning, pid 1 killed with active VC!\n".into()))
        .dump_has(format!("ve#0 id={} refs=1", hex(a)))
        .dump_lacks("lwp#1.2");
    // A vkernel_lwp but no VMSPACE running: just freed.
    d.step(Step::Trap { pid: 1, tid: 1, frame: None }).called(true);
    d.step(Step::LwpExit { pid: 1, tid: 1 }).called(true).trace(&["kfree(vklp#1, vkernel)"]).dump_has("refs=0");
    d
}

fn exec_releases() -> Directed {
    let mut d = Directed::new("exec: vkernel_exit; the process can start over", 1);
    d.proc(1, 2);
    let a = mem::id(0);
    d.step(create(1, 1, a)).ret(0);
    d.step(ctl(1, 2, a, RUN)).ret(EJUSTRETURN);
    d.step(Step::Exec { pid: 1, tid: 1 })
        .called(true)
        .trace_has("kprintf(\"Warning, pid 1 killed with active VC!|\") = 38")
        .trace_has("kfree(vklp#0, vkernel)")
        .trace_has("kfree(ve#0, vkernel)")
        .trace_has("kfree(vkp#0, vkernel)")
        .dump_has("p_vkernel=NULL")
        .dump_has("lwp#1.2 lwp_vmspace=vmspace#0 lwp_vkernel=NULL")
        .check(Check::KmemLive(0));
    d.step(create(1, 1, a)).ret(0).trace_has("kmalloc(80, vkernel, M_WAITOK|M_ZERO) = vkp#1");
    d
}

fn exec_then_ctl() -> Directed {
    let mut d = Directed::new("exec, then ctl on the same LWP: a new vkernel_lwp", 1);
    d.proc(1, 1);
    let a = mem::id(0);
    d.step(create(1, 1, a)).ret(0);
    d.step(ctl(1, 1, a, RUN)).ret(EJUSTRETURN);
    d.step(Step::Trap { pid: 1, tid: 1, frame: None }).called(true);
    // The LWP keeps its vkernel_lwp (ve NULL); exec frees it and clears
    // lwp_vkernel.
    d.step(Step::Exec { pid: 1, tid: 1 })
        .called(true)
        .trace_lacks("Warning")
        .trace_has("kfree(vklp#0, vkernel)")
        .dump_has("lwp#1.1 lwp_vmspace=vmspace#0 lwp_vkernel=NULL")
        .check(Check::KmemLive(0));
    // The same LWP starts over: a new vkernel_proc, entry and vkernel_lwp.
    d.step(Step::SetFrame { pid: 1, tid: 1, frame: kernel_frame() });
    d.step(Step::UserWrite { pid: 1, addr: mem::tf(), bytes: bytes(&guest_frame()) });
    d.step(create(1, 1, a)).ret(0);
    d.step(ctl(1, 1, a, RUN))
        .ret(EJUSTRETURN)
        .trace_has("kmalloc(256, vkernel, M_WAITOK|M_ZERO) = vklp#1")
        .dump_has("lwp#1.1 lwp_vmspace=vmspace#2 lwp_vkernel=vklp#1")
        .check(Check::Frame { pid: 1, tid: 1, frame: guest_frame() });
    d.step(Step::Trap { pid: 1, tid: 1, frame: None }).called(true).dump_has("vklp#1 ve=NULL");
    d
}

fn guest_vkernel_cr3() -> Directed {
    let mut d = Directed::new("VMM guest: the trap restores a non-zero vkernel_cr3", 1);
    d.proc(1, 1);
    let a = mem::id(0);
    d.step(Step::SetTdVmm { pid: 1, tid: 1, on: true });
    d.step(create(1, 1, a)).ret(0);
    // vmx_vminit_master (pc64 vmm) records the vkernel's CR3.
    let cr3 = 0x1234_5000u64;
    d.step(Step::Kernel { pid: 1, tid: 1, f: crate::replay::vk::vmx_vminit_master, arg: cr3 as usize })
        .ret(0)
        .dump_has(format!("vkp#0 refs=1 vkernel_cr3={} token=free", hex(cr3)));
    d.step(ctl(1, 1, a, RUN)).ret(EJUSTRETURN).trace_has(&format!("vmm_vm_set_guest_cr3({})", hex(a)));
    d.step(Step::Trap { pid: 1, tid: 1, frame: None })
        .called(true)
        .trace(&[
            &format!("vmm_vm_set_guest_cr3({})", hex(cr3)),
            &format!("copyout(frame#1.1, {}, 200) = 0", hex(mem::tf())),
            "bcopy(vklp#0, frame#1.1, 200)",
            "bcopy(vklp#0.save_vextframe, td#1.1.td_tls, 32)",
            "set_user_TLS() fsbase=0x0 gsbase=0x0",
            "cpu_vkernel_trap(frame#1.1, 0)",
        ])
        .dump_has("vklp#0 ve=NULL");
    d
}

fn trap_copyout_fault() -> Directed {
    let mut d = Directed::new("trap: copyout to the vkernel faults: the error goes to cpu_vkernel_trap", 1);
    d.proc(1, 1);
    let a = mem::id(0);
    d.step(create(1, 1, a)).ret(0);
    // A tframe in the read-only page: copyin works, copyout faults.
    let ro_frame = mem::ro();
    d.step(Step::Ctl { pid: 1, tid: 1, id: a, cmd: RUN, tframe: ro_frame, vframe: mem::vf() }).ret(EJUSTRETURN);
    d.step(Step::Trap { pid: 1, tid: 1, frame: None })
        .called(true)
        .trace_has(&format!("copyout(frame#1.1, {}, 200) = EFAULT", hex(ro_frame)))
        .trace_has(&format!("cpu_vkernel_trap(frame#1.1, {EFAULT})"))
        .check(Check::Frame {
            pid: 1,
            tid: 1,
            frame: trapframe { tf_rax: EFAULT, tf_rflags: 0x202 | ffi::PSL_C as i64, ..kernel_frame() },
        })
        .dump_has(format!("ve#0 id={} refs=0", hex(a)));
    d
}

fn kkassert_trap_without_vklp() -> Directed {
    let mut d = Directed::new("KKASSERT: vkernel_trap without a vkernel_lwp", 1);
    d.proc(1, 1);
    d.step(create(1, 1, mem::id(0))).ret(0);
    d.step(Step::Hook { pid: 1, tid: 1, hook: Hook::Trap { pid: 1, tid: 1 } })
        .trace(&["panic: assertion \"vklp\" failed in vkernel_trap at <src>"])
        .check(Check::Panic("assertion \"vklp\" failed in vkernel_trap at ".into()));
    d
}

fn kkassert_trap_outside_vmspace() -> Directed {
    let mut d = Directed::new("KKASSERT: vkernel_trap outside a VMSPACE", 1);
    d.proc(1, 1);
    let a = mem::id(0);
    d.step(create(1, 1, a)).ret(0);
    d.step(ctl(1, 1, a, RUN)).ret(EJUSTRETURN);
    d.step(Step::Trap { pid: 1, tid: 1, frame: None }).called(true);
    d.step(Step::Hook { pid: 1, tid: 1, hook: Hook::Trap { pid: 1, tid: 1 } })
        .check(Check::Panic("assertion \"ve != NULL\" failed in vkernel_trap at ".into()));
    d
}

/// A ctl while already running a VMSPACE (impossible from user mode: the
/// guest's system call traps first) reads its frames through the VMSPACE,
/// where they are not: EFAULT, and the saved context is the guest's.
fn ctl_while_running() -> Directed {
    let mut d = Directed::new("ctl while running a VMSPACE: copyin through the VMSPACE faults", 1);
    d.proc(1, 1);
    let a = mem::id(0);
    d.step(create(1, 1, a)).ret(0);
    d.step(ctl(1, 1, a, RUN)).ret(EJUSTRETURN);
    d.step(ctl(1, 1, a, RUN))
        .ret(EFAULT)
        .trace_has(&format!("copyin({}, frame#1.1, 200) = EFAULT", hex(mem::tf())))
        .trace_has("set_user_TLS() fsbase=0x1111 gsbase=0x2222")
        .check(Check::Frame { pid: 1, tid: 1, frame: trapframe { tf_rax: EFAULT, tf_rflags: 0x203, ..guest_frame() } })
        .dump_has(format!("ve#0 id={} refs=1", hex(a)))
        .dump_has("vklp#0 ve=ve#0");
    d.step(Step::Exit { pid: 1, tid: 1 }).called(true).check(Check::NoFault).check(Check::KmemLive(0));
    d
}

/// The allowed divergence: see `AllowedDivergence::TdVmmLwpExit`.
fn guest_lwp_exit() -> Directed {
    let mut d = Directed::new("LWP exit of a VMM guest running a VMSPACE (allowed divergence)", 1);
    d.proc(1, 1);
    let id = mem::id(3);
    d.step(Step::SetTdVmm { pid: 1, tid: 1, on: true });
    d.step(create(1, 1, id)).ret(0);
    d.step(ctl(1, 1, id, RUN)).ret(EJUSTRETURN);
    let refs = harness_refs_offset();
    d.step(Step::LwpExit { pid: 1, tid: 1 })
        // C: vklp->ve (the id) used as a vmspace_entry.
        .check(Check::COnly(Box::new(Check::Trace(vec![
            "td#1.1 kprintf(\"Warning, pid 1 killed with active VC!|\") = 38".into(),
            "td#1.1 pmap_setlwpvm(lwp#1.1, vmspace#0)".into(),
            format!(
                "td#1.1 panic: fatal trap 12: page fault while in kernel mode: fault virtual address = {} \
                 (user address dereferenced directly)",
                hex(id + refs)
            ),
        ]))))
        .check(Check::COnly(Box::new(Check::Kprintf("Warning, pid 1 killed with active VC!\n".into()))))
        .check(Check::COnly(Box::new(Check::Panic(format!(
            "fault virtual address = {} (user address dereferenced directly)",
            hex(id + refs)
        )))))
        // The port: DragonFly e1ea8b243e, the id is cleared, nothing else.
        .check(Check::PortOnly(Box::new(Check::Called(true))))
        .check(Check::PortOnly(Box::new(Check::NoFault)))
        .check(Check::PortOnly(Box::new(Check::Trace(vec!["td#1.1 kfree(vklp#0, vkernel)".into()]))))
        .check(Check::PortOnly(Box::new(Check::Kprintf(String::new()))))
        .check(Check::PortOnly(Box::new(Check::KmemLive(1))));
    d
}

/// offsetof(struct vmspace_entry, refs).
fn harness_refs_offset() -> u64 {
    let e = ffi::vmspace_entry::default();
    (&e.refs as *const _ as u64) - (&e as *const _ as u64)
}

/// The directed scenarios as diff scenarios.
pub fn scenarios() -> Vec<Scenario> {
    all().iter().map(Directed::scenario).collect()
}

// ---------------------------------------------------------------------------
// Concurrent directed scenarios: the paths only concurrency reaches.

/// How the threads of a concurrent scenario are interleaved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// Switch to another runnable thread at every switch point.
    RoundRobin,
    /// Run call 0 until it blocks (model_may_block: tokens given up), then
    /// the others to the end, then call 0 again.
    FirstBlocksThenOthers,
}

impl Schedule {
    pub fn chooser(self) -> impl FnMut(&Decision) -> usize {
        let mut last = usize::MAX;
        move |d: &Decision| {
            let pick = match self {
                Schedule::RoundRobin => *d.runnable.iter().find(|&&i| i != last).unwrap_or(&d.runnable[0]),
                Schedule::FirstBlocksThenOthers => {
                    let first_blocked = d.states[0] == ThreadState::Blocked;
                    if d.runnable.contains(&0) && !first_blocked {
                        0
                    } else {
                        *d.runnable.iter().find(|&&i| i != 0).unwrap_or(&d.runnable[0])
                    }
                }
            };
            last = pick;
            pick
        }
    }
}

/// A concurrent directed scenario: sequential setup steps (with their
/// checks), then calls on distinct threads run at once under `schedule`,
/// then `expect` on the outcome (derived from the C source like the rest).
#[derive(Clone)]
pub struct Concurrent {
    pub setup: Directed,
    pub calls: Vec<Step>,
    pub schedule: Schedule,
    pub expect: fn(&ConcurrentOutcome, &World) -> Result<(), String>,
}

impl Concurrent {
    pub fn name(&self) -> &'static str {
        self.setup.name
    }

    /// The concurrent part with `imp` on a world the setup ran in.
    pub fn run_calls(&self, w: &mut World, imp: Impl) -> ConcurrentOutcome {
        let mut choose = self.schedule.chooser();
        let o = w.run_concurrent(imp, &self.calls, &mut choose);
        ConcurrentOutcome {
            trace: o.trace.iter().map(|l| super::normalise(l)).collect(),
            dump: o.dump.as_deref().map(super::normalise),
            fault: o.fault.as_ref().map(|f| Fault { kind: f.kind, message: super::normalise(&f.message) }),
            ..o
        }
    }

    /// Setup with its checks, then the calls and `expect` (not checked
    /// when the setup's expectations are another revision's).
    pub fn run(&self, w: &mut World, imp: Impl) -> Result<ConcurrentOutcome, String> {
        self.setup.run(w, imp)?;
        let o = self.run_calls(w, imp);
        if self.setup.expectations_apply() {
            (self.expect)(&o, w).map_err(|e| format!("{} ({}): concurrent calls: {e}", self.name(), imp.name()))?;
        }
        Ok(o)
    }
}

fn has(o: &ConcurrentOutcome, line: &str) -> Result<(), String> {
    if o.trace.iter().any(|l| l == line) {
        Ok(())
    } else {
        let mut s = format!("no trace record {line:?}; trace:\n");
        for l in &o.trace {
            let _ = writeln!(s, "    {l}");
        }
        Err(s)
    }
}

/// Two LWPs create their process's first VMSPACEs at once: both allocate a
/// vkernel_proc before taking p_token; the second finds p_vkernel set,
/// frees its own and uses the first's (lines 103-106).
fn create_race() -> Concurrent {
    let mut d = Directed::new("concurrent: two first creates race for p_vkernel", 2);
    d.proc(1, 2);
    d.step(Step::SetCpu { pid: 1, tid: 2, cpu: 1 });
    Concurrent {
        setup: d,
        calls: vec![create(1, 1, mem::id(0)), create(1, 2, mem::id(1))],
        schedule: Schedule::RoundRobin,
        expect: |o, w| {
            if o.fault.is_some() || o.calls.iter().any(|c| c.ret != Some(0)) {
                return Err(format!(
                    "want both to succeed: {:?} {:?}",
                    o.fault,
                    o.calls.iter().map(|c| c.ret).collect::<Vec<_>>()
                ));
            }
            has(o, "td#1.1 kmalloc(80, vkernel, M_WAITOK|M_ZERO) = vkp#0")?;
            has(o, "td#1.2 kmalloc(80, vkernel, M_WAITOK|M_ZERO) = vkp#1")?;
            has(o, "td#1.2 kfree(vkp#1, vkernel)")?;
            let dump = o.dump.clone().unwrap_or_default();
            for want in [
                "p_vkernel=vkp#0",
                &format!("ve#0 id={} refs=0", hex(mem::id(0))),
                &format!("ve#1 id={} refs=0", hex(mem::id(1))),
            ] {
                if !dump.contains(want) {
                    return Err(format!("dump lacks {want:?}:\n{dump}"));
                }
            }
            if w.kmem_live() != 3 {
                return Err(format!("want 3 live blocks (vkp, 2 ve), got {}", w.kmem_live()));
            }
            Ok(())
        },
    }
}

/// Process 1 with LWP 1.2 on cpu 1 and one VMSPACE; returns LWP 1.2's
/// mmap into it (kern_mmap sleeps: the concurrent scenarios' blocking call).
fn mmap_on_second_cpu(d: &mut Directed) -> Step {
    d.proc(1, 2);
    d.step(Step::SetCpu { pid: 1, tid: 2, cpu: 1 });
    d.step(create(1, 1, mem::id(0))).ret(0);
    let mut m = mmap(mem::id(0), 0x10000, 0x1000, ffi::MAP_ANON | ffi::MAP_FIXED, -1);
    if let Step::Mmap { tid, .. } = &mut m {
        *tid = 2;
    }
    m
}

/// A temporary reference at work: while LWP 1.2 sleeps in kern_mmap (its
/// tokens given up, the entry referenced), LWP 1.1's destroy finds the
/// entry busy.
fn destroy_during_mmap() -> Concurrent {
    let mut d = Directed::new("concurrent: destroy while an mmap sleeps in kern_mmap (EBUSY)", 2);
    let m = mmap_on_second_cpu(&mut d);
    Concurrent {
        setup: d,
        calls: vec![m, Step::Destroy { pid: 1, tid: 1, id: mem::id(0) }],
        schedule: Schedule::FirstBlocksThenOthers,
        expect: |o, _| {
            let rets: Vec<_> = o.calls.iter().map(|c| c.ret).collect();
            if o.fault.is_some() || rets != [Some(0), Some(EBUSY)] {
                return Err(format!("want mmap 0 and destroy EBUSY, got {rets:?} {:?}", o.fault));
            }
            has(o, "td#1.1 lwkt_gettoken(vkp#0.token)")?;
            Ok(())
        },
    }
}

/// exec() of one LWP while another sleeps in kern_mmap holding a temporary
/// reference: vkernel_exit's RB_SCAN finds the entry referenced and the
/// KKASSERT in rb_vmspace_delete fires.  (DragonFly's exec single-threads
/// the process first; the model does not.)
fn exec_during_mmap() -> Concurrent {
    let mut d = Directed::new("concurrent: exec while an mmap sleeps in kern_mmap (KKASSERT)", 2);
    let m = mmap_on_second_cpu(&mut d);
    Concurrent {
        setup: d,
        calls: vec![m, Step::Exec { pid: 1, tid: 1 }],
        schedule: Schedule::FirstBlocksThenOthers,
        expect: |o, _| match &o.fault {
            Some(f) if f.message.contains("assertion \"ve->refs == 0\" failed in rb_vmspace_delete at <src>") => {
                has(o, "td#1.1 lwkt_gettoken(vkp#0.token)")
            }
            f => Err(format!("want the rb_vmspace_delete KKASSERT, got {f:?}")),
        },
    }
}

/// Every concurrent directed scenario of this build's revision (the 2017
/// revisions: the same races with 22b7a3dbf6's expectations).
pub fn concurrent() -> Vec<Concurrent> {
    if cfg!(rev_2017) {
        return rev2017::concurrent();
    }
    vec![create_race(), destroy_during_mmap(), exec_during_mmap()]
}

/// Runs a concurrent directed scenario on both sides and compares them
/// (setup step by step, then the concurrent part).  Ok(steps compared).
#[cfg(feature = "port")]
// A Divergence carries both outcomes; it is built once, on failure.
#[allow(clippy::result_large_err)]
pub fn diff_concurrent(w: &mut World, c: &Concurrent) -> Result<usize, super::Divergence> {
    let sc = c.setup.scenario();
    let c_setup = super::scenario::run_side(w, Impl::C, &sc);
    let c_out = c.run_calls(w, Impl::C);
    let r_setup = super::scenario::run_side(w, Impl::Rust, &sc);
    let r_out = c.run_calls(w, Impl::Rust);
    let v = super::compare_runs(&sc.steps, &c_setup, &r_setup);
    if let Some(d) = v.unexpected {
        return Err(d);
    }
    // An allowed divergence of the concurrent part (the 2017 EBUSY leak)
    // ends the comparison like any other.
    if let Err(d) = super::compare_concurrent(sc.steps.len(), &c.calls, &c_out, &r_out) {
        if super::classify_concurrent(&c.calls, &c_out, &r_out).is_none() {
            return Err(d);
        }
    }
    Ok(sc.steps.len() + c.calls.len())
}
