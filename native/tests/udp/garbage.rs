//! Garbage and spoofed datagrams are refused without harm.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use crate::common::{
    datagram, holders, of_kind, random_hex, start_overlay, test_dir, wait_for_peers, Proc, STABLE,
};

const FAKE_ID: &str = "00112233445566778899aabbccddeeff";

#[test]
fn garbage_is_rejected_and_the_node_still_delivers() {
    let dir = test_dir("garbage");
    let mut nodes = start_overlay(&dir, 2, &STABLE);
    wait_for_peers(&nodes, 1, Duration::from_secs(10));
    let target = nodes[0].addr;
    let attacker = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let me = attacker.local_addr().expect("addr");

    let mut blob_json = datagram("GOSSIP", FAKE_ID, me, r#"{"topic": "news", "data": "x"}"#);
    blob_json = blob_json.replace(r#""msg_type": "GOSSIP""#, r#""msg_type": "SHOUT""#);
    blob_json.insert_str(1, &format!(r#""padding": "{}", "#, "y".repeat(60_000)));
    let garbage: Vec<(Vec<u8>, &str)> = vec![
        (b"hello, is this json?".to_vec(), "not_json"),
        (vec![0xff, 0xfe, 0x00, 0x9f, 0x92, 0x96], "not_utf8"),
        (b"[1, 2, 3]".to_vec(), "malformed"),
        (
            br#"{"version": 1, "msg_type": "GOSSIP", "msg_id": 5, "sender_id": [], "payload": "no"}"#
                .to_vec(),
            "malformed",
        ),
        (datagram("SHOUT", FAKE_ID, me, "{}").into_bytes(), "unknown_type"),
        (vec![b'z'; 60_000], "not_json"),
        (blob_json.into_bytes(), "unknown_type"),
        (
            datagram("GOSSIP", FAKE_ID, me, r#"{"data": 42}"#).into_bytes(),
            "malformed",
        ),
    ];
    for (bytes, _) in &garbage {
        attacker.send_to(bytes, target).expect("send garbage");
    }
    let lines = nodes[0].wait_for(
        "every garbage datagram's rejection",
        Duration::from_secs(10),
        |l| {
            of_kind(l, "rejected")
                .iter()
                .filter(|e| e["from"] == me.to_string().as_str())
                .count()
                >= garbage.len()
        },
    );
    let reasons: Vec<&str> = of_kind(&lines, "rejected")
        .iter()
        .filter(|e| e["from"] == me.to_string().as_str())
        .map(|e| e["reason"].as_str().unwrap_or("?"))
        .collect();
    for (_, reason) in &garbage {
        assert!(
            reasons.contains(reason),
            "no {reason} rejection in {reasons:?}"
        );
    }
    assert!(nodes[0].is_running(), "the node died on garbage");
    assert!(nodes[0].log_text().contains("rejected input"));

    nodes[0].publish("still alive");
    let published = nodes[0].wait_for("publication", Duration::from_secs(5), |l| {
        !of_kind(l, "published").is_empty()
    });
    let msg_id = of_kind(&published, "published")[0]["msg_id"]
        .as_str()
        .expect("msg_id")
        .to_owned();
    nodes[1].wait_for("delivery after garbage", Duration::from_secs(5), |l| {
        of_kind(l, "delivered")
            .iter()
            .any(|e| e["msg_id"] == msg_id.as_str())
    });
    assert_eq!(holders(&nodes, &msg_id), 2);
}

/// Sends GET_PEERS claiming to come from `victim` and returns what `victim` got.
fn spoof_get_peers(node: &Proc, victim: &UdpSocket, times: usize) -> Option<String> {
    let attacker = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let claimed = victim.local_addr().expect("addr");
    for _ in 0..times {
        let spoof = datagram("GET_PEERS", &random_hex(), claimed, r#"{"max_peers": 20}"#);
        attacker.send_to(spoof.as_bytes(), node.addr).expect("send");
    }
    let me = attacker.local_addr().expect("addr").to_string();
    // Wait until the node has handled all of them, one way or the other.
    node.wait_for("the spoofed datagrams", Duration::from_secs(10), |l| {
        of_kind(l, "recv")
            .iter()
            .filter(|e| e["from"] == me.as_str())
            .count()
            >= times
    });
    victim.set_nonblocking(true).expect("nonblocking");
    let deadline = Instant::now() + Duration::from_millis(500);
    let mut buf = [0u8; 65_536];
    while Instant::now() < deadline {
        if let Ok((n, _)) = victim.recv_from(&mut buf) {
            return Some(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

#[test]
fn spoofed_sender_addr_is_refused_and_logged_once_per_source() {
    let dir = test_dir("spoof");
    let node = Proc::start(&dir, "node", &STABLE);
    let victim = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let got = spoof_get_peers(&node, &victim, 3);
    assert_eq!(got, None, "the node answered a third party");
    let lines = node.lines();
    let spoofed = of_kind(&lines, "rejected")
        .into_iter()
        .filter(|e| e["reason"] == "spoofed_sender")
        .count();
    assert_eq!(spoofed, 3, "every spoofed datagram is counted");
    assert!(
        of_kind(&lines, "send").is_empty(),
        "the node sent something"
    );
    let logged = node.log_text().matches("rejected spoofed sender").count();
    assert_eq!(logged, 1, "logged once per source:\n{}", node.log_text());
}

#[test]
fn trust_sender_addr_turns_the_check_off() {
    let dir = test_dir("trust");
    let node = Proc::start(&dir, "node", &["--trust-sender-addr"]);
    let victim = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let got = spoof_get_peers(&node, &victim, 1).expect("answer sent to the claimed address");
    assert!(got.contains(r#""msg_type": "PEERS_LIST""#), "{got}");
}
