//! Which CloudTrail events are data events: logged only when a trail asks for them.
//!
//! A trail logs management events by default and data events only for the
//! resource types its event selectors name. An action authorized by a
//! data-event operation can therefore be in use without a trace in the logs;
//! without the trail's configuration (`--trail-config`) pare keeps it.
//!
//! The table is AWS's list of data event types, with the operations each one
//! logs as far as AWS's pages name them:
//!
//! - AWS CloudTrail User Guide, "Logging data events", table "Data events":
//!   <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html>
//! - Amazon S3 User Guide, "Amazon S3 CloudTrail events", "Amazon S3 data events in CloudTrail":
//!   <https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html>
//! - Amazon DynamoDB Developer Guide, "DynamoDB data plane events in CloudTrail":
//!   <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/logging-using-cloudtrail.html>
//! - Amazon SQS Developer Guide, "Amazon SQS data events in CloudTrail":
//!   <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-logging-using-cloudtrail.html>
//! - Amazon SNS `Publish` and `PublishBatch`, named in the CloudTrail page above.
//! - Amazon EBS direct APIs: <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/logging-ebs-apis-using-cloudtrail.html>
//!
//! Where AWS names no complete list of operations for a type, the row says
//! [`Operations::EverySource`]: every operation of that event source is
//! treated as a possible data event, which keeps more, never less. S3 adds a
//! rule for object-level names the list may lack ([`is_data_event`]).

/// The operations a data event type logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operations {
    /// These event names, of the row's event source.
    Listed(&'static [&'static str]),
    /// Every operation of the row's event source may be one (AWS lists none
    /// one by one, or the list is open-ended).
    EverySource,
}

/// One data event type (`resources.type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataEventType {
    /// `resources.type` in an event selector, such as `AWS::S3::Object`.
    pub resource_type: &'static str,
    /// The `eventSource` of its events.
    pub source: &'static str,
    /// The operations it logs.
    pub operations: Operations,
    /// Whether basic event selectors (`DataResources`) can select it; the
    /// others need advanced event selectors.
    pub basic: bool,
}

/// S3's object-level operations, logged as `AWS::S3::Object` (and, through
/// an access point, `AWS::S3::AccessPoint`) data events.
const S3_OBJECT: &[&str] = &[
    "AbortMultipartUpload",
    "CompleteMultipartUpload",
    "CopyObject",
    "CreateMultipartUpload",
    "DeleteObject",
    "DeleteObjectTagging",
    "DeleteObjects",
    "GetObject",
    "GetObjectAcl",
    "GetObjectAttributes",
    "GetObjectLegalHold",
    "GetObjectRetention",
    "GetObjectTagging",
    "GetObjectTorrent",
    "HeadBucket",
    "HeadObject",
    "ListMultipartUploads",
    "ListObjectVersions",
    "ListObjects",
    "ListObjectsV2",
    "ListParts",
    "PutObject",
    "PutObjectAcl",
    "PutObjectLegalHold",
    "PutObjectRetention",
    "PutObjectTagging",
    "RestoreObject",
    "SelectObjectContent",
    "UploadPart",
    "UploadPartCopy",
];

/// AWS's data event types, in the order of the CloudTrail page (the three
/// basic ones first).
pub const DATA_EVENT_TYPES: &[DataEventType] = &[
    DataEventType {
        resource_type: "AWS::DynamoDB::Table",
        source: "dynamodb.amazonaws.com",
        operations: Operations::Listed(&[
            "BatchExecuteStatement",
            "BatchGetItem",
            "BatchWriteItem",
            "DeleteItem",
            "ExecuteStatement",
            "ExecuteTransaction",
            "GetItem",
            "PutItem",
            "Query",
            "Scan",
            "TransactGetItems",
            "TransactWriteItems",
            "UpdateItem",
        ]),
        basic: true,
    },
    DataEventType {
        resource_type: "AWS::Lambda::Function",
        source: "lambda.amazonaws.com",
        operations: Operations::Listed(&["Invoke", "InvokeWithResponseStream"]),
        basic: true,
    },
    DataEventType {
        resource_type: "AWS::S3::Object",
        source: "s3.amazonaws.com",
        operations: Operations::Listed(S3_OBJECT),
        basic: true,
    },
    DataEventType {
        resource_type: "AWS::CloudTrail::Channel",
        source: "cloudtrail-data.amazonaws.com",
        operations: Operations::Listed(&["PutAuditEvents"]),
        basic: false,
    },
    DataEventType {
        resource_type: "AWS::Cognito::IdentityPool",
        source: "cognito-identity.amazonaws.com",
        operations: Operations::EverySource,
        basic: false,
    },
    DataEventType {
        resource_type: "AWS::DynamoDB::Stream",
        source: "dynamodb.amazonaws.com",
        operations: Operations::Listed(&["DescribeStream", "GetRecords", "GetShardIterator"]),
        basic: false,
    },
    DataEventType {
        resource_type: "AWS::EC2::Snapshot",
        source: "ebs.amazonaws.com",
        operations: Operations::EverySource,
        basic: false,
    },
    DataEventType {
        resource_type: "AWS::EC2::InstanceConnectEndpoint",
        source: "ec2-instance-connect.amazonaws.com",
        operations: Operations::Listed(&["OpenTunnel"]),
        basic: false,
    },
    DataEventType {
        resource_type: "AWS::FinSpace::Environment",
        source: "finspace.amazonaws.com",
        operations: Operations::EverySource,
        basic: false,
    },
    DataEventType {
        resource_type: "AWS::Glue::Table",
        source: "glue.amazonaws.com",
        operations: Operations::EverySource,
        basic: false,
    },
    DataEventType {
        resource_type: "AWS::KendraRanking::ExecutionPlan",
        source: "kendra-ranking.amazonaws.com",
        operations: Operations::EverySource,
        basic: false,
    },
    DataEventType {
        resource_type: "AWS::ManagedBlockchain::Node",
        source: "managedblockchain.amazonaws.com",
        operations: Operations::EverySource,
        basic: false,
    },
    DataEventType {
        resource_type: "AWS::SageMaker::FeatureGroup",
        source: "sagemaker.amazonaws.com",
        operations: Operations::Listed(&[
            "BatchGetRecord",
            "DeleteRecord",
            "GetRecord",
            "PutRecord",
        ]),
        basic: false,
    },
    DataEventType {
        resource_type: "AWS::SageMaker::ExperimentTrialComponent",
        source: "sagemaker.amazonaws.com",
        operations: Operations::Listed(&["BatchPutMetrics"]),
        basic: false,
    },
    DataEventType {
        resource_type: "AWS::S3::AccessPoint",
        source: "s3.amazonaws.com",
        operations: Operations::Listed(S3_OBJECT),
        basic: false,
    },
    DataEventType {
        resource_type: "AWS::S3ObjectLambda::AccessPoint",
        source: "s3-object-lambda.amazonaws.com",
        operations: Operations::EverySource,
        basic: false,
    },
    DataEventType {
        resource_type: "AWS::S3Outposts::Object",
        source: "s3-outposts.amazonaws.com",
        operations: Operations::EverySource,
        basic: false,
    },
    DataEventType {
        resource_type: "AWS::SNS::Topic",
        source: "sns.amazonaws.com",
        operations: Operations::Listed(&["Publish", "PublishBatch"]),
        basic: false,
    },
    DataEventType {
        resource_type: "AWS::SQS::Queue",
        source: "sqs.amazonaws.com",
        operations: Operations::Listed(&[
            "ChangeMessageVisibility",
            "ChangeMessageVisibilityBatch",
            "DeleteMessage",
            "DeleteMessageBatch",
            "ReceiveMessage",
            "SendMessage",
            "SendMessageBatch",
        ]),
        basic: false,
    },
];

/// The data event types that may log `name` of `source`; empty for a
/// management event. S3 names with `Object`, `Part` or `MultipartUpload` in
/// them count as object-level even when the list lacks them: S3 adds object
/// operations more often than the list is read.
pub fn is_data_event(source: &str, name: &str) -> Vec<&'static DataEventType> {
    DATA_EVENT_TYPES
        .iter()
        .filter(|row| row.source.eq_ignore_ascii_case(source))
        .filter(|row| match row.operations {
            Operations::EverySource => true,
            Operations::Listed(names) => {
                names.iter().any(|n| n.eq_ignore_ascii_case(name))
                    || (row.source == "s3.amazonaws.com"
                        && ["Object", "Part", "MultipartUpload"]
                            .iter()
                            .any(|word| name.contains(word)))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
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
        ] {
            assert!(!is_data_event(source, name).is_empty(), "{source} {name}");
        }
        // S3 object operations the list may lack still count.
        assert!(!is_data_event("s3.amazonaws.com", "RenameObject").is_empty());
        assert_eq!(
            is_data_event("S3.amazonaws.com", "getobject")
                .iter()
                .map(|r| r.resource_type)
                .collect::<Vec<_>>(),
            ["AWS::S3::Object", "AWS::S3::AccessPoint"]
        );
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
}
