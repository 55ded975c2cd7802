//! Figures of sensitivity studies: horizontal bars of indices per parameter (a tornado of
//! Sobol S1 and ST, or of Morris μ* and σ) with 95% intervals, and the indices over time.
//! Reads plain numbers the caller hands over; knows nothing of the model.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::look::{self, Dash, LARGE, Legend, LegendItem, PanelText, Swatch};
use super::render::{DrawResult, Figure, write_figure};
use super::{Format, Meta};

/// One kind of bar (S1, ST, μ*, σ), a value per parameter.
#[derive(Clone, Debug)]
pub struct BarSeries {
    /// Legend label.
    pub name: String,
    /// Values, in the order of `IndexBars::params`.
    pub values: Vec<f64>,
    /// 95% intervals, if known.
    pub ci: Option<Vec<(f64, f64)>>,
}

/// Bars of indices for each parameter, drawn top to bottom in the given order.
#[derive(Clone, Debug)]
pub struct IndexBars {
    /// Figure heading after the scenario name.
    pub heading: String,
    /// Parameter paths.
    pub params: Vec<String>,
    /// One to three series.
    pub series: Vec<BarSeries>,
    /// Axis title of the values.
    pub x_desc: String,
    /// A grey line under the legend.
    pub note: String,
}

/// Writes `<stem>.<ext>`.
pub fn index_bars(
    dir: &Path,
    formats: &[Format],
    stem: &str,
    bars: &IndexBars,
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    write_figure(dir, formats, stem, &Bars { b: bars, meta })
}

struct Bars<'a> {
    b: &'a IndexBars,
    meta: &'a Meta,
}

const SERIES: [RGBColor; 3] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(127, 127, 127),
];

impl Figure for Bars<'_> {
    fn size(&self) -> (u32, u32) {
        (
            1300,
            (260 + 70 * self.b.params.len() as u32).clamp(500, 2400),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let b = self.b;
        let title = format!("{}: {}", self.meta.title, b.heading);
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let mut items: Vec<LegendItem> = b
            .series
            .iter()
            .zip(SERIES)
            .map(|(s, c)| LegendItem::new(s.name.clone(), Swatch::Bar(c)))
            .collect();
        if b.series.iter().any(|s| s.ci.is_some()) {
            items.push(LegendItem::new(
                "95% bootstrap interval",
                Swatch::Line {
                    color: look::INK,
                    width: 2,
                    dash: Dash::Solid,
                },
            ));
        }
        let legend = Legend {
            heading: None,
            items,
            key: Vec::new(),
            note: Some(b.note.clone()),
        };
        let area = look::with_legend(&body, &legend)?;
        if b.params.is_empty() {
            return look::no_data(&area, "no parameters");
        }
        let n = b.params.len();
        // The first parameter at the top.
        let names: Vec<String> = b.params.iter().rev().cloned().collect();
        let y = look::ValueAxis::named(names);
        let values = b.series.iter().flat_map(|s| {
            s.values
                .iter()
                .copied()
                .chain(s.ci.iter().flatten().flat_map(|(l, h)| [*l, *h]))
        });
        let x = look::ValueAxis::covering(values, true, 6);
        let text = PanelText {
            title: None,
            x_desc: Some(&b.x_desc),
            y_desc: None,
            scale: LARGE,
            min_y_area: 0,
        };
        let mut chart = look::value_panel(&area, &x, &y, text)?;
        let k = b.series.len().max(1) as f64;
        let width = 0.8 / k;
        for (si, (s, color)) in b.series.iter().zip(SERIES).enumerate() {
            for (i, v) in s.values.iter().enumerate() {
                let row = (n - 1 - i) as f64;
                let top = row + 0.4 - width * si as f64;
                let bottom = top - width * 0.9;
                if v.is_finite() {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(0.0, bottom), (*v, top)],
                        color.filled(),
                    )))?;
                }
                if let Some((lo, hi)) = s.ci.as_ref().and_then(|c| c.get(i)) {
                    let mid = 0.5 * (top + bottom);
                    chart.draw_series(LineSeries::new(
                        [(*lo, mid), (*hi, mid)],
                        look::INK.stroke_width(2),
                    ))?;
                    for end in [*lo, *hi] {
                        chart.draw_series(LineSeries::new(
                            [(end, mid - 0.12 * width), (end, mid + 0.12 * width)],
                            look::INK.stroke_width(2),
                        ))?;
                    }
                }
            }
        }
        let (lo, hi) = y.bounds();
        chart.draw_series(LineSeries::new(
            [(0.0, lo), (0.0, hi)],
            look::MUTED.stroke_width(1),
        ))?;
        Ok(())
    }
}

/// An index of each parameter over the years.
#[derive(Clone, Debug)]
pub struct IndexLines {
    /// Figure heading after the scenario name.
    pub heading: String,
    /// Years.
    pub years: Vec<i32>,
    /// Parameter paths.
    pub params: Vec<String>,
    /// `values[param][year]`.
    pub values: Vec<Vec<f64>>,
    /// Axis title of the values.
    pub y_desc: String,
}

/// Writes `<stem>.<ext>`.
pub fn index_lines(
    dir: &Path,
    formats: &[Format],
    stem: &str,
    lines: &IndexLines,
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    write_figure(dir, formats, stem, &Lines { l: lines, meta })
}

struct Lines<'a> {
    l: &'a IndexLines,
    meta: &'a Meta,
}

impl Figure for Lines<'_> {
    fn size(&self) -> (u32, u32) {
        (1300, 800)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let l = self.l;
        let title = format!("{}: {}", self.meta.title, l.heading);
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let items = l
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                LegendItem::new(
                    p.clone(),
                    Swatch::Line {
                        color: look::palette(i),
                        width: 3,
                        dash: Dash::nth(i / 10),
                    },
                )
            })
            .collect();
        let legend = Legend {
            heading: Some("Parameter".into()),
            items,
            key: Vec::new(),
            note: None,
        };
        let area = look::with_legend(&body, &legend)?;
        let Some(x) = look::YearAxis::spanning(l.years.iter().copied(), 0.0, 10) else {
            return look::no_data(&area, "no years");
        };
        let y = look::ValueAxis::covering(l.values.iter().flatten().copied(), true, 6);
        let text = PanelText {
            title: None,
            x_desc: Some("Year"),
            y_desc: Some(&l.y_desc),
            scale: LARGE,
            min_y_area: 0,
        };
        let mut chart = look::panel(&area, &x, &y, text)?;
        for (i, v) in l.values.iter().enumerate() {
            let pts: Vec<(f64, f64)> = l
                .years
                .iter()
                .zip(v)
                .map(|(y, v)| (f64::from(*y), *v))
                .collect();
            look::line(&mut chart, &pts, look::palette(i), 3, Dash::nth(i / 10))?;
        }
        Ok(())
    }
}
