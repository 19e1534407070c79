//! The CloudTrail event table's sources and how they combine: the reference's
//! `Operations` (each API operation, the IAM actions it authorizes and the SDK
//! clients that call it) and the AWS SDK's service metadata (each client's
//! `endpointPrefix` and `signingName`, which name CloudTrail's `eventSource`).
//!
//! [`build`] joins them into sorted rows, `(eventSource, eventName, actions)`,
//! keeping only actions the action catalog knows, and counts what it leaves
//! out, so that a sync can report it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Deserialize;

use crate::error::{Error, ErrorKind};
use crate::reference::Catalog;

/// One API operation of the reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The operation's name, which CloudTrail logs as `eventName`.
    pub name: String,
    /// The actions `AuthorizedActions` lists, as `service:Action`, in its order.
    pub actions: Vec<String>,
    /// The boto3 clients (`SDK[].Name` where `Package` is `Boto3`) that call it.
    pub clients: Vec<String>,
}

/// Reads the `Operations` of a service file (none when the file has no such
/// field). Names must be plain identifiers; `origin` names the file in messages.
pub fn parse_operations(bytes: &[u8], origin: &str) -> Result<Vec<Operation>, Error> {
    let raw: RawOperations = serde_json::from_slice(bytes).map_err(|e| Error::json(origin, &e))?;
    let mut operations = Vec::with_capacity(raw.operations.len());
    for op in raw.operations {
        check(&op.name, is_event_name, origin, "operation")?;
        let mut actions = Vec::with_capacity(op.authorized_actions.len());
        for action in op.authorized_actions {
            check(&action.service, is_client, origin, "service")?;
            check(&action.name, is_identifier, origin, "action")?;
            actions.push(format!("{}:{}", action.service, action.name));
        }
        let mut clients = Vec::new();
        for sdk in op.sdk {
            if sdk.package == "Boto3" {
                check(&sdk.name, is_client, origin, "SDK client")?;
                clients.push(sdk.name);
            }
        }
        operations.push(Operation {
            name: op.name,
            actions,
            clients,
        });
    }
    Ok(operations)
}

/// One client of the AWS SDK (botocore's service model metadata).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SdkClient {
    /// The client's name, as `SDK[].Name` gives it: `lambda`, `cloudwatch`.
    #[serde(rename = "Name")]
    pub name: String,
    /// The API version whose model the metadata comes from (the newest).
    #[serde(rename = "ApiVersion")]
    pub api_version: String,
    /// `metadata.endpointPrefix`: `monitoring` for `cloudwatch`.
    #[serde(rename = "EndpointPrefix")]
    pub endpoint_prefix: String,
    /// `metadata.signingName`, when the model gives one.
    #[serde(rename = "SigningName", default)]
    pub signing_name: Option<String>,
}

/// The SDK metadata a table is built from, with where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SdkMetadata {
    /// The package: `botocore`.
    #[serde(rename = "Package")]
    pub package: String,
    /// Its version: `1.44.8`.
    #[serde(rename = "Version")]
    pub version: String,
    /// The SHA-256 of the file the metadata was read from (the wheel), hex.
    #[serde(rename = "Sha256")]
    pub sha256: String,
    /// Every client, sorted by name.
    #[serde(rename = "Clients")]
    pub clients: Vec<SdkClient>,
}

impl SdkMetadata {
    /// Checks the names and sorts the clients; two clients with one name are an error.
    pub fn new(
        package: &str,
        version: &str,
        sha256: &str,
        mut clients: Vec<SdkClient>,
    ) -> Result<SdkMetadata, Error> {
        let origin = format!("{package} {version}");
        let plain = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
        };
        let hex = !sha256.is_empty() && sha256.bytes().all(|b| b.is_ascii_hexdigit());
        if !plain(package) || !plain(version) || !hex {
            return Err(Error::new(
                ErrorKind::Malformed,
                format!(
                    "the SDK metadata names `{}` `{}` `{}`, which is not a package, version and SHA-256",
                    package.escape_debug(),
                    version.escape_debug(),
                    sha256.escape_debug()
                ),
            ));
        }
        for client in &clients {
            check(&client.name, is_client, &origin, "SDK client")?;
            check(&client.api_version, plain, &origin, "API version")?;
            // The prefix becomes a host name; anything else in it is refused.
            check(
                &client.endpoint_prefix,
                is_host_part,
                &origin,
                "endpoint prefix",
            )?;
        }
        clients.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(pair) = clients
            .windows(2)
            .find(|w| w.first().map(|c| &c.name) == w.get(1).map(|c| &c.name))
        {
            let name = pair.first().map(|c| c.name.as_str()).unwrap_or_default();
            return Err(Error::new(
                ErrorKind::Duplicate,
                format!("the SDK metadata `{origin}` lists client `{name}` twice"),
            ));
        }
        Ok(SdkMetadata {
            package: package.to_owned(),
            version: version.to_owned(),
            sha256: sha256.to_ascii_lowercase(),
            clients,
        })
    }

    /// One line naming the data: `botocore 1.44.8 (wheel sha256 …)`.
    pub fn description(&self) -> String {
        format!(
            "{} {} (wheel sha256 {})",
            self.package, self.version, self.sha256
        )
    }

    /// The client named `name`.
    pub fn client(&self, name: &str) -> Option<&SdkClient> {
        self.clients
            .binary_search_by(|c| c.name.as_str().cmp(name))
            .ok()
            .and_then(|i| self.clients.get(i))
    }
}

/// Reads the minimized metadata file ([`sdk_metadata_json`]'s format).
pub fn parse_sdk_metadata(bytes: &[u8], origin: &str) -> Result<SdkMetadata, Error> {
    let raw: SdkMetadata = serde_json::from_slice(bytes).map_err(|e| Error::json(origin, &e))?;
    SdkMetadata::new(&raw.package, &raw.version, &raw.sha256, raw.clients)
}

/// The minimized metadata as committed beside the tests' reference copy: one
/// client per line, sorted, so that a refresh diffs like the table.
pub fn sdk_metadata_json(sdk: &SdkMetadata) -> String {
    let q = |s: &str| serde_json::Value::from(s).to_string();
    let mut out = format!(
        "{{\"Package\":{},\"Version\":{},\"Sha256\":{},\"Clients\":[\n",
        q(&sdk.package),
        q(&sdk.version),
        q(&sdk.sha256)
    );
    for (i, c) in sdk.clients.iter().enumerate() {
        let signing = match &c.signing_name {
            Some(s) => format!(",\"SigningName\":{}", q(s)),
            None => String::new(),
        };
        let comma = if i + 1 < sdk.clients.len() { "," } else { "" };
        let _ = writeln!(
            out,
            "{{\"Name\":{},\"ApiVersion\":{},\"EndpointPrefix\":{}{signing}}}{comma}",
            q(&c.name),
            q(&c.api_version),
            q(&c.endpoint_prefix)
        );
    }
    out.push_str("]}\n");
    out
}

/// Event sources that are neither the endpoint prefix nor the signing name of
/// the client that calls the operation, from AWS's documentation.
///
/// - `sso` (the IAM Identity Center access portal; endpoint prefix
///   `portal.sso`, signing name `awsssoportal`): its events carry
///   `"eventSource": "sso.amazonaws.com"`, as the example of an access portal
///   action in "Understanding CloudTrail events for IAM Identity Center"
///   shows (<https://docs.aws.amazon.com/singlesignon/latest/userguide/understanding-sso-entries.html>).
pub const EVENT_SOURCE_OVERRIDES: &[(&str, &str)] = &[("sso", "sso.amazonaws.com")];

/// The `eventSource` hosts under which CloudTrail may log a client's calls:
/// `<endpointPrefix>.amazonaws.com` (`monitoring.amazonaws.com` for
/// `cloudwatch`), `<signingName>.amazonaws.com` when it differs
/// (`ecr.amazonaws.com` for `api.ecr`, `ses.amazonaws.com` for `email`,
/// `s3.amazonaws.com` for S3 Control), and the documented
/// [`EVENT_SOURCE_OVERRIDES`]. Listing a host AWS does not use costs nothing
/// (no event carries it); missing the one it uses would leave its events
/// unmapped.
pub fn event_sources(client: &SdkClient) -> Vec<String> {
    let mut hosts = vec![format!("{}.amazonaws.com", client.endpoint_prefix)];
    if let Some(signing) = &client.signing_name {
        if is_host_part(signing) {
            hosts.push(format!("{signing}.amazonaws.com"));
        }
    }
    for (name, host) in EVENT_SOURCE_OVERRIDES {
        if *name == client.name {
            hosts.push((*host).to_owned());
        }
    }
    hosts.sort();
    hosts.dedup();
    hosts
}

/// One row of a built table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRow {
    /// CloudTrail's `eventSource`.
    pub event_source: String,
    /// CloudTrail's `eventName` (the operation).
    pub event_name: String,
    /// The actions, sorted, each in the action catalog.
    pub actions: Vec<String>,
}

/// What [`build`] left out, counted for the sync's report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Operations without `AuthorizedActions` whose `<service>:<Operation>`
    /// is not in the action catalog either: no action to map them to.
    pub operations_without_actions: usize,
    /// Operations whose every authorized action is unknown to the action catalog.
    pub operations_with_unknown_actions: usize,
    /// Authorized actions left out of their rows because the action catalog
    /// does not know them (the engine cannot reason about them anyway).
    pub unknown_actions: BTreeSet<String>,
    /// Operations called by no boto3 client.
    pub operations_without_client: usize,
    /// Clients that operations name but the SDK metadata does not have, with
    /// how many operations each.
    pub unknown_clients: BTreeMap<String, usize>,
    /// Operations that fell back to `<service>:<Operation>`.
    pub fallbacks: usize,
}

/// A built event table: sorted rows, what was left out, and the SDK data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventCatalog {
    /// The rows, sorted by `(event_source, event_name)`, unique.
    pub rows: Vec<EventRow>,
    /// What the build left out.
    pub skipped: Skipped,
    /// The SDK metadata the sources came from.
    pub sdk: SdkMetadata,
}

impl EventCatalog {
    /// The number of distinct event sources.
    pub fn source_count(&self) -> usize {
        let mut count = 0;
        let mut last: Option<&str> = None;
        for row in &self.rows {
            if last != Some(row.event_source.as_str()) {
                count += 1;
                last = Some(&row.event_source);
            }
        }
        count
    }
}

/// Joins the operations of every service file (`(service prefix, operations)`)
/// with the SDK metadata into the event table.
///
/// - An operation's actions are its `AuthorizedActions`, all of them (they
///   all count as used: the direction that keeps permissions), each spelled
///   as the action catalog spells it; an action the catalog does not know is
///   left out and counted.
/// - An operation without `AuthorizedActions` falls back to
///   `<service>:<Operation>` when the catalog has that action; otherwise it is
///   left out and counted.
/// - Each boto3 client that calls the operation gives its rows the client's
///   [`event_sources`]; an operation reached from several clients or service
///   files gets the union of their actions.
pub fn build(
    services: &[(String, Vec<Operation>)],
    sdk: &SdkMetadata,
    catalog: &Catalog,
) -> EventCatalog {
    let table = catalog.table();
    let mut skipped = Skipped::default();
    let mut rows: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for (service, operations) in services {
        for op in operations {
            let mut actions: BTreeSet<String> = BTreeSet::new();
            if op.actions.is_empty() {
                match table.get(&format!("{service}:{}", op.name)) {
                    Some(known) => {
                        skipped.fallbacks += 1;
                        actions.insert(known.name.to_string());
                    }
                    None => {
                        skipped.operations_without_actions += 1;
                        continue;
                    }
                }
            } else {
                for action in &op.actions {
                    match table.get(action) {
                        Some(known) => {
                            actions.insert(known.name.to_string());
                        }
                        None => {
                            skipped.unknown_actions.insert(action.clone());
                        }
                    }
                }
                if actions.is_empty() {
                    skipped.operations_with_unknown_actions += 1;
                    continue;
                }
            }
            if op.clients.is_empty() {
                skipped.operations_without_client += 1;
            }
            for client_name in &op.clients {
                let Some(client) = sdk.client(client_name) else {
                    *skipped
                        .unknown_clients
                        .entry(client_name.clone())
                        .or_default() += 1;
                    continue;
                };
                for host in event_sources(client) {
                    rows.entry((host, op.name.clone()))
                        .or_default()
                        .extend(actions.iter().cloned());
                }
            }
        }
    }
    let rows = rows
        .into_iter()
        .map(|((event_source, event_name), actions)| EventRow {
            event_source,
            event_name,
            actions: actions.into_iter().collect(),
        })
        .collect();
    EventCatalog {
        rows,
        skipped,
        sdk: sdk.clone(),
    }
}

/// The SDK metadata the embedded event table was generated from: the
/// minimized copy that `cargo xtask sync-catalog` refreshes with the table
/// (`catalog/tests/data/aws-sdk/botocore.json`), compiled in so that a
/// catalog read at run time (`--catalog DIR`) can name its event sources the
/// same way.
pub fn embedded_sdk() -> Result<SdkMetadata, Error> {
    parse_sdk_metadata(
        include_bytes!("../tests/data/aws-sdk/botocore.json"),
        "the embedded SDK metadata",
    )
}

/// The event table of a copy of the reference laid out like the endpoint
/// (what [`crate::load_dir_with`] reads): each service file's `Operations`,
/// joined with the embedded SDK metadata ([`embedded_sdk`]) and kept to the
/// actions `catalog` knows, by the same [`build`] as the sync. `read` reads
/// one file, within the caller's limits.
pub fn load_events_dir_with(
    dir: &std::path::Path,
    catalog: &Catalog,
    mut read: impl FnMut(&std::path::Path) -> std::io::Result<Vec<u8>>,
) -> Result<EventCatalog, Error> {
    let index_path = dir.join(crate::INDEX_FILE);
    let index_name = index_path.display().to_string();
    let bytes = read(&index_path).map_err(|e| Error::io(&index_name, e))?;
    let entries = crate::parse_index(&bytes, &index_name)?;
    let mut services = Vec::with_capacity(entries.len());
    for entry in &entries {
        let path = dir.join(entry.relative_path());
        let name = path.display().to_string();
        let bytes = read(&path).map_err(|e| Error::io(&name, e))?;
        services.push((entry.service.clone(), parse_operations(&bytes, &name)?));
    }
    Ok(build(&services, &embedded_sdk()?, catalog))
}

fn check(value: &str, ok: impl Fn(&str) -> bool, origin: &str, what: &str) -> Result<(), Error> {
    if ok(value) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Malformed,
            format!(
                "`{origin}` names the {what} `{}`, which is not of the form pare accepts",
                value.escape_debug()
            ),
        ))
    }
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// What CloudTrail's `eventName` and the engine's event table accept.
fn is_event_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_client(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A host-name part: lowercase labels of letters, digits and `-`, joined by dots.
fn is_host_part(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

#[derive(Deserialize)]
struct RawOperations {
    #[serde(rename = "Operations", default)]
    operations: Vec<RawOperation>,
}

#[derive(Deserialize)]
struct RawOperation {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "AuthorizedActions", default)]
    authorized_actions: Vec<RawAuthorizedAction>,
    #[serde(rename = "SDK", default)]
    sdk: Vec<RawSdk>,
}

#[derive(Deserialize)]
struct RawAuthorizedAction {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Service")]
    service: String,
}

#[derive(Deserialize)]
struct RawSdk {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Package", default)]
    package: String,
}

#[cfg(test)]
mod tests {
    use pare_engine::{AccessLevel, KnownAction};

    use super::*;
    use crate::reference::ServiceActions;

    fn catalog() -> Catalog {
        let a = |name: &'static str| KnownAction::new_static(name, AccessLevel::READ, false);
        let services = vec![
            ServiceActions::new("s3", None, vec![a("s3:ListBucket"), a("s3:GetObjectAcl")]),
            ServiceActions::new("cloudwatch", None, vec![a("cloudwatch:PutMetricData")]),
            ServiceActions::new("sso", None, vec![a("sso:ListAccounts")]),
        ];
        Catalog::new("test", services.into_iter().map(Result::unwrap).collect()).unwrap()
    }

    fn sdk() -> SdkMetadata {
        let c = |name: &str, prefix: &str, signing: Option<&str>| SdkClient {
            name: name.into(),
            api_version: "2006-03-01".into(),
            endpoint_prefix: prefix.into(),
            signing_name: signing.map(Into::into),
        };
        SdkMetadata::new(
            "botocore",
            "1.0.0",
            "ab12",
            vec![
                c("s3", "s3", None),
                c("s3control", "s3-control", Some("s3")),
                c("cloudwatch", "monitoring", Some("monitoring")),
                c("sso", "portal.sso", Some("awsssoportal")),
            ],
        )
        .unwrap()
    }

    #[test]
    fn operations_map_through_endpoint_prefix_signing_name_and_overrides() {
        let json = br#"{"Name":"s3","Operations":[
            {"Name":"ListObjectsV2","AuthorizedActions":[{"Name":"ListBucket","Service":"s3"},
              {"Name":"GetObjectAcl","Service":"s3"},{"Name":"ListBucket","Service":"s3-object-lambda"}],
             "SDK":[{"Name":"s3","Method":"list_objects_v2","Package":"Boto3"}]},
            {"Name":"GetObjectAcl","SDK":[{"Name":"s3","Package":"Boto3"}]},
            {"Name":"Nothing","SDK":[{"Name":"s3","Package":"Boto3"}]},
            {"Name":"ListJobs","AuthorizedActions":[{"Name":"ListBucket","Service":"s3"}],
             "SDK":[{"Name":"s3control","Package":"Boto3"},{"Name":"gone","Package":"Boto3"}]}]}"#;
        let s3 = parse_operations(json, "s3.json").unwrap();
        let cw = parse_operations(
            br#"{"Operations":[{"Name":"PutMetricData","AuthorizedActions":[{"Name":"PutMetricData","Service":"cloudwatch"}],"SDK":[{"Name":"cloudwatch","Package":"Boto3"}]}]}"#,
            "cloudwatch.json",
        )
        .unwrap();
        let sso = parse_operations(
            br#"{"Operations":[{"Name":"ListAccounts","AuthorizedActions":[{"Name":"ListAccounts","Service":"sso"}],"SDK":[{"Name":"sso","Package":"Boto3"}]}]}"#,
            "sso.json",
        )
        .unwrap();
        let built = build(
            &[
                ("s3".into(), s3),
                ("cloudwatch".into(), cw),
                ("sso".into(), sso),
            ],
            &sdk(),
            &catalog(),
        );
        let rows: Vec<(&str, &str, Vec<&str>)> = built
            .rows
            .iter()
            .map(|r| {
                (
                    r.event_source.as_str(),
                    r.event_name.as_str(),
                    r.actions.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (
                    "awsssoportal.amazonaws.com",
                    "ListAccounts",
                    vec!["sso:ListAccounts"]
                ),
                (
                    "monitoring.amazonaws.com",
                    "PutMetricData",
                    vec!["cloudwatch:PutMetricData"]
                ),
                (
                    "portal.sso.amazonaws.com",
                    "ListAccounts",
                    vec!["sso:ListAccounts"]
                ),
                (
                    "s3-control.amazonaws.com",
                    "ListJobs",
                    vec!["s3:ListBucket"]
                ),
                ("s3.amazonaws.com", "GetObjectAcl", vec!["s3:GetObjectAcl"]),
                ("s3.amazonaws.com", "ListJobs", vec!["s3:ListBucket"]),
                (
                    "s3.amazonaws.com",
                    "ListObjectsV2",
                    vec!["s3:GetObjectAcl", "s3:ListBucket"]
                ),
                (
                    "sso.amazonaws.com",
                    "ListAccounts",
                    vec!["sso:ListAccounts"]
                ),
            ]
        );
        assert_eq!(built.skipped.fallbacks, 1);
        assert_eq!(built.skipped.operations_without_actions, 1);
        assert_eq!(
            built.skipped.unknown_actions.iter().collect::<Vec<_>>(),
            ["s3-object-lambda:ListBucket"]
        );
        assert_eq!(built.skipped.unknown_clients.get("gone"), Some(&1));
        assert_eq!(built.source_count(), 6);
    }

    #[test]
    fn metadata_round_trips_and_rejects_hostile_names() {
        let sdk = sdk();
        let text = sdk_metadata_json(&sdk);
        assert_eq!(parse_sdk_metadata(text.as_bytes(), "m.json").unwrap(), sdk);
        for bad in [
            text.replace("\"portal.sso\"", "\"evil.com/x\""),
            text.replace("\"portal.sso\"", "\"Portal\""),
            text.replace("\"s3control\"", "\"s3\""),
            text.replace("\"ab12\"", "\"zz\""),
            text.replace("\"s3control\"", "\"../x\""),
        ] {
            assert!(
                parse_sdk_metadata(bad.as_bytes(), "m.json").is_err(),
                "{bad}"
            );
        }
        let bad_op = br#"{"Operations":[{"Name":"Get\nObject","SDK":[]}]}"#;
        assert_eq!(
            parse_operations(bad_op, "x.json").unwrap_err().kind(),
            ErrorKind::Malformed
        );
        assert!(
            parse_operations(br#"{"Name":"x"}"#, "x.json")
                .unwrap()
                .is_empty()
        );
    }
}
