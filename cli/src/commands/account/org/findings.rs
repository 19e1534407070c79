//! The organization's findings, by account, each account's read when it is
//! planned. The stream is scanned once for the account each finding names
//! (and its id, for the warning about findings no account took); a finding
//! of Access Analyzer's `get-finding-v2` shape is then only remembered by
//! where it is, and parsed on the thread that plans its account. Memory
//! holds the findings of the accounts in flight, not the organization's,
//! and parsing them runs on every core. Any other value (an array, a
//! Security Hub page, something that is not a finding) is read at once, as
//! `pare account` reads findings for one account.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

use pare_engine::account::account_of_arn;
use pare_engine::{Finding, FindingsReader};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::super::read_findings_whole;
use crate::error::Error;
use crate::input;

/// The findings stream, split by the account each finding names.
pub(super) struct ByAccount {
    /// The accounts in the order the stream first names them.
    order: Vec<String>,
    shares: HashMap<String, Share>,
}

/// One account's findings: read already, or where to read them.
pub(super) struct Share {
    entries: Vec<Entry>,
    files: Arc<Files>,
}

/// The findings files, with the caps they were read within.
struct Files {
    paths: Vec<PathBuf>,
    limits: input::Limits,
}

enum Entry {
    Read(Finding),
    /// One finding's value: `len` bytes at `offset` in file number `file`.
    At {
        file: usize,
        offset: u64,
        len: usize,
        id: String,
    },
}

/// What the scan reads of a value: enough to place it. It is read in
/// the same pass that finds where the value ends (the stream's one parse),
/// and reading it never fails on well-formed JSON: a value it cannot place
/// (not an object, a field of the wrong type, a field twice) is read at
/// once by the findings reader, which reports what is wrong.
#[derive(Default)]
pub(super) struct Head {
    id: Option<String>,
    resource: Option<String>,
    finding_type: bool,
    finding_details: bool,
    listed: bool,
    /// Not an object, a field of these five twice, or `id` or `resource`
    /// not a string or `null`.
    unplaceable: bool,
}

impl Head {
    /// `(resource, id)` when the value is one `get-finding-v2` finding whose
    /// reading can wait; `None` when it must be read now.
    fn place(self) -> Option<(String, String)> {
        let one_finding =
            !self.unplaceable && !self.listed && (self.finding_type || self.finding_details);
        one_finding.then_some(())?;
        Some((self.resource?, self.id.unwrap_or_default()))
    }
}

impl<'de> Deserialize<'de> for Head {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Head, D::Error> {
        deserializer.deserialize_any(HeadVisitor)
    }
}

struct HeadVisitor;

impl HeadVisitor {
    fn other<E>(self) -> Result<Head, E> {
        Ok(Head {
            unplaceable: true,
            ..Head::default()
        })
    }
}

impl<'de> Visitor<'de> for HeadVisitor {
    type Value = Head;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Head, E> {
        self.other()
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Head, E> {
        self.other()
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Head, E> {
        self.other()
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Head, E> {
        self.other()
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Head, E> {
        self.other()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Head, E> {
        self.other()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Head, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.other()
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Head, A::Error> {
        let mut head = Head::default();
        // One bit per key of the five, once seen.
        let mut seen = 0u8;
        while let Some(key) = map.next_key::<HeadKey>()? {
            let slot = match key {
                HeadKey::Id => 0,
                HeadKey::Resource => 1,
                HeadKey::FindingType => 2,
                HeadKey::FindingDetails => 3,
                HeadKey::Findings => 4,
                HeadKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            head.unplaceable |= seen & (1 << slot) != 0;
            seen |= 1 << slot;
            match key {
                HeadKey::Id | HeadKey::Resource => {
                    let text = match map.next_value::<Option<HeadText>>()? {
                        Some(HeadText::Text(text)) => Some(text),
                        None => None,
                        Some(HeadText::Other(_)) => {
                            head.unplaceable = true;
                            None
                        }
                    };
                    if key == HeadKey::Id {
                        head.id = text;
                    } else {
                        head.resource = text;
                    }
                }
                // `null` is as absent, as `Option` reads it.
                _ => {
                    let present = map.next_value::<Option<IgnoredAny>>()?.is_some();
                    match key {
                        HeadKey::FindingType => head.finding_type = present,
                        HeadKey::FindingDetails => head.finding_details = present,
                        _ => head.listed = present,
                    }
                }
            }
        }
        Ok(head)
    }
}

/// The keys [`Head`] reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum HeadKey {
    Id,
    Resource,
    FindingType,
    FindingDetails,
    Findings,
    Other,
}

impl<'de> Deserialize<'de> for HeadKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<HeadKey, D::Error> {
        deserializer.deserialize_identifier(HeadKeyVisitor)
    }
}

struct HeadKeyVisitor;

impl Visitor<'_> for HeadKeyVisitor {
    type Value = HeadKey;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<HeadKey, E> {
        Ok(match key {
            "id" => HeadKey::Id,
            "resource" => HeadKey::Resource,
            "findingType" => HeadKey::FindingType,
            "findingDetails" => HeadKey::FindingDetails,
            "Findings" => HeadKey::Findings,
            _ => HeadKey::Other,
        })
    }
}

/// `id` or `resource` (under `Option`, which takes `null`): a string, or
/// anything else, read past.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum HeadText {
    Text(String),
    Other(IgnoredAny),
}

fn account_of(resource: &str) -> String {
    account_of_arn(resource).unwrap_or("").to_string()
}

/// Reads the organization's findings files (`--findings`), placing each
/// finding by the account its resource ARN names.
pub(super) fn scan(paths: &[PathBuf], limits: input::Limits) -> Result<ByAccount, Error> {
    let files = Arc::new(Files {
        paths: super::super::findings_files(paths)?,
        limits,
    });
    let mut by = ByAccount {
        order: Vec::new(),
        shares: HashMap::new(),
    };
    let mut reader = FindingsReader::new();
    for (n, path) in files.paths.iter().enumerate() {
        let name = path.display().to_string();
        let cannot_read = |e| Error::input(format!("cannot read `{name}`")).with_source(e);
        let mut placed: Vec<(String, Entry)> = Vec::new();
        // Only a regular file can be read again, later or for its error: a
        // pipe (`--findings <(...)`) is read whole, as before.
        let clean = std::fs::metadata(path).is_ok_and(|m| m.is_file())
            && limits
                .stream_json_values(path, input::Kind::Data, |offset, text, head: Head| {
                    if let Some((resource, id)) = head.place() {
                        let len = text.len();
                        let at = Entry::At {
                            file: n,
                            offset,
                            len,
                            id,
                        };
                        placed.push((account_of(&resource), at));
                        return true;
                    }
                    let Some(found) = reader.value(text) else {
                        return false;
                    };
                    placed.extend(
                        found
                            .into_iter()
                            .map(|f| (account_of(&f.resource), Entry::Read(f))),
                    );
                    true
                })
                .map_err(cannot_read)?;
        if !clean {
            // The whole-file reader reports what is wrong, as it always has.
            placed = read_findings_whole(path, limits)?
                .into_iter()
                .map(|f| (account_of(&f.resource), Entry::Read(f)))
                .collect();
        }
        for (account, entry) in placed {
            by.place(account, entry, &files);
        }
    }
    Ok(by)
}

impl ByAccount {
    fn place(&mut self, account: String, entry: Entry, files: &Arc<Files>) {
        if !self.shares.contains_key(&account) {
            self.order.push(account.clone());
        }
        self.shares
            .entry(account)
            .or_insert_with(|| Share {
                entries: Vec::new(),
                files: Arc::clone(files),
            })
            .entries
            .push(entry);
    }

    /// The findings of `account`, taken out (none when the stream names it not).
    pub(super) fn take(&mut self, account: &str) -> Option<Share> {
        self.shares.remove(account)
    }

    /// The shares no account took, in the order the stream named their accounts.
    pub(super) fn into_rest(mut self) -> Vec<(String, Share)> {
        let order = std::mem::take(&mut self.order);
        order
            .into_iter()
            .filter_map(|account| self.shares.remove(&account).map(|s| (account, s)))
            .collect()
    }
}

impl Share {
    /// How many findings.
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Their ids, in reading order.
    pub(super) fn ids(self) -> Vec<String> {
        self.entries
            .into_iter()
            .map(|entry| match entry {
                Entry::Read(finding) => finding.id,
                Entry::At { id, .. } => id,
            })
            .collect()
    }

    /// The findings, in reading order, each checked to be for `account`
    /// still: a file changed since the scan is an error, never a finding
    /// given to the wrong account.
    pub(super) fn read(self, account: &str) -> Result<Vec<Finding>, Error> {
        let mut out = Vec::with_capacity(self.entries.len());
        let mut reader = FindingsReader::new();
        let mut open: Option<(usize, File)> = None;
        for entry in self.entries {
            let (file, offset, len) = match entry {
                Entry::Read(finding) => {
                    out.push(finding);
                    continue;
                }
                Entry::At {
                    file, offset, len, ..
                } => (file, offset, len),
            };
            let path = self
                .files
                .paths
                .get(file)
                .ok_or_else(|| Error::input(format!("no findings file number {file}")))?;
            let name = path.display().to_string();
            let changed = || {
                Error::input(format!(
                    "`{name}` changed while pare was reading it: run pare again on files that do not change"
                ))
            };
            let handle = match &mut open {
                Some((n, handle)) if *n == file => handle,
                _ => {
                    let handle = File::open(path).map_err(|e| {
                        Error::input(format!("cannot read `{name}`")).with_source(e)
                    })?;
                    &mut open.insert((file, handle)).1
                }
            };
            let mut bytes = vec![0; len];
            handle
                .seek(SeekFrom::Start(offset))
                .and_then(|_| handle.read_exact(&mut bytes))
                .map_err(|_| changed())?;
            let text = String::from_utf8(bytes).map_err(|_| changed())?;
            let Some(found) = reader.value(&text) else {
                // Not a finding after all: the whole file's error, as the
                // scan would have given it had it parsed the value.
                read_findings_whole(path, self.files.limits)?;
                return Err(changed());
            };
            match found.as_slice() {
                [finding] if account_of(&finding.resource) == account => out.extend(found),
                _ => return Err(changed()),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: &str, account: &str, details: &str) -> String {
        format!(
            r#"{{"id":"{id}","resource":"arn:aws:iam::{account}:role/r","resourceType":"AWS::IAM::Role","status":"ACTIVE","findingType":"UnusedPermission","findingDetails":{details}}}"#
        )
    }

    const DETAILS: &str = r#"[{"unusedPermissionDetails":{"serviceNamespace":"s3","actions":[{"action":"GetObject"}]}}]"#;

    /// The scan's former reading of a value, a second parse of its text
    /// (`serde`'s derive): the reference for [`Head`].
    fn head_by_derive(text: &str) -> Option<(String, String)> {
        use std::borrow::Cow;
        #[derive(serde::Deserialize)]
        struct Head<'a> {
            #[serde(borrow, default)]
            id: Option<Cow<'a, str>>,
            #[serde(borrow, default)]
            resource: Option<Cow<'a, str>>,
            #[serde(rename = "findingType", default)]
            finding_type: Option<IgnoredAny>,
            #[serde(rename = "findingDetails", default)]
            finding_details: Option<IgnoredAny>,
            #[serde(rename = "Findings", default)]
            listed: Option<IgnoredAny>,
        }
        if !text.trim_start().starts_with('{') {
            return None;
        }
        let head: Head<'_> = serde_json::from_str(text).ok()?;
        let one_finding = head.listed.is_none()
            && (head.finding_type.is_some() || head.finding_details.is_some());
        one_finding.then_some(())?;
        Some((
            head.resource?.into_owned(),
            head.id.unwrap_or_default().into_owned(),
        ))
    }

    /// How the scan places `text` now: `None` also when the stream would
    /// not be clean (it never is not, on well-formed JSON).
    fn head_in_stream(text: &str) -> Option<Option<(String, String)>> {
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Head>();
        let head = stream.next()?.ok()?;
        Some(head.place())
    }

    #[test]
    fn the_head_read_in_the_stream_places_as_a_second_parse_did() {
        let f = r#""findingType":"UnusedPermission""#;
        let d = r#""findingDetails":[]"#;
        let r = r#""resource":"arn:aws:iam::111111111111:role/r""#;
        let variations = [
            format!(r#"{{"id":"1",{r},{f},{d}}}"#),
            format!(r#"{{{r},{f}}}"#),
            format!(r#"{{{r},{d}}}"#),
            format!(r#"{{"id":"1",{r}}}"#),
            format!(r#"{{"id":null,{r},{f}}}"#),
            format!(r#"{{"id":7,{r},{f}}}"#),
            format!(r#"{{"id":[1,{{"a":2}}],{r},{f}}}"#),
            format!(r#"{{"id":{{"x":[]}},{r},{f}}}"#),
            format!(r#"{{"id":true,{r},{f}}}"#),
            format!(r#"{{"id":1.5e3,{r},{f}}}"#),
            format!(r#"{{"id":-2,{r},{f}}}"#),
            format!(r#"{{"id":"1","resource":null,{f}}}"#),
            format!(r#"{{"id":"1","resource":["x"],{f}}}"#),
            format!(r#"{{"id":"1",{f},{d}}}"#),
            format!(r#"{{"id":"1",{r},"findingType":null}}"#),
            format!(r#"{{"id":"1",{r},"findingType":null,"findingDetails":null}}"#),
            format!(r#"{{"id":"1",{r},"findingType":null,{d}}}"#),
            format!(r#"{{"id":"1",{r},{f},"Findings":[]}}"#),
            format!(r#"{{"id":"1",{r},{f},"Findings":null}}"#),
            format!(r#"{{"id":"1",{r},{f},"findings":[]}}"#),
            format!(r#"{{"id":"1","id":"2",{r},{f}}}"#),
            format!(r#"{{"id":"1",{r},{r},{f}}}"#),
            format!(r#"{{"id":"1",{r},{f},{f}}}"#),
            format!(r#"{{"id":"1",{r},{d},{d}}}"#),
            format!(r#"{{"id":"1",{r},{f},"Findings":null,"Findings":null}}"#),
            format!(r#"{{"other":{{"id":"x"}},"other":1,{r},{f}}}"#),
            format!(r#"{{"\u0069d":"\u0031",{r},"finding\u0054ype":1}}"#),
            format!(r#"{{"id":"a\"b\n",{r},{f}}}"#),
            format!(r#"{{"ID":"1","Resource":"x",{r},"FindingType":1,{f}}}"#),
            format!(r#"  {{"id":"1",{r},{f}}}"#),
            format!(r#"[{{"id":"1",{r},{f}}}]"#),
            r#"{"Findings":[{"id":"1"}]}"#.to_string(),
            "{}".to_string(),
            "[]".to_string(),
            "\"text\"".to_string(),
            "12".to_string(),
            "null".to_string(),
            "true".to_string(),
        ];
        let mut placed = 0;
        for text in &variations {
            let expected = head_by_derive(text);
            placed += usize::from(expected.is_some());
            assert_eq!(head_in_stream(text), Some(expected), "{text}");
        }
        assert!(placed >= 10, "{placed}");
    }

    /// Random edits of findings: on every edit that is still one JSON
    /// value, the stream places it as the second parse did.
    #[test]
    fn edited_heads_place_as_a_second_parse_did() {
        let mut rng = pare_testkit::Rng::new(16);
        let base = format!(
            r#"{{"id":"f-1","resource":"arn:aws:iam::111111111111:role/r","findingType":"UnusedPermission","findingDetails":{DETAILS},"Findings":null,"status":"ACTIVE"}}"#
        );
        let punctuation = b"{}[]:,\"\\ 0anlu";
        let (mut well_formed, mut placed) = (0, 0);
        for _ in 0..20_000 {
            let edited = rng.edit(base.as_bytes(), punctuation);
            let Ok(text) = String::from_utf8(edited) else {
                continue;
            };
            if serde_json::from_str::<IgnoredAny>(&text).is_err() {
                continue;
            }
            well_formed += 1;
            let expected = head_by_derive(&text);
            placed += usize::from(expected.is_some());
            assert_eq!(head_in_stream(&text), Some(expected), "{text}");
        }
        assert!(well_formed > 1000 && placed > 500, "{well_formed} {placed}");
    }

    #[test]
    fn findings_are_placed_by_account_and_read_when_taken() {
        let dir = tempfile::tempdir().unwrap();
        let a = "111111111111";
        let b = "222222222222";
        // A JSON Lines stream, a file of one finding, and an array read at once.
        let lines = [
            finding("1", a, DETAILS),
            finding("2", b, DETAILS),
            finding("3", a, DETAILS),
        ]
        .join("\n");
        std::fs::write(dir.path().join("a.jsonl"), &lines).unwrap();
        std::fs::write(dir.path().join("b.json"), finding("4", b, DETAILS)).unwrap();
        std::fs::write(
            dir.path().join("c.json"),
            format!("[{}]", finding("5", a, DETAILS)),
        )
        .unwrap();
        let mut by = scan(&[dir.path().to_path_buf()], input::Limits::default()).unwrap();
        assert_eq!(by.order, vec![a.to_string(), b.to_string()]);
        let share = by.take(a).unwrap();
        assert_eq!(share.len(), 3);
        let read = share.read(a).unwrap();
        let ids: Vec<&str> = read.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["1", "3", "5"]);
        assert!(read.iter().all(|f| f.unused.contains("s3:GetObject")));
        let rest = by.into_rest();
        assert_eq!(rest.len(), 1);
        let (account, share) = rest.into_iter().next().unwrap();
        assert_eq!(account, b);
        assert_eq!(share.ids(), ["2", "4"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("findings.fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("mkfifo is not available: skipped");
            return;
        }
        let a = "111111111111";
        let text = format!(
            "{}\n{}\n",
            finding("1", a, DETAILS),
            finding("2", a, DETAILS)
        );
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, text).unwrap())
        };
        let mut by = scan(std::slice::from_ref(&fifo), input::Limits::default()).unwrap();
        writer.join().unwrap();
        let share = by.take(a).unwrap();
        assert!(share.entries.iter().all(|e| matches!(e, Entry::Read(_))));
        let ids: Vec<String> = share.read(a).unwrap().into_iter().map(|f| f.id).collect();
        assert_eq!(ids, ["1", "2"]);
        // A bad value in a pipe is the whole input's error, not an empty
        // input (a pipe cannot be read a second time for it).
        let bad = format!("{}\n{{\"findingType\": 7}}\n", finding("1", a, DETAILS));
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, bad).unwrap())
        };
        let err = scan(std::slice::from_ref(&fifo), input::Limits::default());
        writer.join().unwrap();
        let chain = err.err().map(|e| e.chain()).unwrap_or_default();
        assert!(chain.contains("<value 2>"), "{chain}");
    }

    #[test]
    fn a_file_changed_since_the_scan_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.jsonl");
        let a = "111111111111";
        let b = "222222222222";
        std::fs::write(&path, finding("1", a, DETAILS)).unwrap();
        let mut by = scan(std::slice::from_ref(&path), input::Limits::default()).unwrap();
        // The same bytes, now naming another account: refused, not given to `a`.
        std::fs::write(&path, finding("1", b, DETAILS)).unwrap();
        let err = by.take(a).unwrap().read(a).unwrap_err();
        assert!(
            err.chain().contains("changed while pare was reading it"),
            "{}",
            err.chain()
        );
        // Truncated.
        std::fs::write(&path, finding("1", a, DETAILS)).unwrap();
        let mut by = scan(std::slice::from_ref(&path), input::Limits::default()).unwrap();
        std::fs::write(&path, "{}").unwrap();
        assert!(by.take(a).unwrap().read(a).is_err());
    }

    #[test]
    fn a_bad_finding_read_late_gives_the_whole_file_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.jsonl");
        let a = "111111111111";
        let bad = finding(
            "2",
            a,
            r#"[{"unusedPermissionDetails":{"serviceNamespace":"s3","actions":[7]}}]"#,
        );
        std::fs::write(&path, format!("{}\n{bad}\n", finding("1", a, DETAILS))).unwrap();
        let mut by = scan(std::slice::from_ref(&path), input::Limits::default()).unwrap();
        let late = by.take(a).unwrap().read(a).unwrap_err().chain();
        let whole = read_findings_whole(&path, input::Limits::default())
            .unwrap_err()
            .chain();
        assert_eq!(late, whole);
        assert!(late.contains("<value 2>"), "{late}");
    }
}
