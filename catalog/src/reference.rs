//! The Service Authorization Reference as AWS serves it: the serde model of its
//! index and service files, their validation, and their normalization into a
//! sorted [`Catalog`].
//!
//! Both the offline loader ([`load_dir`]) and the network sync in
//! `pare-catalog-sync` validate through this module, so a copy on disk and a
//! live fetch obey exactly the same rules.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::path::Path;

use pare_engine::cmp_ci;
use pare_engine::{AccessLevel, ActionTable, KnownAction, LookupIndex};
use serde::Deserialize;

use crate::error::{Error, ErrorKind};

/// How the rendered table names its origin. It is fixed, not the URL or
/// directory a sync actually read, so that a sync from a local copy and one
/// from a test server produce the same bytes.
pub const SOURCE_DESCRIPTION: &str =
    "AWS Service Authorization Reference (https://servicereference.us-east-1.amazonaws.com/)";

/// The URL of the live reference's index.
pub const DEFAULT_URL: &str = "https://servicereference.us-east-1.amazonaws.com/";

/// The name of the index file in a copy laid out like the endpoint.
pub const INDEX_FILE: &str = "index.json";

/// One entry of the index: a service and where its file is.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct IndexEntry {
    /// The service prefix, such as `s3`.
    pub service: String,
    /// The URL of the service's file, as the index gives it.
    pub url: String,
    /// When AWS last changed the service's file, in Unix seconds, if the index says.
    #[serde(default)]
    pub modified: Option<u64>,
}

impl IndexEntry {
    /// The path of this service's file relative to the root of a copy laid
    /// out like the endpoint: `v1/<service>/<service>.json`.
    pub fn relative_path(&self) -> String {
        relative_path(&self.service)
    }
}

/// `v1/<service>/<service>.json`, where the endpoint serves a service's file.
pub fn relative_path(service: &str) -> String {
    format!("v1/{service}/{service}.json")
}

/// Information about one service of a catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceInfo {
    /// The service prefix, such as `s3`.
    pub name: Cow<'static, str>,
    /// How many actions the service has.
    pub action_count: usize,
    /// The index's `modified` for the service (Unix seconds), if it had one.
    pub modified: Option<u64>,
}

impl ServiceInfo {
    /// A row of a static list of services.
    pub const fn new_static(
        name: &'static str,
        action_count: usize,
        modified: Option<u64>,
    ) -> ServiceInfo {
        ServiceInfo {
            name: Cow::Borrowed(name),
            action_count,
            modified,
        }
    }
}

/// Where a catalog came from and what it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provenance {
    /// The source: for the embedded table, [`SOURCE_DESCRIPTION`]; for a
    /// loaded directory, the directory.
    pub source: Cow<'static, str>,
    /// The UTC date (`YYYY-MM-DD`) of the newest `modified` in the index, if
    /// any entry had one.
    pub data_date: Option<Cow<'static, str>>,
    /// The number of services.
    pub service_count: usize,
    /// The number of actions.
    pub action_count: usize,
    /// Every service, sorted by name.
    pub services: Cow<'static, [ServiceInfo]>,
}

/// The validated actions of one service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceActions {
    name: String,
    modified: Option<u64>,
    actions: Vec<KnownAction>,
}

impl ServiceActions {
    /// Checks and sorts the actions of `service`: the service name must be
    /// `[a-z0-9-]+`, every action `service:Name` with a name of
    /// `[A-Za-z0-9_-]+`, and no two actions may differ only in case.
    pub fn new(
        service: &str,
        modified: Option<u64>,
        actions: Vec<KnownAction>,
    ) -> Result<ServiceActions, Error> {
        check_service_name(service, &format!("service `{service}`"))?;
        let origin = format!("service `{service}`");
        for action in &actions {
            let (prefix, name) = pare_engine::split_action(&action.name);
            if prefix != service {
                return Err(Error::new(
                    ErrorKind::Malformed,
                    format!("{origin} holds action `{}` of another service", action.name),
                ));
            }
            check_action_name(name, &origin)?;
        }
        sorted_unique(service, modified, actions, &origin)
    }

    /// The service prefix.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The index's `modified` for the service.
    pub fn modified(&self) -> Option<u64> {
        self.modified
    }

    /// The actions, sorted by lowercased name.
    pub fn actions(&self) -> &[KnownAction] {
        &self.actions
    }
}

/// A catalog loaded at run time: sorted actions and their provenance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catalog {
    actions: Vec<KnownAction>,
    provenance: Provenance,
    /// The actions' hash index for lookups, built when a run needs it.
    lookup: LookupIndex,
}

impl Catalog {
    /// Merges services into one catalog. Fails when a service occurs twice.
    /// `source` says where the services came from (see [`Provenance::source`]).
    pub fn new(
        source: impl Into<Cow<'static, str>>,
        services: Vec<ServiceActions>,
    ) -> Result<Catalog, Error> {
        let mut services = services;
        services.sort_by(|a, b| a.name.cmp(&b.name));
        let mut infos = Vec::with_capacity(services.len());
        let mut actions = Vec::new();
        for service in services {
            if infos
                .last()
                .is_some_and(|last: &ServiceInfo| last.name == service.name)
            {
                return Err(Error::new(
                    ErrorKind::Duplicate,
                    format!("service `{}` occurs twice", service.name),
                ));
            }
            infos.push(ServiceInfo {
                name: Cow::Owned(service.name),
                action_count: service.actions.len(),
                modified: service.modified,
            });
            actions.extend(service.actions);
        }
        // Service names are unique and lowercase and each service's actions are
        // unique, so the merged names are unique; the sort interleaves services
        // whose names share a prefix (`s3-outposts:` sorts before `s3:`).
        actions.sort_by(|a, b| cmp_ci(&a.name, &b.name));
        let data_date = infos
            .iter()
            .filter_map(|s| s.modified)
            .max()
            .map(|m| Cow::Owned(utc_date(m)));
        let provenance = Provenance {
            source: source.into(),
            data_date,
            service_count: infos.len(),
            action_count: actions.len(),
            services: Cow::Owned(infos),
        };
        Ok(Catalog {
            actions,
            provenance,
            lookup: LookupIndex::new(),
        })
    }

    /// The action table over this catalog, for the engine.
    pub fn table(&self) -> ActionTable<'_> {
        // The rows were sorted and checked for duplicates when the catalog was built.
        ActionTable::from_sorted_unchecked(&self.actions).with_lookup(&self.lookup)
    }

    /// The actions, sorted by lowercased name.
    pub fn actions(&self) -> &[KnownAction] {
        &self.actions
    }

    /// Where the catalog came from and what it holds.
    pub fn provenance(&self) -> &Provenance {
        &self.provenance
    }

    /// The actions of `service`, a contiguous run of the sorted table.
    pub fn service_actions(&self, service: &str) -> &[KnownAction] {
        self.table().with_prefix(&format!("{service}:"))
    }
}

/// Parses and checks an index: a non-empty JSON array of entries whose
/// services are `[a-z0-9-]+`, unique, and whose URLs point at
/// `…/v1/<service>/<service>.json`. `origin` names the file in messages.
pub fn parse_index(bytes: &[u8], origin: &str) -> Result<Vec<IndexEntry>, Error> {
    let entries: Vec<IndexEntry> =
        serde_json::from_slice(bytes).map_err(|e| Error::json(origin, &e))?;
    if entries.is_empty() {
        return Err(Error::new(
            ErrorKind::Empty,
            format!("the index `{origin}` lists no service"),
        ));
    }
    let mut seen: Vec<&str> = Vec::with_capacity(entries.len());
    for entry in &entries {
        check_service_name(&entry.service, &format!("the index `{origin}`"))?;
        let path = url_path(&entry.url);
        let expected = entry.relative_path();
        if path != expected && !path.ends_with(&format!("/{expected}")) {
            return Err(Error::new(
                ErrorKind::Malformed,
                format!(
                    "the index `{origin}` gives service `{}` the url `{}`, which does not end in `{expected}`",
                    entry.service, entry.url
                ),
            ));
        }
        seen.push(&entry.service);
    }
    seen.sort_unstable();
    if let Some(pair) = seen.windows(2).find(|w| w.first() == w.get(1)) {
        let name = pair.first().copied().unwrap_or_default();
        return Err(Error::new(
            ErrorKind::Duplicate,
            format!("the index `{origin}` lists service `{name}` twice"),
        ));
    }
    Ok(entries)
}

/// Parses and checks the file of the service `entry`: JSON with `Name`,
/// `Version` and `Actions`, `Name` equal to the entry's service, action names
/// `[A-Za-z0-9_-]+` without case-insensitive duplicates. Unknown fields are
/// ignored. `origin` names the file in messages.
pub fn parse_service(
    entry: &IndexEntry,
    bytes: &[u8],
    origin: &str,
) -> Result<ServiceActions, Error> {
    let raw: RawService = serde_json::from_slice(bytes).map_err(|e| Error::json(origin, &e))?;
    if raw.name != entry.service {
        return Err(Error::new(
            ErrorKind::Mismatch,
            format!(
                "`{origin}` describes service `{}`, but the index lists it for `{}`",
                raw.name, entry.service
            ),
        ));
    }
    let origin = format!("`{origin}`");
    let mut actions = Vec::with_capacity(raw.actions.len());
    for action in raw.actions {
        check_action_name(&action.name, &origin)?;
        let properties = action
            .annotations
            .and_then(|a| a.properties)
            .unwrap_or_default();
        let mut access = AccessLevel::READ;
        for (flag, level) in [
            (properties.is_list, AccessLevel::LIST),
            (properties.is_write, AccessLevel::WRITE),
            (
                properties.is_permission_management,
                AccessLevel::PERMISSIONS_MANAGEMENT,
            ),
            (properties.is_tagging_only, AccessLevel::TAGGING),
        ] {
            if flag {
                access = access.union(level);
            }
        }
        let tracked = action.supported_by.is_some_and(|s| s.last_accessed);
        actions.push(KnownAction {
            name: Cow::Owned(format!("{}:{}", entry.service, action.name)),
            access,
            last_accessed_tracked: tracked,
        });
    }
    sorted_unique(&entry.service, entry.modified, actions, &origin)
}

/// Loads a copy of the reference laid out like the endpoint: `index.json` and,
/// for each service it lists, `v1/<service>/<service>.json`.
///
/// This is what `pare refine --catalog DIR` reads; `cargo xtask sync-catalog
/// --mirror DIR` writes such a directory. No network is involved.
pub fn load_dir(dir: impl AsRef<Path>) -> Result<Catalog, Error> {
    load_dir_with(dir, |path| std::fs::read(path))
}

/// [`load_dir`] with each file read by `read`: the CLI passes its reader,
/// which caps the size of what it reads.
pub fn load_dir_with(
    dir: impl AsRef<Path>,
    mut read: impl FnMut(&Path) -> std::io::Result<Vec<u8>>,
) -> Result<Catalog, Error> {
    let dir = dir.as_ref();
    let index_path = dir.join(INDEX_FILE);
    let index_name = index_path.display().to_string();
    let bytes = read(&index_path).map_err(|e| Error::io(&index_name, e))?;
    let entries = parse_index(&bytes, &index_name)?;
    let mut services = Vec::with_capacity(entries.len());
    for entry in &entries {
        let path = dir.join(entry.relative_path());
        let name = path.display().to_string();
        let bytes = read(&path).map_err(|e| Error::io(&name, e))?;
        services.push(parse_service(entry, &bytes, &name)?);
    }
    Catalog::new(dir.display().to_string(), services)
}

/// The UTC calendar date (`YYYY-MM-DD`) of a Unix time in seconds.
pub fn utc_date(unix_seconds: u64) -> String {
    // Howard Hinnant's civil_from_days, on unsigned days since 1970-01-01
    // shifted to start on 0000-03-01 so that leap days fall at the year's end.
    let z = unix_seconds / 86_400 + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn sorted_unique(
    service: &str,
    modified: Option<u64>,
    mut actions: Vec<KnownAction>,
    origin: &str,
) -> Result<ServiceActions, Error> {
    actions.sort_by(|a, b| cmp_ci(&a.name, &b.name));
    if let Some(pair) = actions
        .windows(2)
        .find(|w| matches!((w.first(), w.get(1)), (Some(a), Some(b)) if cmp_ci(&a.name, &b.name) == Ordering::Equal))
    {
        let first = pair.first().map(|a| a.action()).unwrap_or_default();
        let second = pair.get(1).map(|a| a.action()).unwrap_or_default();
        let what = if first == second {
            format!("`{first}` twice")
        } else {
            format!("both `{first}` and `{second}`, which differ only in case")
        };
        return Err(Error::new(
            ErrorKind::Duplicate,
            format!("{origin} lists action {what}"),
        ));
    }
    Ok(ServiceActions {
        name: service.to_owned(),
        modified,
        actions,
    })
}

fn check_service_name(name: &str, origin: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Malformed,
            format!("{origin} names service `{name}`, which is not of the form `[a-z0-9-]+`"),
        ))
    }
}

fn check_action_name(name: &str, origin: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Malformed,
            format!("{origin} lists action `{name}`, which is not of the form `[A-Za-z0-9_-]+`"),
        ))
    }
}

/// The path of a URL without its scheme, host, query and fragment; a relative
/// URL is all path.
fn url_path(url: &str) -> &str {
    let url = url.split(['?', '#']).next().unwrap_or_default();
    match url.split_once("://") {
        Some((_, rest)) => rest.find('/').and_then(|i| rest.get(i..)).unwrap_or(""),
        None => url,
    }
}

#[derive(Deserialize)]
struct RawService {
    #[serde(rename = "Name")]
    name: String,
    // Required by the reference's schema; its value does not affect the table.
    #[serde(rename = "Version")]
    #[allow(dead_code)]
    version: String,
    #[serde(rename = "Actions")]
    actions: Vec<RawAction>,
}

#[derive(Deserialize)]
struct RawAction {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Annotations", default)]
    annotations: Option<RawAnnotations>,
    #[serde(rename = "SupportedBy", default)]
    supported_by: Option<RawSupportedBy>,
}

#[derive(Deserialize)]
struct RawAnnotations {
    #[serde(rename = "Properties", default)]
    properties: Option<RawProperties>,
}

#[derive(Default, Deserialize)]
struct RawProperties {
    #[serde(rename = "IsList", default)]
    is_list: bool,
    #[serde(rename = "IsWrite", default)]
    is_write: bool,
    #[serde(rename = "IsPermissionManagement", default)]
    is_permission_management: bool,
    #[serde(rename = "IsTaggingOnly", default)]
    is_tagging_only: bool,
}

#[derive(Deserialize)]
struct RawSupportedBy {
    #[serde(rename = "IAM Action Last Accessed", default)]
    last_accessed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(service: &str) -> IndexEntry {
        IndexEntry {
            service: service.into(),
            url: format!("https://example.test/v1/{service}/{service}.json"),
            modified: Some(1_787_821_295),
        }
    }

    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(1_787_821_295), "2026-08-27");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_774_454_984), "2026-03-25");
        assert_eq!(utc_date(4_107_542_399), "2100-02-28");
    }

    #[test]
    fn url_paths_ignore_host_and_query() {
        assert_eq!(
            url_path("https://h.test/v1/s3/s3.json?x=1"),
            "/v1/s3/s3.json"
        );
        assert_eq!(url_path("v1/s3/s3.json"), "v1/s3/s3.json");
        assert_eq!(url_path("https://h.test"), "");
    }

    #[test]
    fn missing_fields_mean_read_and_untracked() {
        let json = br#"{"Name":"s3","Version":"v1.4","Extra":1,"Actions":[
            {"Name":"PutObject","Annotations":{"Properties":{"IsWrite":true,"IsTaggingOnly":true}},
             "SupportedBy":{"IAM Action Last Accessed":true}},
            {"Name":"GetObject"},
            {"Name":"ListBucket","Annotations":{}}]}"#;
        let service = parse_service(&entry("s3"), json, "s3.json").unwrap();
        let rows: Vec<_> = service
            .actions()
            .iter()
            .map(|a| (a.name.as_ref(), a.access, a.last_accessed_tracked))
            .collect();
        assert_eq!(
            rows,
            [
                ("s3:GetObject", AccessLevel::READ, false),
                ("s3:ListBucket", AccessLevel::READ, false),
                (
                    "s3:PutObject",
                    AccessLevel::WRITE.union(AccessLevel::TAGGING),
                    true
                ),
            ]
        );
    }

    #[test]
    fn case_insensitive_duplicates_are_rejected() {
        let json = br#"{"Name":"s3","Version":"v1.4","Actions":[{"Name":"GetObject"},{"Name":"getobject"}]}"#;
        let err = parse_service(&entry("s3"), json, "s3.json").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Duplicate);
        assert_eq!(
            err.to_string(),
            "`s3.json` lists action both `GetObject` and `getobject`, which differ only in case"
        );
    }

    #[test]
    fn json_errors_name_line_and_column() {
        let err =
            parse_service(&entry("s3"), b"{\n  \"Name\": \"s3\",\n  oops", "s3.json").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Json);
        assert_eq!(
            err.to_string(),
            "invalid JSON in `s3.json` at line 3, column 3: key must be a string"
        );
    }

    #[test]
    fn malformed_names_are_rejected() {
        let json = br#"{"Name":"s3","Version":"v1.4","Actions":[{"Name":"Get*"}]}"#;
        let err = parse_service(&entry("s3"), json, "s3.json").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed);
        let index = br#"[{"service":"S3","url":"https://h.test/v1/S3/S3.json"}]"#;
        let err = parse_index(index, "index.json").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed);
        assert_eq!(
            err.to_string(),
            "the index `index.json` names service `S3`, which is not of the form `[a-z0-9-]+`"
        );
    }

    #[test]
    fn index_checks_urls_duplicates_and_emptiness() {
        let err = parse_index(b"[]", "index.json").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Empty);
        let twice =
            br#"[{"service":"s3","url":"/v1/s3/s3.json"},{"service":"s3","url":"/v1/s3/s3.json"}]"#;
        assert_eq!(
            parse_index(twice, "index.json").unwrap_err().kind(),
            ErrorKind::Duplicate
        );
        let elsewhere = br#"[{"service":"s3","url":"https://h.test/v1/../../etc/passwd"}]"#;
        assert_eq!(
            parse_index(elsewhere, "index.json").unwrap_err().kind(),
            ErrorKind::Malformed
        );
        let ok =
            br#"[{"service":"s3","url":"https://h.test/v1/s3/s3.json","modified":null,"new":1}]"#;
        assert_eq!(parse_index(ok, "index.json").unwrap().len(), 1);
    }

    #[test]
    fn catalog_sorts_across_services_and_dates_the_data() {
        let a = |name: &'static str| KnownAction::new_static(name, AccessLevel::READ, false);
        let s3 = ServiceActions::new("s3", Some(0), vec![a("s3:PutObject"), a("s3:GetObject")]);
        let outposts = ServiceActions::new("s3-outposts", None, vec![a("s3-outposts:GetObject")]);
        let catalog = Catalog::new("test", vec![s3.unwrap(), outposts.unwrap()]).unwrap();
        let names: Vec<_> = catalog.actions().iter().map(|a| a.name.as_ref()).collect();
        assert_eq!(
            names,
            ["s3-outposts:GetObject", "s3:GetObject", "s3:PutObject"]
        );
        assert!(ActionTable::new(catalog.actions()).is_ok());
        assert_eq!(
            catalog.provenance().data_date.as_deref(),
            Some("1970-01-01")
        );
        assert_eq!(catalog.service_actions("s3").len(), 2);
        let services: Vec<_> = catalog
            .provenance()
            .services
            .iter()
            .map(|s| (s.name.as_ref(), s.action_count))
            .collect();
        assert_eq!(services, [("s3", 2), ("s3-outposts", 1)]);
    }

    #[test]
    fn service_actions_must_belong_to_the_service() {
        let row = KnownAction::new_static("ec2:RunInstances", AccessLevel::WRITE, true);
        let err = ServiceActions::new("s3", None, vec![row]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed);
    }
}
