//! The mechanisms of issue 11 (docs/model.md §10, items 28–39), each against its switch: the
//! mechanism moves its outcome in the direction the literature and the record say, and
//! switching it off gives the earlier behaviour. Plus stylised facts 6 and 8 (docs/model.md
//! §8) on the library API. Every test runs in well under a second per case.
#![allow(clippy::result_large_err)]
#![allow(clippy::needless_range_loop)] // indices mirror the model's [power][domain] layout

use simulate::model::{
    Domain, Effect, Kind, Op, ParamSpec, Params, Recorder, ScriptedEvent, Target, ThreatParams,
    defaults, run,
};

const EU: usize = 0;
const US: usize = 1;
const RU: usize = 2;
const CN: usize = 3;
const ECO: usize = 0;
const SEC: usize = 1;
const DIP: usize = 3;

/// Serbia's defaults with no decision noise and no elections, small population.
fn quiet() -> ParamSpec {
    let mut s = defaults::serbia();
    s.government.noise = 0.0;
    s.government.election_period = 0;
    s.population.citizens = 400;
    s.polls.respondents = 200;
    s.end = s.start + 8;
    s
}

fn record(spec: &ParamSpec, seed: u64) -> Recorder {
    let params = Params::new(spec.clone()).expect("valid test parameters");
    let mut rec = Recorder::default();
    run(&params, seed, &mut rec);
    rec
}

/// Closeness `x[p][d]` in the last year.
fn last(spec: &ParamSpec, p: usize, d: usize) -> f64 {
    record(spec, 7).years.last().expect("years").closeness[p][d]
}

fn event(s: &mut ParamSpec, year: i32, effects: Vec<Effect>) {
    s.events.push(ScriptedEvent {
        name: format!("event {year}"),
        year,
        effects,
    });
}

fn set(s: &ParamSpec, path: &str, value: f64) -> Effect {
    Effect::Param {
        target: Target::parse(path, s).expect("path"),
        op: Op::Set(value),
    }
}

/// A US red line on closeness to Russia in security, issued in the second year and imposed
/// at once (resolve 1, no grace), landing in `lands_in`.
fn arms_sanction(lands_in: Domain) -> ParamSpec {
    let mut s = quiet();
    s.threats.push(ThreatParams {
        id: "us_arms".into(),
        sender: US,
        rival: RU,
        domain: Domain::Security,
        red_line: 0.1,
        severity: 1.0,
        grace: 0,
        resolve: 1.0,
        belief: 0.5,
        learning: 0.0,
        damage: 0.3,
        lift: 0.0,
        issue: None,
        active_from: s.start,
        lands_in,
    });
    let start = s.start;
    event(&mut s, start + 1, vec![Effect::StartThreat(0)]);
    s
}

/// Point 1, linkage: a financial sanction over an arms red line costs the state its economic
/// ties with the sender, not its security ties (the 2019 warning, events.csv; the NIS
/// sanctions hit the energy company).
#[test]
fn a_financial_sanction_over_arms_lands_in_the_economy() {
    let sec = arms_sanction(Domain::Security);
    let eco = arms_sanction(Domain::Economy);
    let (us_eco_sec, us_eco_eco) = (last(&sec, US, ECO), last(&eco, US, ECO));
    let (us_sec_sec, us_sec_eco) = (last(&sec, US, SEC), last(&eco, US, SEC));
    assert!(
        us_eco_eco < us_eco_sec - 0.05,
        "economic closeness to the US: landing in the economy {us_eco_eco}, in security {us_eco_sec}"
    );
    assert!(
        us_sec_eco > us_sec_sec + 0.05,
        "security closeness to the US: landing in the economy {us_sec_eco}, in security {us_sec_sec}"
    );
    // Landing in the economy, the sanction costs nothing in security: closeness to the US
    // there is not below the run without any sanction.
    let none = last(&quiet(), US, SEC);
    assert!(
        us_sec_eco > none - 0.01,
        "security closeness to the US: {us_sec_eco}, without a sanction {none}"
    );
}

/// Point 4, substitution: a believed US red line on Russian arms moves part of the demand to
/// China, Russia's partner (FK-3 instead of S-300, 2019–2022). Without substitution China is
/// dragged down with Russia (their complementarity, and the West's rivalry with China as
/// closeness to the West rises); with it the drag is at least halved (measured −0.035
/// against −0.076 after seven years).
#[test]
fn a_red_line_on_russian_arms_moves_demand_to_china() {
    let mut threat = arms_sanction(Domain::Economy);
    threat.threats[0].resolve = 0.0; // believed, never carried out
    threat.threats[0].belief = 0.9;
    threat.threats[0].red_line = 0.3;
    let mut none = threat.clone();
    none.events.clear();
    let mut off = threat.clone();
    off.government.substitution = 0.0;
    let mut none_off = none.clone();
    none_off.government.substitution = 0.0;
    let gain_on = last(&threat, CN, SEC) - last(&none, CN, SEC);
    let gain_off = last(&off, CN, SEC) - last(&none_off, CN, SEC);
    assert!(
        gain_off < -0.03,
        "China in security, change under the red line without substitution: {gain_off}"
    );
    assert!(
        gain_on > gain_off + 0.03 && gain_on > 0.5 * gain_off,
        "China in security, change under the red line: with substitution {gain_on}, without {gain_off}"
    );
    assert!(last(&threat, RU, SEC) < last(&none, RU, SEC) - 0.05);
}

/// Point 4, reliability: a patron that cuts the support it promised (arms and the Kosovo
/// veto) is believed less reliable, and what it still gives is worth less: closeness falls
/// further than the cut alone explains.
#[test]
fn a_patron_that_cuts_its_support_loses_more_than_the_cut() {
    let cut = |learn: f64| {
        let mut s = quiet();
        s.government.reliability_learning = learn;
        let start = s.start;
        let effects = vec![
            set(&s, "powers.RU.mix.arms", 0.12),
            set(&s, "powers.RU.sovereignty_support", 0.5),
        ];
        event(&mut s, start + 1, effects);
        let mut steady = s.clone();
        steady.events.clear();
        last(&s, RU, SEC) - last(&steady, RU, SEC)
    };
    let (with, without) = (cut(0.3), cut(0.0));
    assert!(without < 0.0, "the cut alone lowers closeness: {without}");
    assert!(
        with < without - 0.02,
        "with the reliability belief {with}, without {without}"
    );
}

/// Point 4, protection that needs one veto holder: when Russia withdraws its Kosovo support,
/// China's becomes what protects the state, and closeness to China in diplomacy rises; summed
/// support (the design) leaves China's value unchanged.
#[test]
fn when_one_veto_holder_leaves_the_other_one_gains() {
    let gain = |pooling: f64| {
        let mut s = quiet();
        s.government.veto_pooling = pooling;
        s.government.reliability_learning = 0.0;
        let start = s.start;
        let effects = vec![set(&s, "powers.RU.sovereignty_support", 0.0)];
        let steady = s.clone();
        event(&mut s, start + 1, effects);
        last(&s, CN, DIP) - last(&steady, CN, DIP)
    };
    let (pooled, summed) = (gain(1.0), gain(0.0));
    assert!(pooled > 0.05, "one veto suffices: China gains {pooled}");
    assert!(
        summed < pooled - 0.05,
        "summed support: China gains {summed}, pooled {pooled}"
    );
}

/// Point 5, opacity: the same rise of loans moves the government further towards the donor
/// whose money comes without conditions (Chinese loans, Gelpern et al. 2021).
#[test]
fn opaque_loans_are_worth_more_to_the_government() {
    let gain = |premium: f64| {
        let mut s = quiet();
        s.government.opacity_premium = premium;
        let start = s.start;
        let effects = vec![Effect::Param {
            target: Target::parse("powers.CN.budget", &s).expect("path"),
            op: Op::Scale(2.0),
        }];
        let steady = s.clone();
        event(&mut s, start + 1, effects);
        last(&s, CN, ECO) - last(&steady, CN, ECO)
    };
    let (opaque, plain) = (gain(0.5), gain(0.0));
    assert!(
        plain > 0.0,
        "doubling China's money moves the economy: {plain}"
    );
    assert!(
        opaque > plain * 1.1,
        "with the opacity premium {opaque}, without {plain}"
    );
}

/// Point 5, surveillance: Chinese technology (Safe City) adds to the regime's security, so a
/// technology push moves closeness to China in security too.
#[test]
fn surveillance_technology_has_regime_security_value() {
    let gain = |value: f64| {
        let mut s = quiet();
        s.government.surveillance_value = value;
        let start = s.start;
        let effects = vec![Effect::Deliver {
            power: CN,
            kind: Kind::Tech,
            amount: 0.5,
        }];
        let steady = s.clone();
        event(&mut s, start + 1, effects);
        let r = record(&s, 7);
        let b = record(&steady, 7);
        r.years[3].closeness[CN][SEC] - b.years[3].closeness[CN][SEC]
    };
    let (with, without) = (gain(0.5), gain(0.0));
    assert!(
        with > without + 0.01,
        "security gain from technology: with {with}, without {without}"
    );
}

/// Point 5, the electoral calendar: with anticipation the weight of opinion builds up over
/// the cycle (no jump from the regular weight to the election weight and back), and the
/// election year keeps the full multiplier; anticipation 0 is the design's sawtooth.
#[test]
fn the_weight_of_opinion_builds_up_towards_the_election() {
    let weights = |a: f64| {
        let mut s = quiet();
        s.government.election_period = 4;
        s.government.first_election = s.start + 3;
        s.government.election_anticipation = a;
        record(&s, 1)
            .years
            .iter()
            .map(|y| y.opinion_weight)
            .collect::<Vec<_>>()
    };
    let (mu, m) = (0.4, 1.75);
    let saw = weights(0.0);
    assert!((saw[0] - mu).abs() < 1e-12 && (saw[2] - mu).abs() < 1e-12);
    assert!((saw[3] - mu * m).abs() < 1e-12 && (saw[4] - mu).abs() < 1e-12);
    let smooth = weights(0.5);
    for y in 0..3 {
        assert!(smooth[y] < smooth[y + 1], "builds up: {smooth:?}");
    }
    assert!((smooth[3] - mu * m).abs() < 1e-12);
    assert!(
        (smooth[2] - mu * (1.0 + 0.75 * 0.5)).abs() < 1e-12,
        "{smooth:?}"
    );
    // The drop after the vote is smaller than the sawtooth's.
    assert!(smooth[3] - smooth[4] < saw[3] - saw[4]);
}

/// Point 5, media that follow the government's line: when the government turns away from
/// the EU in diplomacy, the pro-government audience follows it (rivalry_blocs: the
/// government cut diplomatic closeness to the EU from 0.50 to 0.06 while the polls stood
/// still).
#[test]
fn pro_government_media_follow_the_government_line() {
    let fall = |line: f64| {
        let mut s = quiet();
        s.population.media_line = line;
        let start = s.start;
        let effects = vec![set(&s, "rivalry.EU-RU.diplomacy", 2.5)];
        let steady = s.clone();
        event(&mut s, start + 1, effects);
        let r = record(&s, 3);
        let b = record(&steady, 3);
        let dip = r.years.last().expect("y").closeness[EU][DIP]
            - b.years.last().expect("y").closeness[EU][DIP];
        let aff = r.years.last().expect("y").affinity[EU] - b.years.last().expect("y").affinity[EU];
        (dip, aff)
    };
    let (dip_on, aff_on) = fall(0.5);
    let (dip_off, aff_off) = fall(0.0);
    assert!(
        dip_on < -0.1 && dip_off < -0.1,
        "the government turns: {dip_on}, {dip_off}"
    );
    assert!(
        aff_on < aff_off - 0.01,
        "EU affinity change with the line {aff_on}, without {aff_off}"
    );
}

/// Point 6, cheap signals: a state close to Russia in diplomacy refuses the costly
/// declarations on Russia but joins the cheap ones (UN General Assembly votes after 2022,
/// events.csv), so its alignment rate stays higher than the costly read-out alone.
#[test]
fn cheap_signals_keep_alignment_above_the_costly_read_out() {
    let alignment = |c: f64| {
        let mut s = quiet();
        s.alignment.cheap_share = c;
        s.alignment.kappa1 = 10.0;
        record(&s, 1).years[0].alignment
    };
    let (none, some, all) = (alignment(0.0), alignment(0.3), alignment(1.0));
    assert!(some > none + 0.01, "cheap share 0.3: {some}, none: {none}");
    assert!(all > some, "all cheap {all}");
    // With no power targeted by the agenda the share changes nothing.
    let mut s = quiet();
    s.alignment.agenda[0].shares = vec![(simulate::model::AgendaTarget::Other, 1.0)];
    let a = |c: f64| {
        let mut t = s.clone();
        t.alignment.cheap_share = c;
        record(&t, 1).years[0].alignment
    };
    assert!((a(0.0) - a(1.0)).abs() < 1e-12);
}

/// Point 2, the obligations of membership: when the perspective becomes credible (0.45 → 0.9),
/// ties to the EU's rivals get dearer (CFSP alignment: sanctions on Russia, the arms embargo
/// on China), so closeness to Russia in security and diplomacy falls against the run where
/// credibility stays; with the obligations off the same rise of credibility costs Russia
/// less. A loss of credibility works the other way round.
#[test]
fn obligations_of_membership_raise_the_price_of_ties_to_the_eus_rivals() {
    let run_with = |obligations: f64, credibility: Option<f64>| {
        let mut s = quiet();
        s.government.accession_obligations = obligations;
        if let Some(c) = credibility {
            let start = s.start;
            let e = set(&s, "accession.credibility", c);
            event(&mut s, start + 1, vec![e]);
        }
        let r = record(&s, 7);
        let y = r.years.last().expect("years");
        (
            y.closeness[RU][SEC],
            y.closeness[RU][DIP],
            y.closeness[EU][DIP],
        )
    };
    let (on, on_rise, on_fall) = (
        run_with(0.5, None),
        run_with(0.5, Some(0.9)),
        run_with(0.5, Some(0.2)),
    );
    let (off, off_rise) = (run_with(0.0, None), run_with(0.0, Some(0.9)));
    let drop_on = on_rise.0 - on.0;
    let drop_off = off_rise.0 - off.0;
    assert!(
        drop_on < drop_off - 0.02,
        "Russia in security after the rise of credibility: {drop_on} with obligations, {drop_off} without"
    );
    assert!(
        on_rise.1 - on.1 < off_rise.1 - off.1 - 0.01,
        "Russia in diplomacy"
    );
    assert!(
        on_fall.0 > on.0 + 0.01,
        "a loss of credibility lightens the obligations: {on_fall:?} against {on:?}"
    );
    // Without any change of credibility or offer the obligations sit in the rest point.
    assert!((on.0 - off.0).abs() < 0.02, "{on:?} against {off:?}");
}

/// Point 1, the West's lever: a believed red line weighs more when the state depends on the
/// sender's camp for its trade (Hirschman 1945; Farrell & Newman 2019). The same US warning
/// on Russian arms cuts closeness to Russia in security by more when the EU, the US's partner,
/// takes 60% of GDP in trade than when it takes 10%; with the lever off the trade does not
/// matter.
#[test]
fn dependence_on_the_senders_camp_weighs_its_threats() {
    let fall = |lever: f64, eu_trade: f64| {
        let mut base = arms_sanction(Domain::Security);
        base.threats[0].resolve = 0.0;
        base.threats[0].belief = 0.3;
        base.threats[0].severity = 0.3;
        base.threats[0].red_line = 0.2;
        base.government.dependence_lever = lever;
        base.powers[EU].mix[Kind::Trade.index()] = eu_trade;
        let mut none = base.clone();
        none.events.clear();
        last(&base, RU, SEC) - last(&none, RU, SEC)
    };
    let (high, low) = (fall(1.0, 60.0), fall(1.0, 10.0));
    assert!(
        high < low - 0.02,
        "fall of Russia in security: trade 60% {high}, 10% {low}"
    );
    let (high_off, low_off) = (fall(0.0, 60.0), fall(0.0, 10.0));
    assert!(
        (high_off - low_off).abs() < 0.005,
        "without the lever: trade 60% {high_off}, 10% {low_off}"
    );
    assert!(
        high < high_off - 0.02,
        "the lever adds to the threat: {high} against {high_off}"
    );
}

/// Point 1, the market's exit cost: under a rivalry shock in the economy (the West against
/// China and Russia, as in `rivalry_blocs`) a state a little closer to China keeps more of
/// its economic tie to the EU, which
/// takes 60% of GDP in trade, when cutting a large market costs more the further it goes
/// (Keohane & Nye 1977 on vulnerability; Hirschman 1945); with no exit cost the tie to the
/// main market falls as far as the tie to a minor one.
#[test]
fn the_exit_cost_of_a_large_market_holds_the_economic_tie_under_rivalry() {
    let tie = |exit: f64| {
        let mut s = quiet();
        s.government.exit_cost = exit;
        // As at the end of the history: a little closer to China than to the EU in the
        // economy, so the shock pulls the state away from its main market.
        s.government.initial_closeness[EU][ECO] = 0.5;
        s.government.initial_closeness[CN][ECO] = 0.6;
        let start = s.start;
        let effects = vec![
            set(&s, "rivalry.EU-CN.economy", 1.5),
            set(&s, "rivalry.US-CN.economy", 1.5),
            set(&s, "rivalry.EU-RU.economy", 1.5),
            set(&s, "rivalry.US-RU.economy", 1.5),
        ];
        event(&mut s, start + 1, effects);
        let r = record(&s, 7);
        let first = r.years.first().expect("years").closeness[EU][ECO];
        (first, last(&s, EU, ECO))
    };
    let (start0, end0) = tie(0.0);
    let (start1, end1) = tie(1.0);
    // The rest point absorbs the level: both start from the same tie.
    assert!((start0 - start1).abs() < 0.02, "{start0} against {start1}");
    assert!(
        end1 > end0 + 0.05,
        "economic tie to the EU after the shock: exit cost 1 {end1}, none {end0}"
    );
}

/// Point 6, signals that follow the pressure: with cheap declarations read as costly ones
/// when nothing presses (`cheap_base` 0), the state joins more of the cheap declarations on
/// Russia when the EU's rivalry with Russia in diplomacy is high (the UN General Assembly
/// votes of 2022–2023 while refusing sanctions, events.csv); with no signalling effort the
/// rivalry changes nothing in the read-out.
#[test]
fn cheap_signals_rise_with_the_pressure_to_signal() {
    let alignment = |effort: f64, rivalry: f64| {
        let mut s = quiet();
        s.alignment.cheap_share = 0.5;
        s.alignment.cheap_base = 0.0;
        s.alignment.signal_effort = effort;
        s.alignment.kappa1 = 10.0;
        let params = Params::new(s.clone()).expect("valid");
        let mut spec = params.spec().clone();
        spec.set_rivalry(EU, RU, DIP, rivalry);
        record(&spec, 1).years[0].alignment
    };
    let (calm, pressed) = (alignment(2.0, 0.1), alignment(2.0, 1.0));
    assert!(
        pressed > calm + 0.02,
        "alignment: rivalry 1.0 {pressed}, 0.1 {calm}"
    );
    let (calm0, pressed0) = (alignment(0.0, 0.1), alignment(0.0, 1.0));
    assert!(
        (calm0 - pressed0).abs() < 0.01,
        "no effort: rivalry 1.0 {pressed0}, 0.1 {calm0}"
    );
    // `cheap_base` 0 with no effort reads cheap declarations as costly ones.
    let mut s = quiet();
    s.alignment.kappa1 = 10.0;
    let costly = record(&s, 1).years[0].alignment;
    assert!((calm0 - costly).abs() < 0.01, "{calm0} against {costly}");
}

/// Every mechanism off gives the earlier model's records (the switches reach the earlier
/// behaviour): the only differences left are the items the switches do not touch, so with
/// every switch off a run equals itself with the new mechanisms' parameters at any value.
#[test]
fn switched_off_mechanisms_ignore_their_other_parameters() {
    let mut off = quiet();
    let g = &mut off.government;
    g.veto_pooling = 0.0;
    g.reliability_learning = 0.0;
    g.substitution = 0.0;
    g.opacity_premium = 0.0;
    g.surveillance_value = 0.0;
    g.election_anticipation = 0.0;
    g.promotion_cycle = 0.0;
    g.accession_obligations = 0.0;
    g.dependence_lever = 0.0;
    g.exit_cost = 0.0;
    off.population.media_line = 0.0;
    off.alignment.cheap_share = 0.0;
    let mut other = off.clone();
    for p in &mut other.powers {
        p.opacity = 1.0 - p.opacity;
    }
    let (a, b) = (record(&off, 5), record(&other, 5));
    for (x, y) in a.years.iter().zip(&b.years) {
        assert_eq!(x.closeness, y.closeness);
        assert_eq!(x.affinity, y.affinity);
    }
}

/// Stylised fact 8 (docs/model.md §8): support for membership erodes when the perspective
/// loses credibility, even while the EU stays the largest economic partner.
#[test]
fn membership_support_erodes_when_the_perspective_loses_credibility() {
    let mut lost = quiet();
    let start = lost.start;
    let effects = vec![set(&lost, "accession.credibility", 0.3)];
    let kept = lost.clone();
    event(&mut lost, start + 1, effects);
    let mut drop = 0.0;
    let seeds = 0..4u64;
    for seed in seeds.clone() {
        let (l, k) = (record(&lost, seed), record(&kept, seed));
        let (yl, yk) = (l.years.last().expect("y"), k.years.last().expect("y"));
        drop += (yk.membership_support - yl.membership_support) / 4.0;
        for p in [US, RU, CN] {
            assert!(
                yl.closeness[EU][ECO] > yl.closeness[p][ECO],
                "the EU stays the largest economic partner"
            );
        }
    }
    assert!(
        drop > 0.02,
        "membership support falls by {drop} after the loss of credibility"
    );
}

/// Mean of a measure in a year over `runs` runs of a shipped scenario, with `--set`-style
/// overrides.
fn scenario_means(
    file: &str,
    sets: &[&str],
    runs: usize,
    series: &[(&str, &str, i32)],
) -> Vec<f64> {
    use simulate::experiment::{Exec, Plan, execute};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let s = simulate::scenario::load(&path, &sets).expect("scenario loads");
    let plan = Plan::ensemble(s.seed, runs, 0).expect("plan");
    let e = execute(
        &s,
        &plan,
        &Exec {
            threads: 2,
            progress: &|_| {},
        },
        &mut |_| Ok(()),
    )
    .expect("runs");
    series
        .iter()
        .map(|(measure, power, year)| {
            let sr = e.summary.get(measure, power, "").expect("series");
            let i = e
                .summary
                .years
                .iter()
                .position(|y| y == year)
                .expect("year");
            sr[i].mean
        })
        .collect()
}

/// Stylised fact 6 (docs/model.md §8): identities hold (Russia about 40% "greatest friend"
/// 2017–2023, BCSP 2020 and Demostat 2017 in polls.csv) while China rises from Demostat's 6%
/// (2017) towards BCSP's 16% (2020). On the fitted historical run China's share rises by at
/// least two points from 2017 to 2020 and lies in 13–25% in 2020; without pro-government media
/// that follow the government's line it stays below 14% (measured: 12.8%).
#[test]
fn china_rises_as_greatest_friend_while_russia_holds() {
    let series = [
        ("poll_friend", "CN", 2017),
        ("poll_friend", "CN", 2020),
        ("poll_friend", "RU", 2017),
        ("poll_friend", "RU", 2023),
    ];
    let on = scenario_means("historical.toml", &[], 40, &series);
    eprintln!("historical, CN 2017 / 2020, RU 2017 / 2023: {on:?}");
    assert!(on[1] > on[0] + 0.02, "China's share rises: {on:?}");
    assert!((0.13..=0.25).contains(&on[1]), "China in 2020: {on:?}");
    for ru in &on[2..] {
        assert!((0.33..=0.50).contains(ru), "Russia holds about 40%: {on:?}");
    }
    let off = scenario_means("historical.toml", &["population.media_line=0"], 40, &series);
    eprintln!("without the media line: {off:?}");
    assert!(off[1] < 0.14, "without the line China stays low: {off:?}");
}
