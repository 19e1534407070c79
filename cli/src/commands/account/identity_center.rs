//! `--identity-center DIR`: IAM Identity Center permission sets, refined
//! across the accounts they are provisioned to.
//!
//! The bundle holds, per permission set, a directory of the `aws sso-admin`
//! outputs the README's collection script writes:
//!
//! ```text
//! DIR/<any name>/describe-permission-set.json                       {"PermissionSet": {"Name", "PermissionSetArn", ...}}
//! DIR/<any name>/get-inline-policy-for-permission-set.json          {"InlinePolicy": "<document text>"}
//! DIR/<any name>/list-managed-policies-in-permission-set.json       {"AttachedManagedPolicies": [{"Name", "Arn"}]}
//! DIR/<any name>/list-customer-managed-policy-references-in-permission-set.json
//!                                                                   {"CustomerManagedPolicyReferences": [{"Name", "Path"}]}
//! DIR/<any name>/list-accounts-for-provisioned-permission-set.json  {"AccountIds": ["111122223333", ...]}
//! ```
//!
//! Each account's `AWSReservedSSO_<Name>_<hash>` role is the permission set
//! `<Name>` provisioned there. The permission set's inline policy loses an
//! action only when its role in every account the set is provisioned to
//! leaves it unused (the shared-policy rule, across accounts): an account
//! outside the run, a role missing from an account's details, or a role
//! without a finding keeps everything. The plan changes the permission set
//! (`put-inline-policy-to-permission-set`, then `provision-permission-set`),
//! never the roles, which the accounts' plans leave alone.

use pare_engine::account::{is_account_id, permission_set_of, removed_counts};
use pare_engine::{Known, UnusedSet};
use serde::Serialize;

use super::org::AccountRoles;
use super::script::Script;
use super::*;

/// The files of one permission set's directory.
const DESCRIBE: &str = "describe-permission-set.json";
const INLINE: &str = "get-inline-policy-for-permission-set.json";
const MANAGED: &str = "list-managed-policies-in-permission-set.json";
const CUSTOMER: &str = "list-customer-managed-policy-references-in-permission-set.json";
const ACCOUNTS: &str = "list-accounts-for-provisioned-permission-set.json";

/// One permission set, as the bundle describes it.
#[derive(Clone, Debug)]
pub(super) struct PermissionSet {
    /// `Name`.
    pub(super) name: String,
    /// `PermissionSetArn`.
    pub(super) arn: String,
    /// The instance's ARN, from the permission set's.
    pub(super) instance_arn: String,
    /// The inline policy: its text as Identity Center returned it, and the document.
    pub(super) inline: Option<(String, Policy)>,
    /// The ARNs of its AWS managed policies.
    pub(super) aws_managed: Vec<String>,
    /// The names (with paths) of its customer managed policy references.
    pub(super) customer_managed: Vec<String>,
    /// The accounts it is provisioned to.
    pub(super) accounts: Vec<String>,
}

/// `arn:aws:sso:::permissionSet/ssoins-X/ps-Y` → `arn:aws:sso:::instance/ssoins-X`,
/// or `None` when the ARN is not of that form (or holds other characters).
fn instance_of(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    let (scheme, partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let plain = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-./".contains(&b))
    };
    let mut path = resource.split('/');
    let (kind, instance, set) = (path.next()?, path.next()?, path.next()?);
    let good = scheme == "arn"
        && plain(partition)
        && service == "sso"
        && region.is_empty()
        && account.is_empty()
        && kind == "permissionSet"
        && plain(instance)
        && plain(set)
        && path.next().is_none();
    good.then(|| format!("arn:{partition}:sso:::instance/{instance}"))
}

/// Whether `name` can be a permission set's name (1 to 32 of `\w+=,.@-`).
fn is_permission_set_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// Reads the bundle: every subdirectory of `dir`, in name order.
pub(super) fn read_bundle(dir: &Path, io: &mut Io<'_>) -> Result<Vec<PermissionSet>, Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::input(format!(
            "cannot read the Identity Center bundle `{}`",
            dir.display()
        ))
        .with_source(e)
    })?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    dirs.sort();
    let mut sets: Vec<PermissionSet> = Vec::new();
    for set_dir in dirs {
        let set = read_set(&set_dir, io)?;
        if let Some(earlier) = sets.iter().find(|s| s.name == set.name || s.arn == set.arn) {
            return Err(Error::input(format!(
                "`{}`: the permission set `{}` is in the bundle twice",
                set_dir.display(),
                earlier.name
            )));
        }
        sets.push(set);
    }
    Ok(sets)
}

/// One permission set's directory of the bundle, read file by file.
struct SetDir<'a> {
    dir: &'a Path,
}

impl SetDir<'_> {
    /// One of its files, as JSON.
    fn read(&self, file: &str, io: &mut Io<'_>) -> Result<Value, Error> {
        let path = self.dir.join(file);
        let text = input::read_text(&Source::Path(path), input::Kind::Data, io)?;
        pare_engine::parse_json(&text.text).map_err(|e| Error::input(format!("{}: {e}", text.name)))
    }

    /// What is wrong with one of its files.
    fn bad(&self, file: &str, what: &str) -> Error {
        Error::input(format!("{}: {what}", self.dir.join(file).display()))
    }

    /// The string `field` of each item of the array `key` of `value` (none
    /// when `key` is absent).
    fn list(&self, value: &Value, key: &str, field: &str) -> Result<Vec<String>, Error> {
        let Some(items) = value.get(key) else {
            return Ok(Vec::new());
        };
        let items = items.as_array().ok_or_else(|| {
            Error::input(format!("{}: `{key}` must be an array", self.dir.display()))
        })?;
        items
            .iter()
            .map(|item| {
                item.get(field)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| {
                        Error::input(format!(
                            "{}: `{key}[].{field}` must be a string",
                            self.dir.display()
                        ))
                    })
            })
            .collect()
    }

    /// `describe-permission-set.json`: the name, the ARN and the
    /// instance's ARN.
    fn describe(&self, io: &mut Io<'_>) -> Result<(String, String, String), Error> {
        let describe = self.read(DESCRIBE, io)?;
        let set = describe.get("PermissionSet").ok_or_else(|| {
            self.bad(
                DESCRIBE,
                "expected `aws sso-admin describe-permission-set` output (`PermissionSet`)",
            )
        })?;
        let name = set.get("Name").and_then(Value::as_str).unwrap_or("");
        if !is_permission_set_name(name) {
            return Err(self.bad(
                DESCRIBE,
                &format!(
                    "`PermissionSet.Name` `{}` is not a permission set name (1 to 32 letters, digits and `_+=,.@-`)",
                    safe::escape(name)
                ),
            ));
        }
        let arn = set
            .get("PermissionSetArn")
            .and_then(Value::as_str)
            .unwrap_or("");
        let instance_arn = instance_of(arn).ok_or_else(|| {
            self.bad(
                DESCRIBE,
                &format!(
                    "`PermissionSet.PermissionSetArn` `{}` is not a permission set ARN",
                    safe::escape(arn)
                ),
            )
        })?;
        Ok((name.to_string(), arn.to_string(), instance_arn))
    }

    /// The inline policy, its text and the document; none when empty.
    fn inline(&self, io: &mut Io<'_>) -> Result<Option<(String, Policy)>, Error> {
        match self.read(INLINE, io)?.get("InlinePolicy") {
            Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
            Some(Value::String(text)) => {
                let policy = Policy::parse(text)
                    .map_err(|e| self.bad(INLINE, &format!("`InlinePolicy`: {e}")))?;
                Ok(Some((text.clone(), policy)))
            }
            None | Some(Value::Null) => Ok(None),
            Some(_) => Err(self.bad(INLINE, "`InlinePolicy` must be a string")),
        }
    }

    /// The accounts the set is provisioned to, each an account id.
    fn accounts(&self, io: &mut Io<'_>) -> Result<Vec<String>, Error> {
        let accounts: Vec<String> = self
            .read(ACCOUNTS, io)?
            .get("AccountIds")
            .and_then(Value::as_array)
            .ok_or_else(|| self.bad(ACCOUNTS, "expected `aws sso-admin list-accounts-for-provisioned-permission-set` output (`AccountIds`)"))?
            .iter()
            .map(|v| v.as_str().unwrap_or("").to_string())
            .collect();
        if let Some(odd) = accounts.iter().find(|a| !is_account_id(a)) {
            return Err(self.bad(
                ACCOUNTS,
                &format!(
                    "`{}` is not an AWS account id (12 digits)",
                    safe::escape(odd)
                ),
            ));
        }
        Ok(accounts)
    }
}

/// Reads one permission set's directory, its files in a fixed order.
fn read_set(dir: &Path, io: &mut Io<'_>) -> Result<PermissionSet, Error> {
    let dir = SetDir { dir };
    let (name, arn, instance_arn) = dir.describe(io)?;
    let inline = dir.inline(io)?;
    let aws_managed = dir.list(&dir.read(MANAGED, io)?, "AttachedManagedPolicies", "Arn")?;
    let customer = dir.read(CUSTOMER, io)?;
    let customer_managed = dir.list(&customer, "CustomerManagedPolicyReferences", "Name")?;
    let accounts = dir.accounts(io)?;
    Ok(PermissionSet {
        name,
        arn,
        instance_arn,
        inline,
        aws_managed,
        customer_managed,
        accounts,
    })
}

/// What the plan does with one permission set, for the summary.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SetReport {
    name: String,
    arn: String,
    accounts: Vec<String>,
    /// `put-inline`, `delete-inline`, `keep`, or `no-inline-policy`.
    decision: &'static str,
    /// The actions its inline policy no longer grants, by access level.
    removed: LevelCounts,
    /// Why it keeps what it keeps: the accounts that vouch for nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    kept_because: Vec<String>,
    /// Its AWS managed policies: reported, never changed by the plan.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    aws_managed: Vec<String>,
    /// Its customer managed policy references: each account's own policy,
    /// refined in that account's plan.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    customer_managed: Vec<String>,
}

impl SetReport {
    /// `--exit-code`'s answer for this set alone.
    pub(super) fn exit_code(&self) -> i32 {
        match self.decision {
            "put-inline" => exit::CHANGED,
            "delete-inline" => exit::DETACH,
            _ => exit::SUCCESS,
        }
    }

    /// One line for the table.
    pub(super) fn line(&self) -> String {
        let r = &self.removed;
        let mut line = format!(
            "permission set {} ({}): {}",
            safe::escape(&self.name),
            plural(self.accounts.len(), "account", "accounts"),
            self.decision
        );
        if self.decision != "keep" && self.decision != "no-inline-policy" {
            let _ = write!(
                line,
                ", {} no longer granted ({} permissions management, {} write)",
                plural(r.total, "action", "actions"),
                r.permissions_management,
                r.write
            );
        }
        if !self.kept_because.is_empty() {
            let _ = write!(
                line,
                "; kept: {}",
                safe::escape(&self.kept_because.join("; "))
            );
        }
        if !self.aws_managed.is_empty() {
            let _ = write!(
                line,
                "; AWS managed, not changed: {}",
                safe::escape(&self.aws_managed.join(", "))
            );
        }
        line
    }
}

/// One refined permission set, for the scripts.
struct Change<'a> {
    set: &'a PermissionSet,
    dir: String,
    delete: bool,
    removed: LevelCounts,
}

/// What every permission set is planned against: the roles the accounts'
/// plans saw, the accounts planned, and the refinement's table and options.
struct Across<'a> {
    roles: &'a AccountRoles,
    planned: &'a BTreeMap<String, String>,
    table: pare_engine::ActionTable<'a>,
    options: &'a pare_engine::RefineOptions,
}

/// Plans every permission set of the bundle from the roles the accounts'
/// plans saw, and writes its files and scripts under `identity-center/`.
pub(super) fn plan_sets(
    sets: &[PermissionSet],
    roles: &AccountRoles,
    planned: &BTreeMap<String, String>,
    table: pare_engine::ActionTable<'_>,
    options: &pare_engine::RefineOptions,
    mut write: Option<&mut dyn FnMut(OutFile) -> Result<(), Error>>,
) -> Result<Vec<SetReport>, Error> {
    let across = Across {
        roles,
        planned,
        table,
        options,
    };
    let mut reports = Vec::new();
    let mut changes = Vec::new();
    let mut layout = Layout::default();
    for set in sets {
        let (report, files, change) = plan_set(set, &across, &mut layout);
        if let Some(write) = write.as_deref_mut() {
            for file in files {
                write(file)?;
            }
        }
        changes.extend(change);
        reports.push(report);
    }
    if let Some(write) = write {
        if !sets.is_empty() {
            write(OutFile::executable(
                "identity-center/apply.sh".to_string(),
                scripts(&changes, Script::Apply),
            ))?;
            write(OutFile::executable(
                "identity-center/rollback.sh".to_string(),
                scripts(&changes, Script::Rollback),
            ))?;
        }
    }
    Ok(reports)
}

/// Plans one permission set: its report, its files and, when its inline
/// policy changes, the change the scripts make.
fn plan_set<'a>(
    set: &'a PermissionSet,
    across: &Across<'_>,
    layout: &mut Layout,
) -> (SetReport, Vec<OutFile>, Option<Change<'a>>) {
    let mut report = SetReport {
        name: set.name.clone(),
        arn: set.arn.clone(),
        accounts: set.accounts.clone(),
        decision: "no-inline-policy",
        removed: LevelCounts::default(),
        kept_because: Vec::new(),
        aws_managed: set.aws_managed.clone(),
        customer_managed: set.customer_managed.clone(),
    };
    let Some((text, original)) = &set.inline else {
        return (report, Vec::new(), None);
    };
    report.decision = "keep";
    let vouching = report.vouching(set, across);
    let dir = layout.claim(
        "identity-center",
        &set.name,
        format!("the permission set `{}`", set.name),
    );
    // Each account's role alone: the per-account alternative.
    let mut files: Vec<OutFile> = Vec::new();
    for (account, unused) in &vouching {
        let own = pare_engine::refine(original, unused, across.table, across.options);
        if own.changed() {
            files.push(OutFile::text(
                format!("{dir}/alternatives/{account}.json"),
                pretty(&own.policy),
            ));
        }
    }
    let shared = match vouching.split_first() {
        Some(((_, first), rest)) if report.kept_because.is_empty() => {
            let all = rest
                .iter()
                .fold((*first).clone(), |acc, (_, set)| acc.intersection(set));
            let refined = pare_engine::refine(original, &all, across.table, across.options);
            refined.changed().then_some((refined, all))
        }
        _ => None,
    };
    let Some((refined, all)) = shared else {
        return (report, files, None);
    };
    let known = Known::new(across.table, [original, &refined.policy], &all);
    report.removed = removed_counts(original, &refined.policy, &known);
    let delete = refined.recommended_action() == RecommendedAction::DetachPolicy;
    report.decision = if delete {
        "delete-inline"
    } else {
        "put-inline"
    };
    files.extend(refined_files(&dir, text, original, &refined.policy));
    let change = Change {
        set,
        dir,
        delete,
        removed: report.removed,
    };
    (report, files, Some(change))
}

impl SetReport {
    /// The unused set of the set's role in each account it is provisioned
    /// to; every account that cannot vouch for an action says why in
    /// `kept_because`.
    fn vouching<'a>(
        &mut self,
        set: &'a PermissionSet,
        across: &Across<'a>,
    ) -> Vec<(&'a str, &'a UnusedSet)> {
        let mut vouching = Vec::new();
        for account in &set.accounts {
            if !across.planned.contains_key(account) {
                self.kept_because.push(format!(
                    "provisioned to {account}, whose details are not in this run"
                ));
                continue;
            }
            match across.roles.get(&(set.name.clone(), account.clone())) {
                None => self.kept_because.push(format!(
                    "{account}'s details have no AWSReservedSSO_{}_ role",
                    set.name
                )),
                Some(None) => self
                    .kept_because
                    .push(format!("its role in {account} has no finding")),
                Some(Some(unused)) => vouching.push((account.as_str(), unused)),
            }
        }
        if set.accounts.is_empty() {
            self.kept_because
                .push("provisioned to no account".to_string());
        }
        vouching
    }
}

/// The files of a refined inline policy: the policy, the original, what
/// the scripts compare the live policy with, and the diff.
fn refined_files(dir: &str, text: &str, original: &Policy, refined: &Policy) -> Vec<OutFile> {
    let refined_text = script::no_backtick(&pretty(refined));
    vec![
        OutFile::text(format!("{dir}/inline.json"), refined_text.clone()),
        // What the scripts compare the live policy with (a JSON string:
        // Identity Center keeps the inline policy as text), and what
        // rollback.sh puts back, byte for byte.
        OutFile::text(format!("{dir}/original.json"), text.to_string()),
        OutFile::text(
            format!("{dir}/check/original.json"),
            script::no_backtick(&serde_json::to_string(text).unwrap_or_default()),
        ),
        OutFile::text(
            format!("{dir}/check/inline.json"),
            script::no_backtick(&serde_json::to_string(&refined_text).unwrap_or_default()),
        ),
        diff_file(format!("{dir}/inline.diff"), dir, original, refined),
    ]
}

/// The permission sets' `apply.sh` or `rollback.sh`.
fn scripts(changes: &[Change<'_>], script: Script) -> String {
    let mut out = String::from("#!/usr/bin/env bash\n");
    out.push_str(match script {
        Script::Apply => {
            "# Generated by `pare account --identity-center`: the AWS CLI commands that\n\
             # change the permission sets' inline policies, then provision each to every\n\
             # account it is provisioned to (`provision-permission-set` runs in the\n\
             # background: its status is `aws sso-admin\n\
             # describe-permission-set-provisioning-status`). The AWSReservedSSO_ roles\n\
             # are never touched. pare never runs this: review each .diff, then run\n\
             # `bash apply.sh [--profile NAME]` with credentials where Identity Center\n\
             # is administered (the management account or a delegated administrator).\n\
             # Safe to re-run: a permission set is changed only while its inline policy\n\
             # is the one the plan was made from; any other is skipped with a message.\n"
        }
        Script::Rollback => {
            "# Generated by `pare account --identity-center`: the AWS CLI commands that\n\
             # undo apply.sh: each permission set's original inline policy (saved as\n\
             # original.json) is put back while the live one is the plan's, then the\n\
             # permission set is provisioned again. Safe to re-run.\n\
             # `bash rollback.sh [--profile NAME]`, as for apply.sh.\n"
        }
    });
    out.push_str("set -euo pipefail\ncd \"$(dirname \"$0\")\"\n\n");
    out.push_str(&script::PROFILE.replace(
        "SCRIPT",
        match script {
            Script::Apply => "apply.sh",
            Script::Rollback => "rollback.sh",
        },
    ));
    out.push_str(script::HELPERS);
    if changes.is_empty() {
        out.push_str("\n# Nothing to do: no permission set changes.\n");
    }
    for change in changes {
        out.push('\n');
        out.push_str(&set_section(change, script));
    }
    out.push_str(script::FOOTER);
    out
}

/// One permission set's section of a script: what it does, then its steps.
fn set_section(change: &Change<'_>, script: Script) -> String {
    let set = change.set;
    // Every path below is `identity-center/`-relative, under the sanitized name.
    let dir = change.dir.trim_start_matches("identity-center/");
    let r = &change.removed;
    let mut out = safe::comment(&format!(
        "permission set `{}` ({}): {} ({} no longer granted: {} permissions management, {} write)\nprovisioned to {}; only what its role in every one of them leaves unused is removed",
        set.name,
        set.arn,
        if change.delete {
            "delete-inline"
        } else {
            "put-inline"
        },
        plural(r.total, "action", "actions"),
        r.permissions_management,
        r.write,
        set.accounts.join(", ")
    ));
    for line in set_steps(change, script, dir) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The steps of one permission set's section: compare the live inline
/// policy with the one the script starts from, then put (or delete) and
/// provision; a set already in the end state is provisioned again where
/// an earlier run's provisioning did not go through.
fn set_steps(change: &Change<'_>, script: Script, dir: &str) -> Vec<String> {
    let set = change.set;
    let what = shell_word(&safe::escape(&format!("permission set `{}`", set.name)));
    let ids = format!(
        "--instance-arn{} --permission-set-arn{}",
        arg(&set.instance_arn),
        arg(&set.arn)
    );
    let get = format!("sso-admin get-inline-policy-for-permission-set {ids}");
    let check = |file: &str| shell_word(&format!("{dir}/check/{file}"));
    let put = |file: &str| {
        format!(
            "aws sso-admin put-inline-policy-to-permission-set {ids} --inline-policy{}",
            arg(&format!("file://{dir}/{file}"))
        )
    };
    let provision = format!(
        "aws sso-admin provision-permission-set {ids} --target-type ALL_PROVISIONED_ACCOUNTS"
    );
    // An inline policy that is absent reads as an empty string.
    let absent = "\"\"";
    let mut l = Vec::<String>::new();
    let (from, to) = match script {
        Script::Apply => ("original.json", "inline.json"),
        Script::Rollback => ("inline.json", "original.json"),
    };
    let to_state = |l: &mut Vec<String>, depth: usize| {
        let pad = "  ".repeat(depth);
        if script == Script::Apply && change.delete {
            l.push(format!(
                "{pad}aws sso-admin delete-inline-policy-from-permission-set {ids}"
            ));
        } else {
            l.push(format!("{pad}{}", put(to)));
        }
        l.push(format!("{pad}{provision}"));
    };
    let from_check = if script == Script::Rollback && change.delete {
        format!(
            "state=$(ask {get} --query {} --output json)",
            shell_word(&format!("InlinePolicy == `{absent}`"))
        )
    } else {
        format!("state=$(same InlinePolicy {} {get})", check(from))
    };
    l.push(from_check);
    l.push("if [ \"$state\" = true ]; then".to_string());
    to_state(&mut l, 1);
    l.push("else".to_string());
    let done_check = if script == Script::Apply && change.delete {
        format!(
            "  state=$(ask {get} --query {} --output json)",
            shell_word(&format!("InlinePolicy == `{absent}`"))
        )
    } else {
        format!("  state=$(same InlinePolicy {} {get})", check(to))
    };
    l.push(done_check);
    l.push("  if [ \"$state\" = true ]; then".to_string());
    // Put by an earlier run whose provisioning did not go through: provision again.
    l.push(format!(
        "    pending=$(ask sso-admin list-accounts-for-provisioned-permission-set {ids} --provisioning-status LATEST_PERMISSION_SET_NOT_PROVISIONED --query 'length(AccountIds)' --output text)"
    ));
    l.push("    if [ \"$pending\" != 0 ]; then".to_string());
    l.push(format!("      {provision}"));
    l.push("    fi".to_string());
    l.push(format!("    already {what}"));
    l.push("  else".to_string());
    l.push(format!(
        "    skip {what} {}",
        shell_word(match script {
            Script::Apply => "its inline policy changed since the plan was made",
            Script::Rollback => "its inline policy changed since apply.sh ran",
        })
    ));
    l.push("  fi".to_string());
    l.push("fi".to_string());
    l
}

/// The permission set an Identity Center role of `account` was made for.
pub(super) fn role_set(entity: &account::Entity) -> Option<&str> {
    (entity.kind == EntityKind::Role)
        .then(|| permission_set_of(&entity.name))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_set_arns_name_their_instance() {
        assert_eq!(
            instance_of("arn:aws:sso:::permissionSet/ssoins-1111222233334444/ps-aaaabbbbccccdddd")
                .as_deref(),
            Some("arn:aws:sso:::instance/ssoins-1111222233334444")
        );
        for bad in [
            "arn:aws:sso:::permissionSet/ssoins-1/ps-2/x",
            "arn:aws:sso::111122223333:permissionSet/ssoins-1/ps-2",
            "arn:aws:iam:::permissionSet/ssoins-1/ps-2",
            "arn:aws:sso:::permissionSet/ssoins-1/ps-$(x)",
            "arn:aws:sso:::permissionSet/ssoins-1",
            "",
        ] {
            assert_eq!(instance_of(bad), None, "{bad}");
        }
        assert!(is_permission_set_name("Admin_Ops"));
        assert!(!is_permission_set_name("../x"));
        assert!(!is_permission_set_name(&"a".repeat(33)));
    }
}
