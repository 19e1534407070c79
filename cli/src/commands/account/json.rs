//! `--format json`, and the recommendations `--out` writes.

use super::*;
use pare_engine::recommendation::{RecommendedStep, recommendation};

/// `pare account --format json` as a serde value that builds each
/// recommendation only when the serializer reaches it. The frame gives the
/// keys and their order; its `"recommendations"` is replaced on the way out.
pub(super) struct JsonOut<'v> {
    pub(super) view: &'v View<'v>,
    pub(super) frame: &'v Value,
}

impl serde::Serialize for JsonOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Value::Object(frame) = self.frame else {
            return self.frame.serialize(serializer);
        };
        let mut map = serializer.serialize_map(Some(frame.len()))?;
        for (key, value) in frame {
            if key == "recommendations" {
                map.serialize_entry(key, &Recommendations(self.view))?;
            } else {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

/// The recommendations, one principal at a time.
pub(super) struct Recommendations<'v>(&'v View<'v>);

impl serde::Serialize for Recommendations<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let view = self.0;
        serializer.collect_seq(
            view.plan
                .principals
                .iter()
                .map(|principal| view.recommendation_json(principal)),
        )
    }
}

/// The version of `--format json`'s layout. 2: a shared policy's holders are
/// listed once, under `sharedPolicies`, and each holder's entry names it
/// (`sharedPolicy`) instead of listing them (`sharedWith`,
/// `holdersWithoutFinding`).
const FORMAT_VERSION: u32 = 2;

impl View<'_> {
    /// The key of a shared policy under `sharedPolicies`: a managed policy's
    /// ARN, or an inline policy's owner and name (`group/Devs/inline/Read`).
    fn shared_key(&self, policy: &PolicyPlan) -> String {
        match &policy.reference {
            PolicyRef::Managed(arn) => arn.clone(),
            PolicyRef::Inline { entity, name } => format!("{}/inline/{name}", self.label(*entity)),
        }
    }

    /// The JSON document without its recommendations, which are written one
    /// by one (see [`JsonOut`]): `"recommendations"` holds a placeholder.
    pub(super) fn json_frame(&self) -> Value {
        let other: Vec<Value> = self
            .plan
            .other_findings
            .iter()
            .map(|o| {
                json!({
                    "id": o.id,
                    "findingType": o.finding_type,
                    "resource": o.resource,
                })
            })
            .collect();
        let mut shared = serde_json::Map::new();
        for policy in self.plan.policies.iter().filter(|p| p.is_shared()) {
            let mut entry = serde_json::Map::new();
            entry.insert("policyName".into(), policy.name.clone().into());
            if let Some(arn) = &policy.arn {
                entry.insert("policyArn".into(), arn.clone().into());
            }
            entry.insert("type".into(), self.kind(policy).into());
            let holders: Vec<String> = policy.holders.iter().map(|&h| self.label(h)).collect();
            let without: Vec<String> = policy
                .without_finding
                .iter()
                .map(|&h| self.label(h))
                .collect();
            entry.insert("holders".into(), json!(holders));
            entry.insert("holdersWithoutFinding".into(), json!(without));
            shared.insert(self.shared_key(policy), Value::Object(entry));
        }
        json!({
            "formatVersion": FORMAT_VERSION,
            "recommendations": Value::Null,
            "sharedPolicies": shared,
            "otherFindings": other,
            "findings": self.plan.counts,
            "diagnostics": self.plan.diagnostics,
        })
    }

    /// One principal in Access Analyzer's recommendation shape; pare's own
    /// details ride along under `pare`, which Access Analyzer readers ignore.
    pub(super) fn recommendation_json(&self, principal: &PrincipalPlan) -> Value {
        let entity = self.account.entities.get(principal.entity);
        let mut steps = Vec::new();
        let mut policies = Vec::new();
        for holding in &principal.holdings {
            let Some(policy) = self.plan.policies.get(holding.policy) else {
                continue;
            };
            let id = Some(policy.arn.as_deref().unwrap_or(&policy.name));
            let step = match &policy.decision {
                Decision::PutInline | Decision::NewVersion | Decision::Replace { .. } => {
                    policy.outcome.as_ref().map(|o| RecommendedStep {
                        action: RecommendedAction::CreatePolicy,
                        policy: Some(&o.policy),
                        existing_policy_id: id,
                    })
                }
                Decision::DeleteInline | Decision::Detach => Some(RecommendedStep {
                    action: RecommendedAction::DetachPolicy,
                    policy: None,
                    existing_policy_id: id,
                }),
                Decision::Keep | Decision::Skipped { .. } => None,
            };
            steps.extend(step.map(|s| s.to_json()));
            policies.push(self.policy_json(policy, holding));
        }
        let arn = entity.map_or("", |e| e.arn.as_str());
        let mut out = recommendation(Some(arn), steps);
        out.insert(
            "pare".into(),
            json!({
                "principal": self.label(principal.entity),
                "findingIds": principal.finding_ids,
                "policies": policies,
            }),
        );
        Value::Object(out)
    }

    pub(super) fn policy_json(&self, policy: &PolicyPlan, holding: &Holding) -> Value {
        let outcome = policy.outcome.as_deref();
        let mut object = json!({
            "policyName": policy.name,
            "type": self.kind(policy),
            "decision": policy.decision.label(),
            "removed": Self::removed(policy),
            "sizeBefore": policy.size_before,
            "sizeAfter": Self::size_after(policy),
        });
        if let Some(map) = object.as_object_mut() {
            if let Some(arn) = &policy.arn {
                map.insert("policyArn".into(), arn.clone().into());
            }
            match &policy.decision {
                Decision::Replace { new_name } => {
                    map.insert("newPolicyName".into(), new_name.clone().into());
                }
                Decision::Skipped { reason } => {
                    map.insert("skipped".into(), reason.clone().into());
                }
                _ => {}
            }
            if let Some(group) = holding.via {
                map.insert("via".into(), self.label(group).into());
            }
            if let Some(status) = self.code_status(holding.policy) {
                map.insert("code".into(), status.json());
            }
            if policy.is_shared() {
                // Its holders are listed once, under `sharedPolicies`: listed
                // in every holder's entry they grew with the square of the
                // account (393 MB at 10,000 roles).
                map.insert("sharedPolicy".into(), self.shared_key(policy).into());
            }
            if let Some(quota) = policy.quota {
                map.insert(
                    "quota".into(),
                    json!({"quota": quota.describe(), "limit": quota.limit, "used": quota.used, "exceeded": quota.over()}),
                );
            }
            if let Some(outcome) = outcome.filter(|o| o.changed() && policy.decision.changes()) {
                map.insert("edits".into(), json!(outcome.edits));
            }
            // What the engine says about the policy itself (entries the catalog
            // does not know, broad exclusions); remarks about unused actions the
            // policy does not grant are expected for a per-principal finding.
            if let Some(outcome) = outcome {
                let notes: Vec<&pare_engine::Diagnostic> = outcome
                    .diagnostics
                    .iter()
                    .filter(|d| {
                        !matches!(
                            d.code,
                            pare_engine::DiagnosticCode::UnusedNotGranted
                                | pare_engine::DiagnosticCode::UnknownUnusedAction
                        )
                    })
                    .collect();
                if !notes.is_empty() {
                    map.insert("diagnostics".into(), json!(notes));
                }
            }
            if let Some(own) = &holding.alternative {
                map.insert(
                    "alone".into(),
                    json!({
                        "recommendedAction": own.recommended_action().as_str(),
                        "recommendedPolicy": own.policy.to_compact_string(),
                        "removed": own.removed,
                        "size": own.size,
                    }),
                );
            }
        }
        object
    }
}
