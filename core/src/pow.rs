//! SHA-256 proof of work against Sybil joins.
//!
//! A proof for node id `id` at difficulty `k` is a nonce such that
//! `sha256(id || decimal(nonce))`, written in lowercase hex, starts with `k`
//! zero digits. Expected cost: 16^k attempts. The [`Solver`] works in slices so
//! a browser can spread it over animation frames and a UDP node can run it off
//! its event loop; it allocates nothing per attempt.

use core::time::Duration;

use sha2::{Digest, Sha256};

use crate::error::PowError;
use crate::message::PowProof;

/// The only hash algorithm accepted in a proof.
pub const HASH_ALG: &str = "sha256";
/// The largest meaningful difficulty: a SHA-256 digest has 64 hex digits.
pub const MAX_DIFFICULTY: u32 = 64;

/// `sha256(node_id || decimal(nonce))`.
pub fn digest(node_id: &str, nonce: u64) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(node_id.as_bytes());
    hasher.update(itoa::Buffer::new().format(nonce).as_bytes());
    hasher.finalize().into()
}

/// Number of leading zero hex digits of a digest.
pub fn leading_zero_hex_digits(digest: &[u8; 32]) -> u32 {
    let mut zeros = 0;
    for byte in digest {
        if *byte == 0 {
            zeros += 2;
        } else {
            if byte >> 4 == 0 {
                zeros += 1;
            }
            break;
        }
    }
    zeros
}

/// Lowercase hex of a digest.
pub fn to_hex(digest: &[u8; 32]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    out
}

/// Checks a proof claimed for `node_id` against this node's `required_k`.
pub fn verify(node_id: &str, proof: &PowProof, required_k: u32) -> Result<(), PowError> {
    if proof.hash_alg != HASH_ALG {
        return Err(PowError::UnsupportedAlgorithm);
    }
    if proof.difficulty_k < required_k {
        return Err(PowError::TooEasy {
            claimed: proof.difficulty_k,
            required: required_k,
        });
    }
    let actual = digest(node_id, proof.nonce);
    if to_hex(&actual) != proof.digest_hex {
        return Err(PowError::DigestMismatch);
    }
    if leading_zero_hex_digits(&actual) < proof.difficulty_k {
        return Err(PowError::NotEnoughZeros);
    }
    Ok(())
}

/// Expected number of attempts to solve difficulty `k`: 16^k.
pub fn expected_attempts(k: u32) -> f64 {
    16f64.powi(i32::try_from(k.min(MAX_DIFFICULTY)).unwrap_or(64))
}

/// Hashes per second for `attempts` made in `elapsed` (0 when no time passed).
pub fn hash_rate(attempts: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        attempts as f64 / secs
    } else {
        0.0
    }
}

/// An incremental proof-of-work search, starting at nonce 0 like the original.
#[derive(Clone)]
pub struct Solver {
    prefix: Sha256,
    difficulty_k: u32,
    next_nonce: u64,
}

impl Solver {
    /// A search for a proof of difficulty `k` (clamped to 64) for `node_id`.
    pub fn new(node_id: &str, difficulty_k: u32) -> Solver {
        let mut prefix = Sha256::new();
        prefix.update(node_id.as_bytes());
        Solver {
            prefix,
            difficulty_k: difficulty_k.min(MAX_DIFFICULTY),
            next_nonce: 0,
        }
    }

    /// Attempts made so far (the next nonce to try).
    pub fn attempts(&self) -> u64 {
        self.next_nonce
    }

    /// The difficulty being solved.
    pub fn difficulty_k(&self) -> u32 {
        self.difficulty_k
    }

    /// Tries at most `budget` nonces; returns the proof when one is found.
    pub fn step(&mut self, budget: u64) -> Option<PowProof> {
        let full_zero_bytes = (self.difficulty_k / 2) as usize;
        let half_byte = self.difficulty_k % 2 == 1;
        let mut digits = itoa::Buffer::new();
        for _ in 0..budget {
            let nonce = self.next_nonce;
            self.next_nonce = self.next_nonce.wrapping_add(1);
            let mut hasher = self.prefix.clone();
            hasher.update(digits.format(nonce).as_bytes());
            let out: [u8; 32] = hasher.finalize().into();
            if out[..full_zero_bytes].iter().all(|b| *b == 0)
                && (!half_byte || out[full_zero_bytes] >> 4 == 0)
            {
                return Some(PowProof {
                    hash_alg: HASH_ALG.to_owned(),
                    difficulty_k: self.difficulty_k,
                    nonce,
                    digest_hex: to_hex(&out),
                });
            }
        }
        None
    }

    /// Runs the search to the end.
    pub fn solve(mut self) -> PowProof {
        loop {
            if let Some(proof) = self.step(1 << 16) {
                return proof;
            }
        }
    }
}

/// Solves difficulty `k` for `node_id` in one call.
pub fn solve(node_id: &str, difficulty_k: u32) -> PowProof {
    Solver::new(node_id, difficulty_k).solve()
}
