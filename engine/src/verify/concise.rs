//! Guarantee 6, conciseness: brute-force questions about one wildcard's replacement.

use std::cell::RefCell;
use std::collections::HashMap;

use super::checker::Checker;
use super::*;

/// What guarantee 6 asks of the replacement of one wildcard entry `e`, laid
/// out for brute-force questions: its used actions (the ones to place) and
/// the known actions that must stay ungranted, each sorted, and its root.
pub(super) struct ConciseSpace<'e, 'k> {
    pub(super) entry: &'e Pattern,
    pub(super) placed: Vec<&'k str>,
    pub(super) forbidden: Vec<&'k str>,
    pub(super) root: usize,
    /// What [`ConciseSpace::is_node`] answered, by lowercased prefix: each
    /// added entry asks about every prefix of it, and a short prefix spans
    /// all the placed actions (a hostile refinement adds tens of thousands
    /// of entries under one wildcard).
    nodes: RefCell<HashMap<String, bool>>,
}

impl<'e, 'k> ConciseSpace<'e, 'k> {
    pub(super) fn new(
        checker: &mut Checker<'k, '_>,
        entry: &'e Pattern,
    ) -> Option<ConciseSpace<'e, 'k>> {
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
            nodes: RefCell::new(HashMap::new()),
        };
        space.root = (0..=literal.len())
            .rev()
            .find(|&n| space.is_node(literal, n))
            .unwrap_or(0);
        Some(space)
    }

    /// Whether `text[..n]` is a node: a cut-point prefix of a used action of
    /// the entry, or a whole one.
    pub(super) fn is_node(&self, text: &str, n: usize) -> bool {
        let Some(prefix) = text.get(..n) else {
            return false;
        };
        let key = prefix.to_ascii_lowercase();
        if let Some(&known) = self.nodes.borrow().get(&key) {
            return known;
        }
        let node = prefix_run(&self.placed, prefix)
            .iter()
            .any(|a| a.len() == n || cut_points(a).contains(&n));
        self.nodes.borrow_mut().insert(key, node);
        node
    }

    /// Whether `p*` would be a safe entry: no action that must stay
    /// ungranted starts with it, and it grants nothing `e` does not.
    pub(super) fn is_safe(&self, p: &str) -> bool {
        prefix_run(&self.forbidden, p).is_empty() && self.entry.covers_prefix(p)
    }

    /// What is wrong with the added entry `x` under this entry, if anything.
    pub(super) fn complaint(&self, x: &str, mine: &[&str]) -> Option<String> {
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
