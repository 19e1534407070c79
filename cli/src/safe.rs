//! Text from input on its way out: one function per place it can land.
//!
//! Every byte of a details file, a policy or a finding is hostile. Before
//! such text becomes a file name it goes through [`path_component`]; before
//! it becomes a word of `apply.sh`, through [`shell_word`] (or [`comment`]);
//! before it reaches a person's terminal, through [`escape`]. Nothing else in
//! the CLI makes these decisions, so a test of these functions is a test of
//! every place they are used.

use std::borrow::Cow;
use std::fmt;

/// The longest file name [`path_component`] returns, in bytes (IAM's own
/// names are at most 128 characters; file systems allow 255 bytes, and the
/// caller appends `.json`, `.diff` or a `~N` disambiguator).
pub const MAX_COMPONENT: usize = 128;

/// Names Windows reserves for devices, whatever the extension.
const RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// `name` as one file name that stays where it is put: only IAM's own name
/// characters (`[A-Za-z0-9+=,.@_-]`) are kept, anything else becomes `_`;
/// a name that is empty, starts with a dot (`.`, `..`, hidden files) or a
/// `-` (which a command would read as an option), ends with a dot (Windows
/// drops it) or is a Windows device name gets a `_`; the
/// result is at most [`MAX_COMPONENT`] bytes. Distinct names can map to the
/// same component (`a b` and `a_b`, or `A` and `a` on a case-insensitive
/// file system): the caller disambiguates, see [`fold`].
pub fn path_component(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@_-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(MAX_COMPONENT - 2)
        .collect();
    let stem = out.split('.').next().unwrap_or("");
    let reserved = RESERVED.iter().any(|r| stem.eq_ignore_ascii_case(r));
    if out.is_empty() || out.starts_with(['.', '-']) || reserved {
        out.insert(0, '_');
    }
    if out.ends_with('.') {
        out.push('_');
    }
    out
}

/// The key under which two file names are the same file on every file
/// system pare may write to: macOS and Windows ignore case.
pub fn fold(component: &str) -> String {
    component.to_ascii_lowercase()
}

/// A word for bash that is exactly `text`: bare when it holds only plainly
/// safe characters, else single-quoted. A control character (which a
/// details file cannot hold: the reader refuses them) is written as an
/// ANSI-C `$'\xNN'` segment, so that the script's text never holds one.
pub fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@-_/:".contains(c));
    if plain {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 2);
    let mut open = false;
    for c in text.chars() {
        if needs_escape(c) {
            if open {
                out.push('\'');
                open = false;
            }
            for byte in c.to_string().bytes() {
                out.push_str(&format!("$'\\x{byte:02x}'"));
            }
            continue;
        }
        if !open {
            out.push('\'');
            open = true;
        }
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    if open {
        out.push('\'');
    }
    if out.is_empty() {
        out.push_str("''");
    }
    out
}

/// A comment for `apply.sh`: each line of `text` (pare's own line breaks)
/// after `# `, with every control character inside escaped, so that nothing
/// from input can end the comment and start a command.
pub fn comment(text: &str) -> String {
    let mut out = String::new();
    for line in text.split('\n') {
        out.push_str("# ");
        out.push_str(&escape(line));
        out.push('\n');
    }
    out
}

/// Whether `c` must not reach a terminal or a script as it is: C0 and C1
/// control characters, DEL, and the invisible characters that reorder or
/// hide text (bidirectional overrides and isolates, zero-width characters,
/// the line and paragraph separators, the byte-order mark).
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
        )
}

/// `text` for a person's terminal: every character of [`needs_escape`] is
/// written as a visible escape (`\n`, `\r`, `\t`, `\u{1b}`), so that no
/// input can move the cursor, recolor, clear the screen or fake a line of
/// output. Everything the CLI prints for people goes through it.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`escape`] as a `Display`, for `format!` arguments.
#[derive(Clone, Copy, Debug)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_never_climb_or_hide() {
        for (name, want) in [
            ("ok-Name_1", "ok-Name_1"),
            ("../../etc", "_.._.._etc"),
            ("..", "_.._"),
            (".", "_._"),
            ("", "_"),
            (".hidden", "_.hidden"),
            ("a/b\\c", "a_b_c"),
            ("trail.", "trail._"),
            ("con", "_con"),
            ("Com1.json", "_Com1.json"),
            ("console", "console"),
            ("é x", "__x"),
            ("a\nb\0c", "a_b_c"),
            ("-rf", "_-rf"),
            ("--debug", "_--debug"),
        ] {
            assert_eq!(path_component(name), want, "{name:?}");
        }
        let long = "x".repeat(1000);
        assert!(path_component(&long).len() <= MAX_COMPONENT);
        let dots = ".".repeat(1000);
        assert!(path_component(&dots).len() <= MAX_COMPONENT);
    }

    #[test]
    fn every_component_is_one_normal_path_component() {
        // Every 1- and 2-character name over a hostile alphabet.
        let alphabet = [
            '.', '/', '\\', 'a', 'A', ' ', '\0', '\n', ':', '~', '*', '-',
        ];
        let mut names = vec![String::new()];
        for a in alphabet {
            names.push(a.to_string());
            for b in alphabet {
                names.push(format!("{a}{b}"));
            }
        }
        for name in names {
            let component = path_component(&name);
            let mut parts = std::path::Path::new(&component).components();
            assert!(
                matches!(parts.next(), Some(std::path::Component::Normal(_))),
                "{name:?} -> {component:?}"
            );
            assert!(parts.next().is_none(), "{name:?} -> {component:?}");
            assert!(!component.starts_with(['.', '-']) && !component.ends_with('.'));
        }
    }

    #[test]
    fn shell_words() {
        assert_eq!(shell_word("my-role"), "my-role");
        assert_eq!(
            shell_word("arn:aws:iam::aws:policy/X"),
            "arn:aws:iam::aws:policy/X"
        );
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("$(rm -rf ~)"), "'$(rm -rf ~)'");
        assert_eq!(shell_word("a\nb"), "'a'$'\\x0a''b'");
        assert_eq!(shell_word("\r"), "$'\\x0d'");
        assert_eq!(shell_word("\u{85}"), "$'\\xc2'$'\\x85'");
    }

    #[test]
    fn comments_cannot_be_ended_by_input() {
        let text = comment("role/x\nrm -rf /\r\u{1b}[2K");
        assert_eq!(text, "# role/x\n# rm -rf /\\r\\u{1b}[2K\n");
        for line in text.lines() {
            assert!(line.starts_with("# "), "{line:?}");
        }
    }

    #[test]
    fn escapes_are_visible() {
        assert_eq!(escape("plain `x`"), "plain `x`");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(
            escape("a\u{1b}[31mred\n\r\t\0\u{7f}\u{9b}\u{202e}"),
            "a\\u{1b}[31mred\\n\\r\\t\\u{0}\\u{7f}\\u{9b}\\u{202e}"
        );
        assert_eq!(Escaped("x\ny").to_string(), "x\\ny");
    }
}
