//! Core's [`theory`](gossip_core::theory) curves for the lab's parameters,
//! as SVG drawn over a measured coverage chart: a dashed level for
//! infect-and-die, a dotted vertical line at Pittel's expected time, and
//! Serf's logistic curve. Each sits in a `<g class="theory">` whose
//! `<title>` (the browser's tooltip) names the model and its assumptions.

use core::fmt::Write;

use gossip_core::theory::{Curve, Model, Setting};

use super::params::Params;

/// The models' settings for `p`: one hop is the mean one-way latency
/// (latency plus half the jitter).
pub fn setting(p: &Params) -> Setting {
    Setting {
        nodes: p.nodes,
        fanout: p.fanout,
        hop_ms: p.latency_ms + p.jitter_ms / 2.0,
        loss: p.loss_pct / 100.0,
        failed: 0.0,
    }
}

/// Every model's curve for `p`.
pub fn curves(p: &Params) -> Vec<Curve> {
    setting(p).curves()
}

/// How far in time the curves reach, ms: Pittel's marker and the time the
/// Serf curve reaches 99 %.
pub fn span_ms(curves: &[Curve]) -> f64 {
    curves
        .iter()
        .flat_map(|c| {
            let serf = c
                .points
                .iter()
                .find(|p| p.fraction >= 0.99)
                .or(c.points.last())
                .map(|p| p.ms);
            c.marker_ms.into_iter().chain(serf)
        })
        .fold(0.0, f64::max)
}

/// Colour of each model's marks, apart from the measured curves' blues,
/// oranges and greens and readable on the dark lab and on white exports.
pub fn colour(model: Model) -> &'static str {
    match model {
        Model::InfectAndDie => "#b07cc6",
        Model::PushRounds => "#e06c75",
        Model::Serf => "#8a8f98",
    }
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Where a chart plots: its plot area in SVG units and the time it spans.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plot {
    /// Left edge of the plot area.
    pub left: f64,
    /// Top edge.
    pub top: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
    /// Time at the right edge, ms.
    pub x_max: f64,
}

impl Plot {
    fn x(&self, ms: f64) -> f64 {
        self.left + ms.clamp(0.0, self.x_max) / self.x_max.max(1e-9) * self.width
    }

    fn y(&self, fraction: f64) -> f64 {
        self.top + (1.0 - fraction.clamp(0.0, 1.0)) * self.height
    }
}

/// A dashed SVG line from `a` to `b`: a curve's final level or its marker.
fn dashed(out: &mut String, a: (f64, f64), b: (f64, f64), stroke: &str, dash: &str) {
    let _ = write!(
        out,
        "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{stroke}\" stroke-width=\"2\" stroke-dasharray=\"{dash}\"/>",
        a.0, b.0, a.1, b.1
    );
}

/// The curves as SVG elements over `plot`, each with its tooltip; a label
/// at the left of each line when `labels` is set.
pub fn svg(curves: &[Curve], plot: Plot, labels: bool) -> String {
    let mut out = String::new();
    for c in curves {
        let stroke = colour(c.model);
        let _ = write!(
            out,
            "<g class=\"theory\" data-model=\"{}\"><title>{}</title>",
            c.model.as_str(),
            xml(&format!("{}. {}", c.label, c.assumptions))
        );
        if let Some(level) = c.level {
            let y = plot.y(level);
            dashed(
                &mut out,
                (plot.left, y),
                (plot.left + plot.width, y),
                stroke,
                "6 3",
            );
        }
        if let Some(ms) = c.marker_ms.filter(|ms| *ms <= plot.x_max) {
            let x = plot.x(ms);
            dashed(
                &mut out,
                (x, plot.top),
                (x, plot.top + plot.height),
                stroke,
                "2 3",
            );
        }
        if !c.points.is_empty() {
            let mut points = String::new();
            for p in c.points.iter().take_while(|p| p.ms <= plot.x_max) {
                let _ = write!(points, "{:.1},{:.1} ", plot.x(p.ms), plot.y(p.fraction));
            }
            let _ = write!(
                out,
                "<polyline fill=\"none\" stroke=\"{stroke}\" stroke-width=\"2\" points=\"{}\"/>",
                points.trim_end()
            );
        }
        if labels {
            let (x, y) = match (c.level, c.marker_ms) {
                (Some(level), _) => (plot.left + 4.0, plot.y(level) - 3.0),
                (_, Some(ms)) => (plot.x(ms) + 3.0, plot.top + 10.0),
                _ => (plot.left + plot.width * 0.6, plot.top + plot.height * 0.3),
            };
            let _ = write!(
                out,
                "<text x=\"{x:.1}\" y=\"{y:.1}\" fill=\"{stroke}\" font-size=\"10\">{}</text>",
                xml(&c.label)
            );
        }
        out.push_str("</g>");
    }
    out
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn plot() -> Plot {
        Plot {
            left: 10.0,
            top: 5.0,
            width: 200.0,
            height: 100.0,
            x_max: 1_000.0,
        }
    }

    #[test]
    fn each_model_draws_one_titled_group() {
        let p = Params {
            nodes: 25,
            fanout: 3,
            latency_ms: 100.0,
            jitter_ms: 0.0,
            ..Params::default()
        };
        let svg = svg(&curves(&p), plot(), true);
        assert_eq!(svg.matches("<g class=\"theory\"").count(), 3);
        for model in Model::ALL {
            assert!(svg.contains(&format!("data-model=\"{}\"", model.as_str())));
        }
        assert_eq!(svg.matches("<title>").count(), 3);
        // Infect and die with fanout 3 is 94 %: y = 5 + 0.0595 * 100.
        assert!(svg.contains("y1=\"11.0\""), "{svg}");
        // Pittel at 25 nodes and 100 ms: 7.9 rounds = 786 ms, x = 10 + 157.3.
        assert!(svg.contains("x1=\"167.3\""), "{svg}");
        assert!(svg.contains("Pittel") && svg.contains("Serf"));
    }

    #[test]
    fn the_span_covers_the_marker_and_serf() {
        let p = Params {
            nodes: 25,
            fanout: 3,
            latency_ms: 100.0,
            jitter_ms: 0.0,
            ..Params::default()
        };
        let c = curves(&p);
        let span = span_ms(&c);
        assert!(span >= c[1].marker_ms.unwrap());
        assert!(span <= 2_000.0, "{span}");
    }
}
