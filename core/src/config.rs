//! Every parameter of the original node, with the original's defaults.

use core::time::Duration;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use crate::codec::MAX_LIST;
use crate::error::ConfigError;
use crate::id::NodeId;
use crate::pow::MAX_DIFFICULTY;
use crate::rng::{mix64, NodeRng};

/// Dissemination strategy: the name of one module of `node::strategy`.
/// Drivers list [`Mode::ALL`] and ask a mode what they need to know
/// ([`Mode::patience`]); none of them matches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Push only: each node forwards a new gossip to `fanout` peers.
    #[default]
    Push,
    /// Push plus periodic IHAVE/IWANT pull to repair what push missed.
    Hybrid,
    /// Epidemic broadcast trees: eager push along a tree, lazy IHAVE, GRAFT and PRUNE.
    Plumtree,
    /// Anti-entropy pull: each round, ask one random peer for what we lack.
    Pull,
}

impl Mode {
    /// Every strategy, in the order menus list them.
    pub const ALL: [Mode; 4] = [Mode::Push, Mode::Hybrid, Mode::Plumtree, Mode::Pull];

    /// The name used on the command line, in files and in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Push => "push",
            Mode::Hybrid => "hybrid",
            Mode::Plumtree => "plumtree",
            Mode::Pull => "pull",
        }
    }

    /// One line saying what the strategy does, for `--help` and menus.
    pub fn description(self) -> &'static str {
        match self {
            Mode::Push => "push: forward each new gossip to `fanout` random peers (the original)",
            Mode::Hybrid => "hybrid: push, plus IHAVE/IWANT rounds that repair what push missed (the original)",
            Mode::Plumtree => "plumtree: eager push along a spanning tree, lazy IHAVE elsewhere, GRAFT and PRUNE repair it",
            Mode::Pull => "pull: anti-entropy; every round ask one random peer for what we lack",
        }
    }

    /// How long after the last delivery a broadcast may still deliver
    /// without any GOSSIP in flight: zero for push (no GOSSIP in flight
    /// means done), a few rounds for strategies that repair or pull later.
    /// The simulator and `gossip experiment --real` wait this long before
    /// calling a broadcast finished.
    pub fn patience(self, config: &Config) -> Duration {
        match self {
            Mode::Push => Duration::ZERO,
            Mode::Hybrid => config.pull_interval * 3,
            Mode::Pull => config.pull_interval * 5,
            Mode::Plumtree => (config.lazy_interval + config.graft_timeout) * 3,
        }
    }

    /// Whether nodes of this mode speak GRAFT and PRUNE (and say so in HELLO).
    pub fn speaks_plumtree(self) -> bool {
        self == Mode::Plumtree
    }
}

impl core::fmt::Display for Mode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Mode, String> {
        Mode::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Mode::ALL.iter().map(|m| m.as_str()).collect();
                format!("unknown mode {s:?} (expected one of {})", names.join(", "))
            })
    }
}

/// Configuration of one [`Node`](crate::Node).
///
/// Durations are written as seconds (floats) in serialized form, like the
/// original's command-line flags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address this node is reached at; goes into `sender_addr`.
    pub addr: SocketAddr,
    /// Seed node to join through; `None` for the seed node itself.
    pub bootstrap: Option<SocketAddr>,
    /// This node's id; `None` derives one from `seed` and `addr`.
    pub node_id: Option<NodeId>,
    /// Peers each gossip is forwarded to (and peers pinged or offered IHAVE per round).
    pub fanout: u32,
    /// Hops a new gossip may travel.
    pub ttl: u32,
    /// Largest peer table.
    pub peer_limit: u32,
    /// Time between liveness rounds.
    #[serde(with = "secs")]
    pub ping_interval: Duration,
    /// Silence after which a peer is removed as dead.
    #[serde(with = "secs")]
    pub peer_timeout: Duration,
    /// Seed of the node's random choices.
    pub seed: u64,
    /// Push or hybrid push-pull.
    pub mode: Mode,
    /// Time between IHAVE rounds in hybrid mode (and pull rounds in pull mode).
    #[serde(with = "secs")]
    pub pull_interval: Duration,
    /// Plumtree: time between batches of lazy IHAVE announcements.
    #[serde(with = "secs")]
    pub lazy_interval: Duration,
    /// Plumtree: how long an announced gossip may be missing before GRAFT.
    #[serde(with = "secs")]
    pub graft_timeout: Duration,
    /// Most ids per IHAVE.
    pub ihave_max_ids: u32,
    /// Required proof-of-work difficulty (leading zero hex digits); 0 turns it off.
    pub pow_k: u32,
    /// Gossip ids remembered to drop duplicates.
    pub seen_capacity: u32,
    /// Full gossips kept to answer IWANT.
    pub store_capacity: u32,
    /// Accept a `sender_addr` that differs from the datagram's source (for NAT).
    pub trust_sender_addr: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8000)),
            bootstrap: None,
            node_id: None,
            fanout: 3,
            ttl: 8,
            peer_limit: 20,
            ping_interval: Duration::from_secs(2),
            peer_timeout: Duration::from_secs(6),
            seed: 42,
            mode: Mode::Push,
            pull_interval: Duration::from_secs(2),
            lazy_interval: Duration::from_millis(500),
            graft_timeout: Duration::from_millis(500),
            ihave_max_ids: 32,
            pow_k: 0,
            seen_capacity: 10_000,
            store_capacity: 1_024,
            trust_sender_addr: false,
        }
    }
}

impl Config {
    /// Checks the values no node can run with; every driver calls it on the
    /// configuration it built from flags, files or a scenario.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.peer_limit == 0 {
            return Err(ConfigError::NoPeers);
        }
        if !(1..=MAX_TTL).contains(&self.ttl) {
            return Err(ConfigError::TtlOutOfRange {
                ttl: self.ttl,
                max: MAX_TTL,
            });
        }
        if self.pow_k > MAX_DIFFICULTY {
            return Err(ConfigError::PowTooHard {
                k: self.pow_k,
                max: MAX_DIFFICULTY,
            });
        }
        if self.ihave_max_ids as usize > MAX_LIST {
            return Err(ConfigError::TooManyIhaveIds {
                n: self.ihave_max_ids,
                max: MAX_LIST,
            });
        }
        for (field, period) in [
            ("ping_interval", self.ping_interval),
            ("peer_timeout", self.peer_timeout),
            ("pull_interval", self.pull_interval),
            ("lazy_interval", self.lazy_interval),
            ("graft_timeout", self.graft_timeout),
        ] {
            if period.is_zero() {
                return Err(ConfigError::ZeroPeriod { field });
            }
        }
        Ok(())
    }

    /// The node id: `node_id` when set, otherwise derived from `seed` and `addr`
    /// (so simulated nodes get distinct, reproducible ids).
    pub fn resolved_node_id(&self) -> NodeId {
        self.node_id
            .unwrap_or_else(|| Config::derived_node_id(self.seed, self.addr))
    }

    /// The id of a node without a configured `node_id`, from its `seed` and
    /// `addr` (what [`Config::resolved_node_id`] returns for it): drivers
    /// that know a node's seed and address get its id without building its
    /// configuration.
    pub fn derived_node_id(seed: u64, addr: SocketAddr) -> NodeId {
        let addr_key = match addr {
            SocketAddr::V4(a) => (u64::from(u32::from(*a.ip())) << 16) | u64::from(a.port()),
            SocketAddr::V6(a) => (u128::from(*a.ip()) as u64) ^ u64::from(a.port()),
        };
        NodeId::random(&mut NodeRng::from_seed_u64(mix64(seed) ^ mix64(addr_key)))
    }
}

/// Largest `ttl`: a gossip never needs more hops than this, and wire values
/// above a node's own `ttl` are clamped to it.
pub const MAX_TTL: u32 = 255;
/// Unanswered bootstrap attempts after which the node reports
/// [`Event::BootstrapFailed`](crate::Event::BootstrapFailed); it keeps trying.
pub const BOOTSTRAP_ATTEMPTS: u32 = 5;
/// Wait after the first bootstrap attempt; it doubles after each unanswered one.
pub const BOOTSTRAP_BACKOFF: Duration = Duration::from_millis(500);
/// Longest wait between two bootstrap attempts.
pub const BOOTSTRAP_BACKOFF_MAX: Duration = Duration::from_secs(30);

/// Serde helper: a `Duration` as float seconds.
pub mod secs {
    use core::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes seconds as a float.
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    /// Reads non-negative float seconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        Duration::try_from_secs_f64(secs).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn defaults_validate_and_each_bad_value_names_its_field() {
        assert_eq!(Config::default().validate(), Ok(()));
        let bad = [
            Config {
                peer_limit: 0,
                ..Config::default()
            },
            Config {
                pow_k: MAX_DIFFICULTY + 1,
                ..Config::default()
            },
            Config {
                ihave_max_ids: MAX_LIST as u32 + 1,
                ..Config::default()
            },
            Config {
                peer_timeout: Duration::ZERO,
                ..Config::default()
            },
            Config {
                ttl: u32::MAX,
                ..Config::default()
            },
            Config {
                ttl: 0,
                ..Config::default()
            },
        ];
        let fields: Vec<&str> = bad
            .iter()
            .map(|c| c.validate().expect_err("refused").field())
            .collect();
        assert_eq!(
            fields,
            [
                "peer_limit",
                "pow_k",
                "ihave_max_ids",
                "peer_timeout",
                "ttl",
                "ttl"
            ]
        );
    }
}
