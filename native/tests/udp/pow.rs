//! Proof of work keeps joiners without a proof out.

use std::time::Duration;

use crate::common::{of_kind, test_dir, Proc};

#[test]
fn a_pow_seed_refuses_a_joiner_without_proof_and_admits_one_with_proof() {
    let dir = test_dir("pow");
    let seed = Proc::start(&dir, "seed", &["--pow-k", "3"]);
    let bootstrap = seed.addr.to_string();

    let lazy = Proc::start(&dir, "lazy", &["--bootstrap", &bootstrap]);
    let lazy_addr = lazy.addr.to_string();
    // Its HELLO has no proof, and its GET_PEERS comes from a node that never
    // passed HELLO: both are refused.
    seed.wait_for(
        "the proofless joiner's rejections",
        Duration::from_secs(10),
        |l| {
            let rejected = of_kind(l, "rejected");
            let from_lazy = |reason: &str| {
                rejected
                    .iter()
                    .any(|e| e["reason"] == reason && e["from"] == lazy_addr.as_str())
            };
            from_lazy("pow_missing") && from_lazy("unverified")
        },
    );

    let worker = Proc::start(&dir, "worker", &["--bootstrap", &bootstrap, "--pow-k", "3"]);
    let worker_lines = worker.wait_for("joining", Duration::from_secs(10), |l| {
        !of_kind(l, "joined").is_empty()
    });
    let solved = of_kind(&worker_lines, "pow_solved");
    assert_eq!(solved.len(), 1, "one proof solved");
    assert_eq!(solved[0]["difficulty_k"], 3);
    assert!(worker.log_text().contains("proof of work solved"));
    let seed_lines = seed.wait_for("the worker's admission", Duration::from_secs(10), |l| {
        of_kind(l, "peer_added")
            .iter()
            .any(|e| e["peer"] == worker.id.as_str())
    });
    assert!(of_kind(&seed_lines, "pow_accepted")
        .iter()
        .any(|e| e["peer"] == worker.id.as_str()));

    // The proofless joiner never made it into the seed's table, nor learnt any peer.
    assert!(
        !seed.peers().contains(&lazy.id),
        "seed admitted the proofless joiner"
    );
    assert!(
        lazy.peers().is_empty(),
        "proofless joiner learnt peers: {:?}",
        lazy.peers()
    );
    assert!(of_kind(&lazy.lines(), "joined").is_empty());
    // A seed presents no proof, so it does not spend time solving one.
    assert!(of_kind(&seed.lines(), "pow_solved").is_empty());
}
