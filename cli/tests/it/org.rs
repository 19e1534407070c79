//! An organization's plan against the fake `aws` (`fake_iam.py`) keeping one
//! IAM model per profile: each account's `apply.sh` and `rollback.sh` run
//! with `--profile`, every call carries it, credentials for another account
//! are refused, a policy changed since the details were collected (drift)
//! is left alone, and every account ends where it started.

#![cfg(unix)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde_json::Value;

const ACCOUNTS: [&str; 3] = ["111111111111", "222222222222", "333333333333"];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../snapshots/fixtures")
}

struct Org {
    aws: crate::common::FakeAws,
}

/// What one script run left.
struct Run {
    code: i32,
    stderr: String,
    /// Every call, with its arguments.
    calls: Vec<Vec<String>>,
}

impl Run {
    /// The calls that changed an account (reads left out).
    fn changes(&self) -> Vec<&Vec<String>> {
        self.calls
            .iter()
            .filter(|call| {
                let verb = call.get(3).map_or("", String::as_str);
                !verb.starts_with("get-") && !verb.starts_with("list-")
            })
            .collect()
    }
}

fn profile(account: &str) -> String {
    if account == "management" {
        return account.to_string();
    }
    format!("member-{account}")
}

impl Org {
    /// The fake `aws` on `bin/`, one model per account seeded from its
    /// details, and the organization's plan in `plan/`.
    fn new() -> Org {
        let aws = crate::common::FakeAws::per_profile();
        let profiles = aws.root().join("profiles");
        let details = fixtures().join("org/details");
        for account in ACCOUNTS {
            std::fs::copy(
                details.join(format!("{account}.json")),
                profiles.join(format!("{}.seed.json", profile(account))),
            )
            .unwrap();
        }
        // Where Identity Center is administered: its permission sets' inline policies.
        let bundle = fixtures().join("org/identity-center");
        let mut sets = serde_json::Map::new();
        for entry in std::fs::read_dir(&bundle).unwrap() {
            let dir = entry.unwrap().path();
            let read = |file: &str| -> Value {
                serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap()
            };
            let arn =
                read("describe-permission-set.json")["PermissionSet"]["PermissionSetArn"].clone();
            let inline = read("get-inline-policy-for-permission-set.json")["InlinePolicy"].clone();
            sets.insert(arn.as_str().unwrap().to_string(), inline);
        }
        std::fs::write(
            profiles.join("management.seed.json"),
            serde_json::json!({ "PermissionSets": sets }).to_string(),
        )
        .unwrap();
        let org = Org { aws };
        let args: Vec<OsString> = vec![
            "pare".into(),
            "account".into(),
            details.into(),
            "--findings".into(),
            fixtures().join("org/findings.jsonl").into(),
            "--catalog".into(),
            fixtures().join("account/catalog").into(),
            "--identity-center".into(),
            bundle.into(),
            "--out".into(),
            org.plan().into(),
            "--format".into(),
            "csv".into(),
        ];
        let (code, _, stderr) = crate::common::run_os(args);
        assert_eq!(code, 0, "{stderr}");
        org
    }

    fn root(&self) -> &Path {
        self.aws.root()
    }

    fn plan(&self) -> PathBuf {
        self.root().join("plan")
    }

    /// `aws --profile PROFILE ARGS` against the model; panics when it fails.
    fn aws(&self, account: &str, args: &[&str]) -> String {
        let profile = profile(account);
        let mut all = vec!["--profile", profile.as_str()];
        all.extend_from_slice(args);
        self.aws.aws(&all)
    }

    fn state(&self, account: &str) -> Value {
        serde_json::from_str(&self.aws(account, &["fake-dump"])).unwrap()
    }

    fn states(&self) -> Vec<Value> {
        ACCOUNTS.iter().map(|a| self.state(a)).collect()
    }

    /// `bash plan/ACCOUNT/SCRIPT ARGS...`.
    fn run(&self, account: &str, script: &str, args: &[&str]) -> Run {
        let run = self.aws.run(&self.plan().join(account).join(script), args);
        Run {
            code: run.code,
            stderr: run.stderr,
            calls: run.calls,
        }
    }

    /// Runs SCRIPT for ACCOUNT with its own profile, and checks that every
    /// call carried that profile.
    fn run_as(&self, account: &str, script: &str) -> Run {
        let name = profile(account);
        let run = self.run(account, script, &["--profile", &name]);
        assert!(!run.calls.is_empty(), "{}", run.stderr);
        for call in &run.calls {
            assert_eq!(
                call[..2],
                ["--profile".to_string(), name.clone()],
                "a call without the profile: {call:?}"
            );
        }
        run
    }
}

#[test]
fn each_account_applies_re_applies_and_rolls_back_with_its_profile() {
    let org = Org::new();
    let (a, b, c) = (ACCOUNTS[0], ACCOUNTS[1], ACCOUNTS[2]);
    // Drift: account b's `app` changed after its details were collected.
    std::fs::write(
        org.root().join("edited.json"),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}"#,
    )
    .unwrap();
    org.aws(
        b,
        &[
            "iam",
            "put-role-policy",
            "--role-name",
            "app",
            "--policy-name",
            "app-inline",
            "--policy-document",
            "file://edited.json",
        ],
    );
    let start = org.states();

    // Another account's credentials, or none: nothing is done.
    let wrong = org.run(a, "apply.sh", &["--profile", &profile(b)]);
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);
    assert!(
        wrong.stderr.contains(&format!(
            "these credentials are for account {b}; this plan is for {a}: nothing done"
        )),
        "{}",
        wrong.stderr
    );
    assert_eq!(wrong.calls.len(), 1, "{:?}", wrong.calls);
    assert_eq!(
        wrong.calls[0][2..],
        [
            "sts",
            "get-caller-identity",
            "--query",
            "Account",
            "--output",
            "text"
        ]
    );
    let none = org.run(a, "apply.sh", &[]);
    assert_ne!(none.code, 0, "{}", none.stderr);
    let bad = org.run(a, "apply.sh", &["--role", "x"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("usage: bash apply.sh [--profile NAME]"));
    assert_eq!(org.states(), start);

    let mut applied = Vec::new();
    for account in ACCOUNTS {
        let apply = org.run_as(account, "apply.sh");
        if account == b {
            assert_eq!(apply.code, 1, "{}", apply.stderr);
            assert!(
                apply.stderr.contains(
                    "skipped: role/app: inline policy `app-inline`: its document changed since the plan was made"
                ),
                "{}",
                apply.stderr
            );
        } else {
            assert_eq!(apply.code, 0, "{}", apply.stderr);
            assert!(!apply.stderr.contains("skipped"), "{}", apply.stderr);
        }
        applied.push(org.state(account));
    }
    // Each account changed, and only itself: the others' models are as
    // each script left them.
    for (n, account) in ACCOUNTS.iter().enumerate() {
        assert_ne!(applied[n], start[n], "{account}");
        assert_eq!(org.state(account), applied[n], "{account}");
    }
    // The drifted policy stands; account b's other policies were applied.
    assert_eq!(
        applied[1]["entities"]["role/app"]["inline"]["app-inline"],
        start[1]["entities"]["role/app"]["inline"]["app-inline"]
    );
    // Same name, three accounts: each `Deploy` went its own way.
    let deploy = |n: usize, account: &str| {
        applied[n]["policies"]
            .get(format!("arn:aws:iam::{account}:policy/Deploy"))
            .cloned()
    };
    assert_eq!(deploy(0, a).unwrap()["default"], "v3");
    assert!(
        applied[1]["entities"]["role/ci"]["attached"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p != &format!("arn:aws:iam::{b}:policy/Deploy"))
    );
    assert_eq!(deploy(2, c).unwrap()["default"], "v3");
    assert!(
        applied[0]["policies"]
            .get(format!(
                "arn:aws:iam::{a}:policy/pare-AmazonS3ReadOnlyAccess"
            ))
            .is_some()
    );

    for (n, account) in ACCOUNTS.iter().enumerate() {
        let again = org.run_as(account, "apply.sh");
        assert_eq!(again.code, i32::from(*account == b), "{}", again.stderr);
        assert!(again.changes().is_empty(), "{:?}", again.changes());
        assert_eq!(org.state(account), applied[n]);
    }
    for (n, account) in ACCOUNTS.iter().enumerate() {
        let rollback = org.run_as(account, "rollback.sh");
        assert_eq!(
            rollback.code,
            i32::from(*account == b),
            "{}",
            rollback.stderr
        );
        assert_eq!(
            org.state(account),
            start[n],
            "{account} did not end where it started"
        );
        let twice = org.run_as(account, "rollback.sh");
        assert!(twice.changes().is_empty(), "{:?}", twice.changes());
    }
}

#[test]
fn permission_sets_change_in_identity_center_never_in_the_accounts() {
    let org = Org::new();
    let start = org.states();
    let management = org.state("management");
    let dev = "arn:aws:sso:::permissionSet/ssoins-7223a0e4b3b1c2d5/ps-1a2b3c4d5e6f7a8b";
    let audit = "arn:aws:sso:::permissionSet/ssoins-7223a0e4b3b1c2d5/ps-9f8e7d6c5b4a3f2e";

    let apply = org.run("identity-center", "apply.sh", &["--profile", "management"]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    let verbs: Vec<&str> = apply.changes().iter().map(|c| c[3].as_str()).collect();
    assert_eq!(
        verbs,
        [
            "put-inline-policy-to-permission-set",
            "provision-permission-set"
        ],
        "{:?}",
        apply.calls
    );
    let applied = org.state("management");
    // DevAccess loses what its role leaves unused in both accounts; the
    // action used in 222222222222 only stays. Audit is also provisioned
    // outside the run: unchanged.
    let inline: Value =
        serde_json::from_str(applied["permission_sets"][dev]["inline"].as_str().unwrap()).unwrap();
    let actions = &inline["Statement"][0]["Action"];
    assert_eq!(
        actions,
        &serde_json::json!(["s3:GetObject", "sqs:SendMessage", "dynamodb:GetItem"])
    );
    assert_eq!(applied["permission_sets"][dev]["provisioned"], true);
    assert_eq!(
        applied["permission_sets"][audit],
        management["permission_sets"][audit]
    );
    // No account's model was touched: the reserved roles are IAM's to keep.
    assert_eq!(org.states(), start);
    // Nor will the accounts' own plans touch them.
    for account in ACCOUNTS {
        let script = std::fs::read_to_string(org.plan().join(account).join("apply.sh")).unwrap();
        assert!(!script.contains("AWSReservedSSO_"), "{account}: {script}");
    }

    let again = org.run("identity-center", "apply.sh", &["--profile", "management"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.changes().is_empty(), "{:?}", again.changes());
    assert!(
        again
            .stderr
            .contains("already done: permission set `DevAccess`")
    );

    // A run whose provisioning did not go through: the next one provisions.
    let state_file = org.root().join("profiles/management.json");
    let mut state: Value =
        serde_json::from_str(&std::fs::read_to_string(&state_file).unwrap()).unwrap();
    state["permission_sets"][dev]["provisioned"] = Value::Bool(false);
    std::fs::write(&state_file, state.to_string()).unwrap();
    let resumed = org.run("identity-center", "apply.sh", &["--profile", "management"]);
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    let verbs: Vec<&str> = resumed.changes().iter().map(|c| c[3].as_str()).collect();
    assert_eq!(verbs, ["provision-permission-set"], "{:?}", resumed.calls);
    assert_eq!(org.state("management"), applied);

    let rollback = org.run(
        "identity-center",
        "rollback.sh",
        &["--profile", "management"],
    );
    assert_eq!(rollback.code, 0, "{}", rollback.stderr);
    assert_eq!(org.state("management"), management);
    let twice = org.run(
        "identity-center",
        "rollback.sh",
        &["--profile", "management"],
    );
    assert!(twice.changes().is_empty(), "{:?}", twice.changes());

    // Changed in Identity Center since the plan: left alone.
    std::fs::write(
        org.root().join("edited.json"),
        r#"{"Version":"2012-10-17","Statement":[]}"#,
    )
    .unwrap();
    org.aws(
        "management",
        &[
            "sso-admin",
            "put-inline-policy-to-permission-set",
            "--instance-arn",
            "arn:aws:sso:::instance/ssoins-7223a0e4b3b1c2d5",
            "--permission-set-arn",
            dev,
            "--inline-policy",
            "file://edited.json",
        ],
    );
    let drifted = org.state("management");
    let skipped = org.run("identity-center", "apply.sh", &["--profile", "management"]);
    assert_eq!(skipped.code, 1, "{}", skipped.stderr);
    assert!(
        skipped.stderr.contains(
            "skipped: permission set `DevAccess`: its inline policy changed since the plan was made"
        ),
        "{}",
        skipped.stderr
    );
    assert_eq!(org.state("management"), drifted);
}
