//! The CLI's error: a message for the user, the exit code it ends with, and
//! the underlying cause, printed once by [`crate::run`].

use std::fmt;

use crate::exit;

/// Why a command stopped.
#[derive(Debug)]
pub struct Error {
    kind: Kind,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Unreadable or invalid input, or a bad combination of arguments.
    Input,
    /// The reader of stdout went away (`pare ... | head`): not a failure.
    BrokenPipe,
    /// Writing the result failed for another reason.
    Output,
}

impl Error {
    /// Unreadable or invalid input, or arguments that do not go together (exit 2).
    pub fn input(message: impl Into<String>) -> Error {
        Error {
            kind: Kind::Input,
            message: message.into(),
            source: None,
        }
    }

    /// The same error with its underlying cause, printed after the message.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.source = Some(Box::new(source));
        self
    }

    /// The exit code this error ends the process with.
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            Kind::BrokenPipe => exit::SUCCESS,
            Kind::Input | Kind::Output => exit::INPUT,
        }
    }

    /// Whether the error is reported at all (a closed pipe is not).
    pub fn is_quiet(&self) -> bool {
        self.kind == Kind::BrokenPipe
    }

    /// The message and its chain of causes, `: `-separated, on one line:
    /// whatever they quote from input is [`crate::safe::escape`]d, so an
    /// error can neither drive the terminal nor print a second line.
    pub fn chain(&self) -> String {
        let mut text = self.message.clone();
        let mut source: Option<&(dyn std::error::Error + 'static)> = self
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static));
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        crate::safe::escape(&text).into_owned()
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
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// Writing to stdout or stderr: a closed pipe ends the command quietly, as
/// ripgrep does. Reading input never goes through this conversion: it is
/// wrapped by [`crate::input`] with the file's name.
impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Error {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            Error {
                kind: Kind::BrokenPipe,
                message: "broken pipe".to_string(),
                source: None,
            }
        } else {
            Error {
                kind: Kind::Output,
                message: "cannot write the output".to_string(),
                source: Some(Box::new(err)),
            }
        }
    }
}
