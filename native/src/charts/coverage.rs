//! Coverage-over-time curves from reports: the mean over runs with its min
//! and max, sampled on a logarithmic time axis.

use gossip_core::metrics::GossipReport;
use gossip_core::theory::Setting;

use super::axis::{LogTime, Unit};
use super::figure::{Content, Curve, Panel, Theory};

/// Samples per curve, evenly spread over the decades of the time axis.
const SAMPLES: usize = 240;
/// Earliest time a time axis starts at, ms.
const EARLIEST_MS: f64 = 0.001;

/// The time axis that shows every delivery of `reports` after t0: from the
/// decade of the first to the decade of the last.
pub fn time_axis<'a>(reports: impl Iterator<Item = &'a GossipReport>) -> LogTime {
    let (mut first, mut last) = (f64::INFINITY, 0.0f64);
    for point in reports.flat_map(|r| &r.coverage) {
        if point.ms > 0.0 {
            first = first.min(point.ms);
            last = last.max(point.ms);
        }
    }
    if first.is_infinite() {
        return LogTime::around(0.1, 10.0);
    }
    LogTime::around(first.max(EARLIEST_MS), last)
}

/// Coverage of `report`, in %, at `ms` after t0: a step function that holds
/// its last value after the run ended.
fn coverage_at(report: &GossipReport, ms: f64) -> f64 {
    let reached = report.coverage.partition_point(|c| c.ms <= ms);
    match reached {
        0 => 0.0,
        i => report.coverage[i - 1].fraction * 100.0,
    }
}

/// The curve of series `series` over `runs`: mean, min and max coverage at
/// every sample of `axis`. `None` without runs.
pub fn curve(series: usize, runs: &[&GossipReport], axis: LogTime) -> Option<Curve> {
    if runs.is_empty() {
        return None;
    }
    let points = axis
        .samples(SAMPLES)
        .into_iter()
        .map(|ms| {
            let values: Vec<f64> = runs.iter().map(|r| coverage_at(r, ms)).collect();
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            let min = values.iter().copied().fold(f64::INFINITY, f64::min);
            let max = values.iter().copied().fold(0.0, f64::max);
            [round(ms), round(mean), round(min), round(max)]
        })
        .collect();
    Some(Curve { series, points })
}

/// Six significant digits: enough for any chart, and stable in snapshots.
/// A coverage panel titled `title`: `curves` over the log time `axis`, with
/// the 95 % line marked; every coverage chart draws its panels with it.
pub fn panel(title: String, axis: LogTime, curves: Vec<Curve>) -> Panel {
    Panel {
        title,
        x_label: "time after publishing (log scale)".to_owned(),
        y_label: "nodes holding the gossip".to_owned(),
        y_unit: Unit::Percent,
        content: Content::Coverage {
            from_ms: axis.lo,
            to_ms: axis.hi,
            curves,
            mark_percent: 95.0,
            theory: Vec::new(),
        },
    }
}

/// `panel` with core's theory curves for `setting` drawn over it.
pub fn with_theory(mut panel: Panel, setting: &Setting) -> Panel {
    if let Content::Coverage { theory, .. } = &mut panel.content {
        *theory = setting
            .curves()
            .into_iter()
            .map(|c| Theory {
                label: c.label,
                level_percent: c.level.map(|l| round(l * 100.0)),
                marker_ms: c.marker_ms.map(round),
                points: c
                    .points
                    .iter()
                    .map(|p| [round(p.ms), round(p.fraction * 100.0)])
                    .collect(),
            })
            .collect();
    }
    panel
}

fn round(v: f64) -> f64 {
    if v == 0.0 {
        return 0.0;
    }
    let scale = 10f64.powi(5 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::tests::report;

    #[test]
    fn the_axis_spans_the_first_to_the_last_delivery() {
        let (a, b) = (
            report(4, &[0.3, 2.0, 4.0], 0),
            report(4, &[0.5, 2_500.0], 0),
        );
        let axis = time_axis([&a, &b].into_iter());
        assert_eq!((axis.lo, axis.hi), (0.1, 10_000.0));
    }

    #[test]
    fn the_curve_is_the_mean_of_step_functions_with_its_range() {
        let (a, b) = (report(4, &[1.0, 2.0, 3.0], 0), report(4, &[1.0], 0));
        let axis = LogTime { lo: 0.1, hi: 10.0 };
        let c = curve(2, &[&a, &b], axis).expect("curve");
        assert_eq!(c.series, 2);
        assert_eq!(c.points.len(), SAMPLES);
        assert_eq!(c.points[0], [0.1, 25.0, 25.0, 25.0]);
        // After 3 ms: a holds 100 %, b stays at 50 % (its run ended).
        assert_eq!(c.points[SAMPLES - 1], [10.0, 75.0, 50.0, 100.0]);
        assert!(curve(0, &[], axis).is_none());
    }
}
