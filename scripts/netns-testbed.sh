#!/usr/bin/env bash
# shellcheck disable=SC2015 # `check && check || fail` reads best for argument checks
# A LAN of real `gossip` processes on one machine: N network namespaces, each
# with one node, joined by veth pairs to one bridge in a namespace of its own.
# Faults on the real links: random loss and partitions with nftables, crashes
# by killing a node, latency with tc netem when the kernel has it.
#
#   sudo scripts/netns-testbed.sh --nodes 5 -- --mode hybrid
#
# Then type commands (`help` lists them); `quit`, end of input, Ctrl-C or an
# error remove every namespace, file and process the testbed made. Needs root
# and iproute2; installs nftables from Debian's packages if it is missing.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: netns-testbed.sh [OPTIONS] [-- GOSSIP NODE FLAGS...]

Builds N network namespaces joined by veth pairs to one bridge (in a namespace
of its own, so nothing is added to this machine's own network), runs one real
`gossip` node in each, bound to 0.0.0.0 and advertising its namespace address
10.77.0.(i+1), and reads commands from standard input. Node 0 is the seed; the
others join with --bootstrap seed:PORT, a host name every namespace's
/etc/hosts resolves. Everything it made is removed on exit.

Options:
  --nodes N        namespaces and nodes, 2 to 250 [default: 5]
  --port P         UDP port of every node [default: 9000]
  --dir DIR        where the nodes' --events files (DIR/nodeI.jsonl) and logs
                   go; kept afterwards for `gossip analyze DIR` [default: a new
                   directory under /tmp]
  --gossip PATH    the gossip binary [default: target/release/gossip, else
                   target/debug/gossip]
  --name NAME      prefix of the namespaces' names, 1 to 12 letters or digits
                   [default: gl<pid>]
  --max-time SECS  the testbed ends by itself after this long [default: 3600]
  --loss PCT       drop PCT % of the datagrams arriving at every node from the
                   start, before the nodes join (as `loss all PCT` would later)
  --seed S         node I gets --seed S+I (distinct random choices per node;
                   without it every node uses the gossip default)
  -h, --help       this help

Commands (NODES is `all`, an index, a range or a list: 3, 0-2, 0,3-4):
  publish I TEXT         node I publishes TEXT
  loss NODES PCT         drop PCT % (0 to 100) of the datagrams arriving at NODES,
                         at random (nftables numgen random); 0 removes the loss
  partition G1 G2 [...]  cut the groups of nodes from one another, e.g.
                         `partition 0-1 2-4`; nodes in no group reach everyone
  heal                   remove every partition
  delay NODES MS         add MS milliseconds of latency with tc netem, when the
                         kernel has netem (it is detected at start)
  kill NODES             crash nodes (SIGKILL)
  restart NODES          start crashed nodes again (appending to their events)
  status                 nodes, addresses, pids, faults, and the datagrams each
                         fault dropped since that node's rules last changed
  wait SECS              pause, for scripted runs (at most 600 s)
  help                   this list
  quit                   remove everything and exit (also: end of input)

Every command answers with one line starting `ok:` or `error:`.
EOF
}

say() { printf '[testbed] %s\n' "$*"; }
fail() { printf 'error: %s\n' "$*"; exit 1; }

NODES=5
PORT=9000
DIR=""
GOSSIP="${GOSSIP:-}"
NAME="gl$$"
MAX_TIME=3600
SEED=""
START_LOSS=0
NODE_FLAGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --nodes) NODES="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --dir) DIR="$2"; shift 2 ;;
        --gossip) GOSSIP="$2"; shift 2 ;;
        --name) NAME="$2"; shift 2 ;;
        --max-time) MAX_TIME="$2"; shift 2 ;;
        --seed) SEED="$2"; shift 2 ;;
        --loss) START_LOSS="$2"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        --) shift; NODE_FLAGS=("$@"); break ;;
        *) usage >&2; fail "unknown option $1" ;;
    esac
done

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
is_uint "$NODES" && [ "$NODES" -ge 2 ] && [ "$NODES" -le 250 ] || fail "--nodes must be 2 to 250"
is_uint "$PORT" && [ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] || fail "--port must be 1 to 65535"
is_uint "$MAX_TIME" && [ "$MAX_TIME" -ge 1 ] || fail "--max-time must be a whole number of seconds"
[ -z "$SEED" ] || { is_uint "$SEED" && [ "${#SEED}" -le 18 ]; } || fail "--seed must be a whole number below 10^18"
is_uint "$START_LOSS" && [ "$START_LOSS" -le 100 ] || fail "--loss must be 0 to 100"
[[ "$NAME" =~ ^[A-Za-z0-9]{1,12}$ ]] || fail "--name must be 1 to 12 letters or digits"
[ "$(id -u)" -eq 0 ] || fail "network namespaces need root (try sudo)"
command -v ip >/dev/null || fail "ip (iproute2) is not installed"

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "$GOSSIP" ]; then
    for candidate in "$ROOT/target/release/gossip" "$ROOT/target/debug/gossip"; do
        [ -x "$candidate" ] && GOSSIP="$candidate" && break
    done
    [ -n "$GOSSIP" ] || fail "no gossip binary; build it with: cargo build --release -p gossip-native"
fi
[ -x "$GOSSIP" ] || fail "$GOSSIP is not an executable"
GOSSIP="$(cd "$(dirname "$GOSSIP")" && pwd)/$(basename "$GOSSIP")"
[ -n "$DIR" ] || DIR="$(mktemp -d /tmp/netns-testbed.XXXXXX)"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"

HUB="$NAME-hub"
NS=()      # namespace of node i
IP=()      # its address
PID=()     # its process, empty once it is killed
FD=()      # write end of its standard input (a FIFO)
LOSS=()    # % of arriving datagrams dropped
CUT=()     # addresses it cannot hear (partition), comma-separated
DELAY=()   # netem latency in ms
MADE_NS=() # every namespace created, removed on exit
SLEEPER="" # a `wait` command's sleep
for ((i = 0; i < NODES; i++)); do
    NS[i]="$NAME-n$i"
    IP[i]="10.77.0.$((i + 1))"
    PID[i]=""
    LOSS[i]=0
    CUT[i]=""
    DELAY[i]=0
done

# --- cleanup: every process by pid, every namespace, every file we made -----

CLEANED=0
cleanup() {
    [ "$CLEANED" -eq 1 ] && return
    CLEANED=1
    set +e
    local killed=0 pid
    [ -z "$SLEEPER" ] || { kill "$SLEEPER"; wait "$SLEEPER"; } 2>/dev/null
    for pid in "${PID[@]}"; do
        [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && killed=$((killed + 1))
    done
    for pid in "${PID[@]}"; do
        [ -n "$pid" ] || continue
        for _ in $(seq 50); do # up to 2.5 s for a clean exit
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    local fd
    for fd in "${FD[@]}"; do
        exec {fd}>&-
    done
    rm -f "$DIR"/node*.in
    local ns
    for ns in "${MADE_NS[@]}"; do
        ip netns del "$ns" 2>/dev/null
        rm -rf "/etc/netns/$ns"
    done
    say "removed $killed processes and ${#MADE_NS[@]} namespaces (with their veth pairs and bridge); events and logs stay in $DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- the network -------------------------------------------------------------

for ns in "$HUB" "${NS[@]}"; do
    [ ! -e "/run/netns/$ns" ] || fail "namespace $ns already exists; choose another --name"
done

ip netns add "$HUB"
MADE_NS+=("$HUB")
ip -n "$HUB" link add br0 type bridge
ip -n "$HUB" link set br0 up

# Node i's MAC address, fixed so its neighbours can be told it in advance.
mac_of() { printf '02:77:00:00:%02x:%02x' $((($1 + 1) / 256)) $((($1 + 1) % 256)); }

hosts="127.0.0.1 localhost"$'\n'"${IP[0]} seed"$'\n'
for ((i = 0; i < NODES; i++)); do
    hosts+="${IP[i]} node$i"$'\n'
done
for ((i = 0; i < NODES; i++)); do
    ns="${NS[i]}"
    ip netns add "$ns"
    MADE_NS+=("$ns")
    # The pair is created in the hub, its other end moved into the node's namespace.
    ip -n "$HUB" link add "v$i" type veth peer name eth0 netns "$ns"
    ip -n "$HUB" link set "v$i" master br0 up
    ip -n "$ns" link set eth0 address "$(mac_of "$i")"
    ip -n "$ns" addr add "${IP[i]}/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    # `ip netns exec` mounts /etc/netns/NS/hosts over /etc/hosts.
    mkdir -p "/etc/netns/$ns"
    printf '%s' "$hosts" >"/etc/netns/$ns/hosts"
done
# Permanent neighbour entries instead of ARP. The kernel's ARP table is shared
# by every namespace and by default holds 1024 learnt entries in all
# (net.ipv4.neigh.default.gc_thresh3), fewer than the N*(N-1) a testbed of 33
# or more nodes needs: beyond it ARP fails and whole nodes go unheard.
# Permanent entries do not count against that limit.
for ((i = 0; i < NODES; i++)); do
    for ((j = 0; j < NODES; j++)); do
        [ "$j" -eq "$i" ] || echo "neigh replace ${IP[j]} lladdr $(mac_of "$j") dev eth0 nud permanent"
    done | ip -n "${NS[i]}" -batch -
done
say "$NODES namespaces $NAME-n0..$((NODES - 1)) on bridge br0 in namespace $HUB, addresses 10.77.0.1-$NODES/24"

# --- what the kernel offers for faults ---------------------------------------

if ! command -v nft >/dev/null && command -v apt-get >/dev/null; then
    say "installing nftables (Debian package) for loss and partitions"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nftables >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nftables >/dev/null 2>&1; } || true
fi
NFT=0
if command -v nft >/dev/null; then
    NFT=1
    for ((i = 0; i < NODES; i++)); do
        ip netns exec "${NS[i]}" nft -f - <<'EOF'
table inet testbed {
    chain input { type filter hook input priority 0; policy accept; }
}
EOF
    done
    say "loss and partitions: nftables (numgen random) on each namespace's input"
    if [ "$START_LOSS" -gt 0 ]; then
        random=(numgen random mod 100 '<' "$START_LOSS")
        [ "$START_LOSS" -lt 100 ] || random=()
        for ((i = 0; i < NODES; i++)); do
            LOSS[i]=$START_LOSS
            ip netns exec "${NS[i]}" nft add rule inet testbed input iifname eth0 meta l4proto udp \
                "${random[@]}" counter drop comment '"loss"'
        done
        say "loss: $START_LOSS % of the datagrams arriving at every node, from the start"
    fi
else
    [ "$START_LOSS" -eq 0 ] || fail "--loss needs nftables, which is not installed"
    say "loss and partitions: unavailable (nft is not installed and could not be installed)"
fi

NETEM=0
if ! command -v tc >/dev/null; then
    NETEM_WHY="tc (iproute2) is not installed"
elif NETEM_WHY="$(ip netns exec "$HUB" tc qdisc add dev lo root netem delay 1ms 2>&1)"; then
    NETEM=1
    ip netns exec "$HUB" tc qdisc del dev lo root
else
    NETEM_WHY="this kernel has no netem qdisc (tc: ${NETEM_WHY//$'\n'/ })"
fi
if [ "$NETEM" -eq 1 ]; then
    say "latency: tc netem"
else
    say "latency: unavailable, $NETEM_WHY; \`delay\` will refuse"
fi

# --- the nodes -----------------------------------------------------------------

start_node() {
    local i=$1
    local fifo="$DIR/node$i.in" bootstrap=() seed=()
    [ "$i" -gt 0 ] && bootstrap=(--bootstrap "seed:$PORT")
    [ -z "$SEED" ] || seed=(--seed "$((SEED + i))")
    if [ -z "${FD[i]:-}" ]; then
        rm -f "$fifo"
        mkfifo "$fifo"
        # Read-write, so opening never blocks and the node never sees end of input.
        exec {fd}<>"$fifo"
        FD[i]=$fd
    fi
    # `ip netns exec` execs the command, so $! is the gossip process itself.
    ip netns exec "${NS[i]}" "$GOSSIP" --bind "0.0.0.0:$PORT" --events "$DIR/node$i.jsonl" \
        "${bootstrap[@]}" "${seed[@]}" "${NODE_FLAGS[@]}" <"$fifo" >>"$DIR/node$i.log" 2>&1 &
    PID[i]=$!
}

started_lines() {
    local n
    n=$(grep -c '"event":"started"' "$DIR/node$1.jsonl" 2>/dev/null) || true
    echo "${n:-0}"
}

# Waits (at most 10 s) until node i has written `want` started records.
await_start() {
    local i=$1 want=$2
    for _ in $(seq 200); do
        [ "$(started_lines "$i")" -ge "$want" ] && return 0
        kill -0 "${PID[i]}" 2>/dev/null || break
        sleep 0.05
    done
    PID[i]=""
    printf 'error: node %s did not start; its log %s says:\n' "$i" "$DIR/node$i.log"
    tail -n 5 "$DIR/node$i.log" | sed 's/^/    /'
    return 1
}

rm -f "$DIR"/node*.jsonl "$DIR"/node*.log
start_node 0
await_start 0 1 || exit 1
for ((i = 1; i < NODES; i++)); do
    start_node "$i"
done
for ((i = 1; i < NODES; i++)); do
    await_start "$i" 1 || exit 1
done
printf '%s\t%s\t%s\t%s\n' node namespace address pid >"$DIR/nodes.tsv"
for ((i = 0; i < NODES; i++)); do
    printf '%s\t%s\t%s\t%s\n' "$i" "${NS[i]}" "${IP[i]}:$PORT" "${PID[i]}" >>"$DIR/nodes.tsv"
done
say "nodes (also in $DIR/nodes.tsv):"
column -t "$DIR/nodes.tsv" 2>/dev/null | sed 's/^/    /' || sed 's/^/    /' "$DIR/nodes.tsv"
printf 'ready: %s nodes, events in %s\n' "$NODES" "$DIR"

# --- commands --------------------------------------------------------------------

# Prints the node indices named by a NODES argument, space-separated, or fails.
expand() {
    local spec=$1 parts part lo hi k out=()
    [ "$spec" = all ] && spec="0-$((NODES - 1))"
    [[ "$spec" =~ ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$ ]] || return 1
    IFS=, read -ra parts <<<"$spec"
    for part in "${parts[@]}"; do
        lo=${part%-*} hi=${part#*-}
        [ "$lo" -le "$hi" ] && [ "$hi" -lt "$NODES" ] || return 1
        for ((k = lo; k <= hi; k++)); do out+=("$k"); done
    done
    echo "${out[*]}"
}

# Rewrites node i's input chain from LOSS and CUT.
apply_filter() {
    local i=$1
    {
        echo "flush chain inet testbed input"
        [ -n "${CUT[i]}" ] &&
            echo "add rule inet testbed input iifname eth0 ip saddr { ${CUT[i]} } counter drop comment \"partition\""
        if [ "${LOSS[i]}" -eq 100 ]; then
            echo "add rule inet testbed input iifname eth0 meta l4proto udp counter drop comment \"loss\""
        elif [ "${LOSS[i]}" -gt 0 ]; then
            echo "add rule inet testbed input iifname eth0 meta l4proto udp numgen random mod 100 < ${LOSS[i]} counter drop comment \"loss\""
        fi
        true
    } | ip netns exec "${NS[i]}" nft -f -
}

# Datagrams node i's rules dropped so far, as "partition N loss M".
dropped() {
    ip netns exec "${NS[$1]}" nft list chain inet testbed input 2>/dev/null |
        awk '/counter/ { for (f = 1; f < NF; f++) if ($f == "packets") n = $(f + 1); c = $NF; gsub(/"/, "", c); printf "%s %s ", c, n }'
}

cmd_status() {
    local i state
    printf '%-5s %-16s %-16s %-8s %-6s %-6s %-8s %s\n' node namespace address pid state loss delay dropped
    for ((i = 0; i < NODES; i++)); do
        if [ -z "${PID[i]}" ]; then
            state=killed
        elif grep -qs '^State:[[:space:]]*[^Z[:space:]]' "/proc/${PID[i]}/status"; then
            state=up # a node that exited by itself stays a zombie until reaped
        else
            state=exited
        fi
        printf '%-5s %-16s %-16s %-8s %-6s %-6s %-8s %s\n' "$i" "${NS[i]}" "${IP[i]}:$PORT" \
            "${PID[i]:--}" "$state" "${LOSS[i]}%" "${DELAY[i]}ms" "$([ "$NFT" -eq 1 ] && dropped "$i")"
        [ -z "${CUT[i]}" ] || printf '      cut from %s\n' "${CUT[i]}"
    done
}

# Runs one command line; prints its answer.
run() {
    local verb=${1:-} i
    shift || true
    case "$verb" in
        "") return 0 ;;
        publish)
            [ $# -ge 2 ] && is_uint "$1" && [ "$1" -lt "$NODES" ] || { echo "error: usage: publish I TEXT"; return; }
            i=$1
            shift
            [ -n "${PID[i]}" ] || { echo "error: node $i is killed"; return; }
            printf '%s\n' "$*" >&"${FD[i]}"
            echo "ok: node $i publishes \"$*\""
            ;;
        loss)
            [ "$NFT" -eq 1 ] || { echo "error: loss needs nftables, which is not installed"; return; }
            local ids
            [ $# -eq 2 ] && ids=$(expand "$1") && is_uint "$2" && [ "$2" -le 100 ] ||
                { echo "error: usage: loss NODES PCT (0 to 100)"; return; }
            for i in $ids; do
                LOSS[i]=$2
                apply_filter "$i"
            done
            echo "ok: loss $2% on datagrams arriving at nodes $ids"
            ;;
        partition)
            [ "$NFT" -eq 1 ] || { echo "error: partitions need nftables, which is not installed"; return; }
            [ $# -ge 2 ] || { echo "error: usage: partition G1 G2 [G3...], e.g. partition 0-1 2-4"; return; }
            local group=() g=0 spec members
            for spec in "$@"; do
                members=$(expand "$spec") || { echo "error: bad group $spec"; return; }
                for i in $members; do
                    [ -z "${group[i]:-}" ] || { echo "error: node $i is in two groups"; return; }
                    group[i]=$g
                done
                g=$((g + 1))
            done
            for ((i = 0; i < NODES; i++)); do
                CUT[i]=""
                [ -n "${group[i]:-}" ] || continue
                local j cut=()
                for ((j = 0; j < NODES; j++)); do
                    [ -n "${group[j]:-}" ] && [ "${group[j]}" != "${group[i]}" ] && cut+=("${IP[j]}")
                done
                CUT[i]=$(IFS=,; echo "${cut[*]}")
            done
            for ((i = 0; i < NODES; i++)); do apply_filter "$i"; done
            echo "ok: partitioned into $# groups:" "$@"
            ;;
        heal)
            [ "$NFT" -eq 1 ] || { echo "error: partitions need nftables, which is not installed"; return; }
            for ((i = 0; i < NODES; i++)); do
                CUT[i]=""
                apply_filter "$i"
            done
            echo "ok: partitions healed"
            ;;
        delay)
            [ "$NETEM" -eq 1 ] || { echo "error: latency unavailable: $NETEM_WHY"; return; }
            local ids
            [ $# -eq 2 ] && ids=$(expand "$1") && is_uint "$2" || { echo "error: usage: delay NODES MS"; return; }
            for i in $ids; do
                if [ "$2" -eq 0 ]; then
                    ip netns exec "${NS[i]}" tc qdisc del dev eth0 root 2>/dev/null || true
                else
                    ip netns exec "${NS[i]}" tc qdisc replace dev eth0 root netem delay "${2}ms"
                fi
                DELAY[i]=$2
            done
            echo "ok: ${2} ms of latency on datagrams leaving nodes $ids"
            ;;
        kill)
            local ids
            [ $# -eq 1 ] && ids=$(expand "$1") || { echo "error: usage: kill NODES"; return; }
            for i in $ids; do
                [ -n "${PID[i]}" ] || continue
                kill -KILL "${PID[i]}" 2>/dev/null || true
                wait "${PID[i]}" 2>/dev/null || true
                PID[i]=""
            done
            echo "ok: killed nodes $ids"
            ;;
        restart)
            local ids
            [ $# -eq 1 ] && ids=$(expand "$1") || { echo "error: usage: restart NODES"; return; }
            for i in $ids; do
                [ -z "${PID[i]}" ] || continue
                local before
                before=$(started_lines "$i")
                start_node "$i"
                await_start "$i" $((before + 1)) || return 0
            done
            echo "ok: restarted nodes $ids"
            ;;
        status) cmd_status; echo "ok: status" ;;
        wait)
            [ $# -eq 1 ] && [[ "$1" =~ ^[0-9]+(\.[0-9]+)?$ ]] && [ "${1%.*}" -le 600 ] ||
                { echo "error: usage: wait SECS (at most 600)"; return; }
            # In the background, so a signal's trap runs at once.
            sleep "$1" &
            SLEEPER=$!
            wait "$SLEEPER"
            SLEEPER=""
            echo "ok: waited $1 s"
            ;;
        help) usage | sed -n '/^Commands/,$p'; echo "ok: help" ;;
        quit | exit) echo "ok: quit"; exit 0 ;;
        *) echo "error: unknown command $verb (try help)" ;;
    esac
}

DEADLINE=$((SECONDS + MAX_TIME))
while true; do
    left=$((DEADLINE - SECONDS))
    [ "$left" -gt 0 ] || { say "--max-time $MAX_TIME s reached"; exit 0; }
    [ -t 0 ] && printf 'testbed> '
    if ! read -r -t "$left" -a words; then
        # End of input, or --max-time reached while waiting for a command.
        [ "$left" -gt 0 ] && [ $((DEADLINE - SECONDS)) -le 0 ] && say "--max-time $MAX_TIME s reached"
        exit 0
    fi
    run "${words[@]}"
done
