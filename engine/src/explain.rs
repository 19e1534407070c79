//! Why one entry becomes what it becomes: the trie below a pattern with the
//! safety of every node, the unused actions hung beneath it, and the nodes the
//! walk chose, for `pare explain`.
//!
//! The generalization's trie only holds prefixes of the actions that stay
//! granted. To draw the whole picture, as the founding article's figure does,
//! the explanation adds the unused actions the entry grants as leaves (grouped
//! under their first CamelCase word when several share it) and keeps nesting
//! by characters, so every node's parent is the longest other node that is a
//! prefix of it.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::known::Known;
use crate::pattern::Pattern;
use crate::refine::{
    Outcome, RemovalReason, Shared, classify, refine_entry_with, with_entry_problem,
};
use crate::table::{cmp_ci, starts_with_ci};
use crate::trie::{Class, Mode, Nesting, Safety, Trie, Unsafe, cut_points};
use crate::unused::UnusedSet;

/// What the refinement does with the entry, in the terms of `SEMANTICS.md`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A literal action that is not unused: kept as written.
    KeptLiteral,
    /// A literal action reported unused: removed.
    RemovedLiteral,
    /// A wildcard confined to a service reported wholly unused: removed.
    RemovedServiceUnused,
    /// A wildcard under which no known action is unused: kept as written.
    KeptNothingUnused,
    /// A wildcard whose known actions are all unused: removed.
    RemovedOnlyUnused,
    /// A wildcard replaced by its shortest safe prefixes.
    Replaced(Vec<String>),
}

/// What a node of the explanation stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// A node of the generalization's trie: a prefix of actions that stay granted.
    Trie,
    /// A prefix that only unused actions share (a CamelCase word below a trie node).
    UnusedBranch,
    /// An unused action, hung under the deepest node that is a prefix of it.
    UnusedAction,
}

/// One node of the explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExplainNode {
    /// The prefix, in the catalog's spelling.
    pub prefix: String,
    /// The longest other node that is a prefix of this one.
    pub parent: Option<usize>,
    /// What the node stands for.
    pub kind: NodeKind,
    /// Whether the prefix is itself an action that stays granted.
    pub is_action: bool,
    /// Whether the prefix is itself an unused action.
    pub is_unused: bool,
    /// How many actions that stay granted start with the prefix.
    pub placed: usize,
    /// How many unused actions start with the prefix.
    pub unused: usize,
    /// `None` when `prefix*` would be safe; otherwise why not.
    pub unsafe_because: Option<Unsafe>,
    /// The entry the refinement emits at this node, if it chose it.
    pub chosen: Option<String>,
}

/// The picture of one entry's refinement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The entry as written.
    pub pattern: String,
    /// What the refinement does with it.
    pub verdict: Verdict,
    /// The prefix the walk starts from.
    pub root: String,
    /// The nodes in prefix order (a node's descendants follow it).
    pub nodes: Vec<ExplainNode>,
    /// How many known actions the entry matches.
    pub matched: usize,
    /// How many of them are unused.
    pub matched_unused: usize,
}

/// Explains what refining `pattern`, as an entry of an Allow `Action`
/// statement, does against `unused`, with `known` as K.
pub fn explain(pattern: &str, unused: &UnusedSet, known: &Known<'_>) -> Explanation {
    let parsed = Pattern::new(pattern);
    let literal = parsed.literal_prefix();
    let matched = known.matching(&parsed);
    let matched_unused = matched.iter().filter(|a| unused.contains(a)).count();
    // The trie's candidates are cut once for the verdict and the picture.
    let shared = Shared::new();
    let verdict = verdict(&parsed, unused, known, &shared);
    if parsed.is_literal() {
        return literal_entry(
            pattern,
            verdict,
            unused,
            known,
            (matched.len(), matched_unused),
        );
    }

    // The problem the refinement walks, walked whole: every node evaluated
    // by the trie, and the same rule asked about the nodes the picture adds.
    with_entry_problem(&parsed, classify(&parsed, unused, known), |problem| {
        let trie = Trie::walk(problem, &shared.index, Mode::All);
        let replaced = matches!(verdict, Verdict::Replaced(_));
        // With no action left to place the trie is empty; the picture then
        // starts at the entry's literal part.
        let root = if trie.nodes.is_empty() {
            literal.to_string()
        } else {
            trie.root.clone()
        };
        // The unused actions under the root, as the problem classes them.
        let unused_here: Vec<&str> = problem
            .actions
            .iter()
            .filter(|(a, class)| *class == Class::Unused && starts_with_ci(a, &root))
            .map(|(a, _)| *a)
            .collect();
        let rule = Safety::new(problem);
        let safety = |prefix: &str| rule.of(prefix);

        let mut by_key = trie_nodes(trie.nodes, trie.ranges, &root, replaced, &safety);
        hang_unused(&mut by_key, &unused_here, &parsed, &root, &safety);
        let nodes = nest(by_key, &root, &rule);

        Explanation {
            pattern: pattern.to_string(),
            verdict,
            root,
            nodes,
            matched: matched.len(),
            matched_unused,
        }
    })
}

/// What the refinement does with the entry.
fn verdict<'k>(
    parsed: &Pattern,
    unused: &UnusedSet,
    known: &'k Known<'_>,
    shared: &Shared<'k>,
) -> Verdict {
    let options = crate::refine::RefineOptions::default();
    match refine_entry_with(parsed.as_str(), unused, known, &options, shared) {
        Outcome::Keep if parsed.is_literal() => Verdict::KeptLiteral,
        Outcome::Keep => Verdict::KeptNothingUnused,
        Outcome::Remove(RemovalReason::Unused) => Verdict::RemovedLiteral,
        Outcome::Remove(_)
            if parsed
                .fixed_service()
                .is_some_and(|s| unused.is_service_unused(s)) =>
        {
            Verdict::RemovedServiceUnused
        }
        Outcome::Remove(_) => Verdict::RemovedOnlyUnused,
        Outcome::Replace(with) => {
            Verdict::Replaced(with.iter().map(|e| String::from(&**e)).collect())
        }
    }
}

/// The picture of a literal entry: one node. A literal is not walked (the
/// refinement removes it when it is unused and keeps it otherwise), so its
/// node says only that, in the trie's terms; the trie's rule for `name*`
/// would also count the longer actions that start with the name.
fn literal_entry(
    pattern: &str,
    verdict: Verdict,
    unused: &UnusedSet,
    known: &Known<'_>,
    (matched, matched_unused): (usize, usize),
) -> Explanation {
    let name = known.canonical(pattern).unwrap_or(pattern).to_string();
    let is_unused = unused.contains(&name);
    let node = ExplainNode {
        prefix: name.clone(),
        parent: None,
        kind: if is_unused {
            NodeKind::UnusedAction
        } else {
            NodeKind::Trie
        },
        is_action: !is_unused,
        is_unused,
        placed: usize::from(!is_unused),
        unused: usize::from(is_unused),
        unsafe_because: is_unused.then(|| Unsafe::Unused {
            count: 1,
            example: name.clone(),
        }),
        chosen: None,
    };
    Explanation {
        pattern: pattern.to_string(),
        verdict,
        root: name,
        nodes: vec![node],
        matched,
        matched_unused,
    }
}

/// The picture's nodes, keyed by lowercased prefix so that nesting can be
/// recomputed once the unused actions hang among them: the trie's nodes in
/// a vector sorted by key (the walk gives them in that order: tens of
/// thousands for a whole-catalog wildcard), and the few the picture adds in
/// a map. Together they are what one map of every node was.
/// A trie node keeps its names (a range of the problem's actions), so that
/// its counts need no search.
struct ByKey {
    trie: Vec<(String, ExplainNode, Range<usize>)>,
    added: BTreeMap<String, ExplainNode>,
}

impl ByKey {
    fn trie_index(&self, key: &str) -> Result<usize, usize> {
        self.trie.binary_search_by(|(k, ..)| k.as_str().cmp(key))
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut ExplainNode> {
        match self.trie_index(key) {
            Ok(i) => self.trie.get_mut(i).map(|(_, node, _)| node),
            Err(_) => self.added.get_mut(key),
        }
    }

    /// Adds `key`'s node unless there is one.
    fn add(&mut self, key: String, node: impl FnOnce() -> ExplainNode) {
        if self.trie_index(&key).is_err() {
            self.added.entry(key).or_insert_with(node);
        }
    }

    /// Whether some key is `key` (`exact`) or starts with it.
    fn has(&self, key: &str, exact: bool) -> bool {
        let here = |k: &str| if exact { k == key } else { k.starts_with(key) };
        let at = self.trie_index(key).unwrap_or_else(|i| i);
        self.trie.get(at).is_some_and(|(k, ..)| here(k))
            || self
                .added
                .range::<str, _>((std::ops::Bound::Included(key), std::ops::Bound::Unbounded))
                .next()
                .is_some_and(|(k, _)| here(k))
    }

    /// Every node, sorted by key, with its names when it is the trie's.
    fn into_sorted(self) -> impl Iterator<Item = (String, ExplainNode, Option<Range<usize>>)> {
        let mut added = self.added.into_iter().peekable();
        let mut trie = self.trie.into_iter().peekable();
        std::iter::from_fn(move || match (trie.peek(), added.peek()) {
            (Some((a, ..)), Some((b, _))) if b < a => added.next().map(|(k, n)| (k, n, None)),
            (Some(_), _) => trie.next().map(|(k, n, names)| (k, n, Some(names))),
            (None, _) => added.next().map(|(k, n)| (k, n, None)),
        })
    }
}

/// The trie's nodes, keyed by lowercased prefix, and the root.
fn trie_nodes(
    nodes: Vec<crate::trie::Node>,
    ranges: Vec<Range<usize>>,
    root: &str,
    replaced: bool,
    safety: &dyn Fn(&str) -> Option<Unsafe>,
) -> ByKey {
    let mut trie: Vec<(String, ExplainNode, Range<usize>)> = nodes
        .into_iter()
        .zip(ranges)
        .map(|(node, names)| {
            (
                node.prefix.to_ascii_lowercase(),
                ExplainNode {
                    prefix: node.prefix,
                    parent: None,
                    kind: NodeKind::Trie,
                    is_action: node.is_action,
                    is_unused: false,
                    placed: node.placed,
                    unused: 0,
                    unsafe_because: node.unsafe_because,
                    chosen: node.emitted.filter(|_| replaced),
                },
                names,
            )
        })
        .collect();
    if !trie.is_sorted_by(|(a, ..), (b, ..)| a < b) {
        // As a map would hold them: sorted, the last node of a key kept.
        trie.reverse();
        trie.sort_by(|(a, ..), (b, ..)| a.cmp(b));
        trie.dedup_by(|(a, ..), (b, ..)| a == b);
    }
    let mut by_key = ByKey {
        trie,
        added: BTreeMap::new(),
    };
    // A trie rooted at the empty prefix (`*`, `*Get*`) is a forest: give it one root.
    by_key.add(root.to_ascii_lowercase(), || ExplainNode {
        prefix: root.to_string(),
        parent: None,
        kind: NodeKind::Trie,
        is_action: false,
        is_unused: false,
        placed: 0,
        unused: 0,
        unsafe_because: safety(root),
        chosen: None,
    });
    by_key
}

/// Hangs the unused actions the entry grants under the deepest node that is a
/// prefix of each, grouping those that share a word below it into a branch.
fn hang_unused(
    by_key: &mut ByKey,
    unused_here: &[&str],
    parsed: &Pattern,
    root: &str,
    safety: &dyn Fn(&str) -> Option<Unsafe>,
) {
    let root_key = root.to_ascii_lowercase();
    // Unused actions grouped by the trie node they hang under and the first
    // word below it; a word several of them share becomes a branch. The
    // nodes looked at are those before any is added.
    let mut groups: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    let mut hung: Vec<String> = Vec::new();
    // Only the unused actions the entry grants are drawn; the others still
    // count in the reasons (they make prefixes unsafe all the same).
    for action in unused_here.iter().filter(|a| parsed.matches(a)) {
        let key = action.to_ascii_lowercase();
        if by_key.has(&key, true) {
            hung.push(key);
            continue;
        }
        let deepest = deepest_prefix(by_key, &key).unwrap_or_else(|| root_key.clone());
        let branch = word_below(action, deepest.len()).filter(|b| !by_key.has(b.as_str(), false));
        groups
            .entry((deepest, branch.unwrap_or_default()))
            .or_default()
            .push(action);
    }
    for key in hung {
        if let Some(node) = by_key.get_mut(&key) {
            node.is_unused = true;
        }
    }
    for ((_, branch), actions) in &groups {
        if actions.len() >= 2 && !branch.is_empty() {
            let display = actions
                .first()
                .and_then(|a| a.get(..branch.len()))
                .unwrap_or(branch)
                .to_string();
            by_key.add(branch.clone(), || ExplainNode {
                prefix: display.clone(),
                parent: None,
                kind: NodeKind::UnusedBranch,
                is_action: false,
                is_unused: false,
                placed: 0,
                unused: 0,
                unsafe_because: safety(&display),
                chosen: None,
            });
        }
        for action in actions {
            by_key.add(action.to_ascii_lowercase(), || ExplainNode {
                prefix: action.to_string(),
                parent: None,
                kind: NodeKind::UnusedAction,
                is_action: false,
                is_unused: true,
                placed: 0,
                unused: 0,
                unsafe_because: safety(action),
                chosen: None,
            });
        }
    }
}

/// The nodes under the root in prefix order, each with its parent and counts.
fn nest(by_key: ByKey, root: &str, rule: &Safety<'_, '_, '_>) -> Vec<ExplainNode> {
    // Nesting by characters, as wildcards match.
    let mut nodes: Vec<ExplainNode> = Vec::with_capacity(by_key.trie.len() + by_key.added.len());
    let mut nesting = Nesting::default();
    // The keys come sorted: each node's names are found from the last one's.
    let mut from = 0usize;
    for (key, mut node, names) in by_key.into_sorted() {
        if !starts_with_ci(&node.prefix, root) {
            continue;
        }
        node.parent = nesting.enter(&key);
        [node.placed, node.unused] = match names {
            // A trie node's names are known: the search would find them.
            Some(names) => {
                from = names.start;
                rule.counts_in([Class::Placed, Class::Unused], &names)
            }
            None => {
                rule.counts_under_sorted([Class::Placed, Class::Unused], &node.prefix, &mut from)
            }
        };
        nodes.push(node);
    }
    nodes
}

/// The longest of the keys of `by_key` that `key` starts with.
fn deepest_prefix(by_key: &ByKey, key: &str) -> Option<String> {
    (0..=key.len())
        .rev()
        .filter_map(|end| key.get(..end))
        .find(|candidate| by_key.has(candidate, true))
        .map(str::to_string)
}

/// The lowercased prefix of `action` that ends at its first cut point after
/// byte `depth`, when that is shorter than the whole action.
fn word_below(action: &str, depth: usize) -> Option<String> {
    let colon = action.find(':').map_or(0, |i| i + 1);
    let name = action.get(colon..)?;
    cut_points(name)
        .into_iter()
        .map(|cut| colon + cut)
        .find(|&end| end > depth && end < action.len())
        .and_then(|end| action.get(..end))
        .map(str::to_ascii_lowercase)
}

impl Explanation {
    /// The indices of `index`'s children, in order.
    ///
    /// The nodes are in preorder (built from a stack over sorted prefixes):
    /// a node's subtree is the run after it of nodes whose parent is it or
    /// after it. Looking only there keeps drawing the tree linear in its
    /// depth; scanning every node for each one took seconds for the 30,000
    /// nodes of `*?????????????*`.
    pub fn children(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        let start = index.saturating_add(1);
        self.nodes
            .get(start..)
            .unwrap_or(&[])
            .iter()
            .take_while(move |n| n.parent.is_some_and(|p| p >= index))
            .enumerate()
            .filter(move |(_, n)| n.parent == Some(index))
            .map(move |(i, _)| start + i)
    }

    /// The entries the refinement puts in the pattern's place (empty when it is
    /// removed; the pattern itself when it is kept).
    pub fn result(&self) -> Vec<String> {
        match &self.verdict {
            Verdict::KeptLiteral | Verdict::KeptNothingUnused => vec![self.pattern.clone()],
            Verdict::RemovedLiteral
            | Verdict::RemovedServiceUnused
            | Verdict::RemovedOnlyUnused => Vec::new(),
            Verdict::Replaced(with) => {
                let mut with = with.clone();
                with.sort_by(|a, b| cmp_ci(a, b));
                with
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{AccessLevel, ActionTable, KnownAction};

    fn rows(names: &[&'static str]) -> Vec<KnownAction> {
        let mut rows: Vec<KnownAction> = names
            .iter()
            .map(|n| KnownAction::new_static(n, AccessLevel::READ, true))
            .collect();
        rows.sort_by(|a, b| cmp_ci(&a.name, &b.name));
        rows
    }

    fn find<'e>(e: &'e Explanation, prefix: &str) -> &'e ExplainNode {
        e.nodes
            .iter()
            .find(|n| n.prefix == prefix)
            .unwrap_or_else(|| panic!("no node `{prefix}` in {:#?}", e.nodes))
    }

    #[test]
    fn children_are_found_in_the_subtree_as_by_a_full_scan() {
        let rows = rows(&[
            "s3:GetObject",
            "s3:GetObjectAcl",
            "s3:GetObjectTagging",
            "s3:GetBucketAcl",
            "s3:GetBucketPolicy",
            "s3:PutObject",
            "ec2:DescribeImages",
            "ec2:DescribeInstances",
            "ec2:DescribeInstanceStatus",
            "ec2:RunInstances",
        ]);
        let table = ActionTable::new(&rows).unwrap();
        let unused =
            UnusedSet::parse("s3:GetObjectAcl\ns3:GetBucketPolicy\nec2:DescribeImages\n").unwrap();
        let known = Known::new(table, [], &unused);
        for pattern in ["*", "s3:Get*", "*Get*", "ec2:Describe*", "s3:*Object*"] {
            let e = explain(pattern, &unused, &known);
            assert!(e.nodes.len() > 3, "{pattern}");
            for index in 0..e.nodes.len() {
                let scanned: Vec<usize> = e
                    .nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| n.parent == Some(index))
                    .map(|(i, _)| i)
                    .collect();
                assert_eq!(e.children(index).collect::<Vec<_>>(), scanned, "{pattern}");
            }
        }
    }

    #[test]
    fn unused_actions_hang_under_their_deepest_node() {
        let rows = rows(&[
            "s3:GetBucketAcl",
            "s3:GetBucketPolicy",
            "s3:GetBucketPolicyStatus",
            "s3:GetObject",
            "s3:GetObjectAcl",
            "s3:GetJobTagging",
        ]);
        let table = ActionTable::new(&rows).unwrap();
        let unused = UnusedSet::parse(
            "s3:GetBucketAcl\ns3:GetBucketPolicy\ns3:GetBucketPolicyStatus\ns3:GetObjectAcl\n",
        )
        .unwrap();
        let known = Known::new(table, [], &unused);
        let e = explain("s3:Get*", &unused, &known);
        assert_eq!(
            e.verdict,
            Verdict::Replaced(vec!["s3:GetJobTagging".into(), "s3:GetObject".into()])
        );
        assert_eq!(e.root, "s3:Get");
        let root = find(&e, "s3:Get");
        assert_eq!(root.parent, None);
        assert!(matches!(
            root.unsafe_because,
            Some(Unsafe::Unused { count: 4, .. })
        ));
        let bucket = find(&e, "s3:GetBucket");
        assert_eq!(bucket.kind, NodeKind::UnusedBranch);
        assert_eq!(bucket.unused, 3);
        let policy = find(&e, "s3:GetBucketPolicy");
        assert_eq!(policy.kind, NodeKind::UnusedAction);
        let status = find(&e, "s3:GetBucketPolicyStatus");
        assert_eq!(
            status.parent.map(|p| e.nodes[p].prefix.as_str()),
            Some("s3:GetBucketPolicy")
        );
        let object = find(&e, "s3:GetObject");
        assert_eq!(object.chosen.as_deref(), Some("s3:GetObject"));
        assert!(object.unsafe_because.is_some());
        let acl = find(&e, "s3:GetObjectAcl");
        assert_eq!(acl.kind, NodeKind::UnusedAction);
        let job = find(&e, "s3:GetJob");
        assert_eq!(job.unsafe_because, None);
        assert_eq!(job.chosen.as_deref(), Some("s3:GetJobTagging"));
    }

    #[test]
    fn kept_patterns_choose_nothing() {
        let rows = rows(&["s3:GetObject", "s3:GetObjectAcl", "s3:PutObject"]);
        let table = ActionTable::new(&rows).unwrap();
        let unused = UnusedSet::parse("s3:PutObject\n").unwrap();
        let known = Known::new(table, [], &unused);
        let e = explain("s3:Get*", &unused, &known);
        assert_eq!(e.verdict, Verdict::KeptNothingUnused);
        assert!(e.nodes.iter().all(|n| n.chosen.is_none()));
        assert_eq!(e.result(), ["s3:Get*"]);
        let literal = explain("s3:putobject", &unused, &known);
        assert_eq!(literal.verdict, Verdict::RemovedLiteral);
        assert_eq!(literal.nodes[0].prefix, "s3:PutObject");
        assert!(literal.result().is_empty());
    }

    #[test]
    fn infix_patterns_name_what_they_do_not_grant() {
        let rows = rows(&[
            "ec2:DescribeInstances",
            "ec2:DescribeImages",
            "ec2:DescribeReservedInstances",
            "ec2:DescribeSpotInstances",
        ]);
        let table = ActionTable::new(&rows).unwrap();
        let unused = UnusedSet::parse("ec2:DescribeSpotInstances\n").unwrap();
        let known = Known::new(table, [], &unused);
        let e = explain("ec2:Describe*Instances", &unused, &known);
        assert_eq!(e.root, "ec2:Describe");
        assert!(matches!(
            find(&e, "ec2:Describe").unsafe_because,
            Some(Unsafe::Unused { .. })
        ));
        assert_eq!(
            find(&e, "ec2:DescribeReserved").unsafe_because,
            Some(Unsafe::Broader)
        );
        assert_eq!(
            e.verdict,
            Verdict::Replaced(vec![
                "ec2:DescribeInstances".into(),
                "ec2:DescribeReservedInstances".into()
            ])
        );
    }

    #[test]
    fn a_forest_gets_one_root() {
        let rows = rows(&["a:Get", "b:Get", "b:Put"]);
        let table = ActionTable::new(&rows).unwrap();
        let unused = UnusedSet::parse("b:Put\n").unwrap();
        let known = Known::new(table, [], &unused);
        let e = explain("*", &unused, &known);
        assert_eq!(e.root, "");
        assert_eq!(e.nodes.iter().filter(|n| n.parent.is_none()).count(), 1);
        assert_eq!(e.nodes[0].prefix, "");
        assert_eq!(
            e.verdict,
            Verdict::Replaced(vec!["a:Get".into(), "b:Get".into()])
        );
    }
}

#[cfg(test)]
mod article {
    use super::*;
    use crate::table::{AccessLevel, ActionTable, KnownAction};

    /// The founding article's figure: the 58 `s3:Get*` actions of 2024 and its unused list.
    #[test]
    fn the_article_figure() {
        let mut rows: Vec<KnownAction> = include_str!("../tests/data/s3-get-actions-2024.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| KnownAction {
                name: l.trim().to_string().into(),
                access: AccessLevel::READ,
                last_accessed_tracked: true,
            })
            .collect();
        rows.sort_by(|a, b| cmp_ci(&a.name, &b.name));
        let table = ActionTable::new(&rows).unwrap();
        let unused = UnusedSet::parse(include_str!("../tests/data/article-unused.json")).unwrap();
        let known = Known::new(table, [], &unused);
        let e = explain("s3:Get*", &unused, &known);
        assert_eq!((e.matched, e.matched_unused), (58, 22));
        let top: Vec<(&str, bool, NodeKind)> = e
            .children(0)
            .map(|i| &e.nodes[i])
            .filter(|n| n.kind != NodeKind::UnusedAction)
            .map(|n| {
                (
                    n.prefix.strip_prefix("s3:Get").unwrap(),
                    n.unsafe_because.is_none(),
                    n.kind,
                )
            })
            .collect();
        assert_eq!(
            top,
            [
                ("Access", true, NodeKind::Trie),
                ("Account", true, NodeKind::Trie),
                ("Bucket", false, NodeKind::UnusedBranch),
                ("Data", true, NodeKind::Trie),
                ("Job", true, NodeKind::Trie),
                ("Multi", true, NodeKind::Trie),
                ("Object", true, NodeKind::Trie),
                ("Storage", true, NodeKind::Trie),
            ]
        );
        let chosen: Vec<&str> = e.nodes.iter().filter_map(|n| n.chosen.as_deref()).collect();
        assert_eq!(
            chosen,
            [
                "s3:GetAccess*",
                "s3:GetAccountPublicAccessBlock",
                "s3:GetDataAccess",
                "s3:GetJobTagging",
                "s3:GetMulti*",
                "s3:GetObject*",
                "s3:GetStorage*",
            ]
        );
        assert_eq!(e.result(), chosen);
    }

    #[test]
    fn nodes_by_key_are_what_one_map_of_every_node_was() {
        // The trie's nodes in a sorted vector (or out of order, with a key
        // twice) and nodes added beside them, held to one map: what each
        // lookup finds and the order of the whole.
        let node = |prefix: &str, placed: usize| ExplainNode {
            prefix: prefix.to_string(),
            parent: None,
            kind: NodeKind::Trie,
            is_action: false,
            is_unused: false,
            placed,
            unused: 0,
            unsafe_because: None,
            chosen: None,
        };
        let words = [
            "", "a", "ab", "abc", "ac", "b", "ba", "bab", "c", "s3:", "s3:get",
        ];
        let mut below = crate::test_rng::below(0xb7ee_u64);
        for round in 0..500 {
            let mut trie: Vec<crate::trie::Node> = (0..below(8))
                .map(|i| crate::trie::Node {
                    prefix: words[below(words.len())].to_string(),
                    parent: None,
                    is_action: false,
                    placed: i,
                    unsafe_because: None,
                    visited: true,
                    emitted: None,
                })
                .collect();
            if below(3) != 0 {
                trie.sort_by(|a, b| a.prefix.cmp(&b.prefix));
                trie.dedup_by(|a, b| a.prefix == b.prefix);
            }
            let mut model: BTreeMap<String, ExplainNode> = BTreeMap::new();
            for n in &trie {
                model.insert(n.prefix.clone(), node(&n.prefix, n.placed));
            }
            let root = words[below(words.len())];
            model
                .entry(root.to_string())
                .or_insert_with(|| node(root, 0));
            // Each node's names travel with it: here, from its count.
            let ranges = trie.iter().map(|n| n.placed..n.placed + 1).collect();
            let mut by_key = trie_nodes(trie, ranges, root, false, &|_| None);
            for step in 0..6 {
                let key = words[below(words.len())];
                let keys: Vec<&String> = model.keys().collect();
                assert_eq!(
                    by_key.has(key, true),
                    model.contains_key(key),
                    "round {round}"
                );
                assert_eq!(
                    by_key.has(key, false),
                    keys.iter().any(|k| k.starts_with(key)),
                    "round {round}, `{key}`"
                );
                if below(2) == 0 {
                    by_key.add(key.to_string(), || node(key, 100 + step));
                    model
                        .entry(key.to_string())
                        .or_insert_with(|| node(key, 100 + step));
                } else if let Some(n) = by_key.get_mut(key) {
                    n.unused = step;
                    model.get_mut(key).unwrap().unused = step;
                } else {
                    assert!(!model.contains_key(key));
                }
            }
            let all: Vec<(String, ExplainNode)> = by_key
                .into_sorted()
                .map(|(key, node, names)| {
                    if let Some(names) = names {
                        assert_eq!(names, node.placed..node.placed + 1, "round {round}");
                    }
                    (key, node)
                })
                .collect();
            assert_eq!(all, model.into_iter().collect::<Vec<_>>(), "round {round}");
        }
    }
}
