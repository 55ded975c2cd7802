//! A value of a scenario file with its byte span: `toml::Spanned` in a local wrapper, so that
//! the structs of `file.rs` can derive a JSON Schema (`simulate schema`) from the same
//! definitions the loader deserializes. The schema of a spanned value is that of the value.

use std::borrow::Cow;
use std::ops::Range;

/// A value and its span in the merged document (see `layers.rs`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Spanned<T>(toml::Spanned<T>);

impl<T> Spanned<T> {
    /// A value at a span.
    pub fn new(span: Range<usize>, value: T) -> Spanned<T> {
        Spanned(toml::Spanned::new(span, value))
    }
    /// The span.
    pub fn span(&self) -> Range<usize> {
        self.0.span()
    }
    /// The value.
    pub fn get_ref(&self) -> &T {
        self.0.get_ref()
    }
    /// The value, owned.
    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

impl<T: std::borrow::Borrow<str>> std::borrow::Borrow<str> for Spanned<T> {
    fn borrow(&self) -> &str {
        self.0.get_ref().borrow()
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Spanned<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        toml::Spanned::<T>::deserialize(d).map(Spanned)
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}
