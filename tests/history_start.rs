//! Forward scenarios start from history: the baseline's starting state is the state the
//! historical scenario reaches at the end of 2023, its read-out parameters are the fitted
//! ones, and its first year agrees with the historical run's same year (docs/model.md §7).
#![allow(clippy::result_large_err)]

use simulate::experiment::{Plan, member};
use simulate::model::{Recorder, Target, YearRecord, run};
use simulate::scenario::{self, Scenario};
use std::path::Path;

fn load(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    scenario::load(&path, &[]).unwrap_or_else(|e| panic!("{e}"))
}

/// The record of `year` in each of the first `runs` runs.
fn year_records(s: &Scenario, runs: usize, year: i32) -> Vec<YearRecord> {
    let plan = Plan::ensemble(s.seed, runs, 0).expect("plan");
    plan.runs
        .iter()
        .map(|r| {
            let mut params = member(s, r).spec().clone();
            params.end = year;
            let params = simulate::model::Params::new(params).expect("params");
            let mut rec = Recorder::default();
            run(&params, r.seed, &mut rec);
            rec.years.pop().expect("a year")
        })
        .collect()
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (n, s) = v.fold((0usize, 0.0), |(n, s), x| (n + 1, s + x));
    s / n as f64
}

/// The baseline's starting state is the historical ensemble's at the end of 2023 (the same runs
/// `simulate run scenarios/historical.toml` makes), and its first year continues from there
/// without a jump. History's own 2024 differs by what its scripted 2024 events do (the EU growth
/// plan, the Chinese free trade agreement, the Rafale purchase, the Novi Sad canopy collapse),
/// which the baseline's 2024 world holds in its parameters instead: printed, not asserted.
#[test]
fn the_baseline_starts_where_history_stands() {
    let base = load("baseline.toml");
    let hist = load("historical.toml");
    let h2023 = year_records(&hist, 100, 2023);
    let h2024 = year_records(&hist, 100, 2024);
    let b2024 = year_records(&base, 100, 2024);
    for p in 0..4 {
        for d in 0..4 {
            let at_end = mean(h2023.iter().map(|r| r.closeness[p][d]));
            let start = Target::InitialCloseness(p, simulate::model::Domain::ALL[d]);
            let declared = start.get(base.base.spec());
            assert!(
                (declared - at_end).abs() < 1e-4,
                "starting closeness power {p} domain {d}: {declared} vs history's 2023 mean {at_end}"
            );
            let first = mean(b2024.iter().map(|r| r.closeness[p][d]));
            assert!(
                (first - at_end).abs() < 0.03,
                "2024 closeness power {p} domain {d}: baseline {first:.3} jumps from history's \
                 2023 {at_end:.3}"
            );
            let h = mean(h2024.iter().map(|r| r.closeness[p][d]));
            eprintln!(
                "closeness p{p} d{d}: history 2023 {at_end:.3}, baseline 2024 {first:.3}, history 2024 {h:.3}"
            );
        }
        let (ab, ah) = (
            mean(b2024.iter().map(|r| r.affinity[p])),
            mean(h2023.iter().map(|r| r.affinity[p])),
        );
        assert!(
            (ab - ah).abs() < 0.03,
            "mean affinity power {p}: baseline 2024 {ab:.3}, history 2023 {ah:.3}"
        );
    }
    let (lb, lh) = (
        mean(b2024.iter().map(|r| r.alignment)),
        mean(h2023.iter().map(|r| r.alignment)),
    );
    eprintln!("alignment: history 2023 {lh:.3}, baseline 2024 {lb:.3}");
    assert!(
        (lb - lh).abs() < 0.05,
        "alignment: baseline 2024 {lb:.3}, history 2023 {lh:.3}"
    );
}

#[test]
fn the_baseline_uses_the_fitted_read_outs() {
    let base = load("baseline.toml");
    let hist = load("historical.toml");
    for path in [
        "alignment.kappa0",
        "alignment.kappa1",
        "polls.aid_sharpness",
        "polls.aid_outside",
        "polls.aid_identity",
        "government.substitution",
        "government.reliability_learning",
        "government.opacity_premium",
        "government.surveillance_value",
        "government.accession_obligations",
        "government.dependence_lever",
        "government.exit_cost",
        "population.media_line",
        "alignment.cheap_share",
    ] {
        let t = Target::parse(path, base.base.spec()).expect("path");
        let (b, h) = (t.get(base.base.spec()), t.get(hist.base.spec()));
        assert!(
            (b - h).abs() < 1e-12,
            "{path}: baseline {b}, historical {h}"
        );
    }
    assert_eq!(
        base.base.alignment.agenda.last().map(|a| &a.shares),
        hist.base.alignment.agenda.last().map(|a| &a.shares),
        "the baseline continues the historical agenda"
    );
    let source = base
        .provenance
        .get("government.initial_closeness.CN.technology")
        .and_then(|p| p.source.clone())
        .unwrap_or_default();
    assert!(source.contains("historical.toml"), "{source}");
}

/// `simulate run` saves the history start its scenario used into the results
/// (`history_start.json`); the next run into the same folder reads it instead of running the
/// history again and writes the same bytes. The start is keyed by a digest of everything it
/// depends on: an entry under another key is not used.
#[test]
fn a_saved_history_start_is_reused_under_its_key_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("b");
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let run = || {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_simulate"))
            .arg(&baseline)
            .args([
                "--runs",
                "2",
                "--threads",
                "1",
                "-q",
                "--format",
                "svg",
                "--out",
            ])
            .arg(&out)
            .status()
            .expect("simulate runs");
        assert!(status.success());
        let read = |name: &str| std::fs::read_to_string(out.join(name)).expect(name);
        (
            read("scenario.resolved.toml"),
            read("summary.csv"),
            read("history_start.json"),
        )
    };
    let (resolved, summary, saved) = run();
    let doc: serde_json::Value = serde_json::from_str(&saved).expect("json");
    let starts = doc["starts"].as_array().expect("starts");
    assert_eq!(starts.len(), 1, "{saved}");
    // Four powers: closeness in four domains and the anchor mean of each.
    assert_eq!(starts[0]["moments"].as_array().map(Vec::len), Some(20));
    let again = run();
    assert_eq!(
        (&again.0, &again.1, &again.2),
        (&resolved, &summary, &saved)
    );

    // The saved numbers are what the next run uses: changed under the same key, they show.
    let first = starts[0]["moments"][0][0]
        .as_str()
        .expect("bits")
        .to_string();
    let marked = format!("{:016x}", 0.4242f64.to_bits());
    std::fs::write(
        out.join("history_start.json"),
        saved.replace(&first, &marked),
    )
    .expect("write");
    let (tampered, _, _) = run();
    assert!(
        tampered.contains("mean = 0.4242"),
        "the saved start was not read"
    );

    // Under another key (another build, history, number of runs or start year) the entry is
    // not used: the history runs again and gives the first run's bytes.
    let key = starts[0]["key"].as_str().expect("key").to_string();
    let other = format!(
        "{}{}",
        if key.starts_with('0') { "1" } else { "0" },
        &key[1..]
    );
    std::fs::write(
        out.join("history_start.json"),
        saved.replace(&first, &marked).replace(&key, &other),
    )
    .expect("write");
    let (fresh, summary_fresh, saved_fresh) = run();
    assert_eq!((&fresh, &summary_fresh), (&resolved, &summary));
    assert_eq!(saved_fresh, saved);
}
