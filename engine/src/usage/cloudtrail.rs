//! CloudTrail logs as a usage source: who called which API operation, when.
//!
//! [`CloudTrail`] reads event records from bytes (the caller decompresses and
//! walks directories) and keeps, per principal and per API operation
//! (`eventSource`, `eventName`), the first and last time it was seen and how
//! often: memory grows with the distinct pairs, not with the logs. Times are
//! kept whatever the window, so one scan can be read against any window later;
//! the window given here only counts the events that fall before it.
//!
//! Three shapes are read, and may be mixed in one stream: the files CloudTrail
//! delivers to S3 (`{"Records": [...]}`), the output of `aws cloudtrail
//! lookup-events` (`{"Events": [{"CloudTrailEvent": "<event as a JSON
//! string>"}]}`), and JSON Lines of events. Only the fields used are
//! deserialized, borrowed from the input where they hold no escapes.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};

use super::trail_config::TrailConfig;
use super::*;

mod inference;

pub use inference::*;

/// How often, and between which times, one principal was seen calling one operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    /// The earliest `eventTime`.
    pub first: Timestamp,
    /// The latest `eventTime`.
    pub last: Timestamp,
    /// How many events.
    pub count: u64,
    /// How many of them were denied (`errorCode` `AccessDenied` and the
    /// like): a denied call still shows the principal means to make it.
    pub denied: u64,
}

impl Seen {
    fn once(at: Timestamp, denied: bool) -> Seen {
        Seen {
            first: at,
            last: at,
            count: 1,
            denied: u64::from(denied),
        }
    }

    /// Both tallies as one.
    pub fn merge(&mut self, other: &Seen) {
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
        self.count = self.count.saturating_add(other.count);
        self.denied = self.denied.saturating_add(other.denied);
    }
}

/// What the logs of one account (`recipientAccountId`) cover.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coverage {
    /// The earliest event.
    pub first: Timestamp,
    /// The latest event.
    pub last: Timestamp,
    /// How many events.
    pub events: u64,
    /// The regions (`awsRegion`) events came from, sorted.
    pub regions: BTreeSet<String>,
}

/// Events that name no principal pare can refine, by reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// How many events.
    pub count: u64,
    /// A few of them (`eventSource eventName`), the first ones met.
    pub examples: Vec<String>,
}

impl Tally {
    /// How many examples a tally keeps.
    pub const EXAMPLES: usize = 5;

    fn add(&mut self, example: impl FnOnce() -> String, count: u64) {
        self.count = self.count.saturating_add(count);
        if self.examples.len() < Tally::EXAMPLES {
            let example = example();
            if !self.examples.contains(&example) {
                self.examples.push(example);
            }
        }
    }

    fn merge(&mut self, other: &Tally) {
        self.count = self.count.saturating_add(other.count);
        for example in &other.examples {
            if self.examples.len() < Tally::EXAMPLES && !self.examples.contains(example) {
                self.examples.push(example.clone());
            }
        }
    }
}

/// One API operation a principal called, as CloudTrail names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// `eventSource`, such as `s3.amazonaws.com`.
    pub source: String,
    /// `eventName`, such as `GetObject`.
    pub name: String,
    /// When and how often.
    pub seen: Seen,
}

/// Operations seen per principal, from any number of CloudTrail files.
#[derive(Clone, Debug, Default)]
pub struct CloudTrail {
    /// The cutoff of `--unused-since`, when given: events before it are counted apart.
    cutoff: Option<Timestamp>,
    /// Principal ARN, then event source, then event name.
    calls: HashMap<String, HashMap<String, HashMap<String, Seen>>>,
    /// Role ARNs rebuilt from a session ARN without its issuer: the role's
    /// path is unknown, so they stand for every role of that name in the account.
    pathless: BTreeSet<String>,
    /// Per `recipientAccountId`.
    accounts: HashMap<String, Coverage>,
    /// Events without a principal to refine, by reason.
    unattributed: BTreeMap<String, Tally>,
    events: u64,
    before_window: u64,
    denied: u64,
}

/// `errorCode`s that say the call was refused by an authorization check.
const DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "Client.UnauthorizedOperation",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
    "AuthorizationErrorException",
    "Forbidden",
    "ForbiddenException",
    "NotAuthorized",
    "NotAuthorizedException",
];

impl CloudTrail {
    /// An empty scan; `window` (from `--as-of` and `--unused-since`), when
    /// given, only decides which events [`CloudTrail::before_window`] counts.
    pub fn new(window: Option<&Window>) -> CloudTrail {
        CloudTrail {
            cutoff: window.map(Window::cutoff),
            ..CloudTrail::default()
        }
    }

    /// Reads the events of one file (or stdin): `{"Records": [...]}`,
    /// `lookup-events` output, or JSON Lines of events; a UTF-8 byte-order
    /// mark is skipped. An error leaves the events read before it counted.
    pub fn read(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let mut values = 0usize;
        let stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Top<'_>>();
        for top in stream {
            let top = top.map_err(|e| Error::json(&e))?;
            values += 1;
            match top {
                Top::Records(records) => {
                    for (i, record) in records.into_iter().enumerate() {
                        self.add(record)
                            .map_err(|message| Error::shape(format!("Records[{i}]"), message))?;
                    }
                }
                Top::Lookup(events) => {
                    for (i, text) in events.into_iter().enumerate() {
                        let path = format!("Events[{i}].CloudTrailEvent");
                        let record: Record<'_> = serde_json::from_str(&text.0).map_err(|e| {
                            Error::shape(path.clone(), format!("not a CloudTrail event: {e}"))
                        })?;
                        self.add(record)
                            .map_err(|message| Error::shape(path, message))?;
                    }
                }
                Top::Event(record) => {
                    let at = format!("event {values}");
                    self.add(*record)
                        .map_err(|message| Error::shape(at, message))?;
                }
                Top::Neither => {
                    return Err(Error::shape(
                        "",
                        "not CloudTrail events: expected `{\"Records\": [...]}` as delivered to S3, \
                         the output of `aws cloudtrail lookup-events`, or JSON Lines of events",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Counts one event.
    fn add(&mut self, record: Record<'_>) -> Result<(), String> {
        if record.event_type.as_deref() == Some("AwsCloudTrailInsight") {
            // Insight events summarize other events; they are no call of their own.
            self.unattributed
                .entry("CloudTrail Insights events (no call of their own)".to_string())
                .or_default()
                .add(|| "AwsCloudTrailInsight".to_string(), 1);
            return Ok(());
        }
        let (Some(source), Some(name), Some(time)) =
            (&record.event_source, &record.event_name, &record.event_time)
        else {
            return Err(
                "a CloudTrail event needs `eventTime`, `eventSource` and `eventName`".to_string(),
            );
        };
        let at = Timestamp::parse(time).map_err(|e| format!("`eventTime`: {}", e.message))?;
        self.events += 1;
        if self.cutoff.is_some_and(|cutoff| at < cutoff) {
            self.before_window += 1;
        }
        let denied = record
            .error_code
            .as_deref()
            .is_some_and(|code| DENIED.iter().any(|d| d.eq_ignore_ascii_case(code)));
        if denied {
            self.denied += 1;
        }
        let account = record
            .recipient_account_id
            .as_deref()
            .or(record
                .user_identity
                .as_ref()
                .and_then(|u| u.account_id.as_deref()))
            .unwrap_or("unknown");
        let region = record.aws_region.as_deref().unwrap_or("unknown");
        match self.accounts.get_mut(account) {
            Some(coverage) => {
                coverage.first = coverage.first.min(at);
                coverage.last = coverage.last.max(at);
                coverage.events += 1;
                if !coverage.regions.contains(region) {
                    coverage.regions.insert(region.to_string());
                }
            }
            None => {
                self.accounts.insert(
                    account.to_string(),
                    Coverage {
                        first: at,
                        last: at,
                        events: 1,
                        regions: BTreeSet::from([region.to_string()]),
                    },
                );
            }
        }
        let principal = match attribute(record.user_identity.as_ref()) {
            Ok(principal) => principal,
            Err(reason) => {
                self.unattributed
                    .entry(reason)
                    .or_default()
                    .add(|| format!("{} {}", source.0, name.0), 1);
                return Ok(());
            }
        };
        if principal.pathless {
            self.pathless.insert(principal.arn.to_string());
        }
        let sources = match self.calls.get_mut(principal.arn.as_ref()) {
            Some(sources) => sources,
            None => self.calls.entry(principal.arn.into_owned()).or_default(),
        };
        let names = match sources.get_mut(&*source.0) {
            Some(names) => names,
            None => sources.entry(source.to_string()).or_default(),
        };
        match names.get_mut(&*name.0) {
            Some(seen) => seen.merge(&Seen::once(at, denied)),
            None => {
                names.insert(name.to_string(), Seen::once(at, denied));
            }
        }
        Ok(())
    }

    /// Adds another scan's counts (a scan per thread, merged at the end).
    pub fn merge(&mut self, other: CloudTrail) {
        for (principal, sources) in other.calls {
            let mine = self.calls.entry(principal).or_default();
            for (source, names) in sources {
                let mine = mine.entry(source).or_default();
                for (name, seen) in names {
                    mine.entry(name)
                        .and_modify(|s| s.merge(&seen))
                        .or_insert(seen);
                }
            }
        }
        self.pathless.extend(other.pathless);
        for (account, coverage) in other.accounts {
            match self.accounts.get_mut(&account) {
                Some(mine) => {
                    mine.first = mine.first.min(coverage.first);
                    mine.last = mine.last.max(coverage.last);
                    mine.events = mine.events.saturating_add(coverage.events);
                    mine.regions.extend(coverage.regions);
                }
                None => {
                    self.accounts.insert(account, coverage);
                }
            }
        }
        for (reason, tally) in other.unattributed {
            self.unattributed.entry(reason).or_default().merge(&tally);
        }
        self.events = self.events.saturating_add(other.events);
        self.before_window = self.before_window.saturating_add(other.before_window);
        self.denied = self.denied.saturating_add(other.denied);
    }

    /// How many events were read (attributed or not).
    pub fn events(&self) -> u64 {
        self.events
    }

    /// How many events fell before the window's cutoff: counted, not used.
    pub fn before_window(&self) -> u64 {
        self.before_window
    }

    /// How many events were denied calls (counted as used).
    pub fn denied(&self) -> u64 {
        self.denied
    }

    /// The principals the logs show, sorted. A role whose path the logs do
    /// not show (a session without its issuer) is listed by its ARN without path.
    pub fn principals(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.calls.keys().map(String::as_str).collect();
        out.sort_unstable();
        out
    }

    /// The operations `arn` was seen calling, sorted by source and name. A
    /// role's sessions logged without their issuer (path unknown) count for
    /// every role of that name in the account: the safe direction.
    pub fn calls_of(&self, arn: &str) -> Vec<Call> {
        let mut merged: BTreeMap<(&str, &str), Seen> = BTreeMap::new();
        let mut keys = vec![arn.to_string()];
        if let Some(pathless) = pathless_role(arn) {
            if pathless != arn && self.pathless.contains(&pathless) {
                keys.push(pathless);
            }
        }
        for key in &keys {
            for (source, names) in self.calls.get(key).into_iter().flatten() {
                for (name, seen) in names {
                    merged
                        .entry((source, name))
                        .and_modify(|s| s.merge(seen))
                        .or_insert(*seen);
                }
            }
        }
        merged
            .into_iter()
            .map(|((source, name), seen)| Call {
                source: source.to_string(),
                name: name.to_string(),
                seen,
            })
            .collect()
    }

    /// What the logs cover, per account, sorted by account.
    pub fn coverage(&self) -> Vec<(&str, &Coverage)> {
        let mut out: Vec<(&str, &Coverage)> =
            self.accounts.iter().map(|(a, c)| (a.as_str(), c)).collect();
        out.sort_unstable_by_key(|(a, _)| *a);
        out
    }

    /// Events with no principal to refine, by reason, sorted.
    pub fn unattributed(&self) -> &BTreeMap<String, Tally> {
        &self.unattributed
    }
}

/// What the logs cover, one sentence per account, and a warning for each
/// account whose logs begin after the window's cutoff or end more than a day
/// before `as_of`: absence from them is not evidence of non-use.
pub fn coverage_lines(coverage: &[(&str, &Coverage)], window: Option<&Window>) -> Vec<String> {
    let mut lines = Vec::new();
    for (account, c) in coverage {
        let regions: Vec<&str> = c.regions.iter().map(String::as_str).collect();
        lines.push(format!(
            "account {account}: {} event(s) from {} to {}, in {} region(s): {}",
            c.events,
            c.first,
            c.last,
            regions.len(),
            regions.join(", ")
        ));
        if let Some(window) = window {
            let cutoff = window.cutoff();
            let late_start = c.first.unix_seconds() - cutoff.unix_seconds() > DAY;
            let early_end = window.as_of.unix_seconds() - c.last.unix_seconds() > DAY;
            let mut gaps = Vec::new();
            if late_start {
                gaps.push(format!(
                    "begin on {}, after the window opens on {}",
                    c.first.date(),
                    cutoff.date()
                ));
            }
            if early_end {
                gaps.push(format!(
                    "end on {}, before the window closes on {}",
                    c.last.date(),
                    window.as_of.date()
                ));
            }
            if !gaps.is_empty() {
                lines.push(format!(
                    "warning: account {account}: the logs {} ({}-day window): an action missing from them may still be in use",
                    gaps.join(" and "),
                    window.days
                ));
            }
        }
    }
    lines
}

/// `arn:aws:iam::A:role/Name` for `arn:aws:iam::A:role/some/path/Name`:
/// the form a role takes when the logs show only its session's ARN.
pub(super) fn pathless_role(arn: &str) -> Option<String> {
    let (head, resource) = arn.split_once(":role/")?;
    let name = resource.rsplit('/').next()?;
    Some(format!("{head}:role/{name}"))
}

/// A principal an event is attributed to.
#[derive(Debug)]
struct Principal<'a> {
    arn: Cow<'a, str>,
    pathless: bool,
}

/// Whose permissions an event exercised: an IAM user by its ARN, a role
/// session by its issuer's ARN (the role's, path included; Identity Center
/// permission sets are roles too), a federated user by the IAM user who
/// federated it, the root user by its ARN. `Err` says why none.
fn attribute<'a>(identity: Option<&'a UserIdentity<'a>>) -> Result<Principal<'a>, String> {
    let Some(identity) = identity else {
        return Err("events without `userIdentity`".to_string());
    };
    let kind = identity.kind.as_deref().unwrap_or("");
    let issuer = identity
        .session_context
        .as_ref()
        .and_then(|c| c.session_issuer.as_ref())
        .and_then(|i| i.arn.as_ref())
        .map(|a| a.0.as_ref())
        .filter(|a| is_arn(a));
    let arn = identity.arn.as_deref().filter(|a| is_arn(a));
    let principal = |arn: &'a str| Principal {
        arn: Cow::Borrowed(arn),
        pathless: false,
    };
    match kind {
        "IAMUser" | "Root" => arn
            .map(principal)
            .ok_or_else(|| format!("`{kind}` events without an `arn`")),
        "AssumedRole" => {
            if let Some(issuer) = issuer {
                return Ok(principal(issuer));
            }
            // `arn:aws:sts::A:assumed-role/Name/Session`: the role's name but not its path.
            let rebuilt = arn.and_then(|a| {
                let (head, rest) = a.split_once(":assumed-role/")?;
                let (name, _) = rest.split_once('/')?;
                let head = head.replacen(":sts:", ":iam:", 1);
                Some(format!("{head}:role/{name}"))
            });
            rebuilt
                .map(|arn| Principal {
                    arn: Cow::Owned(arn),
                    pathless: true,
                })
                .ok_or_else(|| "role sessions without an issuer or a session ARN".to_string())
        }
        "FederatedUser" => issuer
            .map(principal)
            .ok_or_else(|| "federated users without their IAM user".to_string()),
        "AWSService" => Err("calls made by AWS services themselves".to_string()),
        "AWSAccount" if arn.is_none() => {
            Err("calls from another account that name no principal".to_string())
        }
        "IdentityCenterUser" | "SAMLUser" | "WebIdentityUser" | "Unknown" => Err(format!(
            "`{kind}` identities (not an IAM role or user, or not yet one)"
        )),
        _ => issuer
            .or(arn)
            .map(principal)
            .ok_or_else(|| format!("`{kind}` identities without an ARN")),
    }
}

/// A string that starts like an ARN (`arn:PARTITION:SERVICE:...`).
fn is_arn(text: &str) -> bool {
    text.starts_with("arn:") && text.split(':').count() >= 6 && !text.contains(char::is_control)
}

// ---------------------------------------------------------------------------
// The fields read, and nothing else
// ---------------------------------------------------------------------------

/// A string borrowed from the input when it holds no escape.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
struct Str<'a>(#[serde(borrow)] Cow<'a, str>);

impl std::ops::Deref for Str<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserIdentity<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    arn: Option<Str<'a>>,
    #[serde(borrow)]
    account_id: Option<Str<'a>>,
    #[serde(borrow)]
    session_context: Option<SessionContext<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionContext<'a> {
    #[serde(borrow)]
    session_issuer: Option<Issuer<'a>>,
}

#[derive(Debug, Default, Deserialize)]
struct Issuer<'a> {
    #[serde(borrow)]
    arn: Option<Str<'a>>,
}

/// One event record: only the fields pare reads.
#[derive(Debug, Default)]
struct Record<'a> {
    event_time: Option<Str<'a>>,
    event_source: Option<Str<'a>>,
    event_name: Option<Str<'a>>,
    aws_region: Option<Str<'a>>,
    error_code: Option<Str<'a>>,
    recipient_account_id: Option<Str<'a>>,
    event_type: Option<Str<'a>>,
    user_identity: Option<UserIdentity<'a>>,
}

/// A top-level JSON value of a log file.
enum Top<'a> {
    Records(Vec<Record<'a>>),
    Lookup(Vec<Str<'a>>),
    Event(Box<Record<'a>>),
    Neither,
}

/// The keys pare reads, at the top level or in an event.
enum Field {
    Records,
    Events,
    EventTime,
    EventSource,
    EventName,
    AwsRegion,
    ErrorCode,
    RecipientAccountId,
    EventType,
    UserIdentity,
    Other,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Field, D::Error> {
        struct FieldVisitor;
        impl Visitor<'_> for FieldVisitor {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Field, E> {
                Ok(match key {
                    "Records" => Field::Records,
                    "Events" => Field::Events,
                    "eventTime" => Field::EventTime,
                    "eventSource" => Field::EventSource,
                    "eventName" => Field::EventName,
                    "awsRegion" => Field::AwsRegion,
                    "errorCode" => Field::ErrorCode,
                    "recipientAccountId" => Field::RecipientAccountId,
                    "eventType" => Field::EventType,
                    "userIdentity" => Field::UserIdentity,
                    _ => Field::Other,
                })
            }
        }
        deserializer.deserialize_identifier(FieldVisitor)
    }
}

/// One `lookup-events` item: only the event's text.
#[derive(Deserialize)]
struct LookupItem<'a> {
    #[serde(borrow, rename = "CloudTrailEvent")]
    event: Option<Str<'a>>,
}

/// Reads the value of an event field into `record`; `false` for a key that is not one.
fn event_field<'de, A: MapAccess<'de>>(
    field: &Field,
    record: &mut Record<'de>,
    map: &mut A,
) -> Result<bool, A::Error> {
    let slot = match field {
        Field::EventTime => &mut record.event_time,
        Field::EventSource => &mut record.event_source,
        Field::EventName => &mut record.event_name,
        Field::AwsRegion => &mut record.aws_region,
        Field::ErrorCode => &mut record.error_code,
        Field::RecipientAccountId => &mut record.recipient_account_id,
        Field::EventType => &mut record.event_type,
        Field::UserIdentity => {
            record.user_identity = map.next_value()?;
            return Ok(true);
        }
        _ => return Ok(false),
    };
    *slot = map.next_value()?;
    Ok(true)
}

impl<'de> Deserialize<'de> for Record<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Record<'de>, D::Error> {
        struct RecordVisitor;
        impl<'de> Visitor<'de> for RecordVisitor {
            type Value = Record<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a CloudTrail event object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record<'de>, A::Error> {
                let mut record = Record::default();
                while let Some(field) = map.next_key::<Field>()? {
                    if !event_field(&field, &mut record, &mut map)? {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(record)
            }
        }
        deserializer.deserialize_map(RecordVisitor)
    }
}

impl<'de> Deserialize<'de> for Top<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Top<'de>, D::Error> {
        struct TopVisitor;
        impl<'de> Visitor<'de> for TopVisitor {
            type Value = Top<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top<'de>, A::Error> {
                let mut record = Record::default();
                let mut records = None;
                let mut lookup = None;
                while let Some(field) = map.next_key::<Field>()? {
                    match field {
                        Field::Records => records = Some(map.next_value::<Vec<Record<'de>>>()?),
                        Field::Events => {
                            let items = map.next_value::<Vec<LookupItem<'de>>>()?;
                            lookup = Some(items.into_iter().filter_map(|i| i.event).collect());
                        }
                        _ => {
                            if !event_field(&field, &mut record, &mut map)? {
                                map.next_value::<IgnoredAny>()?;
                            }
                        }
                    }
                }
                Ok(match (records, lookup) {
                    (Some(records), _) => Top::Records(records),
                    (None, Some(events)) => Top::Lookup(events),
                    (None, None)
                        if record.event_name.is_some() || record.event_source.is_some() =>
                    {
                        Top::Event(Box::new(record))
                    }
                    (None, None) => Top::Neither,
                })
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Top<'de>, A::Error> {
                // A bare array of events (`jq '.Records'` output).
                let mut records = Vec::new();
                while let Some(record) = seq.next_element::<Record<'de>>()? {
                    records.push(record);
                }
                Ok(Top::Records(records))
            }
        }
        deserializer.deserialize_any(TopVisitor)
    }
}

#[cfg(test)]
mod tests;
