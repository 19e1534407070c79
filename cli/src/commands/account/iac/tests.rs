//! End-to-end cases of `pare account` with `--terraform`: the patches and
//! the paths they may touch.

use super::terraform::below;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// A fresh directory under the system's temporary one, removed by the caller.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pare-iac-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// An account of one role `app` with the inline policies given, and a
/// finding that leaves `s3:PutObject` unused.
fn account(dir: &Path, inline: &[&str]) {
    let policies: Vec<String> = inline
        .iter()
        .map(|name| {
            format!(
                r#"{{"PolicyName": "{name}", "PolicyDocument": {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}}]}}}}"#
            )
        })
        .collect();
    write(
        &dir.join("details.json"),
        &format!(
            r#"{{"UserDetailList": [], "GroupDetailList": [], "Policies": [], "RoleDetailList": [
              {{"RoleName": "app", "RoleId": "AROAAPPXXXXXXXXXXXXXX", "Arn": "arn:aws:iam::111122223333:role/app", "Path": "/",
                "RolePolicyList": [{}], "AttachedManagedPolicies": []}}]}}"#,
            policies.join(",")
        ),
    );
    write(
        &dir.join("findings.json"),
        r#"{"id": "f-app", "resource": "arn:aws:iam::111122223333:role/app", "resourceType": "AWS::IAM::Role",
           "resourceOwnerAccount": "111122223333", "status": "ACTIVE", "findingType": "UnusedPermission",
           "findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": "s3", "actions": [{"action": "PutObject"}]}}]}"#,
    );
}

/// A state resource holding the inline policy `name` of role `app`.
fn held(address: &str, module: &str, name: &str) -> String {
    let kind_name = address.rsplit('.').take(2).collect::<Vec<_>>();
    format!(
        r#"{{"address": {}, "mode": "managed", "type": "aws_iam_role_policy", "name": {}, "values": {{"role": "app", "name": "{name}"}}, "module": "{module}"}}"#,
        serde_json::to_string(address).unwrap(),
        serde_json::to_string(kind_name[0]).unwrap()
    )
}

/// A `terraform show -json` state whose root module holds `resources`.
fn root_state(resources: &str) -> String {
    format!(
        r#"{{"format_version": "1.0", "values": {{"root_module": {{"resources": [{resources}]}}}}}}"#
    )
}

fn run(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args: Vec<OsString> = vec![
        "pare".into(),
        "account".into(),
        dir.join("details.json").into(),
        "--findings".into(),
        dir.join("findings.json").into(),
        "--terraform".into(),
        dir.join("tf").into(),
        "--terraform-state".into(),
        dir.join("state.json").into(),
        "--out".into(),
        dir.join("plan").into(),
    ];
    args.extend(extra.iter().map(OsString::from));
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = {
        let mut io = crate::io::Io::buffers(&[], &mut stdout, &mut stderr);
        crate::run(args, &mut io)
    };
    (
        code,
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

const POLICY: &str = r#"  policy = jsonencode({
Statement = [{ Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "*" }]
  })
"#;

#[test]
fn a_patch_applies_with_git_from_the_terraform_root() {
    let dir = scratch("apply");
    account(&dir, &["app"]);
    let main = format!(
        "# the app\nresource \"aws_iam_role_policy\" \"app\" {{\n  name = \"app\"\n  role = \"app\"\n{POLICY}}}\n"
    );
    write(&dir.join("tf/main.tf"), &main);
    write(
        &dir.join("state.json"),
        &root_state(&held("aws_iam_role_policy.app", "", "app")),
    );
    let (code, stdout, stderr) = run(&dir, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("terraform/main.tf.patch"), "{stdout}");
    let script = std::fs::read_to_string(dir.join("plan/apply.sh")).unwrap();
    assert!(!script.contains("put-role-policy"), "{script}");
    // The user's file is not touched: the patch is the change.
    assert_eq!(
        std::fs::read_to_string(dir.join("tf/main.tf")).unwrap(),
        main
    );
    let patch = dir.join("plan/terraform/main.tf.patch");
    let copy = dir.join("copy");
    std::fs::create_dir_all(&copy).unwrap();
    std::fs::copy(dir.join("tf/main.tf"), copy.join("main.tf")).unwrap();
    let applied = std::process::Command::new("git")
        .arg("apply")
        .arg(&patch)
        .current_dir(&copy)
        .status();
    match applied {
        Ok(status) => {
            assert!(status.success(), "git apply failed");
            let after = std::fs::read_to_string(copy.join("main.tf")).unwrap();
            assert_eq!(after, main.replace(", \"s3:PutObject\"", ""));
        }
        Err(e) => eprintln!("git is not available here ({e}): the patch was not applied"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn hostile_paths_in_the_code_and_state_read_and_write_nothing_outside() {
    let dir = scratch("hostile");
    account(&dir, &["escape", "deep", "file", "odd"]);
    let outside = format!("resource \"aws_iam_role_policy\" \"x\" {{\n{POLICY}}}\n");
    write(&dir.join("outside/main.tf"), &outside);
    write(&dir.join("secret.json"), "{\"Statement\": []}");
    write(
        &dir.join("tf/main.tf"),
        "module \"escape\" {\n  source = \"../outside\"\n}\nmodule \"deep\" {\n  source = \"./a/../../outside\"\n}\n\
         resource \"aws_iam_role_policy\" \"file\" {\n  policy = file(\"../secret.json\")\n}\n",
    );
    let hostile = "aws_iam_role_policy.odd\u{1b}[31m\n../../x";
    write(
        &dir.join("state.json"),
        &format!(
            r#"{{"format_version": "1.0", "values": {{"root_module": {{
              "resources": [{}, {}],
              "child_modules": [
                {{"address": "module.escape", "resources": [{}]}},
                {{"address": "module.deep", "resources": [{}]}}]}}}}}}"#,
            held("aws_iam_role_policy.file", "", "file"),
            held(hostile, "", "odd"),
            held(
                "module.escape.aws_iam_role_policy.x",
                "module.escape",
                "escape"
            ),
            held("module.deep.aws_iam_role_policy.x", "module.deep", "deep"),
        ),
    );
    let (code, stdout, stderr) = run(&dir, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stdout.contains('\u{1b}'), "{stdout}");
    assert!(
        stdout.matches("outside the Terraform directory").count() == 2,
        "{stdout}"
    );
    assert!(stdout.contains("not a plain path below"), "{stdout}");
    // No patch at all: nothing outside was read as code, nothing written.
    assert!(!dir.join("plan/terraform").exists());
    assert_eq!(
        std::fs::read_to_string(dir.join("outside/main.tf")).unwrap(),
        outside
    );
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "details.json",
            "findings.json",
            "outside",
            "plan",
            "secret.json",
            "state.json",
            "tf"
        ]
    );
    // Each policy stays in apply.sh, with why.
    let script = std::fs::read_to_string(dir.join("plan/apply.sh")).unwrap();
    assert_eq!(script.matches("put-role-policy").count(), 4, "{script}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_module_used_twice_changes_only_with_evidence_for_both() {
    let dir = scratch("twice");
    account(&dir, &["app"]);
    write(
        &dir.join("tf/main.tf"),
        "module \"a\" {\n  source = \"./modules/x\"\n}\nmodule \"b\" {\n  source = \"./modules/x\"\n}\n",
    );
    let module = format!("resource \"aws_iam_role_policy\" \"x\" {{\n{POLICY}}}\n");
    write(&dir.join("tf/modules/x/main.tf"), &module);
    let other = held("module.b.aws_iam_role_policy.x", "module.b", "app")
        .replace("\"role\": \"app\"", "\"role\": \"other\"");
    write(
        &dir.join("state.json"),
        &format!(
            r#"{{"format_version": "1.0", "values": {{"root_module": {{"child_modules": [
              {{"address": "module.a", "resources": [{}]}},
              {{"address": "module.b", "resources": [{other}]}}]}}}}}}"#,
            held("module.a.aws_iam_role_policy.x", "module.a", "app"),
        ),
    );
    let (code, stdout, stderr) = run(&dir, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("which no principal with a finding holds"),
        "{stdout}"
    );
    assert!(!dir.join("plan/terraform").exists());
    let script = std::fs::read_to_string(dir.join("plan/apply.sh")).unwrap();
    assert_eq!(script.matches("put-role-policy").count(), 1, "{script}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn a_link_out_of_the_terraform_directory_is_refused() {
    let dir = scratch("link");
    account(&dir, &["app"]);
    write(
        &dir.join("outside.tf"),
        "resource \"aws_iam_role_policy\" \"app\" {}\n",
    );
    std::fs::create_dir_all(dir.join("tf")).unwrap();
    std::os::unix::fs::symlink(dir.join("outside.tf"), dir.join("tf/main.tf")).unwrap();
    write(
        &dir.join("state.json"),
        &root_state(&held("aws_iam_role_policy.app", "", "app")),
    );
    let (code, _, stderr) = run(&dir, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("leads outside the Terraform directory"),
        "{stderr}"
    );
    assert!(!dir.join("plan").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn state_that_is_not_state_is_a_clear_error() {
    let dir = scratch("not-state");
    account(&dir, &["app"]);
    std::fs::create_dir_all(dir.join("tf")).unwrap();
    write(&dir.join("state.json"), r#"{"Statement": []}"#);
    let (code, _, stderr) = run(&dir, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no `values.root_module`"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn paths_from_the_code_stay_below_the_root() {
    assert_eq!(below("", "./modules/app").as_deref(), Some("modules/app"));
    assert_eq!(
        below("envs/prod", "../../modules/x").as_deref(),
        Some("modules/x")
    );
    assert_eq!(below("a", "p.json").as_deref(), Some("a/p.json"));
    for hostile in [
        "../outside",
        "/etc",
        "./a/../../..",
        "./bad name",
        "./a\\..\\..",
        "./new\nline",
        "./-rf",
    ] {
        assert_eq!(below("", hostile), None, "{hostile:?}");
    }
}
