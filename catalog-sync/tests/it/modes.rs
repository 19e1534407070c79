//! What a sync writes: `--check`, the change report, the shrink guard, the
//! mirror, the bound on concurrency, and local sources.

use std::time::Duration;

use pare_catalog_sync::{ErrorKind, Source, Status, SyncOptions};

use crate::server::{Reply, Server};
use crate::support::{TempDir, table_from, tree, url_options};

fn dir_options(name: &str, table: &std::path::Path) -> SyncOptions {
    SyncOptions::new(Source::Dir(tree(name)), table)
}

#[test]
fn check_is_zero_on_a_fresh_table_and_one_on_a_stale_one() {
    let dir = TempDir::new();
    let table = dir.join("generated.rs");
    let before = table_from("before", &table);

    let mut options = dir_options("before", &table);
    options.check = true;
    let outcome = pare_catalog_sync::run(&options).unwrap();
    assert_eq!((outcome.status, outcome.exit_code()), (Status::Fresh, 0));

    let mut options = dir_options("after", &table);
    options.check = true;
    let outcome = pare_catalog_sync::run(&options).unwrap();
    assert_eq!((outcome.status, outcome.exit_code()), (Status::Stale, 1));
    assert!(std::fs::read(&table).unwrap() == before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_over_http_writes_nothing() {
    let dir = TempDir::new();
    let table = dir.join("generated.rs");
    let before = table_from("before", &table);
    let server = Server::plain(&tree("after")).await;
    let mut options = url_options(&server.url(), &table);
    options.check = true;
    let outcome = pare_catalog_sync::sync(&options).await.unwrap();
    assert_eq!(outcome.exit_code(), 1);
    assert!(std::fs::read(&table).unwrap() == before);
}

#[test]
fn a_second_sync_changes_nothing() {
    let dir = TempDir::new();
    let table = dir.join("generated.rs");
    let first = table_from("after", &table);
    let outcome = pare_catalog_sync::run(&dir_options("after", &table)).unwrap();
    assert_eq!(outcome.status, Status::Unchanged);
    assert!(outcome.changes.is_empty());
    assert!(std::fs::read(&table).unwrap() == first);
}

#[test]
fn the_change_report_lists_every_difference() {
    let dir = TempDir::new();
    let table = dir.join("generated.rs");
    table_from("before", &table);
    let report = dir.join("changes.md");
    let mut options = dir_options("after", &table);
    options.check = true;
    options.report = Some(report.clone());
    let outcome = pare_catalog_sync::run(&options).unwrap();
    let expected = include_str!("../data/before-after.md");
    assert_eq!(outcome.report, expected);
    assert_eq!(std::fs::read_to_string(&report).unwrap(), expected);
}

#[test]
fn the_shrink_guard_refuses_a_large_loss() {
    let dir = TempDir::new();
    let table = dir.join("generated.rs");
    let before = table_from("before", &table);
    let report = dir.join("changes.md");
    let mut options = dir_options("after", &table);
    options.report = Some(report.clone());
    let err = pare_catalog_sync::run(&options).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Shrink);
    assert_eq!(
        err.to_string(),
        "the new catalog loses 1 of 4 services (25.0%) and 2 of 9 actions (22.2%), more than the 5% the shrink guard allows; the table is unchanged (pass `--allow-shrink` if the loss is expected)"
    );
    assert!(std::fs::read(&table).unwrap() == before);
    // The report says what would have been lost.
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .contains("`oldsvc` (1 action)")
    );

    options.allow_shrink = true;
    let outcome = pare_catalog_sync::run(&options).unwrap();
    assert_eq!(outcome.status, Status::Written);
}

#[test]
fn an_unreadable_table_is_replaced_only_when_allowed() {
    let dir = TempDir::new();
    let table = dir.join("generated.rs");
    std::fs::write(&table, "<<<<<<< HEAD\n").unwrap();
    let mut options = dir_options("after", &table);
    let err = pare_catalog_sync::run(&options).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Table);
    assert!(
        err.to_string()
            .ends_with("(pass `--allow-shrink` to replace it anyway)"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&table).unwrap(), "<<<<<<< HEAD\n");
    options.allow_shrink = true;
    assert_eq!(
        pare_catalog_sync::run(&options).unwrap().status,
        Status::Written
    );
}

#[test]
fn a_missing_service_file_in_a_directory_aborts() {
    let dir = TempDir::new();
    let source = dir.join("source");
    std::fs::create_dir_all(source.join("v1/s3")).unwrap();
    std::fs::copy(tree("after").join("index.json"), source.join("index.json")).unwrap();
    std::fs::copy(
        tree("after").join("v1/s3/s3.json"),
        source.join("v1/s3/s3.json"),
    )
    .unwrap();
    let table = dir.join("generated.rs");
    let before = table_from("after", &table);
    let options = SyncOptions::new(Source::Dir(source), &table);
    let err = pare_catalog_sync::run(&options).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert_eq!(err.service(), Some("ec2"));
    assert!(std::fs::read(&table).unwrap() == before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_is_bounded() {
    // Forty services, each answered after a delay so that requests overlap.
    let dir = TempDir::new();
    let source = dir.join("source");
    let mut index = Vec::new();
    for i in 0..40 {
        let name = format!("svc{i:02}");
        index.push(format!(r#"{{"service":"{name}","url":"https://servicereference.us-east-1.amazonaws.com/v1/{name}/{name}.json"}}"#));
        let file = source.join(format!("v1/{name}/{name}.json"));
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(
            file,
            format!(r#"{{"Name":"{name}","Version":"v1.4","Actions":[{{"Name":"Act"}}]}}"#),
        )
        .unwrap();
    }
    std::fs::write(source.join("index.json"), format!("[{}]", index.join(","))).unwrap();
    let slow = |_: &str, _: usize, normal: &Reply| {
        Some(Reply::Delayed(
            Duration::from_millis(20),
            Box::new(normal.clone()),
        ))
    };
    for concurrency in [1, 3] {
        let server = Server::start(&source, slow).await;
        let mut options = url_options(
            &server.url(),
            &dir.path().join(format!("table{concurrency}.rs")),
        );
        options.fetch.concurrency = concurrency;
        let outcome = pare_catalog_sync::sync(&options).await.unwrap();
        assert_eq!(outcome.changes.after.actions, 40);
        assert_eq!(server.stats.total(), 41);
        let max = server.stats.max_in_flight();
        assert!(
            max <= concurrency,
            "{max} requests in flight with --concurrency {concurrency}"
        );
        if concurrency > 1 {
            assert!(max > 1, "requests never overlapped");
        }
    }
}

#[test]
fn a_mirror_from_a_directory_loads_offline() {
    let dir = TempDir::new();
    let table = dir.join("generated.rs");
    let mirror = dir.join("mirror");
    let mut options = dir_options("after", &table);
    options.mirror = Some(mirror.clone());
    pare_catalog_sync::run(&options).unwrap();
    for file in ["index.json", "v1/s3/s3.json", "v1/newsvc/newsvc.json"] {
        assert_eq!(
            std::fs::read(mirror.join(file)).unwrap(),
            std::fs::read(tree("after").join(file)).unwrap()
        );
    }
    let loaded = pare_catalog::load_dir(&mirror).unwrap();
    let direct = pare_catalog::load_dir(tree("after")).unwrap();
    assert_eq!(loaded.actions(), direct.actions());
}
