//! JSON Patch application: in place, all or nothing, and undoable.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::path::{Op, escape_segment};

/// Applies a JSON Patch (all six RFC 6902 operations) to `data` in place.
/// On error `data` is left unchanged.
pub fn patch(data: &mut Value, diff: Value) -> Result<()> {
    let diff = match into_simple_ops(diff)? {
        Ok(ops) => return apply_owned(data, ops),
        Err(diff) => diff,
    };
    let p: json_patch::Patch =
        crate::json::from_value(&diff).map_err(|e| Error::Patch(e.to_string()))?;
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
