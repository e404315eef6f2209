//! Chart generation on a small hand-made grid: the figures' data against a
//! snapshot, and the SVG and PNG files checked for size and content.

use std::path::Path;

use gossip_core::metrics::{CoveragePoint, GossipReport};
use gossip_core::{Mode, MsgId};
use serde_json::Value;
use tempfile::TempDir;

use super::figure::{Content, Figure};
use super::{experiment, render, report, style, write_all};
use crate::experiment::{RunParams, RunResult};

/// The snapshot of the small grid's figures; `UPDATE_SNAPSHOTS=1` rewrites it.
const SNAPSHOT: &str = "src/charts/snapshots/small_grid.json";

/// A report over `population` nodes: the origin at 0 ms, then one delivery
/// at each of `times` (ascending), with `overhead` messages in `[t0, t95]`.
pub(super) fn report(population: u32, times: &[f64], overhead: u64) -> GossipReport {
    let n = f64::from(population);
    let all: Vec<f64> = std::iter::once(0.0).chain(times.iter().copied()).collect();
    let reach = |fraction: f64| all.get((fraction * n).ceil() as usize - 1).copied();
    let coverage = all
        .iter()
        .enumerate()
        .map(|(i, ms)| CoveragePoint {
            ms: *ms,
            fraction: (i + 1) as f64 / n,
        })
        .collect();
    let t95 = reach(0.95);
    GossipReport {
        id: MsgId(1),
        population,
        delivered: all.len() as u64,
        delivery_ratio: all.len() as f64 / n,
        t50_ms: reach(0.5),
        t95_ms: t95,
        t100_ms: reach(1.0),
        overhead: t95.map(|_| overhead),
        overhead_by_type: t95.map(|_| [0; gossip_core::MsgType::COUNT]),
        overhead_bytes: None,
        total_messages: overhead,
        payload_receptions: 0,
        duplicates: 0,
        rmr: None,
        mean_hops: None,
        max_hops: None,
        last_hop: None,
        pulled_by_t95: None,
        coverage,
    }
}

/// N = 10 and 20, fanout 3, ttl 8, push and hybrid, seeds 1 and 2. Push
/// reaches a node every 0.3 ms but seed 2 misses two nodes (at N = 20 it
/// never reaches 95 %); hybrid repairs the misses in a pull round at 2 s.
fn small_grid() -> Vec<RunResult> {
    let mut out = Vec::new();
    for n in [10u32, 20] {
        for mode in [Mode::Push, Mode::Hybrid] {
            for seed in [1u64, 2] {
                let missed = if seed == 2 { 2 } else { 0 };
                let mut times: Vec<f64> = (1..n - missed).map(|i| f64::from(i) * 0.3).collect();
                if mode == Mode::Hybrid {
                    times.extend((0..missed).map(|i| 2_000.0 + f64::from(i) * 50.0));
                }
                let overhead = u64::from(n) * 3 + seed;
                out.push(RunResult {
                    params: RunParams {
                        n,
                        fanout: 3,
                        ttl: 8,
                        mode,
                        loss: 0.0,
                        seed,
                    },
                    report: report(n, &times, overhead),
                });
            }
        }
    }
    out
}

/// JSON with arrays of numbers kept on one line (coverage points), so the
/// snapshot stays short enough to read in a diff.
fn compact_json(v: &Value, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent + 1);
    match v {
        Value::Array(items) if items.iter().all(|i| !i.is_array() && !i.is_object()) => {
            out.push_str(&serde_json::to_string(v).expect("json"));
        }
        Value::Array(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad);
                compact_json(item, indent + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&"  ".repeat(indent));
            out.push(']');
        }
        Value::Object(fields) => {
            out.push_str("{\n");
            for (i, (key, item)) in fields.iter().enumerate() {
                out.push_str(&format!("{pad}{}: ", Value::String(key.clone())));
                compact_json(item, indent + 1, out);
                out.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
            }
            out.push_str(&"  ".repeat(indent));
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[test]
fn the_small_grids_figures_match_the_snapshot() {
    let figures = experiment::figures(&small_grid(), None);
    let mut actual = String::new();
    compact_json(
        &serde_json::to_value(&figures).expect("json"),
        0,
        &mut actual,
    );
    actual.push('\n');
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SNAPSHOT);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&path, &actual).expect("write snapshot");
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_SNAPSHOTS=1 writes it)", path.display()));
    assert!(
        actual == expected,
        "the chart data changed; if intended, rerun with UPDATE_SNAPSHOTS=1 and review the diff of {SNAPSHOT}"
    );
}

fn figure<'a>(figures: &'a [Figure], name: &str) -> &'a Figure {
    figures
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no figure {name}"))
}

#[test]
fn undefined_values_are_skipped_not_drawn_as_zero() {
    let figures = experiment::figures(&small_grid(), None);
    assert_eq!(
        figures.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["coverage_over_time", "per_n"],
        "a grid of one fanout, ttl and loss sweeps only N"
    );
    let per_n = figure(&figures, "per_n");
    let bars = |panel: usize| match &per_n.panels[panel].content {
        Content::Bars { categories, bars } => (categories.clone(), bars.clone()),
        other => panic!("bars expected, got {other:?}"),
    };
    let (categories, t95) = bars(0);
    assert_eq!(categories, ["10", "20"]);
    // Push, seed 2 reaches 8 of 10 and 18 of 20, below 95 %; only seed 1 counts.
    let push_10 = t95[0][0].expect("t95 of seed 1");
    assert_eq!((push_10.runs, push_10.of), (1, 2));
    let push_20 = t95[0][1].expect("t95 of seed 1");
    assert_eq!((push_20.runs, push_20.of), (1, 2));
    assert!((push_20.mean - 18.0 * 0.3).abs() < 1e-9);
    // Hybrid's pull round repairs seed 2: both seeds count.
    let hybrid_20 = t95[1][1].expect("hybrid t95");
    assert_eq!((hybrid_20.runs, hybrid_20.of), (2, 2));
    assert!((hybrid_20.mean - (5.4 + 2_000.0) / 2.0).abs() < 1e-9);
    let (_, overhead) = bars(1);
    assert_eq!(overhead[0][1].map(|b| b.runs), Some(1));
    let (_, delivery) = bars(2);
    let hybrid_20 = delivery[1][1].expect("delivery");
    assert_eq!((hybrid_20.mean, hybrid_20.std), (100.0, 0.0));
}

#[test]
fn a_single_network_size_still_gets_a_bar_per_mode() {
    let one: Vec<RunResult> = small_grid()
        .into_iter()
        .filter(|r| r.params.n == 10)
        .collect();
    let figures = experiment::figures(&one, None);
    let per_n = figure(&figures, "per_n");
    for panel in &per_n.panels {
        let Content::Bars { categories, bars } = &panel.content else {
            panic!("bars expected");
        };
        assert_eq!(categories, &["10"]);
        assert!(
            bars.iter().all(|b| b.len() == 1 && b[0].is_some()),
            "{panel:?}"
        );
    }
}

/// A fresh scratch directory, removed when the returned guard drops: at the
/// end of the test, and also when it panics.
fn scratch(name: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(&format!("gossip-charts-{name}-"))
        .tempdir()
        .expect("scratch dir")
}

/// The text of every `<text>` element of an SVG document.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_owned())
        })
        .collect()
}

/// Width, height and RGB pixels of a PNG.
fn decode_png(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::fs::File::open(path).expect("png"));
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    let pixels = buf[..info.buffer_size()]
        .chunks_exact(3)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (info.width, info.height, pixels)
}

#[test]
fn every_figure_is_written_as_valid_svg_and_png_with_its_labels() {
    let tmp = scratch("files");
    let dir = tmp.path();
    let figures = experiment::figures(&small_grid(), None);
    let drawn = write_all(&dir.join("charts"), figures).expect("charts");
    assert_eq!(drawn.len(), 2);
    for chart in &drawn {
        let f = &chart.figure;
        let (width, height) = render::size_of(f).expect("size");
        let svg = std::fs::read_to_string(&chart.svg_path).expect("svg");
        assert_eq!(svg, chart.svg);
        assert!(
            svg.starts_with(&format!(
                "<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\""
            )),
            "{}",
            &svg[..100]
        );
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
        let texts = svg_texts(&svg);
        let mut wanted = vec![f.title.clone(), f.subtitle.clone()];
        wanted.extend(f.legend.iter().cloned());
        for p in &f.panels {
            wanted.extend([p.title.clone(), p.x_label.clone(), p.y_label.clone()]);
        }
        for w in &wanted {
            assert!(texts.contains(w), "{}: no text {w:?} in {texts:?}", f.name);
        }
        assert!(
            texts.iter().any(|t| t == "100%"),
            "percent ticks: {texts:?}"
        );

        let (w, h, pixels) = decode_png(&chart.png_path);
        assert_eq!((w, h), (width, height), "{}", f.name);
        for series in 0..f.legend.len() {
            let c = style::series(series).color;
            assert!(
                pixels.contains(&[c.0, c.1, c.2]),
                "{}: no pixel of series {series}'s colour",
                f.name
            );
        }
        // The title is drawn (dark text in the top strip).
        let title_ink = pixels[..(w * 50) as usize]
            .iter()
            .filter(|p| p.iter().all(|c| *c < 100))
            .count();
        assert!(title_ink > 200, "{}: title pixels {title_ink}", f.name);
    }
    let coverage = &drawn[0];
    let texts = svg_texts(&coverage.svg);
    for tick in ["1 ms", "1 s", "95% of nodes"] {
        assert!(texts.iter().any(|t| t == tick), "{tick:?} in {texts:?}");
    }
    let per_n = svg_texts(&drawn[1].svg);
    assert!(
        per_n.iter().any(|t| t == "5.4 (1/2)"),
        "the partial t95: {per_n:?}"
    );

    let page = report::write(
        dir,
        "Small grid",
        "gossip experiment",
        "| N |\n|---|\n| 10 |\n",
        &drawn,
    )
    .expect("report");
    let html = std::fs::read_to_string(page).expect("html");
    assert!(html.contains("<td>10</td>"));
    assert_eq!(html.matches("<svg").count(), 2);
    assert!(html.contains("href=\"charts/per_n.png\""), "relative links");
}

#[test]
fn real_runs_are_drawn_beside_the_simulators_prediction() {
    let predicted = small_grid();
    let mut real = small_grid();
    for r in &mut real {
        r.report.t95_ms = r.report.t95_ms.map(|t| t * 10.0);
    }
    let figure = experiment::sim_vs_real(&real, &predicted).expect("figure");
    assert_eq!(
        figure.legend,
        [
            "Push, simulator",
            "Push, real nodes",
            "Hybrid, simulator",
            "Hybrid, real nodes"
        ]
    );
    assert!(
        figure.subtitle.contains("mean of 2 seeds"),
        "{}",
        figure.subtitle
    );
    let Content::Bars { bars, .. } = &figure.panels[0].content else {
        panic!("bars expected");
    };
    let (sim, measured) = (bars[0][0].expect("sim"), bars[1][0].expect("real"));
    assert!((measured.mean - sim.mean * 10.0).abs() < 1e-9);
}

#[test]
fn analyze_draws_the_first_gossips_each_named_by_id_and_data() {
    let gossips: Vec<crate::analysis::Analysed> = (0..8u128)
        .map(|i| {
            let mut report = report(10, &[0.5, 1.0, 2_000.0], 0);
            report.id = MsgId(0xabcd_ef01 << 96 | i);
            crate::analysis::Analysed {
                data: "a rather long line typed by hand".to_owned(),
                publisher_recorded: true,
                report,
            }
        })
        .collect();
    let figure = super::analyze::figure(&gossips, 10, 3);
    assert_eq!(figure.legend.len(), super::analyze::MAX_GOSSIPS);
    assert_eq!(figure.legend[0], "abcdef01 “a rather long line…”");
    assert!(figure
        .subtitle
        .contains("population 10, from 3 events files; 2 more gossips not drawn"));
    let Content::Coverage {
        curves,
        from_ms,
        to_ms,
        ..
    } = &figure.panels[0].content
    else {
        panic!("coverage expected");
    };
    assert_eq!(curves.len(), 6);
    assert_eq!((*from_ms, *to_ms), (0.1, 10_000.0));
}

/// With the simulated latency given, every coverage panel carries core's
/// three models for its N and the grid's fanout, and the SVG labels them.
#[test]
fn the_coverage_chart_draws_the_theory_curves_when_asked() {
    let figures = experiment::figures(&small_grid(), Some(5.0));
    let coverage = figure(&figures, "coverage_over_time");
    for panel in &coverage.panels {
        let Content::Coverage { theory, .. } = &panel.content else {
            panic!("coverage expected");
        };
        let labels: Vec<&str> = theory.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels.len(), 3, "{labels:?}");
        assert!(labels[0].starts_with("infect and die"));
        assert!(labels[1].starts_with("push rounds"));
        assert_eq!(labels[2], "Serf model");
        assert!(theory[0]
            .level_percent
            .is_some_and(|l| l > 50.0 && l < 100.0));
        assert!(theory[1].marker_ms.is_some_and(|m| m > 5.0));
        assert!(theory[2].points.len() > 3);
    }
    assert!(coverage.subtitle.contains("theory"));
    let tmp = scratch("theory");
    let dir = tmp.path();
    let drawn = write_all(&dir.join("charts"), figures).expect("charts");
    let texts = svg_texts(&drawn[0].svg);
    assert!(texts.iter().any(|t| t == "Serf model"), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("infect and die")));
    let plain = experiment::figures(&small_grid(), None);
    let Content::Coverage { theory, .. } = &figure(&plain, "coverage_over_time").panels[0].content
    else {
        panic!("coverage expected");
    };
    assert!(theory.is_empty(), "no theory unless asked");
}
