//! The report's Findings checked against the tables of the same run: every sentence is read
//! back (regular expressions on its text) and each number in it compared with summary.csv,
//! outcomes.csv, events.csv and drivers.csv, and with the compared scenario's own run on the
//! same seeds; and every crossing the tables hold has its sentence.

use regex::Regex;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const POWERS: [(&str, &str); 4] = [
    ("European Union", "EU"),
    ("United States", "US"),
    ("Russia", "RU"),
    ("China", "CN"),
];
const LEVELS: [f64; 3] = [0.25, 0.5, 0.75];

fn id_of(name: &str) -> &'static str {
    POWERS
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("unknown power {name}"))
        .1
}

fn run(args: &[&str], out: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_simulate"))
        .args(args)
        .args(["--quiet", "--format", "svg", "--out"])
        .arg(out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success(), "{args:?}");
}

fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// (measure, power, domain) -> year -> column -> value.
type Summary = BTreeMap<(String, String, String), BTreeMap<i32, BTreeMap<String, f64>>>;

fn summary(dir: &Path) -> Summary {
    let mut s = Summary::new();
    for row in csv_rows(&dir.join("summary.csv")) {
        let key = (
            row["measure"].clone(),
            row["power"].clone(),
            row["domain"].clone(),
        );
        let year: i32 = row["year"].parse().unwrap();
        let cols = ["mean", "p5", "p25", "p50", "p75", "p95"]
            .iter()
            .map(|c| (c.to_string(), row[*c].parse().unwrap()))
            .collect();
        s.entry(key).or_default().insert(year, cols);
    }
    s
}

fn series(s: &Summary, measure: &str, power: &str, col: &str) -> Vec<(i32, f64)> {
    s[&(measure.to_string(), power.to_string(), String::new())]
        .iter()
        .map(|(y, c)| (*y, c[col]))
        .collect()
}

/// Printed `text` is `v` rounded to `digits` decimals (the CSV has six).
fn close(text: &str, v: f64, digits: i32) -> bool {
    let printed: f64 = text.parse().unwrap();
    (printed - v).abs() <= 0.5 * 10f64.powi(-digits) + 2e-6
}

fn findings(dir: &Path) -> Vec<String> {
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let first_h2 = html.find("<h2").unwrap();
    assert_eq!(
        &html[first_h2..first_h2 + 17],
        "<h2>Findings</h2>",
        "Findings come first"
    );
    let start = html.find("<section id=\"findings\">").unwrap();
    let end = start + html[start..].find("</section>").unwrap();
    let li = Regex::new(r##"<li>(.*?) <a href="#([^"]+)">\(figure\)</a></li>"##).unwrap();
    li.captures_iter(&html[start..end])
        .map(|c| {
            let id = &c[2];
            assert!(
                html.contains(&format!("id=\"{id}\"")),
                "a finding links to #{id}, which is not in the report"
            );
            c[1].replace("&amp;", "&").replace("&quot;", "\"")
        })
        .collect()
}

/// Year of the first crossing of `level` by the median, and which way.
fn first_crossing(v: &[(i32, f64)], level: f64) -> Option<(usize, bool)> {
    (1..v.len()).find_map(|t| {
        let (a, b) = (v[t - 1].1 >= level, v[t].1 >= level);
        (a != b).then_some((t, b))
    })
}

fn when(v: &[(i32, f64)], level: f64, up: bool) -> String {
    match v
        .iter()
        .position(|(_, x)| if up { *x >= level } else { *x < level })
    {
        Some(0) => format!("already in {}", v[0].0),
        Some(t) => format!("in {}", v[t].0),
        None => format!("not by {}", v[v.len() - 1].0),
    }
}

#[test]
fn every_finding_agrees_with_the_tables_of_its_run() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    // The blocs story with a US threat over arms, so that every kind of finding has a case.
    let scen = dir.path().join("blocs_threat.toml");
    let parent = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/rivalry_blocs.toml");
    std::fs::write(
        &scen,
        format!(
            "extends = {:?}\nname = \"blocs_threat\"\n\
             [threats.us_arms]\nsender = \"US\"\nrival = \"RU\"\ndomain = \"security\"\n\
             red_line = 0.3\nseverity = 0.8\ngrace = 2\nresolve = 0.5\nbelief = 0.5\n\
             learning = 0.3\ndamage = 0.1\nlift = 0.25\n\
             [events.us_demands]\nyear = 2025\nstart_threats = [\"us_arms\"]\n",
            parent.display().to_string()
        ),
    )
    .unwrap();
    let scen = scen.display().to_string();
    run(
        &[
            "run",
            &scen,
            "--against",
            "scenarios/baseline.toml",
            "--runs",
            "100",
        ],
        &a,
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("manifest.json")).unwrap()).unwrap();
    let seed = manifest["master_seed"].to_string();
    run(
        &[
            "run",
            "scenarios/baseline.toml",
            "--runs",
            "100",
            "--seed",
            &seed,
        ],
        &b,
    );
    let sa = summary(&a);
    let sb = summary(&b);
    let found = findings(&a);
    assert!(found.len() >= 6, "{found:#?}");

    let crossing = Regex::new(
        r"^(?:Closeness to (.+?)|Systemic leeway) (rises to|falls below) ([\d.]+) in (\d{4}) \(median ([\d.-]+); ([\d.-]+) in (\d{4})\); the (upper|lower) edge of the 90% band gets there ((?:already in|in|not by) \d{4}), its (upper|lower) edge ((?:already in|in|not by) \d{4})\.$",
    )
    .unwrap();
    let ends = Regex::new(r"(European Union|United States|Russia|China) ([\d.]+) \(([\d.]+) in (\d{4}); 90% of runs ([\d.]+)–([\d.]+)\)").unwrap();
    let collapse = Regex::new(r"^By (\d{4}) the hedge had collapsed in (\d+) of the (\d+) runs \((\d+)%\): (.*); it held in (\d+)%\.$").unwrap();
    let toward =
        Regex::new(r"toward (European Union|United States|Russia|China) in (\d+)%").unwrap();
    let moved = Regex::new(r"^Closeness to (.+?) moved most: its median went from ([\d.]+) in (\d{4}) to ([\d.]+) in (\d{4}) \(([+-][\d.]+)\)\. Summed over the years, the largest pushes on it were (.*) \(closeness units; all pushes together add up to the mean move, ([+-][\d.]+)\)\.$").unwrap();
    let push = Regex::new(r"([\w.]+) ([+-][\d.]+)").unwrap();
    let against = Regex::new(r"to (European Union|United States|Russia|China) ([\d.]+) against ([\d.]+) \(([+-][\d.]+)\)").unwrap();
    let against_collapse = Regex::new(
        r"^The hedge collapsed in (\d+)% of runs of blocs_threat against (\d+)% of baseline",
    )
    .unwrap();

    let at_most = Regex::new(r"in force in at most (\d+)% of runs").unwrap();
    let outcomes: BTreeMap<String, f64> = csv_rows(&a.join("outcomes.csv"))
        .into_iter()
        .map(|r| {
            (
                format!("{}:{}", r["outcome"], r["power"]),
                r["share"].parse().unwrap(),
            )
        })
        .collect();
    let mut crossings_said = Vec::new();
    let mut kinds = BTreeMap::<&str, usize>::new();
    for f in &found {
        if let Some(c) = crossing.captures(f) {
            *kinds.entry("crossing").or_default() += 1;
            let (measure, power) = match c.get(1) {
                Some(name) => ("closeness", id_of(name.as_str())),
                None => ("leeway", ""),
            };
            let level: f64 = c[3].parse().unwrap();
            let year: i32 = c[4].parse().unwrap();
            let p50 = series(&sa, measure, power, "p50");
            let (t, up) = first_crossing(&p50, level).expect("the median crosses");
            assert_eq!(p50[t].0, year, "{f}");
            assert_eq!(up, &c[2] == "rises to", "{f}");
            assert!(
                close(&c[5], p50[t].1, 3) && close(&c[6], p50[t - 1].1, 3),
                "{f}"
            );
            assert_eq!(c[7].parse::<i32>().unwrap(), p50[t - 1].0);
            let (lead, lag) = if up { ("p95", "p5") } else { ("p5", "p95") };
            assert_eq!(&c[8], if up { "upper" } else { "lower" }, "{f}");
            assert_eq!(
                c[9],
                when(&series(&sa, measure, power, lead), level, up),
                "{f}"
            );
            assert_eq!(
                c[11],
                when(&series(&sa, measure, power, lag), level, up),
                "{f}"
            );
            crossings_said.push((measure, power, c[3].to_string()));
        } else if (f.starts_with("In ") && f.contains("the median closeness is"))
            || f.starts_with("No median closeness crosses")
        {
            *kinds.entry("ends").or_default() += 1;
            let n = ends.captures_iter(f).count();
            assert_eq!(n, 4, "{f}");
            for c in ends.captures_iter(f) {
                let q = |col| series(&sa, "closeness", id_of(&c[1]), col);
                let last = q("p50").len() - 1;
                assert!(close(&c[2], q("p50")[last].1, 2), "{f}");
                assert!(close(&c[3], q("p50")[0].1, 2), "{f}");
                assert!(close(&c[5], q("p5")[last].1, 2), "{f}");
                assert!(close(&c[6], q("p95")[last].1, 2), "{f}");
            }
        } else if let Some(c) = collapse.captures(f) {
            *kinds.entry("collapse").or_default() += 1;
            let total: f64 = POWERS
                .iter()
                .map(|(_, id)| outcomes[&format!("collapsed_toward:{id}")])
                .sum();
            let runs: f64 = c[3].parse().unwrap();
            assert!(close(&c[2], (total * runs).round(), 0), "{f}");
            assert!(close(&c[4], 100.0 * total, 0), "{f}");
            assert!(close(&c[6], 100.0 * outcomes["still_hedging:"], 0), "{f}");
            let mut listed = 0.0;
            for t in toward.captures_iter(&c[5]) {
                let share = outcomes[&format!("collapsed_toward:{}", id_of(&t[1]))];
                assert!(share > 0.0 && close(&t[2], 100.0 * share, 0), "{f}");
                listed += share;
            }
            assert!(
                (listed - total).abs() < 1e-9,
                "every power collapsed toward is named: {f}"
            );
        } else if f.starts_with("Threat ") {
            *kinds.entry("threat").or_default() += 1;
            let id = f.split(' ').nth(1).unwrap();
            let events = csv_rows(&a.join("events.csv"));
            let issued: Vec<_> = events
                .iter()
                .filter(|r| r["kind"] == "threat_issued" && r["name"] == id)
                .collect();
            if f.contains("was not issued in any run") {
                assert!(issued.is_empty(), "{f}");
                continue;
            }
            let first = &issued[0];
            assert!(
                f.contains(&format!("issued in {}", first["year"]))
                    || f.contains(&format!("issued from {} on", first["year"])),
                "{f}"
            );
            let imposed = sa
                .iter()
                .find(|((m, _, _), _)| m == &format!("threat_imposed.{id}"))
                .map(|(_, y)| y.values().map(|c| c["mean"]).fold(0.0, f64::max))
                .unwrap();
            if f.contains("never carried out") {
                assert!(imposed.abs() < 1e-12, "{f}");
                assert!(
                    !events
                        .iter()
                        .any(|r| r["kind"] == "threat_imposed" && r["name"] == id)
                );
            } else {
                let c = at_most.captures(f).expect("a share in force");
                assert!(close(&c[1], 100.0 * imposed, 0), "{f}");
            }
        } else if let Some(c) = moved.captures(f) {
            *kinds.entry("drivers").or_default() += 1;
            let id = id_of(&c[1]);
            // The biggest move of all powers.
            let change = |id: &str| {
                let v = series(&sa, "closeness", id, "p50");
                v[v.len() - 1].1 - v[0].1
            };
            for (_, other) in POWERS {
                assert!(
                    change(id).abs() >= change(other).abs() - 1e-6,
                    "{f}: {other} moved more"
                );
            }
            assert!(close(&c[6], change(id), 2), "{f}");
            let mut sums = BTreeMap::<String, f64>::new();
            for r in csv_rows(&a.join("drivers.csv")) {
                if r["power"] == id && r["domain"].is_empty() {
                    *sums.entry(r["term"].clone()).or_default() +=
                        r["mean"].parse::<f64>().unwrap();
                }
            }
            let net: f64 = sums.values().sum();
            assert!(
                (c[8].parse::<f64>().unwrap() - net).abs() < 0.002,
                "{f}: net {net}"
            );
            let mut largest: Vec<(&String, &f64)> = sums.iter().collect();
            largest.sort_by(|x, y| y.1.abs().total_cmp(&x.1.abs()));
            let named: Vec<_> = push.captures_iter(&c[7]).collect();
            assert_eq!(named.len(), 3, "{f}");
            for (p, (term, v)) in named.iter().zip(&largest) {
                assert_eq!(&p[1], term.as_str(), "{f}");
                assert!(
                    (p[2].parse::<f64>().unwrap() - **v).abs() < 0.002,
                    "{f}: {term} {v}"
                );
            }
        } else if f.starts_with("Against baseline") {
            *kinds.entry("against").or_default() += 1;
            for c in against.captures_iter(f) {
                let id = id_of(&c[1]);
                let mine = series(&sa, "closeness", id, "p50");
                let theirs = series(&sb, "closeness", id, "p50");
                let (m, t) = (mine[mine.len() - 1].1, theirs[theirs.len() - 1].1);
                assert!(close(&c[2], m, 2) && close(&c[3], t, 2), "{f}");
                assert!(close(&c[4], m - t, 2), "{f}");
            }
        } else if let Some(c) = against_collapse.captures(f) {
            *kinds.entry("against collapse").or_default() += 1;
            let theirs: f64 = csv_rows(&b.join("outcomes.csv"))
                .iter()
                .filter(|r| r["outcome"] == "collapsed_toward")
                .map(|r| r["share"].parse::<f64>().unwrap())
                .sum();
            assert!(close(&c[2], 100.0 * theirs, 0), "{f}");
            assert!(
                close(&c[1], 100.0 * (1.0 - outcomes["still_hedging:"]), 0),
                "{f}"
            );
        } else {
            panic!("a finding this test does not check: {f}");
        }
    }
    // Every crossing in the tables is said.
    for (_, id) in POWERS {
        let p50 = series(&sa, "closeness", id, "p50");
        for level in LEVELS {
            if first_crossing(&p50, level).is_some() {
                assert!(
                    crossings_said.contains(&("closeness", id, level.to_string())),
                    "closeness to {id} crosses {level} and no finding says so: {found:#?}"
                );
            }
        }
    }
    for kind in [
        "crossing",
        "ends",
        "collapse",
        "threat",
        "drivers",
        "against",
        "against collapse",
    ] {
        assert!(kinds.contains_key(kind), "no {kind} finding in {found:#?}");
    }
}
