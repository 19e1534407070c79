//! Seeded random unused lists for real policies, shared by the property tests
//! and the benchmarks (include it with `#[path = ".../testgen.rs"] mod testgen;`).
//!
//! Deterministic by construction: a fixed seed gives the same lists on every
//! machine, so a failure names a policy and a seed that reproduce it. No
//! dependency beyond the engine: the generator is splitmix64.

#![allow(dead_code)]

use std::collections::BTreeMap;

use pare_engine::split_action;
use pare_engine::{ActionKey, Effect};
use pare_engine::{Known, Pattern, Policy, UnusedSet};

/// splitmix64 (Steele, Lea, Flood 2014): tiny, fast, and good enough to pick
/// actions; never for anything secret.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator with this seed.
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// A generator for one (policy, list) pair, so that each pair's list
    /// does not depend on how many numbers earlier pairs drew.
    pub fn for_case(seed: u64, name: &str, list: u64) -> Rng {
        // FNV-1a over the name, mixed with the seed and the list number.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in name.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        let mut rng = Rng::new(seed ^ hash ^ list.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        rng.next_u64();
        rng
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0). The modulo bias is irrelevant here.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.next_u64() % 1000 < u64::from(per_mille)
    }

    /// One item of `items`, if any.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let i = self.below(items.len());
        items.get(i)
    }
}

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
        let (service, name) = split_action(&action.name);
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
