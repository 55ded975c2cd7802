//! Summary statistics of ensembles: quantiles and means per year. Pure functions and plain
//! data; knows nothing of files or plots.

use std::collections::BTreeMap;

/// Mean and quantiles of one measure in one year across the runs of an ensemble.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Quantiles {
    /// Mean over runs.
    pub mean: f64,
    /// 5th percentile.
    pub p5: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
}

impl Quantiles {
    /// Every figure NaN: a year with no value.
    pub const NAN: Quantiles = Quantiles {
        mean: f64::NAN,
        p5: f64::NAN,
        p25: f64::NAN,
        p50: f64::NAN,
        p75: f64::NAN,
        p95: f64::NAN,
    };
}

/// Identifies one summarised series: a measure, optionally for one power and one domain.
/// Empty strings stand for "not applicable".
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesKey {
    /// Measure name, e.g. `closeness`, `poll_friend`, `instrument.loans`, `leeway`.
    pub measure: String,
    /// Power id, `none` for the outside option of polls, or empty.
    pub power: String,
    /// Domain name, or empty for aggregates.
    pub domain: String,
}

impl SeriesKey {
    /// A key from its three parts.
    pub fn new(measure: &str, power: &str, domain: &str) -> SeriesKey {
        SeriesKey {
            measure: measure.to_string(),
            power: power.to_string(),
            domain: domain.to_string(),
        }
    }
}

/// Ensemble summary: for each series, one `Quantiles` per year of `years`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Summary {
    /// The simulated years, in order.
    pub years: Vec<i32>,
    /// Number of runs summarised.
    pub runs: usize,
    /// Series by key; each vector has one entry per year.
    pub series: BTreeMap<SeriesKey, Vec<Quantiles>>,
}

impl Summary {
    /// The series of a measure for a power and domain (empty strings for none).
    pub fn get(&self, measure: &str, power: &str, domain: &str) -> Option<&[Quantiles]> {
        self.series
            .get(&SeriesKey::new(measure, power, domain))
            .map(Vec::as_slice)
    }
}

/// Linear-interpolation quantile (type 7, as R and NumPy default) of sorted data.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Mean and quantiles of a sample (sorts it in place).
pub fn summarize(values: &mut [f64]) -> Quantiles {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let mean = if n == 0 {
        f64::NAN
    } else {
        values.iter().sum::<f64>() / n as f64
    };
    Quantiles {
        mean,
        p5: quantile_sorted(values, 0.05),
        p25: quantile_sorted(values, 0.25),
        p50: quantile_sorted(values, 0.50),
        p75: quantile_sorted(values, 0.75),
        p95: quantile_sorted(values, 0.95),
    }
}

/// The five quantiles of [`summarize`] without sorting: each needed order statistic is
/// selected in place (`select_nth_unstable`, linear time), so the values come out the same
/// bits as from a sorted copy while the slice is left only partly ordered. The mean is NaN
/// (callers that need it keep an exact sum of their own).
pub fn quantiles_selected(values: &mut [f64]) -> Quantiles {
    const QS: [f64; 5] = [0.05, 0.25, 0.50, 0.75, 0.95];
    let n = values.len();
    if n == 0 {
        return Quantiles::NAN;
    }
    // The ranks each quantile reads (as in `quantile_sorted`), strictly increasing once the
    // repeats are dropped; each is selected from what lies above the one before.
    let ranks = QS.map(|q| {
        let h = (n - 1) as f64 * q;
        (h, h.floor() as usize, h.ceil() as usize)
    });
    let mut wanted: Vec<usize> = ranks.iter().flat_map(|&(_, lo, hi)| [lo, hi]).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut at = [0.0; 10];
    let mut from = 0;
    for (j, &r) in wanted.iter().enumerate() {
        let (_, v, _) = values[from..].select_nth_unstable_by(r - from, f64::total_cmp);
        at[j] = *v;
        from = r + 1;
    }
    let value = |r: usize| at[wanted.iter().position(|&w| w == r).unwrap_or(0)];
    let q = ranks.map(|(h, lo, hi)| value(lo) + (h - lo as f64) * (value(hi) - value(lo)));
    Quantiles {
        mean: f64::NAN,
        p5: q[0],
        p25: q[1],
        p50: q[2],
        p75: q[3],
        p95: q[4],
    }
}

/// Weighted mean of a column.
pub fn weighted_mean(values: &[f64], weights: &[f64]) -> f64 {
    let total: f64 = weights.iter().sum();
    values.iter().zip(weights).map(|(v, w)| v * w).sum::<f64>() / total
}

/// Weighted standard deviation of a column.
pub fn weighted_sd(values: &[f64], weights: &[f64]) -> f64 {
    let m = weighted_mean(values, weights);
    let total: f64 = weights.iter().sum();
    (values
        .iter()
        .zip(weights)
        .map(|(v, w)| w * (v - m).powi(2))
        .sum::<f64>()
        / total)
        .sqrt()
}

/// Weighted quantile: the smallest value whose cumulative weight reaches `q`.
pub fn weighted_quantile(values: &[f64], weights: &[f64], q: f64) -> f64 {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    for &i in &order {
        acc += weights[i] / total;
        if acc >= q {
            return values[i];
        }
    }
    order.last().map_or(f64::NAN, |&i| values[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selected_quantiles_are_the_sorted_ones_bit_for_bit() {
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        for n in [1, 2, 3, 7, 20, 101, 1000, 1001] {
            let v: Vec<f64> = (0..n)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Ties and signed zeros as well as spread values.
                    if i % 5 == 0 {
                        0.25
                    } else if i % 7 == 0 {
                        -0.0
                    } else {
                        (x % 1000) as f64 / 997.0 - 0.3
                    }
                })
                .collect();
            let sorted = summarize(&mut v.clone());
            let selected = quantiles_selected(&mut v.clone());
            for (a, b) in [
                (sorted.p5, selected.p5),
                (sorted.p25, selected.p25),
                (sorted.p50, selected.p50),
                (sorted.p75, selected.p75),
                (sorted.p95, selected.p95),
            ] {
                assert_eq!(a.to_bits(), b.to_bits(), "n = {n}");
            }
        }
        assert!(quantiles_selected(&mut []).p50.is_nan());
    }

    #[test]
    fn quantiles_of_one_to_five() {
        let mut v = vec![5.0, 1.0, 4.0, 2.0, 3.0];
        let q = summarize(&mut v);
        assert!((q.mean - 3.0).abs() < 1e-12);
        assert!((q.p50 - 3.0).abs() < 1e-12);
        assert!((q.p25 - 2.0).abs() < 1e-12);
        assert!((q.p5 - 1.2).abs() < 1e-12);
        assert!((q.p95 - 4.8).abs() < 1e-12);
    }
}
