//! Rule 5: what an Allow `NotAction` statement excludes besides.

use super::{Change, Diagnostic, DiagnosticCode, Edit, Edits, RefineOptions};
use crate::known::Known;
use crate::pattern::Pattern;
use crate::policy::{ActionKey, Statement};
use crate::table::{cmp_ci, split_action};
use crate::trie::{Class, Index, Mode, Problem, Trie};
use crate::unused::UnusedSet;

#[expect(
    clippy::too_many_arguments,
    reason = "the refinement's shared state, passed down"
)]
pub(super) fn refine_not_action_statement<'k>(
    index: usize,
    statement: &Statement,
    unused: &UnusedSet,
    known: &'k Known<'_>,
    options: &RefineOptions,
    trie_index: &Index<'k>,
    edits: &mut Edits,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Statement> {
    let excluded: Vec<Pattern> = statement
        .entries()
        .iter()
        .map(|e| Pattern::new(e))
        .collect();
    let grants = |a: &str| !excluded.iter().any(|p| p.matches(a));
    let mut actions: Vec<(&str, Class)> = Vec::new();
    let (mut placed, mut used) = (0usize, 0usize);
    for a in known.all() {
        let class = if !grants(a) {
            Class::Free
        } else if unused.contains(a) {
            placed += 1;
            Class::Placed
        } else {
            used += 1;
            Class::Used
        };
        actions.push((a, class));
    }
    // Wholly unused services still granted, known actions or not.
    let open_services: Vec<String> = unused
        .services()
        .filter(|s| {
            let all = Pattern::new(&format!("{}:*", s.name));
            !excluded.iter().any(|p| p.contains(&all))
        })
        .map(|s| s.name.clone())
        .collect();
    if placed == 0 && open_services.is_empty() {
        return Some(statement.clone());
    }
    if used == 0 {
        // Nothing the statement grants is used: the caller records its removal.
        return None;
    }
    let sid = statement.sid().map(str::to_string);
    let mut additions: Vec<String> = if options.wildcards {
        let covers = |_: &str| true;
        let force = |p: &str| {
            p.strip_suffix(':')
                .is_some_and(|s| unused.is_service_unused(s))
        };
        Trie::walk(
            &Problem {
                actions,
                root_hint: "",
                covers: &covers,
                force_star: &force,
            },
            trie_index,
            Mode::Emitted,
        )
        .emitted
    } else {
        actions
            .iter()
            .filter(|(a, class)| {
                *class == Class::Placed && !unused.is_service_unused(split_action(a).0)
            })
            .map(|(a, _)| a.to_string())
            .collect()
    };
    // Duplicates of these go with the dedup below.
    additions.extend(open_services.iter().map(|service| format!("{service}:*")));
    additions.sort_by(|a, b| cmp_ci(a, b));
    additions.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    additions.retain(|a| {
        !statement
            .entries()
            .iter()
            .any(|e| e.eq_ignore_ascii_case(a))
    });
    if additions.is_empty() {
        return Some(statement.clone());
    }
    let broad: Vec<&String> = additions.iter().filter(|a| a.contains('*')).collect();
    if !broad.is_empty() {
        diagnostics.push(Diagnostic {
            code: DiagnosticCode::BroadExclusion,
            statement: Some(index),
            subject: broad
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
                .into(),
            message: "these exclusions also exclude actions AWS may add later; that only narrows the policy".into(),
        });
    }
    let mut entries = statement.entries().to_vec();
    entries.extend(additions.iter().cloned());
    edits.push(Edit {
        statement: index,
        sid,
        key: ActionKey::NotAction,
        change: Change::Excluded { added: additions },
    });
    Some(statement.with_entries(entries))
}
