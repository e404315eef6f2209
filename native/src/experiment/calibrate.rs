//! `gossip experiment --real --calibrate`: the simulator's processing model
//! measured from real broadcasts' events.
//!
//! The fleet's nodes share one thread, so during a broadcast the thread goes
//! from one node's wake-up to the next without idling: a node reads what
//! its socket holds (one or a few GOSSIPs, stamped one after another),
//! handles it, sends the copies it forwards (stamped with the time of the
//! receive that caused them), and the next node's first reception follows.
//! So the time from a wake-up's first reception to the next node's is what
//! the wake-up cost. The receive cost is the median over wake-ups that read
//! one GOSSIP and sent nothing (a duplicate), the send cost the median of
//! `(cost - receive cost) / copies sent` over wake-ups that read one and
//! forwarded it. The first
//! hop, from the publish to the first reception beyond the publisher's own
//! sends, is the delay a datagram takes when the thread is not already busy
//! (a wake-up, not CPU time): the prediction uses it as the network latency.
//! Medians, over several runs, so that a moment when the machine's other
//! work took the CPU does not move the figures.

use std::collections::HashMap;

use gossip_core::{MsgId, MsgType, NodeId};

use crate::analysis::EventLog;
use crate::events::Record;

/// What consecutive receptions of real broadcasts showed, pooled over runs.
#[derive(Debug, Default)]
pub struct Samples {
    /// Costs of wake-ups that read one GOSSIP and sent nothing, µs.
    quiet_gaps: Vec<f64>,
    /// Costs of wake-ups that read one GOSSIP and forwarded it, µs, with
    /// the copies sent.
    sending_gaps: Vec<(f64, u32)>,
    /// Publish to first reception, µs, with the publisher's copies.
    first_hops: Vec<(f64, u32)>,
}

/// The costs fitted to [`Samples`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Costs {
    /// Receiving and handling one GOSSIP, µs.
    pub recv_us: f64,
    /// Sending one datagram, µs.
    pub send_us: f64,
    /// Delay of a datagram to an idle fleet beyond its send, µs.
    pub first_hop_us: f64,
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
        for l in &log.lines {
            match &l.record {
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
            let cost = next.saturating_sub(at) as f64;
            match (received, copies) {
                (1, 0) => self.quiet_gaps.push(cost),
                (1, copies) => self.sending_gaps.push((cost, copies)),
                _ => {}
            }
        }
    }

    /// The fitted costs; `None` without both kinds of gap.
    pub fn fit(&self) -> Option<Costs> {
        let recv_us = median(self.quiet_gaps.clone())?;
        let send_us = median(
            self.sending_gaps
                .iter()
                .map(|&(gap, k)| (gap - recv_us) / f64::from(k))
                .collect(),
        )?
        .max(0.0);
        let first_hop_us = median(
            self.first_hops
                .iter()
                .map(|&(gap, k)| gap - send_us * f64::from(k))
                .collect(),
        )
        .unwrap_or(0.0)
        .max(0.0);
        Some(Costs {
            recv_us,
            send_us,
            first_hop_us,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EventLine;

    fn line(ts_us: u64, node: u128, record: Record) -> EventLine {
        EventLine {
            ts_ms: ts_us / 1_000,
            ts_us,
            node: NodeId(node),
            addr: ([127, 0, 0, 1], 9_000).into(),
            record,
        }
    }

    fn recv(id: MsgId) -> Record {
        Record::Recv {
            msg_type: MsgType::Gossip,
            msg_id: id,
            from: ([127, 0, 0, 1], 9_001).into(),
            sender_id: NodeId(9),
            ttl: 3,
            bytes: 300,
        }
    }

    fn send(id: MsgId) -> Record {
        Record::Send {
            msg_type: MsgType::Gossip,
            msg_id: id,
            to: ([127, 0, 0, 1], 9_002).into(),
            ttl: 3,
            bytes: 300,
        }
    }

    #[test]
    fn gaps_after_duplicates_and_forwards_give_receive_and_send_costs() {
        let id = MsgId(7);
        let mut lines = vec![line(
            1_000,
            1,
            Record::Published {
                msg_id: id,
                topic: "news".into(),
                data: "x".into(),
            },
        )];
        lines.extend([line(1_000, 1, send(id)), line(1_000, 1, send(id))]);
        // Node 2 forwards two copies (5 + 2 x 10 µs), node 3 and 4 receive
        // duplicates (5 µs each), node 6 reads two at once (not a sample),
        // node 5 is last.
        lines.push(line(1_120, 2, recv(id)));
        lines.extend([line(1_120, 2, send(id)), line(1_120, 2, send(id))]);
        lines.push(line(1_145, 3, recv(id)));
        lines.push(line(1_150, 4, recv(id)));
        lines.push(line(1_155, 6, recv(id)));
        lines.push(line(1_157, 6, recv(id)));
        lines.push(line(1_190, 5, recv(id)));
        let log = EventLog {
            lines,
            ..EventLog::default()
        };
        let mut s = Samples::default();
        s.add(&log, id);
        let c = s.fit().unwrap();
        assert_eq!((c.recv_us, c.send_us), (5.0, 10.0));
        // 120 µs to the first reception, 20 of them the publisher's sends.
        assert_eq!(c.first_hop_us, 100.0);
    }
}
