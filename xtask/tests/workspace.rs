//! `cargo xtask sync-catalog` run as a program: it finds the workspace from
//! the directory it runs in, and leaves every other checkout alone.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code fails loudly"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use pare_catalog_sync::{Source, SyncOptions};

/// A data tree of catalog-sync's tests (`before`, `after`).
fn tree(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../catalog-sync/tests/data")
        .join(name)
}

fn xtask(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// The table a sync of `source` writes.
fn table_of(source: &Path, scratch: &Path) -> Vec<u8> {
    let table = scratch.join("expected.rs");
    let mut options = SyncOptions::new(Source::Dir(source.to_path_buf()), &table);
    options.allow_shrink = true;
    pare_catalog_sync::run(&options).unwrap();
    std::fs::read(table).unwrap()
}

/// A workspace of its own with the table and the test copy made from `before`.
fn fake_workspace(root: &Path) {
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nmembers = []\nresolver = \"2\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("catalog/src")).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(
        root.join("catalog/src/generated.rs"),
        table_of(&tree("before"), scratch.path()),
    )
    .unwrap();
    let data = root.join("catalog/tests/data/service-reference");
    let out = xtask(
        root,
        &[
            "minimize-reference",
            tree("before").to_str().unwrap(),
            data.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn sync_catalog_writes_into_the_workspace_it_runs_in() {
    let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog/src/generated.rs");
    let ours_before = std::fs::read(&ours).unwrap();
    let ours_events =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog/src/events_generated.rs");
    let ours_events_before = std::fs::read(&ours_events).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path().join("ws");
    std::fs::create_dir_all(&root).unwrap();
    fake_workspace(&root);
    let report = scratch.path().join("report.md");

    // From a subdirectory: the workspace is found by walking up.
    let out = xtask(
        &root.join("catalog"),
        &[
            "sync-catalog",
            "--source",
            tree("after").to_str().unwrap(),
            "--sdk-source",
            tree("aws-sdk.json").to_str().unwrap(),
            "--allow-shrink",
            "--no-snapshots",
            "--quiet",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let table = std::fs::read(root.join("catalog/src/generated.rs")).unwrap();
    assert!(table == table_of(&tree("after"), scratch.path()));
    // The test copy moved with the table: the retired service is gone.
    let data = root.join("catalog/tests/data/service-reference");
    assert!(data.join("v1/newsvc/newsvc.json").is_file());
    assert!(!data.join("v1/oldsvc").exists());
    let report = std::fs::read_to_string(report).unwrap();
    assert!(
        report.contains("newsvc") && report.contains("oldsvc"),
        "{report}"
    );
    // The event table and the SDK copy moved with it.
    let events = std::fs::read_to_string(root.join("catalog/src/events_generated.rs")).unwrap();
    assert!(
        events.contains("    \"s3.amazonaws.com ListObjectsV2 s3:ListBucket\\n\",\n"),
        "{events}"
    );
    let sdk = std::fs::read(root.join("catalog/tests/data/aws-sdk/botocore.json")).unwrap();
    assert!(sdk == std::fs::read(tree("aws-sdk.json")).unwrap());
    // Nothing was left beside the test copies, and this checkout was not touched.
    let mut beside: Vec<_> = std::fs::read_dir(root.join("catalog/tests/data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    beside.sort();
    assert_eq!(beside, ["aws-sdk", "service-reference"]);
    assert!(std::fs::read(&ours).unwrap() == ours_before);
    assert!(std::fs::read(&ours_events).unwrap() == ours_events_before);
}

#[test]
fn sync_catalog_outside_a_pare_workspace_is_an_error() {
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(
        scratch.path().join("Cargo.toml"),
        "[workspace]\nmembers = []\nresolver = \"2\"\n",
    )
    .unwrap();
    let out = xtask(
        scratch.path(),
        &["sync-catalog", "--source", tree("after").to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not pare's workspace"), "{stderr}");
}
