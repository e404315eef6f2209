//! The simulator's event queue: earliest first, ties broken by insertion
//! order, so the same inputs always replay in the same order.
//!
//! The queue orders small keys (time, sequence, slot), so sorting and
//! sifting move 24 bytes, not whole events; the events wait in a slab whose
//! free slots are reused. See [`EventQueue`] for how the keys are kept.

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

/// Width of one bucket of the ring, in microseconds.
const WIDTH: u64 = 64;

/// Buckets in the ring: it holds the events due within `RING * WIDTH` µs
/// (131 ms) after the current bucket, beyond which events wait in `far`.
const RING: u64 = 2_048;

/// Events of type `T`, each due at a [`Time`].
///
/// A calendar queue: time is cut into buckets of [`WIDTH`] µs. The events
/// of the current bucket wait sorted, latest first, so the earliest pops off
/// the end (`current`), beside a small heap of those pushed into the bucket
/// after it was sorted (`late`); those of the next [`RING`] buckets wait
/// unsorted, each in its bucket's vector, and a bucket is sorted when it
/// becomes current; later ones (every node's next liveness round, seconds
/// away) wait in a heap of their own (`far`). A datagram in flight is thus
/// pushed onto a vector and sorted among the few hundred of its bucket,
/// instead of being sifted through a heap of every datagram in flight, and
/// the events after the next are known in order ([`EventQueue::ahead`]), so
/// the simulator can fetch their memory before it needs it. Every event in
/// `current` or `late` is due before every event in the ring or in `far`,
/// and both are empty only when the ring is: the earliest event is the
/// earlier of `current`'s last and `late`'s top, or `far`'s top when both
/// are empty. So the pop order is the (time, insertion) order, as with one
/// heap.
#[derive(Debug)]
pub(super) struct EventQueue<T> {
    current: Vec<Pending>,
    late: QuadHeap<Pending>,
    /// Index of the first bucket not in `current`: the ring and `far` hold
    /// only events due at or after its start (`next_bucket * WIDTH` µs).
    next_bucket: u64,
    /// Bucket `b` of `next_bucket..next_bucket + RING` is `ring[b % RING]`.
    ring: Vec<Vec<Pending>>,
    /// Events in the ring.
    in_ring: usize,
    far: QuadHeap<Pending>,
    slab: Vec<Entry<T>>,
    free: Vec<u32>,
    seq: u64,
}

/// A slot of the slab: aligned so that an event of up to 32 bytes (the
/// simulator's are) never straddles two cache lines.
#[derive(Debug)]
#[repr(align(32))]
struct Entry<T>(Option<T>);

/// The bucket an event due at `at` falls in.
fn bucket(at: Time) -> u64 {
    at.as_micros() / WIDTH
}

impl<T> EventQueue<T> {
    /// An empty queue.
    pub(super) fn new() -> EventQueue<T> {
        EventQueue {
            current: Vec::new(),
            late: QuadHeap::new(),
            next_bucket: 0,
            ring: (0..RING).map(|_| Vec::new()).collect(),
            in_ring: 0,
            far: QuadHeap::new(),
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
                self.slab[slot as usize] = Entry(Some(what));
                slot
            }
            None => {
                self.slab.push(Entry(Some(what)));
                (self.slab.len() - 1) as u32
            }
        };
        let pending = Pending {
            at,
            seq: self.seq,
            slot,
        };
        let b = bucket(at);
        if b < self.next_bucket {
            self.late.push(pending);
        } else if b - self.next_bucket < RING {
            self.ring[(b % RING) as usize].push(pending);
            self.in_ring += 1;
            if self.bucket_is_empty() {
                self.advance();
            }
        } else {
            self.far.push(pending);
        }
    }

    /// True when the current bucket holds no event.
    fn bucket_is_empty(&self) -> bool {
        self.current.is_empty() && self.late.is_empty()
    }

    /// Makes the earliest non-empty bucket current (the current one is
    /// empty and the ring is not): its events, sorted, and those of `far`
    /// due within it.
    fn advance(&mut self) {
        let in_ring = (self.next_bucket..self.next_bucket + RING)
            .find(|b| !self.ring[(b % RING) as usize].is_empty())
            .expect("the ring holds an event");
        let next = match self.far.peek() {
            Some(p) => in_ring.min(bucket(p.at)),
            None => in_ring,
        };
        if in_ring == next {
            let slot = &mut self.ring[(next % RING) as usize];
            self.in_ring -= slot.len();
            let mut events = core::mem::replace(slot, core::mem::take(&mut self.current));
            events.sort_unstable_by(|a, b| b.cmp(a));
            self.current = events;
        }
        self.next_bucket = next + 1;
        while let Some(p) = self.far.peek().copied() {
            if bucket(p.at) > next {
                break;
            }
            self.far.pop();
            self.late.push(p);
        }
    }

    /// The earliest event of the current bucket.
    fn pop_bucket(&mut self) -> Option<Pending> {
        match (self.current.last(), self.late.peek()) {
            (Some(sorted), Some(late)) if late < sorted => self.late.pop(),
            (Some(_), _) => self.current.pop(),
            (None, _) => self.late.pop(),
        }
    }

    /// The earliest event and its time.
    pub(super) fn pop(&mut self) -> Option<(Time, Option<T>)> {
        let event = match self.pop_bucket() {
            Some(event) => {
                if self.bucket_is_empty() && self.in_ring > 0 {
                    self.advance();
                }
                event
            }
            None => {
                // The ring is empty too: the earliest is `far`'s, and the
                // ring now starts at its bucket.
                let event = self.far.pop()?;
                self.next_bucket = bucket(event.at);
                event
            }
        };
        let what = self.slab[event.slot as usize].0.take();
        if what.is_some() {
            self.free.push(event.slot);
        }
        Some((event.at, what))
    }

    /// The event `k` places after the earliest, when the current bucket's
    /// sorted events hold it (an event pushed into the bucket since, or
    /// beyond it, is not seen): a hint of what comes next, for fetching its
    /// memory early, never for deciding anything.
    pub(super) fn ahead(&self, k: usize) -> Option<&T> {
        self.slab[self.slot_ahead(k)?].0.as_ref()
    }

    /// Asks the processor to fetch the slot of the event `k` places after
    /// the earliest ([`EventQueue::ahead`]) into its cache.
    pub(super) fn prefetch_ahead(&self, k: usize) {
        if let Some(slot) = self.slot_ahead(k) {
            crate::prefetch::slice(&self.slab, slot);
        }
    }

    /// The slab slot of the event [`EventQueue::ahead`] shows.
    fn slot_ahead(&self, k: usize) -> Option<usize> {
        let i = self.current.len().checked_sub(k + 1)?;
        Some(self.current[i].slot as usize)
    }

    /// When the earliest event is due.
    pub(super) fn peek_time(&self) -> Option<Time> {
        let bucket = match (self.current.last(), self.late.peek()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        bucket.or(self.far.peek()).map(|p| p.at)
    }

    /// Events waiting.
    pub(super) fn len(&self) -> usize {
        self.current.len() + self.late.len() + self.in_ring + self.far.len()
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::rng::NodeRng;

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

    /// What `ahead(k)` shows is the event that pops `k + 1` pops later
    /// while the current bucket is left alone, and none of what was pushed
    /// into it after it was sorted (that event still pops first).
    #[test]
    fn the_events_ahead_are_those_that_pop_next() {
        let mut q = EventQueue::new();
        q.push(Time::ZERO, 100);
        for i in 0..40u64 {
            q.push(Time::from_micros(10 * WIDTH + (i * 7) % 40), i);
        }
        assert_eq!(q.pop().map(|(_, w)| w), Some(Some(100)));
        assert_eq!(q.pop().map(|(_, w)| w), Some(Some(0)));
        let hinted: Vec<u64> = (0..5).map(|k| *q.ahead(k).unwrap()).collect();
        let popped: Vec<u64> = (0..5).map(|_| q.pop().unwrap().1.unwrap()).collect();
        assert_eq!(hinted, popped);
        q.push(Time::from_micros(10 * WIDTH), 99);
        let next = *q.ahead(0).unwrap();
        assert_eq!(q.pop().unwrap().1, Some(99), "a late event pops first");
        assert_eq!(q.pop().unwrap().1, Some(next));
        q.prefetch_ahead(2);
        assert_eq!(q.ahead(1_000), None);
    }

    /// Events due microseconds, milliseconds and seconds ahead (the
    /// current bucket, the ring, beyond it), pushed while others pop, and
    /// many at the same time: they pop in (time, insertion) order, as a
    /// sorted list of everything pushed says.
    #[test]
    fn events_at_every_distance_pop_in_time_then_insertion_order() {
        let mut rng = NodeRng::from_seed_u64(3);
        let mut q = EventQueue::new();
        let mut model: Vec<(Time, u64)> = Vec::new();
        let mut clock = Time::ZERO;
        let mut pushed = 0u64;
        let mut popped = Vec::new();
        for _ in 0..20_000 {
            if rng.below(5) < 3 {
                let ahead = match rng.below(4) {
                    0 => rng.below(WIDTH * 2),
                    1 => rng.below(7_000),
                    2 => rng.below(RING * WIDTH * 3),
                    _ => 1_000 * rng.below(4),
                };
                let at = Time::from_micros(clock.as_micros() + ahead);
                pushed += 1;
                q.push(at, pushed);
                model.push((at, pushed));
            } else if let Some((at, what)) = q.pop() {
                assert!(at >= clock);
                clock = at;
                popped.push((at, what.unwrap()));
            }
            assert_eq!(q.len(), model.len() - popped.len());
            assert_eq!(q.peek_time().is_some(), q.len() > 0);
        }
        while let Some((at, what)) = q.pop() {
            popped.push((at, what.unwrap()));
        }
        model.sort();
        assert_eq!(popped, model);
        assert_eq!((q.len(), q.in_ring, q.far.len()), (0, 0, 0));
    }
}
