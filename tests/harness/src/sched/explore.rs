//! Exploring the schedules of a scenario.
//!
//! Every schedule is run on the C original (the explorer's choices are made
//! there), then replayed on the port, and the two runs are compared
//! ([`super::compare`]); both runs' invariant violations are recorded.
//!
//! - [`Strategy::Exhaustive`]: every schedule with at most `bound`
//!   preemptions (iterative context bounding, as CHESS): a switch away from
//!   a thread that could go on running costs one; switching when it cannot
//!   (it finished, or waits for a token or lock), or choosing among several
//!   waiting threads, is free.  Stateless search by re-execution: each run
//!   follows a prefix and then the default choice; every alternative at a
//!   decision past the prefix becomes a new prefix.  Each schedule is run
//!   once.
//! - [`Strategy::Random`]: a uniformly random runnable thread at every
//!   decision (seeded).
//! - [`Strategy::Pct`]: probabilistic concurrency testing (Burckhardt et
//!   al., ASPLOS 2010): random distinct thread priorities, the highest
//!   runnable thread runs, and at `depth - 1` random decisions the running
//!   thread drops to the lowest priority; finds a bug of depth `d` with
//!   probability at least 1/(n k^(d-1)) per run.
//!
//! Schedules are counted once per scenario (by their full decision
//! sequence), whichever strategy ran them.

use super::check::Violation;
use super::*;
use crate::diff::gen::Rng;
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

/// How to pick the schedules of a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Every schedule with at most `bound` preemptions, stopping after
    /// `limit` runs.
    Exhaustive { bound: usize, limit: usize },
    /// `count` runs choosing uniformly among the runnable threads.
    Random { seed: u64, count: usize },
    /// `count` PCT runs of depth `depth`.
    Pct { seed: u64, depth: usize, count: usize },
}

/// One schedule's result.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The shortest schedule replaying the run (a reproducer).
    pub schedule: Schedule,
    /// Whether this schedule had not been run before for this scenario.
    pub new: bool,
    /// Invariants the C original broke under it.
    pub c: Vec<Violation>,
    /// Invariants the port broke (empty without the port linked).
    pub port: Vec<Violation>,
    /// C original vs. port (None without the port linked).
    pub verdict: Option<Verdict>,
    /// The C original's trace (the port's is the same unless `verdict`
    /// says otherwise).
    pub trace: Vec<String>,
}

/// Totals of one exploration.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Distinct schedules run (both implementations each).
    pub schedules: usize,
    /// Runs, duplicates included.
    pub runs: usize,
    /// The exhaustive search ended by itself (not at its limit).
    pub complete: bool,
    pub unexpected: usize,
    pub allowed: usize,
    /// Schedules under which the port broke an invariant.
    pub port_violations: usize,
    /// Schedules under which the C original broke an invariant.
    pub c_violations: usize,
    pub elapsed: Duration,
}

impl Stats {
    pub fn add(&mut self, o: &Stats) {
        self.schedules += o.schedules;
        self.runs += o.runs;
        self.complete &= o.complete;
        self.unexpected += o.unexpected;
        self.allowed += o.allowed;
        self.port_violations += o.port_violations;
        self.c_violations += o.c_violations;
        self.elapsed += o.elapsed;
    }
}

fn schedule_hash(s: &Schedule) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// Runs schedules on one world (rebooted for every run).
pub struct Explorer<'w> {
    w: &'w mut World,
    seen: HashMap<&'static str, HashSet<u64>>,
}

impl<'w> Explorer<'w> {
    pub fn new(w: &'w mut World) -> Explorer<'w> {
        Explorer { w, seen: HashMap::new() }
    }

    /// Runs one schedule: the C original under `chooser`, then every other
    /// implementation replaying the C original's decisions.  Returns the
    /// outcome and the C original's decisions.
    pub fn one(&mut self, sc: &Scenario, chooser: &mut dyn Chooser) -> (Outcome, Vec<Decided>) {
        let c = run(self.w, Impl::C, sc, chooser);
        let full = Schedule::full(&c.decisions);
        let new = self.seen.entry(sc.name).or_default().insert(schedule_hash(&full));
        #[cfg_attr(not(feature = "port"), allow(unused_mut))]
        let mut out = Outcome {
            schedule: Schedule::minimal(&c.decisions),
            new,
            c: c.violations.clone(),
            port: Vec::new(),
            verdict: None,
            trace: c.trace(),
        };
        #[cfg(feature = "port")]
        {
            let rust = run_replay(self.w, Impl::Rust, sc, &full);
            out.verdict = Some(compare(sc, &c, &rust));
            out.port = rust.violations;
        }
        (out, c.decisions)
    }

    /// Explores `sc` with `strategy`; `on` sees every new schedule's
    /// outcome.
    pub fn explore(&mut self, sc: &Scenario, strategy: &Strategy, on: &mut dyn FnMut(&Outcome)) -> Stats {
        let start = Instant::now();
        let mut st = Stats { complete: true, ..Stats::default() };
        let mut count = |st: &mut Stats, o: &Outcome| {
            st.runs += 1;
            if !o.new {
                return;
            }
            st.schedules += 1;
            match &o.verdict {
                Some(Verdict::Unexpected(_)) => st.unexpected += 1,
                Some(Verdict::Allowed(..)) => st.allowed += 1,
                _ => {}
            }
            st.port_violations += !o.port.is_empty() as usize;
            st.c_violations += !o.c.is_empty() as usize;
            on(o);
        };
        match *strategy {
            Strategy::Exhaustive { bound, limit } => {
                let mut stack: Vec<Vec<u8>> = vec![Vec::new()];
                while let Some(prefix) = stack.pop() {
                    if st.runs >= limit {
                        st.complete = false;
                        break;
                    }
                    let (o, ds) = self.one(sc, &mut Replay::new(Schedule(prefix.clone())));
                    count(&mut st, &o);
                    let mut used = ds[..prefix.len().min(ds.len())].iter().filter(|d| d.preempts(d.chosen)).count();
                    for k in prefix.len()..ds.len() {
                        let d = &ds[k];
                        for &t in &d.runnable {
                            if t != d.chosen && used + d.preempts(t) as usize <= bound {
                                let mut p: Vec<u8> = ds[..k].iter().map(|d| d.chosen as u8).collect();
                                p.push(t as u8);
                                stack.push(p);
                            }
                        }
                        used += d.preempts(d.chosen) as usize;
                    }
                }
            }
            Strategy::Random { seed, count: n } => {
                let mut rng = Rng::new(seed);
                for _ in 0..n {
                    let mut ch = RandomChooser { rng: Rng::new(rng.next_u64()) };
                    let (o, _) = self.one(sc, &mut ch);
                    count(&mut st, &o);
                }
            }
            Strategy::Pct { seed, depth, count: n } => {
                // k, the number of decisions, from the default schedule.
                let (o, ds) = self.one(sc, &mut Replay::default());
                count(&mut st, &o);
                let k = (ds.len() + ds.len() / 2).max(1);
                let mut rng = Rng::new(seed);
                for _ in 1..n {
                    let mut ch = PctChooser::new(Rng::new(rng.next_u64()), depth, k);
                    let (o, _) = self.one(sc, &mut ch);
                    count(&mut st, &o);
                }
            }
        }
        st.elapsed = start.elapsed();
        st
    }
}

/// A uniformly random runnable thread at every decision.
pub struct RandomChooser {
    pub rng: Rng,
}

impl Chooser for RandomChooser {
    fn choose(&mut self, _k: usize, d: &Decision) -> usize {
        self.rng.pick(&d.runnable)
    }
}

/// PCT: distinct random priorities per concurrent phase, the highest
/// runnable thread runs; at each of `depth - 1` random decisions the thread
/// that would run drops below every other.
pub struct PctChooser {
    rng: Rng,
    depth: usize,
    prio: Vec<usize>,
    /// Decision indices where a priority drops, in order.
    change: Vec<usize>,
}

impl PctChooser {
    /// `k`: the expected number of decisions of a run.
    pub fn new(mut rng: Rng, depth: usize, k: usize) -> PctChooser {
        let change = (1..depth.max(1)).map(|_| rng.below(k as u64) as usize).collect();
        PctChooser { rng, depth: depth.max(1), prio: Vec::new(), change }
    }
}

impl Chooser for PctChooser {
    fn choose(&mut self, k: usize, d: &Decision) -> usize {
        if d.current.is_none() || self.prio.len() != d.states.len() {
            // A new phase: a random permutation of depth..depth+n.
            let n = d.states.len();
            let mut p: Vec<usize> = (0..n).map(|i| self.depth + i).collect();
            for i in (1..n).rev() {
                p.swap(i, self.rng.below(i as u64 + 1) as usize);
            }
            self.prio = p;
        }
        let best = |prio: &[usize]| *d.runnable.iter().max_by_key(|&&t| prio[t]).unwrap();
        for (i, &c) in self.change.iter().enumerate() {
            if c == k {
                let t = best(&self.prio);
                self.prio[t] = self.depth - 1 - i;
            }
        }
        best(&self.prio)
    }
}
