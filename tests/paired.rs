//! Paired differences, Shapley attribution and scenario trees on common random numbers:
//! scenarios that agree up to a year give identical records up to that year, every branch of
//! a tree is its trunk before the fork, the Shapley parts add up to the gap, and `diff` and
//! `tree` give the same bytes on any thread count and refuse bad trees with located errors.

use assert_cmd::Command;
use simulate::experiment::levers::{Levers, reference_of, with_reference};
use simulate::experiment::paired::{self, Series};
use simulate::experiment::study::measure_names;
use simulate::experiment::{Exec, Plan, run_one};
use simulate::model::record::FiredKind;
use simulate::scenario::{Scenario, load};
use std::path::{Path, PathBuf};

fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

const CHANGE_YEAR: i32 = 2030;

/// us_pressure, and us_pressure with more US money from 2030 (same reference, same seeds).
fn pair() -> (Scenario, Scenario) {
    let path = scenarios().join("us_pressure.toml");
    let a = load(&path, &[]).expect("us_pressure loads");
    let b = load(
        &path,
        &[format!(
            "events.more_money={{ year = {CHANGE_YEAR}, add = {{ \"powers.US.budget\" = 0.4 }} }}"
        )],
    )
    .expect("override loads");
    (a, b)
}

#[test]
fn scenarios_that_agree_up_to_a_year_give_identical_records_up_to_that_year() {
    let (a, b) = pair();
    let plan = Plan::ensemble(a.seed, 12, 0).expect("plan");
    let before = (CHANGE_YEAR - a.base.start) as usize;
    let per_year = measure_names(&a.base).len();
    let mut differs_after = false;
    for spec in &plan.runs {
        let (ra, rb) = (run_one(&a, spec), run_one(&b, spec));
        let cut = before * per_year;
        assert_eq!(
            bits(&ra.values[..cut]),
            bits(&rb.values[..cut]),
            "run {}: measures differ before {CHANGE_YEAR}",
            spec.replicate
        );
        let dcut = before * (ra.drivers.len() / a.base.n_years());
        assert_eq!(
            bits(&ra.drivers[..dcut]),
            bits(&rb.drivers[..dcut]),
            "run {}: drivers differ before {CHANGE_YEAR}",
            spec.replicate
        );
        let early = |f: &[(usize, simulate::model::record::Fired)]| {
            f.iter()
                .filter(|(y, _)| *y < before)
                .copied()
                .collect::<Vec<_>>()
        };
        assert_eq!(early(&ra.fired), early(&rb.fired), "event logs differ");
        differs_after |= bits(&ra.values[cut..]) != bits(&rb.values[cut..]);
    }
    assert!(differs_after, "the change in {CHANGE_YEAR} changed nothing");
}

#[test]
fn random_events_keep_their_draws_after_the_differing_year() {
    // The random-event stream draws once per declared event per year whatever happens, so a
    // change of money in 2030 leaves every later random event as it was.
    let (a, b) = pair();
    let plan = Plan::ensemble(a.seed, 12, 0).expect("plan");
    let mut seen = 0;
    for spec in &plan.runs {
        let random = |f: &[(usize, simulate::model::record::Fired)]| {
            f.iter()
                .filter(|(_, x)| x.kind == FiredKind::Random)
                .copied()
                .collect::<Vec<_>>()
        };
        let (ra, rb) = (run_one(&a, spec), run_one(&b, spec));
        assert_eq!(random(&ra.fired), random(&rb.fired));
        seen += random(&ra.fired).len();
    }
    assert!(
        seen > 0,
        "no random event fired: the test would prove nothing"
    );
}

fn all_series(s: &Scenario, plan: &Plan, names: &[String]) -> Series {
    paired::series(
        s,
        plan,
        names,
        &Exec {
            threads: 2,
            progress: &|_| {},
        },
    )
    .expect("runs")
}

#[test]
fn every_branch_of_the_tree_is_its_trunk_before_the_fork() {
    let path = scenarios().join("tree_2027.toml");
    let text = std::fs::read_to_string(&path).expect("readable");
    let trunk = load(&path, &[]).expect("trunk loads");
    let tree = simulate::experiment::tree::parse(&text, "tree_2027.toml", 2024, 2040)
        .expect("tree parses")
        .expect("has branches");
    let leaves = tree.leaves();
    assert_eq!(leaves.len(), 4);
    let reference = reference_of(&trunk, &trunk);
    let names = measure_names(&trunk.base);
    let plan = Plan::ensemble(trunk.seed, 6, 0).expect("plan");
    let trunk = with_reference(trunk, &reference).expect("reference fits");
    let ts = all_series(&trunk, &plan, &names);
    for leaf in &leaves {
        let s = load(&path, &leaf.overrides).expect("leaf loads");
        let s = with_reference(s, &reference).expect("reference fits");
        let ls = all_series(&s, &plan, &names);
        let fork = leaf
            .fork
            .expect("every leaf of tree_2027 changes something");
        assert_eq!(fork, 2027);
        let cut = (fork - 2024) as usize * names.len();
        let mut after = false;
        for (t, l) in ts.values.iter().zip(&ls.values) {
            assert_eq!(
                bits(&t[..cut]),
                bits(&l[..cut]),
                "{} before {fork}",
                leaf.id
            );
            after |= bits(&t[cut..]) != bits(&l[cut..]);
        }
        assert!(after, "{} never leaves the trunk", leaf.id);
    }
}

#[test]
fn shapley_parts_add_up_to_the_gap_and_the_ends_are_the_scenarios() {
    let a = load(&scenarios().join("baseline.toml"), &[]).expect("baseline");
    let b = load(&scenarios().join("us_pressure.toml"), &[]).expect("us_pressure");
    let levers = Levers::between(&a, &b).expect("levers");
    let paths: Vec<&str> = levers.list.iter().map(|l| l.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "events.us_demands_2025",
            "rules.us_escalates",
            "threats.us_5g",
            "threats.us_arms"
        ]
    );
    // The hybrid with every lever is us_pressure, run for run; with none, the baseline.
    let reference = reference_of(&a, &b);
    let names = vec!["closeness.RU".to_string(), "closeness.US".to_string()];
    let plan = Plan::ensemble(a.seed, 8, 0).expect("plan");
    let full = levers.hybrid(0b1111, &a, &reference).expect("full hybrid");
    let none = levers.hybrid(0, &a, &reference).expect("empty hybrid");
    assert_eq!(
        all_series(&full, &plan, &names).values,
        all_series(&b, &plan, &names).values
    );
    assert_eq!(
        all_series(&none, &plan, &names).values,
        all_series(&a, &plan, &names).values
    );
    // Without the threat lever, us_demands_2025 adds the money but issues no threat.
    let money = levers.hybrid(0b0001, &a, &reference).expect("money only");
    let text = levers.hybrid_toml(0b0001);
    assert!(!text.contains("start_threats"), "{text}");
    assert!(money.base.threats.len() == 2);
    // The arms threat without the event is issued by a companion with the event's trigger.
    let text = levers.hybrid_toml(0b1000);
    assert!(text.contains("us_demands_2025__issues_us_arms"), "{text}");
}

fn bin() -> Command {
    let mut c = Command::cargo_bin("simulate").expect("binary");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).expect("csv");
    r.records()
        .map(|x| x.expect("row").iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn diff_with_attribution_is_reproducible_and_its_parts_add_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut outs = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.path().join(format!("t{threads}"));
        bin()
            .args([
                "diff",
                "scenarios/baseline.toml",
                "scenarios/us_pressure.toml",
                "--attribute",
                "--runs",
                "16",
                "--format",
                "svg",
                "--quiet",
                "--threads",
                threads,
                "--out",
            ])
            .arg(&out)
            .assert()
            .success();
        outs.push(out);
    }
    for f in [
        "diff.csv",
        "diff_years.csv",
        "attribution.csv",
        "diff.svg",
        "waterfall.svg",
    ] {
        let x = std::fs::read(outs[0].join(f)).expect(f);
        let y = std::fs::read(outs[1].join(f)).expect(f);
        assert!(x == y, "{f} differs between 1 and 2 threads");
    }
    // attribution.csv: measure, year, lever, label, part, se_runs, se_orders.
    let rows = csv_rows(&outs[0].join("attribution.csv"));
    let mut sums = std::collections::BTreeMap::<(String, String), (f64, f64)>::new();
    for r in &rows {
        let v: f64 = r[4].parse().expect("number");
        let e = sums.entry((r[0].clone(), r[1].clone())).or_default();
        if r[2] == "total" {
            e.1 = v;
        } else {
            e.0 += v;
        }
    }
    assert_eq!(sums.len(), 4 * 17);
    for ((m, y), (parts, total)) in &sums {
        assert!(
            (parts - total).abs() < 1e-5,
            "{m} {y}: parts {parts} vs gap {total}"
        );
    }
    // The final-year total gap equals the paired mean difference of diff.csv.
    let diff = csv_rows(&outs[0].join("diff.csv"));
    let ru = diff
        .iter()
        .find(|r| r[0] == "closeness.RU")
        .expect("RU row");
    let total = sums[&("closeness.RU".to_string(), "2040".to_string())].1;
    assert!((ru[4].parse::<f64>().expect("mean") - total).abs() < 2e-6);
    assert!(ru[13].parse::<f64>().expect("share") > 0.5, "{ru:?}");
}

#[test]
fn tree_runs_as_one_study_and_plain_run_dispatches_to_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("tree");
    let assert = bin()
        .args([
            "scenarios/tree_2027.toml",
            "--runs",
            "8",
            "--format",
            "png",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(
        stdout.contains("combined (weighted by probability)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("identical to the trunk before its fork: yes"),
        "{stdout}"
    );
    for f in ["tree.png", "tree.csv", "tree_outcome.csv", "manifest.json"] {
        assert!(out.join(f).exists(), "{f}");
    }
    let outcome = csv_rows(&out.join("tree_outcome.csv"));
    let p: f64 = outcome
        .iter()
        .filter(|r| r[0] != "trunk" && r[0] != "combined")
        .map(|r| r[2].parse::<f64>().expect("probability"))
        .sum();
    assert!((p - 1.0).abs() < 1e-9, "leaf probabilities sum to {p}");
}

#[test]
fn bad_trees_are_refused_with_their_place_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = std::fs::read_to_string(scenarios().join("tree_2027.toml")).expect("tree");
    let cases = [
        ("probability = 0.65", "probability = 0.6", "sum to"),
        (
            "year = 2027\nlabel = \"Brussels\"",
            "year = 2077\nlabel = \"Brussels\"",
            "outside the scenario's years",
        ),
        (
            "start_threats = [\"us_tech\"]",
            "start_threats = [\"us_tec\"]",
            "branches.points.us.alternatives.imposes",
        ),
        (
            "outcome = \"closeness.CN\"",
            "outcome = \"closeness.XX\"",
            "unknown measure",
        ),
    ];
    for (from, to, want) in cases {
        assert!(base.contains(from), "{from}");
        let text = base.replacen(from, to, 1).replace(
            "extends = \"baseline.toml\"",
            &format!("extends = {:?}", scenarios().join("baseline.toml")),
        );
        let file = dir.path().join("bad_tree.toml");
        std::fs::write(&file, text).expect("write");
        let out = dir.path().join("out");
        let assert = bin()
            .args(["tree", "--runs", "2", "--out"])
            .arg(&out)
            .arg(&file)
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(err.contains("bad_tree.toml:"), "{to}: {err}");
        assert!(err.contains(want), "{to}: {err}");
        assert!(!out.exists(), "{to}: output written");
    }
}
