//! What the classic models of epidemic dissemination predict, to draw over
//! what the simulator measured.
//!
//! Each model is a formula, not a second protocol: it says what a push
//! gossip of fanout `f` *should* do under its own assumptions, so the lab can
//! show measurement and theory on the same axes. Every [`Curve`] carries its
//! model's name and assumptions for a chart's tooltip.
//!
//! - **Infect and die** (the final size of an epidemic, Kermack-McKendrick;
//!   Eugster et al., "Epidemic information dissemination in distributed
//!   systems", 2004): every node forwards once to `f` random nodes on first
//!   receipt, in a large population. The fraction `pi` that ever hears solves
//!   `pi = 1 - exp(-f pi)`: `pi = 0` for `f <= 1`, 0.797 for `f = 2`,
//!   0.941 for `f = 3`.
//! - **Push rounds** (Pittel, "On spreading a rumor", 1987): if every
//!   informed node pushes to one random node per round, everyone is informed
//!   after `log2 N + ln N + O(1)` rounds; a round here is one hop, so the
//!   time is that many one-way latencies.
//! - **Serf's convergence model** (the logistic curve of HashiCorp Serf's
//!   convergence simulator): with gossip interval `T`, fanout `f`, packet
//!   loss `l` and failed fraction `d`, the informed fraction after `r`
//!   rounds is `1 / (1 + (N + 1) exp(-c N r))` with
//!   `c = f / N * (1 - l) * (1 - d) / 2`, at time `r T`.

use serde::{Deserialize, Serialize};

use crate::metrics::CoveragePoint;

/// Fraction of a large population that an infect-and-die push of fanout
/// `fanout` eventually reaches: the root of `pi = 1 - exp(-fanout pi)` in
/// `(0, 1]`, or 0 when `fanout <= 1` (the epidemic dies out).
pub fn infect_and_die_coverage(fanout: f64) -> f64 {
    if fanout.is_nan() || fanout <= 1.0 {
        return 0.0;
    }
    // Newton from pi = 1: g is convex and g(1) > 0, so the iterates fall
    // monotonically onto the positive root without overshooting to 0.
    let mut pi = 1.0_f64;
    for _ in 0..100 {
        let e = (-fanout * pi).exp();
        let g = pi - 1.0 + e;
        let slope = 1.0 - fanout * e;
        let next = pi - g / slope;
        if (next - pi).abs() < 1e-13 {
            return next;
        }
        pi = next;
    }
    pi
}

/// Expected rounds of push gossip (one random target per informed node per
/// round) until all `nodes` are informed: `log2 N + ln N` (Pittel 1987,
/// without its `O(1)` term); 0 for a single node.
pub fn push_rounds(nodes: u32) -> f64 {
    let n = f64::from(nodes.max(1));
    n.log2() + n.ln()
}

/// Informed fraction after `round` gossip rounds in Serf's convergence model
/// (see the [module docs](self)).
pub fn serf_fraction(nodes: u32, fanout: f64, loss: f64, failed: f64, round: f64) -> f64 {
    let n = f64::from(nodes.max(1));
    let contact = fanout / n * (1.0 - loss) * (1.0 - failed) * 0.5;
    1.0 / (1.0 + (n + 1.0) * (-contact * n * round).exp())
}

/// Which model a [`Curve`] draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    /// The final coverage of infect and die, a level line.
    InfectAndDie,
    /// Pittel's expected push rounds until everyone, a time marker.
    PushRounds,
    /// Serf's logistic convergence curve.
    Serf,
}

impl Model {
    /// Every model, in legend order.
    pub const ALL: [Model; 3] = [Model::InfectAndDie, Model::PushRounds, Model::Serf];

    /// A short name for legends and element ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Model::InfectAndDie => "infect-and-die",
            Model::PushRounds => "push-rounds",
            Model::Serf => "serf",
        }
    }
}

/// What the models need to know about a run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    /// Nodes in the population.
    pub nodes: u32,
    /// Targets per forward.
    pub fanout: u32,
    /// Mean one-way latency, ms (latency plus half the jitter): one round
    /// of push, where a node forwards as soon as it is informed.
    pub hop_ms: f64,
    /// Probability that a datagram is lost.
    pub loss: f64,
    /// Fraction of nodes that are down.
    pub failed: f64,
}

/// One model's prediction on a coverage chart: a curve of points, a level
/// (a horizontal line) or a time marker (a vertical line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// The model.
    pub model: Model,
    /// Legend text, e.g. `infect and die: 94 %`.
    pub label: String,
    /// The model and its assumptions, for a tooltip.
    pub assumptions: String,
    /// Points of the curve (empty for a level or a marker).
    pub points: Vec<CoveragePoint>,
    /// A predicted coverage level, drawn across the chart.
    pub level: Option<f64>,
    /// A predicted time, ms, drawn as a vertical line.
    pub marker_ms: Option<f64>,
}

/// Rounds past which the Serf curve stops (its own simulator stops at 100).
const MAX_SERF_ROUNDS: u32 = 100;
/// Coverage at which the Serf curve stops (its simulator's `maxConverge`).
const SERF_DONE: f64 = 0.9999;

impl Setting {
    /// The infect-and-die level for this fanout.
    pub fn infect_and_die(&self) -> Curve {
        let pi = infect_and_die_coverage(f64::from(self.fanout));
        Curve {
            model: Model::InfectAndDie,
            label: format!("infect and die: {:.1} %", pi * 100.0),
            assumptions: format!(
                "infect and die (final epidemic size): every node forwards once, to {} random nodes, when first informed; \
                 population large, no loss, no TTL; final coverage solves pi = 1 - exp(-{} pi)",
                self.fanout, self.fanout
            ),
            points: Vec::new(),
            level: Some(pi),
            marker_ms: None,
        }
    }

    /// Pittel's expected time until everyone is informed.
    pub fn push_rounds(&self) -> Curve {
        let rounds = push_rounds(self.nodes);
        Curve {
            model: Model::PushRounds,
            label: format!("push rounds: {:.1} x {:.0} ms", rounds, self.hop_ms),
            assumptions: format!(
                "expected push rounds until all {} nodes are informed, log2 N + ln N = {:.1} (Pittel 1987, O(1) term left out); \
                 every informed node pushes to one uniformly random node per round, a round is one hop of {:.0} ms, no loss",
                self.nodes, rounds, self.hop_ms
            ),
            points: Vec::new(),
            level: None,
            marker_ms: Some(rounds * self.hop_ms),
        }
    }

    /// Serf's convergence curve, one point per round until 99.99 %.
    pub fn serf(&self) -> Curve {
        let mut points = Vec::new();
        for round in 0..MAX_SERF_ROUNDS {
            let fraction = serf_fraction(
                self.nodes,
                f64::from(self.fanout),
                self.loss,
                self.failed,
                f64::from(round),
            );
            points.push(CoveragePoint {
                ms: f64::from(round) * self.hop_ms,
                fraction,
            });
            if fraction >= SERF_DONE {
                break;
            }
        }
        Curve {
            model: Model::Serf,
            label: "Serf model".to_owned(),
            assumptions: format!(
                "Serf's convergence simulator: logistic growth 1 / (1 + (N+1) exp(-c N r)) with c = fanout / N x (1 - loss) x (1 - failed) / 2; \
                 N = {}, fanout {}, loss {:.0} %, failed {:.0} %, gossip interval = one hop of {:.0} ms",
                self.nodes,
                self.fanout,
                self.loss * 100.0,
                self.failed * 100.0,
                self.hop_ms
            ),
            points,
            level: None,
            marker_ms: None,
        }
    }

    /// Every model's curve, in [`Model::ALL`] order.
    pub fn curves(&self) -> Vec<Curve> {
        vec![self.infect_and_die(), self.push_rounds(), self.serf()]
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() < tol
    }

    /// The classic values of the final epidemic size.
    #[test]
    fn infect_and_die_known_values() {
        assert_eq!(infect_and_die_coverage(1.0), 0.0);
        assert_eq!(infect_and_die_coverage(0.5), 0.0);
        assert_eq!(infect_and_die_coverage(f64::NAN), 0.0);
        assert!(close(infect_and_die_coverage(2.0), 0.7968, 1e-4));
        assert!(close(infect_and_die_coverage(3.0), 0.9405, 1e-4));
        assert!(close(infect_and_die_coverage(4.0), 0.9802, 1e-4));
        for f in [1.1, 1.5, 2.0, 3.0, 7.0] {
            let pi = infect_and_die_coverage(f);
            assert!(
                close(pi, 1.0 - (-f * pi).exp(), 1e-12),
                "fixed point at f = {f}"
            );
            assert!(pi > 0.0 && pi < 1.0);
        }
        assert!(infect_and_die_coverage(1.5) < infect_and_die_coverage(2.0));
    }

    #[test]
    fn pittel_rounds() {
        assert_eq!(push_rounds(1), 0.0);
        assert!(close(push_rounds(1024), 10.0 + 1024f64.ln(), 1e-12));
        assert!(close(push_rounds(25), 25f64.log2() + 25f64.ln(), 1e-12));
        assert!(close(push_rounds(1_000), 16.873, 1e-3));
    }

    /// Serf's defaults (30 nodes, fanout 3, no loss): about 1/31 informed at
    /// round 0, half at ln(31) / 1.5 = 2.29 rounds, rising to 1.
    #[test]
    fn serf_model_values() {
        assert!(close(
            serf_fraction(30, 3.0, 0.0, 0.0, 0.0),
            1.0 / 32.0,
            1e-12
        ));
        let half = 31f64.ln() / 1.5;
        assert!(close(serf_fraction(30, 3.0, 0.0, 0.0, half), 0.5, 1e-12));
        assert!(serf_fraction(30, 3.0, 0.0, 0.0, 10.0) > 0.9999);
        assert!(
            serf_fraction(30, 3.0, 0.5, 0.0, 3.0) < serf_fraction(30, 3.0, 0.0, 0.0, 3.0),
            "loss slows convergence"
        );
    }

    #[test]
    fn curves_name_their_model_and_scale_with_latency() {
        let s = Setting {
            nodes: 25,
            fanout: 3,
            hop_ms: 100.0,
            loss: 0.0,
            failed: 0.0,
        };
        let curves = s.curves();
        let models: Vec<Model> = curves.iter().map(|c| c.model).collect();
        assert_eq!(models, Model::ALL);
        assert!(close(curves[0].level.unwrap(), 0.9405, 1e-4));
        assert!(close(
            curves[1].marker_ms.unwrap(),
            push_rounds(25) * 100.0,
            1e-9
        ));
        let serf = &curves[2].points;
        assert_eq!(serf[1].ms, 100.0);
        assert!(serf.last().unwrap().fraction >= SERF_DONE);
        assert!(serf.windows(2).all(|w| w[1].fraction > w[0].fraction));
        for c in &curves {
            assert!(c.assumptions.len() > 40, "{:?} explains itself", c.model);
        }
    }
}
