//! Fuzzes `explain`: for any pattern and unused list (separated by a NUL
//! byte), the picture must agree with what `refine` does to a statement
//! holding that pattern alone, and nest every node under a prefix of it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pare_engine::explain;
use pare_engine::{cmp_ci, starts_with_ci};
use pare_engine::{AccessLevel, ActionTable, Known, KnownAction, RefineOptions, Policy, UnusedSet, refine};

const NAMES: &[&str] = &[
    "s3:GetObject",
    "s3:GetObjectAcl",
    "s3:GetObjectTagging",
    "s3:GetBucketAcl",
    "s3:GetBucketPolicy",
    "s3:GetBucketPolicyStatus",
    "s3:GetJobTagging",
    "s3:ListBucket",
    "s3:PutObject",
    "ec2:DescribeInstances",
    "ec2:DescribeInstanceStatus",
    "ec2:DescribeReservedInstances",
    "ec2:RunInstances",
    "iam:PassRole",
    "ssm:start-session",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some((pattern, unused_text)) = text.split_once('\0') else {
        return;
    };
    if pattern.is_empty() || pattern.len() > 64 {
        return;
    }
    let Ok(unused) = UnusedSet::parse(unused_text) else {
        return;
    };
    let mut rows: Vec<KnownAction> = NAMES
        .iter()
        .map(|n| KnownAction::new_static(n, AccessLevel::READ, true))
        .collect();
    rows.sort_by(|a, b| cmp_ci(&a.name, &b.name));
    let table = ActionTable::new(&rows).unwrap();
    let document = serde_json::json!({
        "Statement": [{"Effect": "Allow", "Action": [pattern], "Resource": "*"}]
    });
    let policy = Policy::parse(&document.to_string()).unwrap();
    let known = Known::new(table, [&policy], &unused);
    let e = explain(pattern, &unused, &known);
    for node in &e.nodes {
        if let Some(parent) = node.parent {
            let parent = &e.nodes[parent];
            assert!(starts_with_ci(&node.prefix, &parent.prefix), "{e:#?}");
            assert!(node.prefix.len() > parent.prefix.len(), "{e:#?}");
        }
    }
    let refined = refine(&policy, &unused, table, &RefineOptions::default());
    let entries: Vec<String> = refined
        .policy
        .statements()
        .first()
        .map(|s| s.entries().to_vec())
        .unwrap_or_default();
    assert_eq!(entries, e.result(), "{e:#?}");
});
