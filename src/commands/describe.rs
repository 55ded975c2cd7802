//! `simulate describe`: every resolved parameter with its value, unit, range, source and
//! confidence.

use super::common::{emit, load};
use crate::cli::ScenarioArgs;
use crate::scenario;
use std::fmt::Write as _;

/// `simulate describe`.
pub fn describe(args: &ScenarioArgs) -> anyhow::Result<()> {
    let s = load(&args.scenario, &args.set)?;
    let rows = scenario::describe(&s);
    let mut buf = String::new();
    let _ = writeln!(
        buf,
        "rest point (structural ties, starting instruments) solved from: {}\n\
         every value below that differs from it acts as a policy change from {}\n",
        s.reference_text(),
        s.base.start
    );
    let w = rows.iter().map(|r| r.path.len()).max().unwrap_or(10).max(9);
    let _ = writeln!(
        buf,
        "{:<w$}  {:>12}  {:<30}  {:<18}  {:<4}  meaning; source / distribution",
        "parameter", "value", "unit", "allowed", "conf"
    );
    for r in rows {
        let extra: Vec<&str> = [
            Some(r.meaning.as_str()),
            r.dist.as_deref(),
            r.source.as_deref(),
            r.set.as_deref(),
        ]
        .into_iter()
        .flatten()
        .filter(|t| !t.is_empty())
        .collect();
        let _ = writeln!(
            buf,
            "{:<w$}  {:>12}  {:<30}  {:<18}  {:<4}  {}",
            r.path,
            format_value(r.value),
            r.unit,
            r.range,
            r.confidence.as_deref().unwrap_or(""),
            extra.join("; ")
        );
    }
    emit(&buf)
}

fn format_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e12 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').to_string()
    }
}
