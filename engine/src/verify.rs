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
pub struct Checks {
    /// Guarantee 6: each replacement is the shortest-safe-prefix set. Off
    /// for refinements made without wildcards (`--no-wildcards`), whose
    /// replacements list the used actions one by one.
    pub concise: bool,
}

impl Default for Checks {
    fn default() -> Checks {
        Checks { concise: true }
    }
}

/// [`verify`], choosing which guarantees beyond the first five to check.
pub fn verify_checking(
    original: &Policy,
    refined: &Policy,
    unused: &UnusedSet,
    table: ActionTable<'_>,
    checks: &Checks,
) -> Verification {
    let known = Known::new(table, [original, refined], unused);
    verify_with_checks(original, refined, unused, &known, checks)
}

/// Checks `refined` against `original`, given the unused list and the catalog.
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

/// Checks with a prepared K, which must hold the concrete names of both
/// policies and of the unused list (as `Known::new(table, [original, refined], unused)` does).
pub fn verify_with(
    original: &Policy,
    refined: &Policy,
    unused: &UnusedSet,
    known: &Known<'_>,
) -> Verification {
    verify_with_checks(original, refined, unused, known, &Checks::default())
}

/// [`verify_with`], choosing which guarantees beyond the first five to check.
pub fn verify_with_checks(
    original: &Policy,
    refined: &Policy,
    unused: &UnusedSet,
    known: &Known<'_>,
    checks: &Checks,
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

/// The state of one verification.
struct Checker<'k, 'u> {
    known: &'k Known<'k>,
    unused: &'u UnusedSet,
    /// The known actions that are unused.
    unused_known: BTreeSet<&'k str>,
    /// How many actions K holds.
    known_len: usize,
    /// Expansions of entries, by lowercased entry.
    cache: HashMap<String, Vec<&'k str>>,
    violations: Vec<Violation>,
    compared: usize,
    removed: usize,
    /// Whether to check guarantee 6.
    concise: bool,
}

impl<'k, 'u> Checker<'k, 'u> {
    fn new(known: &'k Known<'_>, unused: &'u UnusedSet) -> Checker<'k, 'u> {
        // `Known<'a>` is covariant in `'a`; shortening it to the borrow keeps
        // every `&str` it hands out tied to one lifetime.
        let known: &'k Known<'k> = known;
        let mut unused_known = BTreeSet::new();
        for action in unused.actions() {
            if let Some(name) = known.canonical(&action.name) {
                unused_known.insert(name);
            }
        }
        for service in unused.services() {
            unused_known.extend(known.with_prefix(&format!("{}:", service.name)));
        }
        Checker {
            known,
            unused,
            unused_known,
            known_len: known.table().len() + known.extras().len(),
            cache: HashMap::new(),
            violations: Vec::new(),
            compared: 0,
            removed: 0,
            concise: true,
        }
    }

    fn push(
        &mut self,
        statement: Option<usize>,
        kind: ViolationKind,
        message: String,
        examples: Vec<String>,
    ) {
        self.violations.push(Violation {
            statement,
            kind,
            message,
            examples,
        });
    }

    fn side<'s>(&self, statement: &'s Statement) -> Side<'s> {
        let patterns: Vec<Pattern> = statement
            .entries()
            .iter()
            .map(|e| Pattern::new(e))
            .collect();
        Side {
            statement,
            lowercase: statement
                .entries()
                .iter()
                .map(|e| e.to_ascii_lowercase())
                .collect(),
            wildcards: (0..patterns.len())
                .filter(|&i| patterns.get(i).is_some_and(|p| !p.is_literal()))
                .collect(),
            patterns,
            frame: statement.other_fields(),
            object: statement.to_object(),
        }
    }

    /// The known actions `entry` matches.
    fn expand(&mut self, pattern: &Pattern) -> Vec<&'k str> {
        let key = pattern.as_str().to_ascii_lowercase();
        if let Some(hit) = self.cache.get(&key) {
            return hit.clone();
        }
        let known = self.known;
        let matched: Vec<&'k str> = if pattern.is_literal() {
            known.canonical(pattern.as_str()).into_iter().collect()
        } else {
            known
                .with_prefix(pattern.literal_prefix())
                .into_iter()
                .filter(|a| pattern.matches(a))
                .collect()
        };
        self.cache.insert(key, matched.clone());
        matched
    }

    /// The union of what the patterns match over K.
    fn expand_all(&mut self, patterns: &[Pattern]) -> BTreeSet<&'k str> {
        let mut out = BTreeSet::new();
        for p in patterns {
            out.extend(self.expand(p));
        }
        out
    }

    /// Whether an original statement may be left out: it grants no used known action.
    fn removable(&mut self, o: &Side<'_>) -> bool {
        match (o.statement.effect(), o.statement.key()) {
            (Effect::Deny, _) => false,
            (Effect::Allow, ActionKey::Action) => {
                if !self.blind_entries(o).is_empty() {
                    return false;
                }
                let granted = self.expand_all(&o.patterns);
                granted.iter().all(|a| self.unused_known.contains(a))
            }
            (Effect::Allow, ActionKey::NotAction) => {
                // Granted = K minus the excluded; all of it is unused exactly
                // when the excluded and the unused together make up K.
                let excluded = self.expand_all(&o.patterns);
                let covered = excluded.len() + self.unused_known.difference(&excluded).count();
                covered >= self.known_len
            }
        }
    }

    /// Whether an Action entry touches an unused action (rule 1 to 3 applies to it).
    fn touches_unused(&mut self, p: &Pattern) -> bool {
        if p.is_literal() {
            return self.unused.contains(p.as_str());
        }
        if p.fixed_service()
            .is_some_and(|s| self.unused.is_service_unused(s))
        {
            return true;
        }
        let unused: &UnusedSet = self.unused;
        self.expand(p).iter().any(|a| unused.contains(a))
    }

    /// The wildcard entries of an Allow `Action` statement whose grant the
    /// catalog cannot see, each with the reason: its literal service part
    /// names a service the catalog does not know, or it matches no catalog
    /// action. An entry confined to a wholly unused service is not among
    /// them (it grants only unused actions, known or not).
    fn blind_entries(&self, o: &Side<'_>) -> Vec<(String, String)> {
        let table = self.known.table();
        let mut out = Vec::new();
        for p in &o.patterns {
            if p.is_literal() {
                continue;
            }
            let service = p.fixed_service();
            if service.is_some_and(|s| self.unused.is_service_unused(s)) {
                continue;
            }
            let why = match service {
                Some(s) if table.with_prefix(&format!("{s}:")).is_empty() => format!(
                    "names the service `{}`, which the catalog does not know",
                    s.to_ascii_lowercase()
                ),
                _ => {
                    let rows = table.with_prefix(p.literal_prefix());
                    if rows.iter().any(|row| p.matches(&row.name)) {
                        continue;
                    }
                    "matches no action of the catalog".to_string()
                }
            };
            out.push((p.as_str().to_string(), why));
        }
        out
    }

    /// Every entry of `blind` stands in the refined statement as written.
    fn blind_kept(&mut self, i: usize, blind: &[(String, String)], r: &Side<'_>) {
        for (entry, why) in blind {
            if !r.statement.entries().contains(entry) {
                self.push(
                    Some(i),
                    ViolationKind::Incomplete,
                    format!("`{entry}` {why}, so it must be kept as written"),
                    Vec::new(),
                );
            }
        }
    }

    /// Whether a case-insensitive twin of the untouched entry `p` stands in
    /// the refined statement legitimately: it is itself an original entry,
    /// or it lies inside a replaced original wildcard (a generated entry, of
    /// which `p` was a later duplicate).
    fn twin_stands_in(&mut self, p: &Pattern, o: &Side<'_>, r: &Side<'_>) -> bool {
        let twins: Vec<&String> = r
            .statement
            .entries()
            .iter()
            .filter(|e| e.eq_ignore_ascii_case(p.as_str()))
            .collect();
        twins.into_iter().any(|twin| {
            if o.statement.entries().contains(twin) {
                return true;
            }
            let generated = Pattern::new(twin);
            o.patterns
                .iter()
                .filter(|q| !q.is_literal() && q.as_str() != p.as_str())
                .any(|q| {
                    let inside = if generated.is_literal() {
                        q.matches(twin)
                    } else {
                        q.contains(&generated)
                    };
                    inside && self.touches_unused(q)
                })
        })
    }

    /// Guarantee 5's form, and no empty action list: a string stays a string
    /// while one entry remains, an array stays an array, and a statement
    /// whose list ends up empty is removed rather than left with `[]`.
    fn action_form(&mut self, i: usize, o: &Side<'_>, r: &Side<'_>) {
        let key = o.statement.key().as_str();
        let entries = r.statement.entries();
        if entries.is_empty() {
            self.push(
                Some(i),
                ViolationKind::Structure,
                format!(
                    "is left with an empty `{key}`: a statement whose action list ends up empty is removed"
                ),
                Vec::new(),
            );
            return;
        }
        let was_string = matches!(action_value(o), Some(Value::String(_)));
        let is_string = matches!(action_value(r), Some(Value::String(_)));
        let want_string = was_string && entries.len() == 1;
        if is_string != want_string {
            let message = if is_string {
                format!(
                    "`{key}` was written as an array and is now the string `{}`",
                    entries.first().map(String::as_str).unwrap_or_default()
                )
            } else {
                format!(
                    "`{key}` was written as a string and is now an array of one entry, `{}`",
                    entries.first().map(String::as_str).unwrap_or_default()
                )
            };
            self.push(Some(i), ViolationKind::NotMinimal, message, Vec::new());
        }
    }

    /// Guarantee 6, by brute force over K, without the trie: for each entry
    /// the refined statement adds, inside a replaced original wildcard `e`,
    /// no shorter safe cut-point prefix would have served, a `p*` places at
    /// least two used actions, and no two added entries fall under one safe
    /// node. An entry inside several replaced wildcards is reported only when
    /// it fails for each of them.
    fn check_concise(&mut self, i: usize, o: &Side<'_>, r: &Side<'_>) {
        let added: Vec<&str> = r
            .statement
            .entries()
            .iter()
            .filter(|e| !o.lowercase.contains(&e.to_ascii_lowercase()))
            .map(String::as_str)
            .collect();
        if added.is_empty() {
            return;
        }
        let unused = self.unused;
        let replaced: Vec<Pattern> = o
            .patterns
            .iter()
            .filter(|p| {
                !p.is_literal()
                    && !p
                        .fixed_service()
                        .is_some_and(|s| unused.is_service_unused(s))
            })
            .filter(|p| self.touches_unused(p))
            .cloned()
            .collect();
        // For each added entry, the complaint about it under each wildcard that holds it.
        let mut verdicts: Vec<(usize, Vec<Option<String>>)> = Vec::new();
        for e in &replaced {
            let Some(space) = ConciseSpace::new(self, e) else {
                continue;
            };
            let mine: Vec<&str> = added
                .iter()
                .copied()
                .filter(|x| {
                    let x = Pattern::new(x);
                    if x.is_literal() {
                        e.matches(x.as_str())
                    } else {
                        e.contains(&x)
                    }
                })
                .collect();
            for x in &mine {
                let complaint = space.complaint(x, &mine);
                let at = added.iter().position(|a| a == x).unwrap_or(0);
                match verdicts.iter_mut().find(|(n, _)| *n == at) {
                    Some((_, list)) => list.push(complaint),
                    None => verdicts.push((at, vec![complaint])),
                }
            }
        }
        verdicts.sort_by_key(|(n, _)| *n);
        let mut said: HashSet<String> = HashSet::new();
        for (_, complaints) in verdicts {
            if complaints.iter().all(Option::is_some) {
                if let Some(Some(message)) = complaints.into_iter().next() {
                    if said.insert(message.clone()) {
                        self.push(Some(i), ViolationKind::NotConcise, message, Vec::new());
                    }
                }
            }
        }
    }

    fn document(&mut self, original: &Policy, refined: &Policy) {
        let (Value::Object(mut o), Value::Object(mut r)) =
            (original.to_value(), refined.to_value())
        else {
            return;
        };
        let o_statement = o.get("Statement").map(Value::is_object);
        let r_statement = r.get("Statement").map(Value::is_object);
        if o_statement == Some(true)
            && r_statement == Some(false)
            && refined.statements().len() == 1
        {
            self.push(
                None,
                ViolationKind::Form,
                "`Statement` was written as one object and is now an array".to_string(),
                Vec::new(),
            );
        }
        if o_statement == Some(false) && r_statement == Some(true) {
            self.push(
                None,
                ViolationKind::Form,
                "`Statement` was written as an array and is now an object".to_string(),
                Vec::new(),
            );
        }
        let o_keys: Vec<String> = o.keys().cloned().collect();
        let r_keys: Vec<String> = r.keys().cloned().collect();
        o.shift_remove("Statement");
        r.shift_remove("Statement");
        let changed = changed_keys(&o, &r);
        if !changed.is_empty() {
            self.push(
                None,
                ViolationKind::Structure,
                format!("top-level {} changed", name_keys(&changed)),
                Vec::new(),
            );
        } else if o_keys != r_keys {
            self.push(
                None,
                ViolationKind::Form,
                "the top-level keys are in another order".to_string(),
                Vec::new(),
            );
        }
    }

    /// An original statement the refined policy left out.
    fn removed(&mut self, index: usize, o: Option<&Side<'_>>) {
        let Some(o) = o else { return };
        self.removed += 1;
        match (o.statement.effect(), o.statement.key()) {
            (Effect::Deny, _) => self.push(
                Some(index),
                ViolationKind::Structure,
                "is a Deny statement and was removed (Deny statements are never changed)"
                    .to_string(),
                Vec::new(),
            ),
            (Effect::Allow, ActionKey::Action) => {
                let granted = self.expand_all(&o.patterns);
                let used: Vec<&str> = granted
                    .iter()
                    .copied()
                    .filter(|a| !self.unused_known.contains(a))
                    .collect();
                if !used.is_empty() {
                    let (message, examples) = about(&used, "was removed, but grants", "used");
                    self.push(Some(index), ViolationKind::Incomplete, message, examples);
                }
                for (entry, why) in self.blind_entries(o) {
                    self.push(
                        Some(index),
                        ViolationKind::Incomplete,
                        format!("was removed, but `{entry}` {why}, so it must be kept as written"),
                        Vec::new(),
                    );
                }
            }
            (Effect::Allow, ActionKey::NotAction) => {
                if !self.removable(o) {
                    let excluded = self.expand_all(&o.patterns);
                    let used: Vec<&str> = self
                        .known
                        .all()
                        .into_iter()
                        .filter(|a| !excluded.contains(a) && !self.unused_known.contains(a))
                        .take(MAX_EXAMPLES + 1)
                        .collect();
                    let examples = used
                        .iter()
                        .take(MAX_EXAMPLES)
                        .map(|a| a.to_string())
                        .collect();
                    self.push(
                        Some(index),
                        ViolationKind::Incomplete,
                        format!(
                            "was removed, but grants used actions such as {}",
                            backticked(&used)
                        ),
                        examples,
                    );
                }
            }
        }
    }

    /// Original statement `i` and refined statement `j`, paired.
    /// `fitted`: pairing already found every refined entry inside an original one.
    fn pair(&mut self, i: usize, j: usize, o: &Side<'_>, r: &Side<'_>, fitted: bool) {
        self.compared += 1;
        let at = Some(i);
        if o.frame != r.frame {
            let changed = changed_keys(&o.frame, &r.frame);
            let moved = if i == j {
                String::new()
            } else {
                format!(" (Statement[{j}] of the refined policy)")
            };
            self.push(
                at,
                ViolationKind::Structure,
                format!("{} changed{moved}", name_keys(&changed)),
                Vec::new(),
            );
        } else if o.statement.key() == r.statement.key() {
            let o_keys: Vec<&String> = o.object.keys().collect();
            let r_keys: Vec<&String> = r.object.keys().collect();
            if o_keys != r_keys {
                self.push(
                    at,
                    ViolationKind::Form,
                    "the statement's keys are in another order".to_string(),
                    Vec::new(),
                );
            }
        }
        match (o.statement.effect(), o.statement.key()) {
            (Effect::Deny, _) => {
                if o.object != r.object {
                    self.push(
                        at,
                        ViolationKind::Structure,
                        "is a Deny statement and changed (Deny statements are never changed)"
                            .to_string(),
                        Vec::new(),
                    );
                }
            }
            (Effect::Allow, ActionKey::Action) => {
                self.pair_action(i, o, r, fitted);
                self.action_form(i, o, r);
                if self.concise {
                    self.check_concise(i, o, r);
                }
            }
            (Effect::Allow, ActionKey::NotAction) => {
                self.pair_not_action(i, o, r);
                self.action_form(i, o, r);
            }
        }
    }

    fn pair_action(&mut self, i: usize, o: &Side<'_>, r: &Side<'_>, fitted: bool) {
        let at = Some(i);
        let original = self.expand_all(&o.patterns);

        // Sound: each entry stays inside an original entry's language.
        for p in &r.patterns {
            if fitted || contained(o, p) {
                continue;
            }
            let beyond: Vec<&str> = self
                .expand(p)
                .into_iter()
                .filter(|a| !original.contains(a))
                .collect();
            let (message, examples) = if beyond.is_empty() {
                (
                    format!(
                        "`{}` is not inside any original entry: it would grant actions AWS adds later that the original does not",
                        p.as_str()
                    ),
                    Vec::new(),
                )
            } else {
                let (list, examples) = listing(&beyond);
                let message = match beyond.as_slice() {
                    [_] if p.is_literal() => {
                        format!("adds {list}, which the original statement does not grant")
                    }
                    [_] => format!(
                        "`{}` grants {list}, which the original statement does not",
                        p.as_str()
                    ),
                    _ => format!(
                        "`{}` grants {} actions the original statement does not: {list}",
                        p.as_str(),
                        beyond.len()
                    ),
                };
                (message, examples)
            };
            self.push(at, ViolationKind::Unsound, message, examples);
        }

        // Safe: no unused known action, no entry confined to a wholly unused
        // service. A wildcard the catalog cannot see is kept whatever it
        // grants of K (only names the inputs mention).
        let blind = self.blind_entries(o);
        let refined = self.expand_all(&r.patterns);
        let seen: Vec<Pattern> = r
            .patterns
            .iter()
            .filter(|p| !blind.iter().any(|(entry, _)| entry == p.as_str()))
            .cloned()
            .collect();
        let seen = self.expand_all(&seen);
        let granted_unused: Vec<&str> = seen
            .iter()
            .copied()
            .filter(|a| self.unused_known.contains(a))
            .collect();
        if !granted_unused.is_empty() {
            let (message, examples) = about(&granted_unused, "grants", "unused");
            self.push(at, ViolationKind::Unsafe, message, examples);
        }
        for p in &r.patterns {
            if let Some(service) = p.fixed_service() {
                if self.unused.is_service_unused(service) && !p.is_literal() {
                    self.push(
                        at,
                        ViolationKind::Unsafe,
                        format!(
                            "`{}` reaches the wholly unused service `{}`",
                            p.as_str(),
                            service.to_ascii_lowercase()
                        ),
                        Vec::new(),
                    );
                }
            }
        }

        // Complete: every used action of the original is still granted.
        let lost: Vec<&str> = original
            .iter()
            .copied()
            .filter(|a| !self.unused_known.contains(a) && !refined.contains(a))
            .collect();
        if !lost.is_empty() {
            let (message, examples) = about(&lost, "no longer grants", "used");
            self.push(at, ViolationKind::Incomplete, message, examples);
        }

        self.blind_kept(i, &blind, r);

        // Minimal change: entries that touch nothing unused stay as written.
        let exact: HashSet<&str> = r.statement.entries().iter().map(String::as_str).collect();
        let mut touched_any = false;
        let mut kept_missing: Vec<&str> = Vec::new();
        for p in &o.patterns {
            if self.touches_unused(p) {
                touched_any = true;
                continue;
            }
            // Kept as written, or a case-insensitive twin stands in for it
            // (the later duplicate was dropped): an original entry, or one
            // generated from a replaced wildcard; a mere respelling is not.
            let kept = exact.contains(p.as_str()) || self.twin_stands_in(p, o, r);
            if !kept {
                kept_missing.push(p.as_str());
            }
        }
        if !touched_any && action_value(o) != action_value(r) {
            self.push(
                at,
                ViolationKind::NotMinimal,
                "no entry touches an unused action, yet `Action` changed".to_string(),
                Vec::new(),
            );
        } else {
            for entry in kept_missing {
                let respelled = r
                    .statement
                    .entries()
                    .iter()
                    .find(|e| e.eq_ignore_ascii_case(entry));
                let message = match respelled {
                    Some(twin) => format!(
                        "`{entry}` touches no unused action but its case changed to `{twin}` (entries are kept byte for byte)"
                    ),
                    None => {
                        format!("`{entry}` touches no unused action but was not kept as written")
                    }
                };
                self.push(at, ViolationKind::NotMinimal, message, Vec::new());
            }
        }
    }

    fn pair_not_action(&mut self, i: usize, o: &Side<'_>, r: &Side<'_>) {
        let at = Some(i);
        let o_excluded = self.expand_all(&o.patterns);
        let r_excluded = self.expand_all(&r.patterns);

        // Sound: the exclusions only grow.
        let mut dropped = false;
        for entry in o.statement.entries() {
            if !r.statement.entries().contains(entry) {
                dropped = true;
                let p = Pattern::new(entry);
                let now: Vec<&str> = self
                    .expand(&p)
                    .into_iter()
                    .filter(|a| !r_excluded.contains(a))
                    .collect();
                let (message, examples) = if now.is_empty() {
                    (format!("drops the exclusion `{entry}`"), Vec::new())
                } else {
                    let (list, examples) = about(&now, "now grants", "");
                    (
                        format!("drops the exclusion `{entry}` and {list}"),
                        examples,
                    )
                };
                self.push(at, ViolationKind::Unsound, message, examples);
            }
        }

        // Safe: every unused known action is excluded, and every wholly unused service as a whole.
        let granted_unused: Vec<&str> = self
            .unused_known
            .iter()
            .copied()
            .filter(|a| !r_excluded.contains(a))
            .collect();
        if !granted_unused.is_empty() {
            let (message, examples) = about(&granted_unused, "grants", "unused");
            self.push(at, ViolationKind::Unsafe, message, examples);
        }
        let services: Vec<String> = self.unused.services().map(|s| s.name.clone()).collect();
        for service in services {
            let all = Pattern::new(&format!("{service}:*"));
            if !r.patterns.iter().any(|p| p.contains(&all)) {
                self.push(
                    at,
                    ViolationKind::Unsafe,
                    format!(
                        "does not exclude the wholly unused service `{service}` as a whole (`{service}:*`)"
                    ),
                    Vec::new(),
                );
            }
        }

        // Complete: nothing used is newly excluded.
        let lost: Vec<&str> = r_excluded
            .iter()
            .copied()
            .filter(|a| !o_excluded.contains(a) && !self.unused_known.contains(a))
            .collect();
        if !lost.is_empty() {
            let (message, examples) = about(&lost, "no longer grants", "used");
            self.push(at, ViolationKind::Incomplete, message, examples);
        }

        // Minimal change: a statement that grants nothing unused stays as
        // written, and the original exclusions stay first, as written.
        let grants_unused = self.unused_known.iter().any(|a| !o_excluded.contains(a))
            || self.unused.services().any(|s| {
                let all = Pattern::new(&format!("{}:*", s.name));
                !o.patterns.iter().any(|p| p.contains(&all))
            });
        if !grants_unused && action_value(o) != action_value(r) {
            self.push(
                at,
                ViolationKind::NotMinimal,
                "grants no unused action, yet `NotAction` changed".to_string(),
                Vec::new(),
            );
        } else if !dropped && !r.statement.entries().starts_with(o.statement.entries()) {
            self.push(
                at,
                ViolationKind::NotMinimal,
                "the original exclusions are not kept first, as written".to_string(),
                Vec::new(),
            );
        }
    }
}

/// What guarantee 6 asks of the replacement of one wildcard entry `e`, laid
/// out for brute-force questions: its used actions (the ones to place) and
/// the known actions that must stay ungranted, each sorted, and its root.
struct ConciseSpace<'e, 'k> {
    entry: &'e Pattern,
    placed: Vec<&'k str>,
    forbidden: Vec<&'k str>,
    root: usize,
}

impl<'e, 'k> ConciseSpace<'e, 'k> {
    fn new(checker: &mut Checker<'k, '_>, entry: &'e Pattern) -> Option<ConciseSpace<'e, 'k>> {
        let literal = entry.literal_prefix();
        let range = match literal.find(':') {
            Some(at) => literal.get(..=at).unwrap_or(""),
            None => "",
        };
        let mut placed = Vec::new();
        let mut forbidden = Vec::new();
        for a in checker.known.with_prefix(range) {
            if checker.unused_known.contains(a) || !entry.matches(a) {
                forbidden.push(a);
            } else {
                placed.push(a);
            }
        }
        if placed.is_empty() {
            return None;
        }
        let mut space = ConciseSpace {
            entry,
            placed,
            forbidden,
            root: 0,
        };
        space.root = (0..=literal.len())
            .rev()
            .find(|&n| space.is_node(literal, n))
            .unwrap_or(0);
        Some(space)
    }

    /// Whether `text[..n]` is a node: a cut-point prefix of a used action of
    /// the entry, or a whole one.
    fn is_node(&self, text: &str, n: usize) -> bool {
        let Some(prefix) = text.get(..n) else {
            return false;
        };
        prefix_run(&self.placed, prefix)
            .iter()
            .any(|a| a.len() == n || cut_points(a).contains(&n))
    }

    /// Whether `p*` would be a safe entry: no action that must stay
    /// ungranted starts with it, and it grants nothing `e` does not.
    fn is_safe(&self, p: &str) -> bool {
        prefix_run(&self.forbidden, p).is_empty() && self.entry.covers_prefix(p)
    }

    /// What is wrong with the added entry `x` under this entry, if anything.
    fn complaint(&self, x: &str, mine: &[&str]) -> Option<String> {
        let (stem, star) = match x.strip_suffix('*') {
            Some(stem) if !stem.contains(['*', '?']) => (stem, true),
            _ if !x.contains(['*', '?']) => (x, false),
            // Not of the form the generalization emits; soundness speaks of it.
            _ => return None,
        };
        for n in self.root..stem.len() {
            if !self.is_node(stem, n) {
                continue;
            }
            let Some(prefix) = stem.get(..n) else {
                continue;
            };
            if !self.is_safe(prefix) {
                continue;
            }
            if star {
                return Some(format!(
                    "`{x}` is not the shortest safe prefix: `{prefix}*` would have served (concise)"
                ));
            }
            let other = mine.iter().find(|y| **y != x && starts_with_ci(y, prefix));
            return other.map(|y| {
                let (a, b) = if cmp_ci(x, y).is_lt() {
                    (x, *y)
                } else {
                    (*y, x)
                };
                format!("`{a}` and `{b}` could be one entry, `{prefix}*` (concise)")
            });
        }
        if star {
            let under = prefix_run(&self.placed, stem);
            if let [only] = under {
                return Some(format!(
                    "`{x}` places one used action: the concise entry is `{only}` itself"
                ));
            }
        }
        None
    }
}

/// The sorted run of `items` that starts with `prefix`, case-insensitively.
fn prefix_run<'a, 's>(items: &'a [&'s str], prefix: &str) -> &'a [&'s str] {
    let start = items.partition_point(|s| cmp_ci(s, prefix).is_lt());
    let rest = items.get(start..).unwrap_or(&[]);
    let len = rest.partition_point(|s| starts_with_ci(s, prefix));
    rest.get(..len).unwrap_or(&[])
}

/// Where a wildcard may stand in `service:Action`, as byte offsets: right
/// after the colon, before an uppercase letter that follows a lowercase
/// letter or a digit, before the last capital of an acronym that a lowercase
/// letter follows, and after a `-`. Written here again, apart from the trie,
/// so that the check shares nothing with what it checks.
fn cut_points(action: &str) -> Vec<usize> {
    let Some(colon) = action.find(':') else {
        return Vec::new();
    };
    let bytes = action.as_bytes();
    let mut cuts = vec![colon + 1];
    for at in colon + 2..bytes.len() {
        let (Some(&before), Some(&here)) = (bytes.get(at - 1), bytes.get(at)) else {
            continue;
        };
        let after = bytes.get(at + 1).copied();
        let word =
            here.is_ascii_uppercase() && (before.is_ascii_lowercase() || before.is_ascii_digit());
        let acronym_end = here.is_ascii_uppercase()
            && before.is_ascii_uppercase()
            && after.is_some_and(|c| c.is_ascii_lowercase());
        if word || acronym_end || before == b'-' {
            cuts.push(at);
        }
    }
    cuts
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{AccessLevel, KnownAction};

    const ROWS: &[KnownAction] = &[
        KnownAction::new_static("s3:GetBucketPolicy", AccessLevel::READ, true),
        KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
        KnownAction::new_static("s3:GetObjectAcl", AccessLevel::READ, true),
        KnownAction::new_static("s3:PutObject", AccessLevel::WRITE, true),
    ];

    fn policy(text: &str) -> Policy {
        Policy::parse(text).unwrap()
    }

    #[test]
    fn the_linear_alignment_is_the_table_alignment() {
        // Statements labelled from a small alphabet, a pair fitting when the
        // labels agree; originals removable at random. Sizes reach well past
        // the table threshold so that the halving runs several levels deep.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut below = |n: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) as usize) % n
        };
        let mut aligned = 0;
        for round in 0..400 {
            let n = below(if round % 4 == 0 { 300 } else { 40 }) + 1;
            let labels = 1 + below(4);
            let originals: Vec<usize> = (0..n).map(|_| below(labels)).collect();
            let removable: Vec<bool> = (0..n).map(|_| below(3) != 0).collect();
            // Mostly a subsequence of the originals with a few labels changed,
            // so that both outcomes occur.
            let mut refineds = Vec::new();
            for &label in &originals {
                if below(4) == 0 {
                    continue;
                }
                refineds.push(if below(30) == 0 { below(labels) } else { label });
            }
            let fits = |i: usize, j: usize| originals.get(i) == refineds.get(j);
            let table = align_table(n, refineds.len(), &removable, &fits);
            let linear = align_linear(n, refineds.len(), &removable, &fits);
            assert_eq!(linear, table, "round {round}");
            aligned += usize::from(table.is_some());
        }
        assert!((50..350).contains(&aligned), "{aligned}");
    }

    #[test]
    fn messages_name_the_statement_and_the_actions() {
        let table = ActionTable::new(ROWS).unwrap();
        let original = policy(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"},{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#,
        );
        let mut unused = UnusedSet::new();
        unused.insert_action("s3:GetBucketPolicy", None);
        let v = verify(&original, &original, &unused, table);
        assert_eq!(
            v.to_string(),
            "Statement[1]: grants `s3:GetBucketPolicy`, which is unused\n"
        );
        assert_eq!(v.violations[0].examples, ["s3:GetBucketPolicy"]);
        assert_eq!(v.compared, 2);
    }

    #[test]
    fn example_lists_are_cut_short() {
        let actions = ["a:F", "a:B", "a:C", "a:D", "a:E", "a:A", "a:G"];
        let (message, examples) = about(&actions, "grants", "unused");
        assert_eq!(
            message,
            "grants 7 unused actions: `a:A`, `a:B`, `a:C`, `a:D`, `a:E` and 2 more"
        );
        assert_eq!(examples.len(), MAX_EXAMPLES);
        assert_eq!(backticked(&["x:A", "x:B"]), "`x:A` and `x:B`");
    }

    /// The seeded-fault fixture: a small catalog, a three-statement policy,
    /// and an unused list that narrows `s3:Get*` and `lambda:*`.
    const FAULT_ROWS: &[KnownAction] = &[
        KnownAction::new_static("lambda:GetFunction", AccessLevel::READ, true),
        KnownAction::new_static("lambda:InvokeAsync", AccessLevel::WRITE, true),
        KnownAction::new_static("lambda:InvokeFunction", AccessLevel::WRITE, true),
        KnownAction::new_static("s3:DeleteObject", AccessLevel::WRITE, true),
        KnownAction::new_static("s3:GetBucketPolicy", AccessLevel::READ, true),
        KnownAction::new_static("s3:GetBucketTagging", AccessLevel::READ, true),
        KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
        KnownAction::new_static("s3:GetObjectAcl", AccessLevel::READ, true),
        KnownAction::new_static("s3:ListAllMyBuckets", AccessLevel::LIST, true),
        KnownAction::new_static("s3:ListBucket", AccessLevel::LIST, true),
        KnownAction::new_static("s3:PutObject", AccessLevel::WRITE, true),
    ];

    const ORIGINAL: &str = r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"Read","Effect":"Allow","Action":["s3:Get*","s3:ListBucket"],"Resource":"*"},
        {"Sid":"Invoke","Effect":"Allow","Action":"lambda:*","Resource":"arn:aws:lambda:us-east-1:111122223333:function:f"},
        {"Sid":"Guard","Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}"#;

    /// What `refine` makes of `ORIGINAL`, written out by hand.
    const REFINED: &str = r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"Read","Effect":"Allow","Action":["s3:GetObject*","s3:ListBucket"],"Resource":"*"},
        {"Sid":"Invoke","Effect":"Allow","Action":"lambda:Invoke*","Resource":"arn:aws:lambda:us-east-1:111122223333:function:f"},
        {"Sid":"Guard","Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}"#;

    fn fault_unused() -> UnusedSet {
        let mut unused = UnusedSet::new();
        for action in [
            "s3:GetBucketPolicy",
            "s3:GetBucketTagging",
            "lambda:GetFunction",
        ] {
            unused.insert_action(action, None);
        }
        unused
    }

    /// Verifies `REFINED` with one substitution applied.
    fn with_fault(from: &str, to: &str) -> Verification {
        assert!(REFINED.contains(from), "the fault must apply: `{from}`");
        let refined = policy(&REFINED.replacen(from, to, 1));
        let table = ActionTable::new(FAULT_ROWS).unwrap();
        verify(&policy(ORIGINAL), &refined, &fault_unused(), table)
    }

    fn kinds(v: &Verification) -> Vec<(Option<usize>, ViolationKind)> {
        v.violations.iter().map(|x| (x.statement, x.kind)).collect()
    }

    #[test]
    fn our_own_refinement_passes() {
        let table = ActionTable::new(FAULT_ROWS).unwrap();
        let original = policy(ORIGINAL);
        let ours = crate::refine(&original, &fault_unused(), table, &Default::default());
        assert_eq!(
            ours.policy.to_compact_string(),
            policy(REFINED).to_compact_string()
        );
        let v = verify(&original, &ours.policy, &fault_unused(), table);
        assert!(v.is_ok(), "{v}");
        assert_eq!((v.compared, v.removed), (3, 0));
    }

    #[test]
    fn an_extra_wildcard_over_unused_actions_is_unsafe() {
        let v = with_fault(r#""s3:GetObject*","#, r#""s3:GetObject*","s3:GetBucket*","#);
        assert_eq!(
            v.to_string(),
            "Statement[0]: grants 2 unused actions: `s3:GetBucketPolicy` and `s3:GetBucketTagging`\n"
        );
        assert_eq!(v.violations[0].kind, ViolationKind::Unsafe);
        assert_eq!(
            v.violations[0].examples,
            ["s3:GetBucketPolicy", "s3:GetBucketTagging"]
        );
    }

    #[test]
    fn a_missing_used_action_is_incomplete() {
        let v = with_fault(
            r#"["s3:GetObject*","s3:ListBucket"]"#,
            r#"["s3:GetObject*"]"#,
        );
        assert_eq!(
            v.to_string(),
            "Statement[0]: no longer grants `s3:ListBucket`, which is used\n\
             Statement[0]: `s3:ListBucket` touches no unused action but was not kept as written\n"
        );
        assert_eq!(
            kinds(&v),
            [
                (Some(0), ViolationKind::Incomplete),
                (Some(0), ViolationKind::NotMinimal)
            ]
        );
    }

    #[test]
    fn a_wildcard_beyond_the_original_entry_is_unsound() {
        let v = with_fault(r#""s3:GetObject*","#, r#""s3:*","#);
        let unsound: Vec<&Violation> = v.of_kind(ViolationKind::Unsound).collect();
        assert_eq!(unsound.len(), 1, "{v}");
        assert_eq!(
            unsound[0].message,
            "`s3:*` grants 3 actions the original statement does not: `s3:DeleteObject`, `s3:ListAllMyBuckets` and `s3:PutObject`"
        );
        // It also reaches the unused bucket actions.
        assert_eq!(v.of_kind(ViolationKind::Unsafe).count(), 1);
    }

    #[test]
    fn a_wildcard_that_only_future_actions_escape_is_unsound() {
        let original = policy(
            r#"{"Statement":[{"Effect":"Allow","Action":["s3:*Acl","s3:PutObject"],"Resource":"*"}]}"#,
        );
        let refined = policy(
            r#"{"Statement":[{"Effect":"Allow","Action":["s3:GetObjectA*","s3:PutObject"],"Resource":"*"}]}"#,
        );
        let table = ActionTable::new(FAULT_ROWS).unwrap();
        let v = verify(&original, &refined, &UnusedSet::new(), table);
        let unsound: Vec<String> = v
            .of_kind(ViolationKind::Unsound)
            .map(|x| x.to_string())
            .collect();
        assert_eq!(
            unsound,
            [
                "Statement[0]: `s3:GetObjectA*` is not inside any original entry: it would grant actions AWS adds later that the original does not"
            ]
        );
    }

    #[test]
    fn a_changed_resource_is_a_structure_violation() {
        let v = with_fault(
            r#""Resource":"arn:aws:lambda:us-east-1:111122223333:function:f""#,
            r#""Resource":"*""#,
        );
        assert_eq!(v.to_string(), "Statement[1]: `Resource` changed\n");
        assert_eq!(kinds(&v), [(Some(1), ViolationKind::Structure)]);
    }

    #[test]
    fn a_changed_deny_is_a_structure_violation() {
        let v = with_fault(
            r#""Effect":"Deny","Action":"s3:DeleteObject""#,
            r#""Effect":"Deny","Action":"s3:Delete*""#,
        );
        assert_eq!(
            v.to_string(),
            "Statement[2]: is a Deny statement and changed (Deny statements are never changed)\n"
        );
    }

    #[test]
    fn a_removed_deny_is_a_structure_violation() {
        let v = with_fault(
            r#",
        {"Sid":"Guard","Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}"#,
            "",
        );
        assert_eq!(kinds(&v), [(Some(2), ViolationKind::Structure)]);
    }

    #[test]
    fn a_removed_statement_that_granted_used_actions_is_incomplete() {
        let v = with_fault(
            r#"
        {"Sid":"Read","Effect":"Allow","Action":["s3:GetObject*","s3:ListBucket"],"Resource":"*"},"#,
            "",
        );
        assert_eq!(
            v.to_string(),
            "Statement[0]: was removed, but grants 3 used actions: `s3:GetObject`, `s3:GetObjectAcl` and `s3:ListBucket`\n"
        );
        assert_eq!((v.compared, v.removed), (2, 1));
    }

    #[test]
    fn a_statement_that_grants_only_unused_actions_may_go() {
        let table = ActionTable::new(FAULT_ROWS).unwrap();
        let mut unused = fault_unused();
        unused.insert_service("lambda", None);
        let original = policy(ORIGINAL);
        let ours = crate::refine(&original, &unused, table, &Default::default());
        assert_eq!(ours.policy.statements().len(), 2);
        let v = verify(&original, &ours.policy, &unused, table);
        assert!(v.is_ok(), "{v}");
        assert_eq!(v.removed, 1);
        // Keeping it is not: the service is wholly unused.
        let v = verify(&original, &policy(REFINED), &unused, table);
        assert_eq!(
            v.to_string(),
            "Statement[1]: grants 2 unused actions: `lambda:InvokeAsync` and `lambda:InvokeFunction`\n\
             Statement[1]: `lambda:Invoke*` reaches the wholly unused service `lambda`\n"
        );
    }

    #[test]
    fn not_action_exclusions_may_only_grow() {
        let table = ActionTable::new(FAULT_ROWS).unwrap();
        let original = policy(
            r#"{"Statement":[{"Effect":"Allow","NotAction":["s3:Delete*","s3:Put*"],"Resource":"*"}]}"#,
        );
        let mut unused = fault_unused();
        unused.insert_service("ec2", None);
        let ours = crate::refine(&original, &unused, table, &Default::default());
        let v = verify(&original, &ours.policy, &unused, table);
        assert!(v.is_ok(), "{}\n{v}", ours.policy.to_compact_string());
        let dropped = policy(
            r#"{"Statement":[{"Effect":"Allow","NotAction":["s3:Delete*","ec2:*","lambda:GetFunction","s3:GetBucket*"],"Resource":"*"}]}"#,
        );
        let v = verify(&original, &dropped, &unused, table);
        assert_eq!(
            v.to_string(),
            "Statement[0]: drops the exclusion `s3:Put*` and now grants `s3:PutObject`\n"
        );
        let open = policy(
            r#"{"Statement":[{"Effect":"Allow","NotAction":["s3:Delete*","s3:Put*","lambda:GetFunction","s3:GetBucket*"],"Resource":"*"}]}"#,
        );
        let v = verify(&original, &open, &unused, table);
        assert_eq!(
            v.to_string(),
            "Statement[0]: does not exclude the wholly unused service `ec2` as a whole (`ec2:*`)\n"
        );
        let over = policy(
            r#"{"Statement":[{"Effect":"Allow","NotAction":["s3:Delete*","s3:Put*","ec2:*","lambda:GetFunction","s3:Get*"],"Resource":"*"}]}"#,
        );
        let v = verify(&original, &over, &unused, table);
        assert_eq!(
            v.to_string(),
            "Statement[0]: no longer grants 2 used actions: `s3:GetObject` and `s3:GetObjectAcl`\n"
        );
    }

    #[test]
    fn the_document_keeps_its_form_and_top_level_fields() {
        let table = ActionTable::new(FAULT_ROWS).unwrap();
        let original = policy(
            r#"{"Version":"2012-10-17","Id":"a","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
        );
        let refined = policy(
            r#"{"Version":"2008-10-17","Id":"a","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
        );
        let v = verify(&original, &refined, &UnusedSet::new(), table);
        assert_eq!(
            v.to_string(),
            "`Statement` was written as one object and is now an array\ntop-level `Version` changed\n"
        );
        let extra = policy(
            r#"{"Version":"2012-10-17","Id":"a","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}"#,
        );
        let v = verify(&original, &extra, &UnusedSet::new(), table);
        assert_eq!(
            v.to_string(),
            "the refined policy's Statement[1] matches no statement of the original (statements must keep their order and every field but `Action`/`NotAction`)\n"
        );
    }

    #[test]
    fn key_order_is_form_not_structure() {
        let table = ActionTable::new(FAULT_ROWS).unwrap();
        let original = policy(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#,
        );
        // Access Analyzer or a formatter may write the keys in another order:
        // the statements still pair, and only the form is reported.
        let reordered = policy(
            r#"{"Statement":[{"Effect":"Allow","Sid":"A","Resource":"*","Action":"s3:GetObject","Condition":{"Bool":{"aws:SecureTransport":"true"}}}],"Version":"2012-10-17"}"#,
        );
        let v = verify(&original, &reordered, &UnusedSet::new(), table);
        assert_eq!(
            kinds(&v),
            [(Some(0), ViolationKind::Form), (None, ViolationKind::Form)],
            "{v}"
        );
        assert_eq!(v.compared, 1);
        let changed = policy(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
        );
        let v = verify(&original, &changed, &UnusedSet::new(), table);
        assert_eq!(v.to_string(), "Statement[0]: `Condition` changed\n");
    }

    #[test]
    fn blame_goes_to_the_statement_that_was_kept() {
        let table = ActionTable::new(FAULT_ROWS).unwrap();
        let original = policy(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetBucket*","Resource":"*"},{"Effect":"Allow","Action":"s3:GetObject*","Resource":"*"}]}"#,
        );
        // The first statement grants only unused actions and may go; the
        // second is kept but widened: the blame is on the second.
        let refined = policy(
            r#"{"Statement":[{"Effect":"Allow","Action":["s3:GetObject*","s3:PutObject"],"Resource":"*"}]}"#,
        );
        let v = verify(&original, &refined, &fault_unused(), table);
        assert_eq!(
            v.to_string(),
            "Statement[1]: adds `s3:PutObject`, which the original statement does not grant\n\
             Statement[1]: no entry touches an unused action, yet `Action` changed\n"
        );
        assert_eq!((v.compared, v.removed), (1, 1));
    }

    #[test]
    fn an_unchanged_statement_that_grants_nothing_pairs_with_itself() {
        // Found by fuzzing: the first statement grants nothing (so it could
        // have been removed), yet refine kept both statements as written.
        let rows = [KnownAction::new_static(
            "s3:GetObject",
            AccessLevel::READ,
            true,
        )];
        let table = ActionTable::new(&rows).unwrap();
        let policy = Policy::parse(
            r#"{"Statement":[{"Effect":"Allow","Action":["bogus"],"Resource":"*"},
                {"Effect":"Allow","Action":["s3:Get*","bogus"],"Resource":"*"}]}"#,
        )
        .unwrap();
        let unused = UnusedSet::parse("lambda:GetFunction").unwrap();
        let verdict = verify(&policy, &policy, &unused, table);
        assert!(verdict.is_ok(), "{verdict}");
    }
}
