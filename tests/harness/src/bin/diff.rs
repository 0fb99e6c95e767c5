//! `make diff`: the C original against the Rust port, step by step.
//!
//!     diff [--steps N] [--seed-base S] [--workers W] [--scenario-steps K]
//!          [--no-directed] [--no-random]
//!         the directed set (its expectations checked for both
//!         implementations, then diffed) and random scenarios until N steps
//!         ran, on W worker processes (one world per process); then the
//!         report, coverage of the C original (coverage builds), and the
//!         last line `diff: S scenarios, N steps, D unexpected divergences,
//!         lines L%, branches B%`.  Exit status 1 if D > 0 or a directed
//!         expectation failed.
//!     diff --seed S [--scenario-steps K]
//!         regenerates random scenario S, runs it, prints it and its
//!         outcome (shrunk reproducer if it diverges).
//!     diff --coverage
//!         the directed set only, then `coverage: vm_vmspace.c lines L%,
//!         branches B%` (make coverage).
//!
//! Environment: DIFF_STEPS, DIFF_SEED, DIFF_WORKERS, DIFF_SCENARIO_STEPS
//! are the defaults of the options.  See docs/diff.md.

use harness::diff::report::{self, Reproducer, Totals};
use harness::diff::{directed, gen, scenario};
use harness::{Impl, World};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

#[derive(Clone, Debug)]
struct Opts {
    steps: u64,
    seed_base: u64,
    workers: u64,
    scenario_steps: usize,
    directed: bool,
    random: bool,
    seed: Option<u64>,
    coverage: bool,
    /// (index, count): run as worker `index` of `count`.
    worker: Option<(u64, u64)>,
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn parse() -> Result<Opts, String> {
    let mut o = Opts {
        steps: env_u64("DIFF_STEPS", 3_000_000),
        seed_base: env_u64("DIFF_SEED", 1),
        workers: env_u64("DIFF_WORKERS", 2).max(1),
        scenario_steps: env_u64("DIFF_SCENARIO_STEPS", 60) as usize,
        directed: true,
        random: true,
        seed: None,
        coverage: false,
        worker: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |what: &str| -> Result<u64, String> {
            args.next().and_then(|v| v.parse().ok()).ok_or(format!("{what} needs a number"))
        };
        match a.as_str() {
            "--steps" => o.steps = num("--steps")?,
            "--seed-base" => o.seed_base = num("--seed-base")?,
            "--workers" => o.workers = num("--workers")?.max(1),
            "--scenario-steps" => o.scenario_steps = num("--scenario-steps")? as usize,
            "--seed" => o.seed = Some(num("--seed")?),
            "--no-directed" => o.directed = false,
            "--no-random" => o.random = false,
            "--coverage" => o.coverage = true,
            "--worker" => {
                let v = args.next().ok_or("--worker needs i/n")?;
                let (i, n) = v.split_once('/').ok_or("--worker needs i/n")?;
                o.worker = Some((i.parse().map_err(|_| "bad i")?, n.parse().map_err(|_| "bad n")?));
            }
            "-h" | "--help" => return Err(String::new()),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    Ok(o)
}

fn main() -> ExitCode {
    let o = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}\nusage: diff [--steps N] [--seed-base S] [--workers W] [--scenario-steps K] [--no-directed] [--no-random] | --seed S | --coverage");
            return ExitCode::from(2);
        }
    };
    if let Some((i, n)) = o.worker {
        let t = worker(&o, i, n);
        println!("{}", t.to_json());
        return ExitCode::SUCCESS;
    }
    if let Some(seed) = o.seed {
        return one_seed(&o, seed);
    }
    if o.coverage {
        return coverage_only(&o);
    }
    full(&o)
}

/// Worker `i` of `n`: the directed set (worker 0), then random scenarios
/// with seeds seed_base + i, + i + n, ... until its share of the steps ran.
fn worker(o: &Opts, i: u64, n: u64) -> Totals {
    let mut w = World::new(1);
    let mut t = Totals::default();
    if o.directed && i == 0 {
        run_directed(&mut w, &mut t);
    }
    if !o.random {
        return t;
    }
    let share = o.steps / n + u64::from(i < o.steps % n);
    let mut ran = 0u64;
    let mut k = 0u64;
    while ran < share {
        let seed = o.seed_base + i + k * n;
        k += 1;
        let sc = gen::scenario(seed, o.scenario_steps);
        let r = scenario::diff_scenario(&mut w, &sc);
        ran += r.steps_run as u64;
        t.add(&sc, &r);
        if r.verdict.unexpected.is_some() {
            let mut rep = Reproducer::new(&mut w, &sc, &r);
            rep.regenerate = Some(format!(
                "cargo run -p harness --release --bin diff -- --seed {seed} --scenario-steps {}",
                o.scenario_steps
            ));
            t.unexpected.push(rep.render());
            // Enough to act on; the rest would likely be the same bug.
            if t.unexpected.len() >= 5 {
                break;
            }
        }
    }
    t
}

/// The directed set: expectations for each implementation, then the diff.
fn run_directed(w: &mut World, t: &mut Totals) {
    // Each directed scenario's expectations are one revision's (c2e7bb204e
    // for the reference set, 22b7a3dbf6 for the 2017 set): under another
    // REV, Directed::run runs its steps without them.
    for d in directed::all() {
        for &imp in Impl::all() {
            if let Err(e) = d.run(w, imp) {
                t.directed_failures.push(e);
            }
        }
        let sc = d.scenario();
        let r = scenario::diff_scenario(w, &sc);
        t.add(&sc, &r);
        if r.verdict.unexpected.is_some() {
            t.unexpected.push(Reproducer::new(w, &sc, &r).render());
        }
    }
    // The paths only concurrency reaches, under fixed schedules (the
    // expectations of each implementation; with the port, the diff too).
    for c in directed::concurrent() {
        for &imp in Impl::all() {
            if let Err(e) = c.run(w, imp) {
                t.directed_failures.push(e);
            }
        }
        t.scenarios += 1;
        #[cfg(not(feature = "port"))]
        {
            t.steps += (c.setup.steps.len() + c.calls.len()) as u64;
        }
        #[cfg(feature = "port")]
        match directed::diff_concurrent(w, &c) {
            Ok(n) => t.steps += n as u64,
            Err(d) => t.unexpected.push(format!(
                "UNEXPECTED DIVERGENCE in {}\n  {}\n",
                c.name(),
                d.render().replace('\n', "\n  ")
            )),
        }
    }
}

fn spawn_workers(o: &Opts, args: &[String]) -> Result<Totals, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let children: Vec<_> = (0..o.workers)
        .map(|i| {
            Command::new(&exe)
                .args(args)
                .arg("--worker")
                .arg(format!("{i}/{}", o.workers))
                .stdout(Stdio::piped())
                .spawn()
                .map_err(|e| format!("spawning a worker: {e}"))
        })
        .collect::<Result<_, _>>()?;
    let mut total = Totals::default();
    for c in children {
        let out = c.wait_with_output().map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&out.stdout);
        let last = text.lines().last().unwrap_or("");
        let t = serde_json::from_str(last)
            .ok()
            .and_then(|v| Totals::from_json(&v))
            .ok_or_else(|| format!("a worker failed ({}): {text}", out.status))?;
        total.merge(t);
    }
    Ok(total)
}

fn worker_args(o: &Opts) -> Vec<String> {
    let mut a = vec![
        "--steps".into(),
        o.steps.to_string(),
        "--seed-base".into(),
        o.seed_base.to_string(),
        "--scenario-steps".into(),
        o.scenario_steps.to_string(),
    ];
    if !o.directed {
        a.push("--no-directed".into());
    }
    if !o.random {
        a.push("--no-random".into());
    }
    a
}

/// Coverage of this run, if this is a coverage build.
fn coverage() -> Option<Result<report::Coverage, String>> {
    report::coverage_build().map(|(obj, src)| report::coverage(obj, src))
}

fn full(o: &Opts) -> ExitCode {
    let start = Instant::now();
    if let Some((obj, _)) = report::coverage_build() {
        report::reset_coverage(obj);
    }
    if cfg!(not(feature = "port")) {
        println!(
            "diff: REV={}: no Rust port of this revision yet: the C original ALONE, \
             each scenario run twice on fresh worlds and compared with itself (determinism), \
             c2e7bb204e's directed scenarios without their expectations (the 2017 set with \
             22b7a3dbf6's); coverage of {}",
            harness::REV,
            env!("HARNESS_REFERENCE")
        );
    }
    println!(
        "diff: {}: directed set{}, random scenarios of ~{} steps from seed {} until {} steps, {} workers",
        names(),
        if o.directed { "" } else { " (off)" },
        o.scenario_steps,
        o.seed_base,
        if o.random { o.steps } else { 0 },
        o.workers
    );
    let t = match spawn_workers(o, &worker_args(o)) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("diff: {e}");
            return ExitCode::FAILURE;
        }
    };
    let elapsed = start.elapsed();
    if o.directed {
        let n = directed::all().len() + directed::concurrent().len();
        if t.directed_failures.is_empty() {
            println!("directed set: {n} scenarios, every expectation holds for {}", names());
        } else {
            println!("directed set: {} FAILED expectations:", t.directed_failures.len());
            for f in &t.directed_failures {
                println!("{f}");
            }
        }
    }
    println!("allowed divergences seen:");
    if t.allowed.is_empty() {
        println!("  none");
    }
    for (k, (n, ex)) in &t.allowed {
        println!("  {k}: {n} scenario(s): {}", k.describe());
        for l in ex.lines() {
            println!("    {l}");
        }
    }
    println!("unexpected divergences: {}", t.unexpected.len());
    for u in &t.unexpected {
        print!("{u}");
    }
    println!("time: {:.1} s ({:.0} steps/s)", elapsed.as_secs_f64(), t.steps as f64 / elapsed.as_secs_f64().max(1e-9));
    let (lines, branches) = match coverage() {
        Some(Ok(c)) => {
            print!("{}", c.render());
            (format!("{:.1}%", c.line_pct()), format!("{:.1}%", c.branch_pct()))
        }
        Some(Err(e)) => {
            println!("coverage: {e}");
            ("n/a".into(), "n/a".into())
        }
        None => {
            println!("coverage: not a coverage build (make diff builds one: HARNESS_COVERAGE=1)");
            ("n/a".into(), "n/a".into())
        }
    };
    println!(
        "diff: {} scenarios, {} steps, {} unexpected divergences, lines {lines}, branches {branches}",
        t.scenarios,
        t.steps,
        t.unexpected.len()
    );
    if t.unexpected.is_empty() && t.directed_failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn names() -> String {
    Impl::all().iter().map(|i| i.name()).collect::<Vec<_>>().join(" and ")
}

fn one_seed(o: &Opts, seed: u64) -> ExitCode {
    let mut w = World::new(1);
    let sc = gen::scenario(seed, o.scenario_steps);
    print!("{}", sc.render());
    let r = scenario::diff_scenario(&mut w, &sc);
    for a in &r.verdict.allowed {
        println!("allowed divergence {}:\n{}", a.kind, a.divergence.render());
    }
    match &r.verdict.unexpected {
        None => {
            println!("seed {seed}: {} steps compared, no unexpected divergence", r.steps_run);
            ExitCode::SUCCESS
        }
        Some(_) => {
            print!("{}", Reproducer::new(&mut w, &sc, &r).render());
            ExitCode::FAILURE
        }
    }
}

fn coverage_only(o: &Opts) -> ExitCode {
    let Some((obj, _)) = report::coverage_build() else {
        eprintln!("diff --coverage: not a coverage build (HARNESS_COVERAGE=1)");
        return ExitCode::FAILURE;
    };
    report::reset_coverage(obj);
    let o = Opts { random: false, directed: true, workers: 1, ..o.clone() };
    let t = match spawn_workers(&o, &worker_args(&o)) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("diff: {e}");
            return ExitCode::FAILURE;
        }
    };
    for f in &t.directed_failures {
        println!("{f}");
    }
    for u in &t.unexpected {
        print!("{u}");
    }
    println!(
        "directed set: {} scenarios, {} steps, {} failed expectations, {} unexpected divergences",
        t.scenarios,
        t.steps,
        t.directed_failures.len(),
        t.unexpected.len()
    );
    match coverage() {
        Some(Ok(c)) => {
            print!("{}", c.render());
            println!("coverage: vm_vmspace.c lines {:.1}%, branches {:.1}%", c.line_pct(), c.branch_pct());
            if t.directed_failures.is_empty() && t.unexpected.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Some(Err(e)) => {
            eprintln!("coverage: {e}");
            ExitCode::FAILURE
        }
        None => ExitCode::FAILURE,
    }
}
