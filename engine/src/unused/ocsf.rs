//! Security Hub's findings: Access Analyzer's unused-access findings as
//! `aws securityhub get-findings-v2` returns them, in the Open Cybersecurity
//! Schema Framework (OCSF), turned into the same [`Finding`] as
//! `get-finding-v2`'s.
//!
//! AWS documents the operation and the OCSF attributes it fills, but gives no
//! complete sample of an unused-permission finding: the fields read here are
//! the documented ones (see `docs/aws-formats.md`), and the fixtures are built
//! from that schema. Where the finding carries Access Analyzer's own details
//! (`unmapped.findingDetails`) they are read with Access Analyzer's reader,
//! so both shapes mean the same thing.

use serde_json::{Map, Value};

use super::{Finding, Names, UnusedSet, optional_string, read_finding_details};
use crate::error::Error;
use crate::policy::{join, kind};

/// Access Analyzer's finding types, as `get-finding-v2` spells them.
const FINDING_TYPES: [&str; 6] = [
    "UnusedPermission",
    "UnusedIAMRole",
    "UnusedIAMUserAccessKey",
    "UnusedIAMUserPassword",
    "ExternalAccess",
    "InternalAccess",
];

/// The resource types that name a principal, in CloudFormation's spelling
/// (Access Analyzer's) and in Security Hub's.
const PRINCIPAL_TYPES: [&str; 4] = [
    "AWS::IAM::Role",
    "AWS::IAM::User",
    "AwsIamRole",
    "AwsIamUser",
];

/// Whether `object` is an OCSF finding: `metadata` with `finding_info` or
/// `class_uid`, which no Access Analyzer finding has.
pub(super) fn is_ocsf(object: &Map<String, Value>) -> bool {
    object.contains_key("metadata")
        && (object.contains_key("finding_info") || object.contains_key("class_uid"))
}

/// The findings of `get-findings-v2` output (`{"Findings": [...]}`), when
/// `object` is that.
pub(super) fn listed(object: &Map<String, Value>) -> Option<&Value> {
    object.get("Findings")
}

/// One OCSF finding as a [`Finding`]: `metadata.uid` is its id (the one
/// `get-recommended-policy-v2` takes), the IAM role or user among
/// `resources` its principal, the Access Analyzer type among
/// `finding_info.types` (or `unmapped.findingType`) its type, OCSF's
/// `status` (or `status_id`, and `activity_name` `Close`) its status, and
/// `unmapped.findingDetails` its unused actions.
pub(super) fn finding(
    object: &Map<String, Value>,
    path: &str,
    names: &mut Names,
) -> Result<Finding, Error> {
    let metadata = object_at(object, "metadata", path)?;
    let metadata_path = join(path, "metadata");
    let id = match metadata {
        Some(metadata) => optional_string(metadata, "uid", &metadata_path)?,
        None => None,
    };
    let info_path = join(path, "finding_info");
    let info = object_at(object, "finding_info", path)?;
    let unmapped_path = join(path, "unmapped");
    let unmapped = object_at(object, "unmapped", path)?;
    let finding_type = finding_type(info, &info_path, unmapped, &unmapped_path)?;
    let (resource, resource_type) = principal(object, path)?;
    let status = status(object, path)?;
    let analyzed_at = match info {
        Some(info) => match optional_string(info, "modified_time_dt", &info_path)? {
            Some(at) => Some(at),
            None => optional_string(info, "created_time_dt", &info_path)?,
        },
        None => None,
    };
    let mut unused = UnusedSet::new();
    let details = unmapped.and_then(|u| u.get("findingDetails"));
    if finding_type == "UnusedPermission" && details.is_none_or(Value::is_null) {
        return Err(Error::shape(
            path,
            "a Security Hub `UnusedPermission` finding without `unmapped.findingDetails`: it does not say which actions are unused, so nothing can be taken from it",
        ));
    }
    read_finding_details(
        details,
        &join(&unmapped_path, "findingDetails"),
        &mut unused,
        names,
    )?;
    unused.settle();
    Ok(Finding {
        id: id.unwrap_or_default(),
        resource,
        resource_type,
        finding_type,
        status: status.to_string(),
        analyzed_at,
        unused,
    })
}

/// `object[key]` when it is an object; absent or `null` is `None`.
fn object_at<'o>(
    object: &'o Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'o Map<String, Value>>, Error> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(inner)) => Ok(Some(inner)),
        Some(other) => Err(Error::shape(
            join(path, key),
            format!("`{key}` must be an object, found {}", kind(other)),
        )),
    }
}

/// The Access Analyzer type: an entry of `finding_info.types` that is one (or
/// ends in `/` and one), else `unmapped.findingType`; else the first type as
/// given (a finding of another kind, which lists no unused actions), else
/// `unknown`.
fn finding_type(
    info: Option<&Map<String, Value>>,
    info_path: &str,
    unmapped: Option<&Map<String, Value>>,
    unmapped_path: &str,
) -> Result<String, Error> {
    let mut types: Vec<&str> = Vec::new();
    if let Some(info) = info {
        match info.get("types") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let Value::String(text) = item else {
                        return Err(Error::shape(
                            format!("{}[{i}]", join(info_path, "types")),
                            format!("a finding type must be a string, found {}", kind(item)),
                        ));
                    };
                    types.push(text);
                }
            }
            Some(other) => {
                return Err(Error::shape(
                    join(info_path, "types"),
                    format!("`types` must be an array, found {}", kind(other)),
                ));
            }
        }
    }
    type_of(&types, || match unmapped {
        Some(unmapped) => optional_string(unmapped, "findingType", unmapped_path),
        None => Ok(None),
    })
}

/// The type of a finding of `types` (`finding_info.types`), and of
/// `unmapped.findingType` (read only when no type is Access Analyzer's).
pub(super) fn type_of<E>(
    types: &[&str],
    unmapped: impl FnOnce() -> Result<Option<String>, E>,
) -> Result<String, E> {
    let known = |text: &str| {
        let last = text.rsplit('/').next().unwrap_or(text).trim();
        FINDING_TYPES
            .iter()
            .find(|t| t.eq_ignore_ascii_case(last))
            .map(|t| (*t).to_string())
    };
    if let Some(found) = types.iter().find_map(|t| known(t)) {
        return Ok(found);
    }
    if let Some(text) = unmapped()? {
        return Ok(known(&text).unwrap_or(text));
    }
    Ok(types
        .first()
        .map_or_else(|| "unknown".to_string(), |t| (*t).to_string()))
}

/// The resource type in Access Analyzer's spelling when `kind` names a
/// principal.
pub(super) fn principal_type(kind: &str) -> Option<&'static str> {
    PRINCIPAL_TYPES
        .iter()
        .position(|t| t.eq_ignore_ascii_case(kind))
        .and_then(|n| PRINCIPAL_TYPES.get(n % 2))
        .copied()
}

/// What OCSF's `status` means, when it is one of its words.
pub(super) fn status_word(text: &str) -> Option<&'static str> {
    match text.to_ascii_lowercase().as_str() {
        "new" | "in progress" | "in_progress" | "notified" => Some("ACTIVE"),
        "suppressed" | "archived" => Some("ARCHIVED"),
        "resolved" | "deleted" => Some("RESOLVED"),
        _ => None,
    }
}

/// What OCSF's `status_id` means, when it is one of its numbers.
pub(super) fn status_number(n: &serde_json::Number) -> Option<&'static str> {
    match n.as_u64() {
        Some(1 | 2) => Some("ACTIVE"),
        Some(3 | 5) => Some("ARCHIVED"),
        Some(4 | 6) => Some("RESOLVED"),
        _ => None,
    }
}

/// The principal among `resources`: the one IAM role or user (by ARN, `uid`).
/// None gives an empty resource, a principal of its own; two are an error:
/// a finding is about one principal.
fn principal(object: &Map<String, Value>, path: &str) -> Result<(String, String), Error> {
    let items = match object.get("resources") {
        None | Some(Value::Null) => return Ok((String::new(), String::new())),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(Error::shape(
                join(path, "resources"),
                format!("`resources` must be an array, found {}", kind(other)),
            ));
        }
    };
    let mut found: Option<(String, String)> = None;
    for (i, item) in items.iter().enumerate() {
        let item_path = format!("{}[{i}]", join(path, "resources"));
        let Value::Object(resource) = item else {
            return Err(Error::shape(
                item_path,
                format!("a resource must be an object, found {}", kind(item)),
            ));
        };
        let Some(kind_of) = optional_string(resource, "type", &item_path)? else {
            continue;
        };
        let Some(canonical) = principal_type(&kind_of) else {
            continue;
        };
        let Some(uid) = optional_string(resource, "uid", &item_path)? else {
            return Err(Error::shape(
                item_path,
                format!("a `{kind_of}` resource without `uid` (the principal's ARN)"),
            ));
        };
        match &found {
            Some((arn, _)) if !arn.eq_ignore_ascii_case(&uid) => {
                return Err(Error::shape(
                    join(path, "resources"),
                    "the finding names more than one IAM role or user; a finding is about one principal",
                ));
            }
            Some(_) => {}
            None => found = Some((uid, canonical.to_string())),
        }
    }
    Ok(found.unwrap_or_default())
}

/// `ACTIVE`, `ARCHIVED` or `RESOLVED` from OCSF's `status` (or `status_id`);
/// `activity_name` `Close` is closed whatever the status says (Security
/// Hub's own rule). Without either the finding is in force, as a
/// `get-finding-v2` finding without `status` is.
fn status(object: &Map<String, Value>, path: &str) -> Result<&'static str, Error> {
    if let Some(activity) = optional_string(object, "activity_name", path)? {
        if activity.eq_ignore_ascii_case("Close") {
            return Ok("RESOLVED");
        }
    }
    if let Some(text) = optional_string(object, "status", path)? {
        return match status_word(&text) {
            Some(status) => Ok(status),
            None => Err(Error::shape(
                join(path, "status"),
                format!(
                    "unknown OCSF `status` `{text}` (expected New, In Progress, Notified, Suppressed, Archived, Resolved or Deleted)"
                ),
            )),
        };
    }
    match object.get("status_id") {
        None | Some(Value::Null) => Ok("ACTIVE"),
        Some(Value::Number(n)) => match status_number(n) {
            Some(status) => Ok(status),
            None => Err(Error::shape(
                join(path, "status_id"),
                format!("unknown OCSF `status_id` {n}: whether the finding is in force is unknown"),
            )),
        },
        Some(other) => Err(Error::shape(
            join(path, "status_id"),
            format!("`status_id` must be a number, found {}", kind(other)),
        )),
    }
}
