//! Fan charts of systemic leeway (with the zero line below which the hedge is unstable) and,
//! on a smaller panel beneath, of the hedging index. Reads `stats::Summary` series
//! `("leeway", "", "")` and `("hedging", "", "")` only; knows nothing of the model.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::look::{self, Chart, LARGE, Legend, LegendItem, PanelText, Swatch};
use super::render::{DrawResult, Figure, svg_text, write_figure};
use super::{Format, Mark, Meta, PowerStyle};
use crate::stats::{Quantiles, Summary};

const LEEWAY: RGBColor = RGBColor(44, 82, 130);
const HEDGING: RGBColor = RGBColor(0, 121, 107);
const DANGER: RGBColor = RGBColor(178, 34, 34);

/// Writes `leeway.<ext>`: median, 50% and 90% bands of the leeway index with a dashed zero
/// line, and the hedging index on a second panel.
pub fn leeway(
    dir: &Path,
    formats: &[Format],
    s: &Summary,
    _powers: &[PowerStyle],
    marks: &[Mark],
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    write_figure(dir, formats, "leeway", &Leeway { s, marks, meta })
}

/// The SVG text of `leeway` (nothing written).
pub fn leeway_svg(s: &Summary, meta: &Meta) -> anyhow::Result<String> {
    svg_text(&Leeway {
        s,
        marks: &[],
        meta,
    })
}

struct Leeway<'a> {
    s: &'a Summary,
    marks: &'a [Mark],
    meta: &'a Meta,
}

/// Draws both bands and the median of one series.
fn fan<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    years: &[i32],
    q: &[Quantiles],
    color: RGBColor,
) -> DrawResult<DB> {
    look::fans(chart, years, &[(color, q)], 1.0, true)
}

/// The hedging index is a share (0–1); fit the axis to the data only if it strays outside.
fn hedging_axis(hedging: Option<&[Quantiles]>) -> look::ValueAxis {
    let values: Vec<f64> = hedging
        .into_iter()
        .flat_map(|q| look::extent(q, 1.0))
        .collect();
    let in_unit = values
        .iter()
        .all(|v| !v.is_finite() || (-1e-9..=1.0 + 1e-9).contains(v));
    if in_unit {
        look::ValueAxis::fixed(0.0, 1.0, 4)
    } else {
        look::ValueAxis::covering(values, true, 4)
    }
}

impl Figure for Leeway<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 900)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let title = format!("{}: systemic leeway and hedging", self.meta.title);
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let leeway = self.s.get("leeway", "", "");
        let hedging = self.s.get("hedging", "", "");
        let mut items = Vec::new();
        if leeway.is_some() {
            items.push(LegendItem::new("Leeway index", Swatch::Fan(LEEWAY)));
        }
        if hedging.is_some() {
            items.push(LegendItem::new("Hedging index", Swatch::Fan(HEDGING)));
        }
        items.push(LegendItem::new(
            "Hedge unstable (< 0)",
            Swatch::Region(DANGER.mix(0.08)),
        ));
        let legend = Legend {
            heading: None,
            items,
            key: look::fan_key(true),
            note: None,
        };
        let area = look::with_legend(&body, &legend)?;
        let Some(x) = look::YearAxis::spanning(self.s.years.iter().copied(), 0.0, 10) else {
            return look::no_data(&area, "no years in the summary");
        };
        let years = &self.s.years;
        let (top, bottom) = area.split_vertically((62).percent_height());

        let y = look::ValueAxis::covering(
            leeway.into_iter().flat_map(|q| look::extent(q, 1.0)),
            true,
            6,
        );
        let y_hedging = hedging_axis(hedging);
        // Same label width in both panels, so that their plots line up.
        let min_y_area = look::y_area(&area, &y, LARGE, true)?
            .max(look::y_area(&area, &y_hedging, LARGE, true)?);
        let text = PanelText {
            title: Some(("Systemic leeway (positive: the hedge is stable)", look::INK)),
            x_desc: None,
            y_desc: Some("Leeway index L"),
            scale: LARGE,
            min_y_area,
        };
        let mut chart = look::panel(&top.margin(0, 12, 0, 0), &x, &y, text)?;
        look::marks(&mut chart, self.marks, true)?;
        let (x0, x1) = x.bounds();
        let (lo, _) = y.bounds();
        if lo < 0.0 {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x0, lo), (x1, 0.0)],
                DANGER.mix(0.06).filled(),
            )))?;
        }
        match leeway {
            Some(q) => fan(&mut chart, years, q, LEEWAY)?,
            None => look::chart_note(&chart, "no leeway series in the summary")?,
        }
        chart.draw_series(DashedLineSeries::new(
            [(x0, 0.0), (x1, 0.0)],
            10,
            6,
            DANGER.stroke_width(2),
        ))?;
        let label = look::text(17.0, DANGER).pos(Pos::new(HPos::Left, VPos::Bottom));
        chart.draw_series(std::iter::once(
            EmptyElement::at((x0, 0.0)) + Text::new("hedge unstable below 0", (10, -6), label),
        ))?;

        let text = PanelText {
            title: Some(("Hedging index (1 = closeness spread evenly)", look::INK)),
            x_desc: Some("Year"),
            y_desc: Some("Hedging index"),
            scale: LARGE,
            min_y_area,
        };
        let mut chart = look::panel(&bottom, &x, &y_hedging, text)?;
        look::marks(&mut chart, self.marks, false)?;
        match hedging {
            Some(q) => fan(&mut chart, years, q, HEDGING)?,
            None => look::chart_note(&chart, "no hedging series in the summary")?,
        }
        Ok(())
    }
}
