//! `pare account --out` against a doctored details file: nothing is written
//! outside the plan, no two principals share a file, `apply.sh` runs exactly
//! the commands pare meant (checked by running it against a fake `aws`), and
//! nothing from input reaches the terminal unescaped.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::pare;
use serde_json::{Value, json};

const A: &str = "arn:aws:iam::111122223333";

fn doc() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "Resource": "*"}]})
}

fn inline(name: &str) -> Value {
    json!({"PolicyName": name, "PolicyDocument": doc()})
}

fn managed(name: &str, arn: &str) -> Value {
    json!({"PolicyName": name, "Arn": arn, "Path": "/", "DefaultVersionId": "v1",
        "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": doc()}]})
}

fn finding(id: &str, arn: &str, actions: &[&str]) -> Value {
    let actions: Vec<Value> = actions.iter().map(|a| json!({"action": a})).collect();
    json!({"id": id, "resource": arn, "status": "ACTIVE", "findingType": "UnusedPermission",
        "findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": "s3", "actions": actions}}]})
}

/// A work directory with a catalog, the details and the findings; the plan
/// goes to `work/a/b/plan`, two levels down, so that a `../..` escape would
/// still land inside `work` where the test looks for it.
struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn new(details: &Value, findings: &Value) -> Work {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let catalog = root.join("catalog");
        std::fs::create_dir_all(catalog.join("v1/s3")).unwrap();
        std::fs::write(
            catalog.join("index.json"),
            r#"[{"service": "s3", "url": "https://servicereference.us-east-1.amazonaws.com/v1/s3/s3.json"}]"#,
        )
        .unwrap();
        let action = |name: &str, write: bool| {
            json!({"Name": name, "Annotations": {"Properties": {"IsList": false,
                "IsPermissionManagement": false, "IsTaggingOnly": false, "IsWrite": write}}})
        };
        let service = json!({"Name": "s3", "Version": "v1.0", "Actions": [
            action("GetObject", false), action("PutObject", true), action("DeleteObject", true)]});
        std::fs::write(catalog.join("v1/s3/s3.json"), service.to_string()).unwrap();
        std::fs::write(root.join("details.json"), details.to_string()).unwrap();
        std::fs::write(root.join("findings.json"), findings.to_string()).unwrap();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        Work { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn path(&self, name: &str) -> String {
        self.root().join(name).to_str().unwrap().to_string()
    }

    fn plan(&self) -> PathBuf {
        self.root().join("a/b/plan")
    }

    /// `pare account` with `--out a/b/plan`.
    fn account(&self) -> (i32, String, String) {
        let plan = self.plan();
        pare(&[
            "account",
            &self.path("details.json"),
            "--findings",
            &self.path("findings.json"),
            "--catalog",
            &self.path("catalog"),
            "--out",
            plan.to_str().unwrap(),
        ])
    }

    /// Every file and directory below the work directory, relative.
    fn tree(&self) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        let mut pending = vec![self.root().to_path_buf()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let relative = path.strip_prefix(self.root()).unwrap();
                found.insert(relative.to_str().unwrap().to_string());
                if path.is_dir() && !path.is_symlink() {
                    pending.push(path);
                }
            }
        }
        found
    }
}

/// Names that try to climb out of the plan through every field that becomes
/// part of a path: role, user and group names, inline and managed policy
/// names, paths and ARNs.
fn traversal() -> (Value, Value) {
    let role = "../../role-escape";
    let user = "..";
    let group = "../group";
    let managed_arn = format!("{A}:policy/../../managed-escape");
    let aws_arn = "arn:aws:iam::aws:policy/../../aws-escape";
    let details = json!({
        "RoleDetailList": [{"RoleName": role, "Path": "/../../", "Arn": format!("{A}:role/{role}"),
            "RolePolicyList": [inline("../../inline-escape")],
            "AttachedManagedPolicies": [{"PolicyName": "../../managed-escape", "PolicyArn": managed_arn},
                                        {"PolicyName": "../../aws-escape", "PolicyArn": aws_arn}]}],
        "UserDetailList": [{"UserName": user, "Path": "/../", "Arn": format!("{A}:user/{user}"),
            "GroupList": [group], "UserPolicyList": [inline(".")],
            "AttachedManagedPolicies": [{"PolicyName": "../../managed-escape", "PolicyArn": managed_arn}]}],
        "GroupDetailList": [{"GroupName": group, "Path": "/", "Arn": format!("{A}:group/{group}"),
            "GroupPolicyList": [inline("/etc/passwd"), inline("../../../../../../tmp/x")]}],
        "Policies": [managed("../../managed-escape", &managed_arn), managed("../../aws-escape", aws_arn)],
    });
    let findings = json!([
        finding("f-role", &format!("{A}:role/{role}"), &["PutObject"]),
        finding(
            "f-user",
            &format!("{A}:user/{user}"),
            &["PutObject", "DeleteObject"]
        ),
    ]);
    (details, findings)
}

#[test]
fn no_name_writes_outside_the_plan() {
    let (details, findings) = traversal();
    let work = Work::new(&details, &findings);
    let before = work.tree();
    let (code, _, stderr) = work.account();
    assert_eq!(code, 0, "{stderr}");
    let plan = work.plan();
    let written: Vec<String> = work
        .tree()
        .difference(&before)
        .filter(|p| !Path::new(p).starts_with("a/b/plan"))
        .cloned()
        .collect();
    assert!(written.is_empty(), "written outside the plan: {written:?}");
    // Every policy that changes has its files, each a plain name.
    let mut files = Vec::new();
    let mut pending = vec![plan.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            assert!(!path.is_symlink());
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path.strip_prefix(&plan).unwrap().to_path_buf());
            }
        }
    }
    for file in &files {
        for part in file.components() {
            let part = part.as_os_str().to_str().unwrap();
            assert!(!part.starts_with('.'), "{}", file.display());
        }
    }
    // 6 changed policies (json + diff, one of them twice as an alternative),
    // the originals of the 4 inline ones, apply.sh and rollback.sh.
    assert_eq!(files.len(), 6 * 2 + 2 + 4 + 2, "{files:?}");
    // No temporary directory is left beside the plan.
    let beside: Vec<String> = std::fs::read_dir(work.root().join("a/b"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(beside, ["plan"]);
}

/// The details with `value` put at `pointer`, which must exist.
fn with(details: &Value, pointer: &str, value: &str) -> Value {
    let mut details = details.clone();
    *details
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer}")) = json!(value);
    details
}

#[test]
fn control_characters_in_any_name_or_arn_are_refused_where_they_are() {
    let (details, findings) = traversal();
    let fields = [
        ("/RoleDetailList/0/RoleName", "RoleDetailList[0].RoleName"),
        ("/RoleDetailList/0/Arn", "RoleDetailList[0].Arn"),
        ("/RoleDetailList/0/Path", "RoleDetailList[0].Path"),
        (
            "/RoleDetailList/0/RolePolicyList/0/PolicyName",
            "RoleDetailList[0].RolePolicyList[0].PolicyName",
        ),
        (
            "/RoleDetailList/0/AttachedManagedPolicies/0/PolicyArn",
            "RoleDetailList[0].AttachedManagedPolicies[0].PolicyArn",
        ),
        (
            "/RoleDetailList/0/AttachedManagedPolicies/1/PolicyName",
            "RoleDetailList[0].AttachedManagedPolicies[1].PolicyName",
        ),
        ("/UserDetailList/0/UserName", "UserDetailList[0].UserName"),
        ("/UserDetailList/0/Arn", "UserDetailList[0].Arn"),
        (
            "/UserDetailList/0/GroupList/0",
            "UserDetailList[0].GroupList[0]",
        ),
        (
            "/UserDetailList/0/UserPolicyList/0/PolicyName",
            "UserDetailList[0].UserPolicyList[0].PolicyName",
        ),
        (
            "/GroupDetailList/0/GroupName",
            "GroupDetailList[0].GroupName",
        ),
        ("/GroupDetailList/0/Arn", "GroupDetailList[0].Arn"),
        (
            "/GroupDetailList/0/GroupPolicyList/1/PolicyName",
            "GroupDetailList[0].GroupPolicyList[1].PolicyName",
        ),
        ("/Policies/0/PolicyName", "Policies[0].PolicyName"),
        ("/Policies/0/Arn", "Policies[0].Arn"),
        ("/Policies/0/Path", "Policies[0].Path"),
        (
            "/Policies/0/DefaultVersionId",
            "Policies[0].DefaultVersionId",
        ),
        (
            "/Policies/1/PolicyVersionList/0/VersionId",
            "Policies[1].PolicyVersionList[0].VersionId",
        ),
    ];
    for (pointer, path) in fields {
        for injected in ["\n", "\r", "\u{1b}[2J", "\0", "\u{85}"] {
            let original = details.pointer(pointer).unwrap().as_str().unwrap();
            let hostile = with(
                &details,
                pointer,
                &format!("{original}{injected}aws iam delete-role --role-name prod"),
            );
            let work = Work::new(&hostile, &findings);
            let (code, stdout, stderr) = work.account();
            assert_eq!(code, 2, "{pointer} {injected:?}: {stderr}");
            assert!(stdout.is_empty(), "{pointer}: {stdout}");
            assert!(
                stderr.contains(&format!("`{path}`: holds the control character")),
                "{pointer} {injected:?}: {stderr}"
            );
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
            assert!(!work.plan().exists(), "{pointer}: a plan was written");
        }
    }
}

/// Names that each try to run a command from `apply.sh`.
fn shell_hostile() -> (Value, Value) {
    let role = "x'; touch pwned-role; echo '";
    let user = "$(touch pwned-user)";
    let group = "`touch pwned-group`";
    let shared_arn = format!("{A}:policy/$(touch pwned-arn)");
    let detach_arn = format!("{A}:policy/'$(touch pwned-detach)'");
    let aws_arn = "arn:aws:iam::aws:policy/a b;touch pwned-aws";
    let details = json!({
        "RoleDetailList": [{"RoleName": role, "Arn": format!("{A}:role/q1"),
            "RolePolicyList": [inline("p\"; touch pwned-inline; \"")],
            "AttachedManagedPolicies": [{"PolicyName": "m", "PolicyArn": shared_arn},
                                        {"PolicyName": "aws*", "PolicyArn": aws_arn}]}],
        "UserDetailList": [{"UserName": user, "Arn": format!("{A}:user/q2"), "GroupList": [group],
            "UserPolicyList": [inline("&& touch pwned-user-inline")],
            "AttachedManagedPolicies": [{"PolicyName": "m", "PolicyArn": shared_arn},
                                        {"PolicyName": "d", "PolicyArn": detach_arn}]}],
        "GroupDetailList": [{"GroupName": group, "Arn": format!("{A}:group/q3"),
            "GroupPolicyList": [inline("--debug | touch pwned-group-inline #")]}],
        "Policies": [managed("$HOME", &shared_arn), managed("aws*; touch pwned-aws-name", aws_arn),
                     managed("d\\", &detach_arn)],
    });
    let findings = json!([
        finding("f-q1", &format!("{A}:role/q1"), &["PutObject"]),
        finding(
            "f-q2",
            &format!("{A}:user/q2"),
            &["GetObject", "PutObject", "DeleteObject"]
        ),
    ]);
    (details, findings)
}

/// Runs `plan/SCRIPT` with bash against the fake `aws`: its output, and the
/// calls that changed the model (the reads left out), each as its arguments.
#[cfg(unix)]
fn run_script(work: &Work, script: &str) -> (std::process::Output, Vec<Vec<String>>) {
    let log = work.root().join("aws.log");
    let _ = std::fs::remove_file(&log);
    let path = format!(
        "{}:{}",
        work.root().join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // bash is required: a missing bash fails the test rather than skipping it.
    let output = std::process::Command::new("bash")
        .arg(work.plan().join(script))
        .current_dir(work.root())
        .env("PATH", path)
        .env("AWS_LOG", &log)
        .env("FAKE_IAM", work.root().join("iam.json"))
        .env("FAKE_IAM_SEED", work.root().join("details.json"))
        .env("HOME", work.root())
        .output()
        .expect("bash runs");
    let calls = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(|line| {
            line.strip_suffix('\u{1f}')
                .unwrap()
                .split('\u{1f}')
                .map(String::from)
                .collect::<Vec<String>>()
        })
        .filter(|call| !(call[1].starts_with("get-") || call[1].starts_with("list-")))
        .collect();
    (output, calls)
}

/// The model's state (`fake-dump`), seeded from the details if need be.
#[cfg(unix)]
fn iam_state(work: &Work) -> String {
    let output = std::process::Command::new("python3")
        .arg(work.root().join("bin/fake_iam.py"))
        .arg("fake-dump")
        .env("FAKE_IAM", work.root().join("iam.json"))
        .env("FAKE_IAM_SEED", work.root().join("details.json"))
        .output()
        .expect("python3 runs");
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

#[test]
#[cfg(unix)]
fn apply_sh_runs_exactly_the_commands_pare_meant() {
    let (details, findings) = shell_hostile();
    let work = Work::new(&details, &findings);
    let (code, _, stderr) = work.account();
    assert_eq!(code, 0, "{stderr}");
    crate::common::install_fake_aws(work.root());
    let start = iam_state(&work);
    let before = work.tree();

    let (output, calls) = run_script(&work, "apply.sh");
    assert!(
        output.status.success(),
        "apply.sh failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    let role = "x'; touch pwned-role; echo '";
    let user = "$(touch pwned-user)";
    let group = "`touch pwned-group`";
    let expected: Vec<Vec<String>> = [
        vec![
            "iam",
            "put-role-policy",
            "--role-name",
            role,
            "--policy-name",
            "p\"; touch pwned-inline; \"",
            "--policy-document",
            "file://role/x___touch_pwned-role__echo__/p___touch_pwned-inline___.json",
        ],
        vec![
            "iam",
            "create-policy-version",
            "--policy-arn",
            "arn:aws:iam::111122223333:policy/$(touch pwned-arn)",
            "--policy-document",
            "file://managed/_HOME.json",
            "--set-as-default",
        ],
        vec![
            "iam",
            "create-policy",
            "--policy-name",
            "pare-aws*; touch pwned-aws-name",
            "--policy-document",
            "file://aws-managed/aws___touch_pwned-aws-name.json",
            "--query",
            "Policy.Arn",
            "--output",
            "text",
        ],
        vec![
            "iam",
            "attach-role-policy",
            "--role-name",
            role,
            "--policy-arn",
            "arn:aws:iam::111122223333:policy/pare-aws*; touch pwned-aws-name",
        ],
        vec![
            "iam",
            "detach-role-policy",
            "--role-name",
            role,
            "--policy-arn",
            "arn:aws:iam::aws:policy/a b;touch pwned-aws",
        ],
        vec![
            "iam",
            "delete-user-policy",
            "--user-name",
            user,
            "--policy-name",
            "&& touch pwned-user-inline",
        ],
        vec![
            "iam",
            "detach-user-policy",
            "--user-name",
            user,
            "--policy-arn",
            "arn:aws:iam::111122223333:policy/'$(touch pwned-detach)'",
        ],
        // A value that starts with `-` is joined to its option, or the AWS
        // CLI would read it as an option of its own.
        vec![
            "iam",
            "delete-group-policy",
            "--group-name",
            group,
            "--policy-name=--debug | touch pwned-group-inline #",
        ],
    ]
    .into_iter()
    .map(|call| call.into_iter().map(String::from).collect())
    .collect();
    assert_eq!(calls, expected);

    // rollback.sh undoes exactly that, in the reverse order, and the model
    // ends where it started.
    let (output, calls) = run_script(&work, "rollback.sh");
    assert!(
        output.status.success(),
        "rollback.sh failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected: Vec<Vec<String>> = ROLLBACK_CALLS
        .iter()
        .map(|call| call.iter().map(|a| a.to_string()).collect())
        .collect();
    assert_eq!(calls, expected);
    assert_eq!(iam_state(&work), start);

    // Nothing but the log and the model appeared: no `pwned-*` anywhere, no stray file.
    let after = work.tree();
    let new: Vec<&String> = after.difference(&before).collect();
    assert_eq!(new, ["aws.log", "iam.json"], "files that appeared: {new:?}");
}

/// What rollback.sh of [`shell_hostile`]'s plan runs, after apply.sh.
#[cfg(unix)]
const ROLLBACK_CALLS: &[&[&str]] = &[
    // The group's inline policy back, from the plan's copy of the original.
    &[
        r#"iam"#,
        r#"put-group-policy"#,
        r#"--group-name"#,
        r#"`touch pwned-group`"#,
        r#"--policy-name=--debug | touch pwned-group-inline #"#,
        r#"--policy-document"#,
        r#"file://original/group/_touch_pwned-group_/_--debug___touch_pwned-group-inline__.json"#,
    ],
    // The detached policy attached again.
    &[
        r#"iam"#,
        r#"attach-user-policy"#,
        r#"--user-name"#,
        r#"$(touch pwned-user)"#,
        r#"--policy-arn"#,
        r#"arn:aws:iam::111122223333:policy/'$(touch pwned-detach)'"#,
    ],
    &[
        r#"iam"#,
        r#"put-user-policy"#,
        r#"--user-name"#,
        r#"$(touch pwned-user)"#,
        r#"--policy-name"#,
        r#"&& touch pwned-user-inline"#,
        r#"--policy-document"#,
        r#"file://original/user/__touch_pwned-user_/___touch_pwned-user-inline.json"#,
    ],
    // The replacement's original attached again before the replacement goes.
    &[
        r#"iam"#,
        r#"attach-role-policy"#,
        r#"--role-name"#,
        r#"x'; touch pwned-role; echo '"#,
        r#"--policy-arn"#,
        r#"arn:aws:iam::aws:policy/a b;touch pwned-aws"#,
    ],
    &[
        r#"iam"#,
        r#"detach-role-policy"#,
        r#"--role-name"#,
        r#"x'; touch pwned-role; echo '"#,
        r#"--policy-arn"#,
        r#"arn:aws:iam::111122223333:policy/pare-aws*; touch pwned-aws-name"#,
    ],
    &[
        r#"iam"#,
        r#"delete-policy"#,
        r#"--policy-arn"#,
        r#"arn:aws:iam::111122223333:policy/pare-aws*; touch pwned-aws-name"#,
    ],
    // The previous default version back; the version apply.sh made deleted.
    &[
        r#"iam"#,
        r#"set-default-policy-version"#,
        r#"--policy-arn"#,
        r#"arn:aws:iam::111122223333:policy/$(touch pwned-arn)"#,
        r#"--version-id"#,
        r#"v1"#,
    ],
    &[
        r#"iam"#,
        r#"delete-policy-version"#,
        r#"--policy-arn"#,
        r#"arn:aws:iam::111122223333:policy/$(touch pwned-arn)"#,
        r#"--version-id"#,
        r#"v2"#,
    ],
    &[
        r#"iam"#,
        r#"put-role-policy"#,
        r#"--role-name"#,
        r#"x'; touch pwned-role; echo '"#,
        r#"--policy-name"#,
        r#"p"; touch pwned-inline; ""#,
        r#"--policy-document"#,
        r#"file://original/role/x___touch_pwned-role__echo__/p___touch_pwned-inline___.json"#,
    ],
];

#[test]
fn colliding_names_get_their_own_files() {
    let roles = ["App", "app", "a b", "a_b", ".", "_._", ".."];
    let mut list = Vec::new();
    let mut findings = Vec::new();
    for (i, role) in roles.iter().enumerate() {
        let arn = format!("{A}:role/r{i}");
        list.push(json!({"RoleName": role, "Arn": arn, "RolePolicyList": [
            inline("Policy"), inline("policy"), inline("p q"), inline("p_q"), inline(".."), inline("_.._")]}));
        findings.push(finding(&format!("f{i}"), &arn, &["PutObject"]));
    }
    let details = json!({"RoleDetailList": list});
    let work = Work::new(&details, &Value::Array(findings));
    let (code, _, stderr) = work.account();
    assert_eq!(code, 0, "{stderr}");
    let script = std::fs::read_to_string(work.plan().join("apply.sh")).unwrap();
    // One put-role-policy per (role, policy), each with its own file, and no
    // two files the same once case is ignored.
    let files: Vec<String> = script
        .split_whitespace()
        .filter_map(|w| w.trim_matches('\'').strip_prefix("file://"))
        .map(|f| f.to_ascii_lowercase())
        .collect();
    assert_eq!(files.len(), roles.len() * 6, "{script}");
    let distinct: BTreeSet<&String> = files.iter().collect();
    assert_eq!(distinct.len(), files.len(), "{files:#?}");
    // Each clash is named.
    assert!(
        stderr.contains("role/app and role/App would both be written as `role/app`"),
        "{stderr}"
    );
    // A name the sanitizer left alone keeps its place; the altered one moves.
    assert!(
        stderr.contains("role/a b is written as `role/a_b~2`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("role/. is written as `role/_._~2`"),
        "{stderr}"
    );
    // Each refined document is the one of its own principal and policy:
    // the script's commands and their files pair up one to one.
    for line in script
        .lines()
        .filter(|l| l.starts_with("aws iam put-role-policy"))
    {
        let file = line.split("file://").nth(1).unwrap().trim_end_matches('\'');
        assert!(work.plan().join(file).is_file(), "{file}");
    }
}

#[test]
fn a_leftover_of_a_killed_run_does_not_stop_the_next() {
    let (details, findings) = traversal();
    let work = Work::new(&details, &findings);
    // What a killed run leaves: its temporary directory, half written.
    let leftover = work.root().join("a/b/.pare-plan-abc123");
    std::fs::create_dir_all(leftover.join("role")).unwrap();
    std::fs::write(leftover.join("role/half.json"), "{").unwrap();
    let (code, _, stderr) = work.account();
    assert_eq!(code, 0, "{stderr}");
    assert!(work.plan().join("apply.sh").is_file());
    // pare did not make it in this run: it is left alone.
    assert!(leftover.join("role/half.json").is_file());
}

#[test]
fn a_failed_run_leaves_nothing_and_touches_no_other_directory() {
    let (details, findings) = traversal();
    let work = Work::new(&details, &findings);
    // `--out` names a non-empty directory: refused before anything is made.
    std::fs::create_dir_all(work.plan()).unwrap();
    std::fs::write(work.plan().join("mine.txt"), "keep").unwrap();
    let before = work.tree();
    let (code, _, stderr) = work.account();
    assert_eq!(code, 2);
    assert!(stderr.contains("is not empty"), "{stderr}");
    assert_eq!(work.tree(), before);
}

/// Bytes a terminal acts on: every control character but the line feed.
fn drives_a_terminal(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && c != '\n')
}

#[test]
fn nothing_from_input_drives_the_terminal() {
    let esc = "\u{1b}]0;owned\u{7}\u{1b}[2J\r\u{9b}31m";
    let details = json!({"RoleDetailList": [{"RoleName": "app", "Arn": format!("{A}:role/app"),
        "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject",
                format!("s3:Get{esc}Object")], "Resource": "*"}]}}]}]});
    let mut other = finding(&format!("g{esc}"), &format!("{A}:role/app"), &[]);
    other["findingType"] = json!("UnusedIAMRole");
    let findings = json!([
        finding(&format!("f{esc}"), &format!("{A}:role/app"), &["PutObject"]),
        other,
        finding("h", &format!("{A}:role/gone{esc}"), &["PutObject"]),
    ]);
    let work = Work::new(&details, &findings);
    for format in ["table", "csv"] {
        let (code, stdout, stderr) = pare(&[
            "account",
            &work.path("details.json"),
            "--findings",
            &work.path("findings.json"),
            "--catalog",
            &work.path("catalog"),
            "--format",
            format,
        ]);
        assert_eq!(code, 0, "{stderr}");
        if format == "table" {
            assert!(!drives_a_terminal(&stdout), "{stdout:?}");
            assert!(stdout.contains("\\u{1b}"), "{stdout}");
        }
        assert!(!drives_a_terminal(&stderr), "{stderr:?}");
        assert!(stderr.contains("\\u{1b}"), "{stderr}");
    }
    // An error quoting a finding's action.
    let bad = json!([finding(
        "i",
        &format!("{A}:role/app"),
        &[&format!("Nope{esc}")]
    )]);
    std::fs::write(work.path("bad.json"), bad.to_string()).unwrap();
    let (code, _, stderr) = pare(&[
        "account",
        &work.path("details.json"),
        "--findings",
        &work.path("bad.json"),
        "--catalog",
        &work.path("catalog"),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(!drives_a_terminal(&stderr), "{stderr:?}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // Refine's diagnostics, and an error message quoting the input.
    let policy = work.path("policy.json");
    std::fs::write(
        &policy,
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["s3:PutObject", format!("s3:Get{esc}Object"), format!("{esc}:x")], "Resource": "*"}]})
        .to_string(),
    )
    .unwrap();
    let unused = work.path("unused.txt");
    std::fs::write(&unused, "s3:PutObject\n").unwrap();
    let catalog = work.path("catalog");
    let (code, _, stderr) = pare(&[
        "refine",
        &policy,
        "--unused",
        &unused,
        "--catalog",
        &catalog,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!drives_a_terminal(&stderr), "{stderr:?}");
    assert!(stderr.contains("\\u{1b}"), "{stderr}");
    std::fs::write(&unused, format!("s3:PutObject\ns3:{esc}\n")).unwrap();
    let (code, _, stderr) = pare(&[
        "refine",
        &policy,
        "--unused",
        &unused,
        "--catalog",
        &catalog,
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(!drives_a_terminal(&stderr), "{stderr:?}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// A small deterministic generator (xorshift), so that a failure repeats.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A name of 1 to 6 characters from an alphabet of path, shell and case
    /// troublemakers (control characters are refused by the reader, and
    /// tested above).
    fn name(&mut self) -> String {
        const ALPHABET: [&str; 24] = [
            ".", "/", "\\", "'", "\"", "$", "(", ")", "`", ";", "&", "|", " ", "~", "*", "A", "a",
            "_", "-", "é", "#", "!", "{", "\u{202e}",
        ];
        let len = 1 + self.below(6);
        (0..len)
            .map(|_| ALPHABET[self.below(ALPHABET.len())])
            .collect()
    }
}

/// Random hostile names, many plans: every file stays inside the plan, every
/// (principal, policy) gets its own file, and `apply.sh`, run against the
/// fake `aws`, writes exactly those principals' policies from exactly those
/// files.
#[test]
#[cfg(unix)]
fn random_hostile_names_keep_every_guarantee() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..40 {
        let mut roles: Vec<(String, Vec<String>)> = Vec::new();
        for _ in 0..1 + rng.below(4) {
            let role = rng.name();
            if roles.iter().any(|(r, _)| *r == role) {
                continue;
            }
            let mut policies: Vec<String> = Vec::new();
            for _ in 0..1 + rng.below(3) {
                let policy = rng.name();
                if !policies.contains(&policy) {
                    policies.push(policy);
                }
            }
            roles.push((role, policies));
        }
        let list: Vec<Value> = roles
            .iter()
            .enumerate()
            .map(|(i, (role, policies))| {
                let policies: Vec<Value> = policies.iter().map(|p| inline(p)).collect();
                json!({"RoleName": role, "Arn": format!("{A}:role/r{i}"), "RolePolicyList": policies})
            })
            .collect();
        let findings: Vec<Value> = (0..roles.len())
            .map(|i| finding(&format!("f{i}"), &format!("{A}:role/r{i}"), &["PutObject"]))
            .collect();
        let work = Work::new(&json!({"RoleDetailList": list}), &Value::Array(findings));
        let before = work.tree();
        let (code, stdout, stderr) = work.account();
        assert_eq!(code, 0, "round {round}: {roles:?}\n{stderr}");
        assert!(!drives_a_terminal(&stdout), "{stdout:?}");
        assert!(!drives_a_terminal(&stderr), "{stderr:?}");
        let outside: Vec<String> = work
            .tree()
            .difference(&before)
            .filter(|p| !Path::new(p).starts_with("a/b/plan"))
            .cloned()
            .collect();
        assert!(outside.is_empty(), "round {round}: {roles:?}: {outside:?}");

        crate::common::install_fake_aws(work.root());
        let start = iam_state(&work);
        let (output, calls) = run_script(&work, "apply.sh");
        assert!(
            output.status.success(),
            "round {round}: {roles:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let mut called = BTreeSet::new();
        let mut files = BTreeSet::new();
        for call in &calls {
            let args: Vec<&str> = call.iter().map(String::as_str).collect();
            assert_eq!(args[..2], ["iam", "put-role-policy"], "{args:?}");
            let options = options(&args[2..]);
            let names: Vec<&str> = options.iter().map(|(o, _)| o.as_str()).collect();
            assert_eq!(
                names,
                ["--role-name", "--policy-name", "--policy-document"],
                "{args:?}"
            );
            let file = options[2].1.strip_prefix("file://").unwrap();
            let document = std::fs::read_to_string(work.plan().join(file)).unwrap();
            assert!(!document.contains("s3:PutObject"), "{file}");
            assert!(files.insert(file.to_ascii_lowercase()), "{file} twice");
            called.insert((options[0].1.clone(), options[1].1.clone()));
        }
        let expected: BTreeSet<(String, String)> = roles
            .iter()
            .flat_map(|(r, ps)| ps.iter().map(move |p| (r.clone(), p.clone())))
            .collect();
        assert_eq!(called, expected, "round {round}");
        // rollback.sh puts every original document back.
        let (output, _) = run_script(&work, "rollback.sh");
        assert!(
            output.status.success(),
            "round {round}: {roles:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(iam_state(&work), start, "round {round}: {roles:?}");
        let new: Vec<String> = work.tree().difference(&before).cloned().collect();
        assert!(
            new.iter().all(|p| p.starts_with("a/b/plan")
                || p.starts_with("bin")
                || p == "aws.log"
                || p == "iam.json"),
            "round {round}: {new:?}"
        );
    }
}

/// `--name VALUE` and `--name=VALUE` pairs, as the AWS CLI reads them: a
/// value apart from its option never starts with `-` in pare's scripts.
fn options(args: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        assert!(arg.starts_with("--"), "{args:?}");
        match arg.split_once('=') {
            Some((name, value)) => out.push((name.to_string(), value.to_string())),
            None => {
                let value = rest.next().unwrap();
                assert!(!value.starts_with('-'), "{args:?}");
                out.push((arg.to_string(), value.to_string()));
            }
        }
    }
    out
}
