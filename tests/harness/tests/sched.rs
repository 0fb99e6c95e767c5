//! The schedule explorer and its invariant checks (harness::sched): that the
//! search finds what it must (planted races in toy kernel code, found with
//! one preemption and not without), that each check fires on the fault it
//! is for, that schedules replay exactly, and a bounded exploration of
//! every scenario on both implementations.

use core::ffi::{c_int, c_void};
use harness::ffi::{self, malloc_type};
use harness::sched::check::ViolationKind;
use harness::sched::explore::{Explorer, Outcome, RandomChooser, Strategy};
use harness::sched::{self, scenarios, Phase, Scenario, Schedule};
use harness::{Impl, Step, World};
use std::ptr::addr_of_mut;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering::SeqCst};

fn temp() -> *mut malloc_type {
    addr_of_mut!(ffi::M_TEMP) as *mut malloc_type
}

fn kernel(pid: i32, tid: i32, f: harness::KernelFn) -> Step {
    Step::Kernel { pid, tid, f, arg: 0 }
}

/// Process 1 with LWPs 1 and 2, then `phases`.
fn toy(name: &'static str, phases: Vec<Phase>) -> Scenario {
    let mut p = vec![
        Phase::Seq(Step::NewProc { pid: 1 }),
        Phase::Seq(Step::NewLwp { pid: 1, tid: 1 }),
        Phase::Seq(Step::NewLwp { pid: 1, tid: 2 }),
    ];
    p.extend(phases);
    Scenario { name, about: "test", ncpu: 2, phases: p, bound: 1 }
}

/// Runs a strategy and returns every new outcome.
fn explore(w: &mut World, sc: &Scenario, st: Strategy) -> (harness::sched::explore::Stats, Vec<Outcome>) {
    let mut ex = Explorer::new(w);
    let mut v = Vec::new();
    let stats = ex.explore(sc, &st, &mut |o: &Outcome| v.push(o.clone()));
    (stats, v)
}

fn has(o: &Outcome, kind: ViolationKind) -> bool {
    o.c.iter().any(|v| v.kind == kind)
}

// ---- a planted check-then-act race: frees a block "once" -----------------

static BLK: AtomicPtr<c_void> = AtomicPtr::new(std::ptr::null_mut());
static FREED: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn once_init(_: *mut c_void) -> c_int {
    // SAFETY: kernel code on a model thread.
    BLK.store(unsafe { ffi::kmalloc(32, temp(), ffi::M_WAITOK as c_int) }, SeqCst);
    FREED.store(0, SeqCst);
    0
}

/// The check and the free are separated by a point where the thread can
/// block: two threads can both pass the check.
unsafe extern "C" fn free_once(_: *mut c_void) -> c_int {
    if FREED.load(SeqCst) == 0 {
        // SAFETY: kernel code on a model thread.
        unsafe {
            ffi::model_may_block(c"toy".as_ptr());
            ffi::kfree(BLK.load(SeqCst), temp());
        }
        FREED.store(1, SeqCst);
    }
    0
}

fn free_once_scenario() -> Scenario {
    toy(
        "free-once",
        vec![Phase::Seq(kernel(1, 1, once_init)), Phase::Conc(vec![kernel(1, 1, free_once), kernel(1, 2, free_once)])],
    )
}

#[test]
fn the_planted_double_free_needs_exactly_one_preemption() {
    let mut w = World::new(1);
    let sc = free_once_scenario();

    // Without preemption: each thread runs alone, in either order.
    let (st, outs) = explore(&mut w, &sc, Strategy::Exhaustive { bound: 0, limit: 100 });
    assert_eq!(st.schedules, 2, "{outs:?}");
    assert!(st.complete);
    assert!(outs.iter().all(|o| o.c.is_empty()), "{outs:?}");

    // One preemption, at the blocking point, is enough.
    let (st, outs) = explore(&mut w, &sc, Strategy::Exhaustive { bound: 1, limit: 100 });
    assert!(st.complete);
    let bad: Vec<&Outcome> = outs.iter().filter(|o| has(o, ViolationKind::Misuse)).collect();
    assert!(!bad.is_empty(), "{outs:?}");
    assert!(bad[0].c[0].detail.contains("double free"), "{:?}", bad[0].c);
    assert_eq!(st.c_violations, bad.len());

    // The reproducer replays the double free.
    let r = sched::run_replay(&mut w, Impl::C, &sc, &bad[0].schedule);
    assert!(r.violations.iter().any(|v| v.detail.contains("double free")), "{:?}", r.violations);
    assert_eq!(r.mismatch, None);
}

#[test]
fn random_and_pct_schedules_find_the_planted_double_free() {
    let mut w = World::new(1);
    let sc = free_once_scenario();
    for st in [Strategy::Random { seed: 7, count: 100 }, Strategy::Pct { seed: 7, depth: 2, count: 100 }] {
        let (_, outs) = explore(&mut w, &sc, st.clone());
        assert!(outs.iter().any(|o| has(o, ViolationKind::Misuse)), "{st:?} missed it");
    }
}

// ---- a thread blocked on a token another thread frees ---------------------

static TOKBLK: AtomicPtr<c_void> = AtomicPtr::new(std::ptr::null_mut());

unsafe extern "C" fn tok_init(_: *mut c_void) -> c_int {
    // SAFETY: kernel code on a model thread.
    unsafe {
        let b =
            ffi::kmalloc(std::mem::size_of::<ffi::lwkt_token>() as _, temp(), (ffi::M_WAITOK | ffi::M_ZERO) as c_int);
        ffi::lwkt_token_init(b as ffi::lwkt_token_t, c"toy".as_ptr());
        TOKBLK.store(b, SeqCst);
    }
    0
}

unsafe extern "C" fn tok_hold_across_block(_: *mut c_void) -> c_int {
    let t = TOKBLK.load(SeqCst) as ffi::lwkt_token_t;
    // SAFETY: kernel code on a model thread.
    unsafe {
        ffi::lwkt_gettoken(t);
        ffi::model_may_block(c"toy".as_ptr());
        ffi::lwkt_reltoken(t);
    }
    0
}

unsafe extern "C" fn tok_free(_: *mut c_void) -> c_int {
    // SAFETY: kernel code on a model thread.
    unsafe { ffi::kfree(TOKBLK.load(SeqCst), temp()) };
    0
}

#[test]
fn a_token_freed_under_a_blocked_holder_is_a_use_after_free() {
    let mut w = World::new(1);
    let sc = toy(
        "token-freed",
        vec![
            Phase::Seq(kernel(1, 1, tok_init)),
            Phase::Conc(vec![kernel(1, 1, tok_hold_across_block), kernel(1, 2, tok_free)]),
        ],
    );
    let (_, outs) = explore(&mut w, &sc, Strategy::Exhaustive { bound: 1, limit: 100 });
    let uaf: Vec<&Outcome> = outs.iter().filter(|o| has(o, ViolationKind::UseAfterFree)).collect();
    assert!(!uaf.is_empty(), "{outs:?}");
    let d = &uaf[0].c.iter().find(|v| v.kind == ViolationKind::UseAfterFree).unwrap().detail;
    assert!(d.starts_with("step 5: model misuse: use after free: td#1.1 "), "{d}");
    assert!(d.contains(" kmem#0(freed) (stopped at "), "{d}");
}

// ---- each check on a fault planted in kernel code ---------------------------

extern "C" {
    fn c_vmspace_rb_tree_RB_FIND(
        head: *mut ffi::vmspace_rb_tree,
        elm: *mut ffi::vmspace_entry,
    ) -> *mut ffi::vmspace_entry;
}

fn vkp_of_1() -> *mut ffi::vkernel_proc {
    // SAFETY: process 1 exists in these scenarios.
    unsafe { (*ffi::model_proc_find(1)).p_vkernel }
}

unsafe extern "C" fn find_unlocked(_: *mut c_void) -> c_int {
    let mut key = ffi::vmspace_entry::default();
    // SAFETY: kernel code; the vkp is live.
    unsafe { c_vmspace_rb_tree_RB_FIND(&mut (*vkp_of_1()).root, &mut key) };
    0
}

unsafe extern "C" fn find_locked(_: *mut c_void) -> c_int {
    let vkp = vkp_of_1();
    let mut key = ffi::vmspace_entry::default();
    // SAFETY: kernel code; the vkp is live.
    unsafe {
        ffi::lwkt_gettoken(&mut (*vkp).token);
        c_vmspace_rb_tree_RB_FIND(&mut (*vkp).root, &mut key);
        ffi::lwkt_reltoken(&mut (*vkp).token);
    }
    0
}

unsafe extern "C" fn leak_ve_ref(_: *mut c_void) -> c_int {
    // SAFETY: kernel code; process 1 has one entry.
    unsafe { (*(*vkp_of_1()).root.rbh_root).refs += 1 };
    0
}

unsafe extern "C" fn drop_ve_ref(_: *mut c_void) -> c_int {
    // SAFETY: as above.
    unsafe { (*(*vkp_of_1()).root.rbh_root).refs -= 1 };
    0
}

unsafe extern "C" fn lose_vkp(_: *mut c_void) -> c_int {
    // SAFETY: kernel code; process 1 is live.
    unsafe { (*ffi::model_proc_find(1)).p_vkernel = std::ptr::null_mut() };
    0
}

unsafe extern "C" fn write_after_free(_: *mut c_void) -> c_int {
    // SAFETY: kernel code; the write after kfree is the fault planted.
    unsafe {
        let p = ffi::kmalloc(64, temp(), ffi::M_WAITOK as c_int) as *mut u64;
        ffi::kfree(p as *mut c_void, temp());
        std::ptr::write_volatile(p.add(3), 7);
    }
    0
}

/// Process 1 creates an entry with the C original, runs `f`, then exits.
fn with_entry(name: &'static str, f: harness::KernelFn) -> Scenario {
    let id = World::user_window().0 + 0x100;
    toy(
        name,
        vec![
            Phase::Seq(Step::Create { pid: 1, tid: 1, id, ty: 0, data: 0 }),
            Phase::Seq(kernel(1, 1, f)),
            Phase::Seq(Step::Exit { pid: 1, tid: 1 }),
        ],
    )
}

fn violations(w: &mut World, sc: &Scenario) -> Vec<harness::sched::check::Violation> {
    sched::run_replay(w, Impl::C, sc, &Schedule::default()).violations
}

#[test]
fn each_check_fires_on_its_fault() {
    let mut w = World::new(1);
    let cases: &[(&'static str, harness::KernelFn, ViolationKind, &str)] = &[
        ("find-unlocked", find_unlocked, ViolationKind::LockCheck, "RB_FIND without vkp->token"),
        ("leak-ve-ref", leak_ve_ref, ViolationKind::RefCount, "ve#0 refs=1 but 0 LWP(s) run in it"),
        ("drop-ve-ref", drop_ve_ref, ViolationKind::RefCount, "ve#0 refs=-1"),
        ("lose-vkp", lose_vkp, ViolationKind::Leak, "kmalloc vkernel: inuse=2"),
        ("write-after-free", write_after_free, ViolationKind::UseAfterFree, "kmem#0 (freed in step 5) was written"),
    ];
    for &(name, f, kind, text) in cases {
        let v = violations(&mut w, &with_entry(name, f));
        assert!(v.iter().any(|v| v.kind == kind && v.detail.contains(text)), "{name}: {v:?}");
    }
    // The same with the token held: nothing to report.
    assert_eq!(violations(&mut w, &with_entry("find-locked", find_locked)), vec![]);
}

#[cfg(feature = "port")]
extern "C" {
    /// The port's tree, generated by its C shim over the same model header.
    fn vmspace_rb_tree_RB_FIND(
        head: *mut ffi::vmspace_rb_tree,
        elm: *mut ffi::vmspace_entry,
    ) -> *mut ffi::vmspace_entry;
}

#[cfg(feature = "port")]
unsafe extern "C" fn port_find_unlocked(_: *mut c_void) -> c_int {
    let mut key = ffi::vmspace_entry::default();
    // SAFETY: kernel code; the vkp is live.
    unsafe { vmspace_rb_tree_RB_FIND(&mut (*vkp_of_1()).root, &mut key) };
    0
}

#[cfg(feature = "port")]
#[test]
fn the_lock_check_covers_the_ports_tree_too() {
    let mut w = World::new(1);
    let v = violations(&mut w, &with_entry("port-find-unlocked", port_find_unlocked));
    assert!(v.iter().any(|v| v.kind == ViolationKind::LockCheck), "{v:?}");
}

// ---- schedules ---------------------------------------------------------------

#[test]
fn schedules_print_parse_and_shrink() {
    assert_eq!(Schedule::parse("01.1 0").unwrap(), Schedule(vec![0, 1, 1, 0]));
    assert!(Schedule::parse("0x1").is_err());
    assert_eq!(Schedule(vec![0, 2, 1]).to_string(), "021");
    assert_eq!(Schedule::default().to_string(), "-");
    let d = |current, runnable: &[usize], chosen| sched::Decided { current, runnable: runnable.to_vec(), chosen };
    // The default-following tail goes; a switch away from a runnable thread stays.
    let ds = vec![d(None, &[0, 1], 0), d(Some(0), &[0, 1], 1), d(Some(1), &[1], 1), d(Some(1), &[0], 0)];
    assert_eq!(Schedule::minimal(&ds), Schedule(vec![0, 1]));
    assert!(ds[1].preempts(1) && !ds[3].preempts(0) && !ds[0].preempts(1));
}

#[test]
fn a_schedule_replays_the_same_run() {
    let mut w = World::new(1);
    let sc = scenarios::find("ctl-ctl-destroy").unwrap();
    for seed in 1..4 {
        let mut ch = RandomChooser { rng: harness::diff::gen::Rng::new(seed) };
        let a = sched::run(&mut w, Impl::C, &sc, &mut ch);
        let b = sched::run_replay(&mut w, Impl::C, &sc, &Schedule::minimal(&a.decisions));
        assert_eq!(a.decisions, b.decisions);
        assert_eq!(a.trace(), b.trace());
        assert_eq!(a.dump, b.dump);
        assert_eq!(b.mismatch, None);
    }
}

#[test]
fn the_create_race_reaches_the_losers_kfree() {
    let mut w = World::new(1);
    let sc = scenarios::find("create-race").unwrap();
    let (st, outs) = explore(&mut w, &sc, Strategy::Exhaustive { bound: 1, limit: 1000 });
    assert!(st.complete);
    // Some schedule has both threads past the p_vkernel check before either
    // publishes its vkernel_proc: the loser frees its copy.
    let lost =
        outs.iter().filter(|o| o.trace.iter().filter(|l| l.contains(" kmalloc(80, vkernel")).count() == 2).count();
    assert!(lost > 0 && lost < outs.len(), "{lost} of {}", outs.len());
    assert!(outs.iter().all(|o| o.c.is_empty()), "{outs:?}");
}

// ---- the C original against the port ------------------------------------------

#[cfg(feature = "port")]
#[test]
fn a_vmm_guest_in_its_guest_at_exit_is_the_allowed_divergence() {
    use harness::sched::Verdict;
    let mut w = World::new(1);
    let sc = scenarios::find("vmm-exit-in-guest").unwrap();
    let (_, outs) = explore(&mut w, &sc, Strategy::Exhaustive { bound: 1, limit: 1000 });
    assert!(!outs.is_empty());
    for o in &outs {
        assert!(
            matches!(o.verdict, Some(Verdict::Allowed(harness::diff::AllowedDivergence::TdVmmLwpExit, _))),
            "{o:?}"
        );
        assert!(o.port.is_empty(), "{o:?}");
        assert!(o.c.iter().any(|v| v.kind == ViolationKind::Panic && v.detail.contains("page fault")), "{o:?}");
    }
}

/// Every scenario, bounded: the C original and the port agree under every
/// schedule, and the port breaks no invariant.
#[cfg(feature = "port")]
#[test]
fn every_scenario_agrees_under_bounded_exploration() {
    use harness::sched::Verdict;
    let mut w = World::new(1);
    let mut total = 0;
    for sc in scenarios::scenarios() {
        let (st, outs) = explore(&mut w, &sc, Strategy::Exhaustive { bound: 1, limit: 150 });
        total += st.schedules;
        for o in &outs {
            if let Some(Verdict::Unexpected(d)) = &o.verdict {
                panic!("{} schedule {}: {d}", sc.name, o.schedule);
            }
            assert!(o.port.is_empty(), "{} schedule {}: {:?}", sc.name, o.schedule, o.port);
            if sc.name != "vmm-exit-in-guest" {
                assert!(o.c.is_empty(), "{} schedule {}: {:?}", sc.name, o.schedule, o.c);
            }
        }
    }
    assert!(total > 1000, "{total}");
}
