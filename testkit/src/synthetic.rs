//! A synthetic account for tests and benchmarks: roles, shared policies and
//! one finding per role, generated deterministically from a seed over a given
//! catalog.
//!
//! The shape follows real accounts: a few dozen customer managed policies and
//! a handful of AWS-managed-like ones attached to many roles each, one inline
//! policy per role, and findings that list a different part of each role's
//! grants as unused, so that most (policy, unused set) pairs are distinct and
//! the plan's cache is not what makes it fast.

use serde_json::{Value, json};

use pare_engine::{ActionTable, Pattern};

use crate::Rng;

/// The generated inputs of `pare account`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Synthetic {
    /// `get-account-authorization-details` output.
    pub details: String,
    /// One `get-finding-v2` finding per role, as JSON Lines.
    pub findings: String,
}

/// The account id every generated ARN uses.
pub const ACCOUNT_ID: &str = "111122223333";

/// Services common in real policies; those absent from the catalog are skipped.
const SERVICES: &[&str] = &[
    "s3",
    "ec2",
    "iam",
    "lambda",
    "dynamodb",
    "sqs",
    "sns",
    "logs",
    "cloudwatch",
    "kms",
    "secretsmanager",
    "ssm",
    "ecr",
    "ecs",
    "kinesis",
    "states",
    "events",
    "glue",
    "athena",
    "rds",
];

/// Verb prefixes that make realistic wildcards.
const VERBS: &[&str] = &[
    "Get", "List", "Describe", "Put", "Update", "Create", "Delete",
];

fn statement(rng: &mut Rng, table: ActionTable<'_>, services: &[&str]) -> Value {
    let service = rng.pick(services).copied().unwrap_or("s3");
    let actions = table.with_prefix(&format!("{service}:"));
    let mut entries: Vec<String> = Vec::new();
    for _ in 0..3 + rng.below(10) {
        if let Some(action) = rng.pick(actions) {
            entries.push(action.name.to_string());
        }
    }
    for _ in 0..rng.below(3) {
        let verb = rng.pick(VERBS).copied().unwrap_or("Get");
        entries.push(format!("{service}:{verb}*"));
    }
    entries.sort();
    entries.dedup();
    json!({"Effect": "Allow", "Action": entries, "Resource": "*"})
}

fn document(rng: &mut Rng, table: ActionTable<'_>, services: &[&str]) -> Value {
    let statements: Vec<Value> = (0..1 + rng.below(3))
        .map(|_| statement(rng, table, services))
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// The document as the raw IAM API returns it: URL-encoded JSON.
fn url_encoded(value: &Value) -> Value {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len() * 2);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Value::String(out)
}

/// The concrete actions `document` grants over `table`.
fn granted(document: &Value, table: ActionTable<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let statements = document
        .get("Statement")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for statement in statements {
        let entries = statement
            .get("Action")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        for entry in entries.iter().filter_map(Value::as_str) {
            let pattern = Pattern::new(entry);
            for row in table.with_prefix(pattern.literal_prefix()) {
                if pattern.matches(&row.name) {
                    out.push(row.name.to_string());
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// An account of `roles` roles over `table`, the same for the same seed.
pub fn generate(table: ActionTable<'_>, roles: usize, seed: u64) -> Synthetic {
    let mut rng = Rng::new(seed);
    let services = services(table);
    let managed = managed_policies(&mut rng, table, &services);
    let mut role_list = Vec::with_capacity(roles);
    let mut findings = String::new();
    for r in 0..roles {
        let (role, finding) = role(&mut rng, r, table, &services, &managed);
        role_list.push(role);
        findings.push_str(&finding.to_string());
        findings.push('\n');
    }
    Synthetic {
        details: details(role_list, &managed),
        findings,
    }
}

/// A managed policy of the account: its name, ARN and document.
type Managed = (String, String, Value);

/// The services the policies draw from: the usual ones the table knows,
/// or every service of a table that knows none of them.
fn services(table: ActionTable<'_>) -> Vec<&str> {
    let services: Vec<&str> = SERVICES
        .iter()
        .copied()
        .filter(|s| !table.with_prefix(&format!("{s}:")).is_empty())
        .collect();
    if services.is_empty() {
        table.services()
    } else {
        services
    }
}

/// Forty managed policies, one in eight of them AWS managed.
fn managed_policies(rng: &mut Rng, table: ActionTable<'_>, services: &[&str]) -> Vec<Managed> {
    (0..40)
        .map(|i| {
            let aws = i % 8 == 0;
            let name = if aws {
                format!("SyntheticAwsPolicy{i:02}")
            } else {
                format!("app-policy-{i:02}")
            };
            let arn = if aws {
                format!("arn:aws:iam::aws:policy/{name}")
            } else {
                format!("arn:aws:iam::{ACCOUNT_ID}:policy/{name}")
            };
            (name, arn, document(rng, table, services))
        })
        .collect()
}

/// Role `r`: its entry of `RoleDetailList` and its unused-access finding.
fn role(
    rng: &mut Rng,
    r: usize,
    table: ActionTable<'_>,
    services: &[&str],
    managed: &[Managed],
) -> (Value, Value) {
    let name = format!("role-{r:04}");
    let arn = format!("arn:aws:iam::{ACCOUNT_ID}:role/{name}");
    let inline = document(rng, table, services);
    let mut attached: Vec<usize> = (0..1 + rng.below(3))
        .map(|_| rng.below(managed.len()))
        .collect();
    attached.sort_unstable();
    attached.dedup();
    let mut grants = granted(&inline, table);
    for &m in &attached {
        if let Some((_, _, doc)) = managed.get(m) {
            grants.extend(granted(doc, table));
        }
    }
    grants.sort();
    grants.dedup();
    let inline_document = if rng.chance_percent(30) {
        url_encoded(&inline)
    } else {
        inline
    };
    let role = json!({
        "RoleName": name,
        "Arn": arn,
        "Path": "/",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "RolePolicyList": [{"PolicyName": format!("{name}-inline"), "PolicyDocument": inline_document}],
        "AttachedManagedPolicies": attached.iter().filter_map(|&m| managed.get(m)).map(|(n, a, _)| json!({"PolicyName": n, "PolicyArn": a})).collect::<Vec<_>>(),
    });
    let finding = finding(rng, r, &arn, &grants);
    (role, finding)
}

/// The finding of role `r`: most of what a role may do it never does, so 40
/// to 90 percent of its grants are listed as unused, one service in twenty
/// as wholly unused.
fn finding(rng: &mut Rng, r: usize, arn: &str, grants: &[String]) -> Value {
    let share = 40 + rng.below(51) as u64;
    let mut by_service: std::collections::BTreeMap<&str, Vec<&str>> =
        std::collections::BTreeMap::new();
    for action in grants {
        if rng.chance_percent(share) {
            if let Some((service, name)) = action.split_once(':') {
                by_service.entry(service).or_default().push(name);
            }
        }
    }
    let details: Vec<Value> = by_service
        .iter()
        .map(|(service, actions)| {
            if rng.chance_percent(5) {
                json!({"unusedPermissionDetails": {"serviceNamespace": service}})
            } else {
                json!({"unusedPermissionDetails": {"serviceNamespace": service,
                    "actions": actions.iter().map(|a| json!({"action": a})).collect::<Vec<_>>()}})
            }
        })
        .collect();
    json!({
        "id": format!("00000000-0000-4000-8000-{r:012}"),
        "resource": arn,
        "resourceType": "AWS::IAM::Role",
        "resourceOwnerAccount": ACCOUNT_ID,
        "status": "ACTIVE",
        "findingType": "UnusedPermission",
        "analyzedAt": "2026-06-10T08:15:30+00:00",
        "createdAt": "2026-06-01T00:00:00+00:00",
        "updatedAt": "2026-06-10T08:15:30+00:00",
        "findingDetails": details,
    })
}

/// The authorization details of the roles and managed policies, as text.
fn details(roles: Vec<Value>, managed: &[Managed]) -> String {
    let policies: Vec<Value> = managed
        .iter()
        .map(|(name, arn, doc)| {
            json!({
                "PolicyName": name, "Arn": arn, "Path": "/", "DefaultVersionId": "v1",
                "AttachmentCount": 1, "IsAttachable": true,
                "PolicyVersionList": [{"Document": doc, "VersionId": "v1", "IsDefaultVersion": true}],
            })
        })
        .collect();
    let details = json!({
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": roles,
        "Policies": policies,
    });
    serde_json::to_string_pretty(&details).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{ACCOUNT_ID, generate};
    use crate::digest;
    use crate::fixtures::small_catalog;

    #[test]
    fn the_same_seed_generates_the_same_account() {
        let first = generate(small_catalog(), 12, 5);
        assert_eq!(first, generate(small_catalog(), 12, 5));
        assert_ne!(first, generate(small_catalog(), 12, 6));
        assert_eq!(first.findings.lines().count(), 12);
        assert!(first.details.contains(ACCOUNT_ID));
    }

    /// The draws are pinned: benchmark figures and tests that count what a
    /// generated account holds compare only while the same seed generates
    /// the same account. A change here is a change of every such input.
    #[test]
    fn the_generated_account_is_pinned() {
        let account = generate(small_catalog(), 12, 5);
        assert_eq!(
            (digest(&account.details), digest(&account.findings)),
            (0x99e0_515c_8c02_e248, 0x5c5d_037e_95ca_6b43)
        );
    }
}
