//! Charts of `gossip experiment` and `gossip analyze`, in one style, as SVG
//! and PNG, and the `report.html` page that shows them with the summary
//! tables.
//!
//! A chart is built in two steps: a builder ([`experiment`], [`analyze`])
//! turns runs into a [`Figure`] (the data: what the tests snapshot), then
//! [`render`] draws it on plotters' SVG and bitmap backends in the style of
//! [`style`], with the shipped font (no system fonts needed).
//!
//! Coverage over time uses a logarithmic time axis: push reaches everyone
//! within a millisecond or so while hybrid's pull rounds finish seconds
//! later, three to four decades apart; on a log axis both are in one panel
//! and the curves keep their shape, where a linear axis squeezes push into
//! its first pixel and a zoomed inset would draw every curve twice.

pub mod analyze;
mod axis;
mod coverage;
pub mod experiment;
mod figure;
mod render;
pub mod report;
mod style;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use anyhow::Context;
use plotters::prelude::{BitMapBackend, IntoDrawingArea, SVGBackend};

pub use figure::Figure;

/// A figure written to disk.
#[derive(Debug, Clone)]
pub struct Drawn {
    /// The figure.
    pub figure: Figure,
    /// Its SVG file.
    pub svg_path: PathBuf,
    /// Its PNG file.
    pub png_path: PathBuf,
    /// The SVG document (for embedding in a page).
    pub svg: String,
}

/// Draws `figure` as `<name>.svg` and `<name>.png` in `dir`.
pub fn write(dir: &Path, figure: Figure) -> anyhow::Result<Drawn> {
    let size = render::size_of(&figure)?;
    let mut svg = String::new();
    render::draw(
        &SVGBackend::with_string(&mut svg, size).into_drawing_area(),
        &figure,
    )
    .with_context(|| format!("cannot draw {}", figure.name))?;
    let svg_path = dir.join(format!("{}.svg", figure.name));
    std::fs::write(&svg_path, &svg)
        .with_context(|| format!("cannot write {}", svg_path.display()))?;
    let png_path = dir.join(format!("{}.png", figure.name));
    render::draw(
        &BitMapBackend::new(&png_path, size).into_drawing_area(),
        &figure,
    )
    .with_context(|| format!("cannot write {}", png_path.display()))?;
    Ok(Drawn {
        figure,
        svg_path,
        png_path,
        svg,
    })
}

/// Draws every figure into `dir` (created if missing).
pub fn write_all(dir: &Path, figures: Vec<Figure>) -> anyhow::Result<Vec<Drawn>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    figures.into_iter().map(|f| write(dir, f)).collect()
}
