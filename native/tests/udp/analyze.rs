//! `gossip analyze` on the events files of real nodes run by hand (one
//! process per node), and on a directory of them.

use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::common::{
    publish_and_spread, start_overlay, test_dir, wait_for_overlay, GOSSIP, STABLE,
};

const N: usize = 5;

#[test]
fn analyze_reports_the_spread_of_a_gossip_from_real_nodes() {
    let dir = test_dir("analyze");
    let mut args = vec!["--mode", "hybrid", "--pull-interval", "0.3"];
    args.extend_from_slice(&STABLE);
    let mut nodes = start_overlay(&dir, N, &args);
    wait_for_overlay(&nodes, 2, Duration::from_secs(15));
    let msg_id = publish_and_spread(&mut nodes, 1, "analyse me", Duration::from_secs(15));
    for n in &mut nodes {
        n.terminate(Duration::from_secs(5));
    }

    // A directory of per-node files, as JSON, with its chart.
    let charts = dir.join("charts");
    let out = Command::new(GOSSIP)
        .args(["analyze", "--json", "--charts"])
        .arg(&charts)
        .arg(dir.path())
        .output()
        .expect("run gossip analyze");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = std::fs::read_to_string(charts.join("coverage_over_time.svg")).expect("svg");
    assert!(svg.contains("“analyse me”"), "the legend names the gossip");
    assert!(charts.join("coverage_over_time.png").is_file());
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(doc["nodes_with_events"], N);
    assert_eq!(doc["population"], N);
    let gossips = doc["gossips"].as_array().expect("gossips");
    assert_eq!(gossips.len(), 1, "{doc:#}");
    let g = &gossips[0];
    assert_eq!(g["data"], "analyse me");
    assert_eq!(g["publisher_recorded"], true);
    let r = &g["report"];
    assert_eq!(r["delivered"], N);
    assert_eq!(r["delivery_ratio"], 1.0);
    assert!(r["t95_ms"].as_f64().is_some(), "{r:#}");
    assert!(r["overhead"].as_u64().expect("overhead") >= (N - 1) as u64);
    assert!(r["payload_receptions"].as_u64().expect("receptions") >= (N - 1) as u64);

    // The same files named one by one, without the publisher's, as text, with
    // a larger population than the nodes that wrote events.
    let files: Vec<_> = nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, n)| n.events.clone())
        .collect();
    let out = Command::new(GOSSIP)
        .args(["analyze", "--nodes", "10"])
        .args(&files)
        .output()
        .expect("run gossip analyze");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&msg_id), "{text}");
    assert!(text.contains("delivered          5/10 (50.0%)"), "{text}");
    assert!(text.contains("its publisher left no events"), "{text}");

    // A missing file is a clear error, not a panic.
    let out = Command::new(GOSSIP)
        .args(["analyze"])
        .arg(dir.join("missing.jsonl"))
        .output()
        .expect("run gossip analyze");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}
