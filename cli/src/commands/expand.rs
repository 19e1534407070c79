//! `pare expand`: the known actions that patterns match, one per line, for
//! reading what a wildcard grants or piping it into other tools.

use std::collections::HashMap;
use std::io::Write;

use pare_engine::cmp_ci;
use pare_engine::{KnownAction, Pattern};

use crate::args::Expand;
use crate::error::Error;
use crate::exit;
use crate::input::Catalog;
use crate::io::Io;

/// Runs `pare expand`: the union of what every pattern matches, sorted
/// case-insensitively, each action once; a note on stderr for each pattern
/// that matches nothing. Matching nothing is an answer, not an error: exit 0.
pub fn run(config: &Expand, io: &mut Io<'_>) -> Result<i32, Error> {
    let catalog = Catalog::load(config.catalog.as_deref(), io.limits)?;
    let table = catalog.table();
    let mut found: Vec<&KnownAction> = Vec::new();
    for text in &config.patterns {
        let pattern = Pattern::new(text);
        let before = found.len();
        found.extend(
            table
                .with_prefix(pattern.literal_prefix())
                .iter()
                .filter(|row| pattern.matches(&row.name)),
        );
        if found.len() == before {
            writeln!(
                io.stderr,
                "note: `{}` matches no known action",
                crate::safe::escape(text)
            )?;
        }
    }
    let observed = if config.observable {
        observability(&found)
    } else {
        HashMap::new()
    };
    found.sort_by(|a, b| cmp_ci(&a.name, &b.name));
    found.dedup_by(|a, b| a.name.eq_ignore_ascii_case(&b.name));
    for row in found {
        let mut line = row.name.to_string();
        if config.access_level {
            line.push('\t');
            line.push_str(&row.access.to_string());
        }
        if config.tracked {
            line.push_str(if row.last_accessed_tracked {
                "\ttracked"
            } else {
                "\tuntracked"
            });
        }
        if config.observable {
            let kind = observed.get(&row.name.to_ascii_lowercase()).copied();
            line.push('\t');
            line.push_str(match kind {
                Some(Observed::Logged) => "logged",
                Some(Observed::DataEvent) => "data-event",
                None => "not-logged",
            });
        }
        writeln!(io.stdout, "{line}")?;
    }
    Ok(exit::SUCCESS)
}

/// How CloudTrail can show an action's use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Observed {
    /// A management event authorizes it.
    Logged,
    /// Only data events authorize it.
    DataEvent,
}

/// For each of `actions` (lowercased) that some logged operation authorizes,
/// whether a management event does or only data events do; permission-only
/// actions are left out, as the CloudTrail source keeps them.
fn observability(actions: &[&KnownAction]) -> HashMap<String, Observed> {
    let wanted: std::collections::HashSet<String> = actions
        .iter()
        .map(|a| a.name.to_ascii_lowercase())
        .filter(|a| !pare_engine::usage::is_permission_only(a))
        .collect();
    let mut out: HashMap<String, Observed> = HashMap::new();
    for row in pare_catalog::events().rows() {
        let kind = if pare_engine::usage::is_data_event(row.event_source, row.event_name).is_empty()
        {
            Observed::Logged
        } else {
            Observed::DataEvent
        };
        for action in row.actions {
            let action = action.to_ascii_lowercase();
            if !wanted.contains(&action) {
                continue;
            }
            let slot = out.entry(action).or_insert(kind);
            if kind == Observed::Logged {
                *slot = Observed::Logged;
            }
        }
    }
    out
}
