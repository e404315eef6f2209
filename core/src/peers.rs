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
use std::collections::VecDeque;
use std::hash::{BuildHasher, RandomState};
use std::net::SocketAddr;

use hashbrown::HashTable;
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

/// The positions of the peers, found by id and by address. Each table
/// holds only 4-byte positions (the keys are read from the vector), so a
/// table of 10 000 peers adds about 16 bytes per peer. Ids and addresses
/// come from the network, so hashing is std's randomly keyed SipHash.
#[derive(Debug, Clone, Default)]
struct Index {
    hasher: RandomState,
    by_id: HashTable<u32>,
    by_addr: HashTable<u32>,
}

impl Index {
    fn id_hash(&self, id: NodeId) -> u64 {
        self.hasher.hash_one(id)
    }

    fn addr_hash(&self, addr: SocketAddr) -> u64 {
        self.hasher.hash_one(addr)
    }

    fn find(&self, peers: &[Peer], id: NodeId) -> Option<usize> {
        let found = self
            .by_id
            .find(self.id_hash(id), |&i| peers[i as usize].id == id);
        found.map(|&i| i as usize)
    }

    fn has_addr(&self, peers: &[Peer], addr: SocketAddr) -> bool {
        let hash = self.addr_hash(addr);
        self.by_addr
            .find(hash, |&i| peers[i as usize].addr == addr)
            .is_some()
    }

    /// Indexes `peers[i]`.
    fn add(&mut self, peers: &[Peer], i: usize) {
        let (id_hash, addr_hash) = (self.id_hash(peers[i].id), self.addr_hash(peers[i].addr));
        let hasher = &self.hasher;
        self.by_id.insert_unique(id_hash, i as u32, |&j| {
            hasher.hash_one(peers[j as usize].id)
        });
        self.by_addr.insert_unique(addr_hash, i as u32, |&j| {
            hasher.hash_one(peers[j as usize].addr)
        });
    }

    /// Forgets position `i`, which still holds `peer`.
    fn forget(&mut self, peer: &Peer, i: usize) {
        let at = |&j: &u32| j as usize == i;
        if let Ok(entry) = self.by_id.find_entry(self.id_hash(peer.id), at) {
            entry.remove();
        }
        if let Ok(entry) = self.by_addr.find_entry(self.addr_hash(peer.addr), at) {
            entry.remove();
        }
    }

    /// Position `i` was removed from the vector: later positions move down.
    fn close_gap(&mut self, i: usize) {
        for j in self.by_id.iter_mut().chain(self.by_addr.iter_mut()) {
            if *j as usize > i {
                *j -= 1;
            }
        }
    }

    /// Rebuilt from scratch after many positions moved.
    fn rebuild(&mut self, peers: &[Peer]) {
        self.by_id.clear();
        self.by_addr.clear();
        for i in 0..peers.len() {
            self.add(peers, i);
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
            return index.find(&self.peers, id);
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
            Some(index) => index.has_addr(&self.peers, addr),
            None => self.peers.iter().any(|p| p.addr == addr),
        }
    }

    /// Adds or refreshes a peer we heard from directly, evicting the least
    /// recently seen peer when the table is full. Callers check addresses
    /// first ([`PeerTable::touch`]): this moves a known peer to `addr`.
    pub fn upsert(&mut self, id: NodeId, addr: SocketAddr, now: Time, verified: bool) -> Upsert {
        if let Some(i) = self.position(id) {
            let moved = self.peers[i].addr != addr;
            if let Some(index) = self.index.as_mut().filter(|_| moved) {
                index.forget(&self.peers[i], i);
            }
            let peer = &mut self.peers[i];
            peer.addr = addr;
            peer.last_seen = now;
            peer.verified |= verified;
            if let Some(index) = self.index.as_mut().filter(|_| moved) {
                index.add(&self.peers, i);
            }
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
            self.tags.push(tag(id));
            if let Some(index) = &mut self.index {
                index.add(&self.peers, self.peers.len() - 1);
            }
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
        if let Some(index) = &mut self.index {
            index.forget(&self.peers[oldest], oldest);
        }
        let evicted = core::mem::replace(&mut self.peers[oldest], new);
        self.tags[oldest] = tag(id);
        if let Some(index) = &mut self.index {
            index.add(&self.peers, oldest);
        }
        Upsert::AddedEvicting(evicted)
    }

    /// Adds a verified peer that is not in the table while there is room
    /// (never evicting), as [`PeerTable::upsert`] then
    /// [`PeerTable::set_plumtree`] would, with one lookup: how drivers that
    /// build the overlay themselves fill tables of thousands of peers. False
    /// when the peer is known or the table is full.
    pub fn insert_new(
        &mut self,
        id: NodeId,
        addr: SocketAddr,
        now: Time,
        speaks_plumtree: bool,
    ) -> bool {
        if self.peers.len() >= self.limit || self.position(id).is_some() {
            return false;
        }
        self.reserve_first();
        self.peers.push(Peer {
            id,
            addr,
            last_seen: now,
            verified: true,
            speaks_plumtree,
        });
        self.tags.push(tag(id));
        if let Some(index) = &mut self.index {
            index.add(&self.peers, self.peers.len() - 1);
        }
        self.remember_plumtree(id, speaks_plumtree);
        true
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
        self.remember_plumtree(id, speaks);
    }

    /// The bounded memory of [`PeerTable::set_plumtree`].
    fn remember_plumtree(&mut self, id: NodeId, speaks: bool) {
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
        if let Some(index) = &mut self.index {
            index.forget(&self.peers[i], i);
            index.close_gap(i);
        }
        self.tags.remove(i);
        Some(self.peers.remove(i))
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
            match rng.below(7) {
                0 | 1 => assert_eq!(
                    indexed.upsert(id, addr, now, step % 2 == 0),
                    scanned.upsert(id, addr, now, step % 2 == 0)
                ),
                2 => assert_eq!(indexed.touch(id, addr, now), scanned.touch(id, addr, now)),
                3 => assert_eq!(indexed.remove(id), scanned.remove(id)),
                6 => assert_eq!(
                    indexed.insert_new(id, addr, now, step % 3 == 0),
                    scanned.insert_new(id, addr, now, step % 3 == 0)
                ),
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
            assert!(
                indexed.iter().eq(scanned.iter()),
                "same order at step {step}"
            );
            assert!(scanned
                .tags
                .iter()
                .copied()
                .eq(scanned.iter().map(|p| tag(p.id))));
        }
        assert!(indexed.index.is_some() && scanned.index.is_none());
    }

    #[test]
    fn only_large_tables_are_indexed() {
        assert!(PeerTable::new(INDEX_FROM).index.is_none());
        assert!(PeerTable::new(INDEX_FROM + 1).index.is_some());
    }
}
