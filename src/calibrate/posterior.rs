//! The posterior of a calibration: the error model that links the simulated series to the
//! observed points, its likelihood for the ABC-SMC sampler (`abc.rs`), and the posterior
//! predictive (docs/validation.md, "Posterior calibration").
//!
//! Error model: an observed point `y` of a target is one run's value `x(θ)` plus a structural
//! discrepancy `e ~ N(0, δ²)`; `δ` (model error, measurement error included) is shared by the
//! targets of one simulated measure (`alignment`, `membership_support`, `poll_friend`, ...),
//! declared in `[calibration.discrepancy]` or estimated with the parameters under a
//! log-uniform prior between its bounds (scale-free: each factor of two is as likely a priori;
//! the sampler moves `ln δ`). Each particle's likelihood is a synthetic likelihood (Wood 2010): `R` runs on seeds
//! of the particle's own give the mean `m` of each point, and the target's points are jointly
//! normal, `y ~ N(m, δ² I + S (1 + 1/R))` with `S` the
//! runs' covariance of the target's points across its years (a run's deviation persists from
//! year to year: treating the points as independent made the posterior too narrow, 29 of 40
//! intervals holding the truth in `tests/sbc.rs`). A target's weight is the power of its
//! likelihood, capped at 1 (a point never counts for more than one observation; a weight
//! below 1 counts it for less). Targets are independent given the parameters.

use super::abc::{self, Evaluation, Generation, Posterior, Prior};
use super::config::{Discrepancy, PosteriorConfig};
use super::objective::Problem;
use crate::experiment::{RunSpec, measures, member};
use crate::model::rng::{Rng, run_seed};
use crate::model::{Observer, YearRecord, run};
use crate::stats::{Quantiles, SeriesKey, Summary, summarize};
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

/// A model-error group: the targets of one simulated measure.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// The simulated measure, with its domain when the targets have one (`group_name`).
    pub measure: String,
    /// Declared or estimated.
    pub sd: Discrepancy,
}

/// The model-error group of a target's series: its measure, and its domain when it has one
/// (`closeness.diplomacy`: the vote-agreement targets say nothing of the error of the
/// aggregate closeness or of the other domains).
pub fn group_name(key: &SeriesKey) -> String {
    if key.domain.is_empty() {
        key.measure.clone()
    } else {
        format!("{}.{}", key.measure, key.domain)
    }
}

/// The parameters the sampler moves: the free model parameters, then one discrepancy sd per
/// estimated group.
pub struct PosteriorProblem<'a> {
    problem: &'a Problem,
    /// Groups of the targets with points.
    pub groups: Vec<Group>,
    /// Group of each target of the problem.
    target_group: Vec<usize>,
    /// Position of each estimated group's sd in the sampled vector.
    group_dim: Vec<Option<usize>>,
    runs: usize,
}

impl<'a> PosteriorProblem<'a> {
    /// The posterior problem over `problem`'s free parameters and targets.
    pub fn new(problem: &'a Problem, config: &PosteriorConfig) -> PosteriorProblem<'a> {
        let mut groups: Vec<Group> = Vec::new();
        let mut target_group = Vec::new();
        for t in problem.targets() {
            let name = group_name(&t.key);
            let g = match groups.iter().position(|g| g.measure == name) {
                Some(g) => g,
                None => {
                    groups.push(Group {
                        sd: config.discrepancy_of(&name),
                        measure: name,
                    });
                    groups.len() - 1
                }
            };
            target_group.push(g);
        }
        let mut next = problem.dim();
        let group_dim = groups
            .iter()
            .map(|g| match g.sd {
                Discrepancy::Fixed(_) => None,
                Discrepancy::Free { .. } => {
                    next += 1;
                    Some(next - 1)
                }
            })
            .collect();
        PosteriorProblem {
            problem,
            groups,
            target_group,
            group_dim,
            runs: config.runs.max(2),
        }
    }

    /// The underlying point-fit problem.
    pub fn problem(&self) -> &Problem {
        self.problem
    }

    /// A sampled vector on the parameters' own scale: estimated sds as `δ`, not `ln δ`.
    pub fn natural(&self, theta: &[f64]) -> Vec<f64> {
        let mut v = theta.to_vec();
        for d in self.group_dim.iter().flatten() {
            v[*d] = v[*d].exp();
        }
        v
    }

    /// The prior's bounds on the parameters' own scale (`natural` of the box's corners).
    pub fn natural_bounds(&self) -> (Vec<f64>, Vec<f64>) {
        let p = self.prior();
        (self.natural(&p.lo), self.natural(&p.hi))
    }

    /// Names of the sampled dimensions: free parameter paths, then `discrepancy.<measure>`.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.problem.free().iter().map(|f| f.path.clone()).collect();
        for (g, d) in self.groups.iter().zip(&self.group_dim) {
            if d.is_some() {
                names.push(format!("discrepancy.{}", g.measure));
            }
        }
        names
    }

    /// The prior: the free parameters' bounds, then the estimated sds' bounds on `ln δ`.
    pub fn prior(&self) -> Prior {
        let mut lo: Vec<f64> = self.problem.free().iter().map(|f| f.min).collect();
        let mut hi: Vec<f64> = self.problem.free().iter().map(|f| f.max).collect();
        for g in &self.groups {
            if let Discrepancy::Free { min, max } = g.sd {
                lo.push(min.ln());
                hi.push(max.ln());
            }
        }
        Prior { lo, hi }
    }

    /// The discrepancy sd of group `g` at the sampled vector `theta`.
    pub fn group_sd(&self, theta: &[f64], g: usize) -> f64 {
        match (self.groups[g].sd, self.group_dim[g]) {
            (Discrepancy::Fixed(sd), _) => sd,
            (_, Some(d)) => theta[d].exp(),
            // Unreachable: a free group always has a dimension.
            (Discrepancy::Free { min, .. }, None) => min,
        }
    }

    /// The discrepancy sd of the problem's target `t` at `theta`.
    pub fn target_sd(&self, theta: &[f64], t: usize) -> f64 {
        self.group_sd(theta, self.target_group[t])
    }

    /// The synthetic log-likelihood of the observations at `theta` from `runs` runs seeded
    /// from `seed`.
    pub fn evaluate(&self, theta: &[f64], seed: u64) -> Evaluation {
        let refused = Evaluation {
            log_likelihood: f64::NEG_INFINITY,
            distance: f64::INFINITY,
        };
        let d = self.problem.dim();
        let seeds: Vec<u64> = (0..self.runs as u64)
            .map(|r| run_seed(seed, 0, r))
            .collect();
        let Ok(sims) = self.problem.sample_runs(&theta[..d], &seeds) else {
            return refused;
        };
        let r = sims.len() as f64;
        let (mut ll, mut z2, mut n) = (0.0, 0.0, 0usize);
        for (t, target) in self.problem.targets().iter().enumerate() {
            let power = target.weight.min(1.0);
            if power <= 0.0 {
                continue;
            }
            let sd = self.target_sd(theta, t);
            let slots = self.problem.slots_of(t);
            let k = target.points.len().min(slots.len());
            // Mean and covariance over the runs of the target's points: the run-to-run
            // deviations of one run persist from year to year (the population drawn, the
            // government's noise carried by inertia), so the points are not independent
            // given the parameters, and treating them as independent would count one
            // run's luck once per year.
            let xs: Vec<Vec<f64>> = (0..k)
                .map(|j| sims.iter().map(|s| s[slots[j]]).collect())
                .collect();
            let m: Vec<f64> = xs.iter().map(|x| x.iter().sum::<f64>() / r).collect();
            let mut cov = vec![vec![0.0; k]; k];
            for a in 0..k {
                for b in 0..=a {
                    let c = xs[a]
                        .iter()
                        .zip(&xs[b])
                        .map(|(xa, xb)| (xa - m[a]) * (xb - m[b]))
                        .sum::<f64>()
                        / (r - 1.0)
                        * (1.0 + 1.0 / r);
                    cov[a][b] = c;
                    cov[b][a] = c;
                }
                cov[a][a] += sd * sd;
            }
            let resid: Vec<f64> = (0..k).map(|j| target.points[j].value - m[j]).collect();
            if m.iter().any(|v| !v.is_finite()) {
                return refused;
            }
            let Some((quad, log_det)) = gaussian_terms(&cov, &resid) else {
                return refused;
            };
            ll += -0.5 * power * (quad + k as f64 * std::f64::consts::TAU.ln() + log_det);
            z2 += quad;
            n += k;
        }
        Evaluation {
            log_likelihood: ll,
            distance: (z2 / n.max(1) as f64).sqrt(),
        }
    }

    /// Runs the sampler.
    pub fn sample(
        &self,
        settings: &abc::Settings,
        on_generation: &mut dyn FnMut(&Generation),
    ) -> Posterior {
        abc::sample(
            &self.prior(),
            settings,
            self.problem.pool(),
            |t, s| self.evaluate(t, s),
            on_generation,
        )
    }
}

/// `(rᵀ Σ⁻¹ r, ln det Σ)` of a symmetric covariance and a residual, through the sampler's
/// Cholesky factor; `None` when `Σ` is not positive definite or a number is not finite.
fn gaussian_terms(cov: &[Vec<f64>], resid: &[f64]) -> Option<(f64, f64)> {
    let (l, definite) = abc::cholesky_lifted(cov);
    if !definite {
        return None;
    }
    // Forward substitution: L y = r, so rᵀ Σ⁻¹ r = |y|².
    let mut y = vec![0.0; resid.len()];
    let (mut quad, mut log_det) = (0.0, 0.0);
    for i in 0..resid.len() {
        let s: f64 = (0..i).map(|p| l[i][p] * y[p]).sum();
        y[i] = (resid[i] - s) / l[i][i];
        quad += y[i] * y[i];
        log_det += 2.0 * l[i][i].ln();
    }
    (quad.is_finite() && log_det.is_finite()).then_some((quad, log_det))
}

/// Draws of the posterior predictive of every target's series over the whole horizon.
#[derive(Clone, Debug, PartialEq)]
pub struct Predictive {
    /// Simulated years.
    pub years: Vec<i32>,
    /// The target series, in the problem's target order.
    pub keys: Vec<SeriesKey>,
    /// Particle of each draw.
    pub particle: Vec<usize>,
    /// One run's value per draw, `[draw][target][year]`.
    pub model: Vec<Vec<Vec<f64>>>,
    /// The same plus the draw's discrepancy, clamped to [0, 1], `[draw][target][year]`.
    pub observed: Vec<Vec<Vec<f64>>>,
}

/// Yearly sd of the model error's random walk, per target of `pp` (the rate of its
/// measure group): the model error is read as a local level, white noise plus a random walk
/// (Harvey 1989), whose variogram is `E[(r_s − r_t)²] = 2δ_w² + q²|s − t|`. The residuals
/// `r = observed − posterior-predictive mean` of every pair of one target's points in the fit
/// window give squared increments; a least-squares line through them against the lag gives
/// `q²` as its slope (`variogram_slope`). In-sample the discrepancy `δ` already covers the
/// residuals; the walk widens only the years after the information set, where the model's
/// error is not known to stay where it was.
pub fn drift_rates(pp: &PosteriorProblem<'_>, pred: &Predictive) -> Vec<f64> {
    let targets = pp.problem().targets();
    let mut pairs: Vec<Vec<(f64, f64)>> = vec![Vec::new(); pp.groups.len()];
    for (t, target) in targets.iter().enumerate() {
        let r: Vec<(i32, f64)> = target
            .points
            .iter()
            .filter_map(|p| Some((p.year, p.value - pred.model_mean(t, p.year)?)))
            .collect();
        for (i, a) in r.iter().enumerate() {
            for b in &r[i + 1..] {
                pairs[pp.target_group[t]].push((f64::from((b.0 - a.0).abs()), (b.1 - a.1).powi(2)));
            }
        }
    }
    let rate: Vec<f64> = pairs.iter().map(|p| variogram_slope(p).sqrt()).collect();
    (0..targets.len())
        .map(|t| rate[pp.target_group[t]])
        .collect()
}

/// Slope of the least-squares line through `(lag, squared increment)` pairs, at least 0;
/// 0 without two distinct lags.
pub fn variogram_slope(pairs: &[(f64, f64)]) -> f64 {
    let n = pairs.len() as f64;
    if pairs.len() < 2 {
        return 0.0;
    }
    let mx = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = pairs.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx <= 0.0 {
        return 0.0;
    }
    let sxy: f64 = pairs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxy / sxx).max(0.0)
}

/// `n` particle indices by systematic resampling of `weights` (deterministic given `u`).
pub fn resample(weights: &[f64], n: usize, u: f64) -> Vec<usize> {
    let cum = abc::cumulative(weights);
    (0..n)
        .map(|i| abc::pick(&cum, (i as f64 + u) / n as f64))
        .collect()
}

/// Collects the values of some series every year.
struct Series<'a> {
    index: &'a [usize],
    buf: Vec<f64>,
    out: Vec<Vec<f64>>,
}

impl Observer for Series<'_> {
    fn year(&mut self, rec: &YearRecord) {
        self.buf.clear();
        measures::values(rec, &mut self.buf);
        for (o, &k) in self.out.iter_mut().zip(self.index) {
            o.push(self.buf.get(k).copied().unwrap_or(f64::NAN));
        }
    }
}

/// The posterior predictive: `draws` runs, each of a particle drawn by systematic resampling
/// of the last generation, with its own seed, plus an independent discrepancy draw per point.
pub fn predictive(
    pp: &PosteriorProblem<'_>,
    generation: &Generation,
    draws: usize,
    seed: u64,
) -> anyhow::Result<Predictive> {
    let problem = pp.problem();
    let mut u_rng = Rng::seed_from_u64(run_seed(seed, u64::MAX, 0));
    let particle = resample(&generation.weights, draws, u_rng.random::<f64>());
    let d = problem.dim();
    let first = problem.scenario_at(&generation.particles[0][..d])?;
    let keys_all = measures::series(&first.base);
    let keys: Vec<SeriesKey> = problem.targets().iter().map(|t| t.key.clone()).collect();
    let index: Vec<usize> = keys
        .iter()
        .map(|k| keys_all.iter().position(|a| a == k).unwrap_or(usize::MAX))
        .collect();
    let years: Vec<i32> = (first.base.start..=first.base.end).collect();
    type Draw = (Vec<Vec<f64>>, Vec<Vec<f64>>);
    let rows: Vec<anyhow::Result<Draw>> = problem.pool().install(|| {
        particle
            .par_iter()
            .enumerate()
            .map(|(i, &j)| {
                let theta = &generation.particles[j];
                let s = problem.scenario_at(&theta[..d])?;
                let spec = RunSpec {
                    case: 0,
                    replicate: i as u64,
                    seed: run_seed(seed, 1, i as u64),
                };
                let params = member(&s, &spec);
                let mut obs = Series {
                    index: &index,
                    buf: Vec::new(),
                    out: vec![Vec::new(); index.len()],
                };
                run(&params, spec.seed, &mut obs);
                let mut rng = Rng::seed_from_u64(run_seed(seed, 2, i as u64));
                let noisy = obs
                    .out
                    .iter()
                    .enumerate()
                    .map(|(t, series)| {
                        let sd = pp.target_sd(theta, t);
                        series
                            .iter()
                            .map(|x| {
                                let z: f64 = rng.sample(rand_distr::StandardNormal);
                                (x + sd * z).clamp(0.0, 1.0)
                            })
                            .collect()
                    })
                    .collect();
                Ok((obs.out, noisy))
            })
            .collect()
    });
    let mut model = Vec::with_capacity(draws);
    let mut observed = Vec::with_capacity(draws);
    for r in rows {
        let (m, o) = r?;
        model.push(m);
        observed.push(o);
    }
    Ok(Predictive {
        years,
        keys,
        particle,
        model,
        observed,
    })
}

impl Predictive {
    /// Quantiles of target `t` in year index `y`, with the discrepancy (`with_error`) or of
    /// the runs alone.
    pub fn quantiles(&self, t: usize, y: usize, with_error: bool) -> Quantiles {
        let src = if with_error {
            &self.observed
        } else {
            &self.model
        };
        let mut v: Vec<f64> = src
            .iter()
            .map(|d| d[t][y])
            .filter(|x| x.is_finite())
            .collect();
        summarize(&mut v)
    }

    /// A summary of the target series (for fan charts).
    pub fn summary(&self, with_error: bool) -> Summary {
        let mut s = Summary {
            years: self.years.clone(),
            runs: self.model.len(),
            series: Default::default(),
        };
        for (t, k) in self.keys.iter().enumerate() {
            let q = (0..self.years.len())
                .map(|y| self.quantiles(t, y, with_error))
                .collect();
            s.series.insert(k.clone(), q);
        }
        s
    }

    /// Mean over the draws of target `t`'s simulated value in `year` (no discrepancy).
    pub fn model_mean(&self, t: usize, year: i32) -> Option<f64> {
        let y = self.years.iter().position(|v| *v == year)?;
        let v: Vec<f64> = self
            .model
            .iter()
            .map(|d| d[t][y])
            .filter(|x| x.is_finite())
            .collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    }

    /// Adds the model error that accumulates after the information set: for every year after
    /// `origin`, a random walk started at the origin with the yearly sd `rates[t]` of target
    /// `t` (`drift_rates`), one path per draw, clamped to [0, 1] like the discrepancy.
    pub fn widen_after(&mut self, origin: i32, rates: &[f64], seed: u64) {
        for (i, draw) in self.observed.iter_mut().enumerate() {
            let mut rng = Rng::seed_from_u64(run_seed(seed, 3, i as u64));
            for (t, series) in draw.iter_mut().enumerate() {
                let q = rates.get(t).copied().unwrap_or(0.0);
                let mut walk = 0.0;
                for (y, x) in self.years.iter().zip(series.iter_mut()) {
                    if *y <= origin {
                        continue;
                    }
                    let z: f64 = rng.sample(rand_distr::StandardNormal);
                    walk += q * z;
                    if q > 0.0 {
                        *x = (*x + walk).clamp(0.0, 1.0);
                    }
                }
            }
        }
    }

    /// The sorted predictive sample of target `t` in `year` (with the discrepancy).
    pub fn sample_at(&self, t: usize, year: i32) -> Option<Vec<f64>> {
        let y = self.years.iter().position(|v| *v == year)?;
        let mut v: Vec<f64> = self
            .observed
            .iter()
            .map(|d| d[t][y])
            .filter(|x| x.is_finite())
            .collect();
        v.sort_by(f64::total_cmp);
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Gaussian terms of a 2 × 2 covariance against its closed form: `rᵀ Σ⁻¹ r` with
    /// `Σ⁻¹ = [[c, −b], [−b, a]] / (ac − b²)` and `ln det Σ = ln(ac − b²)`; a matrix that is
    /// not positive definite is refused.
    #[test]
    fn gaussian_terms_match_the_two_by_two_closed_form() {
        let (a, b, c) = (0.04, 0.015, 0.09);
        let r = [0.1, -0.2];
        let det = a * c - b * b;
        let quad = (c * r[0] * r[0] - 2.0 * b * r[0] * r[1] + a * r[1] * r[1]) / det;
        let (q, ld) = gaussian_terms(&[vec![a, b], vec![b, c]], &r).expect("definite");
        assert!((q - quad).abs() < 1e-12 * quad, "{q} vs {quad}");
        assert!((ld - det.ln()).abs() < 1e-12, "{ld} vs {}", det.ln());
        assert!(gaussian_terms(&[vec![a, 0.1], vec![0.1, c]], &r).is_none());
    }

    #[test]
    fn the_variogram_slope_recovers_a_random_walk_under_white_noise() {
        // Known truth: residuals r_t = walk_t + white_t, q = 0.03 a year, δ_w = 0.02, on four
        // series of twelve yearly points (the shape of the vote-agreement targets), 400
        // replications: the mean estimated q² is within 15% of 0.0009, and a pure white-noise
        // residual gives a slope near 0.
        let (q, dw) = (0.03, 0.02);
        let mut rng = Rng::seed_from_u64(7);
        let (mut walk_est, mut white_est) = (0.0, 0.0);
        let reps = 400;
        for _ in 0..reps {
            let (mut walk_pairs, mut white_pairs) = (Vec::new(), Vec::new());
            for _ in 0..4 {
                let mut w = 0.0;
                let mut r = Vec::new();
                let mut e = Vec::new();
                for _ in 0..12 {
                    let z: f64 = rng.sample(rand_distr::StandardNormal);
                    let n: f64 = rng.sample(rand_distr::StandardNormal);
                    w += q * z;
                    r.push(w + dw * n);
                    e.push(dw * n);
                }
                for i in 0..12 {
                    for j in i + 1..12 {
                        walk_pairs.push(((j - i) as f64, (r[j] - r[i]).powi(2)));
                        white_pairs.push(((j - i) as f64, (e[j] - e[i]).powi(2)));
                    }
                }
            }
            walk_est += variogram_slope(&walk_pairs) / reps as f64;
            white_est += variogram_slope(&white_pairs) / reps as f64;
        }
        assert!(
            (walk_est / (q * q) - 1.0).abs() < 0.15,
            "q² {walk_est} vs {}",
            q * q
        );
        assert!(white_est < 0.1 * q * q, "white noise gave q² {white_est}");
        // Exactly zero, of either sign.
        assert_eq!(variogram_slope(&[(1.0, 0.1)]).abs().to_bits(), 0);
        assert_eq!(
            variogram_slope(&[(1.0, 0.1), (1.0, 0.3)]).abs().to_bits(),
            0
        );
    }

    #[test]
    fn systematic_resampling_follows_the_weights() {
        let idx = resample(&[0.5, 0.25, 0.25], 8, 0.5);
        assert_eq!(idx, vec![0, 0, 0, 0, 1, 1, 2, 2]);
    }
}
