//! Fuzzes the refinement against the real catalog compiled into pare (about
//! 22,000 actions of 455 services), where the `refine` target has 23
//! actions: a policy and an unused list (separated by a NUL byte) refined
//! with and without wildcards must pass `verify`, refining the result again
//! must change nothing, and every wildcard's prefix coverage must agree with
//! matching on the catalog's names.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pare_engine::{VerifyChecks, verify_checking};
use pare_engine::{RefineOptions, Pattern, UnusedSet, refine};

/// Wildcards that span the whole catalog cost up to a tenth of a second
/// each; more than this many would turn a correctness run into a time-out.
const MAX_WILDCARDS: usize = 8;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some((policy_text, unused_text)) = text.split_once('\0') else {
        return;
    };
    let Ok(input) = pare_engine::parse_policy_input(policy_text) else {
        return;
    };
    let Ok(unused) = UnusedSet::parse(unused_text) else {
        return;
    };
    let wildcards: Vec<&str> = input
        .policy
        .statements()
        .iter()
        .flat_map(|s| s.entries())
        .map(String::as_str)
        .filter(|e| e.contains(['*', '?']))
        .collect();
    if wildcards.len() > MAX_WILDCARDS {
        return;
    }
    let table = pare_catalog::embedded();
    for wildcards in [true, false] {
        let options = RefineOptions {
            wildcards,
            ..RefineOptions::default()
        };
        let refined = refine(&input.policy, &unused, table, &options);
        // Conciseness is not judged here: its brute-force check over the
        // 22,000 actions of the embedded catalog takes seconds for a wildcard
        // that spans every service (the `refine` target and the property
        // tests check it); the other five guarantees are.
        let checks = VerifyChecks { concise: false };
        let verification =
            verify_checking(&input.policy, &refined.policy, &unused, table, &checks);
        assert!(
            verification.is_ok(),
            "verify failed (wildcards: {wildcards}):\n{verification}\npolicy: {policy_text}\nunused: {unused_text}\nrefined: {}",
            refined.policy.to_compact_string()
        );
        let again = refine(&refined.policy, &unused, table, &options);
        assert!(
            !again.changed(),
            "refining twice changed {:?}\nrefined: {}",
            again.edits,
            refined.policy.to_compact_string()
        );
    }
    // A prefix a pattern covers is matched, and so is every catalog action
    // that starts with it.
    for entry in wildcards {
        let pattern = Pattern::new(entry);
        for name in table.with_prefix(pattern.literal_prefix()).iter().take(200) {
            let name: &str = &name.name;
            for cut in (0..=name.len()).filter(|&i| name.is_char_boundary(i)) {
                let Some(prefix) = name.get(..cut) else {
                    continue;
                };
                if pattern.covers_prefix(prefix) {
                    assert!(pattern.matches(prefix), "`{entry}` covers `{prefix}`");
                    assert!(pattern.matches(name), "`{entry}` covers `{prefix}`, not `{name}`");
                }
            }
        }
    }
});
