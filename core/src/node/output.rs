//! What a node hands back to its driver: datagrams to send, events to report,
//! and counters.

use core::time::Duration;
use std::net::SocketAddr;
use std::sync::Arc;

use serde::Serialize;

use crate::error::RejectReason;
use crate::id::{MsgId, NodeId};
use crate::message::{Gossip, Message, MsgType, PerType};

/// A message the driver must send to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Destination address.
    pub to: SocketAddr,
    /// The message; encode it with [`crate::codec::encode`] (or
    /// [`Node::poll_datagram`](crate::Node::poll_datagram) does it for you).
    pub message: Message,
}

/// Something that happened inside a node, for logs, traces and metrics.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// HELLO and GET_PEERS went to the bootstrap address.
    BootstrapSent {
        /// Attempt number, from 1.
        attempt: u32,
        /// The bootstrap address.
        to: SocketAddr,
    },
    /// The node learnt its first peer and stopped retrying bootstrap.
    Joined {
        /// Peers known at that point.
        peers: usize,
    },
    /// Every bootstrap attempt went unanswered.
    BootstrapFailed {
        /// Attempts made.
        attempts: u32,
    },
    /// A peer entered the table.
    PeerAdded {
        /// The peer.
        id: NodeId,
        /// Its address.
        addr: SocketAddr,
        /// The message through which we learnt it.
        via: MsgType,
    },
    /// A peer was pushed out of a full table to make room.
    PeerEvicted {
        /// The peer.
        id: NodeId,
        /// Its address.
        addr: SocketAddr,
    },
    /// A peer was removed for being silent longer than `peer_timeout`.
    PeerRemoved {
        /// The peer.
        id: NodeId,
        /// Its address.
        addr: SocketAddr,
        /// How long it had been silent.
        silent_for: Duration,
    },
    /// A HELLO carried a valid proof of work.
    PowAccepted {
        /// The prover.
        id: NodeId,
        /// Its claimed difficulty.
        difficulty_k: u32,
    },
    /// This node published a new gossip.
    Published {
        /// The gossip's id.
        id: MsgId,
        /// The gossip.
        gossip: Arc<Gossip>,
    },
    /// A gossip reached this node for the first time.
    Delivered {
        /// The gossip's id.
        id: MsgId,
        /// The gossip.
        gossip: Arc<Gossip>,
        /// Who sent us this copy.
        from: NodeId,
        /// Estimated hops travelled: our `ttl` minus the copy's `ttl`, plus one.
        hops: u32,
        /// Whether it came as an answer to our IWANT (pull) rather than a push.
        pulled: bool,
    },
    /// A gossip we had already seen arrived again.
    Duplicate {
        /// The gossip's id.
        id: MsgId,
        /// Who sent this copy.
        from: NodeId,
    },
    /// A gossip was forwarded.
    Forwarded {
        /// The gossip's id.
        id: MsgId,
        /// Peers it went to.
        to: u32,
        /// The `ttl` of the forwarded copies.
        ttl: u32,
    },
    /// A PONG answered one of our pings.
    PongReceived {
        /// The peer.
        from: NodeId,
        /// Round-trip time.
        rtt: Duration,
    },
    /// Input was refused; the node's state is unchanged.
    Rejected {
        /// Where the datagram came from.
        from: SocketAddr,
        /// The counter it was filed under.
        reason: RejectReason,
        /// Human-readable detail.
        detail: String,
    },
}

/// Counters of one node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Messages queued for sending, by type.
    pub sent: PerType,
    /// Messages decoded (or handed in), by type.
    pub received: PerType,
    /// Bytes of datagrams encoded by [`Node::poll_datagram`](crate::Node::poll_datagram).
    pub bytes_sent: u64,
    /// Bytes of datagrams handed to [`Node::handle_datagram`](crate::Node::handle_datagram).
    pub bytes_received: u64,
    /// Inputs refused, by reason.
    pub rejected: PerReason,
    /// Gossips delivered for the first time.
    pub delivered: u64,
    /// Gossips received again.
    pub duplicates: u64,
    /// Gossips published here.
    pub published: u64,
    /// Outputs dropped because a driver did not drain its queues.
    pub overflowed: u64,
}

impl Stats {
    /// Messages sent of one type.
    pub fn sent_of(&self, t: MsgType) -> u64 {
        self.sent[t]
    }

    /// Messages received of one type.
    pub fn received_of(&self, t: MsgType) -> u64 {
        self.received[t]
    }

    /// Inputs refused for one reason.
    pub fn rejected_for(&self, r: RejectReason) -> u64 {
        self.rejected.get(r)
    }

    /// All messages sent.
    pub fn total_sent(&self) -> u64 {
        self.sent.total()
    }

    /// All inputs refused.
    pub fn total_rejected(&self) -> u64 {
        self.rejected.total()
    }
}

/// One counter per [`RejectReason`], allocated at the first refusal: most
/// nodes never refuse anything, and a simulated node is kept small.
/// Serialized as the array of counts in [`RejectReason::ALL`] order.
#[derive(Debug, Clone, Default)]
pub struct PerReason(Option<Box<[u64; RejectReason::COUNT]>>);

impl PerReason {
    /// The count for one reason.
    pub fn get(&self, r: RejectReason) -> u64 {
        self.0.as_ref().map_or(0, |counts| counts[r.index()])
    }

    /// Counts one more refusal for `r`.
    pub(crate) fn count(&mut self, r: RejectReason) {
        self.0.get_or_insert_with(Box::default)[r.index()] += 1;
    }

    /// Every reason with its count, in [`RejectReason::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (RejectReason, u64)> + '_ {
        RejectReason::ALL.into_iter().map(|r| (r, self.get(r)))
    }

    /// The sum over all reasons.
    pub fn total(&self) -> u64 {
        self.0.as_ref().map_or(0, |counts| counts.iter().sum())
    }
}

impl PartialEq for PerReason {
    /// Equal counts, whether or not either side has allocated them.
    fn eq(&self, other: &PerReason) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for PerReason {}

impl Serialize for PerReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut seq = s.serialize_tuple(RejectReason::COUNT)?;
        for (_, n) in self.iter() {
            seq.serialize_element(&n)?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// Refusal counters allocate at the first refusal and read, compare and
    /// serialize as the plain array they replace.
    #[test]
    fn refusal_counters_read_as_an_array() {
        let mut counts = PerReason::default();
        assert_eq!(
            serde_json::to_string(&counts).unwrap(),
            format!("[{}0]", "0,".repeat(RejectReason::COUNT - 1))
        );
        counts.count(RejectReason::TooLargeToForward);
        counts.count(RejectReason::TooLargeToForward);
        assert_eq!(counts.get(RejectReason::TooLargeToForward), 2);
        assert_eq!(counts.total(), 2);
        let json = serde_json::to_string(&counts).unwrap();
        assert_eq!(json, format!("[{}2]", "0,".repeat(RejectReason::COUNT - 1)));
        let zero = PerReason(Some(Box::default()));
        assert_eq!(zero, PerReason::default());
        assert_ne!(counts, zero);
    }
}
