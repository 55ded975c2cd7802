//! Tidy tables: summary, drivers, events, outcomes, per-run rows and the manifest. Pure
//! conversions from results to bytes. Numbers are printed with fixed precision so that equal
//! results give byte-identical files.

use crate::experiment::{Ensemble, FiredKey, RunOutput};
use crate::model::record::FiredKind;
use crate::model::{Domain, Params};
use crate::stats::{SeriesKey, Summary};
use serde::Serialize;

/// Decimal places of every number in the tables.
const PRECISION: usize = 6;

fn num(v: f64) -> String {
    if v.is_finite() {
        let s = format!("{v:.PRECISION$}");
        // Avoid "-0.000000".
        if s.trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            format!("{:.PRECISION$}", 0.0)
        } else {
            s
        }
    } else {
        String::new()
    }
}

/// One row of `summary.csv` / `summary.json`.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct SummaryRow {
    /// Calendar year.
    pub year: i32,
    /// Measure.
    pub measure: String,
    /// Power id (or `none`), empty when not applicable.
    pub power: String,
    /// Domain, empty for aggregates.
    pub domain: String,
    /// Mean over runs.
    pub mean: String,
    /// 5th percentile.
    pub p5: String,
    /// 25th percentile.
    pub p25: String,
    /// Median.
    pub p50: String,
    /// 75th percentile.
    pub p75: String,
    /// 95th percentile.
    pub p95: String,
}

/// Summary rows, year-major then in series order.
pub fn summary_rows(summary: &Summary, order: &[SeriesKey]) -> Vec<SummaryRow> {
    let mut rows = Vec::new();
    for (y, year) in summary.years.iter().enumerate() {
        for key in order {
            if let Some(series) = summary.series.get(key) {
                let q = series[y];
                rows.push(SummaryRow {
                    year: *year,
                    measure: key.measure.clone(),
                    power: key.power.clone(),
                    domain: key.domain.clone(),
                    mean: num(q.mean),
                    p5: num(q.p5),
                    p25: num(q.p25),
                    p50: num(q.p50),
                    p75: num(q.p75),
                    p95: num(q.p95),
                });
            }
        }
    }
    rows
}

/// Column names of a row struct, in field order (written even when there are no rows).
pub trait Header {
    /// The columns.
    const HEADER: &'static [&'static str];
}

/// Rows as CSV bytes, header from the struct's fields (no header when there are no rows:
/// prefer `table_csv` for tables that can be empty).
pub fn to_csv<T: Serialize>(rows: &[T]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)?;
    }
    Ok(w.into_inner()?)
}

/// Rows as CSV bytes, with the header even for an empty table.
pub fn table_csv<T: Serialize + Header>(rows: &[T]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(T::HEADER)?;
    for r in rows {
        w.serialize(r)?;
    }
    Ok(w.into_inner()?)
}

impl Header for SummaryRow {
    const HEADER: &'static [&'static str] = &[
        "year", "measure", "power", "domain", "mean", "p5", "p25", "p50", "p75", "p95",
    ];
}

impl Header for DriverRow {
    const HEADER: &'static [&'static str] = &["year", "power", "domain", "term", "mean"];
}

impl Header for EventRow {
    const HEADER: &'static [&'static str] = &["year", "kind", "name", "share"];
}

impl Header for OutcomeRow {
    const HEADER: &'static [&'static str] = &["outcome", "power", "share"];
}

/// Rows as pretty JSON bytes.
pub fn to_json<T: Serialize>(rows: &[T]) -> anyhow::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(rows)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// One row of `drivers.csv`: the ensemble mean of one term of the yearly move.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct DriverRow {
    /// Calendar year.
    pub year: i32,
    /// Power whose closeness moved.
    pub power: String,
    /// Domain, or empty for the domain-weighted aggregate.
    pub domain: String,
    /// The cause (see docs/model.md §5.1).
    pub term: String,
    /// Mean contribution to the year's change in closeness.
    pub mean: String,
}

/// Driver rows for every year, power, domain (and the aggregate) and term.
pub fn driver_rows(e: &Ensemble, params: &Params) -> Vec<DriverRow> {
    let d = &e.drivers;
    let mut rows = Vec::new();
    let w = params.government.domain_weights;
    for (y, year) in d.years.iter().enumerate() {
        for p in 0..d.n_powers {
            for (t, term) in d.schema.terms.iter().enumerate() {
                let name = d.schema.name(*term, params);
                let mut agg = 0.0;
                for dom in Domain::ALL {
                    let v = d.get(y, p, dom.index(), t);
                    agg += w[dom.index()] * v;
                    rows.push(DriverRow {
                        year: *year,
                        power: params.powers[p].id.clone(),
                        domain: dom.name().into(),
                        term: name.clone(),
                        mean: num(v),
                    });
                }
                rows.push(DriverRow {
                    year: *year,
                    power: params.powers[p].id.clone(),
                    domain: String::new(),
                    term: name,
                    mean: num(agg),
                });
            }
        }
    }
    rows
}

/// One row of `events.csv`.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct EventRow {
    /// Calendar year.
    pub year: i32,
    /// scripted, random, rule, threat_issued, threat_imposed, threat_lifted, election.
    pub kind: String,
    /// Name of the event, rule or threat.
    pub name: String,
    /// Share of runs in which it happened that year.
    pub share: String,
}

const KINDS: [FiredKind; 7] = [
    FiredKind::Scripted,
    FiredKind::Random,
    FiredKind::Rule,
    FiredKind::ThreatIssued,
    FiredKind::ThreatImposed,
    FiredKind::ThreatLifted,
    FiredKind::Election,
];

/// Name of a fired item.
pub fn fired_name(key: FiredKey, params: &Params) -> (String, String) {
    let kind = KINDS
        .iter()
        .find(|k| **k as u8 == key.kind)
        .copied()
        .unwrap_or(FiredKind::Scripted);
    let name = match kind {
        FiredKind::Scripted => params.events.get(key.index).map(|e| e.name.clone()),
        FiredKind::Random => params.random_events.get(key.index).map(|e| e.name.clone()),
        FiredKind::Rule => params.rules.get(key.index).map(|e| e.name.clone()),
        FiredKind::ThreatIssued | FiredKind::ThreatImposed | FiredKind::ThreatLifted => {
            params.threats.get(key.index).map(|t| t.id.clone())
        }
        FiredKind::Election => Some(if key.index == 1 { "snap" } else { "regular" }.into()),
    };
    (kind.name().to_string(), name.unwrap_or_default())
}

/// Event-log rows in year order.
pub fn event_rows(e: &Ensemble, params: &Params) -> Vec<EventRow> {
    e.events
        .iter()
        .map(|((y, key), count)| {
            let (kind, name) = fired_name(*key, params);
            EventRow {
                year: e.summary.years[*y],
                kind,
                name,
                share: num(*count as f64 / e.runs.max(1) as f64),
            }
        })
        .collect()
}

/// One row of `outcomes.csv`: how runs ended.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct OutcomeRow {
    /// `collapsed_toward` a power, or `still_hedging`.
    pub outcome: String,
    /// The power, empty for still hedging.
    pub power: String,
    /// Share of runs.
    pub share: String,
}

/// Outcome rows: share of runs whose hedge collapsed toward each power, and still hedging.
pub fn outcome_rows(e: &Ensemble, params: &Params) -> Vec<OutcomeRow> {
    let total = e.runs.max(1) as f64;
    let mut rows: Vec<OutcomeRow> = params
        .powers
        .iter()
        .zip(&e.camps)
        .map(|(p, c)| OutcomeRow {
            outcome: "collapsed_toward".into(),
            power: p.id.clone(),
            share: num(*c as f64 / total),
        })
        .collect();
    let collapsed: usize = e.camps.iter().sum();
    rows.push(OutcomeRow {
        outcome: "still_hedging".into(),
        power: String::new(),
        share: num((e.runs - collapsed) as f64 / total),
    });
    rows
}

/// Header of `runs.csv`: leading columns, then one column per measure.
pub fn runs_header(keys: &[SeriesKey]) -> Vec<String> {
    let mut h: Vec<String> = ["case", "replicate", "seed", "year"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for k in keys {
        let mut name = k.measure.clone();
        if !k.power.is_empty() {
            name.push('.');
            name.push_str(&k.power);
        }
        if !k.domain.is_empty() {
            name.push('.');
            name.push_str(&k.domain);
        }
        h.push(name);
    }
    h
}

/// Writes one run's rows of `runs.csv`.
pub fn write_run_rows<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    out: &RunOutput,
    years: &[i32],
    n_keys: usize,
) -> anyhow::Result<()> {
    for (y, year) in years.iter().enumerate() {
        let mut rec = vec![
            out.spec.case.to_string(),
            out.spec.replicate.to_string(),
            out.spec.seed.to_string(),
            year.to_string(),
        ];
        rec.extend(
            out.values[y * n_keys..(y + 1) * n_keys]
                .iter()
                .map(|v| num(*v)),
        );
        w.write_record(&rec)?;
    }
    Ok(())
}

/// A row of `failures.csv`: a run left out because it produced a non-finite value.
#[derive(Serialize)]
pub struct FailureRow {
    /// Case of the plan.
    pub case: u64,
    /// Replicate.
    pub replicate: u64,
    /// The run's seed (reproduce it alone with `--runs` and `--seed`: see the README).
    pub seed: u64,
    /// First year with a non-finite value.
    pub year: i32,
    /// The phase of docs/model.md §3 whose outputs first held it.
    pub phase: &'static str,
    /// The first non-finite series.
    pub series: String,
}

impl Header for FailureRow {
    const HEADER: &'static [&'static str] =
        &["case", "replicate", "seed", "year", "phase", "series"];
}

/// The rows of `failures.csv`.
pub fn failure_rows(e: &Ensemble) -> Vec<FailureRow> {
    e.failures
        .iter()
        .map(|f| FailureRow {
            case: f.case,
            replicate: f.replicate,
            seed: f.seed,
            year: f.year,
            phase: f.phase_name(),
            series: f.series.clone(),
        })
        .collect()
}

/// Where an effect is written in the scenario: `events.x`, `random_events.x` or `rules.x`.
fn source_name(key: FiredKey, params: &Params) -> String {
    let (kind, name) = fired_name(key, params);
    let section = match kind.as_str() {
        "random" => "random_events",
        "rule" => "rules",
        _ => "events",
    };
    format!("{section}.{name}")
}

/// One row of `diagnostics.csv`: in one year, the runs in which an effect of an event or rule
/// broke an invariant of the file, and the values it asked for.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct DiagnosticRow {
    /// Calendar year.
    pub year: i32,
    /// The event or rule: `events.x`, `random_events.x`, `rules.x`.
    pub source: String,
    /// `range` (a value outside its range), `shares` (a power's budget shares above 1) or
    /// `weights` (domain weights not summing to 1).
    pub invariant: String,
    /// The parameter, or the values summed.
    pub path: String,
    /// What the file allows.
    pub allowed: String,
    /// Runs in which it happened that year.
    pub runs: usize,
    /// Their share of all runs.
    pub share: String,
    /// Smallest value asked for (the parameter before clamping, or the sum).
    pub min: String,
    /// Largest value asked for.
    pub max: String,
    /// What the run did about it.
    pub consequence: String,
}

impl Header for DiagnosticRow {
    const HEADER: &'static [&'static str] = &[
        "year",
        "source",
        "invariant",
        "path",
        "allowed",
        "runs",
        "share",
        "min",
        "max",
        "consequence",
    ];
}

/// Diagnostic rows in year order.
pub fn diagnostic_rows(e: &Ensemble, params: &Params) -> Vec<DiagnosticRow> {
    e.breaches
        .by_year
        .iter()
        .map(|((y, key), c)| DiagnosticRow {
            year: e.summary.years[*y],
            source: source_name(key.source, params),
            invariant: key.invariant.clone(),
            path: key.path.clone(),
            allowed: key.allowed.clone(),
            runs: c.runs,
            share: num(c.runs as f64 / e.runs.max(1) as f64),
            min: num(c.min),
            max: num(c.max),
            consequence: key.consequence().to_string(),
        })
        .collect()
}

/// One effect that broke an invariant, over all years (the manifest's `diagnostics`).
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct DiagnosticSource {
    /// The event or rule.
    pub source: String,
    /// `range`, `shares` or `weights`.
    pub invariant: String,
    /// The parameter, or the values summed.
    pub path: String,
    /// What the file allows.
    pub allowed: String,
    /// Runs in which it happened in some year.
    pub runs: usize,
    /// First and last year in which it happened.
    pub years: [i32; 2],
    /// Smallest value asked for.
    pub min: f64,
    /// Largest value asked for.
    pub max: f64,
    /// What the run did about it.
    pub consequence: String,
}

/// Each effect that broke an invariant, most runs first (then in source order).
pub fn diagnostic_sources(e: &Ensemble, params: &Params) -> Vec<DiagnosticSource> {
    let mut out: Vec<DiagnosticSource> = e
        .breaches
        .by_source
        .iter()
        .map(|(key, c)| {
            let years = e.breaches.years_of(key);
            let year = |y: Option<&usize>| y.map_or(0, |y| e.summary.years[*y]);
            DiagnosticSource {
                source: source_name(key.source, params),
                invariant: key.invariant.clone(),
                path: key.path.clone(),
                allowed: key.allowed.clone(),
                runs: c.runs,
                years: [year(years.first()), year(years.last())],
                min: c.min,
                max: c.max,
                consequence: key.consequence().to_string(),
            }
        })
        .collect();
    out.sort_by(|a, b| b.runs.cmp(&a.runs).then(a.years[0].cmp(&b.years[0])));
    out
}
