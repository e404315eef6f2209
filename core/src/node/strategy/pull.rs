//! Anti-entropy pull (Demers et al., "Epidemic Algorithms for Replicated
//! Database Maintenance", 1987): nothing is pushed. Every `pull_interval` a
//! node sends one random peer its digest (an IHAVE of its recent ids, with
//! `max_ids` > 0: "answer me"); the peer answers with an offer (an IHAVE of
//! the ids the digest lacks, with `max_ids` 0: "do not answer"), and the
//! node asks for those with IWANT. Spread starts slowly (few nodes hold the
//! gossip to be asked) and finishes fast (every uninformed node asks).

use crate::id::MsgId;
use crate::message::{Body, Message};
use crate::node::repository::Repository;
use crate::node::timers::Timer;
use crate::node::Ctx;
use crate::peers::PeerTable;

/// Bytes one id adds to an IHAVE: `"<32 hex>"` and its `", "` separator.
const OFFERED_ID_BYTES: usize = 36;

/// Arms the next round.
pub(super) fn arm(cx: &mut Ctx<'_>) {
    cx.timers.set(Timer::Pull, cx.now + cx.config.pull_interval);
}

/// Sends our digest to one random peer.
pub(super) fn round(cx: &mut Ctx<'_>, peers: &PeerTable, repo: &Repository) {
    if super::sample_peers(cx, peers, 1, None) == 0 {
        return;
    }
    let to = cx.scratch[0];
    let max_ids = cx.config.ihave_max_ids;
    let ids = repo.store.recent(max_ids as usize).collect();
    cx.out
        .send(cx.rng, cx.now, to, 0, Body::IHave { ids, max_ids });
}

/// An IHAVE: a digest from a peer gets an offer of what it lacks; an offer
/// gets an IWANT for what we lack.
pub(super) fn on_digest(
    cx: &mut Ctx<'_>,
    repo: &mut Repository,
    msg: &Message,
    ids: &[MsgId],
    known: bool,
) {
    let Body::IHave { max_ids, .. } = msg.body else {
        return;
    };
    if max_ids == 0 {
        return super::ask_for_unseen(cx, repo, msg, ids);
    }
    let mut most = max_ids.min(cx.config.ihave_max_ids) as usize;
    if !known {
        // A stranger's digest buys at most twice its size in offered ids.
        let request = cx.out.measure(msg);
        let empty = cx.out.message(
            cx.now,
            msg.msg_id,
            0,
            Body::IHave {
                ids: Vec::new(),
                max_ids: 0,
            },
        );
        let header = cx.out.measure(&empty);
        most = most.min((2 * request).saturating_sub(header) / OFFERED_ID_BYTES);
    }
    let offer = repo.missing_from(ids, most);
    if !offer.is_empty() {
        repo.offer(msg.sender_addr, &offer, cx.now);
        let body = Body::IHave {
            ids: offer,
            max_ids: 0,
        };
        cx.out.send(cx.rng, cx.now, msg.sender_addr, 0, body);
    }
}
