//! The distinct (policy, unused set) pairs to refine, and the threads that refine them.

use std::sync::OnceLock;

use super::grants::{granted_rows, removed_counts_fast, removed_rows};
use super::*;
use crate::known::concrete_action;
use crate::table::{KnownAction, hash_ci};
use crate::trie::Index;

/// The distinct (policy, unused set) pairs to refine: accounts repeat both a
/// lot (one AWS managed policy on hundreds of roles, one inline policy copied
/// to every role of a workload), and each pair needs its K, its refinement and
/// its expansion only once.
pub(super) struct Jobs<'p> {
    /// Policy text to id.
    policies: HashMap<String, usize>,
    /// By policy id, what of an unused set can matter to it.
    scopes: Vec<Option<Scope>>,
    /// A hash of each distinct unused set (as the jobs see it, projected) to
    /// the ids of the sets with that hash.
    sets: HashMap<u64, Vec<usize>>,
    /// By set id, the job that first had it (a new set makes a new job).
    set_jobs: Vec<usize>,
    /// (policy id, set id) to job index.
    index: HashMap<(usize, usize), usize>,
    /// The pairs, in the order first asked for.
    pairs: Vec<Job<'p>>,
}

/// One pair to refine.
pub(super) struct Job<'p> {
    policy: &'p Policy,
    /// Its policy id, for its scope.
    policy_id: usize,
    set: JobSet<'p>,
}

/// A job's unused set. A principal's own set is projected again when the job
/// runs rather than held projected by every job until all have run (those
/// copies were as large as the findings): the job holds which of its
/// entries the projection keeps (`None`: the policy has no scope, the whole
/// set). A set made for the job (an intersection) is kept projected.
pub(super) enum JobSet<'p> {
    Projected(UnusedSet),
    Source(&'p UnusedSet, Option<Vec<u32>>),
}

impl Job<'_> {
    /// The set to refine against.
    fn unused<'a>(&'a self, scopes: &[Option<Scope>]) -> Cow<'a, UnusedSet> {
        match &self.set {
            JobSet::Projected(set) => Cow::Borrowed(set),
            JobSet::Source(set, kept) => {
                match (scopes.get(self.policy_id).and_then(Option::as_ref), kept) {
                    (Some(scope), Some(kept)) => Cow::Owned(project_kept(set, scope, kept)),
                    (Some(scope), None) => Cow::Owned(project(set, scope)),
                    (None, _) => Cow::Borrowed(set),
                }
            }
        }
    }

    /// Its set as the jobs compare them.
    fn view<'a>(&'a self, scopes: &'a [Option<Scope>]) -> SetView<'a> {
        match &self.set {
            JobSet::Projected(set) => SetView::whole(set),
            JobSet::Source(set, kept) => {
                let scope = scopes.get(self.policy_id).and_then(Option::as_ref);
                match (scope, kept) {
                    (Some(scope), Some(kept)) => SetView {
                        set,
                        scope: Some((scope, kept)),
                    },
                    _ => SetView::whole(set),
                }
            }
        }
    }
}

/// An unused set as a job sees it: the whole set, or the services in a
/// scope and the entries kept for it. Two views are the same set when
/// `unused_key(&project(..))` of each is the same text: the same services
/// (lowercase already) and the same actions in order, case aside.
struct SetView<'a> {
    set: &'a UnusedSet,
    scope: Option<(&'a Scope, &'a [u32])>,
}

impl<'a> SetView<'a> {
    fn whole(set: &'a UnusedSet) -> SetView<'a> {
        SetView { set, scope: None }
    }

    fn services(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let scope = self.scope.map(|(scope, _)| scope);
        self.set
            .services()
            .filter(move |s| scope.is_none_or(|scope| scope.contains_key(&s.name)))
            .map(|s| s.name.as_str())
    }

    fn actions(&self) -> Box<dyn Iterator<Item = &'a str> + 'a> {
        let set = self.set;
        match self.scope {
            None => Box::new(set.actions().map(|a| a.name)),
            Some((_, kept)) => {
                let list = set.list();
                let entries = list.entries();
                Box::new(
                    kept.iter()
                        .filter_map(move |&i| entries.get(i as usize).map(|e| list.name_of(e))),
                )
            }
        }
    }

    /// A hash of what [`SetView::same`] compares.
    fn hash(&self) -> u64 {
        const MIX: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut hash = 0u64;
        for service in self.services() {
            hash = (hash.rotate_left(5) ^ hash_ci(service) ^ 1).wrapping_mul(MIX);
        }
        for action in self.actions() {
            hash = (hash.rotate_left(5) ^ hash_ci(action)).wrapping_mul(MIX);
        }
        hash
    }

    fn same(&self, other: &SetView<'_>) -> bool {
        if !self.services().eq(other.services()) {
            return false;
        }
        let (mut mine, mut theirs) = (self.actions(), other.actions());
        loop {
            match (mine.next(), theirs.next()) {
                (None, None) => return true,
                (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => {}
                _ => return false,
            }
        }
    }
}

impl<'p> Jobs<'p> {
    pub(super) fn new() -> Jobs<'p> {
        Jobs {
            policies: HashMap::new(),
            scopes: Vec::new(),
            sets: HashMap::new(),
            set_jobs: Vec::new(),
            index: HashMap::new(),
            pairs: Vec::new(),
        }
    }

    /// The policy's id, computed once per plan (its text is the key).
    pub(super) fn policy_id(&mut self, policy: &Policy) -> usize {
        let next = self.policies.len();
        let scopes = &mut self.scopes;
        *self
            .policies
            .entry(policy.to_compact_string())
            .or_insert_with(|| {
                scopes.push(scope_of(policy));
                next
            })
    }

    /// The pairs and the scopes, the rest dropped.
    pub(super) fn into_parts(self) -> (Vec<Job<'p>>, Vec<Option<Scope>>) {
        (self.pairs, self.scopes)
    }

    /// The job refining `policy` (of id `policy_id`) against `unused`.
    pub(super) fn job(
        &mut self,
        policy: &'p Policy,
        policy_id: usize,
        unused: Cow<'p, UnusedSet>,
    ) -> usize {
        // A finding covers every policy of its principal; each policy only
        // needs the part of it that its entries can match (see `project`).
        let scope = self.scopes.get(policy_id).and_then(Option::as_ref);
        // A principal's own set is projected when its job runs; here the
        // entries it keeps are enough. A set made for this job is kept
        // projected.
        let projected = match (&unused, scope) {
            (Cow::Owned(set), Some(scope)) => Some(project(set, scope)),
            _ => None,
        };
        let kept = match (&unused, scope) {
            (Cow::Borrowed(set), Some(scope)) => Some(kept_entries(set, scope)),
            _ => None,
        };
        // Identical sets are told apart by a hash, then compared.
        let view = match (&projected, scope, &kept) {
            (Some(projected), _, _) => SetView::whole(projected),
            (None, Some(scope), Some(kept)) => SetView {
                set: &unused,
                scope: Some((scope, kept)),
            },
            _ => SetView::whole(&unused),
        };
        let hash = view.hash();
        let found = self.sets.get(&hash).and_then(|ids| {
            ids.iter().copied().find(|&id| {
                self.set_jobs
                    .get(id)
                    .and_then(|&j| self.pairs.get(j))
                    .is_some_and(|job| job.view(&self.scopes).same(&view))
            })
        });
        let set_id = match found {
            Some(id) => id,
            None => {
                let id = self.set_jobs.len();
                // A new set makes a new pair, pushed below.
                self.set_jobs.push(self.pairs.len());
                self.sets.entry(hash).or_default().push(id);
                id
            }
        };
        let next = self.pairs.len();
        *self.index.entry((policy_id, set_id)).or_insert_with(|| {
            let set = match (unused, projected) {
                (Cow::Borrowed(source), _) => JobSet::Source(source, kept),
                (Cow::Owned(_), Some(projected)) => JobSet::Projected(projected),
                (Cow::Owned(set), None) => JobSet::Projected(set),
            };
            self.pairs.push(Job {
                policy,
                policy_id,
                set,
            });
            next
        })
    }
}

/// What every job on one policy shares: K built from the policy alone, and
/// the actions the policy grants under it (made when first needed). A job
/// whose unused set adds no name to K (its actions are the catalog's, as
/// findings' are) uses them instead of building its own: K and the original's
/// grants were rebuilt for every job, thousands of times for one shared policy.
pub(super) struct PolicyBase<'t> {
    known: Known<'t>,
    /// What the policy grants.
    granted: OnceLock<BaseGrants<'t>>,
}

/// What a shared policy grants before it is refined.
enum BaseGrants<'t> {
    /// K is the catalog: its rows (see [`granted_rows`]).
    Rows(Vec<&'t KnownAction>),
    /// Each action with its access level.
    Names(Vec<(Box<str>, Option<AccessLevel>)>),
}

impl<'t> PolicyBase<'t> {
    fn new(table: ActionTable<'t>, policy: &Policy) -> PolicyBase<'t> {
        PolicyBase {
            known: Known::new(table, [policy], &UnusedSet::new()),
            granted: OnceLock::new(),
        }
    }

    /// Whether K of the policy and `unused` is this K: no unused action is a
    /// name K lacks (see [`Known::new`], which adds exactly those).
    fn covers(&self, unused: &UnusedSet) -> bool {
        unused.actions().all(|action| {
            self.known.in_catalog(action.name)
                || concrete_action(action.name)
                    .is_none_or(|canonical| self.known.canonical(&canonical).is_some())
        })
    }

    /// The known actions `policy` (this base's) grants, sorted: as rows when
    /// K is the catalog, else with their access levels (looked up once here,
    /// not by every job).
    fn granted(&self, policy: &Policy) -> &BaseGrants<'t> {
        self.granted.get_or_init(|| {
            if let Some(rows) = granted_rows(policy, &self.known) {
                return BaseGrants::Rows(rows);
            }
            let table = self.known.table();
            BaseGrants::Names(
                granted(policy, &self.known)
                    .into_iter()
                    .map(|action| (Box::from(action), table.get(action).map(|a| a.access)))
                    .collect(),
            )
        })
    }
}

/// Refines one pair and measures what it removes, with the policy's shared
/// K and grants when the unused set allows (the result is the same).
pub(super) fn run_job(
    policy: &Policy,
    unused: &UnusedSet,
    table: ActionTable<'_>,
    options: &RefineOptions,
    base: Option<&PolicyBase<'_>>,
    index: &Index,
) -> RefinedPolicy {
    let base = base.filter(|b| b.covers(unused));
    let own;
    let known = match base {
        Some(base) => &base.known,
        None => {
            own = Known::new(table, [policy], unused);
            &own
        }
    };
    // The plan reports no remark about unused actions a policy does not
    // grant or the catalog does not know (see `UnusedRemarks`).
    let refinement = refine::refine_indexed(
        policy,
        unused,
        known,
        options,
        index,
        refine::UnusedRemarks::Skipped,
    );
    let removed = match (refinement.changed(), base) {
        (false, _) => LevelCounts::default(),
        (true, Some(base)) => match base.granted(policy) {
            BaseGrants::Rows(before) => match granted_rows(&refinement.policy, known) {
                Some(after) => removed_rows(before, &after),
                None => removed_counts(policy, &refinement.policy, known),
            },
            BaseGrants::Names(before) => {
                let after = granted(&refinement.policy, known);
                let mut counts = LevelCounts::default();
                for (action, level) in before {
                    if after.binary_search(&&**action).is_err() {
                        counts.add(*level);
                    }
                }
                counts
            }
        },
        (true, None) => removed_counts_fast(policy, &refinement.policy, known),
    };
    RefinedPolicy {
        size: refinement.policy.size(),
        policy: refinement.policy,
        edits: refinement.edits,
        diagnostics: refinement.diagnostics.into_vec(),
        removed,
    }
}

/// Runs every job on `threads` threads (the pairs are independent), reporting
/// progress from the calling thread, which works too.
pub(super) fn run_jobs(
    pairs: &[Job<'_>],
    scopes: &[Option<Scope>],
    table: ActionTable<'_>,
    options: &RefineOptions,
    threads: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Vec<Arc<RefinedPolicy>> {
    let total = pairs.len();
    // One base per policy with several jobs, made by the first job on it; a
    // policy refined once (an inline policy of one role) is not worth one.
    let mut jobs_per_policy = vec![0usize; scopes.len()];
    for job in pairs {
        if let Some(n) = jobs_per_policy.get_mut(job.policy_id) {
            *n += 1;
        }
    }
    let bases: Vec<OnceLock<PolicyBase<'_>>> = scopes.iter().map(|_| OnceLock::new()).collect();
    let base_of = |job: &Job<'_>| {
        if jobs_per_policy.get(job.policy_id).is_none_or(|&n| n < 2) {
            return None;
        }
        bases
            .get(job.policy_id)
            .map(|cell| cell.get_or_init(|| PolicyBase::new(table, job.policy)))
    };
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let work = |report: &mut dyn FnMut(usize)| {
        // The trie's candidates of each service, cut once per thread.
        let index = Index::new();
        let mut out = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(job) = pairs.get(i) else {
                break;
            };
            let unused = job.unused(scopes);
            out.push((
                i,
                run_job(job.policy, &unused, table, options, base_of(job), &index),
            ));
            report(done.fetch_add(1, Ordering::Relaxed) + 1);
        }
        out
    };
    let mut results: Vec<Option<Arc<RefinedPolicy>>> = vec![None; total];
    progress(0, total);
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads.max(1).min(total.max(1)))
            .map(|_| scope.spawn(|| work(&mut |_| {})))
            .collect();
        let mine = work(&mut |d| progress(d, total));
        let theirs = helpers.into_iter().filter_map(|h| h.join().ok());
        for (i, outcome) in std::iter::once(mine).chain(theirs).flatten() {
            if let Some(slot) = results.get_mut(i) {
                *slot = Some(Arc::new(outcome));
            }
        }
    });
    progress(total, total);
    // A helper that died leaves holes; fill them here rather than lose the run.
    results
        .into_iter()
        .zip(pairs)
        .map(|(result, job)| {
            result.unwrap_or_else(|| {
                Arc::new(run_job(
                    job.policy,
                    &job.unused(scopes),
                    table,
                    options,
                    base_of(job),
                    &Index::new(),
                ))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The jobs share a pair exactly when the policy and the canonical text
    /// of its projected set (`unused_key`) are the same, and a job projects
    /// its set from the entries it kept as `project` does: on random
    /// policies (scoped or not), random sets (case twins, services that
    /// start alike, wholly unused services), borrowed and owned.
    #[test]
    fn jobs_share_a_pair_when_the_projected_texts_are_the_same() {
        let mut below = crate::test_rng::below(0x10b5);
        let services = ["s3", "s3-outposts", "ec2", "iam"];
        let parts = ["Get", "get", "Object", "Acl", "Put", "X"];
        let name = |below: &mut dyn FnMut(usize) -> usize| {
            let mut n = format!("{}:", services[below(services.len())]);
            for _ in 0..1 + below(3) {
                n.push_str(parts[below(parts.len())]);
            }
            n
        };
        let (mut shared, mut total) = (0usize, 0usize);
        for round in 0..300 {
            let policies: Vec<Policy> = (0..1 + below(4))
                .map(|_| {
                    let entries: Vec<String> = (0..1 + below(5))
                        .map(|_| match below(6) {
                            0 => format!("{}*", name(&mut below)),
                            1 if round % 3 == 0 => "*".to_string(),
                            _ => name(&mut below),
                        })
                        .collect();
                    let text = serde_json::json!({"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": entries, "Resource": "*"}]});
                    Policy::parse(&text.to_string()).unwrap()
                })
                .collect();
            let sets: Vec<UnusedSet> = (0..1 + below(6))
                .map(|_| {
                    let mut set = UnusedSet::new();
                    for _ in 0..below(8) {
                        set.insert_action(&name(&mut below), None);
                    }
                    if below(6) == 0 {
                        set.insert_service(services[below(services.len())], None);
                    }
                    set
                })
                .collect();
            let mut jobs = Jobs::new();
            let ids: Vec<usize> = policies.iter().map(|p| jobs.policy_id(p)).collect();
            // (policy id, expected projected set, job).
            let mut asked: Vec<(usize, UnusedSet, usize)> = Vec::new();
            for _ in 0..12 {
                let p = below(policies.len());
                let set = &sets[below(sets.len())];
                let scope = jobs.scopes[ids[p]].clone();
                let expected = match &scope {
                    Some(scope) => project(set, scope),
                    None => set.clone(),
                };
                let unused = if below(3) == 0 {
                    Cow::Owned(set.clone())
                } else {
                    Cow::Borrowed(set)
                };
                let job = jobs.job(&policies[p], ids[p], unused);
                asked.push((ids[p], expected, job));
            }
            let (pairs, scopes) = jobs.into_parts();
            for (i, (id, expected, job)) in asked.iter().enumerate() {
                let first = asked.iter().position(|(_, _, j)| j == job) == Some(i);
                if first {
                    let made = pairs[*job].unused(&scopes);
                    assert_eq!(&*made, expected, "round {round}, call {i}");
                }
                for (other_id, other, other_job) in &asked {
                    // The comparison itself, not only the hash, across policies.
                    let (mine, theirs) =
                        (pairs[*job].view(&scopes), pairs[*other_job].view(&scopes));
                    let same_text = unused_key(expected) == unused_key(other);
                    assert_eq!(mine.same(&theirs), same_text, "round {round}, call {i}");
                    if same_text {
                        assert_eq!(mine.hash(), theirs.hash(), "round {round}, call {i}");
                    }
                    let same = id == other_id && same_text;
                    assert_eq!(job == other_job, same, "round {round}, call {i}");
                    shared += usize::from(same);
                    total += 1;
                }
            }
        }
        assert!(
            shared > total / 8 && shared < total / 2,
            "{shared} of {total}"
        );
    }
}
