//! Designs of experiments on the unit hypercube: Latin hypercubes, Saltelli's cross-sampling
//! on an Owen-scrambled Sobol sequence, and Morris trajectories. Points are rows of values in
//! [0, 1); mapping them onto parameters is the caller's business (`study::Factor`). Pure and
//! seeded: the same arguments give the same design on any machine.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Most points of the Sobol sequence used (the scrambled sequence's length limit).
pub const MAX_SOBOL_SAMPLES: usize = 1 << 16;
/// Most factors of a Sobol design: A and B take two dimensions per factor, and the sequence
/// has 256.
pub const MAX_SOBOL_FACTORS: usize = (sobol_burley::NUM_DIMENSIONS / 2) as usize;

/// Why a design was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DesignError {
    /// No factor.
    #[error("a design needs at least one parameter")]
    NoFactors,
    /// No sample.
    #[error("samples must be at least {0}")]
    TooFewSamples(usize),
    /// Too many samples.
    #[error("{0} samples requested: at most {1} allowed")]
    TooManySamples(usize, usize),
    /// Too many factors.
    #[error("{0} parameters: a Sobol design takes at most {MAX_SOBOL_FACTORS}")]
    TooManyFactors(usize),
}

/// A Latin hypercube of `n` points in `d` dimensions: each dimension is cut into `n` equal
/// strata and each stratum holds exactly one point, at a uniform position inside it.
pub fn latin_hypercube(n: usize, d: usize, seed: u64) -> Result<Vec<Vec<f64>>, DesignError> {
    if d == 0 {
        return Err(DesignError::NoFactors);
    }
    if n < 2 {
        return Err(DesignError::TooFewSamples(2));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut points = vec![vec![0.0; d]; n];
    for k in 0..d {
        let mut strata: Vec<usize> = (0..n).collect();
        // Fisher–Yates with the portable generator (no `SliceRandom`, whose algorithm may
        // change between rand versions).
        for i in (1..n).rev() {
            let j = rng.random_range(0..=i);
            strata.swap(i, j);
        }
        for (p, s) in points.iter_mut().zip(&strata) {
            p[k] = (*s as f64 + rng.random::<f64>()) / n as f64;
        }
    }
    Ok(points)
}

/// Saltelli's design for Sobol indices: `n` base samples of two independent matrices A and B
/// (dimensions `0..d` and `d..2d` of the Owen-scrambled Sobol sequence of `seed`), and for
/// each factor `i` the matrix AB_i (A with column `i` taken from B). Rows are grouped by base
/// sample: for sample `j`, A_j, B_j, then AB_1j … AB_dj (`d + 2` rows), so a study cut short
/// still holds complete groups.
pub fn saltelli(n: usize, d: usize, seed: u32) -> Result<Vec<Vec<f64>>, DesignError> {
    if d == 0 {
        return Err(DesignError::NoFactors);
    }
    if d > MAX_SOBOL_FACTORS {
        return Err(DesignError::TooManyFactors(d));
    }
    if n < 4 {
        return Err(DesignError::TooFewSamples(4));
    }
    if n > MAX_SOBOL_SAMPLES {
        return Err(DesignError::TooManySamples(n, MAX_SOBOL_SAMPLES));
    }
    let mut rows = Vec::with_capacity(n * (d + 2));
    for j in 0..n as u32 {
        let a: Vec<f64> = (0..d as u32)
            .map(|k| f64::from(sobol_burley::sample(j, k, seed)))
            .collect();
        let b: Vec<f64> = (0..d as u32)
            .map(|k| f64::from(sobol_burley::sample(j, d as u32 + k, seed)))
            .collect();
        rows.push(a.clone());
        rows.push(b.clone());
        for i in 0..d {
            let mut ab = a.clone();
            ab[i] = b[i];
            rows.push(ab);
        }
    }
    Ok(rows)
}

/// Morris levels: the grid `{0, 1/(p-1), …, 1}` has `p` points; steps are `Δ = p / (2(p-1))`.
pub const MORRIS_LEVELS: usize = 4;

/// The Morris step on the unit interval for `levels` grid points.
pub fn morris_delta(levels: usize) -> f64 {
    levels as f64 / (2.0 * (levels as f64 - 1.0))
}

/// `r` Morris trajectories in `d` dimensions on a grid of `levels` (even) points: each starts
/// at a random grid point and moves one factor at a time, in random order, by `±Δ` (up from
/// the lower half of the grid, down from the upper half). Rows are grouped by trajectory,
/// `d + 1` each; `moved[t][s]` is the factor changed between rows `s` and `s + 1` of
/// trajectory `t`, with the sign of the move.
pub fn morris(r: usize, d: usize, levels: usize, seed: u64) -> Result<MorrisDesign, DesignError> {
    if d == 0 {
        return Err(DesignError::NoFactors);
    }
    if r < 2 {
        return Err(DesignError::TooFewSamples(2));
    }
    let levels = levels.max(2) & !1;
    let delta = morris_delta(levels);
    let top = (levels - 1) as f64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut rows = Vec::with_capacity(r * (d + 1));
    let mut moved = Vec::with_capacity(r);
    for _ in 0..r {
        let mut x: Vec<f64> = (0..d)
            .map(|_| rng.random_range(0..levels) as f64 / top)
            .collect();
        let mut order: Vec<usize> = (0..d).collect();
        for i in (1..d).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        rows.push(x.clone());
        let mut steps = Vec::with_capacity(d);
        for &i in &order {
            let up = x[i] + delta <= 1.0 + 1e-12;
            x[i] = if up { x[i] + delta } else { x[i] - delta };
            rows.push(x.clone());
            steps.push((i, if up { 1.0 } else { -1.0 }));
        }
        moved.push(steps);
    }
    Ok(MorrisDesign {
        rows,
        moved,
        delta,
        factors: d,
    })
}

/// A Morris design: the points and which factor each step moved.
#[derive(Clone, Debug, PartialEq)]
pub struct MorrisDesign {
    /// Points, `d + 1` per trajectory.
    pub rows: Vec<Vec<f64>>,
    /// Per trajectory, per step: (factor, +1 or −1).
    pub moved: Vec<Vec<(usize, f64)>>,
    /// Step size on the unit interval.
    pub delta: f64,
    /// Number of factors.
    pub factors: usize,
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)] // indices mirror the design's layout
mod tests {
    use super::*;

    #[test]
    fn latin_hypercube_puts_one_point_in_each_stratum() {
        let n = 37;
        let pts = latin_hypercube(n, 5, 9).unwrap();
        for k in 0..5 {
            let mut seen = vec![0; n];
            for p in &pts {
                assert!((0.0..1.0).contains(&p[k]));
                seen[(p[k] * n as f64) as usize] += 1;
            }
            assert!(seen.iter().all(|c| *c == 1), "dimension {k}: {seen:?}");
        }
        assert_eq!(pts, latin_hypercube(n, 5, 9).unwrap());
        assert_ne!(pts, latin_hypercube(n, 5, 10).unwrap());
    }

    #[test]
    fn saltelli_rows_share_columns_as_designed() {
        let (n, d) = (16, 3);
        let rows = saltelli(n, d, 1).unwrap();
        assert_eq!(rows.len(), n * (d + 2));
        for j in 0..n {
            let g = &rows[j * (d + 2)..(j + 1) * (d + 2)];
            for i in 0..d {
                for k in 0..d {
                    let want = if k == i { g[1][k] } else { g[0][k] };
                    assert_eq!(g[2 + i][k].to_bits(), want.to_bits());
                }
            }
        }
        // Each of the first 16 points of a column falls in its own sixteenth (a (0,4)-net
        // in one dimension): the sequence is stratified, not merely random.
        for k in 0..d {
            let mut seen = [0; 16];
            for j in 0..n {
                seen[(rows[j * (d + 2)][k] * 16.0) as usize] += 1;
            }
            assert!(seen.iter().all(|c| *c == 1), "{seen:?}");
        }
        assert_eq!(
            saltelli(n, MAX_SOBOL_FACTORS + 1, 0),
            Err(DesignError::TooManyFactors(MAX_SOBOL_FACTORS + 1))
        );
    }

    #[test]
    fn morris_steps_change_one_factor_by_delta() {
        let d = 4;
        let m = morris(10, d, 4, 3).unwrap();
        assert!((m.delta - 2.0 / 3.0).abs() < 1e-12);
        for (t, steps) in m.moved.iter().enumerate() {
            let mut used: Vec<usize> = steps.iter().map(|s| s.0).collect();
            used.sort_unstable();
            assert_eq!(used, (0..d).collect::<Vec<_>>());
            for (s, (i, sign)) in steps.iter().enumerate() {
                let a = &m.rows[t * (d + 1) + s];
                let b = &m.rows[t * (d + 1) + s + 1];
                for k in 0..d {
                    let diff = b[k] - a[k];
                    let want = if k == *i { sign * m.delta } else { 0.0 };
                    assert!((diff - want).abs() < 1e-12);
                    assert!((0.0..=1.0 + 1e-12).contains(&b[k]));
                }
            }
        }
    }
}
