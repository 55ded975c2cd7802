//! `simulate merge DIR...`: the partial results of `run --shard K/N` combined into exactly the
//! files one run of the whole plan writes. The partial format lives in `shard.rs`.

use super::common::{command_line, default_out, formats, open_out, write_results};
use crate::cli::MergeArgs;
use std::time::Instant;

/// `simulate merge`.
pub fn merge(args: &MergeArgs) -> anyhow::Result<()> {
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
    Ok(())
}
