//! Errors of the juggler crate.

use serde_json::Value;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The peer answered a request with `success: false`; carries its `data`.
    #[error("request failed: {0}")]
    Juggler(Value),
    /// The connection is closed (or closed before the answer arrived).
    /// Match it as `Error::ConnectionClosed { .. }`.
    #[error("connection closed: {reason}")]
    ConnectionClosed {
        /// Why, as `close_reason()` of the client or connection says it:
        /// who closed, and what broke (a wrong generation, a message over
        /// `max_message_size`, a ping timeout…).
        reason: String,
    },
    /// A message over the receiving side's `max_message_size` (it closes
    /// the connection; the reason of the closed connection says so).
    #[error(
        "a message of at least {size} bytes is over the limit of {limit} bytes \
         (max_message_size of the receiving side)"
    )]
    MessageTooLarge {
        /// The message's size, as far as it was read.
        size: usize,
        /// The `max_message_size` in force.
        limit: usize,
    },
    /// The send queue is full (from the non-blocking `try_` variants).
    #[error("send queue full")]
    QueueFull,
    /// The server answered the WebSocket handshake with an HTTP status
    /// instead of switching protocols (401 without credentials, 404 at
    /// another path…); `message` says so with the status and a hint.
    #[error("{message}")]
    HttpStatus {
        /// The HTTP status code.
        status: u16,
        /// The whole text shown.
        message: String,
    },
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

/// Why a server's TLS certificate was refused (see
/// [`Error::certificate_refused`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateRefusal {
    /// Signed by no trusted CA: self-signed, or by a private CA.
    UnknownIssuer,
    /// A CA certificate served as the server's own, as `openssl req -x509`
    /// makes self-signed ones.
    CaUsedAsEndEntity,
    /// Expired.
    Expired,
    /// Not valid yet.
    NotValidYet,
    /// Not made for the host in the URL.
    WrongName,
    /// Revoked.
    Revoked,
    /// Refused for another reason.
    Other,
}

impl Error {
    /// [`Error::ConnectionClosed`] with `reason`, or a general one while
    /// the reason is not known yet.
    pub(crate) fn closed(reason: Option<String>) -> Error {
        Error::ConnectionClosed {
            reason: reason.unwrap_or_else(|| "the connection is closing".into()),
        }
    }

    /// Why the server's certificate was refused, when that ended a connect.
    pub fn certificate_refused(&self) -> Option<CertificateRefusal> {
        use rustls::CertificateError as C;
        let Error::WebSocket(tokio_tungstenite::tungstenite::Error::Io(io)) = self else {
            return None;
        };
        let Some(rustls::Error::InvalidCertificate(e)) = io.get_ref()?.downcast_ref() else {
            return None;
        };
        Some(match e {
            C::UnknownIssuer => CertificateRefusal::UnknownIssuer,
            C::Expired | C::ExpiredContext { .. } => CertificateRefusal::Expired,
            C::NotValidYet | C::NotValidYetContext { .. } => CertificateRefusal::NotValidYet,
            C::NotValidForName | C::NotValidForNameContext { .. } => CertificateRefusal::WrongName,
            C::Revoked => CertificateRefusal::Revoked,
            C::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
                Some(webpki::Error::CaUsedAsEndEntity) => CertificateRefusal::CaUsedAsEndEntity,
                Some(webpki::Error::UnknownIssuer) => CertificateRefusal::UnknownIssuer,
                _ => CertificateRefusal::Other,
            },
            _ => CertificateRefusal::Other,
        })
    }

    /// The HTTP status the server refused the WebSocket handshake with.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::HttpStatus { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
