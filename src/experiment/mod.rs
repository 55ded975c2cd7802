//! Plan, then execute: an ensemble (or several scenarios on common random numbers) expands
//! into a flat, checked list of runs before any starts; execution is a parallel map whose
//! results are folded in plan order, so outputs do not depend on the thread count.

pub mod aggregate;
pub mod bands;
pub mod breaches;
pub mod design;
pub mod failure;
pub mod levers;
pub mod measures;
pub mod morris;
pub mod paired;
pub mod prim;
pub mod shapley;
pub mod sobol;
pub mod study;
pub mod sweep;
pub mod tree;

use crate::model::record::{Breach, DriverSchema, Fired, Observer, YearRecord};
use crate::model::rng::run_seed;
use crate::model::{N_DOMAINS, Params, run};
use crate::scenario::{OnFailure, Scenario};
use crate::stats::{SeriesKey, Summary};
use aggregate::Aggregator;
use breaches::{BreachKey, Breaches};
use failure::{Failure, Fault};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

/// Most runs a single plan may hold.
pub const MAX_RUNS: usize = 10_000_000;

/// One run of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunSpec {
    /// Case (a point of a sweep; 0 for a plain ensemble or a comparison).
    pub case: u64,
    /// Replicate within the case.
    pub replicate: u64,
    /// The run's seed, derived from (master seed, case, replicate).
    pub seed: u64,
}

/// A checked list of runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Master seed.
    pub master_seed: u64,
    /// Runs, in order.
    pub runs: Vec<RunSpec>,
    /// Where the uncertain numbers of each replicate sit, when a design places them rather
    /// than independent draws (`run --design lhs`).
    pub design: Option<std::sync::Arc<DrawDesign>>,
}

/// Positions of some uncertain numbers for every replicate of a plan: replicate `r` takes
/// uncertain number `columns[k]` at quantile `units[r * columns.len() + k]` of its
/// distribution; the others are drawn as usual.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawDesign {
    /// Indices into the scenario's uncertain numbers.
    pub columns: Vec<usize>,
    /// Positions in [0, 1), replicate-major.
    pub units: Vec<f64>,
}

impl DrawDesign {
    /// A Latin hypercube over the scenario's uncertain numbers for `runs` replicates: each
    /// number's range is cut into `runs` strata of equal probability and each stratum holds
    /// exactly one replicate. Numbers drawn from particles (posterior rows) are left to their
    /// draws. `None` when the scenario has no number to place.
    pub fn latin_hypercube(
        scenario: &Scenario,
        runs: usize,
        master_seed: u64,
    ) -> Result<Option<DrawDesign>, design::DesignError> {
        let columns: Vec<usize> = scenario
            .uncertain
            .iter()
            .enumerate()
            .filter(|(_, u)| !matches!(u.dist, crate::scenario::Dist::Particles { .. }))
            .map(|(i, _)| i)
            .collect();
        if columns.is_empty() {
            return Ok(None);
        }
        // Its own stream: the design does not reuse any run's random numbers.
        let seed = run_seed(master_seed, u64::MAX, 0);
        let rows = design::latin_hypercube(runs, columns.len(), seed)?;
        Ok(Some(DrawDesign {
            columns,
            units: rows.into_iter().flatten().collect(),
        }))
    }

    /// The positions of replicate `r`, by uncertain number (`None`: drawn).
    pub fn units(&self, replicate: u64, n_uncertain: usize) -> Vec<Option<f64>> {
        let d = self.columns.len();
        let row = &self.units[replicate as usize * d..(replicate as usize + 1) * d];
        let mut out = vec![None; n_uncertain];
        for (c, u) in self.columns.iter().zip(row) {
            out[*c] = Some(*u);
        }
        out
    }
}

/// Why a plan was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PlanError {
    /// No runs.
    #[error("the ensemble is empty: runs must be at least 1")]
    Empty,
    /// Too many runs.
    #[error("{0} runs requested: at most {MAX_RUNS} allowed in one plan (split it with --shard)")]
    TooLarge(usize),
    /// A shard that does not exist.
    #[error("shard {0}/{1} does not exist: use K/N with 1 <= K <= N")]
    BadShard(usize, usize),
    /// More shards than runs.
    #[error("shard {0}/{1} of a {2}-run plan is empty: use at most {2} shards")]
    EmptyShard(usize, usize, usize),
}

impl Plan {
    /// `runs` replicates of case `case`. Scenarios compared use the same case so that
    /// replicate `r` has the same seed in each (common random numbers).
    pub fn ensemble(master_seed: u64, runs: usize, case: u64) -> Result<Plan, PlanError> {
        if runs == 0 {
            return Err(PlanError::Empty);
        }
        if runs > MAX_RUNS {
            return Err(PlanError::TooLarge(runs));
        }
        let runs = (0..runs as u64)
            .map(|r| RunSpec {
                case,
                replicate: r,
                seed: run_seed(master_seed, case, r),
            })
            .collect();
        Ok(Plan {
            master_seed,
            runs,
            design: None,
        })
    }

    /// The `k`-th of `n` contiguous slices (1-based), for spreading a study over machines.
    pub fn shard(&self, k: usize, n: usize) -> Result<Plan, PlanError> {
        if n == 0 || k == 0 || k > n {
            return Err(PlanError::BadShard(k, n));
        }
        let len = self.runs.len();
        let from = len * (k - 1) / n;
        let to = len * k / n;
        if from == to {
            return Err(PlanError::EmptyShard(k, n, len));
        }
        Ok(Plan {
            master_seed: self.master_seed,
            runs: self.runs[from..to].to_vec(),
            design: self.design.clone(),
        })
    }
}

/// Everything one run contributes to the ensemble.
#[derive(Clone, Debug)]
pub struct RunOutput {
    /// The run.
    pub spec: RunSpec,
    /// Measures, year-major (`measures::series` order within a year).
    pub values: Vec<f64>,
    /// Driver terms, year-major (`[power][domain][term]` within a year).
    pub drivers: Vec<f64>,
    /// Event log: (year index, what fired).
    pub fired: Vec<(usize, Fired)>,
    /// Effects that broke an invariant of the file: (year index, what, value asked for).
    pub breaches: Vec<(usize, BreachKey, f64)>,
    /// Camp the hedge collapsed towards in the last year, if it did.
    pub camp: Option<usize>,
}

struct Collect {
    values: Vec<f64>,
    drivers: Vec<f64>,
    fired: Vec<(usize, Fired)>,
    breaches: Vec<(usize, Breach)>,
    year: usize,
}

impl Observer for Collect {
    fn year(&mut self, rec: &YearRecord) {
        measures::values(rec, &mut self.values);
        self.drivers.extend_from_slice(&rec.drivers);
        self.fired.extend(rec.fired.iter().map(|f| (self.year, *f)));
        self.breaches
            .extend(rec.breaches.iter().map(|b| (self.year, *b)));
        self.year += 1;
    }
}

/// The parameters of one run: the scenario's base, or a draw of its uncertain numbers from
/// the run's own parameter stream.
pub fn member(scenario: &Scenario, spec: &RunSpec) -> Params {
    if !scenario.has_draws() {
        scenario.base.clone()
    } else {
        scenario.sample(spec.seed)
    }
}

/// The parameters of one run of a plan: as [`member`], with the numbers the plan's design
/// places taken at their positions.
pub fn member_of(scenario: &Scenario, plan: &Plan, spec: &RunSpec) -> Params {
    match &plan.design {
        Some(d) => scenario.sample_at(
            spec.seed,
            &d.units(spec.replicate, scenario.uncertain.len()),
        ),
        None => member(scenario, spec),
    }
}

/// Runs one member of a plan.
pub fn run_one(scenario: &Scenario, spec: &RunSpec) -> RunOutput {
    run_params(&member_ref(scenario, None, spec), spec, Buffers::default())
}

/// As [`member_of`] (with a plan) or [`member`], borrowing the scenario's base parameters when
/// the run draws nothing instead of copying them: the run copies what it changes itself.
fn member_ref<'a>(
    scenario: &'a Scenario,
    plan: Option<&Plan>,
    spec: &RunSpec,
) -> std::borrow::Cow<'a, Params> {
    match plan {
        Some(plan) if plan.design.is_some() => {
            std::borrow::Cow::Owned(member_of(scenario, plan, spec))
        }
        _ if !scenario.has_draws() => std::borrow::Cow::Borrowed(&scenario.base),
        _ => std::borrow::Cow::Owned(scenario.sample(spec.seed)),
    }
}

/// The two large vectors of a run's output, handed back after the run is folded so the next
/// run writes into memory already in use: an ensemble then touches the same pages batch
/// after batch instead of asking the system for fresh ones (which cost a page fault per
/// 4 KB, about a tenth of a 1,000-run study's time before).
#[derive(Default)]
struct Buffers {
    values: Vec<f64>,
    drivers: Vec<f64>,
}

fn run_params(params: &Params, spec: &RunSpec, buffers: Buffers) -> RunOutput {
    let years = params.n_years();
    let (mut values, mut drivers) = (buffers.values, buffers.drivers);
    values.clear();
    drivers.clear();
    values.reserve(years * 256);
    drivers.reserve(years * 1024);
    let mut obs = Collect {
        values,
        drivers,
        fired: Vec::new(),
        breaches: Vec::new(),
        year: 0,
    };
    let outcome = run(params, spec.seed, &mut obs);
    let breaches = obs
        .breaches
        .iter()
        .map(|(y, b)| (*y, BreachKey::of(b, params.spec()), b.value))
        .collect();
    RunOutput {
        spec: *spec,
        values: obs.values,
        drivers: obs.drivers,
        fired: obs.fired,
        breaches,
        camp: outcome.camp,
    }
}

/// Ensemble means of the driver terms per year, power, domain and term.
#[derive(Clone, Debug, PartialEq)]
pub struct DriverMeans {
    /// The terms.
    pub schema: DriverSchema,
    /// Years.
    pub years: Vec<i32>,
    /// Means, `[year][power][domain][term]` flattened.
    pub mean: Vec<f64>,
    /// Number of powers.
    pub n_powers: usize,
}

impl DriverMeans {
    /// Mean of a term for power `p`, domain `d` in year index `y`.
    pub fn get(&self, y: usize, p: usize, d: usize, term: usize) -> f64 {
        let t = self.schema.len();
        self.mean[((y * self.n_powers + p) * N_DOMAINS + d) * t + term]
    }
}

/// What an ensemble produced.
#[derive(Clone, Debug)]
pub struct Ensemble {
    /// Quantiles and means of every measure.
    pub summary: Summary,
    /// Whether quantiles are exact (else from the histogram sketch).
    pub exact: bool,
    /// Driver terms' means.
    pub drivers: DriverMeans,
    /// Event log: for each (year index, fired item), the number of runs in which it happened.
    pub events: BTreeMap<(usize, FiredKey), usize>,
    /// Runs whose hedge collapsed toward each power in the last year.
    pub camps: Vec<usize>,
    /// Runs completed and summarised (failed runs excluded).
    pub runs: usize,
    /// Runs left out because they produced a non-finite value, in plan order.
    pub failures: Vec<Failure>,
    /// Effects that broke an invariant of the file, per event or rule and year.
    pub breaches: Breaches,
}

/// Sortable key of a fired item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FiredKey {
    /// Kind code (order of `FiredKind`).
    pub kind: u8,
    /// Index of the event, rule or threat.
    pub index: usize,
}

/// Options of an execution.
pub struct Exec<'a> {
    /// Worker threads (1 = run on the calling thread).
    pub threads: usize,
    /// Called after each finished run with the number finished so far.
    pub progress: &'a (dyn Fn(usize) + Sync),
}

/// How many runs a worker may be ahead of the fold, per thread. Finished outputs wait in
/// memory until every earlier run is folded (about 90 KB a run of the baseline, most of it
/// the driver terms), so a small window keeps the memory a study touches small.
const WINDOW: usize = 32;

/// Folds run outputs into an ensemble. Every sum is fixed-point, so the result does not
/// depend on the order of runs, the thread count, or how a plan was sharded.
#[derive(Clone, Debug, PartialEq)]
pub struct Accumulator {
    agg: Aggregator,
    schema: DriverSchema,
    years: Vec<i32>,
    n_powers: usize,
    drivers: Vec<aggregate::Fixed>,
    events: BTreeMap<(usize, FiredKey), usize>,
    camps: Vec<usize>,
    keys: Vec<SeriesKey>,
    failures: Vec<Failure>,
    breaches: Breaches,
}

impl Accumulator {
    /// An empty accumulator for a parameter set and the size of the whole plan.
    pub fn new(params: &Params, plan_runs: usize) -> Accumulator {
        let keys: Vec<SeriesKey> = measures::series(params);
        let years: Vec<i32> = (params.start..=params.end).collect();
        let n = params.n_powers();
        let schema = DriverSchema::new(n, params.threats.len());
        Accumulator {
            agg: Aggregator::new(keys.clone(), years.clone(), plan_runs),
            keys,
            failures: Vec::new(),
            drivers: vec![aggregate::Fixed::default(); years.len() * n * N_DOMAINS * schema.len()],
            schema,
            years,
            n_powers: n,
            events: BTreeMap::new(),
            camps: vec![0; n],
            breaches: Breaches::default(),
        }
    }

    /// Adds one run.
    pub fn add(&mut self, out: &RunOutput) {
        self.agg.add(&out.values);
        for (s, v) in self.drivers.iter_mut().zip(&out.drivers) {
            s.add(*v);
        }
        let mut seen = std::collections::BTreeSet::new();
        for (y, f) in &out.fired {
            let key = FiredKey {
                kind: f.kind as u8,
                index: f.index,
            };
            // Count each item once per run and year.
            if seen.insert((*y, key)) {
                *self.events.entry((*y, key)).or_insert(0) += 1;
            }
        }
        if let Some(c) = out.camp {
            self.camps[c] += 1;
        }
        self.breaches.add_run(&out.breaches);
    }

    /// Records a run left out because it failed.
    pub fn add_failure(&mut self, failure: Failure) {
        self.failures.push(failure);
    }

    /// Runs folded in so far, failed ones included.
    pub fn runs_seen(&self) -> usize {
        self.agg.runs() + self.failures.len()
    }

    /// Adds another accumulator of the same scenario (a later shard).
    pub fn merge(&mut self, other: &Accumulator) -> Result<(), String> {
        self.agg.merge(&other.agg)?;
        self.failures.extend(other.failures.iter().cloned());
        self.failures.sort();
        for (a, b) in self.drivers.iter_mut().zip(&other.drivers) {
            a.0 += b.0;
        }
        for (k, v) in &other.events {
            *self.events.entry(*k).or_insert(0) += v;
        }
        for (a, b) in self.camps.iter_mut().zip(&other.camps) {
            *a += b;
        }
        self.breaches.merge(&other.breaches);
        Ok(())
    }

    /// Serialises the state for a partial result.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = b"SIMPART3".to_vec();
        self.agg.write_state(&mut out);
        for d in &self.drivers {
            out.extend_from_slice(&d.0.to_le_bytes());
        }
        out.extend_from_slice(&(self.events.len() as u64).to_le_bytes());
        for ((y, k), c) in &self.events {
            out.extend_from_slice(&(*y as u64).to_le_bytes());
            out.push(k.kind);
            out.extend_from_slice(&(k.index as u64).to_le_bytes());
            out.extend_from_slice(&(*c as u64).to_le_bytes());
        }
        for c in &self.camps {
            out.extend_from_slice(&(*c as u64).to_le_bytes());
        }
        out.extend_from_slice(&(self.failures.len() as u64).to_le_bytes());
        for f in &self.failures {
            out.extend_from_slice(&f.case.to_le_bytes());
            out.extend_from_slice(&f.replicate.to_le_bytes());
            out.extend_from_slice(&f.seed.to_le_bytes());
            out.extend_from_slice(&f.year.to_le_bytes());
            out.push(f.phase);
            out.extend_from_slice(&(f.series.len() as u64).to_le_bytes());
            out.extend_from_slice(f.series.as_bytes());
        }
        self.breaches.write(&mut out);
        out
    }

    /// Reads a state written by `to_bytes` into an accumulator of the same scenario.
    pub fn read_bytes(&mut self, bytes: &[u8]) -> Result<(), String> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(8)? != b"SIMPART3" {
            return Err("not a partial result of this version".into());
        }
        self.agg.read_state(&mut r)?;
        for d in &mut self.drivers {
            d.0 = r.i128()?;
        }
        let n = r.u64()? as usize;
        self.events.clear();
        for _ in 0..n {
            let y = r.u64()? as usize;
            let kind = r.u8()?;
            let index = r.u64()? as usize;
            let c = r.u64()? as usize;
            self.events.insert((y, FiredKey { kind, index }), c);
        }
        for c in &mut self.camps {
            *c = r.u64()? as usize;
        }
        let n = r.u64()? as usize;
        self.failures.clear();
        for _ in 0..n {
            let case = r.u64()?;
            let replicate = r.u64()?;
            let seed = r.u64()?;
            let year = r.u32()? as i32;
            let phase = r.u8()?;
            let len = r.u64()? as usize;
            let series = String::from_utf8(r.take(len.min(bytes.len()))?.to_vec())
                .map_err(|_| "partial result has a bad failure record".to_string())?;
            self.failures.push(Failure {
                case,
                replicate,
                seed,
                year,
                phase,
                series,
            });
        }
        self.breaches = Breaches::read(&mut r)?;
        if r.at != bytes.len() {
            return Err("partial result has trailing bytes".into());
        }
        Ok(())
    }

    /// The ensemble.
    pub fn finish(&self) -> Ensemble {
        self.finish_on(1)
    }

    /// [`Self::finish`], the quantiles computed on `threads` threads (the same result).
    pub fn finish_on(&self, threads: usize) -> Ensemble {
        let runs = self.agg.runs();
        Ensemble {
            summary: self.agg.summary_on(threads),
            exact: self.agg.is_exact(),
            drivers: DriverMeans {
                schema: self.schema.clone(),
                years: self.years.clone(),
                mean: self
                    .drivers
                    .iter()
                    .map(|s| s.value() / runs.max(1) as f64)
                    .collect(),
                n_powers: self.n_powers,
            },
            events: self.events.clone(),
            camps: self.camps.clone(),
            runs,
            failures: self.failures.clone(),
            breaches: self.breaches.clone(),
        }
    }
}

/// Reads little-endian numbers from a byte slice.
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    /// Bytes not read yet.
    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self.at + n;
        if end > self.bytes.len() {
            return Err("partial result is truncated".into());
        }
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    /// A byte.
    pub fn u8(&mut self) -> Result<u8, String> {
        Ok(self.array::<1>()?[0])
    }
    /// A u32.
    pub fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    /// A u64.
    pub fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    /// An i128.
    pub fn i128(&mut self) -> Result<i128, String> {
        Ok(i128::from_le_bytes(self.array()?))
    }
    /// An f64.
    pub fn f64(&mut self) -> Result<f64, String> {
        Ok(f64::from_le_bytes(self.array()?))
    }
}

/// Executes a plan for a scenario. `sink` sees every run's output in plan order (for
/// streaming per-run rows to disk). `plan_runs` sizes the quantile store: the whole plan's
/// size, so that shards of one plan use the same method.
pub fn execute_into(
    scenario: &Scenario,
    plan: &Plan,
    exec: &Exec<'_>,
    acc: &mut Accumulator,
    sink: &mut dyn FnMut(&RunOutput) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    execute_with_fault(scenario, plan, exec, acc, sink, None)
}

/// [`execute_into`], with `fault` put into chosen runs' records (a test of the failure
/// policy). A run with a non-finite value is, by the scenario's `on_failure`, recorded in the
/// accumulator and left out (`skip`), or stops the execution with [`failure::Aborted`] at the
/// first such run in plan order (`abort`). `sink` sees only the runs folded in.
pub fn execute_with_fault(
    scenario: &Scenario,
    plan: &Plan,
    exec: &Exec<'_>,
    acc: &mut Accumulator,
    sink: &mut dyn FnMut(&RunOutput) -> anyhow::Result<()>,
    fault: Option<&Fault>,
) -> anyhow::Result<()> {
    let keys = acc.keys.clone();
    let years = acc.years.clone();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let compute = |spec: &RunSpec, buffers: Buffers| -> (RunOutput, Option<Failure>) {
        let params = member_ref(scenario, Some(plan), spec);
        let mut out = run_params(&params, spec, buffers);
        if let Some(f) = fault {
            f.apply(&mut out, keys.len());
        }
        let failed = failure::find(&out, &keys, &years);
        let k = done.fetch_add(1, Ordering::Relaxed) + 1;
        (exec.progress)(k);
        (out, failed)
    };
    // Folds one run (in plan order) and hands back its buffers for the next run.
    let mut fold = |(out, failed): (RunOutput, Option<Failure>)| -> anyhow::Result<Buffers> {
        match failed {
            Some(f) if scenario.on_failure == OnFailure::Abort => {
                return Err(failure::Aborted(f).into());
            }
            Some(f) => acc.add_failure(f),
            None => {
                acc.add(&out);
                sink(&out)?;
            }
        }
        Ok(Buffers {
            values: out.values,
            drivers: out.drivers,
        })
    };
    if exec.threads <= 1 {
        let mut buffers = Buffers::default();
        for spec in &plan.runs {
            buffers = fold(compute(spec, buffers))?;
        }
        return Ok(());
    }
    // Every thread, the calling one included, takes the next run from a shared counter, so no
    // thread waits on another's batch. The calling thread also folds the finished runs in plan
    // order between its own runs; a worker may run at most WINDOW runs ahead of the fold, which
    // bounds the outputs held in memory. (Batches with a barrier after each left a worker idle
    // at every barrier, and a separate folding thread woke once a run, about 8,000 context
    // switches for 3,000 runs: two threads at 1.78–1.83 times one.)
    let n = plan.runs.len();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let folded = (Mutex::new(0usize), Condvar::new());
    let spare = Mutex::new(Vec::<Buffers>::new());
    let window = WINDOW * exec.threads;
    let take_buffers = || {
        spare
            .lock()
            .ok()
            .and_then(|mut s| s.pop())
            .unwrap_or_default()
    };
    std::thread::scope(|sc| -> anyhow::Result<()> {
        let (tx, rx) = std::sync::mpsc::channel::<(usize, (RunOutput, Option<Failure>))>();
        for _ in 1..exec.threads {
            let tx = tx.clone();
            let (next, stop, folded, compute, take_buffers) =
                (&next, &stop, &folded, &compute, &take_buffers);
            sc.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        return;
                    }
                    {
                        let (lock, ready) = folded;
                        let mut f = lock.lock().unwrap_or_else(|p| p.into_inner());
                        while i >= *f + window && !stop.load(Ordering::Relaxed) {
                            f = ready.wait(f).unwrap_or_else(|p| p.into_inner());
                        }
                    }
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    if tx
                        .send((i, compute(&plan.runs[i], take_buffers())))
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
        drop(tx);
        let halt = |result: anyhow::Result<()>| {
            stop.store(true, Ordering::Relaxed);
            let (lock, ready) = &folded;
            drop(lock.lock());
            ready.notify_all();
            result
        };
        let mut waiting: BTreeMap<usize, (RunOutput, Option<Failure>)> = BTreeMap::new();
        let mut head = 0;
        // Folds every finished run from `head` on, in order; tells the workers how far it got.
        let mut advance = |waiting: &mut BTreeMap<usize, _>, head: &mut usize| {
            let before = *head;
            while let Some(result) = waiting.remove(&*head) {
                let buffers = fold(result)?;
                if let Ok(mut s) = spare.lock() {
                    s.push(buffers);
                }
                *head += 1;
            }
            if *head > before {
                let (lock, ready) = &folded;
                *lock.lock().unwrap_or_else(|p| p.into_inner()) = *head;
                ready.notify_all();
            }
            anyhow::Ok(())
        };
        while head < n {
            while let Ok((i, result)) = rx.try_recv() {
                waiting.insert(i, result);
            }
            if let Err(e) = advance(&mut waiting, &mut head) {
                return halt(Err(e));
            }
            if head >= n {
                break;
            }
            let i = next.fetch_add(1, Ordering::Relaxed);
            // Wait for the workers' results when there is nothing left to take, or when this
            // run would be too far ahead of the fold.
            while head < n && (i >= n || i >= head + window) {
                let Ok((j, result)) = rx.recv() else {
                    // A worker panicked; the scope re-raises its panic.
                    return halt(Ok(()));
                };
                waiting.insert(j, result);
                if let Err(e) = advance(&mut waiting, &mut head) {
                    return halt(Err(e));
                }
            }
            if i < n {
                waiting.insert(i, compute(&plan.runs[i], take_buffers()));
            }
        }
        Ok(())
    })
}

/// Executes a whole plan and returns the ensemble.
pub fn execute(
    scenario: &Scenario,
    plan: &Plan,
    exec: &Exec<'_>,
    sink: &mut dyn FnMut(&RunOutput) -> anyhow::Result<()>,
) -> anyhow::Result<Ensemble> {
    let mut acc = Accumulator::new(&scenario.base, plan.runs.len());
    execute_into(scenario, plan, exec, &mut acc, sink)?;
    Ok(acc.finish_on(exec.threads))
}

#[cfg(test)]
mod design_tests {
    use super::*;

    fn baseline() -> Scenario {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        crate::scenario::load(&path, &[]).expect("baseline loads")
    }

    /// For each uncertain number whose whole distribution lies inside its allowed range, how
    /// many of the runs' values fall in each of `n` strata of equal probability.
    fn strata(s: &Scenario, plan: &Plan) -> Vec<(String, Vec<usize>)> {
        let n = plan.runs.len();
        let params: Vec<Params> = plan.runs.iter().map(|r| member_of(s, plan, r)).collect();
        s.uncertain
            .iter()
            .filter(|u| {
                let (lo, hi) = u.target.range();
                lo <= u.dist.quantile(0.0) && u.dist.quantile(1.0) <= hi
            })
            .map(|u| {
                let mut counts = vec![0; n];
                for p in &params {
                    let v = u.target.get(p.spec());
                    let i = (1..n)
                        .filter(|i| v >= u.dist.quantile(*i as f64 / n as f64))
                        .count();
                    counts[i] += 1;
                }
                (u.path.clone(), counts)
            })
            .collect()
    }

    #[test]
    fn a_latin_hypercube_run_puts_one_run_in_each_stratum_of_every_margin() {
        let s = baseline();
        let n = 40;
        let mut plan = Plan::ensemble(11, n, 0).unwrap();
        let independent = strata(&s, &plan);
        assert!(
            independent.len() >= 10,
            "{} numbers checked",
            independent.len()
        );
        // Independent draws leave strata empty and doubled (the check can fail).
        assert!(independent.iter().any(|(_, c)| c.iter().any(|k| *k != 1)));
        plan.design = Some(std::sync::Arc::new(
            DrawDesign::latin_hypercube(&s, n, 11).unwrap().unwrap(),
        ));
        for (path, counts) in strata(&s, &plan) {
            assert!(counts.iter().all(|k| *k == 1), "{path}: {counts:?}");
        }
        // A shard keeps each replicate's place in the design.
        let shard = plan.shard(2, 3).unwrap();
        let r = shard.runs[0];
        assert_eq!(
            member_of(&s, &shard, &r).spec().powers[0].budget.to_bits(),
            member_of(&s, &plan, &r).spec().powers[0].budget.to_bits()
        );
    }
}
