//! The node under attack: every attack of the hardening issue, played by an
//! attacker socket outside the simulation against real `Node`s in the
//! simulator (or, where the attacker must be the bootstrap node, against one
//! `Node` through its sans-IO API). Each test fails on the code before the fix.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::net::SocketAddr;
use std::sync::Arc;

use gossip_core::message::{Body, Gossip, Hello, Message, MsgType, PeerInfo, Ping};
use gossip_core::sim::{node_addr, Action, Newcomer, Scenario, Scheduled, Simulator, TraceKind};
use gossip_core::{codec, pow, Config, Event, MsgId, Node, NodeId, RejectReason, Time};

const NODES: u32 = 6;

fn attacker(i: u16) -> SocketAddr {
    SocketAddr::from(([10, 66, 0, 1], 40_000 + i))
}

fn third_party(i: u16) -> SocketAddr {
    SocketAddr::from(([192, 0, 2, 1], 9_000 + i))
}

fn formed(pow_k: u32) -> Simulator {
    let mut sim = Simulator::new(Scenario {
        nodes: NODES,
        seed: 11,
        node: Config {
            pow_k,
            ..Config::default()
        },
        ..Scenario::default()
    });
    sim.run_for_ms(5_000.0);
    sim.set_trace(true);
    sim.capture_outside(true);
    sim
}

fn message(sender_id: NodeId, from: SocketAddr, ttl: u32, body: Body) -> Message {
    Message {
        msg_id: MsgId(0xa77a_c4e5 ^ sender_id.0),
        sender_id,
        sender_addr: from,
        timestamp_ms: 1_700_000_000_000,
        ttl,
        body,
    }
}

fn send(sim: &mut Simulator, from: SocketAddr, to: u32, m: &Message) {
    sim.inject(from, to, codec::encode(m));
}

fn rejections(sim: &mut Simulator, node: u32, reason: RejectReason) -> usize {
    sim.node(node).unwrap().stats().rejected_for(reason) as usize
}

fn peer_ids(sim: &Simulator, node: u32) -> Vec<NodeId> {
    let mut ids: Vec<NodeId> = sim
        .node(node)
        .unwrap()
        .peers()
        .iter()
        .map(|p| p.id)
        .collect();
    ids.sort();
    ids
}

/// Attack 1: PEERS_LIST bypassing proof of work: unsolicited lists from fresh ids
/// admit nobody, evict nobody and send nothing to the addresses they name.
#[test]
fn unsolicited_peers_lists_admit_nobody_at_any_difficulty() {
    for pow_k in [0, 2] {
        let mut sim = formed(pow_k);
        let before = peer_ids(&sim, 0);
        assert!(before.len() >= 3, "k={pow_k}: overlay formed");
        for i in 0..21u16 {
            let list = Body::PeersList {
                peers: vec![PeerInfo {
                    node_id: NodeId(0xbad0 + u128::from(i)),
                    addr: third_party(i),
                }],
            };
            let id = NodeId(0xa770_0000 + u128::from(i));
            send(&mut sim, attacker(i), 0, &message(id, attacker(i), 0, list));
        }
        sim.run_for_ms(3_000.0);
        assert_eq!(peer_ids(&sim, 0), before, "k={pow_k}: table unchanged");
        assert_eq!(
            rejections(&mut sim, 0, RejectReason::UnsolicitedPeersList),
            21
        );
        let gossip = sim.publish(0, "after the attack").unwrap();
        sim.run_for_ms(1_000.0);
        assert!(
            sim.take_outside().is_empty(),
            "k={pow_k}: nothing went to the attacker or the listed addresses"
        );
        assert!(sim.collector().delivered(gossip) >= NODES as usize - 1);
    }
}

/// Attack 2: Replaying a joiner's valid proof from another socket neither moves
/// the joiner nor redirects gossip to the attacker.
#[test]
fn a_replayed_proof_does_not_move_a_peer() {
    let mut sim = formed(2);
    let victim = sim.node(1).unwrap().id();
    let proof = sim
        .node(1)
        .unwrap()
        .pow_proof()
        .cloned()
        .expect("joiner has a proof");
    let hello = Body::Hello(Hello {
        capabilities: vec!["udp".into(), "json".into()].into(),
        pow: Some(Box::new(proof)),
    });
    send(
        &mut sim,
        attacker(1),
        0,
        &message(victim, attacker(1), 0, hello),
    );
    sim.run_for_ms(500.0);
    let at = sim.node(0).unwrap().peers().get(victim).map(|p| p.addr);
    assert_eq!(at, Some(node_addr(1)), "the victim stays at its address");
    assert_eq!(rejections(&mut sim, 0, RejectReason::AddressConflict), 1);
    sim.publish(0, "for the victim").unwrap();
    sim.run_for_ms(1_000.0);
    assert!(sim.take_outside().is_empty(), "no datagram to the attacker");
}

/// Attack 3: Ghost peers: PINGs claiming a crashed peer's id from another socket do
/// not keep it alive at its address; it is removed after `peer_timeout` as
/// if silent. (Without proof of work the attacker may then take the free id
/// at its own address, as anyone may claim any id at k = 0; with it, not.)
#[test]
fn pings_from_another_socket_do_not_keep_a_dead_peer_alive() {
    for pow_k in [0, 2] {
        let mut sim = formed(pow_k);
        let dead = sim.node(2).unwrap().id();
        assert!(sim.knows(0, dead));
        sim.crash(2);
        for i in 0..40u16 {
            let ping = Body::Ping(Ping {
                ping_id: format!("{:032x}", i),
                seq: u64::from(i),
            });
            send(
                &mut sim,
                attacker(7),
                0,
                &message(dead, attacker(7), 0, ping),
            );
            sim.run_for_ms(500.0);
        }
        let entry = sim.node(0).unwrap().peers().get(dead).map(|p| p.addr);
        assert_ne!(
            entry,
            Some(node_addr(2)),
            "k={pow_k}: the ghost was removed"
        );
        let conflicts = rejections(&mut sim, 0, RejectReason::AddressConflict);
        assert!(conflicts >= 10, "k={pow_k}: {conflicts} claims refused");
        if pow_k > 0 {
            assert_eq!(entry, None, "without a proof the id cannot be taken");
            let out = sim.take_outside();
            assert!(out.iter().all(|o| o.message.msg_type() == MsgType::Pong));
            assert!(
                out.len() + conflicts <= 40,
                "no answer to a conflicting claim, one PONG per PING after"
            );
        }
    }
}

/// Attack 4: IWANT amplification: a stranger's IWANT is refused; a peer asking for
/// one stored gossip 1 024 times gets it once, and not again within a pull
/// interval.
#[test]
fn iwant_is_answered_once_per_gossip_and_only_to_peers() {
    let mut sim = formed(0);
    let big = "x".repeat(60_000);
    let id = sim.publish(0, &big).unwrap();
    sim.run_for_ms(1_000.0);
    sim.take_outside();
    let iwant = Body::IWant {
        ids: vec![id; 1_024],
    };
    let stranger = message(NodeId(0x5757), attacker(2), 0, iwant.clone());
    send(&mut sim, attacker(2), 0, &stranger);
    sim.run_for_ms(100.0);
    assert!(sim.take_outside().is_empty(), "a stranger gets nothing");
    assert_eq!(rejections(&mut sim, 0, RejectReason::NotAPeer), 1);

    // Become a peer the cheap way (no proof of work at k = 0), then ask.
    let me = NodeId(0xfeed);
    let hello = Body::Hello(Hello::default());
    send(
        &mut sim,
        attacker(3),
        0,
        &message(me, attacker(3), 0, hello),
    );
    sim.run_for_ms(100.0);
    sim.take_outside();
    let request = message(me, attacker(3), 0, iwant);
    let bytes_in = codec::encode(&request).len() * 2;
    send(&mut sim, attacker(3), 0, &request);
    send(&mut sim, attacker(3), 0, &request);
    sim.run_for_ms(100.0);
    let out = sim.take_outside();
    let gossips = out
        .iter()
        .filter(|o| o.message.msg_type() == MsgType::Gossip)
        .count();
    let bytes_out: usize = out.iter().map(|o| o.bytes).sum();
    assert_eq!(gossips, 1, "one copy for two IWANTs of 1 024 ids each");
    assert!(
        bytes_out <= bytes_in,
        "{bytes_out} bytes out for {bytes_in} in"
    );
}

/// Attack 5: Reflection: a solicited PEERS_LIST (here the attacker is the bootstrap
/// node) gets each listed address at most one datagram, ever.
#[test]
fn listed_addresses_get_at_most_one_datagram_each() {
    let t0 = Time::from_millis(1_700_000_000_000);
    let evil = attacker(9);
    let mut node = Node::new(
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 9_001)),
            bootstrap: Some(evil),
            ..Config::default()
        },
        t0,
    );
    node.handle_timeout(t0);
    let asked = std::iter::from_fn(|| node.poll_transmit()).count();
    assert_eq!(asked, 2, "HELLO and GET_PEERS to the bootstrap node");
    let peers: Vec<PeerInfo> = (0..10)
        .map(|i| PeerInfo {
            node_id: NodeId(0x7000 + u128::from(i)),
            addr: third_party(i),
        })
        .collect();
    let list = message(NodeId(0xe71), evil, 0, Body::PeersList { peers });
    let mut to_listed = 0;
    for step in 0..600u64 {
        let now = t0 + core::time::Duration::from_millis(100 * step);
        if step < 3 {
            node.handle_message(now, evil, list.clone());
        }
        node.handle_timeout(now);
        while let Some(t) = node.poll_transmit() {
            if t.to != evil {
                to_listed += 1;
            }
        }
    }
    assert!(
        to_listed <= 10,
        "{to_listed} datagrams to 10 listed addresses"
    );
}

/// Attack 7: A gossip whose re-encoding would not fit in a datagram is refused
/// with its own reason instead of failing on every forward; publishing one
/// is an error.
#[test]
fn gossip_that_would_not_fit_when_forwarded_is_refused() {
    let mut sim = formed(0);
    let huge = Arc::new(Gossip {
        topic: "news".into(),
        data: "\u{7f}".repeat(60_000),
        origin_id: NodeId(0x0616),
        origin_timestamp_ms: 0,
    });
    let me = NodeId(0xd31);
    let m = message(me, attacker(4), 8, Body::Gossip(huge));
    let bytes = codec::encode(&m);
    assert!(bytes.len() > codec::MAX_DATAGRAM, "escaped, it is too big");
    // The attacker sends the DEL characters raw (valid JSON, 60 KB).
    let raw = String::from_utf8(bytes)
        .unwrap()
        .replace("\\u007f", "\u{7f}")
        .into_bytes();
    assert!(raw.len() < codec::MAX_DATAGRAM);
    sim.inject(attacker(4), 0, raw);
    sim.run_for_ms(500.0);
    assert_eq!(rejections(&mut sim, 0, RejectReason::TooLargeToForward), 1);
    assert_eq!(sim.node(0).unwrap().stats().delivered, 0);

    let fits = "\u{7f}".repeat(10_231);
    let id = sim.publish(0, &fits).expect("61 KB escaped still fits");
    sim.run_for_ms(1_000.0);
    assert!(sim.collector().delivered(id) >= NODES as usize - 1);
    assert!(sim.publish(0, &"\u{7f}".repeat(11_000)).is_none());
}

/// Attack 8: A wire ttl above the node's own is clamped; hop counts cannot overflow.
#[test]
fn wire_ttl_is_clamped_to_the_configured_ttl() {
    let mut sim = formed(0);
    for (n, ttl) in [(1u128, u32::MAX), (2, 0)] {
        let g = Arc::new(Gossip {
            topic: "news".into(),
            data: format!("ttl {ttl}"),
            origin_id: NodeId(0x77),
            origin_timestamp_ms: 0,
        });
        let mut m = message(NodeId(0x1000 + n), attacker(5), ttl, Body::Gossip(g));
        m.msg_id = MsgId(0x7711 + n);
        send(&mut sim, attacker(5), 0, &m);
    }
    sim.run_for_ms(2_000.0);
    let ttl = Config::default().ttl;
    let hops: Vec<(u32, u32)> = sim
        .take_trace()
        .iter()
        .filter_map(|r| match r.kind {
            TraceKind::Deliver { node, hops, .. } => Some((node, hops)),
            _ => None,
        })
        .collect();
    assert!(hops.iter().filter(|(node, _)| *node == 0).count() == 2);
    for (node, h) in hops {
        assert!((1..=ttl + 1).contains(&h), "node {node}: hops {h}");
    }
}

/// Attack 9: Bootstrap never gives up: joiners that started while the seed was
/// down join once it is up, and a node whose table emptied joins again.
#[test]
fn bootstrap_retries_until_the_seed_is_up_and_after_the_table_empties() {
    let mut sim = Simulator::new(Scenario {
        nodes: 4,
        seed: 3,
        schedule: vec![
            Scheduled {
                at_ms: 0.0,
                action: Action::Crash { node: 0 },
            },
            Scheduled {
                at_ms: 60_000.0,
                action: Action::Restart { node: 0 },
            },
        ],
        ..Scenario::default()
    });
    sim.run_for_ms(59_000.0);
    assert!((1..4).all(|i| sim.node(i).unwrap().peers().is_empty()));
    sim.run_for_ms(40_000.0);
    let seed = sim.node(0).unwrap().id();
    assert!((1..4).all(|i| sim.knows(i, seed)), "everyone joined late");

    for i in [0, 2, 3] {
        sim.crash(i);
    }
    sim.run_for_ms(20_000.0);
    assert!(sim.node(1).unwrap().peers().is_empty(), "table emptied");
    sim.restart(0);
    sim.run_for_ms(40_000.0);
    assert!(sim.knows(1, sim.node(0).unwrap().id()), "joined again");
}

/// Attack 10: Joining behaves the same at every difficulty: Sybil identities that
/// get in spread into as many honest tables at k = 2 as at k = 0, so the
/// Sybil demo compares only what k changes (the cost of an identity).
#[test]
fn joining_is_the_same_at_every_difficulty() {
    let held = |pow_k: u32| {
        let mut sim = Simulator::new(Scenario {
            nodes: 20,
            seed: 5,
            node: Config {
                pow_k,
                ..Config::default()
            },
            ..Scenario::default()
        });
        sim.run_for_ms(5_000.0);
        for i in 0..6u128 {
            let id = NodeId(0x5b11_0000 | i);
            let proof = (pow_k > 0).then(|| pow::solve(id.to_hex().as_str(), pow_k));
            sim.add_node(Newcomer::new(id, (i % 20) as u32, proof))
                .unwrap();
        }
        sim.run_for_ms(10_000.0);
        (0..6u128)
            .map(|i| sim.holders_of(NodeId(0x5b11_0000 | i), 0..20))
            .sum::<u32>()
    };
    let (open, gated) = (held(0), held(2));
    assert!(open >= 12, "identities spread at k = 0 ({open})");
    let ratio = f64::from(gated) / f64::from(open);
    assert!(
        (0.75..=1.33).contains(&ratio),
        "k = 0: {open} honest entries, k = 2: {gated}"
    );
}

/// Events report every refusal, and the node's state stays as it was.
#[test]
fn refusals_are_events() {
    let t0 = Time::from_millis(1_700_000_000_000);
    let mut node = Node::new(Config::default(), t0);
    let list = message(NodeId(1), attacker(1), 0, Body::PeersList { peers: vec![] });
    node.handle_message(t0, attacker(1), list);
    let events: Vec<Event> = std::iter::from_fn(|| node.poll_event()).collect();
    assert!(matches!(
        events.as_slice(),
        [Event::Rejected {
            reason: RejectReason::UnsolicitedPeersList,
            ..
        }]
    ));
    assert!(node.peers().is_empty() && node.poll_transmit().is_none());
}
