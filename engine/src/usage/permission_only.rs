//! Permission-only actions: granted in policies, never an API call of their own.

/// Actions that are permissions only: no API operation of their own, checked
/// while some other request is authorized. No log of API calls shows them and
/// IAM's last-accessed data does not track them, so no source of observed
/// usage can say they are unused; they always stay granted.
///
/// Each is untracked in the Service Authorization Reference
/// (`SupportedBy."IAM Action Last Accessed": false`) and named by no
/// operation of its own service (the reference's `Operations`); the list holds
/// them here as well so that a catalog that misses the flag cannot remove them.
/// The list is short on purpose: it names the permissions teams actually
/// grant to workloads, not every authorization-only action.
pub const PERMISSION_ONLY: &[(&str, &str)] = &[
    (
        "dynamodb:ConditionCheckItem",
        "checked for a condition check inside `TransactWriteItems`",
    ),
    (
        "elasticfilesystem:ClientMount",
        "checked by the file system when an NFS client mounts it",
    ),
    (
        "elasticfilesystem:ClientRootAccess",
        "checked by the file system for root access from an NFS client",
    ),
    (
        "elasticfilesystem:ClientWrite",
        "checked by the file system when an NFS client writes",
    ),
    (
        "execute-api:Invoke",
        "checked when your API Gateway API is called, not an AWS API call",
    ),
    (
        "iam:PassRole",
        "checked when a role is handed to another service (`ec2:RunInstances`, `lambda:CreateFunction`, ...)",
    ),
    (
        "rds-db:connect",
        "checked by the database for IAM database authentication",
    ),
    (
        "s3:BypassGovernanceRetention",
        "checked for a header of `DeleteObject` and `PutObjectRetention`",
    ),
    (
        "sts:SetContext",
        "checked inside `AssumeRole` when context is passed",
    ),
    (
        "sts:SetSourceIdentity",
        "checked inside `AssumeRole*` when a source identity is set",
    ),
    (
        "sts:TagSession",
        "checked inside `AssumeRole*` and `GetFederationToken` when session tags are passed",
    ),
];

/// Whether `action` is one of the [`PERMISSION_ONLY`] actions (case-insensitively).
pub fn is_permission_only(action: &str) -> bool {
    PERMISSION_ONLY
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case(action))
}
