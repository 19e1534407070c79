//! A policy document found in a source: its statements, where each action
//! list is, and the engine's view of the parts that are literal.

use std::ops::Range;

use pare_engine::ActionKey;
use serde_json::{Map, Value};

use crate::Note;
use crate::tree::{Kind, Node, Quote};

/// The language a document is written in, which sets how a new entry is quoted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// JSON (a template, a heredoc, a `file()`, a plain policy).
    Json,
    /// YAML (a template).
    Yaml,
    /// HCL (`jsonencode({...})`, `aws_iam_policy_document`).
    Hcl,
}

/// How the statements are laid out, which sets how one is removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `[{...}, {...}]`: JSON, HCL or YAML flow.
    Flow,
    /// YAML `- Effect: ...` items.
    Block,
    /// `statement { ... }` blocks of an `aws_iam_policy_document`.
    Blocks,
    /// `Statement` is one object: the only statement cannot be removed alone.
    Single,
}

/// One entry of an action list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// The action pattern.
    pub value: String,
    /// Where it is, quotes included.
    pub span: Range<usize>,
}

/// An action list pare can read: every entry a literal string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct List {
    /// `Action` or `NotAction`.
    pub key: ActionKey,
    /// The value's span (the scalar, or the list).
    pub span: Range<usize>,
    /// The entries.
    pub items: Vec<Item>,
    /// Written as one string, not a list.
    pub scalar: bool,
    /// How the first entry is quoted.
    pub quote: Quote,
    /// YAML `- item` lines rather than `[...]`.
    pub block: bool,
}

/// A statement's action list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actions {
    /// Literal: the engine refines it.
    Literal(List),
    /// Not a literal, or the statement's effect is not: kept as written.
    NonLiteral,
}

/// One statement.
#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    /// Where it is (the object, or the `statement` block).
    pub span: Range<usize>,
    /// The statement as the engine reads it (non-literal values named, not evaluated).
    pub fields: Map<String, Value>,
    /// Its action list.
    pub actions: Actions,
}

/// A policy document in a source.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The language it is written in.
    pub lang: Lang,
    /// How its statements are laid out.
    pub layout: Layout,
    /// Where it is.
    pub span: Range<usize>,
    /// Its `Version`, when literal.
    pub version: Option<String>,
    /// Its statements, in order.
    pub statements: Vec<Stmt>,
    /// What pare could not read in it.
    pub notes: Vec<Note>,
}

/// A replacement of `span` by `text` in a source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Splice {
    /// The bytes replaced.
    pub span: Range<usize>,
    /// What stands in their place.
    pub text: String,
}

/// Applies non-overlapping splices to `text`.
pub fn apply(text: &str, splices: &[Splice]) -> String {
    let mut sorted: Vec<&Splice> = splices.iter().collect();
    sorted.sort_by_key(|s| s.span.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for splice in sorted {
        if splice.span.start < at {
            continue;
        }
        out.push_str(text.get(at..splice.span.start).unwrap_or(""));
        out.push_str(&splice.text);
        at = splice.span.end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

impl Document {
    /// Reads a document from its value tree.
    pub fn from_node(node: &Node, lang: Lang) -> Result<Document, Note> {
        if let Kind::Opaque { what } = &node.kind {
            return Err(Note::new(
                node.span.start,
                format!("the policy is a {what}: not read"),
            ));
        }
        if node.intrinsic().is_some() || !matches!(node.kind, Kind::Map { .. }) {
            return Err(Note::new(
                node.span.start,
                "the policy is not a literal object: not read",
            ));
        }
        let version = node
            .get("Version")
            .and_then(Node::as_str)
            .map(str::to_string);
        let Some(statement) = node.get("Statement") else {
            return Err(Note::new(node.span.start, "the policy has no `Statement`"));
        };
        let mut doc = Document {
            lang,
            layout: Layout::Single,
            span: node.span.clone(),
            version,
            statements: Vec::new(),
            notes: Vec::new(),
        };
        match &statement.kind {
            Kind::Seq { items, flow } => {
                doc.layout = if *flow || lang != Lang::Yaml {
                    Layout::Flow
                } else {
                    Layout::Block
                };
                for item in items {
                    doc.statement(item);
                }
            }
            Kind::Map { .. } if statement.intrinsic().is_none() => doc.statement(statement),
            _ => doc.notes.push(Note::new(
                statement.span.start,
                format!("`Statement` is {}: not read", describe(statement)),
            )),
        }
        Ok(doc)
    }

    /// Reads one statement of a JSON-like document.
    fn statement(&mut self, node: &Node) {
        let Kind::Map { entries } = &node.kind else {
            self.notes.push(Note::new(
                node.span.start,
                format!("a statement is {}: kept as written", describe(node)),
            ));
            // Kept in place so that the others keep their positions.
            self.statements.push(Stmt {
                span: node.span.clone(),
                fields: Map::new(),
                actions: Actions::NonLiteral,
            });
            return;
        };
        if node.intrinsic().is_some() {
            self.notes.push(Note::new(
                node.span.start,
                format!("a statement is {}: kept as written", describe(node)),
            ));
            self.statements.push(Stmt {
                span: node.span.clone(),
                fields: Map::new(),
                actions: Actions::NonLiteral,
            });
            return;
        }
        let fields: Map<String, Value> = entries
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect();
        for (key, value) in entries {
            if ["Effect", "Action", "NotAction"].contains(&key.as_str()) {
                continue;
            }
            self.note_non_literal(key, value);
        }
        let effect = node.get("Effect");
        let action = [ActionKey::Action, ActionKey::NotAction]
            .into_iter()
            .find_map(|key| node.get(key.as_str()).map(|n| (key, n)));
        let actions = match (effect, action) {
            (Some(effect), Some((key, value))) if effect.as_str().is_some() => {
                match self.list(key, value) {
                    Some(list) => Actions::Literal(list),
                    None => Actions::NonLiteral,
                }
            }
            (Some(effect), Some(_)) => {
                self.notes.push(Note::new(
                    effect.span.start,
                    format!(
                        "`Effect` is {}: the statement is kept as written",
                        describe(effect)
                    ),
                ));
                Actions::NonLiteral
            }
            _ => {
                self.notes.push(Note::new(
                    node.span.start,
                    "a statement without a literal `Effect` and `Action` or `NotAction`: kept as written",
                ));
                Actions::NonLiteral
            }
        };
        self.statements.push(Stmt {
            span: node.span.clone(),
            fields,
            actions,
        });
    }

    /// Notes the first value under `key` that is not a literal: it is left
    /// as written, and does not change what is removed from the actions.
    pub(crate) fn note_non_literal(&mut self, key: &str, value: &Node) {
        if let Some(part) = first_non_literal(value) {
            self.notes.push(Note::new(
                part.span.start,
                format!("`{key}` holds {}: left as written", non_literal_part(part)),
            ));
        }
    }

    /// An action list, when every entry is a literal string.
    pub(crate) fn list(&mut self, key: ActionKey, value: &Node) -> Option<List> {
        let literal = |node: &Node| -> Option<Item> {
            let text = node.as_str()?;
            // `${...}`: a Terraform interpolation (or a `Fn::Sub` variable).
            if text.contains("${") || text.contains("%{") {
                return None;
            }
            Some(Item {
                value: text.to_string(),
                span: node.span.clone(),
            })
        };
        let quote_of = |node: &Node| match &node.kind {
            Kind::Scalar { quote, .. } => *quote,
            _ => Quote::Double,
        };
        let list = match &value.kind {
            Kind::Scalar { .. } => literal(value).map(|item| List {
                key,
                span: value.span.clone(),
                quote: quote_of(value),
                items: vec![item],
                scalar: true,
                block: false,
            }),
            Kind::Seq { items, flow } => items
                .iter()
                .map(literal)
                .collect::<Option<Vec<Item>>>()
                .map(|entries| List {
                    key,
                    span: value.span.clone(),
                    quote: items.first().map_or(Quote::Double, quote_of),
                    items: entries,
                    scalar: false,
                    block: !flow && self.lang == Lang::Yaml,
                }),
            _ => None,
        };
        if list.is_none() {
            self.notes.push(Note::new(
                value.span.start,
                format!(
                    "`{}` holds {}: the list is kept as written",
                    key.as_str(),
                    non_literal_part(value)
                ),
            ));
        }
        list
    }

    /// The engine's policy of the literal statements, and for each of its
    /// statements the index of the statement here.
    pub fn policy(&self) -> Result<(pare_engine::Policy, Vec<usize>), pare_engine::Error> {
        let mut statements = Vec::new();
        let mut index = Vec::new();
        for (i, stmt) in self.statements.iter().enumerate() {
            if let Actions::Literal(list) = &stmt.actions {
                let mut fields = stmt.fields.clone();
                let entries: Vec<Value> = list
                    .items
                    .iter()
                    .map(|i| Value::String(i.value.clone()))
                    .collect();
                let value = match entries.as_slice() {
                    [one] if list.scalar => one.clone(),
                    _ => Value::Array(entries),
                };
                fields.insert(list.key.as_str().to_string(), value);
                statements.push(Value::Object(fields));
                index.push(i);
            }
        }
        let mut document = Map::new();
        if let Some(version) = &self.version {
            document.insert("Version".into(), version.clone().into());
        }
        // One statement written as an object stays one.
        let statement = match statements.as_slice() {
            [one] if self.layout == Layout::Single => one.clone(),
            _ => Value::Array(statements),
        };
        document.insert("Statement".into(), statement);
        let policy = pare_engine::Policy::from_value(Value::Object(document), "")?;
        Ok((policy, index))
    }

    /// Whether removing these statements would leave none.
    pub fn removes_all(&self, removed: &[usize]) -> bool {
        (0..self.statements.len()).all(|i| removed.contains(&i))
    }

    /// The splices that give each statement of `changed` its new entries
    /// (`None`: the statement is removed), in `text`.
    pub fn splices(&self, text: &str, changed: &[(usize, Option<Vec<String>>)]) -> Vec<Splice> {
        let mut splices = Vec::new();
        let mut removed = Vec::new();
        for (i, entries) in changed {
            match (entries, self.statements.get(*i)) {
                (None, Some(_)) => removed.push(*i),
                (
                    Some(entries),
                    Some(Stmt {
                        actions: Actions::Literal(list),
                        ..
                    }),
                ) => {
                    if let Some(splice) = rewrite_list(text, list, entries, self.lang) {
                        splices.push(splice);
                    }
                }
                _ => {}
            }
        }
        removed.sort_unstable();
        removed.dedup();
        splices.extend(self.removals(text, &removed));
        splices
    }

    /// Splices that remove statements, a run of neighbours at a time so
    /// that separators are neither left twice nor removed twice.
    fn removals(&self, text: &str, removed: &[usize]) -> Vec<Splice> {
        let n = self.statements.len();
        let span = |i: usize| self.statements.get(i).map_or(0..0, |s| s.span.clone());
        let mut out = Vec::new();
        if self.layout == Layout::Blocks {
            for &i in removed {
                let s = span(i);
                // The comment lines right above a block are about it.
                let mut start = line_start(text, s.start);
                while start > 0 {
                    let above = line_start(text, start - 1);
                    let line = text.get(above..start).unwrap_or("").trim();
                    if line.starts_with('#') || line.starts_with("//") {
                        start = above;
                    } else {
                        break;
                    }
                }
                let mut end = after_line(text, s.end);
                // A blank line on each side would be two in a row.
                let blank_before = start > 0
                    && text
                        .get(line_start(text, start - 1)..start)
                        .is_some_and(|l| l.trim().is_empty());
                let blank_after = text
                    .get(end..after_line(text, end))
                    .is_some_and(|l| l.trim().is_empty() && !l.is_empty());
                if blank_before && blank_after {
                    end = after_line(text, end);
                }
                out.push(Splice {
                    span: start..end,
                    text: String::new(),
                });
            }
            return out;
        }
        if self.layout == Layout::Single || removed.len() >= n {
            return out;
        }
        let mut k = 0;
        while let Some(&a) = removed.get(k) {
            let mut b = a;
            while removed.get(k + 1) == Some(&(b + 1)) {
                b += 1;
                k += 1;
            }
            k += 1;
            let range = match self.layout {
                Layout::Block if b + 1 < n => {
                    line_start(text, span(a).start)..line_start(text, span(b + 1).start)
                }
                Layout::Block => {
                    line_start(text, span(a).start).saturating_sub(1)..line_end(text, span(b).end)
                }
                _ if b + 1 < n => span(a).start..span(b + 1).start,
                _ => span(a.saturating_sub(1)).end..span(b).end,
            };
            out.push(Splice {
                span: range,
                text: String::new(),
            });
        }
        out
    }
}

/// What a value is, in a few words, for a note.
pub(crate) fn describe(node: &Node) -> String {
    match &node.kind {
        Kind::Opaque { what } => {
            let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            format!("{article} {what}")
        }
        Kind::Map { .. } => match node.intrinsic() {
            Some(name) => format!("an intrinsic `{name}`"),
            None => "an object".to_string(),
        },
        Kind::Seq { .. } => "a list".to_string(),
        Kind::Scalar { .. } => "a literal".to_string(),
    }
}

/// The first part of a value that pare does not evaluate.
fn first_non_literal(node: &Node) -> Option<&Node> {
    if node.intrinsic().is_some() {
        return Some(node);
    }
    match &node.kind {
        Kind::Opaque { .. } => Some(node),
        Kind::Scalar { value, .. } => value
            .as_str()
            .is_some_and(|s| s.contains("${") || s.contains("%{"))
            .then_some(node),
        Kind::Seq { items, .. } => items.iter().find_map(first_non_literal),
        Kind::Map { entries } => entries.iter().find_map(|(_, v)| first_non_literal(v)),
    }
}

/// The first part of an action value that is not a literal string, described.
fn non_literal_part(value: &Node) -> String {
    match &value.kind {
        Kind::Seq { items, .. } => items
            .iter()
            .find(|i| {
                i.as_str()
                    .is_none_or(|s| s.contains("${") || s.contains("%{"))
            })
            .map_or_else(
                || "a value that is not a literal".to_string(),
                non_literal_part,
            ),
        Kind::Scalar { .. } => "an interpolation".to_string(),
        _ => describe(value),
    }
}

/// The offset of the start of the line `at` is on.
pub fn line_start(text: &str, at: usize) -> usize {
    text.get(..at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1)
}

/// The offset of the end of the line `at` is on (its `\n`, or the end).
pub fn line_end(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| at + i)
}

/// The offset after the line `at` is on, its `\n` included.
fn after_line(text: &str, at: usize) -> usize {
    let end = line_end(text, at);
    if end < text.len() { end + 1 } else { end }
}

/// `value` quoted as `quote` in `lang`.
pub fn quoted(value: &str, quote: Quote, lang: Lang) -> String {
    let plain_safe = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '*' | '?' | '_' | '-' | '.'))
        && !value.starts_with(['*', '-', '?', ':']);
    match (quote, lang) {
        (Quote::Single, Lang::Yaml) => format!("'{}'", value.replace('\'', "''")),
        (Quote::Plain, Lang::Yaml) if plain_safe => value.to_string(),
        _ => serde_json::to_string(value).unwrap_or_default(),
    }
}

/// Drops `#` and `//` comments from a separator, keeping its line breaks.
fn without_comments(separator: &str) -> String {
    let lines: Vec<&str> = separator.split('\n').collect();
    let last = lines.len().saturating_sub(1);
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let cut = [line.find('#'), line.find("//")]
                .into_iter()
                .flatten()
                .min();
            let line = cut.map_or(*line, |c| line.get(..c).unwrap_or(line));
            if i < last { line.trim_end() } else { line }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The bytes an edit of `list` may touch: its value, and the comment on
/// the line of its last entry (which goes when that entry goes).
pub fn list_region(text: &str, list: &List) -> Range<usize> {
    let end = list.items.last().map_or(list.span.end, |last| {
        let line = line_end(text, last.span.end);
        let rest = text.get(last.span.end..line).unwrap_or("");
        if rest.contains('#') || rest.contains("//") {
            line
        } else {
            last.span.end
        }
    });
    list.span.start..end.max(list.span.end)
}

/// The splice that rewrites `list` to hold `entries`: entries kept keep
/// their bytes and what follows them; new ones are quoted as the first was.
pub fn rewrite_list(text: &str, list: &List, entries: &[String], lang: Lang) -> Option<Splice> {
    let old: Vec<&str> = list.items.iter().map(|i| i.value.as_str()).collect();
    if old.len() == entries.len() && old.iter().zip(entries).all(|(a, b)| *a == b) {
        return None;
    }
    let quote = |v: &str| quoted(v, list.quote, lang);
    if list.scalar {
        let text = match entries {
            [one] => quote(one),
            _ => format!(
                "[{}]",
                entries
                    .iter()
                    .map(|e| quote(e))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        return Some(Splice {
            span: list.span.clone(),
            text,
        });
    }
    let (Some(first), Some(last)) = (list.items.first(), list.items.last()) else {
        return None;
    };
    let separators: Vec<&str> = list
        .items
        .windows(2)
        .filter_map(|w| match w {
            [a, b] => text.get(a.span.end..b.span.start),
            _ => None,
        })
        .collect();
    let default = match separators.first() {
        Some(s) => without_comments(s),
        None => {
            let prefix = text
                .get(line_start(text, first.span.start)..first.span.start)
                .unwrap_or("");
            if list.block {
                format!("\n{prefix}")
            } else if !prefix.is_empty() && prefix.trim().is_empty() {
                format!(",\n{prefix}")
            } else {
                ", ".to_string()
            }
        }
    };
    let kept = align(&old, entries);
    let after = trailing(&kept, old.len());
    let mut out = String::new();
    let mut previous: Option<Option<usize>> = None;
    for ((entry, keep), follows) in entries.iter().zip(&kept).zip(&after) {
        if let Some(previous) = previous {
            match previous.and_then(|p| separators.get(p)) {
                Some(separator) => out.push_str(separator),
                None => out.push_str(&default),
            }
        }
        match keep.and_then(|k| list.items.get(k)) {
            Some(item) => out.push_str(text.get(item.span.clone()).unwrap_or(entry)),
            None => out.push_str(&quote(entry)),
        }
        previous = Some(*follows);
    }
    // When the last entry goes, so does the comment after it on its line;
    // a trailing comma stays.
    let mut end = last.span.end;
    if kept.last().copied().flatten() != Some(list.items.len() - 1) {
        let line = line_end(text, end);
        let rest = text.get(end..line).unwrap_or("");
        if rest.contains('#') || rest.contains("//") {
            out.push_str(without_comments(rest).trim_end());
            end = line;
        }
    }
    Some(Splice {
        span: first.span.start..end,
        text: out,
    })
}

/// For each new entry, the old entry whose separator (and the comment in
/// it) follows it: its own when kept; for the last of new entries that
/// stand where old ones were removed, the last of those (a replacement
/// keeps the comment of what it replaces).
fn trailing(kept: &[Option<usize>], old: usize) -> Vec<Option<usize>> {
    let mut out: Vec<Option<usize>> = kept.to_vec();
    let mut previous_old: Option<usize> = None;
    let mut j = 0;
    while j < kept.len() {
        if let Some(Some(i)) = kept.get(j) {
            previous_old = Some(*i);
            j += 1;
            continue;
        }
        // A run of new entries: up to the next kept one (or the end).
        let mut end = j;
        while matches!(kept.get(end), Some(None)) {
            end += 1;
        }
        let next_old = kept.get(end).copied().flatten().unwrap_or(old);
        let first_gone = previous_old.map_or(0, |p| p + 1);
        if next_old > first_gone {
            if let Some(slot) = out.get_mut(end - 1) {
                *slot = Some(next_old - 1);
            }
        }
        j = end;
    }
    out
}

/// For each new entry, the old entry it is (longest common subsequence).
fn align(old: &[&str], new: &[String]) -> Vec<Option<usize>> {
    let (n, m) = (old.len(), new.len());
    // lengths[i][j]: the LCS of old[i..] and new[j..].
    let mut lengths = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let value = if old.get(i).copied() == new.get(j).map(String::as_str) {
                1 + lengths
                    .get(i + 1)
                    .and_then(|r| r.get(j + 1))
                    .copied()
                    .unwrap_or(0)
            } else {
                let down = lengths
                    .get(i + 1)
                    .and_then(|r| r.get(j))
                    .copied()
                    .unwrap_or(0);
                let right = lengths
                    .get(i)
                    .and_then(|r| r.get(j + 1))
                    .copied()
                    .unwrap_or(0);
                down.max(right)
            };
            if let Some(cell) = lengths.get_mut(i).and_then(|r| r.get_mut(j)) {
                *cell = value;
            }
        }
    }
    let at = |i: usize, j: usize| lengths.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0);
    let mut out = vec![None; m];
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if old.get(i).copied() == new.get(j).map(String::as_str) {
            if let Some(slot) = out.get_mut(j) {
                *slot = Some(i);
            }
            i += 1;
            j += 1;
        } else if at(i + 1, j) >= at(i, j + 1) {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}
