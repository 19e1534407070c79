//! A whole account: who holds which policy, and the plan that takes out of each
//! policy what every principal holding it left unused.
//!
//! The input is `aws iam get-account-authorization-details` and what each
//! principal left unused ([`PrincipalUsage`]: from `get-finding-v2` findings,
//! or from any other usage source). A set is per principal, but a managed policy
//! (or a group's policy) can be held by several principals, so an action may
//! only leave such a policy when every holder's set lists it: the plan
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
//! use pare_engine::account::{self, Account, Decision, PlanOptions, PrincipalUsage};
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
//! let findings = pare_engine::parse_findings(finding).unwrap();
//! let usage = PrincipalUsage::from_findings(&account, findings);
//! let plan = account::plan(&account, &usage, table, &PlanOptions::default(), &mut |_, _| {});
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
use crate::refine::{self, Diagnostic, Edits, RecommendedAction, RefineOptions};
use crate::table::{AccessLevel, ActionTable};
use crate::unused::{Finding, UnusedSet};

mod decide;
mod details;
mod grants;
mod holdings;
mod jobs;
mod plan;
mod principal_usage;
mod scope;

#[cfg(test)]
mod tests;

use decide::*;
pub use details::{
    AccountIdError, account_of_arn, is_account_id, is_identity_center_role, permission_set_of,
};
pub use holdings::PrincipalLookupError;
use holdings::*;
use jobs::*;
pub use plan::{PlanOptions, plan, plan_owned};
pub use principal_usage::{PrincipalUnused, PrincipalUsage};
use scope::*;

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
    /// Two different active `UnusedPermission` findings, or sources of
    /// unused, for one principal.
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

/// The known actions the Allow statements of `policy` grant, sorted (by
/// bytes) and distinct: a vector, which a B-tree set was three times the
/// cost of building for every refined policy of an account.
pub fn granted<'k>(policy: &Policy, known: &'k Known<'_>) -> Vec<&'k str> {
    let mut out: Vec<&'k str> = policy
        .statements()
        .iter()
        .filter(|s| s.effect() == Effect::Allow)
        .flat_map(|s| known.granted_by(s))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The known actions `original` grants and `refined` does not, counted by level.
pub fn removed_counts(original: &Policy, refined: &Policy, known: &Known<'_>) -> LevelCounts {
    let before = granted(original, known);
    let after = granted(refined, known);
    let mut counts = LevelCounts::default();
    for action in before {
        if after.binary_search(&action).is_err() {
            counts.add(known.table().get(action).map(|a| a.access));
        }
    }
    counts
}

/// A policy refined against one unused set, with what it costs.
#[derive(Clone, Debug, PartialEq)]
pub struct RefinedPolicy {
    /// The refined policy.
    pub policy: Policy,
    /// The engine's edits.
    pub edits: Edits,
    /// The engine's diagnostics about the policy itself: a plan makes no
    /// remark about unused actions the policy does not grant or the catalog
    /// does not know (findings are per principal: they are expected).
    pub diagnostics: Vec<Diagnostic>,
    /// The known actions it no longer grants, by level.
    pub removed: LevelCounts,
    /// Its size after, white space not counted.
    pub size: usize,
}

impl RefinedPolicy {
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
    /// Its limit: IAM's, or the lower size the user set.
    pub limit: usize,
    /// Whether the limit is the user's `--max-policy-size` rather than IAM's.
    pub user_set: bool,
    /// What counts against it after the plan: this policy's size for a managed
    /// policy, all the owner's inline policies together for an inline one.
    pub used: usize,
}

impl QuotaCheck {
    /// What the limit is, for a report.
    pub fn describe(&self) -> &'static str {
        if self.user_set {
            "size set with --max-policy-size"
        } else {
            self.kind.describe()
        }
    }

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
    pub outcome: Option<Arc<RefinedPolicy>>,
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
    pub alternative: Option<Arc<RefinedPolicy>>,
}

/// A role or user with an active `UnusedPermission` finding.
#[derive(Clone, Debug, PartialEq)]
pub struct PrincipalPlan {
    /// The principal, by entity index.
    pub entity: usize,
    /// The ids of the findings, and the names of the other sources, behind
    /// its unused set ([`PrincipalUnused::sources`]).
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
    /// Findings read twice (the same id and content), counted once; and
    /// another source named twice for one principal.
    pub duplicate: usize,
    /// Sets of unused from the other sources (`--used`, `--last-accessed`,
    /// CloudTrail), one per principal and source, applied.
    pub other_sets: usize,
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
