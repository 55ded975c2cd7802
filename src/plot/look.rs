//! The shared look of every figure and the drawing helpers the figures are built from: header,
//! legend column, axes with year ticks and nice value ticks, quantile bands and median lines
//! that skip missing (NaN) values. Generic over the plotters backend; reads only
//! `stats::Quantiles`, never the model.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::fonts::FAMILY;
use super::render::DrawResult;
use crate::stats::Quantiles;

/// A blank area of a figure, in pixels.
pub(super) type Area<DB> = DrawingArea<DB, Shift>;
/// plotters' error for a backend.
pub(super) type DrawError<DB> = DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>;
/// The coordinates of every chart: years across, values up, both with chosen ticks.
pub(super) type Coords = Cartesian2d<Ticked, Ticked>;
/// A chart panel with its axes drawn.
pub(super) type Chart<DB> = ChartContext<'static, DB, Coords>;

/// Body text.
pub(super) const INK: RGBColor = RGBColor(33, 33, 33);
/// Secondary text (subtitles, notes, "no data").
pub(super) const MUTED: RGBColor = RGBColor(96, 96, 96);
/// Grid lines.
const GRID: RGBColor = RGBColor(226, 226, 226);
/// Axis lines and ticks.
const AXIS: RGBColor = RGBColor(140, 140, 140);
/// Colour of the "none of them" poll answer and other neutral series.
pub(super) const NEUTRAL: RGBColor = RGBColor(128, 128, 128);

/// Opacity of the 90% band (p5–p95).
pub(super) const ALPHA_90: f64 = 0.13;
/// Opacity of the 50% band (p25–p75), drawn over the 90% band.
pub(super) const ALPHA_50: f64 = 0.22;
/// Width of median lines.
pub(super) const MEDIAN_WIDTH: u32 = 3;

/// Qualitative palette (Tableau 10) for kinds and terms that have no colour of their own.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The `i`-th colour of the qualitative palette; past ten, the palette repeats darker.
pub(super) fn palette(i: usize) -> RGBColor {
    let base = PALETTE[i % PALETTE.len()];
    match i / PALETTE.len() {
        0 => base,
        _ => shade(base, -0.4),
    }
}

/// A colour from RGB bytes.
pub(super) fn rgb(c: [u8; 3]) -> RGBColor {
    RGBColor(c[0], c[1], c[2])
}

/// Mixes a colour toward black (`t < 0`) or white (`t > 0`); `t` in [-1, 1].
pub(super) fn shade(c: RGBColor, t: f64) -> RGBColor {
    let t = t.clamp(-1.0, 1.0);
    let mix = |v: u8| {
        let v = f64::from(v);
        let out = if t < 0.0 {
            v * (1.0 + t)
        } else {
            v + (255.0 - v) * t
        };
        out.round().clamp(0.0, 255.0) as u8
    };
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// Text sizes of a figure: large for single charts, smaller for small multiples.
#[derive(Clone, Copy, Debug)]
pub(super) struct Scale {
    /// Tick labels.
    pub tick: f64,
    /// Axis descriptions.
    pub desc: f64,
    /// Panel titles.
    pub panel: f64,
}

/// Text sizes of single-panel figures.
pub(super) const LARGE: Scale = Scale {
    tick: 18.0,
    desc: 20.0,
    panel: 21.0,
};
/// Text sizes of small multiples.
pub(super) const SMALL: Scale = Scale {
    tick: 16.0,
    desc: 17.0,
    panel: 20.0,
};

/// A text style of the embedded family.
pub(super) fn text(size: f64, color: RGBColor) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&color)
}

/// A bold text style of the embedded family.
pub(super) fn bold(size: f64, color: RGBColor) -> TextStyle<'static> {
    // `FontDesc::style` would keep the regular face's data: build the bold face directly.
    FontDesc::new(FontFamily::Name(FAMILY), size, FontStyle::Bold).color(&color)
}

fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

/// Width of `s` in pixels when drawn with `style` on `area`.
pub(super) fn text_width<DB: DrawingBackend>(
    area: &Area<DB>,
    s: &str,
    style: &TextStyle,
) -> Result<i32, DrawError<DB>> {
    let (w, _) = area.estimate_text_size(s, style)?;
    Ok(i32::try_from(w).unwrap_or(i32::MAX))
}

/// `s`, cut short with an ellipsis if needed to fit in `max_width` pixels.
pub(super) fn fit_text<DB: DrawingBackend>(
    area: &Area<DB>,
    s: &str,
    style: &TextStyle,
    max_width: i32,
) -> Result<String, DrawError<DB>> {
    if text_width(area, s, style)? <= max_width {
        return Ok(s.to_string());
    }
    let mut chars: Vec<char> = s.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let cut: String = chars.iter().collect::<String>().trim_end().to_string() + "…";
        if text_width(area, &cut, style)? <= max_width {
            return Ok(cut);
        }
    }
    Ok(String::new())
}

/// Fills the figure white, draws the title and subtitle, and returns the area below them.
/// A title too wide for the figure is drawn smaller.
pub(super) fn header<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    subtitle: &str,
) -> Result<Area<DB>, DrawError<DB>> {
    root.fill(&WHITE)?;
    let (width, _) = root.dim_in_pixel();
    let room = i32::try_from(width).unwrap_or(i32::MAX) - 2 * PAD_X;
    let mut size = 30.0;
    while size > 18.0 && text_width(root, title, &bold(size, INK))? > room {
        size -= 1.0;
    }
    let title = fit_text(root, title, &bold(size, INK), room)?;
    root.draw_text(
        &title,
        &anchored(bold(size, INK), HPos::Left, VPos::Top),
        (PAD_X, 20),
    )?;
    let height = if subtitle.is_empty() {
        70
    } else {
        let subtitle = fit_text(root, subtitle, &text(18.0, MUTED), room)?;
        root.draw_text(
            &subtitle,
            &anchored(text(18.0, MUTED), HPos::Left, VPos::Top),
            (PAD_X, 62),
        )?;
        100
    };
    Ok(root.split_vertically(height).1)
}

/// Left and right padding of the figure, in pixels.
const PAD_X: i32 = 28;

/// Line pattern of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Dash {
    Solid,
    /// Long dashes.
    Dashed,
    /// Short dashes, almost dots.
    Dotted,
    /// Very long dashes with short gaps.
    Long,
}

impl Dash {
    /// Dash length and gap in pixels; `None` for a solid line.
    fn pattern(self) -> Option<(u32, u32)> {
        match self {
            Dash::Solid => None,
            Dash::Dashed => Some((12, 7)),
            Dash::Dotted => Some((3, 5)),
            Dash::Long => Some((22, 6)),
        }
    }

    /// The `i`-th pattern of a sequence that keeps neighbours distinct.
    pub(super) fn nth(i: usize) -> Dash {
        [Dash::Solid, Dash::Dashed, Dash::Dotted, Dash::Long][i % 4]
    }
}

/// What a legend entry shows next to its label.
#[derive(Clone, Copy, Debug)]
pub(super) enum Swatch {
    /// Median line over a 50% and a 90% band.
    Fan(RGBColor),
    /// Median line over a 90% band only.
    Fan90(RGBColor),
    /// A line.
    Line {
        color: RGBColor,
        width: u32,
        dash: Dash,
    },
    /// A line with a round marker.
    LineMarker(RGBColor),
    /// A round marker.
    Marker(RGBColor),
    /// A filled box (bars).
    Bar(RGBColor),
    /// A translucent box (a shaded region).
    Region(RGBAColor),
}

/// One legend entry.
#[derive(Clone, Debug)]
pub(super) struct LegendItem {
    pub label: String,
    pub swatch: Swatch,
}

impl LegendItem {
    pub(super) fn new(label: impl Into<String>, swatch: Swatch) -> LegendItem {
        LegendItem {
            label: label.into(),
            swatch,
        }
    }
}

/// A legend: entries under an optional heading, then an optional key in grey.
#[derive(Clone, Debug, Default)]
pub(super) struct Legend {
    pub heading: Option<String>,
    pub items: Vec<LegendItem>,
    /// Secondary entries under a thin rule, e.g. what the line and bands mean.
    pub key: Vec<LegendItem>,
    /// Grey text at the bottom, e.g. "each panel has its own scale"; one row per line.
    pub note: Option<String>,
}

impl Legend {
    /// The lines of the note.
    fn note_lines(&self) -> impl Iterator<Item = &str> {
        self.note.iter().flat_map(|n| n.lines())
    }
}

/// The usual key of fan charts: what the line and the two bands stand for.
pub(super) fn fan_key(with_50: bool) -> Vec<LegendItem> {
    let mut key = vec![LegendItem::new(
        "median",
        Swatch::Line {
            color: NEUTRAL,
            width: MEDIAN_WIDTH,
            dash: Dash::Solid,
        },
    )];
    if with_50 {
        key.push(LegendItem::new(
            "middle 50% of runs",
            Swatch::Region(NEUTRAL.mix(ALPHA_50 + ALPHA_90)),
        ));
    }
    key.push(LegendItem::new(
        "middle 90% of runs",
        Swatch::Region(NEUTRAL.mix(ALPHA_90)),
    ));
    key
}

const LEGEND_TEXT: f64 = 17.0;
const LEGEND_ROW: i32 = 30;
const SWATCH_W: i32 = 40;
const SWATCH_H: i32 = 18;
const LEGEND_PAD: i32 = 14;

impl Legend {
    /// Width the legend needs, in pixels, capped at a third of `area`'s width.
    pub(super) fn width<DB: DrawingBackend>(&self, area: &Area<DB>) -> Result<i32, DrawError<DB>> {
        let style = text(LEGEND_TEXT, INK);
        let mut widest = 0;
        if let Some(h) = &self.heading {
            widest = widest.max(text_width(area, h, &bold(LEGEND_TEXT, INK))?);
        }
        for item in self.items.iter().chain(&self.key) {
            widest = widest.max(SWATCH_W + 12 + text_width(area, &item.label, &style)?);
        }
        for line in self.note_lines() {
            widest = widest.max(text_width(area, line, &text(LEGEND_TEXT - 1.0, MUTED))?);
        }
        let cap = i32::try_from(area.dim_in_pixel().0 / 3).unwrap_or(i32::MAX);
        Ok((widest + 2 * LEGEND_PAD + 8).clamp(140, cap.max(140)))
    }

    /// Draws the legend at the top of `area` (a column beside the charts), `top` pixels down.
    pub(super) fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, top: i32) -> DrawResult<DB> {
        let (w, h) = area.dim_in_pixel();
        let w = i32::try_from(w).unwrap_or(i32::MAX);
        let bottom = i32::try_from(h).unwrap_or(i32::MAX) - 4;
        let rows = self.items.len() + self.key.len() + usize::from(self.heading.is_some());
        let rule = if self.key.is_empty() { 0 } else { 14 };
        // Note lines are set closer than the rows (`LEGEND_ROW - 6`). A note that would run
        // past the bottom of the column is cut at the last line that fits.
        let row_end = top + LEGEND_PAD + LEGEND_ROW * i32::try_from(rows).unwrap_or(0) + rule;
        let fitting = self
            .note_lines()
            .take_while({
                let mut y = row_end;
                move |_| {
                    y += LEGEND_ROW - 6;
                    y + LEGEND_PAD - 6 <= bottom
                }
            })
            .count();
        let notes = i32::try_from(fitting).unwrap_or(0);
        let height = (row_end - top + (LEGEND_ROW - 6) * notes + LEGEND_PAD - 6).min(bottom - top);
        let (x0, x1) = (4, w - 12);
        area.draw(&Rectangle::new(
            [(x0, top), (x1, top + height)],
            WHITE.mix(0.85).filled(),
        ))?;
        area.draw(&Rectangle::new(
            [(x0, top), (x1, top + height)],
            GRID.stroke_width(1),
        ))?;
        let mut y = top + LEGEND_PAD + LEGEND_ROW / 2 - 3;
        let label_x = x0 + LEGEND_PAD + SWATCH_W + 12;
        if let Some(h) = &self.heading {
            area.draw_text(
                h,
                &anchored(bold(LEGEND_TEXT, INK), HPos::Left, VPos::Center),
                (x0 + LEGEND_PAD, y),
            )?;
            y += LEGEND_ROW;
        }
        let room = x1 - LEGEND_PAD - label_x;
        for item in &self.items {
            draw_swatch(area, item.swatch, (x0 + LEGEND_PAD, y))?;
            area.draw_text(
                &fit_text(area, &item.label, &text(LEGEND_TEXT, INK), room)?,
                &anchored(text(LEGEND_TEXT, INK), HPos::Left, VPos::Center),
                (label_x, y),
            )?;
            y += LEGEND_ROW;
        }
        if !self.key.is_empty() {
            let ry = y - LEGEND_ROW / 2 + rule / 2;
            area.draw(&PathElement::new(
                vec![(x0 + LEGEND_PAD, ry), (x1 - LEGEND_PAD, ry)],
                GRID.stroke_width(1),
            ))?;
            y += rule;
            for item in &self.key {
                draw_swatch(area, item.swatch, (x0 + LEGEND_PAD, y))?;
                area.draw_text(
                    &item.label,
                    &anchored(text(LEGEND_TEXT - 1.0, MUTED), HPos::Left, VPos::Center),
                    (label_x, y),
                )?;
                y += LEGEND_ROW;
            }
        }
        for line in self.note_lines().take(fitting) {
            area.draw_text(
                line,
                &anchored(text(LEGEND_TEXT - 1.0, MUTED), HPos::Left, VPos::Center),
                (x0 + LEGEND_PAD, y),
            )?;
            y += LEGEND_ROW - 6;
        }
        Ok(())
    }
}

/// Draws a swatch whose left edge is at `x`, vertically centred on `y`.
fn draw_swatch<DB: DrawingBackend>(
    area: &Area<DB>,
    swatch: Swatch,
    (x, y): (i32, i32),
) -> DrawResult<DB> {
    let (top, bottom) = (y - SWATCH_H / 2, y + SWATCH_H / 2);
    let right = x + SWATCH_W;
    let line = |color: RGBColor, width: u32| {
        PathElement::new(vec![(x, y), (right, y)], color.stroke_width(width))
    };
    match swatch {
        Swatch::Fan(color) => {
            area.draw(&Rectangle::new(
                [(x, top), (right, bottom)],
                color.mix(ALPHA_90).filled(),
            ))?;
            area.draw(&Rectangle::new(
                [(x, y - SWATCH_H / 4), (right, y + SWATCH_H / 4)],
                color.mix(ALPHA_50).filled(),
            ))?;
            area.draw(&line(color, MEDIAN_WIDTH))?;
        }
        Swatch::Fan90(color) => {
            area.draw(&Rectangle::new(
                [(x, top), (right, bottom)],
                color.mix(ALPHA_90 + 0.05).filled(),
            ))?;
            area.draw(&line(color, MEDIAN_WIDTH))?;
        }
        Swatch::Line { color, width, dash } => match dash.pattern() {
            None => area.draw(&line(color, width))?,
            Some((on, off)) => {
                let (on, off) = (on as i32, off as i32);
                let mut sx = x;
                while sx < right {
                    let ex = (sx + on).min(right);
                    area.draw(&PathElement::new(
                        vec![(sx, y), (ex, y)],
                        color.stroke_width(width),
                    ))?;
                    sx = ex + off;
                }
            }
        },
        Swatch::LineMarker(color) => {
            area.draw(&line(color, 2))?;
            area.draw(&Circle::new((x + SWATCH_W / 2, y), 5, color.filled()))?;
        }
        Swatch::Marker(color) => {
            area.draw(&Circle::new((x + SWATCH_W / 2, y), 6, color.filled()))?;
            area.draw(&Circle::new(
                (x + SWATCH_W / 2, y),
                6,
                WHITE.stroke_width(1),
            ))?;
        }
        Swatch::Bar(color) => {
            area.draw(&Rectangle::new(
                [(x + 6, top), (right - 6, bottom)],
                color.filled(),
            ))?;
        }
        Swatch::Region(color) => {
            area.draw(&Rectangle::new([(x, top), (right, bottom)], color.filled()))?;
        }
    }
    Ok(())
}

/// Splits the area below the header into the charts (left) and a legend column (right) sized
/// for `legend`, draws the legend and returns the charts' area.
pub(super) fn with_legend<DB: DrawingBackend>(
    body: &Area<DB>,
    legend: &Legend,
) -> Result<Area<DB>, DrawError<DB>> {
    let width = legend.width(body)?;
    let (w, _) = body.dim_in_pixel();
    let split = i32::try_from(w).unwrap_or(i32::MAX) - width - PAD_X / 2;
    let (charts, side) = body.split_horizontally(split);
    legend.draw(&side, 12)?;
    Ok(charts.margin(0, 10, PAD_X / 2, 0))
}

/// A linear `f64` axis whose grid lines and labels are exactly the given ticks (plotters'
/// own key-point wrapper cannot take a label formatter for `f64`).
#[derive(Clone, Debug)]
pub(super) struct Ticked {
    range: Range<f64>,
    ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        let frac = if span > 0.0 {
            (value - self.range.start) / span
        } else {
            0.5
        };
        let px = f64::from(limit.0) + frac * f64::from(limit.1 - limit.0);
        // `as` saturates; values far outside the axis are clamped to the area later anyway.
        px.round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// The year axis: range and labelled years.
#[derive(Clone, Debug)]
pub(super) struct YearAxis {
    range: Range<f64>,
    ticks: Vec<f64>,
}

impl YearAxis {
    /// An axis from `first` to `last`, widened by `pad` years on each side (bars need room),
    /// with at most about `max_labels` labels on round years.
    pub(super) fn new(first: i32, last: i32, pad: f64, max_labels: usize) -> YearAxis {
        let (first, last) = (first.min(last), first.max(last));
        let span = f64::from(last - first);
        let step = [1, 2, 5, 10, 20, 25, 50, 100]
            .into_iter()
            .find(|s| span / f64::from(*s) <= max_labels.max(1) as f64)
            .unwrap_or(100);
        let ticks = (first..=last)
            .filter(|y| y.rem_euclid(step) == 0)
            .map(f64::from)
            .collect();
        // A single year still needs a range of positive width.
        let pad = if first == last { pad.max(0.5) } else { pad };
        YearAxis {
            range: f64::from(first) - pad..f64::from(last) + pad,
            ticks,
        }
    }

    /// The left and right ends of the axis.
    pub(super) fn bounds(&self) -> (f64, f64) {
        (self.range.start, self.range.end)
    }

    /// The axis spanning `years` (which need not be sorted); `None` if there are none.
    pub(super) fn spanning(
        years: impl IntoIterator<Item = i32>,
        pad: f64,
        max_labels: usize,
    ) -> Option<YearAxis> {
        let mut it = years.into_iter();
        let first = it.next()?;
        let (lo, hi) = it.fold((first, first), |(lo, hi), y| (lo.min(y), hi.max(y)));
        Some(YearAxis::new(lo, hi, pad, max_labels))
    }
}

/// The value axis: range, ticks and the decimals their labels need.
#[derive(Clone, Debug)]
pub(super) struct ValueAxis {
    range: Range<f64>,
    ticks: Vec<f64>,
    decimals: usize,
    /// Names of the ticks `0, 1, ...` of a category axis (empty: numbers).
    names: Vec<String>,
}

impl ValueAxis {
    /// The value range of the axis.
    pub(super) fn range(&self) -> Range<f64> {
        self.range.clone()
    }

    /// A fixed range with round ticks.
    pub(super) fn fixed(lo: f64, hi: f64, max_ticks: usize) -> ValueAxis {
        let step = nice_step(hi - lo, max_ticks);
        ValueAxis {
            range: lo..hi,
            ticks: ticks_within(lo, hi, step),
            decimals: decimals_for(step),
            names: Vec::new(),
        }
    }

    /// A range covering every finite value of `values` (and zero if `with_zero`), widened a
    /// little and rounded out to ticks. Falls back to 0..1 when nothing is finite.
    pub(super) fn covering(
        values: impl IntoIterator<Item = f64>,
        with_zero: bool,
        max_ticks: usize,
    ) -> ValueAxis {
        let (mut lo, mut hi) = values
            .into_iter()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        if with_zero {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        if !lo.is_finite() || !hi.is_finite() {
            return ValueAxis::fixed(0.0, 1.0, max_ticks);
        }
        if hi - lo < 1e-9 {
            let half = (lo.abs() * 0.1).max(0.5);
            lo -= half;
            hi += half;
        }
        let margin = (hi - lo) * 0.04;
        // Keep zero as the edge when the data start there: no empty strip below a zero floor.
        let lo_pad = if with_zero && lo.abs() < 1e-12 {
            lo
        } else {
            lo - margin
        };
        let hi_pad = if with_zero && hi.abs() < 1e-12 {
            hi
        } else {
            hi + margin
        };
        let step = nice_step(hi_pad - lo_pad, max_ticks);
        let lo = (lo_pad / step).floor() * step;
        let hi = (hi_pad / step).ceil() * step;
        ValueAxis {
            range: lo..hi,
            ticks: ticks_within(lo, hi, step),
            decimals: decimals_for(step),
            names: Vec::new(),
        }
    }

    /// The lower and upper ends of the axis.
    pub(super) fn bounds(&self) -> (f64, f64) {
        (self.range.start, self.range.end)
    }

    /// A category axis: `names[i]` at `i`, the first at the bottom.
    pub(super) fn named(names: Vec<String>) -> ValueAxis {
        let n = names.len().max(1);
        ValueAxis {
            range: -0.6..n as f64 - 0.4,
            ticks: (0..names.len()).map(|i| i as f64).collect(),
            decimals: 0,
            names,
        }
    }

    /// The label of a tick value.
    fn label(&self, v: f64) -> String {
        if self.names.is_empty() {
            return number(v, self.decimals);
        }
        let i = v.round();
        if i >= 0.0 && (i as usize) < self.names.len() {
            self.names[i as usize].clone()
        } else {
            String::new()
        }
    }
}

/// A round step (1, 2, 2.5 or 5 times a power of ten) giving at most about `max_ticks` ticks.
fn nice_step(span: f64, max_ticks: usize) -> f64 {
    let raw = span.abs().max(1e-12) / max_ticks.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude)
}

fn ticks_within(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

fn decimals_for(step: f64) -> usize {
    let mut decimals = 0;
    while decimals < 6 && (step * 10f64.powi(decimals as i32)).fract().abs() > 1e-6 {
        decimals += 1;
    }
    decimals
}

/// Formats a number with a true minus sign and no negative zero.
pub(super) fn number(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let zero = s.chars().all(|c| c == '0' || c == '.');
    if v < 0.0 && !zero {
        format!("\u{2212}{s}")
    } else {
        s
    }
}

/// Titles and sizes of one chart panel.
#[derive(Clone, Copy, Debug)]
pub(super) struct PanelText<'t> {
    /// Bold title above the panel, left-aligned with the plot, in the given colour.
    pub title: Option<(&'t str, RGBColor)>,
    pub x_desc: Option<&'t str>,
    pub y_desc: Option<&'t str>,
    pub scale: Scale,
    /// Least width of the y label area, to line up the plots of panels stacked vertically.
    pub min_y_area: i32,
}

/// Width of the y label area of a panel: tick labels, ticks and the rotated description.
pub(super) fn y_area<DB: DrawingBackend>(
    area: &Area<DB>,
    y: &ValueAxis,
    scale: Scale,
    with_desc: bool,
) -> Result<i32, DrawError<DB>> {
    let tick_style = text(scale.tick, INK);
    let mut widest = 0;
    for v in &y.ticks {
        widest = widest.max(text_width(area, &y.label(*v), &tick_style)?);
    }
    let desc_room = if with_desc { scale.desc as i32 + 14 } else { 0 };
    Ok(widest + 14 + desc_room)
}

/// Builds a chart panel on `area`: title, axes, grid and tick labels.
pub(super) fn panel<DB: DrawingBackend>(
    area: &Area<DB>,
    x: &YearAxis,
    y: &ValueAxis,
    t: PanelText,
) -> Result<Chart<DB>, DrawError<DB>> {
    let x_fmt = |v: &f64| format!("{v:.0}");
    panel_on(area, (x.range.clone(), x.ticks.clone()), &x_fmt, y, t)
}

/// Builds a chart panel whose horizontal axis is a value (a swept parameter), not years.
pub(super) fn value_panel<DB: DrawingBackend>(
    area: &Area<DB>,
    x: &ValueAxis,
    y: &ValueAxis,
    t: PanelText,
) -> Result<Chart<DB>, DrawError<DB>> {
    let x_fmt = |v: &f64| x.label(*v);
    panel_on(area, (x.range.clone(), x.ticks.clone()), &x_fmt, y, t)
}

fn panel_on<DB: DrawingBackend>(
    area: &Area<DB>,
    (x_range, x_ticks): (Range<f64>, Vec<f64>),
    x_fmt: &dyn Fn(&f64) -> String,
    y: &ValueAxis,
    t: PanelText,
) -> Result<Chart<DB>, DrawError<DB>> {
    let tick_style = text(t.scale.tick, INK);
    let desc_style = text(t.scale.desc, INK);
    let y_area = y_area(area, y, t.scale, t.y_desc.is_some())?.max(t.min_y_area);
    let x_area = t.scale.tick as i32 + 14 + t.x_desc.map_or(0, |_| t.scale.desc as i32 + 6);

    let body = match t.title {
        Some((title, color)) => {
            // A title wider than its panel would run into the next one: it breaks after its
            // last ": " onto a second line (the part after it, such as the source a band
            // panel names, is the point of the title), and what still does not fit is cut
            // with an ellipsis.
            let style = anchored(bold(t.scale.panel, color), HPos::Left, VPos::Top);
            let room = i32::try_from(area.dim_in_pixel().0).unwrap_or(i32::MAX) - y_area - 4;
            let lines: Vec<String> = match title.rsplit_once(": ") {
                Some((head, tail)) if text_width(area, title, &style)? > room => {
                    vec![format!("{head}:"), tail.to_string()]
                }
                _ => vec![title.to_string()],
            };
            let line = t.scale.panel as i32 + 4;
            for (i, l) in lines.iter().enumerate() {
                let fitted = fit_text(area, l, &style, room)?;
                area.draw_text(&fitted, &style, (y_area, 6 + line * i as i32))?;
            }
            let height = t.scale.panel as i32 + 14 + line * (lines.len() as i32 - 1);
            area.split_vertically(height).1
        }
        None => area.clone(),
    };

    let mut chart = ChartBuilder::on(&body)
        .margin_top(10)
        .margin_right(30)
        .margin_bottom(4)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(
            Ticked {
                range: x_range,
                ticks: x_ticks,
            },
            Ticked {
                range: y.range.clone(),
                ticks: y.ticks.clone(),
            },
        )?;
    let y_fmt = |v: &f64| y.label(*v);
    let mut mesh = chart.configure_mesh();
    mesh.x_label_formatter(x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style(tick_style)
        .axis_desc_style(desc_style)
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS.stroke_width(1))
        .set_all_tick_mark_size(5);
    if let Some(d) = t.x_desc {
        mesh.x_desc(d);
    }
    if let Some(d) = t.y_desc {
        mesh.y_desc(d);
    }
    mesh.draw()?;
    Ok(chart)
}

/// Writes a grey note in the middle of `area`, for panels without data.
pub(super) fn no_data<DB: DrawingBackend>(area: &Area<DB>, note: &str) -> DrawResult<DB> {
    let (w, h) = area.dim_in_pixel();
    area.draw_text(
        note,
        &anchored(text(18.0, MUTED), HPos::Center, VPos::Center),
        (w as i32 / 2, h as i32 / 2),
    )
}

/// Writes `note` at the top left inside a chart's plotting area (for panels whose series
/// are missing).
pub(super) fn chart_note<DB: DrawingBackend>(chart: &Chart<DB>, note: &str) -> DrawResult<DB> {
    let area = chart.plotting_area().strip_coord_spec();
    area.draw_text(
        note,
        &anchored(text(16.0, MUTED), HPos::Left, VPos::Top),
        (10, 8),
    )
}

/// Maximal runs of consecutive points that pass `ok`: the pieces a line or band is drawn in,
/// so that a missing value leaves a gap instead of a jump to zero.
pub(super) fn runs<T>(points: &[T], ok: impl Fn(&T) -> bool) -> Vec<&[T]> {
    points
        .split(|p| !ok(p))
        .filter(|run| !run.is_empty())
        .collect()
}

/// `(year, f(q) * scale)` for each year that has a summary.
pub(super) fn series(
    years: &[i32],
    q: &[Quantiles],
    scale: f64,
    f: impl Fn(&Quantiles) -> f64,
) -> Vec<(f64, f64)> {
    years
        .iter()
        .zip(q)
        .map(|(y, q)| (f64::from(*y), f(q) * scale))
        .collect()
}

/// Which quantile band to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Band {
    /// p25–p75.
    Fifty,
    /// p5–p95.
    Ninety,
}

impl Band {
    fn bounds(self, q: &Quantiles) -> (f64, f64) {
        match self {
            Band::Fifty => (q.p25, q.p75),
            Band::Ninety => (q.p5, q.p95),
        }
    }
}

/// Fills a quantile band of a series as polygons (upper edge forward, lower edge back),
/// leaving gaps where a bound is missing.
pub(super) fn band<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    years: &[i32],
    q: &[Quantiles],
    scale: f64,
    which: Band,
    fill: RGBAColor,
) -> DrawResult<DB> {
    let points: Vec<(f64, f64, f64)> = years
        .iter()
        .zip(q)
        .map(|(y, q)| {
            let (lo, hi) = which.bounds(q);
            (f64::from(*y), lo * scale, hi * scale)
        })
        .collect();
    for run in runs(&points, |(_, lo, hi)| lo.is_finite() && hi.is_finite()) {
        if run.len() < 2 {
            continue;
        }
        let outline: Vec<(f64, f64)> = run
            .iter()
            .map(|(x, _, hi)| (*x, *hi))
            .chain(run.iter().rev().map(|(x, lo, _)| (*x, *lo)))
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(outline, fill.filled())))?;
    }
    Ok(())
}

/// Draws a line through the finite points, with gaps at missing values; an isolated point
/// becomes a dot.
pub(super) fn line<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    points: &[(f64, f64)],
    color: RGBColor,
    width: u32,
    dash: Dash,
) -> DrawResult<DB> {
    let style = color.stroke_width(width);
    for run in runs(points, |(_, v)| v.is_finite()) {
        if run.len() == 1 {
            chart.draw_series(std::iter::once(Circle::new(
                run[0],
                width + 1,
                color.filled(),
            )))?;
            continue;
        }
        match dash.pattern() {
            None => {
                chart.draw_series(LineSeries::new(run.iter().copied(), style))?;
            }
            Some((on, off)) => {
                chart.draw_series(DashedLineSeries::new(run.iter().copied(), on, off, style))?;
            }
        }
    }
    Ok(())
}

/// Draws a median line of a series.
pub(super) fn median<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    years: &[i32],
    q: &[Quantiles],
    scale: f64,
    color: RGBColor,
    dash: Dash,
) -> DrawResult<DB> {
    line(
        chart,
        &series(years, q, scale, |q| q.p50),
        color,
        MEDIAN_WIDTH,
        dash,
    )
}

/// Fan charts of several series on one chart, layered so that no band hides a median: every
/// 90% band first, then (with `fifty`) every 50% band, then every median as a solid line.
pub(super) fn fans<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    years: &[i32],
    series: &[(RGBColor, &[Quantiles])],
    scale: f64,
    fifty: bool,
) -> DrawResult<DB> {
    for (c, q) in series {
        band(chart, years, q, scale, Band::Ninety, c.mix(ALPHA_90))?;
    }
    if fifty {
        for (c, q) in series {
            band(chart, years, q, scale, Band::Fifty, c.mix(ALPHA_50))?;
        }
    }
    for (c, q) in series {
        median(chart, years, q, scale, *c, Dash::Solid)?;
    }
    Ok(())
}

/// True when a series has no finite value other than zero: nothing worth a line.
pub(super) fn all_zero(q: &[Quantiles]) -> bool {
    q.iter().all(|q| {
        [q.p5, q.p25, q.p50, q.p75, q.p95]
            .iter()
            .all(|v| !v.is_finite() || v.abs() < 1e-12)
    })
}

/// Every finite bound of the bands that will be drawn, for sizing an axis.
pub(super) fn extent(q: &[Quantiles], scale: f64) -> impl Iterator<Item = f64> + '_ {
    q.iter()
        .flat_map(|q| [q.p5, q.p50, q.p95])
        .map(move |v| v * scale)
}

/// Grid of `n` panels: columns and rows, as square as possible, wider than tall.
pub(super) fn grid(n: usize) -> (usize, usize) {
    let cols = (1..=n.max(1)).find(|c| c * c >= n).unwrap_or(1);
    let rows = n.max(1).div_ceil(cols);
    (rows, cols)
}

/// A compact panel with value axes on both sides (for matrices of small charts): tick labels
/// only where asked, no descriptions.
pub(super) fn compact_panel<DB: DrawingBackend>(
    area: &Area<DB>,
    x: &ValueAxis,
    y: &ValueAxis,
    tick: f64,
    (show_x, show_y): (bool, bool),
) -> Result<Chart<DB>, DrawError<DB>> {
    let tick_style = text(tick, INK);
    let mut chart = ChartBuilder::on(area)
        .margin(4)
        .x_label_area_size(if show_x { tick as i32 + 10 } else { 0 })
        .y_label_area_size(if show_y { (tick * 3.2) as i32 } else { 0 })
        .build_cartesian_2d(
            Ticked {
                range: x.range.clone(),
                ticks: x.ticks.clone(),
            },
            Ticked {
                range: y.range.clone(),
                ticks: y.ticks.clone(),
            },
        )?;
    let x_fmt = |v: &f64| x.label(*v);
    let y_fmt = |v: &f64| y.label(*v);
    chart
        .configure_mesh()
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style(tick_style)
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS.stroke_width(1))
        .set_all_tick_mark_size(3)
        .draw()?;
    Ok(chart)
}

/// Legend entries for the marks of a figure whose panels carry no mark labels: one for
/// elections, one listing the scripted events (empty when there are no marks).
pub(super) fn mark_key(marks: &[super::Mark]) -> Vec<LegendItem> {
    let mut key = Vec::new();
    let line = |dash| Swatch::Line {
        color: MARK,
        width: 1,
        dash,
    };
    if marks.iter().any(|m| m.kind == super::MarkKind::Election) {
        key.push(LegendItem::new("election", line(Dash::Dashed)));
    }
    let events: Vec<String> = marks
        .iter()
        .filter(|m| m.kind == super::MarkKind::Event)
        .map(|m| format!("{} {}", m.year, m.label))
        .collect();
    for e in events.iter().take(4) {
        key.push(LegendItem::new(e.clone(), line(Dash::Solid)));
    }
    if events.len() > 4 {
        key.push(LegendItem::new(
            format!("and {} more events", events.len() - 4),
            line(Dash::Solid),
        ));
    }
    key
}

/// Colour of the time marks (elections, scripted events).
const MARK: RGBColor = RGBColor(120, 120, 120);

/// Marks elections (dashed) and scripted events (solid) as thin vertical lines across a
/// time chart, each with a short label at the top when `labels` is set. Marks outside the
/// chart's years are left out; several marks of one kind in a year share one line.
pub(super) fn marks<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    marks: &[super::Mark],
    labels: bool,
) -> DrawResult<DB> {
    let xr = chart.x_range();
    let yr = chart.y_range();
    let mut lines: Vec<(i32, super::MarkKind, String)> = Vec::new();
    for m in marks {
        let x = f64::from(m.year);
        if x < xr.start || x > xr.end {
            continue;
        }
        match lines
            .iter_mut()
            .find(|(y, k, _)| *y == m.year && *k == m.kind)
        {
            Some((_, _, l)) => {
                l.push_str(", ");
                l.push_str(&m.label);
            }
            None => lines.push((m.year, m.kind, m.label.clone())),
        }
    }
    lines.sort_by_key(|(y, _, _)| *y);
    let top = yr.end;
    // Many marks (a scripted history has one or more events every year) would hide the data
    // behind a fence of lines: they fade as they get dense.
    let alpha: f64 = if lines.len() > 8 { 0.35 } else { 0.7 };
    // Labels of more than a dozen lines would overprint each other on three rows: then the
    // lines stay unlabelled (the events are listed in events.csv and the report).
    let labels = labels && lines.len() <= 12;
    // Labels of marks less than four years apart go on successive rows, so they do not overlap.
    let (mut row, mut last) = (0_i32, None::<i32>);
    for (year, kind, label) in &lines {
        row = match last {
            Some(l) if year - l < 4 => (row + 1) % 3,
            _ => 0,
        };
        last = Some(*year);
        let x = f64::from(*year);
        let pts = [(x, yr.start), (x, top)];
        match kind {
            super::MarkKind::Election => {
                chart.draw_series(DashedLineSeries::new(
                    pts,
                    4,
                    4,
                    MARK.mix(alpha.max(0.6)).stroke_width(1),
                ))?;
            }
            super::MarkKind::Event => {
                chart.draw_series(LineSeries::new(pts, MARK.mix(alpha).stroke_width(1)))?;
            }
        }
        if labels {
            let short: String = if label.chars().count() > 22 {
                label.chars().take(21).collect::<String>() + "…"
            } else {
                label.clone()
            };
            let style = anchored(text(13.0, MUTED), HPos::Left, VPos::Top);
            chart.draw_series(std::iter::once(
                EmptyElement::at((x, top)) + Text::new(short, (4, 2 + 15 * row), style),
            ))?;
        }
    }
    Ok(())
}
