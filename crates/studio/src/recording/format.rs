//! The recording file: NDJSON, UTF-8, one JSON object per line.
//!
//! ```text
//! {"format":"juggler-studio-recording","version":1,"generation":"0.6","startedAt":1764064800000,"url":"ws://plant:8080/ws","source":"remote r1"}
//! {"t":0.0,"kind":"state","diff":[{"op":"replace","path":"","value":{"temp":20}}]}
//! {"t":12.5,"kind":"request","id":1,"name":"pump.start","data":{"pump":2}}
//! {"t":14.1,"kind":"response","id":1,"success":true,"data":"started"}
//! {"t":900.0,"kind":"notify","name":"alarm","data":{"level":3}}
//! ```
//!
//! `t` is milliseconds since `startedAt`. Requests are the client's, the
//! rest the server's: the view of one connection, whichever side recorded
//! it. Applying every `state` diff in order to `null` gives the state the
//! client had at that moment.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::traffic::{Frame, TrafficKind};

/// The `format` of the header line.
pub const FORMAT: &str = "juggler-studio-recording";
/// The newest version this studio writes and reads.
pub const VERSION: u32 = 1;

/// The first line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR, rename = "RecordingHeader")]
pub struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// The file layout's version ([`VERSION`]).
    pub version: u32,
    /// The wire generation of the recorded connection: `"0.6"` or `"0.7"`.
    pub generation: String,
    /// When recording started: milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub started_at: u64,
    /// The server's juggler URL, when known.
    pub url: Option<String>,
    /// What was recorded: `remote r1`, `connection 3`, `record URL`…
    pub source: String,
}

impl Header {
    /// A header for a recording starting now.
    pub fn new(generation: &str, url: Option<String>, source: impl Into<String>) -> Header {
        Header {
            format: FORMAT.into(),
            version: VERSION,
            generation: generation.into(),
            started_at: crate::time::now_ms(),
            url,
            source: source.into(),
        }
    }
}

/// One line after the header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = crate::ts::DIR, rename = "RecordingEntry")]
pub struct Entry {
    /// Milliseconds since the header's `startedAt`.
    pub t: f64,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
}

/// What happened on the connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR, rename = "RecordingEvent")]
pub enum Event {
    /// The server's state changed by this JSON Patch.
    State {
        /// The JSON Patch, as sent.
        #[ts(as = "crate::ts::JsonValue")]
        diff: Value,
    },
    /// The server sent a notification.
    Notify {
        /// Its name.
        name: String,
        /// Its data.
        #[ts(as = "crate::ts::JsonValue")]
        data: Value,
    },
    /// The client sent a request.
    Request {
        /// The request id on that connection.
        #[ts(type = "number")]
        id: u64,
        /// Its name (empty: a ping).
        name: String,
        /// Its data.
        #[ts(as = "crate::ts::JsonValue")]
        data: Value,
    },
    /// The server answered a request.
    Response {
        /// The request's id.
        #[ts(type = "number")]
        id: u64,
        /// Whether it succeeded.
        success: bool,
        /// The result, or the error.
        #[ts(as = "crate::ts::JsonValue")]
        data: Value,
    },
}

impl Event {
    /// The event of a traffic frame; `None` for a request or response
    /// without a usable id.
    pub fn from_frame(frame: Frame) -> Option<Event> {
        Some(match frame.kind {
            TrafficKind::State => Event::State { diff: frame.data },
            TrafficKind::Notify => Event::Notify {
                name: frame.name.unwrap_or_default(),
                data: frame.data,
            },
            TrafficKind::Request => Event::Request {
                id: frame.request_id?,
                name: frame.name.unwrap_or_default(),
                data: frame.data,
            },
            TrafficKind::Response => Event::Response {
                id: frame.request_id?,
                success: frame.success.unwrap_or(false),
                data: frame.data,
            },
        })
    }

    /// `state`, `notify`, `request` or `response`.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::State { .. } => "state",
            Event::Notify { .. } => "notify",
            Event::Request { .. } => "request",
            Event::Response { .. } => "response",
        }
    }
}
