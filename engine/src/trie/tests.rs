//! The trie rule's tests: tables of walks, of safety reasons and of nesting.
use super::*;
use crate::known::Known;
use crate::pattern::Pattern;
use crate::table::{AccessLevel, ActionTable, KnownAction};
use crate::unused::UnusedSet;

/// A small catalog, the walk's examples in `docs/semantics.md` and a few
/// names for the cut rules (hyphens, acronyms, digits).
const CATALOG: &[&str] = &[
    "ec2:DescribeImages",
    "ec2:DescribeInstanceStatus",
    "ec2:DescribeInstances",
    "ec2:RunInstances",
    "rds:DescribeDBClusters",
    "rds:DescribeDBInstances",
    "rds:DescribeEvents",
    "s3:GetBucketAcl",
    "s3:GetBucketPolicy",
    "s3:GetObject",
    "s3:GetObjectAcl",
    "s3:GetObjectTagging",
    "s3:PutObject",
    "ssm:start-session",
    "ssm:start-automation",
    "ssm:StopAutomation",
];

/// Refines the Allow entry `entry` against `unused` over [`CATALOG`] with
/// the trie alone, and checks the entries it emits.
#[track_caller]
fn check(entry: &str, unused: &[&str], expect: &[&str]) {
    let mut rows: Vec<KnownAction> = CATALOG
        .iter()
        .map(|n| KnownAction::new_static(n, AccessLevel::READ, true))
        .collect();
    rows.sort_by(|a, b| cmp_ci(&a.name, &b.name));
    let table = ActionTable::new(&rows).unwrap();
    let unused = UnusedSet::parse(&unused.join("\n")).unwrap();
    let known = Known::new(table, [], &unused);
    let pattern = Pattern::new(entry);
    let trie = crate::refine::generalize(&pattern, &unused, &known);
    assert_eq!(trie.emitted, expect, "`{entry}` without {unused:?}");
    // Explaining evaluates every node, and must choose the same entries.
    let all = crate::refine::generalize_trie(&pattern, &unused, &known, true);
    assert_eq!(all.emitted, expect, "`{entry}`, every node evaluated");
}

#[test]
fn the_walk_emits_the_shortest_safe_prefixes() {
    // (entry, unused, emitted)
    let cases: &[(&str, &[&str], &[&str])] = &[
        // The article: one unused action splits `s3:Get*` at its words.
        (
            "s3:Get*",
            &["s3:GetBucketPolicy"],
            &["s3:GetBucketAcl", "s3:GetObject*"],
        ),
        // Nothing unused below the root: the root itself is safe.
        ("s3:Get*", &["ec2:RunInstances"], &["s3:Get*"]),
        // A safe node with one placed action stays that action.
        (
            "s3:Get*",
            &[
                "s3:GetObject",
                "s3:GetObjectAcl",
                "s3:GetObjectTagging",
                "s3:GetBucketAcl",
            ],
            &["s3:GetBucketPolicy"],
        ),
        // A whole action that is unsafe as a prefix stays literal.
        (
            "s3:GetObject*",
            &["s3:GetObjectAcl"],
            &["s3:GetObject", "s3:GetObjectTagging"],
        ),
        // Not granted blocks as unused does: `*Object` grants no bucket action.
        ("s3:*Object", &["s3:PutObject"], &["s3:GetObject"]),
        // Broader: `ec2:Describe*` would grant future `DescribeX` actions
        // that `ec2:DescribeInstance*` does not.
        (
            "ec2:DescribeInstance*",
            &["ec2:DescribeInstanceStatus"],
            &["ec2:DescribeInstances"],
        ),
        // Acronyms end where the next word starts: `DescribeDB` is a cut.
        (
            "rds:Describe*",
            &["rds:DescribeEvents"],
            &["rds:DescribeDB*"],
        ),
        // A hyphen ends a word.
        ("ssm:*", &["ssm:StopAutomation"], &["ssm:start-*"]),
        // Case does not matter: the catalog's spelling is emitted.
        (
            "S3:GET*",
            &["s3:getbucketpolicy"],
            &["s3:GetBucketAcl", "s3:GetObject*"],
        ),
        // Across services, every service root that is safe is one entry.
        (
            "*",
            &["ec2:RunInstances", "s3:PutObject", "s3:GetBucketPolicy"],
            &[
                "ec2:Describe*",
                "rds:*",
                "s3:GetBucketAcl",
                "s3:GetObject*",
                "ssm:*",
            ],
        ),
    ];
    for (entry, unused, expect) in cases {
        check(entry, unused, expect);
    }
}

/// The rule alone, as `pare explain` asks it.
#[test]
fn safety_gives_the_first_reason() {
    let names = [
        ("s3:GetBucketAcl", Class::Placed),
        ("s3:GetBucketPolicy", Class::Unused),
        ("s3:GetObject", Class::Placed),
        ("s3:GetObjectAcl", Class::NotGranted),
        ("s3:PutObject", Class::Used),
    ];
    let covers = |p: &str| p.len() >= "s3:Get".len();
    let never = |_: &str| false;
    let problem = Problem {
        actions: names.to_vec(),
        root_hint: "s3:",
        covers: &covers,
        force_star: &never,
    };
    let rule = Safety::new(&problem);
    let unused = |count, example: &str| Unsafe::Unused {
        count,
        example: example.to_string(),
    };
    // (prefix, reason)
    let cases: Vec<(&str, Option<Unsafe>)> = vec![
        ("s3:Get", Some(unused(1, "s3:GetBucketPolicy"))),
        ("S3:GETBUCKET", Some(unused(1, "s3:GetBucketPolicy"))),
        ("s3:GetBucketAcl", None),
        (
            "s3:GetObject",
            Some(Unsafe::NotGranted {
                count: 1,
                example: "s3:GetObjectAcl".to_string(),
            }),
        ),
        (
            "s3:Put",
            Some(Unsafe::Used {
                count: 1,
                example: "s3:PutObject".to_string(),
            }),
        ),
        // Unused comes before the others, and Broader last.
        ("s3:", Some(unused(1, "s3:GetBucketPolicy"))),
        ("s3:GetBucketA", None),
        ("s3:Ge", Some(unused(1, "s3:GetBucketPolicy"))),
        ("s3:X", Some(Unsafe::Broader)),
    ];
    for (prefix, reason) in cases {
        assert_eq!(rule.of(prefix), reason, "`{prefix}`");
    }
    assert_eq!(rule.count_under(Class::Placed, "s3:Get"), 2);
    assert_eq!(rule.count_under(Class::Unused, "s3:GetObject"), 0);
    // Asked in sorted order (any case), from a cursor, the counts are the same.
    let mut prefixes = vec![
        "",
        "a",
        "s3:",
        "S3:G",
        "s3:get",
        "s3:GetB",
        "s3:GetBucketAcl",
        "s3:GetBucketAclX",
        "s3:GETO",
        "s3:GetObjectAcl",
        "s3:P",
        "s3:PutObject",
        "s3:Q",
        "t",
    ];
    prefixes.sort_by(|a, b| cmp_ci(a, b));
    let mut from = 0;
    let all = [Class::Placed, Class::Unused, Class::NotGranted, Class::Used];
    for prefix in prefixes {
        assert_eq!(
            rule.counts_under_sorted(all, prefix, &mut from),
            rule.counts_under(all, prefix),
            "`{prefix}`"
        );
    }
}

#[test]
fn nesting_is_by_characters() {
    let mut nesting = Nesting::default();
    let parents: Vec<Option<usize>> = ["s3:", "s3:get", "s3:getbucket", "s3:getobject", "s3:put"]
        .iter()
        .map(|k| nesting.enter(k))
        .collect();
    assert_eq!(parents, [None, Some(0), Some(1), Some(1), Some(0)]);
}

#[test]
fn the_common_prefix_by_words_is_the_common_prefix_by_bytes() {
    // Pairs that differ at every place of a word or past the last whole
    // word, or not at all, one a prefix of the other, of every length up
    // to five words.
    let mut rng = Lcg(0xc0_44a0);
    let mut differed = 0;
    for _ in 0..20_000 {
        let a: Vec<u8> = (0..rng.below(41)).map(|_| b"aAb:-"[rng.below(5)]).collect();
        let mut b = a.clone();
        b.truncate(rng.below(a.len() + 2));
        if !b.is_empty() && rng.below(3) != 0 {
            let at = rng.below(b.len());
            b[at] = b"aAb:-z"[rng.below(6)];
        }
        let expected = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
        assert_eq!(common_prefix(&a, &b), expected, "{a:?} {b:?}");
        assert_eq!(common_prefix(&b, &a), expected, "{a:?} {b:?}");
        differed += usize::from(expected < a.len().min(b.len()) && expected >= 8);
    }
    assert!(differed > 1_000, "{differed}");
}

fn cuts(name: &str) -> Vec<&str> {
    cut_points(name)
        .into_iter()
        .map(|i| name.get(..i).unwrap())
        .collect()
}

/// The cut rule byte by byte, as written before the cuts were found over
/// pairs of bytes: each position with the bytes around it looked up.
fn cut_points_by_index(name: &str) -> Vec<usize> {
    let bytes = name.as_bytes();
    let mut cuts = vec![0];
    for i in 1..bytes.len() {
        let (prev, cur, next) = (bytes[i - 1], bytes[i], bytes.get(i + 1).copied());
        let word_start =
            cur.is_ascii_uppercase() && (prev.is_ascii_lowercase() || prev.is_ascii_digit());
        let acronym_end = cur.is_ascii_uppercase()
            && prev.is_ascii_uppercase()
            && next.is_some_and(|n| n.is_ascii_lowercase());
        if word_start || acronym_end || prev == b'-' {
            cuts.push(i);
        }
    }
    cuts
}

#[test]
fn cuts_are_the_byte_by_byte_rule() {
    let pieces = [
        "a", "B", "C", "7", "-", "_", ":", "é", "Db", "ACL", "x-Y", "--", "Zz",
    ];
    let mut rng = Lcg(0xc075);
    let mut cut = 0;
    for _ in 0..5_000 {
        let name: String = (0..rng.below(9))
            .map(|_| pieces[rng.below(pieces.len())])
            .collect();
        assert_eq!(cut_points(&name), cut_points_by_index(&name), "{name:?}");
        cut += cut_points(&name).len();
    }
    assert!(cut > 10_000, "{cut}");
}

#[test]
fn word_starts() {
    assert_eq!(cuts("GetObject"), ["", "Get"]);
    assert_eq!(cuts("DescribeDBInstances"), ["", "Describe", "DescribeDB"]);
    assert_eq!(cuts("GetBucketCORS"), ["", "Get", "GetBucket"]);
    assert_eq!(cuts("Get2Things"), ["", "Get2"]);
    assert_eq!(cuts("start-session"), ["", "start-"]);
    assert_eq!(cuts("ListAccountAssignments"), ["", "List", "ListAccount"]);
}

/// A small deterministic generator, so that a failure names its seed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

#[test]
fn lengths_walk_emits_what_the_walk_emits() {
    // Names made of words that share prefixes in every way the cuts see
    // (CamelCase, acronyms, hyphens, digits, case twins of a key), over a
    // few services, some names unused, some unknown to the catalog.
    let words = [
        "Get", "Getx", "G", "Object", "Obj", "ACL", "Acl", "a", "-b", "x-", "2", "DB", "Db", "Put",
        "List", "é",
    ];
    let services = ["s3", "ec2", "a", "a-b", "Zz"];
    let mut rng = Lcg(0x1e57);
    let mut compared = 0;
    for round in 0..300 {
        let mut names: Vec<String> = Vec::new();
        for _ in 0..rng.below(40) + 1 {
            let service = services[rng.below(services.len())].to_ascii_lowercase();
            let mut action = String::new();
            for _ in 0..rng.below(4) + 1 {
                action.push_str(words[rng.below(words.len())]);
            }
            names.push(format!("{service}:{action}"));
        }
        names.sort_by(|a, b| cmp_ci(a, b));
        names.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        let mut rows: Vec<KnownAction> = names
            .iter()
            .filter(|_| rng.below(6) != 0)
            .map(|n| KnownAction {
                name: n.clone().into(),
                access: AccessLevel::READ,
                last_accessed_tracked: true,
            })
            .collect();
        rows.retain(|r| !r.name.contains('é') || rng.below(2) == 0);
        let Ok(table) = ActionTable::new(&rows) else {
            continue;
        };
        let listed: Vec<&str> = names
            .iter()
            .filter(|_| rng.below(4) == 0)
            .map(String::as_str)
            .collect();
        let Ok(unused) = UnusedSet::parse(&listed.join("\n")) else {
            continue;
        };
        let known = Known::new(table, [], &unused);
        let options = crate::refine::RefineOptions::default();
        // One refinement's patterns share one walk: across all of them, an
        // entry's text (case aside) stands at one address, which is how the
        // statement's duplicate check finds it without reading it.
        let shared = crate::refine::Shared::new();
        // And told every length first, so that the first pattern walks them
        // all in one pass (some spelled `*?`, some `?*`), in another order.
        let spellings: Vec<String> = (0..16)
            .map(|n| match n % 3 {
                0 => format!("{}*", "?".repeat(n)),
                1 => format!("*{}", "?".repeat(n)),
                _ => format!("?*{}", "?".repeat(n.saturating_sub(1))),
            })
            .chain(["s3:*".to_string(), "?".to_string(), "*".to_string()])
            .collect();
        let batched = crate::refine::Shared::new().expecting(spellings.iter().map(String::as_str));
        let mut addresses: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        let mut batched_addresses: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        let order: Vec<usize> = (0..16).map(|i| (i * 7 + round) % 16).collect();
        for &n in &order {
            let entry = &spellings[n];
            let alone = crate::refine::refine_entry(entry, &unused, &known, &options);
            let in_batch =
                crate::refine::refine_entry_with(entry, &unused, &known, &options, &batched);
            assert_eq!(
                alone, in_batch,
                "round {round}, `{entry}`, {names:?}, {listed:?}"
            );
            if let crate::refine::Outcome::Replace(with) = in_batch {
                for e in with.iter() {
                    let address = std::sync::Arc::as_ptr(e).cast::<u8>() as usize;
                    let first = *batched_addresses
                        .entry(e.to_ascii_lowercase())
                        .or_insert(address);
                    assert_eq!(first, address, "round {round}, `{entry}`, `{e}`, {names:?}");
                }
            }
        }
        for n in 0..16 {
            let entry = format!("{}*", "?".repeat(n));
            let walked = crate::refine::generalize(&Pattern::new(&entry), &unused, &known);
            let outcome = crate::refine::refine_entry(&entry, &unused, &known, &options);
            let in_one =
                crate::refine::refine_entry_with(&entry, &unused, &known, &options, &shared);
            assert_eq!(outcome, in_one, "round {round}, `{entry}`");
            if let crate::refine::Outcome::Replace(with) = in_one {
                for e in with.iter() {
                    let address = std::sync::Arc::as_ptr(e).cast::<u8>() as usize;
                    let first = *addresses.entry(e.to_ascii_lowercase()).or_insert(address);
                    assert_eq!(first, address, "round {round}, `{entry}`, `{e}`, {names:?}");
                }
            }
            if let crate::refine::Outcome::Replace(with) = outcome {
                let with: Vec<&str> = with.iter().map(|e| &**e).collect();
                assert_eq!(
                    with, walked.emitted,
                    "round {round}, `{entry}`, {names:?}, {listed:?}"
                );
                compared += 1;
            }
        }
    }
    assert!(compared > 500, "{compared}");
}

/// The candidates of a block as the string sort makes them: every cut and
/// whole name, sorted (stably) by lowercased prefix, equal prefixes merged,
/// each key's names and subtree found by comparing strings.
fn block_by_string_sort(names: &[&str]) -> (Vec<Key>, Vec<(u32, bool)>) {
    let lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    let key_of = |i: u32, len: u32| -> &str {
        let name = &lower[i as usize];
        name.get(..len as usize).unwrap_or(name)
    };
    let mut candidates: Vec<(u32, u32, bool)> = Vec::new();
    for (i, action) in names.iter().enumerate() {
        let colon = action.find(':').map_or(0, |i| i + 1);
        for cut in cut_points(&action[colon..]) {
            let len = if action.get(..colon + cut).is_some() {
                colon + cut
            } else {
                action.len()
            };
            candidates.push((i as u32, len as u32, false));
        }
        candidates.push((i as u32, action.len() as u32, true));
    }
    candidates.sort_by(|a, b| key_of(a.0, a.1).cmp(key_of(b.0, b.1)));
    let mut keys: Vec<Key> = Vec::new();
    let mut producers = Vec::new();
    for (n, &(i, len, whole)) in candidates.iter().enumerate() {
        let n = n as u32;
        if keys
            .last()
            .is_none_or(|k| key_of(k.name, k.len) != key_of(i, len))
        {
            if let Some(last) = keys.last_mut() {
                last.producers.end = n;
            }
            let key = key_of(i, len);
            let start = lower.iter().position(|s| s.starts_with(key)).unwrap_or(0);
            let count = lower.iter().filter(|s| s.starts_with(key)).count();
            keys.push(Key {
                name: i,
                len,
                producers: n..n,
                names: start as u32..(start + count) as u32,
                end: 0,
            });
        }
        producers.push((i, whole));
    }
    if let Some(last) = keys.last_mut() {
        last.producers.end = producers.len() as u32;
    }
    let strings: Vec<String> = keys
        .iter()
        .map(|k| key_of(k.name, k.len).to_string())
        .collect();
    for (k, key) in keys.iter_mut().enumerate() {
        let after = strings[k + 1..]
            .iter()
            .position(|s| !s.starts_with(&strings[k]));
        key.end = (k + 1 + after.unwrap_or(strings.len() - k - 1)) as u32;
    }
    (keys, producers)
}

#[test]
fn a_block_orders_its_candidates_as_the_string_sort() {
    // Names sharing prefixes in every way the cuts see, with case twins of
    // prefixes, hyphens, digits and a character of two bytes (a cut inside
    // it stands for the whole name), some without a service.
    let words = [
        "Get", "Getx", "G", "GET", "Object", "Obj", "ACL", "Acl", "a", "-b", "x-", "2", "DB", "Db",
        "é", "Xé", "",
    ];
    let services = ["s3:", "S3:", "ec2:", "a:", "a-b:", ""];
    let mut rng = Lcg(0xb10c);
    for round in 0..500 {
        let mut names: Vec<String> = Vec::new();
        for _ in 0..rng.below(30) + 1 {
            let mut action = services[rng.below(services.len())].to_string();
            for _ in 0..rng.below(4) {
                action.push_str(words[rng.below(words.len())]);
            }
            names.push(action);
        }
        names.sort_by(|a, b| cmp_ci(a, b));
        if rng.below(2) == 0 {
            names.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        }
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let block = Block::new(&names);
        let (keys, producers) = block_by_string_sort(&names);
        assert_eq!(block.keys, keys, "round {round}: {names:?}");
        assert_eq!(block.producers, producers, "round {round}: {names:?}");
    }
}

/// A kept block is recognized by comparing words: it fits exactly the names
/// it was built over, as the plain comparison of each name says, on random
/// lists and random edits of them (a byte changed anywhere, a case twin,
/// the same bytes cut into other names, a name more or less).
#[test]
fn a_kept_block_fits_what_the_plain_comparison_says() {
    let words = [
        "Get",
        "Object",
        "Acl",
        "a",
        "ACL",
        "-",
        "2",
        "é",
        "Describe",
        "Instances",
        "x",
    ];
    let mut rng = Lcg(0xf175);
    let mut fitting = 0usize;
    for round in 0..3_000 {
        let mut names: Vec<String> = (0..1 + rng.below(12))
            .map(|_| {
                let mut name = String::from("svc:");
                for _ in 0..rng.below(8) {
                    name.push_str(words[rng.below(words.len())]);
                }
                name
            })
            .collect();
        names.sort_by(|a, b| crate::table::cmp_ci(a, b));
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let block = Block::new(&refs);
        assert!(block.fits(&refs), "round {round}: {refs:?}");
        let mut other = names.clone();
        match rng.below(5) {
            0 => {
                // One byte changed (ASCII stays ASCII).
                let i = rng.below(other.len());
                let mut bytes = other[i].clone().into_bytes();
                let at = rng.below(bytes.len());
                if bytes[at].is_ascii() {
                    bytes[at] = b'!' + (bytes[at] + 1 + rng.below(90) as u8) % 94;
                }
                other[i] = String::from_utf8(bytes).unwrap_or_default();
            }
            1 => {
                let i = rng.below(other.len());
                other[i] = other[i].to_ascii_uppercase();
            }
            2 => {
                // The last byte of one name moved to the front of the next.
                let i = rng.below(other.len());
                if i + 1 < other.len() {
                    if let Some(c) = other[i].pop() {
                        other[i + 1].insert(0, c);
                    }
                }
            }
            3 => {
                if rng.below(2) == 0 {
                    other.pop();
                } else {
                    other.push("svc:Zz".to_string());
                }
            }
            _ => {}
        }
        let other: Vec<&str> = other.iter().map(String::as_str).collect();
        assert_eq!(
            block.fits(&other),
            refs == other,
            "round {round}: {refs:?} against {other:?}"
        );
        fitting += usize::from(refs == other);
    }
    assert!(fitting > 500 && fitting < 2_000, "{fitting}");
}
