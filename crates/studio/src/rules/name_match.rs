//! Request-name matchers compiled once: exact text, a glob, or a regex.

use regex::Regex;

use super::NameMatch;

/// A [`NameMatch`] ready to test names against.
#[derive(Debug, Clone)]
pub(crate) enum NameMatcher {
    Exact(String),
    Glob(Vec<Token>),
    Regex(Regex),
}

impl NameMatcher {
    /// Compiles `m`, or says what is wrong with it and what to do.
    pub(crate) fn compile(m: &NameMatch) -> Result<Self, String> {
        match m {
            NameMatch::Exact(name) if name.is_empty() => Err(
                "an empty name never matches (a request with an empty name is a ping, which \
                 the server answers itself): write the request name"
                    .into(),
            ),
            NameMatch::Exact(name) => Ok(NameMatcher::Exact(name.clone())),
            NameMatch::Glob(pattern) => parse_glob(pattern).map(NameMatcher::Glob),
            NameMatch::Regex(pattern) => {
                // Compiled alone first, so that an error points into the
                // pattern as written, not into the anchored one.
                Regex::new(pattern)
                    .and_then(|_| Regex::new(&format!("^(?:{pattern})$")))
                    .map(NameMatcher::Regex)
                    .map_err(|e| {
                        format!(
                            "the regex does not compile ({}): write a regex of the Rust regex \
                             crate",
                            regex_reason(&e)
                        )
                    })
            }
        }
    }

    /// Whether `name` matches, whole.
    pub(crate) fn matches(&self, name: &str) -> bool {
        match self {
            NameMatcher::Exact(n) => n == name,
            NameMatcher::Glob(tokens) => glob_matches(tokens, name),
            NameMatcher::Regex(re) => re.is_match(name),
        }
    }
}

/// The one-line reason of a regex error (its text draws a caret under the
/// pattern over several lines).
fn regex_reason(e: &regex::Error) -> String {
    let text = e.to_string();
    let reason = text
        .lines()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or(&text);
    match e {
        regex::Error::Syntax(full) => {
            // The caret line tells the character: report it as a number.
            let lines: Vec<&str> = full.lines().collect();
            let caret = lines
                .iter()
                .position(|l| l.trim_start().starts_with('^') && l.trim() != "")
                .and_then(|i| {
                    let pattern_line = lines.get(i.checked_sub(1)?)?;
                    let indent = pattern_line.len() - pattern_line.trim_start().len();
                    let col = lines[i].find('^')?.checked_sub(indent)?;
                    Some(col + 1)
                });
            match caret {
                Some(c) => format!("{reason} at character {c}"),
                None => reason.to_owned(),
            }
        }
        _ => reason.to_owned(),
    }
}

/// One element of a glob.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    Char(char),
    /// `?`: any one character.
    Any,
    /// `*`: any run of characters, the empty one included.
    Star,
    /// `[…]`: one character in (or, negated, not in) the ranges.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// Reads a glob: `*`, `?`, `[abc]`, `[a-z]`, `[!a-z]` (or `[^a-z]`); a `]`
/// right after the opening `[` (or `[!`) is a member. Everything else,
/// `\` included, stands for itself; write `[*]`, `[?]` or `[[]` for those
/// characters.
fn parse_glob(pattern: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => {
                if tokens.last() != Some(&Token::Star) {
                    tokens.push(Token::Star);
                }
                i += 1;
            }
            '?' => {
                tokens.push(Token::Any);
                i += 1;
            }
            '[' => {
                let (token, next) = parse_class(&chars, i).ok_or_else(|| {
                    format!(
                        "the [ at character {} of the glob is not closed: close it with ], \
                         or write [[] for a literal [",
                        i + 1
                    )
                })?;
                tokens.push(token);
                i = next;
            }
            c => {
                tokens.push(Token::Char(c));
                i += 1;
            }
        }
    }
    Ok(tokens)
}

/// Reads the class opening at `chars[start]`; returns it and the index after
/// its `]`, or `None` when it is not closed.
fn parse_class(chars: &[char], start: usize) -> Option<(Token, usize)> {
    let mut i = start + 1;
    let negated = matches!(chars.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = *chars.get(i)?;
        if c == ']' && !first {
            return Some((Token::Class { negated, ranges }, i + 1));
        }
        first = false;
        match (chars.get(i + 1), chars.get(i + 2)) {
            (Some('-'), Some(&hi)) if hi != ']' => {
                ranges.push((c, hi));
                i += 3;
            }
            _ => {
                ranges.push((c, c));
                i += 1;
            }
        }
    }
}

fn token_matches(token: &Token, c: char) -> bool {
    match token {
        Token::Char(t) => *t == c,
        Token::Any => true,
        Token::Star => false,
        Token::Class { negated, ranges } => {
            ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
        }
    }
}

/// Whole-string glob match, linear backtracking to the last `*`.
fn glob_matches(tokens: &[Token], name: &str) -> bool {
    let text: Vec<char> = name.chars().collect();
    let (mut t, mut s) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while s < text.len() {
        if t < tokens.len() && tokens[t] == Token::Star {
            star = Some((t, s));
            t += 1;
        } else if t < tokens.len() && token_matches(&tokens[t], text[s]) {
            t += 1;
            s += 1;
        } else if let Some((st, ss)) = star {
            t = st + 1;
            s = ss + 1;
            star = Some((st, ss + 1));
        } else {
            return false;
        }
    }
    tokens[t..].iter().all(|tok| *tok == Token::Star)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(p: &str) -> NameMatcher {
        NameMatcher::compile(&NameMatch::Glob(p.into())).expect("valid glob")
    }

    #[test]
    fn globs() {
        let cases = [
            ("user.*", "user.get", true),
            ("user.*", "user.", true),
            ("user.*", "users.get", false),
            ("*", "", true),
            ("*.get", "a.b.get", true),
            ("*.get", "a.b.set", false),
            ("?et", "get", true),
            ("?et", "et", false),
            ("[gs]et", "set", true),
            ("[gs]et", "bet", false),
            ("[!gs]et", "bet", true),
            ("[^gs]et", "get", false),
            ("item[0-9]", "item7", true),
            ("item[0-9]", "itemx", false),
            ("[]]", "]", true),
            ("[a-]", "-", true),
            ("[*]", "*", true),
            ("[*]", "x", false),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false),
            ("é?", "éü", true),
            ("a\\b", "a\\b", true),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(glob(pattern).matches(name), expected, "{pattern} vs {name}");
        }
    }

    #[test]
    fn bad_globs_and_regexes_say_what_to_do() {
        let e = NameMatcher::compile(&NameMatch::Glob("user[".into())).expect_err("unclosed");
        assert!(e.contains("character 5") && e.contains("[[]"), "{e}");
        let e = NameMatcher::compile(&NameMatch::Regex("user(".into())).expect_err("bad regex");
        assert_eq!(
            e,
            "the regex does not compile (unclosed group at character 5): write a regex of \
             the Rust regex crate"
        );
        assert!(NameMatcher::compile(&NameMatch::Exact(String::new())).is_err());
    }

    #[test]
    fn regexes_match_the_whole_name() {
        let re = NameMatcher::compile(&NameMatch::Regex("user\\.(get|set)".into())).expect("ok");
        assert!(re.matches("user.get"));
        assert!(!re.matches("user.getter"));
        assert!(!re.matches("a.user.get"));
        let alt = NameMatcher::compile(&NameMatch::Regex("a|b".into())).expect("ok");
        assert!(alt.matches("b") && !alt.matches("ab"));
    }
}
