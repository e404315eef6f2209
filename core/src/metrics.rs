//! One definition of every dissemination metric, used by the simulator, the
//! real-UDP experiment runner and the browser.
//!
//! Feed a [`Collector`] what happened (publishes, sends, gossip receptions,
//! deliveries), in time order, then ask it for a [`GossipReport`] per gossip.
//! Definitions, for one gossip published at `t0` into a population of `N` nodes:
//!
//! - delivery ratio: nodes holding it (origin included) / `N`;
//! - `t50`, `t95`, `t100`: time after `t0` until 50 %, 95 %, 100 % of `N` hold it
//!   (`t95` is the original's convergence time);
//! - overhead: every message of every type sent by every node in `[t0, t95]`
//!   (the original's definition), by type and in bytes;
//! - total messages: every message sent from `t0` up to and including the last
//!   copy of the gossip (quiescence);
//! - duplicates: copies received by nodes that already held it;
//! - RMR (relative message redundancy): `payload_receptions / (delivered - 1) - 1`;
//! - hops: mean and maximum over the deliveries;
//! - pulled by t95: deliveries through a pull (IWANT) up to the one that made
//!   95 % coverage; 0 when push alone reached 95 % (a hybrid run's t95 is
//!   milliseconds then, and a pull round later otherwise);
//! - the coverage-over-time curve.
//!
//! A metric that is not defined for a run is `None`, never 0: `t95` and the
//! overhead until 95 % coverage is reached, the bytes of the overhead when
//! the driver did not encode the messages, RMR and hops with no delivery.
//! [`Summary`] averages a metric over the runs where it is defined and says
//! how many those were.

use core::time::Duration;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::id::MsgId;
use crate::message::MsgType;
use crate::time::Time;

pub use crate::scorecard::{Scorecard, Targets, Verdict};

/// Most gossips a collector tracks at once; publishing one more forgets the
/// oldest, so a long session keeps a bounded memory.
pub const MAX_TRACKED: usize = 1_024;

/// Running totals of every message sent so far.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    by_type: [u64; MsgType::COUNT],
    bytes: u64,
    /// Sends whose size was not measured (reported as 0 bytes).
    unmeasured: u64,
    total: u64,
}

impl Counts {
    fn since(&self, start: &Counts) -> Counts {
        let mut by_type = [0u64; MsgType::COUNT];
        for (i, n) in by_type.iter_mut().enumerate() {
            *n = self.by_type[i] - start.by_type[i];
        }
        Counts {
            by_type,
            bytes: self.bytes - start.bytes,
            unmeasured: self.unmeasured - start.unmeasured,
            total: self.total - start.total,
        }
    }
}

/// The overhead window `[t0, t95]` of one gossip.
#[derive(Debug, Clone, Copy)]
enum Window {
    /// 95 % coverage not reached yet.
    Open,
    /// Reached at this time; sends stamped with the same time still count.
    Closing(Time),
    /// Totals at the end of the window.
    Closed(Counts),
}

#[derive(Debug, Clone)]
struct Tracker {
    t0: Time,
    population: u32,
    deliveries: Vec<(Time, u32)>,
    receptions: u64,
    duplicates: u64,
    /// Totals when the gossip was published.
    start: Counts,
    window: Window,
    /// `Counts::total` right after the last copy of the gossip was sent.
    total_at_last_copy: u64,
    /// Deliveries through a pull (IWANT) so far.
    pulled: u64,
    /// `pulled` when 95 % coverage was reached.
    pulled_by_t95: Option<u64>,
}

impl Tracker {
    /// Deliveries that make 95 % coverage.
    fn needed_for_t95(&self) -> usize {
        needed(0.95, f64::from(self.population))
    }
}

fn needed(fraction: f64, population: f64) -> usize {
    (fraction * population).ceil().max(1.0) as usize
}

/// Records what happened in a run and turns it into per-gossip reports.
///
/// It keeps running totals rather than a log of every send, so its memory is
/// bounded by [`MAX_TRACKED`] gossips and their deliveries however long the
/// run, and [`Collector::report`] costs time in deliveries, not in sends.
/// Feed it in time order.
#[derive(Debug, Clone, Default)]
pub struct Collector {
    sent: Counts,
    gossips: FxHashMap<MsgId, Tracker>,
    order: Vec<MsgId>,
    /// Gossips whose window is [`Window::Closing`].
    closing: Vec<MsgId>,
}

impl Collector {
    /// An empty collector.
    pub fn new() -> Collector {
        Collector::default()
    }

    /// Gossip `id` was published at `at` into a population of `population`
    /// nodes (the origin counts as its first holder).
    pub fn on_publish(&mut self, at: Time, id: MsgId, population: u32) {
        if self.gossips.contains_key(&id) {
            return;
        }
        if self.order.len() >= MAX_TRACKED {
            let oldest = self.order.remove(0);
            self.gossips.remove(&oldest);
            self.closing.retain(|g| *g != oldest);
        }
        self.order.push(id);
        let mut tracker = Tracker {
            t0: at,
            population: population.max(1),
            deliveries: vec![(at, 0)],
            receptions: 0,
            duplicates: 0,
            start: self.sent,
            window: Window::Open,
            total_at_last_copy: self.sent.total,
            pulled: 0,
            pulled_by_t95: None,
        };
        if tracker.needed_for_t95() <= 1 {
            tracker.pulled_by_t95 = Some(0);
            tracker.window = Window::Closing(at);
            self.closing.push(id);
        }
        self.gossips.insert(id, tracker);
    }

    /// A message left a node; `bytes` is its encoded size (0 when the driver
    /// did not encode it: the byte overhead is then absent), `gossip` the
    /// gossip id for GOSSIP messages.
    pub fn on_send(&mut self, at: Time, msg_type: MsgType, bytes: u32, gossip: Option<MsgId>) {
        if !self.closing.is_empty() {
            let (sent, gossips) = (self.sent, &mut self.gossips);
            self.closing.retain(|g| {
                let Some(t) = gossips.get_mut(g) else {
                    return false;
                };
                match t.window {
                    Window::Closing(end) if at > end => {
                        t.window = Window::Closed(sent);
                        false
                    }
                    _ => true,
                }
            });
        }
        self.sent.by_type[msg_type.index()] += 1;
        self.sent.bytes += u64::from(bytes);
        self.sent.unmeasured += u64::from(bytes == 0);
        self.sent.total += 1;
        if let Some(t) = gossip.and_then(|g| self.gossips.get_mut(&g)) {
            t.total_at_last_copy = self.sent.total;
        }
    }

    /// A node received a copy of gossip `id` that it already held.
    pub fn on_duplicate(&mut self, id: MsgId) {
        if let Some(t) = self.gossips.get_mut(&id) {
            t.receptions += 1;
            t.duplicates += 1;
        }
    }

    /// A node received gossip `id` for the first time, after `hops` hops;
    /// `pulled` when it came in answer to the node's IWANT.
    pub fn on_deliver(&mut self, at: Time, id: MsgId, hops: u32, pulled: bool) {
        if let Some(t) = self.gossips.get_mut(&id) {
            t.receptions += 1;
            t.deliveries.push((at, hops));
            t.pulled += u64::from(pulled);
            let reached_t95 = t.deliveries.len() >= t.needed_for_t95();
            if reached_t95 && t.pulled_by_t95.is_none() {
                t.pulled_by_t95 = Some(t.pulled);
            }
            if reached_t95 && matches!(t.window, Window::Open) {
                let end = t.deliveries.iter().map(|d| d.0).max().unwrap_or(at);
                t.window = Window::Closing(end);
                self.closing.push(id);
            }
        }
    }

    /// Every message sent so far, by [`MsgType::index`] (what a
    /// [`Scorecard`](crate::scorecard::Scorecard) of a whole workload counts).
    pub fn sent_by_type(&self) -> [u64; MsgType::COUNT] {
        self.sent.by_type
    }

    /// Gossips tracked, in publish order.
    pub fn gossip_ids(&self) -> &[MsgId] {
        &self.order
    }

    /// Nodes holding gossip `id` so far (origin included).
    pub fn delivered(&self, id: MsgId) -> usize {
        self.gossips.get(&id).map_or(0, |t| t.deliveries.len())
    }

    /// The report for gossip `id`, if it was published and is still tracked.
    pub fn report(&self, id: MsgId) -> Option<GossipReport> {
        let t = self.gossips.get(&id)?;
        let mut times: Vec<Time> = t.deliveries.iter().map(|d| d.0).collect();
        crate::order::sort(&mut times);
        let n = f64::from(t.population);
        let reach = |fraction: f64| -> Option<Duration> {
            times
                .get(needed(fraction, n) - 1)
                .map(|at| at.saturating_since(t.t0))
        };
        let overhead = match t.window {
            Window::Open => None,
            Window::Closing(_) => Some(self.sent.since(&t.start)),
            Window::Closed(end) => Some(end.since(&t.start)),
        };
        let delivered = t.deliveries.len() as u64;
        let hops: Vec<u32> = t.deliveries.iter().skip(1).map(|d| d.1).collect();
        let coverage = times
            .iter()
            .enumerate()
            .map(|(i, at)| CoveragePoint {
                ms: at.saturating_since(t.t0).as_secs_f64() * 1_000.0,
                fraction: (i + 1) as f64 / n,
            })
            .collect();
        Some(GossipReport {
            id,
            population: t.population,
            delivered,
            delivery_ratio: delivered as f64 / n,
            t50_ms: reach(0.5).map(ms),
            t95_ms: reach(0.95).map(ms),
            t100_ms: reach(1.0).map(ms),
            overhead: overhead.map(|o| o.total),
            overhead_by_type: overhead.map(|o| o.by_type),
            overhead_bytes: overhead.filter(|o| o.unmeasured == 0).map(|o| o.bytes),
            total_messages: t.total_at_last_copy - t.start.total,
            payload_receptions: t.receptions,
            duplicates: t.duplicates,
            rmr: (delivered > 1).then(|| t.receptions as f64 / (delivered - 1) as f64 - 1.0),
            mean_hops: (!hops.is_empty())
                .then(|| hops.iter().map(|h| f64::from(*h)).sum::<f64>() / hops.len() as f64),
            max_hops: hops.iter().copied().max(),
            last_hop: t
                .deliveries
                .iter()
                .skip(1)
                .max_by_key(|d| (d.0, d.1))
                .map(|d| d.1),
            pulled_by_t95: t.pulled_by_t95,
            coverage,
        })
    }
}

/// How a gossip reached 95 % coverage, in words, from its
/// [`GossipReport::pulled_by_t95`]: "push alone", or "pull (N deliveries
/// through IWANT)".
pub fn reached_by(pulled_by_t95: u64) -> String {
    match pulled_by_t95 {
        0 => "push alone".to_owned(),
        1 => "pull (1 delivery through IWANT)".to_owned(),
        n => format!("pull ({n} deliveries through IWANT)"),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

/// A point of the coverage-over-time curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CoveragePoint {
    /// Milliseconds after publication.
    pub ms: f64,
    /// Fraction of the population holding the gossip.
    pub fraction: f64,
}

/// Every metric of one gossip (see the [module docs](self) for definitions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GossipReport {
    /// The gossip.
    pub id: MsgId,
    /// Nodes that could have received it.
    pub population: u32,
    /// Nodes holding it, origin included.
    pub delivered: u64,
    /// `delivered / population`.
    pub delivery_ratio: f64,
    /// Milliseconds to 50 % coverage.
    pub t50_ms: Option<f64>,
    /// Milliseconds to 95 % coverage: the convergence time.
    pub t95_ms: Option<f64>,
    /// Milliseconds to full coverage.
    pub t100_ms: Option<f64>,
    /// Messages of every type sent in `[t0, t95]`; `None` until 95 % coverage.
    pub overhead: Option<u64>,
    /// The overhead split by [`MsgType::index`]; `None` until 95 % coverage.
    pub overhead_by_type: Option<[u64; MsgType::COUNT]>,
    /// Bytes of the overhead messages; absent until 95 % coverage and when
    /// the driver did not encode the messages (the simulator's fast mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overhead_bytes: Option<u64>,
    /// Messages sent from `t0` until the last copy of the gossip was sent.
    pub total_messages: u64,
    /// Copies of the gossip received, first and duplicate.
    pub payload_receptions: u64,
    /// Copies received by nodes that already held it.
    pub duplicates: u64,
    /// Relative message redundancy.
    pub rmr: Option<f64>,
    /// Mean hops over deliveries.
    pub mean_hops: Option<f64>,
    /// Largest hop count.
    pub max_hops: Option<u32>,
    /// Hop count of the last node to receive the gossip (the "last delivery
    /// hop" iroh-gossip's simulator reports): how deep the slowest path was,
    /// which a tree strategy trades for fewer messages.
    pub last_hop: Option<u32>,
    /// Deliveries through a pull (IWANT) up to and including the one that
    /// made 95 % coverage: 0 when push alone reached 95 %, none until 95 %.
    /// It tells a hybrid run that push finished from one a pull round did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pulled_by_t95: Option<u64>,
    /// Coverage over time, one point per delivery.
    pub coverage: Vec<CoveragePoint>,
}

/// Mean and sample standard deviation of a metric over the runs where it is
/// defined. With no such run the mean is undefined ([`Summary::mean_value`]
/// is `None`), with fewer than two the deviation is; serialized, an
/// undefined value is `null`, and [`Display`](core::fmt::Display) shows `–`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(from = "SummaryRepr", into = "SummaryRepr")]
pub struct Summary {
    /// Arithmetic mean (0 when `n` is 0: read it through [`Summary::mean_value`]).
    pub mean: f64,
    /// Sample standard deviation (0 for fewer than two values: read it
    /// through [`Summary::std_value`]).
    pub std: f64,
    /// Runs where the metric is defined.
    pub n: usize,
}

/// [`Summary`] on the wire: undefined values are `null`.
#[derive(Serialize, Deserialize)]
struct SummaryRepr {
    mean: Option<f64>,
    std: Option<f64>,
    n: usize,
}

impl From<Summary> for SummaryRepr {
    fn from(s: Summary) -> SummaryRepr {
        SummaryRepr {
            mean: s.mean_value(),
            std: s.std_value(),
            n: s.n,
        }
    }
}

impl From<SummaryRepr> for Summary {
    fn from(r: SummaryRepr) -> Summary {
        Summary {
            mean: r.mean.unwrap_or(0.0),
            std: r.std.unwrap_or(0.0),
            n: r.n,
        }
    }
}

impl Summary {
    /// Summarises `values`; missing values (`None`) are skipped.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Summary {
        let values: Vec<f64> = values.into_iter().collect();
        let n = values.len();
        if n == 0 {
            return Summary::default();
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let std = if n > 1 {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        Summary { mean, std, n }
    }

    /// The mean, `None` when no run defined the metric.
    pub fn mean_value(&self) -> Option<f64> {
        (self.n > 0).then_some(self.mean)
    }

    /// The sample standard deviation, `None` for fewer than two runs.
    pub fn std_value(&self) -> Option<f64> {
        (self.n > 1).then_some(self.std)
    }
}

impl core::fmt::Display for Summary {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let precision = f.precision().unwrap_or(1);
        match (self.mean_value(), self.std_value()) {
            (None, _) => f.write_str("–"),
            (Some(mean), None) => write!(f, "{mean:.precision$}"),
            (Some(mean), Some(std)) => write!(f, "{mean:.precision$} ± {std:.precision$}"),
        }
    }
}

/// Mean ± std of each headline metric over several runs (e.g. seeds).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Aggregate {
    /// Runs aggregated.
    pub runs: usize,
    /// Delivery ratio.
    pub delivery_ratio: Summary,
    /// Convergence time (t95) in ms, over runs that converged.
    pub t95_ms: Summary,
    /// Time to 100 % in ms, over runs that reached it.
    pub t100_ms: Summary,
    /// Overhead messages in `[t0, t95]`, over runs that reached 95 %.
    pub overhead: Summary,
    /// Overhead bytes, over runs that reached 95 % and counted bytes.
    pub overhead_bytes: Summary,
    /// Total messages until quiescence.
    pub total_messages: Summary,
    /// Duplicate receptions.
    pub duplicates: Summary,
    /// Relative message redundancy.
    pub rmr: Summary,
    /// Mean hop count.
    pub mean_hops: Summary,
}

impl Aggregate {
    /// Aggregates reports of the same parameters over different seeds.
    pub fn of(reports: &[GossipReport]) -> Aggregate {
        let col = |f: fn(&GossipReport) -> Option<f64>| Summary::of(reports.iter().filter_map(f));
        Aggregate {
            runs: reports.len(),
            delivery_ratio: col(|r| Some(r.delivery_ratio)),
            t95_ms: col(|r| r.t95_ms),
            t100_ms: col(|r| r.t100_ms),
            overhead: col(|r| r.overhead.map(|o| o as f64)),
            overhead_bytes: col(|r| r.overhead_bytes.map(|b| b as f64)),
            total_messages: col(|r| Some(r.total_messages as f64)),
            duplicates: col(|r| Some(r.duplicates as f64)),
            rmr: col(|r| r.rmr),
            mean_hops: col(|r| r.mean_hops),
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn t(ms: u64) -> Time {
        Time::from_millis(1_000 + ms)
    }

    /// A hand-built trace: 4 nodes, origin at 0 ms, deliveries at 10, 20, 40 ms.
    #[test]
    fn hand_computed_metrics() {
        let id = MsgId(7);
        let mut c = Collector::new();
        c.on_send(Time::from_millis(995), MsgType::Ping, 10, None); // before t0: never counted
        c.on_publish(t(0), id, 4);
        c.on_send(t(0), MsgType::Gossip, 100, Some(id));
        c.on_send(t(0), MsgType::Gossip, 100, Some(id));
        c.on_deliver(t(10), id, 1, false);
        c.on_send(t(10), MsgType::Gossip, 100, Some(id));
        c.on_deliver(t(20), id, 1, false);
        c.on_send(t(25), MsgType::Ping, 10, None);
        c.on_deliver(t(40), id, 2, false);
        c.on_duplicate(id);
        c.on_send(t(41), MsgType::Gossip, 100, Some(id));
        c.on_send(t(50), MsgType::Pong, 10, None);
        let r = c.report(id).unwrap();
        assert_eq!(r.delivered, 4);
        assert_eq!(r.delivery_ratio, 1.0);
        assert_eq!(r.t50_ms, Some(10.0)); // 2 of 4
        assert_eq!(r.t95_ms, Some(40.0)); // ceil(3.8) = 4 of 4
        assert_eq!(r.t100_ms, Some(40.0));
        // [t0, t95] = [0, 40] ms holds three gossips and the ping at 25 ms.
        assert_eq!(r.overhead, Some(4));
        assert_eq!(r.overhead_by_type.unwrap()[MsgType::Gossip.index()], 3);
        assert_eq!(r.overhead_bytes, Some(310));
        // Until the last copy (41 ms): the four above and the gossip at 41 ms.
        assert_eq!(r.total_messages, 5);
        assert_eq!(r.payload_receptions, 4);
        assert_eq!(r.duplicates, 1);
        assert_eq!(r.rmr, Some(4.0 / 3.0 - 1.0));
        assert_eq!(r.mean_hops, Some(4.0 / 3.0));
        assert_eq!(r.max_hops, Some(2));
        assert_eq!(
            r.last_hop,
            Some(2),
            "the delivery at 40 ms travelled 2 hops"
        );
        assert_eq!(r.coverage.len(), 4);
        assert_eq!(r.coverage[3].fraction, 1.0);
        assert_eq!(r.pulled_by_t95, Some(0), "push alone reached 95 %");
    }

    /// A pull that makes 95 % coverage is counted; one after it is not, and
    /// before 95 % the count is undefined.
    #[test]
    fn pulls_are_counted_up_to_the_delivery_that_makes_95_percent() {
        let (pushed, pulled) = (MsgId(11), MsgId(12));
        let mut c = Collector::new();
        c.on_publish(t(0), pushed, 3);
        c.on_deliver(t(1), pushed, 1, false);
        assert_eq!(c.report(pushed).unwrap().pulled_by_t95, None);
        c.on_deliver(t(2), pushed, 2, false);
        c.on_deliver(t(900), pushed, 1, true);
        assert_eq!(c.report(pushed).unwrap().pulled_by_t95, Some(0));
        c.on_publish(t(0), pulled, 3);
        c.on_deliver(t(1), pulled, 1, false);
        c.on_deliver(t(900), pulled, 1, true);
        let r = c.report(pulled).unwrap();
        assert_eq!((r.t95_ms, r.pulled_by_t95), (Some(900.0), Some(1)));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["pulled_by_t95"], 1);
        assert_eq!(reached_by(0), "push alone");
        assert_eq!(reached_by(1), "pull (1 delivery through IWANT)");
        assert_eq!(reached_by(3), "pull (3 deliveries through IWANT)");
    }

    /// Sends stamped with the very time 95 % coverage is reached still count;
    /// the first later one closes the window.
    #[test]
    fn window_closes_after_sends_of_the_t95_instant() {
        let id = MsgId(9);
        let mut c = Collector::new();
        c.on_publish(t(0), id, 2);
        c.on_send(t(0), MsgType::Gossip, 1, Some(id));
        c.on_deliver(t(5), id, 1, false);
        assert_eq!(c.report(id).unwrap().overhead, Some(1));
        c.on_send(t(5), MsgType::Gossip, 1, Some(id));
        c.on_send(t(6), MsgType::Ping, 1, None);
        c.on_send(t(7), MsgType::Gossip, 1, Some(id));
        let r = c.report(id).unwrap();
        assert_eq!(r.overhead, Some(2));
        assert_eq!(r.overhead_by_type.unwrap()[MsgType::Ping.index()], 0);
        assert_eq!(r.total_messages, 4);
    }

    /// A long session keeps the newest gossips only.
    #[test]
    fn oldest_gossip_is_forgotten_beyond_the_bound() {
        let mut c = Collector::new();
        for i in 0..=MAX_TRACKED as u128 {
            c.on_publish(t(i as u64), MsgId(i), 3);
            c.on_send(t(i as u64), MsgType::Gossip, 1, Some(MsgId(i)));
        }
        assert_eq!(c.gossip_ids().len(), MAX_TRACKED);
        assert!(c.report(MsgId(0)).is_none());
        assert_eq!(c.gossip_ids()[0], MsgId(1));
        assert_eq!(
            c.report(MsgId(MAX_TRACKED as u128)).unwrap().total_messages,
            1
        );
    }

    #[test]
    fn summary_mean_and_sample_std() {
        let s = Summary::of([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(s.mean, 5.0);
        assert!((s.std - 2.138_089_935).abs() < 1e-6);
        assert_eq!(Summary::of([]), Summary::default());
    }

    /// Before 95 % coverage the overhead is undefined, not 0; without
    /// measured sizes the byte overhead is absent.
    #[test]
    fn undefined_metrics_are_none() {
        let id = MsgId(3);
        let mut c = Collector::new();
        c.on_publish(t(0), id, 4);
        c.on_send(t(0), MsgType::Gossip, 0, Some(id));
        c.on_deliver(t(10), id, 1, false);
        let open = c.report(id).unwrap();
        assert_eq!(
            (open.t95_ms, open.overhead, open.overhead_by_type),
            (None, None, None)
        );
        assert_eq!(open.overhead_bytes, None);
        c.on_deliver(t(20), id, 1, false);
        c.on_deliver(t(30), id, 1, false);
        let done = c.report(id).unwrap();
        assert_eq!(done.overhead, Some(1));
        assert_eq!(done.overhead_bytes, None, "a send of unmeasured size");
        let json = serde_json::to_value(&open).unwrap();
        assert!(json["overhead"].is_null());
        assert!(json.get("overhead_bytes").is_none());
    }

    /// Means skip runs without the value, count the rest, and an empty or
    /// single-run summary says so instead of showing 0.
    #[test]
    fn summaries_of_undefined_values() {
        let none = Summary::of([]);
        assert_eq!(
            (none.mean_value(), none.std_value(), none.n),
            (None, None, 0)
        );
        assert_eq!(format!("{none:.1}"), "–");
        let one = Summary::of([5.0]);
        assert_eq!((one.mean_value(), one.std_value()), (Some(5.0), None));
        assert_eq!(format!("{one:.1}"), "5.0");
        assert_eq!(format!("{:.2}", Summary::of([1.0, 3.0])), "2.00 ± 1.41");
        let json = serde_json::to_value(none).unwrap();
        assert!(json["mean"].is_null() && json["std"].is_null());
        assert_eq!(json["n"], 0);
        let back: Summary = serde_json::from_value(serde_json::to_value(one).unwrap()).unwrap();
        assert_eq!(back, one);
    }
}
