//! Property: every message of every type survives encode then decode, and
//! its size is what `encoded_len` counts.
#![cfg(not(target_arch = "wasm32"))]

use std::net::SocketAddr;
use std::sync::Arc;

use gossip_core::codec;
use gossip_core::message::{Body, Gossip, Hello, Message, PeerInfo, Ping, PowProof};
use gossip_core::{MsgId, NodeId};
use proptest::collection::vec;
use proptest::prelude::*;

fn addr() -> impl Strategy<Value = SocketAddr> {
    (any::<[u8; 4]>(), any::<u16>()).prop_map(|(ip, port)| SocketAddr::from((ip, port)))
}

fn ids() -> impl Strategy<Value = Vec<MsgId>> {
    vec(any::<u128>().prop_map(MsgId), 0..40)
}

fn short() -> impl Strategy<Value = String> {
    "\\PC{0,40}"
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        (
            vec(short(), 0..4),
            proptest::option::of((0u32..8, any::<u64>(), short()))
        )
            .prop_map(|(capabilities, pow)| {
                Body::Hello(Hello {
                    capabilities: capabilities.into(),
                    pow: pow.map(|(difficulty_k, nonce, digest_hex)| {
                        Box::new(PowProof {
                            hash_alg: "sha256".into(),
                            difficulty_k,
                            nonce,
                            digest_hex,
                        })
                    }),
                })
            }),
        any::<u32>().prop_map(|max_peers| Body::GetPeers { max_peers }),
        vec((any::<u128>(), addr()), 0..30).prop_map(|peers| Body::PeersList {
            peers: peers
                .into_iter()
                .map(|(id, addr)| PeerInfo {
                    node_id: NodeId(id),
                    addr
                })
                .collect()
        }),
        (short(), "\\PC{0,400}", any::<u128>(), any::<u64>()).prop_map(
            |(topic, data, origin, ts)| {
                Body::Gossip(Arc::new(Gossip {
                    topic,
                    data,
                    origin_id: NodeId(origin),
                    origin_timestamp_ms: ts,
                }))
            }
        ),
        (short(), any::<u64>()).prop_map(|(ping_id, seq)| Body::Ping(Ping { ping_id, seq })),
        (short(), any::<u64>()).prop_map(|(ping_id, seq)| Body::Pong(Ping { ping_id, seq })),
        (ids(), any::<u32>()).prop_map(|(ids, max_ids)| Body::IHave { ids, max_ids }),
        ids().prop_map(|ids| Body::IWant { ids }),
        ids().prop_map(|ids| Body::Graft { ids }),
        proptest::option::of(any::<u128>()).prop_map(|origin| Body::Prune {
            origin: origin.map(NodeId)
        }),
    ]
}

fn message() -> impl Strategy<Value = Message> {
    (
        any::<u128>(),
        any::<u128>(),
        addr(),
        any::<u64>(),
        any::<u32>(),
        body(),
    )
        .prop_map(
            |(msg_id, sender, sender_addr, timestamp_ms, ttl, body)| Message {
                msg_id: MsgId(msg_id),
                sender_id: NodeId(sender),
                sender_addr,
                timestamp_ms,
                ttl,
                body,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn encode_then_decode_is_identity(m in message()) {
        let bytes = codec::encode(&m);
        prop_assert!(bytes.is_ascii(), "ensure_ascii output, like Python's");
        prop_assert_eq!(codec::decode(&bytes), Ok(m));
    }

    #[test]
    fn encoded_len_is_the_size_encode_writes(
        mut m in message(),
        v6 in proptest::option::of((any::<[u16; 8]>(), any::<u16>())),
    ) {
        if let Some((segments, port)) = v6 {
            let addr = SocketAddr::from((std::net::Ipv6Addr::from(segments), port));
            m.sender_addr = addr;
            if let Body::PeersList { peers } = &mut m.body {
                for p in peers.iter_mut().step_by(2) {
                    p.addr = addr;
                }
            }
        }
        prop_assert_eq!(codec::encoded_len(&m), codec::encode(&m).len());
        if let Body::Hello(Hello { pow: Some(pow), capabilities }) = &m.body {
            let bare = Message {
                body: Body::Hello(Hello { capabilities: capabilities.clone(), pow: None }),
                ..m.clone()
            };
            prop_assert_eq!(codec::pow_len(pow), codec::encode(&m).len() - codec::encode(&bare).len());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..2_000)) {
        let _ = codec::decode(&bytes);
    }

    #[test]
    fn mutated_valid_datagrams_never_panic(m in message(), cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = codec::encode(&m);
        let i = cut.index(bytes.len());
        bytes[i] = byte;
        let _ = codec::decode(&bytes);
    }
}
