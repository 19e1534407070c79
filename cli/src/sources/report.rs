//! A source's report as lines for a terminal: what it inferred and what it
//! kept, each list cut after its first few items.

use pare_engine::usage::{SourceReport, UsageSource};

/// One line per fact of `report`, naming the policy of each kept-alive
/// wildcard by `policy_names` (in the order the policies were given) when
/// there are several.
pub fn summary_lines(report: &SourceReport, policy_names: &[String]) -> Vec<String> {
    let mut lines = Vec::new();
    let source = report.source.describe();
    if !report.services_never_used.is_empty() {
        lines.push(format!(
            "{source}: {} service(s) never used: {}",
            report.services_never_used.len(),
            list(&report.services_never_used)
        ));
    }
    if !report.actions_unused.is_empty() || report.services_never_used.is_empty() {
        lines.push(format!(
            "{source}: {} action(s) unused{}",
            report.actions_unused.len(),
            if report.actions_unused.is_empty() {
                String::new()
            } else {
                format!(": {}", list_of(report.actions_unused.iter()))
            }
        ));
    }
    if !report.recently_used.is_empty() {
        lines.push(format!(
            "{source}: {} finding entr(ies) used within the window, kept: {}",
            report.recently_used.len(),
            list(&report.recently_used)
        ));
    }
    if !report.untracked_kept.is_empty() {
        let why = match report.source {
            UsageSource::CloudTrail => "the logs cannot show their use (see below)",
            _ => "their use is not tracked",
        };
        lines.push(format!(
            "{source}: {} granted action(s) kept because {why}: {}",
            report.untracked_kept.len(),
            list(&report.untracked_kept)
        ));
    }
    if !report.permission_only_kept.is_empty() {
        lines.push(format!(
            "{source}: {} permission-only action(s) kept (never logged as calls): {}",
            report.permission_only_kept.len(),
            list(&report.permission_only_kept)
        ));
    }
    if !report.wildcards_kept_alive.is_empty() {
        let entries: Vec<String> = report
            .wildcards_kept_alive
            .iter()
            .map(|k| match policy_names.get(k.policy) {
                Some(name) if policy_names.len() > 1 => {
                    format!("{name} Statement[{}] {}", k.statement, k.entry)
                }
                _ => format!("Statement[{}] {}", k.statement, k.entry),
            })
            .collect();
        lines.push(format!(
            "{source}: {} kept action(s) keep {} wildcard(s) alive that would otherwise be removed: {}",
            report.actions_keeping_wildcards(),
            report.wildcards_kept_alive.len(),
            list(&entries)
        ));
    }
    for note in &report.notes {
        lines.push(format!("{source}: {note}"));
    }
    lines
}

/// The first few items, quoted, and how many more there are.
fn list<S: AsRef<str>>(items: &[S]) -> String {
    list_of(items.iter().map(AsRef::as_ref))
}

/// [`list`] of items as they come.
fn list_of<'s>(items: impl ExactSizeIterator<Item = &'s str>) -> String {
    const SHOWN: usize = 8;
    let count = items.len();
    let mut text = items
        .take(SHOWN)
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if count > SHOWN {
        text.push_str(&format!(", and {} more", count - SHOWN));
    }
    text
}
