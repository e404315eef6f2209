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
        let mut node = match self.added_spec(i) {
            Some(added) => {
                let mut node = Node::new(added.config.clone(), self.now);
                if let Some(proof) = &added.proof {
                    node.set_pow_proof(self.now, proof.clone());
                }
                node
            }
            None => Node::new(self.node_config(i), self.now),
        };
        // The node says whether it must solve a proof (only joiners do).
        if let Some((id_hex, k)) = node.pow_challenge() {
            node.set_pow_proof(self.now, pow::solve(&id_hex, k));
        }
        if let Some(adj) = &self.overlay {
            for &j in adj.neighbours(i) {
                node.insert_peer(self.now, self.node_id(j), node_addr(j));
            }
        }
        self.slots.node[i as usize] = Some(node);
        self.slots.set_alive(i as usize, true);
        self.slots.timer_at[i as usize] = Time::MAX;
        self.record(TraceKind::Join { node: i });
        self.drain(i, false);
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
        self.drain(i, false);
    }

    pub(super) fn schedule_timer(&mut self, i: u32) {
        let i_us = i as usize;
        let Some(at) = self.slots.node[i_us].as_ref().and_then(Node::poll_timeout) else {
            return;
        };
        if self.slots.alive[i_us] && at < self.slots.timer_at[i_us] {
            let at = at.max(self.now);
            self.slots.timer_at[i_us] = at;
            self.push(at, What::Timer(i));
        }
    }
}
