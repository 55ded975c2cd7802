//! Figures of ensemble results: fan charts of closeness, polls, instruments, leeway, arm
//! comparisons, calibration fits and driver decompositions.
//!
//! Plots are a leaf: they read [`crate::stats::Summary`] values (and plain numbers the caller
//! hands over) and never the model's internals. One public function per figure; the caller
//! passes the folder and the formats. Every figure is drawn by one function generic over the
//! plotters `DrawingBackend`, so PNG and SVG share the code. Files are written atomically (a
//! hidden temporary file in the same folder, then a rename). Text uses DejaVu Sans, embedded in
//! the binary (`assets/`), so no system font library is needed.

mod bands;
mod causes;
mod closeness;
mod compare;
mod diff;
mod discover;
mod drivers;
mod fit;
mod fonts;
mod instruments;
mod leeway;
mod look;
mod opinion;
mod pit;
mod posterior;
mod render;
mod sensitivity;
mod series;
mod sweep;
#[cfg(test)]
mod tests;
mod threats;
mod tree;
mod waterfall;

pub use bands::{BandPanel, decomposed};
pub use causes::{is_response as is_response_cause, label as cause_label};
pub use closeness::{closeness, closeness_svg, domains, domains_svg};
pub use compare::{arm_color, compare, compare_difference, compare_domains, compare_scenarios};
pub use diff::{DiffFigure, DiffRow, diff};
pub use discover::{BoxLimit, Discovery, PeelPoint, discovery};
pub use drivers::{DriverChart, drivers, drivers_svg};
pub use fit::{backtest, fit};
pub use instruments::instruments;
pub use leeway::{leeway, leeway_svg};
pub use opinion::opinion;
pub use pit::pit;
pub use posterior::{Sample, marginals, pairs};
pub use sensitivity::{BarSeries, IndexBars, IndexLines, index_bars, index_lines};
pub use series::{PanelSeries, SeriesArm, SeriesPanel, series_panels};
pub use sweep::{HeatPanel, Sweep1, Sweep2, heatmaps, tipping};
pub use threats::{ThreatArm, ThreatInfo, threats};
pub use tree::{TreeBranch, TreeFigure, tree};
pub use waterfall::{WaterfallPanel, WaterfallStep, waterfall};

/// An image format a figure can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Raster image, for reports and slides.
    Png,
    /// Vector image; its text is drawn with the viewer's sans-serif font.
    Svg,
}

impl Format {
    /// The file extension, without the dot.
    pub fn ext(&self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// How a power appears in every figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PowerStyle {
    /// The power's id, as used in series keys (`EU`, `US`, …).
    pub id: String,
    /// Display name for legends and panel titles.
    pub name: String,
    /// Colour as RGB bytes.
    pub color: [u8; 3],
}

/// Text common to every figure of an output.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Meta {
    /// The scenario's name; each figure's title starts with it.
    pub title: String,
    /// A second line under the title, e.g. "500 runs · seed 42 · simulate 0.1.0".
    pub subtitle: String,
}

/// One arm of a comparison: a named ensemble summary.
#[derive(Clone, Copy, Debug)]
pub struct Arm<'a> {
    /// Name shown in the legend.
    pub name: &'a str,
    /// The arm's ensemble summary.
    pub summary: &'a crate::stats::Summary,
}

/// An observed value of a series, for calibration plots.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observed {
    /// Calendar year of the observation.
    pub year: i32,
    /// Observed value, in the unit of the simulated series.
    pub value: f64,
}

/// One term of a yearly decomposition of the change in closeness.
#[derive(Clone, Debug, PartialEq)]
pub struct DriverBar {
    /// Calendar year.
    pub year: i32,
    /// Name of the term (e.g. "instruments", "rivalry", "public opinion").
    pub term: String,
    /// Contribution of the term to the yearly change, in closeness units per year.
    pub value: f64,
}

/// What a mark on the time axis stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    /// An election (dashed line).
    Election,
    /// A scripted event (solid line).
    Event,
}

/// A year marked on the time axis of every time figure: an election or a scripted event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// Calendar year.
    pub year: i32,
    /// Short label drawn at the top of the line.
    pub label: String,
    /// Election or event.
    pub kind: MarkKind,
}
