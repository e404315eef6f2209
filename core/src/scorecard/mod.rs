//! The scorecard of a broadcast workload: one definition for `gossip sim`,
//! `gossip experiment` and the browser.
//!
//! A [`Scorecard`] condenses many broadcasts into the figures people compare
//! broadcast systems by: messages per broadcast, delivery latency p50, p95,
//! p99 and max, RMR, the last delivery hop and the nodes left uninformed. It
//! is computed from core's [`GossipReport`]s (the [`Collector`](crate::metrics::Collector)
//! makes them) and the messages the run sent. [`Targets`] hold a workload's
//! published thresholds and [`Targets::judge`] says pass or fail;
//! [`glomers`] builds the Gossip Glomers broadcast workloads (Fly.io's
//! distributed-systems challenges 3b to 3e, run by Jepsen's Maelstrom), and
//! [`ScoreRun`] runs a whole workload on the simulator and scores it.
//!
//! Definitions, over the broadcasts scored:
//!
//! - **messages per broadcast**: every message of every type the nodes sent,
//!   divided by the broadcasts;
//! - **latency** of a broadcast: from its publish until the last node of the
//!   population held it (its `t100`; Maelstrom's "stable latency"), so p50 is
//!   the median broadcast; percentiles are nearest-rank over the broadcasts
//!   that reached every node;
//! - **RMR**: `receptions / (deliveries - 1) - 1` pooled over all broadcasts;
//! - **last delivery hop**: the hop count of each broadcast's last delivery,
//!   mean and max;
//! - **undelivered**: node-broadcast pairs missing at the end (population
//!   minus holders, summed), and the broadcasts that missed anyone.

pub mod glomers;
mod run;

use serde::{Deserialize, Serialize};

use crate::message::MsgType;
use crate::metrics::GossipReport;

pub use run::ScoreRun;

/// Most broadcasts whose latency a [`Tally`] keeps for the percentiles;
/// later broadcasts still count in every other figure.
pub const MAX_LATENCIES: usize = 1 << 20;

/// Delivery latency percentiles, ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest.
    pub max: f64,
}

impl Latency {
    /// Nearest-rank percentiles of `values` (ms, to the microsecond);
    /// `None` when empty.
    pub fn of(values: &[f64]) -> Option<Latency> {
        // Sorted as whole microseconds, with the shared sort of `order`.
        let mut sorted: Vec<u64> = values
            .iter()
            .map(|ms| (ms.max(0.0) * 1_000.0).round() as u64)
            .collect();
        crate::order::sort(&mut sorted);
        let at = |p: f64| -> Option<f64> {
            let rank = (p * sorted.len() as f64).ceil().max(1.0) as usize;
            sorted.get(rank - 1).map(|us| *us as f64 / 1_000.0)
        };
        Some(Latency {
            p50: at(0.50)?,
            p95: at(0.95)?,
            p99: at(0.99)?,
            max: at(1.0)?,
        })
    }
}

/// The figures of a set of broadcasts (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    /// Broadcasts scored.
    pub broadcasts: u64,
    /// Messages sent, every type.
    pub messages: u64,
    /// The messages by [`MsgType::index`], when the driver counted them by type.
    pub messages_by_type: Option<[u64; MsgType::COUNT]>,
    /// `messages / broadcasts`; `None` without broadcasts.
    pub msgs_per_broadcast: Option<f64>,
    /// Latency until every node held a broadcast, over those that reached
    /// every node; `None` when none did.
    pub latency_ms: Option<Latency>,
    /// Pooled relative message redundancy.
    pub rmr: Option<f64>,
    /// Mean hop count of each broadcast's last delivery.
    pub last_hop_mean: Option<f64>,
    /// Largest hop count of a last delivery.
    pub last_hop_max: Option<u32>,
    /// Node-broadcast pairs never delivered.
    pub undelivered: u64,
    /// Broadcasts that missed at least one node.
    pub incomplete: u64,
}

impl Scorecard {
    /// The scorecard of independent broadcasts (one per report, as
    /// `gossip experiment` runs them): the messages are each report's
    /// messages until its quiescence.
    pub fn of_reports<'a>(reports: impl IntoIterator<Item = &'a GossipReport>) -> Scorecard {
        let mut tally = Tally::default();
        let mut total = 0;
        for r in reports {
            tally.add(r);
            total += r.total_messages;
        }
        let mut card = tally.finish([0; MsgType::COUNT]);
        card.messages = total;
        card.messages_by_type = None;
        card.msgs_per_broadcast =
            (card.broadcasts > 0).then(|| total as f64 / card.broadcasts as f64);
        card
    }

    /// Names of the columns of [`Scorecard::cells`], short enough for a
    /// terminal table.
    pub const COLUMNS: [&'static str; 10] = [
        "bcasts",
        "msgs/bc",
        "msgs/op",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "RMR",
        "last hop",
        "undelivered",
    ];

    /// The figures as the cells of one table row, in the order of
    /// [`Scorecard::COLUMNS`], "–" where a figure is missing: the one
    /// formatting of a row that the terminal (`gossip sim --all-modes`,
    /// `gossip experiment`) and the browser's scorecard tab both print.
    /// Messages per operation need the workload's `targets` (its reads).
    pub fn cells(&self, targets: Option<&Targets>) -> [String; 10] {
        let lat = |f: fn(&Latency) -> f64| dash(self.latency_ms.as_ref().map(f), 0);
        [
            self.broadcasts.to_string(),
            dash(self.msgs_per_broadcast, 1),
            dash(targets.and_then(|t| t.msgs_per_op(self)), 1),
            lat(|l| l.p50),
            lat(|l| l.p95),
            lat(|l| l.p99),
            lat(|l| l.max),
            dash(self.rmr, 2),
            format!(
                "{} / {}",
                dash(self.last_hop_mean, 1),
                self.last_hop_max
                    .map_or_else(|| "–".to_owned(), |h| h.to_string())
            ),
            self.undelivered.to_string(),
        ]
    }

    /// Short text of the latency figures, e.g. `p50 212 / p95 305 / p99 398 / max 420 ms`.
    pub fn latency_text(&self) -> String {
        self.latency_ms.map_or_else(
            || "–".to_owned(),
            |l| {
                format!(
                    "p50 {:.0} / p95 {:.0} / p99 {:.0} / max {:.0} ms",
                    l.p50, l.p95, l.p99, l.max
                )
            },
        )
    }
}

/// Accumulates broadcasts into a [`Scorecard`].
#[derive(Debug, Clone, Default)]
pub struct Tally {
    broadcasts: u64,
    latencies: Vec<f64>,
    receptions: u64,
    deliveries_beyond_origin: u64,
    last_hops: Vec<u32>,
    undelivered: u64,
    incomplete: u64,
}

impl Tally {
    /// Adds one broadcast's report.
    pub fn add(&mut self, r: &GossipReport) {
        self.broadcasts += 1;
        let missing = u64::from(r.population).saturating_sub(r.delivered);
        self.undelivered += missing;
        if missing > 0 {
            self.incomplete += 1;
        } else if let Some(t) = r.t100_ms {
            if self.latencies.len() < MAX_LATENCIES {
                self.latencies.push(t);
            }
        }
        self.receptions += r.payload_receptions;
        self.deliveries_beyond_origin += r.delivered.saturating_sub(1);
        if let Some(hop) = r.last_hop {
            if self.last_hops.len() < MAX_LATENCIES {
                self.last_hops.push(hop);
            }
        }
    }

    /// Broadcasts added so far.
    pub fn broadcasts(&self) -> u64 {
        self.broadcasts
    }

    /// The scorecard, with `messages` (by [`MsgType::index`]) sent for
    /// these broadcasts.
    pub fn finish(&self, messages: [u64; MsgType::COUNT]) -> Scorecard {
        let total: u64 = messages.iter().sum();
        let hops = &self.last_hops;
        Scorecard {
            broadcasts: self.broadcasts,
            messages: total,
            messages_by_type: Some(messages),
            msgs_per_broadcast: (self.broadcasts > 0)
                .then(|| total as f64 / self.broadcasts as f64),
            latency_ms: Latency::of(&self.latencies),
            rmr: (self.deliveries_beyond_origin > 0)
                .then(|| self.receptions as f64 / self.deliveries_beyond_origin as f64 - 1.0),
            last_hop_mean: (!hops.is_empty())
                .then(|| hops.iter().map(|&h| f64::from(h)).sum::<f64>() / hops.len() as f64),
            last_hop_max: hops.iter().copied().max(),
            undelivered: self.undelivered,
            incomplete: self.incomplete,
        }
    }
}

/// A workload's published pass criteria. Maelstrom counts an *operation*
/// per client request, reads included (its broadcast workload mixes
/// broadcasts and reads half and half), so messages per operation divide by
/// broadcasts plus reads; a read costs no message between nodes here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// The workload, e.g. `Gossip Glomers 3d`.
    pub name: String,
    /// Client reads the workload made besides its broadcasts.
    #[serde(default)]
    pub reads: u64,
    /// Messages per operation must be fewer than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msgs_per_op: Option<f64>,
    /// Median latency must be under this, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_ms: Option<f64>,
    /// Maximum latency must be under this, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<f64>,
}

/// One criterion of a [`Verdict`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// What is checked, e.g. `messages per operation`.
    pub what: String,
    /// The measured value (`None`: not measurable, which fails).
    pub measured: Option<f64>,
    /// The bound it must stay under (for delivery: 0 undelivered).
    pub limit: f64,
    /// Whether it passed.
    pub pass: bool,
}

/// Pass or fail against [`Targets`], criterion by criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The workload's name.
    pub name: String,
    /// Every criterion, delivery first.
    pub checks: Vec<Check>,
    /// True when every check passed.
    pub pass: bool,
}

impl Targets {
    /// Messages per Maelstrom operation (broadcasts plus reads).
    pub fn msgs_per_op(&self, card: &Scorecard) -> Option<f64> {
        let ops = card.broadcasts + self.reads;
        (ops > 0).then(|| card.messages as f64 / ops as f64)
    }

    /// Judges `card`: every broadcast must reach every node, and each
    /// threshold that is set must be beaten (strictly).
    pub fn judge(&self, card: &Scorecard) -> Verdict {
        let mut checks = vec![Check {
            what: "undelivered (node, broadcast) pairs".to_owned(),
            measured: Some(card.undelivered as f64),
            limit: 0.0,
            pass: card.undelivered == 0 && card.broadcasts > 0,
        }];
        let mut under = |what: &str, measured: Option<f64>, limit: Option<f64>| {
            if let Some(limit) = limit {
                checks.push(Check {
                    what: what.to_owned(),
                    measured,
                    limit,
                    pass: measured.is_some_and(|m| m < limit),
                });
            }
        };
        under(
            "messages per operation",
            self.msgs_per_op(card),
            self.msgs_per_op,
        );
        under(
            "median latency (ms)",
            card.latency_ms.map(|l| l.p50),
            self.median_ms,
        );
        under(
            "maximum latency (ms)",
            card.latency_ms.map(|l| l.max),
            self.max_ms,
        );
        Verdict {
            name: self.name.clone(),
            pass: checks.iter().all(|c| c.pass),
            checks,
        }
    }
}

/// `v` with `digits` decimals, or "–" when there is none.
fn dash(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{v:.digits$}"))
}

impl Verdict {
    /// The verdict in a table cell: `PASS`, or `FAIL: ` and the first word
    /// of each failed check (`FAIL: messages, maximum`).
    pub fn short(&self) -> String {
        if self.pass {
            return "PASS".to_owned();
        }
        let failed: Vec<&str> = self
            .checks
            .iter()
            .filter(|c| !c.pass)
            .map(|c| c.what.split(' ').next().unwrap_or_default())
            .collect();
        format!("FAIL: {}", failed.join(", "))
    }

    /// One line: `PASS` or `FAIL` and each check, e.g.
    /// `FAIL: messages per operation 58.6 (< 30) ✗, …`.
    pub fn summary(&self) -> String {
        let checks: Vec<String> = self
            .checks
            .iter()
            .map(|c| {
                let bound = if c.limit == 0.0 {
                    "= 0".to_owned()
                } else {
                    format!("< {}", c.limit)
                };
                format!(
                    "{} {} ({bound}) {}",
                    c.what,
                    c.measured.map_or_else(
                        || "–".to_owned(),
                        |m| if m.fract() == 0.0 {
                            format!("{m:.0}")
                        } else {
                            format!("{m:.1}")
                        }
                    ),
                    if c.pass { "ok" } else { "FAILED" }
                )
            })
            .collect();
        format!(
            "{}: {}",
            if self.pass { "PASS" } else { "FAIL" },
            checks.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::id::MsgId;
    use crate::metrics::Collector;
    use crate::time::Time;

    fn t(ms: u64) -> Time {
        Time::from_millis(10_000 + ms)
    }

    /// Two broadcasts on 3 nodes by hand: the first reaches everyone (100 ms,
    /// last hop 2, one duplicate), the second misses one node.
    fn two_broadcasts() -> Collector {
        let mut c = Collector::new();
        let (a, b) = (MsgId(1), MsgId(2));
        c.on_publish(t(0), a, 3);
        c.on_send(t(0), MsgType::Gossip, 0, Some(a));
        c.on_deliver(t(50), a, 1, false);
        c.on_send(t(50), MsgType::Gossip, 0, Some(a));
        c.on_deliver(t(100), a, 2, false);
        c.on_duplicate(a);
        c.on_send(t(120), MsgType::Ping, 0, None);
        c.on_publish(t(200), b, 3);
        c.on_send(t(200), MsgType::Gossip, 0, Some(b));
        c.on_deliver(t(260), b, 1, false);
        c
    }

    #[test]
    fn hand_computed_scorecard() {
        let c = two_broadcasts();
        let mut tally = Tally::default();
        for id in c.gossip_ids() {
            tally.add(&c.report(*id).unwrap());
        }
        let mut by_type = [0u64; MsgType::COUNT];
        by_type[MsgType::Gossip.index()] = 3;
        by_type[MsgType::Ping.index()] = 1;
        let card = tally.finish(by_type);
        assert_eq!(card.broadcasts, 2);
        assert_eq!(card.messages, 4);
        assert_eq!(card.msgs_per_broadcast, Some(2.0));
        let l = card.latency_ms.unwrap();
        assert_eq!(
            (l.p50, l.max),
            (100.0, 100.0),
            "only the complete broadcast"
        );
        // receptions 3 + 1 = 4 over deliveries beyond the origin 2 + 1 = 3.
        assert_eq!(card.rmr, Some(4.0 / 3.0 - 1.0));
        assert_eq!(
            (card.last_hop_mean, card.last_hop_max),
            (Some(1.5), Some(2))
        );
        assert_eq!((card.undelivered, card.incomplete), (1, 1));
    }

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        let l = Latency::of(&values).unwrap();
        assert_eq!((l.p50, l.p95, l.p99, l.max), (50.0, 95.0, 99.0, 100.0));
        let one = Latency::of(&[7.0]).unwrap();
        assert_eq!((one.p50, one.p99, one.max), (7.0, 7.0, 7.0));
        assert_eq!(Latency::of(&[]), None);
    }

    fn card(messages: u64, broadcasts: u64, p50: f64, max: f64, undelivered: u64) -> Scorecard {
        Scorecard {
            broadcasts,
            messages,
            messages_by_type: None,
            msgs_per_broadcast: Some(messages as f64 / broadcasts as f64),
            latency_ms: Some(Latency {
                p50,
                p95: max,
                p99: max,
                max,
            }),
            rmr: None,
            last_hop_mean: None,
            last_hop_max: None,
            undelivered,
            incomplete: undelivered.min(1),
        }
    }

    /// 3d's thresholds: operations count reads, bounds are strict, a lost
    /// delivery fails whatever the figures.
    #[test]
    fn judging_against_glomers_3d() {
        let targets = glomers::Workload::D3.targets(1_000);
        // 50 000 messages over 1 000 broadcasts + 1 000 reads = 25 per op.
        let good = targets.judge(&card(50_000, 1_000, 300.0, 550.0, 0));
        assert!(good.pass, "{}", good.summary());
        assert!(good.summary().starts_with("PASS"));
        let chatty = targets.judge(&card(60_000, 1_000, 300.0, 550.0, 0));
        assert!(!chatty.pass, "exactly 30 per op is not fewer than 30");
        assert_eq!(
            chatty
                .checks
                .iter()
                .filter(|c| !c.pass)
                .map(|c| c.what.as_str())
                .collect::<Vec<_>>(),
            ["messages per operation"]
        );
        assert!(
            !targets.judge(&card(10_000, 1_000, 400.0, 550.0, 0)).pass,
            "median"
        );
        assert!(
            !targets.judge(&card(10_000, 1_000, 300.0, 600.0, 0)).pass,
            "max"
        );
        let lost = targets.judge(&card(10_000, 1_000, 100.0, 200.0, 3));
        assert!(!lost.pass && !lost.checks[0].pass);
        assert!(
            lost.summary().contains("pairs 3 (= 0) FAILED"),
            "{}",
            lost.summary()
        );
    }

    /// One row's cells and verdict, as both the terminal table and the
    /// browser's scorecard tab print them.
    #[test]
    fn a_row_of_cells_and_a_short_verdict() {
        let targets = glomers::Workload::D3.targets(1_000);
        let mut chatty = card(60_000, 1_000, 300.5, 650.0, 0);
        chatty.rmr = Some(1.234);
        chatty.last_hop_mean = Some(4.25);
        chatty.last_hop_max = Some(7);
        assert_eq!(
            chatty.cells(Some(&targets)),
            ["1000", "60.0", "30.0", "300", "650", "650", "650", "1.23", "4.2 / 7", "0"]
        );
        assert_eq!(
            targets.judge(&chatty).short(),
            "FAIL: messages, maximum",
            "the first word of each failed check"
        );
        let without = card(10, 2, 1.0, 2.0, 0);
        let cells = without.cells(None);
        assert_eq!(
            (cells[2].as_str(), cells[7].as_str(), cells[8].as_str()),
            ("–", "–", "– / –")
        );
        assert_eq!(
            targets.judge(&card(10_000, 1_000, 300.0, 550.0, 0)).short(),
            "PASS"
        );
        assert_eq!(Scorecard::COLUMNS.len(), cells.len());
    }

    #[test]
    fn independent_broadcasts_count_messages_until_quiescence() {
        let c = two_broadcasts();
        let reports: Vec<GossipReport> = c
            .gossip_ids()
            .iter()
            .map(|id| c.report(*id).unwrap())
            .collect();
        let card = Scorecard::of_reports(&reports);
        let total: u64 = reports.iter().map(|r| r.total_messages).sum();
        assert_eq!(card.messages, total);
        assert_eq!(card.broadcasts, 2);
        assert_eq!(card.msgs_per_broadcast, Some(total as f64 / 2.0));
        assert!(card.latency_text().starts_with("p50 100"));
    }
}
