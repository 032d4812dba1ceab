#!/usr/bin/env bash
# Builds the sockscope binary of an earlier commit, to measure a change against it in one run
# (bench/run.sh --baseline-bin, bench/callgrind.sh --baseline-bin):
#
#   bash bench/build-baseline.sh REV DIR      e.g. bash bench/build-baseline.sh HEAD~1 /tmp/parent
#
# Checks REV out as a detached git worktree in DIR/src, configures it in DIR/build (Release,
# -DSOCKSCOPE_BUILD_TESTS=OFF, ccache when installed), builds only the sockscope target, then
# removes the worktree. The binary is DIR/build/bin/sockscope and DIR/build/bin/sockscope.rev
# names the commit; the last line printed is the binary's path. JOBS sets the build's
# parallelism (default 2). DIR/build is kept: building another REV into the same DIR
# reconfigures it, and ccache serves the files that did not change.
set -euo pipefail

[ $# -eq 2 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
REV=$1
DIR=$2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JOBS=${JOBS:-2}
say() { echo "build-baseline.sh: $*" >&2; }

COMMIT=$(git -C "$ROOT" rev-parse --verify "$REV^{commit}")
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
SRC=$DIR/src
BUILD=$DIR/build
if [ -e "$SRC" ]; then
    say "$SRC exists (a worktree left by an interrupted run?): remove it with git worktree remove --force $SRC"
    exit 1
fi

cleanup() { git -C "$ROOT" worktree remove --force "$SRC" 2>/dev/null || true; }
trap cleanup EXIT
say "checking out $(git -C "$ROOT" log -1 --format='%h %s' "$COMMIT") in $SRC"
git -C "$ROOT" worktree add --detach "$SRC" "$COMMIT" >&2

launcher=()
if command -v ccache > /dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    # Paths under DIR count as relative, so a rebuild of the same sources hits the cache.
    export CCACHE_BASEDIR=$DIR
fi
# A build folder made for another revision keeps its cache; CMake reconfigures what changed.
cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSOCKSCOPE_BUILD_TESTS=OFF \
    "${launcher[@]}" >&2
cmake --build "$BUILD" -j"$JOBS" --target sockscope >&2

BIN=$BUILD/bin/sockscope
# Older trees may place it elsewhere in the build folder.
[ -x "$BIN" ] || BIN=$(find "$BUILD" -type f -name sockscope -perm -u+x | head -n1)
[ -n "$BIN" ] && [ -x "$BIN" ] || { say "no $BIN after the build"; exit 1; }
git -C "$ROOT" log -1 --format='%h %s' "$COMMIT" > "$BIN.rev"
say "built $(cat "$BIN.rev")"
echo "$BIN"
