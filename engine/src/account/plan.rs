//! Planning an account: from each principal's unused set to a decision per policy.

use super::*;

/// How to plan an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanOptions {
    /// How to refine each policy.
    pub refine: RefineOptions,
    /// How many threads refine at once (the caller knows the machine; the
    /// engine does not look).
    pub threads: usize,
    /// A size the user sets (`--max-policy-size`): a result over it is held
    /// to it as to a quota, when it is lower than IAM's.
    pub max_policy_size: Option<usize>,
}

impl Default for PlanOptions {
    fn default() -> PlanOptions {
        PlanOptions {
            refine: RefineOptions::default(),
            threads: 1,
            max_policy_size: None,
        }
    }
}

/// Plans the account from what each principal left unused:
/// `progress(done, total)` is called as policies are refined.
pub fn plan(
    account: &Account,
    usage: &PrincipalUsage,
    table: ActionTable<'_>,
    options: &PlanOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Plan {
    plan_from(account, Cow::Borrowed(usage), table, options, progress)
}

/// [`plan`], taking the usage: each principal's unused set is moved into its
/// [`PrincipalPlan`] rather than copied, so a caller that is done with the
/// usage does not hold every set twice.
pub fn plan_owned(
    account: &Account,
    usage: PrincipalUsage,
    table: ActionTable<'_>,
    options: &PlanOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Plan {
    plan_from(account, Cow::Owned(usage), table, options, progress)
}

fn plan_from(
    account: &Account,
    usage: Cow<'_, PrincipalUsage>,
    table: ActionTable<'_>,
    options: &PlanOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Plan {
    let mut diagnostics = account.diagnostics.clone();
    diagnostics.extend_from_slice(&usage.diagnostics);
    let sets = &usage.principals;
    let index = HoldingIndex::new(account);
    index.report_unknown_groups(account, |i| sets.contains_key(&i), &mut diagnostics);
    let (mut policies, mut principals) = policies_held(account, &index, sets, &mut diagnostics);
    let outcomes;
    let (shared_jobs, own_jobs) = {
        let schedule = schedule(&policies, &principals, sets);
        // The texts that told identical policies and sets apart are done with.
        let (pairs, scopes) = schedule.jobs.into_parts();
        outcomes = run_jobs(
            &pairs,
            &scopes,
            table,
            &options.refine,
            options.threads,
            progress,
        );
        (schedule.shared, schedule.own)
    };
    let (other_findings, counts) = hand_back_sets(usage, &mut principals);
    attach_outcomes(
        account,
        &mut policies,
        &mut principals,
        (&shared_jobs, &own_jobs),
        &outcomes,
        &mut diagnostics,
    );
    check_quotas(account, &mut policies, options.max_policy_size);
    hold_identity_center_roles(account, &mut policies);
    Plan {
        principals,
        policies,
        other_findings,
        counts,
        diagnostics,
    }
}

/// Phase 3: the refinements to run, as job indices.
struct Schedule<'p> {
    jobs: Jobs<'p>,
    /// By policy: the refinement against what all its holders leave unused.
    shared: Vec<Option<usize>>,
    /// By principal, by holding: the refinement against the principal's own set.
    own: Vec<Vec<Option<usize>>>,
}

/// Refine each policy against what all its holders leave unused, and each
/// holder's own list against every shared policy it holds.
fn schedule<'p>(
    policies: &'p [PolicyPlan],
    principals: &[PrincipalPlan],
    sets: &'p BTreeMap<usize, PrincipalUnused>,
) -> Schedule<'p> {
    let mut jobs = Jobs::new();
    let mut policy_ids = Vec::with_capacity(policies.len());
    let mut shared_jobs: Vec<Option<usize>> = Vec::with_capacity(policies.len());
    for plan in policies {
        let Some(original) = plan.original.as_ref() else {
            policy_ids.push(None);
            shared_jobs.push(None);
            continue;
        };
        let id = jobs.policy_id(original);
        policy_ids.push(Some(id));
        let effective = if plan.without_finding.is_empty() {
            let mut holder_sets = plan
                .holders
                .iter()
                .filter_map(|h| sets.get(h).map(|set| &set.unused));
            // One holder (most inline policies): its own set, not a copy.
            match (holder_sets.next(), holder_sets.next()) {
                (None, _) => Cow::Owned(UnusedSet::new()),
                (Some(first), None) => Cow::Borrowed(first),
                (Some(first), Some(second)) => {
                    Cow::Owned(holder_sets.fold(first.intersection(second), intersect))
                }
            }
        } else {
            Cow::Owned(UnusedSet::new())
        };
        shared_jobs.push(Some(jobs.job(original, id, effective)));
    }
    let mut own_jobs: Vec<Vec<Option<usize>>> = Vec::with_capacity(principals.len());
    for principal in principals {
        let mut row = Vec::with_capacity(principal.holdings.len());
        let unused = sets.get(&principal.entity).map(|set| &set.unused);
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
    Schedule {
        jobs,
        shared: shared_jobs,
        own: own_jobs,
    }
}

/// `acc.intersection(set)`, for a fold over a policy's holders. While `acc`
/// names no wholly unused service, an action of `set` is in both only when
/// `acc` lists it, so only `acc`'s actions are asked of `set` (in order, by
/// a cursor), and those `set` calls unused are kept with what `acc` says of
/// them: `intersection` asks from both sides and keeps the first entry,
/// `acc`'s.
fn intersect(mut acc: UnusedSet, set: &UnusedSet) -> UnusedSet {
    if acc.services().next().is_some() {
        return acc.intersection(set);
    }
    let mut contains = set.contains_in_order();
    acc.retain_actions(|action| contains(action.name));
    acc
}

/// Phase 5: each principal's set, moved out of the usage when it is ours,
/// else copied; and what became of the findings.
fn hand_back_sets(
    usage: Cow<'_, PrincipalUsage>,
    principals: &mut [PrincipalPlan],
) -> (Vec<OtherFinding>, FindingCounts) {
    match usage {
        Cow::Owned(usage) => {
            let PrincipalUsage {
                principals: mut sets,
                other_findings,
                counts,
                ..
            } = usage;
            for principal in principals.iter_mut() {
                principal.unused = sets
                    .remove(&principal.entity)
                    .map(|set| set.unused)
                    .unwrap_or_default();
            }
            (other_findings, counts)
        }
        Cow::Borrowed(usage) => {
            for principal in principals.iter_mut() {
                principal.unused = usage
                    .principals
                    .get(&principal.entity)
                    .map(|set| set.unused.clone())
                    .unwrap_or_default();
            }
            (usage.other_findings.clone(), usage.counts.clone())
        }
    }
}

/// Phase 6: each policy's decision and shared refinement, and each holding's
/// own refinement where it differs.
fn attach_outcomes(
    account: &Account,
    policies: &mut [PolicyPlan],
    principals: &mut [PrincipalPlan],
    (shared_jobs, own_jobs): (&[Option<usize>], &[Vec<Option<usize>>]),
    outcomes: &[Arc<RefinedPolicy>],
    diagnostics: &mut Vec<AccountDiagnostic>,
) {
    let taken: BTreeSet<String> = account
        .managed
        .iter()
        .map(|p| p.name.to_ascii_lowercase())
        .collect();
    let mut new_names: BTreeSet<String> = BTreeSet::new();
    for (plan, job) in policies.iter_mut().zip(shared_jobs) {
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
    for (principal, row) in principals.iter_mut().zip(own_jobs) {
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
}

/// A change that would touch an Identity Center role (its inline policy, or a
/// managed policy detached from it or replaced on it) is not planned: IAM
/// refuses it, and the role's policies come from its permission set. A new
/// version of a customer managed policy it attaches changes no role, and stays.
/// The refinement is kept beside the decision, for the permission set's plan.
fn hold_identity_center_roles(account: &Account, policies: &mut [PolicyPlan]) {
    for plan in policies.iter_mut() {
        if !plan.decision.changes() || plan.decision == Decision::NewVersion {
            continue;
        }
        let reserved = plan
            .attachments
            .iter()
            .filter_map(|&a| account.entities.get(a))
            .any(details::is_identity_center_role);
        if reserved {
            plan.decision = Decision::Skipped {
                reason: "held by an Identity Center role (AWSReservedSSO_*), which IAM lets no one change: change its permission set".to_string(),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a set holds, as the plan reads it.
    fn contents(
        set: &UnusedSet,
    ) -> (
        Vec<(String, Option<String>)>,
        Vec<crate::unused::UnusedService>,
    ) {
        (
            set.actions()
                .map(|a| (a.name.to_string(), a.last_accessed.map(str::to_string)))
                .collect(),
            set.services().cloned().collect(),
        )
    }

    /// Folding the holders' sets by `intersect` gives what folding them by
    /// `intersection` gives, on random sets (wholly unused services on
    /// either side, dates on the actions, services that start alike).
    #[test]
    fn intersect_keeps_what_intersection_keeps() {
        let mut below = crate::test_rng::below(0x1e75);
        let services = ["s3", "s3-x", "ec2", "iam"];
        let parts = ["Get", "Put", "Object", "Acl", "List"];
        let mut kept = 0usize;
        for round in 0..2_000 {
            let sets: Vec<UnusedSet> = (0..2 + below(4))
                .map(|_| {
                    let mut set = UnusedSet::new();
                    for _ in 0..below(25) {
                        let mut name = format!("{}:", services[below(services.len())]);
                        for _ in 0..1 + below(2) {
                            name.push_str(parts[below(parts.len())]);
                        }
                        let date = (below(3) == 0).then(|| format!("2026-0{}-01", 1 + below(9)));
                        set.insert_action(&name, date);
                    }
                    if below(5) == 0 {
                        set.insert_service(services[below(services.len())], None);
                    }
                    set
                })
                .collect();
            let first = sets[0].intersection(&sets[1]);
            let plain = sets[2..]
                .iter()
                .fold(first.clone(), |acc, set| acc.intersection(set));
            let folded = sets[2..].iter().fold(first, intersect);
            assert_eq!(contents(&folded), contents(&plain), "round {round}");
            kept += plain.actions().len();
        }
        assert!(kept > 1_000, "{kept}");
    }
}
