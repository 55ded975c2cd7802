//! Turns a figure into files: one drawing function, generic over the plotters backend, is run
//! once per requested format; each file is written to a hidden temporary name in the target
//! folder and renamed into place, so a reader never sees half a file. Knows nothing of the
//! model; the figures it renders read only summaries.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Format, fonts};

/// What drawing functions return: plotters' error for the backend in use.
pub(super) type DrawResult<DB> =
    Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A figure: its pixel size and a drawing function that works on any backend.
pub(super) trait Figure {
    /// Width and height in pixels (PNG) or user units (SVG).
    fn size(&self) -> (u32, u32);
    /// Draws the whole figure on `root`, which is blank.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

/// Writes `<dir>/<stem>.<ext>` for each format (each format once) and returns the paths.
pub(super) fn write_figure(
    dir: &Path,
    formats: &[Format],
    stem: &str,
    figure: &impl Figure,
) -> anyhow::Result<Vec<PathBuf>> {
    fonts::ensure_registered()?;
    fs::create_dir_all(dir).with_context(|| format!("creating plot folder {}", dir.display()))?;
    let mut written = Vec::new();
    for format in formats {
        let path = dir.join(format!("{stem}.{}", format.ext()));
        if written.contains(&path) {
            continue;
        }
        let outcome = match format {
            Format::Png => write_png(dir, stem, &path, figure),
            Format::Svg => write_svg(dir, stem, &path, figure),
        };
        outcome.with_context(|| format!("writing plot {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// Hidden temporary name in the target folder; the process id and a counter keep concurrent
/// writers (other processes, other threads) apart. The extension stays last because the PNG
/// encoder picks the format from it.
fn temp_path(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{stem}.{}-{n}.tmp.{ext}", std::process::id()))
}

fn write_png(dir: &Path, stem: &str, path: &Path, figure: &impl Figure) -> anyhow::Result<()> {
    let temp = temp_path(dir, stem, "png");
    let drawn = draw_png(&temp, figure);
    finish(drawn, &temp, path)
}

/// Draws into an RGB buffer and encodes it with one fixed row filter ("Sub", the one that
/// suits flat areas and horizontal lines) and fast compression: the adaptive choice of a
/// filter per row, plotters' default, took most of the encoding time for files a few per
/// cent smaller.
fn draw_png(temp: &Path, figure: &impl Figure) -> anyhow::Result<()> {
    let (w, h) = figure.size();
    let mut pixels = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
        figure.draw(&root)?;
        root.present()?;
    }
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        encoder.set_filter(png::FilterType::Sub);
        encoder.set_adaptive_filter(png::AdaptiveFilterType::NonAdaptive);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&pixels)?;
        writer.finish()?;
    }
    let mut file = fs::File::create(temp)?;
    file.write_all(&bytes)?;
    // Flush the data to disk before the rename.
    file.sync_all()?;
    Ok(())
}

fn write_svg(dir: &Path, stem: &str, path: &Path, figure: &impl Figure) -> anyhow::Result<()> {
    let temp = temp_path(dir, stem, "svg");
    let drawn = draw_svg(figure).and_then(|text| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        Ok(())
    });
    finish(drawn, &temp, path)
}

/// The SVG text of a figure, for pages that show it inline (`simulate serve`); nothing is
/// written.
pub(super) fn svg_text(figure: &impl Figure) -> anyhow::Result<String> {
    fonts::ensure_registered()?;
    draw_svg(figure)
}

fn draw_svg(figure: &impl Figure) -> anyhow::Result<String> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, figure.size()).into_drawing_area();
        figure.draw(&root)?;
        root.present()?;
    }
    Ok(text)
}

/// Renames the temporary file into place, or removes it if drawing failed.
fn finish(drawn: anyhow::Result<()>, temp: &Path, path: &Path) -> anyhow::Result<()> {
    let renamed = drawn.and_then(|()| {
        fs::rename(temp, path).with_context(|| format!("renaming {}", temp.display()))
    });
    if renamed.is_err() {
        // Best effort: the error that matters is the one returned.
        let _ = fs::remove_file(temp);
    }
    renamed
}
