//! The proof-of-work panel's state: a real [`gossip_core::pow::Solver`] run
//! at full speed in a Web Worker ([`WorkerRun`], driven by `crate::pow_worker`),
//! or in slices of animation frames ([`PowRun`]) where no worker can start,
//! so a frame never spends more than its budget hashing.

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
    /// A search for `node_id` at difficulty `k` (capped at [`MAX_K`]).
    pub fn for_id(node_id: &str, k: u32) -> PowRun {
        let solver = Solver::new(node_id, k.min(MAX_K));
        PowRun {
            node_id: node_id.to_owned(),
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

/// Attempts per [`Solver::step`] in a worker between clock readings (about
/// a millisecond of hashing).
const WORKER_CHUNK: u64 = 4_096;
/// Wall-clock ms between two progress reports of a worker.
pub const REPORT_EVERY_MS: f64 = 100.0;

/// What a worker is asked to do: prove `node_id` at difficulty `k`, or give
/// up after `max_ms` of hashing (a rate measurement asks for an unreachable
/// `k` and a short `max_ms`).
#[derive(Clone, Debug, PartialEq)]
pub struct WorkerJob {
    /// The identity to prove (32 hex digits).
    pub node_id: String,
    /// Difficulty, capped at [`gossip_core::pow::MAX_DIFFICULTY`].
    pub k: u32,
    /// Longest hashing time, ms.
    pub max_ms: f64,
}

impl WorkerJob {
    /// A search for a fresh id drawn from `seed` at difficulty `k` (capped
    /// at [`MAX_K`]), with no time limit.
    pub fn solve(k: u32, seed: u64) -> WorkerJob {
        WorkerJob {
            node_id: NodeId::random(&mut NodeRng::from_seed_u64(seed)).to_string(),
            k: k.min(MAX_K),
            max_ms: f64::INFINITY,
        }
    }

    /// A rate measurement: `ms` of hashing at a difficulty never reached.
    pub fn measure(ms: f64, seed: u64) -> WorkerJob {
        WorkerJob {
            k: pow::MAX_DIFFICULTY,
            max_ms: ms,
            ..WorkerJob::solve(0, seed)
        }
    }
}

/// A worker's progress, posted every [`REPORT_EVERY_MS`] and once at the end
/// (the default: nothing tried yet).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorkerReport {
    /// Nonces tried.
    pub attempts: u64,
    /// Hashing time so far, ms.
    pub elapsed_ms: f64,
    /// The proof, once found.
    pub proof: Option<PowProof>,
    /// Whether the worker stopped (solved or out of time).
    pub done: bool,
}

impl WorkerReport {
    /// Attempts per second; `None` until [`MIN_TIMED_MS`] of hashing.
    pub fn hash_rate(&self) -> Option<f64> {
        (self.elapsed_ms >= MIN_TIMED_MS).then(|| {
            pow::hash_rate(
                self.attempts,
                core::time::Duration::from_secs_f64(self.elapsed_ms / 1000.0),
            )
        })
    }

    /// What the panel shows for `job` at this report.
    pub fn view(&self, job: &WorkerJob) -> PowView {
        PowView {
            k: job.k,
            node_id: job.node_id.clone(),
            attempts: self.attempts,
            elapsed_ms: self.elapsed_ms,
            hash_rate: self.hash_rate(),
            expected: pow::expected_attempts(job.k),
            proof: self.proof.as_ref().map(|p| (p.nonce, p.digest_hex.clone())),
        }
    }
}

/// A worker's search, run in slices of [`REPORT_EVERY_MS`] that end with a
/// report: the worker returns to its event loop between slices, so the
/// browser can swap in optimised code for the hashing loop (it cannot
/// replace code that is still running).
pub struct WorkerRun {
    job: WorkerJob,
    solver: Solver,
    started_ms: Option<f64>,
    done: bool,
}

impl WorkerRun {
    /// A search for `job`; its clock starts with the first slice.
    pub fn new(job: WorkerJob) -> WorkerRun {
        WorkerRun {
            solver: Solver::new(&job.node_id, job.k),
            job,
            started_ms: None,
            done: false,
        }
    }

    /// Whether the last slice found the proof or ran out of time.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Hashes for [`REPORT_EVERY_MS`] of `clock()` (less when solved or out
    /// of time) and reports.
    pub fn slice(&mut self, mut clock: impl FnMut() -> f64) -> WorkerReport {
        let begin = clock();
        let start = *self.started_ms.get_or_insert(begin);
        loop {
            let proof = self.solver.step(WORKER_CHUNK);
            let now = clock();
            let elapsed_ms = (now - start).max(0.0);
            self.done = proof.is_some() || elapsed_ms >= self.job.max_ms;
            if self.done || now - begin >= REPORT_EVERY_MS {
                return WorkerReport {
                    attempts: proof
                        .as_ref()
                        .map_or(self.solver.attempts(), |p| p.nonce + 1),
                    elapsed_ms,
                    proof,
                    done: self.done,
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_verifiable_proof_in_slices() {
        let mut run = PowRun::for_id(&WorkerJob::solve(0, 7).node_id, 3);
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
        let mut run = PowRun::for_id(&WorkerJob::solve(0, 3).node_id, 1);
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
        let mut run = PowRun::for_id(&WorkerJob::solve(0, 1).node_id, 0);
        assert!(run.work_until(10.0, || 0.0));
        assert_eq!(run.view().attempts, 1);
    }

    #[test]
    fn difficulty_is_capped() {
        assert_eq!(
            PowRun::for_id(&WorkerJob::solve(0, 1).node_id, 60).view().k,
            MAX_K
        );
    }

    /// Every report of `job`, run in slices on a clock that moves 10 ms a
    /// reading.
    fn run_to_the_end(job: &WorkerJob) -> Vec<WorkerReport> {
        let mut t = 0.0;
        let mut reports = Vec::new();
        let mut run = WorkerRun::new(job.clone());
        while !run.is_done() {
            reports.push(run.slice(|| {
                t += 10.0;
                t
            }));
        }
        reports
    }

    #[test]
    fn a_worker_job_reports_progress_then_a_verifiable_proof() {
        let job = WorkerJob::solve(3, 11);
        let reports = run_to_the_end(&job);
        let last = reports.last().cloned().expect("a final report");
        assert!(last.done);
        assert!(reports[..reports.len() - 1].iter().all(|r| !r.done));
        let proof = last.proof.clone().expect("solved");
        assert!(pow::verify(&job.node_id, &proof, 3).is_ok());
        assert_eq!(last.attempts, proof.nonce + 1);
        let view = last.view(&job);
        assert_eq!(view.proof.map(|(n, _)| n), Some(proof.nonce));
        assert_eq!(view.expected, 4096.0);
        assert!(
            reports.windows(2).all(|w| w[0].attempts <= w[1].attempts),
            "attempts only grow"
        );
    }

    #[test]
    fn a_measurement_stops_at_its_time_limit_with_a_rate() {
        let job = WorkerJob::measure(300.0, 5);
        assert_eq!(job.k, pow::MAX_DIFFICULTY);
        let reports = run_to_the_end(&job);
        let last = reports.last().expect("a final report");
        assert!(last.done && last.proof.is_none());
        assert_eq!(last.elapsed_ms, 300.0);
        // One chunk per clock reading, but for the reading that opens each
        // of the three slices: 30 - 2 chunks in 300 ms.
        assert_eq!(last.attempts, 4_096 * 28);
        let rate = last.hash_rate().expect("timed long enough");
        assert!((rate - 4_096.0 * 28.0 / 0.3).abs() < 1e-6);
        assert_eq!(reports.len(), 3, "every 100 ms, the last one at the end");
        assert_eq!(WorkerJob::solve(60, 1).k, MAX_K);
    }
}
