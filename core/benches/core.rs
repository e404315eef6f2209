//! `cargo bench -p gossip-core`: codec, node hot path, proof-of-work rate, and
//! the simulator's events per second on a 100 000-node broadcast.
#![allow(missing_docs)] // criterion_group! generates an undocumented function.

use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use gossip_core::message::{Body, Gossip, Message};
use gossip_core::{codec, pow, Config, MsgId, Node, NodeId, Time};

const NOW: Time = Time::from_millis(1_700_000_000_000);

fn sample_gossip(id: u128) -> Message {
    Message {
        msg_id: MsgId(id),
        sender_id: NodeId(0xfeed_beef),
        sender_addr: SocketAddr::from(([127, 0, 0, 1], 9001)),
        timestamp_ms: NOW.as_millis(),
        ttl: 7,
        body: Body::Gossip(Arc::new(Gossip {
            topic: "news".into(),
            data: "the quick brown fox jumps over the lazy dog".into(),
            origin_id: NodeId(0xabcd),
            origin_timestamp_ms: NOW.as_millis(),
        })),
    }
}

fn codec_benches(c: &mut Criterion) {
    let message = sample_gossip(0x1234);
    let bytes = codec::encode(&message);
    let mut group = c.benchmark_group("codec");
    group.throughput(Throughput::Elements(1));
    group.bench_function("decode_gossip", |b| {
        b.iter(|| codec::decode(black_box(&bytes)))
    });
    let mut buf = Vec::with_capacity(512);
    group.bench_function("encode_gossip", |b| {
        b.iter(|| {
            buf.clear();
            codec::encode_into(black_box(&message), &mut buf);
        })
    });
    group.finish();
}

fn node_benches(c: &mut Criterion) {
    let config = Config {
        addr: SocketAddr::from(([127, 0, 0, 1], 9000)),
        ..Config::default()
    };
    let mut node = Node::new(config, NOW);
    for i in 0..20u16 {
        let peer = SocketAddr::from(([127, 0, 0, 1], 9100 + i));
        let hello = Message {
            msg_id: MsgId(u128::from(i)),
            sender_id: NodeId(1_000 + u128::from(i)),
            sender_addr: peer,
            timestamp_ms: NOW.as_millis(),
            ttl: 0,
            body: Body::Hello(Default::default()),
        };
        node.handle_message(NOW, peer, hello);
    }
    let from = SocketAddr::from(([127, 0, 0, 1], 9001));
    let mut next_id: u128 = 1 << 100;
    let mut out = Vec::with_capacity(512);
    let mut group = c.benchmark_group("node");
    group.throughput(Throughput::Elements(1));
    group.bench_function("handle_datagram_new_gossip_and_forward", |b| {
        b.iter_batched(
            || {
                next_id += 1;
                codec::encode(&sample_gossip(next_id))
            },
            |bytes| {
                node.handle_datagram(NOW, from, &bytes);
                while node.poll_datagram(&mut out).is_some() {}
                while node.poll_event().is_some() {}
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn pow_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("pow");
    const BATCH: u64 = 100_000;
    group.throughput(Throughput::Elements(BATCH));
    group.bench_function("sha256_attempts", |b| {
        b.iter(|| {
            // Difficulty 64 is never met, so every call makes exactly BATCH attempts.
            let mut solver = pow::Solver::new("5f2b1c9e8d7a6b5c4d3e2f1a0b9c8d7e", 64);
            black_box(solver.step(BATCH))
        })
    });
    group.finish();
}

/// One broadcast on 100 000 nodes, random-regular degree 20, fanout 3, ttl
/// 20 (as `gossip sim --nodes 100000 --overlay random-regular --degree 20
/// --fanout 3 --ttl 20`), building the overlay included; throughput is in
/// simulator events, so criterion reports events/s.
fn sim_benches(c: &mut Criterion) {
    use gossip_core::sim::{Overlay, Scenario, Simulator};
    let scenario = Scenario {
        nodes: 100_000,
        overlay: Overlay::RandomRegular { degree: 20 },
        node: Config {
            fanout: 3,
            ttl: 20,
            ..Config::default()
        },
        trace: false,
        ..Scenario::default()
    };
    let broadcast = || {
        let mut sim = Simulator::new(scenario.clone());
        let id = sim.publish(1, "bench").expect("node 1 runs");
        sim.run_until_quiescent(id, 60_000.0);
        sim
    };
    let events = broadcast().events_processed();
    let mut group = c.benchmark_group("sim");
    group.sample_size(10);
    group.throughput(Throughput::Elements(events));
    group.bench_function("broadcast_100k_random_regular_20", |b| {
        b.iter_with_large_drop(broadcast)
    });
    group.finish();
}

criterion_group!(
    benches,
    codec_benches,
    node_benches,
    pow_benches,
    sim_benches
);
criterion_main!(benches);
