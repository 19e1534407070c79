//! The embedded CloudTrail event table on the naming traps that hand-kept
//! tables get wrong: each case is an event as CloudTrail logs it.

use pare_engine::EventLookup;

fn actions(source: &str, name: &str) -> Vec<&'static str> {
    match pare_catalog::events().lookup(source, name) {
        EventLookup::Actions(actions) => actions.to_vec(),
        other => panic!("{source} {name}: {other:?}"),
    }
}

#[test]
fn cloudwatch_logs_under_monitoring() {
    assert_eq!(
        actions("monitoring.amazonaws.com", "PutMetricData"),
        ["cloudwatch:PutMetricData"]
    );
    assert_eq!(
        pare_catalog::events().lookup("cloudwatch.amazonaws.com", "PutMetricData"),
        EventLookup::UnknownSource
    );
}

#[test]
fn list_objects_v2_is_list_bucket() {
    assert!(actions("s3.amazonaws.com", "ListObjectsV2").contains(&"s3:ListBucket"));
    // One operation, several actions: all of them count as used.
    let copy = actions("s3.amazonaws.com", "CopyObject");
    assert!(
        copy.contains(&"s3:GetObject") && copy.contains(&"s3:PutObject"),
        "{copy:?}"
    );
}

#[test]
fn versioned_event_names_map_to_their_operations() {
    for (event, action) in [
        ("GetFunction20150331v2", "lambda:GetFunction"),
        ("Invoke20150331", "lambda:InvokeFunction"),
        (
            "UpdateFunctionConfiguration20150331v2",
            "lambda:UpdateFunctionConfiguration",
        ),
        ("ListFunctions20150331", "lambda:ListFunctions"),
        ("PublishLayerVersion20181031", "lambda:PublishLayerVersion"),
    ] {
        assert!(
            actions("lambda.amazonaws.com", event).contains(&action),
            "{event}"
        );
    }
    for (event, action) in [
        (
            "CreateDistribution2020_05_31",
            "cloudfront:CreateDistribution",
        ),
        (
            "UpdateDistribution2020_05_31",
            "cloudfront:UpdateDistribution",
        ),
        (
            "ListDistributions2019_03_26",
            "cloudfront:ListDistributions",
        ),
    ] {
        assert!(
            actions("cloudfront.amazonaws.com", event).contains(&action),
            "{event}"
        );
    }
}

/// Event sources that are the signing name, not the endpoint prefix.
#[test]
fn signing_names_are_event_sources_too() {
    // ECR's endpoint prefix is `api.ecr`; SES v2's is `email`; S3 Control's is
    // `s3-control`, all signed (and logged) under the short name.
    assert_eq!(
        actions("ecr.amazonaws.com", "GetAuthorizationToken"),
        ["ecr:GetAuthorizationToken"]
    );
    assert!(actions("ses.amazonaws.com", "SendEmail").contains(&"ses:SendEmail"));
    assert!(actions("s3.amazonaws.com", "ListJobs").contains(&"s3:ListJobs"));
    assert!(actions("bedrock.amazonaws.com", "InvokeModel").contains(&"bedrock:InvokeModel"));
}

#[test]
fn unknown_events_are_told_apart_from_unknown_services() {
    let events = pare_catalog::events();
    assert_eq!(
        events.lookup("s3.amazonaws.com", "NoSuchOperation"),
        EventLookup::UnknownEvent
    );
    // A console sign-in authorizes no IAM action the reference lists.
    assert_eq!(
        events.lookup("signin.amazonaws.com", "ConsoleLogin"),
        EventLookup::UnknownEvent
    );
    assert_eq!(
        events.lookup("nosuchservice.amazonaws.com", "GetThing"),
        EventLookup::UnknownSource
    );
    let p = pare_catalog::event_provenance();
    assert!(p.sdk.starts_with("botocore "), "{}", p.sdk);
    assert_eq!(p.event_count, events.len());
}

/// `--catalog DIR` builds its event table from the directory's `Operations`
/// and the embedded SDK metadata: on the copy the embedded table was
/// generated from, it is that table, row for row.
#[test]
fn a_directory_builds_the_embedded_event_table() {
    let dir = crate::reference_copy();
    let catalog = pare_catalog::load_dir(&dir).unwrap();
    let built =
        pare_catalog::events::load_events_dir_with(&dir, &catalog, |p| std::fs::read(p)).unwrap();
    let embedded = pare_catalog::events();
    assert_eq!(built.rows.len(), embedded.len());
    for (mine, theirs) in built.rows.iter().zip(embedded.rows()) {
        assert_eq!(mine.event_source, theirs.event_source);
        assert_eq!(mine.event_name, theirs.event_name);
        assert_eq!(mine.actions, theirs.actions);
    }
    let sdk = pare_catalog::events::embedded_sdk().unwrap();
    assert_eq!(
        format!("{} {}", sdk.package, sdk.version),
        pare_catalog::event_provenance().sdk
    );
    // A directory without the index is an error naming it.
    let empty = crate::TempDir::new();
    let err =
        pare_catalog::events::load_events_dir_with(empty.path(), &catalog, |p| std::fs::read(p))
            .unwrap_err();
    assert!(err.to_string().contains("index.json"), "{err}");
}
