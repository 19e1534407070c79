//! The sync reads only where it was pointed: no redirect is followed, no
//! service URL off the index's origin is fetched, and a `--mirror` directory
//! is replaced whole or not at all.

use pare_catalog::ErrorKind as DataKind;
use pare_catalog_sync::{ErrorKind, Source, SyncOptions};

use crate::server::{Reply, Server};
use crate::support::{TempDir, table_from, tree, url_options};

/// Every file of a tree, as `relative path` sorted.
fn files(root: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

async fn sync_through(
    hook: impl Fn(&str, usize, &Reply) -> Option<Reply> + Send + Sync + 'static,
) -> (pare_catalog_sync::Error, Vec<u8>, Vec<u8>, Server) {
    let dir = TempDir::new();
    let table = dir.join("generated.rs");
    let before = table_from("before", &table);
    let server = Server::start(&tree("after"), hook).await;
    let mut options = url_options(&server.url(), &table);
    options.allow_shrink = true;
    let err = pare_catalog_sync::sync(&options).await.unwrap_err();
    let now = std::fs::read(&table).unwrap();
    (err, before, now, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirecting_index_is_refused() {
    let (err, before, now, server) = sync_through(|path, _, _| {
        (path == "/").then(|| {
            Reply::Status(
                301,
                vec![("Location", "http://127.0.0.1:1/index.json".to_owned())],
            )
        })
    })
    .await;
    assert_eq!(err.kind(), ErrorKind::Http);
    let message = err.to_string();
    assert!(message.contains("301"), "{message}");
    assert!(
        message.contains("a redirect to `http://127.0.0.1:1/index.json`"),
        "{message}"
    );
    assert!(message.contains("not followed"), "{message}");
    // Refused at once, not retried, and the table is as it was.
    assert_eq!(server.stats.total(), 1);
    assert!(before == now);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirecting_service_file_is_refused() {
    let (err, before, now, server) = sync_through(|path, _, _| {
        (path == "/v1/s3/s3.json")
            .then(|| Reply::Status(302, vec![("Location", "/v1/ec2/ec2.json".to_owned())]))
    })
    .await;
    assert_eq!(err.kind(), ErrorKind::Http);
    assert_eq!(err.service(), Some("s3"));
    assert_eq!(server.stats.count("/v1/ec2/ec2.json"), 1);
    assert_eq!(server.stats.count("/v1/s3/s3.json"), 1);
    assert!(before == now);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_url_off_the_index_origin_is_not_fetched() {
    for elsewhere in [
        "http://127.0.0.1:1/v1/s3/s3.json",
        "https://example.test/v1/s3/s3.json",
        "//example.test/v1/s3/s3.json",
    ] {
        let index = tree("after").join("index.json");
        let mut entries: Vec<serde_json::Value> =
            serde_json::from_slice(&std::fs::read(&index).unwrap()).unwrap();
        for entry in &mut entries {
            if entry["service"] == "s3" {
                entry["url"] = elsewhere.into();
            }
        }
        let (err, before, now, server) = sync_through(move |path, _, normal| {
            (path == "/").then(|| match normal {
                // The other services keep the server's own URLs.
                Reply::Body(served) => {
                    let mut served: Vec<serde_json::Value> =
                        serde_json::from_slice(served).unwrap();
                    for (entry, doctored) in served.iter_mut().zip(&entries) {
                        if entry["service"] == "s3" {
                            *entry = doctored.clone();
                        }
                    }
                    Reply::Body(serde_json::to_vec(&served).unwrap())
                }
                other => other.clone(),
            })
        })
        .await;
        assert_eq!(
            err.kind(),
            ErrorKind::Reference(DataKind::Malformed),
            "{err}"
        );
        assert_eq!(err.service(), Some("s3"));
        assert!(
            err.to_string().contains("not on the index's origin"),
            "{err}"
        );
        // Nothing but the index was asked for.
        assert_eq!(server.stats.total(), 1, "{elsewhere}");
        assert!(before == now);
    }
}

#[test]
fn a_mirror_is_replaced_whole_and_keeps_no_retired_service() {
    let dir = TempDir::new();
    let table = dir.join("generated.rs");
    let mirror = dir.join("mirror");
    let mut options = SyncOptions::new(Source::Dir(tree("before")), &table);
    options.mirror = Some(mirror.clone());
    pare_catalog_sync::run(&options).unwrap();
    assert!(files(&mirror).contains(&"v1/oldsvc/oldsvc.json".to_owned()));

    let mut options = SyncOptions::new(Source::Dir(tree("after")), &table);
    options.mirror = Some(mirror.clone());
    options.allow_shrink = true;
    pare_catalog_sync::run(&options).unwrap();
    assert_eq!(files(&mirror), files(&tree("after")));
    // Nothing is left beside it.
    let beside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(beside, ["generated.rs", "mirror"]);
}

#[test]
fn a_failed_sync_leaves_the_mirror_as_it_was() {
    let dir = TempDir::new();
    let table = dir.join("generated.rs");
    let mirror = dir.join("mirror");
    let mut options = SyncOptions::new(Source::Dir(tree("before")), &table);
    options.mirror = Some(mirror.clone());
    pare_catalog_sync::run(&options).unwrap();
    let was = files(&mirror);

    // A copy of `after` with one service file missing.
    let broken = dir.join("broken");
    for file in files(&tree("after")) {
        if file != "v1/s3/s3.json" {
            let to = broken.join(&file);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(tree("after").join(&file), to).unwrap();
        }
    }
    let mut options = SyncOptions::new(Source::Dir(broken), &table);
    options.mirror = Some(mirror.clone());
    options.allow_shrink = true;
    let err = pare_catalog_sync::run(&options).unwrap_err();
    assert_eq!(err.service(), Some("s3"));
    assert_eq!(files(&mirror), was);
    for file in &was {
        assert!(
            std::fs::read(mirror.join(file)).unwrap()
                == std::fs::read(tree("before").join(file)).unwrap(),
            "{file}"
        );
    }
}
