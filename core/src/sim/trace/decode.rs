//! Reading a [`TraceRecord`] through one flat struct of options and a match
//! on `ev`, instead of serde's internally tagged enum, which buffers every
//! line into its generic `Content` tree first (slower, and several times
//! larger in the browser's wasm). Field names and error messages stay those
//! of the derived form, as in [`crate::events`].

use std::borrow::Cow;

use serde::de::Error;
use serde::{Deserialize, Deserializer};

use super::{DropReason, TraceKind, TraceRecord};
use crate::error::RejectReason;
use crate::id::MsgId;
use crate::message::MsgType;

/// The `ev` names, in the order of [`TraceKind`]'s variants.
const KINDS: &[&str] = &[
    "join",
    "send",
    "drop",
    "publish",
    "deliver",
    "duplicate",
    "reject",
    "timer",
    "crash",
    "restart",
    "partition",
    "heal",
];

/// The [`DropReason`] names, in variant order.
const DROP_REASONS: &[&str] = &["loss", "partition", "node_down", "unroutable", "overflow"];

/// Every field of every kind, each optional. `reason` is a [`DropReason`]
/// or a [`RejectReason`] depending on the kind, so it stays text until then.
#[derive(Deserialize)]
struct RawRecord<'a> {
    t_us: Option<u64>,
    #[serde(borrow)]
    ev: Option<Cow<'a, str>>,
    node: Option<u32>,
    from: Option<u32>,
    to: Option<u32>,
    msg_type: Option<MsgType>,
    gossip: Option<MsgId>,
    bytes: Option<u32>,
    arrive_us: Option<u64>,
    id: Option<MsgId>,
    hops: Option<u32>,
    pulled: Option<bool>,
    #[serde(borrow)]
    reason: Option<Cow<'a, str>>,
    groups: Option<u32>,
}

/// `value`, or serde's "missing field" error naming `field`.
fn need<T, E: Error>(value: Option<T>, field: &'static str) -> Result<T, E> {
    value.ok_or_else(|| E::missing_field(field))
}

fn drop_reason<E: Error>(text: &str) -> Result<DropReason, E> {
    Ok(match text {
        "loss" => DropReason::Loss,
        "partition" => DropReason::Partition,
        "node_down" => DropReason::NodeDown,
        "unroutable" => DropReason::Unroutable,
        "overflow" => DropReason::Overflow,
        other => return Err(E::unknown_variant(other, DROP_REASONS)),
    })
}

fn reject_reason<E: Error>(text: &str) -> Result<RejectReason, E> {
    RejectReason::ALL
        .into_iter()
        .find(|r| r.as_str() == text)
        .ok_or_else(|| {
            E::custom(format_args!(
                "unknown variant `{text}`, expected a reject reason"
            ))
        })
}

impl<'de> Deserialize<'de> for TraceRecord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TraceRecord, D::Error> {
        let mut r = RawRecord::deserialize(d)?;
        let t_us = need(r.t_us.take(), "t_us")?;
        let node = || need(r.node, "node");
        let kind = match need(r.ev.take(), "ev")?.as_ref() {
            "join" => TraceKind::Join { node: node()? },
            "send" => TraceKind::Send {
                from: need(r.from.take(), "from")?,
                to: need(r.to.take(), "to")?,
                msg_type: need(r.msg_type.take(), "msg_type")?,
                gossip: r.gossip.take(),
                bytes: need(r.bytes.take(), "bytes")?,
                arrive_us: need(r.arrive_us.take(), "arrive_us")?,
            },
            "drop" => TraceKind::Drop {
                from: need(r.from.take(), "from")?,
                to: need(r.to.take(), "to")?,
                msg_type: need(r.msg_type.take(), "msg_type")?,
                gossip: r.gossip.take(),
                reason: drop_reason(&need(r.reason.take(), "reason")?)?,
            },
            "publish" => TraceKind::Publish {
                node: node()?,
                id: need(r.id.take(), "id")?,
            },
            "deliver" => TraceKind::Deliver {
                node: node()?,
                id: need(r.id.take(), "id")?,
                hops: need(r.hops.take(), "hops")?,
                pulled: need(r.pulled.take(), "pulled")?,
                from: None,
            },
            "duplicate" => TraceKind::Duplicate {
                node: node()?,
                id: need(r.id.take(), "id")?,
            },
            "reject" => TraceKind::Reject {
                node: node()?,
                reason: reject_reason(&need(r.reason.take(), "reason")?)?,
            },
            "timer" => TraceKind::Timer { node: node()? },
            "crash" => TraceKind::Crash { node: node()? },
            "restart" => TraceKind::Restart { node: node()? },
            "partition" => TraceKind::Partition {
                groups: need(r.groups.take(), "groups")?,
            },
            "heal" => TraceKind::Heal,
            other => return Err(D::Error::unknown_variant(other, KINDS)),
        };
        Ok(TraceRecord { t_us, kind })
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn every_kind_reads_back_what_was_written() {
        let g = Some(MsgId(3));
        let kinds = vec![
            TraceKind::Join { node: 1 },
            TraceKind::Send {
                from: 1,
                to: 2,
                msg_type: MsgType::Gossip,
                gossip: g,
                bytes: 300,
                arrive_us: 900,
            },
            TraceKind::Drop {
                from: 1,
                to: 2,
                msg_type: MsgType::Ping,
                gossip: None,
                reason: DropReason::NodeDown,
            },
            TraceKind::Publish {
                node: 1,
                id: MsgId(3),
            },
            TraceKind::Deliver {
                node: 2,
                id: MsgId(3),
                hops: 1,
                pulled: true,
                from: None,
            },
            TraceKind::Duplicate {
                node: 2,
                id: MsgId(3),
            },
            TraceKind::Reject {
                node: 2,
                reason: RejectReason::SpoofedSender,
            },
            TraceKind::Timer { node: 4 },
            TraceKind::Crash { node: 4 },
            TraceKind::Restart { node: 4 },
            TraceKind::Partition { groups: 2 },
            TraceKind::Heal,
        ];
        assert_eq!(kinds.len(), KINDS.len());
        for (kind, name) in kinds.into_iter().zip(KINDS) {
            let record = TraceRecord { t_us: 77, kind };
            let text = serde_json::to_string(&record).expect("serializes");
            assert!(text.contains(&format!("\"ev\":\"{name}\"")), "{text}");
            let back: TraceRecord = serde_json::from_str(&text).expect(&text);
            assert_eq!(back, record);
        }
        for (reason, name) in [
            DropReason::Loss,
            DropReason::Partition,
            DropReason::NodeDown,
            DropReason::Unroutable,
            DropReason::Overflow,
        ]
        .into_iter()
        .zip(DROP_REASONS)
        {
            assert_eq!(
                serde_json::to_string(&reason).expect("json"),
                format!("\"{name}\"")
            );
        }
    }

    #[test]
    fn errors_name_what_is_wrong() {
        let err = |text: &str| {
            serde_json::from_str::<TraceRecord>(text)
                .unwrap_err()
                .to_string()
        };
        assert!(err(
            r#"{"t_us":1,"ev":"deliver","node":3,"id":"00000000000000000000000000000003","hops":2}"#
        )
        .starts_with("missing field `pulled`"));
        assert!(err(r#"{"t_us":1,"ev":"warp"}"#).starts_with("unknown variant `warp`"));
        assert!(err(r#"{"t_us":1,"ev":"reject","node":3,"reason":"bored"}"#)
            .starts_with("unknown variant `bored`"));
        assert!(err(r#"{"t_us":"x","ev":"heal"}"#)
            .starts_with("invalid type: string \"x\", expected u64"));
    }
}
