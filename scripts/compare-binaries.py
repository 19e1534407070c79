#!/usr/bin/env python3
"""Two `pare` binaries, run alternately on the same inputs: median CPU time
(user + system) and peak memory of each, and their ratio.

    scripts/compare-binaries.py OLD NEW [RUNS]

The inputs: the article's example, the two hostile-wildcard policies of the
benchmark suite (written to a temporary directory), `pare explain` of a
whole-catalog wildcard, and the 1,000-role synthetic account, which must be
written first:

    PARE_BENCH_WRITE_ACCOUNT=target/bench-account cargo bench -p pare-cli --bench cli

Run from the repository's root. Prints a Markdown table (docs/performance.md).
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile


def policy(entries):
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": entries, "Resource": "*"}]},
        separators=(",", ":"),
    )


def worst_10240():
    entries, i = [], 0
    while True:
        entries.append("?" * (i % 6) + "*" + "?" * (8 + i // 6) + "*")
        if len(policy(entries)) > 10240:
            entries.pop()
            return policy(entries)
        i += 1


def wildcards_72():
    return policy([f"{'?' * i}*{'?' * k}*" for k in range(8, 14) for i in range(12)][:72])


def cpu(binary, args):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([binary] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def peak_mb(binary, args):
    out = subprocess.run(
        ["/usr/bin/time", "-f", "%M", binary] + args,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
    )
    return int(out.stderr.strip().split("\n")[-1]) / 1024


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    old, new = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    article = "examples/article"
    account = "target/bench-account"
    tmp = tempfile.mkdtemp()
    for name, text in (("w72.json", wildcards_72()), ("worst.json", worst_10240())):
        with open(os.path.join(tmp, name), "w") as f:
            f.write(text)
    unused = ["--unused", f"{article}/unused.json"]
    cases = {
        "`refine` the article's example": ["refine", f"{article}/policy.json"] + unused,
        "`refine` 72 entries like `*??????????*`": ["refine", f"{tmp}/w72.json"] + unused,
        "`refine` the 10,240-character policy": ["refine", f"{tmp}/worst.json"] + unused,
        "`explain '*?????????????*'`": ["explain", "*?????????????*"] + unused,
    }
    if os.path.exists(f"{account}/details.json"):
        findings = ["--findings", f"{account}/findings.jsonl"]
        cases["`account`, 1,000 roles, table"] = ["account", f"{account}/details.json"] + findings
        cases["`account`, 1,000 roles, `--format json`"] = (
            ["account", f"{account}/details.json"] + findings + ["--format", "json"]
        )
    else:
        print(f"note: no {account}/details.json, so no account rows (see the docstring)", file=sys.stderr)
    print("| input | before (CPU s) | after (CPU s) | after / before | peak MB before | after |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, args in cases.items():
        before, after = [], []
        for _ in range(runs):
            before.append(cpu(old, args))
            after.append(cpu(new, args))
        a, b = statistics.median(before), statistics.median(after)
        print(
            f"| {name} | {a:.3f} | {b:.3f} | {b / a:.2f} | {peak_mb(old, args):.0f} | {peak_mb(new, args):.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
