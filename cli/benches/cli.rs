//! The CLI's share of the benchmark suite: `cargo bench -p pare-cli --bench cli`
//! (the engine's suite is `cargo bench -p pare-engine --bench engine`;
//! `scripts/bench.sh` runs both and prints medians as ratios to each one's
//! baseline).
//!
//! The same binary writes the generated inputs `scripts/bench.sh` times the
//! release `pare` on: `PARE_BENCH_WRITE_ACCOUNT=DIR` and `PARE_BENCH_WRITE_ORG=DIR`.

use divan::Bencher;
use pare_engine::{Policy, RefineOptions, UnusedSet, refine};
use pare_testkit::fixtures::{ACCOUNT, catalog};
use pare_testkit::synthetic;

fn main() {
    // `PARE_BENCH_WRITE_ACCOUNT=DIR` writes the synthetic account of the
    // engine's `account` benchmarks there instead (for timing `pare account`
    // as a whole).
    if let Some(dir) = std::env::var_os("PARE_BENCH_WRITE_ACCOUNT") {
        let dir = std::path::PathBuf::from(dir);
        let written = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(dir.join("details.json"), &ACCOUNT.details))
            .and_then(|()| std::fs::write(dir.join("findings.jsonl"), &ACCOUNT.findings));
        if let Err(e) = written {
            eprintln!(
                "bench: cannot write the account into `{}`: {e}",
                dir.display()
            );
            std::process::exit(2);
        }
        return;
    }
    // `PARE_BENCH_WRITE_ORG=DIR` writes an organization of synthetic accounts
    // there (`PARE_BENCH_ORG=ACCOUNTSxROLES`, 100x1000 unless set):
    // `DIR/details/<account-id>.json` and every account's findings in
    // `DIR/findings.jsonl`, for timing `pare account DIR/details`.
    if let Some(dir) = std::env::var_os("PARE_BENCH_WRITE_ORG") {
        if let Err(e) = write_org(std::path::Path::new(&dir)) {
            eprintln!("bench: cannot write the organization: {e}");
            std::process::exit(2);
        }
        return;
    }
    if catalog().len() < 10_000 {
        eprintln!(
            "bench: the catalog has fewer than 10,000 actions; is the embedded table generated?"
        );
        std::process::exit(2);
    }
    divan::main();
}

/// Writes the organization of `PARE_BENCH_WRITE_ORG` (see `main`): account
/// `n` is `synthetic::generate` with seed `n + 1` and the id `1000000000nn`.
fn write_org(dir: &std::path::Path) -> Result<(), String> {
    let shape = std::env::var("PARE_BENCH_ORG").unwrap_or_else(|_| "100x1000".to_string());
    let parsed = shape
        .split_once('x')
        .and_then(|(a, r)| Some((a.parse::<u64>().ok()?, r.parse::<usize>().ok()?)));
    let Some((accounts, roles)) = parsed else {
        return Err(format!("PARE_BENCH_ORG `{shape}` is not ACCOUNTSxROLES"));
    };
    let details = dir.join("details");
    std::fs::create_dir_all(&details).map_err(|e| e.to_string())?;
    let mut findings = String::new();
    for n in 0..accounts {
        let id = format!("{:012}", 100_000_000_000 + n + 1);
        let account = synthetic::generate(catalog(), roles, n + 1);
        std::fs::write(
            details.join(format!("{id}.json")),
            account.details.replace(synthetic::ACCOUNT_ID, &id),
        )
        .map_err(|e| e.to_string())?;
        findings.push_str(&account.findings.replace(synthetic::ACCOUNT_ID, &id));
        if !findings.ends_with('\n') {
            findings.push('\n');
        }
    }
    std::fs::write(dir.join("findings.jsonl"), findings).map_err(|e| e.to_string())
}

/// The engine suite's baseline, measured again in this run: what this
/// binary's ratios are taken against.
#[divan::bench]
fn baseline() -> Option<String> {
    pare_testkit::fixtures::baseline()
}

/// Inputs built to be slow (issue 11) whose cost is the CLI's: the diff of
/// very large policies (the engine's are in `engine/benches/engine.rs`,
/// under the same module name).
mod hostile {
    use super::*;

    /// `n` statements of three entries each, one Sid and bucket apiece.
    fn statements(n: usize) -> String {
        let statements: Vec<serde_json::Value> = (0..n)
            .map(|i| {
                serde_json::json!({
                    "Sid": format!("S{i}"),
                    "Effect": "Allow",
                    "Action": ["s3:Get*", "ec2:Describe*", "lambda:InvokeFunction"],
                    "Resource": format!("arn:aws:s3:::b{i}/*"),
                })
            })
            .collect();
        serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
    }

    /// The texts `--format diff` compares for a policy of `n` statements.
    fn diff_texts(n: usize) -> Option<(String, String)> {
        let policy = Policy::parse(&statements(n)).ok()?;
        let unused = UnusedSet::parse("s3:GetObjectAcl\nec2:DescribeImages\n").ok()?;
        let refined = refine(&policy, &unused, catalog(), &RefineOptions::default());
        Some((policy.to_pretty_string(), refined.policy.to_pretty_string()))
    }

    /// `--format diff` of 2,000 and 8,000 refined statements (13 s and over
    /// 2 minutes before this work).
    #[divan::bench(args = [2_000, 8_000], sample_count = 3, sample_size = 1)]
    fn diff(bencher: Bencher, n: usize) {
        let Some((old, new)) = diff_texts(n) else {
            return;
        };
        bencher.bench(|| pare_cli::diff::unified("original", &old, "refined", &new));
    }
}
