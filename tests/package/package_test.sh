#!/usr/bin/env bash
# The Debian packages end to end, as root on a Debian 12 machine (the CTest test package_test,
# label "package", so scripts/test.sh and CI run it): builds them from an existing build directory with scripts/package.sh (no
# second compile), checks them (contents, computed dependencies, stripped binaries, lintian
# without errors, desktop-file-validate, appstreamcli), installs them with apt-get, runs what
# they installed (--version, --help, man -w, the headless server with the client connected to
# it, the install test's consumer built against /usr), then purges them and checks that
# nothing they installed is left behind. Any failure exits non-zero; the packages are purged
# on the way out whatever happens.
#   tests/package/package_test.sh [BUILD_DIR]      (default build)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
checks=0
say() { echo "package_test: $*"; }
fail() {
    echo "package_test: FAILED: $*" >&2
    exit 1
}
ok() {
    checks=$((checks + 1))
    say "ok: $*"
}

if [[ $(id -u) -ne 0 ]]; then
    fail "needs root: it installs and purges packages (run it as root, or leave it out: ctest -LE package); NOT a pass"
fi
installed() { # installed, or removed with its configuration kept: either way dpkg knows it
    local status
    status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)
    [[ -n "$status" && "$status" != *not-installed* ]]
}
for p in sockscope sockscope-dev; do
    if installed "$p"; then
        fail "$p is installed already; this test installs and purges its own: apt-get purge $p first"
    fi
done
for tool in lintian desktop-file-validate appstreamcli man; do
    command -v "$tool" >/dev/null || fail "$tool is missing: bash scripts/deps.sh --tests installs it"
done

tmp=$(mktemp -d)
server_pid=
cleanup() {
    local rc=$?
    if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
    if installed sockscope || installed sockscope-dev; then
        say "purging the packages on the way out"
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq sockscope sockscope-dev >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
    exit $rc
}
trap cleanup EXIT
start=$SECONDS

# --- Build the packages from the existing build.
mapfile -t debs < <(bash scripts/package.sh "$build")
main= dev=
for deb in "${debs[@]}"; do
    case "$(basename "$deb")" in
    sockscope-dev_*.deb) dev=$deb ;;
    sockscope_*.deb) main=$deb ;;
    esac
done
[[ -f "$main" && -f "$dev" ]] || fail "scripts/package.sh did not make sockscope and sockscope-dev: ${debs[*]}"
ok "built $(basename "$main") and $(basename "$dev") ($((SECONDS - start)) s)"

# --- What they carry.
version=$(dpkg-deb -f "$main" Version)
upstream=${version%-*}
[[ "$(dpkg-deb -f "$dev" Version)" == "$version" ]] || fail "the two packages' versions differ"
expect_files() {
    local deb=$1
    shift
    local listing
    listing=$(dpkg-deb -c "$deb" | awk '{print $6}')
    for f in "$@"; do
        grep -qxF "./$f" <<<"$listing" || fail "$(basename "$deb") lacks /$f"
    done
}
expect_files "$main" usr/bin/sockscope usr/bin/sockscope-client \
    usr/share/man/man1/sockscope.1.gz usr/share/man/man1/sockscope-client.1.gz \
    usr/share/applications/sockscope.desktop \
    usr/share/metainfo/io.github.sockscope.Sockscope.metainfo.xml \
    usr/share/icons/hicolor/256x256/apps/sockscope.png \
    usr/share/icons/hicolor/scalable/apps/sockscope.svg \
    usr/share/sockscope/rules/tutorial.json usr/share/sockscope/rules/echo-plain.json \
    usr/share/sockscope/rules/protocol-contract.json \
    usr/share/doc/sockscope/copyright usr/share/doc/sockscope/changelog.Debian.gz
expect_files "$dev" usr/include/sockscope/eventserver.h usr/include/sockscope/eventclient.h \
    usr/include/sockscope/sockscopeversion.h usr/lib/libsockscopecore.a usr/lib/libsockscopetools.a \
    usr/lib/cmake/Sockscope/SockscopeConfig.cmake usr/lib/cmake/Sockscope/SockscopeConfigVersion.cmake \
    usr/lib/cmake/Sockscope/SockscopeTargets.cmake \
    usr/share/doc/sockscope-dev/copyright usr/share/doc/sockscope-dev/changelog.Debian.gz
if dpkg-deb -c "$main" | awk '{print $6}' | grep -E '\.(h|a)$'; then fail "sockscope carries development files"; fi
if dpkg-deb -c "$dev" | awk '{print $6}' | grep -E '^\./usr/bin/'; then fail "sockscope-dev carries programs"; fi
ok "both packages carry their files, and only theirs"

has_dep() { # has_dep "DEPENDS" NAME: NAME is one of the packages DEPENDS lists
    tr ',|' '\n\n' <<<"$1" | sed 's/^ *//; s/[ (].*//' | grep -qxF "$2"
}
depends=$(dpkg-deb -f "$main" Depends)
for lib in libc6 libstdc++6 libqt6core6 libqt6network6 libqt6websockets6 libqt6widgets6; do
    has_dep "$depends" "$lib" || fail "sockscope's Depends lacks $lib (dpkg-shlibdeps): $depends"
done
depends_dev=$(dpkg-deb -f "$dev" Depends)
for pkg in qt6-base-dev qt6-websockets-dev; do
    has_dep "$depends_dev" "$pkg" || fail "sockscope-dev's Depends lacks $pkg: $depends_dev"
done
ok "Depends: sockscope $depends; sockscope-dev $depends_dev"

mkdir -p "$tmp/root"
dpkg-deb -x "$main" "$tmp/root"
for bin in sockscope sockscope-client; do
    file -b "$tmp/root/usr/bin/$bin" | grep -q ', stripped' || fail "/usr/bin/$bin is not stripped: $(file -b "$tmp/root/usr/bin/$bin")"
done
ok "the binaries are stripped"
changelog_version=$(zcat "$tmp/root/usr/share/doc/sockscope/changelog.Debian.gz" | head -n 1 | sed -n 's/^sockscope (\([^)]*\)).*/\1/p')
[[ "$changelog_version" == "$version" ]] || fail "the changelog's version is $changelog_version, the package's $version"
ok "the Debian changelog names $version"

# --- The checkers.
if ! lintian --fail-on error --tag-display-limit 0 "$main" "$dev" >"$tmp/lintian.log" 2>&1; then
    cat "$tmp/lintian.log" >&2
    fail "lintian found errors"
fi
sed 's/^/package_test: lintian: /' "$tmp/lintian.log"
ok "lintian: no errors ($(grep -c '^W: ' "$tmp/lintian.log" || true) warnings, explained in the README)"
desktop-file-validate "$tmp/root/usr/share/applications/sockscope.desktop" || fail "desktop-file-validate"
ok "desktop-file-validate"
appstreamcli validate --no-net "$tmp/root/usr/share/metainfo/io.github.sockscope.Sockscope.metainfo.xml" \
    || fail "appstreamcli validate"
ok "appstreamcli validate --no-net"

# --- Install, after noting which of their paths exist already (directories they share).
mapfile -t paths < <({ dpkg-deb -c "$main"; dpkg-deb -c "$dev"; } | awk '{print $6}' | sed 's|^\.||; s|/$||' | grep -v '^$' | sort -u)
declare -A existed=()
for p in "${paths[@]}"; do
    if [[ -e "$p" || -L "$p" ]]; then existed[$p]=1; fi
done
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$main" "$dev" >"$tmp/apt.log" 2>&1 \
    || { cat "$tmp/apt.log" >&2; fail "apt-get install"; }
installed sockscope && installed sockscope-dev || fail "apt-get install left the packages uninstalled"
ok "apt-get install ./$(basename "$main") ./$(basename "$dev")"

# --- The installed programs.
env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM /usr/bin/sockscope --version >"$tmp/version" \
    || fail "sockscope --version"
[[ "$(cat "$tmp/version")" == "sockscope $upstream" ]] || fail "sockscope --version printed: $(cat "$tmp/version")"
[[ "$(/usr/bin/sockscope-client --version)" == "sockscope-client $upstream" ]] || fail "sockscope-client --version"
ok "sockscope --version: $(cat "$tmp/version")"
/usr/bin/sockscope-client --help >"$tmp/help" || fail "sockscope-client --help"
grep -q -- '--just-generate-accept' "$tmp/help" || fail "sockscope-client --help lacks its options"
ok "sockscope-client --help"
for page in sockscope sockscope-client; do
    where=$(man -w "$page") || fail "man -w $page"
    [[ "$where" == "/usr/share/man/man1/$page.1.gz" ]] || fail "man -w $page: $where"
done
MANWIDTH=80 man -P cat sockscope 2>/dev/null | grep -q -- '--headless' || fail "man sockscope does not render"
ok "man -w sockscope: $(man -w sockscope)"

# The installed headless server on a free loopback port, with the installed rules; the
# installed client connects and waits for the rules' "time" event.
env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM /usr/bin/sockscope --headless --bind 127.0.0.1 \
    --port 0 --rules /usr/share/sockscope/rules/tutorial.json >"$tmp/server.log" 2>&1 &
server_pid=$!
port=
for _ in $(seq 100); do
    port=$(grep '"type":"listening"' "$tmp/server.log" | grep -o '"port":[0-9]*' | head -n 1 | cut -d: -f2 || true)
    [[ -n "$port" ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
[[ -n "$port" ]] || { cat "$tmp/server.log" >&2; fail "the installed server did not say it was listening"; }
/usr/bin/sockscope-client "http://127.0.0.1:$port" --listen time --count 1 --timeout 10 >"$tmp/client.log" 2>&1 \
    || { cat "$tmp/client.log" "$tmp/server.log" >&2; fail "sockscope-client against the installed server"; }
grep -q '"type":"connected"' "$tmp/client.log" || fail "the client did not connect: $(cat "$tmp/client.log")"
grep '"type":"event"' "$tmp/client.log" | grep -q '"event":"time"' || fail "no time event: $(cat "$tmp/client.log")"
kill -TERM "$server_pid"
server_rc=0
wait "$server_pid" || server_rc=$?
server_pid=
[[ $server_rc -eq 0 ]] || fail "the server exited $server_rc on SIGTERM"
grep -q '"type":"connect"' "$tmp/server.log" || fail "the server saw no connect: $(cat "$tmp/server.log")"
grep -q '"type":"shutdown"' "$tmp/server.log" || fail "the server wrote no shutdown line"
ok "the installed client got the installed server's \"time\" event on port $port"

# The install test's consumer, built against /usr: find_package(Sockscope) with no hints.
cmake -S tests/install/consumer -B "$tmp/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$tmp/consumer.log" 2>&1 \
    || { cat "$tmp/consumer.log" >&2; fail "configuring the consumer against /usr"; }
found=$(sed -n 's/^Sockscope_DIR:PATH=//p' "$tmp/consumer/CMakeCache.txt")
[[ "$found" == /usr/lib/cmake/Sockscope ]] || fail "find_package(Sockscope) found $found, not /usr/lib/cmake/Sockscope"
cmake --build "$tmp/consumer" >>"$tmp/consumer.log" 2>&1 || { cat "$tmp/consumer.log" >&2; fail "building the consumer"; }
"$tmp/consumer/consumer" >"$tmp/consumer.out" 2>&1 || { cat "$tmp/consumer.out" >&2; fail "running the consumer"; }
grep -q 'consumer: listening on port [1-9][0-9]*; event echoed' "$tmp/consumer.out" \
    && grep -q 'consumer: served / and /rt/socket.io.js' "$tmp/consumer.out" \
    || fail "the consumer printed: $(cat "$tmp/consumer.out")"
ok "the consumer built against /usr ($found) runs"

# --- Purge, and check that nothing they installed is left.
mapfile -t owned < <(dpkg -L sockscope sockscope-dev | grep '^/' | sort -u)
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq sockscope sockscope-dev >"$tmp/apt.log" 2>&1 \
    || { cat "$tmp/apt.log" >&2; fail "apt-get purge"; }
if installed sockscope || installed sockscope-dev; then fail "dpkg still knows the packages after purge"; fi
left=()
for p in "${owned[@]}"; do
    if [[ -n "${existed[$p]:-}" ]]; then
        [[ -e "$p" ]] || fail "$p existed before the install and is gone after the purge"
    elif [[ -e "$p" || -L "$p" ]]; then
        left+=("$p")
    fi
done
((${#left[@]} == 0)) || fail "left behind after purge: ${left[*]}"
ok "apt-get purge: none of the ${#owned[@]} paths of dpkg -L is left (shared directories kept)"
say "passed: $checks checks in $((SECONDS - start)) s"
