//! The unused list: which actions a principal did not use.
//!
//! Read from the founding article's bare array, from `get-finding-v2` output
//! (one finding, an array of them, or JSON Lines), or from plain text with one
//! `service:Action` per line.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, Location};
use crate::json;
use crate::policy::{join, kind};
use crate::table::{cmp_ci, gallop, split_action};

/// A service reported wholly unused: every action of it, known or not.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct UnusedService {
    /// The service prefix, lowercase.
    pub name: String,
    /// When the service was last used, if ever.
    pub last_accessed: Option<String>,
}

/// The set U of unused actions, compared case-insensitively.
///
/// The actions are sorted case-insensitively, one entry per action, their
/// names in one buffer ([`list`]): an account's findings hold a hundred
/// thousand of them, and an unused list can hold millions. The buffer is
/// shared: cloning a set, or the lists made from it (K's extras, a source's
/// report, the remarks about it), copies no name; changing a shared set
/// copies it first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnusedSet {
    actions: Arc<NameList>,
    services: BTreeMap<String, UnusedService>,
}

impl UnusedSet {
    /// An empty set.
    pub fn new() -> UnusedSet {
        UnusedSet::default()
    }

    /// Adds one action (`service:Action`). A set holds up to 4 GiB of
    /// names (readers refuse larger lists); past that, the action is left
    /// out, which keeps it granted.
    pub fn insert_action(&mut self, name: &str, last_accessed: Option<String>) {
        self.insert(UnusedAction {
            name: &action_name(name),
            last_accessed: last_accessed.as_deref(),
        });
    }

    /// Adds one action as another set holds it. The first entry for an
    /// action wins.
    pub fn insert(&mut self, action: UnusedAction<'_>) {
        let UnusedAction {
            name,
            last_accessed: last,
        } = action;
        let at = match self.actions.entries().last() {
            None => 0,
            Some(e) if cmp_ci(self.actions.name_of(e), name) == Ordering::Less => {
                self.actions.len()
            }
            Some(_) => match self.find(name) {
                Ok(_) => return,
                Err(at) => at,
            },
        };
        let list = Arc::make_mut(&mut self.actions);
        if let Some(entry) = list.place(name, last) {
            list.insert_entry(at, entry);
        }
    }

    /// Makes room for `additional` more actions.
    pub fn reserve(&mut self, additional: usize) {
        Arc::make_mut(&mut self.actions).reserve(additional);
    }

    /// Makes room for `actions` more actions of `bytes` bytes of names in
    /// all (a reader's estimate: room never used is never touched, while
    /// growing a buffer of millions of names by doubling held the old and
    /// the new one together).
    fn reserve_names(&mut self, actions: usize, bytes: usize) {
        let list = Arc::make_mut(&mut self.actions);
        list.reserve(actions);
        list.reserve_text(bytes);
    }

    /// Marks a whole service unused.
    pub fn insert_service(&mut self, service: &str, last_accessed: Option<String>) {
        let name = service.to_ascii_lowercase();
        self.services.entry(name.clone()).or_insert(UnusedService {
            name,
            last_accessed,
        });
    }

    /// Adds everything of `other`.
    pub fn extend(&mut self, other: &UnusedSet) {
        self.absorb(other.clone());
        self.settle();
    }

    /// Takes everything of `other`, its actions pushed unsorted: readers
    /// absorb whole lists, then settle once. A set with no actions takes
    /// `other`'s as they are.
    fn absorb(&mut self, other: UnusedSet) {
        if self.actions.is_empty() {
            self.actions = other.actions;
        } else if !other.actions.is_empty() {
            let list = Arc::make_mut(&mut self.actions);
            list.reserve(other.actions.len());
            for action in other.actions.iter() {
                list.push(action.name, action.last_accessed);
            }
        }
        for service in other.services.into_values() {
            self.insert_service(&service.name, service.last_accessed);
        }
    }

    /// Pushes one action unsorted (a reader settles the set once at the
    /// end). `false` when the set's buffer is full.
    fn push(&mut self, name: &str, last: Option<&str>) -> bool {
        Arc::make_mut(&mut self.actions).push(name, last)
    }

    /// The actions listed one by one, sorted.
    pub fn actions(&self) -> impl ExactSizeIterator<Item = UnusedAction<'_>> + '_ {
        self.actions.iter()
    }

    /// The storage of the actions, for lists that share it.
    pub(crate) fn list(&self) -> &Arc<NameList> {
        &self.actions
    }

    /// The services reported wholly unused, sorted.
    pub fn services(&self) -> impl Iterator<Item = &UnusedService> {
        self.services.values()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty() && self.services.is_empty()
    }

    /// Whether `action` is unused: listed, or its service is wholly unused.
    pub fn contains(&self, action: &str) -> bool {
        let (service, _) = split_action(action);
        self.is_service_unused(service) || self.find(action).is_ok()
    }

    /// [`UnusedSet::contains`] for names asked in sorted order (ASCII
    /// case-insensitively), as a refinement classes the known actions of a
    /// range: a cursor steps through the set beside them (galloping, so a
    /// set far larger than the names costs the log of each gap), not a binary
    /// search each. A name asked out of order gets the binary search, so
    /// every answer is right in any order.
    pub(crate) fn contains_in_order(&self) -> impl FnMut(&str) -> bool + '_ {
        // Every action before `at` sorts before, or is, the last name asked.
        let mut at = 0;
        let mut service_unused = self.service_unused_by_run();
        let list = &*self.actions;
        move |action| {
            if service_unused(action) {
                return true;
            }
            let passed = at > 0
                && list
                    .entries()
                    .get(at - 1)
                    .is_some_and(|a| cmp_ci(list.name_of(a), action).is_ge());
            if passed {
                return self.find(action).is_ok();
            }
            // Most often the cursor is already there: one comparison.
            match list
                .entries()
                .get(at)
                .map(|a| cmp_ci(list.name_of(a), action))
            {
                None | Some(Ordering::Greater) => return false,
                Some(Ordering::Equal) => {
                    at += 1;
                    return true;
                }
                Some(Ordering::Less) => at += 1,
            }
            let rest = list.entries().get(at..).unwrap_or(&[]);
            at += gallop(rest, |a| cmp_ci(list.name_of(a), action).is_lt());
            let found = list
                .entries()
                .get(at)
                .is_some_and(|a| cmp_ci(list.name_of(a), action).is_eq());
            at += usize::from(found);
            found
        }
    }

    /// [`UnusedSet::contains`] for each of `names` (sorted case-insensitively
    /// for speed; see [`UnusedSet::contains_in_order`]).
    ///
    /// The names and the listed actions are merged, a comparison a step
    /// (about half of what a cursor's lookups cost). An answer `true` comes
    /// only from a listed action equal to the name or from its service being
    /// wholly unused, so names out of order (no caller gives them: K is
    /// sorted) could only lose a removal, never make one.
    pub(crate) fn contains_each_sorted(&self, names: &[&str]) -> Vec<bool> {
        debug_assert!(names.is_sorted_by(|a, b| cmp_ci(a, b).is_le()));
        let mut out = Vec::with_capacity(names.len());
        // The first listed action not before the first name.
        let list = &*self.actions;
        let mut at = names.first().map_or(0, |first| {
            list.entries()
                .partition_point(|a| cmp_ci(list.name_of(a), first).is_lt())
        });
        let mut service_unused = self.service_unused_by_run();
        for name in names {
            if service_unused(name) {
                out.push(true);
                continue;
            }
            let found = loop {
                match list
                    .entries()
                    .get(at)
                    .map(|a| cmp_ci(list.name_of(a), name))
                {
                    None | Some(Ordering::Greater) => break false,
                    Some(Ordering::Equal) => break true,
                    Some(Ordering::Less) => at += 1,
                }
            };
            out.push(found);
        }
        out
    }

    /// Whether a name's service is wholly unused, looked up once for each
    /// run of names of one service (sorted names come in such runs).
    fn service_unused_by_run(&self) -> impl FnMut(&str) -> bool + '_ {
        let mut seen = String::new();
        let mut unused = false;
        move |name| {
            if self.services.is_empty() {
                return false;
            }
            let (service, _) = split_action(name);
            if !seen.eq_ignore_ascii_case(service) {
                seen.clear();
                seen.push_str(service);
                unused = self.is_service_unused(service);
            }
            unused
        }
    }

    /// Whether the whole service is unused.
    pub fn is_service_unused(&self, service: &str) -> bool {
        !self.services.is_empty() && with_lowercase(service, |key| self.services.contains_key(key))
    }

    /// What both sets call unused (actions, or whole services). Several
    /// sources, or several principals sharing a policy, agree this way: an
    /// action leaves only when every one of them says it is unused.
    pub fn intersection(&self, other: &UnusedSet) -> UnusedSet {
        let mut out = UnusedSet::new();
        for service in self.services() {
            if other.is_service_unused(&service.name) {
                out.insert_service(&service.name, service.last_accessed.clone());
            }
        }
        // An action listed by one set may be unused in the other through its
        // whole service: look from both sides.
        for (action, within) in self
            .actions()
            .map(|a| (a, other))
            .chain(other.actions().map(|a| (a, self)))
        {
            if within.contains(action.name) {
                out.push(action.name, action.last_accessed);
            }
        }
        out.settle();
        out
    }

    /// Keeps only what `keep` accepts (used by sources that filter by age).
    pub fn retain_actions(&mut self, keep: impl FnMut(UnusedAction<'_>) -> bool) {
        Arc::make_mut(&mut self.actions).retain(keep);
    }

    /// Where `action` is, or would go, in the sorted actions.
    fn find(&self, action: &str) -> Result<usize, usize> {
        self.actions.find(action)
    }

    /// Sorts actions pushed in any order and keeps the first entry of each:
    /// readers push a whole list, then settle it once. A settled set, shared
    /// or not, is left as it is.
    fn settle(&mut self) {
        if let Some(list) = Arc::get_mut(&mut self.actions) {
            list.settle();
        } else if !self.actions.is_settled() {
            Arc::make_mut(&mut self.actions).settle();
        }
    }

    /// Reads any supported unused-list format: [`read_unused`] with no
    /// principal chosen, so findings for several principals are an error.
    pub fn parse(text: &str) -> Result<UnusedSet, Error> {
        read_unused(text, None).map(|read| read.set)
    }

    /// [`UnusedSet::parse`] of a text the set may keep: a text list becomes
    /// the set's own buffer instead of being copied.
    pub fn parse_owned(text: String) -> Result<UnusedSet, Error> {
        read_unused_owned(text, None).map(|read| read.set)
    }
}

/// An unused list as read, with what became of its findings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnusedRead {
    /// The set U: the active `UnusedPermission` findings of the principal,
    /// and every bare `serviceNamespace` entry or text line.
    pub set: UnusedSet,
    /// The principal whose findings were taken, when the findings name one.
    pub principal: Option<String>,
    /// How many `get-finding-v2` findings were read.
    pub findings: usize,
    /// How many active `UnusedPermission` findings were applied.
    pub applied: usize,
    /// `ARCHIVED` findings of the principal, skipped.
    pub archived: usize,
    /// `RESOLVED` findings of the principal, skipped.
    pub resolved: usize,
    /// Findings of the principal of other types (`UnusedIAMRole`, ...), skipped: id and type.
    pub other_types: Vec<(String, String)>,
    /// Findings of other principals, left out because one was chosen.
    pub other_principals: usize,
}

impl UnusedRead {
    /// Whether findings were read and none of them is an active
    /// `UnusedPermission` one: there is nothing to apply.
    pub fn nothing_active(&self) -> bool {
        self.findings > 0 && self.applied == 0 && self.set.is_empty()
    }

    /// One sentence per fact worth the user's attention.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some(principal) = &self.principal {
            if self.other_principals > 0 {
                notes.push(format!(
                    "took the findings for `{principal}`; {} finding(s) for other principals left out",
                    self.other_principals
                ));
            }
        }
        let inactive: Vec<String> = [("ARCHIVED", self.archived), ("RESOLVED", self.resolved)]
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(status, n)| format!("{n} {status}"))
            .collect();
        if !inactive.is_empty() {
            notes.push(format!(
                "skipped {} finding(s): they are no longer in force",
                inactive.join(" and ")
            ));
        }
        for (id, kind) in &self.other_types {
            notes.push(format!(
                "skipped finding `{id}` of type `{kind}`: it lists no unused actions (only `UnusedPermission` findings do)"
            ));
        }
        if self.nothing_active() {
            notes.push(
                "no active `UnusedPermission` finding is left: nothing is unused, and the policy is kept as written"
                    .to_string(),
            );
        }
        notes
    }
}

/// Reads any supported unused-list format. Findings are per principal: when
/// they name several (`resource`), `principal` must choose one, or reading
/// fails; `ARCHIVED` and `RESOLVED` findings and findings of other types are
/// skipped and counted (other types alone, with no `UnusedPermission`
/// finding, are an error: such a list says nothing about actions).
pub fn read_unused(text: &str, principal: Option<&str>) -> Result<UnusedRead, Error> {
    read_unused_cow(Cow::Borrowed(text), principal)
}

/// [`read_unused`] of a text the set may keep: a text list (one action a
/// line) becomes the set's own buffer instead of being copied, so a list of
/// millions of actions is in memory once.
pub fn read_unused_owned(text: String, principal: Option<&str>) -> Result<UnusedRead, Error> {
    read_unused_cow(Cow::Owned(text), principal)
}

fn read_unused_cow(whole: Cow<'_, str>, principal: Option<&str>) -> Result<UnusedRead, Error> {
    let skip = whole.len() - json::strip_bom(&whole).len();
    let trimmed = whole.get(skip..).unwrap_or_default().trim_start();
    if !(trimmed.starts_with('[') || trimmed.starts_with('{')) {
        if let Some(principal) = principal {
            return Err(no_principals(principal));
        }
        return parse_text(whole.into_owned(), skip).map(|set| UnusedRead {
            set,
            ..UnusedRead::default()
        });
    }
    // Read without a JSON tree when the input is clean; the strict reader
    // decides anything else (and gives every error).
    let fast::Gathered { set, findings } =
        fast::read_list(&whole).map_or_else(|| gather(&whole), Ok)?;
    // The names are in the set's buffer now: the text can go.
    drop(whole);
    choose(set, findings, principal)
}

/// The strict reader: the whole input as JSON values, then their items.
fn gather(text: &str) -> Result<fast::Gathered, Error> {
    let mut set = UnusedSet::new();
    let mut names = Names::default();
    let mut findings: Vec<(Finding, String)> = Vec::new();
    let values = json::parse_stream(text)?;
    if values.is_empty() {
        return Err(Error::shape("", "the unused list is empty"));
    }
    for (n, value) in values.iter().enumerate() {
        let base = if values.len() == 1 {
            String::new()
        } else {
            format!("<value {}>", n + 1)
        };
        for (path, item) in items_of(value, &base)? {
            read_item(item, &path, &mut set, &mut names, &mut findings)?;
        }
    }
    Ok(fast::Gathered { set, findings })
}

/// The set of the bare entries and of the findings of the principal chosen
/// (or the only one), with what became of the other findings.
fn choose(
    set: UnusedSet,
    findings: Vec<(Finding, String)>,
    principal: Option<&str>,
) -> Result<UnusedRead, Error> {
    let mut read = UnusedRead {
        set,
        ..UnusedRead::default()
    };
    read.findings = findings.len();
    let principals = principals_of(findings.iter().map(|(f, _)| f));
    let chosen: Option<String> = match (principal, principals.as_slice()) {
        (Some(wanted), _) => {
            let found = principals
                .iter()
                .find(|p| p.eq_ignore_ascii_case(wanted))
                .cloned();
            match found {
                Some(found) => Some(found),
                None if principals.is_empty() => return Err(no_principals(wanted)),
                None => {
                    return Err(about_the_whole(format!(
                        "no finding is for `{wanted}`; the findings are for {}",
                        listed(&principals)
                    )));
                }
            }
        }
        (None, [] | [_]) => principals.first().cloned(),
        (None, several) => {
            return Err(about_the_whole(format!(
                "the findings are for {} principals ({}): findings are per principal, and what one principal does not use another may; choose one with `--principal ARN`, or refine every principal of an account with `pare account`",
                several.len(),
                listed(several)
            )));
        }
    };
    let mut first_other: Option<(Finding, String)> = None;
    let mut any_unused_permission = false;
    for (finding, path) in findings {
        if let Some(chosen) = &chosen {
            if !principal_name(&finding).eq_ignore_ascii_case(chosen) {
                read.other_principals += 1;
                continue;
            }
        }
        if finding.finding_type != "UnusedPermission" {
            read.other_types
                .push((finding.id.clone(), finding.finding_type.clone()));
            first_other.get_or_insert((finding, path));
            continue;
        }
        any_unused_permission = true;
        match finding.status.as_str() {
            "ARCHIVED" => read.archived += 1,
            "RESOLVED" => read.resolved += 1,
            _ => {
                read.applied += 1;
                read.set.absorb(finding.unused);
            }
        }
    }
    if let Some((finding, path)) = first_other {
        if !any_unused_permission && read.set.is_empty() {
            return Err(Error::shape(
                join(&path, "findingType"),
                format!(
                    "finding `{}` is of type `{}`, which lists no unused actions (expected `UnusedPermission`)",
                    finding.id, finding.finding_type
                ),
            ));
        }
    }
    read.principal = chosen;
    read.set.settle();
    Ok(read)
}

/// How a finding names its principal: its `resource`, or a stand-in when it has none.
fn principal_name(finding: &Finding) -> &str {
    if finding.resource.is_empty() {
        NO_RESOURCE
    } else {
        &finding.resource
    }
}

/// The principal of a finding without `resource`: one of its own, so that it
/// never joins another principal's findings unnoticed.
const NO_RESOURCE: &str = "(a finding without `resource`)";

/// The distinct principals of `findings`, sorted.
fn principals_of<'f>(findings: impl Iterator<Item = &'f Finding>) -> Vec<String> {
    let mut principals: Vec<String> = findings.map(|f| principal_name(f).to_string()).collect();
    principals.sort_by(|a, b| cmp_ci(a, b));
    principals.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    principals
}

/// "`a`, `b` and 3 more".
fn listed(principals: &[String]) -> String {
    const SHOWN: usize = 5;
    let shown: Vec<String> = principals
        .iter()
        .take(SHOWN)
        .map(|p| {
            if p == NO_RESOURCE {
                p.clone()
            } else {
                format!("`{p}`")
            }
        })
        .collect();
    let more = principals.len().saturating_sub(SHOWN);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

fn no_principals(wanted: &str) -> Error {
    about_the_whole(format!(
        "a principal was chosen (`{wanted}`), but the unused list has no `get-finding-v2` finding naming one"
    ))
}

/// An error about the list as a whole, which no one place of it is to blame for.
fn about_the_whole(message: String) -> Error {
    Error {
        kind: ErrorKind::Shape,
        location: None,
        message,
    }
}

/// `service:Action` with the service lowercased, as sets hold names.
fn action_name(name: &str) -> String {
    let (service, action) = split_action(name);
    format!("{}:{action}", service.to_ascii_lowercase())
}

/// One copy of each date a reader meets: an account's findings repeat the
/// same dates thousands of times. (Names are copied into each set's buffer,
/// which takes less than a pointer to a shared copy did.)
#[derive(Default)]
struct Names(HashSet<Arc<str>>);

impl Names {
    fn get(&mut self, text: &str) -> Arc<str> {
        if let Some(known) = self.0.get(text) {
            return Arc::clone(known);
        }
        let shared: Arc<str> = Arc::from(text);
        self.0.insert(Arc::clone(&shared));
        shared
    }
}

/// Calls `f` with `text` ASCII-lowercased, in a stack buffer when it fits.
/// `contains` runs for every known action a wide entry matches; allocating a
/// lowercased copy each time was a measurable share of a refinement.
fn with_lowercase<R>(text: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut buffer = [0u8; 128];
    if let Some(slot) = buffer.get_mut(..text.len()) {
        slot.copy_from_slice(text.as_bytes());
        slot.make_ascii_lowercase();
        // Lowercasing ASCII bytes keeps UTF-8 valid, so this always succeeds.
        if let Ok(lowercase) = std::str::from_utf8(slot) {
            return f(lowercase);
        }
    }
    f(&text.to_ascii_lowercase())
}

/// One element of the top level: a finding or a bare detail entry.
fn read_item(
    item: &Value,
    path: &str,
    set: &mut UnusedSet,
    names: &mut Names,
    findings: &mut Vec<(Finding, String)>,
) -> Result<(), Error> {
    let Value::Object(object) = item else {
        return Err(Error::shape(
            path,
            format!(
                "expected a finding or a `serviceNamespace` entry, found {}",
                kind(item)
            ),
        ));
    };
    if object.contains_key("serviceNamespace") {
        read_details(object, path, set, names)
    } else if object.contains_key("findingType") || object.contains_key("findingDetails") {
        findings.push((Finding::from_object(object, path, names)?, path.to_string()));
        Ok(())
    } else if ocsf::is_ocsf(object) {
        findings.push((ocsf::finding(object, path, names)?, path.to_string()));
        Ok(())
    } else if let Some(hint) = list_findings_hint(object) {
        Err(Error::shape(path, hint))
    } else {
        Err(Error::shape(
            path,
            "expected a `get-finding-v2` finding, a Security Hub (OCSF) finding or an entry with `serviceNamespace`",
        ))
    }
}

/// For `list-findings-v2` output (`{"findings": [...]}`), which names the
/// findings but not their unused actions: what to run instead.
fn list_findings_hint(object: &Map<String, Value>) -> Option<String> {
    let Some(Value::Array(listed)) = object.get("findings") else {
        return None;
    };
    let ids: Vec<String> = listed
        .iter()
        .filter_map(|f| f.get("id").and_then(Value::as_str))
        .take(3)
        .map(|id| format!("`{id}`"))
        .collect();
    let which = match (ids.as_slice(), listed.len()) {
        ([], _) => String::new(),
        (_, n) if n > ids.len() => format!(" ({}, and {} more)", ids.join(", "), n - ids.len()),
        _ => format!(" ({})", ids.join(", ")),
    };
    Some(format!(
        "this is `list-findings-v2` output, which lists findings without their unused actions; run `aws accessanalyzer get-finding-v2 --analyzer-arn ARN --id ID` for each finding{which} and pass their outputs instead (as JSON Lines or one JSON array)"
    ))
}

/// An `unusedPermissionDetails` object (or the article's simplified entry).
/// Its actions are pushed unsorted: the caller settles the set.
fn read_details(
    object: &Map<String, Value>,
    path: &str,
    set: &mut UnusedSet,
    names: &mut Names,
) -> Result<(), Error> {
    let service = read_namespace(object, path)?;
    let service_last = optional_string(object, "lastAccessed", path)?;
    let actions = match object.get("actions") {
        None | Some(Value::Null) => {
            // Without `actions` the whole service is unused: a misspelled
            // `actions` must not silently widen the list to every action.
            if let Some(key) = object
                .keys()
                .find(|k| !matches!(k.as_str(), "serviceNamespace" | "lastAccessed" | "actions"))
            {
                return Err(Error::shape(
                    join(path, key),
                    format!(
                        "unexpected key `{key}` in an entry without `actions` (such an entry marks all of `{service}` unused; is it a misspelling of `actions`?)"
                    ),
                ));
            }
            set.insert_service(&service, service_last);
            return Ok(());
        }
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(Error::shape(
                join(path, "actions"),
                format!("`actions` must be an array, found {}", kind(other)),
            ));
        }
    };
    // One buffer for every name: an organization's findings list millions.
    let mut name = String::new();
    for (i, item) in actions.iter().enumerate() {
        // The item's path is built only for its error (it was an allocation
        // per action read); the same item fails the same way again.
        let (action, last) = read_detail_action(item, "", &service).or_else(|_| {
            read_detail_action(item, &format!("{}[{i}]", join(path, "actions")), &service)
        })?;
        name.clear();
        name.push_str(&service);
        name.push(':');
        name.push_str(action);
        let last = last.map(|last| names.get(&last));
        if !set.push(&name, last.as_deref()) {
            return Err(Error::shape(path, too_large()));
        }
    }
    Ok(())
}

/// Why a list is refused when its names pass what a set holds.
fn too_large() -> String {
    format!(
        "the unused list names more than {} GiB of actions, more than pare holds in one set",
        list::MAX_TEXT.div_ceil(1 << 30)
    )
}

/// The `serviceNamespace` of a details object at `path`, lowercased.
fn read_namespace(object: &Map<String, Value>, path: &str) -> Result<String, Error> {
    match object.get("serviceNamespace") {
        Some(Value::String(s)) if is_service_name(s) => Ok(s.to_ascii_lowercase()),
        Some(Value::String(s)) => Err(Error::shape(
            join(path, "serviceNamespace"),
            format!("`{s}` is not a service prefix"),
        )),
        Some(other) => Err(Error::shape(
            join(path, "serviceNamespace"),
            format!("`serviceNamespace` must be a string, found {}", kind(other)),
        )),
        None => Err(Error::shape(path, "the entry has no `serviceNamespace`")),
    }
}

/// One element of a details object's `actions`, at `item_path`, of the
/// service `service`: a name or an `{"action": ...}` object. The action's
/// name without its service prefix, and its `lastAccessed`.
fn read_detail_action<'v>(
    item: &'v Value,
    item_path: &str,
    service: &str,
) -> Result<(&'v str, Option<String>), Error> {
    let (name, last) = match item {
        Value::String(s) => (s.as_str(), None),
        Value::Object(o) => match o.get("action") {
            Some(Value::String(s)) => (s.as_str(), optional_string(o, "lastAccessed", item_path)?),
            Some(other) => {
                return Err(Error::shape(
                    join(item_path, "action"),
                    format!("`action` must be a string, found {}", kind(other)),
                ));
            }
            None => return Err(Error::shape(item_path, "the entry has no `action`")),
        },
        other => {
            return Err(Error::shape(
                item_path,
                format!(
                    "an action must be a string or an `{{\"action\": ...}}` object, found {}",
                    kind(other)
                ),
            ));
        }
    };
    let action = match name.split_once(':') {
        Some((prefix, action)) if prefix.eq_ignore_ascii_case(service) => action,
        Some((prefix, _)) => {
            return Err(Error::shape(
                item_path,
                format!("`{name}` has the prefix `{prefix}`, but the entry is for `{service}`"),
            ));
        }
        None => name,
    };
    if !is_action_name(action) {
        return Err(Error::shape(
            item_path,
            format!("`{name}` is not an action name"),
        ));
    }
    Ok((action, last))
}

pub(crate) fn optional_string(
    object: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<String>, Error> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(Error::shape(
            join(path, key),
            format!("`{key}` must be a string, found {}", kind(other)),
        )),
    }
}

/// Plain text: one `service:Action` (or `service:*` for a whole service) per
/// line; blank lines and `#` comments are skipped. `skip` bytes at the start
/// (a byte-order mark) are not read.
///
/// The text itself becomes the set's buffer: each action is an entry
/// pointing into it, and its service is lowercased in place. A list of
/// millions of actions is not copied.
fn parse_text(mut text: String, skip: usize) -> Result<UnusedSet, Error> {
    let mut set = UnusedSet::new();
    // At most one action a line: room for them at once, not by doubling,
    // which at the last step held the old and the new vector together.
    let body = text.get(skip..).unwrap_or_default();
    let mut entries = Vec::with_capacity(body.lines().count());
    let mut offset = skip;
    for (n, raw) in body.split_inclusive('\n').enumerate() {
        let at = offset;
        offset += raw.len();
        let uncommented = raw.split('#').next().unwrap_or("");
        let line = uncommented.trim();
        if line.is_empty() {
            continue;
        }
        let error = |message: String| Error {
            kind: ErrorKind::Text,
            location: Some(Location::Text {
                line: n + 1,
                column: 1,
            }),
            message,
        };
        match line.split_once(':') {
            Some((service, "*")) if is_service_name(service) => set.insert_service(service, None),
            Some((service, action)) if is_service_name(service) && is_action_name(action) => {
                let start = at + (uncommented.len() - uncommented.trim_start().len());
                let Some(entry) = NameList::span(start, line.len()) else {
                    return Err(error(too_large()));
                };
                entries.push(entry);
            }
            _ => {
                return Err(error(format!(
                    "expected `service:Action` (or `service:*`), found `{line}`"
                )));
            }
        }
    }
    // Sets hold the service lowercased, as `action_name` writes it.
    for entry in &entries {
        let (start, len) = entry.bounds();
        if let Some(name) = text.get_mut(start..start + len) {
            let service = name.split(':').next().map_or(0, str::len);
            if let Some(service) = name.get_mut(..service) {
                service.make_ascii_lowercase();
            }
        }
    }
    set.actions = Arc::new(NameList::over(text, entries));
    set.settle();
    if set.is_empty() {
        return Err(Error {
            kind: ErrorKind::Text,
            location: None,
            message: "the unused list names no action".to_string(),
        });
    }
    Ok(set)
}

/// A service prefix: letters, digits and `-`.
pub(crate) fn is_service_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// An action name: letters, digits, `-` and `_`.
pub(crate) fn is_action_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_action_byte)
}

/// A byte of an action name: a letter, a digit, `-` or `_` (a table: the
/// readers ask it of every byte of millions of names).
pub(crate) fn is_action_byte(byte: u8) -> bool {
    #[expect(
        clippy::indexing_slicing,
        reason = "a const block cannot call `get_mut`; the index is below 256"
    )]
    const TABLE: [bool; 256] = {
        let mut table = [false; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            table[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
            b += 1;
        }
        table
    };
    TABLE.get(usize::from(byte)).copied().unwrap_or(false)
}

mod fast;
mod findings;
mod list;
mod ocsf;

pub(crate) use list::NameList;
pub use list::{ActionNames, UnusedAction};

pub use findings::{Finding, FindingsReader, parse_findings};
use findings::{items_of, read_finding_details};

#[cfg(test)]
mod tests;
