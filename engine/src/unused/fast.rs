//! Unused lists and findings in JSON, read without a JSON tree.
//!
//! An unused list in JSON (the founding article's array of
//! `serviceNamespace` entries, `get-finding-v2` findings, one or many) can
//! name millions of actions. Built as a `serde_json::Value` tree first, it
//! took eight to thirteen times its text; an organization's findings stream
//! of a hundred thousand findings spent most of its reading building and
//! freeing each one's tree. This reader walks the text with serde and pushes
//! each action straight into the set's one buffer ([`UnusedSet`]), keeping
//! of the rest only the fields the strict reader looks at (borrowed from the
//! text when they hold no escape), and checks what it skips as the strict
//! reader does: no duplicate key at any depth, numbers as serde_json reads
//! them.
//!
//! It is a fast path, not a second contract: on anything it does not expect
//! (a Security Hub finding, an object of many keys, a value of the wrong
//! type, any error) it answers `None`, and the caller reads the text with
//! the strict reader, whose result or error stand. Tests hold the two to the
//! same result on hand-made variations and random edits.
//!
//! One wrinkle: Access Analyzer's model lists `actions` before
//! `serviceNamespace`, and the AWS CLI prints members in that order. An
//! `actions` array met before its service is kept as its text
//! ([`RawValue`], borrowed) and read into the set once the object has ended.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::{Finding, UnusedSet, is_action_byte, is_action_name, is_service_name, ocsf};
use crate::json;
use crate::policy::join;

mod plain;

/// An object with more keys than this is left to the strict reader: the
/// duplicate check here compares each key with those before it.
const MAX_KEYS: usize = 32;

/// The key under which serde_json's `arbitrary_precision` passes a number's text.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// What an unused list in JSON holds, as the strict reader gathers it
/// before choosing a principal: the bare entries' actions and services, and
/// the findings with their paths.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Gathered {
    pub(super) set: UnusedSet,
    pub(super) findings: Vec<(Finding, String)>,
}

/// The whole of an unused list in JSON (a stream of values: an array, a
/// finding, a page of them, an entry), or `None` when the strict reader
/// must decide.
pub(super) fn read_list(text: &str) -> Option<Gathered> {
    let mut reader = Reader::new(true);
    reader.text = Some(text);
    let values = reader.values(text, usize::MAX)?;
    let findings = reader
        .findings
        .into_iter()
        .map(|(finding, place)| (finding, place.path(values)))
        .collect();
    Some(Gathered {
        set: reader.set,
        findings,
    })
}

/// The findings of one value's text (a finding, an array of them), or
/// `None` when the strict reader must decide. A bare `serviceNamespace`
/// entry is not a finding: `None`.
pub(super) fn findings(text: &str) -> Option<Vec<Finding>> {
    if let Some(finding) = plain::finding(text) {
        return Some(vec![finding]);
    }
    let mut reader = Reader::new(false);
    reader.values(text, 1)?;
    Some(reader.findings.into_iter().map(|(f, _)| f).collect())
}

/// Where a finding was, for its path in errors.
#[derive(Clone, Copy)]
struct Place {
    /// Which top-level value (from 0).
    value: usize,
    at: At,
}

#[derive(Clone, Copy)]
enum At {
    /// The value itself.
    Whole,
    /// The `i`-th item of an array.
    Item(usize),
    /// The `i`-th of a Security Hub page's `Findings`.
    Listed(usize),
}

impl Place {
    /// The strict reader's path, the input holding `values` values.
    fn path(self, values: usize) -> String {
        let base = if values == 1 {
            String::new()
        } else {
            format!("<value {}>", self.value + 1)
        };
        match self.at {
            At::Whole => base,
            At::Item(i) => format!("{base}[{i}]"),
            At::Listed(i) => format!("{}[{i}]", join(&base, "Findings")),
        }
    }
}

/// The reader's state across values.
struct Reader<'t> {
    /// The whole text, until room for the bare entries' actions is made.
    text: Option<&'t str>,
    /// Whether bare `serviceNamespace` entries are read (an unused list)
    /// or left to the strict reader (findings alone).
    entries: bool,
    /// The bare entries' actions, pushed unsorted.
    set: UnusedSet,
    findings: Vec<(Finding, Place)>,
    /// The value being read.
    value: usize,
    /// Where each name is built before it is pushed.
    name: String,
}

impl Reader<'_> {
    fn new(entries: bool) -> Self {
        Reader {
            text: None,
            entries,
            set: UnusedSet::new(),
            findings: Vec::new(),
            value: 0,
            name: String::new(),
        }
    }

    /// Makes room for the bare entries' actions once, when the first
    /// `actions` of an entry may come: as many as the text has strings, and
    /// as many bytes as the text and 16 more a name (for the prefix).
    /// Pages of that room never written are never resident, so the
    /// estimate may be generous; a set of millions of names that grew by
    /// doubling held the old and the new buffer together, which was the
    /// peak of the whole run.
    fn make_room(&mut self) {
        if let Some(text) = self.text.take() {
            let strings = count_of(text.as_bytes(), b'"') / 2;
            let bytes = text.len().saturating_add(strings.saturating_mul(16));
            self.set.reserve_names(strings, bytes);
        }
    }

    /// Reads the values of `text`, at most `most` of them; how many.
    fn values(&mut self, text: &str, most: usize) -> Option<usize> {
        let mut de = serde_json::Deserializer::from_str(json::strip_bom(text));
        loop {
            if self.value == most {
                return None;
            }
            // Each value is an array or an object (anything else is the
            // strict reader's error), so values need no space between them
            // (as the strict reader's stream reads them).
            de.deserialize_any(TopVisitor(self)).ok()?;
            self.value += 1;
            if de.end().is_ok() {
                return Some(self.value);
            }
        }
    }
}

/// How many times `byte` is in `bytes`.
fn count_of(bytes: &[u8], byte: u8) -> usize {
    bytes.iter().filter(|b| **b == byte).count()
}

fn bail<E: de::Error>(why: &str) -> E {
    de::Error::custom(why)
}

/// A top-level value: an array of items, or one object (an item, or a
/// Security Hub page).
struct TopVisitor<'r, 't>(&'r mut Reader<'t>);

impl<'de> Visitor<'de> for TopVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array or an object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        items(self.0, seq, At::Item)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        ItemVisitor {
            reader: self.0,
            at: At::Whole,
        }
        .visit_map(map)
    }
}

/// The items of an array, each an object.
fn items<'de, A: SeqAccess<'de>>(
    reader: &mut Reader<'_>,
    mut seq: A,
    at: fn(usize) -> At,
) -> Result<(), A::Error> {
    let mut i = 0;
    while seq
        .next_element_seed(ItemSeed {
            reader: &mut *reader,
            at: at(i),
        })?
        .is_some()
    {
        i += 1;
    }
    Ok(())
}

struct ItemSeed<'r, 't> {
    reader: &'r mut Reader<'t>,
    at: At,
}

impl<'de> DeserializeSeed<'de> for ItemSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(ItemVisitor {
            reader: self.reader,
            at: self.at,
        })
    }
}

/// A Security Hub page's `Findings`: an array of items.
struct PageSeed<'r, 't>(&'r mut Reader<'t>);

impl<'de> DeserializeSeed<'de> for PageSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for PageSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of findings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        items(self.0, seq, At::Listed)
    }
}

/// One object of the list: a bare `serviceNamespace` entry, a
/// `get-finding-v2` finding, or (at the top level) a Security Hub page.
struct ItemVisitor<'r, 't> {
    reader: &'r mut Reader<'t>,
    at: At,
}

impl<'de> Visitor<'de> for ItemVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a finding or an entry")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let reader = self.reader;
        let top = matches!(self.at, At::Whole);
        let mut keys = Keys::default();
        let mut details = Details::default();
        let mut finding = RawFinding::default();
        let mut ocsf = RawOcsf::default();
        let mut page = false;
        while let Some(key) = keys.next(&mut map)? {
            if key == "actions" && reader.entries {
                reader.make_room();
            }
            if details.field(&key, &mut map, &mut reader.set, &mut reader.name)? {
                continue;
            }
            details.other_key = true;
            if key == "Findings" && top {
                page = true;
                map.next_value_seed(PageSeed(&mut *reader))?;
            } else if !finding.field(&key, &mut map, &mut reader.name)?
                && !ocsf.field(&key, &mut map, &mut reader.name)?
            {
                map.next_value::<Ignored>()?;
            }
        }
        let place = Place {
            value: reader.value,
            at: self.at,
        };
        if page {
            // The page's own keys are not read by the strict reader.
            if details.service.is_some() || details.listed {
                return Err(bail("a page with an entry's keys"));
            }
            Ok(())
        } else if details.service.is_some() {
            if !reader.entries {
                return Err(bail("an entry where findings are read"));
            }
            details.finish(&mut reader.set, &mut reader.name)
        } else if details.deferred.is_some() {
            // `actions` in a finding: the strict reader checks it as it is.
            Err(bail("`actions` outside an entry"))
        } else if finding.is_finding {
            reader.findings.push((finding.into_finding(), place));
            Ok(())
        } else if ocsf.is_ocsf() {
            let found = ocsf
                .into_finding(finding.status)
                .ok_or_else(|| bail("a Security Hub finding the strict reader refuses"))?;
            reader.findings.push((found, place));
            Ok(())
        } else {
            Err(bail("neither a finding nor an entry"))
        }
    }
}

/// An `unusedPermissionDetails` object, or the article's bare entry, as it
/// is read: its actions go to a set as they come when the service is known.
#[derive(Default)]
struct Details<'de> {
    /// `serviceNamespace`, lowercased.
    service: Option<String>,
    last_accessed: Option<Cow<'de, str>>,
    /// Whether `actions` was there and not `null`.
    listed: bool,
    /// `actions` met before `serviceNamespace`, read at the end.
    deferred: Option<&'de RawValue>,
    /// Whether a key other than the three is there.
    other_key: bool,
}

impl<'de> Details<'de> {
    /// Reads the value of `key` if it is one of the entry's three keys,
    /// pushing actions into `set`; `false` (nothing read) otherwise.
    fn field<A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        set: &mut UnusedSet,
        name: &mut String,
    ) -> Result<bool, A::Error> {
        match key {
            "serviceNamespace" => {
                let Text(service) = map.next_value()?;
                if !is_service_name(&service) {
                    return Err(bail("not a service prefix"));
                }
                self.service = Some(service.to_ascii_lowercase());
            }
            "lastAccessed" => self.last_accessed = map.next_value::<OptionalText<'de>>()?.0,
            "actions" => {
                let raw = map.next_value::<Option<&'de RawValue>>()?;
                self.listed = raw.is_some();
                match (raw, &self.service) {
                    (Some(raw), Some(service)) => read_actions(raw, service, set, name)?,
                    (raw, _) => self.deferred = raw,
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// At the object's end: its deferred actions, or its whole service.
    fn finish<E: de::Error>(self, set: &mut UnusedSet, name: &mut String) -> Result<(), E> {
        let Some(service) = self.service else {
            return Err(bail("an entry without `serviceNamespace`"));
        };
        if let Some(raw) = self.deferred {
            read_actions(raw, &service, set, name)?;
        } else if !self.listed {
            // Without `actions` the whole service is unused: any other key
            // (a misspelled `actions`) is the strict reader's error.
            if self.other_key {
                return Err(bail("an entry without `actions` with other keys"));
            }
            set.insert_service(&service, self.last_accessed.map(Cow::into_owned));
        }
        Ok(())
    }
}

/// An `actions` array of `service`, read into `set`: the plain shape
/// (names, and objects of `action` and `lastAccessed` with no escape) by
/// [`plain::actions`], anything else by serde.
fn read_actions<E: de::Error>(
    raw: &RawValue,
    service: &str,
    set: &mut UnusedSet,
    name: &mut String,
) -> Result<(), E> {
    if let Some(actions) = plain::actions(raw.get()) {
        for (action, last_accessed) in actions {
            push_action(service, action, last_accessed, set, name).map_err(bail)?;
        }
        return Ok(());
    }
    // Read apart from its document, the array's nesting counts from 0, not
    // from where the strict reader meets it (a few levels down: an entry
    // is at most a page, a finding and its details deep). Other keys in
    // its objects are read only when it is too shallow for that to matter.
    let mut de = serde_json::Deserializer::from_str(raw.get());
    Actions {
        service,
        set,
        name,
        refuse_other_keys: nesting(raw.get()) > SHALLOW,
    }
    .deserialize(&mut de)
    .map_err(|_| bail("an action the strict reader must see"))
}

/// The deepest nesting [`read_actions`] reads apart with other keys in
/// action objects: far below serde_json's limit of 128, whatever the depth
/// of the array in its document.
const SHALLOW: usize = 64;

/// How deep arrays and objects nest in `text` (valid JSON).
fn nesting(text: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
    for byte in text.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Pushes one action of `service` (its name with or without the prefix)
/// into `set`, as the strict reader pushes it; why not, when it cannot.
fn push_action(
    service: &str,
    action: &str,
    last_accessed: Option<&str>,
    set: &mut UnusedSet,
    name: &mut String,
) -> Result<(), &'static str> {
    // The first byte that cannot be in an action name: none, or the colon
    // after the prefix (a service name's bytes are all action bytes).
    let short = match action.bytes().position(|b| !is_action_byte(b)) {
        None if !action.is_empty() => action,
        Some(colon) if action.as_bytes().get(colon) == Some(&b':') => {
            let (prefix, short) = (action.get(..colon), action.get(colon + 1..));
            if !prefix.is_some_and(|p| p.eq_ignore_ascii_case(service)) {
                return Err("an action of another service");
            }
            short
                .filter(|s| is_action_name(s))
                .ok_or("not an action name")?
        }
        _ => return Err("not an action name"),
    };
    name.clear();
    name.push_str(service);
    name.push(':');
    name.push_str(short);
    if !set.push(name, last_accessed) {
        return Err("the set is full");
    }
    Ok(())
}

/// An `actions` array of the service `service`, each action pushed into
/// `set` as the strict reader pushes it.
struct Actions<'a> {
    service: &'a str,
    set: &'a mut UnusedSet,
    name: &'a mut String,
    /// Whether an action object with other keys (which could nest) is
    /// left to the strict reader: see [`read_actions`].
    refuse_other_keys: bool,
}

impl<'de> DeserializeSeed<'de> for Actions<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Actions<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of actions")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Actions {
            service,
            set,
            name,
            refuse_other_keys,
        } = self;
        while let Some(action) = seq.next_element::<RawAction<'de>>()? {
            if refuse_other_keys && action.other_key {
                return Err(bail("an action object with other keys"));
            }
            push_action(
                service,
                &action.name,
                action.last_accessed.as_deref(),
                set,
                name,
            )
            .map_err(bail)?;
        }
        Ok(())
    }
}

/// What the strict reader takes from a `get-finding-v2` finding.
#[derive(Default)]
struct RawFinding<'de> {
    id: Option<Cow<'de, str>>,
    resource: Option<Cow<'de, str>>,
    resource_type: Option<Cow<'de, str>>,
    finding_type: Option<Cow<'de, str>>,
    status: Option<Cow<'de, str>>,
    analyzed_at: Option<Cow<'de, str>>,
    /// Whether `findingType` or `findingDetails` is there (even as `null`):
    /// what makes an object an Access Analyzer finding.
    is_finding: bool,
    /// The actions of its `unusedPermissionDetails`, pushed unsorted.
    unused: Option<UnusedSet>,
}

impl<'de> RawFinding<'de> {
    /// Reads the value of `key` if it is one the finding keeps; `false`
    /// (nothing read) otherwise.
    fn field<A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        name: &mut String,
    ) -> Result<bool, A::Error> {
        if key == "findingDetails" {
            self.is_finding = true;
            let set = self.unused.get_or_insert_with(UnusedSet::new);
            map.next_value_seed(DetailList { set, name })?;
            return Ok(true);
        }
        let Some(field) = self.text_field(key) else {
            return Ok(false);
        };
        *field = map.next_value::<OptionalText<'de>>()?.0;
        Ok(true)
    }

    /// Where the text of `key` goes if it is one of the finding's strings
    /// (`findingType` also makes the object a finding).
    fn text_field(&mut self, key: &str) -> Option<&mut Option<Cow<'de, str>>> {
        Some(match key {
            "id" => &mut self.id,
            "resource" => &mut self.resource,
            "resourceType" => &mut self.resource_type,
            "findingType" => {
                self.is_finding = true;
                &mut self.finding_type
            }
            "status" => &mut self.status,
            "analyzedAt" => &mut self.analyzed_at,
            _ => return None,
        })
    }

    /// The finding the strict reader makes of the same object.
    fn into_finding(self) -> Finding {
        let mut unused = self.unused.unwrap_or_default();
        unused.settle();
        let owned = |text: Option<Cow<'_, str>>| text.map(Cow::into_owned);
        Finding {
            id: owned(self.id).unwrap_or_default(),
            resource: owned(self.resource).unwrap_or_default(),
            resource_type: owned(self.resource_type).unwrap_or_default(),
            finding_type: owned(self.finding_type)
                .unwrap_or_else(|| "UnusedPermission".to_string()),
            status: owned(self.status).unwrap_or_else(|| "ACTIVE".to_string()),
            analyzed_at: owned(self.analyzed_at),
            unused,
        }
    }
}

/// What the strict reader takes from a Security Hub (OCSF) finding, beside
/// the `status` that a `get-finding-v2` finding has too.
#[derive(Default)]
struct RawOcsf<'de> {
    /// Whether `metadata` is there (even as `null`), and its `uid`.
    metadata: bool,
    uid: Option<Cow<'de, str>>,
    /// Whether `finding_info` is there (even as `null`), and what of it
    /// is read.
    info: bool,
    types: Vec<Cow<'de, str>>,
    modified: Option<Cow<'de, str>>,
    created: Option<Cow<'de, str>>,
    class_uid: bool,
    unmapped_type: Option<Cow<'de, str>>,
    /// The actions of `unmapped.findingDetails`, when it is there and not
    /// `null`.
    unused: Option<UnusedSet>,
    /// Each of `resources`: its `type` and `uid`.
    resources: Vec<Resource<'de>>,
    activity: Option<Cow<'de, str>>,
    status_id: Option<serde_json::Number>,
}

impl<'de> RawOcsf<'de> {
    /// Reads the value of `key` if it is one an OCSF finding keeps; `false`
    /// (nothing read) otherwise.
    fn field<A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        name: &mut String,
    ) -> Result<bool, A::Error> {
        match key {
            "metadata" => {
                self.metadata = true;
                map.next_value_seed(Object(&mut Metadata(self)))?;
            }
            "finding_info" => {
                self.info = true;
                map.next_value_seed(Object(&mut Info(self)))?;
            }
            "class_uid" => {
                self.class_uid = true;
                map.next_value::<Ignored>()?;
            }
            "unmapped" => map.next_value_seed(Object(&mut Unmapped { ocsf: self, name }))?,
            "resources" => {
                self.resources = map.next_value::<Option<_>>()?.unwrap_or_default();
            }
            "activity_name" => self.activity = map.next_value::<OptionalText<'de>>()?.0,
            "status_id" => self.status_id = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Whether the object is an OCSF finding (as `ocsf::is_ocsf` says).
    fn is_ocsf(&self) -> bool {
        self.metadata && (self.info || self.class_uid)
    }

    /// The finding the strict reader makes of the same object (`status` is
    /// its OCSF `status`), or `None` where it refuses it.
    fn into_finding(self, status: Option<Cow<'_, str>>) -> Option<Finding> {
        let types: Vec<&str> = self.types.iter().map(|t| &**t).collect();
        let unmapped = self.unmapped_type.map(Cow::into_owned);
        let finding_type = ocsf::type_of(&types, || Ok::<_, ()>(unmapped)).ok()?;
        let mut principal: Option<(String, &'static str)> = None;
        for resource in &self.resources {
            let Some(canonical) = resource.kind.as_deref().and_then(ocsf::principal_type) else {
                continue;
            };
            let uid = resource.uid.as_deref()?;
            match &principal {
                Some((arn, _)) if !arn.eq_ignore_ascii_case(uid) => return None,
                Some(_) => {}
                None => principal = Some((uid.to_string(), canonical)),
            }
        }
        let closed = self
            .activity
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case("Close"));
        let status = if closed {
            "RESOLVED"
        } else if let Some(text) = status {
            ocsf::status_word(&text)?
        } else if let Some(n) = &self.status_id {
            ocsf::status_number(n)?
        } else {
            "ACTIVE"
        };
        if finding_type == "UnusedPermission" && self.unused.is_none() {
            return None;
        }
        let mut unused = self.unused.unwrap_or_default();
        unused.settle();
        let (resource, resource_type) = principal.unwrap_or_default();
        Some(Finding {
            id: self.uid.map(Cow::into_owned).unwrap_or_default(),
            resource,
            resource_type: resource_type.to_string(),
            finding_type,
            status: status.to_string(),
            analyzed_at: self.modified.or(self.created).map(Cow::into_owned),
            unused,
        })
    }
}

/// An object (or `null`) of which some keys are read: the rest are
/// checked and dropped.
trait Keyed<'de> {
    /// Reads the value of `key` if it is one of those; `false` otherwise.
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error>;
}

struct Object<'k, K>(&'k mut K);

impl<'de, K: Keyed<'de>> DeserializeSeed<'de> for Object<'_, K> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de, K: Keyed<'de>> Visitor<'de> for Object<'_, K> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut keys = Keys::default();
        while let Some(key) = keys.next(&mut map)? {
            if !self.0.field(&key, &mut map)? {
                map.next_value::<Ignored>()?;
            }
        }
        Ok(())
    }
}

/// OCSF's `metadata`: its `uid`.
struct Metadata<'a, 'de>(&'a mut RawOcsf<'de>);

impl<'de> Keyed<'de> for Metadata<'_, 'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        if key != "uid" {
            return Ok(false);
        }
        self.0.uid = map.next_value::<OptionalText<'de>>()?.0;
        Ok(true)
    }
}

/// OCSF's `finding_info`: its `types` and times.
struct Info<'a, 'de>(&'a mut RawOcsf<'de>);

impl<'de> Keyed<'de> for Info<'_, 'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "types" => {
                let types: Option<Vec<Text<'de>>> = map.next_value()?;
                self.0.types = types.unwrap_or_default().into_iter().map(|t| t.0).collect();
            }
            "modified_time_dt" => self.0.modified = map.next_value::<OptionalText<'de>>()?.0,
            "created_time_dt" => self.0.created = map.next_value::<OptionalText<'de>>()?.0,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// OCSF's `unmapped`: Access Analyzer's own type and details.
struct Unmapped<'a, 'de> {
    ocsf: &'a mut RawOcsf<'de>,
    name: &'a mut String,
}

impl<'de> Keyed<'de> for Unmapped<'_, 'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "findingType" => self.ocsf.unmapped_type = map.next_value::<OptionalText<'de>>()?.0,
            "findingDetails" => {
                let mut set = UnusedSet::new();
                let listed = map.next_value_seed(DetailList {
                    set: &mut set,
                    name: &mut *self.name,
                })?;
                self.ocsf.unused = listed.then_some(set);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// One of OCSF's `resources`: an object, of which `type` and `uid` are read.
struct Resource<'de> {
    kind: Option<Cow<'de, str>>,
    uid: Option<Cow<'de, str>>,
}

impl<'de> de::Deserialize<'de> for Resource<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Resource<'de>, D::Error> {
        let mut resource = Resource {
            kind: None,
            uid: None,
        };
        deserializer.deserialize_map(Object(&mut resource))?;
        Ok(resource)
    }
}

impl<'de> Keyed<'de> for Resource<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "type" => self.kind = map.next_value::<OptionalText<'de>>()?.0,
            "uid" => self.uid = map.next_value::<OptionalText<'de>>()?.0,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// `findingDetails`: `null`, or an array of objects whose
/// `unusedPermissionDetails` push their actions into `set`.
struct DetailList<'a> {
    set: &'a mut UnusedSet,
    name: &'a mut String,
}

impl<'de> DeserializeSeed<'de> for DetailList<'_> {
    /// Whether it was an array (not `null`).
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for DetailList<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of finding details")
    }

    fn visit_none<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while seq
            .next_element_seed(Detail {
                set: &mut *self.set,
                name: &mut *self.name,
            })?
            .is_some()
        {}
        Ok(true)
    }
}

/// One element of `findingDetails`: an object, whose
/// `unusedPermissionDetails` (an object, never `null`) is read.
struct Detail<'a> {
    set: &'a mut UnusedSet,
    name: &'a mut String,
}

impl<'de> DeserializeSeed<'de> for Detail<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Detail<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a finding detail")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut keys = Keys::default();
        while let Some(key) = keys.next(&mut map)? {
            if key == "unusedPermissionDetails" {
                map.next_value_seed(DetailsSeed {
                    set: &mut *self.set,
                    name: &mut *self.name,
                })?;
            } else {
                map.next_value::<Ignored>()?;
            }
        }
        Ok(())
    }
}

/// `unusedPermissionDetails`: its actions pushed into `set`.
struct DetailsSeed<'a> {
    set: &'a mut UnusedSet,
    name: &'a mut String,
}

impl<'de> DeserializeSeed<'de> for DetailsSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DetailsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unused permission details")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut details = Details::default();
        let mut keys = Keys::default();
        while let Some(key) = keys.next(&mut map)? {
            if !details.field(&key, &mut map, self.set, self.name)? {
                details.other_key = true;
                map.next_value::<Ignored>()?;
            }
        }
        details.finish(self.set, self.name)
    }
}

/// A string of the text, borrowed when it holds no escape.
struct Text<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Text<'de>, D::Error> {
        deserializer.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v.to_string())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v)))
    }
}

/// A string or `null` (the strict reader's `optional_string`).
struct OptionalText<'de>(Option<Cow<'de, str>>);

impl<'de> de::Deserialize<'de> for OptionalText<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<OptionalText<'de>, D::Error> {
        Option::<Text<'de>>::deserialize(deserializer).map(|t| OptionalText(t.map(|t| t.0)))
    }
}

/// The keys of one object so far: a second one of a name is an error, as
/// the strict reader makes it.
#[derive(Default)]
struct Keys<'de>(Vec<Cow<'de, str>>);

impl<'de> Keys<'de> {
    fn next<A: MapAccess<'de>>(&mut self, map: &mut A) -> Result<Option<Cow<'de, str>>, A::Error> {
        let Some(Text(key)) = map.next_key::<Text<'de>>()? else {
            return Ok(None);
        };
        if self.0.len() >= MAX_KEYS {
            return Err(bail("an object of many keys"));
        }
        if self.0.contains(&key) {
            return Err(bail("duplicate key"));
        }
        self.0.push(key.clone());
        Ok(Some(key))
    }
}

/// Any value, checked as the strict reader checks it and dropped.
struct Ignored;

impl<'de> de::Deserialize<'de> for Ignored {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Ignored, D::Error> {
        deserializer.deserialize_any(IgnoredVisitor)
    }
}

struct IgnoredVisitor;

impl<'de> Visitor<'de> for IgnoredVisitor {
    type Value = Ignored;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Ignored, E> {
        Ok(Ignored)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Ignored, E> {
        Ok(Ignored)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Ignored, E> {
        Ok(Ignored)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Ignored, E> {
        Ok(Ignored)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Ignored, E> {
        Ok(Ignored)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Ignored, E> {
        Ok(Ignored)
    }

    fn visit_none<E: de::Error>(self) -> Result<Ignored, E> {
        Ok(Ignored)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ignored, A::Error> {
        while seq.next_element::<Ignored>()?.is_some() {}
        Ok(Ignored)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ignored, A::Error> {
        let mut keys = Keys::default();
        let mut first = true;
        while let Some(key) = keys.next(&mut map)? {
            if first && key == NUMBER_TOKEN {
                // A number's text, which the strict reader parses again.
                let Text(text) = map.next_value()?;
                text.parse::<serde_json::Number>()
                    .map_err(|e| de::Error::custom(format_args!("number: {e}")))?;
                return Ok(Ignored);
            }
            first = false;
            map.next_value::<Ignored>()?;
        }
        Ok(Ignored)
    }
}

/// One element of `actions`: a name, or `{"action": ..., "lastAccessed": ...}`.
struct RawAction<'de> {
    name: Cow<'de, str>,
    last_accessed: Option<Cow<'de, str>>,
    /// Whether the object has keys besides those two.
    other_key: bool,
}

impl<'de> de::Deserialize<'de> for RawAction<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawAction<'de>, D::Error> {
        deserializer.deserialize_any(RawActionVisitor)
    }
}

struct RawActionVisitor;

impl<'de> Visitor<'de> for RawActionVisitor {
    type Value = RawAction<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an action")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<RawAction<'de>, E> {
        TextVisitor.visit_borrowed_str(v).map(RawAction::named)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawAction<'de>, E> {
        TextVisitor.visit_str(v).map(RawAction::named)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<RawAction<'de>, E> {
        TextVisitor.visit_string(v).map(RawAction::named)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawAction<'de>, A::Error> {
        let mut name = None;
        let mut last_accessed = None;
        let mut other_key = false;
        let mut keys = Keys::default();
        while let Some(key) = keys.next(&mut map)? {
            match &*key {
                "action" => name = Some(map.next_value::<Text<'de>>()?.0),
                "lastAccessed" => last_accessed = map.next_value::<OptionalText<'de>>()?.0,
                _ => {
                    other_key = true;
                    map.next_value::<Ignored>()?;
                }
            }
        }
        let name = name.ok_or_else(|| bail("an action without `action`"))?;
        Ok(RawAction {
            name,
            last_accessed,
            other_key,
        })
    }
}

impl<'de> RawAction<'de> {
    fn named(Text(name): Text<'de>) -> RawAction<'de> {
        RawAction {
            name,
            last_accessed: None,
            other_key: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::findings::finding_of;
    use super::super::{Names, gather, items_of};
    use super::*;

    /// The strict reader's findings of one value, as `FindingsReader` reads
    /// them without the fast path.
    /// An `actions` array read into a set by serde alone (the reader
    /// before [`plain::actions`]), or `None` when it bails.
    fn actions_by_serde(text: &str) -> Option<UnusedSet> {
        let (mut set, mut name) = (UnusedSet::new(), String::new());
        let mut de = serde_json::Deserializer::from_str(text);
        Actions {
            service: "s3",
            set: &mut set,
            name: &mut name,
            refuse_other_keys: false,
        }
        .deserialize(&mut de)
        .ok()?;
        Some(set)
    }

    /// The same array read as [`read_actions`] reads it.
    fn actions_read(text: &str) -> Option<UnusedSet> {
        let raw: &RawValue = serde_json::from_str(text).ok()?;
        let (mut set, mut name) = (UnusedSet::new(), String::new());
        read_actions::<serde_json::Error>(raw, "s3", &mut set, &mut name).ok()?;
        Some(set)
    }

    /// The plain shapes are read by the byte scan, and every array (plain,
    /// or any edit of one) gives the set serde gives, or is left to it.
    #[test]
    fn plain_actions_are_read_as_serde_reads_them() {
        let plain = [
            r#"[]"#,
            r#" [ ] "#,
            r#"["GetObject", "s3:PutObject", "S3:ListBucket"]"#,
            r#"[{"action": "GetObject"}, {"action": "s3:PutObject", "lastAccessed": "2026-01-02T00:00:00Z"}]"#,
            r#"[{"lastAccessed": null, "action": "GetObject"},{"action":"ListBucket","lastAccessed":null}]"#,
            "[\n\t{\r\n\"action\" :\t\"GetObject\" }\n]",
            r#"["GetObject", {"action": "GetObject", "lastAccessed": "2025-01-01T00:00:00Z"}]"#,
            r#"["ec2:RunInstances"]"#,
            r#"["Get*"]"#,
            r#"[""]"#,
            r#"["s3:"]"#,
            r#"[":GetObject"]"#,
        ];
        let mut plain_taken = 0;
        for text in plain {
            let parsed = plain::actions(text);
            assert!(parsed.is_some(), "{text}");
            plain_taken += usize::from(actions_read(text).is_some());
            assert_eq!(actions_read(text), actions_by_serde(text), "{text}");
        }
        assert_eq!(plain_taken, 7);
        // Left to serde: escapes, other keys, duplicates, other types.
        for text in [
            r#"["Get\u004fbject"]"#,
            r#"[{"action": "GetObject", "x": 1}]"#,
            r#"[{"action": "GetObject", "x": [1, {"y": null}]}]"#,
            r#"[{"action": "GetObject", "action": "PutObject"}]"#,
            r#"[{"action": "GetObject", "lastAccessed": 5}]"#,
            r#"[{"lastAccessed": "2026-01-02T00:00:00Z"}]"#,
            r#"[{}]"#,
            r#"[5]"#,
            r#"[null]"#,
            r#"[["GetObject"]]"#,
        ] {
            assert_eq!(plain::actions(text), None, "{text}");
            assert_eq!(actions_read(text), actions_by_serde(text), "{text}");
        }
        // An array too deep to read apart with other keys is refused.
        let deep = format!(
            r#"[{{"action": "Get", "x": {}1{}}}]"#,
            "[".repeat(SHALLOW),
            "]".repeat(SHALLOW)
        );
        assert!(actions_by_serde(&deep).is_some());
        assert_eq!(actions_read(&deep), None);
        let mut rng = pare_testkit::Rng::new(11);
        let base = plain[4].as_bytes();
        let punctuation = b"{}[]:,\"\\ 0anlu";
        let mut taken = 0;
        for _ in 0..20_000 {
            let edited = rng.edit(base, punctuation);
            let Ok(text) = String::from_utf8(edited) else {
                continue;
            };
            // The reader only ever reads an array serde found whole.
            if serde_json::from_str::<&RawValue>(&text).is_err() {
                continue;
            }
            let read = actions_read(&text);
            taken += usize::from(read.is_some());
            assert_eq!(read, actions_by_serde(&text), "{text}");
        }
        assert!(taken > 500, "{taken}");
    }

    #[test]
    fn nesting_counts_brackets_outside_strings() {
        assert_eq!(nesting("1"), 0);
        assert_eq!(nesting("[]"), 1);
        assert_eq!(nesting(r#"[{"a": [1]}, [[]]]"#), 3);
        assert_eq!(nesting(r#"["[[[", "\"[[", {"]]]": "\\"}]"#), 2);
    }

    pub(super) fn strict(text: &str) -> Option<Vec<Finding>> {
        let value = json::parse(text).ok()?;
        let mut names = Names::default();
        let mut out = Vec::new();
        for (_, item) in items_of(&value, "").ok()? {
            out.push(finding_of(item.as_object()?, "", &mut names)?.ok()?);
        }
        Some(out)
    }

    fn fast(text: &str) -> Option<Vec<Finding>> {
        findings(text)
    }

    /// A `get-finding-v2` finding as Access Analyzer returns it.
    pub(super) const BASE: &str = r#"{
        "analyzedAt": "2026-06-10T08:15:30+00:00",
        "createdAt": "2026-06-01T00:00:00+00:00",
        "error": null,
        "id": "00000000-0000-4000-8000-000000000001",
        "resource": "arn:aws:iam::111122223333:role/app",
        "resourceType": "AWS::IAM::Role",
        "resourceOwnerAccount": "111122223333",
        "status": "ACTIVE",
        "updatedAt": "2026-06-10T08:15:30+00:00",
        "findingDetails": [
            {"unusedPermissionDetails": {"serviceNamespace": "s3", "actions": [
                {"action": "GetObject", "lastAccessed": "2026-01-02T00:00:00Z"},
                {"action": "PutObject"},
                {"action": "ListBucket", "lastAccessed": null}
            ], "lastAccessed": "2026-01-02T00:00:00Z"}},
            {"unusedPermissionDetails": {"serviceNamespace": "EC2", "actions": [
                {"action": "RunInstances"}, {"action": "ec2:StartInstances"}
            ]}},
            {"unusedPermissionDetails": {"serviceNamespace": "dynamodb", "lastAccessed": "2025-12-01T00:00:00Z"}},
            {"unusedIamRoleDetails": {"lastAccessed": "2026-01-01T00:00:00Z"}}
        ],
        "findingType": "UnusedPermission"
    }"#;

    #[test]
    fn a_plain_finding_is_read_fast_as_the_strict_reader_reads_it() {
        let mut fast = fast(BASE).expect("the fast path takes a plain finding");
        assert_eq!(strict(BASE), Some(fast.clone()));
        let fast = fast.remove(0);
        assert_eq!(fast.unused.actions().count(), 5);
        assert!(fast.unused.is_service_unused("dynamodb"));
        assert!(fast.unused.contains("ec2:startinstances"));
    }

    /// Variations the strict reader reads otherwise, refuses, or reads the
    /// same: the fast path either gives its finding or leaves it to it.
    #[test]
    fn every_variation_is_the_strict_readers_or_left_to_it() {
        let variations: Vec<String> = vec![
            BASE.replace("\"error\": null", "\"error\": {\"code\": 1, \"code\": 2}"),
            BASE.replace(
                "\"error\": null",
                "\"error\": [1e400, -0, 123456789012345678901234567890]",
            ),
            BASE.replace("\"error\": null", "\"id\": \"again\""),
            BASE.replace("\"error\": null", "\"Findings\": []"),
            BASE.replace("app", "a\\u0070p\\n"),
            BASE.replace("\"PutObject\"", "\"s3:PutObject\""),
            BASE.replace("\"PutObject\"", "\"ec2:PutObject\""),
            BASE.replace("\"PutObject\"", "\"Put Object\""),
            BASE.replace("\"PutObject\"", "5"),
            BASE.replace("{\"action\": \"PutObject\"}", "\"PutObject\""),
            BASE.replace("{\"action\": \"PutObject\"}", "{\"actoin\": \"PutObject\"}"),
            BASE.replace(
                "{\"action\": \"PutObject\"}",
                "{\"action\": \"PutObject\", \"extra\": {}}",
            ),
            BASE.replace("{\"action\": \"PutObject\"}", "null"),
            BASE.replace("\"lastAccessed\": null", "\"lastAccessed\": 5"),
            BASE.replace(
                "\"serviceNamespace\": \"s3\"",
                "\"serviceNamespace\": \"s 3\"",
            ),
            BASE.replace("\"serviceNamespace\": \"s3\"", "\"serviceNamespace\": 3"),
            BASE.replace("\"serviceNamespace\": \"s3\", ", ""),
            BASE.replace(
                "\"serviceNamespace\": \"dynamodb\"",
                "\"serviceNamespace\": \"dynamodb\", \"acitons\": []",
            ),
            BASE.replace(
                "\"serviceNamespace\": \"dynamodb\"",
                "\"serviceNamespace\": \"dynamodb\", \"actions\": null",
            ),
            BASE.replace(
                "{\"unusedIamRoleDetails\"",
                "{\"unusedPermissionDetails\": null, \"x\"",
            ),
            BASE.replace(
                "{\"unusedIamRoleDetails\"",
                "{\"unusedPermissionDetails\": [], \"x\"",
            ),
            BASE.replace(
                "{\"unusedIamRoleDetails\": {\"lastAccessed\": \"2026-01-01T00:00:00Z\"}}",
                "5",
            ),
            BASE.replace(
                "\"findingType\": \"UnusedPermission\"",
                "\"findingType\": null",
            ),
            BASE.replace(",\n        \"findingType\": \"UnusedPermission\"", ""),
            BASE.replace("\"status\": \"ACTIVE\"", "\"status\": null"),
            BASE.replace("\"status\": \"ACTIVE\"", "\"status\": false"),
            BASE.replace(
                "\"findingDetails\": [",
                "\"findingDetails\": null, \"x\": [",
            ),
            BASE.replace("\"findingDetails\": [", "\"findingDetails\": {\"a\": ["),
            format!("[{BASE}]"),
            format!("{BASE} {BASE}"),
            format!("\u{feff}{BASE}\n"),
            "{\"metadata\": {}, \"class_uid\": 2004}".to_string(),
            "{\"findingType\": \"UnusedIAMRole\"}".to_string(),
            "{}".to_string(),
            "5".to_string(),
        ];
        let mut taken = 0;
        for text in &variations {
            if let Some(found) = fast(text) {
                taken += 1;
                assert_eq!(strict(text), Some(found), "{text}");
            }
        }
        // The reader does take the ordinary variations (escapes, nulls, an
        // action spelled with its prefix or as a bare name, and so on).
        assert!(taken >= 12, "{taken}");
    }

    /// Random edits of a finding (bytes dropped, doubled or replaced with
    /// JSON's punctuation): whatever the fast path takes, the strict reader
    /// reads the same.
    #[test]
    fn edited_findings_never_read_otherwise() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % n as u64).unwrap()
        };
        let bytes = BASE.as_bytes();
        let punctuation = b"{}[]:,\"\\ 0an";
        let mut taken = 0;
        for _ in 0..4000 {
            let mut edited = bytes.to_vec();
            for _ in 0..1 + next(3) {
                let at = next(edited.len());
                match next(3) {
                    0 => {
                        edited.remove(at);
                    }
                    1 => edited.insert(at, edited[at]),
                    _ => edited[at] = punctuation[next(punctuation.len())],
                }
            }
            let Ok(text) = String::from_utf8(edited) else {
                continue;
            };
            if let Some(found) = fast(&text) {
                taken += 1;
                assert_eq!(strict(&text), Some(found), "{text}");
            }
        }
        assert!(taken > 100, "{taken}");
    }

    /// An unused list of every JSON form but Security Hub's: the article's
    /// entries (the service before and after the actions, names with and
    /// without their prefix, whole services), a finding whose `actions` come
    /// before `serviceNamespace` (as the AWS CLI prints them), and a second
    /// entry for a service already listed.
    const LIST: &str = r#"[
        {"serviceNamespace": "lambda", "actions": ["UpdateFunctionCode", "lambda:GetFunction", "LAMBDA:AddPermission"]},
        {"actions": ["GetObject", {"action": "PutObject", "lastAccessed": "2026-01-02T00:00:00Z"},
            {"action": "s3:ListBucket", "lastAccessed": null}], "serviceNamespace": "S3",
            "lastAccessed": "2026-01-02T00:00:00Z"},
        {"serviceNamespace": "dynamodb", "lastAccessed": "2025-12-01T00:00:00Z"},
        {"serviceNamespace": "ec2", "actions": null},
        {"serviceNamespace": "lambda", "actions": ["getfunction", "InvokeFunction"]},
        {"id": "f2", "resource": "arn:aws:iam::111122223333:role/app", "status": "ACTIVE",
         "findingDetails": [{"unusedPermissionDetails": {"actions": [
            {"action": "DeleteItem", "lastAccessed": "2026-03-04T00:00:00Z"}, {"action": "sqs:SendMessage"}],
            "serviceNamespace": "sqs", "lastAccessed": "2026-03-04T00:00:00Z"}}],
         "findingType": "UnusedPermission"}
    ]"#;

    /// Whether the typed reader took `text`; when it did, the strict
    /// reader gathers the same set (entries in the same order) and the same
    /// findings at the same paths.
    fn taken_as_strict(text: &str) -> bool {
        let Some(typed) = read_list(text) else {
            return false;
        };
        assert_eq!(gather(text).ok().as_ref(), Some(&typed), "{text}");
        true
    }

    #[test]
    fn every_plain_list_form_is_read_without_a_tree() {
        let finding = BASE.replace('\n', " ");
        let page = format!(r#"{{"Findings": [{finding}, {finding}], "NextToken": null}}"#);
        let actions_first = BASE.replace(
            r#""serviceNamespace": "EC2", "actions": [
                {"action": "RunInstances"}, {"action": "ec2:StartInstances"}
            ]"#,
            r#""actions": [{"action": "RunInstances"}, {"action": "ec2:StartInstances"}],
                "serviceNamespace": "EC2""#,
        );
        assert_ne!(actions_first, BASE);
        for text in [
            LIST.to_string(),
            format!("\u{feff}{LIST}\n"),
            BASE.to_string(),
            actions_first,
            format!("{finding}\n{finding}\n"),
            format!("{LIST}{LIST}"),
            format!("[{finding}] {LIST}"),
            page,
            std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/data/article-unused.json"
            ))
            .unwrap(),
        ] {
            assert!(taken_as_strict(&text), "not taken: {text}");
        }
        let read = read_list(LIST).unwrap();
        assert_eq!(read.set.actions().count(), 8);
        assert_eq!(read.findings.len(), 1);
        assert_eq!(read.findings[0].1, "[5]");
        let twice = read_list(&format!("{LIST}\n{LIST}")).unwrap();
        assert_eq!(twice.findings[1].1, "<value 2>[5]");
    }

    /// Variations the strict reader reads otherwise, refuses, or reads the
    /// same: the typed reader either gathers what it gathers or leaves the
    /// list to it.
    #[test]
    fn every_list_variation_is_the_strict_readers_or_left_to_it() {
        let deep = format!("{}1{}", "[".repeat(130), "]".repeat(130));
        let replacements: Vec<(&str, String)> = vec![
            ("\"UpdateFunctionCode\"", "\"lambda:Update Code\"".into()),
            ("\"UpdateFunctionCode\"", "\"s3:UpdateFunctionCode\"".into()),
            (
                "\"UpdateFunctionCode\"",
                "\"Update\\u0046unctionCode\"".into(),
            ),
            ("\"UpdateFunctionCode\"", "\"UpdateFunctionCode\\n\"".into()),
            ("\"UpdateFunctionCode\"", "null".into()),
            ("\"UpdateFunctionCode\"", "7".into()),
            (
                "\"UpdateFunctionCode\"",
                "{\"action\": \"Update\", \"x\": 1e400}".into(),
            ),
            (
                "\"UpdateFunctionCode\"",
                "{\"action\": \"Update\", \"x\": [1, {\"y\": null}]}".into(),
            ),
            (
                "\"UpdateFunctionCode\"",
                "{\"action\": \"Update\", \"action\": \"U\"}".into(),
            ),
            ("\"UpdateFunctionCode\"", "{\"actoin\": \"Update\"}".into()),
            (
                "\"GetObject\"",
                format!("{{\"action\": \"Get\", \"x\": {deep}}}"),
            ),
            (
                "\"GetObject\"",
                "{\"action\": \"Get\", \"x\": [1, {\"y\": null}]}".into(),
            ),
            ("\"GetObject\"", "\"s3:Get:Object\"".into()),
            ("\"GetObject\"", "\"ec2:GetObject\"".into()),
            (
                "\"GetObject\"",
                "{\"action\": \"GetObject\", \"lastAccessed\": 5}".into(),
            ),
            (
                "\"serviceNamespace\": \"S3\"",
                "\"serviceNamespace\": \"S 3\"".into(),
            ),
            (
                "\"serviceNamespace\": \"S3\"",
                "\"serviceNamespace\": null".into(),
            ),
            ("\"serviceNamespace\": \"S3\",", "".into()),
            (", \"serviceNamespace\": \"S3\"", "".into()),
            (
                "\"serviceNamespace\": \"S3\"",
                "\"serviceNamespace\": \"S3\", \"actions\": []".into(),
            ),
            (
                "\"serviceNamespace\": \"S3\"",
                "\"serviceNamespace\": \"S3\", \"extra\": {\"a\": 1, \"a\": 2}".into(),
            ),
            (
                "\"lastAccessed\": \"2025-12-01T00:00:00Z\"",
                "\"acitons\": [\"GetItem\"]".into(),
            ),
            (
                "\"lastAccessed\": \"2025-12-01T00:00:00Z\"",
                "\"lastAccessed\": 2025".into(),
            ),
            (
                "\"lastAccessed\": \"2025-12-01T00:00:00Z\"",
                "\"lastAccessed\": null".into(),
            ),
            ("\"actions\": null", "\"actions\": {}".into()),
            ("\"actions\": null", "\"actions\": \"GetItem\"".into()),
            ("\"actions\": null", "\"id\": \"x\"".into()),
            (
                "\"actions\": null",
                "\"findingType\": \"UnusedPermission\"".into(),
            ),
            (
                "\"actions\": [\"getfunction\"",
                "\"findingDetails\": null, \"actions\": [\"getfunction\"".into(),
            ),
            (
                "{\"serviceNamespace\": \"ec2\", \"actions\": null}",
                "{}".into(),
            ),
            (
                "{\"serviceNamespace\": \"ec2\", \"actions\": null}",
                "[]".into(),
            ),
            (
                "{\"serviceNamespace\": \"ec2\", \"actions\": null}",
                "\"ec2:RunInstances\"".into(),
            ),
            (
                "{\"serviceNamespace\": \"ec2\", \"actions\": null}",
                "{\"findings\": [{\"id\": \"a\"}]}".into(),
            ),
            (
                "{\"serviceNamespace\": \"ec2\", \"actions\": null}",
                "{\"Findings\": []}".into(),
            ),
            (
                "{\"serviceNamespace\": \"ec2\", \"actions\": null}",
                "{\"metadata\": {}, \"class_uid\": 2004}".into(),
            ),
            (
                "\"id\": \"f2\"",
                "\"id\": \"f2\", \"actions\": [\"a\"]".into(),
            ),
            (
                "\"id\": \"f2\"",
                "\"id\": \"f2\", \"serviceNamespace\": \"kms\"".into(),
            ),
            (
                "\"id\": \"f2\"",
                "\"id\": \"f2\", \"lastAccessed\": \"2026-01-01T00:00:00Z\"".into(),
            ),
            ("\"id\": \"f2\"", "\"id\": 2".into()),
            ("\"id\": \"f2\"", "\"id\": \"f2\", \"id\": \"f3\"".into()),
            ("\"status\": \"ACTIVE\"", "\"status\": \"ARCHIVED\"".into()),
            (
                "\"findingType\": \"UnusedPermission\"",
                "\"findingType\": \"UnusedIAMRole\"".into(),
            ),
            (
                "\"findingType\": \"UnusedPermission\"",
                "\"findingType\": null".into(),
            ),
            ("\"findingDetails\": [", "\"findingDetails\": [5, ".into()),
            (
                "\"findingDetails\": [",
                "\"findingDetails\": [{\"unusedPermissionDetails\": null}, ".into(),
            ),
            (
                "\"findingDetails\": [",
                "\"findingDetails\": [{\"other\": {\"b\": [true]}}, ".into(),
            ),
            (
                "{\"action\": \"DeleteItem\"",
                "{\"action\": \"DeleteItem\", \"x\": 1".into(),
            ),
            ("\"sqs:SendMessage\"", "\"sns:SendMessage\"".into()),
            (
                "\"serviceNamespace\": \"sqs\"",
                "\"serviceNamespace\": \"sqs\", \"serviceNamespace\": \"sqs\"".into(),
            ),
            ("\"serviceNamespace\": \"sqs\", ", "".into()),
        ];
        let mut taken = 0;
        for (from, to) in &replacements {
            assert!(LIST.contains(from), "{from}");
            let text = LIST.replacen(from, to, 1);
            taken += usize::from(taken_as_strict(&text));
        }
        // Nesting near serde_json's limit inside an `actions` array met
        // before its service (read apart, from a depth of 0): the strict
        // reader's limit counts from the top.
        for depth in 120..=128 {
            let nested = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
            for from in ["\"GetObject\"", "\"UpdateFunctionCode\""] {
                let to = format!("{{\"action\": \"Get\", \"x\": {nested}}}");
                taken += usize::from(taken_as_strict(&LIST.replacen(from, &to, 1)));
            }
        }
        for text in [
            format!("{LIST} 5"),
            format!("{LIST} x"),
            format!("{LIST}]"),
            "[]".to_string(),
            " ".to_string(),
            "{}".to_string(),
            format!("{{\"Findings\": {LIST}, \"serviceNamespace\": \"s3\"}}"),
            format!("{{\"serviceNamespace\": \"s3\", \"actions\": [\"A\"], \"Findings\": {LIST}}}"),
            format!("{{\"Findings\": {LIST}, \"actions\": [\"A\"]}}"),
            "{\"Findings\": null}".to_string(),
            format!("{{\"Findings\": [{LIST}]}}"),
        ] {
            taken += usize::from(taken_as_strict(&text));
        }
        // The ordinary variations are taken (escapes, nulls, an archived or
        // other-type finding, ...); most of the others are errors.
        assert!(taken >= 11, "{taken}");
    }

    /// Random edits of the list (bytes dropped, doubled or replaced with
    /// JSON's punctuation): whatever the typed reader takes, the strict
    /// reader gathers the same.
    #[test]
    fn edited_lists_never_read_otherwise() {
        let mut below = crate::test_rng::below(0x11_5e7);
        let bytes = LIST.as_bytes();
        let punctuation = b"{}[]:,\"\\ 0an";
        let mut taken = 0;
        for _ in 0..6000 {
            let mut edited = bytes.to_vec();
            for _ in 0..1 + below(3) {
                let at = below(edited.len());
                match below(3) {
                    0 => {
                        edited.remove(at);
                    }
                    1 => edited.insert(at, edited[at]),
                    _ => edited[at] = punctuation[below(punctuation.len())],
                }
            }
            let Ok(text) = String::from_utf8(edited) else {
                continue;
            };
            taken += usize::from(taken_as_strict(&text));
        }
        assert!(taken > 300, "{taken}");
    }

    /// A Security Hub page of two OCSF findings, as `get-findings-v2`
    /// returns it (the fields `docs/aws-formats.md` describes).
    const PAGE: &str = r#"{"Findings": [
        {"metadata": {"uid": "m-1", "product": {"name": "IAM Access Analyzer"}, "version": "1.6.0"},
         "class_uid": 2004, "activity_name": "Create",
         "finding_info": {"uid": "f-1", "types": ["Software and Configuration Checks/UnusedPermission"],
            "modified_time_dt": null, "created_time_dt": "2026-06-10T08:15:30Z"},
         "status": "New",
         "resources": [{"type": "Other", "uid": "x"}, {"type": "AwsIamRole", "uid": "arn:aws:iam::1:role/R"},
            {"type": "AWS::IAM::Role", "uid": "ARN:aws:iam::1:role/R", "owner": {"account": {"uid": "1"}}}],
         "unmapped": {"findingType": "UnusedPermission", "findingDetails": [{"unusedPermissionDetails":
            {"actions": [{"action": "GetObject", "lastAccessed": "2026-01-02T03:04:05Z"}, {"action": "s3:PutObject"}],
             "serviceNamespace": "s3"}}, {"unusedPermissionDetails": {"serviceNamespace": "kms"}}]}},
        {"metadata": {"uid": "m-2"}, "finding_info": {"types": ["Other"]}, "status_id": 4,
         "unmapped": {"findingType": "UnusedIAMRole"}}
    ], "NextToken": null}"#;

    #[test]
    fn security_hub_findings_are_read_without_a_tree_as_the_strict_reader_reads_them() {
        assert!(taken_as_strict(PAGE));
        let read = read_list(PAGE).unwrap();
        assert_eq!(read.findings.len(), 2);
        assert_eq!(read.findings[0].0.resource, "arn:aws:iam::1:role/R");
        assert_eq!(read.findings[0].1, "Findings[0]");
        assert_eq!(read.findings[1].0.status, "RESOLVED");
        assert_eq!(fast(PAGE), strict(PAGE));
        let replacements: Vec<(&str, &str)> = vec![
            ("\"status\": \"New\"", "\"status\": \"Suppressed\""),
            ("\"status\": \"New\"", "\"status\": \"Sleeping\""),
            ("\"status\": \"New\"", "\"status\": 1"),
            ("\"status\": \"New\"", "\"status_id\": 9"),
            ("\"status\": \"New\"", "\"status_id\": \"1\""),
            ("\"status\": \"New\"", "\"status_id\": 3.0"),
            (
                "\"activity_name\": \"Create\"",
                "\"activity_name\": \"close\"",
            ),
            ("\"activity_name\": \"Create\"", "\"activity_name\": 5"),
            ("\"class_uid\": 2004, ", ""),
            (
                "\"class_uid\": 2004",
                "\"class_uid\": 2004, \"class_uid\": 2005",
            ),
            (
                "\"metadata\": {\"uid\": \"m-1\"",
                "\"metadata\": {\"uid\": 1",
            ),
            ("\"metadata\": {\"uid\": \"m-2\"}", "\"metadata\": null"),
            ("\"metadata\": {\"uid\": \"m-2\"}", "\"metadata\": []"),
            ("\"types\": [\"Other\"]", "\"types\": [5]"),
            ("\"types\": [\"Other\"]", "\"types\": \"Other\""),
            ("\"types\": [\"Other\"]", "\"types\": null"),
            ("\"types\": [\"Other\"]", "\"types\": []"),
            (
                "\"modified_time_dt\": null",
                "\"modified_time_dt\": \"2026-07-01T00:00:00Z\"",
            ),
            ("\"modified_time_dt\": null", "\"modified_time_dt\": 7"),
            (
                "\"uid\": \"ARN:aws:iam::1:role/R\"",
                "\"uid\": \"arn:aws:iam::1:role/Other\"",
            ),
            ("\"uid\": \"ARN:aws:iam::1:role/R\"", "\"uid\": null"),
            ("{\"type\": \"Other\", \"uid\": \"x\"}", "5"),
            ("{\"type\": \"Other\", \"uid\": \"x\"}", "{\"type\": 5}"),
            ("\"resources\": [", "\"resources\": null, \"x\": ["),
            ("\"resources\": [", "\"resources\": {\"a\": ["),
            (
                "\"unmapped\": {\"findingType\": \"UnusedIAMRole\"}",
                "\"unmapped\": null",
            ),
            (
                "\"findingType\": \"UnusedPermission\", \"findingDetails\": [",
                "\"findingDetails\": [",
            ),
            (
                "\"findingType\": \"UnusedPermission\", \"findingDetails\": [",
                "\"findingType\": \"UnusedPermission\", \"findingDetails\": null, \"x\": [",
            ),
            (
                "\"findingDetails\": [{\"unusedPermissionDetails\":",
                "\"findingDetails\": [{\"unusedPermissionDetails\": null, \"u\":",
            ),
            (
                "Software and Configuration Checks/UnusedPermission",
                "UnusedIAMRole",
            ),
            (
                "Software and Configuration Checks/UnusedPermission",
                "Other",
            ),
            ("\"s3:PutObject\"", "\"ec2:PutObject\""),
            (
                "\"NextToken\": null",
                "\"NextToken\": null, \"Findings\": []",
            ),
            (
                "{\"metadata\": {\"uid\": \"m-2\"}",
                "{\"findingType\": \"UnusedIAMRole\", \"metadata\": {\"uid\": \"m-2\"}",
            ),
            (
                "{\"metadata\": {\"uid\": \"m-2\"}",
                "{\"serviceNamespace\": \"sqs\", \"metadata\": {\"uid\": \"m-2\"}",
            ),
        ];
        let mut taken = 0;
        for (from, to) in &replacements {
            assert!(PAGE.contains(from), "{from}");
            let text = PAGE.replacen(from, to, 1);
            taken += usize::from(taken_as_strict(&text));
            if let Some(found) = fast(&text) {
                assert_eq!(strict(&text), Some(found), "{text}");
            }
        }
        // Every variation the strict reader accepts is taken here.
        assert!(taken >= 13, "{taken}");
        let mut below = crate::test_rng::below(0x0c5f);
        let punctuation = b"{}[]:,\"\\ 0an";
        let mut taken = 0;
        for _ in 0..4000 {
            let mut edited = PAGE.as_bytes().to_vec();
            for _ in 0..1 + below(3) {
                let at = below(edited.len());
                match below(3) {
                    0 => {
                        edited.remove(at);
                    }
                    1 => edited.insert(at, edited[at]),
                    _ => edited[at] = punctuation[below(punctuation.len())],
                }
            }
            let Ok(text) = String::from_utf8(edited) else {
                continue;
            };
            taken += usize::from(taken_as_strict(&text));
            if let Some(found) = fast(&text) {
                assert_eq!(strict(&text), Some(found), "{text}");
            }
        }
        assert!(taken > 200, "{taken}");
    }
}
