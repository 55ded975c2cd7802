//! Paired differences of two scenarios: per measure, a row of two panels. Left, the two
//! scenarios' own fan charts (median, 90% band). Right, the fan chart of the run-by-run
//! differences B − A on common random numbers over the band of unpaired differences (what the
//! same runs would say without the pairing), with the ratio of the two widths in the title.
//! Reads plain quantiles the caller hands over; knows nothing of the model.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::look::{self, Band, Dash, Legend, LegendItem, PanelText, SMALL, Swatch};
use super::render::{DrawResult, Figure, write_figure};
use super::{Format, Meta};
use crate::stats::Quantiles;

/// One measure of a paired comparison, by year.
#[derive(Clone, Debug, PartialEq)]
pub struct DiffRow {
    /// Panel title (the measure).
    pub title: String,
    /// Colour of the measure (the power's).
    pub color: [u8; 3],
    /// A's runs.
    pub a: Vec<Quantiles>,
    /// B's runs.
    pub b: Vec<Quantiles>,
    /// Paired differences B − A.
    pub paired: Vec<Quantiles>,
    /// Unpaired differences.
    pub unpaired: Vec<Quantiles>,
    /// Width of the paired 90% band over the unpaired one, in the last year.
    pub ratio: f64,
}

/// The whole figure's data.
#[derive(Clone, Debug, PartialEq)]
pub struct DiffFigure {
    /// Names of A and B.
    pub names: (String, String),
    /// Years.
    pub years: Vec<i32>,
    /// One row per measure.
    pub rows: Vec<DiffRow>,
}

/// Writes `diff.<ext>`.
pub fn diff(
    dir: &Path,
    formats: &[Format],
    fig: &DiffFigure,
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    write_figure(dir, formats, "diff", &Diff { fig, meta })
}

struct Diff<'a> {
    fig: &'a DiffFigure,
    meta: &'a Meta,
}

impl Figure for Diff<'_> {
    fn size(&self) -> (u32, u32) {
        (
            1400,
            (180 + 290 * self.fig.rows.len() as u32).clamp(500, 2600),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let f = self.fig;
        let title = format!(
            "{} − {}: paired differences on common random numbers",
            f.names.1, f.names.0
        );
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let legend = Legend {
            heading: None,
            items: vec![
                LegendItem::new(
                    f.names.0.clone(),
                    Swatch::Line {
                        color: look::INK,
                        width: look::MEDIAN_WIDTH,
                        dash: Dash::Dashed,
                    },
                ),
                LegendItem::new(
                    f.names.1.clone(),
                    Swatch::Line {
                        color: look::INK,
                        width: look::MEDIAN_WIDTH,
                        dash: Dash::Solid,
                    },
                ),
                LegendItem::new("paired B − A", Swatch::Fan(look::INK)),
                LegendItem::new(
                    "unpaired B − A (90%)",
                    Swatch::Region(look::NEUTRAL.mix(0.18)),
                ),
            ],
            key: look::fan_key(true),
            note: Some("ratio: paired 90% width / unpaired".into()),
        };
        let area = look::with_legend(&body, &legend)?;
        let Some(x) = look::YearAxis::spanning(f.years.iter().copied(), 0.0, 6) else {
            return look::no_data(&area, "no years");
        };
        if f.rows.is_empty() {
            return look::no_data(&area, "no measures");
        }
        let cells = area.split_evenly((f.rows.len(), 2));
        for (i, row) in f.rows.iter().enumerate() {
            let color = look::rgb(row.color);
            let left = cells[2 * i].margin(0, 10, 0, 0);
            let right = cells[2 * i + 1].margin(0, 10, 0, 0);
            let extent = look::extent(&row.a, 1.0).chain(look::extent(&row.b, 1.0));
            let y = look::ValueAxis::covering(extent, false, 5);
            let text = PanelText {
                title: Some((row.title.as_str(), color)),
                x_desc: None,
                y_desc: Some("level"),
                scale: SMALL,
                min_y_area: 0,
            };
            let mut chart = look::panel(&left, &x, &y, text)?;
            for q in [&row.a, &row.b] {
                look::band(&mut chart, &f.years, q, 1.0, Band::Ninety, color.mix(0.12))?;
            }
            look::median(&mut chart, &f.years, &row.a, 1.0, color, Dash::Dashed)?;
            look::median(&mut chart, &f.years, &row.b, 1.0, color, Dash::Solid)?;

            let extent = look::extent(&row.paired, 1.0).chain(look::extent(&row.unpaired, 1.0));
            let y = look::ValueAxis::covering(extent, true, 5);
            let title = format!(
                "B − A: paired 90% band {} as wide as unpaired in {}",
                ratio_text(row.ratio),
                f.years.last().copied().unwrap_or_default()
            );
            let text = PanelText {
                title: Some((title.as_str(), look::INK)),
                x_desc: None,
                y_desc: Some("difference"),
                scale: SMALL,
                min_y_area: 0,
            };
            let mut chart = look::panel(&right, &x, &y, text)?;
            look::band(
                &mut chart,
                &f.years,
                &row.unpaired,
                1.0,
                Band::Ninety,
                look::NEUTRAL.mix(0.18),
            )?;
            look::band(
                &mut chart,
                &f.years,
                &row.paired,
                1.0,
                Band::Ninety,
                color.mix(look::ALPHA_90),
            )?;
            look::band(
                &mut chart,
                &f.years,
                &row.paired,
                1.0,
                Band::Fifty,
                color.mix(look::ALPHA_50),
            )?;
            let (x0, x1) = x.bounds();
            chart.draw_series(LineSeries::new(
                [(x0, 0.0), (x1, 0.0)],
                look::MUTED.stroke_width(1),
            ))?;
            look::median(&mut chart, &f.years, &row.paired, 1.0, color, Dash::Solid)?;
        }
        Ok(())
    }
}

fn ratio_text(r: f64) -> String {
    if r.is_finite() {
        format!("{r:.2}×")
    } else {
        "n/a ×".into()
    }
}
