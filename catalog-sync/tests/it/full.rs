//! The committed table against its data and its renderer, at full size.

use pare_catalog_sync::{Source, Status, SyncOptions, parse_table, render};

use crate::server::Server;
use crate::support::{TempDir, committed_table, full_reference, url_options};

/// rust-analyzer's way: the generator runs as a test in check mode. Reading
/// the committed table back and rendering it again must give the same bytes.
#[test]
fn committed_table_is_what_the_renderer_makes() {
    let text = std::fs::read_to_string(committed_table()).unwrap();
    let catalog = parse_table(&text, "generated.rs").unwrap();
    // The counts are the reference copy's, whatever a sync made them.
    let copy = pare_catalog::load_dir(full_reference()).unwrap();
    assert_eq!(catalog.provenance().services, copy.provenance().services);
    assert_eq!(
        catalog.provenance().action_count,
        copy.provenance().action_count
    );
    assert!(
        render(&catalog) == text,
        "the committed table is stale against its renderer: run `cargo xtask sync-catalog`"
    );
}

/// The project's copy of the reference and the committed table agree.
#[test]
fn committed_table_matches_the_reference_copy() {
    let mut options = SyncOptions::new(Source::Dir(full_reference()), committed_table());
    options.check = true;
    let outcome = pare_catalog_sync::run(&options).unwrap();
    assert_eq!(outcome.status, Status::Fresh, "{}", outcome.report);
    assert_eq!(outcome.exit_code(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_sync_over_loopback_reproduces_the_committed_table() {
    let server = Server::plain(&full_reference()).await;
    let dir = TempDir::new();
    let table = dir.join("generated.rs");
    let mirror = dir.join("mirror");
    let mut options = url_options(&server.url(), &table);
    options.fetch.concurrency = 16;
    options.mirror = Some(mirror.clone());
    let outcome = pare_catalog_sync::sync(&options).await.unwrap();
    assert_eq!(outcome.status, Status::Written);
    let services = pare_catalog::provenance().service_count;
    assert_eq!(outcome.changes.services_added.len(), services);
    assert!(std::fs::read(&table).unwrap() == std::fs::read(committed_table()).unwrap());
    assert_eq!(server.stats.total(), services + 1);
    assert!(server.stats.max_in_flight() <= 16);

    // The mirror is a valid offline catalog equal to the embedded one, and its
    // index keeps the URLs as they were served.
    let catalog = pare_catalog::load_dir(&mirror).unwrap();
    assert!(catalog.actions() == pare_catalog::embedded().rows());
    let index = std::fs::read_to_string(mirror.join("index.json")).unwrap();
    let first = &pare_catalog::provenance().services[0].name;
    assert!(index.contains(&format!("{}v1/{first}/{first}.json", server.url())));
}
