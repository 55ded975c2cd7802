//! A whole run: initialise, step through the years, hand each year to the observer.

use super::params::Params;
use super::record::Observer;
use super::step::step;
use super::world::World;

/// How a run ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Aggregate closeness per power in the last year.
    pub final_closeness: Vec<f64>,
    /// Leeway index in the last year.
    pub final_leeway: f64,
    /// Whether leeway fell below zero in some year: the hedge became unstable.
    pub hedge_broke: bool,
    /// When the hedge broke, the power whose aggregate closeness gained most between the
    /// first and the last year: the camp the state slid towards.
    pub camp: Option<usize>,
}

/// Runs the model from `params.start` to `params.end` with the given seed.
pub fn run(params: &Params, seed: u64, observer: &mut impl Observer) -> Outcome {
    let mut w = World::new(params, seed);
    let n = params.n_powers();
    let start: Vec<f64> = (0..n).map(|q| w.aggregate(q)).collect();
    let mut hedge_broke = false;
    for year in params.start..=params.end {
        w.year = year;
        step(&mut w);
        hedge_broke |= w.rec.leeway < 0.0;
        observer.year(&w.rec);
    }
    let rec = &w.rec;
    let camp = if hedge_broke {
        (0..n).max_by(|&a, &b| {
            (rec.aggregate[a] - start[a]).total_cmp(&(rec.aggregate[b] - start[b]))
        })
    } else {
        None
    };
    Outcome {
        final_closeness: rec.aggregate.clone(),
        final_leeway: rec.leeway,
        hedge_broke,
        camp,
    }
}
