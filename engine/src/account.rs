//! A whole account: who holds which policy, and the plan that takes out of each
//! policy what every principal holding it left unused.
//!
//! The input is `aws iam get-account-authorization-details` and a set of
//! `get-finding-v2` findings. A finding is per principal, but a managed policy
//! (or a group's policy) can be held by several principals, so an action may
//! only leave such a policy when every holder's finding lists it: the plan
//! refines each policy against the intersection of its holders' unused sets,
//! and offers each holder's own refinement beside it when that differs.
//! Trust policies and permissions boundaries are never read as permissions and
//! never changed.
//!
//! Malformed parts of the details (an unreadable document, a managed policy
//! without its default version, a finding for a principal the details do not
//! have) become [`AccountDiagnostic`]s; the rest of the account is still planned.
//!
//! ```
//! use pare_engine::account::{self, Account, Decision, PlanOptions};
//! use pare_engine::{AccessLevel, ActionTable, KnownAction};
//!
//! let rows = [
//!     KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
//!     KnownAction::new_static("s3:PutObject", AccessLevel::WRITE, true),
//! ];
//! let table = ActionTable::new(&rows).unwrap();
//! let details = r#"{"RoleDetailList": [{"RoleName": "app", "Arn": "arn:aws:iam::111122223333:role/app",
//!     "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17",
//!         "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}]}}]}]}"#;
//! let finding = r#"{"id": "f", "resource": "arn:aws:iam::111122223333:role/app", "status": "ACTIVE",
//!     "findingType": "UnusedPermission", "findingDetails": [{"unusedPermissionDetails":
//!         {"serviceNamespace": "s3", "actions": [{"action": "PutObject"}]}}]}"#;
//! let account = Account::parse(details).unwrap();
//! let findings = pare_engine::unused::parse_findings(finding).unwrap();
//! let plan = account::plan(&account, &findings, table, &PlanOptions::default(), &mut |_, _| {});
//! let policy = &plan.policies[0];
//! assert_eq!(policy.decision, Decision::PutInline);
//! assert_eq!(policy.outcome.as_ref().unwrap().removed.write, 1);
//! ```

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Map, Value};

use crate::error::Error;
use crate::json;
use crate::known::Known;
use crate::pattern::Pattern;
use crate::policy::{
    ActionKey, Effect, Policy, PolicyKind, document_value, join, kind as json_kind,
};
use crate::refine::{self, Diagnostic, Edit, Options, RecommendedAction};
use crate::table::{AccessLevel, ActionTable};
use crate::unused::{Finding, UnusedSet};

pub mod synthetic;

/// The managed policy size quota, in non-white-space characters.
pub const MANAGED_QUOTA: usize = 6_144;

/// The longest managed policy name IAM accepts.
const MAX_POLICY_NAME: usize = 128;

/// Role, user or group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    /// An IAM role (`RoleDetailList`).
    Role,
    /// An IAM user (`UserDetailList`).
    User,
    /// An IAM group (`GroupDetailList`): never a finding's principal, but its
    /// policies are held by its members.
    Group,
}

impl EntityKind {
    /// `role`, `user` or `group`, as the AWS CLI's command names spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Role => "role",
            EntityKind::User => "user",
            EntityKind::Group => "group",
        }
    }

    /// The kind of its inline policies, for their quota.
    pub fn inline_kind(self) -> PolicyKind {
        match self {
            EntityKind::Role => PolicyKind::RoleInline,
            EntityKind::User => PolicyKind::UserInline,
            EntityKind::Group => PolicyKind::GroupInline,
        }
    }

    fn keys(self) -> (&'static str, &'static str, &'static str) {
        match self {
            EntityKind::Role => ("RoleDetailList", "RoleName", "RolePolicyList"),
            EntityKind::User => ("UserDetailList", "UserName", "UserPolicyList"),
            EntityKind::Group => ("GroupDetailList", "GroupName", "GroupPolicyList"),
        }
    }
}

/// An inline policy of a role, user or group.
#[derive(Clone, Debug, PartialEq)]
pub struct InlinePolicy {
    /// `PolicyName`.
    pub name: String,
    /// The document.
    pub policy: Policy,
}

/// A role, user or group of the account.
#[derive(Clone, Debug, PartialEq)]
pub struct Entity {
    /// What it is.
    pub kind: EntityKind,
    /// `RoleName`, `UserName` or `GroupName`.
    pub name: String,
    /// `Arn`.
    pub arn: String,
    /// Its inline policies that could be read, in order.
    pub inline: Vec<InlinePolicy>,
    /// The ARNs of its attached managed policies, in order.
    pub attached: Vec<String>,
    /// For a user, the names of its groups (`GroupList`), in order.
    pub groups: Vec<String>,
    /// The ARN of its permissions boundary, never changed.
    pub boundary: Option<String>,
}

impl Entity {
    /// `role/Name`, `user/Name` or `group/Name`: how reports name it.
    pub fn label(&self) -> String {
        format!("{}/{}", self.kind.as_str(), self.name)
    }
}

/// A managed policy of `Policies`.
#[derive(Clone, Debug, PartialEq)]
pub struct ManagedPolicy {
    /// `PolicyName`.
    pub name: String,
    /// `Arn`.
    pub arn: String,
    /// The default version's id, when it was found.
    pub default_version: Option<String>,
    /// The default version's document; `None` when it is missing or unreadable
    /// (a diagnostic says which).
    pub document: Option<Policy>,
    /// The ids of every version listed, in order.
    pub versions: Vec<String>,
    /// Whether some principal uses it as its permissions boundary.
    pub used_as_boundary: bool,
}

impl ManagedPolicy {
    /// Whether AWS owns it (`arn:<partition>:iam::aws:policy/...`): it cannot be edited.
    pub fn is_aws_managed(&self) -> bool {
        is_aws_managed_arn(&self.arn)
    }

    /// The oldest version that is not the default: the one to delete when the
    /// policy already has IAM's maximum of five versions.
    pub fn oldest_non_default(&self) -> Option<&str> {
        self.versions
            .iter()
            .filter(|v| Some(v.as_str()) != self.default_version.as_deref())
            .min_by_key(|v| (version_number(v), v.as_str()))
            .map(String::as_str)
    }
}

fn version_number(id: &str) -> u64 {
    id.trim_start_matches(['v', 'V'])
        .parse()
        .unwrap_or(u64::MAX)
}

/// Whether `arn` names an AWS managed policy.
pub fn is_aws_managed_arn(arn: &str) -> bool {
    let mut parts = arn.splitn(6, ':');
    let service = parts.nth(2);
    let account = parts.nth(1);
    service == Some("iam") && account == Some("aws")
}

/// What a diagnostic about the account is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccountCode {
    /// A policy document that cannot be read; the policy is left alone.
    UnreadablePolicy,
    /// A managed policy whose default version is not in `PolicyVersionList`.
    MissingDefaultVersion,
    /// A managed policy attached to a principal but absent from `Policies`.
    UnknownManagedPolicy,
    /// A user's group that is not in `GroupDetailList`.
    UnknownGroup,
    /// A role, user, group or policy entry without its name or ARN.
    MalformedEntry,
    /// The details are one page of several (`IsTruncated`).
    TruncatedDetails,
    /// A finding whose principal is not in the details.
    UnknownPrincipal,
    /// A finding for a principal of another account than the details'.
    OtherAccount,
    /// Two different active `UnusedPermission` findings for one principal.
    SeveralFindings,
    /// A finding of a type that says nothing about unused access.
    IgnoredFindingType,
    /// A customer managed policy that is also a permissions boundary.
    UsedAsBoundary,
    /// A role, user, group or managed policy listed again, identically; the
    /// repeat is ignored (a repeat that differs is an error).
    DuplicateEntry,
    /// A managed policy whose versions disagree on which is the default.
    AmbiguousDefaultVersion,
}

/// An observation about the account or the findings, reported beside the plan.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AccountDiagnostic {
    /// What it is about.
    pub code: AccountCode,
    /// Where: a JSON path into the details, a finding id, or an ARN.
    pub subject: String,
    /// The sentence for the user.
    pub message: String,
}

/// The account as `get-account-authorization-details` describes it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Account {
    /// Roles, users and groups, in that order, each in file order.
    pub entities: Vec<Entity>,
    /// `Policies`, in file order.
    pub managed: Vec<ManagedPolicy>,
    /// What could not be read.
    pub diagnostics: Vec<AccountDiagnostic>,
}

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
        let Value::Object(top) = value else {
            return Err(Error::shape(
                "",
                format!(
                    "expected the output of `aws iam get-account-authorization-details` (a JSON object), found {}",
                    json_kind(&value)
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
        for kind in [EntityKind::Role, EntityKind::User, EntityKind::Group] {
            let (list, _, _) = kind.keys();
            let items = top.get(list).and_then(Value::as_array);
            for (i, item) in items.into_iter().flatten().enumerate() {
                let path = format!("{list}[{i}]");
                let Some(entity) = read_entity(kind, item, &path, &mut account.diagnostics)? else {
                    continue;
                };
                let keys = [
                    format!("{} arn {}", kind.as_str(), entity.arn),
                    format!("{} name {}", kind.as_str(), entity.name),
                ];
                let what = format!("{} `{}`", kind.as_str(), entity.name);
                if first_listing(
                    &mut first,
                    &keys,
                    item,
                    &path,
                    &what,
                    &mut account.diagnostics,
                )? {
                    account.entities.push(entity);
                }
            }
        }
        let policies = top.get("Policies").and_then(Value::as_array);
        for (i, item) in policies.into_iter().flatten().enumerate() {
            let path = format!("Policies[{i}]");
            let Some(policy) = read_managed(item, &path, &mut account.diagnostics)? else {
                continue;
            };
            let keys = [format!("policy arn {}", policy.arn)];
            let what = format!("the managed policy `{}`", policy.arn);
            if first_listing(
                &mut first,
                &keys,
                item,
                &path,
                &what,
                &mut account.diagnostics,
            )? {
                account.managed.push(policy);
            }
        }
        let boundaries: BTreeSet<&str> = account
            .entities
            .iter()
            .filter_map(|e| e.boundary.as_deref())
            .collect();
        let boundaries: BTreeSet<String> = boundaries.into_iter().map(str::to_string).collect();
        for policy in &mut account.managed {
            if boundaries.contains(&policy.arn) {
                policy.used_as_boundary = true;
            }
        }
        Ok(account)
    }

    /// The entity with this ARN, or else the role or user of this name (paths
    /// and case of the name aside) in the same account: findings name
    /// principals by full ARN, and same-named roles in other accounts (an
    /// organization's analyzer reports them all) are other principals.
    fn find_principal(&self, arn: &str, by_arn: &HashMap<&str, usize>) -> Option<usize> {
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
    fn is_other_account(&self, arn: &str) -> bool {
        let Some(account) = account_of_arn(arn) else {
            return false;
        };
        !self
            .entities
            .iter()
            .any(|e| account_of_arn(&e.arn) == Some(account))
    }
}

/// `123` for `arn:aws:iam::123:role/Name`, when it has one.
fn account_of_arn(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// `(Role, "Name")` for `arn:aws:iam::123:role/path/Name`.
fn principal_of_arn(arn: &str) -> Option<(EntityKind, &str)> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let (kind, rest) = resource.split_once('/')?;
    let kind = match kind {
        "role" => EntityKind::Role,
        "user" => EntityKind::User,
        _ => return None,
    };
    Some((kind, rest.rsplit('/').next().unwrap_or(rest)))
}

fn string_field<'v>(object: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Refuses `text` (a name, ARN, path or version id found at `path`) when it
/// holds a control character: IAM never emits one, and one in a name could
/// end a line of a script or a report.
fn plain_text(text: &str, path: &str) -> Result<(), Error> {
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
fn check_names(object: &Map<String, Value>, path: &str) -> Result<(), Error> {
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
fn array_field<'v>(
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
fn first_listing<'v>(
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

fn malformed(path: &str, message: String) -> AccountDiagnostic {
    AccountDiagnostic {
        code: AccountCode::MalformedEntry,
        subject: path.to_string(),
        message,
    }
}

fn read_entity(
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
    let mut entity = Entity {
        kind,
        name: name.to_string(),
        arn: arn.to_string(),
        inline: Vec::new(),
        attached: Vec::new(),
        groups: Vec::new(),
        boundary,
    };
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
    if kind == EntityKind::User {
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
    }
    Ok(Some(entity))
}

/// An error's message, with its location only when that is inside the
/// document (a JSON path is already the diagnostic's subject).
fn located(err: &Error) -> String {
    match &err.location {
        Some(crate::error::Location::Text { .. }) => err.to_string(),
        _ => err.message.clone(),
    }
}

fn unreadable(path: &str, what: &str, why: &str) -> AccountDiagnostic {
    AccountDiagnostic {
        code: AccountCode::UnreadablePolicy,
        subject: path.to_string(),
        message: format!("{what} cannot be read ({why}); it is left as it is"),
    }
}

fn read_managed(
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
    let flagged: Vec<&str> = versions
        .iter()
        .filter(|v| v.get("IsDefaultVersion") == Some(&Value::Bool(true)))
        .map(|v| v.get("VersionId").and_then(Value::as_str).unwrap_or("?"))
        .collect();
    let disagreement = match (flagged.as_slice(), default_id) {
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
    };
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

/// What of an unused set can matter to a policy: by service (lowercase), the
/// literal parts (lowercase) of its Allow entries. `None` when an Allow
/// statement may grant actions of any service (`NotAction`, or an entry such
/// as `*` or `s3*:Get*` whose service is not fixed).
type Scope = BTreeMap<String, Vec<String>>;

fn scope_of(policy: &Policy) -> Option<Scope> {
    let mut scope = Scope::new();
    for statement in policy.statements() {
        if statement.effect() != Effect::Allow {
            continue;
        }
        if statement.key() == ActionKey::NotAction {
            return None;
        }
        for entry in statement.entries() {
            let pattern = Pattern::new(entry);
            let service = if pattern.is_literal() {
                // A literal without a colon matches no action.
                match entry.split_once(':') {
                    Some((service, _)) => service,
                    None => continue,
                }
            } else {
                pattern.fixed_service()?
            };
            scope
                .entry(service.to_ascii_lowercase())
                .or_default()
                .push(pattern.literal_prefix().to_ascii_lowercase());
        }
    }
    Some(scope)
}

/// The part of `unused` that the policy's entries can match: whole services it
/// names, and actions that start with the literal part of one of its entries.
/// An unused action no entry matches changes nothing in the refinement (it can
/// start no prefix an entry covers), so leaving it out changes no result; it
/// only spares the engine scanning it, and makes more pairs identical.
fn project(unused: &UnusedSet, scope: &Scope) -> UnusedSet {
    let mut out = UnusedSet::new();
    for service in unused.services() {
        if scope.contains_key(&service.name) {
            out.insert_service(&service.name, service.last_accessed.clone());
        }
    }
    for action in unused.actions() {
        if action_in_scope(&action.name, scope) {
            out.insert(action.clone());
        }
    }
    out
}

/// Whether an unused action starts with the literal part of an entry of its service.
fn action_in_scope(name: &str, scope: &Scope) -> bool {
    let service = crate::table::split_action(name).0;
    // A set's names have their service lowercased already (see
    // `UnusedSet::insert_action`), so most lookups need no lowercased copy.
    let prefixes = match scope.get(service) {
        Some(prefixes) => prefixes,
        None if service.bytes().any(|b| b.is_ascii_uppercase()) => {
            match scope.get(&service.to_ascii_lowercase()) {
                Some(prefixes) => prefixes,
                None => return false,
            }
        }
        None => return false,
    };
    prefixes
        .iter()
        .any(|p| crate::table::starts_with_ci(name, p))
}

/// `unused_key(&project(unused, scope))`, without building the projection.
fn projected_key(unused: &UnusedSet, scope: &Scope) -> String {
    let mut key = String::new();
    for service in unused.services() {
        if scope.contains_key(&service.name) {
            key.push_str(&service.name);
            key.push_str(":*\n");
        }
    }
    for action in unused.actions() {
        if action_in_scope(&action.name, scope) {
            key.push_str(&action.name.to_ascii_lowercase());
            key.push('\n');
        }
    }
    key
}

/// A canonical text of an unused set, for telling identical sets apart cheaply.
fn unused_key(set: &UnusedSet) -> String {
    let mut key = String::new();
    for service in set.services() {
        key.push_str(&service.name);
        key.push_str(":*\n");
    }
    for action in set.actions() {
        key.push_str(&action.name.to_ascii_lowercase());
        key.push('\n');
    }
    key
}

/// How many actions, by their primary access level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LevelCounts {
    /// All of them.
    pub total: usize,
    /// Permissions management.
    pub permissions_management: usize,
    /// Write.
    pub write: usize,
    /// Tagging.
    pub tagging: usize,
    /// List.
    pub list: usize,
    /// Read.
    pub read: usize,
    /// Not in the catalog, so of no known level.
    pub unknown: usize,
}

impl LevelCounts {
    fn add(&mut self, level: Option<AccessLevel>) {
        self.total += 1;
        match level.map(AccessLevel::primary) {
            None => self.unknown += 1,
            Some(AccessLevel::PERMISSIONS_MANAGEMENT) => self.permissions_management += 1,
            Some(AccessLevel::WRITE) => self.write += 1,
            Some(AccessLevel::TAGGING) => self.tagging += 1,
            Some(AccessLevel::LIST) => self.list += 1,
            Some(_) => self.read += 1,
        }
    }
}

/// The known actions the Allow statements of `policy` grant, sorted.
pub fn granted<'k>(policy: &Policy, known: &'k Known<'_>) -> BTreeSet<&'k str> {
    let mut out = BTreeSet::new();
    let mut everything: Option<Vec<&'k str>> = None;
    for statement in policy.statements() {
        if statement.effect() != Effect::Allow {
            continue;
        }
        let patterns: Vec<Pattern> = statement
            .entries()
            .iter()
            .map(|e| Pattern::new(e))
            .collect();
        match statement.key() {
            ActionKey::Action => {
                for pattern in &patterns {
                    if pattern.is_literal() {
                        out.extend(known.canonical(pattern.as_str()));
                        continue;
                    }
                    for action in known.with_prefix(pattern.literal_prefix()) {
                        if pattern.matches(action) {
                            out.insert(action);
                        }
                    }
                }
            }
            ActionKey::NotAction => {
                let all = everything.get_or_insert_with(|| known.all());
                for action in all.iter() {
                    if !patterns.iter().any(|p| p.matches(action)) {
                        out.insert(*action);
                    }
                }
            }
        }
    }
    out
}

/// The known actions `original` grants and `refined` does not, counted by level.
pub fn removed_counts(original: &Policy, refined: &Policy, known: &Known<'_>) -> LevelCounts {
    let before = granted(original, known);
    let after = granted(refined, known);
    let mut counts = LevelCounts::default();
    for action in before.difference(&after) {
        counts.add(known.table().get(action).map(|a| a.access));
    }
    counts
}

/// A policy refined against one unused set, with what it costs.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The refined policy.
    pub policy: Policy,
    /// The engine's edits.
    pub edits: Vec<Edit>,
    /// The engine's diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// The known actions it no longer grants, by level.
    pub removed: LevelCounts,
    /// Its size after, white space not counted.
    pub size: usize,
}

impl Outcome {
    /// Whether anything changed.
    pub fn changed(&self) -> bool {
        !self.edits.is_empty()
    }

    /// `DETACH_POLICY` when nothing remains, else `CREATE_POLICY`.
    pub fn recommended_action(&self) -> RecommendedAction {
        RecommendedAction::for_refined(&self.policy)
    }
}

/// Which policy of the account.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyRef {
    /// An inline policy: the entity that has it (index into [`Account::entities`]) and its name.
    Inline {
        /// The owner.
        entity: usize,
        /// `PolicyName`.
        name: String,
    },
    /// A managed policy, by ARN.
    Managed(String),
}

/// What sort of policy it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicySource {
    /// An inline policy of a role, user or group.
    Inline,
    /// A customer managed policy.
    CustomerManaged,
    /// An AWS managed policy: it cannot be edited.
    AwsManaged,
}

/// What the plan does with a policy.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "decision")]
pub enum Decision {
    /// Nothing in it is unused by all its holders.
    Keep,
    /// Inline: put the refined document in its place.
    PutInline,
    /// Inline: nothing of it is used; delete it.
    DeleteInline,
    /// Customer managed: a new default version holding the refinement.
    NewVersion,
    /// Managed: nothing of it is used; detach it from every entity that attaches it.
    Detach,
    /// Managed but not editable here (AWS managed, or a permissions boundary
    /// elsewhere): create a customer managed policy holding the refinement,
    /// attach it where the old one is attached, then detach the old one.
    Replace {
        /// The new policy's name.
        new_name: String,
    },
    /// Its document could not be read.
    Skipped {
        /// Why.
        reason: String,
    },
}

impl Decision {
    /// A short word for tables.
    pub fn label(&self) -> &'static str {
        match self {
            Decision::Keep => "keep",
            Decision::PutInline => "put-inline",
            Decision::DeleteInline => "delete-inline",
            Decision::NewVersion => "new-version",
            Decision::Detach => "detach",
            Decision::Replace { .. } => "replace",
            Decision::Skipped { .. } => "skipped",
        }
    }

    /// Whether the plan changes the account for this policy.
    pub fn changes(&self) -> bool {
        !matches!(self, Decision::Keep | Decision::Skipped { .. })
    }
}

/// The size quota a refined policy is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct QuotaCheck {
    /// Which quota.
    pub kind: PolicyKind,
    /// Its limit.
    pub limit: usize,
    /// What counts against it after the plan: this policy's size for a managed
    /// policy, all the owner's inline policies together for an inline one.
    pub used: usize,
}

impl QuotaCheck {
    /// Whether the result would not fit.
    pub fn over(&self) -> bool {
        self.used > self.limit
    }
}

/// One policy of the account that some principal with a finding holds.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyPlan {
    /// Which policy.
    pub reference: PolicyRef,
    /// Its name.
    pub name: String,
    /// Its ARN, for a managed policy.
    pub arn: Option<String>,
    /// Its sort.
    pub source: PolicySource,
    /// The entities that own it (inline) or attach it (managed), by index.
    pub attachments: Vec<usize>,
    /// The roles and users that hold it, directly or through a group, by index.
    pub holders: Vec<usize>,
    /// The holders with no active `UnusedPermission` finding: they count as using everything.
    pub without_finding: Vec<usize>,
    /// What happens to it.
    pub decision: Decision,
    /// The document as it is now (`None` when it could not be read).
    pub original: Option<Policy>,
    /// Its size now.
    pub size_before: usize,
    /// The refinement against the intersection of the holders' unused sets.
    pub outcome: Option<Arc<Outcome>>,
    /// The quota the result is checked against.
    pub quota: Option<QuotaCheck>,
    /// For a managed policy with five versions, the version to delete first.
    pub delete_version: Option<String>,
    /// Whether it is a customer managed policy that is also a permissions boundary.
    pub used_as_boundary: bool,
}

impl PolicyPlan {
    /// Whether several principals hold it.
    pub fn is_shared(&self) -> bool {
        self.holders.len() > 1
    }
}

/// How a principal holds a policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Holding {
    /// The policy, by index into [`Plan::policies`].
    pub policy: usize,
    /// The group it comes through, by entity index, if any.
    pub via: Option<usize>,
    /// For a shared policy, this principal's own refinement when it differs
    /// from the shared one.
    pub alternative: Option<Arc<Outcome>>,
}

/// A role or user with an active `UnusedPermission` finding.
#[derive(Clone, Debug, PartialEq)]
pub struct PrincipalPlan {
    /// The principal, by entity index.
    pub entity: usize,
    /// The ids of the findings behind its unused set.
    pub finding_ids: Vec<String>,
    /// Its unused set (the intersection, when several findings disagree).
    pub unused: UnusedSet,
    /// Every policy it holds: its inline policies, its attached managed
    /// policies, then its groups' policies.
    pub holdings: Vec<Holding>,
}

/// A finding that is reported as such: unused roles, access keys, passwords.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OtherFinding {
    /// `id`.
    pub id: String,
    /// `findingType`.
    pub finding_type: String,
    /// `resource`.
    pub resource: String,
    /// The entity, when the details have it.
    #[serde(skip)]
    pub entity: Option<usize>,
}

/// How many findings were read, and what became of them.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FindingCounts {
    /// Findings read.
    pub read: usize,
    /// Active `UnusedPermission` findings applied.
    pub unused_permission: usize,
    /// Active unused role, access key and password findings, reported.
    pub reported: usize,
    /// `ARCHIVED` findings, ignored.
    pub archived: usize,
    /// `RESOLVED` findings, ignored.
    pub resolved: usize,
    /// Findings of other types (external or internal access), ignored.
    pub other_type: usize,
    /// Active findings whose principal is not in the details, ignored.
    pub unknown_principal: usize,
    /// Active findings for principals of another account than the details', ignored.
    pub other_account: usize,
    /// Findings read twice (the same id and content), counted once.
    pub duplicate: usize,
}

/// The plan for the whole account.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The principals with an active `UnusedPermission` finding, in the details' order.
    pub principals: Vec<PrincipalPlan>,
    /// The policies they hold, in the order first met.
    pub policies: Vec<PolicyPlan>,
    /// Unused roles, access keys and passwords.
    pub other_findings: Vec<OtherFinding>,
    /// What became of the findings.
    pub counts: FindingCounts,
    /// What could not be read or applied.
    pub diagnostics: Vec<AccountDiagnostic>,
}

/// The distinct (policy, unused set) pairs to refine: accounts repeat both a
/// lot (one AWS managed policy on hundreds of roles, one inline policy copied
/// to every role of a workload), and each pair needs its K, its refinement and
/// its expansion only once.
struct Jobs<'p> {
    /// Policy text to id.
    policies: HashMap<String, usize>,
    /// By policy id, what of an unused set can matter to it.
    scopes: Vec<Option<Scope>>,
    /// Unused-set text to id.
    sets: HashMap<String, usize>,
    /// (policy id, set id) to job index.
    index: HashMap<(usize, usize), usize>,
    /// The pairs, in the order first asked for.
    pairs: Vec<Job<'p>>,
}

/// One pair to refine.
struct Job<'p> {
    policy: &'p Policy,
    /// Its policy id, for its scope.
    policy_id: usize,
    set: JobSet<'p>,
}

/// A job's unused set. A principal's own set is projected again when the job
/// runs rather than held projected by every job until all have run (those
/// copies were as large as the findings); a set made for the job (an
/// intersection) is kept projected.
enum JobSet<'p> {
    Projected(UnusedSet),
    Source(&'p UnusedSet),
}

impl Job<'_> {
    /// The set to refine against.
    fn unused<'a>(&'a self, scopes: &[Option<Scope>]) -> Cow<'a, UnusedSet> {
        match &self.set {
            JobSet::Projected(set) => Cow::Borrowed(set),
            JobSet::Source(set) => match scopes.get(self.policy_id).and_then(Option::as_ref) {
                Some(scope) => Cow::Owned(project(set, scope)),
                None => Cow::Borrowed(set),
            },
        }
    }
}

impl<'p> Jobs<'p> {
    fn new() -> Jobs<'p> {
        Jobs {
            policies: HashMap::new(),
            scopes: Vec::new(),
            sets: HashMap::new(),
            index: HashMap::new(),
            pairs: Vec::new(),
        }
    }

    /// The policy's id, computed once per plan (its text is the key).
    fn policy_id(&mut self, policy: &Policy) -> usize {
        let next = self.policies.len();
        let scopes = &mut self.scopes;
        *self
            .policies
            .entry(policy.to_compact_string())
            .or_insert_with(|| {
                scopes.push(scope_of(policy));
                next
            })
    }

    /// The pairs and the scopes, the rest dropped.
    fn into_parts(self) -> (Vec<Job<'p>>, Vec<Option<Scope>>) {
        (self.pairs, self.scopes)
    }

    /// The job refining `policy` (of id `policy_id`) against `unused`.
    fn job(&mut self, policy: &'p Policy, policy_id: usize, unused: Cow<'p, UnusedSet>) -> usize {
        // A finding covers every policy of its principal; each policy only
        // needs the part of it that its entries can match (see `project`).
        let scope = self.scopes.get(policy_id).and_then(Option::as_ref);
        // A principal's own set is projected when its job runs; here its key
        // is enough. A set made for this job is kept projected.
        let projected = match (&unused, scope) {
            (Cow::Owned(set), Some(scope)) => Some(project(set, scope)),
            _ => None,
        };
        let key = match (&projected, scope) {
            (Some(projected), _) => unused_key(projected),
            (None, Some(scope)) => projected_key(&unused, scope),
            (None, None) => unused_key(&unused),
        };
        let next = self.sets.len();
        let set_id = *self.sets.entry(key).or_insert(next);
        let next = self.pairs.len();
        *self.index.entry((policy_id, set_id)).or_insert_with(|| {
            let set = match (unused, projected) {
                (Cow::Borrowed(source), _) => JobSet::Source(source),
                (Cow::Owned(_), Some(projected)) => JobSet::Projected(projected),
                (Cow::Owned(set), None) => JobSet::Projected(set),
            };
            self.pairs.push(Job {
                policy,
                policy_id,
                set,
            });
            next
        })
    }
}

/// Refines one pair and measures what it removes.
fn run_job(
    policy: &Policy,
    unused: &UnusedSet,
    table: ActionTable<'_>,
    options: &Options,
) -> Outcome {
    let known = Known::new(table, [policy], unused);
    let refinement = refine::refine_with(policy, unused, &known, options);
    let removed = if refinement.changed() {
        removed_counts(policy, &refinement.policy, &known)
    } else {
        LevelCounts::default()
    };
    Outcome {
        size: refinement.policy.size(),
        policy: refinement.policy,
        edits: refinement.edits,
        diagnostics: refinement.diagnostics,
        removed,
    }
}

/// Runs every job on `threads` threads (the pairs are independent), reporting
/// progress from the calling thread, which works too.
fn run_jobs(
    pairs: &[Job<'_>],
    scopes: &[Option<Scope>],
    table: ActionTable<'_>,
    options: &Options,
    threads: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Vec<Arc<Outcome>> {
    let total = pairs.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let work = |report: &mut dyn FnMut(usize)| {
        let mut out = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(job) = pairs.get(i) else {
                break;
            };
            let unused = job.unused(scopes);
            out.push((i, run_job(job.policy, &unused, table, options)));
            report(done.fetch_add(1, Ordering::Relaxed) + 1);
        }
        out
    };
    let mut results: Vec<Option<Arc<Outcome>>> = vec![None; total];
    progress(0, total);
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads.max(1).min(total.max(1)))
            .map(|_| scope.spawn(|| work(&mut |_| {})))
            .collect();
        let mine = work(&mut |d| progress(d, total));
        let theirs = helpers.into_iter().filter_map(|h| h.join().ok());
        for (i, outcome) in std::iter::once(mine).chain(theirs).flatten() {
            if let Some(slot) = results.get_mut(i) {
                *slot = Some(Arc::new(outcome));
            }
        }
    });
    progress(total, total);
    // A helper that died leaves holes; fill them here rather than lose the run.
    results
        .into_iter()
        .zip(pairs)
        .map(|(result, job)| {
            result.unwrap_or_else(|| {
                Arc::new(run_job(job.policy, &job.unused(scopes), table, options))
            })
        })
        .collect()
}

/// How to plan an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanOptions {
    /// How to refine each policy.
    pub refine: Options,
    /// How many threads refine at once (the caller knows the machine; the
    /// engine does not look).
    pub threads: usize,
}

impl Default for PlanOptions {
    fn default() -> PlanOptions {
        PlanOptions {
            refine: Options::default(),
            threads: 1,
        }
    }
}

/// Plans the account: `progress(done, total)` is called as policies are refined.
pub fn plan(
    account: &Account,
    findings: &[Finding],
    table: ActionTable<'_>,
    options: &PlanOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Plan {
    plan_from(account, Cow::Borrowed(findings), table, options, progress)
}

/// [`plan`], taking the findings: each principal's unused set is moved out of
/// its finding rather than copied, so a caller that is done with the findings
/// does not hold every set twice.
pub fn plan_owned(
    account: &Account,
    findings: Vec<Finding>,
    table: ActionTable<'_>,
    options: &PlanOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Plan {
    plan_from(account, Cow::Owned(findings), table, options, progress)
}

fn plan_from(
    account: &Account,
    findings: Cow<'_, [Finding]>,
    table: ActionTable<'_>,
    options: &PlanOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Plan {
    let mut diagnostics = account.diagnostics.clone();
    let mut counts = FindingCounts::default();
    let by_arn: HashMap<&str, usize> = account
        .entities
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind != EntityKind::Group)
        .map(|(i, e)| (e.arn.as_str(), i))
        .collect();

    // The findings, per principal. A principal's set borrows its finding's
    // until a second finding makes it an intersection: copies of every
    // finding's set were a large part of the plan's memory. The index is the
    // finding's while the set is still its.
    type Sets<'f> = BTreeMap<usize, (Vec<String>, Cow<'f, UnusedSet>, Option<usize>)>;
    let mut unused_of: Sets<'_> = BTreeMap::new();
    let mut seen: HashMap<&str, &Finding> = HashMap::new();
    let mut other_findings = Vec::new();
    for (n, finding) in findings.iter().enumerate() {
        counts.read += 1;
        if !finding.id.is_empty() {
            if let Some(earlier) = seen.get(finding.id.as_str()) {
                if *earlier == finding {
                    counts.duplicate += 1;
                    continue;
                }
            } else {
                seen.insert(&finding.id, finding);
            }
        }
        match finding.status.as_str() {
            "ARCHIVED" => {
                counts.archived += 1;
                continue;
            }
            "RESOLVED" => {
                counts.resolved += 1;
                continue;
            }
            _ => {}
        }
        let unused_access = matches!(
            finding.finding_type.as_str(),
            "UnusedPermission"
                | "UnusedIAMRole"
                | "UnusedIAMUserAccessKey"
                | "UnusedIAMUserPassword"
        );
        if !unused_access {
            counts.other_type += 1;
            diagnostics.push(AccountDiagnostic {
                code: AccountCode::IgnoredFindingType,
                subject: finding_subject(finding),
                message: format!(
                    "findings of type `{}` say nothing about unused access; ignored",
                    finding.finding_type
                ),
            });
            continue;
        }
        let Some(entity) = account.find_principal(&finding.resource, &by_arn) else {
            if account.is_other_account(&finding.resource) {
                counts.other_account += 1;
                diagnostics.push(AccountDiagnostic {
                    code: AccountCode::OtherAccount,
                    subject: finding_subject(finding),
                    message: format!(
                        "the finding is for `{}`, a principal of another account than the details'; findings are per principal, so it is not applied",
                        finding.resource
                    ),
                });
                continue;
            }
            counts.unknown_principal += 1;
            diagnostics.push(AccountDiagnostic {
                code: AccountCode::UnknownPrincipal,
                subject: finding_subject(finding),
                message: format!(
                    "the finding is for `{}`, which is not a role or user of the account details; ignored",
                    finding.resource
                ),
            });
            continue;
        };
        if finding.finding_type != "UnusedPermission" {
            counts.reported += 1;
            other_findings.push(OtherFinding {
                id: finding.id.clone(),
                finding_type: finding.finding_type.clone(),
                resource: finding.resource.clone(),
                entity: Some(entity),
            });
            continue;
        }
        counts.unused_permission += 1;
        match unused_of.get_mut(&entity) {
            None => {
                unused_of.insert(
                    entity,
                    (
                        vec![finding.id.clone()],
                        Cow::Borrowed(&finding.unused),
                        Some(n),
                    ),
                );
            }
            Some((ids, set, from)) => {
                // Two analyzers (or two runs) disagree: only what both call unused is.
                diagnostics.push(AccountDiagnostic {
                    code: AccountCode::SeveralFindings,
                    subject: finding_subject(finding),
                    message: format!(
                        "{} has several active `UnusedPermission` findings; only what all of them list is taken as unused",
                        entity_label(account, entity)
                    ),
                });
                ids.push(finding.id.clone());
                *set = Cow::Owned(set.intersection(&finding.unused));
                *from = None;
            }
        }
    }

    // Who holds what.
    let group_index: HashMap<&str, usize> = account
        .entities
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == EntityKind::Group)
        .map(|(i, e)| (e.name.as_str(), i))
        .collect();
    let managed_index: HashMap<&str, usize> = account
        .managed
        .iter()
        .enumerate()
        .map(|(i, p)| (p.arn.as_str(), i))
        .collect();
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, entity) in account.entities.iter().enumerate() {
        for group in &entity.groups {
            match group_index.get(group.as_str()) {
                Some(&g) => members.entry(g).or_default().push(i),
                None if unused_of.contains_key(&i) => diagnostics.push(AccountDiagnostic {
                    code: AccountCode::UnknownGroup,
                    subject: entity.arn.clone(),
                    message: format!(
                        "{} is in the group `{group}`, which is not in `GroupDetailList`; that group's policies are not planned",
                        entity.label()
                    ),
                }),
                None => {}
            }
        }
    }
    let mut attachers: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, entity) in account.entities.iter().enumerate() {
        for arn in &entity.attached {
            let list = attachers.entry(arn.as_str()).or_default();
            if !list.contains(&i) {
                list.push(i);
            }
        }
    }
    let holders_of = |attachments: &[usize]| -> Vec<usize> {
        let mut holders = BTreeSet::new();
        for &a in attachments {
            match account.entities.get(a).map(|e| e.kind) {
                Some(EntityKind::Group) => {
                    holders.extend(members.get(&a).into_iter().flatten().copied());
                }
                Some(_) => {
                    holders.insert(a);
                }
                None => {}
            }
        }
        holders.into_iter().collect()
    };

    // The policies each principal with a finding holds, in order.
    let mut policies: Vec<PolicyPlan> = Vec::new();
    let mut policy_index: HashMap<PolicyRef, usize> = HashMap::new();
    let mut missing_reported: BTreeSet<&str> = BTreeSet::new();
    let mut principals = Vec::new();
    for (&entity_index, (ids, _, _)) in &unused_of {
        let Some(entity) = account.entities.get(entity_index) else {
            continue;
        };
        let mut refs: Vec<(PolicyRef, Option<usize>)> = Vec::new();
        let mut owners: Vec<(usize, Option<usize>)> = vec![(entity_index, None)];
        for group in &entity.groups {
            if let Some(&g) = group_index.get(group.as_str()) {
                owners.push((g, Some(g)));
            }
        }
        for (owner, via) in owners {
            let Some(owner_entity) = account.entities.get(owner) else {
                continue;
            };
            for inline in &owner_entity.inline {
                refs.push((
                    PolicyRef::Inline {
                        entity: owner,
                        name: inline.name.clone(),
                    },
                    via,
                ));
            }
            for arn in &owner_entity.attached {
                let reference = PolicyRef::Managed(arn.clone());
                if refs.iter().any(|(r, _)| *r == reference) {
                    continue;
                }
                if !managed_index.contains_key(arn.as_str()) {
                    if missing_reported.insert(arn) {
                        diagnostics.push(AccountDiagnostic {
                            code: AccountCode::UnknownManagedPolicy,
                            subject: arn.clone(),
                            message: format!(
                                "{} attaches `{arn}`, which is not in `Policies`; it is left as it is",
                                owner_entity.label()
                            ),
                        });
                    }
                    continue;
                }
                refs.push((reference, via));
            }
        }
        let mut holdings = Vec::with_capacity(refs.len());
        for (reference, via) in refs {
            let index = match policy_index.get(&reference) {
                Some(&i) => i,
                None => {
                    let plan = new_policy_plan(account, &reference, &attachers, &managed_index);
                    let Some(mut plan) = plan else { continue };
                    plan.holders = holders_of(&plan.attachments);
                    plan.without_finding = plan
                        .holders
                        .iter()
                        .copied()
                        .filter(|h| !unused_of.contains_key(h))
                        .collect();
                    policies.push(plan);
                    policy_index.insert(reference, policies.len() - 1);
                    policies.len() - 1
                }
            };
            holdings.push(Holding {
                policy: index,
                via,
                alternative: None,
            });
        }
        // Its unused set is filled in once the refinements are done, so that
        // it is not held twice while they run.
        principals.push(PrincipalPlan {
            entity: entity_index,
            finding_ids: ids.clone(),
            unused: UnusedSet::new(),
            holdings,
        });
    }

    // Refine each policy against what all its holders leave unused, and each
    // holder's own list against every shared policy it holds.
    let mut jobs = Jobs::new();
    let mut policy_ids = Vec::with_capacity(policies.len());
    let mut shared_jobs: Vec<Option<usize>> = Vec::with_capacity(policies.len());
    for plan in &policies {
        let Some(original) = plan.original.as_ref() else {
            policy_ids.push(None);
            shared_jobs.push(None);
            continue;
        };
        let id = jobs.policy_id(original);
        policy_ids.push(Some(id));
        let effective = if plan.without_finding.is_empty() {
            let mut sets = plan
                .holders
                .iter()
                .filter_map(|h| unused_of.get(h).map(|(_, set, _)| set.as_ref()));
            // One holder (most inline policies): its own set, not a copy.
            match (sets.next(), sets.next()) {
                (None, _) => Cow::Owned(UnusedSet::new()),
                (Some(first), None) => Cow::Borrowed(first),
                (Some(first), Some(second)) => Cow::Owned(
                    sets.fold(first.intersection(second), |acc, set| acc.intersection(set)),
                ),
            }
        } else {
            Cow::Owned(UnusedSet::new())
        };
        shared_jobs.push(Some(jobs.job(original, id, effective)));
    }
    let mut own_jobs: Vec<Vec<Option<usize>>> = Vec::with_capacity(principals.len());
    for principal in &principals {
        let mut row = Vec::with_capacity(principal.holdings.len());
        let unused = unused_of
            .get(&principal.entity)
            .map(|(_, set, _)| set.as_ref());
        for holding in &principal.holdings {
            let plan = policies.get(holding.policy);
            let id = policy_ids.get(holding.policy).copied().flatten();
            row.push(match (plan, id, unused) {
                (Some(plan), Some(id), Some(unused)) if plan.is_shared() => plan
                    .original
                    .as_ref()
                    .map(|original| jobs.job(original, id, Cow::Borrowed(unused))),
                _ => None,
            });
        }
        own_jobs.push(row);
    }
    // The texts that told identical policies and sets apart are done with.
    let (pairs, scopes) = jobs.into_parts();
    let outcomes = run_jobs(
        &pairs,
        &scopes,
        table,
        &options.refine,
        options.threads,
        progress,
    );
    drop((pairs, scopes));
    // Each principal's set: moved out of its finding when the findings are
    // ours, else copied.
    let mut sets: BTreeMap<usize, Result<usize, UnusedSet>> = BTreeMap::new();
    for (entity, (_, set, from)) in unused_of {
        let set = match (set, from) {
            (Cow::Borrowed(_), Some(n)) => Ok(n),
            (set, _) => Err(set.into_owned()),
        };
        sets.insert(entity, set);
    }
    let mut findings = findings;
    for principal in &mut principals {
        principal.unused = match sets.remove(&principal.entity) {
            Some(Err(set)) => set,
            Some(Ok(n)) => match &mut findings {
                Cow::Owned(list) => list
                    .get_mut(n)
                    .map(|f| std::mem::take(&mut f.unused))
                    .unwrap_or_default(),
                Cow::Borrowed(list) => list.get(n).map(|f| f.unused.clone()).unwrap_or_default(),
            },
            None => UnusedSet::new(),
        };
    }
    drop(findings);

    let taken: BTreeSet<String> = account
        .managed
        .iter()
        .map(|p| p.name.to_ascii_lowercase())
        .collect();
    let mut new_names: BTreeSet<String> = BTreeSet::new();
    for (plan, job) in policies.iter_mut().zip(&shared_jobs) {
        let Some(outcome) = job.and_then(|j| outcomes.get(j)) else {
            continue;
        };
        plan.decision = decide(plan, outcome, &taken, &mut new_names);
        if plan.used_as_boundary && plan.decision.changes() {
            diagnostics.push(AccountDiagnostic {
                code: AccountCode::UsedAsBoundary,
                subject: plan.arn.clone().unwrap_or_default(),
                message: format!(
                    "the customer managed policy `{}` is also a permissions boundary, which must not change; its refinement becomes a new policy",
                    plan.name
                ),
            });
        }
        plan.outcome = Some(Arc::clone(outcome));
    }
    for (principal, row) in principals.iter_mut().zip(&own_jobs) {
        for (holding, job) in principal.holdings.iter_mut().zip(row) {
            let own = job.and_then(|j| outcomes.get(j));
            let shared = policies
                .get(holding.policy)
                .and_then(|p| p.outcome.as_ref());
            if let (Some(own), Some(shared)) = (own, shared) {
                if own.policy != shared.policy {
                    holding.alternative = Some(Arc::clone(own));
                }
            }
        }
    }

    check_quotas(account, &mut policies);
    Plan {
        principals,
        policies,
        other_findings,
        counts,
        diagnostics,
    }
}

fn finding_subject(finding: &Finding) -> String {
    if finding.id.is_empty() {
        format!("finding for `{}`", finding.resource)
    } else {
        format!("finding `{}`", finding.id)
    }
}

fn entity_label(account: &Account, index: usize) -> String {
    account
        .entities
        .get(index)
        .map_or_else(|| format!("entity {index}"), Entity::label)
}

fn new_policy_plan(
    account: &Account,
    reference: &PolicyRef,
    attachers: &BTreeMap<&str, Vec<usize>>,
    managed_index: &HashMap<&str, usize>,
) -> Option<PolicyPlan> {
    let skipped = |reason: &str| Decision::Skipped {
        reason: reason.to_string(),
    };
    match reference {
        PolicyRef::Inline { entity, name } => {
            let owner = account.entities.get(*entity)?;
            let inline = owner.inline.iter().find(|p| p.name == *name)?;
            Some(PolicyPlan {
                reference: reference.clone(),
                name: name.clone(),
                arn: None,
                source: PolicySource::Inline,
                attachments: vec![*entity],
                holders: Vec::new(),
                without_finding: Vec::new(),
                decision: Decision::Keep,
                size_before: inline.policy.size(),
                original: Some(inline.policy.clone()),
                outcome: None,
                quota: None,
                delete_version: None,
                used_as_boundary: false,
            })
        }
        PolicyRef::Managed(arn) => {
            let managed = account.managed.get(*managed_index.get(arn.as_str())?)?;
            let source = if managed.is_aws_managed() {
                PolicySource::AwsManaged
            } else {
                PolicySource::CustomerManaged
            };
            let decision = match (&managed.document, &managed.default_version) {
                (Some(_), _) => Decision::Keep,
                (None, None) => skipped("no default version"),
                (None, Some(_)) => skipped("unreadable document"),
            };
            Some(PolicyPlan {
                reference: reference.clone(),
                name: managed.name.clone(),
                arn: Some(arn.clone()),
                source,
                attachments: attachers.get(arn.as_str()).cloned().unwrap_or_default(),
                holders: Vec::new(),
                without_finding: Vec::new(),
                decision,
                size_before: managed.document.as_ref().map_or(0, Policy::size),
                original: managed.document.clone(),
                outcome: None,
                quota: None,
                delete_version: (managed.versions.len() >= 5)
                    .then(|| managed.oldest_non_default().map(str::to_string))
                    .flatten(),
                used_as_boundary: managed.used_as_boundary
                    && source == PolicySource::CustomerManaged,
            })
        }
    }
}

fn decide(
    plan: &PolicyPlan,
    outcome: &Outcome,
    taken: &BTreeSet<String>,
    new_names: &mut BTreeSet<String>,
) -> Decision {
    if !outcome.changed() {
        return Decision::Keep;
    }
    let nothing_left = outcome.recommended_action() == RecommendedAction::DetachPolicy;
    match (plan.source, nothing_left) {
        (PolicySource::Inline, true) => Decision::DeleteInline,
        (PolicySource::Inline, false) => Decision::PutInline,
        (_, true) => Decision::Detach,
        (PolicySource::CustomerManaged, false) if !plan.used_as_boundary => Decision::NewVersion,
        (_, false) => Decision::Replace {
            new_name: replacement_name(&plan.name, taken, new_names),
        },
    }
}

/// `pare-<Name>`, cut to IAM's length limit, made unique in the account.
fn replacement_name(
    name: &str,
    taken: &BTreeSet<String>,
    new_names: &mut BTreeSet<String>,
) -> String {
    let mut n = 1usize;
    loop {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        let room = MAX_POLICY_NAME.saturating_sub("pare-".len() + suffix.len());
        let base: String = name.chars().take(room).collect();
        let candidate = format!("pare-{base}{suffix}");
        let lower = candidate.to_ascii_lowercase();
        if !taken.contains(&lower) && !new_names.contains(&lower) {
            new_names.insert(lower);
            return candidate;
        }
        n += 1;
    }
}

/// Sets each plan's quota check: managed policies one by one, inline policies
/// per owner, all of the owner's inline policies together.
fn check_quotas(account: &Account, policies: &mut [PolicyPlan]) {
    let mut after: HashMap<(usize, &str), usize> = HashMap::new();
    for plan in policies.iter() {
        if let (PolicyRef::Inline { entity, name }, Some(outcome)) =
            (&plan.reference, &plan.outcome)
        {
            let size = if plan.decision == Decision::DeleteInline {
                0
            } else {
                outcome.size
            };
            after.insert((*entity, name.as_str()), size);
        }
    }
    let mut totals: HashMap<usize, usize> = HashMap::new();
    for plan in policies.iter() {
        if let PolicyRef::Inline { entity, .. } = &plan.reference {
            if totals.contains_key(entity) {
                continue;
            }
            let owner = account.entities.get(*entity);
            let total = owner.into_iter().flat_map(|e| &e.inline).map(|p| {
                after
                    .get(&(*entity, p.name.as_str()))
                    .copied()
                    .unwrap_or_else(|| p.policy.size())
            });
            totals.insert(*entity, total.sum());
        }
    }
    for plan in policies.iter_mut() {
        let Some(outcome) = &plan.outcome else {
            continue;
        };
        plan.quota = match &plan.reference {
            PolicyRef::Inline { entity, .. } => {
                let kind = account
                    .entities
                    .get(*entity)
                    .map_or(PolicyKind::RoleInline, |e| e.kind.inline_kind());
                kind.quota().map(|limit| QuotaCheck {
                    kind,
                    limit,
                    used: totals.get(entity).copied().unwrap_or(0),
                })
            }
            // An AWS managed policy has no quota of its own; its replacement does.
            PolicyRef::Managed(_) => Some(QuotaCheck {
                kind: PolicyKind::Managed,
                limit: MANAGED_QUOTA,
                used: if matches!(plan.decision, Decision::Detach) {
                    0
                } else {
                    outcome.size
                },
            }),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::KnownAction;

    const ROWS: &[KnownAction] = &[
        KnownAction::new_static("iam:PassRole", AccessLevel::WRITE, true),
        KnownAction::new_static(
            "iam:PutRolePolicy",
            AccessLevel::PERMISSIONS_MANAGEMENT,
            true,
        ),
        KnownAction::new_static("s3:DeleteObject", AccessLevel::WRITE, true),
        KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
        KnownAction::new_static("s3:GetObjectAcl", AccessLevel::READ, true),
        KnownAction::new_static("s3:ListBucket", AccessLevel::LIST, true),
        KnownAction::new_static("s3:PutObject", AccessLevel::WRITE, true),
    ];

    fn table() -> ActionTable<'static> {
        ActionTable::new(ROWS).unwrap()
    }

    fn doc(actions: &[&str]) -> Value {
        serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
    }

    fn finding(id: &str, arn: &str, status: &str, actions: &[&str]) -> Finding {
        let text = serde_json::json!({
            "id": id, "resource": arn, "status": status, "findingType": "UnusedPermission",
            "findingDetails": actions.iter().map(|a| {
                let (s, n) = a.split_once(':').unwrap();
                serde_json::json!({"unusedPermissionDetails": {"serviceNamespace": s, "actions": [{"action": n}]}})
            }).collect::<Vec<_>>()
        });
        crate::unused::parse_findings(&text.to_string())
            .unwrap()
            .remove(0)
    }

    fn details() -> String {
        let shared = "arn:aws:iam::111122223333:policy/Shared";
        serde_json::json!({
            "RoleDetailList": [
                {"RoleName": "a", "Arn": "arn:aws:iam::111122223333:role/a",
                 "AssumeRolePolicyDocument": doc(&["sts:AssumeRole"]),
                 "RolePolicyList": [{"PolicyName": "own", "PolicyDocument": doc(&["s3:GetObject", "s3:PutObject"])}],
                 "AttachedManagedPolicies": [{"PolicyName": "Shared", "PolicyArn": shared}]},
                {"RoleName": "b", "Arn": "arn:aws:iam::111122223333:role/b",
                 "RolePolicyList": [], "AttachedManagedPolicies": [{"PolicyName": "Shared", "PolicyArn": shared}]},
                {"RoleName": "c", "Arn": "arn:aws:iam::111122223333:role/c",
                 "RolePolicyList": [], "AttachedManagedPolicies": [{"PolicyName": "Shared", "PolicyArn": shared}]}
            ],
            "UserDetailList": [],
            "GroupDetailList": [],
            "Policies": [{"PolicyName": "Shared", "Arn": shared, "DefaultVersionId": "v2",
                "PolicyVersionList": [
                    {"VersionId": "v2", "IsDefaultVersion": true, "Document": doc(&["s3:GetObject", "s3:DeleteObject", "iam:PutRolePolicy"])},
                    {"VersionId": "v1", "IsDefaultVersion": false, "Document": doc(&["s3:GetObject"])}
                ]}]
        })
        .to_string()
    }

    #[test]
    fn shared_policies_lose_only_what_every_holder_leaves_unused() {
        let account = Account::parse(&details()).unwrap();
        assert!(account.diagnostics.is_empty(), "{:?}", account.diagnostics);
        let findings = [
            finding(
                "fa",
                "arn:aws:iam::111122223333:role/a",
                "ACTIVE",
                &["s3:PutObject", "s3:DeleteObject", "iam:PutRolePolicy"],
            ),
            finding(
                "fb",
                "arn:aws:iam::111122223333:role/b",
                "ACTIVE",
                &["s3:DeleteObject", "iam:PutRolePolicy"],
            ),
            finding(
                "fc",
                "arn:aws:iam::111122223333:role/c",
                "ACTIVE",
                &["iam:PutRolePolicy"],
            ),
        ];
        let plan = plan(
            &account,
            &findings,
            table(),
            &PlanOptions::default(),
            &mut |_, _| {},
        );
        assert_eq!(plan.principals.len(), 3);
        assert_eq!(plan.policies.len(), 2);
        let own = &plan.policies[0];
        assert_eq!(own.decision, Decision::PutInline);
        let shared = &plan.policies[1];
        assert_eq!(shared.holders, [0, 1, 2]);
        assert_eq!(shared.decision, Decision::NewVersion);
        let outcome = shared.outcome.as_ref().unwrap();
        assert_eq!(
            outcome.policy.statements()[0].entries(),
            ["s3:GetObject", "s3:DeleteObject"]
        );
        assert_eq!(outcome.removed.permissions_management, 1);
        assert_eq!(outcome.removed.total, 1);
        // Role a alone would also drop s3:DeleteObject; role c's own matches the shared one.
        let a_alt = plan.principals[0].holdings[1].alternative.as_ref().unwrap();
        assert_eq!(a_alt.policy.statements()[0].entries(), ["s3:GetObject"]);
        assert!(plan.principals[2].holdings[0].alternative.is_none());
    }

    #[test]
    fn same_named_roles_of_another_account_are_other_principals() {
        let account = Account::parse(&details()).unwrap();
        let findings = [
            // Role `a` of another account: counted and reported, never applied.
            finding(
                "other",
                "arn:aws:iam::222222222222:role/a",
                "ACTIVE",
                &["s3:GetObject"],
            ),
            // The same account, with a path the details do not show: still `a`.
            finding(
                "own",
                "arn:aws:iam::111122223333:role/team/a",
                "ACTIVE",
                &["s3:PutObject"],
            ),
        ];
        let plan = plan(
            &account,
            &findings,
            table(),
            &PlanOptions::default(),
            &mut |_, _| {},
        );
        assert_eq!(plan.counts.other_account, 1);
        assert_eq!(plan.counts.unknown_principal, 0);
        assert_eq!(plan.counts.unused_permission, 1);
        assert!(
            plan.diagnostics
                .iter()
                .any(|d| d.code == AccountCode::OtherAccount && d.message.contains("222222222222")),
            "{:?}",
            plan.diagnostics
        );
        assert_eq!(plan.principals.len(), 1);
        let own = &plan.policies[0];
        assert_eq!(
            own.outcome.as_ref().unwrap().policy.statements()[0].entries(),
            ["s3:GetObject"]
        );
    }

    #[test]
    fn taking_the_findings_plans_the_same() {
        let account = Account::parse(&details()).unwrap();
        let a = "arn:aws:iam::111122223333:role/a";
        let b = "arn:aws:iam::111122223333:role/b";
        let findings = vec![
            finding("fa", a, "ACTIVE", &["s3:PutObject", "iam:PutRolePolicy"]),
            finding("fb", b, "ACTIVE", &["s3:DeleteObject", "iam:PutRolePolicy"]),
            // A second finding for role a (an intersection) and a duplicate.
            finding("fa2", a, "ACTIVE", &["s3:PutObject", "s3:GetObject"]),
            finding("fb", b, "ACTIVE", &["s3:DeleteObject", "iam:PutRolePolicy"]),
        ];
        let options = PlanOptions::default();
        let borrowed = plan(&account, &findings, table(), &options, &mut |_, _| {});
        let owned = plan_owned(&account, findings, table(), &options, &mut |_, _| {});
        assert_eq!(owned, borrowed);
        assert_eq!(borrowed.counts.duplicate, 1);
        assert!(borrowed.principals[0].unused.contains("s3:PutObject"));
        assert!(!borrowed.principals[0].unused.contains("iam:PutRolePolicy"));
        assert!(borrowed.principals[1].unused.contains("s3:DeleteObject"));
    }

    #[test]
    fn a_holder_without_a_finding_keeps_a_shared_policy() {
        let account = Account::parse(&details()).unwrap();
        let findings = [
            finding(
                "fa",
                "arn:aws:iam::111122223333:role/a",
                "ACTIVE",
                &["iam:PutRolePolicy"],
            ),
            finding(
                "fb",
                "arn:aws:iam::111122223333:role/b",
                "ACTIVE",
                &["iam:PutRolePolicy"],
            ),
            finding(
                "fc",
                "arn:aws:iam::111122223333:role/c",
                "ARCHIVED",
                &["iam:PutRolePolicy"],
            ),
        ];
        let plan = plan(
            &account,
            &findings,
            table(),
            &PlanOptions::default(),
            &mut |_, _| {},
        );
        assert_eq!(plan.counts.archived, 1);
        let shared = &plan.policies[1];
        assert_eq!(shared.decision, Decision::Keep);
        assert_eq!(shared.without_finding, [2]);
        assert!(plan.principals[0].holdings[1].alternative.is_some());
    }

    #[test]
    fn aws_managed_policies_are_replaced_and_versions_counted() {
        let mut value: Value = serde_json::from_str(&details()).unwrap();
        value["RoleDetailList"][0]["AttachedManagedPolicies"] = serde_json::json!([{"PolicyName": "AmazonS3FullAccess", "PolicyArn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"}]);
        value["Policies"].as_array_mut().unwrap().push(serde_json::json!({
            "PolicyName": "AmazonS3FullAccess", "Arn": "arn:aws:iam::aws:policy/AmazonS3FullAccess",
            "DefaultVersionId": "v1",
            "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true,
                "Document": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D"}]
        }));
        let account = Account::parse(&value.to_string()).unwrap();
        let findings = [finding(
            "fa",
            "arn:aws:iam::111122223333:role/a",
            "ACTIVE",
            &["s3:DeleteObject"],
        )];
        let plan = plan(
            &account,
            &findings,
            table(),
            &PlanOptions::default(),
            &mut |_, _| {},
        );
        let aws = plan
            .policies
            .iter()
            .find(|p| p.source == PolicySource::AwsManaged)
            .unwrap();
        assert_eq!(
            aws.decision,
            Decision::Replace {
                new_name: "pare-AmazonS3FullAccess".into()
            }
        );
        assert_eq!(aws.outcome.as_ref().unwrap().removed.write, 1);
    }

    #[test]
    fn malformed_parts_are_diagnostics() {
        let mut value: Value = serde_json::from_str(&details()).unwrap();
        value["Policies"][0]["PolicyVersionList"][0]["IsDefaultVersion"] = Value::Bool(false);
        value["Policies"][0]["DefaultVersionId"] = Value::String("v9".into());
        value["RoleDetailList"][1]["RolePolicyList"] =
            serde_json::json!([{"PolicyName": "bad", "PolicyDocument": "%7B%ZZ"}]);
        let account = Account::parse(&value.to_string()).unwrap();
        let codes: Vec<AccountCode> = account.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [
                AccountCode::UnreadablePolicy,
                AccountCode::MissingDefaultVersion
            ]
        );
        assert_eq!(
            account.diagnostics[0].subject,
            "RoleDetailList[1].RolePolicyList[0].PolicyDocument"
        );
        let findings = [
            finding(
                "fa",
                "arn:aws:iam::111122223333:role/a",
                "ACTIVE",
                &["s3:PutObject"],
            ),
            finding(
                "fz",
                "arn:aws:iam::111122223333:role/zz",
                "ACTIVE",
                &["s3:PutObject"],
            ),
        ];
        let plan = plan(
            &account,
            &findings,
            table(),
            &PlanOptions::default(),
            &mut |_, _| {},
        );
        assert_eq!(plan.counts.unknown_principal, 1);
        assert_eq!(plan.policies[0].decision, Decision::PutInline);
        assert!(matches!(
            plan.policies[1].decision,
            Decision::Skipped { .. }
        ));
        let err = Account::parse("{\"RoleDetailList\": [").unwrap_err();
        assert!(matches!(
            err.location,
            Some(crate::Location::Text { line: 1, .. })
        ));
    }

    #[test]
    fn details_that_contradict_themselves_are_never_read_by_a_guess() {
        let base: Value = serde_json::from_str(&details()).unwrap();
        let refused = |edit: &dyn Fn(&mut Value), path: &str, words: &str| {
            let mut value = base.clone();
            edit(&mut value);
            let err = Account::parse(&value.to_string()).unwrap_err();
            assert_eq!(
                err.location,
                Some(crate::Location::Path(path.to_string())),
                "{err}"
            );
            assert!(err.message.contains(words), "{err}");
        };
        refused(
            &|v| v["RoleDetailList"][0]["RoleName"] = "a\nb".into(),
            "RoleDetailList[0].RoleName",
            "U+000A",
        );
        refused(
            &|v| v["Policies"][0]["Arn"] = "arn:aws:iam::1:policy/\u{1b}[2J".into(),
            "Policies[0].Arn",
            "U+001B",
        );
        refused(
            &|v| v["RoleDetailList"][0]["RolePolicyList"] = serde_json::json!({}),
            "RoleDetailList[0].RolePolicyList",
            "must be an array, found an object",
        );
        refused(
            &|v| v["Policies"][0]["PolicyVersionList"] = serde_json::json!("v1"),
            "Policies[0].PolicyVersionList",
            "must be an array",
        );
        refused(
            &|v| v["RoleDetailList"][0]["PermissionsBoundary"] = serde_json::json!("arn"),
            "RoleDetailList[0].PermissionsBoundary",
            "must be an object",
        );
        refused(
            &|v| {
                let mut twin = v["RoleDetailList"][0].clone();
                twin["RolePolicyList"] = serde_json::json!([]);
                v["RoleDetailList"].as_array_mut().unwrap().push(twin);
            },
            "RoleDetailList[3]",
            "listed twice, at `RoleDetailList[0]`",
        );

        refused(
            &|v| {
                let mut twin = v["RoleDetailList"][0]["RolePolicyList"][0].clone();
                twin["PolicyDocument"] = doc(&["s3:GetObject"]);
                v["RoleDetailList"][0]["RolePolicyList"]
                    .as_array_mut()
                    .unwrap()
                    .push(twin);
            },
            "RoleDetailList[0].RolePolicyList[1]",
            "the inline policy `own` of role/a is listed twice",
        );

        // An identical repeat is a warning, and the principal is read once.
        let mut value = base.clone();
        let twin = value["RoleDetailList"][0].clone();
        value["RoleDetailList"].as_array_mut().unwrap().push(twin);
        let account = Account::parse(&value.to_string()).unwrap();
        let plain = Account::parse(&base.to_string()).unwrap();
        assert_eq!(account.entities, plain.entities);
        assert_eq!(account.diagnostics[0].code, AccountCode::DuplicateEntry);

        // Two default versions: the policy is left as it is, with a warning.
        let mut value = base.clone();
        let mut second = value["Policies"][0]["PolicyVersionList"][0].clone();
        second["VersionId"] = "v3".into();
        value["Policies"][0]["PolicyVersionList"]
            .as_array_mut()
            .unwrap()
            .push(second);
        let account = Account::parse(&value.to_string()).unwrap();
        assert_eq!(
            account.diagnostics[0].code,
            AccountCode::AmbiguousDefaultVersion
        );
        assert!(account.managed[0].document.is_none());
        assert!(account.managed[0].default_version.is_none());
    }

    #[test]
    fn an_aws_managed_policy_nothing_of_which_is_used_is_detached() {
        let aws = "arn:aws:iam::aws:policy/AmazonS3FullAccess";
        let details = serde_json::json!({
            "RoleDetailList": [{"RoleName": "a", "Arn": "arn:aws:iam::111122223333:role/a",
                "AttachedManagedPolicies": [{"PolicyName": "AmazonS3FullAccess", "PolicyArn": aws}]}],
            "Policies": [{"PolicyName": "AmazonS3FullAccess", "Arn": aws, "DefaultVersionId": "v1",
                "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": doc(&["s3:*"])}]}]
        });
        let account = Account::parse(&details.to_string()).unwrap();
        let mut finding = finding("fa", "arn:aws:iam::111122223333:role/a", "ACTIVE", &[]);
        finding.unused.insert_service("s3", None);
        let plan = plan(
            &account,
            &[finding],
            table(),
            &PlanOptions::default(),
            &mut |_, _| {},
        );
        assert_eq!(plan.policies[0].decision, Decision::Detach);
        assert_eq!(plan.policies[0].attachments, [0]);
        // Every s3 action of the table is gone, by level.
        let removed = plan.policies[0].outcome.as_ref().unwrap().removed;
        assert_eq!((removed.total, removed.write, removed.list), (5, 2, 1));
    }

    #[test]
    fn intersection_handles_whole_services() {
        let mut a = UnusedSet::new();
        a.insert_service("s3", None);
        a.insert_action("iam:PassRole", None);
        let mut b = UnusedSet::new();
        b.insert_action("s3:GetObject", None);
        b.insert_action("iam:PutRolePolicy", None);
        let both = a.intersection(&b);
        assert!(both.contains("s3:GetObject"));
        assert!(!both.contains("s3:PutObject"));
        assert!(!both.contains("iam:PassRole"));
        assert!(!both.contains("iam:PutRolePolicy"));
        assert!(is_aws_managed_arn(
            "arn:aws-cn:iam::aws:policy/job-function/ViewOnlyAccess"
        ));
        assert!(!is_aws_managed_arn("arn:aws:iam::111122223333:policy/aws"));
    }
}
