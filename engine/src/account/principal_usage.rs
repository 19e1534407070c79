//! The planner's input: what each role or user left unused, whatever said so.
//!
//! A usage source (Access Analyzer findings, IAM last-accessed data, a
//! used-list, a CloudTrail log) speaks about one principal at a time; the plan
//! only needs, per principal, one [`UnusedSet`] and a name for where it came
//! from. [`PrincipalUsage`] is that map. Findings arrive through
//! [`PrincipalUsage::from_findings`], which also sorts out the findings that
//! say nothing about unused permissions; every other source adds one set per
//! principal with [`PrincipalUsage::add`].

use super::*;

/// What each role or user of an account left unused: the input of
/// [`plan`](super::plan) and [`plan_owned`](super::plan_owned).
///
/// To plan from a new source, produce one [`UnusedSet`] per principal (for
/// example with an [`Inference`](crate::usage::Inference) over the policies
/// [`Account::held_policies`] lists), find the principal with
/// [`Account::principal`], and [`add`](PrincipalUsage::add) the set under a
/// name that says where it came from (`used:FILE`, `cloudtrail:FILE`). Several
/// sets for one principal are intersected: an action is unused only when
/// every source says so. A principal without a set counts as using
/// everything: the policies it holds keep what it holds them for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PrincipalUsage {
    /// By entity index.
    pub(super) principals: BTreeMap<usize, PrincipalUnused>,
    /// Unused roles, access keys and passwords, reported as such.
    pub(super) other_findings: Vec<OtherFinding>,
    /// What became of the findings, and of the other sources' sets.
    pub(super) counts: FindingCounts,
    /// Findings that could not be applied, and principals with several sets.
    pub(super) diagnostics: Vec<AccountDiagnostic>,
}

/// One principal's unused set and where it came from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PrincipalUnused {
    /// The ids of the findings, and the names of the other sources, behind it.
    pub sources: Vec<String>,
    /// What all of them leave unused.
    pub unused: UnusedSet,
}

impl PrincipalUsage {
    /// No principal has a set yet.
    pub fn new() -> PrincipalUsage {
        PrincipalUsage::default()
    }

    /// The active `UnusedPermission` findings, per principal of `account`; the
    /// others are counted, reported (unused roles, keys and passwords) or said
    /// in a diagnostic (unknown principals, other accounts, other types). A
    /// finding read twice (the same id and content) counts once.
    ///
    /// The findings are taken so that each principal's set is moved out of its
    /// finding, never copied; only a principal with several findings gets a
    /// new set, their intersection.
    pub fn from_findings(account: &Account, mut findings: Vec<Finding>) -> PrincipalUsage {
        let mut usage = PrincipalUsage::new();
        // By entity: the findings behind its set, by index, and their ids.
        let mut behind: BTreeMap<usize, (Vec<usize>, Vec<String>)> = BTreeMap::new();
        {
            let by_arn = account.principals_by_arn();
            let mut seen: HashMap<&str, &Finding> = HashMap::new();
            for (n, finding) in findings.iter().enumerate() {
                usage.counts.read += 1;
                if !finding.id.is_empty() {
                    if let Some(earlier) = seen.get(finding.id.as_str()) {
                        if *earlier == finding {
                            usage.counts.duplicate += 1;
                            continue;
                        }
                    } else {
                        seen.insert(&finding.id, finding);
                    }
                }
                let Some(entity) = subject_of(
                    account,
                    &by_arn,
                    finding,
                    &mut usage.counts,
                    &mut usage.diagnostics,
                ) else {
                    continue;
                };
                if finding.finding_type != "UnusedPermission" {
                    usage.counts.reported += 1;
                    usage.other_findings.push(OtherFinding {
                        id: finding.id.clone(),
                        finding_type: finding.finding_type.clone(),
                        resource: finding.resource.clone(),
                        entity: Some(entity),
                    });
                    continue;
                }
                usage.counts.unused_permission += 1;
                let (indices, ids) = behind.entry(entity).or_default();
                if !indices.is_empty() {
                    // Two analyzers (or two runs) disagree: only what both call unused is.
                    usage.diagnostics.push(AccountDiagnostic {
                        code: AccountCode::SeveralFindings,
                        subject: finding_subject(finding),
                        message: format!(
                            "{} has several active `UnusedPermission` findings; only what all of them list is taken as unused",
                            entity_label(account, entity)
                        ),
                    });
                }
                indices.push(n);
                ids.push(finding.id.clone());
            }
        }
        for (entity, (indices, sources)) in behind {
            let unused = match indices.as_slice() {
                [one] => findings
                    .get_mut(*one)
                    .map(|f| std::mem::take(&mut f.unused))
                    .unwrap_or_default(),
                [first, rest @ ..] => {
                    let set = |n: &usize| findings.get(*n).map(|f| &f.unused);
                    let first = set(first).cloned().unwrap_or_default();
                    rest.iter()
                        .filter_map(set)
                        .fold(first, |acc, next| acc.intersection(next))
                }
                [] => continue,
            };
            usage
                .principals
                .insert(entity, PrincipalUnused { sources, unused });
        }
        usage
    }

    /// Adds what one source says the role or user `entity` (an index into
    /// [`Account::entities`], as [`Account::principal`] returns it) left
    /// unused; `source` names where it came from (`used:FILE`). A principal
    /// that already has a set keeps the intersection, and a diagnostic says so.
    /// The same source named twice for a principal counts once, as a duplicate.
    ///
    /// The set is counted apart from the findings (in
    /// [`FindingCounts::other_sets`]): a used-list is not a finding, and the
    /// summary says so.
    pub fn add(&mut self, account: &Account, entity: usize, source: String, unused: UnusedSet) {
        match self.principals.get_mut(&entity) {
            Some(existing) if existing.sources.contains(&source) => {
                self.counts.duplicate += 1;
            }
            Some(existing) => {
                self.counts.other_sets += 1;
                self.diagnostics.push(AccountDiagnostic {
                    code: AccountCode::SeveralFindings,
                    subject: format!("source `{source}`"),
                    message: format!(
                        "{} has several sources of unused (findings, used-lists, last-accessed data, CloudTrail); only what all of them leave unused is taken as unused",
                        entity_label(account, entity)
                    ),
                });
                existing.unused = existing.unused.intersection(&unused);
                existing.sources.push(source);
            }
            None => {
                self.counts.other_sets += 1;
                self.principals.insert(
                    entity,
                    PrincipalUnused {
                        sources: vec![source],
                        unused,
                    },
                );
            }
        }
    }

    /// The principals with a set, by entity index, in the details' order.
    pub fn principals(&self) -> impl Iterator<Item = (usize, &PrincipalUnused)> {
        self.principals.iter().map(|(&i, p)| (i, p))
    }

    /// The set of the role or user `entity`, if it has one.
    pub fn get(&self, entity: usize) -> Option<&PrincipalUnused> {
        self.principals.get(&entity)
    }

    /// What became of the findings.
    pub fn counts(&self) -> &FindingCounts {
        &self.counts
    }

    /// What could not be applied.
    pub fn diagnostics(&self) -> &[AccountDiagnostic] {
        &self.diagnostics
    }
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
