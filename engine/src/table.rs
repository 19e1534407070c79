//! The table of known AWS actions that the engine reads, passed in by the caller.
//!
//! The engine never depends on the catalog crate: it takes the table as a
//! borrowed slice, sorted by the ASCII-lowercased `service:Action` name, the
//! way `ucd-util` takes its Unicode tables as arguments. Tests use three-row
//! literal tables; the binary passes the generated catalog.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

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
    match name.split_once(':') {
        Some((service, action)) => (service, action),
        None => (name, ""),
    }
}

/// Compares two strings byte by byte with ASCII letters folded to lowercase.
pub fn cmp_ci(a: &str, b: &str) -> Ordering {
    // A plain loop: every lookup in the catalog and in an unused set runs
    // this a dozen times, and `Iterator::cmp` over mapped bytes was slower.
    let (a, b) = (a.as_bytes(), b.as_bytes());
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

/// A borrowed, validated action table: sorted by lowercased name, no
/// case-insensitive duplicates, every name of the form `service:Action`.
#[derive(Clone, Copy, Debug)]
pub struct ActionTable<'a> {
    rows: &'a [KnownAction],
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
        Ok(ActionTable { rows })
    }

    /// A table over rows the caller vouches for: sorted by lowercased name, without
    /// duplicates, each `service:Action`. The generated catalog uses this so that
    /// start-up costs nothing; a test checks the generated rows with [`ActionTable::new`].
    /// Wrong order gives wrong answers, never a panic.
    pub const fn from_sorted_unchecked(rows: &'a [KnownAction]) -> ActionTable<'a> {
        ActionTable { rows }
    }

    /// An empty table.
    pub const fn empty() -> ActionTable<'static> {
        ActionTable { rows: &[] }
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

#[cfg(test)]
mod tests {
    use super::*;

    const ROWS: &[KnownAction] = &[
        KnownAction::new_static("s3-outposts:GetObject", AccessLevel::READ, false),
        KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
        KnownAction::new_static("s3:PutObject", AccessLevel::WRITE, true),
    ];

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
