//! The text a big value arrived in, reused when the value is sent on.
//!
//! A client that sets a multi-megabyte state sends it as compact JSON; the
//! server then writes the same value as the `replace` of a state message.
//! Writing it again costs about as much as parsing it (scenario 6 of the
//! benchmark). So while a request handler runs inline, the big containers
//! of its request are known with the text they came in ([`Spans`],
//! recorded by [`crate::value_parser`]); [`crate::Storage`] looks a value
//! up by the address of its heap buffer and, when it finds one, takes the
//! text only after [`matches`] has checked it byte for byte against the
//! value: the text is exactly what `serde_json::to_string` would write, or
//! it is not used. The address only says where to look (a handler may have
//! changed the value, or dropped it and built another in the same place);
//! the check decides.

use std::cell::RefCell;

use serde_json::Value;

/// Containers whose text is at least this long are recorded.
pub(crate) const MIN_LEN: usize = 64 * 1024;

/// The big containers of one message's text.
#[derive(Debug, Default)]
pub(crate) struct Spans {
    text: String,
    spans: crate::value_parser::Spans,
}

impl Spans {
    pub(crate) fn new(text: String, spans: crate::value_parser::Spans) -> Self {
        Spans { text, spans }
    }
}

/// The address that identifies a container's heap buffer (stable while it
/// is moved around, as a handler moves a request's value into the state).
pub(crate) fn address(value: &Value) -> Option<usize> {
    match value {
        Value::Array(a) if !a.is_empty() => Some(a.as_ptr() as usize),
        Value::Object(m) => m.iter().next().map(|(k, _)| k as *const String as usize),
        _ => None,
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Spans>> = const { RefCell::new(None) };
}

/// Runs `f` (one poll of a request handler) with `spans` known to
/// [`with_text`] on this thread.
pub(crate) fn scope<R>(spans: Option<Spans>, f: impl FnOnce() -> R) -> R {
    if spans.is_none() {
        return f();
    }
    let before = CURRENT.with(|c| c.replace(spans));
    // Restored even if `f` panics (the handler's panic is caught above us).
    struct Restore(Option<Option<Spans>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let before = self.0.take().flatten();
            CURRENT.with(|c| *c.borrow_mut() = before);
        }
    }
    let _restore = Restore(Some(before));
    f()
}

/// Calls `f` with the text `value` arrived in, when it is known and is
/// exactly `value`'s compact JSON; else with `None`.
pub(crate) fn with_text<R>(value: &Value, f: impl FnOnce(Option<&str>) -> R) -> R {
    let Some(addr) = address(value) else {
        return f(None);
    };
    CURRENT.with(|c| {
        let current = c.borrow();
        let text = current.as_ref().and_then(|s| {
            let &(_, start, end) = s.spans.iter().find(|(a, _, _)| *a == addr)?;
            let text = s.text.get(start..end)?;
            matches(value, text).then_some(text)
        });
        f(text)
    })
}

/// A container being compared.
enum Open<'v> {
    Array(std::slice::Iter<'v, Value>),
    Object(serde_json::map::Iter<'v>),
}

/// Whether `text` is exactly `serde_json::to_string(value)`, compared
/// without writing it (and without recursion).
pub fn matches(value: &Value, text: &str) -> bool {
    let mut c = Cursor {
        text: text.as_bytes(),
        pos: 0,
    };
    let mut open: Vec<(Open<'_>, bool)> = Vec::new();
    let mut next = Some(value);
    loop {
        if let Some(v) = next.take() {
            let ok = match v {
                Value::Array(a) => {
                    open.push((Open::Array(a.iter()), true));
                    c.eat(b"[")
                }
                Value::Object(m) => {
                    open.push((Open::Object(m.iter()), true));
                    c.eat(b"{")
                }
                leaf => c.leaf(leaf),
            };
            if !ok {
                return false;
            }
        }
        let Some((container, first)) = open.last_mut() else {
            return c.pos == c.text.len();
        };
        let comma = !std::mem::replace(first, false);
        let step = match container {
            Open::Array(items) => items.next().map(|v| (None, v)),
            Open::Object(members) => members.next().map(|(k, v)| (Some(k), v)),
        };
        match step {
            Some((key, v)) => {
                if comma && !c.eat(b",") {
                    return false;
                }
                if let Some(k) = key {
                    if !(c.string(k) && c.eat(b":")) {
                        return false;
                    }
                }
                next = Some(v);
            }
            None => {
                let close: &[u8] = match container {
                    Open::Array(_) => b"]",
                    Open::Object(_) => b"}",
                };
                if !c.eat(close) {
                    return false;
                }
                open.pop();
            }
        }
    }
}

struct Cursor<'t> {
    text: &'t [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn eat(&mut self, expect: &[u8]) -> bool {
        let hit = self.text[self.pos..].starts_with(expect);
        if hit {
            self.pos += expect.len();
        }
        hit
    }

    fn leaf(&mut self, leaf: &Value) -> bool {
        match leaf {
            Value::Null => self.eat(b"null"),
            Value::Bool(true) => self.eat(b"true"),
            Value::Bool(false) => self.eat(b"false"),
            Value::String(s) => self.string(s),
            // Written as its text (`arbitrary_precision`).
            Value::Number(n) => self.eat(n.as_str().as_bytes()),
            // Containers are opened by the caller.
            Value::Array(_) | Value::Object(_) => false,
        }
    }

    /// A string as serde_json writes it: quoted, escapes only where needed.
    fn string(&mut self, s: &str) -> bool {
        if !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
            return self.eat(b"\"") && self.eat(s.as_bytes()) && self.eat(b"\"");
        }
        let text = serde_json::to_string(s).unwrap_or_default();
        !text.is_empty() && self.eat(text.as_bytes())
    }
}

#[cfg(test)]
#[path = "raw_text_tests.rs"]
mod tests;
