//! Playing a recorded or live run on the lab's canvas: a [`Timeline`]
//! walked by a cursor (play, pause, seek, speed, step, jump to a
//! publication), and the statistics of core's metrics `Collector` through
//! [`EventMetrics`], the code `gossip analyze` runs, so both show the same
//! figures for the same records.

use std::collections::{HashSet, VecDeque};

use gossip_core::events::{Analysed, EventLine, EventMetrics, Record};
use gossip_core::metrics::Collector;
use gossip_core::sim::{TraceKind, TraceRecord};
use gossip_core::{MsgId, MsgType, Time};

use super::lab::{Flight, NodeFill, MAX_FLIGHTS};
use super::replay_input::{parse_line, LineError, Parsed};
use super::timeline::{StepKind, Timeline, UNKNOWN};

/// Most records one replay holds (a few hundred MB of JSON).
pub const MAX_RECORDS: usize = 5_000_000;
/// Bad lines kept for the message (the rest are counted).
pub const MAX_ERRORS: usize = 5;
/// Wall-clock ms a datagram stays visible at least, however short its trip.
const MIN_VISIBLE_WALL_MS: f64 = 250.0;
/// An unmatched datagram of a live run counts as lost after this long.
const LIVE_PENDING_US: u64 = 1_000_000;
/// Wall-clock ms between recomputations of the links while playing (each
/// change redraws the link layer; a large trace changes them every frame).
const LINKS_EVERY_MS: f64 = 250.0;
/// Delivery-to-screen delays kept.
const MAX_LATENCIES: usize = 100_000;
/// Deliveries waiting to be painted.
const MAX_AWAITING: usize = 100_000;
/// Wall-clock seconds the first gossip's spread lasts at the default speed.
const SPREAD_WALL_S: f64 = 4.0;

/// What the metrics are computed from.
#[derive(Debug, Clone)]
enum Measure {
    /// Real nodes' records, as `gossip analyze` reads them.
    Events(EventMetrics),
    /// A simulator trace, fed to a collector in its own order.
    Trace(Vec<(u64, TraceStep)>),
}

#[derive(Debug, Clone, Copy)]
enum TraceStep {
    Publish(MsgId),
    Send(MsgType, u32, Option<MsgId>),
    /// The gossip, its hops, and whether it came through IWANT.
    Deliver(MsgId, u32, bool),
    Duplicate(MsgId),
}

/// Loading state of a replay.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Files are being read.
    Reading,
    /// Everything is read and the timeline built.
    Ready,
    /// A live stream: records keep arriving.
    Live,
}

/// A replayed (or live) run and its playback state.
pub struct Replay {
    timeline: Timeline,
    measure: Option<Measure>,
    /// Records read, not yet in the timeline (files, before sorting).
    pending: Vec<(u64, Parsed)>,
    reports: Vec<Analysed>,
    phase: Phase,
    records: usize,
    bad_lines: usize,
    errors: Vec<LineError>,
    // playback
    cursor: usize,
    now_us: f64,
    playing: bool,
    speed: f64,
    follow: bool,
    stopped: Vec<bool>,
    directed: HashSet<(u32, u32)>,
    links: Vec<(u32, u32)>,
    links_dirty: bool,
    links_wait_ms: f64,
    links_version: u64,
    active: Vec<u32>,
    flights: Vec<Flight>,
    lost: Vec<Flight>,
    current: Option<u32>,
    pinned: bool,
    informed_us: Vec<u64>,
    // live: delivery record time (epoch ms) of deliveries not yet painted
    awaiting: VecDeque<(u32, u32, f64)>,
    latencies: VecDeque<f64>,
}

impl Default for Replay {
    fn default() -> Replay {
        Replay::new(Phase::Reading)
    }
}

impl Replay {
    /// An empty replay about to read files ([`Phase::Reading`]) or follow
    /// a live stream ([`Phase::Live`]).
    pub fn new(phase: Phase) -> Replay {
        let live = phase == Phase::Live;
        Replay {
            timeline: Timeline::new(),
            measure: None,
            pending: Vec::new(),
            reports: Vec::new(),
            phase,
            records: 0,
            bad_lines: 0,
            errors: Vec::new(),
            cursor: 0,
            now_us: 0.0,
            playing: live,
            speed: 1.0,
            follow: live,
            stopped: Vec::new(),
            directed: HashSet::new(),
            links: Vec::new(),
            links_dirty: false,
            links_wait_ms: 0.0,
            links_version: 0,
            active: Vec::new(),
            flights: Vec::new(),
            lost: Vec::new(),
            current: None,
            pinned: false,
            informed_us: Vec::new(),
            awaiting: VecDeque::new(),
            latencies: VecDeque::new(),
        }
    }

    // ----- input ---------------------------------------------------------

    /// Reads line `line` of `file`; a bad line is counted and, among the
    /// first [`MAX_ERRORS`], kept for the message.
    pub fn read_line(&mut self, file: &str, line: usize, text: Option<&str>) {
        let parsed = match text {
            None => Err((None, "not UTF-8".to_owned())),
            Some(t) => parse_line(t),
        };
        let parsed = parsed.and_then(|p| match (&self.measure, &p) {
            (Some(Measure::Events(_)), Parsed::Trace(_)) => Err((
                Some("ev".into()),
                "a `gossip sim --trace` record among --events records; open one kind at a time"
                    .into(),
            )),
            (Some(Measure::Trace(_)), Parsed::Event(_)) => Err((
                Some("event".into()),
                "an --events record among `gossip sim --trace` records; open one kind at a time"
                    .into(),
            )),
            _ => Ok(p),
        });
        let parsed = parsed.and_then(|p| {
            if self.records >= MAX_RECORDS {
                Err((
                    None,
                    format!("more than {MAX_RECORDS} records; open fewer files"),
                ))
            } else {
                Ok(p)
            }
        });
        match parsed {
            Ok(p) => self.accept(p),
            Err((field, message)) => {
                self.bad_lines += 1;
                if self.errors.len() < MAX_ERRORS {
                    self.errors.push(LineError {
                        file: file.to_owned(),
                        line,
                        field,
                        message,
                    });
                }
            }
        }
    }

    fn accept(&mut self, p: Parsed) {
        self.records += 1;
        let live = self.phase == Phase::Live;
        match &p {
            Parsed::Event(l) => {
                let m = self
                    .measure
                    .get_or_insert_with(|| Measure::Events(EventMetrics::new()));
                if let Measure::Events(m) = m {
                    m.add(l);
                }
                self.timeline.node(l.node, Some(l.addr));
                if live {
                    self.timeline.add_event(l);
                    if let Record::Delivered { msg_id, .. } = &l.record {
                        self.await_paint(l, *msg_id);
                    }
                    return;
                }
                self.pending.push((l.ts_us, p));
            }
            Parsed::Trace(r) => {
                let m = self
                    .measure
                    .get_or_insert_with(|| Measure::Trace(Vec::new()));
                if let Measure::Trace(steps) = m {
                    if let Some(s) = trace_step(r) {
                        steps.push((r.t_us, s));
                    }
                }
                if live {
                    self.timeline.add_trace(r);
                    return;
                }
                self.pending.push((r.t_us, p));
            }
        }
    }

    fn await_paint(&mut self, l: &EventLine, id: MsgId) {
        let (Some(node), Some(g)) = (
            self.timeline.node_index(l.node),
            self.timeline.gossip_index(id),
        ) else {
            return;
        };
        if self.awaiting.len() >= MAX_AWAITING {
            self.awaiting.pop_front();
        }
        self.awaiting.push_back((node, g, l.ts_us as f64 / 1_000.0));
    }

    /// Reads one message of a live stream (records separated by newlines).
    pub fn read_message(&mut self, text: &str) {
        for (i, line) in text.lines().enumerate() {
            if !line.trim().is_empty() {
                self.read_line("live stream", i + 1, Some(line));
            }
        }
    }

    /// Sorts what was read (files may interleave in time); call once after
    /// the last line, then [`Replay::build`] until it says done.
    pub fn sort(&mut self) {
        if !self.pending.is_sorted_by_key(|(t, _)| *t) {
            gossip_core::order::sort_by_key(&mut self.pending, |(t, _)| *t);
        }
        self.pending.reverse();
    }

    /// Moves up to `budget` sorted records into the timeline; true when
    /// all are in (the replay is then [`Phase::Ready`], at its start).
    pub fn build(&mut self, budget: usize) -> bool {
        for _ in 0..budget {
            let Some((_, p)) = self.pending.pop() else {
                break;
            };
            match &p {
                Parsed::Event(l) => self.timeline.add_event(l),
                Parsed::Trace(r) => self.timeline.add_trace(r),
            }
        }
        if !self.pending.is_empty() {
            return false;
        }
        self.pending = Vec::new();
        if self.phase == Phase::Reading {
            self.phase = Phase::Ready;
            self.analyse();
            let (start, speed) = self.opening();
            self.speed = speed;
            self.seek(start);
            self.playing = true;
        }
        true
    }

    /// Recomputes the statistics from every record so far.
    pub fn analyse(&mut self) {
        self.reports = match &self.measure {
            None => Vec::new(),
            Some(Measure::Events(m)) => m.analyse(u32::try_from(m.writers()).unwrap_or(u32::MAX)),
            Some(Measure::Trace(steps)) => trace_reports(steps, self.timeline.nodes().len() as u32),
        };
    }

    /// Where a loaded replay opens and at what speed: just before the first
    /// publication (the overlay formed by then is drawn), at a speed at
    /// which that gossip's spread lasts a few seconds; without a gossip, at
    /// the start, playing the whole run in those seconds.
    fn opening(&self) -> (u64, f64) {
        let first = self.timeline.gossips().first().map(|g| {
            let span = g
                .deliveries
                .last()
                .map_or(0, |d| d.0.saturating_sub(g.published_us));
            (g.published_us, span)
        });
        let (start, span) = match first {
            Some((at, span)) if span > 0 => (at.saturating_sub(span / 4), span),
            _ => (0, self.timeline.end_us().max(1)),
        };
        (
            start,
            (span as f64 / 1e6 / SPREAD_WALL_S).clamp(0.0001, 100.0),
        )
    }

    // ----- observation ---------------------------------------------------

    /// Loading state.
    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    /// The rebuilt run.
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// Records read.
    pub fn records(&self) -> usize {
        self.records
    }

    /// Lines that were not records.
    pub fn bad_lines(&self) -> usize {
        self.bad_lines
    }

    /// The first bad lines.
    pub fn errors(&self) -> &[LineError] {
        &self.errors
    }

    /// Whether these are a simulator trace's records.
    pub fn is_trace(&self) -> bool {
        matches!(self.measure, Some(Measure::Trace(_)))
    }

    /// Every gossip's metrics, in publication order.
    pub fn reports(&self) -> &[Analysed] {
        &self.reports
    }

    /// The metrics of gossip `g` (a timeline index).
    pub fn report_of(&self, g: u32) -> Option<&Analysed> {
        let id = self.timeline.gossips().get(g as usize)?.id;
        self.reports.iter().find(|a| a.report.id == id)
    }

    /// Playback position, µs since the start.
    pub fn now_us(&self) -> u64 {
        self.now_us as u64
    }

    /// Whether playback runs.
    pub fn is_playing(&self) -> bool {
        self.playing
    }

    /// Recorded seconds per wall-clock second.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Whether a live view shows the newest records as they come.
    pub fn is_following(&self) -> bool {
        self.follow
    }

    /// The gossip whose spread the nodes show.
    pub fn current(&self) -> Option<u32> {
        self.current
    }

    /// Nodes holding the current gossip at the playback position.
    pub fn informed_count(&self) -> usize {
        self.informed_us.iter().filter(|t| **t != u64::MAX).count()
    }

    /// Median and 95th percentile of the delay, in ms, from a node's
    /// delivery record to the frame that first drew it informed (live), with
    /// the number of samples.
    pub fn latency(&self) -> Option<(f64, f64, usize)> {
        if self.latencies.is_empty() {
            return None;
        }
        let mut v: Vec<f64> = self.latencies.iter().copied().collect();
        gossip_core::order::sort_by(&mut v, f64::total_cmp);
        let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1];
        Some((at(0.5), at(0.95), v.len()))
    }

    // ----- control ---------------------------------------------------------

    /// Starts or stops playback. In a live view, pausing holds the picture
    /// while records keep arriving; playing again resumes from there.
    pub fn set_playing(&mut self, on: bool) {
        self.playing = on;
        if !on {
            self.follow = false;
        }
    }

    /// Recorded seconds per wall-clock second, clamped to 0.0001..=100.
    pub fn set_speed(&mut self, speed: f64) {
        self.speed = speed.clamp(0.0001, 100.0);
    }

    /// Jumps a live view to the newest records and keeps up with them.
    pub fn go_live(&mut self) {
        if self.phase == Phase::Live {
            self.follow = true;
            self.playing = true;
        }
    }

    /// Moves playback to `t_us` µs since the start.
    pub fn seek(&mut self, t_us: u64) {
        let t = t_us.min(self.timeline.end_us());
        if (t as f64) < self.now_us || self.cursor == 0 {
            self.reset_state();
        }
        self.now_us = t as f64;
        self.apply_to(t);
        if self.phase == Phase::Live && t < self.timeline.end_us() {
            self.follow = false;
        }
        self.refresh();
    }

    /// Pauses and moves to the next step after the playback position.
    pub fn step(&mut self) {
        self.set_playing(false);
        let now = self.now_us();
        let steps = self.timeline.steps();
        let next = steps[steps.partition_point(|s| s.t_us <= now)..]
            .first()
            .map(|s| s.t_us);
        if let Some(t) = next {
            self.seek(t);
        }
    }

    /// Shows gossip `g` and moves to its publication (paused), or back to
    /// following the latest publication with `None`.
    pub fn jump_to(&mut self, g: Option<u32>) {
        match g.and_then(|g| {
            self.timeline
                .gossips()
                .get(g as usize)
                .map(|m| (g, m.published_us))
        }) {
            Some((g, at)) => {
                self.pinned = true;
                self.current = Some(g);
                self.set_playing(false);
                self.seek(at);
            }
            None => {
                self.pinned = false;
                self.refresh();
            }
        }
    }

    /// Advances playback by `wall_ms` of wall-clock time.
    pub fn advance(&mut self, wall_ms: f64) {
        if let Some(at) = self.timeline.take_rewound() {
            if at < self.cursor {
                let now = self.now_us;
                self.reset_state();
                self.now_us = now;
            }
        }
        let end = self.timeline.end_us() as f64;
        if self.playing {
            if self.follow {
                self.now_us = end;
            } else {
                self.now_us =
                    (self.now_us + wall_ms.clamp(0.0, 100.0) * self.speed * 1_000.0).min(end);
                if self.now_us >= end && self.phase == Phase::Ready {
                    self.playing = false;
                }
            }
        }
        self.apply_to(self.now_us());
        self.links_wait_ms += wall_ms;
        let links_due = self.links_wait_ms >= LINKS_EVERY_MS;
        if links_due {
            self.links_wait_ms = 0.0;
        }
        self.refresh_with(links_due);
    }

    /// Records the delays of deliveries drawn for the first time; call
    /// after each painted frame with the wall clock (epoch ms).
    pub fn painted(&mut self, epoch_ms: f64) {
        let current = self.current;
        let informed = &self.informed_us;
        let latencies = &mut self.latencies;
        self.awaiting.retain(|&(node, g, at_ms)| {
            if Some(g) == current {
                if informed.get(node as usize).is_some_and(|t| *t != u64::MAX) {
                    if latencies.len() >= MAX_LATENCIES {
                        latencies.pop_front();
                    }
                    latencies.push_back((epoch_ms - at_ms).max(0.0));
                    return false;
                }
                return true;
            }
            // Another gossip is shown: this delivery is never drawn.
            current.is_some_and(|c| g > c)
        });
    }

    fn reset_state(&mut self) {
        self.cursor = 0;
        self.now_us = 0.0;
        self.stopped.clear();
        self.directed.clear();
        self.links_dirty = true;
        self.active.clear();
        if !self.pinned {
            self.current = None;
        }
    }

    fn apply_to(&mut self, t: u64) {
        let n = self.timeline.nodes().len();
        if self.stopped.len() < n {
            self.stopped.resize(n, false);
        }
        let steps = self.timeline.steps();
        while let Some(s) = steps.get(self.cursor).filter(|s| s.t_us <= t) {
            match s.kind {
                StepKind::Join(_) => {}
                StepKind::Stop(i) => self.stopped[i as usize] = true,
                StepKind::Restart(i) => self.stopped[i as usize] = false,
                StepKind::Link { from, to, up } => {
                    let changed = if up {
                        self.directed.insert((from, to))
                    } else {
                        self.directed.remove(&(from, to))
                    };
                    self.links_dirty |= changed;
                }
                StepKind::Send(d) => self.active.push(d),
                StepKind::Publish(g) => {
                    if !self.pinned {
                        self.current = Some(g);
                    }
                }
                StepKind::Deliver { gossip, .. } => {
                    if !self.pinned && self.current.is_none() {
                        self.current = Some(gossip);
                    }
                }
            }
            self.cursor += 1;
            if self.active.len() > 4 * MAX_FLIGHTS {
                let (now, min) = (t, self.min_visible_us());
                let dg = self.timeline.datagrams();
                self.active
                    .retain(|d| visible_end(&dg[*d as usize], min) > now);
            }
        }
    }

    fn min_visible_us(&self) -> u64 {
        (MIN_VISIBLE_WALL_MS * self.speed * 1_000.0).max(1.0) as u64
    }

    /// Recomputes what the canvas draws at the playback position.
    fn refresh(&mut self) {
        self.refresh_with(true);
    }

    /// [`Replay::refresh`], recomputing the links only when `links` is set.
    fn refresh_with(&mut self, links: bool) {
        if links && self.links_dirty {
            self.links_dirty = false;
            let mut links: Vec<(u32, u32)> = self
                .directed
                .iter()
                .map(|&(a, b)| (a.min(b), a.max(b)))
                .collect();
            gossip_core::order::sort(&mut links);
            links.dedup();
            if links != self.links {
                self.links = links;
                self.links_version += 1;
            }
        }
        let now = self.now_us();
        let min = self.min_visible_us();
        let settled = self.phase == Phase::Ready;
        let dg = self.timeline.datagrams();
        self.active
            .retain(|d| visible_end(&dg[*d as usize], min) > now);
        self.flights.clear();
        self.lost.clear();
        for d in &self.active {
            let g = &dg[*d as usize];
            if g.to == UNKNOWN || g.sent_us > now {
                continue;
            }
            let lost = g.arrive_us.is_none()
                && (settled || now.saturating_sub(g.sent_us) > LIVE_PENDING_US);
            let flight = Flight {
                from: g.from,
                to: g.to,
                kind: g.kind,
                sent_us: g.sent_us,
                arrive_us: visible_end(g, min),
            };
            if lost {
                self.lost.push(flight);
            } else if self.flights.len() < MAX_FLIGHTS {
                self.flights.push(flight);
            }
        }
        let n = self.timeline.nodes().len();
        self.informed_us.clear();
        self.informed_us.resize(n, u64::MAX);
        if let Some(meta) = self
            .current
            .and_then(|g| self.timeline.gossips().get(g as usize))
        {
            if let Some(o) = meta.origin.filter(|_| meta.published_us <= now) {
                self.informed_us[o as usize] = meta.published_us;
            }
            for &(t, node) in meta.deliveries.iter().take_while(|d| d.0 <= now) {
                self.informed_us[node as usize] = t;
            }
        }
    }

    // ----- what the canvas draws -------------------------------------------

    /// Nodes in the run.
    pub fn node_count(&self) -> u32 {
        self.timeline.nodes().len() as u32
    }

    /// Undirected peer links at the playback position.
    pub fn links(&self) -> &[(u32, u32)] {
        &self.links
    }

    /// Bumped when [`Replay::links`] changes.
    pub fn links_version(&self) -> u64 {
        self.links_version
    }

    /// Datagrams on their way at the playback position.
    pub fn flights(&self) -> &[Flight] {
        &self.flights
    }

    /// Datagrams lost on their way at the playback position.
    pub fn lost(&self) -> &[Flight] {
        &self.lost
    }

    /// How node `i` is drawn at `now_us`.
    pub fn fill(&self, i: u32, now_us: u64, fade_us: u64) -> NodeFill {
        if self.stopped.get(i as usize).copied().unwrap_or(false) {
            return NodeFill::Crashed;
        }
        let meta = self
            .current
            .and_then(|g| self.timeline.gossips().get(g as usize));
        if meta.is_some_and(|m| m.origin == Some(i) && m.published_us <= now_us) {
            return NodeFill::Origin;
        }
        match self.informed_us.get(i as usize).copied() {
            Some(t) if t != u64::MAX => {
                let age = now_us.saturating_sub(t) as f64;
                NodeFill::Informed {
                    freshness: (1.0 - (age / fade_us.max(1) as f64).min(1.0)) as f32,
                }
            }
            _ => NodeFill::Uninformed,
        }
    }
}

/// When a datagram stops being drawn: its arrival, but at least `min` µs
/// after it left (a lost one: `min` after it left).
fn visible_end(d: &super::timeline::Datagram, min: u64) -> u64 {
    let floor = d.sent_us.saturating_add(min);
    d.arrive_us.map_or(floor, |a| a.max(floor))
}

fn trace_step(r: &TraceRecord) -> Option<TraceStep> {
    Some(match &r.kind {
        TraceKind::Publish { id, .. } => TraceStep::Publish(*id),
        TraceKind::Send {
            msg_type,
            gossip,
            bytes,
            ..
        } => TraceStep::Send(*msg_type, *bytes, *gossip),
        // A dropped datagram was sent too; the trace does not say its size.
        TraceKind::Drop {
            msg_type, gossip, ..
        } => TraceStep::Send(*msg_type, 0, *gossip),
        TraceKind::Deliver {
            id, hops, pulled, ..
        } => TraceStep::Deliver(*id, *hops, *pulled),
        TraceKind::Duplicate { id, .. } => TraceStep::Duplicate(*id),
        _ => return None,
    })
}

/// The simulator's own measurement of a trace: every send (delivered or
/// dropped on the way) and delivery fed to core's collector in trace order.
fn trace_reports(steps: &[(u64, TraceStep)], population: u32) -> Vec<Analysed> {
    let mut c = Collector::new();
    for (t, s) in steps {
        let at = Time::from_micros(*t);
        match *s {
            TraceStep::Publish(id) => c.on_publish(at, id, population),
            TraceStep::Send(ty, bytes, g) => c.on_send(at, ty, bytes, g),
            TraceStep::Deliver(id, hops, pulled) => c.on_deliver(at, id, hops, pulled),
            TraceStep::Duplicate(id) => c.on_duplicate(id),
        }
    }
    c.gossip_ids()
        .iter()
        .filter_map(|id| {
            Some(Analysed {
                data: String::new(),
                publisher_recorded: true,
                report: c.report(*id)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use std::net::SocketAddr;

    use gossip_core::events::line;
    use gossip_core::{NodeId, Time};

    use super::*;

    fn addr(n: u128) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 9000 + n as u16))
    }

    fn json(us: u64, node: u128, record: Record) -> String {
        let l = line(
            Time::from_micros(5_000_000 + us),
            NodeId(node),
            addr(node),
            record,
        );
        serde_json::to_string(&l).expect("json")
    }

    fn send(us: u64, from: u128, to: u128) -> String {
        json(
            us,
            from,
            Record::Send {
                msg_type: MsgType::Gossip,
                msg_id: MsgId(7),
                to: addr(to),
                ttl: 3,
                bytes: 50,
            },
        )
    }

    /// Node 1 publishes at 0 and sends to 2 (received at 1 ms) and to 3
    /// (lost); 2 delivers at 1 ms; 3 never gets it.
    fn run() -> Vec<String> {
        vec![
            json(
                0,
                1,
                Record::Published {
                    msg_id: MsgId(7),
                    topic: "t".into(),
                    data: "d".into(),
                },
            ),
            send(0, 1, 2),
            send(10, 1, 3),
            json(
                1_000,
                2,
                Record::Recv {
                    msg_type: MsgType::Gossip,
                    msg_id: MsgId(7),
                    from: addr(1),
                    sender_id: NodeId(1),
                    ttl: 3,
                    bytes: 50,
                },
            ),
            json(
                1_000,
                2,
                Record::Delivered {
                    msg_id: MsgId(7),
                    from: NodeId(1),
                    origin_id: NodeId(1),
                    origin_timestamp_ms: 5_000,
                    hops: 1,
                    pulled: false,
                    topic: "t".into(),
                    data: "d".into(),
                },
            ),
            json(2_000, 3, Record::Joined { peers: 1 }),
        ]
    }

    #[test]
    fn a_replay_measures_like_analyze_and_moves_through_its_steps() {
        let mut r = Replay::new(Phase::Reading);
        // Two files, the second first: the replay sorts them.
        let lines = run();
        for (i, l) in lines[3..].iter().enumerate() {
            r.read_line("b.jsonl", i + 1, Some(l));
        }
        for (i, l) in lines[..3].iter().enumerate() {
            r.read_line("a.jsonl", i + 1, Some(l));
        }
        r.read_line("a.jsonl", 4, Some("{\"event\":\"send\"}"));
        r.sort();
        while !r.build(2) {}
        assert_eq!(*r.phase(), Phase::Ready);
        assert_eq!((r.records(), r.bad_lines()), (6, 1));
        assert_eq!(
            r.errors()[0].to_string(),
            "a.jsonl, line 4, field `ts_ms`: missing"
        );
        let expected: Vec<_> = {
            let parsed: Vec<EventLine> = lines
                .iter()
                .map(|l| serde_json::from_str(l).expect("line"))
                .collect();
            gossip_core::events::analyse(&parsed, 3)
        };
        assert_eq!(r.reports()[0].report, expected[0].report);
        assert_eq!(r.reports()[0].report.delivered, 2);
        assert_eq!(r.timeline().unmatched(), 1, "the send to node 3 is lost");

        r.jump_to(Some(0));
        assert!(!r.is_playing());
        assert_eq!((r.now_us(), r.informed_count()), (0, 1), "the origin");
        r.step();
        assert_eq!(r.now_us(), 10);
        assert_eq!(r.flights().len(), 1, "the datagram to node 2 is on its way");
        assert_eq!(r.lost().len(), 1, "the one to node 3 is lost");
        r.step();
        assert_eq!((r.now_us(), r.informed_count()), (1_000, 2));
        r.seek(0);
        assert_eq!(r.informed_count(), 1);
        r.set_playing(true);
        r.set_speed(1.0);
        for _ in 0..10 {
            r.advance(100.0);
        }
        assert_eq!(r.now_us(), r.timeline().end_us());
        assert!(!r.is_playing(), "stops at the end");
    }

    #[test]
    fn a_live_view_measures_the_delay_to_the_screen() {
        let mut r = Replay::new(Phase::Live);
        r.read_message(&run()[..2].join("\n"));
        r.advance(16.0);
        let delivery = run()[4].clone();
        r.read_message(&delivery);
        r.advance(16.0);
        assert_eq!(r.informed_count(), 2);
        // Drawn 25 ms after the node's delivery (at 5.001 s).
        r.painted(5_001.0 + 25.0);
        let (median, p95, n) = r.latency().expect("a delay");
        assert_eq!(n, 1);
        assert!((median - 25.0).abs() < 1e-9 && (p95 - 25.0).abs() < 1e-9);
    }
}
