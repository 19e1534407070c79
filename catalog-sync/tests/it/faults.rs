//! Network faults: transient ones recover, permanent ones abort the sync with
//! an error naming the service and leave the table byte for byte as it was.

use std::time::{Duration, Instant};

use pare_catalog::ErrorKind as DataKind;
use pare_catalog_sync::{ErrorKind, Outcome, Status};

use crate::server::{Reply, Server};
use crate::support::{TempDir, table_from, tree, url_options};

const S3: &str = "/v1/s3/s3.json";

/// Syncs `after` through a server with `hook` into a table made from `before`.
async fn sync_with(
    hook: impl Fn(&str, usize, &Reply) -> Option<Reply> + Send + Sync + 'static,
    tweak: impl FnOnce(&mut pare_catalog_sync::SyncOptions),
) -> (
    Result<Outcome, pare_catalog_sync::Error>,
    Vec<u8>,
    Vec<u8>,
    Server,
    TempDir,
) {
    let dir = TempDir::new();
    let table = dir.join("generated.rs");
    let before = table_from("before", &table);
    let server = Server::start(&tree("after"), hook).await;
    let mut options = url_options(&server.url(), &table);
    // `after` drops a service of `before`; the guard has its own test.
    options.allow_shrink = true;
    tweak(&mut options);
    let result = pare_catalog_sync::sync(&options).await;
    let now = std::fs::read(&table).unwrap();
    (result, before, now, server, dir)
}

fn after_table() -> Vec<u8> {
    let dir = TempDir::new();
    table_from("after", &dir.join("t.rs"))
}

/// On the first request for `path`, answer `reply`; then behave.
fn first(
    path: &'static str,
    reply: Reply,
) -> impl Fn(&str, usize, &Reply) -> Option<Reply> + Send + Sync {
    move |p, seen, _| (p == path && seen == 0).then(|| reply.clone())
}

/// Answer `reply` to every request for `path`.
fn always(
    path: &'static str,
    reply: Reply,
) -> impl Fn(&str, usize, &Reply) -> Option<Reply> + Send + Sync {
    move |p, _, _| (p == path).then(|| reply.clone())
}

async fn assert_recovers(
    hook: impl Fn(&str, usize, &Reply) -> Option<Reply> + Send + Sync + 'static,
    tweak: impl FnOnce(&mut pare_catalog_sync::SyncOptions),
) -> Server {
    let (result, _, now, server, _dir) = sync_with(hook, tweak).await;
    let outcome = result.unwrap();
    assert_eq!(outcome.status, Status::Written);
    assert_eq!(outcome.exit_code(), 0);
    assert!(now == after_table());
    server
}

async fn assert_aborts(
    hook: impl Fn(&str, usize, &Reply) -> Option<Reply> + Send + Sync + 'static,
    tweak: impl FnOnce(&mut pare_catalog_sync::SyncOptions),
    kind: ErrorKind,
    service: Option<&str>,
) -> (pare_catalog_sync::Error, Server) {
    let (result, before, now, server, _dir) = sync_with(hook, tweak).await;
    let err = result.unwrap_err();
    assert_eq!(err.kind(), kind, "{err}");
    assert_eq!(err.service(), service, "{err}");
    if let Some(service) = service {
        assert!(
            err.to_string().contains(&format!("service `{service}`")),
            "{err}"
        );
    }
    assert!(now == before, "the table changed after a failed sync");
    (err, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_then_success_recovers() {
    let server = assert_recovers(first(S3, Reply::Status(503, Vec::new())), |_| {}).await;
    assert_eq!(server.stats.count(S3), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_waits_as_long_as_retry_after_says() {
    let started = Instant::now();
    let reply = Reply::Status(429, vec![("Retry-After", "1".to_owned())]);
    let server = assert_recovers(first(S3, reply), |_| {}).await;
    assert_eq!(server.stats.count(S3), 2);
    // The backoff alone would be milliseconds.
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_capped() {
    let started = Instant::now();
    let reply = Reply::Status(429, vec![("Retry-After", "3600".to_owned())]);
    assert_recovers(first(S3, reply), |o| {
        o.fetch.max_retry_after = Duration::from_millis(20)
    })
    .await;
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_reset_recovers() {
    let server = assert_recovers(first(S3, Reply::Reset), |_| {}).await;
    assert_eq!(server.stats.count(S3), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_response_under_the_timeout_is_waited_for() {
    let slow = |p: &str, _: usize, normal: &Reply| {
        (p == S3).then(|| Reply::Delayed(Duration::from_millis(300), Box::new(normal.clone())))
    };
    let server = assert_recovers(slow, |o| o.fetch.timeout = Duration::from_secs(3)).await;
    assert_eq!(server.stats.count(S3), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_over_the_timeout_is_tried_again() {
    let slow_once = |p: &str, seen: usize, normal: &Reply| {
        (p == S3 && seen == 0)
            .then(|| Reply::Delayed(Duration::from_secs(3), Box::new(normal.clone())))
    };
    let server = assert_recovers(slow_once, |o| o.fetch.timeout = Duration::from_millis(300)).await;
    assert_eq!(server.stats.count(S3), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_404_for_one_service_aborts() {
    let (err, server) = assert_aborts(
        always(S3, Reply::Status(404, Vec::new())),
        |_| {},
        ErrorKind::Http,
        Some("s3"),
    )
    .await;
    assert!(err.to_string().contains("answered 404"), "{err}");
    // A 404 is final: no retry.
    assert_eq!(server.stats.count(S3), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persistent_503_gives_up_after_the_retries() {
    let (err, server) = assert_aborts(
        always(S3, Reply::Status(503, Vec::new())),
        |_| {},
        ErrorKind::Http,
        Some("s3"),
    )
    .await;
    assert!(err.to_string().contains("gave up after 4 tries"), "{err}");
    assert_eq!(server.stats.count(S3), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_body_aborts() {
    let truncated = |p: &str, _: usize, normal: &Reply| match normal {
        Reply::Body(body) if p == S3 => Some(Reply::Truncated(
            body[..body.len() / 2].to_vec(),
            body.len(),
        )),
        _ => None,
    };
    let (err, _) = assert_aborts(truncated, |_| {}, ErrorKind::Truncated, Some("s3")).await;
    assert!(err.to_string().contains("ended after"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_json_aborts_with_its_line_and_column() {
    let reply = Reply::Body(b"{\"Name\": \"s3\",\n \"Actions\": [}".to_vec());
    let (err, _) = assert_aborts(
        always(S3, reply),
        |_| {},
        ErrorKind::Reference(DataKind::Json),
        Some("s3"),
    )
    .await;
    assert!(err.to_string().contains("at line 2, column 14"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_naming_another_service_aborts() {
    let reply = Reply::Body(br#"{"Name": "ec2", "Version": "v1.4", "Actions": []}"#.to_vec());
    let (err, _) = assert_aborts(
        always(S3, reply),
        |_| {},
        ErrorKind::Reference(DataKind::Mismatch),
        Some("s3"),
    )
    .await;
    assert!(err.to_string().contains("describes service `ec2`"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_action_name_aborts() {
    let reply = Reply::Body(
        br#"{"Name": "s3", "Version": "v1.4", "Actions": [{"Name": "Get Object"}]}"#.to_vec(),
    );
    assert_aborts(
        always(S3, reply),
        |_| {},
        ErrorKind::Reference(DataKind::Malformed),
        Some("s3"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_actions_abort() {
    let reply = Reply::Body(
        br#"{"Name": "s3", "Version": "v1.4", "Actions": [{"Name": "GetObject"}, {"Name": "GETOBJECT"}]}"#.to_vec(),
    );
    assert_aborts(
        always(S3, reply),
        |_| {},
        ErrorKind::Reference(DataKind::Duplicate),
        Some("s3"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announced_oversized_body_aborts() {
    // Content-Length says 5000; the other files are well under the limit.
    let (err, server) = assert_aborts(
        always("/v1/ec2/ec2.json", Reply::Body(vec![b' '; 5000])),
        |o| o.fetch.max_body_bytes = 4096,
        ErrorKind::TooLarge,
        Some("ec2"),
    )
    .await;
    assert!(
        err.to_string()
            .contains("announces 5000 bytes, more than the limit of 4096"),
        "{err}"
    );
    assert_eq!(server.stats.count("/v1/ec2/ec2.json"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_streamed_body_aborts_at_the_limit() {
    // 64 MiB announced by no header: the limit must stop the read early.
    let (err, _) = assert_aborts(
        always(S3, Reply::Endless(64 * 1024 * 1024)),
        |o| o.fetch.max_body_bytes = 256 * 1024,
        ErrorKind::TooLarge,
        Some("s3"),
    )
    .await;
    assert!(
        err.to_string().contains("sent more than the limit"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_index_aborts() {
    let empty = |p: &str, _: usize, _: &Reply| (p == "/").then(|| Reply::Body(b"[]".to_vec()));
    let (err, server) =
        assert_aborts(empty, |_| {}, ErrorKind::Reference(DataKind::Empty), None).await;
    assert!(err.to_string().contains("lists no service"), "{err}");
    assert_eq!(server.stats.total(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_index_is_a_network_error() {
    let dir = TempDir::new();
    let table = dir.join("generated.rs");
    let before = table_from("before", &table);
    // Bind a port, then free it, so nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let options = url_options(&format!("http://127.0.0.1:{port}/"), &table);
    let err = pare_catalog_sync::sync(&options).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert!(std::fs::read(&table).unwrap() == before);
}
