//! Identities added to a running simulation: the network's own HELLO check
//! admits valid proofs of work and never a forged one.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use gossip_core::id::NodeId;
use gossip_core::pow;
use gossip_core::sim::{JoinError, Newcomer, Scenario, Simulator, TraceKind, MAX_ADDED_NODES};
use gossip_core::{Config, PowProof, RejectReason};

const NODES: u32 = 8;

fn formed(pow_k: u32) -> Simulator {
    let mut sim = Simulator::new(Scenario {
        nodes: NODES,
        seed: 9,
        node: Config {
            pow_k,
            ..Config::default()
        },
        ..Scenario::default()
    });
    sim.run_for_ms(3_000.0);
    sim
}

fn forged(k: u32) -> PowProof {
    PowProof {
        hash_alg: pow::HASH_ALG.into(),
        difficulty_k: k,
        nonce: 0,
        digest_hex: "0".repeat(64),
    }
}

fn sybil_id(i: u128) -> NodeId {
    NodeId(0x5b11_0000_0000_0000_0000_0000_0000_0000 | i)
}

#[test]
fn forged_proofs_are_never_admitted() {
    let mut sim = formed(2);
    let mut added = Vec::new();
    for i in 0..10 {
        let target = (i % u128::from(NODES)) as u32;
        added.push(
            sim.add_node(Newcomer::new(sybil_id(i), target, Some(forged(2))))
                .unwrap(),
        );
    }
    sim.run_for_ms(10_000.0);
    for i in 0..10 {
        assert_eq!(sim.holders_of(sybil_id(i), 0..NODES), 0);
    }
    let refusals = sim
        .take_trace()
        .iter()
        .filter(|r| {
            matches!(r.kind, TraceKind::Reject { node, reason: RejectReason::PowInvalid } if node < NODES)
        })
        .count();
    assert!(refusals >= 10, "every forged HELLO is refused ({refusals})");
    assert!(added
        .iter()
        .all(|&i| sim.node(i).unwrap().peers().is_empty()));
}

#[test]
fn valid_proofs_are_admitted() {
    let mut sim = formed(2);
    for i in 0..5 {
        let id = sybil_id(i);
        let proof = pow::solve(id.to_hex().as_str(), 2);
        sim.add_node(Newcomer::new(id, 0, Some(proof))).unwrap();
    }
    let honest = sim.add_node(Newcomer::new(sybil_id(99), 3, None)).unwrap();
    sim.run_for_ms(2_000.0);
    for i in 0..5 {
        assert!(
            sim.knows(0, sybil_id(i)),
            "identity {i} is in node 0's table"
        );
    }
    assert!(sim.knows(3, sybil_id(99)));
    assert!(!sim.node(honest).unwrap().peers().is_empty());
}

#[test]
fn without_proof_of_work_anything_gets_in() {
    let mut sim = formed(0);
    sim.add_node(Newcomer::new(sybil_id(1), 2, Some(forged(0))))
        .unwrap();
    sim.run_for_ms(2_000.0);
    assert!(sim.holders_of(sybil_id(1), 0..NODES) >= 1);
}

#[test]
fn bad_targets_and_too_many_nodes_are_errors() {
    let mut sim = formed(0);
    assert_eq!(
        sim.add_node(Newcomer::new(sybil_id(1), NODES + 5, None)),
        Err(JoinError::NoSuchNode {
            index: NODES + 5,
            len: NODES
        })
    );
    assert_eq!(sim.len(), NODES);
    for i in 0..MAX_ADDED_NODES {
        sim.add_node(Newcomer::new(sybil_id(u128::from(i)), 0, None))
            .unwrap();
    }
    assert_eq!(
        sim.add_node(Newcomer::new(sybil_id(0), 0, None)),
        Err(JoinError::TooManyNodes {
            cap: MAX_ADDED_NODES
        })
    );
    assert_eq!(sim.added_count(), MAX_ADDED_NODES);
}

#[test]
fn an_added_node_restarts_with_its_identity() {
    let mut sim = formed(0);
    let i = sim.add_node(Newcomer::new(sybil_id(4), 1, None)).unwrap();
    sim.run_for_ms(500.0);
    sim.crash(i);
    sim.restart(i);
    assert_eq!(sim.node(i).unwrap().id(), sybil_id(4));
    sim.run_for_ms(500.0);
    assert!(sim.knows(1, sybil_id(4)));
}

#[test]
fn an_added_node_joins_its_bootstrap_nodes_side_of_a_partition() {
    let mut sim = formed(0);
    sim.partition(&[(0..NODES / 2).collect()]);
    let i = sim.add_node(Newcomer::new(sybil_id(8), 1, None)).unwrap();
    assert_eq!(sim.group_of(i), sim.group_of(1));
    sim.run_for_ms(1_000.0);
    assert!(sim.knows(1, sybil_id(8)));
}
