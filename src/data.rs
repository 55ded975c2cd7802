//! Observed series of Serbia's relations with the EU, the US, Russia and China
//! (`data/observed/`, described in its README): typed rows of each file, and the yearly target
//! series that calibration and backtests hold the model against.
//!
//! Missing values stay missing (`Option<f64>`): a source that gave only words ("about two
//! thirds") has an empty value and the words in `note`, and no series invents a number for
//! it. Poll series are built within one pollster and one question only (README: wording and
//! pollster differ), and several waves of one pollster in one calendar year become their mean,
//! since the model is yearly. Depends on csv and serde, and on `stats::SeriesKey` for the name
//! of the simulated series each target is compared with; knows nothing of the model itself.

use crate::stats::SeriesKey;
use anyhow::Context;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Where the observed series live, relative to the working directory (like `output/`).
pub const DEFAULT_DIR: &str = "data/observed";

/// A row of `cfsp_alignment.csv`: Serbia's alignment rate with EU foreign-policy declarations.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct AlignmentRow {
    /// Calendar year; empty for statements that pin no year.
    pub year: Option<i32>,
    /// Alignment rate, percent.
    pub alignment_pct: Option<f64>,
    /// Which count: `ISAC_calendar_year`, `ISAC_half_year`, `EC_annual_report`, statements.
    pub series: String,
    /// Period covered, as the source gives it.
    pub period: String,
    /// Declarations joined, where the source counts them.
    pub n_aligned: Option<u32>,
    /// Declarations in the period, where the source counts them.
    pub n_total: Option<u32>,
    /// Where the figure comes from.
    pub source: String,
    /// Caveats.
    pub note: String,
}

/// A row of `polls.csv`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PollRow {
    /// Calendar year of the fieldwork.
    pub year: Option<i32>,
    /// Fieldwork period as the source gives it.
    pub fieldwork: String,
    /// Pollster as the source names it (see `canonical_pollster`).
    pub pollster: String,
    /// The question, or the answer reported.
    pub question: String,
    /// The country the answer is about (`EU`, `Russia`, `China`, …).
    pub country: String,
    /// Share of respondents, percent; empty where the source gave only words.
    pub value_pct: Option<f64>,
    /// Where the figure comes from.
    pub source: String,
    /// Caveats.
    pub note: String,
}

/// A row of `economy.csv`: trade, FDI, loans and EU funds (point observations).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct EconomyRow {
    /// Year the observation refers to (the end of a cumulative period).
    pub year: Option<i32>,
    /// Period covered.
    pub period: String,
    /// What is measured (`share_of_total_goods_trade`, `bilateral_goods_trade`, …).
    pub indicator: String,
    /// The partner.
    pub partner: String,
    /// The value in `unit`; empty where the source gave only words.
    pub value: Option<f64>,
    /// Unit (`pct`, `EUR bn`, `USD bn`).
    pub unit: String,
    /// Where the figure comes from.
    pub source: String,
    /// Caveats.
    pub note: String,
}

/// A row of `security.csv`: arms imports, donations, exercises.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SecurityRow {
    /// Year the observation refers to.
    pub year: Option<i32>,
    /// Period covered.
    pub period: String,
    /// What is measured.
    pub indicator: String,
    /// The other country.
    pub counterpart: String,
    /// The value in `unit`.
    pub value: Option<f64>,
    /// Unit.
    pub unit: String,
    /// Where the figure comes from.
    pub source: String,
    /// Caveats.
    pub note: String,
}

/// A row of `events.csv`: the dated timeline the historical scenario scripts.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct EventRow {
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub date: String,
    /// Who acted.
    pub actor: String,
    /// Kind of event (`Kosovo`, `China`, `sanctions`, …).
    pub kind: String,
    /// What happened.
    pub description: String,
    /// Where it is documented.
    pub source: String,
    /// Caveats.
    pub note: String,
}

impl EventRow {
    /// The year of the event, if the date starts with one.
    pub fn year(&self) -> Option<i32> {
        self.date.get(..4).and_then(|y| y.parse().ok())
    }
}

/// A row of `unga_vote_agreement.csv`: Serbia's UN General Assembly vote agreement with a
/// partner (Lijphart index).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct VoteAgreementRow {
    /// Calendar year of the votes.
    pub year: Option<i32>,
    /// The partner (`China`, `France`, `Germany`, `Russia`, `United States`).
    pub partner: String,
    /// Agreement, percent.
    pub agreement_pct: Option<f64>,
    /// Votes both cast.
    pub n_joint_votes: Option<u32>,
    /// Where the figure comes from.
    pub source: String,
    /// How it was computed.
    pub note: String,
}

/// Every observed file the project uses.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ObservedData {
    /// `cfsp_alignment.csv`.
    pub alignment: Vec<AlignmentRow>,
    /// `polls.csv`.
    pub polls: Vec<PollRow>,
    /// `economy.csv`.
    pub economy: Vec<EconomyRow>,
    /// `security.csv`.
    pub security: Vec<SecurityRow>,
    /// `events.csv`.
    pub events: Vec<EventRow>,
    /// `unga_vote_agreement.csv`.
    pub vote_agreement: Vec<VoteAgreementRow>,
}

/// Reads one CSV file into typed rows; errors name the file and the record.
fn read_csv<T: serde::de::DeserializeOwned>(dir: &Path, name: &str) -> anyhow::Result<Vec<T>> {
    let path = dir.join(name);
    let bytes = crate::limits::read(&path, crate::limits::DATA_BYTES).map_err(|e| {
        crate::usage::usage(format!(
            "cannot read observed series {}: {}",
            path.display(),
            crate::scenario::io_text(&e)
        ))
    })?;
    let mut reader = csv::Reader::from_reader(&bytes[..]);
    reader
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .with_context(|| format!("reading observed series {}", path.display()))
}

impl ObservedData {
    /// Reads every file of the folder (`data/observed` in this project).
    pub fn load(dir: &Path) -> anyhow::Result<ObservedData> {
        Ok(ObservedData {
            alignment: read_csv(dir, "cfsp_alignment.csv")?,
            polls: read_csv(dir, "polls.csv")?,
            economy: read_csv(dir, "economy.csv")?,
            security: read_csv(dir, "security.csv")?,
            events: read_csv(dir, "events.csv")?,
            vote_agreement: read_csv(dir, "unga_vote_agreement.csv")?,
        })
    }

    /// Every yearly target series the files support, sorted by name.
    pub fn targets(&self) -> Vec<TargetSeries> {
        let mut out = Vec::new();
        for a in ALIGNMENT_SERIES {
            let rows: Vec<&AlignmentRow> = self
                .alignment
                .iter()
                .filter(|r| r.series == a.series)
                .collect();
            let points = yearly_means(
                rows.iter()
                    .filter_map(|r| Some((r.year?, r.alignment_pct? / 100.0))),
            );
            if points.is_empty() {
                continue;
            }
            out.push(TargetSeries {
                name: a.name.to_string(),
                key: SeriesKey::new("alignment", "", ""),
                label: a.label.to_string(),
                pollster: a.who.to_string(),
                question: a.series.to_string(),
                points,
                sources: distinct(rows.iter().map(|r| r.source.as_str())),
            });
        }
        // Statements without a pinned year: each placed in the last year it speaks of
        // (`statement_year`), so "near full before 2014" becomes a point in 2013.
        let statements: Vec<&AlignmentRow> = self
            .alignment
            .iter()
            .filter(|r| r.year.is_none() && r.series.ends_with("_statement"))
            .collect();
        let points = yearly_means(
            statements
                .iter()
                .filter_map(|r| Some((statement_year(&r.period)?, r.alignment_pct? / 100.0))),
        );
        if !points.is_empty() {
            out.push(TargetSeries {
                name: "statements_alignment".to_string(),
                key: SeriesKey::new("alignment", "", ""),
                label: "Alignment before 2014 (official and expert statements)".to_string(),
                pollster: "statements".to_string(),
                question: statements
                    .iter()
                    .map(|r| format!("{}: {}", r.series, r.period))
                    .collect::<Vec<_>>()
                    .join(" / "),
                points,
                sources: distinct(statements.iter().map(|r| r.source.as_str())),
            });
        }
        for f in POLL_FAMILIES {
            // Group the family's rows by the power they are about.
            let mut by_power: BTreeMap<&str, Vec<&PollRow>> = BTreeMap::new();
            for r in &self.polls {
                if canonical_pollster(&r.pollster) != f.pollster {
                    continue;
                }
                let q = r.question.to_lowercase();
                if !f.phrases.iter().any(|p| q.contains(p)) {
                    continue;
                }
                let power = if f.per_power {
                    match power_of(&r.country) {
                        Some(p) => p,
                        None => continue,
                    }
                } else {
                    ""
                };
                by_power.entry(power).or_default().push(r);
            }
            for (power, rows) in by_power {
                let points = yearly_means(
                    rows.iter()
                        .filter_map(|r| Some((r.year?, r.value_pct? / 100.0))),
                );
                if points.is_empty() {
                    continue;
                }
                let name = if power.is_empty() {
                    f.name.to_string()
                } else {
                    format!("{}.{power}", f.name)
                };
                let label = if power.is_empty() {
                    f.label.to_string()
                } else {
                    format!("{}: {power}", f.label)
                };
                out.push(TargetSeries {
                    name,
                    key: SeriesKey::new(f.measure, power, ""),
                    label,
                    pollster: f.pollster.to_string(),
                    question: distinct(rows.iter().map(|r| r.question.as_str())).join(" / "),
                    points,
                    sources: distinct(rows.iter().map(|r| r.source.as_str())),
                });
            }
        }
        out.extend(self.vote_agreement_targets());
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// Serbia's UN General Assembly vote agreement with each power, read as closeness in
    /// diplomacy (`unga_agreement.<power>`): the unit the 2008 diplomatic closeness of
    /// `scenarios/historical.toml` is set in. The EU is the mean of France and Germany, as
    /// there; a year counts only when every partner a power needs has a value.
    fn vote_agreement_targets(&self) -> Vec<TargetSeries> {
        let partners: [(&str, &[&str]); 4] = [
            ("EU", &["France", "Germany"]),
            ("US", &["United States"]),
            ("RU", &["Russia"]),
            ("CN", &["China"]),
        ];
        let mut out = Vec::new();
        for (power, names) in partners {
            let rows: Vec<&VoteAgreementRow> = self
                .vote_agreement
                .iter()
                .filter(|r| names.contains(&r.partner.trim()))
                .collect();
            let mut by_year: BTreeMap<i32, Vec<f64>> = BTreeMap::new();
            for r in &rows {
                if let (Some(y), Some(v)) = (r.year, r.agreement_pct) {
                    if v.is_finite() {
                        by_year.entry(y).or_default().push(v / 100.0);
                    }
                }
            }
            let points: Vec<Point> = by_year
                .into_iter()
                .filter(|(_, v)| v.len() == names.len())
                .map(|(year, v)| Point {
                    year,
                    value: v.iter().sum::<f64>() / v.len() as f64,
                })
                .collect();
            if points.is_empty() {
                continue;
            }
            out.push(TargetSeries {
                name: format!("unga_agreement.{power}"),
                key: SeriesKey::new("closeness", power, "diplomacy"),
                label: format!("UN vote agreement with {power} (closeness in diplomacy)"),
                pollster: "UN General Assembly roll calls (Voeten)".to_string(),
                question: format!(
                    "Lijphart index of Serbia's votes with {}",
                    names.join(" and ")
                ),
                points,
                sources: distinct(rows.iter().map(|r| r.source.as_str())),
            });
        }
        out
    }

    /// The target series of that name, if the files support it.
    pub fn target(&self, name: &str) -> Option<TargetSeries> {
        self.targets().into_iter().find(|t| t.name == name)
    }
}

/// A value of a target series in one year.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Calendar year.
    pub year: i32,
    /// Value, in the unit of the simulated series (a share in 0..1 for every series here).
    pub value: f64,
}

/// One observed yearly series and the simulated series it is compared with.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetSeries {
    /// Name used in `[calibration.targets]`, e.g. `isac_alignment`, `bcsp_greatest_friend.RU`.
    pub name: String,
    /// The simulated series (`experiment::measures` names).
    pub key: SeriesKey,
    /// Text for plots and tables.
    pub label: String,
    /// Who measured it (canonical pollster, or the counting body).
    pub pollster: String,
    /// The question (or alignment count) as the sources word it.
    pub question: String,
    /// Yearly values, sorted by year, one per year.
    pub points: Vec<Point>,
    /// The sources of the rows used.
    pub sources: Vec<String>,
}

/// An alignment count that makes a yearly series.
struct AlignmentSeries {
    name: &'static str,
    series: &'static str,
    who: &'static str,
    label: &'static str,
}

/// Only counts by calendar year (or a yearly report) make yearly series; half-years and
/// statements without a year do not (README "Definitions that matter").
const ALIGNMENT_SERIES: &[AlignmentSeries] = &[
    AlignmentSeries {
        name: "isac_alignment",
        series: "ISAC_calendar_year",
        who: "ISAC",
        label: "Alignment with EU foreign-policy declarations (ISAC, calendar year)",
    },
    AlignmentSeries {
        name: "ec_alignment",
        series: "EC_annual_report",
        who: "European Commission",
        label: "Alignment with EU foreign-policy declarations (Commission report period)",
    },
];

/// One question of one pollster, read as one simulated poll.
struct PollFamily {
    /// Series name (a power id is appended for per-power questions).
    name: &'static str,
    /// Canonical pollster (`canonical_pollster`).
    pollster: &'static str,
    /// Simulated measure.
    measure: &'static str,
    /// Whether the rows are answers about several powers (`country` column).
    per_power: bool,
    /// Lower-case phrases of which the question contains at least one.
    phrases: &'static [&'static str],
    /// Text for plots.
    label: &'static str,
}

/// The poll questions that have a simulated counterpart (docs/model.md §6): "would vote for
/// membership" → `membership_support`; "greatest friend" → `poll_friend`; "largest donor",
/// "most help" → `poll_helped`; "positive influence" → `poll_positive`. Each family is one
/// pollster's question; two phrasings of one answer in one survey (BCSP 2020: "China provided
/// most assistance", "EU as largest donor") are one family.
const POLL_FAMILIES: &[PollFamily] = &[
    PollFamily {
        name: "mei_referendum_yes",
        pollster: "MEI",
        measure: "membership_support",
        per_power: false,
        phrases: &["would vote yes in referendum on eu membership"],
        label: "Would vote YES in an EU referendum (Ministry of European Integration)",
    },
    PollFamily {
        name: "eudel_membership",
        pollster: "EU Delegation to Serbia",
        measure: "membership_support",
        per_power: false,
        phrases: &["in favour of eu membership"],
        label: "In favour of EU membership (EU Delegation poll)",
    },
    PollFamily {
        name: "mei_largest_donor",
        pollster: "MEI",
        measure: "poll_helped",
        per_power: true,
        phrases: &["largest grant donor"],
        label: "Named largest grant donor since 2000 (Ministry of European Integration)",
    },
    PollFamily {
        name: "eudel_largest_donor",
        pollster: "EU Delegation to Serbia",
        measure: "poll_helped",
        per_power: true,
        phrases: &["largest donor"],
        label: "Thought to be Serbia's largest donor (EU Delegation poll)",
    },
    PollFamily {
        name: "bcsp_pandemic_help",
        pollster: "BCSP",
        measure: "poll_helped",
        per_power: true,
        phrases: &[
            "most assistance in fight against pandemic",
            "largest (pandemic) donor",
        ],
        label: "Helped most in the pandemic (BCSP)",
    },
    PollFamily {
        name: "cesid_pandemic_donor",
        pollster: "CeSID",
        measure: "poll_helped",
        per_power: true,
        phrases: &["most donations to serbia during the pandemic"],
        label: "Donated most in the pandemic (CeSID)",
    },
    PollFamily {
        name: "demostat_best_friend",
        pollster: "Demostat",
        measure: "poll_friend",
        per_power: true,
        phrases: &["best friend"],
        label: "Serbia's best friend (Demostat)",
    },
    PollFamily {
        name: "bcsp_greatest_friend",
        pollster: "BCSP",
        measure: "poll_friend",
        per_power: true,
        phrases: &["greatest friend"],
        label: "Serbia's greatest friend (BCSP)",
    },
    PollFamily {
        name: "bcsp_positive_influence",
        pollster: "BCSP",
        measure: "poll_positive",
        per_power: true,
        phrases: &["influence in serbia is positive"],
        label: "Influence in Serbia is positive (BCSP)",
    },
    PollFamily {
        name: "cipe_positive_attitude",
        pollster: "CIPE",
        measure: "poll_positive",
        per_power: true,
        phrases: &["positive attitude towards"],
        label: "Positive attitude (CIPE)",
    },
    PollFamily {
        name: "cesid_positive_impact",
        pollster: "CeSID",
        measure: "poll_positive",
        per_power: true,
        phrases: &["has a positive impact on serbia"],
        label: "Has a positive impact on Serbia (CeSID)",
    },
];

/// The year a statement without a pinned year speaks of, from its `period` text: the last
/// year it names ("2012 or 2013" → 2013), or the year before one it is "before"
/// ("years before 2014" → 2013). `None` when the text names no year.
pub fn statement_year(period: &str) -> Option<i32> {
    let bytes = period.as_bytes();
    let mut last: Option<(usize, i32)> = None;
    for i in 0..bytes.len().saturating_sub(3) {
        // Bytes, not string slices: the text may hold non-ASCII letters.
        let word = &bytes[i..i + 4];
        let boundary = (i == 0 || !bytes[i - 1].is_ascii_digit())
            && bytes.get(i + 4).is_none_or(|b| !b.is_ascii_digit());
        if boundary && word.iter().all(u8::is_ascii_digit) {
            last = std::str::from_utf8(word)
                .ok()
                .and_then(|w| w.parse().ok())
                .map(|y| (i, y));
        }
    }
    let (at, year) = last?;
    let before = period[..at].trim_end().ends_with("before");
    Some(if before { year - 1 } else { year })
}

/// One name per pollster however the sources spell it: the abbreviation in parentheses when
/// there is one (`Belgrade Centre for Security Policy (BCSP)` → `BCSP`), otherwise the name
/// before any parenthesis (`CeSID (Center for Free Elections …)` → `CeSID`). The Serbian
/// European Integration Office (SEIO) became the Ministry of European Integration and kept
/// running the same referendum question, so `SEIO` is `MEI`.
pub fn canonical_pollster(name: &str) -> String {
    let name = name.trim();
    let (head, inner) = match name.split_once('(') {
        Some((head, rest)) => (head.trim(), rest.split(')').next().unwrap_or("")),
        None => (name, ""),
    };
    let abbrev = inner.split(';').next().unwrap_or("").trim();
    let is_abbrev = !abbrev.is_empty()
        && !abbrev.contains(' ')
        && abbrev.chars().all(|c| c.is_ascii_uppercase());
    let canonical = if is_abbrev { abbrev } else { head };
    match canonical {
        "SEIO" => "MEI".to_string(),
        other => other.to_string(),
    }
}

/// The model's power id for a country named in the data, if it is one of the four.
pub fn power_of(country: &str) -> Option<&'static str> {
    match country.trim() {
        "EU" | "European Union" => Some("EU"),
        "United States" | "US" | "USA" => Some("US"),
        "Russia" => Some("RU"),
        "China" => Some("CN"),
        _ => None,
    }
}

/// One point per year: the mean of the values observed in that year, sorted by year.
pub fn yearly_means(values: impl Iterator<Item = (i32, f64)>) -> Vec<Point> {
    let mut by_year: BTreeMap<i32, (f64, usize)> = BTreeMap::new();
    for (year, value) in values {
        if value.is_finite() {
            let e = by_year.entry(year).or_insert((0.0, 0));
            e.0 += value;
            e.1 += 1;
        }
    }
    by_year
        .into_iter()
        .map(|(year, (sum, n))| Point {
            year,
            value: sum / n as f64,
        })
        .collect()
}

fn distinct<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in items {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed() -> ObservedData {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_DIR);
        ObservedData::load(&dir).expect("the shipped observed files load")
    }

    fn values(t: &TargetSeries) -> Vec<(i32, f64)> {
        t.points.iter().map(|p| (p.year, p.value)).collect()
    }

    fn same(a: &[(i32, f64)], b: &[(i32, f64)]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.0 == y.0 && (x.1 - y.1).abs() < 1e-12)
    }

    #[test]
    fn every_file_loads_with_its_rows() {
        let d = observed();
        assert_eq!(d.alignment.len(), 11);
        assert_eq!(d.polls.len(), 52);
        assert_eq!(d.economy.len(), 39);
        assert_eq!(d.security.len(), 19);
        assert_eq!(d.events.len(), 61);
        assert_eq!(d.vote_agreement.len(), 70);
        assert!(d.polls.iter().all(|r| !r.source.is_empty()));
    }

    #[test]
    fn missing_values_stay_missing() {
        let d = observed();
        // "about 2/3 of total Serbian exchange in goods": words, no number.
        let eu_2015 = d
            .economy
            .iter()
            .find(|r| r.year == Some(2015) && r.partner == "EU")
            .unwrap();
        assert_eq!(eu_2015.value, None);
        assert!(eu_2015.note.contains("2/3"));
        // Statements that pin no year keep their value and no year.
        let statement = d
            .alignment
            .iter()
            .find(|r| r.series == "official_statement")
            .unwrap();
        assert_eq!(
            (statement.year, statement.alignment_pct),
            (None, Some(97.0))
        );
        let blank = d.polls.iter().filter(|r| r.value_pct.is_none()).count();
        assert_eq!(blank, 5);
    }

    #[test]
    fn alignment_uses_the_isac_calendar_year_only() {
        let t = observed().target("isac_alignment").unwrap();
        let want = [
            (2015, 0.65),
            (2018, 0.52),
            (2019, 0.57),
            (2020, 0.56),
            (2021, 0.62),
        ];
        assert!(same(&values(&t), &want), "{:?}", t.points);
        assert_eq!(t.key, SeriesKey::new("alignment", "", ""));
        let ec = observed().target("ec_alignment").unwrap();
        assert!(same(
            &values(&ec),
            &[(2021, 0.64), (2022, 0.45), (2025, 0.61)]
        ));
    }

    #[test]
    fn statements_become_one_point_in_the_year_they_speak_of() {
        assert_eq!(statement_year("2012 or 2013"), Some(2013));
        assert_eq!(
            statement_year("years before 2014 (unspecified)"),
            Some(2013)
        );
        assert_eq!(statement_year("unspecified"), None);
        assert_eq!(statement_year("Dačić, 2015"), Some(2015));
        assert_eq!(statement_year("2015-01-01/2015-12-31"), Some(2015));
        let t = observed().target("statements_alignment").unwrap();
        // "90% in 2012 or 2013" and "as much as 97%" before 2014: their mean in 2013.
        assert!(same(&values(&t), &[(2013, 0.935)]), "{:?}", t.points);
    }

    #[test]
    fn the_referendum_series_joins_seio_and_the_ministry_and_averages_waves() {
        let t = observed().target("mei_referendum_yes").unwrap();
        let want = [
            (2013, 0.51),
            (2016, 0.47),
            (2017, 0.505),
            (2018, 0.55),
            (2019, 0.53),
        ];
        assert!(same(&values(&t), &want), "{:?}", t.points);
        assert_eq!(t.key, SeriesKey::new("membership_support", "", ""));
        // The NO answers are another question.
        assert!(!t.question.contains("NO"));
    }

    #[test]
    fn friend_questions_stay_within_one_pollster() {
        let d = observed();
        let bcsp = d.target("bcsp_greatest_friend.RU").unwrap();
        assert!(same(&values(&bcsp), &[(2020, 0.40)]));
        assert_eq!(bcsp.key, SeriesKey::new("poll_friend", "RU", ""));
        let demostat = d.target("demostat_best_friend.CN").unwrap();
        assert!(same(&values(&demostat), &[(2017, 0.06)]));
        assert!(same(
            &values(&d.target("bcsp_greatest_friend.CN").unwrap()),
            &[(2020, 0.16)]
        ));
        // BCSP's 2011 ranking has no numbers, so it adds no point.
        assert_eq!(bcsp.points.len(), 1);
    }

    #[test]
    fn donor_questions_give_poll_helped_per_power() {
        let d = observed();
        let eu = d.target("mei_largest_donor.EU").unwrap();
        assert!(same(&values(&eu), &[(2017, 0.24), (2018, 0.245)]));
        let cn = d.target("mei_largest_donor.CN").unwrap();
        assert!(same(&values(&cn), &[(2018, 0.18)]));
        assert_eq!(cn.key, SeriesKey::new("poll_helped", "CN", ""));
        // Japan is not a modelled power.
        assert!(d.targets().iter().all(|t| !t.name.ends_with(".Japan")));
        let pandemic = d.target("bcsp_pandemic_help.EU").unwrap();
        assert!(same(&values(&pandemic), &[(2020, 0.03)]));
        let russia_2014 = d.target("eudel_largest_donor.RU").unwrap();
        assert!(same(&values(&russia_2014), &[(2014, 0.16)]));
    }

    #[test]
    fn un_vote_agreement_becomes_closeness_in_diplomacy() {
        let eu = observed().target("unga_agreement.EU").unwrap();
        assert_eq!(eu.key, SeriesKey::new("closeness", "EU", "diplomacy"));
        // 2008: France 82.3, Germany 89.6 (the 2008 diplomacy of historical.toml, 0.86).
        let p2008 = eu.points.iter().find(|p| p.year == 2008).unwrap();
        assert!((p2008.value - 0.8595).abs() < 1e-9, "{}", p2008.value);
        let us = observed().target("unga_agreement.US").unwrap();
        assert!(same(&values(&us)[..2], &[(2006, 0.473), (2007, 0.400)]));
        for p in ["RU", "CN"] {
            let t = observed().target(&format!("unga_agreement.{p}")).unwrap();
            assert_eq!(t.points.len(), 14, "{p}: 2006-2019");
        }
    }

    #[test]
    fn pollster_names_are_canonical() {
        let cases = [
            (
                "Serbian European Integration Office (SEIO; later Ministry of European Integration)",
                "MEI",
            ),
            ("SEIO", "MEI"),
            ("Ministry of European Integration (MEI)", "MEI"),
            ("Belgrade Centre for Security Policy (BCSP)", "BCSP"),
            ("CeSID (Center for Free Elections and Democracy)", "CeSID"),
            (
                "EU Delegation to Serbia (semi-annual poll)",
                "EU Delegation to Serbia",
            ),
            ("EU Delegation to Serbia", "EU Delegation to Serbia"),
            ("ISAC Fund (Vulnerability Index Serbia)", "ISAC Fund"),
        ];
        for (raw, want) in cases {
            assert_eq!(canonical_pollster(raw), want, "{raw}");
        }
    }

    #[test]
    fn event_years_parse_from_any_date_form() {
        let d = observed();
        assert!(d.events.iter().all(|e| e.year().is_some()));
        assert_eq!(d.events[0].year(), Some(2008));
    }
}
