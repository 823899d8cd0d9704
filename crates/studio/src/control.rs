//! The control endpoint: the engine's model published as the shared state
//! of a juggler server of its own, commands taken as juggler requests,
//! events sent as notifications. The studio UI is a juggler dashboard of
//! this endpoint: the desktop window, a browser and the tests all use it.
//!
//! It binds loopback by default, requires the random token generated at
//! start in the `token` query parameter (compared in constant time), and
//! refuses handshakes whose `Origin` is not the studio's own.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::StatusCode;
use juggler::server::{HandlerError, ServerBuilder};
use juggler::{Server, Storage};
use serde_json::Value;
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc};

use crate::command::{Caller, Follower, Following};
use crate::engine::{Event, TrafficFeed};
use crate::error::{Error, Result};

/// Sends the engine's events to one control client, in order, and while
/// it follows the traffic (`traffic.follow`), the traffic log's new entries:
/// they come a batch at a time, as lists of at most
/// [`crate::traffic::CHUNK_ENTRIES`] whose JSON text the log wrote once for
/// every follower; each list is one `traffic` notification. A client that
/// does not follow costs the log nothing: it writes entries out only for
/// followers.
async fn forward_events(
    conn: juggler::server::Connection,
    mut events: broadcast::Receiver<Event>,
    mut switches: Option<mpsc::UnboundedReceiver<Following>>,
) {
    let mut traffic: Following = None;
    loop {
        let sent = tokio::select! {
            switch = next_switch(&mut switches) => {
                match switch {
                    Some(following) => traffic = following,
                    // No caller left to switch it: it stays as it is.
                    None => switches = None,
                }
                Ok(())
            }
            event = events.recv() => match event {
                Ok((name, data)) => conn.notify(&name, &data).await,
                Err(broadcast::error::RecvError::Lagged(n)) => lagged(&conn, n, false).await,
                Err(broadcast::error::RecvError::Closed) => break,
            },
            chunks = next_chunks(&mut traffic) => {
                // The client stopped or followed anew since: not for it.
                if !traffic.as_ref().is_some_and(Follower::current) {
                    traffic = None;
                    continue;
                }
                match chunks {
                    Ok(chunks) => send_chunks(&conn, &chunks).await,
                    Err(broadcast::error::RecvError::Lagged(n)) => lagged(&conn, n, true).await,
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        };
        if sent.is_err() {
            break;
        }
    }
}

/// The client's next switch (`traffic.follow`), while a caller can send one.
async fn next_switch(rx: &mut Option<mpsc::UnboundedReceiver<Following>>) -> Option<Following> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// The next lists of entries, for a client that follows the traffic.
async fn next_chunks(
    following: &mut Following,
) -> std::result::Result<Arc<[crate::traffic::EntryChunk]>, broadcast::error::RecvError> {
    match following {
        Some(f) => f.recv().await,
        None => std::future::pending().await,
    }
}

/// Tells a client that fell behind how many events it missed (`traffic`:
/// batches of the log's entries, each one or more notifications): it asks
/// for what it shows again.
async fn lagged(
    conn: &juggler::server::Connection,
    missed: u64,
    traffic: bool,
) -> juggler::Result<()> {
    let data = if traffic {
        serde_json::json!({"missed": missed, "traffic": true})
    } else {
        serde_json::json!({"missed": missed})
    };
    conn.notify("events.lagged", &data).await
}

/// Each list of entries as a `traffic` notification, its text as it is.
async fn send_chunks(
    conn: &juggler::server::Connection,
    chunks: &[crate::traffic::EntryChunk],
) -> juggler::Result<()> {
    for chunk in chunks {
        conn.notify_json("traffic", &chunk.json).await?;
    }
    Ok(())
}

/// Each connected control client's [`Caller`], by connection id.
#[derive(Clone)]
struct Callers {
    feed: TrafficFeed,
    map: Arc<Mutex<HashMap<u64, Client>>>,
}

/// A client's caller, and its switches until its event task takes them.
struct Client {
    caller: Caller,
    switches: Option<mpsc::UnboundedReceiver<Following>>,
}

/// A client's entry, removed when its connection's handler ends.
struct Registered {
    callers: Callers,
    id: u64,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.callers.lock().remove(&self.id);
    }
}

impl Callers {
    fn new(feed: TrafficFeed) -> Callers {
        Callers {
            feed,
            map: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Client>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn client(&self) -> Client {
        let (caller, switches) = Caller::new(self.feed.clone());
        Client {
            caller,
            switches: Some(switches),
        }
    }

    /// The client's switches, for its connection's handler. The handler
    /// runs on a task of its own, which may start after the connection's
    /// first command was read: whichever comes first makes the caller.
    fn add(&self, id: u64) -> (Registered, Option<mpsc::UnboundedReceiver<Following>>) {
        let switches = self
            .lock()
            .entry(id)
            .or_insert_with(|| self.client())
            .switches
            .take();
        let registered = Registered {
            callers: self.clone(),
            id,
        };
        (registered, switches)
    }

    /// The caller of a command of connection `id` (made if the handler has
    /// not started yet; a connection that is no longer `open` gets a
    /// detached one, not kept: its switches change nothing).
    fn get(&self, id: u64, open: bool) -> Caller {
        let mut callers = self.lock();
        if let Some(client) = callers.get(&id) {
            return client.caller.clone();
        }
        if !open {
            return Caller::default();
        }
        let client = self.client();
        let caller = client.caller.clone();
        callers.insert(id, client);
        caller
    }
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

/// Answers one control command: `(caller, name, data)` → result or error
/// value.
pub type CommandHandler = Arc<
    dyn Fn(
            Caller,
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
    /// control client as notifications `(name, data)`; the entries sent on
    /// `feed`, the clients that follow the traffic.
    pub fn start(
        listener: TcpListener,
        model: Storage,
        commands: CommandHandler,
        events: broadcast::Sender<Event>,
        feed: TrafficFeed,
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
        let callers = Callers::new(feed);
        let on_request = callers.clone();
        let mut builder = ServerBuilder::new()
            .ws_path(CONTROL_PATH)
            .shared_state(model)
            .autoflush(Some(Duration::from_millis(20)))
            .index_path(Some("/index.html".into()))
            .check_handshake(move |parts| check(parts, &check_token, &own))
            .on_connection(move |conn| {
                let (registered, switches) = callers.add(conn.id());
                let forward = forward_events(conn, events.subscribe(), switches);
                async move {
                    forward.await;
                    drop(registered);
                }
            })
            .on_request(move |conn, name, data| {
                let caller = on_request.get(conn.id(), conn.is_open());
                let commands = commands.clone();
                async move { commands(caller, name, data).await.map_err(HandlerError) }
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

    /// A command read before its connection's handler started (it runs on
    /// a task of its own) switches the caller whose switches the handler
    /// then gets; the entry goes with the handler; a closed connection's
    /// command is not kept.
    #[test]
    fn a_command_before_the_handler_reaches_the_same_caller() {
        let (feed, _) = broadcast::channel(4);
        let callers = Callers::new(feed.clone());
        callers.get(7, true).follow_traffic(true);
        assert_eq!(feed.receiver_count(), 1, "subscribed when the command ran");
        let (registered, switches) = callers.add(7);
        let mut switches = switches.expect("the switches");
        assert!(matches!(switches.try_recv(), Ok(Some(_))), "follow");
        callers.get(7, true).follow_traffic(true);
        assert!(switches.try_recv().is_err(), "following already");
        callers.get(7, true).follow_traffic(false);
        assert!(matches!(switches.try_recv(), Ok(None)), "stop");
        drop(registered);
        assert!(callers.lock().is_empty());
        callers.get(8, false).follow_traffic(true);
        assert!(
            callers.lock().is_empty(),
            "nothing kept for a closed connection"
        );
        assert_eq!(feed.receiver_count(), 0);
    }

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
