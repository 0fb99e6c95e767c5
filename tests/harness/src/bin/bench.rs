//! The cost benchmark's driver (`make bench`, docs/bench.md).
//!
//!     bench list           the workloads, tab-separated:
//!                          index, entry point, success (0/1), path
//!     bench count [REPS]   under valgrind --tool=callgrind --collect-atstart=no:
//!                          each workload with each implementation, counts
//!                          collected around the measured calls only, one
//!                          dump per workload and implementation
//!     bench time [REPS]    natively: median wall-clock time of the measured
//!                          calls, tab-separated: index, impl, reps, calls per
//!                          rep, median ns per call; and "floor", ns: the
//!                          harness's own cost per step
//!
//! Built in release mode (the kernel object's opt-level) with feature `port`
//! (c2e7bb204e) or `rev-22b7a3dbf6` (REV=22b7a3dbf6: that revision's port and
//! C, and its cache-path workloads).

#[cfg(not(feature = "port"))]
fn main() {
    eprintln!("bench: build with --features port (it compares the C original with the Rust port)");
    std::process::exit(2);
}

#[cfg(feature = "port")]
fn main() {
    use harness::bench::{self, callgrind, Mode};
    use harness::{Impl, World};

    let args: Vec<String> = std::env::args().skip(1).collect();
    let reps = |default: u32| args.get(1).map_or(default, |r| r.parse().expect("REPS: a number"));
    let workloads = bench::workloads();
    match args.first().map(String::as_str) {
        Some("list") => {
            for (i, wl) in workloads.iter().enumerate() {
                println!("{i}\t{}\t{}\t{}", wl.entry, wl.success as u8, wl.case);
            }
        }
        Some("count") => {
            if !callgrind::running_on_valgrind() {
                eprintln!("bench count: run it under valgrind --tool=callgrind --collect-atstart=no");
                std::process::exit(2);
            }
            let reps = reps(4);
            let mut w = World::new(1);
            for (i, wl) in workloads.iter().enumerate() {
                for imp in [Impl::C, Impl::Rust] {
                    bench::run(&mut w, imp, i, wl, Mode::Count, reps);
                }
            }
        }
        Some("time") => {
            // Rounds alternate the implementations so that drift of the
            // machine's speed affects both alike.
            const ROUNDS: u32 = 5;
            let reps = reps(2000).div_ceil(ROUNDS);
            let mut w = World::new(1);
            println!("floor\t{:.1}", bench::floor(&mut w, reps * ROUNDS));
            for (i, wl) in workloads.iter().enumerate() {
                for imp in [Impl::C, Impl::Rust] {
                    bench::run(&mut w, imp, i, wl, Mode::Time, 50); // warm-up
                }
                let mut times = [Vec::new(), Vec::new()];
                let mut calls = 0;
                for _ in 0..ROUNDS {
                    for (k, imp) in [Impl::C, Impl::Rust].into_iter().enumerate() {
                        let (c, t) = bench::run(&mut w, imp, i, wl, Mode::Time, reps);
                        calls = c;
                        times[k].extend(t);
                    }
                }
                for (k, imp) in [Impl::C, Impl::Rust].into_iter().enumerate() {
                    let t = &mut times[k];
                    t.sort();
                    let median = t[t.len() / 2].as_nanos() as f64 / calls as f64;
                    println!("{i}\t{}\t{}\t{calls}\t{median:.1}", imp.name(), t.len());
                }
            }
        }
        _ => {
            eprintln!("usage: bench list | count [REPS] | time [REPS]");
            std::process::exit(2);
        }
    }
}
