//! The table that maps CloudTrail events to the IAM actions their operations authorize.
//!
//! Like the action table ([`crate::table`]), the engine takes it as a borrowed
//! slice passed in by the caller: the binary passes the generated table of the
//! catalog, tests pass a few literal rows. A row names an event by CloudTrail's
//! `eventSource` (the service's endpoint host, `s3.amazonaws.com`) and
//! `eventName` (the API operation, `ListObjectsV2`), and lists every IAM action
//! that operation authorizes (`s3:ListBucket`). When one operation authorizes
//! several actions, all of them count as used: the direction that keeps
//! permissions.
//!
//! Some services log their operations with the API version glued to the name:
//! Lambda as `GetFunction20150331v2` or `Invoke20150331`, CloudFront as
//! `CreateDistribution2020_05_31`. [`EventTable::lookup`] tries the exact name
//! first and then the name without such a suffix ([`strip_version_suffix`]).

use std::cmp::Ordering;

use crate::error::Error;
use crate::table::split_action;

/// One row of the event table: an operation as CloudTrail names it, and the
/// IAM actions it authorizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventMapping<'a> {
    /// CloudTrail's `eventSource`: the endpoint host, `lambda.amazonaws.com`.
    pub event_source: &'a str,
    /// CloudTrail's `eventName`: the operation, without a version suffix.
    pub event_name: &'a str,
    /// The IAM actions the operation authorizes, `service:Action`, at least one.
    pub actions: &'a [&'a str],
}

impl<'a> EventMapping<'a> {
    /// A row over borrowed strings (a table loaded at run time).
    pub const fn new(
        event_source: &'a str,
        event_name: &'a str,
        actions: &'a [&'a str],
    ) -> EventMapping<'a> {
        EventMapping {
            event_source,
            event_name,
            actions,
        }
    }
}

impl EventMapping<'static> {
    /// A row of a static table.
    pub const fn new_static(
        event_source: &'static str,
        event_name: &'static str,
        actions: &'static [&'static str],
    ) -> EventMapping<'static> {
        EventMapping::new(event_source, event_name, actions)
    }
}

/// What the table knows about one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventLookup<'a> {
    /// The actions the event's operation authorizes (never empty).
    Actions(&'a [&'a str]),
    /// No row has this `eventSource`: a service the table does not cover.
    UnknownSource,
    /// The service is covered but no row has this event name, with or without
    /// a version suffix.
    UnknownEvent,
}

/// A borrowed, validated event table: rows sorted by `(event_source,
/// event_name)` byte-wise, without duplicates.
#[derive(Clone, Copy, Debug)]
pub struct EventTable<'a> {
    rows: &'a [EventMapping<'a>],
}

impl<'a> EventTable<'a> {
    /// Checks the order and form of `rows`: sources are lowercase host names,
    /// names are non-empty identifiers, every row has at least one action and
    /// every action is a literal `service:Action`.
    pub fn new(rows: &'a [EventMapping<'a>]) -> Result<EventTable<'a>, Error> {
        for (index, row) in rows.iter().enumerate() {
            let error = |message: String| Error::event_table(index, message);
            if !is_event_source(row.event_source) {
                return Err(error(format!(
                    "`{}` is not an event source (a lowercase host name)",
                    row.event_source.escape_debug()
                )));
            }
            if !is_event_name(row.event_name) {
                return Err(error(format!(
                    "`{}` is not an event name (letters, digits and `_`)",
                    row.event_name.escape_debug()
                )));
            }
            if row.actions.is_empty() {
                return Err(error(format!(
                    "`{}` `{}` authorizes no action",
                    row.event_source, row.event_name
                )));
            }
            for action in row.actions {
                let (service, name) = split_action(action);
                if service.is_empty()
                    || name.is_empty()
                    || !action.contains(':')
                    || action.contains(['*', '?'])
                {
                    return Err(error(format!(
                        "`{}` is not of the form `service:Action`",
                        action.escape_debug()
                    )));
                }
            }
            if index > 0 {
                if let Some(previous) = rows.get(index - 1) {
                    if key_cmp(previous, row.event_source, row.event_name) != Ordering::Less {
                        return Err(error(format!(
                            "`{} {}` does not sort after `{} {}` (rows must be sorted by source, then name, without duplicates)",
                            row.event_source,
                            row.event_name,
                            previous.event_source,
                            previous.event_name
                        )));
                    }
                }
            }
        }
        Ok(EventTable { rows })
    }

    /// A table over rows the caller vouches for (sorted, unique, well formed).
    /// The generated table uses this so that start-up costs nothing; a test
    /// checks the generated rows with [`EventTable::new`]. Wrong order gives
    /// wrong answers, never a panic.
    pub const fn from_sorted_unchecked(rows: &'a [EventMapping<'a>]) -> EventTable<'a> {
        EventTable { rows }
    }

    /// An empty table.
    pub const fn empty() -> EventTable<'static> {
        EventTable { rows: &[] }
    }

    /// All rows, sorted.
    pub fn rows(&self) -> &'a [EventMapping<'a>] {
        self.rows
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows of one event source: a contiguous run, empty when the source is unknown.
    pub fn source_rows(&self, event_source: &str) -> &'a [EventMapping<'a>] {
        let start = self
            .rows
            .partition_point(|row| row.event_source < event_source);
        let rest = self.rows.get(start..).unwrap_or(&[]);
        let len = rest.partition_point(|row| row.event_source == event_source);
        rest.get(..len).unwrap_or(&[])
    }

    /// The row named exactly `event_name` in `event_source`.
    pub fn get(&self, event_source: &str, event_name: &str) -> Option<&'a EventMapping<'a>> {
        let run = self.source_rows(event_source);
        run.binary_search_by(|row| row.event_name.cmp(event_name))
            .ok()
            .and_then(|i| run.get(i))
    }

    /// The actions that the event authorizes. The exact name is tried first,
    /// then the name without an API-version suffix (`GetFunction20150331v2` is
    /// `GetFunction`), so that an operation whose real name ends in digits
    /// is never cut short.
    pub fn lookup(&self, event_source: &str, event_name: &str) -> EventLookup<'a> {
        let run = self.source_rows(event_source);
        if run.is_empty() {
            return EventLookup::UnknownSource;
        }
        let find = |name: &str| {
            run.binary_search_by(|row| row.event_name.cmp(name))
                .ok()
                .and_then(|i| run.get(i))
        };
        let row = find(event_name).or_else(|| strip_version_suffix(event_name).and_then(find));
        match row {
            Some(row) => EventLookup::Actions(row.actions),
            None => EventLookup::UnknownEvent,
        }
    }

    /// The distinct event sources, in order.
    pub fn sources(&self) -> impl Iterator<Item = &'a str> + 'a {
        let rows = self.rows;
        rows.iter().enumerate().filter_map(move |(i, row)| {
            let first = i == 0
                || rows
                    .get(i - 1)
                    .is_none_or(|previous| previous.event_source != row.event_source);
            first.then_some(row.event_source)
        })
    }
}

fn key_cmp(row: &EventMapping<'_>, event_source: &str, event_name: &str) -> Ordering {
    row.event_source
        .cmp(event_source)
        .then_with(|| row.event_name.cmp(event_name))
}

fn is_event_source(s: &str) -> bool {
    !s.is_empty()
        && s.contains('.')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
}

fn is_event_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The event name without the API version that some services append to it,
/// or `None` when it has no such suffix. The shapes are the ones AWS logs:
///
/// - Lambda: the API date, and for later revisions a `v` and a number:
///   `Invoke20150331`, `GetFunction20150331v2`, `ListLayers20181031`;
/// - CloudFront: the API date with underscores: `CreateDistribution2020_05_31`.
///
/// The date must look like one (years 19xx or 20xx, a month and a day in
/// range), and the part before it must end in a letter, so that names such
/// as `ListObjectsV2` or `DescribeInstances` are never cut.
pub(crate) fn strip_version_suffix(event_name: &str) -> Option<&str> {
    let bytes = event_name.as_bytes();
    // Drop a trailing `v<digits>` (Lambda's revisions) before looking for the date.
    let mut end = bytes.len();
    let digits = bytes
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits > 0 && digits < end && bytes.get(end - digits - 1) == Some(&b'v') {
        end -= digits + 1;
    }
    let revision = end != bytes.len();
    let head = bytes.get(..end)?;
    // `YYYYMMDD` (Lambda) or, without a revision, `YYYY_MM_DD` (CloudFront).
    let (date_len, date) = if let Some(date) = head.get(head.len().checked_sub(8)?..) {
        if date.iter().all(u8::is_ascii_digit) {
            (8, [date.get(..4)?, date.get(4..6)?, date.get(6..8)?])
        } else if !revision && head.len() >= 10 {
            let date = head.get(head.len() - 10..)?;
            if date.get(4) != Some(&b'_') || date.get(7) != Some(&b'_') {
                return None;
            }
            (10, [date.get(..4)?, date.get(5..7)?, date.get(8..10)?])
        } else {
            return None;
        }
    } else {
        return None;
    };
    let [year, month, day] = date;
    if !(year.starts_with(b"19") || year.starts_with(b"20"))
        || !in_range(month, 1, 12)
        || !in_range(day, 1, 31)
    {
        return None;
    }
    let stem = event_name.get(..head.len() - date_len)?;
    stem.as_bytes()
        .last()
        .is_some_and(u8::is_ascii_alphabetic)
        .then_some(stem)
}

fn in_range(two_digits: &[u8], low: u8, high: u8) -> bool {
    match two_digits {
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => {
            let value = (a - b'0') * 10 + (b - b'0');
            (low..=high).contains(&value)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;

    const ROWS: &[EventMapping<'static>] = &[
        EventMapping::new_static(
            "cloudfront.amazonaws.com",
            "CreateDistribution",
            &["cloudfront:CreateDistribution"],
        ),
        EventMapping::new_static(
            "lambda.amazonaws.com",
            "GetFunction",
            &["lambda:GetFunction"],
        ),
        EventMapping::new_static("lambda.amazonaws.com", "Invoke", &["lambda:InvokeFunction"]),
        EventMapping::new_static(
            "monitoring.amazonaws.com",
            "PutMetricData",
            &["cloudwatch:PutMetricData"],
        ),
        EventMapping::new_static(
            "s3.amazonaws.com",
            "CopyObject",
            &["s3:GetObject", "s3:PutObject"],
        ),
        EventMapping::new_static("s3.amazonaws.com", "ListObjectsV2", &["s3:ListBucket"]),
    ];

    fn table() -> EventTable<'static> {
        EventTable::new(ROWS).unwrap()
    }

    #[test]
    fn exact_names_map_to_all_their_actions() {
        let table = table();
        assert_eq!(
            table.lookup("s3.amazonaws.com", "ListObjectsV2"),
            EventLookup::Actions(&["s3:ListBucket"])
        );
        assert_eq!(
            table.lookup("s3.amazonaws.com", "CopyObject"),
            EventLookup::Actions(&["s3:GetObject", "s3:PutObject"])
        );
        assert_eq!(
            table.lookup("monitoring.amazonaws.com", "PutMetricData"),
            EventLookup::Actions(&["cloudwatch:PutMetricData"])
        );
    }

    #[test]
    fn unknown_sources_and_events_are_told_apart() {
        let table = table();
        assert_eq!(
            table.lookup("ec2.amazonaws.com", "RunInstances"),
            EventLookup::UnknownSource
        );
        assert_eq!(
            table.lookup("s3.amazonaws.com", "ListObjects"),
            EventLookup::UnknownEvent
        );
        // Names are case-sensitive, as CloudTrail writes them.
        assert_eq!(
            table.lookup("s3.amazonaws.com", "listobjectsv2"),
            EventLookup::UnknownEvent
        );
        assert_eq!(table.lookup("", ""), EventLookup::UnknownSource);
    }

    #[test]
    fn version_suffixes_name_the_operation() {
        let table = table();
        for name in [
            "GetFunction20150331v2",
            "GetFunction20150331",
            "GetFunction20150331v10",
        ] {
            assert_eq!(
                table.lookup("lambda.amazonaws.com", name),
                EventLookup::Actions(&["lambda:GetFunction"]),
                "{name}"
            );
        }
        assert_eq!(
            table.lookup("lambda.amazonaws.com", "Invoke20150331"),
            EventLookup::Actions(&["lambda:InvokeFunction"])
        );
        assert_eq!(
            table.lookup("cloudfront.amazonaws.com", "CreateDistribution2020_05_31"),
            EventLookup::Actions(&["cloudfront:CreateDistribution"])
        );
        assert_eq!(
            table.lookup("cloudfront.amazonaws.com", "CreateDistribution2017_03_25"),
            EventLookup::Actions(&["cloudfront:CreateDistribution"])
        );
        // A suffix on an operation the service does not have is still unknown.
        assert_eq!(
            table.lookup("lambda.amazonaws.com", "DeleteFunction20150331"),
            EventLookup::UnknownEvent
        );
    }

    #[test]
    fn suffix_rule_cuts_only_dates() {
        assert_eq!(
            strip_version_suffix("GetFunction20150331v2"),
            Some("GetFunction")
        );
        assert_eq!(
            strip_version_suffix("ListLayerVersions20181031"),
            Some("ListLayerVersions")
        );
        assert_eq!(
            strip_version_suffix("UpdateDistribution2020_05_31"),
            Some("UpdateDistribution")
        );
        for name in [
            "ListObjectsV2",
            "DescribeInstances",
            "Invoke",
            "20150331",
            "20150331v2",
            "2020_05_31",
            "Get12345678",
            "Get20151331",
            "Get20150332",
            "Get30150331",
            "Get2020_05_31v2",
            "Get2020-05-31",
            "Get20200531v",
            "Getv2",
            "Get0020150331",
            "",
            "v2",
            "é20150331",
        ] {
            assert_eq!(strip_version_suffix(name), None, "{name}");
        }
    }

    #[test]
    fn sources_are_distinct_and_ordered() {
        let table = table();
        assert_eq!(
            table.sources().collect::<Vec<_>>(),
            [
                "cloudfront.amazonaws.com",
                "lambda.amazonaws.com",
                "monitoring.amazonaws.com",
                "s3.amazonaws.com"
            ]
        );
        assert_eq!(table.len(), 6);
        assert_eq!(table.source_rows("lambda.amazonaws.com").len(), 2);
        assert!(EventTable::empty().sources().next().is_none());
        assert_eq!(
            table
                .get("s3.amazonaws.com", "CopyObject")
                .map(|r| r.actions.len()),
            Some(2)
        );
    }

    #[test]
    fn malformed_tables_are_rejected() {
        let unsorted = [ROWS[1], ROWS[0]];
        assert_eq!(
            EventTable::new(&unsorted).unwrap_err().location(),
            Some(&Location::EventRow(1))
        );
        let duplicate = [ROWS[1], ROWS[1]];
        assert_eq!(
            EventTable::new(&duplicate).unwrap_err().location(),
            Some(&Location::EventRow(1))
        );
        let bad = [
            EventMapping::new("S3.amazonaws.com", "GetObject", &["s3:GetObject"]),
            EventMapping::new("s3.amazonaws.com", "Get Object", &["s3:GetObject"]),
            EventMapping::new("s3.amazonaws.com", "GetObject", &[]),
            EventMapping::new("s3.amazonaws.com", "GetObject", &["s3:Get*"]),
            EventMapping::new("s3.amazonaws.com", "GetObject", &["GetObject"]),
            EventMapping::new("s3.amazonaws.com", "", &["s3:GetObject"]),
        ];
        for row in bad {
            assert!(EventTable::new(&[row]).is_err(), "{row:?}");
        }
    }
}
