//! `--out DIR`: the layout of the plan's files, and writing them whole.

use super::*;

/// Where a file of `--out` has its directory, before the layout names it.
enum Parent {
    Entity(usize),
    Alternatives(usize),
    Fixed(&'static str),
}

/// Which map of the [`Layout`] a claimed base path goes to.
enum Place {
    Policy(usize),
    Alternative(usize, usize),
}

/// A base path to claim: its directory, the name from the details, what
/// it is (for messages), and where the claim is kept.
struct Request<'a> {
    parent: Parent,
    name: &'a str,
    what: String,
    place: Place,
}

/// Whether the sanitizer changes `name` on its way to a path.
fn altered(name: &str) -> bool {
    safe::path_component(name) != name
}

impl View<'_> {
    /// Where each file of `--out` goes, decided once for the whole plan (see
    /// [`Layout`]): every name from the details passes through
    /// [`safe::path_component`], and two names that land on the same file
    /// name are told apart. Names the sanitizer leaves as they are claim
    /// their places first, so an altered name never displaces a plain one;
    /// otherwise the plan's order decides.
    pub(super) fn layout(&self) -> Layout {
        let mut requests = self.layout_requests();
        let mut layout = Layout::default();
        // The principals' directories first: a file's directory is part of its path.
        self.claim_entities(&requests, &mut layout);
        requests.sort_by_cached_key(|request| altered(request.name));
        for request in requests {
            let dir = match request.parent {
                Parent::Entity(e) => layout.entities.get(&e).cloned().unwrap_or_default(),
                Parent::Alternatives(e) => format!(
                    "alternatives/{}",
                    layout.entities.get(&e).cloned().unwrap_or_default()
                ),
                Parent::Fixed(dir) => dir.to_string(),
            };
            let base = layout.claim(&dir, request.name, request.what);
            match request.place {
                Place::Policy(index) => {
                    layout.policies.insert(index, base);
                }
                Place::Alternative(entity, policy) => {
                    layout.alternatives.insert((entity, policy), base);
                }
            }
        }
        layout
    }

    /// A base path for each refined policy, then for each alternative, in
    /// the plan's order.
    fn layout_requests(&self) -> Vec<Request<'_>> {
        let mut requests = Vec::new();
        for (index, policy) in self.plan.policies.iter().enumerate() {
            if policy.original.is_none() || policy.outcome.is_none() || !policy.decision.changes() {
                continue;
            }
            let (parent, what) = match &policy.reference {
                PolicyRef::Inline { entity, name } => (
                    Parent::Entity(*entity),
                    format!("the inline policy `{name}` of {}", self.label(*entity)),
                ),
                PolicyRef::Managed(arn) if policy.source == PolicySource::AwsManaged => {
                    (Parent::Fixed("aws-managed"), format!("`{arn}`"))
                }
                PolicyRef::Managed(arn) => (Parent::Fixed("managed"), format!("`{arn}`")),
            };
            requests.push(Request {
                parent,
                name: &policy.name,
                what,
                place: Place::Policy(index),
            });
        }
        for principal in &self.plan.principals {
            for holding in &principal.holdings {
                let Some(policy) = self.plan.policies.get(holding.policy) else {
                    continue;
                };
                if holding.alternative.is_none() || policy.original.is_none() {
                    continue;
                }
                requests.push(Request {
                    parent: Parent::Alternatives(principal.entity),
                    name: &policy.name,
                    what: format!(
                        "the alternative of `{}` for {}",
                        policy.name,
                        self.label(principal.entity)
                    ),
                    place: Place::Alternative(principal.entity, holding.policy),
                });
            }
        }
        requests
    }

    /// The directory of each principal a request names, plain names first.
    fn claim_entities(&self, requests: &[Request<'_>], layout: &mut Layout) {
        let mut entities: Vec<usize> = Vec::new();
        let mut listed = std::collections::HashSet::new();
        for request in requests {
            if let Parent::Entity(e) | Parent::Alternatives(e) = request.parent {
                if listed.insert(e) {
                    entities.push(e);
                }
            }
        }
        let name_of = |e: usize| self.account.entities.get(e).map(|x| x.name.as_str());
        entities.sort_by_cached_key(|&e| name_of(e).is_none_or(altered));
        for entity in entities {
            let (kind, name, label) = self.account.entities.get(entity).map_or_else(
                || ("entity", format!("#{entity}"), format!("#{entity}")),
                |e| (e.kind.as_str(), e.name.clone(), e.label()),
            );
            let dir = layout.claim(kind, &name, label);
            layout.entities.insert(entity, dir);
        }
    }

    /// Renders each file of `--out` and hands it to `write` at once: holding
    /// them all (32 MB for a thousand roles) was more than the plan itself.
    pub(super) fn out_files(
        &self,
        layout: &Layout,
        write: &mut dyn FnMut(OutFile) -> Result<(), Error>,
    ) -> Result<(), Error> {
        for (index, policy) in self.plan.policies.iter().enumerate() {
            if !policy.decision.changes() {
                continue;
            }
            if let Some(base) = layout.policies.get(&index) {
                policy_files(policy, base, write)?;
            }
        }
        for principal in &self.plan.principals {
            for holding in &principal.holdings {
                let (Some(policy), Some(own)) =
                    (self.plan.policies.get(holding.policy), &holding.alternative)
                else {
                    continue;
                };
                let (Some(original), Some(base)) = (
                    &policy.original,
                    layout.alternatives.get(&(principal.entity, holding.policy)),
                ) else {
                    continue;
                };
                write(OutFile::text(format!("{base}.json"), pretty(&own.policy)))?;
                write(diff_file(
                    format!("{base}.diff"),
                    base,
                    original,
                    &own.policy,
                ))?;
            }
        }
        for patch in self.code.iter().flat_map(|c| &c.patches) {
            write(OutFile::text(patch.path.clone(), patch.text.clone()))?;
        }
        write(OutFile {
            path: "apply.sh".to_string(),
            contents: self.apply_script(layout),
            executable: true,
        })?;
        write(OutFile {
            path: "rollback.sh".to_string(),
            contents: self.rollback_script(layout),
            executable: true,
        })
    }
}

/// The files of one changed policy at `base`: the refined document (none
/// for one to delete or detach), the parts of an over-quota managed policy,
/// an inline policy's original and the diff.
fn policy_files(
    policy: &PolicyPlan,
    base: &str,
    write: &mut dyn FnMut(OutFile) -> Result<(), Error>,
) -> Result<(), Error> {
    let (Some(original), Some(outcome)) = (&policy.original, &policy.outcome) else {
        return Ok(());
    };
    if !matches!(policy.decision, Decision::DeleteInline | Decision::Detach) {
        write(OutFile::text(
            format!("{base}.json"),
            script::no_backtick(&pretty(&outcome.policy)),
        ))?;
    }
    // Over its quota: the parts of the split alternative, for a
    // reviewer who takes it (apply.sh does not).
    if let Some(limit) = policy.quota.filter(|q| q.over()).map(|q| q.limit) {
        if matches!(policy.reference, PolicyRef::Managed(_)) {
            let parts = crate::split::by_statements(&outcome.policy, limit).unwrap_or_default();
            for (i, part) in parts.iter().enumerate() {
                let text = serde_json::to_string_pretty(part).unwrap_or_default();
                write(OutFile::text(
                    format!("{base}.part{}.json", i + 1),
                    script::no_backtick(&text) + "\n",
                ))?;
            }
        }
    }
    // The inline document as it was: what the scripts compare the
    // live one with, and what rollback.sh puts back.
    if matches!(policy.reference, PolicyRef::Inline { .. }) {
        write(OutFile::text(
            format!("original/{base}.json"),
            script::no_backtick(&pretty(original)),
        ))?;
    }
    write(diff_file(
        format!("{base}.diff"),
        base,
        original,
        &outcome.policy,
    ))
}

/// The diff file `path` from `original/NAME.json` to `refined/NAME.json`.
pub(super) fn diff_file(path: String, name: &str, original: &Policy, refined: &Policy) -> OutFile {
    OutFile::text(
        path,
        diff::unified(
            &format!("original/{name}.json"),
            &pretty(original),
            &format!("refined/{name}.json"),
            &pretty(refined),
        ),
    )
}

/// Where the files of `--out` go: one directory per principal
/// (`role/NAME`), one base path per refined policy and per alternative.
/// Each name is a [`safe::path_component`]; within a directory no two
/// files fold ([`safe::fold`]) to the same name, so no file overwrites
/// another on any file system and no two principals share a `file://` in
/// `apply.sh`. A later name that would clash gets a `~2` (`~3`, ...) suffix,
/// which no sanitized name holds, and a note naming both.
#[derive(Debug, Default)]
pub(super) struct Layout {
    /// `role/NAME` per entity.
    pub(super) entities: HashMap<usize, String>,
    /// The base path (no extension) per refined policy, by index in the plan.
    pub(super) policies: HashMap<usize, String>,
    /// The base path per (principal, policy) alternative.
    pub(super) alternatives: HashMap<(usize, usize), String>,
    /// Per directory, the folded names taken and what took them.
    pub(super) taken: HashMap<String, BTreeMap<String, String>>,
    /// One sentence per clash, for stderr.
    pub(super) notes: Vec<String>,
}

impl Layout {
    /// `dir/COMPONENT` for `name`, unique in `dir` once case is ignored.
    pub(super) fn claim(&mut self, dir: &str, name: &str, what: String) -> String {
        let component = safe::path_component(name);
        let taken = self.taken.entry(dir.to_string()).or_default();
        let mut chosen = component.clone();
        let mut n = 1usize;
        while taken.contains_key(&safe::fold(&chosen)) {
            n += 1;
            chosen = format!("{component}~{n}");
        }
        if n > 1 {
            let earlier = taken
                .get(&safe::fold(&component))
                .cloned()
                .unwrap_or_default();
            self.notes.push(format!(
                "{what} and {earlier} would both be written as `{dir}/{component}` (file names keep only IAM's name characters, and some file systems ignore case); {what} is written as `{dir}/{chosen}`"
            ));
        }
        taken.insert(safe::fold(&chosen), what);
        format!("{dir}/{chosen}")
    }
}

/// One file of `--out DIR`.
#[derive(Clone)]
pub(super) struct OutFile {
    path: String,
    contents: String,
    executable: bool,
}

impl OutFile {
    pub(super) fn text(path: String, contents: String) -> OutFile {
        OutFile {
            path,
            contents,
            executable: false,
        }
    }

    pub(super) fn executable(path: String, contents: String) -> OutFile {
        OutFile {
            path,
            contents,
            executable: true,
        }
    }

    /// The same file under `dir` (one account's directory of an
    /// organization's plan): `dir` must be a [`safe::path_component`].
    pub(super) fn under(self, dir: &str) -> OutFile {
        OutFile {
            path: format!("{dir}/{}", self.path),
            ..self
        }
    }
}

/// `--out DIR` must be new, or an empty directory: the plan never mixes with
/// older files, and never overwrites anything.
pub(super) fn check_out_dir(out: &Path) -> Result<(), Error> {
    match std::fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::input(format!(
                    "`{}` exists and is not empty; choose a new directory for `--out`",
                    out.display()
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => {
            Err(Error::input(format!("cannot use `{}` for `--out`", out.display())).with_source(e))
        }
    }
}

/// Writes the files `files` gives, one at a time, into a new temporary
/// directory beside `out` (`.pare-plan-XXXXXX`, made by `tempfile`, so it
/// cannot collide with anything, a leftover of a killed run included), syncs
/// every file and directory, then renames it into place: `out` appears whole
/// or not at all. Each file's path is checked to stay inside the temporary
/// directory and is created new, never over another. On any failure the
/// temporary directory, and nothing else, is removed.
pub(super) fn write_out_dir(
    out: &Path,
    files: impl FnOnce(&mut dyn FnMut(OutFile) -> Result<(), Error>) -> Result<(), Error>,
) -> Result<(), Error> {
    check_out_dir(out)?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let fail = |what: String, e: std::io::Error| Error::input(what).with_source(e);
    let temp = tempfile::Builder::new()
        .prefix(".pare-plan-")
        .tempdir_in(&parent)
        .map_err(|e| {
            fail(
                format!(
                    "cannot create a temporary directory in `{}`",
                    parent.display()
                ),
                e,
            )
        })?;
    let root = temp.path().to_path_buf();
    let mut dirs = std::collections::BTreeSet::from([root.clone()]);
    let mut written = Vec::new();
    files(&mut |file: OutFile| {
        let path = inside(&root, &file.path)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| fail(format!("cannot create `{}`", dir.display()), e))?;
            let mut ancestor = Some(dir);
            while let Some(d) = ancestor.filter(|d| *d != root.as_path()) {
                if !dirs.insert(d.to_path_buf()) {
                    break;
                }
                ancestor = d.parent();
            }
        }
        write_new_file(&path, &file)
            .map_err(|e| fail(format!("cannot write `{}`", path.display()), e))?;
        written.push(path);
        Ok(())
    })?;
    // Every file, then every directory, reaches the disk before the rename.
    sync_plan(&root, &written, dirs)?;
    // An empty directory in the way (checked above) is replaced by the
    // rename itself where the system allows it (Unix); elsewhere it is
    // removed first, and only when it is still empty.
    #[cfg(not(unix))]
    if out.is_dir() {
        std::fs::remove_dir(out)
            .map_err(|e| fail(format!("cannot replace `{}`", out.display()), e))?;
    }
    std::fs::rename(&root, out)
        .map_err(|e| fail(format!("cannot move the plan into `{}`", out.display()), e))?;
    // The directory is `out` now: nothing left for the guard to remove.
    let _ = temp.keep();
    sync_dir(&parent).map_err(|e| fail(format!("cannot sync `{}`", parent.display()), e))
}

/// `root` joined with `relative`, which must be a relative path of plain
/// components (no `..`, no root, no prefix) that stays under `root`. Every
/// path pare writes passes here, whatever made it.
pub(super) fn inside(root: &Path, relative: &str) -> Result<PathBuf, Error> {
    let path = Path::new(relative);
    let plain =
        !relative.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)));
    let joined = root.join(path);
    if !plain || !joined.starts_with(root) {
        return Err(Error::input(format!(
            "refusing to write `{}`: it is not a plain path inside the plan directory",
            safe::escape(relative)
        )));
    }
    Ok(joined)
}

/// Creates `path` (never over an existing file) and writes it; see
/// [`sync_all`] for when it reaches the disk.
pub(super) fn write_new_file(path: &Path, file: &OutFile) -> std::io::Result<()> {
    let mut handle = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    handle.write_all(file.contents.as_bytes())?;
    if file.executable {
        set_executable(&handle)?;
    }
    Ok(())
}

/// Makes every file and directory of the plan durable. On Linux one
/// `syncfs(2)` on the plan's file system does it in one call: a file at a
/// time cost a thousand-principal plan tens of seconds on a journaling file
/// system. Elsewhere every file, then every directory, is synced, a few at
/// a time so that the journal commits them together.
pub(super) fn sync_plan(
    root: &Path,
    files: &[PathBuf],
    dirs: std::collections::BTreeSet<PathBuf>,
) -> Result<(), Error> {
    let fail = |path: &Path, e: std::io::Error| {
        Error::input(format!("cannot sync `{}`", path.display())).with_source(e)
    };
    #[cfg(target_os = "linux")]
    {
        let _ = (files, dirs);
        let dir = std::fs::File::open(root).map_err(|e| fail(root, e))?;
        rustix::fs::syncfs(&dir).map_err(|e| fail(root, e.into()))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = root;
        sync_all(files, sync_file).map_err(|(p, e)| fail(&p, e))?;
        let dirs: Vec<PathBuf> = dirs.into_iter().collect();
        sync_all(&dirs, sync_dir).map_err(|(p, e)| fail(&p, e))
    }
}

#[cfg(not(target_os = "linux"))]
/// Runs `sync` on every path, on a few threads at once; the first failure,
/// with its path, if any.
pub(super) fn sync_all(
    paths: &[PathBuf],
    sync: fn(&Path) -> std::io::Result<()>,
) -> Result<(), (PathBuf, std::io::Error)> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::Mutex::new(None);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(4, 16)
        .min(paths.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(path) =
                    paths.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                {
                    if let Err(e) = sync(path) {
                        if let Ok(mut slot) = failed.lock() {
                            slot.get_or_insert((path.clone(), e));
                        }
                        return;
                    }
                }
            });
        }
    });
    match failed.into_inner() {
        Ok(Some(failure)) => Err(failure),
        _ => Ok(()),
    }
}

#[cfg(not(target_os = "linux"))]
pub(super) fn sync_file(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)?
        .sync_all()
}

#[cfg(unix)]
pub(super) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
pub(super) fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
pub(super) fn set_executable(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
pub(super) fn set_executable(_file: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary one, removed by the caller.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pare-account-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn out_dir_appears_whole_and_never_overwrites() {
        let dir = scratch("out");
        let out = dir.join("plan");
        let files = vec![
            OutFile::text("role/a/p.json".into(), "{}\n".into()),
            OutFile {
                path: "apply.sh".into(),
                contents: "#!/usr/bin/env bash\n".into(),
                executable: true,
            },
        ];
        write_out_dir(&out, all(&files)).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("role/a/p.json")).unwrap(),
            "{}\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(out.join("apply.sh"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o111, 0o111);
        }
        // Only the plan is left beside it: no temporary directory.
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["plan"]);
        let err = write_out_dir(&out, all(&files)).unwrap_err();
        assert!(err.to_string().contains("is not empty"), "{err}");
        // An empty directory is fine.
        let empty = dir.join("empty");
        std::fs::create_dir(&empty).unwrap();
        write_out_dir(&empty, all(&files)).unwrap();
        assert!(empty.join("apply.sh").is_file());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Hands each of `files` to the writer.
    fn all(
        files: &[OutFile],
    ) -> impl FnOnce(&mut dyn FnMut(OutFile) -> Result<(), Error>) -> Result<(), Error> + '_ {
        move |write| files.iter().cloned().try_for_each(write)
    }

    #[test]
    fn a_file_that_fails_midway_leaves_nothing_behind() {
        let dir = scratch("midway");
        let out = dir.join("plan");
        let result = write_out_dir(&out, |write| {
            write(OutFile::text("role/a/p.json".into(), "{}\n".into()))?;
            Err(Error::input("rendering failed".to_string()))
        });
        assert!(result.unwrap_err().to_string().contains("rendering failed"));
        // Neither the plan nor the temporary directory with the first file.
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert!(names.is_empty(), "{names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn progress_shows_on_a_terminal_only() {
        let dir = scratch("progress");
        let synthetic = pare_testkit::synthetic::generate(pare_catalog::embedded(), 80, 3);
        std::fs::write(dir.join("details.json"), &synthetic.details).unwrap();
        std::fs::write(dir.join("findings.jsonl"), &synthetic.findings).unwrap();
        let args = |format: &str| -> Vec<OsString> {
            vec![
                "pare".into(),
                "account".into(),
                dir.join("details.json").into(),
                "--findings".into(),
                dir.join("findings.jsonl").into(),
                "--format".into(),
                format.into(),
            ]
        };
        for terminal in [false, true] {
            let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
            let code = {
                let mut io = Io::buffers(&[], &mut stdout, &mut stderr);
                io.stderr_is_terminal = terminal;
                crate::run(args("csv"), &mut io)
            };
            assert_eq!(code, 0);
            let stderr = String::from_utf8(stderr).unwrap();
            assert_eq!(stderr.contains("\rrefining "), terminal, "{stderr:?}");
            if terminal {
                assert!(
                    stderr.contains("\r\x1b[K"),
                    "the line is cleared at the end"
                );
            }
            let rows = String::from_utf8(stdout).unwrap().lines().count();
            assert!(rows > 80, "{rows} rows");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_plan_is_built_in_a_recognizable_temporary_directory() {
        let dir = scratch("temporary");
        let out = dir.join("plan");
        let mut seen = Vec::new();
        let result = write_out_dir(&out, |write| {
            write(OutFile::text("role/a/p.json".into(), "{}\n".into()))?;
            seen = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            // A path that climbs out is refused, and the run fails whole.
            write(OutFile::text("../../escaped.json".into(), "{}\n".into()))
        });
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert!(seen[0].starts_with(".pare-plan-"), "{seen:?}");
        let err = result.unwrap_err().to_string();
        assert!(err.contains("not a plain path"), "{err}");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
        assert!(!dir.parent().unwrap().join("escaped.json").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn paths_outside_the_plan_are_refused() {
        let root = Path::new("/plan");
        assert_eq!(
            inside(root, "role/a/p.json").unwrap(),
            root.join("role/a/p.json")
        );
        for bad in ["", "../x", "role/../../x", "/etc/x", "a//..", "."] {
            let err = inside(root, bad).unwrap_err().to_string();
            assert!(err.contains("not a plain path"), "{bad:?}: {err}");
        }
    }
}
