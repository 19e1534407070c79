//! Integration tests of the engine: the founding article's example, and property tests over the AWS managed policies.

mod properties;

use pare_engine::cmp_ci;
use pare_engine::{
    AccessLevel, ActionTable, KnownAction, Policy, RefineOptions, UnusedSet, refine,
};

fn article_table() -> Vec<KnownAction> {
    let mut rows: Vec<KnownAction> = include_str!("../data/s3-get-actions-2024.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| KnownAction {
            name: l.trim().to_string().into(),
            access: AccessLevel::READ,
            last_accessed_tracked: true,
        })
        .collect();
    for extra in [
        "s3:ListBucket",
        "s3:PutObject",
        "lambda:InvokeFunction",
        "lambda:InvokeAsync",
        "lambda:GetPolicy",
    ] {
        rows.push(KnownAction {
            name: extra.to_string().into(),
            access: AccessLevel::READ,
            last_accessed_tracked: true,
        });
    }
    rows.sort_by(|a, b| cmp_ci(&a.name, &b.name));
    rows
}

#[test]
fn the_article_figure() {
    let rows = article_table();
    let table = ActionTable::new(&rows).unwrap();
    let policy = Policy::parse(include_str!("../data/article-policy.json")).unwrap();
    let unused = UnusedSet::parse(include_str!("../data/article-unused.json")).unwrap();
    let refined = refine(&policy, &unused, table, &RefineOptions::default());
    let statements = refined.policy.statements();
    assert_eq!(statements.len(), 2);
    assert_eq!(statements[0].entries(), ["lambda:Invoke*"]);
    assert_eq!(
        statements[1].entries(),
        [
            "s3:GetAccess*",
            "s3:GetAccountPublicAccessBlock",
            "s3:GetDataAccess",
            "s3:GetJobTagging",
            "s3:GetMulti*",
            "s3:GetObject*",
            "s3:GetStorage*",
            "s3:List*"
        ]
    );
}
