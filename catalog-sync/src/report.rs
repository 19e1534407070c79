//! What a sync changes: services and actions added and removed, access
//! levels and last-accessed tracking that moved, rendered as Markdown for the
//! pull request that carries the sync.

use std::cmp::Ordering;
use std::fmt::Write as _;

use pare_catalog::Catalog;
use pare_engine::cmp_ci;
use pare_engine::{AccessLevel, KnownAction};

/// The difference between the current table and a new catalog.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Services and actions before (`None` when there was no readable table).
    pub before: Option<Counts>,
    /// Services and actions after.
    pub after: Counts,
    /// New services, with their action counts.
    pub services_added: Vec<(String, usize)>,
    /// Services that are gone, with the action counts they had.
    pub services_removed: Vec<(String, usize)>,
    /// New actions of services present before and after.
    pub actions_added: Vec<KnownAction>,
    /// Actions gone from services present before and after.
    pub actions_removed: Vec<KnownAction>,
    /// Actions whose spelling changed only in case: (before, after).
    pub actions_renamed: Vec<(String, String)>,
    /// Actions whose access level changed: (name, before, after).
    pub access_changed: Vec<(String, AccessLevel, AccessLevel)>,
    /// Actions whose last-accessed tracking changed: (name, tracked after).
    pub tracking_changed: Vec<(String, bool)>,
}

/// The size and date of a catalog.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// The number of services.
    pub services: usize,
    /// The number of actions.
    pub actions: usize,
    /// The data date, if known.
    pub data_date: Option<String>,
}

impl Counts {
    fn of(catalog: &Catalog) -> Counts {
        let p = catalog.provenance();
        Counts {
            services: p.service_count,
            actions: p.action_count,
            data_date: p.data_date.as_deref().map(str::to_owned),
        }
    }
}

impl Changes {
    /// Compares `after` with `before` (`None`: no current table).
    pub fn between(before: Option<&Catalog>, after: &Catalog) -> Changes {
        let mut changes = Changes {
            before: before.map(Counts::of),
            after: Counts::of(after),
            ..Changes::default()
        };
        let empty: &[pare_catalog::ServiceInfo] = &[];
        let old_services = before.map_or(empty, |c| &c.provenance().services);
        let new_services = &after.provenance().services;
        let has = |list: &[pare_catalog::ServiceInfo], name: &str| {
            list.binary_search_by(|s| s.name.as_ref().cmp(name)).is_ok()
        };
        for service in new_services.iter() {
            if !has(old_services, &service.name) {
                changes
                    .services_added
                    .push((service.name.to_string(), service.action_count));
            }
        }
        for service in old_services {
            if !has(new_services, &service.name) {
                changes
                    .services_removed
                    .push((service.name.to_string(), service.action_count));
            }
        }
        let old_actions = before.map_or(&[][..], Catalog::actions);
        let new_actions = after.actions();
        // Both lists are sorted the same way, so one merge walk pairs them.
        let (mut i, mut j) = (0, 0);
        loop {
            let (old, new) = (old_actions.get(i), new_actions.get(j));
            let order = match (old, new) {
                (None, None) => break,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(o), Some(n)) => cmp_ci(&o.name, &n.name),
            };
            match (order, old, new) {
                (Ordering::Less, Some(o), _) => {
                    if has(new_services, o.service()) {
                        changes.actions_removed.push(o.clone());
                    }
                    i += 1;
                }
                (Ordering::Greater, _, Some(n)) => {
                    if has(old_services, n.service()) {
                        changes.actions_added.push(n.clone());
                    }
                    j += 1;
                }
                (_, Some(o), Some(n)) => {
                    if o.name != n.name {
                        changes
                            .actions_renamed
                            .push((o.name.to_string(), n.name.to_string()));
                    }
                    if o.access != n.access {
                        changes
                            .access_changed
                            .push((n.name.to_string(), o.access, n.access));
                    }
                    if o.last_accessed_tracked != n.last_accessed_tracked {
                        changes
                            .tracking_changed
                            .push((n.name.to_string(), n.last_accessed_tracked));
                    }
                    i += 1;
                    j += 1;
                }
                // Unreachable: an order other than Equal comes with the row it names.
                _ => break,
            }
        }
        changes
    }

    /// Whether nothing changed that the table records (the data date aside).
    pub fn is_empty(&self) -> bool {
        self.services_added.is_empty()
            && self.services_removed.is_empty()
            && self.actions_added.is_empty()
            && self.actions_removed.is_empty()
            && self.actions_renamed.is_empty()
            && self.access_changed.is_empty()
            && self.tracking_changed.is_empty()
    }

    /// How many actions the new catalog gains: those added to surviving
    /// services and those of added services.
    pub fn actions_gained(&self) -> usize {
        self.actions_added.len() + self.services_added.iter().map(|(_, n)| n).sum::<usize>()
    }

    /// How many actions the new catalog loses: those removed from surviving
    /// services and those of removed services.
    pub fn actions_lost(&self) -> usize {
        self.actions_removed.len() + self.services_removed.iter().map(|(_, n)| n).sum::<usize>()
    }

    /// The report as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from("# Catalog changes\n\n");
        let before = self.before.clone().unwrap_or_default();
        let date = |d: &Option<String>| d.clone().unwrap_or_else(|| "unknown".to_owned());
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "| | before | after |\n| --- | ---: | ---: |\n| services | {} | {} |\n| actions | {} | {} |\n| data date | {} | {} |\n",
            before.services,
            self.after.services,
            before.actions,
            self.after.actions,
            date(&before.data_date),
            date(&self.after.data_date),
        );
        if self.before.is_none() {
            out.push_str("There was no readable table before: everything is new.\n\n");
        }
        if self.is_empty() {
            out.push_str("No service or action changed.\n");
            return out;
        }
        let _ = writeln!(
            out,
            "Services: {} added, {} removed. Actions: {} added, {} removed, {} with a new access level, {} with new last-accessed tracking.\n",
            self.services_added.len(),
            self.services_removed.len(),
            self.actions_added.len(),
            self.actions_removed.len(),
            self.access_changed.len(),
            self.tracking_changed.len(),
        );
        service_list(&mut out, "Services added", &self.services_added);
        service_list(&mut out, "Services removed", &self.services_removed);
        action_list(&mut out, "Actions added", &self.actions_added);
        action_list(&mut out, "Actions removed", &self.actions_removed);
        if !self.actions_renamed.is_empty() {
            out.push_str("## Actions renamed (case only)\n\n");
            for (old, new) in &self.actions_renamed {
                let _ = writeln!(out, "- `{old}` → `{new}`");
            }
            out.push('\n');
        }
        if !self.access_changed.is_empty() {
            out.push_str("## Access levels changed\n\n");
            for (name, old, new) in &self.access_changed {
                let _ = writeln!(out, "- `{name}`: {} → {}", level(*old), level(*new));
            }
            out.push('\n');
        }
        if !self.tracking_changed.is_empty() {
            out.push_str("## Last-accessed tracking changed\n\n");
            for (name, tracked) in &self.tracking_changed {
                let change = if *tracked {
                    "now tracked"
                } else {
                    "no longer tracked"
                };
                let _ = writeln!(out, "- `{name}`: {change}");
            }
            out.push('\n');
        }
        // One trailing newline, however the last section ended.
        while out.ends_with("\n\n") {
            out.pop();
        }
        out
    }
}

/// An access level in AWS's words, overlapping flags joined with `+`.
fn level(access: AccessLevel) -> String {
    access.names().join(" + ")
}

fn service_list(out: &mut String, title: &str, services: &[(String, usize)]) {
    if services.is_empty() {
        return;
    }
    let _ = writeln!(out, "## {title}\n");
    for (name, count) in services {
        let plural = if *count == 1 { "" } else { "s" };
        let _ = writeln!(out, "- `{name}` ({count} action{plural})");
    }
    out.push('\n');
}

/// Actions grouped under their service, each with its access level.
fn action_list(out: &mut String, title: &str, actions: &[KnownAction]) {
    if actions.is_empty() {
        return;
    }
    let _ = writeln!(out, "## {title}\n");
    let mut current: Option<&str> = None;
    for action in actions {
        let service = action.service();
        if current != Some(service) {
            if current.is_some() {
                out.push('\n');
            }
            let count = actions.iter().filter(|a| a.service() == service).count();
            let _ = writeln!(out, "### `{service}` ({count})\n");
            current = Some(service);
        }
        let _ = writeln!(out, "- `{}` ({})", action.name, level(action.access));
    }
    out.push('\n');
}
