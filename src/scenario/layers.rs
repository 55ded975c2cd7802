//! Assembling one TOML document from a scenario file, its `extends` parents and `--set`
//! overrides, then deserializing it into the structs of `file.rs`.
//!
//! Every text goes into one `SourceMap`; its parse tree's spans are shifted to the text's place
//! there, so after merging, any span of the merged document still names its file and line.
//! Merging is by key: tables merge key by key (events by name), anything else is replaced.
//! A number written as a table (`{ value = ... }`, `{ dist = ... }`) is replaced as a whole.

use super::error::{ErrorKind, Origin, ScenarioError, SourceMap, suggest};
use super::file::ScenarioToml;
use crate::model::Domain;
use serde::Deserialize;
use std::borrow::Cow;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The text a scenario starts from.
pub(crate) struct Root<'a> {
    /// Its text.
    pub text: String,
    /// Its name in messages.
    pub name: String,
    /// The folder `extends` is relative to.
    pub dir: PathBuf,
    /// Its canonical path, if it is a file (for finding cycles).
    pub canonical: Option<PathBuf>,
    /// `--set` arguments.
    pub overrides: &'a [String],
}

/// The merged, deserialized scenario and the texts it came from.
pub(crate) struct Assembled {
    pub map: SourceMap,
    pub file: ScenarioToml,
    /// The `reference` key in force (the last layer that gives one wins), resolved against
    /// the folder of the file that gave it.
    pub reference: Option<PathKey>,
    /// `[start] history` in force, resolved the same way.
    pub history: Option<PathKey>,
    /// The first file of the `extends` chain (the file itself when it extends nothing).
    pub root_file: PathBuf,
    /// Files in the chain.
    pub chain_len: usize,
    /// Whether `--set` overrides were given.
    pub has_sets: bool,
    /// Warnings for the user (deprecated names), each a complete line.
    pub warnings: Vec<String>,
    /// Errors found while assembling that leave the rest readable (unknown keys, empty
    /// effects, ...): reported with those of the conversion, all at once.
    pub errors: Vec<ScenarioError>,
    /// Entries switched off with `enabled = false`: (section, name, where it was written).
    pub disabled: Vec<(String, String, String)>,
    /// What each `--set` changed: (argument, TOML key path, the value it replaced as written
    /// and where, or `None` for a default).
    pub sets: Vec<SetTrace>,
}

/// What one `--set` changed: (argument, TOML key path, the value it replaced as written and
/// where, or `None` for a default).
pub(crate) type SetTrace = (String, String, Option<(String, String)>);

/// The sections whose entries may be switched off with `enabled = false`, with the word for
/// one entry and the key a new entry must have.
const SWITCHABLE: [(&str, &str, &str); 4] = [
    ("events", "event", "year"),
    ("random_events", "random event", "probability"),
    ("rules", "rule", "when"),
    ("threats", "threat", "sender"),
];

/// Effect keys that hold a table by path, and those that hold a list.
const EFFECT_TABLES: [&str; 4] = ["set", "add", "scale", "ramp"];
const EFFECT_LISTS: [&str; 5] = ["start_threats", "impose", "lift", "deliver", "experience"];

/// A string key naming a file (or `self`), with where it was written.
#[derive(Clone, Debug)]
pub(crate) struct PathKey {
    /// The value as written.
    pub written: String,
    /// The value resolved against the folder of the file that gave it.
    pub path: PathBuf,
    /// Its span in the source map.
    pub span: Range<usize>,
}

/// The power ids used when a scenario does not declare `power_ids`.
pub(crate) const DEFAULT_POWER_IDS: [&str; 4] = ["EU", "US", "RU", "CN"];

/// Reads the `extends` chain, applies `--set`, and deserializes.
pub(crate) fn assemble(root: Root<'_>) -> Result<Assembled, ScenarioError> {
    let mut map = SourceMap::default();
    let mut current = map.add(Origin::File(root.name.clone()), root.text);
    map.set_dir(current, root.dir.clone());
    let mut files = vec![current];
    let mut dirs = vec![root.dir.clone()];
    let mut root_file = root.dir.join(
        Path::new(&root.name)
            .file_name()
            .map_or_else(|| root.name.clone().into(), PathBuf::from),
    );
    let mut chain: Vec<(String, Option<PathBuf>)> = vec![(root.name.clone(), root.canonical)];
    let mut dir = root.dir;
    while let Some((rel, span)) = find_extends(&map, current)? {
        let path = dir.join(&rel);
        let shown = path.display().to_string();
        if chain.len() >= crate::limits::EXTENDS_DEPTH {
            return Err(map.error(
                ErrorKind::Invalid,
                Some(span),
                Some("extends"),
                format!(
                    "extends = \"{rel}\": the chain is longer than {} files: allowed at most {} ancestors",
                    crate::limits::EXTENDS_DEPTH,
                    crate::limits::EXTENDS_DEPTH - 1
                ),
            ));
        }
        let read = std::fs::canonicalize(&path).and_then(|c| {
            crate::limits::read_text(&c, crate::limits::SCENARIO_BYTES).map(|text| (c, text))
        });
        let (canonical, text) = read.map_err(|e| {
            map.error(
                ErrorKind::Io,
                Some(span.clone()),
                Some("extends"),
                format!(
                    "cannot read scenario '{shown}' (extends = \"{rel}\"): {}",
                    io_text(&e)
                ),
            )
        })?;
        if let Some(at) = chain
            .iter()
            .position(|(_, c)| c.as_ref() == Some(&canonical))
        {
            let mut names: Vec<&str> = chain[at..].iter().map(|(n, _)| n.as_str()).collect();
            names.push(&chain[at].0);
            return Err(map.error(
                ErrorKind::Cycle,
                Some(span),
                Some("extends"),
                format!(
                    "extends = \"{rel}\" makes a cycle: {}; a scenario cannot extend itself",
                    names.join(" -> ")
                ),
            ));
        }
        dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        current = map.add(Origin::File(shown.clone()), text);
        map.set_dir(current, dir.clone());
        files.push(current);
        dirs.push(dir.clone());
        root_file = path.clone();
        chain.push((shown, Some(canonical)));
    }
    let mut sets = Vec::new();
    for arg in root.overrides {
        sets.push(map.add(Origin::Set(arg.clone()), set_text(arg)?));
    }
    let first_set = sets.first().copied().unwrap_or(usize::MAX);

    // Parents first, then the file, then the overrides in the order given.
    let mut merged = DeTable::new();
    let mut reference = None;
    let mut history = None;
    let here = PathBuf::from(".");
    let layer_dirs = dirs.iter().rev().chain(std::iter::repeat(&here));
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut changed = Vec::new();
    for (&i, layer_dir) in files.iter().rev().chain(sets.iter()).zip(layer_dirs) {
        let mut layer = parse(&map, i)?;
        layer.remove("extends");
        rename_state(&map, &mut layer, &mut warnings, &mut errors);
        empty_effects(&map, &layer, &mut errors);
        if i >= first_set
            && let Origin::Set(arg) = &map.sources()[i].origin
        {
            let mut leaf = Vec::new();
            leaf_path(&layer, &mut leaf);
            let old =
                lookup(&merged, &leaf).map(|v| (map.text_of(&v.span()), map.place_text(&v.span())));
            changed.push((arg.clone(), join_path(&leaf), old));
        }
        if let Some(k) = path_key(&layer, &["reference"], layer_dir) {
            reference = Some(k);
        }
        if let Some(k) = path_key(&layer, &["start", "history"], layer_dir) {
            history = Some(k);
        }
        let ids = power_ids(&layer).or_else(|| power_ids(&merged));
        merge(&mut merged, layer, &mut Vec::new(), ids.as_deref());
    }
    let disabled = switch_off(&map, &mut merged, &mut errors);
    let (unknown, paths) = unknown_keys(&map, &merged);
    let found_unknown = !unknown.is_empty();
    errors.extend(unknown);
    // Reported; removed so that the rest of the file is still read and checked.
    for path in &paths {
        remove_path(&mut merged, path);
    }
    let index = merged.clone();
    let de = toml::de::Deserializer::from(Spanned::new(0..0, merged));
    let file = match ScenarioToml::deserialize(de) {
        Ok(file) => file,
        Err(e) => {
            let e = serde_error(&map, &index, &e);
            // The walk over the schema found every unknown key already, and a key missing
            // from a table that held a misspelt one is most likely that key.
            let after_typo = paths
                .iter()
                .any(|p| p.len() > 1 && e.key.as_deref() == Some(&join_path(&p[..p.len() - 1])));
            if !(found_unknown && (e.kind == ErrorKind::UnknownKey || after_typo)) {
                errors.push(e);
            }
            return Err(ScenarioError::many(errors).unwrap_or_else(|| {
                ScenarioError::bare(ErrorKind::Invalid, "the scenario cannot be read")
            }));
        }
    };
    Ok(Assembled {
        errors,
        map,
        file,
        reference,
        history,
        root_file,
        chain_len: files.len(),
        has_sets: !sets.is_empty(),
        warnings,
        disabled,
        sets: changed,
    })
}

/// `[state]` is the old name of `[government]`: renamed with a warning (both in one layer is
/// refused).
fn rename_state<'a>(
    map: &SourceMap,
    layer: &mut DeTable<'a>,
    warnings: &mut Vec<String>,
    errors: &mut Vec<ScenarioError>,
) {
    let Some((key, value)) = layer.remove_entry("state") else {
        return;
    };
    if let Some((gov, _)) = layer.get_key_value("government") {
        errors.push(map.error(
            ErrorKind::Invalid,
            Some(key.span()),
            Some("state"),
            format!(
                "[state] and [government] are the same section (state is its old name): allowed one of them; move these keys under [government] (also given at {})",
                map.place_text(&gov.span())
            ),
        ));
        return;
    }
    warnings.push(format!(
        "warning: {}: [state] is the old name of [government]; it still works, but rename it (paths and describe say government.*)",
        map.place_text(&key.span())
    ));
    layer.insert(Spanned::new(key.span(), Cow::Borrowed("government")), value);
}

/// Refuses effect tables and lists that are empty: in a child they would merge into the
/// inherited ones and change nothing.
fn empty_effects(map: &SourceMap, layer: &DeTable<'_>, errors: &mut Vec<ScenarioError>) {
    for (section, what, _) in SWITCHABLE.iter().take(3) {
        let Some(DeValue::Table(entries)) = layer.get(*section).map(Spanned::get_ref) else {
            continue;
        };
        for (name, entry) in entries {
            let DeValue::Table(entry) = entry.get_ref() else {
                continue;
            };
            for (k, v) in entry {
                let empty = match v.get_ref() {
                    DeValue::Table(t) => {
                        EFFECT_TABLES.contains(&k.get_ref().as_ref()) && t.is_empty()
                    }
                    DeValue::Array(a) => {
                        EFFECT_LISTS.contains(&k.get_ref().as_ref()) && a.is_empty()
                    }
                    _ => false,
                };
                if empty {
                    let key = join_path(&[*section, name.get_ref().as_ref(), k.get_ref().as_ref()]);
                    errors.push(map.error(
                        ErrorKind::Invalid,
                        Some(v.span()),
                        Some(&key),
                        format!(
                            "{key} = {}: an empty effect does nothing (it merges into an inherited one and leaves it as it is): give at least one entry, or switch the whole {what} off with `enabled = false`",
                            map.text_of(&v.span())
                        ),
                    ));
                }
            }
        }
    }
}

/// Removes the entries switched off with `enabled = false` from the merged document; an entry
/// that only says `enabled = false` (no file declares it) is refused.
fn switch_off(
    map: &SourceMap,
    merged: &mut DeTable<'_>,
    errors: &mut Vec<ScenarioError>,
) -> Vec<(String, String, String)> {
    let mut off = Vec::new();
    for (section, what, needed) in SWITCHABLE {
        let Some(DeValue::Table(entries)) = merged.get_mut(section).map(Spanned::get_mut) else {
            continue;
        };
        let mut remove = Vec::new();
        for (name, entry) in entries.iter() {
            let DeValue::Table(t) = entry.get_ref() else {
                continue;
            };
            let Some(flag) = t.get("enabled") else {
                continue;
            };
            let key = join_path(&[section, name.get_ref().as_ref(), "enabled"]);
            match flag.get_ref() {
                DeValue::Boolean(true) => {}
                DeValue::Boolean(false) if !t.contains_key(needed) => {
                    let declared: Vec<&str> = entries
                        .iter()
                        .filter(|(_, e)| {
                            matches!(e.get_ref(), DeValue::Table(t) if t.contains_key(needed))
                        })
                        .map(|(n, _)| n.get_ref().as_ref())
                        .collect();
                    errors.push(map.error(
                        ErrorKind::UnknownName,
                        Some(name.span()),
                        Some(&key),
                        format!(
                            "{key} = false: no such {what} `{}` to switch off: {}declared are {}",
                            name.get_ref(),
                            suggest(name.get_ref(), declared.iter().copied()),
                            if declared.is_empty() {
                                "none".to_string()
                            } else {
                                declared.join(", ")
                            }
                        ),
                    ));
                    remove.push(name.get_ref().to_string());
                }
                DeValue::Boolean(false) => {
                    off.push((
                        section.to_string(),
                        name.get_ref().to_string(),
                        map.place_text(&flag.span()),
                    ));
                    remove.push(name.get_ref().to_string());
                }
                other => errors.push(map.error(
                    ErrorKind::WrongType,
                    Some(flag.span()),
                    Some(&key),
                    format!(
                        "{key} = {}: expected a boolean (true or false), found {}",
                        map.text_of(&flag.span()),
                        article(other.type_str())
                    ),
                )),
            }
        }
        for name in remove {
            entries.remove(name.as_str());
        }
    }
    off
}

/// The key path of the one value a `--set` layer gives.
fn leaf_path(table: &DeTable<'_>, path: &mut Vec<String>) {
    if let Some((k, v)) = table.iter().next() {
        path.push(k.get_ref().to_string());
        if let DeValue::Table(t) = v.get_ref()
            && !is_number_table(v.get_ref())
        {
            leaf_path(t, path);
        }
    }
}

/// The value at a key path of a merged document.
fn lookup<'t, 'a>(table: &'t DeTable<'a>, path: &[String]) -> Option<&'t Spanned<DeValue<'a>>> {
    let (first, rest) = path.split_first()?;
    let v = table.get(first.as_str())?;
    if rest.is_empty() {
        return Some(v);
    }
    match v.get_ref() {
        DeValue::Table(t) => lookup(t, rest),
        _ => None,
    }
}

/// The schema of the format, built once.
pub(crate) fn schema() -> &'static serde_json::Value {
    static SCHEMA: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(super::json_schema)
}

/// Every key of the merged document that the format does not know, in file order (the
/// deserializer stops at the first), and their paths.
fn unknown_keys(map: &SourceMap, merged: &DeTable<'_>) -> (Vec<ScenarioError>, Vec<Vec<String>>) {
    let root = schema();
    let mut out = Vec::new();
    walk_table(map, merged, root, root, &mut Vec::new(), &mut out);
    out.into_iter().unzip()
}

/// Removes the value at a key path (array elements by index).
fn remove_path(table: &mut DeTable<'_>, path: &[String]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        table.remove(first.as_str());
        return;
    }
    if let Some(v) = table.get_mut(first.as_str()) {
        remove_in(v.get_mut(), rest);
    }
}

fn remove_in(value: &mut DeValue<'_>, path: &[String]) {
    match value {
        DeValue::Table(t) => remove_path(t, path),
        DeValue::Array(a) => {
            if let Some((i, rest)) = path.split_first()
                && let Ok(i) = i.parse::<usize>()
                && let Some(v) = a.get_mut(i)
            {
                remove_in(v.get_mut(), rest);
            }
        }
        _ => {}
    }
}

/// A schema node with `$ref` and `anyOf [x, null]` followed.
fn resolve<'s>(node: &'s serde_json::Value, root: &'s serde_json::Value) -> &'s serde_json::Value {
    let mut node = node;
    for _ in 0..8 {
        if let Some(r) = node.get("$ref").and_then(|r| r.as_str()) {
            let name = r.rsplit('/').next().unwrap_or("");
            match root.get("$defs").and_then(|d| d.get(name)) {
                Some(n) => node = n,
                None => return node,
            }
        } else if let Some(any) = node.get("anyOf").and_then(|a| a.as_array()) {
            match any
                .iter()
                .find(|a| a.get("type").and_then(|t| t.as_str()) != Some("null"))
            {
                Some(n) => node = n,
                None => return node,
            }
        } else {
            return node;
        }
    }
    node
}

fn walk_table(
    map: &SourceMap,
    table: &DeTable<'_>,
    node: &serde_json::Value,
    root: &serde_json::Value,
    path: &mut Vec<String>,
    out: &mut Vec<(ScenarioError, Vec<String>)>,
) {
    let node = resolve(node, root);
    let props = node.get("properties").and_then(|p| p.as_object());
    let closed = node.get("additionalProperties") == Some(&serde_json::Value::Bool(false));
    let open = node.get("additionalProperties").filter(|a| a.is_object());
    for (k, v) in table {
        path.push(k.get_ref().to_string());
        match (props.and_then(|p| p.get(k.get_ref().as_ref())), open) {
            (Some(sub), _) | (None, Some(sub)) => walk_value(map, v, sub, root, path, out),
            (None, None) if closed => {
                let allowed: Vec<&str> = props
                    .map(|p| p.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let nested = nested_hint(node, root, k.get_ref());
                let mut e = unknown_key(map, k.span(), path, allowed.as_slice());
                if let Some(h) = nested {
                    e.message =
                        e.message
                            .replacen(": allowed keys", &format!(": {h}; allowed keys"), 1);
                }
                out.push((e, path.clone()));
            }
            _ => {}
        }
        path.pop();
    }
}

fn walk_value(
    map: &SourceMap,
    value: &Spanned<DeValue<'_>>,
    node: &serde_json::Value,
    root: &serde_json::Value,
    path: &mut Vec<String>,
    out: &mut Vec<(ScenarioError, Vec<String>)>,
) {
    match value.get_ref() {
        DeValue::Table(t) => walk_table(map, t, node, root, path, out),
        DeValue::Array(a) => {
            if let Some(items) = resolve(node, root).get("items") {
                for (i, v) in a.iter().enumerate() {
                    path.push(i.to_string());
                    walk_value(map, v, items, root, path, out);
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

/// "it belongs in `mix`: `mix.loans`" when an unknown key is a key of one of the node's
/// sub-tables.
fn nested_hint(node: &serde_json::Value, root: &serde_json::Value, key: &str) -> Option<String> {
    let props = node.get("properties")?.as_object()?;
    props.iter().find_map(|(name, sub)| {
        let sub = resolve(sub, root);
        sub.get("properties")?.as_object()?.get(key)?;
        Some(format!(
            "`{key}` is a key of `{name}`: write `{name}.{key}`"
        ))
    })
}

/// The error for an unknown key at `path` (its last part), with a suggestion.
fn unknown_key(
    map: &SourceMap,
    span: Range<usize>,
    path: &[String],
    allowed: &[&str],
) -> ScenarioError {
    let key = join_path(path);
    let field = path.last().map_or("", String::as_str);
    let section = if path.len() > 1 {
        format!("[{}]", join_path(&path[..path.len() - 1]))
    } else {
        "the top level".to_string()
    };
    let hint = suggest(field, allowed.iter().copied());
    let allowed_text = if allowed.is_empty() {
        "no keys".to_string()
    } else {
        allowed.join(", ")
    };
    map.error(
        ErrorKind::UnknownKey,
        Some(span),
        Some(&key),
        format!("unknown key `{key}` in {section}: {hint}allowed keys: {allowed_text}"),
    )
}

/// A string at `path` in a layer, resolved against `dir` (`self` is kept as it is). Other
/// types are left to deserialization, which reports them with their place.
fn path_key(layer: &DeTable<'_>, path: &[&str], dir: &Path) -> Option<PathKey> {
    let (last, tables) = path.split_last()?;
    let mut table = layer;
    for key in tables {
        match table.get(*key)?.get_ref() {
            DeValue::Table(t) => table = t,
            _ => return None,
        }
    }
    let value = table.get(*last)?;
    let written = value.get_ref().as_str()?.to_string();
    let path = if written == "self" {
        PathBuf::from("self")
    } else {
        dir.join(&written)
    };
    Some(PathKey {
        written,
        path,
        span: value.span(),
    })
}

/// An I/O error as text, without the "(os error 2)" suffix.
pub fn io_text(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// The `extends` value of a source, if any (parsing it once only to follow the chain).
fn find_extends(
    map: &SourceMap,
    index: usize,
) -> Result<Option<(String, Range<usize>)>, ScenarioError> {
    let table = parse(map, index)?;
    let Some(value) = table.get("extends") else {
        return Ok(None);
    };
    let span = value.span();
    match value.get_ref() {
        DeValue::String(s) => Ok(Some((s.to_string(), span))),
        other => Err(map.error(
            ErrorKind::WrongType,
            Some(span.clone()),
            Some("extends"),
            format!(
                "extends = {}: expected a string (a scenario file, relative to this one), found {}",
                map.text_of(&span),
                article(other.type_str())
            ),
        )),
    }
}

/// The TOML text of a `--set key.path=value` argument: the value as TOML, or as a string
/// when it is not valid TOML.
fn set_text(arg: &str) -> Result<String, ScenarioError> {
    let bad = |message: String| ScenarioError {
        kind: ErrorKind::Override,
        place: super::error::Place::Set {
            arg: arg.to_string(),
        },
        key: None,
        message,
        snippet: String::new(),
        also: Vec::new(),
        at: usize::MAX,
    };
    let Some((key, value)) = arg.split_once('=') else {
        return Err(bad(
            "expected key.path=value (for example powers.US.budget=0.5)".to_string(),
        ));
    };
    let (key, value) = (key.trim(), value.trim());
    if key.is_empty() || DeTable::parse(&format!("{key} = 0")).is_err() {
        return Err(bad(format!(
            "'{key}' is not a key path: allowed dotted TOML keys such as powers.US.budget or \
             rivalry.US-CN.technology"
        )));
    }
    if key == "extends" || key.starts_with("extends.") {
        return Err(bad(
            "extends cannot be overridden: name the scenario to load instead".to_string(),
        ));
    }
    if DeValue::parse(value).is_ok() {
        Ok(format!("{key} = {value}"))
    } else {
        Ok(format!(
            "{key} = {}",
            toml::Value::String(value.to_string())
        ))
    }
}

/// Parses one source, with spans shifted to its place in the map.
fn parse<'a>(map: &'a SourceMap, index: usize) -> Result<DeTable<'a>, ScenarioError> {
    let src = &map.sources()[index];
    let doc = DeTable::parse(&src.text).map_err(|e| {
        let span = e.span().map(|s| s.start + src.base..s.end + src.base);
        let message = e.message().trim().replace('\n', "; ");
        match &src.origin {
            Origin::Set(_) => map.error(
                ErrorKind::Override,
                span,
                None,
                format!("not a valid key=value: {message}"),
            ),
            Origin::File(_) => map.error(
                ErrorKind::Syntax,
                span,
                None,
                format!("invalid TOML: {message}"),
            ),
        }
    })?;
    Ok(shift_table(doc.into_inner(), src.base))
}

fn shift_span(s: Range<usize>, base: usize) -> Range<usize> {
    s.start + base..s.end + base
}

fn shift_table(table: DeTable<'_>, base: usize) -> DeTable<'_> {
    table
        .into_iter()
        .map(|(k, v)| {
            let key_span = shift_span(k.span(), base);
            (Spanned::new(key_span, k.into_inner()), shift(v, base))
        })
        .collect()
}

fn shift(value: Spanned<DeValue<'_>>, base: usize) -> Spanned<DeValue<'_>> {
    let span = shift_span(value.span(), base);
    let inner = match value.into_inner() {
        DeValue::Table(t) => DeValue::Table(shift_table(t, base)),
        DeValue::Array(a) => DeValue::Array(a.into_iter().map(|v| shift(v, base)).collect()),
        other => other,
    };
    Spanned::new(span, inner)
}

/// `power_ids` of a layer, if it declares them as strings.
fn power_ids(table: &DeTable<'_>) -> Option<Vec<String>> {
    let DeValue::Array(a) = table.get("power_ids")?.get_ref() else {
        return None;
    };
    a.iter()
        .map(|v| v.get_ref().as_str().map(str::to_string))
        .collect()
}

/// A number written as a table: replaced as a whole, never merged key by key.
fn is_number_table(v: &DeValue<'_>) -> bool {
    matches!(v, DeValue::Table(t) if t.contains_key("value") || t.contains_key("dist"))
}

/// The keys a single number expands to when a later layer gives a table at `path`
/// (`rivalry.US-CN = 0.5` then `rivalry.US-CN.technology = 2`).
fn expansion(path: &[String], ids: Option<&[String]>) -> Option<Vec<String>> {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    let powers = || match ids {
        Some(ids) => ids.to_vec(),
        None => DEFAULT_POWER_IDS.iter().map(|s| s.to_string()).collect(),
    };
    match p.as_slice() {
        ["rivalry", _] | ["government", "initial_closeness", _] => {
            Some(Domain::ALL.iter().map(|d| d.name().to_string()).collect())
        }
        ["government", "autonomy_cost"]
        | [
            "population",
            "anchor_mean" | "media_pro_government" | "media_independent",
        ] => Some(powers()),
        _ => None,
    }
}

/// Merges `top` into `base`: tables key by key, anything else replaced.
fn merge<'a>(
    base: &mut DeTable<'a>,
    top: DeTable<'a>,
    path: &mut Vec<String>,
    ids: Option<&[String]>,
) {
    for (key, value) in top {
        let mut name = key.get_ref().to_string();
        // A rivalry pair may be written in either order: merge into the order already there.
        if path.len() == 1 && path[0] == "rivalry" && !base.contains_key(name.as_str()) {
            if let Some((a, b)) = name.split_once('-') {
                let reversed = format!("{b}-{a}");
                if base.contains_key(reversed.as_str()) {
                    name = reversed;
                }
            }
        }
        path.push(name.clone());
        let top_is_table = matches!(value.get_ref(), DeValue::Table(_));
        let replace = match base.get_mut(name.as_str()) {
            Some(old) if top_is_table && !is_number_table(value.get_ref()) => {
                if !matches!(old.get_ref(), DeValue::Table(_)) || is_number_table(old.get_ref()) {
                    if let Some(keys) = expansion(path, ids) {
                        let span = old.span();
                        let expanded: DeTable<'a> = keys
                            .into_iter()
                            .map(|k| (Spanned::new(span.clone(), Cow::Owned(k)), old.clone()))
                            .collect();
                        *old = Spanned::new(span, DeValue::Table(expanded));
                    }
                }
                match (old.get_mut(), value.into_inner()) {
                    (DeValue::Table(old_table), DeValue::Table(new_table)) => {
                        merge(old_table, new_table, path, ids);
                        None
                    }
                    (_, other) => Some(Spanned::new(key.span(), other)),
                }
            }
            _ => Some(value),
        };
        if let Some(value) = replace {
            // Remove first: inserting over an equal key would keep the old key and its span.
            base.remove(name.as_str());
            base.insert(Spanned::new(key.span(), Cow::Owned(name.clone())), value);
        }
        path.pop();
    }
}

/// "string" -> "a string".
fn article(type_name: &str) -> String {
    match type_name {
        "integer" | "array" => format!("an {type_name}"),
        other => format!("a {other}"),
    }
}

/// The key path of the key or value whose span is `span` (spans are unique in the map).
fn path_at(table: &DeTable<'_>, span: &Range<usize>, path: &mut Vec<String>) -> bool {
    for (k, v) in table {
        path.push(k.get_ref().to_string());
        if k.span() == *span || v.span() == *span || path_in(v.get_ref(), span, path) {
            return true;
        }
        path.pop();
    }
    false
}

fn path_in(value: &DeValue<'_>, span: &Range<usize>, path: &mut Vec<String>) -> bool {
    match value {
        DeValue::Table(t) => path_at(t, span, path),
        DeValue::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                path.push(i.to_string());
                if v.span() == *span || path_in(v.get_ref(), span, path) {
                    return true;
                }
                path.pop();
            }
            false
        }
        _ => false,
    }
}

/// Joins a key path, quoting keys that are not bare (`events.x.set."powers.US.budget"`).
pub(crate) fn join_path<S: AsRef<str>>(parts: &[S]) -> String {
    parts
        .iter()
        .map(|p| key_text(p.as_ref()))
        .collect::<Vec<_>>()
        .join(".")
}

/// A key as TOML writes it: bare when it can be, quoted otherwise.
pub(crate) fn key_text(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_string()
    } else {
        toml::Value::String(key.to_string()).to_string()
    }
}

/// serde's description of an unexpected value (`floating point `0.5``) as a TOML type.
fn unexpected_type(found: &str) -> &'static str {
    let kinds = [
        ("floating point", "a float"),
        ("integer", "an integer"),
        ("string", "a string"),
        ("boolean", "a boolean"),
        ("sequence", "an array"),
        ("map", "a table"),
    ];
    kinds
        .iter()
        .find(|(serde, _)| found.starts_with(serde))
        .map_or("another type", |(_, toml)| toml)
}

/// Names in backticks in a serde message, in order.
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// Rewrites serde's "a sequence", "a map" into TOML words.
fn toml_words(text: &str) -> String {
    text.replace("a sequence", "an array")
        .replace("sequence", "array")
        .replace("a map", "a table")
        .replace("i64", "an integer")
        .replace("f64", "a number")
        .replace("a boolean", "a boolean (true or false)")
}

/// Turns a deserialization error into a located message.
fn serde_error(map: &SourceMap, index: &DeTable<'_>, e: &toml::de::Error) -> ScenarioError {
    let span = e.span();
    let mut path = Vec::new();
    if let Some(span) = &span {
        path_at(index, span, &mut path);
    }
    let key = join_path(&path);
    let message = e.message().trim();
    let value = span.as_ref().map(|s| map.text_of(s)).unwrap_or_default();
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let names = backticked(rest);
        let allowed = names.get(1..).unwrap_or(&[]);
        return unknown_key(map, span.unwrap_or(0..0), &path, allowed);
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "another type"));
        let found = unexpected_type(found);
        let hint = if key == "powers" {
            "; list the powers taking part with power_ids = [\"EU\", ...], and describe each in \
             [powers.<id>]"
        } else {
            ""
        };
        return map.error(
            ErrorKind::WrongType,
            span,
            Some(&key),
            format!(
                "{key} = {value}: expected {}, found {}{hint}",
                toml_words(expected),
                found
            ),
        );
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        let field = backticked(rest).first().copied().unwrap_or(rest);
        if let [section, name] = path.as_slice()
            && let Some((_, what, needed)) = SWITCHABLE.iter().find(|(s, ..)| s == section)
            && field == *needed
        {
            let declared = match index.get(section.as_str()).map(Spanned::get_ref) {
                Some(DeValue::Table(t)) => t
                    .iter()
                    .filter(|(_, e)| matches!(e.get_ref(), DeValue::Table(t) if t.contains_key(*needed)))
                    .map(|(n, _)| n.get_ref().to_string())
                    .collect::<Vec<_>>(),
                _ => Vec::new(),
            };
            let new_needs = match section.as_str() {
                "threats" => "`sender`, `rival` and `domain`",
                "events" => "`year`",
                "random_events" => "`probability`",
                _ => "`when`",
            };
            return map.error(
                ErrorKind::UnknownName,
                span,
                Some(&key),
                format!(
                    "no such {what} `{name}`: {}this scenario and the files it extends declare {}; \
                     a new {what} needs {new_needs} (missing `{field}`)",
                    suggest(name, declared.iter().map(String::as_str)),
                    if declared.is_empty() {
                        "none".to_string()
                    } else {
                        declared.join(", ")
                    }
                ),
            );
        }
        let at = if key.is_empty() {
            "the top level".to_string()
        } else {
            format!("[{key}]")
        };
        return map.error(
            ErrorKind::Invalid,
            span,
            Some(&key),
            format!("missing key `{field}` in {at}"),
        );
    }
    map.error(
        ErrorKind::Invalid,
        span,
        Some(&key),
        format!("{key}: {}", toml_words(message)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(texts: &[&str]) -> toml::Table {
        let mut map = SourceMap::default();
        let ids: Vec<usize> = texts
            .iter()
            .map(|t| map.add(Origin::File("t".into()), t.to_string()))
            .collect();
        let mut out = DeTable::new();
        for i in ids {
            let layer = parse(&map, i).unwrap();
            let ids = power_ids(&layer).or_else(|| power_ids(&out));
            merge(&mut out, layer, &mut Vec::new(), ids.as_deref());
        }
        let de = toml::de::Deserializer::from(Spanned::new(0..0, out));
        toml::Table::deserialize(de).unwrap()
    }

    #[test]
    fn tables_merge_and_values_replace() {
        let t = merged(&["[a]\nx = 1\ny = 2", "[a]\ny = 3\nz = 4"]);
        assert_eq!(t["a"].to_string(), "{ x = 1, y = 3, z = 4 }");
    }

    #[test]
    fn number_tables_are_replaced_whole() {
        let t = merged(&[
            "x = { value = 1, source = \"s\" }",
            "x = { dist = \"normal\" }",
        ]);
        assert_eq!(t["x"].to_string(), "{ dist = \"normal\" }");
        let t = merged(&[
            "x = { value = 1, source = \"s\" }",
            "x = { source = \"t\" }",
        ]);
        assert_eq!(t["x"].to_string(), "{ source = \"t\", value = 1 }");
    }

    #[test]
    fn a_single_number_expands_before_a_partial_table() {
        let t = merged(&[
            "[rivalry]\n\"EU-US\" = -0.3",
            "[rivalry]\n\"US-EU\" = { security = 0 }",
        ]);
        let pair = t["rivalry"]["EU-US"].as_table().unwrap();
        assert_eq!(pair.len(), 4);
        assert_eq!(pair["security"].as_integer(), Some(0));
        assert_eq!(pair["economy"].as_float(), Some(-0.3));
        let t = merged(&[
            "power_ids = [\"A\", \"B\"]\n[government]\nautonomy_cost = 2",
            "[government.autonomy_cost]\nB = 1",
        ]);
        assert_eq!(
            t["government"]["autonomy_cost"].to_string(),
            "{ A = 2, B = 1 }"
        );
    }

    #[test]
    fn set_values_fall_back_to_strings() {
        assert_eq!(set_text("a.b=0.5").unwrap(), "a.b = 0.5");
        assert_eq!(set_text("a.b=EU").unwrap(), "a.b = \"EU\"");
        assert_eq!(set_text("a.\"x.y\"=[1, 2]").unwrap(), "a.\"x.y\" = [1, 2]");
        assert!(set_text("a.b").is_err());
        assert!(set_text("a..b=1").is_err());
    }

    #[test]
    fn keys_are_quoted_only_when_needed() {
        assert_eq!(join_path(&["rivalry", "US-CN"]), "rivalry.US-CN");
        assert_eq!(
            join_path(&["set", "powers.US.budget"]),
            "set.\"powers.US.budget\""
        );
    }
}
