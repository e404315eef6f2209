//! Dissemination strategies: what a node does when it publishes, when a
//! gossip or an announcement reaches it, and on its own timers. One module
//! per strategy; [`Strategy`] dispatches to them, so neither the node's
//! membership nor any driver knows which one runs. `docs/ARCHITECTURE.md`
//! walks through adding one.

mod hybrid;
mod plumtree;
mod pull;
mod push;

use std::sync::Arc;

use crate::config::{Config, Mode};
use crate::id::{MsgId, NodeId};
use crate::message::{Gossip, Message};
use crate::peers::PeerTable;

use super::repository::Repository;
use super::timers::Timer;
use super::Ctx;

pub(crate) use plumtree::Plumtree;
pub use plumtree::{MAX_MISSING, MAX_TREES};

/// The dissemination part of a node.
#[derive(Debug, Clone)]
pub(crate) enum Strategy {
    /// The original's push: forward each new gossip to `fanout` random peers.
    Push,
    /// The original's hybrid: push, plus IHAVE/IWANT rounds that repair what push missed.
    Hybrid,
    /// Epidemic broadcast trees: eager push along a spanning tree, lazy IHAVE elsewhere.
    Plumtree(Box<Plumtree>),
    /// Anti-entropy pull: every round, ask one random peer for what we lack.
    Pull,
}

/// What a gossip that just arrived looked like.
pub(crate) struct Arrival<'a> {
    /// The gossip's id.
    pub(crate) id: MsgId,
    /// Who sent this copy.
    pub(crate) from: NodeId,
    /// Where it came from.
    pub(crate) from_addr: std::net::SocketAddr,
    /// Its `ttl`, clamped to ours.
    pub(crate) ttl: u32,
    /// The gossip.
    pub(crate) gossip: &'a Arc<Gossip>,
}

impl Strategy {
    /// The strategy `config.mode` names, with its timers armed.
    pub(crate) fn new(config: &Config, cx: &mut Ctx<'_>) -> Strategy {
        match config.mode {
            Mode::Push => Strategy::Push,
            Mode::Hybrid => {
                hybrid::arm(cx);
                Strategy::Hybrid
            }
            Mode::Plumtree => Strategy::Plumtree(Box::new(Plumtree::new(cx))),
            Mode::Pull => {
                pull::arm(cx);
                Strategy::Pull
            }
        }
    }

    /// Whether gossips this node sends in answer to IWANT go at the `ttl`
    /// it forwards them at, so the asker pushes them on (Plumtree: the asker
    /// joins the tree), rather than at `ttl` 1 (the original's pull, where
    /// the asker only delivers).
    pub(crate) fn answers_push_on(&self) -> bool {
        matches!(self, Strategy::Plumtree(_))
    }

    /// This node published `id`.
    pub(crate) fn on_publish(
        &mut self,
        cx: &mut Ctx<'_>,
        peers: &PeerTable,
        id: MsgId,
        gossip: &Arc<Gossip>,
    ) {
        match self {
            Strategy::Push | Strategy::Hybrid => {
                push::spread(cx, peers, id, None, cx.config.ttl, gossip)
            }
            Strategy::Plumtree(p) => p.on_publish(cx, peers, id, gossip),
            Strategy::Pull => {}
        }
    }

    /// A gossip reached this node for the first time (already delivered).
    pub(crate) fn on_delivered(&mut self, cx: &mut Ctx<'_>, peers: &PeerTable, a: &Arrival<'_>) {
        match self {
            Strategy::Push | Strategy::Hybrid => push::forward(cx, peers, a),
            Strategy::Plumtree(p) => p.on_delivered(cx, peers, a),
            Strategy::Pull => {}
        }
    }

    /// A gossip of `origin` arrived again, from `from` at `from_addr`.
    pub(crate) fn on_duplicate(
        &mut self,
        cx: &mut Ctx<'_>,
        peers: &PeerTable,
        origin: NodeId,
        from: NodeId,
        from_addr: std::net::SocketAddr,
    ) {
        if let Strategy::Plumtree(p) = self {
            p.on_duplicate(cx, peers, origin, from, from_addr);
        }
    }

    /// IHAVE: ids the sender holds.
    pub(crate) fn on_ihave(
        &mut self,
        cx: &mut Ctx<'_>,
        peers: &PeerTable,
        repo: &mut Repository,
        msg: &Message,
        ids: &[MsgId],
        known: bool,
    ) {
        match self {
            Strategy::Push | Strategy::Hybrid => ask_for_unseen(cx, repo, msg, ids),
            Strategy::Plumtree(p) => p.on_ihave(cx, peers, repo, msg, ids),
            Strategy::Pull => pull::on_digest(cx, repo, msg, ids, known),
        }
    }

    /// GRAFT (Plumtree): send me these, and push to me eagerly.
    pub(crate) fn on_graft(
        &mut self,
        cx: &mut Ctx<'_>,
        peers: &PeerTable,
        repo: &mut Repository,
        msg: &Message,
        ids: &[MsgId],
        known: bool,
    ) {
        if let Strategy::Plumtree(p) = self {
            p.on_graft(cx, peers, repo, msg, ids, known);
        }
    }

    /// PRUNE (Plumtree): push gossips of `origin` (of every origin if
    /// `None`) to me lazily.
    pub(crate) fn on_prune(
        &mut self,
        cx: &Ctx<'_>,
        peers: &PeerTable,
        from: NodeId,
        origin: Option<NodeId>,
    ) {
        if let Strategy::Plumtree(p) = self {
            p.on_prune(cx, peers, from, origin);
        }
    }

    /// Runs this strategy's timers that are due.
    pub(crate) fn on_timeout(
        &mut self,
        cx: &mut Ctx<'_>,
        peers: &PeerTable,
        repo: &mut Repository,
    ) {
        match self {
            Strategy::Push => {}
            Strategy::Hybrid => {
                if cx.timers.take_due(Timer::Pull, cx.now) {
                    hybrid::arm(cx);
                    hybrid::pull_round(cx, peers, repo);
                }
            }
            Strategy::Plumtree(p) => p.on_timeout(cx, peers),
            Strategy::Pull => {
                if cx.timers.take_due(Timer::Pull, cx.now) {
                    pull::arm(cx);
                    pull::round(cx, peers, repo);
                }
            }
        }
    }
}

/// Puts up to `k` distinct random peers' addresses, never `except`, at the
/// front of `cx.scratch` and returns how many: the one peer sampling of
/// push, hybrid's IHAVE round and pull's round.
fn sample_peers(cx: &mut Ctx<'_>, peers: &PeerTable, k: usize, except: Option<NodeId>) -> usize {
    peers.sample_addrs(cx.rng, k, except, cx.scratch)
}

/// Answers IHAVE with an IWANT for the ids not seen yet (the original's pull).
fn ask_for_unseen(cx: &mut Ctx<'_>, repo: &mut Repository, msg: &Message, ids: &[MsgId]) {
    let wanted = repo.want(ids);
    if !wanted.is_empty() {
        let body = crate::message::Body::IWant { ids: wanted };
        cx.out.send(cx.rng, cx.now, msg.sender_addr, 0, body);
    }
}
