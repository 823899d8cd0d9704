#!/usr/bin/env bash
# The packaging test (too slow for the CI test command: ~15 min on 2
# cores): builds the .deb with scripts/package.sh, checks its contents and
# dependencies, installs it with `apt install ./…deb`, uses the installed
# juggler-studio as the README teaches, starts the installed desktop app
# under Xvfb and waits for its rendered window, then removes the package.
# Run as root on Debian 12. The run's report goes to RELEASE.md (the section
# "Last packaging test") and to stdout; it exits non-zero on any failure.
#
#   scripts/package-test.sh            # build, then test
#   scripts/package-test.sh --no-build # test the .deb built last
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac
REPORT="$(mktemp)"
WORK="$(mktemp -d)"
APP_PID=""
cleanup() {
    [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null || true
    rm -rf "$WORK" "$REPORT"
}
trap cleanup EXIT

say() { echo "$*" | tee -a "$REPORT"; }
fail() {
    say "FAILED: $*"
    write_release "failed"
    exit 1
}

# RELEASE.md keeps what it had before the "Last packaging test" section.
write_release() {
    local outcome="$1" head=""
    if [ -f RELEASE.md ]; then
        head=$(sed '/^## Last packaging test/,$d' RELEASE.md)
    fi
    {
        if [ -n "$head" ]; then
            printf '%s\n\n' "$head"
        else
            printf '# Releases\n\nThe desktop app and the headless juggler-studio ship as one .deb (and .rpm),\nbuilt by `scripts/package.sh` and tested by `scripts/package-test.sh`, which\nwrites the section below.\n\n'
        fi
        echo "## Last packaging test"
        echo
        echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC') at commit \`$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\`$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)'): **$outcome**."
        echo
        echo '```text'
        cat "$REPORT"
        echo '```'
    } >RELEASE.md.tmp
    mv RELEASE.md.tmp RELEASE.md
}

[ "$(id -u)" = 0 ] || { echo "package-test.sh: run as root (it installs and removes the package)" >&2; exit 1; }
need=()
command -v xvfb-run >/dev/null || need+=(xvfb xauth)
command -v xwininfo >/dev/null || need+=(x11-utils)
[ -x /usr/bin/import ] || need+=(imagemagick)
if [ "${#need[@]}" -gt 0 ]; then
    echo "package-test.sh: apt-get install ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" </dev/null >/dev/null
fi

say "machine: $(nproc) cores, $(. /etc/os-release && echo "$PRETTY_NAME"), $(uname -r)"
started=$(date +%s)
if [ "${1:-}" != "--no-build" ]; then
    scripts/package.sh >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; fail "scripts/package.sh (log above)"; }
    say "build: scripts/package.sh in $(( $(date +%s) - started )) s"
fi
DEB=$(ls -t "$TARGET"/release/bundle/deb/*.deb 2>/dev/null | head -1)
[ -n "$DEB" ] || fail "no .deb under $TARGET/release/bundle/deb"
if [ "${1:-}" = "--no-build" ]; then
    say "build: skipped (--no-build): the .deb built at $(date -u -r "$DEB" '+%Y-%m-%d %H:%M UTC')"
fi
say "package: $(basename "$DEB") ($(du -h "$DEB" | cut -f1))"

# --- contents and dependencies ----------------------------------------------
NAME=$(dpkg-deb -f "$DEB" Package)
DEPENDS=$(dpkg-deb -f "$DEB" Depends)
say "Package: $NAME"
say "Depends: $DEPENDS"
for dep in libwebkit2gtk-4.1-0 libgtk-3-0; do
    grep -q "$dep" <<<"$DEPENDS" || fail "Depends lacks $dep"
done
dpkg-deb --fsys-tarfile "$DEB" | tar -t | sed -e 's|^\./||' -e 's|^/*|/|' >"$WORK/contents"
for path in /usr/bin/juggler-studio-desktop /usr/bin/juggler-studio \
    /usr/share/man/man1/juggler-studio.1.gz /usr/share/man/man1/juggler-studio-serve.1.gz \
    /usr/share/man/man1/juggler-studio-new.1.gz \
    /usr/share/bash-completion/completions/juggler-studio \
    /usr/share/zsh/vendor-completions/_juggler-studio \
    /usr/share/fish/vendor_completions.d/juggler-studio.fish; do
    grep -qx "$path" "$WORK/contents" || fail "the package lacks $path"
done
grep -q '^/usr/share/applications/.*\.desktop$' "$WORK/contents" || fail "the package lacks a .desktop file"
grep -q '^/usr/share/icons/' "$WORK/contents" || fail "the package lacks its icons"
say "contents: $(wc -l <"$WORK/contents") paths; juggler-studio-desktop, juggler-studio, $(grep -c '/man1/.*\.1\.gz$' "$WORK/contents") manual pages, bash/zsh/fish completions, .desktop file and icons: ok"

# --- install ------------------------------------------------------------------
if dpkg -s "$NAME" >/dev/null 2>&1; then
    apt-get remove -y -q "$NAME" </dev/null >/dev/null
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$DEB" </dev/null >"$WORK/apt.log" 2>&1 \
    || { tail -20 "$WORK/apt.log"; fail "apt install ./$(basename "$DEB")"; }
say "install: apt install ./$(basename "$DEB"): ok ($(dpkg -s "$NAME" | sed -n 's/^Version: //p'))"

# --- the headless commands, as the README teaches them ---------------------
PATH=/usr/bin:$PATH
[ "$(command -v juggler-studio)" = /usr/bin/juggler-studio ] || fail "juggler-studio is not /usr/bin/juggler-studio"
say "juggler-studio --version: $(juggler-studio --version)"
juggler-studio new "$WORK/dash" --generation 0.7 --name "Package test" >/dev/null || fail "juggler-studio new"
juggler-studio check "$WORK/dash/workspace.json" >/dev/null || fail "juggler-studio check"
zcat /usr/share/man/man1/juggler-studio.1.gz | grep -q 'juggler\\-studio' || fail "the manual page"
bash -c 'source /usr/share/bash-completion/completions/juggler-studio && complete -p juggler-studio' >/dev/null \
    || fail "the bash completion"
say "juggler-studio new, check, the manual page and the bash completion: ok"
(juggler-studio serve "$WORK/dash/workspace.json" --port 0 --control-port 0 >"$WORK/serve.log" 2>&1 &
 echo $! >"$WORK/serve.pid")
for _ in $(seq 1 100); do grep -q 'dashboard:' "$WORK/serve.log" && break; sleep 0.1; done
url=$(sed -n 's/^ *dashboard: *//p' "$WORK/serve.log")
kill "$(cat "$WORK/serve.pid")" 2>/dev/null || true
[ -n "$url" ] || { cat "$WORK/serve.log"; fail "juggler-studio serve printed no dashboard address"; }
say "juggler-studio serve: $url"

# --- the installed desktop app under Xvfb -----------------------------------
export GSETTINGS_BACKEND=memory
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    /usr/bin/juggler-studio-desktop --port 0 --control-port 0 >"$0/app.log" 2>&1 &
    app=$!
    for _ in $(seq 1 600); do
        if xwininfo -root -tree 2>/dev/null | grep -q "\"Juggler Studio\""; then break; fi
        kill -0 $app 2>/dev/null || exit 3
        sleep 0.1
    done
    xwininfo -root -tree | grep -q "\"Juggler Studio\"" || exit 4
    # Give the webview a moment to paint, then look at it.
    sleep 3
    /usr/bin/import -window root "$0/window.png"
    kill $app
' "$WORK" || { tail -20 "$WORK/app.log" 2>/dev/null; fail "the installed app's window did not come up (exit $?)"; }
colors=$(/usr/bin/convert "$WORK/window.png" -format '%k' info:)
[ "$colors" -gt 20 ] || fail "the window is blank ($colors colours)"
mkdir -p "$TARGET/package-test"
cp "$WORK/window.png" "$TARGET/package-test/window.png"
say "desktop app: the installed juggler-studio-desktop opened its window \"Juggler Studio\" under Xvfb, rendered ($colors colours; $TARGET/package-test/window.png)"

# --- remove -----------------------------------------------------------------
apt-get remove -y -q "$NAME" </dev/null >/dev/null || fail "apt remove $NAME"
[ ! -e /usr/bin/juggler-studio ] || fail "apt remove left /usr/bin/juggler-studio"
say "remove: apt remove $NAME: ok"
say "total: $(( $(date +%s) - started )) s"
write_release "passed"
echo "package-test.sh: passed; RELEASE.md updated"
