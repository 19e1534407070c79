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
    let mut found = Found {
        text,
        physical,
        out: Vec::new(),
        notes: Vec::new(),
    };
    if let Some(Node {
        kind: Kind::Map { entries },
        ..
    }) = root.get("Resources")
    {
        for (id, resource) in entries {
            found.resource(id, resource);
        }
    }
    Ok((found.out, found.notes))
}

/// What [`holds`] finds, resource by resource.
struct Found<'a> {
    text: &'a str,
    physical: &'a HashMap<String, String>,
    out: Holds,
    notes: Vec<Note>,
}

impl Found<'_> {
    /// The policies one resource of the template is or holds.
    fn resource(&mut self, id: &str, resource: &Node) {
        let Some(kind) = resource.get("Type").and_then(Node::as_str) else {
            return;
        };
        let properties = resource.get("Properties");
        let property = |key: &str| properties.and_then(|p| p.get(key));
        match kind {
            "AWS::IAM::ManagedPolicy" => match self.physical.get(id) {
                Some(arn) => self
                    .out
                    .push((id.to_string(), Identity::Managed(arn.clone()))),
                None => self.unknown(resource, id, "not in the stack's resources"),
            },
            "AWS::IAM::Role" => self.embedded(id, resource, "role", property("Policies")),
            "AWS::IAM::User" => self.embedded(id, resource, "user", property("Policies")),
            "AWS::IAM::Group" => self.embedded(id, resource, "group", property("Policies")),
            "AWS::IAM::RolePolicy" => self.attached_one(id, resource, "role", "RoleName"),
            "AWS::IAM::UserPolicy" => self.attached_one(id, resource, "user", "UserName"),
            "AWS::IAM::GroupPolicy" => self.attached_one(id, resource, "group", "GroupName"),
            "AWS::IAM::Policy" => self.attached_many(id, resource),
            "AWS::Serverless::Function" if property("Policies").is_some() => self.unknown(
                resource,
                id,
                "SAM names the role and policies it generates: not mapped to the account",
            ),
            _ => {}
        }
    }

    /// A note that the policy at `address` cannot be told.
    fn unknown(&mut self, resource: &Node, address: &str, what: &str) {
        self.notes
            .push(Note::new(resource.span.start, what.to_string()).at(address));
    }

    /// A name given as a literal, or as a `Ref` to a resource of the stack.
    fn name(&self, node: &Node) -> Option<String> {
        if let Some(s) = node.as_str() {
            return Some(s.to_string());
        }
        let logical = match (&node.kind, node.get("Ref")) {
            (_, Some(target)) => target.as_str()?.to_string(),
            (Kind::Opaque { .. }, None) => {
                let raw = self.text.get(node.span.clone())?.trim();
                raw.strip_prefix("!Ref")?.trim().to_string()
            }
            _ => return None,
        };
        self.physical.get(&logical).cloned()
    }

    /// The `Policies` embedded in a role, user or group.
    fn embedded(
        &mut self,
        id: &str,
        resource: &Node,
        principal: &'static str,
        policies: Option<&Node>,
    ) {
        let Some(Node {
            kind: Kind::Seq { items, .. },
            ..
        }) = policies
        else {
            return;
        };
        let entity = self.physical.get(id).cloned();
        for item in items {
            let Some(policy) = item.get("PolicyName").and_then(Node::as_str) else {
                continue;
            };
            let address = format!("{id}.Policies[\"{policy}\"]");
            match &entity {
                Some(entity) => self
                    .out
                    .push((address, Identity::inline(principal, entity, policy))),
                None => self.unknown(resource, &address, "not in the stack's resources"),
            }
        }
    }

    /// An `AWS::IAM::{Role,User,Group}Policy`: one inline policy of one
    /// principal, named by `key`.
    fn attached_one(&mut self, id: &str, resource: &Node, principal: &'static str, key: &str) {
        let property = |k: &str| resource.get("Properties").and_then(|p| p.get(k));
        let policy = property("PolicyName").and_then(Node::as_str);
        match (property(key).and_then(|n| self.name(n)), policy) {
            (Some(entity), Some(policy)) => {
                let identity = Identity::inline(principal, &entity, policy);
                self.out.push((id.to_string(), identity));
            }
            _ => self.unknown(
                resource,
                id,
                &format!("`PolicyName` or `{key}` is not a literal or a `Ref` to the stack"),
            ),
        }
    }

    /// An `AWS::IAM::Policy`: one inline policy of each role, user and
    /// group it names.
    fn attached_many(&mut self, id: &str, resource: &Node) {
        let property = |k: &str| resource.get("Properties").and_then(|p| p.get(k));
        let Some(policy) = property("PolicyName").and_then(Node::as_str) else {
            self.unknown(resource, id, "`PolicyName` is not a literal");
            return;
        };
        for (key, principal) in [("Roles", "role"), ("Users", "user"), ("Groups", "group")] {
            let Some(list) = property(key) else { continue };
            let Kind::Seq { items, .. } = &list.kind else {
                self.unknown(resource, id, &format!("`{key}` is not a list"));
                continue;
            };
            for item in items {
                match self.name(item) {
                    Some(entity) => {
                        let identity = Identity::inline(principal, &entity, policy);
                        self.out.push((id.to_string(), identity));
                    }
                    None => self.unknown(
                        resource,
                        id,
                        &format!("an entry of `{key}` is not a literal or a `Ref` to the stack"),
                    ),
                }
            }
        }
    }
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
