//! `describe`: one row per resolved parameter (value, unit, allowed range, distribution,
//! provenance), for `simulate describe` and the report's assumptions table. Pure.

use super::Scenario;
use crate::model::{Target, range_text};

/// One resolved parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct DescribeRow {
    /// Canonical path (`powers.US.budget`), or the TOML key of a whole-number setting.
    pub path: String,
    /// Value in the base parameters.
    pub value: f64,
    /// Unit or meaning (may be empty).
    pub unit: String,
    /// Allowed range as text (`0 to 100`).
    pub range: String,
    /// The distribution, if the parameter is drawn anew in each run.
    pub dist: Option<String>,
    /// Where the number comes from.
    pub source: Option<String>,
    /// Its confidence grade, `A` to `D`.
    pub confidence: Option<String>,
}

/// Every resolved parameter: each `Target` of the scenario, then the whole-number settings
/// (years, ensemble, election calendar, sizes).
pub fn describe(s: &Scenario) -> Vec<DescribeRow> {
    let spec = s.base.spec();
    let mut rows: Vec<DescribeRow> = Target::all(spec)
        .into_iter()
        .map(|t| {
            let path = t.path(spec);
            let (lo, hi) = t.range();
            let provenance = s.provenance.get(&path);
            DescribeRow {
                value: t.get(spec),
                unit: t.unit().to_string(),
                range: range_text(lo, hi),
                dist: s.dist_of(t).map(ToString::to_string),
                source: provenance.and_then(|p| p.source.clone()),
                confidence: provenance.and_then(|p| p.confidence).map(|c| c.to_string()),
                path,
            }
        })
        .collect();
    let g = &spec.government;
    let ints: [(&str, f64, &str, &str); 9] = [
        ("years.start", f64::from(spec.start), "year", "1 to 9999"),
        (
            "years.end",
            f64::from(spec.end),
            "year",
            "start to start + 500",
        ),
        ("ensemble.runs", s.runs as f64, "runs", "1 to 10000000"),
        (
            "ensemble.seed",
            s.seed as f64,
            "",
            "0 to 9223372036854775807",
        ),
        (
            "population.citizens",
            spec.population.citizens as f64,
            "agents",
            "1 to 1000000",
        ),
        (
            "polls.respondents",
            spec.polls.respondents as f64,
            "respondents",
            "1 to 1000000",
        ),
        (
            "government.election_period",
            f64::from(g.election_period),
            "years (0: none)",
            "0 to 100",
        ),
        (
            "government.first_election",
            f64::from(g.first_election),
            "year",
            "1 to 9999",
        ),
        (
            "government.ascent_iterations",
            f64::from(g.ascent_iterations),
            "iterations",
            "1 to 10000",
        ),
    ];
    rows.extend(
        ints.into_iter()
            .map(|(path, value, unit, range)| DescribeRow {
                path: path.to_string(),
                value,
                unit: unit.to_string(),
                range: range.to_string(),
                dist: None,
                source: None,
                confidence: None,
            }),
    );
    rows
}
