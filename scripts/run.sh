#!/usr/bin/env bash
# Installs what is missing, builds Sockscope and starts it: the monitor window where a display
# exists, else the headless server. Extra arguments go to sockscope, e.g.
#   scripts/run.sh --port 3000 --rules resources/rules/tutorial.json
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOCKSCOPE_BUILD_TESTS=OFF >/dev/null
cmake --build build
if [[ $# -eq 0 ]]; then
    set -- --rules resources/rules/tutorial.json
fi
exec build/bin/sockscope "$@"
