use harness::{Impl, Step, World};

fn scenario() -> Vec<Step> {
    let (ua, _ul) = World::user_window();
    let a = 0x1000_0000u64;
    let b = 0x2000_0000u64;
    let tf = ua + 0x1000;
    let vf = ua + 0x2000;
    use Step::*;
    vec![
        Destroy { pid: 1, tid: 1, id: a },
        Munmap { pid: 1, tid: 1, id: a, addr: 0, len: 0 },
        Create { pid: 1, tid: 1, id: a, ty: 0, data: 0 },
        Create { pid: 1, tid: 1, id: a, ty: 0, data: 0 },
        Create { pid: 1, tid: 1, id: b, ty: 0, data: 0 },
        Create { pid: 1, tid: 1, id: 0, ty: 0, data: 0 },
        Pread { pid: 1, tid: 1, id: a, buf: 0, nbyte: 0, flags: 0, offset: 0 },
        Pwrite { pid: 1, tid: 1, id: 7, buf: 0, nbyte: 0, flags: 0, offset: 0 },
        Pwrite { pid: 1, tid: 1, id: b, buf: 0, nbyte: 0, flags: 0, offset: 0 },
        Mmap { pid: 1, tid: 1, id: a, addr: 0x10000, len: 0x4000, prot: 3, flags: 0x1000 | 0x10 | 2, fd: -1, offset: 0 },
        Mmap { pid: 1, tid: 1, id: 99, addr: 0x10000, len: 0x4000, prot: 3, flags: 0x1012, fd: -1, offset: 0 },
        Munmap { pid: 1, tid: 1, id: a, addr: 0x10800, len: 0x1000 },
        Munmap { pid: 1, tid: 1, id: a, addr: 0x10000, len: 0 },
        Munmap { pid: 1, tid: 1, id: a, addr: 0xffff_ffff_ffff_f000, len: 0x2000 },
        Munmap { pid: 1, tid: 1, id: a, addr: 0x10, len: u64::MAX },
        Munmap { pid: 1, tid: 1, id: a, addr: 0x7fff_ffff_f000, len: 0x2000 },
        Munmap { pid: 1, tid: 1, id: a, addr: 0x50000, len: 0x1000 },
        Mcontrol { pid: 1, tid: 1, id: a, addr: 0x10000, len: 0x1000, behav: -1, value: 0 },
        Mcontrol { pid: 1, tid: 1, id: a, addr: 0x10000, len: 0x1000, behav: 12, value: 0 },
        Mcontrol { pid: 1, tid: 1, id: a, addr: 0x10000, len: 0x1000, behav: 4, value: 0 },
        Mcontrol { pid: 1, tid: 1, id: a, addr: u64::MAX, len: 2, behav: 4, value: 0 },
        Mcontrol { pid: 1, tid: 1, id: a, addr: 0x7fff_ffff_f000, len: 0x2000, behav: 4, value: 0 },
        Mcontrol { pid: 1, tid: 1, id: a, addr: 0x10001, len: 0x10, behav: 10, value: 5 },
        UserMap { pid: 1, addr: ua, len: 0x10000, prot: 3 },
        Ctl { pid: 1, tid: 1, id: 12345, cmd: 1, tframe: tf, vframe: vf },
        Ctl { pid: 1, tid: 1, id: a, cmd: 2, tframe: tf, vframe: vf },
        Ctl { pid: 1, tid: 1, id: a, cmd: 1, tframe: 0, vframe: vf },
        Ctl { pid: 1, tid: 1, id: a, cmd: 1, tframe: tf, vframe: 8 },
        Ctl { pid: 1, tid: 1, id: a, cmd: 1, tframe: tf, vframe: vf },
        Destroy { pid: 1, tid: 1, id: a },
        Trap { pid: 1, tid: 1, frame: None },
        InjectSanitize { frame: 22, tls: 0 },
        Ctl { pid: 1, tid: 1, id: a, cmd: 1, tframe: tf, vframe: vf },
        InjectSanitize { frame: 0, tls: 13 },
        Ctl { pid: 1, tid: 1, id: a, cmd: 1, tframe: tf, vframe: vf },
        InjectSanitize { frame: 0, tls: 0 },
        Ctl { pid: 1, tid: 1, id: b, cmd: 1, tframe: tf, vframe: vf },
        Fork { pid: 1, tid: 1, child: 2, child_tid: 1 },
        Exit { pid: 2, tid: 1 },
        NewLwp { pid: 1, tid: 2 },
        Ctl { pid: 1, tid: 2, id: a, cmd: 1, tframe: tf, vframe: vf },
        LwpExit { pid: 1, tid: 2 },
        Destroy { pid: 1, tid: 1, id: b },
        Trap { pid: 1, tid: 1, frame: None },
        Destroy { pid: 1, tid: 1, id: b },
        // VMM
        NewLwp { pid: 1, tid: 3 },
        SetTdVmm { pid: 1, tid: 3, on: true },
        Create { pid: 1, tid: 3, id: 0x5000, ty: 0, data: 0 },
        Ctl { pid: 1, tid: 3, id: 0x5000, cmd: 2, tframe: tf, vframe: vf },
        Ctl { pid: 1, tid: 3, id: 0x5000, cmd: 1, tframe: tf, vframe: vf },
        Trap { pid: 1, tid: 3, frame: None },
        Ctl { pid: 1, tid: 1, id: a, cmd: 1, tframe: tf, vframe: vf },
        Hook { pid: 1, tid: 1, hook: harness::Hook::Inherit { p1: 1, p2: 1 } },
        Exit { pid: 1, tid: 1 },
    ]
}

#[test]
fn port_matches_c() {
    let mut outs = vec![];
    for imp in [Impl::C, Impl::Rust] {
        let mut w = World::new(1);
        w.new_proc_lwp(1);
        let mut o = vec![];
        for s in scenario() {
            let r = w.run_step(imp, &s);
            o.push((format!("{s:?}"), r.ret, r.sysmsg_result, r.trace.clone(), r.dump.clone().map(|d| d.lines().filter(|l| !l.starts_with("kmalloc vkernel")).collect::<Vec<_>>().join("\n")), r.fault.clone().map(|f| f.message)));
        }
        o.push(("kprintf".into(), None, None, vec![w.kprintf_output()], None, None));
        outs.push(o);
    }
    let mut bad = 0;
    for (c, r) in outs[0].iter().zip(outs[1].iter()) {
        if c != r { bad += 1; eprintln!("DIFF {}\n C: {:?}\n R: {:?}", c.0, c, r); }
        else { eprintln!("same {} ret={:?}", c.0, c.1); }
    }
    assert_eq!(bad, 0);
}

fn div(imp: Impl) {
    let (ua, _) = World::user_window();
    let mut w = World::new(1);
    w.new_proc_lwp(1);
    w.run_step(imp, &Step::UserMap { pid: 1, addr: ua, len: 0x10000, prot: 3 });
    w.run_step(imp, &Step::SetTdVmm { pid: 1, tid: 1, on: true });
    let o = w.run_step(imp, &Step::Create { pid: 1, tid: 1, id: ua + 0x100, ty: 0, data: 0 });
    eprintln!("{imp:?} create {:?}", o.ret);
    let o = w.run_step(imp, &Step::Ctl { pid: 1, tid: 1, id: ua + 0x100, cmd: 1, tframe: ua + 0x1000, vframe: ua + 0x2000 });
    eprintln!("{imp:?} ctl {:?}", o.ret);
    let o = w.run_step(imp, &Step::LwpExit { pid: 1, tid: 1 });
    eprintln!("{imp:?} lwpexit {:?} {:?} fault={:?}", o.ret, o.trace, o.fault);
}
fn kk(imp: Impl) {
    let mut w = World::new(1);
    w.new_proc_lwp(1);
    let o = w.run_step(imp, &Step::Hook { pid: 1, tid: 1, hook: harness::Hook::Trap { pid: 1, tid: 1 } });
    eprintln!("{imp:?} trap {:?} fault={:?}", o.trace, o.fault);
}
#[test] fn div_rust() { div(Impl::Rust) }
#[test] fn kk_rust() { kk(Impl::Rust) }
#[test] fn kk_c() { kk(Impl::C) }

/// BENCH=entry IMPL=C|Rust: loop one kind of call, for callgrind.
#[test]
fn zbench() {
    let Ok(which) = std::env::var("BENCH") else { return };
    let imp = if std::env::var("IMPL").as_deref() == Ok("C") { Impl::C } else { Impl::Rust };
    let (ua, _) = World::user_window();
    let n = 200u64;
    let mut w = World::new(1);
    w.set_snapshots(false);
    w.set_tracing(false);
    w.new_proc_lwp(1);
    w.run_step(imp, &Step::UserMap { pid: 1, addr: ua, len: 0x10000, prot: 3 });
    let a = 0x4000_0000u64;
    use Step::*;
    if which != "create" && which != "inherit" {
        for i in 0..64 { w.run_step(imp, &Create { pid: 1, tid: 1, id: a + i * 0x1000, ty: 0, data: 0 }); }
    }
    let tf = ua + 0x1000; let vf = ua + 0x2000;
    for i in 0..n {
        let s: Vec<Step> = match which.as_str() {
            "create" => vec![Create { pid: 1, tid: 1, id: a + i * 0x1000, ty: 0, data: 0 }],
            "create_dup" => vec![Create { pid: 1, tid: 1, id: a + 5 * 0x1000, ty: 0, data: 0 }],
            "destroy" => vec![Destroy { pid: 1, tid: 1, id: 7 }],
            "ctl" => vec![Ctl { pid: 1, tid: 1, id: a + 0x3000, cmd: 1, tframe: tf, vframe: vf }, Hook { pid: 1, tid: 1, hook: harness::Hook::Trap { pid: 1, tid: 1 } }],
            "ctl_enoent" => vec![Ctl { pid: 1, tid: 1, id: 5, cmd: 1, tframe: tf, vframe: vf }],
            "ctl_efault" => vec![Ctl { pid: 1, tid: 1, id: a + 0x3000, cmd: 1, tframe: 8, vframe: vf }],
            "mmap" => vec![Mmap { pid: 1, tid: 1, id: a + 0x3000, addr: 0x10000, len: 0x1000, prot: 3, flags: 0x1012, fd: -1, offset: 0 }],
            "munmap" => vec![Munmap { pid: 1, tid: 1, id: a + 0x3000, addr: 0x10000, len: 0x1000 }],
            "munmap0" => vec![Munmap { pid: 1, tid: 1, id: a + 0x3000, addr: 0x10000, len: 0 }],
            "mcontrol" => vec![Mcontrol { pid: 1, tid: 1, id: a + 0x3000, addr: 0x10000, len: 0x1000, behav: 4, value: 0 }],
            "pread" => vec![Pread { pid: 1, tid: 1, id: a + 0x3000, buf: 0, nbyte: 0, flags: 0, offset: 0 }],
            "inherit" => vec![Create { pid: 1, tid: 1, id: a, ty: 0, data: 0 }, Hook { pid: 1, tid: 1, hook: harness::Hook::Inherit { p1: 1, p2: 1 } }],
            "lwpexit" => vec![NewLwp { pid: 1, tid: 2 + i as i32 }, Ctl { pid: 1, tid: 2 + i as i32, id: a + 0x3000, cmd: 1, tframe: tf, vframe: vf }, LwpExit { pid: 1, tid: 2 + i as i32 }],
            _ => panic!("bench?"),
        };
        for s in s { w.run_step(imp, &s); }
    }
    if which == "exit" || which == "create" {
        w.run_step(imp, &Exit { pid: 1, tid: 1 });
    }
}
