//! Parameter sweeps: axes `PATH=A:B:N` expanded into a grid of cases, and the per-case
//! summary a tipping diagram is drawn from (quantiles of each power's closeness and of
//! leeway in the chosen year, the share of runs whose hedge collapsed toward each power), with
//! the tipping point located where the median leeway crosses zero. Pure.

use crate::checkpoint::{Bytes, Reader};
use crate::model::{ParamSpec, Target};
use crate::stats::{Quantiles, summarize};

/// Most values on one axis.
pub const MAX_AXIS_VALUES: usize = 1000;

/// One swept parameter and its values.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The parameter.
    pub target: Target,
    /// Canonical path.
    pub path: String,
    /// Values, in order.
    pub values: Vec<f64>,
}

/// Parses `PATH=A:B:N` (N evenly spaced values from A to B inclusive) against a parameter set;
/// the error names the part that is wrong and what is allowed.
pub fn parse_axis(text: &str, spec: &ParamSpec) -> Result<Axis, String> {
    let shape = "expected PATH=A:B:N, e.g. rivalry.US-CN.technology=0:2:21";
    let (path, range) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}': {shape}"))?;
    let target = Target::parse(path.trim(), spec).map_err(|e| format!("'{text}': {e}"))?;
    let parts: Vec<&str> = range.split(':').map(str::trim).collect();
    if parts.len() != 3 {
        return Err(format!("'{text}': {shape}"));
    }
    let num = |s: &str, what: &str| -> Result<f64, String> {
        s.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("'{text}': {what} '{s}' is not a number"))
    };
    let a = num(parts[0], "start")?;
    let b = num(parts[1], "end")?;
    let n: usize = parts[2]
        .parse()
        .map_err(|_| format!("'{text}': count '{}' is not a whole number", parts[2]))?;
    if n == 0 || n > MAX_AXIS_VALUES {
        return Err(format!(
            "'{text}': count {n} must be between 1 and {MAX_AXIS_VALUES}"
        ));
    }
    if n == 1 && (a - b).abs() > 0.0 {
        return Err(format!(
            "'{text}': a single value needs A = B (or use a count of at least 2)"
        ));
    }
    let (lo, hi) = target.range();
    for v in [a, b] {
        if v < lo || v > hi {
            return Err(format!(
                "'{text}': {v} is outside the allowed range of {} ({lo} to {hi})",
                target.path(spec)
            ));
        }
    }
    let values = (0..n)
        .map(|i| {
            if n == 1 {
                a
            } else {
                a + (b - a) * i as f64 / (n - 1) as f64
            }
        })
        .collect();
    Ok(Axis {
        target,
        path: target.path(spec),
        values,
    })
}

/// The cases of a grid: every combination, the first axis varying fastest.
pub fn grid(axes: &[Axis]) -> Vec<Vec<f64>> {
    let total: usize = axes.iter().map(|a| a.values.len()).product();
    (0..total)
        .map(|k| {
            // k = i0 + n0 * (i1 + n1 * (...)).
            let mut rest = k;
            axes.iter()
                .map(|a| {
                    let v = a.values[rest % a.values.len()];
                    rest /= a.values.len();
                    v
                })
                .collect()
        })
        .collect()
}

/// Per-case summary of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseSummary {
    /// Runs summarised.
    pub runs: usize,
    /// Quantiles of each tracked measure (`Tally` order).
    pub measures: Vec<Quantiles>,
    /// Share of runs whose leeway fell below zero in some year.
    pub broke: f64,
    /// Share of runs whose hedge collapsed toward each power.
    pub camps: Vec<f64>,
}

/// Collects the runs of each case: values of the tracked measures, breaks and camps.
#[derive(Clone, Debug)]
pub struct Tally {
    values: Vec<Vec<Vec<f64>>>,
    broke: Vec<usize>,
    camps: Vec<Vec<usize>>,
}

impl Tally {
    /// An empty tally of `cases` cases, `measures` tracked measures and `powers` powers.
    pub fn new(cases: usize, measures: usize, powers: usize) -> Tally {
        Tally {
            values: vec![vec![Vec::new(); measures]; cases],
            broke: vec![0; cases],
            camps: vec![vec![0; powers]; cases],
        }
    }

    /// Adds one run of `case`.
    pub fn add(&mut self, case: usize, values: &[f64], broke: bool, camp: Option<usize>) {
        for (store, v) in self.values[case].iter_mut().zip(values) {
            store.push(*v);
        }
        self.broke[case] += usize::from(broke);
        if let Some(c) = camp {
            self.camps[case][c] += 1;
        }
    }

    /// Writes the tally exactly (for checkpoints and shards).
    pub fn save(&self, w: &mut Bytes) {
        for case in &self.values {
            for v in case {
                w.f64s(v);
            }
        }
        w.u64s(&self.broke.iter().map(|b| *b as u64).collect::<Vec<_>>());
        for c in &self.camps {
            w.u64s(&c.iter().map(|b| *b as u64).collect::<Vec<_>>());
        }
    }

    /// Restores a saved tally (`append: false`), or appends the runs of a later slice of the
    /// plan to each case (`append: true`): the runs of each case stay in plan order.
    pub fn load(&mut self, r: &mut Reader<'_>, append: bool) -> Result<(), String> {
        for case in &mut self.values {
            for v in case.iter_mut() {
                let got = r.f64s()?;
                if append {
                    v.extend(got);
                } else {
                    *v = got;
                }
            }
        }
        let counts = |r: &mut Reader<'_>, into: &mut Vec<usize>| -> Result<(), String> {
            let got = r.u64s()?;
            if got.len() != into.len() {
                return Err(format!(
                    "{} counts, the tally has {}",
                    got.len(),
                    into.len()
                ));
            }
            for (a, b) in into.iter_mut().zip(got) {
                *a = if append { *a + b as usize } else { b as usize };
            }
            Ok(())
        };
        counts(r, &mut self.broke)?;
        for c in &mut self.camps {
            counts(r, c)?;
        }
        Ok(())
    }

    /// The summaries, one per case.
    pub fn finish(self) -> Vec<CaseSummary> {
        self.values
            .into_iter()
            .zip(self.broke)
            .zip(self.camps)
            .map(|((measures, broke), camps)| {
                let runs = measures.first().map_or(0, Vec::len);
                let share = |c: usize| c as f64 / runs.max(1) as f64;
                CaseSummary {
                    runs,
                    measures: measures
                        .into_iter()
                        .map(|mut v| summarize(&mut v))
                        .collect(),
                    broke: share(broke),
                    camps: camps.into_iter().map(share).collect(),
                }
            })
            .collect()
    }
}

/// Where a series of `(x, y)` first crosses zero going from positive to non-positive, by
/// linear interpolation; `None` if it never does.
pub fn zero_crossing(points: &[(f64, f64)]) -> Option<f64> {
    points.windows(2).find_map(|w| {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if y0 > 0.0 && y1 <= 0.0 && y0.is_finite() && y1.is_finite() {
            Some(x0 + (x1 - x0) * y0 / (y0 - y1))
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::defaults;

    #[test]
    fn axes_parse_and_refuse_bad_ranges() {
        let spec = defaults::serbia();
        let a = parse_axis("rivalry.US-CN.technology=0:2:5", &spec).unwrap();
        assert_eq!(a.values, vec![0.0, 0.5, 1.0, 1.5, 2.0]);
        assert_eq!(a.path, "rivalry.US-CN.technology");
        let err = parse_axis("rivalry.US-CN.technology=0:9:5", &spec).unwrap_err();
        assert!(err.contains("outside the allowed range"), "{err}");
        assert!(parse_axis("rivalry.US-XX=0:1:5", &spec).is_err());
        assert!(
            parse_axis("powers.US.budget=0:1", &spec)
                .unwrap_err()
                .contains("PATH=A:B:N")
        );
        assert!(parse_axis("powers.US.budget=0:1:0", &spec).is_err());
        assert!(parse_axis("powers.US.budget=a:1:3", &spec).is_err());
    }

    #[test]
    fn grid_varies_the_first_axis_fastest() {
        let spec = defaults::serbia();
        let a = parse_axis("powers.US.budget=0:1:2", &spec).unwrap();
        let b = parse_axis("powers.CN.budget=0:2:3", &spec).unwrap();
        let g = grid(&[a, b]);
        assert_eq!(g.len(), 6);
        assert_eq!(g[0], vec![0.0, 0.0]);
        assert_eq!(g[1], vec![1.0, 0.0]);
        assert_eq!(g[2], vec![0.0, 1.0]);
        assert_eq!(g[5], vec![1.0, 2.0]);
    }

    #[test]
    fn a_tally_saved_in_slices_and_appended_is_the_whole_tally() {
        let runs: Vec<(usize, f64, bool, Option<usize>)> = (0..12)
            .map(|k| {
                (
                    k % 3,
                    k as f64 * 0.37 - 1.0,
                    k % 4 == 0,
                    (k % 5 == 0).then_some(k % 2),
                )
            })
            .collect();
        let mut whole = Tally::new(3, 1, 2);
        for (c, v, b, camp) in &runs {
            whole.add(*c, &[*v], *b, *camp);
        }
        let mut merged = Tally::new(3, 1, 2);
        for (i, slice) in runs.chunks(5).enumerate() {
            let mut part = Tally::new(3, 1, 2);
            for (c, v, b, camp) in slice {
                part.add(*c, &[*v], *b, *camp);
            }
            let mut w = Bytes::default();
            part.save(&mut w);
            let mut r = Reader::new(&w.0);
            merged.load(&mut r, i > 0).unwrap();
            r.end().unwrap();
        }
        assert_eq!(merged.finish(), whole.finish());
    }

    #[test]
    fn zero_crossing_interpolates() {
        let pts = [(0.0, 2.0), (1.0, 1.0), (2.0, -1.0)];
        assert!((zero_crossing(&pts).unwrap() - 1.5).abs() < 1e-12);
        assert_eq!(zero_crossing(&[(0.0, 1.0), (1.0, 0.5)]), None);
    }
}
