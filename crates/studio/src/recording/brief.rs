//! Entries for a list, not for replaying: a recording's first entry is
//! often its whole state (a 10 MB `replace` at the root), and a list of
//! entries around a step only shows a line of each. A brief entry keeps
//! every small value and puts a short description (a string) where a
//! value's compact JSON is longer than a bound, so listing the first
//! entries does not send, and the page does not parse, the whole state.

use std::io;

use serde_json::{Value, json};

use super::format::{Entry, Event};

/// Values whose compact JSON is longer than this many bytes are described
/// instead of sent.
pub const BRIEF_MAX_BYTES: usize = 4096;

/// `entry` with every value longer than `max` bytes of compact JSON
/// replaced by a description of it (see [`describe`]). Small values are
/// copied; big ones are only measured.
pub fn brief(entry: &Entry, max: usize) -> Entry {
    let event = match &entry.event {
        Event::State { diff } => Event::State {
            diff: brief_diff(diff, max),
        },
        Event::Notify { name, data } => Event::Notify {
            name: name.clone(),
            data: brief_value(data, max),
        },
        Event::Request { id, name, data } => Event::Request {
            id: *id,
            name: name.clone(),
            data: brief_value(data, max),
        },
        Event::Response { id, success, data } => Event::Response {
            id: *id,
            success: *success,
            data: brief_value(data, max),
        },
    };
    Entry { t: entry.t, event }
}

/// A JSON Patch keeps its ops (their `op`, `path` and `from` are what a
/// list shows); only the ops' values are described when big.
fn brief_diff(diff: &Value, max: usize) -> Value {
    let Some(ops) = diff.as_array() else {
        return brief_value(diff, max);
    };
    Value::Array(
        ops.iter()
            .map(|op| match op.as_object() {
                Some(fields) => Value::Object(
                    fields
                        .iter()
                        .map(|(k, v)| (k.clone(), brief_value(v, max)))
                        .collect(),
                ),
                None => brief_value(op, max),
            })
            .collect(),
    )
}

fn brief_value(value: &Value, max: usize) -> Value {
    match json_len(value, Some(max)) {
        Some(_) => value.clone(),
        None => json!(describe(value, json_len(value, None).unwrap_or(0))),
    }
}

/// What a list shows in place of a big value: `⟨object of 2 members,
/// 10.8 MB⟩`.
pub fn describe(value: &Value, bytes: usize) -> String {
    let what = match value {
        Value::Object(m) => format!("object of {} {}", m.len(), plural(m.len(), "member")),
        Value::Array(a) => format!("array of {} {}", a.len(), plural(a.len(), "item")),
        Value::String(_) => "string".to_owned(),
        Value::Number(_) => "number".to_owned(),
        Value::Bool(_) | Value::Null => "value".to_owned(),
    };
    format!("⟨{what}, {}⟩", size(bytes))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

fn size(bytes: usize) -> String {
    const KB: f64 = 1000.0;
    let b = bytes as f64;
    if b >= KB * KB {
        format!("{:.1} MB", b / KB / KB)
    } else if b >= KB {
        format!("{:.1} kB", b / KB)
    } else {
        format!("{bytes} B")
    }
}

/// The length of `value`'s compact JSON; `None` once it passes `limit`
/// (writing stops there, so measuring a 10 MB value against a small bound
/// costs almost nothing).
pub(super) fn json_len(value: &Value, limit: Option<usize>) -> Option<usize> {
    let mut counter = Counter { n: 0, limit };
    serde_json::to_writer(&mut counter, value).ok()?;
    Some(counter.n)
}

struct Counter {
    n: usize,
    limit: Option<usize>,
}

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.n += buf.len();
        match self.limit {
            Some(limit) if self.n > limit => Err(io::Error::other("over the limit")),
            _ => Ok(buf.len()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(diff: Value) -> Entry {
        Entry {
            t: 5.0,
            event: Event::State { diff },
        }
    }

    #[test]
    fn small_values_are_kept_and_big_ones_described() {
        let big: Vec<Value> = (0..1000).map(|i| json!({"id": i})).collect();
        let entry = state(json!([
            {"op": "replace", "path": "", "value": {"items": big}},
            {"op": "add", "path": "/a", "value": 1},
            {"op": "remove", "path": "/b"}
        ]));
        let out = brief(&entry, 100);
        assert_eq!(out.t, 5.0);
        let Event::State { diff } = out.event else {
            panic!("a state entry stays one")
        };
        assert_eq!(
            diff,
            json!([
                {"op": "replace", "path": "", "value": "⟨object of 1 member, 10.9 kB⟩"},
                {"op": "add", "path": "/a", "value": 1},
                {"op": "remove", "path": "/b"}
            ])
        );
    }

    #[test]
    fn an_entry_under_the_bound_is_unchanged() {
        let entry = Entry {
            t: 1.0,
            event: Event::Request {
                id: 3,
                name: "set".into(),
                data: json!({"v": [1, 2, 3], "n": 12345678901234567890u64}),
            },
        };
        assert_eq!(brief(&entry, BRIEF_MAX_BYTES), entry);
    }

    #[test]
    fn big_data_of_notifications_and_answers_is_described() {
        let entry = Entry {
            t: 0.0,
            event: Event::Notify {
                name: "log".into(),
                data: json!("x".repeat(2_000_000)),
            },
        };
        let Event::Notify { name, data } = brief(&entry, 10).event else {
            panic!("a notification stays one")
        };
        assert_eq!(name, "log");
        assert_eq!(data, json!("⟨string, 2.0 MB⟩"));
    }
}
