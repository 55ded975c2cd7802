//! Regression tests for command-line bugs, each named after the bug it guards against.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::process::Stdio;

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

fn simulate() -> Command {
    Command::cargo_bin("simulate").expect("binary builds")
}

#[test]
fn describe_piped_into_a_closed_reader_exits_cleanly_instead_of_panicking() {
    let bin = assert_cmd::cargo::cargo_bin("simulate");
    let mut child = std::process::Command::new(bin)
        .args(["describe"])
        .arg(scenario("baseline.toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    // Close the reading end before the command writes anything (like `| head -0`): its
    // first write meets a closed pipe.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn empty_events_table_still_has_its_header() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = dir.path().join("quiet.toml");
    std::fs::write(&s, "name = \"quiet\"\n[state]\nelection_period = 0\n").expect("write");
    simulate()
        .args(["run", "--runs", "3", "-q", "--out"])
        .arg(dir.path().join("out"))
        .arg(&s)
        .assert()
        .success();
    let events =
        std::fs::read_to_string(dir.path().join("out/events.csv")).expect("events.csv exists");
    assert_eq!(events.trim_end(), "year,kind,name,share");
}

#[test]
fn more_shards_than_runs_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = simulate()
        .args(["run", "--runs", "2", "--shard", "1/3", "-q", "--out"])
        .arg(dir.path().join("out"))
        .arg(scenario("baseline.toml"))
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("at most 2 shards"),
        "message should explain the shard count: {stderr}"
    );
}

#[test]
fn staging_folder_of_a_killed_run_is_removed_by_the_next_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A staging folder left by a process that no longer exists (pid 0 is never a user process).
    let stale = dir.path().join(".out.partial-0");
    std::fs::create_dir(&stale).expect("mkdir");
    std::fs::write(stale.join("summary.csv"), "half").expect("write");
    simulate()
        .args(["run", "--runs", "3", "-q", "--out"])
        .arg(dir.path().join("out"))
        .arg(scenario("baseline.toml"))
        .assert()
        .success();
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(left, vec!["out".to_string()], "left behind: {left:?}");
}

#[test]
fn explain_years_outside_the_scenario_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = simulate()
        .args(["explain", "--years", "1990..1995", "--runs", "3", "--out"])
        .arg(dir.path().join("ex"))
        .arg(scenario("baseline.toml"))
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("the scenario runs 2024..2040"));
}

#[test]
fn report_is_self_contained_html_with_every_figure_and_the_assumptions() {
    let dir = tempfile::tempdir().expect("tempdir");
    simulate()
        .args(["run", "--runs", "10", "-q", "--format", "png", "--out"])
        .arg(dir.path().join("out"))
        .arg(scenario("us_pressure.toml"))
        .assert()
        .success();
    let html = std::fs::read_to_string(dir.path().join("out/report.html")).expect("report");
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    // PNG-only runs embed the figures as data URIs: nothing points outside the file.
    assert_eq!(
        html.matches("data:image/png;base64,").count(),
        9,
        "5 figures, the threats timeline, the accession figure + 2 drivers"
    );
    assert!(
        !html.contains("src=\"closeness"),
        "no links to files beside the report"
    );
    for needle in [
        "Key results",
        "United States",
        "threat issued",
        "us 5g",
        "Assumptions",
        "threats.us_5g.severity",
        "Reproduce",
    ] {
        assert!(html.contains(needle), "report lacks {needle}");
    }
}

#[test]
fn watch_runs_again_after_a_scenario_file_is_saved() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = dir.path().join("w.toml");
    std::fs::write(&s, "name = \"w\"\n[ensemble]\nruns = 4\nseed = 1\n").expect("write");
    let out = dir.path().join("out");
    let bin = assert_cmd::cargo::cargo_bin("simulate");
    let mut child = std::process::Command::new(bin)
        .args(["run", "-q", "--watch", "--out"])
        .arg(&out)
        .arg(&s)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let manifest = out.join("manifest.json");
    let wait_for = |pred: &dyn Fn() -> bool| {
        let start = std::time::Instant::now();
        while !pred() && start.elapsed() < std::time::Duration::from_secs(30) {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        pred()
    };
    assert!(wait_for(&|| manifest.exists()), "first run never finished");
    let first = std::fs::read_to_string(&manifest).expect("manifest");
    assert!(first.contains("\"runs\": 4"));
    // Save a change: the next run uses it.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(&s, "name = \"w\"\n[ensemble]\nruns = 6\nseed = 1\n").expect("write");
    let rerun =
        wait_for(&|| std::fs::read_to_string(&manifest).is_ok_and(|m| m.contains("\"runs\": 6")));
    let _ = child.kill();
    let _ = child.wait();
    assert!(rerun, "no second run after the save");
}
