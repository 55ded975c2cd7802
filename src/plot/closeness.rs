//! Fan charts of the state's closeness to each power: the aggregate (`closeness`) and one
//! small multiple per policy domain (`domains`). Reads `stats::Summary` series
//! `("closeness", power, domain)` only; knows nothing of the model.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::look::{self, LARGE, Legend, LegendItem, PanelText, SMALL, Swatch};
use super::render::{DrawResult, Figure, svg_text, write_figure};
use super::{Format, Mark, Meta, PowerStyle};
use crate::stats::{Quantiles, Summary};

/// The policy domains, in panel order, with their panel titles.
const DOMAINS: [(&str, &str); 4] = [
    ("economy", "Economy"),
    ("security", "Security"),
    ("technology", "Technology"),
    ("diplomacy", "Diplomacy"),
];

const Y_DESC: &str = "Closeness to power (0 = distant, 1 = close)";

/// Writes `closeness.<ext>`: for each power, the median closeness over the years with its
/// 50% (p25–p75) and 90% (p5–p95) bands, from series `("closeness", id, "")`.
pub fn closeness(
    dir: &Path,
    formats: &[Format],
    s: &Summary,
    powers: &[PowerStyle],
    marks: &[Mark],
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    let figure = Closeness {
        s,
        powers,
        marks,
        meta,
    };
    write_figure(dir, formats, "closeness", &figure)
}

/// Writes `domains.<ext>`: one panel per domain (economy, security, technology, diplomacy),
/// median and 90% band per power from series `("closeness", id, domain)`, one shared legend.
pub fn domains(
    dir: &Path,
    formats: &[Format],
    s: &Summary,
    powers: &[PowerStyle],
    marks: &[Mark],
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    let figure = Domains {
        s,
        powers,
        marks,
        meta,
    };
    write_figure(dir, formats, "domains", &figure)
}

/// How far a domain's median must move before the closeness chart says that the aggregate
/// hides it: a tenth of the scale less a little, a move plainly visible on the domains figure
/// (the yearly moves of the model are capped at a few hundredths). One domain of four moving
/// alone moves the aggregate by a quarter as much; the chart speaks only when the domain moved
/// by more than twice the aggregate.
const HIDDEN_MOVE: f64 = 0.08;

/// Domain moves the aggregate hides: (power name, domain title, domain move, aggregate move,
/// year) for each power and domain whose median moved by more than [`HIDDEN_MOVE`] from the
/// first year and by more than twice the aggregate's move, taken in the year the domain
/// moved most (a move undone by the last year is still shown); largest first.
pub(super) fn hidden_moves<'a>(
    s: &Summary,
    powers: &'a [PowerStyle],
) -> Vec<(&'a str, &'static str, f64, f64, i32)> {
    hidden_moves_over(s, powers, HIDDEN_MOVE)
}

/// [`hidden_moves`] with the smallest domain move `threshold`.
pub(super) fn hidden_moves_over<'a>(
    s: &Summary,
    powers: &'a [PowerStyle],
    threshold: f64,
) -> Vec<(&'a str, &'static str, f64, f64, i32)> {
    let moves = |q: &[Quantiles]| -> Vec<f64> {
        let first = q.first().map_or(f64::NAN, |a| a.p50);
        q.iter().map(|b| b.p50 - first).collect()
    };
    let mut out = Vec::new();
    for p in powers {
        let Some(agg) = s.get("closeness", &p.id, "").map(moves) else {
            continue;
        };
        for (d, title) in DOMAINS {
            let Some(m) = s.get("closeness", &p.id, d).map(moves) else {
                continue;
            };
            let largest = m
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()));
            let Some((y, &moved)) = largest else {
                continue;
            };
            let all = agg.get(y).copied().unwrap_or(f64::NAN);
            if moved.abs() > threshold && all.is_finite() && moved.abs() > 2.0 * all.abs() {
                let year = s.years.get(y).copied().unwrap_or_default();
                out.push((p.name.as_str(), title, moved, all, year));
            }
        }
    }
    out.sort_by(|a, b| b.2.abs().total_cmp(&a.2.abs()));
    out
}

/// The SVG text of `closeness` (nothing written).
pub fn closeness_svg(s: &Summary, powers: &[PowerStyle], meta: &Meta) -> anyhow::Result<String> {
    svg_text(&Closeness {
        s,
        powers,
        marks: &[],
        meta,
    })
}

/// The SVG text of `domains` (nothing written).
pub fn domains_svg(s: &Summary, powers: &[PowerStyle], meta: &Meta) -> anyhow::Result<String> {
    svg_text(&Domains {
        s,
        powers,
        marks: &[],
        meta,
    })
}

/// The powers that have a series for `domain`, with it.
fn present<'a>(
    s: &'a Summary,
    powers: &'a [PowerStyle],
    domain: &'a str,
) -> impl Iterator<Item = (&'a PowerStyle, &'a [Quantiles])> {
    powers
        .iter()
        .filter_map(move |p| s.get("closeness", &p.id, domain).map(|q| (p, q)))
}

struct Closeness<'a> {
    s: &'a Summary,
    powers: &'a [PowerStyle],
    marks: &'a [Mark],
    meta: &'a Meta,
}

impl Figure for Closeness<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 800)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let title = format!("{}: closeness to each power", self.meta.title);
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let shown: Vec<_> = present(self.s, self.powers, "").collect();
        let legend = Legend {
            heading: None,
            items: shown
                .iter()
                .map(|(p, _)| LegendItem::new(&p.name, Swatch::Fan(look::rgb(p.color))))
                .collect(),
            key: look::fan_key(true),
            note: hidden_note(self.s, self.powers),
        };
        let area = look::with_legend(&body, &legend)?;
        let Some(x) = look::YearAxis::spanning(self.s.years.iter().copied(), 0.0, 10) else {
            return look::no_data(&area, "no years in the summary");
        };
        let y = look::ValueAxis::fixed(0.0, 1.0, 5);
        let text = PanelText {
            title: None,
            x_desc: Some("Year"),
            y_desc: Some(Y_DESC),
            scale: LARGE,
            min_y_area: 0,
        };
        let mut chart = look::panel(&area, &x, &y, text)?;
        look::marks(&mut chart, self.marks, true)?;
        let fans: Vec<_> = shown
            .iter()
            .map(|(p, q)| (look::rgb(p.color), *q))
            .collect();
        look::fans(&mut chart, &self.s.years, &fans, 1.0, true)?;
        if shown.is_empty() {
            look::chart_note(&chart, "no closeness series in the summary")?;
        }
        Ok(())
    }
}

struct Domains<'a> {
    s: &'a Summary,
    powers: &'a [PowerStyle],
    marks: &'a [Mark],
    meta: &'a Meta,
}

impl Figure for Domains<'_> {
    fn size(&self) -> (u32, u32) {
        (1400, 1000)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let title = format!("{}: closeness by policy domain", self.meta.title);
        let body = look::header(root, &title, &self.meta.subtitle)?;
        // A power is in the legend if it has a series in any domain.
        let items = self
            .powers
            .iter()
            .filter(|p| {
                DOMAINS
                    .iter()
                    .any(|(d, _)| self.s.get("closeness", &p.id, d).is_some())
            })
            .map(|p| LegendItem::new(&p.name, Swatch::Fan90(look::rgb(p.color))))
            .collect();
        let mut legend = Legend {
            heading: None,
            items,
            key: look::fan_key(false),
            note: None,
        };
        legend.key.extend(look::mark_key(self.marks));
        let area = look::with_legend(&body, &legend)?;
        let Some(x) = look::YearAxis::spanning(self.s.years.iter().copied(), 0.0, 6) else {
            return look::no_data(&area, "no years in the summary");
        };
        let y = look::ValueAxis::fixed(0.0, 1.0, 5);
        let years = &self.s.years;
        for (cell, (domain, name)) in area.split_evenly((2, 2)).iter().zip(DOMAINS) {
            let cell = cell.margin(0, 10, 0, 0);
            let text = PanelText {
                title: Some((name, look::INK)),
                x_desc: None,
                y_desc: Some("Closeness (0–1)"),
                scale: SMALL,
                min_y_area: 0,
            };
            let mut chart = look::panel(&cell, &x, &y, text)?;
            look::marks(&mut chart, self.marks, false)?;
            let shown: Vec<_> = present(self.s, self.powers, domain).collect();
            let fans: Vec<_> = shown
                .iter()
                .map(|(p, q)| (look::rgb(p.color), *q))
                .collect();
            look::fans(&mut chart, years, &fans, 1.0, false)?;
            if shown.is_empty() {
                look::chart_note(&chart, "no series for this domain")?;
            }
        }
        Ok(())
    }
}

/// The closeness chart's note on domain moves the aggregate hides (at most four lines).
fn hidden_note(s: &Summary, powers: &[PowerStyle]) -> Option<String> {
    let hidden = hidden_moves(s, powers);
    let first = s.years.first()?;
    if hidden.is_empty() {
        return None;
    }
    let mut note = format!("The aggregate hides (median\nchange since {first}; domains.png):");
    for (power, domain, m, agg, year) in hidden.iter().take(4) {
        note.push_str(&format!(
            "\n{power}, {}: {} by {year} (all {})",
            domain.to_lowercase(),
            signed(*m),
            signed(*agg)
        ));
    }
    Some(note)
}

/// A signed number with two decimals and a true minus.
pub(super) fn signed(v: f64) -> String {
    if v >= 0.0 {
        format!("+{}", look::number(v, 2))
    } else {
        look::number(v, 2)
    }
}
