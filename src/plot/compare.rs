//! Comparison of experiment arms: one panel per power, each arm's median closeness and 90%
//! band overlaid, arms told apart by dash pattern and shade of the power's colour. Reads the
//! arms' `stats::Summary` series `("closeness", power, "")` only; knows nothing of the model.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::look::{self, Band, Dash, Legend, LegendItem, PanelText, SMALL, Swatch};
use super::render::{DrawResult, Figure, write_figure};
use super::{Arm, Format, Meta, PowerStyle};

/// Writes `compare_closeness.<ext>`.
pub fn compare(
    dir: &Path,
    formats: &[Format],
    arms: &[Arm],
    powers: &[PowerStyle],
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    let shown: Vec<&PowerStyle> = powers
        .iter()
        .filter(|p| {
            arms.iter()
                .any(|a| a.summary.get("closeness", &p.id, "").is_some())
        })
        .collect();
    let figure = Compare {
        arms,
        powers: shown,
        meta,
    };
    write_figure(dir, formats, "compare_closeness", &figure)
}

struct Compare<'a> {
    arms: &'a [Arm<'a>],
    /// Powers with a series in at least one arm.
    powers: Vec<&'a PowerStyle>,
    meta: &'a Meta,
}

/// Shade of arm `i` of `n`: the first arm darkest, the last lightest.
fn arm_shade(i: usize, n: usize) -> f64 {
    if n < 2 {
        0.0
    } else {
        -0.35 + 0.7 * i as f64 / (n - 1) as f64
    }
}

impl Figure for Compare<'_> {
    fn size(&self) -> (u32, u32) {
        (1400, 1000)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let title = format!("{}: closeness to each power, by arm", self.meta.title);
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let n = self.arms.len();
        let items = self
            .arms
            .iter()
            .enumerate()
            .map(|(i, arm)| {
                let swatch = Swatch::Line {
                    color: look::shade(look::INK, (arm_shade(i, n) + 0.35) * 0.8),
                    width: look::MEDIAN_WIDTH,
                    dash: Dash::nth(i),
                };
                LegendItem::new(arm.name, swatch)
            })
            .collect();
        let legend = Legend {
            heading: Some("Arm".to_string()),
            items,
            key: vec![
                LegendItem::new(
                    "median (colour: power)",
                    Swatch::Line {
                        color: look::NEUTRAL,
                        width: look::MEDIAN_WIDTH,
                        dash: Dash::Solid,
                    },
                ),
                LegendItem::new(
                    "middle 90% of runs",
                    Swatch::Region(look::NEUTRAL.mix(look::ALPHA_90)),
                ),
            ],
            note: None,
        };
        let area = look::with_legend(&body, &legend)?;
        let years = self
            .arms
            .iter()
            .flat_map(|a| a.summary.years.iter().copied());
        let Some(x) = look::YearAxis::spanning(years, 0.0, 6) else {
            return look::no_data(&area, "no years in the summaries");
        };
        if self.powers.is_empty() {
            return look::no_data(&area, "no closeness series in any arm");
        }
        let y = look::ValueAxis::fixed(0.0, 1.0, 5);
        let (rows, cols) = look::grid(self.powers.len());
        for (k, (cell, p)) in area
            .split_evenly((rows, cols))
            .iter()
            .zip(&self.powers)
            .enumerate()
        {
            let cell = cell.margin(0, 10, 0, 0);
            let color = look::rgb(p.color);
            let text = PanelText {
                title: Some((p.name.as_str(), color)),
                x_desc: None,
                y_desc: (k % cols == 0).then_some("Closeness (0–1)"),
                scale: SMALL,
                min_y_area: 0,
            };
            let mut chart = look::panel(&cell, &x, &y, text)?;
            let series: Vec<_> = self
                .arms
                .iter()
                .enumerate()
                .filter_map(|(i, a)| {
                    let q = a.summary.get("closeness", &p.id, "")?;
                    Some((i, a.summary.years.as_slice(), q))
                })
                .collect();
            for (i, years, q) in &series {
                let c = look::shade(color, arm_shade(*i, n));
                look::band(
                    &mut chart,
                    years,
                    q,
                    1.0,
                    Band::Ninety,
                    c.mix(look::ALPHA_90),
                )?;
            }
            for (i, years, q) in &series {
                let c = look::shade(color, arm_shade(*i, n));
                look::median(&mut chart, years, q, 1.0, c, Dash::nth(*i))?;
            }
        }
        Ok(())
    }
}
