//! IAM action patterns: `*` and `?` anywhere, ASCII case-insensitive, whole-string match.
//!
//! Besides matching, this module answers the language questions the
//! generalization and the verifier ask: does every string that starts with a
//! prefix match a pattern, and is one pattern's language inside another's.
//! Both are decided exactly by exploring the patterns' automata.

use std::collections::{BTreeSet, HashSet, VecDeque};

/// One token of a pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Token {
    /// A literal character, ASCII-lowercased.
    Char(char),
    /// `?`: exactly one character.
    One,
    /// `*`: any run of characters, the empty run included.
    Star,
}

/// A parsed action pattern such as `s3:Get*` or `ec2:Describe*Instances`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    tokens: Vec<Token>,
    /// For a literal followed by one `*` (most entries), the literal,
    /// ASCII-lowercased: such a pattern matches by comparing a prefix.
    trailing_literal: Option<String>,
    /// For a pattern of only `?` and `*` (`*??????????*`), how many `?` and
    /// whether a `*`: it matches by length alone. Hostile policies are made
    /// of these, and each is matched against every known action.
    lengths: Option<(usize, bool)>,
}

/// How many automaton states a containment check may explore before it gives
/// the conservative answer ("not contained"). Real action patterns need a few dozen.
const STATE_BUDGET: usize = 20_000;

impl Pattern {
    /// Parses a pattern; every string is a valid pattern.
    pub fn new(text: &str) -> Pattern {
        // Sized once: `chars()` gives no useful size hint, and growing the
        // vector showed in profiles (every entry of every job is parsed).
        let mut tokens: Vec<Token> = Vec::with_capacity(text.len());
        tokens.extend(text.chars().map(|c| match c {
            '*' => Token::Star,
            '?' => Token::One,
            c => Token::Char(c.to_ascii_lowercase()),
        }));
        // `**` matches what `*` does; a run of thousands of stars would only
        // make matching and the inclusion checks slow in proportion.
        tokens.dedup_by(|a, b| *a == Token::Star && *b == Token::Star);
        Pattern::from_tokens(text.to_string(), tokens)
    }

    fn from_tokens(text: String, tokens: Vec<Token>) -> Pattern {
        let trailing_literal = match tokens.split_last() {
            Some((Token::Star, literal)) => literal
                .iter()
                .map(|t| match t {
                    Token::Char(c) => Some(*c),
                    _ => None,
                })
                .collect::<Option<String>>(),
            _ => None,
        };
        let lengths = (!tokens.iter().any(|t| matches!(t, Token::Char(_)))).then(|| {
            let ones = tokens.iter().filter(|t| **t == Token::One).count();
            (ones, tokens.contains(&Token::Star))
        });
        Pattern {
            text,
            tokens,
            trailing_literal,
            lengths,
        }
    }

    /// A pattern that matches every string starting with `prefix` (`prefix*`),
    /// with any `*` or `?` in `prefix` taken literally. The tests compare the
    /// direct decision of [`Pattern::covers_prefix`] with inclusion of it.
    #[cfg(test)]
    fn prefix_star(prefix: &str) -> Pattern {
        let mut tokens: Vec<Token> = prefix
            .chars()
            .map(|c| Token::Char(c.to_ascii_lowercase()))
            .collect();
        tokens.push(Token::Star);
        Pattern::from_tokens(format!("{prefix}*"), tokens)
    }

    /// A key that two patterns share only if they match the same strings:
    /// the text lowercased, with each run of `*` and `?` that holds a `*`
    /// written as its `?`s and one `*` (`*?*?` matches what `??*` does).
    /// A policy can repeat one language under many spellings.
    pub fn language_key(text: &str) -> String {
        let mut key = String::with_capacity(text.len());
        let mut ones = 0usize;
        let mut star = false;
        let flush = |key: &mut String, ones: &mut usize, star: &mut bool| {
            key.extend(std::iter::repeat_n('?', *ones));
            if *star {
                key.push('*');
            }
            (*ones, *star) = (0, false);
        };
        for c in text.chars() {
            match c {
                '?' => ones += 1,
                '*' => star = true,
                c => {
                    flush(&mut key, &mut ones, &mut star);
                    key.push(c.to_ascii_lowercase());
                }
            }
        }
        flush(&mut key, &mut ones, &mut star);
        key
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the pattern has no `*` or `?`.
    pub fn is_literal(&self) -> bool {
        !self.text.contains(['*', '?'])
    }

    /// What precedes the first `*` or `?`, as written.
    pub fn literal_prefix(&self) -> &str {
        match self.text.find(['*', '?']) {
            Some(i) => self.text.get(..i).unwrap_or(""),
            None => &self.text,
        }
    }

    /// For a pattern of only `?` and `*`, how many `?` and whether a `*`: it
    /// matches the strings of exactly (without `*`) or at least (with) that
    /// many characters.
    pub(crate) fn lengths(&self) -> Option<(usize, bool)> {
        self.lengths
    }

    /// Whether the pattern is a literal followed by one `*` (`s3:Get*`).
    pub fn is_trailing_star(&self) -> bool {
        self.trailing_literal.is_some()
    }

    /// The literal of a pattern that is a literal followed by one `*`,
    /// ASCII-lowercased: the pattern matches exactly the strings that start
    /// with it, case aside.
    pub(crate) fn trailing_literal(&self) -> Option<&str> {
        self.trailing_literal.as_deref()
    }

    /// The service part, when the pattern can only match actions of one
    /// service: its literal prefix contains a colon.
    pub fn fixed_service(&self) -> Option<&str> {
        self.literal_prefix().split_once(':').map(|(s, _)| s)
    }

    /// Whether `s` matches the whole pattern, ASCII case-insensitively.
    pub fn matches(&self, s: &str) -> bool {
        if let Some(literal) = &self.trailing_literal {
            return s
                .as_bytes()
                .get(..literal.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(literal.as_bytes()));
        }
        if let Some((ones, star)) = self.lengths {
            let len = if s.is_ascii() {
                s.len()
            } else {
                s.chars().count()
            };
            return if star { len >= ones } else { len == ones };
        }
        // Action names are ASCII: match their bytes in place. Collecting chars
        // into a vector on every call made this the engine's hottest spot
        // (the diagnostics match every unused action against every entry).
        if s.is_ascii() {
            glob_match(&self.tokens, s.as_bytes(), |c, b| {
                c == char::from(b.to_ascii_lowercase())
            })
        } else {
            let chars: Vec<char> = s.chars().map(|c| c.to_ascii_lowercase()).collect();
            glob_match(&self.tokens, &chars, |c, d| c == d)
        }
    }

    /// Whether every string that starts with `prefix` matches this pattern, so
    /// that `prefix*` grants nothing, not even a future action, that this
    /// pattern does not.
    pub fn covers_prefix(&self, prefix: &str) -> bool {
        if let Some(literal) = &self.trailing_literal {
            return prefix.len() >= literal.len() && crate::table::starts_with_ci(prefix, literal);
        }
        // Only `?` and `*` (`*??????????*`): the strings of at least as many
        // characters as there are `?`, or of exactly so many without a `*`.
        if let Some((ones, star)) = self.lengths {
            // A character is at least one byte: counting is needed only for
            // a prefix long enough in bytes that is not ASCII.
            return star
                && prefix.len() >= ones
                && (prefix.is_ascii() || prefix.chars().count() >= ones);
        }
        // The prefix is itself a string that starts with the prefix: when it does
        // not match, the answer is no without looking further.
        if !self.matches(prefix) {
            return false;
        }
        let mut states = vec![false; self.tokens.len() + 1];
        if let Some(first) = states.first_mut() {
            *first = true;
        }
        close(&self.tokens, &mut states);
        // Two sets, swapped: the trie asks this for tens of thousands of nodes.
        let mut next = vec![false; states.len()];
        for c in prefix.chars() {
            advance(&self.tokens, &states, c.to_ascii_lowercase(), &mut next);
            std::mem::swap(&mut states, &mut next);
        }
        self.accepts_every_suffix(&states)
    }

    /// Whether the automaton, in the set of positions `states`, accepts every
    /// string: decided directly, without exploring the subset automaton.
    ///
    /// A character that no token names (there is always one) can only be read
    /// by `?` and `*`. So the strings made of it alone are accepted only
    /// through positions whose remaining tokens are all `?` and `*`, and such
    /// a position accepts exactly the strings of some lengths, whatever their
    /// characters: `k` when it has `k` `?` and no `*`, at least `k` with a
    /// `*`. The set accepts everything if and only if those positions
    /// together accept every length. The cost is linear in the pattern,
    /// where general inclusion ([`Pattern::contains`]) can explore
    /// exponentially many sets (`*??????????*` against a thousand prefixes
    /// took tens of seconds).
    fn accepts_every_suffix(&self, states: &[bool]) -> bool {
        // Walking back from the end: whether the tail from here names no
        // character, how many `?` and whether a `*` it holds.
        let mut char_free = true;
        let mut ones = 0usize;
        let mut star = false;
        let mut exact: Vec<bool> = Vec::new();
        let mut least_open: Option<usize> = None;
        for q in (0..=self.tokens.len()).rev() {
            match self.tokens.get(q) {
                Some(Token::Char(_)) => char_free = false,
                Some(Token::One) => ones += 1,
                Some(Token::Star) => star = true,
                None => {}
            }
            if !char_free {
                // No earlier position can name no character either.
                break;
            }
            if !states.get(q).copied().unwrap_or(false) {
                continue;
            }
            if star {
                least_open = Some(least_open.map_or(ones, |m| m.min(ones)));
            } else {
                if exact.len() <= ones {
                    exact.resize(ones + 1, false);
                }
                if let Some(slot) = exact.get_mut(ones) {
                    *slot = true;
                }
            }
        }
        least_open.is_some_and(|m| (0..m).all(|n| exact.get(n).copied().unwrap_or(false)))
    }

    /// Whether some string that starts with `prefix` matches: for `svc:`, whether
    /// the pattern can grant an action of that service, known or not.
    pub fn matches_some_starting_with(&self, prefix: &str) -> bool {
        let mut states = closure(&self.tokens, BTreeSet::from([0]));
        for c in prefix.chars() {
            if states.is_empty() {
                return false;
            }
            states = step(&self.tokens, &states, c.to_ascii_lowercase());
        }
        // Whatever tokens are left, some string satisfies them.
        !states.is_empty()
    }

    /// Whether every string `other` matches also matches `self`: language
    /// inclusion, decided by exploring `other`'s automaton against the subset
    /// automaton of `self`. Gives `false` when the exploration exceeds its
    /// budget, which is the safe answer for every caller.
    pub fn contains(&self, other: &Pattern) -> bool {
        // The forms refinements are made of have direct answers: a literal
        // is inside when it matches, `prefix*` when the prefix is covered.
        if other.is_literal() {
            return self.matches(&other.text);
        }
        if let Some(literal) = other.trailing_star_literal() {
            return self.covers_prefix(literal);
        }
        self.contains_by_exploring(other)
    }

    /// The literal of a `literal*` pattern, as written, when it is one.
    fn trailing_star_literal(&self) -> Option<&str> {
        if !self.is_trailing_star() {
            return None;
        }
        // Written `literal*`, `literal**`...: the stars are all at the end.
        Some(self.text.trim_end_matches('*')).filter(|l| !l.contains(['*', '?']))
    }

    /// [`Pattern::contains`] for any pair, by exploring `other`'s automaton
    /// against the subset automaton of `self`, within [`STATE_BUDGET`].
    fn contains_by_exploring(&self, other: &Pattern) -> bool {
        // Characters that either pattern names, plus one stand-in for all others.
        let mut alphabet: BTreeSet<char> = BTreeSet::new();
        for token in self.tokens.iter().chain(&other.tokens) {
            if let Token::Char(c) = token {
                alphabet.insert(*c);
            }
        }
        let other_char = (0x21u32..)
            .filter_map(char::from_u32)
            .find(|c| !alphabet.contains(c) && !c.is_ascii_uppercase());
        let Some(other_char) = other_char else {
            return false;
        };
        alphabet.insert(other_char);

        let start_mine = closure(&self.tokens, [0usize].into_iter().collect());
        let start_other = closure(&other.tokens, [0usize].into_iter().collect());
        let mut seen: HashSet<(usize, Vec<usize>)> = HashSet::new();
        let mut queue: VecDeque<(usize, Vec<usize>)> = VecDeque::new();
        for q in start_other {
            let state = (q, start_mine.clone());
            if seen.insert(state.clone()) {
                queue.push_back(state);
            }
        }
        while let Some((q, mine)) = queue.pop_front() {
            if q == other.tokens.len() && !mine.contains(&self.tokens.len()) {
                return false;
            }
            for &c in &alphabet {
                let next_mine = step(&self.tokens, &mine, c);
                for q2 in step(&other.tokens, &[q], c) {
                    let state = (q2, next_mine.clone());
                    if seen.insert(state.clone()) {
                        if seen.len() > STATE_BUDGET {
                            return false;
                        }
                        queue.push_back(state);
                    }
                }
            }
        }
        true
    }
}

/// Whether `input` matches `tokens` as a whole, `eq` comparing a lowercase
/// pattern character with an input element (a byte or a char).
///
/// The classic linear-backtracking glob match: remember the last star and
/// retry from one element further when a later token fails.
fn glob_match<T: Copy>(tokens: &[Token], input: &[T], eq: impl Fn(char, T) -> bool) -> bool {
    let (mut p, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < input.len() {
        match (tokens.get(p), input.get(i)) {
            (Some(Token::Star), _) => {
                star = Some((p, i));
                p += 1;
            }
            (Some(Token::One), Some(_)) => {
                p += 1;
                i += 1;
            }
            (Some(Token::Char(c)), Some(&d)) if eq(*c, d) => {
                p += 1;
                i += 1;
            }
            _ => match star {
                Some((sp, si)) => {
                    p = sp + 1;
                    i = si + 1;
                    star = Some((sp, si + 1));
                }
                None => return false,
            },
        }
    }
    tokens
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|t| *t == Token::Star))
}

/// Adds to the set `states` (one flag per position) every position reachable
/// by skipping stars.
fn close(tokens: &[Token], states: &mut [bool]) {
    // Positions only move forward through stars, so one pass in order suffices.
    for q in 0..tokens.len() {
        if states.get(q).copied().unwrap_or(false) && tokens.get(q) == Some(&Token::Star) {
            if let Some(next) = states.get_mut(q + 1) {
                *next = true;
            }
        }
    }
}

/// The closed set of positions after reading `c` from the set `states`, into `next`.
fn advance(tokens: &[Token], states: &[bool], c: char, next: &mut [bool]) {
    next.fill(false);
    for (q, token) in tokens.iter().enumerate() {
        if !states.get(q).copied().unwrap_or(false) {
            continue;
        }
        let to = match token {
            Token::Star => q,
            Token::One => q + 1,
            Token::Char(d) if *d == c => q + 1,
            Token::Char(_) => continue,
        };
        if let Some(slot) = next.get_mut(to) {
            *slot = true;
        }
    }
    close(tokens, next);
}

/// Adds to `states` every position reachable by skipping stars (a star may match nothing).
fn closure(tokens: &[Token], mut states: BTreeSet<usize>) -> Vec<usize> {
    let mut stack: Vec<usize> = states.iter().copied().collect();
    while let Some(q) = stack.pop() {
        if let Some(Token::Star) = tokens.get(q) {
            if states.insert(q + 1) {
                stack.push(q + 1);
            }
        }
    }
    states.into_iter().collect()
}

/// The closed set of positions after reading `c` from any of `states`.
fn step(tokens: &[Token], states: &[usize], c: char) -> Vec<usize> {
    let mut next = BTreeSet::new();
    for &q in states {
        match tokens.get(q) {
            Some(Token::Star) => {
                next.insert(q);
            }
            Some(Token::One) => {
                next.insert(q + 1);
            }
            Some(Token::Char(d)) if *d == c => {
                next.insert(q + 1);
            }
            _ => {}
        }
    }
    closure(tokens, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_is_whole_string_and_case_insensitive() {
        let p = Pattern::new("s3:Get*");
        assert!(p.matches("s3:GetObject"));
        assert!(p.matches("S3:getobject"));
        assert!(p.matches("s3:Get"));
        assert!(!p.matches("s3:PutObject"));
        assert!(!p.matches("xs3:GetObject"));
        let q = Pattern::new("ec2:Describe*Instances");
        assert!(q.matches("ec2:DescribeInstances"));
        assert!(q.matches("ec2:DescribeSpotInstances"));
        assert!(!q.matches("ec2:DescribeInstancesStatus"));
        let r = Pattern::new("s3:?etObject");
        assert!(r.matches("s3:GetObject"));
        assert!(!r.matches("s3:etObject"));
        assert!(Pattern::new("*").matches(""));
        assert!(Pattern::new("s3:[a]").matches("s3:[A]"));
        assert!(!Pattern::new("s3:[a]").matches("s3:a"));
        assert!(Pattern::new("*a*b*").matches("xxaxxbxx"));
        assert!(!Pattern::new("*a*b*").matches("xxbxxaxx"));
        // Non-ASCII input goes by characters, not bytes: `?` takes all of `é`.
        assert!(Pattern::new("s3:?x").matches("S3:éX"));
        assert!(Pattern::new("s3:é*").matches("s3:éTag"));
        assert!(!Pattern::new("s3:??x").matches("s3:éx"));
    }

    #[test]
    fn runs_of_stars_are_one_star() {
        let p = Pattern::new(&format!("s3:Get{}", "*".repeat(100_000)));
        assert_eq!(p.tokens, Pattern::new("s3:Get*").tokens);
        assert_eq!(p.as_str().len(), 100_006);
        assert!(p.is_trailing_star());
        assert!(p.covers_prefix("s3:GetObject"));
        assert!(Pattern::new("s3:**Object").matches("s3:GetObject"));
        assert!(Pattern::new("s3:Get*").contains(&Pattern::new("s3:Get**Acl")));
    }

    #[test]
    fn a_trailing_star_matches_by_prefix_as_the_glob_does() {
        let inputs = [
            "",
            "s",
            "s3:",
            "s3:GetObject",
            "S3:getobject",
            "s3:Put",
            "É",
            "éx",
            "Éx",
            "a*b",
            "a",
            "s3:Get",
        ];
        for text in ["s3:Get*", "S3:GET*", "*", "É*", "a**", "s3:*", "a?*", "*a"] {
            let pattern = Pattern::new(text);
            for input in inputs {
                let glob = if input.is_ascii() {
                    glob_match(&pattern.tokens, input.as_bytes(), |c, b| {
                        c == char::from(b.to_ascii_lowercase())
                    })
                } else {
                    let chars: Vec<char> = input.chars().map(|c| c.to_ascii_lowercase()).collect();
                    glob_match(&pattern.tokens, &chars, |c, d| c == d)
                };
                assert_eq!(pattern.matches(input), glob, "`{text}` against `{input}`");
            }
        }
        assert!(Pattern::prefix_star("a*").matches("a*x"));
        assert!(!Pattern::prefix_star("a*").matches("ax"));
    }

    #[test]
    fn some_string_with_a_prefix() {
        let yes = [
            ("*", "newsvc:"),
            ("*:Get*", "newsvc:"),
            ("new*", "newsvc:"),
            ("?ewsvc:*", "newsvc:"),
            ("NEWSVC:Do", "newsvc:"),
            ("*s*", "abc"),
        ];
        for (pattern, prefix) in yes {
            assert!(
                Pattern::new(pattern).matches_some_starting_with(prefix),
                "`{pattern}` from `{prefix}`"
            );
        }
        let no = [
            ("s3:*", "newsvc:"),
            ("?3:*", "newsvc:"),
            ("newsvc", "newsvc:"),
            ("ab", "abc"),
        ];
        for (pattern, prefix) in no {
            assert!(
                !Pattern::new(pattern).matches_some_starting_with(prefix),
                "`{pattern}` from `{prefix}`"
            );
        }
        assert!(Pattern::new("*x").matches_some_starting_with(""));
    }

    #[test]
    fn literal_prefix_and_forms() {
        let p = Pattern::new("s3:*Object*");
        assert_eq!(p.literal_prefix(), "s3:");
        assert!(!p.is_trailing_star());
        assert!(Pattern::new("s3:Get*").is_trailing_star());
        assert!(Pattern::new("s3:GetObject").is_literal());
        assert_eq!(Pattern::new("s3*").fixed_service(), None);
        assert_eq!(Pattern::new("s3:Get*").fixed_service(), Some("s3"));
    }

    #[test]
    fn prefix_coverage() {
        let p = Pattern::new("s3:Get*");
        assert!(p.covers_prefix("s3:GetObject"));
        assert!(p.covers_prefix("S3:GETOBJECT"));
        assert!(!p.covers_prefix("s3:Ge"));
        let q = Pattern::new("s3:*Object*");
        assert!(q.covers_prefix("s3:GetObject"));
        assert!(q.covers_prefix("s3:GetObjectAcl"));
        assert!(!q.covers_prefix("s3:Get"));
        let r = Pattern::new("ec2:Describe*Instances");
        assert!(!r.covers_prefix("ec2:DescribeInstances"));
        assert!(Pattern::new("*").covers_prefix(""));
        assert!(Pattern::new("s3:?*").covers_prefix("s3:G"));
        assert!(!Pattern::new("s3:?*").covers_prefix("s3:"));
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

        fn text(&mut self, alphabet: &[char], max: usize) -> String {
            let len = self.below(max + 1);
            (0..len)
                .map(|_| alphabet[self.below(alphabet.len())])
                .collect()
        }
    }

    #[test]
    fn prefix_coverage_agrees_with_general_inclusion() {
        // Patterns over a few letters, `?` and `*`; prefixes over the same
        // letters and one the patterns never name. The direct decision must
        // give exactly the answer of exploring the subset automaton (these
        // small patterns stay far inside its budget).
        let mut rng = Lcg(0x5eed);
        let pattern_chars = ['a', 'B', '?', '*', '*', '?'];
        let prefix_chars = ['a', 'b', 'A', 'x', '?'];
        let mut covered = 0;
        for _ in 0..20_000 {
            let pattern = Pattern::new(&rng.text(&pattern_chars, 8));
            let prefix = rng.text(&prefix_chars, 5);
            let direct = pattern.covers_prefix(&prefix);
            let explored = pattern.matches(&prefix)
                && pattern.contains_by_exploring(&Pattern::prefix_star(&prefix));
            assert_eq!(direct, explored, "`{}` covering `{prefix}`", pattern.text);
            covered += usize::from(direct);
            let other = Pattern::new(&rng.text(&pattern_chars, 6));
            assert_eq!(
                pattern.contains(&other),
                pattern.contains_by_exploring(&other),
                "`{}` containing `{}`",
                pattern.text,
                other.text
            );
        }
        // Both answers occur often enough for the comparison to mean something.
        assert!(covered > 1_000, "{covered}");
    }

    #[test]
    fn patterns_of_one_language_key_match_the_same_strings() {
        let mut rng = Lcg(0x1a9);
        let pattern_chars = ['a', 'B', '?', '*', '*', '?'];
        let text_chars = ['a', 'b', 'A', 'x'];
        let mut shared = 0;
        for _ in 0..5_000 {
            let (a, b) = (rng.text(&pattern_chars, 7), rng.text(&pattern_chars, 7));
            if Pattern::language_key(&a) != Pattern::language_key(&b) {
                continue;
            }
            shared += 1;
            let (p, q) = (Pattern::new(&a), Pattern::new(&b));
            for _ in 0..50 {
                let text = rng.text(&text_chars, 9);
                assert_eq!(
                    p.matches(&text),
                    q.matches(&text),
                    "`{a}`, `{b}` on `{text}`"
                );
                assert_eq!(
                    p.covers_prefix(&text),
                    q.covers_prefix(&text),
                    "`{a}`, `{b}`"
                );
            }
        }
        assert!(shared > 50, "{shared}");
    }

    #[test]
    fn hostile_wildcards_are_decided_exactly() {
        let p = Pattern::new("*??????????*");
        assert!(p.covers_prefix("ec2:DescribeI"));
        assert!(p.covers_prefix("abcdefghij"));
        assert!(!p.covers_prefix("abcdefghi"));
        let q = Pattern::new(&format!("*{}*", "?".repeat(13)));
        assert!(q.covers_prefix("s3:GetObjectAc"));
        assert!(!q.covers_prefix("s3:GetObject"));
        // A union of exact lengths and an open one: `a` then 0, 1, or 2 or more.
        let r = Pattern::new("a*?*");
        assert!(!r.covers_prefix("a"));
        assert!(r.covers_prefix("ab"));
        let s = Pattern::new("*a??*");
        assert!(s.covers_prefix("xa??"));
        assert!(!s.covers_prefix("xa?"));
    }

    #[test]
    fn inclusion_between_patterns() {
        let wide = Pattern::new("s3:*");
        assert!(wide.contains(&Pattern::new("s3:Get*")));
        assert!(!Pattern::new("s3:Get*").contains(&wide));
        assert!(Pattern::new("*Object*").contains(&Pattern::new("s3:GetObject*")));
        assert!(Pattern::new("a*").contains(&Pattern::new("a?*")));
        assert!(!Pattern::new("a?*").contains(&Pattern::new("a*")));
        assert!(Pattern::new("?*").contains(&Pattern::new("*?")));
        assert!(Pattern::new("s3:GetObject").contains(&Pattern::new("S3:getobject")));
    }
}
