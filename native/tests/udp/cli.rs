//! Bad command lines give clear errors, never a panic.

use std::process::Command;

use crate::common::{test_dir, GOSSIP};

fn fails_with(args: &[&str], needle: &str) {
    let out = Command::new(GOSSIP)
        .args(args)
        .output()
        .expect("run gossip");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(stderr.contains(needle), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
}

#[test]
fn bad_flags_and_files_are_clear_errors() {
    fails_with(&["--mode", "flood"], "invalid value 'flood'");
    fails_with(&["--port", "70000"], "invalid value '70000'");
    fails_with(&["--bootstrap", "nowhere"], "not an ip:port address");
    fails_with(
        &["--ping-interval=0"],
        "ping-interval must be a positive number",
    );
    fails_with(&["--pow-k", "65"], "pow-k must be at most 64");
    fails_with(
        &["--config", "/nonexistent/gossip.toml"],
        "cannot read config file",
    );
    let dir = test_dir("cli");
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "fanout = 3\nfanuot = 4\n").expect("write");
    fails_with(
        &["--config", bad.to_str().expect("utf-8")],
        "unknown field `fanuot`",
    );
    fails_with(&["cluster", "--nodes", "0"], "invalid value '0'");
}
