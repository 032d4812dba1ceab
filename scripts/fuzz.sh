#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for SECONDS (default 60)
# over its committed seed corpus. Crashes land in build-fuzz/crashes/<target>/ and fail the run.
#   scripts/fuzz.sh [--parallel] [SECONDS] [BUILD_DIR]
# --parallel runs the targets at once (each for SECONDS of wall time) instead of one after
# the other; each target's CPU time is printed beside its executions either way.
# FUZZ_TIMEOUT (seconds, default 10) is how long one input may run before it counts as a hang:
# raise it for a long run at low priority on a busy machine, where the timer is wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
parallel=0
if [ "${1:-}" = --parallel ]; then parallel=1; shift; fi
seconds=${1:-60}
build=${2:-build-fuzz}
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -g -O1"
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DSOCKSCOPE_FUZZ=ON -DSOCKSCOPE_BUILD_TESTS=OFF -DSOCKSCOPE_BUILD_UI=OFF \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$build" --target fuzz_engineio fuzz_socketio fuzz_msgpack fuzz_httprequest fuzz_rules fuzz_websocket
run_target() {
    local target=$1 corpus="$build/corpus/$1" crashes="$build/crashes/$1"
    mkdir -p "$corpus" "$crashes"
    echo "== fuzz_$target for ${seconds}s"
    local TIMEFORMAT="cpu_seconds %U %S" ok=1
    { time "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=4096 -timeout="${FUZZ_TIMEOUT:-10}" \
            -artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" "tests/fuzz/corpus/$target" \
            2>"$build/fuzz_$target.log" || ok=0; } 2>"$build/fuzz_$target.time"
    if [ "$ok" = 0 ]; then
        echo "fuzz_$target FAILED: see $build/fuzz_$target.log and $crashes" >&2
        tail -40 "$build/fuzz_$target.log" >&2
        return 1
    fi
}
report() {
    local target=$1
    echo "fuzz_$target: $(grep -E "stat::number_of_executed_units" "$build/fuzz_$target.log" | awk '{print $2}') executions," \
        "$(awk '{printf "%.0f", $2 + $3}' "$build/fuzz_$target.time" 2>/dev/null) CPU seconds," \
        "$(ls "$build/corpus/$target" | wc -l) corpus entries," \
        "peak RSS $(grep -E "stat::peak_rss_mb" "$build/fuzz_$target.log" | awk '{print $2}') MB"
}
status=0
targets="engineio socketio msgpack httprequest rules websocket"
if [ "$parallel" = 1 ]; then
    pids=()
    for target in $targets; do run_target "$target" & pids+=($!); done
    for pid in "${pids[@]}"; do wait "$pid" || status=1; done
else
    for target in $targets; do run_target "$target" || status=1; done
fi
for target in $targets; do report "$target"; done
exit $status
