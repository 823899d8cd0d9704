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
