//! What of an unused set can matter to a policy, and the keys that let jobs share work.

use super::*;
use crate::table::{cmp_ci, starts_with_ci};

/// What of an unused set can matter to a policy: by service (lowercase), the
/// literal parts (lowercase) of its Allow entries. `None` when an Allow
/// statement may grant actions of any service (`NotAction`, or an entry such
/// as `*` or `s3*:Get*` whose service is not fixed).
pub(super) type Scope = BTreeMap<String, Vec<String>>;

pub(super) fn scope_of(policy: &Policy) -> Option<Scope> {
    let mut scope = Scope::new();
    for statement in policy.statements() {
        if statement.effect() != Effect::Allow {
            continue;
        }
        if statement.key() == ActionKey::NotAction {
            return None;
        }
        for entry in statement.entries() {
            // What `Pattern::literal_prefix` and `fixed_service` say, without
            // parsing the entry (most are literals).
            let wildcard = entry.find(['*', '?']);
            let literal = wildcard.and_then(|at| entry.get(..at)).unwrap_or(entry);
            let service = match (literal.split_once(':'), wildcard) {
                (Some((service, _)), _) => service,
                // A literal without a colon matches no action.
                (None, None) => continue,
                (None, Some(_)) => return None,
            };
            let prefix = literal.to_ascii_lowercase();
            match prefix
                .get(..service.len())
                .and_then(|lower| scope.get_mut(lower))
            {
                Some(prefixes) => prefixes.push(prefix),
                None => {
                    let key = prefix.get(..service.len()).unwrap_or("").to_string();
                    scope.entry(key).or_default().push(prefix);
                }
            }
        }
    }
    // A prefix another one starts with adds nothing: `s3:*` makes `s3:Get*`
    // and `s3:GetObject` redundant.
    for prefixes in scope.values_mut() {
        prefixes.sort();
        prefixes.dedup_by(|longer, shorter| longer.starts_with(shorter.as_str()));
    }
    Some(scope)
}

/// The part of `unused` that the policy's entries can match: whole services it
/// names, and actions that start with the literal part of one of its entries.
/// An unused action no entry matches changes nothing in the refinement (it can
/// start no prefix an entry covers), so leaving it out changes no result; it
/// only spares the engine scanning it, and makes more pairs identical.
pub(super) fn project(unused: &UnusedSet, scope: &Scope) -> UnusedSet {
    let mut out = UnusedSet::new();
    for service in unused.services() {
        if scope.contains_key(&service.name) {
            out.insert_service(&service.name, service.last_accessed.clone());
        }
    }
    for action in in_scope(unused, scope) {
        out.insert(action);
    }
    out
}

/// The unused actions of `unused` that start with the literal part of an
/// entry of their service in `scope`, in the set's order.
///
/// The set is sorted by name, so each service's actions are one run: the
/// runs of the scope's services are found by binary search (a principal's
/// set spans many services, a policy's scope a few), and within a run the
/// prefixes are merged with the actions. The prefixes are sorted and none
/// starts with another (see [`scope_of`]), so the names each one starts are
/// disjoint runs in that order, and a prefix that sorts before an action it
/// does not start also sorts before every later action's. Each action of a
/// run is compared with one or two prefixes, and the actions of the other
/// services not at all.
fn in_scope<'u>(
    unused: &'u UnusedSet,
    scope: &'u Scope,
) -> impl Iterator<Item = crate::unused::UnusedAction<'u>> {
    let list = unused.list();
    let entries = list.entries();
    in_scope_entries(unused, scope).filter_map(move |i| entries.get(i).map(|e| list.action_of(e)))
}

/// [`in_scope`], as indices into the set's entries.
fn in_scope_entries<'u>(unused: &'u UnusedSet, scope: &'u Scope) -> impl Iterator<Item = usize> {
    let list = unused.list();
    let entries = list.entries();
    let mut head = String::new();
    let mut runs: Vec<(std::ops::Range<usize>, &'u [String])> = scope
        .iter()
        .filter_map(|(service, prefixes)| {
            head.clear();
            head.push_str(service);
            head.push(':');
            let start = entries.partition_point(|e| cmp_ci(list.name_of(e), &head).is_lt());
            let rest = entries.get(start..).unwrap_or(&[]);
            let len = rest.partition_point(|e| starts_with_ci(list.name_of(e), &head));
            (len > 0).then_some((start..start + len, prefixes.as_slice()))
        })
        .collect();
    // In the set's order (`s3-x:` sorts before `s3:`, unlike `s3` and `s3-x`).
    runs.sort_by_key(|(run, _)| run.start);
    runs.into_iter().flat_map(move |(run, prefixes)| {
        let mut at = 0usize;
        let start = run.start;
        entries
            .get(run)
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .filter(move |(_, e)| {
                let name = list.name_of(e);
                while let Some(prefix) = prefixes.get(at) {
                    if starts_with_ci(name, prefix) {
                        return true;
                    }
                    if cmp_ci(prefix, name).is_gt() {
                        return false;
                    }
                    at += 1;
                }
                false
            })
            .map(move |(i, _)| start + i)
    })
}

/// The indices (into the set's entries) of the actions [`in_scope`] keeps,
/// in the set's order: a job holds these, not a projected copy, and
/// projects from them when it runs ([`project_kept`]).
pub(super) fn kept_entries(unused: &UnusedSet, scope: &Scope) -> Vec<u32> {
    in_scope_entries(unused, scope)
        .filter_map(|i| u32::try_from(i).ok())
        .collect()
}

/// [`project`], from the entries [`kept_entries`] found.
pub(super) fn project_kept(unused: &UnusedSet, scope: &Scope, kept: &[u32]) -> UnusedSet {
    let mut out = UnusedSet::new();
    for service in unused.services() {
        if scope.contains_key(&service.name) {
            out.insert_service(&service.name, service.last_accessed.clone());
        }
    }
    let list = unused.list();
    let entries = list.entries();
    out.reserve(kept.len());
    for &i in kept {
        if let Some(entry) = entries.get(i as usize) {
            out.insert(list.action_of(entry));
        }
    }
    out
}

/// `unused_key(&project(unused, scope))`, without building the projection
/// (the jobs compare sets by [`kept_entries`] now; the tests hold them to this).
#[cfg(test)]
pub(super) fn projected_key(unused: &UnusedSet, scope: &Scope) -> String {
    let mut key = String::new();
    for service in unused.services() {
        if scope.contains_key(&service.name) {
            key.push_str(&service.name);
            key.push_str(":*\n");
        }
    }
    for action in in_scope(unused, scope) {
        push_lowercase(&mut key, action.name);
        key.push('\n');
    }
    key
}

/// Appends `text` ASCII-lowercased, without a lowercased copy of it.
#[cfg(test)]
fn push_lowercase(key: &mut String, text: &str) {
    // Copied whole, then lowercased in place: a key holds every unused
    // action of a principal, and pushing it a character at a time showed.
    let start = key.len();
    key.push_str(text);
    if let Some(copied) = key.get_mut(start..) {
        copied.make_ascii_lowercase();
    }
}

/// A canonical text of an unused set: two sets the jobs take for the same
/// have the same text.
#[cfg(test)]
pub(super) fn unused_key(set: &UnusedSet) -> String {
    let mut key = String::new();
    for service in set.services() {
        key.push_str(&service.name);
        key.push_str(":*\n");
    }
    for action in set.actions() {
        push_lowercase(&mut key, action.name);
        key.push('\n');
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(actions: &[&str]) -> Policy {
        let text = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": actions, "Resource": "*"},
                {"Effect": "Deny", "Action": "iam:*", "Resource": "*"},
            ],
        });
        Policy::parse(&text.to_string()).unwrap()
    }

    /// The rule `project` applies, written out for one action at a time.
    fn naive(unused: &UnusedSet, actions: &[&str]) -> Vec<String> {
        unused
            .actions()
            .filter(|action| {
                actions.iter().any(|entry| {
                    let pattern = Pattern::new(entry);
                    let (service, _) = crate::table::split_action(entry);
                    crate::table::split_action(action.name)
                        .0
                        .eq_ignore_ascii_case(service)
                        && crate::table::starts_with_ci(action.name, pattern.literal_prefix())
                })
            })
            .map(|a| a.name.to_string())
            .collect()
    }

    #[test]
    fn projection_keeps_what_an_entry_can_match() {
        let mut unused = UnusedSet::new();
        for name in [
            "s3:GetObject",
            "s3:GetBucketPolicy",
            "s3:PutObject",
            "s3-outposts:GetObject",
            "EC2:DescribeInstances",
            "ec2:RunInstances",
            "iam:PassRole",
            "sts:AssumeRole",
            "lambda:InvokeFunction",
        ] {
            unused.insert_action(name, None);
        }
        for actions in [
            &["s3:Get*", "s3:GetObject", "ec2:Describe*"][..],
            &["s3:*", "s3:Get*", "EC2:run*", "sts:AssumeRole"],
            &["S3-OUTPOSTS:*", "lambda:Invoke?unction", "s3:Put*"],
            &["iam:PassRole", "s3:g*"],
            &["nothing:here"],
        ] {
            let policy = policy(actions);
            let scope = scope_of(&policy).unwrap();
            let projected: Vec<String> = project(&unused, &scope)
                .actions()
                .map(|a| a.name.to_string())
                .collect();
            assert_eq!(projected, naive(&unused, actions), "{actions:?}");
            assert_eq!(
                projected_key(&unused, &scope),
                unused_key(&project(&unused, &scope)),
                "{actions:?}"
            );
        }
        // A wildcard service cannot be scoped.
        assert!(scope_of(&policy(&["s3*:Get*"])).is_none());
    }

    /// The projection merges each service's prefixes with its actions; it
    /// keeps what trying every entry on every action keeps, on random sets
    /// and random policies (prefixes of one another, case twins, services
    /// that start alike).
    #[test]
    fn projection_by_merging_keeps_what_each_entry_keeps() {
        let mut below = crate::test_rng::below(0x5c0e_u64);
        let services = ["s3", "s3-outposts", "S3", "ec2", "iam"];
        let parts = ["Get", "get", "Object", "Acl", "Put", "P", "X", "Bucket"];
        let name = |below: &mut dyn FnMut(usize) -> usize| {
            let mut n = format!("{}:", services[below(services.len())]);
            for _ in 0..below(4) {
                n.push_str(parts[below(parts.len())]);
            }
            n
        };
        let mut kept = 0usize;
        for round in 0..2_000 {
            let mut unused = UnusedSet::new();
            for _ in 0..below(40) {
                let action = name(&mut below);
                if !action.ends_with(':') {
                    unused.insert_action(&action, None);
                }
            }
            let entries: Vec<String> = (0..1 + below(8))
                .map(|_| {
                    let mut entry = name(&mut below);
                    match below(3) {
                        0 => entry.push('*'),
                        1 => entry.push_str("*Acl"),
                        _ => entry.push_str("Object"),
                    }
                    entry
                })
                .collect();
            let entries: Vec<&str> = entries.iter().map(String::as_str).collect();
            let policy = policy(&entries);
            let scope = scope_of(&policy).unwrap();
            let projected: Vec<String> = project(&unused, &scope)
                .actions()
                .map(|a| a.name.to_string())
                .collect();
            assert_eq!(
                projected,
                naive(&unused, &entries),
                "round {round}: {entries:?}"
            );
            kept += projected.len();
        }
        assert!(kept > 5_000, "{kept}");
    }

    /// `scope_of` as it was written with a parsed pattern per entry.
    fn scope_by_patterns(policy: &Policy) -> Option<Scope> {
        let mut scope = Scope::new();
        for statement in policy.statements() {
            if statement.effect() != Effect::Allow {
                continue;
            }
            if statement.key() == ActionKey::NotAction {
                return None;
            }
            for entry in statement.entries() {
                let pattern = Pattern::new(entry);
                let service = if pattern.is_literal() {
                    match entry.split_once(':') {
                        Some((service, _)) => service,
                        None => continue,
                    }
                } else {
                    pattern.fixed_service()?
                };
                scope
                    .entry(service.to_ascii_lowercase())
                    .or_default()
                    .push(pattern.literal_prefix().to_ascii_lowercase());
            }
        }
        for prefixes in scope.values_mut() {
            prefixes.sort();
            prefixes.dedup_by(|longer, shorter| longer.starts_with(shorter.as_str()));
        }
        Some(scope)
    }

    /// The scope read without parsing patterns is the one read with them,
    /// on random entries: wildcards before, at and after the colon, none,
    /// entries without a colon, services in any case, Deny and NotAction.
    #[test]
    fn scope_without_patterns_is_the_scope_with_them() {
        let mut below = crate::test_rng::below(0x5c09);
        let pieces = ["s3", "S3", "ec2", ":", "Get", "*", "?", "Object", "x-y"];
        let mut scoped = 0usize;
        for round in 0..3_000 {
            let statements: Vec<serde_json::Value> = (0..1 + below(3))
                .map(|_| {
                    let entries: Vec<String> = (0..1 + below(5))
                        .map(|_| {
                            let mut entry = String::new();
                            if below(4) > 0 {
                                entry.push_str(["s3:", "S3:", "ec2:", "Ec2-x:"][below(4)]);
                            }
                            for _ in 0..below(4) {
                                entry.push_str(pieces[below(pieces.len())]);
                            }
                            entry
                        })
                        .collect();
                    let effect = if below(6) == 0 { "Deny" } else { "Allow" };
                    let key = if below(12) == 0 {
                        "NotAction"
                    } else {
                        "Action"
                    };
                    serde_json::json!({"Effect": effect, key: entries, "Resource": "*"})
                })
                .collect();
            let text = serde_json::json!({"Version": "2012-10-17", "Statement": statements});
            let policy = Policy::parse(&text.to_string()).unwrap();
            let scope = scope_of(&policy);
            assert_eq!(scope, scope_by_patterns(&policy), "round {round}: {text}");
            scoped += usize::from(scope.is_some_and(|s| !s.is_empty()));
        }
        assert!(scoped > 1_000 && scoped < 2_900, "{scoped}");
    }
}
