//! Security Hub's findings (OCSF, `aws securityhub get-findings-v2`) mean
//! what Access Analyzer's (`get-finding-v2`) mean: the account fixture's
//! findings, turned into Security Hub's shape, give the same plan; a finding
//! about another principal is not evidence; hostile text in one does not
//! reach the terminal.

use std::path::{Path, PathBuf};

use crate::common::pare;
use serde_json::{Value, json};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../snapshots/fixtures/account")
}

/// Every JSON value of a file (one value, an array, or JSON Lines), flattened.
fn findings_of(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for value in serde_json::Deserializer::from_str(&text).into_iter::<Value>() {
        match value.unwrap() {
            Value::Array(items) => out.extend(items),
            other => out.push(other),
        }
    }
    out
}

/// An Access Analyzer finding in Security Hub's OCSF shape, as the
/// documented schema places each field.
fn to_ocsf(finding: &Value) -> Value {
    let status = match finding["status"].as_str().unwrap_or("ACTIVE") {
        "ARCHIVED" => "Suppressed",
        "RESOLVED" => "Resolved",
        _ => "New",
    };
    let account = finding["resourceOwnerAccount"].clone();
    json!({
        "metadata": {"uid": finding["id"], "version": "1.6.0",
                     "product": {"name": "IAM Access Analyzer", "vendor_name": "AWS"}},
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "activity_name": "Create",
        "cloud": {"provider": "AWS", "account": {"uid": account}},
        "finding_info": {"uid": finding["id"], "types": [finding["findingType"]],
                         "created_time_dt": finding["createdAt"],
                         "modified_time_dt": finding["analyzedAt"]},
        "status": status,
        "resources": [{"type": finding["resourceType"], "uid": finding["resource"],
                       "owner": {"account": {"uid": account}}}],
        "unmapped": {"findingDetails": finding["findingDetails"]}
    })
}

#[test]
fn the_account_fixture_plans_the_same_from_security_hubs_findings() {
    let work = tempfile::tempdir().unwrap();
    let (aa, sh) = (work.path().join("aa"), work.path().join("sh"));
    std::fs::create_dir_all(&aa).unwrap();
    std::fs::create_dir_all(&sh).unwrap();
    let mut all = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture().join("findings"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        all.extend(findings_of(&file));
    }
    // A finding about a principal the account does not have, and one about
    // another account's same-named role: neither is evidence about the
    // fixture's `api` role.
    let mut stranger = all[0].clone();
    stranger["id"] = "f-stranger".into();
    stranger["resource"] = "arn:aws:iam::444455556666:role/api".into();
    stranger["resourceOwnerAccount"] = "444455556666".into();
    stranger["findingDetails"] = json!([{"unusedPermissionDetails": {"serviceNamespace": "s3"}}]);
    all.push(stranger);
    assert!(all.len() > 5, "the fixture has findings");
    let ocsf: Vec<Value> = all.iter().map(to_ocsf).collect();
    std::fs::write(aa.join("all.json"), Value::Array(all).to_string()).unwrap();
    std::fs::write(
        sh.join("all.json"),
        json!({"Findings": ocsf, "NextToken": null}).to_string(),
    )
    .unwrap();
    let details = fixture().join("details.json");
    let catalog = fixture().join("catalog");
    for format in ["json", "table", "csv"] {
        let run = |findings: &Path| {
            pare(&[
                "account",
                details.to_str().unwrap(),
                "--findings",
                findings.to_str().unwrap(),
                "--catalog",
                catalog.to_str().unwrap(),
                "--format",
                format,
            ])
        };
        let (from_aa, from_sh) = (run(&aa), run(&sh));
        assert_eq!(from_aa.0, from_sh.0, "{format}: {}", from_sh.2);
        assert!(from_aa.0 == 0 || from_aa.0 == 1, "{format}: {}", from_aa.2);
        assert_eq!(from_aa.1, from_sh.1, "{format}");
        assert_eq!(from_aa.2, from_sh.2, "{format}");
    }
}

fn write(dir: &Path, name: &str, value: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, value.to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

fn ocsf_finding(uid: &str, arn: &str, actions: &[&str]) -> Value {
    let actions: Vec<Value> = actions.iter().map(|a| json!({"action": a})).collect();
    to_ocsf(
        &json!({"id": uid, "resource": arn, "resourceType": "AWS::IAM::Role",
        "status": "ACTIVE", "findingType": "UnusedPermission",
        "findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": "s3", "actions": actions}}]}),
    )
}

#[test]
fn refine_takes_only_the_chosen_principals_security_hub_finding() {
    let work = tempfile::tempdir().unwrap();
    let policy = write(
        work.path(),
        "policy.json",
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "Resource": "*"}]}),
    );
    let a = "arn:aws:iam::111122223333:role/App";
    let b = "arn:aws:iam::444455556666:role/App";
    let findings = write(
        work.path(),
        "findings.json",
        &json!({"Findings": [
            ocsf_finding("1", a, &["DeleteObject"]),
            ocsf_finding("2", b, &["GetObject", "PutObject"]),
        ]}),
    );
    let (code, stdout, stderr) = pare(&["refine", &policy, "--unused", &findings]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("2 principals"), "{stderr}");
    let (code, stdout, stderr) = pare(&[
        "refine",
        &policy,
        "--unused",
        &findings,
        "--principal",
        a,
        "--format",
        "json",
    ]);
    assert!(code == 0 || code == 1, "{stderr}");
    let refined: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        refined["policy"]["Statement"][0]["Action"],
        json!(["s3:GetObject", "s3:PutObject"]),
        "{stdout}"
    );
    // And the other principal's finding is its own.
    let (_, stdout, _) = pare(&[
        "refine",
        &policy,
        "--unused",
        &findings,
        "--principal",
        b,
        "--format",
        "json",
    ]);
    let refined: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        refined["policy"]["Statement"][0]["Action"],
        json!(["s3:DeleteObject"]),
        "{stdout}"
    );
}

#[test]
fn hostile_text_in_a_security_hub_finding_does_not_reach_the_terminal() {
    let work = tempfile::tempdir().unwrap();
    let policy = write(
        work.path(),
        "policy.json",
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "s3:GetObject", "Resource": "*"}]}),
    );
    let evil = "arn:aws:iam::1:role/x\u{1b}]0;pwned\u{7}\u{1b}[2J\r\n\u{9b}31m";
    let mut bad_status = ocsf_finding("3", "arn:aws:iam::1:role/y", &["GetObject"]);
    bad_status["status"] = "New\u{1b}[31m".into();
    let mut bad_type = ocsf_finding("4", "arn:aws:iam::1:role/y", &["GetObject"]);
    bad_type["finding_info"]["types"] = json!([{"\u{1b}[2J": 1}]);
    let cases = [
        json!({"Findings": [ocsf_finding("1", evil, &["GetObject"]), ocsf_finding("2", "arn:aws:iam::1:role/z", &["GetObject"])]}),
        json!({"Findings": [bad_status]}),
        json!({"Findings": [bad_type]}),
        json!({"Findings": [ocsf_finding("5", "arn:aws:iam::1:role/y", &["Get\u{1b}[2JObject"])]}),
    ];
    for (i, case) in cases.iter().enumerate() {
        let findings = write(work.path(), &format!("f{i}.json"), case);
        let (code, stdout, stderr) = pare(&["refine", &policy, "--unused", &findings]);
        assert_eq!(code, 2, "case {i}: {stdout}{stderr}");
        for c in ['\u{1b}', '\u{7}', '\u{9b}', '\r'] {
            assert!(!stderr.contains(c), "case {i}: {stderr:?}");
        }
    }
}
