//! Tests of the kernel model itself: LWKT tokens, blocking and switching,
//! deadlock detection, kmalloc checks, faults, user memory, and the
//! determinism of traces and dumps.  Kernel code written here runs on model
//! threads through Step::Kernel.

use core::ffi::{c_int, c_void};
use harness::ffi::{self, lock, lwkt_token, malloc_type};
use harness::{Decision, FaultKind, Impl, Step, ThreadState, World};
use std::ptr::{addr_of_mut, null_mut};

/// Runs `f(arg)` on LWP (1, 1) of a fresh world.
fn run1(w: &mut World, f: harness::KernelFn, arg: *mut c_void) -> harness::StepOutcome {
    w.run_step(Impl::C, &Step::Kernel { pid: 1, tid: 1, f, arg: arg as usize })
}

fn world1() -> World {
    let mut w = World::new(2);
    w.new_proc(1);
    w.new_lwp(1, 1);
    w.new_lwp(1, 2);
    w
}

/// A chooser that follows `script` (indices), then keeps the current thread.
fn scripted(script: Vec<usize>) -> impl FnMut(&Decision) -> usize {
    let mut i = 0;
    move |d: &Decision| {
        let pick = if i < script.len() { script[i] } else { harness::run_same_first(d) };
        i += 1;
        if d.runnable.contains(&pick) {
            pick
        } else {
            harness::run_same_first(d)
        }
    }
}

struct Toks {
    a: lwkt_token,
    b: lwkt_token,
}

fn toks() -> Box<Toks> {
    // SAFETY: lwkt_token_init only writes the token.
    let mut t: Box<Toks> = Box::new(unsafe { std::mem::zeroed() });
    unsafe {
        ffi::lwkt_token_init(&mut t.a, c"tokA".as_ptr());
        ffi::lwkt_token_init(&mut t.b, c"tokB".as_ptr());
    }
    t
}

// ---- tokens ---------------------------------------------------------------

unsafe extern "C" fn recursive(arg: *mut c_void) -> c_int {
    let t = arg as *mut Toks;
    unsafe {
        ffi::lwkt_gettoken(&mut (*t).a);
        ffi::lwkt_gettoken(&mut (*t).b);
        ffi::lwkt_gettoken(&mut (*t).a);
        let held = (!(*t).a.t_ref.is_null()) as c_int;
        ffi::lwkt_reltoken(&mut (*t).a);
        // The outer reference still owns tokA.
        let still = (!(*t).a.t_ref.is_null()) as c_int;
        ffi::lwkt_reltoken(&mut (*t).b);
        ffi::lwkt_reltoken(&mut (*t).a);
        let free = (*t).a.t_ref.is_null() as c_int;
        held * 100 + still * 10 + free
    }
}

#[test]
fn tokens_nest_and_recurse() {
    let mut w = world1();
    let mut t = toks();
    let o = run1(&mut w, recursive, &mut *t as *mut Toks as *mut c_void);
    assert_eq!(o.fault, None);
    assert_eq!(o.ret, Some(111));
    assert_eq!(o.trace.len(), 6);
    assert!(o.trace[0].starts_with("td#1.1 lwkt_gettoken("), "{:?}", o.trace);
}

unsafe extern "C" fn out_of_order(arg: *mut c_void) -> c_int {
    let t = arg as *mut Toks;
    unsafe {
        ffi::lwkt_gettoken(&mut (*t).a);
        ffi::lwkt_gettoken(&mut (*t).b);
        ffi::lwkt_reltoken(&mut (*t).a);
    }
    0
}

unsafe extern "C" fn release_unheld(arg: *mut c_void) -> c_int {
    unsafe { ffi::lwkt_reltoken(&mut (*(arg as *mut Toks)).a) };
    0
}

unsafe extern "C" fn return_holding(arg: *mut c_void) -> c_int {
    unsafe { ffi::lwkt_gettoken(&mut (*(arg as *mut Toks)).b) };
    0
}

#[test]
fn token_misuse_is_reported_with_step_and_call() {
    let mut w = world1();
    let mut t = toks();
    let arg = &mut *t as *mut Toks as *mut c_void;
    let o = run1(&mut w, out_of_order, arg);
    let f = o.fault.expect("out-of-order release must fail");
    assert_eq!(f.kind, FaultKind::Misuse);
    assert!(f.message.starts_with("step 1: model misuse in kernel code: lwkt_reltoken("), "{}", f.message);
    assert!(f.message.contains("reverse order"), "{}", f.message);
    // The runner survives; the world refuses further steps.
    let o = run1(&mut w, recursive, arg);
    assert_eq!(o.ret, None);
    assert!(o.fault.is_some());

    drop(w);
    let mut w = world1();
    let mut t = toks();
    let o = run1(&mut w, release_unheld, &mut *t as *mut Toks as *mut c_void);
    assert!(o.fault.unwrap().message.contains("token not held"));

    drop(w);
    let mut w = world1();
    let mut t = toks();
    let o = run1(&mut w, return_holding, &mut *t as *mut Toks as *mut c_void);
    let f = o.fault.unwrap();
    assert_eq!(f.kind, FaultKind::Misuse);
    assert!(f.message.contains("returned on td#1.1 holding token(s):"), "{}", f.message);
}

unsafe extern "C" fn hold_a_then_print(arg: *mut c_void) -> c_int {
    let t = arg as *mut Toks;
    unsafe {
        ffi::lwkt_gettoken(&mut (*t).a);
        ffi::kprintf(c"holding\n".as_ptr());
        ffi::lwkt_reltoken(&mut (*t).a);
    }
    0
}

#[test]
fn token_released_by_a_non_holder_is_misuse() {
    let mut w = world1();
    let mut t = toks();
    let arg = &mut *t as *mut Toks as usize;
    let steps = [
        Step::Kernel { pid: 1, tid: 1, f: hold_a_then_print, arg },
        Step::Kernel { pid: 1, tid: 2, f: release_unheld, arg },
    ];
    // t0 to its gettoken, takes tokA and stops at kprintf; then t1.
    let o = w.run_concurrent(Impl::C, &steps, &mut scripted(vec![0, 0, 1, 1]));
    let f = o.fault.unwrap();
    assert_eq!(f.kind, FaultKind::Misuse);
    assert!(f.message.contains("held by td#1.1, not by the releasing thread"), "{}", f.message);
}

unsafe extern "C" fn hold_a_and_block(arg: *mut c_void) -> c_int {
    let t = arg as *mut Toks;
    unsafe {
        ffi::lwkt_gettoken(&mut (*t).a);
        let p = ffi::kmalloc(16, addr_of_mut!(ffi::M_TEMP) as *mut malloc_type, ffi::M_WAITOK as c_int);
        // The token is ours again after blocking.
        let mine = (!(*t).a.t_ref.is_null()) as c_int;
        ffi::kfree(p, addr_of_mut!(ffi::M_TEMP) as *mut malloc_type);
        ffi::lwkt_reltoken(&mut (*t).a);
        mine
    }
}

unsafe extern "C" fn take_a(arg: *mut c_void) -> c_int {
    let t = arg as *mut Toks;
    unsafe {
        ffi::lwkt_gettoken(&mut (*t).a);
        ffi::lwkt_reltoken(&mut (*t).a);
    }
    7
}

#[test]
fn a_blocked_thread_gives_up_its_tokens() {
    let mut w = world1();
    let mut t = toks();
    w.name_object(&t.a, "tokA");
    w.name_object(&t.b, "tokB");
    let arg = &mut *t as *mut Toks as usize;
    let steps =
        [Step::Kernel { pid: 1, tid: 1, f: hold_a_and_block, arg }, Step::Kernel { pid: 1, tid: 2, f: take_a, arg }];
    let mut seen_blocked = false;
    // t0: start, take tokA, stop at kmalloc, block in it; then t1.
    let mut inner = scripted(vec![0, 0, 0, 1, 1, 1, 1, 1]);
    let mut choose = |d: &Decision| {
        if d.states[0] == ThreadState::Blocked {
            seen_blocked = true;
        }
        inner(d)
    };
    let o = w.run_concurrent(Impl::C, &steps, &mut choose);
    assert!(seen_blocked, "{:?}", o.schedule);
    assert_eq!(o.fault, None, "{:?}", o.trace);
    assert_eq!(o.calls[0].ret, Some(1));
    assert_eq!(o.calls[1].ret, Some(7));
    // t1 took tokA while t0 was blocked in kmalloc holding it.
    let pos = |s: &str| o.trace.iter().position(|l| l == s).unwrap_or_else(|| panic!("{s}: {:?}", o.trace));
    assert!(pos("td#1.2 lwkt_reltoken(tokA)") < pos("td#1.1 kmalloc(16, temp, M_WAITOK) = kmem#0"), "{:?}", o.trace);
    assert!(pos("td#1.1 lwkt_gettoken(tokA)") < pos("td#1.2 lwkt_gettoken(tokA)"));
}

#[test]
fn a_contended_token_waits_for_its_holder() {
    let mut w = world1();
    let mut t = toks();
    let arg = &mut *t as *mut Toks as usize;
    let steps =
        [Step::Kernel { pid: 1, tid: 1, f: hold_a_then_print, arg }, Step::Kernel { pid: 1, tid: 2, f: take_a, arg }];
    let mut waited = false;
    let mut inner = scripted(vec![0, 0, 1, 1]);
    let mut choose = |d: &Decision| {
        if d.states[1] == ThreadState::TokenWait && d.states[0] == ThreadState::Preempted {
            // Not runnable while td#1.1 (preempted) holds tokA.
            assert!(!d.runnable.contains(&1));
            assert!(d.wheres[1].contains("held by td#1.1"), "{}", d.wheres[1]);
            waited = true;
        }
        inner(d)
    };
    let o = w.run_concurrent(Impl::C, &steps, &mut choose);
    assert_eq!(o.fault, None);
    assert_eq!(o.calls[1].ret, Some(7));
    assert!(waited, "td#1.2 never waited: {:?}", o.schedule);
}

// ---- shared tokens (lwkt_gettoken_shared), atomic switch points ----------

unsafe extern "C" fn share_a_then_print(arg: *mut c_void) -> c_int {
    let t = arg as *mut Toks;
    unsafe {
        ffi::lwkt_gettoken_shared(&mut (*t).a);
        ffi::kprintf(c"sharing\n".as_ptr());
        ffi::lwkt_reltoken(&mut (*t).a);
    }
    3
}

#[test]
fn shared_tokens_have_many_holders_or_one_exclusive() {
    let mut w = world1();
    let mut t = toks();
    w.name_object(&t.a, "tokA");
    let arg = &mut *t as *mut Toks as usize;
    // Two shared holders at once: t0 stops at kprintf holding tokA shared,
    // t1 takes it shared without waiting.
    let steps = [
        Step::Kernel { pid: 1, tid: 1, f: share_a_then_print, arg },
        Step::Kernel { pid: 1, tid: 2, f: share_a_then_print, arg },
    ];
    let mut both = false;
    let mut inner = scripted(vec![0, 0, 1, 1, 1]);
    let mut choose = |d: &Decision| {
        if d.states[0] == ThreadState::Preempted && d.states[1] == ThreadState::Preempted && d.wheres[1] == "kprintf" {
            both = true;
        }
        inner(d)
    };
    let o = w.run_concurrent(Impl::C, &steps, &mut choose);
    assert_eq!(o.fault, None, "{:?}", o.trace);
    assert!(both, "both never held tokA shared at once: {:?}", o.trace);
    assert_eq!((o.calls[0].ret, o.calls[1].ret), (Some(3), Some(3)));
    assert_eq!(t.a.t_count, 0, "every shared count returned");

    // An exclusive request waits for the shared holder.
    let steps =
        [Step::Kernel { pid: 1, tid: 1, f: share_a_then_print, arg }, Step::Kernel { pid: 1, tid: 2, f: take_a, arg }];
    let mut waited = false;
    let mut inner = scripted(vec![0, 0, 1, 1]);
    let mut choose = |d: &Decision| {
        if d.states[1] == ThreadState::TokenWait && d.states[0] == ThreadState::Preempted {
            assert!(!d.runnable.contains(&1));
            assert!(d.wheres[1].contains("held by shared(1)"), "{}", d.wheres[1]);
            waited = true;
        }
        inner(d)
    };
    let o = w.run_concurrent(Impl::C, &steps, &mut choose);
    assert_eq!(o.fault, None, "{:?}", o.trace);
    assert!(waited, "the exclusive request never waited: {:?}", o.schedule);
    let pos = |s: &str| o.trace.iter().position(|l| l == s).unwrap_or_else(|| panic!("{s}: {:?}", o.trace));
    assert!(pos("td#1.1 lwkt_reltoken(tokA)") < pos("td#1.2 lwkt_gettoken(tokA)"));
}

unsafe extern "C" fn shared_then_exclusive(arg: *mut c_void) -> c_int {
    let t = arg as *mut Toks;
    unsafe {
        ffi::lwkt_gettoken_shared(&mut (*t).a);
        ffi::lwkt_gettoken(&mut (*t).a);
    }
    0
}

unsafe extern "C" fn exclusive_then_shared(arg: *mut c_void) -> c_int {
    let t = arg as *mut Toks;
    unsafe {
        ffi::lwkt_gettoken(&mut (*t).a);
        ffi::lwkt_gettoken_shared(&mut (*t).a);
        // Blocking gives both up and retakes both.
        let p = ffi::kmalloc(16, addr_of_mut!(ffi::M_TEMP) as *mut malloc_type, ffi::M_WAITOK as c_int);
        ffi::kfree(p, addr_of_mut!(ffi::M_TEMP) as *mut malloc_type);
        let mine = (!(*t).a.t_ref.is_null()) as c_int;
        ffi::lwkt_reltoken(&mut (*t).a);
        ffi::lwkt_reltoken(&mut (*t).a);
        mine * 10 + (*t).a.t_ref.is_null() as c_int
    }
}

#[test]
fn shared_then_exclusive_is_a_livelock_panic_exclusive_then_shared_is_fine() {
    let mut w = world1();
    let mut t = toks();
    w.name_object(&t.a, "tokA");
    let arg = &mut *t as *mut Toks as *mut c_void;
    let o = run1(&mut w, shared_then_exclusive, arg);
    let f = o.fault.expect("shared then exclusive must panic");
    assert_eq!(f.kind, FaultKind::Panic);
    assert!(f.message.contains("Token tokA s/x livelock"), "{}", f.message);

    drop(w);
    let mut w = world1();
    let mut t = toks();
    let arg = &mut *t as *mut Toks as *mut c_void;
    let o = run1(&mut w, exclusive_then_shared, arg);
    assert_eq!(o.fault, None, "{:?}", o.trace);
    assert_eq!(o.ret, Some(11));
    assert_eq!(t.a.t_count, 0);
}

unsafe extern "C" fn two_atomic_points(arg: *mut c_void) -> c_int {
    unsafe {
        ffi::model_atomic_point(c"atomic_add_int".as_ptr(), arg);
        ffi::model_atomic_point(c"atomic_fetchadd_int".as_ptr(), arg);
    }
    5
}

#[test]
fn atomic_operations_are_untraced_preemption_points() {
    let mut w = world1();
    let mut x: u32 = 0;
    w.name_object(&x, "x");
    let arg = &mut x as *mut u32 as usize;
    let steps = [
        Step::Kernel { pid: 1, tid: 1, f: two_atomic_points, arg },
        Step::Kernel { pid: 1, tid: 2, f: two_atomic_points, arg },
    ];
    let mut wheres = Vec::new();
    let mut choose = |d: &Decision| {
        wheres.push(d.wheres[0].clone());
        harness::run_same_first(d)
    };
    let o = w.run_concurrent(Impl::C, &steps, &mut choose);
    assert_eq!(o.fault, None);
    assert!(wheres.iter().any(|w| w == "atomic_add_int(x)"), "{wheres:?}");
    assert!(wheres.iter().any(|w| w == "atomic_fetchadd_int(x)"), "{wheres:?}");
    assert!(o.trace.is_empty(), "atomics are not traced: {:?}", o.trace);
    // Turned off, the same calls never stop there.
    unsafe { ffi::model_set_atomic_points(0) };
    let mut stops = 0;
    let o = w.run_concurrent(Impl::C, &steps, &mut |d: &Decision| {
        stops += d.wheres.iter().filter(|w| w.starts_with("atomic_")).count();
        harness::run_same_first(d)
    });
    unsafe { ffi::model_set_atomic_points(1) };
    assert_eq!(o.fault, None);
    assert_eq!(stops, 0);
}

struct Locks {
    l1: lock,
    l2: lock,
}

unsafe extern "C" fn lock12(arg: *mut c_void) -> c_int {
    let l = arg as *mut Locks;
    unsafe {
        ffi::lockmgr(&mut (*l).l1, ffi::LK_EXCLUSIVE);
        ffi::lockmgr(&mut (*l).l2, ffi::LK_EXCLUSIVE);
        ffi::lockmgr(&mut (*l).l2, ffi::LK_RELEASE);
        ffi::lockmgr(&mut (*l).l1, ffi::LK_RELEASE);
    }
    0
}

unsafe extern "C" fn lock21(arg: *mut c_void) -> c_int {
    let l = arg as *mut Locks;
    unsafe {
        ffi::lockmgr(&mut (*l).l2, ffi::LK_EXCLUSIVE);
        ffi::lockmgr(&mut (*l).l1, ffi::LK_EXCLUSIVE);
        ffi::lockmgr(&mut (*l).l1, ffi::LK_RELEASE);
        ffi::lockmgr(&mut (*l).l2, ffi::LK_RELEASE);
    }
    0
}

#[test]
fn a_lock_order_deadlock_is_detected() {
    let mut w = world1();
    // SAFETY: lockinit writes the locks.
    let mut l: Box<Locks> = Box::new(unsafe { std::mem::zeroed() });
    unsafe {
        ffi::lockinit(&mut l.l1, c"l1".as_ptr(), 0, 0);
        ffi::lockinit(&mut l.l2, c"l2".as_ptr(), 0, 0);
    }
    let arg = &mut *l as *mut Locks as usize;
    let steps = [Step::Kernel { pid: 1, tid: 1, f: lock12, arg }, Step::Kernel { pid: 1, tid: 2, f: lock21, arg }];
    // Each takes its first lock, then wants the other's.
    let o = w.run_concurrent(Impl::C, &steps, &mut scripted(vec![0, 0, 1, 1, 0, 1]));
    let f = o.fault.expect("deadlock");
    assert_eq!(f.kind, FaultKind::Deadlock);
    assert!(f.message.contains("td#1.1 waits at lock l2 (exclusive)"), "{}", f.message);
    assert!(f.message.contains("td#1.2 waits at lock l1 (exclusive)"), "{}", f.message);

    // The other order of events completes.
    drop(w);
    let mut w = world1();
    // SAFETY: lockinit writes the locks.
    unsafe {
        ffi::lockinit(&mut l.l1, c"l1".as_ptr(), 0, 0);
        ffi::lockinit(&mut l.l2, c"l2".as_ptr(), 0, 0);
    }
    let o = w.run_concurrent(Impl::C, &steps, &mut harness::run_same_first);
    assert_eq!(o.fault, None);
}

// ---- kmalloc ----------------------------------------------------------------

unsafe extern "C" fn alloc_pattern(_: *mut c_void) -> c_int {
    let t = addr_of_mut!(ffi::M_TEMP) as *mut malloc_type;
    unsafe {
        let z = ffi::kmalloc(8, t, (ffi::M_WAITOK | ffi::M_ZERO) as c_int) as *mut u8;
        let g = ffi::kmalloc(8, t, ffi::M_WAITOK as c_int) as *mut u8;
        let r = (*z as c_int) << 8 | *g as c_int;
        ffi::kfree(z as *mut c_void, t);
        r
    }
}

#[test]
fn kmalloc_zeroes_only_with_m_zero_and_accounts_per_type() {
    let mut w = world1();
    let o = run1(&mut w, alloc_pattern, null_mut());
    assert_eq!(o.ret, Some(0xa5));
    assert_eq!(w.kmem_live(), 1);
    let dump = o.dump.unwrap();
    assert!(dump.contains("kmalloc temp: inuse=1 bytes=8 calls=2 frees=1"), "{dump}");
    assert!(dump.contains("kmem live: kmem#1(8,temp)"), "{dump}");
}

unsafe extern "C" fn double_free(_: *mut c_void) -> c_int {
    let t = addr_of_mut!(ffi::M_TEMP) as *mut malloc_type;
    unsafe {
        // The size of a vmspace_entry (56 at c2e7bb204e): named ve#0.
        let p = ffi::kmalloc(std::mem::size_of::<ffi::vmspace_entry>() as _, t, ffi::M_WAITOK as c_int);
        ffi::kfree(p, t);
        ffi::kfree(p, t);
    }
    0
}

unsafe extern "C" fn free_unknown(_: *mut c_void) -> c_int {
    let mut x = 0u64;
    unsafe { ffi::kfree(&mut x as *mut u64 as *mut c_void, addr_of_mut!(ffi::M_TEMP) as *mut malloc_type) };
    0
}

unsafe extern "C" fn free_wrong_type(arg: *mut c_void) -> c_int {
    unsafe {
        let p = ffi::kmalloc(8, addr_of_mut!(ffi::M_TEMP) as *mut malloc_type, ffi::M_WAITOK as c_int);
        ffi::kfree(p, arg as *mut malloc_type);
    }
    0
}

#[test]
fn kfree_misuse_is_reported() {
    let mut w = world1();
    let f = run1(&mut w, double_free, null_mut()).fault.unwrap();
    assert_eq!(f.kind, FaultKind::Misuse);
    assert_eq!(f.message, "step 1: model misuse in kernel code: kfree(ve#0, temp): double free (freed in step 1)");

    drop(w);
    let mut w = world1();
    let f = run1(&mut w, free_unknown, null_mut()).fault.unwrap();
    assert!(f.message.ends_with("kfree(?, temp): not a kmalloc block"), "{}", f.message);

    drop(w);
    let mut w = world1();
    // A second malloc_type object with the same magic: a different type.
    let mut other: Box<malloc_type> = Box::default();
    other.ks_magic = ffi::M_MAGIC;
    other.ks_shortdesc = c"temp".as_ptr();
    let f = run1(&mut w, free_wrong_type, &mut *other as *mut malloc_type as *mut c_void).fault.unwrap();
    assert!(f.message.contains("a different malloc_type"), "{}", f.message);
}

// ---- faults --------------------------------------------------------------

unsafe extern "C" fn do_panic(_: *mut c_void) -> c_int {
    unsafe { ffi::panic(c"vm is %d".as_ptr(), 42 as c_int) };
}

unsafe extern "C" fn deref_user(arg: *mut c_void) -> c_int {
    unsafe { std::ptr::read_volatile(arg as *const c_int) }
}

#[test]
fn panics_and_kernel_page_faults_end_the_step_not_the_runner() {
    let mut w = world1();
    let o = run1(&mut w, do_panic, null_mut());
    assert_eq!(o.panic(), Some("step 1: panic in kernel code: vm is 42"));
    assert_eq!(o.ret, None);
    assert_eq!(o.trace.last().unwrap(), "td#1.1 panic: vm is 42");
    assert!(o.dump.unwrap().starts_with("world: step 1: panic"));

    let (base, size) = World::user_window();
    assert!(size > 0, "the user window could not be reserved");
    drop(w);
    let mut w = world1();
    let o = run1(&mut w, deref_user, (base + 0x1000) as *mut c_void);
    let p = o.panic().unwrap();
    assert!(
        p.contains(&format!("fault virtual address = 0x{:x} (user address dereferenced directly)", base + 0x1000)),
        "{p}"
    );
    // A new world works normally.
    drop(w);
    let mut w = world1();
    assert_eq!(run1(&mut w, alloc_pattern, null_mut()).fault, None);
}

// ---- user memory -----------------------------------------------------------

struct Copy {
    uaddr: u64,
    buf: [u8; 8],
    len: usize,
}

unsafe extern "C" fn do_copyin(arg: *mut c_void) -> c_int {
    let c = arg as *mut Copy;
    unsafe { ffi::copyin((*c).uaddr as *const c_void, (*c).buf.as_mut_ptr() as *mut c_void, (*c).len) }
}

unsafe extern "C" fn do_copyout(arg: *mut c_void) -> c_int {
    let c = arg as *mut Copy;
    unsafe { ffi::copyout((*c).buf.as_ptr() as *const c_void, (*c).uaddr as *mut c_void, (*c).len) }
}

#[test]
fn copyin_and_copyout_use_the_lwps_user_memory() {
    let (base, _) = World::user_window();
    let mut w = world1();
    w.user_map(1, base, 0x1000, (ffi::PROT_READ | ffi::PROT_WRITE) as i32).unwrap();
    w.user_map(1, base + 0x1000, 0x1000, ffi::PROT_READ as i32).unwrap();
    w.user_write(1, base + 0xffc, &[1, 2, 3, 4, 5, 6, 7, 8]).unwrap();

    let c: *mut Copy = Box::into_raw(Box::new(Copy { uaddr: base + 0xffc, buf: [0; 8], len: 8 }));
    let arg = c as *mut c_void;
    // SAFETY (this test): c is only used through this raw pointer.
    let c = unsafe { &mut *c };
    // Across two regions.
    assert_eq!(run1(&mut w, do_copyin, arg).ret, Some(0));
    assert_eq!(c.buf, [1, 2, 3, 4, 5, 6, 7, 8]);
    // Writing into the read-only region faults after the writable part.
    c.buf = [9; 8];
    let o = run1(&mut w, do_copyout, arg);
    assert_eq!(o.ret, Some(ffi::EFAULT as i64));
    assert_eq!(o.trace, vec![format!("td#1.1 copyout(?, 0x{:x}, 8) = EFAULT", base + 0xffc)]);
    assert_eq!(w.user_read(1, base + 0xffc, 8).unwrap(), vec![9, 9, 9, 9, 5, 6, 7, 8]);
    // Injected fault: the bytes before it are copied.
    w.user_fault(1, base + 0xffe, 1, true);
    c.buf = [0; 8];
    assert_eq!(run1(&mut w, do_copyin, arg).ret, Some(ffi::EFAULT as i64));
    assert_eq!(c.buf, [9, 9, 0, 0, 0, 0, 0, 0]);
    w.user_fault(1, base + 0xffe, 1, false);
    assert_eq!(run1(&mut w, do_copyin, arg).ret, Some(0));
    // Unmapped, and beyond the user address space.
    c.uaddr = base + 0x5000;
    assert_eq!(run1(&mut w, do_copyin, arg).ret, Some(ffi::EFAULT as i64));
    c.uaddr = u64::MAX - 3;
    assert_eq!(run1(&mut w, do_copyin, arg).ret, Some(ffi::EFAULT as i64));
}

// ---- determinism and tracing ------------------------------------------------

fn scenario(w: &mut World) -> (Vec<String>, String) {
    let (base, _) = World::user_window();
    w.new_proc_lwp(3);
    let mut trace = Vec::new();
    for s in [
        Step::Create { pid: 3, tid: 1, id: base, ty: 0, data: 0 },
        Step::Mmap {
            pid: 3,
            tid: 1,
            id: base,
            addr: 0,
            len: 0x10000,
            prot: 3,
            flags: (ffi::MAP_ANON | ffi::MAP_VPAGETABLE) as i32,
            fd: -1,
            offset: 0,
        },
        Step::Create { pid: 3, tid: 1, id: base + 8, ty: 0, data: 0 },
        Step::Fork { pid: 3, tid: 1, child: 4, child_tid: 1 },
        Step::Exit { pid: 3, tid: 1 },
    ] {
        trace.extend(w.run_step(Impl::C, &s).trace);
    }
    (trace, w.dump())
}

#[test]
fn same_calls_give_the_same_trace_and_dump() {
    let (t1, d1) = scenario(&mut world1());
    let (t2, d2) = scenario(&mut world1());
    assert_eq!(t1, t2);
    assert_eq!(d1, d2);
    assert!(d1.contains("vkp#0 refs=1"), "{d1}"); // the child still holds it
    assert!(!t1.iter().any(|l| l.contains('?')), "unnamed pointer: {t1:?}");

    let mut w = world1();
    w.set_tracing(false);
    let (t3, d3) = scenario(&mut w);
    assert!(t3.is_empty());
    assert_eq!(d3, d1);
}
