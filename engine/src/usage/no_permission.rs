//! CloudTrail events that authorize no IAM action: operations AWS documents
//! as needing no permission, and sign-in events that are not API calls.
//!
//! An event the event table cannot map keeps every action of its service
//! (pare cannot know which one it stands for). An event listed here needs no
//! permission at all, so it stands for none: it is counted on its own and
//! does not keep its service. Only events the table cannot map are looked up
//! here: when the table maps one (`sts:GetCallerIdentity` is an action of
//! the reference), it counts as the use of those actions, which keeps more.
//!
//! Why not every operation the Service Authorization Reference lists without
//! `AuthorizedActions`? Those are not "needs no permission" but "not
//! documented": in the 2026-08 reference, 318 operations lack the field, among
//! them S3's `RenameObject` and `CreateSession`, which do need permissions
//! (`s3:PutObject`, `s3express:CreateSession`). Taking the absence for "no
//! permission" would remove actions in use, so only what AWS says in words is
//! listed, each row with its page.

/// `(eventSource, eventName, page)`: operations that need no IAM permission.
pub(crate) const NO_PERMISSION_EVENTS: &[(&str, &str, &str)] = &[
    // "No permissions are required to perform this operation."
    (
        "sts.amazonaws.com",
        "GetCallerIdentity",
        "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html",
    ),
    // Console sign-in events: authentication, not an API call an IAM policy allows.
    (
        "signin.amazonaws.com",
        "CheckMfa",
        "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html",
    ),
    (
        "signin.amazonaws.com",
        "ConsoleLogin",
        "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html",
    ),
    // Amazon Cognito identity pools: "This is a public API. You do not need
    // any credentials to call this API."
    (
        "cognito-identity.amazonaws.com",
        "GetCredentialsForIdentity",
        "https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_GetCredentialsForIdentity.html",
    ),
    (
        "cognito-identity.amazonaws.com",
        "GetId",
        "https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_GetId.html",
    ),
    (
        "cognito-identity.amazonaws.com",
        "GetOpenIdToken",
        "https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_GetOpenIdToken.html",
    ),
    (
        "cognito-identity.amazonaws.com",
        "UnlinkIdentity",
        "https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_UnlinkIdentity.html",
    ),
];

/// Whether `name` of `source` is an operation AWS documents as needing no
/// IAM permission (exact names, the source without regard to case).
pub(crate) fn needs_no_permission(source: &str, name: &str) -> bool {
    NO_PERMISSION_EVENTS
        .iter()
        .any(|(s, n, _)| s.eq_ignore_ascii_case(source) && *n == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_cited_and_exact() {
        let keys: Vec<(&str, &str)> = NO_PERMISSION_EVENTS
            .iter()
            .map(|(s, n, _)| (*s, *n))
            .collect();
        let mut unique = keys.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), keys.len(), "each operation once");
        for (source, name, page) in NO_PERMISSION_EVENTS {
            assert!(source.ends_with(".amazonaws.com"), "{source}");
            assert!(name.bytes().all(|b| b.is_ascii_alphanumeric()), "{name}");
            assert!(page.starts_with("https://docs.aws.amazon.com/"), "{page}");
        }
        assert!(needs_no_permission(
            "STS.amazonaws.com",
            "GetCallerIdentity"
        ));
        assert!(!needs_no_permission(
            "sts.amazonaws.com",
            "getcalleridentity"
        ));
        assert!(!needs_no_permission("sts.amazonaws.com", "AssumeRole"));
        assert!(!needs_no_permission("s3.amazonaws.com", "RenameObject"));
    }
}
