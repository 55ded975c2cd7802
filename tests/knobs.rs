//! Every number is a knob: a change made by `--set`, by a child scenario or by an event in the
//! first year acts as the same policy change from the first year, against the reference the
//! rest point is solved from (docs/model.md §5.1, "Reference").
#![allow(clippy::result_large_err)]

use simulate::experiment::{Plan, member};
use simulate::model::{Recorder, YearRecord, run};
use simulate::scenario::{self, Scenario};
use std::path::{Path, PathBuf};

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// The records of the first `runs` runs of a scenario's ensemble.
fn records(s: &Scenario, runs: usize) -> Vec<Vec<YearRecord>> {
    let plan = Plan::ensemble(s.seed, runs, 0).expect("plan");
    plan.runs
        .iter()
        .map(|r| {
            let params = member(s, r);
            let mut rec = Recorder::default();
            run(&params, r.seed, &mut rec);
            rec.years
        })
        .collect()
}

/// What the three ways of making a change must agree on: every observable of every year.
fn observables(runs: &[Vec<YearRecord>]) -> Vec<Vec<f64>> {
    runs.iter()
        .map(|years| {
            years
                .iter()
                .flat_map(|y| {
                    let mut v: Vec<f64> = y.closeness.iter().flatten().copied().collect();
                    v.extend(&y.instruments.iter().flatten().copied().collect::<Vec<_>>());
                    v.extend(&y.affinity);
                    v.extend(&y.poll_friend);
                    v.extend(&y.poll_helped);
                    v.extend([y.alignment, y.leeway, y.membership_support, y.credibility]);
                    v
                })
                .collect()
        })
        .collect()
}

fn load_text(text: &str, dir: &Path) -> Scenario {
    scenario::load_str(text, "child.toml", dir, &[]).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// `--set path=value`, a child setting it in its file, and a child setting it by an event in
/// the first year: the same results on common random numbers, and different from the baseline.
fn check_knob(
    set: &str,
    file_line: (&str, &str),
    event: &str,
    measure: impl Fn(&YearRecord) -> f64,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = scenarios_dir().join("baseline.toml");
    let extends = format!("extends = {:?}\n", baseline.display().to_string());
    let runs = 12;

    let base = scenario::load(&baseline, &[]).expect("baseline");
    let by_set = scenario::load(&baseline, &[set.to_string()]).expect("--set");
    let (table, line) = file_line;
    let by_file = load_text(
        &format!(
            "{extends}[ensemble]\nseed = {}\n{table}\n{line}\n",
            base.seed
        ),
        dir.path(),
    );
    let by_event = load_text(
        &format!(
            "{extends}[ensemble]\nseed = {}\n[events.policy]\nyear = {}\nset = {{ {event} }}\n",
            base.seed, base.base.start
        ),
        dir.path(),
    );
    for s in [&by_set, &by_file, &by_event] {
        assert!(s.reference.is_some(), "{set}: a reference must be in force");
    }
    let (r0, r_set, r_file, r_event) = (
        records(&base, runs),
        records(&by_set, runs),
        records(&by_file, runs),
        records(&by_event, runs),
    );
    let (o_set, o_file, o_event) = (
        observables(&r_set),
        observables(&r_file),
        observables(&r_event),
    );
    assert_eq!(o_set, o_file, "{set}: --set and a child file differ");
    assert_eq!(o_set, o_event, "{set}: --set and a first-year event differ");
    // And the change acts: the measure moves against the baseline by the last year.
    let last = |r: &[Vec<YearRecord>]| {
        r.iter()
            .map(|y| measure(y.last().expect("years")))
            .sum::<f64>()
            / runs as f64
    };
    let moved = (last(&r_set) - last(&r0)).abs();
    assert!(moved > 0.01, "{set}: moved the measure by only {moved:.4}");
}

#[test]
fn a_budget_acts_from_the_first_year() {
    check_knob(
        "powers.US.budget=0.8",
        ("[powers.US]", "budget = 0.8"),
        "\"powers.US.budget\" = 0.8",
        |y| y.aggregate[1],
    );
}

#[test]
fn a_trade_share_acts_from_the_first_year() {
    check_knob(
        "powers.CN.trade=25",
        ("[powers.CN]", "trade = 25"),
        "\"powers.CN.trade\" = 25",
        |y| y.closeness[3][0],
    );
}

#[test]
fn a_sovereignty_support_acts_from_the_first_year() {
    check_knob(
        "powers.RU.sovereignty_support=0.2",
        ("[powers.RU]", "sovereignty_support = 0.2"),
        "\"powers.RU.sovereignty_support\" = 0.2",
        |y| y.aggregate[2],
    );
}

#[test]
fn the_credibility_acts_from_the_first_year() {
    check_knob(
        "accession.credibility=0.85",
        ("[accession]", "credibility = 0.85"),
        "\"accession.credibility\" = 0.85",
        |y| y.aggregate[0],
    );
}

#[test]
fn a_rivalry_acts_from_the_first_year() {
    check_knob(
        "rivalry.US-CN.technology=1.6",
        ("[rivalry]", "\"US-CN\" = { technology = 1.6 }"),
        "\"rivalry.US-CN.technology\" = 1.6",
        |y| y.closeness[3][2],
    );
}

#[test]
fn a_media_image_acts_from_the_first_year() {
    check_knob(
        "population.media_pro_government.RU=0.35",
        ("[population]", "media_pro_government = { RU = 0.35 }"),
        "\"population.media_pro_government.RU\" = 0.35",
        |y| y.affinity[2],
    );
}

/// One share of the EU's agenda: the year's other shares are rescaled so it still sums to 1,
/// whether the share is set on the command line, in a child file or by an event.
#[test]
fn an_agenda_share_acts_from_the_first_year() {
    check_knob(
        "alignment.agenda.2024.RU=0.2",
        ("[alignment.agenda]", "2024 = { RU = 0.2 }"),
        "\"alignment.agenda.2024.RU\" = 0.2",
        |y| y.alignment,
    );
}

#[test]
fn an_agenda_share_rescales_the_others_and_errors_name_the_year() {
    let baseline = scenarios_dir().join("baseline.toml");
    let s =
        scenario::load(&baseline, &["alignment.agenda.2024.RU=0.2".to_string()]).expect("--set");
    let shares: Vec<f64> = s.base.spec().alignment.agenda[0]
        .shares
        .iter()
        .map(|(_, v)| *v)
        .collect();
    // RU 0.5 -> 0.2; CN 0.05 and other 0.45 keep their ratio 1:9 and take the rest.
    let want = [0.2, 0.08, 0.72];
    for (got, want) in shares.iter().zip(want) {
        assert!((got - want).abs() < 1e-9, "{shares:?}");
    }
    let target = simulate::model::Target::parse("alignment.agenda.2024.CN", s.base.spec())
        .expect("a declared share");
    let mut spec = s.base.spec().clone();
    target.set(&mut spec, 0.28);
    let sum: f64 = spec.alignment.agenda[0].shares.iter().map(|(_, v)| v).sum();
    assert!((sum - 1.0).abs() < 1e-12);
    assert!((target.get(&spec) - 0.28).abs() < 1e-12);
    let err = simulate::model::Target::parse("alignment.agenda.2030.RU", s.base.spec())
        .expect_err("an undeclared year");
    assert!(err.contains("declared 2024"), "{err}");
    let err = simulate::model::Target::parse("alignment.agenda.2024.US", s.base.spec())
        .expect_err("a target without a share");
    assert!(err.contains("RU, CN, other"), "{err}");
}

/// An identity anchor only shapes the starting population (an event cannot set it), so the
/// check is `--set` against a child file, and that the anchor moves closeness, not only opinion.
#[test]
fn an_opinion_anchor_acts_from_the_first_year() {
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = scenarios_dir().join("baseline.toml");
    let base = scenario::load(&baseline, &[]).expect("baseline");
    let by_set =
        scenario::load(&baseline, &["population.anchor_mean.US=0.5".to_string()]).expect("--set");
    let by_file = load_text(
        &format!(
            "extends = {:?}\n[population]\nanchor_mean = {{ US = 0.5 }}\n",
            baseline.display().to_string()
        ),
        dir.path(),
    );
    let (r0, r_set, r_file) = (
        records(&base, 12),
        records(&by_set, 12),
        records(&by_file, 12),
    );
    assert_eq!(observables(&r_set), observables(&r_file));
    let last = |r: &[Vec<YearRecord>]| {
        r.iter()
            .map(|y| y.last().expect("years").aggregate[1])
            .sum::<f64>()
            / 12.0
    };
    let moved = last(&r_set) - last(&r0);
    assert!(
        moved > 0.01,
        "a warmer public towards the US moved closeness by {moved:.4}"
    );
}

/// Without any change, a child or `--set` of the reference's own value gives the baseline's
/// results exactly: the reference changes nothing by itself.
#[test]
fn the_reference_alone_changes_nothing() {
    let baseline = scenarios_dir().join("baseline.toml");
    let base = scenario::load(&baseline, &[]).expect("baseline");
    assert!(base.reference.is_none());
    let same = scenario::load(&baseline, &["polls.respondents=1000".to_string()]).expect("--set");
    assert!(same.reference.is_some());
    assert_eq!(
        observables(&records(&base, 8)),
        observables(&records(&same, 8))
    );
}

#[test]
fn describe_names_the_reference() {
    let us = scenarios_dir().join("us_pressure.toml");
    let s = scenario::load(&us, &[]).expect("us_pressure");
    let text = s.reference_text();
    assert!(text.contains("baseline.toml"), "{text}");
    assert!(text.contains("extends chain"), "{text}");
}
