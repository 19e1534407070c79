//! Inputs the snapshot corpus cannot hold: bytes that are not UTF-8, and
//! inputs far larger than any policy. Each must end in exit 2 with a message
//! that names the input, promptly, and never in a panic or a stack overflow.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use pare_cli::Io;

/// A scratch directory for the files a test needs, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("pare-bad-input-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `pare ARGS` with `stdin`; returns the exit code, stdout and stderr.
fn pare(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let args: Vec<OsString> = std::iter::once("pare")
        .chain(args.iter().copied())
        .map(OsString::from)
        .collect();
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = {
        let mut io = Io::buffers(stdin, &mut stdout, &mut stderr);
        pare_cli::run(args, &mut io)
    };
    (
        code,
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","iam:PassRole"],"Resource":"*"}]}"#;

/// A policy of about `bytes` bytes: many ordinary statements, as a generator
/// gone wrong or a concatenation of files would produce.
fn big_policy(bytes: usize) -> String {
    let statement = r#"{"Sid":"S","Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:Get*","ec2:Describe*","lambda:InvokeFunction"],"Resource":"arn:aws:s3:::bucket/*"}"#;
    let mut text = String::with_capacity(bytes + statement.len() + 64);
    text.push_str(r#"{"Version":"2012-10-17","Statement":["#);
    while text.len() < bytes {
        text.push_str(statement);
        text.push(',');
    }
    text.push_str(statement);
    text.push_str("]}");
    text
}

#[test]
fn a_fifty_megabyte_policy_is_refused_at_once() {
    let scratch = Scratch::new("fifty");
    let unused = scratch.file("unused.txt", b"s3:GetObjectAcl\n");
    let policy = big_policy(50 * 1024 * 1024);
    let path = scratch.file("policy.json", policy.as_bytes());
    for source in ["-", path.as_str()] {
        let started = Instant::now();
        let (code, stdout, stderr) =
            pare(&["refine", source, "--unused", &unused], policy.as_bytes());
        let elapsed = started.elapsed();
        assert_eq!(code, 2, "{stderr}");
        assert!(stdout.is_empty());
        let name = if source == "-" { "<stdin>" } else { source };
        let expected = format!(
            "error: {name}: the input is {} bytes, more than any IAM policy",
            policy.len()
        );
        assert!(stderr.starts_with(&expected), "{stderr}");
        // Reading 50 MB and refusing it takes milliseconds; refining it would take minutes.
        assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    }
}

#[test]
fn a_policy_just_under_the_limit_is_refined_in_bounded_time() {
    let scratch = Scratch::new("under");
    let unused = scratch.file("unused.txt", b"s3:GetObjectAcl\nec2:DescribeImages\n");
    let policy = big_policy(pare_engine::policy::MAX_INPUT_BYTES - 4096);
    assert!(policy.len() <= pare_engine::policy::MAX_INPUT_BYTES);
    let started = Instant::now();
    let (code, stdout, stderr) = pare(
        &["refine", "-", "--unused", &unused, "--format", "json"],
        policy.as_bytes(),
    );
    let elapsed = started.elapsed();
    assert_eq!(code, 0, "{stderr}");
    let output: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let statements = output["policy"]["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), policy.matches("\"Sid\"").count());
    for statement in statements {
        let actions: Vec<&str> = statement["Action"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert!(actions.contains(&"s3:GetObjectVersion*"), "{actions:?}");
        assert!(!actions.contains(&"s3:Get*") && !actions.contains(&"ec2:Describe*"));
    }
    // Thousands of statements repeating two wildcards: each distinct entry is
    // generalized once (this took minutes when every repetition was).
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
}

#[test]
fn invalid_utf8_is_an_error_naming_the_file_and_offset() {
    let scratch = Scratch::new("utf8");
    let mut bad = br#"{"Statement":[{"Sid":""#.to_vec();
    let offset = bad.len();
    bad.extend_from_slice(
        b"\xff\xfe\",\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}",
    );
    let bad_policy = scratch.file("policy.json", &bad);
    let good_policy = scratch.file("good.json", POLICY.as_bytes());
    let unused = scratch.file("unused.txt", b"s3:GetObjectAcl\n");
    let bad_unused = scratch.file("bad-unused.txt", b"s3:GetObjectAcl\n\xc3\x28s3:PutObject\n");

    let (code, _, stderr) = pare(&["refine", &bad_policy, "--unused", &unused], b"");
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        format!("error: {bad_policy}: invalid UTF-8 at byte offset {offset}\n")
    );

    let (code, _, stderr) = pare(&["refine", "-", "--unused", &unused], &bad);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        format!("error: <stdin>: invalid UTF-8 at byte offset {offset}\n")
    );

    let (code, _, stderr) = pare(&["refine", &good_policy, "--unused", &bad_unused], b"");
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        format!("error: {bad_unused}: invalid UTF-8 at byte offset 16\n")
    );

    let (code, _, stderr) = pare(
        &["explain", "s3:Get*", "--unused", "-"],
        b"s3:Get\xffObject\n",
    );
    assert_eq!(code, 2);
    assert_eq!(stderr, "error: <stdin>: invalid UTF-8 at byte offset 6\n");
}

#[test]
fn a_byte_order_mark_before_invalid_utf8_still_counts_bytes_from_the_start() {
    let mut bad = b"\xef\xbb\xbf{\"Statement\":[".to_vec();
    bad.push(0x80);
    let (code, _, stderr) = pare(&["refine", "-", "--unused", "/dev/null"], &bad);
    assert_eq!(code, 2);
    assert_eq!(stderr, "error: <stdin>: invalid UTF-8 at byte offset 17\n");
}

#[test]
fn pathological_nesting_and_encoding_end_in_errors_not_crashes() {
    let scratch = Scratch::new("nesting");
    let unused = scratch.file("unused.txt", b"s3:GetObjectAcl\n");
    // Deep enough to overflow any stack if parsed recursively without a limit.
    let deep = "[".repeat(500_000);
    let (code, _, stderr) = pare(&["refine", "-", "--unused", &unused], deep.as_bytes());
    assert_eq!(code, 2);
    assert!(stderr.contains("recursion limit exceeded"), "{stderr}");

    let deep_unused = scratch.file("deep.json", "[".repeat(500_000).as_bytes());
    let (code, _, stderr) = pare(
        &["refine", "-", "--unused", &deep_unused],
        POLICY.as_bytes(),
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("recursion limit exceeded"), "{stderr}");

    // `%252525…`: each URL-decoding leaves one more layer.
    let layers = format!("%{}", "25".repeat(400_000));
    let (code, _, stderr) = pare(&["refine", "-", "--unused", &unused], layers.as_bytes());
    assert_eq!(code, 2);
    assert!(stderr.contains("URL-encoded more than once"), "{stderr}");
}
