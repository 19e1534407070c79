#!/usr/bin/env bash
# Raises the workspace's version by one patch level (0.3.1 -> 0.3.2) in
# Cargo.toml and Cargo.lock; prints the new version. The catalog freshness
# workflow runs it so that each catalog sync is released as a patch version.
set -euo pipefail
cd "$(dirname "$0")/.."
current="$(sed -n 's/^version = "\([0-9]*\.[0-9]*\.[0-9]*\)"$/\1/p' Cargo.toml | head -n 1)"
[ -n "$current" ] || { echo "bump-patch: no version in Cargo.toml" >&2; exit 2; }
IFS=. read -r major minor patch <<<"$current"
next="$major.$minor.$((patch + 1))"
# The first `version = ` line is [workspace.package]'s.
sed -i.bak "0,/^version = \"$current\"$/s//version = \"$next\"/" Cargo.toml
rm -f Cargo.toml.bak
# Only the workspace's own entries of the lockfile change.
cargo update --workspace --offline --quiet
echo "$next"
