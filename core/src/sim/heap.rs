//! A 4-ary min-heap: half the depth of a binary heap, and a node's four
//! children sit side by side in memory, so a pop from a heap of a few hundred
//! thousand events touches about half as many cache lines.

/// Items of type `T`, smallest first. With distinct items (the event queue's
/// keys are unique) the pop order is the sorted order, as with any heap.
#[derive(Debug, Clone)]
pub(super) struct QuadHeap<T> {
    items: Vec<T>,
}

impl<T: Ord + Copy> QuadHeap<T> {
    /// An empty heap.
    pub(super) fn new() -> QuadHeap<T> {
        QuadHeap { items: Vec::new() }
    }

    /// Items held.
    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    /// True when no item is held.
    pub(super) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The smallest item.
    pub(super) fn peek(&self) -> Option<&T> {
        self.items.first()
    }

    /// Adds `item`.
    pub(super) fn push(&mut self, item: T) {
        let mut i = self.items.len();
        self.items.push(item);
        while i > 0 {
            let parent = (i - 1) / 4;
            if self.items[parent] <= item {
                break;
            }
            self.items[i] = self.items[parent];
            i = parent;
        }
        self.items[i] = item;
    }

    /// Removes and returns the smallest item. A full group of four children
    /// is compared as two pairs and then their winners (three comparisons,
    /// not a loop over the children); only the last, partial group takes the
    /// general path.
    pub(super) fn pop(&mut self) -> Option<T> {
        let last = self.items.pop()?;
        let Some(&top) = self.items.first() else {
            return Some(last);
        };
        let n = self.items.len();
        let mut i = 0;
        loop {
            let first = 4 * i + 1;
            if first >= n {
                break;
            }
            let offset = match self.items.get(first..first + 4) {
                Some(c) => {
                    let a = usize::from(c[1] < c[0]);
                    let b = 2 + usize::from(c[3] < c[2]);
                    if c[b] < c[a] {
                        b
                    } else {
                        a
                    }
                }
                None => {
                    let children = &self.items[first..];
                    let mut least = 0;
                    for (k, child) in children.iter().enumerate().skip(1) {
                        if *child < children[least] {
                            least = k;
                        }
                    }
                    least
                }
            };
            let least = self.items[first + offset];
            if last <= least {
                break;
            }
            self.items[i] = least;
            i = first + offset;
        }
        self.items[i] = last;
        Some(top)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::rng::NodeRng;

    #[test]
    fn pops_in_sorted_order_with_pushes_in_between() {
        let mut rng = NodeRng::from_seed_u64(9);
        let mut heap = QuadHeap::new();
        let mut model: Vec<u64> = Vec::new();
        for step in 0..5_000u64 {
            if rng.below(3) > 0 {
                // Distinct values: the step in the low bits.
                let v = rng.below(1_000) << 16 | step;
                heap.push(v);
                model.push(v);
            } else {
                model.sort_unstable_by(|a, b| b.cmp(a));
                assert_eq!(heap.pop(), model.pop());
            }
            assert_eq!(heap.len(), model.len());
            assert_eq!(heap.peek().copied(), model.iter().min().copied());
        }
        model.sort_unstable();
        for v in model {
            assert_eq!(heap.pop(), Some(v));
        }
        assert_eq!(heap.pop(), None);
    }
}
