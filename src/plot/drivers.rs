//! Driver decomposition: for each year, the causes of the change in closeness as stacked bars
//! (positive parts upward from zero, negative downward) and the net change as a line. Each
//! cause has its fixed colour and label (`causes.rs`), the same in every chart. Reads only the
//! bars and net values the caller passes; knows nothing of the model.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::causes;
use super::look::{self, Dash, LARGE, Legend, LegendItem, PanelText, Swatch};
use super::render::{DrawResult, Figure, svg_text, write_figure};
use super::{DriverBar, Format, Mark, Meta, PowerStyle};

const NET: RGBColor = RGBColor(0, 0, 0);
/// Width of a bar, in years.
const BAR_WIDTH: f64 = 0.7;

/// What a drivers chart shows, besides the scenario's title.
pub struct DriverChart<'a> {
    /// Parts of the move per year and cause (cause output names, e.g. `instrument.loans`).
    pub bars: &'a [DriverBar],
    /// The net move per year.
    pub net: &'a [(i32, f64)],
    /// Title after the scenario's, e.g. "Why closeness to Russia moved".
    pub heading: &'a str,
    /// Description of the value axis (the unit of the bars).
    pub unit: &'a str,
    /// How to read the chart, a few short lines under the legend.
    pub note: Option<String>,
    /// Powers, for the names and colours of rivalry causes.
    pub powers: &'a [PowerStyle],
    /// Elections and scripted events to mark on the time axis.
    pub marks: &'a [Mark],
}

/// Writes `<stem>.<ext>`: stacked bars of `chart.bars` per year and the net change as a black
/// line with markers; the title is the scenario's followed by the heading. Each cause has its
/// fixed colour and label, whatever else the chart shows.
pub fn drivers(
    dir: &Path,
    formats: &[Format],
    stem: &str,
    chart: &DriverChart,
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    let figure = Drivers::new(chart, meta);
    write_figure(dir, formats, stem, &figure)
}

/// The SVG text of `drivers` (nothing written).
pub fn drivers_svg(chart: &DriverChart, meta: &Meta) -> anyhow::Result<String> {
    svg_text(&Drivers::new(chart, meta))
}

struct Drivers<'a> {
    chart: &'a DriverChart<'a>,
    /// Terms in order of first appearance.
    terms: Vec<&'a str>,
    /// Summed value per (year, term index); missing and non-finite values left out.
    values: BTreeMap<(i32, usize), f64>,
    net: &'a [(i32, f64)],
    heading: &'a str,
    meta: &'a Meta,
}

impl<'a> Drivers<'a> {
    fn new(chart: &'a DriverChart<'a>, meta: &'a Meta) -> Drivers<'a> {
        let (bars, net, heading) = (chart.bars, chart.net, chart.heading);
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
            chart,
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
            .map(|t| {
                let c = causes::color(t, self.chart.powers);
                LegendItem::new(causes::label(t, self.chart.powers), Swatch::Bar(c))
            })
            .collect();
        if !self.net.is_empty() {
            items.push(LegendItem::new("Net change", Swatch::LineMarker(NET)));
        }
        let legend = Legend {
            heading: Some("Cause".to_string()),
            items,
            key: Vec::new(),
            note: self.chart.note.clone(),
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
            y_desc: Some(self.chart.unit),
            scale: LARGE,
            min_y_area: 0,
        };
        let mut chart = look::panel(&area, &x, &y, text)?;
        let half = BAR_WIDTH / 2.0;
        chart.draw_series(segments.iter().map(|(year, term, lo, hi)| {
            let x = f64::from(*year);
            Rectangle::new(
                [(x - half, *lo), (x + half, *hi)],
                causes::color(self.terms[*term], self.chart.powers).filled(),
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
        look::marks(&mut chart, self.chart.marks, true)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders a drivers chart into an RGB buffer.
    fn pixels(bars: &[DriverBar], powers: &[PowerStyle]) -> Vec<u8> {
        super::super::fonts::ensure_registered().unwrap();
        let net: Vec<(i32, f64)> = (2025..=2030).map(|y| (y, 0.0)).collect();
        let chart = DriverChart {
            bars,
            net: &net,
            heading: "test",
            unit: "part of the move",
            note: None,
            powers,
            marks: &[],
        };
        let meta = Meta::default();
        let figure = Drivers::new(&chart, &meta);
        let (w, h) = figure.size();
        let mut buf = vec![0u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
            figure.draw(&root).unwrap();
            root.present().unwrap();
        }
        buf
    }

    fn count(buf: &[u8], c: RGBColor) -> usize {
        buf.chunks(3).filter(|p| *p == [c.0, c.1, c.2]).count()
    }

    fn bars(terms: &[(&str, f64)]) -> Vec<DriverBar> {
        (2025..=2030)
            .flat_map(|year| {
                terms.iter().map(move |(t, v)| DriverBar {
                    year,
                    term: t.to_string(),
                    value: *v,
                })
            })
            .collect()
    }

    /// Regression: colours were assigned per chart in order of appearance, so "sanctions"
    /// was the first palette colour in one chart and the second in another.
    #[test]
    fn a_cause_keeps_its_colour_across_charts() {
        let powers = [PowerStyle {
            id: "US".into(),
            name: "United States".into(),
            color: [200, 30, 45],
        }];
        let a = pixels(
            &bars(&[("sanctions", -0.05), ("instrument.grants", 0.04)]),
            &powers,
        );
        let b = pixels(
            &bars(&[
                ("instrument.loans", 0.03),
                ("rivalry.US", -0.02),
                ("threat.us_5g", -0.04),
                ("sanctions", -0.05),
            ]),
            &powers,
        );
        let sanctions = causes::color("sanctions", &powers);
        let grants = causes::color("instrument.grants", &powers);
        let loans = causes::color("instrument.loans", &powers);
        // The same cause is drawn in the same colour in both charts ...
        assert!(count(&a, sanctions) > 1000, "{}", count(&a, sanctions));
        assert!(count(&b, sanctions) > 1000, "{}", count(&b, sanctions));
        // ... and a colour stands for one cause only: grants' colour is absent from the
        // chart without grants, although grants came second in the first chart and loans
        // second in the second.
        assert!(count(&a, grants) > 1000);
        assert_eq!(count(&b, grants), 0);
        assert!(count(&b, loans) > 1000);
        assert_eq!(count(&a, loans), 0);
    }
}
