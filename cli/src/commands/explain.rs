//! `pare explain`: the founding article's picture for one entry, the trie
//! below the pattern with every node safe or unsafe and why, and the nodes the
//! refinement chose, as an indented tree or as Graphviz.

use std::fmt::Write as _;
use std::io::Write as _;

use pare_engine::Known;
use pare_engine::Unsafe;
use pare_engine::{ExplainNode, Explanation, NodeKind, Verdict, explain};

use crate::args::{Explain, ExplainFormat};
use crate::error::Error;
use crate::input::Catalog;
use crate::io::Io;

/// How many unused actions a node lists before it summarizes the rest.
const UNUSED_LEAVES_SHOWN: usize = 24;

/// Runs `pare explain`.
pub fn run(config: &Explain, io: &mut Io<'_>) -> Result<i32, Error> {
    let catalog = Catalog::load(config.catalog.as_deref(), io.limits)?;
    // The pattern as the one entry of an Allow statement: what last-accessed
    // data and a used-list are read against, as `refine` reads them against
    // the policy.
    let document = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": [config.pattern], "Resource": "*"}],
    });
    let policy = pare_engine::parse_policy_input(&document.to_string())
        .map_err(|e| Error::input(format!("the pattern: {e}")))?
        .policy;
    let resolved = config.sources.resolve(&[&policy], &catalog, io)?;
    let unused = resolved.unused.clone();
    let known = Known::new(catalog.table(), [], &unused);
    let explanation = explain(&config.pattern, &unused, &known);
    let out = match config.format {
        ExplainFormat::Text => render_text(&explanation, io.color_stdout()),
        ExplainFormat::Dot => render_dot(&explanation),
    };
    io.stdout.write_all(out.as_bytes())?;
    resolved.write_notes(&mut io.stderr)?;
    Ok(crate::exit::SUCCESS)
}

/// ANSI styles, or none when the output is not a terminal.
#[derive(Clone, Copy, Debug)]
struct Style {
    color: bool,
}

impl Style {
    fn paint(self, out: &mut String, code: &str, text: &str) {
        if self.color {
            let _ = write!(out, "\x1b[{code}m{text}\x1b[0m");
        } else {
            out.push_str(text);
        }
    }

    fn safe(self, out: &mut String, text: &str) {
        self.paint(out, "32", text);
    }

    fn unsafe_(self, out: &mut String, text: &str) {
        // The article's orange, where the terminal has 256 colours.
        self.paint(out, "38;5;208", text);
    }

    fn chosen(self, out: &mut String, entry: &str) {
        if self.color {
            let _ = write!(out, "\x1b[1m→ {entry}\x1b[0m");
        } else {
            let _ = write!(out, "→ {entry}");
        }
    }
}

/// The one-sentence verdict that opens both renderings.
fn headline(e: &Explanation) -> String {
    let p = &e.pattern;
    let actions = |n: usize| {
        if n == 1 {
            "1 known action".to_string()
        } else {
            format!("{n} known actions")
        }
    };
    match &e.verdict {
        Verdict::KeptLiteral if e.matched == 0 => {
            format!("{p} is not in the catalog and is not reported unused: it is kept as written.")
        }
        Verdict::KeptLiteral => format!("{p} is not reported unused: it is kept as written."),
        Verdict::RemovedLiteral => format!("{p} is reported unused: it is removed."),
        Verdict::RemovedServiceUnused => {
            format!("{p} lies in a service reported wholly unused: it is removed.")
        }
        Verdict::KeptNothingUnused if e.matched == 0 => {
            format!("{p} matches no known action: it is kept as written.")
        }
        Verdict::KeptNothingUnused => format!(
            "{p} matches {}, none of them unused: it is kept as written.",
            actions(e.matched)
        ),
        Verdict::RemovedOnlyUnused => format!(
            "{p} matches {}, all of them unused: it is removed.",
            actions(e.matched)
        ),
        Verdict::Replaced(with) => format!(
            "{p} matches {}, {} of them unused: it is replaced by {} {}.",
            actions(e.matched),
            e.matched_unused,
            with.len(),
            if with.len() == 1 { "entry" } else { "entries" }
        ),
    }
}

/// A node's name in the tree: its prefix relative to its parent's.
fn label<'e>(e: &'e Explanation, node: &'e ExplainNode) -> &'e str {
    let parent = node
        .parent
        .and_then(|p| e.nodes.get(p))
        .map_or("", |p| p.prefix.as_str());
    match node.prefix.get(parent.len()..) {
        _ if node.parent.is_none() && node.prefix.is_empty() => "(all actions)",
        Some(rest) if node.parent.is_some() && !rest.is_empty() => rest,
        _ => &node.prefix,
    }
}

/// Why a node is unsafe, in a few words, written to `out`; false when it
/// is safe.
fn reason(out: &mut String, e: &Explanation, node: &ExplainNode) -> bool {
    let Some(why) = node.unsafe_because.as_ref() else {
        return false;
    };
    let p = &e.pattern;
    let _ = match why {
        Unsafe::Unused { .. } if node.kind == NodeKind::UnusedAction => write!(out, "unused"),
        Unsafe::Unused { count: 1, example } => write!(out, "{example} is unused"),
        Unsafe::Unused { count, example } => {
            write!(out, "{count} unused actions start with it, e.g. {example}")
        }
        Unsafe::NotGranted { count: 1, example } => {
            write!(out, "{example} starts with it and {p} does not grant it")
        }
        Unsafe::NotGranted { count, example } => write!(
            out,
            "{example} and {} more start with it and {p} does not grant them",
            count - 1
        ),
        Unsafe::Used { count, example } if *count > 1 => {
            write!(out, "{example} and {} more must stay granted", count - 1)
        }
        Unsafe::Used { example, .. } => write!(out, "{example} must stay granted"),
        Unsafe::Broader => write!(out, "{}* would grant names that {p} does not", node.prefix),
    };
    true
}

/// The indented tree for a terminal. Drawn in two walks of the tree, the
/// first for the columns' widths, the second writing each line straight to
/// the output: a whole-catalog wildcard draws tens of thousands of lines.
pub fn render_text(e: &Explanation, color: bool) -> String {
    let style = Style { color };
    // The widest tree column (in characters) and status.
    let (mut width, mut status_width) = (0usize, 0usize);
    draw(e, &mut |indent, branch, line| {
        let (label, status) = match line {
            Line::Node(node) => (label(e, node).chars().count(), status(node).len()),
            Line::Hidden(_) => (1, 0),
        };
        width = width.max(indent.chars().count() + branch.chars().count() + label);
        status_width = status_width.max(status);
    });
    let mut out = String::new();
    let _ = writeln!(out, "{}", headline(e));
    out.push('\n');
    draw(e, &mut |indent, branch, line| {
        let start = out.len();
        let label = match line {
            Line::Node(node) => label(e, node),
            Line::Hidden(_) => "…",
        };
        let tree = indent.chars().count() + branch.chars().count() + label.chars().count();
        out.push_str(indent);
        out.push_str(branch);
        out.push_str(label);
        pad(&mut out, width - tree + 2);
        let plain_status = match line {
            Line::Node(node) => {
                let plain = status(node);
                match plain {
                    "safe" => style.safe(&mut out, plain),
                    _ => style.unsafe_(&mut out, plain),
                }
                plain
            }
            Line::Hidden(_) => "",
        };
        // The rest after the status column; nothing after it is trimmed
        // away below with the padding.
        pad(&mut out, status_width - plain_status.len() + 2);
        match line {
            Line::Node(node) => rest(&mut out, e, node, style),
            Line::Hidden(hidden) => {
                let _ = write!(out, "{hidden} more unused actions");
            }
        }
        let kept = out.get(start..).map_or(0, |line| line.trim_end().len());
        out.truncate(start + kept);
        out.push('\n');
    });
    if let Verdict::Replaced(_) = e.verdict {
        out.push('\n');
        let _ = writeln!(
            out,
            "→ marks the chosen nodes: each safe node nearest the root, and each used action at an unsafe node."
        );
        let _ = writeln!(out, "Result:");
        for entry in e.result() {
            let _ = writeln!(out, "  {entry}");
        }
    }
    out
}

/// `n` spaces.
fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// One line of the text tree: a node's, or the line that counts the unused
/// leaves left out under a node.
#[derive(Clone, Copy)]
enum Line<'e> {
    Node(&'e ExplainNode),
    Hidden(usize),
}

/// Hands each line of the tree, in order, to `visit` with its indentation
/// and branch.
fn draw<'e>(e: &'e Explanation, visit: &mut dyn FnMut(&str, &str, Line<'e>)) {
    let mut indent = String::new();
    for (index, node) in e.nodes.iter().enumerate() {
        if node.parent.is_none() {
            draw_node(e, index, &mut indent, None, visit);
        }
    }
}

/// Draws `index` and, unless it is safe, its subtree, under `indent`.
fn draw_node<'e>(
    e: &'e Explanation,
    index: usize,
    indent: &mut String,
    last: Option<bool>,
    visit: &mut dyn FnMut(&str, &str, Line<'e>),
) {
    let Some(node) = e.nodes.get(index) else {
        return;
    };
    let branch = match last {
        None => "",
        Some(true) => "└── ",
        Some(false) => "├── ",
    };
    visit(indent, branch, Line::Node(node));
    let children: Vec<usize> = e.children(index).collect();
    // Below a safe node every action is one the entry keeps: one line says it.
    if node.unsafe_because.is_none() && !children.is_empty() {
        return;
    }
    let at = indent.len();
    match last {
        None => {}
        Some(true) => indent.push_str("    "),
        Some(false) => indent.push_str("│   "),
    }
    let (visible, hidden_leaves) = visible_children(e, &children);
    for (i, &child) in visible.iter().enumerate() {
        let is_last = i + 1 == visible.len() && hidden_leaves == 0;
        draw_node(e, child, indent, Some(is_last), visit);
    }
    if hidden_leaves > 0 {
        visit(indent, "└── ", Line::Hidden(hidden_leaves));
    }
    indent.truncate(at);
}

/// A node's status: safe, unsafe, or an unused action.
fn status(node: &ExplainNode) -> &'static str {
    match (&node.unsafe_because, node.kind) {
        (_, NodeKind::UnusedAction) => "unused",
        (None, _) => "safe",
        (Some(_), _) => "unsafe",
    }
}

/// What a node's line says after its status: why it is unsafe, the entry
/// chosen there, and how many actions a safe node stands for.
fn rest(out: &mut String, e: &Explanation, node: &ExplainNode, style: Style) {
    let mut any = node.kind != NodeKind::UnusedAction && reason(out, e, node);
    let mut separate = |out: &mut String| {
        if std::mem::replace(&mut any, true) {
            out.push_str("  ");
        }
    };
    if let Some(entry) = &node.chosen {
        separate(out);
        style.chosen(out, entry);
    }
    if node.unsafe_because.is_none() && node.placed > 1 {
        separate(out);
        let _ = write!(out, "({} actions)", node.placed);
    }
}

/// The children to draw: long runs of unused leaves are summarized after
/// the first few; and how many leaves that leaves out.
fn visible_children(e: &Explanation, children: &[usize]) -> (Vec<usize>, usize) {
    let is_leaf = |c: usize| {
        e.nodes
            .get(c)
            .is_some_and(|n| n.kind == NodeKind::UnusedAction)
    };
    let hidden = children
        .iter()
        .filter(|&&c| is_leaf(c))
        .count()
        .saturating_sub(UNUSED_LEAVES_SHOWN);
    let mut shown_leaves = 0usize;
    let visible = children
        .iter()
        .copied()
        .filter(|&c| {
            if is_leaf(c) {
                shown_leaves += 1;
                shown_leaves <= UNUSED_LEAVES_SHOWN
            } else {
                true
            }
        })
        .collect();
    (visible, hidden)
}

/// Graphviz: green safe nodes, orange unsafe ones, the chosen ones emphasized.
pub fn render_dot(e: &Explanation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph explain {{");
    let _ = writeln!(
        out,
        "  graph [rankdir=LR, labelloc=t, fontname=\"Helvetica\", label=\"{}\"];",
        escape(&headline(e))
    );
    let _ = writeln!(
        out,
        "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", color=\"#555555\"];"
    );
    let _ = writeln!(out, "  edge [color=\"#888888\", arrowhead=none];");
    let mut shown: Vec<bool> = vec![false; e.nodes.len()];
    for (index, node) in e.nodes.iter().enumerate() {
        // A node is drawn unless a safe ancestor already stands for it.
        let hidden =
            ancestors(e, index).any(|a| e.nodes.get(a).is_some_and(|n| n.unsafe_because.is_none()));
        if hidden {
            continue;
        }
        if let Some(slot) = shown.get_mut(index) {
            *slot = true;
        }
        let mut text = label(e, node).to_string();
        if node.unsafe_because.is_none() && node.placed > 1 {
            let _ = write!(text, "\n{} actions", node.placed);
        }
        if node.kind != NodeKind::UnusedAction {
            match &node.unsafe_because {
                Some(Unsafe::Unused { count, .. }) => {
                    let _ = write!(text, "\n{count} unused");
                }
                Some(Unsafe::NotGranted { count, .. }) => {
                    let _ = write!(text, "\n{count} not granted");
                }
                Some(Unsafe::Used { count, .. }) => {
                    let _ = write!(text, "\n{count} used");
                }
                Some(Unsafe::Broader) => text.push_str("\nbroader than the pattern"),
                None => {}
            }
        }
        if let Some(entry) = &node.chosen {
            let _ = write!(text, "\n→ {entry}");
        }
        let mut attrs = vec![format!("label=\"{}\"", escape(&text))];
        match (&node.unsafe_because, node.kind) {
            (_, NodeKind::UnusedAction) => {
                attrs.push("shape=ellipse".to_string());
                attrs.push("fillcolor=\"#f4a259\"".to_string());
            }
            (None, _) => attrs.push("fillcolor=\"#9fd89f\"".to_string()),
            (Some(_), _) => attrs.push("fillcolor=\"#f7c59f\"".to_string()),
        }
        let mut why = String::new();
        if reason(&mut why, e, node) {
            attrs.push(format!("tooltip=\"{}\"", escape(&why)));
        }
        if node.chosen.is_some() {
            attrs.push("penwidth=3".to_string());
            attrs.push("color=\"#1b5e20\"".to_string());
            attrs.push("fontname=\"Helvetica-Bold\"".to_string());
        }
        let _ = writeln!(out, "  n{index} [{}];", attrs.join(", "));
    }
    for (index, node) in e.nodes.iter().enumerate() {
        if let Some(parent) = node.parent {
            if shown.get(index) == Some(&true) {
                let _ = writeln!(out, "  n{parent} -> n{index};");
            }
        }
    }
    out.push_str("}\n");
    out
}

/// The indices of `index`'s ancestors, nearest first.
fn ancestors(e: &Explanation, index: usize) -> impl Iterator<Item = usize> + '_ {
    std::iter::successors(e.nodes.get(index).and_then(|n| n.parent), |&p| {
        e.nodes.get(p).and_then(|n| n.parent)
    })
}

/// A Graphviz double-quoted string's contents.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pare_engine::cmp_ci;
    use pare_engine::{AccessLevel, ActionTable, KnownAction, UnusedSet};

    fn explanation(names: &[&'static str], unused: &str, pattern: &str) -> Explanation {
        let mut rows: Vec<KnownAction> = names
            .iter()
            .map(|n| KnownAction::new_static(n, AccessLevel::READ, true))
            .collect();
        rows.sort_by(|a, b| cmp_ci(&a.name, &b.name));
        let table = ActionTable::new(&rows).unwrap();
        let unused = UnusedSet::parse(unused).unwrap();
        let known = Known::new(table, [], &unused);
        explain(pattern, &unused, &known)
    }

    #[test]
    fn text_marks_safety_and_choices() {
        let e = explanation(
            &["s3:GetObject", "s3:GetObjectAcl", "s3:GetJobTagging"],
            "s3:GetObjectAcl\n",
            "s3:Get*",
        );
        let text = render_text(&e, false);
        assert_eq!(
            text,
            "s3:Get* matches 3 known actions, 1 of them unused: it is replaced by 2 entries.

s3:Get       unsafe  s3:GetObjectAcl is unused
├── Job      safe    → s3:GetJobTagging
└── Object   unsafe  s3:GetObjectAcl is unused  → s3:GetObject
    └── Acl  unused

→ marks the chosen nodes: each safe node nearest the root, and each used action at an unsafe node.
Result:
  s3:GetJobTagging
  s3:GetObject
"
        );
        assert!(!text.contains('\x1b'));
        assert!(render_text(&e, true).contains("\x1b[32msafe\x1b[0m"));
    }

    #[test]
    fn dot_is_balanced_and_escaped() {
        let e = explanation(&["s3:GetObject", "s3:GetJob"], "s3:GetObject\n", "s3:Get*");
        let dot = render_dot(&e);
        assert!(dot.starts_with("digraph explain {\n"));
        assert!(dot.ends_with("}\n"));
        assert_eq!(dot.matches('{').count(), dot.matches('}').count());
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
