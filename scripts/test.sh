#!/usr/bin/env bash
# Installs what is missing, builds Sockscope with its tests and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --tests
npm ci --no-audit --no-fund --loglevel=error
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOCKSCOPE_BUILD_TESTS=ON >/dev/null
cmake --build build
cd build
ctest --output-on-failure --timeout 300 "$@"
