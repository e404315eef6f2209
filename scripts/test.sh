#!/usr/bin/env bash
# Sets up what is missing, then runs every test: native unit and integration
# tests (real UDP processes included), core's tests compiled to wasm32, lints,
# and the browser tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export PATH="$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

step "native tests (core, simulator, UDP node processes; as root, the network-namespace testbed)"
cargo test --workspace

step "fuzz: 20 000 mutated datagrams through decode and handle_datagram (overflow checks on)"
GOSSIP_FUZZ_CASES=20000 cargo test -p gossip-core --test fuzz

step "core compiled to wasm32 (same code as the browser), run in Node.js"
cargo test -p gossip-core --target wasm32-unknown-unknown

if [ -f scripts/web-test.sh ]; then
    step "browser lab: wasm-bindgen tests in headless Chromium and the end-to-end test"
    bash scripts/web-test.sh
fi
