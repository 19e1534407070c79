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
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn safe(self, text: &str) -> String {
        self.paint("32", text)
    }

    fn unsafe_(self, text: &str) -> String {
        // The article's orange, where the terminal has 256 colours.
        self.paint("38;5;208", text)
    }

    fn chosen(self, text: &str) -> String {
        self.paint("1", text)
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
fn label(e: &Explanation, node: &ExplainNode) -> String {
    let parent = node
        .parent
        .and_then(|p| e.nodes.get(p))
        .map_or("", |p| p.prefix.as_str());
    match node.prefix.get(parent.len()..) {
        _ if node.parent.is_none() && node.prefix.is_empty() => "(all actions)".to_string(),
        Some(rest) if node.parent.is_some() && !rest.is_empty() => rest.to_string(),
        _ => node.prefix.clone(),
    }
}

/// Why a node is unsafe, in a few words.
fn reason(e: &Explanation, node: &ExplainNode) -> Option<String> {
    Some(match node.unsafe_because.as_ref()? {
        Unsafe::Unused { .. } if node.kind == NodeKind::UnusedAction => "unused".to_string(),
        Unsafe::Unused { count: 1, example } => format!("{example} is unused"),
        Unsafe::Unused { count, example } => {
            format!("{count} unused actions start with it, e.g. {example}")
        }
        Unsafe::NotGranted { count: 1, example } => {
            format!(
                "{example} starts with it and {} does not grant it",
                e.pattern
            )
        }
        Unsafe::NotGranted { count, example } => format!(
            "{example} and {} more start with it and {} does not grant them",
            count - 1,
            e.pattern
        ),
        Unsafe::Used { count, example } => format!(
            "{} must stay granted",
            if *count > 1 {
                format!("{example} and {} more", count - 1)
            } else {
                example.clone()
            }
        ),
        Unsafe::Broader => format!(
            "{}* would grant names that {} does not",
            node.prefix, e.pattern
        ),
    })
}

/// One line of the text tree, before alignment.
struct Line {
    tree: String,
    status: String,
    plain_status_len: usize,
    rest: String,
}

/// The indented tree for a terminal.
pub fn render_text(e: &Explanation, color: bool) -> String {
    let style = Style { color };
    let mut lines: Vec<Line> = Vec::new();
    for (index, node) in e.nodes.iter().enumerate() {
        if node.parent.is_none() {
            walk(e, index, "", None, style, &mut lines);
        }
    }
    let width = lines
        .iter()
        .map(|l| l.tree.chars().count())
        .max()
        .unwrap_or(0);
    let status_width = lines.iter().map(|l| l.plain_status_len).max().unwrap_or(0);
    let mut out = String::new();
    let _ = writeln!(out, "{}", headline(e));
    out.push('\n');
    for line in &lines {
        let pad = width - line.tree.chars().count();
        let mut text = format!("{}{}  {}", line.tree, " ".repeat(pad), line.status);
        if !line.rest.is_empty() {
            let status_pad = status_width - line.plain_status_len;
            let _ = write!(text, "{}  {}", " ".repeat(status_pad), line.rest);
        }
        let _ = writeln!(out, "{}", text.trim_end());
    }
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

/// Adds `index` and, unless it is safe, its subtree to `lines`.
fn walk(
    e: &Explanation,
    index: usize,
    indent: &str,
    last: Option<bool>,
    style: Style,
    lines: &mut Vec<Line>,
) {
    let Some(node) = e.nodes.get(index) else {
        return;
    };
    let children: Vec<usize> = e.children(index).collect();
    lines.push(node_line(e, node, indent, last, style));
    // Below a safe node every action is one the entry keeps: one line says it.
    if node.unsafe_because.is_none() && !children.is_empty() {
        return;
    }
    let child_indent = match last {
        None => indent.to_string(),
        Some(true) => format!("{indent}    "),
        Some(false) => format!("{indent}│   "),
    };
    let (visible, hidden_leaves) = visible_children(e, &children);
    for (i, &child) in visible.iter().enumerate() {
        let is_last = i + 1 == visible.len() && hidden_leaves == 0;
        walk(e, child, &child_indent, Some(is_last), style, lines);
    }
    if hidden_leaves > 0 {
        lines.push(Line {
            tree: format!("{child_indent}└── …"),
            status: String::new(),
            plain_status_len: 0,
            rest: format!("{hidden_leaves} more unused actions"),
        });
    }
}

/// One node's line: its branch and label, safe or not, and why.
fn node_line(
    e: &Explanation,
    node: &ExplainNode,
    indent: &str,
    last: Option<bool>,
    style: Style,
) -> Line {
    let branch = match last {
        None => "",
        Some(true) => "└── ",
        Some(false) => "├── ",
    };
    let tree = format!("{indent}{branch}{}", label(e, node));
    let (plain, status) = match (&node.unsafe_because, node.kind) {
        (_, NodeKind::UnusedAction) => ("unused", style.unsafe_("unused")),
        (None, _) => ("safe", style.safe("safe")),
        (Some(_), _) => ("unsafe", style.unsafe_("unsafe")),
    };
    let mut rest = Vec::new();
    if node.kind != NodeKind::UnusedAction {
        if let Some(why) = reason(e, node) {
            rest.push(why);
        }
    }
    if let Some(entry) = &node.chosen {
        rest.push(style.chosen(&format!("→ {entry}")));
    }
    if node.unsafe_because.is_none() && node.placed > 1 {
        rest.push(format!("({} actions)", node.placed));
    }
    Line {
        tree,
        status,
        plain_status_len: plain.len(),
        rest: rest.join("  "),
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
        let mut text = label(e, node);
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
        if let Some(why) = reason(e, node) {
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
