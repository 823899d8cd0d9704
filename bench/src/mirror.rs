//! A client's copy of the server state, built only from the diffs it
//! receives, applied in order.
//!
//! The copy is a `sonic_rs::Value`, not a `serde_json::Value`: every node
//! of a `serde_json::Value` is its own allocation, and building one for a
//! 10.8 MB state took this load generator ~75 ms, five times what our
//! server needs to send it. That instrument cost, the same for every server,
//! hid the servers' difference in the late-joiner scenario. sonic-rs parses
//! into an arena (about 13 ms for the same message) and its values can be
//! edited in place, which is all a mirror needs. The patch semantics are
//! those of `juggler::diff::patch` (what the reference's clients do); a test
//! checks the two agree.
//!
//! Optionally the mirror watches one integer leaf (a JSON pointer): after
//! every single operation that leaf must be present once it appeared and
//! never go down, so a reordered or replayed change is caught even when the
//! final state is right.

use sonic_rs::{JsonContainerTrait, JsonValueMutTrait, JsonValueTrait, Value};

use crate::error::{Result, check_failed};

/// The mirrored state of one client.
#[derive(Debug, Clone, Default)]
pub struct Mirror {
    value: Value,
    watch: Option<Watch>,
    messages: u64,
    ops: u64,
    bytes: u64,
}

#[derive(Debug, Clone)]
struct Watch {
    pointer: String,
    last: Option<u64>,
}

impl Watch {
    fn check(&mut self, value: &Value) -> Result<()> {
        match get(value, &self.pointer) {
            None if self.last.is_some() => check_failed(format!(
                "state leaf {} disappeared after reaching {:?}",
                self.pointer, self.last
            )),
            None => Ok(()),
            Some(v) => {
                let Some(n) = v.as_u64() else {
                    return check_failed(format!(
                        "state leaf {} is {}, not an integer",
                        self.pointer,
                        sonic_rs::to_string(v).unwrap_or_default()
                    ));
                };
                if let Some(last) = self.last
                    && n < last
                {
                    return check_failed(format!(
                        "state leaf {} went back from {last} to {n} (reordered changes)",
                        self.pointer
                    ));
                }
                self.last = Some(n);
                Ok(())
            }
        }
    }
}

impl Mirror {
    /// A mirror at `null`, as every client starts.
    pub fn new() -> Self {
        Self::default()
    }

    /// A mirror at `null` that checks that the integer at `pointer` never
    /// goes down.
    pub fn watching(pointer: &str) -> Self {
        Mirror {
            watch: Some(Watch {
                pointer: pointer.to_owned(),
                last: None,
            }),
            ..Self::default()
        }
    }

    /// The mirrored state.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The mirrored value at a JSON pointer, if there is one.
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        get(&self.value, pointer)
    }

    /// State messages applied.
    pub fn messages(&self) -> u64 {
        self.messages
    }

    /// Patch operations applied.
    pub fn ops(&self) -> u64 {
        self.ops
    }

    /// Text bytes of the state messages applied (`frame_len` summed).
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Applies the diff of one state message of `frame_len` bytes. Fails
    /// when it is not an array, does not apply, or breaks the watched leaf.
    pub fn apply(&mut self, mut diff: Value, frame_len: usize) -> Result<()> {
        let Some(ops) = diff.as_array_mut() else {
            return check_failed("state diff is not an array");
        };
        self.messages += 1;
        self.ops += ops.len() as u64;
        self.bytes += frame_len as u64;
        for op in ops.iter_mut() {
            if let Err(e) = apply_op(&mut self.value, op) {
                return check_failed(format!("diff does not apply to the mirrored state: {e}"));
            }
            if let Some(watch) = &mut self.watch {
                watch.check(&self.value)?;
            }
        }
        Ok(())
    }
}

/// A `serde_json::Value` as the mirror's value type, to compare with.
pub fn to_mirror_value(value: &serde_json::Value) -> Value {
    // Through the text: serde_json's exact numbers (arbitrary_precision)
    // serialize as a private marker struct that sonic-rs would keep as an
    // object. Every JSON text parses, so the `null` fallback is never reached.
    sonic_rs::from_str(&value.to_string()).unwrap_or_default()
}

/// Why one operation did not apply.
type OpResult<T> = std::result::Result<T, String>;

fn member<'a>(op: &'a Value, name: &str) -> OpResult<&'a str> {
    op.get(name)
        .and_then(|v| v.as_str())
        .ok_or_else(|| format!("operation without a string {name:?}"))
}

fn apply_op(doc: &mut Value, op: &mut Value) -> OpResult<()> {
    let kind = member(op, "op")?.to_owned();
    let path = member(op, "path")?.to_owned();
    let mut value = || {
        op.as_object_mut()
            .and_then(|o| o.remove(&"value"))
            .ok_or_else(|| format!("{kind} at {path:?} without a value"))
    };
    match kind.as_str() {
        "add" => add(doc, &path, value()?),
        "replace" => {
            let v = value()?;
            *get_mut(doc, &path)? = v;
            Ok(())
        }
        "remove" => remove(doc, &path).map(drop),
        "move" => {
            let from = member(op, "from")?.to_owned();
            let v = remove(doc, &from)?;
            add(doc, &path, v)
        }
        "copy" => {
            let from = member(op, "from")?;
            let v = get(doc, from)
                .cloned()
                .ok_or_else(|| format!("copy from missing {from:?}"))?;
            add(doc, &path, v)
        }
        "test" => {
            let expected = value()?;
            match get(doc, &path) {
                Some(v) if *v == expected => Ok(()),
                _ => Err(format!("test at {path:?} failed")),
            }
        }
        other => Err(format!("unknown operation {other:?}")),
    }
}

// Pointers and array indexes are read by juggler's own rules, so that the
// mirror accepts and refuses exactly what `juggler::diff::patch` does.
fn tokens(pointer: &str) -> OpResult<Vec<String>> {
    juggler::diff::parse_pointer(pointer).map_err(|e| e.to_string())
}

fn index(token: &str, len: usize, allow_end: bool) -> OpResult<usize> {
    juggler::diff::parse_index(token, len, allow_end).map_err(|e| e.to_string())
}

fn get<'a>(doc: &'a Value, pointer: &str) -> Option<&'a Value> {
    let mut cur = doc;
    for token in tokens(pointer).ok()? {
        cur = if let Some(obj) = cur.as_object() {
            obj.get(&token)?
        } else if let Some(items) = cur.as_array() {
            items.get(index(&token, items.len(), false).ok()?)?
        } else {
            return None;
        };
    }
    Some(cur)
}

fn walk<'a>(doc: &'a mut Value, tokens: &[String]) -> OpResult<&'a mut Value> {
    let mut cur = doc;
    for token in tokens {
        cur = if cur.is_object() {
            cur.as_object_mut()
                .and_then(|o| o.get_mut(token))
                .ok_or_else(|| format!("no member {token:?}"))?
        } else if cur.is_array() {
            let items = cur.as_array_mut().ok_or("not an array")?;
            let idx = index(token, items.len(), false)?;
            items.get_mut(idx).ok_or("index vanished")?
        } else {
            return Err(format!("{token:?} steps into a scalar"));
        };
    }
    Ok(cur)
}

fn get_mut<'a>(doc: &'a mut Value, pointer: &str) -> OpResult<&'a mut Value> {
    walk(doc, &tokens(pointer)?)
}

fn add(doc: &mut Value, pointer: &str, value: Value) -> OpResult<()> {
    let tokens = tokens(pointer)?;
    let Some((last, parents)) = tokens.split_last() else {
        *doc = value;
        return Ok(());
    };
    let parent = walk(doc, parents)?;
    if parent.is_object() {
        if let Some(obj) = parent.as_object_mut() {
            obj.insert(last, value);
        }
        Ok(())
    } else if let Some(items) = parent.as_array_mut() {
        let idx = index(last, items.len(), true)?;
        items.insert(idx, value);
        Ok(())
    } else {
        Err(format!("{pointer:?}: parent is not a container"))
    }
}

fn remove(doc: &mut Value, pointer: &str) -> OpResult<Value> {
    let tokens = tokens(pointer)?;
    let Some((last, parents)) = tokens.split_last() else {
        return Err("remove of the whole document (path \"\")".into());
    };
    let parent = walk(doc, parents)?;
    if parent.is_object() {
        parent
            .as_object_mut()
            .and_then(|o| o.remove(last))
            .ok_or_else(|| format!("remove of missing member {last:?}"))
    } else if let Some(items) = parent.as_array_mut() {
        let idx = index(last, items.len(), false)?;
        let v = items.get_mut(idx).map(Value::take).unwrap_or_default();
        items.remove(idx);
        Ok(v)
    } else {
        Err(format!("{pointer:?}: parent is not a container"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn apply_json(m: &mut Mirror, diff: serde_json::Value) -> Result<()> {
        let len = diff.to_string().len();
        m.apply(to_mirror_value(&diff), len)
    }

    #[test]
    fn mirror_follows_diffs_to_the_final_state() {
        let mut m = Mirror::watching("/v");
        // What a coalescing server sends: the first change replaces the
        // whole null state, the next ones the leaf, two in one message.
        for diff in [
            json!([{"op": "replace", "path": "", "value": {"v": 1}}]),
            json!([{"op": "replace", "path": "/v", "value": 2},
                   {"op": "replace", "path": "/v", "value": 3}]),
            json!([{"op": "add", "path": "/w", "value": [1, 2]},
                   {"op": "remove", "path": "/w/0"}]),
        ] {
            apply_json(&mut m, diff).expect("diff applies");
        }
        assert_eq!(m.value(), &to_mirror_value(&json!({"v": 3, "w": [2]})));
        assert_eq!((m.messages(), m.ops()), (3, 5));
        assert!(m.bytes() > 0);
        assert_eq!(m.pointer("/w/0").and_then(|v| v.as_u64()), Some(2));
    }

    #[test]
    fn mirror_catches_reordering_and_bad_diffs() {
        let mut m = Mirror::watching("/v");
        apply_json(
            &mut m,
            json!([{"op": "replace", "path": "", "value": {"v": 5}}]),
        )
        .expect("first diff applies");
        // Reordered: 4 after 5, even if a later op puts 6.
        let err = apply_json(
            &mut m,
            json!([{"op": "replace", "path": "/v", "value": 4},
                   {"op": "replace", "path": "/v", "value": 6}]),
        )
        .expect_err("going back is caught");
        assert!(err.to_string().contains("went back"), "{err}");

        let mut m = Mirror::new();
        let bad = [
            json!([{"op": "replace", "path": "/a/b", "value": 1}]),
            json!({"op": "add"}),
            json!([{"op": "remove", "path": ""}]),
            json!([{"op": "frobnicate", "path": ""}]),
            json!([{"op": "add", "path": "x", "value": 1}]),
        ];
        for diff in bad {
            assert!(apply_json(&mut m, diff.clone()).is_err(), "{diff}");
        }
    }

    /// The mirror ends where `juggler::diff::patch` ends, for diffs of every
    /// operation on objects, arrays (indexes, `-`, leading zeros refused)
    /// and escaped member names.
    #[test]
    fn mirror_agrees_with_juggler_patch() {
        let start = json!({"a": [1, 2, 3], "b": {"x/y": 1, "m~n": [true]}, "c": null});
        let diffs = [
            json!([{"op": "add", "path": "/a/1", "value": {"k": "v"}}]),
            json!([{"op": "add", "path": "/a/-", "value": 9}]),
            json!([{"op": "remove", "path": "/a/0"}]),
            json!([{"op": "replace", "path": "/b/x~1y", "value": [1, {"z": 2}]}]),
            json!([{"op": "add", "path": "/b/m~0n/0", "value": false}]),
            json!([{"op": "move", "from": "/a/0", "path": "/moved"}]),
            json!([{"op": "copy", "from": "/b", "path": "/a/0"}]),
            json!([{"op": "test", "path": "/c", "value": null}]),
            json!([{"op": "add", "path": "/c", "value": 1.5}]),
            json!([{"op": "replace", "path": "", "value": {"fresh": [1, "two"]}}]),
            json!([{"op": "add", "path": "/fresh/01", "value": 0}]),
            json!([{"op": "remove", "path": "/fresh/7"}]),
            json!([{"op": "test", "path": "/fresh/0", "value": 2}]),
        ];
        let mut reference = start.clone();
        let mut m = Mirror::new();
        apply_json(
            &mut m,
            json!([{"op": "replace", "path": "", "value": start}]),
        )
        .expect("start applies");
        for diff in diffs {
            let ours = apply_json(&mut m, diff.clone());
            let theirs = juggler::diff::patch(&mut reference, diff.clone());
            assert_eq!(
                ours.is_ok(),
                theirs.is_ok(),
                "{diff}: {ours:?} / {theirs:?}"
            );
            assert_eq!(m.value(), &to_mirror_value(&reference), "after {diff}");
        }
    }
}
