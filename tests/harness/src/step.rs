//! Steps: what a scenario does to a world, one at a time, and what came out.

use crate::ffi::{savetls, trapframe};

/// Process id and LWP (thread) id in the model.
pub type Pid = i32;
pub type Tid = i32;

/// One thing that happens to the world.  System calls and hooks run on the
/// named LWP's thread; the others change the world from outside.
#[derive(Clone, Debug, PartialEq)]
#[allow(unpredictable_function_pointer_comparisons)]
pub enum Step {
    // ---- the VMSPACE system calls, made by LWP (pid, tid) ----
    Create {
        pid: Pid,
        tid: Tid,
        id: u64,
        ty: i32,
        data: u64,
    },
    Destroy {
        pid: Pid,
        tid: Tid,
        id: u64,
    },
    Ctl {
        pid: Pid,
        tid: Tid,
        id: u64,
        cmd: i32,
        tframe: u64,
        vframe: u64,
    },
    Mmap {
        pid: Pid,
        tid: Tid,
        id: u64,
        addr: u64,
        len: u64,
        prot: i32,
        flags: i32,
        fd: i32,
        offset: i64,
    },
    Munmap {
        pid: Pid,
        tid: Tid,
        id: u64,
        addr: u64,
        len: u64,
    },
    Mcontrol {
        pid: Pid,
        tid: Tid,
        id: u64,
        addr: u64,
        len: u64,
        behav: i32,
        value: i64,
    },
    Pread {
        pid: Pid,
        tid: Tid,
        id: u64,
        buf: u64,
        nbyte: u64,
        flags: i32,
        offset: i64,
    },
    Pwrite {
        pid: Pid,
        tid: Tid,
        id: u64,
        buf: u64,
        nbyte: u64,
        flags: i32,
        offset: i64,
    },

    // ---- kernel paths that call the hooks, with DragonFly's guards ----
    /// fork(): new process `child` (one LWP `child_tid`) copying pid's
    /// address space, then `if (p1->p_vkernel) vkernel_inherit(p1, p2)`.
    Fork {
        pid: Pid,
        tid: Tid,
        child: Pid,
        child_tid: Tid,
    },
    /// exit1() by LWP (pid, tid): `if (p->p_vkernel) { vkernel_lwp_exit(lp);
    /// vkernel_exit(p); }`, then the process is gone.
    Exit {
        pid: Pid,
        tid: Tid,
    },
    /// execve(): `if (p->p_vkernel) vkernel_exit(p)`.
    Exec {
        pid: Pid,
        tid: Tid,
    },
    /// lwp_exit(): `if (lp->lwp_vkernel) vkernel_lwp_exit(lp)`, then the LWP
    /// is gone.
    LwpExit {
        pid: Pid,
        tid: Tid,
    },
    /// A trap or system call of the LWP while it runs a VMSPACE:
    /// `if (lp->lwp_vkernel && lp->lwp_vkernel->ve) vkernel_trap(lp, frame)`,
    /// frame being the LWP's frame, first set to `frame` if given.
    Trap {
        pid: Pid,
        tid: Tid,
        frame: Option<trapframe>,
    },
    /// A hook called directly by LWP (pid, tid), without the kernel's guard.
    Hook {
        pid: Pid,
        tid: Tid,
        hook: Hook,
    },
    /// Any kernel code, `f(arg)`, on LWP (pid, tid)'s thread: for tests of
    /// the model itself.  `ret` is its result.
    Kernel {
        pid: Pid,
        tid: Tid,
        f: KernelFn,
        arg: usize,
    },

    // ---- the world, changed from outside ----
    NewProc {
        pid: Pid,
    },
    NewLwp {
        pid: Pid,
        tid: Tid,
    },
    SetVkernelEnable(bool),
    /// td_vmm of the LWP's thread: a VMM context (guest thread) or NULL.
    SetTdVmm {
        pid: Pid,
        tid: Tid,
        on: bool,
    },
    SetCpu {
        pid: Pid,
        tid: Tid,
        cpu: i32,
    },
    /// The LWP's current syscall/trap frame (what sysmsg_frame points to).
    SetFrame {
        pid: Pid,
        tid: Tid,
        frame: trapframe,
    },
    SetTls {
        pid: Pid,
        tid: Tid,
        tls: savetls,
    },
    /// User memory of the process's own vmspace (PROT_* prot).
    UserMap {
        pid: Pid,
        addr: u64,
        len: u64,
        prot: i32,
    },
    UserWrite {
        pid: Pid,
        addr: u64,
        bytes: Vec<u8>,
    },
    /// Bytes [addr, addr+len) of pid's user memory fault (EFAULT) while on.
    UserFault {
        pid: Pid,
        addr: u64,
        len: u64,
        on: bool,
    },
    /// Errors returned by cpu_sanitize_frame/cpu_sanitize_tls (0: x86_64
    /// behaviour; anything else is NOT x86_64 behaviour, for reaching the
    /// restore path of vmspace_ctl).
    InjectSanitize {
        frame: i32,
        tls: i32,
    },
}

/// Kernel code a test runs on a model thread (Step::Kernel).
pub type KernelFn = unsafe extern "C" fn(*mut core::ffi::c_void) -> core::ffi::c_int;

/// A vkernel hook called directly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hook {
    Inherit {
        p1: Pid,
        p2: Pid,
    },
    Exit {
        pid: Pid,
    },
    LwpExit {
        pid: Pid,
        tid: Tid,
    },
    /// vkernel_trap(lp, the LWP's frame).
    Trap {
        pid: Pid,
        tid: Tid,
    },
}

impl Step {
    /// The thread a call step runs on; None for steps acting from outside.
    pub fn thread(&self) -> Option<(Pid, Tid)> {
        use Step::*;
        match *self {
            Create { pid, tid, .. }
            | Destroy { pid, tid, .. }
            | Ctl { pid, tid, .. }
            | Mmap { pid, tid, .. }
            | Munmap { pid, tid, .. }
            | Mcontrol { pid, tid, .. }
            | Pread { pid, tid, .. }
            | Pwrite { pid, tid, .. }
            | Fork { pid, tid, .. }
            | Exit { pid, tid }
            | Exec { pid, tid }
            | LwpExit { pid, tid }
            | Trap { pid, tid, .. }
            | Hook { pid, tid, .. }
            | Kernel { pid, tid, .. } => Some((pid, tid)),
            _ => None,
        }
    }

    /// True for the eight system calls.
    pub fn is_syscall(&self) -> bool {
        use Step::*;
        matches!(
            self,
            Create { .. }
                | Destroy { .. }
                | Ctl { .. }
                | Mmap { .. }
                | Munmap { .. }
                | Mcontrol { .. }
                | Pread { .. }
                | Pwrite { .. }
        )
    }
}

/// Why the world ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// panic(), a failed KKASSERT, or a kernel page fault.
    Panic,
    /// The code under test misused a model interface (token released out of
    /// order or by a non-holder, double kfree, call returning with tokens).
    Misuse,
    /// No thread could run while some had not finished.
    Deadlock,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    /// "step N: panic in sys_vmspace_ctl: ..." (names the step and call).
    pub message: String,
}

/// What one step did.
#[derive(Clone, Debug, PartialEq)]
pub struct StepOutcome {
    pub step: i64,
    /// Whether an entry point was called (false for outside steps, and for
    /// kernel paths whose guard was false).
    pub called: bool,
    /// A system call's return value (errno, EJUSTRETURN = -2), or a kernel
    /// path's guard result (1 called, 0 not).
    pub ret: Option<i64>,
    /// The system call's sysmsg.sm_result as a 64-bit value.
    pub sysmsg_result: Option<i64>,
    /// Trace records of the step (see README: trace format).
    pub trace: Vec<String>,
    /// The state dump after the step (None when snapshots are off).
    pub dump: Option<String>,
    /// Set if the world is dead after this step (this step's fault or an
    /// earlier one).
    pub fault: Option<Fault>,
}

impl StepOutcome {
    /// The outcome of step number `step` before (or without) running it.
    pub fn not_run(step: i64) -> Self {
        StepOutcome { step, called: false, ret: None, sysmsg_result: None, trace: Vec::new(), dump: None, fault: None }
    }

    /// The panic message, if the world died of a panic.
    pub fn panic(&self) -> Option<&str> {
        match &self.fault {
            Some(Fault { kind: FaultKind::Panic, message }) => Some(message),
            _ => None,
        }
    }
}

/// What a run of several concurrent calls did.
#[derive(Clone, Debug, PartialEq)]
pub struct ConcurrentOutcome {
    /// One outcome per call, in the order given (trace and dump are shared
    /// and stored in the fields below, not here).
    pub calls: Vec<StepOutcome>,
    /// The index of the call resumed at each decision.
    pub schedule: Vec<usize>,
    pub trace: Vec<String>,
    pub dump: Option<String>,
    pub fault: Option<Fault>,
}

/// State of a model thread at a switch point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadState {
    Ready,
    /// Stopped at a preemption point; keeps its tokens.
    Preempted,
    /// Stopped at a blocking point (model_may_block); tokens given up.
    Blocked,
    TokenWait,
    LockWait,
    Done,
    Dead,
    Other,
}

/// What a chooser sees at each decision of a concurrent run.
#[derive(Clone, Debug)]
pub struct Decision {
    /// Index of the call that ran last, if any.
    pub current: Option<usize>,
    /// Indices of the calls that can run now (never empty).
    pub runnable: Vec<usize>,
    pub states: Vec<ThreadState>,
    /// Where each thread stopped ("kmalloc", "token vkp#0.token held by ...").
    pub wheres: Vec<String>,
}
