//! Why a connect failed, in one [`Error::Connect`] with what to do: the
//! mistakes a first connect makes (no `/ws` path, `http://`, TLS on one
//! side only, a self-signed certificate) are named as such.

use std::time::Duration;

use tokio_tungstenite::tungstenite::Error as WsError;

use crate::error::{CertificateRefusal, ConnectFailure, Error};

/// How to make the client trust a certificate it refused.
const TRUST_HINT: &str = "trust it with ClientBuilder::trust(Trust::CaFile(..)) and the PEM \
     file of its CA (or of the certificate itself), or, for development only, \
     Trust::AcceptAny";

/// An address that is not `ws://` or `wss://`, with the one to use.
pub(super) fn check_scheme(address: &str) -> Result<(), Error> {
    let scheme = address
        .split_once("://")
        .map(|(s, _)| s.to_ascii_lowercase());
    let fix = match scheme.as_deref() {
        Some("ws" | "wss") => return Ok(()),
        Some("http") => "ws://, the WebSocket scheme for http",
        Some("https") => "wss://, the WebSocket scheme for https",
        _ => "ws:// (or wss:// for TLS), e.g. ws://127.0.0.1:23023/ws",
    };
    Err(Error::Config(format!(
        "invalid address {address:?}: a juggler address starts with ws:// or wss://: use {fix}"
    )))
}

fn connect(kind: ConnectFailure, message: String, source: Option<WsError>) -> Error {
    Error::Connect {
        kind,
        message,
        source: source.map(|e| Box::new(e) as _),
    }
}

/// `connect_timeout` ran out.
pub(super) fn timed_out(limit: Duration) -> Error {
    connect(
        ConnectFailure::TimedOut,
        format!(
            "no answer within {limit:?} (ClientBuilder::connect_timeout): \
             check the host and port, and that no firewall drops the connection"
        ),
        None,
    )
}

/// A failed TCP, TLS (`tls`: a `wss://` address) or WebSocket handshake.
pub(super) fn handshake_error(e: WsError, tls: bool) -> Error {
    match e {
        WsError::Http(res) => http_status(&res),
        WsError::Io(io) => {
            if let Some(rustls) = io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
                let message = match rustls {
                    rustls::Error::InvalidCertificate(c) => format!(
                        "the server's certificate was refused: {}; {TRUST_HINT}",
                        refusal_of(c)
                    ),
                    rustls::Error::InvalidMessage(_) => format!(
                        "the TLS handshake failed ({rustls}): the \
                         server does not seem to speak TLS on that port; for a plain server use ws://"
                    ),
                    other => {
                        format!("the TLS handshake failed: {other}")
                    }
                };
                return connect(ConnectFailure::Tls, message, Some(WsError::Io(io)));
            }
            let hint = match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    ": is the server running, and listening on that host and port?"
                }
                std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset if tls => {
                    ": the server closed the connection during the TLS handshake (does it speak TLS on that port? for a plain server use ws://)"
                }
                _ => "",
            };
            connect(
                ConnectFailure::Unreachable,
                format!("{io}{hint}"),
                Some(WsError::Io(io)),
            )
        }
        e @ (WsError::Protocol(_) | WsError::HttpFormat(_)) => {
            let hint = if tls {
                ""
            } else {
                "; if the server speaks TLS (https), use wss://"
            };
            connect(
                ConnectFailure::Handshake,
                format!(
                    "the server did not answer as a WebSocket \
                     server ({e}){hint}"
                ),
                Some(e),
            )
        }
        e @ WsError::Tls(_) => connect(ConnectFailure::Tls, format!("TLS: {e}"), Some(e)),
        e @ WsError::Url(_) => connect(
            ConnectFailure::Address,
            format!("{e}: use ws://host:port/path or wss://…"),
            Some(e),
        ),
        e => connect(ConnectFailure::Handshake, e.to_string(), Some(e)),
    }
}

/// The server answered the handshake with an HTTP status instead of
/// switching to WebSocket.
fn http_status(res: &http::Response<Option<Vec<u8>>>) -> Error {
    let status = res.status();
    let header = |name| res.headers().get(name).and_then(|v| v.to_str().ok());
    let body = res
        .body()
        .as_deref()
        .map(String::from_utf8_lossy)
        .map(|b| b.trim().chars().take(200).collect::<String>())
        .filter(|b| !b.is_empty());
    let basic = header(http::header::WWW_AUTHENTICATE)
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("basic"));
    let hint = if basic {
        ": check the Basic auth user and password".to_owned()
    } else if status.is_redirection() {
        // The reference's server redirects `/` to its index page: the
        // address most likely lacks the WebSocket path.
        let to = header(http::header::LOCATION).unwrap_or("elsewhere");
        format!(
            " (a redirect to {to}): no juggler endpoint at that path; is the WebSocket path \
             missing from the address (usually /ws, as in ws://host:port/ws)?"
        )
    } else if let Some(body) = body {
        format!(": {body}")
    } else {
        String::new()
    };
    connect(
        ConnectFailure::HttpStatus(status.as_u16()),
        format!(
            "the server answered the WebSocket handshake with \
             HTTP {status}{hint}"
        ),
        None,
    )
}

/// The kind of a certificate rustls refused.
pub(crate) fn refusal_of(e: &rustls::CertificateError) -> CertificateRefusal {
    use rustls::CertificateError as C;
    match e {
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
    }
}
