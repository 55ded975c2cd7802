//! Figures of a posterior sample: the marginal of each parameter over its prior range, and a
//! matrix of pairs (scatter below the diagonal, marginals on it, correlations above) that
//! shows what the data identify, and along which ridges they do not. Reads plain weighted
//! particles; knows nothing of the model or of the sampler.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::look::{self, INK, MUTED};
use super::render::{DrawResult, Figure, write_figure};
use super::{Format, Meta};

const POSTERIOR: RGBColor = RGBColor(31, 119, 180);
const BINS: usize = 24;

/// A weighted sample over named dimensions with the prior's box.
#[derive(Clone, Copy, Debug)]
pub struct Sample<'a> {
    /// Dimension names (scenario key paths).
    pub names: &'a [String],
    /// Particles, `[i][dim]`.
    pub particles: &'a [Vec<f64>],
    /// Weights (any positive scale).
    pub weights: &'a [f64],
    /// Lower prior bounds.
    pub lo: &'a [f64],
    /// Upper prior bounds.
    pub hi: &'a [f64],
    /// Dimensions whose prior is log-uniform between the bounds (the others are uniform).
    pub log_prior: &'a [bool],
}

/// Writes `<stem>.<ext>`: one panel per dimension, the weighted histogram of the posterior
/// over the prior's range (the flat prior is the dashed line), its mean and 90% interval.
pub fn marginals(
    dir: &Path,
    formats: &[Format],
    stem: &str,
    sample: Sample<'_>,
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    write_figure(dir, formats, stem, &Marginals { sample, meta })
}

/// Writes `<stem>.<ext>`: the matrix of pairs of dimensions.
pub fn pairs(
    dir: &Path,
    formats: &[Format],
    stem: &str,
    sample: Sample<'_>,
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    write_figure(dir, formats, stem, &Pairs { sample, meta })
}

struct Marginals<'a> {
    sample: Sample<'a>,
    meta: &'a Meta,
}

struct Pairs<'a> {
    sample: Sample<'a>,
    meta: &'a Meta,
}

fn column(s: &Sample<'_>, k: usize) -> Vec<f64> {
    s.particles.iter().map(|p| p[k]).collect()
}

/// Weighted histogram over `[lo, hi]` as densities (integrating to 1 over the range).
fn histogram(values: &[f64], weights: &[f64], lo: f64, hi: f64) -> Vec<f64> {
    let width = (hi - lo) / BINS as f64;
    let mut bins = [0.0; BINS];
    let total: f64 = weights.iter().sum();
    for (v, w) in values.iter().zip(weights) {
        let b = (((v - lo) / width).floor().max(0.0) as usize).min(BINS - 1);
        bins[b] += w;
    }
    bins.iter().map(|b| b / total.max(1e-300) / width).collect()
}

fn weighted_quantile(values: &[f64], weights: &[f64], q: f64) -> f64 {
    crate::stats::weighted_quantile(values, weights, q)
}

fn draw_histogram<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &Sample<'_>,
    k: usize,
    tick: f64,
    show: (bool, bool),
    with_interval: bool,
) -> DrawResult<DB> {
    let (lo, hi) = (s.lo[k], s.hi[k]);
    let values = column(s, k);
    let h = histogram(&values, s.weights, lo, hi);
    let log = s.log_prior.get(k).copied().unwrap_or(false);
    let density = |x: f64| {
        if log {
            1.0 / (x * (hi / lo).ln())
        } else {
            1.0 / (hi - lo)
        }
    };
    let prior_line: Vec<(f64, f64)> = (0..=60)
        .map(|i| lo + (hi - lo) * f64::from(i) / 60.0)
        .map(|x| (x, density(x)))
        .collect();
    let peak = h.iter().copied().fold(0.0, f64::max);
    // A log-uniform prior peaks at the lower bound: the axis follows the posterior, not it.
    let top = if log {
        peak.max(density(hi)) * 1.08
    } else {
        peak.max(density(lo)) * 1.08
    };
    let x = look::ValueAxis::fixed(lo, hi, 4);
    let y = look::ValueAxis::covering([0.0, top], true, 3);
    let mut chart = look::compact_panel(area, &x, &y, tick, show)?;
    let width = (hi - lo) / BINS as f64;
    if with_interval {
        let (a, b) = (
            weighted_quantile(&values, s.weights, 0.05),
            weighted_quantile(&values, s.weights, 0.95),
        );
        chart.draw_series([Rectangle::new(
            [(a, 0.0), (b, top)],
            POSTERIOR.mix(0.10).filled(),
        )])?;
    }
    chart.draw_series(h.iter().enumerate().map(|(i, d)| {
        let x0 = lo + i as f64 * width;
        Rectangle::new([(x0, 0.0), (x0 + width, *d)], POSTERIOR.mix(0.75).filled())
    }))?;
    let clipped: Vec<(f64, f64)> = prior_line.into_iter().filter(|p| p.1 <= top).collect();
    chart.draw_series(DashedLineSeries::new(clipped, 6, 4, MUTED.stroke_width(2)))?;
    if with_interval {
        let m = crate::stats::weighted_mean(&values, s.weights);
        chart.draw_series(LineSeries::new([(m, 0.0), (m, top)], INK.stroke_width(2)))?;
    }
    Ok(())
}

impl Figure for Marginals<'_> {
    fn size(&self) -> (u32, u32) {
        let (rows, _) = look::grid(self.sample.names.len());
        (1500, 120 + 316 * rows as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let title = format!("{}: posterior of each parameter", self.meta.title);
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let n = self.sample.names.len();
        let (rows, cols) = look::grid(n);
        let cells = body.split_evenly((rows, cols));
        for (k, cell) in cells.iter().enumerate().take(n) {
            // Two lines (the name, then its mean), so long parameter paths do not run into
            // the next panel's title.
            let (_, panels) = cell.split_vertically(46);
            let name = &self.sample.names[k];
            let values = column(&self.sample, k);
            let m = crate::stats::weighted_mean(&values, self.sample.weights);
            cell.draw_text(
                name,
                &look::bold(15.0, INK).pos(Pos::new(HPos::Left, VPos::Top)),
                (10, 4),
            )?;
            cell.draw_text(
                &format!("mean {}", look::number(m, 3)),
                &look::text(14.0, MUTED).pos(Pos::new(HPos::Left, VPos::Top)),
                (10, 24),
            )?;
            draw_histogram(&panels, &self.sample, k, 14.0, (true, true), true)?;
        }
        let note = "bars: posterior density · shaded: 90% interval · black line: mean · dashed: \
                    the prior (uniform, or log-uniform for model-error sds)";
        root.draw_text(
            note,
            &look::text(16.0, MUTED).pos(Pos::new(HPos::Left, VPos::Bottom)),
            (28, root.dim_in_pixel().1 as i32 - 6),
        )?;
        Ok(())
    }
}

/// Weighted correlation of two columns.
fn correlation(x: &[f64], y: &[f64], w: &[f64]) -> f64 {
    let mx = crate::stats::weighted_mean(x, w);
    let my = crate::stats::weighted_mean(y, w);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for ((a, b), w) in x.iter().zip(y).zip(w) {
        sxy += w * (a - mx) * (b - my);
        sxx += w * (a - mx).powi(2);
        syy += w * (b - my).powi(2);
    }
    sxy / (sxx * syy).sqrt().max(1e-300)
}

impl Figure for Pairs<'_> {
    fn size(&self) -> (u32, u32) {
        let n = self.sample.names.len() as u32;
        let side = (n * 190).max(1000);
        (side + 60, side + 140)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let title = format!("{}: posterior pairs", self.meta.title);
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let s = &self.sample;
        let n = s.names.len();
        let cells = body.split_evenly((n, n));
        let wmax = s.weights.iter().copied().fold(0.0, f64::max).max(1e-300);
        for (idx, cell) in cells.iter().enumerate() {
            let (r, c) = (idx / n, idx % n);
            let show = (r == n - 1, c == 0);
            if r == c {
                let (head, panel) = cell.split_vertically(22);
                let name = look::fit_text(
                    &head,
                    &s.names[r],
                    &look::bold(13.0, INK),
                    head.dim_in_pixel().0 as i32 - 8,
                )?;
                head.draw_text(
                    &name,
                    &look::bold(13.0, INK).pos(Pos::new(HPos::Left, VPos::Top)),
                    (4, 4),
                )?;
                draw_histogram(&panel, s, r, 11.0, show, false)?;
            } else if r > c {
                let x = look::ValueAxis::fixed(s.lo[c], s.hi[c], 3);
                let y = look::ValueAxis::fixed(s.lo[r], s.hi[r], 3);
                let mut chart = look::compact_panel(cell, &x, &y, 11.0, show)?;
                chart.draw_series(s.particles.iter().zip(s.weights).map(|(p, w)| {
                    let alpha = (0.15 + 0.85 * w / wmax).min(1.0);
                    Circle::new((p[c], p[r]), 2, POSTERIOR.mix(alpha).filled())
                }))?;
            } else {
                let rho = correlation(&column(s, c), &column(s, r), s.weights);
                let (w, h) = cell.dim_in_pixel();
                let strength = rho.abs().min(1.0);
                let color = if strength > 0.5 { INK } else { MUTED };
                cell.draw_text(
                    &format!("r = {}", look::number(rho, 2)),
                    &look::text(14.0 + 10.0 * strength, color)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                    (w as i32 / 2, h as i32 / 2),
                )?;
            }
        }
        Ok(())
    }
}
