//! A whole workload on the simulator, scored: the scenario's schedule runs
//! in chunks (so a driver can draw, write a trace or show progress between
//! them), then every broadcast still spreading runs until it is quiescent.

use core::time::Duration;

use rustc_hash::FxHashSet;

use crate::id::MsgId;
use crate::message::MsgType;
use crate::metrics::MAX_TRACKED;
use crate::sim::{build_in_order, Action, BuildNodes, Scenario, Simulator, EPOCH};
use crate::time::Time;

use super::{Scorecard, Tally};

/// The run advances in windows of this many simulated ms, aligned on the
/// start; before each, the oldest broadcasts are scored early if the
/// publishes scheduled in it would make the collector forget them (it keeps
/// [`MAX_TRACKED`]). Scoring therefore happens at the same simulated times
/// however a driver slices the run, and only when it must: a workload of at
/// most [`MAX_TRACKED`] broadcasts is scored entirely after quiescence.
const WINDOW_MS: u64 = 100;

/// Runs a scenario and scores every broadcast in it.
///
/// Messages are counted from the first scheduled publish to the end of the
/// run, so the overlay's formation before it is left out and the liveness
/// traffic during the workload is in.
#[derive(Debug)]
pub struct ScoreRun {
    sim: Simulator,
    end: Time,
    first_publish: Option<Time>,
    limit_ms: f64,
    sent_before: Option<[u64; MsgType::COUNT]>,
    /// Scheduled publish times, sorted.
    publishes: Vec<Time>,
    /// The window whose publishes were last made room for.
    prepared: Option<Time>,
    tally: Tally,
    scored: FxHashSet<MsgId>,
    /// Whether the schedule has run (up to and including its last action).
    scheduled: bool,
    draining: Option<Vec<MsgId>>,
    done: bool,
}

fn at(ms: f64) -> Time {
    EPOCH + Duration::from_secs_f64(ms.max(0.0) / 1_000.0)
}

impl ScoreRun {
    /// Prepares the run of `scenario`; each broadcast still spreading after
    /// the schedule may take `limit_ms` more to become quiescent.
    pub fn new(scenario: Scenario, limit_ms: f64) -> ScoreRun {
        ScoreRun::with_builder(scenario, limit_ms, &build_in_order)
    }

    /// [`ScoreRun::new`], with a generated overlay's nodes built by `build`
    /// ([`Simulator::with_builder`]).
    pub fn with_builder(scenario: Scenario, limit_ms: f64, build: BuildNodes<'_>) -> ScoreRun {
        let end = at(scenario
            .schedule
            .iter()
            .map(|s| s.at_ms)
            .fold(0.0, f64::max));
        let mut publishes: Vec<Time> = scenario
            .schedule
            .iter()
            .filter(|s| matches!(s.action, Action::Publish { .. }))
            .map(|s| at(s.at_ms))
            .collect();
        crate::order::sort(&mut publishes);
        let first_publish = publishes.first().copied();
        ScoreRun {
            sim: Simulator::with_builder(scenario, build),
            end,
            first_publish,
            limit_ms,
            sent_before: None,
            publishes,
            prepared: None,
            tally: Tally::default(),
            scored: FxHashSet::default(),
            scheduled: false,
            draining: None,
            done: false,
        }
    }

    /// Runs `scenario` to the end and scores it.
    pub fn run(scenario: Scenario, limit_ms: f64) -> Scorecard {
        let mut run = ScoreRun::new(scenario, limit_ms);
        while !run.advance(1_000.0) {}
        run.scorecard()
    }

    /// The simulator (e.g. to take its trace between chunks).
    pub fn sim_mut(&mut self) -> &mut Simulator {
        &mut self.sim
    }

    /// The simulator.
    pub fn sim(&self) -> &Simulator {
        &self.sim
    }

    /// Simulated ms the schedule spans.
    pub fn schedule_ms(&self) -> f64 {
        self.end.saturating_since(EPOCH).as_secs_f64() * 1_000.0
    }

    /// Whether the run is over.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Runs about `chunk_ms` of simulated time (through the schedule, then
    /// quiescing the broadcasts left); returns whether the run is over.
    pub fn advance(&mut self, chunk_ms: f64) -> bool {
        if self.done {
            return true;
        }
        let chunk = Duration::from_secs_f64(chunk_ms.max(0.001) / 1_000.0);
        let now = self.sim.now();
        if !self.scheduled {
            let target = (now + chunk).min(self.end);
            loop {
                let window = Duration::from_millis(WINDOW_MS);
                let since = self.sim.now().saturating_since(EPOCH).as_millis() as u64;
                let start = EPOCH + Duration::from_millis(since / WINDOW_MS * WINDOW_MS);
                if self.prepared != Some(start) {
                    self.make_room(start, start + window);
                    self.prepared = Some(start);
                }
                let stop = (start + window).min(target);
                if let (None, Some(first)) = (self.sent_before, self.first_publish) {
                    if first <= stop {
                        // Everything strictly before the first publish.
                        self.sim.run_until(first - Duration::from_micros(1));
                        self.sent_before = Some(self.sim.collector().sent_by_type());
                    }
                }
                // Runs what is due at `stop` too, even when the clock is
                // already there (a publish at 0 ms).
                self.sim.run_until(stop);
                if self.sim.now() >= target {
                    break;
                }
            }
            self.scheduled = self.sim.now() >= self.end;
            return false;
        }
        if self.sent_before.is_none() {
            self.sent_before = Some(self.sim.collector().sent_by_type());
        }
        let left = self.draining.get_or_insert_with(|| {
            let mut ids: Vec<MsgId> = self
                .sim
                .collector()
                .gossip_ids()
                .iter()
                .filter(|id| !self.scored.contains(id))
                .copied()
                .collect();
            ids.reverse();
            ids
        });
        let stop = now + chunk;
        while let Some(id) = left.pop() {
            self.sim.run_until_quiescent(id, self.limit_ms);
            if self.sim.now() >= stop {
                break;
            }
        }
        if left.is_empty() {
            self.score_all();
            self.done = true;
        }
        self.done
    }

    /// Scores the oldest broadcasts that the publishes scheduled in
    /// `(from, to]` would push out of the collector.
    fn make_room(&mut self, from: Time, to: Time) {
        let due = self.publishes.partition_point(|t| *t <= to)
            - self.publishes.partition_point(|t| *t <= from);
        let ids = self.sim.collector().gossip_ids();
        let excess = (ids.len() + due).saturating_sub(MAX_TRACKED);
        for id in &ids[..excess.min(ids.len())] {
            if self.scored.insert(*id) {
                if let Some(r) = self.sim.collector().report(*id) {
                    self.tally.add(&r);
                }
            }
        }
        // Forget what the collector forgot: the set stays within its bound.
        let tracked: FxHashSet<MsgId> = ids.iter().copied().collect();
        self.scored.retain(|id| tracked.contains(id));
    }

    fn score_all(&mut self) {
        for id in self.sim.collector().gossip_ids() {
            if self.scored.insert(*id) {
                if let Some(r) = self.sim.collector().report(*id) {
                    self.tally.add(&r);
                }
            }
        }
    }

    /// The scorecard of the broadcasts scored so far (all of them once
    /// [`ScoreRun::is_done`]).
    pub fn scorecard(&self) -> Scorecard {
        let now = self.sim.collector().sent_by_type();
        let before = self.sent_before.unwrap_or(now);
        let mut messages = [0u64; MsgType::COUNT];
        for (i, m) in messages.iter_mut().enumerate() {
            *m = now[i] - before[i];
        }
        self.tally.finish(messages)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::scorecard::glomers::Workload;
    use crate::sim::Scheduled;
    use crate::Mode;

    /// More broadcasts than the collector tracks are all scored: 1 500
    /// publishes, 5 per 10 ms, on 8 nodes.
    #[test]
    fn every_broadcast_is_scored_beyond_the_collector_bound() {
        let mut sc = Scenario {
            nodes: 8,
            seed: 3,
            trace: false,
            ..Scenario::default()
        };
        sc.node.mode = Mode::Push;
        sc.node.fanout = 7;
        sc.node.ttl = 8;
        sc.overlay = crate::sim::Overlay::Full;
        for i in 0..1_500u32 {
            sc.schedule.push(Scheduled {
                at_ms: 100.0 + f64::from(i / 5) * 10.0,
                action: Action::Publish {
                    node: i % 8,
                    data: format!("m{i}"),
                },
            });
        }
        let card = ScoreRun::run(sc.clone(), 10_000.0);
        assert_eq!(card.broadcasts, 1_500);
        let mut sliced = ScoreRun::new(sc, 10_000.0);
        while !sliced.advance(37.0) {}
        assert_eq!(
            sliced.scorecard(),
            card,
            "the same however the run is sliced"
        );
        assert_eq!(card.undelivered, 0);
        assert!(card.latency_ms.unwrap().max >= 5.0);
        let gossip = card.messages_by_type.unwrap()[MsgType::Gossip.index()];
        assert!(gossip >= 1_500 * 7, "every node forwards: {gossip}");
    }

    /// A publish at the very start (a generated overlay is ready at 0 ms)
    /// is run and scored.
    #[test]
    fn a_publish_at_zero_is_scored() {
        let mut sc = Scenario {
            nodes: 6,
            overlay: crate::sim::Overlay::Full,
            ..Scenario::default()
        };
        sc.schedule.push(Scheduled {
            at_ms: 0.0,
            action: Action::Publish {
                node: 1,
                data: "now".into(),
            },
        });
        let card = ScoreRun::run(sc, 10_000.0);
        assert_eq!((card.broadcasts, card.undelivered), (1, 0));
        assert!(card.messages > 0);
    }

    /// 3b in push on the simulator: every broadcast reaches every node
    /// (no latency, no loss), and a pass is a pass.
    #[test]
    fn glomers_3b_in_push_delivers_everything() {
        let mut sc = Workload::B3.scenario();
        sc.node.mode = Mode::Push;
        let targets = sc.targets.clone().unwrap();
        let mut run = ScoreRun::new(sc, 30_000.0);
        let mut chunks = 0;
        while !run.advance(500.0) {
            chunks += 1;
        }
        assert!(chunks > 20, "ran in chunks: {chunks}");
        let card = run.scorecard();
        assert_eq!(card.broadcasts + targets.reads, 200);
        let verdict = targets.judge(&card);
        assert!(verdict.pass, "{}", verdict.summary());
    }
}
