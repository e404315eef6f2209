//! A fixed simulator workload for comparing events per second in wasm and
//! natively (`cargo run --release -p gossip-web --example bench`).

use gossip_core::sim::{Scenario, Simulator};
use gossip_core::Mode;

use super::params::{OverlayKind, Params};

/// The benchmark scenario: 2 000 nodes, hybrid, bootstrap overlay, one
/// broadcast, 30 simulated seconds, no trace.
pub fn scenario() -> Scenario {
    let mut s = Params {
        nodes: 2_000,
        mode: Mode::Hybrid,
        overlay: OverlayKind::Bootstrap,
        latency_ms: 20.0,
        jitter_ms: 10.0,
        ..Params::default()
    }
    .scenario();
    s.trace = false;
    s
}

/// The result of one benchmark run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BenchResult {
    /// Simulator events processed.
    pub events: u64,
    /// Wall-clock milliseconds spent.
    pub wall_ms: f64,
}

impl BenchResult {
    /// Events per wall-clock second.
    pub fn events_per_sec(&self) -> f64 {
        self.events as f64 / (self.wall_ms / 1_000.0).max(1e-9)
    }
}

/// Runs [`scenario`] for 30 simulated seconds, timing it with `clock` (ms).
pub fn run(mut clock: impl FnMut() -> f64) -> BenchResult {
    let start = clock();
    let mut sim = Simulator::new(scenario());
    sim.run_for_ms(10_000.0);
    let _ = sim.publish(1, "benchmark");
    sim.run_for_ms(20_000.0);
    BenchResult {
        events: sim.events_processed(),
        wall_ms: clock() - start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workload_is_deterministic() {
        let a = run(|| 0.0);
        let b = run(|| 0.0);
        assert_eq!(a.events, b.events);
        assert!(a.events > 200_000, "only {} events", a.events);
    }
}
