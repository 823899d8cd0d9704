#!/usr/bin/env bash
# Builds the desktop app for release and bundles it as .deb and .rpm
# (`cargo tauri build` through the Tauri CLI that ui/ installs from npm),
# with the headless juggler-studio, its manual pages and completions.
# scripts/package-test.sh checks the result, installs it and starts it.
# Needs libwebkit2gtk-4.1-dev (installed here when run as root on Debian).
# AppImage is left out: its bundler downloads tools at build time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if ! command -v cargo >/dev/null && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null || { echo "package.sh: install the Rust toolchain (rustup) first" >&2; exit 1; }
command -v npm >/dev/null || { echo "package.sh: install Node.js 20+ with npm first" >&2; exit 1; }

if ! pkg-config --exists webkit2gtk-4.1 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "package.sh: apt-get install libwebkit2gtk-4.1-dev" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q </dev/null >&2 && apt-get install -y -q libwebkit2gtk-4.1-dev </dev/null >&2
    else
        echo "package.sh: install libwebkit2gtk-4.1-dev (Debian/Ubuntu) or webkit2gtk4.1-devel (Fedora) first" >&2
        exit 1
    fi
fi

# The UI's packages (the Tauri CLI is one of its dev dependencies), and the
# demo dashboard's, which the studio crate embeds.
for dir in ui crates/studio/demo; do
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        npm ci --prefix "$dir" --no-audit --no-fund </dev/null
    fi
done

started=$(date +%s)
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac

# The headless juggler-studio (serve, record, replay, proxy, run, check,
# new, mock), its manual pages and shell completions go into the package
# beside the desktop app, so the commands the README teaches are there
# after an install. It needs the UI built first (the studio embeds it).
npm --prefix ui run build --silent </dev/null
cargo build --release -p studio --bin juggler-studio </dev/null
EXTRAS="$TARGET/release/package-extras"
rm -rf "$EXTRAS"
mkdir -p "$EXTRAS/man1" "$EXTRAS/completions"
"$TARGET/release/juggler-studio" man --out-dir "$EXTRAS/man1" >/dev/null
gzip -9n "$EXTRAS"/man1/*.1
for shell in bash zsh fish; do
    "$TARGET/release/juggler-studio" completions "$shell" >"$EXTRAS/completions/juggler-studio.$shell"
done
files="{\"/usr/bin/juggler-studio\": \"$TARGET/release/juggler-studio\",
  \"/usr/share/man/man1\": \"$EXTRAS/man1\",
  \"/usr/share/bash-completion/completions/juggler-studio\": \"$EXTRAS/completions/juggler-studio.bash\",
  \"/usr/share/zsh/vendor-completions/_juggler-studio\": \"$EXTRAS/completions/juggler-studio.zsh\",
  \"/usr/share/fish/vendor_completions.d/juggler-studio.fish\": \"$EXTRAS/completions/juggler-studio.fish\"}"
config="{\"bundle\": {\"linux\": {\"deb\": {\"files\": $files}, \"rpm\": {\"files\": $files}}}}"

# tauri.conf.json's beforeBuildCommand builds the UI into ui/dist first.
(cd src-tauri && "$ROOT/ui/node_modules/.bin/tauri" build --bundles deb,rpm --config "$config" "$@")
echo
echo "package.sh: built in $(( $(date +%s) - started )) s"
BUNDLE="$TARGET/release/bundle"
found=0
for f in "$BUNDLE"/deb/*.deb "$BUNDLE"/rpm/*.rpm; do
    [ -f "$f" ] || continue
    echo "  $f ($(du -h "$f" | cut -f1))"
    found=1
done
[ "$found" = 1 ] || { echo "package.sh: no .deb or .rpm under $BUNDLE" >&2; exit 1; }
echo "Install with: apt install ./…deb   (or: dnf install ./…rpm)"
