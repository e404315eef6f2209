//! Bounded memory of gossip: the ids seen (to drop duplicates) and the full
//! gossips kept to answer IWANT. Both evict first-in, first-out.

use std::collections::VecDeque;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::id::MsgId;
use crate::message::Gossip;

/// The ids of the last `capacity` distinct gossips.
#[derive(Debug, Clone)]
pub struct SeenCache {
    ids: FxHashSet<MsgId>,
    order: VecDeque<MsgId>,
    capacity: usize,
}

impl SeenCache {
    /// An empty cache remembering at most `capacity` ids (at least one).
    pub fn new(capacity: usize) -> SeenCache {
        SeenCache {
            ids: FxHashSet::default(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Records `id`; false when it was already there.
    pub fn insert(&mut self, id: MsgId) -> bool {
        if !self.ids.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.ids.remove(&oldest);
            }
        }
        true
    }

    /// Whether `id` is remembered.
    pub fn contains(&self, id: MsgId) -> bool {
        self.ids.contains(&id)
    }

    /// Ids remembered.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// The last `capacity` gossips received or published, in arrival order,
/// each with the `ttl` this node forwards it at.
#[derive(Debug, Clone)]
pub struct MessageStore {
    by_id: FxHashMap<MsgId, (Arc<Gossip>, u32)>,
    order: VecDeque<MsgId>,
    capacity: usize,
}

impl MessageStore {
    /// An empty store keeping at most `capacity` gossips (at least one).
    pub fn new(capacity: usize) -> MessageStore {
        MessageStore {
            by_id: FxHashMap::default(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Keeps `gossip` under `id`, forwarded at `ttl`, evicting the oldest when full.
    pub fn insert(&mut self, id: MsgId, gossip: Arc<Gossip>, ttl: u32) {
        if self.by_id.insert(id, (gossip, ttl)).is_some() {
            return;
        }
        self.order.push_back(id);
        if self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.by_id.remove(&oldest);
            }
        }
    }

    /// The gossip with this id, if still kept.
    pub fn get(&self, id: MsgId) -> Option<&Arc<Gossip>> {
        self.by_id.get(&id).map(|(g, _)| g)
    }

    /// The `ttl` this node forwards gossip `id` at, if still kept.
    pub fn forward_ttl(&self, id: MsgId) -> Option<u32> {
        self.by_id.get(&id).map(|&(_, ttl)| ttl)
    }

    /// The `n` most recent ids, newest first.
    pub fn recent(&self, n: usize) -> impl Iterator<Item = MsgId> + '_ {
        self.order.iter().rev().take(n).copied()
    }

    /// Gossips kept.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
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
}
