#!/usr/bin/env python3
"""Runs pare's benchmark suite and prints a table of medians, each as a ratio
to a baseline measured in the same run, so that figures from a busy or slow
machine still compare with each other.

- Engine and CLI (cargo bench -p pare-engine --bench engine and
  -p pare-cli --bench cli, divan): ratios to `baseline`, reading and writing
  the article's policy with serde_json alone, which each binary measures in
  its own run.
- Corpus, policy by policy (cargo bench -p pare-engine --bench per_policy):
  its own table.
- Whole process (the release `pare` binary): wall time and peak resident
  memory of each command, ratios to `pare --version` (process start alone).

Only the standard library: no hyperfine or GNU time needed (each child's peak
RSS comes from wait4). Usage: scripts/bench.sh [--quick] [--no-engine]
[--no-corpus] [--no-process] [--runs N]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNITS = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def log(message):
    print(message, file=sys.stderr, flush=True)


def run(cmd, env=None):
    """Runs a build or bench command, its progress on stderr, and returns stdout."""
    log("$ " + " ".join(cmd))
    merged = dict(os.environ, **(env or {}))
    done = subprocess.run(cmd, cwd=ROOT, env=merged, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"bench: `{' '.join(cmd)}` failed with exit code {done.returncode}")
    return done.stdout


def seconds(text):
    """`168.8 µs` -> 0.0001688."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*(ns|µs|us|ms|s)\s*", text)
    return float(match.group(1)) * UNITS[match.group(2)] if match else None


def parse_divan(output):
    """Divan's tree table -> [(path, median seconds)], paths like `article/embedded_catalog`."""
    results, stack = [], []
    for line in output.splitlines():
        columns = line.split("│")
        # A row: tree and name and fastest, slowest, median, mean, samples, iters.
        if len(columns) < 6:
            continue
        head = "│".join(columns[:-5])
        name_match = re.search(r"[A-Za-z0-9_]", head)
        if not name_match:
            continue
        depth = name_match.start() // 3
        name = head[name_match.start():].split()[0]
        if depth == 0 and not re.search(r"[├╰]", head):
            # The header row names the bench binary.
            stack = []
            continue
        stack = stack[: depth - 1] + [name]
        median = seconds(columns[-3])
        if median is not None:
            results.append(("/".join(stack), median))
    return results


def show(value):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}" if value / scale < 100 else f"{value / scale:.0f} {unit}"
    return f"{value / 1e-9:.0f} ns"


GNU_TIME = "/usr/bin/time"


def spawn(argv):
    """Runs `argv` to its end: (wall seconds, the child's ru_maxrss in bytes)."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"bench: `{' '.join(map(str, argv))}` exited with {code}")
    return wall, usage.ru_maxrss * 1024  # Linux reports KiB.


def peak_memory(argv):
    """Peak RSS in bytes, and whether it is exact.

    A child forked from this Python process starts with Python's resident
    pages, and the kernel's high-water mark keeps them across exec, so wait4
    overstates a small program. GNU time is a small parent and gives the
    program's own figure; without it the wait4 figure is an upper bound."""
    if os.access(GNU_TIME, os.X_OK):
        with tempfile.NamedTemporaryFile(mode="r") as out:
            spawn([GNU_TIME, "-f", "%M", "-o", out.name, *argv])
            text = out.read().strip().splitlines()
            if text and text[-1].isdigit():
                return int(text[-1]) * 1024, True
    return spawn(argv)[1], False


def time_process(argv, runs, warmup):
    """Median wall time over `runs` runs of `argv`, and its peak RSS."""
    walls = [spawn(argv)[0] for _ in range(warmup + runs)][warmup:]
    peak, exact = peak_memory(argv)
    return statistics.median(walls), peak, exact


def divan_results(package, bench, skips, quick):
    """One divan binary's rows and its own `baseline`."""
    args = ["cargo", "bench", "-p", package, "--bench", bench, "--"]
    if quick:
        args += ["--sample-count", "10"]
        for skip in skips:
            args += ["--skip", skip]
    results = parse_divan(run(args))
    baseline = dict(results).get("baseline")
    if not baseline:
        sys.exit(f"bench: no `baseline` row in the output of `{bench}`")
    return results, baseline


def engine_table(quick):
    # The hostile inputs take seconds each; --quick keeps the cheap ones.
    engine, engine_baseline = divan_results(
        "pare-engine", "engine",
        ["corpus", "account", "hostile::worst_10240", "hostile::wildcards_72"], quick)
    # The CLI's own benchmarks (the diff of very large policies), against the
    # baseline of their own binary.
    cli, cli_baseline = divan_results("pare-cli", "cli", [], quick)
    # The hostile inputs (issue 11) are also compared with the article's example.
    article = dict(engine).get("article/embedded_catalog")
    print("\nEngine (cargo bench -p pare-engine --bench engine) and CLI (-p pare-cli --bench cli), medians;")
    print("ratio to the same binary's `baseline` and to the article's example:")
    print(f"  {'benchmark':<46} {'median':>10} {'x baseline':>12} {'x article':>10}")
    rows = [(name, median, engine_baseline) for name, median in engine]
    rows += [(name, median, cli_baseline) for name, median in cli if name != "baseline"]
    for name, median, baseline in rows:
        versus = f"{median / article:>10,.1f}" if article else f"{'-':>10}"
        print(f"  {name:<46} {show(median):>10} {median / baseline:>12,.0f} {versus}")


def corpus_table():
    print("\nCorpus policy by policy (cargo bench -p pare-engine --bench per_policy):")
    for line in run(["cargo", "bench", "-p", "pare-engine", "--bench", "per_policy"]).splitlines():
        print("  " + line)


def process_table(runs):
    run(["cargo", "build", "--release", "-p", "pare-cli", "--bin", "pare"])
    pare = str(ROOT / "target" / "release" / "pare")
    account = Path(tempfile.mkdtemp(prefix="pare-bench-"))
    # The account the engine's `account` benchmarks plan, written by the CLI's bench binary.
    run(["cargo", "bench", "-p", "pare-cli", "--bench", "cli"], env={"PARE_BENCH_WRITE_ACCOUNT": str(account)})
    article = ["examples/article/policy.json", "--unused", "examples/article/unused.json"]
    commands = [
        ("pare --version (baseline)", [pare, "--version"], runs),
        ("true (process spawn alone)", ["true"], runs),
        ("pare refine: the article's example", [pare, "refine", *article], runs),
        ("pare refine --format json", [pare, "refine", *article, "--format", "json"], runs),
        (
            "pare account: 1,000 roles, 1,000 findings",
            [pare, "account", str(account / "details.json"), "--findings", str(account / "findings.jsonl")],
            max(3, runs // 4),
        ),
    ]
    results = []
    for label, argv, n in commands:
        log(f"timing {label} ({n} runs)")
        results.append((label, *time_process(argv, n, warmup=2)))
    baseline = results[0][1]
    print(f"\nWhole process (release binary, {runs} runs, account {max(3, runs // 4)}), medians; ratio to `pare --version`:")
    print(f"  {'command':<46} {'median':>10} {'x baseline':>12} {'peak RSS':>11}")
    for label, wall, peak, exact in results:
        bound = " " if exact else "<"
        print(f"  {label:<46} {show(wall):>10} {wall / baseline:>12.1f} {bound}{peak / 2**20:>6.1f} MB")
    if not all(exact for *_, exact in results):
        print(f"  (< : an upper bound; install GNU time, {GNU_TIME}, for the exact figure)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples; skip the corpus and account benches")
    parser.add_argument("--no-engine", action="store_true", help="skip the divan suites (engine and CLI)")
    parser.add_argument("--no-corpus", action="store_true", help="skip the policy-by-policy corpus report")
    parser.add_argument("--no-process", action="store_true", help="skip the whole-process timings")
    parser.add_argument("--runs", type=int, default=40, help="runs per whole-process command (default 40)")
    args = parser.parse_args()
    log(f"bench: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (other work on the machine makes every figure slower; the ratios hold better)")
    if not args.no_engine:
        engine_table(args.quick)
    if not args.no_corpus and not args.quick:
        corpus_table()
    if not args.no_process:
        process_table(args.runs)
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
