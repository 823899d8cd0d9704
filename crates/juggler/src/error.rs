//! Errors of the juggler crate.

use serde_json::Value;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The peer answered a request with `success: false`; carries its `data`.
    #[error("request failed: {0}")]
    Juggler(Value),
    /// The connection is closed (or closed before the answer arrived).
    #[error("connection closed")]
    ConnectionClosed,
    /// The send queue is full (from the non-blocking `try_` variants).
    #[error("send queue full")]
    QueueFull,
    /// The peer broke the protocol; the connection is closed.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// A state path that is not a list of strings and integers.
    #[error("invalid path: {0}")]
    InvalidPath(String),
    /// A JSON Patch that does not apply to the mirrored state.
    #[error("patch does not apply: {0}")]
    Patch(String),
    /// A setting or an argument that cannot work, with what to change.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// TLS set-up failed (certificate, key or trust store).
    #[error("TLS: {0}")]
    Tls(String),
    /// A WebSocket-level failure.
    #[error("websocket: {0}")]
    WebSocket(#[from] tokio_tungstenite::tungstenite::Error),
    /// An I/O failure (bind, files).
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// JSON text nested deeper than allowed (arrays and objects).
    #[error(
        "JSON nested more than {max_depth} levels deep: refused (the limit is TransportConfig::max_depth)"
    )]
    TooDeep {
        /// The bound in force.
        max_depth: usize,
    },
    /// JSON that does not parse or does not serialize.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
