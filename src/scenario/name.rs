//! Scenario names: they become folder and file names (`output/<name>/`, `summary_<name>.csv`),
//! so only a safe set is allowed and nothing a file says can point outside the output folder.

use super::error::{ErrorKind, ScenarioError, SourceMap};
use super::spanned::Spanned;

/// Longest scenario name.
pub(crate) const MAX_LEN: usize = 100;

/// What a name may be, for messages.
pub(crate) const ALLOWED: &str =
    "1 to 100 letters, digits, '_', '-' and '.', not starting with '.'";

/// Whether `name` is a safe scenario name.
pub(crate) fn is_safe(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_LEN
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// The scenario's name: its `name` key, checked, or else the file's stem made safe (other
/// characters become '_', leading dots are dropped).
pub(crate) fn scenario_name(
    map: &SourceMap,
    given: Option<&Spanned<String>>,
    stem: &str,
) -> Result<String, ScenarioError> {
    if let Some(n) = given {
        let name = n.get_ref();
        if !is_safe(name) {
            return Err(map.error(
                ErrorKind::Invalid,
                Some(n.span()),
                Some("name"),
                format!(
                    "name = {:?} is not a scenario name (it names the results folder): allowed {ALLOWED}",
                    name
                ),
            ));
        }
        return Ok(name.clone());
    }
    let mut safe: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    safe = safe.trim_start_matches('.').chars().take(MAX_LEN).collect();
    if safe.is_empty() {
        safe = "scenario".to_string();
    }
    Ok(safe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_safe_names_pass() {
        for ok in ["baseline", "us_pressure", "eu-2030", "v1.2", "A"] {
            assert!(is_safe(ok), "{ok}");
        }
        for bad in [
            "",
            "..",
            "../../escape",
            "/some/folder",
            ".hidden",
            "a/b",
            "a\\b",
            "a b",
            "é",
            "x\0y",
            "C:",
            &"x".repeat(101),
        ] {
            assert!(!is_safe(bad), "{bad:?}");
        }
    }

    #[test]
    fn file_stems_are_made_safe() {
        let map = SourceMap::default();
        let name = |stem: &str| scenario_name(&map, None, stem).unwrap();
        assert_eq!(name("my scenario"), "my_scenario");
        assert_eq!(name(".."), "scenario");
        assert_eq!(name("..x"), "x");
        assert!(is_safe(&name(&"é".repeat(300))));
    }
}
