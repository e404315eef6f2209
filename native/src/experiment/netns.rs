//! `gossip experiment --real --netns`: every grid point on N real `gossip`
//! processes, one per network namespace, joined by veth pairs to a bridge
//! (`scripts/netns-testbed.sh`, which builds the namespaces, applies loss
//! with nftables, and removes every namespace, link and process it made, by
//! pid, when it ends or fails).
//!
//! A run starts the testbed with its loss on every node's input from the
//! start (as the simulator's loss applies from the start), hands it its
//! commands up front (wait until the simulator would publish, publish from the node the
//! seed picks, wait for the broadcast to end, quit), waits for it with a
//! time limit, and measures the run from the nodes' events files with
//! [`crate::analysis`], as the loopback runs do.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use gossip_core::sim::{default_publish_ms, publish_origin, Scenario};
use gossip_core::Config;

use super::real::RealRun;
use super::{RunParams, RunResult};
use crate::analysis::{self, EventLog};

/// Longest the testbed may take to build its namespaces, start its nodes
/// and remove everything again, on top of a run's own waits.
const SETUP_LIMIT: Duration = Duration::from_secs(180);
/// How long a testbed asked to stop (SIGTERM) has to clean up before it is
/// killed.
const CLEANUP_GRACE: Duration = Duration::from_secs(30);
/// Extra wait after the broadcast's quiet period, for copies in flight
/// between processes.
const NETNS_TAIL: Duration = Duration::from_millis(1_000);

/// Where the testbed is and what it runs.
#[derive(Debug, Clone)]
pub struct Testbed {
    /// The script.
    pub script: PathBuf,
    /// The `gossip` binary every namespace runs.
    pub gossip: PathBuf,
}

impl Testbed {
    /// `script` as given, else `scripts/netns-testbed.sh` beside this
    /// binary's checkout (target/<profile>/gossip → ../../scripts).
    pub fn locate(script: Option<&Path>) -> anyhow::Result<Testbed> {
        let gossip = std::env::current_exe().context("cannot find the gossip binary")?;
        let script = match script {
            Some(path) => path.to_owned(),
            None => {
                let relative = PathBuf::from("scripts/netns-testbed.sh");
                let beside = gossip
                    .ancestors()
                    .nth(3)
                    .map(|root| root.join(&relative))
                    .filter(|p| p.exists());
                beside.unwrap_or(relative)
            }
        };
        if !script.exists() {
            bail!(
                "no testbed script at {} (give it with --testbed)",
                script.display()
            );
        }
        Ok(Testbed { script, gossip })
    }
}

/// A running testbed, stopped (SIGTERM, then SIGKILL) by its pid when
/// dropped, so that its own trap removes what it made even when we fail.
struct Running(Child);

impl Running {
    fn stop(&mut self) {
        if matches!(self.0.try_wait(), Ok(Some(_))) {
            return;
        }
        if let Ok(pid) = i32::try_from(self.0.id()) {
            // The testbed's TERM trap removes its namespaces and processes.
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
        let deadline = Instant::now() + CLEANUP_GRACE;
        while Instant::now() < deadline {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The node flags that carry `config`'s protocol parameters.
fn node_flags(config: &Config) -> Vec<String> {
    let secs = |d: Duration| d.as_secs_f64().to_string();
    [
        ("--mode", config.mode.as_str().to_owned()),
        ("--fanout", config.fanout.to_string()),
        ("--ttl", config.ttl.to_string()),
        ("--peer-limit", config.peer_limit.to_string()),
        ("--ping-interval", secs(config.ping_interval)),
        ("--peer-timeout", secs(config.peer_timeout)),
        ("--pull-interval", secs(config.pull_interval)),
        ("--lazy-interval", secs(config.lazy_interval)),
        ("--graft-timeout", secs(config.graft_timeout)),
        ("--ihave-max-ids", config.ihave_max_ids.to_string()),
        ("--pow-k", config.pow_k.to_string()),
    ]
    .into_iter()
    .flat_map(|(flag, value)| [flag.to_owned(), value])
    .collect()
}

/// Seconds with millisecond precision, as the testbed's `wait` takes them.
fn secs(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// One run on `p.n` namespaces: the testbed's commands, its wait, the
/// analysis of its events. `index` makes the namespace names unique.
pub fn run_one(
    testbed: &Testbed,
    base: &Scenario,
    p: RunParams,
    settle: Option<Duration>,
    quiet: Option<Duration>,
    dir: &Path,
    index: usize,
) -> anyhow::Result<(RunResult, RealRun)> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .with_context(|| format!("cannot replace {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut config = base.node.clone();
    config.fanout = p.fanout;
    config.ttl = p.ttl;
    config.mode = p.mode;
    let settle = match settle {
        Some(s) => s,
        None => {
            let mut sc = base.clone();
            sc.nodes = p.n;
            Duration::from_secs_f64(default_publish_ms(&sc) / 1e3)
        }
    };
    // A fixed wait from the publish (the testbed cannot watch deliveries):
    // three of the quiet periods that end a loopback run.
    let quiet = quiet.unwrap_or(super::real::PUSH_QUIET.max(config.mode.patience(&config)) * 3)
        + NETNS_TAIL;
    let origin = publish_origin(p.seed, p.n);
    let loss_pct = (p.loss * 100.0).round() as u32;
    let commands = format!(
        "wait {}\npublish {origin} experiment\nwait {}\nquit\n",
        secs(settle),
        secs(quiet)
    );
    let limit = settle + quiet + SETUP_LIMIT;
    // Up to 12 letters or digits, unique to this process and run.
    let name = format!("g{}x{}", std::process::id() % 10_000_000, index % 1_000);
    let log_path = dir.join("testbed.log");
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("cannot create {}", log_path.display()))?;
    let child = Command::new("bash")
        .arg(&testbed.script)
        .args(["--nodes", &p.n.to_string(), "--name", &name])
        .arg("--dir")
        .arg(dir)
        .arg("--gossip")
        .arg(&testbed.gossip)
        .args(["--max-time", &limit.as_secs().to_string()])
        .args(["--seed", &p.seed.to_string()])
        .args(["--loss", &loss_pct.to_string()])
        .arg("--")
        .args(node_flags(&config))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("cannot start {}", testbed.script.display()))?;
    let mut running = Running(child);
    if let Some(mut stdin) = running.0.stdin.take() {
        stdin
            .write_all(commands.as_bytes())
            .context("cannot give the testbed its commands")?;
    }
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = running.0.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            running.stop();
            bail!(
                "the testbed did not finish within {} s; see {}",
                limit.as_secs(),
                log_path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let said = std::fs::read_to_string(&log_path).unwrap_or_default();
    if !status.success() || !said.contains(&format!("ok: node {origin} publishes")) {
        let tail: Vec<&str> = said.lines().rev().take(8).collect();
        bail!(
            "the testbed failed ({status}); the end of {}:\n{}",
            log_path.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    let files: Vec<PathBuf> = (0..p.n)
        .map(|i| dir.join(format!("node{i}.jsonl")))
        .collect();
    let log = EventLog::read(&files)?;
    let report = analysis::analyse(&log, p.n)
        .into_iter()
        .find(|a| a.data == "experiment")
        .map(|a| a.report)
        .context("the published gossip is missing from the events files")?;
    Ok((
        RunResult { params: p, report },
        RealRun {
            formed_ms: None,
            cpu_us_per_message: None,
            events: dir.to_owned(),
        },
    ))
}

/// What the testbed said about latency emulation (netem), from the log of
/// a run in `dir`.
pub fn latency_note(dir: &Path) -> Option<String> {
    let said = std::fs::read_to_string(dir.join("testbed.log")).ok()?;
    said.lines()
        .find_map(|l| l.strip_prefix("[testbed] latency: "))
        .map(str::to_owned)
}
