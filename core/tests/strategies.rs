//! Every dissemination strategy on real nodes in the simulator: each
//! delivers on a small overlay; Plumtree's tree forms (redundancy falls) and
//! repairs itself (GRAFT after crashes); pull reaches everyone; Plumtree
//! nodes and push-only peers deliver everything together; the per-type
//! counters cover GRAFT and PRUNE.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use gossip_core::sim::{Action, Newcomer, Overlay, Scenario, Simulator};
use gossip_core::{Config, Mode, MsgId, MsgType, NodeId};

fn formed(nodes: u32, mode: Mode, seed: u64) -> Simulator {
    let mut sim = Simulator::new(Scenario {
        nodes,
        seed,
        node: Config {
            mode,
            ..Config::default()
        },
        ..Scenario::default()
    });
    sim.run_for_ms(5_000.0 + 20.0 * f64::from(nodes));
    sim
}

fn broadcast(sim: &mut Simulator, origin: u32) -> MsgId {
    let id = sim.publish(origin, "hello class").expect("origin is up");
    sim.run_until_quiescent(id, 60_000.0);
    id
}

fn rmr(sim: &Simulator, id: MsgId) -> f64 {
    sim.collector()
        .report(id)
        .expect("tracked")
        .rmr
        .expect("delivered")
}

#[test]
fn every_strategy_delivers_on_ten_nodes() {
    for mode in Mode::ALL {
        for seed in 1..=3 {
            let mut sim = formed(10, mode, seed);
            let id = broadcast(&mut sim, 3);
            let reached = sim.collector().delivered(id);
            let needed = if mode == Mode::Push { 9 } else { 10 };
            assert!(reached >= needed, "{mode} seed {seed}: {reached}/10");
        }
    }
}

#[test]
fn plumtree_forms_a_tree_redundancy_falls_to_nearly_zero() {
    let mut sim = formed(60, Mode::Plumtree, 4);
    let mut rmrs = Vec::new();
    for b in 0..6 {
        let id = broadcast(&mut sim, (b * 7) % 60);
        assert_eq!(sim.collector().delivered(id), 60, "broadcast {b}");
        rmrs.push(rmr(&sim, id));
    }
    assert!(rmrs[0] > 1.0, "the first broadcast floods ({rmrs:?})");
    // Peer tables are not symmetric (full tables keep one-sided links), so a
    // new origin can still find a redundant link to prune now and then.
    let later = &rmrs[2..];
    let mean = later.iter().sum::<f64>() / later.len() as f64;
    assert!(
        later.iter().all(|&r| r <= 0.35) && mean <= 0.15,
        "tree formed: {rmrs:?}"
    );
    let prunes: u64 = (0..60)
        .map(|i| sim.node(i).unwrap().stats().sent_of(MsgType::Prune))
        .sum();
    assert!(prunes > 0, "PRUNE is counted");
}

fn sent(sim: &Simulator, nodes: u32, t: MsgType) -> u64 {
    (0..nodes)
        .map(|i| sim.node(i).unwrap().stats().sent_of(t))
        .sum()
}

/// Broadcasts from many origins at once (a Gossip-Glomers-style load):
/// each origin's gossips settle on their own tree, so that after the first
/// second every broadcast costs one GOSSIP per node and GRAFT is never
/// needed. With one shared tree, concurrent floods pruned each other's
/// links and GRAFT did most of the delivering.
#[test]
fn plumtree_keeps_a_tree_per_origin_under_concurrent_broadcasts() {
    let nodes = 16;
    let mut sim = Simulator::new(Scenario {
        nodes,
        seed: 9,
        node: Config {
            mode: Mode::Plumtree,
            peer_limit: 4,
            ..Config::default()
        },
        overlay: Overlay::RandomRegular { degree: 4 },
        ..Scenario::default()
    });
    let broadcasts = 200u32;
    for b in 0..broadcasts {
        let action = Action::Publish {
            node: (b * 7) % 8,
            data: format!("b{b}"),
        };
        sim.schedule(1_000.0 + 20.0 * f64::from(b), action);
    }
    sim.run_for_ms(3_000.0);
    let grafts_then = sent(&sim, nodes, MsgType::Graft);
    let settled = sim.collector().gossip_ids().len();
    sim.run_for_ms(5_000.0);
    let ids = sim.collector().gossip_ids().to_vec();
    assert_eq!(ids.len() as u32, broadcasts);
    for &id in &ids {
        assert_eq!(sim.collector().delivered(id), nodes as usize, "{id}");
    }
    // Broadcasts published after the first two seconds: every node gets
    // exactly one copy.
    assert!(ids.len() - settled >= 50, "{settled} of {broadcasts} early");
    for (i, &id) in ids.iter().enumerate().skip(settled) {
        let report = sim.collector().report(id).expect("tracked");
        assert_eq!(
            report.payload_receptions,
            u64::from(nodes - 1),
            "broadcast {i}: one copy per node once the trees have formed"
        );
    }
    assert_eq!(
        sent(&sim, nodes, MsgType::Graft),
        grafts_then,
        "no GRAFT needed"
    );
}

#[test]
fn plumtree_repairs_its_tree_after_crashes() {
    // A seed whose crashes cut the formed tree. Not every overlay needs a
    // GRAFT after these crashes: seed 5, since answers to HELLO changed,
    // reached all 48 live nodes with none (seeds 1-11 otherwise sent 1 to
    // 23), and the assertion below could not tell repair happened.
    let mut sim = formed(60, Mode::Plumtree, 6);
    for b in 0..3 {
        broadcast(&mut sim, b);
    }
    let crashed: Vec<u32> = (0..60).filter(|i| i % 5 == 2).collect();
    for &i in &crashed {
        sim.crash(i);
    }
    let grafts_before: u64 = (0..60)
        .map(|i| sim.node(i).unwrap().stats().sent_of(MsgType::Graft))
        .sum();
    for b in 0..5 {
        let id = broadcast(&mut sim, (b * 11) % 60 / 5 * 5);
        let alive = sim.alive_count() as usize;
        // The first broadcast after the crash repairs the tree with GRAFT;
        // a node that only crashed nodes held in their tables is reached
        // once membership has noticed the crash (peer_timeout) and a live
        // node took it in.
        if b > 0 {
            assert_eq!(
                sim.collector().delivered(id),
                alive,
                "broadcast {b} after the crash"
            );
        } else {
            sim.run_for_ms(8_000.0);
        }
    }
    let grafts: u64 = (0..60)
        .map(|i| sim.node(i).unwrap().stats().sent_of(MsgType::Graft))
        .sum();
    assert!(grafts > grafts_before, "the tree was repaired with GRAFT");
}

#[test]
fn pull_reaches_everyone_slowly_then_fast() {
    let mut sim = formed(40, Mode::Pull, 6);
    let id = broadcast(&mut sim, 0);
    let report = sim.collector().report(id).expect("tracked");
    assert_eq!(sim.collector().delivered(id), 40);
    let t50 = report.t50_ms.expect("half reached");
    let t100 = report.t100_ms.expect("all reached");
    assert!(t50 >= 2.0 * 1_000.0, "slow start: t50 {t50} ms");
    assert!(
        t100 - t50 < t50,
        "fast finish: t50 {t50} ms, t100 {t100} ms"
    );
}

#[test]
fn plumtree_nodes_and_push_only_peers_deliver_everything() {
    let mut sim = formed(20, Mode::Plumtree, 7);
    let pushers: Vec<u32> = (0..8u128)
        .map(|i| {
            let newcomer = Newcomer::new(NodeId(0xb0b0 + i), (i as u32 * 3) % 20, None);
            sim.add_node(newcomer.with_mode(Mode::Push)).unwrap()
        })
        .collect();
    sim.run_for_ms(5_000.0);
    for b in 0..5 {
        let origin = if b % 2 == 0 {
            pushers[b as usize]
        } else {
            b * 3
        };
        let id = broadcast(&mut sim, origin);
        assert_eq!(
            sim.collector().delivered(id),
            28,
            "broadcast {b} from {origin}"
        );
    }
    for &p in &pushers {
        let stats = sim.node(p).unwrap().stats();
        assert_eq!(
            stats.received_of(MsgType::Prune),
            0,
            "no PRUNE to a push node"
        );
        assert_eq!(
            stats.received_of(MsgType::Graft),
            0,
            "no GRAFT to a push node"
        );
    }
}
