//! The engine's one error type: malformed input, with where it is.

use std::fmt;

/// What kind of input problem an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text is not JSON (or has a duplicate key, or nests too deeply).
    Json,
    /// The JSON is well formed but not of the expected shape.
    Shape,
    /// A URL-encoded document has a bad escape or is not UTF-8 once decoded.
    Encoding,
    /// A plain-text list has a line that is not an action.
    Text,
    /// Rows given as an action table or an event table are out of order or
    /// malformed.
    Table,
}

/// Where in the input an error is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A line and column of the text (1-based).
    Text { line: usize, column: usize },
    /// A path into the JSON document, such as `Statement[1].Action[0]`.
    Path(String),
    /// A row of an action table (0-based).
    Row(usize),
    /// A row of an event table (0-based).
    EventRow(usize),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Text { line, column } => write!(f, "line {line}, column {column}"),
            Location::Path(path) if path.is_empty() => f.write_str("the top level"),
            Location::Path(path) => write!(f, "`{path}`"),
            Location::Row(index) => write!(f, "action table row {index}"),
            Location::EventRow(index) => write!(f, "event table row {index}"),
        }
    }
}

/// Malformed input: the text cannot be read as what the caller asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// What kind of problem it is.
    pub(crate) kind: ErrorKind,
    /// Where it is, when that is known.
    pub(crate) location: Option<Location>,
    /// What is wrong, lowercase, user input in backticks.
    pub(crate) message: String,
}

impl Error {
    /// What kind of problem it is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Where it is, when that is known.
    pub fn location(&self) -> Option<&Location> {
        self.location.as_ref()
    }

    /// What is wrong, without the location: lowercase, user input in backticks.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn table(index: usize, message: String) -> Error {
        Error {
            kind: ErrorKind::Table,
            location: Some(Location::Row(index)),
            message,
        }
    }

    pub(crate) fn event_table(index: usize, message: String) -> Error {
        Error {
            kind: ErrorKind::Table,
            location: Some(Location::EventRow(index)),
            message,
        }
    }

    pub(crate) fn shape(path: impl Into<String>, message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Shape,
            location: Some(Location::Path(path.into())),
            message: message.into(),
        }
    }

    pub(crate) fn json(err: &serde_json::Error) -> Error {
        // serde_json appends " at line L column C"; we report the location on its own.
        let text = err.to_string();
        let message = match text.rfind(" at line ") {
            Some(i) if err.line() > 0 => text.get(..i).unwrap_or(&text).to_string(),
            _ => text,
        };
        Error {
            kind: ErrorKind::Json,
            location: (err.line() > 0).then(|| Location::Text {
                line: err.line(),
                column: err.column(),
            }),
            message,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(location) => write!(f, "{location}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}
