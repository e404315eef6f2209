//! Encoded sizes computed without encoding: what [`super::encode`] would
//! write, counted field by field. A node sizes every answer to a stranger
//! against the request's size, and in the simulator (which hands messages
//! over decoded) that means sizing a HELLO, our own HELLO and a PEERS_LIST
//! for every HELLO received; counting is several times cheaper than writing
//! the JSON into a buffer (no formatting machinery, no copies).

use std::fmt;
use std::net::SocketAddr;

use crate::message::{Body, Message, PeerInfo, PowProof, PROTOCOL_VERSION};

/// Bytes of a quoted 32-hex-digit id: `"<32 hex>"`.
const ID_LEN: usize = 34;

/// The size of [`super::encode`]`(message)`.
pub fn encoded_len(message: &Message) -> usize {
    // The fixed text between the fields, as `encode_into` writes it.
    const FRAME: usize = r#"{"version": , "msg_id": , "msg_type": "", "sender_id": , "sender_addr": , "timestamp_ms": , "ttl": , "payload": {}}"#.len();
    FRAME
        + int_len(PROTOCOL_VERSION.unsigned_abs())
        + 2 * ID_LEN
        + message.msg_type().as_str().len()
        + addr_len(message.sender_addr)
        + int_len(message.timestamp_ms)
        + int_len(u64::from(message.ttl))
        + body_len(&message.body)
}

/// Bytes the `, "pow": {...}` part adds to a HELLO carrying `pow`.
pub fn pow_len(pow: &PowProof) -> usize {
    const FRAME: usize =
        r#", "pow": {"hash_alg": , "difficulty_k": , "nonce": , "digest_hex": }"#.len();
    FRAME
        + string_len(&pow.hash_alg)
        + int_len(u64::from(pow.difficulty_k))
        + int_len(pow.nonce)
        + string_len(&pow.digest_hex)
}

/// The smallest [`peer_entry_len`]: the first entry, for the shortest
/// address written, `"[::]:0"`. A budget with less room lists nobody.
pub const MIN_PEER_ENTRY_LEN: usize = PEER_FRAME + ID_LEN + "\"[::]:0\"".len();

const PEER_FRAME: usize = r#"{"node_id": , "addr": }"#.len();

/// Bytes the entry for `peer` adds to a PEERS_LIST datagram, with the `", "`
/// before it unless it is the first: `{"node_id": "<32 hex>", "addr": "<addr>"}`.
pub fn peer_entry_len(peer: &PeerInfo, first: bool) -> usize {
    let separator = if first { 0 } else { 2 };
    PEER_FRAME + ID_LEN + addr_len(peer.addr) + separator
}

fn body_len(body: &Body) -> usize {
    match body {
        Body::Hello(hello) => {
            r#""capabilities": []"#.len()
                + list_len(hello.capabilities.iter().map(|c| string_len(c)))
                + hello.pow.as_deref().map_or(0, pow_len)
        }
        Body::GetPeers { max_peers } => r#""max_peers": "#.len() + int_len(u64::from(*max_peers)),
        Body::PeersList { peers } => {
            r#""peers": []"#.len()
                + peers
                    .iter()
                    .enumerate()
                    .map(|(i, p)| peer_entry_len(p, i == 0))
                    .sum::<usize>()
        }
        Body::Gossip(g) => {
            r#""topic": , "data": , "origin_id": , "origin_timestamp_ms": "#.len()
                + string_len(&g.topic)
                + string_len(&g.data)
                + ID_LEN
                + int_len(g.origin_timestamp_ms)
        }
        Body::Ping(p) | Body::Pong(p) => {
            r#""ping_id": , "seq": "#.len() + string_len(&p.ping_id) + int_len(p.seq)
        }
        Body::IHave { ids, max_ids } => {
            r#""ids": , "max_ids": "#.len() + ids_len(ids.len()) + int_len(u64::from(*max_ids))
        }
        Body::IWant { ids } | Body::Graft { ids } => r#""ids": "#.len() + ids_len(ids.len()),
        Body::Prune { origin: None } => 0,
        Body::Prune { origin: Some(_) } => r#""origin": "#.len() + ID_LEN,
    }
}

/// `[...]` of `n` quoted ids.
fn ids_len(n: usize) -> usize {
    2 + list_len((0..n).map(|_| ID_LEN))
}

/// The items' sizes plus the `", "` between them.
fn list_len(items: impl Iterator<Item = usize>) -> usize {
    items
        .enumerate()
        .map(|(i, len)| if i == 0 { len } else { len + 2 })
        .sum()
}

/// Decimal digits of `v`.
fn int_len(v: u64) -> usize {
    v.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// A quoted address: `"a.b.c.d:port"` or `"[v6]:port"`.
fn addr_len(addr: SocketAddr) -> usize {
    let inner = match addr {
        SocketAddr::V4(a) => {
            let octets: usize = a.ip().octets().iter().map(|&o| int_len(o.into())).sum();
            octets + 3 + 1 + int_len(a.port().into())
        }
        SocketAddr::V6(a) => display_len(a.ip()) + 3 + int_len(a.port().into()),
    };
    inner + 2
}

/// A quoted string with `ensure_ascii` escaping, as `PyJson::string` writes it.
fn string_len(s: &str) -> usize {
    let escaped: usize = s
        .chars()
        .map(|ch| match ch {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{08}' | '\u{0c}' => 2,
            ' '..='~' => 1,
            _ => 6 * ch.len_utf16(),
        })
        .sum();
    escaped + 2
}

/// The length of `value`'s `Display` output, counted without a buffer.
fn display_len(value: impl fmt::Display) -> usize {
    struct Count(usize);
    impl fmt::Write for Count {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0 += s.len();
            Ok(())
        }
    }
    let mut count = Count(0);
    // Counting cannot fail.
    let _ = fmt::Write::write_fmt(&mut count, format_args!("{value}"));
    count.0
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;
    use crate::id::NodeId;

    #[test]
    fn the_shortest_entry_is_the_first_one_for_the_unspecified_v6_address() {
        let entry = |addr: SocketAddr, first| {
            peer_entry_len(
                &PeerInfo {
                    node_id: NodeId(0),
                    addr,
                },
                first,
            )
        };
        let v6 = SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0));
        let v4 = SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0));
        assert_eq!(entry(v6, true), MIN_PEER_ENTRY_LEN);
        assert!(entry(v4, true) > MIN_PEER_ENTRY_LEN);
        assert_eq!(entry(v6, false), MIN_PEER_ENTRY_LEN + 2);
    }
}
