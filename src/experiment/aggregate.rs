//! Streaming aggregation of an ensemble: runs are added in plan order as they finish, so the
//! result does not depend on the thread count and memory does not grow with the number of
//! runs beyond the exact limit.
//!
//! Up to `EXACT_LIMIT` runs every value is kept and quantiles are exact (type 7). Beyond it,
//! each series-year keeps a fixed-bin histogram of `BINS` bins over the measure's range
//! (`measures::sketch_range`); a quantile is then exact to half a bin width (1/8192 of the
//! range: 0.00012 for closeness and shares). Means are sums in fixed point (`Fixed`), which
//! are associative: the same runs give the same bits in any order, on any number of threads
//! or shards.

use crate::stats::{Quantiles, SeriesKey, Summary, quantiles_selected};

/// Largest ensemble summarised with exact quantiles.
pub const EXACT_LIMIT: usize = 10_000;
/// Bins of the histogram sketch.
pub const BINS: usize = 4096;

/// Scale of the fixed-point sums: 2^40 (resolution about 1e-12).
const SCALE: f64 = (1u64 << 40) as f64;

/// A fixed-point sum: exact and associative, unlike a floating-point one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fixed(pub i128);

impl Fixed {
    /// Adds a value (non-finite values count as zero; the model never produces them).
    pub fn add(&mut self, v: f64) {
        if v.is_finite() {
            let x = (v * SCALE).round();
            // Below 2^63 in magnitude (every value of the model: |v| < 8 million) the
            // conversion goes through i64, one instruction, where a conversion to i128 is a
            // library call; both are exact there, so the sum is the same.
            self.0 += if x.abs() < 9.0e18 {
                i128::from(x as i64)
            } else {
                x as i128
            };
        }
    }
    /// The sum as a float.
    pub fn value(self) -> f64 {
        self.0 as f64 / SCALE
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Store {
    Exact(Vec<Vec<f64>>),
    Sketch {
        counts: Vec<Vec<u32>>,
        ranges: Vec<(f64, f64)>,
    },
}

/// Accumulates per-run yearly values into summaries.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregator {
    keys: Vec<SeriesKey>,
    years: Vec<i32>,
    sums: Vec<Fixed>,
    runs: usize,
    store: Store,
}

impl Aggregator {
    /// An aggregator for `keys` × `years`, exact when `expected_runs <= EXACT_LIMIT`.
    pub fn new(keys: Vec<SeriesKey>, years: Vec<i32>, expected_runs: usize) -> Aggregator {
        let cells = keys.len() * years.len();
        let store = if expected_runs <= EXACT_LIMIT {
            Store::Exact(vec![Vec::with_capacity(expected_runs); cells])
        } else {
            let ranges = keys
                .iter()
                .flat_map(|k| {
                    let r = super::measures::sketch_range(k);
                    std::iter::repeat_n(r, years.len())
                })
                .collect();
            Store::Sketch {
                counts: vec![vec![0; BINS]; cells],
                ranges,
            }
        };
        Aggregator {
            sums: vec![Fixed::default(); cells],
            keys,
            years,
            runs: 0,
            store,
        }
    }

    /// Whether quantiles are exact.
    pub fn is_exact(&self) -> bool {
        matches!(self.store, Store::Exact(_))
    }

    /// Adds one run: `values` holds, year by year, one value per key (key-major within a year).
    pub fn add(&mut self, values: &[f64]) {
        let nk = self.keys.len();
        let ny = self.years.len();
        debug_assert_eq!(values.len(), nk * ny);
        self.runs += 1;
        for y in 0..ny {
            for k in 0..nk {
                let v = values[y * nk + k];
                let cell = k * ny + y;
                self.sums[cell].add(v);
                match &mut self.store {
                    Store::Exact(cells) => cells[cell].push(v),
                    Store::Sketch { counts, ranges } => {
                        let (lo, hi) = ranges[cell];
                        let u = ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
                        let bin = ((u * BINS as f64) as usize).min(BINS - 1);
                        counts[cell][bin] += 1;
                    }
                }
            }
        }
    }

    /// Adds everything another aggregator of the same shape holds (a later shard).
    pub fn merge(&mut self, other: &Aggregator) -> Result<(), String> {
        if self.keys != other.keys || self.years != other.years {
            return Err("partial results of different scenarios".into());
        }
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            a.0 += b.0;
        }
        self.runs += other.runs;
        match (&mut self.store, &other.store) {
            (Store::Exact(a), Store::Exact(b)) => {
                for (x, y) in a.iter_mut().zip(b) {
                    x.extend_from_slice(y);
                }
            }
            (Store::Sketch { counts: a, .. }, Store::Sketch { counts: b, .. }) => {
                for (x, y) in a.iter_mut().zip(b) {
                    for (c, d) in x.iter_mut().zip(y) {
                        *c += d;
                    }
                }
            }
            _ => return Err("partial results made with different quantile methods".into()),
        }
        Ok(())
    }

    /// Serialises the state (little-endian), for partial results of shards.
    pub fn write_state(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.runs as u64).to_le_bytes());
        for s in &self.sums {
            out.extend_from_slice(&s.0.to_le_bytes());
        }
        match &self.store {
            Store::Exact(cells) => {
                out.push(0);
                for c in cells {
                    out.extend_from_slice(&(c.len() as u64).to_le_bytes());
                    for v in c {
                        out.extend_from_slice(&v.to_le_bytes());
                    }
                }
            }
            Store::Sketch { counts, .. } => {
                out.push(1);
                for c in counts {
                    for v in c {
                        out.extend_from_slice(&v.to_le_bytes());
                    }
                }
            }
        }
    }

    /// Reads a state written by `write_state` into an aggregator of the same shape.
    pub fn read_state(&mut self, r: &mut super::Reader<'_>) -> Result<(), String> {
        self.runs = r.u64()? as usize;
        for s in &mut self.sums {
            s.0 = r.i128()?;
        }
        match (r.u8()?, &mut self.store) {
            (0, Store::Exact(cells)) => {
                for c in cells.iter_mut() {
                    let len = r.u64()? as usize;
                    c.clear();
                    for _ in 0..len {
                        c.push(r.f64()?);
                    }
                }
            }
            (1, Store::Sketch { counts, .. }) => {
                for c in counts.iter_mut() {
                    for v in c.iter_mut() {
                        *v = r.u32()?;
                    }
                }
            }
            _ => return Err("partial result made with a different quantile method".into()),
        }
        Ok(())
    }

    /// Number of runs added.
    pub fn runs(&self) -> usize {
        self.runs
    }

    /// The summary of everything added.
    pub fn summary(&self) -> Summary {
        self.summary_on(1)
    }

    /// [`Self::summary`] computed on `threads` threads (each series is independent, so the
    /// result is the same whatever the count).
    pub fn summary_on(&self, threads: usize) -> Summary {
        let ny = self.years.len();
        let series_of = |k: usize| -> Vec<Quantiles> {
            (0..ny)
                .map(|y| {
                    let cell = k * ny + y;
                    let mut q = match &self.store {
                        Store::Exact(cells) => quantiles_selected(&mut cells[cell].clone()),
                        Store::Sketch { counts, ranges } => {
                            sketch_quantiles(&counts[cell], ranges[cell], self.runs)
                        }
                    };
                    q.mean = if self.runs > 0 {
                        self.sums[cell].value() / self.runs as f64
                    } else {
                        f64::NAN
                    };
                    q
                })
                .collect()
        };
        let n = self.keys.len();
        let threads = threads.clamp(1, n.max(1));
        let chunk = n.div_ceil(threads).max(1);
        let all: Vec<Vec<Quantiles>> = if threads == 1 {
            (0..n).map(series_of).collect()
        } else {
            std::thread::scope(|sc| {
                let parts: Vec<_> = (0..n)
                    .step_by(chunk)
                    .map(|from| {
                        let series_of = &series_of;
                        sc.spawn(move || {
                            (from..(from + chunk).min(n))
                                .map(series_of)
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                parts
                    .into_iter()
                    .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            })
        };
        Summary {
            years: self.years.clone(),
            runs: self.runs,
            series: self.keys.iter().cloned().zip(all).collect(),
        }
    }
}

/// Quantiles from a histogram: the centre of the bin holding the quantile's rank.
fn sketch_quantiles(counts: &[u32], (lo, hi): (f64, f64), n: usize) -> Quantiles {
    let width = (hi - lo) / counts.len() as f64;
    let at = |q: f64| -> f64 {
        if n == 0 {
            return f64::NAN;
        }
        let rank = (q * (n - 1) as f64).round() as u64;
        let mut seen = 0u64;
        for (b, c) in counts.iter().enumerate() {
            seen += u64::from(*c);
            if seen > rank {
                return lo + (b as f64 + 0.5) * width;
            }
        }
        hi
    };
    Quantiles {
        mean: f64::NAN,
        p5: at(0.05),
        p25: at(0.25),
        p50: at(0.5),
        p75: at(0.75),
        p95: at(0.95),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixed-point sum takes the same integer through i64 as through i128, at the
    /// boundary of the fast path, beyond it, and for values that round either way.
    #[test]
    fn fixed_add_is_the_exact_rounded_integer() {
        let values = [
            0.0,
            1e-13,
            -1e-13,
            0.3,
            -0.7,
            1.5 / SCALE,
            -2.5 / SCALE,
            8.0e6,
            -8.0e6,
            8.1e6,
            8.3e6,
            -8.3e6,
            1e12,
            -1e20,
            3.0e25,
        ];
        for v in values {
            let mut f = Fixed::default();
            f.add(v);
            assert_eq!(f.0, (v * SCALE).round() as i128, "{v}");
        }
        let mut f = Fixed::default();
        f.add(f64::NAN);
        f.add(f64::INFINITY);
        assert_eq!(f.0, 0);
    }

    #[test]
    fn sketch_agrees_with_exact_within_half_a_bin() {
        let keys = vec![SeriesKey::new("closeness", "EU", "")];
        let mut exact = Aggregator::new(keys.clone(), vec![2024], 100);
        let mut sketch = Aggregator::new(keys, vec![2024], EXACT_LIMIT + 1);
        assert!(exact.is_exact() && !sketch.is_exact());
        for i in 0..20_001 {
            let v = ((i * 7919) % 20_001) as f64 / 20_000.0;
            exact.add(&[v]);
            sketch.add(&[v]);
        }
        let a = exact.summary().series.values().next().expect("one")[0];
        let b = sketch.summary().series.values().next().expect("one")[0];
        let tol = 1.0 / BINS as f64;
        for (x, y) in [(a.p5, b.p5), (a.p25, b.p25), (a.p50, b.p50), (a.p95, b.p95)] {
            assert!((x - y).abs() <= tol, "{x} vs {y}");
        }
        assert!((a.mean - b.mean).abs() < 1e-12);
    }
}
