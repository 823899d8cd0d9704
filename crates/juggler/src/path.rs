//! State paths and the pure `get`/`set`/`remove` of the reference's
//! `hat.json.path`, including its quirks: missing or wrong-kind parents are
//! created, an index past the end pads with `null`, a negative index past the
//! start pads at the front, removing a missing path changes nothing and
//! removing the root leaves `null`.
//!
//! `set` and `remove` work in place and return the JSON Patch operation that
//! turns the old document into the new one, so a server never has to diff
//! whole documents to learn what a change did.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

use crate::error::{Error, Result};

/// One step of a [`Path`]: an object member or an array element.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Step {
    /// Array element; negative counts from the end.
    Index(i64),
    /// Object member.
    Key(String),
}

impl From<&str> for Step {
    fn from(s: &str) -> Self {
        Step::Key(s.to_owned())
    }
}
impl From<String> for Step {
    fn from(s: String) -> Self {
        Step::Key(s)
    }
}
impl From<i64> for Step {
    fn from(i: i64) -> Self {
        Step::Index(i)
    }
}
impl From<i32> for Step {
    fn from(i: i32) -> Self {
        Step::Index(i64::from(i))
    }
}
impl From<usize> for Step {
    fn from(i: usize) -> Self {
        Step::Index(i64::try_from(i).unwrap_or(i64::MAX))
    }
}

/// A list of steps; `[]` is the whole document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Path(pub Vec<Step>);

impl Path {
    /// The whole document.
    pub fn root() -> Self {
        Path(Vec::new())
    }

    /// Reads a path the way the reference does: a string, an integer, or a
    /// (possibly nested) list of them; nested lists are flattened.
    pub fn from_json(value: &Value) -> Result<Self> {
        let mut steps = Vec::new();
        flatten_into(value, &mut steps)?;
        Ok(Path(steps))
    }

    /// The steps of this path.
    pub fn steps(&self) -> &[Step] {
        &self.0
    }

    /// The path as an RFC 6901 JSON Pointer (`""` for the root), the form
    /// diffs and the studio's UI name places by.
    pub fn to_pointer(&self) -> String {
        let mut out = String::new();
        for step in &self.0 {
            out.push('/');
            match step {
                Step::Key(k) => escape_segment(k, &mut out),
                Step::Index(i) => out.push_str(&i.to_string()),
            }
        }
        out
    }

    /// The path as the JSON value the reference would take.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.0
                .iter()
                .map(|s| match s {
                    Step::Index(i) => Value::from(*i),
                    Step::Key(k) => Value::from(k.as_str()),
                })
                .collect(),
        )
    }
}

impl<'de> Deserialize<'de> for Path {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Path::from_json(&value).map_err(serde::de::Error::custom)
    }
}

impl<S: Into<Step>> FromIterator<S> for Path {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        Path(iter.into_iter().map(Into::into).collect())
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json().to_string())
    }
}

/// Builds a [`Path`] from steps: `path!["a", 0, "b"]`.
#[macro_export]
macro_rules! path {
    () => { $crate::Path::root() };
    ($($step:expr),+ $(,)?) => { $crate::Path(vec![$($crate::Step::from($step)),+]) };
}

fn flatten_into(value: &Value, out: &mut Vec<Step>) -> Result<()> {
    match value {
        Value::String(s) => out.push(Step::Key(s.clone())),
        Value::Number(n) => match n.as_i64() {
            Some(i) => out.push(Step::Index(i)),
            None => return Err(Error::InvalidPath(format!("{n} is not an integer step"))),
        },
        Value::Array(items) => {
            for item in items {
                flatten_into(item, out)?;
            }
        }
        other => {
            return Err(Error::InvalidPath(format!(
                "{other} is not a string or an integer step"
            )));
        }
    }
    Ok(())
}

/// Python-style index resolution: `Some(position)` when `i` names an element
/// of an array of `len` elements.
fn resolve(i: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let idx = if i < 0 { len + i } else { i };
    usize::try_from(idx)
        .ok()
        .filter(|_| (0..len).contains(&idx))
}

/// The value at `path`, or `None` when a step is missing or of the wrong kind.
pub fn get<'a>(data: &'a Value, path: &[Step]) -> Option<&'a Value> {
    let mut cur = data;
    for step in path {
        cur = match (step, cur) {
            (Step::Key(k), Value::Object(map)) => map.get(k)?,
            (Step::Index(i), Value::Array(items)) => &items[resolve(*i, items.len())?],
            _ => return None,
        };
    }
    Some(cur)
}

/// A JSON Patch operation (only the three that juggler diffs use).
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// `add` at a pointer.
    Add(String, Value),
    /// `remove` at a pointer.
    Remove(String),
    /// `replace` at a pointer.
    Replace(String, Value),
}

impl Op {
    /// The operation as a JSON Patch object.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        let (op, path, value) = match self {
            Op::Add(p, v) => ("add", p, Some(v)),
            Op::Remove(p) => ("remove", p, None),
            Op::Replace(p, v) => ("replace", p, Some(v)),
        };
        m.insert("op".into(), Value::from(op));
        m.insert("path".into(), Value::from(path.as_str()));
        if let Some(v) = value {
            m.insert("value".into(), v.clone());
        }
        Value::Object(m)
    }

    /// Writes the operation as JSON text (no allocation of an intermediate
    /// `Value`, which matters for multi-megabyte values).
    pub fn write_json(&self, out: &mut String) {
        match self {
            Op::Add(p, v) => write_op(out, "add", p, Some(v)),
            Op::Remove(p) => write_op(out, "remove", p, None),
            Op::Replace(p, v) => write_op(out, "replace", p, Some(v)),
        }
    }
}

/// Writes an operation's JSON text from its parts, the value by reference.
pub(crate) fn write_op(out: &mut String, op: &str, pointer: &str, value: Option<&Value>) {
    out.push_str("{\"op\":\"");
    out.push_str(op);
    out.push_str("\",\"path\":");
    push_json(out, &Value::from(pointer));
    if let Some(v) = value {
        out.push_str(",\"value\":");
        push_json(out, v);
    }
    out.push('}');
}

/// Appends `value` as compact JSON text.
pub(crate) fn push_json(out: &mut String, value: &Value) {
    // A big value that arrived as this very text (checked) is copied, not
    // written again.
    let copied = crate::raw_text::with_text(value, |text| {
        text.map(|text| {
            out.reserve(text.len());
            out.push_str(text);
        })
    });
    if copied.is_some() {
        return;
    }
    // serde_json writes valid UTF-8 into a Vec; writing into a String's
    // buffer directly avoids a second copy.
    let mut buf = std::mem::take(out).into_bytes();
    // Writing a Value to a Vec cannot fail (no I/O, keys are strings).
    let _ = serde_json::to_writer(&mut buf, value);
    *out = String::from_utf8(buf).unwrap_or_default();
}

/// Escapes one pointer segment (RFC 6901).
pub fn escape_segment(segment: &str, out: &mut String) {
    for c in segment.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// Appends one segment to a JSON pointer.
pub(crate) fn pointer_push(pointer: &mut String, segment: &str) {
    pointer.push('/');
    escape_segment(segment, pointer);
}

/// Appends one array index to a JSON pointer.
pub(crate) fn pointer_push_index(pointer: &mut String, idx: usize) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = write!(pointer, "/{idx}");
}

/// Sets `value` at `path` in place, with the reference's semantics.
/// Returns the operation that made the change, or `None` when nothing changed.
pub fn set(data: &mut Value, path: &[Step], value: Value) -> Option<Op> {
    let (kind, pointer) = set_in_place(data, path, value)?;
    let value = data.pointer(&pointer).cloned().unwrap_or(Value::Null);
    Some(match kind {
        SetKind::Add => Op::Add(pointer, value),
        SetKind::Replace => Op::Replace(pointer, value),
    })
}

/// Whether a [`set_in_place`] added a member/element or replaced a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetKind {
    /// `add` at the pointer.
    Add,
    /// `replace` at the pointer.
    Replace,
}

/// [`set`] without copying anything: the value moves into the document and
/// the operation is told as its kind and pointer; its value is what the
/// document holds at that pointer now.
pub fn set_in_place(data: &mut Value, path: &[Step], value: Value) -> Option<(SetKind, String)> {
    set_displacing(data, path, value, false).0
}

/// Whether a set of `new` over `old` is told as their diff: both are
/// arrays, or both objects, and neither is empty.
pub(crate) fn diffable(old: &Value, new: &Value) -> bool {
    match (old, new) {
        (Value::Array(a), Value::Array(b)) => !a.is_empty() && !b.is_empty(),
        (Value::Object(a), Value::Object(b)) => !a.is_empty() && !b.is_empty(),
        _ => false,
    }
}

/// [`set_in_place`], also handing back what the set took out of the
/// document (the value it replaced, or the new value when it was equal),
/// so that the caller decides where that is freed. With `will_diff`, a
/// [`diffable`] replace is not compared first (the caller's diff of the
/// two tells whether anything changed): it is reported as a `replace`.
pub(crate) fn set_displacing(
    data: &mut Value,
    path: &[Step],
    value: Value,
    will_diff: bool,
) -> (Option<(SetKind, String)>, Option<Value>) {
    let mut pointer = String::new();
    let mut cur = data;
    for (n, step) in path.iter().enumerate() {
        let rest = &path[n + 1..];
        match step {
            Step::Key(k) => {
                let Value::Object(map) = cur else {
                    let old = std::mem::replace(cur, Value::Object(Map::new()));
                    let built = build(rest, value);
                    let Value::Object(map) = cur else {
                        unreachable!()
                    };
                    map.insert(k.clone(), built);
                    return (Some((SetKind::Replace, pointer)), Some(old));
                };
                if !map.contains_key(k) {
                    pointer_push(&mut pointer, k);
                    let built = build(rest, value);
                    map.insert(k.clone(), built);
                    return (Some((SetKind::Add, pointer)), None);
                }
                pointer_push(&mut pointer, k);
                match map.get_mut(k) {
                    Some(next) => cur = next,
                    None => return (None, Some(value)),
                }
            }
            Step::Index(i) => {
                let Value::Array(items) = cur else {
                    let mut items = Vec::new();
                    set_new_index(&mut items, *i, build(rest, value));
                    let old = std::mem::replace(cur, Value::Array(items));
                    return (Some((SetKind::Replace, pointer)), Some(old));
                };
                match resolve(*i, items.len()) {
                    Some(idx) => {
                        pointer_push_index(&mut pointer, idx);
                        cur = &mut items[idx];
                    }
                    None if usize::try_from(*i).ok() == Some(items.len()) => {
                        pointer_push_index(&mut pointer, items.len());
                        let built = build(rest, value);
                        items.push(built);
                        return (Some((SetKind::Add, pointer)), None);
                    }
                    None => {
                        set_new_index(items, *i, build(rest, value));
                        return (Some((SetKind::Replace, pointer)), None);
                    }
                }
            }
        }
    }
    if !(will_diff && diffable(cur, &value)) && *cur == value {
        return (None, Some(value));
    }
    let old = std::mem::replace(cur, value);
    (Some((SetKind::Replace, pointer)), Some(old))
}

/// Places `value` at an index that is not inside `array`, padding with
/// `null` the way the reference does.
fn set_new_index(items: &mut Vec<Value>, i: i64, value: Value) {
    let len = items.len();
    if i >= 0 {
        let idx = usize::try_from(i).unwrap_or(usize::MAX);
        items.resize(idx.saturating_add(1), Value::Null);
        items[idx] = value;
    } else {
        let missing = usize::try_from(i.unsigned_abs()).unwrap_or(usize::MAX) - len;
        let mut padded = vec![Value::Null; missing];
        padded.append(items);
        *items = padded;
        items[0] = value;
    }
}

/// The value that `set` creates below a missing or wrong-kind parent.
fn build(path: &[Step], value: Value) -> Value {
    let mut out = Value::Null;
    set_in_place(&mut out, path, value);
    out
}

/// Removes the member or element at `path` in place. A missing path changes
/// nothing; the root path leaves `null`. Returns the operation, if any.
pub fn remove(data: &mut Value, path: &[Step]) -> Option<Op> {
    let Some((last, parents)) = path.split_last() else {
        if data.is_null() {
            return None;
        }
        *data = Value::Null;
        return Some(Op::Replace(String::new(), Value::Null));
    };
    let mut pointer = String::new();
    let mut cur = data;
    for step in parents {
        cur = match (step, cur) {
            (Step::Key(k), Value::Object(map)) => {
                pointer_push(&mut pointer, k);
                map.get_mut(k)?
            }
            (Step::Index(i), Value::Array(items)) => {
                let idx = resolve(*i, items.len())?;
                pointer_push_index(&mut pointer, idx);
                &mut items[idx]
            }
            _ => return None,
        };
    }
    match (last, cur) {
        (Step::Key(k), Value::Object(map)) => {
            map.shift_remove(k)?;
            pointer_push(&mut pointer, k);
        }
        (Step::Index(i), Value::Array(items)) => {
            let idx = resolve(*i, items.len())?;
            items.remove(idx);
            pointer_push_index(&mut pointer, idx);
        }
        _ => return None,
    }
    Some(Op::Remove(pointer))
}

impl AsRef<[Step]> for Path {
    fn as_ref(&self) -> &[Step] {
        &self.0
    }
}

/// The add/remove/replace operations that [`set`] of `value` at `path`
/// would make to `data`, found without changing or copying `data`: applied
/// in order (e.g. with [`crate::diff::apply_owned`]) they give what `set`
/// gives. Empty when `set` would change nothing.
///
/// An index past the end of an array pads with `null` as `set` does; the
/// padding is told as one `add` per new element when that is smaller than
/// the array, else as a `replace` of the whole array.
pub fn set_ops(data: &Value, path: &[Step], value: Value) -> Vec<Op> {
    let mut pointer = String::new();
    let mut cur = data;
    for (n, step) in path.iter().enumerate() {
        let rest = &path[n + 1..];
        match (step, cur) {
            (Step::Key(k), Value::Object(map)) => {
                pointer_push(&mut pointer, k);
                match map.get(k) {
                    Some(next) => cur = next,
                    None => return vec![Op::Add(pointer, build(rest, value))],
                }
            }
            (Step::Index(i), Value::Array(items)) => match resolve(*i, items.len()) {
                Some(idx) => {
                    pointer_push_index(&mut pointer, idx);
                    cur = &items[idx];
                }
                None => return pad_ops(pointer, items, *i, build(rest, value)),
            },
            // A missing or wrong-kind parent: `set` puts a new value here.
            _ => return vec![Op::Replace(pointer, build(&path[n..], value))],
        }
    }
    if *cur == value {
        return Vec::new();
    }
    vec![Op::Replace(pointer, value)]
}

/// [`set_ops`] for an index `i` that is not inside `items` (at `pointer`).
fn pad_ops(pointer: String, items: &[Value], i: i64, value: Value) -> Vec<Op> {
    let len = items.len();
    let at = |idx: usize| {
        let mut p = pointer.clone();
        pointer_push_index(&mut p, idx);
        p
    };
    // Elements `set` adds: `value` and the `null`s before (or after) it.
    let added = if i >= 0 {
        usize::try_from(i).unwrap_or(usize::MAX).saturating_sub(len) + 1
    } else {
        usize::try_from(i.unsigned_abs()).unwrap_or(usize::MAX) - len
    };
    if added > len.max(1) {
        let mut whole = items.to_vec();
        set_new_index(&mut whole, i, value);
        return vec![Op::Replace(pointer, Value::Array(whole))];
    }
    let mut ops = Vec::with_capacity(added);
    if i >= 0 {
        for idx in len..len + added - 1 {
            ops.push(Op::Add(at(idx), Value::Null));
        }
        ops.push(Op::Add(at(len + added - 1), value));
    } else {
        for _ in 1..added {
            ops.push(Op::Add(at(0), Value::Null));
        }
        ops.push(Op::Add(at(0), value));
    }
    ops
}

/// The operation that [`remove`] at `path` would make to `data`, found
/// without changing it; `None` when `remove` would change nothing. Removing
/// the root is a `replace` with `null`.
pub fn remove_op(data: &Value, path: &[Step]) -> Option<Op> {
    let Some((last, parents)) = path.split_last() else {
        return (!data.is_null()).then(|| Op::Replace(String::new(), Value::Null));
    };
    let mut pointer = String::new();
    let mut cur = data;
    for step in parents {
        cur = match (step, cur) {
            (Step::Key(k), Value::Object(map)) => {
                pointer_push(&mut pointer, k);
                map.get(k)?
            }
            (Step::Index(i), Value::Array(items)) => {
                let idx = resolve(*i, items.len())?;
                pointer_push_index(&mut pointer, idx);
                &items[idx]
            }
            _ => return None,
        };
    }
    match (last, cur) {
        (Step::Key(k), Value::Object(map)) if map.contains_key(k) => {
            pointer_push(&mut pointer, k);
        }
        (Step::Index(i), Value::Array(items)) => {
            pointer_push_index(&mut pointer, resolve(*i, items.len())?);
        }
        _ => return None,
    }
    Some(Op::Remove(pointer))
}
