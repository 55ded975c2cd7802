//! Citizens and media: anchored social influence with bounded-confidence media exposure and
//! direct experience of visible aid (docs/model.md §5.4).
//!
//! Stored as a structure of arrays, affinities power-major (`a[p * n + i]`), and sorted by
//! media channel (pro-government first) so the yearly update is a branch-light loop.

use super::params::ParamSpec;
use super::rng::Rng;
use rand::RngExt;
use rand_distr::{Beta, Binomial, Distribution, Normal};

/// The population.
#[derive(Clone, Debug)]
pub struct Citizens {
    /// Number of citizens.
    pub n: usize,
    /// Citizens `0..n_pro` follow pro-government media; the rest independent media.
    pub n_pro: usize,
    /// Affinity `a[i][p]`, power-major.
    pub a: Vec<f64>,
    /// Identity anchor `a0[i][p]`, power-major.
    pub a0: Vec<f64>,
    /// Susceptibility `λ_i`.
    pub lambda: Vec<f64>,
    /// Confidence bound `ε_i`.
    pub eps: Vec<f64>,
    /// Direct experience this year, sparse: (power, citizen, sign).
    pub experiences: Vec<(usize, usize, f64)>,
}

impl Citizens {
    /// Draws the initial population around the scenario's means.
    pub fn new(spec: &ParamSpec, rng: &mut Rng) -> Citizens {
        let pop = &spec.population;
        let n = pop.citizens;
        let np = spec.powers.len();
        let n_pro = ((n as f64) * pop.pro_government_share).round() as usize;
        let mut a0 = vec![0.0; n * np];
        for p in 0..np {
            let mean = pop.anchor_mean[p];
            // A standard deviation of zero is allowed: every anchor sits at the mean.
            let normal = Normal::new(0.0, 1.0).ok();
            for i in 0..n {
                let z: f64 = normal.map_or(0.0, |d| d.sample(rng));
                a0[p * n + i] = (mean + pop.anchor_sd * z).clamp(0.0, 1.0);
            }
        }
        let m = pop.susceptibility;
        let c = pop.susceptibility_concentration;
        // Invariant: Params::new keeps 0 < m < 1 and c >= 0.1, so both shapes are positive.
        let beta = Beta::new(m * c, (1.0 - m) * c).ok();
        let lambda = (0..n)
            .map(|_| beta.as_ref().map_or(m, |b| b.sample(rng)))
            .collect();
        let eps = (0..n)
            .map(|_| {
                let u: f64 = rng.random();
                (pop.confidence + pop.confidence_spread * (2.0 * u - 1.0)).max(0.0)
            })
            .collect();
        Citizens {
            n,
            n_pro,
            a: a0.clone(),
            a0,
            lambda,
            eps,
            experiences: Vec::new(),
        }
    }

    /// Affinities of power `p` for all citizens.
    pub fn affinity(&self, p: usize) -> &[f64] {
        &self.a[p * self.n..(p + 1) * self.n]
    }

    /// Queues direct experiences with power `p`: each citizen independently with
    /// probability `prob` (drawn as a binomial count, then that many citizens at random).
    pub fn draw_experiences(&mut self, p: usize, prob: f64, sign: f64, rng: &mut Rng) {
        if prob <= 0.0 || self.n == 0 {
            return;
        }
        let k = match Binomial::new(self.n as u64, prob.min(1.0)) {
            Ok(b) => b.sample(rng) as usize,
            Err(_) => 0,
        };
        for _ in 0..k {
            let i = rng.random_range(0..self.n);
            self.experiences.push((p, i, sign));
        }
    }

    /// Queues an experience for a fixed share of citizens (a scandal, a pollution event).
    pub fn share_experience(&mut self, p: usize, share: f64, sign: f64, rng: &mut Rng) {
        let k = ((self.n as f64) * share).round() as usize;
        for _ in 0..k {
            let i = rng.random_range(0..self.n);
            self.experiences.push((p, i, sign));
        }
    }

    /// One year of opinion dynamics for power `p`, given the media image on each channel.
    /// Returns the new mean affinity.
    pub fn update_power(
        &mut self,
        p: usize,
        media: [f64; 2],
        theta_m: f64,
        anchor_drift: f64,
    ) -> f64 {
        let n = self.n;
        let a = &mut self.a[p * n..(p + 1) * n];
        let a0 = &mut self.a0[p * n..(p + 1) * n];
        let mut sum = 0.0;
        for (range, m) in [(0..self.n_pro, media[0]), (self.n_pro..n, media[1])] {
            let (a, a0) = (&mut a[range.clone()], &mut a0[range.clone()]);
            let (lambda, eps) = (&self.lambda[range.clone()], &self.eps[range]);
            for i in 0..a.len() {
                let diff = m - a[i];
                let pull = if diff.abs() < eps[i] { diff } else { 0.0 };
                let l = lambda[i];
                let new = ((1.0 - l) * a0[i] + l * (a[i] + theta_m * pull)).clamp(0.0, 1.0);
                a[i] = new;
                a0[i] += anchor_drift * (new - a0[i]);
                sum += new;
            }
        }
        sum / n as f64
    }

    /// Moves the affinity to power `p` of every pro-government citizen by `λ_i · amount`
    /// (media that follow the government's line, docs/model.md §5.4). Returns the change in
    /// summed affinity.
    pub fn nudge_pro_government(&mut self, p: usize, amount: f64) -> f64 {
        let n = self.n;
        let mut delta = 0.0;
        for i in 0..self.n_pro {
            let slot = &mut self.a[p * n + i];
            let new = (*slot + self.lambda[i] * amount).clamp(0.0, 1.0);
            delta += new - *slot;
            *slot = new;
        }
        delta
    }

    /// Applies this year's queued experiences (`λ_i θ_e e`), then clears the queue.
    /// Returns the change in summed affinity per power.
    pub fn apply_experiences(&mut self, theta_e: f64, n_powers: usize) -> Vec<f64> {
        let mut delta = vec![0.0; n_powers];
        let n = self.n;
        for &(p, i, sign) in &self.experiences {
            let slot = &mut self.a[p * n + i];
            let new = (*slot + self.lambda[i] * theta_e * sign).clamp(0.0, 1.0);
            delta[p] += new - *slot;
            *slot = new;
        }
        self.experiences.clear();
        delta
    }
}
