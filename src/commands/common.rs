//! Plumbing every command shares: loading a scenario, the plan of its ensemble, the output
//! folder, plot formats and styles, the progress bar, the files of an ensemble result, and
//! printing a report to stdout. A command file (`run.rs`, `compare.rs`, ...) reads its inputs,
//! then calls these; nothing here knows which command is running.

/// Plumbing the experiment commands (sweep, sensitivity, discover) share.
pub mod study;
use crate::cli::{EnsembleArgs, FormatArg};
use crate::experiment::{self, Ensemble, Exec, Plan, RunOutput, measures};
use crate::export::{self, OutputDir, tables};
use crate::model::Params;
use crate::plot::{self, Format, Meta, PowerStyle};
use crate::scenario::{self, Scenario};
pub use crate::usage::{UsageError, usage};
use anyhow::Context;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Writes a command's report to stdout; a reader that closed the pipe early (`| head`) is not
/// an error.
pub fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Loads a scenario with overrides.
pub fn load(path: &Path, set: &[String]) -> anyhow::Result<Scenario> {
    Ok(scenario::load(path, set)?)
}

/// Plot formats from the command line, without repeats.
pub fn formats(f: &[FormatArg]) -> Vec<Format> {
    let mut out = Vec::new();
    for x in f {
        let fmt = match x {
            FormatArg::Png => Format::Png,
            FormatArg::Svg => Format::Svg,
        };
        if !out.contains(&fmt) {
            out.push(fmt);
        }
    }
    out
}

/// Worker threads: `--threads`, or all cores.
pub fn threads(e: &EnsembleArgs) -> anyhow::Result<usize> {
    match e.threads {
        Some(0) => Err(usage("--threads must be at least 1")),
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// Styles of the powers for plots.
pub fn styles(params: &Params) -> Vec<PowerStyle> {
    params
        .powers
        .iter()
        .map(|p| PowerStyle {
            id: p.id.clone(),
            name: p.name.clone(),
            color: p.color,
        })
        .collect()
}

/// A progress bar on stderr when it is a terminal, nothing otherwise.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// A bar of `total` runs labelled `label`; hidden when `quiet` or stderr is no terminal.
    pub fn new(total: usize, quiet: bool, label: &str) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} runs, {per_sec}, ETA {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(label.to_string());
            bar
        });
        Progress { bar }
    }
    /// Starts the bar at `done` runs (a resumed study).
    pub fn set_done(&self, done: usize) {
        if let Some(b) = &self.bar {
            b.set_position(done as u64);
        }
    }
    /// One more run done.
    pub fn tick(&self, _done: usize) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }
    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// The plan of a scenario's ensemble with command-line overrides.
pub fn plan_for(s: &Scenario, e: &EnsembleArgs) -> anyhow::Result<Plan> {
    let runs = e.runs.unwrap_or(s.runs);
    let seed = e.seed.unwrap_or(s.seed);
    Plan::ensemble(seed, runs, 0).map_err(|err| usage(err.to_string()))
}

/// `output/<name>`: where a command writes when `--out` is not given.
pub fn default_out(name: &str) -> PathBuf {
    Path::new("output").join(name)
}

/// Opens a results folder; a folder that cannot be used is the user's error. `force` allows
/// writing into a folder of other files (see [`OutputDir::create_with`]).
pub fn open_out(dir: &Path, force: bool) -> anyhow::Result<OutputDir> {
    OutputDir::create_with(dir, force).map_err(|e| usage(e.to_string()))
}

/// The command line as typed, for manifests and reports.
pub fn command_line() -> String {
    std::env::args().collect::<Vec<_>>().join(" ")
}

/// Says on stderr (even with `--quiet`) how many runs failed and were left out.
pub fn warn_failures(e: &Ensemble) {
    if let Some(first) = e.failures.first() {
        eprintln!(
            "warning: {} of {} runs produced a non-finite value and were left out (first: run {}, seed {}, {} in {}, phase {}); see failures.csv",
            e.failures.len(),
            e.runs + e.failures.len(),
            first.replicate,
            first.seed,
            first.series,
            first.year,
            first.phase_name()
        );
    }
}

/// Runs an ensemble with a progress bar; `sink` sees each run in plan order.
pub fn execute(
    s: &Scenario,
    plan: &Plan,
    threads: usize,
    quiet: bool,
    sink: &mut dyn FnMut(&RunOutput) -> anyhow::Result<()>,
) -> anyhow::Result<Ensemble> {
    let progress = Progress::new(plan.runs.len(), quiet, &s.name);
    let tick = |k: usize| progress.tick(k);
    let result = experiment::execute(
        s,
        plan,
        &Exec {
            threads,
            progress: &tick,
        },
        sink,
    );
    progress.finish();
    if let Ok(e) = &result {
        warn_failures(e);
    }
    result
}

/// Files of an ensemble shared by `run` and `merge`: tables, manifest, resolved scenario.
pub struct Written {
    /// Seconds spent drawing plots.
    pub plot_seconds: f64,
}

/// Writes every table and plot of an ensemble into `out`.
#[allow(clippy::too_many_arguments)]
pub fn write_results(
    out: &OutputDir,
    s: &Scenario,
    e: &Ensemble,
    plan: &Plan,
    threads: usize,
    fmts: &[Format],
    wall: f64,
    extra: serde_json::Value,
    cmd: &str,
) -> anyhow::Result<Written> {
    write_results_against(out, s, e, plan, threads, fmts, wall, extra, cmd, None)
}

/// [`write_results`], with another scenario run on the same plan (`run --against`): the
/// report's findings say what differs, and `compare_closeness` overlays the two.
#[allow(clippy::too_many_arguments)]
pub fn write_results_against(
    out: &OutputDir,
    s: &Scenario,
    e: &Ensemble,
    plan: &Plan,
    threads: usize,
    fmts: &[Format],
    wall: f64,
    extra: serde_json::Value,
    cmd: &str,
    against: Option<(&Scenario, &Ensemble)>,
) -> anyhow::Result<Written> {
    let params = &s.base;
    let order = measures::series(params);
    let rows = tables::summary_rows(&e.summary, &order);
    out.write("summary.csv", &tables::table_csv(&rows)?)?;
    out.write("summary.json", &tables::to_json(&rows)?)?;
    out.write(
        "drivers.csv",
        &tables::table_csv(&tables::driver_rows(e, params))?,
    )?;
    out.write(
        "events.csv",
        &tables::table_csv(&tables::event_rows(e, params))?,
    )?;
    out.write(
        "outcomes.csv",
        &tables::table_csv(&tables::outcome_rows(e, params))?,
    )?;
    out.write(
        "failures.csv",
        &tables::table_csv(&tables::failure_rows(e))?,
    )?;
    out.write("scenario.resolved.toml", s.resolved_toml.as_bytes())?;
    if let Some((name, text)) = s.reference_file() {
        out.write(&name, text.as_bytes())?;
    }
    let t = Instant::now();
    let meta = Meta {
        title: s.name.clone(),
        subtitle: format!(
            "{} runs · seed {} · simulate {}",
            e.runs,
            plan.master_seed,
            env!("CARGO_PKG_VERSION")
        ),
    };
    let st = styles(params);
    let dir = out.path();
    plot::closeness(dir, fmts, &e.summary, &st, &meta)?;
    plot::domains(dir, fmts, &e.summary, &st, &meta)?;
    plot::opinion(dir, fmts, &e.summary, &st, &meta)?;
    plot::instruments(dir, fmts, &e.summary, &st, &meta)?;
    plot::leeway(dir, fmts, &e.summary, &st, &meta)?;
    for p in movers(&e.summary, params, 2) {
        let (bars, net) = driver_bars(e, params, p, None, None);
        let id = &params.powers[p].id;
        plot::drivers(
            dir,
            fmts,
            &format!("drivers_{id}"),
            &bars,
            &net,
            &format!("Why closeness to {} moved", params.powers[p].name),
            &meta,
        )?;
    }
    if let Some((a, ae)) = against {
        let arms = [
            plot::Arm {
                name: &s.name,
                summary: &e.summary,
            },
            plot::Arm {
                name: &a.name,
                summary: &ae.summary,
            },
        ];
        plot::compare(dir, fmts, &arms, &st, &meta)?;
    }
    let plot_seconds = t.elapsed().as_secs_f64();
    let sha = export::sha256_hex(s.resolved_toml.as_bytes());
    let report = crate::report::html(
        s,
        e,
        &crate::report::Context {
            seed: plan.master_seed,
            command_line: cmd,
            scenario_sha256: &sha,
            figures: out.path(),
            against: against.map(|(a, ae)| crate::report::findings::Against {
                name: &a.name,
                params: &a.base,
                ensemble: ae,
            }),
        },
    )?;
    out.write("report.html", report.as_bytes())?;
    let manifest = serde_json::json!({
        "tool": "simulate",
        "version": env!("CARGO_PKG_VERSION"),
        "command_line": cmd,
        "scenario": s.name,
        "scenario_path": s.path.display().to_string(),
        "scenario_sha256": sha,
        "master_seed": plan.master_seed,
        "runs": e.runs,
        "runs_planned": plan.runs.len(),
        "runs_failed": e.failures.len(),
        "on_failure": s.on_failure.name(),
        "first_run": plan.runs.first().map(|r| r.replicate),
        "threads": threads,
        "quantiles": if e.exact { "exact" } else { "histogram sketch (4096 bins)" },
        "wall_seconds": wall,
        "plot_seconds": plot_seconds,
        "seed_rule": "run seed = SplitMix-derived from (master seed, case, replicate); streams per component (ChaCha8)",
        "extra": extra,
    });
    out.write(
        "manifest.json",
        &serde_json::to_vec_pretty(&manifest).context("manifest")?,
    )?;
    Ok(Written { plot_seconds })
}

pub use crate::report::moves::{driver_bars, movers};
