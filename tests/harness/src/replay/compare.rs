//! A replay on both implementations, compared with the differential
//! harness's API ([`diff::compare_step`], [`diff::compare_concurrent`],
//! [`diff::PreState`] and its allowed divergences).

use super::{calls_in, check_vkernel, run_op, Op, Outcome, Workload};
#[cfg(feature = "port")]
use crate::diff::Verdict;
use crate::diff::{self, Allowed, Divergence, PreState};
use crate::step::{Fault, Step};
use crate::{Impl, World};
use std::hash::{Hash, Hasher};

/// An unexpected divergence of a replay, where it happened.
#[derive(Clone, Debug)]
pub struct Unexpected {
    /// Op index in the workload.
    pub op: usize,
    /// What the op stands for (vkernel64 file:function).
    pub label: &'static str,
    pub divergence: Divergence,
}

/// The result of one replay on both implementations.
#[derive(Debug)]
pub struct Replay {
    pub config: super::Config,
    /// Emulated processes created.
    pub procs: usize,
    pub ops: usize,
    /// Entry-point calls (system calls, hooks the kernel's guards called)
    /// both implementations made and were compared on.
    pub calls: usize,
    /// Allowed divergences seen: op index, what it stands for, both sides.
    pub allowed: Vec<(usize, &'static str, Allowed)>,
    pub unexpected: Option<Unexpected>,
    /// What a vkernel could not live with, on either side: a call failing
    /// that the vkernel panics on, a panic, kernel memory or vmspaces left
    /// after the vkernel exited.
    pub failures: Vec<String>,
    /// Ops the port ran past an allowed divergence (checked, not compared).
    pub rust_alone: usize,
    pub elapsed: std::time::Duration,
}

impl Replay {
    pub fn ok(&self) -> bool {
        self.unexpected.is_none() && self.failures.is_empty()
    }
}

/// The fingerprint of an outcome after [`diff::normalise`]: outcomes the
/// differential harness finds the same have the same fingerprint.  Long
/// runs are compared by fingerprint so that the first side's state dumps
/// need not be kept; at a mismatch both outcomes are produced again and
/// compared by the differential harness.
fn fingerprint(out: &Outcome) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let texts = |trace: &[String], dump: &Option<String>, fault: &Option<Fault>, h: &mut dyn Hasher| {
        let mut h = h;
        for l in trace {
            diff::normalise(l).hash(&mut h);
        }
        dump.as_deref().map(diff::normalise).hash(&mut h);
        if let Some(f) = fault {
            format!("{:?}", f.kind).hash(&mut h);
            diff::normalise(&f.message).hash(&mut h);
        }
    };
    match out {
        Outcome::One(o) => {
            (o.called, o.ret, o.sysmsg_result).hash(&mut h);
            texts(&o.trace, &o.dump, &o.fault, &mut h);
        }
        Outcome::Together(c) => {
            c.schedule.hash(&mut h);
            for o in &c.calls {
                (o.called, o.ret, o.sysmsg_result).hash(&mut h);
            }
            texts(&c.trace, &c.dump, &c.fault, &mut h);
        }
    }
    h.finish()
}

/// The pre-state the differential harness classifies on (only single call
/// steps reach an allowed divergence).
fn pre_state(world: &World, op: &Op) -> PreState {
    match op {
        Op::One(i) if i.step.thread().is_some() => PreState::before(world, &i.step),
        _ => PreState::default(),
    }
}

#[cfg(feature = "port")]
fn compare_op(k: usize, pre: &PreState, op: &Op, c: &Outcome, rust: &Outcome) -> Verdict {
    match (op, c, rust) {
        (Op::One(i), Outcome::One(a), Outcome::One(b)) => diff::compare_step(k, pre, &i.step, a, b),
        (Op::Together { items, .. }, Outcome::Together(a), Outcome::Together(b)) => {
            let steps: Vec<Step> = items.iter().map(|i| i.step.clone()).collect();
            match diff::compare_concurrent(k, &steps, a, b) {
                Ok(()) => Verdict::Same,
                Err(d) => Verdict::Unexpected(d),
            }
        }
        _ => unreachable!("outcomes of another op"),
    }
}

fn label(op: &Op) -> &'static str {
    match op {
        Op::One(i) => i.label,
        Op::Together { items, .. } => items[0].label,
    }
}

fn fault_of(out: &Outcome) -> Option<&Fault> {
    match out {
        Outcome::One(o) => o.fault.as_ref(),
        Outcome::Together(c) => c.fault.as_ref(),
    }
}

/// Kernel memory or vmspaces left after every process exited.
fn leaks(world: &World) -> Option<String> {
    let (k, v) = (world.kmem_live(), world.vmspace_live());
    (k != 0 || v != 0).then(|| format!("after the vkernel exited: {k} kmalloc blocks and {v} vmspaces left"))
}

/// Knobs for testing the comparison itself.
#[doc(hidden)]
#[derive(Clone, Debug, Default)]
pub struct Knobs {
    /// Compare every op as at a fingerprint mismatch.
    pub always_rerun: bool,
    /// An outside step the port's world gets just before op k: makes the
    /// port's side differ there.
    pub port_extra: Option<(usize, Step)>,
}

/// Runs op k of `wl` on `imp` (with the knobs' extra step).
fn run_op_k(world: &mut World, imp: Impl, wl: &Workload, k: usize, knobs: &Knobs) -> Outcome {
    #[cfg(not(feature = "port"))]
    let _ = knobs;
    #[cfg(feature = "port")]
    if let (Impl::Rust, Some((at, extra))) = (imp, &knobs.port_extra) {
        if *at == k {
            world.run_step(imp, extra);
        }
    }
    run_op(world, imp, &wl.ops[k])
}

/// Runs ops `0..=k` of `wl` on `imp` from a fresh world; the last outcome.
fn rerun(world: &mut World, imp: Impl, wl: &Workload, k: usize, knobs: &Knobs) -> Outcome {
    world.reset(wl.ncpu());
    let mut last = None;
    for j in 0..=k {
        last = Some(run_op_k(world, imp, wl, j, knobs));
    }
    last.unwrap()
}

/// Replays `wl` on the C original, then on the port, comparing op by op:
/// by fingerprint, and at the first mismatch with the differential
/// harness, which says whether it is an allowed divergence.  Past an
/// allowed divergence the worlds differ: the port's remaining ops are only
/// checked (no fault, what the vkernel needs, nothing left at the end).
pub fn replay(world: &mut World, wl: &Workload) -> Replay {
    replay_with(world, wl, &Knobs::default())
}

/// [`replay`] with [`Knobs`] (tests of the comparison itself).
#[doc(hidden)]
#[cfg_attr(not(feature = "port"), allow(unreachable_code))]
pub fn replay_with(world: &mut World, wl: &Workload, knobs: &Knobs) -> Replay {
    let t0 = std::time::Instant::now();
    let mut r = Replay {
        config: wl.config.clone(),
        procs: wl.procs,
        ops: wl.ops.len(),
        calls: 0,
        allowed: Vec::new(),
        unexpected: None,
        failures: Vec::new(),
        rust_alone: 0,
        elapsed: Default::default(),
    };

    // The C original: pre-states, fingerprints, the vkernel's checks.
    let mut pre = Vec::with_capacity(wl.ops.len());
    let mut prints = Vec::with_capacity(wl.ops.len());
    let mut c_fault = None;
    let mut c_calls = 0;
    world.reset(wl.ncpu());
    for (k, op) in wl.ops.iter().enumerate() {
        pre.push(pre_state(world, op));
        let out = run_op(world, Impl::C, op);
        c_calls += calls_in(op, &out);
        prints.push(fingerprint(&out));
        if c_fault.is_none() {
            if fault_of(&out).is_some() {
                c_fault = Some(k);
            } else if let Some(m) = check_vkernel(op, &out) {
                r.failures.push(format!("C original, op {k}: {m}"));
            }
        }
    }
    if c_fault.is_none() {
        r.failures.extend(leaks(world).map(|m| format!("C original: {m}")));
    }
    #[cfg(feature = "port")]
    let _ = c_calls;

    // Without the port (a REV other than c2e7bb204e): the C original alone,
    // checked (no fault, what the vkernel needs, nothing left at the end).
    #[cfg(not(feature = "port"))]
    {
        let _ = (&pre, knobs);
        r.calls = c_calls;
        if let Some(k) = c_fault {
            let out = rerun(world, Impl::C, wl, k, knobs);
            let msg = fault_of(&out).map(|f| f.message.clone()).unwrap_or_default();
            r.failures.push(format!("C original panicked at op {k} ({}): {msg}", label(&wl.ops[k])));
        }
        r.elapsed = t0.elapsed();
        return r;
    }
    #[cfg(feature = "port")]
    {
        // The port, compared as it goes.
        world.reset(wl.ncpu());
        let mut diverged = None;
        let mut k = 0;
        while k < wl.ops.len() {
            let op = &wl.ops[k];
            let mut out = run_op_k(world, Impl::Rust, wl, k, knobs);
            if diverged.is_none() && (knobs.always_rerun || prints[k] != fingerprint(&out)) {
                let c_out = rerun(world, Impl::C, wl, k, knobs);
                let verdict = compare_op(k, &pre[k], op, &c_out, &out);
                // Back to where the port was.
                out = rerun(world, Impl::Rust, wl, k, knobs);
                match verdict {
                    Verdict::Same => {}
                    Verdict::Allowed(a) => {
                        r.allowed.push((k, label(op), a));
                        diverged = Some(k);
                    }
                    Verdict::Unexpected(d) => {
                        r.unexpected = Some(Unexpected { op: k, label: label(op), divergence: d });
                        break;
                    }
                }
            }
            match diverged {
                None => r.calls += calls_in(op, &out),
                Some(d) => {
                    r.rust_alone += (k > d) as usize;
                    if let Some(f) = fault_of(&out) {
                        r.failures.push(format!("port, op {k} (past the allowed divergence): {}", f.message));
                        break;
                    }
                    if let Some(m) = check_vkernel(op, &out) {
                        r.failures.push(format!("port, op {k}: {m}"));
                    }
                }
            }
            k += 1;
        }
        if r.unexpected.is_none() {
            if k == wl.ops.len() {
                r.failures.extend(leaks(world).map(|m| format!("port: {m}")));
            }
            // The C original may die only where the allowed divergence is.
            if let Some(k) = c_fault {
                if diverged != Some(k) {
                    r.failures.push(format!("C original panicked at op {k} ({})", label(&wl.ops[k])));
                }
            }
        }
    }
    r.elapsed = t0.elapsed();
    r
}
