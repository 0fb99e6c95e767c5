//! Invariants of a run that do not depend on the C original.
//!
//! - No panic (failed KKASSERT, kernel page fault), no model misuse (double
//!   kfree, token released by a non-holder, returning with tokens...), no
//!   deadlock: the world's fault.
//! - Tree operations under the tree's token: the model's `sys/tree.h` makes
//!   every `vmspace_rb_tree` operation check that curthread holds
//!   `vkp->token` (a "model lock check" panic otherwise).
//! - No use after free: no kernel call is passed a pointer into a freed
//!   block (the trace names it `ve#1(freed)`), freed blocks keep kfree's
//!   poison (a write after free breaks it), and no live structure points to
//!   a freed one (checked at every switch).  In the ASan build, any access
//!   to a freed block by instrumented code is also an ASan report.
//! - Reference counts: at every switch, `vkp->refs >= 1` while a process
//!   uses it, every entry's `refs >= 0`, and an LWP running in an entry
//!   (`vklp->ve`) holds a reference on it; between phases (no call in
//!   flight), `vkp->refs` is the number of processes using it and
//!   `ve->refs` the number of LWPs running in it.
//! - No leak: once every process of the scenario has exited, no M_VKERNEL
//!   block and no vmspace is left.

use crate::diff;
use crate::ffi;
use crate::step::*;
use crate::world::World;
use core::ffi::c_void;
use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// What kind of invariant a run broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ViolationKind {
    /// panic(), a failed KKASSERT, a kernel page fault.
    Panic,
    /// A vmspace_rb_tree operation without vkp->token.
    LockCheck,
    /// Model misuse: double kfree, token misuse, returning with tokens.
    Misuse,
    Deadlock,
    UseAfterFree,
    RefCount,
    Leak,
}

impl ViolationKind {
    pub fn name(self) -> &'static str {
        match self {
            ViolationKind::Panic => "panic",
            ViolationKind::LockCheck => "lock-check",
            ViolationKind::Misuse => "misuse",
            ViolationKind::Deadlock => "deadlock",
            ViolationKind::UseAfterFree => "use-after-free",
            ViolationKind::RefCount => "refcount",
            ViolationKind::Leak => "leak",
        }
    }
}

/// A broken invariant.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Violation {
    pub kind: ViolationKind,
    /// What and where, normalised (no source paths), the same for the C
    /// original and the port when they break it the same way.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.detail)
    }
}

/// Collects the violations of one run.
pub struct Checker {
    pids: Vec<Pid>,
    seen: HashSet<Violation>,
    out: Vec<Violation>,
    switches: usize,
}

fn name_of(p: *const c_void) -> String {
    // SAFETY: the model only compares the pointer with its records.
    let s = unsafe { ffi::model_name(p) };
    if s.is_null() {
        return "?".into();
    }
    // SAFETY: a NUL-terminated string valid until the next model call.
    unsafe { core::ffi::CStr::from_ptr(s) }.to_string_lossy().into_owned()
}

fn freed(name: &str) -> bool {
    name.contains("(freed)")
}

impl Checker {
    pub fn new(pids: &[Pid]) -> Checker {
        Checker { pids: pids.to_vec(), seen: HashSet::new(), out: Vec::new(), switches: 0 }
    }

    fn note(&mut self, kind: ViolationKind, detail: String) {
        let v = Violation { kind, detail };
        if self.seen.insert(v.clone()) {
            self.out.push(v);
        }
    }

    /// At a switch point: every model thread is stopped.
    pub fn at_switch(&mut self) {
        self.switches += 1;
        self.state(false);
    }

    /// Between phases: no call is in flight.
    pub fn at_rest(&mut self) {
        self.state(true);
    }

    /// Walks the processes' vkernel state.  Reads only blocks the model
    /// says are live.
    fn state(&mut self, at_rest: bool) {
        let when = if at_rest { "between phases".to_string() } else { format!("at switch {}", self.switches) };
        // vkp -> (name, processes using it); ve -> (name, refs, LWPs in it)
        let mut vkps: BTreeMap<usize, (String, i32, i32)> = BTreeMap::new();
        let mut ves: BTreeMap<usize, (String, i32, i32)> = BTreeMap::new();
        let pids = self.pids.clone();
        for pid in pids {
            // SAFETY: lookups of model objects while no model thread runs;
            // every dereference below is of a block the model reports live.
            unsafe {
                let p = ffi::model_proc_find(pid);
                if p.is_null() {
                    continue;
                }
                let vkp = (*p).p_vkernel;
                if !vkp.is_null() {
                    let n = name_of(vkp as *const c_void);
                    if freed(&n) {
                        self.note(ViolationKind::UseAfterFree, format!("proc#{pid} p_vkernel is {n} ({when})"));
                    } else if let Some(e) = vkps.get_mut(&(vkp as usize)) {
                        e.2 += 1;
                    } else {
                        let refs = (*vkp).refs;
                        vkps.insert(vkp as usize, (n.clone(), refs, 1));
                        if refs < 1 {
                            self.note(ViolationKind::RefCount, format!("{n} refs={refs} while proc#{pid} uses it ({when})"));
                        }
                        self.walk_tree(&n, (*vkp).root.rbh_root, &mut ves, &when);
                    }
                }
                for (_, tid) in diff::lwps_of(pid) {
                    let lp = ffi::model_lwp_find(p, tid);
                    let vklp = (*lp).lwp_vkernel;
                    if vklp.is_null() {
                        continue;
                    }
                    let n = name_of(vklp as *const c_void);
                    if freed(&n) {
                        self.note(ViolationKind::UseAfterFree, format!("lwp#{pid}.{tid} lwp_vkernel is {n} ({when})"));
                        continue;
                    }
                    let ve = (*vklp).ve;
                    // A VMM guest keeps the user's id there, not an entry.
                    if ve.is_null() || !(*(*lp).lwp_thread).td_vmm.is_null() {
                        continue;
                    }
                    let vn = name_of(ve as *const c_void);
                    if freed(&vn) {
                        self.note(ViolationKind::UseAfterFree, format!("lwp#{pid}.{tid} runs in {vn} ({when})"));
                        continue;
                    }
                    let refs = (*ve).refs;
                    let e = ves.entry(ve as usize).or_insert((vn.clone(), refs, 0));
                    e.2 += 1;
                    if refs < 1 {
                        self.note(
                            ViolationKind::RefCount,
                            format!("lwp#{pid}.{tid} runs in {vn} whose refs={refs} ({when})"),
                        );
                    }
                }
            }
        }
        if at_rest {
            for (n, refs, users) in vkps.values() {
                if refs != users {
                    self.note(ViolationKind::RefCount, format!("{n} refs={refs} but {users} process(es) use it ({when})"));
                }
            }
            for (n, refs, lwps) in ves.values() {
                if refs != lwps {
                    self.note(ViolationKind::RefCount, format!("{n} refs={refs} but {lwps} LWP(s) run in it ({when})"));
                }
            }
        }
    }

    /// # Safety
    /// `root` is the root of a live vkernel_proc's tree.
    unsafe fn walk_tree(
        &mut self,
        vkp: &str,
        root: *mut ffi::vmspace_entry,
        ves: &mut BTreeMap<usize, (String, i32, i32)>,
        when: &str,
    ) {
        let mut stack = vec![root];
        let mut n = 0;
        while let Some(ve) = stack.pop() {
            if ve.is_null() {
                continue;
            }
            n += 1;
            if n > 1024 {
                self.note(ViolationKind::Panic, format!("{vkp}'s tree has a cycle ({when})"));
                return;
            }
            let name = name_of(ve as *const c_void);
            if freed(&name) {
                self.note(ViolationKind::UseAfterFree, format!("{name} is in {vkp}'s tree ({when})"));
                continue;
            }
            // SAFETY: a live entry of the tree (the caller's contract).
            let (refs, vm, l, r) = unsafe { ((*ve).refs, (*ve).vmspace, (*ve).rb_entry.rbe_left, (*ve).rb_entry.rbe_right) };
            if refs < 0 {
                self.note(ViolationKind::RefCount, format!("{name} refs={refs} ({when})"));
            }
            let vmn = name_of(vm as *const c_void);
            if vm.is_null() || freed(&vmn) {
                self.note(ViolationKind::UseAfterFree, format!("{name} in {vkp}'s tree has vmspace {vmn} ({when})"));
            }
            ves.entry(ve as usize).or_insert((name, refs, 0));
            stack.push(l);
            stack.push(r);
        }
    }

    /// After the last phase: the fault, the trace, freed blocks, leaks.
    pub fn at_end(&mut self, w: &World, fault: Option<&Fault>, trace: &[String], dump: &str) {
        if let Some(f) = fault {
            let msg = diff::normalise(&f.message);
            let kind = match f.kind {
                FaultKind::Panic if msg.contains("model lock check:") => ViolationKind::LockCheck,
                FaultKind::Panic => ViolationKind::Panic,
                FaultKind::Misuse if msg.contains("use after free") => ViolationKind::UseAfterFree,
                FaultKind::Misuse => ViolationKind::Misuse,
                FaultKind::Deadlock => ViolationKind::Deadlock,
            };
            self.note(kind, msg);
        }
        // (The fault's own record may name a freed object: reported above.)
        let fault_record = |l: &str| {
            let rest = l.split_once(' ').map_or("", |(_, r)| r);
            ["panic: ", "misuse: ", "deadlock: "].iter().any(|p| rest.starts_with(p))
        };
        if let Some(l) = trace.iter().find(|l| freed(l) && !fault_record(l)) {
            self.note(ViolationKind::UseAfterFree, format!("a kernel call on a freed block: {}", diff::normalise(l)));
        }
        let mut msg = [0 as core::ffi::c_char; 256];
        // SAFETY: msg is writable for its length.
        let bad = unsafe { ffi::model_kmem_poison_check(msg.as_mut_ptr(), msg.len() as _) };
        if bad > 0 {
            // SAFETY: the model NUL-terminates msg.
            let m = unsafe { core::ffi::CStr::from_ptr(msg.as_ptr()) }.to_string_lossy().into_owned();
            self.note(ViolationKind::UseAfterFree, format!("{bad} freed block(s) written after kfree, first {m}"));
        }
        if fault.is_some() || self.pids.iter().any(|&p| w.has_proc(p)) {
            return;
        }
        // Every process has exited: nothing of the vkernel may be left.
        for l in dump.lines().filter(|l| l.starts_with("kmalloc vkernel:")) {
            if !l.contains(" inuse=0 ") {
                let live = dump.lines().find(|l| l.starts_with("kmem live:")).unwrap_or("");
                self.note(ViolationKind::Leak, format!("after every process exited: {l}; {live}"));
            }
        }
        let vms = w.vmspace_live();
        if vms != 0 {
            self.note(ViolationKind::Leak, format!("after every process exited: {vms} vmspace(s) live"));
        }
    }

    pub fn into_violations(self) -> Vec<Violation> {
        self.out
    }
}
