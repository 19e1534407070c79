use super::*;

#[test]
fn the_table_is_well_formed() {
    let mut types: Vec<&str> = DATA_EVENT_TYPES.iter().map(|r| r.resource_type).collect();
    let count = types.len();
    types.sort_unstable();
    types.dedup();
    assert_eq!(types.len(), count, "each resource type once");
    for row in DATA_EVENT_TYPES {
        assert!(row.resource_type.starts_with("AWS::"), "{row:?}");
        assert_eq!(row.resource_type.matches("::").count(), 2, "{row:?}");
        assert!(row.source.ends_with(".amazonaws.com"), "{row:?}");
        assert!(
            !row.prefix.is_empty()
                && row
                    .prefix
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{row:?}"
        );
        assert!(!row.cited.is_empty(), "{row:?}: cites its page");
        for page in row.cited {
            assert!(page.starts_with("https://docs.aws.amazon.com/"), "{page}");
        }
        for other in row.logged_by {
            assert!(
                DATA_EVENT_TYPES.iter().any(|r| r.resource_type == *other),
                "{row:?}"
            );
        }
        if let Operations::Listed(names) = row.operations {
            assert!(!names.is_empty(), "{row:?}");
            for name in names {
                assert!(name.chars().all(|c| c.is_ascii_alphanumeric()), "{name}");
                assert!(name.starts_with(|c: char| c.is_ascii_uppercase()), "{name}");
            }
            let mut sorted = names.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), names.len(), "{row:?}: sorted, each once");
        }
    }
    // The three types basic event selectors can name, as the CloudTrail API says.
    let basic: Vec<&str> = DATA_EVENT_TYPES
        .iter()
        .filter(|r| r.basic)
        .map(|r| r.resource_type)
        .collect();
    assert_eq!(
        basic,
        [
            "AWS::DynamoDB::Table",
            "AWS::Lambda::Function",
            "AWS::S3::Object"
        ]
    );
    // The types AWS added after 2023 that the first table lacked.
    for kind in [
        "AWS::Bedrock::AgentAlias",
        "AWS::Bedrock::Guardrail",
        "AWS::Bedrock::KnowledgeBase",
        "AWS::Kinesis::Stream",
        "AWS::Kinesis::StreamConsumer",
        "AWS::S3Express::Object",
        "AWS::CloudWatch::Metric",
        "AWS::SNS::PlatformEndpoint",
        "AWS::StepFunctions::StateMachine",
        "AWS::RDS::DBCluster",
    ] {
        assert!(
            DATA_EVENT_TYPES.iter().any(|r| r.resource_type == kind),
            "{kind}"
        );
    }
}

#[test]
fn the_documented_examples_are_data_events() {
    // The examples of the CloudTrail page, one by one.
    for (source, name) in [
        ("s3.amazonaws.com", "GetObject"),
        ("s3.amazonaws.com", "DeleteObject"),
        ("s3.amazonaws.com", "PutObject"),
        ("lambda.amazonaws.com", "Invoke"),
        ("cloudtrail-data.amazonaws.com", "PutAuditEvents"),
        ("sns.amazonaws.com", "Publish"),
        ("sns.amazonaws.com", "PublishBatch"),
        ("dynamodb.amazonaws.com", "PutItem"),
        ("dynamodb.amazonaws.com", "DeleteItem"),
        ("dynamodb.amazonaws.com", "UpdateItem"),
        ("ebs.amazonaws.com", "PutSnapshotBlock"),
        ("ebs.amazonaws.com", "GetSnapshotBlock"),
        ("ebs.amazonaws.com", "ListChangedBlocks"),
        ("sqs.amazonaws.com", "SendMessage"),
        ("s3-object-lambda.amazonaws.com", "GetObject"),
        ("s3-object-lambda.amazonaws.com", "CompleteMultipartUpload"),
        ("managedblockchain.amazonaws.com", "eth_getBalance"),
        ("kinesis.amazonaws.com", "PutRecord"),
        ("bedrock.amazonaws.com", "InvokeAgent"),
        ("bedrock.amazonaws.com", "ApplyGuardrail"),
        ("runtime.sagemaker.amazonaws.com", "InvokeEndpoint"),
        ("appconfigdata.amazonaws.com", "GetLatestConfiguration"),
        ("s3express.amazonaws.com", "CreateSession"),
    ] {
        assert!(!is_data_event(source, name).is_empty(), "{source} {name}");
    }
    // S3 object operations the list may lack still count.
    assert!(!is_data_event("s3.amazonaws.com", "RenameObject").is_empty());
    assert!(!is_data_event("s3.amazonaws.com", "GetObjectVersionsV3").is_empty());
    assert_eq!(
        is_data_event("S3.amazonaws.com", "getobject")
            .iter()
            .map(|r| r.resource_type)
            .collect::<Vec<_>>(),
        ["AWS::S3::Object", "AWS::S3::AccessPoint"]
    );
}

#[test]
fn a_service_with_unlisted_data_events_is_data_through_and_through() {
    // Bedrock's model invocation is served by `bedrock-runtime` and
    // logged as `bedrock.amazonaws.com`; whichever, it authorizes a
    // `bedrock:` action, and Bedrock has data event types AWS does not
    // list one by one.
    let kinds = |source, name, action| {
        data_event_types(source, name, action)
            .iter()
            .map(|r| r.resource_type)
            .collect::<Vec<_>>()
    };
    let bedrock = kinds(
        "bedrock-runtime.amazonaws.com",
        "InvokeModel",
        "bedrock:InvokeModel",
    );
    assert!(bedrock.contains(&"AWS::Bedrock::AgentAlias"), "{bedrock:?}");
    assert!(bedrock.contains(&"AWS::Bedrock::Guardrail"), "{bedrock:?}");
    assert!(bedrock.iter().all(|k| k.starts_with("AWS::Bedrock::")));
    let kinesis = kinds("kinesis.amazonaws.com", "PutRecord", "kinesis:PutRecord");
    assert_eq!(
        kinesis,
        ["AWS::Kinesis::Stream", "AWS::Kinesis::StreamConsumer"]
    );
    // Listed rows match by the action's service too, whatever the endpoint.
    assert_eq!(
        kinds(
            "streams.dynamodb.amazonaws.com",
            "GetRecords",
            "dynamodb:GetRecords"
        ),
        ["AWS::DynamoDB::Stream"]
    );
    // A data-plane endpoint of its own does not make the control plane data.
    assert!(
        kinds(
            "sagemaker.amazonaws.com",
            "CreateEndpoint",
            "sagemaker:CreateEndpoint"
        )
        .is_empty()
    );
    assert!(
        kinds(
            "appconfig.amazonaws.com",
            "CreateApplication",
            "appconfig:CreateApplication"
        )
        .is_empty()
    );
    assert!(has_data_event_types("kinesis"));
    assert!(has_data_event_types("Bedrock"));
    assert!(!has_data_event_types("iam"));
}

#[test]
fn data_plane_endpoints_are_recognized() {
    for source in [
        "bedrock-runtime.amazonaws.com",
        "bedrock-agent-runtime.amazonaws.com",
        "runtime.lex.amazonaws.com",
        "runtime-v2-lex.amazonaws.com",
        "runtime.sagemaker.amazonaws.com",
        "personalize-runtime.amazonaws.com",
        "rds-data.amazonaws.com",
        "redshift-data.amazonaws.com",
        "cloudtrail-data.amazonaws.com",
        "data.mediastore.amazonaws.com",
        "dataplane.payment-cryptography.amazonaws.com",
        "streams.dynamodb.amazonaws.com",
        "ingest.timestream.amazonaws.com",
        "query.timestream.amazonaws.com",
        "iot-jobs-data.amazonaws.com",
    ] {
        assert!(looks_like_data_plane(source), "{source}");
    }
    for source in [
        "iam.amazonaws.com",
        "ec2.amazonaws.com",
        "databrew.amazonaws.com",
        "dataexchange.amazonaws.com",
        "datasync.amazonaws.com",
        "bedrock.amazonaws.com",
        "s3.amazonaws.com",
        "monitoring.amazonaws.com",
        "",
    ] {
        assert!(!looks_like_data_plane(source), "{source}");
    }
}

#[test]
fn management_events_are_not_data_events() {
    // The management examples of the same pages.
    for (source, name) in [
        ("s3.amazonaws.com", "CreateBucket"),
        ("s3.amazonaws.com", "PutBucketPolicy"),
        ("s3.amazonaws.com", "ListBuckets"),
        ("lambda.amazonaws.com", "CreateFunction20150331"),
        ("dynamodb.amazonaws.com", "CreateTable"),
        ("dynamodb.amazonaws.com", "DescribeTable"),
        ("sqs.amazonaws.com", "AddPermission"),
        ("sqs.amazonaws.com", "CreateQueue"),
        ("sns.amazonaws.com", "CreateTopic"),
        ("iam.amazonaws.com", "AttachRolePolicy"),
        ("ec2.amazonaws.com", "CreateSubnet"),
        ("ec2.amazonaws.com", "DescribeSecurityGroups"),
        ("cloudtrail.amazonaws.com", "CreateTrail"),
    ] {
        assert!(is_data_event(source, name).is_empty(), "{source} {name}");
    }
}
