//! `gossip cluster`: N nodes in one process, driven from standard input.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::GOSSIP;

/// The cluster process, killed on drop.
struct Cluster(Child);

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_line(rx: &mpsc::Receiver<String>, seen: &mut Vec<String>, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                seen.push(line.clone());
                if line.contains(needle) {
                    return line;
                }
            }
            Err(_) => panic!(
                "no line containing {needle:?}; output so far:\n{}",
                seen.join("\n")
            ),
        }
    }
}

#[test]
fn a_cluster_forms_and_reports_who_got_a_gossip() {
    let mut child = Cluster(
        Command::new(GOSSIP)
            .args([
                "cluster",
                "--nodes",
                "6",
                "--ping-interval",
                "0.2",
                "--peer-timeout",
                "5",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn cluster"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    wait_line(&rx, &mut seen, "started 6 nodes");
    wait_line(&rx, &mut seen, "overlay formed after");
    let stdin = child.0.stdin.as_mut().expect("stdin");
    writeln!(stdin, "9 nobody").expect("write");
    wait_line(&rx, &mut seen, "no node 9");
    writeln!(stdin, "2 hello from two").expect("write");
    stdin.flush().expect("flush");
    wait_line(&rx, &mut seen, r#"node 2 published"#);
    // Push may miss a node; then the quiet-spread summary says so instead.
    let last = wait_line(&rx, &mut seen, "nodes ");
    let got = seen.iter().filter(|l| l.contains(" got ")).count();
    assert!(got >= 4, "only {got} deliveries:\n{}", seen.join("\n"));
    assert!(
        last.contains("all 6 nodes have it") || last.contains("/6 nodes after"),
        "{last}"
    );
    assert!(
        !seen.iter().any(|l| l.contains("node   2 got")),
        "the publisher got its own gossip"
    );
}
