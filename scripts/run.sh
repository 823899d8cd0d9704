#!/usr/bin/env bash
# The main command. On a machine with a display ($DISPLAY or
# $WAYLAND_DISPLAY) it builds and opens the desktop app (src-tauri);
# without one, or with STUDIO_BROWSER=1, it runs `juggler-studio serve --ui`,
# which prints the address of the studio UI to open in a browser. Without
# arguments: the demo workspace and its dashboard. Arguments go to the app
# (`[WORKSPACE.json] [--port N] [--control-port N]`) or to `serve`, e.g.
# ./scripts/run.sh my.workspace.json, ./scripts/run.sh --port 0
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if ! command -v cargo >/dev/null && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null || {
    echo "run.sh: cargo not found: install the Rust toolchain (rustup) first" >&2
    exit 1
}

# The demo dashboard's npm packages (@hat-open/juggler and what it imports),
# which crates/studio/build.rs embeds in the binary: installed before any
# cargo command, again only when package-lock.json changed.
DEMO=crates/studio/demo
if [ ! -d "$DEMO/node_modules/@hat-open/juggler" ] ||
    [ "$DEMO/package-lock.json" -nt "$DEMO/node_modules/.package-lock.json" ]; then
    if ! command -v npm >/dev/null; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "run.sh: installing Node.js and npm (apt-get install nodejs npm)" >&2
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -q </dev/null >&2 && apt-get install -y -q nodejs npm </dev/null >&2
        fi
        command -v npm >/dev/null || {
            echo "run.sh: npm not found: install Node.js 20 or newer with npm (apt-get install nodejs npm), then run this again" >&2
            exit 1
        }
    fi
    echo "run.sh: npm ci --prefix $DEMO" >&2
    npm ci --prefix "$DEMO" --no-audit --no-fund </dev/null >&2
fi

# The studio UI (Svelte): the desktop app bundles ui/dist, and the studio
# crate embeds it for `serve --ui`.
if [ ! -d ui/node_modules/svelte ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    echo "run.sh: npm ci --prefix ui" >&2
    npm ci --prefix ui --no-audit --no-fund </dev/null >&2
fi
# Built again only when a source is newer than the last build: a new
# ui/dist makes cargo rebuild the studio crate that embeds it (~40 s).
UI_SOURCES=(ui/src ui/public ui/index.html ui/package.json ui/package-lock.json ui/vite.config.ts ui/svelte.config.js ui/tsconfig.json)
if [ ! -f ui/dist/index.html ] ||
    [ -n "$(find "${UI_SOURCES[@]}" -newer ui/dist/index.html -print -quit 2>/dev/null)" ]; then
    echo "run.sh: npm --prefix ui run build" >&2
    npm --prefix ui run build --silent </dev/null >&2
fi

# Crates come from crates.io on the first build (cargo fetches what the lock
# file names); later runs reuse them.
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "${STUDIO_BROWSER:-}" != 1 ]; then
    # The desktop app needs WebKitGTK 4.1 to build and run.
    if ! pkg-config --exists webkit2gtk-4.1 2>/dev/null; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "run.sh: installing WebKitGTK for the desktop app (apt-get install libwebkit2gtk-4.1-dev)" >&2
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -q </dev/null >&2 && apt-get install -y -q pkg-config libwebkit2gtk-4.1-dev </dev/null >&2
        fi
        pkg-config --exists webkit2gtk-4.1 2>/dev/null || {
            echo "run.sh: the desktop app needs WebKitGTK 4.1: install libwebkit2gtk-4.1-dev (Debian/Ubuntu) or webkit2gtk4.1-devel (Fedora) as root, then run this again; or STUDIO_BROWSER=1 $0 for the studio in a browser" >&2
            exit 1
        }
    fi
    cargo build --release -p juggler-studio-desktop </dev/null
    exec "${CARGO_TARGET_DIR:-$ROOT/target}/release/juggler-studio-desktop" "$@"
fi

if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    echo "No display: starting the studio in your browser instead" >&2
fi
exec cargo run --release -p studio --bin juggler-studio -- serve --ui "$@"
