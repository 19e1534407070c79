use super::*;
use crate::table::KnownAction;

const ROWS: &[KnownAction] = &[
    KnownAction::new_static("iam:PassRole", AccessLevel::WRITE, true),
    KnownAction::new_static(
        "iam:PutRolePolicy",
        AccessLevel::PERMISSIONS_MANAGEMENT,
        true,
    ),
    KnownAction::new_static("s3:DeleteObject", AccessLevel::WRITE, true),
    KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
    KnownAction::new_static("s3:GetObjectAcl", AccessLevel::READ, true),
    KnownAction::new_static("s3:ListBucket", AccessLevel::LIST, true),
    KnownAction::new_static("s3:PutObject", AccessLevel::WRITE, true),
];

fn table() -> ActionTable<'static> {
    ActionTable::new(ROWS).unwrap()
}

fn doc(actions: &[&str]) -> Value {
    serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
}

fn finding(id: &str, arn: &str, status: &str, actions: &[&str]) -> Finding {
    let text = serde_json::json!({
        "id": id, "resource": arn, "status": status, "findingType": "UnusedPermission",
        "findingDetails": actions.iter().map(|a| {
            let (s, n) = a.split_once(':').unwrap();
            serde_json::json!({"unusedPermissionDetails": {"serviceNamespace": s, "actions": [{"action": n}]}})
        }).collect::<Vec<_>>()
    });
    crate::unused::parse_findings(&text.to_string())
        .unwrap()
        .remove(0)
}

fn details() -> String {
    let shared = "arn:aws:iam::111122223333:policy/Shared";
    serde_json::json!({
        "RoleDetailList": [
            {"RoleName": "a", "Arn": "arn:aws:iam::111122223333:role/a",
             "AssumeRolePolicyDocument": doc(&["sts:AssumeRole"]),
             "RolePolicyList": [{"PolicyName": "own", "PolicyDocument": doc(&["s3:GetObject", "s3:PutObject"])}],
             "AttachedManagedPolicies": [{"PolicyName": "Shared", "PolicyArn": shared}]},
            {"RoleName": "b", "Arn": "arn:aws:iam::111122223333:role/b",
             "RolePolicyList": [], "AttachedManagedPolicies": [{"PolicyName": "Shared", "PolicyArn": shared}]},
            {"RoleName": "c", "Arn": "arn:aws:iam::111122223333:role/c",
             "RolePolicyList": [], "AttachedManagedPolicies": [{"PolicyName": "Shared", "PolicyArn": shared}]}
        ],
        "UserDetailList": [],
        "GroupDetailList": [],
        "Policies": [{"PolicyName": "Shared", "Arn": shared, "DefaultVersionId": "v2",
            "PolicyVersionList": [
                {"VersionId": "v2", "IsDefaultVersion": true, "Document": doc(&["s3:GetObject", "s3:DeleteObject", "iam:PutRolePolicy"])},
                {"VersionId": "v1", "IsDefaultVersion": false, "Document": doc(&["s3:GetObject"])}
            ]}]
    })
    .to_string()
}

#[test]
fn shared_policies_lose_only_what_every_holder_leaves_unused() {
    let account = Account::parse(&details()).unwrap();
    assert!(account.diagnostics.is_empty(), "{:?}", account.diagnostics);
    let findings = [
        finding(
            "fa",
            "arn:aws:iam::111122223333:role/a",
            "ACTIVE",
            &["s3:PutObject", "s3:DeleteObject", "iam:PutRolePolicy"],
        ),
        finding(
            "fb",
            "arn:aws:iam::111122223333:role/b",
            "ACTIVE",
            &["s3:DeleteObject", "iam:PutRolePolicy"],
        ),
        finding(
            "fc",
            "arn:aws:iam::111122223333:role/c",
            "ACTIVE",
            &["iam:PutRolePolicy"],
        ),
    ];
    let plan = plan(
        &account,
        &PrincipalUsage::from_findings(&account, findings.to_vec()),
        table(),
        &PlanOptions::default(),
        &mut |_, _| {},
    );
    assert_eq!(plan.principals.len(), 3);
    assert_eq!(plan.policies.len(), 2);
    let own = &plan.policies[0];
    assert_eq!(own.decision, Decision::PutInline);
    let shared = &plan.policies[1];
    assert_eq!(shared.holders, [0, 1, 2]);
    assert_eq!(shared.decision, Decision::NewVersion);
    let outcome = shared.outcome.as_ref().unwrap();
    assert_eq!(
        outcome.policy.statements()[0].entries(),
        ["s3:GetObject", "s3:DeleteObject"]
    );
    assert_eq!(outcome.removed.permissions_management, 1);
    assert_eq!(outcome.removed.total, 1);
    // Role a alone would also drop s3:DeleteObject; role c's own matches the shared one.
    let a_alt = plan.principals[0].holdings[1].alternative.as_ref().unwrap();
    assert_eq!(a_alt.policy.statements()[0].entries(), ["s3:GetObject"]);
    assert!(plan.principals[2].holdings[0].alternative.is_none());
}

#[test]
fn same_named_roles_of_another_account_are_other_principals() {
    let account = Account::parse(&details()).unwrap();
    let findings = [
        // Role `a` of another account: counted and reported, never applied.
        finding(
            "other",
            "arn:aws:iam::222222222222:role/a",
            "ACTIVE",
            &["s3:GetObject"],
        ),
        // The same account, with a path the details do not show: still `a`.
        finding(
            "own",
            "arn:aws:iam::111122223333:role/team/a",
            "ACTIVE",
            &["s3:PutObject"],
        ),
    ];
    let plan = plan(
        &account,
        &PrincipalUsage::from_findings(&account, findings.to_vec()),
        table(),
        &PlanOptions::default(),
        &mut |_, _| {},
    );
    assert_eq!(plan.counts.other_account, 1);
    assert_eq!(plan.counts.unknown_principal, 0);
    assert_eq!(plan.counts.unused_permission, 1);
    assert!(
        plan.diagnostics
            .iter()
            .any(|d| d.code == AccountCode::OtherAccount && d.message.contains("222222222222")),
        "{:?}",
        plan.diagnostics
    );
    assert_eq!(plan.principals.len(), 1);
    let own = &plan.policies[0];
    assert_eq!(
        own.outcome.as_ref().unwrap().policy.statements()[0].entries(),
        ["s3:GetObject"]
    );
}

#[test]
fn taking_the_findings_plans_the_same() {
    let account = Account::parse(&details()).unwrap();
    let a = "arn:aws:iam::111122223333:role/a";
    let b = "arn:aws:iam::111122223333:role/b";
    let findings = vec![
        finding("fa", a, "ACTIVE", &["s3:PutObject", "iam:PutRolePolicy"]),
        finding("fb", b, "ACTIVE", &["s3:DeleteObject", "iam:PutRolePolicy"]),
        // A second finding for role a (an intersection) and a duplicate.
        finding("fa2", a, "ACTIVE", &["s3:PutObject", "s3:GetObject"]),
        finding("fb", b, "ACTIVE", &["s3:DeleteObject", "iam:PutRolePolicy"]),
    ];
    let options = PlanOptions::default();
    let usage = PrincipalUsage::from_findings(&account, findings);
    let borrowed = plan(&account, &usage, table(), &options, &mut |_, _| {});
    let owned = plan_owned(&account, usage, table(), &options, &mut |_, _| {});
    assert_eq!(owned, borrowed);
    assert_eq!(borrowed.counts.duplicate, 1);
    assert!(borrowed.principals[0].unused.contains("s3:PutObject"));
    assert!(!borrowed.principals[0].unused.contains("iam:PutRolePolicy"));
    assert!(borrowed.principals[1].unused.contains("s3:DeleteObject"));
}

#[test]
fn a_holder_without_a_finding_keeps_a_shared_policy() {
    let account = Account::parse(&details()).unwrap();
    let findings = [
        finding(
            "fa",
            "arn:aws:iam::111122223333:role/a",
            "ACTIVE",
            &["iam:PutRolePolicy"],
        ),
        finding(
            "fb",
            "arn:aws:iam::111122223333:role/b",
            "ACTIVE",
            &["iam:PutRolePolicy"],
        ),
        finding(
            "fc",
            "arn:aws:iam::111122223333:role/c",
            "ARCHIVED",
            &["iam:PutRolePolicy"],
        ),
    ];
    let plan = plan(
        &account,
        &PrincipalUsage::from_findings(&account, findings.to_vec()),
        table(),
        &PlanOptions::default(),
        &mut |_, _| {},
    );
    assert_eq!(plan.counts.archived, 1);
    let shared = &plan.policies[1];
    assert_eq!(shared.decision, Decision::Keep);
    assert_eq!(shared.without_finding, [2]);
    assert!(plan.principals[0].holdings[1].alternative.is_some());
}

#[test]
fn aws_managed_policies_are_replaced_and_versions_counted() {
    let mut value: Value = serde_json::from_str(&details()).unwrap();
    value["RoleDetailList"][0]["AttachedManagedPolicies"] = serde_json::json!([{"PolicyName": "AmazonS3FullAccess", "PolicyArn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"}]);
    value["Policies"].as_array_mut().unwrap().push(serde_json::json!({
        "PolicyName": "AmazonS3FullAccess", "Arn": "arn:aws:iam::aws:policy/AmazonS3FullAccess",
        "DefaultVersionId": "v1",
        "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true,
            "Document": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D"}]
    }));
    let account = Account::parse(&value.to_string()).unwrap();
    let findings = [finding(
        "fa",
        "arn:aws:iam::111122223333:role/a",
        "ACTIVE",
        &["s3:DeleteObject"],
    )];
    let plan = plan(
        &account,
        &PrincipalUsage::from_findings(&account, findings.to_vec()),
        table(),
        &PlanOptions::default(),
        &mut |_, _| {},
    );
    let aws = plan
        .policies
        .iter()
        .find(|p| p.source == PolicySource::AwsManaged)
        .unwrap();
    assert_eq!(
        aws.decision,
        Decision::Replace {
            new_name: "pare-AmazonS3FullAccess".into()
        }
    );
    assert_eq!(aws.outcome.as_ref().unwrap().removed.write, 1);
}

#[test]
fn malformed_parts_are_diagnostics() {
    let mut value: Value = serde_json::from_str(&details()).unwrap();
    value["Policies"][0]["PolicyVersionList"][0]["IsDefaultVersion"] = Value::Bool(false);
    value["Policies"][0]["DefaultVersionId"] = Value::String("v9".into());
    value["RoleDetailList"][1]["RolePolicyList"] =
        serde_json::json!([{"PolicyName": "bad", "PolicyDocument": "%7B%ZZ"}]);
    let account = Account::parse(&value.to_string()).unwrap();
    let codes: Vec<AccountCode> = account.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [
            AccountCode::UnreadablePolicy,
            AccountCode::MissingDefaultVersion
        ]
    );
    assert_eq!(
        account.diagnostics[0].subject,
        "RoleDetailList[1].RolePolicyList[0].PolicyDocument"
    );
    let findings = [
        finding(
            "fa",
            "arn:aws:iam::111122223333:role/a",
            "ACTIVE",
            &["s3:PutObject"],
        ),
        finding(
            "fz",
            "arn:aws:iam::111122223333:role/zz",
            "ACTIVE",
            &["s3:PutObject"],
        ),
    ];
    let plan = plan(
        &account,
        &PrincipalUsage::from_findings(&account, findings.to_vec()),
        table(),
        &PlanOptions::default(),
        &mut |_, _| {},
    );
    assert_eq!(plan.counts.unknown_principal, 1);
    assert_eq!(plan.policies[0].decision, Decision::PutInline);
    assert!(matches!(
        plan.policies[1].decision,
        Decision::Skipped { .. }
    ));
    let err = Account::parse("{\"RoleDetailList\": [").unwrap_err();
    assert!(matches!(
        err.location,
        Some(crate::Location::Text { line: 1, .. })
    ));
}

#[test]
fn details_that_contradict_themselves_are_never_read_by_a_guess() {
    let base: Value = serde_json::from_str(&details()).unwrap();
    let refused = |edit: &dyn Fn(&mut Value), path: &str, words: &str| {
        let mut value = base.clone();
        edit(&mut value);
        let err = Account::parse(&value.to_string()).unwrap_err();
        assert_eq!(
            err.location,
            Some(crate::Location::Path(path.to_string())),
            "{err}"
        );
        assert!(err.message.contains(words), "{err}");
    };
    refused(
        &|v| v["RoleDetailList"][0]["RoleName"] = "a\nb".into(),
        "RoleDetailList[0].RoleName",
        "U+000A",
    );
    refused(
        &|v| v["Policies"][0]["Arn"] = "arn:aws:iam::1:policy/\u{1b}[2J".into(),
        "Policies[0].Arn",
        "U+001B",
    );
    refused(
        &|v| v["RoleDetailList"][0]["RolePolicyList"] = serde_json::json!({}),
        "RoleDetailList[0].RolePolicyList",
        "must be an array, found an object",
    );
    refused(
        &|v| v["Policies"][0]["PolicyVersionList"] = serde_json::json!("v1"),
        "Policies[0].PolicyVersionList",
        "must be an array",
    );
    refused(
        &|v| v["RoleDetailList"][0]["PermissionsBoundary"] = serde_json::json!("arn"),
        "RoleDetailList[0].PermissionsBoundary",
        "must be an object",
    );
    refused(
        &|v| {
            let mut twin = v["RoleDetailList"][0].clone();
            twin["RolePolicyList"] = serde_json::json!([]);
            v["RoleDetailList"].as_array_mut().unwrap().push(twin);
        },
        "RoleDetailList[3]",
        "listed twice, at `RoleDetailList[0]`",
    );

    refused(
        &|v| {
            let mut twin = v["RoleDetailList"][0]["RolePolicyList"][0].clone();
            twin["PolicyDocument"] = doc(&["s3:GetObject"]);
            v["RoleDetailList"][0]["RolePolicyList"]
                .as_array_mut()
                .unwrap()
                .push(twin);
        },
        "RoleDetailList[0].RolePolicyList[1]",
        "the inline policy `own` of role/a is listed twice",
    );

    // An identical repeat is a warning, and the principal is read once.
    let mut value = base.clone();
    let twin = value["RoleDetailList"][0].clone();
    value["RoleDetailList"].as_array_mut().unwrap().push(twin);
    let account = Account::parse(&value.to_string()).unwrap();
    let plain = Account::parse(&base.to_string()).unwrap();
    assert_eq!(account.entities, plain.entities);
    assert_eq!(account.diagnostics[0].code, AccountCode::DuplicateEntry);

    // Two default versions: the policy is left as it is, with a warning.
    let mut value = base.clone();
    let mut second = value["Policies"][0]["PolicyVersionList"][0].clone();
    second["VersionId"] = "v3".into();
    value["Policies"][0]["PolicyVersionList"]
        .as_array_mut()
        .unwrap()
        .push(second);
    let account = Account::parse(&value.to_string()).unwrap();
    assert_eq!(
        account.diagnostics[0].code,
        AccountCode::AmbiguousDefaultVersion
    );
    assert!(account.managed[0].document.is_none());
    assert!(account.managed[0].default_version.is_none());
}

#[test]
fn an_aws_managed_policy_nothing_of_which_is_used_is_detached() {
    let aws = "arn:aws:iam::aws:policy/AmazonS3FullAccess";
    let details = serde_json::json!({
        "RoleDetailList": [{"RoleName": "a", "Arn": "arn:aws:iam::111122223333:role/a",
            "AttachedManagedPolicies": [{"PolicyName": "AmazonS3FullAccess", "PolicyArn": aws}]}],
        "Policies": [{"PolicyName": "AmazonS3FullAccess", "Arn": aws, "DefaultVersionId": "v1",
            "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": doc(&["s3:*"])}]}]
    });
    let account = Account::parse(&details.to_string()).unwrap();
    let mut finding = finding("fa", "arn:aws:iam::111122223333:role/a", "ACTIVE", &[]);
    finding.unused.insert_service("s3", None);
    let plan = plan(
        &account,
        &PrincipalUsage::from_findings(&account, vec![finding]),
        table(),
        &PlanOptions::default(),
        &mut |_, _| {},
    );
    assert_eq!(plan.policies[0].decision, Decision::Detach);
    assert_eq!(plan.policies[0].attachments, [0]);
    // Every s3 action of the table is gone, by level.
    let removed = plan.policies[0].outcome.as_ref().unwrap().removed;
    assert_eq!((removed.total, removed.write, removed.list), (5, 2, 1));
}

#[test]
fn intersection_handles_whole_services() {
    let mut a = UnusedSet::new();
    a.insert_service("s3", None);
    a.insert_action("iam:PassRole", None);
    let mut b = UnusedSet::new();
    b.insert_action("s3:GetObject", None);
    b.insert_action("iam:PutRolePolicy", None);
    let both = a.intersection(&b);
    assert!(both.contains("s3:GetObject"));
    assert!(!both.contains("s3:PutObject"));
    assert!(!both.contains("iam:PassRole"));
    assert!(!both.contains("iam:PutRolePolicy"));
    assert!(is_aws_managed_arn(
        "arn:aws-cn:iam::aws:policy/job-function/ViewOnlyAccess"
    ));
    assert!(!is_aws_managed_arn("arn:aws:iam::111122223333:policy/aws"));
}

#[test]
fn other_sources_add_sets_that_intersect_with_the_findings() {
    let account = Account::parse(&details()).unwrap();
    let a = account
        .principal("arn:aws:iam::111122223333:role/a")
        .unwrap();
    assert_eq!(account.principal("A"), Ok(a));
    assert_eq!(
        account.principal("nobody"),
        Err(PrincipalLookupError::Unknown)
    );
    let findings = vec![finding(
        "fa",
        "arn:aws:iam::111122223333:role/a",
        "ACTIVE",
        &["s3:PutObject", "s3:GetObject"],
    )];
    let mut usage = PrincipalUsage::from_findings(&account, findings);
    let used = UnusedSet::parse("s3:PutObject\niam:PutRolePolicy").unwrap();
    usage.add(&account, a, "used:a.txt".to_string(), used.clone());
    // The same source again is a duplicate, not a second opinion.
    usage.add(&account, a, "used:a.txt".to_string(), used.clone());
    let b = account.principal("b").unwrap();
    usage.add(&account, b, "used:b.txt".to_string(), used);
    // The used-lists are not findings: counted apart.
    assert_eq!(usage.counts().read, 1);
    assert_eq!(usage.counts().unused_permission, 1);
    assert_eq!(usage.counts().other_sets, 2);
    assert_eq!(usage.counts().duplicate, 1);
    assert_eq!(usage.diagnostics().len(), 1);
    assert_eq!(usage.diagnostics()[0].code, AccountCode::SeveralFindings);
    assert_eq!(usage.diagnostics()[0].subject, "source `used:a.txt`");
    let own = usage.get(a).unwrap();
    assert_eq!(own.sources, ["fa", "used:a.txt"]);
    assert!(own.unused.contains("s3:PutObject"));
    assert!(!own.unused.contains("s3:GetObject"));
    assert!(!own.unused.contains("iam:PutRolePolicy"));
    let plan = plan_owned(
        &account,
        usage,
        table(),
        &PlanOptions::default(),
        &mut |_, _| {},
    );
    assert_eq!(plan.principals.len(), 2);
    assert_eq!(plan.principals[0].finding_ids, ["fa", "used:a.txt"]);
    assert_eq!(plan.principals[1].finding_ids, ["used:b.txt"]);
    // Role c holds the shared policy with no set: it keeps what it may use.
    assert_eq!(plan.policies[1].without_finding, [2]);
}

#[test]
fn held_policies_follow_the_plan() {
    let account = Account::parse(&details()).unwrap();
    let a = account.principal("a").unwrap();
    let held: Vec<&str> = account.held_policies(a).iter().map(|(n, _)| *n).collect();
    assert_eq!(held, ["own", "Shared"]);
    let b = account.principal("b").unwrap();
    let held: Vec<&str> = account.held_policies(b).iter().map(|(n, _)| *n).collect();
    assert_eq!(held, ["Shared"]);
    assert!(account.held_policies(99).is_empty());
}

#[test]
fn the_account_of_the_details_is_the_one_every_arn_names() {
    let one = |arn: &str| {
        serde_json::json!({"RoleDetailList": [{"RoleName": "a", "Arn": arn}],
            "Policies": [{"PolicyName": "AWS", "Arn": "arn:aws:iam::aws:policy/AWS",
                "DefaultVersionId": "v1", "PolicyVersionList": [
                    {"VersionId": "v1", "IsDefaultVersion": true, "Document": doc(&["s3:GetObject"])}]}]})
        .to_string()
    };
    let account = Account::parse(&one("arn:aws:iam::111122223333:role/a")).unwrap();
    // An AWS managed policy names no account, and is not a second one.
    assert_eq!(account.account_id(), Ok(Some("111122223333")));
    assert!(is_account_id("111122223333"));
    let empty = Account::parse(r#"{"RoleDetailList": []}"#).unwrap();
    assert_eq!(empty.account_id(), Ok(None));
    // Written as it is: whether it is an id is the caller's question.
    let odd = Account::parse(&one("arn:aws:iam::../../x:role/a")).unwrap();
    assert_eq!(odd.account_id(), Ok(Some("../../x")));
    for bad in [
        "../../x",
        "11112222333",
        "1111222233334",
        "11112222333x",
        "",
        "１11122223333",
    ] {
        assert!(!is_account_id(bad), "{bad:?}");
    }
    let two = serde_json::json!({"RoleDetailList": [
        {"RoleName": "a", "Arn": "arn:aws:iam::111122223333:role/a"},
        {"RoleName": "b", "Arn": "arn:aws:iam::444455556666:role/b"}]});
    let err = Account::parse(&two.to_string())
        .unwrap()
        .account_id()
        .unwrap_err();
    assert!(err.to_string().contains("444455556666:role/b"), "{err}");
}

#[test]
fn identity_center_roles_are_never_changed_in_the_account() {
    assert_eq!(
        permission_set_of("AWSReservedSSO_Admin_Ops_0123456789abcdef"),
        Some("Admin_Ops")
    );
    for name in [
        "AWSReservedSSO_",
        "AWSReservedSSO_x",
        "AWSReservedSSO__abc",
        "app",
        "AWSReservedSSO_a_b-c",
    ] {
        assert_eq!(permission_set_of(name), None, "{name}");
    }
    let role = "AWSReservedSSO_Dev_0123456789abcdef";
    let details = serde_json::json!({
        "RoleDetailList": [
            {"RoleName": role, "Path": "/aws-reserved/sso.amazonaws.com/",
             "Arn": format!("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/{role}"),
             "RolePolicyList": [{"PolicyName": "AwsSSOInlinePolicy", "PolicyDocument": doc(&["s3:GetObject", "s3:PutObject"])}],
             "AttachedManagedPolicies": [
                {"PolicyName": "Shared", "PolicyArn": "arn:aws:iam::111122223333:policy/Shared"},
                {"PolicyName": "Aws", "PolicyArn": "arn:aws:iam::aws:policy/Aws"}]}],
        "Policies": [
            {"PolicyName": "Shared", "Arn": "arn:aws:iam::111122223333:policy/Shared", "DefaultVersionId": "v1",
             "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": doc(&["s3:GetObject", "s3:PutObject"])}]},
            {"PolicyName": "Aws", "Arn": "arn:aws:iam::aws:policy/Aws", "DefaultVersionId": "v1",
             "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": doc(&["s3:GetObject", "s3:PutObject"])}]}]
    });
    let account = Account::parse(&details.to_string()).unwrap();
    assert!(is_identity_center_role(&account.entities[0]));
    let arn = account.entities[0].arn.clone();
    let usage = PrincipalUsage::from_findings(
        &account,
        vec![finding("f", &arn, "ACTIVE", &["s3:PutObject"])],
    );
    let plan = plan(
        &account,
        &usage,
        table(),
        &PlanOptions::default(),
        &mut |_, _| {},
    );
    let decisions: Vec<(&str, &str)> = plan
        .policies
        .iter()
        .map(|p| (p.name.as_str(), p.decision.label()))
        .collect();
    // The inline policy and the AWS managed one would change the role: held.
    // The customer managed policy gets a new version: the role is untouched.
    assert_eq!(
        decisions,
        [
            ("AwsSSOInlinePolicy", "skipped"),
            ("Shared", "new-version"),
            ("Aws", "skipped")
        ]
    );
    // The refinement stays beside the decision, for the permission set's plan.
    assert!(plan.policies[0].outcome.as_ref().unwrap().changed());
}
