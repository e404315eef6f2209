//! The lab's state: a real [`Simulator`] advanced by wall-clock frames, plus
//! what the canvas needs to draw it (datagrams in flight, who holds the
//! current gossip, the overlay's links).

use core::time::Duration;

use gossip_core::metrics::GossipReport;
use gossip_core::rng::NodeRng;
use gossip_core::sim::{node_index, Action, DropReason, Simulator, TraceKind, TraceRecord};
use gossip_core::{MsgId, MsgType, PerType};

use super::params::Params;
use super::spacetime::Recording;

/// Most datagrams remembered in flight (the oldest beyond this are not drawn).
pub const MAX_FLIGHTS: usize = 20_000;
/// Simulated time processed between two looks at the wall clock.
const SLICE: Duration = Duration::from_millis(2);

/// A datagram on its way, as the simulator's trace reported it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Flight {
    /// Sender index.
    pub from: u32,
    /// Receiver index.
    pub to: u32,
    /// Message type.
    pub kind: MsgType,
    /// Send time, µs since the start of the run.
    pub sent_us: u64,
    /// Arrival time, µs since the start of the run.
    pub arrive_us: u64,
}

impl Flight {
    /// Fraction of the trip done at `now_us`, in `[0, 1]`.
    pub fn progress(&self, now_us: u64) -> f32 {
        let span = self.arrive_us.saturating_sub(self.sent_us).max(1);
        (now_us.saturating_sub(self.sent_us) as f64 / span as f64).min(1.0) as f32
    }
}

/// How a node is filled on the canvas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NodeFill {
    /// Does not hold the current gossip.
    Uninformed,
    /// Published the current gossip.
    Origin,
    /// Holds it; `freshness` goes from 1 (just now) to 0 (long ago).
    Informed {
        /// 1 at delivery, fading linearly to 0.
        freshness: f32,
    },
    /// Crashed.
    Crashed,
}

/// What the tooltip shows about one node.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeInfo {
    /// Index in the simulation.
    pub index: u32,
    /// Node id, 32 hex digits.
    pub id: String,
    /// Running or crashed.
    pub alive: bool,
    /// Peer-table size.
    pub peers: usize,
    /// Seen-cache size.
    pub seen: usize,
    /// Messages sent.
    pub sent: u64,
    /// Messages received.
    pub received: u64,
    /// Gossips delivered for the first time.
    pub delivered: u64,
    /// Duplicate gossips received.
    pub duplicates: u64,
    /// Partition group (0 when whole).
    pub group: u32,
}

/// The simulation plus its animation state.
pub struct Lab {
    params: Params,
    sim: Simulator,
    flights: Vec<Flight>,
    informed_us: Vec<u64>,
    current: Option<MsgId>,
    origin: Option<u32>,
    published_us: u64,
    sent_by_type: PerType,
    dropped: u64,
    playing: bool,
    speed: f64,
    links: Vec<(u32, u32)>,
    links_version: u64,
    partitioned: bool,
    rng: NodeRng,
    publishes: u32,
    lagging: bool,
    recording: Recording,
}

impl Lab {
    /// Builds the run and lets its overlay form (untraced), so the first
    /// frame shows a connected network.
    pub fn new(params: Params) -> Lab {
        let mut sim = Simulator::new(params.scenario());
        sim.set_trace(false);
        sim.run_for_ms(params.warmup_ms());
        sim.set_trace(true);
        let n = sim.len() as usize;
        let params_latency = params.latency_ms;
        let mut lab = Lab {
            rng: NodeRng::from_seed_u64(params.seed ^ 0x7ab),
            params,
            sim,
            flights: Vec::new(),
            informed_us: vec![u64::MAX; n],
            current: None,
            origin: None,
            published_us: 0,
            sent_by_type: PerType::default(),
            dropped: 0,
            playing: true,
            speed: 0.25,
            links: Vec::new(),
            links_version: 0,
            partitioned: false,
            publishes: 0,
            lagging: false,
            recording: Recording::new(params_latency),
        };
        lab.refresh_links();
        lab
    }

    // ----- observation -------------------------------------------------

    /// The parameters of this run.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The simulator (read-only: every change goes through the lab).
    pub fn sim(&self) -> &Simulator {
        &self.sim
    }

    /// Number of nodes.
    pub fn len(&self) -> u32 {
        self.sim.len()
    }

    /// True when the run has no nodes.
    pub fn is_empty(&self) -> bool {
        self.sim.is_empty()
    }

    /// Virtual time since the start of the run, µs.
    pub fn now_us(&self) -> u64 {
        (self.sim.elapsed_ms() * 1_000.0).round() as u64
    }

    /// Whether the clock advances with the frames.
    pub fn is_playing(&self) -> bool {
        self.playing
    }

    /// Simulated seconds per wall-clock second.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Whether the last advance ran out of its wall-clock budget.
    pub fn is_lagging(&self) -> bool {
        self.lagging
    }

    /// Whether the network is split in two.
    pub fn is_partitioned(&self) -> bool {
        self.partitioned
    }

    /// Datagrams in flight.
    pub fn flights(&self) -> &[Flight] {
        &self.flights
    }

    /// Undirected links of the peer tables, as sorted `(low, high)` pairs.
    pub fn links(&self) -> &[(u32, u32)] {
        &self.links
    }

    /// Bumped whenever [`Lab::links`] changes.
    pub fn links_version(&self) -> u64 {
        self.links_version
    }

    /// Messages sent since the start of the animation, by [`MsgType::index`]:
    /// every datagram a node sent, whether the network delivered or dropped
    /// it (as core's metrics count the overhead).
    pub fn sent_by_type(&self) -> &PerType {
        &self.sent_by_type
    }

    /// Every datagram, delivery and publish since the lab started, for the
    /// space-time diagram and the dissemination tree.
    pub fn recording(&self) -> &Recording {
        &self.recording
    }

    /// Datagrams the network dropped (loss, partition, node down).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Gossips published since the lab started.
    pub fn publishes(&self) -> u32 {
        self.publishes
    }

    /// The gossip being followed: the last one published.
    pub fn current(&self) -> Option<MsgId> {
        self.current
    }

    /// Virtual ms since the current gossip was published (0 without one).
    pub fn current_age_ms(&self) -> f64 {
        match self.current {
            Some(_) => self.now_us().saturating_sub(self.published_us) as f64 / 1_000.0,
            None => 0.0,
        }
    }

    /// Nodes holding the current gossip.
    pub fn informed_count(&self) -> usize {
        self.informed_us.iter().filter(|t| **t != u64::MAX).count()
    }

    /// Nodes holding the current gossip in each half of the partition
    /// (indices below `len / 2`, and the rest).
    pub fn informed_by_half(&self) -> (usize, usize) {
        let half = self.informed_us.len() / 2;
        let count = |s: &[u64]| s.iter().filter(|t| **t != u64::MAX).count();
        (
            count(&self.informed_us[..half]),
            count(&self.informed_us[half..]),
        )
    }

    /// The metrics of the current gossip, from [`gossip_core::metrics`].
    pub fn report(&self) -> Option<GossipReport> {
        self.sim.collector().report(self.current?)
    }

    /// How node `i` is drawn at `now_us`; informed nodes fade over `fade_us`.
    pub fn fill(&self, i: u32, now_us: u64, fade_us: u64) -> NodeFill {
        if !self.sim.is_alive(i) {
            return NodeFill::Crashed;
        }
        if self.origin == Some(i) {
            return NodeFill::Origin;
        }
        match self.informed_us.get(i as usize).copied() {
            Some(t) if t != u64::MAX => {
                let age = now_us.saturating_sub(t) as f64;
                let freshness = 1.0 - (age / fade_us.max(1) as f64).min(1.0);
                NodeFill::Informed {
                    freshness: freshness as f32,
                }
            }
            _ => NodeFill::Uninformed,
        }
    }

    /// The tooltip of node `i`.
    pub fn info(&self, i: u32) -> Option<NodeInfo> {
        let node = self.sim.node(i)?;
        let stats = node.stats();
        Some(NodeInfo {
            index: i,
            id: node.id().to_string(),
            alive: self.sim.is_alive(i),
            peers: node.peers().len(),
            seen: node.seen_len(),
            sent: stats.total_sent(),
            received: stats.received.total(),
            delivered: stats.delivered,
            duplicates: stats.duplicates,
            group: self.sim.group_of(i),
        })
    }

    // ----- control -----------------------------------------------------

    /// Starts or stops the clock.
    pub fn set_playing(&mut self, playing: bool) {
        self.playing = playing;
    }

    /// Simulated seconds per wall-clock second, clamped to 0.1..=100.
    pub fn set_speed(&mut self, speed: f64) {
        self.speed = speed.clamp(0.1, 100.0);
    }

    /// Changes the loss percentage of the running network.
    pub fn set_loss_pct(&mut self, pct: f64) {
        self.params.loss_pct = pct.clamp(0.0, 100.0);
        self.sim.set_loss(self.params.loss_pct / 100.0);
    }

    /// Changes latency and jitter of the running network.
    pub fn set_latency(&mut self, latency_ms: f64, jitter_ms: f64) {
        self.params.latency_ms = latency_ms.max(0.0);
        self.params.jitter_ms = jitter_ms.max(0.0);
        self.sim
            .set_latency(self.params.latency_ms, self.params.jitter_ms);
        self.recording.set_nominal_latency(self.params.latency_ms);
    }

    /// Node `i` publishes a new gossip, which becomes the current one;
    /// `None` when `i` is down or out of range.
    pub fn publish_from(&mut self, i: u32) -> Option<MsgId> {
        let text = format!("rumour #{} from node {i}", self.publishes + 1);
        let id = self.sim.publish(i, &text)?;
        self.ingest_trace();
        Some(id)
    }

    /// Queues `action` in core's simulator, `after_ms` simulated ms from
    /// now ([`Simulator::schedule`]); one due now happens at once. The lab
    /// follows what it does through the trace: a publish becomes the current
    /// gossip, a partition or heal sets [`Lab::is_partitioned`], a crash or
    /// restart redraws the links. A loss change is not traced, so
    /// [`Lab::set_loss_pct`] is the way to change loss visibly.
    pub fn schedule(&mut self, after_ms: f64, action: Action) {
        self.sim.schedule(after_ms, action);
        if after_ms <= 0.0 {
            self.sim.run_until(self.sim.now());
            self.ingest_trace();
        }
    }

    /// A random running node publishes.
    pub fn publish_random(&mut self) -> Option<MsgId> {
        let alive: Vec<u32> = (0..self.len()).filter(|&i| self.sim.is_alive(i)).collect();
        if alive.is_empty() {
            return None;
        }
        let pick = alive[self.rng.below(alive.len() as u64) as usize];
        self.publish_from(pick)
    }

    /// Crashes node `i` when it runs, restarts it when it is down.
    pub fn toggle_node(&mut self, i: u32) {
        if i >= self.len() {
            return;
        }
        if self.sim.is_alive(i) {
            self.sim.crash(i);
        } else {
            self.sim.restart(i);
        }
        self.ingest_trace();
    }

    /// Splits the network into two halves by index, or heals it.
    pub fn toggle_partition(&mut self) {
        if self.partitioned {
            self.sim.heal();
        } else {
            let half: Vec<u32> = (0..self.len() / 2).collect();
            self.sim.partition(&[half]);
        }
        self.ingest_trace();
    }

    // ----- time --------------------------------------------------------

    /// Advances virtual time by `wall_ms * speed` when playing, in slices,
    /// stopping early once `clock()` passes `deadline_ms` (the lab then runs
    /// slower than asked and says so through [`Lab::is_lagging`]).
    pub fn advance(&mut self, wall_ms: f64, deadline_ms: f64, mut clock: impl FnMut() -> f64) {
        if !self.playing {
            return;
        }
        // Whole microseconds, the simulator's resolution, so the loop always ends.
        let span_us = (wall_ms.clamp(0.0, 100.0) * self.speed * 1_000.0).round() as u64;
        let target = self.sim.now() + Duration::from_micros(span_us);
        self.lagging = false;
        while self.sim.now() < target {
            let next = (self.sim.now() + SLICE).min(target);
            self.sim.run_until(next);
            if clock() > deadline_ms {
                self.lagging = self.sim.now() < target;
                break;
            }
        }
        self.ingest_trace();
    }

    /// Runs until the next datagram is sent or delivered (at most 10 000 events).
    pub fn step(&mut self) {
        for _ in 0..10_000 {
            if !self.sim.step() {
                break;
            }
            let before = self.flights.len();
            self.ingest_trace();
            if self.flights.len() != before {
                break;
            }
        }
    }

    /// Re-reads the peer tables; bumps [`Lab::links_version`] when they changed.
    pub fn refresh_links(&mut self) -> bool {
        let mut links = Vec::with_capacity(self.links.len().max(16));
        for i in 0..self.len() {
            if !self.sim.is_alive(i) {
                continue;
            }
            let Some(node) = self.sim.node(i) else {
                continue;
            };
            for peer in node.peers().iter() {
                if let Some(j) = node_index(peer.addr).filter(|&j| j < self.len() && j != i) {
                    links.push((i.min(j), i.max(j)));
                }
            }
        }
        gossip_core::order::sort(&mut links);
        links.dedup();
        if links == self.links {
            return false;
        }
        self.links = links;
        self.links_version += 1;
        true
    }

    fn ingest_trace(&mut self) {
        let records = self.sim.take_trace();
        self.recording.ingest(&records);
        if self.ingest(&records) {
            self.refresh_links();
        }
        let now = self.now_us();
        self.flights.retain(|f| f.arrive_us > now);
    }

    /// Follows the trace; returns whether a node crashed or restarted.
    fn ingest(&mut self, records: &[TraceRecord]) -> bool {
        let mut churn = false;
        for r in records {
            match &r.kind {
                TraceKind::Send {
                    from,
                    to,
                    msg_type,
                    arrive_us,
                    ..
                } => {
                    self.sent_by_type[*msg_type] += 1;
                    if self.flights.len() < MAX_FLIGHTS {
                        self.flights.push(Flight {
                            from: *from,
                            to: *to,
                            kind: *msg_type,
                            sent_us: r.t_us,
                            arrive_us: *arrive_us,
                        });
                    }
                }
                TraceKind::Drop {
                    msg_type, reason, ..
                } => {
                    self.dropped += 1;
                    // A datagram lost on the way was sent (and traced as a
                    // drop instead of a send); one reaching a crashed node
                    // was already counted when it left.
                    if *reason != DropReason::NodeDown {
                        self.sent_by_type[*msg_type] += 1;
                    }
                }
                TraceKind::Publish { node, id } => {
                    self.publishes += 1;
                    self.current = Some(*id);
                    self.origin = Some(*node);
                    self.published_us = r.t_us;
                    self.informed_us.fill(u64::MAX);
                    self.informed_us[*node as usize] = r.t_us;
                }
                TraceKind::Deliver { node, id, .. } if Some(*id) == self.current => {
                    self.informed_us[*node as usize] = r.t_us;
                }
                TraceKind::Restart { node } => {
                    // A restarted node comes back with an empty seen cache.
                    self.informed_us[*node as usize] = u64::MAX;
                    churn = true;
                }
                TraceKind::Crash { .. } => churn = true,
                TraceKind::Partition { .. } => self.partitioned = true,
                TraceKind::Heal => self.partitioned = false,
                _ => {}
            }
        }
        churn
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::params::OverlayKind;
    use gossip_core::Mode;

    fn run_until_spread(lab: &mut Lab, max_ms: f64) {
        let mut t = 0.0;
        while t < max_ms && lab.informed_count() < lab.len() as usize {
            lab.advance(100.0, f64::INFINITY, || 0.0);
            t += 100.0 * lab.speed();
        }
    }

    #[test]
    fn opens_on_a_formed_overlay() {
        let lab = Lab::new(Params::default());
        assert_eq!(lab.len(), 50);
        assert!(lab.is_playing());
        assert!(lab.links().len() >= 49, "only {} links", lab.links().len());
        assert!(lab.flights().is_empty() || lab.flights().iter().all(|f| f.from != f.to));
    }

    #[test]
    fn a_publish_reaches_everyone_in_hybrid_mode_and_animates() {
        let mut lab = Lab::new(Params::default());
        lab.set_speed(10.0);
        let id = lab.publish_from(3).expect("node 3 runs");
        assert_eq!(lab.current(), Some(id));
        assert!(
            lab.flights()
                .iter()
                .any(|f| f.kind == MsgType::Gossip && f.from == 3),
            "the first GOSSIP datagrams leave node 3"
        );
        run_until_spread(&mut lab, 30_000.0);
        assert_eq!(lab.informed_count(), 50);
        let report = lab.report().expect("report");
        assert_eq!(report.delivered, 50);
        assert!(report.t95_ms.is_some());
        assert!(lab.sent_by_type()[MsgType::Gossip] >= 49);
    }

    #[test]
    fn crash_restart_and_partition() {
        let mut lab = Lab::new(Params {
            nodes: 20,
            ..Params::default()
        });
        lab.toggle_node(4);
        assert_eq!(lab.fill(4, 0, 1), NodeFill::Crashed);
        assert!(!lab.sim().is_alive(4));
        assert_eq!(lab.publish_from(4), None, "a crashed node cannot publish");
        assert_eq!(lab.publish_from(99), None);
        assert_eq!(lab.publishes(), 0);
        lab.toggle_node(4);
        assert!(lab.sim().is_alive(4));
        lab.toggle_partition();
        assert!(lab.is_partitioned());
        assert_ne!(lab.sim().group_of(0), lab.sim().group_of(19));
        lab.toggle_partition();
        assert_eq!(lab.sim().group_of(0), lab.sim().group_of(19));
    }

    #[test]
    fn informed_nodes_fade() {
        let mut lab = Lab::new(Params {
            nodes: 10,
            overlay: OverlayKind::Random,
            mode: Mode::Push,
            ..Params::default()
        });
        lab.publish_from(0);
        assert_eq!(lab.fill(0, lab.now_us(), 1_000), NodeFill::Origin);
        lab.set_speed(10.0);
        run_until_spread(&mut lab, 5_000.0);
        let now = lab.now_us();
        let informed: Vec<(u32, f32)> = (1..10)
            .filter_map(|i| match lab.fill(i, now, 1_000_000_000) {
                NodeFill::Informed { freshness } => Some((i, freshness)),
                _ => None,
            })
            .collect();
        assert!(!informed.is_empty());
        assert!(informed.iter().all(|(_, f)| *f > 0.9 && *f <= 1.0));
        let (first, _) = informed[0];
        assert_eq!(
            lab.fill(first, now + 10_000_000, 1_000),
            NodeFill::Informed { freshness: 0.0 }
        );
    }

    #[test]
    fn paused_lab_does_not_move_but_steps() {
        let mut lab = Lab::new(Params::default());
        lab.set_playing(false);
        let t = lab.now_us();
        lab.advance(50.0, f64::INFINITY, || 0.0);
        assert_eq!(lab.now_us(), t);
        lab.step();
        assert!(lab.now_us() >= t);
        assert!(!lab.flights().is_empty() || lab.sent_by_type().total() > 0);
    }

    #[test]
    fn a_frame_advances_exactly_its_share_of_virtual_time() {
        let mut lab = Lab::new(Params::default());
        lab.set_speed(0.25);
        let start = lab.now_us();
        let mut readings = 0;
        lab.advance(16.7, 1_000.0, || {
            readings += 1;
            0.0
        });
        assert_eq!(lab.now_us() - start, 4_175);
        assert!(!lab.is_lagging());
        assert_eq!(readings, 3, "one clock reading per 2 ms slice");
    }

    #[test]
    fn a_tight_budget_lags_instead_of_freezing() {
        let mut lab = Lab::new(Params::default());
        lab.set_speed(100.0);
        let start = lab.now_us();
        let mut calls = 0;
        lab.advance(100.0, 0.5, || {
            calls += 1;
            f64::from(calls)
        });
        assert!(lab.is_lagging());
        assert!(lab.now_us() - start < 10_000_000);
    }
}
