//! Joining, liveness and shutdown.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use crate::common::{datagram, of_kind, start_overlay, test_dir, wait_for_peers, Proc};

#[test]
fn three_nodes_each_know_the_other_two() {
    let dir = test_dir("bootstrap3");
    let nodes = start_overlay(&dir, 3, &["--ping-interval", "0.2", "--peer-timeout", "3"]);
    wait_for_peers(&nodes, 2, Duration::from_secs(10));
    for (i, n) in nodes.iter().enumerate() {
        let others: Vec<String> = nodes
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, o)| o.id.clone())
            .collect();
        let peers = n.peers();
        for other in &others {
            assert!(
                peers.contains(other),
                "{} does not know {other}: {peers:?}",
                n.name
            );
        }
        assert!(!peers.contains(&n.id), "{} lists itself", n.name);
    }
    // Both joiners report a successful bootstrap.
    for n in &nodes[1..] {
        assert_eq!(
            of_kind(&n.lines(), "joined").len(),
            1,
            "{} joined once",
            n.name
        );
    }
}

#[test]
fn a_killed_node_is_removed_after_peer_timeout() {
    let dir = test_dir("dead");
    let mut nodes = start_overlay(
        &dir,
        3,
        &["--ping-interval", "0.2", "--peer-timeout", "0.6"],
    );
    wait_for_peers(&nodes, 2, Duration::from_secs(10));
    let dead = nodes.pop().expect("three nodes");
    let dead_id = dead.id.clone();
    let killed_at = Instant::now();
    drop(dead); // SIGKILL
    for n in &nodes {
        let lines = n.wait_for("the dead peer's removal", Duration::from_secs(10), |l| {
            of_kind(l, "peer_removed")
                .iter()
                .any(|e| e["peer"] == dead_id.as_str())
        });
        let removal = of_kind(&lines, "peer_removed")
            .into_iter()
            .find(|e| e["peer"] == dead_id.as_str())
            .expect("removal event")
            .clone();
        assert!(
            removal["silent_ms"].as_u64().expect("silent_ms") >= 600,
            "removed before peer_timeout: {removal}"
        );
        assert!(
            !n.peers().contains(&dead_id),
            "{} still lists the dead node",
            n.name
        );
        assert!(
            n.log_text().contains("peer removed as dead"),
            "{} did not log the removal",
            n.name
        );
    }
    assert!(killed_at.elapsed() >= Duration::from_millis(600));
    // The survivors still know each other.
    assert!(nodes[0].peers().contains(&nodes[1].id));
    assert!(nodes[1].peers().contains(&nodes[0].id));
}

#[test]
fn closed_stdin_keeps_the_node_running_and_sigterm_ends_it_cleanly() {
    let dir = test_dir("sigterm");
    let mut node = Proc::start(&dir, "node", &[]);
    node.close_stdin();
    // Still answering after standard input closed: a PING gets its PONG.
    let probe = UdpSocket::bind("127.0.0.1:0").expect("bind");
    probe
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let ping = datagram(
        "PING",
        "0123456789abcdef0123456789abcdef",
        probe.local_addr().expect("addr"),
        r#"{"ping_id": "p1", "seq": 7}"#,
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buf = [0u8; 65_536];
    let pong = loop {
        assert!(Instant::now() < deadline, "no PONG after stdin closed");
        probe.send_to(ping.as_bytes(), node.addr).expect("send");
        if let Ok((n, _)) = probe.recv_from(&mut buf) {
            break String::from_utf8_lossy(&buf[..n]).into_owned();
        }
    };
    assert!(pong.contains(r#""msg_type": "PONG""#), "{pong}");
    assert!(
        pong.contains(r#""ping_id": "p1""#) && pong.contains(r#""seq": 7"#),
        "{pong}"
    );
    assert!(node.is_running());

    let status = node.terminate(Duration::from_secs(10));
    assert!(status.success(), "exit status {status}");
    assert!(
        node.log_text().contains("final stats"),
        "{}",
        node.log_text()
    );
    let stopped = of_kind(&node.lines(), "stopped").len();
    assert_eq!(stopped, 1, "one stopped record");
}

#[test]
fn a_config_file_sets_parameters_and_flags_win() {
    let dir = test_dir("config");
    let path = dir.join("node.toml");
    std::fs::write(&path, "mode = \"hybrid\"\nfanout = 5\nttl = 4\n").expect("write config");
    let node = Proc::start(
        &dir,
        "node",
        &[
            "--config",
            path.to_str().expect("utf-8 path"),
            "--fanout",
            "2",
        ],
    );
    let started = node
        .lines()
        .into_iter()
        .find(|l| l["event"] == "started")
        .expect("started");
    assert_eq!(started["mode"], "hybrid");
    assert_eq!(started["ttl"], 4);
    assert_eq!(started["fanout"], 2);
}
