//! Where the width of a band comes from: for each series, three nested 90% bands (run noise
//! alone; with parameter uncertainty; with the structural discrepancy too) and the median.
//! Reads plain quantiles; knows nothing of how they were made.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::look::{self, Band, Dash, Legend, LegendItem, PanelText, SMALL, Swatch};
use super::render::{DrawResult, Figure, write_figure};
use super::{Format, Meta};
use crate::stats::Quantiles;

const COLOR: RGBColor = RGBColor(31, 119, 180);

/// One panel: a series' three nested bands.
#[derive(Clone, Debug)]
pub struct BandPanel<'a> {
    /// Panel title (the series and which source dominates).
    pub title: String,
    /// Run noise alone.
    pub run: &'a [Quantiles],
    /// With parameter uncertainty.
    pub parameter: &'a [Quantiles],
    /// With the structural discrepancy too.
    pub total: &'a [Quantiles],
}

/// Writes `<stem>.<ext>`: one panel per series.
pub fn decomposed(
    dir: &Path,
    formats: &[Format],
    stem: &str,
    years: &[i32],
    panels: &[BandPanel<'_>],
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    write_figure(
        dir,
        formats,
        stem,
        &Bands {
            years,
            panels,
            meta,
        },
    )
}

struct Bands<'a> {
    years: &'a [i32],
    panels: &'a [BandPanel<'a>],
    meta: &'a Meta,
}

impl Figure for Bands<'_> {
    fn size(&self) -> (u32, u32) {
        let (rows, _) = look::grid(self.panels.len());
        (1500, 160 + 330 * rows as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let title = format!(
            "{}: where the width of the bands comes from",
            self.meta.title
        );
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let legend = Legend {
            heading: Some("90% band of".into()),
            items: vec![
                LegendItem::new("run noise", Swatch::Region(COLOR.mix(0.55))),
                LegendItem::new("+ parameter uncertainty", Swatch::Region(COLOR.mix(0.30))),
                LegendItem::new("+ structural discrepancy", Swatch::Region(COLOR.mix(0.12))),
                LegendItem::new(
                    "median of all",
                    Swatch::Line {
                        color: COLOR,
                        width: look::MEDIAN_WIDTH,
                        dash: Dash::Solid,
                    },
                ),
            ],
            key: Vec::new(),
            note: None,
        };
        let area = look::with_legend(&body, &legend)?;
        let Some(x) = look::YearAxis::spanning(self.years.iter().copied(), 0.0, 6) else {
            return look::no_data(&area, "no years");
        };
        let y = look::ValueAxis::fixed(0.0, 1.0, 5);
        let (rows, cols) = look::grid(self.panels.len());
        for (cell, p) in area.split_evenly((rows, cols)).iter().zip(self.panels) {
            let cell = cell.margin(0, 10, 0, 0);
            let text = PanelText {
                title: Some((&p.title, look::INK)),
                x_desc: None,
                y_desc: None,
                scale: SMALL,
                min_y_area: 0,
            };
            let mut chart = look::panel(&cell, &x, &y, text)?;
            for (q, alpha) in [(p.total, 0.12), (p.parameter, 0.18), (p.run, 0.25)] {
                look::band(
                    &mut chart,
                    self.years,
                    q,
                    1.0,
                    Band::Ninety,
                    COLOR.mix(alpha),
                )?;
            }
            look::median(&mut chart, self.years, p.total, 1.0, COLOR, Dash::Solid)?;
        }
        Ok(())
    }
}
