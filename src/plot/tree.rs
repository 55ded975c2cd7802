//! Scenario tree: the trunk's median and bands up to the first fork, each branch's median and
//! 50% band from its fork on, dashed lines at the forks with the branch point's label, and,
//! when the branches have probabilities, the combined distribution of the outcome in the last
//! year as a sideways histogram beside the fan (stacked by branch, with the mixture's median
//! and 90% interval). Reads plain quantiles the caller hands over; knows nothing of the model.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::look::{self, Band, Dash, Legend, LegendItem, PanelText, SMALL, Swatch};
use super::render::{DrawResult, Figure, write_figure};
use super::{Format, Meta};
use crate::stats::Quantiles;

/// One branch (leaf) of a tree.
#[derive(Clone, Debug, PartialEq)]
pub struct TreeBranch {
    /// Label: the chosen alternatives.
    pub label: String,
    /// Its probability, if known.
    pub probability: Option<f64>,
    /// First year it differs from the trunk (it is drawn from the year before).
    pub fork: Option<i32>,
    /// Quantiles by year.
    pub q: Vec<Quantiles>,
    /// Final-year values of its runs (for the combined distribution).
    pub last: Vec<f64>,
}

/// A tree figure's data.
#[derive(Clone, Debug, PartialEq)]
pub struct TreeFigure {
    /// The outcome measure.
    pub measure: String,
    /// Years.
    pub years: Vec<i32>,
    /// The trunk's quantiles by year.
    pub trunk: Vec<Quantiles>,
    /// Fork years with their labels.
    pub forks: Vec<(i32, String)>,
    /// The leaves.
    pub branches: Vec<TreeBranch>,
    /// Mixture median and 90% interval of the final year (with probabilities).
    pub combined: Option<(f64, f64, f64)>,
}

/// Writes `tree.<ext>`.
pub fn tree(
    dir: &Path,
    formats: &[Format],
    fig: &TreeFigure,
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    write_figure(dir, formats, "tree", &TreeFig { fig, meta })
}

struct TreeFig<'a> {
    fig: &'a TreeFigure,
    meta: &'a Meta,
}

const BINS: usize = 30;

impl Figure for TreeFig<'_> {
    fn size(&self) -> (u32, u32) {
        (1500, 900)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let f = self.fig;
        let title = format!("{}: scenario tree of {}", self.meta.title, f.measure);
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let mut items = vec![LegendItem::new("trunk", Swatch::Fan(look::INK))];
        for (i, b) in f.branches.iter().enumerate() {
            let label = match b.probability {
                Some(p) => format!("{} (p {p:.3})", b.label),
                None => b.label.clone(),
            };
            items.push(LegendItem::new(label, Swatch::Fan(look::palette(i))));
        }
        let legend = Legend {
            heading: Some("Branch".into()),
            items,
            key: look::fan_key(true),
            note: f
                .combined
                .map(|_| "right: combined final-year distribution".to_string()),
        };
        let area = look::with_legend(&body, &legend)?;
        let Some(x) = look::YearAxis::spanning(f.years.iter().copied(), 0.0, 8) else {
            return look::no_data(&area, "no years");
        };
        let extent = look::extent(&f.trunk, 1.0)
            .chain(f.branches.iter().flat_map(|b| look::extent(&b.q, 1.0)))
            .collect::<Vec<_>>();
        let y = look::ValueAxis::covering(extent, false, 6);
        let (w, _) = area.dim_in_pixel();
        let (left, right) = if f.combined.is_some() {
            area.split_horizontally((w as f64 * 0.7) as i32)
        } else {
            (area.clone(), area.clone())
        };
        let text = PanelText {
            title: None,
            x_desc: Some("year"),
            y_desc: Some(f.measure.as_str()),
            scale: SMALL,
            min_y_area: 0,
        };
        let mut chart = look::panel(&left.margin(0, 6, 0, 0), &x, &y, text)?;
        let first_fork = f
            .branches
            .iter()
            .filter_map(|b| b.fork)
            .min()
            .unwrap_or(i32::MAX);
        // The trunk up to the first fork, then as a thin dashed line (no decision taken).
        let cut = f.years.iter().take_while(|y| **y < first_fork).count();
        look::band(
            &mut chart,
            &f.years[..cut],
            &f.trunk[..cut],
            1.0,
            Band::Ninety,
            look::INK.mix(look::ALPHA_90),
        )?;
        look::band(
            &mut chart,
            &f.years[..cut],
            &f.trunk[..cut],
            1.0,
            Band::Fifty,
            look::INK.mix(look::ALPHA_50),
        )?;
        let from = cut.saturating_sub(1);
        for (i, b) in f.branches.iter().enumerate() {
            let start = b
                .fork
                .and_then(|y| f.years.iter().position(|x| *x == y))
                .map_or(from, |p| p.saturating_sub(1));
            look::band(
                &mut chart,
                &f.years[start..],
                &b.q[start..],
                1.0,
                Band::Fifty,
                look::palette(i).mix(look::ALPHA_50),
            )?;
        }
        look::median(
            &mut chart,
            &f.years[from..],
            &f.trunk[from..],
            1.0,
            look::NEUTRAL,
            Dash::Dotted,
        )?;
        look::median(
            &mut chart,
            &f.years[..cut.max(1).min(f.years.len())],
            &f.trunk[..cut.max(1).min(f.years.len())],
            1.0,
            look::INK,
            Dash::Solid,
        )?;
        for (i, b) in f.branches.iter().enumerate() {
            let start = b
                .fork
                .and_then(|y| f.years.iter().position(|x| *x == y))
                .map_or(from, |p| p.saturating_sub(1));
            look::median(
                &mut chart,
                &f.years[start..],
                &b.q[start..],
                1.0,
                look::palette(i),
                Dash::Solid,
            )?;
        }
        let (lo, hi) = y.bounds();
        for (k, (year, label)) in f.forks.iter().enumerate() {
            let xf = f64::from(*year) - 0.5;
            chart.draw_series(DashedLineSeries::new(
                [(xf, lo), (xf, hi)],
                6,
                4,
                look::MUTED.stroke_width(1),
            ))?;
            let yl = hi - (hi - lo) * (0.04 + 0.06 * k as f64);
            chart.draw_series(std::iter::once(Text::new(
                format!(" {year}: {label}"),
                (xf, yl),
                look::text(16.0, look::INK),
            )))?;
        }
        if let Some(combined) = f.combined {
            draw_combined(&right, f, &y, combined)?;
        }
        Ok(())
    }
}

fn draw_combined<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    f: &TreeFigure,
    y: &look::ValueAxis,
    (p5, p50, p95): (f64, f64, f64),
) -> DrawResult<DB> {
    let (lo, hi) = y.bounds();
    let width = (hi - lo) / BINS as f64;
    // Share of the probability in each bin, stacked by branch.
    let mut stacks = vec![vec![0.0; f.branches.len()]; BINS];
    for (i, b) in f.branches.iter().enumerate() {
        let p = b.probability.unwrap_or(0.0);
        let n = b.last.iter().filter(|v| v.is_finite()).count().max(1) as f64;
        for v in b.last.iter().filter(|v| v.is_finite()) {
            let k = (((v - lo) / width).floor().max(0.0) as usize).min(BINS - 1);
            stacks[k][i] += p / n;
        }
    }
    let top = stacks
        .iter()
        .map(|s| s.iter().sum::<f64>())
        .fold(0.0, f64::max)
        .max(1e-9);
    let x = look::ValueAxis::covering([0.0, top * 1.05], true, 3);
    let year = f.years.last().copied().unwrap_or_default();
    let title = format!("{year} combined: {p50:.3} ({p5:.3}–{p95:.3})");
    let text = PanelText {
        title: Some((title.as_str(), look::INK)),
        x_desc: Some("probability"),
        y_desc: None,
        scale: SMALL,
        min_y_area: 0,
    };
    let mut chart = look::value_panel(&area.margin(0, 0, 0, 18), &x, y, text)?;
    for (k, s) in stacks.iter().enumerate() {
        let y0 = lo + k as f64 * width;
        let mut at = 0.0;
        for (i, share) in s.iter().enumerate() {
            if *share <= 0.0 {
                continue;
            }
            chart.draw_series(std::iter::once(Rectangle::new(
                [(at, y0), (at + share, y0 + width * 0.92)],
                look::palette(i).mix(0.75).filled(),
            )))?;
            at += share;
        }
    }
    let (x0, x1) = x.bounds();
    for (v, w) in [(p50, 3), (p5, 1), (p95, 1)] {
        chart.draw_series(LineSeries::new(
            [(x0, v), (x1, v)],
            look::INK.stroke_width(w),
        ))?;
    }
    Ok(())
}
