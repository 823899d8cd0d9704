//! Fault injection on the embedded server: per connection or for all
//! (`faults.set`), dropping a connection without a close frame
//! (`connection.drop`), refusing new connections for a while
//! (`server.refuse`) — to watch a dashboard's reconnect and stale-data
//! handling.

use juggler::server::{FaultSettings, Faults};

use super::{Engine, now_ms};
use crate::error::{Error, Result};
use crate::model::FaultsInfo;

/// Longest refusal: an hour.
const MAX_REFUSE_MS: u64 = 3_600_000;

/// The server host's faults: what the model shows, and what new
/// connections start with.
#[derive(Default)]
pub(super) struct FaultState {
    info: FaultsInfo,
    /// What new connections start with (`/faults/all`).
    template: Faults,
}

impl FaultState {
    /// The faults new connections start with.
    pub(super) fn template(&self) -> Faults {
        self.template.clone()
    }

    fn set_one(&mut self, id: u64, settings: FaultSettings) {
        if settings.is_active() {
            self.info.connections.insert(id.to_string(), settings);
        } else {
            self.info.connections.remove(&id.to_string());
        }
    }

    fn set_all(&mut self, settings: FaultSettings) {
        self.template.set(settings.clone());
        self.info.connections.clear();
        self.info.all = settings.is_active().then_some(settings);
    }
}

impl Engine {
    /// Sets the faults of one connection, or (`None`) of every connection,
    /// open now or to come.
    pub fn faults_set(&self, connection: Option<u64>, settings: FaultSettings) -> Result<()> {
        match connection {
            Some(id) => {
                let conn = self.inner.host.connection(id)?;
                conn.faults().set(settings.clone());
                self.inner.host.faults().set_one(id, settings);
            }
            None => {
                for conn in self.inner.host.connections() {
                    conn.faults().set(settings.clone());
                }
                self.inner.host.faults().set_all(settings);
            }
        }
        self.publish_faults();
        Ok(())
    }

    /// Turns every fault off, refusal included.
    pub fn faults_clear(&self) {
        for conn in self.inner.host.connections() {
            conn.faults().set(FaultSettings::default());
        }
        {
            let mut faults = self.inner.host.faults();
            faults.template.set(FaultSettings::default());
            faults.info = FaultsInfo::default();
        }
        self.publish_faults();
    }

    /// Refuses new connections (HTTP 503) for `ms` milliseconds; 0 stops
    /// refusing.
    pub fn refuse_for(&self, ms: u64) -> Result<()> {
        if ms > MAX_REFUSE_MS {
            return Err(Error::Invalid(format!(
                "ms: {ms} is longer than an hour ({MAX_REFUSE_MS})"
            )));
        }
        self.inner.host.faults().info.refuse_until = (ms > 0).then(|| now_ms() + ms);
        self.publish_faults();
        Ok(())
    }

    /// Drops one connection without a close frame.
    pub fn drop_connection(&self, id: u64) -> Result<()> {
        self.inner.host.connection(id)?.drop_connection();
        Ok(())
    }

    /// The handshake check: refuses while a refusal runs.
    pub(super) fn refusing(&self) -> Option<String> {
        let until = self.inner.host.faults().info.refuse_until?;
        let now = now_ms();
        (now < until).then(|| {
            format!(
                "refusing new connections for {:.1} s more (fault injection in Juggler Studio)",
                (until - now) as f64 / 1000.0
            )
        })
    }

    /// A closed connection's faults are forgotten.
    pub(super) fn faults_closed(&self, id: u64) {
        let removed = (self.inner.host.faults())
            .info
            .connections
            .remove(&id.to_string());
        if removed.is_some() {
            self.publish_faults();
        }
    }

    fn publish_faults(&self) {
        let faults = self.inner.host.faults();
        self.inner.publish.faults(&faults.info);
    }
}
