//! Planning an account: from findings to a decision per policy.

use super::*;

/// How to plan an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanOptions {
    /// How to refine each policy.
    pub refine: Options,
    /// How many threads refine at once (the caller knows the machine; the
    /// engine does not look).
    pub threads: usize,
}

impl Default for PlanOptions {
    fn default() -> PlanOptions {
        PlanOptions {
            refine: Options::default(),
            threads: 1,
        }
    }
}

/// Plans the account: `progress(done, total)` is called as policies are refined.
pub fn plan(
    account: &Account,
    findings: &[Finding],
    table: ActionTable<'_>,
    options: &PlanOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Plan {
    plan_from(account, Cow::Borrowed(findings), table, options, progress)
}

/// [`plan`], taking the findings: each principal's unused set is moved out of
/// its finding rather than copied, so a caller that is done with the findings
/// does not hold every set twice.
pub fn plan_owned(
    account: &Account,
    findings: Vec<Finding>,
    table: ActionTable<'_>,
    options: &PlanOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Plan {
    plan_from(account, Cow::Owned(findings), table, options, progress)
}

pub(super) fn plan_from(
    account: &Account,
    findings: Cow<'_, [Finding]>,
    table: ActionTable<'_>,
    options: &PlanOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Plan {
    let mut diagnostics = account.diagnostics.clone();
    let mut counts = FindingCounts::default();
    let by_arn: HashMap<&str, usize> = account
        .entities
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind != EntityKind::Group)
        .map(|(i, e)| (e.arn.as_str(), i))
        .collect();

    // The findings, per principal. A principal's set borrows its finding's
    // until a second finding makes it an intersection: copies of every
    // finding's set were a large part of the plan's memory. The index is the
    // finding's while the set is still its.
    type Sets<'f> = BTreeMap<usize, (Vec<String>, Cow<'f, UnusedSet>, Option<usize>)>;
    let mut unused_of: Sets<'_> = BTreeMap::new();
    let mut seen: HashMap<&str, &Finding> = HashMap::new();
    let mut other_findings = Vec::new();
    for (n, finding) in findings.iter().enumerate() {
        counts.read += 1;
        if !finding.id.is_empty() {
            if let Some(earlier) = seen.get(finding.id.as_str()) {
                if *earlier == finding {
                    counts.duplicate += 1;
                    continue;
                }
            } else {
                seen.insert(&finding.id, finding);
            }
        }
        match finding.status.as_str() {
            "ARCHIVED" => {
                counts.archived += 1;
                continue;
            }
            "RESOLVED" => {
                counts.resolved += 1;
                continue;
            }
            _ => {}
        }
        let unused_access = matches!(
            finding.finding_type.as_str(),
            "UnusedPermission"
                | "UnusedIAMRole"
                | "UnusedIAMUserAccessKey"
                | "UnusedIAMUserPassword"
        );
        if !unused_access {
            counts.other_type += 1;
            diagnostics.push(AccountDiagnostic {
                code: AccountCode::IgnoredFindingType,
                subject: finding_subject(finding),
                message: format!(
                    "findings of type `{}` say nothing about unused access; ignored",
                    finding.finding_type
                ),
            });
            continue;
        }
        let Some(entity) = account.find_principal(&finding.resource, &by_arn) else {
            if account.is_other_account(&finding.resource) {
                counts.other_account += 1;
                diagnostics.push(AccountDiagnostic {
                    code: AccountCode::OtherAccount,
                    subject: finding_subject(finding),
                    message: format!(
                        "the finding is for `{}`, a principal of another account than the details'; findings are per principal, so it is not applied",
                        finding.resource
                    ),
                });
                continue;
            }
            counts.unknown_principal += 1;
            diagnostics.push(AccountDiagnostic {
                code: AccountCode::UnknownPrincipal,
                subject: finding_subject(finding),
                message: format!(
                    "the finding is for `{}`, which is not a role or user of the account details; ignored",
                    finding.resource
                ),
            });
            continue;
        };
        if finding.finding_type != "UnusedPermission" {
            counts.reported += 1;
            other_findings.push(OtherFinding {
                id: finding.id.clone(),
                finding_type: finding.finding_type.clone(),
                resource: finding.resource.clone(),
                entity: Some(entity),
            });
            continue;
        }
        counts.unused_permission += 1;
        match unused_of.get_mut(&entity) {
            None => {
                unused_of.insert(
                    entity,
                    (
                        vec![finding.id.clone()],
                        Cow::Borrowed(&finding.unused),
                        Some(n),
                    ),
                );
            }
            Some((ids, set, from)) => {
                // Two analyzers (or two runs) disagree: only what both call unused is.
                diagnostics.push(AccountDiagnostic {
                    code: AccountCode::SeveralFindings,
                    subject: finding_subject(finding),
                    message: format!(
                        "{} has several active `UnusedPermission` findings; only what all of them list is taken as unused",
                        entity_label(account, entity)
                    ),
                });
                ids.push(finding.id.clone());
                *set = Cow::Owned(set.intersection(&finding.unused));
                *from = None;
            }
        }
    }

    // Who holds what.
    let group_index: HashMap<&str, usize> = account
        .entities
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == EntityKind::Group)
        .map(|(i, e)| (e.name.as_str(), i))
        .collect();
    let managed_index: HashMap<&str, usize> = account
        .managed
        .iter()
        .enumerate()
        .map(|(i, p)| (p.arn.as_str(), i))
        .collect();
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, entity) in account.entities.iter().enumerate() {
        for group in &entity.groups {
            match group_index.get(group.as_str()) {
                Some(&g) => members.entry(g).or_default().push(i),
                None if unused_of.contains_key(&i) => diagnostics.push(AccountDiagnostic {
                    code: AccountCode::UnknownGroup,
                    subject: entity.arn.clone(),
                    message: format!(
                        "{} is in the group `{group}`, which is not in `GroupDetailList`; that group's policies are not planned",
                        entity.label()
                    ),
                }),
                None => {}
            }
        }
    }
    let mut attachers: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, entity) in account.entities.iter().enumerate() {
        for arn in &entity.attached {
            let list = attachers.entry(arn.as_str()).or_default();
            if !list.contains(&i) {
                list.push(i);
            }
        }
    }
    let holders_of = |attachments: &[usize]| -> Vec<usize> {
        let mut holders = BTreeSet::new();
        for &a in attachments {
            match account.entities.get(a).map(|e| e.kind) {
                Some(EntityKind::Group) => {
                    holders.extend(members.get(&a).into_iter().flatten().copied());
                }
                Some(_) => {
                    holders.insert(a);
                }
                None => {}
            }
        }
        holders.into_iter().collect()
    };

    // The policies each principal with a finding holds, in order.
    let mut policies: Vec<PolicyPlan> = Vec::new();
    let mut policy_index: HashMap<PolicyRef, usize> = HashMap::new();
    let mut missing_reported: BTreeSet<&str> = BTreeSet::new();
    let mut principals = Vec::new();
    for (&entity_index, (ids, _, _)) in &unused_of {
        let Some(entity) = account.entities.get(entity_index) else {
            continue;
        };
        let mut refs: Vec<(PolicyRef, Option<usize>)> = Vec::new();
        let mut owners: Vec<(usize, Option<usize>)> = vec![(entity_index, None)];
        for group in &entity.groups {
            if let Some(&g) = group_index.get(group.as_str()) {
                owners.push((g, Some(g)));
            }
        }
        for (owner, via) in owners {
            let Some(owner_entity) = account.entities.get(owner) else {
                continue;
            };
            for inline in &owner_entity.inline {
                refs.push((
                    PolicyRef::Inline {
                        entity: owner,
                        name: inline.name.clone(),
                    },
                    via,
                ));
            }
            for arn in &owner_entity.attached {
                let reference = PolicyRef::Managed(arn.clone());
                if refs.iter().any(|(r, _)| *r == reference) {
                    continue;
                }
                if !managed_index.contains_key(arn.as_str()) {
                    if missing_reported.insert(arn) {
                        diagnostics.push(AccountDiagnostic {
                            code: AccountCode::UnknownManagedPolicy,
                            subject: arn.clone(),
                            message: format!(
                                "{} attaches `{arn}`, which is not in `Policies`; it is left as it is",
                                owner_entity.label()
                            ),
                        });
                    }
                    continue;
                }
                refs.push((reference, via));
            }
        }
        let mut holdings = Vec::with_capacity(refs.len());
        for (reference, via) in refs {
            let index = match policy_index.get(&reference) {
                Some(&i) => i,
                None => {
                    let plan = new_policy_plan(account, &reference, &attachers, &managed_index);
                    let Some(mut plan) = plan else { continue };
                    plan.holders = holders_of(&plan.attachments);
                    plan.without_finding = plan
                        .holders
                        .iter()
                        .copied()
                        .filter(|h| !unused_of.contains_key(h))
                        .collect();
                    policies.push(plan);
                    policy_index.insert(reference, policies.len() - 1);
                    policies.len() - 1
                }
            };
            holdings.push(Holding {
                policy: index,
                via,
                alternative: None,
            });
        }
        // Its unused set is filled in once the refinements are done, so that
        // it is not held twice while they run.
        principals.push(PrincipalPlan {
            entity: entity_index,
            finding_ids: ids.clone(),
            unused: UnusedSet::new(),
            holdings,
        });
    }

    // Refine each policy against what all its holders leave unused, and each
    // holder's own list against every shared policy it holds.
    let mut jobs = Jobs::new();
    let mut policy_ids = Vec::with_capacity(policies.len());
    let mut shared_jobs: Vec<Option<usize>> = Vec::with_capacity(policies.len());
    for plan in &policies {
        let Some(original) = plan.original.as_ref() else {
            policy_ids.push(None);
            shared_jobs.push(None);
            continue;
        };
        let id = jobs.policy_id(original);
        policy_ids.push(Some(id));
        let effective = if plan.without_finding.is_empty() {
            let mut sets = plan
                .holders
                .iter()
                .filter_map(|h| unused_of.get(h).map(|(_, set, _)| set.as_ref()));
            // One holder (most inline policies): its own set, not a copy.
            match (sets.next(), sets.next()) {
                (None, _) => Cow::Owned(UnusedSet::new()),
                (Some(first), None) => Cow::Borrowed(first),
                (Some(first), Some(second)) => Cow::Owned(
                    sets.fold(first.intersection(second), |acc, set| acc.intersection(set)),
                ),
            }
        } else {
            Cow::Owned(UnusedSet::new())
        };
        shared_jobs.push(Some(jobs.job(original, id, effective)));
    }
    let mut own_jobs: Vec<Vec<Option<usize>>> = Vec::with_capacity(principals.len());
    for principal in &principals {
        let mut row = Vec::with_capacity(principal.holdings.len());
        let unused = unused_of
            .get(&principal.entity)
            .map(|(_, set, _)| set.as_ref());
        for holding in &principal.holdings {
            let plan = policies.get(holding.policy);
            let id = policy_ids.get(holding.policy).copied().flatten();
            row.push(match (plan, id, unused) {
                (Some(plan), Some(id), Some(unused)) if plan.is_shared() => plan
                    .original
                    .as_ref()
                    .map(|original| jobs.job(original, id, Cow::Borrowed(unused))),
                _ => None,
            });
        }
        own_jobs.push(row);
    }
    // The texts that told identical policies and sets apart are done with.
    let (pairs, scopes) = jobs.into_parts();
    let outcomes = run_jobs(
        &pairs,
        &scopes,
        table,
        &options.refine,
        options.threads,
        progress,
    );
    drop((pairs, scopes));
    // Each principal's set: moved out of its finding when the findings are
    // ours, else copied.
    let mut sets: BTreeMap<usize, Result<usize, UnusedSet>> = BTreeMap::new();
    for (entity, (_, set, from)) in unused_of {
        let set = match (set, from) {
            (Cow::Borrowed(_), Some(n)) => Ok(n),
            (set, _) => Err(set.into_owned()),
        };
        sets.insert(entity, set);
    }
    let mut findings = findings;
    for principal in &mut principals {
        principal.unused = match sets.remove(&principal.entity) {
            Some(Err(set)) => set,
            Some(Ok(n)) => match &mut findings {
                Cow::Owned(list) => list
                    .get_mut(n)
                    .map(|f| std::mem::take(&mut f.unused))
                    .unwrap_or_default(),
                Cow::Borrowed(list) => list.get(n).map(|f| f.unused.clone()).unwrap_or_default(),
            },
            None => UnusedSet::new(),
        };
    }
    drop(findings);

    let taken: BTreeSet<String> = account
        .managed
        .iter()
        .map(|p| p.name.to_ascii_lowercase())
        .collect();
    let mut new_names: BTreeSet<String> = BTreeSet::new();
    for (plan, job) in policies.iter_mut().zip(&shared_jobs) {
        let Some(outcome) = job.and_then(|j| outcomes.get(j)) else {
            continue;
        };
        plan.decision = decide(plan, outcome, &taken, &mut new_names);
        if plan.used_as_boundary && plan.decision.changes() {
            diagnostics.push(AccountDiagnostic {
                code: AccountCode::UsedAsBoundary,
                subject: plan.arn.clone().unwrap_or_default(),
                message: format!(
                    "the customer managed policy `{}` is also a permissions boundary, which must not change; its refinement becomes a new policy",
                    plan.name
                ),
            });
        }
        plan.outcome = Some(Arc::clone(outcome));
    }
    for (principal, row) in principals.iter_mut().zip(&own_jobs) {
        for (holding, job) in principal.holdings.iter_mut().zip(row) {
            let own = job.and_then(|j| outcomes.get(j));
            let shared = policies
                .get(holding.policy)
                .and_then(|p| p.outcome.as_ref());
            if let (Some(own), Some(shared)) = (own, shared) {
                if own.policy != shared.policy {
                    holding.alternative = Some(Arc::clone(own));
                }
            }
        }
    }

    check_quotas(account, &mut policies);
    Plan {
        principals,
        policies,
        other_findings,
        counts,
        diagnostics,
    }
}
