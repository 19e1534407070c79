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

/// Where a test runs `apply.sh` and `rollback.sh`: a temporary directory
/// with the fake `aws` on `bin/` and the model's state in files the
/// environment of each command names.
#[cfg(unix)]
pub struct FakeAws {
    dir: tempfile::TempDir,
    /// The model's variables: one model and its seed, or a directory of
    /// one model per profile.
    model: Vec<(&'static str, std::path::PathBuf)>,
}

/// What one script run left: its exit code, stderr, and every call the
/// fake `aws` logged, each as its words.
#[cfg(unix)]
pub struct ScriptRun {
    pub code: i32,
    pub stderr: String,
    pub calls: Vec<Vec<String>>,
}

#[cfg(unix)]
impl FakeAws {
    /// One model, `iam.json`, seeded from `details.json` on its first call.
    pub fn one_model() -> FakeAws {
        let dir = tempfile::tempdir().unwrap();
        install_fake_aws(dir.path());
        let model = vec![
            ("FAKE_IAM", dir.path().join("iam.json")),
            ("FAKE_IAM_SEED", dir.path().join("details.json")),
        ];
        FakeAws { dir, model }
    }

    /// One model per `--profile`, in `profiles/`, each seeded from its
    /// `PROFILE.seed.json`.
    pub fn per_profile() -> FakeAws {
        let dir = tempfile::tempdir().unwrap();
        install_fake_aws(dir.path());
        let profiles = dir.path().join("profiles");
        std::fs::create_dir(&profiles).unwrap();
        let model = vec![("FAKE_IAM_PROFILES", profiles)];
        FakeAws { dir, model }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `program`, run in the directory with the fake `aws` first on the
    /// `PATH`, its model's variables and its log (`AWS_LOG`).
    fn command(&self, program: &str) -> std::process::Command {
        let mut command = std::process::Command::new(program);
        let path = format!(
            "{}:{}",
            self.root().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        command
            .current_dir(self.root())
            .env("PATH", path)
            .env_remove("FAKE_IAM")
            .env_remove("FAKE_IAM_SEED")
            .env_remove("FAKE_IAM_PROFILES")
            .envs(self.model.iter().map(|(k, v)| (k, v)))
            .env("AWS_LOG", self.root().join("aws.log"));
        command
    }

    /// `aws ARGS` against the model; panics when the call fails.
    pub fn aws(&self, args: &[&str]) -> String {
        let output = self
            .command("aws")
            .args(args)
            .output()
            .expect("python3 runs");
        assert!(
            output.status.success(),
            "aws {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// `bash SCRIPT ARGS`, with the calls it made to the fake `aws`.
    pub fn run(&self, script: &Path, args: &[&str]) -> ScriptRun {
        let log = self.root().join("aws.log");
        let _ = std::fs::remove_file(&log);
        let output = self
            .command("bash")
            .arg(script)
            .args(args)
            .output()
            .expect("bash runs");
        ScriptRun {
            code: output.status.code().unwrap_or(-1),
            stderr: String::from_utf8(output.stderr).unwrap(),
            calls: aws_calls(&log),
        }
    }
}
