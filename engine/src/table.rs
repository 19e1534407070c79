//! The table of known AWS actions that the engine reads, passed in by the caller.
//!
//! The engine never depends on the catalog crate: it takes the table as a
//! borrowed slice, sorted by the ASCII-lowercased `service:Action` name, the
//! way `ucd-util` takes its Unicode tables as arguments. Tests use three-row
//! literal tables; the binary passes the generated catalog.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use crate::error::Error;

/// The access level of an action, as the Service Authorization Reference
/// annotates it. The flags can overlap; an action with none of them is `Read`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct AccessLevel(u8);

impl AccessLevel {
    /// No flag set: the action reads.
    pub const READ: AccessLevel = AccessLevel(0);
    /// `IsList`.
    pub const LIST: AccessLevel = AccessLevel(1);
    /// `IsWrite`.
    pub const WRITE: AccessLevel = AccessLevel(2);
    /// `IsPermissionManagement`.
    pub const PERMISSIONS_MANAGEMENT: AccessLevel = AccessLevel(4);
    /// `IsTaggingOnly`.
    pub const TAGGING: AccessLevel = AccessLevel(8);

    /// The level with the given raw flag bits (only the low four bits count).
    pub const fn from_bits(bits: u8) -> AccessLevel {
        AccessLevel(bits & 0b1111)
    }

    /// The raw flag bits.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// The union of two levels.
    pub const fn union(self, other: AccessLevel) -> AccessLevel {
        AccessLevel(self.0 | other.0)
    }

    /// Whether every flag of `other` is set in `self` (`READ` is contained in everything).
    pub const fn contains(self, other: AccessLevel) -> bool {
        self.0 & other.0 == other.0
    }

    /// The single level a report counts this action under, most consequential first:
    /// Permissions management, then Write, Tagging, List, Read.
    pub fn primary(self) -> AccessLevel {
        for level in [
            AccessLevel::PERMISSIONS_MANAGEMENT,
            AccessLevel::WRITE,
            AccessLevel::TAGGING,
            AccessLevel::LIST,
        ] {
            if self.contains(level) {
                return level;
            }
        }
        AccessLevel::READ
    }

    /// The names of the flags that are set, in AWS's words (`Read` when none is).
    pub fn names(self) -> Vec<&'static str> {
        let mut names = Vec::new();
        for (level, name) in [
            (AccessLevel::LIST, "List"),
            (AccessLevel::WRITE, "Write"),
            (
                AccessLevel::PERMISSIONS_MANAGEMENT,
                "Permissions management",
            ),
            (AccessLevel::TAGGING, "Tagging"),
        ] {
            if self.contains(level) {
                names.push(name);
            }
        }
        if names.is_empty() {
            names.push("Read");
        }
        names
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names().join(", "))
    }
}

impl fmt::Debug for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccessLevel({self})")
    }
}

/// One action of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownAction {
    /// `service:ActionName`, the service prefix in lowercase, the action in AWS's spelling.
    pub name: Cow<'static, str>,
    /// The access level flags.
    pub access: AccessLevel,
    /// Whether IAM reports action-level last-accessed data for this action
    /// (`SupportedBy."IAM Action Last Accessed"`).
    pub last_accessed_tracked: bool,
}

impl KnownAction {
    /// A row of a static table.
    pub const fn new_static(
        name: &'static str,
        access: AccessLevel,
        last_accessed_tracked: bool,
    ) -> KnownAction {
        KnownAction {
            name: Cow::Borrowed(name),
            access,
            last_accessed_tracked,
        }
    }

    /// The service prefix (before the first `:`).
    pub fn service(&self) -> &str {
        split_action(&self.name).0
    }

    /// The action name (after the first `:`).
    pub fn action(&self) -> &str {
        split_action(&self.name).1
    }
}

/// Splits `service:Action` at its first colon; a string with no colon is all service.
pub fn split_action(name: &str) -> (&str, &str) {
    // A byte search: `split_once(':')` goes through the general pattern
    // searcher, which cost 8 % of `pare account` on these short names.
    match name.bytes().position(|b| b == b':') {
        Some(at) => (
            name.get(..at).unwrap_or(name),
            name.get(at + 1..).unwrap_or(""),
        ),
        None => (name, ""),
    }
}

/// Compares two strings byte by byte with ASCII letters folded to lowercase.
pub fn cmp_ci(a: &str, b: &str) -> Ordering {
    // A plain loop: every lookup in the catalog and in an unused set runs
    // this a dozen times, and `Iterator::cmp` over mapped bytes was slower.
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    // Neighbours in a sorted list share long prefixes (`ec2:DescribeInstance`):
    // the bytes both hold exactly are skipped eight at a time, since equal
    // bytes fold to equal letters.
    while let (Some((x, rest_a)), Some((y, rest_b))) =
        (a.split_first_chunk::<8>(), b.split_first_chunk::<8>())
    {
        if x != y {
            break;
        }
        (a, b) = (rest_a, rest_b);
    }
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
        if x != y {
            return x.cmp(&y);
        }
    }
    a.len().cmp(&b.len())
}

/// Whether `s` starts with `prefix`, ASCII case-insensitively.
pub fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len()
        && s.as_bytes()
            .iter()
            .zip(prefix.as_bytes())
            .all(|(a, b)| a.eq_ignore_ascii_case(b))
}

/// How many items of `sorted` come first with `below` true (it holds for a
/// prefix of them), found by doubling steps and a binary search within the
/// last: the log of the answer, not of the length. For cursors that move
/// forward through a sorted list, as sorted keys are looked up in turn.
pub(crate) fn gallop<T>(sorted: &[T], below: impl Fn(&T) -> bool) -> usize {
    let mut bound = 1usize;
    while bound < sorted.len() && sorted.get(bound - 1).is_some_and(&below) {
        bound = bound.saturating_mul(2);
    }
    sorted
        .get(..bound.min(sorted.len()))
        .unwrap_or(&[])
        .partition_point(below)
}

/// A borrowed, validated action table: sorted by lowercased name, no
/// case-insensitive duplicates, every name of the form `service:Action`.
#[derive(Clone, Copy, Debug)]
pub struct ActionTable<'a> {
    rows: &'a [KnownAction],
    /// A hash index for [`ActionTable::get`], when the owner of the rows keeps one.
    lookup: Option<&'a LookupIndex>,
}

impl<'a> ActionTable<'a> {
    /// Checks the order and form of `rows` (linear, a few microseconds for the full catalog).
    pub fn new(rows: &'a [KnownAction]) -> Result<ActionTable<'a>, Error> {
        for (index, row) in rows.iter().enumerate() {
            let (service, action) = split_action(&row.name);
            if service.is_empty()
                || action.is_empty()
                || !row.name.contains(':')
                || row.name.contains(['*', '?'])
            {
                return Err(Error::table(
                    index,
                    format!("`{}` is not of the form `service:Action`", row.name),
                ));
            }
            if index > 0 {
                let previous = rows.get(index - 1).map(|r| r.name.as_ref()).unwrap_or("");
                if cmp_ci(previous, &row.name) != Ordering::Less {
                    return Err(Error::table(
                        index,
                        format!(
                            "`{}` does not sort after `{previous}` (rows must be sorted by lowercased name, without duplicates)",
                            row.name
                        ),
                    ));
                }
            }
        }
        Ok(ActionTable { rows, lookup: None })
    }

    /// A table over rows the caller vouches for: sorted by lowercased name, without
    /// duplicates, each `service:Action`. The generated catalog uses this so that
    /// start-up costs nothing; a test checks the generated rows with [`ActionTable::new`].
    /// Wrong order gives wrong answers, never a panic.
    pub const fn from_sorted_unchecked(rows: &'a [KnownAction]) -> ActionTable<'a> {
        ActionTable { rows, lookup: None }
    }

    /// The same table, whose [`ActionTable::get`] uses `lookup` once enough
    /// lookups have been made to pay for building it (see [`LookupIndex`]).
    /// The owner of the rows keeps the index beside them; an index built
    /// for other rows is never used (it remembers which rows it indexes).
    pub const fn with_lookup(self, lookup: &'a LookupIndex) -> ActionTable<'a> {
        ActionTable {
            rows: self.rows,
            lookup: Some(lookup),
        }
    }

    /// An empty table.
    pub const fn empty() -> ActionTable<'static> {
        ActionTable {
            rows: &[],
            lookup: None,
        }
    }

    /// All rows, sorted.
    pub fn rows(&self) -> &'a [KnownAction] {
        self.rows
    }

    /// The number of actions.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no action.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The row for `name`, compared case-insensitively.
    pub fn get(&self, name: &str) -> Option<&'a KnownAction> {
        if let Some(slots) = self.lookup.and_then(|lookup| lookup.slots(self.rows)) {
            return slots.get(self.rows, name);
        }
        self.search(name)
    }

    /// [`ActionTable::get`] by binary search.
    fn search(&self, name: &str) -> Option<&'a KnownAction> {
        self.rows
            .binary_search_by(|row| cmp_ci(&row.name, name))
            .ok()
            .and_then(|i| self.rows.get(i))
    }

    /// The rows whose names start with `prefix`, case-insensitively: a contiguous run.
    pub fn with_prefix(&self, prefix: &str) -> &'a [KnownAction] {
        let start = self
            .rows
            .partition_point(|row| cmp_ci(&row.name, prefix) == Ordering::Less);
        let rest = self.rows.get(start..).unwrap_or(&[]);
        let len = rest.partition_point(|row| starts_with_ci(&row.name, prefix));
        rest.get(..len).unwrap_or(&[])
    }

    /// The distinct service prefixes, in order.
    pub fn services(&self) -> Vec<&'a str> {
        let mut services: Vec<&'a str> = Vec::new();
        for row in self.rows {
            let service = split_action(&row.name).0;
            if !services.iter().any(|s| s.eq_ignore_ascii_case(service)) {
                services.push(service);
            }
        }
        services.sort_by(|a, b| cmp_ci(a, b));
        services
    }
}

/// A case-insensitive hash index over a table's rows, for
/// [`ActionTable::get`]: a binary search compares a dozen names letter by
/// letter, which made the catalog's lookups the first cost of `pare account`.
///
/// It is built at the first lookup after [`LookupIndex::THRESHOLD`] lookups
/// through it, so a command that looks up a few names (refining one small
/// policy) never pays for building it, and it remembers which rows it
/// indexes: given other rows, lookups fall back to the binary search. Clones
/// start empty, and any two indexes compare equal (it is a cache, not data).
pub struct LookupIndex {
    lookups: AtomicUsize,
    built: OnceLock<Slots>,
}

/// The built index: the rows it was built from, and their slots.
struct Slots {
    /// The address and length of the rows.
    rows: (usize, usize),
    /// Open addressing with linear probing: a row's index plus one, or 0 for
    /// an empty slot. The length is a power of two, at least twice the rows.
    slots: Box<[u32]>,
    /// `64 - log2(slots.len())`: the shift that takes a hash to a slot.
    shift: u32,
}

impl LookupIndex {
    /// Lookups by binary search before the index is built: building costs
    /// about as much as this many searches of the whole catalog.
    pub const THRESHOLD: usize = 2048;

    /// An index not built yet.
    pub const fn new() -> LookupIndex {
        LookupIndex {
            lookups: AtomicUsize::new(0),
            built: OnceLock::new(),
        }
    }

    /// The slots for `rows`, when built (or worth building now) for them.
    fn slots(&self, rows: &[KnownAction]) -> Option<&Slots> {
        let built = match self.built.get() {
            Some(built) => built,
            None => {
                if self.lookups.fetch_add(1, AtomicOrdering::Relaxed) < Self::THRESHOLD {
                    return None;
                }
                self.built.get_or_init(|| Slots::new(rows))
            }
        };
        (built.rows == rows_key(rows) && !built.slots.is_empty()).then_some(built)
    }
}

impl Default for LookupIndex {
    fn default() -> LookupIndex {
        LookupIndex::new()
    }
}

impl Clone for LookupIndex {
    fn clone(&self) -> LookupIndex {
        LookupIndex::new()
    }
}

impl PartialEq for LookupIndex {
    fn eq(&self, _: &LookupIndex) -> bool {
        true
    }
}

impl Eq for LookupIndex {}

impl fmt::Debug for LookupIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LookupIndex")
            .field("built", &self.built.get().is_some())
            .finish()
    }
}

fn rows_key(rows: &[KnownAction]) -> (usize, usize) {
    (rows.as_ptr() as usize, rows.len())
}

/// A hash of the ASCII-lowercased bytes, eight at a time: each word is
/// lowercased in place ([`lowercase_word`]) and mixed in by a rotation and a
/// multiplication, so that the high bits (the slot) depend on every byte.
/// (It was FNV-1a a byte at a time, a fifth of a lookup's cost.) The rows
/// are the catalog's, not chosen by whoever wrote an input, and a lookup of
/// any name stops at the first empty slot.
pub(crate) fn hash_ci(name: &str) -> u64 {
    const MIX: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes = name.as_bytes();
    let mut hash = (bytes.len() as u64).wrapping_mul(MIX);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        hash = (hash.rotate_left(23) ^ lowercase_word(u64::from_le_bytes(word))).wrapping_mul(MIX);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        if let Some(head) = word.get_mut(..rest.len()) {
            head.copy_from_slice(rest);
        }
        hash = (hash.rotate_left(23) ^ lowercase_word(u64::from_le_bytes(word))).wrapping_mul(MIX);
    }
    hash ^ (hash >> 29)
}

/// The eight bytes of `word`, each ASCII-lowercased (`A` to `Z` get the
/// `0x20` bit; every other byte, non-ASCII ones included, is left alone).
fn lowercase_word(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Each byte's low seven bits plus a constant, with no carry between
    // bytes (at most 0x7f + 0x3f): the high bit says `>= b'A'`, `> b'Z'`.
    let low = word & !HIGH;
    let at_least_a = low + ONES * (0x80 - u64::from(b'A'));
    let past_z = low + ONES * (0x80 - u64::from(b'Z') - 1);
    let upper = at_least_a & !past_z & !word & HIGH;
    word | (upper >> 2)
}

impl Slots {
    /// The index of `rows`; empty (never used) when there are too many rows
    /// for its `u32` slots.
    fn new(rows: &[KnownAction]) -> Slots {
        let empty = Slots {
            rows: rows_key(rows),
            slots: Box::new([]),
            shift: 0,
        };
        let Some(len) = rows
            .len()
            .checked_mul(2)
            .filter(|&n| n < u32::MAX as usize)
            .map(|n| n.next_power_of_two().max(2))
        else {
            return empty;
        };
        let mut slots = vec![0u32; len].into_boxed_slice();
        let mask = len - 1;
        let shift = 64 - len.trailing_zeros();
        for (i, row) in rows.iter().enumerate() {
            let mut at = slot_of(hash_ci(&row.name), shift);
            while let Some(slot) = slots.get_mut(at) {
                if *slot == 0 {
                    // `i + 1 <= rows.len() < u32::MAX / 2`, checked above.
                    *slot = u32::try_from(i + 1).unwrap_or(0);
                    break;
                }
                at = (at + 1) & mask;
            }
        }
        Slots {
            rows: rows_key(rows),
            slots,
            shift,
        }
    }

    /// The row named `name` (ASCII case-insensitively).
    fn get<'a>(&self, rows: &'a [KnownAction], name: &str) -> Option<&'a KnownAction> {
        let mask = self.slots.len() - 1;
        let mut at = slot_of(hash_ci(name), self.shift);
        loop {
            let slot = *self.slots.get(at)?;
            let row = rows.get(usize::try_from(slot).ok()?.checked_sub(1)?)?;
            if row.name.eq_ignore_ascii_case(name) {
                return Some(row);
            }
            at = (at + 1) & mask;
        }
    }
}

fn slot_of(hash: u64, shift: u32) -> usize {
    // `shift >= 33`, so the value fits any `usize` of 32 bits or more.
    usize::try_from(hash >> shift).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROWS: &[KnownAction] = &[
        KnownAction::new_static("s3-outposts:GetObject", AccessLevel::READ, false),
        KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
        KnownAction::new_static("s3:PutObject", AccessLevel::WRITE, true),
    ];

    /// The word-wise lowercasing is `to_ascii_lowercase` on every byte of
    /// every word (each byte value in each position, and random words), and
    /// names equal but for ASCII case hash alike.
    #[test]
    fn words_lowercase_as_bytes_do() {
        let check = |word: u64| {
            let expected = u64::from_le_bytes(word.to_le_bytes().map(|b| b.to_ascii_lowercase()));
            assert_eq!(lowercase_word(word), expected, "{word:#018x}");
        };
        for byte in 0..=255u64 {
            for at in 0..8 {
                check(byte << (8 * at));
                check((byte << (8 * at)) | 0x4141_4141_4141_4141 & !(0xff << (8 * at)));
            }
        }
        let mut seed = 0x5eed_u64;
        for _ in 0..100_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            check(seed);
        }
        for name in [
            "s3:GetObject",
            "EC2:describeINSTANCES",
            "a",
            "",
            "sso-directory:X-Y",
            "kms:Décrypt",
        ] {
            assert_eq!(hash_ci(name), hash_ci(&name.to_ascii_uppercase()), "{name}");
            assert_eq!(hash_ci(name), hash_ci(&name.to_ascii_lowercase()), "{name}");
        }
        assert_ne!(hash_ci("s3:GetObject"), hash_ci("s3:GetObjec"));
        assert_ne!(hash_ci("abcdefgh"), hash_ci("abcdefgh\0"));
    }

    #[test]
    fn prefix_ranges_are_case_insensitive() {
        let table = ActionTable::new(ROWS).unwrap();
        assert_eq!(table.with_prefix("S3:").len(), 2);
        assert_eq!(table.with_prefix("s3").len(), 3);
        assert_eq!(table.with_prefix("s3:get").len(), 1);
        assert!(table.with_prefix("ec2:").is_empty());
        assert_eq!(
            table.get("S3:PUTOBJECT").map(|r| r.access),
            Some(AccessLevel::WRITE)
        );
        assert_eq!(table.services(), vec!["s3", "s3-outposts"]);
    }

    /// The eight-byte skip over shared bytes gives the plain rule's order:
    /// names that share prefixes of every length across the chunk edges,
    /// then differ by case, by a letter, by a byte between the cases
    /// (`[` sorts after `Z` but before `a`) or by ending.
    #[test]
    fn cmp_ci_orders_as_lowercased_strings() {
        let base = "ec2:DescribeInstanceAttributes";
        let mut names = Vec::new();
        for cut in 0..=base.len() {
            let head = base.get(..cut).unwrap();
            for tail in ["", "a", "A", "b", "Z", "[", "-", "ß", "xY", "Xy"] {
                names.push(format!("{head}{tail}"));
                names.push(format!("{}{tail}", head.to_ascii_uppercase()));
            }
        }
        for a in &names {
            for b in &names {
                let plain = a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase());
                assert_eq!(cmp_ci(a, b), plain, "{a} against {b}");
            }
        }
    }

    /// Rows like a catalog's: services of different sizes, mixed case.
    fn many_rows() -> Vec<KnownAction> {
        let mut rows = Vec::new();
        for service in ["a4b", "ec2", "s3", "s3-outposts", "sts"] {
            for i in 0..700 {
                rows.push(KnownAction {
                    name: Cow::Owned(format!("{service}:Get{}Thing{i}", ["", "Big", "ß"][i % 3])),
                    access: AccessLevel::from_bits(u8::try_from(i % 16).unwrap()),
                    last_accessed_tracked: i % 2 == 0,
                });
            }
        }
        rows.sort_by(|a, b| cmp_ci(&a.name, &b.name));
        rows
    }

    #[test]
    fn the_lookup_index_answers_as_the_binary_search() {
        let rows = many_rows();
        let lookup = LookupIndex::new();
        let table = ActionTable::new(&rows).unwrap().with_lookup(&lookup);
        let plain = ActionTable::new(&rows).unwrap();
        let mut queries: Vec<String> = Vec::new();
        for row in &rows {
            queries.push(row.name.to_string());
            queries.push(row.name.to_ascii_uppercase());
            queries.push(row.name.to_ascii_lowercase());
            queries.push(format!("{}x", row.name));
            queries.push(row.name[..row.name.len() - 1].to_string());
        }
        queries.extend(["", ":", "s3", "s3:", "S3:GETTHING1X"].map(String::from));
        // Past the threshold, every answer comes from the built index.
        for query in &queries {
            let expected = plain.get(query).map(|r| &r.name);
            assert_eq!(table.get(query).map(|r| &r.name), expected, "{query}");
        }
        assert!(lookup.built.get().is_some());
        assert!(queries.len() > 2 * LookupIndex::THRESHOLD);
        for query in &queries {
            let expected = plain.get(query).map(|r| &r.name);
            assert_eq!(table.get(query).map(|r| &r.name), expected, "{query}");
        }
    }

    #[test]
    fn an_index_of_other_rows_is_not_used() {
        let rows = many_rows();
        let lookup = LookupIndex::new();
        let table = ActionTable::new(&rows).unwrap().with_lookup(&lookup);
        for _ in 0..=LookupIndex::THRESHOLD {
            assert!(table.get("ec2:GetThing0").is_some());
        }
        assert!(lookup.built.get().is_some());
        // The same index handed to a table of other rows: its answers are
        // that table's own, from the binary search.
        let others = ActionTable::new(ROWS).unwrap().with_lookup(&lookup);
        assert!(others.get("ec2:GetThing0").is_none());
        assert_eq!(
            others.get("S3:PUTOBJECT").map(|r| r.access),
            Some(AccessLevel::WRITE)
        );
    }

    #[test]
    fn unsorted_rows_are_rejected() {
        let rows = [
            KnownAction::new_static("s3:PutObject", AccessLevel::WRITE, true),
            KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
        ];
        let err = ActionTable::new(&rows).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Table);
        assert_eq!(err.location(), Some(&crate::Location::Row(1)));
        assert!(
            err.to_string().starts_with(
                "action table row 1: `s3:GetObject` does not sort after `s3:PutObject`"
            ),
            "{err}"
        );
    }

    #[test]
    fn primary_level_prefers_permissions_management() {
        let level = AccessLevel::WRITE.union(AccessLevel::PERMISSIONS_MANAGEMENT);
        assert_eq!(level.primary(), AccessLevel::PERMISSIONS_MANAGEMENT);
        assert_eq!(AccessLevel::READ.primary(), AccessLevel::READ);
        assert_eq!(level.to_string(), "Write, Permissions management");
    }
}
