//! The unused-list readers' unit tests.
use super::findings::parse_findings_whole;
use super::*;

#[test]
fn a_misspelled_actions_key_is_not_a_whole_service() {
    let err = UnusedSet::parse(r#"[{"serviceNamespace":"lambda","actiono":["GetFunction"]}]"#)
        .unwrap_err();
    assert_eq!(
        err.location,
        Some(Location::Path("[0].actiono".to_string()))
    );
    assert!(err.message.contains("misspelling"), "{}", err.message);
    let set = UnusedSet::parse(
        r#"[{"serviceNamespace":"lambda","lastAccessed":"2024-01-01T00:00:00Z"}]"#,
    )
    .unwrap();
    assert!(set.is_service_unused("lambda"));
}

#[test]
fn article_form() {
    let set = UnusedSet::parse(r#"[{"serviceNamespace":"lambda","actions":["GetFunction","lambda:AddPermission"]},{"serviceNamespace":"DynamoDB"}]"#).unwrap();
    assert!(set.contains("LAMBDA:getfunction"));
    assert!(set.contains("lambda:AddPermission"));
    assert!(!set.contains("lambda:InvokeFunction"));
    assert!(set.contains("dynamodb:GetItem"));
}

#[test]
fn lookups_fold_case_whatever_the_length() {
    let long = format!("s3:Get{}", "Object".repeat(30));
    let mut set = UnusedSet::new();
    set.insert_action(&long, None);
    set.insert_action("s3:GetÉtat", None);
    assert!(set.contains(&long.to_ascii_uppercase()));
    assert!(!set.contains(&format!("{long}X")));
    assert!(set.contains("S3:getÉTAT"));
    assert!(!set.is_service_unused("S3"));
    set.insert_service("S3", None);
    assert!(set.is_service_unused("s3") && set.contains("S3:Anything"));
}

#[test]
fn finding_forms() {
    let finding = r#"{"id":"f1","resource":"arn:aws:iam::1:role/R","findingType":"UnusedPermission","status":"ACTIVE",
      "findingDetails":[{"unusedPermissionDetails":{"serviceNamespace":"s3","actions":[{"action":"GetBucketPolicy"},{"action":"s3:GetBucketAcl","lastAccessed":"2026-01-02T03:04:05+00:00"}]}}]}"#;
    let set = UnusedSet::parse(finding).unwrap();
    assert!(set.contains("s3:GetBucketAcl"));
    assert_eq!(
        set.actions()
            .find(|a| a.name == "s3:GetBucketAcl")
            .unwrap()
            .last_accessed,
        Some("2026-01-02T03:04:05+00:00")
    );
    let archived = finding.replace("ACTIVE", "ARCHIVED");
    let both = format!("[{finding}, {archived}]");
    assert_eq!(UnusedSet::parse(&both).unwrap(), set);
    let lines = format!(
        "{}\n{}\n",
        finding.replace('\n', ""),
        archived.replace('\n', "")
    );
    assert_eq!(UnusedSet::parse(&lines).unwrap(), set);
    let other = finding.replace("\"UnusedPermission\"", "\"UnusedIAMRole\"");
    assert!(
        UnusedSet::parse(&other)
            .unwrap_err()
            .message
            .contains("`UnusedIAMRole`")
    );
}

fn finding_for(id: &str, arn: &str, status: &str, kind: &str, action: &str) -> String {
    format!(
        r#"{{"id":"{id}","resource":"{arn}","findingType":"{kind}","status":"{status}","findingDetails":[{{"unusedPermissionDetails":{{"serviceNamespace":"s3","actions":[{{"action":"{action}"}}]}}}}]}}"#
    )
}

#[test]
fn findings_are_per_principal() {
    let a = "arn:aws:iam::111111111111:role/App";
    let b = "arn:aws:iam::222222222222:role/App";
    let both = format!(
        "{}\n{}\n{}\n",
        finding_for("1", a, "ACTIVE", "UnusedPermission", "PutObject"),
        finding_for("2", b, "ACTIVE", "UnusedPermission", "GetObject"),
        finding_for("3", a, "ACTIVE", "UnusedPermission", "DeleteObject"),
    );
    let err = UnusedSet::parse(&both).unwrap_err();
    assert_eq!(err.location, None);
    assert!(err.message.contains("2 principals"), "{}", err.message);
    assert!(err.message.contains(a) && err.message.contains(b));
    assert!(err.message.contains("--principal ARN") && err.message.contains("pare account"));
    // Choosing one takes all of its findings, and only its.
    let read = read_unused(&both, Some(a)).unwrap();
    assert!(read.set.contains("s3:PutObject") && read.set.contains("s3:DeleteObject"));
    assert!(!read.set.contains("s3:GetObject"));
    assert_eq!((read.applied, read.other_principals), (2, 1));
    assert!(read_unused(&both, Some("arn:aws:iam::3:role/X")).is_err());
    assert!(read_unused("s3:GetObject\n", Some(a)).is_err());
    // A finding without `resource` is a principal of its own.
    let anonymous = finding_for("4", "", "ACTIVE", "UnusedPermission", "GetObject");
    let mixed = format!(
        "[{}, {anonymous}]",
        finding_for("1", a, "ACTIVE", "UnusedPermission", "PutObject")
    );
    assert!(UnusedSet::parse(&mixed).is_err());
}

#[test]
fn inactive_findings_and_other_types_are_noted() {
    let a = "arn:aws:iam::111111111111:role/App";
    let archived = format!(
        "[{}, {}]",
        finding_for("1", a, "ARCHIVED", "UnusedPermission", "PutObject"),
        finding_for("2", a, "RESOLVED", "UnusedPermission", "GetObject"),
    );
    let read = read_unused(&archived, None).unwrap();
    assert!(read.set.is_empty() && read.nothing_active());
    assert_eq!((read.archived, read.resolved), (1, 1));
    let notes = read.notes().join("\n");
    assert!(notes.contains("1 ARCHIVED and 1 RESOLVED"), "{notes}");
    assert!(
        notes.contains("no active `UnusedPermission` finding"),
        "{notes}"
    );
    let mixed = format!(
        "[{}, {}]",
        finding_for("1", a, "ACTIVE", "UnusedPermission", "PutObject"),
        finding_for("2", a, "ACTIVE", "UnusedIAMUserPassword", "GetObject"),
    );
    let read = read_unused(&mixed, None).unwrap();
    assert!(read.set.contains("s3:PutObject") && !read.set.contains("s3:GetObject"));
    assert!(!read.nothing_active());
    assert!(read.notes().join("\n").contains("`UnusedIAMUserPassword`"));
}

#[test]
fn findings_read_one_by_one_match_the_whole_stream_reader() {
    let good = r#"{"id":"a","resource":"arn:aws:iam::1:role/A","findingType":"UnusedPermission","findingDetails":[{"unusedPermissionDetails":{"serviceNamespace":"s3","actions":[{"action":"GetObject"}]}}]}"#;
    let shape = r#"{"id":"b","findingType":"UnusedPermission","findingDetails":[{"unusedPermissionDetails":{"serviceNamespace":"s3","actions":[3]}}]}"#;
    let inputs = [
        String::new(),
        good.to_string(),
        format!("\u{feff}{good}\n{good}\n"),
        format!("[{good}, {good}]\n{good}"),
        // A shape error in the only value, and in the first of two: the
        // path says which value only when there are several.
        shape.to_string(),
        format!("{shape}\n{good}"),
        // A syntax error later in the stream wins over an earlier shape error.
        format!("{shape}\n{{\"id\": "),
        format!("{good}\n{{\"id\": 1, \"id\": 2}}"),
        format!("{good}\n[3]"),
        format!("{good}\n{{\"id\": \"c\"}}"),
    ];
    for input in &inputs {
        assert_eq!(
            parse_findings(input),
            parse_findings_whole(input),
            "{input}"
        );
    }
    assert_eq!(parse_findings(&inputs[3]).unwrap().len(), 3);
    let err = parse_findings(&inputs[5]).unwrap_err();
    assert_eq!(
        err.location,
        Some(Location::Path(
            "<value 1>.findingDetails[0].unusedPermissionDetails.actions[0]".into()
        ))
    );
    assert_eq!(
        parse_findings(&inputs[6]).unwrap_err().kind,
        ErrorKind::Json
    );
}

#[test]
fn list_findings_output_says_what_to_run_instead() {
    let listed = r#"{"findings":[{"id":"f-1","findingType":"UnusedPermission"},{"id":"f-2"}],"nextToken":null}"#;
    let from_findings = parse_findings(listed).unwrap_err().to_string();
    let from_list = UnusedSet::parse(listed).unwrap_err().to_string();
    for message in [from_findings, from_list] {
        assert!(message.contains("`list-findings-v2` output"), "{message}");
        assert!(message.contains("get-finding-v2"), "{message}");
        assert!(message.contains("(`f-1`, `f-2`)"), "{message}");
    }
}

#[test]
fn text_form() {
    let set = UnusedSet::parse("# unused\ns3:GetObject\n\nec2:*\n").unwrap();
    assert!(set.contains("s3:getobject"));
    assert!(set.contains("ec2:RunInstances"));
    let err = UnusedSet::parse("s3:GetObject\nnot an action\n").unwrap_err();
    assert_eq!(err.location, Some(Location::Text { line: 2, column: 1 }));
}

#[test]
fn wrong_shapes_say_where() {
    let err = UnusedSet::parse(r#"[{"serviceNamespace":"s3","actions":[3]}]"#).unwrap_err();
    assert_eq!(err.location, Some(Location::Path("[0].actions[0]".into())));
    let err = UnusedSet::parse(r#"[{"serviceNamespace":"s3","actions":["ec2:RunInstances"]}]"#)
        .unwrap_err();
    assert!(err.message.contains("`ec2`"));
}

/// A Security Hub (OCSF) unused-access finding, built from the documented
/// schema: `metadata.uid`, `finding_info.types`, `resources[].uid`, `status`,
/// and Access Analyzer's details under `unmapped.findingDetails`.
fn ocsf_for(uid: &str, arn: &str, status: &str, kind: &str, action: &str) -> serde_json::Value {
    serde_json::json!({
        "metadata": {"uid": uid, "product": {"name": "IAM Access Analyzer", "vendor_name": "AWS"}, "version": "1.6.0"},
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "activity_name": "Create",
        "finding_info": {"uid": format!("arn:aws:access-analyzer:us-east-1:111111111111:analyzer/a/finding/{uid}"),
                         "types": [kind], "modified_time_dt": "2026-06-10T08:15:30Z"},
        "status": status,
        "resources": [{"type": "AWS::IAM::Role", "uid": arn, "owner": {"account": {"uid": "111111111111"}}}],
        "unmapped": {"findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": "s3",
            "actions": [{"action": action, "lastAccessed": "2026-01-02T03:04:05Z"}]}}]}
    })
}

#[test]
fn security_hub_findings_read_like_access_analyzers() {
    let a = "arn:aws:iam::111111111111:role/App";
    let b = "arn:aws:iam::222222222222:role/App";
    let listed = serde_json::json!({"Findings": [
        ocsf_for("1", a, "New", "UnusedPermission", "PutObject"),
        ocsf_for("2", b, "New", "UnusedPermission", "GetObject"),
        ocsf_for("3", a, "Suppressed", "UnusedPermission", "DeleteObject"),
        ocsf_for("4", a, "New", "UnusedIAMRole", "ListBucket"),
    ], "NextToken": null})
    .to_string();
    // Per principal: the other principal's finding is not evidence.
    let read = read_unused(&listed, Some(a)).unwrap();
    assert!(read.set.contains("s3:PutObject"));
    assert!(
        !read.set.contains("s3:GetObject"),
        "another principal's finding"
    );
    assert!(
        !read.set.contains("s3:DeleteObject"),
        "a suppressed finding"
    );
    assert!(
        !read.set.contains("s3:ListBucket"),
        "an UnusedIAMRole finding"
    );
    assert_eq!(
        (read.applied, read.archived, read.other_principals),
        (1, 1, 1)
    );
    assert_eq!(
        read.other_types,
        vec![("4".to_string(), "UnusedIAMRole".to_string())]
    );
    assert!(
        UnusedSet::parse(&listed)
            .unwrap_err()
            .message
            .contains("2 principals")
    );
    // `account`'s reader gives the same findings, whichever shape.
    let findings = parse_findings(&listed).unwrap();
    assert_eq!(findings.len(), 4);
    let first = findings.first().unwrap();
    assert_eq!((first.id.as_str(), first.resource.as_str()), ("1", a));
    assert_eq!(first.resource_type, "AWS::IAM::Role");
    assert_eq!(first.analyzed_at.as_deref(), Some("2026-06-10T08:15:30Z"));
    assert_eq!(
        first.unused.actions().next().unwrap().last_accessed,
        Some("2026-01-02T03:04:05Z")
    );
    let statuses: Vec<&str> = findings.iter().map(|f| f.status.as_str()).collect();
    assert_eq!(statuses, ["ACTIVE", "ACTIVE", "ARCHIVED", "ACTIVE"]);
    // JSON Lines of single findings, and both shapes mixed in one stream.
    let lines = format!(
        "{}\n{}\n",
        ocsf_for("1", a, "New", "UnusedPermission", "PutObject"),
        finding_for("9", a, "ACTIVE", "UnusedPermission", "GetObject")
    );
    let read = read_unused(&lines, None).unwrap();
    assert!(read.set.contains("s3:PutObject") && read.set.contains("s3:GetObject"));
    assert_eq!(parse_findings(&lines).unwrap().len(), 2);
}

#[test]
fn security_hub_statuses_and_types() {
    let a = "arn:aws:iam::1:role/A";
    let status_of = |finding: serde_json::Value| {
        parse_findings(&finding.to_string())
            .map(|f| f.first().map(|f| f.status.clone()).unwrap_or_default())
    };
    let with = |key: &str, value: serde_json::Value| {
        let mut finding = ocsf_for("1", a, "New", "UnusedPermission", "GetObject");
        finding.as_object_mut().unwrap().remove("status");
        finding[key] = value;
        finding
    };
    assert_eq!(
        status_of(with("status", "In Progress".into())).unwrap(),
        "ACTIVE"
    );
    assert_eq!(
        status_of(with("status", "Resolved".into())).unwrap(),
        "RESOLVED"
    );
    assert_eq!(status_of(with("status_id", 3.into())).unwrap(), "ARCHIVED");
    assert_eq!(status_of(with("status_id", 4.into())).unwrap(), "RESOLVED");
    assert_eq!(
        status_of(with("activity_name", "Close".into())).unwrap(),
        "RESOLVED"
    );
    assert!(status_of(with("status", "Maybe".into())).is_err());
    assert!(status_of(with("status_id", 99.into())).is_err());
    assert!(status_of(with("status_id", "1".into())).is_err());
    // The type may be a path ending in Access Analyzer's type, or in `unmapped`.
    let mut finding = ocsf_for("1", a, "New", "x", "GetObject");
    finding["finding_info"]["types"] =
        serde_json::json!(["Effects/Unused Access", "IAM/UnusedPermission"]);
    let read = parse_findings(&finding.to_string()).unwrap();
    assert_eq!(read.first().unwrap().finding_type, "UnusedPermission");
    finding["finding_info"]
        .as_object_mut()
        .unwrap()
        .remove("types");
    finding["unmapped"]["findingType"] = "UnusedPermission".into();
    let read = parse_findings(&finding.to_string()).unwrap();
    assert_eq!(read.first().unwrap().finding_type, "UnusedPermission");
    // Another product's finding lists no unused actions: skipped, as other types are.
    let mut other = ocsf_for(
        "2",
        a,
        "New",
        "Software and Configuration Checks",
        "GetObject",
    );
    other.as_object_mut().unwrap().remove("unmapped");
    let both = format!(
        "[{}, {other}]",
        ocsf_for("1", a, "New", "UnusedPermission", "GetObject")
    );
    let read = read_unused(&both, None).unwrap();
    assert_eq!(read.other_types.len(), 1);
    assert!(read.set.contains("s3:GetObject"));
}

#[test]
fn malformed_security_hub_findings_say_where() {
    let a = "arn:aws:iam::1:role/A";
    let base = || ocsf_for("1", a, "New", "UnusedPermission", "GetObject");
    // (finding, where, message)
    let mut cases: Vec<(serde_json::Value, &str, &str)> = Vec::new();
    let mut f = base();
    f["unmapped"]
        .as_object_mut()
        .unwrap()
        .remove("findingDetails");
    cases.push((f, "", "without `unmapped.findingDetails`"));
    let mut f = base();
    f["resources"] = "arn".into();
    cases.push((f, "resources", "must be an array"));
    let mut f = base();
    f["resources"] = serde_json::json!([{"type": "AWS::IAM::Role", "uid": a}, {"type": "AwsIamUser", "uid": "arn:aws:iam::1:user/u"}]);
    cases.push((f, "resources", "more than one IAM role or user"));
    let mut f = base();
    f["resources"] = serde_json::json!([{"type": "AWS::IAM::Role"}]);
    cases.push((f, "resources[0]", "without `uid`"));
    let mut f = base();
    f["resources"] = serde_json::json!([{"type": "AWS::IAM::Role", "uid": 7}]);
    cases.push((f, "resources[0].uid", "must be a string"));
    let mut f = base();
    f["metadata"] = serde_json::json!([1]);
    f["finding_info"] = serde_json::json!({});
    cases.push((f, "metadata", "must be an object"));
    let mut f = base();
    f["finding_info"]["types"] = serde_json::json!([1]);
    cases.push((f, "finding_info.types[0]", "must be a string"));
    let mut f = base();
    f["unmapped"]["findingDetails"] = serde_json::json!({"unusedPermissionDetails": {}});
    cases.push((f, "unmapped.findingDetails", "must be an array"));
    let mut f = base();
    f["unmapped"]["findingDetails"][0]["unusedPermissionDetails"]["serviceNamespace"] =
        "s3\u{1b}[2J".into();
    cases.push((
        f,
        "unmapped.findingDetails[0].unusedPermissionDetails.serviceNamespace",
        "is not a service prefix",
    ));
    for (finding, at, message) in cases {
        let text = finding.to_string();
        for err in [
            parse_findings(&text).unwrap_err(),
            read_unused(&text, None).unwrap_err(),
        ] {
            assert!(err.message.contains(message), "{text}: {err}");
            let location = err
                .location
                .as_ref()
                .map(|l| l.to_string())
                .unwrap_or_default();
            assert!(location.contains(at), "{text}: {location}");
        }
    }
    let wrapped = r#"{"Findings": {"metadata": {}}}"#;
    assert!(
        parse_findings(wrapped)
            .unwrap_err()
            .message
            .contains("`Findings` must be an array")
    );
}

#[test]
fn huge_security_hub_findings_are_read_whole() {
    let a = "arn:aws:iam::1:role/A";
    let actions: Vec<serde_json::Value> = (0..50_000)
        .map(|i| serde_json::json!({"action": format!("Action{i}")}))
        .collect();
    let mut finding = ocsf_for("1", a, "New", "UnusedPermission", "GetObject");
    finding["unmapped"]["findingDetails"][0]["unusedPermissionDetails"]["actions"] = actions.into();
    finding["resources"][0]["uid"] = format!("{a}{}", "x".repeat(100_000)).into();
    let read = parse_findings(&finding.to_string()).unwrap();
    let first = read.first().unwrap();
    assert_eq!(first.unused.actions().count(), 50_000);
    assert_eq!(first.resource.len(), a.len() + 100_000);
}

#[test]
fn contains_in_order_answers_as_contains_in_any_order() {
    let mut set = UnusedSet::new();
    for name in [
        "s3:GetObject",
        "S3:PutObject",
        "s3-outposts:GetObject",
        "ec2:RunInstances",
        "ec2:StartInstances",
        "sts:AssumeRole",
    ] {
        set.insert_action(name, None);
    }
    set.insert_service("lambda", None);
    let mut names: Vec<&str> = vec![
        "a:A",
        "ec2:Describe",
        "EC2:RUNINSTANCES",
        "ec2:RunInstancesX",
        "ec2:StartInstances",
        "lambda:Invoke",
        "s3-outposts:GetObject",
        "s3:GetObject",
        "s3:getobject",
        "s3:PutObject",
        "s3:Q",
        "sts:AssumeRole",
        "zz:Z",
    ];
    names.sort_by(|a, b| cmp_ci(a, b));
    let expected: Vec<bool> = names.iter().map(|n| set.contains(n)).collect();
    assert_eq!(expected.iter().filter(|&&b| b).count(), 8);
    // Sorted, reversed, and shuffled by a fixed rotation: the same answers.
    let mut orders = vec![names.clone()];
    orders.push(names.iter().rev().copied().collect());
    for k in 1..names.len() {
        let mut rotated = names.clone();
        rotated.rotate_left(k);
        orders.push(rotated);
    }
    for order in orders {
        let mut is_unused = set.contains_in_order();
        for name in &order {
            assert_eq!(is_unused(name), set.contains(name), "{name} in {order:?}");
        }
    }
}

#[test]
fn contains_each_sorted_says_what_contains_says() {
    // Sets of listed actions and whole services, and sorted names that
    // fall before, between, on (in any case) and after them.
    let words = [
        "a",
        "B",
        "get",
        "Get",
        "GetObject",
        "getobjectacl",
        "z",
        "-x",
    ];
    let services = ["s3", "S3", "ec2", "iam", "x-y"];
    let mut below = crate::test_rng::below(0x5e7u64);
    for round in 0..300 {
        let name = |below: &mut dyn FnMut(usize) -> usize| {
            let service = services[below(services.len())];
            let action: String = (0..below(3)).map(|_| words[below(words.len())]).collect();
            format!("{service}:{action}")
        };
        let mut set = UnusedSet::new();
        for _ in 0..below(60) {
            let n = name(&mut below);
            set.insert_action(&n, None);
        }
        if below(3) == 0 {
            set.insert_service(services[below(services.len())], None);
        }
        let mut names: Vec<String> = (0..below(80)).map(|_| name(&mut below)).collect();
        names.sort_by(|a, b| cmp_ci(a, b));
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let each: Vec<bool> = names.iter().map(|n| set.contains(n)).collect();
        assert_eq!(
            set.contains_each_sorted(&names),
            each,
            "round {round}: {names:?}"
        );
    }
}

/// A small deterministic generator for the tests below.
fn lcg(seed: u64) -> impl FnMut(usize) -> usize {
    let mut seed = seed;
    move |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((seed >> 33) as usize) % n.max(1)
    }
}

/// The set as a plain model: lowercased name to the first spelling and
/// date given, in case-insensitive order.
fn model(set: &UnusedSet) -> Vec<(String, Option<String>)> {
    set.actions()
        .map(|a| (a.name.to_string(), a.last_accessed.map(str::to_string)))
        .collect()
}

#[test]
fn sets_in_one_buffer_behave_as_a_sorted_map_where_the_first_entry_wins() {
    let services = ["s3", "S3", "ec2", "Ec2", "iam"];
    let actions = ["Get", "get", "GetObject", "PUT", "put", "a-b", "A_B"];
    let dates = [
        None,
        Some("2024-01-01T00:00:00Z"),
        Some("2025-06-30T00:00:00Z"),
    ];
    let mut below = lcg(0xb0ff);
    for round in 0..300 {
        let name = |below: &mut dyn FnMut(usize) -> usize| {
            format!(
                "{}:{}",
                services[below(services.len())],
                actions[below(actions.len())]
            )
        };
        // The model: a map by lowercased name, the first entry kept.
        let mut expected: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
        let keep = |expected: &mut BTreeMap<_, _>, name: &str, date: Option<&str>| {
            let canonical = action_name(name);
            expected
                .entry(canonical.to_ascii_lowercase())
                .or_insert((canonical, date.map(str::to_string)));
        };
        let mut set = UnusedSet::new();
        let mut other = UnusedSet::new();
        let mut pushed = UnusedSet::new();
        for _ in 0..below(40) {
            let n = name(&mut below);
            let date = dates[below(dates.len())];
            match below(3) {
                0 => set.insert_action(&n, date.map(str::to_string)),
                1 => other.insert_action(&n, date.map(str::to_string)),
                _ => {
                    // Unsorted pushes, settled once, as readers do.
                    assert!(pushed.push(&action_name(&n), date));
                }
            }
        }
        let mut in_order: Vec<(String, Option<String>)> = Vec::new();
        for s in [&set, &other] {
            in_order.extend(model(s));
        }
        for action in pushed.actions.names().zip(pushed.actions.iter()) {
            in_order.push((
                action.0.to_string(),
                action.1.last_accessed.map(str::to_string),
            ));
        }
        for (n, d) in &in_order {
            keep(&mut expected, n, d.as_deref());
        }
        pushed.settle();
        let shared = other.clone();
        set.extend(&other);
        set.absorb(pushed.clone());
        set.settle();
        let got = model(&set);
        let want: Vec<(String, Option<String>)> = expected.into_values().collect();
        assert_eq!(got, want, "round {round}");
        // Every name is found in any case, and nothing else is.
        for (n, _) in &want {
            assert!(set.contains(&n.to_ascii_uppercase()), "{n}");
        }
        assert!(!set.contains("s3:Absent"));
        // `extend` copied from `other` without changing it.
        assert_eq!(model(&shared), model(&other));
        // Retain and intersection against the same model.
        let mut kept = set.clone();
        kept.retain_actions(|a| a.last_accessed.is_some());
        let dated: Vec<_> = want.iter().filter(|(_, d)| d.is_some()).cloned().collect();
        assert_eq!(model(&kept), dated, "round {round}");
        assert_eq!(model(&set.intersection(&kept)), dated, "round {round}");
    }
}

/// A list past the size from which it is sorted in place keeps the first
/// entry of each name, as the stable sort does: names pushed in any order
/// with case twins and dates, to the first-entry-wins model, settled alone
/// and after a settled part.
#[test]
fn a_large_list_sorted_in_place_keeps_the_first_entry_of_each_name() {
    let mut below = crate::test_rng::below(0x1a_49e);
    let dates = [
        None,
        Some("2024-01-01T00:00:00Z"),
        Some("2025-06-30T00:00:00Z"),
    ];
    for settled_first in [false, true] {
        let mut set = UnusedSet::new();
        let mut expected: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
        let mut push = |set: &mut UnusedSet, below: &mut dyn FnMut(usize) -> usize| {
            let n = below(40_000);
            let name = if below(2) == 0 {
                format!("svc{}:Act{n}", n % 7)
            } else {
                format!("svc{}:ACT{n}", n % 7)
            };
            let date = dates[below(dates.len())];
            assert!(set.push(&name, date));
            expected
                .entry(name.to_ascii_lowercase())
                .or_insert((name, date.map(str::to_string)));
        };
        for _ in 0..40_000 {
            push(&mut set, &mut below);
        }
        if settled_first {
            set.settle();
        }
        for _ in 0..60_000 {
            push(&mut set, &mut below);
        }
        assert!(set.actions.len() >= 1 << 16);
        set.settle();
        let want: Vec<(String, Option<String>)> = expected.into_values().collect();
        let want: Vec<_> = {
            let mut want = want;
            want.sort_by(|a, b| cmp_ci(&a.0, &b.0));
            want
        };
        assert_eq!(model(&set), want);
    }
}

#[test]
fn a_cloned_set_shares_its_buffer_until_it_changes() {
    let mut set = UnusedSet::parse("s3:GetObject\niam:PassRole\n").unwrap();
    let copy = set.clone();
    assert!(Arc::ptr_eq(set.list(), copy.list()));
    set.insert_action("ec2:RunInstances", None);
    assert!(!Arc::ptr_eq(set.list(), copy.list()));
    assert_eq!(copy.actions().len(), 2);
    assert_eq!(set.actions().len(), 3);
    // A set with no actions takes another's as they are.
    let mut empty = UnusedSet::new();
    empty.absorb(copy.clone());
    assert!(Arc::ptr_eq(empty.list(), copy.list()));
}

#[test]
fn a_text_list_is_the_sets_own_buffer() {
    let text =
        "\u{feff}# unused\r\nS3:GetObject  # a comment\r\n\n  IAM:PassRole\nec2:*\ns3:getobject\n"
            .to_string();
    let owned = text.clone();
    let range = owned.as_ptr() as usize..owned.as_ptr() as usize + owned.len();
    let set = UnusedSet::parse_owned(owned).unwrap();
    // Not copied: the names point into the text read.
    let names = set.list().names().next().unwrap().as_ptr();
    assert!(range.contains(&(names as usize)), "the names were copied");
    let names: Vec<&str> = set.actions().map(|a| a.name).collect();
    // Services lowercased in place; the first spelling of a name wins.
    assert_eq!(names, ["iam:PassRole", "s3:GetObject"]);
    assert!(set.is_service_unused("ec2"));
    assert_eq!(set, UnusedSet::parse(&text).unwrap());
}

#[test]
fn text_lists_read_owned_or_borrowed_alike() {
    let lines = [
        "s3:GetObject",
        "S3:GETOBJECT",
        "  iam:PassRole  ",
        "# comment",
        "",
        "ec2:Run# trailing",
        "kms:*",
        "Svc-1:Do_It",
        "\tsts:AssumeRole\t",
    ];
    let ends = ["\n", "\r\n"];
    let mut below = lcg(0x7e47);
    for round in 0..300 {
        let mut text = String::new();
        if below(4) == 0 {
            text.push('\u{feff}');
        }
        for _ in 0..below(12) {
            text.push_str(lines[below(lines.len())]);
            text.push_str(ends[below(ends.len())]);
        }
        if below(2) == 0 {
            text.push_str(lines[below(lines.len())]);
        }
        let borrowed = read_unused(&text, None);
        let owned = read_unused_owned(text.clone(), None);
        assert_eq!(borrowed, owned, "round {round}: {text:?}");
    }
    // A bad line says where, either way.
    let bad = "s3:GetObject\n\nnot an action\n".to_string();
    let err = UnusedSet::parse_owned(bad.clone()).unwrap_err();
    assert_eq!(err, UnusedSet::parse(&bad).unwrap_err());
    assert_eq!(err.location, Some(Location::Text { line: 3, column: 1 }));
}

#[test]
fn a_list_past_32_bit_offsets_is_refused_not_wrapped() {
    assert!(NameList::span(list::MAX_TEXT, 1).is_some());
    assert!(NameList::span(list::MAX_TEXT + 1, 1).is_none());
    assert!(NameList::span(0, list::MAX_TEXT + 1).is_none());
    let list = NameList::default();
    assert!(list.fits(list::MAX_TEXT));
    assert!(!list.fits(list::MAX_TEXT + 1));
}

#[test]
fn a_reports_names_share_the_set_and_sort_like_it() {
    let set = UnusedSet::parse("s3:PutObject\niam:PassRole\n").unwrap();
    let mut names = ActionNames::of(&set);
    names.sort_dedup();
    assert!(
        Arc::ptr_eq(&names.0, set.list()),
        "a sorted list is not copied"
    );
    assert_eq!(
        names.iter().collect::<Vec<_>>(),
        ["iam:PassRole", "s3:PutObject"]
    );
    let mut pushed = ActionNames::new();
    for name in ["s3:PutObject", "IAM:passrole", "iam:PassRole", "ec2:Run"] {
        pushed.push(name);
    }
    pushed.sort_dedup();
    assert_eq!(
        pushed.iter().collect::<Vec<_>>(),
        ["ec2:Run", "IAM:passrole", "s3:PutObject"]
    );
    assert_eq!(
        serde_json::to_string(&pushed).unwrap(),
        r#"["ec2:Run","IAM:passrole","s3:PutObject"]"#
    );
}

#[test]
fn action_bytes_are_letters_digits_hyphens_and_underscores() {
    for byte in 0..=255u8 {
        let expected = byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_';
        assert_eq!(super::is_action_byte(byte), expected, "{byte}");
    }
}
