//! The simulator's event queue: earliest first, ties broken by insertion
//! order, so the same inputs always replay in the same order.
//!
//! The heap holds small keys (time, sequence, slot), so sifting moves 24
//! bytes, not whole events; the events wait in a slab whose free slots are
//! reused.

use core::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::time::Time;

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
    /// Reversed, so the max-heap pops the earliest event (lowest seq on ties).
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// Events of type `T`, each due at a [`Time`].
#[derive(Debug)]
pub(super) struct EventQueue<T> {
    heap: BinaryHeap<Pending>,
    slab: Vec<Option<T>>,
    free: Vec<u32>,
    seq: u64,
}

impl<T> EventQueue<T> {
    /// An empty queue.
    pub(super) fn new() -> EventQueue<T> {
        EventQueue {
            heap: BinaryHeap::new(),
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
        self.heap.push(Pending {
            at,
            seq: self.seq,
            slot,
        });
    }

    /// The earliest event and its time.
    pub(super) fn pop(&mut self) -> Option<(Time, Option<T>)> {
        let event = self.heap.pop()?;
        let what = self.slab[event.slot as usize].take();
        if what.is_some() {
            self.free.push(event.slot);
        }
        Some((event.at, what))
    }

    /// When the earliest event is due.
    pub(super) fn peek_time(&self) -> Option<Time> {
        self.heap.peek().map(|e| e.at)
    }

    /// Events waiting.
    pub(super) fn len(&self) -> usize {
        self.heap.len()
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
}
