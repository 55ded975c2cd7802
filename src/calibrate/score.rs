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
    fn scores_skip_missing_predictions() {
        let s = scores([(0.5, Some(0.4)), (0.6, None), (0.3, Some(0.5))]);
        assert_eq!(s.n, 2);
        assert!(close(s.mae, 0.15));
        assert!(close(s.rmse, (0.025_f64).sqrt()));
        assert!(scores([(0.5, None)]).rmse.is_nan());
    }
}
