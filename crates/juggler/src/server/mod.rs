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
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::Value;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use auth::Htpasswd;
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
    /// fails with [`Error::QueueFull`]. The connection stays open however
    /// long its client does not read. The default (the reference's way).
    #[default]
    Wait,
    /// A queue that stays full for this long closes the connection with
    /// WebSocket close code 1008 (policy violation) and a reason that says
    /// so; zero closes at the first notification that finds it full.
    /// `notify` waits at most this long, then fails with
    /// [`Error::ConnectionClosed`]; `try_notify` fails with
    /// [`Error::QueueFull`] while the time has not run out.
    Close(Duration),
}
pub use faults::{FaultSettings, Faults};
pub use remote::remote_address;
pub use sites::SitePolicy;
pub use static_files::HtmlTransform;

use crate::error::{Error, Result};
use crate::storage::Storage;
use crate::transport::{Generation, TransportConfig};

/// What a request handler fails with: the `data` of the `success: false`
/// response. Made from any error text, or from a JSON value.
#[derive(Debug, Clone, PartialEq)]
pub struct HandlerError(pub Value);

impl From<String> for HandlerError {
    fn from(s: String) -> Self {
        HandlerError(Value::String(s))
    }
}
impl From<&str> for HandlerError {
    fn from(s: &str) -> Self {
        HandlerError(Value::String(s.to_owned()))
    }
}
impl From<Value> for HandlerError {
    fn from(v: Value) -> Self {
        HandlerError(v)
    }
}
impl From<Error> for HandlerError {
    fn from(e: Error) -> Self {
        HandlerError(Value::String(e.to_string()))
    }
}
impl From<serde_json::Error> for HandlerError {
    fn from(e: serde_json::Error) -> Self {
        HandlerError(Value::String(e.to_string()))
    }
}
impl From<std::io::Error> for HandlerError {
    fn from(e: std::io::Error) -> Self {
        HandlerError(Value::String(e.to_string()))
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

/// The settings of a server; each has the reference's default.
#[derive(Clone)]
pub struct ServerConfig {
    /// WebSocket path; `None` serves no juggler endpoint. Default `/ws`.
    pub ws_path: Option<String>,
    /// Folder served over HTTP at `/`. Default none.
    pub static_dir: Option<PathBuf>,
    /// Where `/` redirects (302); `None` for no redirect. Default `/index.html`.
    pub index_path: Option<String>,
    /// TLS: the server speaks https/wss only. Default none.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// HTTP Basic auth for every route. Default none.
    pub htpasswd: Option<Arc<Htpasswd>>,
    /// `None`: state goes out only on `flush()`; zero: as soon as it changes;
    /// `t`: changes within `t` go out together. Default 0.2 s.
    pub autoflush: Option<Duration>,
    /// How long closing waits for connections to close cleanly. Default 0.1 s.
    pub shutdown_timeout: Duration,
    /// One state shared by every connection; `None` gives each its own.
    pub shared_state: Option<Storage>,
    /// Handle a connection's requests concurrently (responses in any order).
    /// Default false.
    pub parallel_requests: bool,
    /// `Cache-Control: no-cache` on every HTTP response. Default true (as 0.7).
    pub no_cache: bool,
    /// Wire generation, segment size, pings, message size limit.
    pub transport: TransportConfig,
    /// Outgoing notifications queued per connection before `notify` waits.
    /// Default 1024 (the reference's `send_queue_size`).
    pub send_queue_size: usize,
    /// Requests read from one connection and not yet answered; past it the
    /// server stops reading that connection until answers go out. Default 1024.
    pub max_pending_requests: usize,
    /// Juggler connections at once; more are refused with HTTP 503.
    /// Default 10,000.
    pub max_connections: usize,
    /// WebSocket `Origin`s accepted; `None` accepts any (as the reference).
    pub allowed_origins: Option<Vec<String>>,
    /// Answer only the server's own sites (every HTTP request's `Host`,
    /// and the `Origin` of those that send one): see [`SitePolicy`].
    /// `None` answers any, as the reference. Default `None`.
    pub sites: Option<SitePolicy>,
    /// What `notify` does when a connection's send queue is full.
    /// Default [`NotifyOverflow::Wait`].
    pub notify_overflow: NotifyOverflow,
    /// TCP keepalive on accepted sockets: after this much silence the
    /// kernel probes the peer (every 10 s, or this long if shorter; 3
    /// unanswered probes drop the socket), so a peer that vanished (power
    /// off, cable pulled) is found even on 0.6, which has no transport
    /// ping. `None` turns it off. Default 60 s.
    pub tcp_keepalive: Option<Duration>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            ws_path: Some("/ws".into()),
            static_dir: None,
            index_path: Some("/index.html".into()),
            tls: None,
            htpasswd: None,
            autoflush: Some(Duration::from_millis(200)),
            shutdown_timeout: Duration::from_millis(100),
            shared_state: None,
            parallel_requests: false,
            no_cache: true,
            transport: TransportConfig::default(),
            send_queue_size: 1024,
            max_pending_requests: 1024,
            max_connections: 10_000,
            allowed_origins: None,
            sites: None,
            notify_overflow: NotifyOverflow::Wait,
            tcp_keepalive: Some(Duration::from_secs(60)),
        }
    }
}

/// Builds and starts a [`Server`].
#[derive(Default)]
pub struct ServerBuilder {
    config: ServerConfig,
    on_connection: Option<ConnectionHandler>,
    on_request: Option<RequestHandler>,
    on_traffic: Option<TrafficHandler>,
    check_handshake: Option<HandshakeCheck>,
    default_faults: Option<Faults>,
    routes: Option<axum::Router>,
    html_transform: Option<HtmlTransform>,
}

impl ServerBuilder {
    /// A builder with the reference's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder from complete settings.
    pub fn with_config(config: ServerConfig) -> Self {
        ServerBuilder {
            config,
            ..Self::default()
        }
    }

    /// Faults every new connection starts with (fault injection): what
    /// `faults` holds when the connection opens, before anything is sent.
    /// Changing it later does not change open connections.
    pub fn default_faults(mut self, faults: Faults) -> Self {
        self.default_faults = Some(faults);
        self
    }

    /// Called for each new connection (the reference's `connection_cb`).
    pub fn on_connection<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(Connection) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_connection = Some(Arc::new(move |c| Box::pin(f(c))));
        self
    }

    /// Answers requests (the reference's `request_cb`). Without it every
    /// named request fails with "request handler not implemented".
    pub fn on_request<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(Connection, String, Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<Value, HandlerError>> + Send + 'static,
    {
        self.on_request = Some(Arc::new(move |c, n, d| Box::pin(f(c, n, d))));
        self
    }

    /// Sees every message in and out of every connection (0.7: whole
    /// messages, not segments) as its parts, decoded or about to be
    /// written, with its size: nothing to parse again. For traffic logs and
    /// recorders. Without one, the connections keep no parts for it.
    pub fn on_traffic<F>(mut self, f: F) -> Self
    where
        F: Fn(ConnectionId, &crate::Tapped<'_>) + Send + Sync + 'static,
    {
        self.on_traffic = Some(Arc::new(f));
        self
    }

    /// Checks each WebSocket handshake (URI, headers) before it is accepted,
    /// e.g. for a token in the query or an `Origin` policy.
    pub fn check_handshake<F>(mut self, f: F) -> Self
    where
        F: Fn(&http::request::Parts) -> std::result::Result<(), (http::StatusCode, String)>
            + Send
            + Sync
            + 'static,
    {
        self.check_handshake = Some(Arc::new(f));
        self
    }

    /// WebSocket path. Default `/ws`.
    pub fn ws_path(mut self, path: impl Into<String>) -> Self {
        self.config.ws_path = Some(path.into());
        self
    }

    /// Folder served at `/` over GET/HEAD. Default none.
    pub fn static_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.static_dir = Some(dir.into());
        self
    }

    /// Redirect target of `/`; `None` turns the redirect off. Default `/index.html`.
    pub fn index_path(mut self, path: Option<String>) -> Self {
        self.config.index_path = path;
        self
    }

    /// Serve https/wss with the certificate and key of this PEM file.
    pub fn pem_file(mut self, path: impl AsRef<Path>) -> Result<Self> {
        self.config.tls = Some(crate::tls::server_config_from_pem_file(path.as_ref())?);
        Ok(self)
    }

    /// Serve https/wss with a ready rustls configuration.
    pub fn tls_config(mut self, config: Arc<rustls::ServerConfig>) -> Self {
        self.config.tls = Some(config);
        self
    }

    /// Require HTTP Basic auth for users of this htpasswd file (apr1 or bcrypt).
    pub fn htpasswd_file(mut self, path: impl AsRef<Path>) -> Result<Self> {
        self.config.htpasswd = Some(Arc::new(Htpasswd::load(path.as_ref())?));
        Ok(self)
    }

    /// See [`ServerConfig::autoflush`]. Default 0.2 s.
    pub fn autoflush(mut self, delay: Option<Duration>) -> Self {
        self.config.autoflush = delay;
        self
    }

    /// See [`ServerConfig::shutdown_timeout`]. Default 0.1 s.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.config.shutdown_timeout = timeout;
        self
    }

    /// Share `state` between every connection. Default: one state each.
    pub fn shared_state(mut self, state: Storage) -> Self {
        self.config.shared_state = Some(state);
        self
    }

    /// Handle requests concurrently. Default false.
    pub fn parallel_requests(mut self, on: bool) -> Self {
        self.config.parallel_requests = on;
        self
    }

    /// `Cache-Control: no-cache` on every response. Default true.
    pub fn no_cache(mut self, on: bool) -> Self {
        self.config.no_cache = on;
        self
    }

    /// Wire generation. Default 0.6.
    pub fn generation(mut self, generation: Generation) -> Self {
        self.config.transport.generation = generation;
        self
    }

    /// All transport settings at once.
    pub fn transport(mut self, transport: TransportConfig) -> Self {
        self.config.transport = transport;
        self
    }

    /// Longest accepted incoming message, in bytes. Default 64 MiB.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.config.transport.max_message_size = bytes;
        self
    }

    /// Deepest nesting accepted in one incoming message (see
    /// [`TransportConfig::max_depth`]). Default
    /// [`crate::json::DEFAULT_MAX_DEPTH`].
    pub fn max_depth(mut self, levels: usize) -> Self {
        self.config.transport.max_depth = levels;
        self
    }

    /// 0.6: close connections that send nothing for `timeout` (a peer that
    /// vanished without closing). Default none, as the reference.
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.config.transport.idle_timeout = timeout;
        self
    }

    /// See [`ServerConfig::max_connections`]. Default 10,000.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.config.max_connections = n;
        self
    }

    /// See [`ServerConfig::sites`]. Default any site.
    pub fn sites(mut self, policy: SitePolicy) -> Self {
        self.config.sites = Some(policy);
        self
    }

    /// See [`ServerConfig::allowed_origins`]. Default any.
    pub fn allowed_origins(mut self, origins: Vec<String>) -> Self {
        self.config.allowed_origins = Some(origins);
        self
    }

    /// Outgoing notifications queued per connection. Default 1024.
    pub fn send_queue_size(mut self, n: usize) -> Self {
        self.config.send_queue_size = n;
        self
    }

    /// See [`NotifyOverflow`]. Default [`NotifyOverflow::Wait`].
    pub fn notify_overflow(mut self, policy: NotifyOverflow) -> Self {
        self.config.notify_overflow = policy;
        self
    }

    /// See [`ServerConfig::tcp_keepalive`]. Default 60 s.
    pub fn tcp_keepalive(mut self, idle: Option<Duration>) -> Self {
        self.config.tcp_keepalive = idle;
        self
    }

    /// Rewrites the HTML pages of `static_dir` on their way out (e.g. to
    /// add a script to pages under development): called with the request
    /// and the file's bytes for each whole `text/html` answer to a GET;
    /// `None` sends the file as it is. The files themselves never change.
    pub fn transform_html<F>(mut self, f: F) -> Self
    where
        F: Fn(&http::request::Parts, bytes::Bytes) -> Option<bytes::Bytes> + Send + Sync + 'static,
    {
        self.html_transform = Some(Arc::new(f));
        self
    }

    /// Extra axum routes served beside the juggler endpoint.
    pub fn routes(mut self, router: axum::Router) -> Self {
        self.routes = Some(match self.routes.take() {
            Some(r) => r.merge(router),
            None => router,
        });
        self
    }

    /// Binds `addr` and starts serving.
    pub async fn bind(self, addr: impl ToSocketAddrs) -> Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        self.serve(listener)
    }

    /// Starts serving on an already bound listener.
    pub fn serve(self, listener: TcpListener) -> Result<Server> {
        let local_addr = listener.local_addr()?;
        let config = self.config;
        if let Some(p) = &config.ws_path {
            if !p.starts_with('/') {
                return Err(Error::Config(format!("ws_path {p:?} must start with '/'")));
            }
        }
        if let Some(p) = &config.index_path {
            if !p.starts_with('/') {
                return Err(Error::Config(format!(
                    "index_path {p:?} must start with '/'"
                )));
            }
        }
        if config.max_connections == 0 {
            return Err(Error::Config("max_connections must be at least 1".into()));
        }
        let static_files = config
            .static_dir
            .as_deref()
            .map(|dir| static_files::StaticFiles::new(dir, self.html_transform.clone()))
            .transpose()?;
        let sites = config
            .sites
            .as_ref()
            .map(|policy| sites::Sites::new(policy, local_addr));
        let shared = Arc::new(Shared {
            slots: Arc::new(tokio::sync::Semaphore::new(config.max_connections)),
            sites,
            config,
            on_connection: self.on_connection,
            on_request: self.on_request,
            on_traffic: self.on_traffic,
            check_handshake: self.check_handshake,
            default_faults: self.default_faults,
            cancel: CancellationToken::new(),
            tracker: TaskTracker::new(),
            connections: Mutex::new(HashMap::new()),
            next_id: std::sync::atomic::AtomicU64::new(1),
        });
        let router = http_routes::router(shared.clone(), static_files, self.routes);
        let done = CancellationToken::new();
        let accept = listener::accept_loop(listener, router, shared.clone());
        let finished = done.clone();
        let tracker = shared.tracker.clone();
        tokio::spawn(async move {
            accept.await;
            tracker.close();
            tracker.wait().await;
            finished.cancel();
        });
        let scheme = if shared.config.tls.is_some() {
            "wss"
        } else {
            "ws"
        };
        Ok(Server {
            local_addr,
            scheme,
            shared,
            done,
        })
    }
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
