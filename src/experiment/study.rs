//! Studies over parameter points: sweeps, sensitivity designs and scenario-discovery
//! designs all expand into points (a value for each varied parameter) times replicates, are
//! checked before any run starts, and are executed as a parallel map whose results reach the
//! caller one run at a time, in plan order. Nothing of a run is kept beyond what the caller's
//! probe asks for, so memory does not grow with the number of runs.
//!
//! Replicate `r` has the same seed at every point (common random numbers): differences
//! between points come from the parameters, not from different luck, which steadies sweeps,
//! elementary effects and Sobol estimators alike.

use super::Exec;
use super::measures;
use crate::model::rng::run_seed;
use crate::model::{ParamSpec, Params, Target, YearRecord, run};
use crate::scenario::{Dist, Scenario};
use rayon::prelude::*;
use std::sync::Arc;

/// Most runs one study may hold.
pub const MAX_STUDY_RUNS: usize = 50_000_000;

/// A parameter a study varies, with where its values come from.
#[derive(Clone, Debug, PartialEq)]
pub struct Factor {
    /// The parameter.
    pub target: Target,
    /// Its path as the user wrote it, canonical (`rivalry.US-CN.technology`).
    pub path: String,
    /// Lowest and highest value.
    pub lo: f64,
    /// Highest value.
    pub hi: f64,
    /// The scenario's distribution, when values are drawn through it rather than uniformly
    /// between `lo` and `hi`.
    pub dist: Option<Dist>,
}

impl Factor {
    /// The value at position `u` in [0, 1): the distribution's quantile, or the point that
    /// far from `lo` to `hi`; clamped into the parameter's allowed range.
    pub fn value(&self, u: f64) -> f64 {
        let v = match &self.dist {
            Some(d) => d.quantile(u),
            None => self.lo + u * (self.hi - self.lo),
        };
        let (lo, hi) = self.target.range();
        v.clamp(lo, hi)
    }
}

/// Why a study was refused before it ran.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum StudyError {
    /// Nothing to run.
    #[error("the study is empty: it needs at least one point and one run per point")]
    Empty,
    /// Too many runs.
    #[error("{0} runs requested: at most {MAX_STUDY_RUNS} allowed in one study")]
    TooLarge(usize),
    /// A point the model refuses.
    #[error("point {point} ({values}) is not a valid parameter set: {reason}")]
    Invalid {
        /// Index of the point.
        point: usize,
        /// `path = value` pairs.
        values: String,
        /// The model's reason.
        reason: String,
    },
}

/// What each run reports: the values of some measures in some years.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    /// Indices into `measures::series`.
    pub slots: Vec<usize>,
    /// Year indices (0 = the first year).
    pub years: Vec<usize>,
}

/// The order of runs in a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Replicate 0 of every point, then replicate 1 of every point, ...: a study cut short
    /// (or one shard) covers every point evenly.
    Interleaved,
    /// All replicates of point 0, then of point 1, ...: each point completes early (designs
    /// whose estimators need whole groups of points).
    ByPoint,
}

/// A checked study.
#[derive(Clone, Debug)]
pub struct Study<'a> {
    scenario: &'a Scenario,
    targets: Vec<Target>,
    points: Vec<Vec<f64>>,
    runs: usize,
    master_seed: u64,
    last_year: i32,
    order: Order,
    apply: Apply,
    shared: Vec<bool>,
}

/// One finished run.
#[derive(Clone, Debug, PartialEq)]
pub struct StudyRun {
    /// Point index.
    pub point: usize,
    /// Replicate.
    pub replicate: usize,
    /// Seed.
    pub seed: u64,
    /// `values[y * slots + s]` for the probe's years and slots.
    pub values: Vec<f64>,
    /// Whether leeway fell below zero in some year.
    pub broke: bool,
    /// The camp the hedge collapsed towards, if it broke.
    pub camp: Option<usize>,
}

/// How a study's values act on a run's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Apply {
    /// As `--set` does: a change against the world as it is, so the rest point stays solved
    /// from the parameters before the change (docs/model.md §5.1).
    Change,
    /// As a draw of the scenario's uncertain numbers does: where the reference shares the
    /// number (same path and distribution) it takes the same value.
    Draw,
}

fn with_values(
    spec: &mut ParamSpec,
    targets: &[Target],
    values: &[f64],
    last_year: i32,
    apply: Apply,
    shared: &[bool],
) {
    spec.end = last_year;
    match apply {
        Apply::Change => {
            if spec.reference.is_none() {
                spec.reference = Some(Arc::new(spec.clone()));
            }
            for (t, v) in targets.iter().zip(values) {
                t.set(spec, *v);
            }
        }
        Apply::Draw => {
            let mut reference = spec.reference.take().map(|r| (*r).clone());
            for ((t, v), shared) in targets.iter().zip(values).zip(shared) {
                t.set(spec, *v);
                if let (Some(r), true) = (reference.as_mut(), shared) {
                    t.set(r, *v);
                }
            }
            spec.reference = reference.map(Arc::new);
        }
    }
}

impl<'a> Study<'a> {
    /// Expands and checks a study: every point is turned into parameters once, so a point
    /// the model refuses stops the study before anything runs. `last_year` ends each run
    /// early (the outcome in that year is what a study of that year needs).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        scenario: &'a Scenario,
        targets: Vec<Target>,
        points: Vec<Vec<f64>>,
        runs: usize,
        master_seed: u64,
        last_year: i32,
        order: Order,
        apply: Apply,
    ) -> Result<Study<'a>, StudyError> {
        if points.is_empty() || runs == 0 {
            return Err(StudyError::Empty);
        }
        let total = points.len().saturating_mul(runs);
        if total > MAX_STUDY_RUNS {
            return Err(StudyError::TooLarge(total));
        }
        let base = scenario.base.spec();
        // A value shared with the reference: the reference draws the same number from the
        // same distribution (see `Scenario::sample`).
        let shared: Vec<bool> = targets
            .iter()
            .map(|t| {
                scenario.uncertain.iter().any(|u| {
                    u.target == *t
                        && scenario
                            .reference_uncertain()
                            .iter()
                            .any(|r| r.path == u.path && r.dist == u.dist)
                })
            })
            .collect();
        for (i, p) in points.iter().enumerate() {
            let mut spec = base.clone();
            with_values(&mut spec, &targets, p, last_year, apply, &shared);
            if let Err(e) = Params::new(spec) {
                let values = targets
                    .iter()
                    .zip(p)
                    .map(|(t, v)| format!("{} = {v}", t.path(base)))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(StudyError::Invalid {
                    point: i,
                    values,
                    reason: e.to_string(),
                });
            }
        }
        Ok(Study {
            scenario,
            targets,
            points,
            runs,
            master_seed,
            last_year,
            order,
            apply,
            shared,
        })
    }

    /// Number of runs.
    pub fn len(&self) -> usize {
        self.points.len() * self.runs
    }

    /// Whether the study has no runs (never, once built).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The points.
    pub fn points(&self) -> &[Vec<f64>] {
        &self.points
    }

    /// Runs per point.
    pub fn runs_per_point(&self) -> usize {
        self.runs
    }

    /// The runs of shard `k` of `n` (1-based): a contiguous slice of the plan, so that the
    /// shards' results in order are the plan's. With [`Order::ByPoint`] the cuts fall between
    /// points, so that each point's runs are folded by one shard.
    pub fn shard_range(&self, k: usize, n: usize) -> std::ops::Range<usize> {
        let cut = |i: usize| match self.order {
            Order::Interleaved => self.len() * i / n,
            Order::ByPoint => self.points.len() * i / n * self.runs,
        };
        cut(k - 1)..cut(k)
    }

    /// A digest of everything that decides the runs and their order (parameters, points,
    /// runs per point, seed, last year, order, how values apply): two studies with the same
    /// fingerprint on the same scenario run the same runs.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let spec = self.scenario.base.spec();
        for t in &self.targets {
            h.update(t.path(spec).as_bytes());
            h.update([0]);
        }
        for p in &self.points {
            for v in p {
                h.update(v.to_bits().to_le_bytes());
            }
        }
        h.update(format!(
            "{}/{}/{}/{:?}/{:?}",
            self.runs, self.master_seed, self.last_year, self.order, self.apply
        ));
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The `k`-th run of the plan: (point, replicate).
    fn nth(&self, k: usize) -> (usize, usize) {
        let n = self.points.len();
        match self.order {
            Order::Interleaved => (k % n, k / n),
            Order::ByPoint => (k / self.runs, k % self.runs),
        }
    }

    /// The parameters of one run: the scenario's other uncertain numbers drawn from the
    /// run's stream, then the point's values.
    fn params(&self, point: usize, seed: u64) -> Params {
        let values = &self.points[point];
        let set = |spec: &mut ParamSpec| {
            with_values(
                spec,
                &self.targets,
                values,
                self.last_year,
                self.apply,
                &self.shared,
            );
        };
        let mut spec = self.scenario.sample(seed).spec().clone();
        set(&mut spec);
        Params::new(spec).unwrap_or_else(|_| {
            // A draw of the other numbers clashed with the point; the point on the base
            // parameters was checked in `new`, so this cannot fail.
            let mut spec = self.scenario.base.spec().clone();
            set(&mut spec);
            Params::new(spec).unwrap_or_else(|_| self.scenario.base.clone())
        })
    }

    fn run_one(&self, k: usize, probe: &Probe) -> StudyRun {
        let (point, replicate) = self.nth(k);
        let seed = run_seed(self.master_seed, 0, replicate as u64);
        let params = self.params(point, seed);
        let mut obs = ProbeObserver {
            probe,
            year: 0,
            buf: Vec::with_capacity(256),
            values: Vec::with_capacity(probe.years.len() * probe.slots.len()),
        };
        let outcome = run(&params, seed, &mut obs);
        StudyRun {
            point,
            replicate,
            seed,
            values: obs.values,
            broke: outcome.hedge_broke,
            camp: outcome.camp,
        }
    }

    /// Runs the runs `from..to` of the plan (all of it: `0..len()`), handing each to `sink`
    /// in plan order. Results do not depend on the thread count.
    pub fn execute(
        &self,
        range: std::ops::Range<usize>,
        probe: &Probe,
        exec: &Exec<'_>,
        sink: &mut dyn FnMut(&StudyRun) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(exec.threads.max(1))
            .build()?;
        let done = std::sync::atomic::AtomicUsize::new(0);
        let batch = 512;
        let mut at = range.start;
        while at < range.end {
            let to = (at + batch).min(range.end);
            let out: Vec<StudyRun> = pool.install(|| {
                (at..to)
                    .into_par_iter()
                    .map(|k| {
                        let r = self.run_one(k, probe);
                        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                        (exec.progress)(n);
                        r
                    })
                    .collect()
            });
            for r in &out {
                sink(r)?;
            }
            at = to;
        }
        Ok(())
    }
}

struct ProbeObserver<'p> {
    probe: &'p Probe,
    year: usize,
    buf: Vec<f64>,
    values: Vec<f64>,
}

impl crate::model::record::Observer for ProbeObserver<'_> {
    fn year(&mut self, rec: &YearRecord) {
        if self.probe.years.contains(&self.year) {
            self.buf.clear();
            measures::values(rec, &mut self.buf);
            for s in &self.probe.slots {
                self.values.push(self.buf[*s]);
            }
        }
        self.year += 1;
    }
}

/// The column name of each measure (as in runs.csv: `closeness.CN.technology`).
pub fn measure_names(params: &Params) -> Vec<String> {
    measures::series(params)
        .iter()
        .map(|k| {
            let mut name = k.measure.clone();
            for part in [&k.power, &k.domain] {
                if !part.is_empty() {
                    name.push('.');
                    name.push_str(part);
                }
            }
            name
        })
        .collect()
}

/// The slot of a measure by name; the error lists close names.
pub fn measure_slot(params: &Params, name: &str) -> Result<usize, String> {
    let names = measure_names(params);
    if let Some(i) = names.iter().position(|n| n == name) {
        return Ok(i);
    }
    let mut near = closest(&names, name, 5);
    if near.is_empty() {
        near = names.iter().take(8).map(String::as_str).collect();
    }
    Err(format!(
        "unknown measure '{name}': measures are the columns of runs.csv, e.g. {}",
        near.join(", ")
    ))
}

/// Up to `count` names close to `name`, closest first.
pub fn closest<'n>(names: &'n [String], name: &str, count: usize) -> Vec<&'n str> {
    let mut scored: Vec<(f64, &str)> = names
        .iter()
        .map(|n| (strsim::jaro_winkler(n, name), n.as_str()))
        .filter(|(s, _)| *s > 0.85)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(count).map(|(_, n)| n).collect()
}
