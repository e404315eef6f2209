//! The processing-cost model: a node is a queue that reads the datagrams
//! waiting for it in batches, serves them one at a time and pays for every
//! datagram it sends, and the nodes may share a few CPUs (a real fleet on
//! one machine's cores).
//!
//! It follows what the native UDP driver does with one thread per fleet
//! (measured on real runs; core itself does no I/O). A datagram that
//! arrives joins its node's queue. When the node is idle and (with
//! [`Processing::cpus`] set) a CPU is free, the node wakes: it pays
//! [`Processing::wake_us`] once, reads up to [`BATCH`] waiting datagrams
//! (one `recvmmsg`) and serves them one after another, handling
//! each when its service ends. Every datagram the batch caused then costs
//! [`Processing::send_us`] on the same CPU, and all of them leave together
//! when the last is paid for, in the order of their destination addresses
//! (one `sendmmsg`, which the driver sorts by destination; on loopback the
//! kernel hands each datagram to its receiver inside that call). A node
//! with more waiting reads its next batch without paying the wake-up again,
//! up to [`WAKE_BATCHES`] batches, then frees its CPU. Nodes waiting for a
//! CPU get one in the order they became ready (first come, first served, as
//! a current-thread runtime polls the tasks its I/O driver woke).
//!
//! A publish's copies leave together [`Processing::publish_us`] plus one
//! send time each after the publish (what a real broadcast's first hop
//! measures); datagrams a timer causes (pings, IHAVE rounds) leave at once
//! and cost nothing.
//!
//! Service times are fixed or drawn uniformly from `service_us ±
//! spread_us` with integer arithmetic on a seeded RNG of the model's own,
//! so the rest of the run draws the same numbers and native and wasm agree
//! to the nanosecond.

use core::time::Duration;
use std::collections::VecDeque;

use crate::rng::{mix64, NodeRng};

use super::scenario::Processing;
use super::{Datagram, DropReason, Outgoing, Simulator, TraceKind, What};

/// Datagrams one node's queue holds (a socket's receive buffer); the ones
/// that arrive at a full queue are dropped, as the kernel drops them.
pub const MAX_WAITING: usize = 4_096;

/// Datagrams read in one batch (the UDP driver's `recvmmsg` slots).
pub const BATCH: usize = 32;

/// Batches a node serves in one wake-up before it frees its CPU (the UDP
/// driver reads up to 256 datagrams before it looks at its other inputs).
pub const WAKE_BATCHES: u32 = 8;

/// One node's queue.
#[derive(Debug, Default)]
struct Queue {
    waiting: VecDeque<Datagram>,
    /// The batch being served.
    batch: VecDeque<Datagram>,
    /// What the batch caused, sent when it is done.
    held: Vec<Outgoing>,
    /// Batches served in this wake-up.
    batches: u32,
    /// Awake: serving a batch or sending what it caused.
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
    /// CPU time of one wake-up, ns.
    wake_ns: u64,
    /// Delay of a publish's copies beyond their sends, ns.
    publish_ns: u64,
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
            wake_ns: ns(p.wake_us),
            publish_ns: ns(p.publish_us),
            queues: (0..nodes).map(|_| Queue::default()).collect(),
            cpus: p.cpus,
            idle: p.cpus,
            ready: VecDeque::new(),
            rng: NodeRng::from_seed_u64(mix64(seed ^ 0x0c0_57ed)),
        })
    }

    fn queue(&mut self, i: u32) -> &mut Queue {
        let i = i as usize;
        if i >= self.queues.len() {
            self.queues.resize_with(i + 1, Queue::default);
        }
        &mut self.queues[i]
    }

    /// Whether node `i` is awake (its outputs wait for its batch to end).
    pub(super) fn is_busy(&mut self, i: u32) -> bool {
        self.queue(i).busy
    }

    /// Holds a datagram node `i` sends until its batch is done.
    pub(super) fn hold(&mut self, i: u32, out: Outgoing) {
        self.queue(i).held.push(out);
    }

    /// How long after now the copies of a publish that sent `copies`
    /// datagrams leave.
    pub(super) fn publish_delay(&self, copies: usize) -> Duration {
        Duration::from_nanos(self.publish_ns + self.send_ns * copies as u64)
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

    /// One receive service time.
    fn draw(&mut self) -> u64 {
        if self.spread_ns == 0 {
            self.service_ns
        } else {
            self.service_ns - self.spread_ns + self.rng.below(2 * self.spread_ns + 1)
        }
    }

    /// Moves the next batch of node `i`'s waiting datagrams into its batch.
    fn take_batch(&mut self, i: u32) {
        let q = self.queue(i);
        let n = q.waiting.len().min(BATCH);
        q.batch.extend(q.waiting.drain(..n));
        q.batches += 1;
    }

    /// A ready node that can have a CPU now, with the time until its first
    /// datagram is handled (the wake-up and one service).
    fn start_next(&mut self) -> Option<(u32, Duration)> {
        if self.cpus > 0 && self.idle == 0 {
            return None;
        }
        let i = self.ready.pop_front()?;
        let q = self.queue(i);
        q.ready = false;
        q.busy = true;
        q.batches = 0;
        if self.cpus > 0 {
            self.idle -= 1;
        }
        self.take_batch(i);
        let first = self.wake_ns + self.draw();
        Some((i, Duration::from_nanos(first)))
    }

    /// The next datagram of node `i`'s batch.
    fn next_in_batch(&mut self, i: u32) -> Option<Datagram> {
        self.queue(i).batch.pop_front()
    }

    /// The CPU time of sending what node `i`'s batch caused.
    fn send_time(&mut self, i: u32) -> Duration {
        let held = self.queue(i).held.len() as u64;
        Duration::from_nanos(self.send_ns * held)
    }

    /// What node `i`'s batch caused, in the order the driver sends it.
    fn take_held(&mut self, i: u32) -> Vec<Outgoing> {
        let mut held = std::mem::take(&mut self.queue(i).held);
        crate::order::sort_by_key(&mut held, |o| o.to);
        held
    }

    /// Node `i` has sent what its batch caused: it reads its next batch
    /// (returning the time until its first datagram is handled) while it has
    /// datagrams waiting and batches left in this wake-up, else frees its CPU
    /// and, with more waiting, is ready again behind the nodes already ready.
    fn after_batch(&mut self, i: u32) -> Option<Duration> {
        let q = self.queue(i);
        if !q.busy {
            return None;
        }
        let more = !q.waiting.is_empty();
        if more && q.batches < WAKE_BATCHES {
            self.take_batch(i);
            return Some(Duration::from_nanos(self.draw()));
        }
        q.busy = false;
        if more {
            q.ready = true;
            self.ready.push_back(i);
        }
        if self.cpus > 0 {
            self.idle += 1;
        }
        None
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
            let gossip = d.payload.gossip();
            if gossip.is_some() {
                self.gossip_in_flight -= 1;
            }
            return self.record(TraceKind::Drop {
                from: d.from,
                to: d.to,
                msg_type: d.msg_type,
                gossip,
                reason: DropReason::Overflow,
            });
        }
        self.dispatch();
    }

    /// Wakes a ready node on every free CPU.
    fn dispatch(&mut self) {
        while let Some((i, first)) = self.server.as_mut().and_then(Server::start_next) {
            let at = self.now + first;
            self.push(at, What::Served(i));
        }
    }

    /// The service of node `i`'s next datagram ended: the node handles it,
    /// holding what it sends; after the batch's last, the sends are paid for.
    pub(super) fn served(&mut self, i: u32) {
        let Some(server) = self.server.as_mut() else {
            return;
        };
        if let Some(d) = server.next_in_batch(i) {
            self.deliver(d);
        }
        let Some(server) = self.server.as_mut() else {
            return;
        };
        if !server.queue(i).batch.is_empty() {
            let next = Duration::from_nanos(server.draw());
            return self.push(self.now + next, What::Served(i));
        }
        let sends = server.send_time(i);
        if sends.is_zero() {
            self.released(i);
        } else {
            self.push(self.now + sends, What::Released(i));
        }
    }

    /// Node `i` has paid for what its batch caused: it all leaves now, and
    /// the node reads on or frees its CPU.
    pub(super) fn released(&mut self, i: u32) {
        let Some(server) = self.server.as_mut() else {
            return;
        };
        for o in server.take_held(i) {
            self.transmit(i, o, Duration::ZERO);
        }
        let next = self.server.as_mut().and_then(|s| s.after_batch(i));
        match next {
            Some(first) => self.push(self.now + first, What::Served(i)),
            None => self.dispatch(),
        }
    }
}

impl Simulator {
    /// Sends what node `i`'s publish caused (held by the model): together,
    /// after the publish delay and one send time each; on a node that is
    /// awake, with the batch it is serving.
    pub(super) fn send_published(&mut self, i: u32) {
        let Some(server) = self.server.as_mut() else {
            return;
        };
        if server.is_busy(i) {
            return;
        }
        let held = server.take_held(i);
        let delay = server.publish_delay(held.len());
        for o in held {
            self.transmit(i, o, delay);
        }
    }
}
