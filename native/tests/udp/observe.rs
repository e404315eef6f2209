//! `gossip observe` and `--report-to` with real processes: what the
//! observer relays to a viewer is what the nodes wrote to their events
//! files, and a node whose observer is gone keeps gossiping and counts the
//! records it could not send.

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio_tungstenite::tungstenite;

use crate::common::{
    of_kind, publish_and_spread, start_overlay, test_dir, wait_for_overlay, GOSSIP, STABLE,
};

const N: usize = 4;

/// The observer process, killed on drop.
struct Observer {
    child: Child,
    addr: String,
}

impl Drop for Observer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_observer(dir: &Path) -> Observer {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free TCP port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let log = dir.join("observer.log");
    let out = std::fs::File::create(&log).expect("log");
    let child = Command::new(GOSSIP)
        .args(["observe", "--listen", &addr])
        .stdout(out.try_clone().expect("clone"))
        .stderr(out)
        .stdin(Stdio::null())
        .spawn()
        .expect("spawn observer");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("observing on")
    {
        assert!(Instant::now() < deadline, "observer did not start");
        std::thread::sleep(Duration::from_millis(10));
    }
    Observer { child, addr }
}

/// `(node, msg_id)` of every delivery in `lines`.
fn deliveries<'a>(lines: impl IntoIterator<Item = &'a Value>) -> BTreeSet<(String, String)> {
    lines
        .into_iter()
        .filter(|l| l["event"] == "delivered")
        .map(|l| (l["node"].to_string(), l["msg_id"].to_string()))
        .collect()
}

/// Reads what the observer sends a viewer until `want` deliveries came.
fn watch(addr: &str, want: &BTreeSet<(String, String)>) -> Vec<Value> {
    let (mut ws, _) = tungstenite::connect(format!("ws://{addr}/")).expect("viewer connects");
    if let tungstenite::stream::MaybeTlsStream::Plain(s) = ws.get_mut() {
        s.set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
    }
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !want.is_subset(&deliveries(&got)) {
        assert!(
            Instant::now() < deadline,
            "the viewer got {} of {} deliveries",
            deliveries(&got).len(),
            want.len()
        );
        match ws.read() {
            Ok(tungstenite::Message::Text(text)) => {
                for line in text.as_str().lines() {
                    got.push(serde_json::from_str(line).expect("the observer relays JSON records"));
                }
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("viewer connection failed: {e}"),
        }
    }
    got
}

#[test]
fn the_observer_relays_every_delivery_and_a_lost_observer_costs_only_records() {
    let dir = test_dir("observe");
    let observer = start_observer(&dir);
    let mut args = vec![
        "--report-to",
        observer.addr.as_str(),
        "--mode",
        "push",
        "--fanout",
        "3",
    ];
    args.extend_from_slice(&STABLE);
    let mut nodes = start_overlay(&dir, N, &args);
    wait_for_overlay(&nodes, 2, Duration::from_secs(15));
    publish_and_spread(&mut nodes, 0, "watched live", Duration::from_secs(15));
    let in_files: Vec<Value> = nodes.iter().flat_map(|n| n.lines()).collect();
    let want = deliveries(&in_files);
    assert_eq!(want.len(), N - 1, "every node but the origin delivered");
    // A viewer connecting now gets the backlog: every delivery in the files.
    let seen = watch(&observer.addr, &want);
    assert_eq!(deliveries(&seen), want);
    assert!(seen.iter().any(|l| l["event"] == "published"));

    // The observer goes away: the nodes still gossip, and count what they
    // could not report.
    drop(observer);
    publish_and_spread(&mut nodes, 1, "nobody watching", Duration::from_secs(15));
    nodes[1].terminate(Duration::from_secs(5));
    let log = nodes[1].log_text();
    assert!(
        log.contains("event records dropped"),
        "no drop count in the log:\n{log}"
    );
    // The count is in the node's events file too, on its closing record.
    let lines = nodes[1].lines();
    let stopped = of_kind(&lines, "stopped");
    let count = stopped
        .last()
        .and_then(|s| s["report_dropped"].as_u64())
        .unwrap_or_else(|| panic!("no report_dropped on {stopped:?}"));
    assert!(count > 0, "{stopped:?}");
}
