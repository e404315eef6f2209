//! The bounded peer table with least-recently-seen eviction.
//!
//! Peers live in a vector in insertion order (iteration order and every
//! random choice over it depend on that order). A table whose limit is
//! above [`INDEX_FROM`] also keeps an index by id and by address beside the
//! vector, so lookups stay O(1) when a node knows thousands of peers; at the
//! default limit of 20 a linear scan is faster and the index is not built.
//! The scan runs over a dense vector of 32-bit tags of the ids (a peer entry
//! is a cache line; twenty tags are two), and only a matching tag's entry is
//! read.

use core::time::Duration;
use std::collections::{HashMap, VecDeque};
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

/// The 32 bits of an id the linear scan compares first.
fn tag(id: NodeId) -> u32 {
    (id.0 as u64 ^ (id.0 >> 64) as u64) as u32
}

/// Limits above which a table indexes its peers by id and address; at or
/// below it, a linear scan of the vector is as fast as any map.
pub const INDEX_FROM: usize = 64;

/// Positions of the peers by id, and how many peers use each address. Keys
/// come from the network, so the maps keep std's randomly keyed SipHash.
#[derive(Debug, Clone, Default)]
struct Index {
    by_id: HashMap<NodeId, u32>,
    by_addr: HashMap<SocketAddr, u32>,
}

impl Index {
    fn add_addr(&mut self, addr: SocketAddr) {
        *self.by_addr.entry(addr).or_insert(0) += 1;
    }

    fn drop_addr(&mut self, addr: SocketAddr) {
        if let Some(n) = self.by_addr.get_mut(&addr) {
            *n -= 1;
            if *n == 0 {
                self.by_addr.remove(&addr);
            }
        }
    }

    /// Rebuilt from scratch after positions shifted (a removal).
    fn rebuild(&mut self, peers: &[Peer]) {
        self.by_id.clear();
        self.by_addr.clear();
        for (i, p) in peers.iter().enumerate() {
            self.by_id.insert(p.id, i as u32);
            self.add_addr(p.addr);
        }
    }
}

/// At most `limit` peers, in insertion order; see the [module docs](self)
/// for when lookups use an index.
#[derive(Debug, Clone)]
pub struct PeerTable {
    peers: Vec<Peer>,
    /// `tag(peers[i].id)` for every `i`.
    tags: Vec<u32>,
    limit: usize,
    index: Option<Box<Index>>,
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
        PeerTable::build(limit, limit > INDEX_FROM)
    }

    fn build(limit: usize, indexed: bool) -> PeerTable {
        PeerTable {
            peers: Vec::new(),
            tags: Vec::new(),
            limit,
            index: indexed.then(Box::default),
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

    /// Position of the peer with this id.
    fn position(&self, id: NodeId) -> Option<usize> {
        if let Some(index) = &self.index {
            return index.by_id.get(&id).map(|&i| i as usize);
        }
        let tag = tag(id);
        let mut from = 0;
        while let Some(i) = self.tags[from..].iter().position(|&t| t == tag) {
            if self.peers[from + i].id == id {
                return Some(from + i);
            }
            from += i + 1;
        }
        None
    }

    /// The peer with this id.
    pub fn get(&self, id: NodeId) -> Option<&Peer> {
        self.position(id).map(|i| &self.peers[i])
    }

    /// Whether some peer is reached at `addr`.
    pub fn has_addr(&self, addr: SocketAddr) -> bool {
        match &self.index {
            Some(index) => index.by_addr.contains_key(&addr),
            None => self.peers.iter().any(|p| p.addr == addr),
        }
    }

    /// Adds or refreshes a peer we heard from directly, evicting the least
    /// recently seen peer when the table is full. Callers check addresses
    /// first ([`PeerTable::touch`]): this moves a known peer to `addr`.
    pub fn upsert(&mut self, id: NodeId, addr: SocketAddr, now: Time, verified: bool) -> Upsert {
        if let Some(i) = self.position(id) {
            let peer = &mut self.peers[i];
            if let Some(index) = &mut self.index {
                index.drop_addr(peer.addr);
                index.add_addr(addr);
            }
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
            if let Some(index) = &mut self.index {
                index.by_id.insert(id, self.peers.len() as u32);
                index.add_addr(addr);
            }
            self.peers.push(new);
            self.tags.push(tag(id));
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
        self.tags[oldest] = tag(id);
        if let Some(index) = &mut self.index {
            index.by_id.remove(&evicted.id);
            index.drop_addr(evicted.addr);
            index.by_id.insert(id, oldest as u32);
            index.add_addr(addr);
        }
        Upsert::AddedEvicting(evicted)
    }

    /// Sizes the table once for its limit (up to 64), so a million idle
    /// simulated nodes do not each carry a doubled-up vector.
    fn reserve_first(&mut self) {
        if self.peers.capacity() == 0 {
            self.peers.reserve_exact(self.limit.min(64));
            self.tags.reserve_exact(self.limit.min(64));
        }
    }

    /// Checks a message claiming peer `id` from `addr`: a known peer at the
    /// same address is marked as just heard from; a known peer at another
    /// address is left untouched (addresses are sticky, see [`Lookup::Elsewhere`]).
    pub fn touch(&mut self, id: NodeId, addr: SocketAddr, now: Time) -> Lookup {
        let found = self.position(id);
        match found.map(|i| &mut self.peers[i]) {
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
        if let Some(i) = self.position(id) {
            self.peers[i].speaks_plumtree = speaks;
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
        let i = self.position(id)?;
        let removed = self.peers.remove(i);
        self.tags.remove(i);
        if let Some(index) = &mut self.index {
            index.by_id.remove(&removed.id);
            index.drop_addr(removed.addr);
            for (j, p) in self.peers.iter().enumerate().skip(i) {
                index.by_id.insert(p.id, j as u32);
            }
        }
        Some(removed)
    }

    /// Removes every peer silent for longer than `timeout`, passing each to `on_removed`.
    pub fn remove_silent(
        &mut self,
        now: Time,
        timeout: Duration,
        mut on_removed: impl FnMut(Peer),
    ) {
        let before = self.peers.len();
        self.peers.retain(|p| {
            let alive = now.saturating_since(p.last_seen) <= timeout;
            if !alive {
                on_removed(*p);
            }
            alive
        });
        if self.peers.len() < before {
            self.tags = self.peers.iter().map(|p| tag(p.id)).collect();
            if let Some(index) = &mut self.index {
                index.rebuild(&self.peers);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::rng::NodeRng;

    /// The same random operations on an indexed and a scanned table give the
    /// same answers and the same order.
    #[test]
    fn the_index_changes_no_answer_and_no_order() {
        let mut rng = NodeRng::from_seed_u64(5);
        let (mut indexed, mut scanned) = (PeerTable::build(40, true), PeerTable::build(40, false));
        let t0 = Time::from_millis(1_000_000);
        for step in 0..20_000u64 {
            let now = t0 + Duration::from_millis(step);
            // Half the ids share one tag, so the scan also meets tags that match
            // another peer's id.
            let x = u128::from(rng.below(40));
            let id = NodeId(if rng.below(2) == 0 { x } else { (x << 64) | x });
            let addr = SocketAddr::from(([127, 0, 0, 1], 9_000 + rng.below(70) as u16));
            match rng.below(6) {
                0 | 1 => assert_eq!(
                    indexed.upsert(id, addr, now, step % 2 == 0),
                    scanned.upsert(id, addr, now, step % 2 == 0)
                ),
                2 => assert_eq!(indexed.touch(id, addr, now), scanned.touch(id, addr, now)),
                3 => assert_eq!(indexed.remove(id), scanned.remove(id)),
                4 => {
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    let timeout = Duration::from_millis(rng.below(400));
                    indexed.remove_silent(now, timeout, |p| a.push(p));
                    scanned.remove_silent(now, timeout, |p| b.push(p));
                    assert_eq!(a, b);
                }
                _ => {
                    indexed.set_plumtree(id, step % 3 == 0);
                    scanned.set_plumtree(id, step % 3 == 0);
                }
            }
            assert_eq!(indexed.get(id), scanned.get(id));
            assert_eq!(indexed.has_addr(addr), scanned.has_addr(addr));
            assert!(indexed.iter().eq(scanned.iter()), "same order at step {step}");
            assert!(scanned.tags.iter().copied().eq(scanned.iter().map(|p| tag(p.id))));
        }
        assert!(indexed.index.is_some() && scanned.index.is_none());
    }

    #[test]
    fn only_large_tables_are_indexed() {
        assert!(PeerTable::new(INDEX_FROM).index.is_none());
        assert!(PeerTable::new(INDEX_FROM + 1).index.is_some());
    }
}
