//! `simulate calibrate --posterior` and `simulate backtest --posterior`: the posterior of the
//! free parameters and the discrepancy by ABC-SMC (`abc.rs`, `posterior.rs`), its tables,
//! figures and the posterior scenario; and backtests that score the posterior predictive
//! (coverage of its bands, CRPS, PIT) against persistence and trend given honest spreads.

use super::abc::{self, Generation, Posterior, Stop};
use super::attribution;
use super::posterior::{PosteriorProblem, Predictive, drift_rates, predictive};
use super::{Setup, origins, output, score, usage};
use crate::cli::{BacktestArgs, CalibrateArgs};
use crate::commands::common as app;
use crate::export::{self, OutputDir};
use crate::plot::{self, Meta, Observed};
use crate::scenario;
use anyhow::Context;
use std::io::IsTerminal;
use std::path::Path;
use std::time::Instant;

/// A progress bar over generations, on stderr only when it is a terminal.
struct GenerationBar {
    bar: Option<indicatif::ProgressBar>,
}

impl GenerationBar {
    fn new(total: u64, quiet: bool) -> GenerationBar {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} generations, {elapsed}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        GenerationBar { bar }
    }

    fn update(&self, position: u64, label: &str, g: &Generation) {
        if let Some(b) = &self.bar {
            b.set_position(position);
            b.set_message(format!(
                "{label}generation {} tolerance {:.3} ESS {:.0}",
                g.index + 1,
                g.tolerance,
                g.ess
            ));
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

fn settings(st: &Setup) -> abc::Settings {
    abc::Settings {
        particles: st.config.posterior.particles,
        max_generations: st.config.posterior.generations,
        ess_fraction: 0.5,
        min_acceptance: 1e-3,
        max_moves: 3,
        refresh: false,
        seed: st.config.seed,
    }
}

/// Runs the sampler with a progress bar; returns the posterior and each generation's
/// wall-clock seconds.
fn sample(
    st: &Setup,
    pp: &PosteriorProblem<'_>,
    bar: &GenerationBar,
    offset: u64,
    label: &str,
) -> (Posterior, Vec<f64>) {
    let t0 = Instant::now();
    let mut seconds = Vec::new();
    let mut last = 0.0;
    let post = pp.sample(&settings(st), &mut |g| {
        let now = t0.elapsed().as_secs_f64();
        seconds.push(now - last);
        last = now;
        bar.update(offset + g.index as u64 + 1, label, g);
    });
    (post, seconds)
}

fn csv_bytes(header: &[String], rows: &[Vec<String>]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for r in rows {
        w.write_record(r)?;
    }
    Ok(w.into_inner()?)
}

/// `posterior.csv`: the last generation, one row per particle, full precision (the
/// `particles` distribution reads it back exactly).
fn posterior_csv(names: &[String], g: &Generation) -> anyhow::Result<Vec<u8>> {
    let mut header: Vec<String> = ["generation", "particle", "weight"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(names.iter().cloned());
    header.extend(["distance".to_string(), "log_likelihood".to_string()]);
    let rows: Vec<Vec<String>> = g
        .particles
        .iter()
        .zip(&g.weights)
        .zip(&g.evaluations)
        .enumerate()
        .map(|(i, ((p, w), e))| {
            let mut r = vec![(g.index + 1).to_string(), i.to_string(), format!("{w:?}")];
            r.extend(p.iter().map(|v| format!("{v:?}")));
            r.push(output::fixed(e.distance));
            r.push(output::fixed(e.log_likelihood));
            r
        })
        .collect();
    csv_bytes(&header, &rows)
}

fn generations_rows(origin: &str, post: &Posterior, seconds: &[f64]) -> Vec<Vec<String>> {
    post.generations
        .iter()
        .zip(seconds)
        .map(|(g, s)| {
            vec![
                origin.to_string(),
                (g.index + 1).to_string(),
                output::fixed(g.tolerance),
                format!("{:.1}", g.ess),
                output::fixed(g.ess / g.particles.len() as f64),
                output::fixed(g.acceptance),
                g.particles.len().to_string(),
                format!("{s:.2}"),
            ]
        })
        .collect()
}

const GENERATION_HEADER: [&str; 8] = [
    "origin",
    "generation",
    "tolerance",
    "ess",
    "ess_fraction",
    "acceptance",
    "particles",
    "seconds",
];

/// The last generation on the parameters' own scale (sds as `δ`).
fn natural_generation(pp: &PosteriorProblem<'_>, g: &Generation) -> Generation {
    Generation {
        particles: g.particles.iter().map(|p| pp.natural(p)).collect(),
        ..g.clone()
    }
}

/// Per dimension: prior bounds and the posterior's mean, sd and quantiles (on the
/// parameter's own scale, `natural`), and how much the data narrowed it: the posterior sd
/// over the prior's sd, both on the sampler's scale (`ln δ` for a discrepancy).
fn summary_rows(
    origin: &str,
    names: &[String],
    prior: &abc::Prior,
    g: &Generation,
    natural: &Generation,
    (lo, hi): (&[f64], &[f64]),
) -> Vec<Vec<String>> {
    names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let w = &g.weights;
            let sampled: Vec<f64> = g.particles.iter().map(|p| p[k]).collect();
            let v: Vec<f64> = natural.particles.iter().map(|p| p[k]).collect();
            let prior_sd = (prior.hi[k] - prior.lo[k]) / 12f64.sqrt();
            vec![
                origin.to_string(),
                name.clone(),
                ((lo[k] * 1e9).round() / 1e9).to_string(),
                ((hi[k] * 1e9).round() / 1e9).to_string(),
                output::fixed(abc::weighted_mean(&v, w)),
                output::fixed(abc::weighted_sd(&v, w)),
                output::fixed(abc::weighted_quantile(&v, w, 0.05)),
                output::fixed(abc::weighted_quantile(&v, w, 0.5)),
                output::fixed(abc::weighted_quantile(&v, w, 0.95)),
                output::fixed(abc::weighted_sd(&sampled, w) / prior_sd),
            ]
        })
        .collect()
}

const SUMMARY_HEADER: [&str; 10] = [
    "origin",
    "parameter",
    "prior_min",
    "prior_max",
    "mean",
    "sd",
    "p5",
    "p50",
    "p95",
    "sd_over_prior_sd",
];

fn header(cols: &[&str]) -> Vec<String> {
    cols.iter().map(|s| s.to_string()).collect()
}

fn print_generations(rows: &[Vec<String>]) {
    println!(
        "{:>10} {:>12} {:>8} {:>8} {:>11} {:>8}",
        "generation", "tolerance", "ESS", "ESS/N", "acceptance", "seconds"
    );
    for r in rows {
        println!(
            "{:>10} {:>12} {:>8} {:>8} {:>11} {:>8}",
            r[1], r[2], r[3], r[4], r[5], r[7]
        );
    }
}

/// `simulate calibrate --posterior` (or `method = "abc-smc"`).
pub(super) fn calibrate(st: &Setup, args: &CalibrateArgs, started: Instant) -> anyhow::Result<()> {
    let s = &st.scenario;
    let problem = st.posterior_problem(args.until)?;
    let pp = PosteriorProblem::new(&problem, &st.config.posterior);
    let out_path = args
        .ensemble
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&s.name).join("posterior"));
    let out = app::open_out(&out_path, args.ensemble.force)?;
    let bar = GenerationBar::new(st.config.posterior.generations as u64, st.quiet);
    let fit_started = Instant::now();
    let (post, seconds) = sample(st, &pp, &bar, 0, "");
    bar.finish();
    let fit_seconds = fit_started.elapsed().as_secs_f64();
    if post.stop == Stop::AllRefused {
        anyhow::bail!(
            "every particle of the first generation was refused by the model (parameters \
             outside what it accepts): check the bounds in [calibration.free]"
        );
    }
    let last = post.last();
    let names = pp.names();
    let prior = pp.prior();
    let natural = natural_generation(&pp, last);
    let (lo, hi) = pp.natural_bounds();
    out.write("posterior.csv", &posterior_csv(&names, &natural)?)?;
    let gen_rows = generations_rows("", &post, &seconds);
    out.write(
        "generations.csv",
        &csv_bytes(&header(&GENERATION_HEADER), &gen_rows)?,
    )?;
    let sum_rows = summary_rows("", &names, &prior, last, &natural, (&lo, &hi));
    out.write(
        "posterior_summary.csv",
        &csv_bytes(&header(&SUMMARY_HEADER), &sum_rows)?,
    )?;

    let mut pred = predictive(
        &pp,
        last,
        st.config.posterior.predictive_runs,
        st.config.seed,
    )?;
    // After the last observation the model error is no longer pinned by data: it walks.
    let drift = if st.config.posterior.drift {
        drift_rates(&pp, &pred)
    } else {
        vec![0.0; problem.targets().len()]
    };
    let information_end = problem
        .targets()
        .iter()
        .flat_map(|t| t.points.iter().map(|p| p.year))
        .max()
        .unwrap_or(s.base.start);
    pred.widen_after(information_end, &drift, st.config.seed);
    let window = args.until.map_or_else(
        || "all observations".to_string(),
        |u| format!("observations up to {u}"),
    );
    let meta = Meta {
        title: format!("{}_posterior", s.name),
        subtitle: format!(
            "ABC-SMC on {window} · {} particles · {} generations · seed {} · simulate {}",
            last.particles.len(),
            post.generations.len(),
            st.config.seed,
            env!("CARGO_PKG_VERSION")
        ),
    };
    let mut plots = predictive_plots(st, &out, &problem, &pred, &meta, None)?;
    let log_prior: Vec<bool> = names
        .iter()
        .map(|n| n.starts_with("discrepancy."))
        .collect();
    let sample = plot::Sample {
        names: &names,
        particles: &natural.particles,
        weights: &natural.weights,
        lo: &lo,
        hi: &hi,
        log_prior: &log_prior,
    };
    for files in [
        plot::marginals(
            out.path(),
            &st.formats,
            "posterior_marginals",
            sample,
            &meta,
        )?,
        plot::pairs(out.path(), &st.formats, "posterior_pairs", sample, &meta)?,
    ] {
        plots.extend(file_names(&files));
    }

    let text = posterior_toml(st, args, &problem, &window, &post)?;
    out.write("posterior.toml", text.as_bytes())?;
    let reloaded = scenario::load(&out.path().join("posterior.toml"), &[])
        .context("loading the posterior scenario just written")?;
    let drawn = reloaded
        .uncertain
        .iter()
        .filter(|u| matches!(u.dist, scenario::Dist::Particles { .. }))
        .count();
    if drawn != problem.dim() {
        anyhow::bail!(
            "the posterior scenario draws {drawn} parameters from its particles, not the {} \
             free ones (a bug in simulate calibrate); the file is in {}",
            problem.dim(),
            out.path().display()
        );
    }
    out.write("scenario.resolved.toml", s.resolved_toml.as_bytes())?;
    let manifest = serde_json::json!({
        "tool": "simulate",
        "version": env!("CARGO_PKG_VERSION"),
        "command": "calibrate",
        "method": "abc-smc",
        "command_line": app::command_line(),
        "scenario": s.name,
        "scenario_path": s.path.display().to_string(),
        "scenario_sha256": export::sha256_hex(s.resolved_toml.as_bytes()),
        "until": args.until,
        "data": st.config.data.display().to_string(),
        "master_seed": st.config.seed,
        "seed_rule": "particle i of generation g: proposal and evaluation seeds from SplitMix(master seed, g, i); each evaluation runs posterior_runs runs on seeds derived from it",
        "particles": st.config.posterior.particles,
        "max_generations": st.config.posterior.generations,
        "runs_per_particle": st.config.posterior.runs,
        "predictive_runs": st.config.posterior.predictive_runs,
        "stopped": post.stop.text(),
        "error_model": "observed = one run's value + N(0, discrepancy^2) per point; discrepancy per simulated measure; synthetic likelihood from the particle's runs; a target's weight is its likelihood's power, capped at 1",
        "discrepancy": pp.groups.iter().map(|g| serde_json::json!({
            "measure": g.measure,
            "declared": matches!(g.sd, super::config::Discrepancy::Fixed(_)),
        })).collect::<Vec<_>>(),
        "drift": {
            "on": st.config.posterior.drift,
            "model": "with drift = true, after the last observation year the predictive adds a random walk of the model error, yearly sd per target from the variogram of its in-sample residuals (docs/validation.md)",
            "information_end": information_end,
            "yearly_sd": problem.targets().iter().zip(&drift).map(|(t, q)| serde_json::json!({"target": t.name, "sd": q})).collect::<Vec<_>>(),
        },
        "dimensions": names,
        "threads": st.threads,
        "fit_seconds": fit_seconds,
        "wall_seconds": started.elapsed().as_secs_f64(),
        "plots": plots,
    });
    out.write("manifest.json", &serde_json::to_vec_pretty(&manifest)?)?;
    out.commit()?;
    if !st.quiet {
        print_generations(&gen_rows);
        println!();
        println!(
            "{:<40} {:>10} {:>10} {:>10} {:>10} {:>9}",
            "parameter", "mean", "p5", "p95", "prior", "sd/prior"
        );
        for r in &sum_rows {
            println!(
                "{:<40} {:>10} {:>10} {:>10} {:>10} {:>9}",
                r[1],
                trim(&r[4]),
                trim(&r[6]),
                trim(&r[8]),
                format!("{}..{}", r[2], r[3]),
                trim(&r[9])
            );
        }
        eprintln!(
            "{}: posterior in {} generations ({}), {:.1} s -> {}",
            s.name,
            post.generations.len(),
            post.stop.text(),
            started.elapsed().as_secs_f64(),
            out_path.display()
        );
    }
    Ok(())
}

fn trim(s: &str) -> String {
    s.parse::<f64>()
        .map_or_else(|_| s.to_string(), |v| format!("{v:.4}"))
}

fn file_names(files: &[std::path::PathBuf]) -> Vec<String> {
    files
        .iter()
        .map(|f| {
            f.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect()
}

/// One fan chart per target: the posterior predictive, discrepancy included.
fn predictive_plots(
    st: &Setup,
    out: &OutputDir,
    problem: &super::Problem,
    pred: &Predictive,
    meta: &Meta,
    cutoff: Option<i32>,
) -> anyhow::Result<Vec<String>> {
    let summary = pred.summary(true);
    let mut names = Vec::new();
    for t in problem.targets() {
        let Some(full) = st.targets.iter().find(|x| x.name == t.name) else {
            continue;
        };
        let points: Vec<Observed> = st
            .simulated_points(full)
            .iter()
            .map(|p| Observed {
                year: p.year,
                value: p.value,
            })
            .collect();
        let label = format!("{} (with model error)", t.label);
        let files = match cutoff {
            None => plot::fit(
                out.path(),
                &st.formats,
                &output::stem("posterior", &t.name),
                &summary,
                &t.key,
                &points,
                &label,
                meta,
            )?,
            Some(c) => plot::backtest(
                out.path(),
                &st.formats,
                &output::stem("backtest", &t.name),
                &summary,
                &t.key,
                &points,
                &label,
                meta,
                c,
            )?,
        };
        names.extend(file_names(&files));
    }
    Ok(names)
}

/// The posterior scenario: extends the original and draws every free parameter from
/// `posterior.csv`, one particle per run.
fn posterior_toml(
    st: &Setup,
    args: &CalibrateArgs,
    problem: &super::Problem,
    window: &str,
    post: &Posterior,
) -> anyhow::Result<String> {
    let s = &st.scenario;
    let dir_abs = output::absolute(
        &args
            .ensemble
            .out
            .clone()
            .unwrap_or_else(|| Path::new("output").join(&s.name).join("posterior")),
    );
    let original = output::absolute(&s.path);
    let extends = output::relative(&dir_abs, &original);
    let source = format!(
        "posterior by simulate calibrate {} (ABC-SMC) on {window}; {} particles, {} generations, \
         seed {}",
        env!("CARGO_PKG_VERSION"),
        post.last().particles.len(),
        post.generations.len(),
        st.config.seed
    );
    let header = vec![
        format!(
            "Scenario `{}` with its free parameters drawn from their posterior given {window}.",
            s.name
        ),
        format!("Written by: {}", app::command_line()),
        "Every run draws one particle of posterior.csv by weight (all free parameters from the \
         same row); `simulate run <this file>` shows the bands that parameter uncertainty adds."
            .into(),
    ];
    let name = format!("{}_posterior", s.name);
    let description = if s.description.is_empty() {
        format!("{} with its posterior given {window}", s.name)
    } else {
        format!("{} (posterior given {window})", s.description)
    };
    let values: Vec<f64> = (0..problem.dim())
        .map(|k| {
            let v: Vec<f64> = post.last().particles.iter().map(|p| p[k]).collect();
            abc::weighted_mean(&v, &post.last().weights)
        })
        .collect();
    Ok(output::fitted_toml(&output::FittedFile {
        extends: &extends,
        name: &name,
        description: &description,
        set: &args.scenario.set,
        free: problem.free(),
        values: &values,
        source: &source,
        header: &header,
        particles: Some("posterior.csv"),
    }))
}

/// One scored test point of a posterior backtest.
#[derive(Clone, Debug)]
struct Scored {
    origin: i32,
    target: usize,
    year: i32,
    observed: f64,
    /// The predictive sample, sorted.
    q: crate::stats::Quantiles,
    model_crps: f64,
    pit: f64,
    /// (forecast, spread, crps) of each baseline, when it has one.
    persistence: Option<(f64, f64, f64)>,
    trend: Option<(f64, f64, f64)>,
}

fn pit(sorted: &[f64], y: f64) -> f64 {
    let below = sorted.partition_point(|x| *x < y);
    let at_or_below = sorted.partition_point(|x| *x <= y);
    (below as f64 + 0.5 * (at_or_below - below) as f64) / sorted.len().max(1) as f64
}

/// A baseline forecast with a normal spread: `sd` per year of a random walk times the square
/// root of the steps ahead.
fn baseline(mean: Option<f64>, sd: Option<f64>, steps: i32, y: f64) -> Option<(f64, f64, f64)> {
    let (m, s) = (mean?, sd? * f64::from(steps).sqrt());
    Some((m, s, score::crps_normal(m, s, y)))
}

/// `simulate backtest --posterior`.
pub(super) fn backtest(st: &Setup, args: &BacktestArgs, started: Instant) -> anyhow::Result<()> {
    let s = &st.scenario;
    let (y1, y2) = (args.train_until, args.test_until);
    let horizon = y2 - y1;
    // The prior keeps a posterior proper with fewer points than parameters: every origin
    // with a training point and a point to test counts.
    let origins = origins(st, 1, y1, horizon, args.rolling);
    if origins.is_empty() {
        return Err(usage(format!(
            "no rolling origin up to {y1} has a training point and a point to test within \
             {horizon} years"
        )));
    }
    let out_path = args
        .ensemble
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&s.name).join("backtest_posterior"));
    let out = app::open_out(&out_path, args.ensemble.force)?;
    let per = st.config.posterior.generations as u64;
    // One more fit, on every observation, for the error attribution.
    let bar = GenerationBar::new(per * (origins.len() as u64 + 1), st.quiet);
    let mut ante: Vec<(i32, Vec<f64>)> = Vec::new();
    let mut scored: Vec<Scored> = Vec::new();
    let mut gen_rows = Vec::new();
    let mut sum_rows = Vec::new();
    let mut fits = Vec::new();
    let mut plots = Vec::new();
    for (i, &origin) in origins.iter().enumerate() {
        let problem = st.posterior_problem(Some(origin))?;
        let pp = PosteriorProblem::new(&problem, &st.config.posterior);
        let label = format!("origin {origin}: ");
        let (post, seconds) = sample(st, &pp, &bar, i as u64 * per, &label);
        if post.stop == Stop::AllRefused {
            anyhow::bail!("origin {origin}: every particle was refused by the model");
        }
        let last = post.last();
        ante.push((origin, free_mean(last, problem.dim())));
        gen_rows.extend(generations_rows(&origin.to_string(), &post, &seconds));
        sum_rows.extend(summary_rows(
            &origin.to_string(),
            &pp.names(),
            &pp.prior(),
            last,
            &natural_generation(&pp, last),
            (&pp.natural_bounds().0, &pp.natural_bounds().1),
        ));
        fits.push(serde_json::json!({
            "origin": origin,
            "training_points": problem.n_points(),
            "generations": post.generations.len(),
            "stopped": post.stop.text(),
            "final_tolerance": last.tolerance,
            "final_ess": last.ess,
        }));
        let mut pred = predictive(
            &pp,
            last,
            st.config.posterior.predictive_runs,
            st.config.seed,
        )?;
        // The model error after the origin walks from where the training data left it.
        let drift = if st.config.posterior.drift {
            drift_rates(&pp, &pred)
        } else {
            vec![0.0; problem.targets().len()]
        };
        pred.widen_after(origin, &drift, st.config.seed);
        if let Some(f) = fits.last_mut() {
            f["drift_yearly_sd"] = problem
                .targets()
                .iter()
                .zip(&drift)
                .map(|(t, q)| serde_json::json!({"target": t.name, "sd": q}))
                .collect();
        }
        for (k, t) in st.targets.iter().enumerate() {
            let Some(pt) = problem.targets().iter().position(|x| x.name == t.name) else {
                continue;
            };
            let points = st.simulated_points(t);
            let spread = score::yearly_change_sd(&points, origin);
            for p in points
                .iter()
                .filter(|p| p.year > origin && p.year <= origin + horizon)
            {
                let Some(sample) = pred.sample_at(pt, p.year) else {
                    continue;
                };
                let mut sorted = sample.clone();
                let q = crate::stats::summarize(&mut sorted);
                let steps = score::steps_ahead(&points, origin, p.year);
                scored.push(Scored {
                    origin,
                    target: k,
                    year: p.year,
                    observed: p.value,
                    q,
                    model_crps: score::crps_sample(&sample, p.value),
                    pit: pit(&sample, p.value),
                    persistence: baseline(
                        score::persistence(&points, origin),
                        spread,
                        steps,
                        p.value,
                    ),
                    trend: baseline(
                        score::trend_share(&points, origin, p.year),
                        spread,
                        steps,
                        p.value,
                    ),
                });
            }
        }
        if i + 1 == origins.len() {
            let meta = Meta {
                title: format!("{} posterior backtest", s.name),
                subtitle: format!(
                    "posterior given observations up to {origin}, discrepancy included; later \
                     points are out of sample · seed {} · simulate {}",
                    st.config.seed,
                    env!("CARGO_PKG_VERSION")
                ),
            };
            plots = predictive_plots(st, &out, &problem, &pred, &meta, Some(origin))?;
        }
    }
    // Ex post: the posterior given every observation, for the error attribution.
    let full = st.posterior_problem(None)?;
    let pp_full = PosteriorProblem::new(&full, &st.config.posterior);
    let (post_full, seconds) = sample(st, &pp_full, &bar, per * origins.len() as u64, "ex post: ");
    if post_full.stop == Stop::AllRefused {
        anyhow::bail!("ex post: every particle was refused by the model");
    }
    gen_rows.extend(generations_rows("ex_post", &post_full, &seconds));
    bar.finish();
    let names: Vec<String> = st.targets.iter().map(|t| t.name.clone()).collect();
    let post_star = free_mean(post_full.last(), full.dim());
    let attributed = attribute(&full, &ante, &post_star, &scored, &names)?;
    out.write("error_attribution.csv", &attributed.csv()?)?;
    out.write("predictions.csv", &prediction_csv(&scored, &names)?)?;
    let rows = score_rows(&scored, &names, &origins);
    out.write("backtest.csv", &csv_bytes(&header(&SCORE_HEADER), &rows)?)?;
    out.write(
        "generations.csv",
        &csv_bytes(&header(&GENERATION_HEADER), &gen_rows)?,
    )?;
    out.write(
        "posterior_summary.csv",
        &csv_bytes(&header(&SUMMARY_HEADER), &sum_rows)?,
    )?;
    let pits: Vec<f64> = scored.iter().map(|p| p.pit).collect();
    let meta = Meta {
        title: format!("{} posterior backtest", s.name),
        subtitle: format!(
            "{} held-out points over {} origin(s), up to {horizon} years ahead · simulate {}",
            scored.len(),
            origins.len(),
            env!("CARGO_PKG_VERSION")
        ),
    };
    plots.extend(file_names(&plot::pit(
        out.path(),
        &st.formats,
        "pit",
        &pits,
        &meta,
    )?));
    out.write("scenario.resolved.toml", s.resolved_toml.as_bytes())?;
    let manifest = serde_json::json!({
        "tool": "simulate",
        "version": env!("CARGO_PKG_VERSION"),
        "command": "backtest",
        "method": "abc-smc",
        "command_line": app::command_line(),
        "scenario": s.name,
        "scenario_path": s.path.display().to_string(),
        "scenario_sha256": export::sha256_hex(s.resolved_toml.as_bytes()),
        "train_until": y1,
        "test_until": y2,
        "rolling": args.rolling,
        "origins": origins,
        "horizon_years": horizon,
        "held_out_points": scored.len(),
        "baselines": {
            "persistence": "last value observed at or before the origin, normal spread sd_yearly x sqrt(years since that value)",
            "trend": "least-squares line through the observations up to the origin (two years at least), clamped to [0, 1], the same spread",
            "sd_yearly": "root mean square of the year-to-year changes of the target's observations up to the origin (a gap of g years counts as g steps)",
        },
        "model": "posterior predictive of the ABC-SMC posterior refitted at each origin, discrepancy included (with [calibration] drift = true, plus a random walk of the model error after the origin, yearly sd from the variogram of the in-sample residuals)",
        "master_seed": st.config.seed,
        "particles": st.config.posterior.particles,
        "runs_per_particle": st.config.posterior.runs,
        "predictive_runs": st.config.posterior.predictive_runs,
        "threads": st.threads,
        "fits": fits,
        "error_attribution": {
            "file": "error_attribution.csv",
            "method": "forecast = ensemble mean at the posterior mean fitted up to the origin; ex post = the same at the posterior mean fitted on every observation; the move between them shared among the mechanisms' free numbers by exact Shapley values on common random numbers; structure = observed - ex post",
            "mechanisms": attribution::MECHANISMS,
            "mean_absolute": attributed.summary_json(),
        },
        "plots": plots,
        "wall_seconds": started.elapsed().as_secs_f64(),
    });
    out.write("manifest.json", &serde_json::to_vec_pretty(&manifest)?)?;
    out.commit()?;
    if !st.quiet {
        println!(
            "{:<7} {:<28} {:<12} {:>4} {:>8} {:>8} {:>8} {:>8}",
            "origin", "target", "method", "n", "RMSE", "CRPS", "cover50", "cover90"
        );
        for r in rows.iter().filter(|r| r[0] == "all") {
            println!(
                "{:<7} {:<28} {:<12} {:>4} {:>8} {:>8} {:>8} {:>8}",
                r[0],
                r[1],
                r[2],
                r[3],
                trim(&r[4]),
                trim(&r[6]),
                trim(&r[7]),
                trim(&r[8])
            );
        }
        attributed.print();
        eprintln!(
            "{}: posterior backtest over {} origin(s), {} held-out points, {:.1} s -> {}",
            s.name,
            origins.len(),
            scored.len(),
            started.elapsed().as_secs_f64(),
            out_path.display()
        );
    }
    Ok(())
}

/// The posterior mean of the free parameters (the first `dim` dimensions of a particle).
fn free_mean(g: &Generation, dim: usize) -> Vec<f64> {
    (0..dim)
        .map(|k| {
            let v: Vec<f64> = g.particles.iter().map(|p| p[k]).collect();
            abc::weighted_mean(&v, &g.weights)
        })
        .collect()
}

/// The forecast error of every scored point split by mechanism (`attribution.rs`).
#[allow(clippy::type_complexity)]
struct Attributed {
    /// Mechanisms with free numbers (indices into `attribution::MECHANISMS`).
    present: Vec<usize>,
    rows: Vec<AttributedPoint>,
}

/// One held-out point's forecast error and its parts.
struct AttributedPoint {
    origin: i32,
    target: String,
    year: i32,
    observed: f64,
    forecast: f64,
    ex_post: f64,
    /// One part per present mechanism.
    parts: Vec<f64>,
}

fn attribute(
    full: &super::Problem,
    ante: &[(i32, Vec<f64>)],
    post: &[f64],
    scored: &[Scored],
    names: &[String],
) -> anyhow::Result<Attributed> {
    let groups: Vec<usize> = full
        .free()
        .iter()
        .map(|f| attribution::mechanism(&f.path))
        .collect();
    let mut present = groups.clone();
    present.sort_unstable();
    present.dedup();
    let k = present.len();
    // Offsets of each target's points in the flattened means.
    let mut offsets = Vec::new();
    let mut at = 0;
    for t in full.targets() {
        offsets.push(at);
        at += t.points.len();
    }
    let mut rows = Vec::new();
    for (origin, theta) in ante {
        let worth: Vec<Vec<f64>> = (0..1usize << k)
            .map(|mask| {
                let x = attribution::mixed(theta, post, &groups, &present, mask);
                full.means(&x)
                    .map(|m| m.into_iter().flatten().collect::<Vec<f64>>())
                    .map_err(|e| anyhow::anyhow!("error attribution at origin {origin}: {e}"))
            })
            .collect::<anyhow::Result<_>>()?;
        let phi = attribution::shapley(k, &worth);
        for p in scored.iter().filter(|p| p.origin == *origin) {
            let name = &names[p.target];
            let Some(t) = full.targets().iter().position(|t| &t.name == name) else {
                continue;
            };
            let Some(i) = full.targets()[t]
                .points
                .iter()
                .position(|q| q.year == p.year)
            else {
                continue;
            };
            let j = offsets[t] + i;
            rows.push(AttributedPoint {
                origin: *origin,
                target: name.clone(),
                year: p.year,
                observed: p.observed,
                forecast: worth[0][j],
                ex_post: worth[(1 << k) - 1][j],
                parts: phi.iter().map(|g| g[j]).collect(),
            });
        }
    }
    Ok(Attributed { present, rows })
}

impl Attributed {
    fn columns(&self) -> Vec<&'static str> {
        self.present
            .iter()
            .map(|&m| attribution::MECHANISMS[m])
            .collect()
    }

    fn csv(&self) -> anyhow::Result<Vec<u8>> {
        let mut cols = vec![
            "origin", "target", "year", "observed", "forecast", "ex_post", "error",
        ];
        cols.extend(self.columns());
        cols.push("structure");
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|a| {
                let mut r = vec![
                    a.origin.to_string(),
                    a.target.clone(),
                    a.year.to_string(),
                    output::fixed(a.observed),
                    output::fixed(a.forecast),
                    output::fixed(a.ex_post),
                    output::fixed(a.observed - a.forecast),
                ];
                r.extend(a.parts.iter().map(|v| output::fixed(*v)));
                r.push(output::fixed(a.observed - a.ex_post));
                r
            })
            .collect();
        csv_bytes(&header(&cols), &rows)
    }

    /// Per target (and `all`): points, mean absolute error and mean absolute part of each
    /// mechanism and of the structure.
    fn summary(&self) -> Vec<(String, usize, f64, Vec<f64>)> {
        let mut targets: Vec<String> = self.rows.iter().map(|r| r.target.clone()).collect();
        targets.dedup();
        targets.sort();
        targets.dedup();
        targets.push("all".to_string());
        targets
            .into_iter()
            .map(|t| {
                let rows: Vec<_> = self
                    .rows
                    .iter()
                    .filter(|r| t == "all" || r.target == t)
                    .collect();
                let n = rows.len().max(1) as f64;
                let mut parts = vec![0.0; self.present.len() + 1];
                let mut mae = 0.0;
                for a in &rows {
                    mae += (a.observed - a.forecast).abs() / n;
                    for (acc, v) in parts.iter_mut().zip(&a.parts) {
                        *acc += v.abs() / n;
                    }
                    parts[self.present.len()] += (a.observed - a.ex_post).abs() / n;
                }
                (t, rows.len(), mae, parts)
            })
            .collect()
    }

    fn summary_json(&self) -> serde_json::Value {
        let cols = self.columns();
        let rows: Vec<serde_json::Value> = self
            .summary()
            .into_iter()
            .map(|(t, n, mae, parts)| {
                let mut m = serde_json::Map::new();
                m.insert("target".into(), t.into());
                m.insert("n".into(), n.into());
                m.insert("error".into(), mae.into());
                for (c, v) in cols.iter().chain(["structure"].iter()).zip(parts) {
                    m.insert((*c).into(), v.into());
                }
                serde_json::Value::Object(m)
            })
            .collect();
        rows.into()
    }

    fn print(&self) {
        let cols = self.columns();
        print!(
            "\nmean absolute forecast error and its parts\n{:<28} {:>4} {:>8}",
            "target", "n", "error"
        );
        for c in cols.iter().chain(["structure"].iter()) {
            print!(" {c:>9}");
        }
        println!();
        for (t, n, mae, parts) in self.summary() {
            print!("{t:<28} {n:>4} {mae:>8.4}");
            for v in parts {
                print!(" {v:>9.4}");
            }
            println!();
        }
    }
}

fn prediction_csv(scored: &[Scored], names: &[String]) -> anyhow::Result<Vec<u8>> {
    let cols = [
        "origin",
        "target",
        "year",
        "observed",
        "model_mean",
        "model_p5",
        "model_p25",
        "model_p50",
        "model_p75",
        "model_p95",
        "model_crps",
        "model_pit",
        "persistence",
        "persistence_sd",
        "persistence_crps",
        "trend",
        "trend_sd",
        "trend_crps",
    ];
    let opt = |b: Option<(f64, f64, f64)>, i: usize| {
        b.map_or_else(String::new, |t| output::fixed([t.0, t.1, t.2][i]))
    };
    let rows: Vec<Vec<String>> = scored
        .iter()
        .map(|p| {
            vec![
                p.origin.to_string(),
                names[p.target].clone(),
                p.year.to_string(),
                output::fixed(p.observed),
                output::fixed(p.q.mean),
                output::fixed(p.q.p5),
                output::fixed(p.q.p25),
                output::fixed(p.q.p50),
                output::fixed(p.q.p75),
                output::fixed(p.q.p95),
                output::fixed(p.model_crps),
                output::fixed(p.pit),
                opt(p.persistence, 0),
                opt(p.persistence, 1),
                opt(p.persistence, 2),
                opt(p.trend, 0),
                opt(p.trend, 1),
                opt(p.trend, 2),
            ]
        })
        .collect();
    csv_bytes(&header(&cols), &rows)
}

const SCORE_HEADER: [&str; 9] = [
    "origin", "target", "method", "n", "rmse", "mae", "crps", "cover50", "cover90",
];

/// A scored point of one method: (error, CRPS, unused, inside the 50% band, inside the 90%).
type Item = (f64, f64, f64, bool, bool);

/// Scores of each method on a group of points: the model on all of them and on exactly the
/// points each baseline predicts (`model_on_<baseline>_points`), so that comparisons are
/// paired.
fn group_rows(origin: &str, target: &str, pts: &[&Scored]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let row = |method: &str, items: Vec<Item>| {
        let n = items.len();
        let nf = n.max(1) as f64;
        let mean = |f: &dyn Fn(&Item) -> f64| {
            if n == 0 {
                f64::NAN
            } else {
                items.iter().map(f).sum::<f64>() / nf
            }
        };
        vec![
            origin.to_string(),
            target.to_string(),
            method.to_string(),
            n.to_string(),
            output::fixed(mean(&|i| i.0 * i.0).sqrt()),
            output::fixed(mean(&|i| i.0.abs())),
            output::fixed(mean(&|i| i.1)),
            output::fixed(mean(&|i| f64::from(u8::from(i.3)))),
            output::fixed(mean(&|i| f64::from(u8::from(i.4)))),
        ]
    };
    let model = |p: &Scored| {
        (
            p.observed - p.q.mean,
            p.model_crps,
            0.0,
            p.observed >= p.q.p25 && p.observed <= p.q.p75,
            p.observed >= p.q.p5 && p.observed <= p.q.p95,
        )
    };
    rows.push(row("model", pts.iter().map(|p| model(p)).collect()));
    type Pick = fn(&Scored) -> Option<(f64, f64, f64)>;
    let baselines: [(&str, Pick); 2] = [("persistence", |p| p.persistence), ("trend", |p| p.trend)];
    for (name, pick) in baselines {
        let inside = |y: f64, m: f64, s: f64, q: f64| {
            let half = score::normal_quantile(0.0, s, 0.5 + q / 2.0);
            (y - m).abs() <= half
        };
        rows.push(row(
            name,
            pts.iter()
                .filter_map(|p| {
                    pick(p).map(|(m, s, c)| {
                        (
                            p.observed - m,
                            c,
                            0.0,
                            inside(p.observed, m, s, 0.5),
                            inside(p.observed, m, s, 0.9),
                        )
                    })
                })
                .collect(),
        ));
        rows.push(row(
            &format!("model_on_{name}_points"),
            pts.iter()
                .filter(|p| pick(p).is_some())
                .map(|p| model(p))
                .collect(),
        ));
    }
    rows
}

fn score_rows(scored: &[Scored], names: &[String], origins: &[i32]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for &o in origins {
        let mine: Vec<&Scored> = scored.iter().filter(|p| p.origin == o).collect();
        rows.extend(group_rows(&o.to_string(), "all", &mine));
    }
    for (k, name) in names.iter().enumerate() {
        let mine: Vec<&Scored> = scored.iter().filter(|p| p.target == k).collect();
        if !mine.is_empty() {
            rows.extend(group_rows("all", name, &mine));
        }
    }
    let all: Vec<&Scored> = scored.iter().collect();
    rows.extend(group_rows("all", "all", &all));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pit_is_the_share_below_with_ties_split() {
        let s = [0.1, 0.2, 0.2, 0.4];
        assert!((pit(&s, 0.0) - 0.0).abs() < 1e-12);
        assert!((pit(&s, 0.2) - 0.5).abs() < 1e-12);
        assert!((pit(&s, 0.3) - 0.75).abs() < 1e-12);
        assert!((pit(&s, 1.0) - 1.0).abs() < 1e-12);
    }
}
