#!/usr/bin/env bash
# Copies the pane screenshots that the UI end-to-end tests take
# (tests/ui/artifacts/screenshots/, after `scripts/test.sh` or
# `cd tests/ui && npm test`), and the desktop window that the desktop test
# takes, and the builder's from tests/e2e/builder-ui.test.mjs, to docs/screenshots/, where the README shows them. Run it after a UI change that the README's pictures should show.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/tests/ui/artifacts/screenshots"
DST="$ROOT/docs/screenshots"
SHOTS=(server state notify requests connections traffic-dark client timeline proxy faults scenarios)
mkdir -p "$DST"
missing=0
for name in "${SHOTS[@]}"; do
    if [ -f "$SRC/$name.png" ]; then
        cp "$SRC/$name.png" "$DST/$name.png"
        echo "docs/screenshots/$name.png"
    else
        echo "missing: $SRC/$name.png" >&2
        missing=1
    fi
done
# The builder and a dashboard built with it (tests/e2e/builder-ui.test.mjs).
for name in builder built-dashboard; do
    if [ -f "$ROOT/tests/e2e/artifacts/screenshots/$name.png" ]; then
        cp "$ROOT/tests/e2e/artifacts/screenshots/$name.png" "$DST/$name.png"
        echo "docs/screenshots/$name.png"
    else
        echo "missing: tests/e2e/artifacts/screenshots/$name.png (cd tests/e2e && npm test)" >&2
        missing=1
    fi
done
# The desktop window, as the desktop test (scripts/desktop-test.sh) left it.
if [ -f "$ROOT/tests/desktop/artifacts/window.png" ]; then
    cp "$ROOT/tests/desktop/artifacts/window.png" "$DST/desktop.png"
    echo "docs/screenshots/desktop.png"
else
    echo "missing: tests/desktop/artifacts/window.png (run scripts/desktop-test.sh)" >&2
    missing=1
fi
if [ "$missing" = 1 ]; then
    echo "update-screenshots.sh: run the UI end-to-end tests first (cd tests/ui && npm test)" >&2
    exit 1
fi
