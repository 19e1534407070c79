//! Fixtures shared by the benchmarks of the engine and of the CLI: the
//! article's example, the catalogs, the managed-policy corpus and seeded
//! unused lists over it.
//!
//! For benchmarks only: a fixture that cannot load (a `PARE_BENCH_*` path
//! that does not exist, say) stops the process with exit code 2 and a
//! message, since a benchmark has nowhere to return an error to.

use std::path::PathBuf;
use std::sync::LazyLock;

use pare_engine::cmp_ci;
use pare_engine::{AccessLevel, ActionTable, Known, KnownAction, Policy, UnusedSet};

use crate::synthetic::{self, Synthetic};
use crate::{Density, Rng, SEED, granted_by_service, unused_list};

/// The article's policy, as written there.
pub const ARTICLE_POLICY: &str = include_str!("../../engine/tests/data/article-policy.json");
/// The article's unused list, as written there.
pub const ARTICLE_UNUSED: &str = include_str!("../../engine/tests/data/article-unused.json");
/// The 58 `s3:Get*` actions of 2024.
const S3_GET_2024: &str = include_str!("../../engine/tests/data/s3-get-actions-2024.txt");

/// What every benchmark ratio is taken against: reading and writing the
/// article's policy with serde_json alone, the least any refinement must do.
#[inline]
pub fn baseline() -> Option<String> {
    let value: serde_json::Value =
        serde_json::from_str(std::hint::black_box(ARTICLE_POLICY)).ok()?;
    serde_json::to_string_pretty(&value).ok()
}

/// The repository root, for data files too large to compile in.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A catalog loaded from a service-reference directory, when
/// `PARE_BENCH_CATALOG` names one; the embedded table otherwise.
static LOADED: LazyLock<Option<pare_catalog::Catalog>> = LazyLock::new(|| {
    let dir = std::env::var_os("PARE_BENCH_CATALOG")?;
    match pare_catalog::load_dir(&dir) {
        Ok(catalog) => Some(catalog),
        Err(e) => {
            eprintln!("bench: cannot load PARE_BENCH_CATALOG: {e}");
            std::process::exit(2);
        }
    }
});

/// The catalog the benchmarks run against: the embedded one, unless
/// `PARE_BENCH_CATALOG` names a service-reference directory.
pub fn catalog() -> ActionTable<'static> {
    match LOADED.as_ref() {
        Some(catalog) => catalog.table(),
        None => pare_catalog::embedded(),
    }
}

/// The small catalog of the article's figure: the 2024 `s3:Get*` actions and a few others.
pub static SMALL_ROWS: LazyLock<Vec<KnownAction>> = LazyLock::new(|| {
    let mut rows: Vec<KnownAction> = S3_GET_2024
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .chain([
            "s3:ListBucket",
            "s3:PutObject",
            "lambda:InvokeFunction",
            "lambda:InvokeAsync",
            "lambda:GetPolicy",
        ])
        .map(|name| KnownAction {
            name: name.to_string().into(),
            access: AccessLevel::READ,
            last_accessed_tracked: true,
        })
        .collect();
    rows.sort_by(|a, b| cmp_ci(&a.name, &b.name));
    rows.dedup_by(|a, b| a.name.eq_ignore_ascii_case(&b.name));
    rows
});

/// The small catalog as a table.
pub fn small_catalog() -> ActionTable<'static> {
    ActionTable::from_sorted_unchecked(&SMALL_ROWS)
}

/// Where the managed-policy corpus is: `PARE_BENCH_CORPUS`, or the copy in the repository.
pub fn corpus_path() -> PathBuf {
    std::env::var_os("PARE_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("engine/tests/data/corpus/aws-managed-policies.json"))
}

/// One managed policy of the corpus with its seeded unused lists.
#[derive(Debug)]
pub struct Case {
    /// The policy's name.
    pub name: String,
    /// The parsed document.
    pub policy: Policy,
    /// One unused list per density, in [`Density::ALL`]'s order.
    pub lists: Vec<(Density, UnusedSet)>,
}

impl Case {
    /// The list drawn at `density`.
    pub fn unused(&self, density: Density) -> Option<&UnusedSet> {
        self.lists
            .iter()
            .find(|(d, _)| *d == density)
            .map(|(_, list)| list)
    }
}

/// Every managed policy of the corpus with its seeded unused lists, drawn
/// as the property tests draw them (same generator, [`SEED`] and list numbers).
pub static CORPUS: LazyLock<Vec<Case>> = LazyLock::new(|| {
    let path = corpus_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!("bench: cannot read the corpus `{}`: {e}", path.display());
        std::process::exit(2);
    });
    let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        eprintln!("bench: `{}` is not JSON: {e}", path.display());
        std::process::exit(2);
    });
    let serde_json::Value::Object(map) = value else {
        eprintln!("bench: `{}` is not a JSON object", path.display());
        std::process::exit(2);
    };
    let table = catalog();
    let mut cases = Vec::with_capacity(map.len());
    for (name, document) in map {
        let policy = match Policy::from_value(document, "") {
            Ok(policy) => policy,
            Err(e) => {
                eprintln!("bench: skipping `{name}`: {e}");
                continue;
            }
        };
        let known = Known::new(table, [&policy], &UnusedSet::new());
        let granted = granted_by_service(&policy, &known);
        let lists = Density::ALL
            .iter()
            .zip(0u64..)
            .map(|(density, n)| {
                let mut rng = Rng::for_case(SEED, &name, n);
                (*density, unused_list(&granted, &mut rng, *density))
            })
            .collect();
        cases.push(Case {
            name,
            policy,
            lists,
        });
    }
    cases
});

/// How many roles the benchmarks' synthetic account has.
pub const ROLES: usize = 1_000;

/// The benchmarks' synthetic account: [`ROLES`] roles, one finding each, seed
/// 1 over [`catalog`]. The engine's `account` benchmarks plan it; the CLI's
/// bench binary writes it out (`PARE_BENCH_WRITE_ACCOUNT`) for timing
/// `pare account` as a whole on the very same input.
pub static ACCOUNT: LazyLock<Synthetic> =
    LazyLock::new(|| synthetic::generate(catalog(), ROLES, 1));
