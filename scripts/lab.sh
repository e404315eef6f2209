#!/usr/bin/env bash
# Sets up what is missing, then builds the browser lab in release mode and
# serves it at http://127.0.0.1:8080 (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh lab
export PATH="$PWD/web/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
exec trunk serve --release --offline "$@"
