//! Scenarios: a TOML file (plus the files it `extends` and `--set` overrides) turned once into
//! checked model parameters, with the numbers declared uncertain, their provenance, and the
//! fully resolved scenario as TOML (docs/model.md §7).
//!
//! The format is documented key by key on the structs of `file.rs`. Loading goes in stages:
//! `layers` reads and merges the texts and deserializes them; `convert` applies the values to
//! the model's defaults, checks them and writes the resolved TOML; `Params::new` checks the
//! rest. Every error names the file, line and column, the key, the bad value and what is
//! allowed. Depends on the model; the model does not depend on this.

mod convert;
mod describe;
mod error;
mod file;
mod layers;
mod number;
mod particles;
mod raw;
mod resolved;

pub use describe::{DescribeRow, describe};
pub use error::{ErrorKind, Place, ScenarioError};
pub use number::{Confidence, Dist, Provenance};
pub use particles::ParticleSet;

use crate::model::{Kind, Params, Target};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A loaded, checked scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// `name` key; default: the file name without extension.
    pub name: String,
    /// `description` key.
    pub description: String,
    /// The file loaded.
    pub path: PathBuf,
    /// Checked parameters; uncertain numbers at their central value (see `Dist::center`),
    /// numbers widened by confidence at their written value.
    pub base: Params,
    /// Numbers declared as distributions, and fixed numbers widened because of low confidence.
    pub uncertain: Vec<Uncertain>,
    /// Source and confidence by canonical parameter path (`Target::path`).
    pub provenance: BTreeMap<String, Provenance>,
    /// `[ensemble] runs`.
    pub runs: usize,
    /// `[ensemble] seed`.
    pub seed: u64,
    /// The fully resolved scenario as TOML: `extends` flattened, `--set` applied, every
    /// parameter written (defaults included). Loading it gives identical `Params` and the same
    /// uncertain numbers.
    pub resolved_toml: String,
    /// The raw `[calibration]` table, if present.
    pub calibration: Option<toml::Table>,
    /// Weighted samples that `Dist::Particles` numbers draw from (by index).
    pub particles: Vec<Arc<ParticleSet>>,
}

/// A parameter drawn anew for each run.
#[derive(Clone, Debug, PartialEq)]
pub struct Uncertain {
    /// The parameter.
    pub target: Target,
    /// Its canonical path (`powers.US.budget`; `rivalry.US-CN` for one draw for every domain).
    pub path: String,
    /// Its distribution.
    pub dist: Dist,
}

impl Scenario {
    /// Draws one parameter set: each uncertain parameter set to a draw clamped into its
    /// allowed range.
    ///
    /// Draws can break the two sums `Params::new` checks; they are repaired rather than
    /// refused, and only where a drawn number takes part: domain weights are divided by their
    /// sum when one of them is uncertain, and a power's money shares (`mix`) are scaled down to
    /// sum to 1 when one of them is uncertain and they sum above 1. Should the result still be
    /// refused (it cannot with the current checks), the base parameters are returned.
    pub fn sample(&self, rng: &mut impl rand::Rng) -> Params {
        self.sample_rows(rng).0
    }

    /// `sample`, also returning the row drawn from each particle set (`None` for a set no
    /// parameter drew from).
    pub fn sample_rows(&self, rng: &mut impl rand::Rng) -> (Params, Vec<Option<usize>>) {
        let mut rows: Vec<Option<usize>> = vec![None; self.particles.len()];
        if self.uncertain.is_empty() {
            return (self.base.clone(), rows);
        }
        let mut spec = self.base.spec().clone();
        let mut weights_drawn = false;
        let mut mix_drawn = vec![false; spec.powers.len()];
        // One row of each particle set per run, drawn when its first parameter comes up.
        for u in &self.uncertain {
            let value = match u.dist {
                Dist::Particles { set, column, .. } => {
                    let ps = &self.particles[set];
                    let row =
                        *rows[set].get_or_insert_with(|| ps.pick(rand::RngExt::random::<f64>(rng)));
                    ps.rows[row][column]
                }
                d => d.sample(rng),
            };
            u.target.set_clamped(&mut spec, value);
            match u.target {
                Target::DomainWeight(_) => weights_drawn = true,
                Target::Mix(p, k) if k.is_budgeted() => mix_drawn[p] = true,
                _ => {}
            }
        }
        if weights_drawn {
            let weights = &mut spec.government.domain_weights;
            let total: f64 = weights.iter().sum();
            if total > 0.0 {
                weights.iter_mut().for_each(|w| *w /= total);
            }
        }
        for (power, _) in spec.powers.iter_mut().zip(&mix_drawn).filter(|(_, d)| **d) {
            let budgeted = Kind::ALL.into_iter().filter(|k| k.is_budgeted());
            let total: f64 = budgeted.clone().map(|k| power.mix[k.index()]).sum();
            if total > 1.0 {
                budgeted.for_each(|k| power.mix[k.index()] /= total);
            }
        }
        (
            Params::new(spec).unwrap_or_else(|_| self.base.clone()),
            rows,
        )
    }

    /// The distribution of a parameter, if it is uncertain (a rivalry drawn for every domain
    /// at once counts for each domain).
    pub fn dist_of(&self, target: Target) -> Option<&Dist> {
        self.uncertain
            .iter()
            .find(|u| {
                u.target == target
                    || matches!((u.target, target),
                        (Target::Rivalry(p, q, None), Target::Rivalry(a, b, Some(_)))
                            if (p, q) == (a, b) || (p, q) == (b, a))
            })
            .map(|u| &u.dist)
    }
}

/// Loads a scenario file. `overrides` are `--set` arguments, `key.path=value` with the TOML
/// key path (`powers.US.budget=0.5`, `ensemble.runs=50`).
pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, ScenarioError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        ScenarioError::bare(
            ErrorKind::Io,
            format!("cannot read scenario '{shown}': {}", layers::io_text(&e)),
        )
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    load_root(
        layers::Root {
            text,
            name: shown,
            dir,
            canonical: std::fs::canonicalize(path).ok(),
            overrides,
        },
        path.to_path_buf(),
    )
}

/// Loads a scenario from text (for tests): `name_for_errors` names it in messages (its stem
/// is the default scenario name), `base_dir` is where `extends` paths start.
pub fn load_str(
    text: &str,
    name_for_errors: &str,
    base_dir: &Path,
    overrides: &[String],
) -> Result<Scenario, ScenarioError> {
    let path = base_dir.join(name_for_errors);
    load_root(
        layers::Root {
            text: text.to_string(),
            name: name_for_errors.to_string(),
            dir: base_dir.to_path_buf(),
            canonical: std::fs::canonicalize(&path).ok(),
            overrides,
        },
        path,
    )
}

fn load_root(root: layers::Root<'_>, path: PathBuf) -> Result<Scenario, ScenarioError> {
    let stem = Path::new(&root.name)
        .file_stem()
        .map_or_else(|| root.name.clone(), |s| s.to_string_lossy().into_owned());
    let assembled = layers::assemble(root)?;
    let c = convert::convert(&assembled.map, &assembled.file, &stem)?;
    Ok(Scenario {
        name: c.name,
        description: c.description,
        path,
        base: c.base,
        uncertain: c.uncertain,
        provenance: c.provenance,
        runs: c.runs,
        seed: c.seed,
        resolved_toml: c.resolved_toml,
        calibration: assembled.file.calibration,
        particles: c.particles,
    })
}
