//! Benchmarks of the experiment commands' engine: a Sobol study of 8 parameters on the
//! baseline (a slice of the 512-sample, 20-run target of docs/performance.md), and the
//! estimators and PRIM on their own. `cargo bench --bench experiments`.

use simulate::experiment::design::{latin_hypercube, saltelli};
use simulate::experiment::study::{Apply, Factor, Order, Probe, Study, measure_slot};
use simulate::experiment::{Exec, prim, sobol};
use simulate::model::Target;
use simulate::scenario;
use std::hint::black_box;
use std::path::Path;

fn main() {
    divan::main();
}

const PARAMS: [(&str, f64, f64); 8] = [
    ("powers.EU.budget", 1.0, 5.0),
    ("powers.US.budget", 0.1, 1.0),
    ("powers.RU.budget", 0.1, 1.0),
    ("powers.CN.budget", 0.5, 3.0),
    ("accession.credibility", 0.1, 0.9),
    ("government.opinion_weight", 0.1, 1.0),
    ("rivalry.US-CN", 0.0, 2.0),
    ("polls.noise", 0.0, 0.3),
];

/// 16 base samples × (8 + 2) points × 2 runs = 320 runs of the baseline (2024–2040) on both
/// cores; the full target is 320 times this.
#[divan::bench(sample_count = 5)]
fn sobol_study_320_runs(bencher: divan::Bencher) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let s = scenario::load(&root.join("scenarios/baseline.toml"), &[]).expect("baseline loads");
    let factors: Vec<Factor> = PARAMS
        .iter()
        .map(|(p, lo, hi)| {
            let target = Target::parse(p, s.base.spec()).expect("path");
            Factor {
                target,
                path: p.to_string(),
                lo: *lo,
                hi: *hi,
                dist: None,
            }
        })
        .collect();
    let unit = saltelli(16, 8, 1).expect("design");
    let points: Vec<Vec<f64>> = unit
        .iter()
        .map(|u| factors.iter().zip(u).map(|(f, u)| f.value(*u)).collect())
        .collect();
    let study = Study::new(
        &s,
        factors.iter().map(|f| f.target).collect(),
        points,
        2,
        1,
        s.base.end,
        Order::ByPoint,
        Apply::Change,
    )
    .expect("study");
    let probe = Probe {
        slots: vec![measure_slot(&s.base, "closeness.EU").expect("measure")],
        years: (0..s.base.n_years()).collect(),
    };
    bencher
        .counter(divan::counter::ItemsCount::new(study.len()))
        .bench_local(|| {
            let mut sum = 0.0;
            study
                .execute(
                    0..study.len(),
                    &probe,
                    &Exec {
                        threads: 2,
                        progress: &|_| {},
                    },
                    &mut |r| {
                        sum += r.values[0];
                        Ok(())
                    },
                )
                .expect("runs");
            black_box(sum)
        });
}

/// Sobol indices with 200 bootstrap resamples from 512 base samples of 8 parameters.
#[divan::bench]
fn sobol_indices_512x8_bootstrap_200(bencher: divan::Bencher) {
    let rows = saltelli(512, 8, 1).expect("design");
    let y: Vec<f64> = rows.iter().map(|r| r.iter().sum::<f64>()).collect();
    bencher.bench_local(|| black_box(sobol::indices(&y, 8, 200, 1)));
}

/// PRIM on 500 points in 9 dimensions, with 50 bootstrap reruns.
#[divan::bench(sample_count = 5)]
fn prim_500x9_resamples_50(bencher: divan::Bencher) {
    let x = latin_hypercube(500, 9, 1).expect("design");
    let y: Vec<f64> = x
        .iter()
        .map(|p| f64::from(u8::from(p[0] > 0.5 && p[3] < 0.4)))
        .collect();
    bencher.bench_local(|| black_box(prim::discover(&x, &y, &prim::Options::default(), 10, 50, 1)));
}
