//! An independent check that a refined policy keeps the guarantees of
//! `SEMANTICS.md` against its original.
//!
//! The refined policy may be ours, Access Analyzer's or edited by hand. The
//! check shares nothing with the generalization it checks (no trie, no
//! refinement code): it expands the entries of both policies over the known
//! actions K with plain pattern matching and compares the sets, and it asks
//! [`Pattern::contains`] whether each new entry stays inside an original one,
//! so that no action AWS adds later is newly granted.
//!
//! Sets are built from prefix ranges of K (an entry can only match actions
//! that start with its literal part), so a check costs about as much as the
//! entries grant, not `|K|` per entry. `NotAction` statements are compared
//! through their excluded sets, which needs no scan of K either.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

use serde_json::{Map, Value};

use crate::known::Known;
use crate::pattern::Pattern;
use crate::policy::{ActionKey, Effect, Policy, Statement};
use crate::table::{ActionTable, cmp_ci, starts_with_ci};
use crate::unused::UnusedSet;

/// How many example actions a violation carries.
const MAX_EXAMPLES: usize = 5;

/// Which guarantee a violation breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationKind {
    /// The refined statement grants something the original did not, or could
    /// grant an action AWS adds later that the original would not.
    Unsound,
    /// The refined statement grants an unused action.
    Unsafe,
    /// An action the original granted and that is used is no longer granted.
    Incomplete,
    /// Statements, their non-action fields, Deny statements or top-level
    /// fields changed, or a statement appeared or went away where it may not.
    Structure,
    /// An entry that touches no unused action was not kept as written.
    NotMinimal,
    /// The document's form changed where IAM does not care but the refinement
    /// promises to keep it: key order, `Statement` written as an object.
    Form,
    /// A replacement is not the shortest-safe-prefix set: a shorter safe
    /// prefix would have served, or two entries could be one.
    NotConcise,
}

impl ViolationKind {
    /// The kind's name as the command line prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationKind::Unsound => "unsound",
            ViolationKind::Unsafe => "unsafe",
            ViolationKind::Incomplete => "incomplete",
            ViolationKind::Structure => "structure",
            ViolationKind::NotMinimal => "not minimal",
            ViolationKind::Form => "form",
            ViolationKind::NotConcise => "concise",
        }
    }
}

impl fmt::Display for ViolationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One broken guarantee.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// The statement, by its index in the original policy (as edits count
    /// them); `None` for the document as a whole, or for a refined statement
    /// that matches no original one (the message then names it).
    pub statement: Option<usize>,
    /// Which guarantee.
    pub kind: ViolationKind,
    /// What is wrong, in a sentence (the first examples included).
    pub message: String,
    /// A few of the actions concerned, in the catalog's spelling, sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.statement {
            Some(i) => write!(f, "Statement[{i}]: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// The outcome of [`verify`].
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    /// Every broken guarantee, by statement, in order.
    pub violations: Vec<Violation>,
    /// How many statements of the original were compared with a refined one.
    pub compared: usize,
    /// How many statements of the original the refined policy left out.
    pub removed: usize,
}

impl Verification {
    /// Whether every guarantee holds.
    pub fn is_ok(&self) -> bool {
        self.violations.is_empty()
    }

    /// The violations of one kind.
    pub fn of_kind(&self, kind: ViolationKind) -> impl Iterator<Item = &Violation> {
        self.violations.iter().filter(move |v| v.kind == kind)
    }
}

impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for violation in &self.violations {
            writeln!(f, "{violation}")?;
        }
        Ok(())
    }
}

/// Which guarantees to check beyond the first five (always checked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyChecks {
    /// Guarantee 6: each replacement is the shortest-safe-prefix set. Off
    /// for refinements made without wildcards (`--no-wildcards`), whose
    /// replacements list the used actions one by one.
    pub concise: bool,
}

impl Default for VerifyChecks {
    fn default() -> VerifyChecks {
        VerifyChecks { concise: true }
    }
}

/// [`verify`], choosing which guarantees beyond the first five to check.
pub fn verify_checking(
    original: &Policy,
    refined: &Policy,
    unused: &UnusedSet,
    table: ActionTable<'_>,
    checks: &VerifyChecks,
) -> Verification {
    let known = Known::new(table, [original, refined], unused);
    verify_with_checks(original, refined, unused, &known, checks)
}

/// VerifyChecks `refined` against `original`, given the unused list and the catalog.
///
/// ```
/// use pare_engine::{AccessLevel, ActionTable, KnownAction, Policy, UnusedSet, verify};
///
/// let rows = [
///     KnownAction::new_static("s3:GetBucketPolicy", AccessLevel::READ, true),
///     KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
/// ];
/// let table = ActionTable::new(&rows).unwrap();
/// let original = Policy::parse(r#"{"Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#).unwrap();
/// let unused = UnusedSet::parse("s3:GetBucketPolicy").unwrap();
///
/// let refined = pare_engine::refine(&original, &unused, table, &Default::default());
/// assert!(verify(&original, &refined.policy, &unused, table).is_ok());
///
/// // Keeping the wildcard keeps the unused action.
/// let kept = verify(&original, &original, &unused, table);
/// assert_eq!(kept.to_string(), "Statement[0]: grants `s3:GetBucketPolicy`, which is unused\n");
/// ```
pub fn verify(
    original: &Policy,
    refined: &Policy,
    unused: &UnusedSet,
    table: ActionTable<'_>,
) -> Verification {
    let known = Known::new(table, [original, refined], unused);
    verify_with(original, refined, unused, &known)
}

/// VerifyChecks with a prepared K, which must hold the concrete names of both
/// policies and of the unused list (as `Known::new(table, [original, refined], unused)` does).
pub(crate) fn verify_with(
    original: &Policy,
    refined: &Policy,
    unused: &UnusedSet,
    known: &Known<'_>,
) -> Verification {
    verify_with_checks(original, refined, unused, known, &VerifyChecks::default())
}

/// [`verify_with`], choosing which guarantees beyond the first five to check.
pub(crate) fn verify_with_checks(
    original: &Policy,
    refined: &Policy,
    unused: &UnusedSet,
    known: &Known<'_>,
    checks: &VerifyChecks,
) -> Verification {
    let mut checker = Checker::new(known, unused);
    checker.concise = checks.concise;
    checker.document(original, refined);
    let originals: Vec<Side<'_>> = original
        .statements()
        .iter()
        .map(|s| checker.side(s))
        .collect();
    let refineds: Vec<Side<'_>> = refined
        .statements()
        .iter()
        .map(|s| checker.side(s))
        .collect();
    let removable: Vec<bool> = originals.iter().map(|o| checker.removable(o)).collect();

    // A complete alignment, when one exists, decides the pairing; the greedy
    // search below only serves to report the differences when none does.
    let aligned = align(&originals, &removable, &refineds);
    let mut cursor = 0usize;
    for (j, r) in refineds.iter().enumerate() {
        let partner = match &aligned {
            Some(pairs) => pairs.get(j).map(|&i| (i, true)),
            None => pair_for(&originals, &removable, cursor, r),
        };
        match partner {
            Some((i, fitted)) => {
                for k in cursor..i {
                    checker.removed(k, originals.get(k));
                }
                if let Some(o) = originals.get(i) {
                    checker.pair(i, j, o, r, fitted);
                }
                cursor = i + 1;
            }
            None => checker.push(
                None,
                ViolationKind::Structure,
                format!(
                    "the refined policy's Statement[{j}] matches no statement of the original (statements must keep their order and every field but `Action`/`NotAction`)"
                ),
                Vec::new(),
            ),
        }
    }
    for k in cursor..originals.len() {
        checker.removed(k, originals.get(k));
    }
    checker.violations.sort_by_key(|v| v.statement.is_none());
    Verification {
        violations: checker.violations,
        compared: checker.compared,
        removed: checker.removed,
    }
}

/// Pairs every refined statement with an original one, in order, such that
/// each pair fits and every original left unpaired may be removed; `None`
/// when no such alignment exists. Pairing is preferred over removal, so a
/// statement kept unchanged pairs with itself even when it grants nothing.
fn align(originals: &[Side<'_>], removable: &[bool], refineds: &[Side<'_>]) -> Option<Vec<usize>> {
    let fits_at = |i: usize, j: usize| match (originals.get(i), refineds.get(j)) {
        (Some(o), Some(r)) => fits(o, r),
        _ => false,
    };
    align_linear(originals.len(), refineds.len(), removable, &fits_at)
}

/// Rectangles of at most this many cells are aligned with a whole table.
const SMALL_ALIGNMENT: usize = 4_096;

/// [`align_table`]'s alignment in space linear in `n + m`, by splitting
/// the originals in halves (Hirschberg's scheme).
///
/// `align_table` pairs each refined statement with the first original that
/// fits and leaves the rest alignable, so after any number of originals it
/// has paired as many refined statements as any alignment can: where its
/// alignment crosses the middle original is the largest `j` such that the
/// first half aligns with `refineds[..j]` and the second with
/// `refineds[j..]`. Both halves of that split are aligned the same way, so
/// the result is the same alignment, without the `n × m` table (18,000
/// statements took 700 MB).
fn align_linear(
    n: usize,
    m: usize,
    removable: &[bool],
    fits: &dyn Fn(usize, usize) -> bool,
) -> Option<Vec<usize>> {
    let mut pairs = Vec::with_capacity(m);
    split_align(0..n, 0..m, removable, fits, &mut pairs).then_some(pairs)
}

/// Aligns `originals[rows]` with `refineds[cols]`, appending the pairs (as
/// indices into the originals) to `pairs`; `false` when no alignment exists.
fn split_align(
    rows: std::ops::Range<usize>,
    cols: std::ops::Range<usize>,
    removable: &[bool],
    fits: &dyn Fn(usize, usize) -> bool,
    pairs: &mut Vec<usize>,
) -> bool {
    let (height, width) = (rows.len(), cols.len());
    if height <= 1 || (height + 1).saturating_mul(width + 1) <= SMALL_ALIGNMENT {
        let local = |i: usize, j: usize| fits(rows.start + i, cols.start + j);
        let skippable = removable.get(rows.clone()).unwrap_or(&[]);
        return match align_table(height, width, skippable, &local) {
            Some(found) => {
                pairs.extend(found.into_iter().map(|i| rows.start + i));
                true
            }
            None => false,
        };
    }
    if width > height {
        // More refined statements than originals: nothing can pair them all.
        return false;
    }
    let mid = rows.start + height / 2;
    let removable_at = |i: usize| removable.get(i).copied().unwrap_or(false);
    // After `t` originals an alignment has paired at most `t` refined
    // statements, and at least `width - (height - t)`, or too few originals
    // are left for the others. Only that band of each row is computed: when
    // few statements are removed it is narrow, and the cost near-linear.
    let band = |t: usize| width.saturating_sub(height - t)..=t.min(width);
    // reach[k]: originals[rows.start..] up to the current row align with
    // refineds[cols.start..cols.start + k]. Updated in place from the right,
    // so each cell reads its left neighbour's value of the previous row.
    let mut reach = vec![false; width + 1];
    if let Some(first) = reach.first_mut() {
        *first = true;
    }
    for (t, i) in (rows.start..mid).enumerate() {
        for k in band(t + 1).rev() {
            let skip = removable_at(i) && reach.get(k).copied().unwrap_or(false);
            let pair =
                k > 0 && reach.get(k - 1).copied().unwrap_or(false) && fits(i, cols.start + k - 1);
            if let Some(slot) = reach.get_mut(k) {
                *slot = skip || pair;
            }
        }
    }
    // rest[k]: originals from the current row to rows.end align with
    // refineds[cols.start + k..cols.end]. Updated in place from the left.
    let mut rest = vec![false; width + 1];
    if let Some(last) = rest.last_mut() {
        *last = true;
    }
    for i in (mid..rows.end).rev() {
        for k in band(i - rows.start) {
            let skip = removable_at(i) && rest.get(k).copied().unwrap_or(false);
            let pair =
                k < width && rest.get(k + 1).copied().unwrap_or(false) && fits(i, cols.start + k);
            if let Some(slot) = rest.get_mut(k) {
                *slot = skip || pair;
            }
        }
    }
    let Some(split) = band(mid - rows.start)
        .rev()
        .find(|&k| reach.get(k).copied().unwrap_or(false) && rest.get(k).copied().unwrap_or(false))
    else {
        return false;
    };
    let at = cols.start + split;
    split_align(rows.start..mid, cols.start..at, removable, fits, pairs)
        && split_align(mid..rows.end, at..cols.end, removable, fits, pairs)
}

/// The alignment of [`align_linear`] with a whole `(n + 1) × (m + 1)` table
/// of which suffixes align: for small rectangles, and as the reference the
/// tests compare with.
fn align_table(
    n: usize,
    m: usize,
    removable: &[bool],
    fits: &dyn Fn(usize, usize) -> bool,
) -> Option<Vec<usize>> {
    // ok[i][j]: originals[i..] and refineds[j..] can be aligned.
    let mut ok = vec![vec![false; m + 1]; n + 1];
    if let Some(cell) = ok.get_mut(n).and_then(|row| row.get_mut(m)) {
        *cell = true;
    }
    let at = |ok: &Vec<Vec<bool>>, i: usize, j: usize| {
        ok.get(i)
            .and_then(|row| row.get(j))
            .copied()
            .unwrap_or(false)
    };
    for i in (0..n).rev() {
        let can_go = removable.get(i).copied().unwrap_or(false);
        for j in (0..=m).rev() {
            let skip = can_go && at(&ok, i + 1, j);
            let pair = j < m && at(&ok, i + 1, j + 1) && fits(i, j);
            if let Some(cell) = ok.get_mut(i).and_then(|row| row.get_mut(j)) {
                *cell = skip || pair;
            }
        }
    }
    if !at(&ok, 0, 0) {
        return None;
    }
    let mut pairs = Vec::with_capacity(m);
    let (mut i, mut j) = (0usize, 0usize);
    while j < m && i < n {
        if fits(i, j) && at(&ok, i + 1, j + 1) {
            pairs.push(i);
            j += 1;
        }
        i += 1;
    }
    (pairs.len() == m).then_some(pairs)
}

/// Picks the original statement that refined statement `r` stands for.
///
/// Statements may only go away, never move, so the partner is at or after
/// `cursor`, and every statement skipped on the way must be one that may be
/// removed. Among fitting candidates a statement that grants used actions is
/// preferred, because it cannot have been removed. When nothing fits, the
/// partner is the first statement with the same fields, and failing that the
/// first one of the same effect and key, so that the differences get reported
/// rather than a bare "no counterpart".
fn pair_for(
    originals: &[Side<'_>],
    removable: &[bool],
    cursor: usize,
    r: &Side<'_>,
) -> Option<(usize, bool)> {
    let mut candidate = None;
    for (i, o) in originals.iter().enumerate().skip(cursor) {
        let can_go = removable.get(i).copied().unwrap_or(false);
        if fits(o, r) {
            if !can_go {
                return Some((i, true));
            }
            candidate.get_or_insert(i);
        } else if !can_go {
            break;
        }
    }
    if let Some(i) = candidate {
        return Some((i, true));
    }
    // Among the statements that match, one that cannot have been removed first.
    let first = |matches: &dyn Fn(&Side<'_>) -> bool| {
        let found = |i: &usize| originals.get(*i).is_some_and(matches);
        (cursor..originals.len())
            .filter(found)
            .find(|&i| !removable.get(i).copied().unwrap_or(false))
            .or_else(|| (cursor..originals.len()).find(found))
    };
    let same_kind = |o: &Side<'_>| {
        o.statement.effect() == r.statement.effect() && o.statement.key() == r.statement.key()
    };
    let same_frame = |o: &Side<'_>| same_kind(o) && o.frame == r.frame;
    first(&same_frame)
        .or_else(|| first(&same_kind))
        .map(|i| (i, false))
}

/// Whether `r` could be a refinement of `o`: same fields, and its entries stay
/// inside the original's (Action), keep its exclusions (NotAction), or are the
/// same (Deny).
fn fits(o: &Side<'_>, r: &Side<'_>) -> bool {
    if o.statement.effect() != r.statement.effect()
        || o.statement.key() != r.statement.key()
        || o.frame != r.frame
    {
        return false;
    }
    match (o.statement.effect(), o.statement.key()) {
        (Effect::Deny, _) => o.object == r.object,
        (Effect::Allow, ActionKey::NotAction) => o
            .statement
            .entries()
            .iter()
            .all(|e| r.statement.entries().contains(e)),
        (Effect::Allow, ActionKey::Action) => r.patterns.iter().all(|p| contained(o, p)),
    }
}

/// Whether some entry of `o` holds every string `p` matches.
fn contained(o: &Side<'_>, p: &Pattern) -> bool {
    if o.lowercase.contains(&p.as_str().to_ascii_lowercase()) {
        return true;
    }
    // A literal's language is itself: a wildcard holds it when it matches it.
    if p.is_literal() {
        return o
            .wildcards
            .iter()
            .filter_map(|&i| o.patterns.get(i))
            .any(|q| q.matches(p.as_str()));
    }
    // Every string of `p` starts with both literal parts, and a wildcard of
    // `p` can always go another way than `q`'s next literal character, so `q`
    // can only hold `p` when `q`'s literal part is a prefix of `p`'s; for
    // `q` = `L*` that is also enough.
    // `q` must at least match the shortest string of `p` (each `*` empty, each
    // `?` any one character): a cheap test that spares most automaton runs.
    let literal = p.literal_prefix();
    let shortest: String = p
        .as_str()
        .chars()
        .filter(|&c| c != '*')
        .map(|c| if c == '?' { 'a' } else { c })
        .collect();
    o.wildcards
        .iter()
        .filter_map(|&i| o.patterns.get(i))
        .filter(|q| starts_with_ci(literal, q.literal_prefix()))
        .any(|q| q.is_trailing_star() || (q.matches(&shortest) && q.contains(p)))
}

/// One statement, expanded over K.
struct Side<'s> {
    statement: &'s Statement,
    patterns: Vec<Pattern>,
    /// The entries, lowercased, for the common case of an entry kept as is.
    lowercase: HashSet<String>,
    /// The indexes of the entries with a `*` or `?`.
    wildcards: Vec<usize>,
    /// The statement without its action key (compared without regard to key order).
    frame: Map<String, Value>,
    /// The whole statement object, as it is written.
    object: Map<String, Value>,
}

mod checker;
mod concise;

#[cfg(test)]
mod tests;

use checker::Checker;

/// The statement's `Action` or `NotAction` value as written (a string or an array).
fn action_value<'a>(side: &'a Side<'_>) -> Option<&'a Value> {
    side.object.get(side.statement.key().as_str())
}

/// The keys whose values differ between two objects, in order of first appearance.
fn changed_keys(o: &Map<String, Value>, r: &Map<String, Value>) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for key in o.keys().chain(r.keys()) {
        if o.get(key) != r.get(key) && !keys.contains(key) {
            keys.push(key.clone());
        }
    }
    keys
}

/// "`Resource`" or "`Resource` and `Condition`".
fn name_keys(keys: &[String]) -> String {
    let quoted: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// A sentence about some actions and the first of them as examples:
/// "grants `a`, which is unused" or "grants 3 unused actions: `a`, `b` and `c`".
fn about(actions: &[&str], verb: &str, adjective: &str) -> (String, Vec<String>) {
    let mut sorted: Vec<&str> = actions.to_vec();
    sorted.sort_by(|a, b| cmp_ci(a, b));
    let examples: Vec<String> = sorted
        .iter()
        .take(MAX_EXAMPLES)
        .map(|a| a.to_string())
        .collect();
    let message = match (sorted.as_slice(), adjective) {
        ([one], "") => format!("{verb} `{one}`"),
        ([one], adjective) => format!("{verb} `{one}`, which is {adjective}"),
        (all, "") => format!("{verb} {} actions: {}", all.len(), backticked(&sorted)),
        (all, adjective) => format!(
            "{verb} {} {adjective} actions: {}",
            all.len(),
            backticked(&sorted)
        ),
    };
    (message, examples)
}

/// The actions sorted and quoted ("`a`, `b` and `c`"), and the first as examples.
fn listing(actions: &[&str]) -> (String, Vec<String>) {
    let mut sorted: Vec<&str> = actions.to_vec();
    sorted.sort_by(|a, b| cmp_ci(a, b));
    let examples = sorted
        .iter()
        .take(MAX_EXAMPLES)
        .map(|a| a.to_string())
        .collect();
    (backticked(&sorted), examples)
}

/// "`a`, `b`, `c`, `d`, `e` and 3 more", from sorted actions.
fn backticked(actions: &[&str]) -> String {
    let shown: Vec<String> = actions
        .iter()
        .take(MAX_EXAMPLES)
        .map(|a| format!("`{a}`"))
        .collect();
    let more = actions.len().saturating_sub(MAX_EXAMPLES);
    if more > 0 {
        return format!("{} and {more} more", shown.join(", "));
    }
    match shown.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}
