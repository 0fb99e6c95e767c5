//! `make sched`: explores the schedules of the concurrent scenarios on the C
//! original and the port (see docs/sched.md).
//!
//!     sched [explore] [--scenario NAME]... [--bound N] [--limit N]
//!           [--random N] [--pct N] [--depth D] [--seed S]
//!     sched replay SCENARIO SCHEDULE     one schedule, both sides in full
//!     sched list                         the scenarios
//!
//! Ends with `sched: N schedules, D unexpected divergences, V invariant
//! violations in the port, C C-original violations`; exits non-zero if D or
//! V is not 0.

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
         [--depth D] [--seed S]\n       sched replay SCENARIO SCHEDULE\n       sched list"
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
    let chosen: Vec<&Scenario> = all.iter().filter(|s| o.names.is_empty() || o.names.iter().any(|n| n == s.name)).collect();
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
    for (i, sc) in chosen.iter().enumerate() {
        let bound = o.bound.unwrap_or(sc.bound);
        let mut per = Stats { complete: true, ..Stats::default() };
        let mut on = |out: &Outcome| report(sc, out, &mut reported);
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
    let c_found: Vec<&String> = reported.iter().filter(|k| k.starts_with("c ")).collect();
    if !c_found.is_empty() {
        println!("C-original violations, distinct (scenario, violation):");
        for k in c_found {
            println!("  {}", &k[2..]);
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
    if total.unexpected == 0 && total.port_violations == 0 {
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

/// Prints the first schedule of every distinct finding, as a reproducer.
fn report(sc: &Scenario, o: &Outcome, reported: &mut BTreeSet<String>) {
    let repro = format!("cargo run -p harness --features port --bin sched -- replay {} {}", sc.name, o.schedule);
    for v in &o.c {
        if reported.insert(format!("c {} {}", sc.name, what(v))) {
            println!("  C original [{}] schedule {}: {}\n    reproduce: {repro}", sc.name, o.schedule, what(v));
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
        let r = sched::run_replay(&mut w, imp, &sc, &s);
        println!("==== {} ({} decisions, full schedule {})", imp.name(), r.decisions.len(), Schedule::full(&r.decisions));
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
