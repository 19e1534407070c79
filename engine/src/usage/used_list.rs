//! Used-action lists as a usage source.

use super::*;

/// The actions a workload was seen to use: from CloudTrail, or from a tool
/// that records API calls during tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UsedList {
    /// Lowercased name to the name as written (service prefix lowercased).
    actions: BTreeMap<String, String>,
}

impl UsedList {
    /// Reads one `service:Action` per line (blank lines and `#` comments
    /// skipped), or a JSON array of such strings. Wildcards are an error:
    /// observed usage is concrete. An empty list is allowed: nothing was used.
    pub fn parse(text: &str) -> Result<UsedList, Error> {
        let text = json::strip_bom(text);
        let mut list = UsedList::default();
        if text.trim_start().starts_with('[') {
            let value = json::parse(text)?;
            let Value::Array(items) = value else {
                return Err(Error::shape("", "expected a JSON array of action names"));
            };
            for (i, item) in items.iter().enumerate() {
                let path = format!("[{i}]");
                let Value::String(name) = item else {
                    return Err(Error::shape(
                        path,
                        format!("expected a `service:Action` string, found {}", kind(item)),
                    ));
                };
                list.insert(name)
                    .map_err(|message| Error::shape(path, message))?;
            }
            return Ok(list);
        }
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            list.insert(line).map_err(|message| Error {
                kind: ErrorKind::Text,
                location: Some(Location::Text {
                    line: n + 1,
                    column: 1,
                }),
                message,
            })?;
        }
        Ok(list)
    }

    fn insert(&mut self, name: &str) -> Result<(), String> {
        let (service, action) = split_action(name);
        if name.contains(['*', '?']) {
            return Err(format!(
                "`{name}` is a pattern; a used-action list names concrete actions"
            ));
        }
        if !name.contains(':') || !is_service_name(service) || !is_action_name(action) {
            return Err(format!("expected `service:Action`, found `{name}`"));
        }
        let name = format!("{}:{action}", service.to_ascii_lowercase());
        self.actions
            .entry(name.to_ascii_lowercase())
            .or_insert(name);
        Ok(())
    }

    /// Whether `action` was seen (case-insensitively).
    pub fn contains(&self, action: &str) -> bool {
        self.actions.contains_key(&action.to_ascii_lowercase())
    }

    /// The actions, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.actions.values().map(String::as_str)
    }

    /// How many distinct actions.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Whether no action was seen.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}

/// A name given as an action (by a used-list or a last-accessed report) that
/// the catalog does not know, with what it most likely stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    /// The name as given (service prefix lowercased).
    pub name: String,
    /// "did you mean" and why, when one of the known traps explains the name.
    pub hint: Option<String>,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.hint {
            Some(hint) => write!(f, "`{}`: {hint}", self.name),
            None => write!(f, "`{}`", self.name),
        }
    }
}

/// The names among `names` that the catalog does not know, in order, each once.
pub fn unknown_names<'n>(
    names: impl IntoIterator<Item = &'n str>,
    table: ActionTable<'_>,
) -> Vec<UnknownName> {
    let mut out: Vec<UnknownName> = Vec::new();
    for name in names {
        if table.get(name).is_some() || out.iter().any(|u| u.name.eq_ignore_ascii_case(name)) {
            continue;
        }
        out.push(UnknownName {
            name: name.to_string(),
            hint: did_you_mean(name, table),
        });
    }
    out
}

/// CloudTrail event sources (`<source>.amazonaws.com`) whose name is not the
/// service's IAM prefix: a used-list built from `eventSource` gets them wrong.
pub(super) const EVENT_SOURCES: &[(&str, &str)] = &[
    ("monitoring", "cloudwatch"),
    ("email", "ses"),
    ("tagging", "tag"),
];

/// API operations (as CloudTrail's `eventName` shows them) that are not
/// actions, and the actions that authorize them. Taken from the
/// `Operations`/`AuthorizedActions` data of AWS's Service Authorization
/// Reference (the machine-readable copy of 2026-08-27), for the services
/// whose operations most often differ from their actions; the embedded
/// catalog does not carry that data. Actions of other services are left out.
pub(super) const OPERATIONS: &[(&str, &[&str])] = &[
    (
        "dynamodb:BatchExecuteStatement",
        &[
            "PartiQLDelete",
            "PartiQLInsert",
            "PartiQLSelect",
            "PartiQLUpdate",
        ],
    ),
    (
        "dynamodb:ExecuteStatement",
        &[
            "PartiQLDelete",
            "PartiQLInsert",
            "PartiQLSelect",
            "PartiQLUpdate",
        ],
    ),
    (
        "dynamodb:ExecuteTransaction",
        &[
            "PartiQLDelete",
            "PartiQLInsert",
            "PartiQLSelect",
            "PartiQLUpdate",
        ],
    ),
    ("dynamodb:TransactGetItems", &["GetItem"]),
    (
        "dynamodb:TransactWriteItems",
        &["ConditionCheckItem", "DeleteItem", "PutItem", "UpdateItem"],
    ),
    ("lambda:GetLayerVersionByArn", &["GetLayerVersion"]),
    ("lambda:Invoke", &["InvokeFunction"]),
    ("lambda:InvokeWithResponseStream", &["InvokeFunction"]),
    ("s3:CompleteMultipartUpload", &["PutObject"]),
    (
        "s3:CopyObject",
        &[
            "GetObject",
            "GetObjectVersion",
            "PutObject",
            "PutObjectAcl",
            "PutObjectLegalHold",
            "PutObjectRetention",
            "PutObjectTagging",
        ],
    ),
    (
        "s3:CreateBucketMetadataConfiguration",
        &["CreateBucketMetadataTableConfiguration"],
    ),
    (
        "s3:CreateMultipartUpload",
        &[
            "PutObject",
            "PutObjectAcl",
            "PutObjectLegalHold",
            "PutObjectRetention",
            "PutObjectTagging",
        ],
    ),
    (
        "s3:DeleteBucketAnalyticsConfiguration",
        &["PutAnalyticsConfiguration"],
    ),
    ("s3:DeleteBucketCors", &["PutBucketCORS"]),
    ("s3:DeleteBucketEncryption", &["PutEncryptionConfiguration"]),
    (
        "s3:DeleteBucketIntelligentTieringConfiguration",
        &["PutIntelligentTieringConfiguration"],
    ),
    (
        "s3:DeleteBucketInventoryConfiguration",
        &["PutInventoryConfiguration"],
    ),
    ("s3:DeleteBucketLifecycle", &["PutLifecycleConfiguration"]),
    (
        "s3:DeleteBucketMetadataConfiguration",
        &["DeleteBucketMetadataTableConfiguration"],
    ),
    (
        "s3:DeleteBucketMetricsConfiguration",
        &["PutMetricsConfiguration"],
    ),
    (
        "s3:DeleteBucketOwnershipControls",
        &["PutBucketOwnershipControls"],
    ),
    (
        "s3:DeleteBucketReplication",
        &["PutReplicationConfiguration"],
    ),
    ("s3:DeleteBucketTagging", &["PutBucketTagging"]),
    (
        "s3:DeleteObjects",
        &[
            "BypassGovernanceRetention",
            "DeleteObject",
            "DeleteObjectVersion",
        ],
    ),
    (
        "s3:DeletePublicAccessBlock",
        &["PutBucketPublicAccessBlock"],
    ),
    (
        "s3:GetBucketAccelerateConfiguration",
        &["GetAccelerateConfiguration"],
    ),
    (
        "s3:GetBucketAnalyticsConfiguration",
        &["GetAnalyticsConfiguration"],
    ),
    ("s3:GetBucketEncryption", &["GetEncryptionConfiguration"]),
    (
        "s3:GetBucketIntelligentTieringConfiguration",
        &["GetIntelligentTieringConfiguration"],
    ),
    (
        "s3:GetBucketInventoryConfiguration",
        &["GetInventoryConfiguration"],
    ),
    ("s3:GetBucketLifecycle", &["GetLifecycleConfiguration"]),
    (
        "s3:GetBucketLifecycleConfiguration",
        &["GetLifecycleConfiguration"],
    ),
    (
        "s3:GetBucketMetadataConfiguration",
        &["GetBucketMetadataTableConfiguration"],
    ),
    (
        "s3:GetBucketMetricsConfiguration",
        &["GetMetricsConfiguration"],
    ),
    (
        "s3:GetBucketNotificationConfiguration",
        &["GetBucketNotification"],
    ),
    ("s3:GetBucketReplication", &["GetReplicationConfiguration"]),
    (
        "s3:GetObjectLockConfiguration",
        &["GetBucketObjectLockConfiguration"],
    ),
    ("s3:GetPublicAccessBlock", &["GetBucketPublicAccessBlock"]),
    ("s3:HeadBucket", &["ListBucket"]),
    (
        "s3:HeadObject",
        &["GetObject", "GetObjectLegalHold", "GetObjectRetention"],
    ),
    (
        "s3:ListBucketAnalyticsConfigurations",
        &["GetAnalyticsConfiguration"],
    ),
    (
        "s3:ListBucketIntelligentTieringConfigurations",
        &["GetIntelligentTieringConfiguration"],
    ),
    (
        "s3:ListBucketInventoryConfigurations",
        &["GetInventoryConfiguration"],
    ),
    (
        "s3:ListBucketMetricsConfigurations",
        &["GetMetricsConfiguration"],
    ),
    ("s3:ListBuckets", &["ListAllMyBuckets"]),
    ("s3:ListMultipartUploads", &["ListBucketMultipartUploads"]),
    ("s3:ListObjects", &["GetObjectAcl", "ListBucket"]),
    ("s3:ListObjectsV2", &["GetObjectAcl", "ListBucket"]),
    ("s3:ListObjectVersions", &["ListBucketVersions"]),
    ("s3:ListParts", &["ListMultipartUploadParts"]),
    (
        "s3:PutBucketAccelerateConfiguration",
        &["PutAccelerateConfiguration"],
    ),
    (
        "s3:PutBucketAnalyticsConfiguration",
        &["PutAnalyticsConfiguration"],
    ),
    ("s3:PutBucketEncryption", &["PutEncryptionConfiguration"]),
    (
        "s3:PutBucketIntelligentTieringConfiguration",
        &["PutIntelligentTieringConfiguration"],
    ),
    (
        "s3:PutBucketInventoryConfiguration",
        &["PutInventoryConfiguration"],
    ),
    ("s3:PutBucketLifecycle", &["PutLifecycleConfiguration"]),
    (
        "s3:PutBucketLifecycleConfiguration",
        &["PutLifecycleConfiguration"],
    ),
    (
        "s3:PutBucketMetricsConfiguration",
        &["PutMetricsConfiguration"],
    ),
    (
        "s3:PutBucketNotificationConfiguration",
        &["PutBucketNotification"],
    ),
    ("s3:PutBucketReplication", &["PutReplicationConfiguration"]),
    (
        "s3:PutObjectLockConfiguration",
        &["PutBucketObjectLockConfiguration"],
    ),
    ("s3:PutPublicAccessBlock", &["PutBucketPublicAccessBlock"]),
    ("s3:SelectObjectContent", &["GetObject"]),
    ("s3:UploadPart", &["PutObject"]),
    (
        "s3:UploadPartCopy",
        &["GetObject", "GetObjectVersion", "PutObject"],
    ),
];

/// "did you mean": a used name explained by one of the known traps: an API
/// operation authorized by differently named actions, a CloudTrail event
/// source that is not the IAM prefix, an event name with its API version
/// appended, or a near miss of an action of the same service.
pub(crate) fn did_you_mean(name: &str, table: ActionTable<'_>) -> Option<String> {
    let (service, action) = split_action(name);
    let known = |candidate: &str| table.get(candidate).map(|row| row.name.to_string());
    if let Some((_, actions)) = OPERATIONS
        .iter()
        .find(|(op, _)| op.eq_ignore_ascii_case(name))
    {
        let authorizing: Vec<String> = actions
            .iter()
            .filter_map(|a| known(&format!("{}:{a}", service.to_ascii_lowercase())))
            .collect();
        if !authorizing.is_empty() {
            return Some(format!(
                "an API operation, not an action; it is authorized by {}",
                quoted(&authorizing)
            ));
        }
    }
    let prefixes: Vec<&str> = EVENT_SOURCES
        .iter()
        .filter(|(source, _)| source.eq_ignore_ascii_case(service))
        .map(|(_, prefix)| *prefix)
        .chain(std::iter::once(service))
        .collect();
    let versionless = strip_api_version(action);
    for prefix in &prefixes {
        let renamed = !prefix.eq_ignore_ascii_case(service);
        for candidate in [Some(action), versionless].into_iter().flatten() {
            let unversioned = candidate != action;
            if !renamed && !unversioned {
                continue; // the name itself, which the catalog does not know
            }
            let Some(found) = known(&format!("{prefix}:{candidate}")) else {
                continue;
            };
            let mut why = Vec::new();
            if renamed {
                why.push(format!(
                    "`{}` is CloudTrail's event source, the IAM prefix is `{prefix}`",
                    service.to_ascii_lowercase()
                ));
            }
            if unversioned {
                why.push(
                    "CloudTrail's event name carries the API version, the action does not"
                        .to_string(),
                );
            }
            return Some(format!("did you mean `{found}`? ({})", why.join("; ")));
        }
    }
    let rows = table.with_prefix(&format!("{service}:"));
    if rows.is_empty() {
        return Some(format!(
            "the catalog knows no service `{}`",
            service.to_ascii_lowercase()
        ));
    }
    let lower = action.to_ascii_lowercase();
    rows.iter()
        .map(|row| {
            (
                edit_distance(&lower, &row.action().to_ascii_lowercase()),
                row,
            )
        })
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, row)| format!("did you mean `{}`?", row.name))
}

/// `GetFunction` for `GetFunction20150331v2` or `CreateDistribution2020_05_31`:
/// the action name without the API version CloudTrail appends to some event
/// names; `None` when there is none.
pub(super) fn strip_api_version(action: &str) -> Option<&str> {
    let without_v = match action.rfind(['v', 'V']) {
        Some(i)
            if i + 1 < action.len()
                && action
                    .get(i + 1..)
                    .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit())) =>
        {
            action.get(..i).unwrap_or(action)
        }
        _ => action,
    };
    let base = without_v.trim_end_matches(|c: char| c.is_ascii_digit() || c == '_');
    let digits = without_v.len() - base.len();
    (digits >= 8 && !base.is_empty()).then_some(base)
}

/// Levenshtein distance over bytes (action names are ASCII).
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute =
                previous.get(j).copied().unwrap_or(usize::MAX) + usize::from(ca != *cb);
            let delete = previous
                .get(j + 1)
                .copied()
                .unwrap_or(usize::MAX)
                .saturating_add(1);
            let insert = current
                .get(j)
                .copied()
                .unwrap_or(usize::MAX)
                .saturating_add(1);
            current.push(substitute.min(delete).min(insert));
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(0)
}

/// "`a`, `b` and `c`".
pub(super) fn quoted(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// A used-action list as a source: every known action that the policies'
/// Allow statements grant and that is not in the list becomes unused, except
/// the ones a log of calls cannot show, which stay granted and are reported:
/// actions the catalog does not mark tracked (or does not know) and the
/// [`PERMISSION_ONLY`] ones.
pub fn from_used_list(policies: &[&Policy], used: &UsedList, table: ActionTable<'_>) -> Inference {
    // The used names join K, so that a used action the catalog does not know
    // still counts as granted by the wildcards and NotAction statements that match it.
    let mut seen = UnusedSet::new();
    for name in used.iter() {
        seen.insert_action(name, None);
    }
    let known = Known::new(table, policies.iter().copied(), &seen);
    let grants = grants(policies, &known);
    let granted = granted_set(&grants);
    let mut unused = UnusedSet::new();
    let mut report = SourceReport::new(UsageSource::UsedList);
    let mut kept = BTreeSet::new();
    for (lower, name) in &granted {
        if used.contains(lower) {
            continue;
        }
        if !keep_unobservable(lower, name, table, &mut report, &mut kept) {
            unused.insert_action(name, None);
            report.actions_unused.push(name);
        }
    }
    let not_granted: Vec<&str> = used
        .iter()
        .filter(|a| !granted.contains_key(&a.to_ascii_lowercase()))
        .collect();
    if !not_granted.is_empty() {
        report.notes.push(format!(
            "{} used action(s) that no Allow statement grants (another policy may grant them): {}",
            not_granted.len(),
            first_few(&not_granted)
        ));
    }
    finish(&mut report);
    report.wildcards_kept_alive = kept_alive(&grants, &unused, &kept);
    Inference { unused, report }
}
