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

/// Where a run stands at the end of a year: what a later scenario can start from.
#[derive(Clone, Debug, PartialEq)]
pub struct EndState {
    /// The last year simulated.
    pub year: i32,
    /// Closeness per power and domain.
    pub closeness: Vec<[f64; super::types::N_DOMAINS]>,
    /// Mean identity anchor per power.
    pub anchor_mean: Vec<f64>,
    /// Mean affinity per power.
    pub affinity: Vec<f64>,
}

/// Runs the model from `params.start` to the end of `last_year` (at most `params.end`) and
/// returns the state reached: how a forward scenario starts from history (docs/model.md §7).
pub fn end_state(params: &Params, seed: u64, last_year: i32) -> EndState {
    let mut w = World::new(params, seed);
    let last = last_year.min(params.end);
    for year in params.start..=last {
        w.year = year;
        step(&mut w);
    }
    let n = params.n_powers();
    let c = &w.citizens;
    let anchor_mean = (0..n)
        .map(|q| c.a0[q * c.n..(q + 1) * c.n].iter().sum::<f64>() / c.n.max(1) as f64)
        .collect();
    EndState {
        year: last,
        closeness: w.x.clone(),
        anchor_mean,
        affinity: w.affinity.clone(),
    }
}
