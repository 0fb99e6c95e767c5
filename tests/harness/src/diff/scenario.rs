//! Scenarios: a sequence of steps run from a fresh world, on one side or on
//! both, and shrunk to a minimal reproducer when the sides differ.

use super::{compare_runs, PreState, RunVerdict};
use crate::ffi;
use crate::impls::Impl;
use crate::step::*;
use crate::world::World;

const PAGE: u64 = ffi::PAGE_SIZE as u64;

/// Steps run in order from a freshly booted world.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub ncpu: usize,
    /// The seed that regenerates a random scenario (`diff --seed`).
    pub seed: Option<u64>,
    pub steps: Vec<Step>,
}

impl Scenario {
    pub fn new(name: impl Into<String>, ncpu: usize, steps: Vec<Step>) -> Scenario {
        Scenario { name: name.into(), ncpu, seed: None, steps }
    }

    /// The steps, one per line, as Rust values (paste into a test).
    pub fn render(&self) -> String {
        let mut s = format!("// {} (ncpu {}", self.name, self.ncpu);
        if let Some(seed) = self.seed {
            s.push_str(&format!(", seed {seed}"));
        }
        s.push_str(&format!(", {} steps)\n", self.steps.len()));
        for (i, st) in self.steps.iter().enumerate() {
            s.push_str(&format!("/* {i:3} */ {st:?},\n"));
        }
        s
    }
}

/// One step as a side ran it.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    /// Observed before the step (what allowed divergences depend on).
    pub pre: PreState,
    pub out: StepOutcome,
    /// Not applicable in this world (see [`applicable`]): not run.
    pub skipped: bool,
}

/// Whether `step` can run in `world` (booted with `ncpu` cpus) as it is: the processes, LWPs, cpus
/// and user memory it names exist (or, for creations, do not), and it
/// respects what the kernel guarantees around the code under test.
/// Scenarios skip the steps that cannot run, identically on both sides, so
/// that any subsequence of a scenario is a scenario (what shrinking needs).
///
/// The one kernel rule enforced: td_vmm changes only while the LWP is not
/// running a VMSPACE (`lwp_vkernel->ve` NULL).  A thread running in a
/// VMSPACE executes guest code; anything it asks of the kernel (such as
/// becoming a VMM guest) enters through vkernel_trap() first, which clears
/// `ve`.
pub fn applicable(world: &World, ncpu: usize, step: &Step) -> bool {
    use Step::*;
    let lwp = |pid: Pid, tid: Tid| -> *mut ffi::lwp {
        // SAFETY: lookups only.
        unsafe {
            let p = ffi::model_proc_find(pid);
            if p.is_null() {
                std::ptr::null_mut()
            } else {
                ffi::model_lwp_find(p, tid)
            }
        }
    };
    let has_lwp = |pid, tid| !lwp(pid, tid).is_null();
    match step {
        NewProc { pid } => *pid > 0 && !world.has_proc(*pid),
        NewLwp { pid, tid } => *tid > 0 && world.has_proc(*pid) && !has_lwp(*pid, *tid),
        Fork { pid, tid, child, child_tid } => {
            has_lwp(*pid, *tid) && *child > 0 && *child_tid > 0 && !world.has_proc(*child)
        }
        Hook { hook, pid, tid } => {
            has_lwp(*pid, *tid)
                && match *hook {
                    self::Hook::Inherit { p1, p2 } => world.has_proc(p1) && world.has_proc(p2),
                    self::Hook::Exit { pid } => world.has_proc(pid),
                    self::Hook::LwpExit { pid, tid } | self::Hook::Trap { pid, tid } => has_lwp(pid, tid),
                }
        }
        SetTdVmm { pid, tid, .. } => {
            let lp = lwp(*pid, *tid);
            // SAFETY: a live LWP and its vkernel_lwp, read while no model
            // thread runs.
            !lp.is_null() && unsafe { (*lp).lwp_vkernel.is_null() || (*(*lp).lwp_vkernel).ve.is_null() }
        }
        SetCpu { pid, tid, cpu } => has_lwp(*pid, *tid) && *cpu >= 0 && (*cpu as usize) < ncpu,
        SetFrame { pid, tid, .. } | SetTls { pid, tid, .. } => has_lwp(*pid, *tid),
        // User memory is mapped once (no page of the range mapped yet).
        UserMap { pid, addr, len, .. } => {
            world.has_proc(*pid)
                && *len > 0
                && (0..len.div_ceil(PAGE).min(1024))
                    .all(|i| world.user_read(*pid, addr.saturating_add(i * PAGE), 1).is_err())
                && world.user_read(*pid, addr.saturating_add(len - 1), 1).is_err()
        }
        UserFault { pid, .. } => world.has_proc(*pid),
        UserWrite { pid, addr, bytes } => world.has_proc(*pid) && world.user_read(*pid, *addr, bytes.len()).is_ok(),
        SetVkernelEnable(_) | InjectSanitize { .. } => true,
        _ => match step.thread() {
            Some((pid, tid)) => has_lwp(pid, tid),
            None => true,
        },
    }
}

/// Runs `sc` from a fresh world with implementation `imp`: every step's
/// pre-state and outcome.  Stops after the step that ends the world (later
/// steps would do nothing).
pub fn run_side(world: &mut World, imp: Impl, sc: &Scenario) -> Vec<Observed> {
    world.reset(sc.ncpu);
    world.set_snapshots(true);
    let mut v = Vec::with_capacity(sc.steps.len());
    for step in &sc.steps {
        if !applicable(world, sc.ncpu, step) {
            v.push(Observed { pre: PreState::default(), out: StepOutcome::not_run(world.steps()), skipped: true });
            continue;
        }
        let pre = PreState::before(world, step);
        let out = world.run_step(imp, step);
        let dead = out.fault.is_some();
        v.push(Observed { pre, out, skipped: false });
        if dead {
            break;
        }
    }
    v
}

/// The result of running a scenario on both sides.
#[derive(Clone, Debug, Default)]
pub struct ScenarioResult {
    pub verdict: RunVerdict,
    /// Steps run on each side (skipped ones excluded).
    pub steps_run: usize,
}

/// Runs `sc` on the C original and on the port and compares them.
#[cfg(feature = "port")]
pub fn diff_scenario(world: &mut World, sc: &Scenario) -> ScenarioResult {
    let c = run_side(world, Impl::C, sc);
    let rust = run_side(world, Impl::Rust, sc);
    let verdict = compare_runs(&sc.steps, &c, &rust);
    let steps_run = c.iter().take(verdict.compared).filter(|o| !o.skipped).count();
    ScenarioResult { verdict, steps_run }
}

/// Without the port (a `REV` other than c2e7bb204e, until its port exists):
/// the C original against a second run of itself on a fresh world, which
/// checks that its runs are deterministic and counts its coverage.
#[cfg(not(feature = "port"))]
pub fn diff_scenario(world: &mut World, sc: &Scenario) -> ScenarioResult {
    let c = run_side(world, Impl::C, sc);
    let again = run_side(world, Impl::C, sc);
    let verdict = compare_runs(&sc.steps, &c, &again);
    let steps_run = c.iter().take(verdict.compared).filter(|o| !o.skipped).count();
    ScenarioResult { verdict, steps_run }
}

/// Shrinks a scenario whose run fails (`fails` says whether a run result
/// still does) to a small one that still fails: drops the steps after the
/// divergence, then removes chunks of steps (delta debugging, halving the
/// chunk down to single steps) while it still fails, then simplifies the
/// arguments of the steps left.  `run` runs a candidate.
pub fn shrink(
    sc: &Scenario,
    run: &mut dyn FnMut(&Scenario) -> ScenarioResult,
    fails: &dyn Fn(&ScenarioResult) -> bool,
) -> Scenario {
    let mut best = sc.clone();
    let first = run(&best);
    if !fails(&first) {
        return best;
    }
    if let Some(d) = &first.verdict.unexpected {
        best.steps.truncate(d.index + 1);
    }
    let mut try_steps = |best: &mut Scenario, steps: Vec<Step>| -> bool {
        let cand = Scenario { steps, ..best.clone() };
        let r = run(&cand);
        if fails(&r) {
            *best = cand;
            if let Some(d) = &r.verdict.unexpected {
                best.steps.truncate(d.index + 1);
            }
            true
        } else {
            false
        }
    };
    let mut chunk = best.steps.len().div_ceil(2).max(1);
    loop {
        let mut i = 0;
        while i < best.steps.len() {
            let end = (i + chunk).min(best.steps.len());
            let mut steps = best.steps.clone();
            steps.drain(i..end);
            if !try_steps(&mut best, steps) {
                i += chunk;
            }
        }
        if chunk == 1 {
            break;
        }
        chunk = chunk.div_ceil(2);
    }
    // Simpler arguments, one step at a time.
    let mut changed = true;
    while changed {
        changed = false;
        let mut i = 0;
        // A success may truncate the steps: re-check the bound each time.
        while i < best.steps.len() {
            for simpler in simplify(&best.steps[i]) {
                let mut steps = best.steps.clone();
                steps[i] = simpler;
                if try_steps(&mut best, steps) {
                    changed = true;
                    break;
                }
            }
            i += 1;
        }
    }
    best
}

/// Simpler variants of a step (smaller numbers, fewer bytes), tried by
/// [`shrink`].
fn simplify(step: &Step) -> Vec<Step> {
    use Step::*;
    let mut v = Vec::new();
    let mut push = |s: Step| {
        if &s != step {
            v.push(s);
        }
    };
    match step.clone() {
        Mmap { pid, tid, id, addr, len, prot, flags, fd, offset } => {
            push(Mmap { pid, tid, id, addr: 0, len, prot, flags, fd, offset });
            push(Mmap { pid, tid, id, addr, len, prot, flags, fd: -1, offset: 0 });
            push(Mmap { pid, tid, id, addr, len: 0x1000, prot, flags, fd, offset });
        }
        Munmap { pid, tid, id, addr, len } => {
            push(Munmap { pid, tid, id, addr: 0, len });
            push(Munmap { pid, tid, id, addr, len: 0x1000 });
        }
        Mcontrol { pid, tid, id, addr, len, behav, value } => {
            push(Mcontrol { pid, tid, id, addr, len, behav, value: 0 });
            push(Mcontrol { pid, tid, id, addr: 0, len, behav, value });
            push(Mcontrol { pid, tid, id, addr, len: 0x1000, behav, value });
        }
        Trap { pid, tid, frame: Some(_) } => push(Trap { pid, tid, frame: None }),
        SetFrame { pid, tid, .. } => push(SetFrame { pid, tid, frame: Default::default() }),
        SetTls { pid, tid, .. } => push(SetTls { pid, tid, tls: Default::default() }),
        _ => {}
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{Divergence, Field, RunVerdict};

    fn outcome() -> StepOutcome {
        StepOutcome::not_run(0)
    }

    /// A stand-in run: "diverges" at the last step when the scenario holds
    /// both NewProc 3 and NewProc 7, whatever else it holds.
    fn fake(sc: &Scenario) -> ScenarioResult {
        let has = |pid| sc.steps.iter().position(|s| *s == Step::NewProc { pid });
        let unexpected = match (has(3), has(7)) {
            (Some(a), Some(b)) => Some(Divergence {
                index: a.max(b),
                step: sc.steps[a.max(b)].clone(),
                field: Field::Ret,
                detail: String::new(),
                c: outcome(),
                rust: outcome(),
            }),
            _ => None,
        };
        ScenarioResult { verdict: RunVerdict { compared: sc.steps.len(), allowed: vec![], unexpected }, steps_run: 0 }
    }

    #[test]
    fn shrink_keeps_only_what_the_divergence_needs() {
        let steps: Vec<Step> = (1..=20).map(|pid| Step::NewProc { pid }).collect();
        let sc = Scenario::new("t", 1, steps);
        let small = shrink(&sc, &mut fake, &|r| r.verdict.unexpected.is_some());
        assert_eq!(small.steps, vec![Step::NewProc { pid: 3 }, Step::NewProc { pid: 7 }]);
        // Nothing to shrink when the run does not fail.
        let ok = Scenario::new("ok", 1, vec![Step::NewProc { pid: 1 }]);
        assert_eq!(shrink(&ok, &mut fake, &|r| r.verdict.unexpected.is_some()), ok);
    }
}
