//! One sort for code where size matters more than speed.
//!
//! The standard library's sorts are generic, so every element type and
//! comparison gets its own copy of the whole algorithm: in the browser
//! lab's wasm that was about 50 KB of sort code for a dozen call sites.
//! These functions take the comparison behind a `dyn` call, so every call
//! site shares one small compiled sort (insertion sort in place for short
//! lists, without allocating; a merge sort of indices, then one pass moving
//! the elements into place, for longer ones) and adds only its comparison.
//!
//! The sort is stable: the result is exactly that of [`slice::sort_by`],
//! so it also stands in for `sort_unstable` wherever equal elements cannot
//! be told apart (plain integers, tuples of them, floats under `total_cmp`),
//! and outputs stay bit-identical.

use core::cmp::Ordering;

/// Sorts `items` in ascending order (stable; see the module docs).
pub fn sort<T: Ord>(items: &mut [T]) {
    sort_by(items, T::cmp);
}

/// Sorts `items` stably by the key `key` returns.
pub fn sort_by_key<T, K: Ord>(items: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// Lists up to this long are insertion-sorted in place.
const SHORT: usize = 24;

/// Sorts `items` stably by `cmp`: the same order as [`slice::sort_by`].
pub fn sort_by<T>(items: &mut [T], cmp: impl FnMut(&T, &T) -> Ordering) {
    let len = items.len();
    sort_list(len, &mut Slice { items, cmp });
}

/// A list being sorted, as the one compiled sort sees it: positions
/// compared and swapped through a `dyn` call.
trait List {
    /// How the elements now at positions `a` and `b` compare.
    fn compare(&mut self, a: usize, b: usize) -> Ordering;
    /// Swaps the elements at positions `a` and `b`.
    fn swap(&mut self, a: usize, b: usize);
}

/// A slice and its comparison.
struct Slice<'a, T, F> {
    items: &'a mut [T],
    cmp: F,
}

impl<T, F: FnMut(&T, &T) -> Ordering> List for Slice<'_, T, F> {
    fn compare(&mut self, a: usize, b: usize) -> Ordering {
        (self.cmp)(&self.items[a], &self.items[b])
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.items.swap(a, b);
    }
}

/// Sorts positions `0..len` of `list` stably.
fn sort_list(len: usize, list: &mut dyn List) {
    if len <= SHORT {
        insertion_sort(len, list);
    } else {
        let mut order = sorted_indices(len, list);
        permute(&mut order, list);
    }
}

/// Stable insertion sort: an element moves left only past strictly
/// greater ones.
fn insertion_sort(len: usize, list: &mut dyn List) {
    for i in 1..len {
        let mut j = i;
        while j > 0 && list.compare(j - 1, j) == Ordering::Greater {
            list.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// The indices `0..len` in the stable order of `list` (left untouched), by
/// a bottom-up merge sort: on a tie the left run's index goes first.
fn sorted_indices(len: usize, list: &mut dyn List) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    let mut merged = vec![0; len];
    let mut width = 1;
    while width < len {
        for lo in (0..len).step_by(2 * width) {
            let mid = (lo + width).min(len);
            let hi = (lo + 2 * width).min(len);
            let (mut i, mut j) = (lo, mid);
            for slot in &mut merged[lo..hi] {
                let left =
                    i < mid && (j >= hi || list.compare(order[i], order[j]) != Ordering::Greater);
                if left {
                    *slot = order[i];
                    i += 1;
                } else {
                    *slot = order[j];
                    j += 1;
                }
            }
        }
        core::mem::swap(&mut order, &mut merged);
        width *= 2;
    }
    order
}

/// Rearranges `list` so that position `k` holds what was at `order[k]`:
/// one pass along each cycle of the permutation (`order` is used up as the
/// marks of the positions already placed).
fn permute(order: &mut [usize], list: &mut dyn List) {
    const PLACED: usize = usize::MAX;
    for start in 0..order.len() {
        let mut k = start;
        while order[k] != PLACED {
            let from = order[k];
            order[k] = PLACED;
            if from == start {
                break;
            }
            list.swap(k, from);
            k = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so the tests need no dependency.
    fn values(seed: u64, n: usize, range: u64) -> Vec<u64> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (x >> 33) % range
            })
            .collect()
    }

    #[test]
    fn sorts_like_the_standard_stable_sort() {
        for (seed, n, range) in [
            (1, 0, 5),
            (2, 1, 5),
            (3, 7, 3),
            (4, SHORT, 4),
            (6, SHORT + 1, 4),
            (7, 33, 1000),
            (4, 100, 10),
            (5, 1000, 1000),
        ] {
            // Keyed by value, tagged by position: the tags show stability.
            let items: Vec<(u64, usize)> = values(seed, n, range)
                .into_iter()
                .enumerate()
                .map(|(i, v)| (v, i))
                .collect();
            let mut ours = items.clone();
            sort_by_key(&mut ours, |&(v, _)| v);
            let mut std = items;
            std.sort_by_key(|&(v, _)| v);
            assert_eq!(ours, std, "seed {seed}, {n} items");
        }
    }

    #[test]
    fn sorts_floats_and_descending() {
        let mut xs = vec![2.5_f64, -1.0, 0.0, 7.25, -0.0, 2.5];
        sort_by(&mut xs, f64::total_cmp);
        assert_eq!(xs, [-1.0, -0.0, 0.0, 2.5, 2.5, 7.25]);
        assert!(xs[1].is_sign_negative() && xs[2].is_sign_positive());
        let mut ys = values(9, 50, 20);
        sort_by(&mut ys, |a, b| b.cmp(a));
        assert!(ys.windows(2).all(|w| w[0] >= w[1]));
        let mut zs = values(9, 50, 20);
        sort(&mut zs);
        ys.reverse();
        assert_eq!(ys, zs);
    }

    #[test]
    fn permutes_every_cycle() {
        let mut items = vec!['a', 'b', 'c', 'd', 'e', 'f'];
        // Two cycles and a fixed point.
        let mut order = vec![2, 0, 1, 3, 5, 4];
        let mut list = Slice {
            items: &mut items,
            cmp: char::cmp,
        };
        permute(&mut order, &mut list);
        assert_eq!(items, ['c', 'a', 'b', 'd', 'f', 'e']);
    }
}
