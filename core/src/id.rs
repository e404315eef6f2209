//! Node and message identifiers: 128-bit values written as 32 lowercase hex digits.
//!
//! The original implementation uses Python's `uuid4().hex` for both node ids and
//! message ids. Keeping them as `u128` makes the seen cache and the simulator's
//! million-node runs cheap; the text form is produced only at the codec edge.
//! The uuid crate builds the version-4 ids (from a node's seeded generator, so
//! runs stay deterministic) and writes and reads the hex form.

use core::fmt;
use core::str::FromStr;

use rand_core::RngCore;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::{Builder, Uuid};

use crate::error::IdError;

/// Writes `value` as 32 lowercase hex digits into `out`.
pub(crate) fn write_hex128(value: u128, out: &mut [u8; 32]) {
    Uuid::from_u128(value).simple().encode_lower(out);
}

/// Parses exactly 32 lowercase hex digits (the wire's form: no hyphens, braces
/// or capitals, which uuid's own parser would accept).
pub(crate) fn parse_hex128(text: &str) -> Result<u128, IdError> {
    let bytes = text.as_bytes();
    if bytes.len() != 32 {
        return Err(IdError::Length(bytes.len()));
    }
    if bytes.iter().any(u8::is_ascii_uppercase) {
        return Err(IdError::NotLowerHex);
    }
    Uuid::try_parse_ascii(bytes)
        .map(|id| id.as_u128())
        .map_err(|_| IdError::NotLowerHex)
}

/// A uuid4 (version and variant bits set) from 16 random bytes.
pub(crate) fn uuid4_from_bytes(bytes: [u8; 16]) -> u128 {
    Builder::from_random_bytes(bytes).into_uuid().as_u128()
}

/// A random uuid4 drawn from `rng`: two 64-bit draws, most significant first.
pub(crate) fn random_uuid4(rng: &mut impl RngCore) -> u128 {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&rng.next_u64().to_be_bytes());
    bytes[8..].copy_from_slice(&rng.next_u64().to_be_bytes());
    uuid4_from_bytes(bytes)
}

macro_rules! hex_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub u128);

        impl $name {
            /// A fresh uuid4 drawn from the given random source.
            pub fn random(rng: &mut impl RngCore) -> Self {
                Self(random_uuid4(rng))
            }

            /// The uuid4 made of 16 random bytes (version and variant bits
            /// overwritten), for drivers that draw them from the operating system.
            pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
                Self(uuid4_from_bytes(bytes))
            }

            /// The 32 lowercase hex digits, on the stack.
            pub fn to_hex(self) -> HexBuf {
                let mut buf = [0u8; 32];
                write_hex128(self.0, &mut buf);
                HexBuf(buf)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                parse_hex128(s).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.to_hex().as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), &self.to_hex().as_str()[..8])
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.to_hex().as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

hex_id!(
    /// Identity of a node (`sender_id`, `origin_id`, `node_id` on the wire).
    NodeId
);
hex_id!(
    /// Identity of a message; for a gossip the id is the gossip itself and is
    /// kept unchanged on every hop.
    MsgId
);

/// 32 hex digits held on the stack, so formatting an id never allocates.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HexBuf([u8; 32]);

impl core::fmt::Debug for HexBuf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl HexBuf {
    /// The digits as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written into the buffer.
        core::str::from_utf8(&self.0).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn hex_round_trip() {
        let id = NodeId(0x0123_4567_89ab_cdef_0011_2233_4455_6677);
        assert_eq!(id.to_string(), "0123456789abcdef0011223344556677");
        assert_eq!("0123456789abcdef0011223344556677".parse::<NodeId>(), Ok(id));
    }

    #[test]
    fn rejects_bad_hex() {
        assert_eq!("abc".parse::<MsgId>(), Err(IdError::Length(3)));
        assert_eq!(
            "0123456789ABCDEF0011223344556677".parse::<MsgId>(),
            Err(IdError::NotLowerHex)
        );
    }

    #[test]
    fn random_ids_are_the_generators_two_draws_most_significant_first() {
        let mut rng = crate::rng::NodeRng::from_seed_u64(11);
        let (hi, lo) = (rng.next_u64(), rng.next_u64());
        let id = NodeId::random(&mut crate::rng::NodeRng::from_seed_u64(11));
        let version_and_variant = (0xf << 76) | (0x3 << 62);
        let raw = (u128::from(hi) << 64) | u128::from(lo);
        assert_eq!(id.0 & !version_and_variant, raw & !version_and_variant);
        assert_eq!(id.0 & version_and_variant, (0x4 << 76) | (0x2 << 62));
    }

    #[test]
    fn rejects_uuid_forms_the_wire_does_not_use() {
        let hyphenated = "01234567-89ab-cdef-0011-223344556677";
        assert_eq!(hyphenated.parse::<NodeId>(), Err(IdError::Length(36)));
        assert_eq!(
            "0123456789abcdef001122334455667g".parse::<NodeId>(),
            Err(IdError::NotLowerHex)
        );
    }

    #[test]
    fn uuid4_bits_are_set() {
        let mut rng = crate::rng::NodeRng::from_seed_u64(7);
        let text = MsgId::random(&mut rng).to_string();
        assert_eq!(&text[12..13], "4");
        assert!(matches!(&text[16..17], "8" | "9" | "a" | "b"));
    }
}
