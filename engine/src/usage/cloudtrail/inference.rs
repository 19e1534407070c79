//! From operations to actions, and to what is unused: the event table as an
//! [`EventMap`], what each principal used ([`ObservedUsage`]), which actions
//! the trail could show at all ([`Observability`]) and the inference
//! ([`from_cloudtrail`]).

use super::*;

/// What the event table says one CloudTrail event stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventActions {
    /// The IAM actions (`service:Action`) the operation authorizes; all of
    /// them count as used (the safe direction).
    Actions(Vec<String>),
    /// The table knows no service of that `eventSource`.
    UnknownSource,
    /// The service is known, the operation is not.
    UnknownEvent,
}

/// The event → actions table, as the CloudTrail source reads it (the
/// catalog's generated table in `pare`, a few literal rows in tests).
pub trait EventMap {
    /// The actions an event authorizes.
    fn actions(&self, source: &str, name: &str) -> EventActions;
    /// The IAM service prefix of an event source, when the table knows it.
    fn prefix(&self, source: &str) -> Option<String>;
    /// Every operation the table knows: event source, event name, and the
    /// actions it authorizes.
    fn operations(&self) -> Vec<(String, String, Vec<String>)>;
}

impl EventMap for crate::events::EventTable<'_> {
    fn actions(&self, source: &str, name: &str) -> EventActions {
        match self.lookup(source, name) {
            crate::events::EventLookup::Actions(actions) => {
                EventActions::Actions(actions.iter().map(|a| a.to_string()).collect())
            }
            crate::events::EventLookup::UnknownSource => EventActions::UnknownSource,
            crate::events::EventLookup::UnknownEvent => EventActions::UnknownEvent,
        }
    }

    fn prefix(&self, source: &str) -> Option<String> {
        // The service of a source's first operation; every row of a source
        // names actions of its own service but for a few cross-service ones.
        let rows = self.source_rows(source);
        let mut prefixes: Vec<&str> = rows
            .iter()
            .flat_map(|row| row.actions.iter().map(|a| split_action(a).0))
            .collect();
        prefixes.sort_unstable();
        let most = prefixes
            .chunk_by(|a, b| a == b)
            .max_by_key(|run| run.len())?;
        most.first().map(|p| p.to_ascii_lowercase())
    }

    fn operations(&self) -> Vec<(String, String, Vec<String>)> {
        self.rows()
            .iter()
            .map(|row| {
                (
                    row.event_source.to_string(),
                    row.event_name.to_string(),
                    row.actions.iter().map(|a| a.to_string()).collect(),
                )
            })
            .collect()
    }
}

/// One action a principal used, with when and how often.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionUse {
    /// `service:Action`, in the catalog's spelling when it knows the action.
    pub name: String,
    /// Over every event that authorized it.
    pub seen: Seen,
}

/// What one principal used, in actions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObservedUsage {
    /// The principal's ARN.
    pub principal: String,
    /// Lowercased action name to its use.
    pub actions: BTreeMap<String, ActionUse>,
    /// Operations the table could not map, with their counts.
    pub unmapped: Vec<Call>,
    /// Service prefixes that have unmapped operations: their actions stay.
    pub unmapped_services: BTreeSet<String>,
    /// Operations the table could not map that need no permission
    /// (`needs_no_permission`): counted apart, they keep no service.
    pub no_permission: Vec<Call>,
}

impl ObservedUsage {
    /// Counts `seen` for `action` (a name as the table gives it).
    pub fn add(&mut self, action: &str, seen: &Seen, table: ActionTable<'_>) {
        let name = match table.get(action) {
            Some(row) => row.name.to_string(),
            None => {
                let (service, rest) = split_action(action);
                format!("{}:{rest}", service.to_ascii_lowercase())
            }
        };
        self.actions
            .entry(name.to_ascii_lowercase())
            .and_modify(|u| u.seen.merge(seen))
            .or_insert(ActionUse { name, seen: *seen });
    }
}

impl CloudTrail {
    /// What `arn` used, in actions: each operation through `events`; an
    /// operation the table does not know counts for `prefix:eventName` (its
    /// API version stripped) when the catalog knows that action, and is
    /// reported as unmapped otherwise.
    pub fn usage_of(
        &self,
        arn: &str,
        events: &dyn EventMap,
        table: ActionTable<'_>,
    ) -> ObservedUsage {
        usage_from_calls(arn, self.calls_of(arn), events, table)
    }

    /// [`CloudTrail::usage_of`] without the sessions of a role of that name
    /// whose path the logs did not show: each key on its own, for a usage file.
    pub fn usage_of_exactly(
        &self,
        arn: &str,
        events: &dyn EventMap,
        table: ActionTable<'_>,
    ) -> ObservedUsage {
        let mut calls: Vec<Call> = Vec::new();
        for (source, names) in self.calls.get(arn).into_iter().flatten() {
            for (name, seen) in names {
                calls.push(Call {
                    source: source.clone(),
                    name: name.clone(),
                    seen: *seen,
                });
            }
        }
        calls.sort_by(|a, b| (&a.source, &a.name).cmp(&(&b.source, &b.name)));
        usage_from_calls(arn, calls, events, table)
    }

    /// The role ARNs rebuilt without their path.
    pub fn pathless(&self) -> &BTreeSet<String> {
        &self.pathless
    }
}

fn usage_from_calls(
    arn: &str,
    calls: Vec<Call>,
    events: &dyn EventMap,
    table: ActionTable<'_>,
) -> ObservedUsage {
    let mut usage = ObservedUsage {
        principal: arn.to_string(),
        ..ObservedUsage::default()
    };
    for call in calls {
        match events.actions(&call.source, &call.name) {
            EventActions::Actions(actions) => {
                for action in &actions {
                    usage.add(action, &call.seen, table);
                }
            }
            EventActions::UnknownSource | EventActions::UnknownEvent => {
                let prefix = events.prefix(&call.source).or_else(|| {
                    call.source
                        .strip_suffix(".amazonaws.com")
                        .filter(|p| !table.with_prefix(&format!("{p}:")).is_empty())
                        .map(str::to_ascii_lowercase)
                });
                let by_name = prefix.as_ref().and_then(|p| {
                    let versionless = strip_api_version(&call.name);
                    [Some(call.name.as_str()), versionless]
                        .into_iter()
                        .flatten()
                        .map(|n| format!("{p}:{n}"))
                        .find(|candidate| table.get(candidate).is_some())
                });
                match by_name {
                    Some(action) => usage.add(&action, &call.seen, table),
                    None if super::no_permission::needs_no_permission(&call.source, &call.name) => {
                        usage.no_permission.push(call);
                    }
                    None => {
                        if let Some(prefix) = prefix {
                            usage.unmapped_services.insert(prefix);
                        }
                        usage.unmapped.push(call);
                    }
                }
            }
        }
    }
    usage
}

/// Why CloudTrail cannot show an action's use.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unobservable {
    /// No operation the table knows authorizes it (console-only, or a
    /// permission checked inside other calls).
    NoOperation,
    /// An operation that authorizes it is a data event of this type, which
    /// the trail does not log (for this kind of action).
    DataEvent(&'static str),
    /// Its operations are management events the trail does not log: of this
    /// kind (`read`, `write`), or of an excluded event source.
    Management(String),
    /// An operation that authorizes it is served by this event source, which
    /// looks like a data plane of a service the data event table has no type
    /// for: AWS may log it as a data event newer than the table.
    DataPlane(String),
}

impl fmt::Display for Unobservable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unobservable::NoOperation => f.write_str("no logged operation authorizes them"),
            Unobservable::DataEvent(kind) => {
                write!(
                    f,
                    "authorized by `{kind}` data events, which the trail does not log"
                )
            }
            Unobservable::Management(what) => {
                write!(
                    f,
                    "authorized by {what} management events, which the trail does not log"
                )
            }
            Unobservable::DataPlane(source) => {
                write!(
                    f,
                    "authorized by operations of `{source}`, a data-plane endpoint whose data events the table does not know"
                )
            }
        }
    }
}

/// What the logs can show: the trail's configuration and, per action, the
/// operations that authorize it. Built once per run.
#[derive(Debug)]
pub struct Observability {
    /// What the trail logs.
    pub config: TrailConfig,
    /// Lowercased action to the (source, event name) pairs that authorize it.
    operations: HashMap<String, Vec<(String, String)>>,
}

impl Observability {
    /// Inverts `events` once.
    pub fn new(events: &dyn EventMap, config: TrailConfig) -> Observability {
        let mut operations: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for (source, name, actions) in events.operations() {
            for action in actions {
                operations
                    .entry(action.to_ascii_lowercase())
                    .or_default()
                    .push((source.clone(), name.clone()));
            }
        }
        Observability { config, operations }
    }

    /// Why the use of `action` (lowercased) of `write` kind would not show in
    /// the logs, or `None` when every operation that authorizes it is logged.
    ///
    /// An operation is logged when: it is a listed data operation of types
    /// the trail logs; or it may be a data event of types AWS does not list
    /// one by one, the trail logs all of them, and it logs the source's
    /// management events too (pare does not know which of the two it is); or
    /// it is a management event the trail logs, not served by what looks like
    /// a data plane of a service the data event table does not know. See
    /// `usage::data_events` for why.
    pub fn why_unobservable(&self, action: &str, write: bool) -> Option<Unobservable> {
        let Some(operations) = self.operations.get(action) else {
            return Some(Unobservable::NoOperation);
        };
        let prefix = split_action(action).0;
        for (source, name) in operations {
            let types = super::data_events::data_event_types(source, name, action);
            // Every type that may log the event must be logged (or one that
            // logs all of its events): a read through an S3 access point is
            // logged by `AWS::S3::Object`, but `AWS::S3::AccessPoint` alone
            // misses the reads that go to the bucket.
            if let Some(missing) = types.iter().find(|t| !self.config.logs_data(t, write)) {
                return Some(Unobservable::DataEvent(missing.resource_type));
            }
            if !types.is_empty() && types.iter().all(|t| t.is_listed()) {
                continue;
            }
            if types.is_empty()
                && super::data_events::looks_like_data_plane(source)
                && !super::data_events::has_data_event_types(prefix)
            {
                return Some(Unobservable::DataPlane(source.clone()));
            }
            if !self.config.logs_management(source, write) {
                let what = if self.config.excludes(source, write) {
                    format!("`{source}`")
                } else if write {
                    "write".to_string()
                } else {
                    "read".to_string()
                };
                return Some(Unobservable::Management(what));
            }
        }
        None
    }
}

/// Whether the catalog counts an action as a write: any level but Read and List.
fn is_write(access: AccessLevel) -> bool {
    access.bits() & !AccessLevel::LIST.bits() != 0
}

/// CloudTrail as a source: every known action the policies' Allow statements
/// grant becomes unused unless the principal used it within the window, or
/// the logs could not show its use: permission-only actions, actions no
/// logged operation authorizes, data events and management events the trail
/// does not log, and every action of a service with events the table could
/// not map. Each kept action is reported with its reason.
pub fn from_cloudtrail(
    policies: &[&Policy],
    usage: &ObservedUsage,
    observability: &Observability,
    table: ActionTable<'_>,
    window: Option<&Window>,
) -> Inference {
    let mut seen = UnusedSet::new();
    for used in usage.actions.values() {
        seen.insert_action(&used.name, None);
    }
    let known = Known::new(table, policies.iter().copied(), &seen);
    let grants = grants(policies, &known);
    let granted = granted_set(&grants);
    let mut verdicts = Verdicts::judge(&granted, usage, observability, table, window);
    verdicts.note_kept(observability);
    let report = &mut verdicts.report;
    report.notes.extend(calls_note(
        &usage.unmapped,
        "operation(s) the event table cannot map",
    ));
    report.notes.extend(calls_note(
        &usage.no_permission,
        "operation(s) that need no permission, counted for no action",
    ));
    if let Some(window) = window {
        verdicts.note_window(window);
    }
    let Verdicts {
        unused,
        mut report,
        kept,
        ..
    } = verdicts;
    let used_not_granted: Vec<&str> = usage
        .actions
        .iter()
        .filter(|(lower, _)| !granted.contains_key(*lower))
        .map(|(_, u)| u.name.as_str())
        .collect();
    if !used_not_granted.is_empty() {
        report.notes.push(format!(
            "{} used action(s) that no Allow statement grants (another policy may grant them): {}",
            used_not_granted.len(),
            first_few(&used_not_granted)
        ));
    }
    finish(&mut report);
    report.wildcards_kept_alive = kept_alive(&grants, &unused, &kept);
    Inference { unused, report }
}

/// What [`from_cloudtrail`] decided for each granted action: unused, or
/// kept and why.
struct Verdicts<'g> {
    unused: UnusedSet,
    report: SourceReport,
    /// The kept actions, lowercased.
    kept: BTreeSet<String>,
    /// The actions kept because the logs cannot show their use, by reason.
    reasons: BTreeMap<Unobservable, Vec<&'g str>>,
    /// The actions used, but only before the window.
    before_window: Vec<&'g str>,
    /// The actions kept because their service has events the table cannot map.
    unmapped_service: Vec<&'g str>,
}

impl<'g> Verdicts<'g> {
    /// Each granted action (lowercased, with its name) in turn: used within
    /// the window, kept because no log can show it, or unused.
    fn judge(
        granted: &'g BTreeMap<String, String>,
        usage: &ObservedUsage,
        observability: &Observability,
        table: ActionTable<'_>,
        window: Option<&Window>,
    ) -> Verdicts<'g> {
        let mut verdicts = Verdicts {
            unused: UnusedSet::new(),
            report: SourceReport::new(UsageSource::CloudTrail),
            kept: BTreeSet::new(),
            reasons: BTreeMap::new(),
            before_window: Vec::new(),
            unmapped_service: Vec::new(),
        };
        for (lower, name) in granted {
            if let Some(used) = usage.actions.get(lower) {
                if window.is_none_or(|w| w.is_recent(used.seen.last)) {
                    continue;
                }
                verdicts.before_window.push(name);
            }
            if is_permission_only(lower) {
                verdicts.report.permission_only_kept.push(name.clone());
                verdicts.kept.insert(lower.clone());
                continue;
            }
            let Some(row) = table.get(lower) else {
                verdicts.keep_untracked(lower, name);
                continue;
            };
            if usage.unmapped_services.contains(row.service()) {
                verdicts.unmapped_service.push(name);
                verdicts.keep_untracked(lower, name);
                continue;
            }
            if let Some(reason) = observability.why_unobservable(lower, is_write(row.access)) {
                verdicts.reasons.entry(reason).or_default().push(name);
                verdicts.keep_untracked(lower, name);
                continue;
            }
            verdicts.unused.insert_action(name, None);
            verdicts.report.actions_unused.push(name);
        }
        verdicts
    }

    /// Keeps a granted action the logs cannot show unused.
    fn keep_untracked(&mut self, lower: &str, name: &str) {
        self.report.untracked_kept.push(name.to_string());
        self.kept.insert(lower.to_string());
    }

    /// What the trail logs, and the kept actions by reason.
    fn note_kept(&mut self, observability: &Observability) {
        let notes = &mut self.report.notes;
        notes.push(observability.config.describe());
        notes.extend(observability.config.all_notes());
        for (reason, names) in &self.reasons {
            notes.push(format!(
                "{} granted action(s) kept, {reason}: {}",
                names.len(),
                first_few(names)
            ));
        }
        if !self.unmapped_service.is_empty() {
            notes.push(format!(
                "{} granted action(s) kept because their service has events the table cannot map: {}",
                self.unmapped_service.len(),
                first_few(&self.unmapped_service)
            ));
        }
    }

    /// The actions used only before the window, and what the window means.
    fn note_window(&mut self, window: &Window) {
        if !self.before_window.is_empty() {
            self.report.notes.push(format!(
                "{} granted action(s) used only before {}: {}",
                self.before_window.len(),
                window.cutoff(),
                first_few(&self.before_window)
            ));
        }
        self.report.notes.push(format!(
            "unused means not called since {} ({} day(s) before {})",
            window.cutoff(),
            window.days,
            window.as_of
        ));
    }
}

/// A note on calls counted for no action (`what` they are), when there are any.
fn calls_note(calls: &[Call], what: &str) -> Option<String> {
    if calls.is_empty() {
        return None;
    }
    let total: u64 = calls.iter().map(|c| c.seen.count).sum();
    let examples: Vec<String> = calls
        .iter()
        .map(|c| format!("{} {}", c.source, c.name))
        .collect();
    let examples: Vec<&str> = examples.iter().map(String::as_str).collect();
    Some(format!(
        "{total} event(s) of {} {what}: {}",
        calls.len(),
        first_few(&examples)
    ))
}
