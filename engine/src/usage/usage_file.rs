//! The usage file `pare usage` writes: CloudTrail logs scanned once, kept as
//! reviewable text (per principal: the actions, first and last seen, counts;
//! what the logs cover; what could not be attributed or mapped), and read
//! back by `--used` as the same source as the logs themselves.

use serde::{Deserialize, Serialize};

use super::*;

/// The version of the format; a file of another version is refused.
pub(crate) const USAGE_FILE_VERSION: u64 = 1;

/// A usage file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UsageFile {
    /// How many log files were read.
    pub files: u64,
    /// How many events.
    pub events: u64,
    /// How many of them were denied calls.
    pub denied: u64,
    /// What the logs cover, per account, sorted.
    pub coverage: Vec<(String, Coverage)>,
    /// Events attributed to no principal, by reason.
    pub unattributed: Vec<(String, Tally)>,
    /// Per principal, sorted by ARN.
    pub principals: Vec<ObservedUsage>,
    /// Role ARNs rebuilt without their path (sessions logged without issuer).
    pub pathless: BTreeSet<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FileJson {
    pare_usage: u64,
    source: String,
    files: u64,
    events: u64,
    denied_events: u64,
    coverage: Vec<CoverageJson>,
    unattributed: Vec<UnattributedJson>,
    principals: Vec<PrincipalJson>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CoverageJson {
    account: String,
    first: String,
    last: String,
    events: u64,
    regions: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UnattributedJson {
    reason: String,
    events: u64,
    examples: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PrincipalJson {
    arn: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    path_unknown: bool,
    actions: Vec<ActionJson>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unmapped: Vec<UnmappedJson>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unmapped_services: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    no_permission: Vec<UnmappedJson>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ActionJson {
    action: String,
    first: String,
    last: String,
    count: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    denied: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UnmappedJson {
    event_source: String,
    event_name: String,
    first: String,
    last: String,
    count: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    denied: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn call_json(c: &Call) -> UnmappedJson {
    UnmappedJson {
        event_source: c.source.clone(),
        event_name: c.name.clone(),
        first: c.seen.first.to_string(),
        last: c.seen.last.to_string(),
        count: c.seen.count,
        denied: c.seen.denied,
    }
}

impl UsageFile {
    /// Whether `text` looks like a usage file (a JSON object with `pareUsage`),
    /// rather than a plain used-list.
    pub fn is_usage_file(text: &str) -> bool {
        let text = json::strip_bom(text).trim_start();
        text.starts_with('{') && text.contains("\"pareUsage\"")
    }

    /// Everything one scan saw, in actions through `events`.
    pub fn from_scan(
        trail: &CloudTrail,
        files: u64,
        events: &dyn EventMap,
        table: ActionTable<'_>,
    ) -> UsageFile {
        UsageFile {
            files,
            events: trail.events(),
            denied: trail.denied(),
            coverage: trail
                .coverage()
                .into_iter()
                .map(|(a, c)| (a.to_string(), c.clone()))
                .collect(),
            unattributed: trail
                .unattributed()
                .iter()
                .map(|(r, t)| (r.clone(), t.clone()))
                .collect(),
            principals: trail
                .principals()
                .into_iter()
                .map(|arn| trail.usage_of_exactly(arn, events, table))
                .collect(),
            pathless: trail.pathless().clone(),
        }
    }

    /// The principals, sorted.
    pub fn principal_arns(&self) -> Vec<&str> {
        self.principals
            .iter()
            .map(|p| p.principal.as_str())
            .collect()
    }

    /// What `arn` used: its own entry, plus the entry of its name without a
    /// path when the logs showed only that (the safe direction).
    pub fn usage_of(&self, arn: &str, table: ActionTable<'_>) -> ObservedUsage {
        let mut usage = ObservedUsage {
            principal: arn.to_string(),
            ..ObservedUsage::default()
        };
        let pathless = pathless_role(arn).filter(|p| self.pathless.contains(p));
        for entry in &self.principals {
            if entry.principal != arn && Some(&entry.principal) != pathless.as_ref() {
                continue;
            }
            for used in entry.actions.values() {
                usage.add(&used.name, &used.seen, table);
            }
            usage.unmapped.extend(entry.unmapped.iter().cloned());
            usage
                .no_permission
                .extend(entry.no_permission.iter().cloned());
            usage
                .unmapped_services
                .extend(entry.unmapped_services.iter().cloned());
        }
        usage
    }

    /// The file's JSON, pretty-printed, deterministic.
    pub fn to_json(&self) -> String {
        let file = FileJson {
            pare_usage: USAGE_FILE_VERSION,
            source: "cloudtrail".to_string(),
            files: self.files,
            events: self.events,
            denied_events: self.denied,
            coverage: self
                .coverage
                .iter()
                .map(|(account, c)| CoverageJson {
                    account: account.clone(),
                    first: c.first.to_string(),
                    last: c.last.to_string(),
                    events: c.events,
                    regions: c.regions.iter().cloned().collect(),
                })
                .collect(),
            unattributed: self
                .unattributed
                .iter()
                .map(|(reason, t)| UnattributedJson {
                    reason: reason.clone(),
                    events: t.count,
                    examples: t.examples.clone(),
                })
                .collect(),
            principals: self
                .principals
                .iter()
                .map(|p| PrincipalJson {
                    arn: p.principal.clone(),
                    path_unknown: self.pathless.contains(&p.principal),
                    actions: p
                        .actions
                        .values()
                        .map(|u| ActionJson {
                            action: u.name.clone(),
                            first: u.seen.first.to_string(),
                            last: u.seen.last.to_string(),
                            count: u.seen.count,
                            denied: u.seen.denied,
                        })
                        .collect(),
                    unmapped: p.unmapped.iter().map(call_json).collect(),
                    unmapped_services: p.unmapped_services.iter().cloned().collect(),
                    no_permission: p.no_permission.iter().map(call_json).collect(),
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a usage file. Action names are taken as written; the caller
    /// checks them against the catalog.
    pub fn parse(text: &str) -> Result<UsageFile, Error> {
        let text = json::strip_bom(text);
        let file: FileJson = serde_json::from_str(text).map_err(|e| Error::json(&e))?;
        check_header(&file)?;
        let mut out = UsageFile {
            files: file.files,
            events: file.events,
            denied: file.denied_events,
            ..UsageFile::default()
        };
        for (i, c) in file.coverage.into_iter().enumerate() {
            let path = format!("coverage[{i}]");
            out.coverage.push((
                c.account,
                Coverage {
                    first: read_time(format!("{path}.first"), &c.first)?,
                    last: read_time(format!("{path}.last"), &c.last)?,
                    events: c.events,
                    regions: c.regions.into_iter().collect(),
                },
            ));
        }
        for u in file.unattributed {
            out.unattributed.push((
                u.reason,
                Tally {
                    count: u.events,
                    examples: u.examples,
                },
            ));
        }
        for (i, p) in file.principals.into_iter().enumerate() {
            if p.path_unknown {
                out.pathless.insert(p.arn.clone());
            }
            out.principals
                .push(read_principal(&format!("principals[{i}]"), p)?);
        }
        Ok(out)
    }
}

/// The version and the source: the ones this `pare` writes.
fn check_header(file: &FileJson) -> Result<(), Error> {
    if file.pare_usage != USAGE_FILE_VERSION {
        return Err(Error::shape(
            "pareUsage",
            format!(
                "a usage file of version {} (this pare reads version {USAGE_FILE_VERSION}): write it again with this `pare usage`",
                file.pare_usage
            ),
        ));
    }
    if file.source != "cloudtrail" {
        return Err(Error::shape(
            "source",
            format!("`{}` is not a usage source pare knows", file.source),
        ));
    }
    Ok(())
}

/// A time of the file, at `path`.
fn read_time(path: String, text: &str) -> Result<Timestamp, Error> {
    Timestamp::parse(text).map_err(|e| Error::shape(path, e.message))
}

/// The first and last time, count and denied count of an entry at `path`.
fn read_seen(path: &str, first: &str, last: &str, count: u64, denied: u64) -> Result<Seen, Error> {
    let first = read_time(format!("{path}.first"), first)?;
    let last = read_time(format!("{path}.last"), last)?;
    if first > last || count == 0 || denied > count {
        return Err(Error::shape(
            path.to_string(),
            "`first` must not be after `last`, and `count` must be at least 1 and `denied`",
        ));
    }
    Ok(Seen {
        first,
        last,
        count,
        denied,
    })
}

/// One principal's entry, at `path`.
fn read_principal(path: &str, p: PrincipalJson) -> Result<ObservedUsage, Error> {
    if !p.arn.starts_with("arn:") {
        return Err(Error::shape(
            format!("{path}.arn"),
            format!("`{}` is not an ARN", p.arn),
        ));
    }
    let mut usage = ObservedUsage {
        principal: p.arn,
        ..ObservedUsage::default()
    };
    for (j, a) in p.actions.into_iter().enumerate() {
        let at = format!("{path}.actions[{j}]");
        let (service, action) = split_action(&a.action);
        if !a.action.contains(':') || !is_service_name(service) || !is_action_name(action) {
            return Err(Error::shape(
                format!("{at}.action"),
                format!("expected `service:Action`, found `{}`", a.action),
            ));
        }
        let seen = read_seen(&at, &a.first, &a.last, a.count, a.denied)?;
        usage.add(&a.action, &seen, ActionTable::empty());
    }
    for (j, u) in p.unmapped.into_iter().enumerate() {
        let at = format!("{path}.unmapped[{j}]");
        let seen = read_seen(&at, &u.first, &u.last, u.count, u.denied)?;
        usage.unmapped.push(Call {
            source: u.event_source,
            name: u.event_name,
            seen,
        });
    }
    for (j, u) in p.no_permission.into_iter().enumerate() {
        let at = format!("{path}.noPermission[{j}]");
        // Only what pare itself knows to need no permission: an
        // unmapped event moved here by hand would free its service.
        if !needs_no_permission(&u.event_source, &u.event_name) {
            return Err(Error::shape(
                at,
                format!(
                    "`{} {}` is not an operation pare knows to need no permission",
                    u.event_source, u.event_name
                ),
            ));
        }
        let seen = read_seen(&at, &u.first, &u.last, u.count, u.denied)?;
        usage.no_permission.push(Call {
            source: u.event_source,
            name: u.event_name,
            seen,
        });
    }
    for service in p.unmapped_services {
        if !is_service_name(&service) {
            return Err(Error::shape(
                format!("{path}.unmappedServices"),
                format!("`{service}` is not a service prefix"),
            ));
        }
        usage.unmapped_services.insert(service.to_ascii_lowercase());
    }
    Ok(usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Nothing;

    impl EventMap for Nothing {
        fn actions(&self, _: &str, name: &str) -> EventActions {
            if name == "GetObject" {
                EventActions::Actions(vec!["s3:GetObject".to_string()])
            } else {
                EventActions::UnknownSource
            }
        }
        fn prefix(&self, _: &str) -> Option<String> {
            None
        }
        fn operations(&self) -> Vec<(String, String, Vec<String>)> {
            Vec::new()
        }
    }

    #[test]
    fn a_usage_file_reads_back_as_it_was_written() {
        let mut trail = CloudTrail::new(None);
        let records = r#"{"Records":[
            {"eventTime":"2026-06-01T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","recipientAccountId":"123456789012","errorCode":"AccessDenied",
             "userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::123456789012:assumed-role/App/s"}},
            {"eventTime":"2026-06-02T10:00:00Z","eventSource":"x.amazonaws.com","eventName":"Odd","awsRegion":"eu-west-1","recipientAccountId":"123456789012",
             "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/Bob"}},
            {"eventTime":"2026-06-03T10:00:00Z","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","awsRegion":"eu-west-1","recipientAccountId":"123456789012",
             "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/Bob"}},
            {"eventTime":"2026-06-02T10:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","awsRegion":"eu-west-1","recipientAccountId":"123456789012",
             "userIdentity":{"type":"AWSService","invokedBy":"ec2.amazonaws.com"}}]}"#;
        trail.read(records.as_bytes()).unwrap();
        let file = UsageFile::from_scan(&trail, 1, &Nothing, ActionTable::empty());
        let text = file.to_json();
        assert!(UsageFile::is_usage_file(&text));
        assert!(!UsageFile::is_usage_file("s3:GetObject\n"));
        let back = UsageFile::parse(&text).unwrap();
        assert_eq!(back, file);
        assert_eq!(back.to_json(), text);
        // The session without its issuer stands for the role with any path.
        let usage = back.usage_of(
            "arn:aws:iam::123456789012:role/team/App",
            ActionTable::empty(),
        );
        assert_eq!(usage.actions["s3:getobject"].seen.denied, 1);
        let bob = back.usage_of("arn:aws:iam::123456789012:user/Bob", ActionTable::empty());
        assert!(bob.actions.is_empty());
        assert_eq!(bob.unmapped.len(), 1);
        assert_eq!(bob.no_permission.len(), 1);
        assert!(text.contains("\"noPermission\""), "{text}");
    }

    #[test]
    fn a_malformed_usage_file_is_an_error() {
        for (text, expected) in [
            (
                r#"{"pareUsage": 2, "source": "cloudtrail", "files": 0, "events": 0, "deniedEvents": 0, "coverage": [], "unattributed": [], "principals": []}"#,
                "version 2",
            ),
            (
                r#"{"pareUsage": 1, "source": "cloudtrail", "files": 0, "events": 0, "deniedEvents": 0, "coverage": [], "unattributed": [], "principals": [{"arn": "arn:aws:iam::1:user/A", "actions": [{"action": "s3:Get*", "first": "2026-06-01T00:00:00Z", "last": "2026-06-01T00:00:00Z", "count": 1}]}]}"#,
                "expected `service:Action`",
            ),
            (
                r#"{"pareUsage": 1, "source": "cloudtrail", "files": 0, "events": 0, "deniedEvents": 0, "coverage": [], "unattributed": [], "principals": [{"arn": "arn:aws:iam::1:user/A", "actions": [{"action": "s3:GetObject", "first": "2026-06-02T00:00:00Z", "last": "2026-06-01T00:00:00Z", "count": 1}]}]}"#,
                "`first` must not be after `last`",
            ),
            (r#"{"pareUsage": 1, "extra": true}"#, "unknown field"),
            (
                r#"{"pareUsage": 1, "source": "cloudtrail", "files": 0, "events": 0, "deniedEvents": 0, "coverage": [], "unattributed": [], "principals": [{"arn": "arn:aws:iam::1:user/A", "actions": [], "noPermission": [{"eventSource": "iam.amazonaws.com", "eventName": "DeleteRole", "first": "2026-06-01T00:00:00Z", "last": "2026-06-01T00:00:00Z", "count": 1}]}]}"#,
                "not an operation pare knows to need no permission",
            ),
        ] {
            let err = UsageFile::parse(text).unwrap_err();
            assert!(err.to_string().contains(expected), "{err}");
        }
    }
}
