//! The figures an analyst reads first: the threats timeline, the drivers of a threat's
//! sender, the membership perspective, the event log of the report, and a comparison of more
//! than two scenarios (small multiples, paired differences, domains, its own report).

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

fn shipped(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.toml"))
        .display()
        .to_string()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = Command::cargo_bin("simulate")
        .expect("the simulate binary")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("simulate starts");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "simulate {args:?} failed:\n{stderr}");
    assert!(!stderr.contains("panicked"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn has(dir: &Path, name: &str) -> bool {
    dir.join(name).is_file()
}

#[test]
fn a_run_with_threats_draws_the_timeline_the_senders_drivers_and_the_accession_lever() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &[&shipped("us_pressure"), "--runs", "20", "--out", "us", "-q"],
    );
    let out = d.join("us");
    for f in [
        "threats.png",
        "threats.svg",
        "accession.png",
        "drivers_US.png",
    ] {
        assert!(has(&out, f), "no {f}");
    }
    let report = fs::read_to_string(out.join("report.html")).unwrap();
    for fig in ["Threats and sanctions", "The membership perspective"] {
        assert!(report.contains(fig), "the report lacks {fig}");
    }
    // The event log: threats and sanctions first, no row with a 0% share.
    let log = &report[report.find("What happened</h2>").unwrap()..];
    let log = &log[..log.find("</table>").unwrap()];
    let kinds: Vec<&str> = log
        .split("<tr><td>")
        .skip(1)
        .map(|row| row.split("</td><td>").nth(1).unwrap_or_default())
        .collect();
    assert!(kinds.len() > 3, "{log}");
    let first_other = kinds.iter().position(|k| !k.starts_with("threat"));
    let last_threat = kinds.iter().rposition(|k| k.starts_with("threat"));
    assert!(last_threat.is_some(), "no threat in the log: {kinds:?}");
    assert!(
        first_other.is_none_or(|o| last_threat.is_some_and(|t| t < o)),
        "threats are not first: {kinds:?}"
    );
    assert!(!log.contains("<td>0%</td>"), "a 0% row: {log}");
}

#[test]
fn a_run_without_threats_draws_no_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &[&shipped("baseline"), "--runs", "5", "--out", "b", "-q"],
    );
    assert!(!has(&d.join("b"), "threats.png"));
    assert!(has(&d.join("b"), "accession.png"));
}

#[test]
fn compare_beyond_two_scenarios_has_multiples_differences_domains_and_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A child that changes nothing: identical to the baseline on common random numbers.
    let copy = d.join("baseline_copy.toml");
    fs::write(
        &copy,
        format!(
            "extends = {:?}\nname = \"baseline_copy\"\n",
            shipped("baseline")
        ),
    )
    .unwrap();
    let stdout = ok(
        d,
        &[
            "compare",
            &shipped("baseline"),
            copy.to_str().unwrap(),
            &shipped("us_pressure"),
            &shipped("eu_credible_accession"),
            "--runs",
            "12",
            "--out",
            "cmp",
            "--format",
            "png",
            "-q",
        ],
    );
    let out = d.join("cmp");
    for f in [
        "compare_closeness.png",
        "compare_scenarios.png",
        "compare_difference.png",
        "compare_domains.png",
        "compare_threats.png",
        "compare_accession.png",
        "report.html",
    ] {
        assert!(has(&out, f), "no {f}");
    }
    let table = fs::read_to_string(out.join("compare.csv")).unwrap();
    let header: Vec<&str> = table.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (scenario, diff) = (col("scenario"), col("median_minus_first"));
    col("crosses_half_direction");
    col("stays_crossed_from");
    for row in table.lines().skip(1) {
        let cells: Vec<&str> = row.split(',').collect();
        if cells[scenario] == "baseline_copy" {
            assert_eq!(cells[diff], "0.000000", "{row}");
        }
    }
    // A median that crosses 0.5 says which way, when, and whether it stays crossed.
    let crossings: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains('↑') || l.contains('↓'))
        .collect();
    assert!(!crossings.is_empty(), "no crossing of 0.5 in\n{stdout}");
    for l in &crossings {
        let after = l.split(['↑', '↓']).nth(1).unwrap_or("");
        let year: String = after.chars().take(4).collect();
        assert!(
            year.len() == 4 && year.chars().all(|c| c.is_ascii_digit()),
            "a crossing without its year: {l}"
        );
    }
    let report = fs::read_to_string(out.join("report.html")).unwrap();
    for s in [
        "baseline_copy",
        "us_pressure",
        "eu_credible_accession",
        "What made the gaps",
    ] {
        assert!(report.contains(s), "report lacks {s}");
    }
    assert_eq!(report.matches("data:image/png;base64,").count(), 6);
}

#[test]
fn compare_help_names_its_own_default_folder() {
    let dir = tempfile::tempdir().unwrap();
    let help = ok(dir.path(), &["compare", "--help"]);
    assert!(help.contains("output/compare_<A>_vs_<B>"), "{help}");
    assert!(!help.contains("output/<scenario name>"), "{help}");
}
