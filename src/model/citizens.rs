//! Citizens and media: anchored social influence with bounded-confidence media exposure and
//! direct experience of visible aid (docs/model.md §5.4).
//!
//! Stored as a structure of arrays, affinities power-major (`a[p * n + i]`), and sorted by
//! media channel (pro-government first) so the yearly update is a branch-light loop.

use super::params::ParamSpec;
use super::rng::{Keyed, Rng, Stream};
use rand::RngExt;
use rand_distr::{Beta, Distribution, Gamma, Normal};

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
    /// Fixed-share experiences queued this year (each reads its own random stream).
    shares: u64,
}

impl Citizens {
    /// Draws the initial population around the scenario's means.
    pub fn new(spec: &ParamSpec, rng: &mut Rng) -> Citizens {
        let pop = &spec.population;
        let n = pop.citizens;
        let np = spec.powers.len();
        let n_pro = ((n as f64) * pop.pro_government_share).round() as usize;
        let mut a0 = spare(n * np);
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
        let beta = Susceptibility::new(m * c, (1.0 - m) * c);
        let mut lambda = spare(n);
        for l in lambda.iter_mut() {
            *l = beta.as_ref().map_or(m, |b| b.sample(rng));
        }
        let mut eps = spare(n);
        for e in eps.iter_mut() {
            let u: f64 = rng.random();
            *e = (pop.confidence + pop.confidence_spread * (2.0 * u - 1.0)).max(0.0);
        }
        let mut a = spare(n * np);
        a.copy_from_slice(&a0);
        Citizens {
            n,
            n_pro,
            a,
            a0,
            lambda,
            eps,
            experiences: Vec::new(),
            shares: 0,
        }
    }

    /// Affinities of power `p` for all citizens.
    pub fn affinity(&self, p: usize) -> &[f64] {
        &self.a[p * self.n..(p + 1) * self.n]
    }

    /// Queues this year's direct experiences with power `p`: each citizen independently with
    /// probability `prob`, drawn as a binomial count, then that many citizens at random.
    ///
    /// The draws come from the stream of (citizens, year, power) and the count by inversion
    /// of one uniform: the count grows with `prob` for the same uniform and the citizens are
    /// the first of one fixed sequence, so two scenarios that differ in visible aid share
    /// every experience the smaller aid gives (a monotone coupling, docs/model.md §4).
    pub fn draw_experiences(&mut self, p: usize, prob: f64, sign: f64, keys: &Keyed, year: i32) {
        if prob <= 0.0 || self.n == 0 {
            return;
        }
        let mut rng = keys.at(Stream::Citizens, year, p as u64);
        let u: f64 = rng.random();
        let k = binomial_inverse(self.n as u64, prob.min(1.0), u) as usize;
        self.queue(p, k, sign, &mut rng);
    }

    /// Queues an experience for a fixed share of citizens (a scandal, a pollution event),
    /// drawn from a stream of its own for the year.
    pub fn share_experience(&mut self, p: usize, share: f64, sign: f64, keys: &Keyed, year: i32) {
        let k = ((self.n as f64) * share).round() as usize;
        let mut rng = keys.at(Stream::Shares, year, ((p as u64) << 24) | self.shares);
        self.shares += 1;
        self.queue(p, k, sign, &mut rng);
    }

    fn queue(&mut self, p: usize, k: usize, sign: f64, rng: &mut Rng) {
        self.experiences.reserve(k);
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
        for (range, m) in [(0..self.n_pro, media[0]), (self.n_pro..n, media[1])] {
            let len = range.len();
            let a = &mut a[range.clone()];
            let a0 = &mut a0[range.clone()][..len];
            let lambda = &self.lambda[range.clone()][..len];
            let eps = &self.eps[range][..len];
            // Independent iterations with no carried sum: the loop vectorises.
            for i in 0..len {
                let diff = m - a[i];
                let pull = if diff.abs() < eps[i] { diff } else { 0.0 };
                let l = lambda[i];
                let new = ((1.0 - l) * a0[i] + l * (a[i] + theta_m * pull)).clamp(0.0, 1.0);
                a[i] = new;
                a0[i] += anchor_drift * (new - a0[i]);
            }
        }
        lane_sum(a) / n as f64
    }

    /// Moves the affinity to power `p` of every pro-government citizen by `λ_i · amount`
    /// (media that follow the government's line, docs/model.md §5.4). Returns the change in
    /// summed affinity.
    pub fn nudge_pro_government(&mut self, p: usize, amount: f64) -> f64 {
        let n = self.n;
        let a = &mut self.a[p * n..p * n + self.n_pro];
        let lambda = &self.lambda[..self.n_pro];
        // The change is the difference of two lane sums, so every loop vectorises (a running
        // sum of the differences is a loop-carried dependency that keeps the loop scalar).
        let before = lane_sum(a);
        for (slot, l) in a.iter_mut().zip(lambda) {
            *slot = (*slot + l * amount).clamp(0.0, 1.0);
        }
        lane_sum(a) - before
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
        self.shares = 0;
        delta
    }
}

thread_local! {
    /// The arrays of populations dropped on this thread, kept for the next population: a
    /// study makes one population per run, and handing the arrays back to the system after
    /// each run and asking again before the next costs a page fault per 4 KB (two thirds of
    /// the page faults of a 1,000-run ensemble before).
    static SPARE: std::cell::RefCell<Vec<Vec<f64>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Arrays kept per thread: one population's four arrays, twice over.
const SPARE_KEPT: usize = 8;

/// A zeroed array of `len`, from the thread's spare arrays when one is large enough.
fn spare(len: usize) -> Vec<f64> {
    let found = SPARE.with(|s| {
        let mut s = s.borrow_mut();
        // The smallest that fits, so a small request does not take a large array.
        let (i, _) = s
            .iter()
            .enumerate()
            .filter(|(_, v)| v.capacity() >= len)
            .min_by_key(|(_, v)| v.capacity())?;
        Some(s.swap_remove(i))
    });
    match found {
        Some(mut v) => {
            v.clear();
            v.resize(len, 0.0);
            v
        }
        None => vec![0.0; len],
    }
}

impl Drop for Citizens {
    fn drop(&mut self) {
        let arrays = [
            std::mem::take(&mut self.a),
            std::mem::take(&mut self.a0),
            std::mem::take(&mut self.lambda),
            std::mem::take(&mut self.eps),
        ];
        // During thread teardown the spare list may be gone: the arrays are then freed.
        let _ = SPARE.try_with(|s| {
            let mut s = s.borrow_mut();
            for v in arrays {
                if s.len() < SPARE_KEPT && v.capacity() > 0 {
                    s.push(v);
                }
            }
        });
    }
}

/// A Beta(α, β) draw of the susceptibility. With both shapes at least 1 (the defaults: 4 and
/// 6) it is `X / (X + Y)` of two gamma draws (Marsaglia and Tsang's method, one normal and one
/// uniform per draw, rarely a logarithm), exactly Beta(α, β) in distribution and about three
/// times faster than the general Beta sampler, whose every attempt takes a logarithm and an
/// exponential; smaller shapes, where the gamma draws may both underflow to zero, use the
/// general sampler.
enum Susceptibility {
    Gammas(Gamma<f64>, Gamma<f64>),
    General(Beta<f64>),
}

impl Susceptibility {
    fn new(alpha: f64, beta: f64) -> Option<Susceptibility> {
        if alpha >= 1.0 && beta >= 1.0 {
            Some(Susceptibility::Gammas(
                Gamma::new(alpha, 1.0).ok()?,
                Gamma::new(beta, 1.0).ok()?,
            ))
        } else {
            Beta::new(alpha, beta).ok().map(Susceptibility::General)
        }
    }

    fn sample(&self, rng: &mut Rng) -> f64 {
        match self {
            Susceptibility::Gammas(x, y) => {
                let (x, y) = (x.sample(rng), y.sample(rng));
                x / (x + y)
            }
            Susceptibility::General(b) => b.sample(rng),
        }
    }
}

/// Sum in eight interleaved lanes (then the lanes in order): a fixed order, so the result
/// is the same on every machine, and one that vectorises.
pub fn lane_sum(xs: &[f64]) -> f64 {
    let mut lanes = [0.0; 8];
    let chunks = xs.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (l, x) in lanes.iter_mut().zip(c) {
            *l += x;
        }
    }
    let mut total = 0.0;
    for l in lanes {
        total += l;
    }
    for x in rest {
        total += x;
    }
    total
}

/// The smallest `k` with `P(Binomial(n, p) ≤ k) ≥ u`: a binomial draw by inversion of the
/// uniform `u`, so that the count is monotone in `p` for a given `u`.
///
/// The weights are built outwards from the mode by the ratio of neighbouring terms and
/// normalised by their sum; terms below 1e-18 of the mode's are dropped (their total is
/// below 1e-15). The cost grows with the standard deviation, not with `n`.
pub fn binomial_inverse(n: u64, p: f64, u: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    let nf = n as f64;
    let odds = p / (1.0 - p);
    let mode = (((nf + 1.0) * p).floor() as u64).min(n);
    // w(k) relative to w(mode) = 1: w(k+1) = w(k) (n − k)/(k + 1) odds.
    const TINY: f64 = 1e-18;
    let mut below = 0.0;
    let (mut k, mut wk) = (mode, 1.0);
    while k > 0 {
        wk *= k as f64 / ((nf - k as f64 + 1.0) * odds);
        k -= 1;
        below += wk;
        if wk < TINY {
            break;
        }
    }
    let mut above = 0.0;
    let (mut k, mut wk) = (mode, 1.0);
    while k < n {
        wk *= (nf - k as f64) / (k as f64 + 1.0) * odds;
        k += 1;
        above += wk;
        if wk < TINY {
            break;
        }
    }
    let target = u * (below + 1.0 + above);
    // Cumulative weight up to the mode, then walk to the first k whose cumulative reaches
    // the target.
    let mut cum = below + 1.0;
    let (mut k, mut wk) = (mode, 1.0);
    if target <= cum {
        while k > 0 {
            let before = cum - wk;
            if before < target {
                break;
            }
            cum = before;
            wk *= k as f64 / ((nf - k as f64 + 1.0) * odds);
            k -= 1;
        }
    } else {
        while k < n && cum < target {
            wk *= (nf - k as f64) / (k as f64 + 1.0) * odds;
            k += 1;
            cum += wk;
        }
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// The susceptibility drawn as a ratio of gammas is Beta(α, β): its mean and variance
    /// match the Beta's within four standard errors, and a two-sample Kolmogorov–Smirnov
    /// distance to the general Beta sampler's draws stays below the 1% critical value.
    #[test]
    fn susceptibility_from_gammas_is_beta() {
        for (alpha, beta) in [(4.0, 6.0), (1.0, 1.0), (1.5, 12.0), (30.0, 2.0)] {
            let n = 100_000;
            let fast = Susceptibility::new(alpha, beta).expect("valid shapes");
            assert!(matches!(fast, Susceptibility::Gammas(..)));
            let general = Beta::new(alpha, beta).expect("valid shapes");
            let mut rng = Rng::seed_from_u64(17);
            let mut xs: Vec<f64> = (0..n).map(|_| fast.sample(&mut rng)).collect();
            let mut ys: Vec<f64> = (0..n).map(|_| general.sample(&mut rng)).collect();
            let s = alpha + beta;
            let (mean, var) = (alpha / s, alpha * beta / (s * s * (s + 1.0)));
            let m = xs.iter().sum::<f64>() / n as f64;
            let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
            assert!(
                (m - mean).abs() < 4.0 * (var / n as f64).sqrt(),
                "{alpha},{beta}: mean {m} vs {mean}"
            );
            // The variance of a sample variance is below 2 var² / n for these shapes' kurtosis.
            assert!(
                (v - var).abs() < 4.0 * var * (3.0 / n as f64).sqrt(),
                "{alpha},{beta}: var {v} vs {var}"
            );
            xs.sort_by(f64::total_cmp);
            ys.sort_by(f64::total_cmp);
            let (mut i, mut j, mut d) = (0, 0, 0.0_f64);
            while i < n && j < n {
                if xs[i] <= ys[j] {
                    i += 1;
                } else {
                    j += 1;
                }
                d = d.max((i as f64 - j as f64).abs() / n as f64);
            }
            let critical = 1.63 * (2.0 / n as f64).sqrt();
            assert!(
                d < critical,
                "{alpha},{beta}: KS distance {d} >= {critical}"
            );
        }
        assert!(matches!(
            Susceptibility::new(0.5, 3.0),
            Some(Susceptibility::General(_))
        ));
    }

    /// Exact binomial distribution function by direct summation in logs.
    fn cdf(n: u64, p: f64, k: u64) -> f64 {
        let ln_fact = |m: u64| (1..=m).map(|i| (i as f64).ln()).sum::<f64>();
        (0..=k)
            .map(|j| {
                (ln_fact(n) - ln_fact(j) - ln_fact(n - j)
                    + j as f64 * p.ln()
                    + (n - j) as f64 * (1.0 - p).ln())
                .exp()
            })
            .sum()
    }

    #[test]
    fn binomial_inverse_matches_the_distribution_function() {
        for &(n, p) in &[
            (1, 0.3),
            (10, 0.5),
            (2000, 0.01),
            (2000, 0.37),
            (500, 0.999),
        ] {
            for i in 1..50 {
                let u = i as f64 / 50.0;
                let k = binomial_inverse(n, p, u);
                assert!(cdf(n, p, k) >= u - 1e-9, "n {n} p {p} u {u} k {k}");
                if k > 0 {
                    assert!(cdf(n, p, k - 1) < u + 1e-9, "n {n} p {p} u {u} k {k}");
                }
            }
        }
        assert_eq!(binomial_inverse(2000, 0.0, 0.5), 0);
        assert_eq!(binomial_inverse(2000, 1.0, 0.5), 2000);
        assert_eq!(binomial_inverse(0, 0.5, 0.5), 0);
    }

    #[test]
    fn binomial_inverse_is_monotone_in_the_probability() {
        for i in 0..200 {
            let u = (i as f64 + 0.5) / 200.0;
            let mut last = 0;
            for j in 0..100 {
                let k = binomial_inverse(2000, j as f64 / 100.0, u);
                assert!(k >= last);
                last = k;
            }
        }
    }

    #[test]
    fn more_visible_aid_adds_experiences_without_moving_the_others() {
        let spec = crate::model::defaults::serbia();
        let keys = Keyed::new(5);
        let mut c = Citizens::new(&spec, &mut crate::model::rng::stream(5, Stream::Init));
        c.draw_experiences(2, 0.05, 1.0, &keys, 2031);
        let small = std::mem::take(&mut c.experiences);
        // Another power's draw and another year in between change nothing.
        c.draw_experiences(1, 0.3, 1.0, &keys, 2031);
        c.draw_experiences(2, 0.2, 1.0, &keys, 2030);
        c.experiences.clear();
        c.draw_experiences(2, 0.08, 1.0, &keys, 2031);
        let large = std::mem::take(&mut c.experiences);
        assert!(large.len() > small.len());
        assert_eq!(&large[..small.len()], &small[..]);
    }

    #[test]
    fn binomial_inverse_mean_and_variance() {
        // Inverting a fine grid of uniforms reproduces the moments of Binomial(2000, 0.05).
        let m = 20_000;
        let ks: Vec<f64> = (0..m)
            .map(|i| binomial_inverse(2000, 0.05, (i as f64 + 0.5) / m as f64) as f64)
            .collect();
        let mean = ks.iter().sum::<f64>() / m as f64;
        let var = ks.iter().map(|k| (k - mean).powi(2)).sum::<f64>() / m as f64;
        assert!((mean - 100.0).abs() < 0.05, "{mean}");
        assert!((var - 95.0).abs() < 0.5, "{var}");
    }
}
