//! A run described as data (serde: JSON or TOML): the network, every node's
//! parameters, the schedule of publishes, crashes and partitions, and the seed.

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::message::MsgType;
use crate::scorecard::Targets;

/// Everything that determines a simulated run. Same scenario, same trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Number of nodes; node 0 is the bootstrap node.
    pub nodes: u32,
    /// Master seed: every node's seed and the network's randomness derive from it.
    pub seed: u64,
    /// Parameters shared by every node (`addr`, `bootstrap`, `node_id` and
    /// `seed` are filled in per node).
    pub node: Config,
    /// How the overlay is formed.
    pub overlay: Overlay,
    /// Let generated overlays exceed `peer_limit` (raising it to the degree).
    pub ignore_peer_limit: bool,
    /// Delay between successive joins with the bootstrap overlay, in ms;
    /// above [`JOIN_WAVES_FROM`] nodes, between successive waves of
    /// [`JOIN_WAVE`] joins (see [`Scenario::join_slot`]).
    pub join_stagger_ms: f64,
    /// Latency, jitter and loss.
    pub network: Network,
    /// What handling a datagram costs a node (off unless set).
    #[serde(skip_serializing_if = "Processing::is_off")]
    pub processing: Processing,
    /// Pass messages as values (fast) or through the real JSON codec (counts bytes).
    pub codec: CodecMode,
    /// Record a trace of every send, drop, delivery and timer.
    pub trace: bool,
    /// Scheduled actions, in any order.
    pub schedule: Vec<Scheduled>,
    /// The workload's published pass criteria, when it reproduces one (the
    /// Gossip Glomers scenarios): `gossip sim` then says pass or fail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub targets: Option<Targets>,
}

impl Default for Scenario {
    fn default() -> Scenario {
        Scenario {
            nodes: 10,
            seed: 42,
            node: Config::default(),
            overlay: Overlay::Bootstrap,
            ignore_peer_limit: false,
            join_stagger_ms: 20.0,
            network: Network::default(),
            processing: Processing::default(),
            codec: CodecMode::Fast,
            trace: true,
            schedule: Vec::new(),
            targets: None,
        }
    }
}

/// Runs with more nodes than this join the bootstrap overlay in waves.
/// One at a time, 100 000 nodes 20 ms apart would spend half an hour of
/// simulated time (and its liveness rounds) joining; up to this size (every
/// documented scenario and test) the join schedule is one node per stagger.
pub const JOIN_WAVES_FROM: u32 = 10_000;
/// The smallest join wave above [`JOIN_WAVES_FROM`]: up to 100 000 nodes
/// join 1 000 per stagger (100 000 nodes in 100 waves, 2 s at the default
/// stagger).
pub const JOIN_WAVE: u32 = 1_000;
/// Separates the draw of a join contact from the node seeds drawn from
/// the same run seed.
const JOIN_CONTACT_SALT: u64 = 0x6a6f_696e_2d76_6961;
/// The most join waves: above 100 000 nodes the waves grow with the run
/// ([`Scenario::join_wave`]), so joining takes 100 staggers at any size
/// (a million nodes join in 2 s, not 20).
pub const MAX_JOIN_WAVES: u32 = 100;
/// Liveness rounds between the last join and the default publish
/// ([`crate::sim::default_publish_ms`]) when nodes join one at a time.
pub const WARMUP_ROUNDS: u32 = 5;
/// The same when nodes join in waves: one round, in which every node has
/// pinged its peers once. More rounds only repeat PING and PONG (about 1.2
/// million events a round at 100 000 nodes): the tables' sizes stay as
/// they were and who knows whom nearly so (`docs/EXPERIMENTS.md`).
pub const WAVE_WARMUP_ROUNDS: u32 = 1;

impl Scenario {
    fn joins_in_waves(&self) -> bool {
        self.nodes > JOIN_WAVES_FROM
    }

    /// Nodes that join together in one stagger: 1 up to [`JOIN_WAVES_FROM`]
    /// nodes, then [`JOIN_WAVE`], and above 100 000 nodes as many as make
    /// [`MAX_JOIN_WAVES`] waves.
    pub fn join_wave(&self) -> u32 {
        if self.joins_in_waves() {
            JOIN_WAVE.max(self.nodes.div_ceil(MAX_JOIN_WAVES))
        } else {
            1
        }
    }

    /// The join slot of node `i` with the bootstrap overlay: it joins
    /// `join_stagger_ms` times this after the start (its wave, see
    /// [`Scenario::join_wave`]).
    pub fn join_slot(&self, i: u32) -> u32 {
        i / self.join_wave()
    }

    /// The node that node `i` joins through with the bootstrap overlay.
    /// One at a time (up to [`JOIN_WAVES_FROM`] nodes) every node joins
    /// through node 0, as in the original. In waves, a whole wave asking
    /// node 0 at the same instant would get the same few peers and form a
    /// cluster of its own, so the nodes of later waves each join through a
    /// node of an earlier wave, drawn from the run's seed (a bootstrap
    /// list, as deployed systems have).
    pub fn join_contact(&self, i: u32) -> u32 {
        let joined_before = self.join_slot(i) * self.join_wave();
        if !self.joins_in_waves() || joined_before == 0 {
            return 0;
        }
        let draw =
            crate::rng::mix64(self.seed ^ crate::rng::mix64(u64::from(i) ^ JOIN_CONTACT_SALT));
        (draw % u64::from(joined_before)) as u32
    }

    /// When joining is over with the bootstrap overlay, ms after the start:
    /// the slot after the last join's.
    pub fn joins_end_ms(&self) -> f64 {
        f64::from(self.nodes.div_ceil(self.join_wave())) * self.join_stagger_ms
    }

    /// Liveness rounds after the last join before the default publish:
    /// [`WARMUP_ROUNDS`], or [`WAVE_WARMUP_ROUNDS`] when nodes join in waves.
    pub fn warmup_rounds(&self) -> u32 {
        if self.joins_in_waves() {
            WAVE_WARMUP_ROUNDS
        } else {
            WARMUP_ROUNDS
        }
    }
}

/// How the overlay is formed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Overlay {
    /// Nodes join through node 0 with the real HELLO/GET_PEERS protocol.
    #[default]
    Bootstrap,
    /// Every node knows every other (capped at `peer_limit` random others).
    Full,
    /// A random graph where every node has `degree` neighbours.
    RandomRegular {
        /// Neighbours per node.
        degree: u32,
    },
    /// A ring where every node knows `k` neighbours on each side.
    Ring {
        /// Neighbours on each side.
        k: u32,
    },
    /// Watts-Strogatz: a ring lattice whose edges are rewired with probability `beta`.
    SmallWorld {
        /// Neighbours on each side before rewiring.
        k: u32,
        /// Rewiring probability.
        beta: f64,
    },
}

impl Overlay {
    /// A short name for tables and charts.
    pub fn name(&self) -> &'static str {
        match self {
            Overlay::Bootstrap => "bootstrap",
            Overlay::Full => "full",
            Overlay::RandomRegular { .. } => "random-regular",
            Overlay::Ring { .. } => "ring",
            Overlay::SmallWorld { .. } => "small-world",
        }
    }
}

/// The modelled network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Network {
    /// Base one-way latency, ms.
    pub latency_ms: f64,
    /// Extra latency drawn uniformly from `[0, jitter_ms)`, ms.
    pub jitter_ms: f64,
    /// Probability that any datagram is lost.
    pub loss: f64,
    /// Message types that loss applies to; every type when empty.
    pub lossy_types: Vec<MsgType>,
    /// Per-link loss overriding `loss` (both directions).
    pub links: Vec<LinkLoss>,
}

impl Default for Network {
    fn default() -> Network {
        Network {
            latency_ms: 5.0,
            jitter_ms: 2.0,
            loss: 0.0,
            lossy_types: Vec::new(),
            links: Vec::new(),
        }
    }
}

/// What handling a datagram costs a node: a node that gets a CPU reads
/// the datagrams waiting for it in batches, serves them one at a time, and
/// pays for every datagram it sends on the same CPU; what a batch causes
/// leaves when the batch is done, as the UDP driver's one `sendmmsg` per
/// batch. With `cpus` set the nodes share that many CPUs (a fleet on one
/// machine's cores). Off while `service_us` and `send_us` are both 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Processing {
    /// Mean service time of one received datagram, µs.
    pub service_us: f64,
    /// Service times are drawn uniformly from `service_us ± spread_us`
    /// (0: every datagram takes exactly `service_us`).
    pub spread_us: f64,
    /// CPU time of one datagram the node sends, µs: a batch's answers leave
    /// together once all of them are paid for.
    #[serde(skip_serializing_if = "is_zero")]
    pub send_us: f64,
    /// CPU time of each wake-up, µs: a node that takes a CPU pays it once
    /// before serving what it reads (the runtime's poll, the read that finds
    /// the socket empty, the events file's write).
    #[serde(skip_serializing_if = "is_zero")]
    pub wake_us: f64,
    /// Delay of a publish's copies beyond their send costs, µs: what the
    /// publishing node spends before its first copy leaves (measured as a
    /// real broadcast's first hop).
    #[serde(skip_serializing_if = "is_zero")]
    pub publish_us: f64,
    /// CPUs the nodes share; 0 gives every node a CPU of its own.
    pub cpus: u32,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl Processing {
    /// True when nothing costs time (the model is off): no receive, send or
    /// wake-up cost and no publish delay.
    pub fn is_off(&self) -> bool {
        [self.service_us, self.send_us, self.wake_us, self.publish_us]
            .iter()
            .all(|&us| us <= 0.0)
    }
}

/// Loss probability on the link between two nodes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkLoss {
    /// One end.
    pub a: u32,
    /// The other end.
    pub b: u32,
    /// Loss probability.
    pub loss: f64,
}

/// How messages cross the simulated network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CodecMode {
    /// Decoded messages are passed as values: fastest.
    #[default]
    Fast,
    /// Every message is encoded to JSON and decoded again: byte counts are real.
    Fidelity,
}

/// An action at a simulated time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scheduled {
    /// Milliseconds after the start of the run.
    pub at_ms: f64,
    /// What happens.
    #[serde(flatten)]
    pub action: Action,
}

/// Something a scenario (or a teacher) makes happen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Node `node` publishes `data`.
    Publish {
        /// Publishing node.
        node: u32,
        /// The rumour.
        data: String,
    },
    /// Node `node` crashes: it loses its state and stops answering.
    Crash {
        /// The node.
        node: u32,
    },
    /// Node `node` restarts with fresh state and joins again.
    Restart {
        /// The node.
        node: u32,
    },
    /// Nodes split into groups that cannot reach each other; unlisted nodes
    /// form one more group together.
    Partition {
        /// The groups.
        groups: Vec<Vec<u32>>,
    },
    /// Every partition ends.
    Heal,
    /// The global loss probability changes.
    SetLoss {
        /// New loss probability.
        loss: f64,
    },
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn waves_join_through_earlier_waves_and_single_joins_through_node_0() {
        let small = Scenario {
            nodes: JOIN_WAVES_FROM,
            ..Scenario::default()
        };
        assert!((0..JOIN_WAVES_FROM).all(|i| small.join_contact(i) == 0));
        let large = Scenario {
            nodes: 100_000,
            ..Scenario::default()
        };
        assert!((0..JOIN_WAVE).all(|i| large.join_contact(i) == 0));
        let contacts: Vec<u32> = (JOIN_WAVE..large.nodes)
            .map(|i| large.join_contact(i))
            .collect();
        for (i, &c) in (JOIN_WAVE..).zip(&contacts) {
            assert!(
                c < large.join_slot(i) * JOIN_WAVE,
                "node {i} joins through {c}"
            );
        }
        // Spread over the earlier nodes, not all through a few.
        let distinct: std::collections::BTreeSet<u32> = contacts.iter().copied().collect();
        assert!(
            distinct.len() > 40_000,
            "{} distinct contacts",
            distinct.len()
        );
        let reseeded = Scenario {
            seed: 8,
            ..large.clone()
        };
        assert_ne!(reseeded.join_contact(5_000), large.join_contact(5_000));
    }

    #[test]
    fn joins_are_one_per_stagger_up_to_the_wave_size_then_in_waves() {
        let small = Scenario {
            nodes: JOIN_WAVES_FROM,
            ..Scenario::default()
        };
        assert_eq!(small.join_slot(1_500), 1_500);
        assert_eq!(small.joins_end_ms(), f64::from(JOIN_WAVES_FROM) * 20.0);
        let large = Scenario {
            nodes: 100_000,
            ..Scenario::default()
        };
        assert_eq!(
            (
                large.join_slot(0),
                large.join_slot(999),
                large.join_slot(1_000)
            ),
            (0, 0, 1)
        );
        assert_eq!(large.join_slot(99_999), 99);
        assert_eq!(large.joins_end_ms(), 100.0 * 20.0);
        let odd = Scenario {
            nodes: 10_001,
            ..Scenario::default()
        };
        assert_eq!(odd.joins_end_ms(), 11.0 * 20.0);
        let million = Scenario {
            nodes: 1_000_000,
            ..Scenario::default()
        };
        assert_eq!(million.join_wave(), 10_000);
        assert_eq!(million.join_slot(999_999), 99);
        assert_eq!(million.joins_end_ms(), 100.0 * 20.0);
        assert_eq!(
            (small.warmup_rounds(), large.warmup_rounds()),
            (WARMUP_ROUNDS, WAVE_WARMUP_ROUNDS)
        );
    }
}
