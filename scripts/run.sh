#!/usr/bin/env bash
# The main command: builds and runs the demo juggler server (later: the
# studio). Arguments go to the server, e.g. ./scripts/run.sh --port 0
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

# Crates come from crates.io on the first build (cargo fetches what the lock
# file names); later runs reuse them.
exec cargo run --release -p juggler --example hello_server -- "$@"
