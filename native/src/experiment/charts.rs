//! SVG charts of an experiment, drawn with plotters: convergence and overhead
//! against N, push against hybrid, the effect of fanout and of ttl, and
//! coverage over time.

use std::path::Path;

use anyhow::anyhow;
use gossip_core::Mode;
use plotters::prelude::*;

use super::{GroupResult, RunResult};

/// One line: a label and points (x, mean, std).
struct Series {
    label: String,
    points: Vec<(f64, f64, f64)>,
}

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(23, 190, 207),
];

fn line_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> anyhow::Result<()> {
    let points = series.iter().flat_map(|s| s.points.iter());
    let (mut x_max, mut y_max) = (1.0f64, 1.0f64);
    let mut x_min = f64::MAX;
    for &(x, mean, std) in points {
        x_max = x_max.max(x);
        x_min = x_min.min(x);
        y_max = y_max.max(mean + std);
    }
    if x_min == f64::MAX || x_min >= x_max {
        x_min = 0.0;
    }
    let pad = (x_max - x_min) * 0.05;
    let root = SVGBackend::new(path, (800, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d((x_min - pad)..(x_max + pad), 0.0..y_max * 1.1)
        .map_err(|e| anyhow!("{e}"))?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .draw()
        .map_err(|e| anyhow!("{e}"))?;
    for (i, s) in series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(
                s.points.iter().map(|p| (p.0, p.1)),
                color.stroke_width(2),
            ))
            .map_err(|e| anyhow!("{e}"))?
            .label(s.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        chart
            .draw_series(s.points.iter().map(|&(x, m, sd)| {
                ErrorBar::new_vertical(x, (m - sd).max(0.0), m, m + sd, color.filled(), 8)
            }))
            .map_err(|e| anyhow!("{e}"))?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(|e| anyhow!("{e}"))?;
    root.present().map_err(|e| anyhow!("{e}"))?;
    Ok(())
}

/// The fixed values used when one parameter is swept: fanout 3, ttl 8 and
/// the first loss when the grid has them, else the first value.
struct Reference {
    fanout: u32,
    ttl: u32,
    loss: f64,
    n_max: u32,
}

fn pick<T: Copy + PartialEq>(values: &[T], preferred: T) -> Option<T> {
    values
        .iter()
        .copied()
        .find(|v| *v == preferred)
        .or_else(|| values.first().copied())
}

fn distinct<T: Copy + PartialEq>(values: impl Iterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Draws every chart into `dir`; returns how many were written.
pub fn draw_all(
    dir: &Path,
    results: &[RunResult],
    groups: &[GroupResult],
) -> anyhow::Result<usize> {
    let keys: Vec<_> = groups.iter().map(|g| g.key).collect();
    let (Some(fanout), Some(ttl), Some(loss), Some(n_max)) = (
        pick(&distinct(keys.iter().map(|k| k.fanout)), 3),
        pick(&distinct(keys.iter().map(|k| k.ttl)), 8),
        distinct(keys.iter().map(|k| k.loss)).first().copied(),
        keys.iter().map(|k| k.n).max(),
    ) else {
        return Ok(0);
    };
    let r = Reference {
        fanout,
        ttl,
        loss,
        n_max,
    };
    let modes = distinct(keys.iter().map(|k| k.mode));
    let sweep = |x: fn(&super::GroupKey) -> f64,
                 keep: &dyn Fn(&super::GroupKey) -> bool,
                 y: fn(&gossip_core::metrics::Aggregate) -> (f64, f64)| {
        modes
            .iter()
            .map(|&mode| {
                let mut points: Vec<(f64, f64, f64)> = groups
                    .iter()
                    .filter(|g| g.key.mode == mode && keep(&g.key))
                    .map(|g| {
                        let (m, s) = y(&g.aggregate);
                        (x(&g.key), m, s)
                    })
                    .collect();
                points.sort_by(|a, b| a.0.total_cmp(&b.0));
                Series {
                    label: mode.as_str().to_owned(),
                    points,
                }
            })
            .collect::<Vec<_>>()
    };
    let at_ref = |k: &super::GroupKey| k.fanout == r.fanout && k.ttl == r.ttl && k.loss == r.loss;
    let t95 = |a: &gossip_core::metrics::Aggregate| (a.t95_ms.mean, a.t95_ms.std);
    let overhead = |a: &gossip_core::metrics::Aggregate| (a.overhead.mean, a.overhead.std);
    let delivery = |a: &gossip_core::metrics::Aggregate| {
        (a.delivery_ratio.mean * 100.0, a.delivery_ratio.std * 100.0)
    };
    let fixed = format!(
        "fanout {}, ttl {}, loss {:.0}%",
        r.fanout,
        r.ttl,
        r.loss * 100.0
    );

    line_chart(
        &dir.join("convergence_vs_n.svg"),
        &format!("Convergence time (t95) vs N ({fixed})"),
        "nodes N",
        "t95 (ms)",
        &sweep(|k| f64::from(k.n), &at_ref, t95),
    )?;
    line_chart(
        &dir.join("overhead_vs_n.svg"),
        &format!("Overhead in [t0, t95] vs N ({fixed})"),
        "nodes N",
        "messages",
        &sweep(|k| f64::from(k.n), &at_ref, overhead),
    )?;
    line_chart(
        &dir.join("push_vs_hybrid.svg"),
        &format!("Delivery: push vs hybrid ({fixed})"),
        "nodes N",
        "delivered (%)",
        &sweep(|k| f64::from(k.n), &at_ref, delivery),
    )?;
    line_chart(
        &dir.join("fanout_effect.svg"),
        &format!(
            "Fanout effect on convergence (N = {}, ttl {})",
            r.n_max, r.ttl
        ),
        "fanout",
        "t95 (ms)",
        &sweep(
            |k| f64::from(k.fanout),
            &|k| k.n == r.n_max && k.ttl == r.ttl && k.loss == r.loss,
            t95,
        ),
    )?;
    line_chart(
        &dir.join("ttl_effect.svg"),
        &format!(
            "TTL effect on delivery (N = {}, fanout {})",
            r.n_max, r.fanout
        ),
        "ttl",
        "delivered (%)",
        &sweep(
            |k| f64::from(k.ttl),
            &|k| k.n == r.n_max && k.fanout == r.fanout && k.loss == r.loss,
            delivery,
        ),
    )?;
    line_chart(
        &dir.join("coverage_curves.svg"),
        &format!("Coverage over time, mean over seeds ({fixed})"),
        "ms after publish",
        "nodes holding the gossip (%)",
        &coverage_series(results, &r, &modes),
    )?;
    Ok(6)
}

/// Mean coverage curve per (N, mode), sampled on 60 points.
fn coverage_series(results: &[RunResult], r: &Reference, modes: &[Mode]) -> Vec<Series> {
    let sizes = distinct(results.iter().map(|x| x.params.n));
    let mut out = Vec::new();
    for n in sizes {
        for &mode in modes {
            let runs: Vec<&RunResult> = results
                .iter()
                .filter(|x| {
                    let p = &x.params;
                    p.n == n
                        && p.mode == mode
                        && p.fanout == r.fanout
                        && p.ttl == r.ttl
                        && p.loss == r.loss
                })
                .collect();
            let end = runs
                .iter()
                .filter_map(|x| x.report.coverage.last().map(|c| c.ms))
                .fold(0.0, f64::max);
            if runs.is_empty() || end <= 0.0 {
                continue;
            }
            let points = (0..=60)
                .map(|i| {
                    let t = end * f64::from(i) / 60.0;
                    let fractions: Vec<f64> = runs
                        .iter()
                        .map(|x| {
                            x.report
                                .coverage
                                .iter()
                                .take_while(|c| c.ms <= t)
                                .last()
                                .map_or(0.0, |c| c.fraction)
                        })
                        .collect();
                    let s = gossip_core::metrics::Summary::of(fractions);
                    (t, s.mean * 100.0, 0.0)
                })
                .collect();
            out.push(Series {
                label: format!("N={n} {}", mode.as_str()),
                points,
            });
        }
    }
    out
}
