//! The processing-cost model: a node is a queue that serves one received
//! datagram at a time and pays for every datagram it sends, and the nodes
//! may share a few CPUs (a real fleet on one machine's cores).
//!
//! A datagram that arrives joins its node's queue. When the node is idle and
//! (with [`Processing::cpus`] set) a CPU is free, the node takes the head of
//! its queue and serves it for the receive service time; the node handles
//! the datagram when that ends. Each datagram the node then sends costs
//! [`Processing::send_us`] more on the same CPU, one after another, as the
//! real node's send system calls do (on loopback the kernel hands the
//! datagram to its receiver inside that call): the first answer leaves one
//! send time after the service ends, the last when the node releases its
//! CPU. Nodes waiting for a CPU get one in the order they became ready
//! (first come, first served, as a runtime's run queue wakes its tasks).
//!
//! Service times are fixed or drawn uniformly from `service_us ±
//! spread_us` with integer arithmetic on a seeded RNG of the model's own,
//! so the rest of the run draws the same numbers and native and wasm agree
//! to the nanosecond.

use core::time::Duration;
use std::collections::VecDeque;

use crate::rng::{mix64, NodeRng};

use super::scenario::Processing;
use super::{Datagram, DropReason, Simulator, TraceKind, What};

/// Datagrams one node's queue holds (a socket's receive buffer); the ones
/// that arrive at a full queue are dropped, as the kernel drops them.
pub const MAX_WAITING: usize = 4_096;

/// One node's queue.
#[derive(Debug, Default)]
struct Queue {
    waiting: VecDeque<Datagram>,
    /// Serving a datagram or sending what it caused.
    busy: bool,
    /// In the ready list, waiting for a CPU.
    ready: bool,
}

/// The queues of a run with the model on.
#[derive(Debug)]
pub(super) struct Server {
    /// Mean receive service time, ns.
    service_ns: u64,
    /// Half-width of the uniform draw around the mean, ns (0: fixed).
    spread_ns: u64,
    /// CPU time of one sent datagram, ns.
    send_ns: u64,
    queues: Vec<Queue>,
    /// Shared CPUs (0: every node has its own).
    cpus: u32,
    /// Shared CPUs free now.
    idle: u32,
    /// Nodes with waiting datagrams and no CPU, in the order they became ready.
    ready: VecDeque<u32>,
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
            send_ns: ns(p.send_us),
            queues: (0..nodes).map(|_| Queue::default()).collect(),
            cpus: p.cpus,
            idle: p.cpus,
            ready: VecDeque::new(),
            rng: NodeRng::from_seed_u64(mix64(seed ^ 0x0c0_57ed)),
        })
    }

    /// The CPU time of one sent datagram.
    pub(super) fn send_time(&self) -> Duration {
        Duration::from_nanos(self.send_ns)
    }

    fn queue(&mut self, i: u32) -> &mut Queue {
        let i = i as usize;
        if i >= self.queues.len() {
            self.queues.resize_with(i + 1, Queue::default);
        }
        &mut self.queues[i]
    }

    /// Queues `d` at its node; gives it back when the queue is full.
    fn enqueue(&mut self, d: Datagram) -> Option<Datagram> {
        let to = d.to;
        let q = self.queue(to);
        if q.waiting.len() >= MAX_WAITING {
            return Some(d);
        }
        q.waiting.push_back(d);
        if !q.busy && !q.ready {
            q.ready = true;
            self.ready.push_back(to);
        }
        None
    }

    /// The next datagram to serve and its service time, if a ready node can
    /// have a CPU now.
    fn start_next(&mut self) -> Option<(Datagram, Duration)> {
        if self.cpus > 0 && self.idle == 0 {
            return None;
        }
        let i = self.ready.pop_front()?;
        let q = self.queue(i);
        q.ready = false;
        let d = q.waiting.pop_front()?;
        q.busy = true;
        if self.cpus > 0 {
            self.idle -= 1;
        }
        let service = if self.spread_ns == 0 {
            self.service_ns
        } else {
            self.service_ns - self.spread_ns + self.rng.below(2 * self.spread_ns + 1)
        };
        Some((d, Duration::from_nanos(service)))
    }

    /// Node `i` has sent what its datagram caused: it frees its CPU and, with
    /// more waiting, is ready again behind the nodes already waiting.
    fn release(&mut self, i: u32) {
        let shared = self.cpus > 0;
        let q = self.queue(i);
        if !q.busy {
            return;
        }
        q.busy = false;
        let more = !q.waiting.is_empty();
        if more {
            q.ready = true;
        }
        if shared {
            self.idle += 1;
        }
        if more {
            self.ready.push_back(i);
        }
    }
}

impl Simulator {
    /// A datagram reached node `d.to`: with the model on it waits in the
    /// node's queue; a node that is down drops it at once, as without the
    /// model, and a full queue drops it as overflow.
    pub(super) fn arrive(&mut self, d: Datagram) {
        let up = self.is_alive(d.to);
        let Some(server) = self.server.as_mut().filter(|_| up) else {
            self.deliver(d);
            return;
        };
        if let Some(d) = server.enqueue(d) {
            if d.gossip.is_some() {
                self.gossip_in_flight -= 1;
            }
            return self.record(TraceKind::Drop {
                from: d.from,
                to: d.to,
                msg_type: d.msg_type,
                gossip: d.gossip,
                reason: DropReason::Overflow,
            });
        }
        self.dispatch();
    }

    /// Starts serving on every free CPU a ready node can have.
    fn dispatch(&mut self) {
        while let Some((d, service)) = self.server.as_mut().and_then(Server::start_next) {
            let at = self.now + service;
            self.push(at, What::Served(d));
        }
    }

    /// A datagram's service ended: the node handles it and sends what it
    /// causes one datagram after another; it frees its CPU after the last.
    pub(super) fn served(&mut self, d: Datagram) {
        let to = d.to;
        let done = self.deliver(d);
        if done > self.now {
            self.push(done, What::Released(to));
        } else {
            self.released(to);
        }
    }

    /// Node `i` freed its CPU.
    pub(super) fn released(&mut self, i: u32) {
        if let Some(server) = self.server.as_mut() {
            server.release(i);
        }
        self.dispatch();
    }
}
