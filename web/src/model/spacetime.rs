//! What the space-time diagram and the dissemination tree draw: every
//! datagram of a run as an arrow from its send to its receipt (or to where
//! it was lost), every first delivery of a gossip, and who first informed
//! whom. Filled from core's simulator trace ([`Recording::ingest`]); it has
//! no protocol knowledge of its own.

use std::collections::VecDeque;

use gossip_core::sim::{DropReason, TraceKind, TraceRecord};
use gossip_core::{MsgId, MsgType};

/// Most arrows kept (the oldest go first beyond this).
pub const MAX_ARROWS: usize = 60_000;
/// Most deliveries kept (the oldest go first beyond this).
pub const MAX_DELIVERIES: usize = 60_000;
/// Most publishes kept.
pub const MAX_PUBLISHES: usize = 1_000;
/// How far back a drop at the receiver (node down) looks for its send.
const MATCH_WINDOW: usize = 4_096;

/// One datagram: a send, and its receipt or loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arrow {
    /// Sender index.
    pub from: u32,
    /// Receiver index.
    pub to: u32,
    /// Message type.
    pub kind: MsgType,
    /// The gossip it carries (GOSSIP only).
    pub gossip: Option<MsgId>,
    /// Send time, µs since the start of the run.
    pub sent_us: u64,
    /// Arrival time, µs; for a datagram lost on the way, when it would have
    /// arrived at the nominal latency (the diagram cuts it half way).
    pub arrive_us: u64,
    /// Why the network dropped it, `None` when it arrived.
    pub lost: Option<DropReason>,
}

/// A node received a gossip for the first time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delivery {
    /// The node.
    pub node: u32,
    /// The gossip.
    pub id: MsgId,
    /// When, µs since the start of the run.
    pub t_us: u64,
    /// Who sent the copy that delivered it.
    pub from: Option<u32>,
    /// Hops the copy travelled.
    pub hops: u32,
}

/// A node published a gossip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Publish {
    /// The node.
    pub node: u32,
    /// The gossip.
    pub id: MsgId,
    /// When, µs since the start of the run.
    pub t_us: u64,
}

/// A run's datagrams, deliveries and publishes, bounded.
#[derive(Debug, Clone, Default)]
pub struct Recording {
    arrows: VecDeque<Arrow>,
    deliveries: VecDeque<Delivery>,
    publishes: VecDeque<Publish>,
    nominal_latency_us: u64,
    version: u64,
}

impl Recording {
    /// An empty recording; a lost datagram is drawn as if it would have
    /// taken `nominal_latency_ms`.
    pub fn new(nominal_latency_ms: f64) -> Recording {
        Recording {
            nominal_latency_us: (nominal_latency_ms.max(0.0) * 1_000.0) as u64,
            ..Recording::default()
        }
    }

    /// Changes the latency lost datagrams are drawn with.
    pub fn set_nominal_latency(&mut self, ms: f64) {
        self.nominal_latency_us = (ms.max(0.0) * 1_000.0) as u64;
    }

    /// Follows core's trace: sends, drops, deliveries and publishes.
    pub fn ingest(&mut self, records: &[TraceRecord]) {
        for r in records {
            self.add(r);
        }
    }

    fn add(&mut self, r: &TraceRecord) {
        match r.kind {
            TraceKind::Send {
                from,
                to,
                msg_type,
                gossip,
                arrive_us,
                ..
            } => self.push_arrow(Arrow {
                from,
                to,
                kind: msg_type,
                gossip,
                sent_us: r.t_us,
                arrive_us,
                lost: None,
            }),
            TraceKind::Drop {
                from,
                to,
                msg_type,
                gossip,
                reason: DropReason::NodeDown,
            } => {
                // Dropped on arrival: the send is already drawn; mark it.
                let window = self.arrows.len().saturating_sub(MATCH_WINDOW);
                if let Some(a) = self.arrows.range_mut(window..).rev().find(|a| {
                    a.from == from
                        && a.to == to
                        && a.kind == msg_type
                        && a.gossip == gossip
                        && a.arrive_us == r.t_us
                        && a.lost.is_none()
                }) {
                    a.lost = Some(DropReason::NodeDown);
                    self.version += 1;
                }
            }
            TraceKind::Drop {
                from,
                to,
                msg_type,
                gossip,
                reason,
            } if to != u32::MAX => self.push_arrow(Arrow {
                from,
                to,
                kind: msg_type,
                gossip,
                sent_us: r.t_us,
                arrive_us: r.t_us + self.nominal_latency_us,
                lost: Some(reason),
            }),
            TraceKind::Deliver {
                node,
                id,
                hops,
                from,
                ..
            } => {
                bounded_push(
                    &mut self.deliveries,
                    MAX_DELIVERIES,
                    Delivery {
                        node,
                        id,
                        t_us: r.t_us,
                        from,
                        hops,
                    },
                );
                self.version += 1;
            }
            TraceKind::Publish { node, id } => {
                bounded_push(
                    &mut self.publishes,
                    MAX_PUBLISHES,
                    Publish {
                        node,
                        id,
                        t_us: r.t_us,
                    },
                );
                self.version += 1;
            }
            _ => {}
        }
    }

    fn push_arrow(&mut self, a: Arrow) {
        bounded_push(&mut self.arrows, MAX_ARROWS, a);
        self.version += 1;
    }

    /// Every arrow kept, in send order.
    pub fn arrows(&self) -> &VecDeque<Arrow> {
        &self.arrows
    }

    /// Every first delivery kept, in time order.
    pub fn deliveries(&self) -> &VecDeque<Delivery> {
        &self.deliveries
    }

    /// Every publish kept, in time order.
    pub fn publishes(&self) -> &VecDeque<Publish> {
        &self.publishes
    }

    /// Bumped whenever something is added or marked.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The time of the last thing recorded (a send, an arrival or a
    /// delivery), µs; 0 when empty.
    pub fn last_us(&self) -> u64 {
        let arrows = self.arrows.iter().rev().take(256).map(|a| a.arrive_us);
        let deliveries = self.deliveries.back().map(|d| d.t_us);
        arrows.chain(deliveries).max().unwrap_or(0)
    }

    /// The dissemination tree of gossip `id` as recorded; `None` when its
    /// publish is not (or no longer) kept.
    pub fn tree(&self, id: MsgId) -> Option<Tree> {
        let origin = self.publishes.iter().rev().find(|p| p.id == id)?;
        // When each delivering copy left, by (parent, child, arrival).
        let mut sent: Vec<((u32, u32, u64), u64)> = self
            .arrows
            .iter()
            .filter(|a| a.gossip == Some(id) && a.lost.is_none())
            .map(|a| ((a.from, a.to, a.arrive_us), a.sent_us))
            .collect();
        gossip_core::order::sort(&mut sent);
        let sent_at = |key: (u32, u32, u64)| {
            sent.binary_search_by(|(k, _)| k.cmp(&key))
                .ok()
                .map(|i| sent[i].1)
        };
        let edges: Vec<Edge> = self
            .deliveries
            .iter()
            .filter(|d| d.id == id)
            .filter_map(|d| {
                let parent = d.from?;
                Some(Edge {
                    parent,
                    child: d.node,
                    sent_us: sent_at((parent, d.node, d.t_us)).unwrap_or(d.t_us),
                    t_us: d.t_us,
                    hops: d.hops,
                })
            })
            .collect();
        Some(Tree {
            id,
            origin: origin.node,
            published_us: origin.t_us,
            edges,
        })
    }
}

fn bounded_push<T>(q: &mut VecDeque<T>, cap: usize, item: T) {
    if q.len() >= cap {
        q.pop_front();
    }
    q.push_back(item);
}

/// One edge of a dissemination tree: `parent` first informed `child`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// Who sent the delivering copy.
    pub parent: u32,
    /// Who received it first from `parent`.
    pub child: u32,
    /// When the copy left `parent`, µs.
    pub sent_us: u64,
    /// When it was delivered, µs.
    pub t_us: u64,
    /// Hops it travelled from the origin.
    pub hops: u32,
}

/// Who first informed whom for one gossip: the first-delivery tree rooted at
/// its origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    /// The gossip.
    pub id: MsgId,
    /// The node that published it.
    pub origin: u32,
    /// When it was published, µs.
    pub published_us: u64,
    /// One edge per delivered node, in delivery order.
    pub edges: Vec<Edge>,
}

impl Tree {
    /// The last delivery (its edge and hop count): the tree's slowest leaf.
    pub fn last(&self) -> Option<&Edge> {
        self.edges.last()
    }

    /// Nodes informed (the origin included).
    pub fn informed(&self) -> usize {
        self.edges.len() + 1
    }

    /// The path from the origin to `node` through the tree, origin first;
    /// empty when `node` is not in it.
    pub fn path_to(&self, node: u32) -> Vec<u32> {
        let mut path = vec![node];
        let mut at = node;
        while at != self.origin {
            let Some(e) = self.edges.iter().find(|e| e.child == at) else {
                return Vec::new();
            };
            at = e.parent;
            if path.contains(&at) {
                return Vec::new();
            }
            path.push(at);
        }
        path.reverse();
        path
    }

    /// Whether `parent` → `child` is an edge of the tree.
    pub fn has_edge(&self, parent: u32, child: u32) -> bool {
        self.edges
            .iter()
            .any(|e| e.parent == parent && e.child == child)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::lab::Lab;
    use crate::model::params::Params;

    fn run_broadcast(params: Params) -> (Lab, MsgId) {
        let mut lab = Lab::new(params);
        lab.set_speed(10.0);
        let id = lab.publish_from(3).expect("node 3 runs");
        for _ in 0..200 {
            if lab.informed_count() == lab.len() as usize {
                break;
            }
            lab.advance(100.0, f64::INFINITY, || 0.0);
        }
        (lab, id)
    }

    #[test]
    fn a_broadcast_records_arrows_deliveries_and_a_spanning_tree() {
        let (lab, id) = run_broadcast(Params {
            nodes: 30,
            ..Params::default()
        });
        let rec = lab.recording();
        assert!(rec
            .arrows()
            .iter()
            .any(|a| a.kind == MsgType::Gossip && a.from == 3));
        assert!(rec
            .arrows()
            .iter()
            .all(|a| a.arrive_us >= a.sent_us && a.from != a.to));
        let tree = rec.tree(id).expect("published and kept");
        assert_eq!(tree.origin, 3);
        assert_eq!(tree.informed(), 30, "every node delivered once");
        let mut children: Vec<u32> = tree.edges.iter().map(|e| e.child).collect();
        children.sort_unstable();
        children.dedup();
        assert_eq!(children.len(), 29, "each node has one parent");
        for e in &tree.edges {
            assert!(e.sent_us < e.t_us, "a copy arrives after it left");
            let path = tree.path_to(e.child);
            assert_eq!(
                path.first(),
                Some(&3),
                "every node traces back to the origin"
            );
            assert_eq!(path.last(), Some(&e.child));
        }
        let last = tree.last().expect("a last delivery");
        assert!(tree.edges.iter().all(|e| e.t_us <= last.t_us));
        assert!(tree.has_edge(last.parent, last.child));
    }

    #[test]
    fn losses_become_cut_arrows() {
        let (lab, _) = run_broadcast(Params {
            nodes: 20,
            loss_pct: 30.0,
            ..Params::default()
        });
        let lost: Vec<&Arrow> = lab
            .recording()
            .arrows()
            .iter()
            .filter(|a| a.lost == Some(DropReason::Loss))
            .collect();
        assert!(!lost.is_empty(), "30 % loss drops something");
        let latency_us = (lab.params().latency_ms * 1_000.0) as u64;
        assert!(lost.iter().all(|a| a.arrive_us == a.sent_us + latency_us));
    }

    #[test]
    fn a_datagram_reaching_a_crashed_node_is_marked_lost() {
        let mut lab = Lab::new(Params {
            nodes: 10,
            ..Params::default()
        });
        lab.toggle_node(5);
        lab.set_speed(10.0);
        lab.publish_from(0);
        for _ in 0..100 {
            lab.advance(100.0, f64::INFINITY, || 0.0);
        }
        let to_five: Vec<&Arrow> = lab
            .recording()
            .arrows()
            .iter()
            .filter(|a| a.to == 5)
            .collect();
        assert!(!to_five.is_empty());
        assert!(to_five.iter().all(|a| a.lost == Some(DropReason::NodeDown)));
    }

    #[test]
    fn the_recording_is_bounded() {
        let mut rec = Recording::new(10.0);
        let records: Vec<TraceRecord> = (0..(MAX_ARROWS as u64 + 10))
            .map(|t| TraceRecord {
                t_us: t,
                kind: TraceKind::Send {
                    from: 0,
                    to: 1,
                    msg_type: MsgType::Ping,
                    gossip: None,
                    bytes: 0,
                    arrive_us: t + 5,
                },
            })
            .collect();
        rec.ingest(&records);
        assert_eq!(rec.arrows().len(), MAX_ARROWS);
        assert_eq!(rec.arrows().front().map(|a| a.sent_us), Some(10));
        assert_eq!(rec.last_us(), MAX_ARROWS as u64 + 9 + 5);
    }
}
