//! Finds a Sobol sensitivity study of a scenario for the report's assumptions table: the
//! folder given with `run --sensitivity DIR`, or else one found in the output folder (the
//! results folder, its subfolders and its siblings' subfolders) whose manifest names the same
//! resolved scenario (SHA-256). Reads its total indices ST in the year it studied.

use crate::limits;
use crate::report::TotalIndices;
use crate::usage::usage;
use std::path::{Path, PathBuf};

/// Most folders looked at when searching (the search must stay quick in a large output).
const MAX_FOLDERS: usize = 5000;

/// The study in `dir`, if it is a Sobol study of the scenario `sha`; the reason otherwise.
fn read_study(dir: &Path, sha: &str) -> Result<TotalIndices, String> {
    let manifest = limits::read_text(&dir.join("manifest.json"), limits::META_BYTES)
        .map_err(|e| format!("no manifest.json ({e})"))?;
    let m: serde_json::Value =
        serde_json::from_str(&manifest).map_err(|e| format!("manifest.json: {e}"))?;
    if m.get("command").and_then(|c| c.as_str()) != Some("sensitivity")
        || m.pointer("/study/method").and_then(|c| c.as_str()) != Some("sobol")
    {
        return Err("not the result of `simulate sensitivity --method sobol`".into());
    }
    if m.get("scenario_sha256").and_then(|c| c.as_str()) != Some(sha) {
        return Err("a study of another scenario (or of other --set values)".into());
    }
    let year = m
        .pointer("/study/year")
        .and_then(serde_json::Value::as_i64)
        .ok_or("manifest.json: no study year")? as i32;
    let measure = m
        .pointer("/study/measure")
        .and_then(|c| c.as_str())
        .unwrap_or_default()
        .to_string();
    let points = m
        .pointer("/study/points")
        .and_then(serde_json::Value::as_u64);
    let runs = m
        .pointer("/study/runs_per_point")
        .and_then(serde_json::Value::as_u64);
    let csv_text = limits::read_text(&dir.join("sensitivity.csv"), limits::SHARD_BYTES)
        .map_err(|e| format!("sensitivity.csv: {e}"))?;
    let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
    let mut total = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| format!("sensitivity.csv: {e}"))?;
        let num = |i: usize| rec.get(i).and_then(|v| v.parse::<f64>().ok());
        if rec.get(0) == Some(year.to_string().as_str()) && rec.get(2) == Some("ST") {
            let (Some(v), Some(lo), Some(hi)) = (num(3), num(4), num(5)) else {
                continue;
            };
            total.push((rec.get(1).unwrap_or_default().to_string(), v, (lo, hi)));
        }
    }
    if total.is_empty() {
        return Err(format!("sensitivity.csv has no ST in {year}"));
    }
    Ok(TotalIndices {
        from: dir.display().to_string(),
        measure,
        year,
        design: match (points, runs) {
            (Some(p), Some(r)) => format!("{p} points × {r} runs"),
            _ => "design not recorded".into(),
        },
        total,
    })
}

fn subfolders(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}

/// The ST of the scenario `sha`: from `explicit` (an error if it is not such a study), or
/// the newest matching study near `target` (the run's results folder), or none.
pub fn find(
    explicit: Option<&Path>,
    target: &Path,
    sha: &str,
) -> anyhow::Result<Option<TotalIndices>> {
    if let Some(dir) = explicit {
        return read_study(dir, sha).map(Some).map_err(|why| {
            usage(format!(
                "--sensitivity {}: cannot use it for this scenario: {why}",
                dir.display()
            ))
        });
    }
    let mut candidates = Vec::new();
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    for root in [target, parent] {
        candidates.extend(subfolders(root));
        for d in subfolders(root) {
            if candidates.len() > MAX_FOLDERS {
                break;
            }
            candidates.extend(subfolders(&d));
        }
    }
    candidates.sort();
    candidates.dedup();
    let newest = candidates
        .iter()
        .take(MAX_FOLDERS)
        .filter(|d| d.join("sensitivity.csv").is_file())
        .filter_map(|d| {
            let when = std::fs::metadata(d.join("manifest.json"))
                .and_then(|m| m.modified())
                .ok()?;
            Some((when, read_study(d, sha).ok()?))
        })
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.from.cmp(&a.1.from)));
    Ok(newest.map(|(_, st)| st))
}
