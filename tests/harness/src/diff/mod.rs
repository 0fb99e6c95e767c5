//! Differential comparison of two implementations step by step.
//!
//! The building blocks, for `diff` and for anything else that runs the same
//! steps on [`Impl::C`] and [`Impl::Rust`] (replay, SMP schedules):
//!
//! - [`normalise`]: text with what legitimately differs between the two
//!   removed (a KKASSERT's source path and line).
//! - [`PreState::before`]: the facts an allowed divergence depends on, read
//!   from the world just before a step (the same on both sides as long as
//!   nothing diverged).
//! - [`compare_step`]: one step's two outcomes -> [`Verdict`]: `Same`,
//!   `Allowed` (a known [`AllowedDivergence`], both behaviours shown) or
//!   `Unexpected` (a [`Divergence`] with both sides rendered readably).
//! - [`compare_runs`]: two sequences of [`Observed`] steps -> [`RunVerdict`]
//!   (stops at the first allowed or unexpected divergence: past it the two
//!   worlds are no longer comparable).
//! - [`compare_concurrent`]: two [`ConcurrentOutcome`]s under one schedule.
//! - [`scenario`]: scenarios, running one on both sides, shrinking;
//!   [`gen`]: seeded random scenarios; [`directed`]: the directed set;
//!   [`report`]: totals and the report printed by `make diff`.
//!
//! See docs/diff.md.

pub mod directed;
pub mod gen;
pub mod report;
pub mod scenario;

use crate::ffi;
use crate::step::*;
use crate::world::World;
use std::fmt::{self, Write as _};

pub use scenario::{Observed, Scenario};

// ---------------------------------------------------------------------------
// Normalisation

/// Removes what may differ between the C original and the port without
/// being a behaviour difference: the `at <file>:<line>` of a failed
/// KKASSERT ("assertion "x" failed in f at /path/vm_vmspace.c:682" and
/// "... at sys/vm/vm_vmspace.rs:301" both become "... at <src>").  Applied
/// to trace lines, dumps and fault messages alike.
pub fn normalise(s: &str) -> String {
    const MARK: &str = "\" failed in ";
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(MARK) {
        let after = i + MARK.len();
        out.push_str(&rest[..after]);
        rest = &rest[after..];
        // "<func> at <path>:<line>"
        let func_end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
        out.push_str(&rest[..func_end]);
        rest = &rest[func_end..];
        if let Some(tail) = rest.strip_prefix(" at ") {
            let end = tail.find(|c: char| c.is_whitespace() || c == '"' || c == '|').unwrap_or(tail.len());
            let loc = &tail[..end];
            let is_loc = loc
                .rsplit_once(':')
                .is_some_and(|(f, l)| !f.is_empty() && !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()));
            if is_loc {
                out.push_str(" at <src>");
                rest = &tail[end..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A step outcome with [`normalise`] applied to its texts.
pub fn normalise_outcome(o: &StepOutcome) -> StepOutcome {
    StepOutcome {
        trace: o.trace.iter().map(|l| normalise(l)).collect(),
        dump: o.dump.as_deref().map(normalise),
        fault: o.fault.as_ref().map(|f| Fault { kind: f.kind, message: normalise(&f.message) }),
        ..o.clone()
    }
}

// ---------------------------------------------------------------------------
// Allowed divergences

/// The differences between the C original and the port that the project
/// accepts: each is a place where the C original corrupts memory or panics
/// on input a user can supply, and the port does what DragonFly fixed it to
/// do.  Anything else is a bug in one of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AllowedDivergence {
    /// vkernel_lwp_exit() on a VMM guest LWP that is running a VMSPACE
    /// (vmspace_ctl stored the user's id in `vklp->ve`): the C original
    /// prints the "killed with active VC" warning, switches the LWP's
    /// vmspace and decrements the "refs" of the id taken as a
    /// `vmspace_entry` pointer (a kernel page fault or memory corruption);
    /// the port, as DragonFly e1ea8b243e, only clears `vklp->ve`.
    TdVmmLwpExit,
    /// sys_vmspace_destroy() at 22b7a3dbf6 answering EBUSY (another active
    /// reference on the entry): the C original does not drop the active
    /// reference its own lookup took (`vkernel_find_vmspace(vkp, id, 1)`),
    /// so `ve->refs` stays one above its users for good (a later destroy of
    /// the entry is EBUSY again, and the vkernel's exit panics in
    /// rb_vmspace_delete, "invalid refs N"); the port drops it.  Only at
    /// REV=22b7a3dbf6; recognised at the EBUSY step itself (same result,
    /// same trace, the entry's refs one higher in the C's state).
    DestroyEbusyLeak,
}

impl AllowedDivergence {
    pub const ALL: &'static [AllowedDivergence] =
        &[AllowedDivergence::TdVmmLwpExit, AllowedDivergence::DestroyEbusyLeak];

    pub fn name(self) -> &'static str {
        match self {
            AllowedDivergence::TdVmmLwpExit => "td_vmm-lwp-exit",
            AllowedDivergence::DestroyEbusyLeak => "destroy-ebusy-leak",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            AllowedDivergence::TdVmmLwpExit => {
                "vkernel_lwp_exit on a VMM guest running a VMSPACE: C uses the user id in vklp->ve \
                 as a vmspace_entry (warning, pmap_setlwpvm, refs-- through the id: page fault); \
                 the port clears vklp->ve (DragonFly e1ea8b243e)"
            }
            AllowedDivergence::DestroyEbusyLeak => {
                "vmspace_destroy EBUSY at 22b7a3dbf6: C keeps its lookup's active reference \
                 (ve->refs one too high for good: later destroys EBUSY, exit panics \
                 \"rb_vmspace_delete: invalid refs N\"); the port drops it"
            }
        }
    }
}

impl fmt::Display for AllowedDivergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the allowed divergences depend on, observed just before a step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PreState {
    /// The LWPs the step will run vkernel_lwp_exit() on that are VMM guests
    /// (td_vmm set) with a user id in `lwp_vkernel->ve`: (pid, tid, id).
    pub guests_in_vmspace: Vec<(Pid, Tid, u64)>,
}

impl PreState {
    /// Reads the world before `step` runs (cheap: only steps that reach
    /// vkernel_lwp_exit look at anything).
    pub fn before(world: &World, step: &Step) -> PreState {
        let mut pre = PreState::default();
        if world.dead() {
            return pre;
        }
        let lwps: Vec<(Pid, Tid)> = match *step {
            Step::LwpExit { pid, tid } | Step::Hook { hook: Hook::LwpExit { pid, tid }, .. } => vec![(pid, tid)],
            Step::Exit { pid, .. } | Step::Exec { pid, .. } | Step::Hook { hook: Hook::Exit { pid }, .. } => {
                lwps_of(pid)
            }
            _ => return pre,
        };
        for (pid, tid) in lwps {
            // SAFETY: lookups of live model objects, read while no model
            // thread runs.
            unsafe {
                let p = ffi::model_proc_find(pid);
                if p.is_null() {
                    continue;
                }
                let lp = ffi::model_lwp_find(p, tid);
                if lp.is_null() {
                    continue;
                }
                let vklp = (*lp).lwp_vkernel;
                let td = (*lp).lwp_thread;
                if !vklp.is_null() && !(*vklp).ve.is_null() && !(*td).td_vmm.is_null() {
                    pre.guests_in_vmspace.push((pid, tid, (*vklp).ve as u64));
                }
            }
        }
        pre
    }
}

/// The LWPs of process `pid` in tid order (none if it does not exist).
pub fn lwps_of(pid: Pid) -> Vec<(Pid, Tid)> {
    let mut v = Vec::new();
    // SAFETY: walking a live process's LWP tree while no model thread runs.
    unsafe {
        let p = ffi::model_proc_find(pid);
        if p.is_null() {
            return v;
        }
        let mut lp = ffi::lwp_rb_tree_RB_MINMAX(&mut (*p).p_lwp_tree, -1);
        while !lp.is_null() {
            v.push((pid, (*lp).lwp_tid));
            lp = ffi::lwp_rb_tree_RB_NEXT(lp);
        }
    }
    v
}

// ---------------------------------------------------------------------------
// Comparing steps

/// Which part of a step's outcome differs (the first in this order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Called,
    Ret,
    SysmsgResult,
    Trace,
    Fault,
    State,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Called => "called",
            Field::Ret => "return value",
            Field::SysmsgResult => "sysmsg result",
            Field::Trace => "kernel calls (trace)",
            Field::Fault => "panic/fault",
            Field::State => "state after the step",
        })
    }
}

/// A difference between the two sides at one step, both sides rendered.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    /// Index of the step in its sequence (0-based).
    pub index: usize,
    pub step: Step,
    /// The first differing field.
    pub field: Field,
    /// Every differing field, both sides, readable (see [`Divergence::render`]).
    pub detail: String,
    /// The two outcomes, normalised.
    pub c: StepOutcome,
    pub rust: StepOutcome,
}

impl Divergence {
    /// "step 7 Exit { pid: 1, tid: 1 }: return value differs" and the detail.
    pub fn render(&self) -> String {
        format!("step {} {:?}: {} differs\n{}", self.index, self.step, self.field, self.detail)
    }
}

/// An allowed divergence seen at a step, with both behaviours.
#[derive(Clone, Debug, PartialEq)]
pub struct Allowed {
    pub kind: AllowedDivergence,
    pub divergence: Divergence,
}

/// The comparison of one step.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Same,
    Allowed(Allowed),
    Unexpected(Divergence),
}

/// Compares one step's outcomes of the C original (`c`) and the port
/// (`rust`), both taken from the same state (`pre`, observed before the
/// step).  Outcomes are normalised here; raw ones can be passed.
pub fn compare_step(index: usize, pre: &PreState, step: &Step, c: &StepOutcome, rust: &StepOutcome) -> Verdict {
    let c = normalise_outcome(c);
    let rust = normalise_outcome(rust);
    let Some((field, detail)) = differences(&c, &rust) else {
        return Verdict::Same;
    };
    let divergence = Divergence { index, step: step.clone(), field, detail, c, rust };
    match classify(pre, step, &divergence.c, &divergence.rust) {
        Some(kind) => Verdict::Allowed(Allowed { kind, divergence }),
        None => Verdict::Unexpected(divergence),
    }
}

/// The first differing field and a rendering of every difference, or None
/// when the (normalised) outcomes are the same.  The step number is not
/// compared (runs of different lengths may be compared).
pub fn differences(c: &StepOutcome, rust: &StepOutcome) -> Option<(Field, String)> {
    let mut first = None;
    let mut out = String::new();
    let mut note = |f: Field, text: String| {
        first.get_or_insert(f);
        out.push_str(&text);
    };
    if c.called != rust.called {
        note(Field::Called, format!("  called:  C {}  Rust {}\n", c.called, rust.called));
    }
    if c.ret != rust.ret {
        note(Field::Ret, format!("  ret:     C {}  Rust {}\n", show_ret(c.ret), show_ret(rust.ret)));
    }
    if c.sysmsg_result != rust.sysmsg_result {
        note(
            Field::SysmsgResult,
            format!("  sysmsg:  C {:?}  Rust {:?}\n", c.sysmsg_result.map(Hex), rust.sysmsg_result.map(Hex)),
        );
    }
    if c.trace != rust.trace {
        note(Field::Trace, format!("  trace:\n{}", line_diff(&c.trace, &rust.trace)));
    }
    if c.fault != rust.fault {
        let show =
            |f: &Option<Fault>| f.as_ref().map_or("none".to_string(), |f| format!("{:?}: {}", f.kind, f.message));
        note(Field::Fault, format!("  fault:\n    C    {}\n    Rust {}\n", show(&c.fault), show(&rust.fault)));
    }
    if c.dump != rust.dump {
        let lines = |d: &Option<String>| d.as_deref().unwrap_or("").lines().map(str::to_string).collect::<Vec<_>>();
        note(Field::State, format!("  state:\n{}", line_diff(&lines(&c.dump), &lines(&rust.dump))));
    }
    first.map(|f| (f, out))
}

struct Hex(i64);
impl fmt::Debug for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

/// An errno by name where it is one.
pub fn show_ret(r: Option<i64>) -> String {
    match r {
        None => "none".into(),
        Some(v) => match errno_name(v) {
            Some(n) => format!("{v} ({n})"),
            None => v.to_string(),
        },
    }
}

pub fn errno_name(v: i64) -> Option<&'static str> {
    Some(match v {
        0 => "ok",
        -2 => "EJUSTRETURN",
        x if x == ffi::EFAULT as i64 => "EFAULT",
        x if x == ffi::EINVAL as i64 => "EINVAL",
        x if x == ffi::ENOENT as i64 => "ENOENT",
        x if x == ffi::EBUSY as i64 => "EBUSY",
        x if x == ffi::EEXIST as i64 => "EEXIST",
        x if x == ffi::EOPNOTSUPP as i64 => "EOPNOTSUPP",
        x if x == ffi::EBADF as i64 => "EBADF",
        x if x == ffi::ENOMEM as i64 => "ENOMEM",
        _ => return None,
    })
}

/// A readable diff of two line sequences: common lines as context (at most
/// 3 around each change), C-only lines `C `, Rust-only lines `R `.
pub fn line_diff(c: &[String], r: &[String]) -> String {
    // Longest common subsequence; the sequences are short (a step's trace,
    // a dump of a few dozen lines).
    let (n, m) = (c.len(), r.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if c[i] == r[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    enum Op<'a> {
        Both(&'a str),
        C(&'a str),
        R(&'a str),
    }
    let mut ops = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && c[i] == r[j] {
            ops.push(Op::Both(&c[i]));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            ops.push(Op::R(&r[j]));
            j += 1;
        } else {
            ops.push(Op::C(&c[i]));
            i += 1;
        }
    }
    const CONTEXT: usize = 3;
    let changed: Vec<usize> =
        ops.iter().enumerate().filter(|(_, o)| !matches!(o, Op::Both(_))).map(|(k, _)| k).collect();
    let near = |k: usize| changed.iter().any(|&c| c.abs_diff(k) <= CONTEXT);
    let mut out = String::new();
    let mut skipped = false;
    for (k, op) in ops.iter().enumerate() {
        match op {
            Op::Both(l) if near(k) => {
                let _ = writeln!(out, "        {l}");
                skipped = false;
            }
            Op::Both(_) => {
                if !skipped {
                    out.push_str("        ...\n");
                }
                skipped = true;
            }
            Op::C(l) => {
                let _ = writeln!(out, "    C   {l}");
                skipped = false;
            }
            Op::R(l) => {
                let _ = writeln!(out, "    R   {l}");
                skipped = false;
            }
        }
    }
    out
}

/// Which allowed divergence, if any, explains the difference at this step.
pub fn classify(pre: &PreState, step: &Step, c: &StepOutcome, rust: &StepOutcome) -> Option<AllowedDivergence> {
    if td_vmm_lwp_exit(pre, step, c, rust) {
        return Some(AllowedDivergence::TdVmmLwpExit);
    }
    if destroy_ebusy_leak(step, c, rust) {
        return Some(AllowedDivergence::DestroyEbusyLeak);
    }
    None
}

/// [`AllowedDivergence::DestroyEbusyLeak`]: at 22b7a3dbf6, a destroy that
/// both sides answer EBUSY with the same trace (the dropped reference is an
/// atomic, not traced), and states that differ only in that entry's `refs`,
/// one higher in the C's.
fn destroy_ebusy_leak(step: &Step, c: &StepOutcome, rust: &StepOutcome) -> bool {
    let Step::Destroy { id, .. } = *step else {
        return false;
    };
    let ebusy = Some(ffi::EBUSY as i64);
    crate::REV == "22b7a3dbf6"
        && c.ret == ebusy
        && rust.ret == ebusy
        && c.called == rust.called
        && c.sysmsg_result == rust.sysmsg_result
        && c.trace == rust.trace
        && c.fault == rust.fault
        && refs_leaked(c.dump.as_deref(), rust.dump.as_deref(), &[(id, 1)])
}

/// Which allowed divergence, if any, explains the difference between two
/// concurrent runs of `steps` under the same schedule (a policy chooser,
/// as the concurrent directed scenarios have: the port's extra switch
/// point does not change its choices).  Only
/// [`AllowedDivergence::DestroyEbusyLeak`]: at 22b7a3dbf6, every call the
/// same result on both sides, the same trace and fault, and states that
/// differ only in the `refs` of the entries the EBUSY destroys named, the
/// C's higher by the number of those destroys.
pub fn classify_concurrent(
    steps: &[Step],
    c: &ConcurrentOutcome,
    rust: &ConcurrentOutcome,
) -> Option<AllowedDivergence> {
    if crate::REV != "22b7a3dbf6" || c.calls.len() != rust.calls.len() {
        return None;
    }
    let ebusy = Some(ffi::EBUSY as i64);
    let mut leaks: Vec<(u64, u32)> = Vec::new();
    for (s, (a, b)) in steps.iter().zip(c.calls.iter().zip(&rust.calls)) {
        if a.ret != b.ret || a.sysmsg_result != b.sysmsg_result || a.called != b.called {
            return None;
        }
        if let (Step::Destroy { id, .. }, true) = (s, a.ret == ebusy) {
            match leaks.iter_mut().find(|(i, _)| i == id) {
                Some(l) => l.1 += 1,
                None => leaks.push((*id, 1)),
            }
        }
    }
    let norm = |v: &[String]| v.iter().map(|l| normalise(l)).collect::<Vec<_>>();
    let fault = |o: &ConcurrentOutcome| o.fault.as_ref().map(|f| normalise(&f.message));
    let (cd, rd) = (c.dump.as_deref().map(normalise), rust.dump.as_deref().map(normalise));
    (!leaks.is_empty()
        && norm(&c.trace) == norm(&rust.trace)
        && fault(c) == fault(rust)
        && refs_leaked(cd.as_deref(), rd.as_deref(), &leaks))
    .then_some(AllowedDivergence::DestroyEbusyLeak)
}

/// Whether two state dumps differ exactly in the `refs` of the entries
/// `leaks` names (by id), the C's (`c`) higher by the count given, and in
/// nothing else.  The 2017 dump's entry line is
/// `ve#N id=0x.. refs=0x.. cache_refs=.. flags=.. vmspace=..`.
pub fn refs_leaked(c: Option<&str>, rust: Option<&str>, leaks: &[(u64, u32)]) -> bool {
    let (Some(c), Some(rust)) = (c, rust) else {
        return false;
    };
    // (the line without its refs, id, refs) of an entry line.
    fn entry(l: &str) -> Option<(String, u64, u32)> {
        let t = l.trim_start();
        if !t.starts_with("ve#") {
            return None;
        }
        let field = |k: &str| -> Option<(usize, usize)> {
            let i = t.find(k)? + k.len();
            let n = t[i..].find(' ').map_or(t.len(), |e| i + e);
            Some((i, n))
        };
        let (i, n) = field(" id=0x")?;
        let id = u64::from_str_radix(&t[i..n], 16).ok()?;
        let (i, n) = field(" refs=0x")?;
        let refs = u32::from_str_radix(&t[i..n], 16).ok()?;
        Some((format!("{}{}", &t[..i], &t[n..]), id, refs))
    }
    let (cl, rl): (Vec<&str>, Vec<&str>) = (c.lines().collect(), rust.lines().collect());
    if cl.len() != rl.len() {
        return false;
    }
    // Each leaking entry once, though its line shows again under every
    // process that shares the vkernel_proc (fork): a repeat must be the
    // same entry line with the same difference.
    let mut seen: Vec<(u64, String)> = Vec::new();
    for (a, b) in cl.iter().zip(&rl) {
        if a == b {
            continue;
        }
        let (Some((ra, ida, na)), Some((rb, idb, nb))) = (entry(a), entry(b)) else {
            return false;
        };
        let Some(&(_, k)) = leaks.iter().find(|(i, _)| *i == ida) else {
            return false;
        };
        if ra != rb || ida != idb || na != nb.wrapping_add(k) {
            return false;
        }
        match seen.iter().find(|(i, _)| *i == ida) {
            Some((_, line)) if *line != ra => return false,
            Some(_) => {}
            None => seen.push((ida, ra)),
        }
    }
    seen.len() == leaks.len()
}

/// [`AllowedDivergence::TdVmmLwpExit`]: the step reaches vkernel_lwp_exit()
/// for a VMM guest LWP with a user id in `vklp->ve`, and the traces agree
/// up to that LWP, where the C original prints the warning and calls
/// pmap_setlwpvm() for it while the port frees its vkernel_lwp.
fn td_vmm_lwp_exit(pre: &PreState, step: &Step, c: &StepOutcome, rust: &StepOutcome) -> bool {
    if pre.guests_in_vmspace.is_empty() {
        return false;
    }
    let Some(k) = c.trace.iter().zip(&rust.trace).position(|(a, b)| a != b) else {
        return false;
    };
    // The steps that reach vkernel_lwp_exit(), and the process it names.
    let pid = match *step {
        Step::Hook { hook: Hook::Exit { pid } | Hook::LwpExit { pid, .. }, .. } => pid,
        Step::LwpExit { pid, .. } | Step::Exit { pid, .. } | Step::Exec { pid, .. } => pid,
        _ => return false,
    };
    let warning = format!(" kprintf(\"Warning, pid {pid} killed with active VC!|\")");
    let c_warns = c.trace[k].contains(&warning);
    let c_switches = c.trace.get(k + 1).is_some_and(|l| {
        pre.guests_in_vmspace.iter().any(|&(p, t, _)| l.contains(&format!(" pmap_setlwpvm(lwp#{p}.{t}, ")))
    });
    let rust_frees = rust.trace[k].contains(" kfree(vklp#");
    c_warns && c_switches && rust_frees
}

// ---------------------------------------------------------------------------
// Comparing runs

/// The comparison of two runs of the same steps.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunVerdict {
    /// Steps compared (up to and including a divergence).
    pub compared: usize,
    /// Allowed divergences seen (at most one: the comparison stops there).
    pub allowed: Vec<Allowed>,
    pub unexpected: Option<Divergence>,
}

impl RunVerdict {
    pub fn ok(&self) -> bool {
        self.unexpected.is_none()
    }
}

/// Compares two runs of `steps` step by step (`c[i]` and `rust[i]` are the
/// outcomes of `steps[i]`).  Stops at the first difference: an allowed one
/// leaves the two worlds in different states, so later steps say nothing.
pub fn compare_runs(steps: &[Step], c: &[Observed], rust: &[Observed]) -> RunVerdict {
    let mut v = RunVerdict::default();
    for (i, step) in steps.iter().enumerate() {
        let (Some(a), Some(b)) = (c.get(i), rust.get(i)) else {
            break;
        };
        v.compared += 1;
        match compare_step(i, &a.pre, step, &a.out, &b.out) {
            Verdict::Same => {}
            Verdict::Allowed(x) => {
                v.allowed.push(x);
                break;
            }
            Verdict::Unexpected(d) => {
                v.unexpected = Some(d);
                break;
            }
        }
    }
    v
}

/// Compares two concurrent runs of the same calls under the same schedule:
/// each call's return and sysmsg result, then the shared trace, fault and
/// state.  No allowed divergence is recognised here (none involves
/// concurrency).  `index` names the run in the Divergence.
// A Divergence carries both outcomes; it is built once, on failure.
#[allow(clippy::result_large_err)]
pub fn compare_concurrent(
    index: usize,
    steps: &[Step],
    c: &ConcurrentOutcome,
    rust: &ConcurrentOutcome,
) -> Result<(), Divergence> {
    let as_step = |o: &ConcurrentOutcome| StepOutcome {
        step: 0,
        called: o.calls.iter().all(|c| c.called),
        ret: None,
        sysmsg_result: None,
        trace: o.trace.clone(),
        dump: o.dump.clone(),
        fault: o.fault.clone(),
    };
    let (cs, rs) = (normalise_outcome(&as_step(c)), normalise_outcome(&as_step(rust)));
    let mut detail = String::new();
    let mut field = None;
    if c.schedule != rust.schedule {
        field = Some(Field::Trace);
        let _ = writeln!(detail, "  schedule: C {:?}  Rust {:?}", c.schedule, rust.schedule);
    }
    for (k, (a, b)) in c.calls.iter().zip(&rust.calls).enumerate() {
        if a.ret != b.ret || a.sysmsg_result != b.sysmsg_result || a.called != b.called {
            field.get_or_insert(Field::Ret);
            let _ = writeln!(
                detail,
                "  call {k} {:?}: ret C {} Rust {}, sysmsg C {:?} Rust {:?}",
                steps.get(k),
                show_ret(a.ret),
                show_ret(b.ret),
                a.sysmsg_result,
                b.sysmsg_result
            );
        }
    }
    if let Some((f, d)) = differences(&cs, &rs) {
        field.get_or_insert(f);
        detail.push_str(&d);
    }
    match field {
        None => Ok(()),
        Some(field) => Err(Divergence {
            index,
            step: steps.first().cloned().unwrap_or(Step::SetVkernelEnable(true)),
            field,
            detail,
            c: cs,
            rust: rs,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_strips_kkassert_locations_only() {
        let c =
            "panic: assertion \"ve->refs > 0\" failed in vkernel_lwp_exit at /work/shared/reference/vm_vmspace.c:682";
        let r = "panic: assertion \"ve->refs > 0\" failed in vkernel_lwp_exit at sys/vm/vm_vmspace.rs:301";
        assert_eq!(normalise(c), normalise(r));
        assert_eq!(normalise(c), "panic: assertion \"ve->refs > 0\" failed in vkernel_lwp_exit at <src>");
        // A different function or expression still differs.
        let r2 = "panic: assertion \"ve->refs > 0\" failed in vkernel_trap at sys/vm/vm_vmspace.rs:301";
        assert_ne!(normalise(c), normalise(r2));
        // Not a location: left alone.
        assert_eq!(normalise("x\" failed in f at noon"), "x\" failed in f at noon");
        assert_eq!(normalise("kprintf(\"plain\")"), "kprintf(\"plain\")");
    }

    #[test]
    fn line_diff_marks_each_side() {
        let c: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let r: Vec<String> = ["a", "x", "c"].map(String::from).to_vec();
        let d = line_diff(&c, &r);
        assert!(d.contains("    C   b\n"), "{d}");
        assert!(d.contains("    R   x\n"), "{d}");
        assert!(d.contains("        a\n"), "{d}");
    }
}
