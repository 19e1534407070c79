//! The common `get-finding-v2` finding read without a JSON tree.
//!
//! An organization's findings stream holds a hundred thousand findings, and
//! building each one's `serde_json::Value` (a map per object, a `String` per
//! key and value, each freed again) was the largest cost of reading it. This
//! reader walks one finding's text with serde, keeping only the fields the
//! strict reader looks at (borrowed from the text when they hold no escape),
//! and checks the rest as the strict reader does: no duplicate key at any
//! depth, numbers as serde_json reads them.
//!
//! It is a fast path, not a second contract: on anything it does not expect
//! (an array of findings, a Security Hub page or finding, a bare action
//! string list entry it cannot place, an object of many keys, any error) it
//! answers `None`, and the caller reads the text with the strict reader,
//! whose findings or error stand. A test holds the two to the same findings
//! on generated and hand-made variations.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{Finding, Names, UnusedSet, is_action_name, is_service_name};
use crate::json;

/// An object with more keys than this is left to the strict reader: the
/// duplicate check here compares each key with those before it.
const MAX_KEYS: usize = 32;

/// The key under which serde_json's `arbitrary_precision` passes a number's text.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// The finding of `text` (one `get-finding-v2` object), or `None` when the
/// strict reader must decide.
pub(super) fn finding(text: &str, names: &mut Names) -> Option<Finding> {
    let mut de = serde_json::Deserializer::from_str(json::strip_bom(text));
    let raw = de.deserialize_map(FindingVisitor).ok()?;
    de.end().ok()?;
    raw.into_finding(names)
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
            return Err(de::Error::custom("an object of many keys"));
        }
        if self.0.contains(&key) {
            return Err(de::Error::custom("duplicate key"));
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

/// What the strict reader takes from a finding.
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
    /// Each `findingDetails` element's `unusedPermissionDetails`, if any.
    details: Vec<Option<RawDetails<'de>>>,
}

struct FindingVisitor;

impl<'de> Visitor<'de> for FindingVisitor {
    type Value = RawFinding<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a finding")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawFinding<'de>, A::Error> {
        let mut raw = RawFinding::default();
        let mut keys = Keys::default();
        while let Some(key) = keys.next(&mut map)? {
            let field = match &*key {
                "id" => &mut raw.id,
                "resource" => &mut raw.resource,
                "resourceType" => &mut raw.resource_type,
                "findingType" => {
                    raw.is_finding = true;
                    &mut raw.finding_type
                }
                "status" => &mut raw.status,
                "analyzedAt" => &mut raw.analyzed_at,
                "findingDetails" => {
                    raw.is_finding = true;
                    if let Some(DetailList(details)) =
                        map.next_value::<Option<DetailList<'de>>>()?
                    {
                        raw.details = details;
                    }
                    continue;
                }
                // A Security Hub page: its `Findings` are the items.
                "Findings" => return Err(de::Error::custom("a page of findings")),
                _ => {
                    map.next_value::<Ignored>()?;
                    continue;
                }
            };
            *field = map.next_value::<OptionalText<'de>>()?.0;
        }
        Ok(raw)
    }
}

/// `findingDetails`: an array of objects.
struct DetailList<'de>(Vec<Option<RawDetails<'de>>>);

impl<'de> de::Deserialize<'de> for DetailList<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<DetailList<'de>, D::Error> {
        deserializer.deserialize_seq(DetailListVisitor)
    }
}

struct DetailListVisitor;

impl<'de> Visitor<'de> for DetailListVisitor {
    type Value = DetailList<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of finding details")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DetailList<'de>, A::Error> {
        let mut details = Vec::new();
        while let Some(Detail(detail)) = seq.next_element::<Detail<'de>>()? {
            details.push(detail);
        }
        Ok(DetailList(details))
    }
}

/// One element of `findingDetails`: its `unusedPermissionDetails`, if any.
struct Detail<'de>(Option<RawDetails<'de>>);

impl<'de> de::Deserialize<'de> for Detail<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Detail<'de>, D::Error> {
        deserializer.deserialize_map(DetailVisitor)
    }
}

struct DetailVisitor;

impl<'de> Visitor<'de> for DetailVisitor {
    type Value = Detail<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a finding detail")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Detail<'de>, A::Error> {
        let mut details = None;
        let mut keys = Keys::default();
        while let Some(key) = keys.next(&mut map)? {
            if key == "unusedPermissionDetails" {
                // An object, never `null`: the strict reader refuses `null`.
                details = Some(map.next_value_seed(DetailsSeed)?);
            } else {
                map.next_value::<Ignored>()?;
            }
        }
        Ok(Detail(details))
    }
}

/// `unusedPermissionDetails`, as written.
struct RawDetails<'de> {
    service: Option<Cow<'de, str>>,
    last_accessed: Option<Cow<'de, str>>,
    /// `None` when `actions` is absent or `null`: the whole service.
    actions: Option<Vec<RawAction<'de>>>,
    /// Whether a key other than the three above is there.
    other_key: bool,
}

struct DetailsSeed;

impl<'de> DeserializeSeed<'de> for DetailsSeed {
    type Value = RawDetails<'de>;

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<RawDetails<'de>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DetailsSeed {
    type Value = RawDetails<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unused permission details")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawDetails<'de>, A::Error> {
        let mut raw = RawDetails {
            service: None,
            last_accessed: None,
            actions: None,
            other_key: false,
        };
        let mut keys = Keys::default();
        while let Some(key) = keys.next(&mut map)? {
            match &*key {
                "serviceNamespace" => raw.service = Some(map.next_value::<Text<'de>>()?.0),
                "lastAccessed" => raw.last_accessed = map.next_value::<OptionalText<'de>>()?.0,
                "actions" => raw.actions = map.next_value::<Option<Vec<RawAction<'de>>>>()?,
                _ => {
                    raw.other_key = true;
                    map.next_value::<Ignored>()?;
                }
            }
        }
        Ok(raw)
    }
}

/// One element of `actions`: a name, or `{"action": ..., "lastAccessed": ...}`.
struct RawAction<'de> {
    name: Cow<'de, str>,
    last_accessed: Option<Cow<'de, str>>,
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
        let mut keys = Keys::default();
        while let Some(key) = keys.next(&mut map)? {
            match &*key {
                "action" => name = Some(map.next_value::<Text<'de>>()?.0),
                "lastAccessed" => last_accessed = map.next_value::<OptionalText<'de>>()?.0,
                _ => {
                    map.next_value::<Ignored>()?;
                }
            }
        }
        let name = name.ok_or_else(|| de::Error::custom("an action without `action`"))?;
        Ok(RawAction {
            name,
            last_accessed,
        })
    }
}

impl<'de> RawAction<'de> {
    fn named(Text(name): Text<'de>) -> RawAction<'de> {
        RawAction {
            name,
            last_accessed: None,
        }
    }
}

impl RawFinding<'_> {
    /// The finding the strict reader makes of the same text, or `None` where
    /// it would refuse it or read it otherwise.
    fn into_finding(self, names: &mut Names) -> Option<Finding> {
        if !self.is_finding {
            return None;
        }
        let mut unused = UnusedSet::new();
        let mut name = String::new();
        for details in self.details.into_iter().flatten() {
            let service = details.service.filter(|s| is_service_name(s))?;
            let service = service.to_ascii_lowercase();
            let Some(actions) = details.actions else {
                if details.other_key {
                    return None;
                }
                unused.insert_service(&service, details.last_accessed.map(Cow::into_owned));
                continue;
            };
            for action in actions {
                let short = match action.name.split_once(':') {
                    Some((prefix, short)) if prefix.eq_ignore_ascii_case(&service) => short,
                    Some(_) => return None,
                    None => &action.name,
                };
                if !is_action_name(short) {
                    return None;
                }
                name.clear();
                name.push_str(&service);
                name.push(':');
                name.push_str(short);
                let last = action.last_accessed.map(|last| names.get(&last));
                if !unused.push(&name, last.as_deref()) {
                    return None;
                }
            }
        }
        unused.settle();
        let owned = |text: Option<Cow<'_, str>>| text.map(Cow::into_owned);
        Some(Finding {
            id: owned(self.id).unwrap_or_default(),
            resource: owned(self.resource).unwrap_or_default(),
            resource_type: owned(self.resource_type).unwrap_or_default(),
            finding_type: owned(self.finding_type)
                .unwrap_or_else(|| "UnusedPermission".to_string()),
            status: owned(self.status).unwrap_or_else(|| "ACTIVE".to_string()),
            analyzed_at: owned(self.analyzed_at),
            unused,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::findings::finding_of;
    use super::super::{Names, items_of};
    use super::*;

    /// The strict reader's findings of one value, as `FindingsReader` reads
    /// them without the fast path.
    fn strict(text: &str) -> Option<Vec<Finding>> {
        let value = json::parse(text).ok()?;
        let mut names = Names::default();
        let mut out = Vec::new();
        for (_, item) in items_of(&value, "").ok()? {
            out.push(finding_of(item.as_object()?, "", &mut names)?.ok()?);
        }
        Some(out)
    }

    fn fast(text: &str) -> Option<Finding> {
        finding(text, &mut Names::default())
    }

    /// A `get-finding-v2` finding as Access Analyzer returns it.
    const BASE: &str = r#"{
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
        let fast = fast(BASE).expect("the fast path takes a plain finding");
        assert_eq!(strict(BASE), Some(vec![fast.clone()]));
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
            if let Some(finding) = fast(text) {
                taken += 1;
                assert_eq!(strict(text), Some(vec![finding]), "{text}");
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
            if let Some(finding) = fast(&text) {
                taken += 1;
                assert_eq!(strict(&text), Some(vec![finding]), "{text}");
            }
        }
        assert!(taken > 100, "{taken}");
    }
}
