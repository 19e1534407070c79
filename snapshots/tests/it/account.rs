//! `pare account` against the guarantees: every policy the plan rewrites, for
//! every principal that holds it, checked with the independent verifier.

use std::path::Path;

use pare_engine::account::{self, Account, Decision, PlanOptions, PolicySource, PrincipalUsage};
use pare_engine::{UnusedSet, ViolationKind, verify};

fn fixture(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/account")
        .join(path)
}

fn findings() -> Vec<pare_engine::Finding> {
    let mut names: Vec<_> = std::fs::read_dir(fixture("findings"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    names
        .iter()
        .flat_map(|p| pare_engine::parse_findings(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

#[test]
fn every_rewritten_policy_keeps_the_guarantees_for_every_holder() {
    let catalog = pare_catalog::load_dir(fixture("catalog")).unwrap();
    let table = catalog.table();
    let account =
        Account::parse(&std::fs::read_to_string(fixture("details.json")).unwrap()).unwrap();
    let plan = account::plan(
        &account,
        &PrincipalUsage::from_findings(&account, findings()),
        table,
        &PlanOptions::default(),
        &mut |_, _| {},
    );
    let unused_of = |entity: usize| -> Option<&UnusedSet> {
        plan.principals
            .iter()
            .find(|p| p.entity == entity)
            .map(|p| &p.unused)
    };
    let mut checked = 0;
    for policy in &plan.policies {
        let (Some(original), Some(outcome)) = (&policy.original, &policy.outcome) else {
            assert!(
                matches!(policy.decision, Decision::Skipped { .. }),
                "{}",
                policy.name
            );
            continue;
        };
        let name = &policy.name;
        if !policy.without_finding.is_empty() {
            assert_eq!(
                policy.decision,
                Decision::Keep,
                "{name}: a holder without a finding uses everything"
            );
            assert_eq!(&outcome.policy, original, "{name}");
            continue;
        }
        // What every holder leaves unused: the refinement must be exactly safe,
        // complete, sound, structure-preserving and minimal against it.
        let sets: Vec<&UnusedSet> = policy
            .holders
            .iter()
            .map(|&h| unused_of(h).unwrap())
            .collect();
        let mut all = sets[0].clone();
        for set in &sets[1..] {
            all = all.intersection(set);
        }
        let verification = verify(original, &outcome.policy, &all, table);
        assert!(
            verification.is_ok(),
            "{name} against the intersection:\n{verification}"
        );
        // For each holder: nothing it uses is lost and nothing new is granted
        // (actions it alone leaves unused may stay: another holder uses them).
        for (&holder, set) in policy.holders.iter().zip(&sets) {
            let verification = verify(original, &outcome.policy, set, table);
            for kind in [
                ViolationKind::Unsound,
                ViolationKind::Incomplete,
                ViolationKind::Structure,
            ] {
                let broken: Vec<String> =
                    verification.of_kind(kind).map(|v| v.to_string()).collect();
                assert!(broken.is_empty(), "{name} for holder {holder}: {broken:?}");
            }
            if policy.holders.len() == 1 {
                assert!(verification.is_ok(), "{name}: {verification}");
            }
        }
        checked += 1;
        if policy.source == PolicySource::AwsManaged && policy.decision.changes() {
            assert!(
                matches!(policy.decision, Decision::Replace { .. } | Decision::Detach),
                "{name}"
            );
        }
    }
    // Each holder's own refinement of a shared policy keeps every guarantee for it.
    let mut alternatives = 0;
    for principal in &plan.principals {
        for holding in &principal.holdings {
            let Some(own) = &holding.alternative else {
                continue;
            };
            let policy = &plan.policies[holding.policy];
            let verification = verify(
                policy.original.as_ref().unwrap(),
                &own.policy,
                &principal.unused,
                table,
            );
            assert!(
                verification.is_ok(),
                "{} alone for {}: {verification}",
                policy.name,
                principal.entity
            );
            alternatives += 1;
        }
    }
    assert!(checked >= 25, "only {checked} policies checked");
    assert!(
        alternatives >= 10,
        "only {alternatives} alternatives checked"
    );
}

#[test]
fn trust_policies_and_boundaries_are_never_touched() {
    let catalog = pare_catalog::load_dir(fixture("catalog")).unwrap();
    let account =
        Account::parse(&std::fs::read_to_string(fixture("details.json")).unwrap()).unwrap();
    let plan = account::plan(
        &account,
        &PrincipalUsage::from_findings(&account, findings()),
        catalog.table(),
        &PlanOptions::default(),
        &mut |_, _| {},
    );
    for policy in &plan.policies {
        if let Some(outcome) = &policy.outcome {
            let text = outcome.policy.to_compact_string();
            assert!(
                !text.contains("sts:AssumeRole"),
                "{}: a trust policy was read",
                policy.name
            );
        }
        if policy.used_as_boundary {
            assert!(
                !matches!(policy.decision, Decision::NewVersion),
                "{}: a permissions boundary would change",
                policy.name
            );
        }
    }
    let boundary = plan
        .policies
        .iter()
        .find(|p| p.name == "BoundaryAndGrant")
        .unwrap();
    assert!(matches!(boundary.decision, Decision::Replace { .. }));
}

#[test]
fn the_synthetic_account_is_deterministic_and_verified() {
    let table = pare_catalog::embedded();
    let first = pare_testkit::synthetic::generate(table, 60, 7);
    assert_eq!(first, pare_testkit::synthetic::generate(table, 60, 7));
    assert_ne!(first, pare_testkit::synthetic::generate(table, 60, 8));
    let account = Account::parse(&first.details).unwrap();
    assert!(account.diagnostics.is_empty());
    let findings = pare_engine::parse_findings(&first.findings).unwrap();
    assert_eq!(findings.len(), 60);
    let options = PlanOptions {
        threads: 3,
        ..PlanOptions::default()
    };
    let usage = PrincipalUsage::from_findings(&account, findings);
    let plan = account::plan(&account, &usage, table, &options, &mut |_, _| {});
    let single = account::plan(
        &account,
        &usage,
        table,
        &PlanOptions::default(),
        &mut |_, _| {},
    );
    assert_eq!(plan, single, "threads change nothing");
    assert_eq!(plan.principals.len(), 60);
    let changed = plan
        .policies
        .iter()
        .filter(|p| p.decision.changes())
        .count();
    assert!(changed >= 50, "only {changed} policies change");
    for policy in plan.policies.iter().filter(|p| p.holders.len() == 1) {
        let outcome = policy.outcome.as_ref().unwrap();
        let unused = &plan
            .principals
            .iter()
            .find(|p| p.entity == policy.holders[0])
            .unwrap()
            .unused;
        let verification = verify(
            policy.original.as_ref().unwrap(),
            &outcome.policy,
            unused,
            table,
        );
        assert!(verification.is_ok(), "{}: {verification}", policy.name);
    }
}

#[test]
fn apply_script_is_valid_bash_and_touches_only_planned_policies() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan");
    let args: Vec<std::ffi::OsString> = vec![
        "pare".into(),
        "account".into(),
        fixture("details.json").into(),
        "--findings".into(),
        fixture("findings").into(),
        "--catalog".into(),
        fixture("catalog").into(),
        "--out".into(),
        out.clone().into(),
    ];
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = pare_cli::run(
        args,
        &mut pare_cli::Io::buffers(&[], &mut stdout, &mut stderr),
    );
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&stderr));
    let script = out.join("apply.sh");
    let text = std::fs::read_to_string(&script).unwrap();
    // Every `file://` the script names was written.
    for word in text.split_whitespace() {
        if let Some(path) = word.strip_prefix("file://") {
            assert!(
                out.join(path).is_file(),
                "apply.sh names `{path}`, which is missing"
            );
        }
    }
    for forbidden in [
        "update-assume-role-policy",
        "put-role-permissions-boundary",
        "delete-role-permissions-boundary",
        "delete-role ",
        "delete-policy ",
    ] {
        assert!(
            !text.contains(forbidden),
            "apply.sh must not run `{forbidden}`"
        );
    }
    // The boundary's own document is never versioned.
    assert!(!text.contains(
        "create-policy-version --policy-arn arn:aws:iam::111122223333:policy/BoundaryAndGrant"
    ));
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status();
    match status {
        Ok(status) => assert!(status.success(), "bash -n rejects apply.sh"),
        // Without bash there is nothing to ask; the checks above still ran.
        Err(e) => eprintln!("bash not available ({e}); syntax not checked"),
    }
}
