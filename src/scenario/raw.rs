//! A TOML value kept with the span of every part, for the values the scenario format reads
//! by hand (numbers that may carry a distribution or provenance, per-power and per-domain
//! maps). Deserialized through `toml`'s own deserializer, so spans are those of the merged
//! document (see `layers.rs`).

use super::spanned::Spanned;
use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A value with its span.
pub(crate) type Raw = Spanned<RawValue>;

/// A TOML value whose parts keep their spans.
#[derive(Clone, Debug)]
pub(crate) enum RawValue {
    Integer(i64),
    Float(f64),
    String(String),
    // Values the format never reads by hand: only their type matters for messages.
    Bool,
    Datetime,
    Array,
    Table(Vec<(Spanned<String>, Raw)>),
}

impl RawValue {
    /// The TOML name of the value's type, for "expected ..., found a string".
    pub fn type_name(&self) -> &'static str {
        match self {
            RawValue::Integer(_) => "an integer",
            RawValue::Float(_) => "a float",
            RawValue::Bool => "a boolean",
            RawValue::String(_) => "a string",
            RawValue::Datetime => "a date",
            RawValue::Array => "an array",
            RawValue::Table(_) => "a table",
        }
    }

    /// The entries of a table, if it is one.
    pub fn as_table(&self) -> Option<&[(Spanned<String>, Raw)]> {
        match self {
            RawValue::Table(t) => Some(t),
            _ => None,
        }
    }

    /// Whether a table has the key.
    pub fn has_key(&self, key: &str) -> bool {
        self.as_table()
            .is_some_and(|t| t.iter().any(|(k, _)| k.get_ref() == key))
    }
}

/// The key toml uses to pass a datetime through serde.
const DATETIME_KEY: &str = "$__toml_private_datetime";

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<RawValue, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any TOML value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<RawValue, E> {
        Ok(RawValue::Bool)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue::Integer(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawValue, E> {
        i64::try_from(v)
            .map(RawValue::Integer)
            .map_err(|_| E::custom(format!("integer {v} is too large")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawValue, E> {
        Ok(RawValue::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<RawValue, E> {
        Ok(RawValue::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(RawValue::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            if key.get_ref() == DATETIME_KEY {
                map.next_value::<de::IgnoredAny>()?;
                return Ok(RawValue::Datetime);
            }
            let value = map.next_value::<Raw>()?;
            entries.push((key, value));
        }
        Ok(RawValue::Table(entries))
    }
}

/// In the schema, a hand-read value is any TOML value: the loader checks it (a number, an
/// integer, a name, or a table such as `{ value = 0.3, source = "...", confidence = "B" }`,
/// `{ dist = "uniform", min = 0.2, max = 0.5 }` or a per-power or per-domain map).
impl schemars::JsonSchema for RawValue {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Value".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A number, an integer or a string; or a table: a number with its \
                provenance ({ value, source, confidence }), a distribution ({ dist = \"uniform\" | \
                \"normal\" | \"triangular\" | \"beta\", ... }), or a map by power or domain. \
                `simulate describe` lists every parameter and its allowed range.",
            "type": ["number", "integer", "string", "boolean", "array", "object"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Doc {
        x: Raw,
    }

    #[test]
    fn keeps_spans_of_inner_parts() {
        let text = "x = { value = 0.3, source = \"s\" }";
        let doc: Doc = toml::from_str(text).unwrap();
        let t = doc.x.get_ref().as_table().unwrap();
        assert_eq!(t.len(), 2);
        let value = t.iter().find(|(k, _)| k.get_ref() == "value").unwrap();
        assert_eq!(&text[value.1.span()], "0.3");
        assert_eq!(&text[value.0.span()], "value");
        assert!(matches!(value.1.get_ref(), RawValue::Float(v) if (*v - 0.3).abs() < 1e-12));
    }
}
