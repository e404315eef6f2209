//! `gossip sim`: one simulated scenario, from flags or a scenario file,
//! printing the metrics (and how fast the simulator ran), optionally writing
//! the trace as JSON Lines.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use gossip_core::metrics::{self, GossipReport};
use gossip_core::scorecard::ScoreRun;
use gossip_core::sim::{
    default_publish_ms, Action, CodecMode, Overlay, Scenario, Scheduled, Simulator,
};
use gossip_core::{Mode, MsgType};
use rayon::prelude::*;

use crate::args::ProtocolArgs;
use crate::{build, procfs, progress, scorecard};

/// Overlay kinds, as typed on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OverlayArg {
    /// Formed by the real HELLO/GET_PEERS bootstrap through node 0
    Bootstrap,
    /// Every node knows every other (capped at --peer-limit random others)
    Full,
    /// Random graph, every node with --degree neighbours
    RandomRegular,
    /// Ring lattice, --k neighbours on each side
    Ring,
    /// Watts-Strogatz: ring lattice with edges rewired with probability --beta
    SmallWorld,
}

/// Codec modes, as typed on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CodecArg {
    /// Pass decoded messages (fastest)
    Fast,
    /// Encode and decode every datagram with the real JSON codec (counts bytes)
    Fidelity,
}

/// Parameters of a simulated network; each flag overrides the scenario file
/// (or the defaults: the original node's parameters, 5 ms latency, 2 ms jitter).
#[derive(Debug, Clone, Default, Args)]
pub struct SimParams {
    /// Number of nodes; node 0 is the bootstrap node [default: 10]
    #[arg(long, value_name = "N")]
    pub nodes: Option<u32>,
    /// Master seed of the run [default: 42]
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Gossip parameters, the same flags as the node's.
    #[command(flatten)]
    pub protocol: ProtocolArgs,
    /// How the overlay is formed [default: bootstrap]
    #[arg(long, value_enum)]
    pub overlay: Option<OverlayArg>,
    /// Degree of --overlay random-regular [default: 8]
    #[arg(long, value_name = "D")]
    pub degree: Option<u32>,
    /// Neighbours per side of --overlay ring and small-world [default: 3]
    #[arg(long, value_name = "K")]
    pub k: Option<u32>,
    /// Rewiring probability of --overlay small-world [default: 0.1]
    #[arg(long, value_name = "P")]
    pub beta: Option<f64>,
    /// Let generated overlays exceed --peer-limit
    #[arg(long)]
    pub ignore_peer_limit: bool,
    /// One-way latency in ms [default: 5]
    #[arg(long, value_name = "MS")]
    pub latency_ms: Option<f64>,
    /// Extra random latency in ms, uniform in [0, jitter) [default: 2]
    #[arg(long, value_name = "MS")]
    pub jitter_ms: Option<f64>,
    /// Probability that a datagram is lost, 0..1 [default: 0]
    #[arg(long, value_name = "P")]
    pub loss: Option<f64>,
    /// Delay between bootstrap joins in ms; above 10 000 nodes, between
    /// waves of 1 000 joins, and above 100 000 nodes 100 waves of
    /// nodes/100 (100 000 or more nodes join in 2 s); in waves, nodes
    /// after the first wave join through a random earlier node instead of
    /// node 0 [default: 20]
    #[arg(long, value_name = "MS")]
    pub join_stagger_ms: Option<f64>,
    /// fast (values) or fidelity (real JSON codec, counts bytes) [default: fast]
    #[arg(long, value_enum)]
    pub codec: Option<CodecArg>,
    /// Take the processing cost (`processing` section) from this scenario
    /// file, such as the one `gossip bench --write-calibration` writes
    #[arg(long, value_name = "FILE")]
    pub calibration: Option<PathBuf>,
    /// CPU time a node spends on each datagram it receives, µs; it serves
    /// one at a time [default: 0, no processing cost]
    #[arg(long, value_name = "US")]
    pub service_us: Option<f64>,
    /// Service times are drawn uniformly from service ± this, µs [default: 0]
    #[arg(long, value_name = "US")]
    pub service_spread_us: Option<f64>,
    /// CPU time a node spends on each datagram it sends, µs; what a batch
    /// of received datagrams caused leaves together once paid for [default: 0]
    #[arg(long, value_name = "US")]
    pub send_us: Option<f64>,
    /// CPU time of each wake-up, µs: a node that gets a CPU pays it once,
    /// then serves everything waiting for it [default: 0]
    #[arg(long, value_name = "US")]
    pub wake_us: Option<f64>,
    /// What a publishing node spends before its first copy leaves, µs
    /// (a real broadcast's first hop) [default: 0]
    #[arg(long, value_name = "US")]
    pub publish_us: Option<f64>,
    /// CPUs the nodes share while serving datagrams [default: 0, one per node]
    #[arg(long, value_name = "N")]
    pub cpus: Option<u32>,
}

impl SimParams {
    /// Writes every flag that was given into `sc`, checking ranges.
    pub fn apply(&self, sc: &mut Scenario) -> anyhow::Result<()> {
        macro_rules! set {
            ($flag:expr, $target:expr) => {
                if let Some(v) = $flag {
                    $target = v.into();
                }
            };
        }
        set!(self.nodes, sc.nodes);
        set!(self.seed, sc.seed);
        set!(self.latency_ms, sc.network.latency_ms);
        set!(self.jitter_ms, sc.network.jitter_ms);
        set!(self.loss, sc.network.loss);
        set!(self.join_stagger_ms, sc.join_stagger_ms);
        if let Some(path) = &self.calibration {
            sc.processing = load_scenario(path)?.processing;
        }
        set!(self.service_us, sc.processing.service_us);
        set!(self.service_spread_us, sc.processing.spread_us);
        set!(self.send_us, sc.processing.send_us);
        set!(self.wake_us, sc.processing.wake_us);
        set!(self.publish_us, sc.processing.publish_us);
        set!(self.cpus, sc.processing.cpus);
        self.protocol.apply(&mut sc.node)?;
        if let Some(codec) = self.codec {
            sc.codec = match codec {
                CodecArg::Fast => CodecMode::Fast,
                CodecArg::Fidelity => CodecMode::Fidelity,
            };
        }
        if let Some(overlay) = self.overlay {
            sc.overlay = match overlay {
                OverlayArg::Bootstrap => Overlay::Bootstrap,
                OverlayArg::Full => Overlay::Full,
                OverlayArg::RandomRegular => Overlay::RandomRegular {
                    degree: self.degree.unwrap_or(8),
                },
                OverlayArg::Ring => Overlay::Ring {
                    k: self.k.unwrap_or(3),
                },
                OverlayArg::SmallWorld => Overlay::SmallWorld {
                    k: self.k.unwrap_or(3),
                    beta: self.beta.unwrap_or(0.1),
                },
            };
        }
        sc.ignore_peer_limit |= self.ignore_peer_limit;
        validate(sc)
    }
}

/// Rejects scenarios that cannot run, with a message naming the field.
pub fn validate(sc: &Scenario) -> anyhow::Result<()> {
    if sc.nodes == 0 {
        bail!("a scenario needs at least one node");
    }
    if !(0.0..=1.0).contains(&sc.network.loss) {
        bail!("loss must be between 0 and 1, got {}", sc.network.loss);
    }
    if sc.network.latency_ms < 0.0 || sc.network.jitter_ms < 0.0 {
        bail!("latency and jitter must not be negative");
    }
    let p = &sc.processing;
    for (name, us) in [
        ("send_us", p.send_us),
        ("wake_us", p.wake_us),
        ("publish_us", p.publish_us),
    ] {
        if !(us >= 0.0 && us.is_finite()) {
            bail!("processing: {name} ({us}) must be non-negative");
        }
    }
    if !(p.service_us >= 0.0 && p.spread_us >= 0.0 && p.spread_us <= p.service_us) {
        bail!(
            "processing: service_us ({}) and spread_us ({}) must be non-negative, the spread at most the service time",
            p.service_us,
            p.spread_us
        );
    }
    if sc.node.pow_k > 8 {
        bail!(
            "pow_k {} would take years to simulate; use at most 8",
            sc.node.pow_k
        );
    }
    for s in &sc.schedule {
        let node = match &s.action {
            Action::Publish { node, .. } | Action::Crash { node } | Action::Restart { node } => {
                Some(*node)
            }
            _ => None,
        };
        if node.is_some_and(|n| n >= sc.nodes) {
            bail!(
                "scheduled action at {} ms names node {:?}, but there are {} nodes",
                s.at_ms,
                node,
                sc.nodes
            );
        }
    }
    Ok(())
}

/// Reads a scenario from JSON or TOML (chosen by the file extension).
pub fn load_scenario(path: &Path) -> anyhow::Result<Scenario> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read scenario {}", path.display()))?;
    let parsed = if path.extension().is_some_and(|e| e == "toml") {
        toml::from_str(&text).map_err(anyhow::Error::from)
    } else {
        serde_json::from_str(&text).map_err(anyhow::Error::from)
    };
    parsed.with_context(|| format!("{} is not a valid scenario", path.display()))
}

/// `gossip sim` flags.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Scenario file (JSON, or TOML by extension); the flags below override it
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Network and protocol parameters
    #[command(flatten)]
    pub params: SimParams,
    /// Node that publishes when the scenario schedules no publish [default: 1]
    #[arg(long, value_name = "NODE")]
    pub origin: Option<u32>,
    /// When that publish happens, ms after the start [default: after every node joined, plus five ping rounds (one above 10 000 nodes)]
    #[arg(long, value_name = "MS")]
    pub publish_at_ms: Option<f64>,
    /// Stop waiting for quiescence this many ms after the last publish
    #[arg(long, value_name = "MS", default_value_t = 60_000.0)]
    pub limit_ms: f64,
    /// Write the trace (every send, drop, delivery, timer) as JSON Lines
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Print the reports as JSON instead of a table
    #[arg(long)]
    pub json: bool,
    /// Run the scenario once in every strategy and print one scorecard row
    /// each (with the scenario's targets: pass or fail, and which pass)
    #[arg(long, conflicts_with_all = ["trace", "json", "mode"])]
    pub all_modes: bool,
    /// Show no progress on standard error (shown by default, when it is a terminal)
    #[arg(long)]
    pub quiet: bool,
}

/// Per-gossip reports printed in full; a workload with more prints its
/// scorecard only (`--json` prints every report).
const MAX_PRINTED_REPORTS: usize = 10;

/// Runs `gossip sim`.
pub fn run(args: &SimArgs) -> anyhow::Result<()> {
    let mut sc = match &args.scenario {
        Some(path) => load_scenario(path)?,
        None => Scenario::default(),
    };
    args.params.apply(&mut sc)?;
    sc.trace = args.trace.is_some();
    if !sc
        .schedule
        .iter()
        .any(|s| matches!(s.action, Action::Publish { .. }))
    {
        let origin = args.origin.unwrap_or(1).min(sc.nodes - 1);
        sc.schedule.push(Scheduled {
            at_ms: args
                .publish_at_ms
                .unwrap_or_else(|| default_publish_ms(&sc)),
            action: Action::Publish {
                node: origin,
                data: "hello from gossip sim".into(),
            },
        });
    }
    validate(&sc)?;
    if args.all_modes {
        return all_modes(&sc, args.limit_ms);
    }
    let last_ms = sc.schedule.iter().map(|s| s.at_ms).fold(0.0, f64::max);
    let targets = sc.targets.clone();

    let started = Instant::now();
    let building = progress::spinner(args.quiet, format!("building {} nodes", sc.nodes));
    let mut run = ScoreRun::with_builder(sc, args.limit_ms, build::ON_EVERY_CORE);
    building.finish_and_clear();
    let built = started.elapsed();
    let idle_rss = procfs::rss_bytes(std::process::id()).ok();
    let mut trace_out = match &args.trace {
        Some(path) => {
            Some(BufWriter::new(File::create(path).with_context(|| {
                format!("cannot create {}", path.display())
            })?))
        }
        None => None,
    };
    let mut flush_trace = |sim: &mut Simulator| -> anyhow::Result<()> {
        if let Some(out) = trace_out.as_mut() {
            for record in sim.take_trace() {
                serde_json::to_writer(&mut *out, &record)?;
                out.write_all(b"\n")?;
            }
        }
        Ok(())
    };
    // In steps of 1 % of the schedule, so a long run (100 000 nodes joining
    // one by one) shows its progress and writes its trace as it goes; then
    // every broadcast left runs until it is quiescent.
    let step_ms = (last_ms / 100.0).max(1.0);
    let bar = progress::bar(
        args.quiet,
        last_ms as u64,
        "simulating {bar:30} {pos}/{len} ms simulated, {elapsed} wall, eta {eta}",
    );
    loop {
        let done = run.advance(step_ms);
        flush_trace(run.sim_mut())?;
        bar.set_position(run.sim().elapsed_ms().min(last_ms) as u64);
        if done {
            break;
        }
    }
    bar.finish_and_clear();
    let wall = started.elapsed();
    let sim = run.sim();
    let reports: Vec<GossipReport> = sim
        .collector()
        .gossip_ids()
        .iter()
        .filter_map(|id| sim.collector().report(*id))
        .collect();

    if args.json {
        println!("{}", crate::experiment::rounded_json(&reports)?);
    } else {
        if reports.len() <= MAX_PRINTED_REPORTS {
            for r in &reports {
                print_report(r);
            }
        } else {
            println!(
                "{} broadcasts: the scorecard below sums them up (--json prints each report)",
                reports.len()
            );
        }
        print_totals(sim);
        scorecard::print(&run.scorecard(), targets.as_ref());
        print_speed(sim, built, wall, idle_rss);
    }
    if let Some(path) = &args.trace {
        eprintln!("trace written to {}", path.display());
    }
    // The process ends here: leave the nodes' memory to the OS rather than
    // free a million nodes' allocations one by one (longer than the run).
    std::mem::forget(run);
    Ok(())
}

/// `gossip sim --all-modes`: the scenario in every strategy, in parallel,
/// one scorecard row each.
fn all_modes(sc: &Scenario, limit_ms: f64) -> anyhow::Result<()> {
    let rows: Vec<(String, gossip_core::metrics::Scorecard)> = Mode::ALL
        .par_iter()
        .map(|&mode| {
            let mut sc = sc.clone();
            sc.node.mode = mode;
            sc.trace = false;
            (mode.as_str().to_owned(), ScoreRun::run(sc, limit_ms))
        })
        .collect();
    scorecard::print_table(&rows, sc.targets.as_ref());
    Ok(())
}

fn opt_ms(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |ms| format!("{ms:.1} ms"))
}

/// Prints one gossip's metrics as an aligned block.
pub fn print_report(r: &GossipReport) {
    println!("gossip {}", r.id);
    println!(
        "  delivered        {}/{} ({:.1}%)",
        r.delivered,
        r.population,
        r.delivery_ratio * 100.0
    );
    println!(
        "  coverage         50% {}   95% {}   100% {}",
        opt_ms(r.t50_ms),
        opt_ms(r.t95_ms),
        opt_ms(r.t100_ms)
    );
    if let Some(pulled) = r.pulled_by_t95 {
        println!("  95% reached by   {}", metrics::reached_by(pulled));
    }
    match (r.overhead, r.overhead_by_type) {
        (Some(overhead), Some(by_type)) => {
            let by_type: Vec<String> = MsgType::ALL
                .iter()
                .filter(|t| by_type[t.index()] > 0)
                .map(|t| format!("{} {}", t.as_str(), by_type[t.index()]))
                .collect();
            println!(
                "  overhead [t0,t95] {overhead} messages ({}), {} bytes",
                by_type.join(", "),
                r.overhead_bytes
                    .map_or_else(|| "–".to_owned(), |b| b.to_string())
            );
        }
        _ => println!("  overhead [t0,t95] – (95 % coverage not reached)"),
    }
    println!("  total messages   {} until quiescence", r.total_messages);
    println!(
        "  redundancy       {} duplicates, RMR {}",
        r.duplicates,
        r.rmr.map_or_else(|| "n/a".into(), |v| format!("{v:.3}"))
    );
    println!(
        "  hops             mean {}, max {}, last delivery {}",
        r.mean_hops
            .map_or_else(|| "n/a".into(), |v| format!("{v:.2}")),
        r.max_hops.map_or_else(|| "n/a".into(), |v| v.to_string()),
        r.last_hop.map_or_else(|| "n/a".into(), |v| v.to_string())
    );
}

/// Messages every node sent over the whole run, by type, and per broadcast:
/// with many overlapping broadcasts (a workload), per-gossip windows overlap
/// and only the whole run's count is meaningful.
fn print_totals(sim: &Simulator) {
    let mut sent = gossip_core::PerType::default();
    let mut broadcasts = 0;
    for i in 0..sim.len() {
        if let Some(node) = sim.node(i) {
            sent.add(&node.stats().sent);
            broadcasts += node.stats().published;
        }
    }
    let by_type: Vec<String> = sent
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(t, n)| format!("{} {n}", t.as_str()))
        .collect();
    println!(
        "whole run: {} messages ({}), {:.1} per broadcast over {broadcasts} broadcasts",
        sent.total(),
        by_type.join(", "),
        sent.total() as f64 / broadcasts.max(1) as f64
    );
}

fn print_speed(sim: &Simulator, built: Duration, wall: Duration, idle_rss: Option<u64>) {
    let events = sim.events_processed();
    let simulated = sim.now().saturating_since(gossip_core::sim::EPOCH);
    // The event rate of the simulation itself (the build done), and of the
    // whole run as the line said before.
    let simulating = wall.saturating_sub(built).as_secs_f64().max(1e-9);
    println!(
        "simulated {:.3} s with {} nodes in {:.3} s wall (overlay built in {:.3} s): {} events, {:.0} events/s ({:.0} per second of the whole run)",
        simulated.as_secs_f64(),
        sim.len(),
        wall.as_secs_f64(),
        built.as_secs_f64(),
        events,
        events as f64 / simulating,
        events as f64 / wall.as_secs_f64().max(1e-9)
    );
    let nodes = f64::from(sim.len().max(1));
    if let Some(rss) = idle_rss {
        println!(
            "resident memory once built: {:.1} MiB ({:.0} bytes per idle node)",
            rss as f64 / 1_048_576.0,
            rss as f64 / nodes
        );
    }
    if let Ok(rss) = procfs::rss_bytes(std::process::id()) {
        println!(
            "resident memory at the end: {:.1} MiB ({:.0} bytes per node)",
            rss as f64 / 1_048_576.0,
            rss as f64 / nodes
        );
    }
}
