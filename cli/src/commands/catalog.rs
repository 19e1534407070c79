//! `pare catalog`: where the action catalog came from and what it holds, the
//! embedded one or a `--catalog DIR` copy.

use std::io::Write;

use pare_catalog::Provenance;

use crate::args::CatalogInfo;
use crate::error::Error;
use crate::exit;
use crate::input::Catalog;
use crate::io::Io;
use crate::sources;

/// Runs `pare catalog`.
pub fn run(config: &CatalogInfo, io: &mut Io<'_>) -> Result<i32, Error> {
    let catalog = Catalog::load(config.catalog.as_deref(), io.limits)?;
    let provenance: &Provenance = catalog.provenance();
    if config.services {
        for service in provenance.services.iter() {
            writeln!(io.stdout, "{}\t{}", service.name, service.action_count)?;
        }
        return Ok(exit::SUCCESS);
    }
    let kind = match &catalog {
        Catalog::Embedded => "embedded",
        Catalog::Dir(_) => "directory",
    };
    writeln!(io.stdout, "catalog:   {kind}")?;
    writeln!(io.stdout, "source:    {}", provenance.source)?;
    writeln!(
        io.stdout,
        "data date: {}",
        provenance.data_date.as_deref().unwrap_or("unknown")
    )?;
    writeln!(io.stdout, "services:  {}", provenance.service_count)?;
    writeln!(io.stdout, "actions:   {}", provenance.action_count)?;
    if matches!(catalog, Catalog::Embedded) {
        // The CloudTrail event table is built with the embedded catalog.
        let events = pare_catalog::event_provenance();
        writeln!(
            io.stdout,
            "events:    {} CloudTrail events of {} sources, from {}",
            events.event_count, events.source_count, events.sdk
        )?;
    }
    // The age in full; other commands give a one-line warning that points here.
    let as_of = match &config.as_of {
        Some(text) => sources::parse_as_of(text)?,
        None => sources::timestamp(io.now),
    };
    if let Some(date) = provenance.data_date.as_deref() {
        if let Some(days) = sources::catalog_age_days(date, as_of) {
            let when = as_of.date();
            let age = match days {
                0 => format!("from {when}"),
                1 => format!("1 day before {when}"),
                d if d > 0 => format!("{d} days before {when}"),
                _ => format!("newer than {when}"),
            };
            writeln!(io.stdout, "age:       {age}")?;
            let limit = pare_engine::CATALOG_MAX_AGE_DAYS;
            if days > i64::from(limit) {
                writeln!(
                    io.stdout,
                    "stale:     more than {limit} days old: {}",
                    sources::catalog_remedy(config.catalog.as_deref())
                )?;
            }
        }
    }
    Ok(exit::SUCCESS)
}
