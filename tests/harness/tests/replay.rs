//! The vkernel workload replay: small replays on both implementations, the
//! workload's fidelity to what vkernel64 does, and the comparison catching
//! a port that behaves differently.

use harness::diff::{AllowedDivergence, Field};
use harness::ffi;
use harness::replay::{self, Config, Ending, Knobs, Mode, Op, Workload};
use harness::{Step, Tid, World};

fn config(mode: Mode, ending: Ending, seed: u64) -> Config {
    Config { mode, vcpus: 3, procs: 8, traps: 12, ending, together: 30, seed }
}

/// The calls of each LWP of the vkernel, in the order that LWP made them
/// (a concurrent group has at most one call per LWP).
fn per_lwp(wl: &Workload) -> std::collections::BTreeMap<Tid, Vec<Step>> {
    let mut m: std::collections::BTreeMap<Tid, Vec<Step>> = Default::default();
    for op in &wl.ops {
        let items: Vec<&replay::Item> = match op {
            Op::One(i) => vec![i],
            Op::Together { items, .. } => items.iter().collect(),
        };
        for i in items {
            if let Some((pid, tid)) = i.step.thread() {
                if pid == replay::VK {
                    m.entry(tid).or_default().push(i.step.clone());
                }
            }
        }
    }
    m
}

fn calls(wl: &Workload) -> Vec<Step> {
    per_lwp(wl).into_values().flatten().collect()
}

#[test]
fn replays_agree_on_both_paths_and_only_a_vmm_kill_reaches_the_known_divergence() {
    let mut w = World::new(1);
    for mode in [Mode::Classic, Mode::Vmm] {
        for ending in [Ending::Halt, Ending::Kill] {
            let wl = replay::generate(&config(mode, ending, 7));
            let r = replay::replay(&mut w, &wl);
            let what = format!("{}", wl.config);
            if let Some(u) = &r.unexpected {
                panic!("{what}: op {} ({}):\n{}", u.op, u.label, u.divergence.render());
            }
            assert!(r.failures.is_empty(), "{what}: {:?}", r.failures);
            assert_eq!(r.procs, 8, "{what}");
            assert!(r.calls > 200, "{what}: {} calls", r.calls);
            if (mode, ending) == (Mode::Vmm, Ending::Kill) {
                // An AP still running emulated code exits (killalllwps): the
                // C original takes the guest's cr3 for a vmspace_entry.
                assert_eq!(r.allowed.len(), 1, "{what}");
                let (k, label, a) = &r.allowed[0];
                assert_eq!(a.kind, AllowedDivergence::TdVmmLwpExit);
                assert!(matches!(a.divergence.step, Step::LwpExit { pid: replay::VK, tid } if tid > 1));
                assert!(label.contains("killalllwps"), "{label}");
                assert!(a.divergence.c.panic().unwrap().contains("(user address dereferenced directly)"));
                assert_eq!(a.divergence.rust.fault, None);
                // The port went on: the vkernel's exit, nothing left.
                assert!(r.rust_alone >= 2 && *k + r.rust_alone + 1 == r.ops, "{what}");
            } else {
                assert!(r.allowed.is_empty(), "{what}: {:?}", r.allowed);
                assert_eq!(r.rust_alone, 0);
            }
        }
    }
}

#[test]
fn a_classic_vkernel_maps_each_vmspace_as_pmap_c_does() {
    let wl = replay::generate(&Config { procs: 30, ..config(Mode::Classic, Ending::Halt, 3) });
    let (window, size) = World::user_window();
    let vpt = (ffi::MAP_ANON | ffi::MAP_SHARED | ffi::MAP_VPAGETABLE | ffi::MAP_FIXED) as i32;
    let mut creates = 0;
    for (tid, seq) in per_lwp(&wl) {
        for (n, s) in seq.iter().enumerate() {
            if let Step::Create { id, .. } = *s {
                creates += 1;
                assert!(id % 8 == 0 && id >= window && id < window + size, "id {id:#x}");
                // cpu_vmspace_alloc: create, mmap the whole user range as a
                // page table, NOSYNC, SETMAP with the PML4 page | V|RW|U.
                match &seq[n + 1..n + 4] {
                    [Step::Mmap { id: a, addr: 0, len: 0x8000_0000_0000, prot: 3, flags, fd: -1, offset: 0, .. }, Step::Mcontrol { id: b, addr: 0, len: 0x8000_0000_0000, behav: 6, value: 0, .. }, Step::Mcontrol { id: c, addr: 0, len: 0x8000_0000_0000, behav: 11, value, .. }]
                        if [*a, *b, *c] == [id; 3] && *flags == vpt && value & 0xfff == 7 && *value > 0xfff => {}
                    other => panic!("LWP {tid}: create {id:#x} followed by {other:?}"),
                }
            }
        }
    }
    assert!(creates >= 20, "{creates} creates");
    let all = calls(&wl);
    // Invalidations are single pages; ids are reused after destroy (the
    // vkernel's vmspaces come from an objcache).
    let invals: Vec<&Step> = all.iter().filter(|s| matches!(s, Step::Mcontrol { behav: 10, .. })).collect();
    assert!(invals.len() > 50);
    assert!(invals.iter().all(|s| matches!(s, Step::Mcontrol { addr, len: 4096, .. } if addr % 4096 == 0)));
    let mut destroyed = std::collections::BTreeSet::new();
    let mut reused = 0;
    for op in &wl.ops {
        if let Op::One(i) = op {
            match i.step {
                Step::Destroy { id, .. } => {
                    destroyed.insert(id);
                }
                Step::Create { id, .. } if destroyed.contains(&id) => reused += 1,
                _ => {}
            }
        }
    }
    assert!(reused > 0, "no id reused");
}

#[test]
fn a_vcpu_in_emulated_mode_only_traps_or_dies() {
    for mode in [Mode::Classic, Mode::Vmm] {
        let wl = replay::generate(&Config { vcpus: 4, procs: 20, ..config(mode, Ending::Kill, 5) });
        let mut ctls = 0;
        for (tid, seq) in per_lwp(&wl) {
            for w in seq.windows(2) {
                if let Step::Ctl { .. } = w[0] {
                    ctls += 1;
                    assert!(
                        matches!(w[1], Step::Trap { frame: Some(_), .. } | Step::LwpExit { .. }),
                        "{mode:?} LWP {tid}: {:?} after a ctl",
                        w[1]
                    );
                }
                if let Step::Trap { .. } = w[0] {
                    assert!(!matches!(w[1], Step::Trap { .. }), "{mode:?} LWP {tid}: two traps in a row");
                }
            }
        }
        assert!(ctls > 100);
    }
}

#[test]
fn a_vmm_vkernel_only_probes_at_boot_and_runs_guest_cr3s() {
    let wl = replay::generate(&Config { procs: 20, ..config(Mode::Vmm, Ending::Halt, 9) });
    let all = calls(&wl);
    let creates: Vec<&Step> = all.iter().filter(|s| matches!(s, Step::Create { .. })).collect();
    assert_eq!(creates, [&Step::Create { pid: replay::VK, tid: 1, id: 0, ty: 0, data: 0 }]);
    assert!(!all.iter().any(|s| matches!(s, Step::Mmap { .. } | Step::Mcontrol { .. } | Step::Destroy { .. })));
    let ids: std::collections::BTreeSet<u64> =
        all.iter().filter_map(|s| if let Step::Ctl { id, .. } = s { Some(*id) } else { None }).collect();
    assert!(ids.len() >= 5 && ids.iter().all(|id| id % 4096 == 0 && *id != 0), "{ids:x?}");
    // The probe comes before vcpu0 becomes a guest; the APs are guests from
    // their creation.
    let steps: Vec<&Step> =
        wl.ops.iter().filter_map(|o| if let Op::One(i) = o { Some(&i.step) } else { None }).collect();
    let probe = steps.iter().position(|s| matches!(s, Step::Create { .. })).unwrap();
    let guest0 = steps.iter().position(|s| matches!(s, Step::SetTdVmm { tid: 1, on: true, .. })).unwrap();
    assert!(probe < guest0);
    for tid in 2..=3 {
        let born =
            steps.iter().position(|s| matches!(s, Step::NewLwp { pid: replay::VK, tid: t } if *t == tid)).unwrap();
        assert!(matches!(steps[born + 2], Step::SetTdVmm { tid: t, on: true, .. } if *t == tid));
    }
}

#[test]
fn generation_is_seeded_and_groups_concurrent_calls() {
    let c = config(Mode::Classic, Ending::Halt, 11);
    let a = replay::generate(&c);
    assert_eq!(a.ops, replay::generate(&c).ops);
    assert_ne!(a.ops, replay::generate(&Config { seed: 12, ..c.clone() }).ops);
    let groups: Vec<&Op> = a.ops.iter().filter(|o| matches!(o, Op::Together { .. })).collect();
    assert!(groups.len() >= 10, "{} groups", groups.len());
    for g in groups {
        let Op::Together { items, .. } = g else { unreachable!() };
        let mut tids: Vec<Tid> = items.iter().map(|i| i.step.thread().unwrap().1).collect();
        tids.dedup();
        assert_eq!(tids.len(), items.len(), "two calls of one LWP in a group");
    }
    let one = replay::generate(&Config { vcpus: 1, ..c });
    assert!(!one.ops.iter().any(|o| matches!(o, Op::Together { .. })));
}

#[test]
fn comparing_by_fingerprint_finds_what_the_full_comparison_finds() {
    let mut w = World::new(1);
    let wl = replay::generate(&Config { procs: 2, traps: 3, vcpus: 2, ..config(Mode::Vmm, Ending::Kill, 2) });
    let fast = replay::replay(&mut w, &wl);
    let full = replay::replay_with(&mut w, &wl, &Knobs { always_rerun: true, ..Knobs::default() });
    assert!(fast.ok() && full.ok(), "{:?} {:?}", fast.failures, full.failures);
    assert_eq!((fast.calls, fast.rust_alone), (full.calls, full.rust_alone));
    let kinds = |r: &replay::Replay| r.allowed.iter().map(|(k, _, a)| (*k, a.kind)).collect::<Vec<_>>();
    assert_eq!(kinds(&fast), kinds(&full));
    assert_eq!(kinds(&fast).len(), 1);
}

#[test]
fn a_port_that_behaves_differently_is_reported_where_it_does() {
    let mut w = World::new(1);
    let wl = replay::generate(&config(Mode::Classic, Ending::Halt, 4));
    // The port's world refuses VMSPACEs from the second create on: the
    // replay must stop there with the C original's 0 and the port's
    // EOPNOTSUPP.
    let k = wl
        .ops
        .iter()
        .enumerate()
        .filter(|(_, o)| matches!(o, Op::One(i) if matches!(i.step, Step::Create { .. })))
        .nth(1)
        .unwrap()
        .0;
    let r = replay::replay_with(
        &mut w,
        &wl,
        &Knobs { port_extra: Some((k, Step::SetVkernelEnable(false))), ..Knobs::default() },
    );
    let u = r.unexpected.expect("the difference is reported");
    assert_eq!(u.op, k);
    assert_eq!(u.label, "platform/pmap.c:cpu_vmspace_alloc");
    assert_eq!(u.divergence.field, Field::Ret);
    assert_eq!(u.divergence.c.ret, Some(0));
    assert_eq!(u.divergence.rust.ret, Some(ffi::EOPNOTSUPP as i64));
    assert!(u.divergence.render().contains("EOPNOTSUPP"));

    // In a concurrent group: the port's vkernel hands a different frame to
    // one of the ctls.
    let (k, tf) = wl
        .ops
        .iter()
        .enumerate()
        .find_map(|(k, o)| match o {
            Op::Together { items, .. } => {
                items.iter().find_map(|i| if let Step::Ctl { tframe, .. } = i.step { Some((k, tframe)) } else { None })
            }
            _ => None,
        })
        .expect("a concurrent ctl");
    let extra = Step::UserWrite { pid: replay::VK, addr: tf, bytes: vec![0x5a; 8] };
    let r = replay::replay_with(&mut w, &wl, &Knobs { port_extra: Some((k, extra)), ..Knobs::default() });
    let u = r.unexpected.expect("the difference is reported");
    assert_eq!(u.op, k);
    assert!(u.divergence.render().contains("rdi=0x5a5a5a5a5a5a5a5a"), "{}", u.divergence.render());
}

#[test]
fn a_workload_prefix_is_a_scenario_the_differential_harness_shrinks() {
    use harness::diff::scenario;
    let mut w = World::new(1);
    let wl = replay::generate(&Config { procs: 3, traps: 4, vcpus: 2, ..config(Mode::Vmm, Ending::Kill, 1) });
    let r = replay::replay(&mut w, &wl);
    let (k, _, _) = r.allowed[0];
    // Made sequential, the ops up to the divergence reach it too.
    let sc = wl.scenario(k);
    let mut run = |s: &scenario::Scenario| scenario::diff_scenario(&mut w, s);
    let reaches = |r: &scenario::ScenarioResult| {
        r.verdict.unexpected.is_none() && r.verdict.allowed.iter().any(|a| a.kind == AllowedDivergence::TdVmmLwpExit)
    };
    assert!(reaches(&run(&sc)));
    let t = std::time::Instant::now();
    let small = scenario::shrink(&sc, &mut run, &reaches);
    // A guest LWP, a VMSPACE id, a ctl, its exit (and the setup they need).
    assert!(small.steps.len() <= 12, "{}", small.render());
    assert!(small.steps.iter().any(|s| matches!(s, Step::Ctl { .. })), "{}", small.render());
    assert!(matches!(small.steps.last(), Some(Step::LwpExit { .. } | Step::Exit { .. })), "{}", small.render());
    eprintln!("shrunk {} steps to {} in {:?}:\n{}", sc.steps.len(), small.steps.len(), t.elapsed(), small.render());
}
