//! The refinement: every unused action out of a policy, wildcards narrowed to
//! their shortest safe prefixes, exactly as `SEMANTICS.md` states it.

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use crate::known::Known;
use crate::pattern::Pattern;
use crate::policy::{ActionKey, Effect, Policy, Statement};
use crate::table::{ActionTable, gallop};
use crate::trie::{ByLength, Class, Index, Mode, Problem, Trie};
use crate::unused::UnusedSet;

/// How to refine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefineOptions {
    /// Generalize with wildcards (`true`, Access Analyzer's behaviour), or
    /// replace a wildcard by the exact list of its used actions (`false`).
    pub wildcards: bool,
    /// The catalog's date (`YYYY-MM-DD`), when known: the warning about a
    /// wildcard the catalog cannot see names it. The engine reads no clock
    /// and no file, so the caller says how old its catalog is.
    pub catalog_date: Option<String>,
}

impl Default for RefineOptions {
    fn default() -> RefineOptions {
        RefineOptions {
            wildcards: true,
            catalog_date: None,
        }
    }
}

/// Why an entry left its statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RemovalReason {
    /// A literal action reported unused.
    Unused,
    /// A wildcard that grants only unused actions.
    OnlyUnused,
    /// The same entry stands earlier in the statement.
    Duplicate,
}

/// What happened to one entry or statement.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// The entry was removed.
    Removed {
        /// The entry as written.
        entry: String,
        /// Why.
        reason: RemovalReason,
    },
    /// The wildcard entry was replaced, at its position, by its generalization.
    Replaced {
        /// The entry as written.
        entry: String,
        /// What stands in its place.
        with: Vec<String>,
    },
    /// Exclusions were appended to `NotAction`.
    Excluded {
        /// The appended entries.
        added: Vec<String>,
    },
    /// The statement was removed: nothing it grants is used.
    StatementRemoved,
}

/// One edit, located.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Edit {
    /// The statement's index in the original policy.
    pub statement: usize,
    /// The statement's `Sid`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `Action` or `NotAction`.
    pub key: ActionKey,
    /// What changed.
    #[serde(flatten)]
    pub change: Change,
}

/// What a diagnostic is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosticCode {
    /// A literal action of the policy that the catalog does not know.
    UnknownAction,
    /// An unused action that the catalog does not know.
    UnknownUnusedAction,
    /// An unused action (or service) that the policy does not grant.
    UnusedNotGranted,
    /// NotAction exclusions also exclude actions that do not exist yet.
    BroadExclusion,
    /// An entry that is not of the form `service:Action`.
    MalformedAction,
    /// A wildcard entry over a service the catalog does not know: kept as written.
    UnknownService,
    /// A wildcard entry that matches no action of the catalog: kept as written.
    MatchesNoAction,
}

/// An observation about well-formed input: reported beside the result.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// What it is about.
    pub code: DiagnosticCode,
    /// The statement it concerns, by index in the original policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<usize>,
    /// The entry or action it concerns. Shared with the unused list where it
    /// is one of its actions: a list of millions of unknown actions makes
    /// two remarks each, and a copy of the name for each was most of the
    /// memory of such a run.
    #[serde(serialize_with = "as_str")]
    pub subject: Arc<str>,
    /// The sentence for the user (the same few sentences for every subject:
    /// a list of a hundred thousand unknown actions need not hold them each).
    pub message: Cow<'static, str>,
}

fn as_str<S: serde::Serializer>(text: &Arc<str>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(text)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.statement {
            Some(i) => write!(f, "Statement[{i}], `{}`: {}", self.subject, self.message),
            None => write!(f, "`{}`: {}", self.subject, self.message),
        }
    }
}

pub use crate::recommendation::RecommendedAction;

mod diagnostics;
pub use diagnostics::Diagnostics;
use diagnostics::{diagnose_blind_wildcards, diagnose_literals, diagnose_unused};

mod not_action;
use not_action::refine_not_action_statement;

mod edits;
pub use edits::Edits;
use edits::Place;

/// The result of a refinement.
#[derive(Clone, Debug, PartialEq)]
pub struct Refinement {
    /// The refined policy.
    pub policy: Policy,
    /// Which entry became what, in which statement, in order.
    pub edits: Edits,
    /// What deserves the user's attention.
    pub diagnostics: Diagnostics,
}

impl Refinement {
    /// Whether anything changed.
    pub fn changed(&self) -> bool {
        !self.edits.is_empty()
    }

    /// `DETACH_POLICY` when no statement remains, `CREATE_POLICY` otherwise.
    pub fn recommended_action(&self) -> RecommendedAction {
        RecommendedAction::for_refined(&self.policy)
    }
}

/// Refines `policy` against `unused`, with `table` as the catalog.
pub fn refine(
    policy: &Policy,
    unused: &UnusedSet,
    table: ActionTable<'_>,
    options: &RefineOptions,
) -> Refinement {
    let known = Known::new(table, [policy], unused);
    refine_with(policy, unused, &known, options)
}

/// Refines with a prepared K (callers that refine many policies against one
/// catalog build K once per unused list).
pub fn refine_with(
    policy: &Policy,
    unused: &UnusedSet,
    known: &Known<'_>,
    options: &RefineOptions,
) -> Refinement {
    refine_indexed(
        policy,
        unused,
        known,
        options,
        &Index::new(),
        UnusedRemarks::Made,
    )
}

/// Whether a refinement remarks on the unused actions its policy does not
/// grant and those the catalog does not know
/// ([`DiagnosticCode::UnusedNotGranted`], [`DiagnosticCode::UnknownUnusedAction`]:
/// no other remark is made of the unused set). A finding is per principal,
/// so of most of a principal's policies those remarks are expected: an
/// account's plan reports none of them, and skips making them (a tenth of
/// its refinements' work).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnusedRemarks {
    Made,
    Skipped,
}

/// [`refine_with`], taking the trie's candidates from `index`, which may
/// hold them from earlier refinements over the same catalog (the result is
/// the same: the candidates depend only on the names).
pub(crate) fn refine_indexed(
    policy: &Policy,
    unused: &UnusedSet,
    known: &Known<'_>,
    options: &RefineOptions,
    index: &Index,
    remarks: UnusedRemarks,
) -> Refinement {
    let mut edits = Edits::new();
    let mut diagnostics = Vec::new();
    let mut statements = Vec::with_capacity(policy.statements().len());
    // What each distinct entry becomes, so that a policy repeating a wildcard
    // pays for its generalization once (only looked up: nothing iterates it).
    let mut outcomes: HashMap<String, Outcome> = HashMap::new();
    // The trie's candidates and K's classes, built when first needed and
    // shared by every entry and statement of the policy.
    let shared = Shared::sharing(index).expecting(
        policy
            .statements()
            .iter()
            .filter(|s| s.effect() == Effect::Allow && s.key() == ActionKey::Action)
            .flat_map(|s| s.entries().iter().map(String::as_str)),
    );
    let trie_index = &shared.index;
    for (index, statement) in policy.statements().iter().enumerate() {
        diagnose_literals(index, statement, unused, known, &mut diagnostics);
        diagnose_blind_wildcards(
            index,
            statement,
            unused,
            known,
            options,
            &shared,
            &mut diagnostics,
        );
        let refined = match (statement.effect(), statement.key()) {
            (Effect::Deny, _) => Some(statement.clone()),
            (Effect::Allow, ActionKey::Action) => refine_action_statement(
                index,
                statement,
                unused,
                known,
                options,
                &shared,
                &mut outcomes,
                &mut edits,
            ),
            (Effect::Allow, ActionKey::NotAction) => refine_not_action_statement(
                index,
                statement,
                unused,
                known,
                options,
                trie_index,
                &mut edits,
                &mut diagnostics,
            ),
        };
        match refined {
            Some(s) => statements.push(s),
            None => edits.push(Edit {
                statement: index,
                sid: statement.sid().map(str::to_string),
                key: statement.key(),
                change: Change::StatementRemoved,
            }),
        }
    }
    // An account plan holds every refinement to the end: no room for growth.
    let mut diagnostics = Diagnostics::from(diagnostics);
    if remarks == UnusedRemarks::Made {
        diagnose_unused(policy, unused, known, &mut diagnostics);
    }
    edits.shrink_to_fit();
    diagnostics.parts.shrink_to_fit();
    Refinement {
        policy: policy.with_statements(statements),
        edits,
        diagnostics,
    }
}

/// What an entry of an Allow `Action` statement becomes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Keep,
    Remove(RemovalReason),
    /// Shared by every entry of the language (a hostile policy repeats one).
    Replace(List),
}

/// A replacement list: its entries are shared too, with the other lists
/// that hold them (the patterns of a hostile policy are replaced by
/// thousands of entries each, most of them the same nodes of one walk), so
/// that a list is not copied entry by entry and the statement's duplicate
/// check can tell two of the same entry by their address.
pub(crate) type List = Arc<[Arc<str>]>;

/// Rules 1 to 4 for one entry of an Allow `Action` statement.
#[cfg(test)]
pub(crate) fn refine_entry(
    entry: &str,
    unused: &UnusedSet,
    known: &Known<'_>,
    options: &RefineOptions,
) -> Outcome {
    refine_entry_with(entry, unused, known, options, &Shared::new())
}

/// What a refinement computes once for all its entries and statements: a
/// hostile policy repeats wide wildcards, each of which would otherwise
/// class every known action and cut every name again.
pub(crate) struct Shared<'k> {
    /// The trie's candidates, service by service.
    pub(crate) index: Index,
    /// Every known action with whether it is unused, for wide entries.
    wide: OnceCell<Vec<(&'k str, bool)>>,
    /// Whether a wildcard's language matches some catalog action, by
    /// [`Pattern::language_key`].
    matched: RefCell<HashMap<String, bool>>,
    /// The walks of patterns of only `?` and `*`, shared.
    by_length: OnceCell<Option<ByLength<'k>>>,
    /// The lengths `n` of the refinement's patterns of only `?` and `*`
    /// (sorted, distinct): the first such pattern to need the walk's
    /// entries asks for every length at once (see [`ByLength::emitted_each`]).
    lengths: Vec<usize>,
    /// The lists made so far, by `n`.
    by_length_lists: RefCell<HashMap<usize, List>>,
}

impl<'k> Shared<'k> {
    pub(crate) fn new() -> Shared<'k> {
        Shared::sharing(&Index::new())
    }

    /// Computed afresh, with the trie's candidates taken from `index`.
    pub(crate) fn sharing(index: &Index) -> Shared<'k> {
        Shared {
            index: index.clone(),
            wide: OnceCell::new(),
            matched: RefCell::new(HashMap::new()),
            by_length: OnceCell::new(),
            lengths: Vec::new(),
            by_length_lists: RefCell::new(HashMap::new()),
        }
    }

    /// The same, told the lengths of the patterns of only `?` and `*` among
    /// `entries` (the whole policy's): they are walked together.
    pub(crate) fn expecting<'e>(
        mut self,
        entries: impl IntoIterator<Item = &'e str>,
    ) -> Shared<'k> {
        for entry in entries {
            let only_wildcards = entry.bytes().all(|b| b == b'?' || b == b'*');
            if only_wildcards && entry.contains('*') {
                if let Some((n, true)) = Pattern::new(entry).lengths() {
                    self.lengths.push(n);
                }
            }
        }
        self.lengths.sort_unstable();
        self.lengths.dedup();
        self
    }

    /// The known actions, each with whether it is unused, found once.
    fn wide(&self, unused: &UnusedSet, known: &'k Known<'_>) -> &[(&'k str, bool)] {
        self.wide.get_or_init(|| {
            let all = known.all();
            let unused = unused.contains_each_sorted(&all);
            all.into_iter().zip(unused).collect()
        })
    }

    /// What refining a pattern that matches the names of at least `n`
    /// characters (`*??????????*`) gives, when it spans the whole of K:
    /// every such pattern of the refinement shares one walk (see
    /// [`ByLength`]). `None` when K's names cannot be walked service by service.
    fn by_length(&self, n: usize, unused: &UnusedSet, known: &'k Known<'_>) -> Option<Outcome> {
        let by_length = self
            .by_length
            .get_or_init(|| ByLength::new(self.wide(unused, known)))
            .as_ref()?;
        Some(match by_length.grants(n) {
            (false, _) => Outcome::Keep,
            (true, false) => Outcome::Remove(RemovalReason::OnlyUnused),
            (true, true) => Outcome::Replace(self.emitted(by_length, n)),
        })
    }

    /// [`ByLength`]'s list for `n`, made with those of every length expected
    /// and not made yet that replaces its pattern too.
    fn emitted(&self, by_length: &ByLength<'k>, n: usize) -> List {
        if let Some(list) = self.by_length_lists.borrow().get(&n) {
            return Arc::clone(list);
        }
        let mut lists = self.by_length_lists.borrow_mut();
        let mut lengths: Vec<usize> = self
            .lengths
            .iter()
            .copied()
            .filter(|m| !lists.contains_key(m) && by_length.grants(*m) == (true, true))
            .collect();
        if let Err(at) = lengths.binary_search(&n) {
            lengths.insert(at, n);
        }
        let made = by_length.emitted_each(&self.index, &lengths);
        lists.extend(lengths.into_iter().zip(made));
        lists.get(&n).map_or_else(|| Arc::from([]), Arc::clone)
    }

    /// [`classify`] over the known actions under `range` (a service's
    /// `svc:`, or all of K), with the unused ones found once per refinement.
    fn classify(
        &self,
        pattern: &Pattern,
        range: &str,
        unused: &UnusedSet,
        known: &'k Known<'_>,
    ) -> Vec<(&'k str, Class)> {
        let all = self.wide(unused, known);
        crate::known::prefix_slice_by(all, range, |(a, _)| a)
            .iter()
            .map(|&(a, is_unused)| {
                let class = if is_unused {
                    Class::Unused
                } else if pattern.matches(a) {
                    Class::Placed
                } else {
                    Class::NotGranted
                };
                (a, class)
            })
            .collect()
    }

    /// Whether `pattern` is a wildcard whose grant the catalog cannot see
    /// (the rule of "What the catalog cannot see" in `SEMANTICS.md`); `None`
    /// for a literal, or a wildcard that matches some catalog action. The
    /// scan of the catalog is done once per language.
    fn blind_spot<'p>(
        &self,
        pattern: &'p Pattern,
        table: ActionTable<'_>,
    ) -> Option<BlindSpot<'p>> {
        if pattern.is_literal() {
            return None;
        }
        let remembered = self.index.blind_spots.borrow().get(table, pattern.as_str());
        if let Some(answer) = remembered {
            return match answer {
                Blind::Seen => None,
                Blind::UnknownService => pattern.fixed_service().map(BlindSpot::UnknownService),
                Blind::NoCatalogAction => Some(BlindSpot::NoCatalogAction),
            };
        }
        let found = self.blind_spot_found(pattern, table);
        let answer = match found {
            None => Blind::Seen,
            Some(BlindSpot::UnknownService(_)) => Blind::UnknownService,
            Some(BlindSpot::NoCatalogAction) => Blind::NoCatalogAction,
        };
        self.index
            .blind_spots
            .borrow_mut()
            .remember(table, pattern.as_str(), answer);
        found
    }

    /// [`Shared::blind_spot`], asked of the catalog.
    fn blind_spot_found<'p>(
        &self,
        pattern: &'p Pattern,
        table: ActionTable<'_>,
    ) -> Option<BlindSpot<'p>> {
        if let Some(service) = unknown_service(pattern, table) {
            return Some(BlindSpot::UnknownService(service));
        }
        let key = Pattern::language_key(pattern.as_str());
        let known = self.matched.borrow().get(&key).copied();
        let matched = known.unwrap_or_else(|| {
            let matched = matches_catalog(pattern, table);
            self.matched.borrow_mut().insert(key, matched);
            matched
        });
        (!matched).then_some(BlindSpot::NoCatalogAction)
    }
}

/// What [`Shared::blind_spot`] answered for each wildcard entry, by its
/// exact text, over one catalog. The answer depends on the entry and the
/// catalog alone (not on K or the unused set), so the refinements that share
/// an [`Index`] (the jobs of `pare account` on one thread) ask the catalog
/// once per distinct entry, not twice per entry of every job. Answers about
/// other rows are forgotten when a refinement asks about a new table.
#[derive(Debug, Default)]
pub(crate) struct BlindSpots {
    /// The address and length of the rows the answers are about.
    rows: (usize, usize),
    answers: HashMap<Box<str>, Blind>,
}

/// A remembered answer; the unknown service is the entry's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Blind {
    Seen,
    UnknownService,
    NoCatalogAction,
}

impl BlindSpots {
    fn rows_of(table: ActionTable<'_>) -> (usize, usize) {
        let rows = table.rows();
        (rows.as_ptr() as usize, rows.len())
    }

    fn get(&self, table: ActionTable<'_>, entry: &str) -> Option<Blind> {
        if self.rows != BlindSpots::rows_of(table) {
            return None;
        }
        self.answers.get(entry).copied()
    }

    fn remember(&mut self, table: ActionTable<'_>, entry: &str, answer: Blind) {
        let rows = BlindSpots::rows_of(table);
        if self.rows != rows {
            self.answers.clear();
            self.rows = rows;
        }
        self.answers.insert(Box::from(entry), answer);
    }
}

/// Whether `entry` has no `*` or `?` (as [`Pattern::is_literal`] says,
/// without parsing it).
pub(crate) fn is_literal(entry: &str) -> bool {
    !entry.contains(['*', '?'])
}

/// Rule 1 for a literal entry: removed when the set lists it.
fn literal_outcome(entry: &str, unused: &UnusedSet) -> Outcome {
    if unused.contains(entry) {
        Outcome::Remove(RemovalReason::Unused)
    } else {
        Outcome::Keep
    }
}

/// [`refine_entry`], with what the refinement shares in `shared`.
pub(crate) fn refine_entry_with<'k>(
    entry: &str,
    unused: &UnusedSet,
    known: &'k Known<'_>,
    options: &RefineOptions,
    shared: &Shared<'k>,
) -> Outcome {
    if is_literal(entry) {
        return literal_outcome(entry, unused);
    }
    let pattern = Pattern::new(entry);
    // A wildcard confined to a wholly unused service grants only unused actions, known or not.
    if pattern
        .fixed_service()
        .is_some_and(|s| unused.is_service_unused(s))
    {
        return Outcome::Remove(RemovalReason::OnlyUnused);
    }
    // Over what the catalog cannot see, K holds only the names the inputs
    // mention: the entry may grant any number of actions nobody listed.
    if shared.blind_spot(&pattern, known.table()).is_some() {
        return Outcome::Keep;
    }
    // A pattern of only `?` and `*` with a `*` matches by length: such
    // patterns share one walk.
    if let (true, Some((n, true))) = (options.wildcards, pattern.lengths()) {
        if let Some(outcome) = shared.by_length(n, unused, known) {
            return outcome;
        }
    }
    // When the trie's range is all the entry can match (`*??????????*`,
    // `s3:*x`), each known action is matched once: the same classes say
    // whether the entry grants an unused action, what it still grants, and
    // feed the trie. Otherwise (`s3:Get*`) only the actions that start with
    // the literal part are looked at first, since most entries are kept.
    let literal = pattern.literal_prefix();
    let wide = range_prefix(literal).len() == literal.len();
    let mut actions: Vec<(&str, Class)> = if wide {
        shared.classify(&pattern, range_prefix(literal), unused, known)
    } else {
        classify_under_literal(&pattern, unused, known)
    };
    let mut grants_unused = false;
    let mut used = 0usize;
    for (a, class) in &actions {
        match class {
            Class::Placed => used += 1,
            Class::Unused => grants_unused = grants_unused || pattern.matches(a),
            _ => {}
        }
    }
    if !grants_unused {
        return Outcome::Keep;
    }
    if used == 0 {
        return Outcome::Remove(RemovalReason::OnlyUnused);
    }
    if !options.wildcards {
        return Outcome::Replace(
            actions
                .iter()
                .filter(|(_, class)| *class == Class::Placed)
                .map(|(a, _)| Arc::from(*a))
                .collect(),
        );
    }
    if !wide {
        actions = around_literal(actions, literal, known)
            .unwrap_or_else(|| classify(&pattern, unused, known));
    }
    with_entry_problem(&pattern, actions, |problem| {
        Outcome::Replace(
            Trie::walk(problem, &shared.index, Mode::Emitted)
                .emitted
                .into_iter()
                .map(Arc::from)
                .collect(),
        )
    })
}

/// The trie's problem for a wildcard entry of an Allow `Action` statement,
/// over `actions` (its range, classified: [`classify`]): rooted at the
/// entry's literal part, covering what its language covers, forcing no star.
/// Put together here only, and handed to `then`: the refinement walks it,
/// `pare explain` walks it and asks its [`crate::trie::Safety`] about the
/// nodes it adds.
pub(crate) fn with_entry_problem<'k, R>(
    pattern: &Pattern,
    actions: Vec<(&'k str, Class)>,
    then: impl FnOnce(&Problem<'k, '_>) -> R,
) -> R {
    let covers = |p: &str| pattern.covers_prefix(p);
    let never = |_: &str| false;
    then(&Problem {
        actions,
        root_hint: pattern.literal_prefix(),
        covers: &covers,
        force_star: &never,
    })
}

/// What the trie of an entry with this literal part ranges over. The range
/// must reach back to the root, which may be shorter than the literal part
/// (`s3:Ge*` roots at `s3:`): everything under the service, or all of K.
fn range_prefix(literal: &str) -> &str {
    match literal.find(':') {
        Some(i) => literal.get(..=i).unwrap_or(""),
        None => "",
    }
}

/// The known actions that start with `pattern`'s literal part, each classed:
/// placed when the entry matches it and it is not unused, unused when both,
/// not granted when the entry does not match it.
fn classify_under_literal<'k>(
    pattern: &Pattern,
    unused: &UnusedSet,
    known: &'k Known<'_>,
) -> Vec<(&'k str, Class)> {
    let mut is_unused = unused.contains_in_order();
    known
        .with_prefix(pattern.literal_prefix())
        .into_iter()
        .map(|a| {
            let class = match (pattern.matches(a), is_unused(a)) {
                (false, _) => Class::NotGranted,
                (true, true) => Class::Unused,
                (true, false) => Class::Placed,
            };
            (a, class)
        })
        .collect()
}

/// The trie's range of an entry whose literal part reaches past its service
/// (`s3:Get*`), from the classes of the names under the literal part alone:
/// a name outside it cannot match the entry, so it is never placed, and is
/// classed [`Class::NotGranted`] without asking the unused set or the
/// pattern. [`classify`] would class some of those (and the unused names
/// under the literal part that the entry does not match) [`Class::Unused`]
/// instead: a walk that keeps only the emitted entries ([`Mode::Emitted`])
/// tells the classes that block a node apart nowhere, so it emits the same.
/// Most of a service (all of it but `Get…`) was classed, and looked up in
/// the unused set, for every such entry of every job. `None` if the names
/// under the literal part are not where they stand in the range (they
/// always are: both are K's sorted names), and the caller classifies.
fn around_literal<'k>(
    under: Vec<(&'k str, Class)>,
    literal: &str,
    known: &'k Known<'_>,
) -> Option<Vec<(&'k str, Class)>> {
    let names = known.with_prefix(range_prefix(literal));
    let start = names.partition_point(|n| crate::table::cmp_ci(n, literal).is_lt());
    let (before, rest) = names.split_at_checked(start)?;
    let (same, after) = rest.split_at_checked(under.len())?;
    let in_place = same
        .iter()
        .zip(&under)
        .all(|(a, (b, _))| std::ptr::eq(*a, *b));
    if !in_place {
        return None;
    }
    let mut out = Vec::with_capacity(names.len());
    out.extend(before.iter().map(|&n| (n, Class::NotGranted)));
    out.extend(under);
    out.extend(after.iter().map(|&n| (n, Class::NotGranted)));
    Some(out)
}

/// The known actions a wildcard entry's trie ranges over, each classed: under
/// the entry's service, or all of K.
pub(crate) fn classify<'k>(
    pattern: &Pattern,
    unused: &UnusedSet,
    known: &'k Known<'_>,
) -> Vec<(&'k str, Class)> {
    let names = known.with_prefix(range_prefix(pattern.literal_prefix()));
    let unused = unused.contains_each_sorted(&names);
    names
        .into_iter()
        .zip(unused)
        .map(|(a, is_unused)| {
            let class = if is_unused {
                Class::Unused
            } else if pattern.matches(a) {
                Class::Placed
            } else {
                Class::NotGranted
            };
            (a, class)
        })
        .collect()
}

/// Why the catalog cannot see what a wildcard entry grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BlindSpot<'p> {
    /// Its service part is a literal naming a service the catalog does not know.
    UnknownService(&'p str),
    /// It matches no action of the catalog (only names the inputs mention, or none).
    NoCatalogAction,
}

/// The service part of `pattern`, when it is a literal the catalog does not know.
fn unknown_service<'p>(pattern: &'p Pattern, table: ActionTable<'_>) -> Option<&'p str> {
    pattern
        .fixed_service()
        .filter(|service| table.with_prefix(&format!("{service}:")).is_empty())
}

/// Whether `pattern` matches some action of the catalog.
fn matches_catalog(pattern: &Pattern, table: ActionTable<'_>) -> bool {
    table
        .with_prefix(pattern.literal_prefix())
        .iter()
        .any(|row| pattern.matches(&row.name))
}

/// The trie of a wildcard entry of an Allow `Action` statement, walked.
pub fn generalize(pattern: &Pattern, unused: &UnusedSet, known: &Known<'_>) -> Trie {
    generalize_trie(pattern, unused, known, false)
}

/// [`generalize`], with the safety of every node evaluated when `evaluate_all`
/// is set (for explaining the trie; the emitted entries are the same).
pub fn generalize_trie(
    pattern: &Pattern,
    unused: &UnusedSet,
    known: &Known<'_>,
    evaluate_all: bool,
) -> Trie {
    generalize_with(pattern, unused, known, evaluate_all, &Shared::new())
}

/// [`generalize_trie`], with the trie's candidates kept in `shared`.
pub(crate) fn generalize_with<'k>(
    pattern: &Pattern,
    unused: &UnusedSet,
    known: &'k Known<'_>,
    evaluate_all: bool,
    shared: &Shared<'k>,
) -> Trie {
    let mode = if evaluate_all {
        Mode::All
    } else {
        Mode::Visited
    };
    with_entry_problem(pattern, classify(pattern, unused, known), |problem| {
        Trie::walk(problem, &shared.index, mode)
    })
}

#[expect(
    clippy::too_many_arguments,
    reason = "the refinement's shared state, passed down"
)]
fn refine_action_statement<'k>(
    index: usize,
    statement: &Statement,
    unused: &UnusedSet,
    known: &'k Known<'_>,
    options: &RefineOptions,
    shared: &Shared<'k>,
    outcomes: &mut HashMap<String, Outcome>,
    edits: &mut Edits,
) -> Option<Statement> {
    let mut segments: Vec<Segment<'_>> = Vec::new();
    let mut replaced: HashSet<String> = HashSet::new();
    let place = Place {
        statement: index,
        sid: statement.sid().map(Arc::from),
        key: ActionKey::Action,
    };
    let mut local = Edits::new();
    for entry in statement.entries() {
        // A literal's outcome is one lookup: no memo.
        let (outcome, key) = if is_literal(entry) {
            (literal_outcome(entry, unused), None)
        } else {
            // Entries with one language (`*?*`, `?*`; any case) have one outcome.
            let key = Pattern::language_key(entry);
            let outcome = match outcomes.get(&key) {
                Some(outcome) => outcome.clone(),
                None => {
                    let outcome = refine_entry_with(entry, unused, known, options, shared);
                    outcomes.insert(key.clone(), outcome.clone());
                    outcome
                }
            };
            (outcome, Some(key))
        };
        match outcome {
            Outcome::Keep => segments.push(Segment::Kept(entry)),
            Outcome::Remove(reason) => local.push(place.edit(Change::Removed {
                entry: entry.clone(),
                reason,
            })),
            Outcome::Replace(with) => {
                // Only a wildcard is replaced (it has a key); without one,
                // the list is checked entry by entry, which is always right.
                let again = key.is_some_and(|key| !replaced.insert(key));
                segments.push(Segment::List {
                    list: Arc::clone(&with),
                    again,
                });
                local.parts.push(edits::Part::Replaced {
                    place: place.clone(),
                    entry: entry.clone(),
                    with,
                });
            }
        }
    }
    if local.parts.is_empty() {
        // A list written empty ends up empty too: the statement goes, as the
        // contract says of every statement whose action list ends up empty.
        return (!statement.entries().is_empty()).then(|| statement.clone());
    }
    let deduped = dedup(&segments, &place, &mut local);
    edits.parts.append(&mut local.parts);
    (!deduped.is_empty()).then(|| statement.with_entries(deduped))
}

/// What stands at an entry's place, before duplicates go.
enum Segment<'s> {
    /// The entry itself, kept.
    Kept(&'s String),
    /// Its replacement; `again` when the statement already spelled out
    /// the same list (then every entry of it is a duplicate, known
    /// without a lookup: many spellings of one wide wildcard replace it
    /// by thousands).
    List { list: List, again: bool },
}

/// The statement's new entries: the first of each case-insensitive class,
/// in order; each later one is recorded in `local` as a duplicate removed.
///
/// Entries are compared by their lowercased bytes. A hostile policy brings
/// dozens of replacement lists of thousands of entries, most of them
/// entries of the lists before: the lists share their entries (one walk
/// made them), so an entry listed before is first looked for by its
/// address, a hash of a pointer and no byte compared. The others (new
/// entries, or ones spelled again by another list) are compared by their
/// lowercased bytes: a list comes sorted that way and distinct, as the walks
/// leave it, so those are stepped through beside the sorted entries of the
/// lists before it (and those kept as written), and merged in where the
/// stepping found their places. A list that is not in that order is still
/// deduplicated, entry by entry.
fn dedup(segments: &[Segment<'_>], place: &Place, local: &mut Edits) -> Vec<String> {
    let mut deduped: Vec<String> = Vec::new();
    // The entries kept as written (those the statement spelled out).
    let mut kept: BTreeSet<Box<[u8]>> = BTreeSet::new();
    // The entries of the lists so far, lowercased, sorted and distinct (each
    // a span of `arena`, where every new entry's key is written once); and
    // the addresses of the same entries (`segments` holds them all, so no
    // other entry can take one of those addresses meanwhile).
    let mut arena = Arena::default();
    let mut listed: Vec<Span> = Vec::new();
    let mut by_address: HashSet<usize, BuildAddressHasher> = HashSet::default();
    let address = |entry: &Arc<str>| Arc::as_ptr(entry).cast::<u8>() as usize;
    let mut key: Vec<u8> = Vec::new();
    let mut previous: Vec<u8> = Vec::new();
    for segment in segments {
        match segment {
            Segment::Kept(entry) => {
                lowercase_into(entry, &mut key);
                let seen = kept.contains(key.as_slice())
                    || listed.binary_search_by(|&k| arena.get(k).cmp(&key)).is_ok();
                if seen {
                    local.push(place.edit(Change::Removed {
                        entry: (*entry).clone(),
                        reason: RemovalReason::Duplicate,
                    }));
                } else {
                    kept.insert(key.as_slice().into());
                    deduped.push((*entry).clone());
                }
            }
            Segment::List { list, again: true } => {
                local.push_duplicates(place, list, 0..list.len());
            }
            Segment::List { list, again: false } => {
                // The list's new entries, each with its place in `listed`.
                let mut fresh: Vec<(usize, Span)> = Vec::new();
                // Cursors into `listed` and `kept`, while the list is in order
                // (of the entries compared by their bytes); past an entry out
                // of order, its own new entries so far.
                let mut at = 0usize;
                let mut kept_at = kept.iter().peekable();
                let mut unordered: Option<BTreeSet<Box<[u8]>>> = None;
                let mut first = true;
                // Where the duplicates just before this entry begin: each run
                // of them is recorded once (most of a hostile list's entries
                // are the lists' before it, in runs).
                let mut duplicates_from: Option<usize> = None;
                for (i, entry) in list.iter().enumerate() {
                    if by_address.contains(&address(entry)) {
                        duplicates_from.get_or_insert(i);
                        continue;
                    }
                    lowercase_into(entry, &mut key);
                    if unordered.is_none() && !first && key <= previous {
                        unordered = Some(fresh.iter().map(|&(_, k)| arena.get(k).into()).collect());
                    }
                    first = false;
                    let seen = match &mut unordered {
                        None => {
                            if listed
                                .get(at)
                                .is_some_and(|&k| arena.get(k) != key.as_slice())
                            {
                                let rest = listed.get(at..).unwrap_or(&[]);
                                at += gallop(rest, |&k| arena.get(k) < key.as_slice());
                            }
                            let listed_here = listed
                                .get(at)
                                .is_some_and(|&k| arena.get(k) == key.as_slice());
                            if listed_here {
                                at += 1;
                            }
                            while kept_at.next_if(|k| ***k < *key).is_some() {}
                            listed_here || kept_at.peek().is_some_and(|k| ***k == *key)
                        }
                        Some(own) => {
                            let seen = own.contains(key.as_slice())
                                || kept.contains(key.as_slice())
                                || listed.binary_search_by(|&k| arena.get(k).cmp(&key)).is_ok();
                            if !seen {
                                own.insert(key.as_slice().into());
                            }
                            seen
                        }
                    };
                    if seen {
                        duplicates_from.get_or_insert(i);
                    } else {
                        if let Some(from) = duplicates_from.take() {
                            local.push_duplicates(place, list, from..i);
                        }
                        deduped.push(String::from(&**entry));
                        by_address.insert(address(entry));
                        fresh.push((at, arena.add(&key)));
                    }
                    std::mem::swap(&mut key, &mut previous);
                }
                if let Some(from) = duplicates_from {
                    local.push_duplicates(place, list, from..list.len());
                }
                if unordered.is_some() {
                    fresh.sort_unstable_by(|&(_, a), &(_, b)| arena.get(a).cmp(arena.get(b)));
                    for (at, entry) in &mut fresh {
                        let entry = arena.get(*entry);
                        *at = listed.partition_point(|&k| arena.get(k) < entry);
                    }
                }
                listed = merge_at(std::mem::take(&mut listed), fresh);
            }
        }
    }
    deduped
}

/// Where a key stands in an [`Arena`]: its start and end.
type Span = (usize, usize);

/// The lowercased keys of a statement's new entries, one after the other in
/// one buffer: a key is written once and then handled as its [`Span`] (no
/// allocation per entry, and the sorted keys move as two numbers each).
#[derive(Default)]
struct Arena {
    bytes: Vec<u8>,
}

impl Arena {
    fn add(&mut self, key: &[u8]) -> Span {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(key);
        (start, self.bytes.len())
    }

    fn get(&self, (start, end): Span) -> &[u8] {
        self.bytes.get(start..end).unwrap_or(&[])
    }
}

/// Hashes an address by one multiplication (addresses are not chosen by
/// whoever wrote the policy, so no keyed hash is needed to spread them).
#[derive(Clone, Copy, Default)]
struct BuildAddressHasher;

impl std::hash::BuildHasher for BuildAddressHasher {
    type Hasher = AddressHasher;

    fn build_hasher(&self) -> AddressHasher {
        AddressHasher(0)
    }
}

struct AddressHasher(u64);

impl std::hash::Hasher for AddressHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        // The product's high bits are its best mixed; the table takes both.
        self.0 ^ (self.0 >> 32)
    }
}

/// `text` lowercased (ASCII) into `out`.
fn lowercase_into(text: &str, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(text.as_bytes());
    out.make_ascii_lowercase();
}

/// `sorted` with each of `fresh` inserted before the entry at its index
/// (indices into `sorted`, in order): the new entries of a list, placed
/// where stepping through `sorted` found them, with no comparison.
fn merge_at(sorted: Vec<Span>, fresh: Vec<(usize, Span)>) -> Vec<Span> {
    if fresh.is_empty() {
        return sorted;
    }
    let mut out = Vec::with_capacity(sorted.len() + fresh.len());
    let mut sorted = sorted.into_iter();
    let mut taken = 0usize;
    for (at, entry) in fresh {
        out.extend(sorted.by_ref().take(at.saturating_sub(taken)));
        taken = taken.max(at);
        out.push(entry);
    }
    out.extend(sorted);
    out
}

#[cfg(test)]
mod tests;
