//! The property: a corpus policy embedded in each source form, refined in
//! place and read back, is the refinement of the plain policy; and every
//! byte outside the action lists is unchanged.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test: a failure is a panic with the case"
)]

use pare_engine::{ActionKey, Change, Pattern, Policy, RefineOptions, UnusedSet};
use pare_iac::{Actions, Body, Document, Format};
use serde_json::Value;

/// A small deterministic generator (xorshift), seeded per run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn corpus() -> Vec<(String, Value)> {
    let text = include_str!("../../engine/tests/data/corpus/aws-managed-policies.json");
    let Value::Object(map) = serde_json::from_str(text).unwrap() else {
        panic!("the corpus is an object")
    };
    map.into_iter().collect()
}

/// Some of the actions the policy grants, as an unused list.
fn unused_for(policy: &Policy, rng: &mut Rng) -> String {
    let table = pare_catalog::embedded();
    let mut granted = Vec::new();
    for statement in policy.statements() {
        if statement.key() != ActionKey::Action {
            continue;
        }
        for entry in statement.entries() {
            let pattern = Pattern::new(entry);
            let service = entry.split(':').next().unwrap_or("");
            for row in table.with_prefix(&format!("{service}:")) {
                if pattern.matches(&row.name) {
                    granted.push(row.name.to_string());
                }
            }
        }
    }
    granted.sort();
    granted.dedup();
    let rate = [5, 20, 60, 100][rng.below(4)];
    granted
        .into_iter()
        .filter(|_| rng.chance(rate))
        .take(400)
        .collect::<Vec<_>>()
        .join("\n")
}

// ---- emitters -------------------------------------------------------------

fn yaml_scalar(value: &Value, rng: &mut Rng) -> String {
    match value {
        Value::String(s) => {
            let plain = !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ":*_./-".contains(c))
                && s.starts_with(|c: char| c.is_ascii_alphabetic())
                && !["true", "false", "null", "yes", "no", "on", "off", "y", "n"]
                    .contains(&s.to_ascii_lowercase().as_str());
            match rng.below(3) {
                0 if plain => s.clone(),
                1 if !s.contains('\n') => format!("'{}'", s.replace('\'', "''")),
                _ => serde_json::to_string(s).unwrap(),
            }
        }
        other => serde_json::to_string(other).unwrap(),
    }
}

fn yaml(value: &Value, indent: usize, rng: &mut Rng, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (i, (key, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(&pad);
                }
                out.push_str(&serde_json::to_string(key).unwrap());
                out.push(':');
                yaml_value(v, indent, rng, out);
            }
        }
        other => {
            out.push_str(&yaml_scalar(other, rng));
            out.push('\n');
        }
    }
}

fn yaml_value(v: &Value, indent: usize, rng: &mut Rng, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) if m.is_empty() => out.push_str(" {}\n"),
        Value::Array(a) if a.is_empty() => out.push_str(" []\n"),
        Value::Object(_) => {
            out.push('\n');
            out.push_str(&" ".repeat(indent + 2));
            yaml(v, indent + 2, rng, out);
        }
        Value::Array(items)
            if items.iter().all(|i| !i.is_object() && !i.is_array()) && rng.chance(40) =>
        {
            let list: Vec<String> = items.iter().map(|i| yaml_scalar(i, rng)).collect();
            out.push_str(&format!(" [{}]  # flow\n", list.join(", ")));
        }
        Value::Array(items) => {
            out.push('\n');
            for item in items {
                out.push_str(&format!("{pad}  - "));
                match item {
                    Value::Object(m) if !m.is_empty() => yaml(item, indent + 4, rng, out),
                    Value::Array(_) => {
                        out.push_str(&serde_json::to_string(item).unwrap());
                        out.push('\n');
                    }
                    other => {
                        out.push_str(&yaml_scalar(other, rng));
                        if rng.chance(20) {
                            out.push_str("  # a comment");
                        }
                        out.push('\n');
                    }
                }
            }
        }
        other => {
            out.push(' ');
            out.push_str(&yaml_scalar(other, rng));
            out.push('\n');
        }
    }
}

fn hcl_string(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap()
        .replace("${", "$${")
        .replace("%{", "%%{")
}

fn hcl(value: &Value, indent: usize, rng: &mut Rng) -> String {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            let mut out = "{\n".to_string();
            for (key, v) in map {
                let ident = key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && key.starts_with(|c: char| c.is_ascii_alphabetic());
                let key = if ident { key.clone() } else { hcl_string(key) };
                out.push_str(&format!("{pad}  {key} = {}\n", hcl(v, indent + 2, rng)));
            }
            out.push_str(&pad);
            out.push('}');
            out
        }
        Value::Array(items) => {
            if items.iter().all(|i| i.is_string()) && rng.chance(50) {
                let list: Vec<String> = items.iter().map(|i| hcl(i, indent, rng)).collect();
                format!("[{}]", list.join(", "))
            } else {
                let mut out = "[\n".to_string();
                for item in items {
                    let comment = if rng.chance(15) { " # why" } else { "" };
                    out.push_str(&format!(
                        "{pad}  {},{comment}\n",
                        hcl(item, indent + 2, rng)
                    ));
                }
                out.push_str(&pad);
                out.push(']');
                out
            }
        }
        Value::String(s) => hcl_string(s),
        other => other.to_string(),
    }
}

/// The `aws_iam_policy_document` form, for policies whose statements have
/// only the fields it writes plainly.
fn policy_document(value: &Value, rng: &mut Rng) -> Option<String> {
    let mut out = "data \"aws_iam_policy_document\" \"p\" {\n".to_string();
    for statement in value.get("Statement")?.as_array()? {
        let object = statement.as_object()?;
        out.push_str("  # a statement\n  statement {\n");
        for (key, v) in object {
            let name = match key.as_str() {
                "Sid" => "sid",
                "Effect" => "effect",
                "Action" => "actions",
                "NotAction" => "not_actions",
                "Resource" => "resources",
                "NotResource" => "not_resources",
                _ => return None,
            };
            let v = match (name, v) {
                ("sid" | "effect", Value::String(_)) => v.clone(),
                (_, Value::String(s)) => Value::Array(vec![Value::String(s.clone())]),
                _ => v.clone(),
            };
            out.push_str(&format!("    {name} = {}\n", hcl(&v, 4, rng)));
        }
        out.push_str("  }\n\n");
    }
    out.push_str("}\n");
    Some(out)
}

// ---- the property ---------------------------------------------------------

/// The action lists of a document, masked, so that what is left can be
/// compared byte for byte.
fn masked(text: &str, doc: &Document) -> String {
    let mut spans: Vec<std::ops::Range<usize>> = doc
        .statements
        .iter()
        .filter_map(|s| match &s.actions {
            Actions::Literal(list) => Some(pare_iac::doc::list_region(text, list)),
            Actions::NonLiteral => None,
        })
        .collect();
    spans.sort_by_key(|s| s.start);
    let mut out = String::new();
    let mut at = 0;
    for span in spans {
        out.push_str(&text[at..span.start]);
        out.push('\u{0}');
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

fn the_document(format: Option<Format>, text: &str) -> Document {
    match format {
        None => pare_iac::read_json_policy(text).unwrap(),
        Some(format) => {
            let scan = pare_iac::scan(format, text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            match scan.policies.into_iter().next().map(|p| p.body) {
                Some(Body::Document(doc)) => doc,
                other => panic!("no document: {other:?}\n{text}"),
            }
        }
    }
}

fn check(
    name: &str,
    form: &str,
    format: Option<Format>,
    text: &str,
    plain: &Policy,
    unused: &UnusedSet,
) {
    let table = pare_catalog::embedded();
    let options = RefineOptions::default();
    let expected = pare_engine::refine(plain, unused, table, &options);
    let doc = the_document(format, text);
    let outcome = pare_iac::refine::refine(&doc, text, unused, table, &options)
        .unwrap_or_else(|e| panic!("{name} as {form}: {e}"));
    let edited = pare_iac::apply(text, &outcome.splices);
    let context = || format!("{name} as {form}\n--- before\n{text}\n--- after\n{edited}");
    if expected.policy.statements().is_empty() {
        assert!(outcome.detach, "{}", context());
        assert_eq!(edited, text);
        return;
    }
    let back = the_document(format, &edited);
    let (read, _) = back.policy().unwrap();
    assert_eq!(
        read.statements().len(),
        expected.policy.statements().len(),
        "{}",
        context()
    );
    for (a, b) in read.statements().iter().zip(expected.policy.statements()) {
        assert_eq!(
            (a.effect(), a.key()),
            (b.effect(), b.key()),
            "{}",
            context()
        );
        assert_eq!(a.entries(), b.entries(), "{}", context());
    }
    if matches!(form, "json" | "cfn-json" | "cfn-yaml") {
        assert_eq!(read.to_value(), expected.policy.to_value(), "{}", context());
    }
    let removed = expected
        .edits
        .iter()
        .any(|e| e.change == Change::StatementRemoved);
    if !removed {
        assert_eq!(masked(text, &doc), masked(&edited, &back), "{}", context());
    }
}

#[test]
fn corpus_policies_refined_in_every_form() {
    let seed = std::env::var("PARE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x05ee_d1ac);
    let mut rng = Rng(seed);
    let corpus = corpus();
    let runs: usize = std::env::var("PARE_IAC_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let mut forms_checked = 0;
    for _ in 0..runs {
        let (name, value) = &corpus[rng.below(corpus.len())];
        let plain = Policy::from_value(value.clone(), name).unwrap();
        let unused = UnusedSet::parse(&unused_for(&plain, &mut rng)).unwrap_or_default();
        let pretty = serde_json::to_string_pretty(value).unwrap();
        check(name, "json", None, &pretty, &plain, &unused);

        let template = serde_json::json!({"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": value}}}});
        let cfn_json = serde_json::to_string_pretty(&template).unwrap();
        check(
            name,
            "cfn-json",
            Some(Format::CloudFormationJson),
            &cfn_json,
            &plain,
            &unused,
        );

        let mut cfn_yaml = "# generated\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        ".to_string();
        yaml(value, 8, &mut rng, &mut cfn_yaml);
        check(
            name,
            "cfn-yaml",
            Some(Format::CloudFormationYaml),
            &cfn_yaml,
            &plain,
            &unused,
        );

        let tf = format!(
            "resource \"aws_iam_policy\" \"p\" {{\n  name = \"p\" # kept\n  policy = jsonencode({})\n}}\n",
            hcl(value, 2, &mut rng)
        );
        check(
            name,
            "tf-jsonencode",
            Some(Format::Terraform),
            &tf,
            &plain,
            &unused,
        );

        let heredoc = format!(
            "resource \"aws_iam_policy\" \"p\" {{\n  policy = <<-EOT\n{}\n  EOT\n}}\n",
            pretty.replace("${", "$${")
        );
        check(
            name,
            "tf-heredoc",
            Some(Format::Terraform),
            &heredoc,
            &plain,
            &unused,
        );

        if let Some(doc) = policy_document(value, &mut rng) {
            check(
                name,
                "tf-policy-document",
                Some(Format::Terraform),
                &doc,
                &plain,
                &unused,
            );
            forms_checked += 1;
        }
        forms_checked += 5;
    }
    assert!(forms_checked >= runs * 5);
}
