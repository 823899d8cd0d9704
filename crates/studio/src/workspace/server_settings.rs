//! The settings of the studio's juggler server: every option of
//! [`juggler::server::ServerConfig`], plus where to listen.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};

/// Where and how the studio's juggler server runs. Every field has a
/// default, so `{}` is a working server. Durations are in seconds; paths
/// are relative to the workspace file's folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct ServerSettings {
    /// Address to listen on. Default `127.0.0.1` (this machine only); use
    /// `0.0.0.0` to be reachable from other machines.
    pub host: String,
    /// TCP port, 1–65535, or 0 for any free port. Default 8080.
    #[serde(deserialize_with = "port")]
    pub port: u16,
    /// WebSocket path of the juggler endpoint; `null` serves none.
    /// Default `/ws`.
    pub ws_path: Option<String>,
    /// Folder served over HTTP at `/` (the dashboard). Default none.
    pub static_dir: Option<String>,
    /// While `staticDir` is served, watch it and tell the open pages: a
    /// changed stylesheet is swapped in place, anything else reloads the
    /// page; and show what the pages report (errors, warnings) in the
    /// Console. Both go through a small script the studio adds to the HTML
    /// it serves (never to the files; `?studio=off` or the request header
    /// `X-Juggler-Studio: off` leaves it out). Default true.
    pub live_reload: bool,
    /// Where `/` redirects; `null` for no redirect. Default `/index.html`.
    pub index_path: Option<String>,
    /// PEM file with certificate and private key: serve https/wss only.
    /// Default none.
    pub pem_file: Option<String>,
    /// htpasswd file (`$apr1$` or bcrypt entries, as made by `htpasswd -B`
    /// or `openssl passwd -apr1`): require HTTP Basic auth. Default none.
    pub htpasswd_file: Option<String>,
    /// Seconds during which state changes are gathered into one message;
    /// 0 sends each at once, `null` only on an explicit flush. Default 0.2.
    pub autoflush: Option<f64>,
    /// Seconds that stopping waits for connections to close cleanly.
    /// Default 0.1.
    pub shutdown_timeout: f64,
    /// One state shared by every connection (true), or one per connection
    /// (false). Default true: the studio edits one state that every page
    /// sees.
    pub shared_state: bool,
    /// Answer a connection's requests concurrently, in any order.
    /// Default false.
    pub parallel_requests: bool,
    /// Send `Cache-Control: no-cache` on every HTTP response. Default true.
    pub no_cache: bool,
    /// Wire generation, `"0.6"` or `"0.7"`. Default `"0.6"`.
    pub generation: Generation,
    /// 0.7: longest message segment, in characters. Default 65536.
    pub max_segment_size: usize,
    /// 0.7: seconds of silence before a ping. Default 30.
    pub ping_delay: f64,
    /// 0.7: seconds to wait for anything after a ping before closing.
    /// Default 30.
    pub ping_timeout: f64,
    /// Longest message accepted, in bytes. Default 67108864 (64 MiB).
    pub max_message_size: usize,
    /// Notifications queued per connection before sending waits.
    /// Default 1024.
    pub send_queue_size: usize,
    /// Unanswered requests per connection before reading pauses.
    /// Default 1024.
    pub max_pending_requests: usize,
    /// Juggler connections at once; more are refused. Default 10000.
    pub max_connections: usize,
    /// Sites that may use the server besides its own. By default (`null`
    /// or `[]`) only its own pages may: every HTTP request's `Host`, and
    /// the `Origin` of a WebSocket handshake or of a page's request, must
    /// be the listening address and port, `localhost`, `127.0.0.1` or
    /// `[::1]` on that port, so that no other web site open in the user's
    /// browser can read the state or send requests. Each entry adds an
    /// origin (`http://plant.example:8080`), a host name on any port
    /// (`plant.example`), or `*` (any site: no check). Default `null`.
    pub allowed_origins: Option<Vec<String>>,
    /// 0.6: seconds without anything received after which a connection is
    /// closed (0.6 has no transport ping); `null` keeps silent peers, as the
    /// reference does. Default `null`.
    pub idle_timeout: Option<f64>,
    /// Seconds of silence before the kernel probes a peer with TCP
    /// keepalive (a vanished peer is then dropped within about 30 s more);
    /// `null` turns keepalive off. Default 60.
    pub tcp_keepalive: Option<f64>,
    /// Seconds a connection's notification queue may stay full (its client
    /// does not read) before the connection is closed with code 1008; 0
    /// closes at once; `null` makes notifying wait instead. Default `null`.
    pub notify_overflow_close: Option<f64>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            host: "127.0.0.1".into(),
            port: 8080,
            ws_path: Some("/ws".into()),
            static_dir: None,
            live_reload: true,
            index_path: Some("/index.html".into()),
            pem_file: None,
            htpasswd_file: None,
            autoflush: Some(0.2),
            shutdown_timeout: 0.1,
            shared_state: true,
            parallel_requests: false,
            no_cache: true,
            generation: Generation::V06,
            max_segment_size: 64 * 1024,
            ping_delay: 30.0,
            ping_timeout: 30.0,
            max_message_size: 64 * 1024 * 1024,
            send_queue_size: 1024,
            max_pending_requests: 1024,
            max_connections: 10_000,
            allowed_origins: None,
            idle_timeout: None,
            tcp_keepalive: Some(60.0),
            notify_overflow_close: None,
        }
    }
}

/// Reads a port, saying what to do when it is out of range.
fn port<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<u16, D::Error> {
    let n = i64::deserialize(d)?;
    u16::try_from(n).map_err(|_| {
        serde::de::Error::custom(format!(
            "port {n} is out of range: use 1 to 65535, or 0 for any free port"
        ))
    })
}

/// A juggler wire generation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS, JsonSchema)]
#[ts(export_to = crate::ts::DIR)]
pub enum Generation {
    /// hat-juggler 0.6.x: one JSON message per frame.
    #[default]
    #[serde(rename = "0.6")]
    V06,
    /// hat-juggler 0.7.x: segmented messages and transport pings.
    #[serde(rename = "0.7")]
    V07,
}

impl<'de> Deserialize<'de> for Generation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        match value.as_str() {
            Some("0.6") => Ok(Generation::V06),
            Some("0.7") => Ok(Generation::V07),
            _ => Err(serde::de::Error::custom(format!(
                "unknown generation {value}: write \"0.6\" or \"0.7\" (a string)"
            ))),
        }
    }
}

impl From<Generation> for juggler::Generation {
    fn from(g: Generation) -> Self {
        match g {
            Generation::V06 => juggler::Generation::V06,
            Generation::V07 => juggler::Generation::V07,
        }
    }
}

impl From<juggler::Generation> for Generation {
    fn from(g: juggler::Generation) -> Self {
        match g {
            juggler::Generation::V06 => Generation::V06,
            juggler::Generation::V07 => Generation::V07,
        }
    }
}

/// `path` as written in the workspace, resolved against `base_dir` (the
/// workspace file's folder) unless absolute.
pub fn resolve(base_dir: &Path, path: &str) -> std::path::PathBuf {
    base_dir.join(path)
}

/// `--static-dir` as the workspace keeps it: a path given on the command
/// line is relative to the current folder, while the workspace's
/// `staticDir` is relative to the workspace file, so it goes in relative
/// to the workspace's folder when it is inside it, else absolute.
pub fn static_dir_setting(dir: &Path, workspace: Option<&Path>) -> Result<String> {
    let absolute = |p: &Path| {
        std::path::absolute(p).map_err(|e| Error::Io {
            path: p.to_owned(),
            action: "cannot make the path absolute".into(),
            source: e,
        })
    };
    let dir = absolute(dir)?;
    let base = match workspace {
        Some(w) => absolute(w)?.parent().map(Path::to_path_buf),
        None => None,
    };
    let inside = base.as_deref().and_then(|b| dir.strip_prefix(b).ok());
    Ok(match inside {
        Some(rel) if rel.as_os_str().is_empty() => ".".into(),
        Some(rel) => rel.display().to_string(),
        None => dir.display().to_string(),
    })
}

/// What a refused request's log line says to change.
pub const SITES_HINT: &str = "if that site should reach the studio's servers, add it to the \
     workspace's server.allowedOrigins (an origin as http://host:port, a host name, or \"*\" \
     for any) or start with --allow-origin SITE";

/// Seconds as a duration; negative or non-finite values give zero (the
/// workspace validation refuses them first).
fn seconds(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or_default()
}

impl ServerSettings {
    /// The `host:port` to bind.
    pub fn bind_address(&self) -> String {
        if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The juggler server configuration of these settings, with paths
    /// resolved against `base_dir`; reads the PEM and htpasswd files.
    /// `shared_state` is left `None`: when [`ServerSettings::shared_state`]
    /// is true, the runtime puts its `Storage` there.
    #[allow(clippy::needless_update)] // see `..Default::default()` below
    pub fn server_config(&self, base_dir: &Path) -> Result<juggler::server::ServerConfig> {
        let tls = match &self.pem_file {
            Some(pem) => Some(
                juggler::tls::server_config_from_pem_file(&resolve(base_dir, pem))
                    .map_err(|e| Error::Invalid(format!("server.pemFile {pem}: {e}")))?,
            ),
            None => None,
        };
        let htpasswd = match &self.htpasswd_file {
            Some(file) => Some(Arc::new(
                juggler::server::Htpasswd::load(&resolve(base_dir, file))
                    .map_err(|e| Error::Invalid(format!("server.htpasswdFile {file}: {e}")))?,
            )),
            None => None,
        };
        // `..Default::default()`: a setting that juggler adds later keeps
        // its default here until the workspace learns it.
        Ok(juggler::server::ServerConfig {
            ws_path: self.ws_path.clone(),
            static_dir: self.static_dir.as_deref().map(|d| resolve(base_dir, d)),
            index_path: self.index_path.clone(),
            tls,
            htpasswd,
            autoflush: self.autoflush.map(seconds),
            shutdown_timeout: seconds(self.shutdown_timeout),
            shared_state: None,
            parallel_requests: self.parallel_requests,
            no_cache: self.no_cache,
            transport: juggler::TransportConfig {
                generation: self.generation.into(),
                max_segment_size: self.max_segment_size,
                ping_delay: seconds(self.ping_delay),
                ping_timeout: seconds(self.ping_timeout),
                max_message_size: self.max_message_size,
                idle_timeout: self.idle_timeout.map(seconds),
                ..Default::default()
            },
            send_queue_size: self.send_queue_size,
            max_pending_requests: self.max_pending_requests,
            max_connections: self.max_connections,
            sites: Some(juggler::server::SitePolicy {
                extra: self.allowed_origins.clone().unwrap_or_default(),
                hint: SITES_HINT.into(),
            }),
            notify_overflow: match self.notify_overflow_close {
                Some(s) => juggler::NotifyOverflow::Close(seconds(s)),
                None => juggler::NotifyOverflow::Wait,
            },
            tcp_keepalive: self.tcp_keepalive.map(seconds),
            ..Default::default()
        })
    }
}
