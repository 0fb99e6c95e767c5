//! `make sched`: explores the schedules of the concurrent scenarios on the C
//! original and the port (see docs/sched.md).
//!
//!     sched [explore] [--scenario NAME]... [--bound N] [--limit N]
//!           [--random N] [--pct N] [--depth D] [--seed S]
//!           [--no-atomic-points] [--known-c TEXT]...
//!     sched replay SCENARIO SCHEDULE     one schedule, both sides in full
//!     sched list                         the scenarios
//!
//! Every distinct C-original finding is printed with the schedule that
//! first showed it and a shrunk schedule that replays it.  Ends with
//! `sched: N schedules, D unexpected divergences, V invariant violations in
//! the port, C C-original violations`; exits non-zero if D or V is not 0,
//! and, in a build without the port (REV other than c2e7bb204e), if the C
//! original broke an invariant other than the `--known-c` ones.

use harness::sched::explore::{Explorer, Outcome, Stats, Strategy};
use harness::sched::{self, scenarios, PhaseRun, Run, Scenario, Schedule, Verdict};
use harness::{Impl, World};
use std::collections::BTreeSet;
use std::process::ExitCode;

struct Opts {
    names: Vec<String>,
    bound: Option<usize>,
    limit: usize,
    random: usize,
    pct: usize,
    depth: usize,
    seed: u64,
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: sched [explore] [--scenario NAME]... [--bound N] [--limit N] [--random N] [--pct N] \
         [--depth D] [--seed S] [--no-atomic-points] [--known-c TEXT]...\n       sched replay SCENARIO SCHEDULE\n       sched list"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("list") => {
            for sc in scenarios::scenarios() {
                println!("{:24} bound {} ncpu {}  {}", sc.name, sc.bound, sc.ncpu, sc.about);
            }
            ExitCode::SUCCESS
        }
        Some("replay") => match (args.get(1), args.get(2)) {
            (Some(name), Some(s)) => replay(name, s),
            (Some(name), None) => replay(name, ""),
            _ => usage(),
        },
        Some("explore") => explore_cmd(&args[1..]),
        Some(a) if a.starts_with("--") => explore_cmd(&args),
        None => explore_cmd(&[]),
        _ => usage(),
    }
}

fn explore_cmd(args: &[String]) -> ExitCode {
    let mut o = Opts { names: Vec::new(), bound: None, limit: 20_000, random: 0, pct: 0, depth: 3, seed: 1 };
    let mut known_c: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = |what: &str| -> Option<String> {
            let v = it.next().cloned();
            if v.is_none() {
                eprintln!("{what} needs a value");
            }
            v
        };
        let num = |v: Option<String>| v.and_then(|v| v.parse::<u64>().ok());
        match a.as_str() {
            "--scenario" => match val(a) {
                Some(v) => o.names.push(v),
                None => return usage(),
            },
            "--bound" => o.bound = num(val(a)).map(|n| n as usize),
            "--limit" => o.limit = num(val(a)).unwrap_or(o.limit as u64) as usize,
            "--random" => o.random = num(val(a)).unwrap_or(0) as usize,
            "--pct" => o.pct = num(val(a)).unwrap_or(0) as usize,
            "--depth" => o.depth = num(val(a)).unwrap_or(3) as usize,
            "--seed" => o.seed = num(val(a)).unwrap_or(1),
            // The explorer without switch points at atomic operations (as
            // before issue 12): to measure the state space they add.
            // SAFETY: a flag of the model, read only by model threads.
            "--no-atomic-points" => unsafe { harness::ffi::model_set_atomic_points(0) },
            // A C-original violation already understood (docs/sched.md):
            // runs without the port fail on the others only.
            "--known-c" => match val(a) {
                Some(v) => known_c.push(v),
                None => return usage(),
            },
            _ => return usage(),
        }
    }
    let all = scenarios::scenarios();
    for n in &o.names {
        if !all.iter().any(|s| s.name == n) {
            eprintln!("no scenario {n:?} (sched list)");
            return ExitCode::from(2);
        }
    }
    let chosen: Vec<&Scenario> =
        all.iter().filter(|s| o.names.is_empty() || o.names.iter().any(|n| n == s.name)).collect();
    println!(
        "sched: {} scenario(s), implementations {:?}; preemption bound {}, {} random and {} PCT (depth {}) \
         schedules per scenario, seed {}",
        chosen.len(),
        Impl::all().iter().map(|i| i.name()).collect::<Vec<_>>(),
        o.bound.map_or("per scenario".to_string(), |b| b.to_string()),
        o.random,
        o.pct,
        o.depth,
        o.seed
    );
    let mut w = World::new(1);
    let mut ex = Explorer::new(&mut w);
    let mut total = Stats { complete: true, ..Stats::default() };
    let mut reported: BTreeSet<String> = BTreeSet::new();
    // C-original findings (scenario index, schedule, violation), shrunk below.
    let mut findings: Vec<(usize, Schedule, String)> = Vec::new();
    for (i, sc) in chosen.iter().enumerate() {
        let bound = o.bound.unwrap_or(sc.bound);
        let mut per = Stats { complete: true, ..Stats::default() };
        let mut on = |out: &Outcome| {
            for w in report(sc, out, &mut reported) {
                findings.push((i, out.schedule.clone(), w));
            }
        };
        let strategies = [
            Strategy::Exhaustive { bound, limit: o.limit },
            Strategy::Random { seed: o.seed.wrapping_mul(1000).wrapping_add(i as u64), count: o.random },
            Strategy::Pct { seed: o.seed.wrapping_mul(1000).wrapping_add(i as u64), depth: o.depth, count: o.pct },
        ];
        let mut line = String::new();
        for st in &strategies {
            let n = match st {
                Strategy::Random { count, .. } | Strategy::Pct { count, .. } => *count,
                _ => 1,
            };
            if n == 0 {
                continue;
            }
            let s = ex.explore(sc, st, &mut on);
            let what = match st {
                Strategy::Exhaustive { .. } => {
                    format!("bound {bound}{}: {}", if s.complete { "" } else { " (limit)" }, s.schedules)
                }
                Strategy::Random { .. } => format!("random: +{}", s.schedules),
                Strategy::Pct { .. } => format!("pct: +{}", s.schedules),
            };
            line.push_str(&format!("  {what}"));
            per.add(&s);
        }
        println!(
            "{:24} {:6} schedules ({} ) {:5.1}s  divergences {} (allowed {})  port violations {}  C violations {}",
            sc.name,
            per.schedules,
            line.trim_start(),
            per.elapsed.as_secs_f64(),
            per.unexpected,
            per.allowed,
            per.port_violations,
            per.c_violations
        );
        total.add(&per);
    }
    drop(ex);
    if !findings.is_empty() {
        println!("C-original findings, each with a shrunk schedule that replays it:");
        for (i, s, v) in &findings {
            let sc = chosen[*i];
            let small = shrink(&mut w, sc, s, v);
            println!(
                "  [{}] {v}\n    shrunk schedule {} ({} decisions; first found {}): make sched-replay REV={} SCENARIO={} SCHEDULE={}",
                sc.name,
                if small.0.is_empty() { "-".to_string() } else { small.to_string() },
                small.0.len(),
                if s.0.is_empty() { "-".to_string() } else { s.to_string() },
                harness::REV,
                sc.name,
                if small.0.is_empty() { "-".to_string() } else { small.to_string() },
            );
        }
    }
    let c_found: Vec<&String> = reported.iter().filter(|k| k.starts_with("c ")).collect();
    let is_known = |k: &str| known_c.iter().any(|s| k.contains(s.as_str()));
    let unknown_c = c_found.iter().filter(|k| !is_known(k)).count();
    if !c_found.is_empty() {
        println!("C-original violations, distinct (scenario, violation):");
        for k in &c_found {
            println!("  {}{}", &k[2..], if is_known(k) { "   [known]" } else { "" });
        }
    }
    println!(
        "sched: {:.1}s, {:.0} schedules/s, {} runs of {} schedules",
        total.elapsed.as_secs_f64(),
        total.schedules as f64 / total.elapsed.as_secs_f64().max(1e-9),
        total.runs,
        total.schedules
    );
    println!(
        "sched: {} schedules, {} unexpected divergences, {} invariant violations in the port, {} C-original violations",
        total.schedules, total.unexpected, total.port_violations, total.c_violations
    );
    // Without a port (REV != c2e7bb204e) the C original is what is checked:
    // any violation of it fails the run (make sched REV=d95d5e03dc does,
    // with its findings; REV=22b7a3dbf6 must not).
    let c_ok = cfg!(feature = "port") || unknown_c == 0;
    if !known_c.is_empty() {
        println!(
            "sched: {} distinct C-original violations, {} of them known (--known-c), {unknown_c} not",
            c_found.len(),
            c_found.len() - unknown_c
        );
    }
    if !cfg!(feature = "port") {
        println!(
            "sched: REV={}: no Rust port of this revision yet: the C original ALONE was explored and checked",
            harness::REV
        );
    }
    if total.unexpected == 0 && total.port_violations == 0 && c_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The part of a violation that identifies it (without where it was seen).
fn what(v: &sched::check::Violation) -> String {
    let d = v.detail.split(" (at switch").next().unwrap_or(&v.detail);
    let d = d.split(" (between phases").next().unwrap_or(d);
    format!("{}: {}", v.kind.name(), d)
}

/// Does the C original, under `s`, break the invariant `v` (as [`what`])?
fn reproduces(w: &mut World, sc: &Scenario, s: &Schedule, v: &str) -> bool {
    sched::run_replay(w, Impl::C, sc, s).violations.iter().any(|x| what(x) == v)
}

/// A smaller schedule with the same finding: the shortest prefix that
/// (completed with the default choice) still shows it, then single
/// decisions removed, or set to the default thread 0, while it still does,
/// to a fixpoint.  Deterministic re-execution makes each try exact.
fn shrink(w: &mut World, sc: &Scenario, s: &Schedule, v: &str) -> Schedule {
    let mut best = s.clone();
    if !reproduces(w, sc, &best, v) {
        return best;
    }
    for len in 0..best.0.len() {
        let cand = Schedule(best.0[..len].to_vec());
        if reproduces(w, sc, &cand, v) {
            best = cand;
            break;
        }
    }
    let mut changed = true;
    let mut tries = 0;
    while changed && tries < 2000 {
        changed = false;
        let mut k = 0;
        while k < best.0.len() {
            tries += 1;
            let mut cand = best.clone();
            cand.0.remove(k);
            if reproduces(w, sc, &cand, v) {
                best = cand;
                changed = true;
                continue;
            }
            if best.0[k] != 0 {
                let mut cand = best.clone();
                cand.0[k] = 0;
                if reproduces(w, sc, &cand, v) {
                    best = cand;
                    changed = true;
                }
            }
            k += 1;
        }
    }
    // As replayed: the run's own decisions, the default tail dropped.
    let mut r = sched::Replay::new(best.clone());
    let run = sched::run(w, Impl::C, sc, &mut r);
    let minimal = Schedule::minimal(&run.decisions);
    if minimal.0.len() <= best.0.len() && reproduces(w, sc, &minimal, v) {
        minimal
    } else {
        best
    }
}

/// Prints the first schedule of every distinct finding, as a reproducer;
/// returns the C original's new findings (as [`what`]).
fn report(sc: &Scenario, o: &Outcome, reported: &mut BTreeSet<String>) -> Vec<String> {
    let mut new_c = Vec::new();
    let repro = if cfg!(feature = "port") {
        format!("cargo run -p harness --features port --bin sched -- replay {} {}", sc.name, o.schedule)
    } else {
        format!("make sched-replay REV={} SCENARIO={} SCHEDULE={}", harness::REV, sc.name, o.schedule)
    };
    for v in &o.c {
        if reported.insert(format!("c {} {}", sc.name, what(v))) {
            println!("  C original [{}] schedule {}: {}\n    reproduce: {repro}", sc.name, o.schedule, what(v));
            new_c.push(what(v));
        }
    }
    for v in &o.port {
        if reported.insert(format!("rust {} {}", sc.name, what(v))) {
            println!("  PORT [{}] schedule {}: {}\n    reproduce: {repro}", sc.name, o.schedule, what(v));
        }
    }
    match &o.verdict {
        Some(Verdict::Unexpected(d)) if reported.insert(format!("div {}", sc.name)) => {
            println!("  DIVERGENCE [{}] schedule {}:\n{}\n    reproduce: {repro}", sc.name, o.schedule, indent(d));
        }
        Some(Verdict::Allowed(k, _)) if reported.insert(format!("allowed {} {k}", sc.name)) => {
            println!("  allowed divergence {k} [{}] schedule {}", sc.name, o.schedule);
        }
        _ => {}
    }
    new_c
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

fn replay(name: &str, schedule: &str) -> ExitCode {
    let Some(sc) = scenarios::find(name) else {
        eprintln!("no scenario {name:?} (sched list)");
        return ExitCode::from(2);
    };
    let s = match Schedule::parse(schedule) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    print!("{}", sc.render());
    println!("schedule {s} (then the default choice)\n");
    let mut w = World::new(1);
    let mut runs: Vec<Run> = Vec::new();
    for &imp in Impl::all() {
        let mut chooser = sched::Replay { record: true, ..sched::Replay::new(s.clone()) };
        let mut r = sched::run(&mut w, imp, &sc, &mut chooser);
        r.mismatch = chooser.mismatch;
        println!(
            "==== {} ({} decisions, full schedule {})",
            imp.name(),
            r.decisions.len(),
            Schedule::full(&r.decisions)
        );
        // The scheduled decisions: where each thread of the phase stood.
        for (k, (d, stops)) in r.decisions.iter().zip(&chooser.stops).enumerate().take(s.0.len() + 1) {
            let at: Vec<String> = stops.iter().enumerate().map(|(t, w)| format!("{t}: {w}")).collect();
            println!("   decision {k}: run {} | {}", d.chosen, at.join(" | "));
        }
        for (i, p) in r.phases.iter().enumerate() {
            match p {
                PhaseRun::Seq(o) => {
                    if !o.out.trace.is_empty() || o.out.ret.is_some() {
                        println!("-- phase {i}: ret {}", harness::diff::show_ret(o.out.ret));
                    }
                    o.out.trace.iter().for_each(|l| println!("   {l}"));
                }
                PhaseRun::Conc(o) => {
                    let rets: Vec<String> = o.calls.iter().map(|c| harness::diff::show_ret(c.ret)).collect();
                    println!("-- phase {i} (concurrent): schedule {:?}, rets {rets:?}", o.schedule);
                    o.trace.iter().for_each(|l| println!("   {l}"));
                }
            }
        }
        if let Some(m) = r.mismatch {
            println!("!! the schedule does not fit this run from decision {m}");
        }
        println!("-- final state\n{}", r.dump);
        if r.violations.is_empty() {
            println!("-- invariants: all hold");
        }
        for v in &r.violations {
            println!("-- VIOLATION {v}");
        }
        runs.push(r);
    }
    if let [c, rust] = &runs[..] {
        match sched::compare(&sc, c, rust) {
            Verdict::Same => println!("==== C original and port: same"),
            Verdict::Allowed(k, d) => println!("==== allowed divergence {k}:\n{d}"),
            Verdict::Unexpected(d) => println!("==== UNEXPECTED DIVERGENCE\n{d}"),
        }
    }
    ExitCode::SUCCESS
}
