//! Push, the original's strategy: a new gossip goes to `fanout` random
//! peers, each of which forwards it while its `ttl` lasts.

use std::sync::Arc;

use crate::id::{MsgId, NodeId};
use crate::message::{Body, Gossip};
use crate::node::output::Event;
use crate::peers::PeerTable;

use super::Arrival;
use crate::node::Ctx;

/// Forwards a gossip that just arrived, while its decremented `ttl` lasts.
pub(super) fn forward(cx: &mut Ctx<'_>, peers: &PeerTable, a: &Arrival<'_>) {
    let ttl = a.ttl.saturating_sub(1);
    if ttl > 0 {
        spread(cx, peers, a.id, Some(a.from), ttl, a.gossip);
    }
}

/// Sends gossip `id` at `ttl` to `fanout` distinct random peers, never `except`.
pub(super) fn spread(
    cx: &mut Ctx<'_>,
    peers: &PeerTable,
    id: MsgId,
    except: Option<NodeId>,
    ttl: u32,
    gossip: &Arc<Gossip>,
) {
    let count = super::sample_peers(cx, peers, cx.config.fanout as usize, except);
    for i in 0..count {
        let addr = cx.scratch[i];
        cx.out
            .send_with_id(cx.now, addr, id, ttl, Body::Gossip(gossip.clone()));
    }
    if count > 0 {
        cx.out.emit(Event::Forwarded {
            id,
            to: count as u32,
            ttl,
        });
    }
}
