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

/// The two spellings of a recommendation: Access Analyzer's
/// `get-finding-recommendation` (camelCase) and Security Hub's
/// `get-recommended-policy-v2` (PascalCase), whose steps also carry the
/// policy the recommendation was made from (`ExistingPolicy`).
struct Spelling {
    steps: &'static str,
    step: &'static str,
    status: &'static str,
    action: &'static str,
    policy: &'static str,
    existing: Option<&'static str>,
}

const ACCESS_ANALYZER: Spelling = Spelling {
    steps: "recommendedSteps",
    step: "unusedPermissionsRecommendedStep",
    status: "status",
    action: "recommendedAction",
    policy: "recommendedPolicy",
    existing: None,
};

const SECURITY_HUB: Spelling = Spelling {
    steps: "RecommendationSteps",
    step: "UnusedPermissions",
    status: "Status",
    action: "RecommendedAction",
    policy: "RecommendedPolicy",
    existing: Some("ExistingPolicy"),
};

/// The refined policy of a recommendation with one step, or `None` when the
/// text is not a recommendation (not a JSON object with `recommendedSteps`,
/// or Security Hub's `RecommendationSteps`): it is then a policy document.
/// `DETACH_POLICY` stands for `original` with no statement. A Security Hub
/// step's `ExistingPolicy`, when present, must be `original`: a
/// recommendation checked against another policy than its own proves nothing.
pub fn parse_single_step(text: &str, original: &Policy) -> Result<Option<Policy>, Error> {
    let Ok(Value::Object(object)) = crate::json::parse(text) else {
        return Ok(None);
    };
    let (spelling, steps) = match (
        object.get(ACCESS_ANALYZER.steps),
        object.get(SECURITY_HUB.steps),
    ) {
        (Some(steps), None) => (&ACCESS_ANALYZER, steps),
        (None, Some(steps)) => (&SECURITY_HUB, steps),
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err(shape(format!(
                "the recommendation has both `{}` and `{}`: it is neither Access Analyzer's nor Security Hub's",
                ACCESS_ANALYZER.steps, SECURITY_HUB.steps
            )));
        }
    };
    match object.get(spelling.status) {
        None | Some(Value::Null) => {}
        Some(Value::String(status)) if status == "SUCCEEDED" => {}
        Some(Value::String(status)) => {
            return Err(shape(format!(
                "the recommendation's status is `{status}`, not `SUCCEEDED`"
            )));
        }
        Some(other) => {
            return Err(shape(format!(
                "`{}` must be a string, found {}",
                spelling.status,
                crate::policy::kind(other)
            )));
        }
    }
    let Value::Array(steps) = steps else {
        return Err(shape(format!("`{}` must be an array", spelling.steps)));
    };
    let [step] = steps.as_slice() else {
        return Err(shape(format!(
            "the recommendation has {} steps; verify one policy at a time (for example `jq '.{} |= [.[0]]'`)",
            steps.len(),
            spelling.steps
        )));
    };
    let step = step.get(spelling.step).ok_or_else(|| {
        shape(format!(
            "`{}[0]` has no `{}`",
            spelling.steps, spelling.step
        ))
    })?;
    let here = format!("{}[0].{}", spelling.steps, spelling.step);
    if let Some(key) = spelling.existing {
        if let Some(existing) = step.get(key).filter(|v| !v.is_null()) {
            let existing = document(existing, &format!("{here}.{key}"))?;
            if &existing != original {
                return Err(shape(format!(
                    "the recommendation was made from another policy than ORIGINAL (its `{key}` differs): verify it against the policy it was made from"
                )));
            }
        }
    }
    match step.get(spelling.action).and_then(Value::as_str) {
        Some("DETACH_POLICY") => Ok(Some(original.with_statements(Vec::new()))),
        Some("CREATE_POLICY") => {
            let recommended = step.get(spelling.policy).ok_or_else(|| {
                shape(format!(
                    "a `CREATE_POLICY` step without `{}`",
                    spelling.policy
                ))
            })?;
            document(recommended, &format!("{here}.{}", spelling.policy)).map(Some)
        }
        Some(other) => Err(shape(format!(
            "unknown `{}` `{}` (expected `CREATE_POLICY` or `DETACH_POLICY`)",
            spelling.action, other
        ))),
        None => Err(shape(format!(
            "the recommended step has no `{}`",
            spelling.action
        ))),
    }
}

/// A policy inside a recommendation: a JSON string holding the document, not
/// URL-encoded (a `%` in it is literal), or the document itself.
fn document(value: &Value, path: &str) -> Result<Policy, Error> {
    match value {
        Value::String(text) => {
            crate::json::parse(text).and_then(|value| Policy::from_value(value, path))
        }
        other => Policy::from_value(other.clone(), path),
    }
}

fn shape(message: String) -> Error {
    Error {
        kind: ErrorKind::Shape,
        location: None,
        message,
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

    fn security_hub(step: Value) -> String {
        json!({
            "RecommendationType": "UNUSED_PERMISSION_RECOMMENDATION",
            "Status": "SUCCEEDED",
            "ResourceArn": "arn:aws:iam::111122223333:role/r",
            "RecommendationSteps": [{"UnusedPermissions": step}]
        })
        .to_string()
    }

    #[test]
    fn security_hub_recommendations_read_like_access_analyzers() {
        let original = policy(r#"["s3:GetObject","s3:PutObject"]"#);
        let refined = policy(r#"["s3:GetObject"]"#);
        let existing = original.to_compact_string();
        let create = security_hub(json!({
            "RecommendedAction": "CREATE_POLICY",
            "ExistingPolicy": existing,
            "ExistingPolicyId": "arn:aws:iam::111122223333:policy/p",
            "PolicyUpdatedAt": "2026-05-01T00:00:00Z",
            "RecommendedPolicy": refined.to_compact_string()
        }));
        assert_eq!(parse_single_step(&create, &original), Ok(Some(refined)));
        // Without `ExistingPolicy` the step is taken as made from ORIGINAL.
        let detach = security_hub(json!({"RecommendedAction": "DETACH_POLICY"}));
        assert_eq!(
            parse_single_step(&detach, &original),
            Ok(Some(original.with_statements(Vec::new())))
        );
    }

    #[test]
    fn a_security_hub_step_from_another_policy_is_refused() {
        let original = policy(r#"["s3:GetObject","s3:PutObject"]"#);
        let other = policy(r#""s3:*""#);
        for action in ["DETACH_POLICY", "CREATE_POLICY"] {
            let text = security_hub(json!({
                "RecommendedAction": action,
                "ExistingPolicy": other.to_compact_string(),
                "RecommendedPolicy": original.to_compact_string()
            }));
            let err = parse_single_step(&text, &original).unwrap_err();
            assert!(
                err.to_string().contains("another policy than ORIGINAL"),
                "{err}"
            );
        }
    }

    #[test]
    fn malformed_security_hub_recommendations_say_what_is_wrong() {
        let original = policy(r#""s3:GetObject""#);
        // (text, message)
        let cases = [
            (
                r#"{"Status": "IN_PROGRESS", "RecommendationSteps": []}"#.to_string(),
                "status is `IN_PROGRESS`",
            ),
            (
                r#"{"Status": 7, "RecommendationSteps": []}"#.to_string(),
                "`Status` must be a string",
            ),
            (
                r#"{"RecommendationSteps": "x"}"#.to_string(),
                "`RecommendationSteps` must be an array",
            ),
            (
                r#"{"RecommendationSteps": [], "recommendedSteps": []}"#.to_string(),
                "has both",
            ),
            (
                r#"{"RecommendationSteps": [{"unusedPermissionsRecommendedStep": {}}]}"#
                    .to_string(),
                "no `UnusedPermissions`",
            ),
            (
                security_hub(json!({"RecommendedAction": "CREATE_POLICY"})),
                "without `RecommendedPolicy`",
            ),
            (
                security_hub(json!({"RecommendedAction": "REMOVE\u{1b}[2J"})),
                "unknown `RecommendedAction`",
            ),
            (
                security_hub(json!({"RecommendedAction": "DETACH_POLICY", "ExistingPolicy": 42})),
                "ExistingPolicy",
            ),
            (
                security_hub(
                    json!({"RecommendedAction": "CREATE_POLICY", "RecommendedPolicy": "{\"Statement\": 1"}),
                ),
                "",
            ),
        ];
        for (text, message) in cases {
            let err = parse_single_step(&text, &original).unwrap_err();
            assert!(err.to_string().contains(message), "{text}: {err}");
        }
    }
}
