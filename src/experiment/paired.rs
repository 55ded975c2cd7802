//! Run-by-run series of a few measures for scenarios on common random numbers, and the paired
//! statistics of their differences.
//!
//! Replicate `r` has the same seed in every scenario, so `B_r − A_r` cancels the luck both runs
//! share and leaves the effect of what differs. The unpaired comparison (the difference of two
//! independent draws) is what the same runs would say without the pairing: it is estimated by
//! pairing run `r` of B with run `r + s` of A for many shifts `s`. Results come back in plan
//! order, whatever the thread count.

use super::{Exec, Plan, measures, member, study};
use crate::model::record::{Observer, YearRecord};
use crate::model::run;
use crate::scenario::Scenario;
use crate::stats::{Quantiles, quantile_sorted};
use rayon::prelude::*;

/// Per-run values of some measures: `values[run][year * measures + m]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Calendar years.
    pub years: Vec<i32>,
    /// Measure names (columns of runs.csv).
    pub measures: Vec<String>,
    /// One row per run of the plan, in plan order.
    pub values: Vec<Vec<f64>>,
}

impl Series {
    /// The value of measure `m` in year index `y` of run `r`.
    pub fn get(&self, r: usize, y: usize, m: usize) -> f64 {
        self.values[r][y * self.measures.len() + m]
    }
}

struct Pick<'a> {
    slots: &'a [Option<usize>],
    buf: Vec<f64>,
    out: Vec<f64>,
}

impl Observer for Pick<'_> {
    fn year(&mut self, rec: &YearRecord) {
        self.buf.clear();
        measures::values(rec, &mut self.buf);
        for s in self.slots {
            self.out
                .push(s.and_then(|s| self.buf.get(s).copied()).unwrap_or(f64::NAN));
        }
    }
}

/// Runs every run of `plan` for `scenario`, keeping only the named measures (a measure the
/// scenario lacks reads NaN). `progress` is called once per finished run.
pub fn series(
    scenario: &Scenario,
    plan: &Plan,
    names: &[String],
    exec: &Exec<'_>,
) -> anyhow::Result<Series> {
    let params = &scenario.base;
    let all = study::measure_names(params);
    let slots: Vec<Option<usize>> = names
        .iter()
        .map(|n| all.iter().position(|a| a == n))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(exec.threads.max(1))
        .build()?;
    let done = std::sync::atomic::AtomicUsize::new(0);
    let values: Vec<Vec<f64>> = pool.install(|| {
        plan.runs
            .par_iter()
            .map(|spec| {
                let p = member(scenario, spec);
                let mut obs = Pick {
                    slots: &slots,
                    buf: Vec::with_capacity(256),
                    out: Vec::with_capacity(p.n_years() * slots.len()),
                };
                run(&p, spec.seed, &mut obs);
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                (exec.progress)(n);
                obs.out
            })
            .collect()
    });
    Ok(Series {
        years: (params.start..=params.end).collect(),
        measures: names.to_vec(),
        values,
    })
}

/// Quantiles and mean of finite values (NaN everywhere when there are none).
pub fn quantiles(values: &mut Vec<f64>) -> Quantiles {
    values.retain(|v| v.is_finite());
    if values.is_empty() {
        return Quantiles::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    Quantiles {
        mean,
        p5: quantile_sorted(values, 0.05),
        p25: quantile_sorted(values, 0.25),
        p50: quantile_sorted(values, 0.5),
        p75: quantile_sorted(values, 0.75),
        p95: quantile_sorted(values, 0.95),
    }
}

/// Most shifts used for the unpaired differences.
const MAX_SHIFTS: usize = 200;

/// The paired comparison of one measure in one year.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Paired {
    /// A's runs.
    pub a: Quantiles,
    /// B's runs.
    pub b: Quantiles,
    /// Run-by-run differences B_r − A_r.
    pub paired: Quantiles,
    /// Differences of unpaired runs B_r − A_{r+s}.
    pub unpaired: Quantiles,
    /// Standard error of the mean paired difference.
    pub se_mean: f64,
    /// Share of pairs with B < A.
    pub share_b_below: f64,
    /// Pairs with both values finite.
    pub pairs: usize,
}

impl Paired {
    /// Width of the paired 90% interval over the unpaired one.
    pub fn width_ratio(&self) -> f64 {
        (self.paired.p95 - self.paired.p5) / (self.unpaired.p95 - self.unpaired.p5)
    }
}

/// Paired statistics of measure `m` in year index `y`.
pub fn compare(a: &Series, b: &Series, y: usize, m: usize) -> Paired {
    let n = a.values.len().min(b.values.len());
    let av: Vec<f64> = (0..n).map(|r| a.get(r, y, m)).collect();
    let bv: Vec<f64> = (0..n).map(|r| b.get(r, y, m)).collect();
    let mut diffs: Vec<f64> = av
        .iter()
        .zip(&bv)
        .map(|(x, y)| y - x)
        .filter(|d| d.is_finite())
        .collect();
    let pairs = diffs.len();
    let below = av
        .iter()
        .zip(&bv)
        .filter(|(x, y)| x.is_finite() && y.is_finite() && y < x)
        .count();
    let mut unpaired = Vec::new();
    for s in 1..n.min(MAX_SHIFTS + 1) {
        for r in 0..n {
            let d = bv[r] - av[(r + s) % n];
            if d.is_finite() {
                unpaired.push(d);
            }
        }
    }
    let paired = quantiles(&mut diffs);
    let se_mean = if pairs > 1 {
        let var = diffs.iter().map(|d| (d - paired.mean).powi(2)).sum::<f64>() / (pairs - 1) as f64;
        (var / pairs as f64).sqrt()
    } else {
        f64::NAN
    };
    Paired {
        a: quantiles(&mut av.clone()),
        b: quantiles(&mut bv.clone()),
        paired,
        unpaired: quantiles(&mut unpaired),
        se_mean,
        share_b_below: if pairs > 0 {
            below as f64 / pairs as f64
        } else {
            f64::NAN
        },
        pairs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(rows: Vec<Vec<f64>>) -> Series {
        Series {
            years: vec![2024],
            measures: vec!["x".into()],
            values: rows,
        }
    }

    #[test]
    fn pairing_removes_shared_noise() {
        // A_r = noise_r, B_r = noise_r + 0.1 (+ a little own noise): paired differences sit
        // at 0.1 with a narrow spread; unpaired ones are as wide as the shared noise.
        let n = 400;
        let noise = |r: usize| ((r * 7919) % 1000) as f64 / 1000.0;
        let own = |r: usize| ((r * 104_729) % 100) as f64 / 10_000.0;
        let a = series((0..n).map(|r| vec![noise(r)]).collect());
        let b = series((0..n).map(|r| vec![noise(r) + 0.1 + own(r)]).collect());
        let p = compare(&a, &b, 0, 0);
        assert_eq!(p.pairs, n);
        assert!((p.paired.mean - 0.105).abs() < 0.002, "{p:?}");
        assert!(p.paired.p5 > 0.09 && p.paired.p95 < 0.12, "{p:?}");
        assert!(p.width_ratio() < 0.05, "{}", p.width_ratio());
        assert!(p.unpaired.p95 - p.unpaired.p5 > 1.0, "{p:?}");
        assert!(p.share_b_below.abs() < 1e-12);
    }

    #[test]
    fn share_below_counts_pairs_where_b_is_lower() {
        let a = series(vec![vec![1.0], vec![1.0], vec![1.0], vec![f64::NAN]]);
        let b = series(vec![vec![0.5], vec![2.0], vec![0.0], vec![0.0]]);
        let p = compare(&a, &b, 0, 0);
        assert_eq!(p.pairs, 3);
        assert!((p.share_b_below - 2.0 / 3.0).abs() < 1e-12);
    }
}
