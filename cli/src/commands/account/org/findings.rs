//! The organization's findings, by account, each account's read when it is
//! planned. The stream is scanned once for the account each finding names
//! (and its id, for the warning about findings no account took); a finding
//! of Access Analyzer's `get-finding-v2` shape is then only remembered by
//! where it is, and parsed on the thread that plans its account. Memory
//! holds the findings of the accounts in flight, not the organization's,
//! and parsing them runs on every core. Any other value (an array, a
//! Security Hub page, something that is not a finding) is read at once, as
//! `pare account` reads findings for one account.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

use pare_engine::account::account_of_arn;
use pare_engine::{Finding, FindingsReader};
use serde::Deserialize;
use serde::de::IgnoredAny;

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

/// What the scan reads of a value: enough to place it.
#[derive(Deserialize)]
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

/// `(resource, id)` when `text` is one `get-finding-v2` finding whose
/// reading can wait; `None` when it must be read now.
fn head(text: &str) -> Option<(String, String)> {
    if !text.trim_start().starts_with('{') {
        return None;
    }
    let head: Head<'_> = serde_json::from_str(text).ok()?;
    let one_finding =
        head.listed.is_none() && (head.finding_type.is_some() || head.finding_details.is_some());
    one_finding.then_some(())?;
    Some((
        head.resource?.into_owned(),
        head.id.unwrap_or_default().into_owned(),
    ))
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
                .stream_json_values(path, input::Kind::Data, |offset, text| {
                    if let Some((resource, id)) = head(text) {
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
