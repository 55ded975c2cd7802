//! Tests of the plot module: every figure renders in both formats from a synthetic summary
//! (no model involved), with the expected size and text, and survives missing series, NaN
//! values and non-ASCII names.

use std::fs;
use std::path::{Path, PathBuf};

use super::look::{self, Dash, ValueAxis, YearAxis};
use super::*;
use crate::stats::{Quantiles, SeriesKey, Summary};

fn powers() -> Vec<PowerStyle> {
    let p = |id: &str, name: &str, color: [u8; 3]| PowerStyle {
        id: id.to_string(),
        name: name.to_string(),
        color,
    };
    vec![
        p("EU", "European Union", [0, 82, 180]),
        p("US", "United States", [200, 30, 45]),
        p("RU", "Russia", [110, 60, 160]),
        p("CN", "China", [230, 150, 0]),
    ]
}

fn meta() -> Meta {
    Meta {
        title: "Baseline".to_string(),
        subtitle: "500 runs · seed 42 · simulate 0.1.0".to_string(),
    }
}

/// Quantiles around `mid` with a spread growing over time `t` in [0, 1], clipped to `lo..hi`.
fn fan(mid: f64, spread: f64, t: f64, lo: f64, hi: f64) -> Quantiles {
    let s = spread * (0.3 + t);
    let c = |v: f64| v.clamp(lo, hi);
    Quantiles {
        mean: c(mid),
        p5: c(mid - 1.6 * s),
        p25: c(mid - 0.7 * s),
        p50: c(mid),
        p75: c(mid + 0.7 * s),
        p95: c(mid + 1.6 * s),
    }
}

/// A plausible ensemble summary for four powers, 2024..=2040.
fn summary() -> Summary {
    let years: Vec<i32> = (2024..=2040).collect();
    let n = years.len();
    let mut s = Summary {
        years: years.clone(),
        runs: 500,
        ..Summary::default()
    };
    let mut put = |measure: &str, power: &str, domain: &str, f: &dyn Fn(f64) -> Quantiles| {
        let q = (0..n).map(|i| f(i as f64 / (n - 1) as f64)).collect();
        s.series.insert(SeriesKey::new(measure, power, domain), q);
    };
    let start = [
        ("EU", 0.62, 0.05),
        ("US", 0.45, -0.1),
        ("RU", 0.55, -0.2),
        ("CN", 0.5, 0.15),
    ];
    for (id, x0, trend) in start {
        put("closeness", id, "", &|t| {
            fan(x0 + trend * t, 0.08, t, 0.0, 1.0)
        });
        for (k, d) in ["economy", "security", "technology", "diplomacy"]
            .iter()
            .enumerate()
        {
            let off = 0.08 * (k as f64 - 1.5);
            put("closeness", id, d, &|t| {
                fan(x0 + off + trend * t * (1.0 + off), 0.1, t, 0.0, 1.0)
            });
        }
    }
    let polls = [
        ("EU", 0.12, 0.04),
        ("US", 0.03, 0.0),
        ("RU", 0.42, -0.12),
        ("CN", 0.2, 0.1),
    ];
    for (id, p0, trend) in polls {
        put("poll_friend", id, "", &|t| {
            fan(p0 + trend * t, 0.03, t, 0.0, 1.0)
        });
    }
    put("poll_friend", "none", "", &|t| {
        fan(0.23 - 0.02 * t, 0.02, t, 0.0, 1.0)
    });
    let money = [
        ("grants", [0.8, 0.0, 0.05, 0.1]),
        ("loans", [1.5, 0.2, 0.3, 1.8]),
        ("health_aid", [0.03, 0.01, 0.02, 0.04]),
        ("arms", [0.0, 0.05, 0.2, 0.15]),
        ("tech", [0.1, 0.1, 0.0, 0.25]),
        ("trade", [55.0, 3.0, 6.0, 12.0]),
        ("sovereignty_support", [0.0, 0.0, 0.9, 0.8]),
        ("accession", [0.4, 0.0, 0.0, 0.0]),
    ];
    for (kind, levels) in money {
        for (id, level) in ["EU", "US", "RU", "CN"].iter().zip(levels) {
            let bounded = matches!(kind, "sovereignty_support" | "accession");
            let hi = if bounded { 1.0 } else { f64::INFINITY };
            put(&format!("instrument.{kind}"), id, "", &|t| {
                fan(level * (1.0 + 0.3 * t), level * 0.15, t, 0.0, hi)
            });
        }
    }
    put("leeway", "", "", &|t| {
        fan(0.35 - 0.5 * t, 0.1, t, f64::MIN, f64::MAX)
    });
    put("hedging", "", "", &|t| {
        fan(0.85 - 0.3 * t, 0.05, t, 0.0, 1.0)
    });
    put("credibility", "", "", &|t| {
        fan(0.3 + 0.3 * t, 0.05, t, 0.0, 1.0)
    });
    put("membership_support", "", "", &|t| {
        fan(0.4 + 0.1 * t, 0.04, t, 0.0, 1.0)
    });
    put("threat_threatened.us_5g", "US", "technology", &|t| {
        fan((1.0 - 1.5 * t).clamp(0.0, 1.0), 0.0, t, 0.0, 1.0)
    });
    put("threat_imposed.us_5g", "US", "technology", &|t| {
        fan((1.5 * t).clamp(0.0, 1.0), 0.0, t, 0.0, 1.0)
    });
    // A missing year in one series: the line must break, not fall to zero.
    if let Some(q) = s.series.get_mut(&SeriesKey::new("closeness", "US", "")) {
        q[8] = Quantiles::NAN;
    }
    s
}

/// A second arm: the same summary with closeness to the EU raised.
fn other_arm(base: &Summary) -> Summary {
    let mut s = base.clone();
    for (key, q) in s.series.iter_mut() {
        if key.measure == "closeness" && key.power == "EU" {
            for (i, q) in q.iter_mut().enumerate() {
                let up = 0.01 * i as f64;
                for v in [&mut q.p5, &mut q.p25, &mut q.p50, &mut q.p75, &mut q.p95] {
                    *v = (*v + up).min(1.0);
                }
            }
        }
    }
    s
}

/// An election and two scripted events in one year, and one more election.
fn marks() -> Vec<Mark> {
    let m = |year, label: &str, kind| Mark {
        year,
        label: label.to_string(),
        kind,
    };
    vec![
        m(2027, "election", MarkKind::Election),
        m(2026, "eu opens chapters", MarkKind::Event),
        m(2026, "grants doubled", MarkKind::Event),
        m(2031, "election", MarkKind::Election),
    ]
}

/// `a − b` per series, as the difference panel reads it.
fn difference(a: &Summary, b: &Summary) -> Summary {
    let mut d = a.clone();
    for (k, q) in d.series.iter_mut() {
        if let Some(base) = b.series.get(k) {
            for (x, y) in q.iter_mut().zip(base) {
                for (v, w) in [
                    (&mut x.p5, y.p50),
                    (&mut x.p25, y.p50),
                    (&mut x.p50, y.p50),
                    (&mut x.p75, y.p50),
                    (&mut x.p95, y.p50),
                ] {
                    *v -= w;
                }
            }
        }
    }
    d
}

fn driver_bars() -> (Vec<DriverBar>, Vec<(i32, f64)>) {
    let terms = [
        ("instruments", 0.012),
        ("rivalry", -0.018),
        ("public opinion", 0.006),
        ("inertia", -0.004),
        ("sanctions", -0.01),
    ];
    let mut bars = Vec::new();
    let mut net = Vec::new();
    for year in 2025..=2040 {
        let t = f64::from(year - 2025) / 15.0;
        let mut total = 0.0;
        for (k, (term, scale)) in terms.iter().enumerate() {
            let value = scale * (1.0 + 0.8 * (t * 6.0 + k as f64).sin());
            total += value;
            bars.push(DriverBar {
                year,
                term: term.to_string(),
                value,
            });
        }
        net.push((year, total));
    }
    (bars, net)
}

fn observed() -> Vec<Observed> {
    (2012..=2024)
        .map(|year| Observed {
            year,
            value: 0.5 + 0.01 * f64::from(year - 2012) + 0.03 * f64::from(year % 3),
        })
        .collect()
}

/// Renders every figure into `dir`; returns the paths written.
fn render_all(dir: &Path, formats: &[Format], powers: &[PowerStyle]) -> Vec<PathBuf> {
    let s = summary();
    let meta = meta();
    let arm = other_arm(&s);
    let arms = [
        Arm {
            name: "Baseline",
            summary: &s,
        },
        Arm {
            name: "Credible accession",
            summary: &arm,
        },
    ];
    let (bars, net) = driver_bars();
    let key = SeriesKey::new("closeness", "EU", "");
    let marks = marks();
    let mut paths = Vec::new();
    paths.extend(closeness(dir, formats, &s, powers, &marks, &meta).unwrap());
    paths.extend(domains(dir, formats, &s, powers, &marks, &meta).unwrap());
    paths.extend(opinion(dir, formats, &s, powers, &marks, &meta).unwrap());
    paths.extend(instruments(dir, formats, &s, powers, &marks, &meta).unwrap());
    paths.extend(leeway(dir, formats, &s, powers, &marks, &meta).unwrap());
    paths.extend(compare(dir, formats, &arms, powers, &marks, &meta).unwrap());
    paths.extend(compare_scenarios(dir, formats, &arms, powers, &marks, &meta).unwrap());
    let diff = difference(&arm, &s);
    let diffs = std::slice::from_ref(&diff);
    paths.extend(compare_difference(dir, formats, &arms, diffs, powers, &marks, &meta).unwrap());
    paths.extend(compare_domains(dir, formats, &arms, powers, &marks, &meta).unwrap());
    let threat = ThreatInfo {
        id: "us_5g".into(),
        sender: "US".into(),
        domain: "technology".into(),
        title: "us_5g: United States over technology ties to China".into(),
    };
    let t_arm = [ThreatArm {
        name: "Baseline",
        summary: &s,
        color: arm_color(0),
    }];
    let t = std::slice::from_ref(&threat);
    paths.extend(threats(dir, formats, "threats", &t_arm, t, &marks, &meta).unwrap());
    let panel = SeriesPanel {
        title: "Membership credibility".into(),
        unit: "0–1".into(),
        scale: 1.0,
        range: Some((0.0, 1.0)),
        series: vec![PanelSeries {
            key: SeriesKey::new("credibility", "", ""),
            label: "credibility".into(),
            color: [90, 60, 150],
        }],
    };
    let s_arms = [
        SeriesArm {
            name: "Baseline",
            summary: &s,
            color: arm_color(0),
        },
        SeriesArm {
            name: "Credible accession",
            summary: &arm,
            color: arm_color(1),
        },
    ];
    let panels = std::slice::from_ref(&panel);
    let heading = "the membership perspective";
    let written = series_panels(
        dir,
        formats,
        "accession",
        heading,
        &s_arms,
        panels,
        &marks,
        &meta,
    );
    paths.extend(written.unwrap());
    let fitted = fit(
        dir,
        formats,
        "fit_closeness_eu",
        &s,
        &key,
        &observed(),
        "Closeness to the EU",
        &marks,
        &meta,
    );
    paths.extend(fitted.unwrap());
    let heading = "drivers of closeness to the EU";
    let chart = DriverChart {
        bars: &bars,
        net: &net,
        heading,
        unit: "Part of the yearly move",
        note: Some("Bars add up\nto the line".into()),
        powers,
        marks: &marks,
    };
    paths.extend(drivers(dir, formats, "drivers_eu", &chart, &meta).unwrap());
    paths
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    (be(16), be(20))
}

const STEMS: [(&str, (u32, u32), &str); 13] = [
    (
        "closeness",
        (1200, 800),
        "Baseline: closeness to each power",
    ),
    (
        "domains",
        (1400, 1000),
        "Baseline: closeness by policy domain",
    ),
    (
        "opinion",
        (1200, 800),
        "Baseline: greatest friend of the country, in polls",
    ),
    (
        "instruments",
        (1400, 1000),
        "Baseline: instruments of each power",
    ),
    (
        "leeway",
        (1200, 900),
        "Baseline: systemic leeway and hedging",
    ),
    (
        "compare_closeness",
        (1400, 1000),
        "Baseline: closeness to each power, by arm",
    ),
    (
        "compare_scenarios",
        (1400, 600),
        "Baseline: closeness to each power, one panel per scenario",
    ),
    (
        "compare_difference",
        (1400, 1000),
        "Difference in closeness from Baseline: Baseline",
    ),
    (
        "compare_domains",
        (1500, 1200),
        "Baseline: closeness by domain (rows) and power (columns)",
    ),
    (
        "threats",
        (1200, 480),
        "Baseline: threats and sanctions, share of runs",
    ),
    (
        "accession",
        (1200, 540),
        "Baseline: the membership perspective",
    ),
    (
        "fit_closeness_eu",
        (1200, 800),
        "Closeness to the EU, simulated and observed",
    ),
    (
        "drivers_eu",
        (1200, 800),
        "Baseline: drivers of closeness to the EU",
    ),
];

#[test]
fn every_figure_renders_in_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let paths = render_all(dir.path(), &[Format::Png, Format::Svg], &powers());
    assert_eq!(paths.len(), 2 * STEMS.len());
    for (stem, size, title) in STEMS {
        let png = dir.path().join(format!("{stem}.png"));
        let svg = dir.path().join(format!("{stem}.svg"));
        assert!(
            paths.contains(&png) && paths.contains(&svg),
            "{stem} not returned"
        );
        let bytes = fs::read(&png).unwrap();
        assert!(
            bytes.len() > 20_000,
            "{stem}.png is only {} bytes",
            bytes.len()
        );
        assert_eq!(png_size(&bytes), size, "{stem}.png");
        let text = fs::read_to_string(&svg).unwrap();
        assert!(
            text.len() > 5_000,
            "{stem}.svg is only {} bytes",
            text.len()
        );
        assert!(text.contains(title), "{stem}.svg lacks its title {title:?}");
    }
    // Atomic writes leave no temporary files behind.
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with('.')),
        "left over: {names:?}"
    );
}

#[test]
fn legends_name_every_power_and_arm() {
    let dir = tempfile::tempdir().unwrap();
    render_all(dir.path(), &[Format::Svg], &powers());
    let closeness = fs::read_to_string(dir.path().join("closeness.svg")).unwrap();
    for p in powers() {
        assert!(
            closeness.contains(&p.name),
            "closeness legend lacks {}",
            p.name
        );
    }
    let compare = fs::read_to_string(dir.path().join("compare_closeness.svg")).unwrap();
    assert!(compare.contains("Credible accession"));
    let opinion = fs::read_to_string(dir.path().join("opinion.svg")).unwrap();
    assert!(opinion.contains("None of them"));
    let drivers = fs::read_to_string(dir.path().join("drivers_eu.svg")).unwrap();
    for term in ["instruments", "rivalry", "public opinion", "Net change"] {
        assert!(drivers.contains(term), "drivers legend lacks {term}");
    }
    // Year labels are integers, never "2030.0".
    assert!(closeness.contains("\n2030\n") && !closeness.contains("2030.0"));
}

#[test]
fn non_ascii_power_names_render() {
    let dir = tempfile::tempdir().unwrap();
    let mut powers = powers();
    powers[0].name = "Европска унија — EU".to_string();
    powers[1].name = "Vučić's Đ ≤ € → Ω".to_string();
    // A character outside the embedded subset must not panic either.
    powers[2].name = "Россия 中国".to_string();
    let paths = render_all(dir.path(), &[Format::Png, Format::Svg], &powers);
    assert_eq!(paths.len(), 2 * STEMS.len());
    let svg = fs::read_to_string(dir.path().join("closeness.svg")).unwrap();
    assert!(svg.contains("Европска унија — EU") && svg.contains("Vučić&apos;s Đ ≤ € → Ω"));
}

#[test]
fn empty_summary_and_missing_series_still_render() {
    let dir = tempfile::tempdir().unwrap();
    let empty = Summary::default();
    let meta = meta();
    let powers = powers();
    let formats = [Format::Png];
    closeness(dir.path(), &formats, &empty, &powers, &[], &meta).unwrap();
    domains(dir.path(), &formats, &empty, &powers, &[], &meta).unwrap();
    opinion(dir.path(), &formats, &empty, &powers, &[], &meta).unwrap();
    instruments(dir.path(), &formats, &empty, &powers, &[], &meta).unwrap();
    leeway(dir.path(), &formats, &empty, &powers, &[], &meta).unwrap();
    let arms = [Arm {
        name: "empty",
        summary: &empty,
    }];
    compare(dir.path(), &formats, &arms, &powers, &[], &meta).unwrap();
    compare(dir.path(), &formats, &[], &powers, &[], &meta).unwrap();
    compare_scenarios(dir.path(), &formats, &arms, &powers, &[], &meta).unwrap();
    compare_domains(dir.path(), &formats, &arms, &powers, &[], &meta).unwrap();
    let key = SeriesKey::new("closeness", "EU", "");
    fit(
        dir.path(),
        &formats,
        "fit",
        &empty,
        &key,
        &[],
        "x",
        &[],
        &meta,
    )
    .unwrap();
    let chart = DriverChart {
        bars: &[],
        net: &[],
        heading: "nothing",
        unit: "",
        note: None,
        powers: &powers,
        marks: &[],
    };
    drivers(dir.path(), &formats, "drivers", &chart, &meta).unwrap();

    // Years but a power without any series, and a one-year summary.
    let mut one = summary();
    one.years.truncate(1);
    for q in one.series.values_mut() {
        q.truncate(1);
    }
    let mut more = powers.clone();
    more.push(PowerStyle {
        id: "TR".to_string(),
        name: "Türkiye".to_string(),
        color: [0, 150, 130],
    });
    closeness(dir.path(), &formats, &one, &more, &[], &meta).unwrap();
    instruments(dir.path(), &formats, &one, &more, &[], &meta).unwrap();
    leeway(dir.path(), &formats, &one, &more, &[], &meta).unwrap();
}

#[test]
fn a_format_listed_twice_is_written_once() {
    let dir = tempfile::tempdir().unwrap();
    let paths = closeness(
        dir.path(),
        &[Format::Svg, Format::Svg],
        &summary(),
        &powers(),
        &[],
        &meta(),
    )
    .unwrap();
    assert_eq!(paths, vec![dir.path().join("closeness.svg")]);
}

#[test]
fn an_unwritable_folder_is_an_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    fs::write(&blocker, "not a folder").unwrap();
    let err = closeness(
        &blocker,
        &[Format::Png],
        &summary(),
        &powers(),
        &[],
        &meta(),
    )
    .unwrap_err();
    assert!(format!("{err:#}").contains("file"), "{err:#}");
}

#[test]
fn year_axis_labels_round_years() {
    let bounds = |a: &YearAxis| a.bounds();
    let a = YearAxis::new(2024, 2040, 0.0, 10);
    assert_eq!(format!("{:?}", bounds(&a)), "(2024.0, 2040.0)");
    let long = YearAxis::new(2008, 2040, 0.0, 10);
    let short = YearAxis::new(2030, 2030, 0.0, 10);
    assert!(short.bounds().1 - short.bounds().0 > 0.5);
    assert!(format!("{long:?}").contains("2010.0") && !format!("{long:?}").contains("2011.0"));
}

#[test]
fn value_axis_rounds_out_to_ticks() {
    let a = ValueAxis::covering([0.013, -0.021, 0.004], true, 8);
    let (lo, hi) = a.bounds();
    assert!(
        lo <= -0.021 && hi >= 0.013 && lo > -0.05 && hi < 0.05,
        "{lo}..{hi}"
    );
    let nothing = ValueAxis::covering([f64::NAN], false, 5);
    assert_eq!(format!("{:?}", nothing.bounds()), "(0.0, 1.0)");
    let flat = ValueAxis::covering([2.0, 2.0], false, 5);
    assert!(flat.bounds().0 < 2.0 && flat.bounds().1 > 2.0);
}

#[test]
fn numbers_use_a_true_minus_and_no_negative_zero() {
    assert_eq!(look::number(-0.25, 2), "\u{2212}0.25");
    assert_eq!(look::number(-0.0001, 2), "0.00");
    assert_eq!(look::number(40.0, 0), "40");
}

#[test]
fn runs_split_at_missing_values() {
    let pts = [(0.0, 1.0), (1.0, f64::NAN), (2.0, 2.0), (3.0, 3.0)];
    let runs = look::runs(&pts, |(_, v)| v.is_finite());
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1].len(), 2);
    assert_eq!(Dash::nth(4), Dash::Solid);
    assert_eq!(look::grid(4), (2, 2));
    assert_eq!(look::grid(5), (2, 3));
}

#[test]
fn overlong_names_are_shortened_to_fit() {
    let dir = tempfile::tempdir().unwrap();
    let mut powers = powers();
    powers[0].name = "The European Union and its member states, ".repeat(5);
    let meta = Meta {
        title: "A scenario name far too long for any title line, ".repeat(4),
        subtitle: meta().subtitle,
    };
    closeness(dir.path(), &[Format::Svg], &summary(), &powers, &[], &meta).unwrap();
    let svg = fs::read_to_string(dir.path().join("closeness.svg")).unwrap();
    assert!(!svg.contains(&powers[0].name) && !svg.contains(&meta.title));
    assert!(svg.contains("\nThe European Union") && svg.contains('…'));
}

#[test]
fn backtest_figure_marks_the_cut_off_and_draws_both_baselines() {
    let dir = tempfile::tempdir().unwrap();
    let key = SeriesKey::new("closeness", "EU", "");
    let written = backtest(
        dir.path(),
        &[Format::Svg],
        "bt",
        &summary(),
        &key,
        &observed(),
        "Closeness to the EU",
        &marks(),
        &meta(),
        2018,
    )
    .unwrap();
    assert_eq!(written.len(), 1);
    let svg = fs::read_to_string(&written[0]).unwrap();
    for text in [
        "training",
        "forecast",
        "Persistence forecast",
        "Linear-trend forecast",
        "out of sample",
    ] {
        assert!(svg.contains(text), "backtest figure lacks {text}");
    }
    // Elections and scripted events are on its time axis too, named in the legend.
    for text in ["election", "2026 eu opens chapters"] {
        assert!(svg.contains(text), "backtest figure lacks the mark {text}");
    }
    // Without training points before the cut-off there is no baseline to draw.
    let late: Vec<Observed> = observed().into_iter().filter(|o| o.year > 2020).collect();
    let written = backtest(
        dir.path(),
        &[Format::Svg],
        "bt_late",
        &summary(),
        &key,
        &late,
        "Closeness to the EU",
        &[],
        &meta(),
        2018,
    )
    .unwrap();
    let svg = fs::read_to_string(&written[0]).unwrap();
    assert!(!svg.contains("Persistence forecast"));
}

/// Closeness to one power (CN) whose domains move by `moves` (economy, security, technology,
/// diplomacy) from 2024 to a peak in 2030 and back by `back` of the way by 2040; the aggregate
/// is their mean, as with equal domain weights.
fn domain_summary(moves: [f64; 4], back: f64) -> Summary {
    let years: Vec<i32> = (2024..=2040).collect();
    let at = |m: f64, y: i32| {
        let up = f64::from((y - 2024).min(6)) / 6.0;
        let down = f64::from((y - 2030).max(0)) / 10.0 * back;
        0.5 + m * (up - down)
    };
    let mut s = Summary {
        years: years.clone(),
        runs: 500,
        ..Summary::default()
    };
    let q = |v: f64| fan(v, 0.02, 0.5, 0.0, 1.0);
    for (m, d) in moves
        .iter()
        .zip(["economy", "security", "technology", "diplomacy"])
    {
        let series = years.iter().map(|y| q(at(*m, *y))).collect();
        s.series
            .insert(SeriesKey::new("closeness", "CN", d), series);
    }
    let mean = moves.iter().sum::<f64>() / 4.0;
    let series = years.iter().map(|y| q(at(mean, *y))).collect();
    s.series
        .insert(SeriesKey::new("closeness", "CN", ""), series);
    s
}

/// A sanction that pulls economic closeness to China down while the other domains stay put
/// moves the aggregate by a quarter as much: the closeness chart says so, in the year of the
/// largest move even when it is partly undone by the end; when every domain moves with the
/// aggregate, or a domain moves too little to see, it says nothing.
#[test]
fn the_closeness_chart_names_domain_moves_the_aggregate_hides_and_only_those() {
    let p = powers();
    let hidden = super::closeness::hidden_moves(&domain_summary([-0.12, 0.0, 0.0, 0.0], 0.5), &p);
    assert_eq!(hidden.len(), 1, "{hidden:?}");
    let (power, domain, moved, all, year) = hidden[0];
    assert_eq!((power, domain, year), ("China", "Economy", 2030));
    assert!(
        (moved + 0.12).abs() < 1e-9 && (all + 0.03).abs() < 1e-9,
        "{hidden:?}"
    );
    let svg = closeness_svg(&domain_summary([-0.12, 0.0, 0.0, 0.0], 0.5), &p, &meta()).unwrap();
    assert!(svg.contains("The aggregate hides"), "no note");
    assert!(
        svg.contains("China, economy: −0.12 by 2030 (all −0.03)"),
        "{svg}"
    );
    // Two domains moving apart, the aggregate not at all.
    let apart = super::closeness::hidden_moves(&domain_summary([0.1, -0.1, 0.0, 0.0], 0.0), &p);
    assert_eq!(apart.len(), 2, "{apart:?}");
    // Every domain moving with the aggregate, and a move too small to see: silent.
    for moves in [
        [0.12, 0.12, 0.12, 0.12],
        [0.2, 0.1, 0.12, 0.1],
        [0.06, 0.0, 0.0, 0.0],
    ] {
        let s = domain_summary(moves, 0.0);
        assert!(
            super::closeness::hidden_moves(&s, &p).is_empty(),
            "{moves:?}"
        );
        let svg = closeness_svg(&s, &p, &meta()).unwrap();
        assert!(!svg.contains("The aggregate hides"), "{moves:?}");
    }
}

/// The difference figure of `compare` names a domain whose paired difference the aggregate's
/// hides (a sanction in one domain), and stays silent when every domain moves alike.
#[test]
fn the_difference_figure_names_domain_differences_the_aggregate_hides() {
    let dir = tempfile::tempdir().unwrap();
    let s = summary();
    let arms = [
        Arm {
            name: "baseline",
            summary: &s,
        },
        Arm {
            name: "sanctions",
            summary: &s,
        },
    ];
    let p = powers();
    for (moves, shown) in [([0.05, 0.0, 0.0, 0.0], true), ([0.05; 4], false)] {
        let d = domain_summary(moves, 0.0);
        let diffs = std::slice::from_ref(&d);
        compare_difference(dir.path(), &[Format::Svg], &arms, diffs, &p, &[], &meta()).unwrap();
        let svg = fs::read_to_string(dir.path().join("compare_difference.svg")).unwrap();
        assert_eq!(svg.contains("The aggregate hides"), shown, "{moves:?}");
        if shown {
            assert!(
                svg.contains("China, economy: +0.05 by 2040 (all +0.01)"),
                "{svg}"
            );
        }
    }
}

/// A long note line of the difference figure is cut at spaces into pieces that fit the legend
/// column, every word kept in order; a short line stays whole.
#[test]
fn long_note_lines_wrap_at_spaces() {
    let line = "eu_credible_accession: Russia, diplomacy: −0.28 by 2040 (all −0.12)";
    let parts = super::compare::wrap_note_line(line, 48);
    assert!(parts.len() == 2, "{parts:?}");
    assert!(parts.iter().all(|p| p.chars().count() <= 48), "{parts:?}");
    assert!(parts[1].starts_with("  "), "{parts:?}");
    let joined: Vec<&str> = parts.iter().flat_map(|p| p.split_whitespace()).collect();
    assert_eq!(joined, line.split(' ').collect::<Vec<_>>());
    assert_eq!(
        super::compare::wrap_note_line("short line", 48),
        vec!["short line"]
    );
}

/// The scenarios of a comparison of up to ten get ten different colours.
#[test]
fn ten_compared_scenarios_get_ten_colours() {
    let colours: std::collections::BTreeSet<[u8; 3]> =
        (0..10).map(super::compare::arm_color).collect();
    assert_eq!(colours.len(), 10);
}

/// A band panel's title too wide for its panel breaks after its last ": ", so the source that
/// dominates is on a line of its own instead of running into the next panel; a short title
/// stays on one line.
#[test]
fn long_panel_titles_break_before_the_source() {
    let dir = tempfile::tempdir().expect("tempdir");
    let years: Vec<i32> = (2008..=2025).collect();
    let q: Vec<Quantiles> = (0..years.len())
        .map(|i| fan(0.5, 0.1, i as f64 / 17.0, 0.0, 1.0))
        .collect();
    let long = "closeness EU diplomacy: discrepancy".to_string();
    let short = "EU: noise".to_string();
    let panel = |title: &String| BandPanel {
        title: title.clone(),
        run: &q,
        parameter: &q,
        total: &q,
    };
    let panels: Vec<BandPanel> = (0..20)
        .map(|i| if i == 0 { panel(&long) } else { panel(&short) })
        .collect();
    let paths = decomposed(
        dir.path(),
        &[Format::Svg],
        "bands",
        &years,
        &panels,
        &meta(),
    )
    .expect("drawn");
    let svg = fs::read_to_string(&paths[0]).expect("svg");
    assert!(
        !svg.contains("closeness EU diplomacy: discrepancy"),
        "one line"
    );
    assert!(
        svg.contains("\ncloseness EU diplo"),
        "the head on the first line"
    );
    assert!(
        svg.contains(">\ndiscrepancy\n<"),
        "the source on a line of its own"
    );
    assert!(
        svg.contains(">\nEU: noise\n<"),
        "a short title is kept whole"
    );
}
