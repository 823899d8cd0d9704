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
    /// Connecting failed: nothing answered, TLS failed, or the server
    /// refused the WebSocket handshake (an HTTP status). `kind` tells which
    /// (and whether trying again can help: [`ConnectFailure::is_transient`]);
    /// `message` says it with what to do. Errors of the address itself
    /// (not `ws://`/`wss://`) are [`Error::Config`].
    #[error("{message}")]
    Connect {
        /// Which way it failed.
        kind: ConnectFailure,
        /// The whole text shown.
        message: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
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
    /// An I/O failure of this side (listening, reading files); a client's
    /// failure to reach a server is [`Error::Connect`].
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

/// Which way a connect failed (see [`Error::Connect`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectFailure {
    /// Nothing answered: connection refused, unknown host, network
    /// unreachable, reset.
    Unreachable,
    /// No answer within `ClientBuilder::connect_timeout`.
    TimedOut,
    /// TLS failed: a refused certificate ([`Error::certificate_refused`]
    /// says why), or TLS on one side only.
    Tls,
    /// The server answered the WebSocket handshake with this HTTP status
    /// (401 without credentials, 404 at another path, 302 to its index page…).
    HttpStatus(u16),
    /// The server did not answer as a WebSocket server.
    Handshake,
    /// The address cannot be connected to as written.
    Address,
}

impl ConnectFailure {
    /// Whether trying again later may succeed without changing anything
    /// (the server down or restarting, a network failure); the others need
    /// the address, the trust or the credentials changed.
    pub fn is_transient(&self) -> bool {
        match self {
            ConnectFailure::Unreachable | ConnectFailure::TimedOut => true,
            ConnectFailure::HttpStatus(status) => *status >= 500,
            _ => false,
        }
    }
}

impl std::fmt::Display for CertificateRefusal {
    /// Why, in words: "it has expired".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CertificateRefusal::UnknownIssuer => {
                "it is signed by no CA this client trusts (self-signed, or by a private CA)"
            }
            CertificateRefusal::CaUsedAsEndEntity => {
                "it is a CA certificate used as the server's own (a self-signed one, as \
                 openssl req -x509 makes)"
            }
            CertificateRefusal::Expired => "it has expired",
            CertificateRefusal::NotValidYet => {
                "it is not valid yet (check this machine's clock and the server's)"
            }
            CertificateRefusal::WrongName => {
                "it is not made for the host in the address (use the name it was made for)"
            }
            CertificateRefusal::Revoked => "it has been revoked",
            CertificateRefusal::Other => "it could not be verified",
        })
    }
}

impl Error {
    /// [`Error::ConnectionClosed`] with `reason`, or a general one while
    /// the reason is not known yet.
    pub(crate) fn closed(reason: Option<String>) -> Error {
        Error::ConnectionClosed {
            reason: reason.unwrap_or_else(|| "the connection is closing".into()),
        }
    }

    /// Which way a connect failed, when this is a connect's error.
    pub fn connect_failure(&self) -> Option<ConnectFailure> {
        match self {
            Error::Connect { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// Why the server's certificate was refused, when that ended a connect.
    pub fn certificate_refused(&self) -> Option<CertificateRefusal> {
        let Error::Connect {
            source: Some(source),
            ..
        } = self
        else {
            return None;
        };
        let tokio_tungstenite::tungstenite::Error::Io(io) = source.downcast_ref()? else {
            return None;
        };
        let Some(rustls::Error::InvalidCertificate(e)) = io.get_ref()?.downcast_ref() else {
            return None;
        };
        Some(crate::client::refusal_of(e))
    }

    /// The HTTP status the server refused the WebSocket handshake with.
    pub fn http_status(&self) -> Option<u16> {
        match self.connect_failure()? {
            ConnectFailure::HttpStatus(status) => Some(status),
            _ => None,
        }
    }
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
