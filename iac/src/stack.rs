//! `aws cloudformation describe-stack-resources` output with the template:
//! which policy of a template is which IAM policy of the account.
//!
//! The output is `{"StackResources": [{"LogicalResourceId", "PhysicalResourceId",
//! "ResourceType", ...}]}`. For a role, user or group the physical id is its
//! name; for an `AWS::IAM::ManagedPolicy`, its ARN.

use std::collections::HashMap;

use serde_json::Value;

use crate::state::Identity;
use crate::tree::{Kind, Node};
use crate::{Error, Note};

/// Logical id to physical id, for the stack's resources.
pub fn parse(text: &str) -> Result<HashMap<String, String>, Error> {
    let value: Value =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| Error {
            at: None,
            line: Some(e.line()),
            message: format!("not valid JSON: {e}"),
        })?;
    let Some(list) = value.get("StackResources").and_then(Value::as_array) else {
        return Err(Error {
            at: None,
            line: None,
            message:
                "not `aws cloudformation describe-stack-resources` output: no `StackResources` list"
                    .to_string(),
        });
    };
    let mut out = HashMap::new();
    for resource in list {
        let text = |key: &str| resource.get(key).and_then(Value::as_str);
        if let (Some(logical), Some(physical)) =
            (text("LogicalResourceId"), text("PhysicalResourceId"))
        {
            out.insert(logical.to_string(), physical.to_string());
        }
    }
    Ok(out)
}

/// Each policy of a template by its address, with the IAM policy it is.
pub type Holds = Vec<(String, Identity)>;

/// The policies of a template, by the address [`crate::scan`] gives them,
/// with the IAM policies of the account they are, found through
/// `physical`; and a note for each policy that cannot be told.
pub fn holds(text: &str, physical: &HashMap<String, String>) -> Result<(Holds, Vec<Note>), Error> {
    let root = crate::tree::parse_yaml(text, 0).map_err(|e| Error {
        at: Some(e.at),
        line: None,
        message: format!("not valid JSON or YAML: {}", e.message),
    })?;
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let Some(Node {
        kind: Kind::Map { entries },
        ..
    }) = root.get("Resources")
    else {
        return Ok((out, notes));
    };
    // A name given as a literal, or as a `Ref` to a resource of the stack.
    let name = |node: &Node| -> Option<String> {
        if let Some(s) = node.as_str() {
            return Some(s.to_string());
        }
        let logical = match (&node.kind, node.get("Ref")) {
            (_, Some(target)) => target.as_str()?.to_string(),
            (Kind::Opaque { .. }, None) => {
                let raw = text.get(node.span.clone())?.trim();
                raw.strip_prefix("!Ref")?.trim().to_string()
            }
            _ => return None,
        };
        physical.get(&logical).cloned()
    };
    for (id, resource) in entries {
        let Some(kind) = resource.get("Type").and_then(Node::as_str) else {
            continue;
        };
        let properties = resource.get("Properties");
        let property = |key: &str| properties.and_then(|p| p.get(key));
        let mut unknown = |address: &str, what: &str| {
            notes.push(Note::new(resource.span.start, what.to_string()).at(address));
        };
        match kind {
            "AWS::IAM::ManagedPolicy" => match physical.get(id) {
                Some(arn) => out.push((id.clone(), Identity::Managed(arn.clone()))),
                None => unknown(id, "not in the stack's resources"),
            },
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
                let principal = match kind {
                    "AWS::IAM::Role" => "role",
                    "AWS::IAM::User" => "user",
                    _ => "group",
                };
                let Some(Node {
                    kind: Kind::Seq { items, .. },
                    ..
                }) = property("Policies")
                else {
                    continue;
                };
                let entity = physical.get(id);
                for item in items {
                    let Some(policy) = item.get("PolicyName").and_then(Node::as_str) else {
                        continue;
                    };
                    let address = format!("{id}.Policies[\"{policy}\"]");
                    match entity {
                        Some(entity) => {
                            out.push((address, Identity::inline(principal, entity, policy)))
                        }
                        None => unknown(&address, "not in the stack's resources"),
                    }
                }
            }
            "AWS::IAM::RolePolicy" | "AWS::IAM::UserPolicy" | "AWS::IAM::GroupPolicy" => {
                let (principal, key) = match kind {
                    "AWS::IAM::RolePolicy" => ("role", "RoleName"),
                    "AWS::IAM::UserPolicy" => ("user", "UserName"),
                    _ => ("group", "GroupName"),
                };
                let policy = property("PolicyName").and_then(Node::as_str);
                match (property(key).and_then(&name), policy) {
                    (Some(entity), Some(policy)) => {
                        out.push((id.clone(), Identity::inline(principal, &entity, policy)))
                    }
                    _ => unknown(
                        id,
                        &format!(
                            "`PolicyName` or `{key}` is not a literal or a `Ref` to the stack"
                        ),
                    ),
                }
            }
            "AWS::IAM::Policy" => {
                let Some(policy) = property("PolicyName").and_then(Node::as_str) else {
                    unknown(id, "`PolicyName` is not a literal");
                    continue;
                };
                for (key, principal) in [("Roles", "role"), ("Users", "user"), ("Groups", "group")]
                {
                    let Some(list) = property(key) else { continue };
                    let Kind::Seq { items, .. } = &list.kind else {
                        unknown(id, &format!("`{key}` is not a list"));
                        continue;
                    };
                    for item in items {
                        match name(item) {
                            Some(entity) => {
                                out.push((id.clone(), Identity::inline(principal, &entity, policy)))
                            }
                            None => unknown(
                                id,
                                &format!(
                                    "an entry of `{key}` is not a literal or a `Ref` to the stack"
                                ),
                            ),
                        }
                    }
                }
            }
            "AWS::Serverless::Function" if property("Policies").is_some() => unknown(
                id,
                "SAM names the role and policies it generates: not mapped to the account",
            ),
            _ => {}
        }
    }
    Ok((out, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn physical_names_map_to_policies() {
        let stack = parse(
            r#"{"StackResources":[
              {"LogicalResourceId":"AppRole","PhysicalResourceId":"app-role","ResourceType":"AWS::IAM::Role"},
              {"LogicalResourceId":"Managed","PhysicalResourceId":"arn:aws:iam::1:policy/M","ResourceType":"AWS::IAM::ManagedPolicy"}]}"#,
        )
        .unwrap();
        let template = "Resources:\n  AppRole:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyName: s3\n          PolicyDocument: {}\n  Extra:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyName: extra\n      Roles: [!Ref AppRole, other-role, !GetAtt X.Y]\n  Managed:\n    Type: AWS::IAM::ManagedPolicy\n";
        let (holds, notes) = holds(template, &stack).unwrap();
        assert_eq!(
            holds,
            [
                (
                    "AppRole.Policies[\"s3\"]".to_string(),
                    Identity::inline("role", "app-role", "s3")
                ),
                (
                    "Extra".to_string(),
                    Identity::inline("role", "app-role", "extra")
                ),
                (
                    "Extra".to_string(),
                    Identity::inline("role", "other-role", "extra")
                ),
                (
                    "Managed".to_string(),
                    Identity::Managed("arn:aws:iam::1:policy/M".into())
                ),
            ]
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(parse("{}").is_err());
    }
}
