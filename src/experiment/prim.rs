//! PRIM, the Patient Rule Induction Method (Friedman and Fisher 1999) as used for scenario
//! discovery (Bryant and Lempert 2010): from points `x` (one row per design point) and
//! outcomes `y` in [0, 1] (the share of runs of a point in which the outcome of interest
//! happened), peel away thin slices of the box, one side at a time, always the slice whose
//! removal raises the mean outcome inside most; record the peeling trajectory; then paste
//! back slices that raise it further. Pure.
//!
//! Coverage of a box: the part of all "interesting" outcome mass that lies inside it;
//! density: the mean outcome inside (the share of its runs that are interesting); support:
//! the share of points inside.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A box: bounds per dimension (closed).
#[derive(Clone, Debug, PartialEq)]
pub struct Bounds {
    /// Lower bound per dimension.
    pub lo: Vec<f64>,
    /// Upper bound per dimension.
    pub hi: Vec<f64>,
}

impl Bounds {
    /// The smallest box holding every point.
    pub fn of(x: &[Vec<f64>]) -> Bounds {
        let d = x.first().map_or(0, Vec::len);
        let mut lo = vec![f64::INFINITY; d];
        let mut hi = vec![f64::NEG_INFINITY; d];
        for p in x {
            for k in 0..d {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        Bounds { lo, hi }
    }

    /// Whether the point lies inside.
    pub fn contains(&self, p: &[f64]) -> bool {
        p.iter()
            .zip(self.lo.iter().zip(&self.hi))
            .all(|(v, (lo, hi))| *lo <= *v && *v <= *hi)
    }

    /// Dimensions whose bounds are tighter than `full`'s.
    pub fn restricted(&self, full: &Bounds) -> Vec<usize> {
        (0..self.lo.len())
            .filter(|&k| self.lo[k] > full.lo[k] || self.hi[k] < full.hi[k])
            .collect()
    }
}

/// One box of the peeling trajectory.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The box.
    pub bounds: Bounds,
    /// Share of the total outcome mass inside.
    pub coverage: f64,
    /// Mean outcome inside.
    pub density: f64,
    /// Share of points inside.
    pub support: f64,
}

/// Settings of PRIM.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// Share of the box's points removed by one peel (and added by one paste).
    pub alpha: f64,
    /// Peeling stops when the box would hold fewer than this share of the points.
    pub min_support: f64,
    /// The chosen box is the densest one with at least this coverage.
    pub min_coverage: f64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            alpha: 0.05,
            min_support: 0.05,
            min_coverage: 0.5,
        }
    }
}

fn stats(x: &[Vec<f64>], y: &[f64], b: &Bounds, total: f64) -> Step {
    let mut mass = 0.0;
    let mut count = 0usize;
    for (p, v) in x.iter().zip(y) {
        if b.contains(p) {
            mass += v;
            count += 1;
        }
    }
    Step {
        bounds: b.clone(),
        coverage: if total > 0.0 { mass / total } else { 0.0 },
        density: if count > 0 { mass / count as f64 } else { 0.0 },
        support: count as f64 / x.len().max(1) as f64,
    }
}

/// Values of dimension `k` of the points inside `b`, sorted.
fn inside_values(x: &[Vec<f64>], b: &Bounds, k: usize) -> Vec<f64> {
    let mut v: Vec<f64> = x.iter().filter(|p| b.contains(p)).map(|p| p[k]).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// The peeling trajectory, from the box of all points to the smallest allowed.
pub fn peel(x: &[Vec<f64>], y: &[f64], opts: &Options) -> Vec<Step> {
    let total: f64 = y.iter().sum();
    let n = x.len();
    let mut b = Bounds::of(x);
    let mut path = vec![stats(x, y, &b, total)];
    let d = b.lo.len();
    loop {
        let mut best: Option<Step> = None;
        for k in 0..d {
            let v = inside_values(x, &b, k);
            if v.len() < 2 {
                continue;
            }
            let cut = ((opts.alpha * v.len() as f64).ceil() as usize).max(1);
            if cut >= v.len() {
                continue;
            }
            // Peel from below: drop the `cut` smallest values (and their ties).
            let lo_new = v[cut];
            if lo_new > b.lo[k] {
                let mut c = b.clone();
                c.lo[k] = lo_new;
                consider(&mut best, stats(x, y, &c, total), n, opts);
            }
            let hi_new = v[v.len() - 1 - cut];
            if hi_new < b.hi[k] {
                let mut c = b.clone();
                c.hi[k] = hi_new;
                consider(&mut best, stats(x, y, &c, total), n, opts);
            }
        }
        match best {
            Some(step) => {
                b = step.bounds.clone();
                path.push(step);
            }
            None => break,
        }
    }
    path
}

fn consider(best: &mut Option<Step>, cand: Step, n: usize, opts: &Options) {
    if cand.support * (n as f64) < 1.0 || cand.support < opts.min_support {
        return;
    }
    let better = match best {
        None => true,
        // Higher density wins; on a tie, the box keeping more points.
        Some(b) => {
            cand.density > b.density + 1e-12
                || ((cand.density - b.density).abs() <= 1e-12 && cand.support > b.support)
        }
    };
    if better {
        *best = Some(cand);
    }
}

/// Pastes back slices of `alpha` times the box's points along each side, while that raises
/// the density.
pub fn paste(x: &[Vec<f64>], y: &[f64], start: &Bounds, opts: &Options) -> Step {
    let total: f64 = y.iter().sum();
    let full = Bounds::of(x);
    let mut cur = stats(x, y, start, total);
    loop {
        let inside = (cur.support * x.len() as f64).round() as usize;
        let add = ((opts.alpha * inside as f64).ceil() as usize).max(1);
        let mut best: Option<Step> = None;
        for k in 0..cur.bounds.lo.len() {
            // Candidates just outside the box on dimension k, within the other bounds.
            let mut below: Vec<f64> = Vec::new();
            let mut above: Vec<f64> = Vec::new();
            for p in x {
                let others = (0..p.len())
                    .all(|j| j == k || (cur.bounds.lo[j] <= p[j] && p[j] <= cur.bounds.hi[j]));
                if others {
                    if p[k] < cur.bounds.lo[k] {
                        below.push(p[k]);
                    } else if p[k] > cur.bounds.hi[k] {
                        above.push(p[k]);
                    }
                }
            }
            below.sort_by(|a, b| b.total_cmp(a));
            above.sort_by(f64::total_cmp);
            if let Some(v) = below.get(add.min(below.len()).saturating_sub(1)) {
                let mut c = cur.bounds.clone();
                c.lo[k] = if add >= below.len() { full.lo[k] } else { *v };
                pick_paste(&mut best, stats(x, y, &c, total), &cur);
            }
            if let Some(v) = above.get(add.min(above.len()).saturating_sub(1)) {
                let mut c = cur.bounds.clone();
                c.hi[k] = if add >= above.len() { full.hi[k] } else { *v };
                pick_paste(&mut best, stats(x, y, &c, total), &cur);
            }
        }
        match best {
            Some(b) => cur = b,
            None => return cur,
        }
    }
}

fn pick_paste(best: &mut Option<Step>, cand: Step, cur: &Step) {
    // Only a strict gain of density counts: pasting must not dilute the box.
    if cand.density <= cur.density + 1e-12 {
        return;
    }
    if best.as_ref().is_none_or(|b| cand.density > b.density) {
        *best = Some(cand);
    }
}

/// The chosen box on a trajectory: the densest with at least `min_coverage` (ties: more
/// coverage); the first box when none qualifies.
pub fn choose(path: &[Step], opts: &Options) -> usize {
    let mut at = 0;
    for (i, s) in path.iter().enumerate() {
        if s.coverage + 1e-12 < opts.min_coverage {
            continue;
        }
        let b = &path[at];
        if s.density > b.density + 1e-12
            || ((s.density - b.density).abs() <= 1e-12 && s.coverage > b.coverage)
        {
            at = i;
        }
    }
    at
}

/// Upper tail `P(X >= k)` of a binomial(n, p) count.
fn binomial_tail(k: f64, n: f64, p: f64) -> f64 {
    if k <= 0.0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    // P(X >= k) = I_p(k, n - k + 1).
    crate::scenario::beta_cdf(p, k, n - k + 1.0)
}

/// Quasi-p-value of the restriction on dimension `k` (Bryant and Lempert 2010): the chance
/// that the box's points, drawn at the density of the box without that restriction, show at
/// least as many outcomes as they do. `trials` is the number of runs behind each point's
/// share. Small: the restriction matters; large: it only nibbles at noise.
pub fn quasi_p(x: &[Vec<f64>], y: &[f64], b: &Bounds, full: &Bounds, k: usize, trials: f64) -> f64 {
    let total: f64 = y.iter().sum();
    let inside = stats(x, y, b, total);
    let mut wider = b.clone();
    wider.lo[k] = full.lo[k];
    wider.hi[k] = full.hi[k];
    let base = stats(x, y, &wider, total);
    let n = (inside.support * x.len() as f64).round() * trials;
    let hits = (inside.density * n).round();
    binomial_tail(hits, n, base.density.clamp(0.0, 1.0))
}

/// Removes the restrictions whose quasi-p-value is `alpha` or more, weakest first, one at a
/// time (each removal changes the others' values).
pub fn prune(x: &[Vec<f64>], y: &[f64], b: &Step, trials: f64, alpha: f64) -> Step {
    let total: f64 = y.iter().sum();
    let full = Bounds::of(x);
    let mut cur = b.clone();
    loop {
        let weakest = cur
            .bounds
            .restricted(&full)
            .into_iter()
            .map(|k| (k, quasi_p(x, y, &cur.bounds, &full, k, trials)))
            .filter(|(_, p)| *p >= alpha)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let Some((k, _)) = weakest else {
            return cur;
        };
        let mut wider = cur.bounds.clone();
        wider.lo[k] = full.lo[k];
        wider.hi[k] = full.hi[k];
        cur = stats(x, y, &wider, total);
    }
}

/// Significance level below which a restriction is kept by `prune`.
pub const KEEP_P: f64 = 0.05;

/// One PRIM pass: peel, choose, paste, prune.
fn pass(x: &[Vec<f64>], y: &[f64], opts: &Options, trials: f64) -> (Vec<Step>, usize, Step) {
    let path = peel(x, y, opts);
    let chosen = choose(&path, opts);
    let pasted = paste(x, y, &path[chosen].bounds, opts);
    let pruned = prune(x, y, &pasted, trials, KEEP_P);
    (path, chosen, pruned)
}

/// A whole discovery: trajectory, chosen box after pasting, and per dimension how often it
/// was restricted when PRIM was rerun on bootstrap resamples of the points.
#[derive(Clone, Debug, PartialEq)]
pub struct Discovery {
    /// The peeling trajectory.
    pub path: Vec<Step>,
    /// Index of the chosen box on the trajectory.
    pub chosen: usize,
    /// The chosen box after pasting and pruning.
    pub chosen_box: Step,
    /// Quasi-p-value of each restricted dimension of the chosen box (NaN elsewhere).
    pub quasi_p: Vec<f64>,
    /// The box of all points.
    pub full: Bounds,
    /// Dimensions the chosen box restricts.
    pub restricted: Vec<usize>,
    /// Per dimension, the share of resamples whose chosen box restricts it.
    pub reproducibility: Vec<f64>,
}

/// Runs PRIM with peeling, choice, pasting, pruning of restrictions that are not
/// significant, and `resamples` bootstrap reruns. `trials` is the number of runs behind each
/// point's outcome share.
pub fn discover(
    x: &[Vec<f64>],
    y: &[f64],
    opts: &Options,
    trials: usize,
    resamples: usize,
    seed: u64,
) -> Discovery {
    let full = Bounds::of(x);
    let trials = trials.max(1) as f64;
    let (path, chosen, chosen_box) = pass(x, y, opts, trials);
    let restricted = chosen_box.bounds.restricted(&full);
    let quasi_p = (0..full.lo.len())
        .map(|k| {
            if restricted.contains(&k) {
                quasi_p(x, y, &chosen_box.bounds, &full, k, trials)
            } else {
                f64::NAN
            }
        })
        .collect();
    let d = full.lo.len();
    let mut counts = vec![0usize; d];
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for _ in 0..resamples {
        let idx: Vec<usize> = (0..x.len()).map(|_| rng.random_range(0..x.len())).collect();
        let xs: Vec<Vec<f64>> = idx.iter().map(|&i| x[i].clone()).collect();
        let ys: Vec<f64> = idx.iter().map(|&i| y[i]).collect();
        let (_, _, b) = pass(&xs, &ys, opts, trials);
        for k in b.bounds.restricted(&Bounds::of(&xs)) {
            counts[k] += 1;
        }
    }
    let reproducibility = counts
        .iter()
        .map(|c| *c as f64 / resamples.max(1) as f64)
        .collect();
    Discovery {
        path,
        chosen,
        chosen_box,
        quasi_p,
        full,
        restricted,
        reproducibility,
    }
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)] // indices mirror the design's layout
mod tests {
    use super::*;
    use crate::experiment::design::latin_hypercube;

    #[test]
    fn prim_recovers_a_known_box() {
        // Interesting when x0 > 0.6 and x2 < 0.3; x1, x3, x4 play no part; 5% of the labels
        // flipped at random.
        let x = latin_hypercube(2000, 5, 4).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        let y: Vec<f64> = x
            .iter()
            .map(|p| {
                let inside = p[0] > 0.6 && p[2] < 0.3;
                let flip = rng.random::<f64>() < 0.05;
                if inside != flip { 1.0 } else { 0.0 }
            })
            .collect();
        let opts = Options {
            min_coverage: 0.7,
            ..Options::default()
        };
        let found = discover(&x, &y, &opts, 1, 20, 3);
        let b = &found.chosen_box.bounds;
        eprintln!(
            "PRIM box {b:?} coverage {} density {} reproducibility {:?}",
            found.chosen_box.coverage, found.chosen_box.density, found.reproducibility
        );
        assert_eq!(found.restricted, vec![0, 2], "box {b:?}");
        assert!(
            (b.lo[0] - 0.6).abs() < 0.05,
            "lower bound of x0: {}",
            b.lo[0]
        );
        assert!(
            (b.hi[2] - 0.3).abs() < 0.05,
            "upper bound of x2: {}",
            b.hi[2]
        );
        assert!(found.chosen_box.density > 0.85 && found.chosen_box.coverage > 0.7);
        assert!(found.reproducibility[0] > 0.9 && found.reproducibility[2] > 0.9);
        for k in [1, 3, 4] {
            assert!(
                found.reproducibility[k] < 0.2,
                "{:?}",
                found.reproducibility
            );
        }
        assert!(found.quasi_p[0] < 1e-6 && found.quasi_p[2] < 1e-6);
        // The trajectory trades coverage for density.
        let first = &found.path[0];
        let last = found.path.last().unwrap();
        assert!((first.coverage - 1.0).abs() < 1e-12 && first.density < 0.2);
        assert!(last.coverage < first.coverage && last.density > first.density);
    }

    #[test]
    fn binomial_tail_matches_a_direct_sum() {
        // P(X >= 3) for n = 5, p = 0.4: 10·0.4³·0.6² + 5·0.4⁴·0.6 + 0.4⁵ = 0.31744.
        assert!((binomial_tail(3.0, 5.0, 0.4) - 0.31744).abs() < 1e-10);
        assert!((binomial_tail(0.0, 5.0, 0.4) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn no_interesting_outcome_gives_the_full_box() {
        let x = latin_hypercube(100, 2, 1).unwrap();
        let y = vec![0.0; 100];
        let found = discover(&x, &y, &Options::default(), 1, 0, 0);
        assert_eq!(found.chosen, 0);
        assert!(found.restricted.is_empty());
    }
}
