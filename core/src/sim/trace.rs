//! The simulator's trace: compact records the browser animates, tests hash,
//! `gossip sim --trace` writes as JSON Lines and the browser lab replays.

use std::io;

use serde::{Deserialize, Serialize};

mod decode;

use crate::error::RejectReason;
use crate::id::MsgId;
use crate::message::MsgType;

/// One thing that happened at `t_us` microseconds after the run started.
/// Serde reads it through a flat form (see `decode.rs`), not through the
/// derived tagged enum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceRecord {
    /// Microseconds since the start of the run.
    pub t_us: u64,
    /// What happened.
    #[serde(flatten)]
    pub kind: TraceKind,
}

/// Why the network dropped a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Random loss (global or on that link).
    Loss,
    /// Sender and receiver are in different partitions.
    Partition,
    /// The receiver was down when the datagram arrived.
    NodeDown,
    /// The destination address is not a node of the simulation.
    Unroutable,
    /// The receiver's queue was full (the processing model's
    /// [`MAX_WAITING`](super::MAX_WAITING) datagrams, a socket buffer).
    Overflow,
}

/// The kinds of trace records. Node fields are node indices.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "ev", rename_all = "snake_case")]
pub enum TraceKind {
    /// A node started.
    Join {
        /// The node.
        node: u32,
    },
    /// A datagram left `from`; it arrives at `arrive_us`.
    Send {
        /// Sender.
        from: u32,
        /// Receiver.
        to: u32,
        /// Message type.
        msg_type: MsgType,
        /// Gossip id, for GOSSIP.
        #[serde(skip_serializing_if = "Option::is_none")]
        gossip: Option<MsgId>,
        /// Encoded size (0 in fast mode).
        bytes: u32,
        /// Arrival time, microseconds since the start.
        arrive_us: u64,
    },
    /// The network dropped a datagram.
    Drop {
        /// Sender.
        from: u32,
        /// Receiver.
        to: u32,
        /// Message type.
        msg_type: MsgType,
        /// Gossip id, for GOSSIP.
        #[serde(skip_serializing_if = "Option::is_none")]
        gossip: Option<MsgId>,
        /// Why.
        reason: DropReason,
    },
    /// A node published a gossip.
    Publish {
        /// The node.
        node: u32,
        /// The gossip.
        id: MsgId,
    },
    /// A node received a gossip for the first time.
    Deliver {
        /// The node.
        node: u32,
        /// The gossip.
        id: MsgId,
        /// Hops travelled (estimated from ttl).
        hops: u32,
        /// Whether it came through IHAVE/IWANT.
        pulled: bool,
        /// The node whose datagram delivered it (who first informed
        /// `node`), `None` for an address outside the simulation. Kept out
        /// of the JSON form, so traces and their pinned hash are unchanged;
        /// the browser lab draws dissemination trees from it.
        #[serde(skip)]
        from: Option<u32>,
    },
    /// A node received a gossip it already had.
    Duplicate {
        /// The node.
        node: u32,
        /// The gossip.
        id: MsgId,
    },
    /// A node refused input.
    Reject {
        /// The node.
        node: u32,
        /// Why.
        reason: RejectReason,
    },
    /// A node's timer fired.
    Timer {
        /// The node.
        node: u32,
    },
    /// A node crashed.
    Crash {
        /// The node.
        node: u32,
    },
    /// A node restarted.
    Restart {
        /// The node.
        node: u32,
    },
    /// The network split into `groups` groups.
    Partition {
        /// Number of groups.
        groups: u32,
    },
    /// Partitions ended.
    Heal,
}

/// FNV-1a over the JSON form of each record: identical on every platform.
#[derive(Debug, Clone, Copy)]
pub struct TraceHasher(u64);

impl Default for TraceHasher {
    fn default() -> TraceHasher {
        TraceHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl TraceHasher {
    /// Adds one record.
    pub fn add(&mut self, record: &TraceRecord) {
        // Serializing plain data into this writer cannot fail.
        let _ = serde_json::to_writer(&mut *self, record);
    }

    /// The hash so far.
    pub fn finish(&self) -> u64 {
        self.0
    }
}

impl io::Write for TraceHasher {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for b in buf {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Hash of a whole trace.
pub fn hash(records: &[TraceRecord]) -> u64 {
    let mut h = TraceHasher::default();
    for r in records {
        h.add(r);
    }
    h.finish()
}
