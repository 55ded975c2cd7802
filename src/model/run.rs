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
    /// When the hedge has collapsed in the last year (leeway below zero), the power the state
    /// is closest to in the domain of lowest leeway: the camp it slid towards.
    pub camp: Option<usize>,
}

/// Runs the model from `params.start` to `params.end` with the given seed.
pub fn run(params: &Params, seed: u64, observer: &mut impl Observer) -> Outcome {
    let mut w = World::new(params, seed);
    for year in params.start..=params.end {
        w.year = year;
        step(&mut w);
        observer.year(&w.rec);
    }
    let rec = &w.rec;
    let camp = if rec.leeway < 0.0 {
        let (d, _) =
            rec.leeway_domain
                .iter()
                .enumerate()
                .fold(
                    (0, f64::INFINITY),
                    |best, (d, &l)| if l < best.1 { (d, l) } else { best },
                );
        (0..rec.closeness.len())
            .max_by(|&a, &b| rec.closeness[a][d].total_cmp(&rec.closeness[b][d]))
    } else {
        None
    };
    Outcome {
        final_closeness: rec.aggregate.clone(),
        final_leeway: rec.leeway,
        camp,
    }
}
