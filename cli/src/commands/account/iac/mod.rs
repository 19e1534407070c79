//! `pare account --terraform DIR --terraform-state FILE` and
//! `--cloudformation TEMPLATE --stack-resources FILE`: the plan's changes to
//! policies that the code holds become patches of the code, not `apply.sh`
//! commands.
//!
//! The state (or the stack's resources) says which resource of the code is
//! which policy of the account. Each such policy is refined in its source as
//! `pare refine FILE --resource` would (only action lists change), against
//! what every principal it reaches leaves unused, verified, and read back.
//! The user's files are never written: each changed file becomes one unified
//! diff in the plan, to apply with `git apply` (or `patch -p1`) from the
//! Terraform root or the template's directory.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use pare_engine::account::{Account, Decision, Plan, PolicyRef};
use pare_engine::{ActionTable, UnusedSet};
use pare_iac::Document;
use pare_iac::state::Identity;

use super::Layout;
use crate::error::Error;
use crate::input;
use crate::safe::Escaped;

/// The options that name the code, as clap reads them.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct CodeArgs {
    /// The Terraform root module the account's policies come from: policies
    /// it (or a local module under it) holds are changed by a patch in the
    /// plan (`--out DIR/terraform/*.patch`) instead of by `apply.sh`. Needs
    /// `--terraform-state`.
    #[arg(long, value_name = "DIR", requires = "terraform_state")]
    pub terraform: Option<PathBuf>,

    /// The output of `terraform show -json` for that root module's state:
    /// which resource is which policy of the account.
    #[arg(long, value_name = "FILE", requires = "terraform")]
    pub terraform_state: Option<PathBuf>,

    /// A CloudFormation or SAM template (JSON or YAML) the account's
    /// policies come from: policies it holds are changed by a patch in the
    /// plan (`--out DIR/cloudformation/*.patch`) instead of by `apply.sh`.
    /// Needs `--stack-resources`.
    #[arg(long, value_name = "TEMPLATE", requires = "stack_resources")]
    pub cloudformation: Option<PathBuf>,

    /// The output of `aws cloudformation describe-stack-resources` for the
    /// template's stack: the physical name or ARN of each logical id.
    #[arg(long, value_name = "FILE", requires = "cloudformation")]
    pub stack_resources: Option<PathBuf>,
}

impl CodeArgs {
    /// Whether any code was named.
    pub fn any(&self) -> bool {
        self.terraform.is_some() || self.cloudformation.is_some()
    }

    /// Refuses a path that is not there before any work, as `--out` is.
    pub(super) fn check(&self) -> Result<(), Error> {
        let paths = [
            (&self.terraform, true),
            (&self.terraform_state, false),
            (&self.cloudformation, false),
            (&self.stack_resources, false),
        ];
        for (path, dir) in paths {
            let Some(path) = path else { continue };
            match std::fs::metadata(path) {
                Ok(meta) if meta.is_dir() == dir => {}
                Ok(_) => {
                    return Err(Error::input(format!(
                        "`{}` is not a {}",
                        path.display(),
                        if dir { "directory" } else { "file" }
                    )));
                }
                Err(e) => {
                    return Err(
                        Error::input(format!("cannot read `{}`", path.display())).with_source(e)
                    );
                }
            }
        }
        Ok(())
    }
}

/// Said of a patched policy whose code and live action lists differ.
const DRIFT: &str = " (drift: its action lists in the code are not the live policy's)";

/// What the code does with one policy of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Status {
    /// The code holds it and a patch changes it there; `apply.sh` does not.
    Patched {
        /// `main.tf: aws_iam_role_policy.app`.
        source: String,
        /// The patch's path in the plan.
        patch: String,
        /// The code's action lists are not the live policy's: the patch
        /// refines the code's, and applying it also undoes that drift.
        drift: bool,
    },
    /// Every statement would go: the resource should be deleted from the
    /// code, which pare leaves to a person; `apply.sh` does not change it.
    Delete { source: String },
    /// The code holds it but pare does not edit it there (why); `apply.sh`
    /// keeps its commands, which the next apply of the code would undo.
    Kept { source: String, why: String },
    /// The code given does not hold it: drift from the code.
    Drift,
}

impl Status {
    /// Whether `apply.sh` leaves the policy to the code.
    pub(super) fn in_code(&self) -> bool {
        matches!(self, Status::Patched { .. } | Status::Delete { .. })
    }

    /// A few words for the table.
    pub(super) fn note(&self) -> String {
        match self {
            Status::Patched {
                source,
                patch,
                drift,
            } => format!(
                "code: {source}, see {patch}{}",
                if *drift { DRIFT } else { "" }
            ),
            Status::Delete { source } => {
                format!("code: delete {source} (nothing it grants is used)")
            }
            Status::Kept { source, why } => format!("code: {source} not edited: {why}"),
            Status::Drift => "drift: not in the code given".to_string(),
        }
    }

    /// The comment line `apply.sh` gives it.
    pub(super) fn comment(&self) -> String {
        match self {
            Status::Patched {
                source,
                patch,
                drift,
            } => format!(
                "held by the code ({source}): changed by {patch}, not by this script{}",
                if *drift { DRIFT } else { "" }
            ),
            Status::Delete { source } => format!(
                "held by the code ({source}): delete it there; nothing it grants is used (not changed by this script)"
            ),
            Status::Kept { source, why } => format!(
                "held by the code ({source}) but not edited there ({why}): the next apply of the code puts back what this script removes"
            ),
            Status::Drift => {
                "DRIFT: the code given does not hold this policy; this change is not in the code"
                    .to_string()
            }
        }
    }

    /// The same for `--format json`.
    pub(super) fn json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Status::Patched {
                source,
                patch,
                drift,
            } => {
                json!({"status": "patched", "source": source, "patch": patch, "actionsDifferFromLive": drift})
            }
            Status::Delete { source } => json!({"status": "delete-in-code", "source": source}),
            Status::Kept { source, why } => {
                json!({"status": "not-edited", "source": source, "reason": why})
            }
            Status::Drift => json!({"status": "drift"}),
        }
    }
}

/// One patch of the plan.
#[derive(Clone, Debug)]
pub(super) struct Patch {
    /// Its path in the plan (`terraform/main.tf.patch`).
    pub(super) path: String,
    /// The unified diff.
    pub(super) text: String,
}

/// The code's part of the plan.
#[derive(Debug, Default)]
pub(super) struct CodeMap {
    /// By index of the plan's policies, for each policy that changes.
    pub(super) status: HashMap<usize, Status>,
    /// One per changed file.
    pub(super) patches: Vec<Patch>,
    /// What could not be mapped or read, for stderr.
    pub(super) notes: Vec<String>,
}

/// A file of the code, by its path relative to its root.
#[derive(Debug)]
struct SourceFile {
    /// Which root (`terraform`, `cloudformation`).
    root: &'static str,
    /// The path below the root, `/`-separated, every component plain.
    relative: String,
    text: String,
    splices: Vec<pare_iac::Splice>,
}

/// A policy of the code and the plan's policies it is.
#[derive(Debug)]
struct Group {
    /// Index of the source file that holds the document.
    file: usize,
    /// Its address (as `pare refine --resource` takes it).
    address: String,
    /// How a reviewer finds it: `main.tf: aws_iam_role_policy.app`.
    source: String,
    /// The document, or why it is not edited.
    doc: Result<Document, String>,
    /// The plan's policies it is.
    policies: Vec<usize>,
    /// Policies of the account it also is that the plan does not have (no
    /// principal with a finding holds them).
    unplanned: Vec<Identity>,
}

/// Everything the mapping needs from `pare account`.
pub(super) struct Context<'a> {
    pub(super) account: &'a Account,
    pub(super) plan: &'a Plan,
    pub(super) table: ActionTable<'a>,
    pub(super) options: &'a pare_engine::RefineOptions,
    pub(super) limits: input::Limits,
}

/// Maps the plan to the code, refines what the code holds, and makes the patches.
pub(super) fn map(args: &CodeArgs, cx: &Context<'_>) -> Result<CodeMap, Error> {
    let mut code = CodeMap::default();
    let (mut files, held) = read_code(args, cx.limits, &mut code.notes)?;
    let groups = group(&held, cx, &mut code.status);
    let refined = refine_groups(&groups, cx, &mut files, &mut code.status)?;
    let edited: Vec<String> = files
        .iter()
        .map(|f| pare_iac::apply(&f.text, &f.splices))
        .collect();
    read_back(&refined, &groups, &files, &edited)?;
    write_patches(&refined, &groups, &files, &edited, &mut code);
    Ok(code)
}

/// Where the code holds each policy of the account, by the account's name
/// for it, and the files read to find out.
type Held = BTreeMap<Identity, Found>;

/// Reads the code named (Terraform, CloudFormation or both).
fn read_code(
    args: &CodeArgs,
    limits: input::Limits,
    notes: &mut Vec<String>,
) -> Result<(Vec<SourceFile>, Held), Error> {
    let mut files: Vec<SourceFile> = Vec::new();
    let mut held: Held = BTreeMap::new();
    if let (Some(dir), Some(state)) = (&args.terraform, &args.terraform_state) {
        terraform::terraform(dir, state, limits, &mut files, &mut held)?;
    }
    if let (Some(template), Some(stack)) = (&args.cloudformation, &args.stack_resources) {
        cloudformation::cloudformation(template, stack, limits, &mut files, &mut held, notes)?;
    }
    Ok((files, held))
}

/// The account's name for the plan's policy `index`.
fn identity_of(cx: &Context<'_>, index: usize) -> Option<Identity> {
    match &cx.plan.policies.get(index)?.reference {
        PolicyRef::Managed(arn) => Some(Identity::Managed(arn.clone())),
        PolicyRef::Inline { entity, name } => cx
            .account
            .entities
            .get(*entity)
            .map(|e| Identity::inline(e.kind.as_str(), &e.name, name)),
    }
}

/// Each document of the code, with every policy of the account it is (a
/// module used twice, an `AWS::IAM::Policy` on two roles): one text for all
/// of them, refined only against what all of them leave unused. The plan's
/// changed policies the code does not hold, or holds where pare does not
/// edit, get their status here.
fn group(held: &Held, cx: &Context<'_>, status: &mut HashMap<usize, Status>) -> Vec<Group> {
    let planned: HashMap<Identity, usize> = (0..cx.plan.policies.len())
        .filter_map(|i| identity_of(cx, i).map(|id| (id, i)))
        .collect();
    let mut groups: Vec<Group> = Vec::new();
    let mut group_of: HashMap<(usize, &str), usize> = HashMap::new();
    for (identity, found) in held {
        let Found::Doc {
            file,
            address,
            source,
            doc,
        } = found
        else {
            continue;
        };
        let group = match group_of.get(&(*file, address.as_str())) {
            Some(&g) => groups.get_mut(g),
            None => {
                group_of.insert((*file, address.as_str()), groups.len());
                groups.push(Group {
                    file: *file,
                    address: address.clone(),
                    source: source.clone(),
                    doc: doc.clone(),
                    policies: Vec::new(),
                    unplanned: Vec::new(),
                });
                groups.last_mut()
            }
        };
        let Some(group) = group else { continue };
        match planned.get(identity) {
            Some(&index) => group.policies.push(index),
            None => group.unplanned.push(identity.clone()),
        }
    }
    for (index, policy) in cx.plan.policies.iter().enumerate() {
        if !policy.decision.changes() {
            continue;
        }
        match identity_of(cx, index).and_then(|i| held.get(&i)) {
            None => {
                status.insert(index, Status::Drift);
            }
            Some(Found::Kept { source, why }) => {
                status.insert(
                    index,
                    Status::Kept {
                        source: source.clone(),
                        why: why.clone(),
                    },
                );
            }
            Some(Found::Doc { .. }) => {}
        }
    }
    groups
}

/// Refines each group, splices the changed ones into their files, and
/// gives each changed policy of a group its status. Returns the changed
/// groups with their outcomes.
fn refine_groups(
    groups: &[Group],
    cx: &Context<'_>,
    files: &mut [SourceFile],
    status_of: &mut HashMap<usize, Status>,
) -> Result<Vec<(usize, pare_iac::refine::Outcome)>, Error> {
    let unused_of: HashMap<usize, &UnusedSet> = cx
        .plan
        .principals
        .iter()
        .map(|p| (p.entity, &p.unused))
        .collect();
    let checks = pare_engine::VerifyChecks {
        concise: cx.options.wildcards,
    };
    let mut refined: Vec<(usize, pare_iac::refine::Outcome)> = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let kept = |why: String| Status::Kept {
            source: group.source.clone(),
            why,
        };
        let status = match refine_group(group, cx, &unused_of, files, &checks)? {
            Refined::Not(why) => kept(why),
            Refined::Same => kept(
                "the code's document needs no change, so the live policy differs from it (drift)"
                    .to_string(),
            ),
            Refined::Detach => Status::Delete {
                source: group.source.clone(),
            },
            Refined::Changed(outcome) => {
                if let Some(file) = files.get_mut(group.file) {
                    file.splices.extend(outcome.splices.iter().cloned());
                }
                refined.push((g, *outcome));
                Status::Patched {
                    source: group.source.clone(),
                    patch: String::new(),
                    drift: false,
                }
            }
        };
        let code_policy = refined
            .last()
            .filter(|(last, _)| *last == g)
            .map(|(_, o)| &o.original);
        for &index in &group.policies {
            let Some(policy) = cx.plan.policies.get(index) else {
                continue;
            };
            if !policy.decision.changes() {
                continue;
            }
            let mut status = status.clone();
            if let (Status::Patched { drift, .. }, Some(code), Some(live)) =
                (&mut status, code_policy, &policy.original)
            {
                *drift = !same_actions(code, live);
            }
            status_of.insert(index, status);
        }
    }
    Ok(refined)
}

/// The edited files, read back: each policy must read as its refinement.
fn read_back(
    refined: &[(usize, pare_iac::refine::Outcome)],
    groups: &[Group],
    files: &[SourceFile],
    edited: &[String],
) -> Result<(), Error> {
    for (g, outcome) in refined {
        let Some(group) = groups.get(*g) else {
            continue;
        };
        let (Some(file), Some(new)) = (files.get(group.file), edited.get(group.file)) else {
            continue;
        };
        let doc = if file.relative.ends_with(".json") && file.root == "terraform" {
            pare_iac::read_json_policy(new).ok()
        } else {
            pare_iac::detect(&file.relative, new).and_then(|format| {
                crate::commands::source::document_at(format, new, &group.address)
            })
        };
        let read_back = doc.and_then(|d| d.policy().ok()).map(|(p, _)| p);
        if read_back.as_ref().map(pare_engine::Policy::to_value)
            != Some(outcome.refinement.policy.to_value())
        {
            return Err(Error::input(format!(
                "{}: the edited source does not read back as the refined policy; please report this as a bug in pare",
                Escaped(&group.source)
            )));
        }
    }
    Ok(())
}

/// One patch per changed file, named through the plan's one sanitizer; each
/// patched policy's status names its patch.
fn write_patches(
    refined: &[(usize, pare_iac::refine::Outcome)],
    groups: &[Group],
    files: &[SourceFile],
    edited: &[String],
    code: &mut CodeMap,
) {
    let mut names = Layout::default();
    let mut patch_of: HashMap<usize, String> = HashMap::new();
    for (i, (file, new)) in files.iter().zip(edited).enumerate() {
        if file.text == *new {
            continue;
        }
        let base = names.claim(
            file.root,
            &file.relative,
            format!("the patch of `{}`", file.relative),
        );
        let path = format!("{base}.patch");
        code.patches.push(Patch {
            path: path.clone(),
            text: crate::diff::unified(
                &format!("a/{}", file.relative),
                &file.text,
                &format!("b/{}", file.relative),
                new,
            ),
        });
        patch_of.insert(i, path);
    }
    code.notes.append(&mut names.notes);
    for (g, _) in refined {
        let Some(group) = groups.get(*g) else {
            continue;
        };
        let Some(path) = patch_of.get(&group.file) else {
            continue;
        };
        for index in &group.policies {
            if let Some(Status::Patched { patch, .. }) = code.status.get_mut(index) {
                patch.clone_from(path);
            }
        }
    }
}

/// Whether two policies have the same statements' action lists, in order
/// (their other values may differ: the code's may be references).
fn same_actions(a: &pare_engine::Policy, b: &pare_engine::Policy) -> bool {
    a.statements().len() == b.statements().len()
        && a.statements()
            .iter()
            .zip(b.statements())
            .all(|(x, y)| x.entries() == y.entries())
}

/// What refining a group came to.
enum Refined {
    Not(String),
    Same,
    Detach,
    Changed(Box<pare_iac::refine::Outcome>),
}

/// Refines a group's document against what every principal that any of its
/// policies reaches leaves unused: the code's one document is all of them.
fn refine_group(
    group: &Group,
    cx: &Context<'_>,
    unused_of: &HashMap<usize, &UnusedSet>,
    files: &[SourceFile],
    checks: &pare_engine::VerifyChecks,
) -> Result<Refined, Error> {
    let doc = match &group.doc {
        Ok(doc) => doc,
        Err(why) => return Ok(Refined::Not(why.clone())),
    };
    if let Some(other) = group.unplanned.first() {
        let which = match other {
            Identity::Managed(arn) => format!("the managed policy `{}`", arn),
            Identity::Inline {
                kind,
                entity,
                policy,
            } => format!("the inline policy `{}` of {kind}/{}", policy, entity),
        };
        return Ok(Refined::Not(format!(
            "the same text is also {which}, which no principal with a finding holds"
        )));
    }
    if !group.policies.iter().any(|&i| {
        cx.plan
            .policies
            .get(i)
            .is_some_and(|p| p.decision.changes())
    }) {
        return Ok(Refined::Same);
    }
    let unused = match shared_unused(group, cx, unused_of) {
        Ok(unused) => unused,
        Err(why) => return Ok(Refined::Not(why)),
    };
    let Some(file) = files.get(group.file) else {
        return Ok(Refined::Not("its file was not read".to_string()));
    };
    let outcome = pare_iac::refine::refine(doc, &file.text, &unused, cx.table, cx.options)
        .map_err(|e| Error::input(format!("{}: {e}", Escaped(&group.source))))?;
    let verification = pare_engine::verify_checking(
        &outcome.original,
        &outcome.refinement.policy,
        &unused,
        cx.table,
        checks,
    );
    if !verification.is_ok() {
        return Err(Error::input(format!(
            "{}: the refined policy fails verification; please report this as a bug in pare",
            Escaped(&group.source)
        )));
    }
    Ok(if outcome.detach {
        Refined::Detach
    } else if outcome.splices.is_empty() {
        Refined::Same
    } else {
        Refined::Changed(Box::new(outcome))
    })
}

/// What every principal the group's policies reach leaves unused, or why
/// the group is not refined: a replaced policy, or a principal without a
/// finding.
fn shared_unused<'a>(
    group: &Group,
    cx: &Context<'_>,
    unused_of: &HashMap<usize, &'a UnusedSet>,
) -> Result<std::borrow::Cow<'a, UnusedSet>, String> {
    let mut sets: Vec<&UnusedSet> = Vec::new();
    for &index in &group.policies {
        let Some(policy) = cx.plan.policies.get(index) else {
            continue;
        };
        if let Decision::Replace { .. } = policy.decision {
            return Err(
                "the plan replaces it by a new policy (a permissions boundary too?): mirror that in the code by hand".to_string(),
            );
        }
        if !policy.without_finding.is_empty() {
            return Err("a principal it reaches has no finding".to_string());
        }
        for holder in &policy.holders {
            match unused_of.get(holder) {
                Some(set) => sets.push(set),
                None => return Err("a principal it reaches has no finding".to_string()),
            }
        }
    }
    let Some((first, rest)) = sets.split_first() else {
        return Err("no principal holds it".to_string());
    };
    Ok(if rest.is_empty() {
        std::borrow::Cow::Borrowed(*first)
    } else {
        std::borrow::Cow::Owned(
            rest.iter()
                .fold((*first).clone(), |acc, set| acc.intersection(set)),
        )
    })
}

/// Where the code holds a policy of the account.
#[derive(Clone, Debug)]
enum Found {
    /// In a document pare can read (or one it cannot, with why).
    Doc {
        file: usize,
        address: String,
        source: String,
        doc: Result<Document, String>,
    },
    /// Somewhere pare does not edit (a remote module, a loop).
    Kept { source: String, why: String },
}

mod cloudformation;
mod terraform;
#[cfg(test)]
mod tests;
