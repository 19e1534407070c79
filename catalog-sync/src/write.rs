//! Writing files so that a reader never sees half of one: a temporary file
//! beside the target, then a rename over it.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Replaces `path` with `bytes` atomically (on one file system, a rename is).
pub(crate) fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("create the directory", &dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temp).map_err(|e| Error::io("create", &temp, e))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| Error::io("write", &temp, e))?;
        std::fs::rename(&temp, path).map_err(|e| Error::io("replace", path, e))
    })();
    if result.is_err() {
        // Best effort: the error that matters is the one being returned.
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Saves raw files under `dir` at their relative paths (`index.json`,
/// `v1/<svc>/<svc>.json`), each atomically.
pub(crate) fn mirror(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), Error> {
    for (relative, bytes) in files {
        atomic_write(&dir.join(relative), bytes)?;
    }
    Ok(())
}
