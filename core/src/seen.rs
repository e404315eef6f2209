//! Bounded memory of gossip: the ids seen (to drop duplicates) and the full
//! gossips kept to answer IWANT. Both evict first-in, first-out.
//!
//! Each keeps its entries in a ring buffer whose first entry sits inside
//! the node (most nodes of a large simulation see one gossip, or a few),
//! and an index by id beside it only once it holds more than
//! [`SCAN_UP_TO`]: a scan of a few ids costs less than a hash table's
//! allocations and cache misses.

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
use smallvec::SmallVec;

use crate::id::MsgId;
use crate::message::Gossip;

/// Entries up to which lookups scan the ring buffer; past it, an index by
/// id is built.
pub const SCAN_UP_TO: usize = 8;

/// At most `capacity` items in arrival order: from `head` to the end of
/// `slots`, then from the start. Once full, a new item takes the oldest's
/// slot, so an item keeps its slot for as long as it is held. The first
/// item needs no allocation.
#[derive(Debug, Clone)]
struct Ring<T> {
    slots: SmallVec<[T; 1]>,
    head: usize,
}

impl<T> Ring<T> {
    fn new() -> Ring<T> {
        Ring {
            slots: SmallVec::new(),
            head: 0,
        }
    }

    /// Adds `item` and returns its slot, and the item it pushed out.
    fn push(&mut self, item: T, capacity: usize) -> (usize, Option<T>) {
        if self.slots.len() < capacity {
            self.slots.push(item);
            return (self.slots.len() - 1, None);
        }
        let slot = self.head;
        let old = std::mem::replace(&mut self.slots[slot], item);
        self.head = (slot + 1) % self.slots.len();
        (slot, Some(old))
    }

    /// The items, oldest first.
    fn oldest_first(&self) -> impl DoubleEndedIterator<Item = &T> {
        let (newer, older) = self.slots.split_at(self.head);
        older.iter().chain(newer)
    }
}

/// The ids of the last `capacity` distinct gossips.
#[derive(Debug, Clone)]
pub struct SeenCache {
    ring: Ring<MsgId>,
    /// The same ids once there are more than [`SCAN_UP_TO`].
    ids: Option<Box<FxHashSet<MsgId>>>,
    capacity: usize,
}

impl SeenCache {
    /// An empty cache remembering at most `capacity` ids (at least one).
    pub fn new(capacity: usize) -> SeenCache {
        SeenCache {
            ring: Ring::new(),
            ids: None,
            capacity: capacity.max(1),
        }
    }

    /// Records `id`; false when it was already there.
    pub fn insert(&mut self, id: MsgId) -> bool {
        if self.contains(id) {
            return false;
        }
        let (_, oldest) = self.ring.push(id, self.capacity);
        match &mut self.ids {
            Some(ids) => {
                if let Some(oldest) = oldest {
                    ids.remove(&oldest);
                }
                ids.insert(id);
            }
            None if self.ring.slots.len() > SCAN_UP_TO => {
                self.ids = Some(Box::new(self.ring.slots.iter().copied().collect()));
            }
            None => {}
        }
        true
    }

    /// Whether `id` is remembered.
    pub fn contains(&self, id: MsgId) -> bool {
        match &self.ids {
            Some(ids) => ids.contains(&id),
            None => self.ring.slots.contains(&id),
        }
    }

    /// Ids remembered.
    pub fn len(&self) -> usize {
        self.ring.slots.len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.ring.slots.is_empty()
    }
}

/// One kept gossip: its id, the gossip, and the `ttl` it is forwarded at.
type Kept = (MsgId, Arc<Gossip>, u32);

/// The last `capacity` gossips received or published, in arrival order,
/// each with the `ttl` this node forwards it at.
#[derive(Debug, Clone)]
pub struct MessageStore {
    ring: Ring<Kept>,
    /// Each id's slot in the ring, once more than [`SCAN_UP_TO`] are kept.
    by_id: Option<Box<FxHashMap<MsgId, usize>>>,
    capacity: usize,
}

impl MessageStore {
    /// An empty store keeping at most `capacity` gossips (at least one).
    pub fn new(capacity: usize) -> MessageStore {
        MessageStore {
            ring: Ring::new(),
            by_id: None,
            capacity: capacity.max(1),
        }
    }

    /// The slot of `id` in the ring.
    fn slot(&self, id: MsgId) -> Option<usize> {
        match &self.by_id {
            Some(by_id) => by_id.get(&id).copied(),
            None => self.ring.slots.iter().position(|kept| kept.0 == id),
        }
    }

    /// Keeps `gossip` under `id`, forwarded at `ttl`, evicting the oldest
    /// when full; a kept id gets the new gossip and `ttl` in its place.
    pub fn insert(&mut self, id: MsgId, gossip: Arc<Gossip>, ttl: u32) {
        if let Some(slot) = self.slot(id) {
            self.ring.slots[slot] = (id, gossip, ttl);
            return;
        }
        let (slot, oldest) = self.ring.push((id, gossip, ttl), self.capacity);
        match &mut self.by_id {
            Some(by_id) => {
                if let Some((oldest, _, _)) = oldest {
                    by_id.remove(&oldest);
                }
                by_id.insert(id, slot);
            }
            None if self.ring.slots.len() > SCAN_UP_TO => {
                let slots = self.ring.slots.iter().enumerate();
                let by_id = slots.map(|(slot, kept)| (kept.0, slot)).collect();
                self.by_id = Some(Box::new(by_id));
            }
            None => {}
        }
    }

    /// The gossip with this id, if still kept.
    pub fn get(&self, id: MsgId) -> Option<&Arc<Gossip>> {
        self.slot(id).map(|slot| &self.ring.slots[slot].1)
    }

    /// The `ttl` this node forwards gossip `id` at, if still kept.
    pub fn forward_ttl(&self, id: MsgId) -> Option<u32> {
        self.slot(id).map(|slot| self.ring.slots[slot].2)
    }

    /// The `n` most recent ids, newest first.
    pub fn recent(&self, n: usize) -> impl Iterator<Item = MsgId> + '_ {
        self.ring.oldest_first().rev().take(n).map(|kept| kept.0)
    }

    /// Gossips kept.
    pub fn len(&self) -> usize {
        self.ring.slots.len()
    }

    /// True when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.ring.slots.is_empty()
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn seen_cache_evicts_oldest() {
        let mut seen = SeenCache::new(2);
        assert!(seen.insert(MsgId(1)));
        assert!(!seen.insert(MsgId(1)));
        assert!(seen.insert(MsgId(2)));
        assert!(seen.insert(MsgId(3)));
        assert_eq!(seen.len(), 2);
        assert!(!seen.contains(MsgId(1)));
        assert!(seen.contains(MsgId(3)));
    }

    #[test]
    fn store_keeps_recent_newest_first() {
        let gossip = Arc::new(Gossip {
            topic: "news".into(),
            data: "x".into(),
            origin_id: crate::NodeId(1),
            origin_timestamp_ms: 0,
        });
        let mut store = MessageStore::new(2);
        for i in 1..=3 {
            store.insert(MsgId(i), gossip.clone(), 3);
        }
        assert_eq!(
            store.recent(5).collect::<Vec<_>>(),
            vec![MsgId(3), MsgId(2)]
        );
        assert!(store.get(MsgId(1)).is_none());
        assert_eq!(store.forward_ttl(MsgId(3)), Some(3));
    }

    /// Below, at and past the scan limit, and evicting, both answer as
    /// plain first-in, first-out lists would.
    #[test]
    fn scanning_and_indexing_answer_alike() {
        let gossip = |n: u64| {
            Arc::new(Gossip {
                topic: "t".into(),
                data: n.to_string(),
                origin_id: crate::NodeId(1),
                origin_timestamp_ms: n,
            })
        };
        let mut rng = crate::rng::NodeRng::from_seed_u64(3);
        for capacity in [1, 5, SCAN_UP_TO, SCAN_UP_TO + 1, 40] {
            let mut seen = SeenCache::new(capacity);
            let mut store = MessageStore::new(capacity);
            let mut seen_model: Vec<MsgId> = Vec::new();
            let mut store_model: Vec<(MsgId, u64, u32)> = Vec::new();
            for step in 0..3_000u64 {
                let id = MsgId(u128::from(rng.below(60)));
                let fresh = !seen_model.contains(&id);
                assert_eq!(seen.insert(id), fresh, "capacity {capacity} step {step}");
                if fresh {
                    seen_model.push(id);
                    if seen_model.len() > capacity {
                        seen_model.remove(0);
                    }
                }
                let ttl = rng.below(9) as u32;
                store.insert(id, gossip(step), ttl);
                match store_model.iter_mut().find(|k| k.0 == id) {
                    Some(kept) => *kept = (id, step, ttl),
                    None => {
                        store_model.push((id, step, ttl));
                        if store_model.len() > capacity {
                            store_model.remove(0);
                        }
                    }
                }
                let probe = MsgId(u128::from(rng.below(60)));
                assert_eq!(seen.contains(probe), seen_model.contains(&probe));
                assert_eq!(seen.len(), seen_model.len());
                let kept = store_model.iter().find(|k| k.0 == probe);
                assert_eq!(
                    store.get(probe).map(|g| g.origin_timestamp_ms),
                    kept.map(|k| k.1),
                    "capacity {capacity} step {step}"
                );
                assert_eq!(store.forward_ttl(probe), kept.map(|k| k.2));
                let newest: Vec<MsgId> = store_model.iter().rev().map(|k| k.0).collect();
                assert!(store.recent(usize::MAX).eq(newest));
            }
        }
    }
}
