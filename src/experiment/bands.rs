//! Where the width of a band comes from, for a scenario that draws parameters from a
//! posterior (`Dist::Particles`): run noise alone (the posterior mean held fixed), run noise
//! and parameter uncertainty (each run draws a particle), and both plus the structural
//! discrepancy of the measures the posterior estimated one for (`discrepancy.<measure>`
//! columns of the particle file, each run taking its own particle's value). The three nest,
//! and the decomposition of the variance says which one dominates each series.
//!
//! Pure computation over runs of the model; knows nothing of files, plots or terminals.

use super::{Plan, RunSpec, measures, member};
use crate::model::rng::{Rng, run_seed};
use crate::model::{Observer, YearRecord, run};
use crate::scenario::{Dist, Scenario};
use crate::stats::{Quantiles, SeriesKey, summarize};
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

/// One series, decomposed.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesBands {
    /// The series.
    pub key: SeriesKey,
    /// Per year: run noise alone.
    pub run: Vec<Quantiles>,
    /// Per year: run noise and parameter uncertainty.
    pub parameter: Vec<Quantiles>,
    /// Per year: all three.
    pub total: Vec<Quantiles>,
    /// Per year: standard deviations of (run noise, parameter uncertainty, discrepancy);
    /// the parameter part is `√max(0, var(with parameters) − var(run noise))`.
    pub sd: Vec<[f64; 3]>,
}

/// The decomposition of every series with a discrepancy.
#[derive(Clone, Debug, PartialEq)]
pub struct Decomposition {
    /// Simulated years.
    pub years: Vec<i32>,
    /// The series.
    pub series: Vec<SeriesBands>,
}

/// Names of the three sources, in `SeriesBands::sd` order.
pub const SOURCES: [&str; 3] = [
    "run noise",
    "parameter uncertainty",
    "structural discrepancy",
];

impl SeriesBands {
    /// The source with the largest variance, averaged over the years.
    pub fn dominant(&self) -> usize {
        let mut v = [0.0; 3];
        for sd in &self.sd {
            for k in 0..3 {
                v[k] += sd[k] * sd[k];
            }
        }
        (0..3).max_by(|a, b| v[*a].total_cmp(&v[*b])).unwrap_or(0)
    }
}

/// The measures with a discrepancy column in a particle set the scenario draws from:
/// (measure, set, column).
pub fn discrepancy_columns(s: &Scenario) -> Vec<(String, usize, usize)> {
    let mut used: Vec<usize> = s
        .uncertain
        .iter()
        .filter_map(|u| match u.dist {
            Dist::Particles { set, .. } => Some(set),
            _ => None,
        })
        .collect();
    used.dedup();
    let mut out = Vec::new();
    for set in used {
        for (c, name) in s.particles[set].columns.iter().enumerate() {
            if let Some(m) = name.strip_prefix("discrepancy.") {
                out.push((m.to_string(), set, c));
            }
        }
    }
    out
}

struct Keep<'a> {
    index: &'a [usize],
    buf: Vec<f64>,
    out: Vec<Vec<f64>>,
}

impl Observer for Keep<'_> {
    fn year(&mut self, rec: &YearRecord) {
        self.buf.clear();
        measures::values(rec, &mut self.buf);
        for (o, &k) in self.out.iter_mut().zip(self.index) {
            o.push(self.buf[k]);
        }
    }
}

fn series_of(s: &Scenario, spec: &RunSpec, index: &[usize]) -> Vec<Vec<f64>> {
    let params = member(s, spec);
    let mut keep = Keep {
        index,
        buf: Vec::new(),
        out: vec![Vec::new(); index.len()],
    };
    run(&params, spec.seed, &mut keep);
    keep.out
}

/// Decomposes the bands of `s` on `plan`; `None` when it draws from no particle file with a
/// discrepancy column.
pub fn decompose(
    s: &Scenario,
    plan: &Plan,
    threads: usize,
) -> anyhow::Result<Option<Decomposition>> {
    let columns = discrepancy_columns(s);
    if columns.is_empty() {
        return Ok(None);
    }
    let all = measures::series(&s.base);
    // A column names a measure (`alignment`) or a measure and domain (`closeness.diplomacy`):
    // its discrepancy applies to that series only, the aggregate when no domain is named.
    let chosen: Vec<(usize, f64, usize, usize)> = all
        .iter()
        .enumerate()
        .filter_map(|(i, k)| {
            let name = if k.domain.is_empty() {
                k.measure.clone()
            } else {
                format!("{}.{}", k.measure, k.domain)
            };
            let (_, set, col) = columns.iter().find(|(m, _, _)| *m == name)?;
            Some((i, 0.0, *set, *col))
        })
        .collect();
    let index: Vec<usize> = chosen.iter().map(|c| c.0).collect();
    let mut fixed = s.clone();
    fixed
        .uncertain
        .retain(|u| !matches!(u.dist, Dist::Particles { .. }));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()?;
    type Runs = (Vec<Vec<f64>>, Vec<Vec<f64>>, Vec<Vec<f64>>);
    let runs: Vec<Runs> = pool.install(|| {
        plan.runs
            .par_iter()
            .map(|spec| {
                let a = series_of(&fixed, spec, &index);
                let b = series_of(s, spec, &index);
                let (_, rows) = s.sample_rows(spec.seed);
                let mut rng = Rng::seed_from_u64(run_seed(spec.seed, 0xD15C, 0));
                let c = b
                    .iter()
                    .zip(&chosen)
                    .map(|(series, &(_, _, set, col))| {
                        let sd = s.particles[set].rows[rows[set]][col];
                        series
                            .iter()
                            .map(|x| {
                                let z: f64 = rng.sample(rand_distr::StandardNormal);
                                (x + sd * z).clamp(0.0, 1.0)
                            })
                            .collect()
                    })
                    .collect();
                (a, b, c)
            })
            .collect()
    });
    let years: Vec<i32> = (s.base.start..=s.base.end).collect();
    let sd_of = |v: &[f64]| {
        let n = v.len().max(2) as f64;
        let m = v.iter().sum::<f64>() / n;
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    };
    let mut series = Vec::new();
    for (k, &(i, _, set, col)) in chosen.iter().enumerate() {
        let mut bands = SeriesBands {
            key: all[i].clone(),
            run: Vec::new(),
            parameter: Vec::new(),
            total: Vec::new(),
            sd: Vec::new(),
        };
        let disc_sd = {
            let ps = &s.particles[set];
            let v: Vec<f64> = ps.rows.iter().map(|r| r[col] * r[col]).collect();
            crate::stats::weighted_mean(&v, &ps.weights).sqrt()
        };
        for y in 0..years.len() {
            let pick = |which: usize| -> Vec<f64> {
                runs.iter()
                    .map(|r| [&r.0, &r.1, &r.2][which][k][y])
                    .collect()
            };
            let (mut a, mut b, mut c) = (pick(0), pick(1), pick(2));
            let (sa, sb) = (sd_of(&a), sd_of(&b));
            bands
                .sd
                .push([sa, (sb * sb - sa * sa).max(0.0).sqrt(), disc_sd]);
            bands.run.push(summarize(&mut a));
            bands.parameter.push(summarize(&mut b));
            bands.total.push(summarize(&mut c));
        }
        series.push(bands);
    }
    Ok(Some(Decomposition { years, series }))
}
