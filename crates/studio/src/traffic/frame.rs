//! What the taps report: a frame, whose it is, which way it went and what
//! it carried.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// Whose traffic an entry is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub enum Peer {
    /// A connection to the studio's own server, by connection id.
    Connection(#[ts(type = "number")] u64),
    /// A remote session of the studio, by session id.
    Remote(String),
    /// One side of a connection through a proxy of the studio.
    Proxy {
        /// The proxy's id (`p1`…).
        proxy: String,
        /// The browser's connection id on that proxy.
        #[ts(type = "number")]
        connection: u64,
        /// Which side of the proxy the frame crossed.
        side: ProxySide,
    },
}

/// The side of a proxied connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub enum ProxySide {
    /// Between the browser and the proxy: `in` is what the browser sent.
    Browser,
    /// Between the proxy and the upstream server: `in` is what the server sent.
    Upstream,
}

/// Which way a frame went, seen from the studio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub enum Direction {
    /// Received by the studio.
    In,
    /// Sent by the studio.
    Out,
}

/// What a frame carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub enum TrafficKind {
    /// A request (`name`, `data`, request id).
    Request,
    /// A response (request id, `success`, `data`).
    Response,
    /// A state message (`data` is the JSON Patch).
    State,
    /// A notification (`name`, `data`).
    Notify,
}

/// A frame as the runtime reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct Frame {
    /// When: milliseconds since the Unix epoch (fractions allowed).
    pub time_ms: f64,
    /// Whose.
    pub peer: Peer,
    /// Which way.
    pub direction: Direction,
    /// What.
    pub kind: TrafficKind,
    /// Request or notification name.
    pub name: Option<String>,
    /// Request id of a request or response.
    #[ts(type = "number | null")]
    pub request_id: Option<u64>,
    /// A response's `success`.
    pub success: Option<bool>,
    /// The data: request or notification data, response data, state diff.
    #[ts(as = "crate::ts::JsonValue")]
    pub data: Value,
    /// Size of the message on the wire, in bytes.
    pub size: usize,
}

impl From<juggler::Direction> for Direction {
    fn from(d: juggler::Direction) -> Self {
        match d {
            juggler::Direction::In => Direction::In,
            juggler::Direction::Out => Direction::Out,
        }
    }
}

impl Frame {
    /// The frame of a juggler message's JSON text, as the traffic taps of
    /// juggler's server and client give it (`size` is the text's length);
    /// `None` when the text is not a juggler message. A request id that is
    /// not a whole number from 0 up is left out (its pair is not found).
    pub fn from_message_text(
        time_ms: f64,
        peer: Peer,
        direction: Direction,
        text: &str,
    ) -> Option<Frame> {
        use juggler::Message;
        let (kind, name, id, success, data) = match Message::decode(text).ok()? {
            Message::Request { id, name, data } => {
                (TrafficKind::Request, Some(name), id.as_u64(), None, data)
            }
            Message::Response { id, success, data } => (
                TrafficKind::Response,
                None,
                id.as_u64(),
                Some(success),
                data,
            ),
            Message::State { diff } => (TrafficKind::State, None, None, None, diff),
            Message::Notify { name, data } => (TrafficKind::Notify, Some(name), None, None, data),
        };
        Some(Frame {
            time_ms,
            peer,
            direction,
            kind,
            name,
            request_id: id,
            success,
            data,
            size: text.len(),
        })
    }
}

/// A frame as a traffic tap hands it over: its parts cloned from the
/// library's view (nothing parsed), except the patch of a state message
/// the studio's own server sends, which the library holds as text only
/// (written once for all connections): it is decoded when the frame is
/// logged, once for all the connections that got the same text.
#[derive(Debug, Clone)]
pub struct TapFrame {
    frame: Frame,
    patch: Option<Box<str>>,
}

/// The last patch text decoded, and its value.
pub type PatchCache = Option<(Box<str>, Value)>;

impl TapFrame {
    /// The frame of a tapped message. Without `keep_data` the data is left
    /// out (too large for the log, and nothing records it).
    pub fn new(time_ms: f64, peer: Peer, t: &juggler::Tapped<'_>, keep_data: bool) -> TapFrame {
        use juggler::{MessageView as M, Patch};
        let data = |d: &Value| if keep_data { d.clone() } else { Value::Null };
        let mut patch = None;
        let (kind, name, id, success, data) = match t.message {
            M::Request { id, name, data: d } => (
                TrafficKind::Request,
                Some(name.to_owned()),
                id.as_u64(),
                None,
                data(d),
            ),
            M::Response {
                id,
                success,
                data: d,
            } => (
                TrafficKind::Response,
                None,
                id.as_u64(),
                Some(success),
                data(d),
            ),
            M::State {
                diff: Patch::Value(d),
            } => (TrafficKind::State, None, None, None, data(d)),
            M::State {
                diff: Patch::Text(text),
            } => {
                patch = keep_data.then(|| Box::from(text));
                (TrafficKind::State, None, None, None, Value::Null)
            }
            M::Notify { name, data: d } => (
                TrafficKind::Notify,
                Some(name.to_owned()),
                None,
                None,
                data(d),
            ),
        };
        let frame = Frame {
            time_ms,
            peer,
            direction: t.direction.into(),
            kind,
            name,
            request_id: id,
            success,
            data,
            size: t.size,
        };
        TapFrame { frame, patch }
    }

    /// The frame, its patch decoded (`cache` holds the last one decoded).
    pub fn into_frame(self, cache: &mut PatchCache) -> Frame {
        let TapFrame { mut frame, patch } = self;
        if let Some(text) = patch {
            frame.data = match cache {
                Some((last, value)) if *last == text => value.clone(),
                _ => {
                    // The library wrote it: it is valid JSON.
                    let value = juggler::json::from_str(&text, juggler::json::DEFAULT_MAX_DEPTH)
                        .unwrap_or(Value::Null);
                    *cache = Some((text, value.clone()));
                    value
                }
            };
        }
        frame
    }
}
