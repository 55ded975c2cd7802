//! Timeline of threats and sanctions: one panel per threat, the share of runs in which the
//! threat is pending (issued, not carried out) and in which its sanctions are in force, per
//! year. One scenario: stacked areas (sanctions in force at the bottom, pending threat above,
//! so the top edge is the share of runs under either). Several scenarios: one colour per
//! scenario, a solid line for sanctions in force and a dashed one for a pending threat. Reads
//! the `stats::Summary` series `("threat_threatened.<id>", sender, domain)` and
//! `("threat_imposed.<id>", sender, domain)` (their means are shares of runs) only.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::look::{self, Dash, Legend, LegendItem, PanelText, SMALL, Swatch};
use super::render::{DrawResult, Figure, write_figure};
use super::{Format, Mark, Meta};
use crate::stats::{Quantiles, Summary};

/// Sanctions in force.
const IMPOSED: RGBColor = RGBColor(150, 20, 30);
/// A threat issued and pending.
const PENDING: RGBColor = RGBColor(245, 160, 60);

/// A threat as the timeline shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreatInfo {
    /// The threat's id (series name suffix).
    pub id: String,
    /// The sender's power id (series power).
    pub sender: String,
    /// The domain name (series domain).
    pub domain: String,
    /// Panel title, e.g. "us_5g: United States on technology ties to China".
    pub title: String,
}

/// One scenario on the timeline: name, summary and colour (RGB bytes).
#[derive(Clone, Copy, Debug)]
pub struct ThreatArm<'a> {
    /// Name in the legend.
    pub name: &'a str,
    /// The scenario's ensemble summary.
    pub summary: &'a Summary,
    /// Line colour when several scenarios are shown.
    pub color: [u8; 3],
}

/// Writes `<stem>.<ext>` for the threats that have a series in at least one arm; nothing
/// when none has (returns no paths).
pub fn threats(
    dir: &Path,
    formats: &[Format],
    stem: &str,
    arms: &[ThreatArm],
    threats: &[ThreatInfo],
    marks: &[Mark],
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    let shown: Vec<&ThreatInfo> = threats
        .iter()
        .filter(|t| {
            arms.iter()
                .any(|a| stage(a.summary, t, "imposed").is_some())
        })
        .collect();
    if shown.is_empty() {
        return Ok(Vec::new());
    }
    let figure = Timeline {
        arms,
        threats: shown,
        marks,
        meta,
    };
    write_figure(dir, formats, stem, &figure)
}

/// The series of one stage (`threatened` or `imposed`) of a threat.
fn stage<'a>(s: &'a Summary, t: &ThreatInfo, which: &str) -> Option<&'a [Quantiles]> {
    s.get(&format!("threat_{which}.{}", t.id), &t.sender, &t.domain)
}

/// Percent of runs per year: the series' means times 100.
fn shares(years: &[i32], q: &[Quantiles]) -> Vec<(f64, f64)> {
    years
        .iter()
        .zip(q)
        .map(|(y, q)| (f64::from(*y), 100.0 * q.mean))
        .collect()
}

struct Timeline<'a> {
    arms: &'a [ThreatArm<'a>],
    threats: Vec<&'a ThreatInfo>,
    marks: &'a [Mark],
    meta: &'a Meta,
}

impl Timeline<'_> {
    fn legend(&self) -> Legend {
        if self.arms.len() == 1 {
            return Legend {
                heading: Some("Share of runs".to_string()),
                items: vec![
                    LegendItem::new("sanctions in force", Swatch::Bar(IMPOSED)),
                    LegendItem::new("threat pending", Swatch::Bar(PENDING)),
                ],
                key: Vec::new(),
                note: Some("Top edge: runs under either".to_string()),
            };
        }
        let line = |color, dash| Swatch::Line {
            color,
            width: look::MEDIAN_WIDTH,
            dash,
        };
        Legend {
            heading: Some("Scenario".to_string()),
            items: self
                .arms
                .iter()
                .map(|a| LegendItem::new(a.name, line(look::rgb(a.color), Dash::Solid)))
                .collect(),
            key: vec![
                LegendItem::new("sanctions in force", line(look::NEUTRAL, Dash::Solid)),
                LegendItem::new("threat pending", line(look::NEUTRAL, Dash::Dashed)),
            ],
            note: Some("Share of runs, each year".to_string()),
        }
    }
}

impl Figure for Timeline<'_> {
    fn size(&self) -> (u32, u32) {
        let rows = u32::try_from(self.threats.len()).unwrap_or(1).min(6);
        (1200, 260 + 220 * rows)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let title = format!("{}: threats and sanctions, share of runs", self.meta.title);
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let area = look::with_legend(&body, &self.legend())?;
        let years = self
            .arms
            .iter()
            .flat_map(|a| a.summary.years.iter().copied());
        let Some(x) = look::YearAxis::spanning(years, 0.0, 10) else {
            return look::no_data(&area, "no years in the summary");
        };
        let y = look::ValueAxis::fixed(0.0, 100.0, 4);
        let n = self.threats.len().min(6);
        for (k, (cell, t)) in area
            .split_evenly((n, 1))
            .iter()
            .zip(&self.threats)
            .enumerate()
        {
            let text = PanelText {
                title: Some((t.title.as_str(), look::INK)),
                x_desc: (k + 1 == n).then_some("Year"),
                y_desc: Some("% of runs"),
                scale: SMALL,
                min_y_area: 0,
            };
            let mut chart = look::panel(&cell.margin(0, 8, 0, 0), &x, &y, text)?;
            if self.arms.len() == 1 {
                let a = &self.arms[0];
                let years = &a.summary.years;
                let imposed = stage(a.summary, t, "imposed").map(|q| shares(years, q));
                let pending = stage(a.summary, t, "threatened").map(|q| shares(years, q));
                let imposed = imposed.unwrap_or_default();
                let top: Vec<(f64, f64)> = match &pending {
                    Some(p) => p
                        .iter()
                        .zip(&imposed)
                        .map(|((x, a), (_, b))| (*x, a + b))
                        .collect(),
                    None => imposed.clone(),
                };
                area_between(&mut chart, &imposed, &top, PENDING)?;
                let floor: Vec<(f64, f64)> = imposed.iter().map(|(x, _)| (*x, 0.0)).collect();
                area_between(&mut chart, &floor, &imposed, IMPOSED)?;
                look::line(&mut chart, &top, look::shade(PENDING, -0.3), 2, Dash::Solid)?;
            } else {
                for (i, a) in self.arms.iter().enumerate() {
                    let c = look::rgb(a.color);
                    let years = &a.summary.years;
                    let width = if i == 0 { 4 } else { 3 };
                    if let Some(q) = stage(a.summary, t, "threatened") {
                        look::line(&mut chart, &shares(years, q), c, width - 1, Dash::Dashed)?;
                    }
                    if let Some(q) = stage(a.summary, t, "imposed") {
                        look::line(&mut chart, &shares(years, q), c, width, Dash::Solid)?;
                    }
                }
            }
            look::marks(&mut chart, self.marks, k == 0)?;
        }
        Ok(())
    }
}

/// Fills the area between two lines over the same x values.
fn area_between<DB: DrawingBackend>(
    chart: &mut look::Chart<DB>,
    lower: &[(f64, f64)],
    upper: &[(f64, f64)],
    color: RGBColor,
) -> DrawResult<DB> {
    if lower.len() < 2 || lower.len() != upper.len() {
        return Ok(());
    }
    let outline: Vec<(f64, f64)> = upper
        .iter()
        .copied()
        .chain(lower.iter().rev().copied())
        .filter(|(_, v)| v.is_finite())
        .collect();
    chart.draw_series(std::iter::once(Polygon::new(
        outline,
        color.mix(0.85).filled(),
    )))?;
    Ok(())
}
