//! A run described as data (serde: JSON or TOML): the network, every node's
//! parameters, the schedule of publishes, crashes and partitions, and the seed.

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::message::MsgType;

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
    /// Delay between successive joins with the bootstrap overlay, in ms.
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

/// What handling a datagram costs a node: each node serves one received
/// datagram at a time, pays for every datagram it sends on the same CPU, and
/// with `cpus` set the nodes share that many CPUs (a fleet on one machine's
/// cores). Off while `service_us` and `send_us` are both 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Processing {
    /// Mean service time of one received datagram, µs.
    pub service_us: f64,
    /// Service times are drawn uniformly from `service_us ± spread_us`
    /// (0: every datagram takes exactly `service_us`).
    pub spread_us: f64,
    /// CPU time of one datagram the node sends, µs: its answers leave one
    /// after another, and the node serves nothing else meanwhile.
    #[serde(skip_serializing_if = "is_zero")]
    pub send_us: f64,
    /// CPUs the nodes share; 0 gives every node a CPU of its own.
    pub cpus: u32,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl Processing {
    /// True when datagrams cost nothing (the model is off).
    pub fn is_off(&self) -> bool {
        let costs = |us: f64| us > 0.0;
        !costs(self.service_us) && !costs(self.send_us)
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
