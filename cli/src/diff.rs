//! A unified diff of two texts, line by line, as `pare refine --format diff` prints it.

use std::time::Duration;

use similar::{Algorithm, TextDiff};

/// How many unchanged lines surround each change, as `diff -u` has it.
const CONTEXT: usize = 3;

/// Above this many lines (both texts together), the diff anchors on lines
/// that occur once in each text (patience) instead of searching for the
/// shortest edit script (Myers), whose cost grows with the product of the
/// lengths and the number of changes: a policy of 2,000 statements took
/// over a minute. Every policy IAM accepts stays far below, so the diffs of
/// ordinary policies are the shortest ones, as before.
const LARGE: usize = 4_000;

/// The most time a diff may take; past it, the rest is shown as one change
/// (still a correct diff, only a coarser one).
const DEADLINE: Duration = Duration::from_secs(2);

/// A unified diff coloured as `git diff` colours it on a terminal: headers
/// bold, hunk lines cyan, removed lines red, added lines green.
pub fn colored(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() + diff.len() / 4);
    for line in diff.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        let code = if body.starts_with("--- ") || body.starts_with("+++ ") {
            "1"
        } else if body.starts_with("@@") {
            "36"
        } else if body.starts_with('-') {
            "31"
        } else if body.starts_with('+') {
            "32"
        } else {
            ""
        };
        if code.is_empty() {
            out.push_str(line);
        } else {
            out.push_str(&format!("\x1b[{code}m{body}\x1b[0m{end}"));
        }
    }
    out
}

/// The unified diff of `old` against `new`, with `---`/`+++` headers naming
/// them; empty when the texts are equal.
pub fn unified(old_name: &str, old: &str, new_name: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let lines = old.lines().count() + new.lines().count();
    let algorithm = if lines > LARGE {
        Algorithm::Patience
    } else {
        Algorithm::Myers
    };
    TextDiff::configure()
        .algorithm(algorithm)
        .timeout(DEADLINE)
        .diff_lines(old, new)
        .unified_diff()
        .context_radius(CONTEXT)
        .header(old_name, new_name)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\n";
        let new = "a\nb\nc\nd\nE\nf\ng\nh\ni\n";
        assert_eq!(
            unified("o", old, "n", new),
            "--- o\n+++ n\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n"
        );
        assert_eq!(unified("o", old, "n", old), "");
    }

    /// The lines of a unified diff that start with `sign`, header excluded.
    fn changed(diff: &str, sign: char) -> Vec<&str> {
        diff.lines()
            .filter(|l| !l.starts_with("---") && !l.starts_with("+++"))
            .filter_map(|l| l.strip_prefix(sign))
            .collect()
    }

    #[test]
    fn large_texts_are_diffed_by_anchors_with_the_same_hunks() {
        // Statements of a large policy, a few of them changed: above the
        // threshold the hunks are the ones the shortest edit script gives.
        let statement = |i: usize, action: &str| {
            format!("    {{\n      \"Sid\": \"S{i}\",\n      \"Action\": \"{action}\"\n    }},\n")
        };
        let old: String = (0..2_000).map(|i| statement(i, "s3:Get*")).collect();
        let new: String = (0..2_000)
            .map(|i| {
                statement(
                    i,
                    if i % 500 == 7 {
                        "s3:GetObject"
                    } else {
                        "s3:Get*"
                    },
                )
            })
            .collect();
        assert!(old.lines().count() + new.lines().count() > LARGE);
        let diff = unified("o", &old, "n", &new);
        let shortest = TextDiff::from_lines(old.as_str(), new.as_str())
            .unified_diff()
            .context_radius(CONTEXT)
            .header("o", "n")
            .to_string();
        assert_eq!(diff, shortest);
        assert_eq!(changed(&diff, '-').len(), 4);
    }

    #[test]
    fn texts_with_nothing_in_common_give_a_whole_diff() {
        // The worst case of an edit-script search: every line differs.
        let old: String = (0..20_000).map(|i| format!("old {i}\n")).collect();
        let new: String = (0..20_000).map(|i| format!("new {i}\n")).collect();
        let diff = unified("o", &old, "n", &new);
        assert_eq!(changed(&diff, '-').len(), 20_000);
        assert_eq!(changed(&diff, '+').len(), 20_000);
        assert_eq!(changed(&diff, '-').first(), Some(&"old 0"));
    }

    #[test]
    fn colored_like_git_diff() {
        let diff = unified("o", "a\nb\n", "n", "a\nc\n");
        let colored = colored(&diff);
        assert_eq!(
            colored,
            "\x1b[1m--- o\x1b[0m\n\x1b[1m+++ n\x1b[0m\n\x1b[36m@@ -1,2 +1,2 @@\x1b[0m\n a\n\
             \x1b[31m-b\x1b[0m\n\x1b[32m+c\x1b[0m\n"
        );
    }
}
