//! Helpers for tests that run real `gossip` processes on loopback: free ports,
//! child processes killed on drop, and polling of their `--events` files with
//! deadlines instead of fixed sleeps.

use std::collections::BTreeSet;
use std::io::Write;
use std::net::{SocketAddr, UdpSocket};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

/// The binary under test.
pub const GOSSIP: &str = env!("CARGO_BIN_EXE_gossip");

/// Fast liveness timings for tests that do not care about dead peers.
pub const STABLE: [&str; 4] = ["--ping-interval", "0.3", "--peer-timeout", "5"];

/// A fresh directory for one test's files (its nodes' logs and events), under
/// `CARGO_TARGET_TMPDIR`; see [`TestDir`] for when it is removed.
pub fn test_dir(name: &str) -> TestDir {
    let dir = tempfile::Builder::new()
        .prefix(&format!("{name}-"))
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("create test dir");
    TestDir(dir)
}

/// One test's directory, owned by the test: removed when the test passes.
/// When the test fails (the guard drops while panicking) the directory is kept
/// for debugging, and its path printed, because the failure messages point at
/// the nodes' logs and events files inside it; `cargo clean` removes such
/// leftovers with the rest of `target/`.
pub struct TestDir(TempDir);

impl TestDir {
    /// The directory's path.
    pub fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Deref for TestDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        self.path()
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.disable_cleanup(true);
            eprintln!(
                "test failed: its files are kept in {}",
                self.path().display()
            );
        }
    }
}

/// A loopback UDP port that was free a moment ago.
pub fn free_port() -> u16 {
    let probe = UdpSocket::bind("127.0.0.1:0").expect("bind probe");
    probe.local_addr().expect("probe addr").port()
}

/// One running `gossip` process.
pub struct Proc {
    child: Child,
    stdin: Option<ChildStdin>,
    /// Its address.
    pub addr: SocketAddr,
    /// Its node id (from its `started` event).
    pub id: String,
    /// Its events file.
    pub events: PathBuf,
    /// Its standard output (the log).
    pub log: PathBuf,
    /// Its name in failure messages.
    pub name: String,
}

impl Proc {
    /// Starts `gossip --port <free> --events <dir>/<name>.jsonl <args>` and waits
    /// until it has bound its socket, retrying on another port if that one was taken.
    pub fn start(dir: &Path, name: &str, args: &[&str]) -> Proc {
        for _ in 0..5 {
            let port = free_port();
            let events = dir.join(format!("{name}.jsonl"));
            let log = dir.join(format!("{name}.log"));
            let _ = std::fs::remove_file(&events);
            let out = std::fs::File::create(&log).expect("create log");
            let err = out.try_clone().expect("clone log");
            let child = Command::new(GOSSIP)
                .arg("--port")
                .arg(port.to_string())
                .arg("--events")
                .arg(&events)
                .args(args)
                .stdin(Stdio::piped())
                .stdout(out)
                .stderr(err)
                .spawn()
                .expect("spawn gossip");
            let mut p = Proc {
                child,
                stdin: None,
                addr: SocketAddr::from(([127, 0, 0, 1], port)),
                id: String::new(),
                events,
                log,
                name: name.to_owned(),
            };
            p.stdin = p.child.stdin.take();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Some(started) = p.lines().into_iter().find(|l| l["event"] == "started") {
                    p.id = started["node"].as_str().expect("node id").to_owned();
                    return p;
                }
                if p.child.try_wait().expect("try_wait").is_some() {
                    break; // most likely the port was taken meanwhile: try another
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        panic!("{name} did not start; see {}", dir.display());
    }

    /// Every complete line of its events file.
    pub fn lines(&self) -> Vec<Value> {
        read_lines(&self.events)
    }

    /// Its log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Polls the events file until `pred` holds, or panics after `timeout`.
    pub fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let lines = self.lines();
            if pred(&lines) {
                return lines;
            }
            assert!(
                Instant::now() < deadline,
                "{}: timed out waiting for {what}; events in {}",
                self.name,
                self.events.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Ids of the peers currently in its table, replayed from its events.
    pub fn peers(&self) -> BTreeSet<String> {
        peers_of(&self.lines())
    }

    /// Types a line on its standard input (publishes a gossip).
    pub fn publish(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{text}").expect("write stdin");
        stdin.flush().expect("flush stdin");
    }

    /// Closes its standard input.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Whether it is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    /// Kills it at once (SIGKILL).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and waits for it to exit.
    pub fn terminate(&mut self, timeout: Duration) -> ExitStatus {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).expect("pid"));
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("SIGTERM");
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "{} ignored SIGTERM", self.name);
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits for `child` to exit, at most `limit`: past it the child is killed
/// and the test fails, naming `what`.
pub fn wait_bounded(child: &mut Child, limit: Duration, what: &str) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {} s", limit.as_secs());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Complete JSON lines of a file (a line still being written is skipped).
pub fn read_lines(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.split_inclusive('\n')
        .filter(|l| l.ends_with('\n'))
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Replays peer_added / peer_evicted / peer_removed into the current peer set.
pub fn peers_of(lines: &[Value]) -> BTreeSet<String> {
    let mut peers = BTreeSet::new();
    for l in lines {
        let peer = l["peer"].as_str().unwrap_or_default().to_owned();
        match l["event"].as_str() {
            Some("peer_added") => {
                peers.insert(peer);
            }
            Some("peer_evicted" | "peer_removed") => {
                peers.remove(&peer);
            }
            _ => {}
        }
    }
    peers
}

/// Events of one kind.
pub fn of_kind<'a>(lines: &'a [Value], kind: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["event"] == kind).collect()
}

/// A seed plus `n - 1` joiners bootstrapping through it.
pub fn start_overlay(dir: &Path, n: usize, args: &[&str]) -> Vec<Proc> {
    let seed = Proc::start(dir, "node0", args);
    let seed_addr = seed.addr.to_string();
    let mut nodes = vec![seed];
    for i in 1..n {
        let mut a: Vec<&str> = vec!["--bootstrap", &seed_addr];
        a.extend_from_slice(args);
        nodes.push(Proc::start(dir, &format!("node{i}"), &a));
    }
    nodes
}

/// Waits until every node knows at least `k` peers.
pub fn wait_for_peers(nodes: &[Proc], k: usize, timeout: Duration) {
    for n in nodes {
        n.wait_for(&format!("at least {k} peers"), timeout, |l| {
            peers_of(l).len() >= k
        });
    }
}

/// Waits until every node knows at least `k` peers and is known by at least
/// `k` nodes, so a gossip can reach it whoever publishes.
pub fn wait_for_overlay(nodes: &[Proc], k: usize, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        let tables: Vec<BTreeSet<String>> = nodes.iter().map(Proc::peers).collect();
        let ready = nodes.iter().zip(&tables).all(|(n, own)| {
            own.len() >= k && tables.iter().filter(|t| t.contains(&n.id)).count() >= k
        });
        if ready {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "overlay not formed: peer counts {:?}",
            tables.iter().map(BTreeSet::len).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Nodes that have gossip `msg_id` (published it or had it delivered).
pub fn holders(nodes: &[Proc], msg_id: &str) -> usize {
    nodes
        .iter()
        .filter(|n| {
            n.lines().iter().any(|l| {
                (l["event"] == "delivered" || l["event"] == "published") && l["msg_id"] == msg_id
            })
        })
        .count()
}

/// Publishes `text` from `nodes[from]` and waits until every node holds it;
/// returns the gossip's `msg_id`. Panics after `timeout`.
pub fn publish_and_spread(
    nodes: &mut [Proc],
    from: usize,
    text: &str,
    timeout: Duration,
) -> String {
    nodes[from].publish(text);
    let deadline = Instant::now() + timeout;
    let lines = nodes[from].wait_for("the publication", timeout, |l| {
        of_kind(l, "published").iter().any(|p| p["data"] == text)
    });
    let msg_id = of_kind(&lines, "published")
        .into_iter()
        .find(|p| p["data"] == text)
        .and_then(|p| p["msg_id"].as_str())
        .expect("msg_id")
        .to_owned();
    while holders(nodes, &msg_id) < nodes.len() {
        assert!(
            Instant::now() < deadline,
            "{text:?} reached {} of {} nodes",
            holders(nodes, &msg_id),
            nodes.len()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    msg_id
}

/// A JSON datagram in the original's shape, from `sender_addr`.
pub fn datagram(msg_type: &str, sender_id: &str, sender_addr: SocketAddr, payload: &str) -> String {
    format!(
        r#"{{"version": 1, "msg_id": "{}", "msg_type": "{msg_type}", "sender_id": "{sender_id}", "sender_addr": "{sender_addr}", "timestamp_ms": 1700000000000, "ttl": 5, "payload": {payload}}}"#,
        random_hex()
    )
}

/// 32 hex digits unique within this test process.
pub fn random_hex() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    format!("{:016x}{:016x}", nanos ^ u64::from(std::process::id()), n)
}
