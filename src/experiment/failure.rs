//! Failed runs: a run whose record holds a non-finite value (NaN or ±∞) anywhere. It is
//! found after the run, located (year, phase of docs/model.md §3, series), and then left out
//! or made to stop the study, by the scenario's `[ensemble] on_failure`.

use super::RunOutput;
use crate::stats::SeriesKey;

/// The phases of a year (docs/model.md §3) whose outputs the record holds, in step order.
pub const PHASES: [&str; 5] = [
    "3. powers set instruments",
    "4. threats advance",
    "5. government moves",
    "6. media and citizens",
    "7. observables",
];

/// The phase (index into [`PHASES`]) that writes a measure.
fn phase_of(measure: &str) -> usize {
    let m = measure.split('.').next().unwrap_or(measure);
    match m {
        "instrument" => 0,
        "threat_threatened" | "threat_imposed" | "belief" => 1,
        "closeness" | "leeway" | "hedging" => 2,
        "affinity" => 3,
        _ => 4, // polls, alignment, membership support, credibility, opinion weight
    }
}

/// One failed run.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Failure {
    /// Case of the plan.
    pub case: u64,
    /// Replicate.
    pub replicate: u64,
    /// The run's seed.
    pub seed: u64,
    /// First year with a non-finite value.
    pub year: i32,
    /// Index into [`PHASES`]: the earliest phase of that year whose outputs are non-finite.
    pub phase: u8,
    /// The first non-finite series of that phase (`closeness.US.economy`, or `drivers` for a
    /// driver term).
    pub series: String,
}

impl Failure {
    /// The phase's name.
    pub fn phase_name(&self) -> &'static str {
        PHASES[usize::from(self.phase).min(PHASES.len() - 1)]
    }
}

/// Where a run first holds a non-finite value, if it does.
pub fn find(out: &RunOutput, keys: &[SeriesKey], years: &[i32]) -> Option<Failure> {
    let nk = keys.len();
    let ny = years.len();
    let per_year_drivers = out.drivers.len() / ny.max(1);
    for (y, year) in years.iter().enumerate() {
        let mut best: Option<(usize, String)> = None;
        let vals = out.values.get(y * nk..(y + 1) * nk).unwrap_or(&[]);
        for (k, v) in vals.iter().enumerate() {
            if !v.is_finite() {
                let key = &keys[k];
                let phase = phase_of(&key.measure);
                if best.as_ref().is_none_or(|(p, _)| phase < *p) {
                    let name = [
                        key.measure.as_str(),
                        key.power.as_str(),
                        key.domain.as_str(),
                    ]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(".");
                    best = Some((phase, name));
                }
            }
        }
        let drivers = out
            .drivers
            .get(y * per_year_drivers..(y + 1) * per_year_drivers)
            .unwrap_or(&[]);
        if drivers.iter().any(|v| !v.is_finite()) && best.as_ref().is_none_or(|(p, _)| 2 < *p) {
            best = Some((2, "drivers".to_string()));
        }
        if let Some((phase, series)) = best {
            return Some(Failure {
                case: out.spec.case,
                replicate: out.spec.replicate,
                seed: out.spec.seed,
                year: *year,
                phase: phase as u8,
                series,
            });
        }
    }
    None
}

/// The error that stops a study under `on_failure = "abort"`.
#[derive(Debug, thiserror::Error)]
#[error(
    "run {} (seed {}) produced a non-finite value in {} ({}, phase {}); the scenario says \
     [ensemble] on_failure = \"abort\", so no results were written (set on_failure = \"skip\" to \
     leave failed runs out and list them in failures.csv)",
    .0.replicate, .0.seed, .0.year, .0.series, .0.phase_name()
)]
pub struct Aborted(pub Failure);

/// A fault put into chosen runs' records, to test how failures are handled. The `run` command
/// reads it from the environment variable `SIMULATE_TEST_NONFINITE` (documented as a test
/// hook in the README); nothing else sets it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fault {
    /// Replicates whose records get a NaN.
    pub replicates: Vec<u64>,
}

impl Fault {
    /// Parses `R1,R2,...` (replicate numbers).
    pub fn parse(text: &str) -> Result<Fault, String> {
        let replicates = text
            .split(',')
            .map(|r| r.trim().parse::<u64>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| {
                format!("SIMULATE_TEST_NONFINITE={text:?}: expected replicate numbers such as 3,17")
            })?;
        Ok(Fault { replicates })
    }

    /// Makes the run's aggregate closeness to the first power NaN from the second year on
    /// (as a NaN in the government's move would).
    pub fn apply(&self, out: &mut RunOutput, n_keys: usize) {
        if !self.replicates.contains(&out.spec.replicate) {
            return;
        }
        for (i, v) in out.values.iter_mut().enumerate() {
            if i >= n_keys && i % n_keys == 0 {
                *v = f64::NAN;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::RunSpec;

    fn keys() -> Vec<SeriesKey> {
        vec![
            SeriesKey::new("closeness", "US", ""),
            SeriesKey::new("poll_friend", "US", ""),
            SeriesKey::new("instrument.loan", "US", ""),
        ]
    }

    fn output(values: Vec<f64>) -> RunOutput {
        RunOutput {
            spec: RunSpec {
                case: 0,
                replicate: 5,
                seed: 99,
            },
            values,
            drivers: vec![0.0; 4],
            fired: Vec::new(),
            breaches: Vec::new(),
            camp: None,
        }
    }

    #[test]
    fn finite_runs_pass() {
        assert_eq!(find(&output(vec![0.5; 6]), &keys(), &[2024, 2025]), None);
    }

    #[test]
    fn the_first_year_and_the_earliest_phase_are_named() {
        let nan = f64::NAN;
        // 2024 fine; in 2025 the poll (observables) and the loan (powers) are both NaN.
        let out = output(vec![0.5, 0.5, 0.5, 0.5, nan, f64::INFINITY]);
        let f = find(&out, &keys(), &[2024, 2025]).expect("fails");
        assert_eq!((f.replicate, f.seed, f.year), (5, 99, 2025));
        assert_eq!(f.phase_name(), "3. powers set instruments");
        assert_eq!(f.series, "instrument.loan.US");
        let out = output(vec![0.5, nan, 0.5, nan, nan, nan]);
        let f = find(&out, &keys(), &[2024, 2025]).expect("fails");
        assert_eq!((f.year, f.phase_name()), (2024, "7. observables"));
        assert_eq!(f.series, "poll_friend.US");
    }

    #[test]
    fn a_non_finite_driver_term_is_a_failure_of_the_government_move() {
        let mut out = output(vec![0.5; 6]);
        out.drivers[3] = f64::NAN;
        let f = find(&out, &keys(), &[2024, 2025]).expect("fails");
        assert_eq!((f.year, f.phase_name()), (2025, "5. government moves"));
        assert_eq!(f.series, "drivers");
    }

    #[test]
    fn the_fault_hook_hits_only_its_replicates() {
        let fault = Fault::parse("5, 8").unwrap();
        let mut out = output(vec![0.5; 6]);
        fault.apply(&mut out, 3);
        assert!(out.values[0].is_finite() && out.values[3].is_nan());
        let mut other = output(vec![0.5; 6]);
        other.spec.replicate = 6;
        fault.apply(&mut other, 3);
        assert!(other.values.iter().all(|v| v.is_finite()));
        assert!(Fault::parse("x").is_err());
    }
}
