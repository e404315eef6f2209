#!/usr/bin/env bash
# Installs what the lab and its tests need, skipping whatever is already there.
#   scripts/setup.sh lab    wasm target, trunk, wasm-bindgen-cli, Node.js and
#                           binaryen's wasm-opt (npm, web/tools/)
#   scripts/setup.sh test   all of the above, plus wasm-pack, Chromium,
#                           ChromeDriver and the end-to-end test's npm packages
# Only the Rust toolchain is assumed; everything else comes from crates.io,
# Debian's packages or npm (never a download from elsewhere).
# The scripts that build put web/tools/node_modules/.bin first on PATH, so
# trunk finds that wasm-opt (Trunk.toml requires its version).
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-test}"

TRUNK_VERSION=0.21.14
WASM_PACK_VERSION=0.15.1
# binaryen's major version: web/tools/package.json pins it, Trunk.toml requires it.
BINARYEN_VERSION=132
log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
export PATH="$HOME/.cargo/bin:$PATH"

apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    log "apt-get install ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
    log "installing trunk $TRUNK_VERSION (takes several minutes once)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# wasm-bindgen-cli must match the wasm-bindgen the lock file resolved.
wbg_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ -n "$wbg_version" ] && ! wasm-bindgen --version 2>/dev/null | grep -q "$wbg_version"; then
    log "installing wasm-bindgen-cli $wbg_version (takes a few minutes once)"
    # Not --locked: the CLI's own lock file names a crate version the registry no longer serves.
    cargo install wasm-bindgen-cli --version "$wbg_version"
fi

# Debian's Node.js unless one (with npm) is already installed: it runs
# binaryen's wasm-opt and the end-to-end tests.
have npm || apt_install nodejs npm
if ! web/tools/node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
    log "installing binaryen's wasm-opt (npm, web/tools)"
    (cd web/tools && npm ci --no-audit --no-fund)
fi

if [ "$profile" = "test" ]; then
    if ! wasm-pack --version 2>/dev/null | grep -q "$WASM_PACK_VERSION"; then
        log "installing wasm-pack $WASM_PACK_VERSION (takes several minutes once)"
        cargo install wasm-pack --version "$WASM_PACK_VERSION"
    fi
    apt_install chromium chromium-driver
    if [ -f tests/e2e/package.json ] && [ ! -d tests/e2e/node_modules/playwright-core ]; then
        log "installing the end-to-end test's npm packages"
        (cd tests/e2e && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi)
    fi
fi
log "ready ($profile)"
