//! A refined policy over its size quota, split by statements into several
//! managed policies that each fit: the alternative `account` and `refine`
//! report (issue #18). Splitting changes nothing a principal is granted
//! (the union of the parts' statements is the policy's, and an explicit
//! `Deny` in any attached policy applies to all of them), but each part
//! takes one of the principal's attached-policy slots: the trade-off the
//! reports name.

use pare_engine::Policy;
use serde_json::Value;

/// IAM's default quota of managed policies attached to one role, user or
/// group; an account can raise it to [`MAX_ATTACHED`].
pub const DEFAULT_ATTACHED: usize = 10;
/// The most managed policies IAM lets an account attach to one principal.
pub const MAX_ATTACHED: usize = 20;

/// `policy`'s statements, in order, packed into as few documents as will
/// each fit `limit` (IAM's size: characters, white space not counted), every
/// part with the policy's other fields (`Version`, `Id`); a statement over
/// the limit alone is first cut by its actions ([`by_actions`]). `None`
/// when that cannot be done, or the document has no statement to split.
pub fn by_statements(policy: &Policy, limit: usize) -> Option<Vec<Value>> {
    let Ok(Value::Object(mut document)) = serde_json::to_value(policy) else {
        return None;
    };
    // Taken out, so that each part's frame copies only the other fields.
    let statements = match document.remove("Statement") {
        Some(Value::Array(all)) => all,
        Some(one @ Value::Object(_)) => vec![one],
        _ => return None,
    };
    let frame = |part: Vec<Value>| -> Value {
        let mut map = document.clone();
        map.insert("Statement".to_string(), Value::Array(part));
        Value::Object(map)
    };
    // A part's size is its frame's (with an empty array) plus each
    // statement's, plus a comma between two.
    let empty = size(&frame(Vec::new()));
    // A statement too large alone is first cut by its `Action` list.
    let mut pieces = Vec::with_capacity(statements.len());
    for statement in statements {
        if empty + size(&statement) > limit {
            pieces.extend(by_actions(&statement, limit.saturating_sub(empty))?);
        } else {
            pieces.push(statement);
        }
    }
    let statements = pieces;
    let mut parts: Vec<Vec<Value>> = Vec::new();
    let mut current: Vec<Value> = Vec::new();
    let mut used = empty;
    for statement in statements {
        let own = size(&statement);
        if empty + own > limit {
            return None;
        }
        let comma = usize::from(!current.is_empty());
        if used + comma + own > limit {
            parts.push(std::mem::take(&mut current));
            used = empty;
        }
        used += usize::from(!current.is_empty()) + own;
        current.push(statement);
    }
    if !current.is_empty() {
        parts.push(current);
    }
    Some(parts.into_iter().map(frame).collect())
}

/// A statement cut into several with the same `Effect`, `Resource` and
/// `Condition`, each with part of its `Action` list and each within `limit`:
/// together they allow (or deny) exactly what it does. A `Sid` gets the
/// piece's number (`Sid` is alphanumeric). `None` for a statement with no
/// `Action` list (`NotAction` cannot be cut: each piece would grant more),
/// or one whose frame or single action is already over.
fn by_actions(statement: &Value, limit: usize) -> Option<Vec<Value>> {
    let Value::Object(fields) = statement else {
        return None;
    };
    let Some(Value::Array(actions)) = fields.get("Action") else {
        return None;
    };
    // The statement's other fields, with the list emptied in its place (so
    // that the fields keep their order): each piece copies only those, not
    // the whole list again (a list of thousands of entries is cut into
    // hundreds of pieces).
    let mut frame = fields.clone();
    frame.insert("Action".to_string(), Value::Array(Vec::new()));
    let piece = |n: usize, part: Vec<Value>| -> Value {
        let mut map = frame.clone();
        map.insert("Action".to_string(), Value::Array(part));
        if let Some(Value::String(sid)) = fields.get("Sid") {
            map.insert("Sid".to_string(), Value::String(format!("{sid}{n}")));
        }
        Value::Object(map)
    };
    // Room for the longest `Sid` suffix the pieces can get.
    let room = limit.checked_sub(actions.len().to_string().len())?;
    let empty = size(&piece(1, Vec::new()));
    let mut out: Vec<Vec<Value>> = Vec::new();
    let mut current: Vec<Value> = Vec::new();
    let mut used = empty;
    for action in actions {
        let own = size(action);
        if empty + own > room {
            return None;
        }
        let comma = usize::from(!current.is_empty());
        if used + comma + own > room {
            out.push(std::mem::take(&mut current));
            used = empty;
        }
        used += usize::from(!current.is_empty()) + own;
        current.push(action.clone());
    }
    if !current.is_empty() {
        out.push(current);
    }
    Some(
        out.into_iter()
            .enumerate()
            .map(|(i, part)| piece(i + 1, part))
            .collect(),
    )
}

/// IAM's size of a JSON value: its compact text without white space
/// ([`Policy::size_of`]), counted from the value without writing it: the
/// split asks it of every action of a statement of thousands.
pub fn size(value: &Value) -> usize {
    match value {
        Value::String(text) => string_size(text),
        Value::Array(items) => {
            2 + items.len().saturating_sub(1) + items.iter().map(size).sum::<usize>()
        }
        Value::Object(fields) => {
            // Braces, a colon per field and a comma between two.
            2 + fields.len()
                + fields.len().saturating_sub(1)
                + fields
                    .iter()
                    .map(|(key, value)| string_size(key) + size(value))
                    .sum::<usize>()
        }
        // Numbers, booleans and null: as written (no white space in them).
        other => Policy::size_of(other),
    }
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
    let body: usize = if text.is_ascii() {
        text.bytes().map(ascii_size).sum()
    } else {
        text.chars().map(one).sum()
    };
    2 + body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(statements: usize, actions: usize) -> Policy {
        let statements: Vec<Value> = (0..statements)
            .map(|s| {
                let actions: Vec<String> =
                    (0..actions).map(|a| format!("s3:Action{s}x{a}")).collect();
                serde_json::json!({"Sid": format!("S{s}"), "Effect": "Allow",
                    "Action": actions, "Resource": "*"})
            })
            .collect();
        Policy::from_value(
            serde_json::json!({"Version": "2012-10-17", "Statement": statements}),
            "",
        )
        .unwrap()
    }

    #[test]
    fn parts_fit_and_keep_every_statement_in_order() {
        let p = policy(12, 40);
        let whole = serde_json::to_value(&p).unwrap();
        assert!(size(&whole) > 6_144);
        let parts = by_statements(&p, 6_144).unwrap();
        assert!(parts.len() >= 2, "{}", parts.len());
        let mut joined = Vec::new();
        for part in &parts {
            assert!(size(part) <= 6_144, "{}", size(part));
            assert_eq!(part["Version"], "2012-10-17");
            joined.extend(part["Statement"].as_array().unwrap().iter().cloned());
        }
        assert_eq!(Value::Array(joined), whole["Statement"]);
        // As few as will fit: no two neighbours would fit together.
        for pair in parts.windows(2) {
            let mut both = pair[0].clone();
            let mut statements = both["Statement"].as_array().unwrap().clone();
            statements.push(pair[1]["Statement"][0].clone());
            both["Statement"] = Value::Array(statements);
            assert!(size(&both) > 6_144);
        }
    }

    #[test]
    fn a_statement_over_the_limit_alone_is_cut_by_its_actions() {
        let p = policy(2, 400);
        let parts = by_statements(&p, 6_144).unwrap();
        let whole = serde_json::to_value(&p).unwrap();
        let fields: Vec<&String> = whole["Statement"][0].as_object().unwrap().keys().collect();
        let mut actions = Vec::new();
        for part in &parts {
            assert!(size(part) <= 6_144, "{}", size(part));
            for statement in part["Statement"].as_array().unwrap() {
                // Each piece keeps the statement's fields in their order.
                let keys: Vec<&String> = statement.as_object().unwrap().keys().collect();
                assert_eq!(keys, fields);
                assert_eq!(statement["Effect"], "Allow");
                assert_eq!(statement["Resource"], "*");
                actions.extend(statement["Action"].as_array().unwrap().iter().cloned());
            }
        }
        let all: Vec<Value> = whole["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["Action"].as_array().unwrap().iter().cloned())
            .collect();
        assert_eq!(actions, all);
        assert_eq!(by_statements(&policy(1, 10), 6_144).unwrap().len(), 1);
    }

    #[test]
    fn size_is_the_size_of_the_compact_text() {
        // Random values of strings mixing ASCII, every escape, control
        // characters, white space of every width and characters of two to
        // four bytes, in arrays and objects, numbers and literals among
        // them: each counted from the value and from its text.
        let pieces = [
            "s3:GetObject",
            " ",
            "\t",
            "\n",
            "\u{b}",
            "\u{c}",
            "\u{8}",
            "\r",
            "\"",
            "\\",
            "\u{1}",
            "\u{1f}",
            "\u{7f}",
            "/",
            "\u{85}",
            "\u{a0}",
            "\u{1680}",
            "\u{2003}",
            "\u{2028}",
            "\u{3000}",
            "é",
            "€",
            "\u{1f600}",
            "x",
        ];
        let mut seed = 0x51ce_u64;
        let mut below = |n: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((seed >> 33) as usize) % n
        };
        fn value(depth: usize, below: &mut dyn FnMut(usize) -> usize, pieces: &[&str]) -> Value {
            let text = |below: &mut dyn FnMut(usize) -> usize| -> String {
                (0..below(5)).map(|_| pieces[below(pieces.len())]).collect()
            };
            match if depth == 0 { below(4) } else { below(6) } {
                0 => Value::String(text(below)),
                1 => serde_json::json!(below(100_000)),
                2 => serde_json::json!([true, false, null, -1.5e-7, 12.25])[below(5)].clone(),
                3 => Value::String(text(below)),
                4 => Value::Array(
                    (0..below(4))
                        .map(|_| value(depth - 1, below, pieces))
                        .collect(),
                ),
                _ => Value::Object(
                    (0..below(4))
                        .map(|_| (text(below), value(depth - 1, below, pieces)))
                        .collect(),
                ),
            }
        }
        for round in 0..3_000 {
            let v = value(3, &mut below, &pieces);
            let text = serde_json::to_string(&v).unwrap();
            let plain = text.chars().filter(|c| !c.is_whitespace()).count();
            assert_eq!(size(&v), plain, "round {round}: {text}");
        }
    }

    #[test]
    fn not_action_cannot_be_cut() {
        let actions: Vec<String> = (0..600).map(|a| format!("s3:Action{a}")).collect();
        let p = Policy::from_value(
            serde_json::json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "NotAction": actions, "Resource": "*"}]}),
            "",
        )
        .unwrap();
        assert!(by_statements(&p, 6_144).is_none());
    }
}
