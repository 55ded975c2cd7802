//! Simulation-based calibration of the posterior sampler on the model itself: draw a truth
//! from the prior, simulate observations from it with the declared error model (one run plus
//! a normal discrepancy), sample the posterior by ABC-SMC, and count how often the 90%
//! posterior intervals contain the truth. Over 20 replications and 2 parameters (40 intervals)
//! an exact posterior covers 36 on average (binomial sd 1.9); the test accepts 30 to 39
//! (75% to 97.5%, about three sd below and one above): fewer says the posterior is too
//! narrow, all 40 that it is too wide. Measured: 33 (82.5%) with the target's points jointly
//! normal (the runs' covariance across years). With the points independent it was 29 (the
//! anchor mean's intervals held the truth 11 times in 20: one run's population persists
//! over the years, and counting it once per year made the posterior too narrow); the misses
//! are printed.
#![allow(clippy::result_large_err)]

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use simulate::calibrate::abc::{self, Settings, Stop};
use simulate::calibrate::config::{Discrepancy, PosteriorConfig};
use simulate::calibrate::posterior::PosteriorProblem;
use simulate::calibrate::{FreeParam, Problem, TargetData};
use simulate::data::Point;
use simulate::experiment::Plan;
use simulate::model::Target;
use simulate::scenario::{Scenario, load_str};
use simulate::stats::SeriesKey;
use std::path::Path;

/// A small world: few citizens and respondents, seven years, a rivalry that rises and an
/// agenda that turns, so that both free parameters leave a trace in the two series.
const SMALL: &str = r#"
[years]
start = 2010
end = 2016

[ensemble]
widen_by_confidence = false

[population]
citizens = 200

[polls]
respondents = 300

[alignment.agenda]
2010 = { RU = 0.05, CN = 0.05, other = 0.9 }
2013 = { RU = 0.4, CN = 0.05, other = 0.55 }

[events.rivalry]
year = 2012
ramp = { "rivalry.EU-RU.diplomacy" = { to = 1.0, years = 3 } }
"#;

const SD: f64 = 0.03;

fn small() -> Scenario {
    load_str(SMALL, "small.toml", Path::new("."), &[]).unwrap_or_else(|e| panic!("{e}"))
}

fn free(s: &Scenario, path: &str, min: f64, max: f64) -> FreeParam {
    FreeParam {
        path: path.to_string(),
        target: Target::parse(path, s.base.spec()).unwrap(),
        min,
        max,
    }
}

fn yearly(key: SeriesKey, name: &str, values: &[f64]) -> TargetData {
    TargetData {
        name: name.to_string(),
        label: name.to_string(),
        key,
        weight: 1.0,
        points: (2010..=2016)
            .zip(values.iter().copied().chain(std::iter::repeat(0.0)))
            .map(|(year, value)| Point { year, value })
            .collect(),
    }
}

#[test]
fn posterior_intervals_cover_the_truth_at_the_nominal_rate() {
    let s = small();
    let params = vec![
        free(&s, "alignment.kappa0", -3.0, 3.0),
        free(&s, "population.anchor_mean.RU", 0.3, 0.9),
    ];
    let keys = [
        (SeriesKey::new("alignment", "", ""), "alignment"),
        (SeriesKey::new("poll_friend", "RU", ""), "friend_RU"),
    ];
    let config = PosteriorConfig {
        particles: 80,
        generations: 12,
        runs: 4,
        predictive_runs: 10,
        discrepancy: vec![
            ("alignment".into(), Discrepancy::Fixed(SD)),
            ("poll_friend".into(), Discrepancy::Fixed(SD)),
        ],
        drift: false,
    };
    let plan = Plan::ensemble(1, 1, 0).unwrap();
    let shapes: Vec<TargetData> = keys
        .iter()
        .map(|(k, n)| yearly(k.clone(), n, &[]))
        .collect();
    let generator = Problem::new(&s, params.clone(), shapes, &plan, 2).unwrap();
    let (mut inside, mut total) = (0, 0);
    for rep in 0..20u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(1000 + rep);
        let truth: Vec<f64> = params.iter().map(|f| f.at(rng.random::<f64>())).collect();
        // One run at the truth plus the declared discrepancy: the error model the sampler
        // assumes.
        let run = generator
            .sample_runs(&truth, &[rng.random::<u64>()])
            .unwrap()
            .remove(0);
        let targets: Vec<TargetData> = keys
            .iter()
            .enumerate()
            .map(|(t, (k, n))| {
                let values: Vec<f64> = generator
                    .slots_of(t)
                    .iter()
                    .map(|&slot| {
                        let z: f64 = rng.sample(rand_distr::StandardNormal);
                        run[slot] + SD * z
                    })
                    .collect();
                yearly(k.clone(), n, &values)
            })
            .collect();
        let problem = Problem::new(&s, params.clone(), targets, &plan, 2).unwrap();
        let pp = PosteriorProblem::new(&problem, &config);
        let settings = Settings {
            particles: config.particles,
            max_generations: config.generations,
            ess_fraction: 0.5,
            min_acceptance: 1e-3,
            max_moves: 3,
            refresh: false,
            seed: 77 + rep,
        };
        let post = pp.sample(&settings, &mut |_| {});
        assert_eq!(post.stop, Stop::TargetReached, "replication {rep}");
        let last = post.last();
        for (k, want) in truth.iter().enumerate() {
            let v: Vec<f64> = last.particles.iter().map(|p| p[k]).collect();
            let lo = abc::weighted_quantile(&v, &last.weights, 0.05);
            let hi = abc::weighted_quantile(&v, &last.weights, 0.95);
            total += 1;
            if (lo..=hi).contains(want) {
                inside += 1;
            } else {
                eprintln!("rep {rep} param {k}: truth {want:.3} outside [{lo:.3}, {hi:.3}]");
            }
        }
    }
    assert_eq!(total, 40);
    eprintln!("90% intervals held the truth {inside} times out of {total}");
    assert!(
        (30..=39).contains(&inside),
        "90% intervals held the truth {inside} times out of {total}"
    );
}
