//! What the study commands (`sweep`, `sensitivity`, `discover`) share: worker threads, the
//! progress bar, the results folder, factors from `--param PATH=LO:HI` or the scenario's
//! uncertain numbers, the year studied, and the manifest. None of it calls back into a
//! command.

use crate::cli::EnsembleArgs;
use crate::experiment::Exec;
use crate::experiment::study::{Factor, Study, StudyRun};
use crate::export::OutputDir;
use crate::model::Target;
use crate::plot::Meta;
use crate::scenario::Scenario;
use anyhow::Context;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub use super::{emit, threads, usage};

/// Runs per point from `--runs` or a default; at least 1.
pub fn runs_per_point(e: &EnsembleArgs, default: usize) -> anyhow::Result<usize> {
    match e.runs.unwrap_or(default) {
        0 => Err(usage("--runs must be at least 1 run per point")),
        n => Ok(n),
    }
}

/// The year studied: `--year`, else the scenario's last year; checked against its years.
pub fn study_year(s: &Scenario, year: Option<i32>) -> anyhow::Result<i32> {
    let (start, end) = (s.base.start, s.base.end);
    match year {
        None => Ok(end),
        Some(y) if (start..=end).contains(&y) => Ok(y),
        Some(y) => Err(usage(format!(
            "--year {y} is outside the scenario's years {start}–{end}"
        ))),
    }
}

/// Parses `--param PATH=LO:HI` into a factor sampled uniformly between the bounds.
pub fn parse_range(text: &str, s: &Scenario) -> anyhow::Result<Factor> {
    let spec = s.base.spec();
    let bad = |why: String| usage(format!("--param '{text}': {why}"));
    let (path, range) = text
        .split_once('=')
        .ok_or_else(|| bad("expected PATH=LO:HI, e.g. powers.US.budget=0.5:2".into()))?;
    let target = Target::parse(path.trim(), spec).map_err(bad)?;
    let (lo, hi) = range
        .split_once(':')
        .ok_or_else(|| bad("expected PATH=LO:HI, e.g. powers.US.budget=0.5:2".into()))?;
    let num = |v: &str| {
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| bad(format!("'{v}' is not a number")))
    };
    let (lo, hi) = (num(lo)?, num(hi)?);
    if lo >= hi {
        return Err(bad(format!("LO ({lo}) must be below HI ({hi})")));
    }
    let (min, max) = target.range();
    if lo < min || hi > max {
        return Err(bad(format!(
            "{lo}:{hi} leaves the allowed range of {} ({min} to {max})",
            target.path(spec)
        )));
    }
    Ok(Factor {
        target,
        path: target.path(spec),
        lo,
        hi,
        dist: None,
    })
}

/// Factors from `--param` arguments, or else the scenario's uncertain numbers (each drawn
/// through its own distribution).
pub fn factors(s: &Scenario, params: &[String]) -> anyhow::Result<Vec<Factor>> {
    let list: Vec<Factor> = if params.is_empty() {
        s.uncertain
            .iter()
            .map(|u| {
                let (lo, hi) = (u.dist.quantile(0.0), u.dist.quantile(1.0));
                Factor {
                    target: u.target,
                    path: u.path.clone(),
                    lo,
                    hi,
                    dist: Some(u.dist),
                }
            })
            .collect()
    } else {
        params
            .iter()
            .map(|p| parse_range(p, s))
            .collect::<anyhow::Result<_>>()?
    };
    if list.is_empty() {
        return Err(usage(format!(
            "{} has no uncertain numbers: name the parameters to vary with --param PATH=LO:HI",
            s.path.display()
        )));
    }
    for (i, a) in list.iter().enumerate() {
        if list[..i].iter().any(|b| b.path == a.path) {
            return Err(usage(format!("parameter {} is given twice", a.path)));
        }
    }
    Ok(list)
}

/// Opens the results folder: `--out`, else `output/<scenario>/<name>`.
pub fn open_out(s: &Scenario, e: &EnsembleArgs, name: &str) -> anyhow::Result<OutputDir> {
    let path: PathBuf = e
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&s.name).join(name));
    super::open_out(&path, e.force)
}

/// A progress bar on stderr when it is a terminal, nothing otherwise.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// A bar of `total` runs.
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

    fn tick(&self) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// Runs a whole study with a progress bar; returns the seconds it took.
pub fn execute(
    study: &Study<'_>,
    probe: &crate::experiment::study::Probe,
    threads: usize,
    quiet: bool,
    label: &str,
    sink: &mut dyn FnMut(&StudyRun) -> anyhow::Result<()>,
) -> anyhow::Result<f64> {
    let started = std::time::Instant::now();
    let progress = Progress::new(study.len(), quiet, label);
    let tick = |_: usize| progress.tick();
    study.execute(
        0..study.len(),
        probe,
        &Exec {
            threads,
            progress: &tick,
        },
        sink,
    )?;
    progress.finish();
    Ok(started.elapsed().as_secs_f64())
}

/// Title and subtitle of a study's figures.
pub fn meta(s: &Scenario, what: &str) -> Meta {
    Meta {
        title: s.name.clone(),
        subtitle: format!("{what} · simulate {}", env!("CARGO_PKG_VERSION")),
    }
}

/// How a study ran, for its manifest.
pub struct Ran {
    /// Master seed.
    pub seed: u64,
    /// Runs executed.
    pub runs: usize,
    /// Worker threads.
    pub threads: usize,
    /// Seconds spent simulating.
    pub seconds: f64,
}

/// Writes `manifest.json` and `scenario.resolved.toml`.
pub fn write_manifest(
    out: &OutputDir,
    s: &Scenario,
    command: &str,
    ran: &Ran,
    study: serde_json::Value,
) -> anyhow::Result<()> {
    let Ran {
        seed,
        runs,
        threads,
        seconds: simulate_seconds,
    } = *ran;
    out.write("scenario.resolved.toml", s.resolved_toml.as_bytes())?;
    let manifest = serde_json::json!({
        "tool": "simulate",
        "version": env!("CARGO_PKG_VERSION"),
        "command": command,
        "command_line": crate::commands::common::command_line(),
        "scenario": s.name,
        "scenario_path": s.path.display().to_string(),
        "scenario_sha256": crate::export::sha256_hex(s.resolved_toml.as_bytes()),
        "master_seed": seed,
        "runs": runs,
        "threads": threads,
        "simulate_seconds": simulate_seconds,
        "seed_rule": "replicate r of every point has run seed SplitMix-derived from (master seed, 0, r): common random numbers across points; streams per component (ChaCha8)",
        "study": study,
    });
    out.write(
        "manifest.json",
        &serde_json::to_vec_pretty(&manifest).context("manifest")?,
    )?;
    Ok(())
}

/// A CSV writer over a file of the results folder, buffered.
pub fn csv_file(
    out: &OutputDir,
    name: &str,
) -> anyhow::Result<csv::Writer<std::io::BufWriter<std::fs::File>>> {
    Ok(csv::Writer::from_writer(std::io::BufWriter::new(
        out.create_file(name)?,
    )))
}

/// A number for CSV: shortest round-trip form, empty for NaN.
pub fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}
