//! The four juggler messages and their JSON text.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::json;
use crate::value_parser;

/// Messages at least this long are read by [`value_parser`] first: it
/// builds the same value with fewer allocations, and says where the big
/// containers' text is (for [`crate::raw_text`]).
const BIG: usize = 64 * 1024;

pub(crate) use value_parser::Spans;

/// A request id. The reference's clients count from 1; any JSON integer is
/// accepted and echoed back unchanged.
pub type RequestId = serde_json::Number;

/// A juggler message as it travels inside one text frame (or one reassembled
/// 0.7 message).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Message {
    /// Client → server.
    Request {
        /// Chosen by the client, unique per connection.
        id: RequestId,
        /// Handler name; the empty name is a ping.
        name: String,
        /// Payload. The reference's browser client omits it when it is
        /// `undefined`; that is read as `null` here instead of failing.
        #[serde(default)]
        data: Value,
    },
    /// Server → client.
    Response {
        /// The request's id.
        id: RequestId,
        /// Whether the handler succeeded.
        success: bool,
        /// The result, or an error description.
        data: Value,
    },
    /// Server → client: a JSON Patch for the client's copy of the state.
    State {
        /// RFC 6902 operations.
        diff: Value,
    },
    /// Server → client.
    Notify {
        /// Notification name.
        name: String,
        /// Payload.
        data: Value,
    },
}

impl Message {
    /// Parses one message, with an error that says what was wrong, nested
    /// at most [`json::DEFAULT_MAX_DEPTH`] levels deep.
    pub fn decode(text: &str) -> Result<Message> {
        Self::decode_with_depth(text, json::DEFAULT_MAX_DEPTH)
    }

    /// Parses one message nested at most `max_depth` levels deep (arrays
    /// and objects, the message's own object included).
    pub fn decode_with_depth(text: &str, max_depth: usize) -> Result<Message> {
        Self::decode_with_spans(text, max_depth).map(|(msg, _)| msg)
    }

    /// [`Message::decode_with_depth`], also telling where the big
    /// containers of a big message are in `text`.
    pub(crate) fn decode_with_spans(text: &str, max_depth: usize) -> Result<(Message, Spans)> {
        if text.len() >= BIG {
            // Anything it leaves (odd or bad text) is read below as before.
            let parsed = value_parser::parse_with_spans(text);
            if let Some((msg, spans)) = parsed.and_then(|(v, spans)| Some((from_tree(v)?, spans))) {
                return Ok((msg, spans));
            }
        }
        Self::decode_plain(text, max_depth).map(|msg| (msg, Spans::new()))
    }

    fn decode_plain(text: &str, max_depth: usize) -> Result<Message> {
        // serde_json's own recursion check (128 levels) keeps the common
        // case free of a depth scan; only text that fails is scanned.
        if let Some(msg) = serde_json::from_str(text).ok().and_then(Flat::into_message) {
            return Ok(msg);
        }
        if json::nesting_depth(text, json::SERDE_LIMIT) <= json::SERDE_LIMIT {
            return Self::decode_explained(text);
        }
        json::check_depth(text, max_depth).map_err(|e| Error::Protocol(e.to_string()))?;
        json::on_deep_stack(max_depth, || {
            let flat = json::from_str_on_this_stack::<Flat>(text).ok();
            match flat.and_then(Flat::into_message) {
                Some(msg) => Ok(msg),
                None => Self::decode_explained(text),
            }
        })
    }

    /// Says what is wrong with a message that did not decode (on a stack
    /// that fits its depth).
    fn decode_explained(text: &str) -> Result<Message> {
        let value: Value = json::from_str_on_this_stack(text)
            .map_err(|e| Error::Protocol(format!("invalid JSON: {}", json_error(e))))?;
        if !value.is_object() {
            return Err(Error::Protocol(format!(
                "message is not a JSON object: {}",
                kind_of(&value)
            )));
        }
        let ty = value
            .get("type")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_default();
        serde_json::from_value(value)
            .map_err(|e| Error::Protocol(format!("invalid {ty:?} message: {e}")))
    }

    /// The message as compact JSON text.
    pub fn encode(&self) -> String {
        // Serializing a Value tree to a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The text of a `notify` message, without cloning `data`.
    pub fn encode_notify(name: &str, data: &Value) -> String {
        #[derive(Serialize)]
        struct Notify<'a> {
            #[serde(rename = "type")]
            ty: &'static str,
            name: &'a str,
            data: &'a Value,
        }
        serde_json::to_string(&Notify {
            ty: "notify",
            name,
            data,
        })
        .unwrap_or_default()
    }

    /// The text of a `response` message, without cloning `data`.
    pub fn encode_response(id: &RequestId, success: bool, data: &Value) -> String {
        #[derive(Serialize)]
        struct Response<'a> {
            #[serde(rename = "type")]
            ty: &'static str,
            id: &'a RequestId,
            success: bool,
            data: &'a Value,
        }
        serde_json::to_string(&Response {
            ty: "response",
            id,
            success,
            data,
        })
        .unwrap_or_default()
    }

    /// The text of a `notify` message whose data is JSON text already.
    pub fn encode_notify_raw(name: &str, data: &serde_json::value::RawValue) -> String {
        Self::encode_notify_json(name, data.get())
    }

    /// The text of a `notify` message around `data`, which must be JSON
    /// text (see `Connection::notify_json`): one allocation of the exact
    /// size, however large the data.
    pub(crate) fn encode_notify_json(name: &str, data: &str) -> String {
        const HEAD: &str = r#"{"type":"notify","name":"#;
        let mut out = Vec::with_capacity(HEAD.len() + name.len() + data.len() + 12);
        out.extend_from_slice(HEAD.as_bytes());
        // A string into a Vec: nothing can fail.
        let _ = serde_json::to_writer(&mut out, name);
        out.extend_from_slice(br#","data":"#);
        out.extend_from_slice(data.as_bytes());
        out.push(b'}');
        String::from_utf8(out).unwrap_or_default()
    }

    /// The text of a `request` message, without cloning `data`.
    pub fn encode_request(id: u64, name: &str, data: &Value) -> String {
        #[derive(Serialize)]
        struct Request<'a> {
            #[serde(rename = "type")]
            ty: &'static str,
            id: u64,
            name: &'a str,
            data: &'a Value,
        }
        serde_json::to_string(&Request {
            ty: "request",
            id,
            name,
            data,
        })
        .unwrap_or_default()
    }

    /// The text of a `state` message from comma-joined operation texts.
    pub fn encode_state(ops: &str) -> String {
        let mut s = String::with_capacity(ops.len() + 28);
        s.push_str("{\"type\":\"state\",\"diff\":[");
        s.push_str(ops);
        s.push_str("]}");
        s
    }

    /// A `state` message whose comma-separated operations `write_ops`
    /// writes in place: a multi-megabyte operation is written once, straight
    /// into the message, instead of being copied into it.
    pub fn encode_state_with(write_ops: impl FnOnce(&mut String)) -> String {
        let mut s = String::from(STATE_PREFIX);
        s.push('[');
        write_ops(&mut s);
        s.push_str("]}");
        s
    }

    /// The JSON Patch array within the text of a state message written by
    /// [`Message::encode_state_with`] (the whole text for any other).
    pub(crate) fn state_patch(text: &str) -> &str {
        text.strip_prefix(STATE_PREFIX)
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(text)
    }
}

/// How [`Message::encode_state_with`] starts a state message.
const STATE_PREFIX: &str = "{\"type\":\"state\",\"diff\":";

/// Every field any message has, read in one pass (serde buffers internally
/// tagged enums, which doubles the work on large messages); anything odd
/// makes [`Flat::into_message`] give up and `decode_explained` describe it.
#[derive(Deserialize)]
struct Flat {
    #[serde(rename = "type")]
    ty: String,
    id: Option<RequestId>,
    name: Option<String>,
    success: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    data: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    diff: Option<Value>,
}

/// The message a parsed value is, read as [`Flat`] reads its text; `None`
/// for anything [`Flat`] would refuse (a field of the wrong type), which
/// is then read again from the text to say what is wrong.
fn from_tree(value: Value) -> Option<Message> {
    let Value::Object(mut m) = value else {
        return None;
    };
    // `Option` fields: null is absent, as serde reads it.
    let mut field = |key: &str| m.remove(key).filter(|v| !v.is_null());
    let ty = match field("type")? {
        Value::String(s) => s,
        _ => return None,
    };
    let id = match field("id") {
        None => None,
        Some(Value::Number(n)) => Some(n),
        Some(_) => return None,
    };
    let name = match field("name") {
        None => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => return None,
    };
    let success = match field("success") {
        None => None,
        Some(Value::Bool(b)) => Some(b),
        Some(_) => return None,
    };
    // `data` and `diff` are present even when null.
    let (data, diff) = (m.remove("data"), m.remove("diff"));
    Flat {
        ty,
        id,
        name,
        success,
        data,
        diff,
    }
    .into_message()
}

/// `null` is a value here, not an absent field.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

impl Flat {
    fn into_message(self) -> Option<Message> {
        Some(match self.ty.as_str() {
            "request" => Message::Request {
                id: self.id?,
                name: self.name?,
                data: self.data.unwrap_or(Value::Null),
            },
            "response" => Message::Response {
                id: self.id?,
                success: self.success?,
                data: self.data?,
            },
            "state" => Message::State { diff: self.diff? },
            "notify" => Message::Notify {
                name: self.name?,
                data: self.data?,
            },
            _ => return None,
        })
    }
}

/// The parser's own words, without the crate's `JSON: ` prefix.
fn json_error(e: Error) -> String {
    match e {
        Error::Json(e) => e.to_string(),
        other => other.to_string(),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_every_kind() {
        let msgs = [
            json!({"type": "request", "id": 1, "name": "x", "data": [1, 2.5, "é"]}),
            json!({"type": "response", "id": 7, "success": false, "data": "boom"}),
            json!({"type": "state", "diff": [{"op": "replace", "path": "", "value": 1}]}),
            json!({"type": "notify", "name": "n", "data": {"a": null}}),
        ];
        for m in msgs {
            let decoded = Message::decode(&m.to_string()).expect("decodes");
            let again: Value = serde_json::from_str(&decoded.encode()).expect("json");
            assert_eq!(again, m);
        }
    }

    #[test]
    fn large_integers_and_floats_survive() {
        let text = r#"{"type":"notify","name":"n","data":[18446744073709551615,-9223372036854775808,0.1,1e300]}"#;
        let m = Message::decode(text).expect("decodes");
        let back: Value = serde_json::from_str(&m.encode()).expect("json");
        let orig: Value = serde_json::from_str(text).expect("json");
        assert_eq!(back, orig);
        assert!(m.encode().contains("18446744073709551615"));
        assert!(m.encode().contains("-9223372036854775808"));
    }

    #[test]
    fn null_data_is_data() {
        let m = Message::decode(r#"{"type":"response","id":1,"success":true,"data":null}"#);
        assert_eq!(
            m.ok(),
            Some(Message::Response {
                id: 1.into(),
                success: true,
                data: Value::Null
            })
        );
        let m = Message::decode(r#"{"data":null,"name":"n","type":"notify"}"#);
        assert_eq!(
            m.ok(),
            Some(Message::Notify {
                name: "n".into(),
                data: Value::Null
            })
        );
        assert!(Message::decode(r#"{"type":"response","id":1,"success":true}"#).is_err());
        assert!(Message::decode(r#"{"type":"state"}"#).is_err());
    }

    #[test]
    fn request_without_data_reads_null() {
        let m = Message::decode(r#"{"type":"request","id":3,"name":"a"}"#).expect("decodes");
        assert_eq!(
            m,
            Message::Request {
                id: 3.into(),
                name: "a".into(),
                data: Value::Null
            }
        );
    }

    #[test]
    fn bad_messages_say_what_is_wrong() {
        let cases = [
            ("{", "invalid JSON"),
            ("[1]", "not a JSON object: an array"),
            (r#"{"type":"bogus"}"#, "unknown variant"),
            (
                r#"{"type":"request","name":"a","data":1}"#,
                "missing field `id`",
            ),
            (
                r#"{"type":"request","id":"x","name":"a"}"#,
                "invalid \"request\"",
            ),
            (
                r#"{"type":"request","id":1,"name":5}"#,
                "invalid \"request\"",
            ),
        ];
        for (text, expect) in cases {
            let err = Message::decode(text).expect_err(text).to_string();
            assert!(err.contains(expect), "{text}: {err}");
        }
    }

    #[test]
    fn encoders_match_the_generic_encoding() {
        let data = json!({"k": [1, "two"]});
        let expect = |m: Message| m.encode();
        assert_eq!(
            Message::encode_notify("n", &data),
            expect(Message::Notify {
                name: "n".into(),
                data: data.clone()
            })
        );
        assert_eq!(
            Message::encode_response(&5.into(), true, &data),
            expect(Message::Response {
                id: 5.into(),
                success: true,
                data: data.clone()
            })
        );
        assert_eq!(
            Message::encode_request(5, "r", &data),
            expect(Message::Request {
                id: 5.into(),
                name: "r".into(),
                data: data.clone()
            })
        );
    }
}
