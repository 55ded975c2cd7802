//! `simulate tree T.toml` (and `simulate T.toml` for a file with `[branches]`): the trunk and
//! every leaf of a scenario tree as one study on common random numbers. Every leaf shares the
//! trunk's reference and seeds, so it is identical to the trunk before its first fork (checked
//! on every run and recorded in the manifest). Writes the tree figure, `tree.csv` (quantiles
//! of closeness and the outcome per branch and year), `tree_outcome.csv` (final-year outcome
//! per branch and, with probabilities, combined) and the resolved scenarios.

use super::common::attribution::series;
use super::common::{command_line, emit, formats, load, open_out, plan_for, threads, usage};
use crate::cli::{RunArgs, TreeArgs};
use crate::experiment::levers::{reference_of, with_reference};
use crate::experiment::paired::{Series, quantiles};
use crate::experiment::study::measure_slot;
use crate::experiment::tree::{self, Leaf, Tree, error_at};
use crate::export::{self, tables};
use crate::plot::{self, Meta};
use crate::scenario::{Place, Scenario, ScenarioError};
use crate::stats::{Quantiles, weighted_quantile};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Whether the scenario file declares `[branches]` (an unreadable file is not a tree: the
/// caller reports the read error).
pub fn is_tree(path: &Path) -> bool {
    crate::limits::read_text(path, crate::limits::SCENARIO_BYTES)
        .is_ok_and(|t| tree::has_branches(&t))
}

/// `simulate T.toml` for a tree: the options of a plain run that make no sense for a tree
/// are refused.
pub fn from_run(args: &RunArgs) -> anyhow::Result<()> {
    let refused = [
        ("--keep-runs", args.keep_runs),
        ("--shard", args.shard.is_some()),
        ("--watch", args.watch),
        ("--resume", args.resume),
        ("--bands", args.bands.is_some()),
    ];
    if let Some((flag, _)) = refused.iter().find(|(_, on)| *on) {
        return Err(usage(format!(
            "{flag} is not available for a scenario tree ({} has [branches]); run `simulate tree`",
            args.scenario.scenario.display()
        )));
    }
    tree(&TreeArgs {
        scenario: args.scenario.clone(),
        ensemble: args.ensemble.clone(),
    })
}

/// A leaf loaded and run.
struct Ran {
    leaf: Leaf,
    series: Series,
}

/// `simulate tree`.
pub fn tree(args: &TreeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let path = &args.scenario.scenario;
    let shown = path.display().to_string();
    let trunk = load(path, &args.scenario.set)?;
    let text = crate::limits::read_text(path, crate::limits::SCENARIO_BYTES)?;
    let tree = tree::parse(&text, &shown, trunk.base.start, trunk.base.end)?.ok_or_else(|| {
        usage(format!(
            "{shown} has no [branches] table: a tree declares [branches.points.<name>] with a year and alternatives"
        ))
    })?;
    let outcome = outcome_of(&tree, &trunk, &shown, &text)?;
    let reference = reference_of(&trunk, &trunk);
    let leaves: Vec<(Leaf, Scenario)> = tree
        .leaves()
        .into_iter()
        .map(|leaf| {
            let s = load_leaf(path, &args.scenario.set, &leaf, &tree, &shown, &text)?;
            let s = with_reference(s, &reference)?;
            Ok((leaf, s))
        })
        .collect::<anyhow::Result<_>>()?;
    let trunk = with_reference(trunk, &reference)?;
    let e = &args.ensemble;
    let threads = threads(e)?;
    let plan = plan_for(&trunk, e)?;
    let mut measures: Vec<String> = trunk
        .base
        .powers
        .iter()
        .map(|p| format!("closeness.{}", p.id))
        .collect();
    if !measures.contains(&outcome) {
        measures.push(outcome.clone());
    }
    let out_path = e
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&trunk.name));
    let out = open_out(&out_path, e.force)?;
    let fmts = formats(&e.format);
    let trunk_series = series(&trunk, &plan, &measures, threads, e.quiet, "trunk")?;
    let mut ran = Vec::new();
    for (leaf, s) in &leaves {
        let sr = series(s, &plan, &measures, threads, e.quiet, &leaf.id)?;
        ran.push(Ran {
            leaf: leaf.clone(),
            series: sr,
        });
    }
    let identical = ran.iter().all(|r| same_before_fork(&trunk_series, r));
    let m_out = measures.iter().position(|m| *m == outcome).unwrap_or(0);
    let combined = combined(&ran, m_out);
    let mut buf = String::new();
    report(
        &mut buf,
        &trunk,
        &trunk_series,
        &ran,
        &outcome,
        m_out,
        combined,
        identical,
    );
    emit(&buf)?;
    out.write(
        "tree.csv",
        &tables::table_csv(&tree_rows(&trunk_series, &ran))?,
    )?;
    out.write(
        "tree_outcome.csv",
        &tables::table_csv(&outcome_rows(&trunk_series, &ran, m_out, combined))?,
    )?;
    let meta = Meta {
        title: trunk.name.clone(),
        subtitle: format!(
            "{} leaves × {} runs on common random numbers · seed {} · simulate {}",
            ran.len(),
            plan.runs.len(),
            plan.master_seed,
            env!("CARGO_PKG_VERSION")
        ),
    };
    let fig = figure(&tree, &trunk_series, &ran, m_out, combined, &outcome);
    plot::tree(out.path(), &fmts, &fig, &meta)?;
    out.write("scenario.resolved.toml", trunk.resolved_toml.as_bytes())?;
    if let Some((name, text)) = trunk.reference_file() {
        out.write(&name, text.as_bytes())?;
    }
    for (leaf, s) in &leaves {
        out.write(
            &format!("branch_{}.resolved.toml", leaf.id),
            s.resolved_toml.as_bytes(),
        )?;
    }
    let manifest = serde_json::json!({
        "tool": "simulate", "version": env!("CARGO_PKG_VERSION"),
        "command": "tree",
        "command_line": command_line(),
        "scenario": trunk.name,
        "scenario_path": shown,
        "scenario_sha256": export::sha256_hex(trunk.resolved_toml.as_bytes()),
        "master_seed": plan.master_seed, "runs": plan.runs.len(), "threads": threads,
        "common_random_numbers": true,
        "outcome": outcome,
        "identical_before_fork": identical,
        "leaves": ran.iter().map(|r| serde_json::json!({
            "id": r.leaf.id, "label": r.leaf.label, "probability": r.leaf.probability,
            "fork": r.leaf.fork, "overrides": r.leaf.overrides,
        })).collect::<Vec<_>>(),
        "wall_seconds": started.elapsed().as_secs_f64(),
    });
    out.write("manifest.json", &serde_json::to_vec_pretty(&manifest)?)?;
    out.commit()?;
    if !e.quiet {
        eprintln!(
            "{}: trunk and {} branches × {} runs in {:.2} s -> {}",
            trunk.name,
            ran.len(),
            plan.runs.len(),
            started.elapsed().as_secs_f64(),
            out_path.display()
        );
    }
    Ok(())
}

/// The outcome measure: `[branches] outcome`, else closeness to the first power.
fn outcome_of(tree: &Tree, trunk: &Scenario, shown: &str, text: &str) -> anyhow::Result<String> {
    match &tree.outcome {
        None => Ok(format!(
            "closeness.{}",
            trunk.base.powers.first().map_or("", |p| p.id.as_str())
        )),
        Some((name, span)) => match measure_slot(&trunk.base, name) {
            Ok(_) => Ok(name.to_string()),
            Err(why) => Err(error_at(shown, text, span.clone(), "branches.outcome", why).into()),
        },
    }
}

/// Loads a leaf: the trunk with the leaf's events; an error in an alternative's effects is
/// reported at the alternative.
fn load_leaf(
    path: &Path,
    sets: &[String],
    leaf: &Leaf,
    tree: &Tree,
    shown: &str,
    text: &str,
) -> Result<Scenario, ScenarioError> {
    let mut all = sets.to_vec();
    all.extend(leaf.overrides.iter().cloned());
    crate::scenario::load(path, &all).map_err(|e| {
        // Which alternative's override failed.
        let culprit = (0..tree.points.len()).find(|p| match &e.place {
            Place::Set { arg } => {
                let a = tree.chosen(leaf, *p);
                arg.starts_with(&format!(
                    "events.branch_{}_{}=",
                    tree.points[*p].name, a.name
                ))
            }
            _ => false,
        });
        match culprit {
            Some(p) => {
                let a = tree.chosen(leaf, p);
                let key = format!(
                    "branches.points.{}.alternatives.{}",
                    tree.points[p].name, a.name
                );
                error_at(
                    shown,
                    text,
                    a.span.clone(),
                    &key,
                    format!("{key}: {}", e.message),
                )
            }
            None => e,
        }
    })
}

fn same_before_fork(trunk: &Series, r: &Ran) -> bool {
    let Some(fork) = r.leaf.fork else {
        return trunk.values == r.series.values;
    };
    let years = trunk.years.iter().take_while(|y| **y < fork).count();
    let width = years * trunk.measures.len();
    trunk.values.iter().zip(&r.series.values).all(|(a, b)| {
        a[..width]
            .iter()
            .zip(&b[..width])
            .all(|(x, y)| x.to_bits() == y.to_bits())
    })
}

fn column(s: &Series, y: usize, m: usize) -> Vec<f64> {
    (0..s.values.len()).map(|r| s.get(r, y, m)).collect()
}

/// Median and 90% interval of the final-year outcome mixed over leaves by probability.
fn combined(ran: &[Ran], m: usize) -> Option<(f64, f64, f64)> {
    if ran.iter().any(|r| r.leaf.probability.is_none()) {
        return None;
    }
    let mut values = Vec::new();
    let mut weights = Vec::new();
    for r in ran {
        let last = r.series.years.len() - 1;
        let col: Vec<f64> = column(&r.series, last, m)
            .into_iter()
            .filter(|v| v.is_finite())
            .collect();
        let w = r.leaf.probability.unwrap_or(0.0) / col.len().max(1) as f64;
        weights.extend(std::iter::repeat_n(w, col.len()));
        values.extend(col);
    }
    if values.is_empty() {
        return None;
    }
    Some((
        weighted_quantile(&values, &weights, 0.05),
        weighted_quantile(&values, &weights, 0.5),
        weighted_quantile(&values, &weights, 0.95),
    ))
}

#[allow(clippy::too_many_arguments)]
fn report(
    buf: &mut String,
    trunk: &Scenario,
    ts: &Series,
    ran: &[Ran],
    outcome: &str,
    m: usize,
    combined: Option<(f64, f64, f64)>,
    identical: bool,
) {
    let last = ts.years.len() - 1;
    let _ = writeln!(
        buf,
        "{}: {outcome} in {} by branch ({} runs each, common random numbers)",
        trunk.name,
        ts.years[last],
        ts.values.len()
    );
    let _ = writeln!(
        buf,
        "{:<40} {:>6} {:>6} {:>8} {:>17}",
        "branch", "p", "fork", "median", "90% of runs"
    );
    let mut line = |label: &str, p: Option<f64>, fork: Option<i32>, s: &Series| {
        let q = quantiles(&mut column(s, last, m));
        let _ = writeln!(
            buf,
            "{:<40} {:>6} {:>6} {:>8.3} {:>8.3} – {:<6.3}",
            label,
            p.map_or("-".into(), |p| format!("{p:.3}")),
            fork.map_or("-".into(), |y| y.to_string()),
            q.p50,
            q.p5,
            q.p95
        );
    };
    line("trunk (no decision taken)", None, None, ts);
    for r in ran {
        line(&r.leaf.label, r.leaf.probability, r.leaf.fork, &r.series);
    }
    if let Some((p5, p50, p95)) = combined {
        let _ = writeln!(
            buf,
            "{:<40} {:>6} {:>6} {:>8.3} {:>8.3} – {:<6.3}",
            "combined (weighted by probability)", "1", "", p50, p5, p95
        );
    }
    let _ = writeln!(
        buf,
        "every branch identical to the trunk before its fork: {}",
        if identical {
            "yes (every run, every measure)"
        } else {
            "NO"
        }
    );
}

/// A row of `tree.csv`.
#[derive(serde::Serialize)]
struct TreeRow {
    branch: String,
    label: String,
    probability: String,
    fork: String,
    year: i32,
    measure: String,
    mean: String,
    p5: String,
    p25: String,
    p50: String,
    p75: String,
    p95: String,
}

impl tables::Header for TreeRow {
    const HEADER: &'static [&'static str] = &[
        "branch",
        "label",
        "probability",
        "fork",
        "year",
        "measure",
        "mean",
        "p5",
        "p25",
        "p50",
        "p75",
        "p95",
    ];
}

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.6}")
    } else {
        String::new()
    }
}

fn row(
    id: &str,
    label: &str,
    leaf: Option<&Leaf>,
    year: i32,
    measure: &str,
    q: Quantiles,
) -> TreeRow {
    TreeRow {
        branch: id.to_string(),
        label: label.to_string(),
        probability: leaf.and_then(|l| l.probability).map_or(String::new(), num),
        fork: leaf
            .and_then(|l| l.fork)
            .map_or(String::new(), |y| y.to_string()),
        year,
        measure: measure.to_string(),
        mean: num(q.mean),
        p5: num(q.p5),
        p25: num(q.p25),
        p50: num(q.p50),
        p75: num(q.p75),
        p95: num(q.p95),
    }
}

fn tree_rows(ts: &Series, ran: &[Ran]) -> Vec<TreeRow> {
    let mut out = Vec::new();
    let all = std::iter::once(("trunk", "trunk", None, ts)).chain(ran.iter().map(|r| {
        (
            r.leaf.id.as_str(),
            r.leaf.label.as_str(),
            Some(&r.leaf),
            &r.series,
        )
    }));
    for (id, label, leaf, s) in all {
        for (m, measure) in s.measures.iter().enumerate() {
            for (y, year) in s.years.iter().enumerate() {
                out.push(row(
                    id,
                    label,
                    leaf,
                    *year,
                    measure,
                    quantiles(&mut column(s, y, m)),
                ));
            }
        }
    }
    out
}

fn outcome_rows(
    ts: &Series,
    ran: &[Ran],
    m: usize,
    combined: Option<(f64, f64, f64)>,
) -> Vec<TreeRow> {
    let last = ts.years.len() - 1;
    let year = ts.years[last];
    let measure = &ts.measures[m];
    let mut out = vec![row(
        "trunk",
        "trunk",
        None,
        year,
        measure,
        quantiles(&mut column(ts, last, m)),
    )];
    for r in ran {
        out.push(row(
            &r.leaf.id,
            &r.leaf.label,
            Some(&r.leaf),
            year,
            measure,
            quantiles(&mut column(&r.series, last, m)),
        ));
    }
    if let Some((p5, p50, p95)) = combined {
        out.push(TreeRow {
            branch: "combined".into(),
            label: "weighted by probability".into(),
            probability: num(1.0),
            fork: String::new(),
            year,
            measure: measure.clone(),
            mean: String::new(),
            p5: num(p5),
            p25: String::new(),
            p50: num(p50),
            p75: String::new(),
            p95: num(p95),
        });
    }
    out
}

fn figure(
    tree: &Tree,
    ts: &Series,
    ran: &[Ran],
    m: usize,
    combined: Option<(f64, f64, f64)>,
    outcome: &str,
) -> plot::TreeFigure {
    let by_year = |s: &Series| -> Vec<Quantiles> {
        (0..s.years.len())
            .map(|y| quantiles(&mut column(s, y, m)))
            .collect()
    };
    let mut forks: Vec<(i32, String)> = Vec::new();
    for p in &tree.points {
        let alts = p
            .alternatives
            .iter()
            .map(|a| a.label.clone())
            .collect::<Vec<_>>()
            .join(" / ");
        forks.push((p.year, format!("{}: {alts}", p.label)));
    }
    plot::TreeFigure {
        measure: outcome.to_string(),
        years: ts.years.clone(),
        trunk: by_year(ts),
        forks,
        branches: ran
            .iter()
            .map(|r| plot::TreeBranch {
                label: r.leaf.label.clone(),
                probability: r.leaf.probability,
                fork: r.leaf.fork,
                q: by_year(&r.series),
                last: column(&r.series, r.series.years.len() - 1, m),
            })
            .collect(),
        combined,
    }
}
