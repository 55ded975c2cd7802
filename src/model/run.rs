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

/// Whether a rule's condition reads a poll share or membership support.
fn reads_polls(params: &Params) -> bool {
    let layout = super::vars::VarLayout::of(params.spec());
    let n = params.n_powers();
    let poll_slots: Vec<usize> = (0..n)
        .map(|q| layout.poll(q))
        .chain([layout.membership()])
        .collect();
    params
        .spec()
        .rules
        .iter()
        .any(|r| r.condition.slots().iter().any(|s| poll_slots.contains(s)))
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
///
/// The state reached is closeness, anchors and affinities: the simulated poll feeds none of
/// them, only the conditions of rules that read a poll share or membership support. Without
/// such a rule the poll is left out (a third of a year's work), and the state is the same bit
/// for bit (`tests::end_state_is_the_same_without_the_poll`).
pub fn end_state(params: &Params, seed: u64, last_year: i32) -> EndState {
    let mut w = World::new(params, seed);
    w.skip_poll = !reads_polls(params);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The state of a run without the poll against the same run with it, on the historical
    /// scenario (scripted events, threats, rules reading no poll): the same bits.
    #[test]
    fn end_state_is_the_same_without_the_poll() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/historical.toml");
        let s = crate::scenario::load(&path, &[]).expect("historical loads");
        let params = &s.base;
        assert!(!reads_polls(params));
        for seed in [1u64, 2, 3] {
            let fast = end_state(params, seed, 2023);
            let mut w = World::new(params, seed);
            assert!(!w.skip_poll);
            for year in params.start..=2023 {
                w.year = year;
                step(&mut w);
            }
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            let closeness: Vec<[f64; super::super::types::N_DOMAINS]> = w.x.clone();
            assert_eq!(fast.closeness.len(), closeness.len());
            for (a, b) in fast.closeness.iter().zip(&closeness) {
                assert_eq!(bits(a), bits(b), "closeness, seed {seed}");
            }
            assert_eq!(
                bits(&fast.affinity),
                bits(&w.affinity),
                "affinity, seed {seed}"
            );
            let c = &w.citizens;
            assert_eq!(bits(&fast.anchor_mean)[0], {
                (c.a0[..c.n].iter().sum::<f64>() / c.n as f64).to_bits()
            });
        }
    }

    /// A rule that reads a poll share keeps the poll in the history's runs.
    #[test]
    fn a_rule_on_a_poll_keeps_the_poll() {
        let text = "[years]\nstart = 2010\nend = 2012\n\n[rules.friend]\nwhen = \"poll.RU > 0.9\"\nonce = true\nadd = { \"government.noise\" = 0.01 }\n";
        match crate::scenario::load_str(text, "r.toml", std::path::Path::new("."), &[]) {
            Ok(s) => assert!(reads_polls(&s.base)),
            Err(e) => panic!("{e}"),
        }
    }
}
