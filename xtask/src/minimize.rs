//! Makes the minimized copy of the service reference that the tests serve:
//! only the fields the catalog reads, one action per line so that a refresh
//! of the test data diffs like the table does.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The fields of a service file the catalog reads, in the order AWS writes them.
const SERVICE_KEYS: [&str; 2] = ["Name", "Version"];
/// The fields of an action the catalog reads.
const ACTION_KEYS: [&str; 3] = ["Name", "Annotations", "SupportedBy"];

/// Copies `source` to `out`, minimized; returns the number of service files.
pub(crate) fn run(source: &Path, out: &Path) -> Result<usize, BoxError> {
    let index_path = source.join(pare_catalog::INDEX_FILE);
    let index = std::fs::read(&index_path)
        .map_err(|e| format!("cannot read `{}`: {e}", index_path.display()))?;
    let entries = pare_catalog::parse_index(&index, &index_path.display().to_string())?;
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join(pare_catalog::INDEX_FILE), &index)?;
    for entry in &entries {
        let relative = entry.relative_path();
        let path = source.join(&relative);
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        // Validate first, so that the copy holds only data the sync accepts.
        pare_catalog::parse_service(entry, &bytes, &path.display().to_string())?;
        let service: Value = serde_json::from_slice(&bytes)?;
        let target = out.join(&relative);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&target, minimize(&service)?)?;
    }
    Ok(entries.len())
}

/// Replaces the tree `out` with a minimized copy of `source`: built beside
/// it, then swapped in, so that services gone from the index leave no file.
pub(crate) fn replace(source: &Path, out: &Path) -> Result<usize, BoxError> {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = out
        .parent()
        .ok_or("the test data directory has no parent")?;
    let fresh = parent.join(format!(".{name}.new"));
    let stale = parent.join(format!(".{name}.old"));
    for dir in [&fresh, &stale] {
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
    }
    let count = run(source, &fresh)?;
    if out.exists() {
        std::fs::rename(out, &stale)?;
    }
    std::fs::rename(&fresh, out)?;
    if stale.exists() {
        std::fs::remove_dir_all(&stale)?;
    }
    Ok(count)
}

fn minimize(service: &Value) -> Result<String, BoxError> {
    let object = service
        .as_object()
        .ok_or("a service file is not an object")?;
    let mut out = String::from("{");
    for key in SERVICE_KEYS {
        if let Some(value) = object.get(key) {
            write!(out, "{}:{},", Value::from(key), value)?;
        }
    }
    out.push_str("\"Actions\":[\n");
    let actions = object
        .get("Actions")
        .and_then(Value::as_array)
        .ok_or("a service file has no `Actions` array")?;
    for (i, action) in actions.iter().enumerate() {
        let action = action.as_object().ok_or("an action is not an object")?;
        let kept: serde_json::Map<String, Value> = ACTION_KEYS
            .iter()
            .filter_map(|&k| action.get(k).map(|v| (k.to_owned(), v.clone())))
            .collect();
        let comma = if i + 1 < actions.len() { "," } else { "" };
        writeln!(out, "{}{comma}", Value::Object(kept))?;
    }
    out.push_str("]}\n");
    Ok(out)
}
