//! Draws a [`Figure`] on any plotters backend (SVG or bitmap), in the one
//! style of [`super::style`]: title and subtitle on top, panels side by
//! side, the legend in its own strip below the panels so it never covers
//! data.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{Linear, LogTime, Unit};
use super::figure::{Bar, Content, Curve, Figure, Panel, Theory};
use super::style::{self, size, Dash, Hatch, Marker, SeriesStyle, AXIS, GRID, INK, MUTED};

/// Width of one panel among several, pixels.
const PANEL_WIDTH: u32 = 470;
/// Width of a figure's only panel.
const SINGLE_PANEL_WIDTH: u32 = 680;
/// Widest bar, pixels (a single category would otherwise fill the panel).
const MAX_BAR_WIDTH: f64 = 110.0;
/// Height of one row of panels, pixels.
const PANEL_HEIGHT: u32 = 390;
/// Panels per row.
const COLUMNS: usize = 3;
/// Height of the title and subtitle strip.
const HEADER: u32 = 78;
/// Height of one row of the legend strip.
const LEGEND_ROW: u32 = 28;
/// Space above and below the legend's rows.
const LEGEND_PAD: u32 = 18;
/// Width of a legend entry's sample (line or swatch).
const SAMPLE: i32 = 40;
/// Space between a sample and its label.
const SAMPLE_GAP: i32 = 8;
/// Space between legend entries.
const ENTRY_GAP: i32 = 30;
/// Outer margin.
const MARGIN: i32 = 18;
/// Time samples of a coverage curve that carry a marker (besides the line).
const MARKERS_PER_CURVE: usize = 5;

/// Width of each panel of a figure with `columns` columns.
fn panel_width(columns: usize) -> u32 {
    if columns == 1 {
        SINGLE_PANEL_WIDTH
    } else {
        PANEL_WIDTH
    }
}

/// Pixel size of `figure`.
pub fn size_of(figure: &Figure) -> anyhow::Result<(u32, u32)> {
    let (rows, columns) = grid(figure.panels.len());
    let width = columns as u32 * panel_width(columns) + 2 * MARGIN as u32;
    let legend_rows = legend_layout(figure, width)?.len() as u32;
    Ok((
        width,
        HEADER + rows as u32 * PANEL_HEIGHT + legend_rows * LEGEND_ROW + LEGEND_PAD,
    ))
}

/// The legend's entries (series index and entry width) in rows that fit
/// `width`.
fn legend_layout(figure: &Figure, width: u32) -> anyhow::Result<Vec<Vec<(usize, i32)>>> {
    style::register_font()?;
    let font = style::text(size::LEGEND, INK);
    let room = width as i32 - 2 * MARGIN;
    let mut rows: Vec<Vec<(usize, i32)>> = vec![Vec::new()];
    let mut used = 0;
    for (i, label) in figure.legend.iter().enumerate() {
        let (text, _) = font
            .font
            .box_size(label)
            .map_err(|e| anyhow::anyhow!("cannot measure {label:?}: {e:?}"))?;
        let entry = SAMPLE + SAMPLE_GAP + text as i32;
        let row = rows.last_mut().expect("a row");
        if !row.is_empty() && used + ENTRY_GAP + entry > room {
            rows.push(vec![(i, entry)]);
            used = entry;
        } else {
            used += if row.is_empty() {
                entry
            } else {
                ENTRY_GAP + entry
            };
            row.push((i, entry));
        }
    }
    Ok(rows)
}

/// Rows and columns for `panels` panels.
fn grid(panels: usize) -> (usize, usize) {
    let columns = panels.clamp(1, COLUMNS);
    (panels.max(1).div_ceil(columns), columns)
}

/// Draws `figure` on `root`, which must be [`size_of`] the figure; its
/// legend takes whatever height is left under the panels.
pub fn draw<DB>(root: &DrawingArea<DB, Shift>, figure: &Figure) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    style::register_font()?;
    root.fill(&WHITE)?;
    root.draw_text(
        &figure.title,
        &style::text(size::TITLE, INK),
        (MARGIN, MARGIN),
    )?;
    root.draw_text(
        &figure.subtitle,
        &style::text(size::SUBTITLE, MUTED),
        (MARGIN, MARGIN + 32),
    )?;
    let (rows, columns) = grid(figure.panels.len());
    let (_, body) = root.split_vertically(HEADER);
    let (panels, legend) = body.split_vertically(rows as u32 * PANEL_HEIGHT);
    let (used, _) =
        panels.split_horizontally(columns as u32 * panel_width(columns) + MARGIN as u32);
    for (panel, area) in figure.panels.iter().zip(used.split_evenly((rows, columns))) {
        draw_panel(root, &area, panel)?;
    }
    draw_legend(root, &legend, figure)?;
    root.present()?;
    Ok(())
}

fn draw_panel<DB>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    match &panel.content {
        Content::Bars { categories, bars } => draw_bars(root, area, panel, categories, bars),
        Content::Coverage {
            from_ms,
            to_ms,
            curves,
            mark_percent,
            theory,
        } => draw_coverage(
            root,
            area,
            panel,
            LogTime {
                lo: *from_ms,
                hi: *to_ms,
            },
            (curves, theory),
            *mark_percent,
        ),
    }
}

/// Decimals that print every tick exactly.
fn tick_decimals(ticks: &[f64]) -> usize {
    (0..4)
        .find(|d| {
            let scale = 10f64.powi(*d as i32);
            ticks
                .iter()
                .all(|t| ((t * scale).round() - t * scale).abs() < 1e-6)
        })
        .unwrap_or(4)
}

/// A tick label on a y axis of `unit` whose ticks need `decimals`.
fn tick_label(v: f64, unit: Unit, decimals: usize) -> String {
    match unit {
        Unit::Percent => format!("{v:.0}%"),
        Unit::Count => style::grouped(v),
        Unit::Millis if decimals == 0 => style::grouped(v),
        Unit::Millis => format!("{v:.decimals$}"),
    }
}

/// The value written on a bar.
fn value_label(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Percent => format!("{v:.0}%"),
        Unit::Count => style::grouped(v),
        Unit::Millis => style::number(v),
    }
}

fn draw_bars<DB>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    categories: &[String],
    bars: &[Vec<Option<Bar>>],
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let max = bars
        .iter()
        .flatten()
        .flatten()
        .map(|b| b.mean + b.std)
        .fold(0.0, f64::max);
    let y = Linear::from_zero(max, panel.y_unit);
    let decimals = tick_decimals(&y.ticks);
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, style::text(size::PANEL_TITLE, INK))
        .margin(10)
        .margin_right(24)
        .x_label_area_size(52)
        .y_label_area_size(72)
        .build_cartesian_2d(Linear::categories(categories.len()), y)?;
    let x_fmt = |v: &f64| {
        categories
            .get(v.round() as usize)
            .cloned()
            .unwrap_or_default()
    };
    let y_fmt = |v: &f64| tick_label(*v, panel.y_unit, decimals);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID.stroke_width(1))
        .axis_style(AXIS.stroke_width(1))
        .set_all_tick_mark_size(4)
        .label_style(style::text(size::TICK, INK))
        .axis_desc_style(style::text(size::AXIS_LABEL, INK))
        .x_desc(&panel.x_label)
        .y_desc(&panel.y_label)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .draw()?;
    let series = bars.len().max(1) as f64;
    let plot_width = f64::from(chart.plotting_area().dim_in_pixel().0.max(1));
    let category_width = plot_width / categories.len().max(1) as f64;
    let slot = (0.8 / series).min(MAX_BAR_WIDTH / category_width);
    for (s, row) in bars.iter().enumerate() {
        let st = style::series(s);
        for (c, bar) in row.iter().enumerate() {
            let left = c as f64 - slot * series / 2.0 + s as f64 * slot + slot * 0.06;
            let right = left + slot * 0.88;
            let centre = (left + right) / 2.0;
            let Some(b) = bar else {
                chart.draw_series(std::iter::once(
                    EmptyElement::at((centre, 0.0))
                        + Text::new(
                            "never",
                            (0, -6),
                            style::text(size::VALUE, MUTED)
                                .pos(Pos::new(HPos::Center, VPos::Bottom)),
                        ),
                ))?;
                continue;
            };
            let top_left = chart.backend_coord(&(left, b.mean));
            let bottom_right = chart.backend_coord(&(right, 0.0));
            draw_bar(root, top_left, bottom_right, st)?;
            let high = b.mean + b.std;
            if b.std > 0.0 {
                let low = chart.backend_coord(&(centre, (b.mean - b.std).max(0.0)));
                let up = chart.backend_coord(&(centre, high));
                draw_whisker(root, low, up)?;
            }
            let mut label = value_label(b.mean, panel.y_unit);
            if b.runs < b.of {
                label = format!("{label} ({}/{})", b.runs, b.of);
            }
            chart.draw_series(std::iter::once(
                EmptyElement::at((centre, high))
                    + Text::new(
                        label,
                        (0, -5),
                        style::text(size::VALUE, INK).pos(Pos::new(HPos::Center, VPos::Bottom)),
                    ),
            ))?;
        }
    }
    Ok(())
}

/// One bar in pixels: fill, hatching, outline.
fn draw_bar<DB>(
    root: &DrawingArea<DB, Shift>,
    (x0, y0): (i32, i32),
    (x1, y1): (i32, i32),
    st: SeriesStyle,
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    if y1 <= y0 {
        root.draw(&PathElement::new(
            vec![(x0, y1), (x1, y1)],
            st.color.stroke_width(2),
        ))?;
        return Ok(());
    }
    root.draw(&Rectangle::new([(x0, y0), (x1, y1)], st.color.filled()))?;
    for line in hatch_lines((x0, y0), (x1, y1), st.hatch) {
        root.draw(&PathElement::new(line, WHITE.stroke_width(2)))?;
    }
    root.draw(&Rectangle::new([(x0, y0), (x1, y1)], INK.stroke_width(1)))?;
    Ok(())
}

/// Hatching lines inside a pixel rectangle, 8 px apart.
fn hatch_lines((x0, y0): (i32, i32), (x1, y1): (i32, i32), hatch: Hatch) -> Vec<Vec<(i32, i32)>> {
    const GAP: usize = 8;
    let mut lines = Vec::new();
    match hatch {
        Hatch::None => {}
        // "/": x + y = c.
        Hatch::Rising => {
            for c in (x0 + y0..=x1 + y1).step_by(GAP) {
                let (a, b) = ((c - y1).max(x0), (c - y0).min(x1));
                if a < b {
                    lines.push(vec![(a, c - a), (b, c - b)]);
                }
            }
        }
        // "\": x - y = c.
        Hatch::Falling => {
            for c in (x0 - y1..=x1 - y0).step_by(GAP) {
                let (a, b) = ((c + y0).max(x0), (c + y1).min(x1));
                if a < b {
                    lines.push(vec![(a, a - c), (b, b - c)]);
                }
            }
        }
    }
    lines
}

/// A ± std whisker in pixels, from `low` up to `high`, with caps.
fn draw_whisker<DB>(
    root: &DrawingArea<DB, Shift>,
    low: (i32, i32),
    high: (i32, i32),
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let ink = INK.stroke_width(1);
    root.draw(&PathElement::new(vec![low, high], ink))?;
    for (x, y) in [low, high] {
        root.draw(&PathElement::new(vec![(x - 5, y), (x + 5, y)], ink))?;
    }
    Ok(())
}

fn draw_coverage<DB>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    time: LogTime,
    (curves, theory): (&[Curve], &[Theory]),
    mark: f64,
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let y = Linear {
        lo: 0.0,
        hi: 103.0,
        ticks: (0..=5).map(|i| f64::from(i) * 20.0).collect(),
    };
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, style::text(size::PANEL_TITLE, INK))
        .margin(10)
        .margin_right(24)
        .x_label_area_size(52)
        .y_label_area_size(72)
        .build_cartesian_2d(time, y)?;
    let x_fmt = |v: &f64| style::duration(*v);
    let y_fmt = |v: &f64| format!("{v:.0}%");
    chart
        .configure_mesh()
        .bold_line_style(GRID.stroke_width(1))
        .axis_style(AXIS.stroke_width(1))
        .set_all_tick_mark_size(4)
        .label_style(style::text(size::TICK, INK))
        .axis_desc_style(style::text(size::AXIS_LABEL, INK))
        .x_desc(&panel.x_label)
        .y_desc(&panel.y_label)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .draw()?;
    for curve in curves {
        let st = style::series(curve.series);
        let band: Vec<(f64, f64)> = curve
            .points
            .iter()
            .map(|p| (p[0], p[3]))
            .chain(curve.points.iter().rev().map(|p| (p[0], p[2])))
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(
            band,
            st.color.mix(0.18).filled(),
        )))?;
    }
    chart.draw_series(DashedLineSeries::new(
        [(time.lo, mark), (time.hi, mark)],
        5,
        4,
        style::REFERENCE.stroke_width(1),
    ))?;
    chart.draw_series(std::iter::once(
        EmptyElement::at((time.lo, mark))
            + Text::new(
                format!("{mark:.0}% of nodes"),
                (6, -4),
                style::text(size::TICK, MUTED).pos(Pos::new(HPos::Left, VPos::Bottom)),
            ),
    ))?;
    for curve in curves {
        let st = style::series(curve.series);
        let pixels: Vec<(i32, i32)> = curve
            .points
            .iter()
            .map(|p| chart.backend_coord(&(p[0], p[1])))
            .collect();
        draw_line(root, &pixels, st)?;
        let n = pixels.len();
        for k in 0..MARKERS_PER_CURVE {
            // Staggered per series so that markers of equal curves do not hide each other.
            let at = (n * (2 * k + 1) / (2 * MARKERS_PER_CURVE) + curve.series * n / 40).min(n - 1);
            draw_marker(root, pixels[at], st)?;
        }
    }
    for t in theory {
        draw_theory(&mut chart, time, t)?;
    }
    Ok(())
}

/// One model's prediction in grey: a dotted level or time marker, or a
/// thin curve, with its label.
fn draw_theory<DB>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<LogTime, Linear>>,
    time: LogTime,
    t: &Theory,
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let ink = style::REFERENCE.stroke_width(2);
    let label = |at: (f64, f64), offset: (i32, i32), pos: Pos| {
        EmptyElement::at(at)
            + Text::new(
                t.label.clone(),
                offset,
                style::text(size::VALUE, MUTED).pos(pos),
            )
    };
    if let Some(level) = t.level_percent {
        chart.draw_series(DashedLineSeries::new(
            [(time.lo, level), (time.hi, level)],
            2,
            4,
            ink,
        ))?;
        chart.draw_series(std::iter::once(label(
            (time.hi, level),
            (-4, 4),
            Pos::new(HPos::Right, VPos::Top),
        )))?;
    }
    if let Some(ms) = t.marker_ms.filter(|ms| (time.lo..=time.hi).contains(ms)) {
        chart.draw_series(DashedLineSeries::new([(ms, 0.0), (ms, 100.0)], 2, 4, ink))?;
        chart.draw_series(std::iter::once(label(
            (ms, 100.0),
            (4, 4),
            Pos::new(HPos::Left, VPos::Top),
        )))?;
    }
    let shown: Vec<(f64, f64)> = t
        .points
        .iter()
        .filter(|p| (time.lo..=time.hi).contains(&p[0]))
        .map(|p| (p[0], p[1]))
        .collect();
    if let Some(&mid) = shown.iter().find(|p| p.1 >= 50.0).or(shown.last()) {
        chart.draw_series(LineSeries::new(shown, ink))?;
        chart.draw_series(std::iter::once(label(
            mid,
            (4, 4),
            Pos::new(HPos::Left, VPos::Top),
        )))?;
    }
    Ok(())
}

/// A polyline in pixels, in the series' dash pattern.
fn draw_line<DB>(
    root: &DrawingArea<DB, Shift>,
    pixels: &[(i32, i32)],
    st: SeriesStyle,
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let stroke = st.color.stroke_width(2);
    match st.dash {
        Dash::Solid => root.draw(&PathElement::new(pixels.to_vec(), stroke))?,
        Dash::Dashed(on, off) => root.draw(&DashedPathElement::new(
            pixels.iter().copied(),
            on,
            off,
            stroke,
        ))?,
    }
    Ok(())
}

/// The series' marker centred on a pixel.
fn draw_marker<DB>(
    root: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    st: SeriesStyle,
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let fill = st.color.filled();
    match st.marker {
        Marker::Circle => root.draw(&Circle::new((x, y), 4, fill))?,
        Marker::Triangle => root.draw(&Polygon::new(
            vec![(x, y - 6), (x - 5, y + 4), (x + 5, y + 4)],
            fill,
        ))?,
        Marker::Square => root.draw(&Rectangle::new([(x - 4, y - 4), (x + 4, y + 4)], fill))?,
        Marker::Cross => {
            let stroke = st.color.stroke_width(2);
            root.draw(&PathElement::new(
                vec![(x - 4, y - 4), (x + 4, y + 4)],
                stroke,
            ))?;
            root.draw(&PathElement::new(
                vec![(x - 4, y + 4), (x + 4, y - 4)],
                stroke,
            ))?;
        }
    }
    Ok(())
}

/// The legend, centred in its own strip under the panels, in as many rows
/// as it needs: a swatch (bars) or a line sample with its marker (curves)
/// per series, then its label.
fn draw_legend<DB>(
    root: &DrawingArea<DB, Shift>,
    strip: &DrawingArea<DB, Shift>,
    figure: &Figure,
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let font = style::text(size::LEGEND, INK).pos(Pos::new(HPos::Left, VPos::Center));
    let (xs, ys) = strip.get_pixel_range();
    let rows = legend_layout(figure, (xs.end - xs.start) as u32)?;
    for (r, row) in rows.iter().enumerate() {
        let total = row.iter().map(|(_, w)| w).sum::<i32>() + ENTRY_GAP * (row.len() as i32 - 1);
        let mut x = xs.start + ((xs.end - xs.start - total) / 2).max(MARGIN);
        let y = ys.start + (LEGEND_PAD / 2 + LEGEND_ROW / 2) as i32 + r as i32 * LEGEND_ROW as i32;
        for &(i, width) in row {
            let st = style::series(i);
            if figure.has_bars() {
                draw_bar(root, (x + 8, y - 9), (x + SAMPLE - 8, y + 9), st)?;
            } else {
                draw_line(root, &[(x, y), (x + SAMPLE, y)], st)?;
                draw_marker(root, (x + SAMPLE / 2, y), st)?;
            }
            root.draw_text(&figure.legend[i], &font, (x + SAMPLE + SAMPLE_GAP, y))?;
            x += width + ENTRY_GAP;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hatching_stays_inside_the_bar() {
        for hatch in [Hatch::Rising, Hatch::Falling] {
            let lines = hatch_lines((10, 20), (40, 120), hatch);
            assert!(lines.len() > 5, "{hatch:?}");
            for (x, y) in lines.into_iter().flatten() {
                assert!((10..=40).contains(&x) && (20..=120).contains(&y), "{x},{y}");
            }
        }
        assert!(hatch_lines((0, 0), (9, 9), Hatch::None).is_empty());
    }

    #[test]
    fn ticks_print_with_the_decimals_they_need() {
        assert_eq!(tick_decimals(&[0.0, 500.0, 1_000.0]), 0);
        assert_eq!(tick_decimals(&[0.0, 0.25, 0.5]), 2);
        assert_eq!(tick_label(0.5, Unit::Millis, 2), "0.50");
        assert_eq!(tick_label(4_000.0, Unit::Millis, 0), "4\u{2009}000");
        assert_eq!(tick_label(40.0, Unit::Percent, 0), "40%");
        assert_eq!(tick_label(2_000.0, Unit::Count, 0), "2\u{2009}000");
    }

    #[test]
    fn a_long_legend_wraps_to_the_figure_width() {
        let figure = Figure {
            name: "f".into(),
            title: "t".into(),
            subtitle: "s".into(),
            legend: (0..6)
                .map(|i| format!("“gossip number {i} here…”"))
                .collect(),
            panels: vec![],
        };
        let (width, height) = size_of(&figure).expect("size");
        let rows = legend_layout(&figure, width).expect("layout");
        assert!(rows.len() > 1, "{rows:?}");
        assert_eq!(rows.iter().map(Vec::len).sum::<usize>(), 6);
        for row in &rows {
            let total =
                row.iter().map(|(_, w)| w).sum::<i32>() + ENTRY_GAP * (row.len() as i32 - 1);
            assert!(total <= width as i32 - 2 * MARGIN, "{row:?}");
        }
        let one_row = Figure {
            legend: vec!["Push".into(), "Hybrid".into()],
            ..figure
        };
        assert_eq!(legend_layout(&one_row, width).expect("layout").len(), 1);
        let (_, shorter) = size_of(&one_row).expect("size");
        assert_eq!(height - shorter, (rows.len() as u32 - 1) * LEGEND_ROW);
    }

    #[test]
    fn panels_wrap_after_three() {
        assert_eq!(grid(1), (1, 1));
        assert_eq!(grid(3), (1, 3));
        assert_eq!(grid(5), (2, 3));
    }
}
