//! Proof of work against vectors computed with independent tools:
//! `printf abc42 | sha256sum` and Python's hashlib.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use gossip_core::pow::{self, Solver};
use gossip_core::{PowError, PowProof};

const ID: &str = "5f2b1c9e8d7a6b5c4d3e2f1a0b9c8d7e";

#[test]
fn digest_matches_sha256sum() {
    // printf abc42 | sha256sum
    assert_eq!(
        pow::to_hex(&pow::digest("abc", 42)),
        "8216ac77f5c9ed66907b03f1d78b795e7cdd315cecd13df42cd7245d45e16b06"
    );
    // printf abc0 | sha256sum
    assert_eq!(
        pow::to_hex(&pow::digest("abc", 0)),
        "56abfbd7d2ea606e667945422de5a368b8b0272b8f29081cb058b594dd7e3249"
    );
}

/// First nonces from 0 meeting each difficulty, found with Python's hashlib.
const VECTORS: [(u32, u64, &str); 4] = [
    (
        1,
        13,
        "058f1481617d7722ef14830f14bbed13a88c536dc6e37c40f2ab023258b7c759",
    ),
    (
        2,
        490,
        "00ea40c39f9d53a2abe561d9a3f5c8a27e33a6ced2fdd79626050d655a5e6b52",
    ),
    (
        3,
        10_308,
        "0004f5a84ff06cccdc7538d1679536da7783ab21b6c4a64c7351e18c178f3b25",
    ),
    (
        4,
        184_451,
        "000087dbd9d5f255b4f159866b4f6d612d47ccfe4cc9278a72dee7999e186313",
    ),
];

#[test]
fn solver_finds_the_first_valid_nonce() {
    for (k, nonce, digest) in VECTORS {
        let proof = pow::solve(ID, k);
        assert_eq!(
            (proof.nonce, proof.digest_hex.as_str()),
            (nonce, digest),
            "k = {k}"
        );
        assert_eq!(pow::verify(ID, &proof, k), Ok(()));
    }
}

#[test]
fn solver_works_in_slices() {
    let mut solver = Solver::new(ID, 3);
    let mut slices = 0;
    let proof = loop {
        slices += 1;
        if let Some(p) = solver.step(1_000) {
            break p;
        }
    };
    assert_eq!(proof.nonce, 10_308);
    assert_eq!(slices, 11);
    assert_eq!(solver.attempts(), 10_309);
}

fn proof(k: u32, nonce: u64, digest: &str) -> PowProof {
    PowProof {
        hash_alg: "sha256".into(),
        difficulty_k: k,
        nonce,
        digest_hex: digest.into(),
    }
}

#[test]
fn verify_rejects_every_kind_of_bad_proof() {
    let (k, nonce, digest) = VECTORS[2];
    let good = proof(k, nonce, digest);
    assert_eq!(pow::verify(ID, &good, 3), Ok(()));
    assert_eq!(
        pow::verify(ID, &good, 2),
        Ok(()),
        "a harder proof than required is fine"
    );
    assert_eq!(
        pow::verify(ID, &good, 4),
        Err(PowError::TooEasy {
            claimed: 3,
            required: 4
        })
    );
    assert_eq!(
        pow::verify(ID, &proof(k, nonce + 1, digest), 3),
        Err(PowError::DigestMismatch)
    );
    assert_eq!(
        pow::verify("ffffffffffffffffffffffffffffffff", &good, 3),
        Err(PowError::DigestMismatch)
    );
    assert_eq!(
        pow::verify(ID, &proof(k, nonce, &digest.to_uppercase()), 3),
        Err(PowError::DigestMismatch)
    );
    // The right digest for the nonce, but it has 3 zeros, not the 4 claimed.
    assert_eq!(
        pow::verify(ID, &proof(4, nonce, digest), 4),
        Err(PowError::NotEnoughZeros)
    );
    let mut md5 = good.clone();
    md5.hash_alg = "md5".into();
    assert_eq!(
        pow::verify(ID, &md5, 3),
        Err(PowError::UnsupportedAlgorithm)
    );
}

#[test]
fn leading_zero_digits_and_costs() {
    let mut d = [0xffu8; 32];
    assert_eq!(pow::leading_zero_hex_digits(&d), 0);
    d[0] = 0x0f;
    assert_eq!(pow::leading_zero_hex_digits(&d), 1);
    d[0] = 0;
    d[1] = 0x10;
    assert_eq!(pow::leading_zero_hex_digits(&d), 2);
    assert_eq!(pow::leading_zero_hex_digits(&[0; 32]), 64);
    assert_eq!(pow::expected_attempts(4), 65_536.0);
    assert_eq!(
        pow::hash_rate(1_000, core::time::Duration::from_millis(500)),
        2_000.0
    );
}
