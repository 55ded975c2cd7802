//! `simulate diff A.toml B.toml`: two scenarios on common random numbers, compared run by run.
//! The fan chart of the paired differences B − A beside the two scenarios' own bands, the
//! ratio of the paired to the unpaired width, a table of final-year differences with 90%
//! intervals and the share of runs in which B < A, and with `--attribute` the gap split among
//! the levers that differ (Shapley values).

use super::common::attribution::{self, Attribution};
use super::common::{command_line, default_out, emit, formats, load, open_out, plan_for, threads};
use crate::cli::DiffArgs;
use crate::experiment::paired::{self, Paired, Series};
use crate::experiment::study::measure_slot;
use crate::export::{self, tables};
use crate::plot::{self, Meta};
use crate::scenario::Scenario;
use std::fmt::Write as _;
use std::time::Instant;

/// z for a two-sided 90% interval.
const Z90: f64 = 1.644_853_6;

/// `simulate diff`.
pub fn diff(args: &DiffArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let a = load(&args.a, &args.set)?;
    let b = load(&args.b, &args.set)?;
    check_comparable(&a, &b)?;
    let measures = measures_of(&a, &b, &args.measure)?;
    let e = &args.ensemble;
    let threads = threads(e)?;
    let plan = plan_for(&a, e)?;
    let out_path = e
        .out
        .clone()
        .unwrap_or_else(|| default_out(&format!("diff_{}_vs_{}", a.name, b.name)));
    let out = open_out(&out_path, e.force)?;
    let fmts = formats(&e.format);
    let sa = attribution::series(&a, &plan, &measures, threads, e.quiet, &a.name)?;
    let sb = attribution::series(&b, &plan, &measures, threads, e.quiet, &b.name)?;
    let attributed = if args.attribute {
        Some(attribution::attribute(
            &a,
            &b,
            &plan,
            (&sa, &sb),
            threads,
            e.quiet,
        )?)
    } else {
        None
    };
    let stats: Vec<Vec<Paired>> = (0..measures.len())
        .map(|m| {
            (0..sa.years.len())
                .map(|y| paired::compare(&sa, &sb, y, m))
                .collect()
        })
        .collect();
    let mut buf = String::new();
    report(&mut buf, &a, &b, &sa, &stats, plan.runs.len());
    if let Some(at) = &attributed {
        attribution::report(&mut buf, at);
    }
    emit(&buf)?;
    let all = rows(&sa, &stats);
    let last = sa.years.last().copied().unwrap_or_default();
    let finals: Vec<DiffRowCsv> = all.iter().filter(|r| r.year == last).cloned().collect();
    out.write("diff.csv", &tables::table_csv(&finals)?)?;
    out.write("diff_years.csv", &tables::table_csv(&all)?)?;
    let meta = Meta {
        title: format!("{} vs {}", a.name, b.name),
        subtitle: format!(
            "{} paired runs on common random numbers · seed {} · simulate {}",
            plan.runs.len(),
            plan.master_seed,
            env!("CARGO_PKG_VERSION")
        ),
    };
    plot::diff(out.path(), &fmts, &figure(&a, &b, &sa, &stats), &meta)?;
    if let Some(at) = &attributed {
        attribution::write(&out, &fmts, at, "", &meta)?;
    }
    write_manifest(&out, &a, &b, &plan, threads, attributed.as_ref(), started)?;
    out.commit()?;
    if !e.quiet {
        eprintln!(
            "diff {} − {}: {} paired runs in {:.2} s -> {}",
            b.name,
            a.name,
            plan.runs.len(),
            started.elapsed().as_secs_f64(),
            out_path.display()
        );
    }
    Ok(())
}

/// Same powers and years, or a usage error.
pub fn check_comparable(a: &Scenario, b: &Scenario) -> anyhow::Result<()> {
    let ids = |s: &Scenario| {
        s.base
            .powers
            .iter()
            .map(|p| p.id.clone())
            .collect::<Vec<_>>()
    };
    if ids(a) != ids(b) || a.base.start != b.base.start || a.base.end != b.base.end {
        return Err(super::common::usage(format!(
            "cannot pair '{}' with '{}': they must declare the same powers ({}) and years ({}–{})",
            b.path.display(),
            a.path.display(),
            ids(a).join(", "),
            a.base.start,
            a.base.end
        )));
    }
    Ok(())
}

/// `--measure` names checked against both scenarios; default: closeness to each power.
pub fn measures_of(a: &Scenario, b: &Scenario, asked: &[String]) -> anyhow::Result<Vec<String>> {
    if asked.is_empty() {
        return Ok(a
            .base
            .powers
            .iter()
            .map(|p| format!("closeness.{}", p.id))
            .collect());
    }
    let mut out: Vec<String> = Vec::new();
    for m in asked {
        for s in [a, b] {
            measure_slot(&s.base, m)
                .map_err(|e| super::common::usage(format!("--measure: {e} (in {})", s.name)))?;
        }
        if !out.contains(m) {
            out.push(m.clone());
        }
    }
    Ok(out)
}

fn report(
    buf: &mut String,
    a: &Scenario,
    b: &Scenario,
    sa: &Series,
    stats: &[Vec<Paired>],
    runs: usize,
) {
    let last = sa.years.len() - 1;
    let _ = writeln!(
        buf,
        "{} − {} in {}, {runs} runs paired on common random numbers:",
        b.name, a.name, sa.years[last]
    );
    let _ = writeln!(
        buf,
        "{:<24} {:>8} {:>8} {:>9} {:>19} {:>19} {:>19} {:>7} {:>7}",
        "measure",
        "A mean",
        "B mean",
        "mean B−A",
        "90% CI of mean",
        "paired 90% of runs",
        "unpaired 90%",
        "ratio",
        "B < A"
    );
    for (m, name) in sa.measures.iter().enumerate() {
        let p = &stats[m][last];
        let ci = Z90 * p.se_mean;
        let _ = writeln!(
            buf,
            "{:<24} {:>8.4} {:>8.4} {:>+9.4} {:>+9.4} … {:>+7.4} {:>+9.4} … {:>+7.4} {:>+9.4} … {:>+7.4} {:>7.2} {:>6.0}%",
            name,
            p.a.mean,
            p.b.mean,
            p.paired.mean,
            p.paired.mean - ci,
            p.paired.mean + ci,
            p.paired.p5,
            p.paired.p95,
            p.unpaired.p5,
            p.unpaired.p95,
            p.width_ratio(),
            100.0 * p.share_b_below
        );
    }
}

/// A row of `diff.csv` / `diff_years.csv`.
#[derive(serde::Serialize, Clone)]
struct DiffRowCsv {
    measure: String,
    year: i32,
    a_mean: String,
    b_mean: String,
    mean_diff: String,
    mean_diff_lo90: String,
    mean_diff_hi90: String,
    median_diff: String,
    p5_diff: String,
    p95_diff: String,
    unpaired_p5: String,
    unpaired_p95: String,
    width_ratio: String,
    share_b_below_a: String,
    pairs: usize,
}

impl tables::Header for DiffRowCsv {
    const HEADER: &'static [&'static str] = &[
        "measure",
        "year",
        "a_mean",
        "b_mean",
        "mean_diff",
        "mean_diff_lo90",
        "mean_diff_hi90",
        "median_diff",
        "p5_diff",
        "p95_diff",
        "unpaired_p5",
        "unpaired_p95",
        "width_ratio",
        "share_b_below_a",
        "pairs",
    ];
}

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.6}")
    } else {
        String::new()
    }
}

fn rows(sa: &Series, stats: &[Vec<Paired>]) -> Vec<DiffRowCsv> {
    let mut out = Vec::new();
    for (m, name) in sa.measures.iter().enumerate() {
        for (y, year) in sa.years.iter().enumerate() {
            let p = &stats[m][y];
            let ci = Z90 * p.se_mean;
            out.push(DiffRowCsv {
                measure: name.clone(),
                year: *year,
                a_mean: num(p.a.mean),
                b_mean: num(p.b.mean),
                mean_diff: num(p.paired.mean),
                mean_diff_lo90: num(p.paired.mean - ci),
                mean_diff_hi90: num(p.paired.mean + ci),
                median_diff: num(p.paired.p50),
                p5_diff: num(p.paired.p5),
                p95_diff: num(p.paired.p95),
                unpaired_p5: num(p.unpaired.p5),
                unpaired_p95: num(p.unpaired.p95),
                width_ratio: num(p.width_ratio()),
                share_b_below_a: num(p.share_b_below),
                pairs: p.pairs,
            });
        }
    }
    out
}

fn figure(a: &Scenario, b: &Scenario, sa: &Series, stats: &[Vec<Paired>]) -> plot::DiffFigure {
    let color = |name: &str| {
        a.base
            .powers
            .iter()
            .find(|p| name.split('.').nth(1) == Some(p.id.as_str()))
            .map_or([60, 60, 60], |p| p.color)
    };
    plot::DiffFigure {
        names: (a.name.clone(), b.name.clone()),
        years: sa.years.clone(),
        rows: sa
            .measures
            .iter()
            .enumerate()
            .map(|(m, name)| plot::DiffRow {
                title: name.clone(),
                color: color(name),
                a: stats[m].iter().map(|p| p.a).collect(),
                b: stats[m].iter().map(|p| p.b).collect(),
                paired: stats[m].iter().map(|p| p.paired).collect(),
                unpaired: stats[m].iter().map(|p| p.unpaired).collect(),
                ratio: stats[m].last().map_or(f64::NAN, Paired::width_ratio),
            })
            .collect(),
    }
}

fn write_manifest(
    out: &crate::export::OutputDir,
    a: &Scenario,
    b: &Scenario,
    plan: &crate::experiment::Plan,
    threads: usize,
    at: Option<&Attribution>,
    started: Instant,
) -> anyhow::Result<()> {
    let scenarios: Vec<serde_json::Value> = [a, b]
        .iter()
        .map(|s| {
            serde_json::json!({
                "name": s.name, "path": s.path.display().to_string(),
                "sha256": export::sha256_hex(s.resolved_toml.as_bytes())})
        })
        .collect();
    let manifest = serde_json::json!({
        "tool": "simulate", "version": env!("CARGO_PKG_VERSION"),
        "command": "diff",
        "command_line": command_line(),
        "scenarios": scenarios,
        "master_seed": plan.master_seed, "runs": plan.runs.len(), "threads": threads,
        "common_random_numbers": true,
        "unpaired": "run r of B against run r+s of A, shifts s = 1..min(runs-1, 200)",
        "attribution": at.map(|at| serde_json::json!({
            "levers": at.levers, "exact": at.exact, "hybrids": at.hybrids,
            "end_check_max_abs": at.end_check,
        })),
        "wall_seconds": started.elapsed().as_secs_f64(),
    });
    out.write("manifest.json", &serde_json::to_vec_pretty(&manifest)?)?;
    let mut refs = std::collections::BTreeMap::new();
    for s in [a, b] {
        out.write(
            &format!("{}.resolved.toml", s.name),
            s.resolved_toml.as_bytes(),
        )?;
        refs.extend(s.reference_file());
    }
    for (name, text) in refs {
        out.write(&name, text.as_bytes())?;
    }
    Ok(())
}
