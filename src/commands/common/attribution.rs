//! Attribution of the gap B − A to the levers that differ between two scenarios, by Shapley
//! values on common random numbers (`diff --attribute`, `compare --attribute`): the hybrids
//! are planned and checked before any runs, every hybrid runs on the same seeds, each run's
//! gap is split exactly (up to 8 levers) or over sampled orders, and the parts are averaged
//! over runs. Writes `attribution*.csv` and the waterfall chart; none of it knows which
//! command called it.

use super::usage;
use crate::experiment::levers::{Levers, reference_of};
use crate::experiment::paired::Series;
use crate::experiment::shapley::{self, MAX_PLAYERS};
use crate::experiment::{Exec, Plan};
use crate::export::{OutputDir, tables};
use crate::plot::{self, Format, Meta, WaterfallPanel, WaterfallStep};
use crate::scenario::Scenario;
use std::fmt::Write as _;

/// Antithetic pairs of sampled orders beyond 8 levers.
pub const ORDER_PAIRS: usize = 32;

/// The gap of one measure in one year, split among the levers.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    /// Measure name.
    pub measure: String,
    /// Calendar year.
    pub year: i32,
    /// Mean of A's runs.
    pub a: f64,
    /// Mean gap B − A over runs.
    pub total: f64,
    /// One part per lever (mean over runs of each run's Shapley value).
    pub parts: Vec<f64>,
    /// Standard error of each part from the finite number of runs.
    pub se_runs: Vec<f64>,
    /// Standard error of each part from sampling orders (0 when exact).
    pub se_orders: Vec<f64>,
}

/// A finished attribution.
#[derive(Clone, Debug)]
pub struct Attribution {
    /// Scenario names.
    pub a: String,
    /// Scenario names.
    pub b: String,
    /// Lever paths.
    pub levers: Vec<String>,
    /// Lever labels.
    pub labels: Vec<String>,
    /// Whether every coalition was run.
    pub exact: bool,
    /// Hybrids run (coalitions other than A and B themselves).
    pub hybrids: usize,
    /// Every measure, every year.
    pub splits: Vec<Split>,
    /// Largest |hybrid − scenario| over runs, years and measures at the two ends (A with no
    /// lever, A with every lever against B): 0 when the hybrids reproduce the scenarios.
    pub end_check: f64,
}

/// Runs the hybrids between `a` and `b` on `plan` and splits the gap; `sa`, `sb` are the
/// scenarios' own series on the same plan and measures.
pub fn attribute(
    a: &Scenario,
    b: &Scenario,
    plan: &Plan,
    (sa, sb): (&Series, &Series),
    threads: usize,
    quiet: bool,
) -> anyhow::Result<Attribution> {
    let levers = Levers::between(a, b).map_err(|e| usage(e.to_string()))?;
    let k = levers.list.len();
    if k > MAX_PLAYERS {
        return Err(usage(format!(
            "'{}' and '{}' differ in {k} levers: attribution handles at most {MAX_PLAYERS}",
            a.name, b.name
        )));
    }
    let splan = shapley::Plan::new(k, ORDER_PAIRS, plan.master_seed);
    let full = shapley::full_mask(k);
    let reference = reference_of(a, b);
    // Plan: every hybrid is loaded and checked before any runs.
    let masks = splan.coalitions();
    let hybrids: Vec<(u32, Scenario)> = masks
        .iter()
        .map(|m| Ok((*m, levers.hybrid(*m, a, &reference)?)))
        .collect::<Result<_, crate::experiment::levers::LeverError>>()
        .map_err(|e| usage(e.to_string()))?;
    let mut by_mask: Vec<(u32, Series)> = Vec::with_capacity(hybrids.len());
    let mut end_check: f64 = 0.0;
    for (m, h) in &hybrids {
        let label = format!("{} → {} [{m:0w$b}]", a.name, b.name, w = k.max(1));
        let s = series(h, plan, &sa.measures, threads, quiet, &label)?;
        let own = if *m == 0 {
            Some(sa)
        } else if *m == full {
            Some(sb)
        } else {
            None
        };
        match own {
            Some(own) => {
                end_check = end_check.max(max_gap(&s, own));
                by_mask.push((*m, own.clone()));
            }
            None => by_mask.push((*m, s)),
        }
    }
    let index = |m: u32| {
        by_mask
            .binary_search_by_key(&m, |(x, _)| *x)
            .unwrap_or_default()
    };
    let mut splits = Vec::new();
    for (mi, measure) in sa.measures.iter().enumerate() {
        for (y, year) in sa.years.iter().enumerate() {
            splits.push(split_one(&splan, &by_mask, &index, (y, mi), measure, *year));
        }
    }
    Ok(Attribution {
        a: a.name.clone(),
        b: b.name.clone(),
        levers: levers.list.iter().map(|l| l.path.clone()).collect(),
        labels: levers.list.iter().map(|l| l.label.clone()).collect(),
        exact: splan.is_exact(),
        hybrids: masks.len().saturating_sub(2),
        splits,
        end_check,
    })
}

fn max_gap(x: &Series, y: &Series) -> f64 {
    x.values
        .iter()
        .zip(&y.values)
        .flat_map(|(a, b)| a.iter().zip(b).map(|(p, q)| (p - q).abs()))
        .filter(|d| d.is_finite())
        .fold(0.0, f64::max)
}

fn split_one(
    splan: &shapley::Plan,
    by_mask: &[(u32, Series)],
    index: &dyn Fn(u32) -> usize,
    (y, m): (usize, usize),
    measure: &str,
    year: i32,
) -> Split {
    let k = splan.players;
    let runs = by_mask[0].1.values.len();
    let full = shapley::full_mask(k);
    let ok: Vec<usize> = (0..runs)
        .filter(|r| by_mask.iter().all(|(_, s)| s.get(*r, y, m).is_finite()))
        .collect();
    let per_run: Vec<Vec<f64>> = ok
        .iter()
        .map(|r| {
            splan
                .values(&|mask| by_mask[index(mask)].1.get(*r, y, m))
                .parts
        })
        .collect();
    let n = ok.len().max(1) as f64;
    let mean_of = |mask: u32| {
        ok.iter()
            .map(|r| by_mask[index(mask)].1.get(*r, y, m))
            .sum::<f64>()
            / n
    };
    let parts: Vec<f64> = (0..k)
        .map(|i| per_run.iter().map(|p| p[i]).sum::<f64>() / n)
        .collect();
    let se_runs = (0..k)
        .map(|i| {
            if ok.len() < 2 {
                return f64::NAN;
            }
            let var = per_run
                .iter()
                .map(|p| (p[i] - parts[i]).powi(2))
                .sum::<f64>()
                / (n - 1.0);
            (var / n).sqrt()
        })
        .collect();
    Split {
        measure: measure.to_string(),
        year,
        a: mean_of(0),
        total: mean_of(full) - mean_of(0),
        parts,
        se_runs,
        se_orders: splan.values(&mean_of).se,
    }
}

/// A row of `attribution.csv`.
#[derive(serde::Serialize)]
struct Row {
    measure: String,
    year: i32,
    lever: String,
    label: String,
    part: String,
    se_runs: String,
    se_orders: String,
}

impl tables::Header for Row {
    const HEADER: &'static [&'static str] = &[
        "measure",
        "year",
        "lever",
        "label",
        "part",
        "se_runs",
        "se_orders",
    ];
}

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.6}")
    } else {
        String::new()
    }
}

/// The rows of `attribution.csv`: each lever's part, then `total` (the gap B − A), by
/// measure and year.
fn rows(at: &Attribution) -> Vec<Row> {
    let mut out = Vec::new();
    for s in &at.splits {
        for (i, lever) in at.levers.iter().enumerate() {
            out.push(Row {
                measure: s.measure.clone(),
                year: s.year,
                lever: lever.clone(),
                label: at.labels[i].clone(),
                part: num(s.parts[i]),
                se_runs: num(s.se_runs[i]),
                se_orders: num(s.se_orders[i]),
            });
        }
        out.push(Row {
            measure: s.measure.clone(),
            year: s.year,
            lever: "total".into(),
            label: format!("gap {} − {}", at.b, at.a),
            part: num(s.total),
            se_runs: String::new(),
            se_orders: String::new(),
        });
    }
    out
}

/// Writes `attribution{suffix}.csv` and `waterfall{suffix}.png/svg`.
pub fn write(
    out: &OutputDir,
    fmts: &[Format],
    at: &Attribution,
    suffix: &str,
    meta: &Meta,
) -> anyhow::Result<()> {
    out.write(
        &format!("attribution{suffix}.csv"),
        &tables::table_csv(&rows(at))?,
    )?;
    let last = at.splits.iter().map(|s| s.year).max().unwrap_or_default();
    let panels: Vec<WaterfallPanel> = at
        .splits
        .iter()
        .filter(|s| s.year == last)
        .map(|s| WaterfallPanel {
            title: format!("{} in {last}", s.measure),
            start: (at.a.clone(), s.a),
            steps: at
                .levers
                .iter()
                .zip(&s.parts)
                .zip(s.se_runs.iter().zip(&s.se_orders))
                .map(|((l, p), (r, o))| WaterfallStep {
                    label: l.clone(),
                    value: *p,
                    se: (r * r + o * o).sqrt(),
                })
                .collect(),
            end: (at.b.clone(), s.a + s.total),
        })
        .collect();
    plot::waterfall(
        out.path(),
        fmts,
        &format!("waterfall{suffix}"),
        &panels,
        meta,
    )?;
    Ok(())
}

/// The final-year table for the terminal.
pub fn report(buf: &mut String, at: &Attribution) {
    let last = at.splits.iter().map(|s| s.year).max().unwrap_or_default();
    let how = if at.exact {
        format!(
            "exact Shapley values over all {} coalitions",
            1usize << at.levers.len()
        )
    } else {
        format!(
            "Shapley values over {} sampled orders (antithetic pairs); ± includes their error",
            2 * ORDER_PAIRS
        )
    };
    let _ = writeln!(
        buf,
        "\nattribution of {} − {} in {last} to {} levers ({how}, common random numbers):",
        at.b,
        at.a,
        at.levers.len()
    );
    for (i, l) in at.labels.iter().enumerate() {
        let _ = writeln!(buf, "  [{}] {} — {l}", i + 1, at.levers[i]);
    }
    for s in at.splits.iter().filter(|s| s.year == last) {
        let _ = writeln!(
            buf,
            "  {:<24} gap {:+.4} = {}",
            s.measure,
            s.total,
            s.parts
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let se = (s.se_runs[i].powi(2) + s.se_orders[i].powi(2)).sqrt();
                    format!("[{}] {p:+.4} ±{:.4}", i + 1, 1.96 * se)
                })
                .collect::<Vec<_>>()
                .join("  ")
        );
    }
    if at.end_check > 1e-9 {
        let _ = writeln!(
            buf,
            "  note: the hybrids at the ends differ from the scenarios by up to {:.2e} (rest point or draws not reproduced exactly); the parts add up to the scenarios' own gap",
            at.end_check
        );
    }
}

/// Runs `plan` for one scenario, keeping the named measures, with a progress bar.
pub fn series(
    s: &Scenario,
    plan: &Plan,
    names: &[String],
    threads: usize,
    quiet: bool,
    label: &str,
) -> anyhow::Result<Series> {
    let progress = super::Progress::new(plan.runs.len(), quiet, label);
    let tick = |k: usize| progress.tick(k);
    let out = crate::experiment::paired::series(
        s,
        plan,
        names,
        &Exec {
            threads,
            progress: &tick,
        },
    );
    progress.finish();
    out
}
