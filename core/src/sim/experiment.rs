//! One measured broadcast, exactly as `gossip experiment` runs it and the
//! browser's experiments tab repeats it: let the overlay form, publish once
//! from a node drawn from the seed, run until the gossip stops spreading, and
//! report its metrics.

use thiserror::Error;

use crate::id::MsgId;
use crate::metrics::GossipReport;
use crate::rng::mix64;
use crate::sim::{Overlay, Scenario, Simulator};

/// Why a broadcast produced no report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum BroadcastError {
    /// The scenario has no nodes to publish from.
    #[error("the scenario has no nodes")]
    NoNodes,
    /// The publishing node was down at publish time (a scheduled crash).
    #[error("node {node} is down at publish time")]
    OriginDown {
        /// The publisher.
        node: u32,
    },
    /// The collector was already tracking its maximum number of gossips.
    #[error("gossip {id} was not tracked by the metrics collector")]
    NotTracked {
        /// The gossip.
        id: MsgId,
    },
}

/// Default time of the single publish with the bootstrap overlay: once every
/// node has joined and [`Scenario::warmup_rounds`] liveness rounds have let
/// the overlay mature (each PING teaches its receiver about the pinger): five
/// when nodes join one at a time, one when they join in waves (above 10 000
/// nodes). Generated overlays are ready at 0.
pub fn default_publish_ms(sc: &Scenario) -> f64 {
    match sc.overlay {
        Overlay::Bootstrap => {
            // Written as `5000 * seconds` for five rounds, as it always was,
            // so the publish time of every existing run is bit-identical.
            let warmup_ms = f64::from(sc.warmup_rounds() * 1_000);
            sc.joins_end_ms() + warmup_ms * sc.node.ping_interval.as_secs_f64()
        }
        _ => 0.0,
    }
}

/// The publishing node of a broadcast: drawn from the seed, like everything
/// else in the run.
pub fn publish_origin(seed: u64, nodes: u32) -> u32 {
    (mix64(seed) % u64::from(nodes.max(1))) as u32
}

/// Runs one broadcast of `scenario` (its trace turned off) and reports it:
/// publish at [`default_publish_ms`] from [`publish_origin`], then run until
/// quiescent or `limit_ms` after the publish.
pub fn broadcast(scenario: Scenario, limit_ms: f64) -> Result<GossipReport, BroadcastError> {
    let publish_ms = default_publish_ms(&scenario);
    broadcast_at(scenario, publish_ms, limit_ms)
}

/// [`broadcast`] publishing `publish_ms` after the start instead of at
/// [`default_publish_ms`] (`gossip experiment --real` publishes when its
/// real fleet did).
pub fn broadcast_at(
    mut scenario: Scenario,
    publish_ms: f64,
    limit_ms: f64,
) -> Result<GossipReport, BroadcastError> {
    if scenario.nodes == 0 {
        return Err(BroadcastError::NoNodes);
    }
    scenario.trace = false;
    let origin = publish_origin(scenario.seed, scenario.nodes);
    let mut sim = Simulator::new(scenario);
    sim.run_for_ms(publish_ms);
    let id = sim
        .publish(origin, "experiment")
        .ok_or(BroadcastError::OriginDown { node: origin })?;
    sim.run_until_quiescent(id, limit_ms);
    sim.collector()
        .report(id)
        .ok_or(BroadcastError::NotTracked { id })
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn a_broadcast_reaches_everyone_and_is_reproducible() {
        let sc = Scenario {
            nodes: 12,
            seed: 3,
            ..Scenario::default()
        };
        let a = broadcast(sc.clone(), 10_000.0).unwrap();
        assert_eq!(a, broadcast(sc, 10_000.0).unwrap());
        assert!(a.delivery_ratio > 0.9, "ratio {}", a.delivery_ratio);
    }

    #[test]
    fn an_empty_scenario_is_an_error() {
        let sc = Scenario {
            nodes: 0,
            ..Scenario::default()
        };
        assert_eq!(broadcast(sc, 1_000.0), Err(BroadcastError::NoNodes));
    }

    #[test]
    fn origin_is_a_node_of_the_run() {
        assert!((0..100).all(|seed| publish_origin(seed, 7) < 7));
        assert_eq!(publish_origin(5, 0), 0);
    }
}
