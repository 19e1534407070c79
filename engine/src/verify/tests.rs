//! The verifier's unit tests.
use super::*;
use crate::table::{AccessLevel, KnownAction};

const ROWS: &[KnownAction] = &[
    KnownAction::new_static("s3:GetBucketPolicy", AccessLevel::READ, true),
    KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
    KnownAction::new_static("s3:GetObjectAcl", AccessLevel::READ, true),
    KnownAction::new_static("s3:PutObject", AccessLevel::WRITE, true),
];

fn policy(text: &str) -> Policy {
    Policy::parse(text).unwrap()
}

#[test]
fn the_linear_alignment_is_the_table_alignment() {
    // Statements labelled from a small alphabet, a pair fitting when the
    // labels agree; originals removable at random. Sizes reach well past
    // the table threshold so that the halving runs several levels deep.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut below = |n: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as usize) % n
    };
    let mut aligned = 0;
    for round in 0..400 {
        let n = below(if round % 4 == 0 { 300 } else { 40 }) + 1;
        let labels = 1 + below(4);
        let originals: Vec<usize> = (0..n).map(|_| below(labels)).collect();
        let removable: Vec<bool> = (0..n).map(|_| below(3) != 0).collect();
        // Mostly a subsequence of the originals with a few labels changed,
        // so that both outcomes occur.
        let mut refineds = Vec::new();
        for &label in &originals {
            if below(4) == 0 {
                continue;
            }
            refineds.push(if below(30) == 0 { below(labels) } else { label });
        }
        let fits = |i: usize, j: usize| originals.get(i) == refineds.get(j);
        let table = align_table(n, refineds.len(), &removable, &fits);
        let linear = align_linear(n, refineds.len(), &removable, &fits);
        assert_eq!(linear, table, "round {round}");
        aligned += usize::from(table.is_some());
    }
    assert!((50..350).contains(&aligned), "{aligned}");
}

#[test]
fn messages_name_the_statement_and_the_actions() {
    let table = ActionTable::new(ROWS).unwrap();
    let original = policy(
        r#"{"Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"},{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#,
    );
    let mut unused = UnusedSet::new();
    unused.insert_action("s3:GetBucketPolicy", None);
    let v = verify(&original, &original, &unused, table);
    assert_eq!(
        v.to_string(),
        "Statement[1]: grants `s3:GetBucketPolicy`, which is unused\n"
    );
    assert_eq!(v.violations[0].examples, ["s3:GetBucketPolicy"]);
    assert_eq!(v.compared, 2);
}

#[test]
fn example_lists_are_cut_short() {
    let actions = ["a:F", "a:B", "a:C", "a:D", "a:E", "a:A", "a:G"];
    let (message, examples) = about(&actions, "grants", "unused");
    assert_eq!(
        message,
        "grants 7 unused actions: `a:A`, `a:B`, `a:C`, `a:D`, `a:E` and 2 more"
    );
    assert_eq!(examples.len(), MAX_EXAMPLES);
    assert_eq!(backticked(&["x:A", "x:B"]), "`x:A` and `x:B`");
}

/// The seeded-fault fixture: a small catalog, a three-statement policy,
/// and an unused list that narrows `s3:Get*` and `lambda:*`.
const FAULT_ROWS: &[KnownAction] = &[
    KnownAction::new_static("lambda:GetFunction", AccessLevel::READ, true),
    KnownAction::new_static("lambda:InvokeAsync", AccessLevel::WRITE, true),
    KnownAction::new_static("lambda:InvokeFunction", AccessLevel::WRITE, true),
    KnownAction::new_static("s3:DeleteObject", AccessLevel::WRITE, true),
    KnownAction::new_static("s3:GetBucketPolicy", AccessLevel::READ, true),
    KnownAction::new_static("s3:GetBucketTagging", AccessLevel::READ, true),
    KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
    KnownAction::new_static("s3:GetObjectAcl", AccessLevel::READ, true),
    KnownAction::new_static("s3:ListAllMyBuckets", AccessLevel::LIST, true),
    KnownAction::new_static("s3:ListBucket", AccessLevel::LIST, true),
    KnownAction::new_static("s3:PutObject", AccessLevel::WRITE, true),
];

const ORIGINAL: &str = r#"{"Version":"2012-10-17","Statement":[
    {"Sid":"Read","Effect":"Allow","Action":["s3:Get*","s3:ListBucket"],"Resource":"*"},
    {"Sid":"Invoke","Effect":"Allow","Action":"lambda:*","Resource":"arn:aws:lambda:us-east-1:111122223333:function:f"},
    {"Sid":"Guard","Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}"#;

/// What `refine` makes of `ORIGINAL`, written out by hand.
const REFINED: &str = r#"{"Version":"2012-10-17","Statement":[
    {"Sid":"Read","Effect":"Allow","Action":["s3:GetObject*","s3:ListBucket"],"Resource":"*"},
    {"Sid":"Invoke","Effect":"Allow","Action":"lambda:Invoke*","Resource":"arn:aws:lambda:us-east-1:111122223333:function:f"},
    {"Sid":"Guard","Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}"#;

fn fault_unused() -> UnusedSet {
    let mut unused = UnusedSet::new();
    for action in [
        "s3:GetBucketPolicy",
        "s3:GetBucketTagging",
        "lambda:GetFunction",
    ] {
        unused.insert_action(action, None);
    }
    unused
}

/// Verifies `REFINED` with one substitution applied.
fn with_fault(from: &str, to: &str) -> Verification {
    assert!(REFINED.contains(from), "the fault must apply: `{from}`");
    let refined = policy(&REFINED.replacen(from, to, 1));
    let table = ActionTable::new(FAULT_ROWS).unwrap();
    verify(&policy(ORIGINAL), &refined, &fault_unused(), table)
}

fn kinds(v: &Verification) -> Vec<(Option<usize>, ViolationKind)> {
    v.violations.iter().map(|x| (x.statement, x.kind)).collect()
}

#[test]
fn our_own_refinement_passes() {
    let table = ActionTable::new(FAULT_ROWS).unwrap();
    let original = policy(ORIGINAL);
    let ours = crate::refine(&original, &fault_unused(), table, &Default::default());
    assert_eq!(
        ours.policy.to_compact_string(),
        policy(REFINED).to_compact_string()
    );
    let v = verify(&original, &ours.policy, &fault_unused(), table);
    assert!(v.is_ok(), "{v}");
    assert_eq!((v.compared, v.removed), (3, 0));
}

#[test]
fn an_extra_wildcard_over_unused_actions_is_unsafe() {
    let v = with_fault(r#""s3:GetObject*","#, r#""s3:GetObject*","s3:GetBucket*","#);
    assert_eq!(
        v.to_string(),
        "Statement[0]: grants 2 unused actions: `s3:GetBucketPolicy` and `s3:GetBucketTagging`\n"
    );
    assert_eq!(v.violations[0].kind, ViolationKind::Unsafe);
    assert_eq!(
        v.violations[0].examples,
        ["s3:GetBucketPolicy", "s3:GetBucketTagging"]
    );
}

#[test]
fn a_missing_used_action_is_incomplete() {
    let v = with_fault(
        r#"["s3:GetObject*","s3:ListBucket"]"#,
        r#"["s3:GetObject*"]"#,
    );
    assert_eq!(
        v.to_string(),
        "Statement[0]: no longer grants `s3:ListBucket`, which is used\n\
         Statement[0]: `s3:ListBucket` touches no unused action but was not kept as written\n"
    );
    assert_eq!(
        kinds(&v),
        [
            (Some(0), ViolationKind::Incomplete),
            (Some(0), ViolationKind::NotMinimal)
        ]
    );
}

#[test]
fn a_wildcard_beyond_the_original_entry_is_unsound() {
    let v = with_fault(r#""s3:GetObject*","#, r#""s3:*","#);
    let unsound: Vec<&Violation> = v.of_kind(ViolationKind::Unsound).collect();
    assert_eq!(unsound.len(), 1, "{v}");
    assert_eq!(
        unsound[0].message,
        "`s3:*` grants 3 actions the original statement does not: `s3:DeleteObject`, `s3:ListAllMyBuckets` and `s3:PutObject`"
    );
    // It also reaches the unused bucket actions.
    assert_eq!(v.of_kind(ViolationKind::Unsafe).count(), 1);
}

#[test]
fn a_wildcard_that_only_future_actions_escape_is_unsound() {
    let original = policy(
        r#"{"Statement":[{"Effect":"Allow","Action":["s3:*Acl","s3:PutObject"],"Resource":"*"}]}"#,
    );
    let refined = policy(
        r#"{"Statement":[{"Effect":"Allow","Action":["s3:GetObjectA*","s3:PutObject"],"Resource":"*"}]}"#,
    );
    let table = ActionTable::new(FAULT_ROWS).unwrap();
    let v = verify(&original, &refined, &UnusedSet::new(), table);
    let unsound: Vec<String> = v
        .of_kind(ViolationKind::Unsound)
        .map(|x| x.to_string())
        .collect();
    assert_eq!(
        unsound,
        [
            "Statement[0]: `s3:GetObjectA*` is not inside any original entry: it would grant actions AWS adds later that the original does not"
        ]
    );
}

#[test]
fn a_changed_resource_is_a_structure_violation() {
    let v = with_fault(
        r#""Resource":"arn:aws:lambda:us-east-1:111122223333:function:f""#,
        r#""Resource":"*""#,
    );
    assert_eq!(v.to_string(), "Statement[1]: `Resource` changed\n");
    assert_eq!(kinds(&v), [(Some(1), ViolationKind::Structure)]);
}

#[test]
fn a_changed_deny_is_a_structure_violation() {
    let v = with_fault(
        r#""Effect":"Deny","Action":"s3:DeleteObject""#,
        r#""Effect":"Deny","Action":"s3:Delete*""#,
    );
    assert_eq!(
        v.to_string(),
        "Statement[2]: is a Deny statement and changed (Deny statements are never changed)\n"
    );
}

#[test]
fn a_removed_deny_is_a_structure_violation() {
    let v = with_fault(
        r#",
    {"Sid":"Guard","Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}"#,
        "",
    );
    assert_eq!(kinds(&v), [(Some(2), ViolationKind::Structure)]);
}

#[test]
fn a_removed_statement_that_granted_used_actions_is_incomplete() {
    let v = with_fault(
        r#"
    {"Sid":"Read","Effect":"Allow","Action":["s3:GetObject*","s3:ListBucket"],"Resource":"*"},"#,
        "",
    );
    assert_eq!(
        v.to_string(),
        "Statement[0]: was removed, but grants 3 used actions: `s3:GetObject`, `s3:GetObjectAcl` and `s3:ListBucket`\n"
    );
    assert_eq!((v.compared, v.removed), (2, 1));
}

#[test]
fn a_statement_that_grants_only_unused_actions_may_go() {
    let table = ActionTable::new(FAULT_ROWS).unwrap();
    let mut unused = fault_unused();
    unused.insert_service("lambda", None);
    let original = policy(ORIGINAL);
    let ours = crate::refine(&original, &unused, table, &Default::default());
    assert_eq!(ours.policy.statements().len(), 2);
    let v = verify(&original, &ours.policy, &unused, table);
    assert!(v.is_ok(), "{v}");
    assert_eq!(v.removed, 1);
    // Keeping it is not: the service is wholly unused.
    let v = verify(&original, &policy(REFINED), &unused, table);
    assert_eq!(
        v.to_string(),
        "Statement[1]: grants 2 unused actions: `lambda:InvokeAsync` and `lambda:InvokeFunction`\n\
         Statement[1]: `lambda:Invoke*` reaches the wholly unused service `lambda`\n"
    );
}

#[test]
fn not_action_exclusions_may_only_grow() {
    let table = ActionTable::new(FAULT_ROWS).unwrap();
    let original = policy(
        r#"{"Statement":[{"Effect":"Allow","NotAction":["s3:Delete*","s3:Put*"],"Resource":"*"}]}"#,
    );
    let mut unused = fault_unused();
    unused.insert_service("ec2", None);
    let ours = crate::refine(&original, &unused, table, &Default::default());
    let v = verify(&original, &ours.policy, &unused, table);
    assert!(v.is_ok(), "{}\n{v}", ours.policy.to_compact_string());
    let dropped = policy(
        r#"{"Statement":[{"Effect":"Allow","NotAction":["s3:Delete*","ec2:*","lambda:GetFunction","s3:GetBucket*"],"Resource":"*"}]}"#,
    );
    let v = verify(&original, &dropped, &unused, table);
    assert_eq!(
        v.to_string(),
        "Statement[0]: drops the exclusion `s3:Put*` and now grants `s3:PutObject`\n"
    );
    let open = policy(
        r#"{"Statement":[{"Effect":"Allow","NotAction":["s3:Delete*","s3:Put*","lambda:GetFunction","s3:GetBucket*"],"Resource":"*"}]}"#,
    );
    let v = verify(&original, &open, &unused, table);
    assert_eq!(
        v.to_string(),
        "Statement[0]: does not exclude the wholly unused service `ec2` as a whole (`ec2:*`)\n"
    );
    let over = policy(
        r#"{"Statement":[{"Effect":"Allow","NotAction":["s3:Delete*","s3:Put*","ec2:*","lambda:GetFunction","s3:Get*"],"Resource":"*"}]}"#,
    );
    let v = verify(&original, &over, &unused, table);
    assert_eq!(
        v.to_string(),
        "Statement[0]: no longer grants 2 used actions: `s3:GetObject` and `s3:GetObjectAcl`\n"
    );
}

#[test]
fn the_document_keeps_its_form_and_top_level_fields() {
    let table = ActionTable::new(FAULT_ROWS).unwrap();
    let original = policy(
        r#"{"Version":"2012-10-17","Id":"a","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
    );
    let refined = policy(
        r#"{"Version":"2008-10-17","Id":"a","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
    );
    let v = verify(&original, &refined, &UnusedSet::new(), table);
    assert_eq!(
        v.to_string(),
        "`Statement` was written as one object and is now an array\ntop-level `Version` changed\n"
    );
    let extra = policy(
        r#"{"Version":"2012-10-17","Id":"a","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}"#,
    );
    let v = verify(&original, &extra, &UnusedSet::new(), table);
    assert_eq!(
        v.to_string(),
        "the refined policy's Statement[1] matches no statement of the original (statements must keep their order and every field but `Action`/`NotAction`)\n"
    );
}

#[test]
fn key_order_is_form_not_structure() {
    let table = ActionTable::new(FAULT_ROWS).unwrap();
    let original = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#,
    );
    // Access Analyzer or a formatter may write the keys in another order:
    // the statements still pair, and only the form is reported.
    let reordered = policy(
        r#"{"Statement":[{"Effect":"Allow","Sid":"A","Resource":"*","Action":"s3:GetObject","Condition":{"Bool":{"aws:SecureTransport":"true"}}}],"Version":"2012-10-17"}"#,
    );
    let v = verify(&original, &reordered, &UnusedSet::new(), table);
    assert_eq!(
        kinds(&v),
        [(Some(0), ViolationKind::Form), (None, ViolationKind::Form)],
        "{v}"
    );
    assert_eq!(v.compared, 1);
    let changed = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
    );
    let v = verify(&original, &changed, &UnusedSet::new(), table);
    assert_eq!(v.to_string(), "Statement[0]: `Condition` changed\n");
}

#[test]
fn blame_goes_to_the_statement_that_was_kept() {
    let table = ActionTable::new(FAULT_ROWS).unwrap();
    let original = policy(
        r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetBucket*","Resource":"*"},{"Effect":"Allow","Action":"s3:GetObject*","Resource":"*"}]}"#,
    );
    // The first statement grants only unused actions and may go; the
    // second is kept but widened: the blame is on the second.
    let refined = policy(
        r#"{"Statement":[{"Effect":"Allow","Action":["s3:GetObject*","s3:PutObject"],"Resource":"*"}]}"#,
    );
    let v = verify(&original, &refined, &fault_unused(), table);
    assert_eq!(
        v.to_string(),
        "Statement[1]: adds `s3:PutObject`, which the original statement does not grant\n\
         Statement[1]: no entry touches an unused action, yet `Action` changed\n"
    );
    assert_eq!((v.compared, v.removed), (1, 1));
}

#[test]
fn an_unchanged_statement_that_grants_nothing_pairs_with_itself() {
    // Found by fuzzing: the first statement grants nothing (so it could
    // have been removed), yet refine kept both statements as written.
    let rows = [KnownAction::new_static(
        "s3:GetObject",
        AccessLevel::READ,
        true,
    )];
    let table = ActionTable::new(&rows).unwrap();
    let policy = Policy::parse(
        r#"{"Statement":[{"Effect":"Allow","Action":["bogus"],"Resource":"*"},
            {"Effect":"Allow","Action":["s3:Get*","bogus"],"Resource":"*"}]}"#,
    )
    .unwrap();
    let unused = UnusedSet::parse("lambda:GetFunction").unwrap();
    let verdict = verify(&policy, &policy, &unused, table);
    assert!(verdict.is_ok(), "{verdict}");
}
