//! Fuzzes the unused-list and findings readers: a value or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pare_engine::UnusedSet;
use pare_engine::parse_findings;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(set) = UnusedSet::parse(text) {
        // Every action read back is one the set contains.
        for action in set.actions() {
            assert!(set.contains(action.name));
        }
    }
    if let Ok(findings) = parse_findings(text) {
        for finding in &findings {
            let _ = finding.is_active();
        }
    }
});
