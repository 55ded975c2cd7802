//! The `simulate` binary end to end (assert_cmd), each test in its own temporary folder with
//! `--out` inside it: the files `run` writes (README "Outputs"), PNG sizes, the summary's
//! header and years, the manifest, `--keep-runs`, re-running `scenario.resolved.toml`,
//! `compare`, `check`, `describe`, `--set`, `extends`, `explain`; bad input of every kind
//! (exit code 2, no panic, a message naming the file, line, key and what is allowed, nothing
//! left in the output folder); reproducibility over thread counts; sharding and `merge`; and a
//! snapshot of part of the baseline's summary.csv (tests/snapshots/).

use assert_cmd::Command;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use tempfile::TempDir;

// --- Helpers -------------------------------------------------------------------------------

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A shipped scenario, by stem.
fn shipped(name: &str) -> String {
    root()
        .join("scenarios")
        .join(format!("{name}.toml"))
        .display()
        .to_string()
}

/// A fixture of this file, by file name.
fn fixture(name: &str) -> String {
    root()
        .join("tests/fixtures/cli")
        .join(name)
        .display()
        .to_string()
}

fn tmp() -> TempDir {
    tempfile::tempdir().expect("temporary folder")
}

/// `simulate` with the temporary folder as the current folder (so that even a default
/// `output/` lands there, never in the repository).
fn simulate(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("simulate")
        .expect("the simulate binary")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("simulate starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `simulate` and requires success; returns stdout.
fn ok(dir: &Path, args: &[&str]) -> String {
    let out = simulate(dir, args);
    assert!(
        out.status.success(),
        "simulate {args:?} failed ({:?}):\n{}",
        out.status.code(),
        text(&out.stderr)
    );
    assert!(!text(&out.stderr).contains("panicked"));
    text(&out.stdout)
}

/// Runs `simulate` in a fresh temporary folder that holds nothing else, requires exit code 2,
/// no panic and every `want` in stderr, and that the folder is still empty afterwards (no
/// output folder, no hidden staging folder). Returns stderr.
fn refused(args: &[&str], want: &[&str]) -> String {
    let dir = tmp();
    refused_in(dir.path(), args, want, &[])
}

/// As `refused`, in `dir`, which must afterwards hold exactly `before` (names).
fn refused_in(dir: &Path, args: &[&str], want: &[&str], before: &[&str]) -> String {
    let out = simulate(dir, args);
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "simulate {args:?}: exit code {:?}, stderr:\n{stderr}",
        out.status.code()
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.starts_with("error"), "{stderr}");
    for w in want {
        assert!(
            stderr.contains(w),
            "simulate {args:?}: missing {w:?} in:\n{stderr}"
        );
    }
    let left = names(dir);
    let expected: BTreeSet<String> = before.iter().map(|s| s.to_string()).collect();
    assert_eq!(left, expected, "simulate {args:?} left files behind");
    stderr
}

/// Names in a folder, hidden ones included.
fn names(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn bytes(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Width and height of a PNG, after checking its signature, header chunk and end chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let b = bytes(path);
    assert!(b.len() > 57, "{}: too short", path.display());
    assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n", "{}", path.display());
    assert_eq!(&b[12..16], b"IHDR", "{}", path.display());
    assert!(
        b.ends_with(b"IEND\xae\x42\x60\x82"),
        "{}: no IEND chunk",
        path.display()
    );
    let be = |at: usize| u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    (be(16), be(20))
}

/// Width and height an SVG declares on its root element.
fn svg_size(path: &Path) -> (u32, u32) {
    let s = read(path);
    assert!(s.trim_end().ends_with("</svg>"), "{}", path.display());
    let head = &s[s.find("<svg").expect("<svg")..];
    let attr = |name: &str| -> u32 {
        let at = head.find(&format!(" {name}=\"")).expect(name) + name.len() + 3;
        head[at..at + head[at..].find('"').expect("quote")]
            .parse()
            .expect("integer size")
    };
    (attr("width"), attr("height"))
}

/// Distinct values of a CSV column.
fn column(csv_text: &str, name: &str) -> BTreeSet<String> {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let i = r
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    r.records()
        .map(|rec| rec.expect("record")[i].to_string())
        .collect()
}

fn years(a: i32, b: i32) -> BTreeSet<String> {
    (a..=b).map(|y| y.to_string()).collect()
}

const SUMMARY_HEADER: &str = "year,measure,power,domain,mean,p5,p25,p50,p75,p95";

/// The tables whose bytes must not depend on threads or sharding (README "Reproducibility").
const TABLES: [&str; 5] = [
    "summary.csv",
    "summary.json",
    "drivers.csv",
    "events.csv",
    "outcomes.csv",
];

fn same_tables(a: &Path, b: &Path, files: &[&str]) {
    for f in files {
        assert!(
            bytes(&a.join(f)) == bytes(&b.join(f)),
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

// --- run -----------------------------------------------------------------------------------

/// Every file README lists, with plots at their sizes, for `simulate S.toml` and
/// `simulate run S.toml` alike.
#[test]
fn run_writes_every_documented_output() {
    let dir = tmp();
    let d = dir.path();
    let scenario = shipped("baseline");
    ok(
        d,
        &[
            &scenario, "--runs", "20", "--seed", "11", "--out", "default", "-q",
        ],
    );
    ok(
        d,
        &[
            "run", &scenario, "--runs", "20", "--seed", "11", "--out", "explicit", "-q",
        ],
    );
    // Nothing but the two results folders: no staging leftovers, no default output/.
    assert_eq!(
        names(d),
        ["default", "explicit"].map(String::from).into(),
        "unexpected entries"
    );
    for out in ["default", "explicit"] {
        let out = d.join(out);
        let files = names(&out);
        let mut expected: BTreeSet<String> = [
            "summary.csv",
            "summary.json",
            "drivers.csv",
            "events.csv",
            "outcomes.csv",
            "manifest.json",
            "scenario.resolved.toml",
            "report.html",
            ".simulate-files",
            "failures.csv",
            "diagnostics.csv",
            // The baseline starts from history: the start it used, for the next run.
            "history_start.json",
        ]
        .map(String::from)
        .into();
        for plot in [
            "closeness",
            "domains",
            "opinion",
            "instruments",
            "leeway",
            "accession",
        ] {
            expected.insert(format!("{plot}.png"));
            expected.insert(format!("{plot}.svg"));
        }
        // The threats timeline, when the scenario has threats.
        if files.contains("threats.png") {
            expected.insert("threats.png".to_string());
            expected.insert("threats.svg".to_string());
        }
        // drivers_<P> for the two powers that moved most.
        let drivers: Vec<&String> = files
            .iter()
            .filter(|f| f.starts_with("drivers_") && f.ends_with(".png"))
            .collect();
        assert_eq!(drivers.len(), 2, "{files:?}");
        for f in drivers {
            let power = &f["drivers_".len()..f.len() - 4];
            assert!(["EU", "US", "RU", "CN"].contains(&power), "{f}");
            expected.insert(f.clone());
            expected.insert(format!("drivers_{power}.svg"));
        }
        assert_eq!(files, expected, "files of {}", out.display());
        // Plots: PNG and SVG of the same size; fixed sizes where the figure has one.
        for f in &files {
            if let Some(stem) = f.strip_suffix(".png") {
                let png = png_size(&out.join(f));
                assert_eq!(png, svg_size(&out.join(format!("{stem}.svg"))), "{f}");
                let want = match stem {
                    "closeness" | "opinion" => Some((1200, 800)),
                    "domains" => Some((1400, 1000)),
                    "leeway" => Some((1200, 900)),
                    "accession" => Some((1200, 840)),
                    s if s.starts_with("drivers_") => Some((1200, 800)),
                    _ => None,
                };
                match want {
                    Some(w) => assert_eq!(png, w, "{f}"),
                    None => assert!(png.0 >= 1400 && png.1 >= 800, "{f}: {png:?}"),
                }
            }
        }
    }
    // `simulate S` is `simulate run S`.
    same_tables(&d.join("default"), &d.join("explicit"), &TABLES);
}

#[test]
fn summary_holds_the_documented_columns_and_only_the_scenario_years() {
    let dir = tmp();
    let d = dir.path();
    ok(
        d,
        &[
            &shipped("baseline"),
            "--runs",
            "20",
            "--set",
            "years.end=2030",
            "--out",
            "out",
            "-q",
        ],
    );
    let csv_text = read(&d.join("out/summary.csv"));
    assert_eq!(csv_text.lines().next(), Some(SUMMARY_HEADER));
    assert_eq!(column(&csv_text, "year"), years(2024, 2030));
    let measures = column(&csv_text, "measure");
    for m in [
        "closeness",
        "affinity",
        "poll_friend",
        "poll_helped",
        "poll_positive",
        "membership_support",
        "alignment",
        "leeway",
        "hedging",
        "credibility",
        "opinion_weight",
        "instrument.loans",
    ] {
        assert!(measures.contains(m), "no measure {m}: {measures:?}");
    }
    // summary.json: the same rows as objects.
    let json: serde_json::Value =
        serde_json::from_str(&read(&d.join("out/summary.json"))).expect("summary.json parses");
    let rows = json.as_array().expect("an array of rows");
    assert_eq!(rows.len(), csv_text.lines().count() - 1);
    let keys: Vec<&str> = rows[0]
        .as_object()
        .expect("row object")
        .keys()
        .map(String::as_str)
        .collect();
    for k in SUMMARY_HEADER.split(',') {
        assert!(keys.contains(&k), "summary.json lacks {k}: {keys:?}");
    }
    // The other tables keep to the same years.
    assert_eq!(
        column(&read(&d.join("out/drivers.csv")), "year"),
        years(2024, 2030)
    );
    assert!(column(&read(&d.join("out/events.csv")), "year").is_subset(&years(2024, 2030)));
    let outcomes = read(&d.join("out/outcomes.csv"));
    assert_eq!(outcomes.lines().next(), Some("outcome,power,share"));
    assert_eq!(outcomes.lines().count(), 1 + 4 + 1, "{outcomes}");
}

#[test]
fn the_manifest_records_seed_runs_threads_and_scenario_hash() {
    let dir = tmp();
    let d = dir.path();
    ok(
        d,
        &[
            &shipped("us_pressure"),
            "--runs",
            "20",
            "--seed",
            "99",
            "--threads",
            "2",
            "--out",
            "out",
            "-q",
        ],
    );
    let m: serde_json::Value =
        serde_json::from_str(&read(&d.join("out/manifest.json"))).expect("manifest parses");
    assert_eq!(m["master_seed"].as_u64(), Some(99), "{m}");
    assert_eq!(m["runs"].as_u64(), Some(20), "{m}");
    assert_eq!(m["threads"].as_u64(), Some(2), "{m}");
    assert_eq!(m["scenario"].as_str(), Some("us_pressure"), "{m}");
    let resolved = bytes(&d.join("out/scenario.resolved.toml"));
    assert_eq!(
        m["scenario_sha256"].as_str(),
        Some(simulate::export::sha256_hex(&resolved).as_str()),
        "{m}"
    );
    assert!(
        m["version"].is_string() && m["command_line"].is_string(),
        "{m}"
    );
}

#[test]
fn keep_runs_writes_one_row_per_run_and_year() {
    let dir = tmp();
    let d = dir.path();
    ok(
        d,
        &[
            &shipped("baseline"),
            "--runs",
            "7",
            "--seed",
            "3",
            "--keep-runs",
            "--out",
            "out",
            "-q",
        ],
    );
    let runs = read(&d.join("out/runs.csv"));
    let mut r = csv::Reader::from_reader(runs.as_bytes());
    let header: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(header[..4], ["case", "replicate", "seed", "year"]);
    assert!(header.contains(&"closeness.EU".to_string()), "{header:?}");
    assert!(
        header.contains(&"closeness.CN.technology".to_string()),
        "{header:?}"
    );
    let records: Vec<csv::StringRecord> = r.records().map(|x| x.expect("record")).collect();
    // 7 runs × 17 years (2024..2040).
    assert_eq!(records.len(), 7 * 17);
    let replicates: BTreeSet<String> = records.iter().map(|x| x[1].to_string()).collect();
    assert_eq!(replicates, (0..7).map(|i| i.to_string()).collect());
    assert!(records.iter().all(|x| x.len() == header.len()));
    let first_years: Vec<&str> = records[..17].iter().map(|x| &x[3]).collect();
    assert_eq!(first_years.first(), Some(&"2024"));
    assert_eq!(first_years.last(), Some(&"2040"));
}

#[test]
fn the_resolved_scenario_reruns_to_the_same_bytes() {
    let dir = tmp();
    let d = dir.path();
    let args = ["--runs", "15", "--seed", "5", "-q"];
    let mut first = vec![shipped("us_pressure")];
    first.extend(["--out", "first"].map(String::from));
    first.extend(args.map(String::from));
    ok(d, &first.iter().map(String::as_str).collect::<Vec<_>>());
    let resolved = d.join("first/scenario.resolved.toml");
    assert!(!read(&resolved).lines().any(|l| l.starts_with("extends")));
    let resolved = resolved.display().to_string();
    let mut again = vec![resolved.as_str(), "--out", "again"];
    again.extend(args);
    ok(d, &again);
    same_tables(&d.join("first"), &d.join("again"), &["summary.csv"]);
    // And resolving it again changes nothing.
    assert_eq!(
        read(&d.join("first/scenario.resolved.toml")),
        read(&d.join("again/scenario.resolved.toml"))
    );
}

// --- compare, check, describe, --set, extends, explain --------------------------------------

#[test]
fn compare_writes_its_files_and_prints_a_table() {
    let dir = tmp();
    let d = dir.path();
    let stdout = ok(
        d,
        &[
            "compare",
            &shipped("baseline"),
            &shipped("us_pressure"),
            "--runs",
            "20",
            "--out",
            "cmp",
            "-q",
        ],
    );
    let files = names(&d.join("cmp"));
    for f in [
        "compare.csv",
        "compare_drivers.csv",
        "compare_closeness.png",
        "compare_closeness.svg",
    ] {
        assert!(files.contains(f), "no {f} in {files:?}");
    }
    assert_eq!(
        png_size(&d.join("cmp/compare_closeness.png")),
        svg_size(&d.join("cmp/compare_closeness.svg"))
    );
    let table = read(&d.join("cmp/compare.csv"));
    assert_eq!(
        table.lines().next(),
        Some(
            "scenario,power,year,median,p5,p95,median_minus_first,crosses_half,share_collapsed_toward,crosses_half_direction,stays_crossed_from"
        )
    );
    // Two scenarios × four powers, in the final year.
    assert_eq!(table.lines().count(), 1 + 8, "{table}");
    assert_eq!(column(&table, "year"), years(2040, 2040));
    assert_eq!(
        column(&table, "scenario"),
        ["baseline", "us_pressure"].map(String::from).into()
    );
    let drivers = read(&d.join("cmp/compare_drivers.csv"));
    assert_eq!(
        drivers.lines().next(),
        Some("scenario,power,term,total,minus_first,part_of_gap")
    );
    assert!(drivers.contains("threat.us_5g"), "no threat term");
    // The printed table: a header, then a row per scenario and power.
    let header = stdout.lines().next().unwrap_or_default();
    for w in ["scenario", "power", "median", "90% band", "vs first"] {
        assert!(header.contains(w), "{header}");
    }
    for s in ["baseline", "us_pressure"] {
        for p in ["EU", "US", "RU", "CN"] {
            assert!(
                stdout
                    .lines()
                    .any(|l| l.split_whitespace().take(2).eq([s, p])),
                "no row {s} {p} in:\n{stdout}"
            );
        }
    }
}

#[test]
fn check_says_valid() {
    let dir = tmp();
    for name in ["baseline", "us_pressure", "rivalry_blocs"] {
        let stdout = ok(dir.path(), &["check", &shipped(name)]);
        assert!(stdout.contains("valid"), "{stdout}");
        assert!(stdout.contains("EU, US, RU, CN"), "{stdout}");
    }
    assert!(names(dir.path()).is_empty(), "check wrote files");
}

#[test]
fn describe_lists_parameters_with_unit_and_range() {
    let dir = tmp();
    let stdout = ok(dir.path(), &["describe", &shipped("baseline")]);
    let line = stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some("powers.US.budget"))
        .unwrap_or_else(|| panic!("no powers.US.budget in:\n{stdout}"));
    assert!(line.contains("% of GDP"), "{line}");
    assert!(line.contains("0 to 100"), "{line}");
    // Its distribution (confidence C widens it) and its source.
    assert!(line.contains("uniform("), "{line}");
    assert!(line.contains("USAID"), "{line}");
    for path in ["rivalry.US-CN.technology", "ensemble.runs", "years.start"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.split_whitespace().next() == Some(path)),
            "no {path}"
        );
    }
    assert!(names(dir.path()).is_empty(), "describe wrote files");
}

#[test]
fn set_changes_the_results_and_the_resolved_scenario() {
    let dir = tmp();
    let d = dir.path();
    let base = ["--runs", "20", "--seed", "4", "-q"];
    let run = |out: &str, set: Option<&str>| {
        let scenario = shipped("baseline");
        let mut args = vec![scenario.as_str(), "--out", out];
        args.extend(base);
        if let Some(s) = set {
            args.extend(["--set", s]);
        }
        ok(d, &args);
    };
    run("plain", None);
    run("set", Some("powers.US.budget=2"));
    assert!(
        bytes(&d.join("plain/summary.csv")) != bytes(&d.join("set/summary.csv")),
        "--set powers.US.budget=2 changed nothing"
    );
    let resolved: toml::Table =
        toml::from_str(&read(&d.join("set/scenario.resolved.toml"))).expect("resolved parses");
    let budget = resolved["powers"]["US"]["budget"]
        .as_float()
        .expect("a plain number after --set");
    assert!((budget - 2.0).abs() < 1e-12, "{budget}");
    let plain: toml::Table =
        toml::from_str(&read(&d.join("plain/scenario.resolved.toml"))).expect("parses");
    assert!(
        plain["powers"]["US"]["budget"]
            .as_float()
            .is_none_or(|b| (b - 2.0).abs() > 1e-9)
    );
}

#[test]
fn extends_overrides_one_value_of_its_parent() {
    let dir = tmp();
    let d = dir.path();
    let child = fixture("child.toml");
    // describe: the child's value, and the parent's for everything else.
    let described = ok(d, &["describe", &child]);
    let parent = ok(d, &["describe", &shipped("baseline")]);
    let row = |text: &str, path: &str| -> String {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(path))
            .unwrap_or_else(|| panic!("no {path}"))
            .to_string()
    };
    let us = row(&described, "powers.US.budget");
    assert_eq!(us.split_whitespace().nth(1), Some("1"), "{us}");
    for path in [
        "powers.CN.budget",
        "rivalry.US-CN.technology",
        "government.inertia",
    ] {
        assert_eq!(row(&described, path), row(&parent, path), "{path}");
    }
    // Running the child equals running the parent with the same value set on the command line.
    let args = ["--runs", "20", "--seed", "3", "-q"];
    let mut a = vec![child.as_str(), "--out", "child"];
    a.extend(args);
    ok(d, &a);
    let baseline = shipped("baseline");
    let mut b = vec![
        baseline.as_str(),
        "--set",
        "powers.US.budget=1",
        "--out",
        "set",
    ];
    b.extend(args);
    ok(d, &b);
    let mut c = vec![baseline.as_str(), "--out", "parent"];
    c.extend(args);
    ok(d, &c);
    same_tables(&d.join("child"), &d.join("set"), &TABLES);
    assert!(bytes(&d.join("child/summary.csv")) != bytes(&d.join("parent/summary.csv")));
    let resolved = read(&d.join("child/scenario.resolved.toml"));
    assert!(!resolved.lines().any(|l| l.starts_with("extends")));
    assert!(resolved.contains("name = \"cli_child\""));
}

#[test]
fn explain_decomposes_closeness_to_china_in_technology() {
    let dir = tmp();
    let d = dir.path();
    let stdout = ok(
        d,
        &[
            "explain",
            &shipped("us_pressure"),
            "--power",
            "CN",
            "--domain",
            "technology",
            "--years",
            "2025..2030",
            "--runs",
            "20",
            "--out",
            "ex",
            "-q",
        ],
    );
    assert!(stdout.contains("threat.us_5g"), "{stdout}");
    assert!(stdout.contains("net move"), "{stdout}");
    assert_eq!(
        names(&d.join("ex")),
        [
            ".simulate-files",
            "drivers.csv",
            "drivers_CN.png",
            "drivers_CN.svg"
        ]
        .map(String::from)
        .into()
    );
    assert_eq!(png_size(&d.join("ex/drivers_CN.png")), (1200, 800));
    let drivers = read(&d.join("ex/drivers.csv"));
    assert_eq!(drivers.lines().next(), Some("year,power,domain,term,mean"));
    assert_eq!(column(&drivers, "power"), ["CN"].map(String::from).into());
    assert_eq!(
        column(&drivers, "domain"),
        ["technology"].map(String::from).into()
    );
    assert_eq!(column(&drivers, "year"), years(2025, 2030));
    assert!(column(&drivers, "term").contains("threat.us_5g"));
}

#[test]
fn explain_refuses_an_unknown_power_and_bad_years() {
    let us = shipped("us_pressure");
    refused(
        &[
            "explain", &us, "--power", "XX", "--runs", "5", "--out", "ex",
        ],
        &["--power 'XX'", "unknown power", "EU, US, RU, CN"],
    );
    refused(
        &[
            "explain",
            &us,
            "--years",
            "2030..2025",
            "--runs",
            "5",
            "--out",
            "ex",
        ],
        &["--years '2030..2025'", "2025..2030"],
    );
    refused(
        &[
            "explain", &us, "--years", "2030", "--runs", "5", "--out", "ex",
        ],
        &["--years '2030'", "expected A..B"],
    );
    refused(
        &[
            "explain", &us, "--domain", "culture", "--runs", "5", "--out", "ex",
        ],
        &[
            "--domain 'culture'",
            "economy, security, technology, diplomacy",
        ],
    );
}

// --- Bad input: exit code 2, no panic, a precise message, nothing left behind ---------------

#[test]
fn bad_toml_syntax() {
    refused(
        &[&fixture("syntax.toml"), "--out", "out"],
        &["syntax.toml:4:7", "invalid TOML", "4 | end = = 2030"],
    );
}

#[test]
fn bad_unknown_key_suggests_the_right_one() {
    refused(
        &[&fixture("unknown_key.toml"), "--out", "out"],
        &[
            "unknown_key.toml:3:1",
            "powers.US.budgt",
            "did you mean `budget`?",
            "allowed keys: accession, budget, bust_cost",
        ],
    );
}

#[test]
fn bad_wrong_type() {
    refused(
        &["run", &fixture("wrong_type.toml"), "--out", "out"],
        &[
            "wrong_type.toml:3:10",
            "powers.US.budget = \"high\"",
            "expected a number",
            "found a string",
        ],
    );
}

#[test]
fn bad_out_of_range_value() {
    refused(
        &[&fixture("out_of_range.toml"), "--out", "out"],
        &[
            "out_of_range.toml:4:10: powers.US.budget = -1 is out of range: allowed 0 to 100",
            "4 | budget = -1",
        ],
    );
}

#[test]
fn bad_distribution() {
    refused(
        &[&fixture("bad_distribution.toml"), "--out", "out"],
        &[
            "bad_distribution.toml:3:20",
            "government.inertia.dist = \"gaussian\"",
            "allowed uniform, normal, triangular, beta",
        ],
    );
}

#[test]
fn bad_unknown_power_in_an_effect_path() {
    refused(
        &[&fixture("unknown_power.toml"), "--out", "out"],
        &[
            "unknown_power.toml:4:9",
            "events.e.add.\"powers.XX.budget\"",
            "unknown power 'XX'",
            "declared powers are EU, US, RU, CN",
        ],
    );
}

#[test]
fn bad_set_arguments() {
    let baseline = shipped("baseline");
    refused(
        &[&baseline, "--set", "powers.US.budget", "--out", "out"],
        &["--set powers.US.budget", "expected key.path=value"],
    );
    refused(
        &[&baseline, "--set", "powers.US.budgt=1", "--out", "out"],
        &[
            "--set powers.US.budgt=1",
            "unknown key `powers.US.budgt`",
            "did you mean `budget`?",
        ],
    );
    refused(
        &[&baseline, "--set", "powers.US.budget=200", "--out", "out"],
        &["powers.US.budget = 200 is out of range: allowed 0 to 100"],
    );
    refused(
        &["check", &baseline, "--set", "powers.XX.budget=1"],
        &[
            "--set powers.XX.budget=1",
            "unknown power `XX`",
            "EU, US, RU, CN",
        ],
    );
}

#[test]
fn bad_missing_file() {
    refused(
        &["no_such_scenario.toml", "--out", "out"],
        &[
            "cannot read scenario 'no_such_scenario.toml'",
            "No such file or directory",
        ],
    );
    refused(
        &["check", "no_such_scenario.toml"],
        &["no_such_scenario.toml"],
    );
}

#[test]
fn bad_extends_cycle() {
    refused(
        &[&fixture("cycle_a.toml"), "--out", "out"],
        &[
            "cycle_b.toml:2:11",
            "extends = \"cycle_a.toml\" makes a cycle",
            "cycle_a.toml -> ",
            "cycle_b.toml -> ",
        ],
    );
}

#[test]
fn bad_unwritable_output_folder() {
    let dir = tmp();
    let d = dir.path();
    fs::write(d.join("a_file"), "not a folder").expect("write");
    let baseline = shipped("baseline");
    // A folder under a regular file.
    refused_in(
        d,
        &[&baseline, "--runs", "3", "--out", "a_file/out"],
        &[
            "cannot write results to 'a_file/out'",
            "'a_file' is a file, not a folder",
        ],
        &["a_file"],
    );
    // The output folder is itself a regular file.
    refused_in(
        d,
        &[&baseline, "--runs", "3", "--out", "a_file"],
        &["cannot write results to 'a_file'", "not a folder"],
        &["a_file"],
    );
    assert_eq!(read(&d.join("a_file")), "not a folder");
}

#[test]
fn bad_empty_ensemble() {
    refused(
        &[&shipped("baseline"), "--runs", "0", "--out", "out"],
        &["the ensemble is empty", "runs must be at least 1"],
    );
    refused(
        &[&fixture("empty_ensemble.toml"), "--out", "out"],
        &[
            "empty_ensemble.toml:3:8",
            "ensemble.runs",
            "must be at least 1",
            "allowed 1 to 10000000",
        ],
    );
}

#[test]
fn bad_years_reversed() {
    refused(
        &[&fixture("years_reversed.toml"), "--out", "out"],
        &[
            "years_reversed.toml:4:7",
            "years.end = 2020 is before years.start = 2030",
            "allowed end >= start",
        ],
    );
}

#[test]
fn bad_thread_count() {
    refused(
        &[&shipped("baseline"), "--threads", "0", "--out", "out"],
        &["--threads must be at least 1"],
    );
}

#[test]
fn bad_shard() {
    for shard in ["0/3", "4/3", "1/0", "a/b", "2", "1-3"] {
        refused(
            &[
                "run",
                &shipped("baseline"),
                "--runs",
                "6",
                "--shard",
                shard,
                "--out",
                "out",
            ],
            &[
                &format!("--shard '{shard}'"),
                "expected K/N with 1 <= K <= N",
            ],
        );
    }
}

#[test]
fn bad_usage_is_exit_code_two() {
    // clap's own refusals: an unknown option, a missing argument, a non-number.
    refused(
        &["run", &shipped("baseline"), "--frobnicate"],
        &["--frobnicate"],
    );
    refused(&["compare", &shipped("baseline")], &["2 values required"]);
    refused(
        &[&shipped("baseline"), "--runs", "many"],
        &["invalid value 'many'", "--runs"],
    );
}

/// A failure after the staging folder exists (a shard's runs.csv cannot be read during
/// `merge`) still leaves nothing beside the target.
#[test]
fn a_failure_while_writing_leaves_no_staging_folder() {
    let dir = tmp();
    let d = dir.path();
    let baseline = shipped("baseline");
    for k in 1..=2 {
        let shard = format!("{k}/2");
        let out = format!("shard{k}");
        ok(
            d,
            &[
                "run",
                &baseline,
                "--runs",
                "6",
                "--shard",
                &shard,
                "--keep-runs",
                "--out",
                &out,
                "-q",
            ],
        );
    }
    fs::remove_file(d.join("shard2/runs.csv")).expect("remove");
    fs::create_dir(d.join("shard2/runs.csv")).expect("a folder where a file belongs");
    let results = d.join("results");
    fs::create_dir(&results).expect("results folder");
    let out = simulate(
        d,
        &["merge", "shard1", "shard2", "--out", "results/merged", "-q"],
    );
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "merge accepted a broken shard");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("runs.csv"), "{stderr}");
    assert!(
        names(&results).is_empty(),
        "left behind: {:?}",
        names(&results)
    );
}

// --- Reproducibility, shards -----------------------------------------------------------------

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let dir = tmp();
    let d = dir.path();
    for threads in ["1", "2"] {
        let out = format!("t{threads}");
        ok(
            d,
            &[
                &shipped("us_pressure"),
                "--runs",
                "30",
                "--seed",
                "5",
                "--threads",
                threads,
                "--out",
                &out,
                "-q",
            ],
        );
    }
    same_tables(&d.join("t1"), &d.join("t2"), &TABLES);
}

#[test]
fn shards_merge_into_exactly_the_single_run() {
    let dir = tmp();
    let d = dir.path();
    let us = shipped("us_pressure");
    let common = ["--runs", "31", "--seed", "8", "--keep-runs", "-q"];
    let mut whole = vec!["run", us.as_str(), "--out", "whole"];
    whole.extend(common);
    ok(d, &whole);
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let out = format!("shard{k}");
        let mut args = vec!["run", us.as_str(), "--shard", &shard, "--out", &out];
        args.extend(common);
        ok(d, &args);
        let files = names(&d.join(&out));
        assert!(files.contains("partial.bin") && files.contains("partial.json"));
    }
    ok(
        d,
        &[
            "merge", "shard1", "shard2", "shard3", "--out", "merged", "-q",
        ],
    );
    same_tables(&d.join("whole"), &d.join("merged"), &TABLES);
    same_tables(&d.join("whole"), &d.join("merged"), &["runs.csv"]);
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&d.join("merged/manifest.json"))).expect("manifest");
    assert_eq!(manifest["runs"].as_u64(), Some(31));
    assert_eq!(manifest["master_seed"].as_u64(), Some(8));
    // The order of the folders on the command line does not matter.
    ok(
        d,
        &[
            "merge", "shard3", "shard1", "shard2", "--out", "merged2", "-q",
        ],
    );
    same_tables(&d.join("whole"), &d.join("merged2"), &TABLES);
    // A missing shard is named; nothing is written.
    let before: Vec<String> = names(d).into_iter().collect();
    let before: Vec<&str> = before.iter().map(String::as_str).collect();
    refused_in(
        d,
        &["merge", "shard1", "shard3", "--out", "incomplete"],
        &["missing 2/3"],
        &before,
    );
    // A folder that is not a shard's.
    refused_in(
        d,
        &["merge", "shard1", "whole", "--out", "incomplete"],
        &["'whole' is not a shard's results folder", "partial.json"],
        &before,
    );
}

// --- Snapshot --------------------------------------------------------------------------------

/// The aggregate closeness to each power and the alignment rate of the baseline (8 runs,
/// seed 7): any change to the model, the scenario or the number format shows up here. Update
/// deliberately with `INSTA_UPDATE=always cargo test --release --test cli` and review the
/// diff.
#[test]
fn snapshot_of_the_baseline_summary() {
    let dir = tmp();
    let d = dir.path();
    ok(
        d,
        &[
            &shipped("baseline"),
            "--runs",
            "8",
            "--seed",
            "7",
            "--out",
            "out",
            "-q",
        ],
    );
    let full = read(&d.join("out/summary.csv"));
    let mut lines = full.lines();
    let mut subset = vec![lines.next().expect("header")];
    subset.extend(lines.filter(|l| {
        let f: Vec<&str> = l.split(',').collect();
        (f[1] == "closeness" && f[3].is_empty()) || f[1] == "alignment"
    }));
    assert_eq!(subset.len(), 1 + 17 * 5);
    insta::assert_snapshot!("baseline_summary_closeness_alignment", subset.join("\n"));
}
