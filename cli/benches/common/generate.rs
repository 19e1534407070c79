//! Seeded unused lists: which of the actions a policy grants a principal
//! "did not use". Deterministic for a seed, so every run measures the same work.

use pare_engine::UnusedSet;
use pare_engine::table::split_action;

/// SplitMix64: tiny, fast, and good enough to draw test inputs.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is `0`).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// `true` with probability `percent` / 100.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// An unused list over `granted` (sorted, the actions a policy grants): a
/// density drawn per list, a few services reported wholly unused, and now
/// and then an action the catalog does not know.
pub fn unused_list(rng: &mut Rng, granted: &[String]) -> UnusedSet {
    let density = [5, 20, 50, 80, 95];
    let density = density
        .get(rng.below(density.len() as u64) as usize)
        .copied()
        .unwrap_or(50);
    let mut set = UnusedSet::new();
    let mut current_service: Option<(&str, bool)> = None;
    for action in granted {
        let service = split_action(action).0;
        let whole = match current_service {
            Some((s, whole)) if s.eq_ignore_ascii_case(service) => whole,
            _ => {
                let whole = rng.percent(10);
                current_service = Some((service, whole));
                if whole {
                    set.insert_service(service, None);
                }
                whole
            }
        };
        if !whole && rng.percent(density) {
            set.insert_action(action, None);
        }
    }
    if rng.percent(5) {
        if let Some(action) = granted.get(rng.below(granted.len() as u64) as usize) {
            let service = split_action(action).0;
            set.insert_action(&format!("{service}:FutureAction{}", rng.below(100)), None);
        }
    }
    set
}
