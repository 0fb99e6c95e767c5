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
//!   uses it, no entry count is negative (`refs`, and at the 2017 revisions
//!   `cache_refs`; at 22b7a3dbf6 `refs` without `VKE_REF_DELETED`), and an
//!   LWP running in an entry (`vklp->ve`) holds a reference on it; between
//!   phases (no call in flight), `vkp->refs` is the number of processes
//!   using it and the entry's counts are what its revision's protocol says
//!   ([`VeInfo::at_rest_mismatch`]); more references than users, the rest
//!   consistent, is a reference never dropped.
//! - 2017 revisions: no entry freed while on a tree or in an LWP's
//!   `ve_cache` (found freed there at a switch), no deleted entry
//!   (`VKE_REF_DELETED`, or a cleared `vmspace` at d95d5e03dc) handed out to
//!   an LWP that runs in it.
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
    /// A deleted entry (VKE_REF_DELETED, or a cleared vmspace at
    /// d95d5e03dc) handed out by a lookup to an LWP that runs in it.
    DeletedHandedOut,
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
            ViolationKind::DeletedHandedOut => "deleted-handed-out",
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

/// What the checker saw of one vmspace_entry (one walk of the state).
struct VeInfo {
    name: String,
    /// `ve->refs` as the revision declares it (uint32_t at 22b7a3dbf6).
    refs: i64,
    /// `ve->cache_refs` (0 at c2e7bb204e, which has none).
    cache_refs: i64,
    on_tree: bool,
    vmspace_null: bool,
    /// LWPs running in it (`vklp->ve`), LWP caches holding it (`ve_cache`).
    running: i64,
    cached: i64,
}

impl VeInfo {
    /// # Safety
    /// `ve` is a live entry.
    unsafe fn read(ve: *mut ffi::vmspace_entry, name: String, on_tree: bool) -> VeInfo {
        // SAFETY: the caller's contract.
        let (refs, vmspace_null) = unsafe { (i64::from((*ve).refs), (*ve).vmspace.is_null()) };
        #[cfg(rev_2017)]
        // SAFETY: as above.
        let cache_refs = unsafe { i64::from((*ve).cache_refs) };
        #[cfg(not(rev_2017))]
        let cache_refs = 0;
        VeInfo { name, refs, cache_refs, on_tree, vmspace_null, running: 0, cached: 0 }
    }

    /// 22b7a3dbf6 keeps the deleted state in refs' top bit.
    fn rev_22b7() -> bool {
        crate::REV == "22b7a3dbf6"
    }

    /// Active references: refs without VKE_REF_DELETED at 22b7a3dbf6 (a
    /// count that went below zero shows as huge: negative here).
    fn active(&self) -> i64 {
        if Self::rev_22b7() {
            let a = self.refs & 0x7fff_ffff;
            if a >= 0x4000_0000 {
                a - 0x8000_0000
            } else {
                a
            }
        } else {
            self.refs
        }
    }

    /// Deleted: VKE_REF_DELETED at 22b7a3dbf6, a cleared vmspace at
    /// d95d5e03dc (vmspace_entry_delete sets it NULL; lookups check it).
    fn deleted(&self) -> bool {
        if Self::rev_22b7() {
            self.refs & 0x8000_0000 != 0
        } else {
            crate::REV != crate::REF_REV && self.vmspace_null
        }
    }

    fn refs_text(&self) -> String {
        if Self::rev_22b7() {
            format!("{:#x}", self.refs)
        } else {
            self.refs.to_string()
        }
    }

    /// With no call in flight, the counts each revision's protocol implies.
    fn at_rest_mismatch(&self) -> Option<String> {
        let (n, r, c) = (&self.name, self.refs_text(), self.cache_refs);
        let (run, cached, tree) = (self.running, self.cached, i64::from(self.on_tree));
        let state = format!("refs={r} cache_refs={c}, on tree={tree}, {cached} LWP cache(s), {run} LWP(s) running");
        // More references than users, the rest consistent: a reference
        // taken and never dropped (the entry can then never be freed).
        let leaked = |extra: i64| format!("{n}: {extra} reference(s) never dropped (@; {state})");
        match crate::REV {
            // refs: LWPs running in it.
            "c2e7bb204e" => (self.refs != run).then(|| format!("{n} refs={r} but {run} LWP(s) run in it")),
            // refs: on the tree + LWP caches + LWPs running; cache_refs: caches.
            "d95d5e03dc" => {
                let want = tree + cached + run;
                if c == cached && self.refs > want {
                    Some(leaked(self.refs - want))
                } else {
                    (self.refs != want || c != cached).then(|| format!("{n} counts wrong (@; {state})"))
                }
            }
            // refs: LWPs running (| DELETED off the tree); cache_refs: on the tree + caches.
            _ => {
                let consistent = self.deleted() != self.on_tree && c == tree + cached;
                if consistent && self.active() > run {
                    Some(leaked(self.active() - run))
                } else {
                    (self.active() != run || !consistent).then(|| format!("{n} counts wrong (@; {state})"))
                }
            }
        }
    }
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
        // vkp -> (name, refs, processes using it)
        let mut vkps: BTreeMap<usize, (String, i32, i32)> = BTreeMap::new();
        let mut ves: BTreeMap<usize, VeInfo> = BTreeMap::new();
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
                            self.note(
                                ViolationKind::RefCount,
                                format!("{n} refs={refs} while proc#{pid} uses it ({when})"),
                            );
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
                    #[cfg(rev_2017)]
                    {
                        let vc = (*vklp).ve_cache;
                        if !vc.is_null() {
                            let vn = name_of(vc as *const c_void);
                            if freed(&vn) {
                                self.note(
                                    ViolationKind::UseAfterFree,
                                    format!("lwp#{pid}.{tid} ve_cache is {vn}: freed while in an LWP's cache ({when})"),
                                );
                            } else {
                                ves.entry(vc as usize).or_insert_with(|| VeInfo::read(vc, vn, false)).cached += 1;
                            }
                        }
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
                    let e = ves.entry(ve as usize).or_insert_with(|| VeInfo::read(ve, vn.clone(), false));
                    e.running += 1;
                    let (active, deleted) = (e.active(), e.deleted());
                    if active < 1 {
                        self.note(
                            ViolationKind::RefCount,
                            format!("lwp#{pid}.{tid} runs in {vn} with no reference ({when}; refs={})", e.refs_text()),
                        );
                    }
                    if deleted {
                        self.note(
                            ViolationKind::DeletedHandedOut,
                            format!("lwp#{pid}.{tid} runs in {vn}, a deleted entry ({when}; refs={})", e.refs_text()),
                        );
                    }
                }
            }
        }
        for e in ves.values() {
            if e.active() < 0 || e.cache_refs < 0 {
                self.note(
                    ViolationKind::RefCount,
                    format!("{} refs={} cache_refs={} went negative ({when})", e.name, e.refs_text(), e.cache_refs),
                );
            }
        }
        if at_rest {
            for (n, refs, users) in vkps.values() {
                if refs != users {
                    self.note(
                        ViolationKind::RefCount,
                        format!("{n} refs={refs} but {users} process(es) use it ({when})"),
                    );
                }
            }
            for e in ves.values() {
                if let Some(m) = e.at_rest_mismatch() {
                    // "(@; details)" takes the place of "({when})".
                    let m = if m.contains("(@; ") {
                        m.replace("(@; ", &format!("({when}; "))
                    } else {
                        format!("{m} ({when})")
                    };
                    self.note(ViolationKind::RefCount, m);
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
        ves: &mut BTreeMap<usize, VeInfo>,
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
                self.note(
                    ViolationKind::UseAfterFree,
                    format!("{name} is in {vkp}'s tree: freed while on the tree ({when})"),
                );
                continue;
            }
            // SAFETY: a live entry of the tree (the caller's contract).
            let info = unsafe { VeInfo::read(ve, name.clone(), true) };
            // SAFETY: as above.
            let (vm, l, r) = unsafe { ((*ve).vmspace, (*ve).rb_entry.rbe_left, (*ve).rb_entry.rbe_right) };
            let vmn = name_of(vm as *const c_void);
            if vm.is_null() || freed(&vmn) {
                self.note(ViolationKind::UseAfterFree, format!("{name} in {vkp}'s tree has vmspace {vmn} ({when})"));
            }
            ves.insert(ve as usize, info);
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
