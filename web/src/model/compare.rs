//! The "compare" action: two parameter sets (push against hybrid, or any
//! two) broadcast once each on the same seed with core's simulator, exactly
//! as `gossip experiment` measures a run, so their coverage curves can be
//! overlaid. One side runs per [`Compare::step`] call, keeping frames short.

use gossip_core::metrics::GossipReport;
use gossip_core::sim::{broadcast, BroadcastError};

use super::params::Params;
use super::url::{pairs, LabConfig};

/// Simulated time a broadcast may take after its publish, ms (as `gossip experiment`).
pub const LIMIT_MS: f64 = 30_000.0;

/// One finished side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    /// What sets it apart from the other side, e.g. `mode=push`.
    pub label: String,
    /// Its parameters.
    pub params: Params,
    /// Its broadcast's metrics, coverage curve included.
    pub report: GossipReport,
}

/// Two parameter sets on one seed, run one per step.
#[derive(Debug, Clone)]
pub struct Compare {
    params: [Params; 2],
    labels: [String; 2],
    sides: Vec<Side>,
}

impl Compare {
    /// Compares `a` with `b`, both run on `a`'s seed.
    pub fn new(a: Params, b: Params) -> Compare {
        let b = Params { seed: a.seed, ..b };
        let labels = labels(&a, &b);
        Compare {
            params: [a, b],
            labels,
            sides: Vec::with_capacity(2),
        }
    }

    /// The seed both sides run on.
    pub fn seed(&self) -> u64 {
        self.params[0].seed
    }

    /// Runs the next side; returns whether both are done.
    pub fn step(&mut self) -> Result<bool, BroadcastError> {
        let next = self.sides.len();
        if let (Some(params), Some(label)) = (self.params.get(next), self.labels.get(next)) {
            let report = broadcast(params.scenario(), LIMIT_MS)?;
            self.sides.push(Side {
                label: label.clone(),
                params: params.clone(),
                report,
            });
        }
        Ok(self.is_done())
    }

    /// Runs both sides to the end.
    pub fn run(mut self) -> Result<Compare, BroadcastError> {
        while !self.step()? {}
        Ok(self)
    }

    /// Whether both sides have run.
    pub fn is_done(&self) -> bool {
        self.sides.len() == self.params.len()
    }

    /// The sides finished so far, first parameter set first.
    pub fn sides(&self) -> &[Side] {
        &self.sides
    }
}

/// Short labels naming the settings in which `a` and `b` differ
/// (`"a"` and `"b"` when they are the same).
pub fn labels(a: &Params, b: &Params) -> [String; 2] {
    let query = |p: &Params| {
        LabConfig {
            params: p.clone(),
            ..LabConfig::default()
        }
        .to_query()
    };
    let (qa, qb) = (query(a), query(b));
    let (mut la, mut lb) = (Vec::new(), Vec::new());
    for (pa, pb) in pairs(&qa).zip(pairs(&qb)) {
        if pa != pb {
            la.push(format!("{}={}", pa.0, pa.1));
            lb.push(format!("{}={}", pb.0, pb.1));
        }
    }
    if la.is_empty() {
        return ["a".to_owned(), "b".to_owned()];
    }
    [la.join(", "), lb.join(", ")]
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use gossip_core::Mode;

    use super::*;

    fn lossy(mode: Mode) -> Params {
        Params {
            nodes: 30,
            seed: 11,
            loss_pct: 30.0,
            mode,
            ..Params::default()
        }
    }

    #[test]
    fn push_and_hybrid_on_the_same_seed_give_two_curves() {
        let b = Params {
            seed: 999,
            ..lossy(Mode::Hybrid)
        };
        let mut cmp = Compare::new(lossy(Mode::Push), b);
        assert_eq!(cmp.step(), Ok(false));
        assert_eq!(cmp.sides().len(), 1);
        let cmp = cmp.run().unwrap();
        let [push, hybrid] = cmp.sides() else {
            panic!("two sides expected");
        };
        assert_eq!(cmp.seed(), 11);
        assert_eq!(hybrid.params.seed, 11, "both sides run on the first seed");
        assert_eq!(
            (push.label.as_str(), hybrid.label.as_str()),
            ("mode=push", "mode=hybrid")
        );
        assert!(!push.report.coverage.is_empty() && !hybrid.report.coverage.is_empty());
        assert!(
            hybrid.report.delivery_ratio >= push.report.delivery_ratio,
            "pull repairs losses: {} vs {}",
            hybrid.report.delivery_ratio,
            push.report.delivery_ratio
        );
    }

    #[test]
    fn a_comparison_is_reproducible() {
        let run = || {
            Compare::new(lossy(Mode::Push), lossy(Mode::Hybrid))
                .run()
                .unwrap()
                .sides()
                .to_vec()
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn labels_name_every_difference_or_fall_back() {
        let a = Params::default();
        let b = Params {
            fanout: 5,
            loss_pct: 12.5,
            ..a.clone()
        };
        assert_eq!(
            labels(&a, &b),
            [
                "fanout=3, loss=0".to_owned(),
                "fanout=5, loss=12.5".to_owned()
            ]
        );
        assert_eq!(labels(&a, &a), ["a".to_owned(), "b".to_owned()]);
    }
}
