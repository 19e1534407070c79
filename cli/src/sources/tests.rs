//! The source flags' tests, and the engine's inference over the whole embedded catalog.
use super::*;
use pare_engine::parse_policy_input;
use pare_engine::{RefineOptions, refine};

fn ts(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

#[test]
fn combinations_are_checked() {
    let none = SourceArgs::default();
    let err = Sources::new(None, &none, None).unwrap_err();
    assert!(err.to_string().contains("`--last-accessed FILE`"));
    let since = SourceArgs {
        used: Some("u.txt".into()),
        unused_since: Some(30),
        ..SourceArgs::default()
    };
    // `--used` may be a usage file, which has times: checked when it is read.
    assert!(Sources::new(None, &since, None).is_ok());
    let config_alone = SourceArgs {
        last_accessed: Some("l.json".into()),
        trail_config: vec!["t.json".into()],
        ..SourceArgs::default()
    };
    let err = Sources::new(None, &config_alone, None).unwrap_err();
    assert!(err.to_string().contains("`--trail-config`"), "{err}");
    let logs = SourceArgs {
        cloudtrail: vec!["logs".into()],
        unused_since: Some(30),
        principal: Some("arn:aws:iam::1:role/A".into()),
        ..SourceArgs::default()
    };
    assert!(Sources::new(None, &logs, None).is_ok());
    let two_stdin = SourceArgs {
        used: Some("-".into()),
        ..SourceArgs::default()
    };
    let err = Sources::new(Some(&"-".into()), &two_stdin, None).unwrap_err();
    assert!(err.to_string().contains("stdin"));
    let err = Sources::new(Some(&"u.json".into()), &none, Some("2026-02-30")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`--as-of`: `2026-02-30` is not an ISO 8601 date or date-time: day 30 does not exist in 2026-02"
    );
    let ok = Sources::new(Some(&"u.json".into()), &none, Some("2026-06-10T12:00:00Z")).unwrap();
    assert_eq!(ok.as_of, Some(ts("2026-06-10T12:00:00Z")));
}

#[test]
fn catalog_age_of_the_embedded_table() {
    let Some(date) = pare_catalog::provenance().data_date.as_deref() else {
        return;
    };
    let date = ts(date);
    let at_limit = Timestamp::from_unix(date.unix_seconds() + 90 * 86_400);
    assert_eq!(
        catalog_age_warning(None, at_limit, input::Limits::default()),
        None
    );
    let after = Timestamp::from_unix(at_limit.unix_seconds() + 86_400);
    let warning = catalog_age_warning(None, after, input::Limits::default()).unwrap();
    assert!(warning.contains("is 91 days old"), "{warning}");
    assert!(warning.contains("update pare"), "{warning}");
    assert!(warning.contains("--catalog DIR"), "{warning}");
    // One short line, whatever the age: "warning: " comes in front.
    let ancient = Timestamp::from_unix(date.unix_seconds() + 99_999 * 86_400);
    let warning = catalog_age_warning(None, ancient, input::Limits::default()).unwrap();
    assert!(warning.contains("99999 days"), "{warning}");
    assert!("warning: ".len() + warning.len() < 100, "{warning}");
    assert!(!warning.contains('\n'));
    assert_eq!(catalog_age_days(&date.date(), after), Some(91));
}

/// A last-accessed report in which every service of the catalog was used
/// and no tracked action was: the strongest claim last-accessed data can make.
fn every_service_used_nothing_tracked_accessed(table: ActionTable<'_>) -> String {
    let mut services = Vec::new();
    for service in table.services() {
        let tracked: Vec<serde_json::Value> = table
            .with_prefix(&format!("{service}:"))
            .iter()
            .filter(|a| a.last_accessed_tracked)
            .map(|a| serde_json::json!({"ActionName": a.action()}))
            .collect();
        services.push(serde_json::json!({
            "ServiceNamespace": service,
            "LastAuthenticated": "2026-06-01T00:00:00Z",
            "TrackedActionsLastAccessed": tracked,
        }));
    }
    serde_json::json!({"JobStatus": "COMPLETED", "JobType": "ACTION_LEVEL", "ServicesLastAccessed": services})
        .to_string()
}

/// `Action: "*"` and one `svc:*` entry per service of the catalog.
fn policies_granting_everything(table: ActionTable<'_>) -> Vec<Policy> {
    let star =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let per_service: Vec<String> = table.services().iter().map(|s| format!("{s}:*")).collect();
    let per_service = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": per_service, "Resource": "*"}
    ]})
    .to_string();
    [star.to_string(), per_service]
        .iter()
        .map(|t| parse_policy_input(t).unwrap().policy)
        .collect()
}

/// Every action that the refined policy still grants, lowercased (the
/// policies here are all Allow `Action`). Patterns are bucketed by service,
/// so that the whole catalog is matched against a few patterns per action.
fn still_granted(refined: &Policy, table: ActionTable<'_>) -> std::collections::BTreeSet<String> {
    let mut by_service: std::collections::BTreeMap<String, Vec<pare_engine::Pattern>> =
        std::collections::BTreeMap::new();
    let mut anywhere = Vec::new();
    for entry in refined.statements().iter().flat_map(|s| s.entries()) {
        let pattern = pare_engine::Pattern::new(entry);
        match pattern.fixed_service() {
            Some(service) => by_service
                .entry(service.to_ascii_lowercase())
                .or_default()
                .push(pattern),
            None => anywhere.push(pattern),
        }
    }
    table
        .rows()
        .iter()
        .filter(|row| {
            let own = by_service.get(row.service()).map_or(&[][..], Vec::as_slice);
            own.iter().chain(&anywhere).any(|p| p.matches(&row.name))
        })
        .map(|row| row.name.to_ascii_lowercase())
        .collect()
}

/// The promise of issue #7, over the whole embedded catalog: no action the
/// catalog marks untracked, and no permission-only action, is removed on
/// the strength of last-accessed data or a used-list alone; and every
/// tracked action is (the sources do work). Each refinement verifies
/// against the unused set its source implied.
#[test]
fn untracked_actions_survive_over_the_whole_catalog() {
    let table = pare_catalog::embedded();
    let untracked: Vec<&str> = table
        .rows()
        .iter()
        .filter(|a| !a.last_accessed_tracked || usage::is_permission_only(&a.name))
        .map(|a| a.name.as_ref())
        .collect();
    let tracked_count = table.len() - untracked.len();
    assert!(
        untracked.len() > 1_000 && tracked_count > 1_000,
        "the catalog has both kinds"
    );
    let report = LastAccessed::parse(&every_service_used_nothing_tracked_accessed(table)).unwrap();
    let empty = UsedList::parse("").unwrap();
    for policy in policies_granting_everything(table) {
        let inferences = [
            usage::from_last_accessed(&report, &[&policy], table, None),
            usage::from_used_list(&[&policy], &empty, table),
        ];
        for inference in inferences {
            let source = inference.report.source;
            let refinement = refine(&policy, &inference.unused, table, &RefineOptions::default());
            let granted = still_granted(&refinement.policy, table);
            let removed: Vec<&&str> = untracked
                .iter()
                .filter(|a| !granted.contains(&a.to_ascii_lowercase()))
                .collect();
            assert!(
                removed.is_empty(),
                "{source:?}: {} untracked action(s) removed, such as {:?}",
                removed.len(),
                removed.iter().take(5).collect::<Vec<_>>()
            );
            assert_eq!(
                granted.len(),
                untracked.len(),
                "{source:?}: every tracked action is removed"
            );
            let verification =
                pare_engine::verify(&policy, &refinement.policy, &inference.unused, table);
            assert!(
                verification.violations.is_empty(),
                "{source:?}: {:?}",
                verification.violations.iter().take(3).collect::<Vec<_>>()
            );
        }
    }
}

/// The other end: a last-accessed report in which no service of the catalog
/// was called. Every action goes, except the permission-only ones, which
/// are checked while other services are called.
#[test]
fn only_permission_only_actions_survive_when_nothing_was_called() {
    let table = pare_catalog::embedded();
    let services: Vec<serde_json::Value> = table
        .services()
        .iter()
        .map(|s| serde_json::json!({"ServiceNamespace": s}))
        .collect();
    let report = serde_json::json!({"JobStatus": "COMPLETED", "ServicesLastAccessed": services});
    let report = LastAccessed::parse(&report.to_string()).unwrap();
    let expected: std::collections::BTreeSet<String> = usage::PERMISSION_ONLY
        .iter()
        .map(|(name, _)| name.to_ascii_lowercase())
        .filter(|name| table.get(name).is_some())
        .collect();
    assert!(expected.contains("iam:passrole"));
    for policy in policies_granting_everything(table) {
        let inference = usage::from_last_accessed(&report, &[&policy], table, None);
        let refinement = refine(&policy, &inference.unused, table, &RefineOptions::default());
        assert_eq!(still_granted(&refinement.policy, table), expected);
        let verification =
            pare_engine::verify(&policy, &refinement.policy, &inference.unused, table);
        assert!(verification.is_ok(), "{:?}", verification.violations);
    }
}
