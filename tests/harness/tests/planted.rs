//! The harness checks itself: a deliberately wrong port must be caught.
//!
//! `make planted-check` (scripts/mutants/planted.py) applies each wrong
//! variant of scripts/mutants/planted.toml to a scratch copy of the
//! workspace (never to the working tree) and runs this test there with
//! `VMSPACE_PLANTED=<variant>`: the directed set and random scenarios must
//! both report an unexpected divergence, each shrunk to a small reproducer.
//! Without `VMSPACE_PLANTED` (the port as it is, e.g. `cargo test -p
//! harness`) it is the control: the directed set finds nothing.
//!
//!     VMSPACE_PLANTED=CtlWrongErrno cargo test -p harness --test planted -- --nocapture

use harness::diff::report::Reproducer;
use harness::diff::{directed, gen, scenario, Scenario};
use harness::World;

/// How many random scenarios a wrong port may take to show.
const MAX_SEEDS: u64 = 5000;

fn first_divergence(w: &mut World, scenarios: impl Iterator<Item = Scenario>) -> Option<(Scenario, Reproducer)> {
    for sc in scenarios {
        let r = scenario::diff_scenario(w, &sc);
        if r.verdict.unexpected.is_some() {
            let rep = Reproducer::new(w, &sc, &r);
            return Some((sc, rep));
        }
    }
    None
}

#[test]
fn planted_variant_is_caught() {
    let mut w = World::new(1);
    let Some(bug) = std::env::var("VMSPACE_PLANTED").ok().filter(|v| !v.is_empty()) else {
        // The control: the port as it is diverges nowhere on the directed set.
        if let Some((sc, rep)) = first_divergence(&mut w, directed::scenarios().into_iter()) {
            panic!("the unmodified port diverges on directed scenario {:?}:\n{}", sc.name, rep.render());
        }
        println!("planted: control (no variant): the directed set finds nothing");
        return;
    };

    let directed = first_divergence(&mut w, directed::scenarios().into_iter());
    let mut seeds = 0;
    let random = first_divergence(
        &mut w,
        (1..=MAX_SEEDS).map(|s| {
            seeds = s;
            gen::scenario(s, 60)
        }),
    );
    let (dsc, drep) = directed.unwrap_or_else(|| panic!("planted: {bug}: NOT CAUGHT by the directed set"));
    let (_, rrep) = random.unwrap_or_else(|| panic!("planted: {bug}: NOT CAUGHT by {MAX_SEEDS} random scenarios"));
    println!("{bug}: caught by directed scenario {:?}:\n{}", dsc.name, drep.render());
    println!("{bug}: caught by random scenario seed {seeds}:\n{}", rrep.render());
    // Shrinking leaves a small reproducer.
    let (dn, rn) = (drep.shrunk.steps.len(), rrep.shrunk.steps.len());
    assert!(dn <= 20, "planted: {bug}: the directed reproducer has {dn} steps left after shrinking");
    assert!(rn <= 30, "planted: {bug}: the random reproducer has {rn} steps left after shrinking");
    println!(
        "planted: {bug}: caught: directed scenario {:?} ({}, shrunk to {dn} steps); random seed {seeds} ({}, shrunk to {rn} steps)",
        dsc.name, drep.divergence.field, rrep.divergence.field
    );
}
