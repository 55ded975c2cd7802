//! Figures of parameter sweeps: the tipping (bifurcation) diagram of a one-parameter sweep
//! (closeness per power with 50/90% bands, the share of runs whose hedge collapsed toward
//! each power, and leeway with its zero crossing marked), and heatmaps of a two-parameter
//! sweep with the contour where median leeway is zero. Reads plain numbers the caller hands
//! over; knows nothing of the model.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::look::{self, Chart, Dash, LARGE, Legend, LegendItem, PanelText, SMALL, Swatch};
use super::render::{DrawResult, Figure, write_figure};
use super::{Format, Meta, PowerStyle};
use crate::stats::Quantiles;

const LEEWAY: RGBColor = RGBColor(44, 82, 130);
const DANGER: RGBColor = RGBColor(178, 34, 34);

/// A one-parameter sweep, summarised per value.
#[derive(Clone, Debug)]
pub struct Sweep1<'a> {
    /// The parameter's path (axis title).
    pub param: &'a str,
    /// The year summarised.
    pub year: i32,
    /// Parameter values.
    pub x: &'a [f64],
    /// Per power: closeness quantiles per value.
    pub closeness: Vec<Vec<Quantiles>>,
    /// Per power: share of runs whose hedge collapsed toward it, per value.
    pub collapse: Vec<Vec<f64>>,
    /// Leeway quantiles per value.
    pub leeway: Vec<Quantiles>,
    /// Where median leeway crosses zero.
    pub tipping: Option<f64>,
}

/// Writes `tipping.<ext>`.
pub fn tipping(
    dir: &Path,
    formats: &[Format],
    sweep: &Sweep1<'_>,
    powers: &[PowerStyle],
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    write_figure(
        dir,
        formats,
        "tipping",
        &Tipping {
            s: sweep,
            powers,
            meta,
        },
    )
}

struct Tipping<'a> {
    s: &'a Sweep1<'a>,
    powers: &'a [PowerStyle],
    meta: &'a Meta,
}

/// Bands and median of quantiles over parameter values.
fn fan_x<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    x: &[f64],
    q: &[Quantiles],
    color: RGBColor,
) -> DrawResult<DB> {
    for (alpha, lo, hi) in [
        (
            look::ALPHA_90,
            (|q: &Quantiles| q.p5) as fn(&Quantiles) -> f64,
            (|q: &Quantiles| q.p95) as fn(&Quantiles) -> f64,
        ),
        (look::ALPHA_50, |q: &Quantiles| q.p25, |q: &Quantiles| q.p75),
    ] {
        if x.len() < 2 {
            continue;
        }
        let outline: Vec<(f64, f64)> = x
            .iter()
            .zip(q)
            .map(|(x, q)| (*x, hi(q)))
            .chain(x.iter().zip(q).rev().map(|(x, q)| (*x, lo(q))))
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(
            outline,
            color.mix(alpha).filled(),
        )))?;
    }
    let med: Vec<(f64, f64)> = x.iter().zip(q).map(|(x, q)| (*x, q.p50)).collect();
    look::line(chart, &med, color, look::MEDIAN_WIDTH, Dash::Solid)
}

fn x_axis(x: &[f64]) -> look::ValueAxis {
    let lo = x.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if hi > lo {
        look::ValueAxis::fixed(lo, hi, 8)
    } else {
        look::ValueAxis::covering(x.iter().copied(), false, 8)
    }
}

/// The tipping point as a vertical dashed line with its value.
fn mark_tipping<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    at: Option<f64>,
    y: &look::ValueAxis,
    label: bool,
) -> DrawResult<DB> {
    let Some(t) = at else { return Ok(()) };
    let (lo, hi) = y.bounds();
    chart.draw_series(DashedLineSeries::new(
        [(t, lo), (t, hi)],
        8,
        6,
        DANGER.stroke_width(2),
    ))?;
    if label {
        let style = look::bold(17.0, DANGER).pos(Pos::new(HPos::Left, VPos::Top));
        chart.draw_series(std::iter::once(
            EmptyElement::at((t, hi))
                + Text::new(
                    format!("tipping point {}", look::number(t, 3)),
                    (8, 6),
                    style,
                ),
        ))?;
    }
    Ok(())
}

impl Figure for Tipping<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 1250)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let s = self.s;
        let title = format!("{}: tipping diagram over {}", self.meta.title, s.param);
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let mut items: Vec<LegendItem> = self
            .powers
            .iter()
            .map(|p| LegendItem::new(p.name.clone(), Swatch::Fan(look::rgb(p.color))))
            .collect();
        items.push(LegendItem::new("Leeway index", Swatch::Fan(LEEWAY)));
        items.push(LegendItem::new(
            "Tipping point (median leeway = 0)",
            Swatch::Line {
                color: DANGER,
                width: 2,
                dash: Dash::Dashed,
            },
        ));
        let legend = Legend {
            heading: None,
            items,
            key: look::fan_key(true),
            note: Some("one point per swept value".into()),
        };
        let area = look::with_legend(&body, &legend)?;
        if s.x.is_empty() {
            return look::no_data(&area, "no cases in the sweep");
        }
        let x = x_axis(s.x);
        let panels = area.split_evenly((3, 1));
        let y_close = look::ValueAxis::fixed(0.0, 1.0, 5);
        let y_share = look::ValueAxis::fixed(0.0, 1.0, 5);
        let y_leeway =
            look::ValueAxis::covering(s.leeway.iter().flat_map(|q| [q.p5, q.p95]), true, 6);
        let min_y_area = [&y_close, &y_share, &y_leeway]
            .iter()
            .map(|y| look::y_area(&area, y, LARGE, true))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .max()
            .unwrap_or(0);
        let close_title = format!("Closeness to each power in {}", s.year);
        let text = |title: &'static str, y_desc: &'static str, last: bool| PanelText {
            title: Some((title, look::INK)),
            x_desc: last.then_some(s.param),
            y_desc: Some(y_desc),
            scale: LARGE,
            min_y_area,
        };
        let mut t0 = text("", "Closeness", false);
        t0.title = Some((close_title.as_str(), look::INK));
        let mut chart = look::value_panel(&panels[0].margin(0, 12, 0, 0), &x, &y_close, t0)?;
        for (p, q) in self.powers.iter().zip(&s.closeness) {
            fan_x(&mut chart, s.x, q, look::rgb(p.color))?;
        }
        mark_tipping(&mut chart, s.tipping, &y_close, true)?;

        let mut chart = look::value_panel(
            &panels[1].margin(0, 12, 0, 0),
            &x,
            &y_share,
            text(
                "Share of runs whose hedge collapsed toward each power",
                "Share of runs",
                false,
            ),
        )?;
        for (p, share) in self.powers.iter().zip(&s.collapse) {
            let pts: Vec<(f64, f64)> = s.x.iter().copied().zip(share.iter().copied()).collect();
            look::line(&mut chart, &pts, look::rgb(p.color), 3, Dash::Solid)?;
            chart.draw_series(
                pts.iter()
                    .map(|pt| Circle::new(*pt, 4, look::rgb(p.color).filled())),
            )?;
        }
        mark_tipping(&mut chart, s.tipping, &y_share, false)?;

        let mut chart = look::value_panel(
            &panels[2],
            &x,
            &y_leeway,
            text(
                "Leeway index (hedge stable above 0)",
                "Leeway index L",
                true,
            ),
        )?;
        let (x0, x1) = x.bounds();
        let (lo, _) = y_leeway.bounds();
        if lo < 0.0 {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x0, lo), (x1, 0.0)],
                DANGER.mix(0.06).filled(),
            )))?;
        }
        fan_x(&mut chart, s.x, &s.leeway, LEEWAY)?;
        chart.draw_series(DashedLineSeries::new(
            [(x0, 0.0), (x1, 0.0)],
            10,
            6,
            DANGER.stroke_width(1),
        ))?;
        mark_tipping(&mut chart, s.tipping, &y_leeway, false)?;
        Ok(())
    }
}

/// One heatmap of a two-parameter sweep.
#[derive(Clone, Debug)]
pub struct HeatPanel {
    /// Panel title.
    pub title: String,
    /// Values, `[i + nx * j]` for x index `i`, y index `j`.
    pub values: Vec<f64>,
}

/// A two-parameter sweep, summarised per case.
#[derive(Clone, Debug)]
pub struct Sweep2<'a> {
    /// First parameter (across).
    pub x_param: &'a str,
    /// Second parameter (up).
    pub y_param: &'a str,
    /// Values of the first parameter.
    pub x: &'a [f64],
    /// Values of the second parameter.
    pub y: &'a [f64],
    /// Median leeway per case, for the zero contour.
    pub leeway: Vec<f64>,
}

/// Writes `<stem>.<ext>`: one heatmap panel per entry of `panels`, all on a 0–1 colour scale,
/// each with the contour where median leeway is zero.
pub fn heatmaps(
    dir: &Path,
    formats: &[Format],
    stem: &str,
    heading: &str,
    sweep: &Sweep2<'_>,
    panels: &[HeatPanel],
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    write_figure(
        dir,
        formats,
        stem,
        &Heat {
            s: sweep,
            panels,
            heading,
            meta,
        },
    )
}

struct Heat<'a> {
    s: &'a Sweep2<'a>,
    panels: &'a [HeatPanel],
    heading: &'a str,
    meta: &'a Meta,
}

/// Cell edges around grid values: midpoints between values, extended by half a step.
fn edges(v: &[f64]) -> Vec<f64> {
    if v.len() == 1 {
        return vec![v[0] - 0.5, v[0] + 0.5];
    }
    let mut e = Vec::with_capacity(v.len() + 1);
    e.push(v[0] - 0.5 * (v[1] - v[0]));
    for w in v.windows(2) {
        e.push(0.5 * (w[0] + w[1]));
    }
    let n = v.len();
    e.push(v[n - 1] + 0.5 * (v[n - 1] - v[n - 2]));
    e
}

/// Segments of the zero contour of `f` on the grid (marching squares).
pub(super) fn zero_contour(x: &[f64], y: &[f64], f: &[f64]) -> Vec<[(f64, f64); 2]> {
    let nx = x.len();
    let mut segs = Vec::new();
    for j in 0..y.len().saturating_sub(1) {
        for i in 0..nx.saturating_sub(1) {
            let corners = [
                (x[i], y[j], f[i + nx * j]),
                (x[i + 1], y[j], f[i + 1 + nx * j]),
                (x[i + 1], y[j + 1], f[i + 1 + nx * (j + 1)]),
                (x[i], y[j + 1], f[i + nx * (j + 1)]),
            ];
            let mut cut = Vec::new();
            for k in 0..4 {
                let (xa, ya, fa) = corners[k];
                let (xb, yb, fb) = corners[(k + 1) % 4];
                if !(fa.is_finite() && fb.is_finite()) {
                    continue;
                }
                if (fa > 0.0) != (fb > 0.0) {
                    let t = fa / (fa - fb);
                    cut.push((xa + t * (xb - xa), ya + t * (yb - ya)));
                }
            }
            if cut.len() == 2 {
                segs.push([cut[0], cut[1]]);
            } else if cut.len() == 4 {
                segs.push([cut[0], cut[1]]);
                segs.push([cut[2], cut[3]]);
            }
        }
    }
    segs
}

fn colour(v: f64) -> RGBColor {
    if !v.is_finite() {
        return RGBColor(235, 235, 235);
    }
    use plotters::style::colors::colormaps::ViridisRGB;
    ViridisRGB::get_color(v.clamp(0.0, 1.0))
}

impl Figure for Heat<'_> {
    fn size(&self) -> (u32, u32) {
        let (rows, cols) = look::grid(self.panels.len());
        (
            (300 + 520 * cols as u32).min(2400),
            (180 + 470 * rows as u32).min(2400),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let s = self.s;
        let title = format!("{}: {}", self.meta.title, self.heading);
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let mut items: Vec<LegendItem> = [0.0, 0.25, 0.5, 0.75, 1.0]
            .iter()
            .map(|v| LegendItem::new(look::number(*v, 2), Swatch::Bar(colour(*v))))
            .collect();
        items.push(LegendItem::new(
            "median leeway = 0",
            Swatch::Line {
                color: DANGER,
                width: 3,
                dash: Dash::Solid,
            },
        ));
        let legend = Legend {
            heading: Some("Colour scale".into()),
            items,
            key: Vec::new(),
            note: Some(format!("x: {}; y: {}", s.x_param, s.y_param)),
        };
        let area = look::with_legend(&body, &legend)?;
        if s.x.is_empty() || s.y.is_empty() {
            return look::no_data(&area, "no cases in the sweep");
        }
        let ex = edges(s.x);
        let ey = edges(s.y);
        let x = look::ValueAxis::fixed(ex[0], ex[ex.len() - 1], 5);
        let y = look::ValueAxis::fixed(ey[0], ey[ey.len() - 1], 5);
        let contour = zero_contour(s.x, s.y, &s.leeway);
        let (rows, cols) = look::grid(self.panels.len());
        let cells = area.split_evenly((rows, cols));
        let nx = s.x.len();
        for (panel, cell) in self.panels.iter().zip(&cells) {
            let text = PanelText {
                title: Some((panel.title.as_str(), look::INK)),
                x_desc: Some(s.x_param),
                y_desc: Some(s.y_param),
                scale: SMALL,
                min_y_area: 0,
            };
            let mut chart = look::value_panel(&cell.margin(4, 8, 4, 8), &x, &y, text)?;
            chart.draw_series(panel.values.iter().enumerate().map(|(k, v)| {
                let (i, j) = (k % nx, k / nx);
                Rectangle::new(
                    [(ex[i], ey[j]), (ex[i + 1], ey[j + 1])],
                    colour(*v).filled(),
                )
            }))?;
            for seg in &contour {
                chart.draw_series(LineSeries::new(seg.iter().copied(), DANGER.stroke_width(3)))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_contour_follows_a_straight_boundary() {
        // f = x + y - 1 on a 5x5 grid over [0, 1]²: the contour is the line x + y = 1.
        let v: Vec<f64> = (0..5).map(|i| f64::from(i) / 4.0).collect();
        let f: Vec<f64> = (0..25).map(|k| v[k % 5] + v[k / 5] - 1.0).collect();
        let segs = zero_contour(&v, &v, &f);
        assert!(!segs.is_empty());
        for s in &segs {
            for (x, y) in s {
                assert!((x + y - 1.0).abs() < 1e-9);
            }
        }
    }
}
