//! "Why did it move?": the driver decomposition on the shipped scenarios (docs/model.md §5.1).
#![allow(clippy::result_large_err)]

use simulate::experiment::{Ensemble, Exec, Plan, execute};
use simulate::model::Domain;
use simulate::model::record::Term;
use std::path::Path;

fn ensemble(name: &str, runs: usize) -> (simulate::scenario::Scenario, Ensemble) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    let s = simulate::scenario::load(&path, &[]).expect("shipped scenario loads");
    let plan = Plan::ensemble(s.seed, runs, 0).expect("plan");
    let noop = |_: usize| {};
    let e = execute(
        &s,
        &plan,
        &Exec {
            threads: 2,
            progress: &noop,
        },
        &mut |_| Ok(()),
    )
    .expect("runs");
    (s, e)
}

/// The arms threat binds on the historical state (closeness to Russia in security above its
/// red line); the 5G threat does not (closeness to China in technology starts near 0.06, far
/// below its red line: tests/scenarios.rs).
#[test]
fn threat_is_the_largest_negative_force_on_russia_in_security_under_us_pressure() {
    let (s, e) = ensemble("us_pressure.toml", 60);
    let ru = s.base.power_index("RU").expect("RU");
    let h = s
        .base
        .threats
        .iter()
        .position(|t| t.id == "us_arms")
        .expect("us_arms");
    let schema = &e.drivers.schema;
    let threat = schema.index(Term::Threat(h)).expect("threat term");
    let us = s.base.power_index("US").expect("US");
    let rivalry_us = schema.index(Term::Rivalry(us)).expect("rivalry term");
    let security = Domain::Security.index();
    // The threat is issued in 2025: from then on no other term pushes harder downward.
    for (y, year) in e.drivers.years.iter().enumerate() {
        if *year < 2025 || *year > 2030 {
            continue;
        }
        let value = e.drivers.get(y, ru, security, threat);
        let most_negative = (0..schema.len())
            .map(|t| (t, e.drivers.get(y, ru, security, t)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("terms");
        assert!(value < 0.0, "{year}: threat term {value} should push down");
        // Once the sanction is imposed and the buster's compensation is capped at the damage
        // (docs/model.md §10, item 25), the rising closeness to the US in security makes the
        // rivalry with the US a force of the same size from 2028: the threat stays the
        // largest in the first years and one of the two largest after.
        let allowed = if *year < 2028 {
            vec![threat]
        } else {
            vec![threat, rivalry_us]
        };
        assert!(
            allowed.contains(&most_negative.0),
            "{year}: largest negative force is {} ({}), threat {value}",
            schema.name(schema.terms[most_negative.0], &s.base),
            most_negative.1
        );
    }
}

#[test]
fn no_threat_term_in_the_baseline() {
    let (s, e) = ensemble("baseline.toml", 30);
    assert!(s.base.threats.is_empty());
    assert!(
        e.drivers
            .schema
            .terms
            .iter()
            .all(|t| !matches!(t, Term::Threat(_)))
    );
}

/// The parts a drivers chart shows are in the unit of the move: each year they add up to the
/// mean move (the move cap and the bounds spread over the pushes they scaled down), and the
/// sanctions term of a power that sends no threat is named for what it is.
#[test]
fn chart_parts_add_up_to_the_mean_move_without_the_limits() {
    let (s, e) = ensemble("us_pressure.toml", 30);
    for p in 0..s.base.powers.len() {
        let parts = simulate::commands::common::driver_parts(&e, &s.base, p, None, None);
        for (year, net) in &parts.net {
            let sum: f64 = parts
                .bars
                .iter()
                .filter(|b| b.year == *year)
                .map(|b| b.value)
                .sum();
            assert!((sum - net).abs() < 1e-9, "{year}: parts {sum}, move {net}");
        }
        let sender = s.base.threats.iter().any(|t| t.sender == p);
        assert!(
            sender || parts.bars.iter().all(|b| b.term != "sanctions"),
            "a power that sends no threat has a 'sanctions' term"
        );
    }
}
