//! A policy as pretty JSON, written directly: the very text
//! `serde_json::to_string_pretty` makes of it (two spaces an indent, keys in
//! their order, the same escapes), which the tests hold it to. A refined
//! policy can hold tens of thousands of actions, and serde's pretty printer
//! wrote each one's indent two spaces at a time and looked at each of its
//! bytes for an escape; here most entries are found plain eight bytes at a
//! time and copied whole.

use serde_json::{Map, Value};

use super::{Policy, Statement, is_plain};

/// `policy` as `serde_json::to_string_pretty` writes it.
pub(super) fn policy(policy: &Policy) -> String {
    // Room for every entry on its own line, at a statement's depth.
    let entries: usize = policy
        .statements
        .iter()
        .flat_map(|s| s.entries.iter())
        .map(|entry| entry.len() + 12)
        .sum();
    let mut pretty = Pretty {
        out: String::with_capacity(entries + 256),
        depth: 0,
    };
    pretty.policy(policy);
    pretty.out
}

/// The text so far and the depth of what is open.
struct Pretty {
    out: String,
    depth: usize,
}

/// Enough spaces for the indent of most lines in one copy.
const SPACES: &str = "                                                                ";

impl Pretty {
    fn policy(&mut self, policy: &Policy) {
        self.object(&policy.document, |w, name, value| {
            if name != "Statement" {
                return w.value(value);
            }
            match policy.statements.as_slice() {
                [one] if policy.statement_is_object => w.statement(one),
                all => w.array(all, Pretty::statement),
            }
        });
    }

    fn statement(&mut self, statement: &Statement) {
        self.object(&statement.frame, |w, name, value| {
            if name != statement.key.as_str() {
                return w.value(value);
            }
            match statement.entries.as_slice() {
                [one] if statement.entries_were_string => w.string(one),
                all => w.array(all, |w, entry| w.string(entry)),
            }
        });
    }

    fn value(&mut self, value: &Value) {
        match value {
            Value::Object(map) => self.object(map, |w, _, value| w.value(value)),
            Value::Array(items) => self.array(items, Pretty::value),
            Value::String(text) => self.string(text),
            // A number, `true`, `false` or `null`: serde_json's own text.
            scalar => self.out.push_str(&scalar.to_string()),
        }
    }

    /// An object of `fields`, each value written by `write` (told its name).
    fn object(
        &mut self,
        fields: &Map<String, Value>,
        mut write: impl FnMut(&mut Pretty, &str, &Value),
    ) {
        self.open('{');
        for (i, (name, value)) in fields.iter().enumerate() {
            self.key(i == 0, name);
            write(self, name, value);
        }
        self.close('}', !fields.is_empty());
    }

    /// An array of `items`, each written by `write`.
    fn array<T>(&mut self, items: &[T], mut write: impl FnMut(&mut Pretty, &T)) {
        self.open('[');
        for (i, item) in items.iter().enumerate() {
            self.item(i == 0);
            write(self, item);
        }
        self.close(']', !items.is_empty());
    }

    fn open(&mut self, bracket: char) {
        self.out.push(bracket);
        self.depth += 1;
    }

    /// Closes what `open` opened: on a line of its own when it holds
    /// something (`[]` and `{}` stay whole).
    fn close(&mut self, bracket: char, any: bool) {
        self.depth = self.depth.saturating_sub(1);
        if any {
            self.line();
        }
        self.out.push(bracket);
    }

    /// Before an item of an array: a comma after the one before, a new line.
    fn item(&mut self, first: bool) {
        if !first {
            self.out.push(',');
        }
        self.line();
    }

    fn key(&mut self, first: bool, name: &str) {
        self.item(first);
        self.string(name);
        self.out.push_str(": ");
    }

    fn line(&mut self) {
        self.out.push('\n');
        let mut left = self.depth * 2;
        while left > 0 {
            let spaces = SPACES.get(..left.min(SPACES.len())).unwrap_or(SPACES);
            self.out.push_str(spaces);
            left -= spaces.len();
        }
    }

    fn string(&mut self, text: &str) {
        self.out.push('"');
        if is_plain(text) {
            self.out.push_str(text);
        } else {
            escape_into(&mut self.out, text);
        }
        self.out.push('"');
    }
}

/// `text` with serde_json's escapes: `\"`, `\\`, the five short ones, and
/// `\u00xx` for the other control characters; anything else as itself.
fn escape_into(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let short = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            _ => continue,
        };
        // (An ASCII byte: the text before it ends on a character's edge.)
        out.push_str(text.get(start..i).unwrap_or(""));
        start = i + 1;
        if short.is_empty() {
            out.push_str("\\u00");
            for digit in [byte >> 4, byte & 0xf] {
                out.push(char::from(
                    HEX.get(usize::from(digit)).copied().unwrap_or(b'0'),
                ));
            }
        } else {
            out.push_str(short);
        }
    }
    out.push_str(text.get(start..).unwrap_or(""));
}
