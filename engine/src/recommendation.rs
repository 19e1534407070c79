//! Access Analyzer's recommendation format (the output of `aws accessanalyzer
//! get-finding-recommendation`), read and written in this one place: `pare
//! refine --format recommendation` and `pare account` write it, `pare verify`
//! reads it.

use serde_json::{Map, Value, json};

use crate::error::{Error, ErrorKind};
use crate::policy::Policy;

/// Access Analyzer's recommended action for a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecommendedAction {
    /// Replace the policy with the refined one.
    CreatePolicy,
    /// Nothing of the policy is used: detach it.
    DetachPolicy,
}

impl RecommendedAction {
    /// `DETACH_POLICY` when no statement of the refined policy remains,
    /// `CREATE_POLICY` otherwise.
    pub fn for_refined(policy: &Policy) -> RecommendedAction {
        if policy.statements().is_empty() {
            RecommendedAction::DetachPolicy
        } else {
            RecommendedAction::CreatePolicy
        }
    }

    /// `CREATE_POLICY` or `DETACH_POLICY`, as the format spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            RecommendedAction::CreatePolicy => "CREATE_POLICY",
            RecommendedAction::DetachPolicy => "DETACH_POLICY",
        }
    }
}

/// One `unusedPermissionsRecommendedStep`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RecommendedStep<'p> {
    /// What to do.
    pub action: RecommendedAction,
    /// For `CREATE_POLICY`, the policy to create.
    pub policy: Option<&'p Policy>,
    /// `existingPolicyId`: the policy's name or ARN, when there is one to give.
    pub existing_policy_id: Option<&'p str>,
}

impl<'p> RecommendedStep<'p> {
    /// The step for a refinement: `DETACH_POLICY` when nothing of it remains,
    /// else `CREATE_POLICY` with the refined policy.
    pub fn for_refined(refined: &'p Policy, existing_policy_id: Option<&'p str>) -> Self {
        let action = RecommendedAction::for_refined(refined);
        RecommendedStep {
            action,
            policy: (action == RecommendedAction::CreatePolicy).then_some(refined),
            existing_policy_id,
        }
    }

    /// `{"unusedPermissionsRecommendedStep": {...}}`, the policy as a compact
    /// JSON string, as Access Analyzer gives it.
    pub fn to_json(&self) -> Value {
        let mut step = Map::new();
        step.insert("recommendedAction".into(), self.action.as_str().into());
        if let Some(policy) = self.policy {
            step.insert(
                "recommendedPolicy".into(),
                policy.to_compact_string().into(),
            );
        }
        if let Some(id) = self.existing_policy_id {
            step.insert("existingPolicyId".into(), id.into());
        }
        json!({ "unusedPermissionsRecommendedStep": step })
    }
}

/// A recommendation of these steps, without the fields only the service knows
/// (times, the finding); `resource_arn` is the principal's, when known.
/// Callers may add their own keys after these.
pub fn recommendation(resource_arn: Option<&str>, steps: Vec<Value>) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(arn) = resource_arn {
        out.insert("resourceArn".into(), arn.into());
    }
    out.insert(
        "recommendationType".into(),
        "UnusedPermissionRecommendation".into(),
    );
    out.insert("status".into(), "SUCCEEDED".into());
    out.insert("recommendedSteps".into(), Value::Array(steps));
    out
}

/// The refined policy of a recommendation with one step, or `None` when the
/// text is not a recommendation (not a JSON object with `recommendedSteps`):
/// it is then a policy document. `DETACH_POLICY` stands for `original` with no
/// statement.
pub fn parse_single_step(text: &str, original: &Policy) -> Result<Option<Policy>, Error> {
    let Ok(Value::Object(object)) = crate::json::parse(text) else {
        return Ok(None);
    };
    let Some(steps) = object.get("recommendedSteps") else {
        return Ok(None);
    };
    let shape = |message: String| Error {
        kind: ErrorKind::Shape,
        location: None,
        message,
    };
    if let Some(status) = object.get("status").and_then(Value::as_str) {
        if status != "SUCCEEDED" {
            return Err(shape(format!(
                "the recommendation's status is `{status}`, not `SUCCEEDED`"
            )));
        }
    }
    let Value::Array(steps) = steps else {
        return Err(shape("`recommendedSteps` must be an array".to_string()));
    };
    let [step] = steps.as_slice() else {
        return Err(shape(format!(
            "the recommendation has {} steps; verify one policy at a time (for example `jq '.recommendedSteps |= [.[0]]'`)",
            steps.len()
        )));
    };
    let step = step
        .get("unusedPermissionsRecommendedStep")
        .ok_or_else(|| {
            shape("`recommendedSteps[0]` has no `unusedPermissionsRecommendedStep`".to_string())
        })?;
    match step.get("recommendedAction").and_then(Value::as_str) {
        Some("DETACH_POLICY") => Ok(Some(original.with_statements(Vec::new()))),
        Some("CREATE_POLICY") => {
            let document = step.get("recommendedPolicy").cloned().ok_or_else(|| {
                shape("a `CREATE_POLICY` step without `recommendedPolicy`".to_string())
            })?;
            // A JSON string holding the document, not URL-encoded: a `%` in it is literal.
            let path = "recommendedSteps[0].unusedPermissionsRecommendedStep.recommendedPolicy";
            match document {
                Value::String(text) => {
                    crate::json::parse(&text).and_then(|value| Policy::from_value(value, path))
                }
                other => Policy::from_value(other, path),
            }
            .map(Some)
        }
        Some(other) => Err(shape(format!(
            "unknown `recommendedAction` `{other}` (expected `CREATE_POLICY` or `DETACH_POLICY`)"
        ))),
        None => Err(shape(
            "the recommended step has no `recommendedAction`".to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(actions: &str) -> Policy {
        Policy::parse(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{actions},"Resource":"*"}}]}}"#
        ))
        .unwrap()
    }

    #[test]
    fn what_is_written_reads_back() {
        let original = policy(r#"["s3:GetObject","s3:PutObject"]"#);
        let refined = policy(r#"["s3:GetObject"]"#);
        let empty = original.with_statements(Vec::new());
        for (refined, id) in [(&refined, Some("app")), (&empty, None)] {
            let step = RecommendedStep::for_refined(refined, id).to_json();
            let document = Value::Object(recommendation(Some("arn:aws:iam::1:role/a"), vec![step]));
            let text = document.to_string();
            assert_eq!(
                parse_single_step(&text, &original).unwrap().as_ref(),
                Some(refined)
            );
        }
        assert_eq!(
            parse_single_step(r#"{"Statement": []}"#, &original),
            Ok(None)
        );
        assert_eq!(parse_single_step("not json", &original), Ok(None));
    }

    #[test]
    fn malformed_recommendations_say_what_is_wrong() {
        let original = policy(r#""s3:GetObject""#);
        // (text, message)
        let cases = [
            (
                r#"{"status": "FAILED", "recommendedSteps": []}"#,
                "status is `FAILED`",
            ),
            (r#"{"recommendedSteps": {}}"#, "must be an array"),
            (r#"{"recommendedSteps": [{}, {}]}"#, "has 2 steps"),
            (
                r#"{"recommendedSteps": [{}]}"#,
                "no `unusedPermissionsRecommendedStep`",
            ),
            (
                r#"{"recommendedSteps": [{"unusedPermissionsRecommendedStep": {"recommendedAction": "X"}}]}"#,
                "unknown `recommendedAction` `X`",
            ),
            (
                r#"{"recommendedSteps": [{"unusedPermissionsRecommendedStep": {"recommendedAction": "CREATE_POLICY"}}]}"#,
                "without `recommendedPolicy`",
            ),
        ];
        for (text, message) in cases {
            let err = parse_single_step(text, &original).unwrap_err();
            assert!(err.to_string().contains(message), "{text}: {err}");
        }
    }
}
