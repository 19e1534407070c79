//! The IAM policy model: one model for the whole workspace.
//!
//! A policy keeps the JSON it was read from, key order included; the engine only
//! ever rewrites the `Action` or `NotAction` value of a statement and drops
//! statements, so everything else is printed back exactly as it came in.

use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, Location};
use crate::json;

mod pretty;

/// `Allow` or `Deny` (IAM spells them with a capital and nothing else).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Effect {
    /// Grants what the statement names.
    Allow,
    /// Denies what the statement names; the engine never changes it.
    Deny,
}

/// Which of the two action keys a statement uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum ActionKey {
    /// `Action`: the statement applies to the listed actions.
    Action,
    /// `NotAction`: the statement applies to every action except the listed ones.
    NotAction,
}

impl ActionKey {
    /// The key as written in a policy.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKey::Action => "Action",
            ActionKey::NotAction => "NotAction",
        }
    }
}

/// One statement: its JSON object as written, plus the parts the engine reads.
///
/// The object itself (`frame`) is shared between a statement and every
/// refinement of it: refining only ever changes the action entries, so a
/// refined policy costs its new entries and nothing else. The action key's
/// slot in the frame is `null`; the entries stand in for it when the statement
/// is written out.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    frame: Arc<Map<String, Value>>,
    effect: Effect,
    key: ActionKey,
    entries: Vec<String>,
    entries_were_string: bool,
}

impl Statement {
    /// `Allow` or `Deny`.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// `Action` or `NotAction`.
    pub fn key(&self) -> ActionKey {
        self.key
    }

    /// The entries of the action key, in order, as written.
    pub fn entries(&self) -> &[String] {
        &self.entries
    }

    /// The `Sid`, when it is a string.
    pub fn sid(&self) -> Option<&str> {
        self.frame.get("Sid").and_then(Value::as_str)
    }

    /// The statement object as written (with the current action entries).
    pub fn to_object(&self) -> Map<String, Value> {
        let mut fields = (*self.frame).clone();
        if let Some(slot) = fields.get_mut(self.key.as_str()) {
            *slot = self.entries_value();
        }
        fields
    }

    /// The keys of the statement object, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.frame.keys().map(String::as_str)
    }

    /// The same statement with other action entries, in the same key position.
    /// One entry stays a string when the original value was a string.
    pub fn with_entries(&self, mut entries: Vec<String>) -> Statement {
        // A refined statement lives as long as the plan that holds it.
        entries.shrink_to_fit();
        Statement {
            frame: Arc::clone(&self.frame),
            effect: self.effect,
            key: self.key,
            entries,
            entries_were_string: self.entries_were_string,
        }
    }

    /// The statement without its action key: what must never change.
    pub fn other_fields(&self) -> Map<String, Value> {
        let mut fields = (*self.frame).clone();
        fields.shift_remove(self.key.as_str());
        fields
    }

    /// The action key's value: a lone string stays a string.
    /// IAM's size of the statement as JSON (see [`Policy::size`]).
    pub fn size(&self) -> usize {
        self.size_around(self.entries_size(string_size))
    }

    /// [`Statement::size`], from the sizes of its entries (one each, in
    /// order, as [`Policy::size_of_str`] counts them): a caller that needs
    /// both sizes each entry once.
    pub fn size_with(&self, entry_sizes: &[usize]) -> usize {
        debug_assert_eq!(entry_sizes.len(), self.entries.len());
        let mut sizes = entry_sizes.iter();
        self.size_around(self.entries_size(|_| sizes.next().copied().unwrap_or(0)))
    }

    /// The statement's size, its entries' written form being `entries`.
    fn size_around(&self, entries: usize) -> usize {
        object_size(self.frame.iter().map(|(name, value)| {
            let size = if name == self.key.as_str() {
                entries
            } else {
                value_size(value)
            };
            (name.as_str(), size)
        }))
    }

    /// The size of the entries as they are written (a string or a list),
    /// each entry's given by `size`, asked once each, in order.
    fn entries_size(&self, mut size: impl FnMut(&str) -> usize) -> usize {
        match self.entries.as_slice() {
            [one] if self.entries_were_string => size(one),
            all => array_size(all.iter().map(|entry| size(entry))),
        }
    }

    /// Whether the entries are written as a list (not as one string).
    pub fn entries_are_a_list(&self) -> bool {
        !matches!(self.entries.as_slice(), [_] if self.entries_were_string)
    }

    fn entries_value(&self) -> Value {
        match self.entries.as_slice() {
            [one] if self.entries_were_string => Value::String(one.clone()),
            _ => Value::Array(self.entries.iter().cloned().map(Value::String).collect()),
        }
    }
}

impl Serialize for Statement {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.frame.len()))?;
        for (name, value) in self.frame.iter() {
            if name == self.key.as_str() {
                map.serialize_entry(name, &Entries(self))?;
            } else {
                map.serialize_entry(name, value)?;
            }
        }
        map.end()
    }
}

/// A statement's action value, written without building it.
struct Entries<'s>(&'s Statement);

impl Serialize for Entries<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.entries.as_slice() {
            [one] if self.0.entries_were_string => serializer.serialize_str(one),
            all => serializer.collect_seq(all),
        }
    }
}

/// A parsed policy document.
///
/// Like a statement's, the document's other fields are shared by every
/// refinement of it; its `Statement` slot is `null`, filled in when written.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    document: Arc<Map<String, Value>>,
    statements: Vec<Statement>,
    statement_is_object: bool,
}

impl Policy {
    /// Reads a bare policy document.
    pub fn parse(text: &str) -> Result<Policy, Error> {
        let value = json::parse(text)?;
        Policy::from_value(value, "")
    }

    /// Builds a policy from a JSON value; `path` prefixes locations in errors.
    pub fn from_value(value: Value, path: &str) -> Result<Policy, Error> {
        let Value::Object(mut document) = value else {
            return Err(Error::shape(
                path,
                format!(
                    "a policy document must be a JSON object, found {}",
                    kind(&value)
                ),
            ));
        };
        if let Some(version) = document.get("Version") {
            if !version.is_string() {
                return Err(Error::shape(
                    join(path, "Version"),
                    format!("`Version` must be a string, found {}", kind(version)),
                ));
            }
        }
        if let Some(id) = document.get("Id") {
            if !id.is_string() {
                return Err(Error::shape(
                    join(path, "Id"),
                    format!("`Id` must be a string, found {}", kind(id)),
                ));
            }
        }
        let statement_path = join(path, "Statement");
        let Some(slot) = document.get_mut("Statement") else {
            return Err(Error::shape(
                path,
                "a policy document needs a `Statement` (is this a policy?)",
            ));
        };
        let (statements, statement_is_object) = match std::mem::take(slot) {
            Value::Object(object) => (vec![Statement::from_object(object, &statement_path)?], true),
            Value::Array(items) => {
                let mut statements = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    let item_path = format!("{statement_path}[{i}]");
                    let Value::Object(object) = item else {
                        return Err(Error::shape(
                            item_path,
                            format!("a statement must be a JSON object, found {}", kind(&item)),
                        ));
                    };
                    statements.push(Statement::from_object(object, &item_path)?);
                }
                (statements, false)
            }
            other => {
                return Err(Error::shape(
                    statement_path,
                    format!(
                        "`Statement` must be an object or an array of objects, found {}",
                        kind(&other)
                    ),
                ));
            }
        };
        Ok(Policy {
            document: Arc::new(document),
            statements,
            statement_is_object,
        })
    }

    /// The statements, in order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// The same document with other statements. A document whose single
    /// statement was written as an object keeps that form while one remains.
    pub fn with_statements(&self, statements: Vec<Statement>) -> Policy {
        Policy {
            document: Arc::clone(&self.document),
            statement_is_object: self.statement_is_object && statements.len() == 1,
            statements,
        }
    }

    /// The document as JSON, keys in their original order.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// Pretty JSON (two-space indent), keys in their original order: what
    /// `serde_json::to_string_pretty` makes of the policy, written directly
    /// (see [`pretty`]).
    pub fn to_pretty_string(&self) -> String {
        pretty::policy(self)
    }

    /// Compact JSON, as Access Analyzer puts it in `recommendedPolicy`.
    pub fn to_compact_string(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The size IAM counts against its quotas: characters, white space
    /// excluded. Counted from the policy itself, as [`Policy::size_of`]
    /// would count its text (a test holds them together), without writing
    /// it: a refined policy can hold tens of thousands of actions.
    pub fn size(&self) -> usize {
        self.size_of_statements(Statement::size)
    }

    /// [`Policy::size`], from the sizes of its statements (one each, in
    /// order, as [`Statement::size`] or [`Statement::size_with`] counts them).
    pub fn size_with(&self, statement_sizes: &[usize]) -> usize {
        debug_assert_eq!(statement_sizes.len(), self.statements.len());
        let mut sizes = statement_sizes.iter();
        self.size_of_statements(|_| sizes.next().copied().unwrap_or(0))
    }

    /// The policy's size, each statement's given by `size`, asked once
    /// each, in order.
    fn size_of_statements(&self, mut size: impl FnMut(&Statement) -> usize) -> usize {
        object_size(self.document.iter().map(|(name, value)| {
            let size = if name != "Statement" {
                value_size(value)
            } else {
                match self.statements.as_slice() {
                    [one] if self.statement_is_object => size(one),
                    all => array_size(all.iter().map(&mut size)),
                }
            };
            (name.as_str(), size)
        }))
    }

    /// IAM's size of a JSON value, counted from the value without writing
    /// it (the same as [`Policy::size_of`]).
    pub fn size_of_value(value: &Value) -> usize {
        value_size(value)
    }

    /// IAM's size of a string as JSON writes it (quoted and escaped).
    pub fn size_of_str(text: &str) -> usize {
        string_size(text)
    }

    /// IAM's size of any JSON value (a policy, a statement, an action):
    /// the characters of its compact text, white space excluded. Counted as
    /// the text is written, never held: the size report of a refined
    /// statement of thousands of actions asks it of each one. 0 when the
    /// value does not serialize.
    pub fn size_of<T: Serialize + ?Sized>(value: &T) -> usize {
        let mut counter = CharCounter::default();
        match serde_json::to_writer(&mut counter, value) {
            Ok(()) => counter.count,
            Err(_) => 0,
        }
    }
}

/// IAM's size of a JSON value (its compact text without white space, as
/// [`Policy::size_of`] counts it), counted from the value without writing it.
fn value_size(value: &Value) -> usize {
    match value {
        Value::String(text) => string_size(text),
        Value::Array(items) => array_size(items.iter().map(value_size)),
        Value::Object(fields) => object_size(
            fields
                .iter()
                .map(|(key, value)| (key.as_str(), value_size(value))),
        ),
        // Numbers, booleans and null: as written (no white space in them).
        other => Policy::size_of(other),
    }
}

/// The size of an array of items of the given sizes: brackets and a comma
/// between two.
fn array_size(items: impl ExactSizeIterator<Item = usize>) -> usize {
    2 + items.len().saturating_sub(1) + items.sum::<usize>()
}

/// The size of an object of fields of the given names and value sizes:
/// braces, a colon per field and a comma between two.
fn object_size<'k>(fields: impl ExactSizeIterator<Item = (&'k str, usize)>) -> usize {
    let count = fields.len();
    2 + count
        + count.saturating_sub(1)
        + fields
            .map(|(key, value)| string_size(key) + value)
            .sum::<usize>()
}

/// [`string_size`]'s rule for an ASCII character (a lookup once compiled).
fn ascii_size(b: u8) -> usize {
    match b {
        b' ' => 0,
        b'"' | b'\\' | 0x08 | 0x0c | b'\n' | b'\r' | b'\t' => 2,
        0..=0x1f => 6,
        _ => 1,
    }
}

/// The size of a string as JSON writes it: its quotes, and each character
/// as `serde_json` escapes it (`\"`, `\\`, `\n` and the like: two; other
/// control characters, `\u00XX`: six; anything else as itself, and white
/// space not counted).
fn string_size(text: &str) -> usize {
    let one = |c: char| match c {
        '"' | '\\' | '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' => 2,
        '\u{0}'..='\u{1f}' => 6,
        c if c.is_whitespace() => 0,
        _ => 1,
    };
    // Most strings are printable ASCII with nothing to escape: one
    // character each.
    let body: usize = if is_plain(text) {
        text.len()
    } else if text.is_ascii() {
        text.bytes().map(ascii_size).sum()
    } else {
        text.chars().map(one).sum()
    };
    2 + body
}

/// Whether every byte of `text` is written as itself and counted as one:
/// printable ASCII (`!` to `~`) but `"` and `\\`. Asked of every entry of
/// a refined policy, three times by the size report, so it looks at eight
/// bytes at a time: a word has such a byte exactly when one of these tests,
/// each exact for "some byte of the word", finds one.
fn is_plain(text: &str) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Some byte is 0 (exact as a whole: a borrow runs only past a zero byte).
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let bad = |w: u64| {
        // Below `!` (`0x21`, less than `0x80`: exact the same way), a high
        // bit (not ASCII), or DEL, `"` or `\\`.
        let below = w.wrapping_sub(ONES * 0x21) & !w & HIGH;
        below
            | (w & HIGH)
            | zero(w ^ (ONES * 0x7f))
            | zero(w ^ (ONES * 0x22))
            | zero(w ^ (ONES * 0x5c))
    };
    let mut chunks = text.as_bytes().chunks_exact(8);
    let mut any = 0u64;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        any |= bad(u64::from_le_bytes(word));
    }
    // The last few bytes, the rest of the word filled with a plain byte.
    let rest = chunks.remainder();
    let mut word = [b'a'; 8];
    if let Some(head) = word.get_mut(..rest.len()) {
        head.copy_from_slice(rest);
    }
    any |= bad(u64::from_le_bytes(word));
    any == 0
}

/// A writer that keeps nothing: it counts the characters written that are
/// not white space (`char::is_whitespace`), as `text.chars().filter(..)`
/// would count them in the whole text. A character may come split across
/// writes: its first bytes wait in `pending`.
#[derive(Default)]
struct CharCounter {
    count: usize,
    pending: [u8; 4],
    pending_len: usize,
}

impl CharCounter {
    fn byte(&mut self, b: u8) {
        if self.pending_len == 0 {
            if b.is_ascii() {
                self.count += usize::from(!char::from(b).is_whitespace());
                return;
            }
        } else if b & 0xC0 != 0x80 {
            // A sequence cut short (not from valid UTF-8): it counted as one
            // character, as `from_utf8_lossy` would make it; start afresh.
            self.count += 1;
            self.pending_len = 0;
            return self.byte(b);
        }
        if let Some(slot) = self.pending.get_mut(self.pending_len) {
            *slot = b;
            self.pending_len += 1;
        }
        let first = self.pending.first().copied().unwrap_or(0);
        let width = match first {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        };
        if self.pending_len >= width {
            let bytes = self.pending.get(..self.pending_len).unwrap_or(&[]);
            let white = std::str::from_utf8(bytes)
                .ok()
                .and_then(|s| s.chars().next())
                .is_some_and(char::is_whitespace);
            self.count += usize::from(!white);
            self.pending_len = 0;
        }
    }
}

impl std::io::Write for CharCounter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.pending_len == 0 && bytes.is_ascii() {
            // Most of what a policy writes: one byte a character, counted
            // over the whole piece at once.
            let white = bytes
                .iter()
                .filter(|&&b| matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' '))
                .count();
            self.count += bytes.len() - white;
            return Ok(bytes.len());
        }
        for &b in bytes {
            if self.pending_len == 0 && b.is_ascii() {
                // Most of what a policy writes: one byte a character.
                self.count += usize::from(!matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' '));
            } else {
                self.byte(b);
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Serialize for Policy {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.document.len()))?;
        for (name, value) in self.document.iter() {
            if name != "Statement" {
                map.serialize_entry(name, value)?;
            } else {
                match self.statements.as_slice() {
                    [one] if self.statement_is_object => map.serialize_entry(name, one)?,
                    all => map.serialize_entry(name, all)?,
                }
            }
        }
        map.end()
    }
}

impl Statement {
    fn from_object(mut fields: Map<String, Value>, path: &str) -> Result<Statement, Error> {
        let effect = match fields.get("Effect") {
            Some(Value::String(s)) if s == "Allow" => Effect::Allow,
            Some(Value::String(s)) if s == "Deny" => Effect::Deny,
            Some(Value::String(s)) => {
                return Err(Error::shape(
                    join(path, "Effect"),
                    format!("`Effect` must be `Allow` or `Deny`, found `{s}`"),
                ));
            }
            Some(other) => {
                return Err(Error::shape(
                    join(path, "Effect"),
                    format!("`Effect` must be a string, found {}", kind(other)),
                ));
            }
            None => return Err(Error::shape(path, "the statement has no `Effect`")),
        };
        for key in ["Sid"] {
            if let Some(value) = fields.get(key) {
                if !value.is_string() {
                    return Err(Error::shape(
                        join(path, key),
                        format!("`{key}` must be a string, found {}", kind(value)),
                    ));
                }
            }
        }
        for key in ["Resource", "NotResource"] {
            if let Some(value) = fields.get(key) {
                string_list(value, &join(path, key), key)?;
            }
        }
        if let Some(condition) = fields.get("Condition") {
            if !condition.is_object() {
                return Err(Error::shape(
                    join(path, "Condition"),
                    format!("`Condition` must be an object, found {}", kind(condition)),
                ));
            }
        }
        let key = match (fields.get("Action"), fields.get("NotAction")) {
            (Some(_), Some(_)) => {
                return Err(Error::shape(
                    path,
                    "a statement has either `Action` or `NotAction`, not both",
                ));
            }
            (Some(_), None) => ActionKey::Action,
            (None, Some(_)) => ActionKey::NotAction,
            (None, None) => {
                return Err(Error::shape(
                    path,
                    "the statement has neither `Action` nor `NotAction`",
                ));
            }
        };
        let value = fields
            .get_mut(key.as_str())
            .map(std::mem::take)
            .unwrap_or_default();
        let (entries, entries_were_string) =
            owned_string_list(value, &join(path, key.as_str()), key.as_str())?;
        Ok(Statement {
            frame: Arc::new(fields),
            effect,
            key,
            entries,
            entries_were_string,
        })
    }
}

/// A string or an array of strings; also says whether it was a lone string.
fn string_list(value: &Value, path: &str, key: &str) -> Result<(Vec<String>, bool), Error> {
    match value {
        Value::String(s) => Ok((vec![s.clone()], true)),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::String(s) => out.push(s.clone()),
                    other => {
                        return Err(Error::shape(
                            format!("{path}[{i}]"),
                            format!(
                                "each entry of `{key}` must be a string, found {}",
                                kind(other)
                            ),
                        ));
                    }
                }
            }
            Ok((out, false))
        }
        other => Err(Error::shape(
            path,
            format!(
                "`{key}` must be a string or an array of strings, found {}",
                kind(other)
            ),
        )),
    }
}

/// [`string_list`], taking the strings rather than copying them.
fn owned_string_list(value: Value, path: &str, key: &str) -> Result<(Vec<String>, bool), Error> {
    match value {
        Value::String(s) => Ok((vec![s], true)),
        Value::Array(items) if items.iter().all(Value::is_string) => Ok((
            items
                .into_iter()
                .filter_map(|item| match item {
                    Value::String(s) => Some(s),
                    _ => None,
                })
                .collect(),
            false,
        )),
        other => string_list(&other, path, key),
    }
}

/// Names a JSON value's type for error messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Which kind of IAM policy a document is, for the size quota that applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum PolicyKind {
    /// A managed policy version (`get-policy-version`).
    Managed,
    /// A role's inline policy (`get-role-policy`).
    RoleInline,
    /// A user's inline policy (`get-user-policy`).
    UserInline,
    /// A group's inline policy (`get-group-policy`).
    GroupInline,
    /// A bare document: the kind is not known.
    Unknown,
}

impl PolicyKind {
    /// IAM's size quota for this kind, in non-white-space characters (inline
    /// quotas are per principal, for all its inline policies together).
    pub fn quota(self) -> Option<usize> {
        match self {
            PolicyKind::Managed => Some(6_144),
            PolicyKind::RoleInline => Some(10_240),
            PolicyKind::GroupInline => Some(5_120),
            PolicyKind::UserInline => Some(2_048),
            PolicyKind::Unknown => None,
        }
    }

    /// The quota's name in a sentence.
    pub fn describe(self) -> &'static str {
        match self {
            PolicyKind::Managed => "managed policy",
            PolicyKind::RoleInline => "inline policies of a role",
            PolicyKind::UserInline => "inline policies of a user",
            PolicyKind::GroupInline => "inline policies of a group",
            PolicyKind::Unknown => "policy",
        }
    }

    /// Every quota, for reporting a document of unknown kind.
    pub const ALL: [PolicyKind; 4] = [
        PolicyKind::Managed,
        PolicyKind::RoleInline,
        PolicyKind::GroupInline,
        PolicyKind::UserInline,
    ];
}

/// A policy read from any of the shapes users have at hand.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyInput {
    /// The policy document.
    pub policy: Policy,
    /// What the wrapper says it is.
    pub kind: PolicyKind,
    /// The policy's name or ARN, when the wrapper carries one.
    pub name: Option<String>,
}

/// The largest policy input [`parse_policy_input`] reads: 1 MiB, a hundred
/// times IAM's largest policy quota even pretty-printed and URL-encoded. A
/// bigger file is not a policy (and would only cost time and memory).
pub const MAX_INPUT_BYTES: usize = 1 << 20;

/// Reads a policy from a bare document, a URL-encoded document (raw or as a
/// JSON string), or the output of `aws iam get-policy-version`,
/// `get-role-policy`, `get-user-policy` or `get-group-policy`.
pub fn parse_policy_input(text: &str) -> Result<PolicyInput, Error> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(Error {
            kind: ErrorKind::Shape,
            location: None,
            message: format!(
                "the input is {} bytes, more than any IAM policy (the largest quota is 10,240 characters); pare reads policies of at most {MAX_INPUT_BYTES} bytes",
                text.len()
            ),
        });
    }
    let text = json::strip_bom(text);
    let trimmed = text.trim_start();
    if trimmed.starts_with('%') {
        let decoded = percent_decode(trimmed.trim_end())?;
        // IAM's API encodes a document once. Decoding layer after layer would
        // recurse once per layer, and `%252525…` has as many layers as bytes.
        if json::strip_bom(&decoded).trim_start().starts_with('%') {
            return Err(Error {
                kind: ErrorKind::Encoding,
                location: None,
                message:
                    "the document is URL-encoded more than once (decoded, it still starts with `%`)"
                        .to_string(),
            });
        }
        // Line and column then count in the decoded text: say so.
        return parse_policy_input(&decoded)
            .map_err(|e| decoded_json_error(e, "URL-decoded document"));
    }
    let value = json::parse(text)?;
    match value {
        Value::String(s) => {
            let decoded = percent_decode(&s)?;
            let parsed = json::parse(&decoded)
                .map_err(|e| decoded_json_error(e, "document URL-decoded from the JSON string"))?;
            let policy = Policy::from_value(parsed, "")?;
            Ok(PolicyInput {
                policy,
                kind: PolicyKind::Unknown,
                name: None,
            })
        }
        Value::Object(mut object) => {
            if let Some(Value::Object(mut version)) = object.shift_remove("PolicyVersion") {
                let document = version.shift_remove("Document").ok_or_else(|| {
                    Error::shape("PolicyVersion", "`PolicyVersion` has no `Document`")
                })?;
                let policy = document_value(document, "PolicyVersion.Document")?;
                // `get-policy-version` names the version (`v3`), not the policy:
                // the caller knows the ARN it asked for.
                return Ok(PolicyInput {
                    policy,
                    kind: PolicyKind::Managed,
                    name: None,
                });
            }
            if let Some(document) = object.shift_remove("PolicyDocument") {
                let policy = document_value(document, "PolicyDocument")?;
                let kind = if object.contains_key("RoleName") {
                    PolicyKind::RoleInline
                } else if object.contains_key("UserName") {
                    PolicyKind::UserInline
                } else if object.contains_key("GroupName") {
                    PolicyKind::GroupInline
                } else {
                    PolicyKind::Unknown
                };
                return Ok(PolicyInput {
                    policy,
                    kind,
                    name: object
                        .get("PolicyName")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                });
            }
            Ok(PolicyInput {
                policy: Policy::from_value(Value::Object(object), "")?,
                kind: PolicyKind::Unknown,
                name: None,
            })
        }
        other => Err(Error::shape(
            "",
            format!(
                "expected a policy document (a JSON object), found {}",
                kind(&other)
            ),
        )),
    }
}

/// A JSON error in decoded text, saying the position is in the decoded text.
fn decoded_json_error(err: Error, what: &str) -> Error {
    if err.kind != ErrorKind::Json {
        return err;
    }
    Error {
        message: format!("{} (in the {what})", err.message),
        ..err
    }
}

/// A policy document given as a JSON object or as a URL-encoded JSON string.
pub(crate) fn document_value(value: Value, path: &str) -> Result<Policy, Error> {
    match value {
        Value::String(s) => {
            let decoded = percent_decode(&s).map_err(|e| Error {
                location: Some(Location::Path(path.to_string())),
                ..e
            })?;
            let parsed = json::parse(&decoded).map_err(|e| Error {
                message: format!("in the URL-encoded document at `{path}`: {}", e.message),
                ..e
            })?;
            Policy::from_value(parsed, path)
        }
        other => Policy::from_value(other, path),
    }
}

/// Decodes `%XX` escapes (RFC 3986, as IAM's API encodes documents); `+` stays `+`.
pub(crate) fn percent_decode(text: &str) -> Result<String, Error> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(decoded) if hex.is_some_and(|h| h.bytes().all(|c| c.is_ascii_hexdigit())) => {
                    out.push(decoded);
                    i += 3;
                }
                _ => {
                    let shown: String = text.get(i..).unwrap_or("").chars().take(3).collect();
                    return Err(Error {
                        kind: ErrorKind::Encoding,
                        location: None,
                        message: format!(
                            "bad percent escape `{shown}` at offset {i} of a URL-encoded document"
                        ),
                    });
                }
            }
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|e| Error {
        kind: ErrorKind::Encoding,
        location: None,
        message: format!(
            "a URL-encoded document decodes to invalid UTF-8 at byte {}",
            e.utf8_error().valid_up_to()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_is_sized_eight_bytes_at_a_time_as_byte_by_byte() {
        // Strings of every length up to five words, plain bytes (the ends
        // of the plain range among them) with at most a few others, each at
        // every place (a word's first or last byte, the part after the last
        // whole word); held to the byte-by-byte rule and to the written text.
        let plain = |b: u8| (b'!'..=b'~').contains(&b) && b != b'"' && b != b'\\';
        let others = [
            "\0", " ", "\"", "\\", "\u{7f}", "\n", "\u{1f}", "é", "\u{80}", "\u{3000}", "\t",
        ];
        let fill = ["!", "~", "#", "[", "]", "a", "Z", "0", ":", "*"];
        let mut below = crate::test_rng::below(0x0b17e_u64);
        let mut strings: Vec<String> = Vec::new();
        for len in 0..42 {
            for round in 0..40 {
                let mut text: String = (0..len).map(|_| fill[below(fill.len())]).collect();
                if round > 0 {
                    for _ in 0..below(3) + 1 {
                        let at = below(text.len() + 1);
                        if text.is_char_boundary(at) {
                            text.insert_str(at, others[below(others.len())]);
                        }
                    }
                }
                strings.push(text);
            }
        }
        let mut sized = 0;
        for text in &strings {
            assert_eq!(is_plain(text), text.bytes().all(plain), "{text:?}");
            assert_eq!(
                string_size(text),
                Policy::size_of(text.as_str()),
                "{text:?}"
            );
            sized += usize::from(!is_plain(text));
        }
        assert!(sized > 1_000, "{sized}");
    }

    #[test]
    fn the_pretty_text_is_serde_jsons() {
        // Random policies: keys, entries and values with every kind of
        // character (the escaped ones, DEL, space, non-ASCII) at any place,
        // nested objects and arrays (empty ones too), numbers, booleans and
        // null; one statement as an object or several, entries as a string
        // or a list (empty too); held to serde_json's pretty printer.
        const PIECES: [&str; 20] = [
            "s3:GetObject",
            "a",
            "*",
            "?",
            "\"",
            "\\",
            "\n",
            "\r",
            "\t",
            "\u{8}",
            "\u{c}",
            "\0",
            "\u{1b}",
            "\u{1f}",
            "\u{7f}",
            " ",
            "é",
            "\u{3000}",
            "ec2:Describe*",
            "/",
        ];
        type Below<'b> = &'b mut dyn FnMut(usize) -> usize;
        fn text(below: Below<'_>) -> String {
            (0..below(5)).map(|_| PIECES[below(PIECES.len())]).collect()
        }
        fn value(depth: usize, below: Below<'_>) -> Value {
            match below(if depth > 3 { 5 } else { 7 }) {
                0 => Value::Null,
                1 => Value::Bool(below(2) == 0),
                2 => serde_json::json!(below(1000) as f64 / 7.0),
                3 => serde_json::json!(below(100_000) as i64 - 50_000),
                4 => Value::String(text(below)),
                5 => Value::Array((0..below(4)).map(|_| value(depth + 1, below)).collect()),
                _ => Value::Object(
                    (0..below(4))
                        .map(|_| (text(below), value(depth + 1, below)))
                        .collect(),
                ),
            }
        }
        let mut below = crate::test_rng::below(0x9e77_u64);
        let mut compared = 0;
        for _ in 0..400 {
            let statements: Vec<Value> = (0..below(4) + 1)
                .map(|_| {
                    let mut statement = Map::new();
                    if below(2) == 0 {
                        statement.insert("Sid".into(), Value::String(text(&mut below)));
                    }
                    statement.insert("Effect".into(), Value::String("Allow".into()));
                    let entries: Vec<Value> = (0..below(5))
                        .map(|_| Value::String(text(&mut below)))
                        .collect();
                    let key = if below(4) == 0 { "NotAction" } else { "Action" };
                    let action = match entries.as_slice() {
                        [one] if below(2) == 0 => one.clone(),
                        _ => Value::Array(entries),
                    };
                    statement.insert(key.into(), action);
                    for _ in 0..below(3) {
                        let name = text(&mut below);
                        if !statement.contains_key(&name) && !name.contains("Action") {
                            let v = value(2, &mut below);
                            statement.insert(name, v);
                        }
                    }
                    Value::Object(statement)
                })
                .collect();
            let mut document = Map::new();
            for _ in 0..below(3) {
                let name = text(&mut below);
                if name != "Statement" {
                    let v = value(1, &mut below);
                    document.insert(name, v);
                }
            }
            let statement = match statements.as_slice() {
                [one] if below(2) == 0 => one.clone(),
                _ => Value::Array(statements),
            };
            document.insert("Statement".into(), statement);
            let Ok(policy) = Policy::parse(&Value::Object(document).to_string()) else {
                continue;
            };
            assert_eq!(
                policy.to_pretty_string(),
                serde_json::to_string_pretty(&policy).unwrap()
            );
            compared += 1;
        }
        assert!(compared > 300, "{compared}");
    }

    #[test]
    fn round_trip_keeps_key_order_and_forms() {
        let text = r#"{"Version":"2012-10-17","Id":"x","Statement":{"Sid":"a","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Zed":1}}"#;
        let policy = Policy::parse(text).unwrap();
        assert_eq!(policy.to_compact_string(), text);
        let statement = &policy.statements()[0];
        assert_eq!(statement.entries(), ["s3:GetObject"]);
        assert_eq!(statement.sid(), Some("a"));
        let changed = statement.with_entries(vec!["a:B".into(), "c:D".into()]);
        assert_eq!(
            serde_json::to_string(&changed).unwrap(),
            r#"{"Sid":"a","Effect":"Allow","Action":["a:B","c:D"],"Resource":"*","Zed":1}"#
        );
    }

    #[test]
    fn shape_errors_say_where() {
        let err =
            Policy::parse(r#"{"Statement":[{"Effect":"Allow","Action":{"a":1}}]}"#).unwrap_err();
        assert_eq!(
            err.location,
            Some(Location::Path("Statement[0].Action".into()))
        );
        let err =
            Policy::parse(r#"{"Statement":[{"Effect":"allow","Action":"a:b"}]}"#).unwrap_err();
        assert!(err.message.contains("`allow`"));
        let err = Policy::parse(r#"{"Statement":"x"}"#).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Shape);
        let err =
            Policy::parse(r#"{"Statement":[{"Effect":"Allow","Action":["a:b",3]}]}"#).unwrap_err();
        assert_eq!(
            err.location,
            Some(Location::Path("Statement[0].Action[1]".into()))
        );
    }

    #[test]
    fn wrappers_and_url_encoding() {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        let encoded: String = doc
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        for text in [
            doc.to_string(),
            encoded.clone(),
            format!("\"{encoded}\""),
            format!(
                r#"{{"PolicyVersion":{{"Document":{doc},"VersionId":"v3","IsDefaultVersion":true}}}}"#
            ),
            format!(r#"{{"RoleName":"r","PolicyName":"p","PolicyDocument":"{encoded}"}}"#),
        ] {
            let input = parse_policy_input(&text).unwrap();
            assert_eq!(input.policy.to_compact_string(), doc);
        }
        let err = parse_policy_input("%7B%ZZ").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Encoding);
        assert!(err.message.contains("`%ZZ`"));
    }

    #[test]
    fn layers_of_url_encoding_are_an_error_not_a_stack_overflow() {
        let text = format!("%{}", "25".repeat(200_000));
        let err = parse_policy_input(&text).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Encoding);
        assert!(err.message.contains("more than once"), "{}", err.message);
    }

    #[test]
    fn inputs_larger_than_any_policy_are_refused() {
        let text = format!(
            "{{\"Statement\":[],\"Id\":\"{}\"}}",
            "x".repeat(MAX_INPUT_BYTES)
        );
        let err = parse_policy_input(&text).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Shape);
        assert!(
            err.message.contains("at most 1048576 bytes"),
            "{}",
            err.message
        );
        let fits = format!("{{\"Statement\":[],\"Id\":\"{}\"}}", "x".repeat(1000));
        assert!(parse_policy_input(&fits).is_ok());
    }

    #[test]
    fn numbers_print_back_to_the_same_value() {
        // Found by fuzzing: without exact float parsing, `3.3333333e+41` read
        // back from our own output as `3.3333332999999996e+41`.
        let text = r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
            "Condition":{"NumericLessThan":{"k":3.3333333e+41}},"n":[7e33,1.5,33333333333333333333]}}"#;
        let policy = Policy::parse(text).unwrap();
        let again = Policy::parse(&policy.to_pretty_string()).unwrap();
        assert_eq!(again, policy);
    }

    #[test]
    fn size_ignores_white_space() {
        let policy = Policy::parse("{ \"Statement\" : [ ] }").unwrap();
        assert_eq!(policy.size(), "{\"Statement\":[]}".len());
    }

    /// The plain rule the counting writer stands for.
    fn size_as_text(value: &Value) -> usize {
        serde_json::to_string(value)
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_whitespace())
            .count()
    }

    #[test]
    fn counted_size_is_the_size_of_the_text() {
        // Random values of strings mixing ASCII, escapes, white space of
        // every width (U+0085, U+00A0, U+1680, U+2003, U+3000) and other
        // characters of two, three and four bytes; each counted as written
        // and as the whole text, and written again cut at every byte.
        let pieces = [
            "s3:GetObject",
            " ",
            "\t",
            "\n",
            "\u{b}",
            "\u{c}",
            "\r",
            "\"",
            "\\",
            "\u{1}",
            "\u{85}",
            "\u{a0}",
            "\u{1680}",
            "\u{2003}",
            "\u{2028}",
            "\u{3000}",
            "é",
            "\u{ff}",
            "€",
            "\u{1f600}",
            "\u{10ffff}",
            "x",
        ];
        let mut below = crate::test_rng::below(0x5a11_u64);
        for round in 0..500 {
            let text = |below: &mut dyn FnMut(usize) -> usize| -> String {
                (0..below(6)).map(|_| pieces[below(pieces.len())]).collect()
            };
            let mut map = Map::new();
            for _ in 0..below(4) {
                let key = text(&mut below);
                let list: Vec<Value> = (0..below(4))
                    .map(|_| Value::String(text(&mut below)))
                    .collect();
                map.insert(key, Value::Array(list));
            }
            map.insert("n".to_string(), Value::from(below(1000)));
            let value = Value::Object(map);
            assert_eq!(
                Policy::size_of(&value),
                size_as_text(&value),
                "round {round}: {value}"
            );
            assert_eq!(Policy::size_of_value(&value), size_as_text(&value));
            // A policy around it, counted from its parts: a statement whose
            // one string became a list, and one still a string.
            let one = Value::String(text(&mut below));
            let document = serde_json::json!({
                "Id": text(&mut below),
                "Statement": [
                    {"Sid": text(&mut below), "Effect": "Allow", "Action": one, "Condition": value},
                    {"Effect": "Deny", "NotAction": [text(&mut below), text(&mut below)]},
                ],
                text(&mut below): [1.5, null],
            });
            let policy = Policy::from_value(document, "").unwrap();
            let mut statements = policy.statements().to_vec();
            let wider = statements[0].with_entries(vec![text(&mut below), text(&mut below)]);
            for policy in [
                policy.clone(),
                policy.with_statements(vec![wider]),
                policy.with_statements(statements.split_off(1)),
                policy.with_statements(Vec::new()),
            ] {
                assert_eq!(policy.size(), Policy::size_of(&policy), "round {round}");
                for statement in policy.statements() {
                    assert_eq!(statement.size(), Policy::size_of(statement));
                }
            }
            let written = serde_json::to_vec(&value).unwrap();
            for cut in 0..=written.len() {
                let mut counter = CharCounter::default();
                let (a, b) = written.split_at(cut);
                std::io::Write::write_all(&mut counter, a).unwrap();
                std::io::Write::write_all(&mut counter, b).unwrap();
                assert_eq!(
                    counter.count,
                    size_as_text(&value),
                    "round {round}, cut {cut}"
                );
            }
        }
        let policy = Policy::parse(
            "{\"Id\":\"a\u{a0}b \u{3000}\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\"}]}",
        )
        .unwrap();
        assert_eq!(
            policy.size(),
            size_as_text(&serde_json::to_value(&policy).unwrap())
        );
    }
}
