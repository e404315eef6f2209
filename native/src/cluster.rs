//! `gossip cluster --nodes N`: N real nodes on loopback in one process (see
//! [`crate::fleet`]), node 0 the seed. Lines typed on standard input are
//! published (`<node> <message>`, or just `<message>` for node 0) and every
//! delivery is printed with its time since publication.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use gossip_core::{Event, MsgId, NodeId, Time};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::signal::unix::{signal, SignalKind};

use crate::args::NodeArgs;
use crate::clock::Clock;
use crate::fleet::{self, Degrees, Fleet, FleetSpec, Observed};
use crate::logging;

/// A spread with no new delivery for this long gets a summary line.
const QUIET_AFTER: Duration = Duration::from_secs(2);
/// How often progress is checked.
const TICK: Duration = Duration::from_millis(100);
/// How often "still waiting for the overlay" is printed.
const WAIT_REPORT: Duration = Duration::from_secs(5);

/// Flags of `gossip cluster`.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Number of nodes to run (1 to 2000)
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=2000))]
    pub nodes: u32,
    /// Flags applied to every node
    #[command(flatten)]
    pub node: NodeArgs,
}

/// How one gossip is spreading through the cluster.
struct Spread {
    t0: Time,
    have: HashSet<usize>,
    last: Time,
    reported: bool,
}

/// Runs the cluster until Ctrl-C or SIGTERM.
pub async fn run(args: ClusterArgs) -> anyhow::Result<()> {
    let settings = args.node.resolve()?;
    if settings.advertise.is_some() {
        bail!("--advertise applies to a single node, not to a loopback cluster");
    }
    logging::init(settings.log_format, "warn");
    let n = args.nodes as usize;
    let sink = settings.open_events()?;
    let mut fleet = Fleet::start(FleetSpec {
        nodes: n,
        bind: settings.bind,
        first_port: settings.port,
        config: settings.config.clone(),
        seeds: fleet::consecutive_seeds,
        sink,
    })
    .await?;
    let seed_addr = fleet.seed_addr;

    let mut clock = Clock::new();
    let start = clock.now();
    println!(
        "started {n} nodes on {}; node 0 ({seed_addr}) is the seed, mode {}, fanout {}, ttl {}",
        settings.bind,
        settings.config.mode.as_str(),
        settings.config.fanout,
        settings.config.ttl
    );

    let target = settings.config.fanout.max(1) as usize;
    let target = target.min(n.saturating_sub(1));
    let mut degrees = Degrees::new(n);
    let mut formed = false;
    let mut last_wait_report = start;
    let mut spreads: HashMap<MsgId, Spread> = HashMap::new();
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = true;
    let mut tick = tokio::time::interval(TICK);
    let mut term = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;

    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
            Some(o) = fleet.observed.recv() => {
                degrees.observe(&o, &fleet.index_of);
                observe(&o, n, &fleet.index_of, &mut spreads);
            }
            line = stdin.next_line(), if stdin_open => match line {
                Ok(Some(line)) => match parse_command(&line, n) {
                    Ok(Some((node, text))) => {
                        if !fleet.publish(node, text.to_owned()).await {
                            println!("node {node} has stopped");
                        }
                    }
                    Ok(None) => {}
                    Err(msg) => println!("{msg}"),
                },
                Ok(None) | Err(_) => stdin_open = false,
            },
            _ = tick.tick() => {
                let now = clock.now();
                if !formed {
                    let ready = degrees.ready(target);
                    if ready == n {
                        formed = true;
                        print_formed(now.saturating_since(start), &degrees.knows);
                    } else if now.saturating_since(last_wait_report) >= WAIT_REPORT {
                        last_wait_report = now;
                        println!(
                            "waiting for the overlay: {ready}/{n} nodes know and are known by at least {target} peers"
                        );
                    }
                }
                report_quiet(now, n, &mut spreads);
            }
        }
    }

    let (mut sent, mut bytes, mut errors, mut delivered, mut rejected) = (0u64, 0, 0, 0, 0);
    for summary in fleet.stop().await? {
        sent += summary.stats.total_sent();
        bytes += summary.bytes_sent + summary.bytes_received;
        errors += summary.send_errors;
        delivered += summary.stats.delivered;
        rejected += summary.stats.total_rejected();
    }
    println!(
        "stopped {n} nodes: {sent} messages sent ({errors} send errors), {bytes} bytes sent and received, \
         {delivered} gossips delivered, {rejected} inputs rejected"
    );
    Ok(())
}

/// Splits `<node> <message>`; a line not starting with a node number goes to node 0.
fn parse_command(line: &str, n: usize) -> Result<Option<(usize, &str)>, String> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(None);
    }
    if let Some((first, rest)) = line.split_once(char::is_whitespace) {
        if let Ok(node) = first.parse::<usize>() {
            let rest = rest.trim();
            if node >= n {
                return Err(format!("no node {node}: nodes are numbered 0 to {}", n - 1));
            }
            if !rest.is_empty() {
                return Ok(Some((node, rest)));
            }
        }
    }
    Ok(Some((0, line)))
}

fn print_formed(after: Duration, peers: &[usize]) {
    let min = peers.iter().copied().min().unwrap_or(0);
    let max = peers.iter().copied().max().unwrap_or(0);
    let avg = peers.iter().sum::<usize>() as f64 / peers.len().max(1) as f64;
    println!(
        "overlay formed after {} ms: {} nodes, peers per node min {min} / avg {avg:.1} / max {max}",
        after.as_millis(),
        peers.len()
    );
    println!(
        "type `<node> <message>` to publish from a node (0 to {}), or just a message to publish from node 0",
        peers.len() - 1
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn short(id: MsgId) -> String {
    id.to_string()[..8].to_owned()
}

fn observe(
    o: &Observed,
    n: usize,
    index_of: &HashMap<NodeId, usize>,
    spreads: &mut HashMap<MsgId, Spread>,
) {
    match &o.event {
        Event::Published { id, gossip } => {
            println!("node {} published {} {:?}", o.node, short(*id), gossip.data);
            spreads.insert(
                *id,
                Spread {
                    t0: o.at,
                    have: HashSet::from([o.node]),
                    last: o.at,
                    reported: false,
                },
            );
            if n == 1 {
                println!("  {}: all 1 nodes have it after 0.00 ms", short(*id));
            }
        }
        Event::Delivered {
            id,
            gossip,
            from,
            hops,
            pulled,
        } => {
            let spread = spreads.entry(*id).or_insert_with(|| Spread {
                t0: Time::from_millis(gossip.origin_timestamp_ms),
                have: HashSet::new(),
                last: o.at,
                reported: false,
            });
            spread.have.insert(o.node);
            spread.last = o.at;
            let from = index_of
                .get(from)
                .map_or_else(|| format!("{from}"), |i| format!("node {i}"));
            println!(
                "  node {:>3} got {} after {:>7.2} ms (hops {hops}, from {from}{})",
                o.node,
                short(*id),
                ms(o.at.saturating_since(spread.t0)),
                if *pulled { ", pulled" } else { "" }
            );
            if spread.have.len() == n {
                println!(
                    "  {}: all {n} nodes have it after {:.2} ms",
                    short(*id),
                    ms(o.at.saturating_since(spread.t0))
                );
                spreads.remove(id);
            }
        }
        _ => {}
    }
}

/// Summarises spreads that stopped making progress without reaching everyone.
fn report_quiet(now: Time, n: usize, spreads: &mut HashMap<MsgId, Spread>) {
    for (id, spread) in spreads.iter_mut() {
        if spread.reported || now.saturating_since(spread.last) < QUIET_AFTER {
            continue;
        }
        spread.reported = true;
        let mut missing = String::new();
        let absent: Vec<usize> = (0..n).filter(|i| !spread.have.contains(i)).collect();
        for i in absent.iter().take(20) {
            let _ = write!(missing, " {i}");
        }
        if absent.len() > 20 {
            missing.push_str(" ...");
        }
        println!(
            "  {}: {}/{n} nodes after {:.2} ms; missing:{missing}",
            short(*id),
            spread.have.len(),
            ms(spread.last.saturating_since(spread.t0))
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_pick_a_node_or_default_to_zero() {
        assert_eq!(
            parse_command("3 hello world", 10),
            Ok(Some((3, "hello world")))
        );
        assert_eq!(parse_command("hello", 10), Ok(Some((0, "hello"))));
        assert_eq!(parse_command("7", 10), Ok(Some((0, "7"))));
        assert_eq!(parse_command("   ", 10), Ok(None));
        assert!(parse_command("12 hi", 10).is_err());
    }
}
