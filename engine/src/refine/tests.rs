//! Refine's unit tests.
use super::*;
use crate::table::{AccessLevel, KnownAction};

const ROWS: &[KnownAction] = &[
    KnownAction::new_static("iam:GetRole", AccessLevel::READ, true),
    KnownAction::new_static("s3:GetObject", AccessLevel::READ, true),
    KnownAction::new_static("s3:PutObject", AccessLevel::WRITE, true),
];

#[test]
fn remarks_about_unused_actions_come_one_per_action_in_order() {
    // Held as one record, the remarks come out as separate diagnostics,
    // each action's in turn (unknown first, then not granted), between
    // the statement's remarks and the services', and serialize as a
    // list of them.
    let table = ActionTable::new(ROWS).unwrap();
    let policy = Policy::parse(
        r#"{"Statement":[{"Effect":"Allow","Action":["s3:GetObject","nosuch:Thing"],"Resource":"*"}]}"#,
    )
    .unwrap();
    let unused = UnusedSet::parse(
        "iam:GetRole
newsvc:DoThing
s3:GetObject
zz:*
",
    )
    .unwrap();
    let refined = refine(&policy, &unused, table, &RefineOptions::default());
    let all = refined.diagnostics.clone().into_vec();
    let seen: Vec<(DiagnosticCode, &str)> = all.iter().map(|d| (d.code, &*d.subject)).collect();
    assert_eq!(
        seen,
        [
            (DiagnosticCode::UnknownAction, "nosuch:Thing"),
            (DiagnosticCode::UnusedNotGranted, "iam:GetRole"),
            (DiagnosticCode::UnknownUnusedAction, "newsvc:DoThing"),
            (DiagnosticCode::UnusedNotGranted, "newsvc:DoThing"),
            (DiagnosticCode::UnknownUnusedAction, "zz:*"),
            (DiagnosticCode::UnusedNotGranted, "zz:*"),
        ]
    );
    assert_eq!(refined.diagnostics.len(), all.len());
    assert_eq!(refined.diagnostics, Diagnostics::from(all.clone()));
    assert_eq!(
        serde_json::to_string(&refined.diagnostics).unwrap(),
        serde_json::to_string(&all).unwrap()
    );
}

#[test]
fn what_the_catalog_cannot_see_stays_granted() {
    let table = ActionTable::new(ROWS).unwrap();
    let policy = Policy::parse(
        r#"{"Statement":[{"Effect":"Allow","Action":["newsvc:*","iam:Desc*","s3:*"],"Resource":"*"}]}"#,
    )
    .unwrap();
    let unused = UnusedSet::parse("newsvc:DoThing\niam:DescribeThing\ns3:PutObject\n").unwrap();
    let options = RefineOptions {
        catalog_date: Some("2026-08-27".to_string()),
        ..RefineOptions::default()
    };
    let refined = refine(&policy, &unused, table, &options);
    assert_eq!(
        refined.policy.statements()[0].entries(),
        ["newsvc:*", "iam:Desc*", "s3:GetObject"]
    );
    let all = refined.diagnostics.clone().into_vec();
    let blind: Vec<(DiagnosticCode, &str, &str)> = all
        .iter()
        .filter(|d| {
            matches!(
                d.code,
                DiagnosticCode::UnknownService | DiagnosticCode::MatchesNoAction
            )
        })
        .map(|d| (d.code, &*d.subject, d.message.as_ref()))
        .collect();
    assert_eq!(blind.len(), 2, "{blind:?}");
    assert_eq!(blind[0].0, DiagnosticCode::UnknownService);
    assert!(blind[0].2.contains("`newsvc`") && blind[0].2.contains("2026-08-27"));
    assert_eq!(blind[1].0, DiagnosticCode::MatchesNoAction);
    assert!(blind[1].2.contains("of `iam`") && blind[1].2.contains("kept as written"));
    let v = crate::verify(&policy, &refined.policy, &unused, table);
    assert!(v.is_ok(), "{v}");
    // Removing them, as pare did before, is what verify now rejects.
    let old = Policy::parse(
        r#"{"Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*"}]}"#,
    )
    .unwrap();
    let v = crate::verify(&policy, &old, &unused, table);
    assert_eq!(
        v.to_string(),
        "Statement[0]: `newsvc:*` names the service `newsvc`, which the catalog does not know, so it must be kept as written\n\
         Statement[0]: `iam:Desc*` matches no action of the catalog, so it must be kept as written\n"
    );
    // A whole service marked unused takes its wildcard with it, known or not.
    let mut whole = unused.clone();
    whole.insert_service("newsvc", None);
    let refined = refine(&policy, &whole, table, &options);
    assert_eq!(
        refined.policy.statements()[0].entries(),
        ["iam:Desc*", "s3:GetObject"]
    );
    assert!(crate::verify(&policy, &refined.policy, &whole, table).is_ok());
}

#[test]
fn a_blind_entry_stands_once_for_its_case_twins() {
    // Found by the refine fuzz target: two entries the catalog cannot see,
    // equal but for case, grant the same; the refinement keeps the first
    // and verify takes it for both.
    let table = ActionTable::new(ROWS).unwrap();
    let policy = Policy::parse(
        r#"{"Statement":[{"Effect":"Allow","Action":["iam:Upd*Configuration","s3:PutObject","iam:Upd*ConFiguration","newsvc:Do*","NEWSVC:do*"],"Resource":"*"}]}"#,
    )
    .unwrap();
    let unused = UnusedSet::parse("s3:PutObject\n").unwrap();
    let refined = refine(&policy, &unused, table, &RefineOptions::default());
    assert_eq!(
        refined.policy.statements()[0].entries(),
        ["iam:Upd*Configuration", "newsvc:Do*"]
    );
    let v = crate::verify(&policy, &refined.policy, &unused, table);
    assert!(v.is_ok(), "{v}");
    // Dropping the blind entry altogether is still refused.
    let dropped = Policy::parse(
        r#"{"Statement":[{"Effect":"Allow","Action":["iam:Upd*Configuration"],"Resource":"*"}]}"#,
    )
    .unwrap();
    let v = crate::verify(&policy, &dropped, &unused, table);
    assert!(v.to_string().contains("`newsvc:Do*`"), "{v}");
}

/// Entries refined one after another over one kept index emit what each
/// emits over a trie of its own, whatever ran before it; and entries of
/// one language share an outcome.
#[test]
fn a_shared_index_changes_no_entry() {
    use crate::table::{AccessLevel, KnownAction};
    let names = [
        "ec2:DescribeImages",
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceStatus",
        "ec2:RunInstances",
        "ec2:StartInstances",
        "iam:GetRole",
        "iam:PassRole",
        "iam:ListRoles",
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "lambda:GetFunction",
        "lambda:InvokeFunction",
        "lambda:InvokeAsync",
        "s3:GetBucketPolicy",
        "s3:GetBucketPolicyStatus",
        "s3:GetObject",
        "s3:GetObjectAcl",
        "s3:GetObjectTagging",
        "s3:ListBucket",
        "s3:PutObject",
        "s3:PutObjectAcl",
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
    ];
    let mut names = names.to_vec();
    names.sort_by_key(|n| n.to_ascii_lowercase());
    let rows: Vec<KnownAction> = names
        .iter()
        .map(|n| KnownAction::new_static(n, AccessLevel::READ, true))
        .collect();
    let table = ActionTable::new(&rows).unwrap();
    let unused = UnusedSet::parse(
        "s3:GetObjectAcl\ns3:GetBucketPolicy\nec2:DescribeImages\niam:PassRole\nlambda:InvokeFunction\nkms:Decrypt\n",
    )
    .unwrap();
    let known = Known::new(table, [], &unused);
    let index = Shared::new();
    let entries = [
        "*",
        "*:Get*",
        "s3:*",
        "ec2:Describe*",
        "*??????????*",
        "??*????????*",
        "s3:Get*Acl",
        "*Object*",
        "i?m:*",
        "*:Pass*",
        "ec2:*??????????*",
        "s3:Ge*",
    ];
    let options = RefineOptions::default();
    for entry in entries {
        let shared = refine_entry_with(entry, &unused, &known, &options, &index);
        let alone = refine_entry(entry, &unused, &known, &options);
        assert_eq!(shared, alone, "{entry}");
        let trie = generalize(&Pattern::new(entry), &unused, &known);
        if let Outcome::Replace(with) = &shared {
            let with: Vec<&str> = with.iter().map(|e| &**e).collect();
            assert_eq!(with, trie.emitted, "{entry}");
        }
    }
    assert_eq!(
        Pattern::language_key("*??????????*"),
        Pattern::language_key("??*????????*")
    );
    assert_eq!(Pattern::language_key("S3:*?Get?**"), "s3:?*get?*");
    assert_ne!(Pattern::language_key("*a?"), Pattern::language_key("*?a"));
}

/// `pare account` keeps one trie index per thread for all its jobs: a
/// block cut for one refinement serves the next only over the same names,
/// whatever the unused set, and a K with a name of its own (a literal the
/// catalog does not know) gets its own block.
#[test]
fn an_index_shared_by_refinements_changes_no_refinement() {
    let rows: Vec<KnownAction> = [
        "s3:GetBucketPolicy",
        "s3:GetObject",
        "s3:GetObjectAcl",
        "s3:GetObjectTagging",
        "s3:ListBucket",
        "s3:PutObject",
        "s3:PutObjectAcl",
    ]
    .iter()
    .map(|n| KnownAction::new_static(n, AccessLevel::READ, true))
    .collect();
    let table = ActionTable::new(&rows).unwrap();
    let runs = [
        (r#"["s3:Get*","s3:Put*"]"#, "s3:GetObjectAcl\n"),
        (r#"["s3:*"]"#, "s3:PutObjectAcl\ns3:GetBucketPolicy\n"),
        (
            r#"["s3:Get*","s3:GetObjectLegalHold"]"#,
            "s3:GetObjectTagging\n",
        ),
        (r#"["s3:*Object*"]"#, "s3:GetObject\n"),
        (r#"["s3:Get*"]"#, "s3:GetObjectAcl\n"),
    ];
    let index = Index::new();
    let options = RefineOptions::default();
    for (actions, unused) in runs {
        let policy = Policy::parse(&format!(
            r#"{{"Statement":[{{"Effect":"Allow","Action":{actions},"Resource":"*"}}]}}"#
        ))
        .unwrap();
        let unused = UnusedSet::parse(unused).unwrap();
        let known = Known::new(table, [&policy], &unused);
        let shared = refine_indexed(
            &policy,
            &unused,
            &known,
            &options,
            &index,
            UnusedRemarks::Made,
        );
        let alone = refine_with(&policy, &unused, &known, &options);
        assert_eq!(
            serde_json::to_string(&shared.policy).unwrap(),
            serde_json::to_string(&alone.policy).unwrap(),
            "{actions}"
        );
        assert!(shared.changed(), "{actions}");
    }
}

/// Found by the `refine` fuzz target: a statement written with an empty
/// `Action` list ends up empty, so it is removed like any other.
#[test]
fn a_statement_written_empty_is_removed() {
    let table = ActionTable::new(ROWS).unwrap();
    let policy = Policy::parse(
        r#"{"Statement":[{"Effect":"Allow","Action":[],"Resource":"*"},{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
    )
    .unwrap();
    let unused = UnusedSet::parse("s3:PutObject\n").unwrap();
    let refined = refine(&policy, &unused, table, &RefineOptions::default());
    assert_eq!(refined.policy.statements().len(), 1);
    assert_eq!(refined.policy.statements()[0].entries(), ["s3:GetObject"]);
    let v = crate::verify(&policy, &refined.policy, &unused, table);
    assert!(v.is_ok(), "{v}");
}

#[test]
fn dedup_keeps_the_first_of_each_class_in_order() {
    // Statements of entries kept as written and replacement lists, the
    // lists mostly sorted and distinct (as the walks leave them), some out
    // of order or with case twins of each other, their entries mostly
    // shared between lists (as a walk's are) and sometimes copies of the
    // same text; each is held to the plain rule: an entry is a duplicate
    // when one equal but for case stands before it.
    let words = [
        "s3:Get*",
        "s3:GET*",
        "s3:GetObject",
        "s3:Put*",
        "ec2:*",
        "EC2:*",
        "a",
        "b-c",
        "B-C",
        "s3:get",
    ];
    let mut below = crate::test_rng::below(0xdedu64);
    let texts: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    let shared: Vec<Arc<str>> = words.iter().map(|w| Arc::from(*w)).collect();
    let place = Place {
        statement: 0,
        sid: None,
        key: ActionKey::Action,
    };
    for round in 0..2_000 {
        let mut segments: Vec<Segment<'_>> = Vec::new();
        for _ in 0..below(6) {
            if below(3) == 0 {
                segments.push(Segment::Kept(&texts[below(texts.len())]));
            } else {
                let mut list: Vec<Arc<str>> = (0..below(8))
                    .map(|_| {
                        let word = &shared[below(shared.len())];
                        if below(4) == 0 {
                            Arc::from(&**word)
                        } else {
                            Arc::clone(word)
                        }
                    })
                    .collect();
                if below(4) != 0 {
                    list.sort_by(|a, b| crate::table::cmp_ci(a, b));
                    list.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
                }
                segments.push(Segment::List {
                    list: list.into(),
                    again: false,
                });
            }
        }
        let mut local = Edits::new();
        let deduped = dedup(&segments, &place, &mut local);
        let mut seen: HashSet<String> = HashSet::new();
        let (mut first, mut duplicates) = (Vec::new(), Vec::new());
        for segment in &segments {
            let entries: Vec<&str> = match segment {
                Segment::Kept(entry) => vec![entry.as_str()],
                Segment::List { list, .. } => list.iter().map(|e| &**e).collect(),
            };
            for entry in entries {
                if seen.insert(entry.to_ascii_lowercase()) {
                    first.push(entry.to_string());
                } else {
                    duplicates.push(entry.to_string());
                }
            }
        }
        let removed: Vec<String> = local
            .iter()
            .map(|edit| match &edit.change {
                Change::Removed {
                    entry,
                    reason: RemovalReason::Duplicate,
                } => entry.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(deduped, first, "round {round}");
        assert_eq!(removed, duplicates, "round {round}");
    }
}

/// An entry whose literal part reaches past its service (`s3:Get*`) is
/// walked over its service's names with only those under the literal part
/// classed (`around_literal`); the walk emits what it emits over the whole
/// service classed by `classify`, on random catalogs (names with words,
/// acronyms, digits, hyphens and case twins), K's own names, random
/// entries and random unused sets.
#[test]
fn classing_only_the_literal_part_changes_no_walk() {
    let mut below = crate::test_rng::below(0x11e7a1u64);
    let words = [
        "Get",
        "GET",
        "Put",
        "Object",
        "ObjectAcl",
        "Acl",
        "ACL",
        "Bucket",
        "X",
        "List",
        "Describe",
        "Instance",
        "Instances",
        "V2",
        "2",
        "-",
        "Tag",
        "Tagging",
        "DB",
        "Db",
        "Cluster",
        "a",
        "Get-",
    ];
    let services = ["s3", "ec2", "rds"];
    let mut walks = 0usize;
    for round in 0..400 {
        let mut names: Vec<String> = Vec::new();
        for _ in 0..5 + below(60) {
            let service = services[below(services.len())];
            let mut action = String::new();
            for _ in 0..1 + below(4) {
                action.push_str(words[below(words.len())]);
            }
            if action.starts_with('-') {
                action.insert(0, 'A');
            }
            names.push(format!("{service}:{action}"));
        }
        names.sort_by(|a, b| crate::table::cmp_ci(a, b));
        names.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        let rows: Vec<KnownAction> = names
            .iter()
            .map(|n| KnownAction {
                name: n.clone().into(),
                access: AccessLevel::READ,
                last_accessed_tracked: true,
            })
            .collect();
        let table = ActionTable::new(&rows).unwrap();
        // Unused: a random part of the catalog, and names it does not know.
        let mut list = String::new();
        for name in &names {
            if below(3) == 0 {
                list.push_str(name);
                list.push('\n');
            }
        }
        for _ in 0..below(3) {
            let service = services[below(services.len())];
            list.push_str(&format!("{service}:{}Unknown\n", words[below(words.len())]));
        }
        let unused = UnusedSet::parse(&list).unwrap();
        let known = Known::new(table, [], &unused);
        for _ in 0..8 {
            // A literal part past the service: a random prefix of a name
            // (or of its case twin), then `*`, `?` or both.
            let base = &names[below(names.len())];
            let colon = base.find(':').unwrap();
            let cut = colon + 2 + below(base.len() - colon - 1);
            let mut entry: String = base.get(..cut.min(base.len())).unwrap_or(base).to_string();
            if below(4) == 0 {
                entry = entry.to_ascii_uppercase();
            }
            entry.push_str(["*", "*Acl", "?*", "*a*", "*?"][below(5)]);
            let pattern = Pattern::new(&entry);
            let literal = pattern.literal_prefix();
            assert!(literal.len() > range_prefix(literal).len(), "{entry}");
            let under = classify_under_literal(&pattern, &unused, &known);
            let around = around_literal(under, literal, &known).expect("in place");
            let index = Index::new();
            let walk = |actions| {
                with_entry_problem(&pattern, actions, |problem| {
                    Trie::walk(problem, &index, Mode::Emitted).emitted
                })
            };
            let whole = classify(&pattern, &unused, &known);
            fn placed<'a>(a: &[(&'a str, Class)]) -> Vec<&'a str> {
                a.iter()
                    .filter(|(_, c)| *c == Class::Placed)
                    .map(|(n, _)| *n)
                    .collect()
            }
            assert_eq!(placed(&around), placed(&whole), "round {round}: {entry}");
            assert_eq!(
                around.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
                whole.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
                "round {round}: {entry}"
            );
            if !placed(&whole).is_empty() {
                walks += 1;
            }
            assert_eq!(walk(around), walk(whole), "round {round}: {entry}");
        }
    }
    assert!(walks > 1_000, "{walks} walks with something placed");
}

/// The blind spots an index remembers are about one catalog: asked of
/// another table, the same entry is looked up again, and the answers of
/// every kind come back as they were found.
#[test]
fn remembered_blind_spots_are_about_one_catalog() {
    let with: Vec<KnownAction> = ["newsvc:DoThing", "s3:GetObject"]
        .iter()
        .map(|n| KnownAction::new_static(n, AccessLevel::READ, true))
        .collect();
    let without: Vec<KnownAction> = ["s3:GetObject", "s3:PutObject"]
        .iter()
        .map(|n| KnownAction::new_static(n, AccessLevel::READ, true))
        .collect();
    let (with, without) = (
        ActionTable::new(&with).unwrap(),
        ActionTable::new(&without).unwrap(),
    );
    let index = Index::new();
    let ask = |entry: &str, table: ActionTable<'_>| {
        let pattern = Pattern::new(entry);
        let shared = Shared::sharing(&index);
        format!("{:?}", shared.blind_spot(&pattern, table))
    };
    for _ in 0..2 {
        assert_eq!(ask("newsvc:Do*", with), "None");
        assert_eq!(ask("s3:Put*", with), "Some(NoCatalogAction)");
        assert_eq!(
            ask("newsvc:Do*", without),
            "Some(UnknownService(\"newsvc\"))"
        );
        assert_eq!(ask("s3:Put*", without), "None");
        assert_eq!(ask("S3:*Zzz", without), "Some(NoCatalogAction)");
    }
    // What is remembered is about the last table asked: its three entries.
    assert_eq!(index.blind_spots.borrow().answers.len(), 3);
    assert_eq!(
        ask("newsvc:Do*", without),
        "Some(UnknownService(\"newsvc\"))"
    );
    assert_eq!(index.blind_spots.borrow().answers.len(), 3);
}

/// An account's plan refines without the remarks about unused actions
/// (`UnusedRemarks::Skipped`): the same policy, the same edits, and every
/// other diagnostic, on random policies (literals, wildcards, `NotAction`,
/// `Deny`, unknown actions) and unused lists (unknown actions, wholly
/// unused services, actions no statement grants).
#[test]
fn skipping_the_unused_remarks_changes_nothing_else() {
    let rows: Vec<KnownAction> = [
        "ec2:DescribeInstances",
        "ec2:RunInstances",
        "iam:GetRole",
        "iam:PassRole",
        "s3:GetObject",
        "s3:GetObjectAcl",
        "s3:ListBucket",
        "s3:PutObject",
    ]
    .iter()
    .map(|n| KnownAction::new_static(n, AccessLevel::READ, true))
    .collect();
    let table = ActionTable::new(&rows).unwrap();
    let entries = [
        "s3:GetObject",
        "s3:Get*",
        "s3:*",
        "*",
        "ec2:*Instances",
        "iam:?etRole",
        "new:Thing",
        "s3:Put*",
        "*Object*",
        "iam:*",
    ];
    let listed = [
        "s3:GetObject",
        "s3:GetObjectAcl",
        "iam:PassRole",
        "new:Thing",
        "newer:Other",
        "zz:*",
        "ec2:*",
        "s3:PutObject",
        "ec2:RunInstances",
    ];
    let mut below = crate::test_rng::below(0x5e1b_u64);
    let mut skipped = 0;
    for round in 0..400 {
        let statements: Vec<serde_json::Value> = (0..below(3) + 1)
            .map(|_| {
                let list: Vec<&str> = (0..below(4) + 1)
                    .map(|_| entries[below(entries.len())])
                    .collect();
                let effect = if below(6) == 0 { "Deny" } else { "Allow" };
                let key = if below(6) == 0 { "NotAction" } else { "Action" };
                serde_json::json!({"Effect": effect, key: list, "Resource": "*"})
            })
            .collect();
        let text = serde_json::json!({"Statement": statements}).to_string();
        let policy = Policy::parse(&text).unwrap();
        let unused: Vec<&str> = (0..below(5)).map(|_| listed[below(listed.len())]).collect();
        let Ok(unused) = UnusedSet::parse(&unused.join("\n")) else {
            continue;
        };
        let known = Known::new(table, [&policy], &unused);
        let options = RefineOptions::default();
        let refine =
            |remarks| refine_indexed(&policy, &unused, &known, &options, &Index::new(), remarks);
        let (made, without) = (refine(UnusedRemarks::Made), refine(UnusedRemarks::Skipped));
        assert_eq!(made.policy, without.policy, "round {round}: {text}");
        assert_eq!(made.edits, without.edits, "round {round}: {text}");
        let others: Vec<Diagnostic> = made
            .diagnostics
            .iter()
            .map(std::borrow::Cow::into_owned)
            .filter(|d| {
                !matches!(
                    d.code,
                    DiagnosticCode::UnusedNotGranted | DiagnosticCode::UnknownUnusedAction
                )
            })
            .collect();
        assert_eq!(
            others,
            without.diagnostics.into_vec(),
            "round {round}: {text}"
        );
        skipped += made.diagnostics.len() - others.len();
    }
    assert!(skipped > 200, "{skipped}");
}
