//! The pure refinement engine of `pare`: cut unused permissions out of IAM policies.
//!
//! No I/O, no clock, no network: it takes text and a borrowed action table and
//! returns values. The catalog comes in as an [`ActionTable`], so tests use
//! tables of a few rows:
//!
//! ```
//! use pare_engine::{AccessLevel, ActionTable, KnownAction, RefineOptions, Policy, UnusedSet, refine};
//!
//! const ROWS: &[KnownAction] = &[
//!     KnownAction::new_static("s3:GetBucketPolicy", AccessLevel::READ, true),
//!     KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
//!     KnownAction::new_static("s3:GetObjectAcl", AccessLevel::READ, true),
//! ];
//! let table = ActionTable::new(ROWS).unwrap();
//! let policy = Policy::parse(
//!     r#"{"Version": "2012-10-17",
//!         "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}"#,
//! )
//! .unwrap();
//! let unused = UnusedSet::parse("s3:GetBucketPolicy").unwrap();
//!
//! let refined = refine(&policy, &unused, table, &RefineOptions::default());
//! assert_eq!(refined.policy.statements()[0].entries(), ["s3:GetObject*"]);
//! assert!(pare_engine::verify(&policy, &refined.policy, &unused, table).is_ok());
//! ```

// The public modules are the two features with a vocabulary of their own
// (`account`: the planner's model and plan; `usage`: where "unused" comes
// from, one file per source) and the one AWS format the engine both reads and
// writes (`recommendation`). Everything else is private and re-exported below,
// so that a caller names `pare_engine::Policy`, never the file it lives in.
pub mod account;
pub mod recommendation;
pub mod usage;

mod error;
mod events;
mod explain;
mod json;
mod known;
mod pattern;
mod policy;
mod refine;
mod table;
mod time;
mod trie;
mod unused;
mod verify;

#[cfg(test)]
mod test_rng;

pub use error::{Error, ErrorKind, Location};
pub use events::{EventLookup, EventMapping, EventTable};
pub use explain::{ExplainNode, Explanation, NodeKind, Verdict, explain};
pub use json::parse as parse_json;
pub use known::Known;
pub use pattern::Pattern;
pub use policy::{
    ActionKey, Effect, MAX_INPUT_BYTES, Policy, PolicyInput, PolicyKind, Statement,
    parse_policy_input,
};
pub use recommendation::RecommendedAction;
pub use refine::{
    Change, Diagnostic, DiagnosticCode, Diagnostics, Edit, Edits, RefineOptions, Refinement,
    RemovalReason, refine,
};
pub use table::{
    AccessLevel, ActionTable, KnownAction, LookupIndex, cmp_ci, split_action, starts_with_ci,
};
pub use time::{CATALOG_MAX_AGE_DAYS, Timestamp, Window, catalog_staleness};
pub use trie::Unsafe;
pub use unused::{
    Finding, FindingsReader, UnusedRead, UnusedSet, parse_findings, read_unused, read_unused_owned,
};
pub use verify::{Verification, VerifyChecks, Violation, ViolationKind, verify, verify_checking};

/// The two walks of the generalization trie (by service, and over the whole
/// table), for the property test that checks they agree. Not part of the API.
#[doc(hidden)]
pub use refine::{generalize, generalize_trie};
