//! The CLI's error: a message for the user, the exit code it ends with, and
//! the underlying cause, printed once by [`crate::run`].

use std::fmt;

use crate::exit;

/// Why a command stopped.
#[derive(Debug)]
pub struct Error {
    kind: Kind,
    message: String,
    /// Lines printed below the message, each escaped on its own: pare's own
    /// line breaks survive, none from input does.
    details: Vec<String>,
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
            details: Vec::new(),
            source: None,
        }
    }

    /// The same error with lines to print below it (a list of what is wrong,
    /// then what to do), each on its own line.
    pub fn with_details(mut self, details: Vec<String>) -> Error {
        self.details = details;
        self
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

    /// The message and its chain of causes, `: `-separated, on one line,
    /// then the detail lines, each on its own: whatever they quote from input is
    /// [`crate::safe::escape`]d line by line, so an error can neither drive
    /// the terminal nor print a line pare did not mean.
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
        let mut text = crate::safe::escape(&text).into_owned();
        for line in &self.details {
            text.push('\n');
            text.push_str(&crate::safe::escape(line));
        }
        text
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
                details: Vec::new(),
                source: None,
            }
        } else {
            Error {
                kind: Kind::Output,
                message: "cannot write the output".to_string(),
                details: Vec::new(),
                source: Some(Box::new(err)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_lines_keep_pares_breaks_and_escape_inputs() {
        let err = Error::input("used.txt: 1 unknown \u{1b}[2J name").with_details(vec![
            "  `s3:x\nerror: fake`".to_string(),
            "do this".to_string(),
        ]);
        assert_eq!(
            err.chain(),
            "used.txt: 1 unknown \\u{1b}[2J name\n  `s3:x\\nerror: fake`\ndo this"
        );
    }
}
