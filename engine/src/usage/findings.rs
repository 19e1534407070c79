//! Access Analyzer findings as a usage source.

use super::*;

/// Access Analyzer findings as a source: taken as they are, or, with a
/// window, without the entries whose `lastAccessed` falls within it (a
/// finding's own window may be longer than the one the user wants).
///
/// Findings say nothing about tracking: Access Analyzer decided what is
/// unused, so nothing is kept here on the strength of the catalog.
pub fn from_findings(unused: UnusedSet, window: Option<&Window>) -> Result<Inference, Error> {
    let mut report = SourceReport::new(UsageSource::Findings);
    if window.is_none() {
        // The findings stand as they are: the set is passed on, not copied
        // (findings can list millions of actions).
        report.services_never_used = unused.services().map(|s| s.name.clone()).collect();
        report.actions_unused = ActionNames::of(&unused);
        finish(&mut report);
        return Ok(Inference { unused, report });
    }
    let mut kept = UnusedSet::new();
    let recent = |last: Option<&str>, subject: &str| -> Result<bool, Error> {
        match (window, last) {
            (Some(window), Some(text)) => {
                let at = Timestamp::parse(text).map_err(|e| Error {
                    message: format!("`lastAccessed` of `{subject}`: {}", e.message),
                    ..e
                })?;
                Ok(window.is_recent(at))
            }
            // A missing timestamp means never used; without a window, findings stand.
            _ => Ok(false),
        }
    };
    for service in unused.services() {
        if recent(service.last_accessed.as_deref(), &service.name)? {
            report.recently_used.push(format!("{}:*", service.name));
        } else {
            kept.insert_service(&service.name, service.last_accessed.clone());
            report.services_never_used.push(service.name.clone());
        }
    }
    // At its final size: findings can list millions of actions.
    kept.reserve(unused.actions().len());
    for action in unused.actions() {
        if recent(action.last_accessed, action.name)? {
            report.recently_used.push(action.name.to_string());
        } else {
            kept.insert(action);
        }
    }
    // The report names what the set keeps, sharing its storage.
    report.actions_unused = ActionNames::of(&kept);
    if let Some(window) = window {
        report.notes.push(format!(
            "unused means not accessed since {} ({} day(s) before {})",
            window.cutoff(),
            window.days,
            window.as_of
        ));
    }
    finish(&mut report);
    Ok(Inference {
        unused: kept,
        report,
    })
}
