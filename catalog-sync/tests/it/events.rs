//! The CloudTrail event table: the committed one against its sources, and a
//! sync that reads botocore's wheel through a PyPI-shaped loopback server.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use pare_catalog_sync::{ErrorKind, EventsOptions, SdkSource, Source, Status, SyncOptions};

use crate::server::Server;
use crate::support::{TempDir, committed_table, full_reference, tree};

fn committed_events() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog/src/events_generated.rs")
}

fn committed_sdk() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog/tests/data/aws-sdk/botocore.json")
}

/// The committed event table is what the renderer makes of the committed
/// reference copy and SDK metadata copy: it is not stale.
#[test]
fn committed_event_table_matches_the_reference_and_sdk_copies() {
    let mut options = SyncOptions::new(Source::Dir(full_reference()), committed_table());
    options.check = true;
    options.events = Some(EventsOptions {
        table: committed_events(),
        sdk: SdkSource::File(committed_sdk()),
    });
    let outcome = pare_catalog_sync::run(&options).unwrap();
    assert_eq!(outcome.status, Status::Fresh, "{}", outcome.report);
    let events = outcome.events.unwrap();
    assert!(events.fresh);
    assert_eq!(events.changes.rows, pare_catalog::events().len());
    assert_eq!(
        format!("{} {}", events.sdk.package, events.sdk.version),
        pare_catalog::event_provenance().sdk
    );
}

/// The committed SDK copy is in the form the sync writes, so a sync of the
/// same data leaves no diff.
#[test]
fn committed_sdk_copy_is_in_normal_form() {
    let bytes = std::fs::read(committed_sdk()).unwrap();
    let sdk = pare_catalog::events::parse_sdk_metadata(&bytes, "botocore.json").unwrap();
    assert!(pare_catalog::events::sdk_metadata_json(&sdk).as_bytes() == bytes.as_slice());
    assert_eq!(sdk.sha256, pare_catalog::event_provenance().sdk_sha256);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn model(prefix: &str, signing: Option<&str>) -> Vec<u8> {
    let mut metadata = serde_json::json!({"endpointPrefix": prefix, "protocol": "rest-xml"});
    if let Some(signing) = signing {
        metadata["signingName"] = signing.into();
    }
    serde_json::to_vec(&serde_json::json!({"metadata": metadata, "operations": {}})).unwrap()
}

/// A small botocore wheel: gzipped and plain models, and an older API
/// version whose metadata must lose to the newest.
fn wheel() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let files: Vec<(&str, Vec<u8>)> = vec![
        (
            "botocore-9.9.9.dist-info/METADATA",
            b"Name: botocore\n".to_vec(),
        ),
        (
            "botocore/data/s3/2006-03-01/service-2.json.gz",
            gzip(&model("s3", Some("s3"))),
        ),
        (
            "botocore/data/s3/2001-01-01/service-2.json",
            model("old-s3", None),
        ),
        (
            "botocore/data/s3control/2018-08-20/service-2.json",
            model("s3-control", Some("s3")),
        ),
        (
            "botocore/data/ec2/2016-11-15/service-2.json.gz",
            gzip(&model("ec2", None)),
        ),
        (
            "botocore/data/ec2/2016-11-15/paginators-1.json",
            b"{}".to_vec(),
        ),
    ];
    for (name, bytes) in files {
        zip.start_file(name, options).unwrap();
        zip.write_all(&bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn sha256(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A PyPI-shaped tree: `pypi/botocore/json` naming the wheel at `wheel_url`
/// with the digest `digest`, and the wheel under `files/`.
fn pypi_tree(dir: &TempDir, wheel_url: &str, digest: &str) {
    let wheel = wheel();
    std::fs::create_dir_all(dir.join("pypi/botocore")).unwrap();
    std::fs::create_dir_all(dir.join("files")).unwrap();
    std::fs::write(dir.join("files/botocore-9.9.9-py3-none-any.whl"), &wheel).unwrap();
    let digest = if digest.is_empty() {
        sha256(&wheel)
    } else {
        digest.to_owned()
    };
    let description = serde_json::json!({
        "info": {"version": "9.9.9"},
        "urls": [
            {"filename": "botocore-9.9.9.tar.gz", "packagetype": "sdist",
             "url": "/files/nothing.tar.gz", "digests": {"sha256": "00"}},
            {"filename": "botocore-9.9.9-py3-none-any.whl", "packagetype": "bdist_wheel",
             "url": wheel_url, "digests": {"sha256": digest}},
        ]
    });
    std::fs::write(
        dir.join("pypi/botocore/json"),
        serde_json::to_vec(&description).unwrap(),
    )
    .unwrap();
}

fn events_options(server: &Server, dir: &TempDir) -> SyncOptions {
    let mut options = SyncOptions::new(Source::Dir(tree("after")), dir.join("generated.rs"));
    options.events = Some(EventsOptions {
        table: dir.join("events_generated.rs"),
        sdk: SdkSource::parse(&format!("{}pypi/botocore/json", server.url())).unwrap(),
    });
    options
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_reads_the_wheel_pypi_names_and_renders_the_event_table() {
    let served = TempDir::new();
    pypi_tree(&served, "/files/botocore-9.9.9-py3-none-any.whl", "");
    let server = Server::plain(served.path()).await;
    let dir = TempDir::new();
    let options = events_options(&server, &dir);
    let outcome = pare_catalog_sync::sync(&options).await.unwrap();
    assert_eq!(outcome.status, Status::Written);
    let events = outcome.events.unwrap();
    assert_eq!(events.sdk.version, "9.9.9");
    assert_eq!(events.sdk.sha256, sha256(&wheel()));
    // The newest API version's metadata wins over the older one.
    let s3 = events.sdk.client("s3").unwrap();
    assert_eq!(
        (s3.api_version.as_str(), s3.endpoint_prefix.as_str()),
        ("2006-03-01", "s3")
    );
    let text = std::fs::read_to_string(dir.join("events_generated.rs")).unwrap();
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("    \"") && l.ends_with(r#"\n","#))
        .collect();
    assert_eq!(
        rows,
        [
            // Every action the operation authorizes that the catalog knows.
            r#"    "ec2.amazonaws.com DescribeInstances ec2:DescribeInstances\n","#,
            // No AuthorizedActions: `s3:GetObjectAttributes` is in the catalog.
            r#"    "s3.amazonaws.com GetObjectAttributes s3:GetObjectAttributes\n","#,
            // `s3-object-lambda:ListBucket` is not in this catalog: left out.
            r#"    "s3.amazonaws.com ListObjectsV2 s3:ListBucket\n","#,
            r#"    "s3.amazonaws.com PutObject s3:PutObject\n","#,
        ]
    );
    assert!(
        text.contains("pub(crate) const EVENT_COUNT: usize = 4;\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "pub(crate) const EVENTS: &str = concat!(\n    \"ec2.amazonaws.com DescribeInstances"
        ),
        "{text}"
    );
    assert!(text.ends_with("\n);\n"), "{text}");
    // What was left out is counted in the banner.
    assert!(
        text.contains("Left out: 1 operations without an action the catalog knows, 1\n"),
        "{text}"
    );
    assert!(text.contains("`retired` (1)"), "{text}");
    assert!(text.contains("SDK: &str = \"botocore 9.9.9\";"), "{text}");
    assert!(outcome.report.contains("## CloudTrail event table"));
    assert!(
        outcome
            .report
            .contains("- client `retired` (1 operations) is not in the SDK metadata\n"),
        "{}",
        outcome.report
    );
    assert!(
        outcome
            .report
            .contains("- action `s3-object-lambda:ListBucket` is authorized by an operation but not in the catalog\n"),
        "{}",
        outcome.report
    );
    // Again, in check mode: fresh.
    let mut check = options.clone();
    check.check = true;
    let again = pare_catalog_sync::sync(&check).await.unwrap();
    assert_eq!(again.status, Status::Fresh, "{}", again.report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wheel_that_fails_its_digest_is_refused() {
    let served = TempDir::new();
    pypi_tree(
        &served,
        "/files/botocore-9.9.9-py3-none-any.whl",
        &"ab".repeat(32),
    );
    let server = Server::plain(served.path()).await;
    let dir = TempDir::new();
    let err = pare_catalog_sync::sync(&events_options(&server, &dir))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Sdk, "{err}");
    assert!(err.to_string().contains("SHA-256"), "{err}");
    assert!(!dir.join("generated.rs").exists());
    assert!(!dir.join("events_generated.rs").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wheel_off_the_expected_origins_is_refused() {
    let served = TempDir::new();
    pypi_tree(
        &served,
        "http://127.0.0.1:9/files/botocore-9.9.9-py3-none-any.whl",
        "",
    );
    let server = Server::plain(served.path()).await;
    let dir = TempDir::new();
    let err = pare_catalog_sync::sync(&events_options(&server, &dir))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Sdk, "{err}");
    assert!(err.to_string().contains("off its own origin"), "{err}");
    assert_eq!(server.stats.total(), 1);
}

#[test]
fn a_file_that_is_not_a_wheel_is_an_sdk_error() {
    let err = pare_catalog_sync::read_wheel(b"PK\x03\x04 not really", "x.whl").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Sdk);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(
        "botocore/data/s3/2006-03-01/service-2.json",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(&model("s3/../../evil", None)).unwrap();
    zip.start_file(
        "botocore-1.0.0.dist-info/METADATA",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    let err = pare_catalog_sync::read_wheel(&bytes, "x.whl").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Sdk, "{err}");
}
