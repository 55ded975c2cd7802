//! Calibration check: one simulated series (median with 50% and 90% bands) against observed
//! values drawn as markers. Reads one `stats::Summary` series and the observations the caller
//! passes; knows nothing of the model or of where the observations come from.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::look::{self, Dash, LARGE, Legend, LegendItem, PanelText, Swatch};
use super::render::{DrawResult, Figure, write_figure};
use super::{Format, Meta, Observed};
use crate::stats::{SeriesKey, Summary};

const SIMULATED: RGBColor = RGBColor(31, 119, 180);
const OBSERVED: RGBColor = RGBColor(20, 20, 20);

/// Writes `<stem>.<ext>`: the simulated series `key` of `s` (median, 50% and 90% bands) and
/// the `observed` points; `label` names the quantity in the title (the y axis is a share).
#[allow(clippy::too_many_arguments)] // the lead's fixed signature: one figure, all its inputs
pub fn fit(
    dir: &Path,
    formats: &[Format],
    stem: &str,
    s: &Summary,
    key: &SeriesKey,
    observed: &[Observed],
    label: &str,
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    let figure = Fit {
        s,
        key,
        observed,
        label,
        meta,
        cutoff: None,
    };
    write_figure(dir, formats, stem, &figure)
}

/// Writes `<stem>.<ext>` for a backtest: like `fit`, plus a dashed line after the last
/// training year `cutoff`, observations after it drawn hollow (out of sample), and the two
/// naive forecasts the model is scored against, computed from the observations up to the
/// cut-off: persistence (the last one, held flat) and the least-squares linear trend (with two
/// or more training years).
#[allow(clippy::too_many_arguments)] // one figure, all its inputs
pub fn backtest(
    dir: &Path,
    formats: &[Format],
    stem: &str,
    s: &Summary,
    key: &SeriesKey,
    observed: &[Observed],
    label: &str,
    meta: &Meta,
    cutoff: i32,
) -> anyhow::Result<Vec<PathBuf>> {
    let figure = Fit {
        s,
        key,
        observed,
        label,
        meta,
        cutoff: Some(cutoff),
    };
    write_figure(dir, formats, stem, &figure)
}

struct Fit<'a> {
    s: &'a Summary,
    key: &'a SeriesKey,
    observed: &'a [Observed],
    label: &'a str,
    meta: &'a Meta,
    /// Last training year of a backtest.
    cutoff: Option<i32>,
}

const PERSISTENCE: RGBColor = RGBColor(120, 120, 120);
const TREND: RGBColor = RGBColor(200, 90, 20);

/// Points of a line, (year, value).
type Points = Vec<(f64, f64)>;

/// The naive forecasts from the training points over the forecast years: persistence and, with
/// two or more training years, the least-squares trend.
fn baselines(observed: &[(f64, f64)], cutoff: f64, last: f64) -> (Points, Points) {
    let train: Vec<(f64, f64)> = observed
        .iter()
        .copied()
        .filter(|(x, _)| *x <= cutoff)
        .collect();
    let Some(&(_, held)) = train.iter().max_by(|a, b| a.0.total_cmp(&b.0)) else {
        return (Vec::new(), Vec::new());
    };
    let span = [cutoff, last.max(cutoff + 1.0)];
    let persistence = span.iter().map(|x| (*x, held)).collect();
    let n = train.len() as f64;
    let mx = train.iter().map(|p| p.0).sum::<f64>() / n;
    let my = train.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = train.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let trend = if sxx > 0.0 {
        let slope = train.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / sxx;
        span.iter()
            .map(|x| (*x, (my + slope * (x - mx)).clamp(0.0, 1.0)))
            .collect()
    } else {
        Vec::new()
    };
    (persistence, trend)
}

impl Figure for Fit<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 800)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let title = format!(
            "{}: {}, simulated and observed",
            self.meta.title, self.label
        );
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let q = self.s.series.get(self.key).map(Vec::as_slice);
        let observed: Vec<(f64, f64)> = self
            .observed
            .iter()
            .filter(|o| o.value.is_finite())
            .map(|o| (f64::from(o.year), o.value))
            .collect();
        let mut items = Vec::new();
        if q.is_some() {
            items.push(LegendItem::new("Simulated", Swatch::Fan(SIMULATED)));
        }
        if !observed.is_empty() {
            let name = if self.cutoff.is_some() {
                "Observed (hollow: out of sample)"
            } else {
                "Observed"
            };
            items.push(LegendItem::new(name, Swatch::Marker(OBSERVED)));
        }
        let last_year = self.s.years.last().map_or(0.0, |y| f64::from(*y));
        let (persistence, trend) = match self.cutoff {
            Some(c) => baselines(&observed, f64::from(c), last_year),
            None => (Vec::new(), Vec::new()),
        };
        if !persistence.is_empty() {
            items.push(LegendItem::new(
                "Persistence forecast",
                Swatch::Line {
                    color: PERSISTENCE,
                    width: 3,
                    dash: Dash::Dashed,
                },
            ));
        }
        if !trend.is_empty() {
            items.push(LegendItem::new(
                "Linear-trend forecast",
                Swatch::Line {
                    color: TREND,
                    width: 3,
                    dash: Dash::Dotted,
                },
            ));
        }
        let legend = Legend {
            heading: None,
            items,
            key: look::fan_key(true),
            note: None,
        };
        let area = look::with_legend(&body, &legend)?;
        let years = self
            .s
            .years
            .iter()
            .copied()
            .chain(self.observed.iter().map(|o| o.year));
        // Half a year of room at each end keeps markers on the first and last year whole.
        let Some(x) = look::YearAxis::spanning(years, 0.5, 10) else {
            return look::no_data(&area, "no years to show");
        };
        let values = q
            .into_iter()
            .flat_map(|q| look::extent(q, 1.0))
            .chain(observed.iter().map(|(_, v)| *v));
        let y = look::ValueAxis::covering(values, false, 6);
        let text = PanelText {
            title: None,
            x_desc: Some("Year"),
            y_desc: Some("Share (0–1)"),
            scale: LARGE,
            min_y_area: 0,
        };
        let mut chart = look::panel(&area, &x, &y, text)?;
        let years = &self.s.years;
        match q {
            Some(q) => look::fans(&mut chart, years, &[(SIMULATED, q)], 1.0, true)?,
            None => {
                let note = format!(
                    "no simulated series ({}, {}, {})",
                    self.key.measure, self.key.power, self.key.domain
                );
                look::chart_note(&chart, &note)?;
            }
        }
        look::line(&mut chart, &persistence, PERSISTENCE, 3, Dash::Dashed)?;
        look::line(&mut chart, &trend, TREND, 3, Dash::Dotted)?;
        let out_of_sample = |p: &&(f64, f64)| self.cutoff.is_some_and(|c| p.0 > f64::from(c));
        if let Some(c) = self.cutoff {
            let x = f64::from(c) + 0.5;
            let (lo, hi) = (y.range().start, y.range().end);
            chart.draw_series(DashedLineSeries::new(
                [(x, lo), (x, hi)],
                8,
                6,
                RGBColor(90, 90, 90).stroke_width(2),
            ))?;
            let grey = RGBColor(90, 90, 90);
            let left = look::text(16.0, grey).pos(Pos::new(HPos::Right, VPos::Top));
            let right = look::text(16.0, grey).pos(Pos::new(HPos::Left, VPos::Top));
            chart.draw_series([
                EmptyElement::at((x, hi)) + Text::new("← training", (-8, 6), left),
                EmptyElement::at((x, hi)) + Text::new("forecast →", (8, 6), right),
            ])?;
        }
        chart.draw_series(observed.iter().map(|p| Circle::new(*p, 7, WHITE.filled())))?;
        chart.draw_series(
            observed
                .iter()
                .filter(|p| !out_of_sample(p))
                .map(|p| Circle::new(*p, 5, OBSERVED.filled())),
        )?;
        chart.draw_series(
            observed
                .iter()
                .filter(out_of_sample)
                .map(|p| Circle::new(*p, 5, OBSERVED.stroke_width(2))),
        )?;
        Ok(())
    }
}
