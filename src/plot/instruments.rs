//! Small multiples of the powers' instruments: one column per power and one row per unit
//! (money in % of GDP a year; trade in % of GDP, an order of magnitude larger, on its own row;
//! intensities 0–1), a median line and 90% band per instrument kind. Money and trade panels
//! each have their own scale; intensities share 0–1. Reads `stats::Summary`
//! series `("instrument.<kind>", power, "")` only; knows nothing of the model.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::causes;
use super::look::{self, Legend, LegendItem, PanelText, SMALL, Swatch};
use super::render::{DrawResult, Figure, write_figure};
use super::{Format, Mark, Meta, PowerStyle};
use crate::stats::{Quantiles, Summary};

/// An instrument kind: series name suffix and legend label; its colour is the cause's
/// (`causes.rs`), the same as in the drivers charts.
struct Kind {
    id: &'static str,
    label: &'static str,
}

/// A row of panels: kinds sharing a unit and a value axis.
struct Row {
    unit: &'static str,
    /// Fixed axis maximum for bounded units; `None` to fit each panel's data.
    max: Option<f64>,
    kinds: &'static [Kind],
}

const ROWS: [Row; 3] = [
    Row {
        unit: "Money (% of GDP per year)",
        max: None,
        kinds: &[
            Kind {
                id: "grants",
                label: "Grants",
            },
            Kind {
                id: "loans",
                label: "Loans and FDI",
            },
            Kind {
                id: "health_aid",
                label: "Health aid",
            },
            Kind {
                id: "arms",
                label: "Arms",
            },
            Kind {
                id: "tech",
                label: "Technology",
            },
        ],
    },
    Row {
        unit: "Trade (% of GDP)",
        max: None,
        kinds: &[Kind {
            id: "trade",
            label: "Trade",
        }],
    },
    Row {
        unit: "Intensity (0–1)",
        max: Some(1.0),
        kinds: &[
            Kind {
                id: "sovereignty_support",
                label: "Sovereignty support",
            },
            Kind {
                id: "accession",
                label: "Accession perspective",
            },
        ],
    },
];

/// Writes `instruments.<ext>`. Series absent from the summary or zero throughout are left
/// out; so are rows and powers left with nothing to show.
pub fn instruments(
    dir: &Path,
    formats: &[Format],
    s: &Summary,
    powers: &[PowerStyle],
    marks: &[Mark],
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut figure = Instruments::new(s, powers, meta);
    figure.marks = marks;
    write_figure(dir, formats, "instruments", &figure)
}

/// The colour of an instrument kind: that of the cause `instrument.<kind>` in every drivers
/// chart.
fn kind_color(kind: &Kind) -> RGBColor {
    causes::color(&format!("instrument.{}", kind.id), &[])
}

/// The series worth drawing of one kind for one power.
fn kind_series<'a>(s: &'a Summary, kind: &Kind, power: &str) -> Option<&'a [Quantiles]> {
    s.get(&format!("instrument.{}", kind.id), power, "")
        .filter(|q| !look::all_zero(q))
}

struct Instruments<'a> {
    s: &'a Summary,
    marks: &'a [Mark],
    meta: &'a Meta,
    /// Powers with at least one series to draw.
    powers: Vec<&'a PowerStyle>,
    /// Rows with at least one series to draw, by index into `ROWS`.
    rows: Vec<usize>,
}

impl<'a> Instruments<'a> {
    fn new(s: &'a Summary, powers: &'a [PowerStyle], meta: &'a Meta) -> Instruments<'a> {
        let has = |p: &PowerStyle, row: &Row| {
            row.kinds.iter().any(|k| kind_series(s, k, &p.id).is_some())
        };
        let rows = (0..ROWS.len())
            .filter(|r| powers.iter().any(|p| has(p, &ROWS[*r])))
            .collect();
        let powers = powers
            .iter()
            .filter(|p| ROWS.iter().any(|row| has(p, row)))
            .collect();
        Instruments {
            s,
            marks: &[],
            meta,
            powers,
            rows,
        }
    }
}

impl Figure for Instruments<'_> {
    fn size(&self) -> (u32, u32) {
        let cols = u32::try_from(self.powers.len()).unwrap_or(u32::MAX).max(1);
        let rows = u32::try_from(self.rows.len()).unwrap_or(u32::MAX).max(1);
        let width = (1400u32).max(270u32.saturating_mul(cols).saturating_add(320));
        let height = 160 + 280 * rows;
        (width, height.max(800))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let title = format!("{}: instruments of each power", self.meta.title);
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let mut items = Vec::new();
        for r in &self.rows {
            for kind in ROWS[*r].kinds {
                if self
                    .powers
                    .iter()
                    .any(|p| kind_series(self.s, kind, &p.id).is_some())
                {
                    items.push(LegendItem::new(kind.label, Swatch::Fan90(kind_color(kind))));
                }
            }
        }
        let mut legend = Legend {
            heading: Some("Instrument".to_string()),
            items,
            key: look::fan_key(false),
            note: Some("Money, trade: each panel its own scale".to_string()),
        };
        legend.key.extend(look::mark_key(self.marks));
        let area = look::with_legend(&body, &legend)?;
        let x = look::YearAxis::spanning(self.s.years.iter().copied(), 0.0, 4);
        let (Some(x), false, false) = (x, self.rows.is_empty(), self.powers.is_empty()) else {
            return look::no_data(&area, "no instrument series in the summary");
        };
        let years = &self.s.years;
        let cols = self.powers.len();
        let cells = area.split_evenly((self.rows.len(), cols));
        // Money and trade panels each fit their own data (a power's small instruments would
        // vanish on a scale set by another's loans); intensities share the 0–1 scale.
        let axes: Vec<Vec<look::ValueAxis>> = self
            .rows
            .iter()
            .map(|r| {
                let row = &ROWS[*r];
                self.powers
                    .iter()
                    .map(|p| match row.max {
                        Some(max) => look::ValueAxis::fixed(0.0, max, 4),
                        None => {
                            let values = row
                                .kinds
                                .iter()
                                .filter_map(|k| kind_series(self.s, k, &p.id))
                                .flat_map(|q| look::extent(q, 1.0));
                            look::ValueAxis::covering(values, true, 4)
                        }
                    })
                    .collect()
            })
            .collect();
        // Panels of a column share their label width, so their plots line up.
        let mut label_width = vec![0; cols];
        for row_axes in &axes {
            for (j, y) in row_axes.iter().enumerate() {
                let w = look::y_area(&area, y, SMALL, j == 0)?;
                label_width[j] = label_width[j].max(w);
            }
        }
        for ((i, r), row_cells) in self.rows.iter().enumerate().zip(cells.chunks(cols)) {
            let row = &ROWS[*r];
            for ((j, p), cell) in self.powers.iter().enumerate().zip(row_cells) {
                let cell = cell.margin(0, 8, 0, 0);
                let text = PanelText {
                    title: Some((p.name.as_str(), look::rgb(p.color))),
                    x_desc: None,
                    y_desc: (j == 0).then_some(row.unit),
                    scale: SMALL,
                    min_y_area: label_width[j],
                };
                let mut chart = look::panel(&cell, &x, &axes[i][j], text)?;
                look::marks(&mut chart, self.marks, false)?;
                let shown: Vec<_> = row
                    .kinds
                    .iter()
                    .filter_map(|k| kind_series(self.s, k, &p.id).map(|q| (k, q)))
                    .collect();
                let fans: Vec<_> = shown.iter().map(|(k, q)| (kind_color(k), *q)).collect();
                look::fans(&mut chart, years, &fans, 1.0, false)?;
                if shown.is_empty() {
                    look::chart_note(&chart, "none")?;
                }
            }
        }
        Ok(())
    }
}
