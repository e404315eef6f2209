//! The simulator: determinism across platforms, and network models that do
//! what they say.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use gossip_core::message::MsgType;
use gossip_core::sim::{
    trace, Action, CodecMode, DropReason, Network, Overlay, Scenario, Scheduled, Simulator,
    TraceKind,
};
use gossip_core::{Config, Mode, MsgId};

fn scenario(nodes: u32, mode: Mode, seed: u64) -> Scenario {
    Scenario {
        nodes,
        seed,
        node: Config {
            mode,
            ..Config::default()
        },
        ..Scenario::default()
    }
}

fn holders(sim: &Simulator, id: MsgId, nodes: impl Iterator<Item = u32>) -> usize {
    nodes
        .filter(|&i| sim.node(i).is_some_and(|n| n.has_seen(id)))
        .count()
}

/// The reference run whose trace hash must be identical on every platform.
fn reference_run() -> (u64, usize) {
    let mut sc = scenario(20, Mode::Hybrid, 2024);
    sc.network.loss = 0.1;
    sc.schedule = vec![
        Scheduled {
            at_ms: 1_000.0,
            action: Action::Publish {
                node: 5,
                data: "déjà vu ✓".into(),
            },
        },
        Scheduled {
            at_ms: 1_500.0,
            action: Action::Crash { node: 7 },
        },
        Scheduled {
            at_ms: 2_500.0,
            action: Action::Restart { node: 7 },
        },
    ];
    let mut sim = Simulator::new(sc);
    sim.run_for_ms(6_000.0);
    let records = sim.take_trace();
    (trace::hash(&records), records.len())
}

/// Computed on x86_64 Linux; the wasm32 build of this test must agree.
const REFERENCE_HASH: u64 = 6_398_883_524_246_764_819;

#[test]
fn same_scenario_same_trace_on_every_platform() {
    let (hash, len) = reference_run();
    assert!(
        len > 500,
        "the reference run is substantial ({len} records)"
    );
    assert_eq!(reference_run().0, hash, "two runs in one process agree");
    assert_eq!(
        hash, REFERENCE_HASH,
        "trace hash differs from the native reference"
    );
}

#[test]
fn fidelity_mode_behaves_exactly_like_fast_mode_and_counts_bytes() {
    let run = |codec| {
        let mut sc = scenario(15, Mode::Hybrid, 5);
        sc.codec = codec;
        let mut sim = Simulator::new(sc);
        sim.run_for_ms(2_000.0);
        let id = sim.publish(3, "bytes").unwrap();
        sim.run_for_ms(5_000.0);
        let r = sim.collector().report(id).unwrap();
        (r.delivered, r.total_messages, r.overhead_bytes)
    };
    let (fast_delivered, fast_total, fast_bytes) = run(CodecMode::Fast);
    let (delivered, total, bytes) = run(CodecMode::Fidelity);
    assert_eq!((fast_delivered, fast_total), (delivered, total));
    assert_eq!(fast_bytes, None, "fast mode measures no sizes");
    assert!(bytes.unwrap() > 0);
}

#[test]
fn loss_drops_about_the_configured_fraction() {
    let mut sc = scenario(30, Mode::Push, 11);
    sc.network.loss = 0.25;
    let mut sim = Simulator::new(sc);
    sim.run_for_ms(20_000.0);
    let records = sim.take_trace();
    let sends = records
        .iter()
        .filter(|r| matches!(r.kind, TraceKind::Send { .. }))
        .count() as f64;
    let lost = records
        .iter()
        .filter(|r| {
            matches!(
                r.kind,
                TraceKind::Drop {
                    reason: DropReason::Loss,
                    ..
                }
            )
        })
        .count() as f64;
    let fraction = lost / (sends + lost);
    assert!((0.20..0.30).contains(&fraction), "lost {fraction}");
}

#[test]
fn per_link_loss_cuts_one_link_only() {
    let mut sc = scenario(4, Mode::Push, 3);
    sc.overlay = Overlay::Full;
    sc.network = Network {
        links: vec![gossip_core::sim::LinkLoss {
            a: 0,
            b: 1,
            loss: 1.0,
        }],
        ..Network::default()
    };
    let mut sim = Simulator::new(sc);
    sim.run_for_ms(5_000.0);
    for r in sim.take_trace() {
        match r.kind {
            TraceKind::Send { from, to, .. } => assert!(!matches!((from, to), (0, 1) | (1, 0))),
            TraceKind::Drop {
                from, to, reason, ..
            } => {
                assert_eq!(reason, DropReason::Loss);
                assert!(matches!((from, to), (0, 1) | (1, 0)));
            }
            _ => {}
        }
    }
}

#[test]
fn partition_stops_delivery_across_and_healing_restores_it_in_hybrid() {
    let mut sc = scenario(20, Mode::Hybrid, 8);
    sc.overlay = Overlay::RandomRegular { degree: 6 };
    let left: Vec<u32> = (0..10).collect();
    let mut sim = Simulator::new(sc);
    sim.partition(&[left]);
    let id = sim.publish(2, "left side only").unwrap();
    // Shorter than peer_timeout (6 s): links across survive the partition.
    // (A longer one makes every node drop its cross links as dead, and the
    // halves stay apart after healing: the protocol has no re-discovery.)
    sim.run_for_ms(4_000.0);
    assert!(holders(&sim, id, 0..10) >= 8, "the publisher's side got it");
    assert_eq!(holders(&sim, id, 10..20), 0, "nobody across the partition");
    let partition_drops = sim
        .take_trace()
        .iter()
        .filter(|r| {
            matches!(
                r.kind,
                TraceKind::Drop {
                    reason: DropReason::Partition,
                    ..
                }
            )
        })
        .count();
    assert!(partition_drops > 0);
    sim.heal();
    sim.run_for_ms(10_000.0);
    assert_eq!(
        holders(&sim, id, 0..20),
        20,
        "pull repairs the other side after healing"
    );
}

#[test]
fn crashed_nodes_get_nothing_and_restarted_nodes_rejoin() {
    let mut sc = scenario(12, Mode::Hybrid, 4);
    sc.node.ping_interval = core::time::Duration::from_millis(500);
    sc.node.peer_timeout = core::time::Duration::from_millis(1_500);
    let mut sim = Simulator::new(sc);
    sim.run_for_ms(3_000.0);
    sim.crash(6);
    assert!(!sim.is_alive(6));
    let id = sim.publish(1, "while 6 is down").unwrap();
    sim.run_for_ms(5_000.0);
    assert!(!sim.node(6).unwrap().has_seen(id));
    let still_knowing_6 = (0..12)
        .filter(|&i| i != 6)
        .filter(|&i| {
            sim.node(i)
                .unwrap()
                .peers()
                .iter()
                .any(|p| p.addr == gossip_core::sim::node_addr(6))
        })
        .count();
    assert_eq!(
        still_knowing_6, 0,
        "every peer removed the dead node after peer_timeout"
    );
    sim.restart(6);
    sim.run_for_ms(8_000.0);
    assert!(sim.is_alive(6));
    assert!(!sim.node(6).unwrap().peers().is_empty(), "it joined again");
    assert!(
        sim.node(6).unwrap().has_seen(id),
        "and pulled what it missed"
    );
}

#[test]
fn generated_overlays_respect_peer_limit_unless_told_otherwise() {
    let mut sc = scenario(200, Mode::Push, 1);
    sc.overlay = Overlay::RandomRegular { degree: 30 };
    let sim = Simulator::new(sc.clone());
    assert!((0..200).all(|i| sim.node(i).unwrap().peers().len() <= 20));
    sc.ignore_peer_limit = true;
    let sim = Simulator::new(sc);
    assert!((0..200).any(|i| sim.node(i).unwrap().peers().len() > 20));
}

#[test]
fn metrics_of_a_simulated_broadcast_are_consistent() {
    let mut sc = scenario(50, Mode::Push, 21);
    sc.overlay = Overlay::RandomRegular { degree: 8 };
    let mut sim = Simulator::new(sc);
    let id = sim.publish(0, "measure me").unwrap();
    sim.run_until_quiescent(id, 10_000.0);
    let r = sim.collector().report(id).unwrap();
    let trace = sim.take_trace();
    let copies = trace
        .iter()
        .filter(|t| {
            matches!(
                t.kind,
                TraceKind::Send {
                    msg_type: MsgType::Gossip,
                    ..
                }
            )
        })
        .count() as u64;
    assert_eq!(
        r.payload_receptions, copies,
        "every copy sent was received (no loss)"
    );
    assert_eq!(r.payload_receptions, r.delivered - 1 + r.duplicates);
    assert!(r.delivery_ratio > 0.9);
    let (t50, t95) = (r.t50_ms.unwrap(), r.t95_ms.unwrap());
    assert!(t50 > 0.0 && t50 <= t95);
    assert!(r.overhead.unwrap() >= r.delivered - 1);
    assert!(r.rmr.unwrap() >= 0.0);
    assert!(r.max_hops.unwrap() as f64 >= r.mean_hops.unwrap());
}

#[test]
fn scenarios_round_trip_through_json() {
    let mut sc = scenario(7, Mode::Hybrid, 3);
    sc.overlay = Overlay::SmallWorld { k: 2, beta: 0.2 };
    sc.schedule.push(Scheduled {
        at_ms: 10.0,
        action: Action::Partition {
            groups: vec![vec![1, 2]],
        },
    });
    let json = serde_json::to_string(&sc).unwrap();
    assert_eq!(serde_json::from_str::<Scenario>(&json).unwrap(), sc);
    let err = serde_json::from_str::<Scenario>(r#"{"nodez": 3}"#).unwrap_err();
    assert!(err.to_string().contains("nodez"));
}

#[test]
fn actions_scheduled_while_running_happen_at_their_time() {
    use gossip_core::sim::{Action, Scenario, Simulator};
    let mut sim = Simulator::new(Scenario {
        nodes: 5,
        ..Scenario::default()
    });
    sim.run_for_ms(2_000.0);
    sim.schedule(500.0, Action::Crash { node: 3 });
    sim.schedule(
        250.0,
        Action::Publish {
            node: 1,
            data: "scheduled".into(),
        },
    );
    sim.run_for_ms(400.0);
    assert!(sim.is_alive(3), "not yet");
    assert_eq!(
        sim.collector().gossip_ids().len(),
        1,
        "the publish came first"
    );
    sim.run_for_ms(200.0);
    assert!(!sim.is_alive(3));
}
