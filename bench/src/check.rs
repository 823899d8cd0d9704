//! Correctness checkers of the load generator: reading server frames,
//! comparing answered data and the latency statistics (the state mirror is
//! in [`crate::mirror`]).
//!
//! They are pure (no I/O) so that `cargo test` covers them.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;
use sonic_rs::{JsonValueTrait, LazyValue};

use crate::error::{Result, check_failed};

/// One server → client message of juggler 0.6, as the load generator
/// reads it (with sonic-rs, see [`crate::mirror`] for why): data stays raw
/// text (no tree is built for answers and notifications), diffs are parsed
/// because they are applied.
#[derive(Debug)]
pub enum Frame<'a> {
    /// An answer to a request.
    Response {
        /// The request's id.
        id: u64,
        /// Whether the handler succeeded.
        success: bool,
        /// The data as raw JSON text; `None` for `null`.
        data: Option<Cow<'a, str>>,
    },
    /// A state diff.
    State {
        /// The JSON Patch array.
        diff: sonic_rs::Value,
    },
    /// A notification.
    Notify {
        /// Its name.
        name: Cow<'a, str>,
        /// The data as raw JSON text; `None` for `null`.
        data: Option<Cow<'a, str>>,
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
    data: Option<LazyValue<'a>>,
    #[serde(default, borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(default)]
    diff: Option<sonic_rs::Value>,
}

/// Reads one text frame sent by a server; fails on anything that is not a
/// well-formed `response`, `state` or `notify` message.
pub fn parse_frame(text: &str) -> Result<Frame<'_>> {
    let raw: RawFrame<'_> = match sonic_rs::from_str(text) {
        Ok(raw) => raw,
        Err(e) => return check_failed(format!("bad frame from server ({e}): {}", clip(text))),
    };
    match raw.ty.as_ref() {
        "response" => match (raw.id, raw.success) {
            (Some(id), Some(success)) => Ok(Frame::Response {
                id,
                success,
                data: raw.data.map(|d| d.as_raw_cow()),
            }),
            _ => check_failed(format!(
                "response without integer id or boolean success: {}",
                clip(text)
            )),
        },
        "state" => match raw.diff {
            Some(diff) if diff.is_array() => Ok(Frame::State { diff }),
            _ => check_failed(format!(
                "state message without a diff array: {}",
                clip(text)
            )),
        },
        "notify" => match raw.name {
            Some(name) => Ok(Frame::Notify {
                name,
                data: raw.data.map(|d| d.as_raw_cow()),
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
pub fn data_matches(data: Option<&str>, expected: &str) -> bool {
    let raw = data.unwrap_or("null");
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
                assert!(data_matches(data.as_deref(), r#"[1,{"a":"x"}]"#));
                assert!(!data_matches(data.as_deref(), r#"[1,{"a":"y"}]"#));
            }
            other => panic!("not a response: {other:?}"),
        }
        match parse_frame(r#"{"type":"response","id":1,"success":true,"data":null}"#)
            .expect("null data parses")
        {
            Frame::Response { data, .. } => assert!(data_matches(data.as_deref(), "null")),
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
