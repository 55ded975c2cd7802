//! ABC-SMC: a sequential Monte Carlo sampler of a posterior over a box of parameters, for a
//! model that can only be simulated (docs/validation.md, "Posterior calibration").
//!
//! A population of weighted particles moves through generations of decreasing tolerance `ε`.
//! Each generation proposes every particle afresh from the previous population (an ancestor
//! drawn by weight, moved by a multivariate normal kernel with twice the population's weighted
//! covariance, Beaumont et al. 2009), evaluates it once, and weighs it by
//! `kernel_ε · prior / proposal density`. The kernel is Gaussian in the evaluation's
//! log-likelihood, `exp(ℓ / ε²)`: at `ε = 1` it is the declared error model itself, and
//! ABC under a model-error kernel is exact for that error model (Wilkinson 2013), so the
//! sampler stops once the tolerance reaches 1. The tolerance of each generation is chosen
//! adaptively: the smallest `ε ≥ 1` whose weights keep an effective sample size of at least
//! `ess_fraction` of the population (Del Moral, Doucet & Jasra 2012; the Gaussian-kernel
//! counterpart of a quantile of the previous distances).
//!
//! Pure and generic: it knows nothing of the model, files or terminals. The caller passes the
//! evaluation (`θ`, seed) → `Evaluation`, which may be random: its randomness comes only from
//! the seed, derived from (master seed, generation, particle index). Particles are evaluated
//! in parallel and collected in index order, so the result does not depend on the thread
//! count.

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
    /// Stop when the acceptance rate (the share of proposals a rejection sampler with this
    /// kernel would keep) falls below this.
    pub min_acceptance: f64,
    /// Master seed.
    pub seed: u64,
}

/// Why the sampler stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The tolerance reached 1: the population is weighted for the exact error model.
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
            Stop::LowAcceptance => "acceptance rate below the minimum",
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
    /// Effective sample size of the weights, `(Σw)² / Σw²`.
    pub ess: f64,
    /// Share of proposals a rejection sampler with this kernel would accept:
    /// `mean_i exp((ℓ_i − max ℓ) / ε²)`.
    pub acceptance: f64,
    /// Particles, `[i][dim]`.
    pub particles: Vec<Vec<f64>>,
    /// Normalised weights (sum 1).
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

/// The perturbation kernel: a normal with covariance `2 Σ` (Σ the weighted covariance of
/// the population), through its Cholesky factor.
struct Kernel {
    chol: Vec<Vec<f64>>,
    /// `Σ⁻¹` through the factor: solves and log-determinant.
    log_det: f64,
}

impl Kernel {
    fn new(population: &Generation, prior: &Prior) -> Kernel {
        let d = prior.dim();
        let w = &population.weights;
        let means: Vec<f64> = (0..d)
            .map(|k| {
                population
                    .particles
                    .iter()
                    .zip(w)
                    .map(|(p, w)| w * p[k])
                    .sum::<f64>()
            })
            .collect();
        let mut cov = vec![vec![0.0; d]; d];
        for (p, w) in population.particles.iter().zip(w) {
            for a in 0..d {
                for b in 0..d {
                    cov[a][b] += 2.0 * w * (p[a] - means[a]) * (p[b] - means[b]);
                }
            }
        }
        // A floor on the variance keeps the kernel proper when the population collapses.
        for (a, row) in cov.iter_mut().enumerate() {
            let width = prior.hi[a] - prior.lo[a];
            row[a] += (1e-4 * width).powi(2);
        }
        let chol = cholesky(&cov);
        let log_det = 2.0 * chol.iter().enumerate().map(|(i, r)| r[i].ln()).sum::<f64>();
        Kernel { chol, log_det }
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

    /// Log density of `x` around `centre`, without the constant `−d/2 · ln 2π`.
    fn log_density(&self, x: &[f64], centre: &[f64]) -> f64 {
        // Solve L y = x − centre by forward substitution; the density needs |y|².
        let d = x.len();
        let mut y = vec![0.0; d];
        for i in 0..d {
            let s: f64 = (0..i).map(|j| self.chol[i][j] * y[j]).sum();
            y[i] = (x[i] - centre[i] - s) / self.chol[i][i];
        }
        -0.5 * (y.iter().map(|v| v * v).sum::<f64>() + self.log_det)
    }
}

/// Cholesky factor (lower) of a symmetric positive definite matrix; tiny pivots are lifted so
/// that a nearly singular covariance still gives a usable kernel.
fn cholesky(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let d = a.len();
    let mut l = vec![vec![0.0; d]; d];
    for i in 0..d {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                l[i][i] = (a[i][i] - s).max(1e-300).sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    l
}

fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// One proposal: the particle and its proposal log-density term (`ln prior − ln q`).
struct Proposal {
    theta: Vec<f64>,
    evaluation: Evaluation,
    log_base: f64,
}

/// Weights at tolerance `eps` from the proposals' log-likelihoods and base terms.
fn weights_at(props: &[Proposal], eps: f64) -> Vec<f64> {
    let lam = 1.0 / (eps * eps);
    let logs: Vec<f64> = props
        .iter()
        .map(|p| {
            let l = p.evaluation.log_likelihood;
            if l.is_nan() || l == f64::NEG_INFINITY {
                f64::NEG_INFINITY
            } else {
                lam * l + p.log_base
            }
        })
        .collect();
    let m = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return vec![0.0; props.len()];
    }
    let w: Vec<f64> = logs.iter().map(|l| (l - m).exp()).collect();
    let s: f64 = w.iter().sum();
    w.iter().map(|x| x / s).collect()
}

fn acceptance_at(props: &[Proposal], eps: f64) -> f64 {
    let lam = 1.0 / (eps * eps);
    let ls: Vec<f64> = props
        .iter()
        .map(|p| p.evaluation.log_likelihood)
        .filter(|l| l.is_finite())
        .collect();
    let m = ls.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if ls.is_empty() {
        return 0.0;
    }
    ls.iter().map(|l| (lam * (l - m)).exp()).sum::<f64>() / props.len() as f64
}

/// The tolerance of a generation: the smallest `ε` in `[1, previous]` that keeps the
/// effective sample size at `ess_fraction · n` at least (the previous tolerance if none does).
fn choose_tolerance(props: &[Proposal], previous: f64, fraction: f64) -> f64 {
    let n = props.len() as f64;
    let ok = |eps: f64| ess(&weights_at(props, eps)) >= fraction * n;
    if ok(1.0) {
        return 1.0;
    }
    if previous.is_finite() && !ok(previous) {
        return previous;
    }
    // Bisection on ln ε between 1 (too small) and a tolerance that keeps the ESS.
    let mut hi = if previous.is_finite() {
        previous
    } else {
        let mut e = 2.0;
        while !ok(e) && e < 1e12 {
            e *= 4.0;
        }
        e
    };
    let mut lo = 1.0_f64;
    for _ in 0..60 {
        let mid = (lo.ln() * 0.5 + hi.ln() * 0.5).exp();
        if ok(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
        if hi / lo < 1.0 + 1e-6 {
            break;
        }
    }
    hi
}

/// Runs ABC-SMC. `evaluate` is called on a thread of `pool`; `on_generation` sees each
/// generation as it completes (a progress bar). Errors only come from the caller's
/// `on_generation`.
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
    let mut generations: Vec<Generation> = Vec::new();
    let mut tolerance = f64::INFINITY;
    loop {
        let g = generations.len();
        let previous = generations.last();
        let kernel = previous.map(|p| Kernel::new(p, prior));
        let cum = previous.map(|p| cumulative(&p.weights));
        let props: Vec<Proposal> = pool.install(|| {
            (0..n)
                .into_par_iter()
                .map(|i| {
                    let mut rng = Rng::seed_from_u64(run_seed(settings.seed, g as u64, i as u64));
                    let theta = match (previous, &kernel, &cum) {
                        (Some(p), Some(k), Some(c)) => propose(p, k, c, prior, &mut rng),
                        _ => prior.draw(&mut rng),
                    };
                    let eval_seed = rng.random::<u64>();
                    let evaluation = evaluate(&theta, eval_seed);
                    let log_base = match (previous, &kernel) {
                        (Some(p), Some(k)) => {
                            let terms: Vec<f64> = p
                                .particles
                                .iter()
                                .zip(&p.weights)
                                .filter(|(_, w)| **w > 0.0)
                                .map(|(c, w)| w.ln() + k.log_density(&theta, c))
                                .collect();
                            -log_sum_exp(&terms)
                        }
                        _ => 0.0,
                    };
                    Proposal {
                        theta,
                        evaluation,
                        log_base,
                    }
                })
                .collect()
        });
        if props
            .iter()
            .all(|p| !p.evaluation.log_likelihood.is_finite())
        {
            return Posterior {
                generations,
                stop: Stop::AllRefused,
            };
        }
        tolerance = choose_tolerance(&props, tolerance, settings.ess_fraction);
        let weights = weights_at(&props, tolerance);
        let generation = Generation {
            index: g,
            tolerance,
            ess: ess(&weights),
            acceptance: acceptance_at(&props, tolerance),
            weights,
            particles: props.iter().map(|p| p.theta.clone()).collect(),
            evaluations: props.iter().map(|p| p.evaluation).collect(),
        };
        on_generation(&generation);
        let acceptance = generation.acceptance;
        generations.push(generation);
        let stop = if tolerance <= 1.0 {
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

/// A new particle: an ancestor by weight, moved by the kernel until it lands inside the
/// prior's box. Redrawing both keeps the proposal density proportional to the mixture inside
/// the box (the normalising constant is the same for every particle and cancels).
fn propose(
    previous: &Generation,
    kernel: &Kernel,
    cum: &[f64],
    prior: &Prior,
    rng: &mut Rng,
) -> Vec<f64> {
    for _ in 0..10_000 {
        let j = pick(cum, rng.random::<f64>());
        let theta = kernel.perturb(&previous.particles[j], rng);
        if prior.contains(&theta) {
            return theta;
        }
    }
    // Practically unreachable (the kernel is centred on particles inside the box); the
    // prior keeps the function total.
    prior.draw(rng)
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
