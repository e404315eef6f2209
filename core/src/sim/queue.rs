//! The simulator's event queue: earliest first, ties broken by insertion
//! order, so the same inputs always replay in the same order.
//!
//! The heaps (4-ary, see [`QuadHeap`]) hold small keys (time, sequence,
//! slot), so sifting moves 24
//! bytes, not whole events; the events wait in a slab whose free slots are
//! reused. Events due more than [`NEAR`] after the last one popped (every
//! node's next liveness round, seconds away) wait in a second heap, so the
//! datagrams in flight are sifted through a heap of their own size rather
//! than one holding a timer per node. Popping takes the earlier of the two
//! tops, so the order is the same as with one heap.

use core::cmp::Ordering;

use crate::time::Time;

use super::heap::QuadHeap;

#[derive(Debug, Clone, Copy)]
struct Pending {
    at: Time,
    seq: u64,
    slot: u32,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    /// Earliest first, then insertion order.
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// How far ahead of the clock an event may be and still go into the heap
/// of near events.
const NEAR: core::time::Duration = core::time::Duration::from_millis(100);

/// Events of type `T`, each due at a [`Time`].
#[derive(Debug)]
pub(super) struct EventQueue<T> {
    near: QuadHeap<Pending>,
    far: QuadHeap<Pending>,
    /// When the last popped event was due.
    clock: Time,
    slab: Vec<Option<T>>,
    free: Vec<u32>,
    seq: u64,
}

impl<T> EventQueue<T> {
    /// An empty queue.
    pub(super) fn new() -> EventQueue<T> {
        EventQueue {
            near: QuadHeap::new(),
            far: QuadHeap::new(),
            clock: Time::ZERO,
            slab: Vec::new(),
            free: Vec::new(),
            seq: 0,
        }
    }

    /// Queues `what` at `at`, after everything already queued for that time.
    pub(super) fn push(&mut self, at: Time, what: T) {
        self.seq += 1;
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slab[slot as usize] = Some(what);
                slot
            }
            None => {
                self.slab.push(Some(what));
                (self.slab.len() - 1) as u32
            }
        };
        let pending = Pending {
            at,
            seq: self.seq,
            slot,
        };
        if at <= self.clock + NEAR {
            self.near.push(pending);
        } else {
            self.far.push(pending);
        }
    }

    /// The heap whose top is the earliest event.
    fn earliest(&mut self) -> &mut QuadHeap<Pending> {
        match (self.near.peek(), self.far.peek()) {
            (Some(n), Some(f)) if f < n => &mut self.far,
            (None, Some(_)) => &mut self.far,
            _ => &mut self.near,
        }
    }

    /// The earliest event and its time.
    pub(super) fn pop(&mut self) -> Option<(Time, Option<T>)> {
        let event = self.earliest().pop()?;
        self.clock = self.clock.max(event.at);
        let what = self.slab[event.slot as usize].take();
        if what.is_some() {
            self.free.push(event.slot);
        }
        Some((event.at, what))
    }

    /// When the earliest event is due.
    pub(super) fn peek_time(&self) -> Option<Time> {
        match (self.near.peek(), self.far.peek()) {
            (Some(n), Some(f)) => Some(n.at.min(f.at)),
            (n, f) => n.or(f).map(|e| e.at),
        }
    }

    /// Events waiting.
    pub(super) fn len(&self) -> usize {
        self.near.len() + self.far.len()
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn earliest_first_then_insertion_order_and_slots_are_reused() {
        let mut q = EventQueue::new();
        let t = |ms| Time::from_millis(ms);
        q.push(t(5), "late");
        q.push(t(1), "first");
        q.push(t(1), "second");
        assert_eq!(q.peek_time(), Some(t(1)));
        assert_eq!(q.pop(), Some((t(1), Some("first"))));
        assert_eq!(q.pop(), Some((t(1), Some("second"))));
        q.push(t(3), "reused");
        assert_eq!(q.slab.len(), 3, "a freed slot was reused");
        assert_eq!(q.pop(), Some((t(3), Some("reused"))));
        assert_eq!(q.pop(), Some((t(5), Some("late"))));
        assert_eq!((q.pop(), q.len()), (None, 0));
    }

    #[test]
    fn near_and_far_events_pop_in_one_order() {
        let mut q = EventQueue::new();
        let t = |ms| Time::from_millis(ms);
        q.push(t(10_000), "far, first of its time");
        q.push(t(50), "near");
        q.pop();
        q.push(t(10_000), "pushed near its time, second");
        q.push(t(9_000), "far, earlier");
        assert_eq!((q.near.len(), q.far.len()), (0, 3));
        assert_eq!(q.peek_time(), Some(t(9_000)));
        assert_eq!(q.pop(), Some((t(9_000), Some("far, earlier"))));
        q.push(t(9_050), "near again");
        assert_eq!(q.near.len(), 1);
        assert_eq!(q.pop(), Some((t(9_050), Some("near again"))));
        assert_eq!(q.pop(), Some((t(10_000), Some("far, first of its time"))));
        assert_eq!(
            q.pop(),
            Some((t(10_000), Some("pushed near its time, second")))
        );
    }
}
