//! The checks of one verification, statement pair by statement pair.

use super::concise::ConciseSpace;
use super::*;

/// The state of one verification.
pub(super) struct Checker<'k, 'u> {
    pub(super) known: &'k Known<'k>,
    pub(super) unused: &'u UnusedSet,
    /// The known actions that are unused.
    pub(super) unused_known: BTreeSet<&'k str>,
    /// How many actions K holds.
    pub(super) known_len: usize,
    /// Expansions of entries, by lowercased entry.
    pub(super) cache: HashMap<String, Vec<&'k str>>,
    pub(super) violations: Vec<Violation>,
    pub(super) compared: usize,
    pub(super) removed: usize,
    /// Whether to check guarantee 6.
    pub(super) concise: bool,
}

impl<'k, 'u> Checker<'k, 'u> {
    pub(super) fn new(known: &'k Known<'_>, unused: &'u UnusedSet) -> Checker<'k, 'u> {
        // `Known<'a>` is covariant in `'a`; shortening it to the borrow keeps
        // every `&str` it hands out tied to one lifetime.
        let known: &'k Known<'k> = known;
        let mut unused_known = BTreeSet::new();
        for action in unused.actions() {
            if let Some(name) = known.canonical(action.name) {
                unused_known.insert(name);
            }
        }
        for service in unused.services() {
            unused_known.extend(known.with_prefix(&format!("{}:", service.name)));
        }
        Checker {
            known,
            unused,
            unused_known,
            known_len: known.table().len() + known.extra_count(),
            cache: HashMap::new(),
            violations: Vec::new(),
            compared: 0,
            removed: 0,
            concise: true,
        }
    }

    pub(super) fn push(
        &mut self,
        statement: Option<usize>,
        kind: ViolationKind,
        message: String,
        examples: Vec<String>,
    ) {
        self.violations.push(Violation {
            statement,
            kind,
            message,
            examples,
        });
    }

    pub(super) fn side<'s>(&self, statement: &'s Statement) -> Side<'s> {
        let patterns: Vec<Pattern> = statement
            .entries()
            .iter()
            .map(|e| Pattern::new(e))
            .collect();
        Side {
            statement,
            lowercase: statement
                .entries()
                .iter()
                .map(|e| e.to_ascii_lowercase())
                .collect(),
            wildcards: (0..patterns.len())
                .filter(|&i| patterns.get(i).is_some_and(|p| !p.is_literal()))
                .collect(),
            patterns,
            frame: statement.other_fields(),
            object: statement.to_object(),
        }
    }

    /// The known actions `entry` matches.
    pub(super) fn expand(&mut self, pattern: &Pattern) -> Vec<&'k str> {
        let key = pattern.as_str().to_ascii_lowercase();
        if let Some(hit) = self.cache.get(&key) {
            return hit.clone();
        }
        let known = self.known;
        let matched: Vec<&'k str> = if pattern.is_literal() {
            known.canonical(pattern.as_str()).into_iter().collect()
        } else {
            known
                .with_prefix(pattern.literal_prefix())
                .into_iter()
                .filter(|a| pattern.matches(a))
                .collect()
        };
        self.cache.insert(key, matched.clone());
        matched
    }

    /// The union of what the patterns match over K.
    pub(super) fn expand_all(&mut self, patterns: &[Pattern]) -> BTreeSet<&'k str> {
        let mut out = BTreeSet::new();
        for p in patterns {
            out.extend(self.expand(p));
        }
        out
    }

    /// Whether an original statement may be left out: it grants no used known action.
    pub(super) fn removable(&mut self, o: &Side<'_>) -> bool {
        match (o.statement.effect(), o.statement.key()) {
            (Effect::Deny, _) => false,
            (Effect::Allow, ActionKey::Action) => {
                if !self.blind_entries(o).is_empty() {
                    return false;
                }
                let granted = self.expand_all(&o.patterns);
                granted.iter().all(|a| self.unused_known.contains(a))
            }
            (Effect::Allow, ActionKey::NotAction) => {
                // Granted = K minus the excluded; all of it is unused exactly
                // when the excluded and the unused together make up K.
                let excluded = self.expand_all(&o.patterns);
                let covered = excluded.len() + self.unused_known.difference(&excluded).count();
                covered >= self.known_len
            }
        }
    }

    /// Whether an Action entry touches an unused action (rule 1 to 3 applies to it).
    pub(super) fn touches_unused(&mut self, p: &Pattern) -> bool {
        if p.is_literal() {
            return self.unused.contains(p.as_str());
        }
        if p.fixed_service()
            .is_some_and(|s| self.unused.is_service_unused(s))
        {
            return true;
        }
        let unused: &UnusedSet = self.unused;
        self.expand(p).iter().any(|a| unused.contains(a))
    }

    /// The wildcard entries of an Allow `Action` statement whose grant the
    /// catalog cannot see, each with the reason: its literal service part
    /// names a service the catalog does not know, or it matches no catalog
    /// action. An entry confined to a wholly unused service is not among
    /// them (it grants only unused actions, known or not).
    pub(super) fn blind_entries(&self, o: &Side<'_>) -> Vec<(String, String)> {
        let table = self.known.table();
        let mut out = Vec::new();
        for p in &o.patterns {
            if p.is_literal() {
                continue;
            }
            let service = p.fixed_service();
            if service.is_some_and(|s| self.unused.is_service_unused(s)) {
                continue;
            }
            let why = match service {
                Some(s) if table.with_prefix(&format!("{s}:")).is_empty() => format!(
                    "names the service `{}`, which the catalog does not know",
                    s.to_ascii_lowercase()
                ),
                _ => {
                    let rows = table.with_prefix(p.literal_prefix());
                    if rows.iter().any(|row| p.matches(&row.name)) {
                        continue;
                    }
                    "matches no action of the catalog".to_string()
                }
            };
            out.push((p.as_str().to_string(), why));
        }
        out
    }

    /// Every entry of `blind` stands in the refined statement as written,
    /// or as a twin that differs only in case: action names match without
    /// regard to case, so the twin grants exactly what the entry grants (the
    /// refinement keeps one entry of each case-insensitive duplicate).
    pub(super) fn blind_kept(&mut self, i: usize, blind: &[(String, String)], r: &Side<'_>) {
        for (entry, why) in blind {
            let kept = r
                .statement
                .entries()
                .iter()
                .any(|e| e.eq_ignore_ascii_case(entry));
            if !kept {
                self.push(
                    Some(i),
                    ViolationKind::Incomplete,
                    format!("`{entry}` {why}, so it must be kept as written"),
                    Vec::new(),
                );
            }
        }
    }

    /// Whether a case-insensitive twin of the untouched entry `p` stands in
    /// the refined statement legitimately: it is itself an original entry,
    /// or it lies inside a replaced original wildcard (a generated entry, of
    /// which `p` was a later duplicate).
    pub(super) fn twin_stands_in(&mut self, p: &Pattern, o: &Side<'_>, r: &Side<'_>) -> bool {
        let twins: Vec<&String> = r
            .statement
            .entries()
            .iter()
            .filter(|e| e.eq_ignore_ascii_case(p.as_str()))
            .collect();
        twins.into_iter().any(|twin| {
            if o.statement.entries().contains(twin) {
                return true;
            }
            let generated = Pattern::new(twin);
            o.patterns
                .iter()
                .filter(|q| !q.is_literal() && q.as_str() != p.as_str())
                .any(|q| {
                    let inside = if generated.is_literal() {
                        q.matches(twin)
                    } else {
                        q.contains(&generated)
                    };
                    inside && self.touches_unused(q)
                })
        })
    }

    /// Guarantee 5's form, and no empty action list: a string stays a string
    /// while one entry remains, an array stays an array, and a statement
    /// whose list ends up empty is removed rather than left with `[]`.
    pub(super) fn action_form(&mut self, i: usize, o: &Side<'_>, r: &Side<'_>) {
        let key = o.statement.key().as_str();
        let entries = r.statement.entries();
        if entries.is_empty() {
            self.push(
                Some(i),
                ViolationKind::Structure,
                format!(
                    "is left with an empty `{key}`: a statement whose action list ends up empty is removed"
                ),
                Vec::new(),
            );
            return;
        }
        let was_string = matches!(action_value(o), Some(Value::String(_)));
        let is_string = matches!(action_value(r), Some(Value::String(_)));
        let want_string = was_string && entries.len() == 1;
        if is_string != want_string {
            let message = if is_string {
                format!(
                    "`{key}` was written as an array and is now the string `{}`",
                    entries.first().map(String::as_str).unwrap_or_default()
                )
            } else {
                format!(
                    "`{key}` was written as a string and is now an array of one entry, `{}`",
                    entries.first().map(String::as_str).unwrap_or_default()
                )
            };
            self.push(Some(i), ViolationKind::NotMinimal, message, Vec::new());
        }
    }

    /// Guarantee 6, by brute force over K, without the trie: for each entry
    /// the refined statement adds, inside a replaced original wildcard `e`,
    /// no shorter safe cut-point prefix would have served, a `p*` places at
    /// least two used actions, and no two added entries fall under one safe
    /// node. An entry inside several replaced wildcards is reported only when
    /// it fails for each of them.
    pub(super) fn check_concise(&mut self, i: usize, o: &Side<'_>, r: &Side<'_>) {
        let added: Vec<&str> = r
            .statement
            .entries()
            .iter()
            .filter(|e| !o.lowercase.contains(&e.to_ascii_lowercase()))
            .map(String::as_str)
            .collect();
        if added.is_empty() {
            return;
        }
        let unused = self.unused;
        let replaced: Vec<Pattern> = o
            .patterns
            .iter()
            .filter(|p| {
                !p.is_literal()
                    && !p
                        .fixed_service()
                        .is_some_and(|s| unused.is_service_unused(s))
            })
            .filter(|p| self.touches_unused(p))
            .cloned()
            .collect();
        // For each added entry, the complaint about it under each wildcard that holds it.
        let mut verdicts: Vec<(usize, Vec<Option<String>>)> = Vec::new();
        for e in &replaced {
            let Some(space) = ConciseSpace::new(self, e) else {
                continue;
            };
            let mine: Vec<&str> = added
                .iter()
                .copied()
                .filter(|x| {
                    let x = Pattern::new(x);
                    if x.is_literal() {
                        e.matches(x.as_str())
                    } else {
                        e.contains(&x)
                    }
                })
                .collect();
            for x in &mine {
                let complaint = space.complaint(x, &mine);
                let at = added.iter().position(|a| a == x).unwrap_or(0);
                match verdicts.iter_mut().find(|(n, _)| *n == at) {
                    Some((_, list)) => list.push(complaint),
                    None => verdicts.push((at, vec![complaint])),
                }
            }
        }
        verdicts.sort_by_key(|(n, _)| *n);
        let mut said: HashSet<String> = HashSet::new();
        for (_, complaints) in verdicts {
            if complaints.iter().all(Option::is_some) {
                if let Some(Some(message)) = complaints.into_iter().next() {
                    if said.insert(message.clone()) {
                        self.push(Some(i), ViolationKind::NotConcise, message, Vec::new());
                    }
                }
            }
        }
    }

    pub(super) fn document(&mut self, original: &Policy, refined: &Policy) {
        let (Value::Object(mut o), Value::Object(mut r)) =
            (original.to_value(), refined.to_value())
        else {
            return;
        };
        let o_statement = o.get("Statement").map(Value::is_object);
        let r_statement = r.get("Statement").map(Value::is_object);
        if o_statement == Some(true)
            && r_statement == Some(false)
            && refined.statements().len() == 1
        {
            self.push(
                None,
                ViolationKind::Form,
                "`Statement` was written as one object and is now an array".to_string(),
                Vec::new(),
            );
        }
        if o_statement == Some(false) && r_statement == Some(true) {
            self.push(
                None,
                ViolationKind::Form,
                "`Statement` was written as an array and is now an object".to_string(),
                Vec::new(),
            );
        }
        let o_keys: Vec<String> = o.keys().cloned().collect();
        let r_keys: Vec<String> = r.keys().cloned().collect();
        o.shift_remove("Statement");
        r.shift_remove("Statement");
        let changed = changed_keys(&o, &r);
        if !changed.is_empty() {
            self.push(
                None,
                ViolationKind::Structure,
                format!("top-level {} changed", name_keys(&changed)),
                Vec::new(),
            );
        } else if o_keys != r_keys {
            self.push(
                None,
                ViolationKind::Form,
                "the top-level keys are in another order".to_string(),
                Vec::new(),
            );
        }
    }

    /// An original statement the refined policy left out.
    pub(super) fn removed(&mut self, index: usize, o: Option<&Side<'_>>) {
        let Some(o) = o else { return };
        self.removed += 1;
        match (o.statement.effect(), o.statement.key()) {
            (Effect::Deny, _) => self.push(
                Some(index),
                ViolationKind::Structure,
                "is a Deny statement and was removed (Deny statements are never changed)"
                    .to_string(),
                Vec::new(),
            ),
            (Effect::Allow, ActionKey::Action) => {
                let granted = self.expand_all(&o.patterns);
                let used: Vec<&str> = granted
                    .iter()
                    .copied()
                    .filter(|a| !self.unused_known.contains(a))
                    .collect();
                if !used.is_empty() {
                    let (message, examples) = about(&used, "was removed, but grants", "used");
                    self.push(Some(index), ViolationKind::Incomplete, message, examples);
                }
                for (entry, why) in self.blind_entries(o) {
                    self.push(
                        Some(index),
                        ViolationKind::Incomplete,
                        format!("was removed, but `{entry}` {why}, so it must be kept as written"),
                        Vec::new(),
                    );
                }
            }
            (Effect::Allow, ActionKey::NotAction) => {
                if !self.removable(o) {
                    let excluded = self.expand_all(&o.patterns);
                    let used: Vec<&str> = self
                        .known
                        .all()
                        .into_iter()
                        .filter(|a| !excluded.contains(a) && !self.unused_known.contains(a))
                        .take(MAX_EXAMPLES + 1)
                        .collect();
                    let examples = used
                        .iter()
                        .take(MAX_EXAMPLES)
                        .map(|a| a.to_string())
                        .collect();
                    self.push(
                        Some(index),
                        ViolationKind::Incomplete,
                        format!(
                            "was removed, but grants used actions such as {}",
                            backticked(&used)
                        ),
                        examples,
                    );
                }
            }
        }
    }

    /// Original statement `i` and refined statement `j`, paired.
    /// `fitted`: pairing already found every refined entry inside an original one.
    pub(super) fn pair(&mut self, i: usize, j: usize, o: &Side<'_>, r: &Side<'_>, fitted: bool) {
        self.compared += 1;
        let at = Some(i);
        if o.frame != r.frame {
            let changed = changed_keys(&o.frame, &r.frame);
            let moved = if i == j {
                String::new()
            } else {
                format!(" (Statement[{j}] of the refined policy)")
            };
            self.push(
                at,
                ViolationKind::Structure,
                format!("{} changed{moved}", name_keys(&changed)),
                Vec::new(),
            );
        } else if o.statement.key() == r.statement.key() {
            let o_keys: Vec<&String> = o.object.keys().collect();
            let r_keys: Vec<&String> = r.object.keys().collect();
            if o_keys != r_keys {
                self.push(
                    at,
                    ViolationKind::Form,
                    "the statement's keys are in another order".to_string(),
                    Vec::new(),
                );
            }
        }
        match (o.statement.effect(), o.statement.key()) {
            (Effect::Deny, _) => {
                if o.object != r.object {
                    self.push(
                        at,
                        ViolationKind::Structure,
                        "is a Deny statement and changed (Deny statements are never changed)"
                            .to_string(),
                        Vec::new(),
                    );
                }
            }
            (Effect::Allow, ActionKey::Action) => {
                self.pair_action(i, o, r, fitted);
                self.action_form(i, o, r);
                if self.concise {
                    self.check_concise(i, o, r);
                }
            }
            (Effect::Allow, ActionKey::NotAction) => {
                self.pair_not_action(i, o, r);
                self.action_form(i, o, r);
            }
        }
    }

    /// An `Action` statement against its original, guarantee by guarantee.
    pub(super) fn pair_action(&mut self, i: usize, o: &Side<'_>, r: &Side<'_>, fitted: bool) {
        let original = self.expand_all(&o.patterns);
        self.action_sound(i, o, r, fitted, &original);
        let blind = self.blind_entries(o);
        self.action_safe(i, r, &blind);
        self.action_complete(i, r, &original);
        self.blind_kept(i, &blind, r);
        self.action_minimal(i, o, r);
    }

    /// Sound: each entry stays inside an original entry's language.
    /// `original`: what the original statement grants of K.
    fn action_sound(
        &mut self,
        i: usize,
        o: &Side<'_>,
        r: &Side<'_>,
        fitted: bool,
        original: &BTreeSet<&'k str>,
    ) {
        for p in &r.patterns {
            if fitted || contained(o, p) {
                continue;
            }
            let beyond: Vec<&str> = self
                .expand(p)
                .into_iter()
                .filter(|a| !original.contains(a))
                .collect();
            let (message, examples) = if beyond.is_empty() {
                (
                    format!(
                        "`{}` is not inside any original entry: it would grant actions AWS adds later that the original does not",
                        p.as_str()
                    ),
                    Vec::new(),
                )
            } else {
                let (list, examples) = listing(&beyond);
                let message = match beyond.as_slice() {
                    [_] if p.is_literal() => {
                        format!("adds {list}, which the original statement does not grant")
                    }
                    [_] => format!(
                        "`{}` grants {list}, which the original statement does not",
                        p.as_str()
                    ),
                    _ => format!(
                        "`{}` grants {} actions the original statement does not: {list}",
                        p.as_str(),
                        beyond.len()
                    ),
                };
                (message, examples)
            };
            self.push(Some(i), ViolationKind::Unsound, message, examples);
        }
    }

    /// Safe: no unused known action, no entry confined to a wholly unused
    /// service. A wildcard the catalog cannot see (`blind`) is kept whatever
    /// it grants of K (only names the inputs mention).
    fn action_safe(&mut self, i: usize, r: &Side<'_>, blind: &[(String, String)]) {
        let at = Some(i);
        let seen: Vec<Pattern> = r
            .patterns
            .iter()
            .filter(|p| !blind.iter().any(|(entry, _)| entry == p.as_str()))
            .cloned()
            .collect();
        let seen = self.expand_all(&seen);
        let granted_unused: Vec<&str> = seen
            .iter()
            .copied()
            .filter(|a| self.unused_known.contains(a))
            .collect();
        if !granted_unused.is_empty() {
            let (message, examples) = about(&granted_unused, "grants", "unused");
            self.push(at, ViolationKind::Unsafe, message, examples);
        }
        for p in &r.patterns {
            if let Some(service) = p.fixed_service() {
                if self.unused.is_service_unused(service) && !p.is_literal() {
                    self.push(
                        at,
                        ViolationKind::Unsafe,
                        format!(
                            "`{}` reaches the wholly unused service `{}`",
                            p.as_str(),
                            service.to_ascii_lowercase()
                        ),
                        Vec::new(),
                    );
                }
            }
        }
    }

    /// Complete: every used action of the original (`original`, over K) is
    /// still granted.
    fn action_complete(&mut self, i: usize, r: &Side<'_>, original: &BTreeSet<&'k str>) {
        let refined = self.expand_all(&r.patterns);
        let lost: Vec<&str> = original
            .iter()
            .copied()
            .filter(|a| !self.unused_known.contains(a) && !refined.contains(a))
            .collect();
        if !lost.is_empty() {
            let (message, examples) = about(&lost, "no longer grants", "used");
            self.push(Some(i), ViolationKind::Incomplete, message, examples);
        }
    }

    /// Minimal change: entries that touch nothing unused stay as written.
    fn action_minimal(&mut self, i: usize, o: &Side<'_>, r: &Side<'_>) {
        let at = Some(i);
        let exact: HashSet<&str> = r.statement.entries().iter().map(String::as_str).collect();
        let mut touched_any = false;
        let mut kept_missing: Vec<&str> = Vec::new();
        for p in &o.patterns {
            if self.touches_unused(p) {
                touched_any = true;
                continue;
            }
            // Kept as written, or a case-insensitive twin stands in for it
            // (the later duplicate was dropped): an original entry, or one
            // generated from a replaced wildcard; a mere respelling is not.
            let kept = exact.contains(p.as_str()) || self.twin_stands_in(p, o, r);
            if !kept {
                kept_missing.push(p.as_str());
            }
        }
        if !touched_any && action_value(o) != action_value(r) {
            self.push(
                at,
                ViolationKind::NotMinimal,
                "no entry touches an unused action, yet `Action` changed".to_string(),
                Vec::new(),
            );
        } else {
            for entry in kept_missing {
                let respelled = r
                    .statement
                    .entries()
                    .iter()
                    .find(|e| e.eq_ignore_ascii_case(entry));
                let message = match respelled {
                    Some(twin) => format!(
                        "`{entry}` touches no unused action but its case changed to `{twin}` (entries are kept byte for byte)"
                    ),
                    None => {
                        format!("`{entry}` touches no unused action but was not kept as written")
                    }
                };
                self.push(at, ViolationKind::NotMinimal, message, Vec::new());
            }
        }
    }

    /// A `NotAction` statement against its original, guarantee by guarantee.
    pub(super) fn pair_not_action(&mut self, i: usize, o: &Side<'_>, r: &Side<'_>) {
        let o_excluded = self.expand_all(&o.patterns);
        let r_excluded = self.expand_all(&r.patterns);
        let dropped = self.not_action_sound(i, o, r, &r_excluded);
        self.not_action_safe(i, r, &r_excluded);
        self.not_action_complete(i, &o_excluded, &r_excluded);
        self.not_action_minimal(i, o, r, &o_excluded, dropped);
    }

    /// Sound: the exclusions only grow. `r_excluded`: what the refined
    /// statement excludes of K. Returns whether an exclusion was dropped.
    fn not_action_sound(
        &mut self,
        i: usize,
        o: &Side<'_>,
        r: &Side<'_>,
        r_excluded: &BTreeSet<&'k str>,
    ) -> bool {
        let mut dropped = false;
        for entry in o.statement.entries() {
            if !r.statement.entries().contains(entry) {
                dropped = true;
                let p = Pattern::new(entry);
                let now: Vec<&str> = self
                    .expand(&p)
                    .into_iter()
                    .filter(|a| !r_excluded.contains(a))
                    .collect();
                let (message, examples) = if now.is_empty() {
                    (format!("drops the exclusion `{entry}`"), Vec::new())
                } else {
                    let (list, examples) = about(&now, "now grants", "");
                    (
                        format!("drops the exclusion `{entry}` and {list}"),
                        examples,
                    )
                };
                self.push(Some(i), ViolationKind::Unsound, message, examples);
            }
        }
        dropped
    }

    /// Safe: every unused known action is excluded, and every wholly unused
    /// service as a whole.
    fn not_action_safe(&mut self, i: usize, r: &Side<'_>, r_excluded: &BTreeSet<&'k str>) {
        let at = Some(i);
        let granted_unused: Vec<&str> = self
            .unused_known
            .iter()
            .copied()
            .filter(|a| !r_excluded.contains(a))
            .collect();
        if !granted_unused.is_empty() {
            let (message, examples) = about(&granted_unused, "grants", "unused");
            self.push(at, ViolationKind::Unsafe, message, examples);
        }
        let services: Vec<String> = self.unused.services().map(|s| s.name.clone()).collect();
        for service in services {
            let all = Pattern::new(&format!("{service}:*"));
            if !r.patterns.iter().any(|p| p.contains(&all)) {
                self.push(
                    at,
                    ViolationKind::Unsafe,
                    format!(
                        "does not exclude the wholly unused service `{service}` as a whole (`{service}:*`)"
                    ),
                    Vec::new(),
                );
            }
        }
    }

    /// Complete: nothing used is newly excluded.
    fn not_action_complete(
        &mut self,
        i: usize,
        o_excluded: &BTreeSet<&'k str>,
        r_excluded: &BTreeSet<&'k str>,
    ) {
        let lost: Vec<&str> = r_excluded
            .iter()
            .copied()
            .filter(|a| !o_excluded.contains(a) && !self.unused_known.contains(a))
            .collect();
        if !lost.is_empty() {
            let (message, examples) = about(&lost, "no longer grants", "used");
            self.push(Some(i), ViolationKind::Incomplete, message, examples);
        }
    }

    /// Minimal change: a statement that grants nothing unused stays as
    /// written, and the original exclusions stay first, as written (unless
    /// one was `dropped`, already reported).
    fn not_action_minimal(
        &mut self,
        i: usize,
        o: &Side<'_>,
        r: &Side<'_>,
        o_excluded: &BTreeSet<&'k str>,
        dropped: bool,
    ) {
        let at = Some(i);
        let grants_unused = self.unused_known.iter().any(|a| !o_excluded.contains(a))
            || self.unused.services().any(|s| {
                let all = Pattern::new(&format!("{}:*", s.name));
                !o.patterns.iter().any(|p| p.contains(&all))
            });
        if !grants_unused && action_value(o) != action_value(r) {
            self.push(
                at,
                ViolationKind::NotMinimal,
                "grants no unused action, yet `NotAction` changed".to_string(),
                Vec::new(),
            );
        } else if !dropped && !r.statement.entries().starts_with(o.statement.entries()) {
            self.push(
                at,
                ViolationKind::NotMinimal,
                "the original exclusions are not kept first, as written".to_string(),
                Vec::new(),
            );
        }
    }
}
