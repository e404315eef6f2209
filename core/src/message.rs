//! The eight message types of the protocol, as typed values.
//!
//! A [`Message`] is what the node reasons about; [`crate::codec`] turns it into
//! the original's JSON datagrams and back. GOSSIP payloads sit behind an `Arc`
//! so forwarding a gossip to many peers (and the simulator's millions of hops)
//! never copies its text.

use std::net::SocketAddr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::id::{MsgId, NodeId};

/// Protocol version carried in every datagram.
pub const PROTOCOL_VERSION: i64 = 1;
/// The HELLO capability of a node that speaks GRAFT and PRUNE.
pub const CAP_PLUMTREE: &str = "plumtree";

/// The `msg_type` of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MsgType {
    /// Join request, optionally with proof of work.
    Hello,
    /// Ask for known peers.
    GetPeers,
    /// Known peers.
    PeersList,
    /// A rumour being spread.
    Gossip,
    /// Liveness probe.
    Ping,
    /// Liveness answer.
    Pong,
    /// Hybrid mode: ids this node has.
    #[serde(rename = "IHAVE")]
    IHave,
    /// Hybrid mode: ids this node wants.
    #[serde(rename = "IWANT")]
    IWant,
    /// Plumtree: send me these gossips, and push to me eagerly from now on.
    Graft,
    /// Plumtree: stop pushing gossips to me eagerly; announce them lazily.
    Prune,
}

impl MsgType {
    /// Number of types: the size of every per-type counter.
    pub const COUNT: usize = 10;

    /// All types, in counter order.
    pub const ALL: [MsgType; MsgType::COUNT] = [
        MsgType::Hello,
        MsgType::GetPeers,
        MsgType::PeersList,
        MsgType::Gossip,
        MsgType::Ping,
        MsgType::Pong,
        MsgType::IHave,
        MsgType::IWant,
        MsgType::Graft,
        MsgType::Prune,
    ];

    /// The wire name, e.g. `"PEERS_LIST"`.
    pub fn as_str(self) -> &'static str {
        match self {
            MsgType::Hello => "HELLO",
            MsgType::GetPeers => "GET_PEERS",
            MsgType::PeersList => "PEERS_LIST",
            MsgType::Gossip => "GOSSIP",
            MsgType::Ping => "PING",
            MsgType::Pong => "PONG",
            MsgType::IHave => "IHAVE",
            MsgType::IWant => "IWANT",
            MsgType::Graft => "GRAFT",
            MsgType::Prune => "PRUNE",
        }
    }

    /// The type named by a wire string, if any.
    pub fn from_wire(name: &str) -> Option<MsgType> {
        MsgType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// Position in [`MsgType::ALL`], for array-backed counters.
    pub fn index(self) -> usize {
        self as usize
    }
}

// A type added without growing `COUNT` (or out of order in `ALL`) fails to
// compile here instead of indexing a counter out of bounds at run time.
const _: () = {
    let mut i = 0;
    while i < MsgType::COUNT {
        assert!(MsgType::ALL[i] as usize == i);
        i += 1;
    }
};

/// One counter per message type, indexed by [`MsgType`]: its size comes from
/// the type list, so a new type can never index out of bounds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PerType([u64; MsgType::COUNT]);

impl PerType {
    /// Every type with its count, in [`MsgType::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (MsgType, u64)> + '_ {
        MsgType::ALL.into_iter().map(|t| (t, self.0[t.index()]))
    }

    /// The sum over all types.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &PerType) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }
}

impl From<[u64; MsgType::COUNT]> for PerType {
    /// Counts in [`MsgType::ALL`] order (as array-backed counters keep them).
    fn from(counts: [u64; MsgType::COUNT]) -> PerType {
        PerType(counts)
    }
}

impl core::ops::Index<MsgType> for PerType {
    type Output = u64;
    fn index(&self, t: MsgType) -> &u64 {
        &self.0[t.index()]
    }
}

impl core::ops::IndexMut<MsgType> for PerType {
    fn index_mut(&mut self, t: MsgType) -> &mut u64 {
        &mut self.0[t.index()]
    }
}

impl Serialize for PerType {
    /// A map from wire name to count, e.g. `{"HELLO": 3, "GOSSIP": 12, ...}`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(MsgType::COUNT))?;
        for (t, n) in self.iter() {
            map.serialize_entry(t.as_str(), &n)?;
        }
        map.end()
    }
}

/// One datagram's worth of protocol: the common header and a typed payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Unique id; for GOSSIP it is the gossip's id and survives every hop.
    pub msg_id: MsgId,
    /// The node that sent this datagram (the forwarder, for a forwarded gossip).
    pub sender_id: NodeId,
    /// Where the sender says it can be reached.
    pub sender_addr: SocketAddr,
    /// Sender's clock, epoch milliseconds.
    pub timestamp_ms: u64,
    /// Hops remaining.
    pub ttl: u32,
    /// Type-specific payload.
    pub body: Body,
}

impl Message {
    /// The message's `msg_type`.
    pub fn msg_type(&self) -> MsgType {
        self.body.msg_type()
    }
}

/// Type-specific payload of a [`Message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// `HELLO {"capabilities": [...], "pow": {...}}`.
    Hello(Hello),
    /// `GET_PEERS {"max_peers": n}`.
    GetPeers {
        /// How many peers the asker wants at most.
        max_peers: u32,
    },
    /// `PEERS_LIST {"peers": [{"node_id", "addr"}]}`.
    PeersList {
        /// The peers offered.
        peers: Vec<PeerInfo>,
    },
    /// `GOSSIP {"topic", "data", "origin_id", "origin_timestamp_ms"}`.
    Gossip(Arc<Gossip>),
    /// `PING {"ping_id", "seq"}`.
    Ping(Ping),
    /// `PONG {"ping_id", "seq"}`, echoing the ping.
    Pong(Ping),
    /// `IHAVE {"ids": [...], "max_ids": n}`.
    IHave {
        /// Recent gossip ids the sender holds.
        ids: Vec<MsgId>,
        /// The sender's `ihave_max_ids`.
        max_ids: u32,
    },
    /// `IWANT {"ids": [...]}`.
    IWant {
        /// Gossip ids the sender asks for.
        ids: Vec<MsgId>,
    },
    /// `GRAFT {"ids": [...]}` (Plumtree): send me these, and push eagerly to me.
    Graft {
        /// Gossip ids the sender missed.
        ids: Vec<MsgId>,
    },
    /// `PRUNE {"origin": id}` (Plumtree): push gossips of `origin` to me
    /// lazily from now on; without `origin`, gossips of every origin.
    Prune {
        /// The origin whose tree this link leaves; `None` for every tree.
        origin: Option<NodeId>,
    },
}

impl Body {
    /// The `msg_type` this payload belongs to.
    pub fn msg_type(&self) -> MsgType {
        match self {
            Body::Hello(_) => MsgType::Hello,
            Body::GetPeers { .. } => MsgType::GetPeers,
            Body::PeersList { .. } => MsgType::PeersList,
            Body::Gossip(_) => MsgType::Gossip,
            Body::Ping(_) => MsgType::Ping,
            Body::Pong(_) => MsgType::Pong,
            Body::IHave { .. } => MsgType::IHave,
            Body::IWant { .. } => MsgType::IWant,
            Body::Graft { .. } => MsgType::Graft,
            Body::Prune { .. } => MsgType::Prune,
        }
    }
}

/// HELLO payload.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hello {
    /// What the sender speaks: the original sends `["udp", "json"]`; a node
    /// running Plumtree adds [`CAP_PLUMTREE`]. Shared: a node sends the same
    /// list in every HELLO, and a clone must not copy the strings.
    pub capabilities: Arc<[String]>,
    /// Proof of work, present when the sender runs with `pow_k > 0`. Boxed:
    /// it is the largest part of any message, and most HELLOs and every
    /// other message do without it (a [`Message`] is 128 bytes, not 176).
    pub pow: Option<Box<PowProof>>,
}

/// A proof of work as carried in HELLO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowProof {
    /// Hash algorithm; only `"sha256"` is accepted.
    pub hash_alg: String,
    /// Leading zero hex digits the prover claims.
    pub difficulty_k: u32,
    /// The nonce found.
    pub nonce: u64,
    /// SHA-256 of node id followed by the nonce in decimal, lowercase hex.
    pub digest_hex: String,
}

/// One entry of a PEERS_LIST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerInfo {
    /// The peer's id.
    pub node_id: NodeId,
    /// The peer's address.
    pub addr: SocketAddr,
}

/// GOSSIP payload; identical on every hop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gossip {
    /// Topic; the original defaults it to `"news"`.
    pub topic: String,
    /// The rumour itself.
    pub data: String,
    /// The node that published it.
    pub origin_id: NodeId,
    /// When it was published, epoch milliseconds.
    pub origin_timestamp_ms: u64,
}

/// PING and PONG payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ping {
    /// Opaque id chosen by the pinger, echoed by the PONG.
    pub ping_id: String,
    /// Sequence number, echoed by the PONG.
    pub seq: u64,
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Messages are moved by value through every node's queues and the
    /// simulator's event heap: two cache lines, not three.
    #[test]
    fn a_message_is_two_cache_lines() {
        assert!(std::mem::size_of::<super::Message>() <= 128);
    }
}
