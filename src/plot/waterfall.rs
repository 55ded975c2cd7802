//! Waterfall of an attribution: from A's value, each lever's part as a floating bar (blue up,
//! red down) with a 95% whisker, to B's value. One panel per measure, stacked. Reads plain
//! numbers the caller hands over; knows nothing of the model or of Shapley values.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::look::{self, Dash, Legend, LegendItem, PanelText, SMALL, Swatch};
use super::render::{DrawResult, Figure, write_figure};
use super::{Format, Meta};

/// One step of a waterfall.
#[derive(Clone, Debug, PartialEq)]
pub struct WaterfallStep {
    /// The lever.
    pub label: String,
    /// Its part of the gap.
    pub value: f64,
    /// Standard error of the part (whisker ±1.96 se).
    pub se: f64,
}

/// One measure's waterfall.
#[derive(Clone, Debug, PartialEq)]
pub struct WaterfallPanel {
    /// Panel title.
    pub title: String,
    /// Name and value of the start (A).
    pub start: (String, f64),
    /// The parts, top to bottom.
    pub steps: Vec<WaterfallStep>,
    /// Name and value of the end (B).
    pub end: (String, f64),
}

/// Writes `<stem>.<ext>`.
pub fn waterfall(
    dir: &Path,
    formats: &[Format],
    stem: &str,
    panels: &[WaterfallPanel],
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    write_figure(dir, formats, stem, &Waterfall { panels, meta })
}

struct Waterfall<'a> {
    panels: &'a [WaterfallPanel],
    meta: &'a Meta,
}

const UP: RGBColor = RGBColor(31, 119, 180);
const DOWN: RGBColor = RGBColor(214, 39, 40);

impl Figure for Waterfall<'_> {
    fn size(&self) -> (u32, u32) {
        let rows: usize = self.panels.iter().map(|p| p.steps.len() + 2).sum();
        (
            1300,
            (200 + 44 * rows as u32 + 60 * self.panels.len() as u32).clamp(500, 3000),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let title = format!("{}: the gap split among its levers", self.meta.title);
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let legend = Legend {
            heading: None,
            items: vec![
                LegendItem::new("raises the measure", Swatch::Bar(UP)),
                LegendItem::new("lowers the measure", Swatch::Bar(DOWN)),
                LegendItem::new("scenario mean", Swatch::Marker(look::INK)),
                LegendItem::new(
                    "95% interval of a part",
                    Swatch::Line {
                        color: look::INK,
                        width: 2,
                        dash: Dash::Solid,
                    },
                ),
            ],
            key: Vec::new(),
            note: Some("Shapley values on common random numbers".into()),
        };
        let area = look::with_legend(&body, &legend)?;
        if self.panels.is_empty() {
            return look::no_data(&area, "no measures");
        }
        let weights: Vec<u32> = self
            .panels
            .iter()
            .map(|p| (p.steps.len() + 3) as u32)
            .collect();
        let total: u32 = weights.iter().sum();
        let (_, h) = area.dim_in_pixel();
        let mut rest = area.clone();
        for (i, (p, w)) in self.panels.iter().zip(&weights).enumerate() {
            let cell = if i + 1 == self.panels.len() {
                rest.clone()
            } else {
                let px = (h * w / total.max(1)) as i32;
                let (top, bottom) = rest.split_vertically(px);
                rest = bottom;
                top
            };
            draw_panel(&cell, p, i + 1 == self.panels.len())?;
        }
        Ok(())
    }
}

fn draw_panel<DB: DrawingBackend>(
    cell: &DrawingArea<DB, Shift>,
    p: &WaterfallPanel,
    last: bool,
) -> DrawResult<DB> {
    let n = p.steps.len() + 2;
    // Top to bottom: start, steps, end.
    let mut names: Vec<String> = vec![p.start.0.clone()];
    names.extend(p.steps.iter().map(|s| s.label.clone()));
    names.push(p.end.0.clone());
    let y = look::ValueAxis::named(names.into_iter().rev().collect());
    let mut level = p.start.1;
    let mut extent = vec![p.start.1, p.end.1];
    for s in &p.steps {
        let whisker = 1.96 * s.se.max(0.0);
        extent.extend([level, level + s.value - whisker, level + s.value + whisker]);
        level += s.value;
    }
    let x = look::ValueAxis::covering(extent, false, 6);
    let text = PanelText {
        title: Some((p.title.as_str(), look::INK)),
        x_desc: last.then_some("value of the measure (bars: each lever's part of the gap)"),
        y_desc: None,
        scale: SMALL,
        min_y_area: 0,
    };
    let mut chart = look::value_panel(cell, &x, &y, text)?;
    let row = |i: usize| (n - 1 - i) as f64;
    let mut level = p.start.1;
    for (i, s) in p.steps.iter().enumerate() {
        let r = row(i + 1);
        let next = level + s.value;
        let color = if s.value >= 0.0 { UP } else { DOWN };
        if s.value.is_finite() {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(level, r - 0.32), (next, r + 0.32)],
                color.filled(),
            )))?;
            // Connector to the next bar.
            chart.draw_series(LineSeries::new(
                [(next, r - 0.32), (next, r - 0.68)],
                look::MUTED.stroke_width(1),
            ))?;
            let whisker = 1.96 * s.se;
            if whisker.is_finite() && whisker > 0.0 {
                chart.draw_series(LineSeries::new(
                    [(next - whisker, r), (next + whisker, r)],
                    look::INK.stroke_width(2),
                ))?;
            }
            let label = if s.value.abs() < 0.0005 {
                " 0.000".to_string()
            } else {
                format!(" {}{:.3}", if s.value >= 0.0 { "+" } else { "" }, s.value)
                    .replace('-', "\u{2212}")
            };
            let right = level.max(next) + if whisker.is_finite() { whisker } else { 0.0 };
            chart.draw_series(std::iter::once(Text::new(
                label,
                (right, r + 0.2),
                look::text(15.0, look::INK),
            )))?;
        }
        level = next;
    }
    for (r, v) in [(row(0), p.start.1), (row(n - 1), p.end.1)] {
        chart.draw_series(std::iter::once(Circle::new((v, r), 7, look::INK.filled())))?;
        chart.draw_series(std::iter::once(Text::new(
            format!("  {v:.3}"),
            (v, r + 0.2),
            look::text(15.0, look::INK),
        )))?;
    }
    chart.draw_series(LineSeries::new(
        [(p.start.1, row(0)), (p.start.1, row(1) + 0.32)],
        look::MUTED.stroke_width(1),
    ))?;
    Ok(())
}
