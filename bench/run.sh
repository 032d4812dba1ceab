#!/usr/bin/env bash
# Sockscope against the official Node.js Socket.IO server and a bare QWebSocketServer, on
# this machine, over 127.0.0.1. Installs the pinned npm packages if needed, builds Release
# (sockscope, sockscope-loadgen, sockscope-bare-echo), then for each round and each scenario
# starts each server in turn (fresh, the order rotating from round to round), drives it with
# the same load generator and stops it. Prints a markdown table of medians and of the ratios
# paired within each round. It reports; it does not pass or fail.
#
#   bash bench/run.sh [--rounds 5] [--seconds 2] [--warmup 0.5]
#                     [--scenarios echo,echo-msgpack,fanout200,fanout1000,connrate,idle,polling]
#                     [--servers sockscope,node,bare,monitor] [--sockscope-log none|connections|all]
#                     [--threads 1] [--link lean|qt] [--no-build] [--out FILE]
#                     [--baseline-bin PATH] [--slow-seconds 10] [--rss-cap-mib 4096] [--keep-logs]
#
# Servers: sockscope = build/bin/sockscope --headless --rules resources/rules/protocol-contract.json
# (pinging defaults: 25000/20000 ms; --log none by default, as the Node server logs nothing);
# node = bench/node_server.js (socket.io 4.8.1 with the native bufferutil and utf-8-validate
# pinned in package-lock.json, the same contract; the run stops if ws did not load them);
# bare = sockscope-bare-echo (echo, fan-out, handshakes and idle only: it has no long-polling);
# monitor = build/bin/sockscope with its monitor window (offscreen, a throwaway settings
# directory) hosting the same server, echo only: the monitor's cost on the server;
# sockscope-logall = sockscope with --log all, its JSON lines (stdout) going to a file in the
# results folder, echo and fan-out only (not in the default list): the table pairs it with
# Node and with sockscope (--log none) in each round. The file's size and line count go into
# the results; the file is deleted after each run unless --keep-logs.
# --baseline-bin PATH adds the server "baseline": another sockscope binary (e.g. built from the
# parent commit by bench/build-baseline.sh) run like sockscope in the same rotating rounds, and
# "baseline-monitor" (its monitor window) when monitor is among the servers; the table gets a
# baseline column and the paired ratio Sockscope / baseline.
# Scenario echo-msgpack: the echo over the msgpack parser (each packet one msgpack map in one
# binary frame; the generator writes and reads the maps by hand), the argument an object with a
# 1 KiB bin 16 blob; sockscope, baseline and node only. Sockscope runs with its usual options
# (--parser auto picks msgpack from the first packet); node is started with
# socket.io-msgpack-parser (bench/node_server.js --parser msgpack) for this scenario alone.
# In the default list: about 7 s a round against sockscope and node.
# Scenario slow (not in the default list: one round takes about 50 s; --scenarios slow): 5
# stalled readers (4 KiB SO_RCVBUF, never read after CONNECT), a flood of 64 KiB broadcasts
# for --slow-seconds (default 10) after --warmup, and a well-behaved client's acks; sockscope,
# node and baseline only. It brings in slow0, the same without the stalled readers (the
# well-behaved client's p99 to compare with). Reports the server's peak RSS (read every
# 100 ms), the acks' p50 and p99, broadcasts sent and the stalled connections the server
# closed; the flood stops early once the server's RSS passes --rss-cap-mib (default 4096).
set -euo pipefail

ARGS="$*"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
JOBS=${JOBS:-1}
ROUNDS=5
SECS=2
WARMUP=0.5
SCENARIOS=echo,echo-msgpack,fanout200,fanout1000,connrate,idle,polling
SERVERS=sockscope,node,bare,monitor
SOCKSCOPE_LOG=none
THREADS=1
LINK=lean
BUILD_IT=1
OUT=
BASELINE_BIN=
SLOW_SECS=10
RSS_CAP_MIB=4096
KEEP_LOGS=0

while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS=$2; shift 2 ;;
        --seconds) SECS=$2; shift 2 ;;
        --warmup) WARMUP=$2; shift 2 ;;
        --scenarios) SCENARIOS=$2; shift 2 ;;
        --servers) SERVERS=$2; shift 2 ;;
        --sockscope-log) SOCKSCOPE_LOG=$2; shift 2 ;;
        --threads) THREADS=$2; shift 2 ;;
        --link) LINK=$2; shift 2 ;;
        --no-build) BUILD_IT=0; shift ;;
        --out) OUT=$2; shift 2 ;;
        --baseline-bin) BASELINE_BIN=$2; shift 2 ;;
        --slow-seconds) SLOW_SECS=$2; shift 2 ;;
        --rss-cap-mib) RSS_CAP_MIB=$2; shift 2 ;;
        --keep-logs) KEEP_LOGS=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
        *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

say() { echo "run.sh: $*" >&2; }

# The official server and its native addons, pinned by package.json and package-lock.json.
pinned_npm() {
    node -e "
        const want = require('$ROOT/package.json').dependencies;
        for (const name of ['socket.io', 'bufferutil', 'utf-8-validate'])
            if (require('$ROOT/node_modules/' + name + '/package.json').version !== want[name]) process.exit(1);" 2>/dev/null
}
if ! pinned_npm; then
    say "installing the pinned npm packages (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund >&2)
fi

if [ -n "$BASELINE_BIN" ]; then
    BASELINE_BIN=$(cd "$(dirname "$BASELINE_BIN")" && pwd)/$(basename "$BASELINE_BIN")
    [ -x "$BASELINE_BIN" ] || { say "--baseline-bin: $BASELINE_BIN is not an executable"; exit 2; }
    case ",$SERVERS," in *,baseline,*) ;; *) SERVERS=$SERVERS,baseline ;; esac
    case ",$SERVERS," in
        *,baseline-monitor,*) ;;
        *,monitor,*) SERVERS=$SERVERS,baseline-monitor ;;
    esac
    # bench/build-baseline.sh writes the commit it built beside the binary.
    BASELINE_DESC=$BASELINE_BIN
    [ -f "$BASELINE_BIN.rev" ] && BASELINE_DESC="$BASELINE_BIN ($(head -n1 "$BASELINE_BIN.rev"))"
fi
case ",$SERVERS," in *,baseline*) [ -n "$BASELINE_BIN" ] || { say "the baseline servers need --baseline-bin"; exit 2; } ;; esac

if [ "$BUILD_IT" = 1 ]; then
    if [ ! -f "$BUILD/CMakeCache.txt" ]; then
        launcher=()
        command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
        cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >&2
    fi
    say "building (Release, -j$JOBS)"
    cmake --build "$BUILD" -j"$JOBS" --target sockscope sockscope-loadgen sockscope-bare-echo >&2
fi
BIN=$BUILD/bin
for exe in sockscope sockscope-loadgen sockscope-bare-echo; do
    [ -x "$BIN/$exe" ] || { say "missing $BIN/$exe"; exit 1; }
done

# The Node anchor, as ws really loaded it; a run against an untuned Node server stops here.
ANCHOR=
if ANCHOR_JSON=$(node "$ROOT/bench/node_server.js" --check); then
    ANCHOR=$(node -e "process.stdout.write(JSON.parse(process.argv[1]).text)" "$ANCHOR_JSON")
    say "Node anchor: $ANCHOR"
else
    case ",$SERVERS," in
        *,node,*) say "the Node server is not tuned (see above): run npm ci, or leave node out of --servers"; exit 1 ;;
    esac
    ANCHOR=$(node -e "process.stdout.write(JSON.parse(process.argv[1]).text + ' (not tuned)')" "$ANCHOR_JSON" 2>/dev/null || true)
fi

# 10,000 idle connections need as many descriptors on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK=$BUILD/bench-results/$STAMP
mkdir -p "$WORK"
RESULTS=${OUT:-$WORK/results.jsonl}
: > "$RESULTS"

PORT=$((40000 + RANDOM % 5000))
SERVER_PID=

SERVER_LOG=

start_server() { # name [scenario]
    PORT=$((PORT + 1))
    local node_parser=json
    [ "${2:-}" = echo-msgpack ] && node_parser=msgpack
    local log=$WORK/$1-$PORT.out
    SERVER_LOG=$log
    case "$1" in
        sockscope) "$BIN/sockscope" --headless --bind 127.0.0.1 --port "$PORT" --log "$SOCKSCOPE_LOG" \
                       --rules "$ROOT/resources/rules/protocol-contract.json" > "$log" 2>&1 & ;;
        sockscope-logall) # the JSON lines to a file, as one runs it to keep the traffic
            SERVER_LOG=$WORK/$1-$PORT.jsonl
            "$BIN/sockscope" --headless --bind 127.0.0.1 --port "$PORT" --log all \
                --rules "$ROOT/resources/rules/protocol-contract.json" > "$SERVER_LOG" 2> "$log" & ;;
        node) node "$ROOT/bench/node_server.js" --parser "$node_parser" "$PORT" > "$log" 2>&1 & ;;
        bare) "$BIN/sockscope-bare-echo" "$PORT" > "$log" 2>&1 & ;;
        monitor) QT_QPA_PLATFORM=offscreen XDG_CONFIG_HOME="$WORK/monitor-config" \
                     "$BIN/sockscope" --bind 127.0.0.1 --port "$PORT" \
                     --rules "$ROOT/resources/rules/protocol-contract.json" > "$log" 2>&1 & ;;
        baseline) "$BASELINE_BIN" --headless --bind 127.0.0.1 --port "$PORT" --log "$SOCKSCOPE_LOG" \
                      --rules "$ROOT/resources/rules/protocol-contract.json" > "$log" 2>&1 & ;;
        baseline-monitor) QT_QPA_PLATFORM=offscreen XDG_CONFIG_HOME="$WORK/baseline-monitor-config" \
                              "$BASELINE_BIN" --bind 127.0.0.1 --port "$PORT" \
                              --rules "$ROOT/resources/rules/protocol-contract.json" > "$log" 2>&1 & ;;
        *) say "unknown server $1"; return 1 ;;
    esac
    SERVER_PID=$!
    for _ in $(seq 100); do
        grep -q listening "$SERVER_LOG" 2>/dev/null && return 0
        # The window prints nothing: it is ready when the port answers.
        if [ "${1%monitor}" != "$1" ] && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
            sleep 0.2
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.05
    done
    say "$1 did not start (see $log)"
    return 1
}

stop_server() {
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 60); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.05
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
}
trap 'stop_server' EXIT

loadgen_args() { # scenario
    local common=(--seconds "$SECS" --warmup "$WARMUP" --threads "$THREADS" --link "$LINK")
    case "$1" in
        echo) echo --scenario echo --clients 50 --inflight 10 "${common[@]}" ;;
        echo-msgpack) echo --scenario echo --parser msgpack --payload 1024 --clients 50 --inflight 10 "${common[@]}" ;;
        polling) echo --scenario polling --clients 50 --inflight 10 "${common[@]}" ;;
        fanout200) echo --scenario fanout --clients 200 "${common[@]}" ;;
        fanout1000) echo --scenario fanout --clients 1000 "${common[@]}" ;;
        connrate) echo --scenario connrate --concurrency 32 "${common[@]}" ;;
        idle) echo --scenario idle --idle 2000,10000 --settle 0.5 --threads "$THREADS" --link "$LINK" ;;
        slow|slow0) echo --scenario slow --slow-clients "$([ "$1" = slow ] && echo 5 || echo 0)" \
                        --rcvbuf 4096 --broadcast-bytes 65536 --window 8 --rss-cap-mib "$RSS_CAP_MIB" \
                        --seconds "$SLOW_SECS" --warmup "$WARMUP" --link "$LINK" ;;
        *) say "unknown scenario $1"; exit 2 ;;
    esac
}

supports() { # server scenario
    case "$1" in
        bare) case "$2" in polling|slow|slow0|echo-msgpack) false ;; *) true ;; esac ;;
        monitor|baseline-monitor) [ "$2" = echo ] ;;
        sockscope-logall) case "$2" in echo|fanout200|fanout1000) true ;; *) false ;; esac ;;
        *) true ;;
    esac
}

# slow brings its comparison without stalled readers, run just before it.
case ",$SCENARIOS," in *,slow,*) case ",$SCENARIOS," in *,slow0,*) ;; *) SCENARIOS=${SCENARIOS/slow/slow0,slow} ;; esac ;; esac
IFS=, read -r -a SCENARIO_LIST <<< "$SCENARIOS"
IFS=, read -r -a SERVER_LIST <<< "$SERVERS"
n=${#SERVER_LIST[@]}
START=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
say "results in $RESULTS; load average $LOAD_BEFORE"
for round in $(seq 1 "$ROUNDS"); do
    for scenario in "${SCENARIO_LIST[@]}"; do
        for i in $(seq 0 $((n - 1))); do
            server=${SERVER_LIST[$(((i + round - 1) % n))]}
            supports "$server" "$scenario" || continue
            start_server "$server" "$scenario" || continue
            # shellcheck disable=SC2046
            line=$("$BIN/sockscope-loadgen" --port "$PORT" --server-pid "$SERVER_PID" --label "$server" \
                       $(loadgen_args "$scenario") 2>>"$WORK/loadgen.err") || true
            stop_server
            [ -n "$line" ] || line='{"failed":"no output"}'
            logged=
            if [ "$server" = sockscope-logall ]; then
                # What the server wrote (all of it: it has exited), then the file goes.
                logged="\"log_bytes\":$(stat -c %s "$SERVER_LOG"),\"log_lines\":$(wc -l < "$SERVER_LOG"),"
                [ "$KEEP_LOGS" = 1 ] || rm -f "$SERVER_LOG"
            fi
            echo "{\"round\":$round,\"scenario\":\"$scenario\",\"server\":\"$server\",$logged\"result\":$line}" >> "$RESULTS"
            say "round $round $scenario $server: $(echo "$line" | cut -c1-160)"
        done
    done
done
trap - EXIT
END=$(date +%s)

node "$ROOT/bench/report.js" "$RESULTS" \
    --elapsed $((END - START)) --load-before "$LOAD_BEFORE" --load-after "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --command "bash bench/run.sh${ARGS:+ $ARGS}" --sockscope-log "$SOCKSCOPE_LOG" --link "$LINK" --threads "$THREADS" \
    --anchor "$ANCHOR" ${BASELINE_BIN:+--baseline "$BASELINE_DESC"} \
    | tee "$WORK/table.md"
