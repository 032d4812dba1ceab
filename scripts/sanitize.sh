#!/usr/bin/env bash
# Builds the library, the monitor (models and widgets) and the Qt Test suites with
# AddressSanitizer (LeakSanitizer included) and UndefinedBehaviorSanitizer, then runs them
# (the GUI suites offscreen); any report fails the run.
#   scripts/sanitize.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-asan}
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSOCKSCOPE_BUILD_UI=ON \
    -DSOCKSCOPE_SANITIZE_RUN=ON \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$build"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1
export LSAN_OPTIONS=suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$build"
# The Qt Test suites and the C++ servers the Node tests drive (Node itself is not instrumented);
# not the package test, which packages and installs the build it is given (the plain one, in CI).
ctest --output-on-failure -E "^(fuzz_smoke|sanitizers|install_consumer|package_test|browser.*)$"
