//! `describe`: one row per resolved parameter (value, unit, meaning, allowed range,
//! distribution, provenance, a `--set` that changed it), for `simulate describe` and the
//! report's assumptions table. Pure.
//!
//! The one-line meaning of a row is the first sentence of the `///` documentation of its key
//! in `file.rs` (read through the generated schema), so the reference and the format cannot
//! drift apart; the unit comes from a table by parameter kind.

use super::Scenario;
use crate::model::defaults::threat as default_threat;
use crate::model::{Domain, Kind, Target, range_text};

/// One resolved parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct DescribeRow {
    /// Canonical path (`powers.US.budget`), or the TOML key of a whole-number setting;
    /// `threats.<id>.<field>` for the parameters of a threat the scenario may declare.
    pub path: String,
    /// Value in the base parameters (for `threats.<id>.*`: the default of a new threat).
    pub value: f64,
    /// Unit of the value.
    pub unit: String,
    /// What the parameter means, in one line.
    pub meaning: String,
    /// Allowed range as text (`0 to 100`).
    pub range: String,
    /// The distribution, if the parameter is drawn anew in each run.
    pub dist: Option<String>,
    /// Where the number comes from.
    pub source: Option<String>,
    /// Its confidence grade, `A` to `D`.
    pub confidence: Option<String>,
    /// "set on the command line: old → new (was file:line)" when a `--set` changed it.
    pub set: Option<String>,
}

/// Every resolved parameter: each `Target` of the scenario, then the whole-number settings
/// (years, ensemble, election calendar, sizes), then the parameters of a new threat
/// (`threats.<id>.*`, at their defaults).
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
                unit: unit(t).to_string(),
                meaning: meaning(&path),
                range: range_text(lo, hi),
                dist: s.dist_of(t).map(ToString::to_string),
                source: provenance.and_then(|p| p.source.clone()),
                confidence: provenance.and_then(|p| p.confidence).map(|c| c.to_string()),
                set: set_by(s, &path),
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
            "integer",
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
                meaning: meaning(path),
                set: set_by(s, path),
                path: path.to_string(),
                value,
                unit: unit.to_string(),
                range: range.to_string(),
                dist: None,
                source: None,
                confidence: None,
            }),
    );
    rows.extend(levels(s));
    rows.extend(threat_template(s));
    rows
}

/// The level of each money instrument (budget × share): not a parameter of its own but the
/// direct way to change one instrument alone, so it is listed where a user looks for paths.
fn levels(s: &Scenario) -> Vec<DescribeRow> {
    let spec = s.base.spec();
    let kinds = Kind::ALL.into_iter().filter(|k| k.is_budgeted());
    (0..spec.powers.len())
        .flat_map(|p| kinds.clone().map(move |k| Target::Level(p, k)))
        .map(|t| {
            let path = t.path(spec);
            let (lo, hi) = t.range();
            DescribeRow {
                value: t.get(spec),
                unit: unit(t).to_string(),
                meaning: "Level of the instrument, budget × share: an effect on it moves the \
                          budget by as much, so the other instruments keep their levels \
                          (`scale` by 2 doubles it alone)"
                    .to_string(),
                range: range_text(lo, hi),
                dist: None,
                source: None,
                confidence: None,
                set: set_by(s, &path),
                path,
            }
        })
        .collect()
}

/// The parameters of a threat, at the defaults a new `[threats.<id>]` starts from, so that
/// they can be looked up before the scenario declares one.
fn threat_template(s: &Scenario) -> Vec<DescribeRow> {
    let mut spec = s.base.spec().clone();
    let n = spec.powers.len();
    if n < 2 {
        return Vec::new();
    }
    spec.threats = vec![default_threat("<id>", 0, 1, Domain::Technology, spec.start)];
    let targets = [
        Target::RedLine(0),
        Target::Severity(0),
        Target::Grace(0),
        Target::Resolve(0),
        Target::Belief(0),
        Target::Learning(0),
        Target::Damage(0),
        Target::Lift(0),
        Target::Issue(0, 0),
        Target::Issue(0, 1),
        Target::Issue(0, 2),
    ];
    targets
        .into_iter()
        .map(|t| {
            let path = t.path(&spec);
            let (lo, hi) = t.range();
            DescribeRow {
                meaning: format!(
                    "{} (a new threat: [threats.<id>] with sender, rival and domain)",
                    meaning(&path)
                ),
                value: t.get(&spec),
                unit: unit(t).to_string(),
                range: range_text(lo, hi),
                dist: None,
                source: None,
                confidence: None,
                set: None,
                path,
            }
        })
        .collect()
}

/// The `--set` that changed a parameter, in words.
fn set_by(s: &Scenario, path: &str) -> Option<String> {
    s.overrides
        .iter()
        .rev()
        .find(|o| {
            let key = match o.path.strip_prefix("state.") {
                Some(rest) => format!("government.{rest}"),
                None => o.path.clone(),
            };
            path == key || path.starts_with(&format!("{key}."))
        })
        .map(super::Override::describe)
}

/// The first sentence of the documentation of the key a canonical path stands for.
pub(crate) fn meaning(path: &str) -> String {
    let root = super::layers::schema();
    let mut node = root;
    let mut found: Option<&serde_json::Value> = None;
    for part in path.split('.') {
        let here = resolve(node, root);
        let part = part.trim_end_matches(|c: char| c.is_ascii_digit() && part.starts_with("issue"));
        let next = here
            .get("properties")
            .and_then(|p| p.get(part))
            .or_else(|| here.get("additionalProperties").filter(|a| a.is_object()));
        match next {
            Some(n) => {
                if n.get("description").is_some() {
                    found = Some(n);
                }
                node = n;
            }
            None => break,
        }
    }
    let text = found
        .and_then(|n| n.get("description"))
        .and_then(|d| d.as_str())
        .unwrap_or("");
    first_sentence(text)
}

/// The first sentence of a description, on one line.
fn first_sentence(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut end = flat.len();
    let mut depth = 0i32;
    for (i, c) in flat.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            '.' | ':' | ';' if depth <= 0 && flat[i + 1..].starts_with(' ') => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    flat[..end].trim_end_matches('.').to_string()
}

/// A schema node with `$ref` and `anyOf [x, null]` followed.
fn resolve<'s>(node: &'s serde_json::Value, root: &'s serde_json::Value) -> &'s serde_json::Value {
    let mut node = node;
    for _ in 0..8 {
        if let Some(r) = node.get("$ref").and_then(|r| r.as_str()) {
            match root
                .get("$defs")
                .and_then(|d| d.get(r.rsplit('/').next().unwrap_or("")))
            {
                Some(n) => node = n,
                None => return node,
            }
        } else if let Some(any) = node.get("anyOf").and_then(|a| a.as_array()) {
            match any
                .iter()
                .find(|a| a.get("type").and_then(|t| t.as_str()) != Some("null"))
            {
                Some(n) => node = n,
                None => return node,
            }
        } else {
            return node;
        }
    }
    node
}

/// The unit of a parameter.
fn unit(t: Target) -> &'static str {
    let own = t.unit();
    if !own.is_empty() {
        return own;
    }
    match t {
        Target::PowerTarget(_)
        | Target::InitialCloseness(..)
        | Target::RedLine(_)
        | Target::OtherCloseness => "closeness (0 to 1)",
        Target::Responsiveness(_) | Target::Conditionality(_) => {
            "change of the instrument factor per unit of closeness"
        }
        Target::RivalryResponse(_) => "change of the instrument factor per unit of rival closeness",
        Target::Buster(_) => "compensation per unit of a rival's sanction damage",
        Target::MediaSensitivity(_) => "image change per unit of visible aid",
        Target::BustCost(_) | Target::AutonomyCost(_) => "utility per unit of closeness squared",
        Target::BusterCap(_) => "share of the damage δ_S·S",
        Target::KindDomain(..) => "weight of the kind in the domain (0 to 1)",
        Target::Visibility(_) => "share seen by the public (0 to 1)",
        Target::Adjust(_) => "share of the gap closed per year",
        Target::Weight(_) => "relative weight (1: as the others)",
        Target::Inertia => "utility per unit of yearly move squared",
        Target::MaxMove => "closeness per year",
        Target::Noise => "closeness per year (standard deviation)",
        Target::OpinionWeight => "utility per unit of public affinity",
        Target::ElectionMultiplier => "multiple of the opinion weight",
        Target::OptionValue => "utility",
        Target::OptionOffset | Target::ThreatSmoothing => "closeness",
        Target::DomainWeight(_) => "weight (the four sum to 1)",
        Target::SovereigntyValue | Target::AccessionValue | Target::Promotion => {
            "utility per unit of intensity"
        }
        Target::Credibility | Target::Resolve(_) | Target::Belief(_) => "probability (0 to 1)",
        Target::Learning(_) => "weight of a new signal (0 to 1)",
        Target::Damage(_) => "share of the severity",
        Target::Lift(_) => "probability per year",
        Target::Issue(..) | Target::Kappa0 => "log-odds",
        Target::Kappa1 => "log-odds per unit of closeness",
        Target::AnchorMean(_) | Target::MembershipThreshold => "affinity (0 to 1)",
        Target::AnchorSd => "affinity (standard deviation)",
        Target::Susceptibility => "share of a pull taken per year (0 to 1)",
        Target::SusceptibilityConcentration => "concentration of a Beta distribution",
        Target::Confidence | Target::ConfidenceSpread => "distance in affinity (0 to 1)",
        Target::AnchorDrift | Target::MediaPull | Target::ExperiencePull => {
            "share of the gap per year"
        }
        Target::ProGovernmentShare => "share of citizens",
        Target::MediaProGovernment(_) | Target::MediaIndependent(_) => "image (0 to 1)",
        Target::Framing => "multiplier",
        Target::AidDecay | Target::HelpMemory => "share kept per year",
        Target::SanctionBacklash => "image change per unit of sanction",
        Target::ExperienceRate => "chance per year per unit of aid signal",
        Target::CredibilityPull => "image change per unit of credibility",
        Target::PollSharpness => "logit sharpness",
        Target::PollOutside => "utility of answering none",
        Target::AidSharpness => "exponent",
        Target::AidOutside => "remembered help",
        Target::AidIdentity => "weight of own affinity",
        Target::PollNoise => "standard deviation",
        _ => "dimensionless",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meanings_come_from_the_format_docs() {
        assert_eq!(
            meaning("powers.US.budget"),
            "Yearly budget `B_p` for the money instruments, % of the state's GDP"
        );
        assert_eq!(meaning("powers.US.mix.loans"), "Loans and FDI");
        assert_eq!(
            meaning("government.opinion_weight"),
            "Weight of public opinion `μ`"
        );
        assert!(meaning("threats.x.issue1").starts_with("Yearly logistic issue rule"));
        assert!(!meaning("rivalry.US-CN.technology").is_empty());
    }

    #[test]
    fn first_sentences_stop_outside_brackets() {
        assert_eq!(first_sentence("A (e.g. b). More."), "A (e.g. b)");
        assert_eq!(first_sentence("One\n line: more"), "One line");
    }
}
