#!/usr/bin/env bash
# Installs the Debian 12 packages Sockscope needs, only those missing. Used by run.sh and test.sh.
#   deps.sh            build and run
#   deps.sh --package  also what scripts/package.sh needs (dpkg-shlibdeps, file)
#   deps.sh --tests    also what the tests need (Node.js, npm, Chromium, …, and what the
#                      package test needs: lintian, man-db, desktop-file-utils, appstream)
set -euo pipefail

packages=(cmake ninja-build g++ pkg-config qt6-base-dev qt6-websockets-dev libqt6test6 libgl-dev)
if [[ "${1:-}" == "--package" || "${1:-}" == "--tests" ]]; then
    packages+=(dpkg-dev file) # CPack's DEB generator: dpkg-shlibdeps, and file to find the binaries
fi
if [[ "${1:-}" == "--tests" ]]; then
    packages+=(lintian man-db desktop-file-utils appstream) # tests/package/package_test.sh
    command -v node >/dev/null 2>&1 || packages+=(nodejs)
    command -v npm >/dev/null 2>&1 || packages+=(npm)
    packages+=(clang libclang-rt-14-dev openssl) # fuzz targets (libFuzzer, ASan, UBSan); TLS tests
    packages+=(chromium) # browser tests (tests/browser, driven by playwright-core from npm)
    packages+=(redis-server) # cluster tests (tests/auto/cluster start their own, never the default one)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
    exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "sockscope: missing packages (${missing[*]}) and no sudo to install them" >&2
        exit 1
    fi
    sudo=(sudo)
fi
echo "sockscope: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
