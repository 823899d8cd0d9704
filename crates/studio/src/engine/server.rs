//! The embedded juggler server: start, stop, its settings, its connections.

use std::time::{Duration, UNIX_EPOCH};

use juggler::Server;
use juggler::server::{Connection, ServerBuilder};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::{Engine, Peer};
use crate::error::{Error, Result};
use crate::model::{ConnectionClosed, ConnectionInfo, ConnectionOpened, ConnectionStats};
use crate::workspace;

impl Engine {
    /// Starts the embedded server with the workspace's settings, on
    /// `listener` if given (tests bind `127.0.0.1:0`), else on the settings'
    /// host and port.
    pub async fn start_server(&self, listener: Option<TcpListener>) -> Result<String> {
        if self.inner.host.is_running() {
            return Err(Error::Invalid(
                "the server is already running: stop it first, or restart".into(),
            ));
        }
        self.inner.host.set_wanted(true);
        let result = self.try_start(listener).await;
        match &result {
            Ok(_) => self.publish_server(None),
            Err(e) => self.publish_server(Some(e.to_string())),
        }
        result
    }

    pub(super) async fn try_start(&self, listener: Option<TcpListener>) -> Result<String> {
        let settings = self.inner.workspace.server();
        let config = settings.server_config(&self.inner.workspace.base_dir())?;
        let (shared, bind) = (settings.shared_state, settings.bind_address());
        let listener = match listener {
            Some(l) => l,
            None => match self.port_again(&settings).await {
                Some(l) => l,
                None => TcpListener::bind(&bind)
                    .await
                    .map_err(|e| bind_error(&bind, &e))?,
            },
        };
        let mut builder = ServerBuilder::with_config(config);
        if shared {
            builder = builder.shared_state(self.inner.state.served());
        }
        let on_conn = self.clone();
        let on_req = self.clone();
        let on_traffic = self.clone();
        let on_handshake = self.clone();
        builder = builder
            .default_faults(self.inner.host.faults().template())
            .check_handshake(move |_parts| match on_handshake.refusing() {
                Some(why) => Err((http::StatusCode::SERVICE_UNAVAILABLE, why)),
                None => Ok(()),
            })
            .on_connection(move |conn| {
                let engine = on_conn.clone();
                async move { engine.connected(conn, shared).await }
            })
            .on_request(move |conn, name, data| {
                let engine = on_req.clone();
                async move { engine.answer(conn, name, data).await }
            })
            .on_traffic(move |id, t| on_traffic.traffic(Peer::Connection(id), t));
        let (builder, devloop) = self.with_devloop(builder)?;
        let server = builder.serve(listener)?;
        let url = server.url();
        tracing::info!(url, "studio server started");
        self.inner.host.started(server.clone(), devloop);
        let engine = self.clone();
        tokio::spawn(async move { engine.refresh_stats(server).await });
        Ok(url)
    }

    /// With port 0 (a free one), the port the server had before if it is
    /// still free: a restart (Apply, Restart, a workspace opened) moved it
    /// to a new port, and the pages open on the old one never came back.
    async fn port_again(&self, settings: &workspace::ServerSettings) -> Option<TcpListener> {
        let last = self.inner.host.last_bound()?;
        if settings.port != 0 {
            return None;
        }
        let again = workspace::ServerSettings {
            port: last.port(),
            ..settings.clone()
        };
        let listener = TcpListener::bind(again.bind_address()).await.ok()?;
        // The same host only: another host that resolves elsewhere binds
        // where it says.
        let same = listener.local_addr().ok()? == last;
        same.then_some(listener)
    }

    /// Stops the embedded server (connections are closed cleanly).
    pub async fn stop_server(&self) -> Result<()> {
        self.inner.host.set_wanted(false);
        self.stop_running().await
    }

    /// Stops the server for a restart: it is still meant to run.
    async fn stop_running(&self) -> Result<()> {
        // Its pages' sockets close with it; the folder is no longer watched.
        let server = self.inner.host.take();
        if let Some(server) = server {
            server.shutdown().await;
            tracing::info!("studio server stopped");
        }
        self.inner.publish.connections().clear();
        self.publish_server(None);
        Ok(())
    }

    /// Replaces the server settings (validated like the workspace file);
    /// a running server restarts with them.
    pub async fn set_server_settings(&self, settings: Value) -> Result<()> {
        let settings: workspace::ServerSettings = crate::json::from_value(&settings)
            .map_err(|e| Error::serde("invalid server settings", "server", &e))?;
        self.inner.workspace.set_server(settings)?;
        // Running, or meant to but its settings failed: start with the new.
        if self.inner.host.is_running() || self.inner.host.wanted() {
            self.stop_running().await?;
            self.start_server(None).await?;
        } else {
            self.publish_server(None);
        }
        Ok(())
    }

    pub(super) async fn refresh_stats(&self, server: Server) {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        while server.is_open() {
            tick.tick().await;
            for conn in server.connections() {
                // Only while the connection's entry is there: no stats
                // entry outlives it.
                let stats = ConnectionStats::from(conn.stats());
                self.inner.publish.connection_stats(conn.id(), &stats);
            }
        }
    }

    pub(super) async fn connected(&self, conn: Connection, shared: bool) {
        if !shared {
            // Each connection starts from `/state` as it is now.
            let initial = self.inner.state.data();
            conn.state().set([], initial);
        }
        let since = conn
            .connected_at()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let key = conn.id().to_string();
        let info = ConnectionInfo {
            id: conn.id(),
            remote: conn.remote().to_owned(),
            user_agent: conn.user_agent().map(str::to_owned),
            connected_at: since,
            stats: conn.stats().into(),
            state: Value::Null,
        };
        let own_state = (!shared).then(|| conn.state().data());
        self.inner.publish.connection_opened(&key, &info, own_state);
        self.event(
            "connection.opened",
            json!(ConnectionOpened {
                id: conn.id(),
                remote: conn.remote().to_owned(),
            }),
        );
        // The handler is dropped when the connection closes: the guard's
        // drop removes the entry.
        struct Gone(Engine, u64);
        impl Drop for Gone {
            fn drop(&mut self) {
                self.0.inner.publish.connections().gone(&self.1.to_string());
                self.0.record_stop_peer(&Peer::Connection(self.1));
                self.0.faults_closed(self.1);
                self.0
                    .event("connection.closed", json!(ConnectionClosed { id: self.1 }));
            }
        }
        let _gone = Gone(self.clone(), conn.id());
        std::future::pending::<()>().await;
    }

    /// Closes one connection of the embedded server.
    pub fn close_connection(&self, id: u64) -> Result<()> {
        self.inner.host.connection(id)?.close();
        Ok(())
    }
}

impl Engine {
    /// Publishes `/server` as it stands (with `error` when it could not
    /// start).
    pub(super) fn publish_server(&self, error: Option<String>) {
        let settings = self.inner.workspace.server();
        let warning = match (self.inner.host.server(), self.inner.workspace.static_dir()) {
            (Some(_), Some(dir)) => super::vendored::mismatch(&dir, settings.generation.into()),
            _ => None,
        };
        if let Some(w) = &warning {
            tracing::warn!("{w}");
        }
        self.inner.host.publish(&settings, error, warning);
    }
}

/// Why the server cannot listen on `bind`, and what to change: the port
/// when it is taken or privileged, else the host (a name that does not
/// resolve was told to choose another port).
fn bind_error(bind: &str, e: &std::io::Error) -> Error {
    use std::io::ErrorKind;
    let what = match e.kind() {
        ErrorKind::AddrInUse | ErrorKind::PermissionDenied => {
            "choose another port (the Server pane, --port N on the command line, or the \
             workspace's server.port; 0 picks a free one)"
        }
        _ => {
            "check the host: an address or name of this machine (127.0.0.1, localhost, \
             0.0.0.0 for every interface) in the Server pane, --host on the command line or \
             the workspace's server.host"
        }
    };
    Error::Invalid(format!("cannot listen on {bind}: {e}; {what}"))
}
