//! Plumtree (Leitão, Pereira, Rodrigues, "Epidemic Broadcast Trees", SRDS
//! 2007): the payload goes eagerly along a spanning tree and ids go lazily
//! along every other link.
//!
//! - One tree per origin, as in the paper's discussion of several senders
//!   and in Riak's plumtree: with one shared tree, concurrent broadcasts from
//!   different origins prune different links of the same cycle and cut the
//!   tree apart, so GRAFT ends up doing the delivering. A link is eager or
//!   lazy for each origin's gossips separately.
//! - A new origin's tree starts from the trees in use: the most recently
//!   used one and every tree used within `graft_timeout` before it. A link
//!   is lazy only if it is lazy in all of them. One broadcast at a time thus
//!   reuses the last tree (no duplicates from the second broadcast on);
//!   under concurrent broadcasts it starts from the union of the spanning
//!   trees in use, which is connected, so it delivers everything eagerly
//!   while it prunes down to its own tree.
//! - A new gossip goes to the links eager in its origin's tree; its id is
//!   queued for the next lazy round, an IHAVE to every link lazy in that tree.
//! - A duplicate means two tree paths: its sender becomes lazy in the
//!   origin's tree and gets a PRUNE naming the origin, which makes us lazy at
//!   its end too.
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

use rustc_hash::FxHashMap;

use crate::codec::MAX_LIST;
use crate::id::{MsgId, NodeId};
use crate::message::{Body, Gossip, Message};
use crate::node::output::Event;
use crate::node::repository::Repository;
use crate::node::timers::Timer;
use crate::node::Ctx;
use crate::peers::PeerTable;
use core::time::Duration;

use crate::time::Time;

use super::Arrival;

/// Most announced-but-missing gossips tracked; the oldest is given up first.
pub const MAX_MISSING: usize = 4_096;
/// Most origins whose trees a node keeps. The least recently used is
/// forgotten first; its next gossip starts a tree from the others, which
/// costs a few duplicates and never a delivery, so a stranger who invents
/// origins cannot cut honest gossip off.
pub const MAX_TREES: usize = 64;
/// Announcers remembered per missing gossip (GRAFT goes to them in turn).
const MAX_ANNOUNCERS: usize = 4;

#[derive(Debug, Clone)]
struct Missing {
    announcers: VecDeque<(NodeId, SocketAddr)>,
    deadline: Time,
}

/// The links that push one origin's gossips lazily, sorted. Trees that
/// agree share one allocation (copy on write), so a thousand nodes that
/// reuse one tree for every origin hold one list each.
type LazySet = Arc<Vec<NodeId>>;

fn is_lazy(set: &LazySet, id: NodeId) -> bool {
    set.binary_search(&id).is_ok()
}

/// Makes `id` lazy in `set`; whether it was eager.
fn make_lazy(set: &mut LazySet, id: NodeId) -> bool {
    match set.binary_search(&id) {
        Ok(_) => false,
        Err(at) => {
            Arc::make_mut(set).insert(at, id);
            true
        }
    }
}

/// Makes `id` eager in `set`.
fn make_eager(set: &mut LazySet, id: NodeId) {
    if let Ok(at) = set.binary_search(&id) {
        Arc::make_mut(set).remove(at);
    }
}

/// One origin's tree as this node sees it.
#[derive(Debug, Clone)]
struct Tree {
    lazy: LazySet,
    /// When a gossip of this origin last passed through us.
    used: Time,
}

/// Plumtree's state: each origin's lazy links, what to announce, what is missing.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plumtree {
    trees: FxHashMap<NodeId, Tree>,
    /// Plumtree nodes that hold us in their tables while we do not hold
    /// them (full tables keep such one-sided links). Plumtree assumes
    /// symmetric links, so we push and announce to them too; an entry
    /// expires after `peer_timeout` without hearing from it.
    reverse: Vec<(NodeId, SocketAddr, Time)>,
    /// Ids to announce in the next lazy round, with their origins.
    announce: Vec<(MsgId, NodeId)>,
    missing: FxHashMap<MsgId, Missing>,
    missing_order: VecDeque<MsgId>,
}

impl Plumtree {
    /// Plumtree with every link eager; arms the lazy round.
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

    /// Whether `id` is one of our links.
    fn is_link(&self, peers: &PeerTable, id: NodeId) -> bool {
        peers.get(id).is_some() || self.reverse.iter().any(|r| r.0 == id)
    }

    /// The lazy links of `origin`'s tree, which is created if new (see the
    /// module's documentation) and marked as used at `now`.
    fn tree(&mut self, origin: NodeId, now: Time, window: Duration) -> &mut LazySet {
        if !self.trees.contains_key(&origin) {
            if self.trees.len() >= MAX_TREES {
                let oldest = self.trees.iter().map(|(o, t)| (t.used, *o)).min();
                if let Some((_, oldest)) = oldest {
                    self.trees.remove(&oldest);
                }
            }
            let lazy = self.lazy_in_use(window);
            self.trees.insert(origin, Tree { lazy, used: now });
        }
        let tree = self.trees.get_mut(&origin).expect("inserted above");
        tree.used = now;
        &mut tree.lazy
    }

    /// The links lazy in every tree in use: the most recently used tree and
    /// those used within `window` before it (none when we hold no tree).
    fn lazy_in_use(&self, window: Duration) -> LazySet {
        let Some(latest) = self.trees.values().map(|t| t.used).max() else {
            return LazySet::default();
        };
        let mut in_use = self
            .trees
            .values()
            .filter(|t| t.used + window >= latest)
            .map(|t| &t.lazy);
        let mut agreed = in_use.next().expect("the latest tree is in use").clone();
        for lazy in in_use {
            if !Arc::ptr_eq(&agreed, lazy) && *agreed != **lazy {
                Arc::make_mut(&mut agreed).retain(|id| is_lazy(lazy, *id));
            }
        }
        agreed
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
        self.queue_announcement(id, gossip.origin_id);
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
        // The link the payload came over is part of the origin's tree.
        make_eager(
            self.tree(a.gossip.origin_id, cx.now, cx.config.graft_timeout),
            a.from,
        );
        // The tree, not the ttl, bounds Plumtree (each node pushes a gossip
        // once, along tree links): tree paths between two nodes can be longer
        // than any ttl that suits push. The ttl still counts hops down, and
        // never below 1 on the wire, so push peers deliver and stop.
        let ttl = a.ttl.saturating_sub(1).max(1);
        self.eager_push(cx, peers, a.id, Some(a.from), ttl, a.gossip);
        self.queue_announcement(a.id, a.gossip.origin_id);
    }

    /// A second copy of a gossip of `origin`: its sender's link is redundant
    /// in that origin's tree. It gets a PRUNE if it speaks Plumtree, in our
    /// table or not (it may hold us while our table is full).
    pub(super) fn on_duplicate(
        &mut self,
        cx: &mut Ctx<'_>,
        peers: &PeerTable,
        origin: NodeId,
        from: NodeId,
        from_addr: SocketAddr,
    ) {
        if peers.speaks_plumtree(from)
            && make_lazy(self.tree(origin, cx.now, cx.config.graft_timeout), from)
        {
            let body = Body::Prune {
                origin: Some(origin),
            };
            cx.out.send(cx.rng, cx.now, from_addr, 0, body);
        }
    }

    /// A PRUNE (which only a Plumtree node sends): push `origin`'s gossips to
    /// it lazily, or every origin's when it names none.
    pub(super) fn on_prune(
        &mut self,
        cx: &Ctx<'_>,
        peers: &PeerTable,
        from: NodeId,
        origin: Option<NodeId>,
    ) {
        if !self.is_link(peers, from) {
            return;
        }
        match origin {
            Some(origin) => {
                make_lazy(self.tree(origin, cx.now, cx.config.graft_timeout), from);
            }
            None => {
                for tree in self.trees.values_mut() {
                    make_lazy(&mut tree.lazy, from);
                }
            }
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

    /// A GRAFT: the sender missed these gossips; it gets them, and the link
    /// turns eager in their origins' trees.
    pub(super) fn on_graft(
        &mut self,
        cx: &mut Ctx<'_>,
        peers: &PeerTable,
        repo: &mut Repository,
        msg: &Message,
        ids: &[MsgId],
        known: bool,
    ) {
        // A reverse neighbour holds us in its table: we announced to it, so
        // its GRAFT is answered like a peer's.
        let known = known || self.is_link(peers, msg.sender_id);
        if known {
            for &id in ids.iter().take(cx.config.ihave_max_ids as usize) {
                if let Some(gossip) = repo.store.get(id) {
                    let origin = gossip.origin_id;
                    let tree = self.tree(origin, cx.now, cx.config.graft_timeout);
                    make_eager(tree, msg.sender_id);
                }
            }
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
        let lazy = self
            .tree(gossip.origin_id, cx.now, cx.config.graft_timeout)
            .clone();
        let mut count = 0u32;
        for (peer, addr) in self.links(peers) {
            if Some(peer) == except || is_lazy(&lazy, peer) {
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

    fn queue_announcement(&mut self, id: MsgId, origin: NodeId) {
        if self.announce.len() < MAX_LIST {
            self.announce.push((id, origin));
        }
    }

    /// Forgets lazy marks of nodes that are no longer links, in every tree.
    fn forget_gone(&mut self, peers: &PeerTable) {
        let reverse = &self.reverse;
        let keep = |id: &NodeId| {
            peers.get(*id).is_some()
                || peers.speaks_plumtree(*id)
                || reverse.iter().any(|r| r.0 == *id)
        };
        for tree in self.trees.values_mut() {
            if tree.lazy.len() > crate::peers::MAX_PLUMTREE_IDS {
                Arc::make_mut(&mut tree.lazy).retain(|id| peers.get(*id).is_some());
            } else if !tree.lazy.iter().all(keep) {
                Arc::make_mut(&mut tree.lazy).retain(keep);
            }
        }
    }

    /// One IHAVE to every link that is lazy in the tree of at least one id
    /// received since the last round, with exactly those ids.
    fn lazy_round(&mut self, cx: &mut Ctx<'_>, peers: &PeerTable) {
        let (now, timeout) = (cx.now, cx.config.peer_timeout);
        self.reverse
            .retain(|r| now.saturating_since(r.2) <= timeout);
        self.forget_gone(peers);
        if self.announce.is_empty() {
            return;
        }
        let announce = std::mem::take(&mut self.announce);
        // Each announced origin's lazy links; a forgotten tree announces to every link.
        let mut lazy_of: Vec<(NodeId, Option<LazySet>)> = Vec::new();
        for &(_, origin) in &announce {
            if !lazy_of.iter().any(|(o, _)| *o == origin) {
                let lazy = self.trees.get(&origin).map(|t| t.lazy.clone());
                lazy_of.push((origin, lazy));
            }
        }
        let max_ids = cx.config.ihave_max_ids;
        let links: Vec<(NodeId, SocketAddr)> = self.links(peers).collect();
        for (link, addr) in links {
            if !peers.speaks_plumtree(link) {
                continue;
            }
            let lazy_here = |origin: NodeId| {
                lazy_of
                    .iter()
                    .find(|(o, _)| *o == origin)
                    .is_some_and(|(_, lazy)| lazy.as_ref().is_none_or(|l| is_lazy(l, link)))
            };
            let ids: Vec<MsgId> = announce
                .iter()
                .filter(|(_, origin)| lazy_here(*origin))
                .map(|(id, _)| *id)
                .collect();
            if !ids.is_empty() {
                cx.out
                    .send(cx.rng, cx.now, addr, 0, Body::IHave { ids, max_ids });
            }
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
        crate::order::sort_by_key(&mut grafts, |((node, _), _)| *node);
        for ((_, addr), mut ids) in grafts {
            crate::order::sort(&mut ids);
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
