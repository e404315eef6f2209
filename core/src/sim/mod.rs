//! A deterministic discrete-event simulator that runs N real [`Node`]s.
//!
//! Virtual time, an event heap (earliest first, ties broken by insertion
//! order), and a seeded network model: latency plus jitter, global and
//! per-link loss, partitions, crashes and restarts. Nothing here knows the
//! protocol: every datagram is one a real `Node` produced, so the browser lab,
//! `gossip sim` and `gossip experiment` all watch the real thing.
//!
//! ```
//! use gossip_core::sim::{Scenario, Simulator};
//! let mut sim = Simulator::new(Scenario { nodes: 10, ..Scenario::default() });
//! sim.run_for_ms(1_000.0);                    // the overlay forms
//! let id = sim.publish(3, "hello").unwrap();
//! sim.run_until_quiescent(id, 10_000.0);
//! let report = sim.collector().report(id).unwrap();
//! assert!(report.delivery_ratio > 0.8);
//! ```

mod attack;
pub mod experiment;
mod heap;
pub mod join;
mod lifecycle;
mod network;
pub mod overlay;
mod processing;
mod queue;
pub mod scenario;
pub mod trace;

use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;

use rustc_hash::FxHashMap;

pub use attack::{Outside, MAX_CAPTURED};
pub use experiment::{broadcast, broadcast_at, default_publish_ms, publish_origin, BroadcastError};
pub use join::{JoinError, Newcomer, MAX_ADDED_NODES};
pub use lifecycle::{build_in_order, BuildNodes};
pub use processing::MAX_WAITING;
pub use scenario::{
    Action, CodecMode, LinkLoss, Network, Overlay, Processing, Scenario, Scheduled, JOIN_WAVE,
    JOIN_WAVES_FROM, MAX_JOIN_WAVES, WARMUP_ROUNDS, WAVE_WARMUP_ROUNDS,
};
pub use trace::{DropReason, TraceKind, TraceRecord};

use queue::EventQueue;

use crate::config::Config;
use crate::id::{MsgId, NodeId};
use crate::message::{Body, Message, MsgType};
use crate::metrics::Collector;
use crate::node::{Event, Node};
use crate::peers::Directory;
use crate::rng::{mix64, NodeRng};
use crate::time::Time;

/// The virtual clock's origin: runs start at this epoch so wire timestamps look real.
pub const EPOCH: Time = Time::from_millis(1_700_000_000_000);
/// First port used for node addresses, as in the original's runs.
pub const BASE_PORT: u16 = 10_000;
/// Nodes per loopback IP before the next IP (127.0.0.2, ...) is used.
const PER_IP: u32 = 50_000;

/// The address of node `i`: `127.0.0.1:10000 + i`, spilling over to
/// 127.0.0.2 and beyond past 50 000 nodes.
pub fn node_addr(i: u32) -> SocketAddr {
    let ip = Ipv4Addr::from(u32::from(Ipv4Addr::new(127, 0, 0, 1)) + i / PER_IP);
    SocketAddr::V4(SocketAddrV4::new(ip, BASE_PORT + (i % PER_IP) as u16))
}

/// The node index behind an address produced by [`node_addr`].
pub fn node_index(addr: SocketAddr) -> Option<u32> {
    let SocketAddr::V4(a) = addr else { return None };
    let ip_offset = u32::from(*a.ip()).checked_sub(u32::from(Ipv4Addr::new(127, 0, 0, 1)))?;
    let port_offset = u32::from(a.port().checked_sub(BASE_PORT)?);
    (port_offset < PER_IP).then(|| ip_offset * PER_IP + port_offset)
}

fn ms_to_duration(ms: f64) -> Duration {
    Duration::try_from_secs_f64(ms.max(0.0) / 1_000.0).unwrap_or(Duration::MAX)
}

/// What a datagram carries: the message itself (boxed, so an event waiting
/// in the queue is 32 bytes rather than two hundred), or its bytes under
/// [`CodecMode::Fidelity`].
#[derive(Debug)]
enum Payload {
    Message(Box<Message>),
    Bytes(Box<Encoded>),
}

/// A datagram's bytes under [`CodecMode::Fidelity`], with the id of the
/// gossip they carry (for the trace and metrics, without decoding them).
#[derive(Debug)]
struct Encoded {
    bytes: Vec<u8>,
    gossip: Option<MsgId>,
}

impl Payload {
    /// The id of the gossip carried, if it is a GOSSIP.
    fn gossip(&self) -> Option<MsgId> {
        match self {
            Payload::Message(m) => gossip_id(m),
            Payload::Bytes(e) => e.gossip,
        }
    }
}

/// A datagram a node sends, before the network model takes it.
#[derive(Debug)]
struct Outgoing {
    to: SocketAddr,
    payload: Payload,
    msg_type: MsgType,
    bytes: u32,
}

/// A datagram on its way from one node to another.
#[derive(Debug)]
struct Datagram {
    from: u32,
    to: u32,
    msg_type: MsgType,
    payload: Payload,
}

/// A datagram from outside the simulation ([`Simulator::inject`]).
#[derive(Debug)]
struct Injected {
    from: SocketAddr,
    to: u32,
    bytes: Vec<u8>,
}

/// An event; the queue's slots hold 32 bytes each (rarer, larger events
/// are boxed), so fetching a delivery costs one cache line.
#[derive(Debug)]
enum What {
    Join(u32),
    Inject(Box<Injected>),
    Timer(u32),
    /// A datagram reaches its node.
    Deliver(Datagram),
    /// The service of a node's next datagram ends: the node handles it now.
    Served(u32),
    /// A node has paid for what its batch caused, which leaves now.
    Released(u32),
    Act(Box<Action>),
}

/// Every node's slot: the node (boxed) beside the flag and timer time the
/// event loop checks on every event, dense (24 bytes per node) instead of
/// sitting beside each node's kilobytes of state.
#[derive(Debug, Default)]
struct Slots {
    /// Node `i`'s slot is `at[i]`.
    at: Vec<Slot>,
    /// How many are running.
    running: u32,
}

/// What the event loop keeps of one node: 24 bytes, so the checks of an
/// event cost one cache line, not one per field.
#[derive(Debug)]
struct Slot {
    /// The node, once started (kept while crashed).
    node: Option<Box<Node>>,
    /// When its queued [`What::Timer`] is due ([`Time::MAX`]: none queued).
    timer_at: Time,
    /// Whether it is running.
    alive: bool,
}

impl Slots {
    /// `n` nodes, not started, in a vector sized once.
    fn new(n: u32) -> Slots {
        let mut slots = Slots {
            at: Vec::with_capacity(n as usize),
            running: 0,
        };
        for _ in 0..n {
            slots.push();
        }
        slots
    }

    /// One more node, not started.
    fn push(&mut self) {
        self.at.push(Slot {
            node: None,
            timer_at: Time::MAX,
            alive: false,
        });
    }

    fn len(&self) -> usize {
        self.at.len()
    }

    /// Marks node `i` running or down, keeping the count.
    fn set_alive(&mut self, i: usize, alive: bool) {
        let slot = &mut self.at[i];
        if slot.alive != alive {
            slot.alive = alive;
            if alive {
                self.running += 1;
            } else {
                self.running -= 1;
            }
        }
    }

    /// Node `i` when it is running.
    fn running_mut(&mut self, i: usize) -> Option<&mut Node> {
        let slot = self.at.get_mut(i)?;
        if slot.alive {
            slot.node.as_deref_mut()
        } else {
            None
        }
    }
}

/// Delivered messages' boxes kept for reuse ([`Simulator::boxed`]).
const SPARE_BOXES: usize = 4_096;

/// How many events ahead [`Simulator::prefetch_upcoming`] starts fetching.
const AHEAD: usize = 5;

/// N real nodes on a modelled network, advanced by virtual time.
#[derive(Debug)]
pub struct Simulator {
    scenario: Scenario,
    now: Time,
    slots: Slots,
    queue: EventQueue<What>,
    rng: NodeRng,
    loss: f64,
    latency: Duration,
    jitter: Duration,
    link_loss: FxHashMap<(u32, u32), f64>,
    group: Vec<u32>,
    overlay: Option<overlay::Adjacency>,
    /// Every generated node's id and address, which large tables of a
    /// generated overlay are loaded from (see [`Node::load_peers`]).
    directory: Option<Arc<Directory>>,
    trace_on: bool,
    trace: Vec<TraceRecord>,
    collector: Collector,
    events_processed: u64,
    gossip_in_flight: u64,
    last_delivery: Time,
    added: Vec<join::Added>,
    capture_outside: bool,
    outside: Vec<Outside>,
    /// Sender of the datagram whose outputs are being drained (the `from`
    /// of a trace's deliveries); `None` while a publish, timer or injected
    /// datagram is drained.
    handling_from: Option<u32>,
    server: Option<processing::Server>,
    /// The scenario's node configuration, which every generated node's
    /// differs from only in its own fields: nodes share it
    /// ([`Node::with_template`]).
    template: Arc<Config>,
    /// Boxes of delivered messages, reused for the next messages sent
    /// ([`Simulator::boxed`]): at most [`SPARE_BOXES`].
    #[expect(clippy::vec_box, reason = "the allocations are what is kept for reuse")]
    spare: Vec<Box<Message>>,
}

impl Simulator {
    /// Builds the run: generated overlays are wired at once, bootstrap joins are
    /// scheduled with the configured stagger, and the schedule is queued.
    pub fn new(scenario: Scenario) -> Simulator {
        Simulator::with_builder(scenario, &build_in_order)
    }

    /// [`Simulator::new`], with a generated overlay's nodes built by
    /// `build` (the same nodes, however it spreads the work).
    pub fn with_builder(mut scenario: Scenario, build: BuildNodes<'_>) -> Simulator {
        let n = scenario.nodes;
        let mut rng = NodeRng::from_seed_u64(mix64(scenario.seed ^ 0x0005_eed0_f0e7));
        let overlay = overlay::generate(&scenario.overlay, n, scenario.node.peer_limit, &mut rng);
        if let (Some(adj), true) = (&overlay, scenario.ignore_peer_limit) {
            let widest = adj.max_degree() as u32;
            scenario.node.peer_limit = scenario.node.peer_limit.max(widest);
        }
        let link_loss = scenario
            .network
            .links
            .iter()
            .flat_map(|l| [((l.a, l.b), l.loss), ((l.b, l.a), l.loss)])
            .collect();
        let mut sim = Simulator {
            now: EPOCH,
            slots: Slots::new(n),
            queue: EventQueue::new(),
            rng,
            loss: scenario.network.loss,
            latency: ms_to_duration(scenario.network.latency_ms),
            jitter: ms_to_duration(scenario.network.jitter_ms),
            link_loss,
            group: Vec::new(),
            overlay,
            directory: None,
            trace_on: scenario.trace,
            trace: Vec::new(),
            collector: Collector::new(),
            events_processed: 0,
            gossip_in_flight: 0,
            last_delivery: EPOCH,
            added: Vec::new(),
            capture_outside: false,
            outside: Vec::new(),
            handling_from: None,
            server: processing::Server::new(&scenario.processing, n, scenario.seed),
            template: Arc::new(scenario.node.clone()),
            spare: Vec::new(),
            scenario,
        };
        if sim.overlay.is_some() {
            sim.directory = sim.shared_directory();
            sim.start_overlay_nodes(n, build);
        } else {
            let stagger = ms_to_duration(sim.scenario.join_stagger_ms);
            for i in 0..n {
                let slot = sim.scenario.join_slot(i);
                sim.push(EPOCH + stagger * slot, What::Join(i));
            }
        }
        for s in sim.scenario.schedule.clone() {
            sim.push(
                EPOCH + ms_to_duration(s.at_ms),
                What::Act(Box::new(s.action)),
            );
        }
        sim
    }

    // ----- observation -----------------------------------------------------

    /// The scenario being run.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Current virtual time.
    pub fn now(&self) -> Time {
        self.now
    }

    /// Milliseconds of virtual time since the start.
    pub fn elapsed_ms(&self) -> f64 {
        self.now.saturating_since(EPOCH).as_secs_f64() * 1_000.0
    }

    /// Number of nodes.
    pub fn len(&self) -> u32 {
        self.slots.len() as u32
    }

    /// True for a run without nodes.
    pub fn is_empty(&self) -> bool {
        self.slots.len() == 0
    }

    /// Node `i`, once it has started (it keeps its last state while crashed).
    pub fn node(&self, i: u32) -> Option<&Node> {
        self.slots.at.get(i as usize)?.node.as_deref()
    }

    /// Whether node `i` is running.
    pub fn is_alive(&self, i: u32) -> bool {
        self.slots.at.get(i as usize).is_some_and(|s| s.alive)
    }

    /// Nodes running.
    pub fn alive_count(&self) -> u32 {
        self.slots.running
    }

    /// Partition group of node `i` (0 when the network is whole).
    pub fn group_of(&self, i: u32) -> u32 {
        self.group.get(i as usize).copied().unwrap_or(0)
    }

    /// Metrics gathered so far.
    pub fn collector(&self) -> &Collector {
        &self.collector
    }

    /// Events processed since the start (a speed measure).
    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }

    /// Events waiting in the queue.
    pub fn pending_events(&self) -> usize {
        self.queue.len()
    }

    /// Takes the trace recorded since the last call.
    pub fn take_trace(&mut self) -> Vec<TraceRecord> {
        std::mem::take(&mut self.trace)
    }

    /// Turns trace recording on or off.
    pub fn set_trace(&mut self, on: bool) {
        self.trace_on = on;
        if !on {
            self.trace.clear();
        }
    }

    // ----- control ---------------------------------------------------------

    /// Node `i` publishes `data` now; `None` when it is down or the gossip
    /// would not fit in one datagram.
    pub fn publish(&mut self, i: u32, data: &str) -> Option<MsgId> {
        let id = self.slots.running_mut(i as usize)?.publish(self.now, data);
        self.drain(i, true);
        self.send_published(i);
        id.ok()
    }

    // ----- running ---------------------------------------------------------

    /// Queues `action` to happen `after_ms` milliseconds from now, in order
    /// with everything else due then: how a driver scripts a run while it
    /// plays (the browser's presets), as a scenario's schedule does up front.
    pub fn schedule(&mut self, after_ms: f64, action: Action) {
        self.push(
            self.now + ms_to_duration(after_ms),
            What::Act(Box::new(action)),
        );
    }

    /// Processes the earliest event; false when nothing is left.
    pub fn step(&mut self) -> bool {
        let Some((at, what)) = self.queue.pop() else {
            return false;
        };
        self.now = self.now.max(at);
        self.events_processed += 1;
        self.prefetch_upcoming();
        let Some(what) = what else {
            return true;
        };
        match what {
            What::Join(i) => self.start_node(i),
            What::Inject(i) => self.deliver_injected(i.from, i.to, &i.bytes),
            What::Timer(i) => self.fire_timer(i, at),
            What::Deliver(d) if self.server.is_some() => self.arrive(d),
            What::Deliver(d) => self.deliver(d),
            What::Served(i) => self.served(i),
            What::Released(i) => self.released(i),
            What::Act(action) => self.act(*action),
        }
        true
    }

    /// Asks the processor to fetch what the next events will read, a few
    /// events ahead, each step one level deeper ([`crate::prefetch`]): the
    /// queue slot of the event [`AHEAD`] places on; the receiving node's
    /// slot and the message of the one two places nearer (its queue slot
    /// fetched by then); the node of the one after the next; the table
    /// entry of the next one's sender. At 100 000 nodes every event's
    /// memory is cold, and an event stalled on each of these misses in
    /// turn; fetched early, they overlap with the work of the events before.
    fn prefetch_upcoming(&self) {
        self.queue.prefetch_ahead(AHEAD);
        if let Some(What::Deliver(d)) = self.queue.ahead(AHEAD - 2) {
            crate::prefetch::slice(&self.slots.at, d.to as usize);
            if let Payload::Message(m) = &d.payload {
                crate::prefetch::value(&m.msg_id);
                crate::prefetch::value(&m.body);
            }
        }
        if let Some((node, _)) = self.upcoming(1) {
            node.prefetch();
        }
        if let Some((node, Payload::Message(m))) = self.upcoming(0) {
            node.prefetch_sender(m);
        }
    }

    /// The node and the datagram of the event `k` places after the next,
    /// when it is a delivery ([`EventQueue::ahead`]).
    fn upcoming(&self, k: usize) -> Option<(&Node, &Payload)> {
        match self.queue.ahead(k)? {
            What::Deliver(d) => Some((
                self.slots.at.get(d.to as usize)?.node.as_deref()?,
                &d.payload,
            )),
            _ => None,
        }
    }

    /// Processes every event up to and including `until`, then sets the clock there.
    pub fn run_until(&mut self, until: Time) {
        while self.queue.peek_time().is_some_and(|at| at <= until) {
            self.step();
        }
        self.now = self.now.max(until);
    }

    /// Runs `ms` milliseconds of virtual time.
    pub fn run_for_ms(&mut self, ms: f64) {
        self.run_until(self.now + ms_to_duration(ms));
    }

    /// Runs until gossip `id` has stopped spreading, or `limit_ms` after now:
    /// no copy in flight and, for a mode with [`Mode::patience`](crate::Mode::patience),
    /// every running node holds it or that long passed without a new delivery. Returns the time
    /// the run stopped.
    pub fn run_until_quiescent(&mut self, id: MsgId, limit_ms: f64) -> Time {
        let limit = self.now + ms_to_duration(limit_ms);
        while !self.run_toward_quiescence(id, limit, u64::MAX) {}
        self.now
    }

    /// [`Simulator::run_until_quiescent`] in slices, for a driver that shows
    /// progress: processes at most `max_events` events toward gossip `id`'s
    /// quiescence (or the time `limit`), and returns true once it is reached.
    pub fn run_toward_quiescence(&mut self, id: MsgId, limit: Time, max_events: u64) -> bool {
        let patience = self.scenario.node.mode.patience(&self.scenario.node);
        for _ in 0..max_events {
            let Some(next) = self.queue.peek_time() else {
                return true;
            };
            if next > limit {
                return true;
            }
            if self.gossip_in_flight == 0 {
                let done = patience.is_zero()
                    || self.collector.delivered(id) >= self.alive_count() as usize
                    || next > self.last_delivery + patience;
                if done {
                    return true;
                }
            }
            self.step();
        }
        false
    }

    // ----- internals -------------------------------------------------------

    fn push(&mut self, at: Time, what: What) {
        self.queue.push(at, what);
    }

    fn record(&mut self, kind: TraceKind) {
        if self.trace_on {
            self.trace.push(TraceRecord {
                t_us: self.now.saturating_since(EPOCH).as_micros() as u64,
                kind,
            });
        }
    }

    /// Node `d.to` handles `d`; with the processing model on, what it sends
    /// in answer waits for the end of its batch.
    fn deliver(&mut self, d: Datagram) {
        let Datagram {
            from,
            to,
            msg_type,
            payload,
        } = d;
        if msg_type == MsgType::Gossip {
            self.gossip_in_flight -= 1;
        }
        let from_addr = node_addr(from);
        let Some(node) = self.slots.running_mut(to as usize) else {
            self.record(TraceKind::Drop {
                from,
                to,
                msg_type,
                gossip: payload.gossip(),
                reason: DropReason::NodeDown,
            });
            return;
        };
        match payload {
            Payload::Message(mut m) => {
                let msg = core::mem::replace(&mut *m, blank_message());
                if self.spare.len() < SPARE_BOXES {
                    self.spare.push(m);
                }
                node.handle_message(self.now, from_addr, msg);
            }
            Payload::Bytes(e) => node.handle_datagram(self.now, from_addr, &e.bytes),
        }
        self.handling_from = Some(from);
        self.drain(to, true);
        self.handling_from = None;
    }

    fn act(&mut self, action: Action) {
        match action {
            Action::Publish { node, data } => {
                self.publish(node, &data);
            }
            Action::Crash { node } => self.crash(node),
            Action::Restart { node } => self.restart(node),
            Action::Partition { groups } => self.partition(&groups),
            Action::Heal => self.heal(),
            Action::SetLoss { loss } => self.set_loss(loss),
        }
    }

    /// `message` in a box, reusing a delivered message's box when one is
    /// spare: every datagram in flight is a boxed message, and allocating
    /// and freeing one per datagram cost several percent of a large run
    /// (glibc merges each freed 144-byte chunk with its neighbours).
    fn boxed(&mut self, message: Message) -> Box<Message> {
        match self.spare.pop() {
            Some(mut b) => {
                *b = message;
                b
            }
            None => Box::new(message),
        }
    }

    /// Carries out everything node `i` wants after an input. With `hold`
    /// and the processing model on, the datagrams it sends wait for the
    /// model ([`processing`]); otherwise they leave now.
    fn drain(&mut self, i: u32, hold: bool) {
        let fidelity = self.scenario.codec == CodecMode::Fidelity;
        loop {
            let Some(node) = self.slots.at[i as usize].node.as_deref_mut() else {
                return;
            };
            let Some(t) = node.poll_transmit() else { break };
            let msg_type = t.message.msg_type();
            let (payload, bytes) = if fidelity {
                let buf = crate::codec::encode(&t.message);
                let bytes = buf.len() as u32;
                let gossip = gossip_id(&t.message);
                (
                    Payload::Bytes(Box::new(Encoded { bytes: buf, gossip })),
                    bytes,
                )
            } else {
                (Payload::Message(self.boxed(t.message)), 0)
            };
            let out = Outgoing {
                to: t.to,
                payload,
                msg_type,
                bytes,
            };
            match self.server.as_mut() {
                Some(server) if hold => server.hold(i, out),
                _ => self.transmit(i, out, Duration::ZERO),
            }
        }
        while let Some(event) = self.slots.at[i as usize]
            .node
            .as_deref_mut()
            .and_then(Node::poll_event)
        {
            self.observe(i, event);
        }
        self.schedule_timer(i);
    }

    fn observe(&mut self, node: u32, event: Event) {
        match event {
            Event::Published { id, .. } => {
                self.collector.on_publish(self.now, id, self.alive_count());
                self.last_delivery = self.now;
                self.record(TraceKind::Publish { node, id });
            }
            Event::Delivered {
                id, hops, pulled, ..
            } => {
                self.collector.on_deliver(self.now, id, hops, pulled);
                self.last_delivery = self.now;
                self.record(TraceKind::Deliver {
                    node,
                    id,
                    hops,
                    pulled,
                    from: self.handling_from,
                });
            }
            Event::Duplicate { id, .. } => {
                self.collector.on_duplicate(id);
                self.record(TraceKind::Duplicate { node, id });
            }
            Event::Rejected { reason, .. } => self.record(TraceKind::Reject { node, reason }),
            _ => {}
        }
    }
}

/// What a spare box holds between two messages: nothing on the heap, so
/// overwriting it frees nothing.
fn blank_message() -> Message {
    Message {
        msg_id: MsgId(0),
        sender_id: NodeId(0),
        sender_addr: SocketAddr::from(([0, 0, 0, 0], 0)),
        timestamp_ms: 0,
        ttl: 0,
        body: Body::Prune { origin: None },
    }
}

fn gossip_id(m: &Message) -> Option<MsgId> {
    matches!(m.body, Body::Gossip(_)).then_some(m.msg_id)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::What;

    /// A queued event fits the queue's 32-byte slots
    /// ([`queue::EventQueue`]), so fetching one costs one cache line.
    #[test]
    fn an_event_fits_a_32_byte_slot() {
        assert!(core::mem::size_of::<Option<What>>() <= 32);
    }
}
