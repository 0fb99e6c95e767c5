//! The world: one instance of the kernel model, driven from Rust.

use crate::ffi::{self, lwp, model_call, model_hooks, model_path, proc_, thread, trapframe};
use crate::impls::Impl;
use crate::step::*;
use core::ffi::{c_char, c_int, c_void, CStr};
use std::sync::{Mutex, MutexGuard};

/// The model's state is global C state: one world at a time per process.
static WORLD_LOCK: Mutex<()> = Mutex::new(());

thread_local! {
    static HAS_WORLD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// DragonFly's in-kernel "return without touching the frame" errno.
pub const EJUSTRETURN: i64 = -2;

/// A booted model kernel.  Creating one waits for any other world in the
/// process to be dropped (tests run in parallel threads).
pub struct World {
    _guard: MutexGuard<'static, ()>,
    step: i64,
    snapshots: bool,
}

fn cstr(p: *const c_char) -> Option<String> {
    if p.is_null() {
        None
    } else {
        // SAFETY: the model returns NUL-terminated strings that stay valid
        // until the next model call; we copy immediately.
        Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    }
}

/// Arguments of a system call, owned while it runs.
enum Args {
    Create(Box<ffi::vmspace_create_args>),
    Destroy(Box<ffi::vmspace_destroy_args>),
    Ctl(Box<ffi::vmspace_ctl_args>),
    Mmap(Box<ffi::vmspace_mmap_args>),
    Munmap(Box<ffi::vmspace_munmap_args>),
    Mcontrol(Box<ffi::vmspace_mcontrol_args>),
    Pread(Box<ffi::vmspace_pread_args>),
    Pwrite(Box<ffi::vmspace_pwrite_args>),
}

macro_rules! each_args {
    ($a:expr, $x:ident => $e:expr) => {
        match $a {
            Args::Create($x) => $e,
            Args::Destroy($x) => $e,
            Args::Ctl($x) => $e,
            Args::Mmap($x) => $e,
            Args::Munmap($x) => $e,
            Args::Mcontrol($x) => $e,
            Args::Pread($x) => $e,
            Args::Pwrite($x) => $e,
        }
    };
}

impl Args {
    fn sysmsg(&mut self) -> &mut ffi::sysmsg {
        each_args!(self, a => &mut a.sysmsg)
    }
    fn ptr(&mut self) -> *mut c_void {
        each_args!(self, a => &mut **a as *mut _ as *mut c_void)
    }
    fn size(&self) -> usize {
        each_args!(self, a => std::mem::size_of_val(&**a))
    }
}

enum Post {
    None,
    /// Emulate syscall2()'s return into the frame.
    Syscall(*mut trapframe),
    DestroyProc(Pid),
    DestroyLwp(Pid, Tid),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CallKind {
    Syscall,
    /// A kernel path: the call returns whether its guard called the hook.
    Path,
    Hook,
}

/// A call step ready to run on its thread.
struct Prepared {
    td: *mut thread,
    kind: CallKind,
    call: Box<model_call>,
    args: Option<Args>,
    _path: Option<Box<model_path>>,
    _hooks: Option<Box<model_hooks>>,
    post: Post,
    uap_name: Option<std::ffi::CString>,
}

impl World {
    /// Boots a world with `ncpu` cpus (1..=8), vkernel_enable = 1, no
    /// processes.
    pub fn new(ncpu: usize) -> World {
        assert!(
            !HAS_WORLD.with(|h| h.replace(true)),
            "World::new: this thread already has a World (drop it first, or use reset)"
        );
        let guard = WORLD_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: we hold the world lock; init resets all model state.
        unsafe { ffi::model_world_init(ncpu as c_int) };
        World { _guard: guard, step: 0, snapshots: true }
    }

    /// Reboots: everything is freed, the step counter restarts.
    pub fn reset(&mut self, ncpu: usize) {
        // SAFETY: we hold the world lock.
        unsafe { ffi::model_world_init(ncpu as c_int) };
        self.step = 0;
    }

    /// Whether each step's outcome carries a state dump (on by default;
    /// benchmarks turn it off).
    pub fn set_snapshots(&mut self, on: bool) {
        self.snapshots = on;
    }

    /// Whether kernel calls are traced (on by default).
    pub fn set_tracing(&mut self, on: bool) {
        // SAFETY: plain setter.
        unsafe { ffi::model_trace_enable(on as c_int) };
    }

    /// The number of steps run so far.
    pub fn steps(&self) -> i64 {
        self.step
    }

    // ---- objects ----------------------------------------------------

    pub fn new_proc(&mut self, pid: Pid) -> *mut proc_ {
        // SAFETY: model call from the driver.
        let p = unsafe { ffi::model_proc_create(pid) };
        assert!(!p.is_null(), "process {pid} exists or bad pid");
        p
    }

    pub fn new_lwp(&mut self, pid: Pid, tid: Tid) -> *mut lwp {
        let p = self.proc(pid);
        // SAFETY: p is a live model process.
        let lp = unsafe { ffi::model_lwp_create(p, tid) };
        assert!(!lp.is_null(), "LWP {pid}.{tid} exists");
        lp
    }

    /// A process with one LWP (tid 1), the usual starting point.
    pub fn new_proc_lwp(&mut self, pid: Pid) -> *mut lwp {
        self.new_proc(pid);
        self.new_lwp(pid, 1)
    }

    pub fn has_proc(&self, pid: Pid) -> bool {
        // SAFETY: lookup only.
        !unsafe { ffi::model_proc_find(pid) }.is_null()
    }

    pub fn proc(&self, pid: Pid) -> *mut proc_ {
        // SAFETY: lookup only.
        let p = unsafe { ffi::model_proc_find(pid) };
        assert!(!p.is_null(), "no process {pid}");
        p
    }

    pub fn lwp(&self, pid: Pid, tid: Tid) -> *mut lwp {
        let p = self.proc(pid);
        // SAFETY: p is a live model process.
        let lp = unsafe { ffi::model_lwp_find(p, tid) };
        assert!(!lp.is_null(), "no LWP {pid}.{tid}");
        lp
    }

    pub fn thread(&self, pid: Pid, tid: Tid) -> *mut thread {
        // SAFETY: lp is a live model LWP.
        unsafe { (*self.lwp(pid, tid)).lwp_thread }
    }

    /// The process's own vmspace (p_vmspace).
    pub fn p_vmspace(&self, pid: Pid) -> *mut ffi::vmspace {
        // SAFETY: live process.
        unsafe { (*self.proc(pid)).p_vmspace }
    }

    /// The LWP's current syscall/trap frame.
    pub fn frame(&self, pid: Pid, tid: Tid) -> trapframe {
        // SAFETY: the frame lives as long as the LWP.
        unsafe { *ffi::model_lwp_frame(self.lwp(pid, tid)) }
    }

    pub fn set_frame(&mut self, pid: Pid, tid: Tid, frame: &trapframe) {
        // SAFETY: as above.
        unsafe { *ffi::model_lwp_frame(self.lwp(pid, tid)) = *frame };
    }

    pub fn tls(&self, pid: Pid, tid: Tid) -> ffi::savetls {
        // SAFETY: live thread.
        unsafe { (*self.thread(pid, tid)).td_mach.mtd_savetls }
    }

    pub fn set_tls(&mut self, pid: Pid, tid: Tid, tls: &ffi::savetls) {
        // SAFETY: live thread, not running.
        unsafe { (*self.thread(pid, tid)).td_mach.mtd_savetls = *tls };
    }

    pub fn set_curthread(&mut self, pid: Pid, tid: Tid) {
        // SAFETY: live thread.
        unsafe { ffi::model_set_curthread(self.thread(pid, tid)) };
    }

    pub fn set_td_vmm(&mut self, pid: Pid, tid: Tid, on: bool) {
        // SAFETY: live thread.
        unsafe { ffi::model_thread_set_vmm(self.thread(pid, tid), on as c_int) };
    }

    pub fn set_cpu(&mut self, pid: Pid, tid: Tid, cpu: i32) {
        // SAFETY: live thread; the model checks the cpu number.
        unsafe { ffi::model_thread_set_cpu(self.thread(pid, tid), cpu) };
    }

    pub fn vkernel_enable(&self) -> bool {
        // SAFETY: reading a model global while no model thread runs.
        unsafe { ffi::vkernel_enable != 0 }
    }

    pub fn set_vkernel_enable(&mut self, on: bool) {
        // SAFETY: writing a model global while no model thread runs.
        unsafe { ffi::vkernel_enable = on as c_int };
    }

    // ---- user memory ------------------------------------------------

    /// The range user addresses should lie in: the host never maps it, so a
    /// direct dereference by kernel code is a kernel page fault (a panic).
    pub fn user_window() -> (u64, u64) {
        // SAFETY: the reservation is made once per process.
        unsafe { (ffi::model_user_window_base(), ffi::model_user_window_size()) }
    }

    pub fn user_map(&mut self, pid: Pid, addr: u64, len: u64, prot: i32) -> Result<(), i32> {
        // SAFETY: live vmspace.
        match unsafe { ffi::model_user_map(self.p_vmspace(pid), addr, len, prot) } {
            0 => Ok(()),
            e => Err(e),
        }
    }

    pub fn user_write(&mut self, pid: Pid, addr: u64, bytes: &[u8]) -> Result<(), i32> {
        // SAFETY: bytes is valid for its length.
        let e = unsafe {
            ffi::model_user_write(self.p_vmspace(pid), addr, bytes.as_ptr() as *const c_void, bytes.len() as u64)
        };
        if e == 0 {
            Ok(())
        } else {
            Err(e)
        }
    }

    pub fn user_read(&self, pid: Pid, addr: u64, len: usize) -> Result<Vec<u8>, i32> {
        let mut v = vec![0u8; len];
        // SAFETY: v is valid for len bytes.
        let e = unsafe { ffi::model_user_read(self.p_vmspace(pid), addr, v.as_mut_ptr() as *mut c_void, len as u64) };
        if e == 0 {
            Ok(v)
        } else {
            Err(e)
        }
    }

    pub fn user_fault(&mut self, pid: Pid, addr: u64, len: u64, on: bool) {
        // SAFETY: live vmspace.
        unsafe { ffi::model_user_fault(self.p_vmspace(pid), addr, len, on as c_int) };
    }

    /// NOT x86_64 behaviour when non-zero (see Step::InjectSanitize).
    pub fn inject_sanitize(&mut self, frame: i32, tls: i32) {
        // SAFETY: plain setters.
        unsafe {
            ffi::model_inject_sanitize_frame(frame);
            ffi::model_inject_sanitize_tls(tls);
        }
    }

    // ---- observation ------------------------------------------------

    pub fn dump(&self) -> String {
        // SAFETY: model_dump returns a malloc'd string we free.
        unsafe {
            let p = ffi::model_dump();
            let s = cstr(p).unwrap_or_default();
            ffi::model_free(p as *mut c_void);
            s
        }
    }

    /// The whole trace since the world booted (or was cleared).
    pub fn trace(&self) -> Vec<String> {
        self.trace_from(0)
    }

    pub fn clear_trace(&mut self) {
        // SAFETY: plain model call.
        unsafe { ffi::model_trace_clear() };
    }

    fn trace_len(&self) -> u64 {
        // SAFETY: plain model call.
        unsafe { ffi::model_trace_count() }
    }

    fn trace_from(&self, start: u64) -> Vec<String> {
        (start..self.trace_len())
            // SAFETY: i < count.
            .filter_map(|i| cstr(unsafe { ffi::model_trace_line(i) }))
            .collect()
    }

    pub fn kprintf_output(&self) -> String {
        // SAFETY: plain model call.
        cstr(unsafe { ffi::model_kprintf_output() }).unwrap_or_default()
    }

    pub fn kmem_live(&self) -> i64 {
        // SAFETY: plain model call.
        unsafe { ffi::model_kmem_live() }
    }

    pub fn vmspace_live(&self) -> i64 {
        // SAFETY: plain model call.
        unsafe { ffi::model_vmspace_live() }
    }

    /// Names a kernel object the driver owns (e.g. a test's token) in traces
    /// and dumps, until `unname`.
    pub fn name_object<T>(&mut self, p: *const T, name: &str) {
        let n = std::ffi::CString::new(name).unwrap();
        // SAFETY: the model copies the name.
        unsafe { ffi::model_name_register(p as *const c_void, std::mem::size_of::<T>() as u64, n.as_ptr()) };
    }

    pub fn unname<T>(&mut self, p: *const T) {
        // SAFETY: plain model call.
        unsafe { ffi::model_name_unregister(p as *const c_void) };
    }

    /// The stable name of a kernel pointer ("vkp#0", "proc#1.p_token").
    pub fn name_of<T>(&self, p: *const T) -> String {
        // SAFETY: the model only compares the pointer.
        cstr(unsafe { ffi::model_name(p as *const c_void) }).unwrap_or_default()
    }

    pub fn fault(&self) -> Option<Fault> {
        // SAFETY: plain model calls.
        unsafe {
            let kind = match ffi::model_world_fault_kind() as u32 {
                ffi::MODEL_FAULT_PANIC => FaultKind::Panic,
                ffi::MODEL_FAULT_MISUSE => FaultKind::Misuse,
                ffi::MODEL_FAULT_DEADLOCK => FaultKind::Deadlock,
                _ => return None,
            };
            Some(Fault { kind, message: cstr(ffi::model_world_fault()).unwrap_or_default() })
        }
    }

    pub fn dead(&self) -> bool {
        // SAFETY: plain model call.
        unsafe { ffi::model_world_dead() != 0 }
    }

    // ---- steps --------------------------------------------------------

    /// Runs one step with implementation `imp` and reports what happened.
    pub fn run_step(&mut self, imp: Impl, step: &Step) -> StepOutcome {
        self.step += 1;
        // SAFETY: plain setter.
        unsafe { ffi::model_set_step(self.step) };
        let start = self.trace_len();
        let mut out = StepOutcome::not_run(self.step);
        if !self.dead() {
            if step.thread().is_some() {
                let mut prep = self.prepare(imp, step);
                // SAFETY: prep owns everything the call points to.
                unsafe { ffi::model_run(prep.td, &mut *prep.call) };
                self.finish(&mut prep, &mut out);
            } else {
                self.outside(step);
            }
        }
        out.trace = self.trace_from(start);
        out.fault = self.fault();
        if self.snapshots {
            out.dump = Some(self.dump());
        }
        out
    }

    /// Runs several call steps concurrently, each on its own thread (they
    /// must differ), switching threads only at the model's switch points:
    /// `choose` picks the next thread among the runnable ones at each
    /// decision.  No runnable thread while some are unfinished ends the
    /// world with a deadlock fault.
    pub fn run_concurrent(
        &mut self,
        imp: Impl,
        steps: &[Step],
        choose: &mut dyn FnMut(&Decision) -> usize,
    ) -> ConcurrentOutcome {
        self.step += 1;
        // SAFETY: plain setter.
        unsafe { ffi::model_set_step(self.step) };
        let start = self.trace_len();
        let mut outs: Vec<StepOutcome> = steps.iter().map(|_| StepOutcome::not_run(self.step)).collect();
        let mut schedule = Vec::new();
        if !self.dead() {
            let mut preps: Vec<Prepared> = steps
                .iter()
                .map(|s| {
                    assert!(s.thread().is_some(), "run_concurrent takes call steps only: {s:?}");
                    self.prepare(imp, s)
                })
                .collect();
            for (i, a) in preps.iter().enumerate() {
                assert!(preps[..i].iter().all(|b| b.td != a.td), "run_concurrent: two calls on one thread");
            }
            for p in preps.iter_mut() {
                // SAFETY: p owns what the call points to, until finish().
                unsafe { ffi::model_spawn(p.td, &mut *p.call) };
            }
            let mut current = None;
            loop {
                // SAFETY: plain model queries on live threads.
                let states: Vec<ThreadState> =
                    preps.iter().map(|p| thread_state(unsafe { ffi::model_thread_state(p.td) })).collect();
                if self.dead() {
                    break;
                }
                if states.iter().all(|s| matches!(s, ThreadState::Done | ThreadState::Dead)) {
                    break;
                }
                let runnable: Vec<usize> = (0..preps.len())
                    // SAFETY: as above.
                    .filter(|&i| unsafe { ffi::model_runnable(preps[i].td) } != 0)
                    .collect();
                if runnable.is_empty() {
                    // SAFETY: plain model call.
                    unsafe { ffi::model_report_deadlock() };
                    break;
                }
                let wheres = preps
                    .iter()
                    // SAFETY: as above.
                    .map(|p| cstr(unsafe { ffi::model_thread_where(p.td) }).unwrap_or_default())
                    .collect();
                let d = Decision { current, runnable: runnable.clone(), states, wheres };
                let i = choose(&d);
                assert!(runnable.contains(&i), "chooser picked {i}, not runnable: {runnable:?}");
                schedule.push(i);
                // SAFETY: the thread is runnable; we are the driver.
                unsafe { ffi::model_resume(preps[i].td) };
                current = Some(i);
            }
            // SAFETY: plain setter.
            unsafe { ffi::model_set_interleave(0) };
            for (p, o) in preps.iter_mut().zip(outs.iter_mut()) {
                self.finish(p, o);
            }
        }
        let fault = self.fault();
        for o in outs.iter_mut() {
            o.fault = fault.clone();
        }
        ConcurrentOutcome {
            calls: outs,
            schedule,
            trace: self.trace_from(start),
            dump: if self.snapshots { Some(self.dump()) } else { None },
            fault,
        }
    }

    /// A step acting on the world from outside (no kernel code runs).
    fn outside(&mut self, step: &Step) {
        use Step::*;
        match step {
            NewProc { pid } => {
                self.new_proc(*pid);
            }
            NewLwp { pid, tid } => {
                self.new_lwp(*pid, *tid);
            }
            SetVkernelEnable(on) => self.set_vkernel_enable(*on),
            SetTdVmm { pid, tid, on } => self.set_td_vmm(*pid, *tid, *on),
            SetCpu { pid, tid, cpu } => self.set_cpu(*pid, *tid, *cpu),
            SetFrame { pid, tid, frame } => self.set_frame(*pid, *tid, frame),
            SetTls { pid, tid, tls } => self.set_tls(*pid, *tid, tls),
            UserMap { pid, addr, len, prot } => {
                self.user_map(*pid, *addr, *len, *prot).expect("UserMap");
            }
            UserWrite { pid, addr, bytes } => {
                self.user_write(*pid, *addr, bytes).expect("UserWrite: unmapped");
            }
            UserFault { pid, addr, len, on } => self.user_fault(*pid, *addr, *len, *on),
            InjectSanitize { frame, tls } => self.inject_sanitize(*frame, *tls),
            _ => unreachable!("call step {step:?}"),
        }
    }

    fn prepare(&mut self, imp: Impl, step: &Step) -> Prepared {
        use Step::*;
        let e = imp.entries();
        let (pid, tid) = step.thread().unwrap();
        let lp = self.lwp(pid, tid);
        let td = self.thread(pid, tid);
        // SAFETY: the frame lives as long as the LWP.
        let frame = unsafe { ffi::model_lwp_frame(lp) };
        let uptr = |v: u64| v as usize as *mut c_void;
        macro_rules! syscall {
            ($variant:ident, $ty:ident, $f:ident, $name:literal, { $($field:ident : $val:expr),* }) => {{
                let mut a: Box<ffi::$ty> = Box::default();
                $( a.$field = $val; )*
                let mut args = Args::$variant(a);
                let call = model_call {
                    kind: ffi::MODEL_CALL_INT_P as c_int,
                    // SAFETY: only the function pointer's address is taken.
                    fn_: e.$f as *mut c_void,
                    a0: args.ptr(),
                    a1: std::ptr::null_mut(),
                    ret: 0,
                    name: $name.as_ptr(),
                };
                (Some(args), call, Post::Syscall(frame))
            }};
        }
        let mut path: Option<Box<model_path>> = None;
        let hooks = Box::new(model_hooks {
            inherit: Some(e.vkernel_inherit),
            exit: Some(e.vkernel_exit),
            lwp_exit: Some(e.vkernel_lwp_exit),
            trap: Some(e.vkernel_trap),
        });
        let mut path_call = |which: u32, a0: *mut c_void, a1: *mut c_void, name: &'static CStr| {
            let mut p = Box::new(model_path { which: which as c_int, hooks: &*hooks, a0, a1 });
            let call = model_call {
                kind: ffi::MODEL_CALL_INT_P as c_int,
                fn_: ffi::model_path_run as *mut c_void,
                a0: &mut *p as *mut model_path as *mut c_void,
                a1: std::ptr::null_mut(),
                ret: 0,
                name: name.as_ptr(),
            };
            path = Some(p);
            call
        };
        let direct = |kind: u32, f: *mut c_void, a0: *mut c_void, a1: *mut c_void, name: &'static CStr| model_call {
            kind: kind as c_int,
            fn_: f,
            a0,
            a1,
            ret: 0,
            name: name.as_ptr(),
        };
        let (args, call, post) = match *step {
            Create { id, ty, data, .. } => syscall!(Create, vmspace_create_args, sys_vmspace_create,
                c"sys_vmspace_create", { id: uptr(id), type_: ty, data: uptr(data) }),
            Destroy { id, .. } => syscall!(Destroy, vmspace_destroy_args, sys_vmspace_destroy,
                c"sys_vmspace_destroy", { id: uptr(id) }),
            Ctl { id, cmd, tframe, vframe, .. } => syscall!(Ctl, vmspace_ctl_args, sys_vmspace_ctl,
                c"sys_vmspace_ctl", { id: uptr(id), cmd: cmd, tframe: uptr(tframe) as *mut trapframe,
                vframe: uptr(vframe) as *mut ffi::vextframe }),
            Mmap { id, addr, len, prot, flags, fd, offset, .. } => syscall!(Mmap, vmspace_mmap_args,
                sys_vmspace_mmap, c"sys_vmspace_mmap", { id: uptr(id), addr: uptr(addr), len: len as usize,
                prot: prot, flags: flags, fd: fd, offset: offset }),
            Munmap { id, addr, len, .. } => syscall!(Munmap, vmspace_munmap_args, sys_vmspace_munmap,
                c"sys_vmspace_munmap", { id: uptr(id), addr: uptr(addr), len: len as usize }),
            Mcontrol { id, addr, len, behav, value, .. } => syscall!(Mcontrol, vmspace_mcontrol_args,
                sys_vmspace_mcontrol, c"sys_vmspace_mcontrol", { id: uptr(id), addr: uptr(addr),
                len: len as usize, behav: behav, value: value }),
            Pread { id, buf, nbyte, flags, offset, .. } => syscall!(Pread, vmspace_pread_args,
                sys_vmspace_pread, c"sys_vmspace_pread", { id: uptr(id), buf: uptr(buf),
                nbyte: nbyte as usize, flags: flags, offset: offset }),
            Pwrite { id, buf, nbyte, flags, offset, .. } => syscall!(Pwrite, vmspace_pwrite_args,
                sys_vmspace_pwrite, c"sys_vmspace_pwrite", { id: uptr(id), buf: uptr(buf),
                nbyte: nbyte as usize, flags: flags, offset: offset }),
            Fork { child, child_tid, .. } => {
                let p1 = self.proc(pid);
                // SAFETY: p1 is live; the model copies its address space.
                let p2 = unsafe { ffi::model_proc_fork(p1, child, child_tid) };
                assert!(!p2.is_null(), "fork: process {child} exists");
                let c = path_call(ffi::MODEL_PATH_FORK, p1 as _, p2 as _, c"fork");
                (None, c, Post::None)
            }
            Exit { .. } => {
                let c = path_call(ffi::MODEL_PATH_EXIT, lp as _, std::ptr::null_mut(), c"exit1");
                (None, c, Post::DestroyProc(pid))
            }
            Exec { .. } => {
                let c = path_call(ffi::MODEL_PATH_EXEC, self.proc(pid) as _, std::ptr::null_mut(), c"execve");
                (None, c, Post::None)
            }
            LwpExit { .. } => {
                let c = path_call(ffi::MODEL_PATH_LWP_EXIT, lp as _, std::ptr::null_mut(), c"lwp_exit");
                (None, c, Post::DestroyLwp(pid, tid))
            }
            Trap { frame: f, .. } => {
                if let Some(f) = f {
                    // SAFETY: as above.
                    unsafe { *frame = f };
                }
                let c = path_call(ffi::MODEL_PATH_TRAP, lp as _, frame as _, c"trap");
                (None, c, Post::None)
            }
            Hook { hook: ref h, .. } => {
                let c = match *h {
                    self::Hook::Inherit { p1, p2 } => direct(
                        ffi::MODEL_CALL_VOID_PP,
                        e.vkernel_inherit as *mut c_void,
                        self.proc(p1) as _,
                        self.proc(p2) as _,
                        c"vkernel_inherit",
                    ),
                    self::Hook::Exit { pid } => direct(
                        ffi::MODEL_CALL_VOID_P,
                        e.vkernel_exit as *mut c_void,
                        self.proc(pid) as _,
                        std::ptr::null_mut(),
                        c"vkernel_exit",
                    ),
                    self::Hook::LwpExit { pid, tid } => direct(
                        ffi::MODEL_CALL_VOID_P,
                        e.vkernel_lwp_exit as *mut c_void,
                        self.lwp(pid, tid) as _,
                        std::ptr::null_mut(),
                        c"vkernel_lwp_exit",
                    ),
                    self::Hook::Trap { pid, tid } => {
                        let l = self.lwp(pid, tid);
                        direct(
                            ffi::MODEL_CALL_VOID_PP,
                            e.vkernel_trap as *mut c_void,
                            l as _,
                            // SAFETY: the frame lives as long as the LWP.
                            unsafe { ffi::model_lwp_frame(l) } as _,
                            c"vkernel_trap",
                        )
                    }
                };
                (None, c, Post::None)
            }
            Kernel { f, arg, .. } => {
                let c = direct(
                    ffi::MODEL_CALL_INT_P,
                    f as *mut c_void,
                    arg as *mut c_void,
                    std::ptr::null_mut(),
                    c"kernel code",
                );
                (None, c, Post::None)
            }
            _ => unreachable!("not a call step: {step:?}"),
        };
        let kind = if args.is_some() {
            CallKind::Syscall
        } else if path.is_some() {
            CallKind::Path
        } else {
            CallKind::Hook
        };
        let mut prep =
            Prepared { td, kind, call: Box::new(call), args, _path: path, _hooks: Some(hooks), post, uap_name: None };
        if let Some(a) = prep.args.as_mut() {
            // syscall2(): the result words and the user frame.
            let sm = a.sysmsg();
            // SAFETY: frame is the LWP's frame; writing the union's fds arm.
            unsafe {
                sm.sm_result.fds = [0, (*frame).tf_rdx];
            }
            sm.sm_frame = frame;
            let name = std::ffi::CString::new(format!("uap#{pid}.{tid}")).unwrap();
            // SAFETY: the name is registered while the args live.
            unsafe { ffi::model_name_register(a.ptr(), a.size() as u64, name.as_ptr()) };
            prep.uap_name = Some(name);
            // The call's a0 must be the boxed args' address (stable).
            prep.call.a0 = a.ptr();
        }
        prep
    }

    fn finish(&mut self, prep: &mut Prepared, out: &mut StepOutcome) {
        // SAFETY: plain model queries.
        let state = unsafe { ffi::model_thread_state(prep.td) };
        let done = state == ffi::MODEL_TS_DONE as c_int;
        // SAFETY: detaches the call from the thread (misuse checks).
        unsafe { ffi::model_collect(prep.td) };
        if let Some(a) = prep.args.as_mut() {
            // SAFETY: unregistering the name registered in prepare().
            unsafe { ffi::model_name_unregister(a.ptr()) };
        }
        if !done {
            return;
        }
        let ret = prep.call.ret;
        out.called = prep.kind != CallKind::Path || ret == 1;
        out.ret = match prep.kind {
            CallKind::Hook
                if prep.call.kind == ffi::MODEL_CALL_VOID_P as c_int
                    || prep.call.kind == ffi::MODEL_CALL_VOID_PP as c_int =>
            {
                None
            }
            _ => Some(ret),
        };
        match prep.post {
            Post::Syscall(frame) => {
                let a = prep.args.as_mut().unwrap();
                // SAFETY: reading the union as its widest integer arm.
                let fds = unsafe { a.sysmsg().sm_result.fds };
                out.sysmsg_result = Some(fds[0]);
                if self.dead() {
                    return;
                }
                // syscall2()'s return: result in rax/rdx, errors with carry.
                // SAFETY: the LWP (and its frame) outlive the step.
                let f = unsafe { &mut *frame };
                match ret {
                    0 => {
                        f.tf_rax = fds[0];
                        f.tf_rdx = fds[1];
                        f.tf_rflags &= !(ffi::PSL_C as i64);
                    }
                    EJUSTRETURN => {}
                    e => {
                        f.tf_rax = e;
                        f.tf_rflags |= ffi::PSL_C as i64;
                    }
                }
            }
            Post::DestroyProc(pid) if !self.dead() => {
                // SAFETY: the exit path is over; the process goes away.
                unsafe { ffi::model_proc_destroy(self.proc(pid)) };
            }
            Post::DestroyLwp(pid, tid) if !self.dead() => {
                // SAFETY: as above, for the LWP.
                unsafe { ffi::model_lwp_destroy(self.lwp(pid, tid)) };
            }
            _ => {}
        }
    }
}

fn thread_state(s: c_int) -> ThreadState {
    match s as u32 {
        ffi::MODEL_TS_READY => ThreadState::Ready,
        ffi::MODEL_TS_PREEMPTED => ThreadState::Preempted,
        ffi::MODEL_TS_BLOCKED => ThreadState::Blocked,
        ffi::MODEL_TS_TOKWAIT => ThreadState::TokenWait,
        ffi::MODEL_TS_LOCKWAIT => ThreadState::LockWait,
        ffi::MODEL_TS_DONE => ThreadState::Done,
        ffi::MODEL_TS_DEAD => ThreadState::Dead,
        _ => ThreadState::Other,
    }
}

impl Drop for World {
    fn drop(&mut self) {
        // SAFETY: we still hold the world lock.
        unsafe { ffi::model_world_fini() };
        HAS_WORLD.with(|h| h.set(false));
    }
}
