//! A value tree with byte spans, read from YAML or JSON (JSON is read as
//! YAML, whose parser reports where each value is), or built from HCL.

use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle};

/// How a scalar was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quote {
    /// Without quotes (YAML plain, an HCL number or boolean).
    Plain,
    /// `'...'`.
    Single,
    /// `"..."`.
    Double,
}

/// A value and where it is in the source.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Byte range in the source.
    pub span: Range<usize>,
    /// What it is.
    pub kind: Kind,
}

/// The kinds of value.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// A literal: a string, or a number or boolean as JSON has them.
    Scalar {
        /// The value.
        value: serde_json::Value,
        /// How it was quoted.
        quote: Quote,
    },
    /// A list; `flow` when written between brackets.
    Seq {
        /// The items.
        items: Vec<Node>,
        /// Written `[...]`.
        flow: bool,
    },
    /// A map, keys in order.
    Map {
        /// Keys and values; a key that is not a literal is left out.
        entries: Vec<(String, Node)>,
    },
    /// A value pare does not evaluate: a variable, an interpolation, an
    /// intrinsic function, a loop. `what` says which, for the report.
    Opaque {
        /// What it is, in a few words.
        what: String,
    },
}

impl Node {
    /// The value under `key`, when this is a map that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map { entries } => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, when this is a literal string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, .. } => value.as_str(),
            _ => None,
        }
    }

    /// The value as JSON for the engine. A value pare does not evaluate
    /// becomes a string that names it: the engine only carries it along.
    pub fn to_json(&self) -> serde_json::Value {
        if let Some(name) = self.intrinsic() {
            return format!("<intrinsic `{name}`>").into();
        }
        match &self.kind {
            Kind::Scalar { value, .. } => value.clone(),
            Kind::Seq { items, .. } => items.iter().map(Node::to_json).collect(),
            Kind::Map { entries } => entries
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
            Kind::Opaque { what } => format!("<{what}>").into(),
        }
    }

    /// The CloudFormation intrinsic this map stands for (`Ref`, `Fn::Sub`...), if any.
    pub fn intrinsic(&self) -> Option<&str> {
        match &self.kind {
            Kind::Map { entries } => match entries.as_slice() {
                [(key, _)] if key == "Ref" || key == "Condition" || key.starts_with("Fn::") => {
                    Some(key)
                }
                _ => None,
            },
            _ => None,
        }
    }
}

/// A YAML or JSON parse error, at a byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset in the source.
    pub at: usize,
    /// What went wrong.
    pub message: String,
}

/// Byte offsets of char indices (YAML markers count characters).
struct Offsets {
    bytes: Vec<usize>,
    base: usize,
}

impl Offsets {
    fn new(text: &str, base: usize) -> Offsets {
        let mut bytes: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        bytes.push(text.len());
        Offsets { bytes, base }
    }

    fn byte(&self, index: usize) -> usize {
        self.base
            + self
                .bytes
                .get(index)
                .copied()
                .unwrap_or_else(|| self.bytes.last().copied().unwrap_or(0))
    }
}

/// Reads the first document of `text` (YAML or JSON); spans are offset by `base`.
pub fn parse_yaml(text: &str, base: usize) -> Result<Node, ParseError> {
    let offsets = Offsets::new(text, base);
    let mut parser = Parser::new_from_str(text);
    // Open collections: their start, kind and what they hold so far.
    enum Open {
        Seq(usize, bool, Option<String>, Vec<Node>),
        Map(
            usize,
            bool,
            Option<String>,
            Vec<(String, Node)>,
            Option<String>,
        ),
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut done: Option<Node> = None;
    let push = |stack: &mut Vec<Open>, done: &mut Option<Node>, node: Node| match stack.last_mut() {
        Some(Open::Seq(_, _, _, items)) => items.push(node),
        Some(Open::Map(_, _, _, entries, pending)) => match pending.take() {
            Some(key) => entries.push((key, node)),
            None => {
                // A key: a literal string, or something pare cannot name.
                *pending = Some(match node.as_str() {
                    Some(key) => key.to_string(),
                    None => match &node.kind {
                        Kind::Scalar { value, .. } => value.to_string(),
                        _ => "<non-literal key>".to_string(),
                    },
                });
            }
        },
        None => {
            if done.is_none() {
                *done = Some(node);
            }
        }
    };
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| ParseError {
            at: offsets.byte(e.marker().index()),
            message: e.info().to_string(),
        })?;
        let start = offsets.byte(span.start.index());
        let end = offsets.byte(span.end.index());
        match event {
            Event::Scalar(value, style, _, tag) => {
                let (quote, end) = match style {
                    ScalarStyle::SingleQuoted => {
                        (Quote::Single, quoted_end(text, &offsets, start, '\''))
                    }
                    ScalarStyle::DoubleQuoted => {
                        (Quote::Double, quoted_end(text, &offsets, start, '"'))
                    }
                    _ => (Quote::Plain, trimmed_end(text, &offsets, start, end)),
                };
                let kind = match tag {
                    Some(tag) => Kind::Opaque {
                        what: format!("intrinsic `{}{}`", tag.handle, tag.suffix),
                    },
                    None => Kind::Scalar {
                        value: plain_value(&value, style),
                        quote,
                    },
                };
                push(
                    &mut stack,
                    &mut done,
                    Node {
                        span: start..end,
                        kind,
                    },
                );
            }
            Event::Alias(_) => push(
                &mut stack,
                &mut done,
                Node {
                    span: start..end,
                    kind: Kind::Opaque {
                        what: "YAML alias".to_string(),
                    },
                },
            ),
            Event::SequenceStart(_, tag) => {
                let flow = end > start;
                stack.push(Open::Seq(
                    start,
                    flow,
                    tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                    Vec::new(),
                ));
            }
            Event::MappingStart(_, tag) => {
                let flow = end > start;
                stack.push(Open::Map(
                    start,
                    flow,
                    tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                    Vec::new(),
                    None,
                ));
            }
            Event::SequenceEnd => {
                if let Some(Open::Seq(open, flow, tag, items)) = stack.pop() {
                    let span = if flow {
                        open..end
                    } else {
                        block_span(open, items.first(), items.last())
                    };
                    let kind = match tag {
                        Some(tag) => Kind::Opaque {
                            what: format!("intrinsic `{tag}`"),
                        },
                        None => Kind::Seq { items, flow },
                    };
                    push(&mut stack, &mut done, Node { span, kind });
                }
            }
            Event::MappingEnd => {
                if let Some(Open::Map(open, flow, tag, entries, _)) = stack.pop() {
                    let span = if flow {
                        open..end
                    } else {
                        let last = entries.last().map(|(_, v)| v);
                        block_span(open, None, last)
                    };
                    let kind = match tag {
                        Some(tag) => Kind::Opaque {
                            what: format!("intrinsic `{tag}`"),
                        },
                        None => Kind::Map { entries },
                    };
                    push(&mut stack, &mut done, Node { span, kind });
                }
            }
            Event::DocumentEnd => {
                if done.is_some() {
                    break;
                }
            }
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => {}
        }
    }
    done.ok_or_else(|| ParseError {
        at: base,
        message: "the document is empty".to_string(),
    })
}

/// A block collection's span: from its first item (or its start) to the end of its last.
fn block_span(open: usize, first: Option<&Node>, last: Option<&Node>) -> Range<usize> {
    let start = first.map_or(open, |n| n.span.start.min(open));
    let end = last.map_or(open, |n| n.span.end);
    start..end.max(start)
}

/// A quoted scalar's end: after its closing quote (the parser's own end may
/// run on over spaces and a comment).
fn quoted_end(text: &str, offsets: &Offsets, start: usize, quote: char) -> usize {
    let local = start - offsets.base;
    let Some(rest) = text.get(local..) else {
        return start;
    };
    let mut chars = rest.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if quote == '"' && c == '\\' {
            chars.next();
        } else if c == quote {
            if quote == '\'' && chars.peek().map(|(_, c)| *c) == Some('\'') {
                chars.next();
                continue;
            }
            return start + i + 1;
        }
    }
    start + rest.len()
}

/// A plain scalar's end without trailing white space.
fn trimmed_end(text: &str, offsets: &Offsets, start: usize, end: usize) -> usize {
    let slice = text
        .get(start - offsets.base..end.saturating_sub(offsets.base))
        .unwrap_or("");
    start + slice.trim_end().len()
}

/// A scalar as JSON: quoted ones are strings; plain ones are strings too,
/// except the JSON literals `true`, `false`, `null` and numbers, which a JSON
/// file writes without quotes.
fn plain_value(value: &str, style: ScalarStyle) -> serde_json::Value {
    if style != ScalarStyle::Plain {
        return value.into();
    }
    match value {
        "true" => true.into(),
        "false" => false.into(),
        "null" | "~" => serde_json::Value::Null,
        _ => match serde_json::from_str::<serde_json::Number>(value) {
            Ok(number) if value.starts_with(|c: char| c.is_ascii_digit() || c == '-') => {
                number.into()
            }
            _ => value.into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_bytes_and_quotes_end_at_the_quote() {
        let text = "a: 'é'  # x\nb: [\"c\", d]\n";
        let node = parse_yaml(text, 0).unwrap();
        let a = node.get("a").unwrap();
        assert_eq!(&text[a.span.clone()], "'é'");
        let b = node.get("b").unwrap();
        assert_eq!(&text[b.span.clone()], "[\"c\", d]");
        let Kind::Seq { items, flow } = &b.kind else {
            panic!()
        };
        assert!(flow);
        assert_eq!(&text[items[1].span.clone()], "d");
    }

    #[test]
    fn tags_are_opaque() {
        let node = parse_yaml("a: !Sub '${X}'\n", 0).unwrap();
        assert!(matches!(node.get("a").unwrap().kind, Kind::Opaque { .. }));
    }
}
