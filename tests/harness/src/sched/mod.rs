//! SMP schedules: the same concurrent scenario under many interleavings, on
//! the C original and on the port, compared and checked.
//!
//! The model kernel runs every call on a coroutine and stops it at its
//! switch points: the entry of every kernel call (a preemption: the thread
//! keeps its tokens, as one that goes on running on its cpu), every point
//! where DragonFly can block (`model_may_block`: LWKT releases all the
//! thread's tokens and reacquires them before it continues) and every
//! contended `lwkt_gettoken` (a wait).  At each stop [`World::run_concurrent`]
//! asks a chooser which thread runs next; the sequence of its answers is a
//! [`Schedule`], and replaying it reproduces the run exactly.
//!
//! - [`Scenario`]: set-up steps, one or more concurrent phases, teardown
//!   (every process exits, so leaks show); the catalogue is [`scenarios`].
//! - [`run`]: one scenario, one implementation, one chooser -> [`Run`]: the
//!   decisions taken, every phase's outcome, the final state and the
//!   invariant [`check`]s (no panic, misuse or deadlock, no use after free,
//!   reference counts, tree operations under `vkp->token`, no leak).
//! - [`compare`]: the C original against the port under one schedule, with
//!   `harness::diff` (per-step outcomes, traces, final state; the known
//!   allowed divergences).
//! - [`explore`]: exhaustive search up to a preemption bound, seeded random
//!   schedules, PCT; every schedule of the C original replayed on the port.
//!
//! See docs/sched.md.

pub mod check;
pub mod explore;
pub mod scenarios;

use crate::diff::{self, AllowedDivergence, Observed, PreState};
use crate::impls::Impl;
use crate::step::*;
use crate::world::World;
use check::Violation;
use std::fmt;

/// One phase of a scenario.
#[derive(Clone, Debug)]
pub enum Phase {
    /// A step on its own: set-up, world changes, teardown.
    Seq(Step),
    /// System calls and kernel paths on distinct threads, interleaved by
    /// the schedule.
    Conc(Vec<Step>),
}

/// A concurrent scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: &'static str,
    /// What races here, in a sentence.
    pub about: &'static str,
    pub ncpu: usize,
    pub phases: Vec<Phase>,
    /// Preemption bound of the exhaustive search `make sched` runs (larger
    /// scenarios get a lower one, and random and PCT schedules).
    pub bound: usize,
}

impl Scenario {
    /// The processes the scenario creates (NewProc, Fork children).
    pub fn pids(&self) -> Vec<Pid> {
        let mut v = Vec::new();
        let mut add = |s: &Step| match *s {
            Step::NewProc { pid } => v.push(pid),
            Step::Fork { child, .. } => v.push(child),
            _ => {}
        };
        for p in &self.phases {
            match p {
                Phase::Seq(s) => add(s),
                Phase::Conc(ss) => ss.iter().for_each(&mut add),
            }
        }
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The scenario as Rust values, one phase per line.
    pub fn render(&self) -> String {
        let mut s = format!("// {} (ncpu {}): {}\n", self.name, self.ncpu, self.about);
        for (i, p) in self.phases.iter().enumerate() {
            match p {
                Phase::Seq(st) => s.push_str(&format!("/* {i:2} */ {st:?}\n")),
                Phase::Conc(ss) => {
                    s.push_str(&format!("/* {i:2} */ concurrently:\n"));
                    for (k, st) in ss.iter().enumerate() {
                        s.push_str(&format!("          [{k}] {st:?}\n"));
                    }
                }
            }
        }
        s
    }
}

/// The thread (index into its concurrent phase's steps) chosen at each
/// decision of a run, over all its concurrent phases in order.  Written as
/// digits ("0110"); a schedule shorter than the run is completed with the
/// default choice ([`crate::run_same_first`]: the current thread while it
/// can run, else the lowest-numbered runnable one).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Schedule(pub Vec<u8>);

impl Schedule {
    /// Parses digits; anything else ('.', ' ', '_') is a separator.
    pub fn parse(s: &str) -> Result<Schedule, String> {
        let mut v = Vec::new();
        for ch in s.chars() {
            match ch.to_digit(10) {
                Some(d) => v.push(d as u8),
                None if matches!(ch, '.' | ' ' | '_' | '-') => {}
                None => return Err(format!("bad schedule character {ch:?} in {s:?} (digits expected)")),
            }
        }
        Ok(Schedule(v))
    }

    /// The shortest schedule that replays these decisions: the tail that
    /// the default choice reproduces is dropped.
    pub fn minimal(decisions: &[Decided]) -> Schedule {
        let keep = decisions.iter().rposition(|d| d.chosen != d.default()).map_or(0, |i| i + 1);
        Schedule(decisions[..keep].iter().map(|d| d.chosen as u8).collect())
    }

    /// Every decision, default ones included (identifies the run).
    pub fn full(decisions: &[Decided]) -> Schedule {
        Schedule(decisions.iter().map(|d| d.chosen as u8).collect())
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("-");
        }
        for d in &self.0 {
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// One decision taken during a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decided {
    /// The thread that ran last in this phase, if any.
    pub current: Option<usize>,
    pub runnable: Vec<usize>,
    pub chosen: usize,
}

impl Decided {
    /// What [`crate::run_same_first`] would choose here.
    pub fn default(&self) -> usize {
        match self.current {
            Some(c) if self.runnable.contains(&c) => c,
            _ => self.runnable[0],
        }
    }

    /// Whether choosing `t` here takes the cpu from a thread that could go
    /// on running (the unit the exhaustive search bounds).
    pub fn preempts(&self, t: usize) -> bool {
        matches!(self.current, Some(c) if c != t && self.runnable.contains(&c))
    }
}

/// Picks the thread to resume at each decision.
pub trait Chooser {
    /// `k` counts the decisions of the run (over all concurrent phases).
    fn choose(&mut self, k: usize, d: &Decision) -> usize;
}

/// Follows a schedule, then the default choice.  A scheduled thread that is
/// not runnable (the run took another path) is noted as a mismatch and the
/// default is taken instead.
#[derive(Clone, Debug, Default)]
pub struct Replay {
    pub schedule: Schedule,
    /// The first decision where the schedule could not be followed.
    pub mismatch: Option<usize>,
    /// With `record`: at each decision, where every thread stood.
    pub record: bool,
    pub stops: Vec<Vec<String>>,
}

impl Replay {
    pub fn new(schedule: Schedule) -> Replay {
        Replay { schedule, ..Replay::default() }
    }
}

impl Chooser for Replay {
    fn choose(&mut self, k: usize, d: &Decision) -> usize {
        if self.record {
            self.stops.push(d.wheres.clone());
        }
        match self.schedule.0.get(k) {
            Some(&t) if d.runnable.contains(&(t as usize)) => t as usize,
            Some(_) => {
                self.mismatch.get_or_insert(k);
                crate::run_same_first(d)
            }
            None => crate::run_same_first(d),
        }
    }
}

/// A phase as one implementation ran it.
#[derive(Clone, Debug)]
pub enum PhaseRun {
    Seq(Observed),
    Conc(ConcurrentOutcome),
}

/// One scenario run by one implementation under one chooser.
#[derive(Clone, Debug)]
pub struct Run {
    pub imp: Impl,
    pub decisions: Vec<Decided>,
    pub phases: Vec<PhaseRun>,
    /// The state after the last phase.
    pub dump: String,
    pub fault: Option<Fault>,
    /// Invariants broken (see [`check`]), first occurrence of each.
    pub violations: Vec<Violation>,
    /// Set by [`run_replay`] when the schedule did not fit this run.
    pub mismatch: Option<usize>,
}

impl Run {
    /// The whole trace of the run, phase by phase.
    pub fn trace(&self) -> Vec<String> {
        let mut v = Vec::new();
        for p in &self.phases {
            match p {
                PhaseRun::Seq(o) => v.extend(o.out.trace.iter().cloned()),
                PhaseRun::Conc(o) => v.extend(o.trace.iter().cloned()),
            }
        }
        v
    }
}

/// Runs `sc` from a freshly booted world with `imp`, `chooser` deciding at
/// every switch point of the concurrent phases, and checks the invariants
/// (at every decision, after every phase, at the end).
pub fn run(w: &mut World, imp: Impl, sc: &Scenario, chooser: &mut dyn Chooser) -> Run {
    w.reset(sc.ncpu);
    w.set_snapshots(false);
    w.set_tracing(true);
    let pids = sc.pids();
    let mut checks = check::Checker::new(&pids);
    let mut decisions = Vec::new();
    let mut phases = Vec::with_capacity(sc.phases.len());
    for phase in &sc.phases {
        match phase {
            Phase::Seq(step) => {
                let pre = PreState::before(w, step);
                let out = w.run_step(imp, step);
                phases.push(PhaseRun::Seq(Observed { pre, out, skipped: false }));
            }
            Phase::Conc(steps) => {
                let mut choose = |d: &Decision| {
                    checks.at_switch();
                    let t = chooser.choose(decisions.len(), d);
                    decisions.push(Decided { current: d.current, runnable: d.runnable.clone(), chosen: t });
                    t
                };
                let out = w.run_concurrent(imp, steps, &mut choose);
                phases.push(PhaseRun::Conc(out));
            }
        }
        if w.dead() {
            break;
        }
        checks.at_rest();
    }
    let dump = w.dump();
    let fault = w.fault();
    let trace: Vec<String> = phases
        .iter()
        .flat_map(|p| match p {
            PhaseRun::Seq(o) => o.out.trace.clone(),
            PhaseRun::Conc(o) => o.trace.clone(),
        })
        .collect();
    checks.at_end(w, fault.as_ref(), &trace, &dump);
    Run { imp, decisions, phases, dump, fault, violations: checks.into_violations(), mismatch: None }
}

/// [`run`] following `schedule` (then the default choice).
pub fn run_replay(w: &mut World, imp: Impl, sc: &Scenario, schedule: &Schedule) -> Run {
    let mut r = Replay::new(schedule.clone());
    let mut out = run(w, imp, sc, &mut r);
    out.mismatch = r.mismatch;
    out
}

/// The C original against the port under one schedule.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Same,
    /// A known allowed divergence (harness::diff), rendered.
    Allowed(AllowedDivergence, String),
    /// Anything else: the first difference, both sides rendered.
    Unexpected(String),
}

/// Compares two runs of `sc` under the same schedule (`c` first): phase by
/// phase with `harness::diff` (stopping at an allowed divergence, past
/// which the worlds differ), then the final state.
pub fn compare(sc: &Scenario, c: &Run, rust: &Run) -> Verdict {
    if let Some(v) = ebusy_leak(sc, c, rust) {
        return v;
    }
    if c.decisions.iter().map(|d| d.chosen).ne(rust.decisions.iter().map(|d| d.chosen)) || rust.mismatch.is_some() {
        return Verdict::Unexpected(format!(
            "the schedule does not fit both runs (decision {:?}): C took {}, Rust took {}",
            rust.mismatch,
            Schedule::full(&c.decisions),
            Schedule::full(&rust.decisions)
        ));
    }
    for (i, (phase, (a, b))) in sc.phases.iter().zip(c.phases.iter().zip(&rust.phases)).enumerate() {
        match (phase, a, b) {
            (Phase::Seq(step), PhaseRun::Seq(a), PhaseRun::Seq(b)) => {
                match diff::compare_step(i, &a.pre, step, &a.out, &b.out) {
                    diff::Verdict::Same => {}
                    diff::Verdict::Allowed(x) => return Verdict::Allowed(x.kind, x.divergence.render()),
                    diff::Verdict::Unexpected(d) => return Verdict::Unexpected(d.render()),
                }
            }
            (Phase::Conc(steps), PhaseRun::Conc(a), PhaseRun::Conc(b)) => {
                if let Err(d) = diff::compare_concurrent(i, steps, a, b) {
                    return Verdict::Unexpected(format!("phase {i} (concurrent): {} differs\n{}", d.field, d.detail));
                }
            }
            _ => unreachable!("phase kinds follow the scenario"),
        }
    }
    if c.phases.len() != rust.phases.len() {
        return Verdict::Unexpected(format!(
            "C ran {} phases, Rust {} (a world ended early)",
            c.phases.len(),
            rust.phases.len()
        ));
    }
    let (dc, dr) = (diff::normalise(&c.dump), diff::normalise(&rust.dump));
    if dc != dr {
        let lines = |s: &str| s.lines().map(str::to_string).collect::<Vec<_>>();
        return Verdict::Unexpected(format!("final state differs:\n{}", diff::line_diff(&lines(&dc), &lines(&dr))));
    }
    Verdict::Same
}

/// The allowed divergence [`AllowedDivergence::DestroyEbusyLeak`] under a
/// schedule (22b7a3dbf6 only): the C's first destroy answered EBUSY in
/// phase `p`.  The port's fix (dropping the lookup's reference) is one
/// atomic more, so one switch point more: from that destroy on the C's
/// schedule no longer fits the port's run, and the comparison has to stop
/// there, as after any allowed divergence.  Required: every phase before
/// `p` the same (each concurrent phase under the same schedule); in phase
/// `p` the port's destroy answered EBUSY too (it decided before the extra
/// switch point), and a sequential `p` is classified by
/// `diff::compare_step` (same trace, the entry's refs one higher in the
/// C's state).  The port's own invariants are checked on its whole run
/// regardless.  None: not this case, compare as usual.
fn ebusy_leak(sc: &Scenario, c: &Run, rust: &Run) -> Option<Verdict> {
    if crate::REV != "22b7a3dbf6" {
        return None;
    }
    let ebusy = Some(crate::ffi::EBUSY as i64);
    let is_destroy = |s: &Step| matches!(s, Step::Destroy { .. });
    let p = sc.phases.iter().zip(&c.phases).position(|(ph, run)| match (ph, run) {
        (Phase::Seq(s), PhaseRun::Seq(o)) => is_destroy(s) && o.out.ret == ebusy,
        (Phase::Conc(ss), PhaseRun::Conc(o)) => ss.iter().zip(&o.calls).any(|(s, o)| is_destroy(s) && o.ret == ebusy),
        _ => false,
    })?;
    for (i, (phase, (a, b))) in sc.phases.iter().zip(c.phases.iter().zip(&rust.phases)).enumerate().take(p + 1) {
        match (phase, a, b) {
            (Phase::Seq(step), PhaseRun::Seq(a), PhaseRun::Seq(b)) => {
                match diff::compare_step(i, &a.pre, step, &a.out, &b.out) {
                    diff::Verdict::Same if i < p => {}
                    diff::Verdict::Allowed(x) if i == p && x.kind == AllowedDivergence::DestroyEbusyLeak => {
                        return Some(Verdict::Allowed(x.kind, x.divergence.render()));
                    }
                    _ => return None,
                }
            }
            (Phase::Conc(steps), PhaseRun::Conc(a), PhaseRun::Conc(b)) if i < p => {
                diff::compare_concurrent(i, steps, a, b).ok()?;
            }
            (Phase::Conc(steps), PhaseRun::Conc(a), PhaseRun::Conc(b)) => {
                let k = steps.iter().zip(&a.calls).position(|(s, o)| is_destroy(s) && o.ret == ebusy)?;
                if b.calls.get(k)?.ret != ebusy {
                    return None;
                }
                return Some(Verdict::Allowed(
                    AllowedDivergence::DestroyEbusyLeak,
                    format!(
                        "phase {i} (concurrent): call {k} {:?} answered EBUSY on both sides; the C keeps its \
                         lookup's reference, the port drops it (an atomic, so a switch point the C does not \
                         have: the runs are not compared past it)",
                        steps[k]
                    ),
                ));
            }
            _ => return None,
        }
    }
    None
}
