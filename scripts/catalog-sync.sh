#!/usr/bin/env bash
# The regenerating steps of the catalog freshness workflow, in one place so
# that the workflow and the sync rehearsal (scripts/sync-rehearsal.sh) run
# exactly the same commands:
#
#   scripts/catalog-sync.sh [SYNC-CATALOG FLAGS...]
#
# e.g. `scripts/catalog-sync.sh --report catalog-report.md` (the live endpoint)
# or `--source DIR`. It regenerates the table and the tests' copy of the
# reference, accepts the snapshots the new table moves (the reviewer reads
# them in the pull request's diff), then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> cargo xtask sync-catalog $* --no-snapshots" >&2
cargo xtask sync-catalog "$@" --no-snapshots

echo "==> accepting the snapshots the new table moves" >&2
INSTA_UPDATE=always INSTA_FORCE_PASS=1 cargo test --locked -p pare-snapshots

echo "==> cargo test --workspace --locked" >&2
cargo test --workspace --locked
