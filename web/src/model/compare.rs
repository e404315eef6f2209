//! The "compare" action: any number of parameter sets (usually the same
//! parameters in several of core's strategies) broadcast once each on the
//! same seed with core's simulator, exactly as `gossip experiment` measures
//! a run, so their coverage curves can be overlaid. One set runs per
//! [`Compare::step`] call, keeping frames short.

use gossip_core::metrics::GossipReport;
use gossip_core::sim::{broadcast, BroadcastError};
use gossip_core::Mode;

use super::params::{Params, PARAMS};

/// Simulated time a broadcast may take after its publish, ms (as `gossip experiment`).
pub const LIMIT_MS: f64 = 30_000.0;

/// The strategies compared when nobody picked any: the original's two.
pub const DEFAULT_MODES: [Mode; 2] = [Mode::Push, Mode::Hybrid];

/// One finished run of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    /// What sets it apart from the other runs, e.g. `mode=push`.
    pub label: String,
    /// Its parameters.
    pub params: Params,
    /// Its broadcast's metrics, coverage curve included.
    pub report: GossipReport,
}

/// Parameter sets on one seed, run one per step.
#[derive(Debug, Clone)]
pub struct Compare {
    params: Vec<Params>,
    labels: Vec<String>,
    sides: Vec<Side>,
}

impl Compare {
    /// Compares the parameter sets, every one run on the first one's seed.
    pub fn new(sets: Vec<Params>) -> Compare {
        let seed = sets.first().map_or(0, |p| p.seed);
        let params: Vec<Params> = sets.into_iter().map(|p| Params { seed, ..p }).collect();
        let labels = labels(&params);
        Compare {
            sides: Vec::with_capacity(params.len()),
            params,
            labels,
        }
    }

    /// Compares `base` in each of `modes`, in that order.
    pub fn strategies(base: &Params, modes: &[Mode]) -> Compare {
        Compare::new(
            modes
                .iter()
                .map(|&mode| Params {
                    mode,
                    ..base.clone()
                })
                .collect(),
        )
    }

    /// The seed every run uses.
    pub fn seed(&self) -> u64 {
        self.params.first().map_or(0, |p| p.seed)
    }

    /// How many runs the comparison has.
    pub fn len(&self) -> usize {
        self.params.len()
    }

    /// Whether there is nothing to compare.
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// Runs the next set; returns whether all are done.
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

    /// Runs every set to the end.
    pub fn run(mut self) -> Result<Compare, BroadcastError> {
        while !self.step()? {}
        Ok(self)
    }

    /// Whether every set has run.
    pub fn is_done(&self) -> bool {
        self.sides.len() == self.params.len()
    }

    /// The runs finished so far, in the order of the sets.
    pub fn sides(&self) -> &[Side] {
        &self.sides
    }
}

/// Short labels naming the settings in which the sets differ (`"a"`, `"b"`,
/// … when they are all the same), as `key=value` in [`PARAMS`] order.
pub fn labels(sets: &[Params]) -> Vec<String> {
    let mut out = vec![Vec::new(); sets.len()];
    for param in PARAMS.iter() {
        let texts: Vec<String> = sets.iter().map(|p| param.text(p)).collect();
        if texts.iter().any(|t| Some(t) != texts.first()) {
            for (label, text) in out.iter_mut().zip(texts) {
                label.push(format!("{}={text}", param.key));
            }
        }
    }
    out.into_iter()
        .enumerate()
        .map(|(i, parts)| {
            if parts.is_empty() {
                char::from(b'a' + (i % 26) as u8).to_string()
            } else {
                parts.join(", ")
            }
        })
        .collect()
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
        let mut cmp = Compare::new(vec![lossy(Mode::Push), b]);
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
    fn three_strategies_give_three_runs_named_by_mode() {
        let modes = [Mode::Push, Mode::Plumtree, Mode::Pull];
        let cmp = Compare::strategies(&lossy(Mode::Hybrid), &modes)
            .run()
            .unwrap();
        let names: Vec<&str> = cmp.sides().iter().map(|s| s.label.as_str()).collect();
        assert_eq!(names, ["mode=push", "mode=plumtree", "mode=pull"]);
        for (side, mode) in cmp.sides().iter().zip(modes) {
            assert_eq!(side.params.mode, mode);
            assert!(!side.report.coverage.is_empty(), "{mode} delivered nothing");
        }
        assert!(Compare::strategies(&lossy(Mode::Push), &[])
            .run()
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_comparison_is_reproducible() {
        let run = || {
            Compare::strategies(&lossy(Mode::Push), &Mode::ALL)
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
        let c = Params {
            mode: Mode::Pull,
            ..a.clone()
        };
        assert_eq!(
            labels(&[a.clone(), b, c]),
            [
                "fanout=3, mode=hybrid, loss=0",
                "fanout=5, mode=hybrid, loss=12.5",
                "fanout=3, mode=pull, loss=0"
            ]
        );
        assert_eq!(labels(&[a.clone(), a]), ["a", "b"]);
    }
}
