//! `simulate compare`: several scenarios on common random numbers, a table of differences,
//! the forces that made the gap, and the comparison plot.

use super::common::{
    command_line, default_out, emit, execute, formats, load, open_out, plan_for, styles, threads,
    usage,
};
use crate::cli::CompareArgs;
use crate::experiment::{Ensemble, measures};
use crate::export::{self, tables};
use crate::model::Domain;
use crate::plot::{self, Meta};
use crate::scenario::Scenario;
use std::fmt::Write as _;
use std::time::Instant;

/// Year of the first crossing of 0.5 by the median, if any.
fn crossing(series: &[crate::stats::Quantiles], years: &[i32]) -> Option<i32> {
    let above0 = series.first()?.p50 >= 0.5;
    series
        .iter()
        .zip(years)
        .find(|(q, _)| (q.p50 >= 0.5) != above0)
        .map(|(_, y)| *y)
}

/// `simulate compare`.
pub fn compare(args: &CompareArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let scenarios: Vec<Scenario> = args
        .scenarios
        .iter()
        .map(|p| load(p, &args.set))
        .collect::<anyhow::Result<_>>()?;
    let first = &scenarios[0];
    let ids: Vec<&str> = first.base.powers.iter().map(|p| p.id.as_str()).collect();
    for s in &scenarios[1..] {
        let other: Vec<&str> = s.base.powers.iter().map(|p| p.id.as_str()).collect();
        if other != ids || s.base.start != first.base.start || s.base.end != first.base.end {
            return Err(usage(format!(
                "cannot compare '{}' with '{}': they must declare the same powers ({}) and years ({}–{})",
                s.path.display(),
                first.path.display(),
                ids.join(", "),
                first.base.start,
                first.base.end
            )));
        }
    }
    let e_args = &args.ensemble;
    let threads = threads(e_args)?;
    let plan = plan_for(first, e_args)?;
    let names: Vec<String> = scenarios.iter().map(|s| s.name.clone()).collect();
    let out_path = e_args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&format!("compare_{}", names.join("_vs_"))));
    let out = open_out(&out_path, e_args.force)?;
    let fmts = formats(&e_args.format);
    let mut results = Vec::new();
    for s in &scenarios {
        results.push(execute(s, &plan, threads, e_args.quiet, &mut |_| Ok(()))?);
    }
    // Table of differences.
    let mut buf = String::new();
    let years = &results[0].summary.years;
    let last = years.len() - 1;
    let mut rows = Vec::new();
    let _ = writeln!(
        buf,
        "{:<22} {:<5} {:>8} {:>16} {:>9} {:>10} {:>10}",
        "scenario", "power", "median", "90% band", "vs first", "crosses .5", "collapse→"
    );
    for (s, e) in scenarios.iter().zip(&results) {
        for (p, id) in ids.iter().enumerate() {
            let Some(series) = e.summary.get("closeness", id, "") else {
                continue;
            };
            let base = results[0]
                .summary
                .get("closeness", id, "")
                .map_or(f64::NAN, |b| b[last].p50);
            let q = series[last];
            let cross = crossing(series, years);
            let share = e.camps[p] as f64 / e.runs.max(1) as f64;
            let _ = writeln!(
                buf,
                "{:<22} {:<5} {:>8.3} {:>7.3} – {:<6.3} {:>+9.3} {:>10} {:>9.0}%",
                s.name,
                id,
                q.p50,
                q.p5,
                q.p95,
                q.p50 - base,
                cross.map_or("-".to_string(), |y| y.to_string()),
                100.0 * share
            );
            rows.push(serde_json::json!({
                "scenario": s.name, "power": id, "year": years[last],
                "median": q.p50, "p5": q.p5, "p95": q.p95,
                "median_minus_first": q.p50 - base,
                "crosses_half": cross, "share_collapsed_toward": share,
            }));
        }
    }
    let table: Vec<CompareRow> = rows
        .iter()
        .map(|r| CompareRow {
            scenario: r["scenario"].as_str().unwrap_or_default().to_string(),
            power: r["power"].as_str().unwrap_or_default().to_string(),
            year: r["year"].as_i64().unwrap_or_default(),
            median: fixed(r["median"].as_f64()),
            p5: fixed(r["p5"].as_f64()),
            p95: fixed(r["p95"].as_f64()),
            median_minus_first: fixed(r["median_minus_first"].as_f64()),
            crosses_half: r["crosses_half"]
                .as_i64()
                .map(|y| y.to_string())
                .unwrap_or_default(),
            share_collapsed_toward: fixed(r["share_collapsed_toward"].as_f64()),
        })
        .collect();
    out.write("compare.csv", &tables::table_csv(&table)?)?;
    // Per-term differences of the drivers against the first scenario (common random numbers).
    let diff = driver_differences(&scenarios, &results);
    out.write("compare_drivers.csv", &tables::table_csv(&diff)?)?;
    print_driver_differences(&mut buf, &diff);
    emit(&buf)?;
    for (s, e) in scenarios.iter().zip(&results) {
        let rows = tables::summary_rows(&e.summary, &measures::series(&s.base));
        out.write(
            &format!("summary_{}.csv", s.name),
            &tables::table_csv(&rows)?,
        )?;
    }
    let meta = Meta {
        title: names.join(" vs "),
        subtitle: format!(
            "{} runs each on common random numbers · seed {} · simulate {}",
            plan.runs.len(),
            plan.master_seed,
            env!("CARGO_PKG_VERSION")
        ),
    };
    let arms: Vec<plot::Arm> = scenarios
        .iter()
        .zip(&results)
        .map(|(s, e)| plot::Arm {
            name: &s.name,
            summary: &e.summary,
        })
        .collect();
    plot::compare(out.path(), &fmts, &arms, &styles(&first.base), &meta)?;
    if args.attribute {
        attribute_pairs(&scenarios, &plan, threads, e_args.quiet, &out, &fmts)?;
    }
    let manifest = serde_json::json!({
        "tool": "simulate", "version": env!("CARGO_PKG_VERSION"),
        "command_line": command_line(),
        "scenarios": scenarios.iter().map(|s| serde_json::json!({
            "name": s.name, "path": s.path.display().to_string(),
            "sha256": export::sha256_hex(s.resolved_toml.as_bytes())})).collect::<Vec<_>>(),
        "master_seed": plan.master_seed, "runs": plan.runs.len(), "threads": threads,
        "common_random_numbers": true,
        "wall_seconds": started.elapsed().as_secs_f64(),
    });
    out.write("manifest.json", &serde_json::to_vec_pretty(&manifest)?)?;
    let mut references = std::collections::BTreeMap::new();
    for s in &scenarios {
        out.write(
            &format!("{}.resolved.toml", s.name),
            s.resolved_toml.as_bytes(),
        )?;
        references.extend(s.reference_file());
    }
    for (name, text) in references {
        out.write(&name, text.as_bytes())?;
    }
    out.commit()?;
    if !e_args.quiet {
        eprintln!(
            "compared {} scenarios × {} runs in {:.2} s -> {}",
            scenarios.len(),
            plan.runs.len(),
            started.elapsed().as_secs_f64(),
            out_path.display()
        );
    }
    Ok(())
}

/// `--attribute`: the gap from the first scenario to each other one, split among its levers.
fn attribute_pairs(
    scenarios: &[Scenario],
    plan: &crate::experiment::Plan,
    threads: usize,
    quiet: bool,
    out: &export::OutputDir,
    fmts: &[plot::Format],
) -> anyhow::Result<()> {
    use super::common::attribution;
    let a = &scenarios[0];
    let names: Vec<String> = a
        .base
        .powers
        .iter()
        .map(|p| format!("closeness.{}", p.id))
        .collect();
    let sa = attribution::series(a, plan, &names, threads, quiet, &a.name)?;
    let mut buf = String::new();
    for b in &scenarios[1..] {
        let sb = attribution::series(b, plan, &names, threads, quiet, &b.name)?;
        let at = attribution::attribute(a, b, plan, (&sa, &sb), threads, quiet)?;
        attribution::report(&mut buf, &at);
        let meta = Meta {
            title: format!("{} vs {}", a.name, b.name),
            subtitle: format!(
                "{} runs per coalition on common random numbers · seed {} · simulate {}",
                plan.runs.len(),
                plan.master_seed,
                env!("CARGO_PKG_VERSION")
            ),
        };
        attribution::write(out, fmts, &at, &format!("_{}_{}", a.name, b.name), &meta)?;
    }
    emit(&buf)
}

fn fixed(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| format!("{x:.6}"))
        .unwrap_or_default()
}

impl tables::Header for CompareRow {
    const HEADER: &'static [&'static str] = &[
        "scenario",
        "power",
        "year",
        "median",
        "p5",
        "p95",
        "median_minus_first",
        "crosses_half",
        "share_collapsed_toward",
    ];
}

impl tables::Header for DriverDiff {
    const HEADER: &'static [&'static str] = &["scenario", "power", "term", "total", "minus_first"];
}

/// A row of `compare.csv`.
#[derive(serde::Serialize)]
struct CompareRow {
    scenario: String,
    power: String,
    year: i64,
    median: String,
    p5: String,
    p95: String,
    median_minus_first: String,
    crosses_half: String,
    share_collapsed_toward: String,
}

/// A row of `compare_drivers.csv`: how much a term's summed push on closeness differs from
/// the first scenario over the whole horizon (ensemble means, common random numbers).
#[derive(serde::Serialize, Clone)]
pub struct DriverDiff {
    scenario: String,
    power: String,
    term: String,
    total: String,
    minus_first: String,
    #[serde(skip)]
    raw: f64,
}

fn driver_differences(scenarios: &[Scenario], results: &[Ensemble]) -> Vec<DriverDiff> {
    let params = &scenarios[0].base;
    let w = params.government.domain_weights;
    let total = |e: &Ensemble, s: &Scenario, p: usize| -> Vec<(String, f64)> {
        let d = &e.drivers;
        let mut out: Vec<(String, f64)> = Vec::new();
        for (t, term) in d.schema.terms.iter().enumerate() {
            let name = d.schema.name(*term, &s.base);
            let v: f64 = (0..d.years.len())
                .map(|y| {
                    Domain::ALL
                        .iter()
                        .map(|dom| w[dom.index()] * d.get(y, p, dom.index(), t))
                        .sum::<f64>()
                })
                .sum();
            out.push((name, v));
        }
        out
    };
    let mut rows = Vec::new();
    for (s, e) in scenarios.iter().zip(results) {
        for (p, power) in params.powers.iter().enumerate() {
            let base = total(&results[0], &scenarios[0], p);
            for (name, v) in total(e, s, p) {
                let b = base
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map_or(0.0, |(_, x)| *x);
                rows.push(DriverDiff {
                    scenario: s.name.clone(),
                    power: power.id.clone(),
                    term: name,
                    total: format!("{v:.6}"),
                    minus_first: format!("{:.6}", v - b),
                    raw: v - b,
                });
            }
        }
    }
    rows
}

/// Terms that respond to a move rather than cause it: they resist or limit whatever the
/// scenario's own forces do.
fn is_response(term: &str) -> bool {
    matches!(
        term,
        "autonomy_cost"
            | "public_opinion"
            | "option_value"
            | "inertia"
            | "move_cap"
            | "bounds"
            | "noise"
            | "structural_ties"
    )
}

fn print_driver_differences(buf: &mut String, rows: &[DriverDiff]) {
    let mut big: Vec<&DriverDiff> = rows.iter().filter(|r| r.raw.abs() > 0.005).collect();
    if big.is_empty() {
        return;
    }
    big.sort_by(|a, b| b.raw.abs().total_cmp(&a.raw.abs()));
    let _ = writeln!(
        buf,
        "\nforces that made the gap (ensemble means summed over all years, aggregate closeness, vs the first scenario)"
    );
    for (heading, responses, count) in [
        ("pushes (offers, threats, sanctions, rivalry):", false, 10),
        ("responses (what resisted or limited the move):", true, 5),
    ] {
        let _ = writeln!(buf, "  {heading}");
        for r in big
            .iter()
            .filter(|r| is_response(&r.term) == responses)
            .take(count)
        {
            let _ = writeln!(
                buf,
                "    {:<22} {:<5} {:<28} {:+.3}",
                r.scenario, r.power, r.term, r.raw
            );
        }
    }
}
