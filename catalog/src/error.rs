//! The one error type of the catalog crate: reading and validating a copy of the service reference.

use std::fmt;

/// What went wrong, for callers that react differently to different failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A file could not be read.
    Io,
    /// A document is not JSON, or its JSON does not have the expected shape.
    Json,
    /// A name or URL is not of the form the reference uses.
    Malformed,
    /// A service file names another service than the index entry it was fetched for.
    Mismatch,
    /// A service or action occurs twice (actions compared case-insensitively).
    Duplicate,
    /// The index lists no service.
    Empty,
}

/// An error from reading or validating the service reference.
///
/// The message says where (the file, and the line and column for JSON) and
/// quotes what it found in backticks; the underlying I/O error, when there is
/// one, is the [`source`](std::error::Error::source).
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    source: Option<std::io::Error>,
}

impl Error {
    /// An error of `kind` with `message` (lowercase, no trailing period).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn io(file: &str, err: std::io::Error) -> Error {
        Error {
            kind: ErrorKind::Io,
            message: format!("cannot read `{file}`"),
            source: Some(err),
        }
    }

    /// A JSON error in `file`, with the line and column serde_json reports.
    pub(crate) fn json(file: &str, err: &serde_json::Error) -> Error {
        // serde_json's message ends with " at line L column C"; the location is
        // restated in our own words, so it is cut from the message to say it once.
        let text = err.to_string();
        let suffix = format!(" at line {} column {}", err.line(), err.column());
        let detail = text.strip_suffix(&suffix).unwrap_or(&text);
        Error::new(
            ErrorKind::Json,
            format!(
                "invalid JSON in `{file}` at line {}, column {}: {detail}",
                err.line(),
                err.column()
            ),
        )
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, without the underlying cause.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
