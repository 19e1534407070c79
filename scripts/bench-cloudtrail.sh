#!/usr/bin/env bash
# CloudTrail throughput and memory, as ratios measured in one run:
#   1. pare's scan against the floor (inflate + deserialize the same fields),
#      on generated logs of the documented record layout (cli/benches/cloudtrail.rs);
#   2. `pare usage` against Trailscraper (PyPI) on the same files, wall time;
#   3. `pare usage`'s peak memory at 1x and 4x the logs: it follows the
#      distinct (principal, action) pairs, not the volume.
# Usage: scripts/bench-cloudtrail.sh [FILES] [EVENTS_PER_FILE]
# Trailscraper is installed into a venv under $TMPDIR when missing
# (set TRAILSCRAPER=/path/to/trailscraper to use another, or SKIP_TRAILSCRAPER=1).
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-32}
events=${2:-1000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cargo build --release --locked -p pare-cli --quiet
bench=$(cargo bench --locked -p pare-cli --bench cloudtrail --no-run --message-format=json 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*cloudtrail[^"]*\)".*/\1/p' | tail -1)
pare=target/release/pare

echo "== pare vs the floor"
"$bench" --files "$files" --events "$events"

"$bench" --files "$files" --events "$events" --dir "$tmp/x1/AWSLogs" --generate-only >/dev/null
"$bench" --files $((files * 4)) --events "$events" --dir "$tmp/x4/AWSLogs" --generate-only >/dev/null

measure() { # prints "wall_seconds max_rss_kb"
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/stderr" || { cat "$tmp/stderr"; exit 1; }
    cat "$tmp/time"
}

echo "== pare usage vs Trailscraper, same $files files"
read -r pare_s pare_kb < <(measure "$pare" usage --cloudtrail "$tmp/x1/AWSLogs" --as-of 2026-06-01 -o "$tmp/usage.json")
echo "pare usage:   ${pare_s} s, peak ${pare_kb} KB"
if [ "${SKIP_TRAILSCRAPER:-0}" != 1 ]; then
    ts=${TRAILSCRAPER:-}
    if [ -z "$ts" ]; then
        venv=${TMPDIR:-/tmp}/pare-bench-trailscraper
        [ -x "$venv/bin/trailscraper" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q trailscraper; }
        ts=$venv/bin/trailscraper
    fi
    start=$(date +%s.%N)
    "$ts" select --log-dir "$tmp/x1" --from 2026-05-01 --to 2026-06-02 | "$ts" generate >"$tmp/ts.json"
    end=$(date +%s.%N)
    ts_s=$(echo "$end - $start" | bc)
    echo "trailscraper: ${ts_s} s ($("$ts" --version 2>&1 | tail -1))"
    echo "ratio trailscraper/pare: $(echo "scale=1; $ts_s / $pare_s" | bc) (target: at least 20)"
fi

echo "== memory as the logs grow"
read -r x4_s x4_kb < <(measure "$pare" usage --cloudtrail "$tmp/x4/AWSLogs" --as-of 2026-06-01 -o "$tmp/usage4.json")
echo "1x logs ($files files): peak ${pare_kb} KB in ${pare_s} s"
echo "4x logs ($((files * 4)) files): peak ${x4_kb} KB in ${x4_s} s"
echo "ratio of peaks 4x/1x: $(echo "scale=2; $x4_kb / $pare_kb" | bc) (flat: close to 1)"
