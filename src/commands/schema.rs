//! `simulate schema`: the JSON Schema of the scenario format, for editors (Taplo, Even Better
//! TOML) to complete keys and flag unknown ones, and numbers outside their allowed range.
//!
//! The keys come from the loader's structs (`scenario::json_schema`); the ranges from the
//! parameter path table (`model/target.rs`), the one the loader checks values against. Each
//! key of the format that names a parameter gets its `[minimum, maximum]`: on a plain
//! number, on the `value` of a number with provenance, and on every entry of a map by power
//! or domain. Distributions are left to the loader (their draws are clamped into range).

use super::common::emit;
use crate::model::{Target, defaults};
use serde_json::{Value, json};

/// `simulate schema`.
pub fn schema() -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(&with_ranges(crate::scenario::json_schema()))?;
    text.push('\n');
    emit(&text)
}

/// Where each table of the format sits in the parameter paths: (schema definition, path
/// prefix). A key `k` of the table is the parameter `prefix + k` (or, for maps, a path below
/// it).
const TABLES: &[(&str, &str)] = &[
    ("StateToml", "government."),
    ("PopulationToml", "population."),
    ("PollsToml", "polls."),
    ("AlignmentToml", "alignment."),
    ("AccessionToml", "accession."),
    ("PowerToml", "powers.{p}."),
    ("MixToml", "powers.{p}.mix."),
    ("InstrumentToml", "instruments.{k}."),
];

/// Threat fields: threats have ids of the scenario's own, so their ranges are read from the
/// targets of a first threat.
fn threat_target(field: &str) -> Option<Target> {
    Some(match field {
        "severity" => Target::Severity(0),
        "red_line" => Target::RedLine(0),
        "resolve" => Target::Resolve(0),
        "belief" => Target::Belief(0),
        "learning" => Target::Learning(0),
        "damage" => Target::Damage(0),
        "lift" => Target::Lift(0),
        "grace" => Target::Grace(0),
        "issue0" => Target::Issue(0, 0),
        "issue1" => Target::Issue(0, 1),
        "issue2" => Target::Issue(0, 2),
        _ => return None,
    })
}

/// The range of a key of a table: the parameter itself, or (a map by power, by domain, or by
/// power and domain) the parameters below it.
fn key_range(prefix: &str, key: &str) -> Option<(f64, f64)> {
    let spec = defaults::serbia();
    let p = &spec.powers[0].id;
    let kind = "grants";
    let base = prefix.replace("{p}", p).replace("{k}", kind);
    let path = format!("{base}{key}");
    [
        path.clone(),
        format!("{path}.{p}"),
        format!("{path}.economy"),
        format!("{path}.{p}.economy"),
        format!("{path}.{p}-{}", spec.powers[1].id),
    ]
    .iter()
    .find_map(|candidate| Target::parse(candidate, &spec).ok())
    .map(|t| t.range())
}

/// A value in `[lo, hi]`: a number, a number with provenance, a distribution (checked by the
/// loader), a string (an expression or a name, checked by the loader), or a map whose
/// entries are such values.
fn ranged(lo: f64, hi: f64) -> Value {
    let number = json!({ "type": "number", "minimum": lo, "maximum": hi });
    json!({
        "description": format!("allowed range {lo} to {hi}"),
        "anyOf": [
            number,
            { "type": ["string", "boolean", "array"] },
            { "type": "object", "required": ["dist"] },
            { "type": "object", "required": ["value"], "properties": { "value": number } },
            {
                "type": "object",
                "not": { "anyOf": [{ "required": ["dist"] }, { "required": ["value"] }] },
                "additionalProperties": {
                    "anyOf": [
                        number,
                        { "type": ["string", "boolean", "array"] },
                        { "type": "object", "required": ["dist"] },
                        { "type": "object", "required": ["value"], "properties": { "value": number } },
                        {
                            "type": "object",
                            "not": { "anyOf": [{ "required": ["dist"] }, { "required": ["value"] }] },
                            "additionalProperties": {
                                "anyOf": [
                                    number,
                                    { "type": ["string", "boolean", "array"] },
                                    { "type": "object", "required": ["dist"] },
                                    { "type": "object", "required": ["value"], "properties": { "value": number } }
                                ]
                            }
                        }
                    ]
                }
            }
        ]
    })
}

/// Whether a property's schema is the open number (`Value`), possibly optional.
fn is_open_value(v: &Value) -> bool {
    let is_ref = |x: &Value| x.get("$ref").and_then(Value::as_str) == Some("#/$defs/Value");
    is_ref(v)
        || v.get("anyOf")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(is_ref))
        || v.get("additionalProperties").is_some_and(is_ref)
}

/// The schema with each parameter's allowed range on its keys.
pub fn with_ranges(mut schema: Value) -> Value {
    let mut tables: Vec<(&str, String)> =
        TABLES.iter().map(|(d, p)| (*d, (*p).to_string())).collect();
    tables.push(("ThreatToml", String::new()));
    for (def, prefix) in tables {
        let Some(props) = schema
            .pointer_mut(&format!("/$defs/{def}/properties"))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        for (key, prop) in props.iter_mut() {
            if !is_open_value(prop) {
                continue;
            }
            let range = if def == "ThreatToml" {
                threat_target(key).map(|t| t.range())
            } else {
                key_range(&prefix, key)
            };
            if let Some((lo, hi)) = range {
                let description = prop.get("description").cloned();
                let mut r = ranged(lo, hi);
                if let (Some(Value::String(d)), Some(obj)) = (description, r.as_object_mut()) {
                    obj.insert(
                        "description".into(),
                        Value::String(format!("{d} Allowed range {lo} to {hi}.")),
                    );
                }
                *prop = r;
            }
        }
    }
    if let Some(rivalry) = schema.pointer_mut("/properties/rivalry")
        && is_open_value(rivalry)
        && let Some(obj) = rivalry.as_object_mut()
    {
        let spec = defaults::serbia();
        let pair = format!("rivalry.{}-{}", spec.powers[0].id, spec.powers[1].id);
        if let Ok(t) = Target::parse(&pair, &spec) {
            let (lo, hi) = t.range();
            obj.insert("additionalProperties".into(), ranged(lo, hi));
        }
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_keys_carry_their_allowed_range() {
        let s = with_ranges(crate::scenario::json_schema());
        let budget = s.pointer("/$defs/PowerToml/properties/budget").unwrap();
        let text = budget.to_string();
        assert!(text.contains("\"maximum\":100.0"), "{text}");
        let w = s
            .pointer("/$defs/StateToml/properties/opinion_weight")
            .unwrap()
            .to_string();
        assert!(w.contains("\"maximum\":20.0"), "{w}");
        let r = s
            .pointer("/properties/rivalry/additionalProperties")
            .unwrap()
            .to_string();
        assert!(r.contains("\"minimum\":-5.0"), "{r}");
    }
}
