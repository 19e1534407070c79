//! The plain shapes, read by a byte scan: a `get-finding-v2` finding as
//! Access Analyzer writes it, and an `actions` array of names and
//! `{"action", "lastAccessed"}` objects.
//!
//! An organization's findings are a hundred thousand such values, each
//! read after serde has found it whole. Read through serde's visitors, they
//! cost about 60 instructions a byte (a visitor per object, key and
//! string); this scan steps over the same bytes once. It is narrower than
//! the typed reader around it: every string without an escape, no number
//! or boolean, each key once, and only the keys Access Analyzer writes.
//! On anything else it answers `None` and the typed reader reads the text,
//! as it did before, so what this scan takes it reads as they would.

use std::borrow::Cow;

use super::{RawFinding, push_action};
use crate::json;
use crate::unused::{Finding, UnusedSet, is_service_name};

/// The finding `text` holds, when it is one plain `get-finding-v2`
/// finding; `None` for anything else.
pub(super) fn finding(text: &str) -> Option<Finding> {
    let mut scan = Plain::new(json::strip_bom(text));
    let mut raw = RawFinding::default();
    let mut name = String::new();
    scan.object(|scan, key| {
        if key == "findingDetails" {
            raw.is_finding = true;
            let set = raw.unused.get_or_insert_with(UnusedSet::new);
            return scan.details(set, &mut name);
        }
        let text = scan.string_or_null()?.map(Cow::Borrowed);
        match raw.text_field(key) {
            Some(field) => *field = text,
            // Written by Access Analyzer, not read.
            None if matches!(
                key,
                "createdAt" | "updatedAt" | "resourceOwnerAccount" | "error"
            ) => {}
            None => return None,
        }
        Some(())
    })?;
    (scan.at_end() && raw.is_finding).then(|| raw.into_finding())
}

/// The actions of an `actions` array's text when it has the plain shape: names, and objects of `action` and
/// `lastAccessed` (a string or `null`) each at most once, every string
/// without an escape. `None` for anything else, which serde then reads.
pub(super) fn actions(text: &str) -> Option<Vec<(&str, Option<&str>)>> {
    let mut scan = Plain::new(text);
    let actions = scan.actions()?;
    scan.at_end().then_some(actions)
}

/// The keys of one object so far, for the duplicate check: the objects
/// read here have at most a dozen, and one with more is not plain.
#[derive(Default)]
struct Seen<'a> {
    keys: [&'a str; 16],
    len: usize,
}

impl<'a> Seen<'a> {
    /// `Some` when `key` is new.
    fn first(&mut self, key: &'a str) -> Option<()> {
        let before = self.keys.get(..self.len)?;
        if before.contains(&key) {
            return None;
        }
        *self.keys.get_mut(self.len)? = key;
        self.len += 1;
        Some(())
    }
}

/// Where a plain string's text ends in `bytes`: the first quote,
/// backslash or control character, found eight bytes at a time.
fn string_end(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `word` below `limit` (at most 0x80);
    // a byte can be marked wrongly only above one marked rightly (the
    // borrow), so the lowest mark is exact.
    let below = |word: u64, limit: u8| word.wrapping_sub(ONES * u64::from(limit)) & !word & HIGH;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let marks = below(word ^ (ONES * u64::from(b'"')), 1)
            | below(word ^ (ONES * u64::from(b'\\')), 1)
            | below(word, 0x20);
        if marks != 0 {
            return Some(at + marks.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let tail = bytes.get(at..)?;
    tail.iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| at + i)
}

/// A cursor over JSON text; every step skips the white space before its
/// token. What it takes is valid JSON whatever the text (its strings hold
/// no control character), so a caller need not have parsed the text first.
struct Plain<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Plain<'a> {
    fn new(text: &'a str) -> Plain<'a> {
        Plain { text, at: 0 }
    }

    #[inline]
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while let Some(&byte) = bytes.get(self.at) {
            if !matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(byte);
            }
            self.at += 1;
        }
        None
    }

    /// Whether the next token is `byte`, taken if so.
    #[inline]
    fn eat(&mut self, byte: u8) -> bool {
        let here = self.peek() == Some(byte);
        self.at += usize::from(here);
        here
    }

    #[inline]
    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// A string without an escape, as its text.
    #[inline]
    fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.at;
        let rest = self.text.as_bytes().get(start..)?;
        let len = string_end(rest)?;
        (rest.get(len) == Some(&b'"')).then_some(())?;
        self.at = start + len + 1;
        self.text.get(start..start + len)
    }

    /// A string without an escape, or `null`.
    fn string_or_null(&mut self) -> Option<Option<&'a str>> {
        if self.peek()? == b'n' {
            let null = self.text.get(self.at..)?.starts_with("null");
            self.at += 4;
            return null.then_some(None);
        }
        self.string().map(Some)
    }

    fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// An object: each member's key, each once, to `member`, which reads
    /// its value.
    #[inline]
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.expect(b'{')?;
        if self.eat(b'}') {
            return Some(());
        }
        let mut seen = Seen::default();
        loop {
            let key = self.string()?;
            self.expect(b':')?;
            seen.first(key)?;
            member(self, key)?;
            if !self.eat(b',') {
                return self.expect(b'}');
            }
        }
    }

    /// An array: each element read by `element`.
    #[inline]
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.expect(b'[')?;
        if self.eat(b']') {
            return Some(());
        }
        loop {
            element(self)?;
            if !self.eat(b',') {
                return self.expect(b']');
            }
        }
    }

    /// An `actions` array: see [`actions`].
    fn actions(&mut self) -> Option<Vec<(&'a str, Option<&'a str>)>> {
        let mut out = Vec::new();
        self.array(|scan| {
            if scan.peek()? == b'"' {
                out.push((scan.string()?, None));
                return Some(());
            }
            let (mut action, mut last_accessed) = (None, None);
            scan.object(|scan, key| {
                match key {
                    "action" => action = Some(scan.string()?),
                    "lastAccessed" => last_accessed = scan.string_or_null()?,
                    _ => return None,
                }
                Some(())
            })?;
            out.push((action?, last_accessed));
            Some(())
        })?;
        Some(out)
    }

    /// `findingDetails`: an array of objects, whose
    /// `unusedPermissionDetails` go into `set`; their other keys are read
    /// past when they hold an object of strings.
    fn details(&mut self, set: &mut UnusedSet, name: &mut String) -> Option<()> {
        self.array(|scan| {
            scan.object(|scan, key| {
                if key == "unusedPermissionDetails" {
                    scan.permission_details(set, name)
                } else {
                    scan.object(|scan, _| scan.string_or_null().map(|_| ()))
                }
            })
        })
    }

    /// `unusedPermissionDetails`: its actions, or its whole service when
    /// it lists none, into `set`.
    fn permission_details(&mut self, set: &mut UnusedSet, name: &mut String) -> Option<()> {
        let (mut service, mut actions, mut last_accessed) = (None, None, None);
        self.object(|scan, key| {
            match key {
                "serviceNamespace" => service = Some(scan.string()?),
                "actions" => actions = Some(scan.actions()?),
                "lastAccessed" => last_accessed = scan.string_or_null()?,
                _ => return None,
            }
            Some(())
        })?;
        let service = service.filter(|s| is_service_name(s))?.to_ascii_lowercase();
        match actions {
            Some(actions) => {
                for (action, last_accessed) in actions {
                    push_action(&service, action, last_accessed, set, name).ok()?;
                }
            }
            None => set.insert_service(&service, last_accessed.map(str::to_string)),
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{BASE as FINDING, strict};
    use super::*;

    #[test]
    fn a_plain_finding_is_read_as_the_strict_reader_reads_it() {
        let found = finding(FINDING).expect("the scan takes a plain finding");
        assert_eq!(strict(FINDING), Some(vec![found.clone()]));
        assert_eq!(found.unused.actions().count(), 5);
        assert!(found.unused.is_service_unused("dynamodb"));
        // One line, a byte-order mark, actions as names (with the prefix
        // in any case) and before their service, no details, details of no
        // action.
        for text in [
            FINDING.replace('\n', ""),
            FINDING.replacen("{\"action\": \"PutObject\"}", "\"S3:PutObject\"", 1),
            FINDING.replacen(
                "{\"serviceNamespace\": \"EC2\", \"actions\": [",
                "{\"lastAccessed\": null, \"actions\": [",
                1,
            )
            .replacen("\"ec2:StartInstances\"}\n            ]}}", "\"ec2:StartInstances\"}], \"serviceNamespace\": \"EC2\"}}", 1),
            format!("\u{feff}{FINDING}"),
            r#"{"id":"x","resource":"arn:aws:iam::111122223333:role/a","findingType":"UnusedPermission"}"#.to_string(),
            r#"{"resource":"r","findingDetails":[]}"#.to_string(),
            r#"{"findingType":null,"findingDetails":[{}]}"#.to_string(),
        ] {
            assert_ne!(text, FINDING, "a variation that changed nothing");
            let found = finding(&text).expect(&text);
            assert_eq!(strict(&text), Some(vec![found]), "{text}");
        }
    }

    #[test]
    fn what_is_not_plain_is_left_to_the_typed_reader() {
        for (from, to) in [
            ("\"id\": \"0", "\"id\": \"\\u0030"),
            ("\"error\": null", "\"error\": 5"),
            ("\"error\": null", "\"error\": {}"),
            ("\"error\": null", "\"other\": null"),
            ("\"error\": null", "\"id\": null"),
            ("\"status\": \"ACTIVE\"", "\"status\": true"),
            ("\"findingDetails\": [", "\"findingDetails\": [null, "),
            (
                "\"findingDetails\": [",
                "\"findingDetails\": [{\"x\": [1]}, ",
            ),
            (
                "{\"action\": \"PutObject\"}",
                "{\"action\": \"PutObject\", \"x\": null}",
            ),
            (
                "\"serviceNamespace\": \"EC2\"",
                "\"serviceNamespace\": null",
            ),
            (
                "\"serviceNamespace\": \"EC2\"",
                "\"serviceNamespace\": \"EC2\", \"x\": \"y\"",
            ),
            (
                "\"lastAccessed\": \"2025-12-01T00:00:00Z\"",
                "\"actions\": null",
            ),
            (
                "\"findingType\": \"UnusedPermission\"",
                "\"serviceNamespace\": \"s3\"",
            ),
        ] {
            assert!(FINDING.contains(from), "{from}");
            let text = FINDING.replacen(from, to, 1);
            assert_eq!(finding(&text), None, "{text}");
        }
        assert_eq!(finding(&format!("[{FINDING}]")), None);
        assert_eq!(finding(r#"{"id": "x"}"#), None);
    }

    /// Random edits of the finding, valid JSON or not: whatever the scan
    /// takes, the strict reader reads the same.
    #[test]
    fn edited_findings_are_read_as_the_strict_reader_reads_them() {
        let mut rng = pare_testkit::Rng::new(12);
        let bytes = FINDING.as_bytes();
        let punctuation = b"{}[]:,\"\\ 0anl\t\x01";
        let mut taken = 0;
        for _ in 0..30_000 {
            let edited = rng.edit(bytes, punctuation);
            let Ok(text) = String::from_utf8(edited) else {
                continue;
            };
            if let Some(found) = finding(&text) {
                taken += 1;
                assert_eq!(strict(&text), Some(vec![found]), "{text}");
            }
        }
        assert!(taken > 3000, "{taken}");
    }

    #[test]
    fn string_ends_are_found_as_byte_by_byte() {
        let naive = |bytes: &[u8]| {
            bytes
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        };
        let mut rng = pare_testkit::Rng::new(7);
        // Every byte value at every place of a word, after every byte.
        for len in 0..20 {
            for at in 0..len {
                for value in 0..=255u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = value;
                    if at > 0 {
                        bytes[at - 1] = rng.below(256) as u8;
                    }
                    assert_eq!(string_end(&bytes), naive(&bytes), "{bytes:?}");
                }
            }
        }
        for _ in 0..20_000 {
            let len = rng.below(40);
            let bytes: Vec<u8> = (0..len)
                .map(|_| match rng.below(4) {
                    0 => rng.below(256) as u8,
                    _ => b"az\x7f\x80\xff!#[]"[rng.below(9)],
                })
                .collect();
            assert_eq!(string_end(&bytes), naive(&bytes), "{bytes:?}");
        }
    }

    #[test]
    fn strings_and_nulls() {
        let mut scan = Plain::new(r#" "a" , null "b\"c" nul"#);
        assert_eq!(scan.string(), Some("a"));
        assert!(scan.eat(b','));
        assert_eq!(scan.string_or_null(), Some(None));
        assert_eq!(scan.string(), None);
        assert_eq!(Plain::new("nul").string_or_null(), None);
        assert_eq!(Plain::new("\"a\u{1}b\"").string(), None);
        assert_eq!(Plain::new("\"é\"").string(), Some("é"));
    }
}
