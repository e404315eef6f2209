//! Every knob of the lab, and the [`Scenario`] it stands for.

use core::time::Duration;

use gossip_core::sim::{Network, Overlay, Scenario};
use gossip_core::{Config, Mode};

/// Smallest and largest number of nodes offered.
pub const NODES_RANGE: (u32, u32) = (2, 2_000);

/// How the overlay is built before the first frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlayKind {
    /// Every node joins through node 0 with real HELLO / GET_PEERS traffic.
    Bootstrap,
    /// A random regular graph of degree `fanout + 2` (wired directly).
    Random,
}

impl OverlayKind {
    /// The selector's value.
    pub fn as_str(self) -> &'static str {
        match self {
            OverlayKind::Bootstrap => "bootstrap",
            OverlayKind::Random => "random",
        }
    }

    /// Parses the selector's value.
    pub fn parse(s: &str) -> Option<OverlayKind> {
        match s {
            "bootstrap" => Some(OverlayKind::Bootstrap),
            "random" => Some(OverlayKind::Random),
            _ => None,
        }
    }
}

/// Parameters a teacher can change; everything else is the core default.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Number of nodes.
    pub nodes: u32,
    /// Master seed of the run.
    pub seed: u64,
    /// Peers each gossip is forwarded to.
    pub fanout: u32,
    /// Hops a gossip may travel.
    pub ttl: u32,
    /// Largest peer table.
    pub peer_limit: u32,
    /// Push or hybrid push-pull.
    pub mode: Mode,
    /// Time between IHAVE rounds, ms.
    pub pull_interval_ms: u32,
    /// Most ids per IHAVE.
    pub ihave_max_ids: u32,
    /// Time between PING rounds, ms.
    pub ping_interval_ms: u32,
    /// Silence before a peer is dropped, ms.
    pub peer_timeout_ms: u32,
    /// Datagram loss, percent.
    pub loss_pct: f64,
    /// One-way latency, ms.
    pub latency_ms: f64,
    /// Extra random latency, ms.
    pub jitter_ms: f64,
    /// How the overlay forms.
    pub overlay: OverlayKind,
}

impl Default for Params {
    /// 50 nodes, fanout 3, ttl 8, hybrid: a message visibly hops, and every
    /// node gets it.
    fn default() -> Params {
        Params {
            nodes: 50,
            seed: 42,
            fanout: 3,
            ttl: 8,
            peer_limit: 20,
            mode: Mode::Hybrid,
            pull_interval_ms: 2_000,
            ihave_max_ids: 32,
            ping_interval_ms: 2_000,
            peer_timeout_ms: 6_000,
            loss_pct: 0.0,
            latency_ms: 100.0,
            jitter_ms: 50.0,
            overlay: OverlayKind::Bootstrap,
        }
    }
}

impl Params {
    /// Delay between joins, ms: quick, so that big overlays form fast.
    pub fn join_stagger_ms(&self) -> f64 {
        2.0
    }

    /// Simulated time to let the overlay form before the lab is shown, ms.
    pub fn warmup_ms(&self) -> f64 {
        match self.overlay {
            OverlayKind::Bootstrap => {
                self.join_stagger_ms() * f64::from(self.nodes)
                    + 2.0 * f64::from(self.ping_interval_ms.max(self.pull_interval_ms))
                    + 10.0 * (self.latency_ms + self.jitter_ms)
            }
            OverlayKind::Random => 0.0,
        }
    }

    /// The scenario the simulator runs.
    pub fn scenario(&self) -> Scenario {
        let node = Config {
            fanout: self.fanout,
            ttl: self.ttl,
            peer_limit: self.peer_limit,
            mode: self.mode,
            pull_interval: Duration::from_millis(u64::from(self.pull_interval_ms)),
            ihave_max_ids: self.ihave_max_ids,
            ping_interval: Duration::from_millis(u64::from(self.ping_interval_ms)),
            peer_timeout: Duration::from_millis(u64::from(self.peer_timeout_ms)),
            pow_k: 0,
            ..Config::default()
        };
        Scenario {
            nodes: self.nodes.clamp(NODES_RANGE.0, NODES_RANGE.1),
            seed: self.seed,
            node,
            overlay: match self.overlay {
                OverlayKind::Bootstrap => Overlay::Bootstrap,
                OverlayKind::Random => Overlay::RandomRegular {
                    degree: (self.fanout + 2).min(self.peer_limit).max(1),
                },
            },
            join_stagger_ms: self.join_stagger_ms(),
            network: Network {
                latency_ms: self.latency_ms,
                jitter_ms: self.jitter_ms,
                loss: self.loss_pct / 100.0,
                ..Network::default()
            },
            trace: true,
            ..Scenario::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_the_classroom_setup() {
        let s = Params::default().scenario();
        assert_eq!(s.nodes, 50);
        assert_eq!(s.node.fanout, 3);
        assert_eq!(s.node.ttl, 8);
        assert_eq!(s.node.mode, Mode::Hybrid);
        assert_eq!(s.overlay, Overlay::Bootstrap);
        assert!(s.trace);
    }

    #[test]
    fn knobs_reach_the_scenario() {
        let p = Params {
            nodes: 5_000,
            loss_pct: 30.0,
            ping_interval_ms: 500,
            overlay: OverlayKind::Random,
            ..Params::default()
        };
        let s = p.scenario();
        assert_eq!(s.nodes, NODES_RANGE.1);
        assert!((s.network.loss - 0.3).abs() < 1e-12);
        assert_eq!(s.node.ping_interval, Duration::from_millis(500));
        assert_eq!(s.overlay, Overlay::RandomRegular { degree: 5 });
        assert_eq!(p.warmup_ms(), 0.0);
    }
}
