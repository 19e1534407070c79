//! `pare account --format json` grows with the account, not with its square:
//! a shared policy's holders are listed once (under `sharedPolicies`), not in
//! every holder's entry.

use std::ffi::OsString;

use pare_cli::Io;
use serde_json::Value;

/// `pare account --format json` on a generated account of `roles` roles:
/// the output and the document.
fn json_for(roles: usize) -> (String, Value) {
    let account = pare_testkit::synthetic::generate(pare_catalog::embedded(), roles, 1);
    let dir = tempfile::tempdir().unwrap();
    let details = dir.path().join("details.json");
    let findings = dir.path().join("findings.jsonl");
    std::fs::write(&details, &account.details).unwrap();
    std::fs::write(&findings, &account.findings).unwrap();
    let args: Vec<OsString> = [
        "pare",
        "account",
        details.to_str().unwrap(),
        "--findings",
        findings.to_str().unwrap(),
        "--format",
        "json",
    ]
    .iter()
    .map(OsString::from)
    .collect();
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = {
        let mut io = Io::buffers(b"", &mut stdout, &mut stderr);
        pare_cli::run(args, &mut io)
    };
    assert!(
        code == 0 || code == 1,
        "{}",
        String::from_utf8_lossy(&stderr)
    );
    let text = String::from_utf8(stdout).unwrap();
    let document = serde_json::from_str(&text).unwrap();
    (text, document)
}

#[test]
fn the_json_grows_linearly_and_lists_each_shared_policys_holders_once() {
    let (text, document) = json_for(300);
    assert_eq!(document["formatVersion"], 2);
    // Each shared policy's holders once; entries name the policy.
    let shared = document["sharedPolicies"].as_object().unwrap();
    assert!(!shared.is_empty());
    let listed: usize = shared
        .values()
        .map(|p| p["holders"].as_array().unwrap().len())
        .sum();
    let mut referring = 0;
    for recommendation in document["recommendations"].as_array().unwrap() {
        for policy in recommendation["pare"]["policies"].as_array().unwrap() {
            assert!(policy.get("sharedWith").is_none());
            if let Some(key) = policy["sharedPolicy"].as_str() {
                let holders = shared[key]["holders"].as_array().unwrap();
                assert!(holders.contains(&recommendation["pare"]["principal"]));
                referring += 1;
            }
        }
    }
    assert!(
        referring > 0 && referring <= listed,
        "{referring} of {listed}"
    );
    // Linear: a role's name appears once as the principal and at most twice
    // per policy it holds (holders, holders without a finding). Listed in
    // every holder's entry, a policy held by H roles put H x H names here.
    let principals = document["recommendations"].as_array().unwrap().len();
    let holdings: usize = document["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["pare"]["policies"].as_array().unwrap().len())
        .sum();
    let names = text.matches("\"role/").count();
    assert!(
        names <= principals + 2 * holdings,
        "{names} role names for {principals} principals and {holdings} holdings"
    );
}
