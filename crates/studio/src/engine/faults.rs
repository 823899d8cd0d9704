//! Fault injection on the embedded server: per connection or for all
//! (`faults.set`), dropping a connection without a close frame
//! (`connection.drop`), refusing new connections for a while
//! (`server.refuse`) — to watch a dashboard's reconnect and stale-data
//! handling.

use juggler::path;
use juggler::server::FaultSettings;
use serde_json::json;

use super::{Engine, now_ms};
use crate::error::{Error, Result};
use crate::model::FaultsInfo;

/// Longest refusal: an hour.
const MAX_REFUSE_MS: u64 = 3_600_000;

impl Engine {
    /// Sets the faults of one connection, or (`None`) of every connection,
    /// open now or to come.
    pub fn faults_set(&self, connection: Option<u64>, settings: FaultSettings) -> Result<()> {
        match connection {
            Some(id) => {
                let conn = self.connection(id)?;
                conn.faults().set(settings.clone());
                let mut core = self.core();
                if settings.is_active() {
                    core.faults.connections.insert(id.to_string(), settings);
                } else {
                    core.faults.connections.remove(&id.to_string());
                }
            }
            None => {
                let server = self.core().server.clone();
                for conn in server.map(|s| s.connections()).unwrap_or_default() {
                    conn.faults().set(settings.clone());
                }
                let mut core = self.core();
                core.fault_template.set(settings.clone());
                core.faults.connections.clear();
                core.faults.all = settings.is_active().then_some(settings);
            }
        }
        self.publish_faults();
        Ok(())
    }

    /// Turns every fault off, refusal included.
    pub fn faults_clear(&self) {
        let server = self.core().server.clone();
        for conn in server.map(|s| s.connections()).unwrap_or_default() {
            conn.faults().set(FaultSettings::default());
        }
        let mut core = self.core();
        core.fault_template.set(FaultSettings::default());
        core.faults = FaultsInfo::default();
        drop(core);
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
        self.core().faults.refuse_until = (ms > 0).then(|| now_ms() + ms);
        self.publish_faults();
        Ok(())
    }

    /// Drops one connection without a close frame.
    pub fn drop_connection(&self, id: u64) -> Result<()> {
        self.connection(id)?.drop_connection();
        Ok(())
    }

    /// The handshake check: refuses while a refusal runs.
    pub(super) fn refusing(&self) -> Option<String> {
        let until = self.core().faults.refuse_until?;
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
        let removed = self.core().faults.connections.remove(&id.to_string());
        if removed.is_some() {
            self.publish_faults();
        }
    }

    fn publish_faults(&self) {
        let info = self.core().faults.clone();
        self.inner.model.set(path!["faults"], json!(info));
    }
}
