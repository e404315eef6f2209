//! `gossip sim` and `gossip experiment` as real processes: outputs, scenario
//! files, traces, and clear errors for bad input.

use std::process::{Command, Output};

use tempfile::TempDir;

fn gossip(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gossip"))
        .args(args)
        .output()
        .expect("the gossip binary runs")
}

/// A fresh scratch directory for one test, removed when the returned guard
/// drops: at the end of the test, and also when it panics.
fn scratch(name: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(&format!("gossip-test-{name}-"))
        .tempdir()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn phase3_grid_at_n10_writes_every_output() {
    let tmp = scratch("grid");
    let out = tmp.path();
    let o = gossip(&[
        "experiment",
        "--sizes",
        "10",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // 1 size x 3 fanouts x 3 ttls x 2 modes x 5 seeds.
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 90);
    assert!(csv.starts_with("n,fanout,ttl,mode,loss,seed,delivered,delivery_ratio,t50_ms,t95_ms"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(json["runs"].as_array().unwrap().len(), 90);
    assert_eq!(json["groups"].as_array().unwrap().len(), 18);
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("| 10 | 3 | 8 | hybrid | 0% |"));
    assert!(summary.contains(" ± "));
    for chart in ["coverage_over_time", "per_n", "fanout_effect", "ttl_effect"] {
        let svg = std::fs::read_to_string(out.join("charts").join(format!("{chart}.svg"))).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{chart}"
        );
        let png = std::fs::read(out.join("charts").join(format!("{chart}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{chart} is a PNG");
    }
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("<table>") && report.matches("<svg").count() == 4);
    assert!(stdout(&o).contains(&format!(
        "report: file://{}",
        out.join("report.html").display()
    )));
    // Hybrid reaches every node of a 10-node network at fanout 3, ttl 8.
    let hybrid = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"]["fanout"] == 3 && g["key"]["ttl"] == 8 && g["key"]["mode"] == "hybrid")
        .unwrap();
    assert_eq!(hybrid["aggregate"]["delivery_ratio"]["mean"], 1.0);
}

#[test]
fn experiments_are_deterministic() {
    let (tmp_a, tmp_b) = (scratch("det-a"), scratch("det-b"));
    let (a, b) = (tmp_a.path(), tmp_b.path());
    for dir in [a, b] {
        let o = gossip(&[
            "experiment",
            "--sizes",
            "12",
            "--fanouts",
            "3",
            "--ttls",
            "6",
            "--seeds",
            "3",
            "--loss",
            "0.1",
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_eq!(
        std::fs::read(a.join("results.csv")).unwrap(),
        std::fs::read(b.join("results.csv")).unwrap()
    );
}

#[test]
fn sim_runs_a_toml_scenario_and_writes_its_trace() {
    let tmp = scratch("toml");
    let dir = tmp.path();
    let scenario = dir.join("partition.toml");
    std::fs::write(
        &scenario,
        r#"
nodes = 16
seed = 9
[node]
mode = "hybrid"
[overlay]
kind = "random_regular"
degree = 5
[[schedule]]
at_ms = 0.0
action = "partition"
groups = [[0, 1, 2, 3, 4, 5, 6, 7]]
[[schedule]]
at_ms = 10.0
action = "publish"
node = 2
data = "over the wall?"
[[schedule]]
at_ms = 3000.0
action = "heal"
"#,
    )
    .unwrap();
    let trace = dir.join("trace.jsonl");
    let o = gossip(&[
        "sim",
        "--scenario",
        scenario.to_str().unwrap(),
        "--trace",
        trace.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let reports: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        reports[0]["delivered"], 16,
        "healing let pull reach the other side"
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&trace)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines
        .iter()
        .any(|r| r["ev"] == "drop" && r["reason"] == "partition"));
    assert!(lines.iter().any(|r| r["ev"] == "heal"));
    assert!(lines
        .iter()
        .any(|r| r["ev"] == "deliver" && r["pulled"] == true));
}

#[test]
fn sim_flags_print_a_readable_report() {
    let o = gossip(&[
        "sim",
        "--nodes",
        "30",
        "--mode",
        "hybrid",
        "--overlay",
        "small-world",
        "--k",
        "3",
        "--codec",
        "fidelity",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = stdout(&o);
    for needle in [
        "delivered        30/30",
        "coverage",
        "overhead",
        "RMR",
        "events/s",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    assert!(!text.contains(", – bytes"), "fidelity mode counts bytes");
}

/// t95 in ms of `gossip sim --json` with `extra` flags: hybrid on a fixed
/// overlay of 20 nodes, so that only the timing differs.
fn sim_t95(extra: &[&str]) -> f64 {
    let mut args = vec![
        "sim",
        "--nodes",
        "20",
        "--mode",
        "hybrid",
        "--overlay",
        "random-regular",
        "--jitter-ms",
        "0",
        "--json",
    ];
    args.extend_from_slice(extra);
    let o = gossip(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    json[0]["t95_ms"].as_f64().unwrap()
}

#[test]
fn processing_flags_and_calibration_files_slow_the_broadcast_down() {
    let free = sim_t95(&[]);
    let own = sim_t95(&["--service-us", "500"]);
    let shared = sim_t95(&["--service-us", "500", "--cpus", "1"]);
    // At least one 0.5 ms service per hop, and one CPU queues the fleet.
    assert!(own >= free + 0.5, "{free} -> {own}");
    assert!(shared > own, "{own} -> {shared}");
    let tmp = scratch("calibration");
    let dir = tmp.path();
    let file = dir.join("calibration.json");
    std::fs::write(&file, r#"{"processing": {"service_us": 500.0, "cpus": 1}}"#).unwrap();
    assert_eq!(sim_t95(&["--calibration", file.to_str().unwrap()]), shared);
    let flag_wins = sim_t95(&["--calibration", file.to_str().unwrap(), "--cpus", "0"]);
    assert_eq!(flag_wins, own, "flags override the calibration file");
    let o = gossip(&["sim", "--service-us", "5", "--service-spread-us", "6"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("spread_us"));
    // Sends paid on the CPU slow it further; a sends-only model is on too.
    let sending = sim_t95(&["--service-us", "500", "--send-us", "200", "--cpus", "1"]);
    assert!(sending > shared, "{shared} -> {sending}");
    assert!(sim_t95(&["--send-us", "500"]) > free);
    let o = gossip(&["sim", "--send-us=-1"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("send_us"));
    // A wake-up's cost and a publish's delay, from flags as from a file.
    let waking = sim_t95(&["--service-us", "500", "--cpus", "1", "--wake-us", "300"]);
    assert!(waking > shared, "{shared} -> {waking}");
    std::fs::write(
        &file,
        r#"{"processing": {"service_us": 500.0, "cpus": 1, "wake_us": 300.0}}"#,
    )
    .unwrap();
    assert_eq!(sim_t95(&["--calibration", file.to_str().unwrap()]), waking);
    assert!(sim_t95(&["--publish-us", "2000"]) >= free + 2.0);
    let o = gossip(&["sim", "--wake-us=-1"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("wake_us"));
}

#[test]
fn bad_input_is_a_clear_error_not_a_panic() {
    let tmp = scratch("bad");
    let dir = tmp.path();
    let broken = dir.join("broken.json");
    std::fs::write(&broken, r#"{"nodes": "many"}"#).unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "sim".into(),
                "--scenario".into(),
                broken.to_str().unwrap().into(),
            ],
            "not a valid scenario",
        ),
        (
            vec![
                "sim".into(),
                "--scenario".into(),
                dir.join("missing.toml").to_str().unwrap().into(),
            ],
            "cannot read scenario",
        ),
        (
            vec!["sim".into(), "--loss".into(), "1.5".into()],
            "loss must be between 0 and 1",
        ),
        (
            vec!["sim".into(), "--nodes".into(), "0".into()],
            "at least one node",
        ),
        (
            vec!["sim".into(), "--mode".into(), "broadcast".into()],
            "invalid value",
        ),
        (
            vec!["experiment".into(), "--sizes".into(), "ten".into()],
            "invalid value",
        ),
        (
            vec!["sim".into(), "--ping-interval=0".into()],
            "positive number of seconds",
        ),
    ];
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = gossip(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{args:?} should fail");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["sim", "experiment"] {
        let o = gossip(&[sub, "--help"]);
        assert!(o.status.success());
        let text = stdout(&o);
        assert!(
            text.contains("--seed") && text.contains("--latency-ms"),
            "{sub} --help:\n{text}"
        );
    }
}

#[test]
fn quiet_runs_print_nothing_on_stderr() {
    let o = gossip(&["sim", "--nodes", "20", "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout(&o).contains("delivered"));
    let tmp = scratch("quiet");
    let out = tmp.path();
    let o = gossip(&[
        "experiment",
        "--quiet",
        "--sizes",
        "10",
        "--fanouts",
        "3",
        "--ttls",
        "4",
        "--seeds",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
