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

// ---------------------------------------------------------------------------
// From operations to actions, and to what is unused
// ---------------------------------------------------------------------------

/// What the event table says one CloudTrail event stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventActions {
    /// The IAM actions (`service:Action`) the operation authorizes; all of
    /// them count as used (the safe direction).
    Actions(Vec<String>),
    /// The table knows no service of that `eventSource`.
    UnknownSource,
    /// The service is known, the operation is not.
    UnknownEvent,
}

/// The event → actions table, as the CloudTrail source reads it (the
/// catalog's generated table in `pare`, a few literal rows in tests).
pub trait EventMap {
    /// The actions an event authorizes.
    fn actions(&self, source: &str, name: &str) -> EventActions;
    /// The IAM service prefix of an event source, when the table knows it.
    fn prefix(&self, source: &str) -> Option<String>;
    /// Every operation the table knows: event source, event name, and the
    /// actions it authorizes.
    fn operations(&self) -> Vec<(String, String, Vec<String>)>;
}

impl EventMap for crate::events::EventTable<'_> {
    fn actions(&self, source: &str, name: &str) -> EventActions {
        match self.lookup(source, name) {
            crate::events::EventLookup::Actions(actions) => {
                EventActions::Actions(actions.iter().map(|a| a.to_string()).collect())
            }
            crate::events::EventLookup::UnknownSource => EventActions::UnknownSource,
            crate::events::EventLookup::UnknownEvent => EventActions::UnknownEvent,
        }
    }

    fn prefix(&self, source: &str) -> Option<String> {
        // The service of a source's first operation; every row of a source
        // names actions of its own service but for a few cross-service ones.
        let rows = self.source_rows(source);
        let mut prefixes: Vec<&str> = rows
            .iter()
            .flat_map(|row| row.actions.iter().map(|a| split_action(a).0))
            .collect();
        prefixes.sort_unstable();
        let most = prefixes
            .chunk_by(|a, b| a == b)
            .max_by_key(|run| run.len())?;
        most.first().map(|p| p.to_ascii_lowercase())
    }

    fn operations(&self) -> Vec<(String, String, Vec<String>)> {
        self.rows()
            .iter()
            .map(|row| {
                (
                    row.event_source.to_string(),
                    row.event_name.to_string(),
                    row.actions.iter().map(|a| a.to_string()).collect(),
                )
            })
            .collect()
    }
}

/// One action a principal used, with when and how often.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionUse {
    /// `service:Action`, in the catalog's spelling when it knows the action.
    pub name: String,
    /// Over every event that authorized it.
    pub seen: Seen,
}

/// What one principal used, in actions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObservedUsage {
    /// The principal's ARN.
    pub principal: String,
    /// Lowercased action name to its use.
    pub actions: BTreeMap<String, ActionUse>,
    /// Operations the table could not map, with their counts.
    pub unmapped: Vec<Call>,
    /// Service prefixes that have unmapped operations: their actions stay.
    pub unmapped_services: BTreeSet<String>,
    /// Operations the table could not map that need no permission
    /// (`needs_no_permission`): counted apart, they keep no service.
    pub no_permission: Vec<Call>,
}

impl ObservedUsage {
    /// Counts `seen` for `action` (a name as the table gives it).
    pub fn add(&mut self, action: &str, seen: &Seen, table: ActionTable<'_>) {
        let name = match table.get(action) {
            Some(row) => row.name.to_string(),
            None => {
                let (service, rest) = split_action(action);
                format!("{}:{rest}", service.to_ascii_lowercase())
            }
        };
        self.actions
            .entry(name.to_ascii_lowercase())
            .and_modify(|u| u.seen.merge(seen))
            .or_insert(ActionUse { name, seen: *seen });
    }
}

impl CloudTrail {
    /// What `arn` used, in actions: each operation through `events`; an
    /// operation the table does not know counts for `prefix:eventName` (its
    /// API version stripped) when the catalog knows that action, and is
    /// reported as unmapped otherwise.
    pub fn usage_of(
        &self,
        arn: &str,
        events: &dyn EventMap,
        table: ActionTable<'_>,
    ) -> ObservedUsage {
        usage_from_calls(arn, self.calls_of(arn), events, table)
    }

    /// [`CloudTrail::usage_of`] without the sessions of a role of that name
    /// whose path the logs did not show: each key on its own, for a usage file.
    pub fn usage_of_exactly(
        &self,
        arn: &str,
        events: &dyn EventMap,
        table: ActionTable<'_>,
    ) -> ObservedUsage {
        let mut calls: Vec<Call> = Vec::new();
        for (source, names) in self.calls.get(arn).into_iter().flatten() {
            for (name, seen) in names {
                calls.push(Call {
                    source: source.clone(),
                    name: name.clone(),
                    seen: *seen,
                });
            }
        }
        calls.sort_by(|a, b| (&a.source, &a.name).cmp(&(&b.source, &b.name)));
        usage_from_calls(arn, calls, events, table)
    }

    /// The role ARNs rebuilt without their path.
    pub fn pathless(&self) -> &BTreeSet<String> {
        &self.pathless
    }
}

fn usage_from_calls(
    arn: &str,
    calls: Vec<Call>,
    events: &dyn EventMap,
    table: ActionTable<'_>,
) -> ObservedUsage {
    let mut usage = ObservedUsage {
        principal: arn.to_string(),
        ..ObservedUsage::default()
    };
    for call in calls {
        match events.actions(&call.source, &call.name) {
            EventActions::Actions(actions) => {
                for action in &actions {
                    usage.add(action, &call.seen, table);
                }
            }
            EventActions::UnknownSource | EventActions::UnknownEvent => {
                let prefix = events.prefix(&call.source).or_else(|| {
                    call.source
                        .strip_suffix(".amazonaws.com")
                        .filter(|p| !table.with_prefix(&format!("{p}:")).is_empty())
                        .map(str::to_ascii_lowercase)
                });
                let by_name = prefix.as_ref().and_then(|p| {
                    let versionless = strip_api_version(&call.name);
                    [Some(call.name.as_str()), versionless]
                        .into_iter()
                        .flatten()
                        .map(|n| format!("{p}:{n}"))
                        .find(|candidate| table.get(candidate).is_some())
                });
                match by_name {
                    Some(action) => usage.add(&action, &call.seen, table),
                    None if super::no_permission::needs_no_permission(&call.source, &call.name) => {
                        usage.no_permission.push(call);
                    }
                    None => {
                        if let Some(prefix) = prefix {
                            usage.unmapped_services.insert(prefix);
                        }
                        usage.unmapped.push(call);
                    }
                }
            }
        }
    }
    usage
}

/// Why CloudTrail cannot show an action's use.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unobservable {
    /// No operation the table knows authorizes it (console-only, or a
    /// permission checked inside other calls).
    NoOperation,
    /// An operation that authorizes it is a data event of this type, which
    /// the trail does not log (for this kind of action).
    DataEvent(&'static str),
    /// Its operations are management events the trail does not log: of this
    /// kind (`read`, `write`), or of an excluded event source.
    Management(String),
    /// An operation that authorizes it is served by this event source, which
    /// looks like a data plane of a service the data event table has no type
    /// for: AWS may log it as a data event newer than the table.
    DataPlane(String),
}

impl fmt::Display for Unobservable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unobservable::NoOperation => f.write_str("no logged operation authorizes them"),
            Unobservable::DataEvent(kind) => {
                write!(
                    f,
                    "authorized by `{kind}` data events, which the trail does not log"
                )
            }
            Unobservable::Management(what) => {
                write!(
                    f,
                    "authorized by {what} management events, which the trail does not log"
                )
            }
            Unobservable::DataPlane(source) => {
                write!(
                    f,
                    "authorized by operations of `{source}`, a data-plane endpoint whose data events the table does not know"
                )
            }
        }
    }
}

/// What the logs can show: the trail's configuration and, per action, the
/// operations that authorize it. Built once per run.
#[derive(Debug)]
pub struct Observability {
    /// What the trail logs.
    pub config: TrailConfig,
    /// Lowercased action to the (source, event name) pairs that authorize it.
    operations: HashMap<String, Vec<(String, String)>>,
}

impl Observability {
    /// Inverts `events` once.
    pub fn new(events: &dyn EventMap, config: TrailConfig) -> Observability {
        let mut operations: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for (source, name, actions) in events.operations() {
            for action in actions {
                operations
                    .entry(action.to_ascii_lowercase())
                    .or_default()
                    .push((source.clone(), name.clone()));
            }
        }
        Observability { config, operations }
    }

    /// Why the use of `action` (lowercased) of `write` kind would not show in
    /// the logs, or `None` when every operation that authorizes it is logged.
    ///
    /// An operation is logged when: it is a listed data operation of types
    /// the trail logs; or it may be a data event of types AWS does not list
    /// one by one, the trail logs all of them, and it logs the source's
    /// management events too (pare does not know which of the two it is); or
    /// it is a management event the trail logs, not served by what looks like
    /// a data plane of a service the data event table does not know. See
    /// `usage::data_events` for why.
    pub fn why_unobservable(&self, action: &str, write: bool) -> Option<Unobservable> {
        let Some(operations) = self.operations.get(action) else {
            return Some(Unobservable::NoOperation);
        };
        let prefix = split_action(action).0;
        for (source, name) in operations {
            let types = super::data_events::data_event_types(source, name, action);
            // Every type that may log the event must be logged (or one that
            // logs all of its events): a read through an S3 access point is
            // logged by `AWS::S3::Object`, but `AWS::S3::AccessPoint` alone
            // misses the reads that go to the bucket.
            if let Some(missing) = types.iter().find(|t| !self.config.logs_data(t, write)) {
                return Some(Unobservable::DataEvent(missing.resource_type));
            }
            if !types.is_empty() && types.iter().all(|t| t.is_listed()) {
                continue;
            }
            if types.is_empty()
                && super::data_events::looks_like_data_plane(source)
                && !super::data_events::has_data_event_types(prefix)
            {
                return Some(Unobservable::DataPlane(source.clone()));
            }
            if !self.config.logs_management(source, write) {
                let what = if self.config.excludes(source, write) {
                    format!("`{source}`")
                } else if write {
                    "write".to_string()
                } else {
                    "read".to_string()
                };
                return Some(Unobservable::Management(what));
            }
        }
        None
    }
}

/// Whether the catalog counts an action as a write: any level but Read and List.
fn is_write(access: AccessLevel) -> bool {
    access.bits() & !AccessLevel::LIST.bits() != 0
}

/// CloudTrail as a source: every known action the policies' Allow statements
/// grant becomes unused unless the principal used it within the window, or
/// the logs could not show its use: permission-only actions, actions no
/// logged operation authorizes, data events and management events the trail
/// does not log, and every action of a service with events the table could
/// not map. Each kept action is reported with its reason.
pub fn from_cloudtrail(
    policies: &[&Policy],
    usage: &ObservedUsage,
    observability: &Observability,
    table: ActionTable<'_>,
    window: Option<&Window>,
) -> Inference {
    let mut seen = UnusedSet::new();
    for used in usage.actions.values() {
        seen.insert_action(&used.name, None);
    }
    let known = Known::new(table, policies.iter().copied(), &seen);
    let grants = grants(policies, &known);
    let granted = granted_set(&grants);
    let mut unused = UnusedSet::new();
    let mut report = SourceReport::new(UsageSource::CloudTrail);
    let mut kept = BTreeSet::new();
    let mut reasons: BTreeMap<Unobservable, Vec<&str>> = BTreeMap::new();
    let mut before_window: Vec<&str> = Vec::new();
    let mut unmapped_service: Vec<&str> = Vec::new();
    for (lower, name) in &granted {
        if let Some(used) = usage.actions.get(lower) {
            if window.is_none_or(|w| w.is_recent(used.seen.last)) {
                continue;
            }
            before_window.push(name);
        }
        if is_permission_only(lower) {
            report.permission_only_kept.push(name.clone());
            kept.insert(lower.clone());
            continue;
        }
        let Some(row) = table.get(lower) else {
            report.untracked_kept.push(name.clone());
            kept.insert(lower.clone());
            continue;
        };
        if usage.unmapped_services.contains(row.service()) {
            unmapped_service.push(name);
            report.untracked_kept.push(name.clone());
            kept.insert(lower.clone());
            continue;
        }
        if let Some(reason) = observability.why_unobservable(lower, is_write(row.access)) {
            reasons.entry(reason).or_default().push(name);
            report.untracked_kept.push(name.clone());
            kept.insert(lower.clone());
            continue;
        }
        unused.insert_action(name, None);
        report.actions_unused.push(Arc::from(name.as_str()));
    }
    report.notes.push(observability.config.describe());
    report.notes.extend(observability.config.all_notes());
    for (reason, names) in &reasons {
        report.notes.push(format!(
            "{} granted action(s) kept, {reason}: {}",
            names.len(),
            first_few(names)
        ));
    }
    if !unmapped_service.is_empty() {
        report.notes.push(format!(
            "{} granted action(s) kept because their service has events the table cannot map: {}",
            unmapped_service.len(),
            first_few(&unmapped_service)
        ));
    }
    if !usage.unmapped.is_empty() {
        let total: u64 = usage.unmapped.iter().map(|c| c.seen.count).sum();
        let examples: Vec<String> = usage
            .unmapped
            .iter()
            .map(|c| format!("{} {}", c.source, c.name))
            .collect();
        let examples: Vec<&str> = examples.iter().map(String::as_str).collect();
        report.notes.push(format!(
            "{total} event(s) of {} operation(s) the event table cannot map: {}",
            usage.unmapped.len(),
            first_few(&examples)
        ));
    }
    if !usage.no_permission.is_empty() {
        let total: u64 = usage.no_permission.iter().map(|c| c.seen.count).sum();
        let examples: Vec<String> = usage
            .no_permission
            .iter()
            .map(|c| format!("{} {}", c.source, c.name))
            .collect();
        let examples: Vec<&str> = examples.iter().map(String::as_str).collect();
        report.notes.push(format!(
            "{total} event(s) of {} operation(s) that need no permission, counted for no action: {}",
            usage.no_permission.len(),
            first_few(&examples)
        ));
    }
    if let Some(window) = window {
        if !before_window.is_empty() {
            report.notes.push(format!(
                "{} granted action(s) used only before {}: {}",
                before_window.len(),
                window.cutoff(),
                first_few(&before_window)
            ));
        }
        report.notes.push(format!(
            "unused means not called since {} ({} day(s) before {})",
            window.cutoff(),
            window.days,
            window.as_of
        ));
    }
    let used_not_granted: Vec<&str> = usage
        .actions
        .iter()
        .filter(|(lower, _)| !granted.contains_key(*lower))
        .map(|(_, u)| u.name.as_str())
        .collect();
    if !used_not_granted.is_empty() {
        report.notes.push(format!(
            "{} used action(s) that no Allow statement grants (another policy may grant them): {}",
            used_not_granted.len(),
            first_few(&used_not_granted)
        ));
    }
    finish(&mut report);
    report.wildcards_kept_alive = kept_alive(&grants, &unused, &kept);
    Inference { unused, report }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    const USER: &str = r#"{"type":"IAMUser","principalId":"EX_PRINCIPAL_ID","arn":"arn:aws:iam::123456789012:user/Alice","accountId":"123456789012","userName":"Alice"}"#;
    const ROLE: &str = r#"{"type":"AssumedRole","principalId":"AROAEXAMPLE:s","arn":"arn:aws:sts::123456789012:assumed-role/App/s","accountId":"123456789012","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::123456789012:role/service/App","accountId":"123456789012","userName":"App"},"attributes":{"creationDate":"2026-06-01T00:00:00Z","mfaAuthenticated":"false"}}}"#;

    fn event(identity: &str, time: &str, source: &str, name: &str, extra: &str) -> String {
        format!(
            r#"{{"eventVersion":"1.09","userIdentity":{identity},"eventTime":"{time}","eventSource":"{source}","eventName":"{name}","awsRegion":"us-east-2","sourceIPAddress":"192.0.2.1","requestParameters":{{"a":[1,2.5,{{"b":null}}]}},"responseElements":null,"recipientAccountId":"123456789012"{extra}}}"#
        )
    }

    #[test]
    fn reads_the_three_shapes_and_attributes_each_event() {
        let records = format!(
            r#"{{"Records":[{},{}]}}"#,
            event(
                USER,
                "2026-06-01T10:00:00Z",
                "ec2.amazonaws.com",
                "StartInstances",
                ""
            ),
            event(
                ROLE,
                "2026-06-02T10:00:00Z",
                "s3.amazonaws.com",
                "ListBuckets",
                r#","errorCode":"AccessDenied""#
            ),
        );
        let inner = event(
            ROLE,
            "2026-06-03T10:00:00Z",
            "s3.amazonaws.com",
            "ListBuckets",
            "",
        );
        let lookup = serde_json::json!({"Events": [{"EventId": "x", "EventName": "ListBuckets", "CloudTrailEvent": inner}], "NextToken": "t"}).to_string();
        let lines = format!(
            "{}\n{}\n",
            event(
                USER,
                "2026-05-01T10:00:00Z",
                "ec2.amazonaws.com",
                "StartInstances",
                ""
            ),
            event(
                r#"{"type":"AWSService","invokedBy":"ec2.amazonaws.com"}"#,
                "2026-06-01T10:00:00Z",
                "sts.amazonaws.com",
                "AssumeRole",
                ""
            )
        );
        let window = Window {
            as_of: ts("2026-06-10"),
            days: 30,
        };
        let mut trail = CloudTrail::new(Some(&window));
        trail.read(records.as_bytes()).unwrap();
        trail.read(lookup.as_bytes()).unwrap();
        trail.read(lines.as_bytes()).unwrap();
        assert_eq!(trail.events(), 5);
        assert_eq!(trail.before_window(), 1);
        assert_eq!(trail.denied(), 1);
        assert_eq!(
            trail.principals(),
            [
                "arn:aws:iam::123456789012:role/service/App",
                "arn:aws:iam::123456789012:user/Alice"
            ]
        );
        let role = trail.calls_of("arn:aws:iam::123456789012:role/service/App");
        assert_eq!(role.len(), 1);
        assert_eq!(role[0].name, "ListBuckets");
        assert_eq!(role[0].seen.count, 2);
        assert_eq!(role[0].seen.denied, 1);
        assert_eq!(role[0].seen.first, ts("2026-06-02T10:00:00Z"));
        assert_eq!(role[0].seen.last, ts("2026-06-03T10:00:00Z"));
        let user = trail.calls_of("arn:aws:iam::123456789012:user/Alice");
        assert_eq!(user[0].seen.first, ts("2026-05-01T10:00:00Z"));
        let unattributed = trail.unattributed();
        assert_eq!(unattributed.len(), 1);
        let (reason, tally) = unattributed.iter().next().unwrap();
        assert!(reason.contains("AWS services"), "{reason}");
        assert_eq!(tally.examples, ["sts.amazonaws.com AssumeRole"]);
        let coverage = trail.coverage();
        assert_eq!(coverage.len(), 1);
        assert_eq!(coverage[0].1.first, ts("2026-05-01T10:00:00Z"));
        assert_eq!(coverage[0].1.regions.len(), 1);
    }

    #[test]
    fn a_session_without_its_issuer_counts_for_every_role_of_its_name() {
        let bare = r#"{"type":"AssumedRole","arn":"arn:aws:sts::123456789012:assumed-role/App/s","accountId":"123456789012"}"#;
        let mut trail = CloudTrail::new(None);
        trail
            .read(
                event(
                    bare,
                    "2026-06-01T10:00:00Z",
                    "sqs.amazonaws.com",
                    "SendMessage",
                    "",
                )
                .as_bytes(),
            )
            .unwrap();
        assert_eq!(trail.principals(), ["arn:aws:iam::123456789012:role/App"]);
        for arn in [
            "arn:aws:iam::123456789012:role/service/App",
            "arn:aws:iam::123456789012:role/App",
        ] {
            assert_eq!(trail.calls_of(arn).len(), 1, "{arn}");
        }
        assert!(
            trail
                .calls_of("arn:aws:iam::123456789012:role/Other")
                .is_empty()
        );
        assert!(
            trail
                .calls_of("arn:aws:iam::999999999999:role/App")
                .is_empty()
        );
    }

    #[test]
    fn merging_scans_is_the_same_as_one_scan() {
        let a = event(
            USER,
            "2026-06-01T10:00:00Z",
            "ec2.amazonaws.com",
            "StartInstances",
            "",
        );
        let b = event(
            USER,
            "2026-06-05T10:00:00Z",
            "ec2.amazonaws.com",
            "StartInstances",
            "",
        );
        let mut one = CloudTrail::new(None);
        one.read(format!("{a}\n{b}").as_bytes()).unwrap();
        let mut left = CloudTrail::new(None);
        left.read(a.as_bytes()).unwrap();
        let mut right = CloudTrail::new(None);
        right.read(b.as_bytes()).unwrap();
        left.merge(right);
        let arn = "arn:aws:iam::123456789012:user/Alice";
        assert_eq!(one.calls_of(arn), left.calls_of(arn));
        assert_eq!(one.coverage(), left.coverage());
        assert_eq!(left.events(), 2);
    }

    #[test]
    fn escaped_strings_and_a_byte_order_mark_are_read() {
        let text = "\u{feff}{\"Records\":[{\"eventTime\":\"2026-06-01T10:00:00Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"Get\\u004fbject\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::1:user/A\\/B\"}}]}";
        let mut trail = CloudTrail::new(None);
        trail.read(text.as_bytes()).unwrap();
        let calls = trail.calls_of("arn:aws:iam::1:user/A/B");
        assert_eq!(calls[0].name, "GetObject");
    }

    #[test]
    fn what_is_not_cloudtrail_is_an_error() {
        let mut trail = CloudTrail::new(None);
        for (text, expected) in [
            (
                r#"{"Version":"2012-10-17","Statement":[]}"#,
                "not CloudTrail events",
            ),
            (
                r#"{"Records":[{"eventName":"GetObject"}]}"#,
                "`Records[0]`: a CloudTrail event needs",
            ),
            (
                r#"{"Records":[{"eventTime":"yesterday","eventSource":"s","eventName":"n"}]}"#,
                "`Records[0]`: `eventTime`",
            ),
            (r#"{"Records":[1]}"#, "line 1"),
            (r#"{"Records":[{"eventTime":"#, "line 1"),
            (
                r#"{"Events":[{"CloudTrailEvent":"{nope"}]}"#,
                "`Events[0].CloudTrailEvent`: not a CloudTrail event",
            ),
        ] {
            let err = trail.read(text.as_bytes()).unwrap_err();
            assert!(err.to_string().contains(expected), "{text}: {err}");
        }
        assert_eq!(trail.events(), 0);
    }

    #[test]
    fn coverage_shorter_than_the_window_is_a_warning() {
        let mut trail = CloudTrail::new(None);
        trail
            .read(
                event(
                    USER,
                    "2026-06-01T10:00:00Z",
                    "ec2.amazonaws.com",
                    "StartInstances",
                    "",
                )
                .as_bytes(),
            )
            .unwrap();
        trail
            .read(
                event(
                    USER,
                    "2026-06-09T10:00:00Z",
                    "ec2.amazonaws.com",
                    "StartInstances",
                    "",
                )
                .as_bytes(),
            )
            .unwrap();
        let long = Window {
            as_of: ts("2026-06-10"),
            days: 90,
        };
        let lines = coverage_lines(&trail.coverage(), Some(&long));
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(
            lines[1],
            "warning: account 123456789012: the logs begin on 2026-06-01, after the window opens on 2026-03-12 (90-day window): an action missing from them may still be in use"
        );
        let short = Window {
            as_of: ts("2026-06-10"),
            days: 9,
        };
        assert_eq!(coverage_lines(&trail.coverage(), Some(&short)).len(), 1);
        let later = Window {
            as_of: ts("2026-06-20"),
            days: 9,
        };
        let lines = coverage_lines(&trail.coverage(), Some(&later));
        assert!(
            lines[1].contains(
                "the logs end on 2026-06-09, before the window closes on 2026-06-20 (9-day window)"
            ),
            "{lines:?}"
        );
    }
    // -----------------------------------------------------------------------
    // Inference
    // -----------------------------------------------------------------------

    use crate::table::{AccessLevel, KnownAction};
    use crate::usage::trail_config::TrailConfig;

    const ROWS: &[KnownAction] = &[
        KnownAction::new_static("bedrock:CreateAgent", AccessLevel::WRITE, true),
        KnownAction::new_static("bedrock:InvokeModel", AccessLevel::READ, true),
        KnownAction::new_static("ec2:DescribeInstances", AccessLevel::LIST, true),
        KnownAction::new_static("ec2:StartInstances", AccessLevel::WRITE, true),
        KnownAction::new_static("iam:CreateRole", AccessLevel::WRITE, true),
        KnownAction::new_static("iam:GetRole", AccessLevel::READ, true),
        KnownAction::new_static("iam:ListRoles", AccessLevel::LIST, true),
        KnownAction::new_static("iam:PassRole", AccessLevel::WRITE, false),
        KnownAction::new_static("kinesis:CreateStream", AccessLevel::WRITE, true),
        KnownAction::new_static("kinesis:PutRecord", AccessLevel::WRITE, true),
        KnownAction::new_static("lambda:GetFunction", AccessLevel::READ, true),
        KnownAction::new_static("lambda:InvokeFunction", AccessLevel::WRITE, true),
        KnownAction::new_static("personalize:GetRecommendations", AccessLevel::READ, true),
        KnownAction::new_static("s3:CreateBucket", AccessLevel::WRITE, true),
        KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
        KnownAction::new_static("s3:ListAllMyBuckets", AccessLevel::LIST, true),
        KnownAction::new_static("s3:ListBucket", AccessLevel::LIST, true),
        KnownAction::new_static("s3:PutObject", AccessLevel::WRITE, true),
        KnownAction::new_static("sqs:SendMessage", AccessLevel::WRITE, true),
        KnownAction::new_static("sts:AssumeRole", AccessLevel::WRITE, true),
    ];

    const EVENTS: &[(&str, &str, &[&str])] = &[
        (
            "bedrock-runtime.amazonaws.com",
            "InvokeModel",
            &["bedrock:InvokeModel"],
        ),
        (
            "bedrock.amazonaws.com",
            "CreateAgent",
            &["bedrock:CreateAgent"],
        ),
        (
            "ec2.amazonaws.com",
            "DescribeInstances",
            &["ec2:DescribeInstances"],
        ),
        (
            "ec2.amazonaws.com",
            "StartInstances",
            &["ec2:StartInstances"],
        ),
        ("iam.amazonaws.com", "CreateRole", &["iam:CreateRole"]),
        ("iam.amazonaws.com", "GetRole", &["iam:GetRole"]),
        ("iam.amazonaws.com", "ListRoles", &["iam:ListRoles"]),
        (
            "kinesis.amazonaws.com",
            "CreateStream",
            &["kinesis:CreateStream"],
        ),
        ("kinesis.amazonaws.com", "PutRecord", &["kinesis:PutRecord"]),
        (
            "lambda.amazonaws.com",
            "GetFunction",
            &["lambda:GetFunction"],
        ),
        ("lambda.amazonaws.com", "Invoke", &["lambda:InvokeFunction"]),
        (
            "personalize-runtime.amazonaws.com",
            "GetRecommendations",
            &["personalize:GetRecommendations"],
        ),
        ("s3.amazonaws.com", "CreateBucket", &["s3:CreateBucket"]),
        ("s3.amazonaws.com", "GetObject", &["s3:GetObject"]),
        ("s3.amazonaws.com", "ListBuckets", &["s3:ListAllMyBuckets"]),
        ("s3.amazonaws.com", "ListObjectsV2", &["s3:ListBucket"]),
        ("s3.amazonaws.com", "PutObject", &["s3:PutObject"]),
        ("sqs.amazonaws.com", "SendMessage", &["sqs:SendMessage"]),
        ("sts.amazonaws.com", "AssumeRole", &["sts:AssumeRole"]),
    ];

    /// The event table of the tests: a few literal rows.
    struct Literal;

    impl EventMap for Literal {
        fn actions(&self, source: &str, name: &str) -> EventActions {
            match EVENTS.iter().find(|(s, n, _)| *s == source && *n == name) {
                Some((_, _, actions)) => {
                    EventActions::Actions(actions.iter().map(|a| a.to_string()).collect())
                }
                None if EVENTS.iter().any(|(s, _, _)| *s == source) => EventActions::UnknownEvent,
                None => EventActions::UnknownSource,
            }
        }
        fn prefix(&self, source: &str) -> Option<String> {
            EVENTS
                .iter()
                .find(|(s, _, _)| *s == source)
                .map(|(_, _, a)| split_action(a[0]).0.to_string())
        }
        fn operations(&self) -> Vec<(String, String, Vec<String>)> {
            EVENTS
                .iter()
                .map(|(s, n, a)| {
                    (
                        s.to_string(),
                        n.to_string(),
                        a.iter().map(|x| x.to_string()).collect(),
                    )
                })
                .collect()
        }
    }

    fn table() -> ActionTable<'static> {
        ActionTable::new(ROWS).unwrap()
    }

    const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/service/App";

    fn policy(actions: &[&str]) -> Policy {
        Policy::parse(
            &serde_json::json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": actions, "Resource": "*"}]})
            .to_string(),
        )
        .unwrap()
    }

    fn trail_of(calls: &[(&str, &str, &str, &str)]) -> CloudTrail {
        let mut trail = CloudTrail::new(None);
        let lines: Vec<String> = calls
            .iter()
            .map(|(time, source, name, extra)| event(ROLE, time, source, name, extra))
            .collect();
        trail.read(lines.join("\n").as_bytes()).unwrap();
        trail
    }

    fn unused_names(inference: &Inference) -> Vec<String> {
        inference
            .unused
            .actions()
            .map(|a| a.name.to_string())
            .collect()
    }

    #[test]
    fn unused_is_granted_minus_used_minus_unobservable() {
        let trail = trail_of(&[
            (
                "2026-06-01T00:00:00Z",
                "s3.amazonaws.com",
                "ListBuckets",
                "",
            ),
            (
                "2026-06-02T00:00:00Z",
                "iam.amazonaws.com",
                "GetRole",
                r#","errorCode":"AccessDenied""#,
            ),
            (
                "2026-06-03T00:00:00Z",
                "ec2.amazonaws.com",
                "DescribeInstances",
                "",
            ),
        ]);
        let usage = trail.usage_of(ROLE_ARN, &Literal, table());
        assert_eq!(usage.actions.len(), 3);
        let policy = policy(&["s3:*", "iam:*", "lambda:*", "ec2:*"]);
        let observability = Observability::new(&Literal, TrailConfig::default());
        let inference = from_cloudtrail(&[&policy], &usage, &observability, table(), None);
        assert_eq!(
            unused_names(&inference),
            [
                "ec2:StartInstances",
                "iam:CreateRole",
                "iam:ListRoles",
                "lambda:GetFunction",
                "s3:CreateBucket"
            ]
        );
        let report = &inference.report;
        assert_eq!(report.permission_only_kept, ["iam:PassRole"]);
        assert_eq!(
            report.untracked_kept,
            [
                "lambda:InvokeFunction",
                "s3:GetObject",
                "s3:ListBucket",
                "s3:PutObject"
            ]
        );
        let notes = report.notes.join("\n");
        assert!(notes.contains("the default trail is assumed"), "{notes}");
        assert!(
            notes.contains("`AWS::S3::Object` data events, which the trail does not log"),
            "{notes}"
        );
        assert!(notes.contains("`AWS::Lambda::Function`"), "{notes}");
    }

    #[test]
    fn the_trail_configuration_decides_what_is_observable() {
        let trail = trail_of(&[(
            "2026-06-01T00:00:00Z",
            "s3.amazonaws.com",
            "ListBuckets",
            "",
        )]);
        let usage = trail.usage_of(ROLE_ARN, &Literal, table());
        let config = TrailConfig::parse(
            r#"{"EventSelectors": [
                {"ReadWriteType": "ReadOnly", "IncludeManagementEvents": true, "DataResources": []},
                {"ReadWriteType": "All", "IncludeManagementEvents": false,
                 "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}]}"#,
        )
        .unwrap();
        let observability = Observability::new(&Literal, config);
        let policy = policy(&["s3:*", "iam:*", "ec2:*"]);
        let inference = from_cloudtrail(&[&policy], &usage, &observability, table(), None);
        // Reads are logged, S3 object operations too; writes to management are not.
        assert_eq!(
            unused_names(&inference),
            [
                "ec2:DescribeInstances",
                "iam:GetRole",
                "iam:ListRoles",
                "s3:GetObject",
                "s3:ListBucket",
                "s3:PutObject"
            ]
        );
        assert_eq!(
            inference.report.untracked_kept,
            ["ec2:StartInstances", "iam:CreateRole", "s3:CreateBucket"]
        );
        assert!(
            inference
                .report
                .notes
                .iter()
                .any(|n| n.contains("by write management events"))
        );
    }

    /// Data events the first table (2023) lacked: Kinesis and Bedrock have
    /// data event types whose operations AWS does not list one by one.
    /// Before, their actions counted as management events and went.
    #[test]
    fn services_with_unlisted_data_events_keep_their_actions() {
        let trail = trail_of(&[("2026-06-01T00:00:00Z", "iam.amazonaws.com", "GetRole", "")]);
        let usage = trail.usage_of(ROLE_ARN, &Literal, table());
        let policy = policy(&["kinesis:*", "bedrock:*", "personalize:*", "iam:GetRole"]);
        let kept_by = |config: TrailConfig| {
            let observability = Observability::new(&Literal, config);
            let inference = from_cloudtrail(&[&policy], &usage, &observability, table(), None);
            (
                unused_names(&inference),
                inference.report.untracked_kept.clone(),
                inference.report.notes.join("\n"),
            )
        };
        // Without a trail configuration: nothing of them goes.
        let (unused, kept, notes) = kept_by(TrailConfig::default());
        assert!(unused.is_empty(), "{unused:?}");
        assert_eq!(
            kept,
            [
                "bedrock:CreateAgent",
                "bedrock:InvokeModel",
                "kinesis:CreateStream",
                "kinesis:PutRecord",
                "personalize:GetRecommendations"
            ]
        );
        assert!(
            notes.contains("`AWS::Kinesis::Stream` data events"),
            "{notes}"
        );
        assert!(notes.contains("`AWS::Bedrock::"), "{notes}");
        assert!(
            notes.contains("`personalize-runtime.amazonaws.com`, a data-plane endpoint"),
            "{notes}"
        );
        // A trail that logs one of Kinesis's two types is not enough.
        let one = TrailConfig::parse(
            r#"{"AdvancedEventSelectors": [
                {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
                {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                  {"Field": "resources.type", "Equals": ["AWS::Kinesis::Stream"]}]}]}"#,
        )
        .unwrap();
        let (unused, _, notes) = kept_by(one);
        assert!(unused.is_empty(), "{unused:?}");
        assert!(
            notes.contains("`AWS::Kinesis::StreamConsumer` data events"),
            "{notes}"
        );
        // Every Kinesis type and the management events: Kinesis is observable.
        let selector = |types: &[&str]| {
            types
                .iter()
                .map(|t| {
                    format!(
                        r#"{{"FieldSelectors": [{{"Field": "eventCategory", "Equals": ["Data"]}}, {{"Field": "resources.type", "Equals": ["{t}"]}}]}}"#
                    )
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        let kinesis = ["AWS::Kinesis::Stream", "AWS::Kinesis::StreamConsumer"];
        let management =
            r#"{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}"#;
        let all_kinesis = TrailConfig::parse(&format!(
            r#"{{"AdvancedEventSelectors": [{management}, {}]}}"#,
            selector(&kinesis)
        ))
        .unwrap();
        let (unused, _, _) = kept_by(all_kinesis);
        assert_eq!(unused, ["kinesis:CreateStream", "kinesis:PutRecord"]);
        // The same data events without management events: the control plane stays,
        // for pare cannot tell which of Kinesis's operations are data events.
        let data_only = TrailConfig::parse(&format!(
            r#"{{"AdvancedEventSelectors": [{}]}}"#,
            selector(&kinesis)
        ))
        .unwrap();
        let (unused, _, _) = kept_by(data_only);
        assert!(unused.is_empty(), "{unused:?}");
        // Every Bedrock type of the table: Bedrock too. A data-plane endpoint
        // of a service the table has no type for stays whatever the trail logs.
        let bedrock: Vec<&str> = crate::usage::data_events::DATA_EVENT_TYPES
            .iter()
            .filter(|t| t.prefix == "bedrock")
            .map(|t| t.resource_type)
            .collect();
        assert!(bedrock.len() >= 5, "{bedrock:?}");
        let everything: Vec<&str> = bedrock.iter().chain(&kinesis).copied().collect();
        let all = TrailConfig::parse(&format!(
            r#"{{"AdvancedEventSelectors": [{management}, {}]}}"#,
            selector(&everything)
        ))
        .unwrap();
        let (unused, kept, _) = kept_by(all);
        assert_eq!(
            unused,
            [
                "bedrock:CreateAgent",
                "bedrock:InvokeModel",
                "kinesis:CreateStream",
                "kinesis:PutRecord"
            ]
        );
        assert_eq!(kept, ["personalize:GetRecommendations"]);
    }

    /// An S3 object read through an access point is logged by either type;
    /// a read straight from the bucket only by `AWS::S3::Object`.
    #[test]
    fn access_point_selectors_alone_do_not_show_object_reads() {
        let usage = ObservedUsage::default();
        let policy = policy(&["s3:GetObject"]);
        let decide = |types: &str| {
            let config = TrailConfig::parse(&format!(
                r#"{{"AdvancedEventSelectors": [{{"FieldSelectors": [{{"Field": "eventCategory", "Equals": ["Data"]}}, {{"Field": "resources.type", "Equals": [{types}]}}]}}]}}"#
            ))
            .unwrap();
            let observability = Observability::new(&Literal, config);
            unused_names(&from_cloudtrail(
                &[&policy],
                &usage,
                &observability,
                table(),
                None,
            ))
        };
        assert!(decide(r#""AWS::S3::AccessPoint""#).is_empty());
        assert_eq!(decide(r#""AWS::S3::Object""#), ["s3:GetObject"]);
    }

    #[test]
    fn use_before_the_window_is_no_use() {
        let trail = trail_of(&[
            ("2026-01-01T00:00:00Z", "iam.amazonaws.com", "GetRole", ""),
            ("2026-06-01T00:00:00Z", "iam.amazonaws.com", "ListRoles", ""),
        ]);
        let usage = trail.usage_of(ROLE_ARN, &Literal, table());
        let window = Window {
            as_of: ts("2026-06-10"),
            days: 90,
        };
        let observability = Observability::new(&Literal, TrailConfig::default());
        let policy = policy(&["iam:GetRole", "iam:ListRoles"]);
        let inference = from_cloudtrail(&[&policy], &usage, &observability, table(), Some(&window));
        assert_eq!(unused_names(&inference), ["iam:GetRole"]);
        assert!(
            inference
                .report
                .notes
                .iter()
                .any(|n| n.contains("used only before 2026-03-12T00:00:00Z: `iam:GetRole`"))
        );
        let inference = from_cloudtrail(&[&policy], &usage, &observability, table(), None);
        assert!(inference.unused.is_empty());
    }

    #[test]
    fn unmapped_events_keep_their_service_and_are_reported() {
        let trail = trail_of(&[
            (
                "2026-06-01T00:00:00Z",
                "iam.amazonaws.com",
                "BrandNewThing",
                "",
            ),
            (
                "2026-06-01T00:00:00Z",
                "lambda.amazonaws.com",
                "GetFunction20150331v2",
                "",
            ),
            ("2026-06-01T00:00:00Z", "newsvc.amazonaws.com", "DoIt", ""),
            ("2026-06-02T00:00:00Z", "newsvc.amazonaws.com", "DoIt", ""),
        ]);
        let usage = trail.usage_of(ROLE_ARN, &Literal, table());
        assert!(
            usage.actions.contains_key("lambda:getfunction"),
            "by its name without the version"
        );
        assert_eq!(usage.unmapped.len(), 2);
        assert_eq!(usage.unmapped_services, BTreeSet::from(["iam".to_string()]));
        let observability = Observability::new(&Literal, TrailConfig::default());
        let policy = policy(&["iam:*", "lambda:GetFunction", "ec2:StartInstances"]);
        let inference = from_cloudtrail(&[&policy], &usage, &observability, table(), None);
        assert_eq!(unused_names(&inference), ["ec2:StartInstances"]);
        let notes = inference.report.notes.join("\n");
        assert!(notes.contains("3 event(s) of 2 operation(s) the event table cannot map: `iam.amazonaws.com BrandNewThing`, `newsvc.amazonaws.com DoIt`"), "{notes}");
        assert!(
            notes.contains("their service has events the table cannot map"),
            "{notes}"
        );
    }

    /// `sts:GetCallerIdentity` needs no permission. With a catalog that has
    /// no such action, its event used to be unmapped and keep all of STS; it
    /// is now counted apart, and STS's other actions can go. An unknown STS
    /// operation still keeps STS.
    #[test]
    fn operations_that_need_no_permission_keep_no_service() {
        let trail = trail_of(&[
            (
                "2026-06-01T00:00:00Z",
                "sts.amazonaws.com",
                "GetCallerIdentity",
                "",
            ),
            (
                "2026-06-02T00:00:00Z",
                "sts.amazonaws.com",
                "GetCallerIdentity",
                "",
            ),
            (
                "2026-06-02T00:00:00Z",
                "signin.amazonaws.com",
                "ConsoleLogin",
                "",
            ),
        ]);
        let usage = trail.usage_of(ROLE_ARN, &Literal, table());
        assert!(usage.unmapped.is_empty(), "{:?}", usage.unmapped);
        assert!(usage.unmapped_services.is_empty());
        assert_eq!(usage.no_permission.len(), 2);
        let observability = Observability::new(&Literal, TrailConfig::default());
        let policy = policy(&["sts:AssumeRole"]);
        let inference = from_cloudtrail(&[&policy], &usage, &observability, table(), None);
        assert_eq!(unused_names(&inference), ["sts:AssumeRole"]);
        let notes = inference.report.notes.join("\n");
        assert!(
            notes.contains("3 event(s) of 2 operation(s) that need no permission, counted for no action: `signin.amazonaws.com ConsoleLogin`, `sts.amazonaws.com GetCallerIdentity`"),
            "{notes}"
        );
        assert!(!notes.contains("cannot map"), "{notes}");
        // A truly unknown operation of the same service keeps it.
        let trail = trail_of(&[(
            "2026-06-01T00:00:00Z",
            "sts.amazonaws.com",
            "GetCallerIdentityV2",
            "",
        )]);
        let usage = trail.usage_of(ROLE_ARN, &Literal, table());
        assert!(usage.no_permission.is_empty());
        assert_eq!(usage.unmapped_services, BTreeSet::from(["sts".to_string()]));
        let inference = from_cloudtrail(&[&policy], &usage, &observability, table(), None);
        assert!(inference.unused.is_empty());
    }

    /// A small deterministic generator (xorshift), so that the property runs
    /// the same cases every time without a dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn chance(&mut self, percent: u64) -> bool {
            self.next() % 100 < percent
        }
    }

    /// Whether the trail certainly logs `name` of `source` when it authorizes
    /// `action`, decided from the data event table and the trail alone, and
    /// stricter than the code under test: every type of the action's service
    /// whose operations AWS does not list must be logged, each listed type
    /// that names the operation too, and the management events unless the
    /// operation is a listed data event of a service without unlisted types.
    fn oracle_logged(
        trails: &[TrailConfig],
        source: &str,
        name: &str,
        action: &str,
        write: bool,
    ) -> bool {
        use crate::usage::data_events::{DATA_EVENT_TYPES, Operations, looks_like_data_plane};
        // Several trails: an event is logged when any of them logs it.
        struct Any<'a>(&'a [TrailConfig]);
        impl Any<'_> {
            fn logs_management(&self, source: &str, write: bool) -> bool {
                self.0.iter().any(|t| t.logs_management(source, write))
            }
            fn logs_data(&self, kind: &crate::usage::DataEventType, write: bool) -> bool {
                self.0.iter().any(|t| t.logs_data(kind, write))
            }
        }
        let config = Any(trails);
        let prefix = split_action(action).0;
        let rows: Vec<_> = DATA_EVENT_TYPES
            .iter()
            .filter(|r| r.prefix == prefix || r.source == source)
            .collect();
        if rows.is_empty() {
            return !looks_like_data_plane(source) && config.logs_management(source, write);
        }
        let mut listed_data = false;
        let mut unlisted = false;
        for row in rows {
            match row.operations {
                Operations::Listed(names) => {
                    let object_like = source == "s3.amazonaws.com"
                        && row.source == source
                        && ["Object", "Part", "MultipartUpload"]
                            .iter()
                            .any(|w| name.contains(w));
                    if names.contains(&name) || object_like {
                        listed_data = true;
                        if !config.logs_data(row, write) {
                            return false;
                        }
                    }
                }
                Operations::EverySource | Operations::EveryService => {
                    unlisted = true;
                    if !config.logs_data(row, write) {
                        return false;
                    }
                }
            }
        }
        (listed_data && !unlisted) || config.logs_management(source, write)
    }

    /// For random principals, policies, logs, trails and windows: an action
    /// is unused only if it is granted, observable under the trail's
    /// configuration (decided here from the tables, not by the code under
    /// test), and not called by that principal within the window; and the
    /// refinement against it verifies.
    #[test]
    fn an_action_is_removed_only_if_observable_granted_and_absent() {
        let table = table();
        let principals = [
            "arn:aws:iam::123456789012:role/App",
            "arn:aws:iam::123456789012:role/other/App",
            "arn:aws:iam::123456789012:user/Alice",
            "arn:aws:iam::210987654321:role/App",
        ];
        let identity = |arn: &str| -> String {
            if let Some((head, name)) = arn.split_once(":role/") {
                let short = name.rsplit('/').next().unwrap();
                let session = head.replace(":iam:", ":sts:");
                format!(
                    r#"{{"type":"AssumedRole","arn":"{session}:assumed-role/{short}/s","sessionContext":{{"sessionIssuer":{{"type":"Role","arn":"{arn}"}}}}}}"#
                )
            } else {
                format!(r#"{{"type":"IAMUser","arn":"{arn}"}}"#)
            }
        };
        let entries = [
            "s3:*",
            "s3:Get*",
            "iam:*",
            "iam:PassRole",
            "lambda:*",
            "ec2:Describe*",
            "ec2:StartInstances",
            "sqs:SendMessage",
            "kinesis:*",
            "bedrock:*",
            "personalize:*",
            "sts:AssumeRole",
            "*",
        ];
        let selectors = [
            r#"{"EventSelectors": [{"ReadWriteType": "All"}]}"#,
            r#"{"EventSelectors": [{"ReadWriteType": "ReadOnly"}]}"#,
            r#"{"EventSelectors": [{"ReadWriteType": "WriteOnly", "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}]}"#,
            r#"{"EventSelectors": [{"ReadWriteType": "All", "ExcludeManagementEventSources": ["iam.amazonaws.com"], "DataResources": [{"Type": "AWS::Lambda::Function", "Values": ["arn:aws:lambda"]}]}]}"#,
            r#"{"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}, {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object", "AWS::Lambda::Function", "AWS::SQS::Queue"]}]}]}"#,
            r#"{"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}, {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::Kinesis::Stream", "AWS::Kinesis::StreamConsumer", "AWS::S3::AccessPoint"]}]}]}"#,
            r#"{"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::Kinesis::Stream", "AWS::Kinesis::StreamConsumer", "AWS::S3::Object"]}]}]}"#,
            r#"{"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}, {"Field": "readOnly", "Equals": ["true"]}]}, {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::Bedrock::AgentAlias", "AWS::Bedrock::AsyncInvoke", "AWS::Bedrock::FlowAlias", "AWS::Bedrock::Guardrail", "AWS::Bedrock::InlineAgent", "AWS::Bedrock::KnowledgeBase", "AWS::Bedrock::PromptVersion", "AWS::Bedrock::Session", "AWS::Kinesis::Stream"]}]}]}"#,
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let (mut removed, mut kept) = (0, 0);
        let mut removed_services = BTreeSet::new();
        let mut freed_by_no_permission = 0;
        for case in 0..300 {
            // One trail, or two whose logs are read together.
            let config_text: Vec<&str> = (0..1 + rng.below(2))
                .map(|_| selectors[rng.below(selectors.len())])
                .collect();
            let trails: Vec<TrailConfig> = config_text
                .iter()
                .map(|t| TrailConfig::parse(t).unwrap())
                .collect();
            let config = TrailConfig::combine(trails.clone());
            let observability = Observability::new(&Literal, config.clone());
            let mut lines = Vec::new();
            let mut calls: Vec<(&str, &str, &str, Timestamp)> = Vec::new();
            for _ in 0..rng.below(12) {
                let principal = principals[rng.below(principals.len())];
                // Mostly mapped events; now and then one that needs no
                // permission, or one the table cannot map.
                let (source, name) = match rng.below(10) {
                    0 => ("sts.amazonaws.com", "GetCallerIdentity"),
                    1 => ("iam.amazonaws.com", "BrandNewThing"),
                    _ => {
                        let (source, name, _) = EVENTS[rng.below(EVENTS.len())];
                        (source, name)
                    }
                };
                let day = 1 + rng.below(150) as i64;
                let at = Timestamp::from_unix(ts("2026-01-01").unix_seconds() + day * 86_400);
                lines.push(event(
                    &identity(principal),
                    &at.to_string(),
                    source,
                    name,
                    "",
                ));
                calls.push((principal, source, name, at));
            }
            let mut trail = CloudTrail::new(None);
            trail.read(lines.join("\n").as_bytes()).unwrap();
            let window = rng.chance(60).then(|| Window {
                as_of: ts("2026-06-01"),
                days: 1 + rng.below(120) as u32,
            });
            let chosen: Vec<&str> = (0..1 + rng.below(4))
                .map(|_| entries[rng.below(entries.len())])
                .collect();
            let policy = policy(&chosen);
            let principal = principals[rng.below(principals.len())];
            let usage = trail.usage_of(principal, &Literal, table);
            let inference =
                from_cloudtrail(&[&policy], &usage, &observability, table, window.as_ref());
            kept += inference.report.untracked_kept.len();
            for action in inference.unused.actions() {
                removed += 1;
                let lower = action.name.to_ascii_lowercase();
                let service = split_action(&lower).0;
                removed_services.insert(service.to_string());
                // An event the table cannot map keeps its whole service; one
                // that needs no permission keeps none.
                assert!(
                    !(service == "iam"
                        && calls
                            .iter()
                            .any(|(p, _, n, _)| *p == principal && *n == "BrandNewThing")),
                    "case {case}: {} removed, but {principal} made an unmapped IAM call",
                    action.name
                );
                if service == "sts"
                    && calls
                        .iter()
                        .any(|(p, _, n, _)| *p == principal && *n == "GetCallerIdentity")
                {
                    freed_by_no_permission += 1;
                }
                let row = table.get(&lower).unwrap();
                let write = !matches!(row.access, AccessLevel::READ | AccessLevel::LIST);
                let granted = chosen
                    .iter()
                    .any(|e| crate::pattern::Pattern::new(e).matches(&action.name));
                assert!(
                    granted,
                    "case {case}: {} not granted by {chosen:?}",
                    action.name
                );
                assert!(!is_permission_only(&lower), "case {case}");
                let operations: Vec<(&str, &str)> = EVENTS
                    .iter()
                    .filter(|(_, _, actions)| {
                        actions.iter().any(|a| a.eq_ignore_ascii_case(&lower))
                    })
                    .map(|(s, n, _)| (*s, *n))
                    .collect();
                assert!(
                    !operations.is_empty(),
                    "case {case}: {} has no operation",
                    action.name
                );
                for (source, name) in &operations {
                    let logged = oracle_logged(&trails, source, name, &lower, write);
                    assert!(
                        logged,
                        "case {case}: {} removed, but {source} {name} is not logged under {config_text:?}",
                        action.name
                    );
                    let called = calls.iter().any(|(p, s, n, at)| {
                        *p == principal
                            && s == source
                            && n == name
                            && window.is_none_or(|w| w.is_recent(*at))
                    });
                    assert!(
                        !called,
                        "case {case}: {} removed, but {principal} called {name}",
                        action.name
                    );
                }
            }
            let refined = crate::refine(
                &policy,
                &inference.unused,
                table,
                &crate::RefineOptions::default(),
            );
            let verification = crate::verify(&policy, &refined.policy, &inference.unused, table);
            assert!(
                verification.is_ok(),
                "case {case}: {:?}",
                verification.violations
            );
        }
        // The property is not vacuous: both outcomes happen often.
        assert!(
            removed > 300 && kept > 300,
            "removed {removed}, kept {kept}"
        );
        // ... and services with data events of every kind are removed from
        // (under the trails that log them); never one behind an unknown data plane.
        for service in ["bedrock", "kinesis", "s3", "lambda", "sqs"] {
            assert!(
                removed_services.contains(service),
                "{service}: {removed_services:?}"
            );
        }
        assert!(!removed_services.contains("personalize"));
        assert!(
            freed_by_no_permission > 0,
            "GetCallerIdentity never left STS free"
        );
    }
}
