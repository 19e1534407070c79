//! The property tests' draws: a fixed linear congruential generator, so
//! each test draws the same cases on every run.

/// `below(n)` draws a number under `n` (which must not be 0), from `seed`.
pub(crate) fn below(mut seed: u64) -> impl FnMut(usize) -> usize {
    move |n| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(seed >> 33).unwrap_or(0) % n
    }
}
