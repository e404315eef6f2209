//! The one chart style: font, Okabe-Ito colours with a dash pattern, marker
//! and hatching per series (so series stay apart in grey print and for
//! colour-blind readers), text sizes, and number formats.

use std::sync::OnceLock;

use plotters::style::{Color, FontStyle, RGBColor, TextStyle};

/// The font family every chart uses; registered from the font shipped in
/// `native/assets/fonts` (DejaVu Sans), so no system font is needed.
pub const FONT: &str = "sans-serif";

static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the shipped font with plotters (once per process).
pub fn register_font() -> anyhow::Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    anyhow::ensure!(ok, "the shipped chart font cannot be read");
    Ok(())
}

/// Okabe-Ito colours, ordered so that neighbours differ in lightness too.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
];

/// Text colour.
pub const INK: RGBColor = RGBColor(34, 34, 34);
/// Secondary text (subtitles, notes).
pub const MUTED: RGBColor = RGBColor(90, 90, 90);
/// Axis lines and tick marks.
pub const AXIS: RGBColor = RGBColor(120, 120, 120);
/// The faint major grid (there is no minor grid).
pub const GRID: RGBColor = RGBColor(228, 228, 228);
/// Reference lines (the 95 % coverage line).
pub const REFERENCE: RGBColor = RGBColor(110, 110, 110);

/// Pixel sizes of the text.
pub mod size {
    /// Figure title.
    pub const TITLE: u32 = 22;
    /// The line under the title: what was fixed.
    pub const SUBTITLE: u32 = 15;
    /// A panel's title.
    pub const PANEL_TITLE: u32 = 17;
    /// Axis descriptions.
    pub const AXIS_LABEL: u32 = 15;
    /// Tick labels.
    pub const TICK: u32 = 13;
    /// Legend entries.
    pub const LEGEND: u32 = 15;
    /// Values written on bars.
    pub const VALUE: u32 = 12;
}

/// A text style of the chart font.
pub fn text(px: u32, color: RGBColor) -> TextStyle<'static> {
    let mut style = TextStyle::from((FONT, px));
    style.color = color.to_backend_color();
    style
}

/// How a line is stroked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dash {
    /// Unbroken.
    Solid,
    /// Dashes and gaps, in pixels.
    Dashed(u32, u32),
}

/// Marker drawn on a line now and then, and on its legend entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Marker {
    /// A filled circle.
    Circle,
    /// A filled triangle.
    Triangle,
    /// A filled square.
    Square,
    /// A diagonal cross.
    Cross,
}

/// Hatching of a bar (over its fill).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Hatch {
    /// Plain fill.
    None,
    /// Lines rising to the right.
    Rising,
    /// Lines falling to the right.
    Falling,
}

/// Everything that tells one series from another.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesStyle {
    /// Colour.
    pub color: RGBColor,
    /// Line pattern.
    pub dash: Dash,
    /// Marker.
    pub marker: Marker,
    /// Bar hatching.
    pub hatch: Hatch,
}

/// The style of series `i`: colour, dash, marker and hatch all change from
/// one series to the next.
pub fn series(i: usize) -> SeriesStyle {
    const DASHES: [Dash; 4] = [
        Dash::Solid,
        Dash::Dashed(10, 5),
        Dash::Dashed(3, 4),
        Dash::Dashed(18, 6),
    ];
    const MARKERS: [Marker; 4] = [
        Marker::Circle,
        Marker::Triangle,
        Marker::Square,
        Marker::Cross,
    ];
    const HATCHES: [Hatch; 3] = [Hatch::None, Hatch::Rising, Hatch::Falling];
    SeriesStyle {
        color: PALETTE[i % PALETTE.len()],
        dash: DASHES[i % DASHES.len()],
        marker: MARKERS[i % MARKERS.len()],
        hatch: HATCHES[i % HATCHES.len()],
    }
}

/// A number with as many decimals as its size needs: `0.42`, `3.1`, `144`,
/// `1 412` (thousands separated by a thin space).
pub fn number(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".to_owned()
    } else if a < 1.0 {
        let decimals = (-a.log10().floor()).max(2.0) as usize;
        let text = format!("{v:.decimals$}");
        text.trim_end_matches('0').to_owned()
    } else if a < 10.0 && (v * 10.0).round() % 10.0 != 0.0 {
        format!("{v:.1}")
    } else if a < 10.0 {
        format!("{v:.0}")
    } else {
        grouped(v.round())
    }
}

/// An integral value with thousands separated by a thin space.
pub fn grouped(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    if v < 0.0 {
        out.insert(0, '-');
    }
    out
}

/// A time in milliseconds as a tick label of a logarithmic axis:
/// `0.01 ms`, `1 ms`, `100 ms`, `1 s`, `10 s`.
pub fn duration(ms: f64) -> String {
    if ms >= 1_000.0 {
        format!("{} s", number(ms / 1_000.0))
    } else {
        format!("{} ms", number(ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_at_a_glance() {
        assert_eq!(number(0.0), "0");
        assert_eq!(number(0.4213), "0.42");
        assert_eq!(number(0.1), "0.1");
        assert_eq!(number(0.001), "0.001");
        assert_eq!(number(3.26), "3.3");
        assert_eq!(number(144.4), "144");
        assert_eq!(number(1412.2), "1\u{2009}412");
        assert_eq!(grouped(1_234_567.0), "1\u{2009}234\u{2009}567");
        assert_eq!(number(3.0), "3");
        assert_eq!(duration(0.01), "0.01 ms");
        assert_eq!(duration(1.0), "1 ms");
        assert_eq!(duration(100.0), "100 ms");
        assert_eq!(duration(10_000.0), "10 s");
    }

    #[test]
    fn neighbouring_series_differ_in_every_channel() {
        for i in 0..6 {
            let (a, b) = (series(i), series(i + 1));
            assert_ne!(a.color, b.color);
            assert_ne!(a.dash, b.dash);
            assert_ne!(a.marker, b.marker);
            assert_ne!(a.hatch, b.hatch);
        }
    }

    #[test]
    fn the_shipped_font_registers() {
        register_font().expect("font");
    }
}
