//! Recording a connection of the embedded server, or a remote session, to
//! a file while it runs (`record.start` / `record.stop`).

use std::path::PathBuf;

use serde_json::json;

use super::{Engine, now_ms};
use crate::error::{Error, Result};
use crate::model::RecordingInfo;
use crate::recording::{Event, Header, Recorder};
use crate::traffic::{Frame, Peer, ProxySide};

/// A recording in progress.
pub(super) struct ActiveRecording {
    pub(super) info: RecordingInfo,
    pub(super) recorder: Recorder,
}

impl Engine {
    /// Starts recording what `peer` sees to `path` (created or truncated).
    /// The first entry is the peer's state now, so the recording replays
    /// from a complete state. Returns the recording's id.
    pub fn record_start(&self, peer: Peer, path: PathBuf) -> Result<String> {
        let (state, generation, url, source) = match &peer {
            Peer::Connection(id) => {
                let conn = self.inner.host.connection(*id)?;
                let settings = self.inner.workspace.server();
                let state = if settings.shared_state {
                    self.inner.state.data()
                } else {
                    conn.state().data()
                };
                let generation = match settings.generation {
                    crate::workspace::Generation::V06 => "0.6",
                    crate::workspace::Generation::V07 => "0.7",
                }
                .to_owned();
                let url = self.inner.host.server().map(|s| s.url());
                (state, generation, url, format!("connection {id}"))
            }
            Peer::Proxy {
                proxy,
                connection,
                side: ProxySide::Browser,
            } => {
                let state = self.proxy_connection_state(proxy, *connection)?;
                let (url, generation) = (self.inner.proxies.get(proxy).ok())
                    .map(|p| (p.url(), p.browser_generation()))
                    .unzip();
                (
                    state,
                    generation.unwrap_or_default().to_string(),
                    url,
                    format!("proxy {proxy} connection {connection}"),
                )
            }
            Peer::Proxy { .. } => {
                return Err(Error::Invalid(
                    "record a proxied connection on its browser side".into(),
                ));
            }
            Peer::Remote(id) => {
                let session = self.inner.remotes.get(id)?;
                let target = session.target();
                (
                    session.state(),
                    target.generation.clone(),
                    Some(target.url.clone()),
                    format!("remote {id}"),
                )
            }
        };
        let header = Header::new(&generation, url, source);
        let mut recorder = Recorder::create(&path, &header)?;
        recorder.record_at(
            0.0,
            Event::State {
                diff: json!([{"op": "replace", "path": "", "value": state}]),
            },
        )?;
        let mut core = self.core();
        core.next_recording += 1;
        let id = format!("rec{}", core.next_recording);
        let info = RecordingInfo {
            id: id.clone(),
            peer,
            path: path.display().to_string(),
            started_at: header.started_at,
            entries: recorder.entries(),
            bytes: recorder.bytes(),
        };
        self.inner.publish.recordings().put(&id, &info);
        core.recordings
            .insert(id.clone(), ActiveRecording { info, recorder });
        tracing::info!(id, path = %path.display(), "recording started");
        Ok(id)
    }

    /// Stops a recording; answers what it wrote.
    pub fn record_stop(&self, id: &str) -> Result<RecordingInfo> {
        let rec =
            self.core().recordings.remove(id).ok_or_else(|| {
                Error::Invalid(format!("no recording {id:?}: it may have stopped"))
            })?;
        self.inner.publish.recordings().gone(id);
        tracing::info!(id, entries = rec.info.entries, "recording stopped");
        Ok(rec.info)
    }

    /// Stops every recording of `peer` (its connection closed, its session
    /// ended).
    pub(super) fn record_stop_peer(&self, peer: &Peer) {
        let ids: Vec<String> = self
            .core()
            .recordings
            .iter()
            .filter(|(_, r)| &r.info.peer == peer)
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            let _ = self.record_stop(&id);
        }
    }

    /// Writes `frame` to the recordings of its peer. A recording that
    /// cannot be written stops, and says why in the log.
    pub(super) fn record_frame(&self, frame: &Frame) {
        let mut core = self.core();
        if core.recordings.is_empty() {
            return;
        }
        let Some(event) = Event::from_frame(frame.clone()) else {
            return;
        };
        let mut failed = Vec::new();
        let mut updates = Vec::new();
        for (id, rec) in core.recordings.iter_mut() {
            if rec.info.peer != frame.peer {
                continue;
            }
            match rec.recorder.record(event.clone()) {
                Ok(()) => {
                    rec.info.entries = rec.recorder.entries();
                    rec.info.bytes = rec.recorder.bytes();
                    updates.push((id.clone(), rec.info.entries, rec.info.bytes));
                }
                Err(e) => {
                    tracing::error!(id, error = %e, "recording stopped");
                    failed.push((id.clone(), e.to_string()));
                }
            }
        }
        for (id, entries, bytes) in updates {
            (self.inner.publish).recording_progress(&id, entries, bytes);
        }
        for (id, error) in failed {
            core.recordings.remove(&id);
            self.inner.publish.recordings().gone(&id);
            self.event(
                "recording.failed",
                json!({"id": id, "error": error, "time": now_ms()}),
            );
        }
    }
}
