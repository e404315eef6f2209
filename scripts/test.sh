#!/usr/bin/env bash
# Sets up what is missing, then runs every test: native unit and integration
# tests (real UDP processes included), core's tests compiled to wasm32 (with
# wasm-pack, in Node.js and headless Chromium), lints, and the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export PATH="$PWD/web/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
# The runner's default of 20 s is too short on a loaded 2-core machine.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}"
step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

step "native tests (core, simulator, UDP node processes; as root, the network-namespace testbed)"
cargo test --workspace

step "fuzz: 20 000 mutated datagrams through decode and handle_datagram (overflow checks on)"
GOSSIP_FUZZ_CASES=20000 cargo test -p gossip-core --test fuzz

step "core compiled to wasm32 (same code as the browser), run in Node.js and headless Chromium"
# --mode no-install: use the installed wasm-bindgen-test-runner, never download.
wasm-pack test --mode no-install --node core
# Core's tests name no environment (Node.js is the runner's default);
# WASM_BINDGEN_USE_BROWSER makes the runner load them in the browser, which
# would otherwise skip them all and pass.
WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --mode no-install --headless --chrome --chromedriver "$CHROMEDRIVER" core

if [ -f scripts/web-test.sh ]; then
    step "browser lab: wasm-bindgen tests in headless Chromium and the end-to-end test"
    bash scripts/web-test.sh
fi
