//! The embedded juggler server: start, stop, its settings, its connections.

use std::time::UNIX_EPOCH;

use super::*;

impl Engine {
    /// Starts the embedded server with the workspace's settings, on
    /// `listener` if given (tests bind `127.0.0.1:0`), else on the settings'
    /// host and port.
    pub async fn start_server(&self, listener: Option<TcpListener>) -> Result<String> {
        if self.core().server.is_some() {
            return Err(Error::Invalid(
                "the server is already running: stop it first, or restart".into(),
            ));
        }
        let result = self.try_start(listener).await;
        match &result {
            Ok(_) => self.publish_server(None),
            Err(e) => self.publish_server(Some(e.to_string())),
        }
        result
    }

    pub(super) async fn try_start(&self, listener: Option<TcpListener>) -> Result<String> {
        let (config, shared, bind) = {
            let core = self.core();
            let settings = core.workspace.server.clone();
            let config = settings.server_config(&Self::base_dir(&core))?;
            (config, settings.shared_state, settings.bind_address())
        };
        let listener = match listener {
            Some(l) => l,
            None => TcpListener::bind(&bind).await.map_err(|e| {
                Error::Invalid(format!(
                    "cannot listen on {bind}: {e}; choose another port in the server settings \
                     (0 picks a free one)"
                ))
            })?,
        };
        let mut builder = ServerBuilder::with_config(config);
        if shared {
            builder = builder.shared_state(self.core().doc.clone());
        }
        let on_conn = self.clone();
        let on_req = self.clone();
        let on_traffic = self.clone();
        let on_handshake = self.clone();
        builder = builder
            .default_faults(self.core().fault_template.clone())
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
        self.core().devloop = devloop;
        let url = server.url();
        tracing::info!(url, "studio server started");
        self.core().server = Some(server.clone());
        let engine = self.clone();
        tokio::spawn(async move { engine.refresh_stats(server).await });
        Ok(url)
    }

    /// Stops the embedded server (connections are closed cleanly).
    pub async fn stop_server(&self) -> Result<()> {
        let server = self.core().server.take();
        // Its pages' sockets close with it; the folder is no longer watched.
        self.core().devloop = None;
        if let Some(server) = server {
            server.shutdown().await;
            tracing::info!("studio server stopped");
        }
        self.inner.model.set(path!["connections"], json!({}));
        self.publish_server(None);
        Ok(())
    }

    /// Replaces the server settings (validated like the workspace file);
    /// a running server restarts with them.
    pub async fn set_server_settings(&self, settings: Value) -> Result<()> {
        let settings: workspace::ServerSettings = serde_path_to_error::deserialize(settings)
            .map_err(|e| Error::serde("invalid server settings", "server", &e))?;
        let running = {
            let mut core = self.core();
            let mut ws = core.workspace.clone();
            ws.server = settings;
            let problems = ws.validate(&Self::base_dir(&core));
            if let Some(p) = problems.first() {
                return Err(Error::field("", p.field.clone(), p.message.clone()));
            }
            core.workspace = ws;
            core.server.is_some()
        };
        if running {
            self.stop_server().await?;
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
                let key = conn.id().to_string();
                // Under the engine's lock, like the removal when the
                // connection closes: no stats entry can outlive it.
                let _core = self.core();
                if self
                    .inner
                    .model
                    .get(path!["connections", key.as_str()])
                    .is_some()
                {
                    self.inner.model.set(
                        path!["connections", key.as_str(), "stats"],
                        json!(ConnectionStats::from(conn.stats())),
                    );
                }
            }
        }
    }

    pub(super) async fn connected(&self, conn: Connection, shared: bool) {
        let key = conn.id().to_string();
        if !shared {
            // Each connection starts from `/state` as it is now.
            let initial = self.core().doc.data();
            conn.state().set([], initial);
        }
        let since = conn
            .connected_at()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        self.inner.model.set(
            path!["connections", key.as_str()],
            json!(ConnectionInfo {
                id: conn.id(),
                remote: conn.remote().to_owned(),
                user_agent: conn.user_agent().map(str::to_owned),
                connected_at: since,
                stats: conn.stats().into(),
                state: if shared {
                    Value::Null
                } else {
                    conn.state().data()
                },
            }),
        );
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
                let key = self.1.to_string();
                let core = self.0.core();
                self.0
                    .inner
                    .model
                    .remove(path!["connections", key.as_str()]);
                drop(core);
                self.0.record_stop_peer(&Peer::Connection(self.1));
                self.0.faults_closed(self.1);
                self.0
                    .event("connection.closed", json!(ConnectionClosed { id: self.1 }));
            }
        }
        let _gone = Gone(self.clone(), conn.id());
        std::future::pending::<()>().await;
    }

    pub(super) fn connection(&self, id: u64) -> Result<Connection> {
        let server = self.core().server.clone();
        server
            .and_then(|s| s.connections().into_iter().find(|c| c.id() == id))
            .ok_or_else(|| Error::Invalid(format!("no connection {id}: it may have closed")))
    }

    /// Closes one connection of the embedded server.
    pub fn close_connection(&self, id: u64) -> Result<()> {
        self.connection(id)?.close();
        Ok(())
    }
}

pub(super) fn display_addr(addr: std::net::SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        format!("127.0.0.1:{}", addr.port())
    } else {
        addr.to_string()
    }
}
