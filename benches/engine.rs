//! Benchmarks of the loop analysts live in: the citizen update, one default run, a
//! 1,000-run ensemble with its summary, and the standard plots. `cargo bench`.

use simulate::experiment::{Exec, Plan, execute};
use simulate::model::citizens::Citizens;
use simulate::model::record::Discard;
use simulate::model::rng::{Stream, stream};
use simulate::model::{Params, defaults, run};
use simulate::plot::{self, Format, Meta};
use std::hint::black_box;
use std::path::Path;

fn main() {
    divan::main();
}

/// One year of opinion dynamics: 2,000 citizens × 4 powers = 8,000 citizen-power updates.
#[divan::bench]
fn citizen_update_2000x4(bencher: divan::Bencher) {
    let spec = defaults::serbia();
    let mut rng = stream(1, Stream::Init);
    let mut citizens = Citizens::new(&spec, &mut rng);
    bencher
        .counter(divan::counter::ItemsCount::new(8_000usize))
        .bench_local(|| {
            for p in 0..4 {
                black_box(citizens.update_power(p, [0.6, 0.4], 0.3, 0.03));
            }
        });
}

/// One default run: 4 powers, 2,000 citizens, 17 years (2024–2040).
#[divan::bench]
fn one_default_run(bencher: divan::Bencher) {
    let params = Params::new(defaults::serbia()).expect("defaults are valid");
    let mut seed = 0u64;
    bencher.bench_local(|| {
        seed += 1;
        black_box(run(&params, seed, &mut Discard))
    });
}

fn scenario() -> simulate::scenario::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    simulate::scenario::load(&path, &[]).expect("baseline loads")
}

/// A 1,000-run ensemble of the baseline with streaming summary aggregation (all cores).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn ensemble_1000_runs(bencher: divan::Bencher) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    bench_ensemble(bencher, threads);
}

/// Times the 1,000-run ensemble of the baseline on `threads` threads.
fn bench_ensemble(bencher: divan::Bencher, threads: usize) {
    let s = scenario();
    let plan = Plan::ensemble(s.seed, 1000, 0).expect("plan");
    bencher.bench_local(|| {
        let noop = |_: usize| {};
        let exec = Exec {
            threads,
            progress: &noop,
        };
        black_box(execute(&s, &plan, &exec, &mut |_| Ok(())).expect("runs"))
    });
}

/// The same 1,000-run ensemble of the baseline on one thread and on two: the engine's
/// scaling (the summary files are the same bytes whatever the thread count:
/// `tests/cli.rs`, `results_do_not_depend_on_the_thread_count`). Compare the two medians:
/// two threads should take at most 1/1.85 of one thread's time on an otherwise idle machine.
/// (Two one-thread processes side by side each run about 5% slower than one alone on the
/// 2-core machine of docs/performance.md, so 1.90 is the most two threads can give there.)
#[divan::bench(args = [1, 2], sample_count = 9, sample_size = 1)]
fn ensemble_1000_runs_by_threads(bencher: divan::Bencher, threads: usize) {
    bench_ensemble(bencher, threads);
}

/// The five standard figures of a run, PNG and SVG.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn standard_plots_png_svg(bencher: divan::Bencher) {
    let s = scenario();
    let plan = Plan::ensemble(s.seed, 100, 0).expect("plan");
    let noop = |_: usize| {};
    let exec = Exec {
        threads: 2,
        progress: &noop,
    };
    let e = execute(&s, &plan, &exec, &mut |_| Ok(())).expect("runs");
    let dir = tempfile::tempdir().expect("tempdir");
    let styles = simulate::commands::styles(&s.base);
    let meta = Meta {
        title: "baseline".into(),
        subtitle: "bench".into(),
    };
    let fmts = [Format::Png, Format::Svg];
    bencher.bench_local(|| {
        plot::closeness(dir.path(), &fmts, &e.summary, &styles, &[], &meta).expect("plot");
        plot::domains(dir.path(), &fmts, &e.summary, &styles, &[], &meta).expect("plot");
        plot::opinion(dir.path(), &fmts, &e.summary, &styles, &[], &meta).expect("plot");
        plot::instruments(dir.path(), &fmts, &e.summary, &styles, &[], &meta).expect("plot");
        plot::leeway(dir.path(), &fmts, &e.summary, &styles, &[], &meta).expect("plot");
    });
}
