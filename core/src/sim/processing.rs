//! The processing-cost model: a node is a queue that serves one received
//! datagram at a time, and the nodes may share a few CPUs (a real fleet on
//! one machine's cores).
//!
//! A datagram that arrives waits until its node is idle and, when
//! [`Processing::cpus`] is set, until a CPU is free; it is handed to the node
//! when its service ends, so the node's answers leave then. Service times
//! are fixed or drawn uniformly from `service_us ± spread_us` with integer
//! arithmetic on a seeded RNG of the model's own, so the rest of the run
//! draws the same numbers and native and wasm agree to the nanosecond.
//!
//! Reservations are made in arrival order (first come, first served across
//! the whole fleet); among the CPUs free when the datagram can start, the
//! one that became free last is taken, so the others stay free for
//! datagrams that arrive in between.

use core::time::Duration;

use crate::rng::{mix64, NodeRng};

use super::scenario::Processing;
use super::{Datagram, Simulator, What, EPOCH};

/// The queues of a run with the model on.
#[derive(Debug)]
pub(super) struct Server {
    /// Mean service time, ns.
    service_ns: u64,
    /// Half-width of the uniform draw around the mean, ns (0: fixed).
    spread_ns: u64,
    /// When each node's queue empties, ns after [`EPOCH`].
    node_free: Vec<u64>,
    /// When each shared CPU is free, ns after [`EPOCH`]; empty when every
    /// node has its own.
    cpu_free: Vec<u64>,
    rng: NodeRng,
}

impl Server {
    /// The model of `p`, or `None` when it is off.
    pub(super) fn new(p: &Processing, nodes: u32, seed: u64) -> Option<Server> {
        if p.is_off() {
            return None;
        }
        let ns = |us: f64| (us.max(0.0) * 1_000.0).round() as u64;
        let service_ns = ns(p.service_us);
        Some(Server {
            service_ns,
            spread_ns: ns(p.spread_us).min(service_ns),
            node_free: vec![0; nodes as usize],
            cpu_free: vec![0; p.cpus as usize],
            rng: NodeRng::from_seed_u64(mix64(seed ^ 0x0c0_57ed)),
        })
    }

    /// Reserves node `to` (and a CPU) for one datagram arriving at `now_ns`;
    /// returns when its service ends, ns after [`EPOCH`].
    pub(super) fn reserve(&mut self, to: u32, now_ns: u64) -> u64 {
        let service = if self.spread_ns == 0 {
            self.service_ns
        } else {
            self.service_ns - self.spread_ns + self.rng.below(2 * self.spread_ns + 1)
        };
        let i = to as usize;
        if i >= self.node_free.len() {
            self.node_free.resize(i + 1, 0);
        }
        let ready = now_ns.max(self.node_free[i]);
        let start = match self.pick_cpu(ready) {
            Some(c) => {
                let start = ready.max(self.cpu_free[c]);
                self.cpu_free[c] = start + service;
                start
            }
            None => ready,
        };
        self.node_free[i] = start + service;
        start + service
    }

    /// The CPU to run on for a datagram ready at `ready`: the latest-freed
    /// of those free by then, else the earliest to become free.
    fn pick_cpu(&self, ready: u64) -> Option<usize> {
        let free = self.cpu_free.iter().enumerate();
        free.clone()
            .filter(|(_, &t)| t <= ready)
            .max_by_key(|(c, &t)| (t, core::cmp::Reverse(*c)))
            .or_else(|| free.min_by_key(|(c, &t)| (t, *c)))
            .map(|(c, _)| c)
    }
}

impl Simulator {
    /// A datagram reached node `d.to`: with the model on it waits for the
    /// node (and a CPU) and is handed over when its service ends; a node
    /// that is down drops it at once, as without the model.
    pub(super) fn arrive(&mut self, d: Datagram) {
        let up = self.is_alive(d.to);
        match self.server.as_mut().filter(|_| up) {
            Some(server) => {
                let now_ns = self.now.saturating_since(EPOCH).as_nanos() as u64;
                let end = server.reserve(d.to, now_ns);
                self.push(EPOCH + Duration::from_nanos(end), What::Served(d));
            }
            None => self.deliver(d),
        }
    }
}
