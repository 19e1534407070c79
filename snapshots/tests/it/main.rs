//! The snapshot corpus: every case under `snapshots/cases/` run through
//! `pare_cli::run` in-process, its exit code and output pinned by insta.
//!
//! The case format is described in `snapshots/README.md`.

// clippy.toml allows these in `#[test]` functions only; the harness's helpers
// are test code too, and a malformed case must stop the run loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test harness: a malformed case must stop the run loudly"
)]

mod account;
mod org;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use pare_cli::Io;
use serde_json::{Map, Value, json};

/// One case file, read strictly: an unknown field is a mistake in the case.
struct Case {
    args: Option<Vec<String>>,
    policy: Option<Value>,
    unused: Option<Value>,
    catalog: Option<Map<String, Value>>,
    files: BTreeMap<String, Value>,
    binary: BTreeMap<String, Vec<u8>>,
    stdin: Option<String>,
    columns: Option<usize>,
    note: Option<String>,
}

impl Case {
    fn read(path: &Path) -> Case {
        let text = fs::read_to_string(path).unwrap();
        let value: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
        let Value::Object(mut object) = value else {
            panic!("{}: a case is a JSON object", path.display())
        };
        let mut take = |key: &str| object.remove(key);
        let case = Case {
            args: take("args").map(|v| {
                v.as_array()
                    .unwrap_or_else(|| panic!("{}: `args` is an array", path.display()))
                    .iter()
                    .map(|a| a.as_str().expect("`args` holds strings").to_string())
                    .collect()
            }),
            policy: take("policy"),
            unused: take("unused"),
            catalog: take("catalog").map(|v| match v {
                Value::Object(o) => o,
                _ => panic!("{}: `catalog` is an object", path.display()),
            }),
            files: match take("files") {
                None => BTreeMap::new(),
                Some(Value::Object(o)) => o.into_iter().collect(),
                Some(_) => panic!("{}: `files` is an object", path.display()),
            },
            binary: match take("binary") {
                None => BTreeMap::new(),
                Some(Value::Object(o)) => o
                    .into_iter()
                    .map(|(name, hex)| {
                        let hex = hex.as_str().expect("`binary` values are hex strings");
                        (name, from_hex(hex))
                    })
                    .collect(),
                Some(_) => panic!("{}: `binary` is an object", path.display()),
            },
            stdin: take("stdin").map(|v| match v {
                Value::String(s) => s,
                _ => panic!("{}: `stdin` is a string", path.display()),
            }),
            columns: take("columns").map(|v| {
                v.as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .unwrap_or_else(|| panic!("{}: `columns` is a number", path.display()))
            }),
            note: take("note").map(|v| match v {
                Value::String(s) => s,
                _ => panic!("{}: `note` is a string", path.display()),
            }),
        };
        let unknown: Vec<&String> = object.keys().collect();
        assert!(
            unknown.is_empty(),
            "{}: unknown fields {unknown:?}",
            path.display()
        );
        case
    }

    /// The arguments after `pare`, with `{...}` placeholders.
    fn args(&self) -> Vec<String> {
        if let Some(args) = &self.args {
            return args.clone();
        }
        let mut args: Vec<String> = ["refine", "{policy}", "--unused", "{unused}"]
            .map(String::from)
            .to_vec();
        args.extend(["--format".to_string(), "json".to_string()]);
        if self.catalog.is_some() {
            args.extend(["--catalog".to_string(), "{catalog}".to_string()]);
        }
        args
    }
}

/// `"1f 8b 08"` as bytes; white space between bytes is ignored.
fn from_hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(
        digits.len() % 2 == 0,
        "`binary`: an odd number of hex digits"
    );
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

/// A JSON string is written as raw text (to express malformed input); any
/// other value pretty-printed.
fn write_value(path: &Path, value: &Value) {
    let text = match value {
        Value::String(raw) => raw.clone(),
        other => serde_json::to_string_pretty(other).unwrap() + "\n",
    };
    fs::write(path, text).unwrap();
}

/// A service-reference directory (`index.json`, `v1/<svc>/<svc>.json`) from
/// `{"s3": ["GetObject", "PutObject:Write"]}`; the access level defaults to Read.
/// A `!tracked` suffix (`"GetObject!tracked"`, `"PutObject:Write!tracked"`) marks
/// an action whose last access IAM tracks; without it an action is untracked.
fn write_catalog(dir: &Path, catalog: &Map<String, Value>) {
    let mut index = Vec::new();
    for (service, actions) in catalog {
        let url =
            format!("https://servicereference.us-east-1.amazonaws.com/v1/{service}/{service}.json");
        index.push(json!({"service": service, "url": url}));
        let actions: Vec<Value> = actions
            .as_array()
            .unwrap_or_else(|| panic!("catalog `{service}` is an array of action names"))
            .iter()
            .map(|a| {
                let a = a.as_str().expect("catalog actions are strings");
                let (a, tracked) = match a.strip_suffix("!tracked") {
                    Some(a) => (a, true),
                    None => (a, false),
                };
                let (name, level) = a.split_once(':').unwrap_or((a, "Read"));
                let flag = |l: &str| level == l;
                assert!(
                    ["Read", "List", "Write", "Permissions management", "Tagging"].contains(&level),
                    "unknown access level `{level}` for `{service}:{name}`"
                );
                let mut action = json!({
                    "Name": name,
                    "Annotations": {"Properties": {
                        "IsList": flag("List"),
                        "IsPermissionManagement": flag("Permissions management"),
                        "IsTaggingOnly": flag("Tagging"),
                        "IsWrite": flag("Write"),
                    }},
                });
                if tracked {
                    action["SupportedBy"] = json!({"IAM Action Last Accessed": true});
                }
                action
            })
            .collect();
        let service_dir = dir.join("v1").join(service);
        fs::create_dir_all(&service_dir).unwrap();
        write_value(
            &service_dir.join(format!("{service}.json")),
            &json!({"Name": service, "Version": "v1.0", "Actions": actions}),
        );
    }
    fs::create_dir_all(dir).unwrap();
    write_value(&dir.join("index.json"), &Value::Array(index));
}

/// Writes the case's files into `dir` and runs it; returns the rendered snapshot.
fn run_case(case: &Case, dir: &Path) -> String {
    // Placeholder → path, longest path first when replacing back.
    let mut places: Vec<(String, PathBuf)> = vec![
        ("policy".to_string(), dir.join("policy.json")),
        ("unused".to_string(), dir.join("unused.json")),
        ("catalog".to_string(), dir.join("catalog")),
    ];
    if let Some(policy) = &case.policy {
        write_value(&dir.join("policy.json"), policy);
    }
    if let Some(unused) = &case.unused {
        write_value(&dir.join("unused.json"), unused);
    }
    if let Some(catalog) = &case.catalog {
        write_catalog(&dir.join("catalog"), catalog);
    }
    let files_dir = dir.join("files");
    fs::create_dir_all(&files_dir).unwrap();
    for (name, value) in &case.files {
        let path = files_dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        write_value(&path, value);
    }
    for (name, bytes) in &case.binary {
        let path = files_dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, bytes).unwrap();
    }

    let shown = case.args();
    let mut args: Vec<OsString> = vec!["pare".into()];
    for arg in &shown {
        let mut real = arg.clone();
        for key in ["policy", "unused", "catalog"] {
            let path = dir.join(match key {
                "policy" => "policy.json",
                "unused" => "unused.json",
                _ => "catalog",
            });
            real = real.replace(&format!("{{{key}}}"), path.to_str().unwrap());
        }
        // `{fixture:PATH}`: a committed file or directory under `snapshots/fixtures/`,
        // for inputs too large to write into a case.
        while let Some(start) = real.find("{fixture:") {
            let end = start + real[start..].find('}').expect("`{fixture:PATH}` is closed");
            let name = real[start + 9..end].to_string();
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures")
                .join(&name);
            assert!(path.exists(), "no fixture `{name}`");
            places.push((format!("fixture:{name}"), path.clone()));
            real.replace_range(start..=end, path.to_str().unwrap());
        }
        while let Some(start) = real.find("{file:") {
            let end = start + real[start..].find('}').expect("`{file:NAME}` is closed");
            let name = real[start + 6..end].to_string();
            let path = files_dir.join(&name);
            places.push((format!("file:{name}"), path.clone()));
            real.replace_range(start..=end, path.to_str().unwrap());
        }
        args.push(real.into());
    }

    // What each `{file:NAME}` held before the run, to show the ones pare wrote.
    let before: BTreeMap<String, Vec<u8>> = places
        .iter()
        .filter(|(name, path)| name.starts_with("file:") && path.is_file())
        .map(|(name, path)| (name.clone(), fs::read(path).unwrap()))
        .collect();
    let dirs_before: Vec<String> = places
        .iter()
        .filter(|(name, path)| name.starts_with("file:") && path.is_dir())
        .map(|(name, _)| name.clone())
        .collect();
    let stdin = case.stdin.clone().unwrap_or_default();
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = {
        let mut io = Io::buffers(stdin.as_bytes(), &mut stdout, &mut stderr);
        if let Some(columns) = case.columns {
            // A terminal that wide on stdout.
            io.stdout_is_terminal = true;
            io.columns = Some(columns);
        }
        pare_cli::run(args, &mut io)
    };

    places.sort_by_key(|(_, path)| std::cmp::Reverse(path.as_os_str().len()));
    let scrub = |bytes: Vec<u8>| {
        let mut text = String::from_utf8(bytes).expect("pare writes UTF-8");
        for (name, path) in &places {
            text = text.replace(path.to_str().unwrap(), &format!("[{name}]"));
        }
        // SARIF names the tool's version, which every catalog sync bumps:
        // only `real/` snapshots may move with a sync.
        text.replace(dir.to_str().unwrap(), "[tmp]").replace(
            &format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")),
            "\"version\": \"[version]\"",
        )
    };
    let shown: Vec<String> = shown
        .iter()
        .map(|a| {
            let a = a.replace('{', "[").replace('}', "]");
            if a.is_empty() || a.contains([' ', '"', '\'']) {
                format!("'{a}'")
            } else {
                a
            }
        })
        .collect();
    let mut out = format!("$ pare {}\nexit: {code}\n", shown.join(" "));
    let mut sections = vec![
        ("stdout".to_string(), scrub(stdout)),
        ("stderr".to_string(), scrub(stderr)),
    ];
    // A `{file:NAME}` that pare made into a directory (`--out`): every file in
    // it, in path order, after stdout and stderr. An input directory is not shown.
    for (name, path) in &places {
        // A file pare wrote or changed (`-o FILE`): its contents.
        if name.starts_with("file:") && path.is_file() {
            let bytes = fs::read(path).unwrap();
            if before.get(name) != Some(&bytes) {
                sections.push((format!("[{name}]"), scrub(bytes)));
            }
        }
        if name.starts_with("file:") && path.is_dir() && !dirs_before.contains(name) {
            for file in files_under(path) {
                let relative = file
                    .strip_prefix(path)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_string();
                let bytes = fs::read(&file).unwrap();
                sections.push((format!("[{name}]/{relative}"), scrub(bytes)));
            }
        }
    }
    for (label, text) in sections {
        out.push_str(&format!("--- {label} ---\n"));
        out.push_str(&text);
        if !text.is_empty() && !text.ends_with('\n') {
            out.push_str("\n[no newline at end]\n");
        }
    }
    out
}

/// Every file below `dir`, sorted by path.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn cases() {
    insta::glob!("../../cases", "**/*.json", |path| {
        let case = Case::read(path);
        let dir = tempfile::tempdir().unwrap();
        let rendered = run_case(&case, dir.path());
        let mut settings = insta::Settings::clone_current();
        // insta's own suffix is relative to the common ancestor of the matched
        // files, which moves when a group is added or filtered: name it ourselves.
        settings.set_snapshot_suffix(snapshot_suffix(path));
        settings.set_omit_expression(true);
        settings.set_prepend_module_to_snapshot(false);
        if let Some(note) = &case.note {
            settings.set_description(note.clone());
        }
        settings.bind(|| insta::assert_snapshot!(rendered));
    });
}

/// `article/figure.json` → `article__figure`.
fn snapshot_suffix(path: &Path) -> String {
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases");
    let relative = path.strip_prefix(&cases).unwrap().with_extension("");
    let parts: Vec<&str> = relative
        .components()
        .map(|c| c.as_os_str().to_str().unwrap())
        .collect();
    parts.join("__")
}

/// Without cargo-insta's `--unreferenced=reject`, a snapshot whose case was
/// deleted or renamed would linger unnoticed; this test notices.
#[test]
fn every_snapshot_has_its_case() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let snapshots = root.join("tests/it/snapshots");
    let Ok(entries) = fs::read_dir(&snapshots) else {
        return;
    };
    let mut orphans = Vec::new();
    for entry in entries {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let Some(case) = name
            .strip_prefix("cases@")
            .and_then(|n| n.strip_suffix(".snap"))
        else {
            continue;
        };
        let case = format!("{}.json", case.replace("__", "/"));
        if !root.join("cases").join(&case).is_file() {
            orphans.push(name);
        }
    }
    assert!(orphans.is_empty(), "snapshots without a case: {orphans:?}");
}
