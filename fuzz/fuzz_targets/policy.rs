//! Fuzzes policy reading in every input form: it must return a value or an
//! error with a location, never panic, and a policy it reads must print and
//! read back to the same statements.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pare_engine::parse_policy_input;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(input) = parse_policy_input(text) {
        let printed = input.policy.to_pretty_string();
        let again = pare_engine::Policy::parse(&printed).unwrap();
        assert_eq!(again.statements(), input.policy.statements());
        let _ = input.policy.size();
    }
});
