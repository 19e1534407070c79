//! The embedded table is the project's copy of the reference, normalized.

use pare_catalog::{SOURCE_DESCRIPTION, embedded, load_dir, provenance};
use pare_engine::{AccessLevel, ActionTable};

use crate::reference_copy;

#[test]
fn embedded_table_equals_the_loaded_reference_copy() {
    let loaded = load_dir(reference_copy()).unwrap();
    assert!(loaded.actions() == embedded().rows());
    let (mine, theirs) = (loaded.provenance(), provenance());
    assert_eq!(mine.services, theirs.services);
    assert_eq!(mine.data_date, theirs.data_date);
    assert_eq!(mine.action_count, theirs.action_count);
    assert_eq!(mine.source, reference_copy().display().to_string());
    assert_eq!(theirs.source, SOURCE_DESCRIPTION);
}

/// What holds for any sync: the counts agree with the rows, and the actions
/// pare's own examples and tests depend on are present with their levels.
/// (The counts themselves are the `real/catalog` snapshot's to show.)
#[test]
fn embedded_table_is_consistent_with_its_provenance() {
    let p = provenance();
    let table = embedded();
    assert!(ActionTable::new(table.rows()).is_ok());
    assert_eq!(p.action_count, table.len());
    assert_eq!(p.service_count, p.services.len());
    for service in p.services.iter() {
        assert_eq!(
            table.with_prefix(&format!("{}:", service.name)).len(),
            service.action_count,
            "{}",
            service.name
        );
    }
    assert!(p.data_date.is_some());
}

#[test]
fn embedded_rows_keep_access_levels_and_tracking() {
    let table = embedded();
    let row = |name: &str| table.get(name).unwrap();
    assert_eq!(row("s3:GetObject").access, AccessLevel::READ);
    assert_eq!(row("s3:ListBucket").access, AccessLevel::LIST);
    assert_eq!(
        row("iam:AttachRolePolicy").access,
        AccessLevel::WRITE.union(AccessLevel::PERMISSIONS_MANAGEMENT)
    );
    assert_eq!(
        row("s3:PutObjectTagging").access,
        AccessLevel::WRITE.union(AccessLevel::TAGGING)
    );
    // IAM tracks last access for some actions, not all: both kinds exist.
    let tracked = table
        .rows()
        .iter()
        .filter(|r| r.last_accessed_tracked)
        .count();
    assert!(tracked > 0 && tracked < table.len(), "{tracked}");
}
