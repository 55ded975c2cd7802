//! `[ensemble] on_failure`: what an ensemble does with a run that produced a non-finite value.

use super::error::{ErrorKind, ScenarioError, SourceMap};
use super::spanned::Spanned;

/// The declared policy for failed runs (a run with a non-finite value anywhere).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnFailure {
    /// Leave the run out of every summary, record it in `failures.csv`, count it in the
    /// manifest and the report, and go on.
    #[default]
    Skip,
    /// Stop the study at the first failed run (in plan order) and write no results.
    Abort,
}

impl OnFailure {
    /// The TOML value.
    pub fn name(self) -> &'static str {
        match self {
            OnFailure::Skip => "skip",
            OnFailure::Abort => "abort",
        }
    }
}

/// Reads `ensemble.on_failure`.
pub(crate) fn on_failure(
    map: &SourceMap,
    given: Option<&Spanned<String>>,
) -> Result<OnFailure, ScenarioError> {
    let Some(v) = given else {
        return Ok(OnFailure::default());
    };
    match v.get_ref().as_str() {
        "skip" => Ok(OnFailure::Skip),
        "abort" => Ok(OnFailure::Abort),
        other => Err(map.error(
            ErrorKind::OutOfRange,
            Some(v.span()),
            Some("ensemble.on_failure"),
            format!("ensemble.on_failure = {other:?}: allowed \"skip\" or \"abort\""),
        )),
    }
}
