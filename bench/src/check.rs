//! Correctness checkers of the load generator: reading server frames,
//! comparing answered data, mirroring the state from its diffs (with
//! `juggler::diff::patch`) and the latency statistics.
//!
//! They are pure (no I/O) so that `cargo test` covers them.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::{Result, check_failed};

/// One server → client message of juggler 0.6, as the load generator
/// reads it: data stays raw text (no tree is built for answers and
/// notifications), diffs are parsed because they are applied.
#[derive(Debug)]
pub enum Frame<'a> {
    /// An answer to a request.
    Response {
        /// The request's id.
        id: u64,
        /// Whether the handler succeeded.
        success: bool,
        /// The data as raw JSON text; `None` for `null`.
        data: Option<&'a RawValue>,
    },
    /// A state diff.
    State {
        /// The JSON Patch array.
        diff: Value,
    },
    /// A notification.
    Notify {
        /// Its name.
        name: Cow<'a, str>,
        /// The data as raw JSON text; `None` for `null`.
        data: Option<&'a RawValue>,
    },
}

#[derive(Deserialize)]
struct RawFrame<'a> {
    #[serde(rename = "type", borrow)]
    ty: Cow<'a, str>,
    #[serde(default)]
    id: Option<u64>,
    #[serde(default)]
    success: Option<bool>,
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
    #[serde(default, borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(default)]
    diff: Option<Value>,
}

/// Reads one text frame sent by a server; fails on anything that is not a
/// well-formed `response`, `state` or `notify` message.
pub fn parse_frame(text: &str) -> Result<Frame<'_>> {
    let raw: RawFrame<'_> = match serde_json::from_str(text) {
        Ok(raw) => raw,
        Err(e) => return check_failed(format!("bad frame from server ({e}): {}", clip(text))),
    };
    match raw.ty.as_ref() {
        "response" => match (raw.id, raw.success) {
            (Some(id), Some(success)) => Ok(Frame::Response {
                id,
                success,
                data: raw.data,
            }),
            _ => check_failed(format!(
                "response without integer id or boolean success: {}",
                clip(text)
            )),
        },
        "state" => match raw.diff {
            Some(diff @ Value::Array(_)) => Ok(Frame::State { diff }),
            _ => check_failed(format!(
                "state message without a diff array: {}",
                clip(text)
            )),
        },
        "notify" => match raw.name {
            Some(name) => Ok(Frame::Notify {
                name,
                data: raw.data,
            }),
            None => check_failed(format!("notify without a name: {}", clip(text))),
        },
        other => check_failed(format!("unexpected message type {other:?}")),
    }
}

/// The first 200 characters of `text`, for error messages.
pub fn clip(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(200) {
        None => Cow::Borrowed(text),
        Some((i, _)) => Cow::Owned(format!("{}… ({} bytes)", &text[..i], text.len())),
    }
}

/// Whether raw data from a frame (`None` = `null`) is the JSON value whose
/// compact text is `expected`. Texts are compared first; when they differ
/// (the reference writes `", "` and `": "` separators) the values are.
pub fn data_matches(data: Option<&RawValue>, expected: &str) -> bool {
    let raw = data.map_or("null", RawValue::get);
    if raw == expected {
        return true;
    }
    match (
        serde_json::from_str::<Value>(raw),
        serde_json::from_str::<Value>(expected),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// A client's copy of the server state, built only from the diffs it
/// receives, applied in order with `juggler::diff::patch` (which applies
/// them as the reference's clients do).
///
/// Optionally it watches one integer leaf (a JSON pointer): after every
/// single operation that leaf must be present once it appeared and never
/// go down, so a reordered or replayed change is caught even when the
/// final state is right.
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
        match value.pointer(&self.pointer) {
            None if self.last.is_some() => check_failed(format!(
                "state leaf {} disappeared after reaching {:?}",
                self.pointer, self.last
            )),
            None => Ok(()),
            Some(v) => {
                let Some(n) = v.as_u64() else {
                    return check_failed(format!(
                        "state leaf {} is {v}, not an integer",
                        self.pointer
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
    pub fn apply(&mut self, diff: Value, frame_len: usize) -> Result<()> {
        let Value::Array(ops) = diff else {
            return check_failed("state diff is not an array");
        };
        self.messages += 1;
        self.ops += ops.len() as u64;
        self.bytes += frame_len as u64;
        let Mirror { value, watch, .. } = self;
        match watch {
            None => patch(value, Value::Array(ops)),
            Some(watch) => {
                for op in ops {
                    patch(value, Value::Array(vec![op]))?;
                    watch.check(value)?;
                }
                Ok(())
            }
        }
    }
}

fn patch(value: &mut Value, diff: Value) -> Result<()> {
    match juggler::diff::patch(value, diff) {
        Ok(()) => Ok(()),
        Err(e) => check_failed(format!("diff does not apply to the mirrored state: {e}")),
    }
}

/// The `p`-th percentile (0–100, nearest rank) of ascending `sorted`;
/// `None` when empty.
pub fn percentile(sorted: &[u32], p: f64) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (p.clamp(0.0, 100.0) / 100.0 * n as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, n) - 1])
}

/// The index of the median of `values` (the lower one of an even count);
/// `None` when empty. NaNs sort last.
pub fn median_index(values: &[f64]) -> Option<usize> {
    if values.is_empty() {
        return None;
    }
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    Some(idx[(values.len() - 1) / 2])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state(diff: Value) -> (Value, usize) {
        let len = diff.to_string().len();
        (diff, len)
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
            let (d, len) = state(diff);
            m.apply(d, len).expect("diff applies");
        }
        assert_eq!(m.value(), &json!({"v": 3, "w": [2]}));
        assert_eq!((m.messages(), m.ops()), (3, 5));
        assert!(m.bytes() > 0);
    }

    #[test]
    fn mirror_catches_reordering_and_bad_diffs() {
        let mut m = Mirror::watching("/v");
        let (d, len) = state(json!([{"op": "replace", "path": "", "value": {"v": 5}}]));
        m.apply(d, len).expect("first diff applies");
        // Reordered: 4 after 5, even if a later op puts 6.
        let (d, len) = state(json!([{"op": "replace", "path": "/v", "value": 4},
                                     {"op": "replace", "path": "/v", "value": 6}]));
        let err = m.apply(d, len).expect_err("going back is caught");
        assert!(err.to_string().contains("went back"), "{err}");

        let mut m = Mirror::new();
        let (d, len) = state(json!([{"op": "replace", "path": "/a/b", "value": 1}]));
        assert!(m.apply(d, len).is_err(), "a diff that does not apply fails");
        assert!(m.apply(json!({"op": "add"}), 1).is_err(), "not an array");
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&v, 100.0), Some(100));
        assert_eq!(percentile(&v, 0.0), Some(1));
        assert_eq!(percentile(&[7], 50.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(median_index(&[3.0, 1.0, 2.0]), Some(2));
        assert_eq!(median_index(&[4.0, 1.0, 3.0, 2.0]), Some(3));
        assert_eq!(median_index(&[]), None);
    }

    #[test]
    fn frames_parse_and_data_compares_by_value() {
        // The reference's encoder writes spaces after separators.
        let text = r#"{"type": "response", "id": 7, "success": true, "data": [1, {"a": "x"}]}"#;
        match parse_frame(text).expect("response parses") {
            Frame::Response { id, success, data } => {
                assert_eq!((id, success), (7, true));
                assert!(data_matches(data, r#"[1,{"a":"x"}]"#));
                assert!(!data_matches(data, r#"[1,{"a":"y"}]"#));
            }
            other => panic!("not a response: {other:?}"),
        }
        match parse_frame(r#"{"type":"response","id":1,"success":true,"data":null}"#)
            .expect("null data parses")
        {
            Frame::Response { data, .. } => assert!(data_matches(data, "null")),
            other => panic!("not a response: {other:?}"),
        }
        assert!(matches!(
            parse_frame(r#"{"type":"notify","name":"n","data":"x"}"#),
            Ok(Frame::Notify { .. })
        ));
        assert!(matches!(
            parse_frame(r#"{"type":"state","diff":[]}"#),
            Ok(Frame::State { .. })
        ));
        assert!(parse_frame(r#"{"type":"state","diff":{}}"#).is_err());
        assert!(parse_frame(r#"{"type":"request","id":1,"name":"","data":1}"#).is_err());
        assert!(parse_frame("not json").is_err());
    }
}
