//! The experiments tab: the chosen parameters broadcast once per seed with
//! core's [`broadcast`] (the run `gossip experiment` makes), summarised as
//! mean ± std by core's [`Aggregate`]. One run per [`Batch::step`] call, so
//! the page stays responsive while the table fills in.

use gossip_core::metrics::{Aggregate, GossipReport, Summary};
use gossip_core::sim::{broadcast, BroadcastError};

use super::compare::LIMIT_MS;
use super::params::Params;

/// Most seeds in one batch.
pub const MAX_SEEDS: u32 = 200;

/// One seed's broadcast.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The seed.
    pub seed: u64,
    /// Its metrics, or why it produced none.
    pub outcome: Result<GossipReport, BroadcastError>,
}

/// One line of the mean ± std table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TableRow {
    /// What is measured.
    pub metric: &'static str,
    /// Its unit (empty for counts and ratios).
    pub unit: &'static str,
    /// Mean, sample standard deviation and runs counted.
    pub summary: Summary,
}

/// A batch of seeds for one parameter set, run incrementally.
#[derive(Debug, Clone)]
pub struct Batch {
    params: Params,
    seeds: u32,
    runs: Vec<Run>,
}

impl Batch {
    /// `seeds` runs (clamped to `1..=MAX_SEEDS`) of `params`, on seeds
    /// `params.seed`, `params.seed + 1`, ...
    pub fn new(params: Params, seeds: u32) -> Batch {
        let seeds = seeds.clamp(1, MAX_SEEDS);
        Batch {
            params,
            seeds,
            runs: Vec::with_capacity(seeds as usize),
        }
    }

    /// The parameters every run shares (apart from the seed).
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Runs the next seed; returns whether the batch is complete.
    pub fn step(&mut self) -> bool {
        if !self.is_done() {
            let seed = self.params.seed.wrapping_add(self.runs.len() as u64);
            let params = Params {
                seed,
                ..self.params.clone()
            };
            let outcome = broadcast(params.scenario(), LIMIT_MS);
            self.runs.push(Run { seed, outcome });
        }
        self.is_done()
    }

    /// Whether every seed has run.
    pub fn is_done(&self) -> bool {
        self.runs.len() as u32 >= self.seeds
    }

    /// Runs finished and runs planned.
    pub fn progress(&self) -> (u32, u32) {
        (self.runs.len() as u32, self.seeds)
    }

    /// The runs so far, in seed order.
    pub fn runs(&self) -> &[Run] {
        &self.runs
    }

    /// The reports of the runs that produced one.
    pub fn reports(&self) -> Vec<GossipReport> {
        self.runs
            .iter()
            .filter_map(|r| r.outcome.as_ref().ok().cloned())
            .collect()
    }

    /// Mean ± std over the runs so far (core's [`Aggregate`]).
    pub fn aggregate(&self) -> Aggregate {
        Aggregate::of(&self.reports())
    }

    /// The aggregate as table rows, in the order `gossip experiment` prints them.
    pub fn table(&self) -> Vec<TableRow> {
        table(&self.aggregate())
    }
}

/// The rows of the mean ± std table of `a`.
pub fn table(a: &Aggregate) -> Vec<TableRow> {
    let row = |metric, unit, summary| TableRow {
        metric,
        unit,
        summary,
    };
    vec![
        row("delivery ratio", "", a.delivery_ratio),
        row("time to 95%", "ms", a.t95_ms),
        row("time to 100%", "ms", a.t100_ms),
        row("overhead (messages in [t0, t95])", "", a.overhead),
        row("total messages", "", a.total_messages),
        row("duplicates", "", a.duplicates),
        row("RMR", "", a.rmr),
        row("mean hops", "", a.mean_hops),
    ]
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn small() -> Params {
        Params {
            nodes: 15,
            seed: 5,
            ..Params::default()
        }
    }

    #[test]
    fn one_run_per_step_then_mean_and_std() {
        let mut batch = Batch::new(small(), 3);
        assert!(!batch.step());
        assert_eq!(batch.progress(), (1, 3));
        assert!(!batch.step());
        assert!(batch.step());
        assert!(batch.step(), "stepping a complete batch changes nothing");
        assert_eq!(batch.runs().len(), 3);
        let seeds: Vec<u64> = batch.runs().iter().map(|r| r.seed).collect();
        assert_eq!(seeds, [5, 6, 7]);
        let rows = batch.table();
        assert_eq!(rows.len(), 8);
        assert_eq!(rows[0].metric, "delivery ratio");
        assert_eq!(rows[0].summary.n, 3);
        assert!(rows[0].summary.mean > 0.9);
        assert!(rows[4].summary.std >= 0.0 && rows[4].summary.mean > 0.0);
    }

    #[test]
    fn the_table_is_core_aggregate_of_core_broadcasts() {
        let mut batch = Batch::new(small(), 2);
        while !batch.step() {}
        let expected: Vec<GossipReport> = [5, 6]
            .iter()
            .map(|&seed| {
                let p = Params { seed, ..small() };
                broadcast(p.scenario(), LIMIT_MS).unwrap()
            })
            .collect();
        assert_eq!(batch.aggregate(), Aggregate::of(&expected));
    }

    #[test]
    fn seed_counts_are_bounded() {
        assert_eq!(Batch::new(small(), 0).progress(), (0, 1));
        assert_eq!(Batch::new(small(), 10_000).progress(), (0, MAX_SEEDS));
    }
}
