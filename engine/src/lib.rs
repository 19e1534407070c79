//! The pure refinement engine of `pare`.
//!
//! No I/O, no clock, no network: it takes text and a borrowed action table and returns values.

pub mod table;

pub use table::{AccessLevel, ActionTable, KnownAction};
pub mod pattern;
pub use pattern::Pattern;
pub mod error;
pub mod json;
pub use error::{Error, ErrorKind, Location};
pub mod policy;
pub use policy::{ActionKey, Effect, Policy, PolicyInput, PolicyKind, Statement};
pub mod unused;
pub use unused::{Finding, UnusedSet};
pub mod known;
pub mod refine;
pub mod trie;
pub mod explain;
pub use known::Known;
pub use refine::{Change, Code, Diagnostic, Edit, Options, RecommendedAction, Refinement, refine};
pub mod verify;
pub use verify::{Verification, Violation, ViolationKind, verify};
pub mod account;
pub mod sources;
