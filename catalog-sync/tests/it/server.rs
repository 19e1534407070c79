//! A loopback HTTP/1.1 server, hand-rolled on tokio so that a test can inject
//! any fault: error statuses, resets, truncated or endless bodies, delays.
//! It serves a tree laid out like the endpoint and rewrites the index's URLs
//! to point back at itself.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the server answers one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// 200 with this body.
    Body(Vec<u8>),
    /// This status, with these extra headers and a short body.
    Status(u16, Vec<(&'static str, String)>),
    /// A `Content-Length` of `claimed`, then only these bytes, then close.
    Truncated(Vec<u8>, usize),
    /// Close the connection with a reset, without answering.
    Reset,
    /// Wait, then answer.
    Delayed(Duration, Box<Reply>),
    /// 200 with a chunked body of `total` bytes and no `Content-Length`.
    Endless(usize),
}

/// What the fault hook sees: the path and how many times it was asked for before.
pub type Hook = dyn Fn(&str, usize, &Reply) -> Option<Reply> + Send + Sync;

#[derive(Default)]
pub struct Stats {
    in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
    pub requests: Mutex<BTreeMap<String, usize>>,
}

impl Stats {
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }

    pub fn count(&self, path: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    pub fn total(&self) -> usize {
        self.requests.lock().unwrap().values().sum()
    }
}

pub struct Server {
    pub addr: SocketAddr,
    pub stats: Arc<Stats>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Serves `root`, passing every reply through `hook` first.
    pub async fn start(
        root: &Path,
        hook: impl Fn(&str, usize, &Reply) -> Option<Reply> + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stats = Arc::new(Stats::default());
        let state = Arc::new(State {
            root: root.to_path_buf(),
            base: format!("http://{addr}/"),
            hook: Box::new(hook),
            stats: Arc::clone(&stats),
        });
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(Arc::clone(&state), stream));
            }
        });
        Server { addr, stats, task }
    }

    /// Serves `root` as it is.
    pub async fn plain(root: &Path) -> Server {
        Server::start(root, |_, _, _| None).await
    }

    /// The URL of the index.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct State {
    root: PathBuf,
    base: String,
    hook: Box<Hook>,
    stats: Arc<Stats>,
}

async fn serve(state: Arc<State>, mut stream: TcpStream) {
    // Head and body go out in separate writes; Nagle's algorithm would hold
    // the second until the first is acknowledged.
    let _ = stream.set_nodelay(true);
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
    let seen = {
        let mut requests = state.stats.requests.lock().unwrap();
        let count = requests.entry(path.clone()).or_insert(0);
        *count += 1;
        *count - 1
    };
    let now = state.stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.stats.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let normal = normal_reply(&state, &path);
    let mut reply = (state.hook)(&path, seen, &normal).unwrap_or(normal);
    while let Reply::Delayed(wait, inner) = reply {
        tokio::time::sleep(wait).await;
        reply = *inner;
    }
    // The request stops counting before its answer leaves: once the client
    // has the answer it may send the next one, which must not overlap it.
    state.stats.in_flight.fetch_sub(1, Ordering::SeqCst);
    respond(&mut stream, reply).await;
}

fn normal_reply(state: &State, path: &str) -> Reply {
    let relative = if path == "/" {
        "index.json"
    } else {
        path.trim_start_matches('/')
    };
    match std::fs::read(state.root.join(relative)) {
        Ok(bytes) if relative == "index.json" => Reply::Body(rewrite_index(&bytes, &state.base)),
        Ok(bytes) => Reply::Body(bytes),
        Err(_) => Reply::Status(404, Vec::new()),
    }
}

/// The index with every service URL pointing at `base`, whatever host it
/// named (the copy may have been mirrored from another server).
fn rewrite_index(bytes: &[u8], base: &str) -> Vec<u8> {
    let mut entries: Vec<serde_json::Value> = serde_json::from_slice(bytes).unwrap();
    for entry in &mut entries {
        let service = entry["service"].as_str().unwrap().to_owned();
        entry["url"] = format!("{base}v1/{service}/{service}.json").into();
    }
    serde_json::to_vec_pretty(&entries).unwrap()
}

async fn respond(stream: &mut TcpStream, reply: Reply) {
    let result = match reply {
        Reply::Body(body) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            write_all(stream, &[head.as_bytes(), &body]).await
        }
        Reply::Status(code, headers) => {
            let body = format!("status {code}");
            let mut head = format!(
                "HTTP/1.1 {code} Whatever\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            write_all(stream, &[head.as_bytes(), body.as_bytes()]).await
        }
        Reply::Truncated(body, claimed) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {claimed}\r\nConnection: close\r\n\r\n"
            );
            write_all(stream, &[head.as_bytes(), &body]).await
        }
        Reply::Reset => {
            // A zero linger makes the close a reset rather than an orderly end.
            #[allow(deprecated)]
            let _ = stream.set_linger(Some(Duration::ZERO));
            return;
        }
        Reply::Endless(total) => {
            let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
            let mut result = write_all(stream, &[head.as_bytes()]).await;
            let chunk = vec![b' '; 64 * 1024];
            let mut sent = 0;
            while result.is_ok() && sent < total {
                let size = chunk.len().min(total - sent);
                let frame = format!("{size:x}\r\n");
                result = write_all(stream, &[frame.as_bytes(), &chunk[..size], b"\r\n"]).await;
                sent += size;
            }
            if result.is_ok() {
                result = write_all(stream, &[b"0\r\n\r\n"]).await;
            }
            result
        }
        Reply::Delayed(..) => Ok(()),
    };
    if result.is_ok() {
        let _ = stream.shutdown().await;
    }
}

async fn write_all(stream: &mut TcpStream, parts: &[&[u8]]) -> std::io::Result<()> {
    for part in parts {
        stream.write_all(part).await?;
    }
    stream.flush().await
}
