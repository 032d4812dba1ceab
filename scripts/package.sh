#!/usr/bin/env bash
# Builds the Debian packages sockscope (the programs) and sockscope-dev (the library) with CPack
# (cmake/SockscopePackaging.cmake) from an existing build directory, BUILD_DIR/packages/*.deb,
# and prints their paths, one a line. A build directory that does not exist yet is configured
# and built first (as scripts/run.sh does); one that exists is used as it is: CMake only brings
# it up to date, so after a build (CI's, scripts/test.sh's) nothing is compiled again.
#   scripts/package.sh [BUILD_DIR]      (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
bash scripts/deps.sh --package
if [[ ! -f "$build/CPackConfig.cmake" ]]; then
    echo "sockscope: configuring $build" >&2
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOCKSCOPE_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build" >&2
out="$build/packages"
rm -rf "$out"
mkdir -p "$out"
if ! cpack --config "$build/CPackConfig.cmake" -B "$out" >"$out/cpack.log" 2>&1; then
    cat "$out/cpack.log" >&2
    echo "sockscope: cpack failed (log: $out/cpack.log)" >&2
    exit 1
fi
rm -rf "$out/_CPack_Packages"
shopt -s nullglob
debs=("$out"/*.deb)
if ((${#debs[@]} != 2)); then
    echo "sockscope: expected 2 packages in $out, found ${#debs[@]}" >&2
    exit 1
fi
for deb in "${debs[@]}"; do
    echo "$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")"
done
