//! `pare catalog`: where the action catalog came from and what it holds, the
//! embedded one or a `--catalog DIR` copy.

use std::io::Write;

use pare_catalog::Provenance;

use crate::args::CatalogInfo;
use crate::error::Error;
use crate::exit;
use crate::input::Catalog;
use crate::io::Io;

/// Runs `pare catalog`.
pub fn run(config: &CatalogInfo, io: &mut Io<'_>) -> Result<i32, Error> {
    let catalog = Catalog::load(config.catalog.as_deref(), io.limits)?;
    let provenance: &Provenance = match &catalog {
        Catalog::Embedded => pare_catalog::provenance(),
        Catalog::Dir(dir) => dir.provenance(),
    };
    if config.services {
        for service in provenance.services.iter() {
            writeln!(io.stdout, "{}\t{}", service.name, service.action_count)?;
        }
        return Ok(exit::SUCCESS);
    }
    let kind = match catalog {
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
    Ok(exit::SUCCESS)
}
