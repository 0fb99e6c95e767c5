//! The model's token-wait counting (tests/kern/model.h,
//! `model_contention_count`; docs/contention.md): off by default; on, one
//! wait per thread that wants a token another thread holds in a
//! conflicting mode, at lwkt_gettoken(_shared) or when a blocked thread
//! cannot get its tokens back; counted by the token's name.

use core::ffi::{c_int, c_void};
use harness::ffi::{self, lwkt_token, malloc_type};
use harness::{Decision, Impl, Step, ThreadState, World};
use std::collections::BTreeMap;
use std::ffi::CStr;
use std::ptr::addr_of_mut;

fn world() -> World {
    let mut w = World::new(2);
    w.new_proc(1);
    w.new_lwp(1, 1);
    w.new_lwp(1, 2);
    w
}

fn token(desc: &'static CStr) -> Box<lwkt_token> {
    // SAFETY: lwkt_token_init only writes the token.
    let mut t: Box<lwkt_token> = Box::new(unsafe { std::mem::zeroed() });
    unsafe { ffi::lwkt_token_init(&mut *t, desc.as_ptr()) };
    t
}

/// name -> (waits, lwkt_gettoken_shared calls, lwkt_gettoken calls).
fn counts() -> BTreeMap<String, (i64, i64, i64)> {
    let mut m = BTreeMap::new();
    for i in 0.. {
        let (mut d, mut n, mut sh, mut ex) = (std::ptr::null(), 0, 0, 0);
        // SAFETY: the model fills them; d is a token's static description.
        if unsafe { ffi::model_contention_get(i, &mut d, &mut n, &mut sh, &mut ex) } == 0 {
            break;
        }
        m.insert(unsafe { CStr::from_ptr(d) }.to_string_lossy().into_owned(), (n, sh, ex));
    }
    m
}

unsafe extern "C" fn excl_then_print(arg: *mut c_void) -> c_int {
    let t = arg as *mut lwkt_token;
    unsafe {
        ffi::lwkt_gettoken(t);
        ffi::kprintf(c"x\n".as_ptr());
        ffi::lwkt_reltoken(t);
    }
    1
}

unsafe extern "C" fn shared_then_print(arg: *mut c_void) -> c_int {
    let t = arg as *mut lwkt_token;
    unsafe {
        ffi::lwkt_gettoken_shared(t);
        ffi::kprintf(c"s\n".as_ptr());
        ffi::lwkt_reltoken(t);
    }
    2
}

unsafe extern "C" fn excl_and_block(arg: *mut c_void) -> c_int {
    let t = arg as *mut lwkt_token;
    unsafe {
        ffi::lwkt_gettoken(t);
        let p = ffi::kmalloc(16, addr_of_mut!(ffi::M_TEMP) as *mut malloc_type, ffi::M_WAITOK as c_int);
        ffi::kfree(p, addr_of_mut!(ffi::M_TEMP) as *mut malloc_type);
        ffi::lwkt_reltoken(t);
    }
    3
}

/// Thread 0 until it stops at kprintf holding the token, then thread 1,
/// then whatever can run.
fn first_holds(d: &Decision) -> usize {
    if d.runnable.contains(&0) && d.wheres[0] != "kprintf" {
        0
    } else if d.runnable.contains(&1) {
        1
    } else {
        harness::run_same_first(d)
    }
}

/// Two calls on threads 1.1 and 1.2 with counting on; the counts.
fn run_pair(
    w: &mut World,
    f0: harness::KernelFn,
    f1: harness::KernelFn,
    tok: &mut lwkt_token,
    on: bool,
) -> BTreeMap<String, (i64, i64, i64)> {
    let arg = tok as *mut lwkt_token as usize;
    // SAFETY: plain model setter.
    unsafe { ffi::model_contention_count(on as c_int) };
    let steps = [Step::Kernel { pid: 1, tid: 1, f: f0, arg }, Step::Kernel { pid: 1, tid: 2, f: f1, arg }];
    let o = w.run_concurrent(Impl::C, &steps, &mut first_holds);
    assert_eq!(o.fault, None, "{:?}", o.trace);
    let c = counts();
    unsafe { ffi::model_contention_count(0) };
    c
}

#[test]
fn counts_conflicting_requests_by_token_name_only_when_on() {
    // The world first: lwkt_token_init is kernel code.
    let mut w = world();
    let mut a = token(c"tokA");
    let tok_a = |c: (i64, i64, i64)| BTreeMap::from([("tokA".to_string(), c)]);
    // Exclusive vs. exclusive: one wait (two lwkt_gettoken calls).
    assert_eq!(run_pair(&mut w, excl_then_print, excl_then_print, &mut a, true), tok_a((1, 0, 2)));
    // Off: nothing counted.
    assert_eq!(run_pair(&mut w, excl_then_print, excl_then_print, &mut a, false), BTreeMap::new());
    // Shared vs. shared: no conflict.
    assert_eq!(run_pair(&mut w, shared_then_print, shared_then_print, &mut a, true), tok_a((0, 2, 0)));
    // Shared holder, exclusive request; exclusive holder, shared request.
    assert_eq!(run_pair(&mut w, shared_then_print, excl_then_print, &mut a, true), tok_a((1, 1, 1)));
    assert_eq!(run_pair(&mut w, excl_then_print, shared_then_print, &mut a, true), tok_a((1, 1, 1)));
}

#[test]
fn counts_a_blocked_thread_that_cannot_get_its_token_back_once() {
    let mut w = world();
    let mut a = token(c"tokA");
    let arg = &mut *a as *mut lwkt_token as usize;
    unsafe { ffi::model_contention_count(1) };
    // 1.1 takes tokA and blocks in kmalloc (giving it up); 1.2 takes it and
    // stops at kprintf holding it; 1.1 cannot resume: one wait, however
    // many decisions it stays unrunnable.
    let steps = [
        Step::Kernel { pid: 1, tid: 1, f: excl_and_block, arg },
        Step::Kernel { pid: 1, tid: 2, f: excl_then_print, arg },
    ];
    let mut unrunnable = 0;
    let mut choose = |d: &Decision| {
        if d.states[0] != ThreadState::Blocked && d.runnable.contains(&0) && d.states[1] == ThreadState::Ready {
            return 0;
        }
        if d.states[0] == ThreadState::Blocked && !d.runnable.contains(&0) {
            unrunnable += 1;
        }
        if d.runnable.contains(&1) {
            1
        } else {
            harness::run_same_first(d)
        }
    };
    let o = w.run_concurrent(Impl::C, &steps, &mut choose);
    assert_eq!(o.fault, None, "{:?}", o.trace);
    assert!(unrunnable >= 2, "1.1 was never kept waiting over several decisions: {:?}", o.schedule);
    assert_eq!(counts(), BTreeMap::from([("tokA".to_string(), (1, 0, 2))]));
    unsafe { ffi::model_contention_count(0) };
}
