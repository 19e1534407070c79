//! A refined policy over its size quota, split by statements into several
//! managed policies that each fit: the alternative `account` and `refine`
//! report (issue #18). Splitting changes nothing a principal is granted
//! (the union of the parts' statements is the policy's, and an explicit
//! `Deny` in any attached policy applies to all of them), but each part
//! takes one of the principal's attached-policy slots: the trade-off the
//! reports name.

use std::ops::Range;

use pare_engine::{ActionKey, Policy, Statement};
use serde_json::{Map, Value};

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
    let parts = plan(policy, &Sizes::of(policy), limit)?;
    let Ok(Value::Object(mut document)) = serde_json::to_value(policy.with_statements(Vec::new()))
    else {
        return None;
    };
    // Taken out, so that each part's frame copies only the other fields.
    document.remove("Statement");
    let frame = |part: Vec<Value>| -> Value {
        let mut map = document.clone();
        map.insert("Statement".to_string(), Value::Array(part));
        Value::Object(map)
    };
    // Each cut statement's frame: its fields with the list emptied in its
    // place (so that the fields keep their order), made once.
    let mut cut_frames: Vec<Option<Map<String, Value>>> = vec![None; policy.statements().len()];
    let statements = policy.statements();
    let mut out = Vec::with_capacity(parts.len());
    for part in parts {
        let mut values = Vec::with_capacity(part.len());
        for piece in part {
            let Some(statement) = statements.get(piece.statement) else {
                continue;
            };
            let Some((number, actions)) = piece.cut else {
                values.push(Value::Object(statement.to_object()));
                continue;
            };
            let slot = cut_frames.get_mut(piece.statement)?;
            let fields = slot.get_or_insert_with(|| statement.with_entries(Vec::new()).to_object());
            let mut map = fields.clone();
            let list = statement.entries().get(actions).unwrap_or(&[]);
            map.insert(
                "Action".to_string(),
                Value::Array(list.iter().cloned().map(Value::String).collect()),
            );
            if let Some(sid) = statement.sid() {
                map.insert("Sid".to_string(), Value::String(format!("{sid}{number}")));
            }
            values.push(Value::Object(map));
        }
        out.push(frame(values));
    }
    Some(out)
}

/// How many parts [`by_statements`] makes, without making them.
pub fn count(policy: &Policy, limit: usize) -> Option<usize> {
    count_sized(policy, &Sizes::of(policy), limit)
}

/// [`count`], with the policy's sizes counted already.
pub fn count_sized(policy: &Policy, sizes: &Sizes, limit: usize) -> Option<usize> {
    plan(policy, sizes, limit).map(|parts| parts.len())
}

/// A policy's size as IAM counts it, with each statement's and each of its
/// entries': every entry sized once (a refined policy can hold tens of
/// thousands), for the size report and the split both.
#[derive(Debug)]
pub struct Sizes {
    /// The policy's size ([`Policy::size`]).
    pub total: usize,
    statements: Vec<usize>,
    entries: Vec<Vec<usize>>,
}

impl Sizes {
    pub fn of(policy: &Policy) -> Sizes {
        let entries: Vec<Vec<usize>> = policy
            .statements()
            .iter()
            .map(|s| s.entries().iter().map(|e| Policy::size_of_str(e)).collect())
            .collect();
        let statements: Vec<usize> = policy
            .statements()
            .iter()
            .zip(&entries)
            .map(|(statement, sizes)| statement.size_with(sizes))
            .collect();
        Sizes {
            total: policy.size_with(&statements),
            statements,
            entries,
        }
    }
}

/// One statement of a part: a statement whole, or a piece of its `Action`
/// list (the piece's number, from 1, and the range of the list).
struct Piece {
    statement: usize,
    cut: Option<(usize, Range<usize>)>,
    /// Its size as written.
    size: usize,
}

/// The parts of [`by_statements`], each a list of pieces: sized from the
/// policy's [`Sizes`], nothing copied.
fn plan(policy: &Policy, sizes: &Sizes, limit: usize) -> Option<Vec<Vec<Piece>>> {
    // A part's size is its frame's (with an empty array) plus each
    // statement's, plus a comma between two.
    let empty = policy.with_statements(Vec::new()).size();
    // A statement too large alone is first cut by its `Action` list.
    let mut pieces: Vec<Piece> = Vec::with_capacity(policy.statements().len());
    for (s, statement) in policy.statements().iter().enumerate() {
        let own = sizes.statements.get(s).copied().unwrap_or(0);
        if empty + own > limit {
            let entries = sizes.entries.get(s).map_or(&[][..], Vec::as_slice);
            pieces.extend(by_actions(
                (s, statement),
                entries,
                own,
                limit.saturating_sub(empty),
            )?);
        } else {
            pieces.push(Piece {
                statement: s,
                cut: None,
                size: own,
            });
        }
    }
    let sizes: Vec<usize> = pieces.iter().map(|piece| piece.size).collect();
    let ranges = pack(empty, &sizes, limit)?;
    let mut pieces = pieces.into_iter();
    Some(
        ranges
            .into_iter()
            .map(|range| pieces.by_ref().take(range.len()).collect())
            .collect(),
    )
}

/// Items of the given sizes, in order, packed greedily into runs that each
/// fit `limit` with a frame of size `empty` and a comma between two items.
/// `None` when one item does not fit alone.
fn pack(empty: usize, sizes: &[usize], limit: usize) -> Option<Vec<Range<usize>>> {
    let mut runs: Vec<Range<usize>> = Vec::new();
    let mut start = 0;
    let mut used = empty;
    for (i, &own) in sizes.iter().enumerate() {
        if empty + own > limit {
            return None;
        }
        let comma = usize::from(i > start);
        if used + comma + own > limit {
            runs.push(start..i);
            start = i;
            used = empty;
        }
        used += usize::from(i > start) + own;
    }
    if start < sizes.len() {
        runs.push(start..sizes.len());
    }
    Some(runs)
}

/// A statement (number `s`, of size `own`) cut into several with the same
/// `Effect`, `Resource` and `Condition`, each with part of its `Action` list
/// and each within `limit`: together they allow (or deny) exactly what it
/// does. A `Sid` gets the piece's number (`Sid` is alphanumeric). `None` for
/// a statement with no `Action` list (`NotAction` cannot be cut: each piece
/// would grant more), or one whose frame or single action is already over.
fn by_actions(
    (s, statement): (usize, &Statement),
    sizes: &[usize],
    own: usize,
    limit: usize,
) -> Option<Vec<Piece>> {
    if statement.key() != ActionKey::Action || !statement.entries_are_a_list() {
        return None;
    }
    let actions = statement.entries();
    // The statement's size with its list emptied, and the first piece's
    // `Sid` (one digit longer).
    let list = 2 + sizes.len().saturating_sub(1) + sizes.iter().sum::<usize>();
    let suffix = |n: usize| {
        if statement.sid().is_some() {
            n.to_string().len()
        } else {
            0
        }
    };
    // Room for the longest `Sid` suffix the pieces can get.
    let room = limit.checked_sub(actions.len().to_string().len())?;
    let frame = own.checked_sub(list)? + 2;
    let runs = pack(frame + suffix(1), sizes, room)?;
    Some(
        runs.into_iter()
            .enumerate()
            .map(|(i, range)| {
                let size = frame
                    + suffix(i + 1)
                    + range.len().saturating_sub(1)
                    + sizes
                        .get(range.clone())
                        .unwrap_or(&[])
                        .iter()
                        .sum::<usize>();
                Piece {
                    statement: s,
                    cut: Some((i + 1, range)),
                    size,
                }
            })
            .collect(),
    )
}

/// IAM's size of a JSON value: its compact text without white space
/// ([`Policy::size_of`]), counted from the value without writing it.
pub fn size(value: &Value) -> usize {
    Policy::size_of_value(value)
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

    /// The split as it was written before it was planned from sizes: every
    /// statement and piece built as a `Value` and measured.
    fn by_values(policy: &Policy, limit: usize) -> Option<Vec<Value>> {
        let Ok(Value::Object(mut document)) = serde_json::to_value(policy) else {
            return None;
        };
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
        let empty = size(&frame(Vec::new()));
        let mut pieces = Vec::new();
        for statement in statements {
            if empty + size(&statement) > limit {
                pieces.extend(by_actions_values(&statement, limit.saturating_sub(empty))?);
            } else {
                pieces.push(statement);
            }
        }
        let sizes: Vec<usize> = pieces.iter().map(size).collect();
        let runs = pack(empty, &sizes, limit)?;
        let mut pieces = pieces.into_iter();
        Some(
            runs.into_iter()
                .map(|run| frame(pieces.by_ref().take(run.len()).collect()))
                .collect(),
        )
    }

    fn by_actions_values(statement: &Value, limit: usize) -> Option<Vec<Value>> {
        let Value::Object(fields) = statement else {
            return None;
        };
        let Some(Value::Array(actions)) = fields.get("Action") else {
            return None;
        };
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
        let room = limit.checked_sub(actions.len().to_string().len())?;
        let empty = size(&piece(1, Vec::new()));
        let sizes: Vec<usize> = actions.iter().map(size).collect();
        let runs = pack(empty, &sizes, room)?;
        Some(
            runs.into_iter()
                .enumerate()
                .map(|(i, run)| piece(i + 1, actions[run].to_vec()))
                .collect(),
        )
    }

    #[test]
    fn the_planned_split_is_the_split_of_the_values() {
        // Random policies: statements whole and over the limit alone, with
        // and without a `Sid` (an empty one too), pieces past the ninth (a longer suffix), `NotAction`, a
        // one-string `Action`, escapes and wide characters, `Statement` as
        // an object or a list, before or after the other fields.
        let mut seed = 0x5b11_u64;
        let mut below = |n: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((seed >> 33) as usize) % n
        };
        let words = [
            "s3:Get", "Object", "\"", "é", "\n", " ", "ec2:*", "\u{3000}", "Acl",
        ];
        let mut compared = 0;
        for round in 0..400 {
            let mut statements = Vec::new();
            for _ in 0..below(5) {
                let actions: Vec<String> = (0..[0, 1, 3, 40, 400][below(5)])
                    .map(|a| {
                        let word: String = (0..below(3) + 1)
                            .map(|_| words[below(words.len())])
                            .collect();
                        format!("{word}{a}")
                    })
                    .collect();
                let mut statement = serde_json::Map::new();
                match below(3) {
                    0 => {}
                    1 => {
                        statement.insert("Sid".into(), Value::String(format!("S{}", below(20))));
                    }
                    _ => {
                        statement.insert("Sid".into(), Value::String(String::new()));
                    }
                }
                statement.insert("Effect".into(), Value::String("Allow".into()));
                let key = if below(6) == 0 { "NotAction" } else { "Action" };
                let list = match actions.as_slice() {
                    [one] if below(2) == 0 => Value::String(one.clone()),
                    _ => serde_json::json!(actions),
                };
                statement.insert(key.into(), list);
                statement.insert("Resource".into(), Value::String("*".into()));
                if below(2) == 0 {
                    statement.insert(
                        "Condition".into(),
                        serde_json::json!({"StringLike": {"a\u{1}": ["\"x\"", 1.5]}}),
                    );
                }
                statements.push(Value::Object(statement));
            }
            let statement = match statements.as_slice() {
                [one] if below(2) == 0 => one.clone(),
                _ => Value::Array(statements),
            };
            let document = if below(2) == 0 {
                serde_json::json!({"Version": "2012-10-17", "Statement": statement, "Id": "x"})
            } else {
                serde_json::json!({"Statement": statement, "Version": "2012-10-17"})
            };
            let p = Policy::from_value(document, "").unwrap();
            // Each entry sized once, the same sizes as sized one by one.
            let sizes = Sizes::of(&p);
            assert_eq!(sizes.total, p.size(), "round {round}");
            let each: Vec<usize> = p.statements().iter().map(Statement::size).collect();
            assert_eq!(sizes.statements, each, "round {round}");
            for limit in [40, 300, 2_000, 6_144] {
                let want = by_values(&p, limit);
                compared += usize::from(want.as_ref().is_some_and(|parts| parts.len() > 1));
                assert_eq!(
                    by_statements(&p, limit),
                    want,
                    "round {round}, limit {limit}"
                );
                assert_eq!(count(&p, limit), want.as_ref().map(Vec::len));
                // Each piece sized as it is written.
                let planned = plan(&p, &sizes, limit).map(|parts| {
                    parts
                        .iter()
                        .flatten()
                        .map(|piece| piece.size)
                        .collect::<Vec<_>>()
                });
                let written = want.map(|parts| {
                    parts
                        .iter()
                        .flat_map(|part| part["Statement"].as_array().unwrap().iter().map(size))
                        .collect::<Vec<_>>()
                });
                assert_eq!(planned, written, "round {round}, limit {limit}");
            }
        }
        assert!(compared > 200, "{compared}");
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
