//! What a node knows of gossip, whatever its strategy: the ids it has seen
//! (to drop duplicates), the gossips it keeps (to answer IWANT and GRAFT),
//! the ids it asked for, and which it served to whom.

use std::collections::VecDeque;

use rustc_hash::FxHashSet;

use crate::config::Config;
use crate::error::RejectReason;
use crate::id::MsgId;
use crate::message::{Body, Message};
use crate::seen::{MessageStore, SeenCache};

use super::served::Served;
use super::Ctx;

/// Largest number of gossip ids remembered as requested by IWANT.
pub const MAX_REQUESTED: usize = 4_096;
/// Most bytes of GOSSIP sent in answer to one IWANT (or GRAFT).
pub const MAX_IWANT_REPLY_BYTES: usize = 64 * 1_024;

/// The gossip memory of one node.
#[derive(Debug, Clone)]
pub(crate) struct Repository {
    pub(crate) seen: SeenCache,
    pub(crate) store: MessageStore,
    /// Allocated at the first IWANT sent, or request or offer met: a node
    /// that only pushes never needs it.
    pulls: Option<Box<Pulls>>,
}

/// What a node remembers of pulls: the ids it asked for, and which it served
/// and offered to whom.
#[derive(Debug, Clone, Default)]
struct Pulls {
    requested: FxHashSet<MsgId>,
    requested_order: VecDeque<MsgId>,
    served: Served,
    offered: Served,
}

impl Repository {
    /// Empty memory sized by `config`.
    pub(crate) fn new(config: &Config) -> Repository {
        Repository {
            seen: SeenCache::new(config.seen_capacity as usize),
            store: MessageStore::new(config.store_capacity as usize),
            pulls: None,
        }
    }

    /// Whether `id` was asked for (and forgets that it was).
    pub(crate) fn take_requested(&mut self, id: MsgId) -> bool {
        self.pulls.as_mut().is_some_and(|p| p.requested.remove(&id))
    }

    /// The distinct ids among `ids` not seen yet, each remembered as
    /// requested: what an IWANT should ask for.
    pub(crate) fn want(&mut self, ids: &[MsgId]) -> Vec<MsgId> {
        let mut unique = FxHashSet::default();
        let wanted: Vec<MsgId> = ids
            .iter()
            .copied()
            .filter(|&id| !self.seen.contains(id) && unique.insert(id))
            .collect();
        if wanted.is_empty() {
            return wanted;
        }
        let pulls = self.pulls.get_or_insert_with(Box::default);
        for &id in &wanted {
            if pulls.requested.insert(id) {
                pulls.requested_order.push_back(id);
                if pulls.requested_order.len() > MAX_REQUESTED {
                    if let Some(old) = pulls.requested_order.pop_front() {
                        pulls.requested.remove(&old);
                    }
                }
            }
        }
        wanted
    }

    /// Answers a request for stored gossips (IWANT, or Plumtree's GRAFT):
    /// only peers may ask, or anyone for ids we offered to its address within
    /// the pull interval (see [`Repository::offer`]); each distinct id goes at most once per pull
    /// interval to one address, and one answer holds at most `ihave_max_ids`
    /// gossips and [`MAX_IWANT_REPLY_BYTES`]. An IWANT answer goes at `ttl` 1,
    /// so the asker delivers it but does not push it on (the original's
    /// pull); a GRAFT answer (`forward`) goes at the `ttl` we forward the
    /// gossip at, since the asker joins the tree and pushes it on.
    pub(crate) fn serve(
        &mut self,
        cx: &mut Ctx<'_>,
        msg: &Message,
        ids: &[MsgId],
        known: bool,
        forward: bool,
    ) {
        let reply_to = msg.sender_addr;
        let period = cx.config.pull_interval;
        let pulls = self.pulls.get_or_insert_with(Box::default);
        let offered = |id: &MsgId| pulls.offered.recently(reply_to, *id, cx.now, period);
        if !known && !ids.iter().any(offered) {
            let detail = format!(
                "{} from {}, which is not in our peer table",
                msg.msg_type().as_str(),
                msg.sender_id
            );
            return cx.out.reject(reply_to, RejectReason::NotAPeer, detail);
        }
        let (mut count, mut bytes) = (0u32, 0usize);
        let mut asked = FxHashSet::default();
        for &id in ids {
            if count >= cx.config.ihave_max_ids {
                break;
            }
            if !asked.insert(id)
                || pulls.served.recently(reply_to, id, cx.now, period)
                || (!known && !pulls.offered.recently(reply_to, id, cx.now, period))
            {
                continue;
            }
            let Some(gossip) = self.store.get(id).cloned() else {
                continue;
            };
            let ttl = match self.store.forward_ttl(id) {
                Some(t) if forward => t.max(1),
                _ => 1,
            };
            let reply = cx.out.message(cx.now, id, ttl, Body::Gossip(gossip));
            let len = cx.out.measure(&reply);
            if bytes + len > MAX_IWANT_REPLY_BYTES {
                break;
            }
            bytes += len;
            count += 1;
            pulls.served.note(reply_to, id, cx.now);
            cx.out.queue(reply_to, reply);
        }
    }

    /// Records that ids went to `to` in an offer, so its IWANT for them is
    /// answered even if it is not in our table.
    pub(crate) fn offer(
        &mut self,
        to: std::net::SocketAddr,
        ids: &[MsgId],
        now: crate::time::Time,
    ) {
        let pulls = self.pulls.get_or_insert_with(Box::default);
        for &id in ids {
            pulls.offered.note(to, id, now);
        }
    }

    /// Ids we hold that are not in `theirs`, newest first, at most `max`.
    pub(crate) fn missing_from(&self, theirs: &[MsgId], max: usize) -> Vec<MsgId> {
        let theirs: FxHashSet<MsgId> = theirs.iter().copied().collect();
        self.store
            .recent(usize::MAX)
            .filter(|id| !theirs.contains(id))
            .take(max)
            .collect()
    }
}
