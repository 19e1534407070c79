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
    let PrincipalSets {
        sets,
        other_findings,
        counts,
    } = principal_sets(account, &findings, &mut diagnostics);
    let index = HoldingIndex::new(account);
    index.report_unknown_groups(account, |i| sets.contains_key(&i), &mut diagnostics);
    let (mut policies, mut principals) = policies_held(account, &index, &sets, &mut diagnostics);
    let outcomes;
    let (shared_jobs, own_jobs) = {
        let schedule = schedule(&policies, &principals, &sets);
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
    hand_back_sets(own_sets(sets), findings, &mut principals);
    attach_outcomes(
        account,
        &mut policies,
        &mut principals,
        (&shared_jobs, &own_jobs),
        &outcomes,
        &mut diagnostics,
    );
    check_quotas(account, &mut policies);
    Plan {
        principals,
        policies,
        other_findings,
        counts,
        diagnostics,
    }
}

/// A principal's unused set. It borrows its finding's until a second finding
/// makes it an intersection: copies of every finding's set were a large part
/// of the plan's memory.
pub(super) struct PrincipalSet<'f> {
    /// The ids of the findings it comes from.
    pub(super) finding_ids: Vec<String>,
    pub(super) unused: Cow<'f, UnusedSet>,
    /// The index of the finding while the set is still that finding's.
    pub(super) finding: Option<usize>,
}

/// Phase 1: the findings, per principal.
struct PrincipalSets<'f> {
    /// By entity index.
    sets: BTreeMap<usize, PrincipalSet<'f>>,
    other_findings: Vec<OtherFinding>,
    counts: FindingCounts,
}

fn principal_sets<'f>(
    account: &Account,
    findings: &'f [Finding],
    diagnostics: &mut Vec<AccountDiagnostic>,
) -> PrincipalSets<'f> {
    let by_arn: HashMap<&str, usize> = account
        .entities
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind != EntityKind::Group)
        .map(|(i, e)| (e.arn.as_str(), i))
        .collect();
    let mut out = PrincipalSets {
        sets: BTreeMap::new(),
        other_findings: Vec::new(),
        counts: FindingCounts::default(),
    };
    let mut seen: HashMap<&str, &Finding> = HashMap::new();
    for (n, finding) in findings.iter().enumerate() {
        out.counts.read += 1;
        if !finding.id.is_empty() {
            if let Some(earlier) = seen.get(finding.id.as_str()) {
                if *earlier == finding {
                    out.counts.duplicate += 1;
                    continue;
                }
            } else {
                seen.insert(&finding.id, finding);
            }
        }
        let Some(entity) = subject_of(account, &by_arn, finding, &mut out.counts, diagnostics)
        else {
            continue;
        };
        if finding.finding_type != "UnusedPermission" {
            out.counts.reported += 1;
            out.other_findings.push(OtherFinding {
                id: finding.id.clone(),
                finding_type: finding.finding_type.clone(),
                resource: finding.resource.clone(),
                entity: Some(entity),
            });
            continue;
        }
        out.counts.unused_permission += 1;
        match out.sets.get_mut(&entity) {
            None => {
                out.sets.insert(
                    entity,
                    PrincipalSet {
                        finding_ids: vec![finding.id.clone()],
                        unused: Cow::Borrowed(&finding.unused),
                        finding: Some(n),
                    },
                );
            }
            Some(set) => {
                // Two analyzers (or two runs) disagree: only what both call unused is.
                diagnostics.push(AccountDiagnostic {
                    code: AccountCode::SeveralFindings,
                    subject: finding_subject(finding),
                    message: format!(
                        "{} has several active `UnusedPermission` findings; only what all of them list is taken as unused",
                        entity_label(account, entity)
                    ),
                });
                set.finding_ids.push(finding.id.clone());
                set.unused = Cow::Owned(set.unused.intersection(&finding.unused));
                set.finding = None;
            }
        }
    }
    out
}

/// The principal an active finding about unused access is for, or `None`
/// (counted, and said in a diagnostic where that helps) when it is not one.
fn subject_of(
    account: &Account,
    by_arn: &HashMap<&str, usize>,
    finding: &Finding,
    counts: &mut FindingCounts,
    diagnostics: &mut Vec<AccountDiagnostic>,
) -> Option<usize> {
    match finding.status.as_str() {
        "ARCHIVED" => {
            counts.archived += 1;
            return None;
        }
        "RESOLVED" => {
            counts.resolved += 1;
            return None;
        }
        _ => {}
    }
    let unused_access = matches!(
        finding.finding_type.as_str(),
        "UnusedPermission" | "UnusedIAMRole" | "UnusedIAMUserAccessKey" | "UnusedIAMUserPassword"
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
        return None;
    }
    if let Some(entity) = account.find_principal(&finding.resource, by_arn) {
        return Some(entity);
    }
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
        return None;
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
    None
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
    sets: &'p BTreeMap<usize, PrincipalSet<'_>>,
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
                .filter_map(|h| sets.get(h).map(|set| set.unused.as_ref()));
            // One holder (most inline policies): its own set, not a copy.
            match (holder_sets.next(), holder_sets.next()) {
                (None, _) => Cow::Owned(UnusedSet::new()),
                (Some(first), None) => Cow::Borrowed(first),
                (Some(first), Some(second)) => Cow::Owned(
                    holder_sets.fold(first.intersection(second), |acc, set| acc.intersection(set)),
                ),
            }
        } else {
            Cow::Owned(UnusedSet::new())
        };
        shared_jobs.push(Some(jobs.job(original, id, effective)));
    }
    let mut own_jobs: Vec<Vec<Option<usize>>> = Vec::with_capacity(principals.len());
    for principal in principals {
        let mut row = Vec::with_capacity(principal.holdings.len());
        let unused = sets.get(&principal.entity).map(|set| set.unused.as_ref());
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

/// Each principal's set, by entity: `Ok(n)` while it is still finding `n`'s,
/// else the set itself.
fn own_sets(sets: BTreeMap<usize, PrincipalSet<'_>>) -> BTreeMap<usize, Result<usize, UnusedSet>> {
    let mut owned = BTreeMap::new();
    for (entity, set) in sets {
        let set = match (set.unused, set.finding) {
            (Cow::Borrowed(_), Some(n)) => Ok(n),
            (set, _) => Err(set.into_owned()),
        };
        owned.insert(entity, set);
    }
    owned
}

/// Phase 5: each principal's set, moved out of its finding when the findings
/// are ours, else copied.
fn hand_back_sets(
    mut sets: BTreeMap<usize, Result<usize, UnusedSet>>,
    mut findings: Cow<'_, [Finding]>,
    principals: &mut [PrincipalPlan],
) {
    for principal in principals {
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
}

/// Phase 6: each policy's decision and shared refinement, and each holding's
/// own refinement where it differs.
fn attach_outcomes(
    account: &Account,
    policies: &mut [PolicyPlan],
    principals: &mut [PrincipalPlan],
    (shared_jobs, own_jobs): (&[Option<usize>], &[Vec<Option<usize>>]),
    outcomes: &[Arc<Outcome>],
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
