//! One sync from end to end: read and validate every service, render the
//! table, compare it with the current one, guard against shrinking, and write
//! only when all of that succeeded.

use std::time::{Duration, Instant};

use pare_catalog::events::SdkMetadata;
use pare_catalog::{Catalog, SOURCE_DESCRIPTION};

use crate::error::{Error, ErrorKind};
use crate::options::{Source, SyncOptions};
use crate::render_events::EventChanges;
use crate::report::Changes;
use crate::{fetch, render, render_events, sdk, write};

/// What a sync did to the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The table was out of date and has been replaced.
    Written,
    /// The table was already up to date; nothing was written.
    Unchanged,
    /// `--check`: the table is up to date.
    Fresh,
    /// `--check`: the table is out of date.
    Stale,
}

/// The result of a sync that ran to the end.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// What happened to the table.
    pub status: Status,
    /// The difference from the table as it was.
    pub changes: Changes,
    /// The Markdown change report.
    pub report: String,
    /// How long the sync took.
    pub elapsed: Duration,
    /// The CloudTrail event table, when the sync rendered it.
    pub events: Option<EventsOutcome>,
}

/// What a sync did to the CloudTrail event table.
#[derive(Clone, Debug)]
pub struct EventsOutcome {
    /// Whether the committed table was already what the data renders.
    pub fresh: bool,
    /// The rows that changed.
    pub changes: EventChanges,
    /// The SDK metadata the table was built from (xtask commits a copy).
    pub sdk: SdkMetadata,
}

/// The exit code for an error, as the `xtask` reports it.
pub const EXIT_ERROR: u8 = 2;

impl Outcome {
    /// 0 when the table is (now) up to date, 1 when `--check` found it stale.
    pub fn exit_code(&self) -> u8 {
        match self.status {
            Status::Stale => 1,
            Status::Written | Status::Unchanged | Status::Fresh => 0,
        }
    }

    /// One line for the end of the run.
    pub fn summary(&self) -> String {
        let verdict = match self.status {
            Status::Written => "table written",
            Status::Unchanged => "table already up to date",
            Status::Fresh => "table is up to date",
            Status::Stale => "table is OUT OF DATE",
        };
        let date = self.changes.after.data_date.as_deref().unwrap_or("unknown");
        let c = &self.changes;
        let events = match &self.events {
            Some(e) => format!(
                "; {} events (+{} -{}) from {} {}",
                e.changes.rows,
                e.changes.added.len(),
                e.changes.removed.len(),
                e.sdk.package,
                e.sdk.version
            ),
            None => String::new(),
        };
        format!(
            "{verdict}: {} services, {} actions, data of {date}; services +{} -{}, actions +{} -{}{events}; {:.1}s",
            c.after.services,
            c.after.actions,
            c.services_added.len(),
            c.services_removed.len(),
            c.actions_gained(),
            c.actions_lost(),
            self.elapsed.as_secs_f64(),
        )
    }
}

/// Runs a sync on a runtime of its own; for callers that are not async.
///
/// The runtime lives on a thread of its own, so that this also works when
/// called from within another runtime (where blocking on one would panic).
pub fn run(options: &SyncOptions) -> Result<Outcome, Error> {
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| {
                    Error::new(ErrorKind::Internal, "cannot start the async runtime").with_source(e)
                })?;
            runtime.block_on(sync(options))
        });
        worker
            .join()
            .unwrap_or_else(|_| Err(Error::new(ErrorKind::Internal, "the sync thread panicked")))
    })
}

/// Runs a sync: see the crate documentation for what it guarantees.
pub async fn sync(options: &SyncOptions) -> Result<Outcome, Error> {
    let started = Instant::now();
    let keep_raw = options.mirror.is_some();
    let fetched = match &options.source {
        Source::Dir(dir) => fetch::read_dir(dir, keep_raw)?,
        Source::Url(url) => {
            fetch::fetch_url(url, &options.fetch, keep_raw, options.progress).await?
        }
    };
    let catalog = Catalog::new(SOURCE_DESCRIPTION, fetched.services)?;
    let rendered = render::render(&catalog);

    let table = &options.table;
    let origin = table.display().to_string();
    let current_text = match std::fs::read_to_string(table) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io("read", table, e)),
    };
    let current = match current_text.as_deref().map(|t| render::parse(t, &origin)) {
        None => None,
        Some(Ok(current)) => Some(current),
        // A table that cannot be read back cannot be guarded; replacing it
        // is a choice the caller makes explicitly.
        Some(Err(_)) if options.allow_shrink => None,
        Some(Err(e)) => {
            let message = format!(
                "{} (pass `--allow-shrink` to replace it anyway)",
                e.message()
            );
            return Err(e.with_message(message));
        }
    };
    let changes = Changes::between(current.as_ref(), &catalog);
    let mut report = changes.to_markdown();
    let mut fresh = current_text.as_deref() == Some(rendered.as_str());

    // The event table, from the same reference and the SDK's metadata.
    let mut events = None;
    if let Some(wanted) = &options.events {
        let sdk = sdk::load(&wanted.sdk, &options.fetch).await?;
        let built = pare_catalog::events::build(&fetched.operations, &sdk, &catalog);
        let text = render_events::render_events(&built, &catalog);
        let current = match std::fs::read_to_string(&wanted.table) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io("read", &wanted.table, e)),
        };
        let events_fresh = current.as_deref() == Some(text.as_str());
        let event_changes = EventChanges::between(current.as_deref(), &text);
        report.push_str(&event_changes.to_markdown());
        fresh &= events_fresh;
        events = Some((wanted, text, events_fresh, event_changes, sdk));
    }

    // Everything arrived and validated: the mirror and the report may be written.
    if let Some(dir) = &options.mirror {
        write::mirror(dir, &fetched.raw)?;
    }
    if let Some(path) = &options.report {
        write::atomic_write(path, report.as_bytes())?;
    }

    let status = if options.check {
        if fresh { Status::Fresh } else { Status::Stale }
    } else if fresh {
        Status::Unchanged
    } else {
        if !options.allow_shrink {
            guard_shrink(&changes, options.max_shrink)?;
            if let Some((_, _, _, event_changes, _)) = &events {
                guard_event_shrink(event_changes, options.max_shrink)?;
            }
        }
        if current_text.as_deref() != Some(rendered.as_str()) {
            write::atomic_write(table, rendered.as_bytes())?;
        }
        if let Some((wanted, text, false, _, _)) = &events {
            write::atomic_write(&wanted.table, text.as_bytes())?;
        }
        Status::Written
    };
    Ok(Outcome {
        status,
        changes,
        report,
        elapsed: started.elapsed(),
        events: events.map(|(_, _, fresh, changes, sdk)| EventsOutcome {
            fresh,
            changes,
            sdk,
        }),
    })
}

/// Refuses an event table that loses more than `limit` of its rows: a
/// broken SDK download should not silently empty it.
fn guard_event_shrink(changes: &EventChanges, limit: f64) -> Result<(), Error> {
    let Some(before) = changes.before.filter(|&b| b > 0) else {
        return Ok(());
    };
    let lost = before.saturating_sub(changes.rows);
    let share = lost as f64 / before as f64;
    if share > limit {
        return Err(Error::new(
            ErrorKind::Shrink,
            format!(
                "the new event table has {} rows against {before} before ({:.1}% fewer), more than the {:.0}% the shrink guard allows; the tables are unchanged (pass `--allow-shrink` if the loss is expected)",
                changes.rows,
                share * 100.0,
                limit * 100.0,
            ),
        ));
    }
    Ok(())
}

/// Refuses a catalog that drops more than `limit` of the current services or
/// actions: a partial or broken upstream should not silently empty the table.
fn guard_shrink(changes: &Changes, limit: f64) -> Result<(), Error> {
    let Some(before) = &changes.before else {
        return Ok(());
    };
    let share = |lost: usize, of: usize| {
        if of == 0 {
            0.0
        } else {
            lost as f64 / of as f64
        }
    };
    let services_lost = changes.services_removed.len();
    let actions_lost = changes.actions_lost();
    let service_share = share(services_lost, before.services);
    let action_share = share(actions_lost, before.actions);
    if service_share > limit || action_share > limit {
        return Err(Error::new(
            ErrorKind::Shrink,
            format!(
                "the new catalog loses {services_lost} of {} services ({:.1}%) and {actions_lost} of {} actions ({:.1}%), more than the {:.0}% the shrink guard allows; the table is unchanged (pass `--allow-shrink` if the loss is expected)",
                before.services,
                service_share * 100.0,
                before.actions,
                action_share * 100.0,
                limit * 100.0,
            ),
        ));
    }
    Ok(())
}
