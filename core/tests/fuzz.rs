//! A stable-Rust fuzz target over `decode` and `Node::handle_datagram`:
//! datagrams grown from the original's own bytes (the fixtures), mutated
//! byte-wise and field-wise, fed to nodes with and without proof of work.
//! Nothing may panic (debug builds check every arithmetic overflow), and the
//! node's bounds must hold after every datagram.
//!
//! `GOSSIP_FUZZ_CASES` sets the number of cases (default 300); `scripts/test.sh`
//! runs a longer, still bounded, campaign. Native only: proptest is a
//! native dev-dependency (the wasm32 run covers the same code through the
//! other tests).
#![cfg(not(target_arch = "wasm32"))]

use std::net::SocketAddr;

use gossip_core::{codec, Config, Node, Time};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};

const FIXTURES: &str = include_str!("fixtures/python_json_dumps.jsonl");

/// Values that break naive arithmetic and parsers.
const NASTY: [&str; 12] = [
    "0",
    "-1",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "1e308",
    "null",
    "\"\\u0000\\n\\u001b[31m\"",
    "[]",
    "{}",
    "\"127.0.0.1:0\"",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, byte: u8 },
    Cut { at: usize },
    Splice { at: usize, nasty: usize },
    Repeat { at: usize, len: usize, times: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip { at, byte }),
        any::<usize>().prop_map(|at| Mutation::Cut { at }),
        (any::<usize>(), 0..NASTY.len()).prop_map(|(at, nasty)| Mutation::Splice { at, nasty }),
        (any::<usize>(), 1usize..64, 1usize..200).prop_map(|(at, len, times)| Mutation::Repeat {
            at,
            len,
            times
        }),
    ]
}

fn apply(mut bytes: Vec<u8>, m: &Mutation) -> Vec<u8> {
    let n = bytes.len().max(1);
    match *m {
        Mutation::Flip { at, byte } => {
            if !bytes.is_empty() {
                bytes[at % n] = byte;
            }
        }
        Mutation::Cut { at } => bytes.truncate(at % n),
        Mutation::Splice { at, nasty } => {
            // Replace the value after a `": "` near `at` with a nasty one.
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let mut from = (at % n).min(text.len());
            while !text.is_char_boundary(from) {
                from -= 1;
            }
            if let Some(start) = text[from..].find(": ") {
                let start = from + start + 2;
                let end = text[start..]
                    .find([',', '}'])
                    .map_or(text.len(), |e| start + e);
                let mut out = text[..start].to_owned();
                out.push_str(NASTY[nasty]);
                out.push_str(&text[end..]);
                bytes = out.into_bytes();
            }
        }
        Mutation::Repeat { at, len, times } => {
            let from = at % n;
            let to = (from + len).min(bytes.len());
            let chunk = bytes[from..to].to_vec();
            for _ in 0..times {
                bytes.splice(to..to, chunk.iter().copied());
            }
        }
    }
    bytes
}

fn node(pow_k: u32) -> Node {
    Node::new(
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 9_000)),
            bootstrap: Some(SocketAddr::from(([127, 0, 0, 1], 9_001))),
            peer_limit: 4,
            pow_k,
            ..Config::default()
        },
        Time::from_millis(1_700_000_000_000),
    )
}

#[test]
fn mutated_datagrams_never_panic_and_bounds_hold() {
    let fixtures: Vec<&str> = FIXTURES.lines().filter(|l| !l.is_empty()).collect();
    let cases = std::env::var("GOSSIP_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let mut runner = TestRunner::new(RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let strategy = (
        prop::collection::vec(
            (
                0..fixtures.len(),
                prop::collection::vec(mutation(), 0..4),
                0u16..3,
            ),
            1..12,
        ),
        0u32..3,
    );
    runner
        .run(&strategy, |(datagrams, pow_k)| {
            let mut n = node(pow_k);
            let mut now = Time::from_millis(1_700_000_000_000);
            for (i, (fixture, mutations, port)) in datagrams.iter().enumerate() {
                let bytes = mutations
                    .iter()
                    .fold(fixtures[*fixture].as_bytes().to_vec(), apply);
                let from = SocketAddr::from(([127, 0, 0, 1], 9_001 + port));
                let decoded = codec::decode(&bytes);
                n.handle_datagram(now, from, &bytes);
                let mut out = 0usize;
                while n.poll_transmit().is_some() {
                    out += 1;
                }
                while n.poll_event().is_some() {}
                prop_assert!(out <= 64, "datagram {i} caused {out} sends");
                prop_assert!(n.peers().len() <= 4);
                if decoded.is_err() {
                    prop_assert_eq!(out, 0, "a refused datagram is never answered");
                }
                now += core::time::Duration::from_millis(700);
                n.handle_timeout(now);
                while n.poll_transmit().is_some() {}
                while n.poll_event().is_some() {}
            }
            Ok(())
        })
        .expect("no panic, bounds hold");
}
