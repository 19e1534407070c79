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
pub(super) fn refine_not_action_statement(
    index: usize,
    statement: &Statement,
    unused: &UnusedSet,
    known: &Known<'_>,
    options: &RefineOptions,
    trie_index: &Index,
    edits: &mut Edits,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Statement> {
    let excluded: Vec<Pattern> = statement
        .entries()
        .iter()
        .map(|e| Pattern::new(e))
        .collect();
    let granted = Granted::classify(known, unused, &excluded);
    if granted.placed == 0 && granted.open_services.is_empty() {
        return Some(statement.clone());
    }
    if granted.used == 0 {
        // Nothing the statement grants is used: the caller records its removal.
        return None;
    }
    let additions = granted.exclusions(statement, unused, options, trie_index);
    if additions.is_empty() {
        return Some(statement.clone());
    }
    diagnostics.extend(broad_exclusions(index, &additions));
    let mut entries = statement.entries().to_vec();
    entries.extend(additions.iter().cloned());
    edits.push(Edit {
        statement: index,
        sid: statement.sid().map(str::to_string),
        key: ActionKey::NotAction,
        change: Change::Excluded { added: additions },
    });
    Some(statement.with_entries(entries))
}

/// What a `NotAction` statement grants: every known action, classed (free
/// when excluded already, placed when unused, used otherwise), and the
/// wholly unused services it still grants.
struct Granted<'k> {
    actions: Vec<(&'k str, Class)>,
    placed: usize,
    used: usize,
    /// Wholly unused services still granted, known actions or not.
    open_services: Vec<String>,
}

impl<'k> Granted<'k> {
    fn classify(known: &'k Known<'_>, unused: &UnusedSet, excluded: &[Pattern]) -> Granted<'k> {
        let grants = |a: &str| !excluded.iter().any(|p| p.matches(a));
        let mut actions: Vec<(&str, Class)> = Vec::new();
        let (mut placed, mut used) = (0usize, 0usize);
        let mut is_unused = unused.contains_in_order();
        for a in known.all() {
            let class = if !grants(a) {
                Class::Free
            } else if is_unused(a) {
                placed += 1;
                Class::Placed
            } else {
                used += 1;
                Class::Used
            };
            actions.push((a, class));
        }
        let open_services: Vec<String> = unused
            .services()
            .filter(|s| {
                let all = Pattern::new(&format!("{}:*", s.name));
                !excluded.iter().any(|p| p.contains(&all))
            })
            .map(|s| s.name.clone())
            .collect();
        Granted {
            actions,
            placed,
            used,
            open_services,
        }
    }

    /// The entries to add to the exclusions: the trie's cut of the placed
    /// actions (`--no-wildcards`: the actions one by one), and `service:*`
    /// for each open service; sorted, without duplicates nor entries the
    /// statement has already.
    fn exclusions(
        self,
        statement: &Statement,
        unused: &UnusedSet,
        options: &RefineOptions,
        trie_index: &Index,
    ) -> Vec<String> {
        let mut additions: Vec<String> = if options.wildcards {
            let covers = |_: &str| true;
            let force = |p: &str| {
                p.strip_suffix(':')
                    .is_some_and(|s| unused.is_service_unused(s))
            };
            Trie::walk(
                &Problem {
                    actions: self.actions,
                    root_hint: "",
                    covers: &covers,
                    force_star: &force,
                },
                trie_index,
                Mode::Emitted,
            )
            .emitted
        } else {
            self.actions
                .iter()
                .filter(|(a, class)| {
                    *class == Class::Placed && !unused.is_service_unused(split_action(a).0)
                })
                .map(|(a, _)| a.to_string())
                .collect()
        };
        // Duplicates of these go with the dedup below.
        additions.extend(
            self.open_services
                .iter()
                .map(|service| format!("{service}:*")),
        );
        additions.sort_by(|a, b| cmp_ci(a, b));
        additions.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        additions.retain(|a| {
            !statement
                .entries()
                .iter()
                .any(|e| e.eq_ignore_ascii_case(a))
        });
        additions
    }
}

/// The note on added exclusions with a wildcard, when there are any.
fn broad_exclusions(index: usize, additions: &[String]) -> Option<Diagnostic> {
    let broad: Vec<&String> = additions.iter().filter(|a| a.contains('*')).collect();
    if broad.is_empty() {
        return None;
    }
    Some(Diagnostic {
        code: DiagnosticCode::BroadExclusion,
        statement: Some(index),
        subject: broad
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
            .into(),
        message:
            "these exclusions also exclude actions AWS may add later; that only narrows the policy"
                .into(),
    })
}
