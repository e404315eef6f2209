//! Wire format: the original's exact bytes, strict field checks, malformed input.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::sync::Arc;

use gossip_core::codec::{self, DEFAULT_MAX_PEERS, MAX_DATAGRAM, MAX_LIST};
use gossip_core::message::{Body, Gossip, Message, MsgType, PeerInfo, Ping};
use gossip_core::{DecodeError, IdError, MsgId, NodeId, RejectReason};
use serde_json::Value;

/// Lines written by Python's `json.dumps` for one message of each type.
const PYTHON_FIXTURES: &str = include_str!("fixtures/python_json_dumps.jsonl");

fn fixtures() -> Vec<&'static str> {
    PYTHON_FIXTURES.lines().collect()
}

fn id(s: &str) -> NodeId {
    s.parse().unwrap()
}

#[test]
fn python_fixtures_decode_to_the_right_values() {
    let all = fixtures();
    assert_eq!(all.len(), 9);
    let msgs: Vec<Message> = all
        .iter()
        .map(|l| codec::decode(l.as_bytes()).unwrap())
        .collect();
    for m in &msgs {
        assert_eq!(
            m.msg_id,
            "9f8e7d6c5b4a39281706f5e4d3c2b1a0".parse().unwrap()
        );
        assert_eq!(m.sender_id, id("0123456789abcdef0123456789abcdef"));
        assert_eq!(m.sender_addr, "127.0.0.1:9001".parse().unwrap());
        assert_eq!(m.timestamp_ms, 1_700_000_000_123);
    }
    let Body::Hello(hello) = &msgs[0].body else {
        panic!("HELLO expected")
    };
    assert_eq!(*hello.capabilities, ["udp", "json"]);
    let pow = hello.pow.as_ref().unwrap();
    assert_eq!(
        (pow.hash_alg.as_str(), pow.difficulty_k, pow.nonce),
        ("sha256", 3, 10_308)
    );
    let Body::Hello(no_pow) = &msgs[1].body else {
        panic!("HELLO expected")
    };
    assert!(no_pow.pow.is_none());
    assert_eq!(msgs[2].body, Body::GetPeers { max_peers: 20 });
    assert_eq!(
        msgs[3].body,
        Body::PeersList {
            peers: vec![
                PeerInfo {
                    node_id: id("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
                    addr: "127.0.0.1:9000".parse().unwrap()
                },
                PeerInfo {
                    node_id: id("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
                    addr: "127.0.0.1:9002".parse().unwrap()
                },
            ]
        }
    );
    assert_eq!(msgs[4].ttl, 7);
    assert_eq!(
        msgs[4].body,
        Body::Gossip(Arc::new(Gossip {
            topic: "news".into(),
            data: "héllo \"class\"\n✓ 🚀".into(),
            origin_id: id("cccccccccccccccccccccccccccccccc"),
            origin_timestamp_ms: 1_700_000_000_000,
        }))
    );
    let ping = Ping {
        ping_id: "dddddddddddddddddddddddddddddddd".into(),
        seq: 4,
    };
    assert_eq!(msgs[5].body, Body::Ping(ping.clone()));
    assert_eq!(msgs[6].body, Body::Pong(ping));
    let e: MsgId = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee".parse().unwrap();
    let f: MsgId = "ffffffffffffffffffffffffffffffff".parse().unwrap();
    assert_eq!(
        msgs[7].body,
        Body::IHave {
            ids: vec![e, f],
            max_ids: 32
        }
    );
    assert_eq!(msgs[8].body, Body::IWant { ids: vec![e] });
}

#[test]
fn our_encoding_is_byte_identical_to_python_json_dumps() {
    for line in fixtures() {
        let message = codec::decode(line.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(codec::encode(&message)).unwrap(), line);
    }
}

/// The original's field names and JSON types, checked on our own output.
fn check_strict(bytes: &[u8]) {
    let v: Value = serde_json::from_slice(bytes).unwrap();
    let obj = v.as_object().unwrap();
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    let mut expected = vec![
        "version",
        "msg_id",
        "msg_type",
        "sender_id",
        "sender_addr",
        "timestamp_ms",
        "ttl",
        "payload",
    ];
    expected.sort_unstable();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, expected);
    assert_eq!(obj["version"], 1);
    for key in ["msg_id", "sender_id"] {
        let s = obj[key].as_str().unwrap();
        assert!(
            s.len() == 32
                && s.bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }
    assert!(obj["sender_addr"]
        .as_str()
        .unwrap()
        .parse::<std::net::SocketAddr>()
        .is_ok());
    assert!(obj["timestamp_ms"].is_u64() && obj["ttl"].is_u64());
    let p = obj["payload"].as_object().unwrap();
    let fields: Vec<&str> = p.keys().map(String::as_str).collect();
    let is_str = |k: &str| p[k].is_string();
    let is_int = |k: &str| p[k].is_u64();
    match obj["msg_type"].as_str().unwrap() {
        "HELLO" => {
            assert!(p["capabilities"]
                .as_array()
                .unwrap()
                .iter()
                .all(Value::is_string));
            if let Some(pow) = p.get("pow") {
                let pow = pow.as_object().unwrap();
                assert!(pow["hash_alg"].is_string() && pow["digest_hex"].is_string());
                assert!(pow["difficulty_k"].is_u64() && pow["nonce"].is_u64());
                assert_eq!(pow.len(), 4);
            }
        }
        "GET_PEERS" => assert!(fields == ["max_peers"] && is_int("max_peers")),
        "PEERS_LIST" => {
            for peer in p["peers"].as_array().unwrap() {
                let peer = peer.as_object().unwrap();
                assert!(peer.len() == 2 && peer["node_id"].is_string() && peer["addr"].is_string());
            }
        }
        "GOSSIP" => {
            assert_eq!(fields.len(), 4);
            assert!(
                is_str("topic")
                    && is_str("data")
                    && is_str("origin_id")
                    && is_int("origin_timestamp_ms")
            );
        }
        "PING" | "PONG" => assert!(fields.len() == 2 && is_str("ping_id") && is_int("seq")),
        "IHAVE" => assert!(fields.len() == 2 && p["ids"].is_array() && is_int("max_ids")),
        "IWANT" => {
            assert!(fields == ["ids"] && p["ids"].as_array().unwrap().iter().all(Value::is_string))
        }
        other => panic!("unexpected type {other}"),
    }
}

#[test]
fn our_encoding_passes_the_strict_check() {
    for line in fixtures() {
        check_strict(&codec::encode(&codec::decode(line.as_bytes()).unwrap()));
    }
}

#[test]
fn missing_fields_take_the_originals_defaults() {
    let header = r#""msg_id": "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "sender_id": "0123456789abcdef0123456789abcdef", "sender_addr": "127.0.0.1:9001""#;
    let no_payload = format!(r#"{{"msg_type": "GET_PEERS", {header}}}"#);
    let m = codec::decode(no_payload.as_bytes()).unwrap();
    assert_eq!(
        (m.ttl, m.body),
        (
            0,
            Body::GetPeers {
                max_peers: DEFAULT_MAX_PEERS
            }
        )
    );

    let gossip = format!(r#"{{"msg_type": "GOSSIP", {header}, "payload": {{"data": "x"}}}}"#);
    let Body::Gossip(g) = codec::decode(gossip.as_bytes()).unwrap().body else {
        panic!()
    };
    assert_eq!(g.topic, "news");

    let nulls = format!(
        r#"{{"msg_type": "GOSSIP", {header}, "ttl": null, "payload": {{"topic": null, "data": "x", "origin_id": null, "origin_timestamp_ms": null}}}}"#
    );
    let m = codec::decode(nulls.as_bytes()).unwrap();
    let Body::Gossip(g) = &m.body else { panic!() };
    assert_eq!(
        (m.ttl, g.topic.as_str(), g.origin_id, g.origin_timestamp_ms),
        (0, "news", m.sender_id, 0)
    );

    let ping = format!(r#"{{"msg_type": "PING", {header}, "payload": {{"ping_id": "p"}}}}"#);
    let Body::Ping(p) = codec::decode(ping.as_bytes()).unwrap().body else {
        panic!()
    };
    assert_eq!(p.seq, 0);
}

#[test]
fn malformed_inputs_map_to_typed_errors() {
    let h = r#""msg_id": "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "sender_id": "0123456789abcdef0123456789abcdef", "sender_addr": "127.0.0.1:9001""#;
    let long_list = format!(
        r#"{{"msg_type": "IWANT", {h}, "payload": {{"ids": [{}]}}}}"#,
        vec![r#""eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee""#; MAX_LIST + 1].join(", ")
    );
    let long_topic = format!(
        r#"{{"msg_type": "GOSSIP", {h}, "payload": {{"topic": "{}"}}}}"#,
        "t".repeat(300)
    );
    let cases: Vec<(Vec<u8>, DecodeError)> = vec![
        (vec![b' '; MAX_DATAGRAM + 1], DecodeError::TooLarge { len: MAX_DATAGRAM + 1, max: MAX_DATAGRAM }),
        (vec![0xff, 0xfe, b'{'], DecodeError::NotUtf8),
        (b"[1, 2, 3]".to_vec(), DecodeError::NotObject("message")),
        (b"\"HELLO\"".to_vec(), DecodeError::NotObject("message")),
        (format!(r#"{{"msg_type": "SHOUT", {h}}}"#).into_bytes(), DecodeError::UnknownType("SHOUT".into())),
        (format!(r#"{{"msg_type": 7, {h}}}"#).into_bytes(), DecodeError::WrongType { field: "msg_type", expected: "a string" }),
        (format!(r#"{{"version": 2, "msg_type": "PING", {h}}}"#).into_bytes(), DecodeError::UnsupportedVersion(2)),
        (format!(r#"{{"version": "1", "msg_type": "PING", {h}}}"#).into_bytes(), DecodeError::WrongType { field: "version", expected: "an integer" }),
        (br#"{"msg_type": "PING"}"#.to_vec(), DecodeError::MissingField("msg_id")),
        (format!(r#"{{"msg_type": "PING", {h}, "ttl": "8"}}"#).into_bytes(), DecodeError::WrongType { field: "ttl", expected: "an integer" }),
        (format!(r#"{{"msg_type": "PING", {h}, "ttl": -1}}"#).into_bytes(), DecodeError::OutOfRange("ttl")),
        (format!(r#"{{"msg_type": "PING", {h}, "ttl": 1.5}}"#).into_bytes(), DecodeError::WrongType { field: "ttl", expected: "an integer" }),
        (format!(r#"{{"msg_type": "PING", {h}, "ttl": 99999999999}}"#).into_bytes(), DecodeError::OutOfRange("ttl")),
        (format!(r#"{{"msg_type": "PING", {h}, "payload": []}}"#).into_bytes(), DecodeError::NotObject("payload")),
        (
            br#"{"msg_type": "PING", "msg_id": "xyz", "sender_id": "0123456789abcdef0123456789abcdef", "sender_addr": "127.0.0.1:1"}"#.to_vec(),
            DecodeError::BadId { field: "msg_id", source: IdError::Length(3) },
        ),
        (
            br#"{"msg_type": "PING", "msg_id": "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "sender_id": "0123456789abcdef0123456789abcdef", "sender_addr": "localhost"}"#.to_vec(),
            DecodeError::BadAddr("sender_addr"),
        ),
        (format!(r#"{{"msg_type": "PEERS_LIST", {h}, "payload": {{"peers": {{}}}}}}"#).into_bytes(), DecodeError::WrongType { field: "peers", expected: "a list" }),
        (format!(r#"{{"msg_type": "PEERS_LIST", {h}, "payload": {{"peers": [1]}}}}"#).into_bytes(), DecodeError::NotObject("peers")),
        (format!(r#"{{"msg_type": "GOSSIP", {h}, "payload": {{"data": 5}}}}"#).into_bytes(), DecodeError::WrongType { field: "data", expected: "a string" }),
        (format!(r#"{{"msg_type": "HELLO", {h}, "payload": {{"pow": {{"nonce": 1}}}}}}"#).into_bytes(), DecodeError::MissingField("digest_hex")),
        (long_list.into_bytes(), DecodeError::ListTooLong { field: "ids", len: MAX_LIST + 1, max: MAX_LIST }),
        (long_topic.into_bytes(), DecodeError::StringTooLong { field: "topic", len: 300, max: 256 }),
    ];
    for (input, expected) in cases {
        let got = codec::decode(&input);
        assert_eq!(
            got.as_ref().err(),
            Some(&expected),
            "input {:?}",
            String::from_utf8_lossy(&input[..input.len().min(120)])
        );
    }
    assert!(matches!(
        codec::decode(b"{not json"),
        Err(DecodeError::NotJson(_))
    ));
    assert_eq!(
        codec::decode(b"").unwrap_err().reason(),
        RejectReason::NotJson
    );
}

#[test]
fn msg_type_names_match_the_wire() {
    let names: Vec<&str> = MsgType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(
        names,
        [
            "HELLO",
            "GET_PEERS",
            "PEERS_LIST",
            "GOSSIP",
            "PING",
            "PONG",
            "IHAVE",
            "IWANT",
            "GRAFT",
            "PRUNE"
        ]
    );
}

/// GRAFT and PRUNE are additive on the wire: the same JSON shape as the
/// original's eight types, round-tripping through our decoder.
#[test]
fn graft_and_prune_have_the_originals_shape() {
    use gossip_core::message::{Body, Message};
    use gossip_core::{MsgId, NodeId};
    let header = |body| Message {
        msg_id: MsgId(7),
        sender_id: NodeId(9),
        sender_addr: "127.0.0.1:9001".parse().unwrap(),
        timestamp_ms: 1_700_000_000_000,
        ttl: 0,
        body,
    };
    let graft = header(Body::Graft {
        ids: vec![MsgId(1), MsgId(2)],
    });
    let bytes = codec::encode(&graft);
    assert_eq!(
        String::from_utf8(bytes.clone()).unwrap(),
        r#"{"version": 1, "msg_id": "00000000000000000000000000000007", "msg_type": "GRAFT", "sender_id": "00000000000000000000000000000009", "sender_addr": "127.0.0.1:9001", "timestamp_ms": 1700000000000, "ttl": 0, "payload": {"ids": ["00000000000000000000000000000001", "00000000000000000000000000000002"]}}"#
    );
    assert_eq!(codec::decode(&bytes), Ok(graft));
    let prune = header(Body::Prune { origin: None });
    let bytes = codec::encode(&prune);
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.contains(r#""msg_type": "PRUNE""#), "{text}");
    assert!(text.ends_with(r#""ttl": 0, "payload": {}}"#), "{text}");
    assert_eq!(codec::decode(&bytes), Ok(prune));
    let prune = header(Body::Prune {
        origin: Some(NodeId(3)),
    });
    let bytes = codec::encode(&prune);
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        text.ends_with(r#""payload": {"origin": "00000000000000000000000000000003"}}"#),
        "{text}"
    );
    assert_eq!(codec::decode(&bytes), Ok(prune));
}
