//! `[start] history`: a forward scenario starts from the state its historical scenario reaches
//! (docs/model.md §7, "Starting from history").
//!
//! The history's ensemble (its own seeds and uncertain numbers) runs to the end of the year
//! before the forward scenario starts; the mean and spread over its runs of closeness per power
//! and domain, and of the identity anchors per power, become normal distributions of the
//! forward scenario's starting state. Results are kept for the life of the process, keyed by
//! a digest of the history's resolved text, the number of runs, the start year and the build's
//! source, so loading a scenario and its reference runs the history once. A command may also
//! hand in the starts an earlier result saved (`preload_history_starts`) and save the ones it used
//! (`history_starts`): the key is the digest of everything the start depends on, so a saved
//! start is used only where running the history again would give the same numbers, bit for bit.

use super::{Scenario, load};
use crate::model::rng::run_seed;
use crate::model::{Domain, EndState, N_DOMAINS, Target, end_state};
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

/// The mean and spread of each starting value, in the order `from_history` lists them
/// (closeness per power and domain, then the anchors per power).
type Moments = Vec<(f64, f64)>;

/// The starts known to this process by key, each with whether a scenario used it.
fn cache() -> &'static Mutex<HashMap<String, (Moments, bool)>> {
    static CACHE: OnceLock<Mutex<HashMap<String, (Moments, bool)>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Digest of the source this build was compiled from (every file under `src/`, `Cargo.toml`
/// and `Cargo.lock`; see build.rs): a history run gives the same numbers in two builds of
/// the same source.
const SOURCE_HASH: &str = env!("SIMULATE_SOURCE_HASH");

/// The key of a history start: a SHA-256 digest of everything the numbers depend on (the
/// build's source, the history's resolved text, which holds its seed and every parameter,
/// the number of runs and the start year).
fn cache_key(resolved: &str, runs: usize, start: i32) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(format!("history start 1\n{SOURCE_HASH}\n{runs}\n{start}\n").as_bytes());
    h.update(resolved.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The history starts scenarios loaded in this process used, as `(key, moments)` with the
/// numbers as the bits of each `f64`: what a result folder saves for the next run.
pub fn history_starts() -> Vec<(String, Vec<(u64, u64)>)> {
    let Ok(c) = cache().lock() else {
        return Vec::new();
    };
    let mut out: Vec<_> = c
        .iter()
        .filter(|(_, (_, used))| *used)
        .map(|(k, (m, _))| {
            (
                k.clone(),
                m.iter().map(|(a, b)| (a.to_bits(), b.to_bits())).collect(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Hands in history starts an earlier result saved. A key is a digest of everything the
/// start depends on, so an entry whose key matches is the start the history would give; an
/// entry that is not a 64-digit key with finite means and non-negative finite spreads is
/// ignored, and so is one whose length does not fit the scenario that asks for it.
pub fn preload_history_starts(entries: Vec<(String, Vec<(u64, u64)>)>) {
    let Ok(mut c) = cache().lock() else {
        return;
    };
    for (key, bits) in entries {
        let moments: Moments = bits
            .iter()
            .map(|&(a, b)| (f64::from_bits(a), f64::from_bits(b)))
            .collect();
        let valid = key.len() == 64
            && key.bytes().all(|b| b.is_ascii_hexdigit())
            && !moments.is_empty()
            && moments
                .iter()
                .all(|(m, sd)| m.is_finite() && sd.is_finite() && *sd >= 0.0);
        if valid {
            c.entry(key).or_insert((moments, false));
        }
    }
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
    let key = cache_key(&history.resolved_toml, n_runs, start);
    let n = ids.len();
    let expected = n * (N_DOMAINS + 1);
    let hit = cache().lock().ok().and_then(|mut c| {
        let entry = c.get_mut(&key).filter(|(m, _)| m.len() == expected)?;
        entry.1 = true;
        Some(entry.0.clone())
    });
    let moments_of = match hit {
        Some(m) => m,
        None => {
            let m = run_history(&history, n, n_runs, start);
            if let Ok(mut c) = cache().lock() {
                c.insert(key, (m.clone(), true));
            }
            m
        }
    };
    let targets = (0..n)
        .flat_map(|p| Domain::ALL.map(|d| Target::InitialCloseness(p, d)))
        .chain((0..n).map(Target::AnchorMean));
    let values = targets
        .zip(moments_of)
        .map(|(target, (mean, sd))| StartValue { target, mean, sd })
        .collect();
    Ok(HistoryStart {
        values,
        source: format!(
            "end of {} in {n_runs} runs of {} (mean and spread over runs)",
            start - 1,
            path.display()
        ),
    })
}

/// Runs the history's ensemble to the end of `start - 1` and returns the mean and spread of
/// each starting value, in the order of `from_history`.
fn run_history(history: &Scenario, n: usize, n_runs: usize, start: i32) -> Moments {
    let states: Vec<EndState> = (0..n_runs as u64)
        .into_par_iter()
        .map(|r| run_to(history, r, start - 1))
        .collect();
    let mut out = Vec::with_capacity(n * (N_DOMAINS + 1));
    for p in 0..n {
        for d in Domain::ALL {
            out.push(moments(states.iter().map(|s| s.closeness[p][d.index()])));
        }
    }
    for p in 0..n {
        // The starting population's anchors sit where the history leaves its mean affinity,
        // not its anchors: media (the pro-government line above all) pull affinity away from
        // the anchors over the years, and starting from the anchors made the images jump in
        // the first forward year (China's by −0.08 in the baseline).
        out.push(moments(states.iter().map(|s| s.affinity[p])));
    }
    out
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
