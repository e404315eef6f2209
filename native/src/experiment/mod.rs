//! `gossip experiment`: a grid over N x fanout x ttl x mode x loss x seeds,
//! run in parallel on the simulator (each run deterministic), written as
//! results.csv, results.json, summary.md, SVG and PNG charts, and
//! report.html (the tables and every chart on one page).
//!
//! Out of the box it reproduces the original assignment's Phase 3 (N = 10, 20,
//! 50; fanout 2, 3, 5; push and hybrid; 5 seeds) and adds a ttl sweep. With
//! `--real` the same grid (without the ttl sweep) runs on real UDP nodes on
//! loopback ([`real`]), or with `--real --netns` on real processes in
//! network namespaces ([`netns`]), measured from their events by the same
//! core metrics, and set beside the simulator's prediction ([`compare`]).

mod calibrate;
mod compare;
mod netns;
mod output;
mod real;

pub use output::rounded_json;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use gossip_core::metrics::{Aggregate, GossipReport, Scorecard};
use gossip_core::sim::{default_publish_ms, Scenario};
use gossip_core::Mode;
use indicatif::{ParallelProgressIterator, ProgressBar};
use rayon::prelude::*;
use serde::Serialize;

use crate::args::mode_parser;
use crate::sim_cmd::SimParams;

/// Seconds of flood that `--calibrate` measures.
const CALIBRATION_SECS: f64 = 2.0;

/// `gossip experiment` flags.
#[derive(Debug, Args)]
#[command(after_long_help = real::HELP)]
pub struct ExperimentArgs {
    /// Run every grid point on real nodes (one UDP socket each, loopback) instead of
    /// the simulator, and compare with the simulator's prediction (see below)
    #[arg(long)]
    pub real: bool,
    /// With --real: run every grid point on N real `gossip` processes, one
    /// per network namespace on one bridge (scripts/netns-testbed.sh; needs
    /// root), with --losses dropped at random by nftables on every node's
    /// input
    #[arg(long, requires = "real")]
    pub netns: bool,
    /// With --netns: the testbed script [default: scripts/netns-testbed.sh of
    /// this binary's checkout]
    #[arg(long, value_name = "PATH", requires = "netns")]
    pub testbed: Option<PathBuf>,
    /// Network sizes
    #[arg(long, num_args = 1.., value_name = "N", default_values_t = [10u32, 20, 50])]
    pub sizes: Vec<u32>,
    /// Fanouts
    #[arg(long, num_args = 1.., value_name = "F", default_values_t = [2u32, 3, 5])]
    pub fanouts: Vec<u32>,
    /// TTLs [default: 2 4 8; with --real: 8]
    #[arg(long, num_args = 1.., value_name = "HOPS")]
    pub ttls: Option<Vec<u32>>,
    /// Dissemination strategies to compare
    #[arg(long, num_args = 1.., value_delimiter = ',', value_parser = mode_parser(), default_values_t = [Mode::Push, Mode::Hybrid])]
    pub modes: Vec<Mode>,
    /// Loss probabilities
    #[arg(long, num_args = 1.., value_name = "P", default_values_t = [0.0f64])]
    pub losses: Vec<f64>,
    /// Seeds per parameter set (the assignment asks for at least 5)
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub seeds: u64,
    /// First seed; runs use seeds first..first+seeds
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub first_seed: u64,
    /// With --real: seeds the simulator's prediction runs per grid point
    /// (first..first+N), so that it gives the model's expected outcome,
    /// and the range a mean of the real seeds would fall in if the real
    /// nodes behaved as the model does (summary.md)
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub predict_seeds: u64,
    /// Directory for results.csv, results.json, summary.md, charts/ (SVG and PNG) and report.html
    #[arg(long, value_name = "DIR", default_value = "results")]
    pub out: PathBuf,
    /// Parallel runs [default: one per core; with --real: 1; --netns runs one at a time]
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Stop waiting for quiescence this many ms after publishing
    #[arg(long, value_name = "MS", default_value_t = 30_000.0)]
    pub limit_ms: f64,
    /// With --real: publish this many ms after starting the nodes, and not before
    /// the overlay has formed [default: as long as the simulator lets its overlay
    /// form, 5 ping intervals + N join staggers]
    #[arg(long, value_name = "MS")]
    pub settle_ms: Option<f64>,
    /// With --real: end a run that has stopped spreading after this many ms
    /// without a new delivery [default: 1000 in push; 2 pull intervals + 500 in hybrid]
    #[arg(long, value_name = "MS")]
    pub quiet_ms: Option<f64>,
    /// Measure this machine's processing costs first and give every
    /// simulated run that processing model on one CPU, unless --service-us,
    /// --send-us or --calibration set one: with --real from the events of
    /// real push broadcasts at each size N of the grid, one per fanout of
    /// the grid (at least three), pooled for the costs of handling a
    /// broadcast (the gaps between consecutive receptions: per wake-up, per
    /// GOSSIP received and per datagram sent), and per
    /// size for the first hop's delay (the publish cost) and the spacing of
    /// the nodes' starts (the join stagger), which predict that size's rows
    /// (the latency becomes 0 unless --latency-ms is given); else from a 2 s
    /// flood and a send measurement as `gossip bench` does
    #[arg(long)]
    pub calibrate: bool,
    /// Show no progress on standard error (shown by default, when it is a terminal)
    #[arg(long)]
    pub quiet: bool,
    /// Other network and protocol parameters, shared by every run
    /// (--nodes, --fanout, --ttl, --mode, --loss and --seed are set by the grid)
    #[command(flatten)]
    pub params: SimParams,
}

/// The swept parameters of one run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RunParams {
    /// Nodes.
    pub n: u32,
    /// Fanout.
    pub fanout: u32,
    /// TTL.
    pub ttl: u32,
    /// Mode.
    pub mode: Mode,
    /// Loss probability.
    pub loss: f64,
    /// Seed.
    pub seed: u64,
}

impl RunParams {
    /// The same parameters without the seed: the key runs are grouped by.
    pub fn group(&self) -> GroupKey {
        GroupKey {
            n: self.n,
            fanout: self.fanout,
            ttl: self.ttl,
            mode: self.mode,
            loss: self.loss,
        }
    }
}

/// Parameters shared by the runs of one group (all seeds).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GroupKey {
    /// Nodes.
    pub n: u32,
    /// Fanout.
    pub fanout: u32,
    /// TTL.
    pub ttl: u32,
    /// Mode.
    pub mode: Mode,
    /// Loss probability.
    pub loss: f64,
}

/// One finished run.
#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    /// Its parameters.
    pub params: RunParams,
    /// The metrics of its one broadcast.
    pub report: GossipReport,
}

/// Mean ± std of one group.
#[derive(Debug, Clone, Serialize)]
pub struct GroupResult {
    /// The parameters.
    pub key: GroupKey,
    /// The aggregates over seeds.
    pub aggregate: Aggregate,
    /// Core's scorecard of its broadcasts (one per seed).
    pub scorecard: Scorecard,
}

impl GroupKey {
    /// The run of these parameters with `seed`.
    pub fn run(&self, seed: u64) -> RunParams {
        RunParams {
            n: self.n,
            fanout: self.fanout,
            ttl: self.ttl,
            mode: self.mode,
            loss: self.loss,
            seed,
        }
    }

    /// A short row label, e.g. `N=10 f=3 ttl=8 hybrid 0%`.
    pub fn label(&self) -> String {
        format!(
            "N={} f={} ttl={} {} {}%",
            self.n,
            self.fanout,
            self.ttl,
            self.mode.as_str(),
            self.loss * 100.0
        )
    }
}

/// Prints the scorecard of every group, one row each.
pub fn print_scorecards(groups: &[GroupResult]) {
    println!("scorecard per parameter set (one broadcast per seed; messages until quiescence):");
    let rows: Vec<(String, Scorecard)> = groups
        .iter()
        .map(|g| (g.key.label(), g.scorecard.clone()))
        .collect();
    crate::scorecard::print_table(&rows, None);
}

/// When a simulated run publishes, ms after its start, given its scenario.
pub type PublishAt = dyn Fn(&Scenario) -> f64 + Sync;

/// Runs one broadcast with the given parameters on top of `base`, publishing
/// at `publish_at` (core's [`gossip_core::sim::broadcast_at`], shared with
/// the browser lab; [`default_publish_ms`] is when the simulator alone
/// publishes).
pub fn run_one(
    base: &Scenario,
    p: RunParams,
    limit_ms: f64,
    publish_at: &PublishAt,
) -> anyhow::Result<RunResult> {
    let mut sc = base.clone();
    sc.nodes = p.n;
    sc.seed = p.seed;
    sc.node.fanout = p.fanout;
    sc.node.ttl = p.ttl;
    sc.node.mode = p.mode;
    sc.network.loss = p.loss;
    let publish_ms = publish_at(&sc);
    let report = gossip_core::sim::broadcast_at(sc, publish_ms, limit_ms)?;
    Ok(RunResult { params: p, report })
}

/// Each value of `values` once, in the order first seen (for the few
/// grid points and sizes of a grid).
pub fn distinct<T: Copy + PartialEq>(values: impl Iterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Groups results by parameters (seeds aggregated), in grid order.
pub fn aggregate(results: &[RunResult]) -> Vec<GroupResult> {
    distinct(results.iter().map(|r| r.params.group()))
        .into_iter()
        .map(|key| {
            let reports: Vec<GossipReport> = results
                .iter()
                .filter(|r| r.params.group() == key)
                .map(|r| r.report.clone())
                .collect();
            GroupResult {
                key,
                aggregate: Aggregate::of(&reports),
                scorecard: Scorecard::of_reports(&reports),
            }
        })
        .collect()
}

/// Every grid point of `args`, seeds innermost.
fn grid(args: &ExperimentArgs, default_ttls: &[u32]) -> anyhow::Result<Vec<RunParams>> {
    if args.seeds == 0 || args.sizes.is_empty() || args.sizes.contains(&0) {
        anyhow::bail!("the grid needs at least one seed and sizes above zero");
    }
    if let Some(bad) = args.losses.iter().find(|l| !(0.0..=1.0).contains(*l)) {
        anyhow::bail!("loss {bad} is not a probability between 0 and 1");
    }
    let ttls = args.ttls.as_deref().unwrap_or(default_ttls);
    let mut grid = Vec::new();
    for &n in &args.sizes {
        for &fanout in &args.fanouts {
            for &ttl in ttls {
                for &mode in &args.modes {
                    for &loss in &args.losses {
                        for seed in args.first_seed..args.first_seed + args.seeds {
                            grid.push(RunParams {
                                n,
                                fanout,
                                ttl,
                                mode,
                                loss,
                                seed,
                            });
                        }
                    }
                }
            }
        }
    }
    Ok(grid)
}

/// The grid points of `grid`, each once, with seeds `first..first + seeds`
/// (seeds innermost, in the order of `grid`).
fn reseeded(grid: &[RunParams], first: u64, seeds: u64) -> Vec<RunParams> {
    distinct(grid.iter().map(RunParams::group))
        .into_iter()
        .flat_map(|key| (first..first + seeds).map(move |seed| key.run(seed)))
        .collect()
}

/// A progress bar over `len` runs (hidden with `--quiet`).
fn progress_bar(args: &ExperimentArgs, len: usize) -> ProgressBar {
    crate::progress::bar(
        args.quiet,
        len as u64,
        "{spinner} {bar:40} {pos}/{len} runs  {elapsed} elapsed, {eta} left  {msg}",
    )
}

/// Runs every grid point on the simulator, in parallel.
fn simulate_grid(
    base: &Scenario,
    grid: &[RunParams],
    jobs: Option<usize>,
    limit_ms: f64,
    publish_at: &PublishAt,
    bar: &ProgressBar,
) -> anyhow::Result<Vec<RunResult>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .build()
        .context("cannot start worker threads")?;
    pool.install(|| {
        grid.par_iter()
            .progress_with(bar.clone())
            .map(|p| run_one(base, *p, limit_ms, publish_at))
            .collect::<anyhow::Result<Vec<_>>>()
    })
}

/// What [`write_outputs`] drew.
struct Written {
    /// Charts drawn (each as SVG and PNG).
    charts: usize,
    /// Seconds spent drawing the charts and the report.
    chart_secs: f64,
    /// The report page.
    report: PathBuf,
}

impl Written {
    /// The closing lines of a run: where the charts and the report are.
    fn describe(&self, out: &std::path::Path) -> String {
        format!(
            "{} charts (SVG and PNG) in {}/charts, drawn in {:.0} ms\nreport: {}",
            self.charts,
            out.display(),
            self.chart_secs * 1e3,
            crate::charts::report::file_url(&self.report)
        )
    }
}

/// The command line that is running, for the report.
fn command_line() -> String {
    std::env::args()
        .map(|a| if a.contains(' ') { format!("'{a}'") } else { a })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes results.csv, results.json (`doc`), summary.md (`summary`), the
/// charts of `results` (beside the simulator's `prediction` of real runs)
/// and report.html (headed `title`) into `out`.
fn write_outputs(
    out: &std::path::Path,
    title: &str,
    doc: &impl Serialize,
    results: &[RunResult],
    prediction: Option<&[RunResult]>,
    summary: &str,
    theory_hop_ms: Option<f64>,
) -> anyhow::Result<Written> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    output::write_csv(&out.join("results.csv"), results)?;
    output::write_json(&out.join("results.json"), doc)?;
    std::fs::write(out.join("summary.md"), summary)
        .with_context(|| format!("cannot write {}", out.join("summary.md").display()))?;
    let started = Instant::now();
    let mut figures = crate::charts::experiment::figures(results, theory_hop_ms);
    figures.extend(prediction.and_then(|p| crate::charts::experiment::sim_vs_real(results, p)));
    let drawn = crate::charts::write_all(&out.join("charts"), figures)?;
    let report = crate::charts::report::write(out, title, &command_line(), summary, &drawn)?;
    let report = std::fs::canonicalize(&report).unwrap_or(report);
    Ok(Written {
        charts: drawn.len(),
        chart_secs: started.elapsed().as_secs_f64(),
        report,
    })
}

/// Runs `gossip experiment`.
pub fn run(args: &ExperimentArgs) -> anyhow::Result<()> {
    let mut base = Scenario::default();
    args.params.apply(&mut base)?;
    if args.calibrate && !args.real && base.processing.is_off() {
        base.processing = crate::bench::calibrate(CALIBRATION_SECS)?;
        let p = &base.processing;
        println!(
            "calibrated: {:.2} us per datagram received and {:.2} us per datagram sent, on {} CPU",
            p.service_us, p.send_us, p.cpus
        );
    }
    if args.real {
        return real::run(args, &base);
    }
    let grid = grid(args, &[2, 4, 8])?;
    let bar = progress_bar(args, grid.len());
    let started = Instant::now();
    let results = simulate_grid(
        &base,
        &grid,
        args.jobs,
        args.limit_ms,
        &default_publish_ms,
        &bar,
    )?;
    bar.finish_and_clear();
    let groups = aggregate(&results);
    #[derive(Serialize)]
    struct Doc<'a> {
        base_scenario: &'a Scenario,
        runs: &'a [RunResult],
        groups: &'a [GroupResult],
    }
    let doc = Doc {
        base_scenario: &base,
        runs: &results,
        groups: &groups,
    };
    let summary = output::markdown_summary(&groups);
    let written = write_outputs(
        &args.out,
        "Gossip experiment (simulator)",
        &doc,
        &results,
        None,
        &summary,
        Some(base.network.latency_ms + base.network.jitter_ms / 2.0),
    )?;
    println!("{summary}");
    print_scorecards(&groups);
    println!(
        "{} runs in {:.1} s; wrote {}/results.csv, results.json, summary.md,\n{}",
        results.len(),
        started.elapsed().as_secs_f64(),
        args.out.display(),
        written.describe(&args.out)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reseeded_keeps_each_grid_point_once_in_order_with_the_new_seeds() {
        let p = |n: u32, mode: Mode, seed: u64| RunParams {
            n,
            fanout: 3,
            ttl: 8,
            mode,
            loss: 0.0,
            seed,
        };
        let grid = [
            p(10, Mode::Push, 1),
            p(10, Mode::Push, 2),
            p(10, Mode::Hybrid, 1),
            p(10, Mode::Hybrid, 2),
            p(20, Mode::Push, 1),
        ];
        let seeds = |runs: &[RunParams]| runs.iter().map(|r| r.seed).collect::<Vec<_>>();
        let out = reseeded(&grid, 5, 3);
        assert_eq!(out.len(), 9);
        assert_eq!(seeds(&out), [5, 6, 7, 5, 6, 7, 5, 6, 7]);
        let groups: Vec<GroupKey> = out.iter().step_by(3).map(RunParams::group).collect();
        assert_eq!(groups, [grid[0].group(), grid[2].group(), grid[4].group()]);
    }
}
