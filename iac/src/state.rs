//! `terraform show -json` output: which resource of the configuration holds
//! which IAM policy of the account.
//!
//! The shape is HashiCorp's "JSON Output Format" for state: `values.root_module`
//! holds `resources` (each with `address`, `mode`, `type`, `name`, an `index`
//! when `count` or `for_each` made it, and `values`) and `child_modules`, each a
//! module with its `address` (`module.app`) and the same fields, nested. The
//! output for a saved plan has the same under `prior_state`.

use serde_json::Value;

use crate::Error;

/// An IAM policy of the account, as the account details name it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Identity {
    /// A customer managed policy, by ARN.
    Managed(String),
    /// An inline policy of a role, user or group.
    Inline {
        /// `role`, `user` or `group`.
        kind: &'static str,
        /// The principal's name.
        entity: String,
        /// The policy's name.
        policy: String,
    },
}

impl Identity {
    /// An inline policy of `kind` (`role`, `user`, `group`).
    pub fn inline(kind: &'static str, entity: &str, policy: &str) -> Identity {
        Identity::Inline {
            kind,
            entity: entity.to_string(),
            policy: policy.to_string(),
        }
    }
}

/// A managed resource of the state that holds IAM policies.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// The module's address (`module.app`, `module.a.module.b`); `None` in
    /// the root module.
    pub module: Option<String>,
    /// The resource's full address, as the state gives it.
    pub address: String,
    /// `count` or `for_each` made it (the state has an `index`).
    pub indexed: bool,
    /// The policies it holds: the address of each in its module's source
    /// (as [`crate::scan`] names it) and which policy of the account it is.
    pub holds: Vec<(String, Identity)>,
}

/// The resources of `terraform show -json` output that hold IAM policies.
pub fn parse(text: &str) -> Result<Vec<Resource>, Error> {
    let fail = |message: String| Error {
        at: None,
        line: None,
        message,
    };
    let value: Value =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| Error {
            at: None,
            line: Some(e.line()),
            message: format!("not valid JSON: {e}"),
        })?;
    // A saved plan's `terraform show -json` has the state as `prior_state`.
    let root = value
        .get("values")
        .or_else(|| value.get("prior_state").and_then(|p| p.get("values")))
        .and_then(|v| v.get("root_module"))
        .filter(|r| r.is_object());
    let Some(root) = root else {
        // A state with no resources has no `values`; anything else is not state.
        if value.get("format_version").is_some() && value.get("values").is_none() {
            return Ok(Vec::new());
        }
        return Err(fail(
            "not `terraform show -json` output of a state: no `values.root_module`".to_string(),
        ));
    };
    let mut out = Vec::new();
    let mut modules = vec![(root, 0usize)];
    while let Some((module, depth)) = modules.pop() {
        if depth > 64 {
            return Err(fail("modules nested more than 64 deep".to_string()));
        }
        let address = module
            .get("address")
            .and_then(Value::as_str)
            .map(str::to_string);
        for resource in module
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if resource.get("mode").and_then(Value::as_str) != Some("managed") {
                continue;
            }
            let (Some(kind), Some(name)) = (
                resource.get("type").and_then(Value::as_str),
                resource.get("name").and_then(Value::as_str),
            ) else {
                continue;
            };
            let holds = holds(kind, name, resource.get("values").unwrap_or(&Value::Null));
            if holds.is_empty() {
                continue;
            }
            out.push(Resource {
                module: address.clone(),
                address: resource
                    .get("address")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("{kind}.{name}"), str::to_string),
                indexed: resource.get("index").is_some_and(|i| !i.is_null()),
                holds,
            });
        }
        for child in module
            .get("child_modules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .rev()
        {
            modules.push((child, depth + 1));
        }
    }
    Ok(out)
}

/// What a resource of type `kind` named `name` holds, from its `values`.
fn holds(kind: &str, name: &str, values: &Value) -> Vec<(String, Identity)> {
    let text = |key: &str| {
        values
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let address = format!("{kind}.{name}");
    let inline = |entity_key: &str, kind: &'static str| match (text(entity_key), text("name")) {
        (Some(entity), Some(policy)) => {
            vec![(address.clone(), Identity::inline(kind, entity, policy))]
        }
        _ => Vec::new(),
    };
    match kind {
        "aws_iam_policy" => text("arn")
            .map(|arn| vec![(address.clone(), Identity::Managed(arn.to_string()))])
            .unwrap_or_default(),
        "aws_iam_role_policy" => inline("role", "role"),
        "aws_iam_user_policy" => inline("user", "user"),
        "aws_iam_group_policy" => inline("group", "group"),
        "aws_iam_role" => {
            let Some(role) = text("name") else {
                return Vec::new();
            };
            values
                .get("inline_policy")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|block| block.get("name").and_then(Value::as_str))
                .filter(|policy| !policy.is_empty())
                .map(|policy| {
                    (
                        format!("{address}.inline_policy[\"{policy}\"]"),
                        Identity::inline("role", role, policy),
                    )
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// One step of a module address: `module.NAME`, and whether it has an
/// instance key (`module.NAME[0]`, `module.NAME["a"]`), which `count` or
/// `for_each` on the module call made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleStep {
    /// The module call's name.
    pub name: String,
    /// It has an instance key.
    pub indexed: bool,
}

/// The steps of a module address such as `module.a.module.b["x"]`; `None`
/// when it is not one.
pub fn module_path(address: &str) -> Option<Vec<ModuleStep>> {
    let mut steps = Vec::new();
    let mut rest = address;
    while !rest.is_empty() {
        rest = rest.strip_prefix("module.")?;
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let (name, after) = rest.split_at(end);
        if name.is_empty() {
            return None;
        }
        let mut indexed = false;
        rest = after;
        if rest.starts_with('[') {
            indexed = true;
            // The key may hold `]` inside a quoted string.
            let close = if rest.starts_with("[\"") {
                rest.get(2..)?.find("\"]").map(|i| i + 4)?
            } else {
                rest.find(']').map(|i| i + 1)?
            };
            rest = rest.get(close..)?;
        }
        steps.push(ModuleStep {
            name: name.to_string(),
            indexed,
        });
        if let Some(next) = rest.strip_prefix('.') {
            rest = next;
        } else if !rest.is_empty() {
            return None;
        }
    }
    Some(steps)
}

/// The `source` of each `module "NAME"` block of a `.tf` file: `(NAME,
/// source)` when the source is a literal string.
pub fn module_sources(text: &str) -> Result<Vec<(String, String)>, Error> {
    let body = hcl_edit::parser::parse_body(text).map_err(|e| Error {
        at: None,
        message: format!("not valid HCL: {}", e.message()),
        line: Some(e.location().line()),
    })?;
    let mut out = Vec::new();
    for block in body.blocks() {
        if block.ident.as_str() != "module" {
            continue;
        }
        let [label] = block.labels.as_slice() else {
            continue;
        };
        let name = match label {
            hcl_edit::structure::BlockLabel::Ident(ident) => ident.as_str().to_string(),
            hcl_edit::structure::BlockLabel::String(s) => s.value().to_string(),
        };
        if let Some(source) = block
            .body
            .get_attribute("source")
            .and_then(|a| a.value.as_str())
        {
            out.push((name, source.to_string()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_addresses() {
        let steps = module_path("module.a.module.b[\"x.]\"]").unwrap();
        assert_eq!(steps.len(), 2);
        assert!(!steps[0].indexed && steps[1].indexed);
        assert_eq!(steps[1].name, "b");
        assert!(module_path("module.a[0]").unwrap()[0].indexed);
        for bad in ["aws_iam_role.x", "module.", "module.a.b", "module.a[0"] {
            assert!(module_path(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn state_resources_and_what_they_hold() {
        let state = r#"{"format_version":"1.0","values":{"root_module":{"resources":[
          {"address":"aws_iam_policy.p","mode":"managed","type":"aws_iam_policy","name":"p",
           "values":{"arn":"arn:aws:iam::1:policy/P","name":"P"}},
          {"address":"data.aws_iam_policy_document.d","mode":"data","type":"aws_iam_policy_document","name":"d","values":{}},
          {"address":"aws_iam_user_policy.u","mode":"managed","type":"aws_iam_user_policy","name":"u",
           "values":{"user":"alice","name":"U"}},
          {"address":"aws_iam_group_policy.g","mode":"managed","type":"aws_iam_group_policy","name":"g",
           "values":{"group":"devs","name":"G"}},
          {"address":"aws_iam_group_policy.nameless","mode":"managed","type":"aws_iam_group_policy","name":"nameless",
           "values":{"group":"devs","name":null}},
          {"address":"aws_iam_role.r","mode":"managed","type":"aws_iam_role","name":"r",
           "values":{"name":"R","inline_policy":[{"name":"a","policy":"{}"},{"name":"b"}]}}],
          "child_modules":[{"address":"module.m","resources":[
          {"address":"module.m.aws_iam_role_policy.x[0]","mode":"managed","type":"aws_iam_role_policy","name":"x","index":0,
           "values":{"role":"R","name":"x"}}]}]}}}"#;
        let resources = parse(state).unwrap();
        assert_eq!(resources.len(), 5);
        assert_eq!(
            resources[1].holds,
            [(
                "aws_iam_user_policy.u".to_string(),
                Identity::inline("user", "alice", "U")
            )]
        );
        assert_eq!(
            resources[2].holds,
            [(
                "aws_iam_group_policy.g".to_string(),
                Identity::inline("group", "devs", "G")
            )]
        );
        let resources: Vec<Resource> = [0, 3, 4].iter().map(|&i| resources[i].clone()).collect();
        assert_eq!(
            resources[0].holds,
            [(
                "aws_iam_policy.p".to_string(),
                Identity::Managed("arn:aws:iam::1:policy/P".into())
            )]
        );
        assert_eq!(resources[1].holds.len(), 2);
        assert_eq!(
            resources[1].holds[1].0,
            "aws_iam_role.r.inline_policy[\"b\"]"
        );
        assert_eq!(resources[2].module.as_deref(), Some("module.m"));
        assert!(resources[2].indexed);
        let plan =
            format!(r#"{{"format_version":"1.2","planned_values":{{}},"prior_state":{state}}}"#);
        assert_eq!(parse(&plan).unwrap().len(), 5);
        assert!(parse(r#"{"Statement":[]}"#).is_err());
        assert!(parse("{").is_err());
    }
}
