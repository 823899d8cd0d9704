//! The juggler server: `listen` of the reference, as a builder.
//!
//! ```no_run
//! # async fn demo() -> juggler::Result<()> {
//! use juggler::server::ServerBuilder;
//! use serde_json::json;
//!
//! let server = ServerBuilder::new()
//!     .autoflush(Some(std::time::Duration::ZERO))
//!     .on_connection(|conn| async move { conn.state().set([], json!(123)); })
//!     .on_request(|_conn, name, data| async move {
//!         match name.as_str() {
//!             "echo" => Ok(data),
//!             _ => Err(format!("no handler for {name}").into()),
//!         }
//!     })
//!     .bind("127.0.0.1:0")
//!     .await?;
//! println!("listening on {}", server.url());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

pub mod auth;
mod builder;
mod connection;
mod core;
mod driver;
mod faults;
mod http_routes;
mod listener;
mod remote;
mod sites;
mod static_files;

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use auth::Htpasswd;
pub use builder::{ServerBuilder, ServerConfig};
pub use connection::{Connection, ConnectionId, ConnectionStats};

/// What a notification does when its connection's send queue
/// ([`ServerConfig::send_queue_size`]) is full: the client reads slower than
/// the application notifies.
///
/// The queue never grows past its size either way: the server's memory per
/// connection stays bounded. The choice is who gives: the application
/// (which waits), or the slow connection (which is closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NotifyOverflow {
    /// [`Connection::notify`] waits for room; [`Connection::try_notify`]
    /// fails with [`Error::QueueFull`](crate::Error::QueueFull). The connection stays open however
    /// long its client does not read. The default (the reference's way).
    #[default]
    Wait,
    /// A queue that stays full for this long closes the connection with
    /// WebSocket close code 1008 (policy violation) and a reason that says
    /// so; zero closes at the first notification that finds it full.
    /// `notify` waits at most this long, then fails with
    /// [`Error::ConnectionClosed`](crate::Error::ConnectionClosed); `try_notify` fails with
    /// [`Error::QueueFull`](crate::Error::QueueFull) while the time has not run out.
    Close(Duration),
}
pub use faults::{FaultSettings, Faults};
pub use remote::remote_address;
pub use sites::SitePolicy;
pub use static_files::HtmlTransform;

use crate::error::Result;

/// What a request handler fails with: the `data` of the `success: false`
/// response.
///
/// As the reference answers any exception with its text, `?` turns any
/// error into one: every `std::error::Error + Send + Sync` (your own
/// types, `ParseIntError`, `io::Error`, [`juggler::Error`](crate::Error)…), a
/// `Box<dyn Error + Send + Sync>`, an `anyhow::Error`, and a `String` or
/// `&str` give their text as the data. For JSON data (a code, fields),
/// build it: `HandlerError(json!({..}))`.
///
/// ```
/// use juggler::{Connection, HandlerError};
/// use serde_json::{Value, json};
///
/// async fn handle(_conn: Connection, name: String, data: Value) -> Result<Value, HandlerError> {
///     match name.as_str() {
///         // "abc" answers `success: false` with "invalid digit found in string".
///         "double" => {
///             let n: i64 = data.as_str().unwrap_or_default().parse()?;
///             Ok(json!(n * 2))
///         }
///         "fail" => Err("not today".into()),
///         _ => Err(HandlerError(json!({"code": 404, "unknown": name}))),
///     }
/// }
/// # let _ = juggler::ServerBuilder::new().on_request(handle);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HandlerError(pub Value);

impl<E> From<E> for HandlerError
where
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    // Through the box, so that errors, boxed errors, anyhow's and text all
    // convert: a blanket over `std::error::Error` alone would leave out
    // boxes and text (coherence forbids adding those beside it).
    fn from(e: E) -> Self {
        HandlerError(Value::String(e.into().to_string()))
    }
}

/// Called once for each new connection; runs until it returns or the
/// connection closes (whichever is first), as the reference's `connection_cb`.
pub type ConnectionHandler = Arc<dyn Fn(Connection) -> BoxFuture<'static, ()> + Send + Sync>;

/// Answers a request: `(connection, name, data)` → response data or error.
pub type RequestHandler = Arc<
    dyn Fn(
            Connection,
            String,
            Value,
        ) -> BoxFuture<'static, std::result::Result<Value, HandlerError>>
        + Send
        + Sync,
>;

/// Sees every message of every connection: `(connection, message)`, the
/// message's parts as decoded or about to be written. Called on the
/// connection's task: keep it quick.
pub type TrafficHandler = Arc<dyn Fn(ConnectionId, &crate::Tapped<'_>) + Send + Sync>;

/// Decides whether a WebSocket handshake may proceed, before the upgrade:
/// `Err((status, text))` refuses it with that HTTP answer.
pub type HandshakeCheck = Arc<
    dyn Fn(&http::request::Parts) -> std::result::Result<(), (http::StatusCode, String)>
        + Send
        + Sync,
>;

/// Everything a running server needs, shared by its tasks.
pub(crate) struct Shared {
    pub(crate) config: ServerConfig,
    pub(crate) on_connection: Option<ConnectionHandler>,
    pub(crate) on_request: Option<RequestHandler>,
    pub(crate) on_traffic: Option<TrafficHandler>,
    pub(crate) check_handshake: Option<HandshakeCheck>,
    pub(crate) default_faults: Option<Faults>,
    pub(crate) cancel: CancellationToken,
    pub(crate) tracker: TaskTracker,
    pub(crate) connections: Mutex<HashMap<ConnectionId, Connection>>,
    pub(crate) slots: Arc<tokio::sync::Semaphore>,
    pub(crate) next_id: std::sync::atomic::AtomicU64,
    /// The sites allowed, for this listening address.
    pub(crate) sites: Option<sites::Sites>,
}

/// A running server. Dropping it does not stop it: call [`Server::close`].
#[derive(Clone)]
pub struct Server {
    local_addr: SocketAddr,
    scheme: &'static str,
    shared: Arc<Shared>,
    done: CancellationToken,
}

impl Server {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The juggler endpoint's URL (`ws://` or `wss://`).
    pub fn url(&self) -> String {
        let path = self.shared.config.ws_path.as_deref().unwrap_or("/");
        format!("{}://{}{}", self.scheme, self.local_addr, path)
    }

    /// The settings it runs with.
    pub fn config(&self) -> &ServerConfig {
        &self.shared.config
    }

    /// The open connections.
    pub fn connections(&self) -> Vec<Connection> {
        let map = self
            .shared
            .connections
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let mut list: Vec<_> = map.values().cloned().collect();
        list.sort_by_key(Connection::id);
        list
    }

    /// Starts closing: stops accepting and reading requests; each connection
    /// sends the answers of requests already read (and what else is queued)
    /// for up to `shutdown_timeout`, then closes cleanly (again within
    /// `shutdown_timeout`); what is left is dropped.
    pub fn close(&self) {
        self.shared.cancel.cancel();
    }

    /// Whether the server still runs.
    pub fn is_open(&self) -> bool {
        !self.shared.cancel.is_cancelled()
    }

    /// Waits until the server and all its connections are closed.
    pub async fn wait_closed(&self) {
        self.done.cancelled().await;
    }

    /// `close` then `wait_closed`.
    pub async fn shutdown(&self) {
        self.close();
        self.wait_closed().await;
    }
}

/// The reference's `listen(host, port, connection_cb, request_cb)` with the
/// default settings; use [`ServerBuilder`] for the others.
pub async fn listen<C, CF, R, RF>(
    host: &str,
    port: u16,
    on_connection: C,
    on_request: R,
) -> Result<Server>
where
    C: Fn(Connection) -> CF + Send + Sync + 'static,
    CF: Future<Output = ()> + Send + 'static,
    R: Fn(Connection, String, Value) -> RF + Send + Sync + 'static,
    RF: Future<Output = std::result::Result<Value, HandlerError>> + Send + 'static,
{
    ServerBuilder::new()
        .on_connection(on_connection)
        .on_request(on_request)
        .bind((host, port))
        .await
}
