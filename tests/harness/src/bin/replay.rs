//! `make replay`: vkernel(7) workload replays on the C original and the
//! Rust port, compared op by op.  See docs/replay.md.
//!
//!     replay [--ci] [--mode classic|vmm|both] [--procs N] [--traps N]
//!            [--vcpus N] [--ending halt|kill] [--together PCT] [--seed S]
//!            [-v] [--show] [--shrink]
//!
//! Without --procs etc. runs a plan of replays per mode (the default size,
//! or the CI size with --ci); with them, one replay per mode.  The last
//! line is `replay: P emulated processes, N calls, D unexpected
//! divergences`; the exit status is non-zero if D > 0 or a replay failed
//! a check.

use harness::replay::{self, Config, Ending, Mode};
use harness::World;
use std::process::ExitCode;

struct Args {
    ci: bool,
    modes: Vec<Mode>,
    one: Option<Config>,
    verbose: bool,
    /// Print the workload's ops with the C original's trace, no comparison.
    show: bool,
    /// Shrink an unexpected divergence to a minimal scenario.
    shrink: bool,
}

fn usage(msg: &str) -> ! {
    eprintln!("replay: {msg}");
    eprintln!("usage: replay [--ci] [--mode classic|vmm|both] [--procs N] [--traps N] [--vcpus N] [--ending halt|kill] [--together PCT] [--seed S] [-v] [--show] [--shrink]");
    std::process::exit(2);
}

fn parse() -> Args {
    let mut a = Args {
        ci: false,
        modes: vec![Mode::Classic, Mode::Vmm],
        one: None,
        verbose: false,
        show: false,
        shrink: false,
    };
    let mut one =
        Config { mode: Mode::Classic, vcpus: 4, procs: 100, traps: 40, ending: Ending::Kill, together: 30, seed: 1 };
    let mut custom = false;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut val = |name: &str| it.next().unwrap_or_else(|| usage(&format!("{name} needs a value")));
        let num = |s: String| -> u64 {
            let r = match s.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(h, 16),
                None => s.parse(),
            };
            r.unwrap_or_else(|_| usage(&format!("not a number: {s}")))
        };
        match arg.as_str() {
            "--ci" => a.ci = true,
            "-v" | "--verbose" => a.verbose = true,
            "--show" => a.show = true,
            "--shrink" => a.shrink = true,
            "--mode" => {
                a.modes = match val("--mode").as_str() {
                    "classic" => vec![Mode::Classic],
                    "vmm" => vec![Mode::Vmm],
                    "both" => vec![Mode::Classic, Mode::Vmm],
                    m => usage(&format!("unknown mode {m}")),
                }
            }
            "--procs" => (one.procs, custom) = (num(val("--procs")) as usize, true),
            "--traps" => (one.traps, custom) = (num(val("--traps")) as usize, true),
            "--vcpus" => (one.vcpus, custom) = (num(val("--vcpus")) as usize, true),
            "--together" => (one.together, custom) = (num(val("--together")) as u32, true),
            "--seed" => (one.seed, custom) = (num(val("--seed")), true),
            "--ending" => {
                one.ending = match val("--ending").as_str() {
                    "halt" => Ending::Halt,
                    "kill" => Ending::Kill,
                    e => usage(&format!("unknown ending {e}")),
                };
                custom = true;
            }
            _ => usage(&format!("unknown argument {arg}")),
        }
    }
    if !(1..=8).contains(&one.vcpus) {
        usage("--vcpus: 1..=8");
    }
    if custom {
        a.one = Some(one);
    }
    a
}

/// The replays of one mode: vkernels of different sizes, each ending both
/// ways between them.
fn plan(ci: bool, mode: Mode) -> Vec<Config> {
    let m = mode as u64;
    let c = |vcpus, procs, traps, ending, seed: u64| Config {
        mode,
        vcpus,
        procs,
        traps,
        ending,
        together: 30,
        seed: seed * 2 + m,
    };
    if ci {
        vec![c(4, 12, 16, Ending::Halt, 1), c(3, 10, 16, Ending::Kill, 2)]
    } else {
        vec![
            c(4, 120, 40, Ending::Halt, 11),
            c(8, 100, 40, Ending::Kill, 12),
            c(2, 60, 40, Ending::Halt, 13),
            c(6, 40, 40, Ending::Kill, 14),
        ]
    }
}

fn main() -> ExitCode {
    let args = parse();
    let mut world = World::new(1);
    let (mut procs, mut calls, mut bad, mut failed) = (0, 0, 0, 0);
    let t0 = std::time::Instant::now();
    for &mode in &args.modes {
        let configs = match &args.one {
            Some(one) => vec![Config { mode, ..one.clone() }],
            None => plan(args.ci, mode),
        };
        let (mut mp, mut mc, mut md) = (0, 0, 0);
        let mut census = std::collections::BTreeMap::new();
        let tm = std::time::Instant::now();
        for cfg in configs {
            let wl = replay::generate(&cfg);
            if args.show {
                show(&mut world, &wl);
                continue;
            }
            for (k, n) in wl.census() {
                *census.entry(k).or_insert(0) += n;
            }
            let r = replay::replay(&mut world, &wl);
            println!(
                "  {cfg}: {} processes, {} ops ({} concurrent groups), {} calls compared, {} allowed, {} unexpected, {:.1}s",
                r.procs,
                r.ops,
                wl.ops.iter().filter(|o| matches!(o, replay::Op::Together { .. })).count(),
                r.calls,
                r.allowed.len(),
                r.unexpected.is_some() as usize,
                r.elapsed.as_secs_f64()
            );
            for (k, label, a) in &r.allowed {
                println!("    allowed divergence {} at op {k} ({label}): {}", a.kind.name(), a.kind.describe());
                if args.verbose {
                    println!("{}", indent(&a.divergence.render()));
                }
                if r.rust_alone > 0 {
                    println!("    the port then ran the remaining {} ops alone, checked", r.rust_alone);
                }
            }
            if let Some(u) = &r.unexpected {
                println!("    UNEXPECTED divergence at op {} ({}); regenerate with: {cfg}", u.op, u.label);
                println!("{}", indent(&u.divergence.render()));
                if args.shrink {
                    shrink(&mut world, &wl, u.op);
                }
            }
            for f in &r.failures {
                println!("    FAILED: {f}");
            }
            failed += !r.failures.is_empty() as usize;
            mp += r.procs;
            mc += r.calls;
            md += r.unexpected.is_some() as usize;
        }
        println!("  calls replayed ({}, kernel paths included when their guard skips the hook):", mode.name());
        for (k, n) in &census {
            println!("    {n:7}  {k}");
        }
        println!(
            "replay {}: {mp} emulated processes, {mc} calls, {md} unexpected divergences ({:.1}s)",
            mode.name(),
            tm.elapsed().as_secs_f64()
        );
        procs += mp;
        calls += mc;
        bad += md;
    }
    if failed > 0 {
        println!("replay: {failed} replays failed a vkernel check");
    }
    println!("replay: total {:.1}s", t0.elapsed().as_secs_f64());
    println!("replay: {procs} emulated processes, {calls} calls, {bad} unexpected divergences");
    if bad > 0 || failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The workload as the C original runs it: each op, its calls' results
/// and kernel calls.
fn show(world: &mut World, wl: &replay::Workload) {
    println!("# {}", wl.config);
    replay::run(harness::Impl::C, wl, world, &mut |k, op, out| {
        let items = match op {
            replay::Op::One(i) => vec![i],
            replay::Op::Together { items, .. } => items.iter().collect(),
        };
        let together = matches!(op, replay::Op::Together { .. });
        for (n, i) in items.iter().enumerate() {
            let o = match out {
                replay::Outcome::One(o) => o,
                replay::Outcome::Together(c) => &c.calls[n],
            };
            let ret = if i.step.thread().is_some() {
                format!(" -> called={} {}", o.called, harness::diff::show_ret(o.ret))
            } else {
                String::new()
            };
            println!("{k:6}{} [{}] {:?}{ret}", if together { "*" } else { " " }, i.label, i.step);
        }
        let trace = match out {
            replay::Outcome::One(o) => &o.trace,
            replay::Outcome::Together(c) => &c.trace,
        };
        for l in trace {
            println!("          {l}");
        }
    });
    println!("# {}", world.dump().replace('\n', "\n# "));
}

/// The ops up to a divergence, made sequential, shrunk by the differential
/// harness to a minimal scenario, printed as Rust values.
fn shrink(world: &mut World, wl: &replay::Workload, k: usize) {
    use harness::diff::scenario;
    let sc = wl.scenario(k);
    let mut run = |s: &scenario::Scenario| scenario::diff_scenario(world, s);
    let fails = |r: &scenario::ScenarioResult| r.verdict.unexpected.is_some();
    if !fails(&run(&sc)) {
        println!("    (the ops made sequential do not diverge: regenerate the workload from its config line)");
        return;
    }
    println!("    shrunk reproducer:\n{}", indent(&scenario::shrink(&sc, &mut run, &fails).render()));
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("      {l}")).collect::<Vec<_>>().join("\n")
}
