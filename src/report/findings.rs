//! The report's "Findings": plain sentences read off an ensemble's summary, each linked to the
//! figure that shows it. Only what the tables say: the year a median crosses a level (with the
//! years the edges of the 90% band do), the share of runs whose hedge collapsed and toward whom,
//! threats issued and imposed with their share of runs, the largest causes of the biggest move,
//! and, against another scenario run on the same seeds, the differences. Pure: results in,
//! sentences out.

use super::moves::{driver_bars, movers};
use crate::experiment::Ensemble;
use crate::model::Params;
use crate::model::record::FiredKind;
use crate::stats::{Quantiles, Summary};
use std::fmt::Write as _;

/// Levels of closeness whose crossing by a median is a finding.
pub const LEVELS: [f64; 3] = [0.25, 0.5, 0.75];

/// Differences of final-year medians smaller than this are "about the same".
pub const SAME: f64 = 0.005;

/// One sentence and the figure (element id in the report) that shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The sentence, plain text.
    pub text: String,
    /// Id of the figure or section it links to (`fig-closeness`).
    pub figure: String,
}

/// Another scenario run on the same plan, to say what differs (`--against`).
pub struct Against<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its parameters.
    pub params: &'a Params,
    /// Its ensemble.
    pub ensemble: &'a Ensemble,
}

/// Which way a series went through a level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From below to at or above.
    Up,
    /// From at or above to below.
    Down,
}

/// The first year index `t >= 1` in which `v` is on the other side of `level` than in year
/// `t - 1`: at or above after below (`Up`), or below after at or above (`Down`).
pub fn first_crossing(v: &[f64], level: f64) -> Option<(usize, Direction)> {
    (1..v.len()).find_map(|t| match (v[t - 1] >= level, v[t] >= level) {
        (false, true) => Some((t, Direction::Up)),
        (true, false) => Some((t, Direction::Down)),
        _ => None,
    })
}

/// The first year index at which `v` is on the `dir` side of `level` (at or above for `Up`,
/// below for `Down`).
pub fn first_past(v: &[f64], level: f64, dir: Direction) -> Option<usize> {
    v.iter().position(|x| match dir {
        Direction::Up => *x >= level,
        Direction::Down => *x < level,
    })
}

fn pct(v: f64) -> String {
    format!("{:.0}%", 100.0 * v)
}

fn year_or_never(years: &[i32], t: Option<usize>) -> String {
    match t {
        Some(0) => format!("already in {}", years[0]),
        Some(t) => format!("in {}", years[t]),
        None => format!("not by {}", years[years.len() - 1]),
    }
}

/// The crossing sentence of one series, if its median crosses `level`.
fn crossing(years: &[i32], q: &[Quantiles], subject: &str, level: f64) -> Option<String> {
    let p50: Vec<f64> = q.iter().map(|x| x.p50).collect();
    let (t, dir) = first_crossing(&p50, level)?;
    let p5: Vec<f64> = q.iter().map(|x| x.p5).collect();
    let p95: Vec<f64> = q.iter().map(|x| x.p95).collect();
    // The edge that gets there first, and the one that gets there last.
    let (lead, lead_name, lag, lag_name) = match dir {
        Direction::Up => (&p95, "upper", &p5, "lower"),
        Direction::Down => (&p5, "lower", &p95, "upper"),
    };
    let verb = match dir {
        Direction::Up => "rises to",
        Direction::Down => "falls below",
    };
    Some(format!(
        "{subject} {verb} {level} in {} (median {:.3}; {:.3} in {}); the {lead_name} edge of \
         the 90% band gets there {}, its {lag_name} edge {}.",
        years[t],
        p50[t],
        p50[t - 1],
        years[t - 1],
        year_or_never(years, first_past(lead, level, dir)),
        year_or_never(years, first_past(lag, level, dir)),
    ))
}

/// Medians crossing the levels of closeness, or where they end when none does.
fn closeness_findings(params: &Params, s: &Summary, out: &mut Vec<Finding>) {
    let years = &s.years;
    let mut any = false;
    for power in &params.powers {
        let Some(q) = s.get("closeness", &power.id, "") else {
            continue;
        };
        for level in LEVELS {
            let subject = format!("Closeness to {}", power.name);
            if let Some(text) = crossing(years, q, &subject, level) {
                out.push(Finding {
                    text,
                    figure: "fig-closeness".into(),
                });
                any = true;
            }
        }
    }
    let last = years.len() - 1;
    let ends: Vec<String> = params
        .powers
        .iter()
        .filter_map(|p| {
            let q = s.get("closeness", &p.id, "")?;
            Some(format!(
                "{} {:.2} ({:.2} in {}; 90% of runs {:.2}–{:.2})",
                p.name, q[last].p50, q[0].p50, years[0], q[last].p5, q[last].p95
            ))
        })
        .collect();
    if !ends.is_empty() {
        let lead = if any {
            format!("In {} the median closeness is", years[last])
        } else {
            format!(
                "No median closeness crosses {} between {} and {}; in {} it is",
                LEVELS.map(|l| l.to_string()).join(", "),
                years[0],
                years[last],
                years[last]
            )
        };
        out.push(Finding {
            text: format!("{lead}: {}.", ends.join("; ")),
            figure: "fig-closeness".into(),
        });
    }
}

/// Leeway falling below zero (the hedge unstable in more than half the runs).
fn leeway_findings(s: &Summary, out: &mut Vec<Finding>) {
    let Some(q) = s.get("leeway", "", "") else {
        return;
    };
    if let Some(text) = crossing(&s.years, q, "Systemic leeway", 0.0) {
        out.push(Finding {
            text,
            figure: "fig-leeway".into(),
        });
    }
}

/// How the runs ended: the hedge collapsed toward whom, or held.
fn collapse_findings(params: &Params, e: &Ensemble, out: &mut Vec<Finding>) {
    let runs = e.runs.max(1) as f64;
    let total: usize = e.camps.iter().sum();
    let end = e.summary.years.last().copied().unwrap_or(params.end);
    let text = if total == 0 {
        format!(
            "The hedge held in all {} runs: in none did it collapse toward one power by {end}.",
            e.runs
        )
    } else {
        let mut toward: Vec<(usize, usize)> = e
            .camps
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, c)| *c > 0)
            .collect();
        toward.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let list: Vec<String> = toward
            .iter()
            .map(|(p, c)| {
                format!(
                    "toward {} in {}",
                    params.powers[*p].name,
                    pct(*c as f64 / runs)
                )
            })
            .collect();
        format!(
            "By {end} the hedge had collapsed in {} of the {} runs ({}): {}; it held in {}.",
            total,
            e.runs,
            pct(total as f64 / runs),
            list.join(", "),
            pct((e.runs - total) as f64 / runs)
        )
    };
    out.push(Finding {
        text,
        figure: "fig-leeway".into(),
    });
}

/// Threats issued and imposed, with the share of runs.
fn threat_findings(params: &Params, e: &Ensemble, out: &mut Vec<Finding>) {
    let runs = e.runs.max(1) as f64;
    let years = &e.summary.years;
    for (i, t) in params.threats.iter().enumerate() {
        let fired = |kind: FiredKind| -> Vec<(i32, f64)> {
            e.events
                .iter()
                .filter(|((_, k), _)| k.kind == kind as u8 && k.index == i)
                .map(|((y, _), n)| (years[*y], *n as f64 / runs))
                .collect()
        };
        let issued = fired(FiredKind::ThreatIssued);
        let sender = &params.powers[t.sender].name;
        let rival = &params.powers[t.rival].name;
        let head = format!(
            "Threat {} from {sender} (against closeness to {rival} in {} above {})",
            t.id,
            t.domain.name(),
            t.red_line
        );
        let imposed_key = format!("threat_imposed.{}", t.id);
        let in_force = e
            .summary
            .get(&imposed_key, &params.powers[t.sender].id, t.domain.name())
            .map(|q| {
                q.iter()
                    .enumerate()
                    .map(|(y, x)| (years[y], x.mean))
                    .fold((years[0], 0.0), |m, x| if x.1 > m.1 { x } else { m })
            });
        let text = if issued.is_empty() {
            format!("{head} was not issued in any run.")
        } else {
            let first = issued[0];
            let peak = issued
                .iter()
                .copied()
                .fold(first, |m, x| if x.1 > m.1 { x } else { m });
            let issue = if issued.len() == 1 {
                format!("was issued in {} in {} of runs", first.0, pct(first.1))
            } else {
                format!(
                    "was issued from {} on, most often in {} ({} of runs)",
                    first.0,
                    peak.0,
                    pct(peak.1)
                )
            };
            let imposed = fired(FiredKind::ThreatImposed);
            let sanction = match in_force {
                Some((year, share)) if share > 0.0 => format!(
                    "sanctions under it were first imposed in {} and in force in at most {} of \
                     runs in a year ({year})",
                    imposed.first().map_or(year, |x| x.0),
                    pct(share)
                ),
                _ if imposed.is_empty() => "it was never carried out".to_string(),
                _ => format!(
                    "it was carried out in {} of runs",
                    pct(imposed.iter().map(|x| x.1).sum())
                ),
            };
            format!("{head} {issue}; {sanction}.")
        };
        out.push(Finding {
            text,
            figure: "events".into(),
        });
    }
}

/// The largest causes of the biggest move of closeness.
fn driver_findings(params: &Params, e: &Ensemble, out: &mut Vec<Finding>) {
    let Some(p) = movers(&e.summary, params, 1).first().copied() else {
        return;
    };
    let power = &params.powers[p];
    let Some(q) = e.summary.get("closeness", &power.id, "") else {
        return;
    };
    let (bars, net) = driver_bars(e, params, p, None, None);
    let mut sums: Vec<(String, f64)> = Vec::new();
    for b in &bars {
        match sums.iter_mut().find(|(n, _)| *n == b.term) {
            Some(s) => s.1 += b.value,
            None => sums.push((b.term.clone(), b.value)),
        }
    }
    sums.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
    let top: Vec<String> = sums
        .iter()
        .take(3)
        .filter(|(_, v)| v.abs() > 1e-4)
        .map(|(n, v)| format!("{n} {v:+.3}"))
        .collect();
    let years = &e.summary.years;
    let last = years.len() - 1;
    let mean_move: f64 = net.iter().map(|(_, v)| v).sum();
    let mut text = format!(
        "Closeness to {} moved most: its median went from {:.2} in {} to {:.2} in {} ({:+.2}).",
        power.name,
        q[0].p50,
        years[0],
        q[last].p50,
        years[last],
        q[last].p50 - q[0].p50
    );
    if !top.is_empty() {
        let _ = write!(
            text,
            " Summed over the years, the largest pushes on it were {} (closeness units; all \
             pushes together add up to the mean move, {mean_move:+.3}).",
            top.join(", ")
        );
    }
    out.push(Finding {
        text,
        figure: format!("fig-drivers_{}", power.id),
    });
}

/// What differs from another scenario run on the same seeds.
fn against_findings(
    name: &str,
    params: &Params,
    e: &Ensemble,
    a: &Against<'_>,
    out: &mut Vec<Finding>,
) {
    let years = &e.summary.years;
    let last = years.len() - 1;
    let mut parts = Vec::new();
    let mut same = Vec::new();
    for power in &params.powers {
        let (Some(mine), Some(theirs)) = (
            e.summary.get("closeness", &power.id, ""),
            a.ensemble.summary.get("closeness", &power.id, ""),
        ) else {
            continue;
        };
        let (Some(m), Some(t)) = (mine.get(last), theirs.last()) else {
            continue;
        };
        let d = m.p50 - t.p50;
        if d.abs() < SAME {
            same.push(power.name.clone());
        } else {
            parts.push(format!(
                "to {} {:.2} against {:.2} ({d:+.2})",
                power.name, m.p50, t.p50
            ));
        }
    }
    let mut text = format!(
        "Against {} (same seeds and runs), the median closeness in {}",
        a.name, years[last]
    );
    if parts.is_empty() {
        let _ = write!(text, " is within {SAME} for every power.");
    } else {
        let _ = write!(text, " is {}", parts.join(", "));
        if !same.is_empty() {
            let _ = write!(
                text,
                "; about the same (within {SAME}) to {}",
                same.join(", ")
            );
        }
        text.push('.');
    }
    out.push(Finding {
        text,
        figure: "fig-compare_closeness".into(),
    });
    let runs = e.runs.max(1) as f64;
    let theirs = a.ensemble.runs.max(1) as f64;
    let mine_total: usize = e.camps.iter().sum();
    let their_total: usize = a.ensemble.camps.iter().sum();
    if mine_total == 0 && their_total == 0 {
        out.push(Finding {
            text: format!(
                "In neither {name} nor {} did the hedge collapse in any run.",
                a.name
            ),
            figure: "fig-leeway".into(),
        });
        return;
    }
    let mut text = format!(
        "The hedge collapsed in {} of runs of {name} against {} of {}",
        pct(mine_total as f64 / runs),
        pct(their_total as f64 / theirs),
        a.name
    );
    let shifts: Vec<String> = params
        .powers
        .iter()
        .enumerate()
        .filter_map(|(p, power)| {
            let q = a.params.powers.iter().position(|x| x.id == power.id)?;
            let (m, t) = (
                e.camps[p] as f64 / runs,
                a.ensemble.camps[q] as f64 / theirs,
            );
            (e.camps[p] * a.ensemble.runs != a.ensemble.camps[q] * e.runs)
                .then(|| format!("toward {} {} against {}", power.name, pct(m), pct(t)))
        })
        .collect();
    if !shifts.is_empty() {
        let _ = write!(text, " ({})", shifts.join(", "));
    }
    text.push('.');
    out.push(Finding {
        text,
        figure: "fig-leeway".into(),
    });
}

/// Every finding of an ensemble, in the order the report shows them.
pub fn findings(
    name: &str,
    params: &Params,
    e: &Ensemble,
    against: Option<&Against<'_>>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if e.runs == 0 || e.summary.years.is_empty() {
        return out;
    }
    closeness_findings(params, &e.summary, &mut out);
    leeway_findings(&e.summary, &mut out);
    collapse_findings(params, e, &mut out);
    threat_findings(params, e, &mut out);
    driver_findings(params, e, &mut out);
    if let Some(a) = against {
        against_findings(name, params, e, a, &mut out);
    }
    out
}

/// The "Findings" section: a list of sentences, each linked to its figure.
pub fn html(findings: &[Finding], esc: impl Fn(&str) -> String) -> String {
    let mut out = String::from(
        "<section id=\"findings\"><h2>Findings</h2>\n<p class=\"meta\">Read off this run's \
         tables (summary.csv, outcomes.csv, events.csv, drivers.csv): medians and 90% bands over \
         the runs; a share of runs is of the runs summarised.</p>\n<ul>\n",
    );
    for f in findings {
        let _ = writeln!(
            out,
            "<li>{} <a href=\"#{}\">(figure)</a></li>",
            esc(&f.text),
            esc(&f.figure)
        );
    }
    out.push_str("</ul></section>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossings_are_the_first_year_on_the_other_side() {
        let v = [0.2, 0.4, 0.5, 0.6, 0.4];
        assert_eq!(first_crossing(&v, 0.5), Some((2, Direction::Up)));
        assert_eq!(first_crossing(&v, 0.1), None);
        assert_eq!(
            first_crossing(&[0.6, 0.55, 0.49], 0.5),
            Some((2, Direction::Down))
        );
        assert_eq!(first_past(&v, 0.45, Direction::Up), Some(2));
        assert_eq!(first_past(&v, 0.1, Direction::Down), None);
    }

    #[test]
    fn a_crossing_sentence_gives_the_median_year_and_the_band_edges() {
        let years = [2024, 2025, 2026, 2027];
        let q = |p5, p50, p95| Quantiles {
            p5,
            p50,
            p95,
            ..Default::default()
        };
        let series = [
            q(0.3, 0.4, 0.45),
            q(0.35, 0.45, 0.55),
            q(0.4, 0.52, 0.6),
            q(0.45, 0.6, 0.7),
        ];
        let text = crossing(&years, &series, "Closeness to X", 0.5).unwrap();
        assert_eq!(
            text,
            "Closeness to X rises to 0.5 in 2026 (median 0.520; 0.450 in 2025); the upper edge \
             of the 90% band gets there in 2025, its lower edge not by 2027."
        );
        assert_eq!(crossing(&years, &series, "X", 0.75), None);
    }
}
