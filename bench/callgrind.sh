#!/usr/bin/env bash
# Instructions per echoed ack, counted by callgrind: a figure that does not depend on what else
# the machine is doing, for judging a change to the per-message path.
#
#   bash bench/callgrind.sh [BIN] [--baseline-bin PATH] [--bare] [--acks 20000]
#                           [--clients 50] [--inflight 10] [--log none|all] [--parser json|msgpack]
#                           [--no-build]
#
# Runs the headless server (BIN, default $BUILD_DIR/bin/sockscope with BUILD_DIR as in
# bench/run.sh: build-bench) as `--headless --log none --rules resources/rules/protocol-contract.json`
# under valgrind --tool=callgrind, and drives it with sockscope-loadgen's echo scenario
# (--clients sockets, --inflight "message-with-ack" events in flight each, 100-byte argument)
# for exactly N acks, then again for 2N acks, each time in a fresh server. The difference of the
# two instruction totals divided by N is the cost of one echoed ack (event in, ack out), with
# start-up, handshakes and shutdown cancelled out. --baseline-bin measures another sockscope
# build the same way (e.g. from bench/build-baseline.sh), --bare the bare QWebSocketServer echo
# (sockscope-bare-echo). --log all measures the servers with their JSON-lines log on (written to a
# file), for the cost of watching; --parser msgpack, the echo in msgpack (binary 100-byte
# argument). Prints one line per server and, with a baseline, the ratio.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
JOBS=${JOBS:-1}
BIN_SOCKSCOPE=
BASELINE_BIN=
BARE=0
ACKS=20000
CLIENTS=50
INFLIGHT=10
LOG=none
PARSER=json
BUILD_IT=1

while [ $# -gt 0 ]; do
    case "$1" in
        --baseline-bin) BASELINE_BIN=$2; shift 2 ;;
        --bare) BARE=1; shift ;;
        --acks) ACKS=$2; shift 2 ;;
        --clients) CLIENTS=$2; shift 2 ;;
        --inflight) INFLIGHT=$2; shift 2 ;;
        --log) LOG=$2; shift 2 ;;
        --parser) PARSER=$2; shift 2 ;;
        --no-build) BUILD_IT=0; shift ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        -*) echo "callgrind.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) BIN_SOCKSCOPE=$1; shift ;;
    esac
done

say() { echo "callgrind.sh: $*" >&2; }
command -v valgrind > /dev/null || { say "valgrind is not installed"; exit 1; }

if [ "$BUILD_IT" = 1 ]; then
    if [ ! -f "$BUILD/CMakeCache.txt" ]; then
        launcher=()
        command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
        cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >&2
    fi
    say "building (Release, -j$JOBS)"
    targets=(sockscope-loadgen)
    [ -z "$BIN_SOCKSCOPE" ] && targets+=(sockscope)
    [ "$BARE" = 1 ] && targets+=(sockscope-bare-echo)
    cmake --build "$BUILD" -j"$JOBS" --target "${targets[@]}" >&2
fi
BIN_SOCKSCOPE=${BIN_SOCKSCOPE:-$BUILD/bin/sockscope}
LOADGEN=$BUILD/bin/sockscope-loadgen
for exe in "$BIN_SOCKSCOPE" "$LOADGEN" ${BASELINE_BIN:+"$BASELINE_BIN"}; do
    [ -x "$exe" ] || { say "missing $exe"; exit 1; }
done
[ "$BARE" = 0 ] || [ -x "$BUILD/bin/sockscope-bare-echo" ] || { say "missing $BUILD/bin/sockscope-bare-echo"; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sockscope-callgrind.XXXXXX")
PORT=$((45000 + RANDOM % 5000))
SERVER_PID=
stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    # callgrind writes its profile as the program ends: give it time.
    for _ in $(seq 600); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
}
trap 'stop_server' EXIT

# Instructions (Ir) of one server process that answered `acks` acks, in MEASURED.
MEASURED=
measure() { # name acks command...
    local name=$1 acks=$2
    shift 2
    PORT=$((PORT + 1))
    local out=$WORK/$name-$acks.callgrind log=$WORK/$name-$acks.log
    local cmd=("$@")
    cmd=("${cmd[@]//@PORT@/$PORT}")
    valgrind --tool=callgrind --callgrind-out-file="$out" "${cmd[@]}" > "$log" 2>&1 &
    SERVER_PID=$!
    local up=0
    for _ in $(seq 1200); do
        grep -q listening "$log" 2>/dev/null && { up=1; break; }
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.05
    done
    [ "$up" = 1 ] || { say "$name did not start under valgrind (see $log)"; stop_server; return 1; }
    local line
    line=$("$LOADGEN" --port "$PORT" --server-pid "$SERVER_PID" --scenario echo --clients "$CLIENTS" \
               --inflight "$INFLIGHT" --parser "$PARSER" --acks "$acks" --label "$name" 2>> "$WORK/loadgen.err") || true
    stop_server
    echo "$line" > "$WORK/$name-$acks.json"
    if [ -z "$line" ] || ! node -e "
        const r = JSON.parse(process.argv[1]);
        process.exit(!r.failed && r.acks_answered === Number(process.argv[2]) && !r.errors && !r.bad_replies ? 0 : 1);" \
            "$line" "$acks" 2>/dev/null; then
        say "$name, $acks acks: the load generator failed: ${line:-no output} (see $WORK)"
        return 1
    fi
    # The profile's "summary:" (or "totals:") line holds the instructions executed.
    local total
    total=$(awk '/^(summary|totals):/ { print $2; exit }' "$out")
    [ -n "$total" ] || { say "$name: no total in $out"; return 1; }
    MEASURED=$total
}

# Prints "name per-ack" and remembers it in PER_ACK.
declare -A PER_ACK
per_ack() { # name command...
    local name=$1
    shift
    local one two
    measure "$name" "$ACKS" "$@" || return 1
    one=$MEASURED
    measure "$name" "$((2 * ACKS))" "$@" || return 1
    two=$MEASURED
    PER_ACK[$name]=$(( (two - one + ACKS / 2) / ACKS ))
    printf '%-10s %9s instructions per echoed ack  (%s acks: %s Ir; %s acks: %s Ir)\n' \
        "$name" "${PER_ACK[$name]}" "$ACKS" "$one" "$((2 * ACKS))" "$two"
}

RULES=$ROOT/resources/rules/protocol-contract.json

say "$ACKS and $((2 * ACKS)) acks per server, $CLIENTS sockets x $INFLIGHT in flight; profiles in $WORK"
per_ack sockscope "$BIN_SOCKSCOPE" --headless --bind 127.0.0.1 --port @PORT@ --log "$LOG" --rules "$RULES"
if [ -n "$BASELINE_BIN" ]; then
    per_ack baseline "$BASELINE_BIN" --headless --bind 127.0.0.1 --port @PORT@ --log "$LOG" --rules "$RULES"
    awk -v a="${PER_ACK[sockscope]}" -v b="${PER_ACK[baseline]}" \
        'BEGIN { printf "sockscope / baseline: %.3f (%+d instructions per ack)\n", a / b, a - b }'
fi
if [ "$BARE" = 1 ]; then
    per_ack bare "$BUILD/bin/sockscope-bare-echo" @PORT@
    awk -v a="${PER_ACK[sockscope]}" -v b="${PER_ACK[bare]}" \
        'BEGIN { printf "sockscope / bare: %.3f\n", a / b }'
fi
