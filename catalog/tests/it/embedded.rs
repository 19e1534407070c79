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

#[test]
fn embedded_table_has_the_documented_counts() {
    let p = provenance();
    assert_eq!((p.service_count, p.action_count), (455, 21_788));
    assert_eq!(p.data_date.as_deref(), Some("2026-08-27"));
    let table = embedded();
    assert!(ActionTable::new(table.rows()).is_ok());
    for (service, count) in [
        ("s3", 180),
        ("ec2", 807),
        ("iam", 190),
        ("lambda", 119),
        ("sts", 16),
    ] {
        assert_eq!(
            table.with_prefix(&format!("{service}:")).len(),
            count,
            "{service}"
        );
    }
    assert_eq!(table.with_prefix("s3:Get").len(), 63);
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
    let tracked = table
        .rows()
        .iter()
        .filter(|r| r.last_accessed_tracked)
        .count();
    assert_eq!(tracked, 10_034);
}
