//! Fuzzes the refinement: a policy and an unused list (separated by a NUL
//! byte) refined against a small fixed catalog must pass `verify`, and
//! refining the result again must change nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pare_engine::cmp_ci;
use pare_engine::{VerifyChecks, verify_checking};
use pare_engine::{AccessLevel, ActionTable, KnownAction, RefineOptions, UnusedSet, refine};

const NAMES: &[&str] = &[
    "s3:GetObject",
    "s3:GetObjectAcl",
    "s3:GetObjectTagging",
    "s3:GetObjectVersion",
    "s3:GetBucketAcl",
    "s3:GetBucketPolicy",
    "s3:GetBucketPolicyStatus",
    "s3:GetAccessPoint",
    "s3:GetJobTagging",
    "s3:ListBucket",
    "s3:ListAllMyBuckets",
    "s3:PutObject",
    "s3:PutBucketPolicy",
    "s3:DeleteObject",
    "ec2:DescribeInstances",
    "ec2:DescribeImages",
    "ec2:DescribeReservedInstances",
    "ec2:RunInstances",
    "iam:PassRole",
    "iam:GetRole",
    "lambda:InvokeFunction",
    "lambda:GetFunction",
    "ssm:start-session",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some((policy_text, unused_text)) = text.split_once('\0') else {
        return;
    };
    let Ok(input) = pare_engine::parse_policy_input(policy_text) else {
        return;
    };
    let Ok(unused) = UnusedSet::parse(unused_text) else {
        return;
    };
    let mut rows: Vec<KnownAction> = NAMES
        .iter()
        .map(|n| KnownAction::new_static(n, AccessLevel::READ, true))
        .collect();
    rows.sort_by(|a, b| cmp_ci(&a.name, &b.name));
    let table = ActionTable::new(&rows).unwrap();
    for wildcards in [true, false] {
        let options = RefineOptions {
            wildcards,
            ..RefineOptions::default()
        };
        let refined = refine(&input.policy, &unused, table, &options);
        // Without wildcards the replacements list actions: not judged for conciseness.
        let checks = VerifyChecks {
            concise: wildcards,
        };
        let verification =
            verify_checking(&input.policy, &refined.policy, &unused, table, &checks);
        assert!(
            verification.is_ok(),
            "verify failed (wildcards: {wildcards}):\n{verification}\npolicy: {policy_text}\nunused: {unused_text}\nrefined: {}",
            refined.policy.to_compact_string()
        );
        let again = refine(&refined.policy, &unused, table, &options);
        assert!(
            !again.changed(),
            "refining twice changed {:?}\nrefined: {}",
            again.edits,
            refined.policy.to_compact_string()
        );
    }
});
