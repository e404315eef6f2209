//! Overlays generated directly, for large runs and for comparing topologies.
//! Each gives, for every node, the neighbours to put into its peer table.

use crate::rng::NodeRng;
use crate::sim::scenario::Overlay;

/// Every node's neighbours, in the order they were linked, in one flat
/// vector (a million nodes' lists are two allocations, not a million).
#[derive(Debug, Clone, Default)]
pub struct Adjacency {
    /// Where node `i`'s list starts in `flat`; `n + 1` entries.
    start: Vec<usize>,
    flat: Vec<u32>,
}

impl Adjacency {
    /// Packs per-node lists.
    fn from_lists(lists: &[Vec<u32>]) -> Adjacency {
        let mut adj = Adjacency {
            start: Vec::with_capacity(lists.len() + 1),
            flat: Vec::with_capacity(lists.iter().map(Vec::len).sum()),
        };
        adj.start.push(0);
        for list in lists {
            adj.flat.extend_from_slice(list);
            adj.start.push(adj.flat.len());
        }
        adj
    }

    /// Node `i`'s neighbours (empty for a node the overlay does not cover).
    pub fn neighbours(&self, i: u32) -> &[u32] {
        let i = i as usize;
        match (self.start.get(i), self.start.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.flat[a..b],
            _ => &[],
        }
    }

    /// Nodes covered.
    pub fn len(&self) -> usize {
        self.start.len().saturating_sub(1)
    }

    /// True when no node is covered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The largest number of neighbours of any node.
    pub fn max_degree(&self) -> usize {
        self.start
            .windows(2)
            .map(|w| w[1] - w[0])
            .max()
            .unwrap_or(0)
    }
}

/// The overlay's adjacency; `None` for [`Overlay::Bootstrap`], which the
/// protocol forms by itself.
pub fn generate(
    overlay: &Overlay,
    n: u32,
    peer_limit: u32,
    rng: &mut NodeRng,
) -> Option<Adjacency> {
    let (k, beta) = match *overlay {
        Overlay::Bootstrap => return None,
        Overlay::Full => return Some(full(n, peer_limit, rng)),
        Overlay::RandomRegular { degree } => return Some(random_regular(n, degree, rng)),
        Overlay::Ring { k } => (k, 0.0),
        Overlay::SmallWorld { k, beta } => (k, beta),
    };
    let mut adj: Vec<Vec<u32>> = vec![Vec::new(); n as usize];
    ring(&mut adj, k, beta, rng);
    Some(Adjacency::from_lists(&adj))
}

/// Every node with `peer_limit` random others (all of them when the limit
/// allows), written straight into the flat vector: at 10 000 nodes that is
/// 100 million entries, and no per-node lists to copy.
fn full(n: u32, peer_limit: u32, rng: &mut NodeRng) -> Adjacency {
    let k = peer_limit.min(n.saturating_sub(1)) as usize;
    let mut adj = Adjacency {
        start: Vec::with_capacity(n as usize + 1),
        flat: Vec::with_capacity(n as usize * k),
    };
    adj.start.push(0);
    let mut all = Vec::new();
    for i in 0..n {
        adj.flat
            .extend_from_slice(sample_others(rng, n, i, k, &mut all));
        adj.start.push(adj.flat.len());
    }
    adj
}

/// `k` distinct random nodes other than `me`, in `buf`.
fn sample_others<'a>(
    rng: &mut NodeRng,
    n: u32,
    me: u32,
    k: usize,
    buf: &'a mut Vec<u32>,
) -> &'a [u32] {
    buf.clear();
    if 2 * k >= n as usize {
        buf.extend((0..n).filter(|&j| j != me));
        return rng.choose_front(buf, k);
    }
    while buf.len() < k {
        let j = rng.below(u64::from(n)) as u32;
        if j != me && !buf.contains(&j) {
            buf.push(j);
        }
    }
    buf
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
/// No node gets more than `degree` neighbours, so the lists are built in
/// fixed-size rows of one buffer, which then becomes the flat vector.
fn random_regular(n: u32, degree: u32, rng: &mut NodeRng) -> Adjacency {
    let d = degree as usize;
    let mut stubs = vec![0u32; n as usize * d];
    for (i, node) in (0..n).zip(stubs.chunks_exact_mut(d.max(1))) {
        node.fill(i);
    }
    let len = stubs.len();
    rng.choose_front(&mut stubs, len);
    // Stubs 2p and 2p + 1 make pair p. Each node's row gets the other end
    // of each of its pairs, in pair order: a counting sort by node, whose
    // only random accesses are writes (nothing waits for them).
    let paired = stubs.len() / 2 * 2;
    let mut rows = vec![0u32; n as usize * d];
    let mut lens = vec![0u32; n as usize];
    for (s, &x) in stubs[..paired].iter().enumerate() {
        let x = x as usize;
        rows[x * d + lens[x] as usize] = stubs[s ^ 1];
        lens[x] += 1;
    }
    // Then, row by row, self-loops and the later pairs of a repeated link
    // are dropped (a pair is skipped in both its rows, as if skipped while
    // pairing; `last_row[x]` is the last row `x` was kept in, so a repeat
    // costs one read, not a scan of the row), and the rows are packed in
    // place: each moves down to where the previous one ended, so a million
    // nodes' lists are not copied to a second buffer.
    let mut start = Vec::with_capacity(n as usize + 1);
    start.push(0);
    let mut end = 0;
    let mut last_row = vec![u32::MAX; n as usize];
    for (i, &len) in (0..n).zip(&lens) {
        let row = i as usize * d;
        for k in row..row + len as usize {
            let x = rows[k];
            if x != i && last_row[x as usize] != i {
                last_row[x as usize] = i;
                rows[end] = x;
                end += 1;
            }
        }
        start.push(end);
    }
    rows.truncate(end);
    Adjacency { start, flat: rows }
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
        assert!((0..10).all(|i| adj.neighbours(i).len() == 4));
    }

    #[test]
    fn random_regular_is_nearly_regular_and_simple() {
        let mut rng = NodeRng::from_seed_u64(2);
        let adj = generate(&Overlay::RandomRegular { degree: 6 }, 1_000, 20, &mut rng).unwrap();
        let total: usize = (0..1_000).map(|i| adj.neighbours(i).len()).sum();
        assert!(total > 1_000 * 6 * 95 / 100);
        assert_eq!(adj.max_degree(), 6);
        for i in 0..1_000u32 {
            let peers = adj.neighbours(i);
            assert!(!peers.contains(&i));
            for &j in peers {
                assert!(adj.neighbours(j).contains(&i), "links are symmetric");
            }
            let mut sorted = peers.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), peers.len());
        }
    }

    /// The pairing model done pair by pair, as the generator once did: the
    /// adjacency the fast generator must give, list for list.
    fn pair_by_pair(n: u32, d: u32, rng: &mut NodeRng) -> Vec<Vec<u32>> {
        let mut stubs: Vec<u32> = (0..n)
            .flat_map(|i| std::iter::repeat_n(i, d as usize))
            .collect();
        let len = stubs.len();
        rng.choose_front(&mut stubs, len);
        let mut adj = vec![Vec::new(); n as usize];
        for pair in stubs.chunks_exact(2) {
            link(&mut adj, pair[0], pair[1]);
        }
        adj
    }

    /// Self-loops and repeated links (many, with few nodes), an odd stub
    /// count, and a large overlay: the same lists in the same order.
    #[test]
    fn random_regular_is_the_pairing_model_pair_by_pair() {
        for (n, d, seed) in [
            (3, 4, 1),
            (5, 3, 2),
            (7, 6, 3),
            (20_000, 20, 4),
            (1, 5, 5),
            (0, 3, 6),
        ] {
            let (mut a, mut b) = (NodeRng::from_seed_u64(seed), NodeRng::from_seed_u64(seed));
            let fast = random_regular(n, d, &mut a);
            let reference = pair_by_pair(n, d, &mut b);
            assert_eq!(fast.len(), n as usize);
            for i in 0..n {
                assert_eq!(
                    fast.neighbours(i),
                    reference[i as usize],
                    "n {n}, d {d}: node {i}"
                );
            }
            assert_eq!(a.below(1 << 40), b.below(1 << 40));
        }
    }

    #[test]
    fn full_membership_is_capped_by_peer_limit() {
        let mut rng = NodeRng::from_seed_u64(3);
        let adj = generate(&Overlay::Full, 50, 20, &mut rng).unwrap();
        assert!((0..50).all(|i| adj.neighbours(i).len() == 20));
        let small = generate(&Overlay::Full, 5, 20, &mut rng).unwrap();
        assert!((0..5).all(|i| small.neighbours(i).len() == 4));
        assert!(small.neighbours(5).is_empty());
    }
}
