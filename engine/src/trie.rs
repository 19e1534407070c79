//! The trie of action-name prefixes and its shortest safe prefixes: the
//! generalization at the heart of the founding article.
//!
//! Nodes are prefixes of the actions being placed, cut where a wildcard may
//! stand (after `service:`, at CamelCase word starts, after `-`), plus each
//! whole action name. Nesting is by characters, as wildcards match. A walk
//! from the root emits every safe node whose ancestors are all unsafe.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::table::{cmp_ci, gallop, starts_with_ci};

/// Why a node may not become a wildcard.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Unsafe {
    /// An unused action starts with the prefix.
    Unused {
        /// How many unused actions start with it.
        count: usize,
        /// The first of them.
        example: String,
    },
    /// A known action that the entry did not grant starts with the prefix.
    NotGranted {
        /// How many such actions start with it.
        count: usize,
        /// The first of them.
        example: String,
    },
    /// An action that must stay granted starts with the prefix (when
    /// placing `NotAction` exclusions, the statement's used actions).
    Used {
        /// How many such actions start with it.
        count: usize,
        /// The first of them.
        example: String,
    },
    /// `prefix*` would match strings, future actions included, that the entry does not.
    Broader,
}

/// One node of the trie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The prefix, in the catalog's spelling.
    pub prefix: String,
    /// The enclosing node: the longest other node that is a prefix of this one.
    pub parent: Option<usize>,
    /// Whether the prefix is itself one of the actions being placed.
    pub is_action: bool,
    /// How many actions being placed start with the prefix.
    pub placed: usize,
    /// `None` when safe; otherwise why not. Only set on nodes the walk reached
    /// (every node when the trie was built with `evaluate_all`).
    pub unsafe_because: Option<Unsafe>,
    /// Whether the walk reached this node.
    pub visited: bool,
    /// The entry emitted at this node, if any.
    pub emitted: Option<String>,
}

/// What an action of the range is, for safety.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Must stay granted: being placed.
    Placed,
    /// Must not be granted: unused.
    Unused,
    /// Must not be granted: the entry never granted it.
    NotGranted,
    /// Must not be covered: still used (when placing `NotAction` exclusions).
    Used,
    /// Neither: may or may not be covered (already excluded from a NotAction statement).
    Free,
}

/// The input of a generalization.
pub struct Problem<'a, 'f> {
    /// Every known action under `root_hint`, sorted case-insensitively, with its class.
    pub actions: Vec<(&'a str, Class)>,
    /// The walk starts at the deepest node that is a prefix of this (the entry's literal part).
    pub root_hint: &'f str,
    /// Whether `prefix*` stays inside the entry's language.
    pub covers: &'f dyn Fn(&str) -> bool,
    /// Whether a safe node must become `prefix*` whatever it holds (a wholly unused service).
    pub force_star: &'f dyn Fn(&str) -> bool,
}

impl std::fmt::Debug for Problem<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Problem")
            .field("actions", &self.actions.len())
            .field("root_hint", &self.root_hint)
            .finish_non_exhaustive()
    }
}

/// The built trie, walked.
#[derive(Clone, Debug)]
pub struct Trie {
    /// The nodes in prefix order (a node's descendants follow it). Built with
    /// `evaluate_all`, every node; without it, only the nodes the walk
    /// reached: nothing under a safe node is built.
    pub nodes: Vec<Node>,
    /// The root prefix the walk started from (empty for the whole namespace).
    pub root: String,
    /// The emitted entries, sorted case-insensitively.
    pub emitted: Vec<String>,
    /// Each node's names, a range of the problem's actions (beside
    /// [`Trie::nodes`]): what the names under it are, without a search.
    pub(crate) ranges: Vec<std::ops::Range<usize>>,
}

/// Where a wildcard may stand in an action name (byte offsets into the part after `service:`).
pub fn cut_points(name: &str) -> Vec<usize> {
    let mut cuts = Vec::new();
    for_each_cut(name, |cut| cuts.push(cut));
    cuts
}

/// [`cut_points`], each handed to `f` in order (the candidates of a whole
/// catalog are cut without a vector per name).
fn for_each_cut(name: &str, mut f: impl FnMut(usize)) {
    let bytes = name.as_bytes();
    f(0);
    // Each byte after the first with the one before (the one after is
    // looked at only after an uppercase one).
    for (i, pair) in bytes.windows(2).enumerate() {
        let &[prev, cur] = pair else {
            continue;
        };
        // Most bytes are neither: lowercase, after anything but `-`.
        if prev != b'-' && !cur.is_ascii_uppercase() {
            continue;
        }
        let next = bytes.get(i + 2);
        let word_start =
            cur.is_ascii_uppercase() && (prev.is_ascii_lowercase() || prev.is_ascii_digit());
        let acronym_end = cur.is_ascii_uppercase()
            && prev.is_ascii_uppercase()
            && next.is_some_and(|n| n.is_ascii_lowercase());
        if word_start || acronym_end || prev == b'-' {
            f(i + 1);
        }
    }
}

/// The candidate nodes over one service's names (or over every name, when
/// some name has no service): every cut of every name and every whole name,
/// sorted and merged by lowercased key. They depend only on the names, so an
/// [`Index`] keeps them for every later walk over the same names.
#[derive(Debug)]
struct Block {
    /// The names, as the problem gave them, one after the other (to check
    /// that a kept block fits); name `i` is `bounds[i]..bounds[i + 1]`.
    names: String,
    /// The same, lowercased (the same lengths): ranges are found with plain
    /// byte comparisons.
    lower: String,
    bounds: Vec<u32>,
    /// The distinct keys, sorted: a key's descendants follow it.
    keys: Vec<Key>,
    /// Each key's producers, in the order they were found: (name, whole name).
    producers: Vec<(u32, bool)>,
}

/// One distinct candidate prefix of a [`Block`].
#[derive(Clone, Debug, PartialEq, Eq)]
struct Key {
    /// The name it was first cut from, and its length in bytes.
    name: u32,
    len: u32,
    /// Its producers, a range of [`Block::producers`].
    producers: std::ops::Range<u32>,
    /// The names that start with it, a range of [`Block::names`].
    names: std::ops::Range<u32>,
    /// The first key after its descendants.
    end: u32,
}

/// The length in bytes of the common prefix of `a` and `b`, compared eight
/// bytes at a time (asked of every name of the catalog and the one before).
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let word = |s: &[u8], at: usize| -> Option<u64> {
        let bytes: [u8; 8] = s.get(at..at + 8)?.try_into().ok()?;
        Some(u64::from_le_bytes(bytes))
    };
    let mut at = 0;
    while let (Some(x), Some(y)) = (word(a, at), word(b, at)) {
        let differ = x ^ y;
        if differ != 0 {
            // The first differing byte is the lowest set one (little-endian).
            return at + (differ.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    let (a, b) = (a.get(at..).unwrap_or(&[]), b.get(at..).unwrap_or(&[]));
    at + a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// `items` sorted stably by `key`, each key below `keys`: a count of each
/// key, then each item put at its key's next place.
fn counting_sort<T: Copy>(items: &[T], keys: usize, key: impl Fn(&T) -> usize) -> Vec<T> {
    let mut starts: Vec<usize> = vec![0; keys + 1];
    for item in items {
        if let Some(slot) = starts.get_mut(key(item) + 1) {
            *slot += 1;
        }
    }
    for k in 1..starts.len() {
        let before = starts.get(k - 1).copied().unwrap_or(0);
        if let Some(slot) = starts.get_mut(k) {
            *slot += before;
        }
    }
    let Some(&first) = items.first() else {
        return Vec::new();
    };
    let mut out: Vec<T> = vec![first; items.len()];
    for &item in items {
        if let Some(at) = starts.get_mut(key(&item)) {
            if let Some(slot) = out.get_mut(*at) {
                *slot = item;
            }
            *at += 1;
        }
    }
    out
}

impl Block {
    /// The candidates of `names` (sorted case-insensitively), in time linear
    /// in their characters but for a sort of each small group of keys.
    ///
    /// The names are sorted, so the names under a prefix are one run, and
    /// two distinct prefixes sort as (the first name under them, their
    /// length): a prefix before every longer prefix of the same run, and
    /// disjoint runs in the order of their prefixes. Each candidate is
    /// placed by those two integers, and no string is compared: the first
    /// name under each prefix of a name comes from the prefix it shares with
    /// the name before (`first_at`), and a key's names end where a name
    /// shares less than the key with the one before it (`shared`).
    fn new(names: &[&str]) -> Block {
        let count = names.len();
        let mut bounds: Vec<u32> = Vec::with_capacity(count + 1);
        let mut joined = String::with_capacity(names.iter().map(|n| n.len()).sum());
        bounds.push(0);
        for name in names {
            joined.push_str(name);
            bounds.push(u32::try_from(joined.len()).unwrap_or(u32::MAX));
        }
        let lower = joined.to_ascii_lowercase();
        let name_at = |text: &'_ str, i: usize| -> (usize, usize) {
            let from = bounds.get(i).map_or(0, |&b| b as usize);
            let to = bounds.get(i + 1).map_or(from, |&b| b as usize);
            (from, to.max(from).min(text.len()))
        };
        let lower_at = |i: usize| -> &[u8] {
            let (from, to) = name_at(&lower, i);
            lower.as_bytes().get(from..to).unwrap_or(&[])
        };
        // `shared[i]`: how many bytes name `i` shares with name `i - 1`.
        let mut shared: Vec<u32> = Vec::with_capacity(count);
        // Each candidate as (first name under it, length, name, whole name),
        // in the order found: by name, its cuts (growing) before its whole
        // name. `first_at[len]` is the first name under the current name's
        // prefix of `len` bytes.
        let mut candidates: Vec<(u32, u32, u32, bool)> = Vec::with_capacity(count * 4);
        let mut first_at: Vec<u32> = Vec::new();
        for (i, action) in names.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let here = lower_at(i as usize);
            let common = match i.checked_sub(1) {
                Some(before) => common_prefix(lower_at(before as usize), here),
                None => 0,
            };
            shared.push(u32::try_from(common).unwrap_or(u32::MAX));
            first_at.truncate(common + 1);
            first_at.resize(here.len() + 1, i);
            // (A byte search: `find` sets up a searcher for every name, and
            // a service's name is a few bytes.)
            let colon = action.bytes().position(|b| b == b':').map_or(0, |i| i + 1);
            let name = action.get(colon..).unwrap_or("");
            let whole = u32::try_from(action.len()).unwrap_or(u32::MAX);
            let mut push = |len: u32, is_whole: bool| {
                let start = first_at.get(len as usize).copied().unwrap_or(i);
                candidates.push((start, len, i, is_whole));
            };
            for_each_cut(name, |cut| {
                // (A cut inside a character stands for the whole name.)
                let len = if action.get(..colon + cut).is_some() {
                    u32::try_from(colon + cut).unwrap_or(whole)
                } else {
                    whole
                };
                push(len, false);
            });
            push(whole, true);
        }
        // Sorted by (first name, length, name, whole): found in the order of
        // (name, length, whole), so two stable counting sorts, by length and
        // then by first name, leave each (first name, length) in that order.
        // (A comparison sort of each first name's group made thousands of
        // calls, most of them on a handful of candidates.)
        let longest = candidates.iter().map(|c| c.1 as usize).max().unwrap_or(0);
        let by_length = counting_sort(&candidates, longest + 1, |c| c.1 as usize);
        let sorted = counting_sort(&by_length, count, |c| c.0 as usize);
        let mut keys: Vec<Key> = Vec::new();
        let mut producers: Vec<(u32, bool)> = Vec::with_capacity(sorted.len());
        let mut previous: Option<(u32, u32)> = None;
        for (n, &(start, len, i, is_whole)) in sorted.iter().enumerate() {
            let n = u32::try_from(n).unwrap_or(u32::MAX);
            if previous != Some((start, len)) {
                previous = Some((start, len));
                if let Some(last) = keys.last_mut() {
                    last.producers.end = n;
                }
                // The names under it run from its first name to the first
                // later name that shares less than `len` bytes with the one
                // before it; name `i` is among them.
                let past = shared
                    .get(i as usize + 1..)
                    .unwrap_or(&[])
                    .iter()
                    .position(|&s| s < len)
                    .map_or(count, |p| i as usize + 1 + p);
                keys.push(Key {
                    name: i,
                    len,
                    producers: n..n,
                    names: start..u32::try_from(past).unwrap_or(u32::MAX),
                    end: 0,
                });
            }
            producers.push((i, is_whole));
        }
        let total = u32::try_from(producers.len()).unwrap_or(u32::MAX);
        if let Some(last) = keys.last_mut() {
            last.producers.end = total;
        }
        // Each key's subtree ends at the first later key it is not a prefix
        // of: the first key past the names under it.
        let key_count = u32::try_from(keys.len()).unwrap_or(u32::MAX);
        let mut open: Vec<usize> = Vec::new();
        for k in 0..keys.len() {
            let start = keys.get(k).map_or(0, |c| c.names.start);
            while let Some(&top) = open.last() {
                if keys.get(top).is_some_and(|c| start < c.names.end) {
                    break;
                }
                if let Some(closed) = keys.get_mut(top) {
                    closed.end = u32::try_from(k).unwrap_or(key_count);
                }
                open.pop();
            }
            open.push(k);
        }
        for k in open {
            if let Some(closed) = keys.get_mut(k) {
                closed.end = key_count;
            }
        }
        Block {
            names: joined,
            lower,
            bounds,
            keys,
            producers,
        }
    }

    /// The lowercased prefix of key `k`.
    fn key(&self, k: usize) -> &str {
        self.keys.get(k).map_or("", |c| self.key_str(c))
    }

    /// The index of the key equal to `key` (lowercased), if any.
    fn find(&self, key: &str) -> Option<usize> {
        let k = self.keys.partition_point(|c| self.key_str(c) < key);
        (self.keys.get(k).map(|c| self.key_str(c)) == Some(key)).then_some(k)
    }

    /// Name `i` of `text` (the names or their lowercased copy).
    fn slice<'t>(&self, text: &'t str, i: usize) -> &'t str {
        let from = self.bounds.get(i).map_or(0, |&b| b as usize);
        let to = self.bounds.get(i + 1).map_or(from, |&b| b as usize);
        text.get(from..to).unwrap_or("")
    }

    fn key_str(&self, c: &Key) -> &str {
        let name = self.slice(&self.lower, c.name as usize);
        name.get(..c.len as usize).unwrap_or(name)
    }

    /// Whether the block was built over exactly `names` (the same strings:
    /// a block outlives the refinement that built it, see [`Index`]).
    ///
    /// Asked at every walk of a kept block, over every name of its service:
    /// the lengths are compared first, then each name's bytes by words
    /// without a call (`memcmp` per name was most of its cost).
    fn fits(&self, names: &[&str]) -> bool {
        if self.bounds.len() != names.len() + 1 {
            return false;
        }
        let text = self.names.as_bytes();
        self.bounds
            .windows(2)
            .zip(names)
            .all(|(bound, name)| match (bound.first(), bound.get(1)) {
                (Some(&from), Some(&to)) => text
                    .get(from as usize..to as usize)
                    .is_some_and(|kept| same_bytes(kept, name.as_bytes())),
                _ => false,
            })
    }
}

/// Whether `a` and `b` hold the same bytes, compared eight at a time; the
/// last word of a name of eight bytes or more overlaps the one before it.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| -> u64 {
        s.get(at..at + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map_or(0, u64::from_ne_bytes)
    };
    if len < 8 {
        return a == b;
    }
    let mut at = 0;
    while at + 8 < len {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    word(a, len - 8) == word(b, len - 8)
}

/// The candidate nodes of every trie over one catalog, kept service by
/// service as walks first need them: a refinement builds one for all its
/// entries and statements, so a policy of many wildcards that span the whole
/// catalog cuts and sorts its names once, not once per entry. A block holds
/// its own copy of the names it was cut from and is used again only for the
/// same names, so an index may also serve many refinements (the jobs of
/// `pare account` on one thread share one): the candidates depend only on
/// the names, never on the unused set. Each walk still decides every node
/// for its own entry. A clone shares the blocks.
#[derive(Clone, Debug, Default)]
pub struct Index {
    blocks: Rc<RefCell<HashMap<String, Rc<Block>>>>,
    /// What each wildcard entry's refinements learned of the catalog,
    /// shared the same way (see [`crate::refine::BlindSpots`]).
    pub(crate) blind_spots: Rc<RefCell<crate::refine::BlindSpots>>,
}

impl Index {
    /// An empty index.
    pub fn new() -> Index {
        Index::default()
    }

    /// The block over `names`, all of one service `service` (lowercased,
    /// with its colon), built on first use; `None` for the service: the
    /// names have no service in common, and the block is not kept.
    fn block(&self, service: Option<&str>, names: &[&str]) -> Rc<Block> {
        let Some(service) = service else {
            return Rc::new(Block::new(names));
        };
        if let Some(block) = self.blocks.borrow().get(service) {
            if block.fits(names) {
                return Rc::clone(block);
            }
        }
        let block = Rc::new(Block::new(names));
        self.blocks
            .borrow_mut()
            .insert(service.to_string(), Rc::clone(&block));
        block
    }
}

/// What a walk keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Every node, each evaluated (for explaining the trie).
    All,
    /// The nodes the walk reached.
    Visited,
    /// Only the emitted entries (what a refinement needs).
    Emitted,
}

/// The classes whose actions make a node unsafe, in the order reported.
const BLOCKED: [Class; 3] = [Class::Unused, Class::NotGranted, Class::Used];

/// The slot of a class in the walk's running counts.
fn slot(class: Class) -> Option<usize> {
    match class {
        Class::Placed => Some(0),
        Class::Unused => Some(1),
        Class::NotGranted => Some(2),
        Class::Used => Some(3),
        Class::Free => None,
    }
}

/// A name's service with its colon (`s3:`), if it has one.
fn service_of(name: &str) -> Option<&str> {
    name.bytes()
        .position(|b| b == b':')
        .and_then(|i| name.get(..=i))
}

/// The runs of `names` (sorted case-insensitively) by service, each with
/// its service lowercased with its colon; no node spans two services, since
/// every candidate holds its name's colon. Names without a service make one
/// run, with no service.
fn service_runs(names: &[&str]) -> Vec<(Option<String>, std::ops::Range<usize>)> {
    // Sorted names between two of one service are of that service too: the
    // names of one service (most problems) are one run, found without
    // reading every name.
    if let (Some(first), Some(last)) = (names.first(), names.last()) {
        if let Some(service) = service_of(first).filter(|s| starts_with_ci(last, s)) {
            return vec![(Some(service.to_ascii_lowercase()), 0..names.len())];
        }
    }
    if !names.iter().all(|n| n.bytes().any(|b| b == b':')) {
        return vec![(None, 0..names.len())];
    }
    let mut runs = Vec::new();
    let mut start = 0;
    while start < names.len() {
        let service = names.get(start).and_then(|n| service_of(n)).unwrap_or("");
        let len = names
            .get(start..)
            .unwrap_or(&[])
            .partition_point(|n| starts_with_ci(n, service))
            .max(1);
        runs.push((Some(service.to_ascii_lowercase()), start..start + len));
        start += len;
    }
    runs
}

/// The safety rule of `docs/semantics.md`, over one problem's names: `prefix*`
/// is safe when no unused, not granted or still used action starts with the
/// prefix (checked in that order, the first one found is the reason) and the
/// entry covers every string that starts with it. The walk and `pare explain`
/// both ask it, so the rule is written once.
pub(crate) struct Safety<'p, 'a, 'f> {
    problem: &'p Problem<'a, 'f>,
    /// Running counts of each class before each name: every check runs in
    /// constant time over a range of names.
    sums: Vec<[u32; 4]>,
}

impl<'p, 'a, 'f> Safety<'p, 'a, 'f> {
    /// The rule over `problem`'s classified names.
    pub(crate) fn new(problem: &'p Problem<'a, 'f>) -> Safety<'p, 'a, 'f> {
        let mut sums: Vec<[u32; 4]> = Vec::with_capacity(problem.actions.len() + 1);
        let mut running = [0u32; 4];
        sums.push(running);
        for (_, class) in &problem.actions {
            if let Some(c) = slot(*class).and_then(|s| running.get_mut(s)) {
                *c += 1;
            }
            sums.push(running);
        }
        Safety { problem, sums }
    }

    /// Why `prefix*` is not safe, or `None` when it is.
    pub(crate) fn of(&self, prefix: &str) -> Option<Unsafe> {
        self.check(prefix, &self.range(prefix), true)
    }

    /// How many names of `class` start with `prefix`.
    #[cfg(test)]
    pub(crate) fn count_under(&self, class: Class, prefix: &str) -> usize {
        self.count(class, &self.range(prefix))
    }

    /// [`Safety::count_under`] for each of `classes`, the names found once.
    #[cfg(test)]
    pub(crate) fn counts_under<const N: usize>(
        &self,
        classes: [Class; N],
        prefix: &str,
    ) -> [usize; N] {
        let range = self.range(prefix);
        classes.map(|class| self.count(class, &range))
    }

    /// [`Safety::counts_under`] for prefixes asked in sorted order (case
    /// aside, as [`cmp_ci`] sorts): `from` carries where the last one's names
    /// began, and each search gallops on from there instead of searching all
    /// of K (`pare explain` asks for every node of the whole catalog).
    pub(crate) fn counts_under_sorted<const N: usize>(
        &self,
        classes: [Class; N],
        prefix: &str,
        from: &mut usize,
    ) -> [usize; N] {
        let actions = &self.problem.actions;
        let rest = actions.get(*from..).unwrap_or(&[]);
        *from += gallop(rest, |(n, _)| cmp_ci(n, prefix).is_lt());
        let under = actions.get(*from..).unwrap_or(&[]);
        let range = *from..*from + gallop(under, |(n, _)| starts_with_ci(n, prefix));
        classes.map(|class| self.count(class, &range))
    }

    /// The counts of `classes` among the names of `range` (those that start
    /// with some prefix, found by the caller).
    pub(crate) fn counts_in<const N: usize>(
        &self,
        classes: [Class; N],
        range: &std::ops::Range<usize>,
    ) -> [usize; N] {
        classes.map(|class| self.count(class, range))
    }

    /// The names that start with `prefix` (case aside).
    fn range(&self, prefix: &str) -> std::ops::Range<usize> {
        let actions = &self.problem.actions;
        let start = actions.partition_point(|(n, _)| cmp_ci(n, prefix).is_lt());
        let len = actions
            .get(start..)
            .unwrap_or(&[])
            .partition_point(|(n, _)| starts_with_ci(n, prefix));
        start..start + len
    }

    fn name(&self, i: usize) -> &'a str {
        self.problem.actions.get(i).map_or("", |(n, _)| n)
    }

    fn at(&self, i: usize, s: usize) -> u32 {
        self.sums
            .get(i)
            .and_then(|c| c.get(s))
            .copied()
            .unwrap_or(0)
    }

    fn count(&self, class: Class, range: &std::ops::Range<usize>) -> usize {
        let Some(s) = slot(class) else { return 0 };
        self.at(range.end, s)
            .saturating_sub(self.at(range.start, s)) as usize
    }

    /// The first name of `class` in `range` (which holds one).
    fn first(&self, class: Class, range: &std::ops::Range<usize>) -> &'a str {
        let Some(s) = slot(class) else { return "" };
        let before = self.at(range.start, s);
        let rest = self.sums.get(range.start + 1..range.end + 1).unwrap_or(&[]);
        let offset = rest.partition_point(|c| c.get(s).copied().unwrap_or(0) <= before);
        self.name(range.start + offset)
    }

    /// The rule for `prefix`, whose names are `range`; `examples` names the
    /// first offending action (a refinement does not need it).
    fn check(
        &self,
        prefix: &str,
        range: &std::ops::Range<usize>,
        examples: bool,
    ) -> Option<Unsafe> {
        for class in BLOCKED {
            let count = self.count(class, range);
            if count > 0 {
                let example = if examples {
                    self.first(class, range).to_string()
                } else {
                    String::new()
                };
                return Some(match class {
                    Class::Unused => Unsafe::Unused { count, example },
                    Class::NotGranted => Unsafe::NotGranted { count, example },
                    _ => Unsafe::Used { count, example },
                });
            }
        }
        (!(self.problem.covers)(prefix)).then_some(Unsafe::Broader)
    }
}

/// Nesting by characters, as wildcards match: fed prefixes in sorted order,
/// it says each one's parent, the latest one fed that is a prefix of it.
#[derive(Debug, Default)]
pub(crate) struct Nesting {
    /// The open prefixes (lowercased) with their index in the order fed.
    open: Vec<(usize, String)>,
    fed: usize,
}

impl Nesting {
    /// Feeds the next prefix, lowercased; returns its parent's index.
    pub(crate) fn enter(&mut self, key: &str) -> Option<usize> {
        while let Some((_, top)) = self.open.last() {
            if key.starts_with(top.as_str()) {
                break;
            }
            self.open.pop();
        }
        let parent = self.open.last().map(|(i, _)| *i);
        self.open.push((self.fed, key.to_string()));
        self.fed += 1;
        parent
    }
}

/// One walk over a problem's names.
struct Walker<'p, 'a, 'f> {
    safety: Safety<'p, 'a, 'f>,
    mode: Mode,
    nodes: Vec<Node>,
    ranges: Vec<std::ops::Range<usize>>,
    nesting: Nesting,
    emitted: Vec<String>,
}

impl<'a> Walker<'_, 'a, '_> {
    fn name(&self, i: usize) -> &'a str {
        self.safety.name(i)
    }

    fn count(&self, class: Class, range: &std::ops::Range<usize>) -> usize {
        self.safety.count(class, range)
    }

    fn first(&self, class: Class, range: &std::ops::Range<usize>) -> &'a str {
        self.safety.first(class, range)
    }

    fn safety(&self, prefix: &str, range: &std::ops::Range<usize>) -> Option<Unsafe> {
        self.safety.check(prefix, range, self.mode != Mode::Emitted)
    }

    /// Decides one node (`key` lowercased, `prefix` as spelled, `range` the
    /// names under it) and emits what it stands for; returns whether it is safe.
    fn visit(
        &mut self,
        key: &str,
        prefix: &str,
        is_action: bool,
        range: std::ops::Range<usize>,
        under_safe: bool,
    ) -> bool {
        let unsafe_because = self.safety(prefix, &range);
        let safe = unsafe_because.is_none();
        let placed = self.count(Class::Placed, &range);
        let mut emitted = None;
        if !under_safe {
            emitted = if safe {
                if placed >= 2 || (self.safety.problem.force_star)(prefix) {
                    // Not `format!`: a hostile walk emits tens of thousands.
                    let mut entry = String::with_capacity(prefix.len() + 1);
                    entry.push_str(prefix);
                    entry.push('*');
                    Some(entry)
                } else {
                    Some(self.first(Class::Placed, &range).to_string())
                }
            } else if is_action {
                Some(prefix.to_string())
            } else {
                None
            };
        }
        if self.mode == Mode::Emitted {
            // Only the entries are kept: moved, not copied.
            if let Some(entry) = emitted {
                self.emitted.push(entry);
            }
        } else {
            if let Some(entry) = &emitted {
                self.emitted.push(entry.clone());
            }
            let parent = self.nesting.enter(key);
            self.ranges.push(range);
            self.nodes.push(Node {
                prefix: prefix.to_string(),
                parent,
                is_action,
                placed,
                unsafe_because,
                visited: !under_safe,
                emitted,
            });
        }
        safe
    }

    /// Walks the keys `keys` of `block`, whose names start at `offset`.
    fn walk_block(&mut self, block: &Block, offset: usize, keys: std::ops::Range<usize>) {
        // Nodes under a safe node are evaluated only when explaining.
        let mut safe_end = 0usize;
        let mut k = keys.start;
        while k < keys.end {
            let Some(key) = block.keys.get(k) else { break };
            let range = offset + key.names.start as usize..offset + key.names.end as usize;
            let end = key.end as usize;
            // Every node is a prefix of a placed name.
            if self.count(Class::Placed, &range) == 0 {
                k = end;
                continue;
            }
            let producers = block
                .producers
                .get(key.producers.start as usize..key.producers.end as usize)
                .unwrap_or(&[]);
            let is_placed = |&(i, _): &(u32, bool)| {
                self.safety
                    .problem
                    .actions
                    .get(offset + i as usize)
                    .map(|(_, c)| *c)
                    == Some(Class::Placed)
            };
            let Some(&(first, _)) = producers.iter().find(|p| is_placed(p)) else {
                k += 1;
                continue;
            };
            let is_action = producers.iter().any(|p| p.1 && is_placed(p));
            let name = self.name(offset + first as usize);
            let prefix = name.get(..key.len as usize).unwrap_or(name);
            let under_safe = k < safe_end;
            let safe = self.visit(block.key(k), prefix, is_action, range, under_safe);
            if safe && !under_safe {
                if self.mode != Mode::All {
                    k = end;
                    continue;
                }
                safe_end = end;
            }
            k += 1;
        }
    }
}

/// The root of a walk: the longest node that is a prefix of the problem's
/// hint and of its first placed name, as (run, block, key, spelling).
#[expect(
    clippy::type_complexity,
    reason = "the root's parts, returned together"
)]
fn find_root<'a>(
    problem: &Problem<'a, '_>,
    names: &[&'a str],
    runs: &[(Option<String>, std::ops::Range<usize>)],
    block_of: &dyn Fn(&(Option<String>, std::ops::Range<usize>)) -> Rc<Block>,
) -> Option<(usize, Rc<Block>, usize, String)> {
    let first_placed = problem
        .actions
        .iter()
        .find(|(_, c)| *c == Class::Placed)
        .map(|(n, _)| *n);
    let hint = problem.root_hint.to_ascii_lowercase();
    let first = first_placed?;
    let by_service = runs.iter().all(|(service, _)| service.is_some());
    for len in (0..=hint.len()).rev() {
        let Some(key) = hint.get(..len) else { continue };
        if !starts_with_ci(first, key) {
            continue;
        }
        let run = if by_service {
            let Some(service) = service_of(key) else {
                continue;
            };
            runs.iter().position(|(s, _)| s.as_deref() == Some(service))
        } else {
            Some(0)
        };
        let Some((r, run)) = run.and_then(|r| runs.get(r).map(|run| (r, run))) else {
            continue;
        };
        let block = block_of(run);
        let Some(k) = block.find(key) else { continue };
        let offset = run.1.start;
        let spelled = block.keys.get(k).and_then(|c| {
            let producers = block
                .producers
                .get(c.producers.start as usize..c.producers.end as usize)?;
            let (i, _) = producers.iter().find(|(i, _)| {
                problem.actions.get(offset + *i as usize).map(|(_, c)| *c) == Some(Class::Placed)
            })?;
            let name = names.get(offset + *i as usize)?;
            name.get(..c.len as usize)
        });
        if let Some(spelled) = spelled {
            return Some((r, Rc::clone(&block), k, spelled.to_string()));
        }
    }
    None
}

impl Trie {
    /// Builds the trie over the placed actions of `problem` and walks it.
    pub fn build(problem: &Problem<'_, '_>, evaluate_all: bool) -> Trie {
        let mode = if evaluate_all {
            Mode::All
        } else {
            Mode::Visited
        };
        Trie::walk(problem, &Index::new(), mode)
    }

    /// [`Trie::build`] over the candidates kept in `index`.
    pub(crate) fn walk<'a>(problem: &Problem<'a, '_>, index: &Index, mode: Mode) -> Trie {
        let names: Vec<&'a str> = problem.actions.iter().map(|(n, _)| *n).collect();
        let runs = service_runs(&names);
        let mut walker = Walker {
            safety: Safety::new(problem),
            mode,
            nodes: Vec::new(),
            ranges: Vec::new(),
            nesting: Nesting::default(),
            emitted: Vec::new(),
        };
        let block_of = |run: &(Option<String>, std::ops::Range<usize>)| {
            index.block(run.0.as_deref(), names.get(run.1.clone()).unwrap_or(&[]))
        };

        let (root, root_prefix) = match find_root(problem, &names, &runs, &block_of) {
            Some((r, block, k, spelled)) => (Some((r, block, k)), spelled),
            None => (None, String::new()),
        };

        match root {
            Some((r, block, k)) => {
                let offset = runs.get(r).map_or(0, |run| run.1.start);
                let end = block.keys.get(k).map_or(k, |c| c.end as usize);
                walker.walk_block(&block, offset, k..end);
            }
            None => {
                for run in &runs {
                    if walker.count(Class::Placed, &run.1) == 0 {
                        continue;
                    }
                    // A service's own node first: when it is safe, nothing
                    // under it is needed, and the service's candidates are
                    // not even built (most services, for `Action: "*"`).
                    if mode != Mode::All {
                        if let Some(service) = &run.0 {
                            let first = walker.first(Class::Placed, &run.1).to_string();
                            let head = first.get(..service.len()).unwrap_or("").to_string();
                            if walker.safety(&head, &run.1).is_none() {
                                walker.visit(
                                    service,
                                    &head,
                                    first.len() == head.len(),
                                    run.1.clone(),
                                    false,
                                );
                                continue;
                            }
                        }
                    }
                    let block = block_of(run);
                    let keys = 0..block.keys.len();
                    walker.walk_block(&block, run.1.start, keys);
                }
            }
        }
        let mut emitted = walker.emitted;
        emitted.sort_by(|a, b| crate::table::cmp_ci(a, b));
        emitted.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        Trie {
            nodes: walker.nodes,
            ranges: walker.ranges,
            root: root_prefix,
            emitted,
        }
    }
}

mod lengths;
pub(crate) use lengths::ByLength;

#[cfg(test)]
mod tests;
