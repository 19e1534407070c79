//! Finding policies and editing their action lists in each source form.

#![expect(
    clippy::unwrap_used,
    reason = "a test: a failure is a panic with the case"
)]

use pare_engine::{AccessLevel, ActionTable, KnownAction, RefineOptions, UnusedSet};
use pare_iac::{Body, Format, apply, scan};

const ROWS: &[KnownAction] = &[
    KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
    KnownAction::new_static("s3:GetObjectAcl", AccessLevel::READ, true),
    KnownAction::new_static("s3:ListBucket", AccessLevel::LIST, true),
    KnownAction::new_static("s3:PutObject", AccessLevel::WRITE, true),
    KnownAction::new_static("sqs:SendMessage", AccessLevel::WRITE, true),
];

fn refine_all(format: Format, text: &str, unused: &str) -> String {
    let table = ActionTable::new(ROWS).unwrap();
    let unused = UnusedSet::parse(unused).unwrap();
    let scan = scan(format, text).unwrap();
    let mut splices = Vec::new();
    for policy in &scan.policies {
        if let Body::Document(doc) = &policy.body {
            let outcome =
                pare_iac::refine::refine(doc, text, &unused, table, &RefineOptions::default())
                    .unwrap();
            splices.extend(outcome.splices);
        }
    }
    apply(text, &splices)
}

#[test]
fn jsonencode_keeps_comments_and_layout() {
    let tf = r#"resource "aws_iam_role_policy" "app" {
  name = "app" # the app
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Action = [
          "s3:GetObject", # reads
          "s3:PutObject", # writes
          "s3:ListBucket",
        ]
        Resource = "${var.bucket}/*"
      },
      {
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = var.queue
      },
    ]
  })
}
"#;
    let out = refine_all(Format::Terraform, tf, "s3:PutObject\nsqs:SendMessage");
    let expected = r#"resource "aws_iam_role_policy" "app" {
  name = "app" # the app
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Action = [
          "s3:GetObject", # reads
          "s3:ListBucket",
        ]
        Resource = "${var.bucket}/*"
      },
    ]
  })
}
"#;
    assert_eq!(out, expected, "{out}");
}

#[test]
fn yaml_block_list_and_wildcard() {
    let yaml = "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Statement:\n          - Effect: Allow\n            Action:\n              - 's3:Get*'  # reads\n              - sqs:SendMessage\n            Resource: !Sub 'arn:aws:s3:::${B}/*'\n";
    let out = refine_all(Format::CloudFormationYaml, yaml, "s3:GetObjectAcl");
    assert_eq!(out, yaml.replace("'s3:Get*'", "'s3:GetObject'"), "{out}");
}

#[test]
fn non_literal_lists_are_kept_and_noted() {
    let tf = r#"data "aws_iam_policy_document" "d" {
  statement {
    actions   = var.actions
    resources = ["*"]
  }
  statement {
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["*"]
  }
}
"#;
    let scan = scan(Format::Terraform, tf).unwrap();
    assert!(
        scan.notes
            .iter()
            .any(|n| n.message.contains("`var.actions`")),
        "{:?}",
        scan.notes
    );
    let out = refine_all(Format::Terraform, tf, "s3:PutObject");
    assert_eq!(out, tf.replace(", \"s3:PutObject\"", ""));
}

#[test]
fn policy_document_statement_removed_whole_lines() {
    let tf = "data \"aws_iam_policy_document\" \"d\" {\n  statement {\n    actions = [\"s3:GetObject\"]\n    resources = [\"*\"]\n  }\n\n  statement {\n    actions = [\"sqs:SendMessage\"]\n    resources = [\"*\"]\n  }\n}\n";
    let out = refine_all(Format::Terraform, tf, "sqs:SendMessage");
    assert_eq!(
        out,
        "data \"aws_iam_policy_document\" \"d\" {\n  statement {\n    actions = [\"s3:GetObject\"]\n    resources = [\"*\"]\n  }\n\n}\n"
    );
}

/// Every prefix of every source form is read without a panic: an error or
/// a scan, never a crash.
#[test]
fn truncated_sources_never_panic() {
    let sources = [
        (
            Format::Terraform,
            include_str!("../../snapshots/fixtures/iac/real/pc-iam-secure-demo.tf"),
        ),
        (
            Format::Terraform,
            "data \"aws_iam_policy_document\" \"d\" {\n  statement {\n    actions = [\"s3:GetObject\", var.x]\n  }\n  dynamic \"statement\" {\n  }\n}\nresource \"aws_iam_policy\" \"p\" {\n  policy = <<-EOT\n  {\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:*\"}}\n  EOT\n}\n",
        ),
        (
            Format::CloudFormationYaml,
            "Resources:\n  P:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyDocument:\n        Statement:\n          - Effect: Allow  # é\n            Action: [s3:GetObject, !Ref X]\n          - &a {Effect: Allow, Action: 's3:*'}\n          - *a\n",
        ),
        (
            Format::CloudFormationJson,
            "{\"Resources\": {\"P\": {\"Type\": \"AWS::IAM::Role\", \"Properties\": {\"Policies\": [{\"PolicyName\": \"p\", \"PolicyDocument\": {\"Statement\": [{\"Effect\": \"Allow\", \"Action\": {\"Fn::If\": []}}]}}]}}}}",
        ),
    ];
    for (format, text) in sources {
        for (end, _) in text.char_indices() {
            let prefix = &text[..end];
            if let Ok(scan) = scan(format, prefix) {
                for policy in &scan.policies {
                    if let Body::Document(doc) = &policy.body {
                        let _ = doc.policy();
                    }
                }
            }
        }
    }
}
