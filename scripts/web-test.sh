#!/usr/bin/env bash
# Tests of the browser lab: the release build with trunk, the wasm-bindgen
# tests in headless Chromium, the native side of the wasm-vs-native simulator
# benchmark, and the end-to-end Playwright test against the release build.
# Figures (fps, size, time to interactive, events/s) are printed and saved in
# tests/e2e/screenshots/figures.json next to the screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export PATH="$PWD/web/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
# The runner's default of 20 s is too short on a loaded 2-core machine.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}"
step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }

step "browser lab: lints of the wasm32 build (browser tests included)"
cargo clippy -p gossip-web --target wasm32-unknown-unknown --all-targets -- -D warnings

step "browser lab: release build (trunk, offline) into dist/"
trunk build --release --offline

step "browser lab: wasm-bindgen tests in headless Chromium (wasm-pack)"
wasm-pack test --mode no-install --headless --chrome --chromedriver "$CHROMEDRIVER" web

step "browser lab: native simulator speed, to compare with wasm (web/examples/bench.rs)"
bench=$(cargo run --release -q -p gossip-web --example bench)
printf '%s\n' "$bench"
native=$(awk '/^native best:/ { print $3 }' <<<"$bench")

step "gossip binary for the replay and live end-to-end test (real nodes)"
cargo build --release -p gossip-native

step "browser lab: end-to-end test (playwright-core, Chromium, release build)"
cd tests/e2e
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
NATIVE_EVENTS_PER_SEC="$native" npm test
