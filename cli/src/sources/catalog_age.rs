//! The reference date (`--as-of`, or the clock) and the warning about an
//! old catalog, for every command that reads one.

use super::*;

/// `--as-of DATE`: `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp.
pub fn parse_as_of(text: &str) -> Result<Timestamp, Error> {
    Timestamp::parse(text).map_err(|e| Error::input(format!("`--as-of`: {e}")))
}

/// The system time as the engine's timestamp (before 1970 counts as 1970).
pub fn timestamp(time: SystemTime) -> Timestamp {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Timestamp::from_unix(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// The data date (`YYYY-MM-DD`) of the catalog a command reads: the embedded
/// one, or `--catalog DIR`'s (the newest `modified` of its index; only the
/// index is read, and a directory that cannot be read gives none: the
/// command itself reports it).
pub fn catalog_data_date(dir: Option<&Path>, limits: input::Limits) -> Option<String> {
    match dir {
        None => pare_catalog::provenance()
            .data_date
            .as_deref()
            .map(str::to_string),
        Some(dir) => {
            let path = dir.join(pare_catalog::INDEX_FILE);
            let bytes = limits.read_file(&path, input::Kind::Catalog).ok()?;
            let entries = pare_catalog::parse_index(&bytes, &path.display().to_string()).ok()?;
            entries
                .iter()
                .filter_map(|e| e.modified)
                .max()
                .map(pare_catalog::utc_date)
        }
    }
}

/// Whole calendar days from the data date to the UTC date of `as_of`
/// (negative when the data is newer), or `None` for a malformed date.
pub fn catalog_age_days(data_date: &str, as_of: Timestamp) -> Option<i64> {
    const DAY: i64 = 86_400;
    let date = Timestamp::parse(data_date).ok()?;
    Some(as_of.unix_seconds().div_euclid(DAY) - date.unix_seconds().div_euclid(DAY))
}

/// What to do about a stale catalog, in full: what `pare catalog` prints.
pub fn catalog_remedy(dir: Option<&Path>) -> &'static str {
    match dir {
        None => {
            "actions AWS added since are unknown to pare. Install a newer release of pare \
             (each carries the catalog of its week), or pass `--catalog DIR` with a fresh copy \
             of the service reference (`cargo xtask sync-catalog --mirror DIR` writes one)"
        }
        Some(_) => {
            "actions AWS added since are unknown to pare. Refresh the copy \
             (`cargo xtask sync-catalog --mirror DIR`), or drop `--catalog` to use the \
             embedded catalog if it is newer"
        }
    }
}

/// The one-line warning for a catalog whose data is more than
/// [`pare_engine::CATALOG_MAX_AGE_DAYS`] days older than `as_of`, if it is: short
/// (under 100 columns), with the remedy that fits; `pare catalog` says it in full.
/// `dir` is `--catalog DIR`.
pub fn catalog_age_warning(
    dir: Option<&Path>,
    as_of: Timestamp,
    limits: input::Limits,
) -> Option<String> {
    let date = catalog_data_date(dir, limits)?;
    let days = pare_engine::catalog_staleness(&date, as_of).ok()??;
    let (what, remedy) = match dir {
        None => (
            "the embedded catalog",
            "update pare, or use `--catalog DIR`",
        ),
        Some(_) => ("the `--catalog` copy", "refresh it (see `pare catalog`)"),
    };
    Some(format!("{what} is {days} days old ({date}): {remedy}"))
}

/// Prints [`catalog_age_warning`] to stderr, once per run, for a subcommand
/// that reads the catalog (one with [`crate::args::CatalogArgs`]). Called
/// once, by [`crate::run`], so that every such command warns the same way;
/// `pare catalog` prints the age in full instead.
pub fn check_catalog_age(command: &Command, io: &mut Io<'_>) -> Result<(), Error> {
    if matches!(command, Command::Catalog(_)) {
        return Ok(());
    }
    let Some(args) = command.catalog_args() else {
        return Ok(());
    };
    let config = args.validate()?;
    let as_of = config.as_of.unwrap_or_else(|| timestamp(io.now));
    if let Some(warning) = catalog_age_warning(config.dir.as_deref(), as_of, io.limits) {
        writeln!(io.stderr, "warning: {warning}")?;
    }
    Ok(())
}
