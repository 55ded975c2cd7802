//! `simulate merge DIR...`: the partial results of `run --shard K/N` combined into exactly the
//! files one run of the whole plan writes (the partial format lives in `shard.rs`); and those
//! of `sweep`, `sensitivity` and `discover` shards into the files of the whole study (the
//! study is rebuilt from the first shard's command line and resolved scenario; its
//! accumulators are combined in `common/study.rs`).

use super::common::study::{self as io, Source};
use super::common::{command_line, default_out, formats, open_out, usage, write_results};
use crate::cli::{Cli, Command, EnsembleArgs, MergeArgs, ScenarioArgs, StudyControlArgs};
use clap::Parser;
use std::path::Path;
use std::time::Instant;

/// Whether a folder holds a shard of a study (rather than of `run`).
fn is_study_shard(dir: &Path) -> bool {
    crate::limits::read(
        &dir.join(crate::shard::PARTIAL_META),
        crate::limits::META_BYTES,
    )
    .ok()
    .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
    .is_some_and(|v| v.get("kind").and_then(|k| k.as_str()) == Some("study"))
}

/// Merges the shards of a `sweep`, `sensitivity` or `discover` study.
fn merge_study(args: &MergeArgs) -> anyhow::Result<()> {
    let (argv, merging) = io::read_shards(&args.dirs)?;
    let cli = Cli::try_parse_from(&argv).map_err(|e| {
        usage(format!(
            "{}: the shard's command line cannot be read by this version: {}",
            merging.dirs[0].display(),
            e.to_string().lines().next().unwrap_or_default()
        ))
    })?;
    let resolved = merging.dirs[0].join("scenario.resolved.toml");
    let fix = |sc: &mut ScenarioArgs, e: &mut EnsembleArgs, c: &mut StudyControlArgs| {
        sc.scenario = resolved.clone();
        sc.set.clear();
        e.out = args.out.clone();
        e.force = args.force;
        e.format = args.format.clone();
        e.quiet = args.quiet;
        c.shard = None;
        c.resume = false;
    };
    let source = Source::Merge(&merging);
    match cli.command {
        Command::Sweep(mut a) => {
            fix(&mut a.scenario, &mut a.ensemble, &mut a.control);
            super::sweep_from(&a, &source)
        }
        Command::Sensitivity(mut a) => {
            fix(&mut a.scenario, &mut a.ensemble, &mut a.control);
            super::sensitivity_from(&a, &source)
        }
        Command::Discover(mut a) => {
            fix(&mut a.scenario, &mut a.ensemble, &mut a.control);
            super::discover_from(&a, &source)
        }
        _ => Err(usage(format!(
            "{}: not a shard of sweep, sensitivity or discover",
            merging.dirs[0].display()
        ))),
    }
}

/// `simulate merge`.
pub fn merge(args: &MergeArgs) -> anyhow::Result<()> {
    if args.dirs.first().is_some_and(|d| is_study_shard(d)) {
        return merge_study(args);
    }
    let started = Instant::now();
    let fmts = formats(&args.format);
    let combined = crate::shard::combine(&args.dirs)?;
    let s = &combined.scenario;
    let out_path = args.out.clone().unwrap_or_else(|| default_out(&s.name));
    let out = open_out(&out_path, args.force)?;
    if let Some(runs) = &combined.runs_csv {
        out.write("runs.csv", runs)?;
    }
    let wall = started.elapsed().as_secs_f64();
    let extra = serde_json::json!({ "merged_from": args.dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>() });
    write_results(
        &out,
        s,
        &combined.ensemble,
        &combined.plan,
        1,
        &fmts,
        wall,
        extra,
        &command_line(),
        None,
    )?;
    out.commit()?;
    if !args.quiet {
        eprintln!(
            "merged {} shards ({} runs) -> {}",
            args.dirs.len(),
            combined.ensemble.runs,
            out_path.display()
        );
    }
    if let Some(line) = super::common::breach_warning(&combined.ensemble, &s.base) {
        eprintln!("{line}");
    }
    Ok(())
}
