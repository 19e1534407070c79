//! The engine's benchmark suite, over the embedded catalog: `cargo bench -p pare-engine --bench engine`
//! (or `scripts/bench.sh`, which also prints medians as ratios to the baseline).

use divan::{Bencher, black_box};
use pare_engine::account::{Account, PlanOptions, PrincipalUsage};
use pare_engine::parse_findings;
use pare_engine::{Known, Pattern, Policy, RefineOptions, UnusedSet, refine};
use pare_testkit::fixtures::{
    ACCOUNT, ARTICLE_POLICY, ARTICLE_UNUSED, CORPUS, catalog, small_catalog,
};

fn main() {
    check_fixtures();
    divan::main();
}

/// Stops before measuring anything if a fixture does not do what its
/// benchmark claims to measure (an empty catalog would make everything fast).
fn check_fixtures() {
    let fail = |what: &str| -> ! {
        eprintln!("bench: {what}");
        std::process::exit(2);
    };
    if catalog().len() < 10_000 {
        fail("the catalog has fewer than 10,000 actions; is the embedded table generated?");
    }
    let Some(refined) = article(small_catalog()) else {
        fail("the article's example does not parse");
    };
    if !refined.contains("\"s3:GetAccess*\"") || refined.contains("\"s3:Get*\"") {
        fail("the article's example does not refine to the article's figure");
    }
    for (name, policy, unused) in [
        ("action_star", wide::ACTION_STAR, wide::SERVICES_UNUSED),
        ("not_action", wide::NOT_ACTION, wide::SERVICES_UNUSED),
    ] {
        let (Ok(policy), Ok(unused)) = (Policy::parse(policy), UnusedSet::parse(unused)) else {
            fail(&format!("the `{name}` fixture does not parse"));
        };
        if !refine(&policy, &unused, catalog(), &RefineOptions::default()).changed() {
            fail(&format!("the `{name}` fixture changes nothing"));
        }
    }
}

/// The engine's whole share of `pare refine`: read both inputs, refine, print.
fn article(table: pare_engine::ActionTable<'_>) -> Option<String> {
    let policy = Policy::parse(black_box(ARTICLE_POLICY)).ok()?;
    let unused = UnusedSet::parse(black_box(ARTICLE_UNUSED)).ok()?;
    let refined = refine(&policy, &unused, table, &RefineOptions::default());
    Some(refined.policy.to_pretty_string())
}

/// What every ratio is taken against: reading and writing the article's
/// policy with serde_json alone, the least any refinement must do.
#[divan::bench]
fn baseline() -> Option<String> {
    pare_testkit::fixtures::baseline()
}

mod article {
    use super::*;

    /// The article's example against the embedded catalog: parse, refine, print.
    #[divan::bench]
    fn embedded_catalog() -> Option<String> {
        article(catalog())
    }

    /// The same against the article's small catalog (63 actions).
    #[divan::bench]
    fn small_catalog() -> Option<String> {
        article(super::small_catalog())
    }

    /// Only the refinement, inputs parsed beforehand.
    #[divan::bench]
    fn refine_only(bencher: Bencher) {
        let (Ok(policy), Ok(unused)) = (
            Policy::parse(ARTICLE_POLICY),
            UnusedSet::parse(ARTICLE_UNUSED),
        ) else {
            return;
        };
        bencher.bench(|| refine(&policy, &unused, catalog(), &RefineOptions::default()));
    }
}

mod wide {
    use super::*;

    /// Everything allowed: the trie spans the whole catalog.
    pub const ACTION_STAR: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    /// Everything but IAM and Organizations: exclusions are placed over the whole catalog.
    pub const NOT_ACTION: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}]}"#;
    /// A few services wholly unused.
    pub const SERVICES_UNUSED: &str = r#"[{"serviceNamespace":"ec2"},{"serviceNamespace":"s3"},{"serviceNamespace":"lambda"},{"serviceNamespace":"dynamodb"},{"serviceNamespace":"sagemaker"}]"#;
    /// A few services wholly unused, and single actions of others.
    pub const MIXED_UNUSED: &str = r#"[{"serviceNamespace":"ec2"},{"serviceNamespace":"s3"},{"serviceNamespace":"sagemaker"},
        {"serviceNamespace":"lambda","actions":["InvokeFunction","GetFunction","UpdateFunctionCode"]},
        {"serviceNamespace":"dynamodb","actions":["GetItem","PutItem","DeleteTable","DescribeTable"]},
        {"serviceNamespace":"iam","actions":["PassRole","CreateUser","GetRole"]}]"#;

    fn run(bencher: Bencher, policy: &str, unused: &str) {
        let (Ok(policy), Ok(unused)) = (Policy::parse(policy), UnusedSet::parse(unused)) else {
            return;
        };
        bencher.bench(|| refine(&policy, &unused, catalog(), &RefineOptions::default()));
    }

    /// `Action: "*"` with five services wholly unused.
    #[divan::bench]
    fn action_star_services(bencher: Bencher) {
        run(bencher, ACTION_STAR, SERVICES_UNUSED);
    }

    /// `Action: "*"` with services and single actions unused: deeper nodes.
    #[divan::bench]
    fn action_star_mixed(bencher: Bencher) {
        run(bencher, ACTION_STAR, MIXED_UNUSED);
    }

    /// `NotAction` with five services wholly unused.
    #[divan::bench]
    fn not_action_services(bencher: Bencher) {
        run(bencher, NOT_ACTION, SERVICES_UNUSED);
    }
}

mod corpus {
    use super::*;
    use pare_testkit::Density;

    /// Every AWS managed policy of the corpus, each against its own seeded
    /// unused list at one density, one after the other (`per_policy`
    /// reports them one by one).
    #[divan::bench(args = Density::ALL, sample_count = 10, sample_size = 1)]
    fn all_policies(bencher: Bencher, density: Density) {
        let cases = &*CORPUS;
        bencher.bench(|| {
            cases
                .iter()
                .filter_map(|case| {
                    let unused = case.unused(density)?;
                    Some(
                        refine(&case.policy, unused, catalog(), &RefineOptions::default())
                            .edits
                            .len(),
                    )
                })
                .sum::<usize>()
        });
    }
}

mod catalog {
    use super::*;

    /// Looks up every action of the catalog by name, in another case.
    #[divan::bench]
    fn get_every_action(bencher: Bencher) {
        let table = catalog();
        let names: Vec<String> = table
            .rows()
            .iter()
            .map(|row| row.name.to_ascii_uppercase())
            .collect();
        bencher.bench(|| names.iter().filter(|n| table.get(n).is_some()).count());
    }

    /// The run of every service (`svc:`), by prefix.
    #[divan::bench]
    fn with_prefix_every_service(bencher: Bencher) {
        let table = catalog();
        let prefixes: Vec<String> = table.services().iter().map(|s| format!("{s}:")).collect();
        bencher.bench(|| {
            prefixes
                .iter()
                .map(|p| table.with_prefix(p).len())
                .sum::<usize>()
        });
    }

    /// Expands `svc:*`, `svc:Get*`, `svc:List*`, `svc:Describe*` and
    /// `svc:*Tag*` over K for every service, as a refinement expands entries.
    #[divan::bench]
    fn expand_patterns_every_service(bencher: Bencher) {
        let table = catalog();
        let known = Known::new(table, [], &UnusedSet::new());
        let patterns: Vec<Pattern> = table
            .services()
            .iter()
            .flat_map(|s| {
                ["*", "Get*", "List*", "Describe*", "*Tag*"]
                    .map(|suffix| Pattern::new(&format!("{s}:{suffix}")))
            })
            .collect();
        bencher.bench(|| {
            patterns
                .iter()
                .map(|p| {
                    known
                        .with_prefix(p.literal_prefix())
                        .into_iter()
                        .filter(|a| p.matches(a))
                        .count()
                })
                .sum::<usize>()
        });
    }

    /// K for the article's example: the catalog plus the names it mentions.
    #[divan::bench]
    fn known_for_article(bencher: Bencher) {
        let (Ok(policy), Ok(unused)) = (
            Policy::parse(ARTICLE_POLICY),
            UnusedSet::parse(ARTICLE_UNUSED),
        ) else {
            return;
        };
        bencher.bench(|| Known::new(catalog(), [&policy], &unused).extras().len());
    }
}

mod account {
    use super::*;

    /// `pare account`'s engine work on 1,000 roles and 1,000 findings: read
    /// the authorization details and the findings, and plan every policy.
    #[divan::bench(args = [1, 2], sample_count = 10, sample_size = 1)]
    fn parse_and_plan(threads: usize) -> Option<usize> {
        let account = Account::parse(black_box(&ACCOUNT.details)).ok()?;
        let findings = parse_findings(black_box(&ACCOUNT.findings)).ok()?;
        let options = PlanOptions {
            threads,
            ..PlanOptions::default()
        };
        let usage = PrincipalUsage::from_findings(&account, findings);
        let plan =
            pare_engine::account::plan_owned(&account, usage, catalog(), &options, &mut |_, _| {});
        Some(plan.policies.len())
    }

    /// The floor issue 16 measures `pare account` against: a plain
    /// serde_json read of the same inputs (the details and each line of the
    /// findings as `Value`s) and a write of as many bytes (the details again).
    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn floor() -> Option<usize> {
        let details: serde_json::Value = serde_json::from_str(black_box(&ACCOUNT.details)).ok()?;
        let mut findings = 0;
        for line in black_box(&ACCOUNT.findings).lines() {
            let finding: serde_json::Value = serde_json::from_str(line).ok()?;
            findings += usize::from(finding.is_object());
        }
        let written = serde_json::to_string(&details).ok()?;
        Some(written.len() + findings)
    }

    /// Only reading the details and the findings.
    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn parse_only() -> Option<usize> {
        let account = Account::parse(black_box(&ACCOUNT.details)).ok()?;
        let findings = parse_findings(black_box(&ACCOUNT.findings)).ok()?;
        Some(account.entities.len() + findings.len())
    }
}

/// Inputs built to be slow (issue 11): wildcards whose inclusion checks used
/// to explode, the largest policy IAM accepts made of them, and the statement
/// alignment of very large policies (the diff of very large policies is the
/// CLI's: `cli/benches/cli.rs`). `scripts/bench.sh` prints each also as a
/// ratio to the article's example.
mod hostile {
    use super::*;

    /// A policy of one Allow statement with these entries.
    fn policy(entries: &[String]) -> String {
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": entries, "Resource": "*"}]
        })
        .to_string()
    }

    /// The 1.7 KB policy: 72 distinct entries like `*??????????*`.
    pub fn wildcards_72_policy() -> String {
        let entries: Vec<String> = (8..14)
            .flat_map(|k| (0..12).map(move |i| format!("{}*{}*", "?".repeat(i), "?".repeat(k))))
            .take(72)
            .collect();
        policy(&entries)
    }

    /// About 6 KB of `ec2:` entries like `ec2:*??????????*`.
    pub fn ec2_6kb_policy() -> String {
        let mut entries = Vec::new();
        for i in 0.. {
            entries.push(format!(
                "ec2:{}*{}*",
                "?".repeat(i % 40),
                "?".repeat(8 + i / 40)
            ));
            if policy(&entries).len() > 6_000 {
                entries.pop();
                break;
            }
        }
        policy(&entries)
    }

    /// IAM's largest quota, 10,240 characters, filled with distinct entries
    /// that each span the whole catalog and cover no short prefix.
    pub fn worst_10240_policy() -> String {
        let mut entries = Vec::new();
        for i in 0.. {
            entries.push(format!("{}*{}*", "?".repeat(i % 6), "?".repeat(8 + i / 6)));
            if policy(&entries).len() > 10_240 {
                entries.pop();
                break;
            }
        }
        policy(&entries)
    }

    fn run(bencher: Bencher, policy: &str) {
        let (Ok(policy), Ok(unused)) = (Policy::parse(policy), UnusedSet::parse(ARTICLE_UNUSED))
        else {
            return;
        };
        bencher.bench(|| refine(&policy, &unused, catalog(), &RefineOptions::default()));
    }

    /// 72 entries like `*??????????*` (1.7 KB): 43 s before this work.
    /// (Ten samples: tens of milliseconds each now.)
    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn wildcards_72(bencher: Bencher) {
        run(bencher, &wildcards_72_policy());
    }

    /// 6 KB of `ec2:*??????????*`-like entries.
    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn ec2_6kb(bencher: Bencher) {
        run(bencher, &ec2_6kb_policy());
    }

    /// The 10,240-character worst case.
    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn worst_10240(bencher: Bencher) {
        run(bencher, &worst_10240_policy());
    }

    /// A policy just under the 1 MiB the engine reads: thousands of
    /// statements repeating two wildcards, each with its `Sid` (the
    /// integration test `a_policy_just_under_the_limit_is_refined_like_each_of_its_statements`
    /// checks the result; its time is measured here).
    pub fn just_under_the_limit_policy() -> String {
        pare_testkit::repeated_statements_policy(pare_engine::MAX_INPUT_BYTES - 4096)
    }

    /// [`just_under_the_limit_policy`], with two unused actions it grants.
    #[divan::bench(sample_count = 3, sample_size = 1)]
    fn just_under_the_limit(bencher: Bencher) {
        let (Ok(policy), Ok(unused)) = (
            Policy::parse(&just_under_the_limit_policy()),
            UnusedSet::parse("s3:GetObjectAcl\nec2:DescribeImages\n"),
        ) else {
            return;
        };
        bencher.bench(|| refine(&policy, &unused, catalog(), &RefineOptions::default()));
    }

    /// `pare explain '*?????????????*'`: every node of the whole catalog evaluated.
    #[divan::bench(sample_count = 3, sample_size = 1)]
    fn explain_13(bencher: Bencher) {
        let Ok(unused) = UnusedSet::parse(ARTICLE_UNUSED) else {
            return;
        };
        let known = Known::new(catalog(), [], &unused);
        bencher.bench(|| pare_engine::explain(black_box("*?????????????*"), &unused, &known));
    }

    /// `verify` of the refinement of a 175-character policy of hostile
    /// wildcards (the integration test `pathological_wildcards_refine_correctly`):
    /// its 27,000 added entries each asked the conciseness check about every
    /// prefix, 25.7 s in the release binary before the check remembered them.
    #[divan::bench(sample_count = 3, sample_size = 1)]
    fn verify_wildcards(bencher: Bencher) {
        let original = policy(&["*??????????*".to_string(), "??*????????*".to_string()]);
        let (Ok(original), Ok(unused)) = (
            Policy::parse(&original),
            UnusedSet::parse("s3:GetObjectAcl\nec2:DescribeImages\nlambda:InvokeFunction\n"),
        ) else {
            return;
        };
        let refined = refine(&original, &unused, catalog(), &RefineOptions::default()).policy;
        bencher.bench(|| pare_engine::verify(&original, &refined, &unused, catalog()));
    }

    /// `verify` of 18,000 statements, 4,500 of them removed: the statement
    /// alignment took 700 MB as a table.
    #[divan::bench(sample_count = 3, sample_size = 1)]
    fn verify_18000(bencher: Bencher) {
        let actions = ["s3:GetObject", "ec2:Describe*", "kms:Decrypt", "logs:*"];
        let statement = |i: usize| {
            let action = actions.get(i % 4).copied().unwrap_or("s3:GetObject");
            serde_json::json!({"Effect": "Allow", "Action": action, "Resource": "*"})
        };
        let original: Vec<_> = (0..18_000).map(statement).collect();
        let refined: Vec<_> = (0..18_000).filter(|i| i % 4 != 2).map(statement).collect();
        let document = |s: Vec<serde_json::Value>| serde_json::json!({"Statement": s}).to_string();
        let (Ok(original), Ok(refined), Ok(unused)) = (
            Policy::parse(&document(original)),
            Policy::parse(&document(refined)),
            UnusedSet::parse("kms:Decrypt\n"),
        ) else {
            return;
        };
        bencher.bench(|| pare_engine::verify(&original, &refined, &unused, catalog()));
    }
}
