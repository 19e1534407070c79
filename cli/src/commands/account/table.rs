//! `--format table`: the table, and the summary every format ends with.

use super::*;

impl View<'_> {
    /// The table, fitted to `columns` when stdout is a terminal that wide
    /// (see [`fit`]), full width otherwise.
    pub(super) fn table(&self, columns: Option<usize>) -> String {
        let mut lines: Vec<Vec<String>> = vec![header().iter().map(|h| h.to_string()).collect()];
        for row in self.rows() {
            let removed = Self::removed(row.policy);
            let size = match Self::size_after(row.policy) {
                None => "-".to_string(),
                Some(after) => {
                    format!("{}→{}", thousands(row.policy.size_before), thousands(after))
                }
            };
            let mut cells = vec![
                self.label(row.principal.entity),
                row.policy.name.clone(),
                self.kind(row.policy),
                or_dash(self.via(row.holding)),
                row.policy.decision.label().to_string(),
            ];
            cells.extend(levels::cells(TABLE_LEVELS, &removed, |n| n.to_string()));
            cells.extend([size, self.note(&row)]);
            // Measured and printed escaped: a cell can neither drive the
            // terminal nor break the row.
            lines.push(cells.iter().map(|c| safe::escape(c).into_owned()).collect());
        }
        let mut out = String::new();
        if lines.len() == 1 {
            out.push_str("no principal with an active UnusedPermission finding\n");
        } else {
            let fitted = columns.map(|width| fit(&lines, width));
            let layout = fitted.clone().unwrap_or_else(|| Fit::full(&lines));
            render(&lines, &layout, &mut out);
            if let Some(fitted) = fitted.filter(|f| !f.dropped.is_empty()) {
                let names: Vec<&str> = fitted
                    .dropped
                    .iter()
                    .filter_map(|&c| header().get(c).copied())
                    .collect();
                out.push_str(&wrap(
                    &format!(
                        "(left out for the terminal's width: {}; piped or `--format csv`, the table has every column)",
                        names.join(", ")
                    ),
                    columns.unwrap_or(usize::MAX),
                ));
            }
        }
        out.push('\n');
        let summary = self.summary();
        match columns {
            Some(width) => {
                for line in summary.lines() {
                    out.push_str(&wrap(line, width));
                }
            }
            None => out.push_str(&summary),
        }
        out
    }

    /// The totals a security reviewer reads first, and the findings' fate.
    pub(super) fn summary(&self) -> String {
        let changed: Vec<&PolicyPlan> = self
            .plan
            .policies
            .iter()
            .filter(|p| p.decision.changes())
            .collect();
        let c = &self.plan.counts;
        let mut lines = vec![self.decisions_line(), removed_line(&changed)];
        lines.extend(over_quota_line(&changed));
        lines.push(findings_line(c));
        lines.extend(other_sets_line(c));
        lines.extend(self.other_finding_lines());
        let mut out = String::new();
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
        out
    }

    /// How many principals hold how many policies, and each decision's count.
    fn decisions_line(&self) -> String {
        let count = |d: &str| {
            self.plan
                .policies
                .iter()
                .filter(|p| p.decision.label() == d)
                .count()
        };
        format!(
            "{} with {} {} {}: {} put-inline, {} delete-inline, {} new-version, {} detach, {} replace, {} keep, {} skipped",
            plural(self.plan.principals.len(), "principal", "principals"),
            // Findings alone, or other sources of unused as well.
            if self.plan.counts.other_sets == 0 {
                "findings"
            } else {
                "evidence of non-use"
            },
            if self.plan.principals.len() == 1 {
                "holds"
            } else {
                "hold"
            },
            plural(self.plan.policies.len(), "policy", "policies"),
            count("put-inline"),
            count("delete-inline"),
            count("new-version"),
            count("detach"),
            count("replace"),
            count("keep"),
            count("skipped"),
        )
    }

    /// The findings of other types (unused roles, keys, passwords), one
    /// line each.
    fn other_finding_lines(&self) -> Vec<String> {
        self.plan
            .other_findings
            .iter()
            .map(|other| {
                let who = other
                    .entity
                    .map_or_else(|| other.resource.clone(), |e| self.label(e));
                let what = match other.finding_type.as_str() {
                    "UnusedIAMRole" => "the role is unused: consider deleting it",
                    "UnusedIAMUserAccessKey" => "an access key is unused: consider deactivating it",
                    "UnusedIAMUserPassword" => {
                        "the console password is unused: consider removing it"
                    }
                    _ => "reported",
                };
                format!(
                    "{}: {}: {what} (finding `{}`)",
                    Escaped(&other.finding_type),
                    Escaped(&who),
                    Escaped(&other.id)
                )
            })
            .collect()
    }
}

/// The actions the changed policies no longer grant, by access level.
fn removed_line(changed: &[&PolicyPlan]) -> String {
    let mut total = LevelCounts::default();
    for policy in changed {
        levels::add(&mut total, &View::removed(policy));
    }
    format!(
        "actions no longer granted: {} permissions management, {} write, {} tagging, {} list, {} read{} ({} in all, counted per policy)",
        total.permissions_management,
        total.write,
        total.tagging,
        total.list,
        total.read,
        if total.unknown > 0 {
            format!(", {} of unknown level", total.unknown)
        } else {
            String::new()
        },
        thousands(total.total),
    )
}

/// How many refined policies are over their quota, if any.
fn over_quota_line(changed: &[&PolicyPlan]) -> Option<String> {
    let over = changed
        .iter()
        .filter(|p| p.quota.is_some_and(|q| q.over()))
        .count();
    if over == 0 {
        return None;
    }
    let limits = if changed.iter().any(|p| p.quota.is_some_and(|q| q.user_set)) {
        "IAM's size quotas or --max-policy-size"
    } else {
        "IAM's size quotas"
    };
    Some(format!(
        "{over} refined policies would not fit {limits}; apply.sh leaves them commented out"
    ))
}

/// What became of the findings read.
fn findings_line(c: &pare_engine::account::FindingCounts) -> String {
    format!(
        "findings: {} read, {} UnusedPermission applied, {} reported below, {} archived and {} resolved ignored, {} of other types ignored, {} for unknown principals, {} for other accounts, {} duplicates",
        c.read,
        c.unused_permission,
        c.reported,
        c.archived,
        c.resolved,
        c.other_type,
        c.unknown_principal,
        c.other_account,
        c.duplicate
    )
}

/// The access-level columns the table shows.
const TABLE_LEVELS: &[levels::Level] = levels::LEVELS.split_at(levels::IN_TABLE).0;

/// The table's columns: the row's policy, the access levels, its size and a note.
fn header() -> Vec<&'static str> {
    ["PRINCIPAL", "POLICY", "TYPE", "VIA", "DECISION"]
        .into_iter()
        .chain(TABLE_LEVELS.iter().map(|l| l.table))
        .chain(["SIZE", "NOTE"])
        .collect()
}
/// The right-aligned columns.
const NUMERIC: [usize; 6] = [5, 6, 7, 8, 9, 10];
const PRINCIPAL: usize = 0;
const POLICY: usize = 1;
const NOTE: usize = 12;
/// What a narrow terminal loses first: the access levels a reviewer reads
/// last (Permissions management and Write stay), the group a policy comes
/// through, the policy's type (the decision mostly says it), the total.
const DROP_ORDER: [usize; 6] = [8, 10, 9, 3, 2, 5];
/// The narrowest a name is cut to, and the smallest width the note is
/// wrapped to.
const MIN_NAME: usize = 12;
const MIN_NOTE: usize = 20;
/// How far a note under its row is indented.
const NOTE_INDENT: usize = 4;

/// Which columns a table shows, and how wide each is.
#[derive(Clone, Debug)]
struct Fit {
    /// The columns shown on the row, in order.
    shown: Vec<usize>,
    /// Per column (all 13), its width.
    widths: Vec<usize>,
    /// The columns left out.
    dropped: Vec<usize>,
    /// Where the note goes when it is not a column: under its row, wrapped
    /// to this width.
    note_below: Option<usize>,
}

impl Fit {
    fn full(lines: &[Vec<String>]) -> Fit {
        Fit {
            shown: (0..header().len()).collect(),
            widths: natural_widths(lines),
            dropped: Vec::new(),
            note_below: None,
        }
    }

    /// The width of a row, two spaces between columns.
    fn total(&self) -> usize {
        let cells: usize = self
            .shown
            .iter()
            .map(|&c| self.widths.get(c).copied().unwrap_or(0))
            .sum();
        cells + 2 * self.shown.len().saturating_sub(1)
    }
}

fn natural_widths(lines: &[Vec<String>]) -> Vec<usize> {
    column_widths(lines, header().len())
}

/// The width of each of the first `columns` columns: its widest cell.
pub(super) fn column_widths(lines: &[Vec<String>], columns: usize) -> Vec<usize> {
    (0..columns)
        .map(|c| {
            lines
                .iter()
                .map(|l| l.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// Fits the table to `width` columns. A table that fits is left as it is.
/// Otherwise the note leaves the row for a line of its own under it,
/// wrapped; then the low-value columns of [`DROP_ORDER`] are left out one
/// at a time while the row is too wide; then long principal and policy
/// names are cut (with `…`). A terminal too narrow even for that gets as
/// close as the minimum widths allow.
fn fit(lines: &[Vec<String>], width: usize) -> Fit {
    let mut fit = Fit::full(lines);
    if fit.total() <= width {
        return fit;
    }
    fit.shown.retain(|&c| c != NOTE);
    fit.note_below = Some(width.saturating_sub(NOTE_INDENT).max(MIN_NOTE));
    for column in DROP_ORDER {
        if fit.total() <= width {
            break;
        }
        fit.shown.retain(|&c| c != column);
        fit.dropped.push(column);
    }
    for column in [POLICY, PRINCIPAL] {
        let over = fit.total().saturating_sub(width);
        if let Some(w) = fit.widths.get_mut(column) {
            *w = w.saturating_sub(over).max(MIN_NAME.min(*w));
        }
    }
    fit
}

/// Writes `lines` as `fit` lays them out: a name wider than its column is
/// cut with `…`; the note is wrapped, in its column or under its row.
fn render(lines: &[Vec<String>], fit: &Fit, out: &mut String) {
    let last = fit.shown.last().copied();
    for (n, line) in lines.iter().enumerate() {
        let mut first = String::new();
        let mut more: Vec<String> = Vec::new();
        for (i, &c) in fit.shown.iter().enumerate() {
            let width = fit.widths.get(c).copied().unwrap_or(0);
            let cell = line.get(c).map_or("", String::as_str);
            if i > 0 {
                first.push_str("  ");
            }
            if c == NOTE {
                first.push_str(cell);
                continue;
            }
            let cell = cut(cell, width);
            let pad = width.saturating_sub(cell.chars().count());
            if NUMERIC.contains(&c) {
                first.push_str(&" ".repeat(pad));
                first.push_str(&cell);
            } else {
                first.push_str(&cell);
                if Some(c) != last {
                    first.push_str(&" ".repeat(pad));
                }
            }
        }
        if let Some(note_width) = fit.note_below {
            // Not under the header: the note has no heading of its own there.
            let note = line.get(NOTE).map_or("", String::as_str);
            if n > 0 && !note.is_empty() {
                more = wrap_words(note, note_width);
            }
        }
        out.push_str(first.trim_end());
        out.push('\n');
        for part in more {
            out.push_str(&" ".repeat(NOTE_INDENT));
            out.push_str(&part);
            out.push('\n');
        }
    }
}

/// `cell` in at most `width` characters: cut with `…` when longer.
fn cut(cell: &str, width: usize) -> String {
    if cell.chars().count() <= width {
        return cell.to_string();
    }
    let mut out: String = cell.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `text` broken at spaces into lines of at most `width` characters; a
/// word longer than that (an ARN) keeps a line of its own, whole.
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// One line of text (no line break) wrapped to `width` columns, the
/// continuation lines indented by two spaces; each line ends with `\n`.
pub(super) fn wrap(line: &str, width: usize) -> String {
    let width = width.max(MIN_NOTE);
    if line.chars().count() <= width {
        return format!("{line}\n");
    }
    let mut lines = wrap_words(line, width).into_iter();
    let mut out = lines.next().unwrap_or_default();
    out.push('\n');
    let rest: Vec<String> = lines.collect();
    if !rest.is_empty() {
        for part in wrap_words(&rest.join(" "), width - 2) {
            out.push_str("  ");
            out.push_str(&part);
            out.push('\n');
        }
    }
    out
}

/// The summary's line for the sets of unused that came from sources other
/// than findings, when there are any: they are not counted as findings.
pub(super) fn other_sets_line(counts: &pare_engine::account::FindingCounts) -> Option<String> {
    (counts.other_sets > 0).then(|| {
        format!(
            "other sources of unused: {} applied (used-lists, last-accessed data, CloudTrail usage)",
            counts.other_sets
        )
    })
}
