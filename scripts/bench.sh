#!/usr/bin/env bash
# Runs the benchmark suite and prints a table of medians, each as a ratio to a
# baseline measured in the same run. See docs/performance.md; options:
# --quick, --no-engine, --no-corpus, --no-process, --runs N.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v python3 >/dev/null 2>&1; then
  echo "bench: python3 is not installed; running the suite without the summary table" >&2
  cargo bench -p pare-engine --bench engine
  cargo bench -p pare-cli --bench cli
  cargo bench -p pare-engine --bench per_policy
  exit 0
fi
exec python3 scripts/bench.py "$@"
