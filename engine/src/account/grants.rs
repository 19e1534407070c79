//! What a policy grants, as rows of the catalog: the removal counts of every
//! refined policy compare two of these, where comparing names cost a sort of
//! strings and a catalog lookup per action for its level.

use super::*;
use crate::table::KnownAction;

/// The rows of the catalog that the Allow statements of `policy` grant, in
/// the table's order and distinct; `None` when K holds names beyond the
/// catalog (a policy's unknown action, an unused list's), which only
/// [`granted`] sees. Otherwise the same actions as [`granted`]: K is then
/// the catalog, whose rows are distinct case-insensitively.
pub(super) fn granted_rows<'t>(policy: &Policy, known: &Known<'t>) -> Option<Vec<&'t KnownAction>> {
    if known.extra_count() > 0 {
        return None;
    }
    let table = known.table();
    let mut out: Vec<&'t KnownAction> = Vec::new();
    for statement in policy.statements() {
        if statement.effect() != Effect::Allow {
            continue;
        }
        // As `Known::granted_by`, over the rows.
        match statement.key() {
            ActionKey::Action => {
                for entry in statement.entries() {
                    if !entry.contains(['*', '?']) {
                        out.extend(table.get(entry));
                        continue;
                    }
                    let pattern = Pattern::new(entry);
                    out.extend(
                        table
                            .with_prefix(pattern.literal_prefix())
                            .iter()
                            .filter(|row| pattern.matches(&row.name)),
                    );
                }
            }
            ActionKey::NotAction => {
                let patterns: Vec<Pattern> = statement
                    .entries()
                    .iter()
                    .map(|e| Pattern::new(e))
                    .collect();
                out.extend(
                    table
                        .rows()
                        .iter()
                        .filter(|row| !patterns.iter().any(|p| p.matches(&row.name))),
                );
            }
        }
    }
    // A row's place in the table is its address: one slice holds them all.
    out.sort_unstable_by_key(|row| std::ptr::from_ref(*row).addr());
    out.dedup_by(|a, b| std::ptr::eq(*a, *b));
    Some(out)
}

/// The rows of `before` that `after` lacks, counted by level: both sorted
/// by address, as [`granted_rows`] gives them.
pub(super) fn removed_rows(before: &[&KnownAction], after: &[&KnownAction]) -> LevelCounts {
    let mut counts = LevelCounts::default();
    let mut after = after
        .iter()
        .map(|row| std::ptr::from_ref(*row).addr())
        .peekable();
    for row in before {
        let at = std::ptr::from_ref(*row).addr();
        while after.next_if(|&a| a < at).is_some() {}
        if after.peek() != Some(&at) {
            counts.add(Some(row.access));
        }
    }
    counts
}

/// [`removed_counts`], by rows when K is the catalog alone.
pub(super) fn removed_counts_fast(
    original: &Policy,
    refined: &Policy,
    known: &Known<'_>,
) -> LevelCounts {
    match (granted_rows(original, known), granted_rows(refined, known)) {
        (Some(before), Some(after)) => removed_rows(&before, &after),
        _ => removed_counts(original, refined, known),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A random policy over `services` and `verbs`: Allow and Deny,
    /// `Action` and `NotAction`, literals in any case (some unknown to the
    /// catalog), trailing and inner wildcards.
    fn random_policy(below: &mut dyn FnMut(usize) -> usize, names: &[String]) -> Policy {
        let statements: Vec<serde_json::Value> = (0..1 + below(3))
            .map(|_| {
                let entries: Vec<String> = (0..1 + below(6))
                    .map(|_| {
                        let name = names.get(below(names.len())).cloned().unwrap_or_default();
                        let cut = below(name.len() + 1);
                        match below(8) {
                            0 => name.to_ascii_uppercase(),
                            1 => format!("{}*", name.get(..cut).unwrap_or("")),
                            2 => format!("{}?*", name.get(..cut).unwrap_or("")),
                            3 => format!("*{}", name.get(cut..).unwrap_or("")),
                            4 => format!("{name}Unknown"),
                            _ => name,
                        }
                    })
                    .collect();
                let effect = if below(5) == 0 { "Deny" } else { "Allow" };
                let key = if below(10) == 0 {
                    "NotAction"
                } else {
                    "Action"
                };
                serde_json::json!({"Effect": effect, key: entries, "Resource": "*"})
            })
            .collect();
        let text = serde_json::json!({"Version": "2012-10-17", "Statement": statements});
        Policy::parse(&text.to_string()).unwrap()
    }

    /// The rows a policy grants are the names [`granted`] gives, and the
    /// counts by rows are [`removed_counts`]'s, on random catalogs, random
    /// pairs of policies and random unused sets (some naming actions the
    /// catalog does not know, which leave the counts to the names).
    #[test]
    fn counts_by_rows_are_the_counts_by_names() {
        let mut below = crate::test_rng::below(0x6a47);
        let levels = [
            AccessLevel::READ,
            AccessLevel::WRITE,
            AccessLevel::LIST,
            AccessLevel::TAGGING,
            AccessLevel::PERMISSIONS_MANAGEMENT,
        ];
        let parts = ["Get", "Put", "Object", "Acl", "List", "Bucket", "X"];
        let (mut by_rows, mut removed) = (0usize, 0usize);
        for round in 0..1_500 {
            let mut names: Vec<String> = (0..1 + below(40))
                .map(|_| {
                    let mut name = ["s3:", "ec2:", "s3-x:"][below(3)].to_string();
                    for _ in 0..1 + below(3) {
                        name.push_str(parts[below(parts.len())]);
                    }
                    name
                })
                .collect();
            names.sort_by(|a, b| crate::table::cmp_ci(a, b));
            names.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
            let rows: Vec<KnownAction> = names
                .iter()
                .map(|n| KnownAction {
                    name: std::borrow::Cow::Owned(n.clone()),
                    access: levels[below(levels.len())],
                    last_accessed_tracked: true,
                })
                .collect();
            let table = ActionTable::new(&rows).unwrap();
            let original = random_policy(&mut below, &names);
            let refined = random_policy(&mut below, &names);
            let mut unused = UnusedSet::new();
            if below(4) == 0 {
                unused.insert_action("s3:NotInTheCatalog", None);
            }
            let known = Known::new(table, [&original], &unused);
            if let Some(rows) = granted_rows(&original, &known) {
                let names: Vec<&str> = rows.iter().map(|r| &*r.name).collect();
                let mut expected = granted(&original, &known);
                expected.sort_by(|a, b| crate::table::cmp_ci(a, b));
                assert_eq!(names, expected, "round {round}");
                by_rows += 1;
            }
            let counts = removed_counts_fast(&original, &refined, &known);
            assert_eq!(
                counts,
                removed_counts(&original, &refined, &known),
                "round {round}"
            );
            removed += counts.total;
        }
        assert!(by_rows > 300 && by_rows < 1_200, "{by_rows}");
        assert!(removed > 3_000, "{removed}");
    }
}
