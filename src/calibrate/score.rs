//! Scores of out-of-sample predictions and the two naive baselines a backtest must beat:
//! persistence (the last value observed at or before the forecast origin) and a straight line
//! fitted by least squares to the observations up to the origin. Pure functions.

use crate::data::Point;

/// Errors of predictions against observations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scores {
    /// Points scored.
    pub n: usize,
    /// Root mean square error (NaN without points).
    pub rmse: f64,
    /// Mean absolute error (NaN without points).
    pub mae: f64,
}

/// Scores of `(observed, predicted)` pairs; pairs without a prediction are skipped.
pub fn scores(pairs: impl IntoIterator<Item = (f64, Option<f64>)>) -> Scores {
    let (mut n, mut sq, mut abs) = (0usize, 0.0, 0.0);
    for (obs, pred) in pairs {
        if let Some(p) = pred {
            let e = obs - p;
            n += 1;
            sq += e * e;
            abs += e.abs();
        }
    }
    if n == 0 {
        Scores {
            n,
            rmse: f64::NAN,
            mae: f64::NAN,
        }
    } else {
        Scores {
            n,
            rmse: (sq / n as f64).sqrt(),
            mae: abs / n as f64,
        }
    }
}

/// Persistence: the last value observed in a year at or before `origin`.
pub fn persistence(points: &[Point], origin: i32) -> Option<f64> {
    points
        .iter()
        .filter(|p| p.year <= origin)
        .max_by_key(|p| p.year)
        .map(|p| p.value)
}

/// A straight line over years.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trend {
    /// Value in year 0 of the line's own origin (`at` adds the slope per year).
    pub intercept: f64,
    /// Change per year.
    pub slope: f64,
    /// The year the intercept refers to (the mean year of the fitted points).
    pub centre: f64,
}

impl Trend {
    /// The line's value in `year`.
    pub fn at(&self, year: i32) -> f64 {
        self.intercept + self.slope * (f64::from(year) - self.centre)
    }
}

/// Least-squares line through the observations at or before `origin`; `None` with fewer than
/// two distinct years (a slope needs two).
pub fn trend(points: &[Point], origin: i32) -> Option<Trend> {
    let train: Vec<&Point> = points.iter().filter(|p| p.year <= origin).collect();
    let n = train.len() as f64;
    if train.is_empty() {
        return None;
    }
    let centre = train.iter().map(|p| f64::from(p.year)).sum::<f64>() / n;
    let mean = train.iter().map(|p| p.value).sum::<f64>() / n;
    let sxx: f64 = train
        .iter()
        .map(|p| (f64::from(p.year) - centre).powi(2))
        .sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = train
        .iter()
        .map(|p| (f64::from(p.year) - centre) * (p.value - mean))
        .sum();
    Some(Trend {
        intercept: mean,
        slope: sxy / sxx,
        centre,
    })
}

/// The trend's prediction for `year`, clamped to [0, 1]: every target series is a share, and
/// a share outside [0, 1] is no forecast anyone would make.
pub fn trend_share(points: &[Point], origin: i32, year: i32) -> Option<f64> {
    trend(points, origin).map(|t| t.at(year).clamp(0.0, 1.0))
}

/// CRPS of a predictive sample (sorted ascending) at the observation `y`:
/// `E|X − y| − ½ E|X − X'|`, the sample's own form (Gneiting & Raftery 2007), in O(n).
pub fn crps_sample(sorted: &[f64], y: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let nf = n as f64;
    let first: f64 = sorted.iter().map(|x| (x - y).abs()).sum::<f64>() / nf;
    // Σ_i Σ_j |x_i − x_j| = 2 Σ_i (2i − n + 1) x_(i) for sorted x (0-based i).
    let spread: f64 = sorted
        .iter()
        .enumerate()
        .map(|(i, x)| (2.0 * i as f64 - nf + 1.0) * x)
        .sum::<f64>()
        * 2.0
        / (nf * nf);
    first - 0.5 * spread
}

/// CRPS of a normal forecast `N(mu, sd²)` at `y` (closed form); the absolute error when
/// `sd` is 0.
pub fn crps_normal(mu: f64, sd: f64, y: f64) -> f64 {
    if sd <= 0.0 {
        return (y - mu).abs();
    }
    let z = (y - mu) / sd;
    let pdf = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    sd * (z * (2.0 * normal_cdf(z) - 1.0) + 2.0 * pdf - 1.0 / std::f64::consts::PI.sqrt())
}

/// The standard normal distribution function (Abramowitz–Stegun 7.1.26 through erf, error
/// below 1.5e-7).
pub fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// Quantile `q` of `N(mu, sd²)` (bisection on `normal_cdf`; for bands, not for speed).
pub fn normal_quantile(mu: f64, sd: f64, q: f64) -> f64 {
    let (mut lo, mut hi) = (-10.0, 10.0);
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if normal_cdf(mid) < q {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    mu + sd * 0.5 * (lo + hi)
}

/// The spread an honest naive forecast carries: the root mean square of the year-to-year
/// changes of the observations up to `origin` (a change over a gap of `g` years counts as
/// `g` yearly steps of a random walk). `None` with fewer than two observations.
pub fn yearly_change_sd(points: &[Point], origin: i32) -> Option<f64> {
    let mut train: Vec<&Point> = points.iter().filter(|p| p.year <= origin).collect();
    train.sort_by_key(|p| p.year);
    let (mut sq, mut years) = (0.0, 0.0);
    for w in train.windows(2) {
        let gap = f64::from(w[1].year - w[0].year);
        if gap > 0.0 {
            sq += (w[1].value - w[0].value).powi(2);
            years += gap;
        }
    }
    (years > 0.0).then(|| (sq / years).sqrt())
}

/// Years from the last observation at or before `origin` to `year` (at least 1).
pub fn steps_ahead(points: &[Point], origin: i32, year: i32) -> i32 {
    let last = points
        .iter()
        .filter(|p| p.year <= origin)
        .map(|p| p.year)
        .max()
        .unwrap_or(origin);
    (year - last).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(v: &[(i32, f64)]) -> Vec<Point> {
        v.iter()
            .map(|&(year, value)| Point { year, value })
            .collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn persistence_takes_the_last_value_up_to_the_origin() {
        let p = pts(&[(2013, 0.51), (2016, 0.47), (2018, 0.55)]);
        assert_eq!(persistence(&p, 2012), None);
        assert!(close(persistence(&p, 2017).unwrap(), 0.47));
        assert!(close(persistence(&p, 2018).unwrap(), 0.55));
    }

    #[test]
    fn trend_is_least_squares_and_needs_two_years() {
        let p = pts(&[(2010, 0.5), (2011, 0.7), (2012, 0.6), (2020, 0.0)]);
        // Points up to 2012: slope 0.05 per year through the mean (2011, 0.6).
        let t = trend(&p, 2012).unwrap();
        assert!(close(t.slope, 0.05));
        assert!(close(t.at(2014), 0.75));
        assert_eq!(trend(&p, 2010), None);
        assert!(close(trend_share(&p, 2012, 2030).unwrap(), 1.0));
    }

    #[test]
    fn crps_of_a_sample_approaches_the_normal_closed_form() {
        // Quantiles of N(0.3, 0.1²) at 2,000 midpoints stand for the distribution.
        let n = 2000;
        let sample: Vec<f64> = (0..n)
            .map(|i| normal_quantile(0.3, 0.1, (i as f64 + 0.5) / n as f64))
            .collect();
        for y in [0.1, 0.3, 0.45] {
            let (a, b) = (crps_sample(&sample, y), crps_normal(0.3, 0.1, y));
            assert!((a - b).abs() < 5e-4, "y {y}: {a} vs {b}");
        }
        // A point forecast scores its absolute error.
        assert!(close(crps_sample(&[0.4], 0.1), 0.3));
        assert!(close(crps_normal(0.4, 0.0, 0.1), 0.3));
        // At the centre: sd (√2 − 1)/√π.
        let c = 0.1 * (2f64.sqrt() - 1.0) / std::f64::consts::PI.sqrt();
        assert!((crps_normal(0.3, 0.1, 0.3) - c).abs() < 1e-6);
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
    }

    #[test]
    fn yearly_change_spread_counts_gaps_as_steps() {
        let p = pts(&[(2010, 0.5), (2011, 0.6), (2015, 0.4), (2020, 0.9)]);
        // Changes 0.1 over 1 year and −0.2 over 4: (0.01 + 0.04) / 5 years.
        assert!(close(yearly_change_sd(&p, 2015).unwrap(), 0.01_f64.sqrt()));
        assert_eq!(yearly_change_sd(&p, 2010), None);
        assert_eq!(steps_ahead(&p, 2012, 2014), 3);
    }

    #[test]
    fn scores_skip_missing_predictions() {
        let s = scores([(0.5, Some(0.4)), (0.6, None), (0.3, Some(0.5))]);
        assert_eq!(s.n, 2);
        assert!(close(s.mae, 0.15));
        assert!(close(s.rmse, (0.025_f64).sqrt()));
        assert!(scores([(0.5, None)]).rmse.is_nan());
    }
}
