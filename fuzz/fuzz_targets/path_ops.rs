//! Path `set`/`remove` (`juggler::path`, as `Storage` uses them) on arbitrary
//! documents and paths, against a plain model of the reference's
//! `hat.json.path` semantics; the JSON Patch operation each returns must
//! turn the old document into the new one.
//!
//! Input: JSON text `[doc, path, value]`. Indices are kept within ±64: the
//! reference pads an array up to the index, so a huge index is a huge
//! allocation by design (see RELIABILITY.md).

#![no_main]

use juggler::path::{self, Op};
use juggler::{Path, Step, diff};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let [doc, path, value] = <[Value; 3]>::try_from(items).ok().map_or_else(
        || [Value::Null, Value::Null, Value::Null],
        |a| a,
    );
    let Ok(path) = Path::from_json(&path) else {
        return;
    };
    if path
        .steps()
        .iter()
        .any(|s| matches!(s, Step::Index(i) if i.unsigned_abs() > 64))
    {
        return;
    }
    let steps = path.steps();

    // set
    let mut set = doc.clone();
    let op = path::set(&mut set, steps, value.clone());
    assert_eq!(set, model_set(doc.clone(), steps, value.clone()), "set");
    assert_eq!(path::get(&set, steps), Some(&value), "get after set");
    check_op(&doc, op, &set);

    // remove
    let mut removed = doc.clone();
    let op = path::remove(&mut removed, steps);
    assert_eq!(removed, model_remove(doc.clone(), steps), "remove");
    check_op(&doc, op, &removed);

    // Storage does the same through its own entry points.
    let storage = juggler::Storage::with_data(doc.clone());
    storage.set(steps, value.clone());
    assert_eq!(storage.data(), set, "Storage::set");
    let storage = juggler::Storage::with_data(doc.clone());
    storage.remove(steps);
    assert_eq!(storage.data(), removed, "Storage::remove");
});

/// The operation, applied to `before`, gives `after`; no operation means no change.
fn check_op(before: &Value, op: Option<Op>, after: &Value) {
    match op {
        None => assert_eq!(before, after, "no operation but a change"),
        Some(op) => {
            let mut doc = before.clone();
            diff::apply_owned(&mut doc, vec![op.clone()])
                .unwrap_or_else(|e| panic!("{op:?} does not apply to {before}: {e}"));
            assert_eq!(&doc, after, "operation {op:?}");
        }
    }
}

fn resolve(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let idx = if i < 0 { len + i } else { i };
    (0..len).contains(&idx).then_some(idx as usize)
}

/// `hat.json.path.set`, written as plainly as possible.
fn model_set(data: Value, path: &[Step], value: Value) -> Value {
    let Some((step, rest)) = path.split_first() else {
        return value;
    };
    match step {
        Step::Key(k) => {
            let mut map = match data {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            let child = map.get(k).cloned().unwrap_or(Value::Null);
            map.insert(k.clone(), model_set(child, rest, value));
            Value::Object(map)
        }
        Step::Index(i) => {
            let mut items = match data {
                Value::Array(a) => a,
                _ => Vec::new(),
            };
            let i = *i;
            if i >= 0 && i as usize >= items.len() {
                items.resize(i as usize + 1, Value::Null);
            } else if i < 0 && i.unsigned_abs() as usize > items.len() {
                let missing = i.unsigned_abs() as usize - items.len();
                let mut padded = vec![Value::Null; missing];
                padded.append(&mut items);
                items = padded;
            }
            let idx = resolve(i, items.len()).expect("padded");
            let child = std::mem::take(&mut items[idx]);
            items[idx] = model_set(child, rest, value);
            Value::Array(items)
        }
    }
}

/// `hat.json.path.remove`: a missing path changes nothing, the root is `null`.
fn model_remove(data: Value, path: &[Step]) -> Value {
    let Some((step, rest)) = path.split_first() else {
        return Value::Null;
    };
    match (step, data) {
        (Step::Key(k), Value::Object(mut map)) => {
            if let Some(child) = map.get(k).cloned() {
                if rest.is_empty() {
                    map.shift_remove(k);
                } else {
                    map.insert(k.clone(), model_remove(child, rest));
                }
            }
            Value::Object(map)
        }
        (Step::Index(i), Value::Array(mut items)) => {
            if let Some(idx) = resolve(*i, items.len()) {
                if rest.is_empty() {
                    items.remove(idx);
                } else {
                    let child = std::mem::take(&mut items[idx]);
                    items[idx] = model_remove(child, rest);
                }
            }
            Value::Array(items)
        }
        (_, data) => data,
    }
}
