//! Fuzzes `pare account --out` end to end, in-process, with the embedded
//! catalog: the input is a details file, a NUL byte, and a findings file.
//! Whatever they hold, every file written is inside the plan, `apply.sh`
//! holds only pare's own lines, and nothing printed can drive a terminal.
#![no_main]

use std::ffi::OsString;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use pare_cli::Io;

/// Bytes a terminal acts on: every control character but the line feed.
fn drives_a_terminal(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && c != '\n')
}

/// Every path below `dir`, relative to it.
fn tree(dir: &Path, base: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let relative = path.strip_prefix(base).unwrap().to_string_lossy().into_owned();
        out.push(relative);
        if path.is_dir() && !path.is_symlink() {
            tree(&path, base, out);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (details, findings) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let root = dir.path();
    std::fs::write(root.join("details.json"), details).unwrap();
    std::fs::write(root.join("findings.json"), findings).unwrap();
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    let plan = root.join("a/b/plan");
    let args: Vec<OsString> = vec![
        "pare".into(),
        "account".into(),
        root.join("details.json").into(),
        "--findings".into(),
        root.join("findings.json").into(),
        "--out".into(),
        plan.clone().into(),
    ];
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = {
        let mut io = Io::buffers(b"", &mut stdout, &mut stderr);
        pare_cli::run(args, &mut io)
    };
    assert!(code == 0 || code == 2, "exit {code}");
    let stdout = String::from_utf8(stdout).unwrap();
    let stderr = String::from_utf8(stderr).unwrap();
    assert!(!drives_a_terminal(&stdout), "{stdout:?}");
    assert!(!drives_a_terminal(&stderr), "{stderr:?}");

    // Nothing but the plan appeared, and no temporary directory is left.
    let mut paths = Vec::new();
    tree(root, root, &mut paths);
    for path in &paths {
        assert!(
            ["details.json", "findings.json", "a", "a/b"].contains(&path.as_str())
                || path.starts_with("a/b/plan"),
            "written outside the plan: {path}"
        );
    }
    if code != 0 {
        assert!(!plan.exists(), "a failed run left a plan");
        return;
    }
    // Every name in the plan is plain and visible.
    for path in paths.iter().filter(|p| p.starts_with("a/b/plan/")) {
        for part in Path::new(path).components().skip(3) {
            let part = part.as_os_str().to_string_lossy();
            assert!(!part.starts_with('.'), "{path}");
        }
    }
    // `apply.sh` and `rollback.sh` hold only pare's lines: comments, and lines
    // that begin with a word of pare's own (its helpers, shell keywords, AWS
    // CLI calls), so no input text can start a command of its own.
    const FIRST_WORDS: &[&str] = &[
        "\"make", "--query", "already", "already()", "ask", "ask()", "attached()", "aws", "cat",
        "cd", "count=$(ask", "default()", "echo", "elif", "else", "errors=$(mktemp)", "exit",
        "fi", "found=$(ask", "if", "live=$(default", "local", "new=$(default", "new=taken",
        "printf", "same()", "set", "shift", "skip", "skip()", "skipped=$((skipped", "skipped=0",
        "state=$(attached", "state=$(same", "trap", "}", "return", "then", "done", "for",
        "case", "esac", "new_arn=$(aws", "while", "*)", ";;", "[", "--profile)", "--profile=*)",
        "usage=\"usage:", "profile=()", "profile=(--profile", "profile=(\"$1\")", "aws()",
        "command", "live_account=$(aws", "pending=$(ask",
    ];
    for name in ["apply.sh", "rollback.sh"] {
        let Ok(script) = std::fs::read_to_string(plan.join(name)) else {
            assert_eq!(name, "rollback.sh", "no {name}");
            continue;
        };
        assert!(!drives_a_terminal(&script), "{script:?}");
        for line in script.lines() {
            let line = line.trim_start();
            let first = line.split_whitespace().next().unwrap_or("");
            assert!(
                line.is_empty() || line.starts_with('#') || FIRST_WORDS.contains(&first),
                "{name}: {line:?}"
            );
        }
    }
});
