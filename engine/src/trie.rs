//! The trie of action-name prefixes and its shortest safe prefixes: the
//! generalization at the heart of the founding article.
//!
//! Nodes are prefixes of the actions being placed, cut where a wildcard may
//! stand (after `service:`, at CamelCase word starts, after `-`), plus each
//! whole action name. Nesting is by characters, as wildcards match. A walk
//! from the root emits every safe node whose ancestors are all unsafe.

use crate::table::starts_with_ci;

/// Why a node may not become a wildcard.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Unsafe {
    /// An unused action starts with the prefix.
    Unused {
        /// How many unused actions start with it.
        count: usize,
        /// The first of them.
        example: String,
    },
    /// A known action that the entry did not grant starts with the prefix.
    NotGranted {
        /// How many such actions start with it.
        count: usize,
        /// The first of them.
        example: String,
    },
    /// An action that must stay granted starts with the prefix (when
    /// placing `NotAction` exclusions, the statement's used actions).
    Used {
        /// How many such actions start with it.
        count: usize,
        /// The first of them.
        example: String,
    },
    /// `prefix*` would match strings, future actions included, that the entry does not.
    Broader,
}

/// One node of the trie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The prefix, in the catalog's spelling.
    pub prefix: String,
    /// The enclosing node: the longest other node that is a prefix of this one.
    pub parent: Option<usize>,
    /// Whether the prefix is itself one of the actions being placed.
    pub is_action: bool,
    /// How many actions being placed start with the prefix.
    pub placed: usize,
    /// `None` when safe; otherwise why not. Only set on nodes the walk reached
    /// (every node when the trie was built with `evaluate_all`).
    pub unsafe_because: Option<Unsafe>,
    /// Whether the walk reached this node.
    pub visited: bool,
    /// The entry emitted at this node, if any.
    pub emitted: Option<String>,
}

/// What an action of the range is, for safety.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Must stay granted: being placed.
    Placed,
    /// Must not be granted: unused.
    Unused,
    /// Must not be granted: the entry never granted it.
    NotGranted,
    /// Must not be covered: still used (when placing `NotAction` exclusions).
    Used,
    /// Neither: may or may not be covered (already excluded from a NotAction statement).
    Free,
}

/// The input of a generalization.
pub struct Problem<'a> {
    /// Every known action under `root_hint`, sorted case-insensitively, with its class.
    pub actions: Vec<(&'a str, Class)>,
    /// The walk starts at the deepest node that is a prefix of this (the entry's literal part).
    pub root_hint: &'a str,
    /// Whether `prefix*` stays inside the entry's language.
    pub covers: &'a dyn Fn(&str) -> bool,
    /// Whether a safe node must become `prefix*` whatever it holds (a wholly unused service).
    pub force_star: &'a dyn Fn(&str) -> bool,
}

impl std::fmt::Debug for Problem<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Problem")
            .field("actions", &self.actions.len())
            .field("root_hint", &self.root_hint)
            .finish_non_exhaustive()
    }
}

/// The built trie, walked.
#[derive(Clone, Debug)]
pub struct Trie {
    /// The nodes in prefix order (a node's descendants follow it). Built with
    /// `evaluate_all`, every node; without it, only the nodes the walk
    /// reached: nothing under a safe node is built.
    pub nodes: Vec<Node>,
    /// The root prefix the walk started from (empty for the whole namespace).
    pub root: String,
    /// The emitted entries, sorted case-insensitively.
    pub emitted: Vec<String>,
}

/// Where a wildcard may stand in an action name (byte offsets into the part after `service:`).
pub fn cut_points(name: &str) -> Vec<usize> {
    let bytes = name.as_bytes();
    let mut cuts = vec![0];
    for i in 1..bytes.len() {
        let prev = bytes.get(i - 1).copied().unwrap_or(0);
        let cur = bytes.get(i).copied().unwrap_or(0);
        let next = bytes.get(i + 1).copied();
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

/// The run of `items` (lowercased, sorted) that starts with `key` (lowercased).
fn lowercase_range<S: AsRef<str>>(items: &[S], key: &str) -> std::ops::Range<usize> {
    let start = items.partition_point(|s| s.as_ref() < key);
    let len = items
        .get(start..)
        .unwrap_or(&[])
        .partition_point(|s| s.as_ref().starts_with(key));
    start..start + len
}

impl Trie {
    /// Builds the trie over the placed actions of `problem` and walks it.
    pub fn build(problem: &Problem<'_>, evaluate_all: bool) -> Trie {
        let placed: Vec<&str> = problem
            .actions
            .iter()
            .filter(|(_, class)| *class == Class::Placed)
            .map(|(name, _)| *name)
            .collect();
        // Prefix sums over the range let every safety check run in logarithmic time.
        // The ranges are found in lowercased copies of the names: plain byte
        // comparisons there are several times faster than comparing
        // case-insensitively, and the `Action: "*"` trie searches them for
        // each of its tens of thousands of nodes.
        let names: Vec<String> = problem
            .actions
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        let placed_lc: Vec<&str> = problem
            .actions
            .iter()
            .zip(&names)
            .filter(|((_, class), _)| *class == Class::Placed)
            .map(|(_, lowercase)| lowercase.as_str())
            .collect();
        let blocked = [Class::Unused, Class::NotGranted, Class::Used];
        let mut sums: Vec<[usize; 3]> = Vec::with_capacity(names.len() + 1);
        let mut running = [0usize; 3];
        sums.push(running);
        for (_, class) in &problem.actions {
            for (slot, b) in running.iter_mut().zip(blocked) {
                *slot += usize::from(*class == b);
            }
            sums.push(running);
        }

        // Every candidate node is a prefix of a placed action: (action, length,
        // whether it is the whole action). Keys and prefixes are slices of the
        // names, so nothing is allocated until a node is kept. A stable sort
        // keeps the candidates of one key in the order they were found, so
        // the first spelling wins, as it would in a map.
        let key_of = |&(i, len, _): &(usize, usize, bool)| -> &str {
            let name = placed_lc.get(i).copied().unwrap_or("");
            name.get(..len).unwrap_or(name)
        };
        let display_of = |&(i, len, _): &(usize, usize, bool)| -> &str {
            let name = placed.get(i).copied().unwrap_or("");
            name.get(..len).unwrap_or(name)
        };
        // The candidates of the placed actions `range`, sorted, one per key.
        let candidates_of = |range: std::ops::Range<usize>| -> Vec<(usize, usize, bool)> {
            let mut candidates: Vec<(usize, usize, bool)> = Vec::new();
            for i in range {
                let action = placed.get(i).copied().unwrap_or("");
                let colon = action.find(':').map_or(0, |i| i + 1);
                let name = action.get(colon..).unwrap_or("");
                for cut in cut_points(name) {
                    let len = if action.get(..colon + cut).is_some() {
                        colon + cut
                    } else {
                        action.len()
                    };
                    candidates.push((i, len, false));
                }
                candidates.push((i, action.len(), true));
            }
            candidates.sort_by(|a, b| key_of(a).cmp(key_of(b)));
            let mut unique: Vec<(usize, usize, bool)> = Vec::with_capacity(candidates.len());
            for candidate in candidates {
                match unique.last_mut() {
                    Some(last) if key_of(last) == key_of(&candidate) => last.2 |= candidate.2,
                    _ => unique.push(candidate),
                }
            }
            unique
        };

        // A walk from the whole namespace (`Action: "*"`, `NotAction`) leaves
        // most services at `svc:*` after one look. Without `evaluate_all`,
        // the nodes of such a service below `svc:` are never built: the
        // candidates are made service by service, and only for a service whose
        // `svc:` node is unsafe. That was most of the time of a refinement of
        // `*`. Every placed action must then have a service, so that no node
        // spans two services.
        let by_service =
            !evaluate_all && problem.root_hint.is_empty() && placed.iter().all(|a| a.contains(':'));
        let blocks: Vec<std::ops::Range<usize>> = if by_service {
            let mut blocks = Vec::new();
            let mut start = 0;
            while start < placed_lc.len() {
                let service = placed_lc
                    .get(start)
                    .and_then(|a| a.get(..=a.find(':').unwrap_or(0)))
                    .unwrap_or("");
                let len = lowercase_range(placed_lc.get(start..).unwrap_or(&[]), service).len();
                blocks.push(start..start + len.max(1));
                start += len.max(1);
            }
            blocks
        } else {
            std::iter::once(0..placed.len()).collect()
        };

        // Otherwise one block holds every candidate, also used to find the root.
        let mut whole = (!by_service).then(|| candidates_of(0..placed.len()));
        let root = match &whole {
            None => String::new(),
            Some(unique) => placed
                .first()
                .map(|first| {
                    let hint = problem.root_hint.to_ascii_lowercase();
                    let end = unique.partition_point(|c| key_of(c) <= hint.as_str());
                    unique
                        .get(..end)
                        .unwrap_or(&[])
                        .iter()
                        .rev()
                        .find(|c| {
                            let key = key_of(c);
                            key.len() <= problem.root_hint.len()
                                && starts_with_ci(problem.root_hint, key)
                                && starts_with_ci(first, key)
                        })
                        .map(|c| display_of(c).to_string())
                        .unwrap_or_default()
                })
                .unwrap_or_default(),
        };
        let root_key = root.to_ascii_lowercase();

        let safety = |prefix: &str, key: &str| -> Option<Unsafe> {
            let range = lowercase_range(&names, key);
            let before = sums.get(range.start).copied().unwrap_or_default();
            let after = sums.get(range.end).copied().unwrap_or_default();
            let example = |class: Class| {
                problem
                    .actions
                    .get(range.clone())
                    .unwrap_or(&[])
                    .iter()
                    .find(|(_, c)| *c == class)
                    .map(|(n, _)| n.to_string())
                    .unwrap_or_default()
            };
            for (i, class) in blocked.into_iter().enumerate() {
                let count =
                    after.get(i).copied().unwrap_or(0) - before.get(i).copied().unwrap_or(0);
                if count > 0 {
                    let example = example(class);
                    return Some(match class {
                        Class::Unused => Unsafe::Unused { count, example },
                        Class::NotGranted => Unsafe::NotGranted { count, example },
                        _ => Unsafe::Used { count, example },
                    });
                }
            }
            (!(problem.covers)(prefix)).then_some(Unsafe::Broader)
        };

        // The nodes are built and walked in one pass, in prefix order: a
        // node's parent is the nearest node before it that is a prefix of it.
        let mut nodes: Vec<Node> = Vec::new();
        // The lowercased prefix of each node, for the range searches.
        let mut keys: Vec<&str> = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        let mut emitted = Vec::new();
        // The lowercased prefix of the last safe node the walk emitted at.
        let mut skip: Option<&str> = None;
        for block in blocks {
            let unique = match whole.take() {
                Some(unique) => unique,
                None => {
                    // The service's own node first: when it is safe, nothing
                    // under it is needed.
                    let first = placed_lc.get(block.start).copied().unwrap_or("");
                    let head_len = first.find(':').map_or(0, |i| i + 1);
                    let head = (block.start, head_len, first.len() == head_len);
                    if safety(display_of(&head), key_of(&head)).is_none() {
                        vec![head]
                    } else {
                        candidates_of(block)
                    }
                }
            };
            let from_root = unique.partition_point(|c| key_of(c) < root_key.as_str());
            for candidate in unique.get(from_root..).unwrap_or(&[]) {
                let key = key_of(candidate);
                if !key.starts_with(root_key.as_str()) {
                    break;
                }
                let under_safe = skip.is_some_and(|s| key.starts_with(s));
                if under_safe && !evaluate_all {
                    continue;
                }
                while let Some(&top) = stack.last() {
                    if key.starts_with(keys.get(top).copied().unwrap_or("")) {
                        break;
                    }
                    stack.pop();
                }
                let prefix = display_of(candidate).to_string();
                let unsafe_because = safety(&prefix, key);
                let placed_here = lowercase_range(&placed_lc, key);
                let mut node = Node {
                    prefix,
                    parent: stack.last().copied(),
                    is_action: candidate.2,
                    placed: placed_here.len(),
                    unsafe_because,
                    visited: !under_safe,
                    emitted: None,
                };
                if !under_safe {
                    let entry = if node.unsafe_because.is_none() {
                        skip = Some(key);
                        if node.placed >= 2 || (problem.force_star)(&node.prefix) {
                            Some(format!("{}*", node.prefix))
                        } else {
                            placed_here
                                .clone()
                                .next()
                                .and_then(|i| placed.get(i))
                                .map(|a| a.to_string())
                        }
                    } else if node.is_action {
                        Some(node.prefix.clone())
                    } else {
                        None
                    };
                    if let Some(entry) = entry {
                        node.emitted = Some(entry.clone());
                        emitted.push(entry);
                    }
                }
                keys.push(key);
                nodes.push(node);
                stack.push(nodes.len() - 1);
            }
        }
        emitted.sort_by(|a, b| crate::table::cmp_ci(a, b));
        emitted.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        Trie {
            nodes,
            root,
            emitted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cuts(name: &str) -> Vec<&str> {
        cut_points(name)
            .into_iter()
            .map(|i| name.get(..i).unwrap())
            .collect()
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
}
