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
    let mut scan = Scan {
        lang: if yaml { Lang::Yaml } else { Lang::Json },
        policies: Vec::new(),
        notes: Vec::new(),
    };
    for (id, resource) in entries {
        scan.resource(id, resource);
    }
    Ok((scan.policies, scan.notes))
}

/// The policies and notes [`scan`] finds, resource by resource.
struct Scan {
    lang: Lang,
    policies: Vec<Policy>,
    notes: Vec<Note>,
}

impl Scan {
    /// The policies one resource of the template holds.
    fn resource(&mut self, id: &str, resource: &Node) {
        let Some(kind) = resource.get("Type").and_then(Node::as_str) else {
            return;
        };
        let property = |key: &str| resource.get("Properties").and_then(|p| p.get(key));
        if DOCUMENT_TYPES.contains(&kind) {
            self.document(id.to_string(), resource, property("PolicyDocument"));
        } else if INLINE_TYPES.contains(&kind) {
            if let Some(list) = property("Policies") {
                self.inline_policies(id, resource, list);
            }
        } else if kind == "AWS::Serverless::Function" {
            if let Some(list) = property("Policies") {
                self.sam_policies(id, resource, list);
            }
        }
    }

    /// One policy document at `address`, read or noted.
    fn document(&mut self, address: String, resource: &Node, node: Option<&Node>) {
        let Some(node) = node else {
            self.notes
                .push(Note::new(resource.span.start, "no `PolicyDocument`").at(&address));
            return;
        };
        let body = match Document::from_node(node, self.lang) {
            Ok(doc) => {
                self.notes
                    .extend(doc.notes.iter().cloned().map(|n| n.at(&address)));
                Body::Document(doc)
            }
            Err(note) => {
                self.notes.push(note.at(&address));
                Body::Unread
            }
        };
        self.policies.push(Policy {
            address,
            at: node.span.start,
            body,
        });
    }

    /// The `Policies` list of a role, user or group.
    fn inline_policies(&mut self, id: &str, resource: &Node, list: &Node) {
        let Kind::Seq { items, .. } = &list.kind else {
            let what = format!("`Policies` is {}: not read", crate::doc::describe(list));
            self.notes.push(Note::new(list.span.start, what).at(id));
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let address = match item.get("PolicyName").and_then(Node::as_str) {
                Some(name) => format!("{id}.Policies[\"{name}\"]"),
                None => format!("{id}.Policies[{i}]"),
            };
            if item.intrinsic().is_some() || matches!(item.kind, Kind::Opaque { .. }) {
                let what = format!("{}: not read", crate::doc::describe(item));
                self.notes
                    .push(Note::new(item.span.start, what).at(&address));
                continue;
            }
            self.document(address, resource, item.get("PolicyDocument"));
        }
    }

    /// A SAM function's `Policies`: inline documents are read, policy
    /// templates are noted.
    fn sam_policies(&mut self, id: &str, resource: &Node, list: &Node) {
        match &list.kind {
            Kind::Seq { items, .. } => {
                for (i, item) in items.iter().enumerate() {
                    let address = format!("{id}.Policies[{i}]");
                    if item.get("Statement").is_some() {
                        self.document(address, resource, Some(item));
                    } else if let Kind::Map { entries } = &item.kind {
                        if let Some((name, _)) = entries.first() {
                            let what = format!("SAM policy template `{name}`: not read");
                            self.notes
                                .push(Note::new(item.span.start, what).at(&address));
                        }
                    }
                }
            }
            Kind::Map { .. } if list.get("Statement").is_some() => {
                self.document(format!("{id}.Policies"), resource, Some(list));
            }
            _ => {}
        }
    }
}
