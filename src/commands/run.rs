//! `simulate run`: one scenario's ensemble (or one shard of it) into a results folder, and
//! `--watch`, which runs again after every save.
//!
//! A study checkpoints its accumulators every few seconds (`checkpoint.rs`); `--resume`
//! continues from the checkpoint. Ctrl-C, SIGTERM and SIGHUP stop it at the next chunk of
//! runs with a fresh checkpoint, no staging folder left, and a message saying how to resume.

use super::common::{
    Progress, STOP, command_line, default_out_for, formats, install_stop_handler, load, open_out,
    parse_shard, plan_for, threads, usage, warn_failures, write_results_against,
};
use crate::checkpoint::{self, Saved};
use crate::cli::RunArgs;
use crate::experiment::{self, Exec, Plan, RunOutput, measures};
use crate::export::{self, OutputDir, tables};
use crate::plot::{self, Format, Meta};
use crate::scenario::Scenario;
use crate::usage::Interrupted;
use anyhow::Context;
use std::io::Seek;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Runs between checks for a stop request and for a checkpoint.
const CHUNK: usize = 256;

/// Modification times of the TOML files in a folder (the scenario and the files it extends
/// usually live together).
fn toml_stamps(dir: &Path) -> Vec<(PathBuf, std::time::SystemTime)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
        .filter_map(|e| Some((e.path(), e.metadata().ok()?.modified().ok()?)))
        .collect();
    v.sort();
    v
}

/// `simulate run --watch`: run, then run again after every save of a scenario file in the
/// scenario's folder. Errors are printed and the watch goes on. Polls twice a second, which
/// also catches editors that save by renaming a new file over the old one.
fn watch(args: &RunArgs) -> anyhow::Result<()> {
    let dir = args
        .scenario
        .scenario
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let mut seen = toml_stamps(&dir);
    loop {
        if let Err(e) = run_once(args) {
            if STOP.load(Ordering::SeqCst) {
                return Err(e);
            }
            // A scenario error renders its own `error: ` and place.
            if e.downcast_ref::<crate::scenario::ScenarioError>().is_some() {
                eprintln!("{e}");
            } else {
                eprintln!("error: {e:#}");
            }
        }
        eprintln!(
            "watching {} for changes (Ctrl-C to stop)",
            dir.join("*.toml").display()
        );
        loop {
            std::thread::sleep(std::time::Duration::from_millis(500));
            if STOP.load(Ordering::SeqCst) {
                return Ok(());
            }
            let now = toml_stamps(&dir);
            if now != seen {
                seen = now;
                break;
            }
        }
    }
}

/// `simulate run`.
pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    install_stop_handler();
    if args.watch {
        return watch(args);
    }
    run_once(args)
}

/// The file in a results folder that keeps the history starts its scenario used, so that the
/// next run into the folder need not run the history again (src/scenario/start.rs).
const HISTORY_STARTS: &str = "history_start.json";

/// The folder the run will most likely write to, known before the scenario is loaded:
/// `--out`, or `output/<name>` with the `name` the file gives (the variant's folder with
/// `--set`). A wrong guess costs only the saved start.
fn likely_out(args: &RunArgs) -> Option<PathBuf> {
    if let Some(out) = &args.ensemble.out {
        return Some(out.clone());
    }
    if args.shard.is_some() {
        return None;
    }
    let text = crate::limits::read_text(&args.scenario.scenario, crate::limits::META_BYTES).ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    let name = table.get("name")?.as_str()?.to_string();
    if args.scenario.set.is_empty() {
        return Some(super::common::default_out(&name));
    }
    let hash = export::sha256_hex(args.scenario.set.join("\n").as_bytes());
    Some(super::common::default_out(&format!(
        "{name}-set-{}",
        &hash[..8]
    )))
}

/// Hands the history starts an earlier result in `dir` saved to the scenario loader: only
/// from a folder `simulate` wrote that lists the file among its own. Anything unreadable is
/// ignored (the history then runs again).
fn preload_saved_starts(dir: &Path) {
    let listed = crate::limits::read_text(&dir.join(export::FILE_LIST), crate::limits::META_BYTES)
        .is_ok_and(|t| t.lines().any(|l| l == HISTORY_STARTS));
    if !listed {
        return;
    }
    let Ok(text) = crate::limits::read_text(&dir.join(HISTORY_STARTS), crate::limits::META_BYTES)
    else {
        return;
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
        return;
    };
    let bits = |x: &serde_json::Value| u64::from_str_radix(x.as_str()?, 16).ok();
    let entries = v
        .get("starts")
        .and_then(|s| s.as_array())
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let key = e.get("key")?.as_str()?.to_string();
            let moments = e
                .get("moments")?
                .as_array()?
                .iter()
                .map(|m| Some((bits(m.get(0)?)?, bits(m.get(1)?)?)))
                .collect::<Option<Vec<_>>>()?;
            Some((key, moments))
        })
        .collect();
    crate::scenario::preload_history_starts(entries);
}

/// Saves the history starts the loaded scenarios used into the results (nothing when they
/// start from none).
fn save_starts(out: &OutputDir) -> anyhow::Result<()> {
    let starts = crate::scenario::history_starts();
    if starts.is_empty() {
        return Ok(());
    }
    let list: Vec<serde_json::Value> = starts
        .iter()
        .map(|(key, moments)| {
            serde_json::json!({
                "key": key,
                "moments": moments
                    .iter()
                    .map(|(m, sd)| [format!("{m:016x}"), format!("{sd:016x}")])
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = serde_json::json!({
        "about": "history starts (mean and spread of each starting value, as the bits of \
                  f64) this result's scenario used, keyed by a SHA-256 digest of the build's \
                  source, the history's resolved text, its runs and the start year: a later run \
                  into this folder reuses a start whose key matches instead of running the \
                  history again",
        "starts": list,
    });
    out.write(
        HISTORY_STARTS,
        serde_json::to_string_pretty(&doc)?.as_bytes(),
    )?;
    Ok(())
}

fn run_once(args: &RunArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    if let Some(dir) = likely_out(args) {
        preload_saved_starts(&dir);
    }
    let s = load(&args.scenario.scenario, &args.scenario.set)?;
    if args.bands.is_some() && experiment::bands::discrepancy_columns(&s).is_empty() {
        return Err(usage(format!(
            "--bands decomposed: {} draws no parameter from a posterior with a model-error \
             column (discrepancy.<measure>); write one with `simulate calibrate <scenario> \
             --posterior` and run its posterior.toml",
            s.path.display()
        )));
    }
    // Loaded before anything runs, so that a bad file is refused at once.
    let against = match &args.against {
        Some(path) => Some(load(path, &args.scenario.set)?),
        None => None,
    };
    let e_args = &args.ensemble;
    let threads = threads(e_args)?;
    let mut full = plan_for(&s, e_args)?;
    let full_runs = full.runs.len();
    let lhs = args.design == crate::cli::DesignArg::Lhs;
    if lhs {
        let design = experiment::DrawDesign::latin_hypercube(&s, full_runs, full.master_seed)
            .map_err(|e| usage(format!("--design lhs: {e}")))?
            .ok_or_else(|| {
                usage(format!(
                    "--design lhs: {} has no uncertain numbers to place (give numbers a \
                     distribution, or widen_by_confidence = true)",
                    s.path.display()
                ))
            })?;
        full.design = Some(std::sync::Arc::new(design));
    }
    let (plan, shard) = match &args.shard {
        Some(text) => {
            let (k, n) = parse_shard(text)?;
            (
                full.shard(k, n).map_err(|e| usage(e.to_string()))?,
                Some((k, n)),
            )
        }
        None => (full, None),
    };
    let out_path = e_args.out.clone().unwrap_or_else(|| {
        let base = default_out_for(&s, e_args.quiet);
        match shard {
            Some((k, n)) => base.join(format!("shard-{k}-of-{n}")),
            None => base,
        }
    });
    if !(args.checkpoint_every >= 0.0 && args.checkpoint_every.is_finite()) {
        return Err(usage(format!(
            "--checkpoint-every {}: allowed a number of seconds, at least 0",
            args.checkpoint_every
        )));
    }
    if let Some(dir) = &args.sensitivity {
        // Checked before anything runs; read again for the report.
        super::common::sobol_lookup::find(
            Some(dir),
            &out_path,
            &export::sha256_hex(s.resolved_toml.as_bytes()),
        )?;
    }
    let fault = test_fault()?;
    let ck_dir = checkpoint::dir_for(&out_path);
    let study = serde_json::json!({
        "scenario_sha256": export::sha256_hex(s.resolved_toml.as_bytes()),
        "master_seed": plan.master_seed,
        "runs_total": full_runs,
        "shard": shard.map(|(k, n)| format!("{k}/{n}")),
        "keep_runs": args.keep_runs,
        "design": lhs.then_some("lhs"),
        "test_nonfinite": fault.as_ref().map(|f| f.replicates.clone()),
    });
    let resumed = if args.resume {
        match checkpoint::load(&ck_dir)? {
            Some(saved) if saved.study == study => Some(saved),
            Some(_) => {
                return Err(usage(format!(
                    "the checkpoint {} is of a different study (scenario, seed, runs, shard or \
                     --keep-runs differ): run without --resume to start over",
                    ck_dir.display()
                )));
            }
            None => {
                return Err(usage(format!(
                    "nothing to resume for {}: no checkpoint at {} (a study saves one every \
                     {} s while it runs)",
                    out_path.display(),
                    ck_dir.display(),
                    args.checkpoint_every
                )));
            }
        }
    } else {
        if let Ok(Some(old)) = checkpoint::load(&ck_dir) {
            eprintln!(
                "note: starting over; the checkpoint of an interrupted run ({} of {} runs) is \
                 discarded (--resume continues it)",
                old.done,
                plan.runs.len()
            );
        }
        checkpoint::remove(&ck_dir)?;
        None
    };
    let out = open_out(&out_path, e_args.force)?;
    save_starts(&out)?;
    let fmts = formats(&e_args.format);
    let keys = measures::series(&s.base);
    let years: Vec<i32> = (s.base.start..=s.base.end).collect();
    let cmd = resumed
        .as_ref()
        .map_or_else(command_line, |r| r.command_line.clone());
    let mut acc = experiment::Accumulator::new(&s.base, full_runs);
    let mut done = 0;
    if let Some(saved) = &resumed {
        acc.read_bytes(&saved.state).map_err(|e| {
            usage(format!(
                "the checkpoint {} cannot be used: {e}; run without --resume to start over",
                ck_dir.display()
            ))
        })?;
        done = saved.done;
    }
    // Per-run rows stream into the checkpoint folder, so that they survive a kill.
    let mut runs_writer = if args.keep_runs {
        std::fs::create_dir_all(&ck_dir)?;
        let path = ck_dir.join(checkpoint::RUNS);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(resumed.is_none())
            .open(&path)?;
        let keep = resumed.as_ref().map_or(0, |r| r.runs_csv_len);
        file.set_len(keep)?;
        file.seek(std::io::SeekFrom::End(0))?;
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
        if resumed.is_none() {
            w.write_record(tables::runs_header(&keys))?;
        }
        Some(w)
    } else {
        None
    };
    let sim = Instant::now();
    let every = Duration::from_secs_f64(args.checkpoint_every);
    let mut last_checkpoint = Instant::now();
    {
        let progress = Progress::new(plan.runs.len(), e_args.quiet, &s.name);
        progress.set_done(done);
        let tick = |_: usize| progress.tick(0);
        let exec = Exec {
            threads,
            progress: &tick,
        };
        while done < plan.runs.len() {
            let to = (done + CHUNK).min(plan.runs.len());
            let chunk = Plan {
                master_seed: plan.master_seed,
                runs: plan.runs[done..to].to_vec(),
                design: plan.design.clone(),
            };
            let mut sink = |o: &RunOutput| -> anyhow::Result<()> {
                if let Some(w) = runs_writer.as_mut() {
                    tables::write_run_rows(w, o, &years, keys.len())?;
                }
                Ok(())
            };
            experiment::execute_with_fault(&s, &chunk, &exec, &mut acc, &mut sink, fault.as_ref())?;
            done = to;
            let stop = STOP.load(Ordering::SeqCst);
            if done < plan.runs.len() && (stop || last_checkpoint.elapsed() >= every) {
                let runs_csv_len = match runs_writer.as_mut() {
                    Some(w) => {
                        w.flush()?;
                        w.get_ref().get_ref().sync_data()?;
                        w.get_ref().get_ref().metadata()?.len()
                    }
                    None => 0,
                };
                checkpoint::save(
                    &ck_dir,
                    &Saved {
                        study: study.clone(),
                        done,
                        runs_csv_len,
                        command_line: cmd.clone(),
                        state: acc.to_bytes(),
                    },
                )?;
                last_checkpoint = Instant::now();
            }
            if stop && done < plan.runs.len() {
                progress.finish();
                drop(out); // removes the staging folder
                let mut again = command_line();
                if !again.split(' ').any(|a| a == "--resume") {
                    again.push_str(" --resume");
                }
                return Err(Interrupted(format!(
                    "interrupted after {done} of {} runs; the checkpoint is in {}; continue with:\n  {again}",
                    plan.runs.len(),
                    ck_dir.display()
                ))
                .into());
            }
        }
        progress.finish();
    }
    let sim_seconds = sim.elapsed().as_secs_f64();
    if let Some(mut w) = runs_writer.take() {
        w.flush()?;
        drop(w);
        std::fs::rename(ck_dir.join(checkpoint::RUNS), out.path().join("runs.csv"))
            .context("moving runs.csv into the results")?;
    }
    if let Some(kn) = shard {
        crate::shard::write_partial(&out, &s, &acc, &plan, full_runs, kn)?;
    }
    let ensemble = acc.finish_on(threads);
    let extra = serde_json::json!({
        "simulate_seconds": sim_seconds,
        "shard": shard.map(|(k, n)| format!("{k}/{n}")),
        "resumed_at_run": resumed.as_ref().map(|r| r.done),
        "design": if lhs { "latin hypercube over the uncertain numbers" } else { "independent draws" },
    });
    let against = match &against {
        Some(a) => {
            let ae = super::common::execute(a, &plan, threads, e_args.quiet, &mut |_| Ok(()))?;
            Some((a, ae))
        }
        None => None,
    };
    let wall = started.elapsed().as_secs_f64();
    let written = write_results_against(
        &out,
        &s,
        &ensemble,
        &plan,
        threads,
        &fmts,
        wall,
        extra,
        &cmd,
        args.sensitivity.as_deref(),
        against.as_ref().map(|(a, ae)| (*a, ae)),
    )?;
    let dominant = match args.bands {
        Some(crate::cli::BandsArg::Decomposed) => {
            write_bands(&out, &s, &plan, threads, &fmts, e_args.quiet)?
        }
        None => Vec::new(),
    };
    out.commit()?;
    checkpoint::remove(&ck_dir)?;
    for line in dominant {
        println!("{line}");
    }
    if !e_args.quiet {
        let total = started.elapsed().as_secs_f64();
        eprintln!(
            "{}: {} runs in {:.2} s ({:.0} runs/s; plots {:.2} s) -> {}",
            s.name,
            ensemble.runs,
            total,
            ensemble.runs as f64 / sim_seconds.max(1e-9),
            written.plot_seconds,
            out_path.display()
        );
    }
    warn_failures(&ensemble);
    if let Some(line) = super::common::breach_warning(&ensemble, &s.base) {
        eprintln!("{line}");
    }
    Ok(())
}

/// `--bands decomposed`: nested bands by source, `bands.csv`, and one line per series saying
/// which source dominates (returned, printed after the commit).
fn write_bands(
    out: &OutputDir,
    s: &Scenario,
    plan: &Plan,
    threads: usize,
    fmts: &[Format],
    quiet: bool,
) -> anyhow::Result<Vec<String>> {
    use crate::experiment::bands::{self, SOURCES};
    let Some(d) = bands::decompose(s, plan, threads)? else {
        return Err(usage(format!(
            "--bands decomposed: {} draws no parameter from a posterior with a model-error \
             column (discrepancy.<measure>); write one with `simulate calibrate <scenario> \
             --posterior` and run its posterior.toml",
            s.path.display()
        )));
    };
    let mut rows = vec![vec![
        "year".to_string(),
        "measure".into(),
        "power".into(),
        "domain".into(),
        "run_noise_sd".into(),
        "parameter_sd".into(),
        "discrepancy_sd".into(),
        "dominant".into(),
    ]];
    let mut lines = Vec::new();
    if !quiet {
        lines.push(format!(
            "{:<28} {:>10} {:>10} {:>12}  dominant (variance over the years)",
            "series", "run sd", "param sd", "discrep. sd"
        ));
    }
    let mut panels = Vec::new();
    for b in &d.series {
        for (y, sd) in d.years.iter().zip(&b.sd) {
            let top = (0..3).max_by(|i, j| sd[*i].total_cmp(&sd[*j])).unwrap_or(0);
            rows.push(vec![
                y.to_string(),
                b.key.measure.clone(),
                b.key.power.clone(),
                b.key.domain.clone(),
                format!("{:.6}", sd[0]),
                format!("{:.6}", sd[1]),
                format!("{:.6}", sd[2]),
                SOURCES[top].to_string(),
            ]);
        }
        let n = b.sd.len().max(1) as f64;
        let rms = |k: usize| (b.sd.iter().map(|s| s[k] * s[k]).sum::<f64>() / n).sqrt();
        let name = [&b.key.measure, &b.key.power, &b.key.domain]
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        if !quiet {
            lines.push(format!(
                "{name:<28} {:>10.4} {:>10.4} {:>12.4}  {}",
                rms(0),
                rms(1),
                rms(2),
                SOURCES[b.dominant()]
            ));
        }
        panels.push(plot::BandPanel {
            title: format!(
                "{name}: {}",
                ["run noise", "parameters", "discrepancy"][b.dominant()]
            ),
            run: &b.run,
            parameter: &b.parameter,
            total: &b.total,
        });
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &rows {
        w.write_record(r)?;
    }
    out.write("bands.csv", &w.into_inner()?)?;
    let meta = Meta {
        title: s.name.clone(),
        subtitle: format!(
            "{} runs · seed {} · simulate {}",
            plan.runs.len(),
            plan.master_seed,
            env!("CARGO_PKG_VERSION")
        ),
    };
    plot::decomposed(out.path(), fmts, "bands", &d.years, &panels, &meta)?;
    Ok(lines)
}

/// The test hook of the failure policy: `SIMULATE_TEST_NONFINITE=R1,R2` puts a NaN into the
/// records of those replicates (README, "Reliability").
fn test_fault() -> anyhow::Result<Option<experiment::failure::Fault>> {
    match std::env::var("SIMULATE_TEST_NONFINITE") {
        Ok(text) => Ok(Some(
            experiment::failure::Fault::parse(&text).map_err(usage)?,
        )),
        Err(_) => Ok(None),
    }
}
