//! Findings one by one, for account runs: [`Finding`] (a principal's unused
//! set and what the finding was) and [`parse_findings`], which reads a whole
//! file of them without holding its JSON tree when it can.

use super::*;

/// One `get-finding-v2` finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// `id`.
    pub id: String,
    /// `resource`: the principal's ARN.
    pub resource: String,
    /// `resourceType`, such as `AWS::IAM::Role`.
    pub resource_type: String,
    /// `findingType`, such as `UnusedPermission`.
    pub finding_type: String,
    /// `status`: `ACTIVE`, `ARCHIVED` or `RESOLVED`.
    pub status: String,
    /// `analyzedAt`, when present.
    pub analyzed_at: Option<String>,
    /// The unused actions it lists (empty for other finding types).
    pub unused: UnusedSet,
}

impl Finding {
    /// Whether the finding is in force (not archived or resolved).
    pub fn is_active(&self) -> bool {
        !matches!(self.status.as_str(), "ARCHIVED" | "RESOLVED")
    }

    pub(super) fn from_object(
        object: &Map<String, Value>,
        path: &str,
        names: &mut Names,
    ) -> Result<Finding, Error> {
        let text = |key: &str| optional_string(object, key, path);
        let finding_type = text("findingType")?.unwrap_or_else(|| "UnusedPermission".to_string());
        let mut unused = UnusedSet::new();
        read_finding_details(
            object.get("findingDetails"),
            &join(path, "findingDetails"),
            &mut unused,
            names,
        )?;
        unused.settle();
        Ok(Finding {
            id: text("id")?.unwrap_or_default(),
            resource: text("resource")?.unwrap_or_default(),
            resource_type: text("resourceType")?.unwrap_or_default(),
            finding_type,
            status: text("status")?.unwrap_or_else(|| "ACTIVE".to_string()),
            analyzed_at: text("analyzedAt")?,
            unused,
        })
    }
}

/// `findingDetails`, Access Analyzer's union of details: the actions of every
/// `unusedPermissionDetails` are pushed into `unused` (the caller settles it);
/// the other members carry no actions.
pub(super) fn read_finding_details(
    details: Option<&Value>,
    at: &str,
    unused: &mut UnusedSet,
    names: &mut Names,
) -> Result<(), Error> {
    match details {
        None | Some(Value::Null) => {}
        Some(Value::Array(details)) => {
            for (i, detail) in details.iter().enumerate() {
                let detail_path = format!("{at}[{i}]");
                let Value::Object(detail) = detail else {
                    return Err(Error::shape(
                        detail_path,
                        format!("a finding detail must be an object, found {}", kind(detail)),
                    ));
                };
                match detail.get("unusedPermissionDetails") {
                    Some(Value::Object(inner)) => read_details(
                        inner,
                        &join(&detail_path, "unusedPermissionDetails"),
                        unused,
                        names,
                    )?,
                    Some(other) => {
                        return Err(Error::shape(
                            join(&detail_path, "unusedPermissionDetails"),
                            format!("expected an object, found {}", kind(other)),
                        ));
                    }
                    None => {}
                }
            }
        }
        Some(other) => {
            return Err(Error::shape(
                at,
                format!("`findingDetails` must be an array, found {}", kind(other)),
            ));
        }
    }
    Ok(())
}

/// Reads `get-finding-v2` outputs: one object, a JSON array of them, or JSON Lines.
/// Findings of every type are returned; the caller decides what to do with each.
pub fn parse_findings(text: &str) -> Result<Vec<Finding>, Error> {
    // One value at a time: a JSON Lines file of a thousand findings, all held
    // as `Value`s at once, took over ten times its size. Input with any error
    // goes through the whole-stream reader, so errors (which one wins, and
    // the paths that depend on how many values there are) stay as they were.
    match parse_findings_one_by_one(text) {
        Some(findings) => Ok(findings),
        None => parse_findings_whole(text),
    }
}

/// The findings of each value in turn, each value dropped once read; `None`
/// on any error.
fn parse_findings_one_by_one(text: &str) -> Option<Vec<Finding>> {
    let body = json::strip_bom(text);
    let mut stream = serde_json::Deserializer::from_str(body).into_iter::<serde::de::IgnoredAny>();
    let mut start = 0;
    let mut findings = Vec::new();
    let mut reader = FindingsReader::new();
    while let Some(item) = stream.next() {
        item.ok()?;
        let end = stream.byte_offset();
        findings.extend(reader.value(body.get(start..end)?)?);
        start = end;
    }
    Some(findings)
}

/// Findings read one top-level JSON value at a time, for a caller that
/// streams a file too large to hold (an organization's findings): the
/// values' texts are read and dropped in turn, and the names of every value
/// are shared as [`parse_findings`] shares them.
#[derive(Default)]
pub struct FindingsReader {
    names: Names,
}

impl std::fmt::Debug for FindingsReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FindingsReader")
            .field("names", &self.names.0.len())
            .finish()
    }
}

impl FindingsReader {
    /// A reader that has read nothing.
    pub fn new() -> FindingsReader {
        FindingsReader::default()
    }

    /// The findings of one value's text (a finding, an array of them, or a
    /// Security Hub page), or `None` when the value is not clean: a syntax
    /// error, or an item that is not a finding. The caller then reads the
    /// whole input with [`parse_findings`], whose error is the one to report.
    pub fn value(&mut self, text: &str) -> Option<Vec<Finding>> {
        // Most values are plain findings: read without a JSON tree.
        if let Some(findings) = super::fast::findings(text) {
            return Some(findings);
        }
        let value = json::parse(text).ok()?;
        let mut findings = Vec::new();
        for (_, item) in items_of(&value, "").ok()? {
            let object = item.as_object()?;
            findings.push(finding_of(object, "", &mut self.names)?.ok()?);
        }
        Some(findings)
    }
}

/// The elements of one top-level value with their paths: the items of an
/// array, the `Findings` of Security Hub's `get-findings-v2` output, or the
/// value itself.
pub(super) fn items_of<'v>(
    value: &'v Value,
    base: &str,
) -> Result<Vec<(String, &'v Value)>, Error> {
    let (items, at) = match value {
        Value::Array(items) => (items, base.to_string()),
        Value::Object(object) => match ocsf::listed(object) {
            Some(Value::Array(items)) => (items, join(base, "Findings")),
            Some(other) => {
                return Err(Error::shape(
                    join(base, "Findings"),
                    format!("`Findings` must be an array, found {}", kind(other)),
                ));
            }
            None => return Ok(vec![(base.to_string(), value)]),
        },
        other => return Ok(vec![(base.to_string(), other)]),
    };
    Ok(items
        .iter()
        .enumerate()
        .map(|(i, item)| (format!("{at}[{i}]"), item))
        .collect())
}

/// A finding of either shape, or `None` when `object` is neither.
pub(super) fn finding_of(
    object: &Map<String, Value>,
    path: &str,
    names: &mut Names,
) -> Option<Result<Finding, Error>> {
    if object.contains_key("findingType") || object.contains_key("findingDetails") {
        Some(Finding::from_object(object, path, names))
    } else if ocsf::is_ocsf(object) {
        Some(ocsf::finding(object, path, names))
    } else {
        None
    }
}

/// All values first, then their findings: the reader whose errors are the contract.
pub(super) fn parse_findings_whole(text: &str) -> Result<Vec<Finding>, Error> {
    let values = json::parse_stream(text)?;
    let mut findings = Vec::new();
    let mut names = Names::default();
    for (n, value) in values.iter().enumerate() {
        let base = if values.len() == 1 {
            String::new()
        } else {
            format!("<value {}>", n + 1)
        };
        for (path, item) in items_of(value, &base)? {
            let Value::Object(object) = item else {
                return Err(Error::shape(
                    path,
                    format!("a finding must be an object, found {}", kind(item)),
                ));
            };
            let Some(finding) = finding_of(object, &path, &mut names) else {
                return Err(Error::shape(
                    path,
                    list_findings_hint(object).unwrap_or_else(|| {
                        "this is not a `get-finding-v2` finding (no `findingType`) nor a Security Hub (OCSF) finding".to_string()
                    }),
                ));
            };
            findings.push(finding?);
        }
    }
    Ok(findings)
}
