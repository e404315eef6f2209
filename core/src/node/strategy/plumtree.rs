//! Plumtree (Leitão, Pereira, Rodrigues, "Epidemic Broadcast Trees", SRDS
//! 2007): the payload goes eagerly along a spanning tree and ids go lazily
//! along every other link.
//!
//! - Every peer starts eager. A new gossip goes to all eager peers; its id is
//!   queued for the next lazy round, an IHAVE to every lazy peer.
//! - A duplicate means two tree paths: the sender becomes lazy and gets a
//!   PRUNE, which makes us lazy at its end too. So the eager links shrink to
//!   a tree.
//! - An id announced (IHAVE) but not received within `graft_timeout` means
//!   the tree broke: we send GRAFT to an announcer, which answers with the
//!   payload and turns the link eager again; the tree repairs itself.
//! - The ttl does not stop a Plumtree node's eager push (tree paths can
//!   be longer than a ttl that suits push); it still counts hops, and never
//!   drops below 1 on the wire.
//! - Peers that do not advertise [`CAP_PLUMTREE`](crate::message::CAP_PLUMTREE)
//!   in HELLO (the original, push and hybrid nodes) are always eager and are
//!   never sent PRUNE, GRAFT or lazy IHAVE, so mixed clusters deliver
//!   everything.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::codec::MAX_LIST;
use crate::id::{MsgId, NodeId};
use crate::message::{Body, Gossip, Message};
use crate::node::output::Event;
use crate::node::repository::Repository;
use crate::node::timers::Timer;
use crate::node::Ctx;
use crate::peers::PeerTable;
use crate::time::Time;

use super::Arrival;

/// Most announced-but-missing gossips tracked; the oldest is given up first.
pub const MAX_MISSING: usize = 4_096;
/// Announcers remembered per missing gossip (GRAFT goes to them in turn).
const MAX_ANNOUNCERS: usize = 4;

#[derive(Debug, Clone)]
struct Missing {
    announcers: VecDeque<(NodeId, SocketAddr)>,
    deadline: Time,
}

/// Plumtree's state: which peers are lazy, what to announce, what is missing.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plumtree {
    lazy: FxHashSet<NodeId>,
    /// Plumtree nodes that hold us in their tables while we do not hold
    /// them (full tables keep such one-sided links). Plumtree assumes
    /// symmetric links, so we push and announce to them too; an entry
    /// expires after `peer_timeout` without hearing from it.
    reverse: Vec<(NodeId, SocketAddr, Time)>,
    announce: Vec<MsgId>,
    missing: FxHashMap<MsgId, Missing>,
    missing_order: VecDeque<MsgId>,
}

impl Plumtree {
    /// Plumtree with every peer eager; arms the lazy round.
    pub(crate) fn new(cx: &mut Ctx<'_>) -> Plumtree {
        cx.timers
            .set(Timer::LazyPush, cx.now + cx.config.lazy_interval);
        Plumtree::default()
    }

    /// Every link of ours: table peers, then reverse neighbours not in the table.
    fn links<'p>(
        &'p self,
        peers: &'p PeerTable,
    ) -> impl Iterator<Item = (NodeId, SocketAddr)> + 'p {
        peers.iter().map(|p| (p.id, p.addr)).chain(
            self.reverse
                .iter()
                .filter(|(id, _, _)| peers.get(*id).is_none())
                .map(|&(id, addr, _)| (id, addr)),
        )
    }

    /// Remembers that Plumtree node `id` at `addr` spoke to us.
    fn heard(&mut self, peers: &PeerTable, id: NodeId, addr: SocketAddr, now: Time, limit: usize) {
        if peers.get(id).is_some() || !peers.speaks_plumtree(id) {
            return;
        }
        if let Some(entry) = self.reverse.iter_mut().find(|(r, _, _)| *r == id) {
            *entry = (id, addr, now);
            return;
        }
        if self.reverse.len() >= limit {
            if let Some(oldest) = self
                .reverse
                .iter()
                .enumerate()
                .min_by_key(|(_, r)| r.2)
                .map(|(i, _)| i)
            {
                self.reverse.swap_remove(oldest);
            }
        }
        self.reverse.push((id, addr, now));
    }

    pub(super) fn on_publish(
        &mut self,
        cx: &mut Ctx<'_>,
        peers: &PeerTable,
        id: MsgId,
        gossip: &Arc<Gossip>,
    ) {
        self.eager_push(cx, peers, id, None, cx.config.ttl, gossip);
        self.queue_announcement(id);
    }

    pub(super) fn on_delivered(&mut self, cx: &mut Ctx<'_>, peers: &PeerTable, a: &Arrival<'_>) {
        self.heard(
            peers,
            a.from,
            a.from_addr,
            cx.now,
            cx.config.peer_limit as usize,
        );
        self.missing.remove(&a.id);
        // The link the payload came over is part of the tree.
        self.lazy.remove(&a.from);
        // The tree, not the ttl, bounds Plumtree (each node pushes a gossip
        // once, along tree links): tree paths between two nodes can be longer
        // than any ttl that suits push. The ttl still counts hops down, and
        // never below 1 on the wire, so push peers deliver and stop.
        let ttl = a.ttl.saturating_sub(1).max(1);
        self.eager_push(cx, peers, a.id, Some(a.from), ttl, a.gossip);
        self.queue_announcement(a.id);
    }

    /// A second copy: its sender's link is redundant. It gets a PRUNE if it
    /// speaks Plumtree, in our table or not (it may hold us while our table
    /// is full).
    pub(super) fn on_duplicate(
        &mut self,
        cx: &mut Ctx<'_>,
        peers: &PeerTable,
        from: NodeId,
        from_addr: SocketAddr,
    ) {
        if peers.speaks_plumtree(from) && self.lazy.insert(from) {
            cx.out.send(cx.rng, cx.now, from_addr, 0, Body::Prune);
        }
    }

    /// A PRUNE (which only a Plumtree node sends): push to it lazily.
    pub(super) fn on_prune(&mut self, peers: &PeerTable, from: NodeId) {
        if peers.get(from).is_some() || self.reverse.iter().any(|r| r.0 == from) {
            self.lazy.insert(from);
        }
    }

    /// A lazy announcement: missing ids wait `graft_timeout` for the eager
    /// copy before we GRAFT. From a peer that does not speak Plumtree it is
    /// the original's IHAVE and gets an IWANT.
    pub(super) fn on_ihave(
        &mut self,
        cx: &mut Ctx<'_>,
        peers: &PeerTable,
        repo: &mut Repository,
        msg: &Message,
        ids: &[MsgId],
    ) {
        if !peers.speaks_plumtree(msg.sender_id) {
            return super::ask_for_unseen(cx, repo, msg, ids);
        }
        self.heard(
            peers,
            msg.sender_id,
            msg.sender_addr,
            cx.now,
            cx.config.peer_limit as usize,
        );
        let announcer = (msg.sender_id, msg.sender_addr);
        let deadline = cx.now + cx.config.graft_timeout;
        let mut added = false;
        for &id in ids {
            if repo.seen.contains(id) {
                continue;
            }
            if let Some(m) = self.missing.get_mut(&id) {
                if m.announcers.len() < MAX_ANNOUNCERS && !m.announcers.contains(&announcer) {
                    m.announcers.push_back(announcer);
                }
                continue;
            }
            if self.missing_order.len() >= MAX_MISSING {
                if let Some(old) = self.missing_order.pop_front() {
                    self.missing.remove(&old);
                }
            }
            self.missing.insert(
                id,
                Missing {
                    announcers: VecDeque::from([announcer]),
                    deadline,
                },
            );
            self.missing_order.push_back(id);
            added = true;
        }
        let armed_earlier = cx.timers.get(Timer::Graft).is_some_and(|at| at <= deadline);
        if added && !armed_earlier {
            cx.timers.set(Timer::Graft, deadline);
        }
    }

    pub(super) fn on_graft(
        &mut self,
        cx: &mut Ctx<'_>,
        repo: &mut Repository,
        msg: &Message,
        ids: &[MsgId],
        known: bool,
    ) {
        // A reverse neighbour holds us in its table: we announced to it, so
        // its GRAFT is answered like a peer's.
        let known = known || self.reverse.iter().any(|r| r.0 == msg.sender_id);
        if known {
            self.lazy.remove(&msg.sender_id);
        }
        repo.serve(cx, msg, ids, known, true);
    }

    pub(super) fn on_timeout(&mut self, cx: &mut Ctx<'_>, peers: &PeerTable) {
        if cx.timers.take_due(Timer::LazyPush, cx.now) {
            cx.timers
                .set(Timer::LazyPush, cx.now + cx.config.lazy_interval);
            self.lazy_round(cx, peers);
        }
        if cx.timers.take_due(Timer::Graft, cx.now) {
            self.graft_round(cx);
        }
    }

    // ----- internals -------------------------------------------------------

    fn eager_push(
        &mut self,
        cx: &mut Ctx<'_>,
        peers: &PeerTable,
        id: MsgId,
        except: Option<NodeId>,
        ttl: u32,
        gossip: &Arc<Gossip>,
    ) {
        let mut count = 0u32;
        for (peer, addr) in self.links(peers) {
            if Some(peer) == except || self.lazy.contains(&peer) {
                continue;
            }
            cx.out
                .send_with_id(cx.now, addr, id, ttl, Body::Gossip(gossip.clone()));
            count += 1;
        }
        if count > 0 {
            cx.out.emit(Event::Forwarded { id, to: count, ttl });
        }
    }

    fn queue_announcement(&mut self, id: MsgId) {
        if self.announce.len() < MAX_LIST {
            self.announce.push(id);
        }
    }

    /// One IHAVE with every id received since the last round to every lazy peer.
    fn lazy_round(&mut self, cx: &mut Ctx<'_>, peers: &PeerTable) {
        let (now, timeout) = (cx.now, cx.config.peer_timeout);
        self.reverse
            .retain(|r| now.saturating_since(r.2) <= timeout);
        let reverse = &self.reverse;
        self.lazy.retain(|id| {
            peers.get(*id).is_some()
                || peers.speaks_plumtree(*id)
                || reverse.iter().any(|r| r.0 == *id)
        });
        if self.lazy.len() > crate::peers::MAX_PLUMTREE_IDS {
            self.lazy.retain(|id| peers.get(*id).is_some());
        }
        if self.announce.is_empty() {
            return;
        }
        let ids = std::mem::take(&mut self.announce);
        let max_ids = cx.config.ihave_max_ids;
        let lazy: Vec<SocketAddr> = self
            .links(peers)
            .filter(|(id, _)| self.lazy.contains(id))
            .map(|(_, addr)| addr)
            .collect();
        for addr in lazy {
            let body = Body::IHave {
                ids: ids.clone(),
                max_ids,
            };
            cx.out.send(cx.rng, cx.now, addr, 0, body);
        }
    }

    /// GRAFTs every announced gossip whose eager copy is overdue, from its
    /// next announcer; that link turns eager.
    fn graft_round(&mut self, cx: &mut Ctx<'_>) {
        let now = cx.now;
        let mut grafts: Vec<((NodeId, SocketAddr), Vec<MsgId>)> = Vec::new();
        let mut done = Vec::new();
        for (&id, m) in self.missing.iter_mut() {
            if m.deadline > now {
                continue;
            }
            match m.announcers.pop_front() {
                Some(announcer) => {
                    match grafts.iter_mut().find(|(a, _)| *a == announcer) {
                        Some((_, ids)) => ids.push(id),
                        None => grafts.push((announcer, vec![id])),
                    }
                    m.deadline = now + cx.config.graft_timeout;
                }
                None => done.push(id),
            }
        }
        for id in done {
            self.missing.remove(&id);
        }
        self.missing_order
            .retain(|id| self.missing.contains_key(id));
        // Deterministic order whatever the hash map's iteration order.
        grafts.sort_by_key(|((node, _), _)| *node);
        for ((node, addr), mut ids) in grafts {
            ids.sort_unstable();
            self.lazy.remove(&node);
            cx.out.send(cx.rng, now, addr, 0, Body::Graft { ids });
        }
        self.arm_graft(cx);
    }

    fn arm_graft(&self, cx: &mut Ctx<'_>) {
        match self.missing.values().map(|m| m.deadline).min() {
            Some(at) => cx.timers.set(Timer::Graft, at),
            None => cx.timers.stop(Timer::Graft),
        }
    }
}
