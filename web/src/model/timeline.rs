//! A recorded run rebuilt for the canvas: its nodes, the peer links they
//! reported, every datagram (a send matched to its receive, or lost) and
//! every publication and delivery, as steps in time order.
//!
//! Records come in (nearly) time order: the replay sorts what it read, the
//! live view gets them as nodes report them. A send is matched to the first
//! unmatched receive with the same sender address, receiver address, type
//! and `msg_id`; a send never matched is a lost datagram.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;

use gossip_core::events::{EventLine, Record};
use gossip_core::sim::{TraceKind, TraceRecord};
use gossip_core::{MsgId, MsgType, NodeId};

/// Marks a receiver that is not known (yet).
pub const UNKNOWN: u32 = u32::MAX;
/// Highest node index of a simulator trace the replay accepts.
pub const MAX_SIM_NODES: u32 = 100_000;

/// One datagram.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Datagram {
    /// Sender index.
    pub from: u32,
    /// Receiver index ([`UNKNOWN`] when its address is nobody's yet).
    pub to: u32,
    /// Message type.
    pub kind: MsgType,
    /// Send time, µs since the start.
    pub sent_us: u64,
    /// Arrival time, µs since the start; `None` while unmatched (lost, once
    /// the whole run is read).
    pub arrive_us: Option<u64>,
}

/// What happened at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StepKind {
    /// A node wrote its first record (or the simulator started it).
    Join(u32),
    /// A node stopped (or crashed).
    Stop(u32),
    /// A node restarted.
    Restart(u32),
    /// Node `from` added (`up`) or dropped a peer `to`.
    Link {
        /// The node whose table changed.
        from: u32,
        /// The peer.
        to: u32,
        /// Added or removed.
        up: bool,
    },
    /// A datagram left (index into [`Timeline::datagrams`]).
    Send(u32),
    /// A gossip was published (index into [`Timeline::gossips`]).
    Publish(u32),
    /// A node got a gossip for the first time.
    Deliver {
        /// The node.
        node: u32,
        /// The gossip's index.
        gossip: u32,
    },
}

/// One step at `t_us` µs since the start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// When.
    pub t_us: u64,
    /// What.
    pub kind: StepKind,
}

/// A node of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeMeta {
    /// Its id (for a simulator trace, its index).
    pub id: NodeId,
    /// Its advertised address, when recorded.
    pub addr: Option<SocketAddr>,
}

/// A gossip of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct GossipMeta {
    /// Its id.
    pub id: MsgId,
    /// Who published it, when recorded.
    pub origin: Option<u32>,
    /// When it was published (or first seen), µs since the start.
    pub published_us: u64,
    /// Deliveries `(µs since the start, node)` in time order.
    pub deliveries: Vec<(u64, u32)>,
}

type MatchKey = (SocketAddr, SocketAddr, MsgType, MsgId);

/// The rebuilt run.
#[derive(Debug, Default)]
pub struct Timeline {
    nodes: Vec<NodeMeta>,
    joined: Vec<bool>,
    by_id: HashMap<NodeId, u32>,
    by_addr: HashMap<SocketAddr, u32>,
    steps: Vec<Step>,
    datagrams: Vec<Datagram>,
    unmatched: HashMap<MatchKey, VecDeque<u32>>,
    gossips: Vec<GossipMeta>,
    by_gossip: HashMap<MsgId, u32>,
    /// Absolute time of the start, in the records' unit (µs).
    origin_us: Option<u64>,
    end_us: u64,
    /// Lowest step index inserted before the end since it was last taken.
    rewound: Option<usize>,
    talked: std::collections::HashSet<(u32, u32)>,
}

impl Timeline {
    /// An empty run.
    pub fn new() -> Timeline {
        Timeline::default()
    }

    /// The nodes, by index.
    pub fn nodes(&self) -> &[NodeMeta] {
        &self.nodes
    }

    /// The steps, in time order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Every datagram, in send order.
    pub fn datagrams(&self) -> &[Datagram] {
        &self.datagrams
    }

    /// Every gossip, in order of first appearance.
    pub fn gossips(&self) -> &[GossipMeta] {
        &self.gossips
    }

    /// The index of node `id`.
    pub fn node_index(&self, id: NodeId) -> Option<u32> {
        self.by_id.get(&id).copied()
    }

    /// The index of gossip `id`.
    pub fn gossip_index(&self, id: MsgId) -> Option<u32> {
        self.by_gossip.get(&id).copied()
    }

    /// Time of the last step, µs since the start.
    pub fn end_us(&self) -> u64 {
        self.end_us
    }

    /// The start, in the records' absolute µs (epoch µs for real nodes).
    pub fn origin_us(&self) -> Option<u64> {
        self.origin_us
    }

    /// The lowest step index a late record was inserted at since the last
    /// call: a player that had passed it must replay from the start.
    pub fn take_rewound(&mut self) -> Option<usize> {
        self.rewound.take()
    }

    /// Datagrams not matched to a receive.
    pub fn unmatched(&self) -> usize {
        self.unmatched.values().map(VecDeque::len).sum()
    }

    /// Registers a real node's id and address (before its records are
    /// added, so that sends to it resolve); returns its index.
    pub fn node(&mut self, id: NodeId, addr: Option<SocketAddr>) -> u32 {
        if let Some(&i) = self.by_id.get(&id) {
            if let (Some(a), None) = (addr, self.nodes[i as usize].addr) {
                self.nodes[i as usize].addr = Some(a);
                self.by_addr.insert(a, i);
            }
            return i;
        }
        let i = self.nodes.len() as u32;
        self.nodes.push(NodeMeta { id, addr });
        self.joined.push(false);
        self.by_id.insert(id, i);
        if let Some(a) = addr {
            self.by_addr.entry(a).or_insert(i);
        }
        i
    }

    fn at(&mut self, abs_us: u64) -> u64 {
        let origin = *self.origin_us.get_or_insert(abs_us);
        let t = abs_us.saturating_sub(origin);
        self.end_us = self.end_us.max(t);
        t
    }

    /// Adds a step, keeping time order (a late record is moved back).
    fn push(&mut self, t_us: u64, kind: StepKind) {
        let step = Step { t_us, kind };
        match self.steps.last() {
            Some(last) if last.t_us > t_us => {
                let at = self.steps.partition_point(|s| s.t_us <= t_us);
                self.steps.insert(at, step);
                self.rewound = Some(self.rewound.map_or(at, |r| r.min(at)));
            }
            _ => self.steps.push(step),
        }
    }

    fn join(&mut self, t: u64, node: u32) {
        if let Some(j) = self.joined.get_mut(node as usize) {
            if !*j {
                *j = true;
                self.push(t, StepKind::Join(node));
            }
        }
    }

    fn gossip(&mut self, id: MsgId, t: u64) -> u32 {
        if let Some(&g) = self.by_gossip.get(&id) {
            return g;
        }
        let g = self.gossips.len() as u32;
        self.gossips.push(GossipMeta {
            id,
            origin: None,
            published_us: t,
            deliveries: Vec::new(),
        });
        self.by_gossip.insert(id, g);
        g
    }

    fn deliver(&mut self, t: u64, node: u32, g: u32) {
        let list = &mut self.gossips[g as usize].deliveries;
        let at = list.partition_point(|d| d.0 <= t);
        list.insert(at, (t, node));
        let meta = &mut self.gossips[g as usize];
        meta.published_us = meta.published_us.min(t);
        self.push(t, StepKind::Deliver { node, gossip: g });
    }

    /// Adds one `--events` record.
    pub fn add_event(&mut self, line: &EventLine) {
        let me = self.node(line.node, Some(line.addr));
        let t = self.at(line.ts_us);
        self.join(t, me);
        match &line.record {
            Record::Send {
                msg_type,
                msg_id,
                to,
                ..
            } => {
                let d = self.datagrams.len() as u32;
                self.datagrams.push(Datagram {
                    from: me,
                    to: self.by_addr.get(to).copied().unwrap_or(UNKNOWN),
                    kind: *msg_type,
                    sent_us: t,
                    arrive_us: None,
                });
                self.unmatched
                    .entry((line.addr, *to, *msg_type, *msg_id))
                    .or_default()
                    .push_back(d);
                self.push(t, StepKind::Send(d));
            }
            Record::Recv {
                msg_type,
                msg_id,
                from,
                ..
            } => {
                let key = (*from, line.addr, *msg_type, *msg_id);
                if let Some(queue) = self.unmatched.get_mut(&key) {
                    if let Some(d) = queue.pop_front() {
                        let dg = &mut self.datagrams[d as usize];
                        dg.arrive_us = Some(t.max(dg.sent_us));
                        dg.to = me;
                    }
                    if queue.is_empty() {
                        self.unmatched.remove(&key);
                    }
                }
            }
            Record::PeerAdded { peer_addr, .. } => self.link(t, me, *peer_addr, true),
            Record::PeerEvicted { peer_addr, .. } | Record::PeerRemoved { peer_addr, .. } => {
                self.link(t, me, *peer_addr, false)
            }
            Record::Published { msg_id, .. } => {
                let g = self.gossip(*msg_id, t);
                let meta = &mut self.gossips[g as usize];
                meta.origin = Some(me);
                meta.published_us = t;
                self.push(t, StepKind::Publish(g));
            }
            Record::Delivered { msg_id, .. } => {
                let g = self.gossip(*msg_id, t);
                self.deliver(t, me, g);
            }
            Record::Stopped { .. } => self.push(t, StepKind::Stop(me)),
            _ => {}
        }
    }

    fn link(&mut self, t: u64, from: u32, peer: SocketAddr, up: bool) {
        if let Some(&to) = self.by_addr.get(&peer) {
            if to != from {
                self.push(t, StepKind::Link { from, to, up });
            }
        }
    }

    /// The index of simulator node `i`, registering it and every lower
    /// index; `None` beyond [`MAX_SIM_NODES`] (and for the trace's marker
    /// of an address outside the simulation).
    fn sim_node(&mut self, i: u32) -> Option<u32> {
        if i >= MAX_SIM_NODES {
            return None;
        }
        while self.nodes.len() <= i as usize {
            let n = self.nodes.len() as u128;
            self.node(NodeId(n), None);
        }
        Some(i)
    }

    /// Adds one `gossip sim --trace` record. The trace has no peer tables:
    /// two nodes are linked once a datagram passed between them.
    pub fn add_trace(&mut self, r: &TraceRecord) {
        let t = self.at(r.t_us);
        match &r.kind {
            TraceKind::Join { node } => {
                if let Some(n) = self.sim_node(*node) {
                    self.join(t, n);
                }
            }
            TraceKind::Send {
                from,
                to,
                msg_type,
                arrive_us,
                ..
            } => self.sim_datagram(t, *from, *to, *msg_type, Some(*arrive_us)),
            TraceKind::Drop {
                from, to, msg_type, ..
            } => self.sim_datagram(t, *from, *to, *msg_type, None),
            TraceKind::Publish { node, id } => {
                let Some(n) = self.sim_node(*node) else {
                    return;
                };
                let g = self.gossip(*id, t);
                let meta = &mut self.gossips[g as usize];
                meta.origin = Some(n);
                meta.published_us = t;
                self.push(t, StepKind::Publish(g));
            }
            TraceKind::Deliver { node, id, .. } => {
                let Some(n) = self.sim_node(*node) else {
                    return;
                };
                let g = self.gossip(*id, t);
                self.deliver(t, n, g);
            }
            TraceKind::Crash { node } => {
                if let Some(n) = self.sim_node(*node) {
                    self.push(t, StepKind::Stop(n));
                }
            }
            TraceKind::Restart { node } => {
                if let Some(n) = self.sim_node(*node) {
                    self.push(t, StepKind::Restart(n));
                }
            }
            _ => {}
        }
    }

    fn sim_datagram(&mut self, t: u64, from: u32, to: u32, kind: MsgType, arrive: Option<u64>) {
        let Some(from) = self.sim_node(from) else {
            return;
        };
        let to = self.sim_node(to).unwrap_or(UNKNOWN);
        self.join(t, from);
        if from != to && to != UNKNOWN && self.talked.insert((from.min(to), from.max(to))) {
            self.push(t, StepKind::Link { from, to, up: true });
            self.push(
                t,
                StepKind::Link {
                    from: to,
                    to: from,
                    up: true,
                },
            );
        }
        let origin = self.origin_us.unwrap_or(0);
        let d = self.datagrams.len() as u32;
        self.datagrams.push(Datagram {
            from,
            to,
            kind,
            sent_us: t,
            arrive_us: arrive.map(|a| a.saturating_sub(origin).max(t)),
        });
        self.push(t, StepKind::Send(d));
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use gossip_core::events::line;
    use gossip_core::Time;

    use super::*;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    fn ev(us: u64, node: u128, record: Record) -> EventLine {
        line(
            Time::from_micros(1_000_000 + us),
            NodeId(node),
            addr(9000 + node as u16),
            record,
        )
    }

    fn send(us: u64, from: u128, to: u128, id: u128) -> EventLine {
        ev(
            us,
            from,
            Record::Send {
                msg_type: MsgType::Gossip,
                msg_id: MsgId(id),
                to: addr(9000 + to as u16),
                ttl: 3,
                bytes: 10,
            },
        )
    }

    fn recv(us: u64, at: u128, from: u128, id: u128) -> EventLine {
        ev(
            us,
            at,
            Record::Recv {
                msg_type: MsgType::Gossip,
                msg_id: MsgId(id),
                from: addr(9000 + from as u16),
                sender_id: NodeId(from),
                ttl: 3,
                bytes: 10,
            },
        )
    }

    #[test]
    fn sends_match_receives_and_the_rest_are_lost() {
        let mut t = Timeline::new();
        for n in 1..=3 {
            t.node(NodeId(n), Some(addr(9000 + n as u16)));
        }
        // Two copies 1 -> 2 (the second lost), one 1 -> 3.
        for l in [
            send(0, 1, 2, 7),
            send(5, 1, 3, 7),
            recv(10, 2, 1, 7),
            send(20, 1, 2, 7),
            recv(30, 3, 1, 7),
        ] {
            t.add_event(&l);
        }
        let d = t.datagrams();
        assert_eq!(d.len(), 3);
        assert_eq!((d[0].to, d[0].arrive_us), (1, Some(10)));
        assert_eq!((d[1].to, d[1].arrive_us), (2, Some(30)));
        assert_eq!((d[2].to, d[2].arrive_us), (1, None));
        assert_eq!(t.unmatched(), 1);
        assert!(t.steps().windows(2).all(|w| w[0].t_us <= w[1].t_us));
    }

    #[test]
    fn a_late_record_is_put_back_in_time_order() {
        let mut t = Timeline::new();
        t.add_event(&send(0, 1, 2, 7));
        t.add_event(&send(50, 1, 2, 8));
        t.add_event(&ev(
            20,
            2,
            Record::Delivered {
                msg_id: MsgId(7),
                from: NodeId(1),
                origin_id: NodeId(1),
                origin_timestamp_ms: 1_000,
                hops: 1,
                pulled: false,
                topic: "t".into(),
                data: "d".into(),
            },
        ));
        let times: Vec<u64> = t.steps().iter().map(|s| s.t_us).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
        assert_eq!(t.gossips()[0].deliveries, vec![(20, 1)]);
    }
}
