//! The C original through the harness, on paths that exercise the model:
//! vmspace_ctl/vkernel_trap context switching with user memory, the
//! restore-on-error path, vmspace_mmap/munmap/mcontrol error returns, exit
//! with active VMSPACEs, the td_vmm defect, and an SMP race in create.

use harness::ffi::{self, trapframe};
use harness::{Decision, Impl, Step, World, EJUSTRETURN};

const RUN: i32 = ffi::VMSPACE_CTL_RUN as i32;

fn bytes<T: Copy>(v: &T) -> Vec<u8> {
    // SAFETY: T is a plain C structure; we copy its bytes.
    unsafe { std::slice::from_raw_parts(v as *const T as *const u8, std::mem::size_of::<T>()) }.to_vec()
}

fn guest_frame() -> trapframe {
    trapframe {
        tf_rip: 0x4000_1000,
        tf_rsp: 0x7fff_0000,
        tf_rax: 5,
        tf_cs: 0, // a kernel selector: must be replaced
        tf_ss: 0,
        tf_rflags: 0xffff_ffff, // every bit: only user-changeable ones stay
        ..Default::default()
    }
}

/// pid 1 with user memory: tframe at ua+0x1000, vframe at ua+0x2000.
fn setup(w: &mut World) -> (u64, u64, u64) {
    let (ua, _) = World::user_window();
    w.new_proc(1);
    w.new_lwp(1, 1);
    w.new_lwp(1, 2);
    w.user_map(1, ua, 0x4000, (ffi::PROT_READ | ffi::PROT_WRITE) as i32).unwrap();
    w.user_write(1, ua + 0x1000, &bytes(&guest_frame())).unwrap();
    let mut vx = ffi::vextframe::default();
    vx.vx_tls.info[0].base = 0x1111 as *mut _;
    vx.vx_tls.info[1].base = 0x2222 as *mut _;
    w.user_write(1, ua + 0x2000, &bytes(&vx)).unwrap();
    let k = trapframe { tf_rip: 0xaaaa, tf_rdx: 0x77, tf_rflags: 0x202, ..Default::default() };
    w.set_frame(1, 1, &k);
    (ua, ua + 0x1000, ua + 0x2000)
}

#[test]
fn ctl_runs_the_guest_context_and_trap_returns_to_the_vkernel() {
    let mut w = World::new(1);
    let (ua, tf, vf) = setup(&mut w);
    let k = w.frame(1, 1);
    assert_eq!(w.run_step(Impl::C, &Step::Create { pid: 1, tid: 1, id: ua, ty: 0, data: 0 }).ret, Some(0));

    let o = w.run_step(Impl::C, &Step::Ctl { pid: 1, tid: 1, id: ua, cmd: RUN, tframe: tf, vframe: vf });
    assert_eq!(o.ret, Some(EJUSTRETURN), "{:?}", o.trace);
    // The guest frame, sanitised as pc64 does.
    let f = w.frame(1, 1);
    assert_eq!((f.tf_rip, f.tf_rsp, f.tf_rax), (0x4000_1000, 0x7fff_0000, 5));
    assert_eq!(f.tf_cs, harness::abi_const("GSEL_GUCODE_SEL_SEL_UPL").unwrap());
    assert_eq!(f.tf_ss, harness::abi_const("GSEL_GUDATA_SEL_SEL_UPL").unwrap());
    let keep = (ffi::PSL_RF | ffi::PSL_USERCHANGE | ffi::PSL_VM_UNSUPP) as i64;
    assert_eq!(f.tf_rflags, (0xffff_ffff & keep) | (ffi::PSL_RESERVED_DEFAULT | ffi::PSL_I) as i64);
    let tls = w.tls(1, 1);
    assert_eq!(tls.info[0].base as u64, 0x1111);
    let dump = o.dump.unwrap();
    assert!(dump.contains(&format!("ve#0 id=0x{ua:x} refs=1")), "{dump}");
    assert!(dump.contains("lwp#1.1 lwp_vmspace=vmspace#1 lwp_vkernel=vklp#0"), "{dump}");
    assert!(dump.contains("pcb_fsbase=0x1111 pcb_gsbase=0x2222"), "{dump}");
    assert!(dump.contains(&format!("vklp#0 ve=ve#0 user_trapframe=0x{tf:x}")), "{dump}");
    assert!(dump.contains("save_trapframe: rdi=0x0 rsi=0x0 rdx=0x77"), "{dump}");

    // The guest traps: its frame goes back to the vkernel's memory.
    let t = trapframe { tf_rip: 0x5555, tf_trapno: 14, ..w.frame(1, 1) };
    let o = w.run_step(Impl::C, &Step::Trap { pid: 1, tid: 1, frame: Some(t) });
    assert!(o.called);
    assert_eq!(w.user_read(1, tf, std::mem::size_of::<trapframe>()).unwrap(), bytes(&t));
    let f = w.frame(1, 1);
    // cpu_vkernel_trap(frame, 0): rax = 0, carry clear; the rest is the
    // vkernel's saved frame.
    assert_eq!(f, trapframe { tf_rax: 0, ..k });
    assert_eq!(w.tls(1, 1).info[0].base as u64, 0);
    let dump = o.dump.unwrap();
    assert!(dump.contains(&format!("ve#0 id=0x{ua:x} refs=0")), "{dump}");
    assert!(dump.contains("lwp#1.1 lwp_vmspace=vmspace#0"), "{dump}");
    assert!(dump.contains("vmspace#0 refcnt=1 holdcnt=1 flags=0x0 map_token=free pmap{pinit2=0 active=0x1"), "{dump}");

    // Not running a VMSPACE any more: the kernel's guard skips the hook.
    assert!(!w.run_step(Impl::C, &Step::Trap { pid: 1, tid: 1, frame: None }).called);
}

#[test]
fn ctl_restores_the_context_when_loading_the_guest_fails() {
    for (fault, want) in [("copyin", ffi::EFAULT), ("sanitize", ffi::EINVAL)] {
        let mut w = World::new(1);
        let (ua, tf, vf) = setup(&mut w);
        let k = w.frame(1, 1);
        w.run_step(Impl::C, &Step::Create { pid: 1, tid: 1, id: ua, ty: 0, data: 0 });
        if fault == "copyin" {
            // The vextframe faults after the trapframe was copied in.
            w.run_step(Impl::C, &Step::UserFault { pid: 1, addr: vf, len: 1, on: true });
        } else {
            w.run_step(Impl::C, &Step::InjectSanitize { frame: ffi::EINVAL as i32, tls: 0 });
        }
        let o = w.run_step(Impl::C, &Step::Ctl { pid: 1, tid: 1, id: ua, cmd: RUN, tframe: tf, vframe: vf });
        assert_eq!(o.ret, Some(want as i64), "{fault}: {:?}", o.trace);
        // The vkernel's frame is back (syscall2 then reports the error).
        let f = w.frame(1, 1);
        assert_eq!(f, trapframe { tf_rax: want as i64, tf_rflags: k.tf_rflags | ffi::PSL_C as i64, ..k });
        let dump = o.dump.unwrap();
        assert!(dump.contains(&format!("ve#0 id=0x{ua:x} refs=0")), "{dump}");
        assert!(dump.contains("lwp#1.1 lwp_vmspace=vmspace#0"), "{dump}");
        if fault == "sanitize" {
            assert!(o.trace.iter().any(|l| l.ends_with("= EINVAL (injected, not x86_64 behaviour)")));
        }
    }
}

#[test]
fn mmap_munmap_mcontrol_follow_the_kernels_rules() {
    let mut w = World::new(1);
    let (ua, _, _) = setup(&mut w);
    let id = ua;
    w.run_step(Impl::C, &Step::Create { pid: 1, tid: 1, id, ty: 0, data: 0 });
    let anon = ffi::MAP_ANON as i32;
    let vpt = (ffi::MAP_ANON | ffi::MAP_VPAGETABLE) as i32;
    let fixed = ffi::MAP_FIXED as i32;
    let rw = (ffi::PROT_READ | ffi::PROT_WRITE) as i32;
    let mmap = |w: &mut World, addr, len, prot, flags, fd| {
        w.run_step(Impl::C, &Step::Mmap { pid: 1, tid: 1, id, addr, len, prot, flags, fd, offset: 0 })
    };
    let o = mmap(&mut w, 0x10000, 0x4000, rw, vpt | fixed, -1);
    assert_eq!((o.ret, o.sysmsg_result), (Some(0), Some(0x10000)));
    assert_eq!(w.frame(1, 1).tf_rax, 0x10000);
    assert_eq!(mmap(&mut w, 0x10001, 0x1000, rw, anon | fixed, -1).ret, Some(ffi::EINVAL as i64));
    assert_eq!(mmap(&mut w, 0, u64::MAX - 10, rw, anon, -1).ret, Some(ffi::EINVAL as i64));
    assert_eq!(mmap(&mut w, 0x7fff_ffff_f000, 0x2000, rw, anon | fixed, -1).ret, Some(ffi::EINVAL as i64));
    assert_eq!(mmap(&mut w, 0, 0x1000, rw, anon, 3).ret, Some(ffi::EINVAL as i64));
    assert_eq!(mmap(&mut w, 0, 0x1000, rw, 0, 3).ret, Some(ffi::EBADF as i64));
    assert_eq!(mmap(&mut w, 0, 0x1000, ffi::PROT_READ as i32, vpt, -1).ret, Some(ffi::EINVAL as i64));
    // A normal mapping right after the page table: first fit, 2MB aligned.
    let o = mmap(&mut w, 0, 0x200000, rw, anon, -1);
    assert_eq!(o.sysmsg_result, Some(0x8_0000_0000));

    let mc = |w: &mut World, addr, len, behav, value| {
        w.run_step(Impl::C, &Step::Mcontrol { pid: 1, tid: 1, id, addr, len, behav, value }).ret
    };
    assert_eq!(mc(&mut w, 0x10000, 0x4000, ffi::MADV_SETMAP as i32, 0xabc), Some(0));
    assert!(
        w.dump().contains("[0x10000,0x14000) vpagetable prot=rw-/rwx inh=1 eflags=0x0 obj=none master_pde=0xabc"),
        "{}",
        w.dump()
    );
    assert_eq!(mc(&mut w, 0x8_0000_0000, 0x1000, ffi::MADV_SETMAP as i32, 1), Some(ffi::EINVAL as i64));
    assert_eq!(mc(&mut w, 0x10000, 0x1000, 12, 0), Some(ffi::EINVAL as i64));
    assert_eq!(mc(&mut w, 0x10000, 0x1000, -1, 0), Some(ffi::EINVAL as i64));
    // MADV_INVAL clips the entry (giving it an object), flushes the pmap
    // of the piece, and the equal pieces merge again.
    assert_eq!(mc(&mut w, 0x11000, 0x1000, ffi::MADV_INVAL as i32, 0), Some(0));
    let dump = w.dump();
    assert!(dump.contains("pmap{pinit2=1 active=0x0 removes=2} map{nentries=2 size=0x204000"), "{dump}");
    assert!(
        dump.contains("[0x10000,0x14000) vpagetable prot=rw-/rwx inh=1 eflags=0x0 obj#1+0x0 master_pde=0xabc"),
        "{dump}"
    );

    let mu = |w: &mut World, addr, len| w.run_step(Impl::C, &Step::Munmap { pid: 1, tid: 1, id, addr, len }).ret;
    assert_eq!(mu(&mut w, 0x20000, 0x1000), Some(ffi::EINVAL as i64)); // not mapped
    assert_eq!(mu(&mut w, 0x10000, 0), Some(0));
    assert_eq!(mu(&mut w, 0x10000, 0x4000), Some(0));
    assert!(!w.dump().contains("vpagetable"));
    assert_eq!(mu(&mut w, 0x10000, 0x1000), Some(ffi::EINVAL as i64));
    assert_eq!(mu(&mut w, 0x1234, u64::MAX), Some(ffi::EINVAL as i64)); // wraps
}

#[test]
fn exit_with_active_vmspaces_warns_and_frees_everything() {
    let mut w = World::new(2);
    let (ua, tf, vf) = setup(&mut w);
    w.set_frame(1, 2, &w.frame(1, 1));
    w.run_step(Impl::C, &Step::Create { pid: 1, tid: 1, id: ua, ty: 0, data: 0 });
    w.run_step(Impl::C, &Step::Create { pid: 1, tid: 1, id: ua + 8, ty: 0, data: 0 });
    for tid in [1, 2] {
        let o = w.run_step(Impl::C, &Step::Ctl { pid: 1, tid, id: ua, cmd: RUN, tframe: tf, vframe: vf });
        assert_eq!(o.ret, Some(EJUSTRETURN));
    }
    assert!(w.dump().contains("refs=2"));
    // destroy refuses while LWPs run in it
    let o = w.run_step(Impl::C, &Step::Destroy { pid: 1, tid: 1, id: ua });
    assert_eq!(o.ret, Some(ffi::EBUSY as i64));

    let o = w.run_step(Impl::C, &Step::Exit { pid: 1, tid: 1 });
    assert_eq!(o.fault, None, "{:?}", o.trace);
    assert_eq!(w.kprintf_output(), "Warning, pid 1 killed with active VC!\n".repeat(2));
    assert!(o.trace.iter().any(|l| l == "td#1.1 rb_spin_lock(vkp#0.root.rbh_spin)"), "{:?}", o.trace);
    assert_eq!(o.trace.iter().filter(|l| l.contains("vm_map_remove(")).count(), 2);
    assert_eq!(w.kmem_live(), 0);
    assert_eq!(w.vmspace_live(), 0);
    assert!(!w.has_proc(1));
}

/// vkernel_lwp_exit treats a guest thread's id as a vmspace_entry (fixed
/// upstream in e1ea8b243e): with the id in user memory the C original takes
/// a kernel page fault, which the model reports as a panic.
#[test]
fn c_original_td_vmm_defect_faults_in_lwp_exit() {
    let mut w = World::new(1);
    let (ua, tf, vf) = setup(&mut w);
    w.run_step(Impl::C, &Step::SetTdVmm { pid: 1, tid: 1, on: true });
    let o = w.run_step(Impl::C, &Step::Create { pid: 1, tid: 1, id: ua + 0x3000, ty: 0, data: 0 });
    assert_eq!(o.ret, Some(0));
    assert_eq!(w.kmem_live(), 1, "a guest thread gets no vmspace_entry");
    let o = w.run_step(Impl::C, &Step::Ctl { pid: 1, tid: 1, id: ua + 0x3000, cmd: RUN, tframe: tf, vframe: vf });
    assert_eq!(o.ret, Some(EJUSTRETURN));
    assert!(o.trace.iter().any(|l| l == &format!("td#1.1 vmm_vm_set_guest_cr3(0x{:x})", ua + 0x3000)));
    assert!(!o.trace.iter().any(|l| l.contains("lwkt_gettoken")), "{:?}", o.trace);

    let o = w.run_step(Impl::C, &Step::LwpExit { pid: 1, tid: 1 });
    let p = o.panic().expect("the C original faults");
    assert!(
        p.contains(&format!("fault virtual address = 0x{:x} (user address dereferenced directly)", ua + 0x3000 + 20)),
        "{p}"
    );
    assert_eq!(w.kprintf_output(), "Warning, pid 1 killed with active VC!\n");
}

/// Two LWPs create VMSPACEs at once: both allocate a vkernel_proc, one
/// installs it, the other frees its own ("simple resolution for SMP races").
#[test]
fn racing_creates_resolve_to_one_vkernel_proc() {
    let mut w = World::new(2);
    let (ua, _, _) = setup(&mut w);
    w.set_cpu(1, 2, 1);
    let steps = [
        Step::Create { pid: 1, tid: 1, id: ua, ty: 0, data: 0 },
        Step::Create { pid: 1, tid: 2, id: ua + 8, ty: 0, data: 0 },
    ];
    // Round robin at every switch point.
    let mut last = 1;
    let mut rr = |d: &Decision| {
        last = *d.runnable.iter().find(|&&i| i != last).unwrap_or(&d.runnable[0]);
        last
    };
    let o = w.run_concurrent(Impl::C, &steps, &mut rr);
    assert_eq!(o.fault, None, "{:?}", o.trace);
    assert_eq!(o.calls[0].ret, Some(0));
    assert_eq!(o.calls[1].ret, Some(0));
    assert_eq!(o.trace.iter().filter(|l| l.contains("kmalloc(80,")).count(), 2, "{:?}", o.trace);
    assert!(o.trace.iter().any(|l| l == "td#1.2 kfree(vkp#1, vkernel)"), "{:?}", o.trace);
    let dump = o.dump.unwrap();
    assert!(dump.contains("p_vkernel=vkp#0"), "{dump}");
    assert_eq!(w.kmem_live(), 3);
}
