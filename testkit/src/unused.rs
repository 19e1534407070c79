//! Seeded random unused lists for real policies, shared by the engine's
//! property tests and the benchmarks, so that both see the very same lists.
//!
//! Deterministic by construction: a fixed seed gives the same lists on every
//! machine, so a failure names a policy and a seed that reproduce it.

use std::collections::BTreeMap;

use pare_engine::split_action;
use pare_engine::{ActionKey, Effect};
use pare_engine::{Known, Pattern, Policy, UnusedSet};

use crate::Rng;

/// The seed of the property tests' lists, fixed so that CI runs the same
/// lists every time; the corpus benchmarks draw with it too, so list `n` of
/// a policy there is list `n` here.
pub const SEED: u64 = 0x7061_7265_2d76_6572;

/// How much of what a policy grants goes unused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Density {
    /// About one action in ten.
    Sparse,
    /// About half.
    Half,
    /// Nearly all (19 in 20).
    NearlyAll,
}

impl Density {
    /// Every density, sparse first.
    pub const ALL: [Density; 3] = [Density::Sparse, Density::Half, Density::NearlyAll];

    fn per_mille(self) -> u32 {
        match self {
            Density::Sparse => 100,
            Density::Half => 500,
            Density::NearlyAll => 950,
        }
    }
}

/// The known actions that the policy's Allow statements grant, by service
/// (lowercase prefix), each list sorted as K is. Expanded with plain pattern
/// matching, independently of the refinement.
pub fn granted_by_service(policy: &Policy, known: &Known<'_>) -> BTreeMap<String, Vec<String>> {
    let mut granted: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut all: Option<Vec<&str>> = None;
    for statement in policy.statements() {
        if statement.effect() != Effect::Allow {
            continue;
        }
        let patterns: Vec<Pattern> = statement
            .entries()
            .iter()
            .map(|e| Pattern::new(e))
            .collect();
        let actions: Vec<&str> = match statement.key() {
            ActionKey::Action => patterns
                .iter()
                .flat_map(|p| {
                    known
                        .with_prefix(p.literal_prefix())
                        .into_iter()
                        .filter(|a| p.matches(a))
                })
                .collect(),
            ActionKey::NotAction => all
                .get_or_insert_with(|| known.all())
                .iter()
                .copied()
                .filter(|a| !patterns.iter().any(|p| p.matches(a)))
                .collect(),
        };
        for action in actions {
            let service = split_action(action).0.to_ascii_lowercase();
            granted.entry(service).or_default().push(action.to_string());
        }
    }
    for actions in granted.values_mut() {
        actions.sort_by_key(|a| a.to_ascii_lowercase());
        actions.dedup();
    }
    granted
}

/// Draws services from when a policy grants many (`*`, NotAction, read-only
/// policies): the rest of its services stay wholly used.
pub const MAX_SERVICES: usize = 12;

/// A seeded unused list for a policy that grants `granted`:
/// - in up to [`MAX_SERVICES`] of its services, each action with the density's
///   probability, one in ten of them spelled in lower or upper case;
/// - some services wholly unused (more often when the density is high);
/// - sometimes an action the catalog does not know, of a service the policy
///   grants (`s3:GetSomethingNew3`), which a wildcard of the policy may match;
/// - sometimes an action or a whole service the policy does not grant.
pub fn unused_list(
    granted: &BTreeMap<String, Vec<String>>,
    rng: &mut Rng,
    density: Density,
) -> UnusedSet {
    let mut unused = UnusedSet::new();
    let mut services: Vec<&String> = granted.keys().collect();
    while services.len() > MAX_SERVICES {
        let i = rng.below(services.len());
        services.remove(i);
    }
    let whole_per_mille = match density {
        Density::Sparse => 40,
        Density::Half => 100,
        Density::NearlyAll => 250,
    };
    for service in &services {
        if rng.chance(whole_per_mille) {
            unused.insert_service(service, None);
            continue;
        }
        for action in granted.get(*service).map(Vec::as_slice).unwrap_or(&[]) {
            if rng.chance(density.per_mille()) {
                // Names compare case-insensitively; a plain-text list may not
                // use AWS's spelling.
                let spelled = match rng.below(20) {
                    0 => action.to_ascii_lowercase(),
                    1 => action.to_ascii_uppercase(),
                    _ => action.clone(),
                };
                unused.insert_action(&spelled, None);
            }
        }
    }
    if rng.chance(500) {
        if let Some(service) = rng.pick(&services) {
            let verb = rng
                .pick(&["Get", "List", "Put", "Describe", "Create"])
                .unwrap_or(&"Get");
            let n = rng.below(10);
            unused.insert_action(&format!("{service}:{verb}SomethingNew{n}"), None);
        }
    }
    if rng.chance(250) {
        let n = rng.below(3);
        if rng.chance(500) {
            unused.insert_service(&format!("brandnewservice{n}"), None);
        } else {
            unused.insert_action(&format!("brandnewservice{n}:DoThings"), None);
        }
    }
    unused
}

/// The list in the founding article's format, to print with a failure.
pub fn to_article_json(unused: &UnusedSet) -> String {
    let mut by_service: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for action in unused.actions() {
        let (service, name) = split_action(action.name);
        by_service
            .entry(service.to_string())
            .or_default()
            .push(name.to_string());
    }
    let mut items: Vec<serde_json::Value> = Vec::new();
    for service in unused.services() {
        items.push(serde_json::json!({ "serviceNamespace": service.name }));
    }
    for (service, actions) in by_service {
        if unused.is_service_unused(&service) {
            continue;
        }
        items.push(serde_json::json!({ "serviceNamespace": service, "actions": actions }));
    }
    serde_json::to_string(&items).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use pare_engine::{Known, Policy, UnusedSet};

    use super::{Density, SEED, granted_by_service, to_article_json, unused_list};
    use crate::fixtures::small_catalog;
    use crate::{Rng, digest};

    const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":["s3:Get*","lambda:Invoke*"],"Resource":"*"},
        {"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}"#;

    fn lists() -> Vec<String> {
        let policy = Policy::parse(POLICY).unwrap();
        let known = Known::new(small_catalog(), [&policy], &UnusedSet::new());
        let granted = granted_by_service(&policy, &known);
        Density::ALL
            .iter()
            .zip(0u64..)
            .map(|(density, n)| {
                let mut rng = Rng::for_case(SEED, "Policy", n);
                to_article_json(&unused_list(&granted, &mut rng, *density))
            })
            .collect()
    }

    #[test]
    fn granted_expands_allow_statements_only() {
        let policy = Policy::parse(POLICY).unwrap();
        let known = Known::new(small_catalog(), [&policy], &UnusedSet::new());
        let granted = granted_by_service(&policy, &known);
        assert_eq!(granted.keys().collect::<Vec<_>>(), ["lambda", "s3"]);
        assert_eq!(
            granted["lambda"],
            ["lambda:InvokeAsync", "lambda:InvokeFunction"]
        );
        // The Deny does not take s3:GetObject away: this is what is granted
        // by Allow statements, before any refinement.
        assert!(granted["s3"].iter().any(|a| a == "s3:GetObject"));
    }

    /// Pinned like the synthetic account: the property tests and the corpus
    /// benchmarks draw these lists, and a seed must keep naming the same ones.
    #[test]
    fn the_lists_are_pinned() {
        assert_eq!(lists(), lists());
        let digests: Vec<u64> = lists().iter().map(|l| digest(l)).collect();
        assert_eq!(
            digests,
            [
                0x2451_a77b_6496_ffaa,
                0x1df2_4df4_23a5_1e22,
                0x2722_5bf5_9642_e496
            ]
        );
    }
}
