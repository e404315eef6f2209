//! The figures of `gossip experiment` (simulated or `--real`), built from
//! its runs: coverage over time per N, and one three-panel comparison
//! (convergence, overhead, delivery) per swept parameter.
//!
//! Each figure varies one parameter and holds the others at a reference:
//! fanout 3 and ttl 8 when the grid has them (the original's Phase 3), the
//! first loss, and the largest N for the fanout, ttl and loss sweeps.

use gossip_core::metrics::{GossipReport, Summary};
use gossip_core::theory::Setting;
use gossip_core::Mode;

use super::axis::Unit;
use super::coverage;
use super::figure::{Bar, Content, Figure, Panel};
use crate::experiment::{distinct, GroupKey, RunResult};

/// A swept parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Param {
    N,
    Fanout,
    Ttl,
    Loss,
}

impl Param {
    fn of(self, k: &GroupKey) -> f64 {
        match self {
            Param::N => f64::from(k.n),
            Param::Fanout => f64::from(k.fanout),
            Param::Ttl => f64::from(k.ttl),
            Param::Loss => k.loss,
        }
    }

    /// Its name in titles and on the x axis.
    fn name(self) -> &'static str {
        match self {
            Param::N => "network size N",
            Param::Fanout => "fanout",
            Param::Ttl => "ttl",
            Param::Loss => "loss",
        }
    }

    /// A value as a category label.
    fn label(self, v: f64) -> String {
        match self {
            Param::Loss => percent(v),
            _ => format!("{v:.0}"),
        }
    }

    /// File stem of its figure.
    fn figure_name(self) -> &'static str {
        match self {
            Param::N => "per_n",
            Param::Fanout => "fanout_effect",
            Param::Ttl => "ttl_effect",
            Param::Loss => "loss_effect",
        }
    }
}

/// A loss probability as a percentage.
fn percent(p: f64) -> String {
    let v = p * 100.0;
    if v.fract() == 0.0 {
        format!("{v:.0}%")
    } else {
        format!("{v}%")
    }
}

/// The values the other parameters are held at.
#[derive(Debug, Clone, Copy)]
struct Reference {
    n: u32,
    fanout: u32,
    ttl: u32,
    loss: f64,
}

impl Reference {
    fn of(keys: &[GroupKey]) -> Option<Reference> {
        Some(Reference {
            n: keys.iter().map(|k| k.n).max()?,
            fanout: pick(&distinct(keys.iter().map(|k| k.fanout)), 3)?,
            ttl: pick(&distinct(keys.iter().map(|k| k.ttl)), 8)?,
            loss: distinct(keys.iter().map(|k| k.loss)).first().copied()?,
        })
    }

    /// Whether `k` holds every parameter but `varied` at the reference.
    fn holds(&self, k: &GroupKey, varied: Param) -> bool {
        (varied == Param::N || k.n == self.n)
            && (varied == Param::Fanout || k.fanout == self.fanout)
            && (varied == Param::Ttl || k.ttl == self.ttl)
            && (varied == Param::Loss || k.loss == self.loss)
    }

    /// What was fixed while `varied` varied, for a subtitle.
    fn describe(&self, varied: Param) -> String {
        let mut parts = Vec::new();
        if varied != Param::N {
            parts.push(format!("N = {}", self.n));
        }
        if varied != Param::Fanout {
            parts.push(format!("fanout {}", self.fanout));
        }
        if varied != Param::Ttl {
            parts.push(format!("ttl {}", self.ttl));
        }
        if varied != Param::Loss {
            parts.push(format!("loss {}", percent(self.loss)));
        }
        parts.join(", ")
    }
}

fn pick<T: Copy + PartialEq>(values: &[T], preferred: T) -> Option<T> {
    values
        .iter()
        .copied()
        .find(|v| *v == preferred)
        .or_else(|| values.first().copied())
}

/// A legend label: the mode, capitalised.
fn mode_label(mode: Mode) -> String {
    capitalised(mode.as_str())
}

/// "Push vs hybrid", or the one mode's name.
fn modes_title(modes: &[Mode]) -> String {
    let names: Vec<&str> = modes.iter().map(|m| m.as_str()).collect();
    capitalised(&names.join(" vs "))
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// "5 seeds", or "2 to 5 seeds" when groups differ: runs per parameter set
/// within each of `sets` (a set is one series, so a simulated and a real
/// run of the same parameters are not counted together).
fn seeds<'a>(sets: impl IntoIterator<Item = &'a [&'a RunResult]>) -> String {
    let mut counts = Vec::new();
    for runs in sets {
        for key in distinct(runs.iter().map(|r| r.params.group())) {
            counts.push(runs.iter().filter(|r| r.params.group() == key).count());
        }
    }
    let (lo, hi) = (
        counts.iter().copied().min().unwrap_or(0),
        counts.iter().copied().max().unwrap_or(0),
    );
    let unit = if hi == 1 { "seed" } else { "seeds" };
    if lo == hi {
        format!("{hi} {unit}")
    } else {
        format!("{lo} to {hi} {unit}")
    }
}

/// Every figure of an experiment: coverage over time, the per-N comparison,
/// and a comparison for each other parameter the grid sweeps.
/// With `hop_ms` (the simulated one-way latency, the models' round), core's
/// theory curves are drawn over the coverage panels.
pub fn figures(results: &[RunResult], hop_ms: Option<f64>) -> Vec<Figure> {
    let keys = distinct(results.iter().map(|r| r.params.group()));
    let Some(reference) = Reference::of(&keys) else {
        return Vec::new();
    };
    let modes = distinct(keys.iter().map(|k| k.mode));
    let mut out = vec![coverage_figure(results, &reference, &modes, hop_ms)];
    for varied in [Param::N, Param::Fanout, Param::Ttl, Param::Loss] {
        let values = distinct(keys.iter().map(|k| varied.of(k)).map(f64::to_bits));
        if varied == Param::N || values.len() > 1 {
            out.push(sweep_figure(
                &by_mode(results, &modes),
                &reference,
                varied,
                Names {
                    name: varied.figure_name().to_owned(),
                    title: format!("{} by {}", modes_title(&modes), varied.name()),
                },
            ));
        }
    }
    out
}

/// Coverage over time: one panel per N, one curve per mode.
fn coverage_figure(
    results: &[RunResult],
    reference: &Reference,
    modes: &[Mode],
    hop_ms: Option<f64>,
) -> Figure {
    let kept: Vec<&RunResult> = results
        .iter()
        .filter(|r| reference.holds(&r.params.group(), Param::N))
        .collect();
    let axis = coverage::time_axis(kept.iter().map(|r| &r.report));
    let mut sizes = distinct(kept.iter().map(|r| r.params.n));
    sizes.sort_unstable();
    let panels = sizes
        .iter()
        .map(|&n| {
            let curves = modes
                .iter()
                .enumerate()
                .filter_map(|(series, &mode)| {
                    let runs: Vec<&GossipReport> = kept
                        .iter()
                        .filter(|r| r.params.n == n && r.params.mode == mode)
                        .map(|r| &r.report)
                        .collect();
                    coverage::curve(series, &runs, axis)
                })
                .collect();
            let panel = coverage::panel(format!("N = {n}"), axis, curves);
            match hop_ms {
                Some(hop_ms) => coverage::with_theory(
                    panel,
                    &Setting {
                        nodes: n,
                        fanout: reference.fanout,
                        hop_ms,
                        loss: reference.loss,
                        failed: 0.0,
                    },
                ),
                None => panel,
            }
        })
        .collect();
    Figure {
        name: "coverage_over_time".to_owned(),
        title: format!(
            "Coverage over time, {} by network size N",
            modes_title(modes).to_lowercase()
        ),
        subtitle: format!(
            "{}; line: mean of {}, band: min to max{}",
            reference.describe(Param::N),
            seeds([kept.as_slice()]),
            if hop_ms.is_some() {
                "; grey: theory (infect and die, Pittel's push rounds, Serf's model)"
            } else {
                ""
            }
        ),
        legend: modes.iter().map(|m| mode_label(*m)).collect(),
        panels,
    }
}

/// Mean ± std of `f` over the runs where it is defined; `None` if nowhere.
fn bar(runs: &[&GossipReport], f: impl Fn(&GossipReport) -> Option<f64>) -> Option<Bar> {
    let summary = Summary::of(runs.iter().filter_map(|r| f(r)));
    (summary.n > 0).then_some(Bar {
        mean: summary.mean,
        std: summary.std,
        runs: summary.n,
        of: runs.len(),
    })
}

/// A labelled set of runs: one bar per category in every panel.
struct Series<'a> {
    label: String,
    runs: Vec<&'a RunResult>,
}

/// One series per mode.
fn by_mode<'a>(results: &'a [RunResult], modes: &[Mode]) -> Vec<Series<'a>> {
    modes
        .iter()
        .map(|&mode| Series {
            label: mode_label(mode),
            runs: results.iter().filter(|r| r.params.mode == mode).collect(),
        })
        .collect()
}

/// The parts of a sweep figure that name it.
struct Names {
    name: String,
    title: String,
}

/// Convergence, overhead and delivery against `varied`, one bar per series.
fn sweep_figure(series: &[Series], reference: &Reference, varied: Param, names: Names) -> Figure {
    let series: Vec<Series> = series
        .iter()
        .map(|s| Series {
            label: s.label.clone(),
            runs: s
                .runs
                .iter()
                .copied()
                .filter(|r| reference.holds(&r.params.group(), varied))
                .collect(),
        })
        .collect();
    let all: Vec<&RunResult> = series.iter().flat_map(|s| s.runs.iter().copied()).collect();
    let mut values = distinct(all.iter().map(|r| varied.of(&r.params.group()).to_bits()))
        .into_iter()
        .map(f64::from_bits)
        .collect::<Vec<_>>();
    values.sort_by(f64::total_cmp);
    let categories: Vec<String> = values.iter().map(|v| varied.label(*v)).collect();
    let metric = |f: &dyn Fn(&[&GossipReport]) -> Option<Bar>| -> Vec<Vec<Option<Bar>>> {
        series
            .iter()
            .map(|s| {
                values
                    .iter()
                    .map(|&v| {
                        let runs: Vec<&GossipReport> = s
                            .runs
                            .iter()
                            .filter(|r| varied.of(&r.params.group()) == v)
                            .map(|r| &r.report)
                            .collect();
                        if runs.is_empty() {
                            None
                        } else {
                            f(&runs)
                        }
                    })
                    .collect()
            })
            .collect()
    };
    let x_label = match varied {
        Param::N => "nodes N".to_owned(),
        other => other.name().to_owned(),
    };
    let panel = |title: &str, y_label: &str, y_unit: Unit, bars: Vec<Vec<Option<Bar>>>| Panel {
        title: title.to_owned(),
        x_label: x_label.clone(),
        y_label: y_label.to_owned(),
        y_unit,
        content: Content::Bars {
            categories: categories.clone(),
            bars,
        },
    };
    let panels = vec![
        panel(
            "Convergence: time to 95% of nodes",
            "t95 (ms)",
            Unit::Millis,
            metric(&|runs| bar(runs, |r| r.t95_ms)),
        ),
        panel(
            "Overhead: messages in [t0, t95]",
            "messages sent",
            Unit::Count,
            // Only defined where the run reached 95 %.
            metric(&|runs| bar(runs, |r| r.overhead.map(|o| o as f64))),
        ),
        panel(
            "Delivery: nodes reached",
            "nodes holding the gossip",
            Unit::Percent,
            metric(&|runs| bar(runs, |r| Some(r.delivery_ratio * 100.0))),
        ),
    ];
    Figure {
        name: names.name,
        title: names.title,
        subtitle: format!(
            "{}; bars: mean of {}, whiskers: ± 1 std",
            reference.describe(varied),
            seeds(series.iter().map(|s| s.runs.as_slice()))
        ),
        legend: series.iter().map(|s| s.label.clone()).collect(),
        panels,
    }
}

/// The simulator's prediction beside the real measurement, by N, one bar
/// per mode and source (`gossip experiment --real`).
pub fn sim_vs_real(real: &[RunResult], predicted: &[RunResult]) -> Option<Figure> {
    let keys = distinct(real.iter().map(|r| r.params.group()));
    let reference = Reference::of(&keys)?;
    let modes = distinct(keys.iter().map(|k| k.mode));
    let series: Vec<Series> = modes
        .iter()
        .flat_map(|&mode| {
            [("simulator", predicted), ("real nodes", real)].map(|(source, runs)| Series {
                label: format!("{}, {source}", mode_label(mode)),
                runs: runs.iter().filter(|r| r.params.mode == mode).collect(),
            })
        })
        .collect();
    Some(sweep_figure(
        &series,
        &reference,
        Param::N,
        Names {
            name: "sim_vs_real".to_owned(),
            title: "Simulator prediction vs real nodes on loopback, by network size N".to_owned(),
        },
    ))
}
