#!/usr/bin/env bash
# Rehearses the weekly catalog sync end to end, offline, on a copy of the
# workspace: builds a "next" reference from the committed test copy (services
# added and retired, actions added; scripts/next-reference.py), runs the
# freshness workflow's own steps on it (scripts/catalog-sync.sh: sync,
# accept snapshots, `cargo test --workspace`), and checks that
#   - every step passes, so the workflow would open its pull request;
#   - the change report names every added and retired service;
#   - the sync moved only what a sync may move: the version (the patch bump),
#     the table, the test copy of the reference and the `real/` snapshots;
#   - a second sync of the same data served from another origin, in another
#     layout, changes nothing at all.
#
#   scripts/sync-rehearsal.sh
#
# The copy lives in target/sync-rehearsal/ and builds into this workspace's
# target directory, so only pare's own crates compile again.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$root/target/sync-rehearsal"
ws="$scratch/workspace"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

fail() { echo "sync-rehearsal: $*" >&2; exit 1; }

rm -rf "$scratch"
mkdir -p "$ws"
# The workspace as it is now (committed or not), without build outputs.
(cd "$root" && git ls-files -z --cached --others --exclude-standard) |
    (cd "$root" && tar --null --ignore-failed-read -T - -cf -) | tar -xf - -C "$ws"
git -C "$ws" init -q
git -C "$ws" add -A
git -C "$ws" -c user.name=rehearsal -c user.email=rehearsal@invalid commit -qm before

python3 "$root/scripts/next-reference.py" "$ws" "$scratch/next" >"$scratch/expected"
echo "sync-rehearsal: the next reference has:" $(cat "$scratch/expected") >&2

# The workflow's step, with the live endpoint replaced by the next reference.
# The SDK metadata is the committed copy: the rehearsal stays offline.
sdk="$ws/catalog/tests/data/aws-sdk/botocore.json"
(cd "$ws" && scripts/bump-patch.sh >/dev/null && scripts/catalog-sync.sh --source "$scratch/next" \
    --sdk-source "$sdk" --quiet --report "$scratch/report.md") || fail "the freshness workflow's steps failed on the next reference"

while read -r what name; do
    grep -q -- "\`$name\`" "$scratch/report.md" ||
        fail "the change report does not name the $what service \`$name\`"
done <"$scratch/expected"

# Only what a sync may move has moved.
moved="$(git -C "$ws" status --porcelain --untracked-files=all | cut -c4-)"
[ -n "$moved" ] || fail "the sync changed nothing"
unexpected="$(printf '%s\n' "$moved" | grep -v \
    -e '^Cargo\.toml$' -e '^Cargo\.lock$' \
    -e '^catalog/src/generated\.rs$' \
    -e '^catalog/src/events_generated\.rs$' \
    -e '^catalog/tests/data/service-reference/' \
    -e '^snapshots/tests/it/snapshots/cases@real__' \
    -e '^snapshots/tests/it/snapshots/cases@cloudtrail__' || true)"
[ -z "$unexpected" ] || fail "the sync moved files outside the table, the test copy and real/:
$unexpected"
git -C "$ws" add -A
git -C "$ws" -c user.name=rehearsal -c user.email=rehearsal@invalid commit -qm after

# The same data from another origin, in another layout: no diff at all.
python3 - "$scratch/next" "$scratch/elsewhere" <<'PY'
import json, shutil, sys
src, out = sys.argv[1], sys.argv[2]
shutil.copytree(src, out)
with open(f"{out}/index.json") as f:
    index = json.load(f)
for e in index:
    e["url"] = f"http://mirror.invalid:8080/aws/v1/{e['service']}/{e['service']}.json"
with open(f"{out}/index.json", "w") as f:
    json.dump(index[::-1], f, separators=(",", ":"))
PY
(cd "$ws" && cargo xtask sync-catalog --source "$scratch/elsewhere" --sdk-source "$sdk" --quiet --no-snapshots) ||
    fail "the second sync failed"
again="$(git -C "$ws" status --porcelain --untracked-files=all)"
[ -z "$again" ] || fail "a sync of unchanged data from another origin left a diff:
$again"

echo "sync-rehearsal: ok: the workflow's steps pass, the report names every added and retired service, and only the table, the test copy and real/ snapshots moved" >&2
rm -rf "$scratch"
