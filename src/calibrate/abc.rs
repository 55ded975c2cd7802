//! ABC-SMC: a sequential Monte Carlo sampler of a posterior over a box of parameters, for a
//! model that can only be simulated (docs/validation.md, "Posterior calibration").
//!
//! A population of particles moves through generations of decreasing tolerance `ε`. The
//! kernel is Gaussian in the evaluation's log-likelihood, `exp(ℓ / ε²)`: at `ε = 1` it is the
//! declared error model itself, and ABC under a model-error kernel is exact for that error
//! model (Wilkinson 2013), so the sampler stops once the tolerance reaches 1. Each generation
//! (the adaptive ABC-SMC of Del Moral, Doucet & Jasra 2012):
//!
//! 1. chooses the next tolerance adaptively: the smallest `ε` (at least 1) whose incremental
//!    weights `exp(ℓ (1/ε² − 1/ε_prev²))` keep an effective sample size of `ess_fraction` of
//!    the population (the likelihood counterpart of a quantile of the previous distances);
//! 2. resamples the population by those weights (systematic resampling);
//! 3. moves every particle by Metropolis–Hastings steps at the new tolerance, with a normal
//!    random-walk kernel whose covariance is the previous population's weighted covariance
//!    times 2.38²/d (Roberts & Rosenthal 2001); a proposal outside the prior's box is refused
//!    without an evaluation. Steps repeat (up to `max_moves`) until most particles have moved.
//!    The evaluation may be a random estimate (a synthetic likelihood): the particle keeps the
//!    estimate it was accepted with (pseudo-marginal).
//!
//! The acceptance rate of a generation is that of its moves. Pure and generic: it knows
//! nothing of the model, files or terminals. The caller passes the evaluation (`θ`, seed) →
//! `Evaluation`; every random number comes from seeds derived from (master seed, generation,
//! step, particle index). Particles are evaluated in parallel and collected in index order,
//! so the result does not depend on the thread count.

use crate::model::rng::{Rng, run_seed};
pub use crate::stats::{weighted_mean, weighted_quantile, weighted_sd};
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

/// What an evaluation of one particle returns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// Log-likelihood of the observations under the error model (a random estimate is
    /// allowed: a synthetic likelihood). `-inf` or NaN: the particle is refused (weight 0).
    pub log_likelihood: f64,
    /// A distance for reports (root mean square of standardised residuals).
    pub distance: f64,
}

/// The prior: independent uniform distributions on a box.
#[derive(Clone, Debug, PartialEq)]
pub struct Prior {
    /// Lower bounds, one per dimension.
    pub lo: Vec<f64>,
    /// Upper bounds (each above its lower bound).
    pub hi: Vec<f64>,
}

impl Prior {
    /// Number of dimensions.
    pub fn dim(&self) -> usize {
        self.lo.len()
    }

    fn contains(&self, theta: &[f64]) -> bool {
        theta
            .iter()
            .zip(self.lo.iter().zip(&self.hi))
            .all(|(x, (lo, hi))| x >= lo && x <= hi)
    }

    fn draw(&self, rng: &mut Rng) -> Vec<f64> {
        self.lo
            .iter()
            .zip(&self.hi)
            .map(|(lo, hi)| lo + (hi - lo) * rng.random::<f64>())
            .collect()
    }
}

/// How the sampler runs and when it stops.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Particles in each generation.
    pub particles: usize,
    /// Generations at most (the first, from the prior, included).
    pub max_generations: usize,
    /// Share of the population the effective sample size must keep when the tolerance is
    /// lowered (0.5: halve it at most).
    pub ess_fraction: f64,
    /// Stop when the acceptance rate of the moves falls below this.
    pub min_acceptance: f64,
    /// Metropolis–Hastings sweeps per generation at most.
    pub max_moves: usize,
    /// For a random evaluation: evaluate the current particle again at each step, on the
    /// proposal's seed, and compare the two on common random numbers (Monte Carlo within
    /// Metropolis). Twice the evaluations, but a particle whose likelihood was overestimated
    /// by chance no longer sticks, which would make the posterior too narrow.
    pub refresh: bool,
    /// Master seed.
    pub seed: u64,
}

/// Why the sampler stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The tolerance reached 1: the population is a sample for the exact error model.
    TargetReached,
    /// `max_generations` ran out first: the population is for the last tolerance, wider
    /// than the posterior.
    MaxGenerations,
    /// The acceptance rate fell below `min_acceptance`.
    LowAcceptance,
    /// Every proposal was refused by the evaluation.
    AllRefused,
}

impl Stop {
    /// A phrase for tables and manifests.
    pub fn text(self) -> &'static str {
        match self {
            Stop::TargetReached => "tolerance reached 1 (the declared error model)",
            Stop::MaxGenerations => "maximum number of generations",
            Stop::LowAcceptance => "acceptance rate of the moves below the minimum",
            Stop::AllRefused => "every proposal refused",
        }
    }
}

/// One generation's population and its figures.
#[derive(Clone, Debug, PartialEq)]
pub struct Generation {
    /// 0 for the draw from the prior.
    pub index: usize,
    /// Tolerance `ε` (1 is the error model itself).
    pub tolerance: f64,
    /// Effective sample size of the weights that lowered the tolerance, `(Σw)² / Σw²`,
    /// before resampling (the population size for the draw from the prior).
    pub ess: f64,
    /// Share of Metropolis–Hastings proposals accepted (1 for the draw from the prior).
    pub acceptance: f64,
    /// Metropolis–Hastings sweeps made.
    pub moves: usize,
    /// Evaluations made in this generation.
    pub evaluations_run: usize,
    /// Particles, `[i][dim]`.
    pub particles: Vec<Vec<f64>>,
    /// Normalised weights (sum 1; equal after the moves).
    pub weights: Vec<f64>,
    /// Each particle's evaluation.
    pub evaluations: Vec<Evaluation>,
}

/// What the sampler returns.
#[derive(Clone, Debug, PartialEq)]
pub struct Posterior {
    /// Every generation, in order; the last is the posterior sample.
    pub generations: Vec<Generation>,
    /// Why it stopped.
    pub stop: Stop,
}

impl Posterior {
    /// The last population.
    pub fn last(&self) -> &Generation {
        // Invariant: `sample` always runs at least the first generation.
        self.generations.last().expect("at least one generation")
    }
}

/// Effective sample size of unnormalised weights.
pub fn ess(weights: &[f64]) -> f64 {
    let s: f64 = weights.iter().sum();
    let s2: f64 = weights.iter().map(|w| w * w).sum();
    if s2 > 0.0 { s * s / s2 } else { 0.0 }
}

/// Index of the weight whose cumulative share first exceeds `u` in [0, 1).
pub fn pick(cumulative: &[f64], u: f64) -> usize {
    let total = cumulative.last().copied().unwrap_or(0.0);
    let target = u * total;
    cumulative
        .partition_point(|c| *c <= target)
        .min(cumulative.len().saturating_sub(1))
}

/// Cumulative sums.
pub fn cumulative(weights: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    weights
        .iter()
        .map(|w| {
            acc += w;
            acc
        })
        .collect()
}

/// The random-walk kernel: a normal with covariance `scale · Σ` (Σ the weighted covariance of
/// the population), through its Cholesky factor.
struct Kernel {
    chol: Vec<Vec<f64>>,
}

impl Kernel {
    fn new(particles: &[Vec<f64>], weights: &[f64], prior: &Prior, scale: f64) -> Kernel {
        let d = prior.dim();
        let total: f64 = weights.iter().sum();
        let means: Vec<f64> = (0..d)
            .map(|k| {
                particles
                    .iter()
                    .zip(weights)
                    .map(|(p, w)| w * p[k])
                    .sum::<f64>()
                    / total
            })
            .collect();
        let mut cov = vec![vec![0.0; d]; d];
        for (p, w) in particles.iter().zip(weights) {
            for a in 0..d {
                for b in 0..d {
                    cov[a][b] += scale * w / total * (p[a] - means[a]) * (p[b] - means[b]);
                }
            }
        }
        // A floor on the variance keeps the kernel proper when the population collapses.
        for (a, row) in cov.iter_mut().enumerate() {
            let width = prior.hi[a] - prior.lo[a];
            row[a] += (1e-4 * width).powi(2);
        }
        Kernel {
            chol: cholesky(&cov),
        }
    }

    fn perturb(&self, centre: &[f64], rng: &mut Rng) -> Vec<f64> {
        let z: Vec<f64> = (0..centre.len())
            .map(|_| rng.sample(rand_distr::StandardNormal))
            .collect();
        centre
            .iter()
            .enumerate()
            .map(|(i, c)| c + (0..=i).map(|j| self.chol[i][j] * z[j]).sum::<f64>())
            .collect()
    }
}

/// Cholesky factor (lower) of a symmetric positive definite matrix; tiny pivots are lifted so
/// that a nearly singular covariance still gives a usable kernel.
fn cholesky(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    cholesky_lifted(a).0
}

/// [`cholesky`] and whether every pivot was positive as it stood (none lifted, none NaN):
/// `false` says the matrix is not positive definite.
pub(super) fn cholesky_lifted(a: &[Vec<f64>]) -> (Vec<Vec<f64>>, bool) {
    let d = a.len();
    let mut l = vec![vec![0.0; d]; d];
    let mut definite = true;
    for i in 0..d {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let pivot = a[i][i] - s;
                definite &= pivot > 1e-300;
                l[i][i] = pivot.max(1e-300).sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    (l, definite)
}

fn usable(l: f64) -> bool {
    l.is_finite()
}

/// Normalised incremental weights `exp(Δλ ℓ)` (0 for refused particles).
fn incremental(evals: &[Evaluation], delta: f64) -> Vec<f64> {
    let logs: Vec<f64> = evals
        .iter()
        .map(|e| {
            if usable(e.log_likelihood) {
                delta * e.log_likelihood
            } else {
                f64::NEG_INFINITY
            }
        })
        .collect();
    let m = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return vec![0.0; evals.len()];
    }
    let w: Vec<f64> = logs.iter().map(|l| (l - m).exp()).collect();
    let s: f64 = w.iter().sum();
    w.iter().map(|x| x / s).collect()
}

/// The next inverse squared tolerance `λ = 1/ε²` in `(previous, 1]`: 1 if its incremental
/// weights keep `fraction · n` effective particles, else the largest that does (bisection).
fn next_lambda(evals: &[Evaluation], previous: f64, fraction: f64) -> f64 {
    let n = evals.iter().filter(|e| usable(e.log_likelihood)).count() as f64;
    let ok = |lam: f64| ess(&incremental(evals, lam - previous)) >= fraction * n;
    if ok(1.0) {
        return 1.0;
    }
    let (mut lo, mut hi) = (previous, 1.0_f64);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if ok(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    // Progress even when a single step of the likelihood already concentrates the weights.
    lo.max(previous + 1e-12 * (1.0 - previous))
}

/// `n` indices by systematic resampling of normalised `weights` with offset `u` in [0, 1).
fn systematic(weights: &[f64], n: usize, u: f64) -> Vec<usize> {
    let cum = cumulative(weights);
    (0..n)
        .map(|i| pick(&cum, (i as f64 + u) / n as f64))
        .collect()
}

fn seeded(seed: u64, generation: usize, step: usize, i: usize) -> Rng {
    Rng::seed_from_u64(run_seed(
        seed,
        ((generation as u64) << 8) | step as u64,
        i as u64,
    ))
}

/// Runs ABC-SMC. `evaluate` is called on a thread of `pool`; `on_generation` sees each
/// generation as it completes (a progress bar).
pub fn sample<F>(
    prior: &Prior,
    settings: &Settings,
    pool: &rayon::ThreadPool,
    evaluate: F,
    on_generation: &mut dyn FnMut(&Generation),
) -> Posterior
where
    F: Fn(&[f64], u64) -> Evaluation + Sync,
{
    let n = settings.particles.max(2);
    let d = prior.dim().max(1);
    // Generation 0: the prior.
    let first: Vec<(Vec<f64>, Evaluation)> = pool.install(|| {
        (0..n)
            .into_par_iter()
            .map(|i| {
                let mut rng = seeded(settings.seed, 0, 0, i);
                let theta = prior.draw(&mut rng);
                let e = evaluate(&theta, rng.random::<u64>());
                (theta, e)
            })
            .collect()
    });
    let (mut particles, mut evals): (Vec<Vec<f64>>, Vec<Evaluation>) = first.into_iter().unzip();
    let mut lambda = 0.0_f64;
    let g0 = Generation {
        index: 0,
        tolerance: f64::INFINITY,
        ess: n as f64,
        acceptance: 1.0,
        moves: 0,
        evaluations_run: n,
        particles: particles.clone(),
        weights: vec![1.0 / n as f64; n],
        evaluations: evals.clone(),
    };
    on_generation(&g0);
    let mut generations = vec![g0];
    if evals.iter().all(|e| !usable(e.log_likelihood)) {
        return Posterior {
            generations,
            stop: Stop::AllRefused,
        };
    }
    loop {
        let g = generations.len();
        let next = next_lambda(&evals, lambda, settings.ess_fraction);
        let w = incremental(&evals, next - lambda);
        let ess_before = ess(&w);
        let mut u_rng = seeded(settings.seed, g, 255, usize::MAX >> 8);
        let idx = systematic(&w, n, u_rng.random::<f64>());
        particles = idx.iter().map(|&j| particles[j].clone()).collect();
        evals = idx.iter().map(|&j| evals[j]).collect();
        lambda = next;
        let kernel = Kernel::new(&particles, &vec![1.0; n], prior, 2.38 * 2.38 / d as f64);
        let (mut accepted, mut proposed, mut moved) = (0usize, 0usize, vec![false; n]);
        let mut sweeps = 0;
        let mut evaluations_run = 0;
        while sweeps < settings.max_moves.max(1) {
            let step: Vec<(Vec<f64>, Evaluation, bool, bool)> = pool.install(|| {
                (0..n)
                    .into_par_iter()
                    .map(|i| {
                        let mut rng = seeded(settings.seed, g, sweeps + 1, i);
                        let theta = kernel.perturb(&particles[i], &mut rng);
                        let eval_seed = rng.random::<u64>();
                        let u: f64 = rng.random();
                        if !prior.contains(&theta) {
                            return (particles[i].clone(), evals[i], false, false);
                        }
                        let e = evaluate(&theta, eval_seed);
                        let current = if settings.refresh {
                            evaluate(&particles[i], eval_seed)
                        } else {
                            evals[i]
                        };
                        let ok = usable(e.log_likelihood)
                            && (!usable(current.log_likelihood)
                                || u.ln() < lambda * (e.log_likelihood - current.log_likelihood));
                        if ok {
                            (theta, e, true, true)
                        } else {
                            (particles[i].clone(), current, false, true)
                        }
                    })
                    .collect()
            });
            sweeps += 1;
            for (i, (theta, e, acc, evaluated)) in step.into_iter().enumerate() {
                proposed += 1;
                evaluations_run += usize::from(evaluated) * (1 + usize::from(settings.refresh));
                if acc {
                    accepted += 1;
                    moved[i] = true;
                }
                particles[i] = theta;
                evals[i] = e;
            }
            if moved.iter().filter(|m| **m).count() as f64 >= 0.8 * n as f64 {
                break;
            }
        }
        let acceptance = accepted as f64 / proposed.max(1) as f64;
        let generation = Generation {
            index: g,
            tolerance: 1.0 / lambda.sqrt(),
            ess: ess_before,
            acceptance,
            moves: sweeps,
            evaluations_run,
            particles: particles.clone(),
            weights: vec![1.0 / n as f64; n],
            evaluations: evals.clone(),
        };
        on_generation(&generation);
        generations.push(generation);
        let stop = if lambda >= 1.0 {
            Some(Stop::TargetReached)
        } else if acceptance < settings.min_acceptance {
            Some(Stop::LowAcceptance)
        } else if generations.len() >= settings.max_generations {
            Some(Stop::MaxGenerations)
        } else {
            None
        };
        if let Some(stop) = stop {
            return Posterior { generations, stop };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::Distribution;

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    }

    fn settings(seed: u64) -> Settings {
        Settings {
            particles: 1000,
            max_generations: 30,
            ess_fraction: 0.5,
            min_acceptance: 1e-6,
            max_moves: 4,
            refresh: false,
            seed,
        }
    }

    fn column(g: &Generation, k: usize) -> Vec<f64> {
        g.particles.iter().map(|p| p[k]).collect()
    }

    /// Normal mean with known variance and a flat prior: the posterior is
    /// N(ȳ, σ²/n) (the prior's box is far wider than the posterior).
    #[test]
    fn recovers_the_conjugate_normal_mean() {
        let (n, sigma, ybar) = (25.0, 2.0, 1.3);
        let prior = Prior {
            lo: vec![-20.0],
            hi: vec![20.0],
        };
        let post = sample(
            &prior,
            &settings(11),
            &pool(2),
            |t, _| {
                let z = (ybar - t[0]) / (sigma / f64::sqrt(n));
                Evaluation {
                    log_likelihood: -0.5 * z * z,
                    distance: z.abs(),
                }
            },
            &mut |_| {},
        );
        assert_eq!(post.stop, Stop::TargetReached);
        let g = post.last();
        let (m, s) = (
            weighted_mean(&column(g, 0), &g.weights),
            weighted_sd(&column(g, 0), &g.weights),
        );
        let exact_sd = sigma / n.sqrt();
        assert!((m - ybar).abs() < 0.1 * exact_sd, "mean {m}");
        assert!((s / exact_sd - 1.0).abs() < 0.1, "sd {s} vs {exact_sd}");
        assert!(post.generations.len() > 2, "the schedule has steps");
        let tols: Vec<f64> = post.generations.iter().map(|g| g.tolerance).collect();
        assert!(tols.windows(2).all(|w| w[1] <= w[0]), "{tols:?}");
    }

    /// The same posterior from a simulated (synthetic) likelihood: each evaluation draws
    /// replicate sample means from the model and scores ȳ under their normal fit. The
    /// estimated variance carries the factor (1 + 1/R).
    #[test]
    fn recovers_it_from_simulations() {
        let (n, sigma, ybar, reps) = (25.0, 2.0, -0.4, 40);
        let prior = Prior {
            lo: vec![-10.0],
            hi: vec![10.0],
        };
        let post = sample(
            &prior,
            &settings(5),
            &pool(2),
            |t, seed| {
                let mut rng = Rng::seed_from_u64(seed);
                let d = rand_distr::Normal::new(t[0], sigma / f64::sqrt(n)).unwrap();
                let sims: Vec<f64> = (0..reps).map(|_| d.sample(&mut rng)).collect();
                let m = sims.iter().sum::<f64>() / reps as f64;
                let v = sims.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (reps - 1) as f64
                    * (1.0 + 1.0 / reps as f64);
                let z2 = (ybar - m).powi(2) / v;
                Evaluation {
                    log_likelihood: -0.5 * (z2 + v.ln()),
                    distance: z2.sqrt(),
                }
            },
            &mut |_| {},
        );
        let g = post.last();
        let exact_sd = sigma / n.sqrt();
        let m = weighted_mean(&column(g, 0), &g.weights);
        let s = weighted_sd(&column(g, 0), &g.weights);
        assert!((m - ybar).abs() < 0.15 * exact_sd, "mean {m}");
        assert!((s / exact_sd - 1.0).abs() < 0.15, "sd {s} vs {exact_sd}");
    }

    /// Two correlated dimensions: a bivariate normal likelihood with correlation 0.8.
    #[test]
    fn recovers_a_correlated_pair_and_ignores_the_thread_count() {
        let prior = Prior {
            lo: vec![-5.0, -5.0],
            hi: vec![5.0, 5.0],
        };
        let (rho, s1, s2) = (0.8, 0.3, 0.5);
        let eval = |t: &[f64], _| {
            let (a, b) = ((t[0] - 1.0) / s1, (t[1] + 0.5) / s2);
            let q = (a * a - 2.0 * rho * a * b + b * b) / (1.0 - rho * rho);
            Evaluation {
                log_likelihood: -0.5 * q,
                distance: q.sqrt(),
            }
        };
        let mut st = settings(3);
        st.particles = 800;
        let one = sample(&prior, &st, &pool(1), eval, &mut |_| {});
        let two = sample(&prior, &st, &pool(2), eval, &mut |_| {});
        assert_eq!(one, two);
        let g = one.last();
        let (x, y) = (column(g, 0), column(g, 1));
        let (mx, my) = (weighted_mean(&x, &g.weights), weighted_mean(&y, &g.weights));
        let (sx, sy) = (weighted_sd(&x, &g.weights), weighted_sd(&y, &g.weights));
        let cov: f64 = x
            .iter()
            .zip(&y)
            .zip(&g.weights)
            .map(|((a, b), w)| w * (a - mx) * (b - my))
            .sum();
        assert!(
            (mx - 1.0).abs() < 0.05 && (my + 0.5).abs() < 0.08,
            "{mx} {my}"
        );
        assert!((sx / s1 - 1.0).abs() < 0.15 && (sy / s2 - 1.0).abs() < 0.15);
        assert!(
            (cov / (sx * sy) - rho).abs() < 0.08,
            "rho {}",
            cov / (sx * sy)
        );
    }

    #[test]
    fn weighted_helpers() {
        let v = [1.0, 2.0, 3.0, 4.0];
        let w = [0.1, 0.2, 0.3, 0.4];
        assert!((weighted_mean(&v, &w) - 3.0).abs() < 1e-12);
        assert!((weighted_quantile(&v, &w, 0.5) - 3.0).abs() < 1e-12);
        assert!((ess(&[1.0, 1.0, 1.0, 1.0]) - 4.0).abs() < 1e-12);
        assert!((ess(&[1.0, 0.0, 0.0, 0.0]) - 1.0).abs() < 1e-12);
        let c = cumulative(&w);
        assert_eq!(pick(&c, 0.0), 0);
        assert_eq!(pick(&c, 0.15), 1);
        assert_eq!(pick(&c, 0.99), 3);
    }
}
