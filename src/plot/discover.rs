//! Figures of scenario discovery: the PRIM peeling trajectory (coverage against density, each
//! box coloured by how many parameters it restricts, the chosen box ringed) and the chosen
//! box as bounds on each restricted parameter within its sampled range. Reads plain numbers
//! the caller hands over; knows nothing of the model.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::look::{self, LARGE, Legend, LegendItem, PanelText, Swatch};
use super::render::{DrawResult, Figure, write_figure};
use super::{Format, Meta};

/// One box of a peeling trajectory.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PeelPoint {
    /// Coverage.
    pub coverage: f64,
    /// Density.
    pub density: f64,
    /// Number of restricted parameters.
    pub restricted: usize,
}

/// A restricted parameter of the chosen box.
#[derive(Clone, Debug, PartialEq)]
pub struct BoxLimit {
    /// Parameter path.
    pub param: String,
    /// Sampled range.
    pub full: (f64, f64),
    /// The box's bounds.
    pub bounds: (f64, f64),
    /// Share of bootstrap reruns that restricted it too.
    pub reproducibility: f64,
}

/// Everything the discovery figure shows.
#[derive(Clone, Debug)]
pub struct Discovery {
    /// The outcome of interest, as written.
    pub outcome: String,
    /// Trajectory, from the full box on.
    pub path: Vec<PeelPoint>,
    /// Index of the chosen box on it.
    pub chosen: usize,
    /// Coverage and density of the chosen box after pasting.
    pub chosen_after_paste: (f64, f64),
    /// Restricted parameters of the chosen box.
    pub limits: Vec<BoxLimit>,
}

/// Writes `discover.<ext>`.
pub fn discovery(
    dir: &Path,
    formats: &[Format],
    d: &Discovery,
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    write_figure(dir, formats, "discover", &Fig { d, meta })
}

struct Fig<'a> {
    d: &'a Discovery,
    meta: &'a Meta,
}

const CHOSEN: RGBColor = RGBColor(178, 34, 34);
const BOX: RGBColor = RGBColor(44, 82, 130);

impl Figure for Fig<'_> {
    fn size(&self) -> (u32, u32) {
        (1300, 1200)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let d = self.d;
        let title = format!("{}: where \"{}\" happens", self.meta.title, d.outcome);
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let most = d.path.iter().map(|p| p.restricted).max().unwrap_or(0);
        let mut shown = vec![0, most / 2, most];
        shown.dedup();
        let mut items: Vec<LegendItem> = shown
            .into_iter()
            .map(|k| {
                let s = if k == 1 { "" } else { "s" };
                LegendItem::new(
                    format!("box restricting {k} parameter{s}"),
                    Swatch::Marker(shade(k, most)),
                )
            })
            .collect();
        items.push(LegendItem::new(
            "chosen on the trajectory",
            Swatch::Line {
                color: CHOSEN,
                width: 3,
                dash: look::Dash::Solid,
            },
        ));
        items.push(LegendItem::new(
            "after pasting and pruning",
            Swatch::Marker(CHOSEN),
        ));
        items.push(LegendItem::new("box bounds", Swatch::Region(BOX.mix(0.7))));
        let legend = Legend {
            heading: None,
            items,
            key: Vec::new(),
            note: Some("(%): share of resampled reruns restricting it".into()),
        };
        let area = look::with_legend(&body, &legend)?;
        let (top, bottom) = area.split_vertically((58).percent_height());
        let x = look::ValueAxis::fixed(0.0, 1.0, 5);
        let y = look::ValueAxis::fixed(0.0, 1.0, 5);
        let text = PanelText {
            title: Some((
                "Peeling trajectory: each step trades coverage for density",
                look::INK,
            )),
            x_desc: Some("Coverage (share of all runs with the outcome that the box holds)"),
            y_desc: Some("Density (share of runs in the box)"),
            scale: LARGE,
            min_y_area: 0,
        };
        let mut chart = look::value_panel(&top.margin(0, 16, 0, 0), &x, &y, text)?;
        let pts: Vec<(f64, f64)> = d.path.iter().map(|p| (p.coverage, p.density)).collect();
        look::line(&mut chart, &pts, look::NEUTRAL, 1, look::Dash::Solid)?;
        chart.draw_series(d.path.iter().map(|p| {
            Circle::new(
                (p.coverage, p.density),
                6,
                shade(p.restricted, most).filled(),
            )
        }))?;
        if let Some(c) = d.path.get(d.chosen) {
            chart.draw_series(std::iter::once(Circle::new(
                (c.coverage, c.density),
                11,
                CHOSEN.stroke_width(3),
            )))?;
            let (cov, den) = d.chosen_after_paste;
            chart.draw_series(LineSeries::new(
                [(c.coverage, c.density), (cov, den)],
                CHOSEN.stroke_width(2),
            ))?;
            chart.draw_series(std::iter::once(Circle::new((cov, den), 8, CHOSEN.filled())))?;
            let style = look::bold(17.0, CHOSEN).pos(Pos::new(HPos::Left, VPos::Top));
            chart.draw_series(std::iter::once(
                EmptyElement::at((cov, den))
                    + Text::new(
                        format!(
                            "chosen: coverage {:.0}%, density {:.0}%",
                            cov * 100.0,
                            den * 100.0
                        ),
                        (12, 10),
                        style,
                    ),
            ))?;
        }
        self.limits(&bottom)
    }
}

impl Fig<'_> {
    /// Bounds of the chosen box on each restricted parameter, as a share of its range.
    fn limits<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let d = self.d;
        if d.limits.is_empty() {
            return look::no_data(area, "the chosen box restricts no parameter");
        }
        let names: Vec<String> = d
            .limits
            .iter()
            .rev()
            .map(|l| format!("{} ({:.0}%)", l.param, l.reproducibility * 100.0))
            .collect();
        let n = names.len();
        let y = look::ValueAxis::named(names);
        let x = look::ValueAxis::fixed(0.0, 1.0, 4);
        let text = PanelText {
            title: Some((
                "The chosen box: bounds within each sampled range",
                look::INK,
            )),
            x_desc: Some("Position within the sampled range (0 = lowest, 1 = highest)"),
            y_desc: None,
            scale: LARGE,
            min_y_area: 0,
        };
        let mut chart = look::value_panel(area, &x, &y, text)?;
        for (i, l) in d.limits.iter().enumerate() {
            let row = (n - 1 - i) as f64;
            let span = (l.full.1 - l.full.0).max(1e-12);
            let a = (l.bounds.0 - l.full.0) / span;
            let b = (l.bounds.1 - l.full.0) / span;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, row - 0.08), (1.0, row + 0.08)],
                look::NEUTRAL.mix(0.25).filled(),
            )))?;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(a, row - 0.3), (b, row + 0.3)],
                BOX.mix(0.7).filled(),
            )))?;
            let style = look::text(16.0, look::INK).pos(Pos::new(HPos::Center, VPos::Bottom));
            for (pos, v) in [(a, l.bounds.0), (b, l.bounds.1)] {
                chart.draw_series(std::iter::once(
                    EmptyElement::at((pos, row + 0.3))
                        + Text::new(look::number(v, digits(span)), (0, -4), style.clone()),
                ))?;
            }
        }
        Ok(())
    }
}

/// Colour of a box restricting `k` of at most `most` parameters: light to dark.
fn shade(k: usize, most: usize) -> RGBColor {
    use plotters::style::colors::colormaps::ViridisRGB;
    let t = if most == 0 {
        0.0
    } else {
        k as f64 / most as f64
    };
    ViridisRGB::get_color(0.9 - 0.8 * t)
}

/// Decimals that show a value of a range of width `span` to about 1%.
fn digits(span: f64) -> usize {
    (2 - span.log10().floor() as i32).clamp(0, 6) as usize
}
