//! `gossip`: the gossip protocol of `gossip-core` on real UDP sockets.
//!
//! Without a subcommand it runs one node, like the original's
//! `python -m gossip --port 9000 --bootstrap ...`; lines typed on standard
//! input are published as gossips. Subcommands add a loopback cluster for
//! demos and benchmarks; each lives in its own module and is one variant of
//! [`Command`].

mod analysis;
mod analyze_cmd;
mod args;
mod bench;
mod build;
mod charts;
mod clock;
mod cluster;
mod driver;
mod events;
mod experiment;
mod fleet;
mod interfaces;
mod logging;
mod node_cmd;
mod observe;
mod procfs;
mod progress;
mod report;
mod scorecard;
mod sim_cmd;
mod udp;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

/// Command line of the `gossip` binary.
#[derive(Debug, Parser)]
#[command(
    name = "gossip",
    version,
    about = "Gossip protocol node over UDP (JSON wire format of the original course project)",
    long_about = "Runs one gossip node: `gossip --port 9000` starts a seed node, \
        `gossip --port 9001 --bootstrap 127.0.0.1:9000` joins it, and every line typed \
        is published as a gossip. On a LAN, `gossip --bind 0.0.0.0:9000` listens on every \
        interface (advertising the only non-loopback IPv4 address, or the one given with \
        --advertise) and others join with `--bootstrap HOST:9000`. Subcommands run a \
        loopback cluster, simulations, experiments and benchmarks.",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    /// What to run instead of a single node.
    #[command(subcommand)]
    command: Option<Command>,
    /// Flags of the single node.
    #[command(flatten)]
    node: args::NodeArgs,
}

/// Subcommands; each is one module.
#[derive(Debug, Subcommand)]
enum Command {
    /// N real nodes on loopback in one process; type `<node> <message>` to publish
    Cluster(Box<cluster::ClusterArgs>),
    /// Measure datagrams per second, CPU and memory of real nodes on loopback
    Bench(bench::BenchArgs),
    /// Simulate one scenario with the real protocol and print its metrics
    Sim(sim_cmd::SimArgs),
    /// Run a grid of simulations (N x fanout x ttl x mode x loss x seeds) with tables and charts;
    /// with --real, on real UDP nodes next to the simulator's prediction
    Experiment(experiment::ExperimentArgs),
    /// Compute the metrics of every gossip from the --events files of real nodes
    ///
    /// Computes the metrics of the simulator and of `gossip experiment` (delivery ratio,
    /// time to 50/95/100 % coverage, overhead in [t0, t95] by type and in bytes, messages
    /// until quiescence, duplicates, RMR, hops) from the `--events` files of real nodes.
    /// Give one file per node, a shared file (`gossip cluster --events`), or a directory
    /// holding the files of one run (its .jsonl, .ndjson and .json files). The population
    /// is the number of nodes that wrote events unless --nodes says otherwise (e.g. when
    /// some nodes ran without --events).
    Analyze(analyze_cmd::AnalyzeArgs),
    /// Relay the events of nodes started with --report-to to browser labs (WebSocket)
    ///
    /// Nodes given `--report-to ADDR` send their event records here; the browser lab
    /// opened with `?live=ws://ADDR` (or its "Live" field) shows them as they happen.
    Observe(observe::ObserveArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => block_on(node_cmd::run(cli.node)),
        Some(Command::Cluster(args)) => block_on(cluster::run(*args)),
        Some(Command::Bench(args)) => bench::run(&args),
        Some(Command::Sim(args)) => sim_cmd::run(&args),
        Some(Command::Experiment(args)) => experiment::run(&args),
        Some(Command::Analyze(args)) => analyze_cmd::run(&args),
        Some(Command::Observe(args)) => block_on(observe::run(args)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `future` on a single-threaded tokio runtime.
fn block_on<F: std::future::Future<Output = anyhow::Result<()>>>(future: F) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(future);
    // Standard input is read on a blocking thread that may sit in read(2)
    // forever (and a proof-of-work search may still run): do not wait for them.
    runtime.shutdown_timeout(Duration::from_millis(50));
    result
}
