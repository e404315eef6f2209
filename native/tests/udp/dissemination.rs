//! Ten nodes spread one gossip, in push and in hybrid mode.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::common::{holders, of_kind, start_overlay, test_dir, wait_for_overlay, STABLE};

const N: usize = 10;
/// Messages sent within this window after the publication are counted.
const WINDOW_MS: u64 = 1_500;

struct Outcome {
    holders: usize,
    /// Datagrams sent by all nodes in the window, by msg_type.
    sent: BTreeMap<String, u64>,
}

impl Outcome {
    fn of(&self, t: &str) -> u64 {
        self.sent.get(t).copied().unwrap_or(0)
    }
}

/// Runs ten nodes, publishes one gossip from node 0 and waits until it reached
/// `want` nodes (or 10 s passed) and the counting window closed.
fn ten_nodes(name: &str, mode: &str, want: usize) -> Outcome {
    let dir = test_dir(name);
    let mut args = vec!["--mode", mode, "--pull-interval", "0.3"];
    args.extend_from_slice(&STABLE);
    let mut nodes = start_overlay(&dir, N, &args);
    wait_for_overlay(&nodes, 3, Duration::from_secs(15));
    nodes[0].publish("hello ten nodes");
    let published = nodes[0].wait_for("the publication", Duration::from_secs(5), |l| {
        !of_kind(l, "published").is_empty()
    });
    let published = of_kind(&published, "published")[0].clone();
    let msg_id = published["msg_id"].as_str().expect("msg_id").to_owned();
    let t0 = published["ts_ms"].as_u64().expect("ts_ms");

    let deadline = Instant::now() + Duration::from_secs(10);
    let window_end = Instant::now() + Duration::from_millis(WINDOW_MS);
    while (holders(&nodes, &msg_id) < want && Instant::now() < deadline)
        || Instant::now() < window_end
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut sent = BTreeMap::new();
    for n in &nodes {
        for l in n.lines() {
            let ts = l["ts_ms"].as_u64().unwrap_or(0);
            if l["event"] == "send" && ts >= t0 && ts <= t0 + WINDOW_MS {
                let t = l["msg_type"].as_str().unwrap_or("?").to_owned();
                *sent.entry(t).or_insert(0) += 1;
            }
        }
        // Every delivery of this gossip carries the same id and a sane hop count.
        for d in of_kind(&n.lines(), "delivered") {
            assert_eq!(d["msg_id"], msg_id.as_str());
            assert_eq!(d["data"], "hello ten nodes");
            let hops = d["hops"].as_u64().expect("hops");
            assert!((1..=8).contains(&hops), "hops {hops}");
        }
    }
    let outcome = Outcome {
        holders: holders(&nodes, &msg_id),
        sent,
    };
    assert!(
        nodes[1..]
            .iter()
            .any(|n| n.log_text().contains("new gossip received")),
        "no delivery logged"
    );
    outcome
}

#[test]
fn push_reaches_at_least_eight_of_ten() {
    // Push is probabilistic and real ids and timing differ every run: the
    // original's own table gives 98 % ± 4 % at N = 10, and 8 of 10 was seen
    // in one of eight full runs here. Hybrid below must reach all ten.
    let o = ten_nodes("push10", "push", N - 1);
    assert!(o.holders >= 8, "push reached {} of {N}", o.holders);
    assert_eq!(
        o.of("IHAVE") + o.of("IWANT"),
        0,
        "push sent pull messages: {:?}",
        o.sent
    );
}

#[test]
fn hybrid_reaches_all_ten() {
    let o = ten_nodes("hybrid10", "hybrid", N);
    assert_eq!(o.holders, N, "hybrid reached {} of {N}", o.holders);
    assert!(o.of("IHAVE") > 0, "hybrid sent no IHAVE: {:?}", o.sent);
}

#[test]
fn push_and_hybrid_message_counts() {
    let push = std::thread::spawn(|| ten_nodes("count-push", "push", N - 1));
    let hybrid = ten_nodes("count-hybrid", "hybrid", N);
    let push = push.join().expect("push run");
    println!("push:   {:?}", push.sent);
    println!("hybrid: {:?}", hybrid.sent);
    // Push: every node forwards a gossip at most once, to at most fanout peers.
    assert!(push.of("GOSSIP") >= 3, "{:?}", push.sent);
    assert!(push.of("GOSSIP") <= 3 * N as u64, "{:?}", push.sent);
    assert_eq!(push.of("IHAVE") + push.of("IWANT"), 0);
    // Hybrid: the same push, plus IHAVE rounds (and IWANT plus pulled copies for
    // whatever push missed), so it costs more messages than push.
    assert!(hybrid.of("IHAVE") >= 3, "{:?}", hybrid.sent);
    assert!(
        hybrid.of("GOSSIP") <= 3 * N as u64 + hybrid.of("IWANT") * 32,
        "{:?}",
        hybrid.sent
    );
    let without_pings = |o: &Outcome| o.sent.values().sum::<u64>() - o.of("PING") - o.of("PONG");
    assert!(
        without_pings(&hybrid) > without_pings(&push),
        "hybrid {:?} vs push {:?}",
        hybrid.sent,
        push.sent
    );
}
