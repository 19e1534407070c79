//! The known actions K: the catalog, plus every concrete action name the
//! policy or the unused list mentions, so an action the catalog does not know
//! yet still counts.

use std::cmp::Ordering;
use std::sync::Arc;

use crate::pattern::Pattern;
use crate::policy::{ActionKey, Policy, Statement};
use crate::table::{ActionTable, cmp_ci, split_action, starts_with_ci};
use crate::unused::{UnusedSet, is_action_name, is_service_name};

/// K: the table and the extra names, each sorted case-insensitively.
#[derive(Clone, Debug)]
pub struct Known<'a> {
    table: ActionTable<'a>,
    /// Shared with the unused list where it spells the name the same way:
    /// a list of millions of unknown actions is not copied.
    extras: Vec<Arc<str>>,
}

impl<'a> Known<'a> {
    /// K for refining `policies` against `unused`.
    pub fn new<'p>(
        table: ActionTable<'a>,
        policies: impl IntoIterator<Item = &'p Policy>,
        unused: &UnusedSet,
    ) -> Known<'a> {
        let mut extras: Vec<Arc<str>> = Vec::new();
        let mut add = |name: &str, shared: Option<&Arc<str>>| {
            // The catalog compares case-insensitively, so most names (the
            // catalog's own actions) are settled without building a copy.
            if table.get(name).is_some() {
                return;
            }
            if let Some(canonical) = concrete_action(name) {
                if table.get(&canonical).is_none() {
                    extras.push(match shared {
                        Some(shared) if **shared == *canonical => Arc::clone(shared),
                        _ => Arc::from(canonical),
                    });
                }
            }
        };
        for policy in policies {
            for statement in policy.statements() {
                for entry in statement.entries() {
                    add(entry, None);
                }
            }
        }
        for action in unused.actions() {
            add(&action.name, Some(&action.name));
        }
        extras.sort_by(|a, b| cmp_ci(a, b));
        extras.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        Known { table, extras }
    }

    /// The catalog behind K.
    pub fn table(&self) -> ActionTable<'a> {
        self.table
    }

    /// The names K holds beyond the catalog.
    pub fn extras(&self) -> &[Arc<str>] {
        &self.extras
    }

    /// The spelling K uses for `name` (the catalog's, or the first one seen).
    pub fn canonical(&self, name: &str) -> Option<&str> {
        if let Some(row) = self.table.get(name) {
            return Some(&row.name);
        }
        self.extras
            .binary_search_by(|e| cmp_ci(e, name))
            .ok()
            .and_then(|i| self.extras.get(i))
            .map(|e| &**e)
    }

    /// Whether the catalog itself knows `name`.
    pub fn in_catalog(&self, name: &str) -> bool {
        self.table.get(name).is_some()
    }

    /// Every known action starting with `prefix` (case-insensitively), sorted.
    pub fn with_prefix(&self, prefix: &str) -> Vec<&str> {
        let rows = self.table.with_prefix(prefix);
        let extras = prefix_slice(&self.extras, prefix);
        let mut out = Vec::with_capacity(rows.len() + extras.len());
        let (mut i, mut j) = (0, 0);
        loop {
            match (rows.get(i), extras.get(j)) {
                (Some(row), Some(extra)) => {
                    if cmp_ci(&row.name, extra) == Ordering::Less {
                        out.push(row.name.as_ref());
                        i += 1;
                    } else {
                        out.push(&**extra);
                        j += 1;
                    }
                }
                (Some(row), None) => {
                    out.push(row.name.as_ref());
                    i += 1;
                }
                (None, Some(extra)) => {
                    out.push(&**extra);
                    j += 1;
                }
                (None, None) => break,
            }
        }
        out
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
        let extras: Vec<&str> = known.extras().iter().map(|e| &**e).collect();
        assert_eq!(extras, ["s3:GetNew", "s3:Zap"]);
        assert_eq!(known.with_prefix("s3:get"), ["s3:GetNew", "s3:GetObject"]);
        assert_eq!(known.canonical("S3:GETOBJECT"), Some("s3:GetObject"));
        assert_eq!(known.all().len(), 4);
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
