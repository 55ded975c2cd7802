//! Panels of chosen series over the years, stacked vertically: with one scenario each series is
//! a fan (median, 50% and 90% of runs) in its own colour; with several, each scenario is a
//! colour (median and 90% band) and the series of a panel are told apart by dash pattern.
//! Used for the accession lever (membership credibility, the accession offer, support for
//! membership). Reads `stats::Summary` series by key only.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::look::{self, Band, Dash, Legend, LegendItem, PanelText, SMALL, Swatch};
use super::render::{DrawResult, Figure, write_figure};
use super::{Format, Mark, Meta};
use crate::stats::{SeriesKey, Summary};

/// One series of a panel.
#[derive(Clone, Debug)]
pub struct PanelSeries {
    /// The summary series.
    pub key: SeriesKey,
    /// Legend label.
    pub label: String,
    /// Colour when one scenario is shown.
    pub color: [u8; 3],
}

/// One panel: a title, a unit, the factor from the series to the unit, and its series.
#[derive(Clone, Debug)]
pub struct SeriesPanel {
    /// Panel title.
    pub title: String,
    /// Value-axis description.
    pub unit: String,
    /// Multiplies every value (100 for shares shown in percent).
    pub scale: f64,
    /// Fixed axis range; `None` fits the data.
    pub range: Option<(f64, f64)>,
    /// The series drawn.
    pub series: Vec<PanelSeries>,
}

/// A scenario: legend name, summary and colour.
#[derive(Clone, Copy, Debug)]
pub struct SeriesArm<'a> {
    /// Name in the legend.
    pub name: &'a str,
    /// Its ensemble summary.
    pub summary: &'a Summary,
    /// Colour when several scenarios are shown.
    pub color: [u8; 3],
}

/// Writes `<stem>.<ext>`: the panels that have at least one series in some arm, under the
/// title `heading` (nothing written, and no paths, when no panel has data).
#[allow(clippy::too_many_arguments)]
pub fn series_panels(
    dir: &Path,
    formats: &[Format],
    stem: &str,
    heading: &str,
    arms: &[SeriesArm],
    panels: &[SeriesPanel],
    marks: &[Mark],
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    let shown: Vec<&SeriesPanel> = panels
        .iter()
        .filter(|p| {
            p.series
                .iter()
                .any(|s| arms.iter().any(|a| a.summary.series.contains_key(&s.key)))
        })
        .collect();
    if shown.is_empty() {
        return Ok(Vec::new());
    }
    let figure = Panels {
        heading,
        arms,
        panels: shown,
        marks,
        meta,
    };
    write_figure(dir, formats, stem, &figure)
}

struct Panels<'a> {
    heading: &'a str,
    arms: &'a [SeriesArm<'a>],
    panels: Vec<&'a SeriesPanel>,
    marks: &'a [Mark],
    meta: &'a Meta,
}

impl Panels<'_> {
    fn legend(&self) -> Legend {
        if self.arms.len() == 1 {
            let mut items = Vec::new();
            for p in &self.panels {
                for s in &p.series {
                    items.push(LegendItem::new(&s.label, Swatch::Fan(look::rgb(s.color))));
                }
            }
            return Legend {
                heading: None,
                items,
                key: look::fan_key(true),
                note: None,
            };
        }
        let items = self
            .arms
            .iter()
            .map(|a| LegendItem::new(a.name, Swatch::Fan90(look::rgb(a.color))))
            .collect();
        let mut key = Vec::new();
        for p in &self.panels {
            if p.series.len() > 1 {
                for (j, s) in p.series.iter().enumerate() {
                    let swatch = Swatch::Line {
                        color: look::NEUTRAL,
                        width: look::MEDIAN_WIDTH,
                        dash: Dash::nth(j),
                    };
                    key.push(LegendItem::new(&s.label, swatch));
                }
            }
        }
        key.push(LegendItem::new(
            "median; band: 90% of runs",
            Swatch::Fan90(look::NEUTRAL),
        ));
        Legend {
            heading: Some("Scenario".to_string()),
            items,
            key,
            note: None,
        }
    }
}

impl Figure for Panels<'_> {
    fn size(&self) -> (u32, u32) {
        let rows = u32::try_from(self.panels.len()).unwrap_or(1);
        (1200, 240 + 300 * rows)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let title = format!("{}: {}", self.meta.title, self.heading);
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let area = look::with_legend(&body, &self.legend())?;
        let years = self
            .arms
            .iter()
            .flat_map(|a| a.summary.years.iter().copied());
        let Some(x) = look::YearAxis::spanning(years, 0.0, 10) else {
            return look::no_data(&area, "no years in the summary");
        };
        let n = self.panels.len();
        for (k, (cell, p)) in area
            .split_evenly((n, 1))
            .iter()
            .zip(&self.panels)
            .enumerate()
        {
            let y = match p.range {
                Some((lo, hi)) => look::ValueAxis::fixed(lo, hi, 5),
                None => {
                    let values = p.series.iter().flat_map(|s| {
                        self.arms
                            .iter()
                            .filter_map(|a| {
                                a.summary.get(&s.key.measure, &s.key.power, &s.key.domain)
                            })
                            .flat_map(|q| look::extent(q, p.scale).collect::<Vec<_>>())
                    });
                    look::ValueAxis::covering(values.collect::<Vec<_>>(), true, 5)
                }
            };
            let text = PanelText {
                title: Some((p.title.as_str(), look::INK)),
                x_desc: (k + 1 == n).then_some("Year"),
                y_desc: Some(p.unit.as_str()),
                scale: SMALL,
                min_y_area: 0,
            };
            let mut chart = look::panel(&cell.margin(0, 8, 0, 0), &x, &y, text)?;
            if self.arms.len() == 1 {
                let a = &self.arms[0];
                let fans: Vec<_> = p
                    .series
                    .iter()
                    .filter_map(|s| {
                        let q = a.summary.get(&s.key.measure, &s.key.power, &s.key.domain)?;
                        Some((look::rgb(s.color), q))
                    })
                    .collect();
                look::fans(&mut chart, &a.summary.years, &fans, p.scale, true)?;
                look::marks(&mut chart, self.marks, k == 0)?;
                continue;
            }
            for a in self.arms {
                let c = look::rgb(a.color);
                for s in &p.series {
                    if let Some(q) = a.summary.get(&s.key.measure, &s.key.power, &s.key.domain) {
                        look::band(
                            &mut chart,
                            &a.summary.years,
                            q,
                            p.scale,
                            Band::Ninety,
                            c.mix(look::ALPHA_90),
                        )?;
                    }
                }
            }
            for a in self.arms {
                let c = look::rgb(a.color);
                for (j, s) in p.series.iter().enumerate() {
                    if let Some(q) = a.summary.get(&s.key.measure, &s.key.power, &s.key.domain) {
                        look::median(&mut chart, &a.summary.years, q, p.scale, c, Dash::nth(j))?;
                    }
                }
            }
            look::marks(&mut chart, self.marks, k == 0)?;
        }
        Ok(())
    }
}
