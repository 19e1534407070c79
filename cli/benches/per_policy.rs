//! Every AWS managed policy of the corpus refined on its own, against its
//! seeded unused list: the distribution, and the slowest policies by name.
//! `cargo bench -p pare-cli --bench per_policy`.

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use pare_engine::{Options, refine};

use common::{ARTICLE_POLICY, CORPUS, catalog};

/// Runs per policy; the median of them is the policy's figure.
const RUNS: usize = 7;

fn main() {
    // `cargo bench` passes `--bench`; a filter that names another benchmark skips this one.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filters.is_empty() && !filters.iter().any(|f| "per_policy".contains(f.as_str())) {
        return;
    }
    let table = catalog();
    let cases = &*CORPUS;
    let baseline = median_of(201, || {
        let value: Option<serde_json::Value> = serde_json::from_str(black_box(ARTICLE_POLICY)).ok();
        black_box(value.and_then(|v| serde_json::to_string_pretty(&v).ok()));
    });

    let mut figures: Vec<(Duration, &str, usize)> = cases
        .iter()
        .map(|case| {
            let time = median_of(RUNS, || {
                black_box(refine(
                    &case.policy,
                    &case.unused,
                    table,
                    &Options::default(),
                ));
            });
            let edits = refine(&case.policy, &case.unused, table, &Options::default())
                .edits
                .len();
            (time, case.name.as_str(), edits)
        })
        .collect();
    figures.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));

    let total: Duration = figures.iter().map(|f| f.0).sum();
    let mut ascending: Vec<Duration> = figures.iter().map(|f| f.0).collect();
    ascending.sort();
    let quantile = |q: f64| -> Duration {
        let index = ((ascending.len().saturating_sub(1)) as f64 * q).round() as usize;
        ascending.get(index).copied().unwrap_or_default()
    };
    let ratio = |d: Duration| d.as_secs_f64() / baseline.as_secs_f64().max(1e-12);

    println!(
        "per_policy: {} managed policies, {} actions in the catalog, median of {RUNS} runs each",
        figures.len(),
        table.len()
    );
    println!(
        "baseline (serde_json read+write of the article's policy): {}",
        show(baseline)
    );
    println!("{:<40} {:>12} {:>12}", "figure", "time", "x baseline");
    for (label, value) in [
        ("sum over all policies", total),
        ("median policy", quantile(0.5)),
        ("90th percentile", quantile(0.9)),
        ("99th percentile", quantile(0.99)),
        ("slowest policy", quantile(1.0)),
    ] {
        println!("{label:<40} {:>12} {:>12.1}", show(value), ratio(value));
    }
    println!("slowest ten:");
    for (time, name, edits) in figures.iter().take(10) {
        println!("  {name:<60} {:>12} {edits:>5} edits", show(*time));
    }
}

/// The median wall time of `runs` calls of `f`.
fn median_of(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// A duration in the unit that suits it.
fn show(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    if ns >= 1e9 {
        format!("{:.3} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.3} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}
