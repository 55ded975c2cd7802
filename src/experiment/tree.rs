//! Scenario trees: a trunk scenario with `[branches]`, branch points each with a year and
//! alternatives (effects as an event has, an optional probability). The leaves are every
//! combination of one alternative per point; a leaf is the trunk plus, for each chosen
//! alternative with effects, an event in the point's year. So every leaf is the trunk until
//! its first fork, and all of them run on the trunk's seeds (one study on common random
//! numbers).
//!
//! Format (in the trunk's own file):
//!
//! ```toml
//! [branches]
//! outcome = "closeness.CN"                  # measure of the combined distribution
//! [branches.points.us]
//! year = 2027
//! label = "Washington"
//! [branches.points.us.alternatives.imposes]
//! probability = 0.35
//! start_threats = ["us_tech"]
//! [branches.points.us.alternatives.refrains]
//! probability = 0.65
//! ```
//!
//! Errors name the file, line and column, the key and what is allowed.

use crate::scenario::{ErrorKind, Place, ScenarioError, render_snippet};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;

/// Most leaves a tree may have.
pub const MAX_LEAVES: usize = 64;

/// Effect keys an alternative may carry (those of an event).
const EFFECTS: &[&str] = &[
    "set",
    "add",
    "scale",
    "ramp",
    "start_threats",
    "deliver",
    "experience",
    "snap_election",
];

#[derive(Deserialize)]
struct TopToml {
    branches: Option<Spanned<BranchesToml>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BranchesToml {
    outcome: Option<Spanned<String>>,
    points: Spanned<BTreeMap<String, Spanned<PointToml>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PointToml {
    year: Spanned<i64>,
    label: Option<String>,
    source: Option<String>,
    alternatives: Spanned<BTreeMap<String, Spanned<toml::Table>>>,
}

/// One alternative at a branch point.
#[derive(Clone, Debug, PartialEq)]
pub struct Alternative {
    /// Its name (the key).
    pub name: String,
    /// Its label for figures (default: the name).
    pub label: String,
    /// Its probability, if given.
    pub probability: Option<f64>,
    /// Its effects (keys of an event), as written.
    pub effects: toml::Table,
    /// Where it is in the file.
    pub span: Range<usize>,
}

/// A branch point.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Its name (the key).
    pub name: String,
    /// The year the alternatives take effect.
    pub year: i32,
    /// Label for figures (default: the name).
    pub label: String,
    /// Source text.
    pub source: String,
    /// The alternatives, in the order of the file.
    pub alternatives: Vec<Alternative>,
}

/// A checked tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Tree {
    /// Measure of the combined distribution (a column of runs.csv), if named.
    pub outcome: Option<(String, Range<usize>)>,
    /// Branch points, by year, then in the order of the file.
    pub points: Vec<Point>,
}

/// One path through the tree: an alternative at each point.
#[derive(Clone, Debug, PartialEq)]
pub struct Leaf {
    /// `us-imposes_eu-opens`: safe as a file name.
    pub id: String,
    /// `US imposes · EU opens`.
    pub label: String,
    /// Alternative index chosen at each point.
    pub choices: Vec<usize>,
    /// Product of the chosen alternatives' probabilities, when every point has them.
    pub probability: Option<f64>,
    /// First year in which the leaf differs from the trunk (none when no chosen alternative
    /// has an effect).
    pub fork: Option<i32>,
    /// `--set` arguments that add the leaf's events to the trunk.
    pub overrides: Vec<String>,
}

/// A located error in the file `shown` (whose text is `text`).
pub fn error_at(
    shown: &str,
    text: &str,
    span: Range<usize>,
    key: &str,
    message: String,
) -> ScenarioError {
    let (line, column, snippet) = render_snippet(text, span.start, span.end);
    ScenarioError {
        kind: ErrorKind::Invalid,
        place: Place::File {
            path: shown.to_string(),
            line,
            column,
        },
        key: Some(key.to_string()),
        message,
        snippet,
        also: Vec::new(),
        at: span.start,
    }
}

/// Whether a scenario text declares `[branches]` (no check of its contents).
pub fn has_branches(text: &str) -> bool {
    toml::from_str::<TopToml>(text).is_ok_and(|t| t.branches.is_some())
        || text.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("[branches") || l.starts_with("branches")
        })
}

/// Reads and checks the `[branches]` table of the trunk file `text` (`shown` names it in
/// errors) for a scenario running `start..=end`. `None` when there is none.
pub fn parse(text: &str, shown: &str, start: i32, end: i32) -> Result<Option<Tree>, ScenarioError> {
    let top: TopToml = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let mut err = error_at(shown, text, span, "branches", e.message().to_string());
        err.kind = ErrorKind::Syntax;
        err
    })?;
    let Some(b) = top.branches else {
        return Ok(None);
    };
    let b_span = b.span();
    let b = b.into_inner();
    let at = |span: Range<usize>, key: &str, msg: String| error_at(shown, text, span, key, msg);
    let points_span = b.points.span();
    let mut points = Vec::new();
    for (name, p) in b.points.into_inner() {
        let p_span = p.span();
        let p = p.into_inner();
        let key = format!("branches.points.{name}");
        let year = *p.year.get_ref();
        if year <= i64::from(start) || year > i64::from(end) {
            return Err(at(
                p.year.span(),
                &format!("{key}.year"),
                format!(
                    "{key}.year = {year} is outside the scenario's years: allowed {} to {end} (a branch starts after the first year)",
                    start + 1
                ),
            ));
        }
        let alts_span = p.alternatives.span();
        let mut alternatives = Vec::new();
        for (alt, t) in p.alternatives.into_inner() {
            alternatives.push(alternative(&key, alt, t, &at)?);
        }
        alternatives.sort_by_key(|a| a.span.start);
        if alternatives.len() < 2 {
            return Err(at(
                alts_span,
                &format!("{key}.alternatives"),
                format!(
                    "{key} has {} alternative: a branch point needs at least 2",
                    alternatives.len()
                ),
            ));
        }
        check_probabilities(&key, &alternatives, alts_span, &at)?;
        points.push((
            p_span.start,
            Point {
                label: p.label.unwrap_or_else(|| name.clone()),
                name,
                year: year as i32,
                source: p.source.unwrap_or_default(),
                alternatives,
            },
        ));
    }
    if points.is_empty() {
        return Err(at(
            points_span,
            "branches.points",
            "branches.points is empty: declare at least one point, e.g. [branches.points.us] year = 2027".into(),
        ));
    }
    points.sort_by_key(|(s, p)| (p.year, *s));
    let points: Vec<Point> = points.into_iter().map(|(_, p)| p).collect();
    let leaves: usize = points
        .iter()
        .map(|p| p.alternatives.len())
        .try_fold(1usize, |acc, n| acc.checked_mul(n))
        .unwrap_or(usize::MAX);
    if leaves > MAX_LEAVES {
        return Err(at(
            b_span,
            "branches",
            format!("the tree has {leaves} leaves: at most {MAX_LEAVES} allowed"),
        ));
    }
    Ok(Some(Tree {
        outcome: b.outcome.map(|o| {
            let span = o.span();
            (o.into_inner(), span)
        }),
        points,
    }))
}

fn alternative(
    key: &str,
    name: String,
    t: Spanned<toml::Table>,
    at: &dyn Fn(Range<usize>, &str, String) -> ScenarioError,
) -> Result<Alternative, ScenarioError> {
    let span = t.span();
    let mut t = t.into_inner();
    let akey = format!("{key}.alternatives.{name}");
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(at(
            span,
            &akey,
            format!("alternative name '{name}': allowed letters, digits and _"),
        ));
    }
    let label = match t.remove("label") {
        None => name.clone(),
        Some(toml::Value::String(s)) => s,
        Some(v) => {
            return Err(at(
                span,
                &format!("{akey}.label"),
                format!("{akey}.label = {v}: allowed a string"),
            ));
        }
    };
    t.remove("source");
    let probability = match t.remove("probability") {
        None => None,
        Some(v) => {
            let p = v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
            match p {
                Some(p) if (0.0..=1.0).contains(&p) => Some(p),
                _ => {
                    return Err(at(
                        span,
                        &format!("{akey}.probability"),
                        format!("{akey}.probability = {v}: allowed a number from 0 to 1"),
                    ));
                }
            }
        }
    };
    if let Some(k) = t.keys().find(|k| !EFFECTS.contains(&k.as_str())) {
        return Err(at(
            span,
            &format!("{akey}.{k}"),
            format!(
                "unknown key '{k}' in {akey}: allowed label, probability, source and the effects of an event ({})",
                EFFECTS.join(", ")
            ),
        ));
    }
    Ok(Alternative {
        name,
        label,
        probability,
        effects: t,
        span,
    })
}

fn check_probabilities(
    key: &str,
    alts: &[Alternative],
    span: Range<usize>,
    at: &dyn Fn(Range<usize>, &str, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    let given = alts.iter().filter(|a| a.probability.is_some()).count();
    if given == 0 {
        return Ok(());
    }
    if given < alts.len() {
        return Err(at(
            span,
            &format!("{key}.alternatives"),
            format!(
                "{key}: give a probability to every alternative or to none ({given} of {} have one)",
                alts.len()
            ),
        ));
    }
    let sum: f64 = alts.iter().filter_map(|a| a.probability).sum();
    if (sum - 1.0).abs() > 1e-6 {
        return Err(at(
            span,
            &format!("{key}.alternatives"),
            format!("the probabilities of {key}'s alternatives sum to {sum}: they must sum to 1"),
        ));
    }
    Ok(())
}

impl Tree {
    /// Every combination of one alternative per point, the first alternatives first.
    pub fn leaves(&self) -> Vec<Leaf> {
        let mut combos: Vec<Vec<usize>> = vec![Vec::new()];
        for p in &self.points {
            combos = combos
                .into_iter()
                .flat_map(|c| {
                    (0..p.alternatives.len()).map(move |i| {
                        let mut c = c.clone();
                        c.push(i);
                        c
                    })
                })
                .collect();
        }
        combos.into_iter().map(|c| self.leaf(c)).collect()
    }

    fn leaf(&self, choices: Vec<usize>) -> Leaf {
        let chosen: Vec<(&Point, &Alternative)> = self
            .points
            .iter()
            .zip(&choices)
            .map(|(p, i)| (p, &p.alternatives[*i]))
            .collect();
        let probability = chosen
            .iter()
            .map(|(_, a)| a.probability)
            .try_fold(1.0, |acc, p| p.map(|p| acc * p));
        let fork = chosen
            .iter()
            .filter(|(_, a)| !a.effects.is_empty())
            .map(|(p, _)| p.year)
            .min();
        let overrides = chosen
            .iter()
            .filter(|(_, a)| !a.effects.is_empty())
            .map(|(p, a)| {
                let mut event = a.effects.clone();
                event.insert("year".into(), toml::Value::Integer(i64::from(p.year)));
                event.insert(
                    "source".into(),
                    toml::Value::String(format!(
                        "branch {}.{} of the scenario tree",
                        p.name, a.name
                    )),
                );
                format!(
                    "events.branch_{}_{}={}",
                    p.name,
                    a.name,
                    toml::Value::Table(event)
                )
            })
            .collect();
        Leaf {
            id: chosen
                .iter()
                .map(|(p, a)| format!("{}-{}", p.name, a.name))
                .collect::<Vec<_>>()
                .join("_"),
            label: chosen
                .iter()
                .map(|(_, a)| a.label.clone())
                .collect::<Vec<_>>()
                .join(" · "),
            choices,
            probability,
            fork,
            overrides,
        }
    }

    /// The alternative of point `p` chosen by `leaf`.
    pub fn chosen<'t>(&'t self, leaf: &Leaf, p: usize) -> &'t Alternative {
        &self.points[p].alternatives[leaf.choices[p]]
    }
}

/// By name, for reading a point's alternatives in tests.
pub fn by_name(tree: &Tree) -> BTreeMap<String, Vec<String>> {
    tree.points
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.alternatives.iter().map(|a| a.name.clone()).collect(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TREE: &str = r#"
name = "t"
[branches]
outcome = "closeness.CN"
[branches.points.eu]
year = 2027
[branches.points.eu.alternatives.opens]
probability = 0.4
ramp = { "accession.credibility" = { to = 0.7, years = 3 } }
[branches.points.eu.alternatives.freezes]
probability = 0.6
set = { "accession.credibility" = 0.2 }
[branches.points.us]
year = 2026
[branches.points.us.alternatives.refrains]
[branches.points.us.alternatives.imposes]
start_threats = ["x"]
"#;

    #[test]
    fn leaves_are_the_combinations_with_their_forks_and_probabilities() {
        let t = parse(TREE, "t.toml", 2024, 2040).unwrap().unwrap();
        // Points by year; alternatives in file order.
        assert_eq!(t.points[0].name, "us");
        assert_eq!(t.points[0].alternatives[0].name, "refrains");
        let leaves = t.leaves();
        assert_eq!(leaves.len(), 4);
        assert_eq!(leaves[0].id, "us-refrains_eu-opens");
        assert_eq!(leaves[0].fork, Some(2027));
        assert_eq!(leaves[2].fork, Some(2026));
        // One point without probabilities: no leaf has one.
        assert!(leaves.iter().all(|l| l.probability.is_none()));
        assert_eq!(leaves[0].overrides.len(), 1);
        assert!(leaves[0].overrides[0].starts_with("events.branch_eu_opens="));
        assert!(leaves[0].overrides[0].contains("year = 2027"));
    }

    #[test]
    fn bad_trees_are_located() {
        let bad = TREE.replace("probability = 0.6", "probability = 0.5");
        let e = parse(&bad, "t.toml", 2024, 2040).unwrap_err();
        assert!(e.to_string().contains("t.toml:7:21"), "{e}");
        assert!(e.message.contains("sum to 0.9"), "{e}");
        let bad = TREE.replace("year = 2026", "year = 2050");
        let e = parse(&bad, "t.toml", 2024, 2040).unwrap_err();
        assert!(e.to_string().contains("t.toml:14:8"), "{e}");
        assert!(e.message.contains("allowed 2025 to 2040"), "{e}");
        let bad = TREE.replace("start_threats", "start_threat");
        let e = parse(&bad, "t.toml", 2024, 2040).unwrap_err();
        assert!(e.message.contains("unknown key 'start_threat'"), "{e}");
        let bad = TREE.replace("[branches.points.us.alternatives.refrains]\n", "");
        let e = parse(&bad, "t.toml", 2024, 2040).unwrap_err();
        assert!(e.message.contains("at least 2"), "{e}");
        let bad = TREE.replace("year = 2027", "yeer = 2027");
        let e = parse(&bad, "t.toml", 2024, 2040).unwrap_err();
        assert!(e.to_string().contains("t.toml:"), "{e}");
        assert!(
            parse("name = \"x\"", "x.toml", 2024, 2040)
                .unwrap()
                .is_none()
        );
    }
}
