//! Which CloudTrail events are data events: logged only when a trail asks for them.
//!
//! A trail logs management events by default and data events only for the
//! resource types its event selectors name. An action authorized by a
//! data-event operation can therefore be in use without a trace in the logs;
//! without the trail's configuration (`--trail-config`) pare keeps it.
//!
//! # The table
//!
//! [`DATA_EVENT_TYPES`] is AWS's list of data event types (`resources.type`),
//! each with the IAM service prefix of the actions its operations authorize
//! (the service of the type's resource ARN, as AWS documents the ARN format)
//! and, where AWS's pages name them one by one, its operations. Each row cites
//! the page it comes from. The list of types is the one of
//!
//! - the CloudTrail User Guide, "Logging data events", table "Data events":
//!   <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html>
//! - the CloudTrail API Reference, `AdvancedFieldSelector`, field
//!   `resources.type` (every value, with its ARN format):
//!   <https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html>
//!
//! # The rule: when is an operation's use visible in the logs?
//!
//! No table can list every data operation AWS has: AWS adds data event types
//! every few months, and most service pages do not list their data operations
//! one by one. A data operation the table does not know would otherwise pass
//! for a management event, and its absence from logs that never record it
//! would remove an action in use. So the rule errs on the side of keeping:
//!
//! 1. A type whose operations AWS lists one by one ([`Operations::Listed`]:
//!    S3 objects, DynamoDB items and streams, Lambda `Invoke`, SQS, SNS
//!    `Publish`, ...) makes exactly those operations data events.
//! 2. A type whose operations AWS does not list ([`Operations::EveryService`])
//!    makes *every* operation of its service (by event source and by the IAM
//!    prefix of the actions) a possible data event; one served by a data-plane
//!    endpoint of its own ([`Operations::EverySource`]), every operation of
//!    that endpoint. Such an operation is
//!    visible only if the trail logs every data event type of the table that
//!    may cover it, for every resource, *and* logs its management events:
//!    pare does not know which of the two it is.
//! 3. An operation several types may log (an S3 object read through an access
//!    point) is visible only if the trail logs each of them, or a type the row
//!    names as logging all of its events ([`DataEventType::logged_by`]:
//!    `AWS::S3::Object` logs every object operation, through an access point
//!    or not).
//! 4. An operation served by an endpoint that looks like a data plane
//!    (`*-runtime`, `runtime.*`, `*-data`, `data.*`, `dataplane.*`,
//!    `streams.*`, `ingest.*`, `query.*`: [`looks_like_data_plane`]) of a service
//!    for which the table has no type is kept too: AWS may log it as a data
//!    event of a type newer than the table.
//!
//! What remains a risk, and is said so in `docs/sources.md`: a service that
//! gained a data event type after the table was written, whose data operations
//! are served by its ordinary endpoint. Its actions pass for management events.
//! Refreshing this table from the pages above is part of a catalog refresh.

use crate::table::split_action;

/// The CloudTrail User Guide's table of data event types.
const USER_GUIDE: &str = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html";
/// The CloudTrail API Reference: every `resources.type` value with its ARN format.
const FIELD_SELECTOR: &str =
    "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html";
/// Amazon S3 User Guide, "Amazon S3 data events in CloudTrail".
const S3_PAGE: &str =
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html";
/// Amazon DynamoDB Developer Guide, "DynamoDB data plane events in CloudTrail".
const DYNAMODB_PAGE: &str = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/logging-using-cloudtrail.html";
/// Amazon SQS Developer Guide, "Amazon SQS data events in CloudTrail".
const SQS_PAGE: &str = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-logging-using-cloudtrail.html";
/// Amazon SNS Developer Guide, "Logging Amazon SNS API calls using CloudTrail".
const SNS_PAGE: &str =
    "https://docs.aws.amazon.com/sns/latest/dg/sns-logging-using-cloudtrail.html";
/// Amazon EBS direct APIs, "Log API calls for EBS direct APIs with CloudTrail".
const EBS_PAGE: &str =
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/logging-ebs-apis-using-cloudtrail.html";
/// Amazon SageMaker, "Log Amazon SageMaker AI API calls using CloudTrail".
const SAGEMAKER_PAGE: &str =
    "https://docs.aws.amazon.com/sagemaker/latest/dg/logging-using-cloudtrail.html";
/// Amazon Bedrock User Guide, "Monitor Amazon Bedrock API calls using CloudTrail".
const BEDROCK_PAGE: &str =
    "https://docs.aws.amazon.com/bedrock/latest/userguide/logging-using-cloudtrail.html";

/// The operations a data event type logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operations {
    /// These event names, of the row's event source or service.
    Listed(&'static [&'static str]),
    /// Every operation of the row's event source may be one: a data-plane
    /// endpoint of its own, whose operations AWS does not list one by one.
    EverySource,
    /// Every operation of the row's event source, and every operation that
    /// authorizes an action of the row's service, may be one (AWS lists none
    /// one by one, and the service's control plane shares its endpoint).
    EveryService,
}

/// One data event type (`resources.type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataEventType {
    /// `resources.type` in an event selector, such as `AWS::S3::Object`.
    pub resource_type: &'static str,
    /// The `eventSource` of its events.
    pub source: &'static str,
    /// The IAM service prefix of the actions its operations authorize.
    pub prefix: &'static str,
    /// The operations it logs.
    pub operations: Operations,
    /// Whether basic event selectors (`DataResources`) can select it; the
    /// others need advanced event selectors.
    pub basic: bool,
    /// Types whose logging, for every resource, logs every event of this one too.
    pub logged_by: &'static [&'static str],
    /// The pages the row comes from.
    pub cited: &'static [&'static str],
}

impl DataEventType {
    /// Whether AWS lists this type's operations one by one.
    pub fn is_listed(&self) -> bool {
        matches!(self.operations, Operations::Listed(_))
    }
}

/// A row whose operations AWS does not list: every operation of its service.
const fn every(
    resource_type: &'static str,
    source: &'static str,
    prefix: &'static str,
    cited: &'static [&'static str],
) -> DataEventType {
    DataEventType {
        resource_type,
        source,
        prefix,
        operations: Operations::EveryService,
        basic: false,
        logged_by: &[],
        cited,
    }
}

/// A row whose operations AWS lists one by one.
const fn listed(
    resource_type: &'static str,
    source: &'static str,
    prefix: &'static str,
    names: &'static [&'static str],
    cited: &'static [&'static str],
) -> DataEventType {
    DataEventType {
        resource_type,
        source,
        prefix,
        operations: Operations::Listed(names),
        basic: false,
        logged_by: &[],
        cited,
    }
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
    "RenameObject",
    "RestoreObject",
    "SelectObjectContent",
    "UploadPart",
    "UploadPartCopy",
    "WriteGetObjectResponse",
];

/// AWS's data event types: the three basic ones first, then the others in
/// the order of `resources.type`.
pub(crate) const DATA_EVENT_TYPES: &[DataEventType] = &[
    DataEventType {
        basic: true,
        ..listed(
            "AWS::DynamoDB::Table",
            "dynamodb.amazonaws.com",
            "dynamodb",
            &[
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
            ],
            &[USER_GUIDE, DYNAMODB_PAGE],
        )
    },
    DataEventType {
        basic: true,
        ..listed(
            "AWS::Lambda::Function",
            "lambda.amazonaws.com",
            "lambda",
            &["Invoke", "InvokeAsync", "InvokeWithResponseStream"],
            &[USER_GUIDE],
        )
    },
    DataEventType {
        basic: true,
        ..listed(
            "AWS::S3::Object",
            "s3.amazonaws.com",
            "s3",
            S3_OBJECT,
            &[USER_GUIDE, S3_PAGE],
        )
    },
    DataEventType {
        operations: Operations::EverySource,
        ..every(
            "AWS::AppConfig::Configuration",
            "appconfigdata.amazonaws.com",
            "appconfig",
            &[USER_GUIDE, FIELD_SELECTOR],
        )
    },
    every(
        "AWS::B2BI::Transformer",
        "b2bi.amazonaws.com",
        "b2bi",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::Bedrock::AgentAlias",
        "bedrock.amazonaws.com",
        "bedrock",
        &[USER_GUIDE, FIELD_SELECTOR, BEDROCK_PAGE],
    ),
    every(
        "AWS::Bedrock::AsyncInvoke",
        "bedrock.amazonaws.com",
        "bedrock",
        &[USER_GUIDE, BEDROCK_PAGE],
    ),
    every(
        "AWS::Bedrock::FlowAlias",
        "bedrock.amazonaws.com",
        "bedrock",
        &[USER_GUIDE, BEDROCK_PAGE],
    ),
    every(
        "AWS::Bedrock::Guardrail",
        "bedrock.amazonaws.com",
        "bedrock",
        &[USER_GUIDE, BEDROCK_PAGE],
    ),
    every(
        "AWS::Bedrock::InlineAgent",
        "bedrock.amazonaws.com",
        "bedrock",
        &[USER_GUIDE, BEDROCK_PAGE],
    ),
    every(
        "AWS::Bedrock::KnowledgeBase",
        "bedrock.amazonaws.com",
        "bedrock",
        &[USER_GUIDE, FIELD_SELECTOR, BEDROCK_PAGE],
    ),
    every(
        "AWS::Bedrock::PromptVersion",
        "bedrock.amazonaws.com",
        "bedrock",
        &[USER_GUIDE, BEDROCK_PAGE],
    ),
    every(
        "AWS::Bedrock::Session",
        "bedrock.amazonaws.com",
        "bedrock",
        &[USER_GUIDE, BEDROCK_PAGE],
    ),
    every(
        "AWS::Cassandra::Table",
        "cassandra.amazonaws.com",
        "cassandra",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::CloudFront::KeyValueStore",
        "cloudfront-keyvaluestore.amazonaws.com",
        "cloudfront-keyvaluestore",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    listed(
        "AWS::CloudTrail::Channel",
        "cloudtrail-data.amazonaws.com",
        "cloudtrail-data",
        &["PutAuditEvents"],
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::CloudWatch::Metric",
        "monitoring.amazonaws.com",
        "cloudwatch",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::CodeWhisperer::Customization",
        "codewhisperer.amazonaws.com",
        "codewhisperer",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::CodeWhisperer::Profile",
        "codewhisperer.amazonaws.com",
        "codewhisperer",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::Cognito::IdentityPool",
        "cognito-identity.amazonaws.com",
        "cognito-identity",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    listed(
        "AWS::DynamoDB::Stream",
        "dynamodb.amazonaws.com",
        "dynamodb",
        &[
            "DescribeStream",
            "GetRecords",
            "GetShardIterator",
            "ListStreams",
        ],
        &[USER_GUIDE, DYNAMODB_PAGE],
    ),
    listed(
        "AWS::EC2::InstanceConnectEndpoint",
        "ec2-instance-connect.amazonaws.com",
        "ec2-instance-connect",
        &["OpenTunnel"],
        &[USER_GUIDE],
    ),
    every(
        "AWS::EC2::Snapshot",
        "ebs.amazonaws.com",
        "ebs",
        &[USER_GUIDE, FIELD_SELECTOR, EBS_PAGE],
    ),
    every(
        "AWS::EMRWAL::Workspace",
        "emrwal.amazonaws.com",
        "emrwal",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::FinSpace::Environment",
        "finspace.amazonaws.com",
        "finspace",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::Glue::Table",
        "glue.amazonaws.com",
        "glue",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::GreengrassV2::ComponentVersion",
        "greengrass.amazonaws.com",
        "greengrass",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::GreengrassV2::Deployment",
        "greengrass.amazonaws.com",
        "greengrass",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::GuardDuty::Detector",
        "guardduty.amazonaws.com",
        "guardduty",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::IoT::Certificate",
        "iot.amazonaws.com",
        "iot",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::IoT::Thing",
        "iot.amazonaws.com",
        "iot",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::IoTSiteWise::Asset",
        "iotsitewise.amazonaws.com",
        "iotsitewise",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::IoTSiteWise::TimeSeries",
        "iotsitewise.amazonaws.com",
        "iotsitewise",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::IoTTwinMaker::Entity",
        "iottwinmaker.amazonaws.com",
        "iottwinmaker",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::IoTTwinMaker::Workspace",
        "iottwinmaker.amazonaws.com",
        "iottwinmaker",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::KendraRanking::ExecutionPlan",
        "kendra-ranking.amazonaws.com",
        "kendra-ranking",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::Kinesis::Stream",
        "kinesis.amazonaws.com",
        "kinesis",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::Kinesis::StreamConsumer",
        "kinesis.amazonaws.com",
        "kinesis",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::KinesisVideo::Stream",
        "kinesisvideo.amazonaws.com",
        "kinesisvideo",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::MachineLearning::MlModel",
        "machinelearning.amazonaws.com",
        "machinelearning",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::ManagedBlockchain::Network",
        "managedblockchain.amazonaws.com",
        "managedblockchain",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::ManagedBlockchain::Node",
        "managedblockchain.amazonaws.com",
        "managedblockchain",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::MedicalImaging::Datastore",
        "medical-imaging.amazonaws.com",
        "medical-imaging",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::NeptuneGraph::Graph",
        "neptune-graph.amazonaws.com",
        "neptune-graph",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::PCAConnectorAD::Connector",
        "pca-connector-ad.amazonaws.com",
        "pca-connector-ad",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::PCAConnectorSCEP::Connector",
        "pca-connector-scep.amazonaws.com",
        "pca-connector-scep",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::QApps::QApp",
        "qapps.amazonaws.com",
        "qapps",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::QBusiness::Application",
        "qbusiness.amazonaws.com",
        "qbusiness",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::QBusiness::DataSource",
        "qbusiness.amazonaws.com",
        "qbusiness",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::QBusiness::Index",
        "qbusiness.amazonaws.com",
        "qbusiness",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::QBusiness::WebExperience",
        "qbusiness.amazonaws.com",
        "qbusiness",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::RDS::DBCluster",
        "rds-data.amazonaws.com",
        "rds-data",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    DataEventType {
        logged_by: &["AWS::S3::Object"],
        ..listed(
            "AWS::S3::AccessPoint",
            "s3.amazonaws.com",
            "s3",
            S3_OBJECT,
            &[USER_GUIDE, FIELD_SELECTOR, S3_PAGE],
        )
    },
    every(
        "AWS::S3Express::Object",
        "s3express.amazonaws.com",
        "s3express",
        &[USER_GUIDE, S3_PAGE],
    ),
    every(
        "AWS::S3ObjectLambda::AccessPoint",
        "s3-object-lambda.amazonaws.com",
        "s3-object-lambda",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::S3Outposts::Object",
        "s3-outposts.amazonaws.com",
        "s3-outposts",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    DataEventType {
        operations: Operations::EverySource,
        ..every(
            "AWS::SageMaker::Endpoint",
            "runtime.sagemaker.amazonaws.com",
            "sagemaker",
            &[USER_GUIDE, FIELD_SELECTOR, SAGEMAKER_PAGE],
        )
    },
    listed(
        "AWS::SageMaker::ExperimentTrialComponent",
        "sagemaker.amazonaws.com",
        "sagemaker",
        &["BatchPutMetrics"],
        &[USER_GUIDE, FIELD_SELECTOR, SAGEMAKER_PAGE],
    ),
    listed(
        "AWS::SageMaker::FeatureGroup",
        "sagemaker.amazonaws.com",
        "sagemaker",
        &["BatchGetRecord", "DeleteRecord", "GetRecord", "PutRecord"],
        &[USER_GUIDE, FIELD_SELECTOR, SAGEMAKER_PAGE],
    ),
    every(
        "AWS::SCN::Instance",
        "scn.amazonaws.com",
        "scn",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::ServiceDiscovery::Namespace",
        "servicediscovery.amazonaws.com",
        "servicediscovery",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::ServiceDiscovery::Service",
        "servicediscovery.amazonaws.com",
        "servicediscovery",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    listed(
        "AWS::SNS::PlatformEndpoint",
        "sns.amazonaws.com",
        "sns",
        &["Publish"],
        &[USER_GUIDE, FIELD_SELECTOR, SNS_PAGE],
    ),
    listed(
        "AWS::SNS::Topic",
        "sns.amazonaws.com",
        "sns",
        &["Publish", "PublishBatch"],
        &[USER_GUIDE, FIELD_SELECTOR, SNS_PAGE],
    ),
    listed(
        "AWS::SQS::Queue",
        "sqs.amazonaws.com",
        "sqs",
        &[
            "ChangeMessageVisibility",
            "ChangeMessageVisibilityBatch",
            "DeleteMessage",
            "DeleteMessageBatch",
            "ReceiveMessage",
            "SendMessage",
            "SendMessageBatch",
        ],
        &[USER_GUIDE, FIELD_SELECTOR, SQS_PAGE],
    ),
    every(
        "AWS::SSM::ManagedNode",
        "ssm.amazonaws.com",
        "ssm",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::SSMMessages::ControlChannel",
        "ssmmessages.amazonaws.com",
        "ssmmessages",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::StepFunctions::StateMachine",
        "states.amazonaws.com",
        "states",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::SWF::Domain",
        "swf.amazonaws.com",
        "swf",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::ThinClient::Device",
        "thinclient.amazonaws.com",
        "thinclient",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::ThinClient::Environment",
        "thinclient.amazonaws.com",
        "thinclient",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::Timestream::Database",
        "timestream.amazonaws.com",
        "timestream",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::Timestream::Table",
        "timestream.amazonaws.com",
        "timestream",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::VerifiedPermissions::PolicyStore",
        "verifiedpermissions.amazonaws.com",
        "verifiedpermissions",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
    every(
        "AWS::XRay::Trace",
        "xray.amazonaws.com",
        "xray",
        &[USER_GUIDE, FIELD_SELECTOR],
    ),
];

/// Whether `name` is one of an S3 row's object-level operations, or looks
/// like one: S3 names with `Object`, `Part` or `MultipartUpload` in them
/// count even when the list lacks them, as S3 adds object operations more
/// often than the list is read.
fn s3_object_like(name: &str) -> bool {
    ["Object", "Part", "MultipartUpload"]
        .iter()
        .any(|word| name.contains(word))
}

/// Whether the row may log `name` of `source`, an operation that authorizes
/// an action of service `prefix` (`None`: match by event source only).
fn row_matches(row: &DataEventType, source: &str, name: &str, prefix: Option<&str>) -> bool {
    let same_source = row.source.eq_ignore_ascii_case(source);
    let same_service = prefix.is_some_and(|p| row.prefix.eq_ignore_ascii_case(p));
    match row.operations {
        Operations::EverySource => same_source,
        Operations::EveryService => same_source || same_service,
        Operations::Listed(names) => {
            (same_source || same_service)
                && (names.iter().any(|n| n.eq_ignore_ascii_case(name))
                    || (row.source == "s3.amazonaws.com"
                        && source.eq_ignore_ascii_case(row.source)
                        && s3_object_like(name)))
        }
    }
}

/// The data event types that may log `name` of `source`; empty for a
/// management event. By event source only: `data_event_types` also weighs
/// the service of the action the operation authorizes.
pub fn is_data_event(source: &str, name: &str) -> Vec<&'static DataEventType> {
    DATA_EVENT_TYPES
        .iter()
        .filter(|row| row_matches(row, source, name, None))
        .collect()
}

/// The data event types that may log `name` of `source` when it authorizes
/// `action` (`service:Action`): by event source, and by the action's service
/// for rows whose service shares its endpoint ([`Operations::EveryService`])
/// or whose operations are listed by name.
pub(crate) fn data_event_types(
    source: &str,
    name: &str,
    action: &str,
) -> Vec<&'static DataEventType> {
    let prefix = split_action(action).0;
    DATA_EVENT_TYPES
        .iter()
        .filter(|row| row_matches(row, source, name, Some(prefix)))
        .collect()
}

/// Whether the table has a data event type for service `prefix`.
pub(crate) fn has_data_event_types(prefix: &str) -> bool {
    DATA_EVENT_TYPES
        .iter()
        .any(|row| row.prefix.eq_ignore_ascii_case(prefix))
}

/// Whether an event source looks like a service's data plane: a first label
/// that is or ends in `runtime` or `data`, or is `data`, `dataplane`,
/// `streams`, `ingest` or `query` (`bedrock-runtime`, `runtime.lex`,
/// `rds-data`, `data.mediastore`, `streams.dynamodb`, `ingest.timestream`).
/// AWS serves most data operations from such endpoints, so an operation of
/// one is kept when its service has no type in the table.
pub(crate) fn looks_like_data_plane(source: &str) -> bool {
    let host = source.to_ascii_lowercase();
    let first = host.split('.').next().unwrap_or_default();
    let head = first.split('-').next().unwrap_or_default();
    let last = first.rsplit('-').next().unwrap_or_default();
    ["runtime", "data", "dataplane", "streams", "ingest", "query"].contains(&head)
        || last == "runtime"
        || last == "data"
}

#[cfg(test)]
mod tests;
