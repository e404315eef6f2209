//! Node lifecycle in the simulator: how a node is configured and started
//! (joining through the bootstrap node or wired into a generated overlay),
//! crashed, restarted, and woken by its timer.

use crate::config::Config;
use crate::node::Node;
use crate::pow;
use crate::rng::mix64;
use crate::time::Time;

use super::{node_addr, Simulator, TraceKind, What};

impl Simulator {
    /// Node `i` crashes now.
    pub fn crash(&mut self, i: u32) {
        if let Some(slot) = self.slots.get_mut(i as usize) {
            if slot.alive {
                slot.alive = false;
                slot.timer_at = Time::MAX;
                self.record(TraceKind::Crash { node: i });
            }
        }
    }

    /// Node `i` restarts now with fresh state and joins again.
    pub fn restart(&mut self, i: u32) {
        if self.slots.get(i as usize).is_some_and(|s| !s.alive) {
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
            seed: mix64(self.scenario.seed ^ mix64(u64::from(i))),
            ..self.scenario.node.clone()
        }
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
            for &j in adj.get(i as usize).map_or(&[][..], Vec::as_slice) {
                node.insert_peer(self.now, self.ids[j as usize], node_addr(j));
            }
        }
        let slot = &mut self.slots[i as usize];
        slot.node = Some(node);
        slot.alive = true;
        slot.timer_at = Time::MAX;
        self.record(TraceKind::Join { node: i });
        self.drain(i);
    }

    pub(super) fn fire_timer(&mut self, i: u32, at: Time) {
        let slot = &mut self.slots[i as usize];
        if !slot.alive || slot.timer_at != at {
            return;
        }
        slot.timer_at = Time::MAX;
        if let Some(node) = slot.node.as_mut() {
            node.handle_timeout(self.now);
        }
        self.record(TraceKind::Timer { node: i });
        self.drain(i);
    }

    pub(super) fn schedule_timer(&mut self, i: u32) {
        let slot = &self.slots[i as usize];
        let Some(at) = slot.node.as_ref().and_then(Node::poll_timeout) else {
            return;
        };
        if slot.alive && at < slot.timer_at {
            let at = at.max(self.now);
            self.slots[i as usize].timer_at = at;
            self.push(at, What::Timer(i));
        }
    }
}
