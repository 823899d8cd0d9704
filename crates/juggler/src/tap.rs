//! Traffic taps: what a server's or a client's `on_traffic` sees of each
//! message — its parts as the library holds them (decoded on the way in,
//! about to be written on the way out), so that a tap never parses the
//! text again — and the outgoing message that keeps those parts for it.

use std::sync::Arc;

use serde_json::Value;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::link::Direction;
use crate::message::{Message, RequestId};

/// One message a traffic tap sees.
#[derive(Debug, Clone, Copy)]
pub struct Tapped<'a> {
    /// Which way it went, seen from this side.
    pub direction: Direction,
    /// What it carries.
    pub message: MessageView<'a>,
    /// Bytes of its JSON text (a 0.7 message after reassembly, before
    /// segmentation).
    pub size: usize,
}

/// A juggler message's parts, borrowed.
#[derive(Debug, Clone, Copy)]
pub enum MessageView<'a> {
    /// Client → server.
    Request {
        /// Its id.
        id: &'a RequestId,
        /// Handler name; empty for a ping.
        name: &'a str,
        /// Payload.
        data: &'a Value,
    },
    /// Server → client.
    Response {
        /// The request's id.
        id: &'a RequestId,
        /// Whether the handler succeeded.
        success: bool,
        /// The result, or an error description.
        data: &'a Value,
    },
    /// Server → client: a JSON Patch.
    State {
        /// The operations.
        diff: Patch<'a>,
    },
    /// Server → client.
    Notify {
        /// Notification name.
        name: &'a str,
        /// Payload.
        data: &'a Value,
    },
}

/// A state message's JSON Patch, in the form the library has it.
#[derive(Debug, Clone, Copy)]
pub enum Patch<'a> {
    /// Decoded: a state message a client received.
    Value(&'a Value),
    /// The compact JSON text of the operations array: a state message a
    /// server sends, written once for every connection that gets it.
    Text(&'a str),
}

impl<'a> MessageView<'a> {
    /// The view of a decoded message.
    pub fn of(message: &'a Message) -> MessageView<'a> {
        match message {
            Message::Request { id, name, data } => MessageView::Request { id, name, data },
            Message::Response { id, success, data } => MessageView::Response {
                id,
                success: *success,
                data,
            },
            Message::State { diff } => MessageView::State {
                diff: Patch::Value(diff),
            },
            Message::Notify { name, data } => MessageView::Notify { name, data },
        }
    }
}

/// A tap as the link's owners call it.
pub(crate) type Tap = Arc<dyn Fn(&Tapped<'_>) + Send + Sync>;

/// Calls `tap`, if any, with one message.
pub(crate) fn tap(tap: Option<&Tap>, direction: Direction, message: MessageView<'_>, size: usize) {
    if let Some(tap) = tap {
        tap(&Tapped {
            direction,
            message,
            size,
        });
    }
}

/// A message on its way out: its text and, when a tap watches the
/// connection, the parts it was written from (a state message's patch is a
/// slice of its text).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Out {
    text: Utf8Bytes,
    parts: Option<Box<Parts>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Parts {
    Response {
        id: RequestId,
        success: bool,
        data: Value,
    },
    Notify {
        name: String,
        data: Value,
    },
}

impl Out {
    /// An answer; its parts kept when `tapped`.
    pub(crate) fn response(id: RequestId, success: bool, data: Value, tapped: bool) -> Out {
        let text = Message::encode_response(&id, success, &data).into();
        let parts = tapped.then(|| Box::new(Parts::Response { id, success, data }));
        Out { text, parts }
    }

    /// A notification; its parts kept when `tapped`.
    pub(crate) fn notify(name: &str, data: Value, tapped: bool) -> Out {
        let text = Message::encode_notify(name, &data).into();
        let parts = tapped.then(|| {
            Box::new(Parts::Notify {
                name: name.to_owned(),
                data,
            })
        });
        Out { text, parts }
    }

    /// Its JSON text.
    #[cfg(test)]
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// A notification whose data is JSON text already; when `tapped`, its
    /// parts are kept (the data decoded for them).
    pub(crate) fn notify_json(name: &str, data: &str, tapped: bool) -> Out {
        let text = Message::encode_notify_json(name, data).into();
        let parts = tapped.then(|| {
            Box::new(Parts::Notify {
                name: name.to_owned(),
                data: serde_json::from_str(data).unwrap_or(Value::Null),
            })
        });
        Out { text, parts }
    }

    /// The text to send.
    pub(crate) fn into_text(self) -> Utf8Bytes {
        self.text
    }

    /// What a tap sees of it: the parts kept, else (a state message) the
    /// patch within its text.
    pub(crate) fn view(&self) -> MessageView<'_> {
        match self.parts.as_deref() {
            Some(Parts::Response { id, success, data }) => MessageView::Response {
                id,
                success: *success,
                data,
            },
            Some(Parts::Notify { name, data }) => MessageView::Notify { name, data },
            None => MessageView::State {
                diff: Patch::Text(Message::state_patch(&self.text)),
            },
        }
    }
}

/// A state message (or, in tests, any text without parts).
impl From<Utf8Bytes> for Out {
    fn from(text: Utf8Bytes) -> Out {
        Out { text, parts: None }
    }
}

impl From<String> for Out {
    fn from(text: String) -> Out {
        Out {
            text: text.into(),
            parts: None,
        }
    }
}

impl std::ops::Deref for Out {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}
