//! Inputs the snapshot corpus cannot hold: bytes that are not UTF-8, and
//! inputs far larger than any policy. Each must end in exit 2 with a message
//! that names the input, promptly, and never in a panic or a stack overflow.

use std::ffi::OsString;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// A reader that counts the bytes taken from it.
struct Counting<'a> {
    inner: &'a [u8],
    taken: Arc<AtomicUsize>,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.taken.fetch_add(n, Ordering::Relaxed);
        Ok(n)
    }
}

/// Runs `pare ARGS` with `stdin`; returns the exit code, stdout and stderr.
fn pare(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let (code, stdout, stderr, _) = pare_counting(args, stdin);
    (code, stdout, stderr)
}

/// [`pare`], also returning how many bytes of `stdin` were read.
fn pare_counting(args: &[&str], stdin: &[u8]) -> (i32, String, String, usize) {
    let args: Vec<OsString> = std::iter::once("pare")
        .chain(args.iter().copied())
        .map(OsString::from)
        .collect();
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let taken = Arc::new(AtomicUsize::new(0));
    let code = {
        let mut io = Io::buffers(b"", &mut stdout, &mut stderr);
        io.stdin = Box::new(Counting {
            inner: stdin,
            taken: Arc::clone(&taken),
        });
        pare_cli::run(args, &mut io)
    };
    (
        code,
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
        taken.load(Ordering::Relaxed),
    )
}

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","iam:PassRole"],"Resource":"*"}]}"#;

/// A policy of about `bytes` bytes: many ordinary statements.
fn big_policy(bytes: usize) -> String {
    pare_testkit::repeated_statements_policy(bytes)
}

#[test]
fn a_fifty_megabyte_policy_is_refused_at_once() {
    let scratch = Scratch::new("fifty");
    let unused = scratch.file("unused.txt", b"s3:GetObjectAcl\n");
    let policy = big_policy(50 * 1024 * 1024);
    let path = scratch.file("policy.json", policy.as_bytes());
    for source in ["-", path.as_str()] {
        let (code, stdout, stderr, taken) =
            pare_counting(&["refine", source, "--unused", &unused], policy.as_bytes());
        assert_eq!(code, 2, "{stderr}");
        assert!(stdout.is_empty());
        let name = if source == "-" { "<stdin>" } else { source };
        // The reader stops at the engine's limit: the rest is never read.
        let expected = format!(
            "error: cannot read `{name}`: larger than 1 MiB, the most pare reads of a policy \
             (IAM's largest quota is 10,240 characters)\n"
        );
        assert_eq!(stderr, expected);
        // The reader stops one byte past the cap: what a read costs is
        // bounded by the cap, not by the input (whose time the benchmarks measure).
        let most = if source == "-" {
            pare_engine::MAX_INPUT_BYTES + 1
        } else {
            0
        };
        assert!(taken <= most, "read {taken} bytes of stdin");
    }
}

#[test]
fn a_policy_just_under_the_limit_is_refined_like_each_of_its_statements() {
    // Thousands of statements repeating two wildcards: each distinct entry is
    // generalized once (this took minutes when every repetition was). How
    // long it takes is measured by the `hostile::just_under_the_limit`
    // benchmark, not here; this asserts what it gives.
    let scratch = Scratch::new("under");
    let unused = scratch.file("unused.txt", b"s3:GetObjectAcl\nec2:DescribeImages\n");
    let policy = big_policy(pare_engine::MAX_INPUT_BYTES - 4096);
    assert!(policy.len() <= pare_engine::MAX_INPUT_BYTES);
    let count = policy.matches("\"Sid\"").count();
    assert!(count > 5_000, "{count} statements");
    let (code, stdout, stderr) = pare(
        &["refine", "-", "--unused", &unused, "--format", "json"],
        policy.as_bytes(),
    );
    assert_eq!(code, 0, "{stderr}");

    // Every statement is refined as the same statement alone is.
    let one = big_policy(0);
    assert_eq!(one.matches("\"Sid\"").count(), 1);
    let (code, alone, stderr) = pare(
        &["refine", "-", "--unused", &unused, "--format", "json"],
        one.as_bytes(),
    );
    assert_eq!(code, 0, "{stderr}");
    let output: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let alone: serde_json::Value = serde_json::from_str(&alone).unwrap();
    let statements = output["policy"]["Statement"].as_array().unwrap();
    let expected = &alone["policy"]["Statement"][0];
    assert_eq!(statements.len(), count);
    for statement in statements {
        assert_eq!(statement, expected);
    }
    let actions: Vec<&str> = expected["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(actions.contains(&"s3:GetObjectVersion*"), "{actions:?}");
    assert!(!actions.contains(&"s3:Get*") && !actions.contains(&"ec2:Describe*"));

    // The same edits for each statement, in statement order.
    let edits = output["edits"].as_array().unwrap();
    let edits_alone = alone["edits"].as_array().unwrap();
    assert!(!edits_alone.is_empty());
    assert_eq!(edits.len(), count * edits_alone.len());
    for (i, chunk) in edits.chunks(edits_alone.len()).enumerate() {
        for (edit, like) in chunk.iter().zip(edits_alone) {
            let mut like = like.clone();
            like["statement"] = i.into();
            assert_eq!(edit, &like);
        }
    }
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

/// Runs `pare ARGS` with an endless stdin (`y\n` forever, as `yes` writes).
fn pare_endless(args: &[&str]) -> (i32, String, String) {
    crate::common::run_with(args, |io| {
        io.stdin = Box::new(std::io::Read::chain(&b"y\n"[..], std::io::repeat(b'y')));
    })
}

/// What the error says about an input cut at `cap`, for account data.
fn over_cap(name: &str, cap: &str) -> String {
    format!(
        "error: cannot read `{name}`: larger than {cap}, the most pare reads of one input; \
         `--max-input-size` raises the cap\n"
    )
}

#[test]
fn an_endless_stdin_stops_at_the_cap_for_every_reader() {
    // A policy stops at what the engine parses (1 MiB), without a flag.
    let (code, stdout, stderr) = pare_endless(&["refine", "-", "--unused", "/dev/null"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert_eq!(
        stderr,
        "error: cannot read `<stdin>`: larger than 1 MiB, the most pare reads of a policy \
         (IAM's largest quota is 10,240 characters)\n"
    );
    let scratch = Scratch::new("endless");
    let policy = scratch.file("policy.json", POLICY.as_bytes());
    let details = scratch.file("details.json", br#"{"RoleDetailList":[]}"#);
    // Account data: the default is 1 GiB, too much to fill in a test; the
    // flag lowers it, and the same reader applies it.
    let cases: [&[&str]; 6] = [
        &["refine", &policy, "--unused", "-"],
        &["refine", &policy, "--last-accessed", "-"],
        &["refine", &policy, "--used", "-"],
        &["explain", "s3:Get*", "--unused", "-"],
        &["verify", &policy, "-", "--unused", "/dev/null"],
        &["account", "-", "--findings", &details],
    ];
    for args in cases {
        let mut args = args.to_vec();
        args.extend(["--max-input-size", "64K"]);
        let (code, stdout, stderr) = pare_endless(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}");
        let expected = if args[0] == "verify" {
            "error: cannot read `<stdin>`: larger than 64 KiB, the most pare reads of a policy \
             (IAM's largest quota is 10,240 characters)\n"
                .to_string()
        } else {
            over_cap("<stdin>", "64 KiB")
        };
        assert_eq!(stderr, expected, "{args:?}");
    }
}

#[test]
fn oversized_files_are_refused_for_every_reader() {
    let scratch = Scratch::new("oversized");
    let policy = scratch.file("policy.json", POLICY.as_bytes());
    // Valid inputs padded with whitespace past the cap: only the size is wrong.
    let pad = " ".repeat(3000);
    let big = |name: &str, text: &str| scratch.file(name, format!("{text}{pad}").as_bytes());
    let unused = big("unused.txt", "s3:GetObjectAcl\n");
    let used = big("used.txt", "s3:GetObject\n");
    let last = big(
        "last.json",
        r#"{"JobStatus":"COMPLETED","ServicesLastAccessed":[]}"#,
    );
    let details = big("details.json", r#"{"RoleDetailList":[]}"#);
    let findings = big("findings.json", "[]");
    let small_details = scratch.file("small-details.json", br#"{"RoleDetailList":[]}"#);
    let dir = scratch.0.join("findings");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.json"), format!("[]{pad}")).unwrap();
    let dir = dir.to_str().unwrap().to_string();
    let in_dir = format!("{dir}/a.json");
    let cases: [(&[&str], &str); 8] = [
        (&["refine", &policy, "--unused", &unused], &unused),
        (&["refine", &policy, "--used", &used], &used),
        (&["refine", &policy, "--last-accessed", &last], &last),
        (&["explain", "s3:Get*", "--unused", &unused], &unused),
        (&["verify", &policy, &policy, "--unused", &unused], &unused),
        (&["account", &details, "--findings", &findings], &details),
        (
            &["account", &small_details, "--findings", &findings],
            &findings,
        ),
        (&["account", &small_details, "--findings", &dir], &in_dir),
    ];
    for (args, name) in cases {
        let mut args = args.to_vec();
        args.extend(["--max-input-size", "2K"]);
        let (code, stdout, stderr) = pare(&args, b"");
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}");
        assert_eq!(stderr, over_cap(name, "2 KiB"), "{args:?}");
        // The same inputs are read whole under a larger cap.
        let last = args.len() - 1;
        args[last] = "1M";
        let (code, _, stderr) = pare(&args, b"");
        assert!(!stderr.contains("larger than"), "{args:?}: {stderr}");
        assert_ne!(code, 101, "{args:?}");
    }

    // A policy file: the cap is the engine's, lowered by the flag.
    let big_policy = big("big-policy.json", POLICY);
    let (code, _, stderr) = pare(
        &[
            "refine",
            &big_policy,
            "--unused",
            "/dev/null",
            "--max-input-size",
            "2K",
        ],
        b"",
    );
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        format!(
            "error: cannot read `{big_policy}`: larger than 2 KiB, the most pare reads of a \
             policy (IAM's largest quota is 10,240 characters)\n"
        )
    );
}

#[test]
fn every_file_of_a_catalog_directory_is_read_within_the_cap() {
    let scratch = Scratch::new("catalog");
    let source =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/article/catalog-2024");
    let catalog = scratch.0.join("catalog");
    for file in ["index.json", "v1/s3/s3.json", "v1/lambda/lambda.json"] {
        let to = catalog.join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(source.join(file), &to).unwrap();
    }
    let dir = catalog.to_str().unwrap();
    let (code, _, stderr) = pare(&["catalog", "--catalog", dir], b"");
    assert_eq!(code, 0, "{stderr}");
    // lambda.json is the largest file (44,830 bytes).
    let (code, _, stderr) = pare(
        &["catalog", "--catalog", dir, "--max-input-size", "40K"],
        b"",
    );
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        format!(
            "error: cannot load the catalog `{dir}`: cannot read `{dir}/v1/lambda/lambda.json`: \
             larger than 40 KiB, the most pare reads of a catalog file; `--max-input-size` \
             raises the cap\n"
        )
    );
    let (code, _, stderr) = pare(
        &[
            "expand",
            "s3:Get*",
            "--catalog",
            dir,
            "--max-input-size",
            "100",
        ],
        b"",
    );
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with(&format!(
            "error: cannot load the catalog `{dir}`: cannot read `{dir}/index.json`: larger than 100 bytes"
        )),
        "{stderr}"
    );
}

#[test]
fn an_endless_pipe_into_the_binary_ends_in_exit_2() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_pare"))
        .args(["refine", "-", "--unused", "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // `yes`: write until pare stops reading and the pipe breaks.
    let writer = std::thread::spawn(move || {
        let line = b"y\n".repeat(4096);
        while stdin.write_all(&line).is_ok() {}
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    // The last line (a warning about the embedded catalog's age may precede it).
    assert!(
        stderr
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("error: cannot read `<stdin>`: larger than 1 MiB")),
        "{stderr}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn dev_zero_is_cut_at_the_cap() {
    let (code, _, stderr) = pare(&["refine", "/dev/zero", "--unused", "/dev/null"], b"");
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: cannot read `/dev/zero`: larger than 1 MiB"),
        "{stderr}"
    );
    let (code, _, stderr) = pare(
        &[
            "refine",
            "-",
            "--unused",
            "/dev/zero",
            "--max-input-size",
            "1M",
        ],
        POLICY.as_bytes(),
    );
    assert_eq!(code, 2);
    assert_eq!(stderr, over_cap("/dev/zero", "1 MiB"));
}

/// The wildcards that used to take tens of seconds (issue 11), refined for
/// correctness only: `--verify` checks the result independently. Their
/// time is measured in the benchmark suite (`hostile`), not here.
#[test]
fn pathological_wildcards_refine_correctly() {
    let scratch = Scratch::new("wildcards");
    let unused = scratch.file(
        "unused.txt",
        b"s3:GetObjectAcl\nec2:DescribeImages\nlambda:InvokeFunction\n",
    );
    let policy = scratch.file(
        "policy.json",
        br#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["*??????????*","??*????????*"],"Resource":"*"},
            {"Effect":"Allow","Action":"ec2:*??????????*","Resource":"*"}]}"#,
    );
    let (code, stdout, stderr) = pare(
        &[
            "refine", &policy, "--unused", &unused, "--verify", "--format", "json",
        ],
        b"",
    );
    assert_eq!(code, 0, "{stderr}");
    let output: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let statements = output["policy"]["Statement"].as_array().unwrap();
    let actions: Vec<&str> = statements
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap())
        .map(|a| a.as_str().unwrap())
        .collect();
    // The unused actions are gone; what replaced the wildcards are prefixes
    // of at least ten characters, as `*??????????*` requires.
    for gone in [
        "s3:GetObjectAcl",
        "ec2:DescribeImages",
        "lambda:InvokeFunction",
    ] {
        assert!(!actions.contains(&gone), "{gone}");
    }
    assert!(actions.contains(&"s3:GetObject"), "{actions:?}");
    assert!(
        actions.iter().all(|a| a.trim_end_matches('*').len() >= 10),
        "{actions:?}"
    );

    let (code, stdout, stderr) = pare(&["explain", "*?????????????*", "--unused", &unused], b"");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("Result:"),
        "{}",
        &stdout[..500.min(stdout.len())]
    );
    assert!(!stdout.contains("\n  s3:GetObjectAcl\n"));
}

/// `--catalog DIR` maps CloudTrail events with the directory's own
/// `Operations`; a directory without them says so and falls back to the
/// embedded event table.
#[test]
fn a_catalog_directory_maps_cloudtrail_events_with_its_own_operations() {
    let scratch = Scratch::new("catalog-events");
    let action = |name: &str, write: bool| {
        format!(
            r#"{{"Name": "{name}", "Annotations": {{"Properties": {{"IsList": false, "IsPermissionManagement": false, "IsTaggingOnly": false, "IsWrite": {write}}}}}, "SupportedBy": {{"IAM Action Last Accessed": true}}}}"#
        )
    };
    let write_dir = |name: &str, operations: &str| {
        let dir = scratch.0.join(name);
        std::fs::create_dir_all(dir.join("v1/s3")).unwrap();
        std::fs::write(
            dir.join("index.json"),
            r#"[{"service": "s3", "url": "https://servicereference.us-east-1.amazonaws.com/v1/s3/s3.json"}]"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("v1/s3/s3.json"),
            format!(
                r#"{{"Name": "s3", "Version": "v1.4", "Actions": [{}, {}]{operations}}}"#,
                action("GetObject", false),
                action("DeleteBucket", true)
            ),
        )
        .unwrap();
        dir.to_str().unwrap().to_string()
    };
    // An operation newer than the embedded table, which the directory knows.
    let with_operations = write_dir(
        "with",
        r#", "Operations": [{"Name": "FetchObjectFast", "AuthorizedActions": [{"Name": "GetObject", "Service": "s3"}], "SDK": [{"Name": "s3", "Method": "fetch_object_fast", "Package": "Boto3"}]}]"#,
    );
    let without = write_dir("without", "");
    let logs = scratch.file(
        "events.jsonl",
        br#"{"eventTime":"2026-06-01T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"FetchObjectFast","awsRegion":"us-east-1","recipientAccountId":"123456789012","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/Alice"}}"#,
    );
    let (code, stdout, stderr) = pare(
        &[
            "usage",
            "--cloudtrail",
            &logs,
            "--catalog",
            &with_operations,
        ],
        b"",
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(r#""action": "s3:GetObject""#), "{stdout}");
    assert!(!stdout.contains("unmapped"), "{stdout}");
    assert!(
        stderr.contains(&format!(
            "note: cloudtrail: events mapped with the table built from `{with_operations}` (1 events"
        )),
        "{stderr}"
    );
    let (code, stdout, stderr) = pare(
        &["usage", "--cloudtrail", &logs, "--catalog", &without],
        b"",
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("FetchObjectFast"), "{stdout}");
    assert!(!stdout.contains(r#""action": "s3:GetObject""#), "{stdout}");
    assert!(
        stderr.contains(&format!(
            "warning: cloudtrail: no event table could be built from `{without}` (its service files list no `Operations`): events are mapped with the embedded table"
        )),
        "{stderr}"
    );
    // The same thread, without `--catalog`: the embedded table again.
    let (code, _, stderr) = pare(&["usage", "--cloudtrail", &logs], b"");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stderr.contains("--catalog") && !stderr.contains("built from"),
        "{stderr}"
    );
}
