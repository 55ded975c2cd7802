//! The objective of a calibration: a weighted squared error between observed points and the
//! ensemble means of the simulated series, on common random numbers.
//!
//! Every evaluation runs the same plan (the same seeds, hence the same decision noise, citizens,
//! polls and draws of the scenario's other uncertain numbers), so the objective changes only
//! through the free parameters. Runs stop at the last year observed, and only the values the
//! targets need are kept, which makes an evaluation a few milliseconds of model time per run.

use super::config::FreeParam;
use crate::data::Point;
use crate::experiment::{Plan, RunSpec, measures, member};
use crate::model::{Observer, ParamError, Params, Target, YearRecord, run};
use crate::scenario::Scenario;
use crate::stats::SeriesKey;
use crate::usage::UsageError;
use rayon::prelude::*;

/// An observed series the objective compares with its simulated counterpart.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetData {
    /// Name of the series (`data::TargetSeries::name`).
    pub name: String,
    /// Text for plots and tables.
    pub label: String,
    /// The simulated series.
    pub key: SeriesKey,
    /// Weight in the objective.
    pub weight: f64,
    /// Observed points in the fit window.
    pub points: Vec<Point>,
}

/// Errors of one target: root mean square and mean absolute error over its points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TargetError {
    /// Points compared.
    pub n: usize,
    /// Root mean square error (NaN without points).
    pub rmse: f64,
    /// Mean absolute error (NaN without points).
    pub mae: f64,
}

/// The objective: a scenario, its free parameters, the targets and the plan of runs.
pub struct Problem {
    /// The scenario with the free parameters taken out of its uncertain numbers.
    scenario: Scenario,
    free: Vec<FreeParam>,
    targets: Vec<TargetData>,
    /// Per simulated year (from the start), the (slot, measure index) pairs to keep.
    wanted: Vec<Vec<(usize, usize)>>,
    /// Slot of each target's points: `slots[t][i]`.
    slots: Vec<Vec<usize>>,
    n_slots: usize,
    /// Last year simulated during the fit.
    last_year: i32,
    runs: Vec<RunSpec>,
    pool: rayon::ThreadPool,
}

fn usage(msg: String) -> anyhow::Error {
    UsageError(msg).into()
}

/// Whether a draw of `uncertain` would overwrite the free parameter `free`.
fn overlaps(uncertain: Target, free: Target) -> bool {
    match (uncertain, free) {
        (Target::Rivalry(p, q, a), Target::Rivalry(r, s, b)) => {
            ((p, q) == (r, s) || (p, q) == (s, r)) && (a.is_none() || b.is_none() || a == b)
        }
        (u, f) => u == f,
    }
}

impl Problem {
    /// Sets up the objective. Targets' points outside the simulated years are dropped; a
    /// target whose series the model does not produce, or a fit without any point, is a
    /// usage error.
    pub fn new(
        scenario: &Scenario,
        free: Vec<FreeParam>,
        mut targets: Vec<TargetData>,
        plan: &Plan,
        threads: usize,
    ) -> anyhow::Result<Problem> {
        let params = &scenario.base;
        let keys = measures::series(params);
        let (start, end) = (params.start, params.end);
        let mut s = scenario.clone();
        s.uncertain
            .retain(|u| !free.iter().any(|f| overlaps(u.target, f.target)));
        let years = (end - start + 1) as usize;
        let mut wanted = vec![Vec::new(); years];
        let mut slots = Vec::new();
        let mut n_slots = 0;
        let mut last_year = start;
        for t in &mut targets {
            let k = keys.iter().position(|k| *k == t.key).ok_or_else(|| {
                usage(format!(
                    "target {}: the scenario has no simulated series {} {} (is the power declared?)",
                    t.name, t.key.measure, t.key.power
                ))
            })?;
            t.points.retain(|p| p.year >= start && p.year <= end);
            let mut mine = Vec::new();
            for p in &t.points {
                wanted[(p.year - start) as usize].push((n_slots, k));
                mine.push(n_slots);
                n_slots += 1;
                last_year = last_year.max(p.year);
            }
            slots.push(mine);
        }
        if targets
            .iter()
            .all(|t| t.points.is_empty() || t.weight <= 0.0)
        {
            return Err(usage(format!(
                "no observed point of a weighted target falls in the fit window ({start} to the \
                 last year fitted): nothing to fit"
            )));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()?;
        Ok(Problem {
            scenario: s,
            free,
            targets,
            wanted,
            slots,
            n_slots,
            last_year,
            runs: plan.runs.clone(),
            pool,
        })
    }

    /// Number of free parameters.
    pub fn dim(&self) -> usize {
        self.free.len()
    }

    /// The free parameters.
    pub fn free(&self) -> &[FreeParam] {
        &self.free
    }

    /// The targets, with their points in the fit window.
    pub fn targets(&self) -> &[TargetData] {
        &self.targets
    }

    /// Observed points in the fit window, all targets together.
    pub fn n_points(&self) -> usize {
        self.n_slots
    }

    /// The scenario's values of the free parameters.
    pub fn start(&self) -> Vec<f64> {
        let spec = self.scenario.base.spec();
        self.free.iter().map(|f| f.target.get(spec)).collect()
    }

    /// Checked parameters with the free ones set to `theta`, over the whole horizon.
    pub fn params_at(&self, theta: &[f64]) -> Result<Params, ParamError> {
        let mut spec = self.scenario.base.spec().clone();
        for (f, v) in self.free.iter().zip(theta) {
            spec.set_world(&f.target, *v);
        }
        Params::new(spec)
    }

    /// The scenario with the free parameters set to `theta` (fixed, not drawn), over the
    /// whole horizon: what the final ensembles and the fitted file run.
    pub fn scenario_at(&self, theta: &[f64]) -> Result<Scenario, ParamError> {
        let mut s = self.scenario.clone();
        s.base = self.params_at(theta)?;
        Ok(s)
    }

    /// Ensemble means of every target's points at `theta` (`[target][point]`).
    pub fn means(&self, theta: &[f64]) -> Result<Vec<Vec<f64>>, ParamError> {
        let mut s = self.scenario_at(theta)?;
        let mut spec = s.base.spec().clone();
        spec.end = self.last_year;
        s.base = Params::new(spec)?;
        let per_run: Vec<Vec<f64>> = self.pool.install(|| {
            self.runs
                .par_iter()
                .map(|r| {
                    let params = member(&s, r);
                    let mut probe = Probe {
                        wanted: &self.wanted,
                        start: params.start,
                        buf: Vec::new(),
                        out: vec![f64::NAN; self.n_slots],
                    };
                    run(&params, r.seed, &mut probe);
                    probe.out
                })
                .collect()
        });
        // Summed in plan order: the result does not depend on the thread count.
        let mut sum = vec![0.0; self.n_slots];
        for out in &per_run {
            for (s, v) in sum.iter_mut().zip(out) {
                *s += v;
            }
        }
        let n = per_run.len().max(1) as f64;
        Ok(self
            .slots
            .iter()
            .map(|slots| slots.iter().map(|&i| sum[i] / n).collect())
            .collect())
    }

    /// The objective at `theta`: `Σ_t w_t · mean_i (observed − simulated mean)²`. Parameters
    /// the model refuses (a sum broken by a free share) cost `REFUSED`.
    pub fn cost(&self, theta: &[f64]) -> f64 {
        match self.means(theta) {
            Ok(means) => self.cost_of(&means),
            Err(_) => REFUSED,
        }
    }

    /// The objective for given means (`[target][point]`).
    pub fn cost_of(&self, means: &[Vec<f64>]) -> f64 {
        self.targets
            .iter()
            .zip(means)
            .filter(|(t, _)| !t.points.is_empty())
            .map(|(t, m)| t.weight * error(&t.points, m).rmse.powi(2))
            .sum()
    }

    /// Each target's errors at `theta`.
    pub fn errors(&self, theta: &[f64]) -> Result<Vec<TargetError>, ParamError> {
        let means = self.means(theta)?;
        Ok(self
            .targets
            .iter()
            .zip(&means)
            .map(|(t, m)| error(&t.points, m))
            .collect())
    }
}

/// Cost of parameters the model refuses: far above any squared error of shares.
pub const REFUSED: f64 = 1e3;

/// RMSE and MAE of simulated values against observed points.
pub fn error(points: &[Point], simulated: &[f64]) -> TargetError {
    let n = points.len().min(simulated.len());
    if n == 0 {
        return TargetError {
            n: 0,
            rmse: f64::NAN,
            mae: f64::NAN,
        };
    }
    let (mut sq, mut abs) = (0.0, 0.0);
    for (p, s) in points.iter().zip(simulated) {
        let e = p.value - s;
        sq += e * e;
        abs += e.abs();
    }
    TargetError {
        n,
        rmse: (sq / n as f64).sqrt(),
        mae: abs / n as f64,
    }
}

/// Keeps the values of the wanted series in the wanted years.
struct Probe<'a> {
    wanted: &'a [Vec<(usize, usize)>],
    start: i32,
    buf: Vec<f64>,
    out: Vec<f64>,
}

impl Observer for Probe<'_> {
    fn year(&mut self, rec: &YearRecord) {
        let Some(want) = usize::try_from(rec.year - self.start)
            .ok()
            .and_then(|y| self.wanted.get(y))
        else {
            return;
        };
        if want.is_empty() {
            return;
        }
        self.buf.clear();
        measures::values(rec, &mut self.buf);
        for &(slot, k) in want {
            self.out[slot] = self.buf[k];
        }
    }
}
