//! `simulate schema`: the JSON Schema of the scenario format, for editors (Taplo, Even Better
//! TOML) to complete keys and flag unknown ones.

use super::common::emit;

/// `simulate schema`.
pub fn schema() -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(&crate::scenario::json_schema())?;
    text.push('\n');
    emit(&text)
}
