//! Model tests against closed forms and stylised facts (docs/model.md §5.1, §8), plus
//! determinism, invariants over random parameters, and the model's independence from I/O.

#![allow(clippy::needless_range_loop)] // indices mirror the model's [power][domain] layout

use proptest::prelude::*;
use simulate::model::expr::Expr;
use simulate::model::record::{FiredKind, Term};
use simulate::model::{
    Domain, Effect, Kind, N_DOMAINS, Op, ParamSpec, Params, Recorder, Rule, ScriptedEvent, Stage,
    Target, ThreatParams, defaults, run, vars,
};

/// Two symmetric powers valued only through sovereignty cover in diplomacy, a population
/// that holds still at affinity 0.6, no noise, no elections, no option value, no ties.
fn two_powers(rho: f64) -> ParamSpec {
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
    for d in 0..N_DOMAINS {
        s.set_rivalry(0, 1, d, rho);
    }
    let g = &mut s.government;
    g.autonomy_cost = vec![1.0; 2];
    g.opinion_weight = 0.4;
    g.option_value = 0.0;
    g.noise = 0.0;
    g.election_period = 0;
    g.structural_ties = false;
    g.veto_pooling = 0.0; // the closed form sums each supporter's value
    g.initial_closeness = vec![[0.3; N_DOMAINS]; 2];
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
    s.end = 2060;
    s
}

fn check(spec: ParamSpec) -> Params {
    Params::new(spec).expect("test parameters must be valid")
}

fn record(params: &Params, seed: u64) -> Recorder {
    let mut rec = Recorder::default();
    run(params, seed, &mut rec);
    rec
}

const DIP: usize = 3; // Domain::Diplomacy.index()

#[test]
fn equilibrium_matches_closed_form() {
    // x* = (v + μ ā) / (γ + ρ + μ), per domain; v = σ_sov in diplomacy, 0 elsewhere.
    for rho in [0.0, 0.3, 0.8] {
        let params = check(two_powers(rho));
        let rec = record(&params, 1);
        let last = rec.years.last().expect("years");
        let (mu, a, gamma, sov) = (0.4, 0.6, 1.0, 0.6);
        for d in 0..N_DOMAINS {
            let v = if d == DIP { sov } else { 0.0 };
            let expected = (v + mu * a) / (gamma + rho + mu);
            for p in 0..2 {
                let got = last.closeness[p][d];
                assert!(
                    (got - expected).abs() < 0.01,
                    "rho {rho}, domain {d}: simulated {got}, closed form {expected}"
                );
            }
        }
        // Leeway of the symmetric rest point: γ + μ − ρ.
        assert!((last.leeway - (gamma + mu - rho)).abs() < 1e-6);
    }
}

/// Does the symmetric hedge break within 300 years from a tiny asymmetry?
fn breaks(rho: f64) -> (bool, f64) {
    let mut s = two_powers(rho);
    s.end = s.start + 300;
    s.government.noise = 0.0;
    s.government.initial_closeness = vec![[0.30; N_DOMAINS], [0.31; N_DOMAINS]];
    let params = check(s);
    let rec = record(&params, 3);
    let last = rec.years.last().expect("years");
    let gap = (last.closeness[0][DIP] - last.closeness[1][DIP]).abs();
    (gap > 0.2, rec.years[0].leeway)
}

#[test]
fn hedge_breaks_at_the_predicted_threshold() {
    let predicted = 1.0 + 0.4; // γ + μ
    let mut first_break = None;
    for i in 0..=40 {
        let rho = predicted * (0.8 + 0.01 * f64::from(i));
        let (broke, leeway) = breaks(rho);
        // The leeway index changes sign at the same place.
        if rho < predicted - 1e-9 {
            assert!(
                leeway > 0.0,
                "rho {rho}: leeway {leeway} should be positive"
            );
        } else if rho > predicted + 1e-9 {
            assert!(
                leeway < 0.0,
                "rho {rho}: leeway {leeway} should be negative"
            );
        }
        if broke && first_break.is_none() {
            first_break = Some(rho);
        }
        if !broke {
            assert!(
                first_break.is_none(),
                "hedge held at rho {rho} after breaking below it"
            );
        }
    }
    let found = first_break.expect("the hedge must break somewhere in the sweep");
    assert!(
        (found - predicted).abs() <= 0.05 * predicted,
        "hedge broke at rho {found}, predicted {predicted}"
    );
}

#[test]
fn near_the_threshold_sensitivity_grows_like_one_over_leeway() {
    // Stylised fact 2: a small inducement to one side opens a gap dv / L at rest.
    let dv = 0.02;
    let mut scaled = Vec::new();
    for leeway in [0.8, 0.4, 0.2] {
        let rho = 1.4 - leeway;
        let mut s = two_powers(rho);
        s.end = s.start + 200;
        // A tiny extra value for power 0 in diplomacy, through the sovereignty value itself:
        // raise power 1's intensity slightly below 1 instead (σ_sov × 1 vs σ_sov × (1 − δ)).
        s.powers[1].mix[Kind::SovereigntySupport.index()] = 1.0 - dv / 0.6;
        let rec = record(&check(s), 5);
        let last = rec.years.last().expect("years");
        let gap = last.closeness[0][DIP] - last.closeness[1][DIP];
        // Gap of a two-power system: dv / (γ + μ − ρ) = dv / L.
        scaled.push(gap * leeway / dv);
    }
    for s in &scaled {
        assert!(
            (s - 1.0).abs() < 0.1,
            "gap × L / dv should be 1, got {scaled:?}"
        );
    }
}

#[test]
fn both_rival_ties_shrink_before_the_hedge_breaks_toward_one_camp() {
    // Stylised fact 2: rivalry ramps up; while leeway is positive both ties shrink; once it
    // turns negative the hedge breaks within one to three years.
    let mut s = two_powers(0.0);
    s.end = s.start + 40;
    s.government.noise = 0.005;
    s.events.push(ScriptedEvent {
        name: "rivalry grows".into(),
        year: s.start + 1,
        effects: vec![Effect::Param {
            target: Target::Rivalry(0, 1, None),
            op: Op::Ramp { to: 3.0, years: 30 },
        }],
    });
    let rec = record(&check(s), 11);
    let crossing = rec
        .years
        .iter()
        .position(|y| y.leeway < 0.0)
        .expect("leeway must turn negative");
    assert!(crossing > 5);
    // Before the crossing both ties shrink.
    let early = &rec.years[2];
    let late = &rec.years[crossing - 1];
    for p in 0..2 {
        assert!(
            late.closeness[p][DIP] < early.closeness[p][DIP] - 0.05,
            "tie to power {p} should shrink before the break"
        );
    }
    // With rivalry growing 0.1 a year the break lags the zero crossing (docs/validation.md
    // reports by how much); it must happen while rivalry keeps growing.
    let broke = rec.years[crossing..]
        .iter()
        .position(|y| (y.closeness[0][DIP] - y.closeness[1][DIP]).abs() > 0.3)
        .expect("the hedge must break after leeway turns negative");
    assert!(broke <= 10, "broke {broke} years after the crossing");
}

#[test]
fn a_rivalry_shock_past_the_threshold_breaks_the_hedge_within_three_years() {
    // Stylised fact 2, second half: a jump of rivalry that takes leeway to about −0.7 breaks
    // the hedge toward one camp within one to three years.
    for seed in 0..10 {
        let mut s = two_powers(0.5);
        s.end = s.start + 30;
        s.government.noise = 0.02;
        let shock = s.start + 20;
        s.events.push(ScriptedEvent {
            name: "blocs".into(),
            year: shock,
            effects: vec![Effect::Param {
                target: Target::Rivalry(0, 1, None),
                op: Op::Set(2.1),
            }],
        });
        let rec = record(&check(s), seed);
        let at = (shock - rec.years[0].year) as usize;
        assert!(rec.years[at - 1].leeway > 0.0 && rec.years[at].leeway < 0.0);
        // Broken: one tie has fallen below half of the other.
        let years = rec.years[at..]
            .iter()
            .position(|y| {
                let (a, b) = (y.closeness[0][DIP], y.closeness[1][DIP]);
                a.min(b) < 0.5 * a.max(b)
            })
            .expect("the hedge must break");
        assert!(years <= 3, "seed {seed}: broke after {years} years");
    }
}

/// Serbia with a US red line on closeness to China in technology, issued in the second year.
fn threat_case(resolve: f64, belief: f64, grace: u32, buster_cn: f64, issue: bool) -> Params {
    let mut s = defaults::serbia();
    s.government.noise = 0.0;
    s.government.election_period = 0;
    s.powers[3].buster = buster_cn;
    s.threats.push(ThreatParams {
        id: "us_5g".into(),
        sender: 1,
        rival: 3,
        domain: Domain::Technology,
        red_line: 0.3,
        severity: 1.0,
        grace,
        resolve,
        belief,
        learning: 0.0,
        damage: 0.1,
        lift: 0.25,
        issue: None,
        active_from: s.start,
        lands_in: Domain::Technology,
    });
    if issue {
        s.events.push(ScriptedEvent {
            name: "threat".into(),
            year: s.start + 1,
            effects: vec![Effect::StartThreat(0)],
        });
    }
    check(s)
}

fn closeness_after(params: &Params, years: usize, p: usize, d: usize) -> f64 {
    let rec = record(params, 21);
    rec.years[1 + years].closeness[p][d]
}

#[test]
fn credible_threat_moves_more_than_imposition_with_a_compensating_rival() {
    // Stylised fact 3 (docs/model.md §8).
    let tech = Domain::Technology.index();
    let econ = Domain::Economy.index();
    let none = threat_case(0.0, 0.9, 1, 0.5, false);
    let threat = threat_case(0.0, 0.9, 1, 0.5, true); // never carried out, believed
    let imposed_busted = threat_case(1.0, 0.9, 0, 0.6, true); // imposed at once, CN compensates
    let imposed_alone = threat_case(1.0, 0.9, 0, 0.0, true); // imposed, nobody compensates
    let base = closeness_after(&none, 2, 3, tech);
    let cut_threat = base - closeness_after(&threat, 2, 3, tech);
    let cut_busted = base - closeness_after(&imposed_busted, 2, 3, tech);
    let cut_alone = base - closeness_after(&imposed_alone, 2, 3, tech);
    assert!(
        cut_threat > 0.1,
        "a credible threat cuts the tie within two years: {cut_threat}"
    );
    assert!(
        cut_threat > cut_busted + 0.05,
        "threat {cut_threat} vs imposition with a buster {cut_busted}"
    );
    assert!(
        cut_alone > cut_busted,
        "compensation by a capable rival softens imposition: {cut_alone} vs {cut_busted}"
    );
    // Only the threatened domain moves.
    let econ_shift =
        (closeness_after(&none, 2, 3, econ) - closeness_after(&threat, 2, 3, econ)).abs();
    assert!(econ_shift < 0.02, "economy moved by {econ_shift}");
    // The threat's stage is recorded.
    let rec = record(&threat, 21);
    assert_eq!(rec.years[1].threat_stage[0], Stage::Threatened);
}

#[test]
fn perceived_donor_follows_visibility_and_framing_not_money() {
    // Stylised fact 4: the EU gives twenty times more money as budget grants; China sends
    // masks and vaccines, framed by pro-government media. China is named the top helper.
    let mut s = defaults::serbia();
    s.events.push(ScriptedEvent {
        name: "pandemic aid".into(),
        year: s.start + 1,
        effects: vec![
            Effect::Deliver {
                power: 0,
                kind: Kind::Grants,
                amount: 2.0,
            },
            Effect::Deliver {
                power: 3,
                kind: Kind::HealthAid,
                amount: 0.1,
            },
        ],
    });
    let rec = record(&check(s), 2);
    let y = &rec.years[1];
    assert!(
        y.poll_helped[3] > 2.0 * y.poll_helped[0],
        "China {} vs EU {}",
        y.poll_helped[3],
        y.poll_helped[0]
    );
}

#[test]
fn aid_impulse_lifts_opinion_a_little_and_fades() {
    // Stylised fact 5: a few points up, about a tenth left within two to four years. The
    // direct channel of aid (images and experiences), with the media line off: the line makes
    // the lift last as long as the government's closer stance to the donor lasts (docs/model.md
    // §8, fact 5; measured with the default line 0.5: peak 0.038, 0.017 left after six years).
    let seeds = 0..8u64;
    let mut lift = vec![0.0; 7];
    for seed in seeds.clone() {
        let mut base = defaults::serbia();
        base.population.media_line = 0.0;
        let mut aid = base.clone();
        aid.events.push(ScriptedEvent {
            name: "vaccines".into(),
            year: base.start + 1,
            effects: vec![Effect::Deliver {
                power: 3,
                kind: Kind::HealthAid,
                amount: 0.15,
            }],
        });
        let a = record(&check(base), seed);
        let b = record(&check(aid), seed);
        for (k, l) in lift.iter_mut().enumerate() {
            *l += (b.years[1 + k].affinity[3] - a.years[1 + k].affinity[3]) / 8.0;
        }
    }
    let peak = lift.iter().copied().fold(f64::MIN, f64::max);
    assert!(
        (0.01..=0.10).contains(&peak),
        "peak lift of mean affinity {peak} should be a few points"
    );
    let faded = lift[2..=4].iter().any(|l| *l <= 0.2 * peak);
    assert!(
        faded,
        "lift should fade to about a tenth within 2–4 years: {lift:?}"
    );
}

#[test]
fn same_seed_same_records_different_seed_different_records() {
    let params = check(defaults::serbia());
    let a = record(&params, 99);
    let b = record(&params, 99);
    let c = record(&params, 100);
    assert_eq!(a.years, b.years);
    assert_ne!(a.years, c.years);
}

#[test]
fn driver_terms_add_up_to_the_move() {
    let params = check(defaults::serbia());
    let rec = record(&params, 4);
    let schema = simulate::model::DriverSchema::new(params.n_powers(), 0);
    let mut prev = params.government.initial_closeness.clone();
    for y in &rec.years {
        for p in 0..params.n_powers() {
            for d in 0..N_DOMAINS {
                let sum: f64 = y.drivers_of(p, d, schema.len()).iter().sum();
                let moved = y.closeness[p][d] - prev[p][d];
                assert!((sum - moved).abs() < 1e-9, "{sum} vs {moved}");
            }
        }
        prev.clone_from(&y.closeness);
    }
    assert!(schema.index(Term::Ties).is_some());
}

/// Random valid parameters: the Serbia defaults with a random subset of parameters drawn
/// anywhere in their allowed ranges.
fn random_params(picks: Vec<(usize, f64)>, threat: bool) -> Params {
    let mut spec = defaults::serbia();
    spec.population.citizens = 300;
    spec.polls.respondents = 200;
    spec.end = spec.start + 8;
    if threat {
        spec.threats.push(ThreatParams {
            id: "t".into(),
            sender: 1,
            rival: 3,
            domain: Domain::Technology,
            red_line: 0.3,
            severity: 2.0,
            grace: 1,
            resolve: 0.7,
            belief: 0.5,
            learning: 0.3,
            damage: 0.2,
            lift: 0.3,
            issue: Some([-1.0, 2.0, 0.5]),
            active_from: spec.start,
            lands_in: Domain::Technology,
        });
    }
    let targets = Target::all(&spec);
    for (i, u) in picks {
        let t = targets[i % targets.len()];
        let (lo, hi) = t.range();
        let (lo, hi) = (lo.max(-20.0), hi.min(20.0));
        t.set(&mut spec, lo + u * (hi - lo));
    }
    // Keep the sums valid: domain weights renormalised, budget shares capped.
    let w: f64 = spec.government.domain_weights.iter().sum();
    if w <= 0.0 {
        spec.government.domain_weights = [0.25; N_DOMAINS];
    } else {
        spec.government
            .domain_weights
            .iter_mut()
            .for_each(|x| *x /= w);
    }
    for p in &mut spec.powers {
        let share: f64 = Kind::ALL
            .iter()
            .filter(|k| k.is_budgeted())
            .map(|k| p.mix[k.index()])
            .sum();
        if share > 1.0 {
            for k in Kind::ALL.iter().filter(|k| k.is_budgeted()) {
                p.mix[k.index()] /= share;
            }
        }
    }
    Params::new(spec).expect("random parameters are valid by construction")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn invariants_hold_for_random_valid_parameters(
        picks in proptest::collection::vec((0usize..10_000, 0.0f64..=1.0), 0..25),
        threat in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let params = random_params(picks, threat);
        let rec = record(&params, seed);
        let n = params.n_powers();
        let schema = simulate::model::DriverSchema::new(n, params.threats.len());
        let mut prev = params.government.initial_closeness.clone();
        for y in &rec.years {
            for p in 0..n {
                for d in 0..N_DOMAINS {
                    let x = y.closeness[p][d];
                    prop_assert!(x.is_finite() && (0.0..=1.0).contains(&x));
                    let sum: f64 = y.drivers_of(p, d, schema.len()).iter().sum();
                    prop_assert!((sum - (x - prev[p][d])).abs() < 1e-9);
                }
                prop_assert!(y.affinity[p].is_finite() && (0.0..=1.0).contains(&y.affinity[p]));
                let spent: f64 = Kind::ALL.iter().filter(|k| k.is_budgeted())
                    .map(|k| y.instruments[p][k.index()]).sum();
                prop_assert!(spent <= params.powers[p].budget + 1e-9, "budget exceeded");
                for k in Kind::ALL.iter().filter(|k| k.is_intensity()) {
                    prop_assert!((0.0..=1.0).contains(&y.instruments[p][k.index()]));
                }
            }
            let total: f64 = y.poll_friend.iter().sum();
            prop_assert!((total - 1.0).abs() < 1e-9);
            let helped: f64 = y.poll_helped.iter().sum();
            prop_assert!((helped - 1.0).abs() < 1e-9);
            prop_assert!((0.0..=1.0).contains(&y.alignment));
            prop_assert!(y.leeway.is_finite());
            prop_assert!((0.0..=1.0 + 1e-12).contains(&y.hedging));
            prev.clone_from(&y.closeness);
        }
    }
}

#[test]
fn model_imports_nothing_else_of_the_crate() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/model");
    let forbidden = [
        "use crate::cli",
        "use crate::scenario",
        "use crate::experiment",
        "use crate::export",
        "use crate::plot",
        "use crate::report",
        "use crate::stats",
        "crate::data",
        "plotters",
        "clap::",
        "toml::",
        "std::fs",
        "std::time",
        "println!",
        "eprintln!",
        "process::exit",
        "thread_rng",
    ];
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("src/model exists") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        for f in forbidden {
            assert!(!text.contains(f), "{} uses {f}", path.display());
        }
        checked += 1;
    }
    assert!(checked >= 10, "expected the model's files, found {checked}");
}

// Regression tests, named after the bugs they guard against.

fn rule(spec: &ParamSpec, name: &str, condition: &str, effects: Vec<Effect>) -> Rule {
    let condition =
        Expr::compile(condition, &mut |v| vars::resolve(v, spec)).expect("condition compiles");
    Rule {
        name: name.into(),
        condition,
        once: true,
        effects,
    }
}

#[test]
fn rule_year_condition_fires_in_that_year_not_a_year_late() {
    let mut s = defaults::serbia();
    let r = rule(
        &s,
        "budget",
        "year >= 2026",
        vec![Effect::Param {
            target: Target::Budget(1),
            op: Op::Set(2.0),
        }],
    );
    s.rules.push(r);
    let rec = record(&check(s), 1);
    let fired: Vec<i32> = rec
        .years
        .iter()
        .filter(|y| y.fired.iter().any(|f| f.kind == FiredKind::Rule))
        .map(|y| y.year)
        .collect();
    assert_eq!(fired, vec![2026]);
}

#[test]
fn rule_on_leeway_does_not_misfire_in_the_first_year() {
    // Before the fix, record-based variables were 0 before the first year, so `leeway <= 0`
    // fired in 2024 although the defaults leave positive leeway.
    let mut s = defaults::serbia();
    let r = rule(
        &s,
        "collapse",
        "leeway <= 0 || poll.RU > 0.9",
        vec![Effect::SnapElection],
    );
    s.rules.push(r);
    let rec = record(&check(s), 1);
    assert!(
        rec.years[0].fired.iter().all(|f| f.kind != FiredKind::Rule),
        "rule fired in the first year"
    );
}

#[test]
fn event_setting_a_threat_belief_changes_the_belief() {
    let mut s = defaults::serbia();
    s.threats
        .push(defaults::threat("t", 1, 3, Domain::Technology, s.start));
    s.events.push(ScriptedEvent {
        name: "convinced".into(),
        year: s.start + 1,
        effects: vec![Effect::Param {
            target: Target::Belief(0),
            op: Op::Set(0.9),
        }],
    });
    let rec = record(&check(s), 1);
    assert!((rec.years[1].belief[0] - 0.9).abs() < 1e-12);
}

#[test]
fn pair_rivalry_effect_keeps_the_domain_profile() {
    let mut s = defaults::serbia();
    s.events.push(ScriptedEvent {
        name: "double".into(),
        year: s.start,
        effects: vec![Effect::Param {
            target: Target::Rivalry(1, 3, None),
            op: Op::Scale(2.0),
        }],
    });
    let before: Vec<f64> = (0..N_DOMAINS).map(|d| s.rivalry_of(1, 3, d)).collect();
    let params = check(s);
    let mut w = simulate::model::world::World::new(&params, 1);
    simulate::model::step::step(&mut w);
    for (d, b) in before.iter().enumerate() {
        assert!((w.p.rivalry_of(1, 3, d) - 2.0 * b).abs() < 1e-12);
    }
}

#[test]
fn ramp_started_by_a_rule_steps_in_its_first_year() {
    let mut s = defaults::serbia();
    let r = rule(
        &s,
        "ramp",
        "year >= 2025",
        vec![Effect::Param {
            target: Target::Credibility,
            op: Op::Ramp { to: 0.85, years: 4 },
        }],
    );
    s.rules.push(r);
    let rec = record(&check(s), 1);
    let c: Vec<f64> = rec.years[..6].iter().map(|y| y.credibility).collect();
    let expected = [0.45, 0.55, 0.65, 0.75, 0.85, 0.85];
    for (got, want) in c.iter().zip(expected) {
        assert!((got - want).abs() < 1e-9, "credibility path {c:?}");
    }
}

#[test]
fn event_on_a_start_only_parameter_is_refused() {
    let mut s = defaults::serbia();
    s.events.push(ScriptedEvent {
        name: "late".into(),
        year: s.start + 2,
        effects: vec![Effect::Param {
            target: Target::AnchorMean(2),
            op: Op::Set(0.2),
        }],
    });
    let e = Params::new(s).expect_err("must be refused");
    assert!(e.message.contains("only sets the starting state"), "{e}");
}

proptest! {
    /// Issue 11, point 3: with the cap on (`buster_cap` at most 1), no buster offers more for
    /// an imposed sanction than the sanction took from the state (docs/model.md §5.3), and the
    /// buster's exposure to secondary sanctions is in force.
    #[test]
    fn compensation_never_exceeds_the_damage_when_capped(
        buster in 0.0..5.0_f64,
        cap in 0.0..=1.0_f64,
        severity in 0.0..10.0_f64,
        damage in 0.0..2.0_f64,
    ) {
        let mut p = threat_case(1.0, 0.5, 0, buster, false).spec().clone();
        p.powers[3].buster_cap = cap;
        p.threats[0].severity = severity;
        p.threats[0].damage = damage;
        let params = check(p);
        let mut w = simulate::model::world::World::new(&params, 1);
        w.threats[0].stage = Stage::Imposed;
        let tech = Domain::Technology.index();
        let v = simulate::model::government::values(&w, tech);
        let loss = damage * severity;
        // China (3) is the buster: positive US-CN rivalry in technology.
        prop_assert!(v[3][9] <= loss + 1e-12, "compensation {} > damage {loss}", v[3][9]);
        prop_assert!((v[1][9] + loss).abs() < 1e-12);
        let ex = simulate::model::government::bust_exposure(&w, tech);
        let expect = if v[3][9] > 0.0 { params.powers[3].bust_cost * severity } else { 0.0 };
        prop_assert!((ex[3] - expect).abs() < 1e-12);
    }
}

#[test]
fn uncapped_compensation_is_the_buster_capacity() {
    // The switch: a cap at or above β/δ restores the earlier rule, compensation β S.
    let mut p = threat_case(1.0, 0.5, 0, 0.5, false).spec().clone();
    p.powers[3].buster_cap = 1000.0;
    let params = check(p);
    let mut w = simulate::model::world::World::new(&params, 1);
    w.threats[0].stage = Stage::Imposed;
    let v = simulate::model::government::values(&w, Domain::Technology.index());
    assert!((v[3][9] - 0.5).abs() < 1e-12, "{}", v[3][9]);
    // Capped at the damage (0.1 of severity 1), the default.
    let w2 = {
        let mut w = simulate::model::world::World::new(&threat_case(1.0, 0.5, 0, 0.5, false), 1);
        w.threats[0].stage = Stage::Imposed;
        w
    };
    let v2 = simulate::model::government::values(&w2, Domain::Technology.index());
    assert!((v2[3][9] - 0.1).abs() < 1e-12, "{}", v2[3][9]);
}

#[test]
fn conditionality_rewards_alignment_and_punishes_ties_to_rivals() {
    // Issue 11, point 2 (docs/model.md §5.2): 1 at the start, up with closeness to the EU,
    // down with closeness to Russia in security; the courting rule when switched off.
    let params = check(defaults::serbia());
    let mut w = simulate::model::world::World::new(&params, 1);
    let f = simulate::model::powers::conditionality_factor;
    assert!((f(&w, 0) - 1.0).abs() < 1e-12);
    let sec = Domain::Security.index();
    w.x[0][sec] += 0.2;
    let closer = f(&w, 0);
    assert!(closer > 1.0, "{closer}");
    w.x[0][sec] -= 0.2;
    w.x[2][sec] += 0.2;
    let rival = f(&w, 0);
    assert!(rival < 1.0, "{rival}");
    // κ = 1: own gain 0.25 × 0.2 = 0.05; rival 0.5 × 0.8 × 0.2 = 0.08 (EU-RU security rivalry).
    assert!(
        (closer - 1.05).abs() < 1e-9 && (rival - 0.92).abs() < 1e-9,
        "{closer} {rival}"
    );
}
