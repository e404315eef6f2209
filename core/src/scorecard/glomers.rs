//! The Gossip Glomers broadcast workloads (Fly.io's distributed-systems
//! challenges 3b to 3e), as scenarios for core's simulator.
//!
//! Maelstrom runs them as `maelstrom test -w broadcast --node-count N
//! --time-limit 20 --rate R [--latency L] [--nemesis partition]`: for 20 s,
//! `R` client operations per second, each a broadcast or a read with equal
//! probability, sent to a random node. Here a broadcast is a publish from
//! that node; a read costs no message between nodes, so it is only counted
//! (in [`Targets::reads`]) because Maelstrom's messages per operation divide
//! by it. In 3b and 3c the nodes form their own overlay (the bootstrap
//! join) before the first operation. In 3d and 3e, as the challenge's
//! solutions do (Maelstrom offers a topology, and each node may ignore it),
//! the scenario picks one: a random 6-regular overlay (`peer_limit` 6), with
//! Plumtree announcing lazily once a second. Latency is constant, as
//! Maelstrom's default distribution. 3c's partition nemesis is modelled as Maelstrom's default
//! schedule: random halves cut apart after 10 s, healed after 20 s.
//!
//! The scenario files `docs/scenarios/glomers-3b.json` to `glomers-3e.json`
//! are these scenarios written out; a test keeps them equal.

use crate::config::Config;
use crate::rng::{mix64, NodeRng};
use crate::scorecard::Targets;
use core::time::Duration;

use crate::sim::{default_publish_ms, Action, Network, Overlay, Scenario, Scheduled};

/// One of the broadcast challenges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Workload {
    /// 3b, multi-node broadcast: 5 nodes, 10 operations/s.
    B3,
    /// 3c, fault-tolerant broadcast: 3b under network partitions.
    C3,
    /// 3d, efficient broadcast part I: 25 nodes, 100 ms latency, 100
    /// operations/s; fewer than 30 messages per operation, median latency
    /// under 400 ms, maximum under 600 ms.
    D3,
    /// 3e, efficient broadcast part II: as 3d, fewer than 20 messages per
    /// operation, median under 1 s, maximum under 2 s.
    E3,
}

/// Seconds of operations (Maelstrom's `--time-limit 20`).
pub const SECONDS: u32 = 20;
/// Master seed of the generated scenarios.
const SEED: u64 = 7;
/// Neighbours per node of the overlay 3d and 3e pick.
const EFFICIENT_DEGREE: u32 = 6;

impl Workload {
    /// Every workload, in challenge order.
    pub const ALL: [Workload; 4] = [Workload::B3, Workload::C3, Workload::D3, Workload::E3];

    /// The name of its scenario file and browser preset, e.g. `glomers-3d`.
    pub fn slug(self) -> &'static str {
        match self {
            Workload::B3 => "glomers-3b",
            Workload::C3 => "glomers-3c",
            Workload::D3 => "glomers-3d",
            Workload::E3 => "glomers-3e",
        }
    }

    /// Its title, e.g. `Gossip Glomers 3d: efficient broadcast I`.
    pub fn title(self) -> &'static str {
        match self {
            Workload::B3 => "Gossip Glomers 3b: multi-node broadcast",
            Workload::C3 => "Gossip Glomers 3c: fault-tolerant broadcast",
            Workload::D3 => "Gossip Glomers 3d: efficient broadcast I",
            Workload::E3 => "Gossip Glomers 3e: efficient broadcast II",
        }
    }

    /// Nodes.
    pub fn nodes(self) -> u32 {
        match self {
            Workload::B3 | Workload::C3 => 5,
            Workload::D3 | Workload::E3 => 25,
        }
    }

    /// Client operations per second.
    pub fn rate(self) -> u32 {
        match self {
            Workload::B3 | Workload::C3 => 10,
            Workload::D3 | Workload::E3 => 100,
        }
    }

    /// One-way latency, ms (Maelstrom's `--latency`, 0 by default).
    pub fn latency_ms(self) -> f64 {
        match self {
            Workload::B3 | Workload::C3 => 0.0,
            Workload::D3 | Workload::E3 => 100.0,
        }
    }

    /// Its published thresholds, for a run that made `reads` reads. 3b and
    /// 3c only ask that every broadcast reach every node.
    pub fn targets(self, reads: u64) -> Targets {
        let (msgs_per_op, median_ms, max_ms) = match self {
            Workload::B3 | Workload::C3 => (None, None, None),
            Workload::D3 => (Some(30.0), Some(400.0), Some(600.0)),
            Workload::E3 => (Some(20.0), Some(1_000.0), Some(2_000.0)),
        };
        Targets {
            name: self.title().to_owned(),
            reads,
            msgs_per_op,
            median_ms,
            max_ms,
        }
    }

    /// The workload as a scenario in core's default strategy (`gossip sim
    /// --mode` or [`Scenario::node`] picks another), its targets included.
    pub fn scenario(self) -> Scenario {
        let (node, overlay) = match self {
            Workload::B3 | Workload::C3 => (Config::default(), Overlay::Bootstrap),
            Workload::D3 | Workload::E3 => (
                Config {
                    peer_limit: EFFICIENT_DEGREE,
                    lazy_interval: Duration::from_secs(1),
                    ..Config::default()
                },
                Overlay::RandomRegular {
                    degree: EFFICIENT_DEGREE,
                },
            ),
        };
        let mut sc = Scenario {
            nodes: self.nodes(),
            seed: SEED,
            node,
            overlay,
            network: Network {
                latency_ms: self.latency_ms(),
                jitter_ms: 0.0,
                ..Network::default()
            },
            trace: false,
            ..Scenario::default()
        };
        let start = (default_publish_ms(&sc) / 1_000.0).ceil() * 1_000.0;
        let mut rng = NodeRng::from_seed_u64(mix64(SEED ^ self.rate() as u64));
        let ops = SECONDS * self.rate();
        let gap = 1_000.0 / f64::from(self.rate());
        let mut reads = 0;
        for i in 0..ops {
            let node = rng.below(u64::from(self.nodes())) as u32;
            if rng.chance(0.5) {
                sc.schedule.push(Scheduled {
                    at_ms: start + f64::from(i) * gap,
                    action: Action::Publish {
                        node,
                        data: format!("b{i}"),
                    },
                });
            } else {
                reads += 1;
            }
        }
        if self == Workload::C3 {
            let mut nodes: Vec<u32> = (0..self.nodes()).collect();
            let mut half = rng
                .choose_front(&mut nodes, self.nodes() as usize / 2)
                .to_vec();
            crate::order::sort(&mut half);
            sc.schedule.push(Scheduled {
                at_ms: start + 10_000.0,
                action: Action::Partition { groups: vec![half] },
            });
            sc.schedule.push(Scheduled {
                at_ms: start + 20_000.0,
                action: Action::Heal,
            });
        }
        sc.targets = Some(self.targets(reads));
        sc
    }

    /// The workload called `slug`.
    pub fn by_slug(slug: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.slug() == slug)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn publishes(sc: &Scenario) -> usize {
        sc.schedule
            .iter()
            .filter(|s| matches!(s.action, Action::Publish { .. }))
            .count()
    }

    #[test]
    fn operations_are_half_broadcasts_half_reads() {
        for w in Workload::ALL {
            let sc = w.scenario();
            let reads = sc.targets.as_ref().unwrap().reads as usize;
            let ops = (SECONDS * w.rate()) as usize;
            assert_eq!(publishes(&sc) + reads, ops, "{}", w.slug());
            let share = reads as f64 / ops as f64;
            assert!((0.4..0.6).contains(&share), "{}: {share}", w.slug());
            assert_eq!(sc.nodes, w.nodes());
            assert!(sc
                .schedule
                .iter()
                .all(|s| s.at_ms >= default_publish_ms(&sc)));
        }
    }

    #[test]
    fn only_3c_partitions_and_it_heals() {
        let c = Workload::C3.scenario();
        let acts: Vec<&Action> = c
            .schedule
            .iter()
            .map(|s| &s.action)
            .filter(|a| !matches!(a, Action::Publish { .. }))
            .collect();
        assert!(matches!(acts[..], [Action::Partition { .. }, Action::Heal]));
        if let Action::Partition { groups } = acts[0] {
            assert_eq!(groups[0].len(), 2);
        }
        assert_eq!(
            publishes(&Workload::B3.scenario()),
            Workload::B3.scenario().schedule.len()
        );
        let d = Workload::D3.scenario();
        assert_eq!(d.network.latency_ms, 100.0);
        assert_eq!(d.targets.unwrap().msgs_per_op, Some(30.0));
        assert_eq!(Workload::E3.targets(0).max_ms, Some(2_000.0));
        assert_eq!(Workload::by_slug("glomers-3e"), Some(Workload::E3));
    }

    /// The scenario files in docs/scenarios are these scenarios; run with
    /// `WRITE_SCENARIOS=1` to write them again after changing a workload.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn scenario_files_match_the_workloads() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/scenarios");
        for w in Workload::ALL {
            let path = dir.join(format!("{}.json", w.slug()));
            let sc = w.scenario();
            if std::env::var_os("WRITE_SCENARIOS").is_some() {
                std::fs::write(&path, scenario_json(&sc)).unwrap();
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let file: Scenario = serde_json::from_str(&text).unwrap();
            assert_eq!(
                file,
                sc,
                "{} differs: WRITE_SCENARIOS=1 rewrites it",
                path.display()
            );
        }
    }

    /// A scenario as JSON with one scheduled action per line.
    #[cfg(not(target_arch = "wasm32"))]
    fn scenario_json(sc: &Scenario) -> String {
        let mut head = serde_json::to_value(sc).unwrap();
        let schedule = head.as_object_mut().unwrap().remove("schedule").unwrap();
        let mut out = serde_json::to_string(&head).unwrap();
        out.pop();
        out.push_str(",\n \"schedule\": [\n");
        let lines: Vec<String> = schedule
            .as_array()
            .unwrap()
            .iter()
            .map(|s| format!("  {}", serde_json::to_string(s).unwrap()))
            .collect();
        out.push_str(&lines.join(",\n"));
        out.push_str("\n ]}\n");
        out
    }
}
