//! Shared helpers: temporary directories, the test data trees, fast options.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pare_catalog_sync::{FetchOptions, Source, SyncOptions};

/// A directory under the system's temporary directory, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("pare-catalog-sync-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, relative: &str) -> PathBuf {
        self.0.join(relative)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A data tree of this crate's tests (`before`, `after`).
pub fn tree(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The project's minimized copy of the full service reference.
pub fn full_reference() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog/tests/data/service-reference")
}

/// The committed table.
pub fn committed_table() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog/src/generated.rs")
}

/// Fetch options that make retries take milliseconds.
pub fn fast_fetch() -> FetchOptions {
    FetchOptions {
        concurrency: 4,
        timeout: Duration::from_secs(5),
        retries: 3,
        backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        max_retry_after: Duration::from_secs(5),
        max_body_bytes: 8 * 1024 * 1024,
    }
}

/// Options for a sync from `url` into `table`.
pub fn url_options(url: &str, table: &Path) -> SyncOptions {
    let mut options = SyncOptions::new(Source::parse(url).unwrap(), table);
    options.fetch = fast_fetch();
    options
}

/// Writes the table rendered from the tree `name` to `table`, and returns its bytes.
pub fn table_from(name: &str, table: &Path) -> Vec<u8> {
    let options = SyncOptions::new(Source::Dir(tree(name)), table);
    pare_catalog_sync::run(&options).unwrap();
    std::fs::read(table).unwrap()
}
