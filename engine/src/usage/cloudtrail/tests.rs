use super::*;

fn ts(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

const USER: &str = r#"{"type":"IAMUser","principalId":"EX_PRINCIPAL_ID","arn":"arn:aws:iam::123456789012:user/Alice","accountId":"123456789012","userName":"Alice"}"#;
const ROLE: &str = r#"{"type":"AssumedRole","principalId":"AROAEXAMPLE:s","arn":"arn:aws:sts::123456789012:assumed-role/App/s","accountId":"123456789012","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::123456789012:role/service/App","accountId":"123456789012","userName":"App"},"attributes":{"creationDate":"2026-06-01T00:00:00Z","mfaAuthenticated":"false"}}}"#;

fn event(identity: &str, time: &str, source: &str, name: &str, extra: &str) -> String {
    format!(
        r#"{{"eventVersion":"1.09","userIdentity":{identity},"eventTime":"{time}","eventSource":"{source}","eventName":"{name}","awsRegion":"us-east-2","sourceIPAddress":"192.0.2.1","requestParameters":{{"a":[1,2.5,{{"b":null}}]}},"responseElements":null,"recipientAccountId":"123456789012"{extra}}}"#
    )
}

#[test]
fn reads_the_three_shapes_and_attributes_each_event() {
    let records = format!(
        r#"{{"Records":[{},{}]}}"#,
        event(
            USER,
            "2026-06-01T10:00:00Z",
            "ec2.amazonaws.com",
            "StartInstances",
            ""
        ),
        event(
            ROLE,
            "2026-06-02T10:00:00Z",
            "s3.amazonaws.com",
            "ListBuckets",
            r#","errorCode":"AccessDenied""#
        ),
    );
    let inner = event(
        ROLE,
        "2026-06-03T10:00:00Z",
        "s3.amazonaws.com",
        "ListBuckets",
        "",
    );
    let lookup = serde_json::json!({"Events": [{"EventId": "x", "EventName": "ListBuckets", "CloudTrailEvent": inner}], "NextToken": "t"}).to_string();
    let lines = format!(
        "{}\n{}\n",
        event(
            USER,
            "2026-05-01T10:00:00Z",
            "ec2.amazonaws.com",
            "StartInstances",
            ""
        ),
        event(
            r#"{"type":"AWSService","invokedBy":"ec2.amazonaws.com"}"#,
            "2026-06-01T10:00:00Z",
            "sts.amazonaws.com",
            "AssumeRole",
            ""
        )
    );
    let window = Window {
        as_of: ts("2026-06-10"),
        days: 30,
    };
    let mut trail = CloudTrail::new(Some(&window));
    trail.read(records.as_bytes()).unwrap();
    trail.read(lookup.as_bytes()).unwrap();
    trail.read(lines.as_bytes()).unwrap();
    assert_eq!(trail.events(), 5);
    assert_eq!(trail.before_window(), 1);
    assert_eq!(trail.denied(), 1);
    assert_eq!(
        trail.principals(),
        [
            "arn:aws:iam::123456789012:role/service/App",
            "arn:aws:iam::123456789012:user/Alice"
        ]
    );
    let role = trail.calls_of("arn:aws:iam::123456789012:role/service/App");
    assert_eq!(role.len(), 1);
    assert_eq!(role[0].name, "ListBuckets");
    assert_eq!(role[0].seen.count, 2);
    assert_eq!(role[0].seen.denied, 1);
    assert_eq!(role[0].seen.first, ts("2026-06-02T10:00:00Z"));
    assert_eq!(role[0].seen.last, ts("2026-06-03T10:00:00Z"));
    let user = trail.calls_of("arn:aws:iam::123456789012:user/Alice");
    assert_eq!(user[0].seen.first, ts("2026-05-01T10:00:00Z"));
    let unattributed = trail.unattributed();
    assert_eq!(unattributed.len(), 1);
    let (reason, tally) = unattributed.iter().next().unwrap();
    assert!(reason.contains("AWS services"), "{reason}");
    assert_eq!(tally.examples, ["sts.amazonaws.com AssumeRole"]);
    let coverage = trail.coverage();
    assert_eq!(coverage.len(), 1);
    assert_eq!(coverage[0].1.first, ts("2026-05-01T10:00:00Z"));
    assert_eq!(coverage[0].1.regions.len(), 1);
}

#[test]
fn a_session_without_its_issuer_counts_for_every_role_of_its_name() {
    let bare = r#"{"type":"AssumedRole","arn":"arn:aws:sts::123456789012:assumed-role/App/s","accountId":"123456789012"}"#;
    let mut trail = CloudTrail::new(None);
    trail
        .read(
            event(
                bare,
                "2026-06-01T10:00:00Z",
                "sqs.amazonaws.com",
                "SendMessage",
                "",
            )
            .as_bytes(),
        )
        .unwrap();
    assert_eq!(trail.principals(), ["arn:aws:iam::123456789012:role/App"]);
    for arn in [
        "arn:aws:iam::123456789012:role/service/App",
        "arn:aws:iam::123456789012:role/App",
    ] {
        assert_eq!(trail.calls_of(arn).len(), 1, "{arn}");
    }
    assert!(
        trail
            .calls_of("arn:aws:iam::123456789012:role/Other")
            .is_empty()
    );
    assert!(
        trail
            .calls_of("arn:aws:iam::999999999999:role/App")
            .is_empty()
    );
}

#[test]
fn merging_scans_is_the_same_as_one_scan() {
    let a = event(
        USER,
        "2026-06-01T10:00:00Z",
        "ec2.amazonaws.com",
        "StartInstances",
        "",
    );
    let b = event(
        USER,
        "2026-06-05T10:00:00Z",
        "ec2.amazonaws.com",
        "StartInstances",
        "",
    );
    let mut one = CloudTrail::new(None);
    one.read(format!("{a}\n{b}").as_bytes()).unwrap();
    let mut left = CloudTrail::new(None);
    left.read(a.as_bytes()).unwrap();
    let mut right = CloudTrail::new(None);
    right.read(b.as_bytes()).unwrap();
    left.merge(right);
    let arn = "arn:aws:iam::123456789012:user/Alice";
    assert_eq!(one.calls_of(arn), left.calls_of(arn));
    assert_eq!(one.coverage(), left.coverage());
    assert_eq!(left.events(), 2);
}

#[test]
fn escaped_strings_and_a_byte_order_mark_are_read() {
    let text = "\u{feff}{\"Records\":[{\"eventTime\":\"2026-06-01T10:00:00Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"Get\\u004fbject\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::1:user/A\\/B\"}}]}";
    let mut trail = CloudTrail::new(None);
    trail.read(text.as_bytes()).unwrap();
    let calls = trail.calls_of("arn:aws:iam::1:user/A/B");
    assert_eq!(calls[0].name, "GetObject");
}

#[test]
fn what_is_not_cloudtrail_is_an_error() {
    let mut trail = CloudTrail::new(None);
    for (text, expected) in [
        (
            r#"{"Version":"2012-10-17","Statement":[]}"#,
            "not CloudTrail events",
        ),
        (
            r#"{"Records":[{"eventName":"GetObject"}]}"#,
            "`Records[0]`: a CloudTrail event needs",
        ),
        (
            r#"{"Records":[{"eventTime":"yesterday","eventSource":"s","eventName":"n"}]}"#,
            "`Records[0]`: `eventTime`",
        ),
        (r#"{"Records":[1]}"#, "line 1"),
        (r#"{"Records":[{"eventTime":"#, "line 1"),
        (
            r#"{"Events":[{"CloudTrailEvent":"{nope"}]}"#,
            "`Events[0].CloudTrailEvent`: not a CloudTrail event",
        ),
    ] {
        let err = trail.read(text.as_bytes()).unwrap_err();
        assert!(err.to_string().contains(expected), "{text}: {err}");
    }
    assert_eq!(trail.events(), 0);
}

#[test]
fn coverage_shorter_than_the_window_is_a_warning() {
    let mut trail = CloudTrail::new(None);
    trail
        .read(
            event(
                USER,
                "2026-06-01T10:00:00Z",
                "ec2.amazonaws.com",
                "StartInstances",
                "",
            )
            .as_bytes(),
        )
        .unwrap();
    trail
        .read(
            event(
                USER,
                "2026-06-09T10:00:00Z",
                "ec2.amazonaws.com",
                "StartInstances",
                "",
            )
            .as_bytes(),
        )
        .unwrap();
    let long = Window {
        as_of: ts("2026-06-10"),
        days: 90,
    };
    let lines = coverage_lines(&trail.coverage(), Some(&long));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(
        lines[1],
        "warning: account 123456789012: the logs begin on 2026-06-01, after the window opens on 2026-03-12 (90-day window): an action missing from them may still be in use"
    );
    let short = Window {
        as_of: ts("2026-06-10"),
        days: 9,
    };
    assert_eq!(coverage_lines(&trail.coverage(), Some(&short)).len(), 1);
    let later = Window {
        as_of: ts("2026-06-20"),
        days: 9,
    };
    let lines = coverage_lines(&trail.coverage(), Some(&later));
    assert!(
        lines[1].contains(
            "the logs end on 2026-06-09, before the window closes on 2026-06-20 (9-day window)"
        ),
        "{lines:?}"
    );
}
// -----------------------------------------------------------------------
// Inference
// -----------------------------------------------------------------------

use crate::table::{AccessLevel, KnownAction};
use crate::usage::trail_config::TrailConfig;

const ROWS: &[KnownAction] = &[
    KnownAction::new_static("bedrock:CreateAgent", AccessLevel::WRITE, true),
    KnownAction::new_static("bedrock:InvokeModel", AccessLevel::READ, true),
    KnownAction::new_static("ec2:DescribeInstances", AccessLevel::LIST, true),
    KnownAction::new_static("ec2:StartInstances", AccessLevel::WRITE, true),
    KnownAction::new_static("iam:CreateRole", AccessLevel::WRITE, true),
    KnownAction::new_static("iam:GetRole", AccessLevel::READ, true),
    KnownAction::new_static("iam:ListRoles", AccessLevel::LIST, true),
    KnownAction::new_static("iam:PassRole", AccessLevel::WRITE, false),
    KnownAction::new_static("kinesis:CreateStream", AccessLevel::WRITE, true),
    KnownAction::new_static("kinesis:PutRecord", AccessLevel::WRITE, true),
    KnownAction::new_static("lambda:GetFunction", AccessLevel::READ, true),
    KnownAction::new_static("lambda:InvokeFunction", AccessLevel::WRITE, true),
    KnownAction::new_static("personalize:GetRecommendations", AccessLevel::READ, true),
    KnownAction::new_static("s3:CreateBucket", AccessLevel::WRITE, true),
    KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
    KnownAction::new_static("s3:ListAllMyBuckets", AccessLevel::LIST, true),
    KnownAction::new_static("s3:ListBucket", AccessLevel::LIST, true),
    KnownAction::new_static("s3:PutObject", AccessLevel::WRITE, true),
    KnownAction::new_static("sqs:SendMessage", AccessLevel::WRITE, true),
    KnownAction::new_static("sts:AssumeRole", AccessLevel::WRITE, true),
];

const EVENTS: &[(&str, &str, &[&str])] = &[
    (
        "bedrock-runtime.amazonaws.com",
        "InvokeModel",
        &["bedrock:InvokeModel"],
    ),
    (
        "bedrock.amazonaws.com",
        "CreateAgent",
        &["bedrock:CreateAgent"],
    ),
    (
        "ec2.amazonaws.com",
        "DescribeInstances",
        &["ec2:DescribeInstances"],
    ),
    (
        "ec2.amazonaws.com",
        "StartInstances",
        &["ec2:StartInstances"],
    ),
    ("iam.amazonaws.com", "CreateRole", &["iam:CreateRole"]),
    ("iam.amazonaws.com", "GetRole", &["iam:GetRole"]),
    ("iam.amazonaws.com", "ListRoles", &["iam:ListRoles"]),
    (
        "kinesis.amazonaws.com",
        "CreateStream",
        &["kinesis:CreateStream"],
    ),
    ("kinesis.amazonaws.com", "PutRecord", &["kinesis:PutRecord"]),
    (
        "lambda.amazonaws.com",
        "GetFunction",
        &["lambda:GetFunction"],
    ),
    ("lambda.amazonaws.com", "Invoke", &["lambda:InvokeFunction"]),
    (
        "personalize-runtime.amazonaws.com",
        "GetRecommendations",
        &["personalize:GetRecommendations"],
    ),
    ("s3.amazonaws.com", "CreateBucket", &["s3:CreateBucket"]),
    ("s3.amazonaws.com", "GetObject", &["s3:GetObject"]),
    ("s3.amazonaws.com", "ListBuckets", &["s3:ListAllMyBuckets"]),
    ("s3.amazonaws.com", "ListObjectsV2", &["s3:ListBucket"]),
    ("s3.amazonaws.com", "PutObject", &["s3:PutObject"]),
    ("sqs.amazonaws.com", "SendMessage", &["sqs:SendMessage"]),
    ("sts.amazonaws.com", "AssumeRole", &["sts:AssumeRole"]),
];

/// The event table of the tests: a few literal rows.
struct Literal;

impl EventMap for Literal {
    fn actions(&self, source: &str, name: &str) -> EventActions {
        match EVENTS.iter().find(|(s, n, _)| *s == source && *n == name) {
            Some((_, _, actions)) => {
                EventActions::Actions(actions.iter().map(|a| a.to_string()).collect())
            }
            None if EVENTS.iter().any(|(s, _, _)| *s == source) => EventActions::UnknownEvent,
            None => EventActions::UnknownSource,
        }
    }
    fn prefix(&self, source: &str) -> Option<String> {
        EVENTS
            .iter()
            .find(|(s, _, _)| *s == source)
            .map(|(_, _, a)| split_action(a[0]).0.to_string())
    }
    fn operations(&self) -> Vec<(String, String, Vec<String>)> {
        EVENTS
            .iter()
            .map(|(s, n, a)| {
                (
                    s.to_string(),
                    n.to_string(),
                    a.iter().map(|x| x.to_string()).collect(),
                )
            })
            .collect()
    }
}

fn table() -> ActionTable<'static> {
    ActionTable::new(ROWS).unwrap()
}

const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/service/App";

fn policy(actions: &[&str]) -> Policy {
    Policy::parse(
        &serde_json::json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": actions, "Resource": "*"}]})
        .to_string(),
    )
    .unwrap()
}

fn trail_of(calls: &[(&str, &str, &str, &str)]) -> CloudTrail {
    let mut trail = CloudTrail::new(None);
    let lines: Vec<String> = calls
        .iter()
        .map(|(time, source, name, extra)| event(ROLE, time, source, name, extra))
        .collect();
    trail.read(lines.join("\n").as_bytes()).unwrap();
    trail
}

fn unused_names(inference: &Inference) -> Vec<String> {
    inference
        .unused
        .actions()
        .map(|a| a.name.to_string())
        .collect()
}

#[test]
fn unused_is_granted_minus_used_minus_unobservable() {
    let trail = trail_of(&[
        (
            "2026-06-01T00:00:00Z",
            "s3.amazonaws.com",
            "ListBuckets",
            "",
        ),
        (
            "2026-06-02T00:00:00Z",
            "iam.amazonaws.com",
            "GetRole",
            r#","errorCode":"AccessDenied""#,
        ),
        (
            "2026-06-03T00:00:00Z",
            "ec2.amazonaws.com",
            "DescribeInstances",
            "",
        ),
    ]);
    let usage = trail.usage_of(ROLE_ARN, &Literal, table());
    assert_eq!(usage.actions.len(), 3);
    let policy = policy(&["s3:*", "iam:*", "lambda:*", "ec2:*"]);
    let observability = Observability::new(&Literal, TrailConfig::default());
    let inference = from_cloudtrail(&[&policy], &usage, &observability, table(), None);
    assert_eq!(
        unused_names(&inference),
        [
            "ec2:StartInstances",
            "iam:CreateRole",
            "iam:ListRoles",
            "lambda:GetFunction",
            "s3:CreateBucket"
        ]
    );
    let report = &inference.report;
    assert_eq!(report.permission_only_kept, ["iam:PassRole"]);
    assert_eq!(
        report.untracked_kept,
        [
            "lambda:InvokeFunction",
            "s3:GetObject",
            "s3:ListBucket",
            "s3:PutObject"
        ]
    );
    let notes = report.notes.join("\n");
    assert!(notes.contains("the default trail is assumed"), "{notes}");
    assert!(
        notes.contains("`AWS::S3::Object` data events, which the trail does not log"),
        "{notes}"
    );
    assert!(notes.contains("`AWS::Lambda::Function`"), "{notes}");
}

#[test]
fn the_trail_configuration_decides_what_is_observable() {
    let trail = trail_of(&[(
        "2026-06-01T00:00:00Z",
        "s3.amazonaws.com",
        "ListBuckets",
        "",
    )]);
    let usage = trail.usage_of(ROLE_ARN, &Literal, table());
    let config = TrailConfig::parse(
        r#"{"EventSelectors": [
                {"ReadWriteType": "ReadOnly", "IncludeManagementEvents": true, "DataResources": []},
                {"ReadWriteType": "All", "IncludeManagementEvents": false,
                 "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}]}"#,
    )
    .unwrap();
    let observability = Observability::new(&Literal, config);
    let policy = policy(&["s3:*", "iam:*", "ec2:*"]);
    let inference = from_cloudtrail(&[&policy], &usage, &observability, table(), None);
    // Reads are logged, S3 object operations too; writes to management are not.
    assert_eq!(
        unused_names(&inference),
        [
            "ec2:DescribeInstances",
            "iam:GetRole",
            "iam:ListRoles",
            "s3:GetObject",
            "s3:ListBucket",
            "s3:PutObject"
        ]
    );
    assert_eq!(
        inference.report.untracked_kept,
        ["ec2:StartInstances", "iam:CreateRole", "s3:CreateBucket"]
    );
    assert!(
        inference
            .report
            .notes
            .iter()
            .any(|n| n.contains("by write management events"))
    );
}

/// Data events the first table (2023) lacked: Kinesis and Bedrock have
/// data event types whose operations AWS does not list one by one.
/// Before, their actions counted as management events and went.
#[test]
fn services_with_unlisted_data_events_keep_their_actions() {
    let trail = trail_of(&[("2026-06-01T00:00:00Z", "iam.amazonaws.com", "GetRole", "")]);
    let usage = trail.usage_of(ROLE_ARN, &Literal, table());
    let policy = policy(&["kinesis:*", "bedrock:*", "personalize:*", "iam:GetRole"]);
    let kept_by = |config: TrailConfig| {
        let observability = Observability::new(&Literal, config);
        let inference = from_cloudtrail(&[&policy], &usage, &observability, table(), None);
        (
            unused_names(&inference),
            inference.report.untracked_kept.clone(),
            inference.report.notes.join("\n"),
        )
    };
    // Without a trail configuration: nothing of them goes.
    let (unused, kept, notes) = kept_by(TrailConfig::default());
    assert!(unused.is_empty(), "{unused:?}");
    assert_eq!(
        kept,
        [
            "bedrock:CreateAgent",
            "bedrock:InvokeModel",
            "kinesis:CreateStream",
            "kinesis:PutRecord",
            "personalize:GetRecommendations"
        ]
    );
    assert!(
        notes.contains("`AWS::Kinesis::Stream` data events"),
        "{notes}"
    );
    assert!(notes.contains("`AWS::Bedrock::"), "{notes}");
    assert!(
        notes.contains("`personalize-runtime.amazonaws.com`, a data-plane endpoint"),
        "{notes}"
    );
    // A trail that logs one of Kinesis's two types is not enough.
    let one = TrailConfig::parse(
        r#"{"AdvancedEventSelectors": [
                {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
                {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                  {"Field": "resources.type", "Equals": ["AWS::Kinesis::Stream"]}]}]}"#,
    )
    .unwrap();
    let (unused, _, notes) = kept_by(one);
    assert!(unused.is_empty(), "{unused:?}");
    assert!(
        notes.contains("`AWS::Kinesis::StreamConsumer` data events"),
        "{notes}"
    );
    // Every Kinesis type and the management events: Kinesis is observable.
    let selector = |types: &[&str]| {
        types
                .iter()
                .map(|t| {
                    format!(
                        r#"{{"FieldSelectors": [{{"Field": "eventCategory", "Equals": ["Data"]}}, {{"Field": "resources.type", "Equals": ["{t}"]}}]}}"#
                    )
                })
                .collect::<Vec<_>>()
                .join(",")
    };
    let kinesis = ["AWS::Kinesis::Stream", "AWS::Kinesis::StreamConsumer"];
    let management =
        r#"{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}"#;
    let all_kinesis = TrailConfig::parse(&format!(
        r#"{{"AdvancedEventSelectors": [{management}, {}]}}"#,
        selector(&kinesis)
    ))
    .unwrap();
    let (unused, _, _) = kept_by(all_kinesis);
    assert_eq!(unused, ["kinesis:CreateStream", "kinesis:PutRecord"]);
    // The same data events without management events: the control plane stays,
    // for pare cannot tell which of Kinesis's operations are data events.
    let data_only = TrailConfig::parse(&format!(
        r#"{{"AdvancedEventSelectors": [{}]}}"#,
        selector(&kinesis)
    ))
    .unwrap();
    let (unused, _, _) = kept_by(data_only);
    assert!(unused.is_empty(), "{unused:?}");
    // Every Bedrock type of the table: Bedrock too. A data-plane endpoint
    // of a service the table has no type for stays whatever the trail logs.
    let bedrock: Vec<&str> = crate::usage::data_events::DATA_EVENT_TYPES
        .iter()
        .filter(|t| t.prefix == "bedrock")
        .map(|t| t.resource_type)
        .collect();
    assert!(bedrock.len() >= 5, "{bedrock:?}");
    let everything: Vec<&str> = bedrock.iter().chain(&kinesis).copied().collect();
    let all = TrailConfig::parse(&format!(
        r#"{{"AdvancedEventSelectors": [{management}, {}]}}"#,
        selector(&everything)
    ))
    .unwrap();
    let (unused, kept, _) = kept_by(all);
    assert_eq!(
        unused,
        [
            "bedrock:CreateAgent",
            "bedrock:InvokeModel",
            "kinesis:CreateStream",
            "kinesis:PutRecord"
        ]
    );
    assert_eq!(kept, ["personalize:GetRecommendations"]);
}

/// An S3 object read through an access point is logged by either type;
/// a read straight from the bucket only by `AWS::S3::Object`.
#[test]
fn access_point_selectors_alone_do_not_show_object_reads() {
    let usage = ObservedUsage::default();
    let policy = policy(&["s3:GetObject"]);
    let decide = |types: &str| {
        let config = TrailConfig::parse(&format!(
                r#"{{"AdvancedEventSelectors": [{{"FieldSelectors": [{{"Field": "eventCategory", "Equals": ["Data"]}}, {{"Field": "resources.type", "Equals": [{types}]}}]}}]}}"#
            ))
            .unwrap();
        let observability = Observability::new(&Literal, config);
        unused_names(&from_cloudtrail(
            &[&policy],
            &usage,
            &observability,
            table(),
            None,
        ))
    };
    assert!(decide(r#""AWS::S3::AccessPoint""#).is_empty());
    assert_eq!(decide(r#""AWS::S3::Object""#), ["s3:GetObject"]);
}

#[test]
fn use_before_the_window_is_no_use() {
    let trail = trail_of(&[
        ("2026-01-01T00:00:00Z", "iam.amazonaws.com", "GetRole", ""),
        ("2026-06-01T00:00:00Z", "iam.amazonaws.com", "ListRoles", ""),
    ]);
    let usage = trail.usage_of(ROLE_ARN, &Literal, table());
    let window = Window {
        as_of: ts("2026-06-10"),
        days: 90,
    };
    let observability = Observability::new(&Literal, TrailConfig::default());
    let policy = policy(&["iam:GetRole", "iam:ListRoles"]);
    let inference = from_cloudtrail(&[&policy], &usage, &observability, table(), Some(&window));
    assert_eq!(unused_names(&inference), ["iam:GetRole"]);
    assert!(
        inference
            .report
            .notes
            .iter()
            .any(|n| n.contains("used only before 2026-03-12T00:00:00Z: `iam:GetRole`"))
    );
    let inference = from_cloudtrail(&[&policy], &usage, &observability, table(), None);
    assert!(inference.unused.is_empty());
}

#[test]
fn unmapped_events_keep_their_service_and_are_reported() {
    let trail = trail_of(&[
        (
            "2026-06-01T00:00:00Z",
            "iam.amazonaws.com",
            "BrandNewThing",
            "",
        ),
        (
            "2026-06-01T00:00:00Z",
            "lambda.amazonaws.com",
            "GetFunction20150331v2",
            "",
        ),
        ("2026-06-01T00:00:00Z", "newsvc.amazonaws.com", "DoIt", ""),
        ("2026-06-02T00:00:00Z", "newsvc.amazonaws.com", "DoIt", ""),
    ]);
    let usage = trail.usage_of(ROLE_ARN, &Literal, table());
    assert!(
        usage.actions.contains_key("lambda:getfunction"),
        "by its name without the version"
    );
    assert_eq!(usage.unmapped.len(), 2);
    assert_eq!(usage.unmapped_services, BTreeSet::from(["iam".to_string()]));
    let observability = Observability::new(&Literal, TrailConfig::default());
    let policy = policy(&["iam:*", "lambda:GetFunction", "ec2:StartInstances"]);
    let inference = from_cloudtrail(&[&policy], &usage, &observability, table(), None);
    assert_eq!(unused_names(&inference), ["ec2:StartInstances"]);
    let notes = inference.report.notes.join("\n");
    assert!(notes.contains("3 event(s) of 2 operation(s) the event table cannot map: `iam.amazonaws.com BrandNewThing`, `newsvc.amazonaws.com DoIt`"), "{notes}");
    assert!(
        notes.contains("their service has events the table cannot map"),
        "{notes}"
    );
}

/// `sts:GetCallerIdentity` needs no permission. With a catalog that has
/// no such action, its event used to be unmapped and keep all of STS; it
/// is now counted apart, and STS's other actions can go. An unknown STS
/// operation still keeps STS.
#[test]
fn operations_that_need_no_permission_keep_no_service() {
    let trail = trail_of(&[
        (
            "2026-06-01T00:00:00Z",
            "sts.amazonaws.com",
            "GetCallerIdentity",
            "",
        ),
        (
            "2026-06-02T00:00:00Z",
            "sts.amazonaws.com",
            "GetCallerIdentity",
            "",
        ),
        (
            "2026-06-02T00:00:00Z",
            "signin.amazonaws.com",
            "ConsoleLogin",
            "",
        ),
    ]);
    let usage = trail.usage_of(ROLE_ARN, &Literal, table());
    assert!(usage.unmapped.is_empty(), "{:?}", usage.unmapped);
    assert!(usage.unmapped_services.is_empty());
    assert_eq!(usage.no_permission.len(), 2);
    let observability = Observability::new(&Literal, TrailConfig::default());
    let policy = policy(&["sts:AssumeRole"]);
    let inference = from_cloudtrail(&[&policy], &usage, &observability, table(), None);
    assert_eq!(unused_names(&inference), ["sts:AssumeRole"]);
    let notes = inference.report.notes.join("\n");
    assert!(
            notes.contains("3 event(s) of 2 operation(s) that need no permission, counted for no action: `signin.amazonaws.com ConsoleLogin`, `sts.amazonaws.com GetCallerIdentity`"),
            "{notes}"
        );
    assert!(!notes.contains("cannot map"), "{notes}");
    // A truly unknown operation of the same service keeps it.
    let trail = trail_of(&[(
        "2026-06-01T00:00:00Z",
        "sts.amazonaws.com",
        "GetCallerIdentityV2",
        "",
    )]);
    let usage = trail.usage_of(ROLE_ARN, &Literal, table());
    assert!(usage.no_permission.is_empty());
    assert_eq!(usage.unmapped_services, BTreeSet::from(["sts".to_string()]));
    let inference = from_cloudtrail(&[&policy], &usage, &observability, table(), None);
    assert!(inference.unused.is_empty());
}

/// A small deterministic generator (xorshift), so that the property runs
/// the same cases every time without a dependency.
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
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Whether the trail certainly logs `name` of `source` when it authorizes
/// `action`, decided from the data event table and the trail alone, and
/// stricter than the code under test: every type of the action's service
/// whose operations AWS does not list must be logged, each listed type
/// that names the operation too, and the management events unless the
/// operation is a listed data event of a service without unlisted types.
fn oracle_logged(
    trails: &[TrailConfig],
    source: &str,
    name: &str,
    action: &str,
    write: bool,
) -> bool {
    use crate::usage::data_events::{DATA_EVENT_TYPES, Operations, looks_like_data_plane};
    // Several trails: an event is logged when any of them logs it.
    struct Any<'a>(&'a [TrailConfig]);
    impl Any<'_> {
        fn logs_management(&self, source: &str, write: bool) -> bool {
            self.0.iter().any(|t| t.logs_management(source, write))
        }
        fn logs_data(&self, kind: &crate::usage::DataEventType, write: bool) -> bool {
            self.0.iter().any(|t| t.logs_data(kind, write))
        }
    }
    let config = Any(trails);
    let prefix = split_action(action).0;
    let rows: Vec<_> = DATA_EVENT_TYPES
        .iter()
        .filter(|r| r.prefix == prefix || r.source == source)
        .collect();
    if rows.is_empty() {
        return !looks_like_data_plane(source) && config.logs_management(source, write);
    }
    let mut listed_data = false;
    let mut unlisted = false;
    for row in rows {
        match row.operations {
            Operations::Listed(names) => {
                let object_like = source == "s3.amazonaws.com"
                    && row.source == source
                    && ["Object", "Part", "MultipartUpload"]
                        .iter()
                        .any(|w| name.contains(w));
                if names.contains(&name) || object_like {
                    listed_data = true;
                    if !config.logs_data(row, write) {
                        return false;
                    }
                }
            }
            Operations::EverySource | Operations::EveryService => {
                unlisted = true;
                if !config.logs_data(row, write) {
                    return false;
                }
            }
        }
    }
    (listed_data && !unlisted) || config.logs_management(source, write)
}

/// For random principals, policies, logs, trails and windows: an action
/// is unused only if it is granted, observable under the trail's
/// configuration (decided here from the tables, not by the code under
/// test), and not called by that principal within the window; and the
/// refinement against it verifies.
#[test]
fn an_action_is_removed_only_if_observable_granted_and_absent() {
    let table = table();
    let principals = [
        "arn:aws:iam::123456789012:role/App",
        "arn:aws:iam::123456789012:role/other/App",
        "arn:aws:iam::123456789012:user/Alice",
        "arn:aws:iam::210987654321:role/App",
    ];
    let identity = |arn: &str| -> String {
        if let Some((head, name)) = arn.split_once(":role/") {
            let short = name.rsplit('/').next().unwrap();
            let session = head.replace(":iam:", ":sts:");
            format!(
                r#"{{"type":"AssumedRole","arn":"{session}:assumed-role/{short}/s","sessionContext":{{"sessionIssuer":{{"type":"Role","arn":"{arn}"}}}}}}"#
            )
        } else {
            format!(r#"{{"type":"IAMUser","arn":"{arn}"}}"#)
        }
    };
    let entries = [
        "s3:*",
        "s3:Get*",
        "iam:*",
        "iam:PassRole",
        "lambda:*",
        "ec2:Describe*",
        "ec2:StartInstances",
        "sqs:SendMessage",
        "kinesis:*",
        "bedrock:*",
        "personalize:*",
        "sts:AssumeRole",
        "*",
    ];
    let selectors = [
        r#"{"EventSelectors": [{"ReadWriteType": "All"}]}"#,
        r#"{"EventSelectors": [{"ReadWriteType": "ReadOnly"}]}"#,
        r#"{"EventSelectors": [{"ReadWriteType": "WriteOnly", "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}]}"#,
        r#"{"EventSelectors": [{"ReadWriteType": "All", "ExcludeManagementEventSources": ["iam.amazonaws.com"], "DataResources": [{"Type": "AWS::Lambda::Function", "Values": ["arn:aws:lambda"]}]}]}"#,
        r#"{"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}, {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object", "AWS::Lambda::Function", "AWS::SQS::Queue"]}]}]}"#,
        r#"{"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}, {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::Kinesis::Stream", "AWS::Kinesis::StreamConsumer", "AWS::S3::AccessPoint"]}]}]}"#,
        r#"{"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::Kinesis::Stream", "AWS::Kinesis::StreamConsumer", "AWS::S3::Object"]}]}]}"#,
        r#"{"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}, {"Field": "readOnly", "Equals": ["true"]}]}, {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::Bedrock::AgentAlias", "AWS::Bedrock::AsyncInvoke", "AWS::Bedrock::FlowAlias", "AWS::Bedrock::Guardrail", "AWS::Bedrock::InlineAgent", "AWS::Bedrock::KnowledgeBase", "AWS::Bedrock::PromptVersion", "AWS::Bedrock::Session", "AWS::Kinesis::Stream"]}]}]}"#,
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut removed, mut kept) = (0, 0);
    let mut removed_services = BTreeSet::new();
    let mut freed_by_no_permission = 0;
    for case in 0..300 {
        // One trail, or two whose logs are read together.
        let config_text: Vec<&str> = (0..1 + rng.below(2))
            .map(|_| selectors[rng.below(selectors.len())])
            .collect();
        let trails: Vec<TrailConfig> = config_text
            .iter()
            .map(|t| TrailConfig::parse(t).unwrap())
            .collect();
        let config = TrailConfig::combine(trails.clone());
        let observability = Observability::new(&Literal, config.clone());
        let mut lines = Vec::new();
        let mut calls: Vec<(&str, &str, &str, Timestamp)> = Vec::new();
        for _ in 0..rng.below(12) {
            let principal = principals[rng.below(principals.len())];
            // Mostly mapped events; now and then one that needs no
            // permission, or one the table cannot map.
            let (source, name) = match rng.below(10) {
                0 => ("sts.amazonaws.com", "GetCallerIdentity"),
                1 => ("iam.amazonaws.com", "BrandNewThing"),
                _ => {
                    let (source, name, _) = EVENTS[rng.below(EVENTS.len())];
                    (source, name)
                }
            };
            let day = 1 + rng.below(150) as i64;
            let at = Timestamp::from_unix(ts("2026-01-01").unix_seconds() + day * 86_400);
            lines.push(event(
                &identity(principal),
                &at.to_string(),
                source,
                name,
                "",
            ));
            calls.push((principal, source, name, at));
        }
        let mut trail = CloudTrail::new(None);
        trail.read(lines.join("\n").as_bytes()).unwrap();
        let window = rng.chance(60).then(|| Window {
            as_of: ts("2026-06-01"),
            days: 1 + rng.below(120) as u32,
        });
        let chosen: Vec<&str> = (0..1 + rng.below(4))
            .map(|_| entries[rng.below(entries.len())])
            .collect();
        let policy = policy(&chosen);
        let principal = principals[rng.below(principals.len())];
        let usage = trail.usage_of(principal, &Literal, table);
        let inference = from_cloudtrail(&[&policy], &usage, &observability, table, window.as_ref());
        kept += inference.report.untracked_kept.len();
        for action in inference.unused.actions() {
            removed += 1;
            let lower = action.name.to_ascii_lowercase();
            let service = split_action(&lower).0;
            removed_services.insert(service.to_string());
            // An event the table cannot map keeps its whole service; one
            // that needs no permission keeps none.
            assert!(
                !(service == "iam"
                    && calls
                        .iter()
                        .any(|(p, _, n, _)| *p == principal && *n == "BrandNewThing")),
                "case {case}: {} removed, but {principal} made an unmapped IAM call",
                action.name
            );
            if service == "sts"
                && calls
                    .iter()
                    .any(|(p, _, n, _)| *p == principal && *n == "GetCallerIdentity")
            {
                freed_by_no_permission += 1;
            }
            let row = table.get(&lower).unwrap();
            let write = !matches!(row.access, AccessLevel::READ | AccessLevel::LIST);
            let granted = chosen
                .iter()
                .any(|e| crate::pattern::Pattern::new(e).matches(action.name));
            assert!(
                granted,
                "case {case}: {} not granted by {chosen:?}",
                action.name
            );
            assert!(!is_permission_only(&lower), "case {case}");
            let operations: Vec<(&str, &str)> = EVENTS
                .iter()
                .filter(|(_, _, actions)| actions.iter().any(|a| a.eq_ignore_ascii_case(&lower)))
                .map(|(s, n, _)| (*s, *n))
                .collect();
            assert!(
                !operations.is_empty(),
                "case {case}: {} has no operation",
                action.name
            );
            for (source, name) in &operations {
                let logged = oracle_logged(&trails, source, name, &lower, write);
                assert!(
                    logged,
                    "case {case}: {} removed, but {source} {name} is not logged under {config_text:?}",
                    action.name
                );
                let called = calls.iter().any(|(p, s, n, at)| {
                    *p == principal
                        && s == source
                        && n == name
                        && window.is_none_or(|w| w.is_recent(*at))
                });
                assert!(
                    !called,
                    "case {case}: {} removed, but {principal} called {name}",
                    action.name
                );
            }
        }
        let refined = crate::refine(
            &policy,
            &inference.unused,
            table,
            &crate::RefineOptions::default(),
        );
        let verification = crate::verify(&policy, &refined.policy, &inference.unused, table);
        assert!(
            verification.is_ok(),
            "case {case}: {:?}",
            verification.violations
        );
    }
    // The property is not vacuous: both outcomes happen often.
    assert!(
        removed > 300 && kept > 300,
        "removed {removed}, kept {kept}"
    );
    // ... and services with data events of every kind are removed from
    // (under the trails that log them); never one behind an unknown data plane.
    for service in ["bedrock", "kinesis", "s3", "lambda", "sqs"] {
        assert!(
            removed_services.contains(service),
            "{service}: {removed_services:?}"
        );
    }
    assert!(!removed_services.contains("personalize"));
    assert!(
        freed_by_no_permission > 0,
        "GetCallerIdentity never left STS free"
    );
}
