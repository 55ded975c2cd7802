//! What the study commands (`sweep`, `sensitivity`, `discover`) share: worker threads, the
//! progress bar, the results folder, factors from `--param PATH=LO:HI` or the scenario's
//! uncertain numbers, the year studied, the manifest, and the execution of a study with its
//! checkpoints, `--resume`, `--shard K/N` and `merge`. None of it calls back into a command.
//!
//! A study folds its runs, in plan order, into an accumulator (a [`Fold`]) whose state is
//! saved exactly (every number's bits): in a checkpoint every few seconds, and as a shard's
//! partial result. Resuming restores the state and continues with the next run; merging
//! folds the shards' states in plan order. Either way the accumulator ends in the state an
//! uninterrupted, unsharded study leaves, so the files written are the same bytes.

use crate::checkpoint::{self, Bytes, Reader, Saved};
use crate::cli::{EnsembleArgs, ScenarioArgs, StudyControlArgs};
use crate::experiment::Exec;
use crate::experiment::study::{Factor, Probe, Study, StudyRun};
use crate::export::{OutputDir, sha256_hex};
use crate::limits;
use crate::model::Target;
use crate::plot::Meta;
use crate::scenario::{Scenario, io_text};
use crate::usage::Interrupted;
use anyhow::Context;
use std::io::{Seek, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

pub use super::{emit, threads, usage};

/// Runs between checks for a stop request and for a checkpoint.
const CHUNK: usize = 256;
/// Name of a study shard's accumulator state.
const PARTIAL: &str = crate::shard::PARTIAL;
/// Name of a study shard's description.
const PARTIAL_META: &str = crate::shard::PARTIAL_META;

/// The state a study folds its runs into, in plan order; saved in checkpoints and shards.
pub trait Fold {
    /// Folds in one run; a row pushed into `row` goes to the per-run file (if the study
    /// keeps one).
    fn add(&mut self, r: &StudyRun, row: &mut Vec<String>);
    /// Writes the state.
    fn save(&self, w: &mut Bytes);
    /// Restores a saved state of the same study.
    fn restore(&mut self, r: &mut Reader<'_>) -> Result<(), String>;
    /// Folds in the saved state of the next shard of the plan (shards come in order).
    fn merge(&mut self, r: &mut Reader<'_>) -> Result<(), String>;
}

/// Where a study's runs come from.
pub enum Source<'a> {
    /// Run them (all, or one shard), checkpointing as they go; `--resume` continues.
    Run(&'a StudyControlArgs),
    /// Read them from the partial results of the shards (`simulate merge`).
    Merge(&'a Merging),
}

/// The shard folders of one study, read by `simulate merge`.
pub struct Merging {
    /// The folders, in shard order.
    pub dirs: Vec<PathBuf>,
    /// The scenario path the shards ran (for the manifest).
    pub scenario_path: PathBuf,
    /// The study each shard belongs to (they agree).
    pub study: serde_json::Value,
    /// Seconds each shard spent simulating, summed.
    pub seconds: f64,
}

/// The shard a study runs: `--shard K/N`, or none (merge runs nothing).
pub fn shard_of(source: &Source<'_>) -> anyhow::Result<Option<(usize, usize)>> {
    match source {
        Source::Run(c) => c.shard.as_deref().map(super::parse_shard).transpose(),
        Source::Merge(_) => Ok(None),
    }
}

/// Loads the scenario of a study: the file given, or the shards' resolved scenario (which
/// keeps the path the shards ran, for the manifest).
pub fn load_scenario(a: &ScenarioArgs, source: &Source<'_>) -> anyhow::Result<Scenario> {
    let mut s = super::load(&a.scenario, &a.set)?;
    if let Source::Merge(m) = source {
        s.path = m.scenario_path.clone();
    }
    Ok(s)
}

/// What the execution of a study leaves for its manifest and its end.
pub struct Executed {
    /// Seconds spent simulating (this attempt; summed over shards for a merge).
    pub seconds: f64,
    /// Runs executed or merged.
    pub runs: usize,
    /// The shard run, if any: the command writes its partial result and stops.
    pub shard: Option<(usize, usize)>,
    /// Resume, shard or merge notes for the manifest.
    pub execution: serde_json::Value,
    /// The command line of the first attempt.
    pub command_line: String,
    /// The key of the study (for a shard's partial result).
    study: serde_json::Value,
    checkpoint: Option<PathBuf>,
}

impl Executed {
    /// Removes the checkpoint, once the results are in place.
    pub fn clear_checkpoint(&self) -> anyhow::Result<()> {
        match &self.checkpoint {
            Some(dir) => checkpoint::remove(dir),
            None => Ok(()),
        }
    }
}

/// The per-run file of a study: its name and header.
pub struct RowsFile<'a> {
    /// File name in the results folder.
    pub name: &'a str,
    /// CSV header.
    pub header: &'a [String],
}

/// What identifies a study: command, scenario, the runs (points, seeds, order), the probe and
/// the command's own options that shape the accumulator.
pub fn study_key(
    command: &str,
    s: &Scenario,
    study: &Study<'_>,
    probe: &Probe,
    options: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "command": command,
        "scenario_sha256": sha256_hex(s.resolved_toml.as_bytes()),
        "runs": study.len(),
        "fingerprint": study.fingerprint(),
        "probe": { "slots": probe.slots, "years": probe.years },
        "options": options,
    })
}

/// Executes a study from `source` into `fold`: runs its plan (or shard) with checkpoints and
/// `--resume`, stopping cleanly on Ctrl-C; or, for `merge`, folds the shards' states in order.
/// The per-run file, if any, ends in the results folder.
#[allow(clippy::too_many_arguments)]
pub fn run_study(
    source: &Source<'_>,
    key: serde_json::Value,
    out: &OutputDir,
    study: &Study<'_>,
    probe: &Probe,
    e: &EnsembleArgs,
    fold: &mut dyn Fold,
    rows: Option<RowsFile<'_>>,
) -> anyhow::Result<Executed> {
    match source {
        Source::Run(ctl) => execute(ctl, key, out, study, probe, e, fold, rows),
        Source::Merge(m) => merge(m, key, out, fold, rows),
    }
}

#[allow(clippy::too_many_arguments)]
fn execute(
    ctl: &StudyControlArgs,
    key: serde_json::Value,
    out: &OutputDir,
    study: &Study<'_>,
    probe: &Probe,
    e: &EnsembleArgs,
    fold: &mut dyn Fold,
    rows: Option<RowsFile<'_>>,
) -> anyhow::Result<Executed> {
    super::install_stop_handler();
    if !(ctl.checkpoint_every >= 0.0 && ctl.checkpoint_every.is_finite()) {
        return Err(usage(format!(
            "--checkpoint-every {}: allowed a number of seconds, at least 0",
            ctl.checkpoint_every
        )));
    }
    let threads = threads(e)?;
    let shard = ctl.shard.as_deref().map(super::parse_shard).transpose()?;
    let range = match shard {
        Some((k, n)) => study.shard_range(k, n),
        None => 0..study.len(),
    };
    let ck_dir = checkpoint::dir_for(out.target());
    let ck_key = serde_json::json!({
        "study": key,
        "shard": shard.map(|(k, n)| format!("{k}/{n}")),
    });
    let resumed = if ctl.resume {
        match checkpoint::load(&ck_dir)? {
            Some(saved) if saved.study == ck_key => Some(saved),
            Some(_) => {
                return Err(usage(format!(
                    "the checkpoint {} is of a different study (scenario, options, seed, runs or \
                     shard differ): run without --resume to start over",
                    ck_dir.display()
                )));
            }
            None => {
                return Err(usage(format!(
                    "nothing to resume for {}: no checkpoint at {} (a study saves one every {} s \
                     while it runs)",
                    out.target().display(),
                    ck_dir.display(),
                    ctl.checkpoint_every
                )));
            }
        }
    } else {
        if let Ok(Some(old)) = checkpoint::load(&ck_dir) {
            eprintln!(
                "note: starting over; the checkpoint of an interrupted study ({} runs done) is \
                 discarded (--resume continues it)",
                old.done.saturating_sub(range.start)
            );
        }
        checkpoint::remove(&ck_dir)?;
        None
    };
    let cmd = resumed
        .as_ref()
        .map_or_else(super::command_line, |r| r.command_line.clone());
    let mut done = range.start;
    if let Some(saved) = &resumed {
        let cannot = |why: String| {
            usage(format!(
                "the checkpoint {} cannot be used: {why}; run without --resume to start over",
                ck_dir.display()
            ))
        };
        let mut r = Reader::new(&saved.state);
        fold.restore(&mut r)
            .and_then(|()| r.end())
            .map_err(cannot)?;
        if !(range.start..=range.end).contains(&saved.done) {
            return Err(cannot(format!("it has {} runs done", saved.done)));
        }
        done = saved.done;
    }
    // Per-run rows stream into the checkpoint folder, so that they survive a kill.
    let mut writer = match &rows {
        Some(rf) => {
            std::fs::create_dir_all(&ck_dir)
                .with_context(|| format!("creating {}", ck_dir.display()))?;
            let path = ck_dir.join(rf.name);
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(resumed.is_none())
                .open(&path)
                .with_context(|| format!("writing {}", path.display()))?;
            file.set_len(resumed.as_ref().map_or(0, |r| r.runs_csv_len))?;
            file.seek(std::io::SeekFrom::End(0))?;
            let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
            if resumed.is_none() {
                w.write_record(rf.header)?;
            }
            Some(w)
        }
        None => None,
    };
    let every = Duration::from_secs_f64(ctl.checkpoint_every);
    let started = Instant::now();
    let mut last_checkpoint = Instant::now();
    let progress =
        super::Progress::new(range.len(), e.quiet, &format!("{}", out.target().display()));
    progress.set_done(done - range.start);
    let tick = |_: usize| progress.tick(0);
    let exec = Exec {
        threads,
        progress: &tick,
    };
    let mut row = Vec::new();
    while done < range.end {
        let to = (done + CHUNK).min(range.end);
        study.execute(done..to, probe, &exec, &mut |r| {
            row.clear();
            fold.add(r, &mut row);
            if let Some(w) = writer.as_mut()
                && !row.is_empty()
            {
                w.write_record(&row)?;
            }
            Ok(())
        })?;
        done = to;
        let stop = super::STOP.load(Ordering::SeqCst);
        if done < range.end && (stop || last_checkpoint.elapsed() >= every) {
            let runs_csv_len = match writer.as_mut() {
                Some(w) => {
                    w.flush()?;
                    w.get_ref().get_ref().sync_data()?;
                    w.get_ref().get_ref().metadata()?.len()
                }
                None => 0,
            };
            let mut state = Bytes::default();
            fold.save(&mut state);
            checkpoint::save(
                &ck_dir,
                &Saved {
                    study: ck_key.clone(),
                    done,
                    runs_csv_len,
                    command_line: cmd.clone(),
                    state: state.0,
                },
            )?;
            last_checkpoint = Instant::now();
        }
        if stop && done < range.end {
            progress.finish();
            let mut again = super::command_line();
            if !again.split(' ').any(|a| a == "--resume") {
                again.push_str(" --resume");
            }
            return Err(Interrupted(format!(
                "interrupted after {} of {} runs; the checkpoint is in {}; continue with:\n  {again}",
                done - range.start,
                range.len(),
                ck_dir.display()
            ))
            .into());
        }
    }
    progress.finish();
    let seconds = started.elapsed().as_secs_f64();
    if let (Some(mut w), Some(rf)) = (writer.take(), &rows) {
        w.flush()?;
        drop(w);
        std::fs::rename(ck_dir.join(rf.name), out.path().join(rf.name))
            .with_context(|| format!("moving {} into the results", rf.name))?;
    }
    Ok(Executed {
        seconds,
        runs: range.len(),
        shard,
        execution: serde_json::json!({
            "shard": shard.map(|(k, n)| format!("{k}/{n}")),
            "resumed_at_run": resumed.as_ref().map(|r| r.done),
        }),
        command_line: cmd,
        study: key,
        checkpoint: Some(ck_dir),
    })
}

fn bad(msg: String) -> anyhow::Error {
    usage(msg)
}

fn merge(
    m: &Merging,
    key: serde_json::Value,
    out: &OutputDir,
    fold: &mut dyn Fold,
    rows: Option<RowsFile<'_>>,
) -> anyhow::Result<Executed> {
    if m.study != key {
        return Err(bad(format!(
            "the shards in {} were written by another version of the study (its plan no \
             longer matches): run the shards again",
            m.dirs[0].display()
        )));
    }
    let mut runs_file = match &rows {
        Some(rf) => Some(std::io::BufWriter::new(out.create_file(rf.name)?)),
        None => None,
    };
    for (i, dir) in m.dirs.iter().enumerate() {
        let path = dir.join(PARTIAL);
        let bytes = limits::read(&path, limits::SHARD_BYTES)
            .map_err(|e| bad(format!("cannot read {}: {}", path.display(), io_text(&e))))?;
        let mut r = Reader::new(&bytes);
        let folded = if i == 0 {
            fold.restore(&mut r)
        } else {
            fold.merge(&mut r)
        };
        folded
            .and_then(|()| r.end())
            .map_err(|e| bad(format!("{}: {e}", path.display())))?;
        if let (Some(w), Some(rf)) = (runs_file.as_mut(), &rows) {
            let p = dir.join(rf.name);
            let text = limits::read(&p, limits::SHARD_BYTES).map_err(|e| {
                bad(format!(
                    "{}: cannot read this shard's runs: {}",
                    p.display(),
                    io_text(&e)
                ))
            })?;
            let body = if i == 0 {
                &text[..]
            } else {
                let cut = text
                    .iter()
                    .position(|b| *b == b'\n')
                    .map_or(text.len(), |p| p + 1);
                &text[cut..]
            };
            w.write_all(body)?;
        }
    }
    if let Some(mut w) = runs_file {
        w.flush()?;
    }
    Ok(Executed {
        seconds: m.seconds,
        runs: key["runs"].as_u64().unwrap_or(0) as usize,
        shard: None,
        execution: serde_json::json!({
            "merged_from": m.dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>(),
        }),
        command_line: super::command_line(),
        study: key,
        checkpoint: None,
    })
}

/// Writes a shard's partial result (its accumulator state and description), its manifest
/// and resolved scenario, and commits the folder.
pub fn finish_shard(
    out: OutputDir,
    s: &Scenario,
    command: &str,
    seed: u64,
    ran: &Executed,
    fold: &dyn Fold,
    quiet: bool,
) -> anyhow::Result<()> {
    let Some((k, n)) = ran.shard else {
        return Ok(());
    };
    let mut state = Bytes::default();
    fold.save(&mut state);
    out.write(PARTIAL, &state.0)?;
    let argv: Vec<String> = std::env::args().collect();
    let meta = serde_json::json!({
        "kind": "study",
        "command": command,
        "argv": argv,
        "scenario": s.name,
        "scenario_path": s.path.display().to_string(),
        "scenario_sha256": sha256_hex(s.resolved_toml.as_bytes()),
        "master_seed": seed,
        "shard": k,
        "shards": n,
        "runs": ran.runs,
        "simulate_seconds": ran.seconds,
        "study": ran.study,
    });
    out.write(PARTIAL_META, &serde_json::to_vec_pretty(&meta)?)?;
    write_manifest(
        &out,
        s,
        command,
        &Ran {
            seed,
            runs: ran.runs,
            threads: 0,
            seconds: ran.seconds,
            executed: Some(ran),
        },
        serde_json::json!({ "partial": "one shard: combine the shards with `simulate merge`" }),
    )?;
    let target = out.target().display().to_string();
    out.commit()?;
    ran.clear_checkpoint()?;
    if !quiet {
        eprintln!(
            "{}: shard {k}/{n}, {} runs in {:.2} s -> {target} (combine the shards with `simulate merge`)",
            s.name, ran.runs, ran.seconds
        );
    }
    Ok(())
}

/// Reads the shard folders of a study for `simulate merge`: the stored command line of the
/// first shard (to rebuild the study), its resolved scenario, and checks that the folders are
/// the shards 1..N of one study, each once.
pub fn read_shards(dirs: &[PathBuf]) -> anyhow::Result<(Vec<String>, Merging)> {
    let mut parts: Vec<(usize, usize, serde_json::Value, PathBuf)> = Vec::new();
    for d in dirs {
        let p = d.join(PARTIAL_META);
        let text = limits::read_text(&p, limits::META_BYTES).map_err(|e| {
            bad(format!(
                "'{}' is not a shard's results folder: cannot read {PARTIAL_META}: {}",
                d.display(),
                io_text(&e)
            ))
        })?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| bad(format!("{}: not valid JSON: {e}", p.display())))?;
        let num = |k: &str| {
            v.get(k)
                .and_then(serde_json::Value::as_u64)
                .map(|x| x as usize)
                .ok_or_else(|| bad(format!("{}: missing '{k}'", p.display())))
        };
        parts.push((num("shard")?, num("shards")?, v.clone(), d.clone()));
    }
    parts.sort_by_key(|p| p.0);
    let first = &parts[0];
    for p in &parts {
        if p.2.get("study") != first.2.get("study") || p.2.get("command") != first.2.get("command")
        {
            return Err(bad(format!(
                "'{}' and '{}' are shards of different studies (command, scenario, options or \
                 seed differ)",
                p.3.display(),
                first.3.display()
            )));
        }
        if p.1 != first.1 {
            return Err(bad(format!(
                "'{}' is a shard of {} parts, '{}' of {}",
                p.3.display(),
                p.1,
                first.3.display(),
                first.1
            )));
        }
    }
    let have: Vec<usize> = parts.iter().map(|p| p.0).collect();
    let want: Vec<usize> = (1..=first.1).collect();
    if have != want {
        let missing: Vec<String> = want
            .iter()
            .filter(|k| !have.contains(k))
            .map(|k| format!("{k}/{}", first.1))
            .collect();
        return Err(bad(format!(
            "shards must each appear once: have {have:?}{}",
            if missing.is_empty() {
                String::new()
            } else {
                format!(", missing {}", missing.join(", "))
            }
        )));
    }
    let argv: Vec<String> = first
        .2
        .get("argv")
        .and_then(|a| serde_json::from_value(a.clone()).ok())
        .ok_or_else(|| {
            bad(format!(
                "{}: missing 'argv'",
                first.3.join(PARTIAL_META).display()
            ))
        })?;
    let seconds = parts
        .iter()
        .filter_map(|p| {
            p.2.get("simulate_seconds")
                .and_then(serde_json::Value::as_f64)
        })
        .sum();
    Ok((
        argv,
        Merging {
            dirs: parts.iter().map(|p| p.3.clone()).collect(),
            scenario_path: PathBuf::from(first.2["scenario_path"].as_str().unwrap_or_default()),
            study: first.2["study"].clone(),
            seconds,
        },
    ))
}

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

/// Opens the results folder: `--out`, else `output/<scenario>/<name>` (a shard's in
/// `shard-K-of-N` below it).
pub fn open_out(
    s: &Scenario,
    e: &EnsembleArgs,
    name: &str,
    shard: Option<(usize, usize)>,
) -> anyhow::Result<OutputDir> {
    let path: PathBuf = e.out.clone().unwrap_or_else(|| {
        let base = Path::new("output").join(&s.name).join(name);
        match shard {
            Some((k, n)) => base.join(format!("shard-{k}-of-{n}")),
            None => base,
        }
    });
    super::open_out(&path, e.force)
}

/// Title and subtitle of a study's figures.
pub fn meta(s: &Scenario, what: &str) -> Meta {
    Meta {
        title: s.name.clone(),
        subtitle: format!("{what} · simulate {}", env!("CARGO_PKG_VERSION")),
    }
}

/// How a study ran, for its manifest.
pub struct Ran<'a> {
    /// Master seed.
    pub seed: u64,
    /// Runs executed.
    pub runs: usize,
    /// Worker threads.
    pub threads: usize,
    /// Seconds spent simulating.
    pub seconds: f64,
    /// How it was executed (resumed, sharded, merged) and its first command line.
    pub executed: Option<&'a Executed>,
}

/// Writes `manifest.json` and `scenario.resolved.toml`.
pub fn write_manifest(
    out: &OutputDir,
    s: &Scenario,
    command: &str,
    ran: &Ran<'_>,
    study: serde_json::Value,
) -> anyhow::Result<()> {
    let Ran {
        seed,
        runs,
        threads,
        seconds: simulate_seconds,
        executed,
    } = *ran;
    out.write("scenario.resolved.toml", s.resolved_toml.as_bytes())?;
    if let Some((name, text)) = s.reference_file() {
        out.write(&name, text.as_bytes())?;
    }
    let command_line = executed.map_or_else(super::command_line, |x| x.command_line.clone());
    let manifest = serde_json::json!({
        "tool": "simulate",
        "version": env!("CARGO_PKG_VERSION"),
        "command": command,
        "command_line": command_line,
        "scenario": s.name,
        "scenario_path": s.path.display().to_string(),
        "scenario_sha256": crate::export::sha256_hex(s.resolved_toml.as_bytes()),
        "master_seed": seed,
        "runs": runs,
        "threads": threads,
        "simulate_seconds": simulate_seconds,
        "seed_rule": "replicate r of every point has run seed SplitMix-derived from (master seed, 0, r): common random numbers across points; streams per component (ChaCha8)",
        "study": study,
        "execution": executed.map(|x| x.execution.clone()),
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
