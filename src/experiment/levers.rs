//! Levers: what differs between two resolved scenarios A and B, and the scenarios in between.
//!
//! A lever is one parameter path (`powers.US.budget`), or one named event, random event, rule
//! or threat (`events.us_demands_2025`), whose resolved value differs between A and B (a
//! difference of `source` text alone is none). A coalition of levers gives a hybrid: A with
//! those levers taken from B. Shapley attribution values the gap B − A over the hybrids.
//!
//! A threat that exists on one side only is owned by its lever: its definition is written in
//! every hybrid (a threat nobody issues does nothing), and its lever decides whether it is
//! issued, where that side issues it. When the event that issues it on that side is not in
//! the hybrid, a companion event with the same trigger issues it alone. So "the threat" and
//! "the money the same event adds" are separate levers.

use crate::scenario::{Scenario, ScenarioError, load_str};
use std::sync::Arc;
use toml::{Table, Value};

/// Keys that name, describe or size the study rather than the world: never levers.
const NOT_LEVERS: &[&str] = &[
    "name",
    "description",
    "reference",
    "calibration",
    "sweep",
    "branches",
    "ensemble.runs",
    "ensemble.seed",
    "ensemble.on_failure",
];

/// Collections whose entries are levers as a whole.
const NAMED: &[&str] = &["events", "random_events", "rules", "threats"];

/// Effect keys of an event or rule; the rest is its trigger.
const EFFECTS: &[&str] = &[
    "set",
    "add",
    "scale",
    "ramp",
    "start_threats",
    "deliver",
    "experience",
    "snap_election",
];

/// One difference between A and B.
#[derive(Clone, Debug, PartialEq)]
pub struct Lever {
    /// `powers.US.budget` or `threats.us_5g`.
    pub path: String,
    /// What it is, in words: "threat us_5g (new in B)".
    pub label: String,
    /// A's value, absent when A lacks it.
    a: Option<Value>,
    /// B's value, absent when B lacks it.
    b: Option<Value>,
}

/// Why levers could not be listed or a hybrid not be built.
#[derive(Debug, thiserror::Error)]
pub enum LeverError {
    /// A and B differ in what cannot be a lever.
    #[error("{0}")]
    Incomparable(String),
    /// A resolved scenario did not parse (cannot happen with the loader's own output).
    #[error("resolved scenario of '{0}' does not parse: {1}")]
    Parse(String, String),
    /// A hybrid the loader refused.
    #[error("the levers [{levers}] cannot be switched on without the others: {error}")]
    Hybrid {
        /// The levers switched to B.
        levers: String,
        /// The loader's message.
        error: Box<ScenarioError>,
    },
}

/// The resolved levels of two scenarios and the levers between them.
#[derive(Clone, Debug)]
pub struct Levers {
    a: Table,
    b: Table,
    /// The levers, in the order of the resolved file.
    pub list: Vec<Lever>,
}

fn parse(s: &Scenario) -> Result<Table, LeverError> {
    s.resolved_toml
        .parse::<Table>()
        .map_err(|e| LeverError::Parse(s.name.clone(), e.to_string()))
}

/// A value with `source` keys removed everywhere: provenance is no lever.
fn without_source(v: &Value) -> Value {
    match v {
        Value::Table(t) => Value::Table(
            t.iter()
                .filter(|(k, _)| k.as_str() != "source")
                .map(|(k, v)| (k.clone(), without_source(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_source).collect()),
        other => other.clone(),
    }
}

fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => without_source(a) == without_source(b),
        (None, None) => true,
        _ => false,
    }
}

/// A table that stands for one number (`{ value = … }`, `{ dist = … }`): a leaf.
fn is_number_table(t: &Table) -> bool {
    t.contains_key("value") || t.contains_key("dist")
}

fn leaf_diffs(prefix: &str, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<Lever>) {
    if NOT_LEVERS.contains(&prefix) || same(a, b) {
        return;
    }
    let table = |v: Option<&Value>| match v {
        Some(Value::Table(t)) if !is_number_table(t) => Some(t.clone()),
        _ => None,
    };
    match (table(a), table(b)) {
        (Some(ta), Some(tb)) => {
            let mut keys: Vec<&String> = ta.keys().collect();
            keys.extend(tb.keys().filter(|k| !ta.contains_key(*k)));
            for k in keys {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                if prefix.is_empty() && NAMED.contains(&k.as_str()) {
                    named_diffs(k, ta.get(k), tb.get(k), out);
                } else {
                    leaf_diffs(&path, ta.get(k), tb.get(k), out);
                }
            }
        }
        _ => out.push(Lever {
            path: prefix.to_string(),
            label: format!("{prefix} ({} → {})", shown(a), shown(b)),
            a: a.cloned(),
            b: b.cloned(),
        }),
    }
}

fn named_diffs(coll: &str, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<Lever>) {
    let empty = Table::new();
    let ta = a.and_then(Value::as_table).unwrap_or(&empty);
    let tb = b.and_then(Value::as_table).unwrap_or(&empty);
    let mut keys: Vec<&String> = ta.keys().collect();
    keys.extend(tb.keys().filter(|k| !ta.contains_key(*k)));
    let kind = match coll {
        "events" => "event",
        "random_events" => "random event",
        "rules" => "rule",
        _ => "threat",
    };
    for k in keys {
        let (va, vb) = (ta.get(k), tb.get(k));
        if same(va, vb) {
            continue;
        }
        let how = match (va, vb) {
            (None, _) => "new in B",
            (_, None) => "dropped in B",
            _ => "changed",
        };
        out.push(Lever {
            path: format!("{coll}.{k}"),
            label: format!("{kind} {k} ({how})"),
            a: va.cloned(),
            b: vb.cloned(),
        });
    }
}

/// A value in a label: numbers and short text as written, anything else by kind.
fn shown(v: Option<&Value>) -> String {
    match v {
        None => "absent".into(),
        Some(Value::Table(t)) if t.contains_key("value") => shown(t.get("value")),
        Some(Value::Table(t)) if t.contains_key("dist") => "distribution".into(),
        Some(Value::Table(_)) => "table".into(),
        Some(v) => {
            let s = v.to_string();
            if s.chars().count() > 24 {
                "…".into()
            } else {
                s
            }
        }
    }
}

impl Levers {
    /// The levers between A and B. Scenarios with other powers or years are refused.
    pub fn between(a: &Scenario, b: &Scenario) -> Result<Levers, LeverError> {
        let (ta, tb) = (parse(a)?, parse(b)?);
        for key in ["power_ids", "years"] {
            if !same(ta.get(key), tb.get(key)) {
                return Err(LeverError::Incomparable(format!(
                    "'{}' and '{}' differ in `{key}`: levers are changes within one world and one horizon",
                    a.name, b.name
                )));
            }
        }
        let mut list = Vec::new();
        leaf_diffs(
            "",
            Some(&Value::Table(ta.clone())),
            Some(&Value::Table(tb.clone())),
            &mut list,
        );
        owned_starts_in_labels(&mut list);
        Ok(Levers { a: ta, b: tb, list })
    }

    /// The hybrid resolved TOML: A with the levers of `mask` taken from B.
    pub fn hybrid_toml(&self, mask: u32) -> String {
        let mut h = self.a.clone();
        let on = |i: usize| mask & (1 << i) != 0;
        for (i, l) in self.list.iter().enumerate() {
            if on(i) {
                put(&mut h, &l.path, l.b.clone());
            }
        }
        for (i, l) in self.list.iter().enumerate() {
            let Some(id) = l.path.strip_prefix("threats.") else {
                continue;
            };
            if l.a.is_some() && l.b.is_some() {
                continue;
            }
            // One-sided threat: defined always, issued as on the side the lever selects.
            let (owner, def) = match (&l.a, &l.b) {
                (Some(d), None) => (&self.a, d),
                (None, Some(d)) => (&self.b, d),
                _ => continue,
            };
            put(&mut h, &l.path, Some(def.clone()));
            let active = if l.b.is_some() { on(i) } else { !on(i) };
            strip_starts(&mut h, id);
            if active {
                restore_starts(&mut h, owner, id);
            }
        }
        h.insert("reference".into(), Value::String("self".into()));
        h.to_string()
    }

    /// Loads the hybrid of `mask` on A's folder, solving its rest point from `reference`
    /// (see [`reference_of`]).
    pub fn hybrid(
        &self,
        mask: u32,
        a: &Scenario,
        reference: &(Arc<crate::model::ParamSpec>, crate::scenario::Reference),
    ) -> Result<Scenario, LeverError> {
        let text = self.hybrid_toml(mask);
        let dir = a.path.parent().map(std::path::Path::to_path_buf);
        let name = format!("{}+levers{mask}.toml", a.name);
        let names = || {
            self.list
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, l)| l.path.clone())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let fail = |e: ScenarioError| LeverError::Hybrid {
            levers: names(),
            error: Box::new(e),
        };
        let s = load_str(&text, &name, &dir.unwrap_or_default(), &[]).map_err(fail)?;
        with_reference(s, reference).map_err(fail)
    }
}

/// The scenario with its rest point solved from `reference` (its parameters and its
/// uncertain numbers), so that scenarios built from one file share one starting world.
pub fn with_reference(
    mut s: Scenario,
    reference: &(Arc<crate::model::ParamSpec>, crate::scenario::Reference),
) -> Result<Scenario, ScenarioError> {
    let mut spec = s.base.spec().clone();
    spec.reference = Some(reference.0.clone());
    s.base = crate::model::Params::new(spec).map_err(|e| {
        ScenarioError::bare(
            crate::scenario::ErrorKind::Invalid,
            format!("the reference does not fit: {e}"),
        )
    })?;
    s.reference = Some(Box::new(reference.1.clone()));
    Ok(s)
}

/// The reference hybrids solve their rest point from: B's, else A's, else A itself.
pub fn reference_of(
    a: &Scenario,
    b: &Scenario,
) -> (Arc<crate::model::ParamSpec>, crate::scenario::Reference) {
    for s in [b, a] {
        if let (Some(r), Some(spec)) = (&s.reference, &s.base.spec().reference) {
            return (spec.clone(), (**r).clone());
        }
    }
    let mut spec = a.base.spec().clone();
    spec.reference = None;
    (
        Arc::new(spec),
        crate::scenario::Reference {
            from: format!("{} itself", a.path.display()),
            uncertain: a.uncertain.clone(),
            resolved_toml: a.resolved_toml.clone(),
            particles: a.particles.clone(),
        },
    )
}

/// Says in an item's label which threats it issues are levers of their own.
fn owned_starts_in_labels(list: &mut [Lever]) {
    let owned: Vec<String> = list
        .iter()
        .filter(|l| l.path.starts_with("threats.") && (l.a.is_none() || l.b.is_none()))
        .map(|l| l.path["threats.".len()..].to_string())
        .collect();
    for l in list.iter_mut().filter(|l| !l.path.starts_with("threats.")) {
        let issues: Vec<&str> = [&l.a, &l.b]
            .into_iter()
            .flatten()
            .filter_map(|v| v.get("start_threats")?.as_array())
            .flatten()
            .filter_map(Value::as_str)
            .filter(|id| owned.iter().any(|o| o == id))
            .collect();
        if !issues.is_empty() {
            let mut ids: Vec<&str> = issues;
            ids.dedup();
            l.label.push_str(&format!(
                ": its other effects (issuing {} is each threat's own lever)",
                ids.join(", ")
            ));
        }
    }
}

/// Sets (or with `None` removes) the value at a dotted path, creating tables on the way.
fn put(t: &mut Table, path: &str, v: Option<Value>) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let Some(last) = parts.pop() else { return };
    let mut at = t;
    for p in parts {
        let next = at
            .entry(p.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        if !next.is_table() {
            *next = Value::Table(Table::new());
        }
        let Value::Table(n) = next else { return };
        at = n;
    }
    match v {
        Some(v) => {
            at.insert(last.to_string(), v);
        }
        None => {
            at.remove(last);
        }
    }
}

/// Removes threat `id` from every `start_threats` of the hybrid (and the key when empty).
fn strip_starts(h: &mut Table, id: &str) {
    for coll in ["events", "random_events", "rules"] {
        let Some(Value::Table(items)) = h.get_mut(coll) else {
            continue;
        };
        for (_, item) in items.iter_mut() {
            let Some(t) = item.as_table_mut() else {
                continue;
            };
            if let Some(Value::Array(list)) = t.get_mut("start_threats") {
                list.retain(|v| v.as_str() != Some(id));
                if list.is_empty() {
                    t.remove("start_threats");
                }
            }
        }
    }
}

/// Issues threat `id` wherever `owner` issues it: in the hybrid's own copy of the item, or in
/// a companion with the item's trigger and no other effect when the hybrid's copy differs.
fn restore_starts(h: &mut Table, owner: &Table, id: &str) {
    for coll in ["events", "random_events", "rules"] {
        let Some(Value::Table(items)) = owner.get(coll) else {
            continue;
        };
        for (name, item) in items {
            let Some(t) = item.as_table() else { continue };
            let issues = t
                .get("start_threats")
                .and_then(Value::as_array)
                .is_some_and(|l| l.iter().any(|v| v.as_str() == Some(id)));
            if !issues {
                continue;
            }
            let target = h
                .entry(coll.to_string())
                .or_insert_with(|| Value::Table(Table::new()));
            let Some(target) = target.as_table_mut() else {
                continue;
            };
            let mine = target.get(name).and_then(Value::as_table).cloned();
            let with_start = |tab: &mut Table| {
                let list = tab
                    .entry("start_threats".to_string())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(l) = list
                    && !l.iter().any(|v| v.as_str() == Some(id))
                {
                    l.push(Value::String(id.to_string()));
                }
            };
            match mine {
                Some(mut m) if trigger(&m) == trigger(t) => {
                    with_start(&mut m);
                    target.insert(name.clone(), Value::Table(m));
                }
                _ => {
                    let mut companion = trigger(t);
                    with_start(&mut companion);
                    target.insert(format!("{name}__issues_{id}"), Value::Table(companion));
                }
            }
        }
    }
}

/// The keys of an item that say when it fires (all but its effects).
fn trigger(t: &Table) -> Table {
    t.iter()
        .filter(|(k, _)| !EFFECTS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
