//! The failure policy: a run with a non-finite value is recorded in failures.csv, left out of
//! every summary (`on_failure = "skip"`) or stops the study (`"abort"`), and is counted in the
//! manifest and the report. Failures are provoked with the documented test hook
//! `SIMULATE_TEST_NONFINITE` (a NaN put into chosen replicates' records).

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

fn run(dir: &Path, out: &str, extra: &[&str], fault: Option<&str>) -> std::process::Output {
    let mut c = Command::cargo_bin("simulate").expect("binary builds");
    c.current_dir(dir)
        .arg("run")
        .arg(scenario("baseline.toml"))
        .args([
            "--runs", "30", "--seed", "5", "-q", "--format", "svg", "--out", out,
        ])
        .args(extra);
    if let Some(f) = fault {
        c.env("SIMULATE_TEST_NONFINITE", f);
    }
    c.output().expect("runs")
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn skipped_runs_are_listed_counted_and_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = run(d, "bad", &["--keep-runs"], Some("4,11"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("warning: 2 of 30 runs produced a non-finite value"),
        "{err}"
    );
    let failures = read(&d.join("bad/failures.csv"));
    let lines: Vec<&str> = failures.lines().collect();
    assert_eq!(lines[0], "case,replicate,seed,year,phase,series");
    assert_eq!(lines.len(), 3, "{failures}");
    assert!(lines[1].starts_with("0,4,"), "{failures}");
    assert!(
        lines[1].ends_with(",2025,5. government moves,closeness.EU"),
        "{failures}"
    );
    assert!(lines[2].starts_with("0,11,"), "{failures}");
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&d.join("bad/manifest.json"))).unwrap();
    assert_eq!(manifest["runs"], 28);
    assert_eq!(manifest["runs_failed"], 2);
    assert_eq!(manifest["runs_planned"], 30);
    assert_eq!(manifest["on_failure"], "skip");
    assert!(read(&d.join("bad/report.html")).contains("2 of 30 runs failed"));
    let summary = read(&d.join("bad/summary.csv"));
    assert!(
        !summary.to_lowercase().contains("nan"),
        "a NaN was averaged in"
    );
    // Left out of the per-run rows too: replicates 4 and 11 are missing, the rest are there.
    let runs = read(&d.join("bad/runs.csv"));
    let header: Vec<&str> = runs.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "replicate").unwrap();
    let mut reps: Vec<u64> = runs
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(col).unwrap().parse().unwrap())
        .collect();
    reps.dedup();
    assert_eq!(
        reps,
        (0..30).filter(|r| *r != 4 && *r != 11).collect::<Vec<_>>()
    );

    // The summary is that of the 28 good runs, so it differs from the clean 30-run one.
    let clean = run(d, "clean", &[], None);
    assert!(clean.status.success());
    assert_eq!(
        read(&d.join("clean/failures.csv")),
        "case,replicate,seed,year,phase,series\n"
    );
    assert_ne!(summary, read(&d.join("clean/summary.csv")));
}

#[test]
fn abort_stops_at_the_first_failed_run_and_writes_nothing() {
    // On one thread and on two (where later runs may finish before the failed one).
    for threads in ["1", "2"] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let out = run(
            d,
            "bad",
            &["--set", "ensemble.on_failure=abort", "--threads", threads],
            Some("9,2"),
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains("run 2 (seed "),
            "the first in plan order: {err}"
        );
        assert!(err.contains("on_failure = \"abort\""), "{err}");
        assert_eq!(std::fs::read_dir(d).unwrap().count(), 0, "nothing written");
    }
}

#[test]
fn shards_carry_their_failures_into_the_merge() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(run(d, "whole", &[], Some("3,20")).status.success());
    for k in 1..=2 {
        let shard = format!("{k}/2");
        let out = run(d, &format!("s{k}"), &["--shard", &shard], Some("3,20"));
        assert!(out.status.success());
    }
    let merged = Command::cargo_bin("simulate")
        .unwrap()
        .current_dir(d)
        .args([
            "merge", "s1", "s2", "--out", "merged", "-q", "--format", "svg",
        ])
        .output()
        .unwrap();
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    for f in ["failures.csv", "summary.csv", "outcomes.csv"] {
        assert_eq!(
            read(&d.join("whole").join(f)),
            read(&d.join("merged").join(f)),
            "{f}"
        );
    }
    assert_eq!(read(&d.join("merged/failures.csv")).lines().count(), 3);
}

#[test]
fn an_unknown_policy_is_refused_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.toml"),
        "[ensemble]\non_failure = \"retry\"\n",
    )
    .unwrap();
    let out = Command::cargo_bin("simulate")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "p.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("p.toml:2:14"), "{err}");
    assert!(err.contains("allowed \"skip\" or \"abort\""), "{err}");
}
