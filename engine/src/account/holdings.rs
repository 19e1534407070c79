//! Which principal holds which policy: directly, through a group, or by an
//! attached managed policy.

use super::*;

/// The account's groups, managed policies, group members and attachers, by
/// the names and ARNs the details use to refer to them.
pub(super) struct HoldingIndex<'a> {
    /// Group name to entity index.
    groups: HashMap<&'a str, usize>,
    /// Managed policy ARN to its index in `Account::managed`.
    managed: HashMap<&'a str, usize>,
    /// By group, the entities in it, in the details' order.
    members: BTreeMap<usize, Vec<usize>>,
    /// By managed policy ARN, the entities that attach it, in the details' order.
    attachers: BTreeMap<&'a str, Vec<usize>>,
    /// The entities in a group the details do not have, with that group's name.
    unknown_groups: Vec<(usize, &'a str)>,
}

impl<'a> HoldingIndex<'a> {
    pub(super) fn new(account: &'a Account) -> HoldingIndex<'a> {
        let groups: HashMap<&str, usize> = account
            .entities
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == EntityKind::Group)
            .map(|(i, e)| (e.name.as_str(), i))
            .collect();
        let managed: HashMap<&str, usize> = account
            .managed
            .iter()
            .enumerate()
            .map(|(i, p)| (p.arn.as_str(), i))
            .collect();
        let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut unknown_groups = Vec::new();
        for (i, entity) in account.entities.iter().enumerate() {
            for group in &entity.groups {
                match groups.get(group.as_str()) {
                    Some(&g) => members.entry(g).or_default().push(i),
                    None => unknown_groups.push((i, group.as_str())),
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
        HoldingIndex {
            groups,
            managed,
            members,
            attachers,
            unknown_groups,
        }
    }

    /// A diagnostic for each group the details do not have that a principal
    /// `planned` is in.
    pub(super) fn report_unknown_groups(
        &self,
        account: &Account,
        planned: impl Fn(usize) -> bool,
        diagnostics: &mut Vec<AccountDiagnostic>,
    ) {
        for &(i, group) in &self.unknown_groups {
            let Some(entity) = account.entities.get(i) else {
                continue;
            };
            if planned(i) {
                diagnostics.push(AccountDiagnostic {
                    code: AccountCode::UnknownGroup,
                    subject: entity.arn.clone(),
                    message: format!(
                        "{} is in the group `{group}`, which is not in `GroupDetailList`; that group's policies are not planned",
                        entity.label()
                    ),
                });
            }
        }
    }

    /// The roles and users that hold a policy attached to `attachments`
    /// (groups stand for their members), in the details' order.
    fn holders_of(&self, account: &Account, attachments: &[usize]) -> Vec<usize> {
        let mut holders = BTreeSet::new();
        for &a in attachments {
            match account.entities.get(a).map(|e| e.kind) {
                Some(EntityKind::Group) => {
                    holders.extend(self.members.get(&a).into_iter().flatten().copied());
                }
                Some(_) => {
                    holders.insert(a);
                }
                None => {}
            }
        }
        holders.into_iter().collect()
    }
}

/// Phase 2: the policies each principal with a set holds, in order, and the
/// principals' plans holding them.
pub(super) fn policies_held(
    account: &Account,
    index: &HoldingIndex<'_>,
    sets: &BTreeMap<usize, PrincipalUnused>,
    diagnostics: &mut Vec<AccountDiagnostic>,
) -> (Vec<PolicyPlan>, Vec<PrincipalPlan>) {
    let mut policies: Vec<PolicyPlan> = Vec::new();
    let mut policy_index: HashMap<PolicyRef, usize> = HashMap::new();
    let mut missing_reported: BTreeSet<&str> = BTreeSet::new();
    let mut principals = Vec::new();
    for (&entity_index, set) in sets {
        let Some(entity) = account.entities.get(entity_index) else {
            continue;
        };
        let refs = held_refs(
            account,
            index,
            (entity_index, entity),
            &mut missing_reported,
            diagnostics,
        );
        let mut holdings = Vec::with_capacity(refs.len());
        for (reference, via) in refs {
            let policy = match policy_index.get(&reference) {
                Some(&i) => i,
                None => {
                    let plan =
                        new_policy_plan(account, &reference, &index.attachers, &index.managed);
                    let Some(mut plan) = plan else { continue };
                    plan.holders = index.holders_of(account, &plan.attachments);
                    plan.without_finding = plan
                        .holders
                        .iter()
                        .copied()
                        .filter(|h| !sets.contains_key(h))
                        .collect();
                    policies.push(plan);
                    policy_index.insert(reference, policies.len() - 1);
                    policies.len() - 1
                }
            };
            holdings.push(Holding {
                policy,
                via,
                alternative: None,
            });
        }
        // Its unused set is filled in once the refinements are done, so that
        // it is not held twice while they run.
        principals.push(PrincipalPlan {
            entity: entity_index,
            finding_ids: set.sources.clone(),
            unused: UnusedSet::new(),
            holdings,
        });
    }
    (policies, principals)
}

/// The policies `entity` holds, each with the group it holds it through: its
/// own inline policies, then its attached managed policies, then each of its
/// groups' (a managed policy once). An attached policy missing from
/// `Policies` is said once, in `missing_reported`, and left out.
fn held_refs<'a>(
    account: &'a Account,
    index: &HoldingIndex<'_>,
    (entity_index, entity): (usize, &Entity),
    missing_reported: &mut BTreeSet<&'a str>,
    diagnostics: &mut Vec<AccountDiagnostic>,
) -> Vec<(PolicyRef, Option<usize>)> {
    let mut refs: Vec<(PolicyRef, Option<usize>)> = Vec::new();
    let mut owners: Vec<(usize, Option<usize>)> = vec![(entity_index, None)];
    for group in &entity.groups {
        if let Some(&g) = index.groups.get(group.as_str()) {
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
            if !index.managed.contains_key(arn.as_str()) {
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
    refs
}

/// Why [`Account::principal`] found no one principal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrincipalLookupError {
    /// No role or user has that ARN or name.
    Unknown,
    /// A role and a user have that name: the ARN tells them apart.
    Ambiguous,
}

impl Account {
    /// The roles and users by ARN.
    pub(super) fn principals_by_arn(&self) -> HashMap<&str, usize> {
        self.entities
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind != EntityKind::Group)
            .map(|(i, e)| (e.arn.as_str(), i))
            .collect()
    }

    /// The role or user that `name` designates, by index into
    /// [`Account::entities`]: its exact ARN, or its name (any case) when one
    /// role or user has it.
    pub fn principal(&self, name: &str) -> Result<usize, PrincipalLookupError> {
        let principals = || {
            self.entities
                .iter()
                .enumerate()
                .filter(|(_, e)| e.kind != EntityKind::Group)
        };
        if let Some((i, _)) = principals().find(|(_, e)| e.arn == name) {
            return Ok(i);
        }
        let mut matching = principals().filter(|(_, e)| e.name.eq_ignore_ascii_case(name));
        match (matching.next(), matching.next()) {
            (Some((i, _)), None) => Ok(i),
            (None, _) => Err(PrincipalLookupError::Unknown),
            (Some(_), Some(_)) => Err(PrincipalLookupError::Ambiguous),
        }
    }

    /// Every readable policy the role or user `entity` holds, with its name, in
    /// the plan's order: its inline policies, its attached managed policies,
    /// then each of its groups' (a managed policy once). Policies whose
    /// document could not be read are left out.
    pub fn held_policies(&self, entity: usize) -> Vec<(&str, &Policy)> {
        let Some(holder) = self.entities.get(entity) else {
            return Vec::new();
        };
        let index = HoldingIndex::new(self);
        // What cannot be held is said by the plan; here it is only left out.
        let (mut missing, mut diagnostics) = (BTreeSet::new(), Vec::new());
        let refs = held_refs(
            self,
            &index,
            (entity, holder),
            &mut missing,
            &mut diagnostics,
        );
        refs.into_iter()
            .filter_map(|(reference, _)| match reference {
                PolicyRef::Inline { entity, name } => self
                    .entities
                    .get(entity)?
                    .inline
                    .iter()
                    .find(|p| p.name == name)
                    .map(|p| (p.name.as_str(), &p.policy)),
                PolicyRef::Managed(arn) => {
                    let managed = self.managed.get(*index.managed.get(arn.as_str())?)?;
                    Some((managed.name.as_str(), managed.document.as_ref()?))
                }
            })
            .collect()
    }
}
