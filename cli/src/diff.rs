//! A unified diff of two texts, line by line, as `pare refine --format diff` prints it.

use std::collections::HashMap;
use std::ops::Range;

use similar::algorithms::{Capture, Compact, DiffHook, Replace, myers};
use similar::udiff::UnifiedHunkHeader;
use similar::{DiffOp, DiffableStr, group_diff_ops};

/// How many unchanged lines surround each change, as `diff -u` has it.
const CONTEXT: usize = 3;

/// Above this many lines (both texts together), the diff anchors on lines
/// that occur once in each text (patience) instead of searching for the
/// shortest edit script (Myers), whose cost grows with the product of the
/// lengths and the number of changes: a policy of 2,000 statements took
/// over a minute. Every policy IAM accepts stays far below, so the diffs of
/// ordinary policies are the shortest ones, as before.
const LARGE: usize = 4_000;

/// The work a diff may do, counted in cells of the edit graphs searched (a
/// run of `n` removed lines against `m` added ones costs `n × m`, a bound
/// of Myers' steps on it). Once it is spent, each run left is shown as one
/// change: still a correct diff, only a coarser one. Counted, not timed, so
/// the same texts always give the same diff, however busy the machine. It
/// holds a whole diff below [`LARGE`] (2,000 by 2,000 lines is 4 million),
/// so those are always the shortest.
const BUDGET: u64 = 16_000_000;

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
            out.push_str("\x1b[");
            out.push_str(code);
            out.push('m');
            out.push_str(body);
            out.push_str("\x1b[0m");
            out.push_str(end);
        }
    }
    out
}

/// The unified diff of `old` against `new`, with `---`/`+++` headers naming
/// them; empty when the texts are equal.
pub fn unified(old_name: &str, old: &str, new_name: &str, new: &str) -> String {
    unified_within(old_name, old, new_name, new, BUDGET)
}

/// [`unified`] with a work budget of `budget` cells.
fn unified_within<'a>(
    old_name: &str,
    old: &'a str,
    new_name: &str,
    new: &'a str,
    budget: u64,
) -> String {
    if old == new {
        return String::new();
    }
    let old_lines = old.tokenize_lines();
    let new_lines = new.tokenize_lines();
    // Each distinct line as a number, so lines compare as integers.
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let mut id = |line: &'a str| {
        let next = u32::try_from(ids.len()).unwrap_or(u32::MAX);
        *ids.entry(line).or_insert(next)
    };
    let old_ids: Vec<u32> = old_lines.iter().map(|&l| id(l)).collect();
    let new_ids: Vec<u32> = new_lines.iter().map(|&l| id(l)).collect();
    let mut search = Search {
        old: &old_ids,
        new: &new_ids,
        budget,
    };
    let whole = (0..old_ids.len(), 0..new_ids.len());
    let ops = if old_ids.len() + new_ids.len() > LARGE {
        search.anchored(whole.0, whole.1)
    } else {
        search.compacted(|search, hook| search.shortest(whole.0, whole.1, hook))
    };
    render(old_name, &old_lines, new_name, &new_lines, ops)
}

/// The collector of a diff's operations: as `similar` does, deletions and
/// insertions slid to join their neighbours, a deletion next to an
/// insertion one replacement.
type Collect<'a> = Compact<'a, 'a, [u32], [u32], Replace<Capture>>;

/// The search for a diff: the lines of both texts (as numbers) and the work
/// left.
struct Search<'a> {
    old: &'a [u32],
    new: &'a [u32],
    budget: u64,
}

impl<'a> Search<'a> {
    /// The operations `find` reports, compacted. (Compacting moves
    /// operations within one vector: done once over a whole large diff, it
    /// cost the square of their number.)
    fn compacted(
        &mut self,
        find: impl FnOnce(&mut Self, &mut NoFinish<'_, Collect<'a>>),
    ) -> Vec<DiffOp> {
        let mut hook: Collect<'a> = Compact::new(Replace::new(Capture::new()), self.old, self.new);
        find(self, &mut NoFinish(&mut hook));
        // The hooks only collect operations: they never fail.
        let _ = hook.finish();
        hook.into_inner().into_inner().into_ops()
    }

    /// The shortest edit script of `old[o] → new[n]` when the budget allows
    /// it, else the whole range as one change.
    fn shortest(&mut self, o: Range<usize>, n: Range<usize>, hook: &mut NoFinish<'_, Collect<'a>>) {
        let cost = (o.len() as u64).saturating_mul(n.len() as u64);
        let _ = if cost <= self.budget {
            self.budget -= cost;
            myers::diff(hook, self.old, o, self.new, n)
        } else {
            let delete = match o.is_empty() {
                true => Ok(()),
                false => hook.delete(o.start, o.len(), n.start),
            };
            let insert = match n.is_empty() {
                true => Ok(()),
                false => hook.insert(o.end, n.start, n.len()),
            };
            delete.and(insert)
        };
    }

    /// The diff of `old[o] → new[n]` anchored on the lines that occur once
    /// in each (patience): the longest run of such lines in the same order
    /// in both is kept, and the stretches between them are searched and
    /// compacted alone (no change slides over a line that occurs once).
    fn anchored(&mut self, o: Range<usize>, n: Range<usize>) -> Vec<DiffOp> {
        let anchors = anchors(self.old, o.clone(), self.new, n.clone());
        // Joins the runs of equal lines either side of an anchor.
        let mut ops = Replace::new(Capture::new());
        let (mut i, mut j) = (o.start, n.start);
        for (a, b) in anchors.into_iter().chain([(o.end, n.end)]) {
            let segment = self.compacted(|search, hook| {
                // Lines equal after the previous anchor extend it.
                let start = (i, j);
                while i < a && j < b && search.old.get(i) == search.new.get(j) {
                    i += 1;
                    j += 1;
                }
                if i > start.0 {
                    let _ = hook.equal(start.0, start.1, i - start.0);
                }
                search.shortest(i..a, j..b, hook);
            });
            for op in segment {
                let _ = op.apply_to_hook(&mut ops);
            }
            if a < o.end {
                let _ = ops.equal(a, b, 1);
            }
            (i, j) = (a + 1, b + 1);
        }
        let _ = ops.finish();
        ops.into_inner().into_ops()
    }
}

/// A hook passing operations on, but not the end of a search: the whole
/// diff ends once.
struct NoFinish<'h, D>(&'h mut D);

impl<D: DiffHook> DiffHook for NoFinish<'_, D> {
    type Error = D::Error;
    fn equal(&mut self, old: usize, new: usize, len: usize) -> Result<(), Self::Error> {
        self.0.equal(old, new, len)
    }
    fn delete(&mut self, old: usize, len: usize, new: usize) -> Result<(), Self::Error> {
        self.0.delete(old, len, new)
    }
    fn insert(&mut self, old: usize, new: usize, len: usize) -> Result<(), Self::Error> {
        self.0.insert(old, new, len)
    }
}

/// The pairs `(i, j)` of lines of `old[o]` and `new[n]` that occur exactly
/// once in each, longest increasing in both (patience sorting, `O(k log k)`
/// for `k` such lines).
fn anchors(old: &[u32], o: Range<usize>, new: &[u32], n: Range<usize>) -> Vec<(usize, usize)> {
    // For each line: how often in old, its index there, how often in new,
    // its index there.
    let mut seen: HashMap<u32, (u32, usize, u32, usize)> = HashMap::new();
    for i in o {
        if let Some(&line) = old.get(i) {
            let e = seen.entry(line).or_insert((0, i, 0, 0));
            e.0 += 1;
            e.1 = i;
        }
    }
    for j in n.clone() {
        if let Some(e) = new.get(j).and_then(|line| seen.get_mut(line)) {
            e.2 += 1;
            e.3 = j;
        }
    }
    // The unique pairs, in the order of `new`.
    let pairs: Vec<(usize, usize)> = n
        .filter_map(|j| new.get(j))
        .filter_map(|line| seen.get(line))
        .filter(|e| e.0 == 1 && e.2 == 1)
        .map(|e| (e.1, e.3))
        .collect();
    // Longest increasing run of old indices: `tails[k]` is the pair ending
    // the best run of length `k + 1` found so far, `back[p]` the pair before
    // pair `p` in its run.
    let mut tails: Vec<usize> = Vec::new();
    let mut back: Vec<Option<usize>> = Vec::with_capacity(pairs.len());
    for (p, &(i, _)) in pairs.iter().enumerate() {
        let k = tails.partition_point(|&t| pairs.get(t).is_some_and(|&(ti, _)| ti < i));
        back.push(k.checked_sub(1).and_then(|k| tails.get(k).copied()));
        if let Some(t) = tails.get_mut(k) {
            *t = p;
        } else {
            tails.push(p);
        }
    }
    let mut run = Vec::with_capacity(tails.len());
    let mut at = tails.last().copied();
    while let Some(p) = at {
        run.extend(pairs.get(p));
        at = back.get(p).copied().flatten();
    }
    run.reverse();
    run
}

/// The unified diff of the operations `ops`, as `diff -u` writes it.
fn render(old_name: &str, old: &[&str], new_name: &str, new: &[&str], ops: Vec<DiffOp>) -> String {
    let mut out = String::new();
    for (h, hunk) in group_diff_ops(ops, CONTEXT).iter().enumerate() {
        if h == 0 {
            for line in ["--- ", old_name, "\n+++ ", new_name, "\n"] {
                out.push_str(line);
            }
        }
        if hunk.is_empty() {
            continue;
        }
        out.push_str(&UnifiedHunkHeader::new(hunk).to_string());
        out.push('\n');
        for op in hunk {
            let (o, n) = (op.old_range(), op.new_range());
            let (removed, added) = match op {
                DiffOp::Equal { .. } => (None, None),
                DiffOp::Delete { .. } => (Some(o.clone()), None),
                DiffOp::Insert { .. } => (None, Some(n.clone())),
                DiffOp::Replace { .. } => (Some(o.clone()), Some(n.clone())),
            };
            let lines = |sign: char, text: &[&str], range: Range<usize>, out: &mut String| {
                for line in text.get(range).unwrap_or_default() {
                    out.push(sign);
                    out.push_str(line);
                    if !line.ends_with(['\r', '\n']) {
                        out.push_str("\n\\ No newline at end of file\n");
                    }
                }
            };
            if removed.is_none() && added.is_none() {
                lines(' ', old, o, &mut out);
            }
            if let Some(r) = removed {
                lines('-', old, r, &mut out);
            }
            if let Some(r) = added {
                lines('+', new, r, &mut out);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use similar::TextDiff;

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

    /// `old` with the unified diff `diff` applied (every hunk in order).
    fn apply(old: &str, diff: &str) -> String {
        let old: Vec<&str> = old.split_inclusive('\n').collect();
        let mut out = String::new();
        let mut at = 0;
        for line in diff.split_inclusive('\n').skip(2) {
            if let Some(header) = line.strip_prefix("@@ -") {
                let start: usize = header
                    .split([',', ' '])
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap();
                // An empty range names the line before it.
                let start = if header.split(' ').next().unwrap().ends_with(",0") {
                    start
                } else {
                    start - 1
                };
                for l in &old[at..start] {
                    out.push_str(l);
                }
                at = start;
            } else if let Some(l) = line.strip_prefix('+') {
                out.push_str(l);
            } else if line.starts_with('-') {
                at += 1;
            } else if let Some(l) = line.strip_prefix(' ') {
                assert_eq!(Some(&l), old.get(at));
                out.push_str(l);
                at += 1;
            }
        }
        for l in &old[at..] {
            out.push_str(l);
        }
        out
    }

    /// A large policy-like text: `n` statements, every `change`-th one
    /// altered, some moved to the end.
    fn statements(n: usize, change: usize, seed: usize) -> String {
        let mut text = String::new();
        for i in 0..n {
            let action = if change > 0 && (i * 7 + seed) % change == 0 {
                "s3:GetObject"
            } else {
                "s3:Get*"
            };
            text.push_str(&format!(
                "    {{\n      \"Effect\": \"Allow\",\n      \"Sid\": \"S{}\",\n      \"Action\": \"{action}\"\n    }},\n",
                (i * 31 + seed) % n
            ));
        }
        text
    }

    #[test]
    fn the_same_texts_always_give_the_same_diff() {
        // Deterministic by construction (work is counted, not timed): the
        // same large texts give the same diff, with the full budget and
        // with one so small it runs out, and both diffs are correct.
        let old = statements(3_000, 0, 0);
        let new = statements(3_000, 5, 3);
        let full = unified("o", &old, "n", &new);
        assert_eq!(full, unified("o", &old, "n", &new));
        assert_eq!(apply(&old, &full), new);
        let tiny = unified_within("o", &old, "n", &new, 1_000);
        assert_eq!(tiny, unified_within("o", &old, "n", &new, 1_000));
        assert_eq!(apply(&old, &tiny), new);
        // Out of budget, the diff is coarser: more lines change.
        assert!(changed(&tiny, '-').len() > changed(&full, '-').len());
        // A budget of nothing still gives a correct diff.
        let none = unified_within("o", &old, "n", &new, 0);
        assert_eq!(apply(&old, &none), new);
    }

    #[test]
    fn small_texts_are_written_as_similar_writes_them() {
        // Our rendering of the shortest edit script is byte for byte the
        // one the `similar` crate writes, the form every snapshot holds,
        // including a last line without a newline.
        let mut state = 7u64;
        let mut next = move |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        for _ in 0..300 {
            let mut text = |n: u64| {
                let mut t: String = (0..next(n)).map(|_| format!("l{}\n", next(6))).collect();
                if next(4) == 0 {
                    t.push_str("end");
                }
                t
            };
            let (old, new) = (text(40), text(40));
            let ours = unified("o", &old, "n", &new);
            let theirs = if old == new {
                String::new()
            } else {
                TextDiff::from_lines(old.as_str(), new.as_str())
                    .unified_diff()
                    .context_radius(CONTEXT)
                    .header("o", "n")
                    .to_string()
            };
            assert_eq!(ours, theirs, "{old:?} -> {new:?}");
        }
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
