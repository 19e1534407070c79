//! Policies in CloudFormation and SAM templates, JSON or YAML.

use crate::doc::{Document, Lang};
use crate::tree::{Kind, Node};
use crate::{Body, Error, Note, Policy};

/// Resource types with one `PolicyDocument`.
const DOCUMENT_TYPES: &[&str] = &[
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::RolePolicy",
    "AWS::IAM::UserPolicy",
    "AWS::IAM::GroupPolicy",
];

/// Resource types with a `Policies` list of `{PolicyName, PolicyDocument}`.
const INLINE_TYPES: &[&str] = &["AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"];

/// Reads every policy of a template.
pub fn scan(text: &str, yaml: bool) -> Result<(Vec<Policy>, Vec<Note>), Error> {
    let root = crate::tree::parse_yaml(text, 0).map_err(|e| Error {
        at: Some(e.at),
        line: None,
        message: format!(
            "not valid {}: {}",
            if yaml { "YAML" } else { "JSON" },
            e.message
        ),
    })?;
    let lang = if yaml { Lang::Yaml } else { Lang::Json };
    let mut policies = Vec::new();
    let mut notes = Vec::new();
    let Some(Node {
        kind: Kind::Map { entries },
        ..
    }) = root.get("Resources")
    else {
        return Err(Error {
            at: None,
            line: None,
            message: "a template without a `Resources` map".to_string(),
        });
    };
    for (id, resource) in entries {
        let Some(kind) = resource.get("Type").and_then(Node::as_str) else {
            continue;
        };
        let properties = resource.get("Properties");
        let mut document = |address: String, node: Option<&Node>, notes: &mut Vec<Note>| {
            let Some(node) = node else {
                notes.push(Note::new(resource.span.start, "no `PolicyDocument`").at(&address));
                return;
            };
            let body = match Document::from_node(node, lang) {
                Ok(doc) => {
                    notes.extend(doc.notes.iter().cloned().map(|n| n.at(&address)));
                    Body::Document(doc)
                }
                Err(note) => {
                    notes.push(note.at(&address));
                    Body::Unread
                }
            };
            policies.push(Policy {
                address,
                at: node.span.start,
                body,
            });
        };
        if DOCUMENT_TYPES.contains(&kind) {
            document(
                id.clone(),
                properties.and_then(|p| p.get("PolicyDocument")),
                &mut notes,
            );
        } else if INLINE_TYPES.contains(&kind) {
            let Some(list) = properties.and_then(|p| p.get("Policies")) else {
                continue;
            };
            match &list.kind {
                Kind::Seq { items, .. } => {
                    for (i, item) in items.iter().enumerate() {
                        let address = match item.get("PolicyName").and_then(Node::as_str) {
                            Some(name) => format!("{id}.Policies[\"{name}\"]"),
                            None => format!("{id}.Policies[{i}]"),
                        };
                        if item.intrinsic().is_some() || matches!(item.kind, Kind::Opaque { .. }) {
                            notes.push(
                                Note::new(
                                    item.span.start,
                                    format!("{}: not read", crate::doc::describe(item)),
                                )
                                .at(&address),
                            );
                            continue;
                        }
                        document(address, item.get("PolicyDocument"), &mut notes);
                    }
                }
                _ => notes.push(
                    Note::new(
                        list.span.start,
                        format!("`Policies` is {}: not read", crate::doc::describe(list)),
                    )
                    .at(id),
                ),
            }
        } else if kind == "AWS::Serverless::Function" {
            let Some(list) = properties.and_then(|p| p.get("Policies")) else {
                continue;
            };
            match &list.kind {
                Kind::Seq { items, .. } => {
                    for (i, item) in items.iter().enumerate() {
                        let address = format!("{id}.Policies[{i}]");
                        if item.get("Statement").is_some() {
                            document(address, Some(item), &mut notes);
                        } else if let Kind::Map { entries } = &item.kind {
                            if let Some((name, _)) = entries.first() {
                                notes.push(
                                    Note::new(
                                        item.span.start,
                                        format!("SAM policy template `{name}`: not read"),
                                    )
                                    .at(&address),
                                );
                            }
                        }
                    }
                }
                Kind::Map { .. } if list.get("Statement").is_some() => {
                    document(format!("{id}.Policies"), Some(list), &mut notes);
                }
                _ => {}
            }
        }
    }
    Ok((policies, notes))
}
