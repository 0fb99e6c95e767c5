//! `make contention`: how often the threads of one vkernel wait for a token
//! (docs/contention.md).
//!
//!     contention [--threads 1,2,4,8] [--rounds R] [--seeds S] [--seed B]
//!                [--impl c|rust|all] [--tsv FILE]
//!
//! For each N of `--threads`: a vkernel process with N LWPs on N cpus and
//! four VMSPACEs; each LWP does `R` round trips (VMSPACE_CTL_RUN into a
//! VMSPACE, then the trap back) and `R` map calls (MADV_INVAL, mmap,
//! MADV_INVAL, munmap in turn), the LWPs staggered so that different calls
//! overlap.  The scenario runs under `S` random schedules (seeds B, B+1,
//! ...: a uniformly random runnable thread at every switch point, as `make
//! sched`'s random strategy) with the model's token-wait counting on
//! (tests/kern/model.h, `model_contention_count`): a wait is a thread
//! wanting a token another thread holds in a conflicting mode.  Every run
//! is also checked like a `make sched` run (no panic, misuse, deadlock,
//! leak, refcount or lock-check violation).
//!
//! Prints a table for this build's revision (harness::REV) and, with
//! `--tsv`, writes one line per run: rev, impl, N, seed, calls (the
//! concurrent calls of the scenario), decisions, waits on vkp->token
//! ("vkernel"), on vmspace_token, on any other token, vkp->token's
//! lwkt_gettoken_shared and lwkt_gettoken calls, vmspace_token's
//! acquisitions, and the other tokens with waits (name=count).  scripts/contention-report.py
//! makes the table and plot of both revisions from those files.

use harness::diff::gen::{frame_from, Layout, Rng};
use harness::ffi::{self, trapframe, vextframe};
use harness::sched::explore::RandomChooser;
use harness::sched::{self, Phase, Scenario};
use harness::{Impl, Pid, Step, Tid, World};
use std::collections::BTreeMap;
use std::ffi::CStr;
use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

const VK: Pid = 1;
/// VMSPACEs of the vkernel (its emulated processes).
const ENTRIES: u64 = 4;
const RUN: i32 = ffi::VMSPACE_CTL_RUN as i32;
const RW: i32 = (ffi::PROT_READ | ffi::PROT_WRITE) as i32;
const RWX: i32 = (ffi::PROT_READ | ffi::PROT_WRITE | ffi::PROT_EXEC) as i32;
/// Where each VMSPACE has its memory (MAP_VPAGETABLE).
const VA: u64 = 0x4000_0000;
const LEN: u64 = 0x20_0000;
const PAGE: u64 = 0x1000;

#[derive(Clone, Debug)]
struct Opts {
    threads: Vec<usize>,
    rounds: usize,
    seeds: u64,
    seed: u64,
    imps: Vec<Impl>,
    tsv: Option<String>,
}

fn parse() -> Result<Opts, String> {
    let mut o = Opts { threads: vec![1, 2, 4, 8], rounds: 4, seeds: 100, seed: 1, imps: vec![Impl::C], tsv: None };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--threads" => {
                o.threads = val()?
                    .split(',')
                    .map(|t| t.trim().parse().map_err(|_| format!("bad thread count {t:?}")))
                    .collect::<Result<_, _>>()?;
                if o.threads.iter().any(|&n| n == 0 || n > 9) {
                    return Err("thread counts must be 1..=9 (one digit per thread in a schedule)".into());
                }
            }
            "--rounds" => o.rounds = val()?.parse().map_err(|_| "--rounds needs a number")?,
            "--seeds" => o.seeds = val()?.parse().map_err(|_| "--seeds needs a number")?,
            "--seed" => o.seed = val()?.parse().map_err(|_| "--seed needs a number")?,
            "--impl" => {
                let v = val()?;
                o.imps = Impl::all()
                    .iter()
                    .copied()
                    .filter(|i| v == "all" || i.name().to_lowercase().starts_with(&v.to_lowercase()))
                    .collect();
                if o.imps.is_empty() {
                    return Err(format!(
                        "--impl {v}: this build has {} (the port needs feature `port`)",
                        Impl::all().iter().map(|i| i.name()).collect::<Vec<_>>().join(", ")
                    ));
                }
            }
            "--tsv" => o.tsv = Some(val()?),
            "-h" | "--help" => return Err(String::new()),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    Ok(o)
}

fn bytes<T: Copy>(v: &T) -> Vec<u8> {
    // SAFETY: T is a plain C structure of integers and pointers.
    unsafe { std::slice::from_raw_parts(v as *const T as *const u8, std::mem::size_of::<T>()) }.to_vec()
}

fn id(k: u64) -> u64 {
    Layout::new().base + 0x100 + 8 * k
}

fn ctl(tid: Tid, e: u64) -> Step {
    let (l, s) = (Layout::new(), tid as u64 % 4);
    Step::Ctl { pid: VK, tid, id: id(e), cmd: RUN, tframe: l.tframe(s), vframe: l.vframe(s) }
}

/// The map call of round `r` by LWP `tid` on entry `e`: MADV_INVAL of a
/// page (the vkernel's pmap invalidation), a MAP_VPAGETABLE mmap, MADV_INVAL
/// again, a munmap of a page, in turn.
fn map_call(tid: Tid, e: u64, r: usize) -> Step {
    let page = VA + PAGE * ((tid as u64 * 7 + r as u64) % (LEN / PAGE));
    match r % 4 {
        1 => Step::Mmap {
            pid: VK,
            tid,
            id: id(e),
            addr: VA,
            len: LEN,
            prot: RWX,
            flags: (ffi::MAP_ANON | ffi::MAP_SHARED | ffi::MAP_VPAGETABLE | ffi::MAP_FIXED) as i32,
            fd: -1,
            offset: 0,
        },
        3 => Step::Munmap { pid: VK, tid, id: id(e), addr: page, len: PAGE },
        _ => Step::Mcontrol { pid: VK, tid, id: id(e), addr: page, len: PAGE, behav: ffi::MADV_INVAL as i32, value: 0 },
    }
}

/// The workload of N threads, `rounds` round trips and map calls each.
fn scenario(n: usize, rounds: usize) -> Scenario {
    let l = Layout::new();
    let mut ph = Vec::new();
    let seq = |ph: &mut Vec<Phase>, s: Step| ph.push(Phase::Seq(s));
    seq(&mut ph, Step::NewProc { pid: VK });
    seq(&mut ph, Step::UserMap { pid: VK, addr: l.base, len: Layout::RW_LEN, prot: RW });
    for k in 0..4u64 {
        let mut regs = [0i64; 25];
        for (i, r) in regs.iter_mut().enumerate() {
            *r = (k as i64 + 1) * 0x100 + i as i64;
        }
        let tf = trapframe { tf_cs: 43, tf_ss: 35, tf_rflags: 0x202, tf_xflags: 0, ..frame_from(regs) };
        seq(&mut ph, Step::UserWrite { pid: VK, addr: l.tframe(k), bytes: bytes(&tf) });
        let mut vx = vextframe::default();
        vx.vx_tls.info[0].base = (0x1111 * (k + 1)) as usize as *mut _;
        vx.vx_tls.info[1].base = (0x2222 * (k + 1)) as usize as *mut _;
        seq(&mut ph, Step::UserWrite { pid: VK, addr: l.vframe(k), bytes: bytes(&vx) });
    }
    let tids: Vec<Tid> = (1..=n as Tid).collect();
    for &tid in &tids {
        seq(&mut ph, Step::NewLwp { pid: VK, tid });
        let frame = trapframe { tf_rip: 0x40_0000 + tid as i64, tf_rdx: 0x77, tf_rflags: 0x202, ..Default::default() };
        seq(&mut ph, Step::SetFrame { pid: VK, tid, frame });
        seq(&mut ph, Step::SetCpu { pid: VK, tid, cpu: (tid - 1) as i32 });
    }
    for e in 0..ENTRIES {
        seq(&mut ph, Step::Create { pid: VK, tid: 1, id: id(e), ty: 0, data: 0 });
        seq(&mut ph, map_call(1, e, 1));
    }
    // Each LWP cycles RUN, trap, map call; LWP i starts i steps into the
    // cycle (a trap with nothing to trap from is a map call instead), so
    // every phase mixes the three.  LWP i runs in entry (i + r/2) mod 4 in
    // its round r: the same entry two rounds in a row, then the next.
    struct T {
        running: Option<u64>,
        round: usize,
        last: u64,
        maps: usize,
    }
    let mut st: Vec<T> =
        tids.iter().map(|&t| T { running: None, round: 0, last: t as u64 % ENTRIES, maps: 0 }).collect();
    for k in 0..3 * rounds {
        let mut calls = Vec::new();
        for (i, &tid) in tids.iter().enumerate() {
            let t = &mut st[i];
            let step = match ((k + i) % 3, t.running) {
                (0, None) if t.round < rounds => {
                    let e = (i as u64 + t.round as u64 / 2) % ENTRIES;
                    t.running = Some(e);
                    t.last = e;
                    t.round += 1;
                    ctl(tid, e)
                }
                (1, Some(_)) => {
                    t.running = None;
                    Step::Trap { pid: VK, tid, frame: None }
                }
                (_, Some(_)) => continue,
                _ => {
                    t.maps += 1;
                    map_call(tid, t.last, t.maps)
                }
            };
            calls.push(step);
        }
        if !calls.is_empty() {
            ph.push(Phase::Conc(calls));
        }
    }
    let last: Vec<Step> = tids
        .iter()
        .zip(&st)
        .filter(|(_, t)| t.running.is_some())
        .map(|(&tid, _)| Step::Trap { pid: VK, tid, frame: None })
        .collect();
    if !last.is_empty() {
        ph.push(Phase::Conc(last));
    }
    seq(&mut ph, Step::Exit { pid: VK, tid: 1 });
    let name: &'static str = Box::leak(format!("contention-{n}").into_boxed_str());
    Scenario {
        name,
        about: "N LWPs of one vkernel: VMSPACE_CTL_RUN/trap round trips and map calls",
        ncpu: n,
        phases: ph,
        bound: 0,
    }
}

/// What the model counted for one token name during a run.
#[derive(Clone, Copy, Default)]
struct Tok {
    waits: u64,
    shared: u64,
    excl: u64,
}

/// The counts of the last run by token name.
fn counts() -> BTreeMap<String, Tok> {
    let mut m = BTreeMap::new();
    for i in 0.. {
        let mut desc: *const std::os::raw::c_char = std::ptr::null();
        let (mut waits, mut shared, mut excl) = (0, 0, 0);
        // SAFETY: the model fills the out-parameters; desc points to a
        // token's static description string.
        if unsafe { ffi::model_contention_get(i, &mut desc, &mut waits, &mut shared, &mut excl) } == 0 {
            break;
        }
        // SAFETY: as above, a NUL-terminated static string.
        let name = unsafe { CStr::from_ptr(desc) }.to_string_lossy().into_owned();
        let t: &mut Tok = m.entry(name).or_default();
        t.waits += waits as u64;
        t.shared += shared as u64;
        t.excl += excl as u64;
    }
    m
}

#[derive(Default)]
struct Sum {
    runs: u64,
    vkernel: Vec<u64>,
    vmspace: Vec<u64>,
    other: Vec<u64>,
    decisions: Vec<u64>,
    /// Acquisitions of the two tokens (shared and exclusive together).
    gets: Vec<u64>,
    others: BTreeMap<String, u64>,
    bad: Vec<String>,
}

fn mean(v: &[u64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<u64>() as f64 / v.len() as f64
    }
}

fn main() -> ExitCode {
    let o = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}\nusage: contention [--threads 1,2,4,8] [--rounds R] [--seeds S] [--seed B] [--impl c|rust|all] [--tsv FILE]");
            return ExitCode::from(2);
        }
    };
    let mut tsv = match &o.tsv {
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Some(std::io::BufWriter::new(f)),
            Err(e) => {
                eprintln!("contention: {p}: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    if let Some(f) = tsv.as_mut() {
        let _ = writeln!(
            f,
            "rev\timpl\tthreads\tseed\tcalls\tdecisions\tvkernel\tvmspace_token\tother\t\
             vkernel_shared\tvkernel_excl\tvmspace_token_gets\tother_names"
        );
    }
    let start = Instant::now();
    let mut w = World::new(1);
    let mut failed = false;
    println!(
        "contention: REV={}: {} random schedules per N, {} round trips and {} map calls per thread",
        harness::REV,
        o.seeds,
        o.rounds,
        o.rounds
    );
    println!(
        "{:<6} {:>3} {:>6} {:>5} | {:>14} {:>8} | {:>14} {:>8} | {:>14} {:>8} | {:>13} | {:>9}",
        "impl",
        "N",
        "runs",
        "calls",
        "vkp->token avg",
        "max",
        "vmspace_token",
        "max",
        "both avg",
        "max",
        "acquisitions",
        "decisions"
    );
    for &imp in &o.imps {
        for &n in &o.threads {
            let sc = scenario(n, o.rounds);
            let calls: usize = sc.phases.iter().map(|p| if let Phase::Conc(v) = p { v.len() } else { 0 }).sum();
            let mut s = Sum::default();
            for k in 0..o.seeds {
                let seed = o.seed + k;
                // SAFETY: plain model setter (resets the counts).
                unsafe { ffi::model_contention_count(1) };
                let mut ch = RandomChooser { rng: Rng::new(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ n as u64) };
                let run = sched::run(&mut w, imp, &sc, &mut ch);
                let c = counts();
                // SAFETY: as above.
                unsafe { ffi::model_contention_count(0) };
                if run.fault.is_some() || !run.violations.is_empty() {
                    s.bad.push(format!(
                        "N={n} seed {seed}: {:?} {}",
                        run.fault,
                        run.violations.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join("; ")
                    ));
                }
                let vkt = c.get("vkernel").copied().unwrap_or_default();
                let vmt = c.get("vmspace_token").copied().unwrap_or_default();
                let (vk, vm) = (vkt.waits, vmt.waits);
                let others: Vec<(&String, u64)> = c
                    .iter()
                    .filter(|(k, t)| *k != "vkernel" && *k != "vmspace_token" && t.waits > 0)
                    .map(|(k, t)| (k, t.waits))
                    .collect();
                let other: u64 = others.iter().map(|(_, v)| *v).sum();
                for (k, v) in &others {
                    *s.others.entry((*k).clone()).or_insert(0) += *v;
                }
                s.gets.push(vkt.shared + vkt.excl + vmt.shared + vmt.excl);
                s.runs += 1;
                s.vkernel.push(vk);
                s.vmspace.push(vm);
                s.other.push(other);
                s.decisions.push(run.decisions.len() as u64);
                if let Some(f) = tsv.as_mut() {
                    let names = others.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
                    let _ = writeln!(
                        f,
                        "{}\t{}\t{n}\t{seed}\t{calls}\t{}\t{vk}\t{vm}\t{other}\t{}\t{}\t{}\t{}",
                        harness::REV,
                        imp.name(),
                        run.decisions.len(),
                        vkt.shared,
                        vkt.excl,
                        vmt.shared + vmt.excl,
                        if names.is_empty() { "-".into() } else { names }
                    );
                }
            }
            let both: Vec<u64> = s.vkernel.iter().zip(&s.vmspace).map(|(a, b)| a + b).collect();
            println!(
                "{:<6} {:>3} {:>6} {:>5} | {:>14.2} {:>8} | {:>14.2} {:>8} | {:>14.2} {:>8} | {:>13.1} | {:>9.0}",
                imp.name(),
                n,
                s.runs,
                calls,
                mean(&s.vkernel),
                s.vkernel.iter().max().unwrap_or(&0),
                mean(&s.vmspace),
                s.vmspace.iter().max().unwrap_or(&0),
                mean(&both),
                both.iter().max().unwrap_or(&0),
                mean(&s.gets),
                mean(&s.decisions)
            );
            if !s.others.is_empty() {
                let o: Vec<String> =
                    s.others.iter().map(|(k, v)| format!("{k} {:.2}", *v as f64 / s.runs as f64)).collect();
                println!("{:>18} other tokens, waits per run: {}", "", o.join(", "));
            }
            for b in s.bad.iter().take(3) {
                println!("  CHECK FAILED {b}");
            }
            failed |= !s.bad.is_empty();
        }
    }
    if let Some(mut f) = tsv {
        let _ = f.flush();
    }
    println!(
        "contention: REV={} done in {:.1} s{}",
        harness::REV,
        start.elapsed().as_secs_f64(),
        if failed { ", with FAILED checks" } else { "" }
    );
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
