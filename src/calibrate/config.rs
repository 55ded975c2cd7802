//! The `[calibration]` section of a scenario, read and checked once: which observed series are
//! targets and their weights, which parameters are free and their bounds, and the size of the
//! search. Mistakes are `UsageError`s that name the key, the value and what is allowed.

use crate::model::{ParamSpec, Target};
use crate::scenario::Scenario;
use crate::usage::UsageError;
use std::path::PathBuf;

/// Runs per evaluation when the section does not say.
pub const DEFAULT_RUNS: usize = 64;
/// Nelder–Mead restarts when the section does not say.
pub const DEFAULT_RESTARTS: usize = 3;
/// Iterations per restart when the section does not say.
pub const DEFAULT_MAX_ITERATIONS: u64 = 150;
/// Standard deviation of the simplex's costs below which a restart has converged.
pub const DEFAULT_TOLERANCE: f64 = 1e-6;

/// Particles of a posterior calibration when the section does not say.
pub const DEFAULT_PARTICLES: usize = 300;
/// Generations of a posterior calibration at most, when the section does not say.
pub const DEFAULT_GENERATIONS: usize = 15;
/// Runs per particle (a synthetic likelihood) when the section does not say.
pub const DEFAULT_POSTERIOR_RUNS: usize = 8;
/// Draws of the posterior predictive when the section does not say.
pub const DEFAULT_PREDICTIVE_RUNS: usize = 400;
/// Prior bounds of a model-error standard deviation estimated with the posterior.
pub const DEFAULT_DISCREPANCY: (f64, f64) = (0.005, 0.3);

/// How `simulate calibrate` fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// A point fit: restarted Nelder–Mead on the ensemble-mean objective.
    NelderMead,
    /// A posterior sample by ABC-SMC (`abc.rs`) under the discrepancy error model.
    AbcSmc,
}

/// The model-error standard deviation of the targets of one simulated measure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Discrepancy {
    /// Declared.
    Fixed(f64),
    /// Estimated with the posterior, uniform prior on `[min, max]`.
    Free { min: f64, max: f64 },
}

/// Settings of a posterior calibration.
#[derive(Clone, Debug, PartialEq)]
pub struct PosteriorConfig {
    /// Particles per generation.
    pub particles: usize,
    /// Generations at most.
    pub generations: usize,
    /// Runs per particle evaluation.
    pub runs: usize,
    /// Draws of the posterior predictive.
    pub predictive_runs: usize,
    /// Declared or bounded model-error sd by simulated measure (`alignment`, `poll_friend`,
    /// ...); measures not listed are estimated within `DEFAULT_DISCREPANCY`.
    pub discrepancy: Vec<(String, Discrepancy)>,
    /// Whether the predictive adds a random walk of the model error after the last
    /// observation (`posterior::drift_rates`); off by default.
    pub drift: bool,
}

impl PosteriorConfig {
    /// The model-error sd of a measure.
    pub fn discrepancy_of(&self, measure: &str) -> Discrepancy {
        self.discrepancy.iter().find(|(m, _)| m == measure).map_or(
            Discrepancy::Free {
                min: DEFAULT_DISCREPANCY.0,
                max: DEFAULT_DISCREPANCY.1,
            },
            |(_, d)| *d,
        )
    }
}

/// A parameter the fit may move, within bounds.
#[derive(Clone, Debug, PartialEq)]
pub struct FreeParam {
    /// The scenario key path, as written in `[calibration.free]` (`alignment.kappa0`,
    /// `state.opinion_weight`, `population.anchor_mean.RU`).
    pub path: String,
    /// The model parameter it addresses.
    pub target: Target,
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
}

impl FreeParam {
    /// The value at `z` in the unit interval (0: `min`, 1: `max`).
    pub fn at(&self, z: f64) -> f64 {
        self.min + z * (self.max - self.min)
    }

    /// Where `value` sits between the bounds (0: `min`, 1: `max`), not clamped.
    pub fn unit(&self, value: f64) -> f64 {
        (value - self.min) / (self.max - self.min)
    }
}

/// Everything `[calibration]` says.
#[derive(Clone, Debug, PartialEq)]
pub struct CalibrationConfig {
    /// Folder of the observed series, relative to the working directory.
    pub data: PathBuf,
    /// Target series by name (see `data::ObservedData::targets`) and their weights; a weight
    /// of 0 makes a check series, reported next to the targets but not fitted.
    pub targets: Vec<(String, f64)>,
    /// Free parameters.
    pub free: Vec<FreeParam>,
    /// Runs per evaluation of the objective.
    pub runs: usize,
    /// Master seed of those runs (the same seeds at every evaluation).
    pub seed: u64,
    /// Nelder–Mead restarts (the first from the scenario's values, the others from seeded
    /// random points within the bounds).
    pub restarts: usize,
    /// Iterations per restart at most.
    pub max_iterations: u64,
    /// Convergence: standard deviation of the simplex's costs.
    pub tolerance: f64,
    /// `method`: a point fit or a posterior.
    pub method: Method,
    /// Settings of a posterior calibration.
    pub posterior: PosteriorConfig,
}

const KEYS: &[&str] = &[
    "data",
    "runs",
    "seed",
    "restarts",
    "max_iterations",
    "tolerance",
    "targets",
    "free",
    "method",
    "particles",
    "generations",
    "posterior_runs",
    "predictive_runs",
    "discrepancy",
    "drift",
];

fn usage(msg: String) -> UsageError {
    UsageError(msg)
}

/// The model path of a scenario key path (`state.x` is `government.x` in the model).
pub fn model_path(toml_path: &str) -> String {
    match toml_path.strip_prefix("state.") {
        Some(rest) => format!("government.{rest}"),
        None => toml_path.to_string(),
    }
}

fn number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Float(f) => Some(*f),
        toml::Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

fn count(table: &toml::Table, key: &str, lo: i64, default: i64) -> Result<i64, UsageError> {
    match table.get(key) {
        None => Ok(default),
        Some(toml::Value::Integer(i)) if *i >= lo => Ok(*i),
        Some(other) => Err(usage(format!(
            "[calibration] {key} = {other}: allowed a whole number of at least {lo}"
        ))),
    }
}

impl CalibrationConfig {
    /// Reads the scenario's `[calibration]` section.
    pub fn from_scenario(s: &Scenario) -> Result<CalibrationConfig, UsageError> {
        let Some(table) = &s.calibration else {
            return Err(usage(format!(
                "{} has no [calibration] section: it must list the observed series to fit \
                 ([calibration.targets]) and the free parameters ([calibration.free]); see \
                 docs/validation.md",
                s.path.display()
            )));
        };
        Self::from_table(table, s.base.spec(), s.seed)
    }

    /// Reads a `[calibration]` table; `spec` resolves parameter paths, `seed` is the default
    /// master seed.
    pub fn from_table(
        table: &toml::Table,
        spec: &ParamSpec,
        seed: u64,
    ) -> Result<CalibrationConfig, UsageError> {
        for key in table.keys() {
            if !KEYS.contains(&key.as_str()) {
                return Err(usage(format!(
                    "unknown key `{key}` in [calibration]: allowed {}",
                    KEYS.join(", ")
                )));
            }
        }
        let data = match table.get("data") {
            None => PathBuf::from(crate::data::DEFAULT_DIR),
            Some(toml::Value::String(s)) => PathBuf::from(s),
            Some(other) => {
                return Err(usage(format!(
                    "[calibration] data = {other}: allowed a folder path (a string)"
                )));
            }
        };
        let runs = count(table, "runs", 1, DEFAULT_RUNS as i64)? as usize;
        let seed = count(table, "seed", 0, seed as i64)? as u64;
        let restarts = count(table, "restarts", 1, DEFAULT_RESTARTS as i64)? as usize;
        let max_iterations =
            count(table, "max_iterations", 1, DEFAULT_MAX_ITERATIONS as i64)? as u64;
        let tolerance = match table.get("tolerance") {
            None => DEFAULT_TOLERANCE,
            Some(v) => match number(v) {
                Some(t) if t.is_finite() && t >= 0.0 => t,
                _ => {
                    return Err(usage(format!(
                        "[calibration] tolerance = {v}: allowed a number of at least 0"
                    )));
                }
            },
        };
        let targets = targets(table)?;
        let free = free(table, spec)?;
        let method = match table.get("method") {
            None => Method::NelderMead,
            Some(toml::Value::String(m)) if m == "nelder-mead" => Method::NelderMead,
            Some(toml::Value::String(m)) if m == "abc-smc" => Method::AbcSmc,
            Some(other) => {
                return Err(usage(format!(
                    "[calibration] method = {other}: allowed \"nelder-mead\" (a point fit) or \
                     \"abc-smc\" (a posterior sample)"
                )));
            }
        };
        let posterior = PosteriorConfig {
            particles: count(table, "particles", 20, DEFAULT_PARTICLES as i64)? as usize,
            generations: count(table, "generations", 1, DEFAULT_GENERATIONS as i64)? as usize,
            runs: count(table, "posterior_runs", 2, DEFAULT_POSTERIOR_RUNS as i64)? as usize,
            predictive_runs: count(table, "predictive_runs", 10, DEFAULT_PREDICTIVE_RUNS as i64)?
                as usize,
            discrepancy: discrepancy(table)?,
            drift: match table.get("drift") {
                None => false,
                Some(toml::Value::Boolean(b)) => *b,
                Some(other) => {
                    return Err(usage(format!(
                        "[calibration] drift = {other}: allowed true (the model error walks after \
                         the last observation) or false"
                    )));
                }
            },
        };
        if posterior.particles * posterior.runs * posterior.generations > 100_000_000 {
            return Err(usage(format!(
                "[calibration] particles = {} x posterior_runs = {} x generations = {} is more \
                 than 100 million runs: lower one of them",
                posterior.particles, posterior.runs, posterior.generations
            )));
        }
        Ok(CalibrationConfig {
            data,
            targets,
            free,
            runs,
            seed,
            restarts,
            max_iterations,
            tolerance,
            method,
            posterior,
        })
    }
}

/// `[calibration.discrepancy]`: by simulated measure, a declared sd (a number) or the prior
/// bounds of an estimated one (`{ min, max }`).
fn discrepancy(table: &toml::Table) -> Result<Vec<(String, Discrepancy)>, UsageError> {
    let Some(d) = table.get("discrepancy") else {
        return Ok(Vec::new());
    };
    let toml::Value::Table(d) = d else {
        return Err(usage(format!(
            "[calibration] discrepancy = {d}: allowed a table of simulated measures (alignment, \
             membership_support, poll_friend, ...) and standard deviations"
        )));
    };
    let mut out = Vec::new();
    for (measure, v) in d {
        let key = format!("[calibration.discrepancy] {measure}");
        let entry = match v {
            toml::Value::Table(b) => {
                if let Some(k) = b.keys().find(|k| *k != "min" && *k != "max") {
                    return Err(usage(format!("{key}: unknown key `{k}`: allowed min, max")));
                }
                match (b.get("min").and_then(number), b.get("max").and_then(number)) {
                    (Some(min), Some(max))
                        if min.is_finite() && max.is_finite() && min > 0.0 && min < max =>
                    {
                        Discrepancy::Free { min, max }
                    }
                    _ => {
                        return Err(usage(format!(
                            "{key} = {v}: allowed prior bounds {{ min = <number above 0>, max = \
                             <a larger number> }} or a declared standard deviation"
                        )));
                    }
                }
            }
            other => match number(other) {
                Some(sd) if sd.is_finite() && sd > 0.0 => Discrepancy::Fixed(sd),
                _ => {
                    return Err(usage(format!(
                        "{key} = {other}: allowed a standard deviation above 0, or prior bounds \
                         {{ min = ..., max = ... }}"
                    )));
                }
            },
        };
        out.push((measure.clone(), entry));
    }
    Ok(out)
}

fn targets(table: &toml::Table) -> Result<Vec<(String, f64)>, UsageError> {
    let Some(t) = table.get("targets") else {
        return Err(usage(
            "[calibration] has no targets: add [calibration.targets] with observed series and \
             their weights, e.g. isac_alignment = 1.0"
                .into(),
        ));
    };
    let toml::Value::Table(t) = t else {
        return Err(usage(format!(
            "[calibration] targets = {t}: allowed a table of series names and weights"
        )));
    };
    let mut out = Vec::new();
    for (name, w) in t {
        match number(w) {
            Some(w) if w.is_finite() && w >= 0.0 => out.push((name.clone(), w)),
            _ => {
                return Err(usage(format!(
                    "[calibration.targets] {name} = {w}: allowed a weight, a number of at least 0"
                )));
            }
        }
    }
    if out.is_empty() || out.iter().all(|(_, w)| *w <= 0.0) {
        return Err(usage(
            "[calibration.targets] is empty or every weight is 0: name at least one observed \
             series with a positive weight"
                .into(),
        ));
    }
    Ok(out)
}

fn free(table: &toml::Table, spec: &ParamSpec) -> Result<Vec<FreeParam>, UsageError> {
    let Some(f) = table.get("free") else {
        return Err(usage(
            "[calibration] has no free parameters: add [calibration.free] with scenario paths \
             and bounds, e.g. \"alignment.kappa0\" = { min = -3, max = 3 }"
                .into(),
        ));
    };
    let toml::Value::Table(f) = f else {
        return Err(usage(format!(
            "[calibration] free = {f}: allowed a table of parameter paths and bounds"
        )));
    };
    let mut out: Vec<FreeParam> = Vec::new();
    for (path, bounds) in f {
        let key = format!("[calibration.free] \"{path}\"");
        let target =
            Target::parse(&model_path(path), spec).map_err(|e| usage(format!("{key}: {e}")))?;
        if matches!(target, Target::DomainWeight(_)) {
            return Err(usage(format!(
                "{key}: domain weights must sum to 1, so one cannot be free on its own"
            )));
        }
        let toml::Value::Table(b) = bounds else {
            return Err(usage(format!(
                "{key} = {bounds}: allowed bounds {{ min = <number>, max = <number> }}"
            )));
        };
        if let Some(k) = b.keys().find(|k| *k != "min" && *k != "max") {
            return Err(usage(format!("{key}: unknown key `{k}`: allowed min, max")));
        }
        let (Some(min), Some(max)) = (b.get("min").and_then(number), b.get("max").and_then(number))
        else {
            return Err(usage(format!(
                "{key} = {bounds}: allowed bounds {{ min = <number>, max = <number> }}"
            )));
        };
        let (lo, hi) = target.range();
        if !min.is_finite() || !max.is_finite() || min >= max || min < lo || max > hi {
            return Err(usage(format!(
                "{key}: bounds {min} to {max} must be increasing and within the parameter's \
                 allowed range {}",
                crate::model::range_text(lo, hi)
            )));
        }
        if out.iter().any(|o| o.target == target) {
            return Err(usage(format!("{key}: the same parameter is free twice")));
        }
        out.push(FreeParam {
            path: path.clone(),
            target,
            min,
            max,
        });
    }
    if out.is_empty() {
        return Err(usage(
            "[calibration.free] is empty: name at least one parameter to fit".into(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::defaults::serbia;

    fn read(text: &str) -> Result<CalibrationConfig, UsageError> {
        let table: toml::Table = text.parse().expect("test TOML parses");
        CalibrationConfig::from_table(&table, &serbia(), 42)
    }

    #[test]
    fn a_full_section_reads() {
        let c = read(
            "runs = 10\nrestarts = 2\nmax_iterations = 50\ntolerance = 1e-4\n\
             [targets]\nisac_alignment = 2\n\"bcsp_greatest_friend.RU\" = 0.5\n\
             [free]\n\"alignment.kappa0\" = { min = -3, max = 3 }\n\
             \"state.opinion_weight\" = { min = 0.1, max = 1.0 }\n",
        )
        .unwrap();
        assert_eq!(
            (c.runs, c.seed, c.restarts, c.max_iterations),
            (10, 42, 2, 50)
        );
        assert_eq!(c.targets.len(), 2);
        assert_eq!(c.free[0].target, Target::Kappa0);
        assert_eq!(c.free[1].target, Target::OpinionWeight);
        assert!((c.free[0].at(0.5) - 0.0).abs() < 1e-12);
        assert!((c.free[1].unit(0.1)).abs() < 1e-12);
        assert_eq!(c.data, PathBuf::from("data/observed"));
    }

    #[test]
    fn mistakes_name_the_key_and_what_is_allowed() {
        let base = "[targets]\nisac_alignment = 1\n[free]\n";
        let cases = [
            (
                format!("{base}\"alignment.kapa0\" = {{ min = 0, max = 1 }}"),
                "unknown key 'kapa0'",
            ),
            (
                format!("{base}\"alignment.kappa0\" = {{ min = 1, max = 0 }}"),
                "must be increasing",
            ),
            (
                format!("{base}\"state.max_move\" = {{ min = 0, max = 2 }}"),
                "allowed range 0 to 1",
            ),
            (format!("{base}\"alignment.kappa0\" = 3"), "allowed bounds"),
            (
                format!("{base}\"state.domain_weights.economy\" = {{ min = 0, max = 1 }}"),
                "sum to 1",
            ),
            (format!("rounds = 3\n{base}"), "unknown key `rounds`"),
            (
                "runs = 0\n[targets]\na = 1".to_string(),
                "runs = 0: allowed a whole number",
            ),
            (
                "[free]\n\"alignment.kappa0\" = { min = 0, max = 1 }".to_string(),
                "no targets",
            ),
            (base.to_string(), "empty"),
        ];
        for (text, want) in cases {
            let e = read(&text).unwrap_err().0;
            assert!(e.contains(want), "{want:?} not in {e:?}");
        }
    }
}
