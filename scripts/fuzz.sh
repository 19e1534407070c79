#!/usr/bin/env bash
# Fuzzes the engine's readers and the refinement with cargo-fuzz (libFuzzer).
#
#   scripts/fuzz.sh [SECONDS | --ci] [TARGET...]
#
# SECONDS per target (default 60); `--ci` is the smoke run CI does: a fixed
# number of runs per target from the committed seeds with a fixed libFuzzer
# seed, about ten seconds each (about three minutes with a cold build). Targets: policy, findings,
# refine, explain, catalog, account_out (default: all). Seeds come from fuzz/corpus/<target>/ and are copied
# into fuzz/work/<target>/ so that the inputs libFuzzer adds do not land in the
# repository. A crash leaves its input in fuzz/artifacts/<target>/ and fails
# the script; turn it into a case in snapshots/cases/bad-input/ when you fix it.
#
# This machine has only a stable toolchain, and cargo-fuzz wants nightly for
# its `-Z` flags: RUSTC_BOOTSTRAP=1 lets stable accept them, and
# `--sanitizer none` skips AddressSanitizer, which stable cannot build (the
# engine forbids `unsafe`, so ASan would find little). Coverage guidance works.
set -euo pipefail

seconds=60
# CI fixes libFuzzer's seed, starts from the committed seeds alone and counts
# runs instead of seconds, so that a CI run does exactly what the same run
# did here: a red CI is a real crash, reproducible, not a slow machine.
ci=false
seed=()
case "${1:-}" in
    --ci) ci=true; seconds=60; seed=(-seed=1); shift ;;
    ''|*[!0-9]*) ;;
    *) seconds="$1"; shift ;;
esac
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    targets=(policy findings refine explain catalog account_out)
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz from crates.io" >&2
    cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1
status=0
# Runs per target in CI: at most ten seconds each on a 2-core machine.
ci_runs() {
    case "$1" in
        policy | findings) echo 1000000 ;;
        refine) echo 300000 ;;
        # Against the embedded catalog an input costs up to a second.
        catalog) echo 3000 ;;
        # Each run writes, syncs and reads a plan directory: about 75 runs a second.
        account_out) echo 700 ;;
        *) echo 200000 ;;
    esac
}

for target in "${targets[@]}"; do
    runs=()
    if "$ci"; then
        rm -rf "work/$target"
        runs=(-runs="$(ci_runs "$target")")
    fi
    mkdir -p "work/$target"
    cp -n corpus/"$target"/* "work/$target/" 2>/dev/null || true
    if "$ci"; then echo "fuzz.sh: $target, ${runs[0]#-runs=} runs" >&2; else echo "fuzz.sh: $target for ${seconds}s" >&2; fi
    # -timeout: an input that takes longer than 10 s counts as a hang (a bug).
    if ! cargo fuzz run --sanitizer none -O "$target" "work/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
        -print_final_stats=1 "${seed[@]}" "${runs[@]}" 2>"work/$target.log"; then
        status=1
        echo "fuzz.sh: $target FAILED; the last lines of fuzz/work/$target.log:" >&2
        tail -n 40 "work/$target.log" >&2
        ls -1 "artifacts/$target" >&2 2>/dev/null || true
    else
        grep -a -E '^stat::number_of_executed_units|^Done' "work/$target.log" >&2 || true
    fi
done
exit "$status"
