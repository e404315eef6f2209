//! Typed errors, one enum per domain, and the reasons a node rejects input.
//!
//! Malformed input from the network is a value, never a panic: the node turns
//! every error below into a [`RejectReason`], counts it and reports it as an
//! event, and its state is left exactly as it was before the datagram arrived.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A node or message id that is not 32 lowercase hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum IdError {
    /// The id does not have 32 characters.
    #[error("expected 32 hex digits, got {0} characters")]
    Length(usize),
    /// The id has a character other than `0-9a-f`.
    #[error("expected lowercase hex digits only")]
    NotLowerHex,
}

/// A [`Config`](crate::Config) value no node can run with. The message
/// leaves out the field's name ([`ConfigError::field`] gives it), so a command
/// line can say `--pow-k` where a config file says `pow_k`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// `peer_limit` is 0: the node could never know a peer.
    #[error("must be at least 1")]
    NoPeers,
    /// `pow_k` asks for more leading zeros than a digest has.
    #[error("must be at most {max} (a SHA-256 digest has 64 hex digits), got {k}")]
    PowTooHard {
        /// Difficulty asked for.
        k: u32,
        /// [`MAX_DIFFICULTY`](crate::pow::MAX_DIFFICULTY).
        max: u32,
    },
    /// `ihave_max_ids` exceeds what receivers accept in one list.
    #[error("must be at most {max} (receivers refuse longer lists), got {n}")]
    TooManyIhaveIds {
        /// Ids per IHAVE asked for.
        n: u32,
        /// [`MAX_LIST`](crate::codec::MAX_LIST).
        max: usize,
    },
    /// `ttl` is 0 (nothing could be sent) or above [`MAX_TTL`](crate::config::MAX_TTL).
    #[error("must be between 1 and {max}, got {ttl}")]
    TtlOutOfRange {
        /// Hops asked for.
        ttl: u32,
        /// [`MAX_TTL`](crate::config::MAX_TTL).
        max: u32,
    },
    /// A period is zero: its timer would fire without end.
    #[error("must be a positive duration")]
    ZeroPeriod {
        /// The field: `ping_interval`, `peer_timeout`, `pull_interval`,
        /// `lazy_interval` or `graft_timeout`.
        field: &'static str,
    },
}

impl ConfigError {
    /// The [`Config`](crate::Config) field at fault, in snake_case.
    pub fn field(&self) -> &'static str {
        match self {
            ConfigError::NoPeers => "peer_limit",
            ConfigError::PowTooHard { .. } => "pow_k",
            ConfigError::TooManyIhaveIds { .. } => "ihave_max_ids",
            ConfigError::TtlOutOfRange { .. } => "ttl",
            ConfigError::ZeroPeriod { field } => field,
        }
    }
}

/// Why a datagram could not be decoded into a [`Message`](crate::Message).
/// Nothing about the receiving node changes when decoding fails.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// The datagram is longer than a UDP payload can be.
    #[error("datagram of {len} bytes exceeds the {max} byte UDP limit")]
    TooLarge {
        /// Length received.
        len: usize,
        /// The limit, 65 507 bytes.
        max: usize,
    },
    /// The bytes are not UTF-8.
    #[error("datagram is not valid UTF-8")]
    NotUtf8,
    /// The text is not JSON.
    #[error("datagram is not JSON: {0}")]
    NotJson(String),
    /// The JSON is not an object (or a payload is not an object).
    #[error("`{0}` is not a JSON object")]
    NotObject(&'static str),
    /// A required field is absent.
    #[error("required field `{0}` is missing")]
    MissingField(&'static str),
    /// A field has the wrong JSON type.
    #[error("field `{field}` must be {expected}")]
    WrongType {
        /// The field's name.
        field: &'static str,
        /// The JSON type it must have.
        expected: &'static str,
    },
    /// An integer field is negative or too large.
    #[error("field `{0}` is out of range")]
    OutOfRange(&'static str),
    /// `msg_type` is not one of the eight known types.
    #[error("unknown msg_type {0:?}")]
    UnknownType(String),
    /// `version` is not 1.
    #[error("unsupported protocol version {0}")]
    UnsupportedVersion(i64),
    /// An id field is not 32 lowercase hex digits.
    #[error("field `{field}` is not a valid id: {source}")]
    BadId {
        /// The field's name.
        field: &'static str,
        /// What is wrong with it.
        source: IdError,
    },
    /// An address field is not `ip:port`.
    #[error("field `{0}` is not an ip:port address")]
    BadAddr(&'static str),
    /// A list holds more entries than the protocol allows.
    #[error("list `{field}` has {len} entries, more than {max}")]
    ListTooLong {
        /// The field's name.
        field: &'static str,
        /// Entries received.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// A string is longer than the protocol allows.
    #[error("string `{field}` has {len} bytes, more than {max}")]
    StringTooLong {
        /// The field's name.
        field: &'static str,
        /// Bytes received.
        len: usize,
        /// The bound.
        max: usize,
    },
}

/// A proof of work that does not prove anything to us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PowError {
    /// `hash_alg` is not `sha256`.
    #[error("unsupported hash algorithm")]
    UnsupportedAlgorithm,
    /// The claimed difficulty is below what this node requires.
    #[error("difficulty {claimed} is below the required {required}")]
    TooEasy {
        /// `difficulty_k` in the proof.
        claimed: u32,
        /// This node's `pow_k`.
        required: u32,
    },
    /// `digest_hex` is not SHA-256 of the node id followed by the nonce.
    #[error("digest does not match sha256(node_id || nonce)")]
    DigestMismatch,
    /// The digest does not start with `difficulty_k` zero hex digits.
    #[error("digest lacks the claimed leading zeros")]
    NotEnoughZeros,
}

/// Why [`Node::publish`](crate::Node::publish) refused to publish.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PublishError {
    /// The gossip's datagram would not fit in one UDP payload.
    #[error("the gossip would be a {len} byte datagram, over the {max} byte UDP limit")]
    TooLarge {
        /// Encoded size of the datagram.
        len: usize,
        /// The limit, 65 507 bytes.
        max: usize,
    },
}

/// Why a node refused an input; the key of the rejection counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// Datagram over 65 507 bytes.
    TooLarge,
    /// Not UTF-8.
    NotUtf8,
    /// Not JSON.
    NotJson,
    /// JSON, but not shaped like a message (wrong types, missing fields, bad ids...).
    Malformed,
    /// Unknown `msg_type`.
    UnknownType,
    /// `version` other than 1.
    UnsupportedVersion,
    /// A list or string over its bound.
    Oversized,
    /// HELLO without proof of work while this node requires one.
    PowMissing,
    /// HELLO with a proof of work that does not verify.
    PowInvalid,
    /// `sender_addr` differs from the address the datagram came from.
    SpoofedSender,
    /// GET_PEERS from a peer that has not passed HELLO while proof of work is on.
    Unverified,
    /// A message that claims to come from this node itself.
    FromSelf,
    /// A PEERS_LIST from an address we sent no HELLO or GET_PEERS to lately.
    UnsolicitedPeersList,
    /// A message claiming the id of a live peer we know at another address.
    AddressConflict,
    /// A request only peers may make (IWANT) from a sender not in the table.
    NotAPeer,
    /// A gossip whose datagram, re-encoded to forward it, would exceed 65 507 bytes.
    TooLargeToForward,
}

impl RejectReason {
    /// Every reason, in counter order.
    pub const ALL: [RejectReason; RejectReason::COUNT] = [
        RejectReason::TooLarge,
        RejectReason::NotUtf8,
        RejectReason::NotJson,
        RejectReason::Malformed,
        RejectReason::UnknownType,
        RejectReason::UnsupportedVersion,
        RejectReason::Oversized,
        RejectReason::PowMissing,
        RejectReason::PowInvalid,
        RejectReason::SpoofedSender,
        RejectReason::Unverified,
        RejectReason::FromSelf,
        RejectReason::UnsolicitedPeersList,
        RejectReason::AddressConflict,
        RejectReason::NotAPeer,
        RejectReason::TooLargeToForward,
    ];

    /// Number of reasons: the size of array-backed counters. Every variant's
    /// index is below it (checked at compile time below `ALL`).
    pub const COUNT: usize = 16;

    /// Stable snake_case name, for logs and counters.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::TooLarge => "too_large",
            RejectReason::NotUtf8 => "not_utf8",
            RejectReason::NotJson => "not_json",
            RejectReason::Malformed => "malformed",
            RejectReason::UnknownType => "unknown_type",
            RejectReason::UnsupportedVersion => "unsupported_version",
            RejectReason::Oversized => "oversized",
            RejectReason::PowMissing => "pow_missing",
            RejectReason::PowInvalid => "pow_invalid",
            RejectReason::SpoofedSender => "spoofed_sender",
            RejectReason::Unverified => "unverified",
            RejectReason::FromSelf => "from_self",
            RejectReason::UnsolicitedPeersList => "unsolicited_peers_list",
            RejectReason::AddressConflict => "address_conflict",
            RejectReason::NotAPeer => "not_a_peer",
            RejectReason::TooLargeToForward => "too_large_to_forward",
        }
    }

    /// Position in [`RejectReason::ALL`], for array-backed counters.
    pub fn index(self) -> usize {
        self as usize
    }
}

// A reason added without growing `COUNT` fails to compile here instead of
// indexing out of bounds at run time.
const _: () = {
    let mut i = 0;
    while i < RejectReason::COUNT {
        assert!(RejectReason::ALL[i] as usize == i);
        i += 1;
    }
    assert!(RejectReason::TooLargeToForward as usize + 1 == RejectReason::COUNT);
};

impl DecodeError {
    /// The counter this error is filed under.
    pub fn reason(&self) -> RejectReason {
        match self {
            DecodeError::TooLarge { .. } => RejectReason::TooLarge,
            DecodeError::NotUtf8 => RejectReason::NotUtf8,
            DecodeError::NotJson(_) => RejectReason::NotJson,
            DecodeError::UnknownType(_) => RejectReason::UnknownType,
            DecodeError::UnsupportedVersion(_) => RejectReason::UnsupportedVersion,
            DecodeError::ListTooLong { .. } | DecodeError::StringTooLong { .. } => {
                RejectReason::Oversized
            }
            DecodeError::NotObject(_)
            | DecodeError::MissingField(_)
            | DecodeError::WrongType { .. }
            | DecodeError::OutOfRange(_)
            | DecodeError::BadId { .. }
            | DecodeError::BadAddr(_) => RejectReason::Malformed,
        }
    }
}
