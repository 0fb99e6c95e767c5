//! The directed tests of 22b7a3dbf6 (harness::diff::directed::rev2017):
//! every scenario's expectations for each implementation this build has,
//! the concurrent ones, and the classification of the allowed divergence
//! `destroy-ebusy-leak` (the C keeps the EBUSY destroy's lookup
//! reference).  Built for another revision, these tests check nothing
//! (their expectations are 22b7a3dbf6's).
//!
//!     REV=22b7a3dbf6 cargo test -p harness --no-default-features --test directed_2017

use harness::diff::directed::{self, rev2017};
use harness::diff::{self, scenario, AllowedDivergence, Verdict};
use harness::{Impl, World};

fn this_rev() -> bool {
    harness::REV == rev2017::REV
}

#[test]
fn directed_2017_every_implementation() {
    if !this_rev() {
        return;
    }
    let mut w = World::new(1);
    let mut failures = Vec::new();
    for d in rev2017::all() {
        assert!(d.expectations_apply());
        for &imp in Impl::all() {
            if let Err(e) = d.run(&mut w, imp) {
                failures.push(e);
            }
        }
    }
    for c in rev2017::concurrent() {
        for &imp in Impl::all() {
            if let Err(e) = c.run(&mut w, imp) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "{} directed scenarios failed:\n{}", failures.len(), failures.join("\n"));
}

/// At a 2017 revision the directed set is the reference's (run without
/// its expectations) and the 2017 set (with them).
#[test]
fn directed_set_of_a_2017_build() {
    if !this_rev() {
        return;
    }
    let all = directed::all();
    let n2017 = rev2017::all().len();
    assert_eq!(all.iter().filter(|d| d.expectations_apply()).count(), n2017);
    assert!(all.len() > n2017);
}

/// The EBUSY step of the leak scenario on the C, and a port's outcome made
/// from it as the fixed port has it (the entry's refs one lower).
#[test]
fn allowed_divergence_destroy_ebusy_leak_is_recognised_precisely() {
    if !this_rev() {
        return;
    }
    let d = rev2017::all().into_iter().find(|d| d.name.contains("destroy EBUSY keeps")).unwrap();
    let sc = d.scenario();
    let mut w = World::new(1);
    let c = scenario::run_side(&mut w, Impl::C, &sc);
    let i = sc.steps.iter().position(|s| matches!(s, harness::Step::Destroy { .. })).unwrap();
    let co = diff::normalise_outcome(&c[i].out);
    assert_eq!(co.ret, Some(harness::ffi::EBUSY as i64));
    let dump = co.dump.clone().unwrap();
    let line = dump.lines().find(|l| l.trim_start().starts_with("ve#0 ")).unwrap();
    assert!(line.contains(" refs=0x2 cache_refs=2 "), "{line}");
    let port = |from: &str, to: &str| {
        let mut r = co.clone();
        r.dump = Some(dump.replace(line, &line.replace(from, to)));
        r
    };
    let step = &sc.steps[i];
    match diff::compare_step(i, &c[i].pre, step, &co, &port(" refs=0x2 ", " refs=0x1 ")) {
        Verdict::Allowed(a) => {
            assert_eq!(a.kind, AllowedDivergence::DestroyEbusyLeak);
            assert!(a.divergence.render().contains("refs=0x1"), "{}", a.divergence.render());
        }
        v => panic!("not classified as allowed: {v:?}"),
    }
    // Two references apart, or the port's refs higher: not this.
    for (from, to) in [(" refs=0x2 ", " refs=0x0 "), (" refs=0x2 ", " refs=0x3 ")] {
        assert!(matches!(diff::compare_step(i, &c[i].pre, step, &co, &port(from, to)), Verdict::Unexpected(_)));
    }
    // Another field of the entry differs too: not this.
    let mut r = port(" refs=0x2 cache_refs=2 ", " refs=0x1 cache_refs=1 ");
    assert!(matches!(diff::compare_step(i, &c[i].pre, step, &co, &r), Verdict::Unexpected(_)));
    // The same refs difference with another trace or result: not this.
    r = port(" refs=0x2 ", " refs=0x1 ");
    r.trace.push("td#1.1 kfree(ve#0, vkernel)".into());
    assert!(matches!(diff::compare_step(i, &c[i].pre, step, &co, &r), Verdict::Unexpected(_)));
    r = port(" refs=0x2 ", " refs=0x1 ");
    r.ret = Some(0);
    assert!(matches!(diff::compare_step(i, &c[i].pre, step, &co, &r), Verdict::Unexpected(_)));
    // On a step that is not a destroy (the trap after it): not this.
    let other = &sc.steps[i + 1];
    assert!(matches!(
        diff::compare_step(i, &c[i].pre, other, &co, &port(" refs=0x2 ", " refs=0x1 ")),
        Verdict::Unexpected(_)
    ));
}

/// The same classification for a concurrent run: destroy EBUSY while an
/// mmap sleeps in kern_mmap holding its reference; the port's outcome made
/// from the C's with the entry's refs one lower (the C's leaked reference).
#[test]
fn allowed_divergence_destroy_ebusy_leak_in_a_concurrent_run() {
    if !this_rev() {
        return;
    }
    let c = rev2017::concurrent().into_iter().find(|c| c.name().contains("destroy while an mmap")).unwrap();
    let mut w = World::new(2);
    let co = c.run(&mut w, Impl::C).unwrap();
    let dump = co.dump.clone().unwrap();
    let line = dump.lines().find(|l| l.trim_start().starts_with("ve#0 ")).unwrap().to_string();
    // The mmap's reference is gone; the destroy's lookup reference stays.
    assert!(line.contains(" refs=0x1 cache_refs=1 "), "{line}");
    let mut r = co.clone();
    r.dump = Some(dump.replace(&line, &line.replace(" refs=0x1 ", " refs=0x0 ")));
    assert!(diff::compare_concurrent(0, &c.calls, &co, &r).is_err());
    assert_eq!(diff::classify_concurrent(&c.calls, &co, &r), Some(AllowedDivergence::DestroyEbusyLeak));
    // Refs two apart, or a result differing too: not this.
    let mut r2 = co.clone();
    r2.dump = Some(dump.replace(&line, &line.replace(" refs=0x1 ", " refs=0x3 ")));
    assert_eq!(diff::classify_concurrent(&c.calls, &co, &r2), None);
    r.calls[1].ret = Some(0);
    assert_eq!(diff::classify_concurrent(&c.calls, &co, &r), None);
}
