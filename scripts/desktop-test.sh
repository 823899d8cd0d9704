#!/usr/bin/env bash
# The desktop app's end-to-end test (tests/desktop): the real window under
# Xvfb, driven over WebDriver (tauri-driver + WebKitWebDriver), with a
# dashboard in headless Chromium. Installs what it needs (idempotent; apt
# needs root): libwebkit2gtk-4.1-dev, xvfb, webkit2gtk-driver, chromium;
# tauri-driver into .tools/ (cargo install); npm packages of ui/ (built into
# ui/dist, which the app bundles) and tests/desktop. Builds the app (debug).
# Screenshots and logs: tests/desktop/artifacts/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
TOOLS="$ROOT/.tools"
TAURI_DRIVER_VERSION=2.1.0

say() { echo "desktop-test.sh: $*" >&2; }
die() { say "$*"; exit 1; }

if ! command -v cargo >/dev/null && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null || die "cargo not found: install the Rust toolchain (rustup) first"
command -v npm >/dev/null || die "npm not found: install Node.js 20+ with npm (apt-get install nodejs npm)"

# --- system packages ---------------------------------------------------------
missing=()
command -v pkg-config >/dev/null || missing+=(pkg-config)
pkg-config --exists webkit2gtk-4.1 2>/dev/null || missing+=(libwebkit2gtk-4.1-dev)
command -v xvfb-run >/dev/null || missing+=(xvfb xauth)
[ -x /usr/bin/WebKitWebDriver ] || missing+=(webkit2gtk-driver)
[ -x "$CHROMIUM" ] || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null ||
        die "missing: ${missing[*]} (install them with apt-get as root)"
    say "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q </dev/null >&2 || die "apt-get update failed"
    apt-get install -y -q "${missing[@]}" </dev/null >&2 || die "apt-get install ${missing[*]} failed"
fi

# --- tauri-driver (project-local) ----------------------------------------------
if ! "$TOOLS/bin/tauri-driver" --help >/dev/null 2>&1; then
    say "cargo install tauri-driver $TAURI_DRIVER_VERSION --locked --root .tools"
    cargo install tauri-driver --version "$TAURI_DRIVER_VERSION" --locked --root "$TOOLS" </dev/null ||
        die "cargo install tauri-driver failed"
fi

# --- npm packages and the UI -------------------------------------------------
npm_ci() {
    local dir="$1" marker="$2"
    if [ ! -d "$dir/node_modules/$marker" ] ||
        [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        say "npm ci --prefix $dir"
        npm ci --prefix "$dir" --no-audit --no-fund </dev/null >&2 || die "npm ci in $dir failed"
    fi
}
npm_ci crates/studio/demo @hat-open/juggler
npm_ci ui svelte
npm_ci tests/desktop playwright-core
if [ "${DESKTOP_TEST_SKIP_UI_BUILD:-}" != 1 ]; then
    say "npm --prefix ui run build"
    npm --prefix ui run build --silent </dev/null >&2 || die "the UI build failed"
fi

# --- the app -------------------------------------------------------------------
# The same targets as test.sh's build stage: with dev-dependencies in the
# build, cargo unifies features as it does for `cargo test --workspace`, so
# this reuses that build instead of compiling tokio, axum, tauri and the
# studio a second time with other features (which filled CI's disk).
say "cargo build --workspace --bins --examples"
cargo build --workspace --bins --examples </dev/null || die "the desktop app does not build"

cd tests/desktop
DESKTOP_APP="$TARGET_DIR/debug/juggler-studio-desktop" \
TAURI_DRIVER="$TOOLS/bin/tauri-driver" \
CHROMIUM="$CHROMIUM" \
    npm test --silent </dev/null
