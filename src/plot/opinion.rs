//! Fan chart of public opinion: the share of respondents naming each power the country's
//! greatest friend, plus those naming none. Reads `stats::Summary` series
//! `("poll_friend", power, "")` and `("poll_friend", "none", "")` only; knows nothing of the
//! model.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::look::{self, LARGE, Legend, LegendItem, PanelText, Swatch};
use super::render::{DrawResult, Figure, write_figure};
use super::{Format, Mark, Meta, PowerStyle};
use crate::stats::{Quantiles, Summary};

/// Writes `opinion.<ext>`: median and 90% band of each poll share, in percent.
pub fn opinion(
    dir: &Path,
    formats: &[Format],
    s: &Summary,
    powers: &[PowerStyle],
    marks: &[Mark],
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    let figure = Opinion {
        s,
        powers,
        marks,
        meta,
    };
    write_figure(dir, formats, "opinion", &figure)
}

struct Opinion<'a> {
    s: &'a Summary,
    powers: &'a [PowerStyle],
    marks: &'a [Mark],
    meta: &'a Meta,
}

impl Figure for Opinion<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 800)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let title = format!(
            "{}: greatest friend of the country, in polls",
            self.meta.title
        );
        let body = look::header(root, &title, &self.meta.subtitle)?;
        // Powers in their colours, then the outside option in grey.
        let mut shown: Vec<(&str, RGBColor, &[Quantiles])> = self
            .powers
            .iter()
            .filter_map(|p| {
                let q = self.s.get("poll_friend", &p.id, "")?;
                Some((p.name.as_str(), look::rgb(p.color), q))
            })
            .collect();
        if let Some(q) = self.s.get("poll_friend", "none", "") {
            shown.push(("None of them", look::NEUTRAL, q));
        }
        let legend = Legend {
            heading: Some("Answer".to_string()),
            items: shown
                .iter()
                .map(|(name, c, _)| LegendItem::new(*name, Swatch::Fan90(*c)))
                .collect(),
            key: look::fan_key(false),
            note: None,
        };
        let area = look::with_legend(&body, &legend)?;
        let Some(x) = look::YearAxis::spanning(self.s.years.iter().copied(), 0.0, 10) else {
            return look::no_data(&area, "no years in the summary");
        };
        let y = look::ValueAxis::fixed(0.0, 100.0, 5);
        let text = PanelText {
            title: None,
            x_desc: Some("Year"),
            y_desc: Some("Share naming it the greatest friend (%)"),
            scale: LARGE,
            min_y_area: 0,
        };
        let mut chart = look::panel(&area, &x, &y, text)?;
        look::marks(&mut chart, self.marks, true)?;
        let fans: Vec<_> = shown.iter().map(|(_, c, q)| (*c, *q)).collect();
        look::fans(&mut chart, &self.s.years, &fans, 100.0, false)?;
        if shown.is_empty() {
            look::chart_note(&chart, "no poll series in the summary")?;
        }
        Ok(())
    }
}
