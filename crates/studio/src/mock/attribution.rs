//! Which recorded state changes were a request's doing, and which were the
//! back end's own (a timer, another client): a mock's rule should set what
//! its request changed, and nothing the back end changes by itself.

use serde_json::Value;

use crate::recording::{Entry, Event};

/// A state change that followed a request's answer closer than this (ms)
/// belongs to it, unless another request or a notification came first.
pub(super) const AFTER_ANSWER_MS: f64 = 1_000.0;

/// A path into the state, as pointer tokens.
pub(super) type Tokens = Vec<String>;

/// The entry that brought the back end's first state: the first state
/// entry after which the state is not null (a session recorded through
/// the studio starts with `null`, and a back end with an autoflush delay
/// sends its first state after the first answers), else the first one.
pub(super) fn initial_entry(
    entries: &[Entry],
    state_after: impl Fn(usize) -> crate::error::Result<Value>,
) -> crate::error::Result<Option<usize>> {
    let mut first = None;
    for (k, e) in entries.iter().enumerate() {
        if !matches!(e.event, Event::State { .. }) {
            continue;
        }
        first.get_or_insert(k);
        if !state_after(k + 1)?.is_null() {
            return Ok(Some(k));
        }
    }
    Ok(first)
}

/// The entry index up to which state changes belong to the request at
/// `request`, answered at `answer` (time `t`): until the next request or
/// notification, or [`AFTER_ANSWER_MS`] after the answer.
pub(super) fn changes_end(entries: &[Entry], request: usize, answer: usize, t: f64) -> usize {
    let mut end = answer + 1;
    for (k, e) in entries.iter().enumerate().skip(request + 1) {
        match &e.event {
            Event::Request { .. } | Event::Notify { .. } if k > answer => break,
            Event::State { .. } if k > answer && e.t - t > AFTER_ANSWER_MS => break,
            _ => {}
        }
        end = k + 1;
    }
    end.max(answer + 1)
}

/// The paths a state entry's diff touched, each cut before its first
/// array index (an index shifts when an element comes or goes, so an
/// array is taken whole).
pub(super) fn touched(diff: &Value) -> Vec<Tokens> {
    let Some(ops) = diff.as_array() else {
        return vec![Vec::new()];
    };
    let mut out = Vec::new();
    for op in ops {
        for key in ["path", "from"] {
            if let Some(pointer) = op.get(key).and_then(Value::as_str) {
                // A malformed pointer counts as the whole state.
                let tokens = juggler::diff::parse_pointer(pointer).unwrap_or_default();
                out.push(cut_at_index(tokens));
            }
        }
    }
    out
}

fn cut_at_index(mut tokens: Tokens) -> Tokens {
    if let Some(i) = tokens
        .iter()
        .position(|t| t == "-" || (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())))
    {
        tokens.truncate(i);
    }
    tokens
}

/// Whether one path holds the other.
pub(super) fn related(a: &[String], b: &[String]) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

fn get<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, t| match v {
        Value::Object(m) => m.get(t),
        Value::Array(a) => a.get(t.parse::<usize>().ok()?),
        _ => None,
    })
}

/// `into` with the value at `path` made what it is in `from` (made, or
/// taken out when `from` has nothing there).
pub(super) fn take_from(into: &mut Value, from: &Value, path: &[String]) {
    let value = get(from, path).cloned();
    let Some((last, parents)) = path.split_last() else {
        *into = value.unwrap_or(Value::Null);
        return;
    };
    let mut cur = into;
    for t in parents {
        if !cur.is_object() {
            *cur = Value::Object(Default::default());
        }
        let Value::Object(m) = cur else { return };
        cur = m
            .entry(t.clone())
            .or_insert_with(|| Value::Object(Default::default()));
    }
    if !cur.is_object() {
        *cur = Value::Object(Default::default());
    }
    let Value::Object(m) = cur else { return };
    match value {
        Some(v) => {
            m.insert(last.clone(), v);
        }
        None => {
            m.remove(last);
        }
    }
}
