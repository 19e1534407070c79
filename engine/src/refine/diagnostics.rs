//! The diagnostics of a refinement, held compactly.

use std::borrow::Cow;
use std::sync::Arc;

use super::{BlindSpot, Diagnostic, DiagnosticCode, RefineOptions, Shared};
use crate::known::{Known, is_concrete_action};
use crate::pattern::Pattern;
use crate::policy::{ActionKey, Effect, Policy, Statement};
use crate::table::{cmp_ci, split_action, starts_with_ci};
use crate::unused::{NameList, UnusedSet};

/// The diagnostics of a refinement, in order.
///
/// A finding lists every unused action of a principal, and a list of
/// millions of actions the catalog does not know makes two remarks each: as
/// one [`Diagnostic`] apiece they took ten times the list's own size. So the
/// remarks about the list's actions are held as one record: the list's
/// names (its storage, shared) and one byte per action saying which remarks
/// it gets; [`Diagnostics::iter`] gives each remark as a `Diagnostic`, in the
/// order they were made.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    pub(super) parts: Vec<Part>,
}

#[derive(Clone, Debug)]
pub(super) enum Part {
    One(Diagnostic),
    /// Remarks about actions of the unused list: for each action, which
    /// remarks it gets ([`ActionRemarks::UNKNOWN`] first, then
    /// [`ActionRemarks::NOT_GRANTED`]).
    Actions(ActionRemarks),
}

/// Remarks about actions of the unused list, compactly: the set's names as
/// it holds them, and a byte per action (0 for none), in the set's order.
#[derive(Clone, Debug, Default)]
pub(super) struct ActionRemarks {
    pub(super) names: Arc<NameList>,
    pub(super) remarks: Vec<u8>,
}

impl ActionRemarks {
    /// Not in the catalog.
    pub(super) const UNKNOWN: u8 = 1;
    /// Not granted by the policy.
    pub(super) const NOT_GRANTED: u8 = 2;

    /// The remark `bit` about `name`.
    fn diagnostic(name: &str, bit: u8) -> Diagnostic {
        let (code, message) = if bit == Self::UNKNOWN {
            (
                DiagnosticCode::UnknownUnusedAction,
                "is reported unused but is not in the catalog (the catalog may be stale); still honoured",
            )
        } else {
            (
                DiagnosticCode::UnusedNotGranted,
                "is reported unused but this policy does not grant it (findings are per principal; another policy may)",
            )
        };
        Diagnostic {
            code,
            statement: None,
            subject: Arc::from(name),
            message: Cow::Borrowed(message),
        }
    }
}

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    /// Appends one.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.parts.push(Part::One(diagnostic));
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.parts
            .iter()
            .map(|part| match part {
                Part::One(_) => 1,
                Part::Actions(a) => a.remarks.iter().map(|r| r.count_ones() as usize).sum(),
            })
            .sum()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each diagnostic, in order (those about the unused list's actions
    /// made as they are reached).
    pub fn iter(&self) -> impl Iterator<Item = Cow<'_, Diagnostic>> + '_ {
        self.parts.iter().flat_map(
            |part| -> Box<dyn Iterator<Item = Cow<'_, Diagnostic>> + '_> {
                match part {
                    Part::One(d) => Box::new(std::iter::once(Cow::Borrowed(d))),
                    Part::Actions(a) => Box::new(a.names.names().zip(&a.remarks).flat_map(
                        |(name, &remarks)| {
                            [ActionRemarks::UNKNOWN, ActionRemarks::NOT_GRANTED]
                                .into_iter()
                                .filter(move |bit| remarks & bit != 0)
                                .map(move |bit| Cow::Owned(ActionRemarks::diagnostic(name, bit)))
                        },
                    )),
                }
            },
        )
    }

    /// Every diagnostic, each its own value.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        let mut all = Vec::with_capacity(self.len());
        all.extend(self.iter().map(Cow::into_owned));
        all
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(diagnostics: Vec<Diagnostic>) -> Diagnostics {
        Diagnostics {
            parts: diagnostics.into_iter().map(Part::One).collect(),
        }
    }
}

impl PartialEq for Diagnostics {
    fn eq(&self, other: &Diagnostics) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Diagnostics {}

/// Written as the list of every diagnostic, as a `Vec<Diagnostic>` is.
impl serde::Serialize for Diagnostics {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

pub(super) fn diagnose_literals(
    index: usize,
    statement: &Statement,
    unused: &UnusedSet,
    known: &Known<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // Only an Allow `Action` statement loses its unused literals (rule 1); the
    // message must say what happened to the entry.
    let removes_unused =
        statement.effect() == Effect::Allow && statement.key() == ActionKey::Action;
    for entry in statement.entries() {
        if entry.contains(['*', '?']) {
            continue;
        }
        let diagnostic = if !is_concrete_action(entry) {
            Some((
                DiagnosticCode::MalformedAction,
                "is not of the form `service:Action`; it matches nothing and is kept as written",
            ))
        } else if known.in_catalog(entry) {
            None
        } else if removes_unused && unused.contains(entry) {
            Some((
                DiagnosticCode::UnknownAction,
                "is not in the catalog (a new action, a typo, or a retired service); removed, as it is reported unused",
            ))
        } else {
            Some((
                DiagnosticCode::UnknownAction,
                "is not in the catalog (a new action, a typo, or a retired service); kept as written",
            ))
        };
        if let Some((code, message)) = diagnostic {
            diagnostics.push(Diagnostic {
                code,
                statement: Some(index),
                subject: entry.as_str().into(),
                message: message.into(),
            });
        }
    }
}

/// A warning for each wildcard entry whose grant the catalog cannot see,
/// naming the entry, the service and the catalog's date.
pub(super) fn diagnose_blind_wildcards(
    index: usize,
    statement: &Statement,
    unused: &UnusedSet,
    known: &Known<'_>,
    options: &RefineOptions,
    shared: &Shared<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let catalog = match &options.catalog_date {
        Some(date) => format!("the catalog (from {date})"),
        None => "the catalog".to_string(),
    };
    let refined = statement.effect() == Effect::Allow && statement.key() == ActionKey::Action;
    for entry in statement.entries() {
        if super::is_literal(entry) {
            continue;
        }
        let pattern = Pattern::new(entry);
        let Some(blind) = shared.blind_spot(&pattern, known.table()) else {
            continue;
        };
        // Confined to a wholly unused service: removed (rule 3), and the
        // unused service's own diagnostic speaks of the catalog.
        if refined
            && pattern
                .fixed_service()
                .is_some_and(|s| unused.is_service_unused(s))
        {
            continue;
        }
        let kept = if refined {
            "; pare cannot tell what else it grants, so it is kept as written"
        } else {
            ""
        };
        let (code, message) = match blind {
            BlindSpot::UnknownService(service) => (
                DiagnosticCode::UnknownService,
                format!(
                    "names the service `{}`, which {catalog} does not know (a newer service, or a typo){kept}",
                    service.to_ascii_lowercase()
                ),
            ),
            BlindSpot::NoCatalogAction => {
                let service = pattern
                    .fixed_service()
                    .map(|s| format!(" of `{}`", s.to_ascii_lowercase()))
                    .unwrap_or_default();
                (
                    DiagnosticCode::MatchesNoAction,
                    format!(
                        "matches no action{service} that {catalog} knows (newer actions, or a typo){kept}"
                    ),
                )
            }
        };
        diagnostics.push(Diagnostic {
            code,
            statement: Some(index),
            subject: entry.as_str().into(),
            message: message.into(),
        });
    }
}

/// A statement's entries, split for matching many actions against them: the
/// literals sorted for binary search, the wildcards as patterns. A managed
/// policy can list thousands of literals, and the diagnostics ask about every
/// unused action.
struct Entries<'s> {
    literals: Vec<&'s str>,
    wildcards: Vec<Pattern>,
}

impl<'s> Entries<'s> {
    fn new(entries: &'s [String]) -> Entries<'s> {
        let mut literals = Vec::with_capacity(entries.len());
        let mut wildcards = Vec::new();
        for entry in entries {
            if crate::refine::is_literal(entry) {
                literals.push(entry.as_str());
            } else {
                wildcards.push(Pattern::new(entry));
            }
        }
        literals.sort_unstable_by(|a, b| cmp_ci(a, b));
        Entries {
            literals,
            wildcards,
        }
    }

    /// Whether any entry matches `action` (a literal matches itself, ASCII case-insensitively).
    fn matches(&self, action: &str) -> bool {
        self.literals
            .binary_search_by(|l| cmp_ci(l, action))
            .is_ok()
            || self.wildcards.iter().any(|p| p.matches(action))
    }

    /// Calls `mark` with the index of each of `names` (sorted as [`cmp_ci`]
    /// sorts, distinct case aside) that some entry matches, each at most
    /// once per entry: what [`Entries::matches`] says of each name, found
    /// by merging the literals into the names and by taking the run of
    /// names a `prefix*` entry matches, not by trying every entry on every
    /// name.
    fn mark_matches(&self, names: &[&str], mut mark: impl FnMut(usize)) {
        let mut literals = self.literals.iter().peekable();
        for (i, name) in names.iter().enumerate() {
            while literals.next_if(|l| cmp_ci(l, name).is_lt()).is_some() {}
            if literals.peek().is_some_and(|l| cmp_ci(l, name).is_eq()) {
                mark(i);
            }
        }
        for pattern in &self.wildcards {
            let (prefix, is_run) = match pattern.trailing_literal() {
                Some(literal) => (literal, true),
                None => (pattern.fixed_service().unwrap_or(""), false),
            };
            let start = names.partition_point(|n| cmp_ci(n, prefix).is_lt());
            let run = names.get(start..).unwrap_or(&[]);
            let run = run
                .get(..run.partition_point(|n| starts_with_ci(n, prefix)))
                .unwrap_or(&[]);
            for (i, name) in run.iter().enumerate() {
                if is_run || pattern.matches(name) {
                    mark(start + i);
                }
            }
        }
    }

    /// Whether an entry can only match actions of `service` (its literal part names it).
    fn names_service(&self, service: &str) -> bool {
        self.literals
            .iter()
            .filter_map(|l| l.split_once(':').map(|(s, _)| s))
            .chain(self.wildcards.iter().filter_map(Pattern::fixed_service))
            .any(|s| s.eq_ignore_ascii_case(service))
    }
}

pub(super) fn diagnose_unused(
    policy: &Policy,
    unused: &UnusedSet,
    known: &Known<'_>,
    diagnostics: &mut Diagnostics,
) {
    let allows: Vec<(ActionKey, Entries<'_>)> = policy
        .statements()
        .iter()
        .filter(|s| s.effect() == Effect::Allow)
        .map(|s| (s.key(), Entries::new(s.entries())))
        .collect();
    let granted = |a: &str| {
        allows.iter().any(|(key, entries)| match key {
            ActionKey::Action => entries.matches(a),
            ActionKey::NotAction => !entries.matches(a),
        })
    };
    // Whether some Allow statement grants each unused action: an Action
    // statement's matches, a NotAction statement's non-matches.
    let names: Vec<&str> = unused.actions().map(|a| a.name).collect();
    let mut granted_each = vec![false; names.len()];
    for (key, entries) in &allows {
        match key {
            ActionKey::Action => entries.mark_matches(&names, |i| {
                if let Some(g) = granted_each.get_mut(i) {
                    *g = true;
                }
            }),
            ActionKey::NotAction => {
                let mut excluded = vec![false; names.len()];
                entries.mark_matches(&names, |i| {
                    if let Some(e) = excluded.get_mut(i) {
                        *e = true;
                    }
                });
                for (g, e) in granted_each.iter_mut().zip(excluded) {
                    *g = *g || !e;
                }
            }
        }
    }
    // Which remarks each action gets, kept as one compact record (see
    // `Diagnostics`), decided first so that it is allocated at its size.
    let every: Vec<u8> = names
        .iter()
        .zip(&granted_each)
        .map(|(&name, &granted)| {
            let unknown = if known.in_catalog(name) {
                0
            } else {
                ActionRemarks::UNKNOWN
            };
            let not_granted = !granted && !unused.is_service_unused(split_action(name).0);
            unknown
                | if not_granted {
                    ActionRemarks::NOT_GRANTED
                } else {
                    0
                }
        })
        .collect();
    if every.iter().any(|&r| r != 0) {
        diagnostics.parts.push(Part::Actions(ActionRemarks {
            names: Arc::clone(unused.list()),
            remarks: every,
        }));
    }
    for service in unused.services() {
        let prefix = format!("{}:", service.name);
        let actions = known.with_prefix(&prefix);
        // An entry may grant actions of the service that K does not hold:
        // `*` grants every service, known or not, and a NotAction statement
        // every one its exclusions do not cover.
        let any = actions.iter().any(|a| granted(a))
            || allows.iter().any(|(key, entries)| match key {
                ActionKey::Action => {
                    entries.names_service(&service.name)
                        || entries
                            .wildcards
                            .iter()
                            .any(|p| p.matches_some_starting_with(&prefix))
                }
                ActionKey::NotAction => !entries.wildcards.iter().any(|p| p.covers_prefix(&prefix)),
            });
        if !actions.iter().any(|a| known.in_catalog(a)) {
            diagnostics.push(Diagnostic {
                code: DiagnosticCode::UnknownUnusedAction,
                statement: None,
                subject: format!("{}:*", service.name).into(),
                message: "is reported wholly unused but the catalog knows no action of it (the catalog may be stale): entries confined to the service are removed, but a wider entry such as `*` may still grant it".into(),
            });
        }
        if !any {
            diagnostics.push(Diagnostic {
                code: DiagnosticCode::UnusedNotGranted,
                statement: None,
                subject: format!("{}:*", service.name).into(),
                message: "is reported wholly unused but this policy grants none of it (findings are per principal; another policy may)".into(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{AccessLevel, ActionTable, KnownAction};

    /// The merged marking says of each name what trying every entry on it
    /// says, on random sorted names and random statements of literals (case
    /// twins included), `prefix*` entries and other wildcards.
    #[test]
    fn marking_matches_agrees_with_matching_each_name() {
        let mut below = crate::test_rng::below(0xd1a6u64);
        let parts = [
            "s3",
            "S3",
            "s3-outposts",
            "ec2",
            "Get",
            "get",
            "Object",
            "Acl",
            "X",
            "-",
            "?",
            "*",
        ];
        let word = |below: &mut dyn FnMut(usize) -> usize, wild: bool| {
            let mut w = String::new();
            for _ in 0..1 + below(3) {
                let part = parts[below(if wild { parts.len() } else { parts.len() - 2 })];
                w.push_str(part);
            }
            w
        };
        let mut marked = 0usize;
        for round in 0..3_000 {
            let mut names: Vec<String> = (0..below(30))
                .map(|_| format!("{}:{}", word(&mut below, false), word(&mut below, false)))
                .collect();
            names.sort_by(|a, b| cmp_ci(a, b));
            names.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let entries: Vec<String> = (0..below(8))
                .map(|_| match below(4) {
                    0 if !names.is_empty() => {
                        let name = names[below(names.len())];
                        if below(2) == 0 {
                            name.to_ascii_uppercase()
                        } else {
                            name.to_string()
                        }
                    }
                    1 if !names.is_empty() => {
                        let name = names[below(names.len())];
                        format!("{}*", name.get(..below(name.len() + 1)).unwrap_or(name))
                    }
                    _ => format!("{}:{}", word(&mut below, true), word(&mut below, true)),
                })
                .collect();
            let statement = Entries::new(&entries);
            let mut got = vec![false; names.len()];
            statement.mark_matches(&names, |i| got[i] = true);
            let expected: Vec<bool> = names.iter().map(|n| statement.matches(n)).collect();
            assert_eq!(got, expected, "round {round}: {entries:?} over {names:?}");
            marked += got.iter().filter(|&&g| g).count();
        }
        assert!(marked > 5_000, "{marked}");
    }

    #[test]
    fn remarks_about_the_list_share_its_names_and_hold_a_byte_each() {
        let rows = [KnownAction::new_static(
            "s3:GetObject",
            AccessLevel::READ,
            true,
        )];
        let table = ActionTable::new(&rows).unwrap();
        let policy = Policy::parse(
            r#"{"Statement":[{"Effect":"Allow","Action":["s3:*","new:Granted"],"Resource":"*"}]}"#,
        )
        .unwrap();
        let unused = UnusedSet::parse("new:Granted\nnew:Other\ns3:GetObject\ns3:Newer\n").unwrap();
        let known = Known::new(table, [&policy], &unused);
        let mut diagnostics = Diagnostics::new();
        diagnose_unused(&policy, &unused, &known, &mut diagnostics);
        let [Part::Actions(remarks)] = diagnostics.parts.as_slice() else {
            panic!("one record of the list's remarks: {diagnostics:?}");
        };
        assert!(Arc::ptr_eq(&remarks.names, unused.list()), "names copied");
        assert_eq!(
            remarks.remarks,
            [
                ActionRemarks::UNKNOWN,
                ActionRemarks::UNKNOWN | ActionRemarks::NOT_GRANTED,
                0,
                ActionRemarks::UNKNOWN,
            ]
        );
        let seen: Vec<(DiagnosticCode, String)> = diagnostics
            .iter()
            .map(|d| (d.code, d.subject.to_string()))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    DiagnosticCode::UnknownUnusedAction,
                    "new:Granted".to_string()
                ),
                (DiagnosticCode::UnknownUnusedAction, "new:Other".to_string()),
                (DiagnosticCode::UnusedNotGranted, "new:Other".to_string()),
                (DiagnosticCode::UnknownUnusedAction, "s3:Newer".to_string()),
            ]
        );
        assert_eq!(diagnostics.len(), 4);
    }
}
