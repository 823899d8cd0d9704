#!/usr/bin/env bash
# THE test command: sets up what the tests need (idempotent), then runs every
# test, stopping at the first stage that fails. Made for a fresh Debian 12
# machine with the Rust toolchain, run as root (it may apt-get python3-venv),
# with or without a terminal.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

REF06_DIR=.venv/ref06
REF06_SPEC='hat-juggler==0.6.26'
REF06_WANT='0.6.26'
REF07_DIR=.venv/ref07
REF07_SPEC='hat-juggler>=0.7,<0.8'
REF07_WANT='0.7.'          # any 0.7.x
PYTHON="${PYTHON:-python3}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
# A test run builds each crate once or twice: incremental caches would only
# add their size to target/ (on CI's disk, which a run once filled).
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

STAGES_TOTAL=12
STAGE_NO=0
STAGE=''
PASSED=0
FAILED=0
SKIPPED=0
LOG_DIR="$(mktemp -d)"
trap 'rm -rf "$LOG_DIR"' EXIT

summary() {
    echo
    echo "summary: $PASSED passed, $FAILED failed, $SKIPPED skipped"
}

die() {
    echo >&2
    echo "test.sh: FAILED at stage $STAGE_NO/$STAGES_TOTAL ($STAGE): $*" >&2
    if [ "$FAILED" -eq 0 ]; then FAILED=1; fi
    summary
    exit 1
}

banner() {
    STAGE_NO=$((STAGE_NO + 1))
    STAGE="$1"
    echo
    echo "======== [$STAGE_NO/$STAGES_TOTAL] $STAGE ========"
}

# --- setup ------------------------------------------------------------------

apt_install() {
    if [ "$(id -u)" != 0 ]; then
        die "need root to run: apt-get install $*"
    fi
    echo "apt-get install $*"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q </dev/null || die "apt-get update failed"
    apt-get install -y -q "$@" </dev/null || die "apt-get install $* failed"
}

ensure_rust() {
    if ! command -v cargo >/dev/null && [ -x "$HOME/.cargo/bin/cargo" ]; then
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
    command -v cargo >/dev/null ||
        die "cargo not found: install the Rust toolchain (rustup) first"
    local tool component
    for tool in fmt clippy; do
        if ! cargo "$tool" --version >/dev/null 2>&1; then
            component=$([ "$tool" = fmt ] && echo rustfmt || echo clippy)
            rustup component add "$component" </dev/null ||
                die "cargo $tool missing and 'rustup component add $component' failed"
        fi
    done
}

# Whether venv $1 has hat-juggler $2 (exact, or a prefix ending in '.')
# and pytest.
venv_ok() {
    [ -x "$1/bin/python" ] && "$1/bin/python" - "$2" <<'EOF' 2>/dev/null
import importlib.metadata as m, sys
want = sys.argv[1]
have = m.version('hat-juggler')
m.version('pytest')
ok = have.startswith(want) if want.endswith('.') else have == want
sys.exit(0 if ok else 1)
EOF
}

make_venv() {
    if "$PYTHON" -m venv "$1" </dev/null; then
        return 0
    fi
    rm -rf "$1"
    echo "'$PYTHON -m venv' failed: installing python3-venv"
    command -v apt-get >/dev/null || die "no venv support and no apt-get"
    apt_install python3 python3-venv
    PYTHON=/usr/bin/python3
    "$PYTHON" -m venv "$1" </dev/null || die "cannot create venv $1"
}

ensure_venv() {
    local dir="$1" spec="$2" want="$3"
    if venv_ok "$dir" "$want"; then
        echo "$dir: $("$dir/bin/python" -c \
            "import importlib.metadata as m; print('hat-juggler', m.version('hat-juggler'))"), ok"
        return 0
    fi
    if ! { [ -x "$dir/bin/python" ] && "$dir/bin/python" -c 'import pip' \
            >/dev/null 2>&1; }; then
        rm -rf "$dir"
        command -v "$PYTHON" >/dev/null || {
            command -v apt-get >/dev/null || die "python3 not found"
            apt_install python3 python3-venv
            PYTHON=/usr/bin/python3
        }
        echo "creating $dir"
        make_venv "$dir"
    fi
    echo "$dir: pip install '$spec' pytest"
    "$dir/bin/python" -m pip install --quiet --no-input \
        --disable-pip-version-check "$spec" pytest </dev/null ||
        die "pip install '$spec' pytest into $dir failed"
    venv_ok "$dir" "$want" || die "$dir does not have $spec after pip install"
}

# Node.js and the npm packages of the browser-client interop tests.
ensure_node() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        command -v apt-get >/dev/null || die "node/npm not found and no apt-get"
        apt_install nodejs npm
    fi
    local major
    major=$(node -p 'process.versions.node.split(".")[0]')
    [ "$major" -ge 20 ] || die "Node.js $major is too old: the tests need Node.js 20 or newer"
    if [ ! -d tests/npm/node_modules/@hat-open/juggler ] ||
        [ ! -d tests/npm/node_modules/juggler07 ] ||
        [ tests/npm/package-lock.json -nt tests/npm/node_modules/.package-lock.json ]; then
        echo "tests/npm: npm ci"
        (cd tests/npm && npm ci --no-audit --no-fund </dev/null) || die "npm ci in tests/npm failed"
    else
        echo "tests/npm: node_modules up to date"
    fi
    # The demo dashboard's packages, which crates/studio/build.rs embeds in
    # juggler-studio (so before any cargo command), and the e2e tests' own.
    npm_ci crates/studio/demo @hat-open/juggler
    npm_ci tests/e2e playwright-core
    # The studio UI (Svelte + Vite), built before any cargo command: the
    # studio crate embeds ui/dist for `juggler-studio serve --ui`.
    npm_ci ui svelte
    npm_ci tests/ui playwright-core
    echo "ui: npm run build"
    npm --prefix ui run build --silent </dev/null || die "the UI build failed (npm --prefix ui run build)"
}

# `npm ci` in $1 unless its node_modules has package $2 and is newer than
# its package-lock.json.
npm_ci() {
    local dir="$1" marker="$2"
    if [ ! -d "$dir/node_modules/$marker" ] ||
        [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        echo "$dir: npm ci"
        npm ci --prefix "$dir" --no-audit --no-fund </dev/null || die "npm ci in $dir failed"
    else
        echo "$dir: node_modules up to date"
    fi
}

# Debian's Chromium for the browser end-to-end tests (playwright-core drives
# it; Playwright's own browser download does not work here).
ensure_chromium() {
    # `run --browser` starts Chromium under setpriv (util-linux) so that it
    # dies with the studio; the CLI's terminal tests run it under script
    # (bsdutils). Both are essential packages, but a slim image may lack them.
    if ! command -v setpriv >/dev/null || ! command -v script >/dev/null; then
        command -v apt-get >/dev/null || die "setpriv or script missing and no apt-get: install util-linux and bsdutils"
        apt_install util-linux bsdutils
    fi
    if [ -x "$CHROMIUM" ]; then
        echo "chromium: $("$CHROMIUM" --version 2>/dev/null | head -1), ok"
        return 0
    fi
    command -v apt-get >/dev/null || die "$CHROMIUM not found and no apt-get: install Chromium"
    apt_install chromium
    [ -x "$CHROMIUM" ] || die "$CHROMIUM still missing after apt-get install chromium"
}

# The desktop app's build needs WebKitGTK (cargo clippy --workspace and
# cargo build --workspace include src-tauri), its end-to-end test Xvfb,
# WebKitWebDriver and tauri-driver (installed into .tools/).
ensure_desktop() {
    local missing=()
    command -v pkg-config >/dev/null || missing+=(pkg-config)
    pkg-config --exists webkit2gtk-4.1 2>/dev/null || missing+=(libwebkit2gtk-4.1-dev)
    command -v xvfb-run >/dev/null || missing+=(xvfb xauth)
    [ -x /usr/bin/WebKitWebDriver ] || missing+=(webkit2gtk-driver)
    if [ "${#missing[@]}" -gt 0 ]; then
        command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get"
        apt_install "${missing[@]}"
    else
        echo "webkit2gtk-4.1 $(pkg-config --modversion webkit2gtk-4.1), xvfb, WebKitWebDriver: ok"
    fi
    if ! .tools/bin/tauri-driver --help >/dev/null 2>&1; then
        echo "cargo install tauri-driver --locked --root .tools"
        cargo install tauri-driver --version 2.1.0 --locked --root .tools </dev/null ||
            die "cargo install tauri-driver failed"
    else
        echo "tauri-driver: ok"
    fi
    npm_ci tests/desktop playwright-core
}

# --- stages -----------------------------------------------------------------

add_counts() {
    PASSED=$((PASSED + ${1:-0})); FAILED=$((FAILED + ${2:-0})); SKIPPED=$((SKIPPED + ${3:-0}))
}

# Adds the counts of the cargo test output in $1.
count_cargo() {
    local n
    n=$(sed -n 's/^test result: .* \([0-9][0-9]*\) passed; \([0-9][0-9]*\) failed; \([0-9][0-9]*\) ignored.*/\1 \2 \3/p' "$1" |
        awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
    local p f s
    read -r p f s <<<"$n"
    add_counts "$p" "$f" "$s"
}

# Adds the counts of the pytest junit xml $2 (read with python $1).
count_junit() {
    [ -f "$2" ] || return 0
    local n
    n=$("$1" - "$2" <<'EOF' || echo "0 0 0"
import sys, xml.etree.ElementTree as ET
p = f = s = 0
for suite in ET.parse(sys.argv[1]).getroot().iter('testsuite'):
    t, x, e, k = (int(suite.get(a, 0))
                  for a in ('tests', 'failures', 'errors', 'skipped'))
    p += t - x - e - k; f += x + e; s += k
print(p, f, s)
EOF
)
    local p f s
    read -r p f s <<<"$n"
    add_counts "$p" "$f" "$s"
}

# A stage whose tests print Node's TAP summary (`# pass N`, `# fail N`):
# banner $1, runs the rest from folder $3, counts, dies with $2 on failure.
tap_stage() {
    local title="$1" fail="$2" dir="$3" log rc=0
    shift 3
    banner "$title"
    log="$LOG_DIR/stage-$STAGE_NO.log"
    (cd "$dir" && "$@" </dev/null) 2>&1 | tee "$log" || rc=$?
    add_counts "$(sed -n 's/^# pass \([0-9]*\)/\1/p' "$log" | tail -1)" \
        "$(sed -n 's/^# fail \([0-9]*\)/\1/p' "$log" | tail -1)" 0
    [ "$rc" -eq 0 ] || die "$fail"
}

run_pytest() {
    local venv="$1" xml
    xml="$LOG_DIR/$(basename "$1").xml"
    banner "pytest tests/interop with $venv ($("$venv/bin/python" -c \
        "import importlib.metadata as m; print('hat-juggler', m.version('hat-juggler'))"))"
    local rc=0
    JUGGLER_BENCH_SERVER="${JUGGLER_BENCH_SERVER:-$TARGET_DIR/debug/examples/bench_server}" \
    JUGGLER_INTEROP_CLIENT="${JUGGLER_INTEROP_CLIENT:-$TARGET_DIR/debug/examples/interop_client}" \
        "$venv/bin/python" -m pytest tests/interop -v -rfE \
        -p no:cacheprovider --junitxml="$xml" </dev/null || rc=$?
    count_junit "$venv/bin/python" "$xml"
    [ "$rc" -eq 0 ] || die "pytest exited with $rc"
}

main() {
    banner "setup: Rust toolchain, Python venvs with the reference hat-juggler, npm packages, Chromium, WebKitGTK and tauri-driver"
    ensure_rust
    ensure_venv "$REF06_DIR" "$REF06_SPEC" "$REF06_WANT"
    ensure_venv "$REF07_DIR" "$REF07_SPEC" "$REF07_WANT"
    ensure_node
    ensure_chromium
    ensure_desktop

    local log rc

    banner "cargo fmt --all -- --check"
    cargo fmt --all -- --check || die "code is not formatted: run 'cargo fmt --all'"

    banner "cargo clippy --workspace --all-targets -- -D warnings"
    cargo clippy --workspace --all-targets -- -D warnings </dev/null ||
        die "clippy found problems"

    banner "ui: svelte-check and Vitest"
    (cd ui && npm run check --silent </dev/null) || die "svelte-check found problems in ui/"
    log="$LOG_DIR/vitest.json"
    rc=0
    (cd ui && npx vitest run --reporter=default --reporter=json --outputFile="$log" </dev/null) || rc=$?
    if [ -f "$log" ]; then
        add_counts $(node -e 'const r=require(process.argv[1]);console.log(r.numPassedTests,r.numFailedTests,r.numPendingTests+r.numTodoTests)' "$log")
    fi
    [ "$rc" -eq 0 ] || die "the UI unit tests (Vitest) failed"

    banner "cargo build --workspace --bins --examples"
    cargo build --workspace --bins --examples </dev/null || die "build failed"

    banner "cargo test --workspace"
    log="$LOG_DIR/cargo-test.log"
    rc=0
    cargo test --workspace </dev/null 2>&1 | tee "$log" || rc=$?
    count_cargo "$log"
    [ "$rc" -eq 0 ] || die "cargo test exited with $rc"

    run_pytest "$REF06_DIR"
    run_pytest "$REF07_DIR"

    tap_stage "node --test tests/npm (@hat-open/juggler 0.6.18 and 0.7.0 against our server)" \
        "the npm interop tests failed" tests/npm \
        env JUGGLER_BENCH_SERVER="$TARGET_DIR/debug/examples/bench_server" npm test --silent

    tap_stage "node --test tests/e2e (juggler-studio serve and proxy, @hat-open/juggler pages and the builder's dashboard runtime in headless Chromium)" \
        "the browser end-to-end tests failed (screenshots and logs in tests/e2e/artifacts/)" tests/e2e \
        env JUGGLER_STUDIO="$TARGET_DIR/debug/juggler-studio" CHROMIUM="$CHROMIUM" \
        REFERENCE_PYTHON="$ROOT/$REF06_DIR/bin/python" REFERENCE_PYTHON_07="$ROOT/$REF07_DIR/bin/python" npm test --silent

    tap_stage "node --test tests/ui (the studio UI of juggler-studio serve --ui in headless Chromium)" \
        "the studio UI end-to-end tests failed (screenshots and logs in tests/ui/artifacts/)" tests/ui \
        env JUGGLER_STUDIO="$TARGET_DIR/debug/juggler-studio" CHROMIUM="$CHROMIUM" npm test --silent

    tap_stage "scripts/desktop-test.sh (the desktop app's window under Xvfb over WebDriver, a dashboard in headless Chromium)" \
        "the desktop end-to-end tests failed (screenshots and logs in tests/desktop/artifacts/)" . \
        env DESKTOP_TEST_SKIP_UI_BUILD=1 CHROMIUM="$CHROMIUM" scripts/desktop-test.sh

    echo
    echo "test.sh: all $STAGES_TOTAL stages passed"
    summary
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main "$@"
fi
