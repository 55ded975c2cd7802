//! `simulate check`: load and validate a scenario, print a one-line account of it.

use super::common::{emit, load};
use crate::cli::ScenarioArgs;
use std::fmt::Write as _;

/// `simulate check`.
pub fn check(args: &ScenarioArgs) -> anyhow::Result<()> {
    let s = load(&args.scenario, &args.set)?;
    let mut buf = String::new();
    let _ = writeln!(
        buf,
        "{}: valid. {} powers ({}), {}–{}, {} runs, seed {}, {} uncertain parameters, {} scripted events, {} random events, {} rules, {} threats",
        s.path.display(),
        s.base.n_powers(),
        s.base
            .powers
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        s.base.start,
        s.base.end,
        s.runs,
        s.seed,
        s.uncertain.len(),
        s.base.events.len(),
        s.base.random_events.len(),
        s.base.rules.len(),
        s.base.threats.len(),
    );
    emit(&buf)
}
