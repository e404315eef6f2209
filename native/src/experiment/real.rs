//! `gossip experiment --real`: the grid on real UDP nodes on loopback.
//!
//! Every run starts N nodes in this process ([`crate::fleet`]: one socket, one
//! core `Node`, one tokio task each), all writing one events file; waits until
//! the overlay has formed (every node knows, and is known by, `fanout` peers);
//! publishes one gossip from the node the seed picks (as the simulator does);
//! waits until every node has it, or until it stops spreading; stops the nodes;
//! and measures the run from its events file with [`crate::analysis`], the
//! code behind `gossip analyze`, which feeds core's metrics `Collector`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use gossip_core::sim::{default_publish_ms, publish_origin, Scenario};
use gossip_core::{Event, MsgId};
use serde::Serialize;
use tokio::task::JoinSet;
use tokio::time::timeout_at;

use super::calibrate::{Samples, SizeCosts};
use super::{compare, output, ExperimentArgs, GroupResult, PublishAt, RunParams, RunResult};
use crate::analysis::{self, EventLog};
use crate::events::EventSink;
use crate::fleet::{Degrees, Fleet, FleetSpec};

/// Shown under `gossip experiment --help`.
pub const HELP: &str = "\
With --real, each grid point runs on real nodes: N tokio nodes in this process, \
each with its own UDP socket on 127.0.0.1, writing events to <out>/events/; the \
metrics come from those events through the same core code as the simulator's \
(and as `gossip analyze`). The simulator is run on the same grid, with \
--predict-seeds seeds per grid point (100 by default, so that its figures are \
the model's expectation), and summary.md and results.json hold a side-by-side \
table, simulator prediction vs real measurement: how far the predicted t95 is \
from the real mean, and the range the mean of that many real runs would fall \
in if the real nodes behaved as the model does (where a pull round decides \
some runs' t95 and not others, that range is wide, and those rows are also \
compared by kind of run: each kind's t95, and how many runs push alone took \
to 95 % against the model's range for that count). The default real grid \
(N = 10, 20, 50 x fanout 2, 3, 5 x push, hybrid x 5 seeds = 90 runs, ttl 8) \
takes about 17 minutes: a run publishes \
when the simulator would (5 ping intervals after the start, 10 s by default; \
--settle-ms shortens it) and ends 0.2 s after the last delivery, or after 1 s \
(push) or 4.5 s (hybrid) without one. Runs are sequential by default so they \
do not disturb each other's timings; --jobs J overlaps J runs (most of a run \
is idle settling: --jobs 6 takes about 3 minutes, at the risk of two \
broadcasts sharing the CPU). The simulator models loopback as 0.05 ms latency \
+ 0.05 ms jitter unless --latency-ms / --jitter-ms say otherwise (with \
--calibrate, latency 0 with the costs measured on real broadcasts at every \
size of the grid, one per fanout (at least 3 per size), the fleet's start \
spacing and the real publish time); --losses needs --netns. With --real \
--netns (as root) each run builds N network namespaces on one bridge with \
scripts/netns-testbed.sh, one real `gossip` process in each, drops --losses \
at random with nftables on every node's input, publishes when the simulator \
would, waits three quiet periods, and removes every namespace and process; \
the kernel's lack of netem (latency emulation) is detected and noted in \
summary.md.";

/// One-way latency the simulator models loopback with, unless told otherwise
/// (measured here: a datagram between two nodes of one process takes 30 to
/// 100 µs).
const LOOPBACK_LATENCY_MS: f64 = 0.05;
/// Jitter the simulator models loopback with.
const LOOPBACK_JITTER_MS: f64 = 0.05;
/// Fewest runs `--calibrate` measures at each size (seeds `--first-seed`
/// on); one per fanout of the grid when it has more.
const CALIBRATION_RUNS: usize = 3;
/// Most time the overlay may take to form.
const FORM_LIMIT: Duration = Duration::from_secs(60);
/// How long to keep recording after the last node got the gossip, for the
/// copies still in flight.
const TAIL: Duration = Duration::from_millis(200);
/// Most distinct gossips a run follows (it publishes one).
const MAX_GOSSIPS: usize = 64;
/// Quiet period that ends a push run that has stopped spreading.
pub(super) const PUSH_QUIET: Duration = Duration::from_millis(1_000);

/// When a real run publishes and stops (the flags of the same names).
#[derive(Debug, Clone, Copy)]
struct Timing {
    settle: Option<Duration>,
    quiet: Option<Duration>,
    limit: Duration,
}

/// A flag's milliseconds as a duration.
fn millis(flag: &str, ms: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(ms / 1e3)
        .ok()
        .with_context(|| format!("{flag} must be a non-negative number of milliseconds, not {ms}"))
}

/// What was measured in one real run besides its report.
#[derive(Debug, Clone, Serialize)]
pub struct RealRun {
    /// Milliseconds the overlay took to form (not measured in namespaces).
    pub formed_ms: Option<f64>,
    /// CPU time of the fleet's thread from the publish to the last delivery
    /// per message sent in that time, µs (with --jobs 1; overlapping runs
    /// share the thread): the service time the simulator's processing
    /// model takes
    pub cpu_us_per_message: Option<f64>,
    /// The events file the report was computed from.
    pub events: PathBuf,
}

/// Runs the grid on real nodes and writes every output.
pub fn run(args: &ExperimentArgs, base: &Scenario) -> anyhow::Result<()> {
    let testbed = match args.netns {
        true => Some(super::netns::Testbed::locate(args.testbed.as_deref())?),
        false => None,
    };
    if testbed.is_none() && args.losses.iter().any(|l| *l != 0.0) {
        bail!("--real runs on loopback, which loses nothing: --losses needs --netns");
    }
    if args.predict_seeds == 0 {
        bail!("--predict-seeds must be at least 1");
    }
    let grid = super::grid(args, &[base.node.ttl])?;
    // The simulator's prediction is for the same network: loopback.
    let mut base = base.clone();
    if args.params.latency_ms.is_none() {
        base.network.latency_ms = LOOPBACK_LATENCY_MS;
    }
    if args.params.jitter_ms.is_none() {
        base.network.jitter_ms = LOOPBACK_JITTER_MS;
    }
    let events_dir = args.out.join("events");
    std::fs::create_dir_all(&events_dir)
        .with_context(|| format!("cannot create {}", events_dir.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    let timing = Timing {
        settle: args
            .settle_ms
            .map(|ms| millis("--settle-ms", ms))
            .transpose()?,
        quiet: args
            .quiet_ms
            .map(|ms| millis("--quiet-ms", ms))
            .transpose()?,
        limit: millis("--limit-ms", args.limit_ms)?,
    };
    // With --calibrate: the costs of handling a broadcast, measured on real
    // broadcasts at every size and fanout of the grid and pooled (they do
    // not grow with N, and N = 10 alone gives a fit a few dozen wake-ups),
    // and each size's publish cost and start spacing, which do.
    let mut calibrations: Vec<SizeCosts> = Vec::new();
    if args.calibrate && base.processing.is_off() {
        // Loopback hands a datagram to its receiver inside the send, which
        // the send cost covers.
        if args.params.latency_ms.is_none() {
            base.network.latency_ms = 0.0;
        }
        if args.params.jitter_ms.is_none() {
            base.network.jitter_ms = 0.0;
        }
        let fanouts = calibration_fanouts(&args.fanouts);
        let mut measured: Vec<(u32, Samples)> = Vec::new();
        for n in sizes(&grid) {
            let samples = runtime.block_on(calibration_samples(
                &base,
                n,
                &fanouts,
                args,
                timing,
                &events_dir,
            ))?;
            measured.push((n, samples));
        }
        let mut pooled = Samples::default();
        for (_, samples) in &measured {
            pooled.extend(samples);
        }
        let handling = pooled
            .handling()
            .context("the calibration runs recorded no duplicate and no forward to measure")?;
        let runs = measured.len() * fanouts.len();
        let listed = fanouts
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        println!(
            "calibrated on {runs} real broadcasts ({} per size, fanouts {listed}, push): \
             {:.2} us per wake-up, {:.2} us per GOSSIP received, \
             {:.2} us per datagram sent, on 1 CPU; \
             latency {:.3} ms + {:.3} ms jitter",
            fanouts.len(),
            handling.wake_us,
            handling.recv_us,
            handling.send_us,
            base.network.latency_ms,
            base.network.jitter_ms,
        );
        for (n, samples) in &measured {
            let costs = samples.fleet_timing(handling);
            println!(
                "calibrated at {n} nodes: {:.0} us per publish before its copies leave; \
                 nodes start {:.0} us apart",
                costs.publish_us, costs.start_us,
            );
            calibrations.push(SizeCosts {
                nodes: *n,
                runs: fanouts.len() as u64,
                costs,
            });
        }
        // The base scenario records the first size's costs; every size's
        // are in `calibrations`.
        base.processing = calibrations[0].costs.processing();
    }
    let base = &base;
    let bar = super::progress_bar(args, grid.len());
    let started = Instant::now();
    let done = match &testbed {
        Some(testbed) => netns_grid(testbed, base, &grid, timing, &events_dir, &bar)?,
        None => runtime.block_on(loopback_grid(
            base,
            &grid,
            args.jobs,
            timing,
            &events_dir,
            &bar,
        ))?,
    };
    let (results, runs): (Vec<RunResult>, Vec<RealRun>) = done.into_iter().unzip();
    bar.finish_and_clear();
    let real_secs = started.elapsed().as_secs_f64();

    // The model's expectation: many more seeds than the real runs.
    let predict = super::reseeded(&grid, args.first_seed, args.predict_seeds);
    let sim_bar = super::progress_bar(args, predict.len());
    sim_bar.set_message("simulator prediction");
    // Same schedule as the real runs: the publish when the fleet published
    // (and, with --calibrate, nodes started as the fleet's were).
    let real_stagger_ms = base.join_stagger_ms;
    let settle_ms = args.settle_ms;
    let published_at = move |sc: &Scenario| {
        settle_ms.unwrap_or_else(|| {
            let mut real = sc.clone();
            real.join_stagger_ms = real_stagger_ms;
            default_publish_ms(&real)
        })
    };
    let keep_stagger = args.params.join_stagger_ms.is_some();
    let predicted = predict_grid(
        base,
        &calibrations,
        keep_stagger,
        &predict,
        args.jobs,
        args.limit_ms,
        &published_at,
        &sim_bar,
    )?;
    sim_bar.finish_and_clear();

    let groups = super::aggregate(&results);
    let sim_groups = super::aggregate(&predicted);
    let comparison = compare::pair(&predicted, &results, &sim_groups, &groups);
    #[derive(Serialize)]
    struct Doc<'a> {
        real: bool,
        base_scenario: &'a Scenario,
        runs: &'a [RunResult],
        real_runs: &'a [RealRun],
        /// With --calibrate: the costs fitted at each size, which predict
        /// that size's rows.
        calibrations: &'a [SizeCosts],
        groups: &'a [GroupResult],
        sim_vs_real: &'a [compare::Comparison],
        sim_runs: &'a [RunResult],
    }
    let doc = Doc {
        real: true,
        base_scenario: base,
        runs: &results,
        real_runs: &runs,
        calibrations: &calibrations,
        groups: &groups,
        sim_vs_real: &comparison,
        sim_runs: &predicted,
    };
    let where_ = match &testbed {
        Some(_) => {
            let latency = runs
                .first()
                .and_then(|r| super::netns::latency_note(&r.events))
                .unwrap_or_else(|| "not reported".to_owned());
            format!(
                "Real `gossip` processes, one per network namespace\n\n\
                 Namespaces joined by veth pairs to one bridge (scripts/netns-testbed.sh); \
                 loss dropped at random by nftables on every node's input. \
                 Latency emulation (tc netem): {latency}."
            )
        }
        None => "Real UDP nodes on loopback".to_owned(),
    };
    let summary = format!(
        "## {where_}\n\n{}\n## Simulator prediction vs real measurement\n\n{}{}",
        output::markdown_summary(&groups),
        compare::markdown(&comparison),
        calibration_markdown(&calibrations),
    );
    let written = super::write_outputs(
        &args.out,
        "Gossip experiment on real UDP nodes",
        &doc,
        &results,
        Some(&predicted),
        &summary,
        None,
    )?;
    println!("{summary}");
    super::print_scorecards(&groups);
    println!(
        "{} real runs in {real_secs:.1} s; wrote {out}/results.csv, results.json, summary.md, \
         the events of every run in {out}/events,\n{}",
        results.len(),
        written.describe(&args.out),
        out = args.out.display(),
    );
    Ok(())
}

/// Runs the grid on loopback fleets in this process, `jobs` at a time.
async fn loopback_grid(
    base: &Scenario,
    grid: &[RunParams],
    jobs: Option<usize>,
    timing: Timing,
    events_dir: &Path,
    bar: &indicatif::ProgressBar,
) -> anyhow::Result<Vec<(RunResult, RealRun)>> {
    let jobs = jobs.unwrap_or(1).max(1);
    let shared = Arc::new(base.clone());
    let mut done: Vec<Option<(RunResult, RealRun)>> = vec![None; grid.len()];
    let mut running = JoinSet::new();
    let mut next = 0;
    loop {
        while running.len() < jobs && next < grid.len() {
            let (i, p) = (next, grid[next]);
            next += 1;
            bar.set_message(format!(
                "N={} fanout={} ttl={} {} seed={}",
                p.n,
                p.fanout,
                p.ttl,
                p.mode.as_str(),
                p.seed
            ));
            let path = events_dir.join(format!(
                "n{}-f{}-t{}-{}-s{}.jsonl",
                p.n,
                p.fanout,
                p.ttl,
                p.mode.as_str(),
                p.seed
            ));
            let base = shared.clone();
            running.spawn(async move {
                let out = run_one(&base, p, timing, &path)
                    .await
                    .with_context(|| format!("real run {p:?}"));
                (i, out)
            });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (i, out) = joined.context("a real run's task failed")?;
        done[i] = Some(out?);
        bar.inc(1);
    }
    Ok(done.into_iter().flatten().collect())
}

/// Runs the grid on namespaced processes, one run at a time (each run's
/// processes take every core).
fn netns_grid(
    testbed: &super::netns::Testbed,
    base: &Scenario,
    grid: &[RunParams],
    timing: Timing,
    events_dir: &Path,
    bar: &indicatif::ProgressBar,
) -> anyhow::Result<Vec<(RunResult, RealRun)>> {
    let mut done = Vec::with_capacity(grid.len());
    for (i, p) in grid.iter().enumerate() {
        bar.set_message(format!(
            "N={} fanout={} {} loss={} seed={} (namespaces)",
            p.n,
            p.fanout,
            p.mode.as_str(),
            p.loss,
            p.seed
        ));
        let dir = events_dir.join(format!(
            "n{}-f{}-t{}-{}-l{}-s{}",
            p.n,
            p.fanout,
            p.ttl,
            p.mode.as_str(),
            p.loss,
            p.seed
        ));
        let out = super::netns::run_one(testbed, base, *p, timing.settle, timing.quiet, &dir, i)
            .with_context(|| format!("namespaced run {p:?}"))?;
        done.push(out);
        bar.inc(1);
    }
    Ok(done)
}
/// Node `i`'s RNG seed in run `seed`.
fn node_seed(seed: u64, i: usize) -> u64 {
    gossip_core::rng::mix64(seed ^ (i as u64).rotate_left(32))
}

/// One real run: form, publish, wait, stop, measure.
async fn run_one(
    base: &Scenario,
    p: RunParams,
    timing: Timing,
    events: &Path,
) -> anyhow::Result<(RunResult, RealRun)> {
    let n = p.n as usize;
    match std::fs::remove_file(events) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => {
            return Err(err).with_context(|| format!("cannot replace {}", events.display()))
        }
    }
    let sink = EventSink::open(events)
        .with_context(|| format!("cannot open events file {}", events.display()))?;
    let mut config = base.node.clone();
    config.fanout = p.fanout;
    config.ttl = p.ttl;
    config.mode = p.mode;
    config.seed = p.seed;
    let patience = config.mode.patience(&config);
    let mut fleet = Fleet::start(FleetSpec {
        nodes: n,
        bind: [127, 0, 0, 1].into(),
        first_port: None,
        config,
        seeds: node_seed,
        sink: Some(sink),
    })
    .await?;

    let start = Instant::now();
    let target = (p.fanout.max(1) as usize).min(n - 1);
    let mut degrees = Degrees::new(n);
    let form_deadline = tokio::time::Instant::now() + FORM_LIMIT;
    while degrees.ready(target) < n {
        match timeout_at(form_deadline, fleet.observed.recv()).await {
            Ok(Some(o)) => degrees.observe(&o, &fleet.index_of),
            Ok(None) => bail!("every node stopped before the overlay formed"),
            Err(_) => bail!(
                "the overlay did not form within {} s: {}/{n} nodes know and are known by {target} peers",
                FORM_LIMIT.as_secs(),
                degrees.ready(target)
            ),
        }
    }
    let formed_ms = start.elapsed().as_secs_f64() * 1e3;
    let settle = match timing.settle {
        Some(settle) => settle,
        None => {
            let mut sc = base.clone();
            sc.nodes = p.n;
            millis("the simulator's publication time", default_publish_ms(&sc))?
        }
    };
    // Keep the observed channel drained while the overlay settles.
    let settle_until = tokio::time::Instant::from_std(start + settle);
    while let Ok(Some(_)) = timeout_at(settle_until, fleet.observed.recv()).await {}

    let origin = publish_origin(p.seed, p.n) as usize;
    if !fleet.publish(origin, "experiment".to_owned()).await {
        bail!("node {origin} stopped before publishing");
    }
    // Quiet for as long as core says the strategy may still deliver.
    let quiet = timing.quiet.unwrap_or(PUSH_QUIET.max(patience));
    let limit = timing.limit;
    let published = Instant::now();
    let cpu_at_publish = thread_cpu();
    let mut cpu_at_last_delivery = cpu_at_publish;
    let mut id: Option<MsgId> = None;
    // Holders of every gossip seen: a delivery may be observed before the
    // publisher's own report of the id.
    let mut holders: HashMap<MsgId, HashSet<usize>> = HashMap::new();
    let mut last_progress = published;
    loop {
        let all = id.is_some_and(|id| holders.get(&id).is_some_and(|h| h.len() == n));
        let wait_until = if all {
            last_progress + TAIL
        } else {
            (last_progress + quiet).min(published + limit)
        };
        if Instant::now() >= wait_until {
            break;
        }
        let o = match timeout_at(
            tokio::time::Instant::from_std(wait_until),
            fleet.observed.recv(),
        )
        .await
        {
            Ok(Some(o)) => o,
            Ok(None) => break,
            Err(_) => continue,
        };
        match o.event {
            Event::Published { id: new, .. } if o.node == origin && id.is_none() => {
                id = Some(new);
                holders.entry(new).or_default().insert(o.node);
                last_progress = Instant::now();
            }
            Event::Delivered { id: got, .. } => {
                if holders.len() < MAX_GOSSIPS || holders.contains_key(&got) {
                    holders.entry(got).or_default().insert(o.node);
                }
                last_progress = Instant::now();
                cpu_at_last_delivery = thread_cpu();
            }
            _ => {}
        }
    }
    fleet.stop().await?;
    let id = id.context("the publishing node never reported its gossip")?;

    let log = EventLog::read(&[events.to_owned()])?;
    let report = analysis::analyse(&log, p.n)
        .into_iter()
        .find(|a| a.report.id == id)
        .map(|a| a.report)
        .context("the published gossip is missing from the events file")?;
    let cpu = cpu_at_last_delivery.saturating_sub(cpu_at_publish);
    let cpu_us_per_message = (report.total_messages > 0 && !cpu.is_zero())
        .then(|| cpu.as_secs_f64() * 1e6 / report.total_messages as f64);
    Ok((
        RunResult { params: p, report },
        RealRun {
            formed_ms: Some(formed_ms),
            cpu_us_per_message,
            events: events.to_owned(),
        },
    ))
}

/// CPU time this thread has used: the whole fleet's, as every node runs on
/// the current-thread runtime.
fn thread_cpu() -> Duration {
    crate::bench::thread_cpu()
}

/// The sizes of `grid`, each once, in grid order.
fn sizes(grid: &[RunParams]) -> Vec<u32> {
    super::distinct(grid.iter().map(|p| p.n))
}

/// The scenario that predicts the real runs of `n` nodes: `base` with the
/// costs calibrated at `n` and, unless `keep_stagger`, the start spacing
/// measured there; `base` itself without a calibration of `n`.
fn prediction_for(
    base: &Scenario,
    calibrations: &[SizeCosts],
    keep_stagger: bool,
    n: u32,
) -> Scenario {
    let mut sc = base.clone();
    if let Some(c) = calibrations.iter().find(|c| c.nodes == n) {
        sc.processing = c.costs.processing();
        if !keep_stagger {
            sc.join_stagger_ms = c.costs.start_us / 1e3;
        }
    }
    sc
}

/// The simulator's prediction of every run of `grid`, each size with its
/// own calibration ([`prediction_for`]), in grid order.
#[allow(clippy::too_many_arguments)]
fn predict_grid(
    base: &Scenario,
    calibrations: &[SizeCosts],
    keep_stagger: bool,
    grid: &[RunParams],
    jobs: Option<usize>,
    limit_ms: f64,
    published_at: &PublishAt,
    bar: &indicatif::ProgressBar,
) -> anyhow::Result<Vec<RunResult>> {
    let mut predicted: Vec<Option<RunResult>> = vec![None; grid.len()];
    for n in sizes(grid) {
        let at: Vec<usize> = (0..grid.len()).filter(|&i| grid[i].n == n).collect();
        let runs: Vec<RunParams> = at.iter().map(|&i| grid[i]).collect();
        let sc = prediction_for(base, calibrations, keep_stagger, n);
        let done = super::simulate_grid(&sc, &runs, jobs, limit_ms, published_at, bar)?;
        for (i, r) in at.into_iter().zip(done) {
            predicted[i] = Some(r);
        }
    }
    Ok(predicted.into_iter().flatten().collect())
}

/// The costs calibrated per size, as a Markdown table under the comparison
/// (nothing without a calibration).
fn calibration_markdown(calibrations: &[SizeCosts]) -> String {
    if calibrations.is_empty() {
        return String::new();
    }
    let mut md = String::from(
        "\nCalibrated on real push broadcasts at every size and the grid's fanouts (1 CPU): \
         wake-up, receive and send costs pooled over all of them, the publish cost and the \
         start spacing per size; each size's rows predicted with its own line:\n\n\
         | N | Runs | us per wake-up | us per GOSSIP received | us per datagram sent | us per publish | us between node starts |\n\
         |---|------|----------------|------------------------|----------------------|----------------|------------------------|\n",
    );
    for c in calibrations {
        md.push_str(&format!(
            "| {} | {} | {:.2} | {:.2} | {:.2} | {:.0} | {:.0} |\n",
            c.nodes,
            c.runs,
            c.costs.handling.wake_us,
            c.costs.handling.recv_us,
            c.costs.handling.send_us,
            c.costs.publish_us,
            c.costs.start_us
        ));
    }
    md
}

/// The fanout of each calibration run: every fanout of the grid in
/// ascending order, repeated to [`CALIBRATION_RUNS`] runs, so that the fit
/// sees the copy counts the grid forwards (a grid of fanout 3 alone
/// calibrates on three broadcasts of fanout 3).
fn calibration_fanouts(grid: &[u32]) -> Vec<u32> {
    let mut distinct: Vec<u32> = grid.iter().copied().filter(|&f| f > 0).collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.is_empty() {
        distinct.push(3);
    }
    let runs = distinct.len().max(CALIBRATION_RUNS);
    distinct.iter().copied().cycle().take(runs).collect()
}

/// Runs one push broadcast of `n` nodes at each of `fanouts` and returns
/// what their events show of the processing model ([`super::calibrate`]):
/// wake-up, receive and send costs on one CPU, as the fleet runs on one
/// thread, its first hops and the spacing of its nodes' starts.
async fn calibration_samples(
    base: &Scenario,
    n: u32,
    fanouts: &[u32],
    args: &ExperimentArgs,
    timing: Timing,
    events: &Path,
) -> anyhow::Result<Samples> {
    let mut samples = Samples::default();
    for (run, &fanout) in (0u64..).zip(fanouts) {
        let p = RunParams {
            n,
            fanout,
            ttl: base.node.ttl,
            mode: gossip_core::Mode::Push,
            loss: 0.0,
            seed: args.first_seed + run,
        };
        let file = events.join(format!("calibration-n{n}-{run}.jsonl"));
        let (result, _) = run_one(base, p, timing, &file).await?;
        samples.add(&EventLog::read(&[file])?, result.report.id);
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::calibrate::tests::{broadcast, fit};
    use gossip_core::{Mode, MsgId};

    /// The costs fitted to a recorded broadcast with the given costs, as
    /// the calibration of `n` nodes.
    fn fitted(n: u32, wake: u64, recv: u64, send: u64) -> SizeCosts {
        let id = MsgId(7);
        let mut samples = Samples::default();
        samples.add(&broadcast(id, wake, recv, send, 94), id);
        SizeCosts {
            nodes: n,
            runs: 1,
            costs: fit(&samples).expect("a fit"),
        }
    }

    #[test]
    fn calibration_runs_cover_every_fanout_of_the_grid_and_at_least_three() {
        assert_eq!(calibration_fanouts(&[5, 2, 3]), [2, 3, 5]);
        assert_eq!(calibration_fanouts(&[3]), [3, 3, 3]);
        assert_eq!(calibration_fanouts(&[5, 3, 5]), [3, 5, 3]);
        assert_eq!(calibration_fanouts(&[1, 2, 3, 4, 6]), [1, 2, 3, 4, 6]);
        assert_eq!(
            calibration_fanouts(&[0]),
            [3, 3, 3],
            "no fanout forwards nothing"
        );
    }

    fn runs(n: u32) -> impl Iterator<Item = RunParams> {
        (1..=2).map(move |seed| RunParams {
            n,
            fanout: 3,
            ttl: 8,
            mode: Mode::Push,
            loss: 0.0,
            seed,
        })
    }

    #[test]
    fn each_size_is_predicted_with_the_costs_calibrated_at_that_size() {
        let calibrations = [fitted(10, 4, 2, 10), fitted(30, 40, 20, 100)];
        let mut base = Scenario::default();
        base.network.latency_ms = 0.0;
        base.network.jitter_ms = 0.0;
        let big = prediction_for(&base, &calibrations, false, 30);
        assert_eq!(
            (
                big.processing.wake_us,
                big.processing.service_us,
                big.processing.send_us
            ),
            (40.0, 20.0, 100.0)
        );
        assert_eq!(big.processing.cpus, 1);
        assert_eq!(big.join_stagger_ms, 0.03, "the start spacing measured");
        let kept = prediction_for(&base, &calibrations, true, 30);
        assert_eq!(kept.join_stagger_ms, base.join_stagger_ms);
        assert_eq!(
            prediction_for(&base, &calibrations, false, 20),
            base,
            "a size without a calibration keeps the base scenario"
        );

        let grid: Vec<RunParams> = runs(10).chain(runs(30)).chain(runs(10)).collect();
        let publish = |_: &Scenario| 1_000.0;
        let bar = indicatif::ProgressBar::hidden();
        let predicted = predict_grid(
            &base,
            &calibrations,
            false,
            &grid,
            Some(1),
            30_000.0,
            &publish,
            &bar,
        )
        .expect("prediction");
        assert_eq!(predicted.len(), grid.len());
        let t50 = |r: &RunResult| r.report.t50_ms.expect("half the nodes reached");
        for (p, r) in grid.iter().zip(&predicted) {
            assert_eq!(r.params, *p, "grid order");
            let own = prediction_for(&base, &calibrations, false, p.n);
            let alone = super::super::run_one(&own, *p, 30_000.0, &publish).expect("run");
            assert_eq!(r.report, alone.report, "{p:?} with its size's costs");
            if p.n == 30 {
                // The small fleet's costs would predict it faster.
                let cheap = prediction_for(&base, &calibrations, false, 10);
                let other = super::super::run_one(&cheap, *p, 30_000.0, &publish).expect("run");
                assert!(t50(r) > t50(&other), "{} vs {}", t50(r), t50(&other));
            }
        }
    }
}
