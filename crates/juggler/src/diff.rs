//! Whole-document JSON Patch diff, the reference's algorithm (`hat.json.diff`)
//! with structural instead of identity comparison, and patch application.
//!
//! Diffs hold only `add`, `remove` and `replace`, which every juggler client
//! applies. Paths inside one diff refer to the document as the earlier
//! operations of that diff left it.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::path::{Op, escape_segment};

/// The operations that turn `src` into `dst`.
pub fn diff(src: &Value, dst: &Value) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut pointer = String::new();
    diff_into(src, dst, &mut pointer, &mut ops);
    ops
}

/// `diff` as a JSON Patch array value.
pub fn diff_json(src: &Value, dst: &Value) -> Value {
    Value::Array(diff(src, dst).iter().map(Op::to_json).collect())
}

fn with_segment<F: FnOnce(&mut String)>(pointer: &mut String, segment: &str, f: F) {
    let len = pointer.len();
    pointer.push('/');
    escape_segment(segment, pointer);
    f(pointer);
    pointer.truncate(len);
}

fn diff_into(src: &Value, dst: &Value, pointer: &mut String, ops: &mut Vec<Op>) {
    if src == dst {
        return;
    }
    match (src, dst) {
        (Value::Array(s), Value::Array(d)) => {
            if s.is_empty() || d.is_empty() {
                ops.push(Op::Replace(pointer.clone(), dst.clone()));
            } else if s.len() == d.len() {
                for (i, (a, b)) in s.iter().zip(d).enumerate() {
                    with_segment(pointer, &i.to_string(), |p| diff_into(a, b, p, ops));
                }
            } else if s.len() > d.len() {
                let mut di = 0;
                let mut to_remove = s.len() - d.len();
                for a in s {
                    if di < d.len() && *a == d[di] {
                        di += 1;
                    } else if to_remove > 0 {
                        with_segment(pointer, &di.to_string(), |p| {
                            ops.push(Op::Remove(p.clone()))
                        });
                        to_remove -= 1;
                    } else {
                        with_segment(pointer, &di.to_string(), |p| diff_into(a, &d[di], p, ops));
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
                        with_segment(pointer, &di.to_string(), |p| {
                            ops.push(Op::Add(p.clone(), b.clone()))
                        });
                        to_add -= 1;
                    } else {
                        with_segment(pointer, &di.to_string(), |p| diff_into(&s[si], b, p, ops));
                        si += 1;
                    }
                }
            }
        }
        (Value::Object(s), Value::Object(d)) => {
            if s.is_empty() || d.is_empty() {
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
                    Some(a) => with_segment(pointer, k, |p| diff_into(a, b, p, ops)),
                }
            }
        }
        _ => ops.push(Op::Replace(pointer.clone(), dst.clone())),
    }
}

/// Applies a JSON Patch (all six RFC 6902 operations) to `data` in place.
/// On error `data` is left unchanged.
pub fn patch(data: &mut Value, diff: Value) -> Result<()> {
    let p: json_patch::Patch =
        serde_json::from_value(diff).map_err(|e| Error::Patch(e.to_string()))?;
    json_patch::patch(data, &p).map_err(|e| Error::Patch(e.to_string()))
}
