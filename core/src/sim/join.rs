//! Identities added to a running simulation: a newcomer (honest or a Sybil)
//! is a fresh real [`Node`](crate::Node) that bootstraps against a chosen
//! node at the current simulated time, so the target's own HELLO and
//! proof-of-work check decides whether it gets in.
//!
//! ```
//! use gossip_core::sim::{Newcomer, Scenario, Simulator};
//! use gossip_core::{Config, NodeId, PowProof};
//! let node = Config { pow_k: 2, ..Config::default() };
//! let mut sim = Simulator::new(Scenario { nodes: 5, node, ..Scenario::default() });
//! sim.run_for_ms(1_000.0);
//! let forged = PowProof {
//!     hash_alg: "sha256".into(),
//!     difficulty_k: 2,
//!     nonce: 0,
//!     digest_hex: "0".repeat(64),
//! };
//! let sybil = sim.add_node(Newcomer::new(NodeId(7), 0, Some(forged))).unwrap();
//! sim.run_for_ms(1_000.0);
//! assert_eq!(sim.holders_of(NodeId(7), 0..5), 0);
//! assert!(sim.is_alive(sybil));
//! ```

use core::ops::Range;

use thiserror::Error;

use crate::config::{Config, Mode};
use crate::id::NodeId;
use crate::message::PowProof;
use crate::sim::{node_addr, Simulator};

/// Most nodes [`Simulator::add_node`] adds to one run.
pub const MAX_ADDED_NODES: u32 = 4_096;

/// A node to add to a running simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct Newcomer {
    /// Its identity: an attacker picks its own ids at will.
    pub node_id: NodeId,
    /// Index of the node it sends HELLO and GET_PEERS to.
    pub bootstrap: u32,
    /// The proof presented in HELLO. `None` solves a valid proof at join
    /// time, as the scenario's own nodes do; `Some` presents exactly this
    /// proof, valid or forged.
    pub proof: Option<PowProof>,
    /// Its dissemination strategy; `None` runs the scenario's. A different
    /// one makes a mixed cluster (say, push-only nodes among Plumtree ones).
    pub mode: Option<Mode>,
}

impl Newcomer {
    /// A newcomer with id `node_id` joining through node `bootstrap`.
    pub fn new(node_id: NodeId, bootstrap: u32, proof: Option<PowProof>) -> Newcomer {
        Newcomer {
            node_id,
            bootstrap,
            proof,
            mode: None,
        }
    }

    /// The same newcomer running `mode` instead of the scenario's strategy.
    pub fn with_mode(self, mode: Mode) -> Newcomer {
        Newcomer {
            mode: Some(mode),
            ..self
        }
    }
}

/// Why a node could not be added; the simulation is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum JoinError {
    /// The run already holds [`MAX_ADDED_NODES`] added nodes.
    #[error("at most {cap} nodes can be added to one run")]
    TooManyNodes {
        /// The cap.
        cap: u32,
    },
    /// The bootstrap index names no node of the run.
    #[error("node {index} does not exist (the run has {len} nodes)")]
    NoSuchNode {
        /// The index asked for.
        index: u32,
        /// Nodes in the run.
        len: u32,
    },
}

/// How an added node is (re)started.
#[derive(Debug, Clone)]
pub(super) struct Added {
    pub(super) config: Config,
    pub(super) proof: Option<PowProof>,
}

impl Simulator {
    /// Adds a node now, at index [`Simulator::len`], that joins through
    /// `newcomer.bootstrap` with the real protocol. It runs the scenario's
    /// node parameters (including `pow_k`), so the network's own HELLO check
    /// decides whether it is admitted. While the network is partitioned it
    /// lands in its bootstrap node's group. A crashed added node restarts
    /// with the same identity and proof.
    pub fn add_node(&mut self, newcomer: Newcomer) -> Result<u32, JoinError> {
        let len = self.len();
        if self.added.len() as u32 >= MAX_ADDED_NODES {
            return Err(JoinError::TooManyNodes {
                cap: MAX_ADDED_NODES,
            });
        }
        if newcomer.bootstrap >= len {
            return Err(JoinError::NoSuchNode {
                index: newcomer.bootstrap,
                len,
            });
        }
        let seed = crate::rng::mix64(self.scenario.seed ^ crate::rng::mix64(u64::from(len)));
        let config = Config {
            addr: node_addr(len),
            bootstrap: Some(node_addr(newcomer.bootstrap)),
            node_id: Some(newcomer.node_id),
            seed,
            mode: newcomer.mode.unwrap_or(self.scenario.node.mode),
            ..self.scenario.node.clone()
        };
        if !self.group.is_empty() {
            let group = self.group_of(newcomer.bootstrap);
            self.group.push(group);
        }
        self.added.push(Added {
            config,
            proof: newcomer.proof,
        });
        self.slots.push();
        self.start_node(len);
        Ok(len)
    }

    /// Nodes added with [`Simulator::add_node`] so far.
    pub fn added_count(&self) -> u32 {
        self.added.len() as u32
    }

    /// Whether node `holder` is running and has `id` in its peer table.
    pub fn knows(&self, holder: u32, id: NodeId) -> bool {
        self.is_alive(holder)
            && self
                .node(holder)
                .is_some_and(|n| n.peers().get(id).is_some())
    }

    /// How many running nodes among `holders` have `id` in their peer table.
    pub fn holders_of(&self, id: NodeId, holders: Range<u32>) -> u32 {
        holders.filter(|&h| self.knows(h, id)).count() as u32
    }

    /// The start-up recipe of node `i` when it was added, not generated.
    pub(super) fn added_spec(&self, i: u32) -> Option<&Added> {
        self.added.get(i.checked_sub(self.scenario.nodes)? as usize)
    }
}
