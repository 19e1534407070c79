//! Makes the minimized copy of the service reference that the tests serve:
//! only the fields the catalog reads, one action per line so that a refresh
//! of the test data diffs like the table does. Like the table, the copy is
//! normalized: its `index.json` names the official endpoint in the
//! endpoint's layout whatever origin (a corporate mirror, a loopback server)
//! the sync read, so a sync that finds no change leaves no diff.

use std::fmt::Write as _;
use std::path::Path;

use pare_catalog::{DEFAULT_URL, IndexEntry};
use serde_json::Value;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The fields of a service file the catalog reads, in the order AWS writes them.
const SERVICE_KEYS: [&str; 2] = ["Name", "Version"];
/// The fields of an action the catalog reads.
const ACTION_KEYS: [&str; 3] = ["Name", "Annotations", "SupportedBy"];
/// The fields of an operation the event table reads.
const OPERATION_KEYS: [&str; 3] = ["Name", "AuthorizedActions", "SDK"];
/// The fields of an authorized action and of an SDK entry the event table reads.
const AUTHORIZED_KEYS: [&str; 2] = ["Name", "Service"];
const SDK_KEYS: [&str; 2] = ["Name", "Package"];

/// Copies `source` to `out`, minimized; returns the number of service files.
pub(crate) fn run(source: &Path, out: &Path) -> Result<usize, BoxError> {
    let index_path = source.join(pare_catalog::INDEX_FILE);
    let index = std::fs::read(&index_path)
        .map_err(|e| format!("cannot read `{}`: {e}", index_path.display()))?;
    let entries = pare_catalog::parse_index(&index, &index_path.display().to_string())?;
    std::fs::create_dir_all(out)?;
    std::fs::write(
        out.join(pare_catalog::INDEX_FILE),
        normalized_index(&entries)?,
    )?;
    for entry in &entries {
        let relative = entry.relative_path();
        let path = source.join(&relative);
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        // Validate first, so that the copy holds only data the sync accepts.
        pare_catalog::parse_service(entry, &bytes, &path.display().to_string())?;
        pare_catalog::events::parse_operations(&bytes, &path.display().to_string())?;
        let service: Value = serde_json::from_slice(&bytes)?;
        let target = out.join(&relative);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&target, minimize(&service)?)?;
    }
    Ok(entries.len())
}

/// Replaces the tree `out` with a minimized copy of `source`: built whole
/// in a temporary directory beside it, then swapped in by
/// [`pare_catalog_sync::replace_dir`], so that a kill at any moment leaves
/// the old copy or the new one, and services gone from the index leave no file.
pub(crate) fn replace(source: &Path, out: &Path) -> Result<usize, BoxError> {
    let temp = pare_catalog_sync::temp_dir_beside(out)?;
    let count = run(source, temp.path())?;
    let fresh = temp.keep();
    if let Err(err) = pare_catalog_sync::replace_dir(&fresh, out) {
        let _ = std::fs::remove_dir_all(&fresh);
        return Err(err.into());
    }
    Ok(count)
}

/// The index as the endpoint serves it: entries sorted by service, each URL
/// the official one for the service (derived from its name, never copied
/// from the input), in the endpoint's layout (`[ {`, `"key" : value`, `}, {`,
/// no final newline).
pub(crate) fn normalized_index(entries: &[IndexEntry]) -> Result<String, BoxError> {
    let mut sorted: Vec<&IndexEntry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.service.cmp(&b.service));
    let mut out = String::from("[ ");
    for (i, entry) in sorted.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let url = format!("{DEFAULT_URL}{}", entry.relative_path());
        write!(
            out,
            "{{\n  \"service\" : {},\n  \"url\" : {}",
            Value::from(entry.service.as_str()),
            Value::from(url)
        )?;
        if let Some(modified) = entry.modified {
            write!(out, ",\n  \"modified\" : {modified}")?;
        }
        out.push_str("\n}");
    }
    out.push_str(" ]");
    Ok(out)
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
    out.push(']');
    if let Some(operations) = object.get("Operations").and_then(Value::as_array) {
        out.push_str(",\"Operations\":[\n");
        for (i, operation) in operations.iter().enumerate() {
            let kept = keep(operation, &OPERATION_KEYS, |key, value| match key {
                "AuthorizedActions" => keep_each(value, &AUTHORIZED_KEYS),
                "SDK" => keep_each(value, &SDK_KEYS),
                _ => value.clone(),
            });
            let comma = if i + 1 < operations.len() { "," } else { "" };
            writeln!(out, "{kept}{comma}")?;
        }
        out.push(']');
    }
    out.push_str("}\n");
    Ok(out)
}

/// `value`'s fields named in `keys`, in that order, each passed through `map`.
fn keep(value: &Value, keys: &[&str], map: impl Fn(&str, &Value) -> Value) -> Value {
    let kept: serde_json::Map<String, Value> = keys
        .iter()
        .filter_map(|&k| value.get(k).map(|v| (k.to_owned(), map(k, v))))
        .collect();
    Value::Object(kept)
}

/// Each element of the array `value`, keeping only `keys`.
fn keep_each(value: &Value, keys: &[&str]) -> Value {
    match value.as_array() {
        Some(items) => Value::Array(
            items
                .iter()
                .map(|item| keep(item, keys, |_, v| v.clone()))
                .collect(),
        ),
        None => value.clone(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn committed_copy() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog/tests/data/service-reference")
    }

    /// Every file under `root`, as (relative path, bytes), sorted.
    fn files(root: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let relative = path.strip_prefix(root).unwrap().display().to_string();
                    out.push((relative, std::fs::read(&path).unwrap()));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn the_committed_index_is_in_normal_form() {
        let index = std::fs::read(committed_copy().join(pare_catalog::INDEX_FILE)).unwrap();
        let entries = pare_catalog::parse_index(&index, "index.json").unwrap();
        assert!(normalized_index(&entries).unwrap().as_bytes() == index.as_slice());
    }

    /// A copy read from another origin, laid out and ordered otherwise,
    /// minimizes to the committed copy byte for byte: such a sync leaves no diff.
    #[test]
    fn a_copy_from_another_origin_minimizes_to_the_same_bytes() {
        let scratch = tempfile::tempdir().unwrap();
        let source = scratch.path().join("mirror");
        let committed = files(&committed_copy());
        for (relative, bytes) in &committed {
            let path = source.join(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        let index = std::fs::read(committed_copy().join(pare_catalog::INDEX_FILE)).unwrap();
        let mut entries: Vec<Value> = serde_json::from_slice(&index).unwrap();
        entries.reverse();
        for entry in &mut entries {
            let service = entry["service"].as_str().unwrap().to_owned();
            entry["url"] =
                format!("http://127.0.0.1:8080/mirror/v1/{service}/{service}.json").into();
        }
        std::fs::write(
            source.join(pare_catalog::INDEX_FILE),
            serde_json::to_vec(&entries).unwrap(),
        )
        .unwrap();

        let out = scratch.path().join("service-reference");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("stale-leftover.json"), "{}").unwrap();
        let count = replace(&source, &out).unwrap();
        assert_eq!(count, committed.len() - 1);
        let made = files(&out);
        assert_eq!(made.len(), committed.len());
        for ((name, bytes), (want_name, want)) in made.iter().zip(&committed) {
            assert_eq!(name, want_name);
            assert!(bytes == want, "{name} differs");
        }
        // Nothing is left beside the copy.
        let beside: Vec<_> = std::fs::read_dir(scratch.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(beside.len(), 2, "{beside:?}");
    }

    /// A refresh that fails halfway (here: a service file the index lists is
    /// missing) leaves the old copy whole, and nothing beside it.
    #[test]
    fn a_failed_refresh_leaves_the_old_copy() {
        let scratch = tempfile::tempdir().unwrap();
        let out = scratch.path().join("service-reference");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("index.json"), "old").unwrap();
        let source = scratch.path().join("broken");
        std::fs::create_dir_all(&source).unwrap();
        std::fs::write(
            source.join("index.json"),
            r#"[{"service":"s3","url":"https://x.test/v1/s3/s3.json"}]"#,
        )
        .unwrap();
        assert!(replace(&source, &out).is_err());
        assert_eq!(files(&out), [("index.json".to_owned(), b"old".to_vec())]);
        let beside: Vec<_> = std::fs::read_dir(scratch.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(beside, ["broken", "service-reference"]);
    }
}
