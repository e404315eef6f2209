//! The `--events` file of real nodes: one JSON object per line for every
//! send, receive, delivery, peer change and rejection, so an analysis tool
//! can rebuild each gossip's spread (who had it when, over how many hops, at
//! what message cost). The UDP node writes it, `gossip analyze` and the
//! browser lab's replay read it; [`EventMetrics`] turns it into the
//! [`Collector`]'s reports for all of them.
//!
//! Every line has `ts_ms` (epoch milliseconds), `ts_us` (epoch microseconds,
//! for sub-millisecond loopback latencies), `node` (the writing node's id),
//! `addr` (its advertised address) and `event` (the record kind below, in
//! snake_case), followed by that kind's fields. Gossip-related records carry
//! `msg_id`, the gossip's id, which is the same on every node and every hop.
//!
//! ```text
//! {"ts_ms":1700000000123,"ts_us":1700000000123456,"node":"9f..","addr":"127.0.0.1:9000","event":"send","msg_type":"GOSSIP","msg_id":"3a..","to":"127.0.0.1:9001","ttl":7,"bytes":301}
//! ```
//!
//! A gossip counts from its `published` record. When the publisher's file is
//! missing (an original Python node, or a node nobody recorded), it counts
//! from the `origin_timestamp_ms` its deliveries carry.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;

use serde::Serialize;

mod decode;

use crate::metrics::{Collector, GossipReport};
use crate::{Event, MsgId, MsgType, NodeId, Stats, Time};

/// One line of the events file. Serde reads it through a flat form (see
/// `decode.rs`), not through the derived tagged enum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventLine {
    /// When it happened, epoch milliseconds.
    pub ts_ms: u64,
    /// When it happened, epoch microseconds.
    pub ts_us: u64,
    /// The node that wrote the line.
    pub node: NodeId,
    /// That node's advertised address.
    pub addr: SocketAddr,
    /// What happened.
    #[serde(flatten)]
    pub record: Record,
}

/// What happened, tagged by `event`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Record {
    /// The node started with these parameters.
    Started {
        /// The dissemination strategy: `push`, `hybrid`, `plumtree` or `pull`.
        mode: String,
        /// Fanout.
        fanout: u32,
        /// Initial ttl of new gossips.
        ttl: u32,
        /// Peer table limit.
        peer_limit: u32,
        /// Required proof-of-work difficulty.
        pow_k: u32,
        /// Bootstrap address, if any.
        bootstrap: Option<SocketAddr>,
    },
    /// A datagram was sent.
    Send {
        /// Its type.
        msg_type: MsgType,
        /// Its `msg_id` (for GOSSIP, the gossip's id).
        msg_id: MsgId,
        /// Destination.
        to: SocketAddr,
        /// Its `ttl`.
        ttl: u32,
        /// Encoded size.
        bytes: usize,
    },
    /// A datagram was received and decoded (it may still be rejected after).
    Recv {
        /// Its type.
        msg_type: MsgType,
        /// Its `msg_id`.
        msg_id: MsgId,
        /// The address it really came from.
        from: SocketAddr,
        /// Its claimed sender.
        sender_id: NodeId,
        /// Its `ttl`.
        ttl: u32,
        /// Datagram size.
        bytes: usize,
    },
    /// HELLO and GET_PEERS went to the bootstrap address.
    BootstrapSent {
        /// Attempt number, from 1.
        attempt: u32,
        /// Bootstrap address.
        to: SocketAddr,
    },
    /// The node learnt its first peer.
    Joined {
        /// Peers known then.
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
        peer: NodeId,
        /// Its address.
        peer_addr: SocketAddr,
        /// The message type through which it was learnt.
        via: MsgType,
    },
    /// A peer was evicted from a full table.
    PeerEvicted {
        /// The peer.
        peer: NodeId,
        /// Its address.
        peer_addr: SocketAddr,
    },
    /// A peer was removed for silence.
    PeerRemoved {
        /// The peer.
        peer: NodeId,
        /// Its address.
        peer_addr: SocketAddr,
        /// How long it had been silent, ms.
        silent_ms: u64,
    },
    /// A joiner's proof of work verified.
    PowAccepted {
        /// The joiner.
        peer: NodeId,
        /// Its difficulty.
        difficulty_k: u32,
    },
    /// This node solved its own proof of work.
    PowSolved {
        /// The nonce found.
        nonce: u64,
        /// Difficulty solved.
        difficulty_k: u32,
        /// Wall time spent, ms.
        elapsed_ms: f64,
        /// Hashes per second.
        hash_rate: f64,
    },
    /// This node published a gossip.
    Published {
        /// The gossip id.
        msg_id: MsgId,
        /// Its topic.
        topic: String,
        /// Its data.
        data: String,
    },
    /// A gossip arrived here for the first time.
    Delivered {
        /// The gossip id.
        msg_id: MsgId,
        /// The peer that sent this copy.
        from: NodeId,
        /// The publisher.
        origin_id: NodeId,
        /// When it was published, epoch ms (the publisher's clock).
        origin_timestamp_ms: u64,
        /// Hops travelled.
        hops: u32,
        /// Whether it came through IWANT.
        pulled: bool,
        /// Its topic.
        topic: String,
        /// Its data.
        data: String,
    },
    /// A gossip arrived again.
    Duplicate {
        /// The gossip id.
        msg_id: MsgId,
        /// The peer that sent this copy.
        from: NodeId,
    },
    /// A gossip was forwarded.
    Forwarded {
        /// The gossip id.
        msg_id: MsgId,
        /// Copies sent.
        copies: u32,
        /// Their ttl.
        ttl: u32,
    },
    /// A PONG answered our PING.
    Pong {
        /// The peer.
        from: NodeId,
        /// Round-trip time, microseconds.
        rtt_us: u64,
    },
    /// Input was refused.
    Rejected {
        /// Real source address.
        from: SocketAddr,
        /// Snake_case reason (e.g. `not_json`, `spoofed_sender`, `pow_missing`).
        reason: String,
        /// Human-readable detail.
        detail: String,
    },
    /// The node stopped; its totals.
    Stopped {
        /// Messages sent.
        sent: u64,
        /// Messages received and decoded.
        received: u64,
        /// Gossips delivered.
        delivered: u64,
        /// Gossips published.
        published: u64,
        /// Duplicate gossips received.
        duplicates: u64,
        /// Inputs rejected.
        rejected: u64,
        /// Records `--report-to` had dropped by then (observer slow, gone
        /// or unreachable); absent without `--report-to`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        report_dropped: Option<u64>,
    },
}

impl Record {
    /// The record for a core event.
    pub fn from_event(event: &Event) -> Record {
        match event {
            Event::BootstrapSent { attempt, to } => Record::BootstrapSent {
                attempt: *attempt,
                to: *to,
            },
            Event::Joined { peers } => Record::Joined { peers: *peers },
            Event::BootstrapFailed { attempts } => Record::BootstrapFailed {
                attempts: *attempts,
            },
            Event::PeerAdded { id, addr, via } => Record::PeerAdded {
                peer: *id,
                peer_addr: *addr,
                via: *via,
            },
            Event::PeerEvicted { id, addr } => Record::PeerEvicted {
                peer: *id,
                peer_addr: *addr,
            },
            Event::PeerRemoved {
                id,
                addr,
                silent_for,
            } => Record::PeerRemoved {
                peer: *id,
                peer_addr: *addr,
                silent_ms: u64::try_from(silent_for.as_millis()).unwrap_or(u64::MAX),
            },
            Event::PowAccepted { id, difficulty_k } => Record::PowAccepted {
                peer: *id,
                difficulty_k: *difficulty_k,
            },
            Event::Published { id, gossip } => Record::Published {
                msg_id: *id,
                topic: gossip.topic.clone(),
                data: gossip.data.clone(),
            },
            Event::Delivered {
                id,
                gossip,
                from,
                hops,
                pulled,
            } => Record::Delivered {
                msg_id: *id,
                from: *from,
                origin_id: gossip.origin_id,
                origin_timestamp_ms: gossip.origin_timestamp_ms,
                hops: *hops,
                pulled: *pulled,
                topic: gossip.topic.clone(),
                data: gossip.data.clone(),
            },
            Event::Duplicate { id, from } => Record::Duplicate {
                msg_id: *id,
                from: *from,
            },
            Event::Forwarded { id, to, ttl } => Record::Forwarded {
                msg_id: *id,
                copies: *to,
                ttl: *ttl,
            },
            Event::PongReceived { from, rtt } => Record::Pong {
                from: *from,
                rtt_us: u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX),
            },
            Event::Rejected {
                from,
                reason,
                detail,
            } => Record::Rejected {
                from: *from,
                reason: reason.as_str().to_owned(),
                detail: detail.clone(),
            },
        }
    }

    /// The closing record for a node's counters, with the records
    /// `--report-to` dropped when it reports.
    pub fn stopped(stats: &Stats, report_dropped: Option<u64>) -> Record {
        Record::Stopped {
            sent: stats.total_sent(),
            received: stats.received.total(),
            delivered: stats.delivered,
            published: stats.published,
            duplicates: stats.duplicates,
            rejected: stats.total_rejected(),
            report_dropped,
        }
    }
}

/// Builds a line stamped with `now`.
pub fn line(now: Time, node: NodeId, addr: SocketAddr, record: Record) -> EventLine {
    EventLine {
        ts_ms: now.as_millis(),
        ts_us: now.as_micros(),
        node,
        addr,
        record,
    }
}

/// One gossip seen in the events, with its metrics.
#[derive(Debug, Clone, Serialize)]
pub struct Analysed {
    /// Its data (as published or delivered).
    pub data: String,
    /// Whether its `published` record was among the events (otherwise `t0`
    /// is the origin's timestamp, in whole milliseconds).
    pub publisher_recorded: bool,
    /// The metrics.
    pub report: GossipReport,
}

/// What the collector needs of one line.
#[derive(Debug, Clone, Copy)]
enum Step {
    Publish(MsgId),
    Send(MsgType, u32, Option<MsgId>),
    /// The gossip, its hops, and whether it came through IWANT.
    Deliver(MsgId, u32, bool),
    Duplicate(MsgId),
}

/// Event lines reduced to what core's [`Collector`] needs, fed one line at a
/// time (from files read in chunks, or a live stream) and replayed into a
/// collector in time order by [`EventMetrics::analyse`]. `gossip analyze`,
/// `gossip experiment --real` and the browser lab all measure through here,
/// so their figures agree on the same lines.
#[derive(Debug, Clone, Default)]
pub struct EventMetrics {
    steps: Vec<(Time, Step)>,
    data: HashMap<MsgId, String>,
    published: BTreeSet<MsgId>,
    /// Earliest sign of each gossip whose publisher left no record.
    origin_at: HashMap<MsgId, Time>,
    nodes: BTreeSet<NodeId>,
}

impl EventMetrics {
    /// No lines yet.
    pub fn new() -> EventMetrics {
        EventMetrics::default()
    }

    /// Adds one line (any order: [`EventMetrics::analyse`] sorts).
    pub fn add(&mut self, l: &EventLine) {
        self.nodes.insert(l.node);
        let at = Time::from_micros(l.ts_us);
        match &l.record {
            Record::Published {
                msg_id, data: text, ..
            } => {
                self.published.insert(*msg_id);
                self.data.insert(*msg_id, text.clone());
                self.steps.push((at, Step::Publish(*msg_id)));
            }
            Record::Send {
                msg_type,
                msg_id,
                bytes,
                ..
            } => {
                let gossip = (*msg_type == MsgType::Gossip).then_some(*msg_id);
                let bytes = u32::try_from(*bytes).unwrap_or(u32::MAX);
                self.steps.push((at, Step::Send(*msg_type, bytes, gossip)));
            }
            Record::Delivered {
                msg_id,
                hops,
                pulled,
                origin_timestamp_ms,
                data: text,
                ..
            } => {
                self.data.entry(*msg_id).or_insert_with(|| text.clone());
                let origin = Time::from_millis(*origin_timestamp_ms).min(at);
                self.origin_at
                    .entry(*msg_id)
                    .and_modify(|t| *t = (*t).min(origin))
                    .or_insert(origin);
                self.steps
                    .push((at, Step::Deliver(*msg_id, *hops, *pulled)));
            }
            Record::Duplicate { msg_id, .. } => self.steps.push((at, Step::Duplicate(*msg_id))),
            _ => {}
        }
    }

    /// Nodes that wrote at least one line: the population `gossip analyze`
    /// assumes unless told otherwise.
    pub fn writers(&self) -> usize {
        self.nodes.len()
    }

    /// Replays the lines into a [`Collector`] over a population of
    /// `population` nodes and reports every gossip, in publication order.
    pub fn analyse(&self, population: u32) -> Vec<Analysed> {
        let mut steps = self.steps.clone();
        for (id, at) in &self.origin_at {
            if !self.published.contains(id) {
                steps.push((*at, Step::Publish(*id)));
            }
        }
        // Time order; at equal times a publication goes first.
        crate::order::sort_by_key(&mut steps, |(at, step)| {
            (*at, !matches!(step, Step::Publish(_)))
        });
        let mut collector = Collector::new();
        for (at, step) in steps {
            match step {
                Step::Publish(id) => collector.on_publish(at, id, population),
                Step::Send(msg_type, bytes, gossip) => {
                    collector.on_send(at, msg_type, bytes, gossip)
                }
                Step::Deliver(id, hops, pulled) => collector.on_deliver(at, id, hops, pulled),
                Step::Duplicate(id) => collector.on_duplicate(id),
            }
        }
        collector
            .gossip_ids()
            .iter()
            .filter_map(|id| {
                Some(Analysed {
                    data: self.data.get(id).cloned().unwrap_or_default(),
                    publisher_recorded: self.published.contains(id),
                    report: collector.report(*id)?,
                })
            })
            .collect()
    }
}

/// The reports of every gossip in `lines` over `population` nodes (see
/// [`EventMetrics`]).
pub fn analyse<'a>(
    lines: impl IntoIterator<Item = &'a EventLine>,
    population: u32,
) -> Vec<Analysed> {
    let mut m = EventMetrics::new();
    for l in lines {
        m.add(l);
    }
    m.analyse(population)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_round_trips_through_json() {
        let l = line(
            Time::from_micros(1_700_000_000_123_456),
            NodeId(7),
            "127.0.0.1:9000".parse().expect("addr"),
            Record::Send {
                msg_type: MsgType::Gossip,
                msg_id: MsgId(9),
                to: "127.0.0.1:9001".parse().expect("addr"),
                ttl: 7,
                bytes: 300,
            },
        );
        let text = serde_json::to_string(&l).expect("serializes");
        assert!(text.contains(r#""event":"send""#), "{text}");
        assert!(text.contains(r#""msg_type":"GOSSIP""#), "{text}");
        assert!(text.contains(r#""ts_ms":1700000000123"#), "{text}");
        let back: EventLine = serde_json::from_str(&text).expect("deserializes");
        assert_eq!(back, l);
    }
}
