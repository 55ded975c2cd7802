//! The embedded DejaVu Sans fonts (subsets, see `assets/LICENSE-DejaVu.txt`), registered once
//! with plotters before any figure is drawn. Depends on nothing of the model or the summaries.

use std::sync::OnceLock;

use plotters::style::{FontStyle, register_font};

static REGULAR: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/DejaVuSans-Bold.ttf");

/// The font family every figure uses; the only one registered.
pub(super) const FAMILY: &str = "sans-serif";

/// Registers the embedded fonts for [`FAMILY`] on first call; later calls return the first
/// outcome. Plotters has no font of its own with the `ab_glyph` feature, so drawing text
/// before this fails.
pub(super) fn ensure_registered() -> anyhow::Result<()> {
    static REGISTERED: OnceLock<Result<(), &'static str>> = OnceLock::new();
    let outcome = REGISTERED.get_or_init(|| {
        register_font(FAMILY, FontStyle::Normal, REGULAR)
            .map_err(|_| "assets/DejaVuSans.ttf is not a valid font")?;
        register_font(FAMILY, FontStyle::Bold, BOLD)
            .map_err(|_| "assets/DejaVuSans-Bold.ttf is not a valid font")?;
        Ok(())
    });
    outcome.map_err(|msg| anyhow::anyhow!("registering the embedded plot font: {msg}"))
}
