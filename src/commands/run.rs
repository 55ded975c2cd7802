//! `simulate run`: one scenario's ensemble (or one shard of it) into a results folder, and
//! `--watch`, which runs again after every save.

use super::common::{
    Progress, default_out, formats, load, open_out, plan_for, threads, usage, warn_failures,
    write_results,
};
use crate::cli::RunArgs;
use crate::experiment::{self, Exec, RunOutput, measures};
use crate::export::tables;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Parses `K/N`.
fn parse_shard(s: &str) -> anyhow::Result<(usize, usize)> {
    let bad = || {
        usage(format!(
            "--shard '{s}': expected K/N with 1 <= K <= N, e.g. 2/8"
        ))
    };
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let k: usize = k.trim().parse().map_err(|_| bad())?;
    let n: usize = n.trim().parse().map_err(|_| bad())?;
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

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
            eprintln!("error: {e:#}");
        }
        eprintln!(
            "watching {} for changes (Ctrl-C to stop)",
            dir.join("*.toml").display()
        );
        loop {
            std::thread::sleep(std::time::Duration::from_millis(500));
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
    if args.watch {
        return watch(args);
    }
    run_once(args)
}

fn run_once(args: &RunArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let s = load(&args.scenario.scenario, &args.scenario.set)?;
    let e_args = &args.ensemble;
    let threads = threads(e_args)?;
    let full = plan_for(&s, e_args)?;
    let full_runs = full.runs.len();
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
        let base = default_out(&s.name);
        match shard {
            Some((k, n)) => base.join(format!("shard-{k}-of-{n}")),
            None => base,
        }
    });
    let out = open_out(&out_path, e_args.force)?;
    let fmts = formats(&e_args.format);
    let keys = measures::series(&s.base);
    let years: Vec<i32> = (s.base.start..=s.base.end).collect();
    let mut runs_writer = if args.keep_runs {
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(out.create_file("runs.csv")?));
        w.write_record(tables::runs_header(&keys))?;
        Some(w)
    } else {
        None
    };
    let mut sink = |o: &RunOutput| -> anyhow::Result<()> {
        if let Some(w) = runs_writer.as_mut() {
            tables::write_run_rows(w, o, &years, keys.len())?;
        }
        Ok(())
    };
    let fault = test_fault()?;
    let sim = Instant::now();
    let mut acc = experiment::Accumulator::new(&s.base, full_runs);
    {
        let progress = Progress::new(plan.runs.len(), e_args.quiet, &s.name);
        let tick = |k: usize| progress.tick(k);
        experiment::execute_with_fault(
            &s,
            &plan,
            &Exec {
                threads,
                progress: &tick,
            },
            &mut acc,
            &mut sink,
            fault.as_ref(),
        )?;
        progress.finish();
    }
    let sim_seconds = sim.elapsed().as_secs_f64();
    if let Some(mut w) = runs_writer.take() {
        w.flush()?;
    }
    if let Some(kn) = shard {
        crate::shard::write_partial(&out, &s, &acc, &plan, full_runs, kn)?;
    }
    let ensemble = acc.finish();
    let extra = serde_json::json!({
        "simulate_seconds": sim_seconds,
        "shard": shard.map(|(k, n)| format!("{k}/{n}")),
    });
    let wall = started.elapsed().as_secs_f64();
    let written = write_results(&out, &s, &ensemble, &plan, threads, &fmts, wall, extra)?;
    out.commit()?;
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
    Ok(())
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
