//! Large tables loaded from one [`Directory`] that many tables share.
//!
//! A driver that builds the overlay itself (the simulator's full
//! membership: 10 000 nodes that each know 9 999 others) would otherwise
//! give every node its own copy of every peer: 100 million entries of 64
//! bytes. Here the ids and addresses live once, in the directory, with one
//! index by id and one by address; a table holds its peers' 4-byte keys in
//! insertion order and one bit per directory entry saying whether it holds
//! it. Every loaded entry starts alike (verified, heard from at the load
//! time, one Plumtree flag), so only the entries that change since (touched,
//! moved, re-added) and peers the directory does not name are stored in
//! full, copy-on-write. Every answer, order and bound is the vector
//! table's: `peers.rs`'s property test runs both on the same operations.

use core::time::Duration;
use std::hash::{BuildHasher, RandomState};
use std::net::SocketAddr;
use std::sync::Arc;

use hashbrown::HashTable;
use rustc_hash::FxHashMap;

use super::{Lookup, Peer, Upsert};
use crate::id::NodeId;
use crate::rng::NodeRng;
use crate::time::Time;

/// Keys at or above this name a table's own entries (peers the directory
/// does not list); below it, directory entries.
const LOCAL: u32 = 1 << 31;

/// Peers that many tables are loaded from ([`super::PeerTable::load`]):
/// distinct ids at distinct addresses, each found by id or address in O(1).
/// Ids come from the network when looked up, so hashing is std's randomly
/// keyed SipHash.
#[derive(Debug)]
pub struct Directory {
    ids: Vec<NodeId>,
    addrs: Vec<SocketAddr>,
    hasher: RandomState,
    by_id: HashTable<u32>,
    by_addr: HashTable<u32>,
}

impl Directory {
    /// The directory of `entries`, keyed by their position (from 0); `None`
    /// when an id or an address repeats, or past 2^31 entries.
    pub fn new(entries: impl IntoIterator<Item = (NodeId, SocketAddr)>) -> Option<Directory> {
        let mut dir = Directory {
            ids: Vec::new(),
            addrs: Vec::new(),
            hasher: RandomState::new(),
            by_id: HashTable::new(),
            by_addr: HashTable::new(),
        };
        for (id, addr) in entries {
            let key = u32::try_from(dir.ids.len()).ok().filter(|&k| k < LOCAL)?;
            if dir.find(id).is_some() || dir.find_addr(addr).is_some() {
                return None;
            }
            dir.ids.push(id);
            dir.addrs.push(addr);
            let (ids, addrs, hasher) = (&dir.ids, &dir.addrs, &dir.hasher);
            dir.by_id.insert_unique(hasher.hash_one(id), key, |&k| {
                hasher.hash_one(ids[k as usize])
            });
            dir.by_addr.insert_unique(hasher.hash_one(addr), key, |&k| {
                hasher.hash_one(addrs[k as usize])
            });
        }
        Some(dir)
    }

    /// Entries.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True without entries.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The id and address of entry `key`.
    pub fn entry(&self, key: u32) -> Option<(NodeId, SocketAddr)> {
        let k = key as usize;
        Some((*self.ids.get(k)?, *self.addrs.get(k)?))
    }

    /// The key of the entry with this id.
    fn find(&self, id: NodeId) -> Option<u32> {
        let ids = &self.ids;
        let found = self
            .by_id
            .find(self.hasher.hash_one(id), |&k| ids[k as usize] == id);
        found.copied()
    }

    /// The key of the entry at this address.
    fn find_addr(&self, addr: SocketAddr) -> Option<u32> {
        let addrs = &self.addrs;
        let found = self
            .by_addr
            .find(self.hasher.hash_one(addr), |&k| addrs[k as usize] == addr);
        found.copied()
    }
}

/// A table's peers as keys into a shared [`Directory`]; see the module docs.
#[derive(Debug, Clone)]
pub(super) struct Shared {
    dir: Arc<Directory>,
    /// The peers' keys, in insertion order.
    order: Vec<u32>,
    /// One bit per directory entry: whether `order` holds it.
    present: Vec<u64>,
    /// When the loaded entries were last heard from, until changed.
    base_seen: Time,
    /// Whether the loaded entries speak Plumtree, until changed.
    base_plumtree: bool,
    /// Every held entry that differs from its loaded state, and every local one.
    states: FxHashMap<u32, Peer>,
    hasher: RandomState,
    /// Local entries by id.
    local_ids: HashTable<u32>,
    /// Held entries not at their directory address (every local entry), by address.
    moved: HashTable<u32>,
    /// Local slots free for reuse, and the next never used.
    free_slots: Vec<u32>,
    next_slot: u32,
}

impl Shared {
    /// A table of the entries `keys` names, in that order: keys the
    /// directory lacks, `own` id and repeats skipped, at most `limit`.
    pub(super) fn load(
        dir: &Arc<Directory>,
        keys: &[u32],
        own: NodeId,
        limit: usize,
        now: Time,
        plumtree: bool,
    ) -> Shared {
        let mut present = vec![0u64; dir.len().div_ceil(64)];
        let mut order = Vec::with_capacity(keys.len().min(limit));
        for &k in keys {
            if order.len() >= limit {
                break;
            }
            let (word, bit) = (k as usize / 64, 1u64 << (k % 64));
            let fresh = (k as usize) < dir.len() && present[word] & bit == 0;
            if fresh && dir.ids[k as usize] != own {
                present[word] |= bit;
                order.push(k);
            }
        }
        Shared {
            dir: Arc::clone(dir),
            order,
            present,
            base_seen: now,
            base_plumtree: plumtree,
            states: FxHashMap::default(),
            hasher: RandomState::new(),
            local_ids: HashTable::new(),
            moved: HashTable::new(),
            free_slots: Vec::new(),
            next_slot: 0,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.order.len()
    }

    /// Ids of the held peers, in order (for the caller's Plumtree memory).
    pub(super) fn ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.order.iter().map(|&k| self.state(k).id)
    }

    /// The peer at position `i`.
    pub(super) fn peer_at(&self, i: usize) -> Peer {
        self.state(self.order[i])
    }

    /// The state of held entry `k`.
    fn state(&self, k: u32) -> Peer {
        match self.states.get(&k) {
            Some(p) => *p,
            None => Peer {
                id: self.dir.ids[k as usize],
                addr: self.dir.addrs[k as usize],
                last_seen: self.base_seen,
                verified: true,
                speaks_plumtree: self.base_plumtree,
            },
        }
    }

    fn is_present(&self, k: u32) -> bool {
        self.present[k as usize / 64] & (1 << (k % 64)) != 0
    }

    fn set_present(&mut self, k: u32, on: bool) {
        let bit = 1u64 << (k % 64);
        if on {
            self.present[k as usize / 64] |= bit;
        } else {
            self.present[k as usize / 64] &= !bit;
        }
    }

    /// The key of the held peer with this id.
    fn key_of(&self, id: NodeId) -> Option<u32> {
        if let Some(k) = self.dir.find(id) {
            return self.is_present(k).then_some(k);
        }
        let states = &self.states;
        let found = self
            .local_ids
            .find(self.hasher.hash_one(id), |&k| states[&k].id == id);
        found.copied()
    }

    fn position(&self, key: u32) -> Option<usize> {
        self.order.iter().position(|&k| k == key)
    }

    pub(super) fn get(&self, id: NodeId) -> Option<Peer> {
        self.key_of(id).map(|k| self.state(k))
    }

    pub(super) fn has_addr(&self, addr: SocketAddr) -> bool {
        if let Some(k) = self.dir.find_addr(addr) {
            if self.is_present(k) && self.state(k).addr == addr {
                return true;
            }
        }
        let states = &self.states;
        self.moved
            .find(self.hasher.hash_one(addr), |&k| states[&k].addr == addr)
            .is_some()
    }

    /// Whether held entry `k` is listed in `moved` (not at its directory address).
    fn is_moved(&self, k: u32) -> bool {
        k >= LOCAL || self.state(k).addr != self.dir.addrs[k as usize]
    }

    /// Takes held entry `k` out of `moved` while its address changes.
    fn unlist_moved(&mut self, k: u32) {
        if self.is_moved(k) {
            let hash = self.hasher.hash_one(self.state(k).addr);
            if let Ok(entry) = self.moved.find_entry(hash, |&j| j == k) {
                entry.remove();
            }
        }
    }

    /// Lists held entry `k` in `moved` when it is not at its directory address.
    fn list_moved(&mut self, k: u32) {
        if self.is_moved(k) {
            let (states, hasher) = (&self.states, &self.hasher);
            let hash = hasher.hash_one(states[&k].addr);
            self.moved
                .insert_unique(hash, k, |&j| hasher.hash_one(states[&j].addr));
        }
    }

    /// Whether a peer the directory lacks could get a local slot.
    fn slot_available(&self) -> bool {
        !self.free_slots.is_empty() || self.next_slot < LOCAL
    }

    /// Holds `peer` (not held yet) under its key; `None` when no local slot is left.
    fn hold(&mut self, peer: Peer) -> Option<u32> {
        let k = match self.dir.find(peer.id) {
            Some(k) => {
                self.set_present(k, true);
                k
            }
            None => {
                let slot = match self.free_slots.pop() {
                    Some(slot) => slot,
                    None if self.next_slot < LOCAL => {
                        self.next_slot += 1;
                        self.next_slot - 1
                    }
                    None => return None,
                };
                let k = LOCAL | slot;
                let (states, hasher) = (&self.states, &self.hasher);
                self.local_ids
                    .insert_unique(hasher.hash_one(peer.id), k, |&j| {
                        hasher.hash_one(states[&j].id)
                    });
                k
            }
        };
        self.states.insert(k, peer);
        self.list_moved(k);
        Some(k)
    }

    /// Lets go of held entry `k` (already out of `order`) and returns it.
    fn release(&mut self, k: u32) -> Peer {
        let peer = self.state(k);
        self.unlist_moved(k);
        if k >= LOCAL {
            let hash = self.hasher.hash_one(peer.id);
            if let Ok(entry) = self.local_ids.find_entry(hash, |&j| j == k) {
                entry.remove();
            }
            self.free_slots.push(k & !LOCAL);
        } else {
            self.set_present(k, false);
        }
        self.states.remove(&k);
        peer
    }

    /// Changes held entry `k`, keeping `moved` right.
    fn update(&mut self, k: u32, change: impl FnOnce(&mut Peer)) {
        let mut peer = self.state(k);
        let before = peer.addr;
        change(&mut peer);
        if peer.addr == before {
            self.states.insert(k, peer);
        } else {
            self.unlist_moved(k);
            self.states.insert(k, peer);
            self.list_moved(k);
        }
    }

    pub(super) fn upsert(&mut self, new: Peer, limit: usize) -> Upsert {
        if let Some(k) = self.key_of(new.id) {
            self.update(k, |p| {
                p.addr = new.addr;
                p.last_seen = new.last_seen;
                p.verified |= new.verified;
            });
            return Upsert::Refreshed;
        }
        if self.dir.find(new.id).is_none() && !self.slot_available() {
            return Upsert::NoRoom;
        }
        if self.order.len() < limit {
            return match self.hold(new) {
                Some(k) => {
                    self.order.push(k);
                    Upsert::Added
                }
                None => Upsert::NoRoom,
            };
        }
        let oldest = (0..self.order.len())
            .map(|i| self.peer_at(i).last_seen)
            .enumerate()
            .min_by_key(|&(_, seen)| seen)
            .map(|(i, _)| i);
        let Some(oldest) = oldest else {
            return Upsert::NoRoom;
        };
        let evicted = self.release(self.order[oldest]);
        match self.hold(new) {
            Some(k) => {
                self.order[oldest] = k;
                Upsert::AddedEvicting(evicted)
            }
            // Not reached: a slot was checked for above, and releasing frees one.
            None => {
                self.order.remove(oldest);
                Upsert::NoRoom
            }
        }
    }

    pub(super) fn insert_new(&mut self, new: Peer, limit: usize) -> bool {
        if self.order.len() >= limit || self.key_of(new.id).is_some() {
            return false;
        }
        match self.hold(new) {
            Some(k) => {
                self.order.push(k);
                true
            }
            None => false,
        }
    }

    pub(super) fn touch(&mut self, id: NodeId, addr: SocketAddr, now: Time) -> Lookup {
        let Some(k) = self.key_of(id) else {
            return Lookup::Unknown;
        };
        let peer = self.state(k);
        if peer.addr != addr {
            return Lookup::Elsewhere(peer);
        }
        self.states.insert(
            k,
            Peer {
                last_seen: now,
                ..peer
            },
        );
        Lookup::Here
    }

    pub(super) fn set_plumtree(&mut self, id: NodeId, speaks: bool) {
        if let Some(k) = self.key_of(id) {
            self.update(k, |p| p.speaks_plumtree = speaks);
        }
    }

    pub(super) fn remove(&mut self, id: NodeId) -> Option<Peer> {
        let k = self.key_of(id)?;
        let i = self.position(k)?;
        self.order.remove(i);
        Some(self.release(k))
    }

    pub(super) fn remove_silent(
        &mut self,
        now: Time,
        timeout: Duration,
        mut on_removed: impl FnMut(Peer),
    ) {
        let silent = |seen: Time| now.saturating_since(seen) > timeout;
        let loaded_silent = self.order.len() > self.states.len() && silent(self.base_seen);
        if !loaded_silent && !self.states.values().any(|p| silent(p.last_seen)) {
            return;
        }
        let mut gone = Vec::new();
        let mut kept = Vec::with_capacity(self.order.len());
        for &k in &self.order {
            let peer = self.state(k);
            if silent(peer.last_seen) {
                on_removed(peer);
                gone.push(k);
            } else {
                kept.push(k);
            }
        }
        self.order = kept;
        for k in gone {
            self.release(k);
        }
    }

    /// What [`NodeRng::choose_front`] over the held peers' addresses (less
    /// `except`'s) would put in front, with the same draws, into `out`,
    /// without listing every peer: the shuffle's few swaps are kept aside.
    pub(super) fn sample_addrs(
        &self,
        rng: &mut NodeRng,
        k: usize,
        except: Option<NodeId>,
        out: &mut Vec<SocketAddr>,
    ) -> usize {
        let skip = except
            .and_then(|id| self.key_of(id))
            .and_then(|key| self.position(key));
        let len = self.order.len() - usize::from(skip.is_some());
        // Position in the list without `except` -> position in `order`.
        let at = |i: usize| match skip {
            Some(s) if i >= s => i + 1,
            _ => i,
        };
        super::choose_sparse(rng, len, k, |i| self.peer_at(at(i)).addr, out)
    }
}
