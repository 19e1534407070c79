//! The one error type of the sync, with a kind the caller can match on.

use std::fmt;

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The options do not make sense (a malformed source URL, a zero limit).
    Usage,
    /// A connection failed, was reset or timed out, and retries did not help.
    Network,
    /// A server answered with an error status (after retries for 429 and 5xx).
    Http,
    /// A body ended before the length its `Content-Length` announced.
    Truncated,
    /// A body exceeded the size limit.
    TooLarge,
    /// What arrived breaks a rule of the service reference; the inner kind says which.
    Reference(pare_catalog::ErrorKind),
    /// The current table file cannot be read back.
    Table,
    /// The AWS SDK metadata (botocore's wheel, PyPI's description of it, or
    /// the minimized copy) is missing, malformed, or fails its SHA-256.
    Sdk,
    /// The new catalog loses more of the current one than the shrink guard allows.
    Shrink,
    /// A local file could not be read or written.
    Io,
    /// A task of the sync failed in a way that is a bug of the sync itself.
    Internal,
}

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error of the sync. Its message is lowercase, quotes names and paths in
/// backticks and names the service concerned; the underlying error, if any,
/// is the [`source`](std::error::Error::source).
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    service: Option<String>,
    source: Option<Source>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            service: None,
            source: None,
        }
    }

    pub(crate) fn with_source(mut self, source: impl Into<Source>) -> Error {
        self.source = Some(source.into());
        self
    }

    pub(crate) fn io(action: &str, path: &std::path::Path, err: std::io::Error) -> Error {
        Error::new(
            ErrorKind::Io,
            format!("cannot {action} `{}`", path.display()),
        )
        .with_source(err)
    }

    pub(crate) fn with_message(mut self, message: String) -> Error {
        self.message = message;
        self
    }

    /// Marks the error as concerning `service`, and says so in the message.
    pub(crate) fn for_service(mut self, service: &str) -> Error {
        if self.service.is_none() {
            self.message = format!("service `{service}`: {}", self.message);
            self.service = Some(service.to_owned());
        }
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The service whose file failed, when one did.
    pub fn service(&self) -> Option<&str> {
        self.service.as_deref()
    }

    /// The message, without the underlying cause.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<pare_catalog::Error> for Error {
    fn from(err: pare_catalog::Error) -> Error {
        let kind = match err.kind() {
            pare_catalog::ErrorKind::Io => ErrorKind::Io,
            other => ErrorKind::Reference(other),
        };
        // The catalog error's message already says where; its own source (an
        // I/O error) stays reachable through the chain.
        let error = Error::new(kind, err.message().to_owned());
        if std::error::Error::source(&err).is_some() {
            error.with_source(CatalogCause(err))
        } else {
            error
        }
    }
}

/// Keeps a catalog error's cause in the chain without printing its message twice.
#[derive(Debug)]
struct CatalogCause(pare_catalog::Error);

impl fmt::Display for CatalogCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match std::error::Error::source(&self.0) {
            Some(inner) => write!(f, "{inner}"),
            None => f.write_str(self.0.message()),
        }
    }
}

impl std::error::Error for CatalogCause {}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
