//! The hardening issue's attacks, played against real `gossip` processes on
//! loopback from an attacker's own UDP socket.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use gossip_core::pow;
use serde_json::Value;

use crate::common::{
    datagram, of_kind, random_hex, start_overlay, test_dir, wait_for_overlay, Proc, STABLE,
};

/// Everything `socket` receives within `window`, as (msg_type, bytes).
fn received(socket: &UdpSocket, window: Duration) -> Vec<(String, usize)> {
    socket
        .set_read_timeout(Some(Duration::from_millis(50)))
        .expect("timeout");
    let deadline = Instant::now() + window;
    let mut got = Vec::new();
    let mut buf = vec![0u8; 65_536];
    while Instant::now() < deadline {
        if let Ok((n, _)) = socket.recv_from(&mut buf) {
            let msg: Value = serde_json::from_slice(&buf[..n]).unwrap_or(Value::Null);
            got.push((msg["msg_type"].as_str().unwrap_or("?").to_owned(), n));
        }
    }
    got
}

fn attacker() -> (UdpSocket, SocketAddr) {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let addr = socket.local_addr().expect("addr");
    (socket, addr)
}

/// Publishes `text` at `node` and returns the gossip's id.
fn publish(node: &mut Proc, text: &str) -> String {
    let before = of_kind(&node.lines(), "published").len();
    node.publish(text);
    let lines = node.wait_for("the publication", Duration::from_secs(10), |l| {
        of_kind(l, "published").len() > before
    });
    of_kind(&lines, "published")
        .last()
        .and_then(|e| e["msg_id"].as_str())
        .expect("msg_id")
        .to_owned()
}

fn delivered(node: &Proc, msg_id: &str) {
    node.wait_for("the delivery", Duration::from_secs(10), |l| {
        of_kind(l, "delivered")
            .iter()
            .any(|e| e["msg_id"] == msg_id)
    });
}

fn rejected(node: &Proc, reason: &str) -> usize {
    of_kind(&node.lines(), "rejected")
        .iter()
        .filter(|e| e["reason"] == reason)
        .count()
}

#[test]
fn unsolicited_peers_lists_neither_bypass_proof_of_work_nor_evict() {
    let dir = test_dir("attack-bypass");
    let args = [
        "--pow-k",
        "3",
        "--ping-interval",
        "0.3",
        "--peer-timeout",
        "5",
    ];
    let mut nodes = start_overlay(&dir, 2, &args);
    wait_for_overlay(&nodes, 1, Duration::from_secs(15));
    let (socket, me) = attacker();
    let third = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let third_addr = third.local_addr().expect("addr");
    for _ in 0..21 {
        let payload = format!(
            r#"{{"peers": [{{"node_id": "{}", "addr": "{third_addr}"}}]}}"#,
            random_hex()
        );
        let list = datagram("PEERS_LIST", &random_hex(), me, &payload);
        socket
            .send_to(list.as_bytes(), nodes[0].addr)
            .expect("send");
    }
    nodes[0].wait_for("21 refusals", Duration::from_secs(10), |l| {
        of_kind(l, "rejected")
            .iter()
            .filter(|e| e["reason"] == "unsolicited_peers_list")
            .count()
            >= 21
    });
    let peers = nodes[0].peers();
    assert_eq!(peers.len(), 1, "only the honest joiner: {peers:?}");
    assert!(peers.contains(&nodes[1].id));
    let id = publish(&mut nodes[0], "after the bypass attempt");
    delivered(&nodes[1], &id);
    assert!(received(&socket, Duration::from_millis(300)).is_empty());
    assert!(received(&third, Duration::from_millis(100)).is_empty());
}

#[test]
fn a_replayed_proof_does_not_move_the_joiner() {
    let dir = test_dir("attack-replay");
    let args = [
        "--pow-k",
        "3",
        "--ping-interval",
        "0.3",
        "--peer-timeout",
        "5",
    ];
    let mut nodes = start_overlay(&dir, 2, &args);
    wait_for_overlay(&nodes, 1, Duration::from_secs(15));
    let (socket, me) = attacker();
    let proof = pow::solve(&nodes[1].id, 3);
    let payload = format!(
        r#"{{"capabilities": ["udp", "json"], "pow": {{"hash_alg": "sha256", "difficulty_k": 3, "nonce": {}, "digest_hex": "{}"}}}}"#,
        proof.nonce, proof.digest_hex
    );
    let hello = datagram("HELLO", &nodes[1].id, me, &payload);
    socket
        .send_to(hello.as_bytes(), nodes[0].addr)
        .expect("send");
    nodes[0].wait_for("the conflict", Duration::from_secs(10), |l| {
        of_kind(l, "rejected")
            .iter()
            .any(|e| e["reason"] == "address_conflict")
    });
    let id = publish(&mut nodes[0], "for the real joiner");
    delivered(&nodes[1], &id);
    let got = received(&socket, Duration::from_millis(300));
    assert!(
        got.iter().all(|(t, _)| t != "GOSSIP"),
        "gossip went to the attacker: {got:?}"
    );
}

#[test]
fn pings_claiming_a_killed_peer_do_not_keep_it() {
    let dir = test_dir("attack-ghost");
    let args = [
        "--pow-k",
        "2",
        "--ping-interval",
        "0.3",
        "--peer-timeout",
        "2",
    ];
    let mut nodes = start_overlay(&dir, 2, &args);
    wait_for_overlay(&nodes, 1, Duration::from_secs(15));
    let ghost = nodes[1].id.clone();
    nodes[1].kill();
    let (socket, me) = attacker();
    let start = Instant::now();
    let mut removed = false;
    while start.elapsed() < Duration::from_secs(8) && !removed {
        let ping = datagram(
            "PING",
            &ghost,
            me,
            &format!(r#"{{"ping_id": "{}", "seq": 1}}"#, random_hex()),
        );
        socket
            .send_to(ping.as_bytes(), nodes[0].addr)
            .expect("send");
        std::thread::sleep(Duration::from_millis(250));
        removed = of_kind(&nodes[0].lines(), "peer_removed")
            .iter()
            .any(|e| e["peer"] == ghost.as_str());
    }
    assert!(removed, "the ghost stayed in the table");
    assert!(rejected(&nodes[0], "address_conflict") >= 1);
    assert!(!nodes[0].peers().contains(&ghost));
}

#[test]
fn one_iwant_of_1024_copies_of_an_id_gets_one_gossip() {
    let dir = test_dir("attack-iwant");
    let mut node = Proc::start(&dir, "node", &STABLE);
    let (socket, me) = attacker();
    let stranger_iwant = |ids: &str| {
        datagram(
            "IWANT",
            &random_hex(),
            me,
            &format!(r#"{{"ids": [{ids}]}}"#),
        )
    };

    let id = publish(&mut node, &"x".repeat(60_000));
    let ids = vec![format!("\"{id}\""); 1_024].join(", ");
    socket
        .send_to(stranger_iwant(&ids).as_bytes(), node.addr)
        .expect("send");
    node.wait_for("the stranger's refusal", Duration::from_secs(10), |l| {
        of_kind(l, "rejected")
            .iter()
            .any(|e| e["reason"] == "not_a_peer")
    });

    let my_id = random_hex();
    let hello = datagram("HELLO", &my_id, me, r#"{"capabilities": ["udp", "json"]}"#);
    socket.send_to(hello.as_bytes(), node.addr).expect("send");
    node.wait_for("the attacker as a peer", Duration::from_secs(10), |l| {
        of_kind(l, "peer_added")
            .iter()
            .any(|e| e["peer"] == my_id.as_str())
    });
    let request = datagram("IWANT", &my_id, me, &format!(r#"{{"ids": [{ids}]}}"#));
    socket.send_to(request.as_bytes(), node.addr).expect("send");
    let got = received(&socket, Duration::from_millis(800));
    let gossip: Vec<usize> = got
        .iter()
        .filter(|(t, _)| t == "GOSSIP")
        .map(|(_, n)| *n)
        .collect();
    assert_eq!(gossip.len(), 1, "{got:?}");
    assert!(
        gossip[0] <= 2 * request.len(),
        "{} bytes out for {} in",
        gossip[0],
        request.len()
    );
}

#[test]
fn fifty_thousand_garbage_datagrams_add_well_under_a_megabyte_of_log() {
    let dir = test_dir("attack-logs");
    let node = Proc::start(&dir, "node", &STABLE);
    let (socket, _) = attacker();
    let before = node.log_text().len();
    for i in 0..50_000u32 {
        let _ = socket.send_to(&[b'!' + (i % 64) as u8], node.addr);
        if i % 5_000 == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let forged = "\\n2099-01-01T00:00:00Z  INFO FAKE peer added\\u001b[31m";
    let gossip = datagram(
        "GOSSIP",
        &random_hex(),
        socket.local_addr().expect("addr"),
        &format!(r#"{{"topic": "news", "data": "{forged}"}}"#),
    );
    // The flood overflows the socket's receive buffer; resend the gossip
    // until it gets through.
    let deadline = Instant::now() + Duration::from_secs(20);
    while of_kind(&node.lines(), "delivered").is_empty() {
        assert!(Instant::now() < deadline, "the forged gossip never arrived");
        socket.send_to(gossip.as_bytes(), node.addr).expect("send");
        std::thread::sleep(Duration::from_millis(200));
    }
    let log = node.log_text();
    let grown = log.len() - before;
    assert!(grown < 200_000, "{grown} bytes of log for 50 000 datagrams");
    assert!(!log.contains('\u{1b}'), "raw ESC in the log");
    assert!(
        !log.lines().any(|l| l.starts_with("2099-01-01")),
        "a forged log line"
    );
}
