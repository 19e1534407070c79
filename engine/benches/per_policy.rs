//! Every AWS managed policy of the corpus refined on its own, against its
//! seeded unused lists: totals per density, the distribution, and the
//! slowest policies by name. `cargo bench -p pare-engine --bench per_policy`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use pare_engine::{RefineOptions, refine};
use pare_testkit::Density;
use pare_testkit::fixtures::{CORPUS, Case, catalog};

/// Runs per policy and list; the median of them is the figure.
const RUNS: usize = 5;

/// The density whose lists are reported policy by policy (all three are summed).
const REPORTED: Density = Density::Half;

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
    // `PARE_BENCH_POLICY=Name[,Name...]` narrows the run to those policies (for profiling).
    let only: Option<Vec<String>> = std::env::var("PARE_BENCH_POLICY")
        .ok()
        .map(|names| names.split(',').map(str::to_string).collect());
    let cases: Vec<&Case> = CORPUS
        .iter()
        .filter(|case| only.as_ref().is_none_or(|names| names.contains(&case.name)))
        .collect();
    let baseline = median_of(201, || {
        black_box(pare_testkit::fixtures::baseline());
    });

    let mut figures: Vec<(Duration, &str, usize)> = Vec::with_capacity(cases.len());
    let mut totals: Vec<(Density, Duration)> =
        Density::ALL.iter().map(|d| (*d, Duration::ZERO)).collect();
    for case in &cases {
        for (density, total) in totals.iter_mut() {
            let Some(unused) = case.unused(*density) else {
                continue;
            };
            let time = median_of(RUNS, || {
                black_box(refine(
                    &case.policy,
                    unused,
                    table,
                    &RefineOptions::default(),
                ));
            });
            *total += time;
            if *density == REPORTED {
                let edits = refine(&case.policy, unused, table, &RefineOptions::default())
                    .edits
                    .len();
                figures.push((time, case.name.as_str(), edits));
            }
        }
    }
    figures.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));

    let mut ascending: Vec<Duration> = figures.iter().map(|f| f.0).collect();
    ascending.sort();
    let quantile = |q: f64| -> Duration {
        let index = ((ascending.len().saturating_sub(1)) as f64 * q).round() as usize;
        ascending.get(index).copied().unwrap_or_default()
    };
    let ratio = |d: Duration| d.as_secs_f64() / baseline.as_secs_f64().max(1e-12);
    let row = |label: &str, value: Duration| {
        println!("{label:<44} {:>12} {:>12.0}", show(value), ratio(value));
    };

    println!(
        "per_policy: {} managed policies, {} actions in the catalog, median of {RUNS} runs each",
        figures.len(),
        table.len()
    );
    println!("{:<44} {:>12} {:>12}", "figure", "time", "x baseline");
    row("baseline: serde_json read+write, article policy", baseline);
    for (density, total) in &totals {
        row(&format!("all policies, {density:?} lists"), *total);
    }
    for (label, q) in [
        ("one policy, median", 0.5),
        ("one policy, 90th percentile", 0.9),
        ("one policy, 99th percentile", 0.99),
        ("one policy, slowest", 1.0),
    ] {
        row(&format!("{label} ({REPORTED:?})"), quantile(q));
    }
    println!("slowest ten ({REPORTED:?} lists):");
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
