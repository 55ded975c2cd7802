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
mod failure;
mod file;
mod layers;
mod name;
mod number;
mod particles;
mod quantile;
mod raw;
mod resolved;
mod spanned;
mod start;

pub use describe::{DescribeRow, describe};
pub(crate) use error::render as render_snippet;
pub use error::{ErrorKind, Place, ScenarioError};
pub use failure::OnFailure;
pub use layers::io_text;
pub use number::{Confidence, Dist, Provenance};
pub use particles::ParticleSet;
pub use quantile::{beta_cdf, normal_quantile};
pub use start::{history_starts, preload_history_starts};

use crate::model::rng::{Stream, run_seed, stream};
use crate::model::{Kind, ParamSpec, Params, Target};
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
    /// `[ensemble] on_failure`: what to do with a run that produced a non-finite value.
    pub on_failure: OnFailure,
    /// The fully resolved scenario as TOML: `extends` flattened, `--set` applied, every
    /// parameter written (defaults included). Loading it gives identical `Params` and the same
    /// uncertain numbers.
    pub resolved_toml: String,
    /// The raw `[calibration]` table, if present.
    pub calibration: Option<toml::Table>,
    /// The raw `[sweep]` table, if present.
    pub sweep: Option<toml::Table>,
    /// The raw `[explore]` table (the sliders of `simulate serve`), if present.
    pub explore: Option<toml::Table>,
    /// Weighted samples that `Dist::Particles` numbers draw from (by index).
    pub particles: Vec<Arc<ParticleSet>>,
    /// The reference the rest point is solved from, when it is not the scenario itself
    /// (`base.reference` holds its parameters).
    pub reference: Option<Box<Reference>>,
    /// Warnings about the scenario (deprecated names, rules or random events that would
    /// break a sum if they fired), each a complete line; commands print them on stderr and
    /// write them into the manifest.
    pub warnings: Vec<String>,
    /// The values `--set` changed, in the order given.
    pub overrides: Vec<Override>,
}

/// A value set on the command line (`--set`), with the value it replaced.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Override {
    /// The argument as given (`powers.US.budget=0.8`).
    pub arg: String,
    /// The TOML key path it sets.
    pub path: String,
    /// The value it replaced, as written (with its source and confidence, if any), or the
    /// default.
    pub old: String,
    /// Where the replaced value was written (`scenarios/baseline.toml:40:10`), or `default`.
    pub old_at: String,
    /// The new value, as given.
    pub new: String,
}

impl Override {
    /// "set on the command line: 0.4 → 0.8 (was scenarios/baseline.toml:40:10)".
    pub fn describe(&self) -> String {
        format!(
            "set on the command line: {} → {} (was {})",
            self.old, self.new, self.old_at
        )
    }
}

/// The world as it is at the start, which a scenario's changes act against (docs/model.md §5.1).
#[derive(Clone, Debug)]
pub struct Reference {
    /// What it is, for `describe` and the manifest: "scenarios/baseline.toml (the first file of
    /// the extends chain)".
    pub from: String,
    /// Its uncertain numbers. Those the scenario shares (same parameter, same distribution)
    /// take the scenario's draw; the others are drawn after the scenario's.
    pub uncertain: Vec<Uncertain>,
    /// Its fully resolved TOML (written beside the scenario's, see `file_name`).
    pub resolved_toml: String,
    /// The particle files its numbers draw from (a file the scenario also draws from gives
    /// both the same row in a run).
    pub particles: Vec<Arc<ParticleSet>>,
}

impl Reference {
    /// File name of the resolved reference beside a resolved scenario: named by its content,
    /// so scenarios that share a reference share the file.
    pub fn file_name(&self) -> String {
        use sha2::{Digest, Sha256};
        let hash = Sha256::digest(self.resolved_toml.as_bytes());
        let hex: String = hash[..6].iter().map(|b| format!("{b:02x}")).collect();
        format!("reference-{hex}.resolved.toml")
    }
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
    ///
    /// Every number draws from a stream of its own, keyed on the run's seed and the number's
    /// path, so a draw does not depend on which other numbers are uncertain. The reference (if
    /// any) is drawn the same way: a number uncertain in both with the same distribution takes
    /// the same value in both (an uncertainty about the world, not a change), and a scenario
    /// that fixes a number its reference leaves uncertain changes nothing else of the draws.
    /// Numbers of a particle file (`Dist::Particles`) take their values from one row of it per
    /// run, drawn by weight from the file's own stream, so they keep the sample's joint
    /// structure.
    pub fn sample(&self, seed: u64) -> Params {
        self.sample_rows(seed).0
    }

    /// `sample`, also returning the row drawn from each particle set.
    pub fn sample_rows(&self, seed: u64) -> (Params, Vec<usize>) {
        self.sample_units(seed, &[])
    }

    /// `sample`, with each uncertain number that has a position in `units` (by index into
    /// `uncertain`, in [0, 1)) taken at that quantile of its distribution instead of drawn: a
    /// design over the uncertain numbers (`run --design lhs`). Numbers drawn from particles
    /// keep their row. The reference's number of the same path and distribution takes the
    /// same value, as with draws.
    pub fn sample_at(&self, seed: u64, units: &[Option<f64>]) -> Params {
        self.sample_units(seed, units).0
    }

    fn sample_units(&self, seed: u64, units: &[Option<f64>]) -> (Params, Vec<usize>) {
        let rows = particle_rows(&self.particles, seed);
        if !self.has_draws() {
            return (self.base.clone(), rows);
        }
        let mut spec = self.base.spec().clone();
        let mut reference = spec.reference.take().map(|r| (*r).clone());
        draw_into(
            &mut spec,
            &self.uncertain,
            seed,
            &self.particles,
            &rows,
            units,
        );
        if let (Some(r), Some(from)) = (reference.as_mut(), self.reference.as_ref()) {
            let theirs = particle_rows(&from.particles, seed);
            let shared: Vec<Option<f64>> = from
                .uncertain
                .iter()
                .map(|ru| {
                    self.uncertain
                        .iter()
                        .position(|u| u.path == ru.path && u.dist == ru.dist)
                        .and_then(|i| units.get(i).copied().flatten())
                })
                .collect();
            draw_into(r, &from.uncertain, seed, &from.particles, &theirs, &shared);
        }
        spec.reference = reference.map(Arc::new);
        (
            Params::new(spec).unwrap_or_else(|_| self.base.clone()),
            rows,
        )
    }

    /// The reference's uncertain numbers (none without a reference).
    pub fn reference_uncertain(&self) -> &[Uncertain] {
        self.reference.as_ref().map_or(&[], |r| &r.uncertain)
    }

    /// Whether runs draw parameters (the scenario's or its reference's uncertain numbers).
    pub fn has_draws(&self) -> bool {
        !self.uncertain.is_empty() || !self.reference_uncertain().is_empty()
    }

    /// The scenario as its own reference: every number it has, `--set` overrides included,
    /// describes the world (what a calibration fits), none is a change against another file.
    pub fn as_own_reference(mut self) -> Scenario {
        if let Some(r) = self.reference.take() {
            let written = format!("reference = {}", toml::Value::String(r.file_name()));
            self.resolved_toml = self
                .resolved_toml
                .replacen(&written, "reference = \"self\"", 1);
            let mut spec = self.base.spec().clone();
            spec.reference = None;
            // The same parameters without a reference: still valid.
            self.base = Params::new(spec).unwrap_or(self.base);
        }
        self
    }

    /// The resolved reference to write beside the resolved scenario: (file name, text).
    pub fn reference_file(&self) -> Option<(String, &str)> {
        self.reference
            .as_ref()
            .map(|r| (r.file_name(), r.resolved_toml.as_str()))
    }

    /// Where the rest point is solved from, in words.
    pub fn reference_text(&self) -> String {
        match &self.reference {
            Some(r) => r.from.clone(),
            None => format!("{} itself", self.path.display()),
        }
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

/// Sets each uncertain number of `spec` to its draw for the run `seed`, then repairs the sums
/// the draws touched.
fn draw_into(
    spec: &mut ParamSpec,
    uncertain: &[Uncertain],
    seed: u64,
    particles: &[Arc<ParticleSet>],
    rows: &[usize],
    units: &[Option<f64>],
) {
    let mut drawn = Drawn::new(spec.powers.len());
    for (i, u) in uncertain.iter().enumerate() {
        let unit = units.get(i).copied().flatten();
        let value = match u.dist {
            // Unreachable with sets and rows of the same scenario; the mean keeps it total.
            Dist::Particles {
                set, column, mean, ..
            } => particles
                .get(set)
                .zip(rows.get(set))
                .and_then(|(p, r)| p.rows.get(*r))
                .and_then(|row| row.get(column))
                .copied()
                .unwrap_or(mean),
            d => match unit {
                Some(at) => d.quantile(at),
                None => {
                    let mut rng = stream(run_seed(seed, path_key(&u.path), 0), Stream::Params);
                    d.sample(&mut rng)
                }
            },
        };
        u.target.set_clamped(spec, value);
        drawn.note(u.target);
    }
    drawn.repair(spec);
}

/// The row of each particle set in the run `seed`: drawn by weight from a stream keyed on
/// the file's path, so every scenario drawing from one file takes the same row.
fn particle_rows(particles: &[Arc<ParticleSet>], seed: u64) -> Vec<usize> {
    particles
        .iter()
        .map(|ps| {
            let key = path_key(&format!("particles:{}", ps.path.display()));
            let mut rng = stream(run_seed(seed, key, 0), Stream::Params);
            ps.pick(rand::RngExt::random::<f64>(&mut rng))
        })
        .collect()
}

/// FNV-1a hash of a parameter path: the key of its own random stream.
fn path_key(path: &str) -> u64 {
    path.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Which sums a set of draws touched, to repair them afterwards (see `Scenario::sample`).
struct Drawn {
    weights: bool,
    mix: Vec<bool>,
}

impl Drawn {
    fn new(n: usize) -> Drawn {
        Drawn {
            weights: false,
            mix: vec![false; n],
        }
    }

    fn note(&mut self, target: Target) {
        match target {
            Target::DomainWeight(_) => self.weights = true,
            Target::Mix(p, k) if k.is_budgeted() => self.mix[p] = true,
            _ => {}
        }
    }

    fn repair(&self, spec: &mut ParamSpec) {
        if self.weights {
            let weights = &mut spec.government.domain_weights;
            let total: f64 = weights.iter().sum();
            if total > 0.0 {
                weights.iter_mut().for_each(|w| *w /= total);
            }
        }
        for (power, _) in spec.powers.iter_mut().zip(&self.mix).filter(|(_, d)| **d) {
            let budgeted = Kind::ALL.into_iter().filter(|k| k.is_budgeted());
            let total: f64 = budgeted.clone().map(|k| power.mix[k.index()]).sum();
            if total > 1.0 {
                budgeted.for_each(|k| power.mix[k.index()] /= total);
            }
        }
    }
}

/// The JSON Schema of the scenario format, generated from the structs the loader deserializes
/// (`file.rs`): every key with its `///` description, unknown keys refused. Values the loader
/// reads by hand (numbers with distributions or provenance, maps by power) are open in the
/// schema; their checks are the loader's.
pub fn json_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(file::ScenarioToml);
    schema.insert("title".into(), "simulate scenario".into());
    schema.to_value()
}

/// Loads a scenario file. `overrides` are `--set` arguments, `key.path=value` with the TOML
/// key path (`powers.US.budget=0.5`, `ensemble.runs=50`).
pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, ScenarioError> {
    let shown = path.display().to_string();
    let text = crate::limits::read_text(path, crate::limits::SCENARIO_BYTES).map_err(|e| {
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

/// Which reference a scenario's rest point is solved from.
enum RefChoice {
    /// The scenario itself: no separate reference.
    Own,
    /// The scenario's own files without the `--set` overrides.
    OwnWithoutSets,
    /// Another file, loaded on its own.
    File(PathBuf, String),
}

fn load_root(root: layers::Root<'_>, path: PathBuf) -> Result<Scenario, ScenarioError> {
    let stem = Path::new(&root.name)
        .file_stem()
        .map_or_else(|| root.name.clone(), |s| s.to_string_lossy().into_owned());
    let (text, name, dir, canonical) = (
        root.text.clone(),
        root.name.clone(),
        root.dir.clone(),
        root.canonical.clone(),
    );
    let assembled = layers::assemble(root)?;
    let choice = match &assembled.reference {
        Some(k) if k.written == "self" => {
            if assembled.has_sets {
                RefChoice::OwnWithoutSets
            } else {
                RefChoice::Own
            }
        }
        Some(k) => RefChoice::File(
            k.path.clone(),
            format!("{} (reference = \"{}\")", k.path.display(), k.written),
        ),
        None if assembled.chain_len > 1 => RefChoice::File(
            assembled.root_file.clone(),
            format!(
                "{} (the first file of the extends chain)",
                assembled.root_file.display()
            ),
        ),
        None if assembled.has_sets => RefChoice::OwnWithoutSets,
        None => RefChoice::Own,
    };
    let reference = match choice {
        RefChoice::Own => None,
        RefChoice::OwnWithoutSets => {
            let r = load_reference(layers::Root {
                text,
                name: name.clone(),
                dir,
                canonical,
                overrides: &[],
            });
            let r = reference_of(r, format!("{name} without the --set overrides"))?;
            // Overrides that change the powers make a different world: it is its own reference.
            let ids = |p: &Params| p.powers.iter().map(|q| q.id.clone()).collect::<Vec<_>>();
            let same = power_ids_of(&assembled).is_none_or(|mine| mine == ids(&r.1));
            same.then_some(r)
        }
        RefChoice::File(file, from) => {
            let r = crate::limits::read_text(&file, crate::limits::SCENARIO_BYTES)
                .map_err(|e| {
                    let span = assembled.reference.as_ref().map(|k| k.span.clone());
                    assembled.map.error(
                        ErrorKind::Io,
                        span,
                        Some("reference"),
                        format!(
                            "cannot read the reference scenario '{}': {}",
                            file.display(),
                            layers::io_text(&e)
                        ),
                    )
                })
                .and_then(|text| {
                    load_reference(layers::Root {
                        text,
                        name: file.display().to_string(),
                        dir: file.parent().map(Path::to_path_buf).unwrap_or_default(),
                        canonical: std::fs::canonicalize(&file).ok(),
                        overrides: &[],
                    })
                });
            Some(reference_of(r, from)?)
        }
    };
    let file_name = reference.as_ref().map(|(r, _)| r.file_name());
    let c = convert::convert(&assembled, &stem, file_name.as_deref())?;
    let overrides = overrides_of(&assembled);
    let base = match &reference {
        None => c.base,
        Some((_, params)) => {
            let mut spec = c.base.spec().clone();
            spec.reference = Some(Arc::new(params.spec().clone()));
            Params::new(spec).map_err(|e| {
                let span = assembled.reference.as_ref().map(|k| k.span.clone());
                assembled.map.error(
                    ErrorKind::Invalid,
                    span,
                    Some("reference"),
                    format!("the reference does not fit this scenario: {e}"),
                )
            })?
        }
    };
    Ok(Scenario {
        name: c.name,
        description: c.description,
        path,
        base,
        uncertain: c.uncertain,
        provenance: c.provenance,
        runs: c.runs,
        seed: c.seed,
        on_failure: c.on_failure,
        resolved_toml: c.resolved_toml,
        calibration: assembled.file.calibration,
        sweep: assembled.file.sweep,
        explore: assembled.file.explore,
        particles: c.particles,
        reference: reference.map(|(r, _)| Box::new(r)),
        warnings: assembled
            .warnings
            .iter()
            .cloned()
            .chain(c.warnings)
            .collect(),
        overrides,
    })
}

/// What each `--set` changed, with the value it replaced (or the default).
fn overrides_of(assembled: &layers::Assembled) -> Vec<Override> {
    let ids = power_ids_of(assembled).unwrap_or_else(|| {
        layers::DEFAULT_POWER_IDS
            .iter()
            .map(|s| s.to_string())
            .collect()
    });
    assembled
        .sets
        .iter()
        .map(|(arg, path, old)| {
            let new = arg
                .split_once('=')
                .map_or(String::new(), |(_, v)| v.trim().to_string());
            let (old, old_at) = match old {
                Some((text, at)) => (text.clone(), at.clone()),
                None => (
                    convert::default_text(path, &ids).unwrap_or_else(|| "none".to_string()),
                    "the default".to_string(),
                ),
            };
            Override {
                arg: arg.clone(),
                path: path.clone(),
                old,
                old_at,
                new,
            }
        })
        .collect()
}

/// The power ids the merged scenario declares, if it declares them.
fn power_ids_of(assembled: &layers::Assembled) -> Option<Vec<String>> {
    let ids = assembled.file.power_ids.as_ref()?;
    Some(ids.get_ref().iter().map(|s| s.get_ref().clone()).collect())
}

/// Loads a scenario as a reference: its parameters only (its own `reference` is not followed).
fn load_reference(root: layers::Root<'_>) -> Result<(Scenario, Params), ScenarioError> {
    let stem = Path::new(&root.name)
        .file_stem()
        .map_or_else(|| root.name.clone(), |s| s.to_string_lossy().into_owned());
    let path = PathBuf::from(&root.name);
    let assembled = layers::assemble(root)?;
    let c = convert::convert(&assembled, &stem, None)?;
    let base = c.base.clone();
    Ok((
        Scenario {
            name: c.name,
            description: c.description,
            path,
            base: c.base,
            uncertain: c.uncertain,
            provenance: c.provenance,
            runs: c.runs,
            seed: c.seed,
            on_failure: c.on_failure,
            resolved_toml: c.resolved_toml,
            calibration: assembled.file.calibration,
            sweep: assembled.file.sweep,
            explore: assembled.file.explore,
            particles: c.particles,
            reference: None,
            warnings: Vec::new(),
            overrides: Vec::new(),
        },
        base,
    ))
}

/// A loaded reference as the scenario keeps it; an error in it is reported as it is, with a
/// line saying it was loaded as the reference.
fn reference_of(
    loaded: Result<(Scenario, Params), ScenarioError>,
    from: String,
) -> Result<(Reference, Params), ScenarioError> {
    let (s, params) = loaded.map_err(|mut e| {
        e.message = format!("{} (loading the reference: {from})", e.message);
        e
    })?;
    Ok((
        Reference {
            from,
            uncertain: s.uncertain,
            resolved_toml: s.resolved_toml,
            particles: s.particles,
        },
        params,
    ))
}
