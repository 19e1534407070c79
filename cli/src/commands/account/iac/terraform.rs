//! The Terraform side of `--terraform DIR --terraform-state FILE`: which
//! resource of the state is which `.tf` file's policy, through local
//! modules, read once each and never outside the root.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path};
use std::rc::Rc;

use pare_iac::state::{Identity, Resource};
use pare_iac::{Body, Format};

use super::{Found, SourceFile};
use crate::error::Error;
use crate::input;
use crate::safe::{self, Escaped};
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
pub(super) fn terraform(
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
pub(super) fn below(base: &str, relative: &str) -> Option<String> {
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
            Body::File { path } => from_file(root, &dir, &path, address, source, limits, files)?,
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

/// The policy `address` whose document is `file("PATH")`, `PATH` relative
/// to the module directory `dir`: the JSON file becomes a file of the code.
fn from_file(
    root: &Path,
    dir: &str,
    path: &str,
    address: &str,
    source: String,
    limits: input::Limits,
    files: &mut Vec<SourceFile>,
) -> Result<Found, Error> {
    let Some(rel) = below(dir, path) else {
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
    Ok(Found::Doc {
        file: index,
        address: address.to_string(),
        source: format!("{source} (in `{rel}`)"),
        doc,
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
