//! Reading an [`EventLine`] without serde's internally tagged enums: every
//! field a record kind may have goes into one flat [`RawLine`] of options,
//! then the `event` field picks the kind and its fields are taken out. An
//! internally tagged enum buffers each line into serde's generic `Content`
//! tree first; the flat form reads each value once into its final type,
//! which is faster on million-line replays and several times smaller in the
//! browser's wasm. Field names, types and error messages stay those of the
//! derived form (`missing field `x``, `unknown variant `x``, `invalid
//! type: ...`), so `--events` files and their errors read the same.

use std::borrow::Cow;
use std::net::SocketAddr;

use serde::de::Error;
use serde::{Deserialize, Deserializer};

use super::{EventLine, Record};
use crate::{MsgId, MsgType, NodeId};

/// The `event` names, in the order of [`Record`]'s variants.
const KINDS: &[&str] = &[
    "started",
    "send",
    "recv",
    "bootstrap_sent",
    "joined",
    "bootstrap_failed",
    "peer_added",
    "peer_evicted",
    "peer_removed",
    "pow_accepted",
    "pow_solved",
    "published",
    "delivered",
    "duplicate",
    "forwarded",
    "pong",
    "rejected",
    "stopped",
];

/// Every field of every record kind, each optional. `from` is an address in
/// some kinds and a node id in others, so it stays text until the kind is
/// known.
#[derive(Deserialize)]
struct RawLine<'a> {
    ts_ms: Option<u64>,
    ts_us: Option<u64>,
    node: Option<NodeId>,
    addr: Option<SocketAddr>,
    #[serde(borrow)]
    event: Option<Cow<'a, str>>,
    mode: Option<String>,
    fanout: Option<u32>,
    ttl: Option<u32>,
    peer_limit: Option<u32>,
    pow_k: Option<u32>,
    bootstrap: Option<SocketAddr>,
    msg_type: Option<MsgType>,
    msg_id: Option<MsgId>,
    to: Option<SocketAddr>,
    bytes: Option<usize>,
    #[serde(borrow)]
    from: Option<Cow<'a, str>>,
    sender_id: Option<NodeId>,
    attempt: Option<u32>,
    peers: Option<usize>,
    attempts: Option<u32>,
    peer: Option<NodeId>,
    peer_addr: Option<SocketAddr>,
    via: Option<MsgType>,
    silent_ms: Option<u64>,
    difficulty_k: Option<u32>,
    nonce: Option<u64>,
    elapsed_ms: Option<f64>,
    hash_rate: Option<f64>,
    topic: Option<String>,
    data: Option<String>,
    origin_id: Option<NodeId>,
    origin_timestamp_ms: Option<u64>,
    hops: Option<u32>,
    pulled: Option<bool>,
    copies: Option<u32>,
    rtt_us: Option<u64>,
    reason: Option<String>,
    detail: Option<String>,
    sent: Option<u64>,
    received: Option<u64>,
    delivered: Option<u64>,
    published: Option<u64>,
    duplicates: Option<u64>,
    rejected: Option<u64>,
    report_dropped: Option<u64>,
}

/// `value`, or serde's "missing field" error naming `field`.
fn need<T, E: Error>(value: Option<T>, field: &'static str) -> Result<T, E> {
    value.ok_or_else(|| E::missing_field(field))
}

/// The `from` text read as an address or a node id, with the error the
/// derived form gave for a malformed one.
fn parse_from<T: std::str::FromStr, E: Error>(from: Option<Cow<'_, str>>) -> Result<T, E>
where
    T::Err: std::fmt::Display,
{
    need(from, "from")?.parse().map_err(E::custom)
}

impl<'de> Deserialize<'de> for EventLine {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<EventLine, D::Error> {
        let mut r = RawLine::deserialize(d)?;
        let head = (
            need(r.ts_ms.take(), "ts_ms")?,
            need(r.ts_us.take(), "ts_us")?,
            need(r.node.take(), "node")?,
            need(r.addr.take(), "addr")?,
        );
        let record = match need(r.event.take(), "event")?.as_ref() {
            "started" => Record::Started {
                mode: need(r.mode.take(), "mode")?,
                fanout: need(r.fanout.take(), "fanout")?,
                ttl: need(r.ttl.take(), "ttl")?,
                peer_limit: need(r.peer_limit.take(), "peer_limit")?,
                pow_k: need(r.pow_k.take(), "pow_k")?,
                bootstrap: r.bootstrap.take(),
            },
            "send" => Record::Send {
                msg_type: need(r.msg_type.take(), "msg_type")?,
                msg_id: need(r.msg_id.take(), "msg_id")?,
                to: need(r.to.take(), "to")?,
                ttl: need(r.ttl.take(), "ttl")?,
                bytes: need(r.bytes.take(), "bytes")?,
            },
            "recv" => Record::Recv {
                msg_type: need(r.msg_type.take(), "msg_type")?,
                msg_id: need(r.msg_id.take(), "msg_id")?,
                from: parse_from(r.from.take())?,
                sender_id: need(r.sender_id.take(), "sender_id")?,
                ttl: need(r.ttl.take(), "ttl")?,
                bytes: need(r.bytes.take(), "bytes")?,
            },
            "bootstrap_sent" => Record::BootstrapSent {
                attempt: need(r.attempt.take(), "attempt")?,
                to: need(r.to.take(), "to")?,
            },
            "joined" => Record::Joined {
                peers: need(r.peers.take(), "peers")?,
            },
            "bootstrap_failed" => Record::BootstrapFailed {
                attempts: need(r.attempts.take(), "attempts")?,
            },
            "peer_added" => Record::PeerAdded {
                peer: need(r.peer.take(), "peer")?,
                peer_addr: need(r.peer_addr.take(), "peer_addr")?,
                via: need(r.via.take(), "via")?,
            },
            "peer_evicted" => Record::PeerEvicted {
                peer: need(r.peer.take(), "peer")?,
                peer_addr: need(r.peer_addr.take(), "peer_addr")?,
            },
            "peer_removed" => Record::PeerRemoved {
                peer: need(r.peer.take(), "peer")?,
                peer_addr: need(r.peer_addr.take(), "peer_addr")?,
                silent_ms: need(r.silent_ms.take(), "silent_ms")?,
            },
            "pow_accepted" => Record::PowAccepted {
                peer: need(r.peer.take(), "peer")?,
                difficulty_k: need(r.difficulty_k.take(), "difficulty_k")?,
            },
            "pow_solved" => Record::PowSolved {
                nonce: need(r.nonce.take(), "nonce")?,
                difficulty_k: need(r.difficulty_k.take(), "difficulty_k")?,
                elapsed_ms: need(r.elapsed_ms.take(), "elapsed_ms")?,
                hash_rate: need(r.hash_rate.take(), "hash_rate")?,
            },
            "published" => Record::Published {
                msg_id: need(r.msg_id.take(), "msg_id")?,
                topic: need(r.topic.take(), "topic")?,
                data: need(r.data.take(), "data")?,
            },
            "delivered" => Record::Delivered {
                msg_id: need(r.msg_id.take(), "msg_id")?,
                from: parse_from(r.from.take())?,
                origin_id: need(r.origin_id.take(), "origin_id")?,
                origin_timestamp_ms: need(r.origin_timestamp_ms.take(), "origin_timestamp_ms")?,
                hops: need(r.hops.take(), "hops")?,
                pulled: need(r.pulled.take(), "pulled")?,
                topic: need(r.topic.take(), "topic")?,
                data: need(r.data.take(), "data")?,
            },
            "duplicate" => Record::Duplicate {
                msg_id: need(r.msg_id.take(), "msg_id")?,
                from: parse_from(r.from.take())?,
            },
            "forwarded" => Record::Forwarded {
                msg_id: need(r.msg_id.take(), "msg_id")?,
                copies: need(r.copies.take(), "copies")?,
                ttl: need(r.ttl.take(), "ttl")?,
            },
            "pong" => Record::Pong {
                from: parse_from(r.from.take())?,
                rtt_us: need(r.rtt_us.take(), "rtt_us")?,
            },
            "rejected" => Record::Rejected {
                from: parse_from(r.from.take())?,
                reason: need(r.reason.take(), "reason")?,
                detail: need(r.detail.take(), "detail")?,
            },
            "stopped" => Record::Stopped {
                sent: need(r.sent.take(), "sent")?,
                received: need(r.received.take(), "received")?,
                delivered: need(r.delivered.take(), "delivered")?,
                published: need(r.published.take(), "published")?,
                duplicates: need(r.duplicates.take(), "duplicates")?,
                rejected: need(r.rejected.take(), "rejected")?,
                report_dropped: r.report_dropped.take(),
            },
            other => return Err(D::Error::unknown_variant(other, KINDS)),
        };
        let (ts_ms, ts_us, node, addr) = head;
        Ok(EventLine {
            ts_ms,
            ts_us,
            node,
            addr,
            record,
        })
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::Time;

    fn every_kind() -> Vec<Record> {
        let a: SocketAddr = "127.0.0.1:9001".parse().expect("addr");
        let (n, m) = (NodeId(5), MsgId(6));
        vec![
            Record::Started {
                mode: "push".into(),
                fanout: 3,
                ttl: 7,
                peer_limit: 20,
                pow_k: 4,
                bootstrap: Some(a),
            },
            Record::Send {
                msg_type: MsgType::Gossip,
                msg_id: m,
                to: a,
                ttl: 6,
                bytes: 300,
            },
            Record::Recv {
                msg_type: MsgType::IHave,
                msg_id: m,
                from: a,
                sender_id: n,
                ttl: 5,
                bytes: 200,
            },
            Record::BootstrapSent { attempt: 2, to: a },
            Record::Joined { peers: 3 },
            Record::BootstrapFailed { attempts: 4 },
            Record::PeerAdded {
                peer: n,
                peer_addr: a,
                via: MsgType::Hello,
            },
            Record::PeerEvicted {
                peer: n,
                peer_addr: a,
            },
            Record::PeerRemoved {
                peer: n,
                peer_addr: a,
                silent_ms: 9000,
            },
            Record::PowAccepted {
                peer: n,
                difficulty_k: 4,
            },
            Record::PowSolved {
                nonce: 77,
                difficulty_k: 4,
                elapsed_ms: 12.5,
                hash_rate: 3.25e6,
            },
            Record::Published {
                msg_id: m,
                topic: "news".into(),
                data: "hi \"there\"".into(),
            },
            Record::Delivered {
                msg_id: m,
                from: n,
                origin_id: NodeId(8),
                origin_timestamp_ms: 1_700_000_000_000,
                hops: 2,
                pulled: true,
                topic: "news".into(),
                data: "hi".into(),
            },
            Record::Duplicate { msg_id: m, from: n },
            Record::Forwarded {
                msg_id: m,
                copies: 3,
                ttl: 5,
            },
            Record::Pong {
                from: n,
                rtt_us: 150,
            },
            Record::Rejected {
                from: a,
                reason: "not_json".into(),
                detail: "expected value".into(),
            },
            Record::Stopped {
                sent: 1,
                received: 2,
                delivered: 3,
                published: 4,
                duplicates: 5,
                rejected: 6,
                report_dropped: Some(7),
            },
        ]
    }

    #[test]
    fn every_kind_reads_back_what_was_written() {
        let kinds = every_kind();
        assert_eq!(kinds.len(), KINDS.len());
        for (record, kind) in kinds.into_iter().zip(KINDS) {
            let l = super::super::line(
                Time::from_micros(1_234_567),
                NodeId(1),
                "127.0.0.1:9000".parse().expect("addr"),
                record,
            );
            let text = serde_json::to_string(&l).expect("serializes");
            assert!(text.contains(&format!("\"event\":\"{kind}\"")), "{text}");
            let back: EventLine = serde_json::from_str(&text).expect(&text);
            assert_eq!(back, l);
            let back: EventLine = serde_json::from_slice(text.as_bytes()).expect(&text);
            assert_eq!(back, l);
        }
    }

    #[test]
    fn errors_read_as_the_derived_ones() {
        let send = r#"{"ts_ms":1,"ts_us":1000,"node":"0000000000000000000000000000000a","addr":"127.0.0.1:9000","event":"send","msg_type":"GOSSIP","msg_id":"00000000000000000000000000000003","to":"127.0.0.1:9001","ttl":7,"bytes":301}"#;
        let err = |text: &str| {
            serde_json::from_str::<EventLine>(text)
                .unwrap_err()
                .to_string()
        };
        assert!(err(&send.replace(",\"ttl\":7", "")).starts_with("missing field `ttl`"));
        assert!(err(&send.replace("\"send\"", "\"teleport\""))
            .starts_with("unknown variant `teleport`, expected one of `started`"));
        assert!(err(&send.replace("\"ttl\":7", "\"ttl\":\"x\""))
            .starts_with("invalid type: string \"x\", expected u32"));
        assert!(err(&send.replace("\"event\":\"send\",", "")).starts_with("missing field `event`"));
        let dup = r#"{"ts_ms":1,"ts_us":1000,"node":"0000000000000000000000000000000a","addr":"127.0.0.1:9000","event":"duplicate","msg_id":"00000000000000000000000000000003","from":"127.0.0.1:1"}"#;
        assert!(!err(dup).is_empty(), "an address is not a node id");
    }
}
