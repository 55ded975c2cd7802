//! `[start] history`: a forward scenario starts from the state its historical scenario reaches
//! (docs/model.md §7, "Starting from history").
//!
//! The history's ensemble (its own seeds and uncertain numbers) runs to the end of the year
//! before the forward scenario starts; the mean and spread over its runs of closeness per power
//! and domain, and of the identity anchors per power, become normal distributions of the
//! forward scenario's starting state. Results are kept for the life of the process, keyed by
//! the history's resolved text, so loading a scenario and its reference runs the history once.

use super::{Scenario, load};
use crate::model::rng::run_seed;
use crate::model::{Domain, EndState, Target, end_state};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

/// Most runs of a history averaged for a starting state.
pub(crate) const MAX_HISTORY_RUNS: usize = 10_000;

/// A starting value taken from history: its parameter, mean and spread over the runs.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct StartValue {
    pub target: Target,
    pub mean: f64,
    pub sd: f64,
}

/// The starting state from a history, with a line saying where it came from.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct HistoryStart {
    pub values: Vec<StartValue>,
    /// For provenance: "end of 2023 in 200 runs of scenarios/historical.toml".
    pub source: String,
}

thread_local! {
    /// Histories being loaded on this thread (a history whose `[start]` leads back to itself
    /// would otherwise recurse without end).
    static LOADING: std::cell::RefCell<Vec<std::path::PathBuf>> = const { std::cell::RefCell::new(Vec::new()) };
}

type CacheKey = (String, usize, i32);

fn cache() -> &'static Mutex<HashMap<CacheKey, HistoryStart>> {
    static CACHE: OnceLock<Mutex<HashMap<CacheKey, HistoryStart>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Runs `history` up to the end of `start - 1` and returns the state reached. `ids` are the
/// forward scenario's powers, which the history must declare in the same order. Errors are
/// plain sentences; the caller places them at the `history` key.
pub(crate) fn from_history(
    path: &Path,
    ids: &[String],
    start: i32,
    runs: Option<usize>,
) -> Result<HistoryStart, String> {
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if LOADING.with(|l| l.borrow().contains(&canonical)) {
        return Err(format!(
            "history '{}' leads back to itself through [start] history",
            path.display()
        ));
    }
    LOADING.with(|l| l.borrow_mut().push(canonical));
    let loaded = load(path, &[]);
    LOADING.with(|l| l.borrow_mut().pop());
    let history = loaded.map_err(|e| format!("cannot load history '{}': {e}", path.display()))?;
    let h_ids: Vec<String> = history.base.powers.iter().map(|p| p.id.clone()).collect();
    if h_ids != ids {
        return Err(format!(
            "history '{}' declares the powers [{}] but this scenario [{}]: they must be the same, \
             in the same order",
            path.display(),
            h_ids.join(", "),
            ids.join(", ")
        ));
    }
    if start <= history.base.start || start > history.base.end + 1 {
        return Err(format!(
            "history '{}' covers {} to {}: a scenario starting in {start} cannot start from it \
             (allowed a start year from {} to {})",
            path.display(),
            history.base.start,
            history.base.end,
            history.base.start + 1,
            history.base.end + 1
        ));
    }
    let n_runs = runs.unwrap_or(history.runs).clamp(1, MAX_HISTORY_RUNS);
    let key = (history.resolved_toml.clone(), n_runs, start);
    if let Some(hit) = cache().lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(hit);
    }
    let states: Vec<EndState> = (0..n_runs as u64)
        .into_par_iter()
        .map(|r| run_to(&history, r, start - 1))
        .collect();
    let n = ids.len();
    let mut values = Vec::new();
    for p in 0..n {
        for d in Domain::ALL {
            let (mean, sd) = moments(states.iter().map(|s| s.closeness[p][d.index()]));
            values.push(StartValue {
                target: Target::InitialCloseness(p, d),
                mean,
                sd,
            });
        }
    }
    for p in 0..n {
        // The starting population's anchors sit where the history leaves its mean affinity,
        // not its anchors: media (the pro-government line above all) pull affinity away from
        // the anchors over the years, and starting from the anchors made the images jump in
        // the first forward year (China's by −0.08 in the baseline).
        let (mean, sd) = moments(states.iter().map(|s| s.affinity[p]));
        values.push(StartValue {
            target: Target::AnchorMean(p),
            mean,
            sd,
        });
    }
    let out = HistoryStart {
        values,
        source: format!(
            "end of {} in {n_runs} runs of {} (mean and spread over runs)",
            start - 1,
            path.display()
        ),
    };
    if let Ok(mut c) = cache().lock() {
        c.insert(key, out.clone());
    }
    Ok(out)
}

/// One run of the history's ensemble to the end of `last_year`, on the seeds `simulate run`
/// gives replicate `r` of case 0.
fn run_to(history: &Scenario, r: u64, last_year: i32) -> EndState {
    let seed = run_seed(history.seed, 0, r);
    let params = if !history.has_draws() {
        history.base.clone()
    } else {
        history.sample(seed)
    };
    end_state(&params, seed, last_year)
}

/// Mean and standard deviation, rounded to 4 decimals so that the starting state written in
/// resolved files reads cleanly (the rounding is far below the spread over runs).
fn moments(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let (n, sum) = values
        .clone()
        .fold((0usize, 0.0), |(n, s), v| (n + 1, s + v));
    let mean = sum / n.max(1) as f64;
    let var = values.map(|v| (v - mean).powi(2)).sum::<f64>() / (n.max(2) - 1) as f64;
    let round = |v: f64| (v * 1e4).round() / 1e4;
    (round(mean), round(var.sqrt()))
}
