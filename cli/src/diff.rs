//! A unified diff of two texts, line by line, as `pare refine --format diff` prints it.

use similar::TextDiff;

/// How many unchanged lines surround each change, as `diff -u` has it.
const CONTEXT: usize = 3;

/// The unified diff of `old` against `new`, with `---`/`+++` headers naming
/// them; empty when the texts are equal.
pub fn unified(old_name: &str, old: &str, new_name: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    TextDiff::from_lines(old, new)
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
}
