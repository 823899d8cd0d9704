//! Where each value of a JSON text starts, by field path, so that a problem
//! found after parsing (a port out of range, a regex that does not compile)
//! can name its line and column like a parse error does.

use std::collections::HashMap;

use crate::error::Problem;

/// Line and column (1-based, columns in characters) where every value of a
/// JSON text starts and ends (just after its last character), keyed by
/// field path in the form of `serde_path_to_error`: `server.port`,
/// `rules[2].match.name`; the whole text is `""`.
#[derive(Debug, Default)]
pub(crate) struct Positions {
    map: HashMap<String, Span>,
}

/// Where a value starts, and where it ends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    pub(crate) start: (u32, u32),
    pub(crate) end: (u32, u32),
}

impl Positions {
    /// Scans `text`, which must be valid JSON (parse it first); on anything
    /// unexpected it stops, keeping what it found.
    pub(crate) fn scan(text: &str) -> Self {
        let mut scanner = Scanner {
            chars: text.chars().collect(),
            i: 0,
            line: 1,
            column: 1,
            out: Positions::default(),
        };
        let _ = scanner.value(&mut String::new());
        scanner.out
    }

    /// Gives each of `problems` the line and column of its field in
    /// `text` (or of the nearest enclosing value), and sorts them in file
    /// order.
    pub(crate) fn locate(text: &str, problems: &mut [Problem]) {
        if problems.is_empty() {
            return;
        }
        let positions = Positions::scan(text);
        for p in problems.iter_mut() {
            if let Some((line, column)) = positions.find(&p.field) {
                p.line = Some(line);
                p.column = Some(column);
            }
        }
        problems.sort_by_key(|p| (p.line, p.column));
    }

    /// Where exactly `field` is.
    pub(crate) fn get(&self, field: &str) -> Option<Span> {
        self.map.get(field).copied()
    }

    /// The position of `field`, or of its nearest enclosing value.
    pub(crate) fn find(&self, field: &str) -> Option<(u32, u32)> {
        let mut field = field;
        loop {
            if let Some(span) = self.map.get(field) {
                return Some(span.start);
            }
            if field.is_empty() {
                return None;
            }
            let cut = field.rfind(['.', '[']).unwrap_or(0);
            field = &field[..cut];
        }
    }
}

struct Scanner {
    chars: Vec<char>,
    i: usize,
    line: u32,
    column: u32,
    out: Positions,
}

impl Scanner {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.bump();
        }
    }

    fn expect(&mut self, c: char) -> Option<()> {
        self.skip_ws();
        (self.bump()? == c).then_some(())
    }

    fn value(&mut self, path: &mut String) -> Option<()> {
        self.skip_ws();
        let start = (self.line, self.column);
        // Recorded at the start too, so that a value cut short has a place.
        let span = Span { start, end: start };
        self.out.map.insert(path.clone(), span);
        self.value_body(path)?;
        let end = (self.line, self.column);
        self.out.map.insert(path.clone(), Span { start, end });
        Some(())
    }

    fn value_body(&mut self, path: &mut String) -> Option<()> {
        match self.peek()? {
            '{' => {
                self.bump();
                self.skip_ws();
                if self.peek()? == '}' {
                    self.bump();
                    return Some(());
                }
                loop {
                    self.skip_ws();
                    let key = self.string()?;
                    self.expect(':')?;
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&key);
                    self.value(path)?;
                    path.truncate(len);
                    self.skip_ws();
                    match self.bump()? {
                        ',' => continue,
                        '}' => return Some(()),
                        _ => return None,
                    }
                }
            }
            '[' => {
                self.bump();
                self.skip_ws();
                if self.peek()? == ']' {
                    self.bump();
                    return Some(());
                }
                let mut index = 0usize;
                loop {
                    let len = path.len();
                    path.push_str(&format!("[{index}]"));
                    self.value(path)?;
                    path.truncate(len);
                    index += 1;
                    self.skip_ws();
                    match self.bump()? {
                        ',' => continue,
                        ']' => return Some(()),
                        _ => return None,
                    }
                }
            }
            '"' => self.string().map(|_| ()),
            _ => {
                while self
                    .peek()
                    .is_some_and(|c| !matches!(c, ',' | ']' | '}' | ' ' | '\t' | '\n' | '\r'))
                {
                    self.bump();
                }
                Some(())
            }
        }
    }

    /// Reads a string and returns its value.
    fn string(&mut self) -> Option<String> {
        let start = self.i;
        if self.bump()? != '"' {
            return None;
        }
        let mut escaped = false;
        loop {
            match self.bump()? {
                '\\' => {
                    escaped = true;
                    self.bump()?;
                }
                '"' => break,
                _ => {}
            }
        }
        let raw: String = self.chars[start..self.i].iter().collect();
        if escaped {
            serde_json::from_str(&raw).ok()
        } else {
            Some(raw[1..raw.len() - 1].to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_values_and_falls_back_to_the_parent() {
        let text = "{\n  \"server\": {\"port\": 80},\n  \"rules\": [\n    {\"id\": \"a\\\"b\"},\n    {\"match\": {\"name\": {\"glob\": \"x\"}}}\n  ],\n  \"é\": [[], {}, 1.5e3, true]\n}";
        let p = Positions::scan(text);
        assert_eq!(p.find(""), Some((1, 1)));
        assert_eq!(p.find("server"), Some((2, 13)));
        assert_eq!(p.find("server.port"), Some((2, 22)));
        assert_eq!(p.find("rules[0].id"), Some((4, 12)));
        assert_eq!(p.find("rules[1].match.name.glob"), Some((5, 33)));
        assert_eq!(p.find("rules[1].match.name.regex"), Some((5, 24)));
        assert_eq!(p.find("rules[7]"), Some((3, 12)));
        assert_eq!(p.find("é[3]"), Some((7, 24)));
        assert_eq!(p.find("nothing"), Some((1, 1)));
    }
}
