//! Everything a node hands back to its driver, in one place: the transmit
//! and event queues (bounded; what overflows is counted) and the counters.

use std::collections::VecDeque;
use std::net::SocketAddr;

use crate::codec;
use crate::error::RejectReason;
use crate::id::{MsgId, NodeId};
use crate::message::{Body, Message, MsgType};
use crate::rng::NodeRng;
use crate::time::Time;

use super::output::{Event, Stats, Transmit};

/// Largest number of queued transmits or events before new ones are dropped.
pub const MAX_QUEUED: usize = 1 << 16;

/// The queues and counters of one node, and what it signs its messages with.
#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    id: NodeId,
    addr: SocketAddr,
    pub(crate) transmits: VecDeque<Transmit>,
    pub(crate) events: VecDeque<Event>,
    pub(crate) stats: Stats,
}

impl Outbox {
    /// Empty queues for the node `id` reached at `addr`.
    pub(crate) fn new(id: NodeId, addr: SocketAddr) -> Outbox {
        Outbox {
            id,
            addr,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            stats: Stats::default(),
        }
    }

    /// Asks the processor to fetch the queues and the counters a received
    /// gossip touches ([`crate::prefetch`]).
    pub(crate) fn prefetch(&self) {
        crate::prefetch::value(&self.transmits);
        crate::prefetch::value(&self.events);
        crate::prefetch::value(&self.stats.received[MsgType::Gossip]);
        crate::prefetch::value(&self.stats.sent[MsgType::Gossip]);
        crate::prefetch::value(&self.stats.delivered);
    }

    /// The node's id.
    pub(crate) fn id(&self) -> NodeId {
        self.id
    }

    /// The address the node advertises.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A message from this node.
    pub(crate) fn message(&self, now: Time, msg_id: MsgId, ttl: u32, body: Body) -> Message {
        Message {
            msg_id,
            sender_id: self.id,
            sender_addr: self.addr,
            timestamp_ms: now.as_millis(),
            ttl,
            body,
        }
    }

    /// Sends `body` under a fresh message id.
    pub(crate) fn send(
        &mut self,
        rng: &mut NodeRng,
        now: Time,
        to: SocketAddr,
        ttl: u32,
        body: Body,
    ) {
        let id = MsgId::random(rng);
        self.send_with_id(now, to, id, ttl, body);
    }

    /// Sends `body` under `msg_id` (a gossip keeps its id on every hop).
    pub(crate) fn send_with_id(
        &mut self,
        now: Time,
        to: SocketAddr,
        msg_id: MsgId,
        ttl: u32,
        body: Body,
    ) {
        let message = self.message(now, msg_id, ttl, body);
        self.queue(to, message);
    }

    /// Queues a built message.
    pub(crate) fn queue(&mut self, to: SocketAddr, message: Message) {
        if self.transmits.len() >= MAX_QUEUED {
            self.stats.overflowed += 1;
            return;
        }
        self.stats.sent[message.msg_type()] += 1;
        self.transmits.push_back(Transmit { to, message });
    }

    /// Frees the drained transmit queue's buffer. A node holds no buffers
    /// between inputs, so a million simulated nodes do not each keep one,
    /// and the next input's buffer is the one another node just freed
    /// (already in cache).
    pub(crate) fn release_transmits(&mut self) {
        if self.transmits.capacity() > 0 {
            self.transmits = VecDeque::new();
        }
    }

    /// Frees the drained event queue's buffer (see [`Outbox::release_transmits`]).
    pub(crate) fn release_events(&mut self) {
        if self.events.capacity() > 0 {
            self.events = VecDeque::new();
        }
    }

    /// Reports an event.
    pub(crate) fn emit(&mut self, event: Event) {
        if self.events.len() >= MAX_QUEUED {
            self.stats.overflowed += 1;
            return;
        }
        self.events.push_back(event);
    }

    /// Counts and reports a refused input.
    pub(crate) fn reject(&mut self, from: SocketAddr, reason: RejectReason, detail: String) {
        self.stats.rejected.count(reason);
        self.emit(Event::Rejected {
            from,
            reason,
            detail,
        });
    }

    /// Encoded size of `message`, counted without encoding it.
    pub(crate) fn measure(&self, message: &Message) -> usize {
        codec::encoded_len(message)
    }
}
