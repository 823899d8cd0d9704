//! The server host: the embedded juggler server while it runs (with its
//! live reload), the faults injected into it and its pages' console; it
//! publishes `/server`, `/connections`, `/faults` and `/console`.

use std::sync::{Mutex, MutexGuard};

use juggler::Server;
use juggler::server::Connection;

use super::Publisher;
use super::devloop::{self, Console};
use super::faults::FaultState;
use crate::error::{Error, Result};
use crate::model::{ServerInfo, ServerStatus};
use crate::workspace::ServerSettings;

/// The embedded server and what belongs to it. Its three locks are never
/// held together.
pub(super) struct ServerHost {
    running: Mutex<Option<Running>>,
    /// Where the server last listened: with port 0 a restart takes that
    /// port again, so the pages open on it reconnect.
    last_bound: Mutex<Option<std::net::SocketAddr>>,
    /// A start was asked for and no stop since (a start that failed on its
    /// settings is tried again when they change).
    wanted: std::sync::atomic::AtomicBool,
    faults: Mutex<FaultState>,
    console: Mutex<Console>,
    publish: Publisher,
}

/// A running server and its live reload (which stops with it).
struct Running {
    server: Server,
    _devloop: Option<devloop::Running>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ServerHost {
    pub(super) fn new(publish: Publisher) -> ServerHost {
        ServerHost {
            running: Mutex::default(),
            last_bound: Mutex::default(),
            wanted: std::sync::atomic::AtomicBool::new(false),
            faults: Mutex::default(),
            console: Mutex::default(),
            publish,
        }
    }

    pub(super) fn faults(&self) -> MutexGuard<'_, FaultState> {
        lock(&self.faults)
    }

    pub(super) fn console(&self) -> MutexGuard<'_, Console> {
        lock(&self.console)
    }

    /// The server, while it runs.
    pub(super) fn server(&self) -> Option<Server> {
        lock(&self.running).as_ref().map(|r| r.server.clone())
    }

    pub(super) fn is_running(&self) -> bool {
        lock(&self.running).is_some()
    }

    /// Where the server listened last (running or not).
    pub(super) fn last_bound(&self) -> Option<std::net::SocketAddr> {
        *lock(&self.last_bound)
    }

    /// Whether the server is meant to run: started (or tried) and not
    /// stopped since.
    pub(super) fn wanted(&self) -> bool {
        self.wanted.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(super) fn set_wanted(&self, on: bool) {
        self.wanted.store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// The server started (with its live reload, if any).
    pub(super) fn started(&self, server: Server, devloop: Option<devloop::Running>) {
        *lock(&self.last_bound) = Some(server.local_addr());
        *lock(&self.running) = Some(Running {
            server,
            _devloop: devloop,
        });
    }

    /// Takes the server out to stop it; its live reload stops now.
    pub(super) fn take(&self) -> Option<Server> {
        lock(&self.running).take().map(|r| r.server)
    }

    /// The open connections of the server (none while stopped).
    pub(super) fn connections(&self) -> Vec<Connection> {
        self.server().map(|s| s.connections()).unwrap_or_default()
    }

    /// One open connection.
    pub(super) fn connection(&self, id: u64) -> Result<Connection> {
        self.connections()
            .into_iter()
            .find(|c| c.id() == id)
            .ok_or_else(|| Error::Invalid(format!("no connection {id}: it may have closed")))
    }

    /// Publishes `/server`: running or not (with `error` when it could
    /// not start), with `settings`.
    pub(super) fn publish(
        &self,
        settings: &ServerSettings,
        error: Option<String>,
        warning: Option<String>,
    ) {
        let (status, url, dashboard_url) = match self.server() {
            Some(s) => {
                let http = if settings.pem_file.is_some() {
                    "https"
                } else {
                    "http"
                };
                (
                    ServerStatus::Running,
                    Some(s.url()),
                    Some(format!("{http}://{}/", display_addr(s.local_addr()))),
                )
            }
            None if error.is_some() => (ServerStatus::Error, None, None),
            None => (ServerStatus::Stopped, None, None),
        };
        self.publish.server(&ServerInfo {
            status,
            error,
            settings: settings.clone(),
            url,
            dashboard_url,
            warning,
        });
    }
}

pub(super) fn display_addr(addr: std::net::SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        format!("127.0.0.1:{}", addr.port())
    } else {
        addr.to_string()
    }
}
