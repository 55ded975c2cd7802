//! Sharded studies: `simulate run --shard K/N` writes the state of its slice of the plan as a
//! partial result; `simulate merge` combines the N partials into exactly the files a single
//! run of the whole plan writes (fixed-point sums and exact quantiles make the merge
//! independent of how the plan was cut).
//!
//! This file owns the partial format (writing and reading it); the `merge` command in
//! `commands/merge.rs` only opens the output folder and writes the combined result.

use crate::experiment::{Accumulator, Ensemble, Plan};
use crate::export::{OutputDir, sha256_hex};
use crate::limits;
use crate::scenario::{self, Scenario, io_text};
use crate::usage::UsageError;
use std::path::{Path, PathBuf};

/// Name of the partial state file in a shard's folder.
pub const PARTIAL: &str = "partial.bin";
/// Name of the partial's description.
pub const PARTIAL_META: &str = "partial.json";

/// Writes a shard's partial result next to its ordinary outputs.
pub fn write_partial(
    out: &OutputDir,
    s: &Scenario,
    acc: &Accumulator,
    plan: &Plan,
    full_runs: usize,
    (k, n): (usize, usize),
) -> anyhow::Result<()> {
    out.write(PARTIAL, &acc.to_bytes())?;
    let meta = serde_json::json!({
        "scenario": s.name,
        "scenario_sha256": sha256_hex(s.resolved_toml.as_bytes()),
        "master_seed": plan.master_seed,
        "shard": k,
        "shards": n,
        "runs_total": full_runs,
        "runs": plan.runs.len(),
        "first_replicate": plan.runs.first().map(|r| r.replicate),
        "last_replicate": plan.runs.last().map(|r| r.replicate),
    });
    out.write(PARTIAL_META, &serde_json::to_vec_pretty(&meta)?)?;
    Ok(())
}

struct Part {
    dir: PathBuf,
    shard: usize,
    shards: usize,
    sha: String,
    seed: u64,
    total: usize,
}

fn bad(msg: String) -> anyhow::Error {
    UsageError(msg).into()
}

fn read_part(dir: &Path) -> anyhow::Result<Part> {
    let meta_path = dir.join(PARTIAL_META);
    let text = limits::read_text(&meta_path, limits::META_BYTES).map_err(|e| {
        bad(format!(
            "'{}' is not a shard's results folder: cannot read {PARTIAL_META}: {} (write shards with `simulate run --shard K/N`)",
            dir.display(),
            io_text(&e)
        ))
    })?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| bad(format!("{}: not valid JSON: {e}", meta_path.display())))?;
    let field = |k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| bad(format!("{}: missing '{k}'", meta_path.display())))
    };
    Ok(Part {
        dir: dir.to_path_buf(),
        shard: field("shard")? as usize,
        shards: field("shards")? as usize,
        seed: field("master_seed")?,
        total: field("runs_total")? as usize,
        sha: v
            .get("scenario_sha256")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string(),
    })
}

/// The shards of one study, combined.
pub struct Combined {
    /// The scenario, as resolved when the shards ran.
    pub scenario: Scenario,
    /// The whole study's ensemble.
    pub ensemble: Ensemble,
    /// The plan of the whole study.
    pub plan: Plan,
    /// `runs.csv` of the whole study, when every shard kept its runs.
    pub runs_csv: Option<Vec<u8>>,
}

/// Reads and checks the shard folders `dirs` and combines them into the whole study.
pub fn combine(dirs: &[PathBuf]) -> anyhow::Result<Combined> {
    let mut parts: Vec<Part> = dirs
        .iter()
        .map(|d| read_part(d))
        .collect::<anyhow::Result<_>>()?;
    parts.sort_by_key(|p| p.shard);
    let first = &parts[0];
    for p in &parts {
        if p.sha != first.sha || p.seed != first.seed || p.total != first.total {
            return Err(bad(format!(
                "'{}' and '{}' are shards of different studies (scenario, seed or run count differ)",
                p.dir.display(),
                first.dir.display()
            )));
        }
        if p.shards != first.shards {
            return Err(bad(format!(
                "'{}' is a shard of {} parts, '{}' of {}",
                p.dir.display(),
                p.shards,
                first.dir.display(),
                first.shards
            )));
        }
    }
    let have: Vec<usize> = parts.iter().map(|p| p.shard).collect();
    let want: Vec<usize> = (1..=first.shards).collect();
    if have != want {
        let missing: Vec<String> = want
            .iter()
            .filter(|k| !have.contains(k))
            .map(|k| format!("{k}/{}", first.shards))
            .collect();
        return Err(bad(format!(
            "shards must each appear once: have {:?}{}",
            have,
            if missing.is_empty() {
                String::new()
            } else {
                format!(", missing {}", missing.join(", "))
            }
        )));
    }
    let resolved = first.dir.join("scenario.resolved.toml");
    let text = limits::read_text(&resolved, limits::SCENARIO_BYTES).map_err(|e| {
        bad(format!(
            "cannot read {}: {}",
            resolved.display(),
            io_text(&e)
        ))
    })?;
    let s = scenario::load_str(&text, &resolved.display().to_string(), &first.dir, &[])?;
    let mut acc = Accumulator::new(&s.base, first.total);
    for p in &parts {
        let path = p.dir.join(PARTIAL);
        let bytes = limits::read(&path, limits::SHARD_BYTES)
            .map_err(|e| bad(format!("cannot read {}: {}", path.display(), io_text(&e))))?;
        let mut part = Accumulator::new(&s.base, first.total);
        part.read_bytes(&bytes)
            .map_err(|e| bad(format!("{}: {e}", p.dir.join(PARTIAL).display())))?;
        acc.merge(&part)
            .map_err(|e| bad(format!("{}: {e}", p.dir.display())))?;
    }
    let ensemble = acc.finish();
    if ensemble.runs + ensemble.failures.len() != first.total {
        return Err(bad(format!(
            "merged {} runs, the plan has {}",
            ensemble.runs, first.total
        )));
    }
    let plan = Plan::ensemble(first.seed, first.total, 0).map_err(|e| bad(e.to_string()))?;
    Ok(Combined {
        scenario: s,
        ensemble,
        plan,
        runs_csv: runs_csv(&parts)?,
    })
}

/// Per-run rows: concatenated in shard order when every shard kept them.
fn runs_csv(parts: &[Part]) -> anyhow::Result<Option<Vec<u8>>> {
    let runs: Vec<PathBuf> = parts.iter().map(|p| p.dir.join("runs.csv")).collect();
    if !runs.iter().all(|r| r.exists()) {
        return Ok(None);
    }
    let mut all = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        let text = limits::read(r, limits::SHARD_BYTES).map_err(|e| {
            bad(format!(
                "{}: cannot read this shard's runs: {}",
                r.display(),
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
        all.extend_from_slice(body);
    }
    Ok(Some(all))
}
