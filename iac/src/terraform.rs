//! Policies in Terraform sources: the IAM resources' `policy` arguments
//! (`jsonencode`, a JSON heredoc, `file()`), `inline_policy` blocks of
//! roles, and `aws_iam_policy_document` data sources.

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Block, BlockLabel, Body};
use pare_engine::ActionKey;
use serde_json::{Map, Value};

use crate::doc::{Actions, Document, Lang, Layout, Stmt};
use crate::tree::{Kind, Node, Quote};
use crate::{Body as Found, Error, Note, Policy};

/// The resource types whose `policy` argument is a policy document.
const POLICY_RESOURCES: &[&str] = &[
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
];

/// Reads every policy of a `.tf` file.
pub fn scan(text: &str) -> Result<(Vec<Policy>, Vec<Note>), Error> {
    let body = hcl_edit::parser::parse_body(text).map_err(|e| Error {
        at: None,
        message: format!("not valid HCL: {}", e.message()),
        line: Some(e.location().line()),
    })?;
    let mut policies = Vec::new();
    let mut notes = Vec::new();
    for block in body.blocks() {
        let labels: Vec<&str> = block.labels.iter().map(label).collect();
        let at = block.span().map_or(0, |s| s.start);
        match (block.ident.as_str(), labels.as_slice()) {
            ("resource", [kind, name]) if POLICY_RESOURCES.contains(kind) => {
                let address = format!("{kind}.{name}");
                loops(block, &address, &mut notes);
                match block.body.get_attribute("policy") {
                    Some(attribute) => {
                        policies.push(policy_value(text, &address, &attribute.value, &mut notes))
                    }
                    None => notes.push(Note::new(at, "no `policy` argument").at(&address)),
                }
            }
            ("resource", ["aws_iam_role", name]) => {
                let role = format!("aws_iam_role.{name}");
                loops(block, &role, &mut notes);
                for (i, inline) in block.body.get_blocks("inline_policy").enumerate() {
                    let address = match inline
                        .body
                        .get_attribute("name")
                        .and_then(|a| a.value.as_str())
                    {
                        Some(name) => format!("{role}.inline_policy[\"{name}\"]"),
                        None => format!("{role}.inline_policy[{i}]"),
                    };
                    if let Some(attribute) = inline.body.get_attribute("policy") {
                        policies.push(policy_value(text, &address, &attribute.value, &mut notes));
                    }
                }
                for dynamic in block.body.get_blocks("dynamic") {
                    if dynamic
                        .labels
                        .iter()
                        .map(label)
                        .any(|l| l == "inline_policy")
                    {
                        let at = dynamic.span().map_or(0, |s| s.start);
                        notes.push(
                            Note::new(
                                at,
                                "a `dynamic \"inline_policy\"` block: generated, not read",
                            )
                            .at(&role),
                        );
                    }
                }
            }
            ("data", ["aws_iam_policy_document", name]) => {
                let address = format!("data.aws_iam_policy_document.{name}");
                loops(block, &address, &mut notes);
                let doc = policy_document(text, block, &address, &mut notes);
                policies.push(Policy {
                    address,
                    at,
                    body: Found::Document(doc),
                });
            }
            ("module", [name]) => {
                if let Some(source) = block
                    .body
                    .get_attribute("source")
                    .and_then(|a| a.value.as_str())
                {
                    if !source.starts_with("./") && !source.starts_with("../") {
                        notes.push(
                            Note::new(at, format!("module `{name}` comes from `{source}`: its policies are not read"))
                                .at(&format!("module.{name}")),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    Ok((policies, notes))
}

/// A block label's text.
fn label(label: &BlockLabel) -> &str {
    match label {
        BlockLabel::Ident(ident) => ident.as_str(),
        BlockLabel::String(string) => string.value().as_str(),
    }
}

/// A resource made by `count` or `for_each`: one text, several policies.
fn loops(block: &Block, address: &str, notes: &mut Vec<Note>) {
    for meta in ["count", "for_each"] {
        if let Some(attribute) = block.body.get_attribute(meta) {
            let at = attribute.span().map_or(0, |s| s.start);
            notes.push(
                Note::new(
                    at,
                    format!("made by `{meta}`: an edit changes every instance"),
                )
                .at(address),
            );
        }
    }
}

/// A `policy = ...` value.
fn policy_value(text: &str, address: &str, value: &Expression, notes: &mut Vec<Note>) -> Policy {
    let at = value.span().map_or(0, |s| s.start);
    let policy = |body| Policy {
        address: address.to_string(),
        at,
        body,
    };
    match value {
        Expression::FuncCall(call)
            if call.name.name.as_str() == "jsonencode" && call.args.len() == 1 =>
        {
            let Some(arg) = call.args.iter().next() else {
                return policy(Found::Unread);
            };
            let node = node(text, arg);
            match Document::from_node(&node, Lang::Hcl) {
                Ok(doc) => {
                    notes.extend(doc.notes.iter().cloned().map(|n| n.at(address)));
                    policy(Found::Document(doc))
                }
                Err(note) => {
                    notes.push(note.at(address));
                    policy(Found::Unread)
                }
            }
        }
        Expression::FuncCall(call) if call.name.name.as_str() == "file" && call.args.len() == 1 => {
            match call.args.iter().next().and_then(|arg| file_path(text, arg)) {
                Some(path) => policy(Found::File { path }),
                None => {
                    notes.push(
                        Note::new(at, "`file()` of a path that is not a literal: not read")
                            .at(address),
                    );
                    policy(Found::Unread)
                }
            }
        }
        Expression::HeredocTemplate(heredoc) => {
            let Some(span) = heredoc.template.span() else {
                return policy(Found::Unread);
            };
            let raw = text.get(span.clone()).unwrap_or("");
            match crate::tree::parse_yaml(raw, span.start) {
                Ok(node) => match Document::from_node(&node, Lang::Json) {
                    Ok(doc) => {
                        notes.extend(doc.notes.iter().cloned().map(|n| n.at(address)));
                        policy(Found::Document(doc))
                    }
                    Err(note) => {
                        notes.push(note.at(address));
                        policy(Found::Unread)
                    }
                },
                Err(_) => {
                    notes.push(
                        Note::new(
                            at,
                            "a heredoc that is not plain JSON (a template directive?): not read",
                        )
                        .at(address),
                    );
                    policy(Found::Unread)
                }
            }
        }
        Expression::Traversal(_) => {
            let source = text.get(value.span().unwrap_or(0..0)).unwrap_or("");
            let what = match source.strip_prefix("data.aws_iam_policy_document.") {
                Some(rest) => format!(
                    "the policy is `{source}`: refine `data.aws_iam_policy_document.{}`",
                    rest.split('.').next().unwrap_or(rest)
                ),
                None => format!("the policy is a reference (`{source}`): not read"),
            };
            notes.push(Note::new(at, what).at(address));
            policy(Found::Unread)
        }
        other => {
            let node = node(text, other);
            let what = match &node.kind {
                Kind::Scalar { .. } => "a quoted JSON string (escaped): not edited".to_string(),
                _ => format!("{}: not read", crate::doc::describe(&node)),
            };
            notes.push(Note::new(at, format!("the policy is {what}")).at(address));
            policy(Found::Unread)
        }
    }
}

/// The path of `file("policy.json")` or `file("${path.module}/policy.json")`.
fn file_path(text: &str, arg: &Expression) -> Option<String> {
    if let Some(path) = arg.as_str() {
        return Some(path.to_string());
    }
    let raw = text.get(arg.span()?)?;
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    let rest = inner.strip_prefix("${path.module}/")?;
    (!rest.contains("${") && !rest.contains('\\')).then(|| rest.to_string())
}

/// An HCL expression as a value tree.
pub fn node(text: &str, expr: &Expression) -> Node {
    let span = expr.span().unwrap_or(0..0);
    let opaque = |what: &str| Node {
        span: span.clone(),
        kind: Kind::Opaque {
            what: what.to_string(),
        },
    };
    let scalar = |value: Value, quote: Quote| Node {
        span: span.clone(),
        kind: Kind::Scalar { value, quote },
    };
    match expr {
        Expression::String(s) => scalar(s.value().as_str().into(), Quote::Double),
        Expression::Bool(b) => scalar((*b.value()).into(), Quote::Plain),
        Expression::Number(_) => {
            let raw = text.get(span.clone()).unwrap_or("0");
            scalar(
                serde_json::from_str(raw).unwrap_or_else(|_| raw.into()),
                Quote::Plain,
            )
        }
        Expression::Null(_) => scalar(Value::Null, Quote::Plain),
        Expression::Array(array) => Node {
            span: span.clone(),
            kind: Kind::Seq {
                items: array.iter().map(|e| node(text, e)).collect(),
                flow: true,
            },
        },
        Expression::Object(object) => Node {
            span: span.clone(),
            kind: Kind::Map {
                entries: object
                    .iter()
                    .map(|(key, value)| {
                        let key = match key {
                            ObjectKey::Ident(ident) => ident.as_str().to_string(),
                            ObjectKey::Expression(e) => e
                                .as_str()
                                .map_or_else(|| "<non-literal key>".to_string(), str::to_string),
                        };
                        (key, node(text, value.expr()))
                    })
                    .collect(),
            },
        },
        Expression::StringTemplate(_) => opaque("string with an interpolation"),
        Expression::HeredocTemplate(_) => opaque("heredoc"),
        Expression::Parenthesis(_) => opaque("parenthesized expression"),
        Expression::Variable(_) => opaque("variable"),
        Expression::Conditional(_) => opaque("conditional"),
        Expression::FuncCall(call) => Node {
            span: span.clone(),
            kind: Kind::Opaque {
                what: format!("call of `{}()`", call.name.name.as_str()),
            },
        },
        Expression::Traversal(_) => {
            let raw = text.get(span.clone()).unwrap_or("");
            Node {
                span: span.clone(),
                kind: Kind::Opaque {
                    what: format!("reference `{}`", raw.chars().take(60).collect::<String>()),
                },
            }
        }
        Expression::UnaryOp(_) | Expression::BinaryOp(_) => opaque("operation"),
        Expression::ForExpr(_) => opaque("`for` expression"),
    }
}

/// A `data "aws_iam_policy_document"` block's statements.
fn policy_document(text: &str, block: &Block, address: &str, notes: &mut Vec<Note>) -> Document {
    let mut doc = Document {
        lang: Lang::Hcl,
        layout: Layout::Blocks,
        span: block.span().unwrap_or(0..0),
        version: block
            .body
            .get_attribute("version")
            .and_then(|a| a.value.as_str())
            .map(str::to_string),
        statements: Vec::new(),
        notes: Vec::new(),
    };
    for merged in [
        "source_policy_documents",
        "override_policy_documents",
        "source_json",
        "override_json",
    ] {
        if let Some(attribute) = block.body.get_attribute(merged) {
            let at = attribute.span().map_or(0, |s| s.start);
            doc.notes.push(Note::new(
                at,
                format!("`{merged}`: the documents merged in are not read"),
            ));
        }
    }
    for structure in block.body.iter() {
        let Some(inner) = structure.as_block() else {
            continue;
        };
        let at = inner.span().map_or(0, |s| s.start);
        if inner.ident.as_str() == "dynamic" {
            doc.notes.push(Note::new(
                at,
                "a `dynamic` block: generated, kept as written",
            ));
            continue;
        }
        if inner.ident.as_str() != "statement" {
            continue;
        }
        if inner.body.get_attribute("actions").is_none()
            && inner.body.get_attribute("not_actions").is_none()
        {
            doc.notes.push(Note::new(
                at,
                "a statement without `actions` or `not_actions`: kept as written",
            ));
        }
        let stmt = statement(text, inner, &mut doc);
        doc.statements.push(stmt);
    }
    notes.extend(doc.notes.drain(..).map(|n| n.at(address)));
    doc
}

/// One `statement { ... }` block as the engine reads it.
fn statement(text: &str, block: &Block, doc: &mut Document) -> Stmt {
    let body: &Body = &block.body;
    let attr = |name: &str| body.get_attribute(name).map(|a| node(text, &a.value));
    let mut fields = Map::new();
    if let Some(sid) = attr("sid") {
        fields.insert("Sid".into(), sid.to_json());
    }
    let effect = attr("effect");
    let literal_effect = effect.as_ref().is_none_or(|e| e.as_str().is_some());
    fields.insert(
        "Effect".into(),
        effect
            .as_ref()
            .map_or_else(|| "Allow".into(), Node::to_json),
    );
    let mut actions = Actions::NonLiteral;
    for (name, key) in [
        ("actions", ActionKey::Action),
        ("not_actions", ActionKey::NotAction),
    ] {
        if let Some(value) = attr(name) {
            fields.insert(key.as_str().into(), value.to_json());
            if literal_effect {
                if let Some(list) = doc.list(key, &value) {
                    actions = Actions::Literal(list);
                }
            }
        }
    }
    if !literal_effect {
        if let Some(effect) = &effect {
            doc.notes.push(Note::new(
                effect.span.start,
                "`effect` is not a literal: the statement is kept as written",
            ));
        }
    }
    for (name, key) in [("resources", "Resource"), ("not_resources", "NotResource")] {
        if let Some(value) = attr(name) {
            doc.note_non_literal(name, &value);
            fields.insert(key.into(), value.to_json());
        }
    }
    let conditions = nested_blocks(text, body, doc, &mut fields);
    if !conditions.is_empty() {
        fields.insert("Condition".into(), Value::Object(conditions));
    }
    Stmt {
        span: block.span().unwrap_or(0..0),
        fields,
        actions,
    }
}

/// A statement's `condition` blocks, returned as its `Condition`, and its
/// `principals` / `not_principals` blocks, written into `fields`.
fn nested_blocks(
    text: &str,
    body: &Body,
    doc: &mut Document,
    fields: &mut Map<String, Value>,
) -> Map<String, Value> {
    let mut conditions = Map::new();
    for inner in body.blocks() {
        let get = |name: &str| {
            inner
                .body
                .get_attribute(name)
                .map(|a| node(text, &a.value).to_json())
        };
        let get_str = |name: &str| {
            get(name)
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        };
        match inner.ident.as_str() {
            "condition" => {
                for attribute in inner.body.attributes() {
                    doc.note_non_literal(attribute.key.as_str(), &node(text, &attribute.value));
                }
                let entry = conditions
                    .entry(get_str("test"))
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(map) = entry {
                    map.insert(get_str("variable"), get("values").unwrap_or(Value::Null));
                }
            }
            kind @ ("principals" | "not_principals") => {
                let key = if kind == "principals" {
                    "Principal"
                } else {
                    "NotPrincipal"
                };
                let entry = fields
                    .entry(key)
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(map) = entry {
                    map.insert(get_str("type"), get("identifiers").unwrap_or(Value::Null));
                }
            }
            _ => {}
        }
    }
    conditions
}
