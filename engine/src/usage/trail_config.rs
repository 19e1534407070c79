//! What a trail logs: its event selectors, read from `aws cloudtrail
//! get-event-selectors` or `describe-trails` output (`--trail-config`).
//!
//! Only what the selectors say for certain counts as logged: a selector that
//! filters on fields pare does not weigh (resource ARNs, event names, user
//! identities) logs *some* events of its kind, so their absence proves nothing
//! and the kind counts as not logged. Without a configuration, pare assumes
//! the default trail: every management event, read and write, and no data event.

use super::data_events::DataEventType;
use super::*;

/// Which of read and write events are logged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadWrite {
    /// Read-only events (`readOnly: true`).
    pub read: bool,
    /// Write events.
    pub write: bool,
}

impl ReadWrite {
    const ALL: ReadWrite = ReadWrite {
        read: true,
        write: true,
    };

    fn union(self, other: ReadWrite) -> ReadWrite {
        ReadWrite {
            read: self.read || other.read,
            write: self.write || other.write,
        }
    }

    /// Whether events of an action of `write` kind are logged.
    pub fn covers(self, write: bool) -> bool {
        if write { self.write } else { self.read }
    }
}

/// What a trail logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrailConfig {
    /// Management events: which kinds.
    pub management: ReadWrite,
    /// Event sources whose management events are excluded
    /// (`ExcludeManagementEventSources`, `eventSource NotEquals`), lowercased.
    pub excluded_sources: BTreeSet<String>,
    /// Data event types logged for every resource, and which kinds.
    pub data: BTreeMap<String, ReadWrite>,
    /// Whether the configuration was read from a file (`false`: the default assumed).
    pub given: bool,
    /// What pare noticed while reading it, one sentence each.
    pub notes: Vec<String>,
    /// Further trails of the same logs ([`TrailConfig::combine`]): an event
    /// counts as logged when any trail logs it.
    pub also: Vec<TrailConfig>,
}

impl Default for TrailConfig {
    /// The default trail: all management events, no data events.
    fn default() -> TrailConfig {
        TrailConfig {
            management: ReadWrite::ALL,
            excluded_sources: BTreeSet::new(),
            data: BTreeMap::new(),
            given: false,
            notes: Vec::new(),
            also: Vec::new(),
        }
    }
}

impl TrailConfig {
    /// Reads `get-event-selectors` output (basic `EventSelectors` or
    /// `AdvancedEventSelectors`), or `describe-trails` output whose trails
    /// all use the default selectors.
    pub fn parse(text: &str) -> Result<TrailConfig, Error> {
        let value = json::parse(text)?;
        let Value::Object(object) = &value else {
            return Err(Error::shape(
                "",
                format!(
                    "expected the output of `aws cloudtrail get-event-selectors`, found {}",
                    kind(&value)
                ),
            ));
        };
        let mut config = TrailConfig {
            management: ReadWrite::default(),
            given: true,
            ..TrailConfig::default()
        };
        if let Some(trails) = object.get("trailList") {
            return config.with_trails(trails);
        }
        let basic = object.get("EventSelectors").filter(|v| !v.is_null());
        let advanced = object
            .get("AdvancedEventSelectors")
            .filter(|v| !v.is_null());
        if basic.is_none() && advanced.is_none() {
            return Err(Error::shape(
                "",
                "no `EventSelectors` or `AdvancedEventSelectors`: expected the output of \
                 `aws cloudtrail get-event-selectors --trail-name TRAIL`",
            ));
        }
        if let Some(selectors) = basic {
            config.basic(selectors)?;
        }
        if let Some(selectors) = advanced {
            config.advanced(selectors)?;
        }
        Ok(config)
    }

    fn with_trails(mut self, trails: &Value) -> Result<TrailConfig, Error> {
        let Value::Array(trails) = trails else {
            return Err(Error::shape("trailList", "`trailList` must be an array"));
        };
        if trails.is_empty() {
            return Err(Error::shape("trailList", "no trail: nothing is logged"));
        }
        for (i, trail) in trails.iter().enumerate() {
            let custom = trail
                .get("HasCustomEventSelectors")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            let name = trail.get("Name").and_then(Value::as_str).unwrap_or("?");
            if custom {
                return Err(Error::shape(
                    format!("trailList[{i}]"),
                    format!(
                        "the trail `{name}` has its own event selectors, which `describe-trails` \
                         does not show: give `aws cloudtrail get-event-selectors --trail-name {name}` output instead"
                    ),
                ));
            }
            if trail.get("IsMultiRegionTrail").and_then(Value::as_bool) == Some(false) {
                let home = trail
                    .get("HomeRegion")
                    .and_then(Value::as_str)
                    .unwrap_or("its home region");
                self.notes.push(format!(
                    "the trail `{name}` logs only {home}: calls in other regions leave no trace"
                ));
            }
        }
        self.management = ReadWrite::ALL;
        Ok(self)
    }

    fn basic(&mut self, selectors: &Value) -> Result<(), Error> {
        let Value::Array(selectors) = selectors else {
            return Err(Error::shape(
                "EventSelectors",
                "`EventSelectors` must be an array",
            ));
        };
        for (i, selector) in selectors.iter().enumerate() {
            let path = format!("EventSelectors[{i}]");
            let rw = match selector.get("ReadWriteType").and_then(Value::as_str) {
                None | Some("All") => ReadWrite::ALL,
                Some("ReadOnly") => ReadWrite {
                    read: true,
                    write: false,
                },
                Some("WriteOnly") => ReadWrite {
                    read: false,
                    write: true,
                },
                Some(other) => {
                    return Err(Error::shape(
                        join(&path, "ReadWriteType"),
                        format!("`{other}` is not `All`, `ReadOnly` or `WriteOnly`"),
                    ));
                }
            };
            if selector
                .get("IncludeManagementEvents")
                .and_then(Value::as_bool)
                .unwrap_or(true)
            {
                self.management = self.management.union(rw);
                for source in strings(selector.get("ExcludeManagementEventSources")) {
                    self.excluded_sources.insert(source.to_ascii_lowercase());
                }
            }
            let resources = match selector.get("DataResources") {
                None | Some(Value::Null) => continue,
                Some(Value::Array(resources)) => resources,
                Some(_) => {
                    return Err(Error::shape(
                        join(&path, "DataResources"),
                        "`DataResources` must be an array",
                    ));
                }
            };
            for resource in resources {
                let Some(kind) = resource.get("Type").and_then(Value::as_str) else {
                    continue;
                };
                let values = strings(resource.get("Values"));
                if values.iter().any(|v| is_whole_type(v)) {
                    self.add_data(kind, rw);
                } else {
                    self.notes.push(format!(
                        "`{kind}` data events are logged for some resources only ({} ARN prefix(es)): its operations count as not logged",
                        values.len()
                    ));
                }
            }
        }
        Ok(())
    }

    fn advanced(&mut self, selectors: &Value) -> Result<(), Error> {
        let Value::Array(selectors) = selectors else {
            return Err(Error::shape(
                "AdvancedEventSelectors",
                "`AdvancedEventSelectors` must be an array",
            ));
        };
        for (i, selector) in selectors.iter().enumerate() {
            let path = format!("AdvancedEventSelectors[{i}]");
            let Some(Value::Array(fields)) = selector.get("FieldSelectors") else {
                return Err(Error::shape(
                    path,
                    "an advanced event selector needs `FieldSelectors`",
                ));
            };
            let mut category = None;
            let mut types = Vec::new();
            let mut rw = ReadWrite::ALL;
            let mut excluded = Vec::new();
            let mut filtered = Vec::new();
            for field in fields {
                let name = field.get("Field").and_then(Value::as_str).unwrap_or("");
                let equals = strings(field.get("Equals"));
                let others = ["StartsWith", "EndsWith", "NotStartsWith", "NotEndsWith"]
                    .iter()
                    .any(|op| field.get(*op).is_some_and(|v| !v.is_null()));
                let not_equals = strings(field.get("NotEquals"));
                match name {
                    "eventCategory" if !others && not_equals.is_empty() => {
                        category = equals.first().map(|s| s.to_string());
                    }
                    "resources.type" if !others && not_equals.is_empty() => {
                        types = equals.iter().map(|s| s.to_string()).collect();
                    }
                    "readOnly" if !others && not_equals.is_empty() => match equals.as_slice() {
                        ["true"] => {
                            rw = ReadWrite {
                                read: true,
                                write: false,
                            }
                        }
                        ["false"] => {
                            rw = ReadWrite {
                                read: false,
                                write: true,
                            }
                        }
                        _ => {}
                    },
                    "eventSource" if !others && equals.is_empty() => {
                        excluded.extend(not_equals.iter().map(|s| s.to_ascii_lowercase()));
                    }
                    _ => filtered.push(name.to_string()),
                }
            }
            let label = selector
                .get("Name")
                .and_then(Value::as_str)
                .map(|n| format!("`{n}`"))
                .unwrap_or_else(|| format!("#{}", i + 1));
            match category.as_deref() {
                Some("Management") if filtered.is_empty() => {
                    self.management = self.management.union(rw);
                    self.excluded_sources.extend(excluded);
                }
                Some("Management") => self.notes.push(format!(
                    "selector {label} logs management events filtered on {}: they count as not logged",
                    filtered.join(", ")
                )),
                Some("Data") if filtered.is_empty() && excluded.is_empty() => {
                    for kind in &types {
                        self.add_data(kind, rw);
                    }
                }
                Some("Data") => self.notes.push(format!(
                    "selector {label} logs {} data events filtered on {}: they count as not logged",
                    types.join(", "),
                    filtered.join(", ")
                )),
                _ => {}
            }
        }
        Ok(())
    }

    fn add_data(&mut self, kind: &str, rw: ReadWrite) {
        let entry = self.data.entry(kind.to_string()).or_default();
        *entry = entry.union(rw);
    }

    /// What several trails log together (an account trail and an organization
    /// trail, or one trail per purpose): an event counts as logged when any of
    /// them logs it, each with its own selectors. No trail: the default one.
    pub fn combine(configs: Vec<TrailConfig>) -> TrailConfig {
        let mut trails = Vec::new();
        for mut config in configs {
            let also = std::mem::take(&mut config.also);
            trails.push(config);
            trails.extend(also);
        }
        let mut trails = trails.into_iter();
        let Some(mut first) = trails.next() else {
            return TrailConfig::default();
        };
        first.also = trails.collect();
        first
    }

    /// This trail and the ones combined with it.
    fn trails(&self) -> impl Iterator<Item = &TrailConfig> {
        std::iter::once(self).chain(&self.also)
    }

    /// What pare noticed while reading every trail.
    pub fn all_notes(&self) -> Vec<String> {
        self.trails()
            .flat_map(|t| t.notes.iter().cloned())
            .collect()
    }

    /// Whether the management events of `source` of an action of `write`
    /// kind are logged (by any of the trails).
    pub fn logs_management(&self, source: &str, write: bool) -> bool {
        self.trails().any(|t| {
            t.management.covers(write) && !t.excluded_sources.contains(&source.to_ascii_lowercase())
        })
    }

    /// Whether every trail that logs management events of `write` kind
    /// leaves `source` out: the reason to give for an unlogged source.
    pub fn excludes(&self, source: &str, write: bool) -> bool {
        let source = source.to_ascii_lowercase();
        let mut logging = self
            .trails()
            .filter(|t| t.management.covers(write))
            .peekable();
        logging.peek().is_some() && logging.all(|t| t.excluded_sources.contains(&source))
    }

    /// Whether data events of `kind` are logged for every resource, for an
    /// action of `write` kind. A type that another one logs whole (`AWS::S3::AccessPoint` by
    /// `AWS::S3::Object`) counts as logged when that one is.
    pub fn logs_data(&self, kind: &DataEventType, write: bool) -> bool {
        self.trails().any(|trail| {
            std::iter::once(&kind.resource_type)
                .chain(kind.logged_by)
                .any(|t| trail.data.get(*t).is_some_and(|rw| rw.covers(write)))
        })
    }

    /// One line on what the trail (or trails) log, for the report.
    pub fn describe(&self) -> String {
        if self.also.is_empty() {
            return self.describe_one();
        }
        let each: Vec<String> = self
            .trails()
            .enumerate()
            .map(|(i, t)| {
                let text = t.describe_one();
                let text = text.strip_prefix("trail configuration: ").unwrap_or(&text);
                format!("({}) {text}", i + 1)
            })
            .collect();
        format!(
            "{} trail configurations, an event counting as logged when any logs it: {}",
            each.len(),
            each.join("; ")
        )
    }

    fn describe_one(&self) -> String {
        let rw = |rw: ReadWrite| match (rw.read, rw.write) {
            (true, true) => "read and write",
            (true, false) => "read only",
            (false, true) => "write only",
            (false, false) => "none",
        };
        let mut text = format!(
            "{}: management events {}",
            if self.given {
                "trail configuration"
            } else {
                "no `--trail-config`, so the default trail is assumed"
            },
            rw(self.management)
        );
        if !self.excluded_sources.is_empty() {
            let excluded: Vec<&str> = self.excluded_sources.iter().map(String::as_str).collect();
            text.push_str(&format!(" (except {})", excluded.join(", ")));
        }
        if self.data.is_empty() {
            text.push_str("; no data events");
        } else {
            let data: Vec<String> = self
                .data
                .iter()
                .map(|(k, v)| format!("{k} {}", rw(*v)))
                .collect();
            text.push_str(&format!("; data events: {}", data.join(", ")));
        }
        text
    }
}

/// The strings of an array value (others skipped).
fn strings(value: Option<&Value>) -> Vec<&str> {
    value
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// A `DataResources` value that selects every resource of its type:
/// `arn:aws:s3`, `arn:aws:s3:::`, `arn:aws:lambda`, `arn:aws:dynamodb`.
fn is_whole_type(value: &str) -> bool {
    let parts: Vec<&str> = value.trim_end_matches(':').split(':').collect();
    parts.len() <= 3 && parts.first() == Some(&"arn")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::data_events::DATA_EVENT_TYPES;

    fn row(kind: &str) -> &'static DataEventType {
        DATA_EVENT_TYPES
            .iter()
            .find(|r| r.resource_type == kind)
            .unwrap()
    }

    #[test]
    fn basic_selectors() {
        // The shape of the CloudTrail user guide's `get-event-selectors` example.
        let config = TrailConfig::parse(
            r#"{"TrailARN": "arn:aws:cloudtrail:us-east-2:123456789012:trail/TrailName",
                "EventSelectors": [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": true,
                  "DataResources": [
                    {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]},
                    {"Type": "AWS::Lambda::Function", "Values": ["arn:aws:lambda:us-west-2:111111111111:function:hello"]}],
                  "ExcludeManagementEventSources": ["kms.amazonaws.com"]}]}"#,
        )
        .unwrap();
        assert!(config.logs_management("ec2.amazonaws.com", true));
        assert!(!config.logs_management("ec2.amazonaws.com", false));
        assert!(!config.logs_management("KMS.amazonaws.com", true));
        assert!(config.logs_data(row("AWS::S3::Object"), true));
        assert!(!config.logs_data(row("AWS::S3::Object"), false));
        assert!(!config.logs_data(row("AWS::Lambda::Function"), true));
        assert_eq!(config.notes.len(), 1, "{:?}", config.notes);
        assert_eq!(
            config.describe(),
            "trail configuration: management events write only (except kms.amazonaws.com); data events: AWS::S3::Object write only"
        );
    }

    #[test]
    fn advanced_selectors() {
        let config = TrailConfig::parse(
            r#"{"AdvancedEventSelectors": [
                {"Name": "Management", "FieldSelectors": [
                  {"Field": "eventCategory", "Equals": ["Management"]},
                  {"Field": "readOnly", "Equals": ["true"]}]},
                {"Name": "All DynamoDB", "FieldSelectors": [
                  {"Field": "eventCategory", "Equals": ["Data"]},
                  {"Field": "resources.type", "Equals": ["AWS::DynamoDB::Table"]}]},
                {"Name": "One bucket", "FieldSelectors": [
                  {"Field": "eventCategory", "Equals": ["Data"]},
                  {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                  {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::bucket/"]}]}]}"#,
        )
        .unwrap();
        assert!(config.logs_management("iam.amazonaws.com", false));
        assert!(!config.logs_management("iam.amazonaws.com", true));
        assert!(config.logs_data(row("AWS::DynamoDB::Table"), true));
        assert!(config.logs_data(row("AWS::DynamoDB::Table"), false));
        assert!(!config.logs_data(row("AWS::S3::Object"), false));
        assert!(
            config.notes[0].contains("`One bucket`"),
            "{:?}",
            config.notes
        );
    }

    #[test]
    fn several_trails_log_what_any_of_them_logs() {
        // An organization trail: every management event but KMS's, no data.
        let org = TrailConfig::parse(
            r#"{"EventSelectors": [{"ReadWriteType": "All", "ExcludeManagementEventSources": ["kms.amazonaws.com"]}]}"#,
        )
        .unwrap();
        // The account's own trail: write management events, and S3 objects.
        let account = TrailConfig::parse(
            r#"{"AdvancedEventSelectors": [
                {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}, {"Field": "readOnly", "Equals": ["false"]}]},
                {"Name": "Some", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]}, {"Field": "resources.ARN", "StartsWith": ["arn:aws:lambda:eu-west-1:1:function:a"]}]},
                {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}]}"#,
        )
        .unwrap();
        for alone in [&org, &account] {
            // Neither alone logs both KMS writes and IAM reads.
            assert!(
                !(alone.logs_management("kms.amazonaws.com", true)
                    && alone.logs_management("iam.amazonaws.com", false))
            );
        }
        let both = TrailConfig::combine(vec![org.clone(), account.clone()]);
        // KMS writes: the account trail logs them; KMS reads: no trail does.
        assert!(both.logs_management("kms.amazonaws.com", true));
        assert!(!both.logs_management("kms.amazonaws.com", false));
        assert!(both.excludes("kms.amazonaws.com", false));
        assert!(!both.excludes("kms.amazonaws.com", true));
        assert!(both.logs_management("iam.amazonaws.com", false));
        assert!(both.logs_data(row("AWS::S3::Object"), false));
        assert!(both.logs_data(row("AWS::S3::AccessPoint"), true));
        assert!(!both.logs_data(row("AWS::Lambda::Function"), true));
        assert_eq!(both.all_notes().len(), 1, "{:?}", both.all_notes());
        assert_eq!(
            both.describe(),
            "2 trail configurations, an event counting as logged when any logs it: (1) management events read and write (except kms.amazonaws.com); no data events; (2) management events write only; data events: AWS::S3::Object read and write"
        );
        // Order does not matter, nesting flattens, and no trail is the default one.
        let other = TrailConfig::combine(vec![account, TrailConfig::combine(vec![org])]);
        assert_eq!(other.also.len(), 1);
        assert!(other.logs_management("kms.amazonaws.com", true));
        assert!(!other.logs_management("kms.amazonaws.com", false));
        assert_eq!(TrailConfig::combine(Vec::new()), TrailConfig::default());
    }

    #[test]
    fn describe_trails_with_default_selectors_only() {
        let config = TrailConfig::parse(
            r#"{"trailList": [{"Name": "t", "IsMultiRegionTrail": false, "HomeRegion": "us-east-2", "HasCustomEventSelectors": false}]}"#,
        )
        .unwrap();
        assert!(config.logs_management("ec2.amazonaws.com", true));
        assert!(config.data.is_empty());
        assert!(config.notes[0].contains("only us-east-2"));
        let err = TrailConfig::parse(
            r#"{"trailList": [{"Name": "t", "HasCustomEventSelectors": true}]}"#,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("get-event-selectors --trail-name t"),
            "{err}"
        );
        for bad in [
            "[]",
            "{}",
            r#"{"EventSelectors": [{"ReadWriteType": "Sometimes"}]}"#,
            r#"{"AdvancedEventSelectors": [{}]}"#,
        ] {
            assert!(TrailConfig::parse(bad).is_err(), "{bad}");
        }
    }
}
