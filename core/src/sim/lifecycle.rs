//! Node lifecycle in the simulator: how a node is configured and started
//! (joining through the bootstrap node or wired into a generated overlay),
//! crashed, restarted, and woken by its timer.

use crate::config::Config;
use crate::id::NodeId;
use crate::node::Node;
use crate::pow;
use crate::rng::mix64;
use crate::time::Time;

use super::{node_addr, Simulator, TraceKind, What};

/// Generated overlays of at least this many nodes are built on several
/// threads (with the `parallel` feature); smaller ones are not worth a thread.
#[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
const PARALLEL_FROM: u32 = 10_000;
/// Most threads that build an overlay's nodes.
#[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
const MAX_BUILD_THREADS: usize = 8;

impl Simulator {
    /// Node `i` crashes now.
    pub fn crash(&mut self, i: u32) {
        if self.is_alive(i) {
            self.slots.set_alive(i as usize, false);
            self.slots.timer_at[i as usize] = Time::MAX;
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
        let bootstrap = (self.overlay.is_none() && i > 0).then(|| node_addr(0));
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

    pub(super) fn start_node(&mut self, i: u32) {
        let node = self.build_node(i);
        self.install_node(i, node);
    }

    /// Node `i` as it starts: configured, with its proof of work when it
    /// must solve one, and wired to its neighbours in a generated overlay.
    /// It reads the simulator only, so a large overlay's nodes can be built
    /// side by side (see `build_overlay_nodes`). Boxed: the node, then its
    /// peer table, are allocated one after the other, so the event that
    /// reaches it finds both on neighbouring pages.
    pub(super) fn build_node(&self, i: u32) -> Box<Node> {
        let mut node = Box::new(match self.added_spec(i) {
            Some(added) => {
                let mut node = Node::new(added.config.clone(), self.now);
                if let Some(proof) = &added.proof {
                    node.set_pow_proof(self.now, proof.clone());
                }
                node
            }
            None => Node::new(self.node_config(i), self.now),
        });
        // The node says whether it must solve a proof (only joiners do).
        if let Some((id_hex, k)) = node.pow_challenge() {
            node.set_pow_proof(self.now, pow::solve(&id_hex, k));
        }
        if let Some(adj) = &self.overlay {
            for &j in adj.neighbours(i) {
                node.insert_peer(self.now, self.node_id(j), node_addr(j));
            }
        }
        node
    }

    /// Starts node `i` with `node`: it runs from now, and what it wants
    /// (its first timer) is carried out.
    pub(super) fn install_node(&mut self, i: u32, node: Box<Node>) {
        self.slots.node[i as usize] = Some(node);
        self.slots.set_alive(i as usize, true);
        self.slots.timer_at[i as usize] = Time::MAX;
        self.record(TraceKind::Join { node: i });
        self.drain(i);
    }

    /// Starts every node of a generated overlay, in index order. With the
    /// `parallel` feature the nodes are built on a few threads first
    /// (building is most of a large run's set-up: 100 000 nodes and their
    /// two million peer entries); they are installed one by one in index
    /// order either way, so the run is the same.
    pub(super) fn start_overlay_nodes(&mut self) {
        let n = self.len();
        #[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
        if n >= PARALLEL_FROM {
            let built = self.build_overlay_nodes(n);
            for (i, node) in (0..n).zip(built) {
                self.install_node(i, node);
            }
            return;
        }
        for i in 0..n {
            self.start_node(i);
        }
    }

    /// Nodes `0..n` built on up to [`MAX_BUILD_THREADS`] threads, each
    /// building one contiguous range.
    #[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
    fn build_overlay_nodes(&self, n: u32) -> Vec<Box<Node>> {
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .clamp(1, MAX_BUILD_THREADS) as u32;
        let per = n.div_ceil(threads);
        std::thread::scope(|s| {
            let parts: Vec<_> = (0..threads)
                .map(|t| {
                    let range = (t * per).min(n)..((t + 1) * per).min(n);
                    s.spawn(move || range.map(|i| self.build_node(i)).collect::<Vec<_>>())
                })
                .collect();
            let mut nodes = Vec::with_capacity(n as usize);
            for part in parts {
                nodes.extend(part.join().expect("building a node does not panic"));
            }
            nodes
        })
    }

    pub(super) fn fire_timer(&mut self, i: u32, at: Time) {
        if self.slots.timer_at[i as usize] != at {
            return;
        }
        let Some(node) = self.slots.running_mut(i as usize) else {
            return;
        };
        node.handle_timeout(self.now);
        self.slots.timer_at[i as usize] = Time::MAX;
        self.record(TraceKind::Timer { node: i });
        self.drain(i);
    }

    pub(super) fn schedule_timer(&mut self, i: u32) {
        let i_us = i as usize;
        let Some(at) = self.slots.node[i_us].as_deref().and_then(Node::poll_timeout) else {
            return;
        };
        if self.slots.alive[i_us] && at < self.slots.timer_at[i_us] {
            let at = at.max(self.now);
            self.slots.timer_at[i_us] = at;
            self.push(at, What::Timer(i));
        }
    }
}
