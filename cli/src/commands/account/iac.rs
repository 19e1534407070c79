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

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use pare_engine::account::{Account, Decision, Plan, PolicyRef};
use pare_engine::{ActionTable, UnusedSet};
use pare_iac::state::{Identity, Resource};
use pare_iac::{Body, Document, Format};

use super::Layout;
use crate::error::Error;
use crate::input;
use crate::safe::{self, Escaped};

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
    let mut files: Vec<SourceFile> = Vec::new();
    // By the account's name for a policy: where the code holds it.
    let mut held: BTreeMap<Identity, Found> = BTreeMap::new();
    if let (Some(dir), Some(state)) = (&args.terraform, &args.terraform_state) {
        terraform(dir, state, cx.limits, &mut files, &mut held)?;
    }
    if let (Some(template), Some(stack)) = (&args.cloudformation, &args.stack_resources) {
        cloudformation(
            template,
            stack,
            cx.limits,
            &mut files,
            &mut held,
            &mut code.notes,
        )?;
    }

    // Each document of the code, with every policy of the account it is
    // (a module used twice, an `AWS::IAM::Policy` on two roles): one text
    // for all of them, refined only against what all of them leave unused.
    let identity_of = |index: usize| -> Option<Identity> {
        match &cx.plan.policies.get(index)?.reference {
            PolicyRef::Managed(arn) => Some(Identity::Managed(arn.clone())),
            PolicyRef::Inline { entity, name } => cx
                .account
                .entities
                .get(*entity)
                .map(|e| Identity::inline(e.kind.as_str(), &e.name, name)),
        }
    };
    let planned: HashMap<Identity, usize> = (0..cx.plan.policies.len())
        .filter_map(|i| identity_of(i).map(|id| (id, i)))
        .collect();
    let mut groups: Vec<Group> = Vec::new();
    let mut group_of: HashMap<(usize, &str), usize> = HashMap::new();
    for (identity, found) in &held {
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
        match identity_of(index).and_then(|i| held.get(&i)) {
            None => {
                code.status.insert(index, Status::Drift);
            }
            Some(Found::Kept { source, why }) => {
                code.status.insert(
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
        let status = match refine_group(group, cx, &unused_of, &files, &checks)? {
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
            code.status.insert(index, status);
        }
    }

    // The edited files, read back: each policy must read as its refinement.
    let edited: Vec<String> = files
        .iter()
        .map(|f| pare_iac::apply(&f.text, &f.splices))
        .collect();
    for (g, outcome) in &refined {
        let Some(group) = groups.get(*g) else {
            continue;
        };
        let (Some(file), Some(new)) = (files.get(group.file), edited.get(group.file)) else {
            continue;
        };
        let doc = if file.relative.ends_with(".json") && file.root == "terraform" {
            pare_iac::read_json_policy(new).ok()
        } else {
            let format = pare_iac::detect(&file.relative, new);
            format
                .and_then(|f| pare_iac::scan(f, new).ok())
                .and_then(|scan| {
                    scan.policies
                        .into_iter()
                        .find(|p| p.address == group.address)
                })
                .and_then(|p| match p.body {
                    Body::Document(doc) => Some(doc),
                    _ => None,
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

    // One patch per changed file, named through the plan's one sanitizer.
    let mut names = Layout::default();
    let mut patch_of: HashMap<usize, String> = HashMap::new();
    for (i, (file, new)) in files.iter().zip(&edited).enumerate() {
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
    for (g, _) in &refined {
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
    Ok(code)
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
    let mut sets: Vec<&UnusedSet> = Vec::new();
    for &index in &group.policies {
        let Some(policy) = cx.plan.policies.get(index) else {
            continue;
        };
        if let Decision::Replace { .. } = policy.decision {
            return Ok(Refined::Not(
                "the plan replaces it by a new policy (a permissions boundary too?): mirror that in the code by hand".to_string(),
            ));
        }
        if !policy.without_finding.is_empty() {
            return Ok(Refined::Not(
                "a principal it reaches has no finding".to_string(),
            ));
        }
        for holder in &policy.holders {
            match unused_of.get(holder) {
                Some(set) => sets.push(set),
                None => {
                    return Ok(Refined::Not(
                        "a principal it reaches has no finding".to_string(),
                    ));
                }
            }
        }
    }
    let Some((first, rest)) = sets.split_first() else {
        return Ok(Refined::Not("no principal holds it".to_string()));
    };
    let unused: std::borrow::Cow<'_, UnusedSet> = if rest.is_empty() {
        std::borrow::Cow::Borrowed(*first)
    } else {
        std::borrow::Cow::Owned(
            rest.iter()
                .fold((*first).clone(), |acc, set| acc.intersection(set)),
        )
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

/// The `module` blocks of a `.tf` file: `(NAME, source)`.
type Sources = Rc<Vec<(String, String)>>;

/// The module directories read so far, and what was read of their files
/// (once each: a state has many resources per file).
#[derive(Default)]
struct Modules {
    /// The `.tf` files of each directory (relative to the root), by index.
    dirs: HashMap<String, Vec<usize>>,
    /// Each `.tf` file's policies.
    scans: RefCell<HashMap<usize, Rc<pare_iac::Scan>>>,
    /// Each `.tf` file's `module` blocks and their sources.
    sources: RefCell<HashMap<usize, Sources>>,
}

impl Modules {
    /// The policies of `file`, the file of index `f`.
    fn scan(&self, root: &Path, f: usize, file: &SourceFile) -> Result<Rc<pare_iac::Scan>, Error> {
        if let Some(scan) = self.scans.borrow().get(&f) {
            return Ok(Rc::clone(scan));
        }
        let scan = Rc::new(
            pare_iac::scan(Format::Terraform, &file.text).map_err(|e| tf_error(root, file, &e))?,
        );
        self.scans.borrow_mut().insert(f, Rc::clone(&scan));
        Ok(scan)
    }

    /// The `module` blocks of `file`, the file of index `f`.
    fn sources(&self, root: &Path, f: usize, file: &SourceFile) -> Result<Sources, Error> {
        if let Some(sources) = self.sources.borrow().get(&f) {
            return Ok(Rc::clone(sources));
        }
        let sources = Rc::new(
            pare_iac::state::module_sources(&file.text).map_err(|e| tf_error(root, file, &e))?,
        );
        self.sources.borrow_mut().insert(f, Rc::clone(&sources));
        Ok(sources)
    }
}

/// Reads the Terraform state and the code it names.
fn terraform(
    dir: &Path,
    state: &Path,
    limits: input::Limits,
    files: &mut Vec<SourceFile>,
    held: &mut BTreeMap<Identity, Found>,
) -> Result<(), Error> {
    let name = state.display().to_string();
    let bytes = limits
        .read_file(state, input::Kind::Data)
        .map_err(|e| Error::input(format!("cannot read `{name}`")).with_source(e))?;
    let text = input::decode(&name, bytes)?;
    let resources =
        pare_iac::state::parse(&text).map_err(|e| Error::input(format!("{name}: {e}")))?;
    let root = std::fs::canonicalize(dir).map_err(|e| {
        Error::input(format!("cannot read the directory `{}`", dir.display())).with_source(e)
    })?;
    let mut modules = Modules::default();
    for resource in &resources {
        let place = module_dir(&root, resource, limits, files, &mut modules)?;
        for (address, identity) in &resource.holds {
            let found = match &place {
                Err(why) => Found::Kept {
                    source: format!("`{}`", resource.address),
                    why: why.clone(),
                },
                Ok(_) if resource.indexed => Found::Kept {
                    source: format!("`{}`", resource.address),
                    why: "made by `count` or `for_each`: one text for several policies".to_string(),
                },
                Ok(module) => find_tf(&root, module, address, limits, files, &modules)?,
            };
            held.entry(identity.clone()).or_insert(found);
        }
    }
    Ok(())
}

/// The directory (relative to the root) of a resource's module, reading the
/// `.tf` files of each directory on the way; or why it is not edited.
fn module_dir(
    root: &Path,
    resource: &Resource,
    limits: input::Limits,
    files: &mut Vec<SourceFile>,
    modules: &mut Modules,
) -> Result<Result<String, String>, Error> {
    read_module(root, "", limits, files, modules)?;
    let Some(module) = &resource.module else {
        return Ok(Ok(String::new()));
    };
    let Some(steps) = pare_iac::state::module_path(module) else {
        return Ok(Err(format!(
            "the state's module address `{}` is not one",
            module
        )));
    };
    let mut current = String::new();
    for step in steps {
        if step.indexed {
            return Ok(Err(format!(
                "module `{}` is made by `count` or `for_each`",
                step.name
            )));
        }
        let mut source = None;
        for &f in modules.dirs.get(&current).into_iter().flatten() {
            let Some(file) = files.get(f) else { continue };
            let sources = modules.sources(root, f, file)?;
            if let Some((_, s)) = sources.iter().find(|(n, _)| *n == step.name) {
                source = Some(s.clone());
            }
        }
        let Some(source) = source else {
            return Ok(Err(format!(
                "no `module \"{}\"` block in the code",
                step.name
            )));
        };
        if !source.starts_with("./") && !source.starts_with("../") {
            return Ok(Err(format!("in the remote module `{}`", source)));
        }
        match below(&current, &source) {
            Some(next) => current = next,
            None => {
                return Ok(Err(format!(
                    "the module source `{}` is outside the Terraform directory",
                    source
                )));
            }
        }
        read_module(root, &current, limits, files, modules)?;
    }
    Ok(Ok(current))
}

/// `base/relative` made plain (`.` and `..` resolved), when it stays below
/// the root and every component is a name pare writes into a patch as it
/// is. The one place a path from the code or the state becomes a path.
fn below(base: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<String> = base
        .split('/')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    if relative.contains('\\') {
        return None;
    }
    for component in Path::new(relative).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::Normal(name) => {
                let name = name.to_str()?;
                if safe::path_component(name) != name {
                    return None;
                }
                parts.push(name.to_string());
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

/// Reads the `.tf` files of the module directory `relative` (once).
fn read_module(
    root: &Path,
    relative: &str,
    limits: input::Limits,
    files: &mut Vec<SourceFile>,
    modules: &mut Modules,
) -> Result<(), Error> {
    if modules.dirs.contains_key(relative) {
        return Ok(());
    }
    let dir = root.join(relative);
    let mut names: Vec<String> = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.filter_map(Result::ok) {
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if name.ends_with(".tf") && safe::path_component(&name) == name {
                names.push(name);
            }
        }
    }
    names.sort();
    let mut indices = Vec::new();
    for name in names {
        let rel = if relative.is_empty() {
            name
        } else {
            format!("{relative}/{name}")
        };
        let Some(text) = read_below(root, &rel, limits)? else {
            continue;
        };
        indices.push(files.len());
        files.push(SourceFile {
            root: "terraform",
            relative: rel,
            text,
            splices: Vec::new(),
        });
    }
    modules.dirs.insert(relative.to_string(), indices);
    Ok(())
}

/// The text of `root/relative` when it is a file that is really below the
/// root (no link out of it); `None` when there is no such file.
fn read_below(root: &Path, relative: &str, limits: input::Limits) -> Result<Option<String>, Error> {
    let path = root.join(relative);
    let Ok(real) = std::fs::canonicalize(&path) else {
        return Ok(None);
    };
    if !real.starts_with(root) || !real.is_file() {
        return Err(Error::input(format!(
            "`{}` leads outside the Terraform directory; pare reads only files below it",
            Escaped(relative)
        )));
    }
    let name = path.display().to_string();
    let bytes = limits
        .read_file(&real, input::Kind::Policy)
        .map_err(|e| Error::input(format!("cannot read `{name}`")).with_source(e))?;
    input::decode(&name, bytes).map(Some)
}

/// A parse error of a file of the code.
fn tf_error(root: &Path, file: &SourceFile, error: &pare_iac::Error) -> Error {
    let line = error
        .line
        .or_else(|| error.at.map(|at| pare_iac::line_of(&file.text, at)))
        .map(|l| format!(":{l}"))
        .unwrap_or_default();
    Error::input(format!(
        "{}{line}: {}",
        root.join(&file.relative).display(),
        Escaped(&error.message)
    ))
}

/// The policy at `address` in the module directory `module`.
fn find_tf(
    root: &Path,
    module: &str,
    address: &str,
    limits: input::Limits,
    files: &mut Vec<SourceFile>,
    modules: &Modules,
) -> Result<Found, Error> {
    let indices: Vec<usize> = modules.dirs.get(module).cloned().unwrap_or_default();
    for f in indices {
        let Some(file) = files.get(f) else { continue };
        let scan = modules.scan(root, f, file)?;
        let Some(policy) = scan.policies.iter().find(|p| p.address == address).cloned() else {
            continue;
        };
        let source = format!("{}: {}", file.relative, address);
        let why: Vec<String> = scan
            .notes
            .iter()
            .filter(|n| n.address.as_deref() == Some(address))
            .map(|n| n.message.clone())
            .collect();
        let why = if why.is_empty() {
            "pare cannot read its policy".to_string()
        } else {
            why.join("; ")
        };
        let dir = file
            .relative
            .rsplit_once('/')
            .map_or("", |(d, _)| d)
            .to_string();
        let data = data_source(&file.text, policy.at);
        return Ok(match policy.body {
            Body::Document(doc) => Found::Doc {
                file: f,
                address: address.to_string(),
                source,
                doc: Ok(doc),
            },
            Body::File { path } => {
                let Some(rel) = below(&dir, &path) else {
                    return Ok(Found::Kept {
                        source,
                        why: format!(
                            "`file(\"{}\")` is not a plain path below the Terraform directory",
                            path
                        ),
                    });
                };
                let Some(text) = read_below(root, &rel, limits)? else {
                    return Ok(Found::Kept {
                        source,
                        why: format!("`{}` does not exist", rel),
                    });
                };
                let doc = pare_iac::read_json_policy(&text).map_err(|e| e.message);
                let index = match files.iter().position(|f| f.relative == rel) {
                    Some(i) => i,
                    None => {
                        files.push(SourceFile {
                            root: "terraform",
                            relative: rel.clone(),
                            text,
                            splices: Vec::new(),
                        });
                        files.len().saturating_sub(1)
                    }
                };
                Found::Doc {
                    file: index,
                    address: address.to_string(),
                    source: format!("{source} (in `{rel}`)"),
                    doc,
                }
            }
            // `policy = data.aws_iam_policy_document.NAME.json`: the
            // document is the data source, in the same module.
            Body::Unread => match data {
                Some(data) => match find_tf(root, module, &data, limits, files, modules)? {
                    Found::Doc {
                        file,
                        address: found,
                        source: at,
                        doc,
                    } => Found::Doc {
                        file,
                        address: found,
                        source: format!("{at} (the policy of {address})"),
                        doc,
                    },
                    kept => kept,
                },
                None => Found::Kept { source, why },
            },
        });
    }
    Ok(Found::Kept {
        source: format!(
            "`{}` in `{}`",
            address,
            if module.is_empty() { "." } else { module }
        ),
        why: "not found in the module's .tf files".to_string(),
    })
}

/// `data.aws_iam_policy_document.NAME` when the value at `at` is exactly
/// `data.aws_iam_policy_document.NAME.json`.
fn data_source(text: &str, at: usize) -> Option<String> {
    let rest = text
        .get(at..)?
        .strip_prefix("data.aws_iam_policy_document.")?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let after = rest.get(name.len()..)?.strip_prefix(".json")?;
    let ends = after.is_empty() || after.starts_with(|c: char| c.is_whitespace() || c == '#');
    (ends && !name.is_empty()).then(|| format!("data.aws_iam_policy_document.{name}"))
}

/// Reads the template and the stack's resources.
fn cloudformation(
    template: &Path,
    stack: &Path,
    limits: input::Limits,
    files: &mut Vec<SourceFile>,
    held: &mut BTreeMap<Identity, Found>,
    notes: &mut Vec<String>,
) -> Result<(), Error> {
    let read = |path: &Path, kind| -> Result<(String, String), Error> {
        let name = path.display().to_string();
        let bytes = limits
            .read_file(path, kind)
            .map_err(|e| Error::input(format!("cannot read `{name}`")).with_source(e))?;
        Ok((input::decode(&name, bytes)?, name))
    };
    let (stack_text, stack_name) = read(stack, input::Kind::Data)?;
    let physical = pare_iac::stack::parse(&stack_text)
        .map_err(|e| Error::input(format!("{stack_name}: {e}")))?;
    let (text, name) = read(template, input::Kind::Policy)?;
    let relative = template
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| safe::path_component(n) == *n)
        .ok_or_else(|| {
            Error::input(format!(
                "`{}`: a patch names the template by its file name, which must hold only letters, digits and `+=,.@_-`",
                Escaped(&name)
            ))
        })?
        .to_string();
    let format = pare_iac::detect(&relative, &text)
        .filter(|f| *f != Format::Terraform)
        .ok_or_else(|| Error::input(format!("{name}: not a CloudFormation template")))?;
    let located = |e: pare_iac::Error| {
        let line = e
            .line
            .or_else(|| e.at.map(|at| pare_iac::line_of(&text, at)))
            .map(|l| format!(":{l}"))
            .unwrap_or_default();
        Error::input(format!("{name}{line}: {}", Escaped(&e.message)))
    };
    let scan = pare_iac::scan(format, &text).map_err(located)?;
    let (holds, unmapped) = pare_iac::stack::holds(&text, &physical).map_err(located)?;
    for note in unmapped {
        notes.push(format!(
            "{name}:{}: `{}`: {}",
            pare_iac::line_of(&text, note.at),
            note.address.as_deref().unwrap_or(""),
            note.message
        ));
    }
    let file = files.len();
    for (address, identity) in holds {
        let source = format!("{relative}: {address}");
        let found = match scan.policies.iter().find(|p| p.address == address) {
            Some(pare_iac::Policy {
                body: Body::Document(doc),
                ..
            }) => Found::Doc {
                file,
                address,
                source,
                doc: Ok(doc.clone()),
            },
            _ => {
                let why: Vec<&str> = scan
                    .notes
                    .iter()
                    .filter(|n| n.address.as_deref() == Some(address.as_str()))
                    .map(|n| n.message.as_str())
                    .collect();
                Found::Kept {
                    source,
                    why: if why.is_empty() {
                        "pare cannot read its policy".to_string()
                    } else {
                        why.join("; ")
                    },
                }
            }
        };
        held.entry(identity).or_insert(found);
    }
    files.push(SourceFile {
        root: "cloudformation",
        relative,
        text,
        splices: Vec::new(),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    /// A fresh directory under the system's temporary one, removed by the caller.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pare-iac-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// An account of one role `app` with the inline policies given, and a
    /// finding that leaves `s3:PutObject` unused.
    fn account(dir: &Path, inline: &[&str]) {
        let policies: Vec<String> = inline
            .iter()
            .map(|name| {
                format!(
                    r#"{{"PolicyName": "{name}", "PolicyDocument": {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}}]}}}}"#
                )
            })
            .collect();
        write(
            &dir.join("details.json"),
            &format!(
                r#"{{"UserDetailList": [], "GroupDetailList": [], "Policies": [], "RoleDetailList": [
                  {{"RoleName": "app", "RoleId": "AROAAPPXXXXXXXXXXXXXX", "Arn": "arn:aws:iam::111122223333:role/app", "Path": "/",
                    "RolePolicyList": [{}], "AttachedManagedPolicies": []}}]}}"#,
                policies.join(",")
            ),
        );
        write(
            &dir.join("findings.json"),
            r#"{"id": "f-app", "resource": "arn:aws:iam::111122223333:role/app", "resourceType": "AWS::IAM::Role",
               "resourceOwnerAccount": "111122223333", "status": "ACTIVE", "findingType": "UnusedPermission",
               "findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": "s3", "actions": [{"action": "PutObject"}]}}]}"#,
        );
    }

    /// A state resource holding the inline policy `name` of role `app`.
    fn held(address: &str, module: &str, name: &str) -> String {
        let kind_name = address.rsplit('.').take(2).collect::<Vec<_>>();
        format!(
            r#"{{"address": {}, "mode": "managed", "type": "aws_iam_role_policy", "name": {}, "values": {{"role": "app", "name": "{name}"}}, "module": "{module}"}}"#,
            serde_json::to_string(address).unwrap(),
            serde_json::to_string(kind_name[0]).unwrap()
        )
    }

    /// A `terraform show -json` state whose root module holds `resources`.
    fn root_state(resources: &str) -> String {
        format!(
            r#"{{"format_version": "1.0", "values": {{"root_module": {{"resources": [{resources}]}}}}}}"#
        )
    }

    fn run(dir: &Path, extra: &[&str]) -> (i32, String, String) {
        let mut args: Vec<OsString> = vec![
            "pare".into(),
            "account".into(),
            dir.join("details.json").into(),
            "--findings".into(),
            dir.join("findings.json").into(),
            "--terraform".into(),
            dir.join("tf").into(),
            "--terraform-state".into(),
            dir.join("state.json").into(),
            "--out".into(),
            dir.join("plan").into(),
        ];
        args.extend(extra.iter().map(OsString::from));
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let code = {
            let mut io = crate::io::Io::buffers(&[], &mut stdout, &mut stderr);
            crate::run(args, &mut io)
        };
        (
            code,
            String::from_utf8(stdout).unwrap(),
            String::from_utf8(stderr).unwrap(),
        )
    }

    const POLICY: &str = r#"  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "*" }]
  })
"#;

    #[test]
    fn a_patch_applies_with_git_from_the_terraform_root() {
        let dir = scratch("apply");
        account(&dir, &["app"]);
        let main = format!(
            "# the app\nresource \"aws_iam_role_policy\" \"app\" {{\n  name = \"app\"\n  role = \"app\"\n{POLICY}}}\n"
        );
        write(&dir.join("tf/main.tf"), &main);
        write(
            &dir.join("state.json"),
            &root_state(&held("aws_iam_role_policy.app", "", "app")),
        );
        let (code, stdout, stderr) = run(&dir, &[]);
        assert_eq!(code, 0, "{stdout}{stderr}");
        assert!(stdout.contains("terraform/main.tf.patch"), "{stdout}");
        let script = std::fs::read_to_string(dir.join("plan/apply.sh")).unwrap();
        assert!(!script.contains("put-role-policy"), "{script}");
        // The user's file is not touched: the patch is the change.
        assert_eq!(
            std::fs::read_to_string(dir.join("tf/main.tf")).unwrap(),
            main
        );
        let patch = dir.join("plan/terraform/main.tf.patch");
        let copy = dir.join("copy");
        std::fs::create_dir_all(&copy).unwrap();
        std::fs::copy(dir.join("tf/main.tf"), copy.join("main.tf")).unwrap();
        let applied = std::process::Command::new("git")
            .arg("apply")
            .arg(&patch)
            .current_dir(&copy)
            .status();
        match applied {
            Ok(status) => {
                assert!(status.success(), "git apply failed");
                let after = std::fs::read_to_string(copy.join("main.tf")).unwrap();
                assert_eq!(after, main.replace(", \"s3:PutObject\"", ""));
            }
            Err(e) => eprintln!("git is not available here ({e}): the patch was not applied"),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn hostile_paths_in_the_code_and_state_read_and_write_nothing_outside() {
        let dir = scratch("hostile");
        account(&dir, &["escape", "deep", "file", "odd"]);
        let outside = format!("resource \"aws_iam_role_policy\" \"x\" {{\n{POLICY}}}\n");
        write(&dir.join("outside/main.tf"), &outside);
        write(&dir.join("secret.json"), "{\"Statement\": []}");
        write(
            &dir.join("tf/main.tf"),
            "module \"escape\" {\n  source = \"../outside\"\n}\nmodule \"deep\" {\n  source = \"./a/../../outside\"\n}\n\
             resource \"aws_iam_role_policy\" \"file\" {\n  policy = file(\"../secret.json\")\n}\n",
        );
        let hostile = "aws_iam_role_policy.odd\u{1b}[31m\n../../x";
        write(
            &dir.join("state.json"),
            &format!(
                r#"{{"format_version": "1.0", "values": {{"root_module": {{
                  "resources": [{}, {}],
                  "child_modules": [
                    {{"address": "module.escape", "resources": [{}]}},
                    {{"address": "module.deep", "resources": [{}]}}]}}}}}}"#,
                held("aws_iam_role_policy.file", "", "file"),
                held(hostile, "", "odd"),
                held(
                    "module.escape.aws_iam_role_policy.x",
                    "module.escape",
                    "escape"
                ),
                held("module.deep.aws_iam_role_policy.x", "module.deep", "deep"),
            ),
        );
        let (code, stdout, stderr) = run(&dir, &[]);
        assert_eq!(code, 0, "{stdout}{stderr}");
        assert!(!stdout.contains('\u{1b}'), "{stdout}");
        assert!(
            stdout.matches("outside the Terraform directory").count() == 2,
            "{stdout}"
        );
        assert!(stdout.contains("not a plain path below"), "{stdout}");
        // No patch at all: nothing outside was read as code, nothing written.
        assert!(!dir.join("plan/terraform").exists());
        assert_eq!(
            std::fs::read_to_string(dir.join("outside/main.tf")).unwrap(),
            outside
        );
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "details.json",
                "findings.json",
                "outside",
                "plan",
                "secret.json",
                "state.json",
                "tf"
            ]
        );
        // Each policy stays in apply.sh, with why.
        let script = std::fs::read_to_string(dir.join("plan/apply.sh")).unwrap();
        assert_eq!(script.matches("put-role-policy").count(), 4, "{script}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_module_used_twice_changes_only_with_evidence_for_both() {
        let dir = scratch("twice");
        account(&dir, &["app"]);
        write(
            &dir.join("tf/main.tf"),
            "module \"a\" {\n  source = \"./modules/x\"\n}\nmodule \"b\" {\n  source = \"./modules/x\"\n}\n",
        );
        let module = format!("resource \"aws_iam_role_policy\" \"x\" {{\n{POLICY}}}\n");
        write(&dir.join("tf/modules/x/main.tf"), &module);
        let other = held("module.b.aws_iam_role_policy.x", "module.b", "app")
            .replace("\"role\": \"app\"", "\"role\": \"other\"");
        write(
            &dir.join("state.json"),
            &format!(
                r#"{{"format_version": "1.0", "values": {{"root_module": {{"child_modules": [
                  {{"address": "module.a", "resources": [{}]}},
                  {{"address": "module.b", "resources": [{other}]}}]}}}}}}"#,
                held("module.a.aws_iam_role_policy.x", "module.a", "app"),
            ),
        );
        let (code, stdout, stderr) = run(&dir, &[]);
        assert_eq!(code, 0, "{stdout}{stderr}");
        assert!(
            stdout.contains("which no principal with a finding holds"),
            "{stdout}"
        );
        assert!(!dir.join("plan/terraform").exists());
        let script = std::fs::read_to_string(dir.join("plan/apply.sh")).unwrap();
        assert_eq!(script.matches("put-role-policy").count(), 1, "{script}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_link_out_of_the_terraform_directory_is_refused() {
        let dir = scratch("link");
        account(&dir, &["app"]);
        write(
            &dir.join("outside.tf"),
            "resource \"aws_iam_role_policy\" \"app\" {}\n",
        );
        std::fs::create_dir_all(dir.join("tf")).unwrap();
        std::os::unix::fs::symlink(dir.join("outside.tf"), dir.join("tf/main.tf")).unwrap();
        write(
            &dir.join("state.json"),
            &root_state(&held("aws_iam_role_policy.app", "", "app")),
        );
        let (code, _, stderr) = run(&dir, &[]);
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains("leads outside the Terraform directory"),
            "{stderr}"
        );
        assert!(!dir.join("plan").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn state_that_is_not_state_is_a_clear_error() {
        let dir = scratch("not-state");
        account(&dir, &["app"]);
        std::fs::create_dir_all(dir.join("tf")).unwrap();
        write(&dir.join("state.json"), r#"{"Statement": []}"#);
        let (code, _, stderr) = run(&dir, &[]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("no `values.root_module`"), "{stderr}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn paths_from_the_code_stay_below_the_root() {
        assert_eq!(below("", "./modules/app").as_deref(), Some("modules/app"));
        assert_eq!(
            below("envs/prod", "../../modules/x").as_deref(),
            Some("modules/x")
        );
        assert_eq!(below("a", "p.json").as_deref(), Some("a/p.json"));
        for hostile in [
            "../outside",
            "/etc",
            "./a/../../..",
            "./bad name",
            "./a\\..\\..",
            "./new\nline",
            "./-rf",
        ] {
            assert_eq!(below("", hostile), None, "{hostile:?}");
        }
    }
}
