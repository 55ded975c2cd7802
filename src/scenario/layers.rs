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
}

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
        files.push(current);
        dirs.push(dir.clone());
        root_file = path.clone();
        chain.push((shown, Some(canonical)));
    }
    let mut sets = Vec::new();
    for arg in root.overrides {
        sets.push(map.add(Origin::Set(arg.clone()), set_text(arg)?));
    }

    // Parents first, then the file, then the overrides in the order given.
    let mut merged = DeTable::new();
    let mut reference = None;
    let mut history = None;
    let here = PathBuf::from(".");
    let layer_dirs = dirs.iter().rev().chain(std::iter::repeat(&here));
    for (&i, layer_dir) in files.iter().rev().chain(sets.iter()).zip(layer_dirs) {
        let mut layer = parse(&map, i)?;
        layer.remove("extends");
        if let Some(k) = path_key(&layer, &["reference"], layer_dir) {
            reference = Some(k);
        }
        if let Some(k) = path_key(&layer, &["start", "history"], layer_dir) {
            history = Some(k);
        }
        let ids = power_ids(&layer).or_else(|| power_ids(&merged));
        merge(&mut merged, layer, &mut Vec::new(), ids.as_deref());
    }
    let index = merged.clone();
    let de = toml::de::Deserializer::from(Spanned::new(0..0, merged));
    let file = ScenarioToml::deserialize(de).map_err(|e| serde_error(&map, &index, &e))?;
    Ok(Assembled {
        map,
        file,
        reference,
        history,
        root_file,
        chain_len: files.len(),
        has_sets: !sets.is_empty(),
    })
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
        ["rivalry", _] | ["state", "initial_closeness", _] => {
            Some(Domain::ALL.iter().map(|d| d.name().to_string()).collect())
        }
        ["state", "autonomy_cost"]
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
        let (field, allowed) = names.split_first().map_or(("", &[][..]), |(f, a)| (*f, a));
        let section = if path.len() > 1 {
            format!("[{}]", join_path(&path[..path.len() - 1]))
        } else {
            "the top level".to_string()
        };
        let hint = match field {
            "government" => "did you mean `state`? ".to_string(),
            _ => suggest(field, allowed.iter().copied()),
        };
        let allowed_text = if allowed.is_empty() {
            "no keys".to_string()
        } else {
            allowed.join(", ")
        };
        return map.error(
            ErrorKind::UnknownKey,
            span,
            Some(&key),
            format!("unknown key `{key}` in {section}: {hint}allowed keys: {allowed_text}"),
        );
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
            "power_ids = [\"A\", \"B\"]\n[state]\nautonomy_cost = 2",
            "[state.autonomy_cost]\nB = 1",
        ]);
        assert_eq!(t["state"]["autonomy_cost"].to_string(), "{ A = 2, B = 1 }");
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
