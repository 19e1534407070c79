//! The one random number generator of the test data.

/// splitmix64 (Steele, Lea, Flood 2014): tiny, seedable, the same on every
/// platform, and good enough to pick actions; never for anything secret.
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

    /// True with probability `percent / 100` (one draw, like [`Rng::chance`],
    /// but a different one: the synthetic account's draws are pinned).
    pub fn chance_percent(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// One item of `items`, if any.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let i = self.below(items.len());
        items.get(i)
    }

    /// `bytes` after one to three random edits, each a byte dropped,
    /// doubled, or replaced by one of `punctuation`: the hostile variations
    /// the readers' tests hold a fast path to its reference on.
    pub fn edit(&mut self, bytes: &[u8], punctuation: &[u8]) -> Vec<u8> {
        let mut edited = bytes.to_vec();
        for _ in 0..1 + self.below(3) {
            let at = self.below(edited.len());
            match self.below(3) {
                0 if at < edited.len() => {
                    edited.remove(at);
                }
                1 => {
                    if let Some(&byte) = edited.get(at) {
                        edited.insert(at, byte);
                    }
                }
                _ => {
                    if let (Some(slot), Some(&byte)) = (edited.get_mut(at), self.pick(punctuation))
                    {
                        *slot = byte;
                    }
                }
            }
        }
        edited
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn the_same_seed_draws_the_same_numbers() {
        let draws = |seed| {
            let mut rng = Rng::new(seed);
            (0..4).map(|_| rng.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
        assert_ne!(draws(7), draws(8));
        // splitmix64's first output for seed 0, as published with the algorithm.
        assert_eq!(Rng::new(0).next_u64(), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn below_and_pick_stay_in_range() {
        let mut rng = Rng::new(1);
        assert_eq!(rng.below(0), 0);
        assert!((0..100).all(|_| rng.below(3) < 3));
        assert_eq!(rng.pick::<u8>(&[]), None);
        assert!(rng.pick(&[1, 2, 3]).is_some());
    }
}
