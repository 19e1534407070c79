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

pub mod account;
pub mod error;
pub mod events;
pub mod explain;
pub mod json;
pub mod known;
pub mod pattern;
pub mod policy;
pub mod recommendation;
pub mod refine;
pub mod table;
pub mod time;
pub mod trie;
pub mod unused;
pub mod usage;
pub mod verify;

/// The former home of [`usage`] and [`time`], kept so that callers move over
/// one at a time.
pub mod sources {
    pub use crate::time::{CATALOG_MAX_AGE_DAYS, Timestamp, Window, catalog_staleness};
    pub use crate::usage::*;
}

pub use error::{Error, ErrorKind, Location};
pub use events::{EventLookup, EventMapping, EventTable};
pub use known::Known;
pub use pattern::Pattern;
pub use policy::{ActionKey, Effect, Policy, PolicyInput, PolicyKind, Statement};
pub use refine::{
    Change, Code, Diagnostic, DiagnosticCode, Diagnostics, Edit, Edits, Options, RecommendedAction,
    RefineOptions, Refinement, refine,
};
pub use table::{AccessLevel, ActionTable, KnownAction};
pub use unused::{Finding, UnusedSet};
pub use verify::{Verification, Violation, ViolationKind, verify};
