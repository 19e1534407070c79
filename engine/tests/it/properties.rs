//! Property tests: every refinement of every AWS managed policy, under seeded
//! random unused lists and the real catalog, keeps the guarantees that
//! `verify` checks, is idempotent, and detaches exactly when nothing remains.

use pare_engine::{ActionKey, Effect, Statement};
use pare_engine::{
    ActionTable, Change, Known, KnownAction, Pattern, Policy, RecommendedAction, RefineOptions,
    Refinement, UnusedSet, ViolationKind, refine, verify,
};
use pare_engine::{VerifyChecks, verify_checking};
use pare_testkit::{Density, Rng, SEED, granted_by_service, to_article_json, unused_list};

/// `PARE_PROPTEST_SEED=<n>` explores other lists locally; a failure message
/// names the policy and the list, and the same seed reproduces it.
fn seed() -> u64 {
    std::env::var("PARE_PROPTEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED)
}

/// The 1,594 AWS managed policies (see `data/corpus/SOURCE.md`).
#[expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a corpus that does not load is a failed test"
)]
fn corpus() -> Vec<(String, Policy)> {
    let text = include_str!("../data/corpus/aws-managed-policies.json");
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    let serde_json::Value::Object(policies) = value else {
        panic!("the corpus is an object of policies");
    };
    policies
        .into_iter()
        .map(|(name, document)| {
            let policy = Policy::from_value(document, &name)
                .unwrap_or_else(|e| panic!("{name} does not parse: {e}"));
            (name, policy)
        })
        .collect()
}

/// How many statements the refinement must keep, restated from the rules of
/// `SEMANTICS.md` without the refinement's code: an Allow `Action` statement
/// goes when every entry goes (a literal that is unused; a wildcard confined
/// to a wholly unused service, or one that matches known actions, all
/// unused); an Allow `NotAction` statement goes when it grants unused
/// actions (or leaves a wholly unused service open) and no used one.
fn expected_statements(policy: &Policy, unused: &UnusedSet, known: &Known<'_>) -> usize {
    policy
        .statements()
        .iter()
        .filter(|s| !expected_removed(s, unused, known))
        .count()
}

/// Whether the catalog knows the wildcard's service (when its literal part
/// names one) and some action of the catalog matches it.
fn catalog_sees(p: &Pattern, table: ActionTable<'_>) -> bool {
    if let Some(service) = p.fixed_service() {
        if table.with_prefix(&format!("{service}:")).is_empty() {
            return false;
        }
    }
    table
        .with_prefix(p.literal_prefix())
        .iter()
        .any(|row| p.matches(&row.name))
}

fn expected_removed(statement: &Statement, unused: &UnusedSet, known: &Known<'_>) -> bool {
    let matched = |p: &Pattern| -> Vec<String> {
        known
            .with_prefix(p.literal_prefix())
            .into_iter()
            .filter(|a| p.matches(a))
            .map(str::to_string)
            .collect()
    };
    match (statement.effect(), statement.key()) {
        (Effect::Deny, _) => false,
        (Effect::Allow, ActionKey::Action) => statement.entries().iter().all(|e| {
            let p = Pattern::new(e);
            if p.is_literal() {
                return unused.contains(e);
            }
            if p.fixed_service()
                .is_some_and(|s| unused.is_service_unused(s))
            {
                return true;
            }
            // What the catalog cannot see stays granted.
            if !catalog_sees(&p, known.table()) {
                return false;
            }
            let m = matched(&p);
            !m.is_empty() && m.iter().all(|a| unused.contains(a))
        }),
        (Effect::Allow, ActionKey::NotAction) => {
            let excluded: Vec<Pattern> = statement
                .entries()
                .iter()
                .map(|e| Pattern::new(e))
                .collect();
            let granted: Vec<&str> = known
                .all()
                .into_iter()
                .filter(|a| !excluded.iter().any(|p| p.matches(a)))
                .collect();
            let open_service = unused.services().any(|s| {
                let all = Pattern::new(&format!("{}:*", s.name));
                !excluded.iter().any(|p| p.contains(&all))
            });
            let grants_unused = granted.iter().any(|a| unused.contains(a)) || open_service;
            grants_unused && granted.iter().all(|a| unused.contains(a))
        }
    }
}

/// Refines `policy` under `unused` and checks everything; returns what failed.
fn check(
    name: &str,
    policy: &Policy,
    unused: &UnusedSet,
    table: ActionTable<'_>,
    options: &RefineOptions,
) -> (Refinement, Vec<String>) {
    let mut failures = Vec::new();
    let refinement = refine(policy, unused, table, options);
    let refined = &refinement.policy;
    // Conciseness (guarantee 6) is checked independently of the trie; a
    // refinement without wildcards lists actions, which it does not judge.
    let checks = VerifyChecks {
        concise: options.wildcards,
    };
    let verification = verify_checking(policy, refined, unused, table, &checks);
    if !verification.is_ok() {
        failures.push(format!("verify failed:\n{verification}"));
    }
    let again = refine(refined, unused, table, options);
    if again.changed() {
        failures.push(format!(
            "not idempotent: refining again made {:?}",
            again.edits
        ));
    }
    let detach = refinement.recommended_action() == RecommendedAction::DetachPolicy;
    if detach != refined.statements().is_empty() {
        failures.push(format!(
            "recommended {:?} with {} statements left",
            refinement.recommended_action(),
            refined.statements().len()
        ));
    }
    let known = Known::new(table, [policy], unused);
    let expected = expected_statements(policy, unused, &known);
    if refined.statements().len() != expected {
        failures.push(format!(
            "kept {} statements, the rules keep {expected}",
            refined.statements().len()
        ));
    }
    if failures.is_empty() {
        return (refinement, failures);
    }
    let failure = format!(
        "{name} (wildcards: {}), unused {}:\n  {}\nrefined: {}",
        options.wildcards,
        to_article_json(unused),
        failures.join("\n  "),
        refined.to_compact_string()
    );
    (refinement, vec![failure])
}

fn report(failures: &[String], cases: usize) {
    assert!(
        failures.is_empty(),
        "{} of {cases} refinements fail; the first:\n\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

#[test]
fn every_managed_policy_under_random_unused_lists() {
    let table = pare_catalog::embedded();
    let corpus = corpus();
    assert_eq!(corpus.len(), 1594);
    let lists: [(Density, RefineOptions); 4] = [
        (Density::Sparse, RefineOptions::default()),
        (Density::Half, RefineOptions::default()),
        (Density::NearlyAll, RefineOptions::default()),
        (
            Density::Half,
            RefineOptions {
                wildcards: false,
                ..RefineOptions::default()
            },
        ),
    ];
    let mut failures = Vec::new();
    let mut cases = 0usize;
    let mut detached = 0usize;
    let mut changed = 0usize;
    for (name, policy) in &corpus {
        let known = Known::new(table, [policy], &UnusedSet::new());
        let granted = granted_by_service(policy, &known);
        for (n, (density, options)) in lists.iter().enumerate() {
            let mut rng = Rng::for_case(seed(), name, n as u64);
            let unused = unused_list(&granted, &mut rng, *density);
            let (refinement, failed) = check(name, policy, &unused, table, options);
            detached += usize::from(refinement.policy.statements().is_empty());
            changed += usize::from(refinement.changed());
            failures.extend(failed);
            cases += 1;
        }
    }
    report(&failures, cases);
    // The lists must exercise the rules, not just pass through.
    assert!(
        changed > cases / 2,
        "only {changed} of {cases} refinements changed anything"
    );
    assert!(
        detached > 50,
        "only {detached} of {cases} refinements detached"
    );
}

#[test]
fn every_managed_policy_verifies_against_itself_when_nothing_is_unused() {
    let table = pare_catalog::embedded();
    let nothing = UnusedSet::new();
    for (name, policy) in corpus() {
        let refinement = refine(&policy, &nothing, table, &RefineOptions::default());
        assert!(!refinement.changed(), "{name}: {:?}", refinement.edits);
        let verification = verify(&policy, &policy, &nothing, table);
        assert!(verification.is_ok(), "{name}:\n{verification}");
    }
}

#[test]
fn every_managed_policy_and_its_refinement_print_as_serde_json_prints_them() {
    let table = pare_catalog::embedded();
    for (name, policy) in corpus() {
        let known = Known::new(table, [&policy], &UnusedSet::new());
        let granted = granted_by_service(&policy, &known);
        let unused = unused_list(
            &granted,
            &mut Rng::for_case(seed(), &name, 7),
            Density::Half,
        );
        let refined = refine(&policy, &unused, table, &RefineOptions::default()).policy;
        for policy in [&policy, &refined] {
            assert_eq!(
                policy.to_pretty_string(),
                serde_json::to_string_pretty(policy).unwrap(),
                "{name}"
            );
        }
    }
}

/// Policies the corpus has few of: `*`, NotAction, infix wildcards, `?`,
/// unknown actions, duplicates, a Deny beside the Allows.
const HAND_BUILT: &[&str] = &[
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    r#"{"Statement":{"Effect":"Allow","Action":["s3:*Object*","ec2:Describe*Instances","s3:?etObject","iam:Get*","iam:GetRole"],"Resource":"*"}}"#,
    r#"{"Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","s3:Delete*"],"Resource":"*"},{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#,
    r#"{"Statement":[{"Effect":"Allow","Action":["s3:GetSomethingNew","s3:Get*","S3:getobject","s3:GetObject","dynamodb:*Item","kms:*"],"Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#,
    r#"{"Statement":[{"Effect":"Allow","Action":["lambda:Invoke*","lambda:*Function*","sqs:*Message*","sns:?ublish"],"Resource":"*"},{"Sid":"Two","Effect":"Allow","Action":["logs:*","cloudwatch:Get*","cloudwatch:Describe*","cloudwatch:List*"],"Resource":"*"}]}"#,
    r#"{"Statement":[{"Effect":"Allow","NotAction":"s3:*","Resource":"*"},{"Effect":"Allow","Action":"s3:List*","Resource":"*"}]}"#,
    r#"{"Statement":[{"Effect":"Allow","Action":["*:Get*","*:List*","ec2:*"],"Resource":"*"}]}"#,
    r#"{"Statement":[{"Effect":"Allow","Action":["ec2:*Tags","ec2:*Vpc*","ec2:???Instances","iam:*Role*","newsvc:DoThings","bad"],"Resource":"*"}]}"#,
    r#"{"Statement":[{"Effect":"Allow","Action":["s3*:Get*","*3:List*","s3:","*:*Policy","?3:Put*","s3:Get?bject*","iam:*Policy","lambda:*"],"Resource":"*"}]}"#,
    r#"{"Statement":[{"Effect":"Allow","NotAction":["*:Delete*","iam:*","s3:Put*Policy"],"Resource":"*"},{"Effect":"Allow","NotAction":"*","Resource":"*"},{"Effect":"Allow","Action":"*:Get*","Resource":"*"}]}"#,
];

#[test]
fn hand_built_policies_under_many_unused_lists() {
    let table = pare_catalog::embedded();
    let mut failures = Vec::new();
    let mut cases = 0usize;
    for (name, policy, n, unused) in hand_built_cases(table, 12) {
        let options = RefineOptions {
            wildcards: n % 5 != 4,
            ..RefineOptions::default()
        };
        failures.extend(check(&name, &policy, &unused, table, &options).1);
        cases += 1;
    }
    report(&failures, cases);
}

/// Each hand-built policy with `lists` seeded unused lists (list `n` has
/// density `n % 3`): (name, policy, n, list).
#[expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "the hand-built policies are valid; `n % 3` indexes the three densities"
)]
fn hand_built_cases(table: ActionTable<'_>, lists: u64) -> Vec<(String, Policy, u64, UnusedSet)> {
    let mut cases = Vec::new();
    for (index, text) in HAND_BUILT.iter().enumerate() {
        let policy = Policy::parse(text).unwrap();
        let name = format!("hand-built #{index}");
        let known = Known::new(table, [&policy], &UnusedSet::new());
        let granted = granted_by_service(&policy, &known);
        for n in 0..lists {
            let mut rng = Rng::for_case(seed(), &name, n);
            let unused = unused_list(&granted, &mut rng, Density::ALL[n as usize % 3]);
            cases.push((name.clone(), policy.clone(), n, unused));
        }
    }
    cases
}

/// Without `evaluate_all`, a walk from the whole namespace builds a service's
/// nodes only when its `svc:` node is unsafe. It must emit exactly what the
/// walk over every node emits, for `*` and for entries that root elsewhere.
#[test]
fn the_walk_service_by_service_emits_what_the_full_walk_emits() {
    // The services the policies name and every twentieth other one: the full
    // walk over the whole catalog is too slow to repeat here.
    let services = pare_catalog::embedded().services();
    let keep: Vec<&str> = services
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            i % 20 == 0
                || [
                    "s3",
                    "ec2",
                    "iam",
                    "lambda",
                    "sqs",
                    "sns",
                    "logs",
                    "cloudwatch",
                    "dynamodb",
                    "kms",
                    "organizations",
                ]
                .contains(s)
        })
        .map(|(_, s)| *s)
        .collect();
    let rows: Vec<pare_engine::KnownAction> = pare_catalog::embedded()
        .rows()
        .iter()
        .filter(|row| keep.contains(&row.service()))
        .cloned()
        .collect();
    let table = ActionTable::new(&rows).unwrap();
    let mut failures = Vec::new();
    let mut cases = 0usize;
    for (name, policy, n, unused) in hand_built_cases(table, 3) {
        let known = Known::new(table, [&policy], &unused);
        for entry in ["*", "*:Get*", "s3:*", "ec2:Describe*"] {
            let pattern = Pattern::new(entry);
            let lazy = pare_engine::generalize(&pattern, &unused, &known);
            let full = pare_engine::generalize_trie(&pattern, &unused, &known, true);
            cases += 1;
            if lazy.emitted != full.emitted {
                failures.push(format!(
                    "{name}, list {n}, `{entry}`: by service {:?}, full {:?}",
                    lazy.emitted, full.emitted
                ));
            }
            // Every node the lazy walk built is one the full walk has, as visited.
            for node in &lazy.nodes {
                let twin = full.nodes.iter().find(|f| f.prefix == node.prefix);
                if twin.is_none_or(|f| f.visited != node.visited || f.emitted != node.emitted) {
                    failures.push(format!(
                        "{name}, list {n}, `{entry}`: node `{}` differs",
                        node.prefix
                    ));
                }
            }
        }
    }
    report(&failures, cases);
}

/// Breaks one statement of a real refinement in one of four ways, or gives
/// `None` when the chosen fault would not break a guarantee (judged from the
/// rules alone), so that every fault returned is one `verify` must notice.
#[expect(
    clippy::indexing_slicing,
    reason = "every index comes from the range of the slice it indexes"
)]
fn mutate(
    original: &Policy,
    refined: &Policy,
    unused: &UnusedSet,
    known: &Known<'_>,
    rng: &mut Rng,
) -> Option<(String, Policy)> {
    // Only refinements that kept every statement, so that indexes pair.
    if refined.statements().len() != original.statements().len() {
        return None;
    }
    let candidates: Vec<usize> = (0..refined.statements().len())
        .filter(|&i| {
            let s = &refined.statements()[i];
            s.effect() == Effect::Allow && s.key() == ActionKey::Action
        })
        .collect();
    let &index = rng.pick(&candidates)?;
    let before = &original.statements()[index];
    let after = &refined.statements()[index];
    let mut statements = refined.statements().to_vec();
    let grants =
        |entries: &[String], action: &str| entries.iter().any(|e| Pattern::new(e).matches(action));
    let description = match rng.below(4) {
        0 => {
            // An unused known action, added by name: always unsafe.
            let names: Vec<String> = unused
                .actions()
                .filter(|a| known.in_catalog(a.name))
                .map(|a| a.name.to_string())
                .collect();
            let name = rng.pick(&names)?.clone();
            let mut entries = after.entries().to_vec();
            entries.push(name.clone());
            statements[index] = after.with_entries(entries);
            format!("Statement[{index}] + `{name}`")
        }
        1 => {
            // One entry dropped: noticed when it alone grants a known action,
            // or when it was kept from the original as written.
            let entries = after.entries();
            let drop = rng.below(entries.len());
            let others: Vec<String> = entries
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != drop)
                .map(|(_, e)| e.clone())
                .collect();
            let dropped = &entries[drop];
            let p = Pattern::new(dropped);
            let alone = known
                .with_prefix(p.literal_prefix())
                .into_iter()
                .any(|a| p.matches(a) && !grants(&others, a));
            let kept = before.entries().contains(dropped)
                && !others.iter().any(|e| e.eq_ignore_ascii_case(dropped));
            if !(alone || kept) || others.is_empty() {
                return None;
            }
            statements[index] = after.with_entries(others);
            format!("Statement[{index}] - `{dropped}`")
        }
        2 => {
            // A new entry widened to its whole service: noticed when no single
            // original entry holds `svc:*`, or when it reaches an unused action.
            let new: Vec<&String> = after
                .entries()
                .iter()
                .filter(|e| !before.entries().contains(e))
                .collect();
            let entry = *rng.pick(&new)?;
            let service = entry.split_once(':')?.0;
            let wide = format!("{service}:*");
            let w = Pattern::new(&wide);
            let contained = before
                .entries()
                .iter()
                .any(|e| Pattern::new(e).contains(&w));
            let reaches_unused = unused.is_service_unused(service)
                || known
                    .with_prefix(&format!("{service}:"))
                    .into_iter()
                    .any(|a| unused.contains(a));
            if contained && !reaches_unused {
                return None;
            }
            let entries: Vec<String> = after
                .entries()
                .iter()
                .map(|e| if e == entry { wide.clone() } else { e.clone() })
                .collect();
            statements[index] = after.with_entries(entries);
            format!("Statement[{index}]: `{entry}` -> `{wide}`")
        }
        _ => {
            // A changed `Resource`: always a structure violation.
            let mut value = refined.with_statements(statements).to_value();
            let slot = value.get_mut("Statement").and_then(|s| match s {
                serde_json::Value::Array(items) => items.get_mut(index),
                object => Some(object),
            })?;
            slot.as_object_mut()?
                .insert("Resource".to_string(), "arn:aws:s3:::pare-mutated/*".into());
            let policy = Policy::from_value(value, "").ok()?;
            return Some((format!("Statement[{index}].Resource changed"), policy));
        }
    };
    Some((description, refined.with_statements(statements)))
}

#[test]
fn verify_notices_faults_seeded_into_real_refinements() {
    let table = pare_catalog::embedded();
    let mut missed = Vec::new();
    let mut seeded = 0usize;
    // Added, dropped, widened, `Resource` changed.
    let mut kinds = [0usize; 4];
    for (name, policy) in corpus() {
        let known = Known::new(table, [&policy], &UnusedSet::new());
        let granted = granted_by_service(&policy, &known);
        for (n, density) in [Density::Sparse, Density::Half].into_iter().enumerate() {
            let mut rng = Rng::for_case(seed() ^ 0xfa17, &name, n as u64);
            let unused = unused_list(&granted, &mut rng, density);
            let refinement = refine(&policy, &unused, table, &RefineOptions::default());
            let known = Known::new(table, [&policy], &unused);
            // A few tries: not every fault applies to every policy.
            let Some((what, broken)) =
                (0..6).find_map(|_| mutate(&policy, &refinement.policy, &unused, &known, &mut rng))
            else {
                continue;
            };
            seeded += 1;
            for (i, mark) in [" + ", " - ", " -> ", "Resource"].iter().enumerate() {
                kinds[i] += usize::from(what.contains(mark));
            }
            if verify(&policy, &broken, &unused, table).is_ok() {
                missed.push(format!(
                    "{name}: {what}, unused {}",
                    to_article_json(&unused)
                ));
            }
        }
    }
    assert!(
        missed.is_empty(),
        "verify missed {} of {seeded} seeded faults:\n{}",
        missed.len(),
        missed
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        seeded > 1500 && kinds.iter().all(|&n| n > 100),
        "only {seeded} faults seeded: {kinds:?}"
    );
}

#[test]
fn the_generator_is_deterministic_and_spreads() {
    let mut a = Rng::for_case(SEED, "AmazonS3ReadOnlyAccess", 1);
    let mut b = Rng::for_case(SEED, "AmazonS3ReadOnlyAccess", 1);
    let xs: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
    let ys: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
    assert_eq!(xs, ys);
    let mut c = Rng::for_case(SEED, "AmazonS3ReadOnlyAccess", 2);
    assert_ne!(xs[0], c.next_u64());
    let mut rng = Rng::new(1);
    let hits = (0..10_000).filter(|_| rng.chance(500)).count();
    assert!((4_500..5_500).contains(&hits), "{hits}");
}

/// Access Analyzer's own recommendation for the founding article's policy,
/// as the article prints it, keeps every guarantee over the 2024 catalog.
#[test]
fn access_analyzers_recommendation_in_the_article_verifies() {
    let rows = super::article_table();
    let table = ActionTable::new(&rows).unwrap();
    let original = Policy::parse(include_str!("../data/article-policy.json")).unwrap();
    let unused = UnusedSet::parse(include_str!("../data/article-unused.json")).unwrap();
    let recommended = Policy::parse(
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["lambda:Invoke*"],"Resource":"arn:aws:lambda:us-east-1:123456789012:function:my-lambda"},
            {"Effect":"Allow","Action":["s3:GetAccess*","s3:GetAccountPublicAccessBlock","s3:GetDataAccess","s3:GetJobTagging","s3:GetMulti*","s3:GetObject*","s3:GetStorage*","s3:List*"],"Resource":"*"}]}"#,
    )
    .unwrap();
    let verification = verify(&original, &recommended, &unused, table);
    assert!(verification.is_ok(), "{verification}");
    // Keeping `s3:Get*` as it was is what the recommendation is for.
    let verification = verify(&original, &original, &unused, table);
    assert_eq!(
        verification
            .violations
            .iter()
            .map(|v| (v.statement, v.kind))
            .collect::<Vec<_>>(),
        [
            (Some(0), pare_engine::ViolationKind::Unsafe),
            (Some(1), pare_engine::ViolationKind::Unsafe)
        ]
    );
}

/// What the catalog cannot see stays granted: under a catalog with services
/// deleted at random, refining a corpus policy against an unused list drawn
/// from the full catalog keeps every wildcard entry over a deleted service
/// as written (unless a finding marks that service wholly unused), and every
/// other guarantee holds.
#[test]
fn wildcards_over_services_the_catalog_lacks_are_kept() {
    let full = pare_catalog::embedded();
    let corpus = corpus();
    let services = full.services();
    let mut failures = Vec::new();
    let (mut cases, mut watched) = (0usize, 0usize);
    for round in 0..4u64 {
        let mut rng = Rng::new(seed() ^ 0xde1e_7e00 ^ round);
        let deleted: Vec<String> = services
            .iter()
            .filter(|_| rng.chance(250))
            .map(|s| s.to_ascii_lowercase())
            .collect();
        let rows: Vec<KnownAction> = full
            .rows()
            .iter()
            .filter(|row| !deleted.iter().any(|d| d == row.service()))
            .cloned()
            .collect();
        let Ok(table) = ActionTable::new(&rows) else {
            failures.push(format!("round {round}: the reduced catalog is not a table"));
            continue;
        };
        for (name, policy) in corpus.iter().skip(round as usize).step_by(5) {
            let known = Known::new(full, [policy], &UnusedSet::new());
            let granted = granted_by_service(policy, &known);
            let mut rng = Rng::for_case(seed() ^ 0xde1e_7e00, name, round);
            let unused = unused_list(&granted, &mut rng, Density::Half);
            let (refinement, found) =
                check(name, policy, &unused, table, &RefineOptions::default());
            failures.extend(found);
            cases += 1;
            let kept: Vec<&String> = refinement
                .policy
                .statements()
                .iter()
                .flat_map(|s| s.entries())
                .collect();
            for statement in policy.statements() {
                if statement.effect() != Effect::Allow || statement.key() != ActionKey::Action {
                    continue;
                }
                for entry in statement.entries() {
                    let p = Pattern::new(entry);
                    let Some(service) = p.fixed_service() else {
                        continue;
                    };
                    let service = service.to_ascii_lowercase();
                    if p.is_literal()
                        || !deleted.contains(&service)
                        || unused.is_service_unused(&service)
                    {
                        continue;
                    }
                    watched += 1;
                    if !kept.contains(&entry) {
                        failures.push(format!(
                            "{name} (round {round}): `{entry}` over the deleted service `{service}` was not kept, unused {}",
                            to_article_json(&unused)
                        ));
                    }
                }
            }
        }
    }
    report(&failures, cases);
    assert!(
        watched > 100,
        "only {watched} wildcards over deleted services were exercised"
    );
}

/// Guarantee 6 is checked independently of the trie: the conciseness check
/// agrees with the refinement on every corpus policy (the corpus tests above
/// run it), and rejects a seeded non-concise variant: an emitted `p*`
/// replaced by the used actions it places, listed one by one.
#[test]
fn verify_rejects_replacements_that_are_not_concise() {
    let table = pare_catalog::embedded();
    let mut missed = Vec::new();
    let mut seeded = 0usize;
    for (name, policy) in corpus() {
        let known = Known::new(table, [&policy], &UnusedSet::new());
        let granted = granted_by_service(&policy, &known);
        let mut rng = Rng::for_case(seed() ^ 0xc0c1, &name, 0);
        let unused = unused_list(&granted, &mut rng, Density::Half);
        let refinement = refine(&policy, &unused, table, &RefineOptions::default());
        let known = Known::new(table, [&policy], &unused);
        let Some((what, variant)) = spell_out_one_wildcard(&refinement, &unused, &known) else {
            continue;
        };
        seeded += 1;
        let verdict = verify(&policy, &variant, &unused, table);
        if verdict.of_kind(ViolationKind::NotConcise).count() == 0 {
            missed.push(format!("{name}: {what}: {verdict}"));
        }
    }
    assert!(
        missed.is_empty(),
        "the conciseness check missed {} of {seeded} variants:\n{}",
        missed.len(),
        missed
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(seeded > 100, "only {seeded} variants were seeded");
}

/// The refined policy with the first replacement entry `p*` (of an Allow
/// `Action` statement) that places two or more used actions replaced by
/// those actions, listed one by one.
fn spell_out_one_wildcard(
    refinement: &Refinement,
    unused: &UnusedSet,
    known: &Known<'_>,
) -> Option<(String, Policy)> {
    for edit in &refinement.edits {
        let Change::Replaced { with, .. } = &edit.change else {
            continue;
        };
        for entry in with {
            let Some(stem) = entry.strip_suffix('*') else {
                continue;
            };
            let placed: Vec<String> = known
                .with_prefix(stem)
                .into_iter()
                .filter(|a| !unused.contains(a))
                .map(str::to_string)
                .collect();
            if placed.len() < 2 {
                continue;
            }
            // Edits count statements of the original; find the refined one holding the entry.
            let statements: Vec<Statement> = refinement.policy.statements().to_vec();
            let at = statements.iter().position(|s| {
                s.effect() == Effect::Allow
                    && s.key() == ActionKey::Action
                    && s.entries().contains(entry)
            })?;
            let statement = statements.get(at)?;
            let mut entries: Vec<String> = Vec::new();
            for e in statement.entries() {
                if e == entry {
                    entries.extend(placed.iter().cloned());
                } else {
                    entries.push(e.clone());
                }
            }
            let mut changed = statements.clone();
            *changed.get_mut(at)? = statement.with_entries(entries);
            let what = format!("`{entry}` spelled out as {}", placed.join(", "));
            return Some((what, refinement.policy.with_statements(changed)));
        }
    }
    None
}
