//! The original's wire format: one UTF-8 JSON object per UDP datagram.
//!
//! [`encode`] writes exactly the bytes Python's `json.dumps` writes for the
//! same message (`", "` and `": "` separators, keys in the original's order,
//! non-ASCII escaped as `\uXXXX`), so captures of both implementations look
//! alike. [`decode`] accepts anything the original accepts, fills in the same
//! defaults for missing fields (and for `null`, which is how Python writes
//! `None`), and turns everything else into a typed
//! [`DecodeError`] without panicking.

use std::net::SocketAddr;
use std::sync::Arc;

mod json;
mod len;

use self::json::Json;
pub use self::len::{encoded_len, peer_entry_len, pow_len, MIN_PEER_ENTRY_LEN};
use crate::error::DecodeError;
use crate::id::{parse_hex128, write_hex128, MsgId, NodeId};
use crate::message::{
    Body, Gossip, Hello, Message, MsgType, PeerInfo, Ping, PowProof, PROTOCOL_VERSION,
};

/// Largest UDP payload over IPv4: 65 535 - 8 (UDP header) - 20 (IP header).
pub const MAX_DATAGRAM: usize = 65_507;
/// Most entries accepted in `peers`, `ids` or `capabilities`.
pub const MAX_LIST: usize = 1_024;
/// Longest `topic` accepted, in bytes.
pub const MAX_TOPIC: usize = 256;
/// Longest `ping_id`, `hash_alg`, `digest_hex` or capability accepted, in bytes.
pub const MAX_SHORT_STRING: usize = 128;

/// Default `max_peers` of a GET_PEERS without one (the original's default).
pub const DEFAULT_MAX_PEERS: u32 = 20;
/// Default `topic` of a GOSSIP without one.
pub const DEFAULT_TOPIC: &str = "news";

/// Decodes one datagram.
pub fn decode(bytes: &[u8]) -> Result<Message, DecodeError> {
    if bytes.len() > MAX_DATAGRAM {
        return Err(DecodeError::TooLarge {
            len: bytes.len(),
            max: MAX_DATAGRAM,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| DecodeError::NotUtf8)?;
    let mut obj: Json<'_> =
        serde_json::from_str(text).map_err(|e| DecodeError::NotJson(e.to_string()))?;
    if !matches!(obj, Json::Obj(_)) {
        return Err(DecodeError::NotObject("message"));
    }

    match obj.get("version") {
        None | Some(Json::Null) => {}
        Some(Json::U64(1)) => {}
        Some(Json::U64(v)) => {
            return Err(DecodeError::UnsupportedVersion(
                i64::try_from(*v).unwrap_or(i64::MAX),
            ))
        }
        Some(Json::I64(v)) => return Err(DecodeError::UnsupportedVersion(*v)),
        Some(_) => return Err(wrong("version", "an integer")),
    }
    let msg_type = {
        let name = required_str(&obj, "msg_type")?;
        MsgType::from_wire(name)
            .ok_or_else(|| DecodeError::UnknownType(name.chars().take(32).collect()))?
    };
    let msg_id = MsgId(id_field(&obj, "msg_id")?);
    let sender_id = NodeId(id_field(&obj, "sender_id")?);
    let sender_addr = addr(required_str(&obj, "sender_addr")?, "sender_addr")?;
    let timestamp_ms = optional_u64(&obj, "timestamp_ms")?.unwrap_or(0);
    let ttl = optional_u32(&obj, "ttl")?.unwrap_or(0);
    let payload = match obj.take("payload") {
        None | Some(Json::Null) => Json::Obj(Vec::new()),
        Some(p @ Json::Obj(_)) => p,
        Some(_) => return Err(DecodeError::NotObject("payload")),
    };
    let body = decode_body(msg_type, payload, sender_id, timestamp_ms)?;
    Ok(Message {
        msg_id,
        sender_id,
        sender_addr,
        timestamp_ms,
        ttl,
        body,
    })
}

fn decode_body(
    msg_type: MsgType,
    mut p: Json<'_>,
    sender_id: NodeId,
    timestamp_ms: u64,
) -> Result<Body, DecodeError> {
    Ok(match msg_type {
        MsgType::Hello => {
            let capabilities = match p.get("capabilities") {
                None | Some(Json::Null) => Arc::default(),
                Some(v) => list(v, "capabilities")?
                    .iter()
                    .map(|c| {
                        let s = c
                            .as_str()
                            .ok_or(wrong("capabilities", "a list of strings"))?;
                        bounded(s, "capabilities", MAX_SHORT_STRING).map(str::to_owned)
                    })
                    .collect::<Result<_, _>>()?,
            };
            let pow = match p.take("pow") {
                None | Some(Json::Null) => None,
                Some(pow @ Json::Obj(_)) => Some(Box::new(decode_pow(pow)?)),
                Some(_) => return Err(DecodeError::NotObject("pow")),
            };
            Body::Hello(Hello { capabilities, pow })
        }
        MsgType::GetPeers => Body::GetPeers {
            max_peers: optional_u32(&p, "max_peers")?.unwrap_or(DEFAULT_MAX_PEERS),
        },
        MsgType::PeersList => {
            let peers = match p.get("peers") {
                None | Some(Json::Null) => Vec::new(),
                Some(v) => list(v, "peers")?
                    .iter()
                    .map(|entry| {
                        if !matches!(entry, Json::Obj(_)) {
                            return Err(DecodeError::NotObject("peers"));
                        }
                        Ok(PeerInfo {
                            node_id: NodeId(id_field(entry, "node_id")?),
                            addr: addr(required_str(entry, "addr")?, "addr")?,
                        })
                    })
                    .collect::<Result<Vec<_>, DecodeError>>()?,
            };
            Body::PeersList { peers }
        }
        MsgType::Gossip => {
            let topic = optional_string(&mut p, "topic", MAX_TOPIC)?
                .unwrap_or_else(|| DEFAULT_TOPIC.to_owned());
            let data = optional_string(&mut p, "data", MAX_DATAGRAM)?.unwrap_or_default();
            let origin_id = match p.get("origin_id") {
                None | Some(Json::Null) => sender_id,
                Some(_) => NodeId(id_field(&p, "origin_id")?),
            };
            let origin_timestamp_ms =
                optional_u64(&p, "origin_timestamp_ms")?.unwrap_or(timestamp_ms);
            Body::Gossip(Arc::new(Gossip {
                topic,
                data,
                origin_id,
                origin_timestamp_ms,
            }))
        }
        MsgType::Ping | MsgType::Pong => {
            let ping = Ping {
                ping_id: optional_string(&mut p, "ping_id", MAX_SHORT_STRING)?.unwrap_or_default(),
                seq: optional_u64(&p, "seq")?.unwrap_or(0),
            };
            if msg_type == MsgType::Ping {
                Body::Ping(ping)
            } else {
                Body::Pong(ping)
            }
        }
        MsgType::IHave => Body::IHave {
            ids: id_list(&p)?,
            max_ids: optional_u32(&p, "max_ids")?.unwrap_or(0),
        },
        MsgType::IWant => Body::IWant { ids: id_list(&p)? },
        MsgType::Graft => Body::Graft { ids: id_list(&p)? },
        MsgType::Prune => Body::Prune {
            origin: match p.get("origin") {
                None | Some(Json::Null) => None,
                Some(_) => Some(NodeId(id_field(&p, "origin")?)),
            },
        },
    })
}

fn decode_pow(mut pow: Json<'_>) -> Result<PowProof, DecodeError> {
    let hash_alg = optional_string(&mut pow, "hash_alg", MAX_SHORT_STRING)?
        .unwrap_or_else(|| crate::pow::HASH_ALG.to_owned());
    let digest_hex = optional_string(&mut pow, "digest_hex", MAX_SHORT_STRING)?
        .ok_or(DecodeError::MissingField("digest_hex"))?;
    Ok(PowProof {
        hash_alg,
        difficulty_k: optional_u32(&pow, "difficulty_k")?
            .ok_or(DecodeError::MissingField("difficulty_k"))?,
        nonce: optional_u64(&pow, "nonce")?.ok_or(DecodeError::MissingField("nonce"))?,
        digest_hex,
    })
}

fn wrong(field: &'static str, expected: &'static str) -> DecodeError {
    DecodeError::WrongType { field, expected }
}

fn required_str<'a>(obj: &'a Json<'_>, field: &'static str) -> Result<&'a str, DecodeError> {
    match obj.get(field) {
        None => Err(DecodeError::MissingField(field)),
        Some(v) => v.as_str().ok_or(wrong(field, "a string")),
    }
}

/// An optional string field, taken out of the object (no copy when it was
/// already owned), checked against its bound.
fn optional_string(
    obj: &mut Json<'_>,
    field: &'static str,
    max: usize,
) -> Result<Option<String>, DecodeError> {
    match obj.take(field) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Str(s)) => {
            bounded(&s, field, max)?;
            Ok(Some(s.into_owned()))
        }
        Some(_) => Err(wrong(field, "a string")),
    }
}

fn id_field(obj: &Json<'_>, field: &'static str) -> Result<u128, DecodeError> {
    parse_hex128(required_str(obj, field)?).map_err(|source| DecodeError::BadId { field, source })
}

fn addr(text: &str, field: &'static str) -> Result<SocketAddr, DecodeError> {
    text.parse().map_err(|_| DecodeError::BadAddr(field))
}

fn optional_u64(obj: &Json<'_>, field: &'static str) -> Result<Option<u64>, DecodeError> {
    match obj.get(field) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::U64(v)) => Ok(Some(*v)),
        Some(Json::I64(_)) => Err(DecodeError::OutOfRange(field)),
        Some(_) => Err(wrong(field, "an integer")),
    }
}

fn optional_u32(obj: &Json<'_>, field: &'static str) -> Result<Option<u32>, DecodeError> {
    optional_u64(obj, field)?
        .map(|v| u32::try_from(v).map_err(|_| DecodeError::OutOfRange(field)))
        .transpose()
}

fn list<'j, 'a>(value: &'j Json<'a>, field: &'static str) -> Result<&'j [Json<'a>], DecodeError> {
    let Json::Arr(list) = value else {
        return Err(wrong(field, "a list"));
    };
    if list.len() > MAX_LIST {
        return Err(DecodeError::ListTooLong {
            field,
            len: list.len(),
            max: MAX_LIST,
        });
    }
    Ok(list)
}

fn id_list(p: &Json<'_>) -> Result<Vec<MsgId>, DecodeError> {
    match p.get("ids") {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(v) => list(v, "ids")?
            .iter()
            .map(|id| {
                let text = id.as_str().ok_or(wrong("ids", "a list of strings"))?;
                parse_hex128(text)
                    .map(MsgId)
                    .map_err(|source| DecodeError::BadId {
                        field: "ids",
                        source,
                    })
            })
            .collect(),
    }
}

fn bounded<'a>(s: &'a str, field: &'static str, max: usize) -> Result<&'a str, DecodeError> {
    if s.len() > max {
        return Err(DecodeError::StringTooLong {
            field,
            len: s.len(),
            max,
        });
    }
    Ok(s)
}

/// Whether a GOSSIP with this payload is sure to encode within
/// [`MAX_DATAGRAM`], without encoding it: escaping writes at most 6 bytes per
/// byte of text, and the rest of the datagram takes well under 512.
pub fn gossip_surely_fits(gossip: &Gossip) -> bool {
    (gossip.data.len() + gossip.topic.len()) * 6 + 512 <= MAX_DATAGRAM
}

/// Encodes a message as the original would, into a fresh buffer.
pub fn encode(message: &Message) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    encode_into(message, &mut out);
    out
}

/// Encodes a message as the original would, appending to `out`.
pub fn encode_into(message: &Message, out: &mut Vec<u8>) {
    let mut w = PyJson { out };
    w.raw("{\"version\": ");
    w.int(PROTOCOL_VERSION.unsigned_abs());
    w.raw(", \"msg_id\": ");
    w.id(message.msg_id.0);
    w.raw(", \"msg_type\": \"");
    w.raw(message.msg_type().as_str());
    w.raw("\", \"sender_id\": ");
    w.id(message.sender_id.0);
    w.raw(", \"sender_addr\": ");
    w.addr(message.sender_addr);
    w.raw(", \"timestamp_ms\": ");
    w.int(message.timestamp_ms);
    w.raw(", \"ttl\": ");
    w.int(u64::from(message.ttl));
    w.raw(", \"payload\": {");
    match &message.body {
        Body::Hello(hello) => {
            w.raw("\"capabilities\": [");
            for (i, cap) in hello.capabilities.iter().enumerate() {
                if i > 0 {
                    w.raw(", ");
                }
                w.string(cap);
            }
            w.raw("]");
            if let Some(pow) = &hello.pow {
                w.raw(", \"pow\": {\"hash_alg\": ");
                w.string(&pow.hash_alg);
                w.raw(", \"difficulty_k\": ");
                w.int(u64::from(pow.difficulty_k));
                w.raw(", \"nonce\": ");
                w.int(pow.nonce);
                w.raw(", \"digest_hex\": ");
                w.string(&pow.digest_hex);
                w.raw("}");
            }
        }
        Body::GetPeers { max_peers } => {
            w.raw("\"max_peers\": ");
            w.int(u64::from(*max_peers));
        }
        Body::PeersList { peers } => {
            w.raw("\"peers\": [");
            for (i, peer) in peers.iter().enumerate() {
                if i > 0 {
                    w.raw(", ");
                }
                w.raw("{\"node_id\": ");
                w.id(peer.node_id.0);
                w.raw(", \"addr\": ");
                w.addr(peer.addr);
                w.raw("}");
            }
            w.raw("]");
        }
        Body::Gossip(g) => {
            w.raw("\"topic\": ");
            w.string(&g.topic);
            w.raw(", \"data\": ");
            w.string(&g.data);
            w.raw(", \"origin_id\": ");
            w.id(g.origin_id.0);
            w.raw(", \"origin_timestamp_ms\": ");
            w.int(g.origin_timestamp_ms);
        }
        Body::Ping(p) | Body::Pong(p) => {
            w.raw("\"ping_id\": ");
            w.string(&p.ping_id);
            w.raw(", \"seq\": ");
            w.int(p.seq);
        }
        Body::IHave { ids, max_ids } => {
            w.raw("\"ids\": ");
            w.ids(ids);
            w.raw(", \"max_ids\": ");
            w.int(u64::from(*max_ids));
        }
        Body::IWant { ids } | Body::Graft { ids } => {
            w.raw("\"ids\": ");
            w.ids(ids);
        }
        Body::Prune { origin: None } => {}
        Body::Prune {
            origin: Some(origin),
        } => {
            w.raw("\"origin\": ");
            w.id(origin.0);
        }
    }
    w.raw("}}");
}

/// A writer producing Python `json.dumps` output with its default settings.
struct PyJson<'a> {
    out: &'a mut Vec<u8>,
}

impl PyJson<'_> {
    fn raw(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }

    fn int(&mut self, v: u64) {
        let mut buf = itoa::Buffer::new();
        self.raw(buf.format(v));
    }

    fn id(&mut self, v: u128) {
        let mut buf = [0u8; 32];
        write_hex128(v, &mut buf);
        self.out.push(b'"');
        self.out.extend_from_slice(&buf);
        self.out.push(b'"');
    }

    fn ids(&mut self, ids: &[MsgId]) {
        self.out.push(b'[');
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                self.raw(", ");
            }
            self.id(id.0);
        }
        self.out.push(b']');
    }

    fn addr(&mut self, addr: SocketAddr) {
        use std::io::Write;
        self.out.push(b'"');
        // Writing into a Vec cannot fail.
        let _ = match addr {
            SocketAddr::V4(a) => write!(self.out, "{}:{}", a.ip(), a.port()),
            SocketAddr::V6(a) => write!(self.out, "[{}]:{}", a.ip(), a.port()),
        };
        self.out.push(b'"');
    }

    /// A JSON string with `ensure_ascii=True` escaping, as Python writes it.
    fn string(&mut self, s: &str) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.out.push(b'"');
        for ch in s.chars() {
            match ch {
                '"' => self.raw("\\\""),
                '\\' => self.raw("\\\\"),
                '\n' => self.raw("\\n"),
                '\r' => self.raw("\\r"),
                '\t' => self.raw("\\t"),
                '\u{08}' => self.raw("\\b"),
                '\u{0c}' => self.raw("\\f"),
                ' '..='~' => self.out.push(ch as u8),
                _ => {
                    let mut units = [0u16; 2];
                    for unit in ch.encode_utf16(&mut units) {
                        self.out.extend_from_slice(b"\\u");
                        for shift in [12, 8, 4, 0] {
                            self.out.push(HEX[usize::from((*unit >> shift) & 0xf)]);
                        }
                    }
                }
            }
        }
        self.out.push(b'"');
    }
}
