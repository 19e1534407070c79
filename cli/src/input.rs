//! Reading the user's files: a path or `-` for stdin, a UTF-8 byte-order mark
//! skipped, and every error naming the file before the engine's location
//! (``policy.json: `Statement[1].Action`: ...``).
//!
//! Every byte pare reads from a file or stdin goes through [`read_capped`],
//! which stops at a size cap while reading: `/dev/zero` or an endless pipe
//! is an error after the cap, not an exhausted memory.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pare_catalog::Provenance;
use pare_engine::{ActionTable, EventMapping, EventTable, PolicyInput, UnusedSet};
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::io::Io;

/// Where an input comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Standard input, written `-` on the command line.
    Stdin,
    /// A file.
    Path(PathBuf),
}

impl Source {
    /// `-` is stdin; anything else is a path.
    pub fn from_arg(arg: &OsStr) -> Source {
        if arg == "-" {
            Source::Stdin
        } else {
            Source::Path(PathBuf::from(arg))
        }
    }

    /// How messages name it: the path as given, or `<stdin>`.
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_string(),
            Source::Path(path) => path.display().to_string(),
        }
    }

    /// The last component of the path (`stdin` for `-`), for headers such as a diff's.
    pub fn file_name(&self) -> String {
        match self {
            Source::Stdin => "stdin".to_string(),
            Source::Path(path) => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string()),
        }
    }
}

/// What an input is, which sets how much of it pare reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A policy document (`refine POLICY`, `verify ORIGINAL REFINED`).
    Policy,
    /// Account data: unused lists, last-accessed reports, used lists,
    /// findings, authorization details.
    Data,
    /// One file of a `--catalog DIR` copy of the service reference.
    Catalog,
}

impl Kind {
    /// The default cap, in bytes. See docs/performance.md for the measurements.
    ///
    /// A policy: what the engine parses at most
    /// ([`pare_engine::MAX_INPUT_BYTES`], 1 MiB, a hundred times
    /// IAM's largest quota); reading more would only be refused later.
    /// Account data: `get-account-authorization-details` of a large account
    /// reaches hundreds of MB, unused lists of millions of actions about
    /// 100 MB. A catalog file: the largest service (`ec2`) is a few MB.
    pub const fn default_cap(self) -> u64 {
        match self {
            Kind::Policy => pare_engine::MAX_INPUT_BYTES as u64,
            Kind::Data => 1 << 30,
            Kind::Catalog => 64 << 20,
        }
    }

    /// What a message says after the cap: what it applies to, and how to
    /// change it.
    fn what(self) -> &'static str {
        match self {
            Kind::Policy => {
                "the most pare reads of a policy (IAM's largest quota is 10,240 characters)"
            }
            Kind::Data => "the most pare reads of one input; `--max-input-size` raises the cap",
            Kind::Catalog => {
                "the most pare reads of a catalog file; `--max-input-size` raises the cap"
            }
        }
    }
}

/// The size caps in force: the defaults of [`Kind::default_cap`], or one
/// cap for every input given by `--max-input-size`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// `--max-input-size`, in bytes.
    every_input: Option<u64>,
}

impl Limits {
    /// One cap for every input.
    pub fn every_input(cap: u64) -> Limits {
        Limits {
            every_input: Some(cap),
        }
    }

    /// The cap on an input of `kind`, in bytes. `--max-input-size` cannot
    /// take a policy's past what the engine parses.
    pub fn cap(self, kind: Kind) -> u64 {
        match (kind, self.every_input) {
            (_, None) => kind.default_cap(),
            (Kind::Policy, Some(cap)) => cap.min(kind.default_cap()),
            (_, Some(cap)) => cap,
        }
    }

    /// Reads `path` whole within the cap on `kind`, for a reader that
    /// reports its own errors (the catalog loader).
    pub fn read_file(self, path: &Path, kind: Kind) -> std::io::Result<Vec<u8>> {
        let file = std::fs::File::open(path)?;
        let known = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        read_capped(file, known, self.cap(kind), kind)
    }

    /// Reads the JSON values of `path` one at a time, within the cap on
    /// `kind`, without holding the whole file: the text of each complete
    /// top-level value (JSON Lines, or values one after another), with the
    /// white space before it, goes to `each` with its offset in the file,
    /// and is dropped before the next is read, so memory holds the
    /// largest value, not the file. `Ok(false)` when the file is not a clean
    /// stream (gzip or UTF-16, a syntax error, a truncated value, or `each`
    /// returned `false`): the caller then reads it whole for the error.
    ///
    /// Each value is also read as a `T` in the same pass (`IgnoredAny` for
    /// none): a `T` that fails on well-formed JSON makes the stream not clean.
    pub fn stream_json_values<T: DeserializeOwned>(
        self,
        path: &Path,
        kind: Kind,
        each: impl FnMut(u64, &str, T) -> bool,
    ) -> std::io::Result<bool> {
        let cap = self.cap(kind);
        let file = std::fs::File::open(path)?;
        if file.metadata().is_ok_and(|m| m.is_file() && m.len() > cap) {
            return Err(too_large(cap, kind));
        }
        stream_values(file, cap, kind, STREAM_CHUNK, each)
    }
}

/// [`Limits::stream_json_values`] of any reader, `chunk` bytes at a time.
fn stream_values<T: DeserializeOwned>(
    reader: impl Read,
    cap: u64,
    kind: Kind,
    chunk: usize,
    mut each: impl FnMut(u64, &str, T) -> bool,
) -> std::io::Result<bool> {
    let mut reader = reader.take(cap.saturating_add(1));
    let mut buf: Vec<u8> = Vec::new();
    let mut pos = 0;
    let mut total: u64 = 0;
    // The file's bytes before `buf`.
    let mut dropped: u64 = 0;
    let mut eof = false;
    loop {
        let rest = buf.get(pos..).unwrap_or(&[]);
        let mut stream = serde_json::Deserializer::from_slice(rest).into_iter::<T>();
        match stream.next() {
            Some(Ok(value)) => {
                let end = stream.byte_offset();
                let Some(text) = rest.get(..end).and_then(|v| std::str::from_utf8(v).ok()) else {
                    return Ok(false);
                };
                if !each(dropped + pos as u64, text, value) {
                    return Ok(false);
                }
                pos += end;
                continue;
            }
            // Only white space is left.
            None if eof => return Ok(true),
            None => pos = buf.len(),
            Some(Err(e)) if e.is_eof() && !eof => {}
            Some(Err(_)) => return Ok(false),
        }
        // More bytes: the buffer holds what is not read yet, and grows
        // only for a value larger than it.
        buf.drain(..pos);
        dropped += pos as u64;
        pos = 0;
        // At least the four bytes the first read needs to tell a byte-order
        // mark, gzip or UTF-16.
        let want = buf.len().max(chunk).max(4);
        let first = total == 0;
        let read = (&mut reader).take(want as u64).read_to_end(&mut buf)?;
        total += read as u64;
        if total > cap {
            return Err(too_large(cap, kind));
        }
        if first {
            if not_utf8(&buf).is_some() {
                return Ok(false);
            }
            if buf.starts_with(BOM) {
                pos = BOM.len();
            }
        }
        eof = read < want;
    }
}

/// The bytes [`Limits::stream_json_values`] reads at a time.
const STREAM_CHUNK: usize = 1 << 20;

/// UTF-8's byte-order mark.
const BOM: &[u8] = "\u{feff}".as_bytes();

fn too_large(cap: u64, kind: Kind) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::FileTooLarge,
        format!("larger than {}, {}", show_size(cap), kind.what()),
    )
}

/// A size as `--max-input-size` takes it: bytes, or with a binary suffix
/// `K`, `M`, `G` (`KiB`, `MiB`, `GiB` too, any case).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let lower = text.trim().to_ascii_lowercase();
    let digits = lower.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = lower.get(digits.len()..).unwrap_or("");
    let shift = match unit {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(format!("unknown unit `{unit}`; use K, M or G")),
    };
    let number: u64 = digits
        .trim()
        .parse()
        .map_err(|_| "expected a number of bytes, such as 2G or 500M".to_string())?;
    number
        .checked_mul(1u64 << shift)
        .ok_or_else(|| "too large".to_string())
}

/// A size for messages: whole KiB, MiB or GiB when it is one, bytes otherwise.
fn show_size(bytes: u64) -> String {
    for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return format!("{} {unit}", bytes >> shift);
        }
    }
    format!("{bytes} bytes")
}

/// Reads `reader` to its end, or fails as soon as it has given more than
/// `cap` bytes. `known` is the size the file system reports, if any: a
/// larger regular file fails before any read, and a smaller one is read into
/// a buffer of its size (no doubling past it).
///
/// The one place pare reads an input: a source's size is never trusted
/// ahead (`/dev/zero` and pipes report none), the cap is applied to the
/// bytes as they come.
pub fn read_capped(
    reader: impl Read,
    known: Option<u64>,
    cap: u64,
    kind: Kind,
) -> std::io::Result<Vec<u8>> {
    let too_large = || too_large(cap, kind);
    if known.is_some_and(|len| len > cap) {
        return Err(too_large());
    }
    let initial = known
        .unwrap_or(0)
        .saturating_add(1)
        .min(cap.saturating_add(1));
    let mut bytes = Vec::with_capacity(usize::try_from(initial).unwrap_or(0));
    reader.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > cap {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Reads `source` whole, within the cap on `kind`.
pub fn read_bytes(source: &Source, kind: Kind, io: &mut Io<'_>) -> Result<Vec<u8>, Error> {
    let name = source.name();
    let read = match source {
        Source::Stdin => read_capped(&mut io.stdin, None, io.limits.cap(kind), kind),
        Source::Path(path) => io.limits.read_file(path, kind),
    };
    read.map_err(|e| Error::input(format!("cannot read `{name}`")).with_source(e))
}

/// A file's text, with the name to quote in messages about it.
#[derive(Clone, Debug)]
pub struct Text {
    /// The name from [`Source::name`].
    pub name: String,
    /// The contents, without a byte-order mark.
    pub text: String,
}

/// Reads `source` whole as UTF-8 text, within the cap on `kind`.
pub fn read_text(source: &Source, kind: Kind, io: &mut Io<'_>) -> Result<Text, Error> {
    let name = source.name();
    let bytes = read_bytes(source, kind, io)?;
    let text = decode(&name, bytes)?;
    Ok(Text { name, text })
}

/// UTF-8 text without a leading byte-order mark. A gzipped or UTF-16 file
/// (what PowerShell's `Out-File` and `>` write) is named for what it is.
pub fn decode(name: &str, bytes: Vec<u8>) -> Result<String, Error> {
    if let Some(mistake) = not_utf8(&bytes) {
        return Err(named_mistake(name, mistake));
    }
    let mut text = String::from_utf8(bytes).map_err(|e| {
        Error::input(format!(
            "{name}: invalid UTF-8 at byte offset {}",
            e.utf8_error().valid_up_to()
        ))
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// What a directory walk found at a path: a link is followed to a file,
/// never to a directory (a loop, or a way out of the tree).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A file, or a link to one.
    File,
    /// A directory that is not a link.
    Dir,
    /// Anything else: a link to a directory, a dangling link, a socket, or
    /// a path whose metadata cannot be read.
    Other,
}

/// Walks the directory `dir`: the one place pare lists a directory. Each
/// entry, in name order, goes to `visit` with its path and its name (lossy:
/// a hostile name is only ever shown escaped); `visit` says whether to
/// descend into a [`Entry::Dir`]. Deeper than `max_depth` levels below
/// `dir` is an error, as is a directory that cannot be listed.
pub fn walk_dir(
    dir: &Path,
    max_depth: usize,
    visit: &mut dyn FnMut(&Path, &str, Entry) -> Result<bool, Error>,
) -> Result<(), Error> {
    walk_below(dir, 0, max_depth, visit)
}

fn walk_below(
    dir: &Path,
    depth: usize,
    max_depth: usize,
    visit: &mut dyn FnMut(&Path, &str, Entry) -> Result<bool, Error>,
) -> Result<(), Error> {
    if depth > max_depth {
        return Err(Error::input(format!(
            "`{}`: more than {max_depth} levels of directories",
            crate::safe::escape(&dir.display().to_string())
        )));
    }
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::input(format!(
            "cannot read the directory `{}`",
            crate::safe::escape(&dir.display().to_string())
        ))
        .with_source(e)
    })?;
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let entry = match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => Entry::Dir,
            Ok(_) if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) => Entry::File,
            _ => Entry::Other,
        };
        if visit(&path, &name, entry)? && entry == Entry::Dir {
            walk_below(&path, depth + 1, max_depth, visit)?;
        }
    }
    Ok(())
}

/// The findings of a directory (`refine --unused DIR`): every file that holds
/// JSON, in name order, as one JSON stream, and a note for each file skipped
/// (one that is not JSON text, such as a README or `.DS_Store`, and any
/// subdirectory). A JSON file that is not findings stops the run, naming it.
pub fn read_findings_dir(dir: &Path, limits: Limits) -> Result<(String, Vec<String>), Error> {
    let mut stream = String::new();
    let mut notes = Vec::new();
    let mut read = 0;
    walk_dir(dir, 0, &mut |path, _, entry| {
        let name = path.display().to_string();
        if entry != Entry::File {
            notes.push(format!("skipped `{name}`: not a file"));
            return Ok(false);
        }
        let bytes = limits
            .read_file(path, Kind::Data)
            .map_err(|e| Error::input(format!("cannot read `{name}`")).with_source(e))?;
        let Ok(text) = decode(&name, bytes) else {
            notes.push(format!("skipped `{name}`: not JSON (not UTF-8 text)"));
            return Ok(false);
        };
        let start = text.trim_start();
        if start.is_empty() {
            notes.push(format!("skipped `{name}`: empty"));
            return Ok(false);
        }
        if !(start.starts_with('{') || start.starts_with('[')) {
            notes.push(format!("skipped `{name}`: not JSON"));
            return Ok(false);
        }
        pare_engine::parse_findings(&text).map_err(|e| engine_error(&name, &e))?;
        stream.push_str(&text);
        stream.push('\n');
        read += 1;
        Ok(false)
    })?;
    if read == 0 {
        return Err(Error::input(format!(
            "`{}`: no findings: the directory holds no JSON file",
            dir.display()
        ))
        .with_details(notes.iter().map(|n| format!("  {n}")).collect()));
    }
    Ok((stream, notes))
}

/// What a file that is not UTF-8 text is, from its first bytes, and what to
/// do (a line of its own, so that each line stays short).
fn not_utf8(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    const UTF16: (&str, &str) = (
        "this is UTF-16 text (as PowerShell's `Out-File` and `>` write); pare reads UTF-8",
        "save it as UTF-8: `Out-File -Encoding utf8` or `Set-Content -Encoding utf8`",
    );
    match bytes {
        [0x1f, 0x8b, ..] => Some((
            "this is a gzip-compressed file",
            "decompress it first: `gunzip -c FILE | pare ... -` reads it from stdin",
        )),
        [0xff, 0xfe, ..] | [0xfe, 0xff, ..] => Some(UTF16),
        // UTF-16 without a byte-order mark: ASCII with every other byte zero.
        [a, 0, b, 0, ..] | [0, a, 0, b, ..] if a.is_ascii() && b.is_ascii() && *a != 0 => {
            Some(UTF16)
        }
        _ => None,
    }
}

/// What a document that is not a policy looks like, when it is a common
/// mistake (YAML, a CloudFormation template, a Terraform plan), and what to do.
fn not_a_policy(text: &str) -> Option<(&'static str, &'static str)> {
    const TEMPLATE: (&str, &str) = (
        "this is a CloudFormation template, not a policy",
        "`pare refine TEMPLATE --resource LOGICAL_ID` refines a policy inside it;\n\
         here give one policy document, such as a resource's `PolicyDocument`",
    );
    const PLAN: (&str, &str) = (
        "this is a Terraform plan, not a policy",
        "pare refines the `.tf` source instead: `pare refine main.tf --resource ADDRESS`",
    );
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        let object = value.as_object()?;
        if object.contains_key("AWSTemplateFormatVersion")
            || (object.contains_key("Resources") && !object.contains_key("Statement"))
        {
            return Some(TEMPLATE);
        }
        if object.contains_key("terraform_version")
            || (object.contains_key("format_version")
                && (object.contains_key("planned_values")
                    || object.contains_key("resource_changes")))
        {
            return Some(PLAN);
        }
        return None;
    }
    if trimmed.starts_with('[') || trimmed.starts_with('%') {
        return None;
    }
    // YAML: a `key:` line at the start of a line, or a document marker.
    let keys: Vec<&str> = text
        .lines()
        .filter_map(|line| line.split_once(':').map(|(key, _)| key.trim()))
        .collect();
    let has = |key: &str| keys.iter().any(|k| k.trim_matches(['"', '\'']) == key);
    if has("AWSTemplateFormatVersion") || has("Resources") {
        return Some(TEMPLATE);
    }
    if trimmed.starts_with("---") || has("Statement") || has("Version") || has("Effect") {
        return Some((
            "this looks like YAML; pare reads policies as JSON",
            "convert it first, for example with `yq -o json FILE`",
        ));
    }
    None
}

/// An error about `name`: what it is on the first line, what to do below
/// (each of `hint`'s lines on its own).
fn named_mistake(name: &str, (what, hint): (&str, &str)) -> Error {
    Error::input(format!("{name}: {what}")).with_details(hint.lines().map(str::to_string).collect())
}

/// The file's name before the engine's message, which starts with where.
fn engine_error(name: &str, err: &pare_engine::Error) -> Error {
    Error::input(format!("{name}: {err}"))
}

/// Reads a policy in any form [`pare_engine::parse_policy_input`] accepts.
pub fn read_policy(source: &Source, io: &mut Io<'_>) -> Result<(Text, PolicyInput), Error> {
    let text = read_text(source, Kind::Policy, io)?;
    parse_policy(text)
}

/// A policy, or a source that holds policies.
#[derive(Debug)]
pub enum PolicyOrSource {
    /// A policy document in any form `read_policy` reads.
    Policy(Text, PolicyInput),
    /// A Terraform file or a CloudFormation template.
    Source(Text, pare_iac::Format),
}

/// Reads a policy, or a Terraform or CloudFormation source (by its name
/// ending `.tf`, or a template's top-level keys).
pub fn read_policy_or_source(source: &Source, io: &mut Io<'_>) -> Result<PolicyOrSource, Error> {
    let text = read_text(source, Kind::Policy, io)?;
    if let Some(format) = pare_iac::detect(&text.name, &text.text) {
        return Ok(PolicyOrSource::Source(text, format));
    }
    parse_policy(text).map(|(text, input)| PolicyOrSource::Policy(text, input))
}

fn parse_policy(text: Text) -> Result<(Text, PolicyInput), Error> {
    if text.text.trim().is_empty() {
        return Err(Error::input(format!(
            "{}: the file is empty; expected a policy document",
            text.name
        )));
    }
    let input = pare_engine::parse_policy_input(&text.text).map_err(|e| {
        match not_a_policy(&text.text) {
            Some(mistake) => named_mistake(&text.name, mistake),
            None => engine_error(&text.name, &e),
        }
    })?;
    Ok((text, input))
}

/// Reads an unused list in any form [`UnusedSet::parse`] accepts.
pub fn read_unused(source: &Source, io: &mut Io<'_>) -> Result<UnusedSet, Error> {
    let Text { name, text } = read_text(source, Kind::Data, io)?;
    UnusedSet::parse_owned(text).map_err(|e| engine_error(&name, &e))
}

/// The catalog a command works against: the embedded tables, or a
/// directory laid out like the service reference. It carries both tables a
/// command maps names with: the actions ([`Catalog::table`]) and the
/// CloudTrail events ([`Catalog::events`]). The CLI never touches the
/// network.
#[derive(Debug)]
pub enum Catalog {
    /// The tables compiled into `pare`.
    Embedded,
    /// A copy of the reference read at start-up.
    Dir(Box<CatalogDir>),
}

impl Catalog {
    /// Loads `--catalog DIR` when given, or takes the embedded table; each
    /// file of `DIR` is read within `limits`.
    pub fn load(dir: Option<&Path>, limits: Limits) -> Result<Catalog, Error> {
        match dir {
            None => Ok(Catalog::Embedded),
            Some(dir) => {
                let catalog =
                    pare_catalog::load_dir_with(dir, |path| limits.read_file(path, Kind::Catalog))
                        .map_err(|e| {
                            Error::input(format!("cannot load the catalog `{}`", dir.display()))
                                .with_source(e)
                        })?;
                Ok(Catalog::Dir(Box::new(CatalogDir {
                    path: dir.to_path_buf(),
                    limits,
                    catalog,
                    events: OnceLock::new(),
                })))
            }
        }
    }

    /// The action table, for the engine.
    pub fn table(&self) -> ActionTable<'_> {
        match self {
            Catalog::Embedded => pare_catalog::embedded(),
            Catalog::Dir(dir) => dir.catalog.table(),
        }
    }

    /// Where the action table came from and what it holds.
    pub fn provenance(&self) -> &Provenance {
        match self {
            Catalog::Embedded => pare_catalog::provenance(),
            Catalog::Dir(dir) => dir.catalog.provenance(),
        }
    }

    /// The event → actions table CloudTrail events are mapped with: the one
    /// built from the directory's operations when it has them, the embedded
    /// one otherwise ([`CatalogDir::events`] says why).
    pub fn events(&self) -> EventTable<'static> {
        match self {
            Catalog::Dir(dir) => dir.events().unwrap_or_else(|_| pare_catalog::events()),
            Catalog::Embedded => pare_catalog::events(),
        }
    }
}

/// `--catalog DIR`: the directory's action table, and its event table once
/// a command maps CloudTrail events (built at first use: most commands never
/// need it, and building it reads every service file again).
#[derive(Debug)]
pub struct CatalogDir {
    path: PathBuf,
    limits: Limits,
    catalog: pare_catalog::Catalog,
    events: OnceLock<Result<EventTable<'static>, String>>,
}

impl CatalogDir {
    /// The directory, as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the directory's action table came from and what it holds.
    pub fn provenance(&self) -> &Provenance {
        self.catalog.provenance()
    }

    /// The event table built from the directory's own operations, or why
    /// none could be built (then the embedded table stands in for it).
    pub fn events(&self) -> Result<EventTable<'static>, &str> {
        self.events
            .get_or_init(|| self.build_events())
            .as_ref()
            .map(|table| *table)
            .map_err(String::as_str)
    }

    /// Builds the event table with the catalog's own code (the sync's), and
    /// keeps its rows for the life of the process: `pare` runs one command,
    /// and the engine borrows the rows.
    fn build_events(&self) -> Result<EventTable<'static>, String> {
        let limits = self.limits;
        let built = pare_catalog::events::load_events_dir_with(&self.path, &self.catalog, |path| {
            limits.read_file(path, Kind::Catalog)
        })
        .map_err(|e| e.to_string())?;
        if built.rows.is_empty() {
            return Err("its service files list no `Operations`".to_string());
        }
        let rows: &'static [pare_catalog::events::EventRow] =
            Box::leak(built.rows.into_boxed_slice());
        let mappings: Vec<EventMapping<'static>> = rows
            .iter()
            .map(|row| {
                let actions: Vec<&'static str> = row.actions.iter().map(String::as_str).collect();
                let actions: &'static [&'static str] = Box::leak(actions.into_boxed_slice());
                EventMapping::new(&row.event_source, &row.event_name, actions)
            })
            .collect();
        let mappings: &'static [EventMapping<'static>] = Box::leak(mappings.into_boxed_slice());
        EventTable::new(mappings).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IgnoredAny;

    #[test]
    fn bom_is_stripped_and_bad_utf8_named() {
        assert_eq!(decode("p", b"\xef\xbb\xbf{}".to_vec()).unwrap(), "{}");
        let err = decode("p.json", b"{\"a\xff\"}".to_vec()).unwrap_err();
        assert_eq!(err.chain(), "p.json: invalid UTF-8 at byte offset 3");
    }

    #[test]
    fn the_cap_is_checked_while_reading() {
        let cap = 10;
        let ok = read_capped(&b"0123456789"[..], None, cap, Kind::Data).unwrap();
        assert_eq!(ok.len(), 10);
        let err = read_capped(&b"0123456789X"[..], None, cap, Kind::Data).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::FileTooLarge);
        assert_eq!(
            err.to_string(),
            "larger than 10 bytes, the most pare reads of one input; `--max-input-size` raises the cap"
        );
        // An endless source stops after cap + 1 bytes.
        let err = read_capped(std::io::repeat(b'y'), None, 1 << 20, Kind::Catalog).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("larger than 1 MiB, the most pare reads of a catalog file")
        );
        // A size the file system reports is checked before reading.
        let err = read_capped(&b""[..], Some(11), cap, Kind::Policy).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::FileTooLarge);
    }

    /// The values `stream_values` gives, or `None` when it says to read whole.
    fn streamed(bytes: &[u8], chunk: usize) -> std::io::Result<Option<Vec<String>>> {
        let mut values = Vec::new();
        let clean = stream_values(
            bytes,
            1 << 30,
            Kind::Data,
            chunk,
            |offset, text, _: IgnoredAny| {
                // Each value's offset is where its text is in the input.
                let at = usize::try_from(offset).unwrap();
                assert_eq!(bytes.get(at..at + text.len()), Some(text.as_bytes()));
                values.push(text.trim().to_string());
                true
            },
        )?;
        Ok(clean.then_some(values))
    }

    #[test]
    fn streamed_values_are_the_values_at_any_chunk_size() {
        let mut text = String::from("\u{feff}");
        let mut expected = Vec::new();
        for i in 0..300 {
            // Values of every size, one larger than every chunk below, with
            // multi-byte characters and escapes to cut through.
            let value = format!(
                r#"{{"id":"{i}","name":"é{}\"\u00e9","n":[{}]}}"#,
                "x".repeat(i * 7),
                (0..i % 40)
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            );
            text.push_str(&value);
            text.push_str(["\n", " ", "\r\n\n", ""][i % 4]);
            expected.push(value);
        }
        for chunk in [1, 2, 3, 7, 64, 1000, 1 << 20] {
            assert_eq!(
                streamed(text.as_bytes(), chunk).unwrap(),
                Some(expected.clone()),
                "chunk {chunk}"
            );
        }
        assert_eq!(streamed(b"", 4).unwrap(), Some(vec![]));
        assert_eq!(streamed(b" \n\t ", 1).unwrap(), Some(vec![]));
    }

    #[test]
    fn streams_that_are_not_clean_are_read_whole() {
        // Truncated, a syntax error after good values, gzip, UTF-16, bad UTF-8
        // in a string: the caller reads these whole for the error.
        for bad in [
            &b"{\"a\":1}\n{\"b\":"[..],
            b"{\"a\":1}\n{\"b\" 2}",
            b"{} x",
            b"\x1f\x8b\x08\x00",
            b"\xff\xfe{\x00}\x00",
            b"{\"a\":\"\xff\"}",
        ] {
            for chunk in [1, 5, 1 << 20] {
                assert_eq!(streamed(bad, chunk).unwrap(), None, "{bad:?} {chunk}");
            }
        }
        // `each` refusing a value stops the stream.
        let mut seen = 0;
        let clean = stream_values(
            &b"{} {} {}"[..],
            100,
            Kind::Data,
            2,
            |_, _, _: IgnoredAny| {
                seen += 1;
                seen < 2
            },
        )
        .unwrap();
        assert!(!clean);
        assert_eq!(seen, 2);
    }

    #[test]
    fn an_endless_stream_stops_at_the_cap() {
        for byte in [b' ', b'['] {
            let err = stream_values(
                std::io::repeat(byte),
                1 << 20,
                Kind::Data,
                4096,
                |_, _, _: IgnoredAny| true,
            )
            .unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::FileTooLarge);
        }
        // Exactly at the cap is fine; one byte more is not.
        let ok =
            stream_values(&b"{}   "[..], 5, Kind::Data, 2, |_, _, _: IgnoredAny| true).unwrap();
        assert!(ok);
        let err = stream_values(&b"{}    "[..], 5, Kind::Data, 2, |_, _, _: IgnoredAny| true)
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::FileTooLarge);
    }

    #[test]
    fn sizes_and_caps() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("2K"), Ok(2048));
        assert_eq!(parse_size("500m"), Ok(500 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert!(parse_size("2X").is_err());
        assert!(parse_size("G").is_err());
        assert!(parse_size("99999999999T").is_err());
        let default = Limits::default();
        assert_eq!(default.cap(Kind::Data), 1 << 30);
        assert_eq!(default.cap(Kind::Policy), 1 << 20);
        let raised = Limits::every_input(4 << 30);
        assert_eq!(raised.cap(Kind::Data), 4 << 30);
        assert_eq!(raised.cap(Kind::Catalog), 4 << 30);
        // The engine parses no larger policy.
        assert_eq!(raised.cap(Kind::Policy), 1 << 20);
        assert_eq!(Limits::every_input(100).cap(Kind::Policy), 100);
        assert_eq!(show_size(3 << 30), "3 GiB");
        assert_eq!(show_size(1536), "1536 bytes");
    }

    #[test]
    fn dash_is_stdin() {
        assert_eq!(Source::from_arg(OsStr::new("-")), Source::Stdin);
        assert_eq!(
            Source::from_arg(OsStr::new("dir/p.json")).file_name(),
            "p.json"
        );
    }

    /// A `--catalog DIR` copy with one service, `s3`, whose file lists `operations`.
    fn catalog_dir(root: &Path, name: &str, operations: &str) -> PathBuf {
        let dir = root.join(name);
        std::fs::create_dir_all(dir.join("v1/s3")).unwrap();
        std::fs::write(
            dir.join("index.json"),
            r#"[{"service": "s3", "url": "https://servicereference.us-east-1.amazonaws.com/v1/s3/s3.json"}]"#,
        )
        .unwrap();
        let action = r#"{"Name": "GetObject", "Annotations": {"Properties": {"IsList": false, "IsPermissionManagement": false, "IsTaggingOnly": false, "IsWrite": false}}, "SupportedBy": {"IAM Action Last Accessed": true}}"#;
        std::fs::write(
            dir.join("v1/s3/s3.json"),
            format!(r#"{{"Name": "s3", "Version": "v1.4", "Actions": [{action}]{operations}}}"#),
        )
        .unwrap();
        dir
    }

    #[test]
    fn each_catalog_carries_its_own_event_table() {
        use pare_engine::EventLookup;
        let root = tempfile::tempdir().unwrap();
        let with = catalog_dir(
            root.path(),
            "with",
            r#", "Operations": [{"Name": "FetchObjectFast", "AuthorizedActions": [{"Name": "GetObject", "Service": "s3"}], "SDK": [{"Name": "s3", "Method": "fetch_object_fast", "Package": "Boto3"}]}]"#,
        );
        let without = catalog_dir(root.path(), "without", "");
        // Three catalogs alive at once, on one thread: each maps with its own table.
        let with = Catalog::load(Some(&with), Limits::default()).unwrap();
        let without = Catalog::load(Some(&without), Limits::default()).unwrap();
        let embedded = Catalog::load(None, Limits::default()).unwrap();
        let fetch = |catalog: &Catalog| {
            catalog
                .events()
                .lookup("s3.amazonaws.com", "FetchObjectFast")
        };
        assert_eq!(fetch(&with), EventLookup::Actions(&["s3:GetObject"]));
        assert_eq!(with.events().len(), 1);
        assert_eq!(fetch(&without), EventLookup::UnknownEvent);
        assert_eq!(fetch(&embedded), EventLookup::UnknownEvent);
        assert_eq!(without.events().len(), pare_catalog::events().len());
        let Catalog::Dir(dir) = &without else {
            panic!("`--catalog DIR` is a directory catalog")
        };
        assert_eq!(
            dir.events().unwrap_err(),
            "its service files list no `Operations`"
        );
        // Asked again, the table is the one built first.
        assert_eq!(fetch(&with), EventLookup::Actions(&["s3:GetObject"]));
    }
}
