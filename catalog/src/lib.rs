//! The table of AWS service actions that `pare` knows, generated from AWS's
//! Service Authorization Reference, and the loader for a local copy of that
//! reference.
//!
//! The embedded table costs nothing at start-up: it is a sorted static slice.
//!
//! ```
//! use pare_engine::AccessLevel;
//!
//! let table = pare_catalog::embedded();
//! let get_object = table.get("s3:getobject");
//! assert_eq!(get_object.map(|a| a.access), Some(AccessLevel::READ));
//! assert!(table.with_prefix("s3:Get").len() > 10);
//!
//! let provenance = pare_catalog::provenance();
//! assert_eq!(provenance.action_count, table.len());
//! println!("{} ({:?})", provenance.source, provenance.data_date);
//! ```
//!
//! A copy laid out like the endpoint (`index.json`, `v1/<svc>/<svc>.json`),
//! such as `cargo xtask sync-catalog --mirror DIR` writes, loads with
//! [`load_dir`]:
//!
//! ```no_run
//! # fn main() -> Result<(), pare_catalog::Error> {
//! let catalog = pare_catalog::load_dir("service-reference")?;
//! let table = catalog.table();
//! println!("{} actions from {}", table.len(), catalog.provenance().source);
//! # Ok(())
//! # }
//! ```

use std::borrow::Cow;

use pare_engine::{AccessLevel, ActionTable, EventMapping, EventTable, KnownAction, LookupIndex};

mod error;
pub mod events;
mod events_generated;
mod generated;
mod reference;

pub use error::{Error, ErrorKind};
pub use reference::{
    Catalog, DEFAULT_URL, INDEX_FILE, IndexEntry, Provenance, SOURCE_DESCRIPTION, ServiceActions,
    ServiceInfo, load_dir, load_dir_with, parse_index, parse_service, relative_path, utc_date,
};

// The generated file holds plain tuples, and these statics turn them into
// rows at compile time. A literal array of 20,000 `KnownAction` expressions
// would be simpler, but rustc checks such an array (whose rows have drop glue,
// through `Cow`) in time quadratic in its length: about 4.5 s of CPU for
// today's table against about 1 s this way, and growing with every sync.
static ACTIONS: [KnownAction; generated::ACTION_COUNT] = actions(&generated::ACTIONS);
static SERVICES: [ServiceInfo; generated::SERVICE_COUNT] = services(&generated::SERVICES);

/// Rows from `(name, access bits, last-accessed tracked)` tuples.
#[expect(
    clippy::indexing_slicing,
    reason = "`i < N`, the length of both arrays; this runs at compile time only"
)]
const fn actions<const N: usize>(raw: &[(&'static str, u8, bool); N]) -> [KnownAction; N] {
    let mut rows = [const { KnownAction::new_static("", AccessLevel::READ, false) }; N];
    let mut i = 0;
    while i < N {
        let (name, access, tracked) = raw[i];
        let row = KnownAction::new_static(name, AccessLevel::from_bits(access), tracked);
        // The placeholder borrows a literal; forgetting it is dropping it
        // (and a destructor cannot run at compile time).
        std::mem::forget(std::mem::replace(&mut rows[i], row));
        i += 1;
    }
    rows
}

/// Service entries from `(name, action count, modified)` tuples.
#[expect(
    clippy::indexing_slicing,
    reason = "`i < N`, the length of both arrays; this runs at compile time only"
)]
const fn services<const N: usize>(
    raw: &[(&'static str, usize, Option<u64>); N],
) -> [ServiceInfo; N] {
    let mut rows = [const { ServiceInfo::new_static("", 0, None) }; N];
    let mut i = 0;
    while i < N {
        let (name, action_count, modified) = raw[i];
        let row = ServiceInfo::new_static(name, action_count, modified);
        std::mem::forget(std::mem::replace(&mut rows[i], row));
        i += 1;
    }
    rows
}

static EVENTS: std::sync::OnceLock<Vec<EventMapping<'static>>> = std::sync::OnceLock::new();
static EVENT_ACTIONS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();

/// The event rows, split at first use out of the generated string, one line
/// per event, `eventSource eventName action…`. A static array of `&str`
/// would cost the loader three relocations per row at every start of `pare`
/// (62,139: about 1 ms of CPU and 2.4 MB of resident memory, whether or not
/// the command reads CloudTrail events), and a literal slice per row would
/// make rustc spend about 20 s type-checking the table.
fn event_rows() -> &'static [EventMapping<'static>] {
    EVENTS.get_or_init(|| {
        let mut rows = Vec::with_capacity(events_generated::EVENT_COUNT);
        let mut counts = Vec::with_capacity(events_generated::EVENT_COUNT);
        let flat = EVENT_ACTIONS.get_or_init(|| {
            let mut flat = Vec::new();
            for_each_line(events_generated::EVENTS, |fields| {
                // A line of fewer than three fields makes a row that
                // `EventTable::new` rejects, which a test runs.
                let (source, name, actions) = match fields {
                    [source, name, actions @ ..] => (*source, *name, actions),
                    _ => ("", "", &[][..]),
                };
                rows.push(EventMapping::new_static(source, name, &[]));
                counts.push(actions.len());
                flat.extend_from_slice(actions);
            });
            flat
        });
        // Each row's actions, now that they have their final place.
        let mut start = 0;
        for (row, len) in rows.iter_mut().zip(counts) {
            row.actions = flat.get(start..start + len).unwrap_or(&[]);
            start += len;
        }
        rows
    })
}

/// Calls `line` with the space-separated fields of each line of `text` (which
/// ends with a newline). A plain loop over the bytes: `str::lines` and
/// `str::split`, a searcher set up for every field of a few bytes, made
/// `pare usage` 1.4 ms slower than building the rows from static tuples.
fn for_each_line(text: &'static str, mut line: impl FnMut(&[&'static str])) {
    let mut fields = Vec::with_capacity(8);
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        if byte == b' ' || byte == b'\n' {
            // Both are ASCII, so `start..i` falls on character boundaries.
            fields.push(text.get(start..i).unwrap_or(""));
            start = i + 1;
            if byte == b'\n' {
                line(&fields);
                fields.clear();
            }
        }
    }
}

static EMBEDDED_PROVENANCE: Provenance = Provenance {
    source: Cow::Borrowed(generated::SOURCE),
    data_date: match generated::DATA_DATE {
        Some(date) => Some(Cow::Borrowed(date)),
        None => None,
    },
    service_count: generated::SERVICE_COUNT,
    action_count: generated::ACTION_COUNT,
    services: Cow::Borrowed(&SERVICES),
};

/// The table compiled into `pare`, generated by `cargo xtask sync-catalog`.
pub fn embedded() -> ActionTable<'static> {
    // A test checks these rows with `ActionTable::new`; checking them again at
    // every start-up would cost time for nothing.
    ActionTable::from_sorted_unchecked(&ACTIONS).with_lookup(&LOOKUP)
}

/// The embedded table's hash index, built once a run has looked up enough names.
static LOOKUP: LookupIndex = LookupIndex::new();

/// Where the embedded table came from and what it holds.
pub fn provenance() -> &'static Provenance {
    &EMBEDDED_PROVENANCE
}

/// The CloudTrail event table compiled into `pare`: each event's IAM actions,
/// generated by `cargo xtask sync-catalog` from the same reference as
/// [`embedded`] and the AWS SDK's service metadata.
///
/// ```
/// use pare_engine::EventLookup;
///
/// let events = pare_catalog::events();
/// assert!(matches!(
///     events.lookup("s3.amazonaws.com", "ListObjectsV2"),
///     EventLookup::Actions(actions) if actions.contains(&"s3:ListBucket")
/// ));
/// assert!(matches!(
///     events.lookup("monitoring.amazonaws.com", "PutMetricData"),
///     EventLookup::Actions(["cloudwatch:PutMetricData"])
/// ));
/// println!("{}", pare_catalog::event_provenance().sdk);
/// ```
pub fn events() -> EventTable<'static> {
    // A test checks these rows with `EventTable::new`.
    EventTable::from_sorted_unchecked(event_rows())
}

/// Where the embedded event table came from and what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventProvenance {
    /// The reference the operations came from ([`SOURCE_DESCRIPTION`]).
    pub reference: &'static str,
    /// The reference's data date, as [`Provenance::data_date`].
    pub reference_date: Option<&'static str>,
    /// The SDK metadata the event sources came from: `botocore 1.44.8`.
    pub sdk: &'static str,
    /// The SHA-256 of the SDK's wheel, hex.
    pub sdk_sha256: &'static str,
    /// The number of distinct event sources.
    pub source_count: usize,
    /// The number of events (rows).
    pub event_count: usize,
}

/// Where the embedded event table came from.
pub fn event_provenance() -> EventProvenance {
    EventProvenance {
        reference: events_generated::REFERENCE,
        reference_date: events_generated::REFERENCE_DATE,
        sdk: events_generated::SDK,
        sdk_sha256: events_generated::SDK_SHA256,
        source_count: events_generated::SOURCE_COUNT,
        event_count: events_generated::EVENT_COUNT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_rows_are_a_valid_table() {
        let table = ActionTable::new(&ACTIONS).unwrap();
        assert_eq!(table.len(), embedded().len());
    }

    #[test]
    fn embedded_event_rows_are_a_valid_table() {
        let table = EventTable::new(event_rows()).unwrap();
        assert_eq!(table.len(), events().len());
        let p = event_provenance();
        assert_eq!(p.event_count, table.len());
        // Every line became one row, with every action of its line: a line
        // split wrong would leave a row with no action or a field too many.
        assert_eq!(events_generated::EVENTS.lines().count(), table.len());
        assert!(events_generated::EVENTS.ends_with('\n'));
        let actions: usize = table.rows().iter().map(|row| row.actions.len()).sum();
        let words = events_generated::EVENTS.split_ascii_whitespace().count();
        assert_eq!(words, 2 * table.len() + actions);
        assert_eq!(p.source_count, table.sources().count());
        assert_eq!(p.reference, SOURCE_DESCRIPTION);
        assert_eq!(p.reference_date, provenance().data_date.as_deref());
    }

    /// Every action an event maps to is in the action catalog: a generator
    /// that let one through would count as used an action pare cannot see.
    #[test]
    fn every_event_action_is_in_the_action_catalog() {
        let actions = embedded();
        let mut missing = Vec::new();
        for row in events().rows() {
            for action in row.actions {
                if actions
                    .get(action)
                    .is_none_or(|known| known.name != *action)
                {
                    missing.push(format!("{} {} {action}", row.event_source, row.event_name));
                }
            }
        }
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn provenance_counts_match_the_rows() {
        let p = provenance();
        assert_eq!(p.action_count, embedded().len());
        assert_eq!(p.service_count, p.services.len());
        assert_eq!(
            p.services.iter().map(|s| s.action_count).sum::<usize>(),
            p.action_count
        );
        let listed: Vec<&str> = p.services.iter().map(|s| s.name.as_ref()).collect();
        let mut sorted = listed.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(listed, sorted);
        // Every service with actions shows up in the table and vice versa.
        let with_actions: Vec<&str> = p
            .services
            .iter()
            .filter(|s| s.action_count > 0)
            .map(|s| s.name.as_ref())
            .collect();
        let mut in_table = embedded().services();
        in_table.sort_unstable();
        assert_eq!(in_table, with_actions);
        for service in p.services.iter() {
            let rows = embedded().with_prefix(&format!("{}:", service.name));
            assert_eq!(rows.len(), service.action_count, "{}", service.name);
        }
        let newest = p.services.iter().filter_map(|s| s.modified).max();
        assert_eq!(p.data_date.as_deref(), newest.map(utc_date).as_deref());
        assert_eq!(p.source, SOURCE_DESCRIPTION);
    }
}
