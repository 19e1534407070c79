//! Policies where teams keep them: inside Terraform and CloudFormation
//! sources. Finds each policy and the byte spans of its action lists, and
//! turns a refinement into splices of those lists only, so every other byte
//! of the source stays as written.
//!
//! Pure: text in, spans and edits out. Reading a `file()` a Terraform policy
//! names is the caller's job.
//!
//! ```
//! let tf = r#"resource "aws_iam_role_policy" "app" {
//!   policy = jsonencode({
//!     Statement = [{ Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "*" }]
//!   })
//! }
//! "#;
//! let scan = pare_iac::scan(pare_iac::Format::Terraform, tf).unwrap();
//! assert_eq!(scan.policies[0].address, "aws_iam_role_policy.app");
//! ```

pub mod cloudformation;
pub mod doc;
pub mod gate;
pub mod refine;
pub mod stack;
pub mod state;
pub mod terraform;
pub mod tree;

use std::fmt;

pub use doc::{Actions, Document, Item, Lang, List, Splice, Stmt, apply};

/// What kind of source a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A Terraform `.tf` file.
    Terraform,
    /// A CloudFormation or SAM template in JSON.
    CloudFormationJson,
    /// A CloudFormation or SAM template in YAML.
    CloudFormationYaml,
}

impl Format {
    /// How messages name it.
    pub fn describe(self) -> &'static str {
        match self {
            Format::Terraform => "Terraform",
            Format::CloudFormationJson | Format::CloudFormationYaml => "CloudFormation",
        }
    }
}

/// Which format `text`, read from a file named `name`, is in; `None` for
/// anything else (a policy document, say).
pub fn detect(name: &str, text: &str) -> Option<Format> {
    if name.ends_with(".tf") {
        return Some(Format::Terraform);
    }
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        let object = value.as_object()?;
        let template = object.contains_key("AWSTemplateFormatVersion")
            || (object
                .get("Resources")
                .is_some_and(serde_json::Value::is_object)
                && !object.contains_key("Statement"));
        return template.then_some(Format::CloudFormationJson);
    }
    // YAML: a top-level key at the start of a line.
    let top = |key: &str| {
        text.lines().any(|line| {
            line.strip_prefix(key)
                .or_else(|| line.strip_prefix(&format!("\"{key}\"")))
                .or_else(|| line.strip_prefix(&format!("'{key}'")))
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
    };
    (top("AWSTemplateFormatVersion") || top("Resources")).then_some(Format::CloudFormationYaml)
}

/// Something pare read but leaves as written, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// Byte offset in the source.
    pub at: usize,
    /// The policy's address, when known.
    pub address: Option<String>,
    /// What and why.
    pub message: String,
}

impl Note {
    /// A note at `at`.
    pub fn new(at: usize, message: impl Into<String>) -> Note {
        Note {
            at,
            address: None,
            message: message.into(),
        }
    }

    /// The same note about the policy at `address`.
    pub fn at(mut self, address: &str) -> Note {
        if self.address.is_none() {
            self.address = Some(address.to_string());
        }
        self
    }
}

/// Where a policy's document is.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// In the source.
    Document(Document),
    /// In a JSON file, by a path relative to the source's directory.
    File {
        /// The path as written.
        path: String,
    },
    /// Not readable (reported in a note).
    Unread,
}

/// One policy of a source.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Terraform address (`aws_iam_role_policy.app`) or CloudFormation
    /// logical id (`AppRole.Policies["s3"]`).
    pub address: String,
    /// Byte offset of its value.
    pub at: usize,
    /// Where its document is.
    pub body: Body,
}

impl Policy {
    /// Whether `--resource selector` picks it: its address, or the
    /// resource it belongs to (`aws_iam_role.app` picks its inline policies).
    pub fn selected_by(&self, selector: &str) -> bool {
        self.address == selector
            || self
                .address
                .strip_prefix(selector)
                .is_some_and(|rest| rest.starts_with('.'))
    }
}

/// Every policy of a source, and what was left as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Scan {
    /// The policies, in source order.
    pub policies: Vec<Policy>,
    /// What pare did not read or will not edit.
    pub notes: Vec<Note>,
}

/// A source pare cannot read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// Byte offset, when known.
    pub at: Option<usize>,
    /// Line, when the parser gives it instead of an offset.
    pub line: Option<usize>,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Reads every policy in `text`.
pub fn scan(format: Format, text: &str) -> Result<Scan, Error> {
    let (policies, mut notes) = match format {
        Format::Terraform => terraform::scan(text)?,
        Format::CloudFormationJson => cloudformation::scan(text, false)?,
        Format::CloudFormationYaml => cloudformation::scan(text, true)?,
    };
    notes.sort_by_key(|n| n.at);
    Ok(Scan { policies, notes })
}

/// Reads a policy document written as JSON (a file a Terraform `file()`
/// names, or a plain policy), with the spans of its action lists.
pub fn read_json_policy(text: &str) -> Result<Document, Error> {
    let node = tree::parse_yaml(text, 0).map_err(|e| Error {
        at: Some(e.at),
        line: None,
        message: format!("not valid JSON: {}", e.message),
    })?;
    Document::from_node(&node, Lang::Json).map_err(|note| Error {
        at: Some(note.at),
        line: None,
        message: note.message,
    })
}

/// The 1-based line of byte offset `at`.
pub fn line_of(text: &str, at: usize) -> usize {
    text.get(..at).map_or(1, |t| t.matches('\n').count() + 1)
}
