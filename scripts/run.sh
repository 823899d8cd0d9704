#!/usr/bin/env bash
# The main command: builds and runs `juggler-studio serve`. Without
# arguments it serves the demo workspace and its dashboard (embedded in the
# binary); arguments go to `serve`, e.g. ./scripts/run.sh --port 0, or
# ./scripts/run.sh my.workspace.json
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

# Crates come from crates.io on the first build (cargo fetches what the lock
# file names); later runs reuse them.
exec cargo run --release -p studio --bin juggler-studio -- serve "$@"
