//! What the test modules share: running `pare` in-process, and the fake
//! `aws` (`fake_iam.py`) that `apply.sh` and `rollback.sh` run against.

use std::ffi::OsString;
use std::path::Path;

use pare_cli::Io;

/// Runs `pare ARGS` with an empty stdin; returns the exit code, stdout and
/// stderr.
pub fn pare(args: &[&str]) -> (i32, String, String) {
    run_with(args, |_| {})
}

/// Runs `pare ARGS` after `setup` has changed the I/O it runs with.
pub fn run_with(args: &[&str], setup: impl FnOnce(&mut Io<'_>)) -> (i32, String, String) {
    let args: Vec<OsString> = std::iter::once("pare")
        .chain(args.iter().copied())
        .map(OsString::from)
        .collect();
    run_os_with(args, setup)
}

/// Runs the command line `args` (`pare` first), which may not be UTF-8.
#[cfg(unix)]
pub fn run_os(args: Vec<OsString>) -> (i32, String, String) {
    run_os_with(args, |_| {})
}

fn run_os_with(args: Vec<OsString>, setup: impl FnOnce(&mut Io<'_>)) -> (i32, String, String) {
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = {
        let mut io = Io::buffers(b"", &mut stdout, &mut stderr);
        setup(&mut io);
        pare_cli::run(args, &mut io)
    };
    (
        code,
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

/// The fake `aws`: a small IAM model kept in a file.
#[cfg(unix)]
const FAKE_IAM: &str = include_str!("fake_iam.py");

/// Installs the fake `aws` on `dir/bin`: the small IAM model of
/// `fake_iam.py`, which logs every call (`AWS_LOG`) and checks that each
/// `file://` it is given is a file under the current directory. python3 is
/// required: a missing one fails the test.
#[cfg(unix)]
pub fn install_fake_aws(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).unwrap();
    let model = bin.join("fake_iam.py");
    std::fs::write(&model, FAKE_IAM).unwrap();
    std::fs::write(
        bin.join("aws"),
        format!(
            "#!/usr/bin/env bash\nexec {} -S {} \"$@\"\n",
            python(),
            model.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(bin.join("aws"), std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The calls the fake `aws` logged to `log` (`AWS_LOG`), each as its words.
#[cfg(unix)]
pub fn aws_calls(log: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|line| {
            line.trim_end_matches('\u{1f}')
                .split('\u{1f}')
                .map(String::from)
                .collect()
        })
        .collect()
}

/// The python3 the fake `aws` runs with, as a full path.
#[cfg(unix)]
pub fn python() -> String {
    let output = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 runs");
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}
