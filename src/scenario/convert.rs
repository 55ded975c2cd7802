//! From the deserialized file (`file.rs`) to checked `Params`, once.
//!
//! Starts from `model::defaults::serbia()` (and neutral defaults for powers it does not know),
//! applies every value the file gives, checks each against the range of its parameter path
//! (`Target`), records where it came from (for errors found later by `Params::new`, for
//! provenance and for `describe`), and writes the resolved TOML on the way. Depends on the
//! model, never the other way round.
#![allow(clippy::type_complexity)] // span and text tables of the converter

use super::error::{ErrorKind, Origin, ScenarioError, SourceMap, suggest};
use super::file::{DomainsToml, EffectsToml, Named, ScenarioToml};
use super::layers::{Assembled, DEFAULT_POWER_IDS, PathKey, join_path, key_text};
use super::number::{NumSpec, NumValue, Provenance, fmt_f64, parse_int, parse_number};
use super::particles::ParticleSet;
use super::raw::{Raw, RawValue};
use super::resolved::{Doc, inline, string};
use super::spanned::Spanned;
use super::start::{HistoryStart, MAX_HISTORY_RUNS, from_history};
use super::{Dist, Uncertain};
use crate::model::defaults::{neutral_power, serbia};
use crate::model::expr::Expr;
use crate::model::{
    AgendaTarget, AgendaYear, Domain, Effect, Kind, N_DOMAINS, Op, ParamError, ParamSpec, Params,
    PowerId, RandomEvent, Rule, ScriptedEvent, Target, range_text, vars,
};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Runs in an ensemble when the scenario does not say.
pub(crate) const DEFAULT_RUNS: usize = 200;
/// Master seed when the scenario does not say.
pub(crate) const DEFAULT_SEED: u64 = 42;
/// Most runs an ensemble may ask for.
pub(crate) const MAX_RUNS: usize = 10_000_000;

use crate::model::defaults::{
    NEUTRAL_ANCHOR, NEUTRAL_AUTONOMY_COST, NEUTRAL_CLOSENESS, NEUTRAL_MEDIA,
    threat as default_threat,
};

/// The scenario, converted.
pub(crate) struct Converted {
    pub name: String,
    pub description: String,
    pub base: Params,
    pub uncertain: Vec<Uncertain>,
    pub provenance: BTreeMap<String, Provenance>,
    pub runs: usize,
    pub seed: u64,
    pub on_failure: super::OnFailure,
    pub resolved_toml: String,
    pub particles: Vec<Arc<ParticleSet>>,
    /// Warnings for the user, each a complete line.
    pub warnings: Vec<String>,
}

struct Ctx<'m> {
    map: &'m SourceMap,
    spec: ParamSpec,
    widen: bool,
    /// Where each parameter (canonical path) and some tables were set; absent: a default.
    origins: BTreeMap<String, Range<usize>>,
    uncertain: Vec<Uncertain>,
    provenance: BTreeMap<String, Provenance>,
    doc: Doc,
    /// Particle files read, each once.
    particles: Vec<Arc<ParticleSet>>,
    /// The starting state from `[start] history`: used where the file gives no value.
    history: Option<HistoryStart>,
    /// Errors found so far: the conversion goes on past a bad value so that `check` reports
    /// every error of a file at once.
    errors: std::cell::RefCell<Vec<ScenarioError>>,
    /// Warnings for the user (deprecated names, effects that may break a sum when they fire).
    warnings: std::cell::RefCell<Vec<String>>,
    /// Entries switched off with `enabled = false`: (section, name, where).
    disabled: Vec<(String, String, String)>,
    /// Where each effect of each event kind was written, aligned with its `effects`.
    effect_spans: BTreeMap<(u8, String), Vec<(Range<usize>, String)>>,
}

type Res<T> = Result<T, ScenarioError>;

/// A per-power key of a section: its name, its value, its parameter for a power.
type PerPowerField<'a> = (&'a str, Option<&'a Raw>, fn(PowerId) -> Target);

/// An effect key (`set`, `add`, `scale`): its name, its table, the operation.
type OpField<'a> = (&'static str, Option<&'a Named<Raw>>, fn(f64) -> Op);

/// Effect keys written back: `(key, TOML value)`.
type EffectTexts = Vec<(&'static str, String)>;

/// Converts a deserialized scenario. `default_name` is used when it has no `name`.
/// `reference`: the file name of the separate reference the rest point is solved from, written
/// beside the resolved file (`None`: `reference = "self"`).
pub(crate) fn convert(
    assembled: &Assembled,
    default_name: &str,
    reference: Option<&str>,
) -> Res<Converted> {
    let (map, file) = (&assembled.map, &assembled.file);
    let name = super::name::scenario_name(map, file.name.as_ref(), default_name)?;
    let description = file
        .description
        .as_ref()
        .map_or_else(String::new, |d| d.get_ref().clone());
    let ids = power_ids(map, file)?;
    let widen = file
        .ensemble
        .as_ref()
        .and_then(|e| e.widen_by_confidence.as_ref())
        .is_none_or(|w| *w.get_ref());
    let mut cx = Ctx {
        map,
        spec: skeleton(&ids),
        widen,
        origins: BTreeMap::new(),
        uncertain: Vec::new(),
        provenance: BTreeMap::new(),
        doc: Doc::default(),
        particles: Vec::new(),
        history: None,
        errors: std::cell::RefCell::new(assembled.errors.clone()),
        warnings: std::cell::RefCell::new(Vec::new()),
        effect_spans: BTreeMap::new(),
        disabled: assembled.disabled.clone(),
    };
    cx.doc.put(&[], "name", string(&name));
    cx.doc.put(&[], "description", string(&description));
    cx.doc.put(
        &[],
        "power_ids",
        format!(
            "[{}]",
            ids.iter().map(|i| string(i)).collect::<Vec<_>>().join(", ")
        ),
    );
    cx.doc
        .put(&[], "reference", string(reference.unwrap_or("self")));
    cx.keep(|cx| cx.years(file));
    cx.keep(|cx| cx.start(file, assembled.history.as_ref(), &ids));
    let (runs, seed) = match cx.ensemble(file) {
        Ok(v) => v,
        Err(e) => {
            cx.note(e);
            (DEFAULT_RUNS, DEFAULT_SEED)
        }
    };
    let on_failure = file.ensemble.as_ref().and_then(|e| e.on_failure.as_ref());
    let on_failure = super::failure::on_failure(map, on_failure).unwrap_or_else(|e| {
        cx.note(e);
        super::OnFailure::Skip
    });
    cx.doc
        .put(&["ensemble"], "on_failure", string(on_failure.name()));
    cx.keep(|cx| cx.state(file));
    cx.keep(|cx| cx.powers(file));
    cx.keep(|cx| cx.instruments(file));
    cx.keep(|cx| cx.rivalry(file));
    cx.keep(|cx| cx.accession(file));
    cx.keep(|cx| cx.threats(file));
    cx.keep(|cx| cx.population(file));
    cx.keep(|cx| cx.polls(file));
    cx.keep(|cx| cx.alignment(file));
    cx.keep(|cx| cx.events(file));
    if let Some(e) = ScenarioError::many(cx.errors.take()) {
        return Err(e);
    }
    let base = Params::new(cx.spec.clone()).map_err(|e| cx.param_error(e))?;
    cx.check_effect_sums()?;
    let header = format!(
        "Scenario `{name}`, fully resolved by simulate {}: `extends` flattened, --set \
         applied,\nevery parameter written (defaults included). Loading this file gives the \
         same parameters.",
        env!("CARGO_PKG_VERSION")
    );
    let resolved_toml = cx.doc.render(
        &header,
        &[
            ("calibration", file.calibration.as_ref()),
            ("sweep", file.sweep.as_ref()),
            ("explore", file.explore.as_ref()),
        ],
    );
    Ok(Converted {
        warnings: cx.warnings.take(),
        name,
        description,
        base,
        uncertain: cx.uncertain,
        provenance: cx.provenance,
        runs,
        seed,
        on_failure,
        resolved_toml,
        particles: cx.particles,
    })
}

/// The declared power ids, checked.
fn power_ids(map: &SourceMap, file: &ScenarioToml) -> Res<Vec<String>> {
    let Some(list) = &file.power_ids else {
        return Ok(DEFAULT_POWER_IDS.iter().map(|s| s.to_string()).collect());
    };
    let n = list.get_ref().len();
    if !(2..=8).contains(&n) {
        return Err(map.error(
            ErrorKind::OutOfRange,
            Some(list.span()),
            Some("power_ids"),
            format!("power_ids has {n} entries: allowed 2 to 8 powers"),
        ));
    }
    let mut ids: Vec<String> = Vec::new();
    for id in list.get_ref() {
        let s = id.get_ref();
        if s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(map.error(
                ErrorKind::OutOfRange,
                Some(id.span()),
                Some("power_ids"),
                format!("power_ids: \"{s}\" is not a power id: allowed letters, digits and '_'"),
            ));
        }
        if ids.contains(s) {
            return Err(map.error(
                ErrorKind::Invalid,
                Some(id.span()),
                Some("power_ids"),
                format!("power_ids: \"{s}\" is listed twice: allowed each power once"),
            ));
        }
        ids.push(s.clone());
    }
    Ok(ids)
}

/// The defaults for a list of powers: the Serbia defaults for the powers they know,
/// neutral values for others.
fn skeleton(ids: &[String]) -> ParamSpec {
    let d = serbia();
    let known = |id: &str| d.powers.iter().position(|p| p.id == id);
    let at = |i: usize| known(&ids[i]);
    let n = ids.len();
    let mut spec = d.clone();
    spec.powers = ids
        .iter()
        .map(|id| known(id).map_or_else(|| neutral_power(id), |k| d.powers[k].clone()))
        .collect();
    let g = &mut spec.government;
    g.autonomy_cost = (0..n)
        .map(|i| at(i).map_or(NEUTRAL_AUTONOMY_COST, |k| d.government.autonomy_cost[k]))
        .collect();
    g.initial_closeness = (0..n)
        .map(|i| {
            at(i).map_or([NEUTRAL_CLOSENESS; N_DOMAINS], |k| {
                d.government.initial_closeness[k]
            })
        })
        .collect();
    let pop = &mut spec.population;
    pop.anchor_mean = (0..n)
        .map(|i| at(i).map_or(NEUTRAL_ANCHOR, |k| d.population.anchor_mean[k]))
        .collect();
    pop.media_pro_government = (0..n)
        .map(|i| at(i).map_or(NEUTRAL_MEDIA, |k| d.population.media_pro_government[k]))
        .collect();
    pop.media_independent = (0..n)
        .map(|i| at(i).map_or(NEUTRAL_MEDIA, |k| d.population.media_independent[k]))
        .collect();
    spec.rivalry = vec![[0.0; N_DOMAINS]; n * n];
    for p in 0..n {
        for q in 0..n {
            if let (Some(a), Some(b)) = (at(p), at(q)) {
                spec.rivalry[p * n + q] = d.rivalry[a * d.powers.len() + b];
            }
        }
    }
    let index_of = |old: usize| ids.iter().position(|id| *id == d.powers[old].id);
    spec.accession_power = d.accession_power.and_then(index_of);
    spec.alignment.with = index_of(d.alignment.with).unwrap_or(0);
    spec.alignment.agenda = d
        .alignment
        .agenda
        .iter()
        .map(|year| {
            let mut shares: Vec<(AgendaTarget, f64)> = Vec::new();
            let mut other = 0.0;
            for (t, v) in &year.shares {
                match t {
                    AgendaTarget::Power(old) => match index_of(*old) {
                        Some(p) => shares.push((AgendaTarget::Power(p), *v)),
                        None => other += v,
                    },
                    AgendaTarget::Other => other += v,
                }
            }
            shares.push((AgendaTarget::Other, other));
            AgendaYear {
                year: year.year,
                shares,
            }
        })
        .collect();
    spec
}

/// The parameter paths a target stands for (a rivalry over all domains: each domain).
fn record_paths(target: Target, spec: &ParamSpec) -> Vec<String> {
    match target {
        Target::Rivalry(p, q, None) => Domain::ALL
            .iter()
            .map(|d| Target::Rivalry(p, q, Some(*d)).path(spec))
            .collect(),
        t => vec![t.path(spec)],
    }
}

impl Ctx<'_> {
    fn err(
        &self,
        kind: ErrorKind,
        span: Range<usize>,
        key: &str,
        message: String,
    ) -> ScenarioError {
        self.map.error(kind, Some(span), Some(key), message)
    }

    fn ids(&self) -> String {
        self.spec
            .powers
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A power by id, or an error naming the declared ones.
    fn power(&self, name: &Spanned<String>, key: &str, what: &str) -> Res<PowerId> {
        let id = name.get_ref();
        self.spec
            .powers
            .iter()
            .position(|p| p.id == *id)
            .ok_or_else(|| {
                let ids: Vec<&str> = self.spec.powers.iter().map(|p| p.id.as_str()).collect();
                self.err(
                    ErrorKind::UnknownName,
                    name.span(),
                    key,
                    format!(
                        "unknown power `{id}` in {what}: {}declared powers are {} (power_ids)",
                        suggest(id, ids.iter().copied()),
                        self.ids()
                    ),
                )
            })
    }

    /// A domain by name.
    fn domain(&self, name: &Spanned<String>, key: &str) -> Res<Domain> {
        Domain::parse(name.get_ref()).ok_or_else(|| {
            self.err(
                ErrorKind::UnknownName,
                name.span(),
                key,
                format!(
                    "unknown domain `{}` in {key}: {}allowed economy, security, technology, \
                     diplomacy",
                    name.get_ref(),
                    suggest(name.get_ref(), Domain::ALL.iter().map(|d| d.name()))
                ),
            )
        })
    }

    /// Records an error and goes on.
    fn note(&self, e: ScenarioError) {
        self.errors.borrow_mut().push(e);
    }

    /// Runs a step; its error is recorded and the conversion goes on.
    fn keep(&mut self, step: impl FnOnce(&mut Self) -> Res<()>) {
        if let Err(e) = step(self) {
            self.note(e);
        }
    }

    /// A model parameter: applies the value to the spec, records it, returns its TOML text.
    /// A bad value is recorded as an error and the parameter keeps its default.
    fn param(&mut self, raw: Option<&Raw>, target: Target, key: &str) -> Res<String> {
        match self.param_checked(raw, target, key) {
            Ok(text) => Ok(text),
            Err(e) => {
                self.note(e);
                Ok(fmt_f64(target.get(&self.spec)))
            }
        }
    }

    fn param_checked(&mut self, raw: Option<&Raw>, target: Target, key: &str) -> Res<String> {
        let Some(raw) = raw else {
            if let Some(text) = self.history_value(target) {
                return Ok(text);
            }
            return Ok(match target {
                Target::Grace(_) => format!("{}", target.get(&self.spec)),
                _ => fmt_f64(target.get(&self.spec)),
            });
        };
        let mut n = parse_number(self.map, raw, key, None)?;
        let particles_text = self.particles(&mut n, target, key)?;
        let (lo, hi) = target.range();
        let text = self.map.text_of(&n.span);
        let allowed = range_text(lo, hi);
        match n.value {
            NumValue::Particles { .. } => {}
            NumValue::Fixed(v) => {
                if v < lo || v > hi {
                    return Err(self.err(
                        ErrorKind::OutOfRange,
                        n.span.clone(),
                        key,
                        format!("{key} = {text} is out of range: allowed {allowed}"),
                    ));
                }
                if matches!(target, Target::Grace(_)) && v.fract() != 0.0 {
                    return Err(self.err(
                        ErrorKind::OutOfRange,
                        n.span.clone(),
                        key,
                        format!("{key} = {text}: allowed a whole number of years, {allowed}"),
                    ));
                }
            }
            NumValue::Dist(d) => {
                let (a, b) = d.support();
                let c = d.center();
                let outside = match d {
                    Dist::Normal { .. } => c < lo || c > hi,
                    _ => a < lo || b > hi,
                };
                if outside {
                    return Err(self.err(
                        ErrorKind::Distribution,
                        n.span.clone(),
                        key,
                        format!(
                            "{key} = {text}: the distribution {d} reaches outside the allowed \
                             range {allowed}: keep it within the range"
                        ),
                    ));
                }
            }
        }
        match target {
            // The year's shares are read one by one and checked together (`alignment`).
            Target::AgendaShare(y, i) => self.spec.alignment.agenda[y].shares[i].1 = n.center(),
            _ => target.set(&mut self.spec, n.center()),
        }
        for path in record_paths(target, &self.spec) {
            self.origins.insert(path.clone(), n.span.clone());
            if n.provenance != Provenance::default() {
                self.provenance.insert(path, n.provenance.clone());
            }
        }
        let dist = match n.value {
            NumValue::Dist(d) => Some(d),
            NumValue::Particles { .. } => None,
            NumValue::Fixed(v) if self.widen => {
                n.provenance.confidence.and_then(|c| c.widen(v, (lo, hi)))
            }
            NumValue::Fixed(_) => None,
        };
        if let Some(dist) = dist {
            self.uncertain.push(Uncertain {
                target,
                path: target.path(&self.spec),
                dist,
            });
        }
        if let Some(text) = particles_text {
            return Ok(text);
        }
        Ok(match (target, &n.value) {
            (Target::Grace(_), NumValue::Fixed(v)) if n.provenance == Provenance::default() => {
                format!("{v}")
            }
            _ => n.toml_text(),
        })
    }

    /// Resolves a `particles` number: reads its file (once per file, relative to the scenario
    /// file that names it, or to the working directory for `--set`), checks the column, and
    /// turns it into a `Dist::Particles`. Returns the number's resolved TOML text, which names
    /// the file by its absolute path so that the resolved scenario loads from anywhere.
    fn particles(&mut self, n: &mut NumSpec, target: Target, key: &str) -> Res<Option<String>> {
        let NumValue::Particles { file, column } = &n.value else {
            return Ok(None);
        };
        let dir = match self.map.source_of(&file.span()) {
            Some(src) => match (&src.dir, &src.origin) {
                (Some(d), _) => d.clone(),
                (None, Origin::File(name)) => Path::new(name)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
                (None, Origin::Set(_)) => PathBuf::new(),
            },
            None => PathBuf::new(),
        };
        let path = dir.join(file.get_ref());
        let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        let set = match self.particles.iter().position(|p| p.path == canonical) {
            Some(i) => i,
            None => {
                let loaded = ParticleSet::load(&path).map_err(|e| {
                    self.err(
                        ErrorKind::Distribution,
                        file.span(),
                        key,
                        format!("{key}: particle file: {e}"),
                    )
                })?;
                self.particles.push(Arc::new(loaded));
                self.particles.len() - 1
            }
        };
        let ps = Arc::clone(&self.particles[set]);
        let (col_name, col_span) = column.as_ref().map_or_else(
            || (key.to_string(), file.span()),
            |c| (c.get_ref().clone(), c.span()),
        );
        let Some(col) = ps.column(&col_name) else {
            return Err(self.err(
                ErrorKind::Distribution,
                col_span,
                key,
                format!(
                    "{key}: the particle file {} has no column `{col_name}` (columns: {}); \
                     name one with column = \"...\"",
                    ps.path.display(),
                    ps.columns.join(", ")
                ),
            ));
        };
        let (lo, hi) = target.range();
        let (min, max) = ps.range(col);
        if !ps.is_numeric(col) || min < lo || max > hi {
            return Err(self.err(
                ErrorKind::Distribution,
                col_span,
                key,
                format!(
                    "{key}: column `{col_name}` of {} must hold numbers within the parameter's \
                     allowed range {} (found {min} to {max})",
                    ps.path.display(),
                    range_text(lo, hi)
                ),
            ));
        }
        let dist = Dist::Particles {
            set,
            column: col,
            mean: ps.mean(col),
            min,
            max,
        };
        let text = format!(
            "{{ dist = \"particles\", file = {}, column = {} }}",
            toml::Value::String(ps.path.display().to_string()),
            toml::Value::String(col_name)
        );
        n.value = NumValue::Dist(dist);
        Ok(Some(text))
    }

    /// A starting value from `[start] history` for a parameter the file does not give: set to
    /// the history's mean, drawn per run from a normal with the history's spread, with the
    /// history as its source. Its TOML text, or `None` when the history does not give it.
    fn history_value(&mut self, target: Target) -> Option<String> {
        let h = self.history.as_ref()?;
        let v = h.values.iter().find(|v| v.target == target)?.clone();
        let provenance = Provenance {
            source: Some(h.source.clone()),
            confidence: Some(super::Confidence::C),
        };
        target.set(&mut self.spec, v.mean);
        let path = target.path(&self.spec);
        self.provenance.insert(path.clone(), provenance.clone());
        let extra = format!(
            ", source = {}, confidence = \"C\"",
            toml::Value::String(h.source.clone())
        );
        if v.sd > 0.0 {
            let dist = Dist::Normal {
                mean: v.mean,
                sd: v.sd,
            };
            self.uncertain.push(Uncertain { target, path, dist });
            Some(dist.toml_text(&extra))
        } else {
            Some(format!("{{ value = {}{extra} }}", fmt_f64(v.mean)))
        }
    }

    /// `[start] history`: runs the history and keeps the state it reaches for `param`.
    fn start(&mut self, file: &ScenarioToml, key: Option<&PathKey>, ids: &[String]) -> Res<()> {
        let (Some(start), Some(key)) = (file.start.as_ref(), key) else {
            return Ok(());
        };
        let runs = match start.runs.as_ref() {
            Some(raw) => {
                Some(self.int(Some(raw), "start.runs", (1, MAX_HISTORY_RUNS as i64), 0)? as usize)
            }
            None => None,
        };
        let h = from_history(&key.path, ids, self.spec.start, runs).map_err(|message| {
            self.map.error(
                ErrorKind::Invalid,
                Some(key.span.clone()),
                Some("start.history"),
                message,
            )
        })?;
        self.history = Some(h);
        Ok(())
    }

    /// Precedence of the layer a span was written in: `--set` overrides (in the order given)
    /// above the scenario file, the file above its `extends` parents.
    fn layer_rank(&self, span: &std::ops::Range<usize>) -> usize {
        let sources = self.map.sources();
        let Some(src) = self.map.source_of(span) else {
            return 0;
        };
        let i = sources
            .iter()
            .position(|s| std::ptr::eq(s, src))
            .unwrap_or(0);
        match src.origin {
            Origin::Set(_) => sources.len() + i,
            _ => sources.len() - i,
        }
    }

    /// A plain number (no distribution) within `[lo, hi]`; a bad one is recorded as an error
    /// and read as the nearest allowed value.
    fn plain(&self, raw: &Raw, key: &str, why: &str, range: (f64, f64)) -> Res<f64> {
        self.plain_checked(raw, key, why, range).or_else(|e| {
            self.note(e);
            Ok(0.0_f64.clamp(range.0, range.1.max(range.0)))
        })
    }

    fn plain_checked(&self, raw: &Raw, key: &str, why: &str, (lo, hi): (f64, f64)) -> Res<f64> {
        let n = parse_number(self.map, raw, key, Some(why))?;
        let v = n.center();
        if v < lo || v > hi {
            return Err(self.err(
                ErrorKind::OutOfRange,
                raw.span(),
                key,
                format!(
                    "{key} = {} is out of range: allowed {}",
                    self.map.text_of(&raw.span()),
                    range_text(lo, hi)
                ),
            ));
        }
        Ok(v)
    }

    /// A whole number, or the default (also when it is bad: the error is recorded).
    fn int(&self, raw: Option<&Raw>, key: &str, range: (i64, i64), default: i64) -> Res<i64> {
        Ok(raw.map_or(default, |r| {
            parse_int(self.map, r, key, range).unwrap_or_else(|e| {
                self.note(e);
                default
            })
        }))
    }

    /// One number per power: `1.0` for all, or `{ EU = 1.0, US = 1.2 }`. Returns the inline
    /// table written back.
    fn per_power(
        &mut self,
        raw: Option<&Raw>,
        key: &str,
        target: impl Fn(PowerId) -> Target,
    ) -> Res<String> {
        let n = self.spec.powers.len();
        let mut given: Vec<Option<&Raw>> = vec![None; n];
        let mut key_of: Vec<String> = vec![key.to_string(); n];
        match raw {
            Some(r) if is_map(r) => {
                for (k, v) in r.get_ref().as_table().unwrap_or(&[]) {
                    let p = self.power(k, key, key)?;
                    given[p] = Some(v);
                    key_of[p] = format!("{key}.{}", k.get_ref());
                }
            }
            Some(r) => given = vec![Some(r); n],
            None => {}
        }
        let mut out = Vec::new();
        for p in 0..n {
            let text = self.param(given[p], target(p), &key_of[p])?;
            out.push((self.spec.powers[p].id.clone(), text));
        }
        Ok(inline(&out))
    }

    /// One number per domain from a table of domain names (unknown names refused).
    fn per_domain_table(
        &mut self,
        entries: &[(Spanned<String>, Raw)],
        key: &str,
        target: impl Fn(Domain) -> Target,
    ) -> Res<String> {
        let mut given: [Option<&Raw>; N_DOMAINS] = [None; N_DOMAINS];
        for (k, v) in entries {
            given[self.domain(k, key)?.index()] = Some(v);
        }
        let mut out = Vec::new();
        for d in Domain::ALL {
            let text = self.param(given[d.index()], target(d), &format!("{key}.{}", d.name()))?;
            out.push((d.name(), text));
        }
        Ok(inline(&out))
    }

    fn years(&mut self, file: &ScenarioToml) -> Res<()> {
        let y = file.years.as_ref();
        let (start_raw, end_raw) = (
            y.and_then(|y| y.start.as_ref()),
            y.and_then(|y| y.end.as_ref()),
        );
        let range = (1, 9999);
        let start = self.int(start_raw, "years.start", range, self.spec.start.into())?;
        let end = self.int(end_raw, "years.end", range, self.spec.end.into())?;
        let at = end_raw.or(start_raw).map(Spanned::span);
        if end < start {
            return Err(self.map.error(
                ErrorKind::Invalid,
                at,
                Some("years.end"),
                format!(
                    "years.end = {end}{} is before years.start = {start}: years must run \
                     forward (allowed end >= start)",
                    if end_raw.is_none() {
                        " (the default)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        if end - start > 500 {
            return Err(self.map.error(
                ErrorKind::OutOfRange,
                at,
                Some("years.end"),
                format!(
                    "years.start = {start} to years.end = {end} is {} years: allowed at most 501",
                    end - start + 1
                ),
            ));
        }
        // Both lie in 1..=9999, so the conversions are exact.
        self.spec.start = start as i32;
        self.spec.end = end as i32;
        self.doc.put(&["years"], "start", start.to_string());
        self.doc.put(&["years"], "end", end.to_string());
        Ok(())
    }

    fn ensemble(&mut self, file: &ScenarioToml) -> Res<(usize, u64)> {
        let e = file.ensemble.as_ref();
        let runs_raw = e.and_then(|e| e.runs.as_ref());
        if let Some(r) = runs_raw
            && let RawValue::Integer(i) = r.get_ref()
            && *i < 1
        {
            return Err(self.err(
                ErrorKind::OutOfRange,
                r.span(),
                "ensemble.runs",
                format!(
                    "ensemble.runs = {i}: ensemble.runs must be at least 1 (allowed 1 to \
                     {MAX_RUNS})"
                ),
            ));
        }
        let runs = self.int(
            runs_raw,
            "ensemble.runs",
            (1, MAX_RUNS as i64),
            DEFAULT_RUNS as i64,
        )?;
        let seed_raw = e.and_then(|e| e.seed.as_ref());
        let seed = self.int(
            seed_raw,
            "ensemble.seed",
            (0, i64::MAX),
            DEFAULT_SEED as i64,
        )?;
        self.doc.put(&["ensemble"], "runs", runs.to_string());
        self.doc.put(&["ensemble"], "seed", seed.to_string());
        self.doc
            .put(&["ensemble"], "widen_by_confidence", self.widen.to_string());
        // Both were checked to be positive and in range.
        Ok((runs as usize, seed as u64))
    }

    fn state(&mut self, file: &ScenarioToml) -> Res<()> {
        let st = file.government.as_ref();
        let s = ["government"];
        if let Some(name) = st.and_then(|s| s.name.as_ref()) {
            self.spec.government.state = name.get_ref().clone();
        }
        self.doc
            .put(&s, "name", string(&self.spec.government.state));
        let ac = self.per_power(
            st.and_then(|s| s.autonomy_cost.as_ref()),
            "government.autonomy_cost",
            Target::AutonomyCost,
        )?;
        self.doc.put(&s, "autonomy_cost", ac);
        let scalars: [(&str, Option<&Raw>, Target); 21] = [
            (
                "inertia",
                st.and_then(|s| s.inertia.as_ref()),
                Target::Inertia,
            ),
            (
                "max_move",
                st.and_then(|s| s.max_move.as_ref()),
                Target::MaxMove,
            ),
            ("noise", st.and_then(|s| s.noise.as_ref()), Target::Noise),
            (
                "opinion_weight",
                st.and_then(|s| s.opinion_weight.as_ref()),
                Target::OpinionWeight,
            ),
            (
                "election_multiplier",
                st.and_then(|s| s.election_multiplier.as_ref()),
                Target::ElectionMultiplier,
            ),
            (
                "option_value",
                st.and_then(|s| s.option_value.as_ref()),
                Target::OptionValue,
            ),
            (
                "option_offset",
                st.and_then(|s| s.option_offset.as_ref()),
                Target::OptionOffset,
            ),
            (
                "sovereignty_value",
                st.and_then(|s| s.sovereignty_value.as_ref()),
                Target::SovereigntyValue,
            ),
            (
                "accession_value",
                st.and_then(|s| s.accession_value.as_ref()),
                Target::AccessionValue,
            ),
            (
                "promotion",
                st.and_then(|s| s.promotion.as_ref()),
                Target::Promotion,
            ),
            (
                "threat_smoothing",
                st.and_then(|s| s.threat_smoothing.as_ref()),
                Target::ThreatSmoothing,
            ),
            (
                "veto_pooling",
                st.and_then(|s| s.veto_pooling.as_ref()),
                Target::VetoPooling,
            ),
            (
                "reliability_learning",
                st.and_then(|s| s.reliability_learning.as_ref()),
                Target::ReliabilityLearning,
            ),
            (
                "substitution",
                st.and_then(|s| s.substitution.as_ref()),
                Target::Substitution,
            ),
            (
                "opacity_premium",
                st.and_then(|s| s.opacity_premium.as_ref()),
                Target::OpacityPremium,
            ),
            (
                "surveillance_value",
                st.and_then(|s| s.surveillance_value.as_ref()),
                Target::SurveillanceValue,
            ),
            (
                "election_anticipation",
                st.and_then(|s| s.election_anticipation.as_ref()),
                Target::ElectionAnticipation,
            ),
            (
                "promotion_cycle",
                st.and_then(|s| s.promotion_cycle.as_ref()),
                Target::PromotionCycle,
            ),
            (
                "accession_obligations",
                st.and_then(|s| s.accession_obligations.as_ref()),
                Target::AccessionObligations,
            ),
            (
                "dependence_lever",
                st.and_then(|s| s.dependence_lever.as_ref()),
                Target::DependenceLever,
            ),
            (
                "exit_cost",
                st.and_then(|s| s.exit_cost.as_ref()),
                Target::ExitCost,
            ),
        ];
        for (key, raw, target) in scalars {
            let text = self.param(raw, target, &format!("government.{key}"))?;
            self.doc.put(&s, key, text);
        }
        let g = &self.spec.government;
        let period = self.int(
            st.and_then(|s| s.election_period.as_ref()),
            "government.election_period",
            (0, 100),
            g.election_period.into(),
        )?;
        let first = self.int(
            st.and_then(|s| s.first_election.as_ref()),
            "government.first_election",
            (1, 9999),
            g.first_election.into(),
        )?;
        let iterations = self.int(
            st.and_then(|s| s.ascent_iterations.as_ref()),
            "government.ascent_iterations",
            (1, 10_000),
            g.ascent_iterations.into(),
        )?;
        let g = &mut self.spec.government;
        // All three were checked against ranges that fit their types.
        g.election_period = period as u32;
        g.first_election = first as i32;
        g.ascent_iterations = iterations as u32;
        if let Some(ties) = st.and_then(|s| s.structural_ties.as_ref()) {
            g.structural_ties = *ties.get_ref();
        }
        let ties = g.structural_ties;
        self.doc.put(&s, "election_period", period.to_string());
        self.doc.put(&s, "first_election", first.to_string());
        self.doc
            .put(&s, "ascent_iterations", iterations.to_string());
        self.doc.put(&s, "structural_ties", ties.to_string());

        let weights = st.and_then(|s| s.domain_weights.as_ref());
        if let Some(w) = weights {
            self.origins
                .insert("government.domain_weights".into(), w.span());
        }
        let w: Option<&DomainsToml> = weights.map(Spanned::get_ref);
        for d in Domain::ALL {
            let raw = w.and_then(|w| match d {
                Domain::Economy => w.economy.as_ref(),
                Domain::Security => w.security.as_ref(),
                Domain::Technology => w.technology.as_ref(),
                Domain::Diplomacy => w.diplomacy.as_ref(),
            });
            let key = format!("government.domain_weights.{}", d.name());
            let text = self.param(raw, Target::DomainWeight(d), &key)?;
            self.doc
                .put(&["government", "domain_weights"], d.name(), text);
        }

        let closeness = st.and_then(|s| s.initial_closeness.as_ref());
        let n = self.spec.powers.len();
        let mut given: Vec<Option<(&Spanned<String>, &Raw)>> = vec![None; n];
        if let Some(c) = closeness {
            for (k, v) in c.get_ref() {
                let p = self.power(
                    k,
                    "government.initial_closeness",
                    "[government.initial_closeness]",
                )?;
                given[p] = Some((k, v));
            }
        }
        for (p, entry) in given.into_iter().enumerate() {
            let id = self.spec.powers[p].id.clone();
            let key = format!("government.initial_closeness.{id}");
            let target = |d: Domain| Target::InitialCloseness(p, d);
            let text = match entry {
                Some((_, v)) if is_map(v) => {
                    self.per_domain_table(v.get_ref().as_table().unwrap_or(&[]), &key, target)?
                }
                Some((_, v)) => {
                    let mut out = Vec::new();
                    for d in Domain::ALL {
                        out.push((d.name(), self.param(Some(v), target(d), &key)?));
                    }
                    inline(&out)
                }
                None => self.per_domain_table(&[], &key, target)?,
            };
            self.doc
                .put(&["government", "initial_closeness"], &id, text);
        }
        Ok(())
    }

    fn powers(&mut self, file: &ScenarioToml) -> Res<()> {
        let n = self.spec.powers.len();
        let mut given = vec![None; n];
        for (k, v) in file.powers.iter().flatten() {
            given[self.power(k, &format!("powers.{}", k.get_ref()), "[powers]")?] = Some(v);
        }
        for (p, entry) in given.into_iter().enumerate() {
            let id = self.spec.powers[p].id.clone();
            let sec = ["powers", id.as_str()];
            let key = |f: &str| join_path(&["powers", id.as_str(), f]);
            if let Some(name) = entry.and_then(|e| e.name.as_ref()) {
                self.spec.powers[p].name = name.get_ref().clone();
            }
            if let Some(color) = entry.and_then(|e| e.color.as_ref()) {
                self.spec.powers[p].color = parse_color(color.get_ref()).ok_or_else(|| {
                    self.err(
                        ErrorKind::OutOfRange,
                        color.span(),
                        &key("color"),
                        format!(
                            "{} = \"{}\" is not a colour: allowed \"#rrggbb\" (six hex digits)",
                            key("color"),
                            color.get_ref()
                        ),
                    )
                })?;
            }
            let [r, g, b] = self.spec.powers[p].color;
            self.doc
                .put(&sec, "name", string(&self.spec.powers[p].name));
            self.doc
                .put(&sec, "color", string(&format!("#{r:02x}{g:02x}{b:02x}")));
            let text = self.param(
                entry.and_then(|e| e.budget.as_ref()),
                Target::Budget(p),
                &key("budget"),
            )?;
            self.doc.put(&sec, "budget", text);
            let mix = entry.and_then(|e| e.mix.as_ref());
            if let Some(m) = mix {
                self.origins.insert(format!("powers.{id}.mix"), m.span());
            }
            let m = mix.map(Spanned::get_ref);
            let mut out = Vec::new();
            for kind in Kind::ALL.into_iter().filter(|k| k.is_budgeted()) {
                let raw = m.and_then(|m| match kind {
                    Kind::Grants => m.grants.as_ref(),
                    Kind::Loans => m.loans.as_ref(),
                    Kind::HealthAid => m.health_aid.as_ref(),
                    Kind::Arms => m.arms.as_ref(),
                    _ => m.tech.as_ref(),
                });
                let k = format!("{}.{}", key("mix"), kind.name());
                out.push((kind.name(), self.param(raw, Target::Mix(p, kind), &k)?));
            }
            self.doc.put(&sec, "mix", inline(&out));
            let fields: [(&str, Option<&Raw>, Target); 12] = [
                (
                    "trade",
                    entry.and_then(|e| e.trade.as_ref()),
                    Target::Mix(p, Kind::Trade),
                ),
                (
                    "sovereignty_support",
                    entry.and_then(|e| e.sovereignty_support.as_ref()),
                    Target::Mix(p, Kind::SovereigntySupport),
                ),
                (
                    "accession",
                    entry.and_then(|e| e.accession.as_ref()),
                    Target::Mix(p, Kind::Accession),
                ),
                (
                    "target",
                    entry.and_then(|e| e.target.as_ref()),
                    Target::PowerTarget(p),
                ),
                (
                    "responsiveness",
                    entry.and_then(|e| e.responsiveness.as_ref()),
                    Target::Responsiveness(p),
                ),
                (
                    "rivalry_response",
                    entry.and_then(|e| e.rivalry_response.as_ref()),
                    Target::RivalryResponse(p),
                ),
                (
                    "buster",
                    entry.and_then(|e| e.buster.as_ref()),
                    Target::Buster(p),
                ),
                (
                    "media_sensitivity",
                    entry.and_then(|e| e.media_sensitivity.as_ref()),
                    Target::MediaSensitivity(p),
                ),
                (
                    "conditionality",
                    entry.and_then(|e| e.conditionality.as_ref()),
                    Target::Conditionality(p),
                ),
                (
                    "bust_cost",
                    entry.and_then(|e| e.bust_cost.as_ref()),
                    Target::BustCost(p),
                ),
                (
                    "buster_cap",
                    entry.and_then(|e| e.buster_cap.as_ref()),
                    Target::BusterCap(p),
                ),
                (
                    "opacity",
                    entry.and_then(|e| e.opacity.as_ref()),
                    Target::Opacity(p),
                ),
            ];
            for (f, raw, target) in fields {
                let text = self.param(raw, target, &key(f))?;
                self.doc.put(&sec, f, text);
            }
        }
        Ok(())
    }

    fn instruments(&mut self, file: &ScenarioToml) -> Res<()> {
        let mut given = [None; Kind::ALL.len()];
        for (k, v) in file.instruments.iter().flatten() {
            let kind = Kind::parse(k.get_ref()).ok_or_else(|| {
                let key = format!("instruments.{}", k.get_ref());
                self.err(
                    ErrorKind::UnknownName,
                    k.span(),
                    &key,
                    format!(
                        "unknown instrument kind `{}` in [instruments]: {}allowed {}",
                        k.get_ref(),
                        suggest(k.get_ref(), Kind::ALL.iter().map(|k| k.name())),
                        Kind::ALL.map(|k| k.name()).join(", ")
                    ),
                )
            })?;
            given[kind.index()] = Some(v);
        }
        for kind in Kind::ALL {
            let e = given[kind.index()];
            let sec = ["instruments", kind.name()];
            let fields: [(&str, Option<&Raw>, Target); 8] = [
                (
                    "economy",
                    e.and_then(|e| e.economy.as_ref()),
                    Target::KindDomain(kind, Domain::Economy),
                ),
                (
                    "security",
                    e.and_then(|e| e.security.as_ref()),
                    Target::KindDomain(kind, Domain::Security),
                ),
                (
                    "technology",
                    e.and_then(|e| e.technology.as_ref()),
                    Target::KindDomain(kind, Domain::Technology),
                ),
                (
                    "diplomacy",
                    e.and_then(|e| e.diplomacy.as_ref()),
                    Target::KindDomain(kind, Domain::Diplomacy),
                ),
                (
                    "visibility",
                    e.and_then(|e| e.visibility.as_ref()),
                    Target::Visibility(kind),
                ),
                (
                    "scale",
                    e.and_then(|e| e.scale.as_ref()),
                    Target::Scale(kind),
                ),
                (
                    "adjust",
                    e.and_then(|e| e.adjust.as_ref()),
                    Target::Adjust(kind),
                ),
                (
                    "weight",
                    e.and_then(|e| e.weight.as_ref()),
                    Target::Weight(kind),
                ),
            ];
            for (f, raw, target) in fields {
                let text = self.param(raw, target, &format!("instruments.{}.{f}", kind.name()))?;
                self.doc.put(&sec, f, text);
            }
        }
        Ok(())
    }

    fn rivalry(&mut self, file: &ScenarioToml) -> Res<()> {
        let n = self.spec.powers.len();
        let mut given: BTreeMap<(PowerId, PowerId), (&Spanned<String>, &Raw)> = BTreeMap::new();
        for (k, v) in file.rivalry.iter().flatten() {
            let key = format!("rivalry.{}", k.get_ref());
            let Some((a, b)) = k.get_ref().split_once('-') else {
                return Err(self.err(
                    ErrorKind::UnknownName,
                    k.span(),
                    &key,
                    format!(
                        "rivalry key \"{}\" is not a pair: allowed \"<A>-<B>\" with A and B \
                         among {}, e.g. \"US-CN\"",
                        k.get_ref(),
                        self.ids()
                    ),
                ));
            };
            let part = |s: &str| Spanned::new(k.span(), s.to_string());
            let what = format!("the rivalry pair {key}");
            let p = self.power(&part(a), &key, &what)?;
            let q = self.power(&part(b), &key, &what)?;
            if p == q {
                return Err(self.err(
                    ErrorKind::Invalid,
                    k.span(),
                    &key,
                    format!(
                        "rivalry \"{}\" names one power twice: allowed two different powers",
                        k.get_ref()
                    ),
                ));
            }
            if let Some((other, _)) = given.insert((p.min(q), p.max(q)), (k, v)) {
                return Err(self.err(
                    ErrorKind::Invalid,
                    k.span(),
                    &key,
                    format!(
                        "rivalry \"{}\" is given twice (also as \"{}\"): rivalry is symmetric, \
                         allowed one entry per pair",
                        k.get_ref(),
                        other.get_ref()
                    ),
                ));
            }
        }
        for p in 0..n {
            for q in p + 1..n {
                let pair = format!("{}-{}", self.spec.powers[p].id, self.spec.powers[q].id);
                let key = format!("rivalry.{pair}");
                let text = match given.get(&(p, q)) {
                    Some((_, v)) if is_map(v) => {
                        self.per_domain_table(v.get_ref().as_table().unwrap_or(&[]), &key, |d| {
                            Target::Rivalry(p, q, Some(d))
                        })?
                    }
                    Some((_, v)) => self.param(Some(v), Target::Rivalry(p, q, None), &key)?,
                    None => self.per_domain_table(&[], &key, |d| Target::Rivalry(p, q, Some(d)))?,
                };
                self.doc.put(&["rivalry"], &pair, text);
            }
        }
        Ok(())
    }

    fn accession(&mut self, file: &ScenarioToml) -> Res<()> {
        let a = file.accession.as_ref();
        if let Some(power) = a.and_then(|a| a.power.as_ref()) {
            self.spec.accession_power = if power.get_ref().is_empty() {
                None
            } else {
                Some(self.power(power, "accession.power", "accession.power (\"\" for none)")?)
            };
        }
        let id = self
            .spec
            .accession_power
            .map_or(String::new(), |p| self.spec.powers[p].id.clone());
        self.doc.put(&["accession"], "power", string(&id));
        let text = self.param(
            a.and_then(|a| a.credibility.as_ref()),
            Target::Credibility,
            "accession.credibility",
        )?;
        self.doc.put(&["accession"], "credibility", text);
        Ok(())
    }

    fn threats(&mut self, file: &ScenarioToml) -> Res<()> {
        let Some(threats) = &file.threats else {
            return Ok(());
        };
        for (id, t) in threats {
            let key = format!("threats.{}", id.get_ref());
            if id.get_ref().is_empty()
                || !id
                    .get_ref()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(self.err(
                    ErrorKind::Invalid,
                    id.span(),
                    &key,
                    format!(
                        "threat id \"{}\": allowed letters, digits, '_' and '-'",
                        id.get_ref()
                    ),
                ));
            }
            let sender = self.power(
                &t.sender,
                &format!("{key}.sender"),
                &format!("{key}.sender"),
            )?;
            let rival = self.power(&t.rival, &format!("{key}.rival"), &format!("{key}.rival"))?;
            if sender == rival {
                return Err(self.err(
                    ErrorKind::Invalid,
                    t.rival.span(),
                    &format!("{key}.rival"),
                    format!(
                        "{key}.rival = \"{}\" is also the sender: allowed a power other than the \
                         sender",
                        t.rival.get_ref()
                    ),
                ));
            }
            let domain = self.domain(&t.domain, &format!("{key}.domain"))?;
            let lands_in = match &t.lands_in {
                Some(l) => self.domain(l, &format!("{key}.lands_in"))?,
                None => domain,
            };
            let start = self.spec.start;
            let mut threat = default_threat(id.get_ref(), sender, rival, domain, start);
            threat.lands_in = lands_in;
            self.spec.threats.push(threat);
        }
        for (h, (id, t)) in threats.iter().enumerate() {
            let sec = ["threats", id.get_ref().as_str()];
            let key = |f: &str| format!("threats.{}.{f}", id.get_ref());
            self.doc.put(&sec, "sender", string(t.sender.get_ref()));
            self.doc.put(&sec, "rival", string(t.rival.get_ref()));
            self.doc.put(&sec, "domain", string(t.domain.get_ref()));
            let lands = self.spec.threats[h].lands_in.name();
            self.doc.put(&sec, "lands_in", string(lands));
            let fields: [(&str, Option<&Raw>, Target); 8] = [
                ("red_line", t.red_line.as_ref(), Target::RedLine(h)),
                ("severity", t.severity.as_ref(), Target::Severity(h)),
                ("grace", t.grace.as_ref(), Target::Grace(h)),
                ("resolve", t.resolve.as_ref(), Target::Resolve(h)),
                ("belief", t.belief.as_ref(), Target::Belief(h)),
                ("learning", t.learning.as_ref(), Target::Learning(h)),
                ("damage", t.damage.as_ref(), Target::Damage(h)),
                ("lift", t.lift.as_ref(), Target::Lift(h)),
            ];
            for (f, raw, target) in fields {
                let text = self.param(raw, target, &key(f))?;
                self.doc.put(&sec, f, text);
            }
            if let Some(issue) = &t.issue {
                if issue.get_ref().len() != 3 {
                    return Err(self.err(
                        ErrorKind::Invalid,
                        issue.span(),
                        &key("issue"),
                        format!(
                            "{} has {} numbers: allowed exactly 3, [z0, z1, z2]",
                            key("issue"),
                            issue.get_ref().len()
                        ),
                    ));
                }
                let mut out = Vec::new();
                for (i, raw) in issue.get_ref().iter().enumerate() {
                    out.push(self.param(
                        Some(raw),
                        Target::Issue(h, i),
                        &format!("{}[{i}]", key("issue")),
                    )?);
                }
                self.doc.put(&sec, "issue", format!("[{}]", out.join(", ")));
            }
            let from = self.int(
                t.active_from.as_ref(),
                &key("active_from"),
                (1, 9999),
                self.spec.start.into(),
            )?;
            // Checked to lie in 1..=9999.
            self.spec.threats[h].active_from = from as i32;
            self.doc.put(&sec, "active_from", from.to_string());
        }
        Ok(())
    }

    fn population(&mut self, file: &ScenarioToml) -> Res<()> {
        let pop = file.population.as_ref();
        let s = ["population"];
        let citizens = self.int(
            pop.and_then(|p| p.citizens.as_ref()),
            "population.citizens",
            (1, 1_000_000),
            self.spec.population.citizens as i64,
        )?;
        // Checked to lie in 1..=1_000_000.
        self.spec.population.citizens = citizens as usize;
        self.doc.put(&s, "citizens", citizens.to_string());
        let maps: [PerPowerField<'_>; 3] = [
            (
                "anchor_mean",
                pop.and_then(|p| p.anchor_mean.as_ref()),
                Target::AnchorMean,
            ),
            (
                "media_pro_government",
                pop.and_then(|p| p.media_pro_government.as_ref()),
                Target::MediaProGovernment,
            ),
            (
                "media_independent",
                pop.and_then(|p| p.media_independent.as_ref()),
                Target::MediaIndependent,
            ),
        ];
        for (f, raw, target) in maps {
            let text = self.per_power(raw, &format!("population.{f}"), target)?;
            self.doc.put(&s, f, text);
        }
        let scalars: [(&str, Option<&Raw>, Target); 16] = [
            (
                "anchor_sd",
                pop.and_then(|p| p.anchor_sd.as_ref()),
                Target::AnchorSd,
            ),
            (
                "susceptibility",
                pop.and_then(|p| p.susceptibility.as_ref()),
                Target::Susceptibility,
            ),
            (
                "susceptibility_concentration",
                pop.and_then(|p| p.susceptibility_concentration.as_ref()),
                Target::SusceptibilityConcentration,
            ),
            (
                "confidence",
                pop.and_then(|p| p.confidence.as_ref()),
                Target::Confidence,
            ),
            (
                "confidence_spread",
                pop.and_then(|p| p.confidence_spread.as_ref()),
                Target::ConfidenceSpread,
            ),
            (
                "anchor_drift",
                pop.and_then(|p| p.anchor_drift.as_ref()),
                Target::AnchorDrift,
            ),
            (
                "pro_government_share",
                pop.and_then(|p| p.pro_government_share.as_ref()),
                Target::ProGovernmentShare,
            ),
            (
                "media_pull",
                pop.and_then(|p| p.media_pull.as_ref()),
                Target::MediaPull,
            ),
            (
                "experience_pull",
                pop.and_then(|p| p.experience_pull.as_ref()),
                Target::ExperiencePull,
            ),
            (
                "framing",
                pop.and_then(|p| p.framing.as_ref()),
                Target::Framing,
            ),
            (
                "aid_decay",
                pop.and_then(|p| p.aid_decay.as_ref()),
                Target::AidDecay,
            ),
            (
                "help_memory",
                pop.and_then(|p| p.help_memory.as_ref()),
                Target::HelpMemory,
            ),
            (
                "sanction_backlash",
                pop.and_then(|p| p.sanction_backlash.as_ref()),
                Target::SanctionBacklash,
            ),
            (
                "experience_rate",
                pop.and_then(|p| p.experience_rate.as_ref()),
                Target::ExperienceRate,
            ),
            (
                "credibility_pull",
                pop.and_then(|p| p.credibility_pull.as_ref()),
                Target::CredibilityPull,
            ),
            (
                "media_line",
                pop.and_then(|p| p.media_line.as_ref()),
                Target::MediaLine,
            ),
        ];
        for (f, raw, target) in scalars {
            let text = self.param(raw, target, &format!("population.{f}"))?;
            self.doc.put(&s, f, text);
        }
        Ok(())
    }

    fn polls(&mut self, file: &ScenarioToml) -> Res<()> {
        let polls = file.polls.as_ref();
        let s = ["polls"];
        let respondents = self.int(
            polls.and_then(|p| p.respondents.as_ref()),
            "polls.respondents",
            (1, 1_000_000),
            self.spec.polls.respondents as i64,
        )?;
        // Checked to lie in 1..=1_000_000.
        self.spec.polls.respondents = respondents as usize;
        self.doc.put(&s, "respondents", respondents.to_string());
        let scalars: [(&str, Option<&Raw>, Target); 7] = [
            (
                "sharpness",
                polls.and_then(|p| p.sharpness.as_ref()),
                Target::PollSharpness,
            ),
            (
                "outside",
                polls.and_then(|p| p.outside.as_ref()),
                Target::PollOutside,
            ),
            (
                "aid_sharpness",
                polls.and_then(|p| p.aid_sharpness.as_ref()),
                Target::AidSharpness,
            ),
            (
                "aid_outside",
                polls.and_then(|p| p.aid_outside.as_ref()),
                Target::AidOutside,
            ),
            (
                "aid_identity",
                polls.and_then(|p| p.aid_identity.as_ref()),
                Target::AidIdentity,
            ),
            (
                "noise",
                polls.and_then(|p| p.noise.as_ref()),
                Target::PollNoise,
            ),
            (
                "membership_threshold",
                polls.and_then(|p| p.membership_threshold.as_ref()),
                Target::MembershipThreshold,
            ),
        ];
        for (f, raw, target) in scalars {
            let text = self.param(raw, target, &format!("polls.{f}"))?;
            self.doc.put(&s, f, text);
        }
        Ok(())
    }

    fn alignment(&mut self, file: &ScenarioToml) -> Res<()> {
        let al = file.alignment.as_ref();
        let s = ["alignment"];
        if let Some(with) = al.and_then(|a| a.with.as_ref()) {
            self.spec.alignment.with = self.power(with, "alignment.with", "alignment.with")?;
        }
        let with = self.spec.powers[self.spec.alignment.with].id.clone();
        self.doc.put(&s, "with", string(&with));
        let scalars: [(&str, Option<&Raw>, Target); 6] = [
            ("kappa0", al.and_then(|a| a.kappa0.as_ref()), Target::Kappa0),
            (
                "cheap_share",
                al.and_then(|a| a.cheap_share.as_ref()),
                Target::CheapShare,
            ),
            (
                "cheap_base",
                al.and_then(|a| a.cheap_base.as_ref()),
                Target::CheapBase,
            ),
            (
                "signal_effort",
                al.and_then(|a| a.signal_effort.as_ref()),
                Target::SignalEffort,
            ),
            ("kappa1", al.and_then(|a| a.kappa1.as_ref()), Target::Kappa1),
            (
                "other_closeness",
                al.and_then(|a| a.other_closeness.as_ref()),
                Target::OtherCloseness,
            ),
        ];
        for (f, raw, target) in scalars {
            let text = self.param(raw, target, &format!("alignment.{f}"))?;
            self.doc.put(&s, f, text);
        }
        let mut texts: Vec<Vec<String>> = Vec::new();
        if let Some(agenda) = al.and_then(|a| a.agenda.as_ref()) {
            // First the shape (years, and each year's targets in declared power order, then
            // `other`), so that every share has its path; then the numbers.
            type Share<'r> = (AgendaTarget, &'r Raw, String);
            let mut years: Vec<(i32, String, std::ops::Range<usize>, Vec<Share<'_>>)> = Vec::new();
            for (year_key, shares) in agenda.get_ref() {
                let key = format!("alignment.agenda.{}", year_key.get_ref());
                let year: i32 = year_key.get_ref().parse().map_err(|_| {
                    self.err(
                        ErrorKind::WrongType,
                        year_key.span(),
                        &key,
                        format!(
                            "alignment.agenda key \"{}\" is not a year: allowed whole years such \
                             as 2024",
                            year_key.get_ref()
                        ),
                    )
                })?;
                self.origins.insert(key.clone(), shares.span());
                let mut list = Vec::new();
                for (target_key, raw) in shares.get_ref() {
                    let share_key = format!("{key}.{}", target_key.get_ref());
                    let target = if target_key.get_ref() == "other" {
                        AgendaTarget::Other
                    } else {
                        AgendaTarget::Power(self.power(
                            target_key,
                            &share_key,
                            &format!("{key} (targets are power ids or `other`)"),
                        )?)
                    };
                    list.push((target, raw, share_key));
                }
                list.sort_by_key(|(t, _, _)| match t {
                    AgendaTarget::Power(p) => *p,
                    AgendaTarget::Other => usize::MAX,
                });
                years.push((year, key, shares.span(), list));
            }
            years.sort_by_key(|y| y.0);
            self.spec.alignment.agenda = years
                .iter()
                .map(|(year, _, _, list)| AgendaYear {
                    year: *year,
                    shares: list.iter().map(|(t, _, _)| (t.clone(), 0.0)).collect(),
                })
                .collect();
            for (y, (_, key, span, list)) in years.iter().enumerate() {
                let mut layers = Vec::new();
                let mut fixed_numbers = Vec::new();
                let mut year_texts = Vec::new();
                for (i, (_, raw, share_key)) in list.iter().enumerate() {
                    let n = parse_number(self.map, raw, share_key, None)?;
                    fixed_numbers.push(matches!(n.value, NumValue::Fixed(_)));
                    // `param` checks the range, records the source and any distribution
                    // (drawn per run through the path, which rescales the other shares).
                    year_texts.push(self.param(Some(raw), Target::AgendaShare(y, i), share_key)?);
                    layers.push(self.layer_rank(&raw.span()));
                }
                // Shares written in several layers (a child or `--set` changing one share
                // of a parent's year): the shares of the latest layer stand, the others are
                // rescaled in proportion so the year still sums to 1.
                let top = layers.iter().copied().max().unwrap_or(0);
                let shares = &mut self.spec.alignment.agenda[y].shares;
                if layers.iter().any(|&l| l != top) {
                    let sum_where = |shares: &[(AgendaTarget, f64)], at_top: bool| -> f64 {
                        shares
                            .iter()
                            .zip(&layers)
                            .filter(|(_, l)| (**l == top) == at_top)
                            .map(|((_, v), _)| v)
                            .sum()
                    };
                    let (kept, rest) = (sum_where(shares, true), sum_where(shares, false));
                    if kept <= 1.0 + 1e-9 && rest > 0.0 {
                        for (i, ((_, v), l)) in shares.iter_mut().zip(&layers).enumerate() {
                            if *l != top {
                                if !fixed_numbers[i] {
                                    return Err(self.err(
                                        ErrorKind::Invalid,
                                        list[i].1.span(),
                                        &list[i].2,
                                        format!(
                                            "{}: a share with a distribution would be rescaled \
                                             by a later change to {key}: write the whole year \
                                             in the file that changes it",
                                            list[i].2
                                        ),
                                    ));
                                }
                                *v *= (1.0 - kept).max(0.0) / rest;
                                year_texts[i] = fmt_f64(*v);
                            }
                        }
                    }
                }
                let total: f64 = self.spec.alignment.agenda[y]
                    .shares
                    .iter()
                    .map(|(_, v)| v)
                    .sum();
                if (total - 1.0).abs() > 1e-6 {
                    return Err(self.err(
                        ErrorKind::Invalid,
                        span.clone(),
                        key,
                        format!(
                            "{key} = {{ {} }}: shares sum to {}: they must sum to 1 (a year \
                             that no earlier file declares must be written whole)",
                            list.iter()
                                .zip(&self.spec.alignment.agenda[y].shares)
                                .map(|((_, _, k), (_, v))| format!(
                                    "{} = {}",
                                    k.rsplit('.').next().unwrap_or(k),
                                    fmt_f64(*v)
                                ))
                                .collect::<Vec<_>>()
                                .join(", "),
                            (total * 1e9).round() / 1e9
                        ),
                    ));
                }
                texts.push(year_texts);
            }
        }
        for (y, year) in self.spec.alignment.agenda.iter().enumerate() {
            let entries: Vec<(String, String)> = year
                .shares
                .iter()
                .enumerate()
                .map(|(i, (t, v))| {
                    let name = match t {
                        AgendaTarget::Power(p) => self.spec.powers[*p].id.clone(),
                        AgendaTarget::Other => "other".to_string(),
                    };
                    let text = texts
                        .get(y)
                        .and_then(|t| t.get(i))
                        .cloned()
                        .unwrap_or_else(|| fmt_f64(*v));
                    (name, text)
                })
                .collect();
            self.doc.put(
                &["alignment", "agenda"],
                &year.year.to_string(),
                inline(&entries),
            );
        }
        Ok(())
    }

    /// A parameter path inside an effect. `state.` is the old name of `government.` (read
    /// with a warning); a misspelt path gets the closest existing one as a suggestion, and a
    /// value that only sets the starting state is refused at its place.
    fn effect_target(&self, path: &Spanned<String>, key: &str) -> Res<Target> {
        let p = path.get_ref();
        let canonical = match p.strip_prefix("state.") {
            Some(rest) => {
                self.warnings.borrow_mut().push(format!(
                    "warning: {}: `{p}`: `state.` is the old name of `government.`; it still \
                     works, but write `government.{rest}`",
                    self.map.place_text(&path.span())
                ));
                format!("government.{rest}")
            }
            None => p.clone(),
        };
        let target = Target::parse(&canonical, &self.spec).map_err(|message| {
            let hint = suggest(&canonical, self.known_paths().iter().map(String::as_str));
            self.err(
                ErrorKind::UnknownName,
                path.span(),
                key,
                format!("{key}: {hint}{message}"),
            )
        })?;
        if target.is_initial() {
            return Err(self.err(
                ErrorKind::Invalid,
                path.span(),
                key,
                format!(
                    "{key}: `{canonical}` is a starting value: it is read once, before the first \
                     year, so an event or rule cannot change it later; set it in the file \
                     instead (or move the event to the first year and set it there)"
                ),
            ));
        }
        Ok(target)
    }

    /// Every path an effect may change, for suggestions.
    fn known_paths(&self) -> Vec<String> {
        let spec = &self.spec;
        let mut paths: Vec<String> = Target::all(spec).iter().map(|t| t.path(spec)).collect();
        for (p, power) in spec.powers.iter().enumerate() {
            paths.extend([
                Target::Conditionality(p).path(spec),
                Target::BustCost(p).path(spec),
            ]);
            for k in Kind::ALL.into_iter().filter(|k| k.is_budgeted()) {
                paths.push(format!("powers.{}.level.{}", power.id, k.name()));
            }
        }
        paths
    }

    /// A threat named in an effect list (`start_threats`, `impose`, `lift`).
    fn threat_ref(&self, id: &Spanned<String>, key: &str) -> Res<usize> {
        self.spec
            .threats
            .iter()
            .position(|t| t.id == *id.get_ref())
            .ok_or_else(|| {
                let known: Vec<&str> = self.spec.threats.iter().map(|t| t.id.as_str()).collect();
                let off = self
                    .disabled
                    .iter()
                    .find(|(s, n, _)| s == "threats" && n == id.get_ref())
                    .map(|(_, _, at)| format!(" (`{}` is switched off at {at})", id.get_ref()))
                    .unwrap_or_default();
                self.err(
                    ErrorKind::UnknownName,
                    id.span(),
                    key,
                    format!(
                        "{key}: no such threat `{}`{off}: {}declared threats are {}",
                        id.get_ref(),
                        suggest(id.get_ref(), known.iter().copied()),
                        if known.is_empty() {
                            "none ([threats.<id>])".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                )
            })
    }

    /// The effects of an event, rule or random event, their TOML written back, and where
    /// each effect was written (aligned with the effects). Every bad entry is recorded as an
    /// error; the others are kept.
    fn effects(
        &self,
        e: &EffectsToml<'_>,
        key: &str,
    ) -> Res<(Vec<Effect>, EffectTexts, Vec<(Range<usize>, String)>)> {
        let mut effects = Vec::new();
        let mut spans = Vec::new();
        let mut out = Vec::new();
        if let Some(source) = e.source {
            out.push(("source", string(source.get_ref())));
        }
        let ops: [OpField<'_>; 3] = [
            ("set", e.set, Op::Set),
            ("add", e.add, Op::Add),
            ("scale", e.scale, Op::Scale),
        ];
        for (name, map, op) in ops {
            let Some(map) = map else { continue };
            let mut texts = Vec::new();
            for (path, raw) in map {
                let k = format!("{key}.{name}.{}", key_text(path.get_ref()));
                let target = match self.effect_target(path, &k) {
                    Ok(t) => t,
                    Err(err) => {
                        self.note(err);
                        continue;
                    }
                };
                let range = if name == "set" {
                    target.range()
                } else {
                    (f64::NEG_INFINITY, f64::INFINITY)
                };
                let v = self.plain(raw, &k, "an effect value", range)?;
                effects.push(Effect::Param { target, op: op(v) });
                spans.push((raw.span(), k));
                texts.push((path.get_ref().clone(), fmt_f64(v)));
            }
            out.push((name, inline(&texts)));
        }
        if let Some(ramps) = e.ramp {
            let mut texts = Vec::new();
            for (path, ramp) in ramps {
                let k = format!("{key}.ramp.{}", key_text(path.get_ref()));
                let target = match self.effect_target(path, &k) {
                    Ok(t) => t,
                    Err(err) => {
                        self.note(err);
                        continue;
                    }
                };
                let to = self.plain(
                    &ramp.get_ref().to,
                    &format!("{k}.to"),
                    "an effect value",
                    target.range(),
                )?;
                let years = parse_int(
                    self.map,
                    &ramp.get_ref().years,
                    &format!("{k}.years"),
                    (1, 500),
                )
                .unwrap_or_else(|err| {
                    self.note(err);
                    1
                });
                // Checked to lie in 1..=500.
                let years = years as u32;
                effects.push(Effect::Param {
                    target,
                    op: Op::Ramp { to, years },
                });
                spans.push((ramp.span(), k));
                texts.push((
                    path.get_ref().clone(),
                    format!("{{ to = {}, years = {years} }}", fmt_f64(to)),
                ));
            }
            out.push(("ramp", inline(&texts)));
        }
        let lists: [(
            &'static str,
            Option<&Vec<Spanned<String>>>,
            fn(usize) -> Effect,
        ); 3] = [
            ("start_threats", e.start_threats, Effect::StartThreat),
            ("impose", e.impose, Effect::Impose),
            ("lift", e.lift, Effect::Lift),
        ];
        for (name, ids, effect) in lists {
            let Some(ids) = ids else { continue };
            let mut texts = Vec::new();
            let k = format!("{key}.{name}");
            for id in ids {
                match self.threat_ref(id, &k) {
                    Ok(h) => {
                        effects.push(effect(h));
                        spans.push((id.span(), k.clone()));
                        texts.push(string(id.get_ref()));
                    }
                    Err(err) => self.note(err),
                }
            }
            out.push((name, format!("[{}]", texts.join(", "))));
        }
        if let Some(deliveries) = e.deliver {
            let mut texts = Vec::new();
            for (i, d) in deliveries.iter().enumerate() {
                let k = format!("{key}.deliver[{i}]");
                let span = d.span();
                let d = d.get_ref();
                let power = self.power(&d.power, &format!("{k}.power"), &format!("{k}.power"))?;
                let kind = Kind::parse(d.kind.get_ref()).ok_or_else(|| {
                    self.err(
                        ErrorKind::UnknownName,
                        d.kind.span(),
                        &format!("{k}.kind"),
                        format!(
                            "{k}.kind: unknown instrument kind `{}`: {}allowed {}",
                            d.kind.get_ref(),
                            suggest(d.kind.get_ref(), Kind::ALL.iter().map(|k| k.name())),
                            Kind::ALL.map(|k| k.name()).join(", ")
                        ),
                    )
                })?;
                let amount = self.plain(
                    &d.amount,
                    &format!("{k}.amount"),
                    "an effect value",
                    (0.0, f64::INFINITY),
                )?;
                effects.push(Effect::Deliver {
                    power,
                    kind,
                    amount,
                });
                spans.push((span, k));
                texts.push(format!(
                    "{{ power = {}, kind = {}, amount = {} }}",
                    string(d.power.get_ref()),
                    string(kind.name()),
                    fmt_f64(amount)
                ));
            }
            out.push(("deliver", format!("[{}]", texts.join(", "))));
        }
        if let Some(experiences) = e.experience {
            let mut texts = Vec::new();
            for (i, x) in experiences.iter().enumerate() {
                let k = format!("{key}.experience[{i}]");
                let span = x.span();
                let x = x.get_ref();
                let power = self.power(&x.power, &format!("{k}.power"), &format!("{k}.power"))?;
                let share = self.plain(
                    &x.share,
                    &format!("{k}.share"),
                    "an effect value",
                    (0.0, 1.0),
                )?;
                let sign = self.plain(
                    &x.sign,
                    &format!("{k}.sign"),
                    "an effect value",
                    (-1.0, 1.0),
                )?;
                effects.push(Effect::Experience { power, share, sign });
                spans.push((span, k));
                texts.push(format!(
                    "{{ power = {}, share = {}, sign = {} }}",
                    string(x.power.get_ref()),
                    fmt_f64(share),
                    fmt_f64(sign)
                ));
            }
            out.push(("experience", format!("[{}]", texts.join(", "))));
        }
        if let Some(snap) = e.snap_election {
            if *snap.get_ref() {
                effects.push(Effect::SnapElection);
                spans.push((snap.span(), format!("{key}.snap_election")));
            }
            out.push(("snap_election", snap.get_ref().to_string()));
        }
        Ok((effects, out, spans))
    }

    fn events(&mut self, file: &ScenarioToml) -> Res<()> {
        let (start, end) = (i64::from(self.spec.start), i64::from(self.spec.end));
        let years_at = file
            .years
            .as_ref()
            .and_then(|y| y.end.as_ref().or(y.start.as_ref()))
            .map(|r| format!(" ([years] at {})", self.map.place_text(&r.span())))
            .unwrap_or_default();
        let mut scripted = Vec::new();
        for (name, e) in file.events.iter().flatten() {
            let key = join_path(&["events", name.get_ref()]);
            let year = self.int(Some(&e.year), &format!("{key}.year"), (1, 9999), start)?;
            if year < start || year > end {
                self.note(self.err(
                    ErrorKind::OutOfRange,
                    e.year.span(),
                    &format!("{key}.year"),
                    format!(
                        "{key}.year = {year} is outside the scenario's years {start} to \
                         {end}{years_at}: allowed {start} to {end} (an event outside them never \
                         happens; switch an inherited one off with `enabled = false`)"
                    ),
                ));
            }
            let (effects, out, spans) = match self.effects(&e.effects(), &key) {
                Ok(v) => v,
                Err(err) => {
                    self.note(err);
                    continue;
                }
            };
            let sec = ["events", name.get_ref().as_str()];
            self.doc.put(&sec, "year", year.to_string());
            for (k, v) in out {
                self.doc.put(&sec, k, v);
            }
            self.effect_spans.insert((0, name.get_ref().clone()), spans);
            // Checked to lie in 1..=9999.
            scripted.push(ScriptedEvent {
                name: name.get_ref().clone(),
                year: year as i32,
                effects,
            });
        }
        scripted.sort_by(|a, b| (a.year, &a.name).cmp(&(b.year, &b.name)));
        self.spec.events = scripted;

        for (name, e) in file.random_events.iter().flatten() {
            let key = join_path(&["random_events", name.get_ref()]);
            let probability = self.plain(
                &e.probability,
                &format!("{key}.probability"),
                "a probability",
                (0.0, 1.0),
            )?;
            let from = self.int(e.from.as_ref(), &format!("{key}.from"), (1, 9999), start)?;
            let until = self.int(e.until.as_ref(), &format!("{key}.until"), (1, 9999), end)?;
            if until < from {
                let at = e.until.as_ref().or(e.from.as_ref()).map(Spanned::span);
                self.note(self.map.error(
                    ErrorKind::Invalid,
                    at,
                    Some(&format!("{key}.until")),
                    format!(
                        "{key}.until = {until} is before {key}.from = {from}: allowed until >= from"
                    ),
                ));
                continue;
            }
            let (effects, out, spans) = match self.effects(&e.effects(), &key) {
                Ok(v) => v,
                Err(err) => {
                    self.note(err);
                    continue;
                }
            };
            let sec = ["random_events", name.get_ref().as_str()];
            self.doc.put(&sec, "probability", fmt_f64(probability));
            self.doc.put(&sec, "from", from.to_string());
            self.doc.put(&sec, "until", until.to_string());
            for (k, v) in out {
                self.doc.put(&sec, k, v);
            }
            self.effect_spans.insert((1, name.get_ref().clone()), spans);
            // Both checked to lie in 1..=9999.
            self.spec.random_events.push(RandomEvent {
                name: name.get_ref().clone(),
                probability,
                from: from as i32,
                until: until as i32,
                effects,
            });
        }

        for (name, r) in file.rules.iter().flatten() {
            let key = join_path(&["rules", name.get_ref()]);
            let condition = match self.condition(&r.when, &format!("{key}.when")) {
                Ok(c) => c,
                Err(err) => {
                    self.note(err);
                    continue;
                }
            };
            let once = r.once.as_ref().is_none_or(|o| *o.get_ref());
            let (effects, out, spans) = match self.effects(&r.effects(), &key) {
                Ok(v) => v,
                Err(err) => {
                    self.note(err);
                    continue;
                }
            };
            let sec = ["rules", name.get_ref().as_str()];
            self.doc.put(&sec, "when", string(r.when.get_ref()));
            self.doc.put(&sec, "once", once.to_string());
            for (k, v) in out {
                self.doc.put(&sec, k, v);
            }
            self.effect_spans.insert((2, name.get_ref().clone()), spans);
            self.spec.rules.push(Rule {
                name: name.get_ref().clone(),
                condition,
                once,
                effects,
            });
        }
        Ok(())
    }

    /// Checks the effects against the invariants the file's own values obey (docs/model.md
    /// §7): scripted events, applied in order to the parameters, must keep every value in its
    /// range, each power's budget shares at most 1 and the domain weights summing to 1. They
    /// are refused at the effect that breaks one. Rules and random events fire only in some
    /// runs: each is tried alone on the parameters before and after every scripted event,
    /// and one that would break an invariant there gives a warning (the run clamps the value
    /// into its range, and the budget cap scales the power's instruments down).
    fn check_effect_sums(&mut self) -> Res<()> {
        let mut spec = self.spec.clone();
        let mut states = vec![(String::new(), spec.clone())];
        let mut errors = Vec::new();
        for ev in &self.spec.events {
            let spans = self.effect_spans.get(&(0, ev.name.clone()));
            let at = |i: usize| spans.and_then(|s| s.get(i)).cloned();
            if let Some((i, what)) = apply_checked(&mut spec, &ev.effects) {
                let (span, key) = at(i).unzip();
                let key = key.unwrap_or_else(|| format!("events.{}", ev.name));
                errors.push(self.map.error(
                    ErrorKind::Invalid,
                    span,
                    Some(&key),
                    format!(
                        "{key}: in {} {what}; the file itself could not say this, so the event \
                         cannot either",
                        ev.year
                    ),
                ));
            }
            states.push((
                format!(" after events.{} ({})", ev.name, ev.year),
                spec.clone(),
            ));
        }
        if let Some(e) = ScenarioError::many(errors) {
            return Err(e);
        }
        let others = self
            .spec
            .random_events
            .iter()
            .map(|e| (1, "random_events", &e.name, &e.effects))
            .chain(
                self.spec
                    .rules
                    .iter()
                    .map(|r| (2, "rules", &r.name, &r.effects)),
            );
        for (kind, section, name, effects) in others {
            for (when, state) in &states {
                let mut s = state.clone();
                if let Some((i, what)) = apply_checked(&mut s, effects) {
                    let at = self
                        .effect_spans
                        .get(&(kind, name.clone()))
                        .and_then(|s| s.get(i))
                        .map(|(span, key)| format!("{}: {key}", self.map.place_text(span)))
                        .unwrap_or_else(|| format!("{section}.{name}"));
                    self.warnings.borrow_mut().push(format!(
                        "warning: {at}: if it fires{when}, {what}; the run then keeps the value \
                         in its range and the budget cap scales the instruments down"
                    ));
                    break;
                }
            }
        }
        Ok(())
    }

    /// Compiles a rule condition; an error points at the offending token in the file.
    fn condition(&self, when: &Spanned<String>, key: &str) -> Res<Expr> {
        let spec = &self.spec;
        Expr::compile(when.get_ref(), &mut |name| vars::resolve(name, spec)).map_err(|e| {
            let span = when.span();
            // The position maps straight into the file when the string has no escapes.
            let source = when.get_ref().as_str();
            let written = self.map.raw_text(&span).unwrap_or("");
            let offset = ["\"\"\"", "'''", "\"", "'"]
                .iter()
                .find(|q| {
                    written
                        .strip_prefix(**q)
                        .is_some_and(|w| w.starts_with(source))
                })
                .map(|q| q.len());
            let at = match offset {
                Some(o) => {
                    let start = span.start + o + e.position;
                    let len = source
                        .get(e.position..)
                        .unwrap_or("")
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_'))
                        .map(char::len_utf8)
                        .sum::<usize>()
                        .max(1);
                    start..start + len
                }
                None => span,
            };
            self.map.error(
                ErrorKind::Expression,
                Some(at),
                Some(key),
                format!(
                    "{key} = \"{}\": {} (column {} of the condition)",
                    when.get_ref(),
                    e.message,
                    e.column
                ),
            )
        })
    }

    /// Maps an error of `Params::new` back to the place in the file that set the value. For a
    /// rule over several values (a sum of shares), the place is that of the value written by
    /// the latest layer (a `--set`, then the file itself, then its parents in order): the
    /// layer that made the sum wrong, not the parent whose table it merged into.
    fn param_error(&self, e: ParamError) -> ScenarioError {
        let mut path = e.path.as_str();
        let rank = |span: &Range<usize>| {
            let sources = self.map.sources();
            let i = sources
                .iter()
                .rposition(|s| span.start >= s.base && span.start <= s.base + s.text.len())
                .unwrap_or(0);
            match sources.get(i).map(|s| &s.origin) {
                Some(Origin::Set(_)) => 1_000_000 + i,
                _ => 1_000_000 - i,
            }
        };
        let span = loop {
            let prefix = format!("{path}.");
            let members = self
                .origins
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .map(|(_, s)| s);
            let best = self
                .origins
                .get(path)
                .into_iter()
                .chain(members)
                .max_by_key(|s| (rank(s), std::cmp::Reverse(s.start)));
            if let Some(span) = best {
                break Some(span.clone());
            }
            match path.rfind('.') {
                Some(i) => path = &path[..i],
                None => break None,
            }
        };
        let key = e.path.clone();
        self.map.error(
            ErrorKind::Invalid,
            span,
            Some(&key),
            format!("{key}: {}", e.message),
        )
    }
}

/// Whether a value is a table of named entries (not a number written as a table).
fn is_map(raw: &Raw) -> bool {
    matches!(raw.get_ref(), RawValue::Table(_))
        && !raw.get_ref().has_key("value")
        && !raw.get_ref().has_key("dist")
}

/// `"#rrggbb"` to RGB.
fn parse_color(s: &str) -> Option<[u8; 3]> {
    let hex = s.strip_prefix('#')?;
    if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

#[cfg(test)]
#[allow(clippy::items_after_test_module)]
mod tests {
    use super::*;

    #[test]
    fn skeleton_of_the_default_powers_is_the_defaults() {
        let ids: Vec<String> = DEFAULT_POWER_IDS.iter().map(|s| s.to_string()).collect();
        assert_eq!(skeleton(&ids), serbia());
    }

    #[test]
    fn skeleton_maps_known_powers_and_neutral_ones() {
        let ids: Vec<String> = ["CN", "TR", "EU"].iter().map(|s| s.to_string()).collect();
        let s = skeleton(&ids);
        let d = serbia();
        assert_eq!(s.powers[0], d.powers[3]);
        assert_eq!(s.powers[1], neutral_power("TR"));
        assert_eq!(s.accession_power, Some(2));
        assert_eq!(s.alignment.with, 2);
        assert!((s.rivalry_of(0, 2, 2) - d.rivalry_of(3, 0, 2)).abs() < 1e-12);
        assert!(s.rivalry_of(0, 1, 2).abs() < 1e-12);
        assert!((s.government.initial_closeness[1][0] - NEUTRAL_CLOSENESS).abs() < 1e-12);
        // RU is gone: its agenda share goes to "other".
        let total: f64 = s.alignment.agenda[0].shares.iter().map(|(_, v)| v).sum();
        assert!((total - 1.0).abs() < 1e-12);
        Params::new(s).unwrap();
    }

    #[test]
    fn colours_parse() {
        assert_eq!(parse_color("#1f5fbf"), Some([0x1f, 0x5f, 0xbf]));
        assert_eq!(parse_color("1f5fbf"), None);
        assert_eq!(parse_color("#1f5fb"), None);
    }
}

/// A number in a message, rounded to 9 decimals (`1.27`, not `1.2700000000000002`).
fn shown(v: f64) -> String {
    format!("{}", (v * 1e9).round() / 1e9)
}

/// The default value of a parameter path (`powers.US.budget`, `state.` read as
/// `government.`) for the given powers, as text; `None` when the path names no parameter.
pub(crate) fn default_text(path: &str, ids: &[String]) -> Option<String> {
    let spec = skeleton(ids);
    let canonical = match path.strip_prefix("state.") {
        Some(rest) => format!("government.{rest}"),
        None => path.to_string(),
    };
    let target = Target::parse(&canonical, &spec).ok()?;
    Some(shown(target.get(&spec)))
}

/// Applies a list of effects to parameters as a run would at its end (a ramp at its final
/// value), and says what the first one that breaks an invariant does: (its index, the words).
fn apply_checked(spec: &mut ParamSpec, effects: &[Effect]) -> Option<(usize, String)> {
    let mut last_param = None;
    for (i, e) in effects.iter().enumerate() {
        let Effect::Param { target, op } = e else {
            continue;
        };
        last_param = Some(i);
        let targets: Vec<Target> = match *target {
            Target::Rivalry(p, q, None) => Domain::ALL
                .iter()
                .map(|d| Target::Rivalry(p, q, Some(*d)))
                .collect(),
            t => vec![t],
        };
        for t in targets {
            let current = t.get(spec);
            let next = match op {
                Op::Ramp { to, .. } => *to,
                other => other.apply(current),
            };
            let (lo, hi) = t.range();
            if !(lo..=hi).contains(&next) {
                return Some((
                    i,
                    format!(
                        "it takes {} from {} to {}: allowed {}",
                        t.path(spec),
                        shown(current),
                        shown(next),
                        range_text(lo, hi)
                    ),
                ));
            }
            t.set(spec, next);
        }
    }
    let i = last_param?;
    let weights: f64 = spec.government.domain_weights.iter().sum();
    if (weights - 1.0).abs() > 1e-6 {
        return Some((
            i,
            format!(
                "the domain weights sum to {}: they must sum to 1 (change them together, in one \
                 effect table)",
                shown(weights)
            ),
        ));
    }
    for power in &spec.powers {
        let budgeted = Kind::ALL.into_iter().filter(|k| k.is_budgeted());
        let total: f64 = budgeted.clone().map(|k| power.mix[k.index()]).sum();
        if total > 1.0 + 1e-6 {
            let shares: Vec<String> = budgeted
                .map(|k| format!("{} {}", k.name(), shown(power.mix[k.index()])))
                .collect();
            return Some((
                i,
                format!(
                    "the budget shares of {} sum to {} ({}): allowed at most 1, or the budget cap \
                     would cut its other instruments; to change one instrument alone, change its \
                     level (`powers.{}.level.<kind>`, budget × share: `scale` by 2 doubles it and \
                     raises the budget to match)",
                    power.id,
                    shown(total),
                    shares.join(", "),
                    power.id
                ),
            ));
        }
    }
    None
}
