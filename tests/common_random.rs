//! Truly common random numbers: every draw is keyed on (run, component, year, index), so two
//! scenarios that agree up to a year have byte-identical records up to that year, and a
//! component a change does not touch keeps its draws after it (docs/model.md §4).
#![allow(clippy::result_large_err)]

use simulate::experiment::{Plan, member};
use simulate::model::{DriverSchema, Recorder, Term, YearRecord, run};
use simulate::scenario::{self, Scenario};
use std::path::Path;

fn records(s: &Scenario, runs: usize) -> Vec<Vec<YearRecord>> {
    let plan = Plan::ensemble(s.seed, runs, 0).expect("plan");
    plan.runs
        .iter()
        .map(|r| {
            let mut rec = Recorder::default();
            run(&member(s, r), r.seed, &mut rec);
            rec.years
        })
        .collect()
}

/// The baseline, and a child that from `year` on gives China more money and a visible
/// showcase delivery (visible aid differs, which used to put the citizens' stream out of
/// step) and hands a scandal to a share of citizens (an extra experience draw).
fn pair(year: i32) -> (Scenario, Scenario) {
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let base = scenario::load(&baseline, &[]).expect("baseline");
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "extends = {:?}\n[ensemble]\nseed = {}\n[events.surge]\nyear = {year}\n\
         set = {{ \"powers.CN.budget\" = 3.0 }}\n\
         deliver = [{{ power = \"CN\", kind = \"health_aid\", amount = 0.2 }}]\n\
         experience = [{{ power = \"US\", share = 0.1, sign = -1.0 }}]\n",
        baseline.display().to_string(),
        base.seed
    );
    let child = scenario::load_str(&text, "child.toml", dir.path(), &[])
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    (base, child)
}

#[test]
fn records_are_byte_identical_before_the_first_differing_year() {
    let year = 2030;
    let (a, b) = pair(year);
    let (ra, rb) = (records(&a, 10), records(&b, 10));
    let mut later_differ = false;
    for (x, y) in ra.iter().zip(&rb) {
        for (rx, ry) in x.iter().zip(y) {
            let same = format!("{rx:?}") == format!("{ry:?}");
            if rx.year < year {
                assert!(same, "year {} differs before the change", rx.year);
            } else {
                later_differ |= !same;
            }
        }
    }
    assert!(later_differ, "the change in {year} changed nothing");
}

#[test]
fn untouched_components_keep_their_draws_after_the_change() {
    // The decision noise of every power, domain and year is the same draw in both
    // scenarios, also after they part: its stream does not depend on the path.
    let (a, b) = pair(2026);
    let (ra, rb) = (records(&a, 6), records(&b, 6));
    let n = a.base.powers.len();
    let schema = DriverSchema::new(n, a.base.threats.len());
    let noise = schema.index(Term::Noise).expect("noise term");
    let mut moved = 0.0_f64;
    for (x, y) in ra.iter().zip(&rb) {
        for (rx, ry) in x.iter().zip(y) {
            for p in 0..n {
                for d in 0..4 {
                    let (tx, ty) = (
                        rx.drivers_of(p, d, schema.len()),
                        ry.drivers_of(p, d, schema.len()),
                    );
                    assert_eq!(
                        tx[noise].to_bits(),
                        ty[noise].to_bits(),
                        "noise {}",
                        rx.year
                    );
                }
                moved = moved.max((rx.closeness[p][0] - ry.closeness[p][0]).abs());
            }
        }
    }
    assert!(moved > 1e-3, "the scenarios did not part: {moved}");
}
