//! `load_dir` on small hand-made trees: what it accepts and how it refuses.

use pare_catalog::{ErrorKind, load_dir};
use pare_engine::AccessLevel;

use crate::TempDir;

const INDEX: &str = r#"[
  {"service": "s3", "url": "https://servicereference.us-east-1.amazonaws.com/v1/s3/s3.json", "modified": 1787821295},
  {"service": "s3-outposts", "url": "http://127.0.0.1:9/v1/s3-outposts/s3-outposts.json"}
]"#;

const S3: &str = r#"{"Name": "s3", "Version": "v1.4", "Resources": [], "Actions": [
  {"Name": "PutObject", "Annotations": {"Properties": {"IsWrite": true}}, "SupportedBy": {"IAM Action Last Accessed": true}},
  {"Name": "GetObject", "Annotations": {"Properties": {"IsList": false, "IsWrite": false}}}
]}"#;

const OUTPOSTS: &str =
    r#"{"Name": "s3-outposts", "Version": "v1.4", "Actions": [{"Name": "GetObject"}]}"#;

fn good_tree() -> TempDir {
    let dir = TempDir::new();
    dir.write("index.json", INDEX);
    dir.write("v1/s3/s3.json", S3);
    dir.write("v1/s3-outposts/s3-outposts.json", OUTPOSTS);
    dir
}

#[test]
fn a_good_tree_loads_into_a_sorted_table() {
    let dir = good_tree();
    let catalog = load_dir(dir.path()).unwrap();
    let table = catalog.table();
    let names: Vec<&str> = table.rows().iter().map(|r| r.name.as_ref()).collect();
    assert_eq!(
        names,
        ["s3-outposts:GetObject", "s3:GetObject", "s3:PutObject"]
    );
    let put = table.get("s3:putobject").unwrap();
    assert_eq!(
        (put.access, put.last_accessed_tracked),
        (AccessLevel::WRITE, true)
    );
    let p = catalog.provenance();
    assert_eq!((p.service_count, p.action_count), (2, 3));
    assert_eq!(p.data_date.as_deref(), Some("2026-08-27"));
    assert_eq!(p.services[1].modified, None);
}

#[test]
fn a_missing_index_names_the_file() {
    let dir = TempDir::new();
    let err = load_dir(dir.path()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    let index = dir.path().join("index.json");
    assert_eq!(
        err.to_string(),
        format!("cannot read `{}`", index.display())
    );
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn a_missing_service_file_is_an_error() {
    let dir = good_tree();
    std::fs::remove_file(dir.path().join("v1/s3/s3.json")).unwrap();
    let err = load_dir(dir.path()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(err.to_string().contains("v1/s3/s3.json"), "{err}");
}

#[test]
fn invalid_json_names_file_line_and_column() {
    let dir = good_tree();
    dir.write("v1/s3/s3.json", "{\"Name\": \"s3\",\n\"Actions\": [,]}");
    let err = load_dir(dir.path()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Json);
    let file = dir.path().join("v1/s3/s3.json");
    assert_eq!(
        err.to_string(),
        format!(
            "invalid JSON in `{}` at line 2, column 13: expected value",
            file.display()
        )
    );
}

#[test]
fn missing_required_fields_are_json_errors() {
    let dir = good_tree();
    dir.write("v1/s3/s3.json", r#"{"Name": "s3", "Actions": []}"#);
    let err = load_dir(dir.path()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Json);
    assert!(err.to_string().contains("missing field `Version`"), "{err}");
}

#[test]
fn a_file_of_another_service_is_a_mismatch() {
    let dir = good_tree();
    dir.write(
        "v1/s3/s3.json",
        &S3.replace("\"Name\": \"s3\"", "\"Name\": \"ec2\""),
    );
    let err = load_dir(dir.path()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Mismatch);
    assert!(
        err.to_string()
            .contains("describes service `ec2`, but the index lists it for `s3`"),
        "{err}"
    );
}

#[test]
fn an_empty_index_is_refused() {
    let dir = TempDir::new();
    dir.write("index.json", "[]");
    assert_eq!(load_dir(dir.path()).unwrap_err().kind(), ErrorKind::Empty);
}

#[test]
fn an_index_url_outside_the_layout_is_refused() {
    let dir = good_tree();
    dir.write(
        "index.json",
        r#"[{"service": "s3", "url": "https://example.test/other/s3.json"}]"#,
    );
    let err = load_dir(dir.path()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
    assert!(
        err.to_string().contains("does not end in `v1/s3/s3.json`"),
        "{err}"
    );
}
