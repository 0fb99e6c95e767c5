//! The harness checks itself: the port built with deliberately wrong
//! variants (feature `planted-bugs` of package `vmspace`, selected at run
//! time), and the diff must catch each one, with the directed set and with
//! random scenarios, as an unexpected divergence with a small reproducer.
//!
//!     cargo test -p harness --features planted-bugs --test planted
//!     (make planted-check)
#![cfg(feature = "planted-bugs")]

use harness::diff::report::Reproducer;
use harness::diff::{directed, gen, scenario, Field, Scenario};
use harness::World;
use vmspace::vm::vm_vmspace::planted::{self, Bug};

/// How many random scenarios a bug may take to show.
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

/// Runs the directed set and then random scenarios with `bug` planted;
/// returns the field the directed set's divergence is in, and how many
/// random scenarios it took.
fn catch(bug: Bug) -> (Field, u64) {
    let mut w = World::new(1);
    planted::set(Some(bug));
    let directed = first_divergence(&mut w, directed::scenarios().into_iter());
    let mut seeds = 0;
    let random = first_divergence(
        &mut w,
        (1..=MAX_SEEDS).map(|s| {
            seeds = s;
            gen::scenario(s, 60)
        }),
    );
    planted::set(None);
    let (dsc, drep) = directed.unwrap_or_else(|| panic!("{bug:?}: the directed set does not catch it"));
    let (_, rrep) = random.unwrap_or_else(|| panic!("{bug:?}: {MAX_SEEDS} random scenarios do not catch it"));
    println!("{bug:?}: caught by directed scenario {:?}:\n{}", dsc.name, drep.render());
    println!("{bug:?}: caught by random scenario seed {seeds}:\n{}", rrep.render());
    // Shrinking leaves a small reproducer.
    assert!(drep.shrunk.steps.len() <= 20, "{bug:?}: {} steps left", drep.shrunk.steps.len());
    assert!(rrep.shrunk.steps.len() <= 30, "{bug:?}: {} steps left", rrep.shrunk.steps.len());
    (drep.divergence.field, seeds)
}

#[test]
fn planted_bugs_are_caught() {
    // The port as it is: nothing to catch on the directed set.
    let mut w = World::new(1);
    planted::set(None);
    assert!(first_divergence(&mut w, directed::scenarios().into_iter()).is_none());
    drop(w);

    let mut seen = Vec::new();
    for &bug in Bug::ALL {
        let (field, seeds) = catch(bug);
        seen.push(format!("{bug:?}: {field} (random: seed {seeds})"));
    }
    println!("planted bugs caught:\n  {}", seen.join("\n  "));
    assert!(Bug::ALL.len() >= 4);
}
