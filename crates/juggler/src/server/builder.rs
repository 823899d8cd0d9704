//! The settings of a server and the builder that starts one.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{
    Connection, ConnectionHandler, ConnectionId, Faults, HandlerError, HandshakeCheck,
    HtmlTransform, Htpasswd, NotifyOverflow, RequestHandler, Server, Shared, SitePolicy,
    TrafficHandler, http_routes, listener, sites, static_files,
};
use crate::error::{Error, Result};
use crate::storage::Storage;
use crate::transport::{Generation, TransportConfig, TransportOverrides};

/// The settings of a server; each has the reference's default, but for
/// the bounds the reference does not have (`transport.max_message_size`
/// 64 MiB, where its server takes 4 MiB per 0.6 frame and any 0.7
/// message; `transport.max_depth`, `max_connections`,
/// `max_pending_requests`, `send_queue_size`).
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
    /// `None`: state goes out only on `flush()`; zero: as soon as the
    /// connection's task runs after a change; `t`: changes within `t` go
    /// out together. Default 0.2 s (the reference's `autoflush_delay`).
    ///
    /// Zero still coalesces: changes made without the connection's task
    /// running in between (five `set`s in one handler, say) go out as one
    /// `state` message carrying their operations in order, where the
    /// reference's `autoflush_delay=0` sends a message per change. The
    /// protocol allows it (changes may be coalesced, never reordered or
    /// dropped) and every client ends with the same state, but a client
    /// that counts changes (the reference's `register_change_cb`) sees one
    /// for them. To send each change in a message of its own, await
    /// [`Connection::flush`](crate::Connection::flush) after it.
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
    /// The transport settings given one by one, over `config.transport`.
    overrides: TransportOverrides,
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
        self.overrides.generation = Some(generation);
        self
    }

    crate::transport::transport_setters!(config.transport);

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
    /// A port in use fails naming the address, with what to do.
    pub async fn bind(self, addr: impl ToSocketAddrs) -> Result<Server> {
        let mut failed = None;
        for addr in tokio::net::lookup_host(addr).await? {
            match TcpListener::bind(addr).await {
                Ok(listener) => return self.serve(listener),
                Err(e) => failed = Some((addr, e)),
            }
        }
        let Some((addr, e)) = failed else {
            return Err(Error::Config(
                "the address to listen on names no host".into(),
            ));
        };
        let hint = match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                ": another program (or another server) listens there: stop it, or choose \
                 another port (port 0 picks a free one)"
            }
            std::io::ErrorKind::PermissionDenied => {
                ": ports below 1024 need privileges: choose a port from 1024 up"
            }
            std::io::ErrorKind::AddrNotAvailable => {
                ": that address is not one of this machine's: use 127.0.0.1, 0.0.0.0 or \
                 one of its own"
            }
            _ => "",
        };
        Err(Error::Io(std::io::Error::new(
            e.kind(),
            format!("cannot listen on {addr}: {e}{hint}"),
        )))
    }

    /// Starts serving on an already bound listener.
    pub fn serve(self, listener: TcpListener) -> Result<Server> {
        let local_addr = listener.local_addr()?;
        let mut config = self.config;
        config.transport = self.overrides.apply(&config.transport);
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
