//! Hybrid, the original's push-pull: push, plus a round every
//! `pull_interval` offering our recent ids (IHAVE) to `fanout` random peers,
//! who ask (IWANT) for what push did not bring them.

use crate::message::Body;
use crate::node::repository::Repository;
use crate::node::timers::Timer;
use crate::node::Ctx;
use crate::peers::PeerTable;

/// Arms the next IHAVE round.
pub(super) fn arm(cx: &mut Ctx<'_>) {
    cx.timers.set(Timer::Pull, cx.now + cx.config.pull_interval);
}

/// Offers our most recent `ihave_max_ids` gossip ids to `fanout` random peers.
pub(super) fn pull_round(cx: &mut Ctx<'_>, peers: &PeerTable, repo: &Repository) {
    if repo.store.is_empty() || peers.is_empty() {
        return;
    }
    let max_ids = cx.config.ihave_max_ids;
    let ids: Vec<_> = repo.store.recent(max_ids as usize).collect();
    let count = super::sample_peers(cx, peers, cx.config.fanout as usize, None);
    for i in 0..count {
        let addr = cx.scratch[i];
        let body = Body::IHave {
            ids: ids.clone(),
            max_ids,
        };
        cx.out.send(cx.rng, cx.now, addr, 0, body);
    }
}
