//! IAM last-accessed data as a usage source.

use super::*;

/// One tracked action of a `TrackedActionsLastAccessed` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackedAction {
    /// `ActionName`, as IAM spells it (without the service prefix).
    pub name: String,
    /// `LastAccessedTime`; absent when never used within IAM's tracking period.
    pub last_accessed: Option<Timestamp>,
}

/// One element of `ServicesLastAccessed`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceLastAccessed {
    /// `ServiceNamespace`, lowercased.
    pub namespace: String,
    /// `LastAuthenticated`; absent when never used within IAM's tracking period.
    pub last_authenticated: Option<Timestamp>,
    /// `TotalAuthenticatedEntities`, when present.
    pub total_authenticated_entities: Option<u64>,
    /// `TrackedActionsLastAccessed`; absent for services without action-level
    /// tracking and for jobs generated at `SERVICE_LEVEL`.
    pub tracked_actions: Option<Vec<TrackedAction>>,
}

/// The output of `aws iam get-service-last-accessed-details` for a completed job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastAccessed {
    /// `JobType` (`SERVICE_LEVEL` or `ACTION_LEVEL`), when present.
    pub job_type: Option<String>,
    /// `JobCompletionDate`, when present.
    pub job_completion_date: Option<Timestamp>,
    /// `IsTruncated`: the report holds only the first page of services.
    pub is_truncated: bool,
    /// The services, in the order of the file.
    pub services: Vec<ServiceLastAccessed>,
}

impl LastAccessed {
    /// Reads the JSON that `get-service-last-accessed-details` prints. Unknown
    /// fields are ignored; a job that is not `COMPLETED` is an error.
    pub fn parse(text: &str) -> Result<LastAccessed, Error> {
        let value = json::parse(text)?;
        let Value::Object(object) = value else {
            return Err(Error::shape(
                "",
                format!(
                    "expected the output of `aws iam get-service-last-accessed-details`, found {}",
                    kind(&value)
                ),
            ));
        };
        check_job_status(&object)?;
        let job_type = crate::unused::optional_string(&object, "JobType", "")?;
        let job_completion_date = optional_time(&object, "JobCompletionDate", "")?;
        let is_truncated = match object.get("IsTruncated") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                return Err(Error::shape(
                    "IsTruncated",
                    format!("`IsTruncated` must be a boolean, found {}", kind(other)),
                ));
            }
        };
        let items = match object.get("ServicesLastAccessed") {
            Some(Value::Array(items)) => items,
            Some(other) => {
                return Err(Error::shape(
                    "ServicesLastAccessed",
                    format!(
                        "`ServicesLastAccessed` must be an array, found {}",
                        kind(other)
                    ),
                ));
            }
            None => {
                return Err(Error::shape(
                    "",
                    "no `ServicesLastAccessed`: expected the output of `aws iam get-service-last-accessed-details`",
                ));
            }
        };
        let mut services = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            services.push(read_service(item, &format!("ServicesLastAccessed[{i}]"))?);
        }
        Ok(LastAccessed {
            job_type,
            job_completion_date,
            is_truncated,
            services,
        })
    }
}

/// A job that is not `COMPLETED` has no data to read: an error that says so.
fn check_job_status(object: &Map<String, Value>) -> Result<(), Error> {
    if let Some(status) = object.get("JobStatus") {
        match status {
            Value::String(s) if s == "COMPLETED" => {}
            Value::String(s) => {
                let detail = object
                    .get("Error")
                    .and_then(|e| e.get("Message"))
                    .and_then(Value::as_str)
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default();
                return Err(Error::shape(
                    "JobStatus",
                    format!(
                        "the last-accessed job is `{s}`{detail}, not `COMPLETED`: wait for it to finish and fetch the details again"
                    ),
                ));
            }
            other => {
                return Err(Error::shape(
                    "JobStatus",
                    format!("`JobStatus` must be a string, found {}", kind(other)),
                ));
            }
        }
    }
    Ok(())
}

/// One element of `ServicesLastAccessed`, at `path`.
fn read_service(item: &Value, path: &str) -> Result<ServiceLastAccessed, Error> {
    let path = path.to_string();
    let Value::Object(entry) = item else {
        return Err(Error::shape(
            path,
            format!("a service entry must be an object, found {}", kind(item)),
        ));
    };
    let namespace = match entry.get("ServiceNamespace") {
        Some(Value::String(s)) if is_service_name(s) => s.to_ascii_lowercase(),
        Some(Value::String(s)) => {
            return Err(Error::shape(
                join(&path, "ServiceNamespace"),
                format!("`{s}` is not a service prefix"),
            ));
        }
        Some(other) => {
            return Err(Error::shape(
                join(&path, "ServiceNamespace"),
                format!("`ServiceNamespace` must be a string, found {}", kind(other)),
            ));
        }
        None => return Err(Error::shape(path, "the entry has no `ServiceNamespace`")),
    };
    let last_authenticated = optional_time(entry, "LastAuthenticated", &path)?;
    let total_authenticated_entities = match entry.get("TotalAuthenticatedEntities") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64(),
        Some(other) => {
            return Err(Error::shape(
                join(&path, "TotalAuthenticatedEntities"),
                format!("expected a whole number, found {}", kind(other)),
            ));
        }
    };
    let tracked_actions = match entry.get("TrackedActionsLastAccessed") {
        None | Some(Value::Null) => None,
        Some(Value::Array(actions)) => {
            let mut tracked = Vec::with_capacity(actions.len());
            for (j, action) in actions.iter().enumerate() {
                let action_path = format!("{}[{j}]", join(&path, "TrackedActionsLastAccessed"));
                tracked.push(read_tracked_action(action, &action_path, &namespace)?);
            }
            Some(tracked)
        }
        Some(other) => {
            return Err(Error::shape(
                join(&path, "TrackedActionsLastAccessed"),
                format!("expected an array, found {}", kind(other)),
            ));
        }
    };
    Ok(ServiceLastAccessed {
        namespace,
        last_authenticated,
        total_authenticated_entities,
        tracked_actions,
    })
}

/// One element of a `TrackedActionsLastAccessed` list, at `action_path`, of
/// the service `namespace`.
fn read_tracked_action(
    action: &Value,
    action_path: &str,
    namespace: &str,
) -> Result<TrackedAction, Error> {
    let action_path = action_path.to_string();
    let Value::Object(action) = action else {
        return Err(Error::shape(
            action_path,
            format!("a tracked action must be an object, found {}", kind(action)),
        ));
    };
    let Some(raw) = crate::unused::optional_string(action, "ActionName", &action_path)? else {
        return Err(Error::shape(action_path, "the entry has no `ActionName`"));
    };
    let name = match raw.split_once(':') {
        Some((prefix, name)) if prefix.eq_ignore_ascii_case(namespace) => name.to_string(),
        Some((prefix, _)) => {
            return Err(Error::shape(
                join(&action_path, "ActionName"),
                format!("`{raw}` has the prefix `{prefix}`, but the entry is for `{namespace}`"),
            ));
        }
        None => raw.clone(),
    };
    if !is_action_name(&name) {
        return Err(Error::shape(
            join(&action_path, "ActionName"),
            format!("`{raw}` is not an action name"),
        ));
    }
    Ok(TrackedAction {
        name,
        last_accessed: optional_time(action, "LastAccessedTime", &action_path)?,
    })
}

pub(super) fn optional_time(
    object: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<Timestamp>, Error> {
    match crate::unused::optional_string(object, key, path)? {
        None => Ok(None),
        Some(text) => Timestamp::parse(&text).map(Some).map_err(|e| Error {
            kind: ErrorKind::Shape,
            location: Some(Location::Path(join(path, key))),
            message: e.message,
        }),
    }
}

/// The first eight of `names`, backticked, for a note that gives the count
/// beside it; "and N more" says that the list is cut.
pub(super) fn first_few(names: &[&str]) -> String {
    const SHOWN: usize = 8;
    let mut text = names
        .iter()
        .take(SHOWN)
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}

/// Keeps a granted action that no log can show unused: a permission-only
/// action, or one IAM does not track for last access (an action the catalog
/// does not know counts as untracked). Says so in the report; `true` when kept.
pub(super) fn keep_unobservable(
    lower: &str,
    name: &str,
    table: ActionTable<'_>,
    report: &mut SourceReport,
    kept: &mut BTreeSet<String>,
) -> bool {
    let kept_list = if is_permission_only(lower) {
        &mut report.permission_only_kept
    } else if !table
        .get(lower)
        .is_some_and(|row| row.last_accessed_tracked)
    {
        &mut report.untracked_kept
    } else {
        return false;
    };
    kept_list.push(name.to_string());
    kept.insert(lower.to_string());
    true
}

/// IAM last-accessed data as a source.
///
/// - A service with no `LastAuthenticated` (or, with a window, one older than
///   it) was not called at all: every action of it is unused, except the
///   [`PERMISSION_ONLY`] ones, which are checked while *other* services are
///   called and so never count as a call to their own service. Service-level
///   data counts every authenticated request to the service, so actions that
///   IAM does not track one by one are covered by it.
/// - A used service: an action is unused only when the catalog marks it
///   tracked (`last_accessed_tracked`), it is not permission-only, and the
///   report lists it with no `LastAccessedTime` (or one outside the window).
///   Every other action of the service stays granted; the granted ones are
///   reported as untracked.
/// - A service the report does not mention: nothing is inferred.
///
/// `policies` say what is granted: the report counts the kept actions they
/// grant, and a never-called service with permission-only actions is listed
/// action by action (its granted actions but those), not as a whole.
pub fn from_last_accessed(
    data: &LastAccessed,
    policies: &[&Policy],
    table: ActionTable<'_>,
    window: Option<&Window>,
) -> Inference {
    let known = Known::new(table, policies.iter().copied(), &UnusedSet::new());
    let grants = grants(policies, &known);
    let granted = granted_set(&grants);
    let mut pass = ReportPass {
        table,
        known: &known,
        granted: &granted,
        window,
        unused: UnusedSet::new(),
        report: SourceReport::new(UsageSource::LastAccessed),
        kept: BTreeSet::new(),
        listed: BTreeSet::new(),
        used_services: BTreeSet::new(),
        seen_services: BTreeSet::new(),
    };
    for service in &data.services {
        pass.seen_services.insert(service.namespace.clone());
        if pass.service_used(service) {
            pass.used_service(service);
        } else {
            pass.never_used_service(&service.namespace);
        }
    }
    pass.keep_unlisted_granted();
    pass.note_unseen_services();
    pass.note_report_limits(data);
    let ReportPass {
        unused,
        mut report,
        kept,
        ..
    } = pass;
    finish(&mut report);
    report.wildcards_kept_alive = kept_alive(&grants, &unused, &kept);
    Inference { unused, report }
}

/// What [`from_last_accessed`] gathers while it reads the report, service
/// by service, and then its notes about what the report leaves out.
struct ReportPass<'p, 't> {
    table: ActionTable<'t>,
    known: &'p Known<'t>,
    /// The granted actions, lowercased, with their canonical names.
    granted: &'p BTreeMap<String, String>,
    window: Option<&'p Window>,
    unused: UnusedSet,
    report: SourceReport,
    /// The granted actions kept because no report can show them unused.
    kept: BTreeSet<String>,
    /// Every action some `TrackedActionsLastAccessed` lists, lowercased.
    listed: BTreeSet<String>,
    used_services: BTreeSet<String>,
    seen_services: BTreeSet<String>,
}

impl ReportPass<'_, '_> {
    /// Whether `at` counts as a use: any time without a window, one inside it with one.
    fn recent(&self, at: Option<Timestamp>) -> bool {
        match (at, self.window) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(at), Some(window)) => window.is_recent(at),
        }
    }

    /// An action accessed recently means the service was, whatever its own
    /// time says: never call a service unused while one of its actions is used.
    fn service_used(&self, service: &ServiceLastAccessed) -> bool {
        self.recent(service.last_authenticated)
            || service
                .tracked_actions
                .iter()
                .flatten()
                .any(|a| self.recent(a.last_accessed))
    }

    /// A service not called: unused whole, or action by action when it has
    /// permission-only actions.
    fn never_used_service(&mut self, namespace: &str) {
        let prefix = format!("{namespace}:");
        let actions = self.known.with_prefix(&prefix);
        self.report.services_never_used.push(namespace.to_string());
        if !actions.iter().any(|a| is_permission_only(a)) {
            self.unused.insert_service(namespace, None);
            return;
        }
        // Not the whole service: its permission-only actions are used
        // while other services are called, so they must stay.
        // Only the granted ones need listing: an action no statement
        // grants is never placed by the refinement anyway.
        for action in actions {
            if !self.granted.contains_key(&action.to_ascii_lowercase()) {
                continue;
            }
            if !is_permission_only(action) {
                self.unused.insert_action(action, None);
            } else {
                self.report.permission_only_kept.push(action.to_string());
                self.kept.insert(action.to_ascii_lowercase());
            }
        }
    }

    /// A service called: its tracked actions the report lists as not
    /// accessed (recently) are unused.
    fn used_service(&mut self, service: &ServiceLastAccessed) {
        self.used_services.insert(service.namespace.clone());
        let mut reported: BTreeMap<String, bool> = BTreeMap::new();
        for action in service.tracked_actions.iter().flatten() {
            let name = format!("{}:{}", service.namespace, action.name);
            self.listed.insert(name.to_ascii_lowercase());
            let was_recent = self.recent(action.last_accessed);
            reported
                .entry(name.to_ascii_lowercase())
                .and_modify(|r| *r |= was_recent)
                .or_insert(was_recent);
        }
        for (lower, was_recent) in reported {
            if was_recent {
                continue;
            }
            let tracked = self
                .table
                .get(&lower)
                .is_some_and(|row| row.last_accessed_tracked);
            // The catalog decides what is tracked: IAM listing an action the
            // catalog marks untracked (or does not know) is not enough.
            if tracked && !is_permission_only(&lower) {
                let name = self
                    .known
                    .canonical(&lower)
                    .map_or(lower.clone(), str::to_string);
                self.unused.insert_action(&name, None);
                self.report.actions_unused.push(&name);
            }
        }
    }

    /// What stays granted in the used services without being tracked, and
    /// a note on the tracked ones the report does not list.
    fn keep_unlisted_granted(&mut self) {
        let mut not_listed: Vec<&str> = Vec::new();
        for (lower, name) in self.granted {
            let (service, _) = split_action(lower);
            if !self.used_services.contains(service) || self.unused.contains(lower) {
                continue;
            }
            if keep_unobservable(lower, name, self.table, &mut self.report, &mut self.kept) {
                continue;
            }
            if !self.listed.contains(lower) {
                not_listed.push(name.as_str());
            }
        }
        if !not_listed.is_empty() {
            self.report.notes.push(format!(
                "{} granted action(s) that the catalog marks tracked are not in the report, so they stay: {}",
                not_listed.len(),
                first_few(&not_listed)
            ));
        }
    }

    /// A note on the granted services the report does not list.
    fn note_unseen_services(&mut self) {
        let unseen: BTreeSet<&str> = self
            .granted
            .keys()
            .map(|a| split_action(a).0)
            .filter(|s| !self.seen_services.contains(*s))
            .collect();
        if !unseen.is_empty() {
            self.report.notes.push(format!(
                "nothing inferred for {} granted service(s) that the report does not list: {}",
                unseen.len(),
                unseen
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }

    /// Notes on what the report cannot show: a service-level job, a
    /// truncated report, the window.
    fn note_report_limits(&mut self, data: &LastAccessed) {
        let notes = &mut self.report.notes;
        if data.job_type.as_deref() == Some("SERVICE_LEVEL") {
            notes.push(
                "the job was generated at `SERVICE_LEVEL`: only unused services can be inferred (generate it with `--granularity ACTION_LEVEL`)"
                    .to_string(),
            );
        }
        if data.is_truncated {
            notes.push(
                "the report is truncated (`IsTruncated`): services on later pages were not considered"
                    .to_string(),
            );
        }
        if let Some(window) = self.window {
            notes.push(format!(
                "unused means not accessed since {} ({} day(s) before {})",
                window.cutoff(),
                window.days,
                window.as_of
            ));
        }
    }
}

/// Sorts and deduplicates the report's lists, so output is deterministic.
pub(super) fn finish(report: &mut SourceReport) {
    report.actions_unused.sort_dedup();
    for list in [
        &mut report.services_never_used,
        &mut report.untracked_kept,
        &mut report.permission_only_kept,
        &mut report.recently_used,
    ] {
        list.sort_by(|a, b| crate::table::cmp_ci(a, b));
        list.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    }
}

impl LastAccessed {
    /// Every tracked action the report names, as `service:Action`.
    pub fn action_names(&self) -> Vec<String> {
        self.services
            .iter()
            .flat_map(|s| {
                s.tracked_actions
                    .iter()
                    .flatten()
                    .map(move |a| format!("{}:{}", s.namespace, a.name))
            })
            .collect()
    }
}
