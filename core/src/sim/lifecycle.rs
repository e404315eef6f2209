//! Node lifecycle in the simulator: how a node is configured and started
//! (joining through the bootstrap node or wired into a generated overlay),
//! crashed, restarted, and woken by its timer.

use std::sync::Arc;

use crate::config::Config;
use crate::id::NodeId;
use crate::node::Node;
use crate::peers::{Directory, INDEX_FROM, SHARED_FROM};
use crate::pow;
use crate::rng::mix64;
use crate::time::Time;

use super::{node_addr, Simulator, TraceKind, What};

/// How a driver builds a generated overlay's `n` nodes: given `n` and the
/// function that builds node `i` (pure, and callable from any thread),
/// returns nodes `0..n` in order. Core builds them one after another
/// ([`build_in_order`]); the native CLI spreads a large run's over its
/// cores, where most of its memory is first touched. Core itself never
/// starts a thread.
pub type BuildNodes<'a> =
    &'a (dyn Fn(u32, &(dyn Fn(u32) -> Box<Node> + Sync)) -> Vec<Box<Node>> + Sync);

/// Builds nodes `0..n` one after another on this thread.
pub fn build_in_order(n: u32, build: &(dyn Fn(u32) -> Box<Node> + Sync)) -> Vec<Box<Node>> {
    (0..n).map(build).collect()
}

impl Simulator {
    /// Node `i` crashes now.
    pub fn crash(&mut self, i: u32) {
        if self.is_alive(i) {
            self.slots.set_alive(i as usize, false);
            self.slots.at[i as usize].timer_at = Time::MAX;
            self.record(TraceKind::Crash { node: i });
        }
    }

    /// Node `i` restarts now with fresh state and joins again.
    pub fn restart(&mut self, i: u32) {
        if (i as usize) < self.slots.len() && !self.is_alive(i) {
            self.start_node(i);
            self.record(TraceKind::Restart { node: i });
        }
    }

    pub(super) fn node_config(&self, i: u32) -> Config {
        let bootstrap =
            (self.overlay.is_none() && i > 0).then(|| node_addr(self.scenario.join_contact(i)));
        Config {
            addr: node_addr(i),
            bootstrap,
            node_id: None,
            seed: self.node_seed(i),
            ..self.scenario.node.clone()
        }
    }

    /// The seed of generated node `i`.
    fn node_seed(&self, i: u32) -> u64 {
        mix64(self.scenario.seed ^ mix64(u64::from(i)))
    }

    /// The id of generated node `i`, computed rather than looked up: cheaper
    /// than a cache miss on a table of a million ids.
    fn node_id(&self, i: u32) -> NodeId {
        Config::derived_node_id(self.node_seed(i), node_addr(i))
    }

    /// The directory of every generated node (its index is its key) that a
    /// generated overlay's tables are loaded from when they are large (a
    /// limit above [`INDEX_FROM`] and neighbours for one node in
    /// [`SHARED_FROM`], as full membership has): each node then holds 4
    /// bytes per peer instead of a 64-byte entry and its index. Small
    /// tables (random-regular 20) keep their own entries.
    pub(super) fn shared_directory(&self) -> Option<Arc<Directory>> {
        let widest = self.overlay.as_ref().map_or(0, |adj| adj.max_degree());
        let large = self.scenario.node.peer_limit as usize > INDEX_FROM
            && widest.saturating_mul(SHARED_FROM) >= self.scenario.nodes as usize;
        if !large {
            return None;
        }
        let nodes = (0..self.scenario.nodes).map(|i| (self.node_id(i), node_addr(i)));
        Directory::new(nodes).map(Arc::new)
    }

    /// Builds and starts node `i` now.
    pub(super) fn start_node(&mut self, i: u32) {
        let node = self.build_node(i, None);
        self.install_node(i, node);
    }

    /// Builds and starts nodes `0..n` of a generated overlay, in order: the
    /// nodes come from `build` (see [`BuildNodes`]), then each is started
    /// on this thread, exactly as [`Simulator::start_node`] of each in turn
    /// would.
    pub(super) fn start_overlay_nodes(&mut self, n: u32, build: BuildNodes<'_>) {
        // Every node's id, derived once here rather than once per table it
        // is in (twenty times over at degree 20); tables loaded from the
        // directory read it there.
        let ids: Vec<NodeId> = match self.directory {
            Some(_) => Vec::new(),
            None => (0..n).map(|i| self.node_id(i)).collect(),
        };
        let this = &*self;
        let built = build(n, &|i| this.build_node(i, Some(&ids)));
        assert_eq!(built.len(), n as usize, "the builder built every node");
        for (i, node) in (0..n).zip(built) {
            self.install_node(i, node);
        }
    }

    /// Node `i`, configured, with its proof of work and its generated
    /// overlay's peers, not yet started: a pure function of the scenario,
    /// the overlay and the directory, so a driver may call it for many nodes
    /// at once ([`BuildNodes`]). `ids`, when given, holds every generated
    /// node's id ([`Simulator::node_id`]).
    fn build_node(&self, i: u32, ids: Option<&[NodeId]>) -> Box<Node> {
        // Boxed: the node, then its peer table, are allocated one after the
        // other, so an event that reaches it finds both on neighbouring pages
        // (at 100 000 nodes the peer table's lookup, the largest cost of an
        // event, fell from 17 % to 8 % of the run's profile).
        let mut node = Box::new(match self.added_spec(i) {
            Some(added) => {
                let mut node = Node::new(added.config.clone(), self.now);
                if let Some(proof) = &added.proof {
                    node.set_pow_proof(self.now, proof.clone());
                }
                node
            }
            None => Node::with_template(&self.template, self.node_config(i), self.now),
        });
        // The node says whether it must solve a proof (only joiners do).
        if let Some((id_hex, k)) = node.pow_challenge() {
            node.set_pow_proof(self.now, pow::solve(&id_hex, k));
        }
        if let Some(adj) = &self.overlay {
            match &self.directory {
                Some(dir) => {
                    node.load_peers(self.now, dir, adj.neighbours(i));
                }
                None => {
                    // The overlay links distinct nodes, none to itself. Ids
                    // are read a block at a time before the block's inserts:
                    // in a large run each read is a cache miss, and issued
                    // together they overlap.
                    let id = |j: u32| ids.map_or_else(|| self.node_id(j), |ids| ids[j as usize]);
                    let mut read = [NodeId(0); 32];
                    for block in adj.neighbours(i).chunks(read.len()) {
                        for (slot, &j) in read.iter_mut().zip(block) {
                            *slot = id(j);
                        }
                        let peers = read.iter().zip(block);
                        node.insert_distinct_peers(
                            self.now,
                            peers.map(|(&id, &j)| (id, node_addr(j))),
                        );
                    }
                }
            }
        }
        node
    }

    /// Starts the built `node` as node `i`: it runs from now, and what it
    /// wants at once is carried out.
    fn install_node(&mut self, i: u32, node: Box<Node>) {
        self.slots.at[i as usize].node = Some(node);
        self.slots.set_alive(i as usize, true);
        self.slots.at[i as usize].timer_at = Time::MAX;
        self.record(TraceKind::Join { node: i });
        self.drain(i, false);
    }

    pub(super) fn fire_timer(&mut self, i: u32, at: Time) {
        if self.slots.at[i as usize].timer_at != at {
            return;
        }
        let Some(node) = self.slots.running_mut(i as usize) else {
            return;
        };
        node.handle_timeout(self.now);
        self.slots.at[i as usize].timer_at = Time::MAX;
        self.record(TraceKind::Timer { node: i });
        self.drain(i, false);
    }

    pub(super) fn schedule_timer(&mut self, i: u32) {
        let i_us = i as usize;
        let Some(at) = self.slots.at[i_us]
            .node
            .as_deref()
            .and_then(Node::poll_timeout)
        else {
            return;
        };
        if self.slots.at[i_us].alive && at < self.slots.at[i_us].timer_at {
            let at = at.max(self.now);
            self.slots.at[i_us].timer_at = at;
            self.push(at, What::Timer(i));
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::BuildNodes;
    use crate::config::Mode;
    use crate::sim::{Action, Overlay, Scenario, Scheduled, Simulator, TraceRecord};

    /// Nodes a driver builds out of order (here: last first) are started
    /// as the nodes one builder in order makes: every node's whole state
    /// (configuration, random state, peers in order, timers) is the same,
    /// in every strategy, so the run is the same run.
    #[test]
    fn nodes_built_in_any_order_start_as_the_nodes_built_in_order() {
        let backwards: BuildNodes<'_> = &|n, build| {
            let mut nodes: Vec<_> = (0..n).rev().map(build).collect();
            nodes.reverse();
            nodes
        };
        for mode in [Mode::Push, Mode::Plumtree] {
            let mut sc = Scenario {
                nodes: 2_000,
                seed: 5,
                overlay: Overlay::RandomRegular { degree: 8 },
                ..Scenario::default()
            };
            sc.node.mode = mode;
            let in_order = Simulator::new(sc.clone());
            let out_of_order = Simulator::with_builder(sc, backwards);
            for i in 0..2_000 {
                let a = format!("{:?}", in_order.node(i).unwrap());
                let b = format!("{:?}", out_of_order.node(i).unwrap());
                assert_eq!(a, b, "{mode:?}: node {i}");
            }
        }
    }

    /// Full membership of 50 nodes (limit 100), run once with the tables
    /// loaded from the shared directory and once with every node restarted
    /// at 0 with its own entries: through loss, a partition longer than the
    /// peer timeout (removals, probes, peers taken back in), a crash and a
    /// restart, both runs must be the same run, in every strategy.
    #[test]
    fn tables_from_the_shared_directory_run_exactly_as_own_tables() {
        let at = |at_ms: f64, action: Action| Scheduled { at_ms, action };
        let publish = |node: u32| Action::Publish {
            node,
            data: format!("from {node}"),
        };
        for mode in Mode::ALL {
            let run = |shared: bool| -> (Vec<TraceRecord>, Vec<usize>) {
                let mut sc = Scenario {
                    nodes: 50,
                    seed: 11,
                    overlay: Overlay::Full,
                    ..Scenario::default()
                };
                sc.node.mode = mode;
                sc.node.peer_limit = 100;
                sc.network.loss = 0.05;
                sc.schedule = vec![
                    at(500.0, publish(4)),
                    at(
                        1_000.0,
                        Action::Partition {
                            groups: vec![(0..20).collect()],
                        },
                    ),
                    at(2_000.0, Action::Crash { node: 3 }),
                    at(4_000.0, Action::Restart { node: 3 }),
                    at(5_000.0, publish(30)),
                    at(9_000.0, Action::Heal),
                    at(14_000.0, publish(3)),
                ];
                let mut sim = Simulator::new(sc);
                assert!(sim.directory.is_some());
                if !shared {
                    sim.directory = None;
                }
                for i in 0..50 {
                    sim.crash(i);
                    sim.restart(i);
                }
                sim.run_for_ms(20_000.0);
                let sizes = (0..50).map(|i| sim.node(i).unwrap().peers().len());
                let sizes = sizes.collect();
                (sim.take_trace(), sizes)
            };
            let (own, own_sizes) = run(false);
            let (shared, shared_sizes) = run(true);
            assert!(own.len() > 5_000, "{mode:?}: {} records", own.len());
            assert!(own_sizes.iter().any(|&n| n < 49), "{mode:?}: no removals");
            assert_eq!(own_sizes, shared_sizes, "{mode:?}");
            assert!(own == shared, "{mode:?}: the traces differ");
        }
    }
}
