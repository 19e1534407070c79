//! Where "unused" comes from: Access Analyzer findings, IAM's last-accessed
//! data, or a list of the actions a workload was seen to use.
//!
//! Each source turns into the same [`UnusedSet`] that [`crate::refine()`] reads,
//! plus a [`SourceReport`] that says what was inferred and what was kept on
//! purpose. The danger this module guards against is mistaking "not tracked"
//! for "not used": IAM records action-level last access only for some actions,
//! and some permissions (`iam:PassRole` is the classic one) are never an API
//! call of their own, so no log ever shows them. Such actions are never
//! inferred unused from last-accessed data at the action level, nor from a
//! used-list: they stay granted, and the report counts them. A service that
//! was never called at all is the one case where untracked actions go:
//! service-level data counts every request to the service, whichever action
//! it was for (its permission-only actions still stay).
//!
//! Pure like the rest of the engine: the reference date is a parameter
//! ([`Window`]), never read from a clock.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, Location};
use crate::json;
use crate::known::Known;
use crate::pattern::Pattern;
use crate::policy::{ActionKey, Effect, Policy, join, kind};
use crate::table::{ActionTable, split_action};
use crate::unused::{UnusedSet, is_action_name, is_service_name};

// ---------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------

/// Seconds in a day: IAM's windows are counted in whole days of 86,400 seconds.
const DAY: i64 = 86_400;

/// An instant, to the nanosecond, as Unix time (UTC; leap seconds are not counted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
}

impl Timestamp {
    /// The instant `secs` seconds after 1970-01-01T00:00:00Z.
    pub const fn from_unix(secs: i64) -> Timestamp {
        Timestamp { secs, nanos: 0 }
    }

    /// Whole seconds since 1970-01-01T00:00:00Z (rounded down).
    pub const fn unix_seconds(self) -> i64 {
        self.secs
    }

    /// Reads an ISO 8601 / RFC 3339 date (`2026-06-10`, midnight UTC) or
    /// date-time with a UTC offset (`2026-06-10T08:15:30Z`,
    /// `2026-06-10T08:15:30.123+02:00`). A date-time without an offset is an
    /// error: a local time names no single instant.
    pub fn parse(text: &str) -> Result<Timestamp, Error> {
        parse_timestamp(text.trim()).map_err(|reason| Error {
            kind: ErrorKind::Text,
            location: None,
            message: format!("`{text}` is not an ISO 8601 date or date-time: {reason}"),
        })
    }

    /// The instant `days` whole days earlier.
    pub fn minus_days(self, days: u32) -> Timestamp {
        Timestamp {
            secs: self
                .secs
                .saturating_sub(i64::from(days).saturating_mul(DAY)),
            nanos: self.nanos,
        }
    }

    /// The UTC calendar date, `YYYY-MM-DD`.
    pub fn date(self) -> String {
        let (y, m, d) = civil_from_days(self.secs.div_euclid(DAY));
        format!("{y:04}-{m:02}-{d:02}")
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC: `2026-06-10T08:15:30Z`, with a fraction only when there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let second_of_day = self.secs.rem_euclid(DAY);
        let (h, mi, s) = (
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60,
        );
        write!(f, "{}T{h:02}:{mi:02}:{s:02}", self.date())?;
        if self.nanos > 0 {
            let fraction = format!("{:09}", self.nanos);
            write!(f, ".{}", fraction.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`), exact for every year this parser accepts.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are in range by construction (1..=31 and 1..=12).
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A cursor over the bytes of a timestamp.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// Exactly `n` ASCII digits.
    fn digits(&mut self, n: usize, what: &str) -> Result<u32, String> {
        let mut value = 0u32;
        for _ in 0..n {
            match self.peek() {
                Some(b @ b'0'..=b'9') => {
                    value = value * 10 + u32::from(b - b'0');
                    self.at += 1;
                }
                _ => return Err(format!("expected {n} digits for the {what}")),
            }
        }
        Ok(value)
    }
}

fn parse_timestamp(text: &str) -> Result<Timestamp, String> {
    let mut c = Cursor {
        bytes: text.as_bytes(),
        at: 0,
    };
    let year = i64::from(c.digits(4, "year")?);
    if !c.eat(b'-') {
        return Err("expected `YYYY-MM-DD`".to_string());
    }
    let month = c.digits(2, "month")?;
    if !c.eat(b'-') {
        return Err("expected `YYYY-MM-DD`".to_string());
    }
    let day = c.digits(2, "day")?;
    if !(1..=12).contains(&month) {
        return Err(format!("month {month} does not exist"));
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(format!("day {day} does not exist in {year:04}-{month:02}"));
    }
    let days = days_from_civil(year, month, day);
    if c.peek().is_none() {
        return Ok(Timestamp::from_unix(days * DAY));
    }
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return Err("expected `T` between the date and the time".to_string());
    }
    let hour = c.digits(2, "hour")?;
    if !c.eat(b':') {
        return Err("expected `HH:MM` after the date".to_string());
    }
    let minute = c.digits(2, "minute")?;
    let second = if c.eat(b':') {
        c.digits(2, "second")?
    } else {
        0
    };
    // RFC 3339 allows a leap second (`:60`); Unix time folds it into the next second.
    if hour > 23 || minute > 59 || second > 60 {
        return Err(format!(
            "{hour:02}:{minute:02}:{second:02} is not a time of day"
        ));
    }
    let mut nanos = 0u32;
    if c.eat(b'.') || c.eat(b',') {
        let mut count = 0;
        while let Some(b @ b'0'..=b'9') = c.peek() {
            // Digits beyond nanoseconds cannot change the comparison at one-second windows.
            if count < 9 {
                nanos = nanos * 10 + u32::from(b - b'0');
            }
            count += 1;
            c.at += 1;
        }
        if count == 0 {
            return Err("expected digits after the decimal point".to_string());
        }
        for _ in count..9 {
            nanos *= 10;
        }
    }
    let offset = match c.peek() {
        Some(b'Z' | b'z') => {
            c.at += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            c.at += 1;
            let oh = c.digits(2, "offset hours")?;
            let om = if c.eat(b':') || c.peek().is_some() {
                c.digits(2, "offset minutes")?
            } else {
                0
            };
            if oh > 23 || om > 59 {
                return Err("the UTC offset is out of range".to_string());
            }
            let minutes = i64::from(oh * 60 + om);
            if sign == b'+' { minutes } else { -minutes }
        }
        None => return Err("the time has no UTC offset (add `Z` for UTC)".to_string()),
        Some(_) => return Err("expected `Z` or a UTC offset such as `+00:00`".to_string()),
    };
    if c.peek().is_some() {
        return Err("unexpected characters at the end".to_string());
    }
    let secs = days * DAY + i64::from(hour * 3600 + minute * 60 + second) - offset * 60;
    Ok(Timestamp { secs, nanos })
}

/// The `--unused-since DAYS` window: an action last accessed more than `days`
/// days before `as_of` counts as unused.
///
/// The boundary is exact to the nanosecond: last accessed exactly `days` days
/// before `as_of` is used; one second (or one nanosecond) earlier is unused.
/// An access after `as_of` is used. A missing timestamp means never used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// The reference instant (the CLI's `--as-of`, or now).
    pub as_of: Timestamp,
    /// The window length in days.
    pub days: u32,
}

impl Window {
    /// The earliest instant that still counts as recent use.
    pub fn cutoff(&self) -> Timestamp {
        self.as_of.minus_days(self.days)
    }

    /// Whether an access at `last` counts as use within the window.
    pub fn is_recent(&self, last: Timestamp) -> bool {
        last >= self.cutoff()
    }
}

/// How old a catalog may be, in days before the reference date, before `pare` warns.
pub const CATALOG_MAX_AGE_DAYS: u32 = 90;

/// How many days the catalog's data date (`YYYY-MM-DD`) lies before the UTC
/// date of `as_of`, when that is more than [`CATALOG_MAX_AGE_DAYS`]. Both are
/// calendar dates, so the answer does not change during a day: a catalog
/// dated exactly 90 days before is not stale, one dated 91 days before is.
pub fn catalog_staleness(data_date: &str, as_of: Timestamp) -> Result<Option<i64>, Error> {
    let date = Timestamp::parse(data_date)?;
    let days = as_of.secs.div_euclid(DAY) - date.secs.div_euclid(DAY);
    Ok((days > i64::from(CATALOG_MAX_AGE_DAYS)).then_some(days))
}

// ---------------------------------------------------------------------------
// Permission-only actions
// ---------------------------------------------------------------------------

/// Actions that are permissions only: no API operation of their own, checked
/// while some other request is authorized. No log of API calls shows them and
/// IAM's last-accessed data does not track them, so no source of observed
/// usage can say they are unused; they always stay granted.
///
/// Each is untracked in the Service Authorization Reference
/// (`SupportedBy."IAM Action Last Accessed": false`) and named by no
/// operation of its own service (the reference's `Operations`); the list holds
/// them here as well so that a catalog that misses the flag cannot remove them.
/// The list is short on purpose: it names the permissions teams actually
/// grant to workloads, not every authorization-only action.
pub const PERMISSION_ONLY: &[(&str, &str)] = &[
    (
        "dynamodb:ConditionCheckItem",
        "checked for a condition check inside `TransactWriteItems`",
    ),
    (
        "elasticfilesystem:ClientMount",
        "checked by the file system when an NFS client mounts it",
    ),
    (
        "elasticfilesystem:ClientRootAccess",
        "checked by the file system for root access from an NFS client",
    ),
    (
        "elasticfilesystem:ClientWrite",
        "checked by the file system when an NFS client writes",
    ),
    (
        "execute-api:Invoke",
        "checked when your API Gateway API is called, not an AWS API call",
    ),
    (
        "iam:PassRole",
        "checked when a role is handed to another service (`ec2:RunInstances`, `lambda:CreateFunction`, ...)",
    ),
    (
        "rds-db:connect",
        "checked by the database for IAM database authentication",
    ),
    (
        "s3:BypassGovernanceRetention",
        "checked for a header of `DeleteObject` and `PutObjectRetention`",
    ),
    (
        "sts:SetContext",
        "checked inside `AssumeRole` when context is passed",
    ),
    (
        "sts:SetSourceIdentity",
        "checked inside `AssumeRole*` when a source identity is set",
    ),
    (
        "sts:TagSession",
        "checked inside `AssumeRole*` and `GetFederationToken` when session tags are passed",
    ),
];

/// Whether `action` is one of the [`PERMISSION_ONLY`] actions (case-insensitively).
pub fn is_permission_only(action: &str) -> bool {
    PERMISSION_ONLY
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case(action))
}

// ---------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------

/// Which source an inference came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Access Analyzer unused-access findings (`--unused`).
    Findings,
    /// `aws iam get-service-last-accessed-details` output (`--last-accessed`).
    LastAccessed,
    /// The actions a workload was seen to use (`--used`).
    UsedList,
}

impl Source {
    /// How the report names it.
    pub fn describe(self) -> &'static str {
        match self {
            Source::Findings => "access analyzer findings",
            Source::LastAccessed => "iam last-accessed data",
            Source::UsedList => "used-action list",
        }
    }
}

/// A wildcard entry that survives only because of actions kept on purpose:
/// every other action it grants is unused, so without them it would be removed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeptAlive {
    /// The policy's index among the policies the source was given (always 0
    /// for `pare refine`, which gives one).
    pub policy: usize,
    /// The statement's index in the policy.
    pub statement: usize,
    /// The wildcard entry as written.
    pub entry: String,
    /// The untracked or permission-only actions it still grants.
    pub kept: Vec<String>,
}

/// What one source implied, for the user to check.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceReport {
    /// The source.
    pub source: Source,
    /// Services inferred wholly unused (never used, or not within the window).
    pub services_never_used: Vec<String>,
    /// Actions inferred unused one by one, sorted.
    pub actions_unused: Vec<String>,
    /// Granted actions whose use this source cannot see (IAM does not track
    /// their last access, or the catalog does not know them): kept granted.
    pub untracked_kept: Vec<String>,
    /// Granted [`PERMISSION_ONLY`] actions: kept granted.
    pub permission_only_kept: Vec<String>,
    /// Wildcard entries kept only because of the kept actions above.
    pub wildcards_kept_alive: Vec<KeptAlive>,
    /// Findings entries used within `--unused-since` days, so no longer unused.
    pub recently_used: Vec<String>,
    /// Anything else worth knowing, one sentence each.
    pub notes: Vec<String>,
}

impl SourceReport {
    fn new(source: Source) -> SourceReport {
        SourceReport {
            source,
            services_never_used: Vec::new(),
            actions_unused: Vec::new(),
            untracked_kept: Vec::new(),
            permission_only_kept: Vec::new(),
            wildcards_kept_alive: Vec::new(),
            recently_used: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// How many distinct kept actions (untracked or permission-only) keep a wildcard alive.
    pub fn actions_keeping_wildcards(&self) -> usize {
        self.wildcards_kept_alive
            .iter()
            .flat_map(|k| k.kept.iter().map(|a| a.to_ascii_lowercase()))
            .collect::<BTreeSet<String>>()
            .len()
    }

    /// One line per fact, for a terminal: what was inferred and what was kept.
    pub fn summary_lines(&self) -> Vec<String> {
        self.summary_lines_naming(&[])
    }

    /// [`SourceReport::summary_lines`], naming the policy of each kept-alive
    /// wildcard by `policy_names` (in the order the policies were given) when
    /// there are several.
    pub fn summary_lines_naming(&self, policy_names: &[String]) -> Vec<String> {
        let mut lines = Vec::new();
        let source = self.source.describe();
        let list = |items: &[String]| -> String {
            const SHOWN: usize = 8;
            let mut text = items
                .iter()
                .take(SHOWN)
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ");
            if items.len() > SHOWN {
                text.push_str(&format!(", and {} more", items.len() - SHOWN));
            }
            text
        };
        if !self.services_never_used.is_empty() {
            lines.push(format!(
                "{source}: {} service(s) never used: {}",
                self.services_never_used.len(),
                list(&self.services_never_used)
            ));
        }
        if !self.actions_unused.is_empty() || self.services_never_used.is_empty() {
            lines.push(format!(
                "{source}: {} action(s) unused{}",
                self.actions_unused.len(),
                if self.actions_unused.is_empty() {
                    String::new()
                } else {
                    format!(": {}", list(&self.actions_unused))
                }
            ));
        }
        if !self.recently_used.is_empty() {
            lines.push(format!(
                "{source}: {} finding entr(ies) used within the window, kept: {}",
                self.recently_used.len(),
                list(&self.recently_used)
            ));
        }
        if !self.untracked_kept.is_empty() {
            lines.push(format!(
                "{source}: {} granted action(s) kept because their use is not tracked: {}",
                self.untracked_kept.len(),
                list(&self.untracked_kept)
            ));
        }
        if !self.permission_only_kept.is_empty() {
            lines.push(format!(
                "{source}: {} permission-only action(s) kept (never logged as calls): {}",
                self.permission_only_kept.len(),
                list(&self.permission_only_kept)
            ));
        }
        if !self.wildcards_kept_alive.is_empty() {
            let entries: Vec<String> = self
                .wildcards_kept_alive
                .iter()
                .map(|k| match policy_names.get(k.policy) {
                    Some(name) if policy_names.len() > 1 => {
                        format!("{name} Statement[{}] {}", k.statement, k.entry)
                    }
                    _ => format!("Statement[{}] {}", k.statement, k.entry),
                })
                .collect();
            lines.push(format!(
                "{source}: {} kept action(s) keep {} wildcard(s) alive that would otherwise be removed: {}",
                self.actions_keeping_wildcards(),
                self.wildcards_kept_alive.len(),
                list(&entries)
            ));
        }
        for note in &self.notes {
            lines.push(format!("{source}: {note}"));
        }
        lines
    }
}

/// A source turned into an unused set, with what it implied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inference {
    /// The unused set to refine against.
    pub unused: UnusedSet,
    /// What was inferred and kept.
    pub report: SourceReport,
}

// ---------------------------------------------------------------------------
// What a set of policies grants
// ---------------------------------------------------------------------------

/// The known actions one Allow entry (or a NotAction statement) grants.
struct EntryGrant {
    policy: usize,
    statement: usize,
    entry: String,
    wildcard: bool,
    actions: Vec<String>,
}

/// Every known action the Allow statements of `policies` grant, per entry.
fn grants(policies: &[&Policy], known: &Known<'_>) -> Vec<EntryGrant> {
    let mut out = Vec::new();
    for (policy_index, policy) in policies.iter().enumerate() {
        for (index, statement) in policy.statements().iter().enumerate() {
            if statement.effect() != Effect::Allow {
                continue;
            }
            let patterns: Vec<Pattern> = statement
                .entries()
                .iter()
                .map(|e| Pattern::new(e))
                .collect();
            match statement.key() {
                ActionKey::Action => {
                    for pattern in patterns {
                        let actions = known
                            .with_prefix(pattern.literal_prefix())
                            .into_iter()
                            .filter(|a| pattern.matches(a))
                            .map(str::to_string)
                            .collect();
                        out.push(EntryGrant {
                            policy: policy_index,
                            statement: index,
                            entry: pattern.as_str().to_string(),
                            wildcard: !pattern.is_literal(),
                            actions,
                        });
                    }
                }
                ActionKey::NotAction => {
                    let actions = known
                        .all()
                        .into_iter()
                        .filter(|a| !patterns.iter().any(|p| p.matches(a)))
                        .map(str::to_string)
                        .collect();
                    out.push(EntryGrant {
                        policy: policy_index,
                        statement: index,
                        entry: "NotAction".to_string(),
                        wildcard: false,
                        actions,
                    });
                }
            }
        }
    }
    out
}

/// The granted actions, deduplicated case-insensitively, sorted.
fn granted_set(grants: &[EntryGrant]) -> BTreeMap<String, String> {
    let mut set = BTreeMap::new();
    for grant in grants {
        for action in &grant.actions {
            set.entry(action.to_ascii_lowercase())
                .or_insert_with(|| action.clone());
        }
    }
    set
}

/// The wildcard entries that stay only because of `kept` (lowercased names).
fn kept_alive(
    grants: &[EntryGrant],
    unused: &UnusedSet,
    kept: &BTreeSet<String>,
) -> Vec<KeptAlive> {
    let mut out = Vec::new();
    for grant in grants.iter().filter(|g| g.wildcard) {
        let held: Vec<String> = grant
            .actions
            .iter()
            .filter(|a| kept.contains(&a.to_ascii_lowercase()))
            .cloned()
            .collect();
        let rest_unused = grant
            .actions
            .iter()
            .filter(|a| !kept.contains(&a.to_ascii_lowercase()))
            .all(|a| unused.contains(a));
        if !held.is_empty() && rest_unused {
            out.push(KeptAlive {
                policy: grant.policy,
                statement: grant.statement,
                entry: grant.entry.clone(),
                kept: held,
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Access Analyzer findings
// ---------------------------------------------------------------------------

/// Access Analyzer findings as a source: taken as they are, or, with a
/// window, without the entries whose `lastAccessed` falls within it (a
/// finding's own window may be longer than the one the user wants).
///
/// Findings say nothing about tracking: Access Analyzer decided what is
/// unused, so nothing is kept here on the strength of the catalog.
pub fn from_findings(unused: &UnusedSet, window: Option<&Window>) -> Result<Inference, Error> {
    let mut report = SourceReport::new(Source::Findings);
    let mut kept = UnusedSet::new();
    let recent = |last: Option<&str>, subject: &str| -> Result<bool, Error> {
        match (window, last) {
            (Some(window), Some(text)) => {
                let at = Timestamp::parse(text).map_err(|e| Error {
                    message: format!("`lastAccessed` of `{subject}`: {}", e.message),
                    ..e
                })?;
                Ok(window.is_recent(at))
            }
            // A missing timestamp means never used; without a window, findings stand.
            _ => Ok(false),
        }
    };
    for service in unused.services() {
        if recent(service.last_accessed.as_deref(), &service.name)? {
            report.recently_used.push(format!("{}:*", service.name));
        } else {
            kept.insert_service(&service.name, service.last_accessed.clone());
            report.services_never_used.push(service.name.clone());
        }
    }
    for action in unused.actions() {
        if recent(action.last_accessed.as_deref(), &action.name)? {
            report.recently_used.push(action.name.to_string());
        } else {
            kept.insert(action.clone());
            report.actions_unused.push(action.name.to_string());
        }
    }
    if let Some(window) = window {
        report.notes.push(format!(
            "unused means not accessed since {} ({} day(s) before {})",
            window.cutoff(),
            window.days,
            window.as_of
        ));
    }
    finish(&mut report);
    Ok(Inference {
        unused: kept,
        report,
    })
}

// ---------------------------------------------------------------------------
// IAM last-accessed data
// ---------------------------------------------------------------------------

/// One tracked action of a `TrackedActionsLastAccessed` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackedAction {
    /// `ActionName`, as IAM spells it (without the service prefix).
    pub name: String,
    /// `LastAccessedTime`; absent when never used within IAM's tracking period.
    pub last_accessed: Option<Timestamp>,
}

/// One element of `ServicesLastAccessed`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceLastAccessed {
    /// `ServiceNamespace`, lowercased.
    pub namespace: String,
    /// `LastAuthenticated`; absent when never used within IAM's tracking period.
    pub last_authenticated: Option<Timestamp>,
    /// `TotalAuthenticatedEntities`, when present.
    pub total_authenticated_entities: Option<u64>,
    /// `TrackedActionsLastAccessed`; absent for services without action-level
    /// tracking and for jobs generated at `SERVICE_LEVEL`.
    pub tracked_actions: Option<Vec<TrackedAction>>,
}

/// The output of `aws iam get-service-last-accessed-details` for a completed job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastAccessed {
    /// `JobType` (`SERVICE_LEVEL` or `ACTION_LEVEL`), when present.
    pub job_type: Option<String>,
    /// `JobCompletionDate`, when present.
    pub job_completion_date: Option<Timestamp>,
    /// `IsTruncated`: the report holds only the first page of services.
    pub is_truncated: bool,
    /// The services, in the order of the file.
    pub services: Vec<ServiceLastAccessed>,
}

impl LastAccessed {
    /// Reads the JSON that `get-service-last-accessed-details` prints. Unknown
    /// fields are ignored; a job that is not `COMPLETED` is an error.
    pub fn parse(text: &str) -> Result<LastAccessed, Error> {
        let value = json::parse(text)?;
        let Value::Object(object) = value else {
            return Err(Error::shape(
                "",
                format!(
                    "expected the output of `aws iam get-service-last-accessed-details`, found {}",
                    kind(&value)
                ),
            ));
        };
        if let Some(status) = object.get("JobStatus") {
            match status {
                Value::String(s) if s == "COMPLETED" => {}
                Value::String(s) => {
                    let detail = object
                        .get("Error")
                        .and_then(|e| e.get("Message"))
                        .and_then(Value::as_str)
                        .map(|m| format!(" ({m})"))
                        .unwrap_or_default();
                    return Err(Error::shape(
                        "JobStatus",
                        format!(
                            "the last-accessed job is `{s}`{detail}, not `COMPLETED`: wait for it to finish and fetch the details again"
                        ),
                    ));
                }
                other => {
                    return Err(Error::shape(
                        "JobStatus",
                        format!("`JobStatus` must be a string, found {}", kind(other)),
                    ));
                }
            }
        }
        let job_type = crate::unused::optional_string(&object, "JobType", "")?;
        let job_completion_date = optional_time(&object, "JobCompletionDate", "")?;
        let is_truncated = match object.get("IsTruncated") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                return Err(Error::shape(
                    "IsTruncated",
                    format!("`IsTruncated` must be a boolean, found {}", kind(other)),
                ));
            }
        };
        let items = match object.get("ServicesLastAccessed") {
            Some(Value::Array(items)) => items,
            Some(other) => {
                return Err(Error::shape(
                    "ServicesLastAccessed",
                    format!(
                        "`ServicesLastAccessed` must be an array, found {}",
                        kind(other)
                    ),
                ));
            }
            None => {
                return Err(Error::shape(
                    "",
                    "no `ServicesLastAccessed`: expected the output of `aws iam get-service-last-accessed-details`",
                ));
            }
        };
        let mut services = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("ServicesLastAccessed[{i}]");
            let Value::Object(entry) = item else {
                return Err(Error::shape(
                    path,
                    format!("a service entry must be an object, found {}", kind(item)),
                ));
            };
            let namespace = match entry.get("ServiceNamespace") {
                Some(Value::String(s)) if is_service_name(s) => s.to_ascii_lowercase(),
                Some(Value::String(s)) => {
                    return Err(Error::shape(
                        join(&path, "ServiceNamespace"),
                        format!("`{s}` is not a service prefix"),
                    ));
                }
                Some(other) => {
                    return Err(Error::shape(
                        join(&path, "ServiceNamespace"),
                        format!("`ServiceNamespace` must be a string, found {}", kind(other)),
                    ));
                }
                None => return Err(Error::shape(path, "the entry has no `ServiceNamespace`")),
            };
            let last_authenticated = optional_time(entry, "LastAuthenticated", &path)?;
            let total_authenticated_entities = match entry.get("TotalAuthenticatedEntities") {
                None | Some(Value::Null) => None,
                Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64(),
                Some(other) => {
                    return Err(Error::shape(
                        join(&path, "TotalAuthenticatedEntities"),
                        format!("expected a whole number, found {}", kind(other)),
                    ));
                }
            };
            let tracked_actions = match entry.get("TrackedActionsLastAccessed") {
                None | Some(Value::Null) => None,
                Some(Value::Array(actions)) => {
                    let mut tracked = Vec::with_capacity(actions.len());
                    for (j, action) in actions.iter().enumerate() {
                        let action_path =
                            format!("{}[{j}]", join(&path, "TrackedActionsLastAccessed"));
                        let Value::Object(action) = action else {
                            return Err(Error::shape(
                                action_path,
                                format!(
                                    "a tracked action must be an object, found {}",
                                    kind(action)
                                ),
                            ));
                        };
                        let Some(raw) =
                            crate::unused::optional_string(action, "ActionName", &action_path)?
                        else {
                            return Err(Error::shape(action_path, "the entry has no `ActionName`"));
                        };
                        let name = match raw.split_once(':') {
                            Some((prefix, name)) if prefix.eq_ignore_ascii_case(&namespace) => {
                                name.to_string()
                            }
                            Some((prefix, _)) => {
                                return Err(Error::shape(
                                    join(&action_path, "ActionName"),
                                    format!(
                                        "`{raw}` has the prefix `{prefix}`, but the entry is for `{namespace}`"
                                    ),
                                ));
                            }
                            None => raw.clone(),
                        };
                        if !is_action_name(&name) {
                            return Err(Error::shape(
                                join(&action_path, "ActionName"),
                                format!("`{raw}` is not an action name"),
                            ));
                        }
                        tracked.push(TrackedAction {
                            name,
                            last_accessed: optional_time(action, "LastAccessedTime", &action_path)?,
                        });
                    }
                    Some(tracked)
                }
                Some(other) => {
                    return Err(Error::shape(
                        join(&path, "TrackedActionsLastAccessed"),
                        format!("expected an array, found {}", kind(other)),
                    ));
                }
            };
            services.push(ServiceLastAccessed {
                namespace,
                last_authenticated,
                total_authenticated_entities,
                tracked_actions,
            });
        }
        Ok(LastAccessed {
            job_type,
            job_completion_date,
            is_truncated,
            services,
        })
    }
}

fn optional_time(
    object: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<Timestamp>, Error> {
    match crate::unused::optional_string(object, key, path)? {
        None => Ok(None),
        Some(text) => Timestamp::parse(&text).map(Some).map_err(|e| Error {
            kind: ErrorKind::Shape,
            location: Some(Location::Path(join(path, key))),
            message: e.message,
        }),
    }
}

/// The first eight of `names`, backticked, for a note that gives the count beside it.
fn first_few(names: &[&str]) -> String {
    names
        .iter()
        .take(8)
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Keeps a granted action that no log can show unused: a permission-only
/// action, or one IAM does not track for last access (an action the catalog
/// does not know counts as untracked). Says so in the report; `true` when kept.
fn keep_unobservable(
    lower: &str,
    name: &str,
    table: ActionTable<'_>,
    report: &mut SourceReport,
    kept: &mut BTreeSet<String>,
) -> bool {
    let kept_list = if is_permission_only(lower) {
        &mut report.permission_only_kept
    } else if !table
        .get(lower)
        .is_some_and(|row| row.last_accessed_tracked)
    {
        &mut report.untracked_kept
    } else {
        return false;
    };
    kept_list.push(name.to_string());
    kept.insert(lower.to_string());
    true
}

/// IAM last-accessed data as a source.
///
/// - A service with no `LastAuthenticated` (or, with a window, one older than
///   it) was not called at all: every action of it is unused, except the
///   [`PERMISSION_ONLY`] ones, which are checked while *other* services are
///   called and so never count as a call to their own service. Service-level
///   data counts every authenticated request to the service, so actions that
///   IAM does not track one by one are covered by it.
/// - A used service: an action is unused only when the catalog marks it
///   tracked (`last_accessed_tracked`), it is not permission-only, and the
///   report lists it with no `LastAccessedTime` (or one outside the window).
///   Every other action of the service stays granted; the granted ones are
///   reported as untracked.
/// - A service the report does not mention: nothing is inferred.
///
/// `policies` say what is granted: the report counts the kept actions they
/// grant, and a never-called service with permission-only actions is listed
/// action by action (its granted actions but those), not as a whole.
pub fn from_last_accessed(
    data: &LastAccessed,
    policies: &[&Policy],
    table: ActionTable<'_>,
    window: Option<&Window>,
) -> Inference {
    let known = Known::new(table, policies.iter().copied(), &UnusedSet::new());
    let grants = grants(policies, &known);
    let granted = granted_set(&grants);
    let mut unused = UnusedSet::new();
    let mut report = SourceReport::new(Source::LastAccessed);
    let recent = |at: Option<Timestamp>| match (at, window) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(at), Some(window)) => window.is_recent(at),
    };
    let mut used_services: BTreeSet<String> = BTreeSet::new();
    let mut seen_services: BTreeSet<String> = BTreeSet::new();
    let mut kept: BTreeSet<String> = BTreeSet::new();
    // Every action some `TrackedActionsLastAccessed` lists, lowercased.
    let mut listed: BTreeSet<String> = BTreeSet::new();
    for service in &data.services {
        seen_services.insert(service.namespace.clone());
        // An action accessed recently means the service was, whatever its own
        // time says: never call a service unused while one of its actions is used.
        let service_used = recent(service.last_authenticated)
            || service
                .tracked_actions
                .iter()
                .flatten()
                .any(|a| recent(a.last_accessed));
        if !service_used {
            let prefix = format!("{}:", service.namespace);
            let actions = known.with_prefix(&prefix);
            report.services_never_used.push(service.namespace.clone());
            if actions.iter().any(|a| is_permission_only(a)) {
                // Not the whole service: its permission-only actions are used
                // while other services are called, so they must stay.
                // Only the granted ones need listing: an action no statement
                // grants is never placed by the refinement anyway.
                for action in actions {
                    if !granted.contains_key(&action.to_ascii_lowercase()) {
                        continue;
                    }
                    if !is_permission_only(action) {
                        unused.insert_action(action, None);
                    } else {
                        report.permission_only_kept.push(action.to_string());
                        kept.insert(action.to_ascii_lowercase());
                    }
                }
            } else {
                unused.insert_service(&service.namespace, None);
            }
            continue;
        }
        used_services.insert(service.namespace.clone());
        let mut reported: BTreeMap<String, bool> = BTreeMap::new();
        for action in service.tracked_actions.iter().flatten() {
            let name = format!("{}:{}", service.namespace, action.name);
            listed.insert(name.to_ascii_lowercase());
            let was_recent = recent(action.last_accessed);
            reported
                .entry(name.to_ascii_lowercase())
                .and_modify(|r| *r |= was_recent)
                .or_insert(was_recent);
        }
        for (lower, was_recent) in reported {
            if was_recent {
                continue;
            }
            let tracked = table
                .get(&lower)
                .is_some_and(|row| row.last_accessed_tracked);
            // The catalog decides what is tracked: IAM listing an action the
            // catalog marks untracked (or does not know) is not enough.
            if tracked && !is_permission_only(&lower) {
                let name = known
                    .canonical(&lower)
                    .map_or(lower.clone(), str::to_string);
                unused.insert_action(&name, None);
                report.actions_unused.push(name);
            }
        }
    }
    // What stays granted in the used services without being tracked.
    let mut not_listed: Vec<&str> = Vec::new();
    for (lower, name) in &granted {
        let (service, _) = split_action(lower);
        if !used_services.contains(service) || unused.contains(lower) {
            continue;
        }
        if keep_unobservable(lower, name, table, &mut report, &mut kept) {
            continue;
        }
        if !listed.contains(lower) {
            not_listed.push(name.as_str());
        }
    }
    if !not_listed.is_empty() {
        report.notes.push(format!(
            "{} granted action(s) that the catalog marks tracked are not in the report, so they stay: {}",
            not_listed.len(),
            first_few(&not_listed)
        ));
    }
    let unseen: BTreeSet<&str> = granted
        .keys()
        .map(|a| split_action(a).0)
        .filter(|s| !seen_services.contains(*s))
        .collect();
    if !unseen.is_empty() {
        report.notes.push(format!(
            "nothing inferred for {} granted service(s) that the report does not list: {}",
            unseen.len(),
            unseen
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if data.job_type.as_deref() == Some("SERVICE_LEVEL") {
        report.notes.push(
            "the job was generated at `SERVICE_LEVEL`: only unused services can be inferred (generate it with `--granularity ACTION_LEVEL`)"
                .to_string(),
        );
    }
    if data.is_truncated {
        report.notes.push(
            "the report is truncated (`IsTruncated`): services on later pages were not considered"
                .to_string(),
        );
    }
    if let Some(window) = window {
        report.notes.push(format!(
            "unused means not accessed since {} ({} day(s) before {})",
            window.cutoff(),
            window.days,
            window.as_of
        ));
    }
    finish(&mut report);
    report.wildcards_kept_alive = kept_alive(&grants, &unused, &kept);
    Inference { unused, report }
}

/// Sorts and deduplicates the report's lists, so output is deterministic.
fn finish(report: &mut SourceReport) {
    for list in [
        &mut report.services_never_used,
        &mut report.actions_unused,
        &mut report.untracked_kept,
        &mut report.permission_only_kept,
        &mut report.recently_used,
    ] {
        list.sort_by(|a, b| crate::table::cmp_ci(a, b));
        list.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    }
}

// ---------------------------------------------------------------------------
// Used-action lists
// ---------------------------------------------------------------------------

/// The actions a workload was seen to use: from CloudTrail, or from a tool
/// that records API calls during tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UsedList {
    /// Lowercased name to the name as written (service prefix lowercased).
    actions: BTreeMap<String, String>,
}

impl UsedList {
    /// Reads one `service:Action` per line (blank lines and `#` comments
    /// skipped), or a JSON array of such strings. Wildcards are an error:
    /// observed usage is concrete. An empty list is allowed: nothing was used.
    pub fn parse(text: &str) -> Result<UsedList, Error> {
        let text = json::strip_bom(text);
        let mut list = UsedList::default();
        if text.trim_start().starts_with('[') {
            let value = json::parse(text)?;
            let Value::Array(items) = value else {
                return Err(Error::shape("", "expected a JSON array of action names"));
            };
            for (i, item) in items.iter().enumerate() {
                let path = format!("[{i}]");
                let Value::String(name) = item else {
                    return Err(Error::shape(
                        path,
                        format!("expected a `service:Action` string, found {}", kind(item)),
                    ));
                };
                list.insert(name)
                    .map_err(|message| Error::shape(path, message))?;
            }
            return Ok(list);
        }
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            list.insert(line).map_err(|message| Error {
                kind: ErrorKind::Text,
                location: Some(Location::Text {
                    line: n + 1,
                    column: 1,
                }),
                message,
            })?;
        }
        Ok(list)
    }

    fn insert(&mut self, name: &str) -> Result<(), String> {
        let (service, action) = split_action(name);
        if name.contains(['*', '?']) {
            return Err(format!(
                "`{name}` is a pattern; a used-action list names concrete actions"
            ));
        }
        if !name.contains(':') || !is_service_name(service) || !is_action_name(action) {
            return Err(format!("expected `service:Action`, found `{name}`"));
        }
        let name = format!("{}:{action}", service.to_ascii_lowercase());
        self.actions
            .entry(name.to_ascii_lowercase())
            .or_insert(name);
        Ok(())
    }

    /// Whether `action` was seen (case-insensitively).
    pub fn contains(&self, action: &str) -> bool {
        self.actions.contains_key(&action.to_ascii_lowercase())
    }

    /// The actions, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.actions.values().map(String::as_str)
    }

    /// How many distinct actions.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Whether no action was seen.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}

/// A name given as an action (by a used-list or a last-accessed report) that
/// the catalog does not know, with what it most likely stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    /// The name as given (service prefix lowercased).
    pub name: String,
    /// "did you mean" and why, when one of the known traps explains the name.
    pub hint: Option<String>,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.hint {
            Some(hint) => write!(f, "`{}`: {hint}", self.name),
            None => write!(f, "`{}`", self.name),
        }
    }
}

/// The names among `names` that the catalog does not know, in order, each once.
pub fn unknown_names<'n>(
    names: impl IntoIterator<Item = &'n str>,
    table: ActionTable<'_>,
) -> Vec<UnknownName> {
    let mut out: Vec<UnknownName> = Vec::new();
    for name in names {
        if table.get(name).is_some() || out.iter().any(|u| u.name.eq_ignore_ascii_case(name)) {
            continue;
        }
        out.push(UnknownName {
            name: name.to_string(),
            hint: did_you_mean(name, table),
        });
    }
    out
}

/// CloudTrail event sources (`<source>.amazonaws.com`) whose name is not the
/// service's IAM prefix: a used-list built from `eventSource` gets them wrong.
const EVENT_SOURCES: &[(&str, &str)] = &[
    ("monitoring", "cloudwatch"),
    ("email", "ses"),
    ("tagging", "tag"),
];

/// API operations (as CloudTrail's `eventName` shows them) that are not
/// actions, and the actions that authorize them. Taken from the
/// `Operations`/`AuthorizedActions` data of AWS's Service Authorization
/// Reference (the machine-readable copy of 2026-08-27), for the services
/// whose operations most often differ from their actions; the embedded
/// catalog does not carry that data. Actions of other services are left out.
const OPERATIONS: &[(&str, &[&str])] = &[
    (
        "dynamodb:BatchExecuteStatement",
        &[
            "PartiQLDelete",
            "PartiQLInsert",
            "PartiQLSelect",
            "PartiQLUpdate",
        ],
    ),
    (
        "dynamodb:ExecuteStatement",
        &[
            "PartiQLDelete",
            "PartiQLInsert",
            "PartiQLSelect",
            "PartiQLUpdate",
        ],
    ),
    (
        "dynamodb:ExecuteTransaction",
        &[
            "PartiQLDelete",
            "PartiQLInsert",
            "PartiQLSelect",
            "PartiQLUpdate",
        ],
    ),
    ("dynamodb:TransactGetItems", &["GetItem"]),
    (
        "dynamodb:TransactWriteItems",
        &["ConditionCheckItem", "DeleteItem", "PutItem", "UpdateItem"],
    ),
    ("lambda:GetLayerVersionByArn", &["GetLayerVersion"]),
    ("lambda:Invoke", &["InvokeFunction"]),
    ("lambda:InvokeWithResponseStream", &["InvokeFunction"]),
    ("s3:CompleteMultipartUpload", &["PutObject"]),
    (
        "s3:CopyObject",
        &[
            "GetObject",
            "GetObjectVersion",
            "PutObject",
            "PutObjectAcl",
            "PutObjectLegalHold",
            "PutObjectRetention",
            "PutObjectTagging",
        ],
    ),
    (
        "s3:CreateBucketMetadataConfiguration",
        &["CreateBucketMetadataTableConfiguration"],
    ),
    (
        "s3:CreateMultipartUpload",
        &[
            "PutObject",
            "PutObjectAcl",
            "PutObjectLegalHold",
            "PutObjectRetention",
            "PutObjectTagging",
        ],
    ),
    (
        "s3:DeleteBucketAnalyticsConfiguration",
        &["PutAnalyticsConfiguration"],
    ),
    ("s3:DeleteBucketCors", &["PutBucketCORS"]),
    ("s3:DeleteBucketEncryption", &["PutEncryptionConfiguration"]),
    (
        "s3:DeleteBucketIntelligentTieringConfiguration",
        &["PutIntelligentTieringConfiguration"],
    ),
    (
        "s3:DeleteBucketInventoryConfiguration",
        &["PutInventoryConfiguration"],
    ),
    ("s3:DeleteBucketLifecycle", &["PutLifecycleConfiguration"]),
    (
        "s3:DeleteBucketMetadataConfiguration",
        &["DeleteBucketMetadataTableConfiguration"],
    ),
    (
        "s3:DeleteBucketMetricsConfiguration",
        &["PutMetricsConfiguration"],
    ),
    (
        "s3:DeleteBucketOwnershipControls",
        &["PutBucketOwnershipControls"],
    ),
    (
        "s3:DeleteBucketReplication",
        &["PutReplicationConfiguration"],
    ),
    ("s3:DeleteBucketTagging", &["PutBucketTagging"]),
    (
        "s3:DeleteObjects",
        &[
            "BypassGovernanceRetention",
            "DeleteObject",
            "DeleteObjectVersion",
        ],
    ),
    (
        "s3:DeletePublicAccessBlock",
        &["PutBucketPublicAccessBlock"],
    ),
    (
        "s3:GetBucketAccelerateConfiguration",
        &["GetAccelerateConfiguration"],
    ),
    (
        "s3:GetBucketAnalyticsConfiguration",
        &["GetAnalyticsConfiguration"],
    ),
    ("s3:GetBucketEncryption", &["GetEncryptionConfiguration"]),
    (
        "s3:GetBucketIntelligentTieringConfiguration",
        &["GetIntelligentTieringConfiguration"],
    ),
    (
        "s3:GetBucketInventoryConfiguration",
        &["GetInventoryConfiguration"],
    ),
    ("s3:GetBucketLifecycle", &["GetLifecycleConfiguration"]),
    (
        "s3:GetBucketLifecycleConfiguration",
        &["GetLifecycleConfiguration"],
    ),
    (
        "s3:GetBucketMetadataConfiguration",
        &["GetBucketMetadataTableConfiguration"],
    ),
    (
        "s3:GetBucketMetricsConfiguration",
        &["GetMetricsConfiguration"],
    ),
    (
        "s3:GetBucketNotificationConfiguration",
        &["GetBucketNotification"],
    ),
    ("s3:GetBucketReplication", &["GetReplicationConfiguration"]),
    (
        "s3:GetObjectLockConfiguration",
        &["GetBucketObjectLockConfiguration"],
    ),
    ("s3:GetPublicAccessBlock", &["GetBucketPublicAccessBlock"]),
    ("s3:HeadBucket", &["ListBucket"]),
    (
        "s3:HeadObject",
        &["GetObject", "GetObjectLegalHold", "GetObjectRetention"],
    ),
    (
        "s3:ListBucketAnalyticsConfigurations",
        &["GetAnalyticsConfiguration"],
    ),
    (
        "s3:ListBucketIntelligentTieringConfigurations",
        &["GetIntelligentTieringConfiguration"],
    ),
    (
        "s3:ListBucketInventoryConfigurations",
        &["GetInventoryConfiguration"],
    ),
    (
        "s3:ListBucketMetricsConfigurations",
        &["GetMetricsConfiguration"],
    ),
    ("s3:ListBuckets", &["ListAllMyBuckets"]),
    ("s3:ListMultipartUploads", &["ListBucketMultipartUploads"]),
    ("s3:ListObjects", &["GetObjectAcl", "ListBucket"]),
    ("s3:ListObjectsV2", &["GetObjectAcl", "ListBucket"]),
    ("s3:ListObjectVersions", &["ListBucketVersions"]),
    ("s3:ListParts", &["ListMultipartUploadParts"]),
    (
        "s3:PutBucketAccelerateConfiguration",
        &["PutAccelerateConfiguration"],
    ),
    (
        "s3:PutBucketAnalyticsConfiguration",
        &["PutAnalyticsConfiguration"],
    ),
    ("s3:PutBucketEncryption", &["PutEncryptionConfiguration"]),
    (
        "s3:PutBucketIntelligentTieringConfiguration",
        &["PutIntelligentTieringConfiguration"],
    ),
    (
        "s3:PutBucketInventoryConfiguration",
        &["PutInventoryConfiguration"],
    ),
    ("s3:PutBucketLifecycle", &["PutLifecycleConfiguration"]),
    (
        "s3:PutBucketLifecycleConfiguration",
        &["PutLifecycleConfiguration"],
    ),
    (
        "s3:PutBucketMetricsConfiguration",
        &["PutMetricsConfiguration"],
    ),
    (
        "s3:PutBucketNotificationConfiguration",
        &["PutBucketNotification"],
    ),
    ("s3:PutBucketReplication", &["PutReplicationConfiguration"]),
    (
        "s3:PutObjectLockConfiguration",
        &["PutBucketObjectLockConfiguration"],
    ),
    ("s3:PutPublicAccessBlock", &["PutBucketPublicAccessBlock"]),
    ("s3:SelectObjectContent", &["GetObject"]),
    ("s3:UploadPart", &["PutObject"]),
    (
        "s3:UploadPartCopy",
        &["GetObject", "GetObjectVersion", "PutObject"],
    ),
];

/// "did you mean": a used name explained by one of the known traps: an API
/// operation authorized by differently named actions, a CloudTrail event
/// source that is not the IAM prefix, an event name with its API version
/// appended, or a near miss of an action of the same service.
pub fn did_you_mean(name: &str, table: ActionTable<'_>) -> Option<String> {
    let (service, action) = split_action(name);
    let known = |candidate: &str| table.get(candidate).map(|row| row.name.to_string());
    if let Some((_, actions)) = OPERATIONS
        .iter()
        .find(|(op, _)| op.eq_ignore_ascii_case(name))
    {
        let authorizing: Vec<String> = actions
            .iter()
            .filter_map(|a| known(&format!("{}:{a}", service.to_ascii_lowercase())))
            .collect();
        if !authorizing.is_empty() {
            return Some(format!(
                "an API operation, not an action; it is authorized by {}",
                quoted(&authorizing)
            ));
        }
    }
    let prefixes: Vec<&str> = EVENT_SOURCES
        .iter()
        .filter(|(source, _)| source.eq_ignore_ascii_case(service))
        .map(|(_, prefix)| *prefix)
        .chain(std::iter::once(service))
        .collect();
    let versionless = strip_api_version(action);
    for prefix in &prefixes {
        let renamed = !prefix.eq_ignore_ascii_case(service);
        for candidate in [Some(action), versionless].into_iter().flatten() {
            let unversioned = candidate != action;
            if !renamed && !unversioned {
                continue; // the name itself, which the catalog does not know
            }
            let Some(found) = known(&format!("{prefix}:{candidate}")) else {
                continue;
            };
            let mut why = Vec::new();
            if renamed {
                why.push(format!(
                    "`{}` is CloudTrail's event source, the IAM prefix is `{prefix}`",
                    service.to_ascii_lowercase()
                ));
            }
            if unversioned {
                why.push(
                    "CloudTrail's event name carries the API version, the action does not"
                        .to_string(),
                );
            }
            return Some(format!("did you mean `{found}`? ({})", why.join("; ")));
        }
    }
    let rows = table.with_prefix(&format!("{service}:"));
    if rows.is_empty() {
        return Some(format!(
            "the catalog knows no service `{}`",
            service.to_ascii_lowercase()
        ));
    }
    let lower = action.to_ascii_lowercase();
    rows.iter()
        .map(|row| {
            (
                edit_distance(&lower, &row.action().to_ascii_lowercase()),
                row,
            )
        })
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, row)| format!("did you mean `{}`?", row.name))
}

/// `GetFunction` for `GetFunction20150331v2` or `CreateDistribution2020_05_31`:
/// the action name without the API version CloudTrail appends to some event
/// names; `None` when there is none.
fn strip_api_version(action: &str) -> Option<&str> {
    let without_v = match action.rfind(['v', 'V']) {
        Some(i)
            if i + 1 < action.len()
                && action
                    .get(i + 1..)
                    .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit())) =>
        {
            action.get(..i).unwrap_or(action)
        }
        _ => action,
    };
    let base = without_v.trim_end_matches(|c: char| c.is_ascii_digit() || c == '_');
    let digits = without_v.len() - base.len();
    (digits >= 8 && !base.is_empty()).then_some(base)
}

/// Levenshtein distance over bytes (action names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute =
                previous.get(j).copied().unwrap_or(usize::MAX) + usize::from(ca != *cb);
            let delete = previous
                .get(j + 1)
                .copied()
                .unwrap_or(usize::MAX)
                .saturating_add(1);
            let insert = current
                .get(j)
                .copied()
                .unwrap_or(usize::MAX)
                .saturating_add(1);
            current.push(substitute.min(delete).min(insert));
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(0)
}

/// "`a`, `b` and `c`".
fn quoted(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

impl LastAccessed {
    /// Every tracked action the report names, as `service:Action`.
    pub fn action_names(&self) -> Vec<String> {
        self.services
            .iter()
            .flat_map(|s| {
                s.tracked_actions
                    .iter()
                    .flatten()
                    .map(move |a| format!("{}:{}", s.namespace, a.name))
            })
            .collect()
    }
}

/// A used-action list as a source: every known action that the policies'
/// Allow statements grant and that is not in the list becomes unused, except
/// the ones a log of calls cannot show, which stay granted and are reported:
/// actions the catalog does not mark tracked (or does not know) and the
/// [`PERMISSION_ONLY`] ones.
pub fn from_used_list(policies: &[&Policy], used: &UsedList, table: ActionTable<'_>) -> Inference {
    // The used names join K, so that a used action the catalog does not know
    // still counts as granted by the wildcards and NotAction statements that match it.
    let mut seen = UnusedSet::new();
    for name in used.iter() {
        seen.insert_action(name, None);
    }
    let known = Known::new(table, policies.iter().copied(), &seen);
    let grants = grants(policies, &known);
    let granted = granted_set(&grants);
    let mut unused = UnusedSet::new();
    let mut report = SourceReport::new(Source::UsedList);
    let mut kept = BTreeSet::new();
    for (lower, name) in &granted {
        if used.contains(lower) {
            continue;
        }
        if !keep_unobservable(lower, name, table, &mut report, &mut kept) {
            unused.insert_action(name, None);
            report.actions_unused.push(name.clone());
        }
    }
    let not_granted: Vec<&str> = used
        .iter()
        .filter(|a| !granted.contains_key(&a.to_ascii_lowercase()))
        .collect();
    if !not_granted.is_empty() {
        report.notes.push(format!(
            "{} used action(s) that no Allow statement grants (another policy may grant them): {}",
            not_granted.len(),
            first_few(&not_granted)
        ));
    }
    finish(&mut report);
    report.wildcards_kept_alive = kept_alive(&grants, &unused, &kept);
    Inference { unused, report }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refine::{Options, refine};
    use crate::table::{AccessLevel, KnownAction};

    #[test]
    fn unknown_used_names_say_what_they_probably_mean() {
        let rows = [
            KnownAction::new_static("cloudwatch:PutMetricData", AccessLevel::WRITE, true),
            KnownAction::new_static("lambda:GetFunction", AccessLevel::READ, true),
            KnownAction::new_static("lambda:InvokeFunction", AccessLevel::WRITE, true),
            KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
            KnownAction::new_static("s3:ListBucket", AccessLevel::LIST, true),
        ];
        let table = ActionTable::new(&rows).unwrap();
        let hint = |name: &str| did_you_mean(name, table).unwrap_or_default();
        assert!(hint("lambda:GetFunction20150331v2").contains("`lambda:GetFunction`"));
        assert!(hint("lambda:GetFunction20150331").contains("`lambda:GetFunction`"));
        assert!(hint("s3:ListObjectsV2").contains("authorized by `s3:ListBucket`"));
        assert!(hint("lambda:Invoke").contains("`lambda:InvokeFunction`"));
        let renamed = hint("monitoring:PutMetricData");
        assert!(renamed.contains("`cloudwatch:PutMetricData`"), "{renamed}");
        assert!(renamed.contains("event source"), "{renamed}");
        assert!(hint("s3:GetObjekt").contains("`s3:GetObject`"));
        assert!(hint("nosuch:Thing").contains("no service `nosuch`"));
        assert_eq!(did_you_mean("s3:Completely", table), None);
        let used = UsedList::parse("s3:getobject\ns3:ListObjectsV2\ns3:ListObjectsV2\n").unwrap();
        let unknown = unknown_names(used.iter(), table);
        assert_eq!(unknown.len(), 1);
        assert_eq!(unknown[0].name, "s3:ListObjectsV2");
        assert!(
            unknown[0]
                .to_string()
                .starts_with("`s3:ListObjectsV2`: an API operation")
        );
    }

    fn ts(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn dates_and_date_times() {
        assert_eq!(ts("1970-01-01").unix_seconds(), 0);
        assert_eq!(ts("1970-01-01T00:00:00Z").unix_seconds(), 0);
        assert_eq!(ts("2000-03-01").unix_seconds(), 951_868_800);
        assert_eq!(
            ts("2026-01-02T03:04:05+00:00").unix_seconds(),
            1_767_323_045
        );
        assert_eq!(ts("2026-01-02T05:04:05+02:00"), ts("2026-01-02T03:04:05Z"));
        assert_eq!(ts("2026-01-02T01:04:05-0200"), ts("2026-01-02T03:04:05z"));
        assert_eq!(ts("2026-01-02 03:04Z"), ts("2026-01-02T03:04:00Z"));
        assert_eq!(ts("1969-12-31T23:59:59Z").unix_seconds(), -1);
        assert_eq!(ts("2024-02-29").date(), "2024-02-29");
        assert!(ts("2026-01-02T03:04:05.5Z") > ts("2026-01-02T03:04:05Z"));
        assert!(ts("2026-01-02T03:04:05.5Z") < ts("2026-01-02T03:04:06Z"));
        assert_eq!(
            ts("2026-01-02T03:04:05.120Z").to_string(),
            "2026-01-02T03:04:05.12Z"
        );
        assert_eq!(ts("2026-06-10").to_string(), "2026-06-10T00:00:00Z");
        // A round trip through every day of four centuries.
        for day in -146_097..146_097 {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
    }

    #[test]
    fn bad_timestamps_say_why() {
        for (text, why) in [
            ("2026-02-29", "day 29 does not exist"),
            ("2026-13-01", "month 13"),
            ("2026-1-01", "2 digits for the month"),
            ("2026-01-01T10:00:00", "no UTC offset"),
            ("2026-01-01T24:00:00Z", "not a time of day"),
            ("2026-01-01T10:00:00Zjunk", "at the end"),
            ("yesterday", "4 digits for the year"),
            ("2026-01-01T10:00:00.Z", "after the decimal point"),
        ] {
            let err = Timestamp::parse(text).unwrap_err();
            assert!(err.message.contains(why), "{text}: {}", err.message);
            assert!(
                err.message.starts_with(&format!("`{text}`")),
                "{}",
                err.message
            );
        }
    }

    #[test]
    fn window_boundary_is_exact() {
        let window = Window {
            as_of: ts("2026-06-10T00:00:00Z"),
            days: 90,
        };
        assert_eq!(window.cutoff(), ts("2026-03-12T00:00:00Z"));
        assert!(
            window.is_recent(ts("2026-03-12T00:00:00Z")),
            "exactly 90 days ago is used"
        );
        assert!(
            !window.is_recent(ts("2026-03-11T23:59:59Z")),
            "one second more is unused"
        );
        assert!(!window.is_recent(ts("2026-03-11T23:59:59.999Z")));
        assert!(
            window.is_recent(ts("2026-07-01T00:00:00Z")),
            "after as-of is used"
        );
    }

    #[test]
    fn catalog_age() {
        let as_of = ts("2026-11-25");
        assert_eq!(catalog_staleness("2026-08-27", as_of).unwrap(), None);
        assert_eq!(catalog_staleness("2026-08-26", as_of).unwrap(), Some(91));
        // Calendar days: the last second of the 90th day is not stale yet.
        assert_eq!(
            catalog_staleness("2026-08-27", ts("2026-11-25T23:59:59Z")).unwrap(),
            None
        );
        assert_eq!(
            catalog_staleness("2026-08-27", ts("2026-11-26T00:00:00Z")).unwrap(),
            Some(91)
        );
        assert!(catalog_staleness("soon", as_of).is_err());
    }

    const ROWS: &[KnownAction] = &[
        KnownAction::new_static("iam:GetRole", AccessLevel::READ, true),
        KnownAction::new_static("iam:GetUser", AccessLevel::READ, true),
        KnownAction::new_static("iam:ListRoles", AccessLevel::LIST, true),
        KnownAction::new_static("iam:PassRole", AccessLevel::WRITE, false),
        KnownAction::new_static("s3:GetObject", AccessLevel::READ, false),
        KnownAction::new_static("s3:GetObjectAcl", AccessLevel::READ, true),
        KnownAction::new_static("s3:PutObject", AccessLevel::WRITE, false),
        KnownAction::new_static("sqs:SendMessage", AccessLevel::WRITE, true),
        KnownAction::new_static("sqs:ReceiveMessage", AccessLevel::READ, false),
    ];

    fn table() -> ActionTable<'static> {
        // Sorted by lowercased name, as the table requires.
        static SORTED: std::sync::OnceLock<Vec<KnownAction>> = std::sync::OnceLock::new();
        let rows = SORTED.get_or_init(|| {
            let mut rows = ROWS.to_vec();
            rows.sort_by(|a, b| crate::table::cmp_ci(&a.name, &b.name));
            rows
        });
        ActionTable::new(rows).unwrap()
    }

    /// Refines, and checks the refinement with the independent verifier
    /// against the unused set the source implied.
    fn refine_verified(p: &Policy, unused: &UnusedSet) -> crate::refine::Refinement {
        let refined = refine(p, unused, table(), &Options::default());
        let verification = crate::verify::verify(p, &refined.policy, unused, table());
        assert!(verification.is_ok(), "{:?}", verification.violations);
        refined
    }

    fn policy(actions: &str) -> Policy {
        Policy::parse(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{actions},"Resource":"*"}}]}}"#
        ))
        .unwrap()
    }

    #[test]
    fn findings_without_a_window_stand() {
        let unused = UnusedSet::parse(
            r#"[{"serviceNamespace":"s3","actions":[{"action":"GetObject","lastAccessed":"2026-06-01T00:00:00Z"}]},{"serviceNamespace":"sqs","lastAccessed":"2026-06-09T00:00:00Z"}]"#,
        )
        .unwrap();
        let inference = from_findings(&unused, None).unwrap();
        assert_eq!(inference.unused, unused);
        assert_eq!(inference.report.actions_unused, ["s3:GetObject"]);
        assert_eq!(inference.report.services_never_used, ["sqs"]);
    }

    #[test]
    fn findings_within_the_window_are_used() {
        let unused = UnusedSet::parse(
            r#"[{"serviceNamespace":"s3","actions":[
                 {"action":"GetObject","lastAccessed":"2026-03-12T00:00:00Z"},
                 {"action":"GetObjectAcl","lastAccessed":"2026-03-11T23:59:59Z"},
                 {"action":"PutObject"}]},
               {"serviceNamespace":"sqs","lastAccessed":"2026-06-09T00:00:00+00:00"},
               {"serviceNamespace":"iam"}]"#,
        )
        .unwrap();
        let window = Window {
            as_of: ts("2026-06-10"),
            days: 90,
        };
        let inference = from_findings(&unused, Some(&window)).unwrap();
        assert!(
            !inference.unused.contains("s3:GetObject"),
            "exactly 90 days ago is used"
        );
        assert!(
            inference.unused.contains("s3:GetObjectAcl"),
            "a second more is unused"
        );
        assert!(
            inference.unused.contains("s3:PutObject"),
            "no timestamp is never used"
        );
        assert!(!inference.unused.is_service_unused("sqs"));
        assert!(inference.unused.is_service_unused("iam"));
        assert_eq!(inference.report.recently_used, ["s3:GetObject", "sqs:*"]);
        let bad = UnusedSet::parse(r#"[{"serviceNamespace":"s3","actions":[{"action":"GetObject","lastAccessed":"last week"}]}]"#).unwrap();
        let err = from_findings(&bad, Some(&window)).unwrap_err();
        assert!(err.message.contains("`s3:GetObject`"), "{}", err.message);
        assert!(
            from_findings(&bad, None).is_ok(),
            "timestamps are read only with a window"
        );
    }

    const REPORT: &str = r#"{
      "JobStatus": "COMPLETED", "JobType": "ACTION_LEVEL",
      "JobCreationDate": "2026-06-10T08:00:00+00:00", "JobCompletionDate": "2026-06-10T08:00:05+00:00",
      "ServicesLastAccessed": [
        {"ServiceName": "Amazon SQS", "ServiceNamespace": "sqs", "TotalAuthenticatedEntities": 0},
        {"ServiceName": "AWS Identity and Access Management", "ServiceNamespace": "iam",
         "LastAuthenticated": "2026-06-01T00:00:00+00:00", "TotalAuthenticatedEntities": 1,
         "TrackedActionsLastAccessed": [
           {"ActionName": "GetRole", "LastAccessedTime": "2026-06-01T00:00:00+00:00"},
           {"ActionName": "GetUser"},
           {"ActionName": "ListRoles", "LastAccessedTime": "2025-01-01T00:00:00Z"}
         ]},
        {"ServiceNamespace": "s3", "LastAuthenticated": "2026-06-01T00:00:00Z",
         "TrackedActionsLastAccessed": [{"ActionName": "GetObjectAcl"}, {"ActionName": "GetObject"}]}
      ],
      "IsTruncated": false, "SomethingNew": 1
    }"#;

    #[test]
    fn last_accessed_never_used_service_and_tracked_actions() {
        let data = LastAccessed::parse(REPORT).unwrap();
        let p = policy(r#"["iam:Get*","iam:ListRoles","iam:PassRole","s3:GetObject*","sqs:*"]"#);
        let inference = from_last_accessed(&data, &[&p], table(), None);
        let u = &inference.unused;
        assert!(u.is_service_unused("sqs"));
        assert!(u.contains("iam:GetUser"));
        assert!(!u.contains("iam:GetRole"));
        assert!(!u.contains("iam:ListRoles"), "accessed, no window");
        assert!(!u.contains("iam:PassRole"), "untracked and permission-only");
        assert!(u.contains("s3:GetObjectAcl"));
        assert!(
            !u.contains("s3:GetObject"),
            "IAM lists it, but the catalog says untracked"
        );
        let r = &inference.report;
        assert_eq!(r.services_never_used, ["sqs"]);
        assert_eq!(r.actions_unused, ["iam:GetUser", "s3:GetObjectAcl"]);
        assert_eq!(r.untracked_kept, ["s3:GetObject"]);
        assert_eq!(r.permission_only_kept, ["iam:PassRole"]);
        // `s3:GetObject*` grants GetObject (untracked) and GetObjectAcl (unused):
        // only the untracked action keeps it.
        assert_eq!(
            r.wildcards_kept_alive,
            [KeptAlive {
                policy: 0,
                statement: 0,
                entry: "s3:GetObject*".into(),
                kept: vec!["s3:GetObject".into()]
            }]
        );
        assert_eq!(r.actions_keeping_wildcards(), 1);
        let refined = refine_verified(&p, u);
        let entries = refined.policy.statements()[0].entries().to_vec();
        assert_eq!(
            entries,
            [
                "iam:GetRole",
                "iam:ListRoles",
                "iam:PassRole",
                "s3:GetObject"
            ]
        );
    }

    #[test]
    fn last_accessed_with_a_window() {
        let data = LastAccessed::parse(REPORT).unwrap();
        let p = policy(r#"["iam:*","s3:*"]"#);
        let window = Window {
            as_of: ts("2026-06-10T00:00:00Z"),
            days: 30,
        };
        let inference = from_last_accessed(&data, &[&p], table(), Some(&window));
        assert!(
            inference.unused.contains("iam:ListRoles"),
            "accessed 2025: outside 30 days"
        );
        assert!(!inference.unused.contains("iam:GetRole"));
        // A used service whose access falls outside the window is wholly unused,
        // except its permission-only actions.
        let window = Window { days: 5, ..window };
        let inference = from_last_accessed(&data, &[&p], table(), Some(&window));
        assert!(inference.unused.contains("iam:GetRole"));
        assert!(!inference.unused.contains("iam:PassRole"));
        assert!(!inference.unused.is_service_unused("iam"));
        assert!(inference.unused.is_service_unused("s3"));
        assert_eq!(inference.report.permission_only_kept, ["iam:PassRole"]);
        assert_eq!(inference.report.services_never_used, ["iam", "s3", "sqs"]);
        let refined = refine_verified(&p, &inference.unused);
        assert_eq!(refined.policy.statements()[0].entries(), ["iam:PassRole"]);
    }

    #[test]
    fn tracked_actions_missing_from_the_report_stay() {
        let data = LastAccessed::parse(
            r#"{"ServicesLastAccessed":[{"ServiceNamespace":"iam","LastAuthenticated":"2026-06-01T00:00:00Z",
                "TrackedActionsLastAccessed":[{"ActionName":"GetUser"}]}]}"#,
        )
        .unwrap();
        let p = policy(r#"["iam:*"]"#);
        let inference = from_last_accessed(&data, &[&p], table(), None);
        assert_eq!(inference.report.actions_unused, ["iam:GetUser"]);
        assert!(!inference.unused.contains("iam:GetRole"));
        assert!(!inference.unused.contains("iam:ListRoles"));
        assert_eq!(
            inference.report.notes,
            [
                "2 granted action(s) that the catalog marks tracked are not in the report, so they stay: `iam:GetRole`, `iam:ListRoles`"
            ]
        );
    }

    #[test]
    fn a_recent_action_makes_its_service_used() {
        let data = LastAccessed::parse(
            r#"{"ServicesLastAccessed":[{"ServiceNamespace":"iam",
                "TrackedActionsLastAccessed":[{"ActionName":"GetRole","LastAccessedTime":"2026-06-01T00:00:00Z"},{"ActionName":"GetUser"}]}]}"#,
        )
        .unwrap();
        let p = policy(r#"["iam:GetRole","iam:GetUser"]"#);
        let inference = from_last_accessed(&data, &[&p], table(), None);
        assert!(inference.report.services_never_used.is_empty());
        assert!(!inference.unused.contains("iam:GetRole"));
        assert!(inference.unused.contains("iam:GetUser"));
    }

    #[test]
    fn last_accessed_input_errors() {
        let err = LastAccessed::parse(r#"{"JobStatus":"IN_PROGRESS","ServicesLastAccessed":[]}"#)
            .unwrap_err();
        assert!(err.message.contains("`IN_PROGRESS`"), "{}", err.message);
        let err = LastAccessed::parse(
            r#"{"JobStatus":"FAILED","Error":{"Message":"boom","Code":"x"},"ServicesLastAccessed":[]}"#,
        )
        .unwrap_err();
        assert!(err.message.contains("(boom)"), "{}", err.message);
        let err = LastAccessed::parse(r#"{"JobStatus":"COMPLETED"}"#).unwrap_err();
        assert!(err.message.contains("`ServicesLastAccessed`"));
        let err = LastAccessed::parse(
            r#"{"ServicesLastAccessed":[{"ServiceNamespace":"s3","LastAuthenticated":"June"}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.location,
            Some(Location::Path(
                "ServicesLastAccessed[0].LastAuthenticated".into()
            ))
        );
        let err = LastAccessed::parse(
            r#"{"ServicesLastAccessed":[{"ServiceNamespace":"s3","TrackedActionsLastAccessed":[{"ActionName":"iam:GetRole"}]}]}"#,
        )
        .unwrap_err();
        assert!(err.message.contains("`iam`"), "{}", err.message);
    }

    #[test]
    fn used_list_keeps_what_it_cannot_see() {
        let used = UsedList::parse("# from the test run\niam:GetRole\nS3:getobjectacl\n").unwrap();
        assert_eq!(
            used.iter().collect::<Vec<_>>(),
            ["iam:GetRole", "s3:getobjectacl"]
        );
        let p = policy(r#"["iam:*","s3:GetObject*","sqs:SendMessage","iam:NewThing"]"#);
        let inference = from_used_list(&[&p], &used, table());
        let r = &inference.report;
        assert_eq!(
            r.actions_unused,
            ["iam:GetUser", "iam:ListRoles", "sqs:SendMessage"]
        );
        assert_eq!(r.untracked_kept, ["iam:NewThing", "s3:GetObject"]);
        assert_eq!(r.permission_only_kept, ["iam:PassRole"]);
        assert!(
            r.wildcards_kept_alive.is_empty(),
            "each wildcard still grants a used action"
        );
        let refined = refine_verified(&p, &inference.unused);
        assert_eq!(
            refined.policy.statements()[0].entries(),
            [
                "iam:GetRole",
                "iam:NewThing",
                "iam:PassRole",
                "s3:GetObject*"
            ]
        );
        // The same list, as JSON; and the empty list: nothing was used.
        let json = UsedList::parse(r#"["iam:GetRole", "s3:GetObjectAcl"]"#).unwrap();
        assert_eq!(json.len(), 2);
        let empty = from_used_list(&[&p], &UsedList::parse("").unwrap(), table());
        assert!(!empty.unused.contains("iam:PassRole"));
        assert!(!empty.unused.contains("s3:GetObject"));
        assert_eq!(
            empty.report.wildcards_kept_alive,
            [
                KeptAlive {
                    policy: 0,
                    statement: 0,
                    entry: "iam:*".into(),
                    kept: vec!["iam:NewThing".into(), "iam:PassRole".into()]
                },
                KeptAlive {
                    policy: 0,
                    statement: 0,
                    entry: "s3:GetObject*".into(),
                    kept: vec!["s3:GetObject".into()]
                },
            ]
        );
        assert_eq!(empty.report.actions_keeping_wildcards(), 3);
    }

    #[test]
    fn used_list_not_action_and_errors() {
        let p = Policy::parse(
            r#"{"Statement":[{"Effect":"Allow","NotAction":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"sqs:*","Resource":"*"}]}"#,
        )
        .unwrap();
        let inference = from_used_list(
            &[&p],
            &UsedList::parse(r#"["iam:GetRole","s3:GetObject"]"#).unwrap(),
            table(),
        );
        assert_eq!(
            inference.report.actions_unused,
            ["iam:GetUser", "iam:ListRoles", "sqs:SendMessage"],
            "NotAction grants everything else; Deny grants nothing"
        );
        assert_eq!(
            inference.report.notes.len(),
            1,
            "s3:GetObject is not granted"
        );
        // A used action the catalog does not know is still granted by NotAction.
        let inference = from_used_list(
            &[&p],
            &UsedList::parse("ec2:RunInstances\n").unwrap(),
            table(),
        );
        assert!(
            inference.report.notes.is_empty(),
            "{:?}",
            inference.report.notes
        );
        let err = UsedList::parse("iam:GetRole\ns3:Get*\n").unwrap_err();
        assert_eq!(err.location, Some(Location::Text { line: 2, column: 1 }));
        assert!(err.message.contains("pattern"));
        let err = UsedList::parse(r#"["iam:GetRole", 3]"#).unwrap_err();
        assert_eq!(err.location, Some(Location::Path("[1]".into())));
    }

    #[test]
    fn intersection_needs_every_source() {
        let a = UnusedSet::parse("s3:*\niam:GetUser\niam:GetRole\n").unwrap();
        let b = UnusedSet::parse("s3:GetObject\niam:*\nsqs:*\n").unwrap();
        let both = a.intersection(&b);
        assert!(both.contains("s3:GetObject"));
        assert!(!both.contains("s3:PutObject"));
        assert!(both.contains("iam:GetUser") && both.contains("iam:GetRole"));
        assert!(!both.contains("iam:ListRoles"));
        assert!(!both.contains("sqs:SendMessage"));
    }

    /// A small deterministic generator (no dependency for a test).
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    /// Random policies, reports and used-lists over the test table: every
    /// refinement verifies, and no untracked or permission-only action that a
    /// policy grants is ever removed by an action-level inference.
    #[test]
    fn random_sources_never_remove_what_they_cannot_see() {
        let table = table();
        let rows = table.rows();
        let mut rng = Lcg(7);
        let entry = |rng: &mut Lcg| -> String {
            let row = &rows[rng.below(rows.len())];
            match rng.below(4) {
                0 => row.name.to_string(),
                1 => format!("{}:*", row.service()),
                2 => {
                    let name = row.name.as_ref();
                    let cut = name.find(':').unwrap() + 2 + rng.below(4);
                    format!("{}*", &name[..cut.min(name.len())])
                }
                _ => "*".to_string(),
            }
        };
        let mut changed = 0;
        for round in 0..400 {
            let entries: Vec<String> = (0..1 + rng.below(4)).map(|_| entry(&mut rng)).collect();
            let p = policy(&serde_json::to_string(&entries).unwrap());
            let sees =
                |row: &KnownAction| row.last_accessed_tracked && !is_permission_only(&row.name);
            let inference = if round % 2 == 0 {
                let used: Vec<&str> = rows
                    .iter()
                    .filter(|_| rng.below(2) == 0)
                    .map(|r| r.name.as_ref())
                    .collect();
                let used = UsedList::parse(&serde_json::to_string(&used).unwrap()).unwrap();
                from_used_list(&[&p], &used, table)
            } else {
                // Every service called, each tracked action accessed or not at random.
                let services: Vec<serde_json::Value> = table
                    .services()
                    .iter()
                    .map(|s| {
                        let tracked: Vec<serde_json::Value> = table
                            .with_prefix(&format!("{s}:"))
                            .iter()
                            .map(|a| {
                                if rng.below(2) == 0 {
                                    serde_json::json!({"ActionName": a.action()})
                                } else {
                                    serde_json::json!({"ActionName": a.action(), "LastAccessedTime": "2026-06-01T00:00:00Z"})
                                }
                            })
                            .collect();
                        serde_json::json!({"ServiceNamespace": s, "LastAuthenticated": "2026-06-01T00:00:00Z", "TrackedActionsLastAccessed": tracked})
                    })
                    .collect();
                let data = serde_json::json!({"ServicesLastAccessed": services}).to_string();
                from_last_accessed(&LastAccessed::parse(&data).unwrap(), &[&p], table, None)
            };
            let refined = refine_verified(&p, &inference.unused);
            changed += usize::from(refined.changed());
            let granted = |policy: &Policy, name: &str| {
                policy
                    .statements()
                    .iter()
                    .flat_map(|s| s.entries())
                    .any(|e| Pattern::new(e).matches(name))
            };
            for row in rows.iter().filter(|r| !sees(r)) {
                if granted(&p, &row.name) {
                    assert!(
                        granted(&refined.policy, &row.name),
                        "round {round}: `{}` removed from {entries:?}",
                        row.name
                    );
                }
            }
        }
        assert!(
            changed > 150,
            "only {changed} of 400 rounds changed anything"
        );
    }
    #[test]
    fn permission_only_actions_are_sorted_and_well_formed() {
        let names: Vec<&str> = PERMISSION_ONLY.iter().map(|(n, _)| *n).collect();
        let mut sorted = names.clone();
        sorted.sort_by(|a, b| crate::table::cmp_ci(a, b));
        assert_eq!(names, sorted);
        assert!(
            names
                .iter()
                .all(|n| crate::known::concrete_action(n).is_some())
        );
        assert!(is_permission_only("IAM:passrole"));
    }
}
