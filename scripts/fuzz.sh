#!/usr/bin/env bash
# Runs the cargo-fuzz targets of fuzz/ (see fuzz/README.md).
#
#   scripts/fuzz.sh                 every target, 60 s each
#   scripts/fuzz.sh patch_apply 600 one target for 10 minutes
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked --root .tools`, or in
# ~/.cargo). On a stable toolchain RUSTC_BOOTSTRAP=1 lets libFuzzer's
# nightly flags through; the sanitizer is off (safe Rust, and ASan needs -Z
# flags that stable rejects). Runs niced: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
export PATH="$PWD/../.tools/bin:$PATH"
export RUSTC_BOOTSTRAP=1
targets=(frame_decode patch_apply path_ops workspace_parse)
if [[ $# -ge 1 && $1 != all ]]; then targets=("$1"); fi
seconds=${2:-60}
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  echo "== $t: ${seconds}s"
  nice -n 10 cargo fuzz run --sanitizer none -O "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 -max_len=65536
done
