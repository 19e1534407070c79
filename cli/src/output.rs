//! `-o/--output FILE`: a command's stdout collected and written to FILE
//! atomically, so that a reader of FILE sees the old contents or the new,
//! never a part, and a failed run leaves FILE as it was.

use std::cell::RefCell;
use std::io::Write;
use std::path::Path;
use std::rc::Rc;

use crate::error::Error;
use crate::exit;
use crate::io::Io;

/// A writer that collects into a buffer the caller keeps a handle to.
#[derive(Clone, Debug, Default)]
struct Collect(Rc<RefCell<Vec<u8>>>);

impl Write for Collect {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `command` with its stdout collected, then writes what it printed to
/// `path` when it ends without an error. A run that has no result to give
/// (`refine`'s detach, exit 3, which prints no policy) leaves `path` as it was.
pub fn to_file(
    path: &Path,
    io: &mut Io<'_>,
    command: impl FnOnce(&mut Io<'_>) -> Result<i32, Error>,
) -> Result<i32, Error> {
    let collected = Collect::default();
    let stdout = std::mem::replace(&mut io.stdout, Box::new(collected.clone()));
    let terminal = std::mem::replace(&mut io.stdout_is_terminal, false);
    let result = command(io);
    io.stdout = stdout;
    io.stdout_is_terminal = terminal;
    let code = result?;
    if code == exit::DETACH {
        return Ok(code);
    }
    let bytes = collected.0.take();
    write_atomically(path, &bytes)
        .map_err(|e| Error::input(format!("cannot write `{}`", path.display())).with_source(e))?;
    Ok(code)
}

/// Runs `command` with only its `error: ` lines reaching stderr (`--quiet`).
/// The error a command ends with is printed after, by [`crate::run`].
pub fn errors_only(
    io: &mut Io<'_>,
    command: impl FnOnce(&mut Io<'_>) -> Result<i32, Error>,
) -> Result<i32, Error> {
    let collected = Collect::default();
    let stderr = std::mem::replace(&mut io.stderr, Box::new(collected.clone()));
    let result = command(io);
    io.stderr = stderr;
    let bytes = collected.0.take();
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"error: ") {
            io.stderr.write_all(line)?;
        }
    }
    result
}

/// Writes `bytes` to a temporary file next to `path`, flushes it to disk,
/// and renames it over `path`. An existing file keeps its permissions; a new
/// one is readable by all (0644), as a file a shell redirection makes.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    // The temporary name is random: the message names the directory instead.
    let mut file = tempfile::Builder::new()
        .prefix(".pare-output-")
        .tempfile_in(dir)
        .map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "cannot create a file in `{}`: {}",
                    dir.display(),
                    std::io::Error::from(e.kind())
                ),
            )
        })?;
    file.write_all(bytes)?;
    let permissions = match std::fs::metadata(path) {
        Ok(meta) => Some(meta.permissions()),
        Err(_) => new_file_permissions(file.as_file())?,
    };
    if let Some(permissions) = permissions {
        file.as_file().set_permissions(permissions)?;
    }
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(unix)]
fn new_file_permissions(file: &std::fs::File) -> std::io::Result<Option<std::fs::Permissions>> {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = file.metadata()?.permissions();
    permissions.set_mode(0o644);
    Ok(Some(permissions))
}

#[cfg(not(unix))]
fn new_file_permissions(_: &std::fs::File) -> std::io::Result<Option<std::fs::Permissions>> {
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        std::fs::write(&path, "old").unwrap();
        write_atomically(&path, b"new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_failed_run_leaves_the_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        std::fs::write(&path, "old").unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut io = Io::buffers(b"", &mut out, &mut err);
        let result = to_file(&path, &mut io, |io| {
            io.stdout.write_all(b"partial")?;
            Err(Error::input("bad input"))
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        let code = to_file(&path, &mut io, |io| {
            io.stdout.write_all(b"whole")?;
            Ok(exit::SUCCESS)
        })
        .unwrap();
        assert_eq!(code, exit::SUCCESS);
        drop(io);
        assert!(out.is_empty());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "whole");
    }

    #[test]
    fn a_missing_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/out.json");
        assert!(write_atomically(&path, b"x").is_err());
    }
}
