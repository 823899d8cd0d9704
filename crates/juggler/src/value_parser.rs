//! A JSON parser for big incoming messages that builds the same
//! `serde_json::Value` as `serde_json::from_str` does, with fewer
//! allocations.
//!
//! Profiled on scenario 6 of the benchmark (a 10.8 MB `state.set`),
//! serde_json's `Value` deserializer spent most of its time growing
//! containers: every object is an `IndexMap` (`preserve_order`) that starts
//! empty and reallocates its entries and its hash table as members arrive,
//! and every array a `Vec` that doubles. This parser collects the members
//! and elements of the containers being read on reusable stacks, one per
//! kind, and allocates each container once, at its exact size, when it
//! closes. It is iterative (no recursion, so no stack to overflow).
//!
//! It takes the easy, common text only and gives up (`None`) on anything
//! else — malformed text, a string with an escaped surrogate, nesting deeper
//! than serde_json's own limit — so that serde_json, run next by the
//! caller, decides and words every error exactly as before. What it builds
//! is what serde_json builds: numbers keep their text
//! (`arbitrary_precision`, read by `Number::from_str`, serde_json's own
//! number scanner), members keep their order and a repeated key keeps its
//! first position with its last value (`Map::insert`).

use std::str::FromStr;

use serde_json::{Map, Number, Value};

use crate::raw_text;

/// Nesting (arrays and objects) up to which this parser builds; deeper text
/// is left to serde_json and [`crate::json`]'s deep-stack path.
const MAX_DEPTH: usize = crate::json::SERDE_LIMIT;

/// A container being read.
#[derive(Clone, Copy)]
enum Open {
    /// An array: its elements so far start at this index of `elements`;
    /// its text at this byte.
    Array(usize, usize),
    /// An object: its members so far start at this index of `members`;
    /// its text at this byte.
    Object(usize, usize),
}

/// Where the parser is in the text and what it has read.
struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    open: Vec<Open>,
    /// Elements of the open arrays, innermost last.
    elements: Vec<Value>,
    /// Members of the open objects, innermost last.
    members: Vec<(String, Value)>,
    /// The key of the member whose value is read next, per open object.
    keys: Vec<String>,
    /// The big containers: address, start and end of their text.
    spans: Spans,
}

/// Where the big containers of a text are: (address, start, end), the
/// address as [`raw_text::address`] gives it.
pub(crate) type Spans = Vec<(usize, usize, usize)>;

/// The value of `text`, or `None` when this parser leaves `text` to
/// serde_json (see the module's documentation); with the [`Spans`] of the
/// containers whose text is at least [`raw_text::MIN_LEN`] long.
pub fn parse_with_spans(text: &str) -> Option<(Value, Spans)> {
    Parser::new(text).whole()
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            open: Vec::new(),
            elements: Vec::new(),
            members: Vec::new(),
            keys: Vec::new(),
            spans: Vec::new(),
        }
    }

    /// The whole text's value.
    fn whole(mut self) -> Option<(Value, Spans)> {
        let value = self.value()?;
        self.skip_ws();
        (self.pos == self.bytes.len()).then_some((value, self.spans))
    }

    /// Reads one whole value (with everything nested in it).
    fn value(&mut self) -> Option<Value> {
        loop {
            self.skip_ws();
            let mut value = match *self.bytes.get(self.pos)? {
                b'[' => {
                    self.pos += 1;
                    self.push(Open::Array(self.elements.len(), self.pos - 1))?;
                    self.skip_ws();
                    if self.eat(b']') {
                        self.open.pop();
                        Value::Array(Vec::new())
                    } else {
                        continue;
                    }
                }
                b'{' => {
                    self.pos += 1;
                    self.push(Open::Object(self.members.len(), self.pos - 1))?;
                    self.skip_ws();
                    if self.eat(b'}') {
                        self.open.pop();
                        Value::Object(Map::new())
                    } else {
                        self.key()?;
                        continue;
                    }
                }
                _ => self.scalar()?,
            };
            // Closes every container that `value` completes.
            loop {
                let Some(&open) = self.open.last() else {
                    return Some(value);
                };
                self.skip_ws();
                let next = *self.bytes.get(self.pos)?;
                self.pos += 1;
                match (open, next) {
                    (Open::Array(..), b',') => {
                        self.elements.push(value);
                        break;
                    }
                    (Open::Array(start, at), b']') => {
                        self.open.pop();
                        self.elements.push(value);
                        value = Value::Array(self.elements.drain(start..).collect());
                        self.span(&value, at);
                    }
                    (Open::Object(..), b',') => {
                        let key = self.keys.pop()?;
                        self.members.push((key, value));
                        self.skip_ws();
                        self.key()?;
                        break;
                    }
                    (Open::Object(start, at), b'}') => {
                        self.open.pop();
                        let key = self.keys.pop()?;
                        self.members.push((key, value));
                        value = Value::Object(self.object(start));
                        self.span(&value, at);
                    }
                    _ => return None,
                }
            }
        }
    }

    /// Records a big container that just closed (its text began at `at`).
    fn span(&mut self, value: &Value, at: usize) {
        if self.pos - at >= raw_text::MIN_LEN {
            if let Some(address) = raw_text::address(value) {
                self.spans.push((address, at, self.pos));
            }
        }
    }

    fn push(&mut self, open: Open) -> Option<()> {
        if self.open.len() >= MAX_DEPTH {
            return None;
        }
        self.open.push(open);
        Some(())
    }

    /// The members read since `start` as one map, allocated once.
    fn object(&mut self, start: usize) -> Map<String, Value> {
        let mut map = Map::with_capacity(self.members.len() - start);
        for (key, value) in self.members.drain(start..) {
            map.insert(key, value);
        }
        map
    }

    /// Reads `"key":` of the next member.
    fn key(&mut self) -> Option<()> {
        if !self.eat(b'"') {
            return None;
        }
        let key = self.string()?;
        self.skip_ws();
        if !self.eat(b':') {
            return None;
        }
        self.keys.push(key);
        Some(())
    }

    fn scalar(&mut self) -> Option<Value> {
        let b = *self.bytes.get(self.pos)?;
        match b {
            b'"' => {
                self.pos += 1;
                self.string().map(Value::String)
            }
            b'-' | b'0'..=b'9' => self.number().map(Value::Number),
            b't' => self.literal("true", Value::Bool(true)),
            b'f' => self.literal("false", Value::Bool(false)),
            b'n' => self.literal("null", Value::Null),
            _ => None,
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Option<Value> {
        if !self.bytes[self.pos..].starts_with(word.as_bytes()) {
            return None;
        }
        self.pos += word.len();
        Some(value)
    }

    /// A number with JSON's grammar, kept as its text (serde_json's own
    /// scanner makes the `Number`, so it is the very one serde_json makes).
    fn number(&mut self) -> Option<Number> {
        let start = self.pos;
        self.eat(b'-');
        if !self.eat(b'0') && self.digits() == 0 {
            return None;
        }
        if self.eat(b'.') && self.digits() == 0 {
            return None;
        }
        if self.eat(b'e') || self.eat(b'E') {
            let _ = self.eat(b'+') || self.eat(b'-');
            if self.digits() == 0 {
                return None;
            }
        }
        Number::from_str(&self.text[start..self.pos]).ok()
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// The rest of a string whose opening quote was read.
    fn string(&mut self) -> Option<String> {
        let start = self.pos;
        let rest = &self.bytes[start..];
        let len = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        if rest[len] == b'"' {
            self.pos = start + len + 1;
            return Some(self.text[start..start + len].to_owned());
        }
        let mut out = String::from(&self.text[start..start + len]);
        self.pos = start + len;
        loop {
            match *self.bytes.get(self.pos)? {
                b'"' => {
                    self.pos += 1;
                    return Some(out);
                }
                b'\\' => {
                    out.push(self.escape()?);
                }
                b if b < 0x20 => return None,
                _ => {
                    let run = self.bytes[self.pos..]
                        .iter()
                        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
                    out.push_str(&self.text[self.pos..self.pos + run]);
                    self.pos += run;
                }
            }
        }
    }

    /// One escape sequence after its backslash; `\u` escapes of surrogates
    /// (pairs or lone ones) are left to serde_json.
    fn escape(&mut self) -> Option<char> {
        let c = *self.bytes.get(self.pos + 1)?;
        self.pos += 2;
        Some(match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hex = self.text.get(self.pos..self.pos + 4)?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                self.pos += 4;
                char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
            }
            _ => return None,
        })
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.bytes.get(self.pos) == Some(&b);
        self.pos += usize::from(hit);
        hit
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }
}

#[cfg(test)]
#[path = "value_parser_tests.rs"]
mod tests;
