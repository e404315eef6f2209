//! The network model: latency plus uniform jitter, global and per-link loss
//! (optionally only for some message types), and partitions into groups.

use core::time::Duration;

use crate::message::MsgType;

use super::{
    ms_to_duration, node_index, Datagram, DropReason, Outgoing, Simulator, TraceKind, What, EPOCH,
};

impl Simulator {
    /// Splits the network; nodes not listed form one more group.
    pub fn partition(&mut self, groups: &[Vec<u32>]) {
        let rest = groups.len() as u32 + 1;
        self.group = vec![rest; self.slots.len()];
        for (g, members) in groups.iter().enumerate() {
            for &m in members {
                if let Some(slot) = self.group.get_mut(m as usize) {
                    *slot = g as u32 + 1;
                }
            }
        }
        self.record(TraceKind::Partition { groups: rest });
    }

    /// Ends every partition.
    pub fn heal(&mut self) {
        self.group.clear();
        self.record(TraceKind::Heal);
    }

    /// Changes the global loss probability.
    pub fn set_loss(&mut self, loss: f64) {
        self.loss = loss.clamp(0.0, 1.0);
    }

    /// Changes latency and jitter, in ms.
    pub fn set_latency(&mut self, latency_ms: f64, jitter_ms: f64) {
        self.latency = ms_to_duration(latency_ms);
        self.jitter = ms_to_duration(jitter_ms);
    }

    /// Sends datagram `o` from node `from`; it leaves `queued` after now
    /// (the processing model's publish delay) and arrives a network delay
    /// later.
    pub(super) fn transmit(&mut self, from: u32, o: Outgoing, queued: Duration) {
        let Outgoing {
            to: to_addr,
            payload,
            msg_type,
            bytes,
        } = o;
        let gossip = payload.gossip();
        self.collector.on_send(self.now, msg_type, bytes, gossip);
        let Some(to) = node_index(to_addr).filter(|&j| j < self.len()) else {
            self.keep_outside(from, to_addr, payload);
            return self.record(TraceKind::Drop {
                from,
                to: u32::MAX,
                msg_type,
                gossip,
                reason: DropReason::Unroutable,
            });
        };
        let dropped = if self.group_of(from) != self.group_of(to) {
            Some(DropReason::Partition)
        } else if self.lossy(msg_type) {
            let loss = self
                .link_loss
                .get(&(from, to))
                .copied()
                .unwrap_or(self.loss);
            self.rng.chance(loss).then_some(DropReason::Loss)
        } else {
            None
        };
        if let Some(reason) = dropped {
            return self.record(TraceKind::Drop {
                from,
                to,
                msg_type,
                gossip,
                reason,
            });
        }
        let jitter_us = self.jitter.as_micros() as u64;
        let extra = if jitter_us > 0 {
            Duration::from_micros(self.rng.below(jitter_us))
        } else {
            Duration::ZERO
        };
        let arrive = self.now + queued + self.latency + extra;
        if msg_type == MsgType::Gossip {
            self.gossip_in_flight += 1;
        }
        self.record(TraceKind::Send {
            from,
            to,
            msg_type,
            gossip,
            bytes,
            arrive_us: arrive.saturating_since(EPOCH).as_micros() as u64,
        });
        self.push(
            arrive,
            What::Deliver(Datagram {
                from,
                to,
                msg_type,
                payload,
            }),
        );
    }

    pub(super) fn lossy(&self, msg_type: MsgType) -> bool {
        let types = &self.scenario.network.lossy_types;
        types.is_empty() || types.contains(&msg_type)
    }
}
