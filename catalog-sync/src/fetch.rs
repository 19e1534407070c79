//! Reading the reference: from a local copy, or over HTTP with bounded
//! concurrency, per-request timeouts, retries with backoff and jitter, and a
//! cap on body size. Every file is validated as it arrives, so a bad one stops
//! the sync at once.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pare_catalog::events::Operation;
use pare_catalog::{INDEX_FILE, IndexEntry, ServiceActions};
use reqwest::{Client, StatusCode, Url};
use tokio::task::JoinSet;

use crate::error::{Error, ErrorKind};
use crate::options::FetchOptions;

/// What a sync read: the validated services, in index order, and the raw
/// bytes when a mirror is to be written.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub services: Vec<ServiceActions>,
    /// Each service's `Operations`, by service prefix, in index order.
    pub operations: Vec<(String, Vec<Operation>)>,
    /// `index.json` then each `v1/<svc>/<svc>.json`, as served; empty unless asked for.
    pub raw: Vec<(String, Vec<u8>)>,
}

/// Reads a local copy laid out like the endpoint.
pub(crate) fn read_dir(dir: &Path, keep_raw: bool) -> Result<Fetched, Error> {
    let read = |relative: &str| {
        let path = dir.join(relative);
        std::fs::read(&path)
            .map(|bytes| (path.display().to_string(), bytes))
            .map_err(|e| Error::io("read", &path, e))
    };
    let (index_name, index_raw) = read(INDEX_FILE)?;
    let entries = pare_catalog::parse_index(&index_raw, &index_name)?;
    let mut fetched = Fetched {
        services: Vec::with_capacity(entries.len()),
        operations: Vec::with_capacity(entries.len()),
        raw: Vec::new(),
    };
    if keep_raw {
        fetched.raw.push((INDEX_FILE.to_owned(), index_raw));
    }
    for entry in &entries {
        let relative = entry.relative_path();
        let (name, bytes) = read(&relative).map_err(|e| e.for_service(&entry.service))?;
        let service = pare_catalog::parse_service(entry, &bytes, &name)
            .map_err(|e| Error::from(e).for_service(&entry.service))?;
        let operations = pare_catalog::events::parse_operations(&bytes, &name)
            .map_err(|e| Error::from(e).for_service(&entry.service))?;
        fetched.services.push(service);
        fetched.operations.push((entry.service.clone(), operations));
        if keep_raw {
            fetched.raw.push((relative, bytes));
        }
    }
    Ok(fetched)
}

/// The HTTP client of a sync: its timeouts, its name, and no redirects.
pub(crate) fn client(options: &FetchOptions) -> Result<Client, Error> {
    Client::builder()
        .timeout(options.timeout)
        .connect_timeout(options.timeout)
        .user_agent(concat!("pare-catalog-sync/", env!("CARGO_PKG_VERSION")))
        // A redirect could lead anywhere, https to http included: the sync
        // reads only where it was pointed, and a 3xx is an error naming it.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| {
            Error::new(ErrorKind::Internal, "cannot set up the HTTP client").with_source(e)
        })
}

/// The URL of each service file the index lists, each on the index's origin.
fn service_urls(index_url: &Url, entries: &[pare_catalog::IndexEntry]) -> Result<Vec<Url>, Error> {
    let mut urls = Vec::with_capacity(entries.len());
    for entry in entries {
        let url = index_url.join(&entry.url).map_err(|e| {
            Error::new(
                ErrorKind::Reference(pare_catalog::ErrorKind::Malformed),
                format!(
                    "the index gives the url `{}`, which is not valid",
                    entry.url
                ),
            )
            .with_source(e)
            .for_service(&entry.service)
        })?;
        // The index is data, not a list of places to visit: a service file
        // comes from the origin the index came from, or not at all.
        if url.origin() != index_url.origin() {
            return Err(Error::new(
                ErrorKind::Reference(pare_catalog::ErrorKind::Malformed),
                format!(
                    "the index gives the url `{url}`, which is not on the index's origin `{}`; only that origin is read",
                    index_url.origin().ascii_serialization()
                ),
            )
            .for_service(&entry.service));
        }
        urls.push(url);
    }
    Ok(urls)
}

/// Fetches the index at `index_url`, then every service file it lists.
pub(crate) async fn fetch_url(
    index_url: &Url,
    options: &FetchOptions,
    keep_raw: bool,
    progress: bool,
) -> Result<Fetched, Error> {
    let client = client(options)?;
    let index_raw = get(&client, index_url, options, "the index").await?;
    let entries = pare_catalog::parse_index(&index_raw, index_url.as_str())?;
    let urls = service_urls(index_url, &entries)?;

    let shared = Arc::new(Shared {
        client,
        options: options.clone(),
        entries,
        urls,
        next: AtomicUsize::new(0),
        progress: Progress::new(progress),
        keep_raw,
    });
    let total = shared.entries.len();
    let workers = options.concurrency.clamp(1, total.max(1));
    let mut tasks = JoinSet::new();
    for _ in 0..workers {
        tasks.spawn(worker(Arc::clone(&shared)));
    }
    let mut slots: Vec<Option<Slot>> = Vec::new();
    slots.resize_with(total, || None);
    while let Some(joined) = tasks.join_next().await {
        let results = match joined {
            Ok(Ok(results)) => results,
            Ok(Err(err)) => {
                // Fail fast: the other requests are dropped, and nothing is written.
                tasks.abort_all();
                shared.progress.interrupt();
                return Err(err);
            }
            Err(join) => {
                tasks.abort_all();
                shared.progress.interrupt();
                return Err(
                    Error::new(ErrorKind::Internal, "a fetch task failed").with_source(join)
                );
            }
        };
        for (index, service, operations, raw) in results {
            if let Some(slot) = slots.get_mut(index) {
                *slot = Some((service, operations, raw));
            }
        }
    }

    let mut fetched = Fetched {
        services: Vec::with_capacity(total),
        operations: Vec::with_capacity(total),
        raw: Vec::new(),
    };
    if keep_raw {
        fetched.raw.push((INDEX_FILE.to_owned(), index_raw));
    }
    for (slot, entry) in slots.into_iter().zip(&shared.entries) {
        // Every worker ran to completion, so every slot is filled; a gap would
        // be a bug, reported rather than trusted.
        let Some((service, operations, raw)) = slot else {
            return Err(
                Error::new(ErrorKind::Internal, "no file was fetched").for_service(&entry.service)
            );
        };
        fetched.services.push(service);
        fetched.operations.push((entry.service.clone(), operations));
        if let Some(raw) = raw {
            fetched.raw.push((entry.relative_path(), raw));
        }
    }
    Ok(fetched)
}

#[derive(Debug)]
struct Shared {
    client: Client,
    options: FetchOptions,
    entries: Vec<IndexEntry>,
    urls: Vec<Url>,
    next: AtomicUsize,
    progress: Progress,
    keep_raw: bool,
}

/// A fetched service: its actions, its operations and, when kept, its bytes.
type Slot = (ServiceActions, Vec<Operation>, Option<Vec<u8>>);
type Done = (usize, ServiceActions, Vec<Operation>, Option<Vec<u8>>);

/// Takes the next service until none is left; the number of workers bounds
/// the requests in flight.
async fn worker(shared: Arc<Shared>) -> Result<Vec<Done>, Error> {
    let mut done = Vec::new();
    loop {
        let index = shared.next.fetch_add(1, Ordering::Relaxed);
        let (Some(entry), Some(url)) = (shared.entries.get(index), shared.urls.get(index)) else {
            return Ok(done);
        };
        let what = format!("service `{}`", entry.service);
        let bytes = get(&shared.client, url, &shared.options, &what)
            .await
            .map_err(|e| e.for_service(&entry.service))?;
        let service = pare_catalog::parse_service(entry, &bytes, url.as_str())
            .map_err(|e| Error::from(e).for_service(&entry.service))?;
        let operations = pare_catalog::events::parse_operations(&bytes, url.as_str())
            .map_err(|e| Error::from(e).for_service(&entry.service))?;
        shared.progress.advance(shared.entries.len());
        done.push((index, service, operations, shared.keep_raw.then_some(bytes)));
    }
}

/// Why one try failed, and whether another may succeed.
struct Failure {
    error: Error,
    retry: bool,
    /// The server's `Retry-After`, already capped.
    wait: Option<Duration>,
}

impl Failure {
    fn permanent(error: Error) -> Failure {
        Failure {
            error,
            retry: false,
            wait: None,
        }
    }

    fn transient(error: Error) -> Failure {
        Failure {
            error,
            retry: true,
            wait: None,
        }
    }
}

/// GETs `url`, trying again on transient failures. `what` names the file in messages.
pub(crate) async fn get(
    client: &Client,
    url: &Url,
    options: &FetchOptions,
    what: &str,
) -> Result<Vec<u8>, Error> {
    let mut attempt: u32 = 0;
    loop {
        match get_once(client, url, options, what).await {
            Ok(body) => return Ok(body),
            Err(failure) if failure.retry && attempt < options.retries => {
                let wait = failure.wait.unwrap_or_else(|| backoff(options, attempt));
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(failure) => {
                let mut error = failure.error;
                if attempt > 0 {
                    let message =
                        format!("{} (gave up after {} tries)", error.message(), attempt + 1);
                    error = error.with_message(message);
                }
                return Err(error);
            }
        }
    }
}

async fn get_once(
    client: &Client,
    url: &Url,
    options: &FetchOptions,
    what: &str,
) -> Result<Vec<u8>, Failure> {
    let mut response = client
        .get(url.clone())
        .send()
        .await
        .map_err(|e| transport(e, url, what))?;
    let status = response.status();
    if status.is_redirection() {
        let to = response
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|l| {
                String::from_utf8_lossy(l.as_bytes())
                    .escape_debug()
                    .to_string()
            })
            .unwrap_or_default();
        return Err(Failure::permanent(Error::new(
            ErrorKind::Http,
            format!(
                "{what}: `{url}` answered {status}, a redirect to `{to}`; redirects are not followed (pass the final URL as `--source`)"
            ),
        )));
    }
    if !status.is_success() {
        let error = Error::new(
            ErrorKind::Http,
            format!("{what}: `{url}` answered {status}"),
        );
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            let wait = retry_after(&response).map(|w| w.min(options.max_retry_after));
            return Err(Failure {
                error,
                retry: true,
                wait,
            });
        }
        return Err(Failure::permanent(error));
    }
    let limit = options.max_body_bytes;
    let announced = response.content_length();
    if let Some(length) = announced.filter(|&n| n > limit) {
        return Err(Failure::permanent(Error::new(
            ErrorKind::TooLarge,
            format!("{what}: `{url}` announces {length} bytes, more than the limit of {limit}"),
        )));
    }
    let capacity = usize::try_from(announced.unwrap_or(0).min(limit)).unwrap_or(0);
    let mut body: Vec<u8> = Vec::with_capacity(capacity);
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                // Checked per chunk, so an endless body stops at the limit.
                if body.len() as u64 + chunk.len() as u64 > limit {
                    return Err(Failure::permanent(Error::new(
                        ErrorKind::TooLarge,
                        format!("{what}: `{url}` sent more than the limit of {limit} bytes"),
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(err) => {
                if let Some(length) = announced.filter(|&n| (body.len() as u64) < n) {
                    return Err(Failure::transient(
                        truncated(what, url, body.len(), length).with_source(err),
                    ));
                }
                return Err(transport(err, url, what));
            }
        }
    }
    if let Some(length) = announced.filter(|&n| (body.len() as u64) < n) {
        return Err(Failure::transient(truncated(what, url, body.len(), length)));
    }
    Ok(body)
}

fn truncated(what: &str, url: &Url, got: usize, length: u64) -> Error {
    Error::new(
        ErrorKind::Truncated,
        format!("{what}: the body of `{url}` ended after {got} of {length} bytes"),
    )
}

/// Connection errors, resets and timeouts may pass; a request that cannot be
/// built will not.
fn transport(err: reqwest::Error, url: &Url, what: &str) -> Failure {
    if err.is_builder() {
        return Failure::permanent(
            Error::new(ErrorKind::Usage, format!("{what}: cannot request `{url}`"))
                .with_source(err),
        );
    }
    let how = if err.is_timeout() {
        "timed out fetching"
    } else {
        "cannot fetch"
    };
    Failure::transient(
        Error::new(ErrorKind::Network, format!("{what}: {how} `{url}`")).with_source(err),
    )
}

/// `Retry-After` in seconds; the HTTP-date form is rare for 429 and 503 and
/// falls back to the backoff.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(reqwest::header::RETRY_AFTER)?;
    let seconds = value.to_str().ok()?.trim().parse::<u64>().ok()?;
    Some(Duration::from_secs(seconds))
}

/// The delay before retry number `attempt + 1`: exponential, capped, and
/// jittered between half and all of it so that parallel workers that failed
/// together do not retry together.
pub(crate) fn backoff(options: &FetchOptions, attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.min(20));
    let full = options
        .backoff
        .saturating_mul(factor)
        .min(options.max_backoff);
    let half = full / 2;
    let spread = u64::try_from((full - half).as_micros()).unwrap_or(u64::MAX);
    let jitter = if spread == 0 {
        0
    } else {
        RandomState::new().build_hasher().finish() % spread.saturating_add(1)
    };
    half.saturating_add(Duration::from_micros(jitter))
}

/// Services done out of total, on stderr: one updating line on a terminal,
/// a line per tenth otherwise (logs of CI runs stay short).
#[derive(Debug)]
struct Progress {
    enabled: bool,
    terminal: bool,
    done: AtomicUsize,
}

impl Progress {
    fn new(enabled: bool) -> Progress {
        Progress {
            enabled,
            terminal: std::io::stderr().is_terminal(),
            done: AtomicUsize::new(0),
        }
    }

    fn advance(&self, total: usize) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if !self.enabled {
            return;
        }
        if self.terminal {
            eprint!("\rfetched {done}/{total} services");
            if done == total {
                eprintln!();
            }
        } else if done == total || (done * 10 / total.max(1)) > ((done - 1) * 10 / total.max(1)) {
            eprintln!("fetched {done}/{total} services");
        }
    }

    /// Ends the updating line so that the error starts on its own.
    fn interrupt(&self) {
        if self.enabled && self.terminal {
            eprintln!();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let options = FetchOptions {
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            ..FetchOptions::default()
        };
        for (attempt, full) in [
            (0, 100),
            (1, 200),
            (2, 400),
            (3, 800),
            (4, 1000),
            (40, 1000),
        ] {
            let wait = backoff(&options, attempt);
            assert!(
                wait >= Duration::from_millis(full / 2),
                "{attempt}: {wait:?}"
            );
            assert!(wait <= Duration::from_millis(full), "{attempt}: {wait:?}");
        }
        let unbounded = FetchOptions {
            backoff: Duration::MAX,
            max_backoff: Duration::MAX,
            ..FetchOptions::default()
        };
        assert!(backoff(&unbounded, u32::MAX) >= Duration::MAX / 2);
    }
}
