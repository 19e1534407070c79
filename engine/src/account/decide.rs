//! Per policy: the decision, the replacement's name, and the quotas.

use super::*;

pub(super) fn finding_subject(finding: &Finding) -> String {
    if finding.id.is_empty() {
        format!("finding for `{}`", finding.resource)
    } else {
        format!("finding `{}`", finding.id)
    }
}

pub(super) fn entity_label(account: &Account, index: usize) -> String {
    account
        .entities
        .get(index)
        .map_or_else(|| format!("entity {index}"), Entity::label)
}

pub(super) fn new_policy_plan(
    account: &Account,
    reference: &PolicyRef,
    attachers: &BTreeMap<&str, Vec<usize>>,
    managed_index: &HashMap<&str, usize>,
) -> Option<PolicyPlan> {
    let skipped = |reason: &str| Decision::Skipped {
        reason: reason.to_string(),
    };
    match reference {
        PolicyRef::Inline { entity, name } => {
            let owner = account.entities.get(*entity)?;
            let inline = owner.inline.iter().find(|p| p.name == *name)?;
            Some(PolicyPlan {
                reference: reference.clone(),
                name: name.clone(),
                arn: None,
                source: PolicySource::Inline,
                attachments: vec![*entity],
                holders: Vec::new(),
                without_finding: Vec::new(),
                decision: Decision::Keep,
                size_before: inline.policy.size(),
                original: Some(inline.policy.clone()),
                outcome: None,
                quota: None,
                delete_version: None,
                used_as_boundary: false,
            })
        }
        PolicyRef::Managed(arn) => {
            let managed = account.managed.get(*managed_index.get(arn.as_str())?)?;
            let source = if managed.is_aws_managed() {
                PolicySource::AwsManaged
            } else {
                PolicySource::CustomerManaged
            };
            let decision = match (&managed.document, &managed.default_version) {
                (Some(_), _) => Decision::Keep,
                (None, None) => skipped("no default version"),
                (None, Some(_)) => skipped("unreadable document"),
            };
            Some(PolicyPlan {
                reference: reference.clone(),
                name: managed.name.clone(),
                arn: Some(arn.clone()),
                source,
                attachments: attachers.get(arn.as_str()).cloned().unwrap_or_default(),
                holders: Vec::new(),
                without_finding: Vec::new(),
                decision,
                size_before: managed.document.as_ref().map_or(0, Policy::size),
                original: managed.document.clone(),
                outcome: None,
                quota: None,
                delete_version: (managed.versions.len() >= 5)
                    .then(|| managed.oldest_non_default().map(str::to_string))
                    .flatten(),
                used_as_boundary: managed.used_as_boundary
                    && source == PolicySource::CustomerManaged,
            })
        }
    }
}

pub(super) fn decide(
    plan: &PolicyPlan,
    outcome: &RefinedPolicy,
    taken: &BTreeSet<String>,
    new_names: &mut BTreeSet<String>,
) -> Decision {
    if !outcome.changed() {
        return Decision::Keep;
    }
    let nothing_left = outcome.recommended_action() == RecommendedAction::DetachPolicy;
    match (plan.source, nothing_left) {
        (PolicySource::Inline, true) => Decision::DeleteInline,
        (PolicySource::Inline, false) => Decision::PutInline,
        (_, true) => Decision::Detach,
        (PolicySource::CustomerManaged, false) if !plan.used_as_boundary => Decision::NewVersion,
        (_, false) => Decision::Replace {
            new_name: replacement_name(&plan.name, taken, new_names),
        },
    }
}

/// `pare-<Name>`, cut to IAM's length limit, made unique in the account.
pub(super) fn replacement_name(
    name: &str,
    taken: &BTreeSet<String>,
    new_names: &mut BTreeSet<String>,
) -> String {
    let mut n = 1usize;
    loop {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        let room = MAX_POLICY_NAME.saturating_sub("pare-".len() + suffix.len());
        let base: String = name.chars().take(room).collect();
        let candidate = format!("pare-{base}{suffix}");
        let lower = candidate.to_ascii_lowercase();
        if !taken.contains(&lower) && !new_names.contains(&lower) {
            new_names.insert(lower);
            return candidate;
        }
        n += 1;
    }
}

/// Sets each plan's quota check: managed policies one by one, inline policies
/// per owner, all of the owner's inline policies together.
pub(super) fn check_quotas(account: &Account, policies: &mut [PolicyPlan], max: Option<usize>) {
    let mut after: HashMap<(usize, &str), usize> = HashMap::new();
    for plan in policies.iter() {
        if let (PolicyRef::Inline { entity, name }, Some(outcome)) =
            (&plan.reference, &plan.outcome)
        {
            let size = if plan.decision == Decision::DeleteInline {
                0
            } else {
                outcome.size
            };
            after.insert((*entity, name.as_str()), size);
        }
    }
    let mut totals: HashMap<usize, usize> = HashMap::new();
    for plan in policies.iter() {
        if let PolicyRef::Inline { entity, .. } = &plan.reference {
            if totals.contains_key(entity) {
                continue;
            }
            let owner = account.entities.get(*entity);
            let total = owner.into_iter().flat_map(|e| &e.inline).map(|p| {
                after
                    .get(&(*entity, p.name.as_str()))
                    .copied()
                    .unwrap_or_else(|| p.policy.size())
            });
            totals.insert(*entity, total.sum());
        }
    }
    for plan in policies.iter_mut() {
        let Some(outcome) = &plan.outcome else {
            continue;
        };
        plan.quota = match &plan.reference {
            PolicyRef::Inline { entity, .. } => {
                let kind = account
                    .entities
                    .get(*entity)
                    .map_or(PolicyKind::RoleInline, |e| e.kind.inline_kind());
                kind.quota().map(|limit| QuotaCheck {
                    kind,
                    limit: limit.min(max.unwrap_or(limit)),
                    user_set: max.is_some_and(|m| m < limit),
                    used: totals.get(entity).copied().unwrap_or(0),
                })
            }
            // An AWS managed policy has no quota of its own; its replacement does.
            PolicyRef::Managed(_) => Some(QuotaCheck {
                kind: PolicyKind::Managed,
                limit: MANAGED_QUOTA.min(max.unwrap_or(MANAGED_QUOTA)),
                user_set: max.is_some_and(|m| m < MANAGED_QUOTA),
                used: if matches!(plan.decision, Decision::Detach) {
                    0
                } else {
                    outcome.size
                },
            }),
        };
    }
}
