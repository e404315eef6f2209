//! One sort for code where size matters more than speed.
//!
//! The standard library's sorts are generic, so every element type and
//! comparison gets its own copy of the whole algorithm: in the browser
//! lab's wasm that was about 50 KB of sort code for a dozen call sites.
//! These functions sort a list of indices with one comparison behind a
//! `dyn` call, then move the elements into place, so every call site
//! shares one compiled sort and adds only its comparison.
//!
//! The sort is stable: the result is exactly that of [`slice::sort_by`],
//! so it also stands in for `sort_unstable` wherever equal elements cannot
//! be told apart (plain integers, tuples of them, floats under `total_cmp`),
//! and outputs stay bit-identical. Use the standard sorts on hot paths.

use core::cmp::Ordering;

/// Sorts `items` in ascending order (stable; see the module docs).
pub fn sort<T: Ord>(items: &mut [T]) {
    sort_by(items, T::cmp);
}

/// Sorts `items` stably by the key `key` returns.
pub fn sort_by_key<T, K: Ord>(items: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `items` stably by `cmp`: the same order as [`slice::sort_by`].
pub fn sort_by<T>(items: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let mut order = sorted_indices(items.len(), &mut |a, b| cmp(&items[a], &items[b]));
    permute(&mut order, &mut |a, b| items.swap(a, b));
}

/// The indices `0..len` in the stable order `cmp` gives them: the one
/// compiled sort every caller shares.
fn sorted_indices(len: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// Rearranges a list, through `swap`, so that position `k` holds what was at
/// `order[k]`: one pass along each cycle of the permutation (`order` is
/// used up as the marks of the positions already placed).
fn permute(order: &mut [usize], swap: &mut dyn FnMut(usize, usize)) {
    const PLACED: usize = usize::MAX;
    for start in 0..order.len() {
        let mut k = start;
        while order[k] != PLACED {
            let from = order[k];
            order[k] = PLACED;
            if from == start {
                break;
            }
            swap(k, from);
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
        for (seed, n, range) in [(1, 0, 5), (2, 1, 5), (3, 7, 3), (4, 100, 10), (5, 1000, 1000)] {
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
        permute(&mut order, &mut |a, b| items.swap(a, b));
        assert_eq!(items, ['c', 'a', 'b', 'd', 'f', 'e']);
    }
}
