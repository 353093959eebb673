#!/usr/bin/env bash
# Runs one cargo-fuzz target of natskit-proto for a bounded time.
#
#   scripts/fuzz.sh <target> [seconds]     (default 60 seconds)
#
# Targets: decode_server_ops, decode_client_ops, decode_broker_ops, headers (fuzz/fuzz_targets/).
# Installs cargo-fuzz when it is missing. cargo fuzz needs nightly compiler flags; on a stable
# toolchain RUSTC_BOOTSTRAP=1 unlocks them. The inputs the fuzzer finds go to fuzz/corpus/<target>
# (git-ignored); the committed seeds in fuzz/seeds/<target> are read but never written. Crashes
# land in fuzz/artifacts/<target>; replay one with `scripts/fuzz.sh <target> 0 <crash file>`.
#
# Environment: FUZZ_SANITIZER (default address; `none` if the sanitizer runtime is unavailable),
# FUZZ_ARGS (extra libFuzzer flags, e.g. "-max_len=8192"), CARGO_TARGET_DIR (build directory).
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 <decode_server_ops|decode_client_ops|headers> [seconds] [input-to-replay]" >&2
    exit 2
fi
target=$1
seconds=${2:-60}
replay=${3:-}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root/fuzz"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1
sanitizer=${FUZZ_SANITIZER:-address}

if [[ -n "$replay" ]]; then
    exec cargo fuzz run --sanitizer "$sanitizer" "$target" "$replay"
fi

mkdir -p "corpus/$target"
# Without -jobs/-workers libFuzzer fuzzes in this one process (-jobs=1 would fork a child
# and send its output to fuzz-0.log): one core, as the machine has two and other work to do.
# shellcheck disable=SC2086
exec cargo fuzz run --sanitizer "$sanitizer" "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 ${FUZZ_ARGS:-}
