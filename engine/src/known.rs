//! The known actions K: the catalog, plus every concrete action name the
//! policy or the unused list mentions, so an action the catalog does not know
//! yet still counts.

use std::cmp::Ordering;
use std::sync::Arc;

use crate::pattern::Pattern;
use crate::policy::{ActionKey, Policy, Statement};
use crate::table::{ActionTable, cmp_ci, split_action, starts_with_ci};
use crate::unused::{NameList, UnusedSet, is_action_name, is_service_name};

/// K: the table and the extra names, each sorted case-insensitively.
#[derive(Clone, Debug)]
pub struct Known<'a> {
    table: ActionTable<'a>,
    /// The policies' names the catalog does not know (and the list does
    /// not name).
    extras: Vec<Arc<str>>,
    /// The unused list's names, shared with the set (a list of millions of
    /// unknown actions is not copied): those the catalog does not know are
    /// the entries at `listed`, in the set's (sorted) order.
    list: Arc<NameList>,
    listed: Vec<u32>,
}

impl<'a> Known<'a> {
    /// K for refining `policies` against `unused`.
    pub fn new<'p>(
        table: ActionTable<'a>,
        policies: impl IntoIterator<Item = &'p Policy>,
        unused: &UnusedSet,
    ) -> Known<'a> {
        // The catalog compares case-insensitively, so most names (the
        // catalog's own actions) are settled without building a copy.
        let unknown = |name: &str| -> Option<String> {
            if table.get(name).is_some() {
                return None;
            }
            concrete_action(name).filter(|canonical| table.get(canonical).is_none())
        };
        let mut extras: Vec<Arc<str>> = Vec::new();
        for policy in policies {
            for statement in policy.statements() {
                for entry in statement.entries() {
                    if let Some(canonical) = unknown(entry) {
                        extras.push(Arc::from(canonical));
                    }
                }
            }
        }
        extras.sort_by(|a, b| cmp_ci(a, b));
        extras.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        // The set's names are canonical, sorted and distinct; a name a
        // policy spells too keeps the policy's spelling (the first seen).
        let list = Arc::clone(unused.list());
        let mut policy_names = extras.iter().peekable();
        // Room for every name at once (a list of unknown actions is most of
        // them), given back below: doubling held the old and the new vector.
        let mut listed = Vec::with_capacity(list.len());
        for (i, name) in list.names().enumerate() {
            if !is_unknown(table, name) {
                continue;
            }
            while policy_names
                .next_if(|p| cmp_ci(p, name) == Ordering::Less)
                .is_some()
            {}
            if policy_names
                .peek()
                .is_some_and(|p| p.eq_ignore_ascii_case(name))
            {
                continue;
            }
            // A set's entries fit 32 bits (its offsets do).
            if let Ok(i) = u32::try_from(i) {
                listed.push(i);
            }
        }
        listed.shrink_to_fit();
        Known {
            table,
            extras,
            list,
            listed,
        }
    }

    /// The catalog behind K.
    pub fn table(&self) -> ActionTable<'a> {
        self.table
    }

    /// The names K holds beyond the catalog, sorted.
    pub fn extras(&self) -> Vec<&str> {
        self.extras_with_prefix("")
    }

    /// How many names K holds beyond the catalog.
    pub fn extra_count(&self) -> usize {
        self.extras.len() + self.listed.len()
    }

    /// The unused list's `i`-th name.
    fn listed_name(&self, i: u32) -> &str {
        self.list.name(i as usize)
    }

    /// The extras starting with `prefix` (case-insensitively), sorted: the
    /// policies' and the list's merged.
    fn extras_with_prefix(&self, prefix: &str) -> Vec<&str> {
        let own = prefix_slice(&self.extras, prefix);
        let start = self
            .listed
            .partition_point(|&i| cmp_ci(self.listed_name(i), prefix) == Ordering::Less);
        let listed = self.listed.get(start..).unwrap_or(&[]);
        let len = listed.partition_point(|&i| starts_with_ci(self.listed_name(i), prefix));
        let listed = listed.get(..len).unwrap_or(&[]);
        merge(
            own.iter().map(|e| &**e),
            listed.iter().map(|&i| self.listed_name(i)),
            own.len() + listed.len(),
        )
    }

    /// The spelling K uses for `name` (the catalog's, or the first one seen).
    pub fn canonical(&self, name: &str) -> Option<&str> {
        if let Some(row) = self.table.get(name) {
            return Some(&row.name);
        }
        if let Ok(i) = self.extras.binary_search_by(|e| cmp_ci(e, name)) {
            return self.extras.get(i).map(|e| &**e);
        }
        self.listed
            .binary_search_by(|&i| cmp_ci(self.listed_name(i), name))
            .ok()
            .and_then(|i| self.listed.get(i))
            .map(|&i| self.listed_name(i))
    }

    /// Whether the catalog itself knows `name`.
    pub fn in_catalog(&self, name: &str) -> bool {
        self.table.get(name).is_some()
    }

    /// Every known action starting with `prefix` (case-insensitively), sorted.
    pub fn with_prefix(&self, prefix: &str) -> Vec<&str> {
        let rows = self.table.with_prefix(prefix);
        let extras = self.extras_with_prefix(prefix);
        let capacity = rows.len() + extras.len();
        merge(
            rows.iter().map(|row| row.name.as_ref()),
            extras.into_iter(),
            capacity,
        )
    }

    /// Every known action, sorted.
    pub fn all(&self) -> Vec<&str> {
        self.with_prefix("")
    }

    /// The known actions `pattern` matches, sorted: a literal's spelling in K
    /// (none when K does not know it), or every known action a glob matches.
    pub fn matching(&self, pattern: &Pattern) -> Vec<&str> {
        if pattern.is_literal() {
            return self.canonical(pattern.as_str()).into_iter().collect();
        }
        let mut out = self.with_prefix(pattern.literal_prefix());
        out.retain(|a| pattern.matches(a));
        out
    }

    /// What one statement's entries grant over K, whatever its effect: for
    /// `Action`, every known action some entry matches; for `NotAction`, every
    /// known action none of them matches. Sorted, each action once.
    ///
    /// This is the one definition of "what an entry grants" for refine,
    /// explain, account and the usage sources. `verify` keeps its own
    /// expansion on purpose: it is the independent check of the others.
    pub fn granted_by(&self, statement: &Statement) -> Vec<&str> {
        match statement.key() {
            ActionKey::Action => {
                // As `matching` each entry, without parsing the literals (most
                // entries; an account run asks this for every policy it refines).
                let mut out: Vec<&str> = Vec::with_capacity(statement.entries().len());
                for entry in statement.entries() {
                    if entry.contains(['*', '?']) {
                        out.extend(self.matching(&Pattern::new(entry)));
                    } else {
                        out.extend(self.canonical(entry));
                    }
                }
                out.sort_by(|a, b| cmp_ci(a, b));
                out.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
                out
            }
            ActionKey::NotAction => {
                let patterns: Vec<Pattern> = statement
                    .entries()
                    .iter()
                    .map(|e| Pattern::new(e))
                    .collect();
                let mut out = self.all();
                out.retain(|a| !patterns.iter().any(|p| p.matches(a)));
                out
            }
        }
    }
}

/// Whether a set's name (canonical already: see `UnusedSet::insert_action`)
/// is a concrete action the catalog does not know.
fn is_unknown(table: ActionTable<'_>, name: &str) -> bool {
    let (service, action) = split_action(name);
    table.get(name).is_none()
        && name.contains(':')
        && is_service_name(service)
        && is_action_name(action)
}

/// Two sorted runs of names as one (case-insensitively; on a tie, `a`'s
/// first, as a stable sort of `a` then `b` puts them).
fn merge<'s>(
    a: impl Iterator<Item = &'s str>,
    b: impl Iterator<Item = &'s str>,
    capacity: usize,
) -> Vec<&'s str> {
    let mut out = Vec::with_capacity(capacity);
    let mut b = b.peekable();
    for x in a {
        while let Some(y) = b.next_if(|y| cmp_ci(y, x) == Ordering::Less) {
            out.push(y);
        }
        out.push(x);
    }
    out.extend(b);
    out
}

/// `name` as a concrete action with a lowercase service prefix, or `None`
/// when it has a wildcard or is not of the form `service:Action`.
pub fn concrete_action(name: &str) -> Option<String> {
    is_concrete_action(name).then(|| {
        let (service, action) = split_action(name);
        format!("{}:{action}", service.to_ascii_lowercase())
    })
}

/// Whether [`concrete_action`] accepts `name`, without making its canonical form.
pub fn is_concrete_action(name: &str) -> bool {
    let (service, action) = split_action(name);
    name.contains(':') && is_service_name(service) && is_action_name(action)
}

/// The sorted run of `items` that starts with `prefix`.
pub(crate) fn prefix_slice<'s, S: AsRef<str>>(items: &'s [S], prefix: &str) -> &'s [S] {
    prefix_slice_by(items, prefix, AsRef::as_ref)
}

/// [`prefix_slice`] over items sorted by the name `name` gives each.
pub(crate) fn prefix_slice_by<'s, T>(
    items: &'s [T],
    prefix: &str,
    name: impl Fn(&T) -> &str,
) -> &'s [T] {
    let start = items.partition_point(|s| cmp_ci(name(s), prefix) == Ordering::Less);
    let rest = items.get(start..).unwrap_or(&[]);
    let len = rest.partition_point(|s| starts_with_ci(name(s), prefix));
    rest.get(..len).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{AccessLevel, KnownAction};

    #[test]
    fn extras_merge_into_the_catalog_order() {
        let rows = [
            KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
            KnownAction::new_static("s3:PutObject", AccessLevel::WRITE, true),
        ];
        let table = ActionTable::new(&rows).unwrap();
        let policy = Policy::parse(
            r#"{"Statement":[{"Effect":"Allow","Action":["S3:getobject","S3:GetNew","s3:Get*","bad"],"Resource":"*"}]}"#,
        )
        .unwrap();
        let mut unused = UnusedSet::new();
        unused.insert_action("s3:Zap", None);
        let known = Known::new(table, [&policy], &unused);
        assert_eq!(known.extras(), ["s3:GetNew", "s3:Zap"]);
        assert_eq!(known.extra_count(), 2);
        assert_eq!(known.with_prefix("s3:get"), ["s3:GetNew", "s3:GetObject"]);
        assert_eq!(known.canonical("S3:GETOBJECT"), Some("s3:GetObject"));
        assert_eq!(known.all().len(), 4);
    }

    #[test]
    fn the_lists_unknown_names_are_shared_and_a_policys_spelling_wins() {
        let rows = [KnownAction::new_static(
            "s3:GetObject",
            AccessLevel::READ,
            true,
        )];
        let table = ActionTable::new(&rows).unwrap();
        let policy = Policy::parse(
            r#"{"Statement":[{"Effect":"Allow","Action":["s3:zap","s3:New","s3:GetObject"],"Resource":"*"}]}"#,
        )
        .unwrap();
        let unused = UnusedSet::parse(
            "s3:Zap
S3:GETOBJECT
s3:Yes
ec2:Run
",
        )
        .unwrap();
        let known = Known::new(table, [&policy], &unused);
        assert_eq!(known.extras(), ["ec2:Run", "s3:New", "s3:Yes", "s3:zap"]);
        assert_eq!(known.extra_count(), 4);
        assert_eq!(
            known.with_prefix("S3:"),
            ["s3:GetObject", "s3:New", "s3:Yes", "s3:zap"]
        );
        assert_eq!(known.canonical("S3:ZAP"), Some("s3:zap"));
        assert_eq!(known.canonical("s3:getobject"), Some("s3:GetObject"));
        assert_eq!(known.canonical("s3:Absent"), None);
        // The list's name is the set's own text, not a copy.
        let yes = known.canonical("s3:yes").unwrap();
        let listed = unused.actions().find(|a| a.name == "s3:Yes").unwrap();
        assert!(std::ptr::eq(yes, listed.name));
        // K without a list, or without a policy.
        let bare = Known::new(table, [&policy], &UnusedSet::new());
        assert_eq!(bare.extras(), ["s3:New", "s3:zap"]);
        let listed_only = Known::new(table, [], &unused);
        assert_eq!(listed_only.extras(), ["ec2:Run", "s3:Yes", "s3:Zap"]);
    }

    #[test]
    fn what_a_statement_grants_over_k() {
        let rows = [
            KnownAction::new_static("ec2:RunInstances", AccessLevel::WRITE, true),
            KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
            KnownAction::new_static("s3:GetObjectAcl", AccessLevel::READ, true),
            KnownAction::new_static("s3:PutObject", AccessLevel::WRITE, true),
        ];
        let table = ActionTable::new(&rows).unwrap();
        let policy = Policy::parse(
            r#"{"Statement":[
                {"Effect":"Allow","Action":["s3:Get*","S3:GETOBJECT","s3:New","s3:Absent*"],"Resource":"*"},
                {"Effect":"Deny","NotAction":["s3:*","iam:*"],"Resource":"*"},
                {"Effect":"Allow","Action":"*Object","Resource":"*"}]}"#,
        )
        .unwrap();
        let known = Known::new(table, [&policy], &UnusedSet::new());
        let statements = policy.statements();
        // (statement, granted): duplicates once, in K's spelling and order.
        let cases: [(usize, &[&str]); 3] = [
            (0, &["s3:GetObject", "s3:GetObjectAcl", "s3:New"]),
            (1, &["ec2:RunInstances"]),
            (2, &["s3:GetObject", "s3:PutObject"]),
        ];
        for (index, expect) in cases {
            assert_eq!(known.granted_by(&statements[index]), expect, "{index}");
        }
        assert_eq!(known.matching(&Pattern::new("S3:NEW")), ["s3:New"]);
        assert!(known.matching(&Pattern::new("s3:Other")).is_empty());
    }
}
