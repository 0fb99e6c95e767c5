//! The C original, run through the harness, creates and destroys a vmspace,
//! and refuses with EOPNOTSUPP while vkernel_enable is 0.

use harness::ffi::{EEXIST, ENOENT, EOPNOTSUPP};
use harness::{Impl, Step, World};

#[test]
fn c_original_creates_and_destroys_a_vmspace() {
    let mut w = World::new(1);
    w.new_proc_lwp(1);
    let id = 0x1000_0000;

    let o = w.run_step(Impl::C, &Step::Create { pid: 1, tid: 1, id, ty: 0, data: 0 });
    assert_eq!(o.fault, None);
    assert_eq!(o.ret, Some(0));
    let dump = o.dump.unwrap();
    assert!(dump.contains("vkp#0 refs=1"), "{dump}");
    // Each revision's counts for a new entry (tests/kern/README.md, "Revisions").
    let ve = match harness::REV {
        "d95d5e03dc" => "ve#0 id=0x10000000 refs=0x1 cache_refs=0 flags=0x0 vmspace=vmspace#1",
        "22b7a3dbf6" => "ve#0 id=0x10000000 refs=0x0 cache_refs=1 flags=0x0 vmspace=vmspace#1",
        _ => "ve#0 id=0x10000000 refs=0 flags=0x0 vmspace=vmspace#1",
    };
    assert!(dump.contains(ve), "{dump}");
    let max = harness::abi_const("VM_MAX_USER_ADDRESS").unwrap();
    let alloc = format!("vmspace_alloc(0x0, {max:#x}) = vmspace#1");
    assert!(o.trace.iter().any(|l| l.ends_with(&alloc)), "{:?}", o.trace);
    assert_eq!(w.vmspace_live(), 2);

    // The same id again: EEXIST, and the new vmspace is released again.
    let o = w.run_step(Impl::C, &Step::Create { pid: 1, tid: 1, id, ty: 0, data: 0 });
    assert_eq!(o.ret, Some(EEXIST as i64));
    assert_eq!(w.vmspace_live(), 2);

    let o = w.run_step(Impl::C, &Step::Destroy { pid: 1, tid: 1, id });
    assert_eq!(o.ret, Some(0), "{:?}", o.trace);
    assert!(!o.dump.as_ref().unwrap().contains("ve#0"), "{}", o.dump.unwrap());
    assert_eq!(w.vmspace_live(), 1);
    // Only the vkernel_proc is left.
    assert_eq!(w.kmem_live(), 1);

    let o = w.run_step(Impl::C, &Step::Destroy { pid: 1, tid: 1, id });
    assert_eq!(o.ret, Some(ENOENT as i64));

    // exit1() releases the vkernel_proc.
    let o = w.run_step(Impl::C, &Step::Exit { pid: 1, tid: 1 });
    assert!(o.called);
    assert_eq!(o.fault, None);
    assert_eq!(w.kmem_live(), 0);
    assert_eq!(w.vmspace_live(), 0);
}

#[test]
fn c_original_needs_vkernel_enable() {
    let mut w = World::new(1);
    w.new_proc_lwp(1);
    w.run_step(Impl::C, &Step::SetVkernelEnable(false));
    let o = w.run_step(Impl::C, &Step::Create { pid: 1, tid: 1, id: 0x1000, ty: 0, data: 0 });
    assert_eq!(o.ret, Some(EOPNOTSUPP as i64));
    assert!(o.trace.is_empty(), "{:?}", o.trace);
    assert_eq!(w.kmem_live(), 0);
    // syscall2() reports the error in rax with the carry flag set.
    let f = w.frame(1, 1);
    assert_eq!(f.tf_rax, EOPNOTSUPP as i64);
    assert_ne!(f.tf_rflags & harness::ffi::PSL_C as i64, 0);
}
