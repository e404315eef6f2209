#!/usr/bin/env bash
# Sets up what is missing, then builds the browser lab in release mode and
# serves it at http://127.0.0.1:8080 (Ctrl-C stops it).
#
# scripts/lab.sh --live N [PORT]: also starts `gossip observe` on
# 127.0.0.1:8081 and N real nodes on loopback (UDP ports PORT.., default
# 9000) reporting to it, and serves the lab's live view at
# http://127.0.0.1:8080/?live=ws://127.0.0.1:8081. Each line typed in this
# terminal is published by node 0; Ctrl-C stops every process it started.
# When 8080 or 8081 is taken, the next free port is used and printed
# (LAB_PORT and OBSERVE_PORT choose other starting points).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh lab
export PATH="$PWD/web/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
if [[ "${1:-}" != "--live" ]]; then
    exec trunk serve --release --offline "$@"
fi
n="${2:?usage: scripts/lab.sh --live N [PORT]}"
base="${3:-9000}"
[[ "$n" =~ ^[0-9]+$ && "$n" -ge 1 && "$n" -le 500 ]] || { echo "N must be 1..500" >&2; exit 2; }
cargo build --release -p gossip-native
gossip=target/release/gossip
# The first TCP port from $1 upward that nothing on loopback listens on.
free_port() {
    local port=$1
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        port=$((port + 1))
        [[ $port -lt $(($1 + 100)) ]] || { echo "no free port in $1..$port" >&2; exit 1; }
    done
    echo "$port"
}
lab_port=$(free_port "${LAB_PORT:-8080}")
observer=127.0.0.1:$(free_port "${OBSERVE_PORT:-8081}")
[[ "$observer" != "127.0.0.1:$lab_port" ]] || observer=127.0.0.1:$(free_port $((lab_port + 1)))
logs=$(mktemp -d -t gossip-live.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    echo "logs and events files kept in $logs"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$gossip" observe --listen "$observer" >"$logs/observer.log" 2>&1 &
pids+=($!)
mkfifo "$logs/publish"
"$gossip" --port "$base" --report-to "$observer" --events "$logs/node0.jsonl" \
    <"$logs/publish" >"$logs/node0.log" 2>&1 &
pids+=($!)
exec 3>"$logs/publish"
for ((i = 1; i < n; i++)); do
    "$gossip" --port $((base + i)) --bootstrap "127.0.0.1:$base" --report-to "$observer" \
        --events "$logs/node$i.jsonl" </dev/null >"$logs/node$i.log" 2>&1 &
    pids+=($!)
done
trunk serve --release --offline --port "$lab_port" >"$logs/trunk.log" 2>&1 &
pids+=($!)
echo "live view: http://127.0.0.1:$lab_port/?live=ws://$observer  ($n nodes, UDP $base..$((base + n - 1)))"
echo "type a line to publish it from node 0; Ctrl-C stops everything"
while IFS= read -r line; do
    printf '%s\n' "$line" >&3
done
# Standard input closed (not a terminal): keep serving until Ctrl-C.
wait "${pids[-1]}"
