use super::*;
use crate::refine::{RefineOptions, refine};
use crate::table::{AccessLevel, KnownAction};

#[test]
fn unknown_used_names_say_what_they_probably_mean() {
    let rows = [
        KnownAction::new_static("cloudwatch:PutMetricData", AccessLevel::WRITE, true),
        KnownAction::new_static("lambda:GetFunction", AccessLevel::READ, true),
        KnownAction::new_static("lambda:InvokeFunction", AccessLevel::WRITE, true),
        KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
        KnownAction::new_static("s3:ListBucket", AccessLevel::LIST, true),
    ];
    let table = ActionTable::new(&rows).unwrap();
    let hint = |name: &str| did_you_mean(name, table).unwrap_or_default();
    assert!(hint("lambda:GetFunction20150331v2").contains("`lambda:GetFunction`"));
    assert!(hint("lambda:GetFunction20150331").contains("`lambda:GetFunction`"));
    assert!(hint("s3:ListObjectsV2").contains("authorized by `s3:ListBucket`"));
    assert!(hint("lambda:Invoke").contains("`lambda:InvokeFunction`"));
    let renamed = hint("monitoring:PutMetricData");
    assert!(renamed.contains("`cloudwatch:PutMetricData`"), "{renamed}");
    assert!(renamed.contains("event source"), "{renamed}");
    assert!(hint("s3:GetObjekt").contains("`s3:GetObject`"));
    assert!(hint("nosuch:Thing").contains("no service `nosuch`"));
    assert_eq!(did_you_mean("s3:Completely", table), None);
    let used = UsedList::parse("s3:getobject\ns3:ListObjectsV2\ns3:ListObjectsV2\n").unwrap();
    let unknown = unknown_names(used.iter(), table);
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].name, "s3:ListObjectsV2");
    assert!(
        unknown[0]
            .to_string()
            .starts_with("`s3:ListObjectsV2`: an API operation")
    );
}

fn ts(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

#[test]
fn dates_and_date_times() {
    assert_eq!(ts("1970-01-01").unix_seconds(), 0);
    assert_eq!(ts("1970-01-01T00:00:00Z").unix_seconds(), 0);
    assert_eq!(ts("2000-03-01").unix_seconds(), 951_868_800);
    assert_eq!(
        ts("2026-01-02T03:04:05+00:00").unix_seconds(),
        1_767_323_045
    );
    assert_eq!(ts("2026-01-02T05:04:05+02:00"), ts("2026-01-02T03:04:05Z"));
    assert_eq!(ts("2026-01-02T01:04:05-0200"), ts("2026-01-02T03:04:05z"));
    assert_eq!(ts("2026-01-02 03:04Z"), ts("2026-01-02T03:04:00Z"));
    assert_eq!(ts("1969-12-31T23:59:59Z").unix_seconds(), -1);
    assert_eq!(ts("2024-02-29").date(), "2024-02-29");
    assert!(ts("2026-01-02T03:04:05.5Z") > ts("2026-01-02T03:04:05Z"));
    assert!(ts("2026-01-02T03:04:05.5Z") < ts("2026-01-02T03:04:06Z"));
    assert_eq!(
        ts("2026-01-02T03:04:05.120Z").to_string(),
        "2026-01-02T03:04:05.12Z"
    );
    assert_eq!(ts("2026-06-10").to_string(), "2026-06-10T00:00:00Z");
    // A round trip through every day of four centuries.
    for day in -146_097..146_097 {
        let (y, m, d) = civil_from_days(day);
        assert_eq!(days_from_civil(y, m, d), day);
    }
}

#[test]
fn bad_timestamps_say_why() {
    for (text, why) in [
        ("2026-02-29", "day 29 does not exist"),
        ("2026-13-01", "month 13"),
        ("2026-1-01", "2 digits for the month"),
        ("2026-01-01T10:00:00", "no UTC offset"),
        ("2026-01-01T24:00:00Z", "not a time of day"),
        ("2026-01-01T10:00:00Zjunk", "at the end"),
        ("yesterday", "4 digits for the year"),
        ("2026-01-01T10:00:00.Z", "after the decimal point"),
    ] {
        let err = Timestamp::parse(text).unwrap_err();
        assert!(err.message.contains(why), "{text}: {}", err.message);
        assert!(
            err.message.starts_with(&format!("`{text}`")),
            "{}",
            err.message
        );
    }
}

#[test]
fn window_boundary_is_exact() {
    let window = Window {
        as_of: ts("2026-06-10T00:00:00Z"),
        days: 90,
    };
    assert_eq!(window.cutoff(), ts("2026-03-12T00:00:00Z"));
    assert!(
        window.is_recent(ts("2026-03-12T00:00:00Z")),
        "exactly 90 days ago is used"
    );
    assert!(
        !window.is_recent(ts("2026-03-11T23:59:59Z")),
        "one second more is unused"
    );
    assert!(!window.is_recent(ts("2026-03-11T23:59:59.999Z")));
    assert!(
        window.is_recent(ts("2026-07-01T00:00:00Z")),
        "after as-of is used"
    );
}

#[test]
fn catalog_age() {
    let as_of = ts("2026-11-25");
    assert_eq!(catalog_staleness("2026-08-27", as_of).unwrap(), None);
    assert_eq!(catalog_staleness("2026-08-26", as_of).unwrap(), Some(91));
    // Calendar days: the last second of the 90th day is not stale yet.
    assert_eq!(
        catalog_staleness("2026-08-27", ts("2026-11-25T23:59:59Z")).unwrap(),
        None
    );
    assert_eq!(
        catalog_staleness("2026-08-27", ts("2026-11-26T00:00:00Z")).unwrap(),
        Some(91)
    );
    assert!(catalog_staleness("soon", as_of).is_err());
}

const ROWS: &[KnownAction] = &[
    KnownAction::new_static("iam:GetRole", AccessLevel::READ, true),
    KnownAction::new_static("iam:GetUser", AccessLevel::READ, true),
    KnownAction::new_static("iam:ListRoles", AccessLevel::LIST, true),
    KnownAction::new_static("iam:PassRole", AccessLevel::WRITE, false),
    KnownAction::new_static("s3:GetObject", AccessLevel::READ, false),
    KnownAction::new_static("s3:GetObjectAcl", AccessLevel::READ, true),
    KnownAction::new_static("s3:PutObject", AccessLevel::WRITE, false),
    KnownAction::new_static("sqs:SendMessage", AccessLevel::WRITE, true),
    KnownAction::new_static("sqs:ReceiveMessage", AccessLevel::READ, false),
];

fn table() -> ActionTable<'static> {
    // Sorted by lowercased name, as the table requires.
    static SORTED: std::sync::OnceLock<Vec<KnownAction>> = std::sync::OnceLock::new();
    let rows = SORTED.get_or_init(|| {
        let mut rows = ROWS.to_vec();
        rows.sort_by(|a, b| crate::table::cmp_ci(&a.name, &b.name));
        rows
    });
    ActionTable::new(rows).unwrap()
}

/// Refines, and checks the refinement with the independent verifier
/// against the unused set the source implied.
fn refine_verified(p: &Policy, unused: &UnusedSet) -> crate::refine::Refinement {
    let refined = refine(p, unused, table(), &RefineOptions::default());
    let verification = crate::verify::verify(p, &refined.policy, unused, table());
    assert!(verification.is_ok(), "{:?}", verification.violations);
    refined
}

fn policy(actions: &str) -> Policy {
    Policy::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{actions},"Resource":"*"}}]}}"#
    ))
    .unwrap()
}

#[test]
fn findings_without_a_window_stand() {
    let unused = UnusedSet::parse(
        r#"[{"serviceNamespace":"s3","actions":[{"action":"GetObject","lastAccessed":"2026-06-01T00:00:00Z"}]},{"serviceNamespace":"sqs","lastAccessed":"2026-06-09T00:00:00Z"}]"#,
    )
    .unwrap();
    let inference = from_findings(unused.clone(), None).unwrap();
    assert_eq!(inference.unused, unused);
    assert_eq!(names(&inference.report.actions_unused), ["s3:GetObject"]);
    assert_eq!(inference.report.services_never_used, ["sqs"]);
}

#[test]
fn findings_within_the_window_are_used() {
    let unused = UnusedSet::parse(
        r#"[{"serviceNamespace":"s3","actions":[
             {"action":"GetObject","lastAccessed":"2026-03-12T00:00:00Z"},
             {"action":"GetObjectAcl","lastAccessed":"2026-03-11T23:59:59Z"},
             {"action":"PutObject"}]},
           {"serviceNamespace":"sqs","lastAccessed":"2026-06-09T00:00:00+00:00"},
           {"serviceNamespace":"iam"}]"#,
    )
    .unwrap();
    let window = Window {
        as_of: ts("2026-06-10"),
        days: 90,
    };
    let inference = from_findings(unused.clone(), Some(&window)).unwrap();
    assert!(
        !inference.unused.contains("s3:GetObject"),
        "exactly 90 days ago is used"
    );
    assert!(
        inference.unused.contains("s3:GetObjectAcl"),
        "a second more is unused"
    );
    assert!(
        inference.unused.contains("s3:PutObject"),
        "no timestamp is never used"
    );
    assert!(!inference.unused.is_service_unused("sqs"));
    assert!(inference.unused.is_service_unused("iam"));
    assert_eq!(inference.report.recently_used, ["s3:GetObject", "sqs:*"]);
    let bad = UnusedSet::parse(r#"[{"serviceNamespace":"s3","actions":[{"action":"GetObject","lastAccessed":"last week"}]}]"#).unwrap();
    let err = from_findings(bad.clone(), Some(&window)).unwrap_err();
    assert!(err.message.contains("`s3:GetObject`"), "{}", err.message);
    assert!(
        from_findings(bad.clone(), None).is_ok(),
        "timestamps are read only with a window"
    );
}

const REPORT: &str = r#"{
  "JobStatus": "COMPLETED", "JobType": "ACTION_LEVEL",
  "JobCreationDate": "2026-06-10T08:00:00+00:00", "JobCompletionDate": "2026-06-10T08:00:05+00:00",
  "ServicesLastAccessed": [
    {"ServiceName": "Amazon SQS", "ServiceNamespace": "sqs", "TotalAuthenticatedEntities": 0},
    {"ServiceName": "AWS Identity and Access Management", "ServiceNamespace": "iam",
     "LastAuthenticated": "2026-06-01T00:00:00+00:00", "TotalAuthenticatedEntities": 1,
     "TrackedActionsLastAccessed": [
       {"ActionName": "GetRole", "LastAccessedTime": "2026-06-01T00:00:00+00:00"},
       {"ActionName": "GetUser"},
       {"ActionName": "ListRoles", "LastAccessedTime": "2025-01-01T00:00:00Z"}
     ]},
    {"ServiceNamespace": "s3", "LastAuthenticated": "2026-06-01T00:00:00Z",
     "TrackedActionsLastAccessed": [{"ActionName": "GetObjectAcl"}, {"ActionName": "GetObject"}]}
  ],
  "IsTruncated": false, "SomethingNew": 1
}"#;

#[test]
fn last_accessed_never_used_service_and_tracked_actions() {
    let data = LastAccessed::parse(REPORT).unwrap();
    let p = policy(r#"["iam:Get*","iam:ListRoles","iam:PassRole","s3:GetObject*","sqs:*"]"#);
    let inference = from_last_accessed(&data, &[&p], table(), None);
    let u = &inference.unused;
    assert!(u.is_service_unused("sqs"));
    assert!(u.contains("iam:GetUser"));
    assert!(!u.contains("iam:GetRole"));
    assert!(!u.contains("iam:ListRoles"), "accessed, no window");
    assert!(!u.contains("iam:PassRole"), "untracked and permission-only");
    assert!(u.contains("s3:GetObjectAcl"));
    assert!(
        !u.contains("s3:GetObject"),
        "IAM lists it, but the catalog says untracked"
    );
    let r = &inference.report;
    assert_eq!(r.services_never_used, ["sqs"]);
    assert_eq!(names(&r.actions_unused), ["iam:GetUser", "s3:GetObjectAcl"]);
    assert_eq!(r.untracked_kept, ["s3:GetObject"]);
    assert_eq!(r.permission_only_kept, ["iam:PassRole"]);
    // `s3:GetObject*` grants GetObject (untracked) and GetObjectAcl (unused):
    // only the untracked action keeps it.
    assert_eq!(
        r.wildcards_kept_alive,
        [KeptAlive {
            policy: 0,
            statement: 0,
            entry: "s3:GetObject*".into(),
            kept: vec!["s3:GetObject".into()]
        }]
    );
    assert_eq!(r.actions_keeping_wildcards(), 1);
    let refined = refine_verified(&p, u);
    let entries = refined.policy.statements()[0].entries().to_vec();
    assert_eq!(
        entries,
        [
            "iam:GetRole",
            "iam:ListRoles",
            "iam:PassRole",
            "s3:GetObject"
        ]
    );
}

#[test]
fn last_accessed_with_a_window() {
    let data = LastAccessed::parse(REPORT).unwrap();
    let p = policy(r#"["iam:*","s3:*"]"#);
    let window = Window {
        as_of: ts("2026-06-10T00:00:00Z"),
        days: 30,
    };
    let inference = from_last_accessed(&data, &[&p], table(), Some(&window));
    assert!(
        inference.unused.contains("iam:ListRoles"),
        "accessed 2025: outside 30 days"
    );
    assert!(!inference.unused.contains("iam:GetRole"));
    // A used service whose access falls outside the window is wholly unused,
    // except its permission-only actions.
    let window = Window { days: 5, ..window };
    let inference = from_last_accessed(&data, &[&p], table(), Some(&window));
    assert!(inference.unused.contains("iam:GetRole"));
    assert!(!inference.unused.contains("iam:PassRole"));
    assert!(!inference.unused.is_service_unused("iam"));
    assert!(inference.unused.is_service_unused("s3"));
    assert_eq!(inference.report.permission_only_kept, ["iam:PassRole"]);
    assert_eq!(inference.report.services_never_used, ["iam", "s3", "sqs"]);
    let refined = refine_verified(&p, &inference.unused);
    assert_eq!(refined.policy.statements()[0].entries(), ["iam:PassRole"]);
}

#[test]
fn tracked_actions_missing_from_the_report_stay() {
    let data = LastAccessed::parse(
        r#"{"ServicesLastAccessed":[{"ServiceNamespace":"iam","LastAuthenticated":"2026-06-01T00:00:00Z",
            "TrackedActionsLastAccessed":[{"ActionName":"GetUser"}]}]}"#,
    )
    .unwrap();
    let p = policy(r#"["iam:*"]"#);
    let inference = from_last_accessed(&data, &[&p], table(), None);
    assert_eq!(names(&inference.report.actions_unused), ["iam:GetUser"]);
    assert!(!inference.unused.contains("iam:GetRole"));
    assert!(!inference.unused.contains("iam:ListRoles"));
    assert_eq!(
        inference.report.notes,
        [
            "2 granted action(s) that the catalog marks tracked are not in the report, so they stay: `iam:GetRole`, `iam:ListRoles`"
        ]
    );
}

#[test]
fn a_recent_action_makes_its_service_used() {
    let data = LastAccessed::parse(
        r#"{"ServicesLastAccessed":[{"ServiceNamespace":"iam",
            "TrackedActionsLastAccessed":[{"ActionName":"GetRole","LastAccessedTime":"2026-06-01T00:00:00Z"},{"ActionName":"GetUser"}]}]}"#,
    )
    .unwrap();
    let p = policy(r#"["iam:GetRole","iam:GetUser"]"#);
    let inference = from_last_accessed(&data, &[&p], table(), None);
    assert!(inference.report.services_never_used.is_empty());
    assert!(!inference.unused.contains("iam:GetRole"));
    assert!(inference.unused.contains("iam:GetUser"));
}

#[test]
fn last_accessed_input_errors() {
    let err = LastAccessed::parse(r#"{"JobStatus":"IN_PROGRESS","ServicesLastAccessed":[]}"#)
        .unwrap_err();
    assert!(err.message.contains("`IN_PROGRESS`"), "{}", err.message);
    let err = LastAccessed::parse(
        r#"{"JobStatus":"FAILED","Error":{"Message":"boom","Code":"x"},"ServicesLastAccessed":[]}"#,
    )
    .unwrap_err();
    assert!(err.message.contains("(boom)"), "{}", err.message);
    let err = LastAccessed::parse(r#"{"JobStatus":"COMPLETED"}"#).unwrap_err();
    assert!(err.message.contains("`ServicesLastAccessed`"));
    let err = LastAccessed::parse(
        r#"{"ServicesLastAccessed":[{"ServiceNamespace":"s3","LastAuthenticated":"June"}]}"#,
    )
    .unwrap_err();
    assert_eq!(
        err.location,
        Some(Location::Path(
            "ServicesLastAccessed[0].LastAuthenticated".into()
        ))
    );
    let err = LastAccessed::parse(
        r#"{"ServicesLastAccessed":[{"ServiceNamespace":"s3","TrackedActionsLastAccessed":[{"ActionName":"iam:GetRole"}]}]}"#,
    )
    .unwrap_err();
    assert!(err.message.contains("`iam`"), "{}", err.message);
}

#[test]
fn used_list_keeps_what_it_cannot_see() {
    let used = UsedList::parse("# from the test run\niam:GetRole\nS3:getobjectacl\n").unwrap();
    assert_eq!(
        used.iter().collect::<Vec<_>>(),
        ["iam:GetRole", "s3:getobjectacl"]
    );
    let p = policy(r#"["iam:*","s3:GetObject*","sqs:SendMessage","iam:NewThing"]"#);
    let inference = from_used_list(&[&p], &used, table());
    let r = &inference.report;
    assert_eq!(
        names(&r.actions_unused),
        ["iam:GetUser", "iam:ListRoles", "sqs:SendMessage"]
    );
    assert_eq!(r.untracked_kept, ["iam:NewThing", "s3:GetObject"]);
    assert_eq!(r.permission_only_kept, ["iam:PassRole"]);
    assert!(
        r.wildcards_kept_alive.is_empty(),
        "each wildcard still grants a used action"
    );
    let refined = refine_verified(&p, &inference.unused);
    assert_eq!(
        refined.policy.statements()[0].entries(),
        [
            "iam:GetRole",
            "iam:NewThing",
            "iam:PassRole",
            "s3:GetObject*"
        ]
    );
    // The same list, as JSON; and the empty list: nothing was used.
    let json = UsedList::parse(r#"["iam:GetRole", "s3:GetObjectAcl"]"#).unwrap();
    assert_eq!(json.len(), 2);
    let empty = from_used_list(&[&p], &UsedList::parse("").unwrap(), table());
    assert!(!empty.unused.contains("iam:PassRole"));
    assert!(!empty.unused.contains("s3:GetObject"));
    assert_eq!(
        empty.report.wildcards_kept_alive,
        [
            KeptAlive {
                policy: 0,
                statement: 0,
                entry: "iam:*".into(),
                kept: vec!["iam:NewThing".into(), "iam:PassRole".into()]
            },
            KeptAlive {
                policy: 0,
                statement: 0,
                entry: "s3:GetObject*".into(),
                kept: vec!["s3:GetObject".into()]
            },
        ]
    );
    assert_eq!(empty.report.actions_keeping_wildcards(), 3);
}

#[test]
fn used_list_not_action_and_errors() {
    let p = Policy::parse(
        r#"{"Statement":[{"Effect":"Allow","NotAction":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"sqs:*","Resource":"*"}]}"#,
    )
    .unwrap();
    let inference = from_used_list(
        &[&p],
        &UsedList::parse(r#"["iam:GetRole","s3:GetObject"]"#).unwrap(),
        table(),
    );
    assert_eq!(
        names(&inference.report.actions_unused),
        ["iam:GetUser", "iam:ListRoles", "sqs:SendMessage"],
        "NotAction grants everything else; Deny grants nothing"
    );
    assert_eq!(
        inference.report.notes.len(),
        1,
        "s3:GetObject is not granted"
    );
    // A used action the catalog does not know is still granted by NotAction.
    let inference = from_used_list(
        &[&p],
        &UsedList::parse("ec2:RunInstances\n").unwrap(),
        table(),
    );
    assert!(
        inference.report.notes.is_empty(),
        "{:?}",
        inference.report.notes
    );
    let err = UsedList::parse("iam:GetRole\ns3:Get*\n").unwrap_err();
    assert_eq!(err.location, Some(Location::Text { line: 2, column: 1 }));
    assert!(err.message.contains("pattern"));
    let err = UsedList::parse(r#"["iam:GetRole", 3]"#).unwrap_err();
    assert_eq!(err.location, Some(Location::Path("[1]".into())));
}

#[test]
fn intersection_needs_every_source() {
    let a = UnusedSet::parse("s3:*\niam:GetUser\niam:GetRole\n").unwrap();
    let b = UnusedSet::parse("s3:GetObject\niam:*\nsqs:*\n").unwrap();
    let both = a.intersection(&b);
    assert!(both.contains("s3:GetObject"));
    assert!(!both.contains("s3:PutObject"));
    assert!(both.contains("iam:GetUser") && both.contains("iam:GetRole"));
    assert!(!both.contains("iam:ListRoles"));
    assert!(!both.contains("sqs:SendMessage"));
}

/// A small deterministic generator (no dependency for a test).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Random policies, reports and used-lists over the test table: every
/// refinement verifies, and no untracked or permission-only action that a
/// policy grants is ever removed by an action-level inference.
#[test]
fn random_sources_never_remove_what_they_cannot_see() {
    let table = table();
    let rows = table.rows();
    let mut rng = Lcg(7);
    let entry = |rng: &mut Lcg| -> String {
        let row = &rows[rng.below(rows.len())];
        match rng.below(4) {
            0 => row.name.to_string(),
            1 => format!("{}:*", row.service()),
            2 => {
                let name = row.name.as_ref();
                let cut = name.find(':').unwrap() + 2 + rng.below(4);
                format!("{}*", &name[..cut.min(name.len())])
            }
            _ => "*".to_string(),
        }
    };
    let mut changed = 0;
    for round in 0..400 {
        let entries: Vec<String> = (0..1 + rng.below(4)).map(|_| entry(&mut rng)).collect();
        let p = policy(&serde_json::to_string(&entries).unwrap());
        let sees = |row: &KnownAction| row.last_accessed_tracked && !is_permission_only(&row.name);
        let inference = if round % 2 == 0 {
            let used: Vec<&str> = rows
                .iter()
                .filter(|_| rng.below(2) == 0)
                .map(|r| r.name.as_ref())
                .collect();
            let used = UsedList::parse(&serde_json::to_string(&used).unwrap()).unwrap();
            from_used_list(&[&p], &used, table)
        } else {
            // Every service called, each tracked action accessed or not at random.
            let services: Vec<serde_json::Value> = table
                .services()
                .iter()
                .map(|s| {
                    let tracked: Vec<serde_json::Value> = table
                        .with_prefix(&format!("{s}:"))
                        .iter()
                        .map(|a| {
                            if rng.below(2) == 0 {
                                serde_json::json!({"ActionName": a.action()})
                            } else {
                                serde_json::json!({"ActionName": a.action(), "LastAccessedTime": "2026-06-01T00:00:00Z"})
                            }
                        })
                        .collect();
                    serde_json::json!({"ServiceNamespace": s, "LastAuthenticated": "2026-06-01T00:00:00Z", "TrackedActionsLastAccessed": tracked})
                })
                .collect();
            let data = serde_json::json!({"ServicesLastAccessed": services}).to_string();
            from_last_accessed(&LastAccessed::parse(&data).unwrap(), &[&p], table, None)
        };
        let refined = refine_verified(&p, &inference.unused);
        changed += usize::from(refined.changed());
        let granted = |policy: &Policy, name: &str| {
            policy
                .statements()
                .iter()
                .flat_map(|s| s.entries())
                .any(|e| Pattern::new(e).matches(name))
        };
        for row in rows.iter().filter(|r| !sees(r)) {
            if granted(&p, &row.name) {
                assert!(
                    granted(&refined.policy, &row.name),
                    "round {round}: `{}` removed from {entries:?}",
                    row.name
                );
            }
        }
    }
    assert!(
        changed > 150,
        "only {changed} of 400 rounds changed anything"
    );
}
#[test]
fn permission_only_actions_are_sorted_and_well_formed() {
    let names: Vec<&str> = PERMISSION_ONLY.iter().map(|(n, _)| *n).collect();
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| crate::table::cmp_ci(a, b));
    assert_eq!(names, sorted);
    assert!(
        names
            .iter()
            .all(|n| crate::known::concrete_action(n).is_some())
    );
    assert!(is_permission_only("IAM:passrole"));
}

/// The names of a report's list, for comparing with literals.
fn names(list: &ActionNames) -> Vec<&str> {
    list.iter().collect()
}

#[test]
fn a_cut_list_of_names_says_how_many_it_leaves_out() {
    use super::last_accessed::first_few;
    let names: Vec<String> = (0..10).map(|i| format!("s3:Get{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let eight =
        "`s3:Get0`, `s3:Get1`, `s3:Get2`, `s3:Get3`, `s3:Get4`, `s3:Get5`, `s3:Get6`, `s3:Get7`";
    assert_eq!(first_few(&names[..8]), eight);
    assert_eq!(first_few(&names[..9]), format!("{eight} and 1 more"));
    assert_eq!(first_few(&names), format!("{eight} and 2 more"));
    assert_eq!(first_few(&[]), "");
}
