//! The probability integral transform (PIT) histogram of a backtest: where each held-out
//! observation fell within its predictive distribution. A calibrated forecast gives a flat
//! histogram; a U shape says the bands are too narrow, a hump that they are too wide, a slope
//! that the forecasts are biased. Reads plain numbers in [0, 1].

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::look::{self, INK, MUTED};
use super::render::{DrawResult, Figure, write_figure};
use super::{Format, Meta};

const BARS: RGBColor = RGBColor(31, 119, 180);
const BINS: usize = 10;

/// Writes `<stem>.<ext>`: the histogram of `pits` in ten bins, scaled so that a calibrated
/// forecast gives 1 in every bin.
pub fn pit(
    dir: &Path,
    formats: &[Format],
    stem: &str,
    pits: &[f64],
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    write_figure(dir, formats, stem, &Pit { pits, meta })
}

struct Pit<'a> {
    pits: &'a [f64],
    meta: &'a Meta,
}

/// Counts per bin relative to the uniform count.
fn relative_counts(pits: &[f64]) -> Vec<f64> {
    let mut bins = [0.0; BINS];
    let finite: Vec<f64> = pits.iter().copied().filter(|p| p.is_finite()).collect();
    for p in &finite {
        let b = ((p * BINS as f64).floor().max(0.0) as usize).min(BINS - 1);
        bins[b] += 1.0;
    }
    let expected = finite.len() as f64 / BINS as f64;
    bins.iter().map(|b| b / expected.max(1e-300)).collect()
}

impl Figure for Pit<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 800)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let title = format!("{}: PIT histogram", self.meta.title);
        let body = look::header(root, &title, &self.meta.subtitle)?;
        if self.pits.is_empty() {
            return look::no_data(&body, "no held-out point to score");
        }
        let (main, foot) = body.split_vertically(body.dim_in_pixel().1 - 70);
        let bins = relative_counts(self.pits);
        let top = bins.iter().copied().fold(1.5, f64::max) * 1.05;
        let x = look::ValueAxis::fixed(0.0, 1.0, 10);
        let y = look::ValueAxis::covering([0.0, top], true, 6);
        let mut chart =
            look::compact_panel(&main.margin(0, 24, 0, 28), &x, &y, 18.0, (true, true))?;
        let w = 1.0 / BINS as f64;
        chart.draw_series(bins.iter().enumerate().map(|(i, b)| {
            let x0 = i as f64 * w;
            Rectangle::new(
                [(x0 + 0.004, 0.0), (x0 + w - 0.004, *b)],
                BARS.mix(0.8).filled(),
            )
        }))?;
        chart.draw_series(DashedLineSeries::new(
            [(0.0, 1.0), (1.0, 1.0)],
            10,
            6,
            INK.stroke_width(2),
        ))?;
        let notes = [
            "x: where the observation fell in its predictive distribution (0: below every draw, 1: above)",
            "y: share of points in the bin over the share a calibrated forecast gives (dashed line at 1); U-shaped: bands too narrow; humped: too wide; sloped: biased",
        ];
        for (i, n) in notes.iter().enumerate() {
            let n = look::fit_text(&foot, n, &look::text(16.0, MUTED), 1150)?;
            foot.draw_text(
                &n,
                &look::text(16.0, MUTED).pos(Pos::new(HPos::Left, VPos::Top)),
                (28, 8 + 26 * i as i32),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_pits_give_ones() {
        let p: Vec<f64> = (0..100).map(|i| (f64::from(i) + 0.5) / 100.0).collect();
        assert!(relative_counts(&p).iter().all(|b| (b - 1.0).abs() < 1e-12));
    }
}
