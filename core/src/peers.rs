//! The bounded peer table with least-recently-seen eviction.
//!
//! Peers live in a vector in insertion order (iteration order and every
//! random choice over it depend on that order). A table whose limit is
//! above [`INDEX_FROM`] also keeps an index by id and by address beside the
//! vector, so lookups stay O(1) when a node knows thousands of peers; at the
//! default limit of 20 a linear scan is faster and the index is not built.
//! Entries are packed to half a [`Peer`] (`peers/entries.rs`), and the scan
//! runs over a dense vector of 32-bit tags of the ids beside them.
//!
//! A table loaded from a [`Directory`] ([`PeerTable::load`]: the simulator's
//! generated overlays with large limits) keeps only 4-byte keys into that
//! shared directory, and full entries only for what changed since; see
//! `peers/shared.rs`. It gives the same answers in the same order.

mod entries;
mod shared;

use core::time::Duration;
use std::collections::VecDeque;
use std::hash::{BuildHasher, RandomState};
use std::net::SocketAddr;
use std::sync::Arc;

use hashbrown::HashTable;
use rustc_hash::FxHashSet;

use entries::Entries;
pub use shared::Directory;
use shared::Shared;

use crate::id::NodeId;
use crate::rng::NodeRng;
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

/// Limits above which a table indexes its peers by id and address; at or
/// below it, a linear scan of the vector is as fast as any map.
pub const INDEX_FROM: usize = 64;

/// The positions of the peers, found by id and by address. Each table
/// holds only 4-byte positions (the keys are read from the entries), so a
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

    fn find(&self, peers: &Entries, id: NodeId) -> Option<usize> {
        let found = self
            .by_id
            .find(self.id_hash(id), |&i| peers.id(i as usize) == id);
        found.map(|&i| i as usize)
    }

    fn has_addr(&self, peers: &Entries, addr: SocketAddr) -> bool {
        let hash = self.addr_hash(addr);
        self.by_addr
            .find(hash, |&i| peers.is_at(i as usize, addr))
            .is_some()
    }

    /// Indexes entry `i`.
    fn add(&mut self, peers: &Entries, i: usize) {
        let (id_hash, addr_hash) = (self.id_hash(peers.id(i)), self.addr_hash(peers.addr(i)));
        let hasher = &self.hasher;
        self.by_id.insert_unique(id_hash, i as u32, |&j| {
            hasher.hash_one(peers.id(j as usize))
        });
        self.by_addr.insert_unique(addr_hash, i as u32, |&j| {
            hasher.hash_one(peers.addr(j as usize))
        });
    }

    /// Forgets position `i`, which still holds its entry.
    fn forget(&mut self, peers: &Entries, i: usize) {
        let at = |&j: &u32| j as usize == i;
        if let Ok(entry) = self.by_id.find_entry(self.id_hash(peers.id(i)), at) {
            entry.remove();
        }
        if let Ok(entry) = self.by_addr.find_entry(self.addr_hash(peers.addr(i)), at) {
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
    fn rebuild(&mut self, peers: &Entries) {
        self.by_id.clear();
        self.by_addr.clear();
        for i in 0..peers.len() {
            self.add(peers, i);
        }
    }
}

/// At most `limit` peers, in insertion order; see the [module docs](self)
/// for when lookups use an index, and when peers are keys into a directory.
#[derive(Debug, Clone)]
pub struct PeerTable {
    /// The peers, unless the table was loaded from a directory.
    peers: Entries,
    limit: usize,
    index: Option<Box<Index>>,
    /// Set by [`PeerTable::load`]: then it holds the peers, not `peers`.
    shared: Option<Box<Shared>>,
    /// Allocated when the first peer speaking Plumtree is met.
    plumtree: Option<Box<PlumtreeIds>>,
}

/// The bounded memory of who speaks Plumtree ([`PeerTable::set_plumtree`]).
#[derive(Debug, Clone, Default)]
struct PlumtreeIds {
    ids: FxHashSet<NodeId>,
    order: VecDeque<NodeId>,
}

/// Tables up to this many entries (10 cache lines) are fetched whole by
/// [`PeerTable::prefetch`].
const PREFETCH_ALL_UP_TO: usize = 20;

/// A table is loaded as keys into a directory when it holds at least one
/// entry in this many of the directory's: its bit per directory entry then
/// costs at most what its own entries would (48 bytes each with the index).
pub const SHARED_FROM: usize = 640;

/// Ids remembered as speaking Plumtree beyond their table entry, so a peer
/// that drops out and comes back (or sends to us while our table is full)
/// is still known to understand PRUNE.
pub const MAX_PLUMTREE_IDS: usize = 4_096;

/// Most peers a table of its own entries draws in
/// [`PeerTable::sample_addrs`] without listing every other peer first (a
/// forward's fanout); larger draws list them.
const SPARSE_DRAWS: usize = 16;

/// Puts into `out` the first `k` of what [`NodeRng::choose_front`] would
/// leave in front of a list of `len` items, drawing the same numbers,
/// without the list: only the shuffle's swaps are kept (on the stack up to
/// [`SPARSE_DRAWS`] draws), so it costs O(k²). `item(i)` is the list's
/// `i`th item. Returns how many.
fn choose_sparse<T>(
    rng: &mut NodeRng,
    len: usize,
    k: usize,
    item: impl Fn(usize) -> T,
    out: &mut Vec<T>,
) -> usize {
    let k = k.min(len);
    let mut stack = [(0usize, 0usize); 2 * SPARSE_DRAWS];
    let mut heap = Vec::new();
    let swapped: &mut [(usize, usize)] = if k <= SPARSE_DRAWS {
        &mut stack[..2 * k]
    } else {
        heap.resize(2 * k, (0, 0));
        &mut heap
    };
    // The item at position `i` after the first `n` swap records.
    let read = |swapped: &[(usize, usize)], n: usize, i: usize| {
        swapped[..n]
            .iter()
            .rev()
            .find(|&&(j, _)| j == i)
            .map_or(i, |&(_, v)| v)
    };
    for i in 0..k {
        let j = i + rng.below((len - i) as u64) as usize;
        let (vi, vj) = (read(swapped, 2 * i, i), read(swapped, 2 * i, j));
        swapped[2 * i] = (i, vj);
        swapped[2 * i + 1] = (j, vi);
    }
    out.clear();
    out.extend((0..k).map(|i| item(read(swapped, 2 * k, i))));
    k
}

impl PeerTable {
    /// An empty table holding at most `limit` peers.
    pub fn new(limit: usize) -> PeerTable {
        PeerTable::build(limit, limit > INDEX_FROM)
    }

    fn build(limit: usize, indexed: bool) -> PeerTable {
        PeerTable {
            peers: Entries::default(),
            limit,
            index: indexed.then(Box::default),
            shared: None,
            plumtree: None,
        }
    }

    /// Number of peers.
    pub fn len(&self) -> usize {
        match &self.shared {
            Some(shared) => shared.len(),
            None => self.peers.len(),
        }
    }

    /// True when no peer is known.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bound.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// All peers, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = Peer> + '_ {
        (0..self.len()).map(|i| match &self.shared {
            Some(shared) => shared.peer_at(i),
            None => self.peers.peer(i),
        })
    }

    /// Fills the empty table with the directory entries `keys` names, in
    /// that order, as [`PeerTable::insert_new`] of each would (keys the
    /// directory lacks, `own` id and repeats skipped, at most the limit):
    /// verified, heard from `now`. The table then keeps keys into the
    /// shared directory instead of copies of the entries, and one bit per
    /// directory entry. A table that is not empty, or that would hold so
    /// few of the directory's entries that those bits cost more than its
    /// own entries ([`SHARED_FROM`]), gets them through `insert_new`.
    /// Returns the peers added.
    pub fn load(
        &mut self,
        dir: &Arc<Directory>,
        keys: &[u32],
        own: NodeId,
        now: Time,
        speaks_plumtree: bool,
    ) -> usize {
        let held = keys.len().min(self.limit);
        if !self.is_empty() || dir.len() > held.saturating_mul(SHARED_FROM) {
            let before = self.len();
            for &k in keys {
                if let Some((id, addr)) = dir.entry(k).filter(|&(id, _)| id != own) {
                    self.insert_new(id, addr, now, speaks_plumtree);
                }
            }
            return self.len() - before;
        }
        let shared = Shared::load(dir, keys, own, self.limit, now, speaks_plumtree);
        let remembers = self.plumtree.as_ref().is_some_and(|m| !m.ids.is_empty());
        let added: Vec<NodeId> = if speaks_plumtree || remembers {
            shared.ids().collect()
        } else {
            Vec::new()
        };
        for id in added {
            self.remember_plumtree(id, speaks_plumtree);
        }
        self.peers = Entries::default();
        self.index = None;
        let len = shared.len();
        self.shared = Some(Box::new(shared));
        len
    }

    /// Puts up to `k` distinct random peers' addresses, never `except`'s, at
    /// the front of `out` and returns how many: [`NodeRng::choose_front`]
    /// over every other peer's address, in table order. A table draws the
    /// same numbers and picks the same peers without listing them when `k`
    /// is small, or when it was loaded from a directory.
    pub fn sample_addrs(
        &self,
        rng: &mut NodeRng,
        k: usize,
        except: Option<NodeId>,
        out: &mut Vec<SocketAddr>,
    ) -> usize {
        if let Some(shared) = &self.shared {
            return shared.sample_addrs(rng, k, except, out);
        }
        let peers = &self.peers;
        if k <= SPARSE_DRAWS {
            let skip = except.and_then(|id| self.position(id));
            let len = peers.len() - usize::from(skip.is_some());
            // Position in the list without `except` -> position in the table.
            let at = |i: usize| match skip {
                Some(s) if i >= s => i + 1,
                _ => i,
            };
            return choose_sparse(rng, len, k, |i| peers.addr(at(i)), out);
        }
        out.clear();
        out.reserve(peers.len());
        out.extend(
            (0..peers.len())
                .filter(|&i| Some(peers.id(i)) != except)
                .map(|i| peers.addr(i)),
        );
        rng.choose_front(out, k).len()
    }

    /// Position of the peer with this id.
    fn position(&self, id: NodeId) -> Option<usize> {
        match &self.index {
            Some(index) => index.find(&self.peers, id),
            None => self.peers.position(id),
        }
    }

    /// Asks the processor to fetch what handling a datagram from peer `id`
    /// reads of the table ([`crate::prefetch`]): every entry of a table of
    /// up to [`PREFETCH_ALL_UP_TO`] (the sender's is read, and a gossip is
    /// forwarded to a few at random), else the sender's. The simulator does
    /// it before the datagram is handled.
    pub(crate) fn prefetch(&self, id: NodeId) {
        if self.shared.is_some() {
            return;
        }
        if self.peers.len() <= PREFETCH_ALL_UP_TO {
            self.peers.prefetch_all();
        } else if let Some(i) = self.position(id) {
            self.peers.prefetch(i);
        }
    }

    /// The peer with this id.
    pub fn get(&self, id: NodeId) -> Option<Peer> {
        if let Some(shared) = &self.shared {
            return shared.get(id);
        }
        self.position(id).map(|i| self.peers.peer(i))
    }

    /// Whether some peer is reached at `addr`.
    pub fn has_addr(&self, addr: SocketAddr) -> bool {
        if let Some(shared) = &self.shared {
            return shared.has_addr(addr);
        }
        match &self.index {
            Some(index) => index.has_addr(&self.peers, addr),
            None => (0..self.peers.len()).any(|i| self.peers.is_at(i, addr)),
        }
    }

    /// Adds or refreshes a peer we heard from directly, evicting the least
    /// recently seen peer when the table is full. Callers check addresses
    /// first ([`PeerTable::touch`]): this moves a known peer to `addr`.
    pub fn upsert(&mut self, id: NodeId, addr: SocketAddr, now: Time, verified: bool) -> Upsert {
        let new = Peer {
            id,
            addr,
            last_seen: now,
            verified,
            speaks_plumtree: self.speaks_plumtree(id),
        };
        if let Some(shared) = &mut self.shared {
            return shared.upsert(new, self.limit);
        }
        if let Some(i) = self.position(id) {
            let moved = !self.peers.is_at(i, addr);
            if let Some(index) = self.index.as_mut().filter(|_| moved) {
                index.forget(&self.peers, i);
            }
            self.peers.set_addr(i, addr);
            self.peers.set_seen(i, now);
            self.peers.add_verified(i, verified);
            if let Some(index) = self.index.as_mut().filter(|_| moved) {
                index.add(&self.peers, i);
            }
            return Upsert::Refreshed;
        }
        if self.peers.len() < self.limit {
            self.push(&new);
            return Upsert::Added;
        }
        let Some(oldest) = (0..self.peers.len()).min_by_key(|&i| self.peers.last_seen(i)) else {
            return Upsert::NoRoom;
        };
        if let Some(index) = &mut self.index {
            index.forget(&self.peers, oldest);
        }
        let evicted = self.peers.replace(oldest, &new);
        if let Some(index) = &mut self.index {
            index.add(&self.peers, oldest);
        }
        Upsert::AddedEvicting(evicted)
    }

    /// Appends `peer` (not in the table, which has room).
    fn push(&mut self, peer: &Peer) {
        // Sized once for the limit (up to 64), so a million idle simulated
        // nodes do not each carry a doubled-up vector.
        self.peers.reserve_first(self.limit.min(64));
        self.peers.push(peer);
        if let Some(index) = &mut self.index {
            index.add(&self.peers, self.peers.len() - 1);
        }
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
        let new = Peer {
            id,
            addr,
            last_seen: now,
            verified: true,
            speaks_plumtree,
        };
        let added = if let Some(shared) = &mut self.shared {
            shared.insert_new(new, self.limit)
        } else if self.peers.len() >= self.limit || self.position(id).is_some() {
            false
        } else {
            self.push(&new);
            true
        };
        if added {
            self.remember_plumtree(id, speaks_plumtree);
        }
        added
    }

    /// [`PeerTable::insert_new`] of each of `peers` in turn, with the same
    /// result, for peers known to be distinct and not in the table (a
    /// generated overlay's neighbours): no lookup per peer, so filling a
    /// table of `d` costs O(d), not O(d²). Returns the peers added.
    pub fn insert_distinct(
        &mut self,
        peers: impl IntoIterator<Item = (NodeId, SocketAddr)>,
        now: Time,
        speaks_plumtree: bool,
    ) -> usize {
        let before = self.len();
        if self.shared.is_some() {
            for (id, addr) in peers {
                self.insert_new(id, addr, now, speaks_plumtree);
            }
            return self.len() - before;
        }
        for (id, addr) in peers.into_iter().take(self.limit.saturating_sub(before)) {
            debug_assert!(self.position(id).is_none(), "{id:?} is in the table");
            self.push(&Peer {
                id,
                addr,
                last_seen: now,
                verified: true,
                speaks_plumtree,
            });
            self.remember_plumtree(id, speaks_plumtree);
        }
        self.len() - before
    }

    /// Checks a message claiming peer `id` from `addr`: a known peer at the
    /// same address is marked as just heard from; a known peer at another
    /// address is left untouched (addresses are sticky, see [`Lookup::Elsewhere`]).
    pub fn touch(&mut self, id: NodeId, addr: SocketAddr, now: Time) -> Lookup {
        if let Some(shared) = &mut self.shared {
            return shared.touch(id, addr, now);
        }
        match self.position(id) {
            Some(i) if self.peers.is_at(i, addr) => {
                self.peers.set_seen(i, now);
                Lookup::Here
            }
            Some(i) => Lookup::Elsewhere(self.peers.peer(i)),
            None => Lookup::Unknown,
        }
    }

    /// Records whether node `id` speaks Plumtree (from its HELLO), in its
    /// table entry and in a bounded memory that outlives the entry.
    pub fn set_plumtree(&mut self, id: NodeId, speaks: bool) {
        if let Some(shared) = &mut self.shared {
            shared.set_plumtree(id, speaks);
        } else if let Some(i) = self.position(id) {
            self.peers.set_plumtree(i, speaks);
        }
        self.remember_plumtree(id, speaks);
    }

    /// The bounded memory of [`PeerTable::set_plumtree`].
    fn remember_plumtree(&mut self, id: NodeId, speaks: bool) {
        if !speaks {
            if let Some(memory) = &mut self.plumtree {
                memory.ids.remove(&id);
            }
            return;
        }
        let memory = self.plumtree.get_or_insert_with(Box::default);
        if memory.ids.insert(id) {
            memory.order.push_back(id);
            if memory.order.len() > MAX_PLUMTREE_IDS {
                if let Some(old) = memory.order.pop_front() {
                    memory.ids.remove(&old);
                }
            }
        }
    }

    /// Whether node `id`, in the table or not, said it speaks Plumtree.
    pub fn speaks_plumtree(&self, id: NodeId) -> bool {
        self.plumtree.as_ref().is_some_and(|m| m.ids.contains(&id))
    }

    /// Removes the peer with this id.
    pub fn remove(&mut self, id: NodeId) -> Option<Peer> {
        if let Some(shared) = &mut self.shared {
            return shared.remove(id);
        }
        let i = self.position(id)?;
        if let Some(index) = &mut self.index {
            index.forget(&self.peers, i);
            index.close_gap(i);
        }
        Some(self.peers.remove(i))
    }

    /// Removes every peer silent for longer than `timeout`, passing each to `on_removed`.
    pub fn remove_silent(
        &mut self,
        now: Time,
        timeout: Duration,
        mut on_removed: impl FnMut(Peer),
    ) {
        if let Some(shared) = &mut self.shared {
            return shared.remove_silent(now, timeout, on_removed);
        }
        let before = self.peers.len();
        self.peers.retain(|p| {
            let alive = now.saturating_since(p.last_seen) <= timeout;
            if !alive {
                on_removed(p);
            }
            alive
        });
        if self.peers.len() < before {
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

    /// The same random operations on an indexed, a scanned and a loaded
    /// table (keys into a shared directory) give the same answers and the
    /// same order.
    #[test]
    fn the_index_and_the_directory_change_no_answer_and_no_order() {
        let mut rng = NodeRng::from_seed_u64(5);
        let addr_of = |port: u64| SocketAddr::from(([127, 0, 0, 1], 9_000 + port as u16));
        // The directory names 30 of the 80 ids the operations use, at some
        // of the addresses they use; the others become the loaded table's
        // own entries.
        let listed: Vec<(NodeId, SocketAddr)> = (0..30)
            .map(|x| (NodeId(x), addr_of(x as u64 * 2)))
            .collect();
        let dir = Arc::new(Directory::new(listed.iter().copied()).unwrap());
        let own = NodeId(7);
        let keys: Vec<u32> = [3, 9, 7, 3, 99, 12, 0, 29, 1, 18, 9, 25, 4].into();
        let t0 = Time::from_millis(1_000_000);
        let (mut indexed, mut scanned) = (PeerTable::build(40, true), PeerTable::build(40, false));
        let mut loaded = PeerTable::build(40, true);
        for table in [&mut indexed, &mut scanned] {
            for &k in &keys {
                if let Some((id, addr)) = dir.entry(k).filter(|&(id, _)| id != own) {
                    table.insert_new(id, addr, t0, false);
                }
            }
        }
        assert_eq!(loaded.load(&dir, &keys, own, t0, false), 9);
        assert_eq!(scanned.len(), 9);
        assert!(loaded.shared.is_some());
        for step in 0..20_000u64 {
            let now = t0 + Duration::from_millis(step);
            // Half the ids share one tag, so the scan also meets tags that match
            // another peer's id.
            let x = u128::from(rng.below(40));
            let id = NodeId(if rng.below(2) == 0 { x } else { (x << 64) | x });
            let addr = addr_of(rng.below(70));
            let tables = [&mut indexed, &mut scanned, &mut loaded];
            let answers: Vec<String> = match rng.below(8) {
                0 | 1 => tables
                    .map(|t| format!("{:?}", t.upsert(id, addr, now, step % 2 == 0)))
                    .into(),
                2 => tables
                    .map(|t| format!("{:?}", t.touch(id, addr, now)))
                    .into(),
                3 => tables.map(|t| format!("{:?}", t.remove(id))).into(),
                6 => tables
                    .map(|t| format!("{:?}", t.insert_new(id, addr, now, step % 3 == 0)))
                    .into(),
                4 => {
                    let timeout = Duration::from_millis(rng.below(400));
                    tables
                        .map(|t| {
                            let mut gone = Vec::new();
                            t.remove_silent(now, timeout, |p| gone.push(p));
                            format!("{gone:?}")
                        })
                        .into()
                }
                7 => {
                    // Small draws sample without listing; large ones list
                    // (or, loaded, keep their swaps on the heap).
                    let k = match rng.below(4) {
                        0 => 17 + rng.below(30) as usize,
                        _ => rng.below(5) as usize,
                    };
                    let except = (step % 2 == 0).then_some(id);
                    let mut draws = rng.clone();
                    let mut listed: Vec<SocketAddr> = tables[1]
                        .iter()
                        .filter(|p| Some(p.id) != except)
                        .map(|p| p.addr)
                        .collect();
                    let front = draws.choose_front(&mut listed, k).to_vec();
                    let listing = format!("{front:?} then {}", draws.below(1 << 40));
                    let mut answers: Vec<String> = tables
                        .map(|t| {
                            let mut draws = rng.clone();
                            let mut out = Vec::new();
                            let n = t.sample_addrs(&mut draws, k, except, &mut out);
                            format!("{:?} then {}", &out[..n], draws.below(1 << 40))
                        })
                        .into();
                    answers.push(listing);
                    answers
                }
                _ => tables
                    .map(|t| {
                        t.set_plumtree(id, step % 3 == 0);
                        String::new()
                    })
                    .into(),
            };
            assert!(
                answers.iter().all(|a| *a == answers[0]),
                "step {step}: {answers:?}"
            );
            assert_eq!(indexed.get(id), scanned.get(id));
            assert_eq!(loaded.get(id), scanned.get(id));
            assert_eq!(indexed.has_addr(addr), scanned.has_addr(addr));
            assert_eq!(loaded.has_addr(addr), scanned.has_addr(addr), "step {step}");
            assert_eq!(loaded.speaks_plumtree(id), scanned.speaks_plumtree(id));
            assert!(
                indexed.iter().eq(scanned.iter()) && loaded.iter().eq(scanned.iter()),
                "same order at step {step}"
            );
            assert!(scanned.peers.tags_match());
        }
        assert!(indexed.index.is_some() && scanned.index.is_none() && loaded.shared.is_some());
    }

    /// Loading into a table that already has peers inserts one by one, and
    /// a directory refuses repeated ids and addresses.
    #[test]
    fn loading_a_used_table_inserts_and_directories_are_distinct() {
        let a = SocketAddr::from(([127, 0, 0, 1], 9_000));
        let b = SocketAddr::from(([127, 0, 0, 1], 9_001));
        assert!(Directory::new([(NodeId(1), a), (NodeId(1), b)]).is_none());
        assert!(Directory::new([(NodeId(1), a), (NodeId(2), a)]).is_none());
        let dir = Arc::new(Directory::new([(NodeId(1), a), (NodeId(2), b)]).unwrap());
        let mut table = PeerTable::new(100);
        table.insert_new(NodeId(2), b, Time::ZERO, false);
        assert_eq!(table.load(&dir, &[0, 1], NodeId(9), Time::ZERO, false), 1);
        assert!(table.shared.is_none());
        assert_eq!(
            table.iter().map(|p| p.id).collect::<Vec<_>>(),
            [NodeId(2), NodeId(1)]
        );
        // Two peers out of 2 000: a bit per directory entry would cost more.
        let many = (0..2_000u16).map(|x| (NodeId(x.into()), SocketAddr::from(([10, 0, 0, 1], x))));
        let many = Arc::new(Directory::new(many).unwrap());
        let mut small = PeerTable::new(100);
        assert_eq!(small.load(&many, &[5, 6], NodeId(9), Time::ZERO, false), 2);
        assert!(small.shared.is_none());
        let mut large = PeerTable::new(100);
        assert_eq!(
            large.load(&many, &[5, 6, 7, 8], NodeId(9), Time::ZERO, false),
            4
        );
        assert!(large.shared.is_some());
    }

    /// Loaded entries nobody touched go silent together, in table order.
    #[test]
    fn untouched_loaded_entries_time_out() {
        let addr = |port| SocketAddr::from(([127, 0, 0, 1], port));
        let dir = (0..3).map(|x| (NodeId(x), addr(9_000 + x as u16)));
        let dir = Arc::new(Directory::new(dir).unwrap());
        let t0 = Time::from_millis(5_000);
        let mut table = PeerTable::new(100);
        table.load(&dir, &[2, 0, 1], NodeId(9), t0, false);
        let later = t0 + Duration::from_millis(10);
        assert_eq!(table.touch(NodeId(0), addr(9_000), later), Lookup::Here);
        let mut gone = Vec::new();
        let timeout = Duration::from_millis(5);
        table.remove_silent(later, timeout, |p| gone.push(p.id));
        assert_eq!(gone, [NodeId(2), NodeId(1)]);
        assert_eq!(table.iter().map(|p| p.id).collect::<Vec<_>>(), [NodeId(0)]);
    }

    /// Distinct peers inserted at once fill a table (own entries, indexed
    /// or not, or keys into a directory) exactly as inserting each in turn
    /// does, up to the limit, with the same memory of who speaks Plumtree.
    #[test]
    fn distinct_peers_inserted_at_once_are_inserted_one_by_one() {
        let addr = |x: u16| SocketAddr::from(([10, 0, 0, 1], x));
        let t0 = Time::from_millis(3);
        let dir = (0..200).map(|x| (NodeId(x), addr(x as u16)));
        let dir = Arc::new(Directory::new(dir).unwrap());
        for (limit, count, speaks) in [
            (20, 20, false),
            (20, 30, true),
            (100, 80, true),
            (100, 150, false),
        ] {
            let peers = (0..count).map(|x| (NodeId(1_000 - x), addr(x as u16)));
            let mut loaded = PeerTable::new(limit);
            loaded.load(&dir, &(0..100).collect::<Vec<_>>(), NodeId(7), t0, speaks);
            let tables = [
                PeerTable::new(limit),
                PeerTable::build(limit, false),
                loaded,
            ];
            for table in tables {
                let (mut one_by_one, mut at_once) = (table.clone(), table);
                let added = peers
                    .clone()
                    .filter(|&(id, a)| one_by_one.insert_new(id, a, t0, speaks));
                let added = added.count();
                assert_eq!(at_once.insert_distinct(peers.clone(), t0, speaks), added);
                assert!(
                    at_once.iter().eq(one_by_one.iter()),
                    "limit {limit}, {count} peers"
                );
                let ids = (0..count).map(|x| NodeId(1_000 - x));
                assert!(ids
                    .clone()
                    .all(|id| at_once.speaks_plumtree(id) == one_by_one.speaks_plumtree(id)));
            }
        }
    }

    #[test]
    fn only_large_tables_are_indexed() {
        assert!(PeerTable::new(INDEX_FROM).index.is_none());
        assert!(PeerTable::new(INDEX_FROM + 1).index.is_some());
    }
}
