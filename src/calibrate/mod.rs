//! Grounding in history: fit a scenario's free parameters to observed series, and backtest the
//! fitted model against naive baselines (docs/validation.md).
//!
//! `simulate calibrate` reads the scenario's `[calibration]` section (`config`), loads the
//! observed target series (`crate::data`), and minimises a weighted squared error between
//! observed points and ensemble means on common random numbers (`objective`) with restarted
//! Nelder–Mead (`fit`). It writes the fitted scenario, tables of errors before and after, fit
//! plots and a manifest. `simulate backtest` fits on observations up to an origin, runs the
//! fitted model on, and scores it and two baselines on the years after (`score`).
//!
//! Uses the model only through `Params`, `Target` and `run`, and the experiment's plan and
//! ensembles; the model knows nothing of this module.

pub mod abc;
pub mod attribution;
mod bayes;
pub mod config;
pub mod fit;
pub mod objective;
pub mod output;
pub mod posterior;
pub mod score;

pub use config::{CalibrationConfig, FreeParam};
pub use fit::{Fitted, OnIteration, Restart, Settings};
pub use objective::{Problem, TargetData, TargetError};

use crate::cli::{BacktestArgs, CalibrateArgs, EnsembleArgs, ScenarioArgs};
use crate::commands::common as app;
use crate::data::{ObservedData, Point};
use crate::experiment::{self, Ensemble, Exec, Plan};
use crate::export::{self, OutputDir, tables};
use crate::plot::{self, Format, Meta, Observed};
use crate::scenario::{self, Scenario};
use crate::stats::Summary;
use crate::usage::UsageError;
use anyhow::Context;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// Everything both commands read before they fit.
struct Setup {
    scenario: Scenario,
    config: CalibrationConfig,
    /// Every target with all its observed points.
    targets: Vec<TargetData>,
    plan: Plan,
    threads: usize,
    formats: Vec<Format>,
    quiet: bool,
}

fn setup(sa: &ScenarioArgs, ea: &EnsembleArgs) -> anyhow::Result<Setup> {
    // A calibration fits the world: the scenario, with its overrides, is its own reference.
    let scenario = app::load(&sa.scenario, &sa.set)?.as_own_reference();
    let mut config = CalibrationConfig::from_scenario(&scenario)?;
    if let Some(runs) = ea.runs {
        config.runs = runs;
    }
    if let Some(seed) = ea.seed {
        config.seed = seed;
    }
    let threads = match ea.threads {
        Some(0) => return Err(usage("--threads must be at least 1")),
        Some(t) => t,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let plan = Plan::ensemble(config.seed, config.runs, 0).map_err(|e| usage(e.to_string()))?;
    let data = ObservedData::load(&config.data).with_context(|| {
        format!(
            "reading the observed series named in [calibration] data = \"{}\" (relative to the \
             working directory)",
            config.data.display()
        )
    })?;
    let catalogue = data.targets();
    let mut targets = Vec::new();
    for (name, weight) in &config.targets {
        let Some(t) = catalogue.iter().find(|t| &t.name == name) else {
            let mut near: Vec<(f64, &str)> = catalogue
                .iter()
                .map(|t| (strsim::jaro_winkler(name, &t.name), t.name.as_str()))
                .collect();
            near.sort_by(|a, b| b.0.total_cmp(&a.0));
            let hint = match near.first() {
                Some((score, best)) if *score > 0.8 => format!(" (did you mean `{best}`?)"),
                _ => String::new(),
            };
            let all: Vec<&str> = catalogue.iter().map(|t| t.name.as_str()).collect();
            return Err(usage(format!(
                "[calibration.targets] {name}: no such observed series{hint}; the data in {} \
                 supports {}",
                config.data.display(),
                all.join(", ")
            )));
        };
        targets.push(TargetData {
            name: t.name.clone(),
            label: t.label.clone(),
            key: t.key.clone(),
            weight: *weight,
            points: t.points.clone(),
        });
    }
    Ok(Setup {
        scenario,
        config,
        targets,
        plan,
        threads,
        formats: app::formats(&ea.format),
        quiet: ea.quiet,
    })
}

impl Setup {
    /// The objective on the observations up to `until` (all of them for `None`).
    fn problem(&self, until: Option<i32>) -> anyhow::Result<Problem> {
        // Checks (weight 0) are scored from the final ensembles, not in the objective.
        let targets = self
            .targets
            .iter()
            .filter(|t| t.weight > 0.0)
            .map(|t| TargetData {
                points: t
                    .points
                    .iter()
                    .copied()
                    .filter(|p| until.is_none_or(|u| p.year <= u))
                    .collect(),
                ..t.clone()
            })
            .collect();
        Problem::new(
            &self.scenario,
            self.config.free.clone(),
            targets,
            &self.plan,
            self.threads,
        )
    }

    /// The problem of a posterior calibration on the observations up to `until`: every
    /// target, checks (weight 0) included, so that the posterior predictive covers them; the
    /// likelihood uses only the weighted ones.
    fn posterior_problem(&self, until: Option<i32>) -> anyhow::Result<Problem> {
        let targets = self
            .targets
            .iter()
            .map(|t| TargetData {
                points: t
                    .points
                    .iter()
                    .copied()
                    .filter(|p| until.is_none_or(|u| p.year <= u))
                    .collect(),
                ..t.clone()
            })
            .collect();
        Problem::new(
            &self.scenario,
            self.config.free.clone(),
            targets,
            &self.plan,
            self.threads,
        )
    }

    fn settings(&self) -> Settings {
        Settings {
            restarts: self.config.restarts,
            max_iterations: self.config.max_iterations,
            tolerance: self.config.tolerance,
            seed: self.config.seed,
        }
    }

    /// The ensemble of a scenario on the calibration plan (same seeds as the fit).
    fn ensemble(&self, s: &Scenario) -> anyhow::Result<Ensemble> {
        experiment::execute(
            s,
            &self.plan,
            &Exec {
                threads: self.threads,
                progress: &|_| {},
            },
            &mut |_| Ok(()),
        )
    }

    /// Elections and scripted events of the scenario, to mark on the time axis of its figures
    /// (from a short ensemble: they do not depend on the fitted numbers).
    fn marks(&self) -> anyhow::Result<Vec<plot::Mark>> {
        let plan = Plan {
            master_seed: self.plan.master_seed,
            runs: self.plan.runs.iter().take(20).copied().collect(),
            design: None,
        };
        let e = experiment::execute(
            &self.scenario,
            &plan,
            &Exec {
                threads: self.threads,
                progress: &|_| {},
            },
            &mut |_| Ok(()),
        )?;
        Ok(app::marks(&e, &self.scenario.base))
    }

    /// Points of a target inside the simulated years.
    fn simulated_points(&self, t: &TargetData) -> Vec<Point> {
        let (start, end) = (self.scenario.base.start, self.scenario.base.end);
        t.points
            .iter()
            .copied()
            .filter(|p| p.year >= start && p.year <= end)
            .collect()
    }
}

/// A progress bar over Nelder–Mead iterations, on stderr only when it is a terminal.
struct Bar {
    bar: Option<indicatif::ProgressBar>,
}

impl Bar {
    fn new(total: u64, quiet: bool) -> Bar {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} iterations, ETA {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Bar { bar }
    }

    /// A callback for `fit` that places the bar at `offset` plus the restart's iterations.
    fn callback(&self, offset: u64, per_restart: u64, label: String) -> Option<OnIteration> {
        let bar = self.bar.clone()?;
        Some(Arc::new(move |restart: usize, iter: u64, best: f64| {
            bar.set_position(offset + restart as u64 * per_restart + iter.min(per_restart));
            bar.set_message(format!(
                "{label} restart {} best cost {best:.5}",
                restart + 1
            ));
        }))
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// The simulated mean and 90% band of a series in a year, from a summary.
fn at_year(summary: &Summary, t: &TargetData, year: i32) -> Option<crate::stats::Quantiles> {
    let y = summary.years.iter().position(|v| *v == year)?;
    summary.series.get(&t.key).and_then(|q| q.get(y)).copied()
}

/// One plot per target: the fit (`cutoff` None) or the backtest with its training cut-off.
/// Returns the names of the files written.
fn target_plots(
    st: &Setup,
    out: &OutputDir,
    summary: &Summary,
    marks: &[plot::Mark],
    meta: &Meta,
    cutoff: Option<i32>,
) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    for t in &st.targets {
        let points = observed(&st.simulated_points(t));
        let files = match cutoff {
            None => plot::fit(
                out.path(),
                &st.formats,
                &output::stem("fit", &t.name),
                summary,
                &t.key,
                &points,
                &t.label,
                marks,
                meta,
            )?,
            Some(c) => plot::backtest(
                out.path(),
                &st.formats,
                &output::stem("backtest", &t.name),
                summary,
                &t.key,
                &points,
                &t.label,
                marks,
                meta,
                c,
            )?,
        };
        names.extend(files.iter().map(|f| {
            f.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        }));
    }
    Ok(names)
}

fn observed(points: &[Point]) -> Vec<Observed> {
    points
        .iter()
        .map(|p| Observed {
            year: p.year,
            value: p.value,
        })
        .collect()
}

/// A row of `errors.csv`: a target's error before and after the fit, in one phase (`fit`:
/// the years fitted; `held_out`: later observations the fit did not see; `check`: a series of
/// weight 0, reported but never fitted).
#[derive(serde::Serialize)]
struct ErrorRow {
    target: String,
    measure: String,
    power: String,
    weight: String,
    phase: String,
    n: usize,
    rmse_before: String,
    mae_before: String,
    rmse_after: String,
    mae_after: String,
}

/// A row of `parameters.csv`.
#[derive(serde::Serialize)]
struct ParameterRow {
    origin: String,
    path: String,
    min: String,
    max: String,
    scenario_value: String,
    fitted: String,
}

/// A row of `restarts.csv`.
#[derive(serde::Serialize)]
struct RestartRow {
    origin: String,
    restart: usize,
    start_cost: String,
    best_cost: String,
    iterations: u64,
    evaluations: u64,
    stopped: String,
    start: String,
    best: String,
}

fn restart_rows(origin: &str, fitted: &Fitted) -> Vec<RestartRow> {
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.6}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    fitted
        .restarts
        .iter()
        .enumerate()
        .map(|(i, r)| RestartRow {
            origin: origin.to_string(),
            restart: i + 1,
            start_cost: output::fixed(r.start_cost),
            best_cost: output::fixed(r.cost),
            iterations: r.iterations,
            evaluations: r.evaluations,
            stopped: r.reason.clone(),
            start: list(&r.start),
            best: list(&r.best),
        })
        .collect()
}

fn parameter_rows(origin: &str, free: &[FreeParam], fitted: &Fitted) -> Vec<ParameterRow> {
    free.iter()
        .enumerate()
        .map(|(i, f)| ParameterRow {
            origin: origin.to_string(),
            path: f.path.clone(),
            min: f.min.to_string(),
            max: f.max.to_string(),
            scenario_value: format!("{:?}", fitted.initial[i]),
            fitted: format!("{:?}", fitted.best[i]),
        })
        .collect()
}

fn free_json(free: &[FreeParam], fitted: &Fitted) -> serde_json::Value {
    serde_json::Value::Array(
        free.iter()
            .enumerate()
            .map(|(i, f)| {
                serde_json::json!({
                    "path": f.path, "min": f.min, "max": f.max,
                    "scenario_value": fitted.initial[i], "fitted": fitted.best[i],
                })
            })
            .collect(),
    )
}

/// `simulate calibrate`.
pub fn calibrate(args: &CalibrateArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let st = setup(&args.scenario, &args.ensemble)?;
    let s = &st.scenario;
    if let Some(u) = args.until
        && u < s.base.start
    {
        return Err(usage(format!(
            "--until {u} is before the scenario's first year {}: nothing to fit",
            s.base.start
        )));
    }
    if args.posterior || st.config.method == config::Method::AbcSmc {
        return bayes::calibrate(&st, args, started);
    }
    let problem = st.problem(args.until)?;
    let out_path = args
        .ensemble
        .out
        .clone()
        .unwrap_or_else(|| default_out(&s.name));
    let out = app::open_out(&out_path, args.ensemble.force)?;

    let settings = st.settings();
    let bar = Bar::new(settings.restarts as u64 * settings.max_iterations, st.quiet);
    let fit_started = Instant::now();
    let fitted = fit::fit(
        &problem,
        &settings,
        bar.callback(0, settings.max_iterations, s.name.clone()),
    )?;
    bar.finish();
    let fit_seconds = fit_started.elapsed().as_secs_f64();

    // Final ensembles before and after, over the whole horizon, on the fit's seeds.
    let before = problem.scenario_at(&fitted.initial)?;
    let after = problem.scenario_at(&fitted.best)?;
    let e_before = st.ensemble(&before)?;
    let e_after = st.ensemble(&after)?;

    let until = args.until.unwrap_or(i32::MAX);
    let mut rows = Vec::new();
    for t in &st.targets {
        let points = st.simulated_points(t);
        // A series of weight 0 is a check: reported, never fitted.
        let phases: &[(&str, Option<bool>)] = if t.weight > 0.0 {
            &[("fit", Some(true)), ("held_out", Some(false))]
        } else {
            &[("check", None)]
        };
        for &(phase, keep) in phases {
            let chosen: Vec<Point> = points
                .iter()
                .copied()
                .filter(|p| keep.is_none_or(|k| (p.year <= until) == k))
                .collect();
            if chosen.is_empty() && phase == "held_out" {
                continue;
            }
            let means = |e: &Ensemble| -> Vec<f64> {
                chosen
                    .iter()
                    .map(|p| at_year(&e.summary, t, p.year).map_or(f64::NAN, |q| q.mean))
                    .collect()
            };
            let b = objective::error(&chosen, &means(&e_before));
            let a = objective::error(&chosen, &means(&e_after));
            rows.push(ErrorRow {
                target: t.name.clone(),
                measure: t.key.measure.clone(),
                power: t.key.power.clone(),
                weight: t.weight.to_string(),
                phase: phase.to_string(),
                n: chosen.len(),
                rmse_before: output::fixed(b.rmse),
                mae_before: output::fixed(b.mae),
                rmse_after: output::fixed(a.rmse),
                mae_after: output::fixed(a.mae),
            });
        }
    }
    out.write("errors.csv", &tables::to_csv(&rows)?)?;
    out.write(
        "parameters.csv",
        &tables::to_csv(&parameter_rows("", problem.free(), &fitted))?,
    )?;
    out.write("restarts.csv", &tables::to_csv(&restart_rows("", &fitted))?)?;

    // The fitted scenario: extends the original, sets the fitted values.
    let dir_abs = output::absolute(out.path());
    let original = output::absolute(&s.path);
    let extends = output::relative(&dir_abs, &original);
    let window = args.until.map_or_else(
        || "all observations".to_string(),
        |u| format!("observations up to {u}"),
    );
    let source = format!(
        "fitted by simulate calibrate {} to {window} ({} runs, seed {}, objective {:.6} -> {:.6})",
        env!("CARGO_PKG_VERSION"),
        st.config.runs,
        st.config.seed,
        fitted.initial_cost,
        fitted.cost
    );
    let header = vec![
        format!(
            "Scenario `{}` with its free parameters fitted to {window}.",
            s.name
        ),
        format!("Written by: {}", app::command_line()),
        "Re-run it with `simulate run <this file>`; errors.csv has the fit per target.".into(),
    ];
    let fitted_name = format!("{}_fitted", s.name);
    let description = if s.description.is_empty() {
        format!("{} fitted to {window}", s.name)
    } else {
        format!("{} (fitted to {window})", s.description)
    };
    let text = output::fitted_toml(&output::FittedFile {
        extends: &extends,
        name: &fitted_name,
        description: &description,
        set: &args.scenario.set,
        free: problem.free(),
        values: &fitted.best,
        source: &source,
        header: &header,
        particles: None,
    });
    out.write("fitted.toml", text.as_bytes())?;
    let reloaded = scenario::load(&out.path().join("fitted.toml"), &[])
        .context("loading the fitted scenario just written")?;
    if reloaded.base != after.base {
        anyhow::bail!(
            "the fitted scenario file does not reproduce the fitted parameters (a bug in \
             simulate calibrate); the file is in {}",
            out.path().display()
        );
    }
    out.write("fitted.resolved.toml", reloaded.resolved_toml.as_bytes())?;
    out.write("scenario.resolved.toml", s.resolved_toml.as_bytes())?;
    for r in [reloaded.reference_file(), s.reference_file()]
        .into_iter()
        .flatten()
    {
        out.write(&r.0, r.1.as_bytes())?;
    }

    let meta = Meta {
        title: fitted_name.clone(),
        subtitle: format!(
            "fitted to {window} · {} runs · seed {} · simulate {}",
            e_after.runs,
            st.plan.master_seed,
            env!("CARGO_PKG_VERSION")
        ),
    };
    let marks = app::marks(&e_after, &reloaded.base);
    let plots = target_plots(&st, &out, &e_after.summary, &marks, &meta, None)?;
    let manifest = serde_json::json!({
        "tool": "simulate",
        "version": env!("CARGO_PKG_VERSION"),
        "command": "calibrate",
        "command_line": app::command_line(),
        "scenario": s.name,
        "scenario_path": s.path.display().to_string(),
        "scenario_sha256": export::sha256_hex(s.resolved_toml.as_bytes()),
        "fitted_sha256": export::sha256_hex(reloaded.resolved_toml.as_bytes()),
        "until": args.until,
        "data": st.config.data.display().to_string(),
        "master_seed": st.plan.master_seed,
        "runs_per_evaluation": st.config.runs,
        "seed_rule": "run seed = SplitMix-derived from (master seed, case 0, replicate); the same seeds at every evaluation (common random numbers)",
        "restarts": st.config.restarts,
        "max_iterations": st.config.max_iterations,
        "tolerance": st.config.tolerance,
        "threads": st.threads,
        "objective": "sum over targets of weight x mean squared error of the ensemble mean against observed points",
        "objective_initial": fitted.initial_cost,
        "objective_fitted": fitted.cost,
        "free": free_json(problem.free(), &fitted),
        "targets": st.targets.iter().map(|t| serde_json::json!({
            "name": t.name, "weight": t.weight, "measure": t.key.measure, "power": t.key.power,
            "points": t.points.iter().map(|p| [f64::from(p.year), p.value]).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "restart_reports": fitted.restarts.iter().map(|r| serde_json::json!({
            "start_cost": r.start_cost, "best_cost": r.cost, "iterations": r.iterations,
            "evaluations": r.evaluations, "stopped": r.reason,
        })).collect::<Vec<_>>(),
        "fit_seconds": fit_seconds,
        "wall_seconds": started.elapsed().as_secs_f64(),
        "plots": plots,
    });
    out.write("manifest.json", &serde_json::to_vec_pretty(&manifest)?)?;
    out.commit()?;
    if !st.quiet {
        eprintln!(
            "{}: objective {:.6} -> {:.6} ({} free parameters, {} points, {} restarts, {:.1} s) -> {}",
            s.name,
            fitted.initial_cost,
            fitted.cost,
            problem.dim(),
            problem.n_points(),
            fitted.restarts.len(),
            started.elapsed().as_secs_f64(),
            out_path.display()
        );
        for (f, v) in problem.free().iter().zip(&fitted.best) {
            eprintln!("  {:<36} {v:.4}  (bounds {} to {})", f.path, f.min, f.max);
        }
    }
    Ok(())
}

/// A row of `backtest.csv`: one method's errors on one target's test points for one origin
/// (`origin = all`: pooled over the rolling origins; `target = all`: pooled over targets).
#[derive(serde::Serialize)]
struct ScoreRow {
    origin: String,
    test_years: String,
    target: String,
    method: String,
    n: usize,
    rmse: String,
    mae: String,
}

/// A row of `predictions.csv`.
#[derive(serde::Serialize)]
struct PredictionRow {
    origin: i32,
    target: String,
    year: i32,
    observed: String,
    model_mean: String,
    model_p5: String,
    model_p95: String,
    persistence: String,
    trend: String,
}

/// One test point and the three predictions of it.
#[derive(Clone, Debug)]
struct Prediction {
    origin: i32,
    target: usize,
    observed: f64,
    model: Option<f64>,
    persistence: Option<f64>,
    trend: Option<f64>,
}

const METHODS: [&str; 3] = ["model", "persistence", "trend"];

fn pick(p: &Prediction, method: &str) -> Option<f64> {
    match method {
        "model" => p.model,
        "persistence" => p.persistence,
        _ => p.trend,
    }
}

/// The rolling origins: every year from the first at which the training points are at least
/// as many as the free parameters (fewer leave the fit underdetermined) and some target has
/// a point to test, up to `last`.
fn origins(st: &Setup, dim: usize, last: i32, horizon: i32, rolling: bool) -> Vec<i32> {
    let usable = |o: i32| {
        let train: usize = st
            .targets
            .iter()
            .filter(|t| t.weight > 0.0)
            .map(|t| {
                st.simulated_points(t)
                    .iter()
                    .filter(|p| p.year <= o)
                    .count()
            })
            .sum();
        let test = st.targets.iter().any(|t| {
            st.simulated_points(t)
                .iter()
                .any(|p| p.year > o && p.year <= o + horizon)
        });
        train >= dim && test
    };
    if !rolling {
        return vec![last];
    }
    (st.scenario.base.start..=last)
        .filter(|o| usable(*o))
        .collect()
}

/// `simulate backtest`.
pub fn backtest(args: &BacktestArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let st = setup(&args.scenario, &args.ensemble)?;
    let s = &st.scenario;
    let (y1, y2) = (args.train_until, args.test_until);
    if y2 <= y1 {
        return Err(usage(format!(
            "--test-until {y2} must be after --train-until {y1}"
        )));
    }
    if y1 < s.base.start || y2 > s.base.end {
        return Err(usage(format!(
            "--train-until {y1} and --test-until {y2} must lie within the scenario's years {} to {}",
            s.base.start, s.base.end
        )));
    }
    if args.posterior || st.config.method == config::Method::AbcSmc {
        return bayes::backtest(&st, args, started);
    }
    let horizon = y2 - y1;
    let dim = st.config.free.len();
    let origins = origins(&st, dim, y1, horizon, args.rolling);
    if origins.is_empty() {
        return Err(usage(format!(
            "no rolling origin up to {y1} has at least {dim} training points (one per free \
             parameter) and a point to test within {horizon} years"
        )));
    }
    let out_path = args
        .ensemble
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&s.name).join("backtest"));
    let out = app::open_out(&out_path, args.ensemble.force)?;
    let settings = st.settings();
    let per_origin = settings.restarts as u64 * settings.max_iterations;
    let bar = Bar::new(per_origin * origins.len() as u64, st.quiet);
    let mut predictions: Vec<Prediction> = Vec::new();
    let mut prediction_rows = Vec::new();
    let mut parameters = Vec::new();
    let mut restarts = Vec::new();
    let mut last_summary: Option<(i32, Summary, Vec<plot::Mark>)> = None;
    let mut fits = Vec::new();
    for (i, &origin) in origins.iter().enumerate() {
        let problem = st.problem(Some(origin))?;
        let fitted = fit::fit(
            &problem,
            &settings,
            bar.callback(
                i as u64 * per_origin,
                settings.max_iterations,
                format!("origin {origin}"),
            ),
        )?;
        let scenario = problem.scenario_at(&fitted.best)?;
        let ensemble = st.ensemble(&scenario)?;
        for (k, t) in st.targets.iter().enumerate() {
            let points = st.simulated_points(t);
            for p in points
                .iter()
                .filter(|p| p.year > origin && p.year <= origin + horizon)
            {
                let q = at_year(&ensemble.summary, t, p.year);
                let pred = Prediction {
                    origin,
                    target: k,
                    observed: p.value,
                    model: q.map(|q| q.mean),
                    persistence: score::persistence(&points, origin),
                    trend: score::trend_share(&points, origin, p.year),
                };
                let opt = |v: Option<f64>| v.map_or_else(String::new, output::fixed);
                prediction_rows.push(PredictionRow {
                    origin,
                    target: t.name.clone(),
                    year: p.year,
                    observed: output::fixed(p.value),
                    model_mean: opt(pred.model),
                    model_p5: opt(q.map(|q| q.p5)),
                    model_p95: opt(q.map(|q| q.p95)),
                    persistence: opt(pred.persistence),
                    trend: opt(pred.trend),
                });
                predictions.push(pred);
            }
        }
        let label = origin.to_string();
        parameters.extend(parameter_rows(&label, problem.free(), &fitted));
        restarts.extend(restart_rows(&label, &fitted));
        fits.push(serde_json::json!({
            "origin": origin,
            "training_points": problem.n_points(),
            "objective_initial": fitted.initial_cost,
            "objective_fitted": fitted.cost,
            "free": free_json(problem.free(), &fitted),
        }));
        let marks = app::marks(&ensemble, &scenario.base);
        last_summary = Some((origin, ensemble.summary, marks));
    }
    bar.finish();

    // Scores per origin and target, pooled over targets, and pooled over origins.
    let mut rows = Vec::new();
    let mut groups: Vec<(String, String, Vec<&Prediction>)> = Vec::new();
    for &o in &origins {
        let years = format!("{}-{}", o + 1, o + horizon);
        for k in 0..st.targets.len() {
            let mine: Vec<&Prediction> = predictions
                .iter()
                .filter(|p| p.origin == o && p.target == k)
                .collect();
            groups.push((o.to_string(), years.clone(), mine));
        }
    }
    let names: Vec<String> = st.targets.iter().map(|t| t.name.clone()).collect();
    for (origin, years, mine) in &groups {
        if let Some(first) = mine.first() {
            pooled(&mut rows, origin, years, &names[first.target], mine, false);
        }
    }
    for &o in &origins {
        let mine: Vec<&Prediction> = predictions.iter().filter(|p| p.origin == o).collect();
        let years = format!("{}-{}", o + 1, o + horizon);
        pooled(&mut rows, &o.to_string(), &years, "all", &mine, true);
    }
    if origins.len() > 1 {
        let years = format!("{horizon} years ahead");
        for (k, name) in names.iter().enumerate() {
            let mine: Vec<&Prediction> = predictions.iter().filter(|p| p.target == k).collect();
            if !mine.is_empty() {
                pooled(&mut rows, "all", &years, name, &mine, true);
            }
        }
        let all: Vec<&Prediction> = predictions.iter().collect();
        pooled(&mut rows, "all", &years, "all", &all, true);
    }
    out.write("backtest.csv", &tables::to_csv(&rows)?)?;
    out.write("predictions.csv", &tables::to_csv(&prediction_rows)?)?;
    out.write("parameters.csv", &tables::to_csv(&parameters)?)?;
    out.write("restarts.csv", &tables::to_csv(&restarts)?)?;
    out.write("scenario.resolved.toml", s.resolved_toml.as_bytes())?;
    if let Some((name, text)) = s.reference_file() {
        out.write(&name, text.as_bytes())?;
    }

    let mut plots = Vec::new();
    if let Some((origin, summary, marks)) = &last_summary {
        let meta = Meta {
            title: format!("{} backtest", s.name),
            subtitle: format!(
                "fitted to observations up to {origin}; later points are out of sample · {} runs · seed {} · simulate {}",
                st.config.runs,
                st.plan.master_seed,
                env!("CARGO_PKG_VERSION")
            ),
        };
        plots = target_plots(&st, &out, summary, marks, &meta, Some(*origin))?;
    }
    let manifest = serde_json::json!({
        "tool": "simulate",
        "version": env!("CARGO_PKG_VERSION"),
        "command": "backtest",
        "command_line": app::command_line(),
        "scenario": s.name,
        "scenario_path": s.path.display().to_string(),
        "scenario_sha256": export::sha256_hex(s.resolved_toml.as_bytes()),
        "train_until": y1,
        "test_until": y2,
        "rolling": args.rolling,
        "origins": origins,
        "horizon_years": horizon,
        "baselines": {
            "persistence": "last value observed at or before the origin",
            "trend": "least-squares line through the observations up to the origin (two years at least), clamped to [0, 1]",
        },
        "master_seed": st.plan.master_seed,
        "runs_per_evaluation": st.config.runs,
        "restarts": st.config.restarts,
        "max_iterations": st.config.max_iterations,
        "threads": st.threads,
        "fits": fits,
        "plots": plots,
        "wall_seconds": started.elapsed().as_secs_f64(),
    });
    out.write("manifest.json", &serde_json::to_vec_pretty(&manifest)?)?;
    out.commit()?;
    if !st.quiet {
        print_scores(&rows);
        eprintln!(
            "{}: backtest over {} origin(s) in {:.1} s -> {}",
            s.name,
            origins.len(),
            started.elapsed().as_secs_f64(),
            out_path.display()
        );
    }
    Ok(())
}

/// Score rows of a group of predictions: each method on the points it predicts and, for
/// pooled groups (`paired`), the model again on exactly the points each baseline predicts, so
/// that pooled comparisons are made on the same points.
fn pooled(
    rows: &mut Vec<ScoreRow>,
    origin: &str,
    years: &str,
    target: &str,
    preds: &[&Prediction],
    paired: bool,
) {
    for m in METHODS {
        let sc = score::scores(preds.iter().map(|p| (p.observed, pick(p, m))));
        rows.push(score_row(origin, years, target, m, sc));
    }
    if paired {
        for baseline in ["persistence", "trend"] {
            let sc = score::scores(
                preds
                    .iter()
                    .filter(|p| pick(p, baseline).is_some())
                    .map(|p| (p.observed, p.model)),
            );
            let method = format!("model_on_{baseline}_points");
            rows.push(score_row(origin, years, target, &method, sc));
        }
    }
}

fn score_row(origin: &str, years: &str, target: &str, method: &str, s: score::Scores) -> ScoreRow {
    ScoreRow {
        origin: origin.to_string(),
        test_years: years.to_string(),
        target: target.to_string(),
        method: method.to_string(),
        n: s.n,
        rmse: output::fixed(s.rmse),
        mae: output::fixed(s.mae),
    }
}

fn print_scores(rows: &[ScoreRow]) {
    println!(
        "{:<7} {:<16} {:<28} {:<28} {:>3} {:>9} {:>9}",
        "origin", "test years", "target", "method", "n", "RMSE", "MAE"
    );
    for r in rows {
        println!(
            "{:<7} {:<16} {:<28} {:<28} {:>3} {:>9} {:>9}",
            r.origin, r.test_years, r.target, r.method, r.n, r.rmse, r.mae
        );
    }
}

/// Where `simulate calibrate` writes by default.
pub fn default_out(scenario_name: &str) -> PathBuf {
    Path::new("output").join(scenario_name).join("calibration")
}
