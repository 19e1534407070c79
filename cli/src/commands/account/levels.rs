//! The access-level columns every output of `pare account` shows (the
//! table, the CSV, the organization summary in both): one list, so that a
//! level added or renamed changes all of them.

use pare_engine::account::LevelCounts;

/// One column of removed actions: the total, or one access level.
#[derive(Debug)]
pub(super) struct Level {
    /// Its table header (`PERM`).
    pub(super) table: &'static str,
    /// Its CSV header (`removed_permissions_management`).
    pub(super) csv: &'static str,
    /// Its count.
    pub(super) count: fn(&LevelCounts) -> usize,
}

/// The total first, then the levels in the order a reviewer reads them;
/// the unknown level last (the policy table leaves it out).
pub(super) const LEVELS: [Level; 7] = [
    Level {
        table: "REMOVED",
        csv: "removed",
        count: |c| c.total,
    },
    Level {
        table: "PERM",
        csv: "removed_permissions_management",
        count: |c| c.permissions_management,
    },
    Level {
        table: "WRITE",
        csv: "removed_write",
        count: |c| c.write,
    },
    Level {
        table: "TAG",
        csv: "removed_tagging",
        count: |c| c.tagging,
    },
    Level {
        table: "LIST",
        csv: "removed_list",
        count: |c| c.list,
    },
    Level {
        table: "READ",
        csv: "removed_read",
        count: |c| c.read,
    },
    Level {
        table: "UNKNOWN",
        csv: "removed_unknown_level",
        count: |c| c.unknown,
    },
];

/// The columns the policy table shows: all but the unknown level.
pub(super) const IN_TABLE: usize = 6;

/// `counts`, one cell per level of `levels`, written by `cell`.
pub(super) fn cells(
    levels: &[Level],
    counts: &LevelCounts,
    cell: impl Fn(usize) -> String,
) -> impl Iterator<Item = String> {
    levels.iter().map(move |l| cell((l.count)(counts)))
}

/// Adds `more` to `sum`, level by level.
pub(super) fn add(sum: &mut LevelCounts, more: &LevelCounts) {
    sum.total += more.total;
    sum.permissions_management += more.permissions_management;
    sum.write += more.write;
    sum.tagging += more.tagging;
    sum.list += more.list;
    sum.read += more.read;
    sum.unknown += more.unknown;
}
