//! Recording a connection of the embedded server, or a remote session, to
//! a file while it runs (`record.start` / `record.stop`). The recordings
//! live in the traffic service ([`super::traffic_log`]), which writes each
//! batch of frames to them as it logs it.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::{Value, json};

use super::Engine;
use crate::error::{Error, Result};
use crate::model::RecordingInfo;
use crate::recording::{Event, Header, Recorder};
use crate::traffic::{Frame, Peer, ProxySide};

/// A recording in progress.
pub(super) struct ActiveRecording {
    pub(super) info: RecordingInfo,
    pub(super) recorder: Recorder,
}

/// A recording that ended, for a `record.stop` that comes after: its
/// connection closed, it was stopped, or it failed.
pub(super) struct Ended {
    info: RecordingInfo,
    /// Why it could not be written on, when it failed.
    failed: Option<String>,
}

/// Ended recordings kept, at most (the oldest go first).
const MAX_ENDED: usize = 100;

/// Keeps what a recording that ended wrote, for a later `record.stop`.
pub(super) fn ended(
    st: &mut super::traffic_log::LogState,
    info: RecordingInfo,
    failed: Option<String>,
) {
    if st.ended.len() >= MAX_ENDED {
        st.ended.pop_front();
    }
    st.ended.push_back(Ended { info, failed });
}

/// What writing one frame did to a recording.
pub(super) enum Written {
    /// Written; its counts now.
    Ok {
        id: String,
        entries: u64,
        bytes: u64,
    },
    /// It cannot be written: it stops.
    Failed { id: String, error: String },
}

/// Writes `frame` to the recordings of its peer.
pub(super) fn record(
    recordings: &mut HashMap<String, ActiveRecording>,
    frame: &Frame,
) -> Vec<Written> {
    let mut written = Vec::new();
    let mut mine = recordings
        .iter_mut()
        .filter(|(_, r)| r.info.peer == frame.peer)
        .peekable();
    if mine.peek().is_none() {
        return written;
    }
    let Some(event) = Event::from_frame(frame.clone()) else {
        return written;
    };
    for (id, rec) in mine {
        // When the tap saw it, not when its batch is written.
        let t = (frame.time_ms - rec.info.started_at as f64).max(0.0);
        match rec.recorder.record_at(t, event.clone()) {
            Ok(()) => {
                rec.info.entries = rec.recorder.entries();
                rec.info.bytes = rec.recorder.bytes();
                written.push(Written::Ok {
                    id: id.clone(),
                    entries: rec.info.entries,
                    bytes: rec.info.bytes,
                });
            }
            Err(e) => {
                tracing::error!(id, error = %e, "recording stopped");
                written.push(Written::Failed {
                    id: id.clone(),
                    error: e.to_string(),
                });
            }
        }
    }
    written
}

/// `record.stop`'s answer for recording `id`, which is not running.
fn ended_answer(st: &super::traffic_log::LogState, id: &str) -> Result<RecordingInfo> {
    let Some(ended) = st.ended.iter().rev().find(|e| e.info.id == id) else {
        return Err(Error::Invalid(format!(
            "no recording {id:?}: none was started with that id (the running ones are in \
             /recordings)"
        )));
    };
    match &ended.failed {
        None => Ok(ended.info.clone()),
        Some(error) => Err(Error::Invalid(format!(
            "recording {id} failed: {error}; {} holds the {} entries written before, and \
             nothing after",
            ended.info.path, ended.info.entries
        ))),
    }
}

/// Where a recording starts from: the peer's state now, its generation,
/// the server's URL and a description.
struct Source {
    state: Value,
    generation: String,
    url: Option<String>,
    source: String,
}

impl Engine {
    /// Starts recording what `peer` sees to `path` (created or truncated).
    /// The first entry is the peer's state now, so the recording replays
    /// from a complete state. Returns the recording's id.
    pub fn record_start(&self, peer: Peer, path: PathBuf) -> Result<String> {
        self.record_start_from(peer, path, false)
    }

    /// [`Engine::record_start`]; with `from_start`, what the traffic log
    /// holds of `peer` so far follows the first entry: a browser that has
    /// just connected may have sent requests already (a page sends them as
    /// it opens), before the recording could start.
    pub(super) fn record_start_from(
        &self,
        peer: Peer,
        path: PathBuf,
        from_start: bool,
    ) -> Result<String> {
        // Frames already handed over are logged first: they happened
        // before the state read below.
        drop(self.inner.traffic.state());
        let source = self.recording_source(&peer)?;
        let header = Header::new(&source.generation, source.url, source.source);
        let mut recorder = Recorder::create(&path, &header)?;
        let diff = json!([{"op": "replace", "path": "", "value": source.state}]);
        recorder.record_at(0.0, Event::State { diff })?;
        let mut st = self.inner.traffic.state();
        if from_start {
            for e in st.log.session(&peer).unwrap_or_default() {
                if let Some(event) = crate::mock::session::event_of(e) {
                    let t = (e.time_ms - header.started_at as f64).max(0.0);
                    recorder.record_at(t, event)?;
                }
            }
        }
        st.next_recording += 1;
        let id = format!("rec{}", st.next_recording);
        let info = RecordingInfo {
            id: id.clone(),
            peer,
            path: path.display().to_string(),
            started_at: header.started_at,
            entries: recorder.entries(),
            bytes: recorder.bytes(),
        };
        self.inner.publish.recordings().put(&id, &info);
        st.recordings
            .insert(id.clone(), ActiveRecording { info, recorder });
        self.inner.traffic.publish_status(&st);
        tracing::info!(id, path = %path.display(), "recording started");
        Ok(id)
    }

    /// What a recording of `peer` starts from.
    fn recording_source(&self, peer: &Peer) -> Result<Source> {
        match peer {
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
                };
                Ok(Source {
                    state,
                    generation: generation.to_owned(),
                    url: self.inner.host.server().map(|s| s.url()),
                    source: format!("connection {id}"),
                })
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
                Ok(Source {
                    state,
                    generation: generation.unwrap_or_default().to_string(),
                    url,
                    source: format!("proxy {proxy} connection {connection}"),
                })
            }
            Peer::Proxy { .. } => Err(Error::Invalid(
                "record a proxied connection on its browser side".into(),
            )),
            Peer::Remote(id) => {
                let session = self.inner.remotes.get(id)?;
                let target = session.target();
                // What it speaks, not "auto": a recording of "auto"
                // replayed and mocked as 0.6.
                let generation = session.generation().map_or_else(
                    || target.generation.clone(),
                    |g| crate::remote::generation_name(g).to_owned(),
                );
                Ok(Source {
                    state: session.state(),
                    generation,
                    url: Some(target.url.clone()),
                    source: format!("remote {id}"),
                })
            }
        }
    }

    /// Stops a recording; answers what it wrote. One that already ended
    /// (its connection closed, or it was stopped) answers the same: its
    /// file is complete; one that failed is an error saying so.
    pub fn record_stop(&self, id: &str) -> Result<RecordingInfo> {
        let rec = {
            let mut st = self.inner.traffic.state();
            let Some(rec) = st.recordings.remove(id) else {
                return ended_answer(&st, id);
            };
            ended(&mut st, rec.info.clone(), None);
            self.inner.traffic.publish_status(&st);
            rec
        };
        self.inner.publish.recordings().gone(id);
        tracing::info!(id, entries = rec.info.entries, "recording stopped");
        Ok(rec.info)
    }

    /// Ids of the recordings running.
    pub(super) fn recording_ids(&self) -> Vec<String> {
        self.inner
            .traffic
            .state()
            .recordings
            .keys()
            .cloned()
            .collect()
    }

    /// Stops every recording of `peer` (its connection closed, its session
    /// ended), once what it sent before is written.
    pub(super) fn record_stop_peer(&self, peer: &Peer) {
        let ids: Vec<String> = self
            .inner
            .traffic
            .state()
            .recordings
            .iter()
            .filter(|(_, r)| &r.info.peer == peer)
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            let _ = self.record_stop(&id);
        }
    }
}
