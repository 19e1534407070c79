//! Action names in one buffer: the storage of an [`UnusedSet`] and of the
//! lists that share it.
//!
//! An unused list can hold millions of actions. As one allocation per name
//! (an `Arc<str>`, 40 bytes for a 23-byte name) plus a 32-byte entry, the set
//! took three times the list's text, and every list made from it (K's
//! extras, the source report, the remarks) held a pointer per name besides.
//! Here the names are one `String` and each entry is 12 bytes of offsets; a
//! text list's own text is the buffer, its names lowercased in place; and
//! the lists made from a set share the whole [`NameList`] behind an `Arc`,
//! holding indices or nothing.

use std::cmp::Ordering;
use std::sync::Arc;

use crate::table::cmp_ci;

/// One unused action, as the set holds it: its name (`service:Action`,
/// the service lowercased) and when it was last used, if ever (ISO 8601, as
/// the finding wrote it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnusedAction<'s> {
    /// `service:Action`.
    pub name: &'s str,
    /// When it was last used, if ever.
    pub last_accessed: Option<&'s str>,
}

/// Where a name is in the buffer, and its date (an index into the dates,
/// plus one; 0 for none).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    start: u32,
    len: u32,
    date: u32,
}

impl Entry {
    /// Where the name starts in the buffer, and its length.
    pub(crate) fn bounds(&self) -> (usize, usize) {
        (self.start as usize, self.len as usize)
    }
}

/// From how many entries [`NameList::settle`] sorts in place.
const UNSTABLE_FROM: usize = 1 << 16;

/// The most bytes of names one list holds: offsets are 32 bits. Readers
/// refuse a larger list before reading it (see [`NameList::fits`]).
pub(crate) const MAX_TEXT: usize = u32::MAX as usize;

/// Names in one buffer, in the order of `entries` (which [`NameList::settle`]
/// sorts); the buffer may hold bytes no entry points at (a text list's
/// comments and line ends, or names dropped as duplicates).
#[derive(Clone, Debug, Default)]
pub(crate) struct NameList {
    text: String,
    entries: Vec<Entry>,
    dates: Vec<Arc<str>>,
}

impl NameList {
    /// A list over `text`, whose names are at `entries` (no dates).
    pub(crate) fn over(text: String, entries: Vec<Entry>) -> NameList {
        NameList {
            text,
            entries,
            dates: Vec::new(),
        }
    }

    /// The entry for `range` of a text given to [`NameList::over`], or
    /// `None` when the text is too large to point into.
    pub(crate) fn span(start: usize, len: usize) -> Option<Entry> {
        Some(Entry {
            start: u32::try_from(start).ok()?,
            len: u32::try_from(len).ok()?,
            date: 0,
        })
    }

    /// Whether `more` bytes of names still fit.
    pub(crate) fn fits(&self, more: usize) -> bool {
        self.text
            .len()
            .checked_add(more)
            .is_some_and(|len| len <= MAX_TEXT)
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The name an entry points at.
    pub(crate) fn name_of(&self, entry: &Entry) -> &str {
        let start = entry.start as usize;
        self.text
            .get(start..start + entry.len as usize)
            .unwrap_or_default()
    }

    /// The `i`-th name ("" past the end).
    pub(crate) fn name(&self, i: usize) -> &str {
        self.entries.get(i).map_or("", |e| self.name_of(e))
    }

    pub(crate) fn action_of(&self, entry: &Entry) -> UnusedAction<'_> {
        let date = (entry.date as usize)
            .checked_sub(1)
            .and_then(|d| self.dates.get(d));
        UnusedAction {
            name: self.name_of(entry),
            last_accessed: date.map(|d| &**d),
        }
    }

    /// Every action, in order.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = UnusedAction<'_>> + '_ {
        self.entries.iter().map(|e| self.action_of(e))
    }

    /// Every name, in order.
    pub(crate) fn names(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.entries.iter().map(|e| self.name_of(e))
    }

    /// Appends `name` with its date. `false`, and nothing appended, when the
    /// buffer is full ([`MAX_TEXT`]).
    pub(crate) fn push(&mut self, name: &str, date: Option<&str>) -> bool {
        let Some(entry) = self.place(name, date) else {
            return false;
        };
        self.entries.push(entry);
        true
    }

    /// Puts `name` into the buffer with its date; the caller places the entry.
    pub(crate) fn place(&mut self, name: &str, date: Option<&str>) -> Option<Entry> {
        if !self.fits(name.len()) {
            return None;
        }
        let mut entry = NameList::span(self.text.len(), name.len())?;
        self.text.push_str(name);
        if let Some(date) = date {
            // A run of one date is stored once.
            if self.dates.last().is_none_or(|last| **last != *date) {
                self.dates.push(Arc::from(date));
            }
            entry.date = u32::try_from(self.dates.len()).ok()?;
        }
        Some(entry)
    }

    /// Inserts an entry made by [`NameList::place`] at `at`.
    pub(crate) fn insert_entry(&mut self, at: usize, entry: Entry) {
        self.entries.insert(at.min(self.entries.len()), entry);
    }

    /// Makes room for `additional` more entries.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.entries.reserve_exact(additional);
    }

    /// Makes room for `bytes` more bytes of names (at most [`MAX_TEXT`]).
    pub(crate) fn reserve_text(&mut self, bytes: usize) {
        let room = MAX_TEXT.saturating_sub(self.text.len());
        self.text.reserve_exact(bytes.min(room));
    }

    /// Keeps the actions `keep` accepts.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(UnusedAction<'_>) -> bool) {
        let mut entries = std::mem::take(&mut self.entries);
        entries.retain(|e| keep(self.action_of(e)));
        self.entries = entries;
    }

    /// Whether the names are sorted case-insensitively, each once.
    pub(crate) fn is_settled(&self) -> bool {
        self.entries
            .is_sorted_by(|a, b| cmp_ci(self.name_of(a), self.name_of(b)) == Ordering::Less)
    }

    /// Sorts the names case-insensitively and keeps the first entry of each
    /// (the first pushed).
    pub(crate) fn settle(&mut self) {
        if self.is_settled() {
            self.shrink();
            return;
        }
        let NameList { text, entries, .. } = self;
        let len = entries.len();
        let name = |e: &Entry| {
            let start = e.start as usize;
            text.get(start..start + e.len as usize).unwrap_or_default()
        };
        if entries.is_sorted_by(|a, b| cmp_ci(name(a), name(b)) != Ordering::Greater) {
            // Sorted already: only duplicates to drop.
        } else if insertion_sort(entries, 2 * len, |a, b| {
            cmp_ci(name(a), name(b)) == Ordering::Greater
        }) {
            // Nearly sorted (a finding's actions in byte order, not in
            // case-insensitive order): a few moves did it.
        } else if entries.len() < UNSTABLE_FROM {
            // Stable, so the first entry of a name stays first: findings
            // come in sorted runs (one per service) that it merges.
            entries.sort_by(|a, b| cmp_ci(name(a), name(b)));
        } else {
            // In place: the stable sort's buffer of half the entries (26 MB
            // for 4.3 million) came on top of the list's text, which the
            // allocator had not given back yet. Entries are pushed at rising
            // offsets, so among equal names the first pushed is still first.
            entries.sort_unstable_by(|a, b| cmp_ci(name(a), name(b)).then(a.start.cmp(&b.start)));
        }
        entries.dedup_by(|later, earlier| cmp_ci(name(later), name(earlier)) == Ordering::Equal);
        self.shrink();
    }

    /// Gives back the room left for growth: a set lives as long as the plan.
    fn shrink(&mut self) {
        self.entries.shrink_to_fit();
        self.dates.shrink_to_fit();
        self.text.shrink_to_fit();
    }

    /// Where `name` is, or would go, in sorted entries.
    pub(crate) fn find(&self, name: &str) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|probe| cmp_ci(self.name_of(probe), name))
    }
}

/// Sorts `items` stably by insertion when that takes at most `moves`
/// moves of one place (a list out of order in a few places); `false`,
/// with `items` in some order of the same items, when it would take more.
/// Equal items keep their order either way: an item never moves past an
/// equal one, so a stable sort after a `false` keeps it too.
fn insertion_sort<T: Copy>(
    items: &mut [T],
    mut moves: usize,
    greater: impl Fn(&T, &T) -> bool,
) -> bool {
    for i in 1..items.len() {
        let Some(&item) = items.get(i) else { break };
        let mut at = i;
        let mut done = true;
        while at > 0
            && items
                .get(at - 1)
                .is_some_and(|before| greater(before, &item))
        {
            if moves == 0 {
                done = false;
                break;
            }
            moves -= 1;
            items.copy_within(at - 1..at, at);
            at -= 1;
        }
        if let Some(slot) = items.get_mut(at) {
            *slot = item;
        }
        if !done {
            return false;
        }
    }
    true
}

impl PartialEq for NameList {
    fn eq(&self, other: &NameList) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for NameList {}

/// A list of action names that can share an unused set's storage: the
/// names a source reports unused (findings of millions of actions made a
/// copy of each here, then a pointer to each).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActionNames(pub(super) Arc<NameList>);

impl ActionNames {
    /// An empty list.
    pub fn new() -> ActionNames {
        ActionNames::default()
    }

    /// The names of every action of `set`, in its order, sharing its storage.
    pub fn of(set: &super::UnusedSet) -> ActionNames {
        ActionNames(Arc::clone(set.list()))
    }

    /// Appends a name. (A list holds up to 4 GiB of names, as a set does.)
    pub fn push(&mut self, name: &str) {
        Arc::make_mut(&mut self.0).push(name, None);
    }

    /// How many names there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The names, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.0.names()
    }

    /// Sorts case-insensitively, keeping the first of equal names. A list
    /// shared with a set is sorted already and stays shared.
    pub(crate) fn sort_dedup(&mut self) {
        if !self.0.is_settled() {
            Arc::make_mut(&mut self.0).settle();
        }
    }
}

impl serde::Serialize for ActionNames {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Insertion within a budget sorts as the stable sort does, or gives
    /// up with an order the stable sort then finishes as from the start.
    #[test]
    fn insertion_sort_is_the_stable_sort_or_gives_up() {
        let mut rng = pare_testkit::Rng::new(3);
        let (mut sorted, mut gave_up) = (0, 0);
        for _ in 0..5_000 {
            let len = rng.below(60);
            // Keys with many ties, then a few out of place or shuffled.
            let mut items: Vec<(usize, usize)> = (0..len).map(|i| (i / 3, i)).collect();
            let most = if rng.chance(500) { 3 } else { 60 };
            for _ in 0..rng.below(most) {
                let (a, b) = (rng.below(len.max(1)), rng.below(len.max(1)));
                if len > 0 {
                    items.swap(a, b);
                }
            }
            let mut expected = items.clone();
            expected.sort_by_key(|a| a.0);
            let mut tried = items.clone();
            if insertion_sort(&mut tried, rng.below(2 * len + 1), |a, b| a.0 > b.0) {
                sorted += 1;
            } else {
                gave_up += 1;
                let mut left = tried.clone();
                left.sort_unstable();
                let mut all = items.clone();
                all.sort_unstable();
                assert_eq!(left, all, "a permutation of {items:?}");
                tried.sort_by_key(|a| a.0);
            }
            assert_eq!(tried, expected, "{items:?}");
        }
        assert!(sorted > 1000 && gave_up > 1000, "{sorted} {gave_up}");
    }
}
