//! Whole-document JSON Patch diff, the reference's algorithm (`hat.json.diff`)
//! with structural instead of identity comparison, and patch application
//! (`apply.rs`).
//!
//! Diffs hold only `add`, `remove` and `replace`, which every juggler client
//! applies. Paths inside one diff refer to the document as the earlier
//! operations of that diff left it.

use serde_json::Value;

use crate::path::{Op, pointer_push, pointer_push_index};

mod apply;
pub use apply::{
    Applied, apply_in_place, apply_owned, apply_undoable, into_simple_ops, parse_index,
    parse_pointer, patch, patch_undoable, simple_ops,
};

/// The operations that turn `src` into `dst`.
pub fn diff(src: &Value, dst: &Value) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut pointer = String::new();
    diff_into(src, dst, &mut pointer, &mut ops, false);
    ops
}

/// [`diff`] of two values found at `pointer` in a document (the
/// operations' paths start with it), that also keeps member order: where
/// an object's members are not the old ones that stay, in their order,
/// then the new ones (where a client that applies the diff would have
/// them), it is replaced whole. The client's copy is then the very value,
/// as text too.
pub(crate) fn diff_at(src: &Value, dst: &Value, pointer: &str) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut pointer = pointer.to_owned();
    diff_into(src, dst, &mut pointer, &mut ops, true);
    ops
}

/// `diff` as a JSON Patch array value.
pub fn diff_json(src: &Value, dst: &Value) -> Value {
    Value::Array(diff(src, dst).iter().map(Op::to_json).collect())
}

fn with_segment<F: FnOnce(&mut String)>(pointer: &mut String, segment: &str, f: F) {
    let len = pointer.len();
    pointer_push(pointer, segment);
    f(pointer);
    pointer.truncate(len);
}

fn with_index<F: FnOnce(&mut String)>(pointer: &mut String, index: usize, f: F) {
    let len = pointer.len();
    pointer_push_index(pointer, index);
    f(pointer);
    pointer.truncate(len);
}

/// Same-kind containers are walked member by member, never compared whole
/// first: comparing a subtree and then walking it again for its
/// differences would read a big document two or three times (once per
/// level above a change).
fn diff_into(src: &Value, dst: &Value, pointer: &mut String, ops: &mut Vec<Op>, order: bool) {
    match (src, dst) {
        (Value::Array(s), Value::Array(d)) if !s.is_empty() && !d.is_empty() => {
            if s.len() == d.len() {
                for (i, (a, b)) in s.iter().zip(d).enumerate() {
                    if is_leaf(a) && a == b {
                        continue;
                    }
                    with_index(pointer, i, |p| diff_into(a, b, p, ops, order));
                }
            } else if s.len() > d.len() {
                let mut di = 0;
                let mut to_remove = s.len() - d.len();
                for a in s {
                    if di < d.len() && *a == d[di] {
                        di += 1;
                    } else if to_remove > 0 {
                        with_index(pointer, di, |p| ops.push(Op::Remove(p.clone())));
                        to_remove -= 1;
                    } else {
                        with_index(pointer, di, |p| diff_into(a, &d[di], p, ops, order));
                        di += 1;
                    }
                }
            } else {
                let mut si = 0;
                let mut to_add = d.len() - s.len();
                for (di, b) in d.iter().enumerate() {
                    if si < s.len() && s[si] == *b {
                        si += 1;
                    } else if to_add > 0 {
                        with_index(pointer, di, |p| ops.push(Op::Add(p.clone(), b.clone())));
                        to_add -= 1;
                    } else {
                        with_index(pointer, di, |p| diff_into(&s[si], b, p, ops, order));
                        si += 1;
                    }
                }
            }
        }
        (Value::Object(s), Value::Object(d)) if !s.is_empty() && !d.is_empty() => {
            // The same members in the same order (records of one shape): no
            // key is looked up.
            if s.len() == d.len() && s.keys().zip(d.keys()).all(|(a, b)| a == b) {
                for ((k, a), b) in s.iter().zip(d.values()) {
                    if !(is_leaf(a) && a == b) {
                        with_segment(pointer, k, |p| diff_into(a, b, p, ops, order));
                    }
                }
                return;
            }
            if order && !kept_in_order(s, d) {
                ops.push(Op::Replace(pointer.clone(), dst.clone()));
                return;
            }
            for k in s.keys() {
                if !d.contains_key(k) {
                    with_segment(pointer, k, |p| ops.push(Op::Remove(p.clone())));
                }
            }
            for (k, b) in d {
                match s.get(k) {
                    None => with_segment(pointer, k, |p| ops.push(Op::Add(p.clone(), b.clone()))),
                    Some(a) if is_leaf(a) && a == b => {}
                    Some(a) => with_segment(pointer, k, |p| diff_into(a, b, p, ops, order)),
                }
            }
        }
        _ => {
            if src != dst {
                ops.push(Op::Replace(pointer.clone(), dst.clone()));
            }
        }
    }
}

/// Whether applying the diff of `s` to `d` gives `d`'s member order:
/// the members `d` keeps come first, in `s`'s order, then the new ones.
fn kept_in_order(s: &serde_json::Map<String, Value>, d: &serde_json::Map<String, Value>) -> bool {
    let mut kept = s.keys().filter(|k| d.contains_key(k.as_str()));
    let mut adding = false;
    for k in d.keys() {
        if s.contains_key(k) {
            if adding || kept.next() != Some(k) {
                return false;
            }
        } else {
            adding = true;
        }
    }
    true
}

fn is_leaf(v: &Value) -> bool {
    !(v.is_array() || v.is_object())
}

#[cfg(test)]
#[path = "diff_tests.rs"]
mod tests;
