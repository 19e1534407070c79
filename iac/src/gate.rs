//! The pull-request question: does a new version of a policy grant
//! anything the old one did not? Wildcards are compared as patterns
//! (`s3:*` holds every `s3:Get*` action, also those AWS adds later), so a
//! widened wildcard is a new grant even when today's catalog lists nothing
//! more under it.

use pare_engine::{ActionKey, Effect, Pattern, Policy, Statement};
use serde_json::{Map, Value};

/// Something the new version grants that the old did not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The statement of the new version (engine index), or `None` for a
    /// `Deny` that the new version lost.
    pub statement: Option<usize>,
    /// The entry of that statement, when one entry is the grant.
    pub entry: Option<usize>,
    /// What it grants, in a sentence.
    pub message: String,
}

/// The other fields that decide where a statement applies: everything
/// but `Sid`, `Effect` and the action key.
fn scope(statement: &Statement) -> Map<String, Value> {
    let mut fields = statement.other_fields();
    fields.shift_remove("Sid");
    fields.shift_remove("Effect");
    fields
}

/// Whether `old`'s scope holds `new`'s: the same fields, or every resource
/// with no condition.
fn scope_holds(old: &Statement, new: &Statement) -> bool {
    let old_scope = scope(old);
    if old_scope == scope(new) {
        return true;
    }
    let everywhere = |v: &Value| match v {
        Value::String(s) => s == "*",
        Value::Array(items) => items.iter().any(|i| i.as_str() == Some("*")),
        _ => false,
    };
    old_scope.len() == 1 && old_scope.get("Resource").is_some_and(everywhere)
}

fn patterns(statement: &Statement) -> Vec<Pattern> {
    statement
        .entries()
        .iter()
        .map(|e| Pattern::new(e))
        .collect()
}

/// What `new` grants that `old` did not, statement by statement.
pub fn new_grants(old: &Policy, new: &Policy) -> Vec<Grant> {
    let allows = |p: &'_ Policy, key: ActionKey| -> Vec<Statement> {
        p.statements()
            .iter()
            .filter(|s| s.effect() == Effect::Allow && s.key() == key)
            .cloned()
            .collect()
    };
    let old_actions = allows(old, ActionKey::Action);
    let old_not = allows(old, ActionKey::NotAction);
    let mut grants = Vec::new();
    for (k, statement) in new.statements().iter().enumerate() {
        if statement.effect() != Effect::Allow {
            continue;
        }
        match statement.key() {
            ActionKey::Action => grants.extend(new_action_grants(k, statement, &old_actions)),
            ActionKey::NotAction => {
                if !not_action_held(statement, &old_actions, &old_not) {
                    grants.push(Grant {
                        statement: Some(k),
                        entry: None,
                        message: "this `NotAction` statement grants actions the old version did not (an exclusion was dropped or narrowed, or the statement is new)".to_string(),
                    });
                }
            }
        }
    }
    grants.extend(dropped_denies(old, new));
    grants
}

/// The entries of the `Action` statement `k` of the new version that no
/// old statement of the same scope grants.
fn new_action_grants(k: usize, statement: &Statement, old_actions: &[Statement]) -> Vec<Grant> {
    let in_scope: Vec<&Statement> = old_actions
        .iter()
        .filter(|t| scope_holds(t, statement))
        .collect();
    let mut grants = Vec::new();
    for (e, pattern) in patterns(statement).iter().enumerate() {
        let held = in_scope
            .iter()
            .any(|t| patterns(t).iter().any(|q| q.contains(pattern)));
        if held {
            continue;
        }
        let narrower = in_scope
            .iter()
            .flat_map(|t| patterns(t))
            .find(|q| pattern.contains(q));
        let message = match narrower {
            Some(q) => format!(
                "`{}` widens `{}`: it grants every action it matches, including those AWS adds later",
                pattern.as_str(),
                q.as_str()
            ),
            None if old_actions
                .iter()
                .any(|t| patterns(t).iter().any(|q| q.contains(pattern))) =>
            {
                format!(
                    "`{}` was granted on other resources or conditions only",
                    pattern.as_str()
                )
            }
            None => format!("`{}` is a new grant", pattern.as_str()),
        };
        grants.push(Grant {
            statement: Some(k),
            entry: Some(e),
            message,
        });
    }
    grants
}

/// Whether the old version granted all that a new `NotAction` statement
/// grants: an old `*` in its scope, or an old `NotAction` of its scope
/// whose every exclusion the new one still excludes.
fn not_action_held(
    statement: &Statement,
    old_actions: &[Statement],
    old_not: &[Statement],
) -> bool {
    let star = old_actions
        .iter()
        .filter(|t| scope_holds(t, statement))
        .any(|t| patterns(t).iter().any(|q| q.contains(&Pattern::new("*"))));
    let excluded = patterns(statement);
    star || old_not
        .iter()
        .filter(|t| scope_holds(t, statement))
        .any(|t| {
            patterns(t)
                .iter()
                .all(|old_exclusion| excluded.iter().any(|x| x.contains(old_exclusion)))
        })
}

/// A deny that is gone or narrower grants what it used to deny.
fn dropped_denies(old: &Policy, new: &Policy) -> Vec<Grant> {
    let mut grants = Vec::new();
    for denied in old
        .statements()
        .iter()
        .filter(|s| s.effect() == Effect::Deny)
    {
        let kept = new.statements().iter().any(|n| {
            n.effect() == Effect::Deny
                && n.key() == denied.key()
                && scope(n) == scope(denied)
                && match denied.key() {
                    ActionKey::Action => patterns(denied)
                        .iter()
                        .all(|d| patterns(n).iter().any(|x| x.contains(d))),
                    ActionKey::NotAction => patterns(n)
                        .iter()
                        .all(|x| patterns(denied).iter().any(|d| d.contains(x))),
                }
        });
        if !kept {
            grants.push(Grant {
                statement: None,
                entry: None,
                message: format!(
                    "the `Deny` of {} {} is gone or narrower",
                    denied.key().as_str(),
                    denied
                        .entries()
                        .iter()
                        .map(|e| format!("`{e}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }
    grants
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(statements: &str) -> Policy {
        Policy::parse(&format!(
            r#"{{"Version": "2012-10-17", "Statement": {statements}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn a_widened_wildcard_is_a_new_grant() {
        let old = policy(r#"[{"Effect": "Allow", "Action": ["s3:Get*"], "Resource": "*"}]"#);
        let new = policy(r#"[{"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}]"#);
        let grants = new_grants(&old, &new);
        assert_eq!(grants.len(), 1);
        assert!(grants[0].message.contains("widens `s3:Get*`"), "{grants:?}");
        assert!(new_grants(&new, &old).is_empty());
    }

    #[test]
    fn narrowing_and_reordering_grant_nothing() {
        let old = policy(
            r#"[{"Effect": "Allow", "Action": ["s3:*", "sqs:SendMessage"], "Resource": "*"}]"#,
        );
        let new = policy(
            r#"[{"Sid": "x", "Effect": "Allow", "Action": ["sqs:sendmessage", "s3:Get*"], "Resource": "*"}]"#,
        );
        assert!(new_grants(&old, &new).is_empty());
    }

    #[test]
    fn another_resource_is_a_new_grant() {
        let old = policy(
            r#"[{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a/*"}]"#,
        );
        let new = policy(
            r#"[{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]"#,
        );
        let grants = new_grants(&old, &new);
        assert_eq!(grants.len(), 1);
        assert!(grants[0].message.contains("other resources"), "{grants:?}");
    }

    #[test]
    fn a_dropped_deny_or_exclusion_is_a_new_grant() {
        let old = policy(
            r#"[{"Effect": "Allow", "NotAction": ["iam:*", "s3:Delete*"], "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]"#,
        );
        let new = policy(r#"[{"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"}]"#);
        let grants = new_grants(&old, &new);
        assert_eq!(grants.len(), 2, "{grants:?}");
        let same =
            policy(r#"[{"Effect": "Allow", "NotAction": ["iam:*", "s3:*"], "Resource": "*"}]"#);
        assert!(
            new_grants(&old, &same)
                .iter()
                .all(|g| g.statement.is_none())
        );
    }
}
