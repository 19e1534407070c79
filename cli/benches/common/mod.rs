//! Fixtures shared by the benchmarks: the article's example, the catalogs,
//! the managed-policy corpus and seeded unused lists over it.

#![allow(
    dead_code,
    reason = "each benchmark binary uses a different part of the fixtures"
)]

use std::path::PathBuf;
use std::sync::LazyLock;

use pare_engine::table::cmp_ci;
use pare_engine::{
    AccessLevel, ActionTable, Effect, Known, KnownAction, Pattern, Policy, UnusedSet,
};

pub mod generate;

/// The article's policy, as written there.
pub const ARTICLE_POLICY: &str = include_str!("../../../engine/tests/data/article-policy.json");
/// The article's unused list, as written there.
pub const ARTICLE_UNUSED: &str = include_str!("../../../engine/tests/data/article-unused.json");
/// The 58 `s3:Get*` actions of 2024.
const S3_GET_2024: &str = include_str!("../../../engine/tests/data/s3-get-actions-2024.txt");

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

/// One managed policy of the corpus with its seeded unused list.
#[derive(Debug)]
pub struct Case {
    /// The policy's name.
    pub name: String,
    /// The parsed document.
    pub policy: Policy,
    /// The unused list drawn for it.
    pub unused: UnusedSet,
}

/// Every managed policy of the corpus, each with an unused list drawn from
/// the actions it grants, seeded by its position so every run sees the same.
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
    for (index, (name, document)) in map.into_iter().enumerate() {
        let policy = match Policy::from_value(document, "") {
            Ok(policy) => policy,
            Err(e) => {
                eprintln!("bench: skipping `{name}`: {e}");
                continue;
            }
        };
        let granted = granted_actions(&policy, table);
        let mut rng = generate::Rng::new(0x5eed_0000 + index as u64);
        let unused = generate::unused_list(&mut rng, &granted);
        cases.push(Case {
            name,
            policy,
            unused,
        });
    }
    cases
});

/// The known actions an Allow statement of `policy` grants, sorted, each once.
pub fn granted_actions<'t>(policy: &Policy, table: ActionTable<'t>) -> Vec<String> {
    let known = Known::new(table, [policy], &UnusedSet::new());
    let mut granted: Vec<String> = Vec::new();
    for statement in policy.statements() {
        if statement.effect() != Effect::Allow {
            continue;
        }
        let patterns: Vec<Pattern> = statement
            .entries()
            .iter()
            .map(|e| Pattern::new(e))
            .collect();
        match statement.key() {
            pare_engine::ActionKey::Action => {
                for pattern in &patterns {
                    granted.extend(
                        known
                            .with_prefix(pattern.literal_prefix())
                            .into_iter()
                            .filter(|a| pattern.matches(a))
                            .map(str::to_string),
                    );
                }
            }
            pare_engine::ActionKey::NotAction => granted.extend(
                known
                    .all()
                    .into_iter()
                    .filter(|a| !patterns.iter().any(|p| p.matches(a)))
                    .map(str::to_string),
            ),
        }
    }
    granted.sort_by(|a, b| cmp_ci(a, b));
    granted.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    granted
}
