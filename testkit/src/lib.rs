//! Generated test data for pare's tests and benchmarks, in one place:
//!
//! - [`synthetic`]: an account of roles, shared policies and findings, for
//!   `pare account`'s tests and benchmarks;
//! - [`unused_list`] and its helpers: seeded unused lists over real policies,
//!   for the engine's property tests and the corpus benchmarks (the same
//!   lists in both);
//! - [`fixtures`]: what the benchmarks read (the article's example, the
//!   catalog they run against, the managed-policy corpus with its lists).
//!
//! Everything is deterministic: a seed gives the same data on every machine.
//! The crate is never published and only ever a dev-dependency, so the
//! engine's public API carries no test-data generation.

mod rng;
mod unused;

pub mod fixtures;
pub mod synthetic;

pub use rng::Rng;
pub use unused::{Density, MAX_SERVICES, SEED, granted_by_service, to_article_json, unused_list};

/// A policy of about `bytes` bytes (at least one statement): the same
/// ordinary statement again and again, as a generator gone wrong or a
/// concatenation of files would produce. Used by the tests and the
/// benchmark of policies near the size the engine reads.
pub fn repeated_statements_policy(bytes: usize) -> String {
    let statement = r#"{"Sid":"S","Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:Get*","ec2:Describe*","lambda:InvokeFunction"],"Resource":"arn:aws:s3:::bucket/*"}"#;
    let mut text = String::with_capacity(bytes + statement.len() + 64);
    text.push_str(r#"{"Version":"2012-10-17","Statement":["#);
    while text.len() < bytes {
        text.push_str(statement);
        text.push(',');
    }
    text.push_str(statement);
    text.push_str("]}");
    text
}

/// FNV-1a of a text, to pin generated data in a test.
#[cfg(test)]
fn digest(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
