//! What of an unused set can matter to a policy, and the keys that let jobs share work.

use super::*;

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
            let pattern = Pattern::new(entry);
            let service = if pattern.is_literal() {
                // A literal without a colon matches no action.
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
    for action in unused.actions() {
        if action_in_scope(&action.name, scope) {
            out.insert(action.clone());
        }
    }
    out
}

/// Whether an unused action starts with the literal part of an entry of its service.
pub(super) fn action_in_scope(name: &str, scope: &Scope) -> bool {
    let service = crate::table::split_action(name).0;
    // A set's names have their service lowercased already (see
    // `UnusedSet::insert_action`), so most lookups need no lowercased copy.
    let prefixes = match scope.get(service) {
        Some(prefixes) => prefixes,
        None if service.bytes().any(|b| b.is_ascii_uppercase()) => {
            match scope.get(&service.to_ascii_lowercase()) {
                Some(prefixes) => prefixes,
                None => return false,
            }
        }
        None => return false,
    };
    prefixes
        .iter()
        .any(|p| crate::table::starts_with_ci(name, p))
}

/// `unused_key(&project(unused, scope))`, without building the projection.
pub(super) fn projected_key(unused: &UnusedSet, scope: &Scope) -> String {
    let mut key = String::new();
    for service in unused.services() {
        if scope.contains_key(&service.name) {
            key.push_str(&service.name);
            key.push_str(":*\n");
        }
    }
    for action in unused.actions() {
        if action_in_scope(&action.name, scope) {
            key.push_str(&action.name.to_ascii_lowercase());
            key.push('\n');
        }
    }
    key
}

/// A canonical text of an unused set, for telling identical sets apart cheaply.
pub(super) fn unused_key(set: &UnusedSet) -> String {
    let mut key = String::new();
    for service in set.services() {
        key.push_str(&service.name);
        key.push_str(":*\n");
    }
    for action in set.actions() {
        key.push_str(&action.name.to_ascii_lowercase());
        key.push('\n');
    }
    key
}
