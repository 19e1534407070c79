//! Where "unused" comes from: Access Analyzer findings, IAM's last-accessed
//! data, or a list of the actions a workload was seen to use.
//!
//! Each source turns into the same [`UnusedSet`] that [`crate::refine()`] reads,
//! plus a [`SourceReport`] that says what was inferred and what was kept on
//! purpose. The danger this module guards against is mistaking "not tracked"
//! for "not used": IAM records action-level last access only for some actions,
//! and some permissions (`iam:PassRole` is the classic one) are never an API
//! call of their own, so no log ever shows them. Such actions are never
//! inferred unused from last-accessed data at the action level, nor from a
//! used-list: they stay granted, and the report counts them. A service that
//! was never called at all is the one case where untracked actions go:
//! service-level data counts every request to the service, whichever action
//! it was for (its permission-only actions still stay).
//!
//! Pure like the rest of the engine: the reference date is a parameter
//! ([`Window`]), never read from a clock.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, Location};
use crate::json;
use crate::known::Known;
use crate::pattern::Pattern;
use crate::policy::{ActionKey, Effect, Policy, join, kind};
use crate::table::{AccessLevel, ActionTable, split_action};
use crate::time::*;
pub use crate::unused::ActionNames;
use crate::unused::{UnusedSet, is_action_name, is_service_name};

mod cloudtrail;
mod data_events;
mod findings;
mod last_accessed;
mod no_permission;
mod permission_only;
mod trail_config;
mod usage_file;
mod used_list;

#[cfg(test)]
mod tests;

pub use cloudtrail::*;
pub use data_events::*;
pub use findings::*;
pub use last_accessed::*;
pub(crate) use no_permission::*;
pub use permission_only::*;
pub use trail_config::*;
pub use usage_file::*;
pub use used_list::*;

// ---------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------

/// Which source an inference came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UsageSource {
    /// Access Analyzer unused-access findings (`--unused`).
    Findings,
    /// `aws iam get-service-last-accessed-details` output (`--last-accessed`).
    LastAccessed,
    /// The actions a workload was seen to use (`--used`).
    UsedList,
    /// CloudTrail logs (`--cloudtrail`), or a usage file made from them.
    #[serde(rename = "cloudtrail")]
    CloudTrail,
}

impl UsageSource {
    /// How the report names it.
    pub fn describe(self) -> &'static str {
        match self {
            UsageSource::Findings => "access analyzer findings",
            UsageSource::LastAccessed => "iam last-accessed data",
            UsageSource::UsedList => "used-action list",
            UsageSource::CloudTrail => "cloudtrail",
        }
    }
}

/// A wildcard entry that survives only because of actions kept on purpose:
/// every other action it grants is unused, so without them it would be removed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeptAlive {
    /// The policy's index among the policies the source was given (always 0
    /// for `pare refine`, which gives one).
    pub policy: usize,
    /// The statement's index in the policy.
    pub statement: usize,
    /// The wildcard entry as written.
    pub entry: String,
    /// The untracked or permission-only actions it still grants.
    pub kept: Vec<String>,
}

/// What one source implied, for the user to check.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceReport {
    /// The source.
    pub source: UsageSource,
    /// Services inferred wholly unused (never used, or not within the window).
    pub services_never_used: Vec<String>,
    /// Actions inferred unused one by one, sorted. Findings share the
    /// unused set's storage: they can list millions of actions.
    pub actions_unused: ActionNames,
    /// Granted actions whose use this source cannot see (IAM does not track
    /// their last access, or the catalog does not know them): kept granted.
    pub untracked_kept: Vec<String>,
    /// Granted [`PERMISSION_ONLY`] actions: kept granted.
    pub permission_only_kept: Vec<String>,
    /// Wildcard entries kept only because of the kept actions above.
    pub wildcards_kept_alive: Vec<KeptAlive>,
    /// Findings entries used within `--unused-since` days, so no longer unused.
    pub recently_used: Vec<String>,
    /// Anything else worth knowing, one sentence each.
    pub notes: Vec<String>,
}

impl SourceReport {
    fn new(source: UsageSource) -> SourceReport {
        SourceReport {
            source,
            services_never_used: Vec::new(),
            actions_unused: ActionNames::new(),
            untracked_kept: Vec::new(),
            permission_only_kept: Vec::new(),
            wildcards_kept_alive: Vec::new(),
            recently_used: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// How many distinct kept actions (untracked or permission-only) keep a wildcard alive.
    pub fn actions_keeping_wildcards(&self) -> usize {
        self.wildcards_kept_alive
            .iter()
            .flat_map(|k| k.kept.iter().map(|a| a.to_ascii_lowercase()))
            .collect::<BTreeSet<String>>()
            .len()
    }
}

/// A source turned into an unused set, with what it implied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inference {
    /// The unused set to refine against.
    pub unused: UnusedSet,
    /// What was inferred and kept.
    pub report: SourceReport,
}

// ---------------------------------------------------------------------------
// What a set of policies grants
// ---------------------------------------------------------------------------

/// The known actions one Allow entry (or a NotAction statement) grants.
struct EntryGrant {
    policy: usize,
    statement: usize,
    entry: String,
    wildcard: bool,
    actions: Vec<String>,
}

/// Every known action the Allow statements of `policies` grant, per entry.
fn grants(policies: &[&Policy], known: &Known<'_>) -> Vec<EntryGrant> {
    let mut out = Vec::new();
    for (policy_index, policy) in policies.iter().enumerate() {
        for (index, statement) in policy.statements().iter().enumerate() {
            if statement.effect() != Effect::Allow {
                continue;
            }
            match statement.key() {
                ActionKey::Action => {
                    for entry in statement.entries() {
                        let pattern = Pattern::new(entry);
                        out.push(EntryGrant {
                            policy: policy_index,
                            statement: index,
                            entry: pattern.as_str().to_string(),
                            wildcard: !pattern.is_literal(),
                            actions: owned(known.matching(&pattern)),
                        });
                    }
                }
                ActionKey::NotAction => out.push(EntryGrant {
                    policy: policy_index,
                    statement: index,
                    entry: "NotAction".to_string(),
                    wildcard: false,
                    actions: owned(known.granted_by(statement)),
                }),
            }
        }
    }
    out
}

fn owned(names: Vec<&str>) -> Vec<String> {
    names.into_iter().map(str::to_string).collect()
}

/// The granted actions, deduplicated case-insensitively, sorted.
fn granted_set(grants: &[EntryGrant]) -> BTreeMap<String, String> {
    let mut set = BTreeMap::new();
    for grant in grants {
        for action in &grant.actions {
            set.entry(action.to_ascii_lowercase())
                .or_insert_with(|| action.clone());
        }
    }
    set
}

/// The wildcard entries that stay only because of `kept` (lowercased names).
fn kept_alive(
    grants: &[EntryGrant],
    unused: &UnusedSet,
    kept: &BTreeSet<String>,
) -> Vec<KeptAlive> {
    let mut out = Vec::new();
    for grant in grants.iter().filter(|g| g.wildcard) {
        let held: Vec<String> = grant
            .actions
            .iter()
            .filter(|a| kept.contains(&a.to_ascii_lowercase()))
            .cloned()
            .collect();
        let rest_unused = grant
            .actions
            .iter()
            .filter(|a| !kept.contains(&a.to_ascii_lowercase()))
            .all(|a| unused.contains(a));
        if !held.is_empty() && rest_unused {
            out.push(KeptAlive {
                policy: grant.policy,
                statement: grant.statement,
                entry: grant.entry.clone(),
                kept: held,
            });
        }
    }
    out
}
