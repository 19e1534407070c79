//! Reading `get-account-authorization-details` into an [`Account`].

use super::*;

impl Account {
    /// Reads `get-account-authorization-details` output. Text that is not JSON, or
    /// JSON of another shape, is an error; a malformed entry inside is a diagnostic.
    ///
    /// Details that contradict themselves are never resolved by a silent
    /// choice: a list of another type (`RolePolicyList` as an object), a
    /// control character in a name, ARN, path or version id (IAM never emits
    /// one), or a principal or managed policy listed twice with different
    /// contents is an error at its JSON path; an identical repeat, or versions
    /// that disagree on the default, is a diagnostic.
    pub fn parse(text: &str) -> Result<Account, Error> {
        let value = json::parse(text)?;
        let top = details_object(&value)?;
        let mut account = Account::default();
        if top.get("IsTruncated") == Some(&Value::Bool(true)) {
            account.diagnostics.push(AccountDiagnostic {
                code: AccountCode::TruncatedDetails,
                subject: "IsTruncated".to_string(),
                message: "the details are one page of several; principals and policies on the other pages are not planned (run the AWS CLI without `--max-items`, it pages on its own)".to_string(),
            });
        }
        // Where each principal and policy was first listed, by ARN and by
        // kind and name, with its entry, to tell a repeat from a contradiction.
        let mut first: HashMap<String, (String, &Value)> = HashMap::new();
        account.read_entities(top, &mut first)?;
        account.read_policies(top, &mut first)?;
        account.mark_boundaries();
        Ok(account)
    }

    /// Every role, user and group of the details, each first listing kept.
    fn read_entities<'v>(
        &mut self,
        top: &'v serde_json::Map<String, Value>,
        first: &mut HashMap<String, (String, &'v Value)>,
    ) -> Result<(), Error> {
        for kind in [EntityKind::Role, EntityKind::User, EntityKind::Group] {
            let (list, _, _) = kind.keys();
            let items = top.get(list).and_then(Value::as_array);
            for (i, item) in items.into_iter().flatten().enumerate() {
                let path = format!("{list}[{i}]");
                let Some(entity) = read_entity(kind, item, &path, &mut self.diagnostics)? else {
                    continue;
                };
                let keys = [
                    format!("{} arn {}", kind.as_str(), entity.arn),
                    format!("{} name {}", kind.as_str(), entity.name),
                ];
                let what = format!("{} `{}`", kind.as_str(), entity.name);
                if first_listing(first, &keys, item, &path, &what, &mut self.diagnostics)? {
                    self.entities.push(entity);
                }
            }
        }
        Ok(())
    }

    /// Every managed policy of the details, each first listing kept.
    fn read_policies<'v>(
        &mut self,
        top: &'v serde_json::Map<String, Value>,
        first: &mut HashMap<String, (String, &'v Value)>,
    ) -> Result<(), Error> {
        let policies = top.get("Policies").and_then(Value::as_array);
        for (i, item) in policies.into_iter().flatten().enumerate() {
            let path = format!("Policies[{i}]");
            let Some(policy) = read_managed(item, &path, &mut self.diagnostics)? else {
                continue;
            };
            let keys = [format!("policy arn {}", policy.arn)];
            let what = format!("the managed policy `{}`", policy.arn);
            if first_listing(first, &keys, item, &path, &what, &mut self.diagnostics)? {
                self.managed.push(policy);
            }
        }
        Ok(())
    }

    /// Marks the managed policies some principal uses as its boundary.
    fn mark_boundaries(&mut self) {
        let boundaries: BTreeSet<String> = self
            .entities
            .iter()
            .filter_map(|e| e.boundary.clone())
            .collect();
        for policy in &mut self.managed {
            if boundaries.contains(&policy.arn) {
                policy.used_as_boundary = true;
            }
        }
    }

    /// The entity with this ARN, or else the role or user of this name (paths
    /// and case of the name aside) in the same account: findings name
    /// principals by full ARN, and same-named roles in other accounts (an
    /// organization's analyzer reports them all) are other principals.
    pub(super) fn find_principal(&self, arn: &str, by_arn: &HashMap<&str, usize>) -> Option<usize> {
        if let Some(&i) = by_arn.get(arn) {
            return Some(i);
        }
        let (kind, name) = principal_of_arn(arn)?;
        let account = account_of_arn(arn)?;
        self.entities.iter().position(|e| {
            e.kind == kind
                && e.name.eq_ignore_ascii_case(name)
                && account_of_arn(&e.arn) == Some(account)
        })
    }

    /// Whether `arn` names an account that none of the details' principals belongs to.
    pub(super) fn is_other_account(&self, arn: &str) -> bool {
        let Some(account) = account_of_arn(arn) else {
            return false;
        };
        !self
            .entities
            .iter()
            .any(|e| account_of_arn(&e.arn) == Some(account))
    }
    /// The one AWS account the details describe: the account of every role,
    /// user and group ARN and of every customer managed policy ARN (AWS managed
    /// policies name none). `Ok(None)` when no ARN names one (an empty
    /// account); an error naming both when two ARNs disagree: the details
    /// of several accounts in one file cannot be planned per account.
    ///
    /// The id is as written: [`is_account_id`] says whether it is one.
    pub fn account_id(&self) -> Result<Option<&str>, AccountIdError> {
        let entities = self.entities.iter().map(|e| e.arn.as_str());
        let policies = self
            .managed
            .iter()
            .filter(|m| !m.is_aws_managed())
            .map(|m| m.arn.as_str());
        let mut found: Option<(&str, &str)> = None;
        for arn in entities.chain(policies) {
            let account = arn.split(':').nth(4).unwrap_or("");
            match found {
                None => found = Some((account, arn)),
                Some((first, first_arn)) if first != account => {
                    return Err(AccountIdError {
                        first: first_arn.to_string(),
                        second: arn.to_string(),
                    });
                }
                Some(_) => {}
            }
        }
        Ok(found.map(|(account, _)| account))
    }
}

/// Two ARNs of one details file that name different accounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountIdError {
    /// The first ARN met.
    pub first: String,
    /// The first ARN met that names another account.
    pub second: String,
}

impl std::fmt::Display for AccountIdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the details hold more than one account: `{}` and `{}`",
            self.first, self.second
        )
    }
}

impl std::error::Error for AccountIdError {}

/// Whether `id` is an AWS account id: exactly twelve ASCII digits.
pub fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `entity` is a role IAM Identity Center made for a permission set
/// (`AWSReservedSSO_<PermissionSet>_<hash>`): IAM refuses every change to it,
/// so its policies change through the permission set, never in the account.
pub fn is_identity_center_role(entity: &Entity) -> bool {
    entity.kind == EntityKind::Role && permission_set_of(&entity.name).is_some()
}

/// The permission set an Identity Center role was made for: `Admin_Ops` for
/// `AWSReservedSSO_Admin_Ops_0123456789abcdef` (a permission set's name may
/// hold `_`; the hash after the last one never does).
pub fn permission_set_of(role_name: &str) -> Option<&str> {
    let rest = role_name.strip_prefix("AWSReservedSSO_")?;
    let (name, hash) = rest.rsplit_once('_')?;
    (!name.is_empty() && !hash.is_empty() && hash.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then_some(name)
}

/// `123` for `arn:aws:iam::123:role/Name`, when it has one.
pub fn account_of_arn(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// `(Role, "Name")` for `arn:aws:iam::123:role/path/Name`.
pub(super) fn principal_of_arn(arn: &str) -> Option<(EntityKind, &str)> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let (kind, rest) = resource.split_once('/')?;
    let kind = match kind {
        "role" => EntityKind::Role,
        "user" => EntityKind::User,
        _ => return None,
    };
    Some((kind, rest.rsplit('/').next().unwrap_or(rest)))
}

pub(super) fn string_field<'v>(object: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Refuses `text` (a name, ARN, path or version id found at `path`) when it
/// holds a control character: IAM never emits one, and one in a name could
/// end a line of a script or a report.
pub(super) fn plain_text(text: &str, path: &str) -> Result<(), Error> {
    match text.chars().find(|c| c.is_control()) {
        None => Ok(()),
        Some(c) => Err(Error::shape(
            path,
            format!(
                "holds the control character U+{:04X}, which no IAM name, ARN or path has; the details were altered",
                u32::from(c)
            ),
        )),
    }
}

/// Checks every string field of `object` that names something (`...Name`,
/// `...Arn`, `Path`, `...VersionId`), whether pare reads it or not: a
/// control character anywhere among them means the file was altered.
pub(super) fn check_names(object: &Map<String, Value>, path: &str) -> Result<(), Error> {
    for (key, value) in object {
        let names_something = key.ends_with("Name")
            || key.ends_with("Arn")
            || key == "Path"
            || key.ends_with("VersionId");
        if let (true, Some(text)) = (names_something, value.as_str()) {
            plain_text(text, &join(path, key))?;
        }
    }
    Ok(())
}

/// The array at `key` of `object` (none when the key is absent); any other
/// type is an error rather than an empty list, which would drop what it holds.
pub(super) fn array_field<'v>(
    object: &'v Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'v [Value], Error> {
    match object.get(key) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(Error::shape(
            join(path, key),
            format!("`{key}` must be an array, found {}", json_kind(other)),
        )),
    }
}

/// Whether the entry at `path` is the first with any of `keys`. A repeat
/// identical to the first listing is dropped with a diagnostic; one that
/// differs is an error naming both, since either choice would be a guess.
pub(super) fn first_listing<'v>(
    first: &mut HashMap<String, (String, &'v Value)>,
    keys: &[String],
    item: &'v Value,
    path: &str,
    what: &str,
    diagnostics: &mut Vec<AccountDiagnostic>,
) -> Result<bool, Error> {
    for key in keys {
        if let Some((earlier, value)) = first.get(key) {
            if *value == item {
                diagnostics.push(AccountDiagnostic {
                    code: AccountCode::DuplicateEntry,
                    subject: path.to_string(),
                    message: format!(
                        "{what} is listed again, identically, at `{earlier}`; the repeat is ignored"
                    ),
                });
                return Ok(false);
            }
            return Err(Error::shape(
                path,
                format!(
                    "{what} is listed twice, at `{earlier}` and here, with different contents; which one is the account cannot be known"
                ),
            ));
        }
    }
    for key in keys {
        first.insert(key.clone(), (path.to_string(), item));
    }
    Ok(true)
}

pub(super) fn malformed(path: &str, message: String) -> AccountDiagnostic {
    AccountDiagnostic {
        code: AccountCode::MalformedEntry,
        subject: path.to_string(),
        message,
    }
}

/// The top object of `get-account-authorization-details` output, its lists
/// checked to be arrays.
fn details_object(value: &Value) -> Result<&serde_json::Map<String, Value>, Error> {
    let Value::Object(top) = value else {
        return Err(Error::shape(
            "",
            format!(
                "expected the output of `aws iam get-account-authorization-details` (a JSON object), found {}",
                json_kind(value)
            ),
        ));
    };
    const LISTS: [&str; 4] = [
        "RoleDetailList",
        "UserDetailList",
        "GroupDetailList",
        "Policies",
    ];
    if !LISTS.iter().any(|k| top.contains_key(*k)) {
        return Err(Error::shape(
            "",
            "this is not the output of `aws iam get-account-authorization-details` (none of `RoleDetailList`, `UserDetailList`, `GroupDetailList`, `Policies`)",
        ));
    }
    for key in LISTS {
        if let Some(value) = top.get(key) {
            if !value.is_array() {
                return Err(Error::shape(
                    key,
                    format!("`{key}` must be an array, found {}", json_kind(value)),
                ));
            }
        }
    }
    Ok(top)
}

pub(super) fn read_entity(
    kind: EntityKind,
    item: &Value,
    path: &str,
    diagnostics: &mut Vec<AccountDiagnostic>,
) -> Result<Option<Entity>, Error> {
    let (_, name_key, inline_key) = kind.keys();
    let Value::Object(object) = item else {
        diagnostics.push(malformed(
            path,
            format!("expected an object, found {}; skipped", json_kind(item)),
        ));
        return Ok(None);
    };
    check_names(object, path)?;
    let (Some(name), Some(arn)) = (string_field(object, name_key), string_field(object, "Arn"))
    else {
        diagnostics.push(malformed(
            path,
            format!("the entry has no `{name_key}` or no `Arn`; skipped"),
        ));
        return Ok(None);
    };
    // A boundary that cannot be read would let a boundary policy be edited.
    let boundary = read_boundary(object, path)?;
    let mut entity = Entity {
        kind,
        name: name.to_string(),
        arn: arn.to_string(),
        inline: Vec::new(),
        attached: Vec::new(),
        groups: Vec::new(),
        boundary,
    };
    read_inline(&mut entity, object, inline_key, path, diagnostics)?;
    read_attached(&mut entity, object, path, diagnostics)?;
    if kind == EntityKind::User {
        read_groups(&mut entity, object, path, diagnostics)?;
    }
    Ok(Some(entity))
}

/// The ARN of an entity's permissions boundary, if it has one.
fn read_boundary(object: &Map<String, Value>, path: &str) -> Result<Option<String>, Error> {
    let boundary = match object.get("PermissionsBoundary") {
        None | Some(Value::Null) => None,
        Some(Value::Object(b)) => {
            let boundary_path = join(path, "PermissionsBoundary");
            check_names(b, &boundary_path)?;
            string_field(b, "PermissionsBoundaryArn").map(str::to_string)
        }
        Some(other) => {
            return Err(Error::shape(
                join(path, "PermissionsBoundary"),
                format!(
                    "`PermissionsBoundary` must be an object, found {}",
                    json_kind(other)
                ),
            ));
        }
    };
    Ok(boundary)
}

/// The entity's inline policies, under `inline_key`.
fn read_inline(
    entity: &mut Entity,
    object: &Map<String, Value>,
    inline_key: &str,
    path: &str,
    diagnostics: &mut Vec<AccountDiagnostic>,
) -> Result<(), Error> {
    // An inline policy listed twice under one principal: which document IAM
    // holds cannot be known unless both are the same.
    let mut inline_seen: HashMap<String, (String, &Value)> = HashMap::new();
    for (i, item) in array_field(object, inline_key, path)?.iter().enumerate() {
        let item_path = format!("{}[{i}]", join(path, inline_key));
        let Some(object) = item.as_object() else {
            diagnostics.push(malformed(
                &item_path,
                format!(
                    "expected an inline policy object, found {}; skipped",
                    json_kind(item)
                ),
            ));
            continue;
        };
        let Some(policy_name) = string_field(object, "PolicyName") else {
            diagnostics.push(malformed(
                &item_path,
                "the inline policy has no `PolicyName`; skipped".to_string(),
            ));
            continue;
        };
        check_names(object, &item_path)?;
        let what = format!("the inline policy `{policy_name}` of {}", entity.label());
        let keys = [policy_name.to_string()];
        if !first_listing(
            &mut inline_seen,
            &keys,
            item,
            &item_path,
            &what,
            diagnostics,
        )? {
            continue;
        }
        let document_path = join(&item_path, "PolicyDocument");
        let Some(document) = object.get("PolicyDocument") else {
            diagnostics.push(unreadable(
                &document_path,
                &format!("the inline policy `{policy_name}` of {}", entity.label()),
                "it has no `PolicyDocument`",
            ));
            continue;
        };
        match document_value(document.clone(), &document_path) {
            Ok(policy) => entity.inline.push(InlinePolicy {
                name: policy_name.to_string(),
                policy,
            }),
            Err(err) => diagnostics.push(unreadable(
                &document_path,
                &format!("the inline policy `{policy_name}` of {}", entity.label()),
                &located(&err),
            )),
        }
    }
    Ok(())
}

/// The ARNs of the managed policies the entity attaches.
fn read_attached(
    entity: &mut Entity,
    object: &Map<String, Value>,
    path: &str,
    diagnostics: &mut Vec<AccountDiagnostic>,
) -> Result<(), Error> {
    for (i, item) in array_field(object, "AttachedManagedPolicies", path)?
        .iter()
        .enumerate()
    {
        let item_path = format!("{}[{i}]", join(path, "AttachedManagedPolicies"));
        if let Some(object) = item.as_object() {
            check_names(object, &item_path)?;
        }
        match item.as_object().and_then(|o| string_field(o, "PolicyArn")) {
            Some(arn) if entity.attached.iter().any(|a| a == arn) => {
                diagnostics.push(AccountDiagnostic {
                    code: AccountCode::DuplicateEntry,
                    subject: item_path,
                    message: format!(
                        "{} attaches `{arn}` again; the repeat is ignored",
                        entity.label()
                    ),
                });
            }
            Some(arn) => entity.attached.push(arn.to_string()),
            None => diagnostics.push(malformed(
                &item_path,
                "the attachment has no `PolicyArn`; skipped".to_string(),
            )),
        }
    }
    Ok(())
}

/// The groups a user is in.
fn read_groups(
    entity: &mut Entity,
    object: &Map<String, Value>,
    path: &str,
    diagnostics: &mut Vec<AccountDiagnostic>,
) -> Result<(), Error> {
    // A membership dropped would let the group's policies lose what this
    // user uses: anything but a group name is an error.
    for (i, item) in array_field(object, "GroupList", path)?.iter().enumerate() {
        let item_path = format!("{}[{i}]", join(path, "GroupList"));
        let Some(group) = item.as_str() else {
            return Err(Error::shape(
                item_path,
                format!("a group name must be a string, found {}", json_kind(item)),
            ));
        };
        plain_text(group, &item_path)?;
        if entity.groups.iter().any(|g| g == group) {
            diagnostics.push(AccountDiagnostic {
                code: AccountCode::DuplicateEntry,
                subject: item_path,
                message: format!(
                    "{} is in the group `{group}` again; the repeat is ignored",
                    entity.label()
                ),
            });
            continue;
        }
        entity.groups.push(group.to_string());
    }
    Ok(())
}

/// An error's message, with its location only when that is inside the
/// document (a JSON path is already the diagnostic's subject).
pub(super) fn located(err: &Error) -> String {
    match &err.location {
        Some(crate::error::Location::Text { .. }) => err.to_string(),
        _ => err.message.clone(),
    }
}

pub(super) fn unreadable(path: &str, what: &str, why: &str) -> AccountDiagnostic {
    AccountDiagnostic {
        code: AccountCode::UnreadablePolicy,
        subject: path.to_string(),
        message: format!("{what} cannot be read ({why}); it is left as it is"),
    }
}

pub(super) fn read_managed(
    item: &Value,
    path: &str,
    diagnostics: &mut Vec<AccountDiagnostic>,
) -> Result<Option<ManagedPolicy>, Error> {
    let Value::Object(object) = item else {
        diagnostics.push(malformed(
            path,
            format!(
                "expected a managed policy object, found {}; skipped",
                json_kind(item)
            ),
        ));
        return Ok(None);
    };
    check_names(object, path)?;
    let (Some(name), Some(arn)) = (
        string_field(object, "PolicyName"),
        string_field(object, "Arn"),
    ) else {
        diagnostics.push(malformed(
            path,
            "the managed policy has no `PolicyName` or no `Arn`; skipped".to_string(),
        ));
        return Ok(None);
    };
    let default_id = string_field(object, "DefaultVersionId");
    let versions = array_field(object, "PolicyVersionList", path)?;
    for (i, version) in versions.iter().enumerate() {
        if let Some(version) = version.as_object() {
            check_names(
                version,
                &format!("{}[{i}]", join(path, "PolicyVersionList")),
            )?;
        }
    }
    let mut policy = ManagedPolicy {
        name: name.to_string(),
        arn: arn.to_string(),
        default_version: None,
        document: None,
        versions: versions
            .iter()
            .filter_map(|v| v.as_object().and_then(|o| string_field(o, "VersionId")))
            .map(str::to_string)
            .collect(),
        used_as_boundary: false,
    };
    // Versions that disagree on the default leave the policy as it is: any
    // choice would be a guess about which document IAM enforces.
    let disagreement = default_disagreement(versions, default_id);
    if let Some(disagreement) = disagreement {
        diagnostics.push(AccountDiagnostic {
            code: AccountCode::AmbiguousDefaultVersion,
            subject: arn.to_string(),
            message: format!(
                "the managed policy `{name}` has no single default version: {disagreement}; it is left as it is"
            ),
        });
        return Ok(Some(policy));
    }
    // `IsDefaultVersion` decides; `DefaultVersionId` is the fallback for files
    // that were trimmed by hand.
    let default = versions
        .iter()
        .enumerate()
        .find(|(_, v)| v.get("IsDefaultVersion") == Some(&Value::Bool(true)))
        .or_else(|| {
            versions.iter().enumerate().find(|(_, v)| {
                default_id.is_some() && v.get("VersionId").and_then(Value::as_str) == default_id
            })
        });
    let Some((i, version)) = default else {
        diagnostics.push(AccountDiagnostic {
            code: AccountCode::MissingDefaultVersion,
            subject: arn.to_string(),
            message: format!(
                "the managed policy `{name}` has no default version in `PolicyVersionList`{}; it is left as it is",
                default_id.map_or(String::new(), |id| format!(" (`DefaultVersionId` is `{id}`)"))
            ),
        });
        return Ok(Some(policy));
    };
    policy.default_version = version
        .get("VersionId")
        .and_then(Value::as_str)
        .or(default_id)
        .map(str::to_string);
    let document_path = format!("{}[{i}].Document", join(path, "PolicyVersionList"));
    let what = format!("the default version of the managed policy `{name}`");
    match version.get("Document") {
        None => diagnostics.push(unreadable(&document_path, &what, "it has no `Document`")),
        Some(document) => match document_value(document.clone(), &document_path) {
            Ok(document) => policy.document = Some(document),
            Err(err) => diagnostics.push(unreadable(&document_path, &what, &located(&err))),
        },
    }
    Ok(Some(policy))
}

/// Why the versions do not name one default, when they do not: several
/// marked the default, or one that is not `DefaultVersionId`.
fn default_disagreement(versions: &[Value], default_id: Option<&str>) -> Option<String> {
    let flagged: Vec<&str> = versions
        .iter()
        .filter(|v| v.get("IsDefaultVersion") == Some(&Value::Bool(true)))
        .map(|v| v.get("VersionId").and_then(Value::as_str).unwrap_or("?"))
        .collect();
    match (flagged.as_slice(), default_id) {
        ([_, _, ..], _) => Some(format!(
            "{} versions are marked the default ({})",
            flagged.len(),
            flagged
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        ([one], Some(id)) if *one != id => Some(format!(
            "`DefaultVersionId` is `{id}` but `{one}` is marked the default"
        )),
        _ => None,
    }
}
