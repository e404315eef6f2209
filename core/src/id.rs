//! Node and message identifiers: 128-bit values written as 32 lowercase hex digits.
//!
//! The original implementation uses Python's `uuid4().hex` for both node ids and
//! message ids. Keeping them as `u128` makes the seen cache and the simulator's
//! million-node runs cheap; the text form is produced only at the codec edge.

use core::fmt;
use core::str::FromStr;

use rand_core::RngCore;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::IdError;

/// Writes `value` as 32 lowercase hex digits into `out`.
pub(crate) fn write_hex128(value: u128, out: &mut [u8; 32]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (i, byte) in value.to_be_bytes().iter().enumerate() {
        out[2 * i] = DIGITS[usize::from(byte >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(byte & 0x0f)];
    }
}

/// Parses exactly 32 lowercase hex digits.
pub(crate) fn parse_hex128(text: &str) -> Result<u128, IdError> {
    let bytes = text.as_bytes();
    if bytes.len() != 32 {
        return Err(IdError::Length(bytes.len()));
    }
    let mut value: u128 = 0;
    for &b in bytes {
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            _ => return Err(IdError::NotLowerHex),
        };
        value = (value << 4) | u128::from(digit);
    }
    Ok(value)
}

/// A random uuid4 (version and variant bits set) drawn from `rng`.
pub(crate) fn random_uuid4(rng: &mut impl RngCore) -> u128 {
    let raw = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
    (raw & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62)
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
    fn uuid4_bits_are_set() {
        let mut rng = crate::rng::NodeRng::from_seed_u64(7);
        let text = MsgId::random(&mut rng).to_string();
        assert_eq!(&text[12..13], "4");
        assert!(matches!(&text[16..17], "8" | "9" | "a" | "b"));
    }
}
