//! `gossip experiment --real --calibrate`: the simulator's processing model
//! measured from real broadcasts' events.
//!
//! The fleet's nodes share one thread, so during a broadcast the thread goes
//! from one node's wake-up to the next without idling: a node reads what
//! its socket holds (one or a few GOSSIPs, stamped one after another),
//! handles it, sends the copies it forwards (stamped with the time of the
//! receive that caused them), and the next node's first reception follows.
//! So the time from a wake-up's first reception to the next node's is what
//! the wake-up cost. Wake-ups that sent nothing give the cost of a wake-up
//! and of each GOSSIP read in it: the mean of those that read one is a
//! wake-up plus one receive, and the mean over those that read `k > 1` of
//! `(cost - that) / (k - 1)` is one receive. Wake-ups that forwarded give
//! the send cost, the mean of `(cost - wake-up - k receives) / copies`.
//! Charged per copy, not as a fixed part per batch plus a part per copy:
//! a forward of 2, 3 and 5 copies left 18, 23 and 34 µs at N = 50, which
//! a line fits better (about 7 + 5.5 per copy), but the simulator charged
//! that line predicted fanout 5's t95 15 points further from the real one
//! (`docs/EXPERIMENTS.md`, "The prediction's expectation, the model's
//! spread, and a pooled calibration").
//! Means, not medians: the costs are skewed (a forwarding wake-up's median
//! was 26 µs and its mean 28.6 at 50 nodes), and a broadcast lasts as
//! long as the sum of its wake-ups, which the median under-counts; a
//! wake-up more than [`PREEMPTED`] times the median of its kind lost the
//! CPU to another process and is left out.
//! `gossip experiment --real --calibrate` pools the wake-ups of its
//! broadcasts at every size of the grid for these handling costs: they do
//! not grow with N (measured at 10, 20 and 50 nodes, the sizes differ no
//! more than two calibrations of one size), and a 10-node broadcast has
//! only about ten wake-ups, so a fit of that size alone moves by half
//! between runs.
//! The first hop, from the publish to the first reception, less the
//! publisher's sends and the receiver's wake-up and receive, is what a
//! publish costs before its copies leave (the model's `publish_us`): on
//! loopback the kernel hands a datagram to its receiver inside the send,
//! so the prediction's network latency is 0. The fleet starts its nodes one
//! after another on that thread, a few tens of µs apart: the median gap
//! between consecutive `started` records is the prediction's join stagger,
//! so its nodes' timers are in phase as the real ones are. The first hop
//! and the start spacing are medians, one per run and per node, so that a
//! moment when the machine's other work took the CPU does not move them.

use std::collections::HashMap;

use gossip_core::metrics::Summary;
use gossip_core::sim::Processing;
use gossip_core::{MsgId, MsgType, NodeId};
use serde::Serialize;

use crate::analysis::EventLog;
use crate::events::Record;

/// One wake-up of a node during a real broadcast.
#[derive(Debug, Clone, Copy)]
struct Wake {
    /// Time to the next node's first reception, µs.
    cost: f64,
    /// GOSSIPs it read.
    received: u32,
    /// Copies it sent.
    copies: u32,
}

/// What consecutive receptions of real broadcasts showed, pooled over runs.
#[derive(Debug, Default)]
pub struct Samples {
    wakes: Vec<Wake>,
    /// Publish to first reception, µs, with the publisher's copies.
    first_hops: Vec<(f64, u32)>,
    /// Gaps between consecutive node starts, µs.
    start_gaps: Vec<f64>,
}

/// The costs of handling a broadcast's datagrams, which do not depend on
/// the fleet's size ([`Samples::handling`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Handling {
    /// One wake-up of a node, µs.
    pub wake_us: f64,
    /// Receiving and handling one GOSSIP, µs.
    pub recv_us: f64,
    /// Sending one datagram, µs.
    pub send_us: f64,
}

/// The costs fitted to [`Samples`]: a broadcast's [`Handling`], and one
/// fleet's publish cost and start spacing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Costs {
    /// Wake-up, receive and send costs.
    #[serde(flatten)]
    pub handling: Handling,
    /// Delay of a publish's copies beyond their sends, µs.
    pub publish_us: f64,
    /// Time between the starts of two nodes of a fleet, µs.
    pub start_us: f64,
}

impl Costs {
    /// The processing model these costs give a fleet: one CPU, as the
    /// fleet's nodes share one thread.
    pub fn processing(&self) -> Processing {
        Processing {
            service_us: self.handling.recv_us,
            send_us: self.handling.send_us,
            wake_us: self.handling.wake_us,
            publish_us: self.publish_us,
            cpus: 1,
            ..Processing::default()
        }
    }
}

/// The costs that predict one fleet size's rows of the grid: the handling
/// costs pooled over every size's broadcasts (measured at 10, 20 and 50
/// nodes they did not grow with the size: `docs/EXPERIMENTS.md`,
/// "Calibration per size"), with that size's own publish cost and start
/// spacing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SizeCosts {
    /// Nodes of the fleets measured.
    pub nodes: u32,
    /// Broadcasts measured.
    pub runs: u64,
    /// What they cost.
    #[serde(flatten)]
    pub costs: Costs,
}

/// A wake-up that took more than this many times the median of its kind
/// lost the CPU to another process (a scheduler slice is hundreds of µs,
/// a wake-up tens): [`Samples::handling`] leaves it out.
const PREEMPTED: f64 = 4.0;

fn mean(v: impl Iterator<Item = f64>) -> Option<f64> {
    Summary::of(v).mean_value()
}

/// `wakes` without those whose `per` (cost per GOSSIP read or per copy
/// sent) is more than [`PREEMPTED`] times their median: the ones another
/// process interrupted.
fn unpreempted<'a>(wakes: impl Iterator<Item = &'a Wake>, per: impl Fn(&Wake) -> f64) -> Vec<Wake> {
    let wakes: Vec<Wake> = wakes.copied().collect();
    let Some(typical) = median(wakes.iter().map(&per).collect()) else {
        return wakes;
    };
    wakes
        .into_iter()
        .filter(|w| per(w) <= PREEMPTED * typical)
        .collect()
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

impl Samples {
    /// Adds the receptions of gossip `id` in `log`.
    pub fn add(&mut self, log: &EventLog, id: MsgId) {
        let mut published: Option<(u64, NodeId)> = None;
        let mut receptions: Vec<(u64, NodeId)> = Vec::new();
        let mut sends: HashMap<(NodeId, u64), u32> = HashMap::new();
        let mut starts: Vec<u64> = Vec::new();
        for l in &log.lines {
            match &l.record {
                Record::Started { .. } => starts.push(l.ts_us),
                Record::Published { msg_id, .. } if *msg_id == id => {
                    published = Some((l.ts_us, l.node));
                }
                Record::Recv {
                    msg_type: MsgType::Gossip,
                    msg_id,
                    ..
                } if *msg_id == id => receptions.push((l.ts_us, l.node)),
                Record::Send {
                    msg_type: MsgType::Gossip,
                    msg_id,
                    ..
                } if *msg_id == id => *sends.entry((l.node, l.ts_us)).or_default() += 1,
                _ => {}
            }
        }
        starts.sort_unstable();
        self.start_gaps
            .extend(starts.windows(2).map(|w| (w[1] - w[0]) as f64));
        let Some((t0, publisher)) = published else {
            return;
        };
        receptions.sort_unstable();
        if let Some(&(first, _)) = receptions.first() {
            let copies = sends.get(&(publisher, t0)).copied().unwrap_or(0);
            self.first_hops
                .push((first.saturating_sub(t0) as f64, copies));
        }
        // Wake-ups: runs of consecutive receptions by one node.
        let mut wakes: Vec<(u64, u32, u32)> = Vec::new(); // start, receptions, copies sent
        let mut last: Option<NodeId> = None;
        for &(at, node) in &receptions {
            let copies = sends.get(&(node, at)).copied().unwrap_or(0);
            match wakes.last_mut() {
                Some(w) if last == Some(node) => {
                    w.1 += 1;
                    w.2 += copies;
                }
                _ => wakes.push((at, 1, copies)),
            }
            last = Some(node);
        }
        for pair in wakes.windows(2) {
            let ((at, received, copies), (next, _, _)) = (pair[0], pair[1]);
            self.wakes.push(Wake {
                cost: next.saturating_sub(at) as f64,
                received,
                copies,
            });
        }
    }

    /// Adds `other`'s samples to these.
    pub fn extend(&mut self, other: &Samples) {
        self.wakes.extend_from_slice(&other.wakes);
        self.first_hops.extend_from_slice(&other.first_hops);
        self.start_gaps.extend_from_slice(&other.start_gaps);
    }

    /// The costs of handling a broadcast; `None` without wake-ups that
    /// sent nothing and wake-ups that forwarded.
    pub fn handling(&self) -> Option<Handling> {
        let quiet_one = unpreempted(
            self.wakes
                .iter()
                .filter(|w| w.copies == 0 && w.received == 1),
            |w| w.cost,
        );
        let one = mean(quiet_one.iter().map(|w| w.cost))?;
        let quiet_many = unpreempted(
            self.wakes
                .iter()
                .filter(|w| w.copies == 0 && w.received > 1),
            |w| w.cost / f64::from(w.received),
        );
        let recv_us = mean(
            quiet_many
                .iter()
                .map(|w| (w.cost - one) / f64::from(w.received - 1)),
        )
        .unwrap_or(one)
        .clamp(0.0, one);
        let wake_us = one - recv_us;
        let forwards = unpreempted(self.wakes.iter().filter(|w| w.copies > 0), |w| {
            w.cost / f64::from(w.copies)
        });
        let send_us =
            mean(forwards.iter().map(|w| {
                (w.cost - wake_us - recv_us * f64::from(w.received)) / f64::from(w.copies)
            }))?
            .max(0.0);
        Some(Handling {
            wake_us,
            recv_us,
            send_us,
        })
    }

    /// `handling` with this fleet's publish cost (its first hops less the
    /// publisher's sends and the receiver's wake-up and receive) and start
    /// spacing.
    pub fn fleet_timing(&self, handling: Handling) -> Costs {
        let Handling {
            wake_us,
            recv_us,
            send_us,
        } = handling;
        let publish_us = median(
            self.first_hops
                .iter()
                .map(|&(gap, k)| gap - send_us * f64::from(k) - wake_us - recv_us)
                .collect(),
        )
        .unwrap_or(0.0)
        .max(0.0);
        Costs {
            handling,
            publish_us,
            start_us: median(self.start_gaps.clone()).unwrap_or(0.0),
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::events::EventLine;

    fn wake(cost: f64, received: u32, copies: u32) -> Wake {
        Wake {
            cost,
            received,
            copies,
        }
    }

    /// Every cost fitted to `samples` alone.
    pub(in crate::experiment) fn fit(samples: &Samples) -> Option<Costs> {
        Some(samples.fleet_timing(samples.handling()?))
    }

    fn line(ts_us: u64, node: u128, record: Record) -> EventLine {
        EventLine {
            ts_ms: ts_us / 1_000,
            ts_us,
            node: NodeId(node),
            addr: ([127, 0, 0, 1], 9_000).into(),
            record,
        }
    }

    fn gossip_recv(id: MsgId) -> Record {
        Record::Recv {
            msg_type: MsgType::Gossip,
            msg_id: id,
            from: ([127, 0, 0, 1], 9_001).into(),
            sender_id: NodeId(9),
            ttl: 3,
            bytes: 300,
        }
    }

    fn started() -> Record {
        Record::Started {
            mode: "push".into(),
            fanout: 2,
            ttl: 3,
            peer_limit: 20,
            pow_k: 0,
            bootstrap: None,
        }
    }

    fn gossip_send(id: MsgId) -> Record {
        Record::Send {
            msg_type: MsgType::Gossip,
            msg_id: id,
            to: ([127, 0, 0, 1], 9_002).into(),
            ttl: 3,
            bytes: 300,
        }
    }

    /// The events of gossip `id`'s broadcast on one thread whose wake-ups
    /// cost `wake` µs, GOSSIPs read `recv` µs, copies sent `send` µs and
    /// the publish `publish` µs before its copies leave: node 1 publishes
    /// at 1 000 µs with two copies, node 2 forwards two copies, nodes 3 and
    /// 4 read one duplicate each, node 6 reads two at once, node 5 is
    /// last; five nodes started 20, 30, 30 and 40 µs apart.
    pub(in crate::experiment) fn broadcast(
        id: MsgId,
        wake: u64,
        recv: u64,
        send: u64,
        publish: u64,
    ) -> EventLog {
        let published = Record::Published {
            msg_id: id,
            topic: "news".into(),
            data: "x".into(),
        };
        let mut lines = vec![line(1_000, 1, published)];
        lines.extend([
            line(1_000, 1, gossip_send(id)),
            line(1_000, 1, gossip_send(id)),
        ]);
        lines.extend([0, 20, 50, 80, 120].map(|t| line(t, t.into(), started())));
        let mut t = 1_000 + publish + 2 * send + wake + recv;
        lines.push(line(t, 2, gossip_recv(id)));
        lines.extend([line(t, 2, gossip_send(id)), line(t, 2, gossip_send(id))]);
        t += wake + recv + 2 * send;
        lines.push(line(t, 3, gossip_recv(id)));
        t += wake + recv;
        lines.push(line(t, 4, gossip_recv(id)));
        t += wake + recv;
        lines.push(line(t, 6, gossip_recv(id)));
        lines.push(line(t + recv, 6, gossip_recv(id)));
        t += wake + 2 * recv;
        lines.push(line(t, 5, gossip_recv(id)));
        EventLog {
            lines,
            ..EventLog::default()
        }
    }

    #[test]
    fn gaps_between_wake_ups_give_wake_receive_send_and_publish_costs() {
        let id = MsgId(7);
        // A wake-up costs 4 µs, a GOSSIP read 2, a copy sent 10: node 2's
        // wake-up 4 + 2 + 2 x 10 µs, node 3's and 4's 4 + 2, node 6's 4 + 2 x 2.
        let log = broadcast(id, 4, 2, 10, 94);
        let at: Vec<u64> = log
            .lines
            .iter()
            .filter(|l| matches!(l.record, Record::Recv { .. }))
            .map(|l| l.ts_us)
            .collect();
        assert_eq!(at, [1_120, 1_146, 1_152, 1_158, 1_160, 1_166]);
        let mut s = Samples::default();
        s.add(&log, id);
        let c = fit(&s).unwrap();
        let h = c.handling;
        assert_eq!((h.wake_us, h.recv_us, h.send_us), (4.0, 2.0, 10.0));
        // 120 µs to the first reception: 20 of them the publisher's sends,
        // 6 the receiver's wake-up and receive.
        assert_eq!(c.publish_us, 94.0);
        assert_eq!(c.start_us, 30.0);
    }

    #[test]
    fn pooled_fleets_share_their_handling_costs_and_keep_their_own_first_hop() {
        let id = MsgId(7);
        let mut small = Samples::default();
        small.add(&broadcast(id, 4, 2, 10, 94), id);
        let mut big = Samples::default();
        big.add(&broadcast(id, 4, 2, 10, 150), id);
        let mut pooled = Samples::default();
        pooled.extend(&small);
        pooled.extend(&big);
        let h = pooled.handling().unwrap();
        assert_eq!((h.wake_us, h.recv_us, h.send_us), (4.0, 2.0, 10.0));
        assert_eq!(small.fleet_timing(h).publish_us, 94.0);
        assert_eq!(big.fleet_timing(h).publish_us, 150.0);
        assert_eq!(big.fleet_timing(h).start_us, 30.0);
    }

    #[test]
    fn skewed_costs_count_by_their_mean_and_preempted_wake_ups_not_at_all() {
        let s = Samples {
            wakes: vec![
                // One duplicate read: 6 µs mostly, once 12, once preempted.
                wake(6.0, 1, 0),
                wake(6.0, 1, 0),
                wake(6.0, 1, 0),
                wake(12.0, 1, 0),
                wake(600.0, 1, 0),
                // Two read at once.
                wake(10.0, 2, 0),
                wake(10.0, 2, 0),
                // One read and three copies sent; one preempted.
                wake(30.0, 1, 3),
                wake(30.0, 1, 3),
                wake(36.0, 1, 3),
                wake(3_000.0, 1, 3),
            ],
            ..Samples::default()
        };
        let c = fit(&s).unwrap();
        // A wake-up and a receive: (6 + 6 + 6 + 12) / 4 = 7.5 µs; the
        // second receive 10 - 7.5.
        let c = c.handling;
        assert_eq!((c.wake_us, c.recv_us), (5.0, 2.5));
        // ((30 - 7.5) / 3 x 2 + (36 - 7.5) / 3) / 3.
        assert!((c.send_us - 24.5 / 3.0).abs() < 1e-9, "{}", c.send_us);
    }
}
