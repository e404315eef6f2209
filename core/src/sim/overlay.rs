//! Overlays generated directly, for large runs and for comparing topologies.
//! Each returns, for every node, the neighbours to put into its peer table.

use crate::rng::NodeRng;
use crate::sim::scenario::Overlay;

/// Adjacency lists of a generated overlay; `None` for [`Overlay::Bootstrap`],
/// which the protocol forms by itself.
pub fn generate(
    overlay: &Overlay,
    n: u32,
    peer_limit: u32,
    rng: &mut NodeRng,
) -> Option<Vec<Vec<u32>>> {
    let n_us = n as usize;
    let mut adj: Vec<Vec<u32>> = vec![Vec::new(); n_us];
    match *overlay {
        Overlay::Bootstrap => return None,
        Overlay::Full => {
            let k = peer_limit.min(n.saturating_sub(1)) as usize;
            for (i, peers) in adj.iter_mut().enumerate() {
                *peers = sample_others(rng, n, i as u32, k);
            }
        }
        Overlay::RandomRegular { degree } => random_regular(&mut adj, degree, rng),
        Overlay::Ring { k } => ring(&mut adj, k, 0.0, rng),
        Overlay::SmallWorld { k, beta } => ring(&mut adj, k, beta, rng),
    }
    Some(adj)
}

/// `k` distinct random nodes other than `me`.
fn sample_others(rng: &mut NodeRng, n: u32, me: u32, k: usize) -> Vec<u32> {
    if 2 * k >= n as usize {
        let mut all: Vec<u32> = (0..n).filter(|&j| j != me).collect();
        rng.choose_front(&mut all, k);
        all.truncate(k);
        return all;
    }
    let mut picked = Vec::with_capacity(k);
    while picked.len() < k {
        let j = rng.below(u64::from(n)) as u32;
        if j != me && !picked.contains(&j) {
            picked.push(j);
        }
    }
    picked
}

fn link(adj: &mut [Vec<u32>], a: u32, b: u32) -> bool {
    if a == b || adj[a as usize].contains(&b) {
        return false;
    }
    adj[a as usize].push(b);
    adj[b as usize].push(a);
    true
}

/// The pairing model: `degree` stubs per node, shuffled and paired; self-loops
/// and repeated edges are skipped, so a few nodes end slightly below `degree`.
fn random_regular(adj: &mut [Vec<u32>], degree: u32, rng: &mut NodeRng) {
    let n = adj.len() as u32;
    let mut stubs: Vec<u32> = (0..n)
        .flat_map(|i| std::iter::repeat_n(i, degree as usize))
        .collect();
    let len = stubs.len();
    rng.choose_front(&mut stubs, len);
    for pair in stubs.chunks_exact(2) {
        link(adj, pair[0], pair[1]);
    }
}

/// A ring lattice with `k` neighbours on each side; each edge is rewired to a
/// random node with probability `beta` (Watts-Strogatz).
fn ring(adj: &mut [Vec<u32>], k: u32, beta: f64, rng: &mut NodeRng) {
    let n = adj.len() as u32;
    if n < 2 {
        return;
    }
    for i in 0..n {
        for step in 1..=k.min((n - 1) / 2).max(1) {
            let mut j = (i + step) % n;
            if rng.chance(beta) {
                j = rng.below(u64::from(n)) as u32;
            }
            link(adj, i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn ring_has_two_k_neighbours() {
        let mut rng = NodeRng::from_seed_u64(1);
        let adj = generate(&Overlay::Ring { k: 2 }, 10, 20, &mut rng).unwrap();
        assert!(adj.iter().all(|p| p.len() == 4));
    }

    #[test]
    fn random_regular_is_nearly_regular_and_simple() {
        let mut rng = NodeRng::from_seed_u64(2);
        let adj = generate(&Overlay::RandomRegular { degree: 6 }, 1_000, 20, &mut rng).unwrap();
        let total: usize = adj.iter().map(Vec::len).sum();
        assert!(total > 1_000 * 6 * 95 / 100);
        for (i, peers) in adj.iter().enumerate() {
            assert!(!peers.contains(&(i as u32)));
            let mut sorted = peers.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), peers.len());
        }
    }

    #[test]
    fn full_membership_is_capped_by_peer_limit() {
        let mut rng = NodeRng::from_seed_u64(3);
        let adj = generate(&Overlay::Full, 50, 20, &mut rng).unwrap();
        assert!(adj.iter().all(|p| p.len() == 20));
        let small = generate(&Overlay::Full, 5, 20, &mut rng).unwrap();
        assert!(small.iter().all(|p| p.len() == 4));
    }
}
