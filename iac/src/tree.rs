//! A value tree with byte spans, read from YAML or JSON (JSON is read as
//! YAML, whose parser reports where each value is), or built from HCL.

use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

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
    let mut tree = YamlTree::default();
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| ParseError {
            at: offsets.byte(e.marker().index()),
            message: e.info().to_string(),
        })?;
        let start = offsets.byte(span.start.index());
        let end = offsets.byte(span.end.index());
        // A collection's start event has an empty span in block style.
        let flow = end > start;
        match event {
            Event::Scalar(value, style, _, tag) => {
                let node = scalar_node(text, &offsets, start..end, &value, style, tag.as_deref());
                tree.push(node);
            }
            Event::Alias(_) => tree.push(Node {
                span: start..end,
                kind: Kind::Opaque {
                    what: "YAML alias".to_string(),
                },
            }),
            Event::SequenceStart(_, tag) => tree.stack.push(Open::Seq {
                start,
                flow,
                tag: tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                items: Vec::new(),
            }),
            Event::MappingStart(_, tag) => tree.stack.push(Open::Map {
                start,
                flow,
                tag: tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                entries: Vec::new(),
                key: None,
            }),
            Event::SequenceEnd | Event::MappingEnd => tree.close(end),
            Event::DocumentEnd => {
                if tree.done.is_some() {
                    break;
                }
            }
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => {}
        }
    }
    tree.done.ok_or_else(|| ParseError {
        at: base,
        message: "the document is empty".to_string(),
    })
}

/// A YAML collection whose end has not come yet.
enum Open {
    Seq {
        start: usize,
        flow: bool,
        tag: Option<String>,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        flow: bool,
        tag: Option<String>,
        entries: Vec<(String, Node)>,
        /// The key read, waiting for its value.
        key: Option<String>,
    },
}

/// The tree as the parser's events build it: the open collections, and the
/// document's root once it is complete.
#[derive(Default)]
struct YamlTree {
    stack: Vec<Open>,
    done: Option<Node>,
}

impl YamlTree {
    /// A complete node goes into the innermost open collection, or is the root.
    fn push(&mut self, node: Node) {
        match self.stack.last_mut() {
            Some(Open::Seq { items, .. }) => items.push(node),
            Some(Open::Map { entries, key, .. }) => match key.take() {
                Some(key) => entries.push((key, node)),
                // A key: a literal string, or something pare cannot name.
                None => {
                    *key = Some(match node.as_str() {
                        Some(key) => key.to_string(),
                        None => match &node.kind {
                            Kind::Scalar { value, .. } => value.to_string(),
                            _ => "<non-literal key>".to_string(),
                        },
                    });
                }
            },
            None => {
                if self.done.is_none() {
                    self.done = Some(node);
                }
            }
        }
    }

    /// The innermost open collection ends at `end`; a tagged one (`!Sub`,
    /// `!If`, ...) is opaque.
    fn close(&mut self, end: usize) {
        let (span, tag, kind) = match self.stack.pop() {
            Some(Open::Seq {
                start,
                flow,
                tag,
                items,
            }) => {
                let span = if flow {
                    start..end
                } else {
                    block_span(start, items.first(), items.last())
                };
                (span, tag, Kind::Seq { items, flow })
            }
            Some(Open::Map {
                start,
                flow,
                tag,
                entries,
                ..
            }) => {
                let span = if flow {
                    start..end
                } else {
                    block_span(start, None, entries.last().map(|(_, v)| v))
                };
                (span, tag, Kind::Map { entries })
            }
            None => return,
        };
        let kind = match tag {
            Some(tag) => Kind::Opaque {
                what: format!("intrinsic `{tag}`"),
            },
            None => kind,
        };
        self.push(Node { span, kind });
    }
}

/// A scalar's node: its span ends after a closing quote (or at the last
/// character of a plain scalar), and a tagged scalar is opaque.
fn scalar_node(
    text: &str,
    offsets: &Offsets,
    span: Range<usize>,
    value: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> Node {
    let start = span.start;
    let (quote, end) = match style {
        ScalarStyle::SingleQuoted => (Quote::Single, quoted_end(text, offsets, start, '\'')),
        ScalarStyle::DoubleQuoted => (Quote::Double, quoted_end(text, offsets, start, '"')),
        _ => (Quote::Plain, trimmed_end(text, offsets, start, span.end)),
    };
    let kind = match tag {
        Some(tag) => Kind::Opaque {
            what: format!("intrinsic `{}{}`", tag.handle, tag.suffix),
        },
        None => Kind::Scalar {
            value: plain_value(value, style),
            quote,
        },
    };
    Node {
        span: start..end,
        kind,
    }
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
