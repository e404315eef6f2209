//! The simulator: determinism across platforms, and network models that do
//! what they say.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use gossip_core::message::MsgType;
use gossip_core::sim::{
    trace, Action, CodecMode, DropReason, Network, Overlay, Processing, Scenario, Scheduled,
    Simulator, TraceKind,
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

/// The reference run whose trace hash must be identical on every platform,
/// with the processing-cost model off (today's simulator) or on.
fn reference_run(processing: Processing) -> (u64, usize) {
    let mut sc = scenario(20, Mode::Hybrid, 2024);
    sc.network.loss = 0.1;
    sc.processing = processing;
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
const REFERENCE_HASH: u64 = 17_159_163_140_365_548_414;

/// The reference run with 400 ± 300 µs per datagram received, 60 µs per
/// datagram sent, 50 µs per wake-up and 100 µs per publish on 2 shared CPUs.
const REFERENCE_HASH_PROCESSING: u64 = 12_212_328_529_721_264_572;

fn busy_processing() -> Processing {
    Processing {
        service_us: 400.0,
        spread_us: 300.0,
        send_us: 60.0,
        wake_us: 50.0,
        publish_us: 100.0,
        cpus: 2,
    }
}

#[test]
fn same_scenario_same_trace_on_every_platform() {
    let (hash, len) = reference_run(Processing::default());
    assert!(
        len > 500,
        "the reference run is substantial ({len} records)"
    );
    assert_eq!(
        reference_run(Processing::default()).0,
        hash,
        "two runs in one process agree"
    );
    assert_eq!(
        hash, REFERENCE_HASH,
        "trace hash differs from the native reference"
    );
}

#[test]
fn same_trace_on_every_platform_with_the_processing_model_on() {
    let (hash, len) = reference_run(busy_processing());
    assert!(len > 500, "a substantial run ({len} records)");
    assert_eq!(reference_run(busy_processing()).0, hash, "runs agree");
    assert_ne!(hash, REFERENCE_HASH, "the model changes the timing");
    assert_eq!(
        hash, REFERENCE_HASH_PROCESSING,
        "trace hash differs from the native reference"
    );
}

/// Nodes wired into a full overlay on 1 ms links without jitter, with the
/// processing model's `processing`; the overlay's pings are over when the
/// first 500 ms have run.
fn served_by(nodes: u32, processing: Processing) -> Simulator {
    let mut sc = scenario(nodes, Mode::Push, 11);
    sc.overlay = Overlay::Full;
    sc.network = Network {
        latency_ms: 1.0,
        jitter_ms: 0.0,
        ..Network::default()
    };
    sc.processing = processing;
    let mut sim = Simulator::new(sc);
    sim.run_for_ms(500.0);
    sim.take_trace();
    sim
}

/// [`served_by`], charging `service_us` per datagram received and
/// `send_us` per datagram sent on `cpus` shared CPUs.
fn served_with_sends(nodes: u32, service_us: f64, send_us: f64, cpus: u32) -> Simulator {
    served_by(
        nodes,
        Processing {
            service_us,
            send_us,
            cpus,
            ..Processing::default()
        },
    )
}

/// [`served_with_sends`] with sends free.
fn served(nodes: u32, service_us: f64, cpus: u32) -> Simulator {
    served_with_sends(nodes, service_us, 0.0, cpus)
}

/// Delivery times of every gossip after the publish, µs after the publish.
fn delivery_offsets(sim: &mut Simulator, published_at_us: u64) -> Vec<(u32, u64)> {
    let mut out: Vec<(u32, u64)> = sim
        .take_trace()
        .into_iter()
        .filter_map(|r| match r.kind {
            TraceKind::Deliver { node, .. } => Some((node, r.t_us - published_at_us)),
            _ => None,
        })
        .collect();
    out.sort_by_key(|&(node, t)| (t, node));
    out
}

#[test]
fn a_busy_node_delays_the_next_datagram_by_exactly_the_service_time() {
    let mut sim = served(2, 250.0, 0);
    let t0 = sim.now().as_micros() - gossip_core::sim::EPOCH.as_micros();
    sim.publish(0, "first").unwrap();
    sim.publish(0, "second").unwrap();
    sim.run_for_ms(50.0);
    // Both arrive together after 1 ms; the second waits for the first.
    assert_eq!(delivery_offsets(&mut sim, t0), vec![(1, 1_250), (1, 1_500)]);
}

#[test]
fn nodes_with_own_cpus_serve_in_parallel_and_shared_cpus_serialise() {
    let publish = |cpus| {
        let mut sim = served(3, 250.0, cpus);
        let t0 = sim.now().as_micros() - gossip_core::sim::EPOCH.as_micros();
        sim.publish(0, "hello").unwrap();
        sim.run_for_ms(50.0);
        delivery_offsets(&mut sim, t0)
    };
    assert_eq!(publish(0), vec![(1, 1_250), (2, 1_250)], "own CPUs");
    assert_eq!(publish(2), vec![(1, 1_250), (2, 1_250)], "two CPUs");
    assert_eq!(publish(1), vec![(1, 1_250), (2, 1_500)], "one CPU");
}

#[test]
fn a_batch_sends_together_when_its_sends_are_paid_and_keeps_the_cpu_busy() {
    // Fanout 3 on 4 nodes: the publisher's three copies leave together
    // after their three send times; each receiver serves its copy for 250
    // µs, then pays 100 µs for each of its two forwards (never back to its
    // sender) on the one shared CPU before the next receiver may start.
    let mut sim = served_with_sends(4, 250.0, 100.0, 1);
    let t0 = sim.now().as_micros() - gossip_core::sim::EPOCH.as_micros();
    sim.publish(0, "hello").unwrap();
    sim.run_for_ms(50.0);
    let times: Vec<u64> = delivery_offsets(&mut sim, t0)
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    // The copies leave at 300 and arrive at 1 300. First: served until
    // 1 550, its sends until 1 750. Second: waits for the CPU until 1 750,
    // served until 2 000, sends until 2 200. Third: served until 2 450.
    assert_eq!(times, vec![1_550, 2_000, 2_450]);
}

#[test]
fn a_wake_up_is_paid_once_for_what_waits_and_a_publish_delays_its_copies() {
    let mut sim = served_by(
        2,
        Processing {
            service_us: 250.0,
            wake_us: 100.0,
            publish_us: 500.0,
            cpus: 1,
            ..Processing::default()
        },
    );
    let t0 = sim.now().as_micros() - gossip_core::sim::EPOCH.as_micros();
    sim.publish(0, "first").unwrap();
    sim.publish(0, "second").unwrap();
    sim.run_for_ms(50.0);
    // Both copies leave 500 µs after the publish and arrive at 1 500; one
    // wake-up (100 µs) serves both, 250 µs each.
    assert_eq!(delivery_offsets(&mut sim, t0), vec![(1, 1_850), (1, 2_100)]);
}

#[test]
fn a_full_queue_drops_what_arrives() {
    let mut sim = served(2, 1_000_000.0, 0);
    for i in 0..gossip_core::sim::MAX_WAITING + 10 {
        sim.publish(0, &format!("flood {i}")).unwrap();
    }
    sim.run_for_ms(5.0);
    let overflow = sim
        .take_trace()
        .into_iter()
        .filter(|r| {
            matches!(
                r.kind,
                TraceKind::Drop {
                    reason: DropReason::Overflow,
                    ..
                }
            )
        })
        .count();
    // One is being served, MAX_WAITING wait; the rest overflow.
    assert_eq!(overflow, 9);
}

#[test]
fn processing_off_is_the_default_and_is_left_out_of_scenario_files() {
    let sc = Scenario::default();
    assert!(sc.processing.is_off());
    let json = serde_json::to_string(&sc).unwrap();
    assert!(!json.contains("processing"), "{json}");
    let on = Scenario {
        processing: busy_processing(),
        ..Scenario::default()
    };
    let back: Scenario = serde_json::from_str(&serde_json::to_string(&on).unwrap()).unwrap();
    assert_eq!(back.processing, busy_processing());
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
    // (A longer one: the next test.)
    sim.run_for_ms(4_000.0);
    assert!(holders(&sim, id, 0..10) >= 8, "the publisher's side got it");
    assert_eq!(holders(&sim, id, 10..20), 0, "nobody across the partition");
    let before_healing = sim.take_trace();
    let partition_drops = before_healing
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
    let pulled = before_healing
        .iter()
        .chain(&sim.take_trace())
        .filter(|r| matches!(r.kind, TraceKind::Deliver { pulled: true, .. }))
        .count() as u64;
    let by_t95 = sim.collector().report(id).unwrap().pulled_by_t95.unwrap();
    assert!(
        (1..=pulled).contains(&by_t95),
        "95 % took pulls across the healed partition: {by_t95} of {pulled}"
    );
}

/// Peers across the partition whose ids the nodes of `side` hold.
fn links_across(sim: &Simulator, side: std::ops::Range<u32>, other: std::ops::Range<u32>) -> usize {
    let other_ids: Vec<_> = other.map(|i| sim.node(i).unwrap().id()).collect();
    side.map(|i| {
        sim.node(i)
            .unwrap()
            .peers()
            .iter()
            .filter(|p| other_ids.contains(&p.id))
            .count()
    })
    .sum()
}

#[test]
fn halves_apart_longer_than_peer_timeout_find_each_other_after_healing() {
    for mode in [Mode::Push, Mode::Hybrid] {
        let mut sc = scenario(20, mode, 8);
        sc.overlay = Overlay::RandomRegular { degree: 6 };
        let mut sim = Simulator::new(sc);
        sim.run_for_ms(1_000.0);
        assert!(links_across(&sim, 0..10, 10..20) > 0, "{mode}");
        sim.partition(&[(0..10).collect()]);
        sim.run_for_ms(20_000.0);
        assert_eq!(
            links_across(&sim, 0..10, 10..20),
            0,
            "{mode}: dropped as dead"
        );
        sim.heal();
        // Removed peers get a HELLO probe each liveness round (2 s), in turn.
        sim.run_for_ms(30_000.0);
        assert!(
            links_across(&sim, 0..10, 10..20) > 0,
            "{mode}: back in the tables"
        );
        assert!(links_across(&sim, 10..20, 0..10) > 0, "{mode}: both ways");
        let id = sim.publish(2, "after the heal").unwrap();
        sim.run_for_ms(10_000.0);
        let reached = holders(&sim, id, 0..20);
        let needed = if mode == Mode::Push { 18 } else { 20 };
        assert!(reached >= needed, "{mode}: {reached} of 20 after healing");
    }
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
    assert_eq!(r.pulled_by_t95, Some(0), "push has no pull");
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

#[test]
fn every_delivery_names_the_node_whose_gossip_arrived_then() {
    let mut sc = scenario(30, Mode::Hybrid, 77);
    sc.network.loss = 0.05;
    sc.network.jitter_ms = 20.0;
    let mut sim = Simulator::new(sc);
    sim.run_for_ms(1_000.0);
    let id = sim.publish(4, "tree").expect("node 4 runs");
    sim.run_until_quiescent(id, 20_000.0);
    let records = sim.take_trace();
    let mut deliveries = 0;
    for r in &records {
        let TraceKind::Deliver { node, from, .. } = r.kind else {
            continue;
        };
        deliveries += 1;
        let from = from.expect("every delivery here came from a node");
        assert_ne!(from, node);
        let arrived = records.iter().any(|s| {
            matches!(s.kind, TraceKind::Send { from: f, to, msg_type: MsgType::Gossip, gossip, arrive_us, .. }
                if f == from && to == node && gossip == Some(id) && arrive_us == r.t_us)
        });
        assert!(
            arrived,
            "no GOSSIP from {from} reached {node} at {}",
            r.t_us
        );
        let json = serde_json::to_string(r).unwrap();
        assert!(
            !json.contains("\"from\""),
            "kept out of the JSON form: {json}"
        );
    }
    assert!(deliveries >= 25, "only {deliveries} deliveries");
}
