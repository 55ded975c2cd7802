//! Driver decomposition: for each year, the terms of the change in closeness as stacked bars
//! (positive terms upward from zero, negative downward) and the net change as a line. Reads
//! only the bars and net values the caller passes; knows nothing of the model.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::look::{self, Dash, LARGE, Legend, LegendItem, PanelText, Swatch};
use super::render::{DrawResult, Figure, svg_text, write_figure};
use super::{DriverBar, Format, Meta};

const NET: RGBColor = RGBColor(0, 0, 0);
/// Width of a bar, in years.
const BAR_WIDTH: f64 = 0.7;

/// Writes `<stem>.<ext>`: stacked bars of `bars` per year and the `net` change as a black
/// line with markers; the title is the scenario's followed by `heading`. Terms take palette
/// colours in the order they first appear in `bars`, so callers that list terms in a fixed
/// order get the same colour for a term in every chart.
pub fn drivers(
    dir: &Path,
    formats: &[Format],
    stem: &str,
    bars: &[DriverBar],
    net: &[(i32, f64)],
    heading: &str,
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    let figure = Drivers::new(bars, net, heading, meta);
    write_figure(dir, formats, stem, &figure)
}

/// The SVG text of `drivers` (nothing written).
pub fn drivers_svg(
    bars: &[DriverBar],
    net: &[(i32, f64)],
    heading: &str,
    meta: &Meta,
) -> anyhow::Result<String> {
    svg_text(&Drivers::new(bars, net, heading, meta))
}

struct Drivers<'a> {
    /// Terms in order of first appearance.
    terms: Vec<&'a str>,
    /// Summed value per (year, term index); missing and non-finite values left out.
    values: BTreeMap<(i32, usize), f64>,
    net: &'a [(i32, f64)],
    heading: &'a str,
    meta: &'a Meta,
}

impl<'a> Drivers<'a> {
    fn new(
        bars: &'a [DriverBar],
        net: &'a [(i32, f64)],
        heading: &'a str,
        meta: &'a Meta,
    ) -> Drivers<'a> {
        let mut terms: Vec<&str> = Vec::new();
        let mut values = BTreeMap::new();
        for bar in bars {
            let t = match terms.iter().position(|t| *t == bar.term) {
                Some(t) => t,
                None => {
                    terms.push(&bar.term);
                    terms.len() - 1
                }
            };
            if bar.value.is_finite() {
                *values.entry((bar.year, t)).or_insert(0.0) += bar.value;
            }
        }
        Drivers {
            terms,
            values,
            net,
            heading,
            meta,
        }
    }

    /// Stacked segments: (year, term, bottom, top).
    fn segments(&self) -> Vec<(i32, usize, f64, f64)> {
        let mut out = Vec::new();
        let mut base: BTreeMap<i32, (f64, f64)> = BTreeMap::new();
        for (&(year, term), &v) in &self.values {
            let (up, down) = base.entry(year).or_insert((0.0, 0.0));
            if v > 0.0 {
                out.push((year, term, *up, *up + v));
                *up += v;
            } else if v < 0.0 {
                out.push((year, term, *down + v, *down));
                *down += v;
            }
        }
        out
    }
}

impl Figure for Drivers<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 800)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let title = format!("{}: {}", self.meta.title, self.heading);
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let mut items: Vec<LegendItem> = self
            .terms
            .iter()
            .enumerate()
            .map(|(i, t)| LegendItem::new(*t, Swatch::Bar(look::palette(i))))
            .collect();
        if !self.net.is_empty() {
            items.push(LegendItem::new("Net change", Swatch::LineMarker(NET)));
        }
        let legend = Legend {
            heading: Some("Term".to_string()),
            items,
            key: Vec::new(),
            note: None,
        };
        let area = look::with_legend(&body, &legend)?;
        let years = self
            .values
            .keys()
            .map(|(y, _)| *y)
            .chain(self.net.iter().map(|(y, _)| *y));
        let Some(x) = look::YearAxis::spanning(years, 0.6, 10) else {
            return look::no_data(&area, "no driver values to show");
        };
        let segments = self.segments();
        let values = segments
            .iter()
            .flat_map(|(_, _, lo, hi)| [*lo, *hi])
            .chain(self.net.iter().map(|(_, v)| *v));
        let y = look::ValueAxis::covering(values, true, 8);
        let text = PanelText {
            title: None,
            x_desc: Some("Year"),
            y_desc: Some("Change in closeness per year"),
            scale: LARGE,
            min_y_area: 0,
        };
        let mut chart = look::panel(&area, &x, &y, text)?;
        let half = BAR_WIDTH / 2.0;
        chart.draw_series(segments.iter().map(|(year, term, lo, hi)| {
            let x = f64::from(*year);
            Rectangle::new(
                [(x - half, *lo), (x + half, *hi)],
                look::palette(*term).filled(),
            )
        }))?;
        chart.draw_series(segments.iter().map(|(year, _, lo, hi)| {
            let x = f64::from(*year);
            Rectangle::new([(x - half, *lo), (x + half, *hi)], WHITE.stroke_width(1))
        }))?;
        let (x0, x1) = x.bounds();
        chart.draw_series(LineSeries::new(
            [(x0, 0.0), (x1, 0.0)],
            look::INK.stroke_width(1),
        ))?;
        let mut net: Vec<(f64, f64)> = self.net.iter().map(|(y, v)| (f64::from(*y), *v)).collect();
        net.sort_by(|a, b| a.0.total_cmp(&b.0));
        look::line(&mut chart, &net, NET, 2, Dash::Solid)?;
        chart.draw_series(
            net.iter()
                .filter(|(_, v)| v.is_finite())
                .map(|p| Circle::new(*p, 5, NET.filled())),
        )?;
        Ok(())
    }
}
