//! `sweep`, `sensitivity` and `discover` through the binary: the files each writes, bad
//! input refused with exit code 2 before anything runs (and nothing left in the output
//! folder), results independent of the thread count, the `[sweep]` table, and a parameter
//! the model does not use getting a total Sobol index of zero on a shipped scenario.

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn baseline() -> String {
    root().join("scenarios/baseline.toml").display().to_string()
}

fn fixture(name: &str) -> String {
    root()
        .join("tests/fixtures/experiments")
        .join(name)
        .display()
        .to_string()
}

fn simulate(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("simulate")
        .expect("binary")
        .args(args)
        .output()
        .expect("runs")
}

fn out_arg(dir: &Path) -> String {
    dir.display().to_string()
}

/// Exit code 2, a message containing `needle`, and no output folder.
fn refused(args: &[&str], out: &Path, needle: &str) {
    let o = simulate(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(err.contains(needle), "expected '{needle}' in: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "output folder written for a refused study");
}

#[test]
fn sweep_refuses_bad_paths_and_ranges_before_running() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("o");
    let o = out_arg(&out);
    let b = baseline();
    refused(
        &["sweep", &b, "--param", "rivalry.US-XX=0:1:3", "--out", &o],
        &out,
        "XX",
    );
    refused(
        &["sweep", &b, "--param", "rivalry.US-CN=0:9:3", "--out", &o],
        &out,
        "outside the allowed range",
    );
    refused(
        &["sweep", &b, "--param", "powers.US.budget=0:1", "--out", &o],
        &out,
        "PATH=A:B:N",
    );
    refused(
        &[
            "sweep",
            &b,
            "--param",
            "powers.US.budget=0:1:3",
            "--year",
            "1990",
            "--out",
            &o,
        ],
        &out,
        "--year 1990",
    );
    refused(&["sweep", &b, "--out", &o], &out, "nothing to sweep");
    refused(
        &["sweep", &fixture("sweep_bad_key.toml"), "--out", &o],
        &out,
        "repeats",
    );
}

#[test]
fn one_parameter_sweep_writes_its_tables_and_tipping_diagram_on_any_thread_count() {
    let t = TempDir::new().unwrap();
    let mut runs = Vec::new();
    for threads in ["1", "2"] {
        let out = t.path().join(format!("t{threads}"));
        let o = simulate(&[
            "sweep",
            &baseline(),
            "--param",
            "rivalry.US-CN=0:2:5",
            "--runs",
            "3",
            "--year",
            "2030",
            "--threads",
            threads,
            "--format",
            "png",
            "-q",
            "--out",
            &out_arg(&out),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("rivalry.US-CN"), "{text}");
        for f in [
            "sweep.csv",
            "sweep_cases.csv",
            "sweep_runs.csv",
            "tipping.png",
            "manifest.json",
            "scenario.resolved.toml",
        ] {
            assert!(out.join(f).exists(), "{f} missing");
        }
        let rows = fs::read_to_string(out.join("sweep_runs.csv")).unwrap();
        assert!(rows.starts_with("case,replicate,seed,year,rivalry.US-CN,closeness.EU,"));
        // 5 cases × 3 runs, interleaved: the first five rows are replicate 0 of each case.
        let lines: Vec<&str> = rows.lines().skip(1).collect();
        assert_eq!(lines.len(), 15);
        for (i, l) in lines.iter().take(5).enumerate() {
            assert!(l.starts_with(&format!("{i},0,")), "{l}");
        }
        let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
        assert!(manifest.contains("\"runs_per_case\": 3"));
        runs.push(rows);
    }
    assert_eq!(runs[0], runs[1], "results depend on the thread count");
}

#[test]
fn two_parameter_sweep_draws_heatmaps() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("o");
    let o = simulate(&[
        "sweep",
        &baseline(),
        "--param",
        "rivalry.US-CN=0:2:3",
        "--param",
        "accession.credibility=0.2:0.8:3",
        "--runs",
        "2",
        "--year",
        "2028",
        "--format",
        "png",
        "-q",
        "--out",
        &out_arg(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("heatmap_closeness.png").exists());
    assert!(out.join("heatmap_collapse.png").exists());
    let cases = fs::read_to_string(out.join("sweep_cases.csv")).unwrap();
    assert_eq!(cases.lines().count(), 1 + 9);
}

#[test]
fn sweep_table_of_the_scenario_is_the_default() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("o");
    let o = simulate(&[
        "sweep",
        &fixture("sweep_table.toml"),
        "--format",
        "svg",
        "-q",
        "--out",
        &out_arg(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = fs::read_to_string(out.join("sweep_runs.csv")).unwrap();
    // 3 values × 2 runs, in 2030.
    assert_eq!(rows.lines().count(), 1 + 6);
    assert!(rows.lines().nth(1).unwrap().contains(",2030,"));
    let resolved = fs::read_to_string(out.join("scenario.resolved.toml")).unwrap();
    assert!(resolved.contains("[sweep]"), "{resolved}");
}

/// ST of each parameter in the last year, from sensitivity.csv.
fn totals(csv: &str, year: &str) -> Vec<(String, f64)> {
    csv.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0] == year && f[2] == "ST").then(|| (f[1].to_string(), f[3].parse().unwrap()))
        })
        .collect()
}

#[test]
fn a_parameter_the_model_does_not_use_gets_zero_total_index() {
    // Poll noise only blurs the simulated polls, which nothing in the model reads: it cannot
    // move the state's closeness to the EU.
    let t = TempDir::new().unwrap();
    let out = t.path().join("o");
    let o = simulate(&[
        "sensitivity",
        &baseline(),
        "--method",
        "sobol",
        "--param",
        "polls.noise=0:0.3",
        "--param",
        "powers.EU.budget=1:5",
        "--param",
        "government.opinion_weight=0.1:1",
        "--measure",
        "closeness.EU",
        "--year",
        "2032",
        "--samples",
        "32",
        "--runs",
        "2",
        "--format",
        "png",
        "-q",
        "--out",
        &out_arg(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = fs::read_to_string(out.join("sensitivity.csv")).unwrap();
    let st = totals(&csv, "2032");
    let get = |p: &str| st.iter().find(|(n, _)| n == p).map(|(_, v)| *v).unwrap();
    assert!(get("polls.noise").abs() < 0.01, "{st:?}");
    assert!(get("powers.EU.budget") > 0.05, "{st:?}");
    // Indices for every year up to the one chosen.
    assert!(csv.lines().any(|l| l.starts_with("2024,")));
    for f in [
        "sensitivity_sobol.png",
        "sensitivity_sobol_over_time.png",
        "points.csv",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
}

#[test]
fn morris_on_the_scenario_uncertain_numbers() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("o");
    let o = simulate(&[
        "sensitivity",
        &baseline(),
        "--method",
        "morris",
        "--samples",
        "4",
        "--runs",
        "1",
        "--year",
        "2027",
        "--format",
        "svg",
        "-q",
        "--out",
        &out_arg(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = fs::read_to_string(out.join("sensitivity.csv")).unwrap();
    // Every uncertain number of the baseline, three measures each, four years.
    let check = simulate(&["check", &baseline()]);
    let text = String::from_utf8_lossy(&check.stdout);
    let uncertain: usize = text
        .split(", ")
        .find_map(|p| p.strip_suffix(" uncertain parameters"))
        .and_then(|n| n.parse().ok())
        .expect("check names the number of uncertain parameters");
    assert!(uncertain > 0);
    assert_eq!(csv.lines().count(), 1 + uncertain * 3 * 4);
    assert!(csv.contains("accession.credibility,mu_star"));
}

#[test]
fn sensitivity_and_discover_refuse_bad_input() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("o");
    let o = out_arg(&out);
    let b = baseline();
    refused(
        &["sensitivity", &b, "--measure", "closeness.XX", "--out", &o],
        &out,
        "unknown measure",
    );
    refused(
        &[
            "sensitivity",
            &b,
            "--param",
            "powers.US.budget=2:1",
            "--out",
            &o,
        ],
        &out,
        "must be below",
    );
    refused(
        &["sensitivity", &b, "--samples", "2", "--out", &o],
        &out,
        "samples must be at least",
    );
    refused(
        &["discover", &b, "--outcome", "closeness.CN >", "--out", &o],
        &out,
        "--outcome",
    );
    refused(
        &[
            "discover",
            &b,
            "--outcome",
            "closness.CN > 0.5",
            "--out",
            &o,
        ],
        &out,
        "did you mean closeness.CN",
    );
}

#[test]
fn discover_writes_box_trajectory_and_sentence() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("o");
    let o = simulate(&[
        "discover",
        &baseline(),
        "--param",
        "powers.CN.budget=0.5:3",
        "--param",
        "polls.noise=0:0.3",
        "--outcome",
        "closeness.CN > 0.55",
        "--samples",
        "120",
        "--runs",
        "2",
        "--year",
        "2030",
        "--format",
        "png",
        "-q",
        "--out",
        &out_arg(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("holds in 2030"), "{text}");
    for f in [
        "box.csv",
        "peeling.csv",
        "discover_points.csv",
        "discover.png",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let b = fs::read_to_string(out.join("box.csv")).unwrap();
    // Poll noise cannot matter: its restriction, if peeling made one, is pruned.
    let noise = b.lines().find(|l| l.starts_with("polls.noise,")).unwrap();
    assert!(noise.starts_with("polls.noise,0,"), "{b}");
}

#[test]
fn the_report_shows_total_indices_of_a_sobol_study_of_the_same_scenario() {
    let dir = TempDir::new().unwrap();
    let base = dir.path().join("baseline");
    let study = base.join("sensitivity-sobol");
    let b = baseline();
    let o = simulate(&[
        "sensitivity",
        &b,
        "--samples",
        "4",
        "--runs",
        "1",
        "--year",
        "2026",
        "--format",
        "svg",
        "-q",
        "--out",
        &out_arg(&study),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = fs::read_to_string(study.join("sensitivity.csv")).unwrap();
    let budget_st = csv
        .lines()
        .find(|l| l.starts_with("2026,powers.US.budget,ST,"))
        .expect("ST of powers.US.budget")
        .split(',')
        .nth(3)
        .unwrap()
        .parse::<f64>()
        .unwrap();
    let run = |extra: &[&str], out: &Path| {
        let mut args = vec!["run", &b, "--runs", "8", "--format", "svg", "-q"];
        args.extend_from_slice(extra);
        let o_arg = out_arg(out);
        args.extend(["--out", &o_arg]);
        let o = simulate(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        fs::read_to_string(out.join("report.html")).unwrap()
    };
    // Found by the scenario's hash in the results folder.
    let report = run(&[], &base);
    assert!(
        study.join("sensitivity.csv").exists(),
        "the run kept the study"
    );
    assert!(
        report.contains("<th>ST (closeness.EU in 2026)</th>"),
        "no ST column"
    );
    assert!(
        report.contains(&study.display().to_string()),
        "no source named"
    );
    assert!(
        report.contains(&format!("<td>{budget_st:.3} [")),
        "ST of powers.US.budget ({budget_st:.3}) not in the table"
    );
    let manifest = fs::read_to_string(base.join("manifest.json")).unwrap();
    assert!(manifest.contains("sensitivity_indices_from"), "{manifest}");
    // Another scenario (other --set values) has no study: no column.
    let other = run(
        &["--set", "powers.US.budget=0.9"],
        &dir.path().join("other"),
    );
    assert!(!other.contains("<th>ST ("));
    // Named explicitly, from anywhere.
    let named = run(
        &["--sensitivity", &out_arg(&study)],
        &dir.path().join("elsewhere"),
    );
    assert!(named.contains("<th>ST (closeness.EU in 2026)</th>"));
    // A folder that is not such a study is refused.
    let o = simulate(&[
        "run",
        &b,
        "--runs",
        "4",
        "-q",
        "--sensitivity",
        &out_arg(&base),
        "--out",
        &out_arg(&dir.path().join("refused")),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--sensitivity"), "{err}");
}
