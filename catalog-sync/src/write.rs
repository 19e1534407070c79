//! Writing files and trees so that a reader never sees half of one: a
//! temporary file or directory beside the target, then a rename over it.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind};

/// Replaces `path` with `bytes` atomically (on one file system, a rename is).
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = parent_of(path);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("create the directory", &dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        write_synced(&temp, bytes)?;
        std::fs::rename(&temp, path).map_err(|e| Error::io("replace", path, e))
    })();
    if result.is_err() {
        // Best effort: the error that matters is the one being returned.
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Writes `bytes` to a new file at `path` and flushes it to the disk.
fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut file = std::fs::File::create(path).map_err(|e| Error::io("create", path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io("write", path, e))
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A temporary directory beside `target`, on the same file system so that it
/// can be renamed into place; removed on drop unless kept. Its name says what
/// made it, so a leftover of a killed run is easy to recognize.
pub fn temp_dir_beside(target: &Path) -> Result<tempfile::TempDir, Error> {
    let parent = parent_of(target);
    std::fs::create_dir_all(&parent).map_err(|e| Error::io("create the directory", &parent, e))?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    tempfile::Builder::new()
        .prefix(&format!(".{name}.pare-sync-"))
        .tempdir_in(&parent)
        .map_err(|e| Error::io("create a temporary directory in", &parent, e))
}

/// Puts the complete tree `fresh` at `target`, replacing the tree there, so
/// that at every moment `target` is the old tree or the new one, never a mix.
///
/// On Linux and macOS the two trees are exchanged in one `renameat2`
/// (`RENAME_EXCHANGE`, `RENAME_SWAP`) and the old one, now at `fresh`, is
/// removed. Where that is not available (Windows, or a file system that
/// refuses the exchange) the old tree is first renamed aside: a kill between
/// the two renames leaves it whole at `.<name>.pare-old-<pid>` beside `target`,
/// and `target` absent.
pub fn replace_dir(fresh: &Path, target: &Path) -> Result<(), Error> {
    sync_dir(fresh);
    if std::fs::symlink_metadata(target).is_err() {
        std::fs::rename(fresh, target).map_err(|e| Error::io("rename into place", target, e))?;
        sync_dir(&parent_of(target));
        return Ok(());
    }
    if exchange(fresh, target) {
        sync_dir(&parent_of(target));
        // `fresh` now holds the old tree.
        return std::fs::remove_dir_all(fresh).map_err(|e| Error::io("remove", fresh, e));
    }
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let aside = parent_of(target).join(format!(".{name}.pare-old-{}", std::process::id()));
    std::fs::rename(target, &aside).map_err(|e| Error::io("move aside", target, e))?;
    if let Err(e) = std::fs::rename(fresh, target) {
        // Put the old tree back; if even that fails, the error names where it is.
        let _ = std::fs::rename(&aside, target);
        return Err(Error::io("rename into place", target, e));
    }
    sync_dir(&parent_of(target));
    std::fs::remove_dir_all(&aside).map_err(|e| Error::io("remove", &aside, e))
}

/// Exchanges the two paths atomically; false if this platform or file system cannot.
#[cfg(any(target_os = "linux", target_os = "android", target_os = "macos"))]
fn exchange(a: &Path, b: &Path) -> bool {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).is_ok()
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "macos")))]
fn exchange(_: &Path, _: &Path) -> bool {
    false
}

/// Flushes a directory's entries to the disk where the platform allows it
/// (best effort: not every system can open a directory as a file).
fn sync_dir(dir: &Path) {
    if let Ok(handle) = std::fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

/// Replaces the directory `dir` with exactly `files` (relative paths such as
/// `index.json`, `v1/<svc>/<svc>.json`): built whole in a temporary directory
/// beside it, then swapped in with [`replace_dir`], so that `dir` is never
/// half written and keeps no file of a service the index no longer lists.
///
/// An existing `dir` that is not empty and has no `index.json` is refused: it
/// is not a mirror, and replacing it would delete someone's files.
pub(crate) fn mirror(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), Error> {
    if let Ok(mut entries) = std::fs::read_dir(dir) {
        let is_empty = entries.next().is_none();
        if !is_empty && !dir.join(pare_catalog::INDEX_FILE).is_file() {
            return Err(Error::new(
                ErrorKind::Usage,
                format!(
                    "`{}` is not empty and holds no `{}`: it is not a mirror, and it is left as it is",
                    dir.display(),
                    pare_catalog::INDEX_FILE
                ),
            ));
        }
    }
    let temp = temp_dir_beside(dir)?;
    for (relative, bytes) in files {
        let path = temp.path().join(relative);
        let parent = parent_of(&path);
        std::fs::create_dir_all(&parent)
            .map_err(|e| Error::io("create the directory", &parent, e))?;
        write_synced(&path, bytes)?;
    }
    let fresh = temp.keep();
    let result = replace_dir(&fresh, dir);
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&fresh);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(root: &Path, files: &[(&str, &str)]) {
        for (relative, text) in files {
            let path = root.join(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    fn listing(root: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let relative = path.strip_prefix(root).unwrap();
                    let text = std::fs::read_to_string(&path).unwrap();
                    out.push(format!("{}={text}", relative.display()));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn replace_dir_swaps_whole_trees_and_leaves_nothing_beside() {
        let base = tempfile::tempdir().unwrap();
        let target = base.path().join("data");
        tree(&target, &[("a", "old"), ("gone/x", "old")]);
        let fresh = temp_dir_beside(&target).unwrap().keep();
        tree(&fresh, &[("a", "new"), ("b/c", "new")]);
        replace_dir(&fresh, &target).unwrap();
        assert_eq!(listing(&target), ["a=new", "b/c=new"]);
        let names: Vec<_> = std::fs::read_dir(base.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["data"]);

        // Into a place where nothing is yet.
        let other = base.path().join("new");
        let fresh = temp_dir_beside(&other).unwrap().keep();
        tree(&fresh, &[("z", "1")]);
        replace_dir(&fresh, &other).unwrap();
        assert_eq!(listing(&other), ["z=1"]);
    }

    #[test]
    fn a_mirror_is_replaced_whole_and_drops_what_the_index_no_longer_lists() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("mirror");
        let files = |names: &[&str]| -> Vec<(String, Vec<u8>)> {
            names
                .iter()
                .map(|n| (n.to_string(), n.as_bytes().to_vec()))
                .collect()
        };
        mirror(&dir, &files(&["index.json", "v1/a/a.json", "v1/b/b.json"])).unwrap();
        mirror(&dir, &files(&["index.json", "v1/a/a.json"])).unwrap();
        assert_eq!(
            listing(&dir),
            ["index.json=index.json", "v1/a/a.json=v1/a/a.json"]
        );
        assert!(!dir.join("v1/b").exists());
    }

    #[test]
    fn a_directory_that_is_not_a_mirror_is_left_alone() {
        let base = tempfile::tempdir().unwrap();
        tree(base.path(), &[("notes.txt", "mine")]);
        let files = vec![("index.json".to_owned(), b"[]".to_vec())];
        let err = mirror(base.path(), &files).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Usage);
        assert!(err.to_string().contains("not a mirror"), "{err}");
        assert_eq!(listing(base.path()), ["notes.txt=mine"]);
    }
}
