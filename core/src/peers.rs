//! The bounded peer table with least-recently-seen eviction.

use core::time::Duration;
use std::collections::VecDeque;
use std::net::SocketAddr;

use rustc_hash::FxHashSet;

use crate::id::NodeId;
use crate::time::Time;

/// One known peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    /// The peer's id.
    pub id: NodeId,
    /// Where to send to it.
    pub addr: SocketAddr,
    /// When we last heard from it directly (or learnt of it).
    pub last_seen: Time,
    /// Whether it passed HELLO (with a valid proof when proof of work is on).
    pub verified: bool,
    /// Whether its HELLO said it speaks Plumtree (GRAFT and PRUNE); peers
    /// that do not are always pushed to eagerly.
    pub speaks_plumtree: bool,
}

/// What [`PeerTable::upsert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    /// The peer was new and there was room.
    Added,
    /// The peer was new; the least recently seen peer made room for it.
    AddedEvicting(Peer),
    /// The peer was known; its address and last-seen time were refreshed.
    Refreshed,
    /// The table holds no peers at all (limit 0).
    NoRoom,
}

/// What [`PeerTable::touch`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The peer is known at this address; it was marked as just heard from.
    Here,
    /// The peer is known at another address, unchanged; only a HELLO after
    /// it has been silent past `peer_timeout` may move it.
    Elsewhere(Peer),
    /// No peer with this id.
    Unknown,
}

/// At most `limit` peers. Small (20 by default), so a vector with linear
/// search beats any map here.
#[derive(Debug, Clone)]
pub struct PeerTable {
    peers: Vec<Peer>,
    limit: usize,
    plumtree_ids: FxHashSet<NodeId>,
    plumtree_order: VecDeque<NodeId>,
}

/// Ids remembered as speaking Plumtree beyond their table entry, so a peer
/// that drops out and comes back (or sends to us while our table is full)
/// is still known to understand PRUNE.
pub const MAX_PLUMTREE_IDS: usize = 4_096;

impl PeerTable {
    /// An empty table holding at most `limit` peers.
    pub fn new(limit: usize) -> PeerTable {
        PeerTable {
            peers: Vec::new(),
            limit,
            plumtree_ids: FxHashSet::default(),
            plumtree_order: VecDeque::new(),
        }
    }

    /// Number of peers.
    pub fn len(&self) -> usize {
        self.peers.len()
    }

    /// True when no peer is known.
    pub fn is_empty(&self) -> bool {
        self.peers.is_empty()
    }

    /// The bound.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// All peers, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &Peer> {
        self.peers.iter()
    }

    /// The peer with this id.
    pub fn get(&self, id: NodeId) -> Option<&Peer> {
        self.peers.iter().find(|p| p.id == id)
    }

    /// Adds or refreshes a peer we heard from directly, evicting the least
    /// recently seen peer when the table is full. Callers check addresses
    /// first ([`PeerTable::touch`]): this moves a known peer to `addr`.
    pub fn upsert(&mut self, id: NodeId, addr: SocketAddr, now: Time, verified: bool) -> Upsert {
        if let Some(peer) = self.peers.iter_mut().find(|p| p.id == id) {
            peer.addr = addr;
            peer.last_seen = now;
            peer.verified |= verified;
            return Upsert::Refreshed;
        }
        let new = Peer {
            id,
            addr,
            last_seen: now,
            verified,
            speaks_plumtree: self.plumtree_ids.contains(&id),
        };
        if self.peers.len() < self.limit {
            self.reserve_first();
            self.peers.push(new);
            return Upsert::Added;
        }
        let Some(oldest) = self
            .peers
            .iter()
            .enumerate()
            .min_by_key(|(_, p)| p.last_seen)
            .map(|(i, _)| i)
        else {
            return Upsert::NoRoom;
        };
        let evicted = core::mem::replace(&mut self.peers[oldest], new);
        Upsert::AddedEvicting(evicted)
    }

    /// Sizes the table once for its limit (up to 64), so a million idle
    /// simulated nodes do not each carry a doubled-up vector.
    fn reserve_first(&mut self) {
        if self.peers.capacity() == 0 {
            self.peers.reserve_exact(self.limit.min(64));
        }
    }

    /// Checks a message claiming peer `id` from `addr`: a known peer at the
    /// same address is marked as just heard from; a known peer at another
    /// address is left untouched (addresses are sticky, see [`Lookup::Elsewhere`]).
    pub fn touch(&mut self, id: NodeId, addr: SocketAddr, now: Time) -> Lookup {
        match self.peers.iter_mut().find(|p| p.id == id) {
            Some(peer) if peer.addr == addr => {
                peer.last_seen = now;
                Lookup::Here
            }
            Some(peer) => Lookup::Elsewhere(*peer),
            None => Lookup::Unknown,
        }
    }

    /// Records whether node `id` speaks Plumtree (from its HELLO), in its
    /// table entry and in a bounded memory that outlives the entry.
    pub fn set_plumtree(&mut self, id: NodeId, speaks: bool) {
        if let Some(peer) = self.peers.iter_mut().find(|p| p.id == id) {
            peer.speaks_plumtree = speaks;
        }
        if !speaks {
            self.plumtree_ids.remove(&id);
        } else if self.plumtree_ids.insert(id) {
            self.plumtree_order.push_back(id);
            if self.plumtree_order.len() > MAX_PLUMTREE_IDS {
                if let Some(old) = self.plumtree_order.pop_front() {
                    self.plumtree_ids.remove(&old);
                }
            }
        }
    }

    /// Whether node `id`, in the table or not, said it speaks Plumtree.
    pub fn speaks_plumtree(&self, id: NodeId) -> bool {
        self.plumtree_ids.contains(&id)
    }

    /// Removes the peer with this id.
    pub fn remove(&mut self, id: NodeId) -> Option<Peer> {
        let index = self.peers.iter().position(|p| p.id == id)?;
        Some(self.peers.remove(index))
    }

    /// Removes every peer silent for longer than `timeout`, passing each to `on_removed`.
    pub fn remove_silent(
        &mut self,
        now: Time,
        timeout: Duration,
        mut on_removed: impl FnMut(Peer),
    ) {
        self.peers.retain(|p| {
            let alive = now.saturating_since(p.last_seen) <= timeout;
            if !alive {
                on_removed(*p);
            }
            alive
        });
    }
}
