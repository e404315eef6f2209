//! Seeded randomness: every random choice of a node comes from its own
//! [`NodeRng`], so a run is a function of its seeds.
//!
//! The generator (xoshiro256++) and the sampling below use only 64-bit
//! arithmetic, so the same seed gives the same choices on 64-bit native
//! targets and on 32-bit `wasm32`, where `usize`-based sampling would differ.
//! That is also why [`NodeRng::below`] and [`NodeRng::choose_front`] are ours:
//! rand's `gen_range` rejects draws in a wider zone and its slice sampling
//! draws `u32` indices for short slices, so either would change every trace.
//! Floats come from rand's `Standard` distribution, which draws exactly as the
//! lab always has (53 high bits of one `u64`).

use rand::Rng;
use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// A node's deterministic random source.
#[derive(Clone, Debug)]
pub struct NodeRng(Xoshiro256PlusPlus);

/// SplitMix64 finaliser: spreads one 64-bit value over all bits.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl NodeRng {
    /// A generator from one 64-bit seed.
    pub fn from_seed_u64(seed: u64) -> NodeRng {
        NodeRng(Xoshiro256PlusPlus::seed_from_u64(seed))
    }

    /// A uniform integer in `0..n` (`n` > 0), without modulo bias.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        // Lemire's nearly-divisionless method on 64-bit values.
        // The threshold (a division) is below `n`: only a low word below
        // `n` needs it.
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as u64
    }

    /// A uniform float in `[0, 1)`: rand's `Standard` distribution, the 53
    /// high bits of one `u64` draw.
    pub fn unit(&mut self) -> f64 {
        self.gen::<f64>()
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.unit() < p
    }

    /// Moves `k` distinct elements chosen uniformly at random to the front of
    /// `items` (a partial Fisher-Yates shuffle) and returns that prefix.
    pub fn choose_front<'a, T>(&mut self, items: &'a mut [T], k: usize) -> &'a [T] {
        let k = k.min(items.len());
        for i in 0..k {
            let remaining = (items.len() - i) as u64;
            let j = i + self.below(remaining) as usize;
            items.swap(i, j);
        }
        &items[..k]
    }
}

impl RngCore for NodeRng {
    fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.0.try_fill_bytes(dest)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut rng = NodeRng::from_seed_u64(1);
        let mut seen = [false; 7];
        for _ in 0..1_000 {
            let v = rng.below(7) as usize;
            seen[v] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }

    #[test]
    fn choose_front_picks_distinct() {
        let mut rng = NodeRng::from_seed_u64(3);
        let mut items: Vec<u32> = (0..10).collect();
        let mut picked = rng.choose_front(&mut items, 4).to_vec();
        picked.sort_unstable();
        picked.dedup();
        assert_eq!(picked.len(), 4);
    }

    #[test]
    fn unit_is_the_53_high_bits_of_one_draw() {
        let mut a = NodeRng::from_seed_u64(9);
        let mut b = NodeRng::from_seed_u64(9);
        for _ in 0..100 {
            let bits = b.next_u64() >> 11;
            assert_eq!(a.unit(), bits as f64 / (1u64 << 53) as f64);
        }
    }

    #[test]
    fn known_sequence_is_stable() {
        let mut a = NodeRng::from_seed_u64(42);
        let mut b = NodeRng::from_seed_u64(42);
        let xs: Vec<u64> = (0..4).map(|_| a.below(1_000)).collect();
        let ys: Vec<u64> = (0..4).map(|_| b.below(1_000)).collect();
        assert_eq!(xs, ys);
    }
}
