//! Reading the user's files: a path or `-` for stdin, a UTF-8 byte-order mark
//! skipped, and every error naming the file before the engine's location
//! (``policy.json: `Statement[1].Action`: ...``).

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};

use pare_engine::{ActionTable, PolicyInput, UnusedSet};

use crate::error::Error;
use crate::io::Io;

/// Where an input comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Standard input, written `-` on the command line.
    Stdin,
    /// A file.
    Path(PathBuf),
}

impl Source {
    /// `-` is stdin; anything else is a path.
    pub fn from_arg(arg: &OsStr) -> Source {
        if arg == "-" {
            Source::Stdin
        } else {
            Source::Path(PathBuf::from(arg))
        }
    }

    /// How messages name it: the path as given, or `<stdin>`.
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_string(),
            Source::Path(path) => path.display().to_string(),
        }
    }

    /// The last component of the path (`stdin` for `-`), for headers such as a diff's.
    pub fn file_name(&self) -> String {
        match self {
            Source::Stdin => "stdin".to_string(),
            Source::Path(path) => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string()),
        }
    }
}

/// A file's text, with the name to quote in messages about it.
#[derive(Clone, Debug)]
pub struct Text {
    /// The name from [`Source::name`].
    pub name: String,
    /// The contents, without a byte-order mark.
    pub text: String,
}

/// Reads `source` whole as UTF-8 text.
pub fn read_text(source: &Source, io: &mut Io<'_>) -> Result<Text, Error> {
    let name = source.name();
    let mut bytes = Vec::new();
    let read = match source {
        Source::Stdin => io.stdin.read_to_end(&mut bytes).map(|_| ()),
        Source::Path(path) => std::fs::read(path).map(|b| bytes = b),
    };
    read.map_err(|e| Error::input(format!("cannot read `{name}`")).with_source(e))?;
    let text = decode(&name, bytes)?;
    Ok(Text { name, text })
}

/// UTF-8 text without a leading byte-order mark.
fn decode(name: &str, bytes: Vec<u8>) -> Result<String, Error> {
    let mut text = String::from_utf8(bytes).map_err(|e| {
        Error::input(format!(
            "{name}: invalid UTF-8 at byte offset {}",
            e.utf8_error().valid_up_to()
        ))
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// The file's name before the engine's message, which starts with where.
fn engine_error(name: &str, err: &pare_engine::Error) -> Error {
    Error::input(format!("{name}: {err}"))
}

/// Reads a policy in any form [`pare_engine::policy::parse_policy_input`] accepts.
pub fn read_policy(source: &Source, io: &mut Io<'_>) -> Result<(Text, PolicyInput), Error> {
    let text = read_text(source, io)?;
    if text.text.trim().is_empty() {
        return Err(Error::input(format!(
            "{}: the file is empty; expected a policy document",
            text.name
        )));
    }
    let input = pare_engine::policy::parse_policy_input(&text.text)
        .map_err(|e| engine_error(&text.name, &e))?;
    Ok((text, input))
}

/// Reads an unused list in any form [`UnusedSet::parse`] accepts.
pub fn read_unused(source: &Source, io: &mut Io<'_>) -> Result<UnusedSet, Error> {
    let text = read_text(source, io)?;
    UnusedSet::parse(&text.text).map_err(|e| engine_error(&text.name, &e))
}

/// The catalog a command works against: the embedded table, or a directory
/// laid out like the service reference. The CLI never touches the network.
#[derive(Debug)]
pub enum Catalog {
    /// The table compiled into `pare`.
    Embedded,
    /// A copy of the reference read at start-up.
    Dir(pare_catalog::Catalog),
}

impl Catalog {
    /// Loads `--catalog DIR` when given, or takes the embedded table.
    pub fn load(dir: Option<&Path>) -> Result<Catalog, Error> {
        match dir {
            None => Ok(Catalog::Embedded),
            Some(dir) => pare_catalog::load_dir(dir).map(Catalog::Dir).map_err(|e| {
                Error::input(format!("cannot load the catalog `{}`", dir.display())).with_source(e)
            }),
        }
    }

    /// The action table, for the engine.
    pub fn table(&self) -> ActionTable<'_> {
        match self {
            Catalog::Embedded => pare_catalog::embedded(),
            Catalog::Dir(catalog) => catalog.table(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_is_stripped_and_bad_utf8_named() {
        assert_eq!(decode("p", b"\xef\xbb\xbf{}".to_vec()).unwrap(), "{}");
        let err = decode("p.json", b"{\"a\xff\"}".to_vec()).unwrap_err();
        assert_eq!(err.chain(), "p.json: invalid UTF-8 at byte offset 3");
    }

    #[test]
    fn dash_is_stdin() {
        assert_eq!(Source::from_arg(OsStr::new("-")), Source::Stdin);
        assert_eq!(
            Source::from_arg(OsStr::new("dir/p.json")).file_name(),
            "p.json"
        );
    }
}
