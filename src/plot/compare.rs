//! Comparison of experiment arms: one panel per power, each arm's median closeness and 90%
//! band overlaid, arms told apart by dash pattern and shade of the power's colour. Reads the
//! arms' `stats::Summary` series `("closeness", power, "")` only; knows nothing of the model.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::look::{self, Band, Dash, Legend, LegendItem, PanelText, SMALL, Swatch};
use super::render::{DrawResult, Figure, write_figure};
use super::{Arm, Format, Mark, Meta, PowerStyle};

/// Writes `compare_closeness.<ext>`.
pub fn compare(
    dir: &Path,
    formats: &[Format],
    arms: &[Arm],
    powers: &[PowerStyle],
    marks: &[Mark],
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    let shown: Vec<&PowerStyle> = powers
        .iter()
        .filter(|p| {
            arms.iter()
                .any(|a| a.summary.get("closeness", &p.id, "").is_some())
        })
        .collect();
    let figure = Compare {
        arms,
        powers: shown,
        marks,
        meta,
    };
    write_figure(dir, formats, "compare_closeness", &figure)
}

struct Compare<'a> {
    arms: &'a [Arm<'a>],
    /// Powers with a series in at least one arm.
    powers: Vec<&'a PowerStyle>,
    marks: &'a [Mark],
    meta: &'a Meta,
}

/// Shade of arm `i` of `n`: the first arm darkest, the last lightest.
fn arm_shade(i: usize, n: usize) -> f64 {
    if n < 2 {
        0.0
    } else {
        -0.35 + 0.7 * i as f64 / (n - 1) as f64
    }
}

impl Figure for Compare<'_> {
    fn size(&self) -> (u32, u32) {
        (1400, 1000)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let title = format!("{}: closeness to each power, by arm", self.meta.title);
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let n = self.arms.len();
        let items = self
            .arms
            .iter()
            .enumerate()
            .map(|(i, arm)| {
                let swatch = Swatch::Line {
                    color: look::shade(look::INK, (arm_shade(i, n) + 0.35) * 0.8),
                    width: look::MEDIAN_WIDTH,
                    dash: Dash::nth(i),
                };
                LegendItem::new(arm.name, swatch)
            })
            .collect();
        let mut legend = Legend {
            heading: Some("Arm".to_string()),
            items,
            key: vec![
                LegendItem::new(
                    "median (colour: power)",
                    Swatch::Line {
                        color: look::NEUTRAL,
                        width: look::MEDIAN_WIDTH,
                        dash: Dash::Solid,
                    },
                ),
                LegendItem::new(
                    "middle 90% of runs",
                    Swatch::Region(look::NEUTRAL.mix(look::ALPHA_90)),
                ),
            ],
            note: None,
        };
        legend.key.extend(look::mark_key(self.marks));
        let area = look::with_legend(&body, &legend)?;
        let years = self
            .arms
            .iter()
            .flat_map(|a| a.summary.years.iter().copied());
        let Some(x) = look::YearAxis::spanning(years, 0.0, 6) else {
            return look::no_data(&area, "no years in the summaries");
        };
        if self.powers.is_empty() {
            return look::no_data(&area, "no closeness series in any arm");
        }
        let y = look::ValueAxis::fixed(0.0, 1.0, 5);
        let (rows, cols) = look::grid(self.powers.len());
        for (k, (cell, p)) in area
            .split_evenly((rows, cols))
            .iter()
            .zip(&self.powers)
            .enumerate()
        {
            let cell = cell.margin(0, 10, 0, 0);
            let color = look::rgb(p.color);
            let text = PanelText {
                title: Some((p.name.as_str(), color)),
                x_desc: None,
                y_desc: (k % cols == 0).then_some("Closeness (0–1)"),
                scale: SMALL,
                min_y_area: 0,
            };
            let mut chart = look::panel(&cell, &x, &y, text)?;
            look::marks(&mut chart, self.marks, false)?;
            let series: Vec<_> = self
                .arms
                .iter()
                .enumerate()
                .filter_map(|(i, a)| {
                    let q = a.summary.get("closeness", &p.id, "")?;
                    Some((i, a.summary.years.as_slice(), q))
                })
                .collect();
            for (i, years, q) in &series {
                let c = look::shade(color, arm_shade(*i, n));
                look::band(
                    &mut chart,
                    years,
                    q,
                    1.0,
                    Band::Ninety,
                    c.mix(look::ALPHA_90),
                )?;
            }
            for (i, years, q) in &series {
                let c = look::shade(color, arm_shade(*i, n));
                look::median(&mut chart, years, q, 1.0, c, Dash::nth(*i))?;
            }
        }
        Ok(())
    }
}

/// Colours of the scenarios of a comparison in the figures that tell them apart by colour:
/// the first (the reference of every difference) dark grey, then distinct hues.
/// Ten, so that the nine shipped scenarios compared at once each have their own.
const ARM_COLORS: [[u8; 3]; 10] = [
    [50, 50, 50],
    [31, 119, 180],
    [230, 85, 13],
    [49, 163, 84],
    [117, 107, 177],
    [199, 21, 133],
    [140, 86, 75],
    [23, 170, 190],
    [160, 160, 20],
    [240, 130, 190],
];

/// The colour of the `i`-th scenario of a comparison (past ten, the colours repeat, and the
/// line's dash pattern still tells them apart).
pub fn arm_color(i: usize) -> [u8; 3] {
    ARM_COLORS[i % ARM_COLORS.len()]
}

/// Writes `compare_scenarios.<ext>`: one panel per scenario (small multiples), each with
/// every power's median closeness and 50%/90% bands, on one shared 0–1 scale.
pub fn compare_scenarios(
    dir: &Path,
    formats: &[Format],
    arms: &[Arm],
    powers: &[PowerStyle],
    marks: &[Mark],
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    let figure = Multiples {
        arms,
        powers,
        marks,
        meta,
    };
    write_figure(dir, formats, "compare_scenarios", &figure)
}

struct Multiples<'a> {
    arms: &'a [Arm<'a>],
    powers: &'a [PowerStyle],
    marks: &'a [Mark],
    meta: &'a Meta,
}

impl Figure for Multiples<'_> {
    fn size(&self) -> (u32, u32) {
        let (rows, _) = look::grid(self.arms.len());
        (1400, 220 + 380 * u32::try_from(rows).unwrap_or(1))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let title = format!(
            "{}: closeness to each power, one panel per scenario",
            self.meta.title
        );
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let mut legend = Legend {
            heading: None,
            items: self
                .powers
                .iter()
                .map(|p| LegendItem::new(&p.name, Swatch::Fan(look::rgb(p.color))))
                .collect(),
            key: look::fan_key(true),
            note: None,
        };
        legend.key.extend(look::mark_key(self.marks));
        let area = look::with_legend(&body, &legend)?;
        let years = self
            .arms
            .iter()
            .flat_map(|a| a.summary.years.iter().copied());
        let Some(x) = look::YearAxis::spanning(years, 0.0, 6) else {
            return look::no_data(&area, "no years in the summaries");
        };
        let y = look::ValueAxis::fixed(0.0, 1.0, 5);
        let (rows, cols) = look::grid(self.arms.len());
        for (k, (cell, arm)) in area
            .split_evenly((rows, cols))
            .iter()
            .zip(self.arms)
            .enumerate()
        {
            let text = PanelText {
                title: Some((arm.name, look::INK)),
                x_desc: None,
                y_desc: (k % cols == 0).then_some("Closeness (0–1)"),
                scale: SMALL,
                min_y_area: 0,
            };
            let mut chart = look::panel(&cell.margin(0, 10, 0, 0), &x, &y, text)?;
            look::marks(&mut chart, self.marks, false)?;
            let fans: Vec<_> = self
                .powers
                .iter()
                .filter_map(|p| {
                    let q = arm.summary.get("closeness", &p.id, "")?;
                    Some((look::rgb(p.color), q))
                })
                .collect();
            look::fans(&mut chart, &arm.summary.years, &fans, 1.0, true)?;
        }
        Ok(())
    }
}

/// Writes `compare_difference.<ext>`: one panel per power; for each scenario after the first,
/// the median and 90% band of the run-by-run difference of its closeness from the first
/// scenario's (common random numbers make the runs pairs). `diffs[i]` holds the differences
/// of `arms[i + 1]` under the series keys `("closeness", power, "")`, and by domain under
/// `("closeness", power, domain)`: a domain whose difference the aggregate's hides is named
/// in the legend (see `compare_domains`).
pub fn compare_difference(
    dir: &Path,
    formats: &[Format],
    arms: &[Arm],
    diffs: &[crate::stats::Summary],
    powers: &[PowerStyle],
    marks: &[Mark],
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    if arms.len() < 2 || diffs.is_empty() {
        return Ok(Vec::new());
    }
    let figure = Difference {
        arms,
        diffs,
        powers,
        marks,
        meta,
    };
    write_figure(dir, formats, "compare_difference", &figure)
}

struct Difference<'a> {
    arms: &'a [Arm<'a>],
    diffs: &'a [crate::stats::Summary],
    powers: &'a [PowerStyle],
    marks: &'a [Mark],
    meta: &'a Meta,
}

impl Figure for Difference<'_> {
    fn size(&self) -> (u32, u32) {
        (1400, 1000)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        // The part that says what the figure shows comes first: a long list of scenarios is
        // cut at the right edge, and the legend names them all.
        let title = format!(
            "Difference in closeness from {}: {}",
            self.arms[0].name, self.meta.title
        );
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let items = self.arms[1..]
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let swatch = Swatch::Line {
                    color: look::rgb(arm_color(i + 1)),
                    width: look::MEDIAN_WIDTH,
                    dash: Dash::nth(i),
                };
                LegendItem::new(a.name, swatch)
            })
            .collect();
        let mut legend = Legend {
            heading: Some(format!("minus {}", self.arms[0].name)),
            items,
            key: vec![
                LegendItem::new(
                    "median of the paired runs",
                    Swatch::Line {
                        color: look::NEUTRAL,
                        width: look::MEDIAN_WIDTH,
                        dash: Dash::Solid,
                    },
                ),
                LegendItem::new(
                    "middle 90% of runs",
                    Swatch::Region(look::NEUTRAL.mix(look::ALPHA_90)),
                ),
            ],
            note: Some(difference_note(self.arms, self.diffs, self.powers)),
        };
        legend.key.extend(look::mark_key(self.marks));
        let area = look::with_legend(&body, &legend)?;
        let years = self.diffs.iter().flat_map(|d| d.years.iter().copied());
        let Some(x) = look::YearAxis::spanning(years, 0.0, 6) else {
            return look::no_data(&area, "no years in the summaries");
        };
        let values: Vec<f64> = self
            .diffs
            .iter()
            .flat_map(|d| {
                d.series
                    .iter()
                    .filter(|(k, _)| k.domain.is_empty())
                    .flat_map(|(_, q)| look::extent(q, 1.0))
            })
            .collect();
        let y = look::ValueAxis::covering(values, true, 6);
        let (rows, cols) = look::grid(self.powers.len());
        for (k, (cell, p)) in area
            .split_evenly((rows, cols))
            .iter()
            .zip(self.powers)
            .enumerate()
        {
            let text = PanelText {
                title: Some((p.name.as_str(), look::rgb(p.color))),
                x_desc: None,
                y_desc: (k % cols == 0).then_some("Difference in closeness"),
                scale: SMALL,
                min_y_area: 0,
            };
            let mut chart = look::panel(&cell.margin(0, 10, 0, 0), &x, &y, text)?;
            look::marks(&mut chart, self.marks, false)?;
            let (x0, x1) = x.bounds();
            chart.draw_series(LineSeries::new(
                [(x0, 0.0), (x1, 0.0)],
                look::INK.stroke_width(1),
            ))?;
            for (i, d) in self.diffs.iter().enumerate() {
                if let Some(q) = d.get("closeness", &p.id, "") {
                    let c = look::rgb(arm_color(i + 1));
                    look::band(
                        &mut chart,
                        &d.years,
                        q,
                        1.0,
                        Band::Ninety,
                        c.mix(look::ALPHA_90),
                    )?;
                }
            }
            for (i, d) in self.diffs.iter().enumerate() {
                if let Some(q) = d.get("closeness", &p.id, "") {
                    let c = look::rgb(arm_color(i + 1));
                    look::median(&mut chart, &d.years, q, 1.0, c, Dash::nth(i))?;
                }
            }
        }
        Ok(())
    }
}

/// The difference figure's note: how to read it, then the domain differences the aggregate's
/// hide (at most four lines; paired differences start at 0, so a difference is a move).
fn difference_note(arms: &[Arm], diffs: &[crate::stats::Summary], powers: &[PowerStyle]) -> String {
    let mut note = "Same random numbers in every\nscenario: 0 means no effect".to_string();
    let mut lines = Vec::new();
    for (arm, d) in arms[1..].iter().zip(diffs) {
        for (power, domain, m, agg, year) in
            super::closeness::hidden_moves_over(d, powers, HIDDEN_DIFFERENCE)
        {
            let who = if diffs.len() > 1 {
                format!("{}: ", arm.name)
            } else {
                String::new()
            };
            lines.push(format!(
                "{who}{power}, {}: {} by {year} (all {})",
                domain.to_lowercase(),
                super::closeness::signed(m),
                super::closeness::signed(agg)
            ));
        }
    }
    if !lines.is_empty() {
        note.push_str("\n\nThe aggregate hides (median\npaired difference; compare_domains.png):");
        for l in lines.iter().take(4) {
            for part in wrap_note_line(l, NOTE_WIDTH) {
                note.push('\n');
                note.push_str(&part);
            }
        }
    }
    note
}

/// Characters of a note line that fit in the legend column (its longest fixed line, "Same
/// random numbers in every", is 27; a scenario's name before a domain move can make a line
/// of 70, which the column cut off).
const NOTE_WIDTH: usize = 48;

/// `line` cut at spaces into pieces of at most `width` characters (a longer word stays
/// whole), the continuations indented by two spaces.
pub(super) fn wrap_note_line(line: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in line.split(' ') {
        let len = cur.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut cur));
            cur.push_str("  ");
        } else if len > 0 && cur != "  " {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

/// How large a paired difference in a domain must be before the difference figure says the
/// aggregate hides it: smaller than for a move over time, since paired runs share their
/// noise and drift (0 means no effect).
const HIDDEN_DIFFERENCE: f64 = 0.03;

/// Writes `compare_domains.<ext>`: one row per policy domain and one column per power; in
/// each panel every scenario's median closeness in that domain, one colour per scenario.
pub fn compare_domains(
    dir: &Path,
    formats: &[Format],
    arms: &[Arm],
    powers: &[PowerStyle],
    marks: &[Mark],
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    let figure = ArmDomains {
        arms,
        powers,
        marks,
        meta,
    };
    write_figure(dir, formats, "compare_domains", &figure)
}

const DOMAIN_ROWS: [(&str, &str); 4] = [
    ("economy", "Economy"),
    ("security", "Security"),
    ("technology", "Technology"),
    ("diplomacy", "Diplomacy"),
];

struct ArmDomains<'a> {
    arms: &'a [Arm<'a>],
    powers: &'a [PowerStyle],
    marks: &'a [Mark],
    meta: &'a Meta,
}

impl Figure for ArmDomains<'_> {
    fn size(&self) -> (u32, u32) {
        (1500, 1200)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let title = format!(
            "{}: closeness by domain (rows) and power (columns)",
            self.meta.title
        );
        let body = look::header(root, &title, &self.meta.subtitle)?;
        let items = self
            .arms
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let swatch = Swatch::Line {
                    color: look::rgb(arm_color(i)),
                    width: look::MEDIAN_WIDTH,
                    dash: Dash::nth(i),
                };
                LegendItem::new(a.name, swatch)
            })
            .collect();
        let mut legend = Legend {
            heading: Some("Scenario (median)".to_string()),
            items,
            key: Vec::new(),
            note: None,
        };
        legend.key.extend(look::mark_key(self.marks));
        let area = look::with_legend(&body, &legend)?;
        let years = self
            .arms
            .iter()
            .flat_map(|a| a.summary.years.iter().copied());
        let Some(x) = look::YearAxis::spanning(years, 0.0, 4) else {
            return look::no_data(&area, "no years in the summaries");
        };
        let y = look::ValueAxis::fixed(0.0, 1.0, 2);
        let cols = self.powers.len().max(1);
        let cells = area.split_evenly((DOMAIN_ROWS.len(), cols));
        for (r, (domain, dname)) in DOMAIN_ROWS.iter().enumerate() {
            for (c, p) in self.powers.iter().enumerate() {
                let cell = &cells[r * cols + c];
                let title = format!("{dname} · {}", p.id);
                let text = PanelText {
                    title: Some((title.as_str(), look::rgb(p.color))),
                    x_desc: None,
                    y_desc: None,
                    scale: SMALL,
                    min_y_area: 0,
                };
                let mut chart = look::panel(&cell.margin(0, 6, 0, 0), &x, &y, text)?;
                look::marks(&mut chart, self.marks, false)?;
                for (i, a) in self.arms.iter().enumerate() {
                    if let Some(q) = a.summary.get("closeness", &p.id, domain) {
                        let color = look::rgb(arm_color(i));
                        look::median(&mut chart, &a.summary.years, q, 1.0, color, Dash::nth(i))?;
                    }
                }
            }
        }
        Ok(())
    }
}
