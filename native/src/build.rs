//! Building a large simulated overlay's nodes on every core.
//!
//! Core's simulator builds nodes one after another, as a sans-IO library
//! must; building a node is a pure function of the scenario, so this
//! driver hands it a [`BuildNodes`] that spreads a large run's nodes over
//! scoped threads, which take batches of contiguous nodes until none are
//! left (a thread slowed by a busy core or a slower heap takes fewer), and
//! returns them in order. Most
//! of a 100 000-node run's memory is first touched here, so two cores fault
//! it in about twice as fast; the run is the same run.

use std::sync::atomic::{AtomicUsize, Ordering};

use gossip_core::sim::{build_in_order, BuildNodes};
use gossip_core::Node;

/// Runs of fewer nodes are built on one thread: not worth a thread.
const PARALLEL_FROM: u32 = 20_000;

/// Nodes a thread builds per batch it takes.
const BATCH: usize = 1_024;

/// Nodes `0..n`, built on every available core when there are many.
#[allow(
    clippy::vec_box,
    reason = "the simulator keeps each node in its own box (the node, then its peer table, on neighbouring pages)"
)]
fn build_on_every_core(n: u32, build: &(dyn Fn(u32) -> Box<Node> + Sync)) -> Vec<Box<Node>> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if n < PARALLEL_FROM || threads < 2 {
        return build_in_order(n, build);
    }
    let next = AtomicUsize::new(0);
    // Batches (first node, nodes) until every node is taken.
    let take_batches = || {
        let mut batches = Vec::new();
        loop {
            let from = next.fetch_add(BATCH, Ordering::Relaxed);
            if from >= n as usize {
                return batches;
            }
            let to = (from + BATCH).min(n as usize);
            batches.push((
                from,
                (from as u32..to as u32).map(build).collect::<Vec<_>>(),
            ));
        }
    };
    std::thread::scope(|scope| {
        // This thread builds too: its allocations come from the main heap,
        // which grows in large steps, while a spawned thread's heap grows a
        // page at a time (glibc: one mprotect per page, each holding the
        // address-space lock the other thread's page faults wait for).
        let workers: Vec<_> = (1..threads).map(|_| scope.spawn(take_batches)).collect();
        let mut batches = take_batches();
        for worker in workers {
            batches.extend(worker.join().expect("building a node does not panic"));
        }
        batches.sort_unstable_by_key(|&(from, _)| from);
        let mut nodes = Vec::with_capacity(n as usize);
        for (_, batch) in batches {
            nodes.extend(batch);
        }
        nodes
    })
}

/// The builder `gossip sim` gives the simulator.
pub const ON_EVERY_CORE: BuildNodes<'static> = &build_on_every_core;

#[cfg(test)]
mod tests {
    use gossip_core::sim::{Overlay, Scenario, Simulator};
    use gossip_core::Mode;

    use super::*;

    /// A run large enough to be built on several threads starts exactly the
    /// nodes core's in-order build starts (their whole state), in every
    /// strategy.
    #[test]
    fn nodes_built_on_every_core_are_the_nodes_built_in_order() {
        for mode in [Mode::Push, Mode::Plumtree] {
            let mut sc = Scenario {
                nodes: PARALLEL_FROM,
                seed: 5,
                overlay: Overlay::RandomRegular { degree: 8 },
                ..Scenario::default()
            };
            sc.node.mode = mode;
            let in_order = Simulator::new(sc.clone());
            let spread = Simulator::with_builder(sc, ON_EVERY_CORE);
            for i in (0..PARALLEL_FROM).step_by(97) {
                let a = format!("{:?}", in_order.node(i).unwrap());
                let b = format!("{:?}", spread.node(i).unwrap());
                assert_eq!(a, b, "{mode:?}: node {i}");
            }
        }
    }
}
