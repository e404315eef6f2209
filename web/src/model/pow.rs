//! The proof-of-work panel's state: a real [`gossip_core::pow::Solver`] run in
//! slices, so a frame never spends more than its budget hashing.

use gossip_core::id::NodeId;
use gossip_core::pow::{self, Solver};
use gossip_core::rng::NodeRng;
use gossip_core::PowProof;

/// Hardest difficulty offered by the slider.
pub const MAX_K: u32 = 6;
/// Attempts per call to [`Solver::step`] between clock readings.
const SLICE: u64 = 512;
/// Shortest hashing time whose rate the panel reports, ms: a quicker run
/// is mostly clock granularity and start-up noise.
pub const MIN_TIMED_MS: f64 = 50.0;

/// One proof-of-work search for a fresh identity, advanced frame by frame.
pub struct PowRun {
    node_id: String,
    solver: Solver,
    /// Wall time of the first slice: the clock starts when hashing does,
    /// not when the run was made (page start-up is not hashing time).
    started_ms: Option<f64>,
    elapsed_ms: f64,
    proof: Option<PowProof>,
}

/// What the panel shows about a run.
#[derive(Clone, Debug, PartialEq)]
pub struct PowView {
    /// Difficulty being solved.
    pub k: u32,
    /// The identity (32 hex digits) the proof is for.
    pub node_id: String,
    /// Nonces tried.
    pub attempts: u64,
    /// Wall-clock time spent since the run started, in ms.
    pub elapsed_ms: f64,
    /// Attempts per second so far; `None` until [`MIN_TIMED_MS`] of hashing.
    pub hash_rate: Option<f64>,
    /// Expected attempts, 16^k.
    pub expected: f64,
    /// The winning nonce and digest once solved.
    pub proof: Option<(u64, String)>,
}

impl PowRun {
    /// A search at difficulty `k` for a fresh id drawn from `seed`; its
    /// clock starts with the first [`PowRun::work_until`].
    pub fn new(k: u32, seed: u64) -> PowRun {
        let node_id = NodeId::random(&mut NodeRng::from_seed_u64(seed)).to_string();
        let solver = Solver::new(&node_id, k.min(MAX_K));
        PowRun {
            node_id,
            solver,
            started_ms: None,
            elapsed_ms: 0.0,
            proof: None,
        }
    }

    /// Whether the proof has been found.
    pub fn is_solved(&self) -> bool {
        self.proof.is_some()
    }

    /// Hashes until solved or until `clock()` passes `deadline_ms`; checks the
    /// clock every few hundred attempts. Returns whether the run is solved.
    pub fn work_until(&mut self, deadline_ms: f64, mut clock: impl FnMut() -> f64) -> bool {
        if self.proof.is_none() && self.started_ms.is_none() {
            self.started_ms = Some(clock());
        }
        while self.proof.is_none() {
            self.proof = self.solver.step(SLICE);
            let now = clock();
            self.elapsed_ms = (now - self.started_ms.unwrap_or(now)).max(0.0);
            if now >= deadline_ms {
                break;
            }
        }
        self.is_solved()
    }

    /// The numbers shown in the panel.
    pub fn view(&self) -> PowView {
        let attempts = match &self.proof {
            Some(p) => p.nonce + 1,
            None => self.solver.attempts(),
        };
        PowView {
            k: self.solver.difficulty_k(),
            node_id: self.node_id.clone(),
            attempts,
            elapsed_ms: self.elapsed_ms,
            hash_rate: (self.elapsed_ms >= MIN_TIMED_MS).then(|| {
                pow::hash_rate(
                    attempts,
                    core::time::Duration::from_secs_f64(self.elapsed_ms / 1000.0),
                )
            }),
            expected: pow::expected_attempts(self.solver.difficulty_k()),
            proof: self.proof.as_ref().map(|p| (p.nonce, p.digest_hex.clone())),
        }
    }

    /// The proof, when found; it verifies with [`pow::verify`].
    pub fn proof(&self) -> Option<&PowProof> {
        self.proof.as_ref()
    }

    /// The identity being proven.
    pub fn node_id(&self) -> &str {
        &self.node_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_verifiable_proof_in_slices() {
        let mut run = PowRun::new(3, 7);
        let mut t = 1_000.0;
        let mut frames = 0;
        // Each "frame" is allowed one clock tick of 10 ms, i.e. one slice.
        while !run.work_until(t + 1.0, || {
            t += 10.0;
            t
        }) {
            frames += 1;
            assert!(frames < 100_000, "no proof found");
        }
        assert!(frames > 0, "k = 3 should need more than one slice");
        let proof = run.proof().cloned().expect("solved");
        assert!(pow::verify(run.node_id(), &proof, 3).is_ok());
        let view = run.view();
        assert_eq!(view.attempts, proof.nonce + 1);
        assert_eq!(view.expected, 4096.0);
        assert!(view.elapsed_ms >= MIN_TIMED_MS, "10 ms per slice");
        assert!(view.hash_rate.unwrap() > 0.0);
    }

    #[test]
    fn the_clock_starts_with_hashing_and_short_runs_have_no_rate() {
        let mut run = PowRun::new(1, 3);
        let mut t = 5_000.0;
        run.work_until(f64::INFINITY, || {
            t += 0.001;
            t
        });
        let view = run.view();
        assert!(
            view.elapsed_ms < 1.0,
            "start-up before the first slice is not counted"
        );
        assert_eq!(view.hash_rate, None);
    }

    #[test]
    fn k_zero_is_solved_at_once() {
        let mut run = PowRun::new(0, 1);
        assert!(run.work_until(10.0, || 0.0));
        assert_eq!(run.view().attempts, 1);
    }

    #[test]
    fn difficulty_is_capped() {
        assert_eq!(PowRun::new(60, 1).view().k, MAX_K);
    }
}
