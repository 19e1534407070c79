//! `pare account` over the organization fixture, checked from the outside:
//! the plan pare writes (`plan/<account-id>/...`) against the details and
//! the findings stream, read here on their own and keyed by full ARN. Every
//! refined, detached or deleted policy of every account keeps the guarantees
//! for every principal that holds it, and every policy the plan leaves alone
//! grants nothing that all its holders leave unused.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use pare_engine::account::{self, Account, EntityKind};
use pare_engine::{Known, Policy, UnusedSet, ViolationKind, verify};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The active `UnusedPermission` findings, by the full ARN of their principal
/// (several for one principal: what all of them list).
fn unused_by_arn() -> HashMap<String, UnusedSet> {
    let text = std::fs::read_to_string(fixtures().join("org/findings.jsonl")).unwrap();
    let mut sets: HashMap<String, UnusedSet> = HashMap::new();
    for finding in pare_engine::parse_findings(&text).unwrap() {
        if finding.status != "ACTIVE" || finding.finding_type != "UnusedPermission" {
            continue;
        }
        let set = match sets.remove(&finding.resource) {
            Some(earlier) => earlier.intersection(&finding.unused),
            None => finding.unused,
        };
        sets.insert(finding.resource, set);
    }
    sets
}

/// One policy of an account, with the roles and users that hold it.
struct Held<'a> {
    /// The plan's base path for it, under the account's directory.
    base: String,
    original: &'a Policy,
    holders: Vec<&'a account::Entity>,
}

fn held_policies(account: &Account) -> Vec<Held<'_>> {
    // The roles and users that hold what `owner` owns or attaches.
    fn through<'a>(account: &'a Account, owner: &'a account::Entity) -> Vec<&'a account::Entity> {
        match owner.kind {
            EntityKind::Group => account
                .entities
                .iter()
                .filter(|p| p.kind != EntityKind::Group && p.groups.contains(&owner.name))
                .collect(),
            _ => vec![owner],
        }
    }
    let mut out = Vec::new();
    for entity in &account.entities {
        for inline in &entity.inline {
            out.push(Held {
                base: format!("{}/{}/{}", entity.kind.as_str(), entity.name, inline.name),
                original: &inline.policy,
                holders: through(account, entity),
            });
        }
    }
    for managed in &account.managed {
        let Some(document) = &managed.document else {
            continue;
        };
        let mut holders = Vec::new();
        for entity in account
            .entities
            .iter()
            .filter(|e| e.attached.contains(&managed.arn))
        {
            holders.extend(through(account, entity));
        }
        let dir = if managed.is_aws_managed() {
            "aws-managed"
        } else {
            "managed"
        };
        out.push(Held {
            base: format!("{dir}/{}", managed.name),
            original: document,
            holders,
        });
    }
    out
}

#[test]
fn every_account_s_plan_keeps_the_guarantees_for_every_holder() {
    let catalog = pare_catalog::load_dir(fixtures().join("account/catalog")).unwrap();
    let table = catalog.table();
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan");
    let args: Vec<OsString> = vec![
        "pare".into(),
        "account".into(),
        fixtures().join("org/details").into(),
        "--findings".into(),
        fixtures().join("org/findings.jsonl").into(),
        "--catalog".into(),
        fixtures().join("account/catalog").into(),
        "--identity-center".into(),
        fixtures().join("org/identity-center").into(),
        "--out".into(),
        plan.clone().into(),
        "--format".into(),
        "json".into(),
    ];
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = {
        let mut io = pare_cli::Io::buffers(b"", &mut stdout, &mut stderr);
        pare_cli::run(args, &mut io)
    };
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&stderr));
    let summary: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    let unused = unused_by_arn();
    let nothing = UnusedSet::new();

    let (mut rewritten, mut removed, mut kept) = (0, 0, 0);
    let mut through_identity_center = 0;
    for account_id in ["111111111111", "222222222222", "333333333333"] {
        let text =
            std::fs::read_to_string(fixtures().join(format!("org/details/{account_id}.json")))
                .unwrap();
        let account = Account::parse(&text).unwrap();
        assert!(
            summary["accounts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["accountId"] == account_id),
            "{summary}"
        );
        for held in held_policies(&account) {
            let name = format!("{account_id}/{}", held.base);
            // A holder without a finding uses everything.
            let sets: Vec<&UnusedSet> = held
                .holders
                .iter()
                .map(|h| unused.get(&h.arn).unwrap_or(&nothing))
                .collect();
            let Some((first, rest)) = sets.split_first() else {
                continue;
            };
            let all = rest
                .iter()
                .fold((*first).clone(), |acc, set| acc.intersection(set));
            let refined = plan.join(format!("{name}.json"));
            if held
                .holders
                .iter()
                .any(|h| account::is_identity_center_role(h))
                && !held.base.starts_with("managed/")
            {
                // Changed through its permission set, never in the account.
                assert!(
                    !refined.exists() && !plan.join(format!("{name}.diff")).exists(),
                    "{name}"
                );
                through_identity_center += 1;
                continue;
            }
            let diff = plan.join(format!("{name}.diff"));
            if refined.is_file() {
                let refined = Policy::parse(&std::fs::read_to_string(&refined).unwrap()).unwrap();
                let verification = verify(held.original, &refined, &all, table);
                assert!(verification.is_ok(), "{name}: {verification}");
                for (holder, set) in held.holders.iter().zip(&sets) {
                    let verification = verify(held.original, &refined, set, table);
                    for kind in [
                        ViolationKind::Unsound,
                        ViolationKind::Incomplete,
                        ViolationKind::Structure,
                    ] {
                        let broken: Vec<String> =
                            verification.of_kind(kind).map(|v| v.to_string()).collect();
                        assert!(broken.is_empty(), "{name} for {}: {broken:?}", holder.arn);
                    }
                }
                rewritten += 1;
            } else if diff.is_file() {
                // Detached or deleted whole: every holder left all of it unused.
                let known = Known::new(table, [held.original], &all);
                for action in account::granted(held.original, &known) {
                    for (holder, set) in held.holders.iter().zip(&sets) {
                        assert!(
                            set.contains(action),
                            "{name} removed whole, but {} may use {action}",
                            holder.arn
                        );
                    }
                }
                removed += 1;
            } else {
                // Left alone: it grants nothing that every holder leaves unused.
                let verification = verify(held.original, held.original, &all, table);
                assert!(verification.is_ok(), "{name} kept: {verification}");
                kept += 1;
            }
        }
    }
    // Account 333333333333's `app` has no finding of its own: the same-named
    // roles' findings in the other accounts do not reach it.
    assert!(!plan.join("333333333333/role/app/app-inline.diff").exists());
    assert!(plan.join("111111111111/role/app/app-inline.diff").is_file());
    assert_eq!(
        (rewritten, removed, kept),
        (7, 4, 5),
        "rewritten, removed, kept"
    );
    assert_eq!(through_identity_center, 6);

    // The permission set provisioned to two accounts: what its roles in both
    // leave unused goes, and nothing either role uses.
    let role = |account: &str| {
        format!(
            "arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_DevAccess_0a1b2c3d4e5f6a7b"
        )
    };
    let sets = [
        &unused[&role("111111111111")],
        &unused[&role("222222222222")],
    ];
    let all = sets[0].intersection(sets[1]);
    let bundle =
        fixtures().join("org/identity-center/DevAccess/get-inline-policy-for-permission-set.json");
    let bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(bundle).unwrap()).unwrap();
    let original = Policy::parse(bundle["InlinePolicy"].as_str().unwrap()).unwrap();
    let refined = Policy::parse(
        &std::fs::read_to_string(plan.join("identity-center/DevAccess/inline.json")).unwrap(),
    )
    .unwrap();
    let verification = verify(&original, &refined, &all, table);
    assert!(verification.is_ok(), "DevAccess: {verification}");
    assert!(refined != original);
    for set in sets {
        let verification = verify(&original, &refined, set, table);
        for kind in [
            ViolationKind::Unsound,
            ViolationKind::Incomplete,
            ViolationKind::Structure,
        ] {
            assert_eq!(
                verification.of_kind(kind).count(),
                0,
                "DevAccess: {verification}"
            );
        }
    }
    // Provisioned to an account outside the run: kept whole.
    assert!(!plan.join("identity-center/Audit/inline.json").exists());
}
