//! The numbers the statistics panel shows, taken from the lab a few times a
//! second (the metrics themselves come from [`gossip_core::metrics`]).

use gossip_core::{MsgType, PerType};

use super::lab::Lab;

/// Most points kept of the coverage curve.
pub const CURVE_POINTS: usize = 240;

/// A copy of what the panels show, cheap to compare and clone.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    /// Nodes in the run.
    pub nodes: u32,
    /// Nodes running.
    pub alive: u32,
    /// Links in the peer tables.
    pub links: usize,
    /// Virtual time, ms.
    pub sim_ms: f64,
    /// Clock running.
    pub playing: bool,
    /// Speed factor.
    pub speed: f64,
    /// The last advance ran out of wall-clock time.
    pub lagging: bool,
    /// Network split.
    pub partitioned: bool,
    /// While split, holders of the current gossip in each half.
    pub halves: Option<(usize, usize)>,
    /// Datagrams in flight.
    pub in_flight: usize,
    /// Datagrams dropped by the network.
    pub dropped: u64,
    /// Messages sent since the lab opened (delivered or dropped), by
    /// type: the whole of which the current gossip's overhead window is a
    /// part.
    pub sent_by_type: PerType,
    /// Simulator events processed so far.
    pub events: u64,
    /// Metrics of the current gossip, when there is one.
    pub gossip: Option<GossipStats>,
}

/// The current gossip's metrics.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GossipStats {
    /// Gossip number since the lab opened.
    pub number: u32,
    /// Holders / population.
    pub coverage: f64,
    /// Holders, origin included.
    pub delivered: u64,
    /// Nodes that could receive it.
    pub population: u32,
    /// Time to 50 %, ms.
    pub t50_ms: Option<f64>,
    /// Time to 95 %, ms.
    pub t95_ms: Option<f64>,
    /// Time to 100 %, ms.
    pub t100_ms: Option<f64>,
    /// Deliveries through a pull up to 95 % coverage (0: push alone got
    /// there); `None` before 95 % coverage.
    pub pulled_by_t95: Option<u64>,
    /// Messages of every type in `[t0, t95]`; `None` before 95 % coverage.
    pub overhead: Option<u64>,
    /// Overhead by type; `None` before 95 % coverage.
    pub overhead_by_type: Option<PerType>,
    /// Duplicate receptions.
    pub duplicates: u64,
    /// Relative message redundancy.
    pub rmr: Option<f64>,
    /// Mean hops.
    pub mean_hops: Option<f64>,
    /// Virtual ms since it was published.
    pub age_ms: f64,
    /// Coverage curve `(ms after publish, fraction)`, thinned.
    pub curve: Vec<(f64, f64)>,
}

impl Snapshot {
    /// Reads the lab; computing the report scans the run's sends, so call
    /// this a few times a second, not every frame.
    pub fn of(lab: &Lab) -> Snapshot {
        let sim = lab.sim();
        let gossip = lab.report().map(|r| {
            let step = r.coverage.len().div_ceil(CURVE_POINTS).max(1);
            let mut curve: Vec<(f64, f64)> = r
                .coverage
                .iter()
                .step_by(step)
                .map(|p| (p.ms, p.fraction))
                .collect();
            if let Some(last) = r.coverage.last() {
                if curve.last() != Some(&(last.ms, last.fraction)) {
                    curve.push((last.ms, last.fraction));
                }
            }
            GossipStats {
                number: lab.publishes(),
                coverage: r.delivery_ratio,
                delivered: r.delivered,
                population: r.population,
                t50_ms: r.t50_ms,
                t95_ms: r.t95_ms,
                t100_ms: r.t100_ms,
                pulled_by_t95: r.pulled_by_t95,
                overhead: r.overhead,
                overhead_by_type: r.overhead_by_type.map(PerType::from),
                duplicates: r.duplicates,
                rmr: r.rmr,
                mean_hops: r.mean_hops,
                age_ms: lab.current_age_ms(),
                curve,
            }
        });
        Snapshot {
            nodes: lab.len(),
            alive: sim.alive_count(),
            links: lab.links().len(),
            sim_ms: sim.elapsed_ms(),
            playing: lab.is_playing(),
            speed: lab.speed(),
            lagging: lab.is_lagging(),
            partitioned: lab.is_partitioned(),
            halves: (lab.is_partitioned() && lab.current().is_some())
                .then(|| lab.informed_by_half()),
            in_flight: lab.flights().len(),
            dropped: lab.dropped(),
            sent_by_type: *lab.sent_by_type(),
            events: sim.events_processed(),
            gossip,
        }
    }

    /// Total messages sent since the lab opened.
    pub fn total_sent(&self) -> u64 {
        self.sent_by_type.total()
    }

    /// Messages of one type sent since the lab opened.
    pub fn sent(&self, t: MsgType) -> u64 {
        self.sent_by_type[t]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::params::Params;

    #[test]
    fn snapshot_follows_a_spreading_gossip() {
        let mut lab = Lab::new(Params::default());
        let quiet = Snapshot::of(&lab);
        assert_eq!(quiet.nodes, 50);
        assert!(quiet.gossip.is_none());
        lab.set_speed(10.0);
        lab.publish_from(0);
        for _ in 0..200 {
            lab.advance(100.0, f64::INFINITY, || 0.0);
        }
        let s = Snapshot::of(&lab);
        let g = s.gossip.clone().expect("a gossip");
        assert_eq!(g.coverage, 1.0);
        assert_eq!(g.delivered, 50);
        assert!(g.t95_ms.unwrap() <= g.t100_ms.unwrap());
        assert!(g.curve.len() <= CURVE_POINTS + 1);
        assert_eq!(g.curve.last().map(|p| p.1), Some(1.0));
        let by_type = g.overhead_by_type.expect("95 % reached");
        assert!(g.overhead.unwrap() >= by_type[MsgType::Gossip]);
        for t in MsgType::ALL {
            assert!(by_type[t] <= s.sent(t), "{t:?}: a part of the whole");
        }
        assert!(g.age_ms > 0.0);
        assert!(s.total_sent() >= s.sent(MsgType::Gossip));
    }
}
