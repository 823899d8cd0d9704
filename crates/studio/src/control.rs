//! The control endpoint: the engine's model published as the shared state
//! of a juggler server of its own, commands taken as juggler requests,
//! events sent as notifications. The studio UI is a juggler dashboard of
//! this endpoint: the desktop window, a browser and the tests all use it.
//!
//! It binds loopback by default, requires the random token generated at
//! start in the `token` query parameter (compared in constant time), and
//! refuses handshakes whose `Origin` is not the studio's own.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use juggler::server::{HandlerError, ServerBuilder};
use juggler::{Server, Storage};
use serde_json::Value;
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;
use tokio::sync::broadcast;

use crate::engine::EventData;
use crate::error::{Error, Result};

type Event = (String, EventData);

/// Sends the engine's events to one control client, in order. The traffic
/// log's new entries come a batch at a time, as lists of at most
/// [`crate::traffic::CHUNK_ENTRIES`] whose JSON text the log wrote once for
/// every client: each list is one `traffic` notification.
async fn forward_events(conn: juggler::server::Connection, mut rx: broadcast::Receiver<Event>) {
    loop {
        let sent = match rx.recv().await {
            Ok((name, EventData::Value(data))) => conn.notify(&name, &data).await,
            Ok((name, EventData::Entries(chunks))) => send_chunks(&conn, &name, &chunks).await,
            Err(broadcast::error::RecvError::Lagged(n)) => {
                conn.notify("events.lagged", &serde_json::json!({"missed": n}))
                    .await
            }
            Err(broadcast::error::RecvError::Closed) => break,
        };
        if sent.is_err() {
            break;
        }
    }
}

/// Each list of entries as a `name` notification, its text as it is.
async fn send_chunks(
    conn: &juggler::server::Connection,
    name: &str,
    chunks: &[crate::traffic::EntryChunk],
) -> juggler::Result<()> {
    for chunk in chunks {
        conn.notify_json(name, &chunk.json).await?;
    }
    Ok(())
}

/// The WebSocket path of the control endpoint.
pub const CONTROL_PATH: &str = "/control";

/// Origins a webview of the desktop app uses (Linux/macOS and Windows).
pub const APP_ORIGINS: [&str; 3] = [
    "tauri://localhost",
    "http://tauri.localhost",
    "https://tauri.localhost",
];

/// A fresh random token: 32 bytes, hex.
pub fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Error::Invalid(format!("no randomness: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Answers one control command: `(name, data)` → result or error value.
pub type CommandHandler = Arc<
    dyn Fn(
            String,
            Value,
        ) -> futures_util::future::BoxFuture<'static, std::result::Result<Value, Value>>
        + Send
        + Sync,
>;

/// A running control endpoint.
pub struct ControlEndpoint {
    server: Server,
    token: String,
}

/// Checks the `token` query parameter and the `Origin` header.
fn check(
    parts: &http::request::Parts,
    token: &str,
    own_origins: &[String],
) -> std::result::Result<(), (StatusCode, String)> {
    let given = parts
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| v)
        .unwrap_or("");
    if !bool::from(given.as_bytes().ct_eq(token.as_bytes())) {
        return Err((
            StatusCode::UNAUTHORIZED,
            "missing or wrong token: use the control URL the studio printed at start".into(),
        ));
    }
    if let Some(origin) = parts.headers.get(http::header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        if !own_origins.iter().any(|o| o == origin) {
            return Err((
                StatusCode::FORBIDDEN,
                format!("Origin {origin:?} is not the studio's own"),
            ));
        }
    }
    Ok(())
}

impl ControlEndpoint {
    /// Serves `model` on `listener`. `ui_dir`, if given, is served at `/`
    /// (the studio UI for a browser). Events sent on `events` reach every
    /// control client as notifications `(name, data)`.
    pub fn start(
        listener: TcpListener,
        model: Storage,
        commands: CommandHandler,
        events: broadcast::Sender<Event>,
        ui_dir: Option<PathBuf>,
    ) -> Result<Self> {
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Invalid(format!("control endpoint: {e}")))?;
        let token = new_token()?;
        let port = addr.port();
        let mut own: Vec<String> = vec![
            format!("http://127.0.0.1:{port}"),
            format!("http://localhost:{port}"),
            format!("http://[::1]:{port}"),
        ];
        own.extend(APP_ORIGINS.iter().map(|s| (*s).to_owned()));
        if !addr.ip().is_loopback() {
            own.push(format!("http://{addr}"));
            tracing::warn!(
                %addr,
                "the control endpoint listens beyond loopback: anyone who reaches {addr} \
                 and has the token can drive this studio"
            );
        }
        let check_token = token.clone();
        let mut builder = ServerBuilder::new()
            .ws_path(CONTROL_PATH)
            .shared_state(model)
            .autoflush(Some(Duration::from_millis(20)))
            .index_path(Some("/index.html".into()))
            .check_handshake(move |parts| check(parts, &check_token, &own))
            .on_connection(move |conn| forward_events(conn, events.subscribe()))
            .on_request(move |_conn, name, data| {
                let commands = commands.clone();
                async move { commands(name, data).await.map_err(HandlerError) }
            });
        if let Some(dir) = ui_dir {
            builder = builder.static_dir(dir);
        }
        let server = builder.serve(listener)?;
        Ok(ControlEndpoint { server, token })
    }

    /// The control URL with its token: `ws://127.0.0.1:PORT/control?token=…`.
    pub fn url(&self) -> String {
        format!(
            "ws://{}{CONTROL_PATH}?token={}",
            self.server.local_addr(),
            self.token
        )
    }

    /// The token alone.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The HTTP address (for the UI in a browser).
    pub fn http_url(&self) -> String {
        format!("http://{}/", self.server.local_addr())
    }

    /// Stops the endpoint.
    pub async fn shutdown(&self) {
        self.server.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str, origin: Option<&str>) -> http::request::Parts {
        let mut b = http::Request::builder().uri(uri);
        if let Some(o) = origin {
            b = b.header("Origin", o);
        }
        b.body(()).map(|r| r.into_parts().0).expect("request")
    }

    #[test]
    fn token_and_origin_are_checked() {
        let own = vec!["http://127.0.0.1:5".to_owned()];
        assert!(check(&parts("/control?token=abc", None), "abc", &own).is_ok());
        assert!(
            check(
                &parts("/control?x=1&token=abc", Some("http://127.0.0.1:5")),
                "abc",
                &own
            )
            .is_ok()
        );
        assert_eq!(
            check(&parts("/control", None), "abc", &own).map_err(|e| e.0),
            Err(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            check(&parts("/control?token=abd", None), "abc", &own).map_err(|e| e.0),
            Err(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            check(&parts("/control?token=ab", None), "abc", &own).map_err(|e| e.0),
            Err(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            check(
                &parts("/control?token=abc", Some("http://evil.example")),
                "abc",
                &own
            )
            .map_err(|e| e.0),
            Err(StatusCode::FORBIDDEN)
        );
    }

    #[test]
    fn tokens_are_random_and_long() {
        let a = new_token().expect("token");
        let b = new_token().expect("token");
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }
}
