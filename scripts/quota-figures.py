#!/usr/bin/env python3
"""How many refinements of the AWS managed policy corpus exceed IAM's size
quotas, before and after the split alternative (docs/quotas.md).

    scripts/quota-figures.py CORPUS.json [--pare BIN] [--limit N]

CORPUS.json is `{"<PolicyName>": <document>, ...}` (the managed policy corpus
kept outside the repository); nothing here is needed at test time. For each
policy, the scenario of issue #18 ("a shared managed policy went from 195 to
957 characters to remove two actions"): the first two actions it grants (in
the order of its statements, a wildcard expanded by `pare expand`) are
reported unused, and the policy is refined twice, concise (the default) and
with `--no-wildcards`. A result over a quota is then offered the split that
`pare refine` reports ("it fits as N managed policies"): it fits when N is
at most 10 attached policies (IAM's default; 20 with a raised quota).

Prints a Markdown table and one line per policy over a quota.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

QUOTAS = [("managed policy", 6144), ("inline policies of a role", 10240),
          ("inline policies of a group", 5120), ("inline policies of a user", 2048)]


def pare(bin_, args):
    run = subprocess.run([bin_] + args, capture_output=True, text=True)
    return run.returncode, run.stdout, run.stderr


def first_actions(bin_, document, n=2):
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    found = []
    for s in statements:
        if s.get("Effect") != "Allow" or "Action" not in s:
            continue
        actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
        for a in actions:
            if a == "*":
                continue
            if "*" in a or "?" in a:
                code, out, _ = pare(bin_, ["expand", a])
                names = out.split() if code == 0 else []
            else:
                names = [a]
            for name in names:
                if name not in found:
                    found.append(name)
                if len(found) == n:
                    return found
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--pare", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "pare"))
    ap.add_argument("--limit", type=int, default=0, help="only the first N policies")
    args = ap.parse_args()
    corpus = json.load(open(args.corpus))
    names = sorted(corpus)[: args.limit or None]
    modes = {"concise": [], "--no-wildcards": ["--no-wildcards"]}
    counts = {m: {"refined": 0, "before": {q: 0 for q, _ in QUOTAS},
                  "after": {q: 0 for q, _ in QUOTAS}, "split10": 0, "split20": 0,
                  "nosplit": 0, "over20": 0, "newly": 0, "max_parts": 0}
              for m in modes}
    over_lines = []
    originals_over = {q: 0 for q, _ in QUOTAS}
    with tempfile.TemporaryDirectory() as tmp:
        policy_path = os.path.join(tmp, "policy.json")
        unused_path = os.path.join(tmp, "unused.txt")
        for name in names:
            document = corpus[name]
            with open(policy_path, "w") as f:
                json.dump(document, f)
            unused = first_actions(args.pare, document)
            if not unused:
                continue
            with open(unused_path, "w") as f:
                f.write("\n".join(unused) + "\n")
            for mode, extra in modes.items():
                code, out, err = pare(args.pare, ["refine", policy_path, "--unused", unused_path,
                                                  "--format", "json"] + extra)
                if code not in (0, 3):
                    continue
                result = json.loads(out)
                size = result["size"]
                c = counts[mode]
                c["refined"] += 1
                for q, limit in QUOTAS:
                    if mode == "concise" and size["before"] > limit:
                        originals_over[q] += 1
                    if size["before"] > limit:
                        c["before"][q] += 1
                    if size["after"] > limit:
                        c["after"][q] += 1
                if size["after"] > 6144 >= size["before"]:
                    c["newly"] += 1
                if size["after"] > 6144:
                    m = re.search(r"it fits as (\d+) managed policies", err)
                    if m:
                        parts = int(m.group(1))
                        c["max_parts"] = max(c["max_parts"], parts)
                        if parts <= 10:
                            c["split10"] += 1
                        elif parts <= 20:
                            c["split20"] += 1
                        else:
                            c["over20"] += 1
                    else:
                        c["nosplit"] += 1
                    over_lines.append(f"{mode}: {name}: {size['before']} -> {size['after']}"
                                      + (f" ({m.group(1)} parts)" if m else " (no split)"))
    print(f"{len(names)} policies; two actions each reported unused\n")
    print("| | concise (default) | `--no-wildcards` |")
    print("| --- | ---: | ---: |")
    print(f"| refined | {counts['concise']['refined']} | {counts['--no-wildcards']['refined']} |")
    for q, limit in QUOTAS:
        print(f"| original over {q} ({limit:,}) | {counts['concise']['before'][q]} | "
              f"{counts['--no-wildcards']['before'][q]} |")
        print(f"| refined over {q} ({limit:,}) | {counts['concise']['after'][q]} | "
              f"{counts['--no-wildcards']['after'][q]} |")
    for key, label in [("newly", "managed: over after refining, not before"),
                       ("split10", "managed: over, fits split within 10 attached"),
                       ("split20", "managed: over, fits split within 20 attached only"),
                       ("over20", "managed: over, a split needs more than 20"),
                       ("nosplit", "managed: over, no split by statement fits"),
                       ("max_parts", "most parts a split needs")]:
        print(f"| {label} | {counts['concise'][key]} | {counts['--no-wildcards'][key]} |")
    print()
    for line in over_lines:
        print(line)


if __name__ == "__main__":
    sys.exit(main())
