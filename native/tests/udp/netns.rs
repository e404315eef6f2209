//! `scripts/netns-testbed.sh` run for real: five network namespaces on a
//! bridge, one `gossip` process in each bound to 0.0.0.0, joining the seed by
//! host name. A gossip crosses the namespaces; a partition, total and random
//! loss (nftables) and a crash have their effect; and afterwards no
//! namespace, link, file or process of the testbed is left. And in a
//! namespace with one, then two interfaces, a node bound to 0.0.0.0
//! advertises the only one, or asks for --advertise. Skipped, with a
//! message, when not root or when `ip netns` does not work.

use std::collections::{BTreeSet, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{of_kind, peers_of, read_lines, test_dir, wait_bounded, GOSSIP};

const N: usize = 5;
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/netns-testbed.sh");

/// Prints to the test's real standard error, which `cargo test` does not capture.
fn report(text: &str) {
    let _ = writeln!(std::io::stderr(), "netns testbed: {text}");
}

/// Why this machine cannot run the testbed, if it cannot.
fn skip_reason() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let euid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .unwrap_or("?");
    if euid != "0" {
        return Some(format!(
            "network namespaces need root (effective uid {euid})"
        ));
    }
    static PROBES: AtomicU32 = AtomicU32::new(0);
    let probe = format!(
        "gltp{}-{}",
        std::process::id(),
        PROBES.fetch_add(1, Ordering::Relaxed)
    );
    match Command::new("ip").args(["netns", "add", &probe]).output() {
        Err(e) => Some(format!("cannot run `ip` (iproute2): {e}")),
        Ok(out) if !out.status.success() => Some(format!(
            "`ip netns add` does not work here: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Ok(_) => {
            let _ = Command::new("ip").args(["netns", "del", &probe]).status();
            None
        }
    }
}

/// The running script, driven through its standard input.
struct Testbed {
    child: Child,
    stdin: Option<ChildStdin>,
    out: Receiver<String>,
    transcript: Vec<String>,
    dir: PathBuf,
}

impl Testbed {
    fn start(dir: &Path, name: &str, node_flags: &[&str]) -> Testbed {
        let err = std::fs::File::create(dir.join("testbed.err")).expect("stderr file");
        let mut child = Command::new("bash")
            .arg(SCRIPT)
            .args([
                "--nodes",
                &N.to_string(),
                "--name",
                name,
                "--max-time",
                "120",
            ])
            .arg("--gossip")
            .arg(GOSSIP)
            .arg("--dir")
            .arg(dir)
            .arg("--")
            .args(node_flags)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(err)
            .spawn()
            .expect("run netns-testbed.sh");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, out) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        let mut tb = Testbed {
            child,
            stdin,
            out,
            transcript: Vec::new(),
            dir: dir.to_owned(),
        };
        if let Err(line) = tb.expect_line("ready:", Duration::from_secs(90)) {
            tb.fail(&format!("the testbed did not start: {line}"));
        }
        tb
    }

    /// Waits for a line starting with `prefix` (Ok) or `error:` (Err); panics
    /// with the transcript when the script exits or after `timeout`.
    fn expect_line(&mut self, prefix: &str, timeout: Duration) -> Result<String, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.out.recv_timeout(left) {
                Ok(line) => {
                    self.transcript.push(line.clone());
                    if line.starts_with("error:") {
                        return Err(line);
                    }
                    if line.starts_with(prefix) {
                        return Ok(line);
                    }
                }
                Err(RecvTimeoutError::Timeout) => self.fail(&format!("no {prefix:?} line in time")),
                Err(RecvTimeoutError::Disconnected) => self.fail("the testbed exited"),
            }
        }
    }

    fn fail(&self, what: &str) -> ! {
        let err = std::fs::read_to_string(self.dir.join("testbed.err")).unwrap_or_default();
        panic!(
            "{what}\n--- transcript ---\n{}\n--- stderr ---\n{err}",
            self.transcript.join("\n")
        );
    }

    /// Sends one command; returns the lines it printed, its `ok:` line last,
    /// or its `error:` line.
    fn try_command(&mut self, line: &str) -> Result<Vec<String>, String> {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").expect("write a command");
        stdin.flush().expect("flush");
        let from = self.transcript.len();
        self.expect_line("ok:", Duration::from_secs(15))?;
        Ok(self.transcript[from..].to_vec())
    }

    /// Sends one command that must succeed; returns the lines it printed.
    fn command(&mut self, line: &str) -> Vec<String> {
        self.try_command(line)
            .unwrap_or_else(|err| self.fail(&format!("`{line}` answered {err:?}")))
    }

    fn events(&self, i: usize) -> Vec<Value> {
        read_lines(&self.dir.join(format!("node{i}.jsonl")))
    }

    /// Nodes among `nodes` that published or delivered gossip `data`.
    fn holders(&self, data: &str, nodes: impl IntoIterator<Item = usize>) -> BTreeSet<usize> {
        nodes
            .into_iter()
            .filter(|&i| {
                self.events(i).iter().any(|l| {
                    matches!(l["event"].as_str(), Some("published" | "delivered"))
                        && l["data"] == data
                })
            })
            .collect()
    }

    /// Publishes `data` at node `from`.
    fn publish(&mut self, from: usize, data: &str) {
        self.command(&format!("publish {from} {data}"));
    }

    /// Time from the publication of `data` to its last delivery so far, from
    /// the events' timestamps (every namespace shares this machine's clock).
    fn spread(&self, data: &str) -> Duration {
        let (mut published, mut last) = (u64::MAX, 0);
        for i in 0..N {
            for l in self.events(i).iter().filter(|l| l["data"] == data) {
                let ts = l["ts_us"].as_u64().unwrap_or_default();
                match l["event"].as_str() {
                    Some("published") => published = published.min(ts),
                    Some("delivered") => last = last.max(ts),
                    _ => {}
                }
            }
        }
        Duration::from_micros(last.saturating_sub(published))
    }

    /// Waits until every node of `want` holds `data`.
    fn await_holders(&self, data: &str, want: &[usize], timeout: Duration) {
        let start = Instant::now();
        loop {
            let have = self.holders(data, want.iter().copied());
            if have.len() == want.len() {
                return;
            }
            if start.elapsed() > timeout {
                self.fail(&format!(
                    "{data:?} reached only nodes {have:?} of {want:?} in {timeout:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until every node knows and is known by at least `k` peers.
    fn await_overlay(&self, k: usize, timeout: Duration) {
        let start = Instant::now();
        loop {
            let ids: Vec<String> = (0..N).map(|i| node_id(&self.events(i))).collect();
            let tables: Vec<BTreeSet<String>> = (0..N).map(|i| peers_of(&self.events(i))).collect();
            let ready = ids.iter().zip(&tables).all(|(id, own)| {
                own.len() >= k && tables.iter().filter(|t| t.contains(id)).count() >= k
            });
            if ready {
                return;
            }
            if start.elapsed() > timeout {
                self.fail("the overlay did not form");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Ends the testbed with `quit` and waits (at most 20 s) for its exit.
    fn quit(&mut self) {
        self.command("quit");
        self.stdin = None;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                assert!(status.success(), "the testbed exited with {status}");
                return;
            }
            assert!(Instant::now() < deadline, "the testbed did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Testbed {
    /// On a failed assertion: SIGTERM lets the script's trap remove what it
    /// made; SIGKILL only if it does not exit within 20 s.
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_some() {
            return;
        }
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).expect("pid"));
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn node_id(lines: &[Value]) -> String {
    of_kind(lines, "started")
        .last()
        .and_then(|s| s["node"].as_str())
        .unwrap_or_default()
        .to_owned()
}

fn root_links() -> BTreeSet<String> {
    let out = Command::new("ip")
        .args(["-o", "link", "show"])
        .output()
        .expect("ip link");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split(':').nth(1))
        .map(|name| name.trim().to_owned())
        .collect()
}

/// Pids of processes whose command line mentions `needle`.
fn processes_mentioning(needle: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| {
            std::fs::read(e.path().join("cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(needle))
                .unwrap_or(false)
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Fraction of the datagrams sent to nodes with `ts_ms` in `window` that
/// their receivers recorded, and how many were sent.
fn arrival_ratio(tb: &Testbed, window: (u64, u64)) -> (f64, usize) {
    let key = |from: &Value, to: &Value, l: &Value| {
        format!("{from} {to} {} {}", l["msg_type"], l["msg_id"])
    };
    let mut sent = HashSet::new();
    let mut received = HashSet::new();
    for i in 0..N {
        for l in tb.events(i) {
            let ts = l["ts_ms"].as_u64().unwrap_or_default();
            match l["event"].as_str() {
                Some("send") if (window.0..window.1).contains(&ts) => {
                    sent.insert(key(&l["addr"], &l["to"], &l));
                }
                Some("recv") => {
                    received.insert(key(&l["from"], &l["addr"], &l));
                }
                _ => {}
            }
        }
    }
    let arrived = sent.intersection(&received).count();
    (arrived as f64 / sent.len().max(1) as f64, sent.len())
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[test]
fn five_namespaces_spread_gossip_and_feel_partitions_loss_and_crashes() {
    if let Some(why) = skip_reason() {
        report(&format!("skipped: {why}"));
        return;
    }
    let began = Instant::now();
    let dir = test_dir("netns");
    let name = format!("glt{}", std::process::id());
    let links_before = root_links();
    // Peers silent for 10 s are dropped: far longer than any fault below, so
    // the overlay survives them even on a loaded machine.
    let flags = [
        "--mode",
        "hybrid",
        "--pull-interval",
        "0.3",
        "--ping-interval",
        "0.3",
        "--peer-timeout",
        "10",
    ];
    let mut tb = Testbed::start(&dir, &name, &flags);

    // Each node advertises its own namespace's address, found by itself, and
    // joined through the seed's host name.
    for i in 0..N {
        let started = tb.events(i);
        let started = of_kind(&started, "started")[0].clone();
        assert_eq!(
            started["addr"],
            format!("10.77.0.{}:9000", i + 1),
            "node {i}"
        );
        let log = std::fs::read_to_string(dir.join(format!("node{i}.log"))).expect("log");
        assert!(
            log.contains("the only non-loopback IPv4 interface"),
            "{log}"
        );
        if i > 0 {
            assert_eq!(started["bootstrap"], "10.77.0.1:9000");
            assert!(
                log.contains("bootstrap seed:9000 resolved to 10.77.0.1:9000"),
                "{log}"
            );
        }
    }
    tb.await_overlay(2, Duration::from_secs(15));
    let all: Vec<usize> = (0..N).collect();

    // A gossip crosses the namespaces.
    tb.publish(2, "across-namespaces");
    tb.await_holders("across-namespaces", &all, Duration::from_secs(10));
    report(&format!(
        "gossip from node 2 delivered in all {N} namespaces {:?} after its publication",
        tb.spread("across-namespaces")
    ));

    // Partition {0,1} | {2,3,4}: a gossip from 0 stays on its side until the
    // partition heals, then hybrid's IHAVE/IWANT carries it across.
    tb.command("partition 0-1 2-4");
    tb.publish(0, "during-partition");
    tb.await_holders("during-partition", &[0, 1], Duration::from_secs(5));
    std::thread::sleep(Duration::from_millis(1500));
    let have = tb.holders("during-partition", 0..N);
    assert_eq!(have, BTreeSet::from([0, 1]), "the partition leaked");
    let status = tb.command("status").join("\n");
    assert!(status.contains("cut from 10.77.0.1,10.77.0.2"), "{status}");
    let healed = Instant::now();
    tb.command("heal");
    tb.await_holders("during-partition", &all, Duration::from_secs(10));
    let pulled = (2..N)
        .flat_map(|i| tb.events(i))
        .filter(|l| l["event"] == "delivered" && l["data"] == "during-partition")
        .filter(|l| l["pulled"] == true)
        .count();
    report(&format!(
        "partition 0-1 | 2-4 kept a gossip on its side for 1.5 s; after healing, nodes 2-4 \
         had it within {:?} ({pulled} of 3 by pull)",
        healed.elapsed()
    ));

    // Total loss at node 4: it misses the gossip until the loss is lifted.
    tb.command("loss 4 100");
    tb.publish(1, "node-4-deaf");
    tb.await_holders("node-4-deaf", &[0, 1, 2, 3], Duration::from_secs(5));
    std::thread::sleep(Duration::from_millis(1000));
    assert!(
        tb.holders("node-4-deaf", [4]).is_empty(),
        "node 4 heard through 100 % loss"
    );
    tb.command("loss 4 0");
    tb.await_holders("node-4-deaf", &all, Duration::from_secs(10));

    // 30 % random loss everywhere: about 70 % of datagrams arrive, and
    // hybrid still delivers to every node.
    let on = now_ms();
    tb.command("loss all 30");
    tb.publish(3, "under-30-percent-loss");
    tb.await_holders("under-30-percent-loss", &all, Duration::from_secs(15));
    let took = tb.spread("under-30-percent-loss");
    std::thread::sleep(Duration::from_millis(2500));
    let off = now_ms();
    tb.command("loss all 0");
    let (ratio, sent) = arrival_ratio(&tb, (on + 200, off - 200));
    report(&format!(
        "30 % loss: {:.1} % of {sent} datagrams arrived; hybrid delivered to all {N} in {took:?}",
        ratio * 100.0
    ));
    assert!(sent >= 100, "too few datagrams to measure: {sent}");
    assert!(
        (0.55..=0.85).contains(&ratio),
        "arrival ratio {ratio} under 30 % loss"
    );

    // A crash: node 3 is killed and misses the next gossip; restarted, it
    // joins again.
    tb.command("kill 3");
    tb.publish(1, "after-the-crash");
    tb.await_holders("after-the-crash", &[0, 1, 2, 4], Duration::from_secs(10));
    assert!(tb.holders("after-the-crash", [3]).is_empty());
    tb.command("restart 3");
    let lines = tb.events(3);
    assert_eq!(of_kind(&lines, "started").len(), 2, "node 3 started again");
    let deadline = Instant::now() + Duration::from_secs(10);
    while of_kind(&tb.events(3), "joined").len() < 2 {
        assert!(
            Instant::now() < deadline,
            "the restarted node 3 did not join"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // Latency needs netem, which these machines' kernel lacks: the testbed
    // says so instead of pretending.
    match tb.try_command("delay 0 20") {
        Ok(_) => report("latency: tc netem is available and node 0 has 20 ms"),
        Err(err) => {
            assert!(err.contains("netem"), "{err}");
            report(&format!("latency refused as expected: {err}"));
        }
    }

    // Nothing is left behind.
    tb.quit();
    let namespaces = Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip netns");
    let namespaces = String::from_utf8_lossy(&namespaces.stdout).into_owned();
    assert!(!namespaces.contains(&name), "namespaces left: {namespaces}");
    let leftover_links: Vec<_> = root_links().difference(&links_before).cloned().collect();
    assert!(leftover_links.is_empty(), "links left: {leftover_links:?}");
    let etc: Vec<_> = std::fs::read_dir("/etc/netns")
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|f| f.starts_with(&name))
                .collect()
        })
        .unwrap_or_default();
    assert!(etc.is_empty(), "/etc/netns entries left: {etc:?}");
    let procs = processes_mentioning(&dir.to_string_lossy());
    assert!(procs.is_empty(), "processes left: {procs:?}");
    report(&format!(
        "whole run, cleanup included: {:?}",
        began.elapsed()
    ));
}

/// A network namespace deleted on drop.
struct Netns(String);

impl Netns {
    fn new(name: String) -> Netns {
        ip(&["netns", "add", &name]);
        Netns(name)
    }

    fn ip(&self, args: &[&str]) {
        let mut all = vec!["-n", &self.0];
        all.extend_from_slice(args);
        ip(&all);
    }

    /// Runs `gossip args` in the namespace for at most 2 s; its output.
    fn gossip(&self, args: &[&str]) -> (bool, String) {
        let mut child = Command::new("ip")
            .args(["netns", "exec", &self.0, GOSSIP])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run gossip in the namespace");
        let deadline = Instant::now() + Duration::from_secs(2);
        while child.try_wait().expect("try_wait").is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let out = child.wait_with_output().expect("output");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bound_to_every_interface_a_node_advertises_the_only_one_or_asks() {
    if let Some(why) = skip_reason() {
        report(&format!("skipped: {why}"));
        return;
    }
    let ns = Netns::new(format!("glti{}", std::process::id()));
    // Two veth pairs inside the namespace: two IPv4 interfaces up and running.
    for (a, b, addr) in [("a0", "b0", "10.77.1.1/24"), ("a1", "b1", "10.77.2.1/24")] {
        ns.ip(&["link", "add", a, "type", "veth", "peer", "name", b]);
        ns.ip(&["addr", "add", addr, "dev", a]);
        ns.ip(&["link", "set", a, "up"]);
        ns.ip(&["link", "set", b, "up"]);
    }
    let (ok, out) = ns.gossip(&["--bind", "0.0.0.0:9000"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("several IPv4 interfaces (a0 10.77.1.1, a1 10.77.2.1)")
            && out.contains("--advertise 10.77.1.1:9000"),
        "{out}"
    );
    let (_, out) = ns.gossip(&["--bind", "0.0.0.0:9000", "--advertise", "10.77.2.1:9000"]);
    assert!(out.contains("addr=10.77.2.1:9000"), "{out}");

    ns.ip(&["link", "del", "a1"]);
    let (_, out) = ns.gossip(&["--bind", "0.0.0.0", "--port", "9000"]);
    assert!(
        out.contains(
            "advertising 10.77.1.1:9000, the address of a0, the only non-loopback IPv4 interface"
        ),
        "{out}"
    );
}

#[test]
fn the_experiment_grid_runs_on_namespaces_with_loss_and_cleans_up() {
    if let Some(why) = skip_reason() {
        report(&format!("skipped: {why}"));
        return;
    }
    let dir = test_dir("experiment-netns");
    let out_dir = dir.join("out");
    let mut child = Command::new(GOSSIP)
        .args(["experiment", "--real", "--netns", "--testbed", SCRIPT])
        .args(["--sizes", "4", "--fanouts", "2", "--modes", "hybrid"])
        .args(["--losses", "0", "1", "--seeds", "1"])
        .args(["--settle-ms", "1500", "--quiet-ms", "1000"])
        .args(["--ping-interval", "0.3", "--pull-interval", "0.3", "--out"])
        .arg(&out_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn gossip experiment --real --netns");
    let prefix = format!("g{}x", child.id() % 10_000_000);
    let status = wait_bounded(
        &mut child,
        Duration::from_secs(120),
        "gossip experiment --real --netns",
    );
    assert!(status.success(), "experiment failed: {status}");
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("results.json")).expect("results.json"),
    )
    .expect("results.json is JSON");
    let delivery: Vec<f64> = doc["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .map(|r| r["report"]["delivery_ratio"].as_f64().expect("delivery"))
        .collect();
    // Hybrid reaches all four; with every datagram dropped only the
    // publisher has it.
    assert_eq!(
        delivery,
        vec![1.0, 0.25],
        "delivery without and with total loss"
    );
    let summary = std::fs::read_to_string(out_dir.join("summary.md")).expect("summary.md");
    assert!(summary.contains("one per network namespace"), "{summary}");
    assert!(summary.contains("| Loss % |"), "{summary}");
    assert!(
        summary.contains("Latency emulation (tc netem):"),
        "{summary}"
    );
    let left = Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip netns list");
    let left = String::from_utf8_lossy(&left.stdout);
    assert!(
        !left.lines().any(|l| l.starts_with(&prefix)),
        "namespaces of the run are left: {left}"
    );
}
