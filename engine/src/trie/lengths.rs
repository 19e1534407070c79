//! The walk of a pattern made only of `?` and `*` with a `*` (`*??????????*`),
//! shared by every such pattern of a refinement.
//!
//! Such a pattern matches the names of at least `n` characters. Over the
//! whole of K its trie's rule (see [`super::Safety`]) reduces to two facts
//! of a node that do not depend on `n`: its length, and whether an unused
//! name starts with it (`U`). Every name under a node of at least `n`
//! characters is granted, so `prefix*` is safe exactly when the node has at
//! least `n` characters and not `U`. `U` passes from a node to its parent,
//! so the walk emits:
//!
//! - a node without `U` for the `n` in `len(parent) + 1 ..= len(node)` when
//!   its parent lacks `U` too (no safe ancestor can stand above it), and for
//!   every `n` up to its length when its parent has `U`: `prefix*`, or its
//!   one name;
//! - a name with `U` that is not unused itself, for every `n` up to its
//!   length: unsafe, but granted, and reached (all its ancestors have `U`).
//!
//! Those intervals are computed once per service, and each pattern of a
//! refinement takes the entries whose interval holds its `n`: a policy of
//! hundreds of such patterns pays for one walk of the catalog, not one each.
//! A property test (`lengths_walk_emits_what_the_walk_emits`) holds this to
//! the general walk.

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;
use std::sync::Arc;

use super::{Block, Index, service_runs};

/// The number of characters of `s` (its length in bytes when ASCII).
fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// A run's entries, each with the lowest and highest `n` it is emitted for.
/// Each entry is made once and shared by every list that holds it: the
/// lists of a hostile policy's patterns are thousands of entries each, most
/// of them the same nodes.
type Frontier = Rc<Intervals>;

/// A run's entries and beside them (a vector of their own, read once to
/// count and once to fill the lists of every length asked for) the lowest
/// and highest `n` each is emitted for.
#[derive(Debug, Default)]
struct Intervals {
    bounds: Vec<(u32, u32)>,
    entries: Vec<Arc<str>>,
}

impl Intervals {
    fn push(&mut self, low: u32, high: u32, entry: Arc<str>) {
        self.bounds.push((low, high));
        self.entries.push(entry);
    }
}

/// One service's names.
#[derive(Debug)]
struct Run {
    /// The service, lowercased with its colon.
    service: String,
    names: Range<usize>,
    /// The longest name that is not unused (`None` when all are).
    longest_granted: Option<usize>,
    /// Whether some name is unused.
    has_unused: bool,
    /// The service's own node's entry (`svc:*`, or its one name), for the
    /// patterns it is emitted for.
    whole: Arc<str>,
}

/// The emitted entries of every pattern of only `?` and `*` with a `*`, over
/// one refinement's K (every name with a service) and unused set.
#[derive(Debug)]
pub(crate) struct ByLength<'a> {
    /// Every known action and whether it is unused, sorted case-insensitively.
    names: Vec<(&'a str, bool)>,
    runs: Vec<Run>,
    /// How many names before each one are unused.
    unused_before: Vec<u32>,
    /// The longest unused name's length in characters (`None` when no
    /// name is unused): whether a pattern grants an unused name, asked once
    /// per pattern, without a look at every name.
    longest_unused: Option<usize>,
    /// Each run's entries with the interval of `n` they are emitted for,
    /// built when a pattern first goes below the service's own node, by
    /// the run's index.
    frontiers: RefCell<Vec<Option<Frontier>>>,
}

impl<'a> ByLength<'a> {
    /// Over `names` (K, each with whether it is unused); `None` when some
    /// name has no service (the walk then does not go service by service).
    pub(crate) fn new(names: &[(&'a str, bool)]) -> Option<ByLength<'a>> {
        let plain: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
        let runs = service_runs(&plain)
            .into_iter()
            .map(|(service, range)| {
                let slice = names.get(range.clone()).unwrap_or(&[]);
                let service = service?;
                let first = slice.first().map_or("", |(n, _)| *n);
                let whole = if slice.len() >= 2 {
                    let head = first.get(..service.len()).unwrap_or(first);
                    Arc::from(format!("{head}*"))
                } else {
                    Arc::from(first)
                };
                Some(Run {
                    service,
                    whole,
                    longest_granted: slice
                        .iter()
                        .filter(|(_, unused)| !unused)
                        .map(|(n, _)| char_len(n))
                        .max(),
                    has_unused: slice.iter().any(|(_, unused)| *unused),
                    names: range,
                })
            })
            .collect::<Option<Vec<Run>>>()?;
        let mut unused_before = Vec::with_capacity(names.len() + 1);
        let mut count = 0u32;
        unused_before.push(count);
        for (_, unused) in names {
            count += u32::from(*unused);
            unused_before.push(count);
        }
        let longest_unused = names
            .iter()
            .filter(|(_, unused)| *unused)
            .map(|(n, _)| char_len(n))
            .max();
        let frontiers = RefCell::new(vec![None; runs.len()]);
        Some(ByLength {
            names: names.to_vec(),
            runs,
            unused_before,
            longest_unused,
            frontiers,
        })
    }

    /// Whether a pattern that matches the names of at least `n` characters
    /// grants some unused name, and some name that is not unused.
    pub(crate) fn grants(&self, n: usize) -> (bool, bool) {
        let unused = self.longest_unused.is_some_and(|len| len >= n);
        let granted = self
            .runs
            .iter()
            .any(|run| run.longest_granted.is_some_and(|len| len >= n));
        (unused, granted)
    }

    /// Whether some name of `range` is unused.
    fn any_unused(&self, range: Range<usize>) -> bool {
        let at = |i: usize| self.unused_before.get(i).copied().unwrap_or(0);
        at(range.end) > at(range.start)
    }

    fn name(&self, i: usize) -> &'a str {
        self.names.get(i).map_or("", |(n, _)| n)
    }

    /// What the walks of the patterns that match the names of at least `n`
    /// characters emit, for each `n` of `lengths` (sorted and distinct):
    /// one list each, sorted case-insensitively. One pass over each
    /// service's entries serves every length: a hostile policy asks for
    /// dozens of lengths, and a pass per length read every entry of the
    /// catalog's frontiers again and again.
    pub(crate) fn emitted_each(&self, index: &Index, lengths: &[usize]) -> Vec<Arc<[Arc<str>]>> {
        debug_assert!(lengths.is_sorted_by(|a, b| a < b));
        // The lengths up to `limit`, as a count of `lengths`.
        let upto = |limit: usize| lengths.partition_point(|&n| n <= limit);
        // Each run's part of the lists: its own entry for the lengths
        // `..own`, its frontier's entries for `own..granted`. Counted first
        // (a difference per entry, not a count per length): a hostile
        // pattern's list is thousands of entries, and growing it by
        // doubling copied it again and again.
        let mut parts: Vec<(&Run, usize, usize, Option<Frontier>)> = Vec::new();
        let mut counts: Vec<isize> = vec![0; lengths.len() + 1];
        let mut add = |range: Range<usize>| {
            if range.start < range.end {
                if let Some(c) = counts.get_mut(range.start) {
                    *c += 1;
                }
                if let Some(c) = counts.get_mut(range.end) {
                    *c -= 1;
                }
            }
        };
        for (r, run) in self.runs.iter().enumerate() {
            // Nothing granted here: no node.
            let granted = run.longest_granted.map_or(0, upto);
            // The service's own node, safe: every name is granted.
            let own = if run.has_unused {
                0
            } else {
                upto(char_len(&run.service)).min(granted)
            };
            if granted == 0 {
                continue;
            }
            add(0..own);
            let frontier = (own < granted).then(|| self.frontier(index, r, run));
            if let Some(frontier) = &frontier {
                for &(low, high) in &frontier.bounds {
                    let from = lengths.partition_point(|&n| n < low as usize).max(own);
                    add(from..upto(high as usize).min(granted));
                }
            }
            parts.push((run, own, granted, frontier));
        }
        let mut lists: Vec<Vec<&Arc<str>>> = Vec::with_capacity(lengths.len());
        let mut count = 0isize;
        for &difference in counts.iter().take(lengths.len()) {
            count += difference;
            lists.push(Vec::with_capacity(usize::try_from(count).unwrap_or(0)));
        }
        for (run, own, granted, frontier) in &parts {
            for list in lists.get_mut(..*own).unwrap_or(&mut []) {
                list.push(&run.whole);
            }
            if let Some(frontier) = frontier {
                for (&(low, high), entry) in frontier.bounds.iter().zip(&frontier.entries) {
                    let from = lengths.partition_point(|&n| n < low as usize).max(*own);
                    let to = upto(high as usize).min(*granted);
                    for list in lists.get_mut(from..to).unwrap_or(&mut []) {
                        list.push(entry);
                    }
                }
            }
        }
        // Sorted and distinct already, as the walk leaves its entries: the
        // runs come by service and each frontier in its keys' order, and the
        // entries of one `n` are never a node and one of its descendants'
        // `prefix*` (a node without `U` is emitted only above its parent's
        // length, and a name with `U` only as itself, which sorts first).
        // Sorting again cost as much as the rest of a hostile policy's walks;
        // the tests check the order.
        lists
            .into_iter()
            .map(|list| {
                debug_assert!(list.is_sorted_by(|a, b| crate::table::cmp_ci(a, b).is_lt()));
                list.into_iter().map(Arc::clone).collect()
            })
            .collect()
    }

    /// Run `r`'s entries with their intervals of `n`, in the block's order.
    fn frontier(&self, index: &Index, r: usize, run: &Run) -> Frontier {
        if let Some(Some(frontier)) = self.frontiers.borrow().get(r) {
            return Rc::clone(frontier);
        }
        let names: Vec<&'a str> = self
            .names
            .get(run.names.clone())
            .unwrap_or(&[])
            .iter()
            .map(|(n, _)| *n)
            .collect();
        let block = index.block(Some(&run.service), &names);
        let frontier = Rc::new(self.intervals(&block, run));
        if let Some(slot) = self.frontiers.borrow_mut().get_mut(r) {
            *slot = Some(Rc::clone(&frontier));
        }
        frontier
    }

    /// The entries of `block` (run `run`'s candidates) and the `n` each is
    /// emitted for: see the module's comment.
    ///
    /// An entry that is one whole name is made once per name, however many
    /// keys emit it (every key above a name that is alone under it emits
    /// that name), and a run of one name shares it with the run's own
    /// entry: the lists of different `n` then hold one text at one address,
    /// and the statement's duplicate check finds it by its address.
    fn intervals(&self, block: &Block, run: &Run) -> Intervals {
        let offset = run.names.start;
        let mut out = Intervals::default();
        // Each name's entry, by its index in the run, once made.
        let mut whole_names: Vec<Option<Arc<str>>> = vec![None; run.names.len()];
        if let [only] = whole_names.as_mut_slice() {
            *only = Some(Arc::clone(&run.whole));
        }
        let mut name_entry = |i: usize| -> Arc<str> {
            match whole_names.get_mut(i) {
                Some(Some(entry)) => Arc::clone(entry),
                Some(slot) => Arc::clone(slot.insert(self.name(offset + i).into())),
                None => self.name(offset + i).into(),
            }
        };
        let mut star = String::new();
        // The open ancestors: (end of subtree, length, has `U`).
        let mut open: Vec<(u32, u32, bool)> = Vec::new();
        for (k, key) in block.keys.iter().enumerate() {
            let k = u32::try_from(k).unwrap_or(u32::MAX);
            while open.last().is_some_and(|&(end, _, _)| end <= k) {
                open.pop();
            }
            let names = offset + key.names.start as usize..offset + key.names.end as usize;
            let key_str = block.key(k as usize);
            let len = u32::try_from(char_len(key_str)).unwrap_or(u32::MAX);
            let has_unused = self.any_unused(names.clone());
            let parent = open.last().copied();
            open.push((key.end, len, has_unused));
            let first_producer = block
                .producers
                .get(key.producers.start as usize)
                .map_or(0, |&(i, _)| i as usize);
            let first = self.name(offset + first_producer);
            let spelled = first.get(..key.len as usize).unwrap_or(first);
            if !has_unused {
                let low = match parent {
                    Some((_, parent_len, false)) => parent_len.saturating_add(1),
                    _ => 0,
                };
                if low <= len {
                    let entry: Arc<str> = if names.len() >= 2 {
                        // Written into one buffer, then copied once into
                        // the entry (a `String` per entry was copied again).
                        star.clear();
                        star.push_str(spelled);
                        star.push('*');
                        Arc::from(star.as_str())
                    } else {
                        name_entry(key.names.start as usize)
                    };
                    out.push(low, len, entry);
                }
            } else if block
                .producers
                .get(key.producers.start as usize..key.producers.end as usize)
                .unwrap_or(&[])
                .iter()
                .any(|&(i, whole)| {
                    whole && !self.names.get(offset + i as usize).is_some_and(|(_, u)| *u)
                })
            {
                // The name itself, granted; the first producer is that name
                // (it sorts before every longer name it starts).
                let entry = if spelled.len() == first.len() {
                    name_entry(first_producer)
                } else {
                    spelled.into()
                };
                out.push(0, len, entry);
            }
        }
        out
    }
}
