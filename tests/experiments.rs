//! Experiments against known answers on the model: a sweep of rivalry on the two-power
//! closed-form setup (docs/model.md §5.1) breaks the hedge where γ + μ − ρ = 0.

use simulate::experiment::Exec;
use simulate::experiment::study::{Apply, Order, Probe, Study, measure_slot};
use simulate::experiment::sweep::{Tally, parse_axis, zero_crossing};
use simulate::model::{Kind, N_DOMAINS, ParamSpec, Params, defaults};
use simulate::scenario::Scenario;

/// The two-power setup of tests/model.rs: leeway of the symmetric rest point is γ + μ − ρ
/// with γ = 1, μ = 0.4; a tiny initial asymmetry lets a broken hedge show.
fn two_powers() -> ParamSpec {
    let mut s = defaults::serbia();
    s.powers.truncate(2);
    for p in &mut s.powers {
        p.budget = 0.0;
        p.mix = [0.0; 8];
        p.mix[Kind::SovereigntySupport.index()] = 1.0;
        p.responsiveness = 0.0;
        p.rivalry_response = 0.0;
        p.buster = 0.0;
    }
    s.rivalry = vec![[0.0; N_DOMAINS]; 4];
    let g = &mut s.government;
    g.autonomy_cost = vec![1.0; 2];
    g.opinion_weight = 0.4;
    g.option_value = 0.0;
    g.noise = 0.0;
    g.election_period = 0;
    g.structural_ties = false;
    g.veto_pooling = 0.0; // the closed form sums each supporter's value
    g.initial_closeness = vec![[0.30; N_DOMAINS], [0.31; N_DOMAINS]];
    let pop = &mut s.population;
    pop.citizens = 200;
    pop.anchor_mean = vec![0.6; 2];
    pop.anchor_sd = 0.0;
    pop.susceptibility = 1e-6;
    pop.anchor_drift = 0.0;
    pop.experience_rate = 0.0;
    pop.media_pro_government = vec![0.6; 2];
    pop.media_independent = vec![0.6; 2];
    s.polls.respondents = 50;
    s.accession_power = None;
    s.alignment.with = 0;
    s.alignment.agenda.clear();
    s.start = 2000;
    s.end = 2300;
    s
}

fn scenario(spec: ParamSpec) -> Scenario {
    Scenario {
        name: "two_powers".into(),
        description: String::new(),
        path: "two_powers.toml".into(),
        base: Params::new(spec).expect("valid test parameters"),
        uncertain: Vec::new(),
        provenance: Default::default(),
        runs: 2,
        seed: 1,
        on_failure: Default::default(),
        resolved_toml: String::new(),
        calibration: None,
        sweep: None,
        explore: None,
        particles: Vec::new(),
        reference: None,
        warnings: Vec::new(),
        overrides: Vec::new(),
    }
}

#[test]
fn sweep_of_rivalry_finds_the_break_at_gamma_plus_mu() {
    let s = scenario(two_powers());
    let predicted = 1.0 + 0.4;
    let axis = parse_axis("rivalry.EU-US=1.12:1.68:29", s.base.spec()).unwrap();
    let cases: Vec<Vec<f64>> = axis.values.iter().map(|v| vec![*v]).collect();
    let study = Study::new(
        &s,
        vec![axis.target],
        cases,
        2,
        1,
        2300,
        Order::Interleaved,
        Apply::Change,
    )
    .unwrap();
    let names = ["closeness.EU.diplomacy", "closeness.US.diplomacy", "leeway"];
    let probe = Probe {
        slots: names
            .iter()
            .map(|n| measure_slot(&s.base, n).unwrap())
            .collect(),
        years: vec![0, 300],
    };
    // Measures in the first year (leeway of the rest point) and the last (the outcome).
    let mut first = Tally::new(axis.values.len(), 3, 2);
    let mut last = Tally::new(axis.values.len(), 3, 2);
    study
        .execute(
            0..study.len(),
            &probe,
            &Exec {
                threads: 2,
                progress: &|_| {},
            },
            &mut |r| {
                first.add(r.point, &r.values[..3], r.broke, r.camp);
                last.add(r.point, &r.values[3..], r.broke, r.camp);
                Ok(())
            },
        )
        .unwrap();
    let (first, last) = (first.finish(), last.finish());
    let leeway: Vec<(f64, f64)> = axis
        .values
        .iter()
        .zip(&first)
        .map(|(x, c)| (*x, c.measures[2].p50))
        .collect();
    let crossing = zero_crossing(&leeway).expect("leeway must cross zero");
    assert!(
        (crossing - predicted).abs() <= 0.05 * predicted,
        "leeway crosses zero at {crossing}, predicted {predicted}"
    );
    // The hedge itself: the first value where the two ties split apart, and where runs are
    // counted as broken.
    let split = axis
        .values
        .iter()
        .zip(&last)
        .find(|(_, c)| (c.measures[0].p50 - c.measures[1].p50).abs() > 0.2)
        .map(|(x, _)| *x)
        .expect("the hedge must break within the sweep");
    assert!(
        (split - predicted).abs() <= 0.05 * predicted,
        "hedge split at rho {split}, predicted {predicted}"
    );
    let broke = axis
        .values
        .iter()
        .zip(&last)
        .find(|(_, c)| c.broke >= 0.5)
        .map(|(x, _)| *x)
        .expect("runs must count as broken");
    assert!(
        (broke - predicted).abs() <= 0.05 * predicted,
        "broke at {broke}"
    );
    eprintln!(
        "two-power sweep: leeway zero at {crossing:.4}, ties split at {split:.4}, broke from {broke:.4}; predicted {predicted}"
    );
}
