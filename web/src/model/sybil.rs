//! The Sybil demo: an attacker joins `identities` fake identities into a
//! network that requires proof-of-work difficulty `k`.
//!
//! The attacker really solves every proof with core's [`Solver`], in slices
//! ([`SybilRun::step`] takes an attempt budget so a frame never freezes), and
//! simulated time advances by `attempts / hash_rate`: the attacker's machine
//! computes while the network keeps running. Each solved identity joins
//! through a random honest node with core's [`Simulator::add_node`], so the
//! real HELLO check decides admission. A forging attacker presents made-up
//! proofs at no cost and must get nothing in. Everything is deterministic
//! from the seed, whatever the budgets.

use core::time::Duration;

use gossip_core::id::NodeId;
use gossip_core::pow::{self, Solver};
use gossip_core::rng::{mix64, NodeRng};
use gossip_core::sim::{Newcomer, Simulator};
use gossip_core::{PowProof, Time};

use super::params::{OverlayKind, Params};

/// Most identities one attacker tries.
pub const MAX_IDENTITIES: u32 = 256;
/// Hardest difficulty the demo offers.
pub const MAX_K: u32 = 6;
/// Admissions are checked on this simulated-time grid, ms.
const CHECK_EVERY_MS: f64 = 10.0;
/// Simulated time the network gets after the last join to decide, ms.
const SETTLE_MS: f64 = 3_000.0;

/// What the attacker is configured with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SybilParams {
    /// Difficulty the network requires (clamped to [`MAX_K`]).
    pub k: u32,
    /// Fake identities to join (clamped to `1..=MAX_IDENTITIES`).
    pub identities: u32,
    /// Attempts per second of the attacker's machine (measured or set).
    pub hash_rate: f64,
}

impl Default for SybilParams {
    /// 20 identities at k = 4 by a machine hashing a million times a second.
    fn default() -> SybilParams {
        SybilParams {
            k: 4,
            identities: 20,
            hash_rate: 1_000_000.0,
        }
    }
}

impl SybilParams {
    /// The parameters with every field in range; a hash rate that is not a
    /// positive number becomes the default.
    pub fn clamped(self) -> SybilParams {
        SybilParams {
            k: self.k.min(MAX_K),
            identities: self.identities.clamp(1, MAX_IDENTITIES),
            hash_rate: if self.hash_rate.is_finite() && self.hash_rate >= 1.0 {
                self.hash_rate
            } else {
                SybilParams::default().hash_rate
            },
        }
    }
}

/// How the attacker obtains its proofs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attacker {
    /// Solves a real proof for every identity.
    Solver,
    /// Presents made-up proofs (all-zero digest), spending nothing.
    Forger,
}

/// The state of one fake identity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Identity {
    /// Its node index in the simulation.
    pub index: u32,
    /// Its id.
    pub id: NodeId,
    /// The honest node it joined through.
    pub target: u32,
    /// Simulated ms after the attack started when it sent its HELLO.
    pub joined_ms: f64,
    /// When its target was first seen holding it in its peer table (on a
    /// 10 ms grid); `None` while refused.
    pub admitted_ms: Option<f64>,
}

/// How a node of a Sybil run is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SybilFill {
    /// One of the network's own nodes.
    Honest,
    /// A fake identity some honest node took into its peer table.
    Admitted,
    /// A fake identity no honest node has taken (yet).
    Refused,
}

/// Where one attacker stands.
#[derive(Debug, Clone, PartialEq)]
pub struct SybilReport {
    /// Difficulty required by the network.
    pub k: u32,
    /// How proofs were obtained.
    pub attacker: Attacker,
    /// Identities to try.
    pub identities: u32,
    /// Identities that sent their HELLO.
    pub tried: u32,
    /// Identities an honest node took into its peer table.
    pub admitted: u32,
    /// Honest peer-table entries held by fake identities once the run is
    /// finished (counting them scans every table, too slow for every frame).
    pub table_entries: Option<u32>,
    /// Hash attempts spent.
    pub attempts: u64,
    /// Attacker machine time those attempts took, ms.
    pub attacker_ms: f64,
    /// Simulated ms since the attack started.
    pub elapsed_ms: f64,
    /// Admitted identities per simulated second, measured from the start of
    /// the attack to the last admission (0 before the first).
    pub admitted_per_s: f64,
    /// Whether every identity tried and the network had time to decide.
    pub finished: bool,
}

struct Solving {
    id: NodeId,
    target: u32,
    solver: Option<Solver>,
}

/// One attacker against one network.
pub struct SybilRun {
    sim: Simulator,
    honest: u32,
    k: u32,
    attacker: Attacker,
    hash_rate: f64,
    wanted: u32,
    rng: NodeRng,
    start: Time,
    attempts: u64,
    solving: Option<Solving>,
    identities: Vec<Identity>,
    next_check_ms: f64,
    clock_ms: f64,
    finished: bool,
}

impl SybilRun {
    /// A network built from `params` (wired directly as a random regular
    /// overlay, so honest nodes never solve proofs themselves) that requires
    /// difficulty `sybil.k`, and an attacker about to start.
    pub fn new(params: &Params, sybil: SybilParams, attacker: Attacker) -> SybilRun {
        let sybil = sybil.clamped();
        let mut scenario = Params {
            overlay: OverlayKind::Random,
            ..params.clone()
        }
        .scenario();
        scenario.node.pow_k = sybil.k;
        scenario.trace = false;
        let sim = Simulator::new(scenario);
        let honest = sim.len();
        let salt = match attacker {
            Attacker::Solver => 0x5b11_501e,
            Attacker::Forger => 0x5b11_f0f6,
        };
        SybilRun {
            start: sim.now(),
            sim,
            honest,
            k: sybil.k,
            attacker,
            hash_rate: sybil.hash_rate,
            wanted: sybil.identities,
            rng: NodeRng::from_seed_u64(mix64(params.seed ^ salt ^ u64::from(sybil.k))),
            attempts: 0,
            solving: None,
            identities: Vec::new(),
            next_check_ms: 0.0,
            clock_ms: 0.0,
            finished: false,
        }
    }

    /// The simulation (honest nodes are `0..honest_count()`, identities after).
    pub fn sim(&self) -> &Simulator {
        &self.sim
    }

    /// Number of honest nodes.
    pub fn honest_count(&self) -> u32 {
        self.honest
    }

    /// The identities that have joined so far.
    pub fn identities(&self) -> &[Identity] {
        &self.identities
    }

    /// The identity at node index `i`, if `i` is one.
    pub fn identity_at(&self, i: u32) -> Option<&Identity> {
        self.identities
            .get(usize::try_from(i.checked_sub(self.honest)?).ok()?)
    }

    /// How node `i` is drawn: honest, or a fake identity admitted or refused
    /// so far; `None` past the last node.
    pub fn fill(&self, i: u32) -> Option<SybilFill> {
        if i < self.honest {
            return Some(SybilFill::Honest);
        }
        let identity = self.identity_at(i)?;
        Some(match identity.admitted_ms {
            Some(_) => SybilFill::Admitted,
            None => SybilFill::Refused,
        })
    }

    /// Whether the attack is over and the network has decided.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Spends at most `budget` hash attempts (each join counts as at least
    /// one), advancing the network by the time they take. After the last
    /// join the network settles for 3 s of simulated time, 10 ms per unit of
    /// budget. Returns whether the run is finished.
    pub fn step(&mut self, budget: u64) -> bool {
        let mut left = budget.max(1);
        while left > 0 && !self.finished {
            if self.identities.len() as u32 >= self.wanted {
                let settle_until = self.last_join_ms() + SETTLE_MS;
                let until = (self.elapsed_ms() + CHECK_EVERY_MS * left as f64).min(settle_until);
                self.advance_to(until);
                self.finished = self.elapsed_ms() >= settle_until;
                break;
            }
            let (spent, proof) = self.work(left);
            left = left.saturating_sub(spent.max(1));
            self.attempts += spent;
            self.advance_to(self.attacker_ms());
            if let Some(proof) = proof {
                self.join(proof);
            }
        }
        self.finished
    }

    /// Where the attacker stands now.
    pub fn report(&self) -> SybilReport {
        let admitted: Vec<f64> = self
            .identities
            .iter()
            .filter_map(|i| i.admitted_ms)
            .collect();
        let last = admitted.iter().copied().fold(0.0, f64::max);
        SybilReport {
            k: self.k,
            attacker: self.attacker,
            identities: self.wanted,
            tried: self.identities.len() as u32,
            admitted: admitted.len() as u32,
            table_entries: self.finished.then(|| {
                self.identities
                    .iter()
                    .map(|i| self.sim.holders_of(i.id, 0..self.honest))
                    .sum()
            }),
            attempts: self.attempts,
            attacker_ms: self.attacker_ms(),
            elapsed_ms: self.elapsed_ms(),
            admitted_per_s: if last > 0.0 {
                admitted.len() as f64 / (last / 1_000.0)
            } else {
                0.0
            },
            finished: self.finished,
        }
    }

    fn elapsed_ms(&self) -> f64 {
        self.clock_ms
    }

    fn attacker_ms(&self) -> f64 {
        self.attempts as f64 / self.hash_rate * 1_000.0
    }

    fn last_join_ms(&self) -> f64 {
        self.identities.last().map_or(0.0, |i| i.joined_ms)
    }

    /// Works on the current identity; returns the attempts spent and its
    /// proof once there is one.
    fn work(&mut self, budget: u64) -> (u64, Option<PowProof>) {
        let k = self.k;
        let attacker = self.attacker;
        let honest = self.honest;
        let rng = &mut self.rng;
        let current = self.solving.get_or_insert_with(|| {
            let id = NodeId::random(rng);
            let target = rng.below(u64::from(honest)) as u32;
            let solver =
                (attacker == Attacker::Solver).then(|| Solver::new(id.to_hex().as_str(), k));
            Solving { id, target, solver }
        });
        match &mut current.solver {
            None => (0, Some(forged(k))),
            Some(solver) => {
                let before = solver.attempts();
                let proof = solver.step(budget);
                (solver.attempts() - before, proof)
            }
        }
    }

    fn join(&mut self, proof: PowProof) {
        let Some(current) = self.solving.take() else {
            return;
        };
        let newcomer = Newcomer::new(current.id, current.target, Some(proof));
        if let Ok(index) = self.sim.add_node(newcomer) {
            self.identities.push(Identity {
                index,
                id: current.id,
                target: current.target,
                joined_ms: self.elapsed_ms(),
                admitted_ms: None,
            });
        }
    }

    /// Runs the network to `ms` after the attack started, checking
    /// admissions at every grid point on the way.
    fn advance_to(&mut self, ms: f64) {
        while self.next_check_ms <= ms {
            self.sim.run_until(self.at(self.next_check_ms));
            self.check_admissions(self.next_check_ms);
            self.next_check_ms += CHECK_EVERY_MS;
        }
        self.sim.run_until(self.at(ms));
        self.clock_ms = self.clock_ms.max(ms);
    }

    fn at(&self, ms: f64) -> Time {
        self.start + Duration::from_secs_f64(ms.max(0.0) / 1_000.0)
    }

    fn check_admissions(&mut self, ms: f64) {
        for identity in self.identities.iter_mut() {
            if identity.admitted_ms.is_none() && self.sim.knows(identity.target, identity.id) {
                identity.admitted_ms = Some(ms);
            }
        }
    }
}

/// A proof that claims difficulty `k` but proves nothing.
fn forged(k: u32) -> PowProof {
    PowProof {
        hash_alg: pow::HASH_ALG.to_owned(),
        difficulty_k: k,
        nonce: 0,
        digest_hex: "0".repeat(64),
    }
}

/// The classroom comparison: the same attacker at k = 0 and at the chosen k,
/// and a forger at the chosen k (at least 1, since k = 0 checks nothing).
pub struct SybilDemo {
    runs: [SybilRun; 3],
}

impl SybilDemo {
    /// Three runs on the same network parameters and seed.
    pub fn new(params: &Params, sybil: SybilParams) -> SybilDemo {
        let sybil = sybil.clamped();
        SybilDemo {
            runs: [
                SybilRun::new(params, SybilParams { k: 0, ..sybil }, Attacker::Solver),
                SybilRun::new(params, sybil, Attacker::Solver),
                SybilRun::new(
                    params,
                    SybilParams {
                        k: sybil.k.max(1),
                        ..sybil
                    },
                    Attacker::Forger,
                ),
            ],
        }
    }

    /// The runs: free identities (k = 0), the chosen k, the forger.
    pub fn runs(&self) -> &[SybilRun; 3] {
        &self.runs
    }

    /// Gives each unfinished run `budget` attempts; returns whether all are done.
    pub fn step(&mut self, budget: u64) -> bool {
        let mut done = true;
        for run in &mut self.runs {
            done &= run.step(budget);
        }
        done
    }

    /// Whether every run is finished.
    pub fn is_finished(&self) -> bool {
        self.runs.iter().all(SybilRun::is_finished)
    }

    /// The three reports, in the order of [`SybilDemo::runs`].
    pub fn reports(&self) -> [SybilReport; 3] {
        [
            self.runs[0].report(),
            self.runs[1].report(),
            self.runs[2].report(),
        ]
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn params() -> Params {
        Params {
            nodes: 20,
            seed: 7,
            ..Params::default()
        }
    }

    fn sybil(k: u32) -> SybilParams {
        SybilParams {
            k,
            identities: 8,
            hash_rate: 20_000.0,
        }
    }

    fn finish(run: &mut SybilRun, budget: u64) -> SybilReport {
        for _ in 0..1_000_000 {
            if run.step(budget) {
                break;
            }
        }
        run.report()
    }

    #[test]
    fn a_forger_gets_no_identity_in() {
        let mut run = SybilRun::new(&params(), sybil(3), Attacker::Forger);
        let r = finish(&mut run, 1_000);
        assert!(r.finished);
        assert_eq!(r.tried, 8);
        assert_eq!((r.admitted, r.table_entries, r.attempts), (0, Some(0), 0));
        assert_eq!(r.admitted_per_s, 0.0);
    }

    #[test]
    fn higher_difficulty_admits_fewer_identities_per_second() {
        let mut free = SybilRun::new(&params(), sybil(0), Attacker::Solver);
        let mut costly = SybilRun::new(&params(), sybil(3), Attacker::Solver);
        let free = finish(&mut free, 1_000);
        let costly = finish(&mut costly, 1_000);
        assert_eq!(free.admitted, 8);
        assert_eq!(costly.admitted, 8, "valid proofs get in, only later");
        assert_eq!(free.attempts, 8, "at k = 0 every first nonce works");
        assert!(costly.attempts > 8 * 100);
        assert!(costly.attacker_ms > 100.0 * free.attacker_ms);
        assert!(
            free.admitted_per_s > 3.0 * costly.admitted_per_s,
            "{} vs {} per s",
            free.admitted_per_s,
            costly.admitted_per_s
        );
    }

    #[test]
    fn the_outcome_does_not_depend_on_the_budget_per_call() {
        let mut a = SybilRun::new(&params(), sybil(2), Attacker::Solver);
        let mut b = SybilRun::new(&params(), sybil(2), Attacker::Solver);
        let (ra, rb) = (finish(&mut a, 17), finish(&mut b, 100_000));
        assert_eq!(ra, rb);
        assert_eq!(a.identities(), b.identities());
    }

    #[test]
    fn the_demo_compares_free_costly_and_forged_identities() {
        let mut demo = SybilDemo::new(&params(), sybil(2));
        assert!(!demo.step(1));
        assert_eq!(
            demo.reports()[1].table_entries,
            None,
            "counted once finished"
        );
        let steps = (0..100_000).take_while(|_| !demo.step(5_000)).count();
        assert!(demo.is_finished(), "finished after {steps} steps");
        let [free, chosen, forger] = demo.reports();
        assert_eq!((free.k, chosen.k, forger.k), (0, 2, 2));
        assert_eq!(forger.admitted, 0);
        assert!(free.admitted_per_s > chosen.admitted_per_s);
        let first = demo.runs()[1].identities()[0];
        assert_eq!(demo.runs()[1].identity_at(first.index), Some(&first));
        assert_eq!(demo.runs()[1].identity_at(0), None);
        let (chosen, forged) = (&demo.runs()[1], &demo.runs()[2]);
        assert_eq!(chosen.fill(0), Some(SybilFill::Honest));
        assert_eq!(chosen.fill(first.index), Some(SybilFill::Admitted));
        assert_eq!(forged.fill(forged.honest_count()), Some(SybilFill::Refused));
        assert_eq!(chosen.fill(chosen.sim().len()), None);
    }

    #[test]
    fn out_of_range_settings_are_clamped() {
        let p = SybilParams {
            k: 99,
            identities: 0,
            hash_rate: f64::NAN,
        }
        .clamped();
        assert_eq!((p.k, p.identities), (MAX_K, 1));
        assert_eq!(p.hash_rate, SybilParams::default().hash_rate);
    }
}
