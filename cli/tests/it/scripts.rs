//! `apply.sh` and `rollback.sh` against a fake `aws` that keeps a small IAM
//! model in a file (`fake_iam.py`): apply, re-apply, roll back, roll back
//! again, and the account ends where it started; a policy changed behind the
//! plan's back is left alone by both scripts.
//!
//! bash and python3 are required: a missing one fails these tests rather
//! than skipping them.

#![cfg(unix)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The account fixture of the snapshot corpus: roles, users, groups, shared
/// and AWS managed policies, a policy with five versions.
fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../snapshots/fixtures/account")
}

struct Account {
    aws: crate::common::FakeAws,
}

/// What a script run left: its exit code, stderr, and the calls that
/// changed the account (the reads left out).
struct Run {
    code: i32,
    stderr: String,
    changes: Vec<Vec<String>>,
}

impl Account {
    /// A directory with the fake `aws` on `bin/`, seeded from `details`, and
    /// the plan `pare account` makes for it in `plan/`.
    fn new(details: &Path, findings: &Path, catalog: &Path) -> Account {
        let aws = crate::common::FakeAws::one_model();
        std::fs::copy(details, aws.root().join("details.json")).unwrap();
        let account = Account { aws };
        let args: Vec<OsString> = [
            "pare".into(),
            "account".into(),
            details.into(),
            "--findings".into(),
            findings.into(),
            "--catalog".into(),
            catalog.into(),
            "--out".into(),
            account.plan().into(),
            "--format".into(),
            "csv".into(),
        ]
        .into();
        let (code, _, stderr) = crate::common::run_os(args);
        assert_eq!(code, 0, "{stderr}");
        account
    }

    fn root(&self) -> &Path {
        self.aws.root()
    }

    fn plan(&self) -> PathBuf {
        self.root().join("plan")
    }

    /// `aws ARGS` against the model; panics when the call fails.
    fn aws(&self, args: &[&str]) -> String {
        self.aws.aws(args)
    }

    /// The model's state, without its version counters.
    fn state(&self) -> Value {
        serde_json::from_str(&self.aws(&["fake-dump"])).unwrap()
    }

    /// Runs `plan/NAME` with bash.
    fn run(&self, script: &str) -> Run {
        let run = self.aws.run(&self.plan().join(script), &[]);
        let changes = run
            .calls
            .into_iter()
            .filter(|call| {
                let verb = call.get(1).map_or("", String::as_str);
                !verb.starts_with("get-") && !verb.starts_with("list-") && verb != "fake-dump"
            })
            .collect();
        Run {
            code: run.code,
            stderr: run.stderr,
            changes,
        }
    }
}

fn verbs(run: &Run) -> Vec<&str> {
    run.changes.iter().map(|c| c[1].as_str()).collect()
}

/// The model's managed policy `arn`.
fn policy<'a>(state: &'a Value, arn: &str) -> &'a Value {
    &state["policies"][arn]
}

#[test]
fn apply_re_apply_roll_back_and_the_account_ends_where_it_started() {
    let f = fixture();
    let account = Account::new(
        &f.join("details.json"),
        &f.join("findings"),
        &f.join("catalog"),
    );
    let start = account.state();

    let apply = account.run("apply.sh");
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    assert!(!apply.stderr.contains("skipped"), "{}", apply.stderr);
    let applied = account.state();
    assert_ne!(applied, start);
    // The plan's documents are live.
    let refined: Value = serde_json::from_str(
        &std::fs::read_to_string(account.plan().join("role/api/api-inline.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        applied["entities"]["role/api"]["inline"]["api-inline"],
        refined
    );
    let shared = "arn:aws:iam::111122223333:policy/SharedData";
    assert_ne!(
        policy(&applied, shared)["default"],
        policy(&start, shared)["default"]
    );
    let mut done = verbs(&apply);
    done.sort_unstable();
    done.dedup();
    for verb in [
        "put-role-policy",
        "put-user-policy",
        "put-group-policy",
        "delete-role-policy",
        "create-policy-version",
        "delete-policy-version",
        "create-policy",
        "attach-role-policy",
        "detach-role-policy",
    ] {
        assert!(done.contains(&verb), "apply.sh never ran {verb}: {done:?}");
    }
    // The over-quota replacement stays commented out.
    assert!(
        !applied["policies"]
            .as_object()
            .unwrap()
            .contains_key("arn:aws:iam::111122223333:policy/pare-AmazonEC2FullAccess")
    );

    // Again: nothing changes, and it says so.
    let again = account.run("apply.sh");
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.changes, Vec::<Vec<String>>::new(), "{}", again.stderr);
    assert!(
        again
            .stderr
            .contains("already done: role/api: inline policy `api-inline`")
    );
    assert_eq!(account.state(), applied);

    let rollback = account.run("rollback.sh");
    assert_eq!(rollback.code, 0, "{}", rollback.stderr);
    assert!(!rollback.stderr.contains("skipped"), "{}", rollback.stderr);
    let mut end = account.state();
    // The one thing IAM cannot undo: the oldest version apply.sh deleted to
    // make room for a sixth (never the default; rollback.sh says so).
    let five = "arn:aws:iam::111122223333:policy/FiveVersions";
    let deleted = policy(&start, five)["versions"]["v1"].clone();
    assert!(deleted.is_object());
    assert!(policy(&end, five)["versions"].get("v1").is_none());
    end["policies"][five]["versions"]["v1"] = deleted;
    assert_eq!(end, start, "rollback.sh did not restore the account");
    let text = std::fs::read_to_string(account.plan().join("rollback.sh")).unwrap();
    assert!(text.contains("apply.sh deleted version v1"), "{text}");

    // Rolling back twice changes nothing more.
    let twice = account.run("rollback.sh");
    assert_eq!(twice.code, 0, "{}", twice.stderr);
    assert_eq!(twice.changes, Vec::<Vec<String>>::new(), "{}", twice.stderr);
}

#[test]
fn a_policy_changed_since_the_plan_is_left_alone() {
    let f = fixture();
    let account = Account::new(
        &f.join("details.json"),
        &f.join("findings"),
        &f.join("catalog"),
    );
    // Someone edits an inline policy and a managed one after the plan.
    let edited = account.root().join("edited.json");
    std::fs::write(
        &edited,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}"#,
    )
    .unwrap();
    let shared = "arn:aws:iam::111122223333:policy/SharedData";
    for args in [
        vec![
            "iam",
            "put-role-policy",
            "--role-name",
            "api",
            "--policy-name",
            "api-inline",
            "--policy-document",
            "file://edited.json",
        ],
        vec![
            "iam",
            "create-policy-version",
            "--policy-arn",
            shared,
            "--policy-document",
            "file://edited.json",
            "--set-as-default",
        ],
    ] {
        account.aws(&args);
    }
    let start = account.state();

    let apply = account.run("apply.sh");
    assert_eq!(apply.code, 1, "{}", apply.stderr);
    assert!(
        apply.stderr.contains(
            "skipped: role/api: inline policy `api-inline`: its document changed since the plan was made"
        ),
        "{}",
        apply.stderr
    );
    // The fixture's policy had v1 and v2: the edit made v3 the default.
    assert!(
        apply.stderr.contains(&format!(
            "skipped: managed policy `{shared}`: its default version is now v3"
        )),
        "{}",
        apply.stderr
    );
    assert!(
        apply
            .stderr
            .contains("2 policies changed since the plan was made")
    );
    let applied = account.state();
    // The edits stand; the rest of the plan is applied.
    assert_eq!(
        applied["entities"]["role/api"]["inline"]["api-inline"],
        start["entities"]["role/api"]["inline"]["api-inline"]
    );
    assert_eq!(policy(&applied, shared), policy(&start, shared));
    assert!(
        apply
            .changes
            .iter()
            .any(|c| c[1] == "put-role-policy" && c.contains(&"worker".to_string())),
        "{:?}",
        apply.changes
    );
    assert!(
        !apply
            .changes
            .iter()
            .any(|c| c.contains(&"api".to_string()) || c.contains(&shared.to_string())),
        "{:?}",
        apply.changes
    );

    // rollback.sh leaves the edited ones alone too, and restores the rest.
    let rollback = account.run("rollback.sh");
    assert_eq!(rollback.code, 1, "{}", rollback.stderr);
    assert!(
        rollback.stderr.contains(
            "skipped: role/api: inline policy `api-inline`: its document changed since apply.sh ran"
        ),
        "{}",
        rollback.stderr
    );
    let mut end = account.state();
    let five = "arn:aws:iam::111122223333:policy/FiveVersions";
    end["policies"][five]["versions"]["v1"] = policy(&start, five)["versions"]["v1"].clone();
    assert_eq!(end, start);
}

/// A principal whose name starts with `-` (IAM allows it): the helpers take
/// it as a positional argument, the AWS CLI joined to its option; both
/// scripts run, and the account ends where it started.
#[test]
fn a_name_that_looks_like_an_option_goes_through_both_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let a = "arn:aws:iam::111122223333";
    let doc = |actions: &[&str]| {
        serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": actions, "Resource": "*"}]})
    };
    let details = serde_json::json!({
        "RoleDetailList": [{"RoleName": "--debug", "Arn": format!("{a}:role/--debug"),
            "RolePolicyList": [{"PolicyName": "-p", "PolicyDocument": doc(&["s3:GetObject", "s3:PutObject"])}],
            "AttachedManagedPolicies": [{"PolicyName": "-w", "PolicyArn": format!("{a}:policy/-w")}]}],
        "Policies": [{"PolicyName": "-w", "Arn": format!("{a}:policy/-w"), "Path": "/",
            "DefaultVersionId": "v1", "PolicyVersionList": [
                {"VersionId": "v1", "IsDefaultVersion": true, "Document": doc(&["s3:PutObject"])}]}]
    });
    let findings = serde_json::json!([{"id": "f", "resource": format!("{a}:role/--debug"),
        "status": "ACTIVE", "findingType": "UnusedPermission",
        "findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": "s3",
            "actions": [{"action": "PutObject"}]}}]}]);
    let catalog = dir.path().join("catalog");
    std::fs::create_dir_all(catalog.join("v1/s3")).unwrap();
    std::fs::write(
        catalog.join("index.json"),
        r#"[{"service": "s3", "url": "https://servicereference.us-east-1.amazonaws.com/v1/s3/s3.json"}]"#,
    )
    .unwrap();
    std::fs::write(
        catalog.join("v1/s3/s3.json"),
        r#"{"Name": "s3", "Version": "v1.0", "Actions": [{"Name": "GetObject"}, {"Name": "PutObject",
            "Annotations": {"Properties": {"IsList": false, "IsPermissionManagement": false,
            "IsTaggingOnly": false, "IsWrite": true}}}]}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("details.json"), details.to_string()).unwrap();
    std::fs::write(dir.path().join("findings.json"), findings.to_string()).unwrap();
    let account = Account::new(
        &dir.path().join("details.json"),
        &dir.path().join("findings.json"),
        &catalog,
    );
    let start = account.state();
    let apply = account.run("apply.sh");
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    assert_eq!(
        verbs(&apply),
        ["put-role-policy", "detach-role-policy"],
        "{:?}",
        apply.changes
    );
    let applied = account.state();
    assert_eq!(
        applied["entities"]["role/--debug"]["attached"],
        serde_json::json!([])
    );
    let again = account.run("apply.sh");
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.changes.is_empty(), "{:?}", again.changes);
    let rollback = account.run("rollback.sh");
    assert_eq!(rollback.code, 0, "{}", rollback.stderr);
    assert_eq!(account.state(), start);
}
