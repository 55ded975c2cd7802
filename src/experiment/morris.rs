//! Morris elementary effects from a design of trajectories (`design::morris`): for each
//! factor the mean of its effects (μ), the mean of their absolute values (μ*, Campolongo et
//! al. 2007) with a bootstrap interval, and their standard deviation (σ: interactions or
//! non-linearity). Effects are in output units per whole range of the factor. Pure.

use super::design::MorrisDesign;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Screening measures of each factor.
#[derive(Clone, Debug, PartialEq)]
pub struct MorrisIndices {
    /// Mean elementary effect.
    pub mu: Vec<f64>,
    /// Mean absolute elementary effect.
    pub mu_star: Vec<f64>,
    /// 95% bootstrap interval of μ* over trajectories.
    pub mu_star_ci: Vec<(f64, f64)>,
    /// Standard deviation of the elementary effects.
    pub sigma: Vec<f64>,
}

/// The elementary effects, `[trajectory][factor]`.
pub fn effects(design: &MorrisDesign, y: &[f64]) -> Vec<Vec<f64>> {
    let d = design.factors;
    design
        .moved
        .iter()
        .enumerate()
        .map(|(t, steps)| {
            let mut ee = vec![0.0; d];
            for (s, (i, sign)) in steps.iter().enumerate() {
                let a = y[t * (d + 1) + s];
                let b = y[t * (d + 1) + s + 1];
                ee[*i] = (b - a) / (sign * design.delta);
            }
            ee
        })
        .collect()
}

/// μ, μ*, σ and a bootstrap interval of μ* (`resamples` draws over trajectories).
pub fn indices(design: &MorrisDesign, y: &[f64], resamples: usize, seed: u64) -> MorrisIndices {
    let ee = effects(design, y);
    let d = design.factors;
    let r = ee.len() as f64;
    let mut mu = vec![0.0; d];
    let mut mu_star = vec![0.0; d];
    for e in &ee {
        for i in 0..d {
            mu[i] += e[i] / r;
            mu_star[i] += e[i].abs() / r;
        }
    }
    let sigma: Vec<f64> = (0..d)
        .map(|i| {
            let ss: f64 = ee.iter().map(|e| (e[i] - mu[i]).powi(2)).sum();
            (ss / (r - 1.0).max(1.0)).sqrt()
        })
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut boot = vec![Vec::with_capacity(resamples); d];
    for _ in 0..resamples {
        let mut m = vec![0.0; d];
        for _ in 0..ee.len() {
            let e = &ee[rng.random_range(0..ee.len())];
            for i in 0..d {
                m[i] += e[i].abs() / r;
            }
        }
        for i in 0..d {
            boot[i].push(m[i]);
        }
    }
    let mu_star_ci = boot
        .into_iter()
        .zip(&mu_star)
        .map(|(mut v, p)| {
            if v.is_empty() {
                return (*p, *p);
            }
            v.sort_by(f64::total_cmp);
            (
                crate::stats::quantile_sorted(&v, 0.025),
                crate::stats::quantile_sorted(&v, 0.975),
            )
        })
        .collect();
    MorrisIndices {
        mu,
        mu_star,
        mu_star_ci,
        sigma,
    }
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)] // indices mirror the design's layout
mod tests {
    use super::*;
    use crate::experiment::design::morris;

    /// Sobol's g-function: inputs matter less the larger their coefficient.
    fn g(x: &[f64], a: &[f64]) -> f64 {
        x.iter()
            .zip(a)
            .map(|(x, a)| ((4.0 * x - 2.0).abs() + a) / (1.0 + a))
            .product()
    }

    #[test]
    fn morris_ranks_g_function_inputs_by_their_coefficients() {
        let a = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0];
        let design = morris(60, a.len(), 4, 11).unwrap();
        let y: Vec<f64> = design.rows.iter().map(|x| g(x, &a)).collect();
        let m = indices(&design, &y, 100, 1);
        eprintln!("g-function mu* {:?} sigma {:?}", m.mu_star, m.sigma);
        for i in 0..3 {
            assert!(
                m.mu_star[i] > m.mu_star[i + 1],
                "mu* {:?} not decreasing at {i}",
                m.mu_star
            );
        }
        assert!(m.mu_star[4] < m.mu_star[3] && m.mu_star[5] < m.mu_star[3]);
        // The first input interacts with all others: its σ is large, the idle ones' small.
        assert!(m.sigma[0] > 10.0 * m.sigma[4]);
        for i in 0..a.len() {
            let (lo, hi) = m.mu_star_ci[i];
            assert!(lo <= m.mu_star[i] && m.mu_star[i] <= hi);
        }
    }

    #[test]
    fn linear_model_gives_exact_effects() {
        let design = morris(8, 3, 4, 2).unwrap();
        let y: Vec<f64> = design
            .rows
            .iter()
            .map(|x| 3.0 * x[0] - 2.0 * x[1])
            .collect();
        let m = indices(&design, &y, 0, 0);
        assert!((m.mu[0] - 3.0).abs() < 1e-9 && (m.mu[1] + 2.0).abs() < 1e-9);
        assert!((m.mu_star[1] - 2.0).abs() < 1e-9 && m.mu_star[2].abs() < 1e-12);
        assert!(m.sigma.iter().all(|s| s.abs() < 1e-9));
    }
}
