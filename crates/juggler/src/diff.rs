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
    let diff = match into_simple_ops(diff)? {
        Ok(ops) => return apply_owned(data, ops),
        Err(diff) => diff,
    };
    let p: json_patch::Patch =
        serde_json::from_value(diff).map_err(|e| Error::Patch(e.to_string()))?;
    // json-patch leaves a failed `move` half done (removed from `from`, not
    // added at `path`): apply to a copy. Only move/copy/test patches come
    // here, which juggler diffs never hold.
    let mut patched = data.clone();
    json_patch::patch(&mut patched, &p).map_err(|e| Error::Patch(e.to_string()))?;
    *data = patched;
    Ok(())
}

/// One undo step of [`apply_in_place`].
enum Undo {
    /// Put `Value` back at (parent pointer, key or index).
    Insert(Vec<String>, Value, usize),
    Remove(Vec<String>),
    Replace(Vec<String>, Value),
}

/// The reference tokens of an RFC 6901 JSON pointer (`~1` and `~0`
/// unescaped); the whole document (`""`) has none.
pub fn parse_pointer(pointer: &str) -> Result<Vec<String>> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(Error::Patch(format!("invalid JSON pointer {pointer:?}")));
    };
    Ok(rest
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect())
}

/// An array index token of a JSON Patch path into an array of `len`
/// elements: digits without leading zeros, in range; `-` (one past the end)
/// and `len` itself only where `allow_end` says so (an `add`).
pub fn parse_index(seg: &str, len: usize, allow_end: bool) -> Result<usize> {
    if allow_end && seg == "-" {
        return Ok(len);
    }
    let valid = !seg.is_empty()
        && seg.bytes().all(|b| b.is_ascii_digit())
        && (seg == "0" || !seg.starts_with('0'));
    let idx = valid
        .then(|| seg.parse::<usize>().ok())
        .flatten()
        .ok_or_else(|| Error::Patch(format!("invalid array index {seg:?}")))?;
    let max = if allow_end {
        len
    } else {
        len.saturating_sub(1)
    };
    if idx > max || (!allow_end && len == 0) {
        return Err(Error::Patch(format!(
            "array index {idx} out of range (length {len})"
        )));
    }
    Ok(idx)
}

fn walk<'a>(data: &'a mut Value, segs: &[String]) -> Result<&'a mut Value> {
    let mut cur = data;
    for seg in segs {
        cur = match cur {
            Value::Object(map) => map
                .get_mut(seg)
                .ok_or_else(|| Error::Patch(format!("no member {seg:?}")))?,
            Value::Array(items) => {
                let idx = parse_index(seg, items.len(), false)?;
                &mut items[idx]
            }
            _ => return Err(Error::Patch(format!("{seg:?} steps into a scalar"))),
        };
    }
    Ok(cur)
}

fn apply_one(data: &mut Value, op: Op) -> Result<Undo> {
    let pointer = match &op {
        Op::Add(p, _) | Op::Replace(p, _) | Op::Remove(p) => p.clone(),
    };
    let pointer = &pointer;
    let segs = parse_pointer(pointer)?;
    let Some((last, parents)) = segs.split_last() else {
        let value = match op {
            Op::Add(_, v) | Op::Replace(_, v) => v,
            // RFC 6902 has nothing to remove the root from; json-patch (our
            // path for move/copy/test) refuses it too.
            Op::Remove(_) => {
                return Err(Error::Patch(
                    "remove of the whole document (path \"\"): replace it instead".into(),
                ));
            }
        };
        let old = std::mem::replace(data, value);
        return Ok(Undo::Replace(Vec::new(), old));
    };
    let parent = walk(data, parents)?;
    let parent_path = parents.to_vec();
    match (op, parent) {
        (Op::Add(_, v), Value::Object(map)) => {
            let mut path = parent_path;
            path.push(last.clone());
            Ok(match map.get_mut(last) {
                Some(slot) => Undo::Replace(path, std::mem::replace(slot, v)),
                None => {
                    map.insert(last.clone(), v);
                    Undo::Remove(path)
                }
            })
        }
        (Op::Add(_, v), Value::Array(items)) => {
            let idx = parse_index(last, items.len(), true)?;
            items.insert(idx, v);
            let mut path = parent_path;
            path.push(idx.to_string());
            Ok(Undo::Remove(path))
        }
        (Op::Replace(_, v), Value::Object(map)) => {
            let slot = map
                .get_mut(last)
                .ok_or_else(|| Error::Patch(format!("replace of missing member {last:?}")))?;
            let mut path = parent_path;
            path.push(last.clone());
            Ok(Undo::Replace(path, std::mem::replace(slot, v)))
        }
        (Op::Replace(_, v), Value::Array(items)) => {
            let idx = parse_index(last, items.len(), false)?;
            let mut path = parent_path;
            path.push(idx.to_string());
            Ok(Undo::Replace(path, std::mem::replace(&mut items[idx], v)))
        }
        (Op::Remove(_), Value::Object(map)) => {
            let idx = map
                .keys()
                .position(|k| k == last)
                .ok_or_else(|| Error::Patch(format!("remove of missing member {last:?}")))?;
            let old = map.shift_remove(last).unwrap_or(Value::Null);
            let mut path = parent_path;
            path.push(last.clone());
            Ok(Undo::Insert(path, old, idx))
        }
        (Op::Remove(_), Value::Array(items)) => {
            let idx = parse_index(last, items.len(), false)?;
            let old = items.remove(idx);
            let mut path = parent_path;
            path.push(idx.to_string());
            Ok(Undo::Insert(path, old, idx))
        }
        _ => Err(Error::Patch(format!(
            "{pointer:?}: parent is not a container"
        ))),
    }
}

fn undo(data: &mut Value, step: Undo) {
    // Undo steps come from operations that just applied, so their paths
    // exist; a failure here would mean a bug, and leaves the value as is.
    let _ = (|| -> Result<()> {
        match step {
            Undo::Replace(path, old) => *walk(data, &path)? = old,
            Undo::Remove(path) => {
                if let Some((last, parents)) = path.split_last() {
                    match walk(data, parents)? {
                        Value::Object(map) => {
                            map.shift_remove(last);
                        }
                        Value::Array(items) => {
                            let idx = parse_index(last, items.len(), false)?;
                            items.remove(idx);
                        }
                        _ => {}
                    }
                }
            }
            Undo::Insert(path, old, idx) => {
                if let Some((last, parents)) = path.split_last() {
                    match walk(data, parents)? {
                        Value::Object(map) => {
                            map.shift_insert(idx, last.clone(), old);
                        }
                        Value::Array(items) => items.insert(idx, old),
                        _ => {}
                    }
                }
            }
        }
        Ok(())
    })();
}

/// Applies add/remove/replace operations in place, keeping the order of
/// object members as the reference's browser client does (a removed member
/// leaves the others in place). All or nothing: on error every applied
/// operation is undone.
pub fn apply_in_place(data: &mut Value, ops: &[Op]) -> Result<()> {
    apply_owned(data, ops.to_vec())
}

/// [`apply_in_place`] that moves the values into the document instead of
/// copying them (a multi-megabyte state arrives once, not twice).
pub fn apply_owned(data: &mut Value, ops: Vec<Op>) -> Result<()> {
    let mut undos = Vec::with_capacity(ops.len());
    for op in ops {
        match apply_one(data, op) {
            Ok(u) => undos.push(u),
            Err(e) => {
                for u in undos.into_iter().rev() {
                    undo(data, u);
                }
                return Err(e);
            }
        }
    }
    Ok(())
}

/// What [`apply_undoable`] or [`patch_undoable`] did to a document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    /// The add/remove/replace operations applied, in order (a `move` is a
    /// `remove` and an `add`, a `copy` an `add`; a `test` is dropped).
    pub forward: Vec<Op>,
    /// The operations that undo them, in the order to apply. A member that
    /// the change removed from an object comes back at the end of it
    /// (`add` cannot place a member); array elements come back at their
    /// index.
    pub backward: Vec<Op>,
}

impl Applied {
    /// Whether the change did nothing.
    pub fn is_empty(&self) -> bool {
        self.forward.is_empty()
    }
}

/// One operation for [`apply_steps`].
enum Rfc {
    Simple(Op),
    Move(String, String),
    Copy(String, String),
    Test(String, Value),
}

/// Applies add/remove/replace operations in place like [`apply_owned`] (all
/// or nothing) and returns them with the operations that undo them. The
/// undo operations carry the values the change took out of the document:
/// nothing of the document is copied but the values of `ops`.
pub fn apply_undoable(data: &mut Value, ops: Vec<Op>) -> Result<Applied> {
    apply_steps(data, ops.into_iter().map(Rfc::Simple).collect())
}

/// Applies a JSON Patch (all six RFC 6902 operations) in place, all or
/// nothing, and returns it as add/remove/replace operations with the
/// operations that undo them (see [`Applied`]).
pub fn patch_undoable(data: &mut Value, diff: Value) -> Result<Applied> {
    let diff = match into_simple_ops(diff)? {
        Ok(ops) => return apply_undoable(data, ops),
        Err(diff) => diff,
    };
    let Value::Array(items) = diff else {
        return Err(Error::Patch("a diff must be a JSON array".into()));
    };
    let mut steps = Vec::with_capacity(items.len());
    for item in items {
        let Value::Object(mut m) = item else {
            return Err(Error::Patch(format!("operation is not an object: {item}")));
        };
        let mut string = |key: &str| match m.shift_remove(key) {
            Some(Value::String(p)) => Ok(p),
            _ => Err(Error::Patch(format!("operation without a string {key}"))),
        };
        let path = string("path")?;
        let op = m.get("op").and_then(Value::as_str).map(str::to_owned);
        let from = if matches!(op.as_deref(), Some("move" | "copy")) {
            match m.shift_remove("from") {
                Some(Value::String(p)) => p,
                _ => return Err(Error::Patch("operation without a string from".into())),
            }
        } else {
            String::new()
        };
        let mut value = || {
            m.shift_remove("value")
                .ok_or_else(|| Error::Patch(format!("operation at {path:?} without a value")))
        };
        steps.push(match op.as_deref() {
            Some("add") => Rfc::Simple(Op::Add(path.clone(), value()?)),
            Some("replace") => Rfc::Simple(Op::Replace(path.clone(), value()?)),
            Some("test") => Rfc::Test(path.clone(), value()?),
            Some("remove") => Rfc::Simple(Op::Remove(path)),
            Some("move") => Rfc::Move(from, path),
            Some("copy") => Rfc::Copy(from, path),
            other => return Err(Error::Patch(format!("unknown operation {other:?}"))),
        });
    }
    apply_steps(data, steps)
}

fn apply_steps(data: &mut Value, steps: Vec<Rfc>) -> Result<Applied> {
    let mut forward = Vec::with_capacity(steps.len());
    let mut undos = Vec::with_capacity(steps.len());
    let mut run = |data: &mut Value, step: Rfc| -> Result<()> {
        let read = |data: &Value, from: &str| {
            parse_pointer(from)?;
            data.pointer(from)
                .cloned()
                .ok_or_else(|| Error::Patch(format!("nothing at {from:?}")))
        };
        let mut one = |data: &mut Value, op: Op| -> Result<()> {
            undos.push(apply_one(data, op.clone())?);
            forward.push(op);
            Ok(())
        };
        match step {
            Rfc::Simple(op) => one(data, op),
            Rfc::Test(path, want) => {
                parse_pointer(&path)?;
                match data.pointer(&path) {
                    Some(v) if *v == want => Ok(()),
                    _ => Err(Error::Patch(format!("test at {path:?} failed"))),
                }
            }
            Rfc::Copy(from, path) => {
                let v = read(data, &from)?;
                one(data, Op::Add(path, v))
            }
            Rfc::Move(from, path) => {
                if from == path {
                    read(data, &from)?;
                    return Ok(());
                }
                if path.starts_with(&from) && path.as_bytes().get(from.len()) == Some(&b'/') {
                    return Err(Error::Patch(format!(
                        "cannot move {from:?} into itself ({path:?})"
                    )));
                }
                let v = read(data, &from)?;
                one(data, Op::Remove(from))?;
                one(data, Op::Add(path, v))
            }
        }
    };
    for step in steps {
        if let Err(e) = run(data, step) {
            for u in undos.into_iter().rev() {
                undo(data, u);
            }
            return Err(e);
        }
    }
    let backward = undos.into_iter().rev().map(undo_op).collect();
    Ok(Applied { forward, backward })
}

/// The operation that does what an [`Undo`] does (an object member it puts
/// back goes to the end).
fn undo_op(u: Undo) -> Op {
    let pointer = |segs: &[String]| {
        let mut p = String::new();
        for s in segs {
            p.push('/');
            escape_segment(s, &mut p);
        }
        p
    };
    match u {
        Undo::Insert(path, old, _) => Op::Add(pointer(&path), old),
        Undo::Remove(path) => Op::Remove(pointer(&path)),
        Undo::Replace(path, old) => Op::Replace(pointer(&path), old),
    }
}

/// Takes a JSON Patch array apart into add/remove/replace operations,
/// moving the values; gives the diff back untouched when it holds other
/// operations (move, copy, test).
pub fn into_simple_ops(diff: Value) -> Result<std::result::Result<Vec<Op>, Value>> {
    let Value::Array(items) = diff else {
        return Err(Error::Patch("a diff must be a JSON array".into()));
    };
    if items.iter().any(|i| {
        matches!(
            i.get("op").and_then(Value::as_str),
            Some("move" | "copy" | "test")
        )
    }) {
        return Ok(Err(Value::Array(items)));
    }
    let mut ops = Vec::with_capacity(items.len());
    for item in items {
        let Value::Object(mut m) = item else {
            return Err(Error::Patch(format!("operation is not an object: {item}")));
        };
        let path = match m.shift_remove("path") {
            Some(Value::String(p)) => p,
            _ => return Err(Error::Patch("operation without a string path".into())),
        };
        let op = m.get("op").and_then(Value::as_str).map(str::to_owned);
        let mut value = || {
            m.shift_remove("value")
                .ok_or_else(|| Error::Patch(format!("operation at {path:?} without a value")))
        };
        ops.push(match op.as_deref() {
            Some("add") => Op::Add(path.clone(), value()?),
            Some("replace") => Op::Replace(path.clone(), value()?),
            Some("remove") => Op::Remove(path),
            other => return Err(Error::Patch(format!("unknown operation {other:?}"))),
        });
    }
    Ok(Ok(ops))
}

/// Reads a JSON Patch array of add/remove/replace operations; `None` when it
/// holds other operations (move, copy, test), which need the general path.
pub fn simple_ops(diff: &Value) -> Result<Option<Vec<Op>>> {
    let Value::Array(items) = diff else {
        return Err(Error::Patch("a diff must be a JSON array".into()));
    };
    let mut ops = Vec::with_capacity(items.len());
    for item in items {
        let op = item.get("op").and_then(Value::as_str);
        let path = item
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::Patch(format!("operation without a string path: {item}")))?;
        let value = || {
            item.get("value")
                .cloned()
                .ok_or_else(|| Error::Patch(format!("operation without a value: {item}")))
        };
        ops.push(match op {
            Some("add") => Op::Add(path.to_owned(), value()?),
            Some("replace") => Op::Replace(path.to_owned(), value()?),
            Some("remove") => Op::Remove(path.to_owned()),
            Some("move" | "copy" | "test") => return Ok(None),
            _ => return Err(Error::Patch(format!("unknown operation: {item}"))),
        });
    }
    Ok(Some(ops))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing (patch_apply): a `move` to a path that does not
    /// exist removed the value from `from` and then failed.
    #[test]
    fn a_failed_move_changes_nothing() {
        let doc = serde_json::json!({"a": [1]});
        let mut data = doc.clone();
        let diff = serde_json::json!([{"op": "move", "from": "/a/0", "path": "/ta/0op`"}]);
        assert!(patch(&mut data, diff).is_err());
        assert_eq!(data, doc);
    }

    /// Found by fuzzing (patch_apply): `remove` of the root set the
    /// document to null when the patch held only add/remove/replace, but
    /// failed when it also held a move/copy/test (the json-patch path).
    #[test]
    fn removing_the_root_fails_either_way_and_changes_nothing() {
        let doc = serde_json::json!({"a": [1, 2]});
        for diff in [
            serde_json::json!([{"op": "add", "path": "/b", "value": 1}, {"op": "remove", "path": ""}]),
            serde_json::json!([{"op": "test", "path": "/a/0", "value": 1}, {"op": "remove", "path": ""}]),
        ] {
            let mut data = doc.clone();
            let err = patch(&mut data, diff.clone()).expect_err("remove of the root");
            assert!(!err.to_string().is_empty());
            assert_eq!(data, doc, "{diff}");
        }
    }
    use serde_json::json;

    #[test]
    fn remove_keeps_member_order() {
        let mut doc = json!({"a": 1, "b": 2, "c": 3});
        patch(&mut doc, json!([{"op": "remove", "path": "/a"}])).expect("applies");
        assert_eq!(doc.to_string(), r#"{"b":2,"c":3}"#);
    }

    #[test]
    fn a_failing_patch_changes_nothing() {
        let before = json!({"a": 1, "b": [1, 2], "c": {"d": 3}});
        let mut doc = before.clone();
        let bad = json!([
            {"op": "remove", "path": "/a"},
            {"op": "add", "path": "/b/0", "value": 0},
            {"op": "replace", "path": "/c/d", "value": 4},
            {"op": "add", "path": "/z", "value": 9},
            {"op": "replace", "path": "/missing/x", "value": 1}
        ]);
        assert!(patch(&mut doc, bad).is_err());
        assert_eq!(doc.to_string(), before.to_string(), "order too");
    }

    #[test]
    fn bad_patches_are_errors() {
        for bad in [
            json!({"op": "add"}),
            json!([{"op": "add", "path": "/x"}]),
            json!([{"op": "frobnicate", "path": ""}]),
            json!([{"op": "remove", "path": "x"}]),
            json!([{"op": "add", "path": "/a/01", "value": 1}]),
        ] {
            let mut doc = json!({"a": [1]});
            assert!(patch(&mut doc, bad.clone()).is_err(), "{bad}");
        }
        let mut doc = json!({"a": [1]});
        patch(&mut doc, json!([{"op": "add", "path": "/a/-", "value": 2}])).expect("append");
        patch(
            &mut doc,
            json!([{"op": "move", "from": "/a", "path": "/b"}]),
        )
        .expect("move");
        assert_eq!(doc, json!({"b": [1, 2]}));
    }

    /// `set_ops` and `remove_op` plan what `set` and `remove` do, quirks
    /// included (parents created, padding either way, negative indices),
    /// and the undo operations lead back.
    #[test]
    fn planned_sets_and_removes_do_what_set_and_remove_do() {
        use crate::path::{self, Step};
        let doc = json!({"a": [1, 2, 3, 4, 5, 6], "o": {"k": 1, "n": null}, "s": "x", "e": []});
        let paths: Vec<Vec<Step>> = vec![
            vec![],
            vec!["a".into()],
            vec!["a".into(), 0.into()],
            vec!["a".into(), (-1).into()],
            vec!["a".into(), 6.into()],
            vec!["a".into(), 8.into()],
            vec!["a".into(), 20.into()],
            vec!["a".into(), (-8).into()],
            vec!["a".into(), (-20).into()],
            vec!["a".into(), 2.into(), "deep".into()],
            vec!["e".into(), 0.into()],
            vec!["e".into(), 2.into()],
            vec!["e".into(), (-1).into()],
            vec!["o".into(), "k".into()],
            vec!["o".into(), "new".into(), 1.into(), "x".into()],
            vec!["s".into(), "into".into()],
            vec!["s".into(), 3.into()],
            vec!["missing".into(), "x".into()],
        ];
        for p in &paths {
            for value in [json!(7), json!(null), json!({"v": [1]})] {
                let mut want = doc.clone();
                path::set(&mut want, p, value.clone());
                let mut got = doc.clone();
                let applied = apply_undoable(&mut got, path::set_ops(&doc, p, value.clone()))
                    .expect("set ops apply");
                assert_eq!(got.to_string(), want.to_string(), "set {p:?} {value}");
                apply_owned(&mut got, applied.backward).expect("undo applies");
                assert_eq!(got, doc, "undo of set {p:?} {value}");
            }
            let mut want = doc.clone();
            path::remove(&mut want, p);
            let mut got = doc.clone();
            let ops: Vec<Op> = path::remove_op(&doc, p).into_iter().collect();
            let applied = apply_undoable(&mut got, ops).expect("remove op applies");
            assert_eq!(got.to_string(), want.to_string(), "remove {p:?}");
            apply_owned(&mut got, applied.backward).expect("undo applies");
            assert_eq!(got, doc, "undo of remove {p:?}");
        }
        // An unchanged value plans nothing.
        assert!(path::set_ops(&doc, &["o".into(), "k".into()], json!(1)).is_empty());
        assert!(path::remove_op(&doc, &["o".into(), "nope".into()]).is_none());
    }

    /// Every RFC 6902 operation, told as add/remove/replace, undone and
    /// redone; a failing test or move changes nothing.
    #[test]
    fn patches_are_undoable() {
        let doc = json!({"a": [1, 2, 3], "o": {"k": 1, "m": {"deep": true}}, "z": "last"});
        let diff = json!([
            {"op": "move", "from": "/o/m", "path": "/a/1"},
            {"op": "copy", "from": "/a/1", "path": "/copied"},
            {"op": "test", "path": "/copied/deep", "value": true},
            {"op": "remove", "path": "/a/0"},
            {"op": "add", "path": "/a/-", "value": 4},
            {"op": "replace", "path": "/z", "value": "changed"},
            {"op": "move", "from": "/o/k", "path": "/o/k"}
        ]);
        let mut want = doc.clone();
        patch(&mut want, diff.clone()).expect("json-patch applies");
        let mut got = doc.clone();
        let applied = patch_undoable(&mut got, diff).expect("applies");
        assert_eq!(got, want);
        assert!(
            applied
                .forward
                .iter()
                .all(|op| !matches!(op, Op::Remove(p) if p.is_empty()))
        );
        let mut back = got.clone();
        apply_owned(&mut back, applied.backward.clone()).expect("undo");
        assert_eq!(back, doc);
        let mut again = back.clone();
        apply_owned(&mut again, applied.forward.clone()).expect("redo");
        assert_eq!(again.to_string(), got.to_string());

        for bad in [
            json!([{"op": "remove", "path": "/z"}, {"op": "test", "path": "/a/0", "value": 9}]),
            json!([{"op": "remove", "path": "/z"}, {"op": "move", "from": "/o", "path": "/o/inner"}]),
            json!([{"op": "remove", "path": "/z"}, {"op": "copy", "from": "/nope", "path": "/x"}]),
            json!([{"op": "move", "path": "/x"}]),
        ] {
            let mut got = doc.clone();
            assert!(patch_undoable(&mut got, bad.clone()).is_err(), "{bad}");
            assert_eq!(got.to_string(), doc.to_string(), "{bad}");
        }
    }

    #[test]
    fn diff_then_patch_reaches_the_target() {
        let pairs = [
            (json!(null), json!({"a": 1})),
            (json!([1, 2, 3, 4]), json!([2, 4])),
            (json!([1]), json!([0, 1, 2, 1])),
            (
                json!({"a": {"b": [1, {"c": 2}]}}),
                json!({"a": {"b": [1, {"c": 3}, 4]}, "d/~": 1}),
            ),
        ];
        for (src, dst) in pairs {
            let mut doc = src.clone();
            patch(&mut doc, diff_json(&src, &dst)).expect("applies");
            assert_eq!(doc, dst);
        }
    }
}
