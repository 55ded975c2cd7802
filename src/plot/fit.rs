//! Calibration check: one simulated series (median with 50% and 90% bands) against observed
//! values drawn as markers. Reads one `stats::Summary` series and the observations the caller
//! passes; knows nothing of the model or of where the observations come from.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::look::{self, Band, Dash, LARGE, Legend, LegendItem, PanelText, Swatch};
use super::render::{DrawResult, Figure, write_figure};
use super::{Format, Meta, Observed};
use crate::stats::{SeriesKey, Summary};

const SIMULATED: RGBColor = RGBColor(31, 119, 180);
const OBSERVED: RGBColor = RGBColor(20, 20, 20);

/// Writes `<stem>.<ext>`: the simulated series `key` of `s` (median, 50% and 90% bands) and
/// the `observed` points; `label` names the quantity on the y axis and in the title.
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
    };
    write_figure(dir, formats, stem, &figure)
}

struct Fit<'a> {
    s: &'a Summary,
    key: &'a SeriesKey,
    observed: &'a [Observed],
    label: &'a str,
    meta: &'a Meta,
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
            items.push(LegendItem::new("Observed", Swatch::Marker(OBSERVED)));
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
            y_desc: Some(self.label),
            scale: LARGE,
            min_y_area: 0,
        };
        let mut chart = look::panel(&area, &x, &y, text)?;
        let years = &self.s.years;
        match q {
            Some(q) => {
                look::band(
                    &mut chart,
                    years,
                    q,
                    1.0,
                    Band::Ninety,
                    SIMULATED.mix(look::ALPHA_90),
                )?;
                look::band(
                    &mut chart,
                    years,
                    q,
                    1.0,
                    Band::Fifty,
                    SIMULATED.mix(look::ALPHA_50),
                )?;
                look::median(&mut chart, years, q, 1.0, SIMULATED, Dash::Solid)?;
            }
            None => {
                let note = format!(
                    "no simulated series ({}, {}, {})",
                    self.key.measure, self.key.power, self.key.domain
                );
                look::chart_note(&chart, &note)?;
            }
        }
        chart.draw_series(observed.iter().map(|p| Circle::new(*p, 7, WHITE.filled())))?;
        chart.draw_series(
            observed
                .iter()
                .map(|p| Circle::new(*p, 5, OBSERVED.filled())),
        )?;
        Ok(())
    }
}
